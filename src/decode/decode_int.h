/* decode_int.h - shared between the decode module's files only.
 *
 * Built with -DSIPSCOPE_UDP_ONLY (tests/bench only, never installed), the
 * decoder reads plain UDP and nothing else: no fragments, tunnels, HEP or
 * TCP.  Against it the benchmark measures what all of those cost on a
 * capture that needs none of them. */
#ifndef SIPSCOPE_DECODE_INT_H
#define SIPSCOPE_DECODE_INT_H

#include "sipscope/decode.h"

#define FRAG_SLOTS 64          /* datagrams under reassembly at once */
#define FRAG_MAX_PIECES 128    /* fragments per datagram */
#define FRAG_TIMEOUT_US (30 * 1000000LL) /* RFC 791 suggests 15-120 s */
#define IP_MAX 65535

struct frag_slot {
	int used;
	uint8_t family, proto;
	uint8_t src[16], dst[16];
	uint32_t id;
	int64_t first_ts;
	uint64_t first_frame; /* the earliest frame a piece came in */
	size_t total; /* 0 until the last fragment is seen */
	size_t npieces;
	struct frag_piece { uint32_t off, end; } *piece; /* FRAG_MAX_PIECES, made on first use */
	uint8_t *buf;
};

struct decoder {
	struct frag_slot frag[FRAG_SLOTS];
	uint8_t *out; /* the last reassembled datagram (owned) */
	uint64_t frame; /* number of the frame being decoded */
	uint64_t last_first_frame; /* first_frame of the datagram just reassembled */
	struct decode_stats st;
};

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Count and report a bad packet. */
enum decode_status decode_fail(struct decoder *d, struct l4_packet *out,
                               enum decode_status st, const char *why);

/* The network layer named by an ethertype (IPv4, IPv6, MPLS, Ethernet
 * inside a tunnel), `depth` tunnels deep. */
enum decode_status decode_net(struct decoder *d, uint16_t ethertype, const uint8_t *p,
                              size_t len, int64_t ts, struct l4_packet *out, int depth);

/* A GRE packet (IP protocol 47). */
enum decode_status decode_gre(struct decoder *d, const uint8_t *p, size_t len, int64_t ts,
                              struct l4_packet *out, int depth);

/* A decoded UDP datagram: opened when it is a tunnel (VXLAN, Geneve) or
 * HEP, left as it is otherwise. */
enum decode_status decode_udp_encap(struct decoder *d, int64_t ts, struct l4_packet *out,
                                    int depth);

#endif
