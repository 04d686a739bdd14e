/* hep.h - HEP/EEP (the HOMER encapsulation protocol): an encoder, an
 * agent that sends each SIP message to a collector (--hep-send), and a
 * collector that listens for agents (--hep-listen).
 *
 * HEP v3 is a "HEP3" magic, a 16-bit total length, then chunks of vendor
 * (16 bits, 0 = generic), type (16), length (16, header included) and
 * data, all in network order.  The chunks sent (generic vendor): 1 IP
 * family, 2 IP protocol, 3/4 IPv4 or 5/6 IPv6 source and destination, 7/8
 * ports, 9/10 seconds and microseconds, 11 protocol type (1 = SIP), 12
 * capture agent id, 14 auth key (when set), 15 payload, 17 correlation
 * id (the Call-ID).  Decoding is the decoder's (decode.h, encap.c). */
#ifndef SIPSCOPE_HEP_H
#define SIPSCOPE_HEP_H

#include <stddef.h>
#include <stdint.h>

#include "sipscope/endpoint.h"

#define HEP_DEFAULT_ID 2001u  /* capture agent id when --hep-id is not given */
#define HEP_MAX_PACKET 65535u /* a HEP3 length field holds no more */

/* One captured message as an agent describes it. */
struct hep_msg {
	struct store_endpoint src, dst; /* family 4 or 6 */
	uint8_t proto;                  /* 17 UDP, 6 TCP */
	uint8_t proto_type;             /* 1 SIP */
	int64_t ts_us;                  /* capture time, microseconds since the epoch */
	uint32_t capture_id;
	const char *key;                /* auth key, or NULL */
	size_t key_len;
	const uint8_t *payload;
	size_t len;
	const char *correlation;        /* Call-ID, or NULL */
	size_t correlation_len;
};

/* Encode m as HEP v3 into out[0..cap).  Pure: no allocation, no I/O.
 * Returns the packet length, or -1 when it would not fit cap (or 65535
 * bytes, the most a HEP3 length says) or the family is not 4 or 6. */
long hep3_encode(const struct hep_msg *m, uint8_t *out, size_t cap);

/* The same as HEP v2 (a 16- or 40-byte header, then seconds,
 * microseconds and a 16-bit capture id in little-endian order as
 * captagent sends them, then the payload; no key, no correlation id). */
long hep2_encode(const struct hep_msg *m, uint8_t *out, size_t cap);

/* "udp:HOST:PORT" or "tcp:HOST:PORT" (HOST a name, an IPv4 address or an
 * IPv6 one in brackets; "udp:PORT" alone is 127.0.0.1).  Returns 0 with
 * the parts (host NUL-terminated in host[hostlen]), or -1 with the reason
 * in err. */
int hep_url_parse(const char *url, int *tcp, char *host, size_t hostlen, char *port,
                  size_t portlen, char *err, size_t errlen);

/* ---- the agent (hep_send.c) ------------------------------------------- */

struct hep_send_opts {
	const char *url;        /* udp:HOST:PORT or tcp:HOST:PORT */
	int version;            /* 3 (default, 0 means 3) or 2 */
	uint32_t capture_id;    /* 0: HEP_DEFAULT_ID */
	const char *key;        /* auth key (v3), or NULL */
	size_t queue_bytes;     /* bound of the queue: 0 = 8 MiB */
	int wait_when_full;     /* reading a file: wait for room instead of dropping */
};

struct hep_send_stats {
	uint64_t queued, sent, dropped, too_big, send_errors, reconnects;
};

struct hep_sender;

/* Open a non-blocking socket to the collector (TCP connects in the
 * background and reconnects with backoff).  Returns NULL with the reason
 * in err (bad URL, unknown host).  Owner frees with hep_send_close(). */
struct hep_sender *hep_send_open(const struct hep_send_opts *o, char *err, size_t errlen);

/* Queue one message (its bytes copied); the queue goes out in batches
 * (a sendmmsg() per 64 UDP packets), the rest at the next hep_send_poll(),
 * which the caller's loop makes every few milliseconds.  Never blocks
 * unless wait_when_full (then at most 1 s per call): when the queue is
 * full the message is dropped and counted. */
void hep_send_msg(struct hep_sender *s, const struct store_endpoint *src,
                  const struct store_endpoint *dst, uint8_t proto, int64_t ts_us,
                  const char *bytes, size_t len, const char *call_id, size_t call_id_len);

/* hep_send_msg() for ingest_set_tap() (ctx is the sender). */
void hep_send_tap(void *ctx, const struct store_endpoint *src, const struct store_endpoint *dst,
                  uint8_t proto, int64_t ts_us, const char *bytes, size_t len, const char *call_id,
                  size_t call_id_len);

/* Send what is queued, reconnect when due.  Returns the milliseconds the
 * caller may sleep before calling again (0: data waits, -1: nothing
 * pending). */
int hep_send_poll(struct hep_sender *s);

/* Before exit: try to send what is queued for up to timeout_ms. */
void hep_send_drain(struct hep_sender *s, int timeout_ms);

void hep_send_stats(const struct hep_sender *s, struct hep_send_stats *out);
void hep_send_close(struct hep_sender *s);

/* ---- the collector (hep_listen.c) ------------------------------------- */

struct hep_listen_stats {
	uint64_t packets;      /* HEP packets received */
	uint64_t messages;     /* handed over as frames */
	uint64_t malformed;    /* not HEP, or broken chunks */
	uint64_t not_sip;      /* HEP of another protocol (RTCP, logs...) */
	uint64_t bad_key;      /* auth key missing or wrong */
	uint64_t too_big;      /* payload too large for one IP packet */
	uint64_t socket_drops; /* dropped by the kernel (socket buffer full) */
	uint64_t unread_at_exit; /* UDP: still queued when the collector stopped */
	uint64_t connections;  /* TCP agents accepted */
	uint64_t conn_timeouts;   /* closed: idle, or stalled inside a packet */
	uint64_t conn_pushed_out; /* closed, quiet the longest, for a newcomer */
	uint64_t conn_refused;    /* closed at once: table full of busy agents */
};

/* One message an agent sent, rebuilt as an Ethernet/IPv4|IPv6/UDP|TCP
 * frame with the agent's addresses, ports and time (checksums valid).
 * data is borrowed until the next hep_listen_next(). */
struct hep_frame {
	const uint8_t *data;
	uint32_t len;
	int64_t ts_us;      /* the agent's time */
	int64_t arrival_us; /* ours: when the collector received it */
	uint32_t capture_id;
	uint8_t version;
};

struct hep_listener;

/* Listen on "udp:ADDR:PORT" or "tcp:ADDR:PORT" ("udp:PORT": 127.0.0.1).
 * key: drop packets whose auth key differs (NULL: accept all).  Returns
 * NULL with the reason in err. */
struct hep_listener *hep_listen_open(const char *url, const char *key, char *err, size_t errlen);
void hep_listen_close(struct hep_listener *l);
const char *hep_listen_name(const struct hep_listener *l);

/* The next message: 1 with *f, 0 when none is waiting (poll the fds). */
int hep_listen_next(struct hep_listener *l, struct hep_frame *f);
/* Descriptors to poll for input, up to max.  Returns how many. */
size_t hep_listen_fds(const struct hep_listener *l, int *fds, size_t max);
void hep_listen_stats(const struct hep_listener *l, struct hep_listen_stats *out);
/* The collector stops: count (unread_at_exit) and discard the datagrams
 * still queued on a UDP socket.  Returns how many. */
uint64_t hep_listen_discard(struct hep_listener *l);

/* A frame for message m (Ethernet, then IPv4/IPv6, UDP or TCP with
 * sequence number seq), checksums computed, into out[0..cap).  Returns
 * its length, or -1 when it does not fit or the payload is too large for
 * one IP packet. */
long hep_frame_build(const struct hep_msg *m, uint32_t seq, uint8_t *out, size_t cap);

#endif
