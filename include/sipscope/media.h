/* media.h - RTP and RTCP streams, tied to calls by their SDP (RFC 3550,
 * RFC 3264, RFC 4733).
 *
 * The parse stage of the pipeline feeds it in capture order: every SDP
 * offer or answer (media_sdp: "media for this call is expected at these
 * addresses, in these formats"), every BYE, and every UDP payload that is
 * not SIP (media_udp).  A packet sent to an announced address joins that
 * call's stream (one per source, destination and SSRC); a packet that only
 * comes from an announced address joins it too, flagged as sent where the
 * SDP did not say (NAT); other packets that look like RTP make streams no
 * SDP announced (kept when they hold together: a run of sequence numbers).
 *
 * Per stream: RFC 3550 A.1 sequence accounting (expected, lost,
 * duplicates, out of order, sequence jumps), A.8 interarrival jitter in
 * the payload's clock, inter-arrival delta, RTCP sender/receiver reports
 * about it (loss, jitter, round trip: the report's arrival less the
 * capture time of the sender report it names, less DLSR), RFC 4733 DTMF
 * events, and an
 * estimated MOS (see media_finish()).
 *
 * SRTP (RFC 3711, SDES keys of RFC 4568): a stream the SDP put on a
 * secure profile (RTP/SAVP...) is authenticated and decrypted with the
 * key of the side that SENDS it (its own a=crypto; of an offer's several
 * lines, the one whose tag the answer took).  What counts for the figures:
 *  - a packet that authenticates: its decrypted payload (DTMF events,
 *    payload bytes) and its header;
 *  - a replay (libsrtp's window has it already: a duplicate in the
 *    capture): counted, and taken from its clear header as in plain RTP,
 *    so duplicates count as they do there;
 *  - a packet that fails authentication, once another packet of the
 *    stream has authenticated: counted and left out of the figures, as
 *    the receiving endpoint discards it (it counts as lost); while none
 *    has, the key is in doubt (wrong key, a rollover counter the capture
 *    did not see start): taken from its clear header, as without a key;
 *  - no key (no a=crypto, an unknown suite, DTLS-SRTP): the clear header
 *    gives sequence, loss and jitter; payload bytes leave out the
 *    suite's tag when it is known, DTMF events are not read.
 * SRTCP is decrypted with the session of the RTP stream its sender SSRC
 * names; undecrypted SRTCP is counted, its reports not read.  Sessions
 * and keys are freed and wiped when their streams and calls are evicted,
 * at media_finish() and media_free().
 *
 * Memory is bounded: at most
 * MEDIA_MAX_STREAMS streams and MEDIA_MAX_EXPECT announced addresses;
 * what is dropped at the caps is counted. */
#ifndef SIPSCOPE_MEDIA_H
#define SIPSCOPE_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#include "sipscope/sdp.h"
#include "sipscope/sip.h"
#include "sipscope/store.h"

#define MEDIA_MAX_STREAMS 262144
#define MEDIA_MAX_UNANNOUNCED 16384 /* streams no SDP announced */
#define MEDIA_MAX_DROPOUT 3000      /* RFC 3550 A.1 */
#define MEDIA_MAX_MISORDER 100
#define MEDIA_MAX_EXPECT 1048576
#define MEDIA_MAX_DTMF 32
#define MEDIA_GAP_US 1000000      /* a silence gap: no packet for 1 s */
#define MEDIA_AFTER_BYE_US 500000 /* media this long after the BYE */

/* Problems of a stream (bits). */
#define MEDIA_P_UNANNOUNCED 0x01 /* no SDP announced it (found by its RTP header) */
#define MEDIA_P_NAT         0x02 /* sent to an address the SDP did not announce */
#define MEDIA_P_CODEC       0x04 /* payload type not in the receiver's SDP formats */
#define MEDIA_P_ONE_WAY     0x08 /* the call has media in this direction only */
#define MEDIA_P_GAP         0x10 /* silence: a gap of MEDIA_GAP_US or more (not after
                                  * comfort noise, nor ended by a marker bit: DTX) */
#define MEDIA_P_AFTER_BYE   0x20 /* packets after the call's BYE */
#define MEDIA_P_LOSS        0x40 /* lost more than 1% */
#define MEDIA_P_SRTP_AUTH   0x80 /* SRTP or SRTCP packets failed authentication */

/* SRTP state of a stream. */
enum media_srtp {
	MEDIA_SRTP_NONE = 0, /* plain RTP (or no SDP said otherwise) */
	MEDIA_SRTP_NOKEY,    /* a secure profile, no usable key */
	MEDIA_SRTP_KEYED     /* a receive session from the sender's key */
};

struct srtp_rx;

struct media_dtmf {
	int64_t start_us;   /* first packet of the event */
	uint16_t duration;  /* in the stream's clock units, as last sent */
	char digit;         /* 0-9 * # A-D, or '?' for other events */
	uint8_t ended;      /* an end packet was seen */
};

struct media_stream {
	struct store_endpoint src, dst;
	uint64_t h_call_id;   /* sv_hash of the call's Call-ID; 0 when no SDP announced it */
	uint32_t ssrc;
	uint8_t pt;           /* payload type of the first packet */
	uint8_t mline;        /* m= line (1-based) of the SDP it was announced by, 0 none */
	uint16_t problems;    /* MEDIA_P_* */
	char codec[32];       /* "PCMA/8000", from the SDP's rtpmap or the static table */
	uint32_t clock;       /* clock rate (Hz) used for jitter */
	uint64_t first_frame, last_frame;
	int64_t first_us, last_us;
	uint64_t packets, bytes; /* RTP payload bytes */
	int64_t expected, lost;  /* RFC 3550 A.3; lost may be < 0 with duplicates */
	uint64_t duplicates, out_of_order, seq_jumps, pt_changes, marker;
	double jitter_ms, jitter_ms_mean, jitter_ms_max; /* last, mean, max */
	double delta_ms_max;  /* longest gap between two packets */
	int64_t gap_us;       /* longest silence (0 when under MEDIA_GAP_US) */
	int64_t after_bye_us; /* how long it went on after the BYE, 0 none */
	double mos;           /* E-model estimate; 0 before media_finish() and for
	                       * streams of DTMF events */
	/* RTCP reports about this stream (from the receiver), when present */
	uint32_t rtcp_reports;
	double rtcp_fraction_lost; /* last report, 0..1 */
	int32_t rtcp_cum_lost;
	double rtcp_jitter_ms;     /* last report */
	double rtt_ms;             /* last round trip (LSR/DLSR), < 0 none */
	uint32_t ndtmf;
	struct media_dtmf dtmf[MEDIA_MAX_DTMF];
	/* SRTP (see above) */
	uint8_t srtp;            /* enum media_srtp */
	uint8_t srtp_suite;      /* enum sdp_srtp_suite of the key in use */
	uint8_t srtp_trailer;    /* auth tag + MKI bytes of an SRTP packet, 0 unknown */
	uint64_t srtp_ok;        /* SRTP packets authenticated and decrypted */
	uint64_t srtp_auth_fail; /* failed authentication */
	uint64_t srtp_replay;    /* replays: duplicates libsrtp would not take twice */
	uint64_t srtcp_ok, srtcp_auth_fail;
	uint32_t srtp_gen;       /* generation of the key the session was made from */
	struct srtp_rx *srtp_rx; /* owned by the tracker; NULL when none */

	/* sequence state (RFC 3550 A.1) */
	uint32_t base_seq, max_seq, cycles, last_seq;
	uint32_t bad_seq;        /* a jump's next sequence number (A.1), > 0xffff: none */
	int64_t expected_prior;  /* expected before the sequence restarted */
	uint32_t last_ts;        /* of the last voice (non-event) packet */
	int64_t last_arrival_us, last_voice_us;
	uint8_t voice_seen;      /* a packet that is not a DTMF event came */
	uint8_t last_cn;         /* the last packet was comfort noise */
	uint8_t sr_next;
	uint32_t sr_mid[4];      /* NTP (middle 32 bits) of the sender's last SRs */
	int64_t sr_us[4];        /* and when they were captured */
	double jitter_ts, jitter_sum;
	uint64_t recent[2]; /* bitmap of the last 128 sequence numbers seen */
	uint32_t dtmf_ts;   /* RTP timestamp of the DTMF event going on */
	uint8_t dtmf_pt;    /* telephone-event payload type, 0 none */
	uint8_t clock_known;
};

struct media_stats {
	uint64_t rtp, rtcp;          /* packets taken */
	uint64_t not_rtp;            /* UDP payloads that are neither */
	uint64_t streams_dropped;    /* past MEDIA_MAX_STREAMS */
	uint64_t expect_dropped;     /* announced addresses past MEDIA_MAX_EXPECT */
	uint64_t heuristic_dropped;  /* unannounced streams that did not hold together */
	uint64_t srtp_ok, srtp_auth_fail, srtp_replay; /* SRTP packets, as per stream */
	uint64_t srtp_no_key;        /* SRTP packets of streams with no usable key */
	uint64_t srtcp_ok, srtcp_auth_fail;
	uint64_t srtcp_no_key;       /* SRTCP no session could read (reports not read) */
};

struct media;

/* New tracker of media.  NULL when memory ran out; owner frees with media_free(). */
struct media *media_new(void);
void media_free(struct media *m);

/* An SDP seen in a SIP message of the call whose Call-ID hashes to
 * h_call_id: media is expected at each m= line's address and port (RTCP
 * at port + 1), in its formats. */
void media_sdp(struct media *m, uint64_t h_call_id, int64_t ts_us, const struct sdp *sdp);
/* The call's BYE: media after it is a problem. */
void media_bye(struct media *m, uint64_t h_call_id, int64_t ts_us);
/* The codec a static RTP payload type names (RFC 3551: "PCMA/8000") and
 * its clock (clock may be NULL); NULL for a dynamic or unassigned one. */
const char *media_static_codec(unsigned pt, uint32_t *clock);
/* An SDP address (c= "10.0.0.1" or an IPv6 one) and m= port as an
 * endpoint.  Returns 0, or -1 when it is none (a name, port 0). */
int media_sdp_endpoint(struct sv addr, uint32_t port, struct store_endpoint *ep);
/* A SIP message of the call whose Call-ID hashes to h_call_id: its SDP
 * (media_sdp) and, for a BYE, media_bye. */
void media_note_sip(struct media *m, const struct sip_msg *msg, uint64_t h_call_id, int64_t ts_us);
/* A UDP payload that is not SIP.  Returns 1 when taken as RTP or RTCP. */
int media_udp(struct media *m, uint64_t frame, int64_t ts_us, const struct store_endpoint *src,
              const struct store_endpoint *dst, const uint8_t *p, size_t len);

/* After the last packet: drop unannounced streams that do not hold
 * together, mark one-way calls, and estimate each stream's MOS with a
 * simplified ITU-T G.107 E-model: R = 93.2 - Id - Ie_eff, where Id comes
 * from a delay of 20 ms packetisation + twice the mean jitter (the jitter
 * buffer) + the RTCP round trip / 2 when known, and Ie_eff = Ie + (95 -
 * Ie) * Ppl / (Ppl + Bpl) with the codec's Ie and Bpl (G.107 Appendix I:
 * G.711 0 / 25.1, G.729 11 / 19, G.722 0 / 25.1 ...) and Ppl the lost
 * percentage; MOS = 1 + 0.035 R + 7e-6 R (R - 60) (100 - R). */
void media_finish(struct media *m);
/* The figures of every stream as they stand now: expected and lost, mean
 * jitter, the problems that need the whole stream (loss, gap, after-bye,
 * one-way: cleared and found again, so a stream can lose them as the
 * other direction or more packets come) and the MOS.  For surfaces that
 * show streams while a live capture grows; media_finish() ends with it.
 * Unlike media_finish() it keeps every stream (unannounced ones that may
 * not hold together too: they have h_call_id 0).  Costs n log n in the
 * streams; may be called any number of times, before or after
 * media_finish(). */
void media_refresh(struct media *m);
/* Bounded memory (--max-calls): forget the streams, announced addresses
 * and BYEs of the calls keep() says are gone (it is given the Call-ID
 * hash), and the streams no SDP announced that have been silent since
 * idle_before_us.  Stream indices change.  When memory for the
 * renumbering runs out, nothing is forgotten. */
void media_evict(struct media *m, int (*keep)(void *ctx, uint64_t h_call_id), void *ctx,
                 int64_t idle_before_us);
/* One RTP packet of a stream, as media_udp() took it, for a consumer of
 * the payloads (audio).  payload is the packet's, past header, CSRCs,
 * extension and padding; for SRTP the decrypted one when it
 * authenticated (clear 1), else the encrypted bytes (clear 0: not to be
 * decoded).  Borrowed until the hook returns. */
struct media_rtp_pkt {
	uint64_t frame;
	int64_t ts_us;     /* capture time */
	uint32_t rtp_ts;
	uint16_t seq;
	uint8_t pt;
	uint8_t marker;
	uint8_t clear;
	const uint8_t *payload;
	size_t len;
};
/* fn is called with every RTP packet a stream takes (the stream's index
 * for media_stream(), valid until media_evict()), after its figures were
 * updated; NULL stops it.  The first packet of a stream no SDP announced
 * is counted once the second confirms it, and only the second is given. */
typedef void (*media_rtp_fn)(void *ctx, size_t stream, const struct media_rtp_pkt *k);
void media_set_rtp_hook(struct media *m, media_rtp_fn fn, void *ctx);

/* 1 after media_finish(). */
int media_finished(const struct media *m);

size_t media_stream_count(const struct media *m);
const struct media_stream *media_stream(const struct media *m, size_t i);
const struct media_stats *media_stats(const struct media *m);
/* "srtp: decrypted 12, auth failed 0" / "srtp: no key" / "" (plain RTP):
 * a stream's SRTP state as one line, into buf. */
void media_srtp_text(const struct media_stream *s, char *buf, size_t n);
/* "none", "no-key", "keyed". */
const char *media_srtp_name(enum media_srtp v);
/* "unannounced,nat,codec,one-way,gap,after-bye,loss,srtp-auth" names of the bits
 * set, comma-separated, into buf ("" when none). */
void media_problem_names(uint16_t problems, char *buf, size_t n);

#endif
