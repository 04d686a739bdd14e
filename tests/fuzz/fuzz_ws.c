/* fuzz_ws.c - libFuzzer target: the TCP payload layers through the whole
 * pipeline (WebSocket framing and message joining, HEP3 over TCP, SIP
 * framing, TLS records), fed as real TCP segments with losses.
 *
 * The first byte picks what the connection opens with (an HTTP upgrade to
 * WebSocket and its 101, a HEP3 packet, a SIP request, a TLS ClientHello);
 * the rest are segments: a length byte, a flags byte (bit 0 direction,
 * bit 1 skip 100 bytes of sequence space first: a lost segment; bit 2 the
 * capture cut the segment in half), then the payload. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/dlt.h>

#include "sipscope/ingest.h"
#include "sipscope/pcap_src.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct conn {
	struct ingest *in;
	uint32_t seq[2];
	uint64_t no;
};

static void segment(struct conn *c, int dir, const uint8_t *p, size_t n, int cut)
{
	static uint8_t b[40 + 65536];
	memset(b, 0, 40);
	b[0] = 0x45;
	b[2] = (uint8_t)((40 + n) >> 8);
	b[3] = (uint8_t)(40 + n);
	b[8] = 64;
	b[9] = 6;
	memcpy(b + 12, dir ? "\x0a\x00\x00\x02\x0a\x00\x00\x01" : "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	uint16_t sp = dir ? 8080 : 40000, dp = dir ? 40000 : 8080;
	b[20] = (uint8_t)(sp >> 8), b[21] = (uint8_t)sp;
	b[22] = (uint8_t)(dp >> 8), b[23] = (uint8_t)dp;
	uint32_t s = c->seq[dir];
	b[24] = (uint8_t)(s >> 24), b[25] = (uint8_t)(s >> 16), b[26] = (uint8_t)(s >> 8), b[27] = (uint8_t)s;
	b[32] = 0x50;
	b[33] = 0x18;
	memcpy(b + 40, p, n);
	c->seq[dir] += (uint32_t)n;
	size_t caplen = 40 + (cut ? n / 2 : n);
	struct frame f = { .no = ++c->no, .ts_us = (int64_t)c->no * 1000, .data = b,
	                   .caplen = (uint32_t)caplen, .len = (uint32_t)(40 + n), .dlt = DLT_RAW,
	                   .seekable = 1 };
	ingest_frame(c->in, &f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char get[] = "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		"Sec-WebSocket-Protocol: sip\r\n\r\n";
	static const char ok[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";
	static const char sip[] = "OPTIONS sip:a SIP/2.0\r\nContent-Length: 0\r\n\r\n";
	static const uint8_t hep[] = "HEP3\x00\x06";
	static const uint8_t tls[] = { 0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00 };
	if (size < 1)
		return 0;
	struct store *s = store_new();
	struct tracker *t = s ? track_new(s) : NULL;
	struct conn c = { .in = t ? ingest_new(s, t) : NULL, .seq = { 1000, 70000 }, .no = 0 };
	if (!c.in)
		abort();
	switch (data[0] & 3) {
	case 0:
		segment(&c, 0, (const uint8_t *)get, sizeof get - 1, 0);
		segment(&c, 1, (const uint8_t *)ok, sizeof ok - 1, 0);
		break;
	case 1: segment(&c, 0, hep, sizeof hep - 1, 0); break;
	case 2: segment(&c, 0, (const uint8_t *)sip, sizeof sip - 1, 0); break;
	default: segment(&c, 0, tls, sizeof tls, 0); break;
	}
	for (size_t i = 1; i + 2 <= size;) {
		size_t n = data[i];
		uint8_t fl = data[i + 1];
		i += 2;
		if (n > size - i)
			n = size - i;
		int dir = fl & 1;
		if (fl & 2)
			c.seq[dir] += 100;
		segment(&c, dir, data + i, n, fl & 4);
		i += n;
	}
	ingest_finish(c.in);
	track_finish(t);
	ingest_free(c.in);
	track_free(t);
	store_free(s);
	return 0;
}
