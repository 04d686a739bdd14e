/* fuzz_tcp.c - libFuzzer target with an oracle for TCP stream reassembly.
 *
 * Every segment is a slice of one known byte stream S (a pseudo-random
 * sequence, so any 8 bytes of it say where they came from), sent in the
 * order, with the overlaps, duplicates, holes and cuts the input chooses,
 * and consumed by a reader that sometimes waits (as a parser waiting for
 * the rest of a message does).  What comes out must be S: exactly, when
 * nothing was lost; otherwise as runs between gap marks, each a piece of S
 * at a later place than the one before. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STREAM 20000
#define ISN 0xfffff000u /* the sequence space wraps inside the stream */

static uint8_t S[STREAM];
/* Positions in S by their first two bytes, so a run is placed at once. */
static uint32_t head[65536], next_pos[STREAM];

static void stream_init(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < STREAM; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		S[i] = (uint8_t)(x >> 32);
	}
	for (size_t i = STREAM - 1; i-- > 0;) {
		unsigned k = (unsigned)S[i] << 8 | S[i + 1];
		next_pos[i] = head[k];
		head[k] = (uint32_t)i + 1;
	}
}

/* Where run r[0..n) (n >= 2) sits in S at or after `from`, or -1. */
static long find_run(const uint8_t *r, size_t n, size_t from)
{
	for (uint32_t p = head[(unsigned)r[0] << 8 | r[1]]; p; p = next_pos[p - 1]) {
		size_t i = p - 1;
		if (i >= from && i + n <= STREAM && !memcmp(S + i, r, n))
			return (long)i;
	}
	return -1;
}

struct out {
	uint8_t *b;
	size_t n;
	size_t runs[256]; /* start of each run in b */
	size_t nruns;
};

static void out_add(struct out *o, const char *p, size_t n)
{
	memcpy(o->b + o->n, p, n);
	o->n += n;
}

static void out_gap(struct out *o)
{
	if (o->nruns < 256 && o->runs[o->nruns - 1] != o->n)
		o->runs[o->nruns++] = o->n;
}

/* Read what the flow has: `want` bytes at most (a waiting reader), the
 * gap marks noted. */
static void drain(struct out *o, struct tcp_flow *f, size_t want)
{
	for (;;) {
		size_t len, gap = tcp_flow_gap_at(f);
		const char *p = tcp_flow_data(f, &len);
		if (gap == 0 && (len || gap != TCP_NO_GAP)) {
			out_gap(o);
			tcp_flow_consume(f, 0);
			continue;
		}
		size_t lim = gap < len ? gap : len;
		if (lim > want)
			lim = want;
		if (!lim)
			return;
		out_add(o, p, lim);
		tcp_flow_consume(f, lim);
		if (lim == gap)
			out_gap(o); /* reading up to a gap passes it */
		want -= lim;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		stream_init();
		ready = 1;
	}
	struct tcp_table *t = tcp_table_new();
	static uint8_t outbuf[4 * STREAM + 1024];
	struct out o = { .b = outbuf, .n = 0, .nruns = 1 };
	if (!t)
		abort();
	o.runs[0] = 0;
	struct l4_packet p;
	memset(&p, 0, sizeof p);
	p.src.family = p.dst.family = 4;
	p.src.port = 40000;
	p.dst.port = 5060;
	p.proto = 6;
	/* The connection opens with a SYN unless the input's first bit says
	 * the capture started mid-stream (at the first segment seen). */
	int mid = size && (data[0] & 1);
	int64_t ts = 0;
	uint64_t frame = 0;
	struct tcp_flow *f = NULL;
	int gap, cut_any = 0;
	if (!mid) {
		p.tcp_flags = TCP_SYN;
		p.tcp_seq = ISN - 1;
		f = tcp_table_segment(t, &p, ++frame, ts, 1, &gap);
	}
	size_t start = 0; /* offset of the first byte the flow starts from */
	int first = 1;
	/* Each segment: offset (2 bytes), length (1 byte, x4), flags
	 * (bit 0 cut by snaplen, bit 1 FIN, bits 2-3 time step, bits 4-7 how
	 * much the reader takes). */
	for (size_t i = 1; i + 4 <= size; i += 4) {
		size_t off = ((size_t)data[i] << 8 | data[i + 1]) % STREAM;
		size_t len = (size_t)data[i + 2] * 4;
		uint8_t fl = data[i + 3];
		if (off + len > STREAM)
			len = STREAM - off;
		p.tcp_flags = (fl & 2) ? TCP_FIN : 0;
		p.tcp_seq = ISN + (uint32_t)off;
		p.payload = S + off;
		p.wire_len = len;
		p.len = (fl & 1) && len > 1 ? len / 2 : len;
		cut_any |= p.len < p.wire_len;
		ts += (int64_t)((fl >> 2) & 3) * 1500000;
		if (mid && first)
			start = off;
		first = 0;
		/* Only the first segment may open the flow: once FIN freed it,
		 * the rest belongs to no connection. */
		f = tcp_table_segment(t, &p, ++frame, ts, mid && i == 1, &gap);
		if (!f)
			continue;
		size_t want = (fl >> 4) == 15 ? 0 : (fl >> 4) == 0 ? SIZE_MAX : (size_t)(fl >> 4) * 97;
		drain(&o, f, want);
		if (tcp_flow_stalled(f, ts)) {
			uint64_t fr;
			int64_t when;
			while (tcp_flow_flush_step(t, f, &fr, &when))
				drain(&o, f, SIZE_MAX);
		}
		/* FIN: the flow may be freed here, as ingest lets it. */
		tcp_table_done(t, f);
		f = NULL;
	}
	size_t iter = 0;
	struct tcp_flow *h;
	while ((h = tcp_table_next_held(t, &iter))) {
		uint64_t fr;
		int64_t when;
		while (tcp_flow_flush_step(t, h, &fr, &when))
			drain(&o, h, SIZE_MAX);
	}
	/* Whatever is still buffered is read to the end. */
	struct l4_packet q = p;
	q.len = q.wire_len = 0;
	q.tcp_flags = 0;
	struct tcp_flow *g = tcp_table_segment(t, &q, ++frame, ts, 0, &gap);
	iter = 0;
	if (g) {
		drain(&o, g, SIZE_MAX);
		/* everything was read: no byte is left unread or out of order
		 * (held counts buffer capacity, which an emptied flow may keep) */
		size_t left;
		tcp_flow_data(g, &left);
		if (left || tcp_table_next_held(t, &iter))
			abort();
	} else if (tcp_table_held(t) != 0) {
		abort(); /* the flow is gone (FIN): so is everything it held */
	}
	const struct tcp_stats *st = tcp_table_stats(t);
	if (st->gaps == 0 && st->dropped_bytes == 0 && !cut_any) {
		/* Nothing lost: the output is S from the start, unbroken. */
		if (o.nruns != 1 || memcmp(o.b, S + start, o.n))
			abort();
	} else {
		size_t from = 0;
		for (size_t r = 0; r < o.nruns; r++) {
			size_t a = o.runs[r], b = r + 1 < o.nruns ? o.runs[r + 1] : o.n;
			if (b - a < 8)
				continue; /* too short to place with confidence */
			long at = find_run(o.b + a, b - a, from);
			if (at < 0)
				abort(); /* bytes that are not S, or out of order */
			from = (size_t)at + (b - a);
		}
	}
	tcp_table_free(t);
	return 0;
}
