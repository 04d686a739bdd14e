/* ingest.h - the pipeline from captured frames to stored, tracked SIP
 * messages: decode -> (TCP reassembly) -> SIP parse -> track -> store. */
#ifndef SIPSCOPE_INGEST_H
#define SIPSCOPE_INGEST_H

#include <stdint.h>

#include "sipscope/decode.h"
#include "sipscope/media.h"
#include "sipscope/pcap_src.h"
#include "sipscope/store.h"
#include "sipscope/tcp.h"
#include "sipscope/tls.h"
#include "sipscope/track.h"

struct ingest_stats {
	uint64_t frames;
	uint64_t sip_msgs;
	uint64_t malformed;     /* SIP messages flagged malformed */
	uint64_t not_sip;       /* UDP/TCP payloads that are not SIP */
	uint64_t bad_frames;    /* frames cut short or with broken headers */
	uint64_t tcp_gaps;      /* lost TCP data resynchronised over */
	uint64_t tcp_broken;    /* SIP messages a TCP gap cut (kept, flagged) */
	uint64_t tcp_unfinished; /* SIP messages given up unfinished: Content-Length
	                            never reached, headers never ended (kept, flagged) */
	uint64_t tcp_parses;    /* SIP parses of TCP stream bytes: one per message, plus
	                           a few for one whose start line comes in pieces */
	uint64_t store_errors;  /* messages lost to memory or spool failure */
	uint64_t ws_msgs;       /* SIP messages found in WebSocket frames */
	uint64_t ws_broken;     /* WebSocket messages a gap or bad frame cut */
	uint64_t ws_compressed; /* permessage-deflate messages (not inflated) */
	uint64_t hep_tcp;       /* HEP3 packets read from TCP streams */
	uint64_t tls_dropped;   /* TLS connections past INGEST_MAX_TLS */
	uint64_t tls_sip_msgs;  /* SIP messages read from decrypted TLS (parse stage) */
	uint64_t tls_dsb;       /* pcapng Decryption Secrets Blocks read */
};

/* One TLS connection, decrypted when its keys are known (key log, pcapng
 * secrets, RSA key), and shown by stats either way with the reason. */
#define INGEST_MAX_TLS (1u << 18) /* connection records kept; later ones are not decrypted */
struct ingest_tls {
	struct store_endpoint client, server; /* server: the side that sent ServerHello,
	                                         or port 5061, or the lower port */
	uint64_t first_frame, last_frame;
	uint64_t segments, bytes; /* segments carrying data, their payload bytes */
	int64_t first_us, last_us;
	char sni[64];       /* server name from the ClientHello (raw bytes, NUL-ended) */
	uint8_t hello;      /* 1: the handshake was seen; 0: joined mid-stream */
	/* from the decoder (tls.h) */
	uint16_t version, suite;  /* 0x0303 / 0x0304; IANA suite id; 0 unknown */
	uint8_t reason;     /* enum tls_reason: why not decrypted (TLS_R_OK when it is) */
	uint8_t decrypted;  /* application data was decrypted */
	uint8_t resumed;    /* abbreviated handshake */
	uint64_t records, records_ok, records_failed;
	uint64_t sip_msgs;  /* SIP messages read from its plaintext */
	uint8_t have_cr;    /* cr holds the ClientHello's random (the key log's key) */
	uint8_t cr[32];
};

struct ingest;

/* New pipeline writing to store s and tracker t (both borrowed). */
struct ingest *ingest_new(struct store *s, struct tracker *t);
void ingest_free(struct ingest *in);

/* Feed one frame.  Returns 0, or -1 when a message could not be stored
 * (counted in store_errors; the pipeline goes on). */
int ingest_frame(struct ingest *in, const struct frame *f);

/* One whole SIP message that did not come from a frame of a capture (a
 * stored database, say): its bytes are spooled, parsed and tracked as if
 * frame `frame` at ts_us had completed it.  transport is a
 * store_transport, capture_id the HEP agent (0 for none).  Returns 1 when
 * it was SIP, 0 when not (counted), -1 when it could not be stored. */
int ingest_raw_message(struct ingest *in, uint64_t frame, int64_t ts_us,
                       const struct store_endpoint *src, const struct store_endpoint *dst,
                       uint8_t transport, uint32_t capture_id, const char *bytes, size_t len);

/* The store the pipeline writes to (for a source that restores record
 * fields the bytes alone do not give, such as a stored database). */
struct store *ingest_store(const struct ingest *in);

/* After the last ingest_frame(): TCP data held behind holes that never
 * filled is parsed (behind a gap).  ingest_run() does this itself. */
void ingest_finish(struct ingest *in);

const struct ingest_stats *ingest_stats(const struct ingest *in);
const struct decode_stats *ingest_decode_stats(const struct ingest *in);
const struct tcp_stats *ingest_tcp_stats(const struct ingest *in);

/* Keep, per message, the frame its first byte came in (off by default:
 * 8 bytes a message).  With the frame that completed it, that bounds the
 * frames (fragments, segments) to write when a call is exported as pcap.
 * ingest_first_frame() is 0 when not kept. */
void ingest_keep_frame_ranges(struct ingest *in, int on);
uint64_t ingest_first_frame(const struct ingest *in, size_t msg_idx);

/* TLS connections seen, in order of appearance. */
size_t ingest_tls_count(const struct ingest *in);
const struct ingest_tls *ingest_tls(const struct ingest *in, size_t i);

/* TLS decryption.  Key sources: a key log file (read whole now; live, a
 * missing file is no error and ingest_tls_poll() reads what is appended),
 * RSA private keys (PEM: TLS 1.2 RSA key exchange), and key log text found
 * in the capture (pcapng Decryption Secrets Blocks, ingest_tls_secrets). */
#define INGEST_TLS_MAX_KEYS 16
struct ingest_tls_opts {
	const char *keylog;       /* --tls-keylog, or $SSLKEYLOGFILE; NULL: none */
	int keylog_optional;      /* from the environment: a missing file is no error */
	const char *rsa_keys[INGEST_TLS_MAX_KEYS]; /* --tls-key */
	size_t nrsa;
};
/* Returns 0 (err may then hold a warning line: bad key log lines skipped,
 * "" when none), or -1 with the reason in err (no such file, not a key). */
int ingest_set_tls(struct ingest *in, const struct ingest_tls_opts *o, int live, char *err, size_t errlen);
/* Key log text from the capture itself (a DSB): bad lines are a warning. */
int ingest_tls_secrets(struct ingest *in, const char *text, size_t n);
/* A pcap_src_secrets_fn for pcap_src_on_secrets(src, ingest_on_secrets, in):
 * the TLS key logs embedded in pcapng files go to ingest_tls_secrets(). */
void ingest_on_secrets(void *in, uint32_t type, const uint8_t *data, size_t n);
/* Live: records whose key is not known yet wait for it (bounded). */
void ingest_tls_wait_for_keys(struct ingest *in, int on);
/* Live, between frames: read what the key log gained, retry waiting
 * records, give up those that waited too long (now_us: capture clock). */
void ingest_tls_poll(struct ingest *in, int64_t now_us);
/* Summed over the connections (NULL when no TLS was seen or set up). */
const struct tls_stats *ingest_tls_totals(const struct ingest *in);
/* The key store (NULL when none): what an export writes as secrets. */
const struct tls_keys *ingest_tls_keys(const struct ingest *in);

/* Tracking on (the default) or off: off, records keep zero transaction,
 * dialog and call ids.  For measuring what tracking costs (tests/bench). */
void ingest_set_tracking(struct ingest *in, int on);

/* Follow RTP and RTCP (--rtp; off by default, so signalling-only runs pay
 * nothing): SDP offers and answers announce where media goes, and UDP
 * payloads that are not SIP are looked at as RTP/RTCP (media.h).
 * Returns 0, or -1 when memory ran out. */
int ingest_set_media(struct ingest *in, int on);
/* The media tracker (NULL when off); read it after the run: call
 * media_finish() first. */
struct media *ingest_media(const struct ingest *in);
/* Also merge the calls whose messages carry the same value in this header
 * (borrowed; NULL for none).  X-Call-ID, X-CID and Session-ID always do. */
void ingest_set_correlate(struct ingest *in, const char *header);

/* A tap on the parse stage: fn sees each SIP message as it is emitted
 * (after reassembly), with the hop that carried it, its transport as an
 * IP protocol (17 UDP, 6 for TCP and what runs over it), its capture time
 * and its Call-ID (a view, NULL when none).  Called on the parse stage's
 * thread (the worker thread of ingest_run()).  fn NULL: none.  The HEP
 * agent (hep_send_tap) is one.  Messages found inside HEP packets of the
 * capture are not tapped (an agent would resend its own output). */
typedef void (*ingest_tap_fn)(void *ctx, const struct store_endpoint *src,
                              const struct store_endpoint *dst, uint8_t proto, int64_t ts_us,
                              const char *bytes, size_t len, const char *call_id,
                              size_t call_id_len);
void ingest_set_tap(struct ingest *in, ingest_tap_fn fn, void *ctx);

/* Read every frame of src.  Parsing runs on a worker thread while this
 * thread tracks (one thread when a second cannot be started).  Damaged
 * input is recorded as warnings (ingest_warning) and does not stop the
 * run.  Call track_finish() after.  Returns 0. */
int ingest_run(struct ingest *in, struct pcap_src *src);

/* Bounded memory for a live source (--max-calls): once there are more
 * than max_calls calls (plus an eighth, so the compaction's cost is
 * spread), the oldest finished ones are evicted down to max_calls; calls
 * in progress stay, up to a hard cap (ingest_calls_cap(): twice
 * max_calls, at least max_calls + INGEST_CAP_ROOM, so a small limit still
 * leaves calls in progress alone): past it the least recently active go
 * too, open ones marked CALL_FLAG_CUT, until an eighth under the cap is
 * left (track_evict(); hooks may be NULL).  max_calls 0: no limit.  Call
 * between frames, never during ingest_run().  Returns the calls evicted,
 * 0 when none, -1 when memory ran out. */
#define INGEST_MAX_CALLS_DEFAULT 100000
#define INGEST_CAP_ROOM 1000
size_t ingest_calls_cap(size_t max_calls);
long ingest_evict(struct ingest *in, size_t max_calls, const struct track_evict_hooks *hooks);
/* The same without the hard cap: only finished calls go (never one in
 * progress, nothing marked cut), however many stay (keep 0: none go).
 * What a batch command that prints each call once it is over can use. */
long ingest_evict_finished(struct ingest *in, size_t keep, const struct track_evict_hooks *hooks);

/* fn(ctx) is called by the track stage between two batches of messages
 * during ingest_run() (every 512 frames when it runs on one thread):
 * there, and only there, ingest_evict() and ingest_evict_finished() may
 * be called during a run, provided the store keeps its spool
 * (store_keep_spool(): the parse stage spools meanwhile).  fn NULL: none. */
void ingest_set_batch_hook(struct ingest *in, void (*fn)(void *ctx), void *ctx);

/* Warnings of the last run, in order: count (may exceed those kept) and
 * text (NULL past the 16 kept). */
size_t ingest_warning_count(const struct ingest *in);
const char *ingest_warning(const struct ingest *in, size_t i);

#endif
