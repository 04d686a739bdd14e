/* hep.c - HEP v2/v3 encoding, HEP URLs, and the frames a collector
 * rebuilds from what agents send.  Pure functions: no I/O. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/hep.h"

static void wr16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, v >> 16);
	wr16(p + 2, v & 0xffff);
}

static void wr32le(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Append one generic chunk.  Returns the new offset, or 0 when it would
 * pass cap (a chunk's length field holds at most 65535). */
static size_t chunk(uint8_t *out, size_t o, size_t cap, unsigned type, const void *data,
                    size_t n)
{
	if (o == 0 || n > 65535 - 6 || o + 6 + n > cap)
		return 0;
	wr16(out + o, 0);
	wr16(out + o + 2, type);
	wr16(out + o + 4, (unsigned)(6 + n));
	if (n)
		memcpy(out + o + 6, data, n);
	return o + 6 + n;
}

static size_t chunk8(uint8_t *out, size_t o, size_t cap, unsigned type, unsigned v)
{
	uint8_t b = (uint8_t)v;
	return chunk(out, o, cap, type, &b, 1);
}

static size_t chunk16(uint8_t *out, size_t o, size_t cap, unsigned type, unsigned v)
{
	uint8_t b[2];
	wr16(b, v);
	return chunk(out, o, cap, type, b, 2);
}

static size_t chunk32(uint8_t *out, size_t o, size_t cap, unsigned type, uint32_t v)
{
	uint8_t b[4];
	wr32(b, v);
	return chunk(out, o, cap, type, b, 4);
}

long hep3_encode(const struct hep_msg *m, uint8_t *out, size_t cap)
{
	if (m->src.family != m->dst.family || (m->src.family != 4 && m->src.family != 6))
		return -1;
	if (cap > HEP_MAX_PACKET)
		cap = HEP_MAX_PACKET;
	if (cap < 6)
		return -1;
	int v6 = m->src.family == 6;
	int64_t sec = m->ts_us / 1000000, usec = m->ts_us % 1000000;
	if (usec < 0) {
		sec--;
		usec += 1000000;
	}
	memcpy(out, "HEP3", 4);
	size_t o = 6;
	o = chunk8(out, o, cap, 0x0001, v6 ? 10 : 2);
	o = chunk8(out, o, cap, 0x0002, m->proto);
	o = chunk(out, o, cap, v6 ? 0x0005 : 0x0003, m->src.addr, v6 ? 16 : 4);
	o = chunk(out, o, cap, v6 ? 0x0006 : 0x0004, m->dst.addr, v6 ? 16 : 4);
	o = chunk16(out, o, cap, 0x0007, m->src.port);
	o = chunk16(out, o, cap, 0x0008, m->dst.port);
	o = chunk32(out, o, cap, 0x0009, (uint32_t)sec);
	o = chunk32(out, o, cap, 0x000a, (uint32_t)usec);
	o = chunk8(out, o, cap, 0x000b, m->proto_type);
	o = chunk32(out, o, cap, 0x000c, m->capture_id);
	if (m->key && m->key_len)
		o = chunk(out, o, cap, 0x000e, m->key, m->key_len);
	o = chunk(out, o, cap, 0x000f, m->payload, m->len);
	if (m->correlation && m->correlation_len)
		o = chunk(out, o, cap, 0x0011, m->correlation, m->correlation_len);
	if (o == 0)
		return -1;
	wr16(out + 4, (unsigned)o);
	return (long)o;
}

long hep2_encode(const struct hep_msg *m, uint8_t *out, size_t cap)
{
	if (m->src.family != m->dst.family || (m->src.family != 4 && m->src.family != 6))
		return -1;
	size_t alen = m->src.family == 4 ? 4 : 16, hl = 8 + 2 * alen;
	if (hl + 12 + m->len > cap || hl + 12 + m->len > HEP_MAX_PACKET)
		return -1;
	out[0] = 2;
	out[1] = (uint8_t)hl;
	out[2] = m->src.family == 4 ? 2 : 10;
	out[3] = m->proto;
	wr16(out + 4, m->src.port);
	wr16(out + 6, m->dst.port);
	memcpy(out + 8, m->src.addr, alen);
	memcpy(out + 8 + alen, m->dst.addr, alen);
	int64_t sec = m->ts_us / 1000000, usec = m->ts_us % 1000000;
	if (usec < 0) {
		sec--;
		usec += 1000000;
	}
	wr32le(out + hl, (uint32_t)sec);
	wr32le(out + hl + 4, (uint32_t)usec);
	out[hl + 8] = (uint8_t)m->capture_id;
	out[hl + 9] = (uint8_t)(m->capture_id >> 8);
	out[hl + 10] = out[hl + 11] = 0;
	memcpy(out + hl + 12, m->payload, m->len);
	return (long)(hl + 12 + m->len);
}

int hep_url_parse(const char *url, int *tcp, char *host, size_t hostlen, char *port,
                  size_t portlen, char *err, size_t errlen)
{
	if (!strncmp(url, "udp:", 4)) {
		*tcp = 0;
	} else if (!strncmp(url, "tcp:", 4)) {
		*tcp = 1;
	} else {
		snprintf(err, errlen, "'%s': give udp:HOST:PORT or tcp:HOST:PORT", url);
		return -1;
	}
	const char *h = url + 4, *p;
	size_t hl;
	if (*h == '[') { /* [IPv6]:PORT */
		const char *e = strchr(h, ']');
		if (!e || e[1] != ':') {
			snprintf(err, errlen, "'%s': an IPv6 address goes in brackets: udp:[::1]:9060", url);
			return -1;
		}
		h++;
		hl = (size_t)(e - h);
		p = e + 2;
	} else if ((p = strrchr(h, ':'))) {
		hl = (size_t)(p - h);
		p++;
	} else {
		h = "127.0.0.1";
		hl = strlen(h);
		p = url + 4;
	}
	char *end;
	unsigned long v = strtoul(p, &end, 10);
	if (!*p || *end || v == 0 || v > 65535 || *p == '-' || *p == '+') {
		snprintf(err, errlen, "'%s': the port must be a number from 1 to 65535", url);
		return -1;
	}
	if (hl == 0 || hl >= hostlen || strlen(p) >= portlen) {
		snprintf(err, errlen, "'%s': no host, or a name too long", url);
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	strcpy(port, p);
	return 0;
}

/* ---- frames for the collector ------------------------------------------ */

/* The Internet checksum (RFC 1071) of b[0..n) added to sum. */
static uint32_t csum_add(uint32_t sum, const uint8_t *b, size_t n)
{
	for (; n > 1; b += 2, n -= 2)
		sum += (uint32_t)b[0] << 8 | b[1];
	if (n)
		sum += (uint32_t)b[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

long hep_frame_build(const struct hep_msg *m, uint32_t seq, uint8_t *out, size_t cap)
{
	int v6 = m->src.family == 6;
	size_t alen = v6 ? 16 : 4, iphl = v6 ? 40 : 20, l4hl = m->proto == 6 ? 20 : 8;
	size_t l4len = l4hl + m->len;
	if ((m->src.family != 4 && !v6) || m->dst.family != m->src.family)
		return -1;
	if ((v6 ? l4len : iphl + l4len) > 65535 || 14 + iphl + l4len > cap)
		return -1;
	/* Ethernet: locally administered addresses, the type of the IP layer. */
	static const uint8_t mac_dst[6] = { 0x02, 0, 0, 0, 0, 0x02 }, mac_src[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	memcpy(out, mac_dst, 6);
	memcpy(out + 6, mac_src, 6);
	wr16(out + 12, v6 ? 0x86dd : 0x0800);
	uint8_t *ip = out + 14, *l4 = ip + iphl;
	if (v6) {
		wr32(ip, 0x60000000);
		wr16(ip + 4, (unsigned)l4len);
		ip[6] = m->proto;
		ip[7] = 64;
		memcpy(ip + 8, m->src.addr, 16);
		memcpy(ip + 24, m->dst.addr, 16);
	} else {
		ip[0] = 0x45;
		ip[1] = 0;
		wr16(ip + 2, (unsigned)(iphl + l4len));
		wr16(ip + 4, 0);
		wr16(ip + 6, 0x4000); /* don't fragment */
		ip[8] = 64;
		ip[9] = m->proto;
		wr16(ip + 10, 0);
		memcpy(ip + 12, m->src.addr, 4);
		memcpy(ip + 16, m->dst.addr, 4);
		wr16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	}
	wr16(l4, m->src.port);
	wr16(l4 + 2, m->dst.port);
	if (m->proto == 6) {
		wr32(l4 + 4, seq);
		wr32(l4 + 8, 0);
		l4[12] = 5 << 4;
		l4[13] = 0x18; /* PSH, ACK */
		wr16(l4 + 14, 65535);
		wr16(l4 + 16, 0);
		wr16(l4 + 18, 0);
	} else {
		wr16(l4 + 4, (unsigned)l4len);
		wr16(l4 + 6, 0);
	}
	memcpy(l4 + l4hl, m->payload, m->len);
	/* The pseudo-header (RFC 768, RFC 8200 8.1), then the segment. */
	uint32_t sum = csum_add(0, ip + (v6 ? 8 : 12), 2 * alen);
	sum += m->proto;
	sum += (uint32_t)l4len;
	uint16_t c = csum_fold(csum_add(sum, l4, l4len));
	if (m->proto != 6 && c == 0)
		c = 0xffff; /* UDP: zero means "no checksum" */
	wr16(l4 + (m->proto == 6 ? 16 : 6), c);
	return (long)(14 + iphl + l4len);
}
