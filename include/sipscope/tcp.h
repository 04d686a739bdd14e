/* tcp.h - TCP stream reassembly: per-direction byte streams in sequence
 * order, with retransmissions trimmed, out-of-order segments held, and a
 * lost segment turned into a gap the caller resynchronises over.
 * Memory is bounded per flow and in total; what is dropped is counted. */
#ifndef SIPSCOPE_TCP_H
#define SIPSCOPE_TCP_H

#include <stddef.h>
#include <stdint.h>

#include "sipscope/decode.h"

#define TCP_FLOW_MAX_BYTES (1u << 20) /* unconsumed bytes per direction */
#define TCP_MAX_FLOWS 65536            /* then the longest idle flow is evicted */
#define TCP_MAX_OOO 64                /* out-of-order segments held */

struct tcp_table;
struct tcp_flow;

struct tcp_stats {
	uint64_t segments, retrans_bytes, ooo_segments, gaps, dropped_bytes, flows, evicted_flows;
};

struct tcp_table *tcp_table_new(void);
void tcp_table_free(struct tcp_table *t);

/* Feed one segment.  Returns the flow (direction) it belongs to, or NULL
 * when memory ran out or the flow is unknown and `create` is 0.  *gap is set when bytes were lost before the new
 * data (the caller should resynchronise). */
struct tcp_flow *tcp_table_segment(struct tcp_table *t, const struct l4_packet *pkt,
                                   int64_t ts_us, int create, int *gap);

/* Call after consuming what the segment made available: frees the flow
 * once it has seen FIN or RST and holds nothing more.  f is invalid after. */
void tcp_table_done(struct tcp_table *t, struct tcp_flow *f);

/* The flow's contiguous unconsumed bytes. */
const char *tcp_flow_data(const struct tcp_flow *f, size_t *len);
/* Drop n bytes from the front (a parsed message, or garbage). */
void tcp_flow_consume(struct tcp_flow *f, size_t n);

const struct tcp_stats *tcp_table_stats(const struct tcp_table *t);

#endif
