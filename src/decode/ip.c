/* ip.c - IPv4/IPv6 headers, fragment reassembly, UDP/TCP headers. */
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

#include "decode_int.h"

struct decoder *decoder_new(void) { return calloc(1, sizeof(struct decoder)); }

void decoder_free(struct decoder *d)
{
	if (!d)
		return;
	for (int i = 0; i < FRAG_SLOTS; i++) {
		free(d->frag[i].buf);
		free(d->frag[i].piece);
	}
	free(d->out);
	free(d);
}

const struct decode_stats *decoder_stats(const struct decoder *d) { return &d->st; }

enum decode_status decode_fail(struct decoder *d, struct l4_packet *out,
                               enum decode_status st, const char *why)
{
	out->why = why;
	if (st == DECODE_TRUNCATED)
		d->st.truncated++;
	else if (st == DECODE_MALFORMED)
		d->st.malformed++;
	return st;
}

/* UDP or TCP header at p[0..len): fills ports and payload. */
static enum decode_status l4_decode(struct decoder *d, uint8_t proto, const uint8_t *p,
                                    size_t len, size_t wire, struct l4_packet *out)
{
	out->proto = proto;
	if (proto == 17) {
		if (len < 8)
			return decode_fail(d, out, DECODE_TRUNCATED, "UDP header cut short");
		out->src.port = rd16(p);
		out->dst.port = rd16(p + 2);
		size_t ulen = rd16(p + 4);
		if (ulen < 8 || ulen > wire)
			ulen = wire; /* e.g. jumbograms or bogus length: trust IP */
		out->payload = p + 8;
		out->wire_len = ulen - 8;
		out->len = len - 8 < out->wire_len ? len - 8 : out->wire_len;
		return DECODE_OK;
	}
	if (proto == 6) {
		if (len < 20)
			return decode_fail(d, out, DECODE_TRUNCATED, "TCP header cut short");
		size_t hl = (size_t)(p[12] >> 4) * 4;
		if (hl < 20 || hl > wire)
			return decode_fail(d, out, DECODE_MALFORMED, "bad TCP header length");
		if (len < hl)
			return decode_fail(d, out, DECODE_TRUNCATED, "TCP options cut short");
		out->src.port = rd16(p);
		out->dst.port = rd16(p + 2);
		out->tcp_seq = rd32(p + 4);
		out->tcp_ack = rd32(p + 8);
		out->tcp_flags = p[13];
		out->payload = p + hl;
		out->wire_len = wire - hl;
		out->len = len - hl < out->wire_len ? len - hl : out->wire_len;
		return DECODE_OK;
	}
	return DECODE_SKIP;
}

/* What an IP header carries: UDP or TCP, or a tunnel to open. */
static int ip_proto_wanted(uint8_t proto)
{
#ifdef SIPSCOPE_UDP_ONLY /* the benchmark's baseline: see decode_int.h */
	return proto == 17;
#else
	return proto == 17 || proto == 6 || proto == 4 || proto == 41 || proto == 47 || proto == 137;
#endif
}

static enum decode_status ip_payload(struct decoder *d, uint8_t proto, const uint8_t *p,
                                     size_t len, size_t wire, int64_t ts, struct l4_packet *out,
                                     int depth)
{
	switch (proto) {
	case 17: {
		enum decode_status st = l4_decode(d, proto, p, len, wire, out);
		return st == DECODE_OK ? decode_udp_encap(d, ts, out, depth) : st;
	}
	case 6:
		return l4_decode(d, proto, p, len, wire, out);
	case 4:
	case 41:
		d->st.ipip++;
		out->encap |= DECODE_ENCAP_IPIP;
		return decode_net(d, proto == 4 ? 0x0800 : 0x86dd, p, len, ts, out, depth + 1);
	case 47:
		return decode_gre(d, p, len, ts, out, depth + 1);
	case 137: /* MPLS-in-IP (RFC 4023) */
		return decode_net(d, 0x8847, p, len, ts, out, depth + 1);
	default:
		return DECODE_SKIP;
	}
}

static void frag_expire(struct decoder *d, int64_t now)
{
	for (int i = 0; i < FRAG_SLOTS; i++) {
		struct frag_slot *f = &d->frag[i];
		if (f->used && now - f->first_ts > FRAG_TIMEOUT_US) {
			f->used = 0;
			d->st.frags_dropped += f->npieces;
		}
	}
}

static int piece_cmp(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;
	return (x[0] > y[0]) - (x[0] < y[0]);
}

/* Add a fragment; returns 1 when the datagram is complete (in d->out). */
static int frag_add(struct decoder *d, uint8_t family, const uint8_t *src, const uint8_t *dst,
                    uint32_t id, uint8_t proto, size_t off, int more,
                    const uint8_t *data, size_t len, int64_t ts, size_t *total)
{
	size_t alen = family == 4 ? 4 : 16;
	struct frag_slot *f = NULL, *free_slot = NULL, *oldest = NULL;
	frag_expire(d, ts);
	for (int i = 0; i < FRAG_SLOTS; i++) {
		struct frag_slot *s = &d->frag[i];
		if (!s->used) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (s->family == family && s->id == id && s->proto == proto &&
		    !memcmp(s->src, src, alen) && !memcmp(s->dst, dst, alen)) {
			f = s;
			break;
		}
		if (!oldest || s->first_ts < oldest->first_ts)
			oldest = s;
	}
	if (!f) {
		if (!free_slot) { /* table full: the oldest loses */
			d->st.frags_dropped += oldest->npieces;
			oldest->used = 0;
			free_slot = oldest;
		}
		f = free_slot;
		if (!f->piece && !(f->piece = malloc(FRAG_MAX_PIECES * sizeof *f->piece))) {
			d->st.frags_dropped++;
			return 0;
		}
		if (!f->buf && !(f->buf = malloc(IP_MAX))) {
			d->st.frags_dropped++;
			return 0;
		}
		f->used = 1;
		f->family = family;
		f->proto = proto;
		memcpy(f->src, src, alen);
		memcpy(f->dst, dst, alen);
		f->id = id;
		f->first_ts = ts;
		f->first_frame = d->frame;
		f->total = 0;
		f->npieces = 0;
	}
	if (off + len > IP_MAX || f->npieces == FRAG_MAX_PIECES) {
		d->st.frags_dropped += f->npieces + 1;
		f->used = 0;
		return 0;
	}
	/* Overlaps: later bytes overwrite earlier ones (safe: all in bounds). */
	memcpy(f->buf + off, data, len);
	if (d->frame < f->first_frame)
		f->first_frame = d->frame;
	f->piece[f->npieces].off = (uint32_t)off;
	f->piece[f->npieces].end = (uint32_t)(off + len);
	f->npieces++;
	d->st.frags_held++;
	if (!more)
		f->total = off + len;
	if (!f->total)
		return 0;
	qsort(f->piece, f->npieces, sizeof f->piece[0], piece_cmp);
	size_t covered = 0;
	for (size_t i = 0; i < f->npieces && f->piece[i].off <= covered; i++)
		if (f->piece[i].end > covered)
			covered = f->piece[i].end;
	if (covered < f->total)
		return 0;
	/* Complete: hand the buffer over; the slot gets a new one lazily. */
	free(d->out);
	d->out = f->buf;
	f->buf = NULL;
	f->used = 0;
	*total = f->total;
	d->last_first_frame = f->first_frame;
	d->st.frags_reassembled++;
	return 1;
}

static enum decode_status ipv4_decode(struct decoder *d, const uint8_t *p, size_t caplen,
                                      int64_t ts, struct l4_packet *out, int depth)
{
	if (caplen < 20)
		return decode_fail(d, out, DECODE_TRUNCATED, "IPv4 header cut short");
	size_t hl = (size_t)(p[0] & 0x0f) * 4;
	size_t tot = rd16(p + 2);
	if ((p[0] >> 4) != 4 || hl < 20)
		return decode_fail(d, out, DECODE_MALFORMED, "bad IPv4 header");
	if (caplen < hl)
		return decode_fail(d, out, DECODE_TRUNCATED, "IPv4 options cut short");
	if (tot < hl) {
		if (tot != 0)
			return decode_fail(d, out, DECODE_MALFORMED, "IPv4 total length too small");
		tot = caplen; /* TSO captures report 0 */
	}
	out->src.family = out->dst.family = 4;
	memcpy(out->src.addr, p + 12, 4);
	memcpy(out->dst.addr, p + 16, 4);
	uint8_t proto = p[9];
	if (!ip_proto_wanted(proto))
		return DECODE_SKIP;
	uint16_t fo = rd16(p + 6);
	size_t foff = (size_t)(fo & 0x1fff) * 8;
	int more = (fo & 0x2000) != 0;
	size_t avail = (caplen < tot ? caplen : tot) - hl;
	if (foff || more) {
#ifdef SIPSCOPE_UDP_ONLY
		return DECODE_SKIP;
#endif
		if (caplen < tot)
			return decode_fail(d, out, DECODE_TRUNCATED, "IPv4 fragment cut short");
		size_t total;
		if (!frag_add(d, 4, p + 12, p + 16, rd16(p + 4), proto, foff, more, p + hl,
		              tot - hl, ts, &total))
			return DECODE_HELD;
		out->payload_off = SIZE_MAX;
		if (d->last_first_frame < out->first_frame)
			out->first_frame = d->last_first_frame;
		return ip_payload(d, proto, d->out, total, total, ts, out, depth);
	}
	return ip_payload(d, proto, p + hl, avail, tot - hl, ts, out, depth);
}

/* Walk IPv6 extension headers (RFC 8200 4.1) from p[*o] up to lim, until
 * an upper-layer header or a Fragment header.  Returns 0, or -1 when a
 * header is cut short or runs past lim. */
static int v6_skip_ext(const uint8_t *p, size_t lim, size_t *o, uint8_t *nh)
{
	for (int n = 0; n < 16; n++) {
		size_t l;
		if (*nh == 0 || *nh == 43 || *nh == 60 || *nh == 135 || *nh == 139 || *nh == 140) {
			if (lim < *o + 8)
				return -1;
			l = ((size_t)p[*o + 1] + 1) * 8;
		} else if (*nh == 51) { /* AH: length in 4-byte units */
			if (lim < *o + 8)
				return -1;
			l = ((size_t)p[*o + 1] + 2) * 4;
		} else {
			return 0;
		}
		if (*o + l > lim)
			return -1;
		*nh = p[*o];
		*o += l;
	}
	return 0;
}

static enum decode_status ipv6_decode(struct decoder *d, const uint8_t *p, size_t caplen,
                                      int64_t ts, struct l4_packet *out, int depth)
{
	if (caplen < 40)
		return decode_fail(d, out, DECODE_TRUNCATED, "IPv6 header cut short");
	if ((p[0] >> 4) != 6)
		return decode_fail(d, out, DECODE_MALFORMED, "bad IPv6 header");
	size_t plen = rd16(p + 4);
	out->src.family = out->dst.family = 6;
	memcpy(out->src.addr, p + 8, 16);
	memcpy(out->dst.addr, p + 24, 16);
	uint8_t nh = p[6];
	size_t o = 40, end = 40 + plen;
	if (plen == 0)
		end = caplen; /* jumbogram or TSO: trust the capture */
	size_t lim = caplen < end ? caplen : end;
	if (v6_skip_ext(p, lim, &o, &nh) < 0)
		return decode_fail(d, out, caplen < end ? DECODE_TRUNCATED : DECODE_MALFORMED,
		            "IPv6 extension header cut short");
	if (nh == 44) {
		if (lim < o + 8)
			return decode_fail(d, out, DECODE_TRUNCATED, "IPv6 fragment header cut short");
		uint16_t fo = rd16(p + o + 2);
		size_t foff = (size_t)(fo & 0xfff8);
		int more = fo & 1;
		uint32_t fid = rd32(p + o + 4);
		nh = p[o];
		o += 8;
		if (foff || more) {
#ifdef SIPSCOPE_UDP_ONLY
			return DECODE_SKIP;
#endif
			/* Offsets count from the first header after the Fragment
			 * header (RFC 8200 4.5): reassemble first, walk after. */
			if (caplen < end)
				return decode_fail(d, out, DECODE_TRUNCATED, "IPv6 fragment cut short");
			size_t total, q = 0;
			if (!frag_add(d, 6, p + 8, p + 24, fid, nh, foff, more, p + o, end - o, ts, &total))
				return DECODE_HELD;
			if (v6_skip_ext(d->out, total, &q, &nh) < 0)
				return decode_fail(d, out, DECODE_MALFORMED, "IPv6 extension header overruns datagram");
			if (!ip_proto_wanted(nh))
				return DECODE_SKIP;
			out->payload_off = SIZE_MAX;
			if (d->last_first_frame < out->first_frame)
				out->first_frame = d->last_first_frame;
			return ip_payload(d, nh, d->out + q, total - q, total - q, ts, out, depth);
		}
		if (v6_skip_ext(p, lim, &o, &nh) < 0) /* atomic fragment (RFC 6946) */
			return decode_fail(d, out, DECODE_TRUNCATED, "IPv6 extension header cut short");
	}
	if (!ip_proto_wanted(nh))
		return DECODE_SKIP;
	if (lim < o)
		return decode_fail(d, out, DECODE_TRUNCATED, "IPv6 payload cut short");
	return ip_payload(d, nh, p + o, lim - o, end - o, ts, out, depth);
}

enum decode_status decode_net(struct decoder *d, uint16_t et, const uint8_t *p, size_t len,
                              int64_t ts, struct l4_packet *out, int depth)
{
	if (depth > DECODE_MAX_NEST)
		return decode_fail(d, out, DECODE_MALFORMED, "tunnels nested too deep");
	switch (et) {
	case 0x0800:
		return ipv4_decode(d, p, len, ts, out, depth);
	case 0x86dd:
		return ipv6_decode(d, p, len, ts, out, depth);
	case 0x8847: /* MPLS unicast, multicast */
	case 0x8848: {
		size_t o = 0;
		d->st.mpls++;
		out->encap |= DECODE_ENCAP_MPLS;
		for (int n = 0;; n++) {
			if (len < o + 4)
				return decode_fail(d, out, DECODE_TRUNCATED, "MPLS label stack cut short");
			if (n == 16)
				return decode_fail(d, out, DECODE_MALFORMED, "MPLS label stack too deep");
			int bottom = p[o + 2] & 1;
			o += 4;
			if (bottom)
				break;
		}
		/* No protocol field: the first nibble says IPv4 or IPv6; 0 is a
		 * pseudowire control word before an Ethernet frame (RFC 4448). */
		if (len < o + 1)
			return decode_fail(d, out, DECODE_TRUNCATED, "MPLS payload cut short");
		switch (p[o] >> 4) {
		case 4: return decode_net(d, 0x0800, p + o, len - o, ts, out, depth + 1);
		case 6: return decode_net(d, 0x86dd, p + o, len - o, ts, out, depth + 1);
		case 0:
			if (len < o + 4)
				return decode_fail(d, out, DECODE_TRUNCATED, "MPLS payload cut short");
			return decode_net(d, 0x6558, p + o + 4, len - o - 4, ts, out, depth + 1);
		default: return DECODE_SKIP;
		}
	}
	case 0x6558: { /* an Ethernet frame carried by a tunnel */
		size_t off;
		uint16_t inner;
		if (link_strip(DLT_EN10MB, p, len, &off, &inner) < 0)
			return decode_fail(d, out, DECODE_TRUNCATED, "tunnelled Ethernet header cut short");
		return decode_net(d, inner, p + off, len - off, ts, out, depth + 1);
	}
	default:
		return DECODE_SKIP;
	}
}

enum decode_status decoder_frame(struct decoder *d, int dlt, const uint8_t *data,
                                 size_t caplen, int64_t ts_us, struct l4_packet *out)
{
	return decoder_frame_no(d, d->st.frames + 1, dlt, data, caplen, ts_us, out);
}

enum decode_status decoder_frame_no(struct decoder *d, uint64_t no, int dlt, const uint8_t *data,
                                    size_t caplen, int64_t ts_us, struct l4_packet *out)
{
	memset(out, 0, sizeof *out);
	d->st.frames++;
	d->frame = no;
	out->first_frame = no;
	size_t off;
	uint16_t et;
	if (link_strip(dlt, data, caplen, &off, &et) < 0 ||
	    (et != 0x0800 && et != 0x86dd && et != 0x8847 && et != 0x8848)) {
		d->st.non_ip++;
		return DECODE_SKIP;
	}
	enum decode_status st = decode_net(d, et, data + off, caplen - off, ts_us, out, 0);
	if (st == DECODE_OK && out->payload_off != SIZE_MAX)
		out->payload_off = (size_t)(out->payload - data);
	return st;
}
