/* decode.h - from a captured frame to a transport payload.
 *
 * Link layers (Ethernet + 802.1Q/QinQ, Linux SLL/SLL2, BSD NULL/loopback,
 * raw IP), IPv4 (options, fragments) and IPv6 (extension headers,
 * fragments), UDP and TCP headers.  Tunnels seen in mirrored traffic are
 * opened (VXLAN, Geneve, GRE incl. ERSPAN I/II/III, IP-in-IP, MPLS), and
 * HEP v1/v2/v3 on UDP is decapsulated to the packet it describes.  Every
 * read is bounds-checked against caplen; a short packet is reported, never
 * read past. */
#ifndef SIPSCOPE_DECODE_H
#define SIPSCOPE_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "sipscope/endpoint.h"

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
	uint32_t tcp_ack;         /* valid when tcp_flags has TCP_ACK */
	uint8_t tcp_flags;
	uint8_t hep;              /* 0, or the HEP version that carried it */
	uint8_t encap;            /* DECODE_ENCAP_* bits of the tunnels crossed */
	int64_t hep_ts_us;        /* HEP: the agent's capture time (0: none given) */
	uint32_t hep_capture_id;  /* HEP: the capture agent id */
	const uint8_t *hep_key;   /* HEP3: the auth key chunk (into the packet), or NULL */
	size_t hep_key_len;
	uint64_t first_frame;     /* frame of its earliest fragment (its own frame if none) */
	const char *why;          /* reason for TRUNCATED/MALFORMED */
};

#define DECODE_ENCAP_VXLAN 0x01
#define DECODE_ENCAP_GENEVE 0x02
#define DECODE_ENCAP_GRE 0x04
#define DECODE_ENCAP_ERSPAN 0x08
#define DECODE_ENCAP_IPIP 0x10 /* IPv4/IPv6 in IPv4/IPv6 */
#define DECODE_ENCAP_MPLS 0x20
#define DECODE_MAX_NEST 8      /* tunnels inside tunnels, then malformed */

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

struct decoder;

/* New decoder (owns the IP fragment table), NULL when out of memory. */
struct decoder *decoder_new(void);
void decoder_free(struct decoder *d);

/* Decode one frame of the given DLT link type.  On DECODE_OK `out` points
 * into `data` or, for a reassembled datagram, into a buffer the decoder
 * owns until the next call.  ts_us drives fragment expiry. */
enum decode_status decoder_frame(struct decoder *d, int dlt, const uint8_t *data,
                                 size_t caplen, int64_t ts_us, struct l4_packet *out);
/* The same, for capture frame number `no` (decoder_frame counts the frames
 * it is given instead): a reassembled datagram's first_frame is then the
 * number of its earliest fragment. */
enum decode_status decoder_frame_no(struct decoder *d, uint64_t no, int dlt, const uint8_t *data,
                                    size_t caplen, int64_t ts_us, struct l4_packet *out);

/* One HEP3 packet p[0..len) read from somewhere else than a UDP datagram
 * (a TCP stream): DECODE_OK with the packet it carries in `out` (payload
 * pointing into p), DECODE_SKIP when it is not SIP, else an error. */
enum decode_status decoder_hep(struct decoder *d, const uint8_t *p, size_t len,
                               struct l4_packet *out);

/* A HEP packet of any version (v1, v2, v3) as a collector receives it in
 * a UDP datagram: like decoder_hep(), and DECODE_MALFORMED when it is no
 * HEP at all. */
enum decode_status decoder_hep_any(struct decoder *d, const uint8_t *p, size_t len,
                                   struct l4_packet *out);

/* Counters for the stats line. */
struct decode_stats {
	uint64_t frames, non_ip, truncated, malformed;
	uint64_t frags_held, frags_reassembled, frags_dropped;
	uint64_t vxlan, geneve, gre, erspan, ipip, mpls; /* frames per tunnel */
	uint64_t hep, hep_not_sip, hep_bad;              /* HEP packets */
};
const struct decode_stats *decoder_stats(const struct decoder *d);

/* Link layer: offset of the network header and its ethertype
 * (0x0800 IPv4, 0x86dd IPv6).  Returns 0, or -1 when not IP or short. */
int link_strip(int dlt, const uint8_t *data, size_t caplen, size_t *off,
               uint16_t *ethertype);

#endif
