/* fuzz_ipfrag.c - libFuzzer target with an oracle for IPv4 and IPv6
 * fragment reassembly.
 *
 * One UDP datagram D (its payload a known pseudo-random text) is cut into
 * fragments at the offsets and lengths the input chooses, sent in any
 * order, with duplicates and overlaps, some with bytes that disagree, some
 * after long pauses.  The decoder must hand back exactly D when every
 * fragment agreed, must hand it back once all its bytes and its last
 * fragment arrived in time, and must never read or write out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/dlt.h>

#include "sipscope/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DMAX 16384

static uint8_t D[DMAX];

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Build fragment D[off..off+len) of a datagram of total bytes into buf. */
static size_t frag(uint8_t *buf, int v6, size_t off, size_t len, int more, int corrupt)
{
	size_t h;
	if (!v6) {
		memset(buf, 0, 20);
		buf[0] = 0x45;
		put16(buf + 2, (unsigned)(20 + len));
		put16(buf + 4, 0x4242);
		put16(buf + 6, (unsigned)((off / 8) | (more ? 0x2000 : 0)));
		buf[8] = 64;
		buf[9] = 17;
		memcpy(buf + 12, "\xc0\x00\x02\x01\xc0\x00\x02\x02", 8);
		h = 20;
	} else {
		memset(buf, 0, 48);
		buf[0] = 0x60;
		put16(buf + 4, (unsigned)(8 + len));
		buf[6] = 44;
		buf[7] = 64;
		buf[8] = 0x20, buf[9] = 0x01, buf[23] = 1;
		buf[24] = 0x20, buf[25] = 0x01, buf[39] = 2;
		buf[40] = 17;
		put16(buf + 42, (unsigned)(off | (more ? 1 : 0)));
		memcpy(buf + 44, "\x00\x00\x42\x42", 4);
		h = 48;
	}
	memcpy(buf + h, D + off, len);
	if (corrupt && len)
		buf[h + len / 2] ^= 0x5a;
	return h + len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[DMAX + 64];
	if (size < 3)
		return 0;
	int v6 = data[0] & 1;
	size_t total = 16 + (((size_t)data[1] << 8 | data[2]) % (DMAX - 16));
	/* D: a UDP header for the whole datagram, then the known payload
	 * (made once: only the header depends on the length). */
	static int ready;
	if (!ready) {
		uint64_t x = 0x9e3779b97f4a7c15ull;
		for (size_t i = 8; i < DMAX; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			D[i] = (uint8_t)(x >> 24);
		}
		ready = 1;
	}
	put16(D, 5060);
	put16(D + 2, 5080);
	put16(D + 4, (unsigned)total);
	put16(D + 6, 0);

	struct decoder *d = decoder_new();
	if (!d)
		abort();
	static uint8_t covered[DMAX];
	memset(covered, 0, total);
	int corrupt_any = 0, paused = 0, last_seen = 0, done = 0;
	size_t pieces = 0;
	int64_t ts = 0;
	/* Each fragment: offset (2 bytes, in 8-byte units), length (1 byte,
	 * in 8-byte units, 0 means up to the end), flags (bit 0 corrupt, bit 1
	 * a 40 s pause first). */
	for (size_t i = 3; i + 4 <= size; i += 4) {
		size_t off = (((size_t)data[i] << 8 | data[i + 1]) * 8) % ((total + 7) / 8 * 8);
		size_t len = (size_t)data[i + 2] * 8;
		if (!len || off + len >= total)
			len = total - off;
		int more = off + len < total;
		int corrupt = data[i + 3] & 1;
		int corrupt_before = corrupt_any;
		if (data[i + 3] & 2) {
			ts += 40 * 1000000LL;
			paused = 1;
		}
		corrupt_any |= corrupt;
		size_t n = frag(buf, v6, off, len, more, corrupt);
		struct l4_packet o;
		enum decode_status st = decoder_frame(d, DLT_RAW, buf, n, ts, &o);
		if (!off && !more) {
			/* Not a fragment (or an atomic one): decoded in place,
			 * the datagram being reassembled is not touched. */
			if (st != DECODE_OK || o.len != total - 8 ||
			    (!corrupt && memcmp(o.payload, D + 8, total - 8)))
				abort();
			corrupt_any = corrupt_before; /* that one does not count */
			continue;
		}
		pieces++;
		memset(covered + off, 1, len);
		last_seen |= !more;
		if (st == DECODE_OK) {
			if (o.proto != 17 || o.src.port != 5060 || o.dst.port != 5080)
				abort();
			if (o.len != total - 8 || (o.payload_off != SIZE_MAX && (off || more)))
				abort(); /* reassembled bytes have no place in one frame */
			if (!corrupt_any && memcmp(o.payload, D + 8, total - 8))
				abort(); /* agreeing fragments must give D back */
			done = 1;
			/* A new datagram with the same id may start now. */
			memset(covered, 0, total);
			last_seen = 0;
			pieces = 0;
			corrupt_any = 0;
			paused = 0;
		} else if (st != DECODE_HELD) {
			abort(); /* well-formed fragments are never errors */
		}
	}
	(void)done;
	/* Everything arrived, in time, within the piece limit: it must have
	 * completed (the counters were reset when it did). */
	if (pieces && last_seen && !paused && pieces <= 128 && memchr(covered, 0, total) == NULL)
		abort();
	decoder_free(d);
	return 0;
}
