/* tcp.h - TCP stream reassembly: per-direction byte streams in sequence
 * order, with retransmissions trimmed and out-of-order segments held until
 * the hole before them fills.  A hole that will not fill (a lost or
 * snaplen-cut segment) becomes a *gap*: the stream goes on after it and
 * marks where it was, so the caller can drop the message it broke and
 * resynchronise.  Memory is bounded per flow and in total; what is dropped
 * is counted. */
#ifndef SIPSCOPE_TCP_H
#define SIPSCOPE_TCP_H

#include <stddef.h>
#include <stdint.h>

#include "sipscope/decode.h"

#define TCP_FLOW_MAX_BYTES (1u << 20) /* unconsumed + held bytes per direction */
#define TCP_MAX_FLOWS 65536            /* then the longest idle flow is evicted,
                                          one that never carried SIP first */
#define TCP_MAX_OOO 64                 /* out-of-order segments held */
#define TCP_HOLE_WAIT_US 3000000       /* a hole older than this is given up */
#define TCP_TOTAL_MAX_BYTES (256u << 20) /* buffer capacity of all flows together (default) */
#define TCP_MAX_GAPS 8                  /* gap marks kept in a direction's buffer */
#define TCP_IDLE_US (600 * 1000000LL)  /* a flow silent this long is forgotten */
#define TCP_NO_GAP SIZE_MAX

/* What a direction carries, as the caller worked it out (tcp.c only keeps
 * it, and frees ws_msg with the flow). */
enum tcp_app_kind {
	TCP_APP_NONE = 0,
	TCP_APP_SIP,     /* SIP framed by Content-Length (RFC 3261 18.3) */
	TCP_APP_WS_HTTP, /* the HTTP upgrade before WebSocket frames */
	TCP_APP_WS,      /* WebSocket frames (RFC 6455), SIP inside (RFC 7118) */
	TCP_APP_HEP,     /* HEP3 packets back to back */
	TCP_APP_TLS,     /* TLS records: decrypted when keys are known (tls.h) */
	TCP_APP_OFF      /* carries nothing of ours any more: bytes are dropped */
};

struct tcp_app {
	uint8_t kind;      /* enum tcp_app_kind */
	uint8_t ws_opcode; /* opcode of the WebSocket message being joined, 0: none */
	char *ws_msg;      /* that message's payload so far */
	size_t ws_len, ws_cap;
	uint32_t tls_conn; /* caller's TLS connection record, index+1 */
	uint8_t tls_gap;   /* bytes were lost before the next ones given to the decoder */
	uint64_t ws_first_frame; /* frame of the joined message's first byte */
	/* SIP framing, so that a message arriving in many segments is not
	 * parsed again from its start at each: valid while the stream
	 * position of the first unconsumed byte is sip_at. */
	uint64_t sip_at;
	size_t sip_scan;   /* bytes searched for the end of the headers, not found */
	size_t sip_need;   /* headers parsed: the message's whole length, else 0 */
};

struct tcp_table;
struct tcp_flow;

struct tcp_stats {
	uint64_t segments, retrans_bytes, ooo_segments, gaps, dropped_bytes, flows, evicted_flows;
	uint64_t expired_flows; /* idle for TCP_IDLE_US */
	uint64_t total_cap_drops; /* segments lost to the all-flows cap */
};

struct tcp_table *tcp_table_new(void);
void tcp_table_free(struct tcp_table *t);
/* The cap on what all flows together hold (TCP_TOTAL_MAX_BYTES unless
 * set), and what they hold now: the capacity of their buffers (not only
 * the bytes in them) and the bytes held out of order.  A buffer emptied
 * by consuming is given back unless it is small. */
void tcp_table_set_limit(struct tcp_table *t, size_t bytes);
size_t tcp_table_held(const struct tcp_table *t);

/* Feed one segment, seen in capture frame `frame` at ts_us.  Returns the
 * flow (direction) it belongs to, or NULL when memory ran out or the flow
 * is unknown and `create` is 0.  *gap is set when this segment made a gap
 * (it was cut short by the capture, or a hole was given up). */
struct tcp_flow *tcp_table_segment(struct tcp_table *t, const struct l4_packet *pkt,
                                   uint64_t frame, int64_t ts_us, int create, int *gap);

/* Is the segment's direction a flow the table tracks? */
int tcp_table_knows(const struct tcp_table *t, const struct l4_packet *pkt);

/* The flow's contiguous unconsumed bytes, and where in them a gap lies
 * (TCP_NO_GAP when none): bytes before it and after it do not join. */
const char *tcp_flow_data(const struct tcp_flow *f, size_t *len);
size_t tcp_flow_gap_at(const struct tcp_flow *f);
/* Do the first len unconsumed bytes all come from the segment of `frame`
 * (the one just fed), unbroken?  Then *frame_off is where they start in
 * that frame's bytes, and they can be read again from the capture. */
int tcp_flow_frame_span(const struct tcp_flow *f, uint64_t frame, size_t len, size_t *frame_off);
/* The frame that brought the first unconsumed byte (0 when none is
 * buffered): with the frame that completes a message, the range of frames
 * its bytes came in. */
uint64_t tcp_flow_first_frame(const struct tcp_flow *f);
/* Drop n bytes from the front (a parsed message, or garbage). */
void tcp_flow_consume(struct tcp_flow *f, size_t n);
/* Stream position of the first unconsumed byte (bytes consumed or lost
 * before it since the flow began): it changes whenever the front moves. */
uint64_t tcp_flow_offset(const struct tcp_flow *f);
/* FIN or RST seen, and nothing held out of order: no more bytes will come. */
int tcp_flow_finished(const struct tcp_flow *f);
/* Iterate all flows of the table: *iter starts at 0; NULL at end. */
struct tcp_flow *tcp_table_next(struct tcp_table *t, size_t *iter);

/* Held segments waiting for a hole that has waited too long (or too many
 * held): the caller should flush. */
int tcp_flow_stalled(const struct tcp_flow *f, int64_t now_us);
/* Give up the hole before the earliest held segment: it joins the stream
 * behind a gap.  Returns 1 with the frame and time it was captured in, or
 * 0 when nothing is held.  Call repeatedly, parsing after each. */
int tcp_flow_flush_step(struct tcp_table *t, struct tcp_flow *f, uint64_t *frame, int64_t *ts_us);
/* The other direction of the segment's connection, or NULL. */
struct tcp_flow *tcp_table_reverse(const struct tcp_table *t, const struct l4_packet *pkt);
/* The peer acknowledged bytes up to `ack`: the segments the capture is
 * missing below it were received, and will not come again.  Give up the
 * hole before the earliest held segment when it lies below ack; returns
 * 1 with that segment's frame and time (call again), 0 when none is. */
int tcp_flow_flush_acked(struct tcp_table *t, struct tcp_flow *f, uint32_t ack, uint64_t *frame,
                         int64_t *ts_us);
/* Iterate the flows that hold segments: *iter starts at 0; NULL at end. */
struct tcp_flow *tcp_table_next_held(struct tcp_table *t, size_t *iter);
/* The direction's addresses. */
void tcp_flow_endpoints(const struct tcp_flow *f, struct store_endpoint *src,
                        struct store_endpoint *dst);

/* Remember that the flow carried SIP (flows that never did are dropped at
 * the first non-SIP data). */
void tcp_flow_mark_sip(struct tcp_flow *f);
/* The caller's state for the direction (zeroed when the flow is new). */
struct tcp_app *tcp_flow_app(struct tcp_flow *f);
int tcp_flow_is_sip(const struct tcp_flow *f);

/* Call after consuming what the segment made available: frees the flow
 * once it has seen FIN or RST and holds nothing more.  f is invalid after. */
void tcp_table_done(struct tcp_table *t, struct tcp_flow *f);
/* Forget a flow now (f is invalid after). */
void tcp_table_drop(struct tcp_table *t, struct tcp_flow *f);

const struct tcp_stats *tcp_table_stats(const struct tcp_table *t);

/* Why the table forgets a flow on its own. */
enum tcp_forget {
	TCP_FORGET_EXPIRED = 1, /* idle for TCP_IDLE_US */
	TCP_FORGET_EVICTED      /* the table was full */
};
/* Called just before the table forgets a flow on its own (while feeding
 * a segment): fn may read the flow's bytes (tcp_flow_data, its app, its
 * endpoints) to give up what they held, but not consume or drop it. */
void tcp_table_on_forget(struct tcp_table *t, void (*fn)(void *ctx, struct tcp_flow *f, int why),
                         void *ctx);
/* The frame and time of the flow's last segment. */
uint64_t tcp_flow_last_frame(const struct tcp_flow *f);
int64_t tcp_flow_last_ts(const struct tcp_flow *f);

/* Called with each flow's tcp_app just before the flow is freed (dropped,
 * evicted, closed, or at tcp_table_free), so the caller can release what
 * it hung on it; also when a SYN starts a new connection on a flow's
 * 4-tuple, after which its tcp_app is zeroed (kind TCP_APP_NONE). */
void tcp_table_on_app_free(struct tcp_table *t, void (*fn)(void *ctx, struct tcp_app *app), void *ctx);

/* Inner flows: a byte stream that is not a TCP payload itself (the
 * plaintext of a TLS direction), with the same buffer, gap marks and
 * frame marks, parsed by the same code.  It is not in the table (never
 * found, swept or evicted; the caller frees it), its bytes count toward
 * the table's held bytes, and tcp_flow_frame_span() is always 0 (its bytes
 * are not in the capture file).  Never pass one to tcp_table_drop/done. */
struct tcp_flow *tcp_flow_new_inner(struct tcp_table *t, const struct store_endpoint *src,
                                    const struct store_endpoint *dst);
/* Append n bytes that came complete with `frame`; gap_before: bytes were
 * lost before them. */
void tcp_flow_append(struct tcp_flow *f, const char *p, size_t n, uint64_t frame, int gap_before);
/* The same without a copy when nothing is buffered (the common case: a
 * record holds whole messages): the flow reads p in place until
 * tcp_flow_unlend(), which keeps a copy of what was not consumed.  p must
 * stay valid and unchanged until then, and nothing may be appended or the
 * flow freed in between.  Returns 1 if lent, 0 (then append instead). */
int tcp_flow_lend(struct tcp_flow *f, const char *p, size_t n, uint64_t frame);
void tcp_flow_unlend(struct tcp_flow *f);
int tcp_flow_is_inner(const struct tcp_flow *f);
void tcp_flow_free_inner(struct tcp_flow *f); /* what it held counts as dropped */

#endif
