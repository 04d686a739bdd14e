/* decode.h - from a captured frame to a transport payload.
 *
 * Link layers (Ethernet + 802.1Q/QinQ, Linux SLL/SLL2, BSD NULL/loopback,
 * raw IP), IPv4 (options, fragments) and IPv6 (extension headers,
 * fragments), UDP and TCP headers.  Every read is bounds-checked against
 * caplen; a short packet is reported, never read past. */
#ifndef SIPSCOPE_DECODE_H
#define SIPSCOPE_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "sipscope/store.h"

enum decode_status {
	DECODE_OK = 0,
	DECODE_SKIP,      /* not IP, or not UDP/TCP: nothing for us */
	DECODE_HELD,      /* an IP fragment kept for reassembly */
	DECODE_TRUNCATED, /* the capture cut a header short */
	DECODE_MALFORMED  /* headers contradict themselves */
};

struct l4_packet {
	struct store_endpoint src, dst;
	uint8_t proto;            /* 6 TCP, 17 UDP */
	const uint8_t *payload;   /* transport payload */
	size_t len;               /* bytes available at payload */
	size_t wire_len;          /* bytes the headers say there are */
	size_t payload_off;       /* offset in the frame, or SIZE_MAX if reassembled */
	uint32_t tcp_seq;
	uint8_t tcp_flags;
	const char *why;          /* reason for TRUNCATED/MALFORMED */
};

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04

struct decoder;

/* New decoder (owns the IP fragment table), NULL when out of memory. */
struct decoder *decoder_new(void);
void decoder_free(struct decoder *d);

/* Decode one frame of the given DLT link type.  On DECODE_OK `out` points
 * into `data` or, for a reassembled datagram, into a buffer the decoder
 * owns until the next call.  ts_us drives fragment expiry. */
enum decode_status decoder_frame(struct decoder *d, int dlt, const uint8_t *data,
                                 size_t caplen, int64_t ts_us, struct l4_packet *out);

/* Counters for the stats line. */
struct decode_stats {
	uint64_t frames, non_ip, truncated, malformed;
	uint64_t frags_held, frags_reassembled, frags_dropped;
};
const struct decode_stats *decoder_stats(const struct decoder *d);

/* Link layer: offset of the network header and its ethertype
 * (0x0800 IPv4, 0x86dd IPv6).  Returns 0, or -1 when not IP or short. */
int link_strip(int dlt, const uint8_t *data, size_t caplen, size_t *off,
               uint16_t *ethertype);

#endif
