/* encap.c - tunnels and HEP: GRE (with ERSPAN), VXLAN, Geneve, and the
 * HOMER encapsulation protocol v1/v2/v3 on UDP. */
#include <string.h>

#include "decode_int.h"

#define VXLAN_PORT 4789
#define VXLAN_LINUX_PORT 8472 /* Linux's default before IANA's port */
#define GENEVE_PORT 6081

/* GRE (RFC 2784/2890) and ERSPAN inside it: type I is a bare Ethernet
 * frame, type II (GRE 0x88be with a sequence number) has 8 header bytes,
 * type III (0x22eb) 12, and 8 more with a platform sub-header. */
enum decode_status decode_gre(struct decoder *d, const uint8_t *p, size_t len, int64_t ts,
                              struct l4_packet *out, int depth)
{
	if (len < 4)
		return decode_fail(d, out, DECODE_TRUNCATED, "GRE header cut short");
	uint16_t flags = rd16(p), proto = rd16(p + 2);
	if ((flags & 7) != 0 || (flags & 0x4000))
		return DECODE_SKIP; /* enhanced GRE (PPTP) or source routing */
	size_t o = 4 + ((flags & 0x8000) ? 4 : 0) + ((flags & 0x2000) ? 4 : 0) +
	           ((flags & 0x1000) ? 4 : 0);
	if (len < o)
		return decode_fail(d, out, DECODE_TRUNCATED, "GRE header cut short");
	d->st.gre++;
	out->encap |= DECODE_ENCAP_GRE;
	if (proto == 0x88be || proto == 0x22eb) {
		d->st.erspan++;
		out->encap |= DECODE_ENCAP_ERSPAN;
		if (proto == 0x88be && (flags & 0x1000)) {
			o += 8; /* type II */
		} else if (proto == 0x22eb) {
			if (len < o + 12)
				return decode_fail(d, out, DECODE_TRUNCATED, "ERSPAN header cut short");
			o += (p[o + 11] & 1) ? 20 : 12;
		}
		if (len < o)
			return decode_fail(d, out, DECODE_TRUNCATED, "ERSPAN header cut short");
		proto = 0x6558;
	}
	return decode_net(d, proto, p + o, len - o, ts, out, depth);
}

/* ---- HEP ---------------------------------------------------------------- */

enum { HEP_PROTO_SIP = 1 };

/* HEP v3 (HOMER EEP): "HEP3", a 16-bit total length, then chunks of
 * vendor(16) type(16) length(16, header included) and data. */
static enum decode_status hep3(struct decoder *d, const uint8_t *p, size_t len,
                               struct l4_packet *out)
{
	if (len < 6)
		return decode_fail(d, out, DECODE_TRUNCATED, "HEP3 header cut short");
	size_t total = rd16(p + 4);
	if (total < 6)
		goto bad;
	if (total > len)
		return decode_fail(d, out, DECODE_TRUNCATED, "HEP3 packet cut short");
	uint8_t family = 0, proto = 0, ptype = 0;
	int have_src = 0, have_dst = 0, have_sport = 0, have_dport = 0;
	uint32_t sec = 0, usec = 0;
	int have_ts = 0;
	const uint8_t *payload = NULL;
	size_t plen = 0;
	struct store_endpoint src = { 0 }, dst = { 0 };
	for (size_t o = 6; o < total;) {
		if (total - o < 6)
			goto bad;
		uint16_t vendor = rd16(p + o), type = rd16(p + o + 2);
		size_t clen = rd16(p + o + 4);
		if (clen < 6 || clen > total - o)
			goto bad;
		const uint8_t *c = p + o + 6;
		size_t n = clen - 6;
		o += clen;
		if (vendor != 0)
			continue; /* vendor chunks are not ours to read */
		switch (type) {
		case 1: if (n >= 1) family = c[0]; break;
		case 2: if (n >= 1) proto = c[0]; break;
		case 3: if (n == 4) { memcpy(src.addr, c, 4); have_src = 4; } break;
		case 4: if (n == 4) { memcpy(dst.addr, c, 4); have_dst = 4; } break;
		case 5: if (n == 16) { memcpy(src.addr, c, 16); have_src = 6; } break;
		case 6: if (n == 16) { memcpy(dst.addr, c, 16); have_dst = 6; } break;
		case 7: if (n == 2) { src.port = rd16(c); have_sport = 1; } break;
		case 8: if (n == 2) { dst.port = rd16(c); have_dport = 1; } break;
		case 9: if (n == 4) { sec = rd32(c); have_ts |= 1; } break;
		case 10: if (n == 4) { usec = rd32(c); have_ts |= 2; } break;
		case 11: if (n >= 1) ptype = c[0]; break;
		case 12:
			if (n == 4)
				out->hep_capture_id = rd32(c);
			else if (n == 2)
				out->hep_capture_id = rd16(c);
			break;
		case 14: out->hep_key = c; out->hep_key_len = n; break;
		case 15: payload = c; plen = n; break;
		default: break; /* correlation id, compressed payload... */
		}
	}
	int fam = family == 2 ? 4 : family == 10 ? 6 : 0;
	if (!fam || have_src != fam || have_dst != fam || !have_sport || !have_dport || !payload)
		goto bad;
	if (ptype != HEP_PROTO_SIP || (proto != 17 && proto != 6)) {
		d->st.hep_not_sip++;
		return DECODE_SKIP;
	}
	src.family = dst.family = (uint8_t)fam;
	out->src = src;
	out->dst = dst;
	out->proto = proto;
	out->payload = payload;
	out->len = out->wire_len = plen;
	out->hep = 3;
	if (have_ts & 1)
		out->hep_ts_us = (int64_t)sec * 1000000 + (usec < 1000000 ? usec : 0);
	d->st.hep++;
	return DECODE_OK;
bad:
	d->st.hep_bad++;
	return decode_fail(d, out, DECODE_MALFORMED, "malformed HEP3 packet");
}

/* HEP v1/v2: version, header length (16 for IPv4, 40 for IPv6), family,
 * protocol, ports and addresses in network order; v2 adds seconds,
 * microseconds and a 16-bit capture id in the sender's byte order (in
 * practice little-endian, as captagent and Kamailio on x86 send them). */
static int hep2_header(const uint8_t *p, size_t len)
{
	if (len < 16 || (p[0] != 1 && p[0] != 2))
		return 0;
	size_t hl = p[1];
	if (!((p[2] == 2 && hl == 16) || (p[2] == 10 && hl == 40)) || (p[3] != 17 && p[3] != 6))
		return 0;
	return len >= hl + (p[0] == 2 ? 12 : 0);
}

static uint32_t rd32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static enum decode_status hep2(struct decoder *d, const uint8_t *p, size_t len,
                               struct l4_packet *out)
{
	size_t hl = p[1], alen = p[2] == 2 ? 4 : 16;
	out->src.family = out->dst.family = p[2] == 2 ? 4 : 6;
	out->src.port = rd16(p + 4);
	out->dst.port = rd16(p + 6);
	memset(out->src.addr, 0, sizeof out->src.addr);
	memset(out->dst.addr, 0, sizeof out->dst.addr);
	memcpy(out->src.addr, p + 8, alen);
	memcpy(out->dst.addr, p + 8 + alen, alen);
	out->proto = p[3];
	out->hep = p[0];
	if (p[0] == 2) {
		uint32_t sec = rd32le(p + hl), usec = rd32le(p + hl + 4);
		out->hep_ts_us = (int64_t)sec * 1000000 + (usec < 1000000 ? usec : 0);
		out->hep_capture_id = (uint32_t)p[hl + 8] | (uint32_t)p[hl + 9] << 8;
		hl += 12;
	}
	out->payload = p + hl;
	out->len = out->wire_len = len - hl;
	d->st.hep++;
	return DECODE_OK;
}

enum decode_status decoder_hep(struct decoder *d, const uint8_t *p, size_t len,
                               struct l4_packet *out)
{
	memset(out, 0, sizeof *out);
	out->payload_off = SIZE_MAX;
	if (len < 4 || memcmp(p, "HEP3", 4))
		return decode_fail(d, out, DECODE_MALFORMED, "not a HEP3 packet");
	return hep3(d, p, len, out);
}

enum decode_status decoder_hep_any(struct decoder *d, const uint8_t *p, size_t len,
                                   struct l4_packet *out)
{
	memset(out, 0, sizeof *out);
	out->payload_off = SIZE_MAX;
	if (len >= 4 && !memcmp(p, "HEP3", 4))
		return hep3(d, p, len, out);
	if (hep2_header(p, len))
		return hep2(d, p, len, out);
	d->st.hep_bad++;
	return decode_fail(d, out, DECODE_MALFORMED, "not a HEP packet");
}

/* ---- tunnels over UDP --------------------------------------------------- */

enum decode_status decode_udp_encap(struct decoder *d, int64_t ts, struct l4_packet *out,
                                    int depth)
{
#ifdef SIPSCOPE_UDP_ONLY
	(void)d, (void)ts, (void)depth;
	return DECODE_OK;
#endif
	const uint8_t *p = out->payload;
	size_t len = out->len;
	if (len >= 4 && !memcmp(p, "HEP3", 4))
		return hep3(d, p, len, out);
	if (hep2_header(p, len))
		return hep2(d, p, len, out);
	uint16_t port = out->dst.port;
	if ((port == VXLAN_PORT || port == VXLAN_LINUX_PORT) && len >= 8 && p[0] == 0x08 &&
	    !p[1] && !p[2] && !p[3] && !p[7]) {
		d->st.vxlan++;
		out->encap |= DECODE_ENCAP_VXLAN;
		return decode_net(d, 0x6558, p + 8, len - 8, ts, out, depth + 1);
	}
	if (port == GENEVE_PORT && len >= 8 && (p[0] >> 6) == 0) {
		size_t hl = 8 + (size_t)(p[0] & 0x3f) * 4;
		uint16_t proto = rd16(p + 2);
		if (len < hl)
			return decode_fail(d, out, DECODE_TRUNCATED, "Geneve header cut short");
		if (proto == 0x6558 || proto == 0x0800 || proto == 0x86dd) {
			d->st.geneve++;
			out->encap |= DECODE_ENCAP_GENEVE;
			return decode_net(d, proto, p + hl, len - hl, ts, out, depth + 1);
		}
	}
	return DECODE_OK;
}
