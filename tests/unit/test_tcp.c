/* test_tcp.c - TCP stream reassembly. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/tcp.h"

/* 10.0.0.1:40000 -> 10.0.0.2:5060 (or the reverse when `back`). */
static struct l4_packet seg_pkt(uint32_t seq, uint8_t flags, const void *data, size_t len, int back)
{
	struct l4_packet p;
	memset(&p, 0, sizeof p);
	struct store_endpoint a, b;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	a.family = b.family = 4;
	memcpy(a.addr, "\x0a\x00\x00\x01", 4);
	memcpy(b.addr, "\x0a\x00\x00\x02", 4);
	a.port = 40000;
	b.port = 5060;
	p.src = back ? b : a;
	p.dst = back ? a : b;
	p.proto = 6;
	p.payload = data;
	p.len = p.wire_len = len;
	p.payload_off = 54;
	p.tcp_seq = seq;
	p.tcp_flags = flags;
	return p;
}

/* Feed a segment of the forward direction; no gap expected. */
static struct tcp_flow *seg(struct tcp_table *t, uint32_t seq, uint8_t flags, const char *s)
{
	struct l4_packet p = seg_pkt(seq, flags, s, strlen(s), 0);
	int gap = -1;
	struct tcp_flow *f = tcp_table_segment(t, &p, 0, 0, 1, &gap);
	assert_non_null(f);
	assert_int_equal(gap, 0);
	return f;
}

static void assert_flow_data(const struct tcp_flow *f, const char *want)
{
	size_t len = 12345;
	const char *d = tcp_flow_data(f, &len);
	assert_int_equal(len, strlen(want));
	if (len)
		assert_memory_equal(d, want, len);
}

/* Each test gets a fresh table, freed even when an assertion fails. */
static int table_setup(void **state)
{
	*state = tcp_table_new();
	return *state ? 0 : -1;
}

static int table_teardown(void **state)
{
	tcp_table_free(*state);
	return 0;
}

static void test_in_order_segments_concatenate(void **state)
{
	struct tcp_table *t = *state;
	struct tcp_flow *f = seg(t, 1000, TCP_SYN, "");
	assert_flow_data(f, "");
	assert_ptr_equal(seg(t, 1001, 0x18, "INVITE "), f);
	assert_ptr_equal(seg(t, 1008, 0x18, "sip:bob@"), f);
	assert_ptr_equal(seg(t, 1016, 0x18, "example.com"), f);
	assert_flow_data(f, "INVITE sip:bob@example.com");
	const struct tcp_stats *st = tcp_table_stats(t);
	assert_int_equal(st->segments, 4);
	assert_int_equal(st->flows, 1);
	assert_int_equal(st->retrans_bytes, 0);
	assert_int_equal(st->ooo_segments, 0);
	assert_int_equal(st->gaps, 0);
	assert_int_equal(st->dropped_bytes, 0);
}

static void test_retransmitted_segment_not_duplicated(void **state)
{
	struct tcp_table *t = *state;
	seg(t, 1000, TCP_SYN, "");
	seg(t, 1001, 0x18, "abcd");
	struct tcp_flow *f = seg(t, 1001, 0x18, "abcd");
	assert_flow_data(f, "abcd");
	seg(t, 1005, 0x18, "efgh");
	seg(t, 1001, 0x18, "abcd");
	assert_flow_data(f, "abcdefgh");
	assert_int_equal(tcp_table_stats(t)->retrans_bytes, 8);
}

static void test_retransmission_after_consume_not_duplicated(void **state)
{
	struct tcp_table *t = *state;
	seg(t, 1000, TCP_SYN, "");
	struct tcp_flow *f = seg(t, 1001, 0x18, "abcd");
	tcp_flow_consume(f, 4);
	assert_flow_data(f, "");
	seg(t, 1001, 0x18, "abcd");
	assert_flow_data(f, "");
	seg(t, 1005, 0x18, "e");
	assert_flow_data(f, "e");
}

static void test_partial_overlap_trimmed(void **state)
{
	struct tcp_table *t = *state;
	seg(t, 1000, TCP_SYN, "");
	seg(t, 1001, 0x18, "abcdef");
	struct tcp_flow *f = seg(t, 1004, 0x18, "defghi");
	assert_flow_data(f, "abcdefghi");
	assert_int_equal(tcp_table_stats(t)->retrans_bytes, 3);
}

/* A keep-alive probe repeats the last byte sent (seq = next - 1). */
static void test_keepalive_probe_byte_not_appended(void **state)
{
	struct tcp_table *t = *state;
	seg(t, 1000, TCP_SYN, "");
	struct tcp_flow *f = seg(t, 1001, 0x18, "abc");
	seg(t, 1003, 0x10, "c");
	assert_flow_data(f, "abc");
	seg(t, 1003, 0x18, "cde");
	assert_flow_data(f, "abcde");
	assert_int_equal(tcp_table_stats(t)->retrans_bytes, 2);
}

static void test_out_of_order_segment_held_until_hole_fills(void **state)
{
	struct tcp_table *t = *state;
	seg(t, 1000, TCP_SYN, "");
	struct tcp_flow *f = seg(t, 1001, 0x18, "abc");
	seg(t, 1010, 0x18, "jkl");
	seg(t, 1007, 0x18, "ghi");
	assert_flow_data(f, "abc");
	assert_int_equal(tcp_table_stats(t)->ooo_segments, 2);
	seg(t, 1004, 0x18, "def");
	assert_flow_data(f, "abcdefghijkl");
	assert_int_equal(tcp_table_stats(t)->gaps, 0);
	assert_int_equal(tcp_table_stats(t)->retrans_bytes, 0);
	seg(t, 1013, 0x18, "m");
	assert_flow_data(f, "abcdefghijklm");
}

static void test_hole_filled_by_overlapping_segment_trims_held_data(void **state)
{
	struct tcp_table *t = *state;
	seg(t, 1000, TCP_SYN, "");
	struct tcp_flow *f = seg(t, 1001, 0x18, "abc");
	seg(t, 1007, 0x18, "ghij");
	/* Covers the hole and half of the held segment. */
	seg(t, 1004, 0x18, "defgh");
	assert_flow_data(f, "abcdefghij");
	assert_int_equal(tcp_table_stats(t)->retrans_bytes, 2);
}

static void test_syn_sets_next_seq_to_isn_plus_one(void **state)
{
	struct tcp_table *t = *state;
	struct tcp_flow *f = seg(t, 5000, TCP_SYN, "");
	/* 5002 is one byte ahead of ISN+1: held, not appended. */
	seg(t, 5002, 0x18, "b");
	assert_flow_data(f, "");
	assert_int_equal(tcp_table_stats(t)->ooo_segments, 1);
	seg(t, 5001, 0x18, "a");
	assert_flow_data(f, "ab");
}

static void test_syn_with_data_starts_after_isn(void **state)
{
	struct tcp_table *t = *state;
	struct tcp_flow *f = seg(t, 7000, TCP_SYN, "hello"); /* TCP Fast Open */
	assert_flow_data(f, "hello");
	seg(t, 7006, 0x18, " world");
	assert_flow_data(f, "hello world");
}

static void test_new_syn_on_same_tuple_restarts_stream(void **state)
{
	struct tcp_table *t = *state;
	seg(t, 1000, TCP_SYN, "");
	struct tcp_flow *f = seg(t, 1001, 0x18, "old");
	seg(t, 1010, 0x18, "held");
	assert_ptr_equal(seg(t, 90000, TCP_SYN, ""), f);
	assert_flow_data(f, "");
	seg(t, 90001, 0x18, "new");
	assert_flow_data(f, "new");
}

static void test_midstream_first_segment_syncs(void **state)
{
	struct tcp_table *t = *state;
	struct tcp_flow *f = seg(t, 123456, 0x18, "REGISTER ");
	seg(t, 123465, 0x18, "sip:x");
	assert_flow_data(f, "REGISTER sip:x");
}

static void test_unknown_flow_without_create_returns_null(void **state)
{
	struct tcp_table *t = *state;
	struct l4_packet p = seg_pkt(1, 0x18, "abc", 3, 0);
	int gap = -1;
	assert_null(tcp_table_segment(t, &p, 0, 0, 0, &gap));
	assert_int_equal(gap, 0);
	assert_int_equal(tcp_table_stats(t)->flows, 0);
	/* Once created, the flow is found without create. */
	struct tcp_flow *f = tcp_table_segment(t, &p, 0, 0, 1, &gap);
	assert_non_null(f);
	struct l4_packet q = seg_pkt(4, 0x18, "def", 3, 0);
	assert_ptr_equal(tcp_table_segment(t, &q, 0, 0, 0, &gap), f);
	assert_flow_data(f, "abcdef");
	/* The reverse direction is a different, still unknown, flow. */
	struct l4_packet r = seg_pkt(1, 0x18, "xyz", 3, 1);
	assert_null(tcp_table_segment(t, &r, 0, 0, 0, &gap));
	struct tcp_flow *back = tcp_table_segment(t, &r, 0, 0, 1, &gap);
	assert_non_null(back);
	assert_ptr_not_equal(back, f);
	assert_flow_data(back, "xyz");
	assert_flow_data(f, "abcdef");
	assert_int_equal(tcp_table_stats(t)->flows, 2);
}

static void test_flows_with_different_ports_kept_apart(void **state)
{
	struct tcp_table *t = *state;
	int gap;
	struct tcp_flow *fl[50];
	for (unsigned i = 0; i < 50; i++) {
		char txt[16];
		size_t n = (size_t)snprintf(txt, sizeof txt, "flow%u;", i);
		struct l4_packet p = seg_pkt(100 * i, 0x18, txt, n, 0);
		p.src.port = (uint16_t)(30000 + i);
		fl[i] = tcp_table_segment(t, &p, 0, 0, 1, &gap);
		assert_non_null(fl[i]);
	}
	for (unsigned i = 0; i < 50; i++) {
		char want[16];
		snprintf(want, sizeof want, "flow%u;", i);
		assert_flow_data(fl[i], want);
	}
	assert_int_equal(tcp_table_stats(t)->flows, 50);
}

static void test_flow_consume_drops_front_bytes(void **state)
{
	struct tcp_table *t = *state;
	struct tcp_flow *f = seg(t, 1, 0x18, "OPTIONS a\r\n\r\nBYE b");
	tcp_flow_consume(f, 13);
	assert_flow_data(f, "BYE b");
	seg(t, 19, 0x18, "\r\n\r\n");
	assert_flow_data(f, "BYE b\r\n\r\n");
	tcp_flow_consume(f, 0);
	assert_flow_data(f, "BYE b\r\n\r\n");
	tcp_flow_consume(f, 2);
	assert_flow_data(f, "E b\r\n\r\n");
	tcp_flow_consume(f, 100); /* more than there is */
	assert_flow_data(f, "");
	seg(t, 23, 0x18, "INFO");
	assert_flow_data(f, "INFO");
	tcp_flow_consume(f, 4);
	assert_flow_data(f, "");
}

/* A flow that never buffered a byte (a SYN alone) may have no buffer:
 * consuming nothing of it moves nothing (memmove from NULL was undefined
 * behaviour, found by fuzz_tcp under UBSan; the sanitizer build aborts on
 * it), and bytes still come after. */
static void test_consume_on_a_flow_without_buffer(void **state)
{
	struct tcp_table *t = *state;
	struct tcp_flow *f = seg(t, 1000, 0x02, "");
	assert_flow_data(f, "");
	tcp_flow_consume(f, 0);
	tcp_flow_consume(f, 5);
	assert_flow_data(f, "");
	seg(t, 1001, 0x18, "INFO");
	assert_flow_data(f, "INFO");
}

static void test_sequence_wraps_around_2_pow_32(void **state)
{
	struct tcp_table *t = *state;
	struct tcp_flow *f = seg(t, 0xfffffffdu, TCP_SYN, "");
	seg(t, 0xfffffffeu, 0x18, "abcd"); /* ends at 2 after the wrap */
	seg(t, 2, 0x18, "efgh");
	assert_flow_data(f, "abcdefgh");
	/* A retransmission from before the wrap is still old. */
	seg(t, 0xffffffffu, 0x18, "bcd");
	assert_flow_data(f, "abcdefgh");
	assert_int_equal(tcp_table_stats(t)->retrans_bytes, 3);
}

static void test_out_of_order_across_wrap_released(void **state)
{
	struct tcp_table *t = *state;
	struct tcp_flow *f = seg(t, 0xfffffff0u, 0x18, "0123456789ab"); /* to 0xfffffffc */
	seg(t, 1, 0x18, "BCD");                                        /* after a hole */
	seg(t, 0xfffffffeu, 0x18, "ef0");                              /* 0xfffffffe..0 */
	assert_flow_data(f, "0123456789ab");
	assert_int_equal(tcp_table_stats(t)->ooo_segments, 2);
	seg(t, 0xfffffffcu, 0x18, "cd");
	assert_flow_data(f, "0123456789abcdef0BCD");
}

static void test_per_flow_cap_drops_and_counts(void **state)
{
	enum { SEG = 32768 };
	static char chunk[SEG];
	struct tcp_table *t = *state;
	struct tcp_flow *f = seg(t, 0, TCP_SYN, "");
	uint32_t seq = 1;
	int gap;
	for (unsigned i = 0; i < TCP_FLOW_MAX_BYTES / SEG; i++) {
		memset(chunk, 'a' + (int)(i % 26), SEG);
		struct l4_packet p = seg_pkt(seq, 0x10, chunk, SEG, 0);
		assert_ptr_equal(tcp_table_segment(t, &p, 0, 0, 1, &gap), f);
		seq += SEG;
	}
	size_t len;
	tcp_flow_data(f, &len);
	assert_int_equal(len, TCP_FLOW_MAX_BYTES);
	assert_int_equal(tcp_table_stats(t)->dropped_bytes, 0);
	/* One more byte than the cap: the unconsumed bytes are dropped. */
	struct l4_packet p = seg_pkt(seq, 0x18, "Z", 1, 0);
	assert_ptr_equal(tcp_table_segment(t, &p, 0, 0, 1, &gap), f);
	const char *d = tcp_flow_data(f, &len);
	assert_true(len <= TCP_FLOW_MAX_BYTES);
	assert_true(len >= 1);
	assert_int_equal(d[len - 1], 'Z');
	assert_int_equal(tcp_table_stats(t)->dropped_bytes, TCP_FLOW_MAX_BYTES + 1 - len);
	/* The stream continues in order after the drop. */
	seg(t, seq + 1, 0x18, "Y");
	d = tcp_flow_data(f, &len);
	assert_int_equal(d[len - 1], 'Y');
	assert_int_equal(d[len - 2], 'Z');
}

static void test_held_segments_overflow_reports_gap(void **state)
{
	struct tcp_table *t = *state;
	struct tcp_flow *f = seg(t, 1000, TCP_SYN, "");
	seg(t, 1001, 0x18, "a");
	/* A hole at 1002, then more held segments than the flow keeps. */
	for (unsigned i = 0; i < TCP_MAX_OOO; i++)
		seg(t, 2000 + 10 * i, 0x18, "0123456789");
	assert_flow_data(f, "a");
	assert_int_equal(tcp_table_stats(t)->ooo_segments, TCP_MAX_OOO);
	assert_true(tcp_flow_stalled(f, 0)); /* the caller should have flushed */
	struct l4_packet p = seg_pkt(2000 + 10 * TCP_MAX_OOO, 0x18, "LAST", 4, 0);
	int gap = 0;
	assert_ptr_equal(tcp_table_segment(t, &p, 0, 0, 1, &gap), f);
	/* No room to hold it: lost, counted as a gap. */
	assert_int_equal(tcp_table_stats(t)->gaps, 1);
	assert_int_equal(tcp_table_stats(t)->dropped_bytes, 4);
	/* Flushing gives the hole up: held data follows "a" behind a gap. */
	uint64_t frame;
	int64_t ts;
	unsigned steps = 0;
	while (tcp_flow_flush_step(t, f, &frame, &ts))
		steps++;
	assert_int_equal(steps, TCP_MAX_OOO); /* one held segment per step */
	assert_int_equal(tcp_flow_gap_at(f), 1);
	size_t len;
	const char *d = tcp_flow_data(f, &len);
	assert_int_equal(len, 1 + 10 * TCP_MAX_OOO);
	assert_memory_equal(d, "a0123456789", 11);
	tcp_flow_consume(f, 1);
	assert_int_equal(tcp_flow_gap_at(f), TCP_NO_GAP);
}

/* A segment the capture cut short (snaplen): its missing bytes are a gap
 * and the stream goes on after them. */
static void test_snaplen_cut_segment_is_a_gap_and_stream_continues(void **state)
{
	struct tcp_table *t = *state;
	struct tcp_flow *f = seg(t, 1000, TCP_SYN, "");
	struct l4_packet p = seg_pkt(1001, 0x18, "abcdefgh", 8, 0);
	p.len = 3; /* captured "abc" of 8 */
	int gap = 0;
	assert_ptr_equal(tcp_table_segment(t, &p, 0, 0, 1, &gap), f);
	assert_int_equal(gap, 1);
	assert_int_equal(tcp_flow_gap_at(f), 3);
	seg(t, 1009, 0x18, "next");
	assert_int_equal(tcp_table_stats(t)->ooo_segments, 0); /* not held: in order */
	size_t len;
	const char *d = tcp_flow_data(f, &len);
	assert_int_equal(len, 7);
	assert_memory_equal(d, "abcnext", 7);
}

/* A capture that runs for days sees more than TCP_MAX_FLOWS connections; the
 * table must make room (the idle flows go first) rather than refuse every
 * new connection from then on. */
static void test_fin_frees_a_drained_flow_but_not_one_holding_data(void **state)
{
	struct tcp_table *t = *state;
	int gap;
	struct l4_packet p = seg_pkt(1, 0x18, "INVITE", 6, 0);
	struct tcp_flow *f = tcp_table_segment(t, &p, 0, 1, 1, &gap);
	assert_non_null(f);
	struct l4_packet fin = seg_pkt(7, 0x11, "", 0, 0);
	assert_ptr_equal(tcp_table_segment(t, &fin, 0, 2, 0, &gap), f);
	tcp_table_done(t, f); /* "INVITE" still unconsumed: kept */
	struct l4_packet again = seg_pkt(7, 0x10, "", 0, 0);
	assert_ptr_equal(tcp_table_segment(t, &again, 0, 3, 0, &gap), f);
	tcp_flow_consume(f, 6);
	tcp_table_done(t, f); /* drained and closing: freed */
	assert_null(tcp_table_segment(t, &again, 0, 4, 0, &gap));
	assert_int_equal(tcp_table_stats(t)->dropped_bytes, 0);
}

static void test_full_flow_table_evicts_idle_flow_for_new_one(void **state)
{
	struct tcp_table *t = *state;
	int gap;
	for (uint32_t i = 0; i < TCP_MAX_FLOWS; i++) {
		struct l4_packet p = seg_pkt(1, 0x10, "", 0, 0);
		memcpy(p.src.addr, &i, 4); /* a distinct client per flow */
		assert_non_null(tcp_table_segment(t, &p, 0, (int64_t)i, 1, &gap));
	}
	assert_int_equal(tcp_table_stats(t)->flows, TCP_MAX_FLOWS);
	assert_int_equal(tcp_table_stats(t)->evicted_flows, 0);
	/* A second later (before any is idle long enough to expire) a new
	 * connection starts. */
	struct l4_packet p = seg_pkt(1, 0x18, "INVITE", 6, 1);
	const int64_t later = 1000000;
	struct tcp_flow *f = tcp_table_segment(t, &p, 0, later, 1, &gap);
	assert_non_null(f);
	assert_flow_data(f, "INVITE");
	assert_int_equal(tcp_table_stats(t)->evicted_flows, 1);
	struct l4_packet q = seg_pkt(7, 0x18, " sip:", 5, 1);
	assert_ptr_equal(tcp_table_segment(t, &q, 0, later, 0, &gap), f);
	assert_flow_data(f, "INVITE sip:");
}

/* The i-th flow of a full table: a distinct client each. */
static struct l4_packet nth_flow(uint32_t i, uint32_t seq, const char *data)
{
	struct l4_packet p = seg_pkt(seq, 0x18, data, strlen(data), 0);
	memcpy(p.src.addr, &i, 4);
	return p;
}

/* When the table is full, the flow that goes is the least recently
 * active one that never carried SIP, even when a SIP flow is older. */
static void test_eviction_takes_least_recent_never_sip_flow(void **state)
{
	struct tcp_table *t = *state;
	int gap;
	for (uint32_t i = 0; i < TCP_MAX_FLOWS; i++) {
		struct l4_packet p = nth_flow(i, 1, "I");
		assert_non_null(tcp_table_segment(t, &p, i + 1, (int64_t)i, 1, &gap));
	}
	/* Flow 0, the oldest, carried SIP; flow 1 spoke again lately. */
	struct l4_packet p0 = nth_flow(0, 2, "");
	tcp_flow_mark_sip(tcp_table_segment(t, &p0, 0, 0, 0, &gap));
	struct l4_packet p1 = nth_flow(1, 2, "N");
	assert_non_null(tcp_table_segment(t, &p1, 0, TCP_MAX_FLOWS, 0, &gap));
	struct l4_packet x = seg_pkt(1, 0x18, "INVITE", 6, 1);
	assert_non_null(tcp_table_segment(t, &x, 0, TCP_MAX_FLOWS + 1, 1, &gap));
	assert_int_equal(tcp_table_stats(t)->evicted_flows, 1);
	struct l4_packet q0 = nth_flow(0, 1, ""), q1 = nth_flow(1, 1, ""), q2 = nth_flow(2, 1, ""),
	                 q3 = nth_flow(3, 1, "");
	assert_true(tcp_table_knows(t, &q0));  /* SIP: kept though oldest */
	assert_true(tcp_table_knows(t, &q1));  /* active lately */
	assert_false(tcp_table_knows(t, &q2)); /* the least recent never-SIP flow */
	assert_true(tcp_table_knows(t, &q3));
	/* Next: flow 3, then on in order of last activity. */
	struct l4_packet y = seg_pkt(1, 0x18, "INVITE", 6, 1);
	y.dst.port = 5070;
	assert_non_null(tcp_table_segment(t, &y, 0, TCP_MAX_FLOWS + 2, 1, &gap));
	assert_false(tcp_table_knows(t, &q3));
	assert_true(tcp_table_knows(t, &q0));
}

/* Flows silent for TCP_IDLE_US are forgotten (what they held counted as
 * dropped); a flow still talking, and the one being fed, are kept. */
static void test_idle_flows_expire(void **state)
{
	struct tcp_table *t = *state;
	int gap;
	struct l4_packet a = seg_pkt(1, 0x18, "INV", 3, 0);
	a.src.port = 1111;
	struct l4_packet b = seg_pkt(1, 0x18, "REG", 3, 0);
	b.src.port = 2222;
	struct l4_packet c = seg_pkt(1, 0x18, "OPT", 3, 0);
	c.src.port = 3333;
	assert_non_null(tcp_table_segment(t, &a, 1, 0, 1, &gap));
	assert_non_null(tcp_table_segment(t, &b, 2, 0, 1, &gap));
	assert_non_null(tcp_table_segment(t, &c, 3, 0, 1, &gap));
	/* b keeps talking; a and c stay silent. */
	struct l4_packet b2 = seg_pkt(4, 0x18, "ISTER", 5, 0);
	b2.src.port = 2222;
	const int64_t mid = TCP_IDLE_US / 2;
	assert_non_null(tcp_table_segment(t, &b2, 4, mid, 0, &gap));
	/* Just past the idle time of a and c: c's own segment keeps c. */
	struct l4_packet c2 = seg_pkt(4, 0x18, "IONS", 4, 0);
	c2.src.port = 3333;
	struct tcp_flow *fc = tcp_table_segment(t, &c2, 5, TCP_IDLE_US + 1, 0, &gap);
	assert_non_null(fc);
	assert_flow_data(fc, "OPTIONS");
	assert_int_equal(tcp_table_stats(t)->expired_flows, 1);
	assert_int_equal(tcp_table_stats(t)->dropped_bytes, 3); /* a's "INV" */
	assert_false(tcp_table_knows(t, &a));
	assert_true(tcp_table_knows(t, &b));
	/* Within 10 s nothing is looked at again; later b expires too. */
	assert_non_null(tcp_table_segment(t, &c2, 6, TCP_IDLE_US + 2, 0, &gap));
	assert_true(tcp_table_knows(t, &b));
	assert_non_null(tcp_table_segment(t, &c2, 7, mid + TCP_IDLE_US + 11000000, 0, &gap));
	assert_false(tcp_table_knows(t, &b));
	assert_int_equal(tcp_table_stats(t)->expired_flows, 2);
}

/* Messages that lie whole in the segment just fed can be read again from
 * the capture: where they start in the frame follows consumption and the
 * bytes a retransmission overlap trimmed; held and other frames' bytes
 * never count. */
static void test_frame_span_follows_the_current_segment(void **state)
{
	struct tcp_table *t = *state;
	int gap;
	size_t off = 0;
	struct l4_packet a = seg_pkt(1, 0x18, "INVITE sip:x", 12, 0); /* payload at 54 */
	struct tcp_flow *f = tcp_table_segment(t, &a, 2, 0, 1, &gap);
	assert_true(tcp_flow_frame_span(f, 2, 12, &off));
	assert_int_equal(off, 54);
	assert_false(tcp_flow_frame_span(f, 3, 12, &off)); /* another frame */
	assert_false(tcp_flow_frame_span(f, 2, 13, &off)); /* past the segment */
	tcp_flow_consume(f, 7);
	assert_true(tcp_flow_frame_span(f, 2, 5, &off));
	assert_int_equal(off, 61);
	/* Overlaps the last 3 bytes: those are trimmed, the rest appended. */
	struct l4_packet b = seg_pkt(10, 0x18, "p:x SIP/2.0", 11, 0);
	assert_ptr_equal(tcp_table_segment(t, &b, 3, 0, 0, &gap), f);
	assert_flow_data(f, "sip:x SIP/2.0");
	assert_false(tcp_flow_frame_span(f, 3, 5, &off)); /* still frame 2's bytes first */
	tcp_flow_consume(f, 5);
	assert_true(tcp_flow_frame_span(f, 3, 8, &off));
	assert_int_equal(off, 54 + 3);
	tcp_flow_consume(f, 8);
	/* Held out of order, then drained behind the segment that fills the
	 * hole: only that segment's own bytes are in the frame. */
	struct l4_packet c = seg_pkt(26, 0x18, "WORLD", 5, 0);
	assert_ptr_equal(tcp_table_segment(t, &c, 4, 0, 0, &gap), f);
	assert_false(tcp_flow_frame_span(f, 4, 1, &off));
	struct l4_packet d = seg_pkt(21, 0x18, "HELLO", 5, 0);
	assert_ptr_equal(tcp_table_segment(t, &d, 5, 0, 0, &gap), f);
	assert_flow_data(f, "HELLOWORLD");
	assert_true(tcp_flow_frame_span(f, 5, 5, &off));
	assert_false(tcp_flow_frame_span(f, 5, 6, &off));
	/* A reassembled segment (no place in the frame) never counts. */
	tcp_flow_consume(f, 10);
	struct l4_packet e = seg_pkt(31, 0x18, "BYE", 3, 0);
	e.payload_off = SIZE_MAX;
	assert_ptr_equal(tcp_table_segment(t, &e, 6, 0, 0, &gap), f);
	assert_false(tcp_flow_frame_span(f, 6, 3, &off));
}

/* What a flow counts in tcp_table_held(): its buffer's capacity and frame
 * marks, at least the bytes in it and at most a little more. */
#define SLACK 4096
#define assert_held_about(t, bytes) assert_in_range(tcp_table_held(t), (bytes), (bytes) + SLACK)

/* All flows together hold at most the table's limit: past it data is
 * lost with a gap where it was, and what is consumed makes room again. */
static void test_total_limit_drops_with_a_gap(void **state)
{
	struct tcp_table *t = *state;
	tcp_table_set_limit(t, 12000);
	int gap;
	static char a10k[10001], b8k[8001];
	memset(a10k, 'a', 10000);
	memset(b8k, 'b', 8000);
	struct l4_packet a = seg_pkt(1, 0x18, a10k, 10000, 0);
	struct tcp_flow *fa = tcp_table_segment(t, &a, 1, 0, 1, &gap);
	struct l4_packet b = seg_pkt(1, 0x18, b8k, 8000, 1);
	struct tcp_flow *fb = tcp_table_segment(t, &b, 2, 0, 1, &gap);
	assert_non_null(fa);
	assert_non_null(fb);
	assert_held_about(t, 10000);
	assert_flow_data(fb, "");
	assert_int_equal(tcp_flow_gap_at(fb), 0);
	assert_int_equal(tcp_table_stats(t)->total_cap_drops, 1);
	tcp_flow_consume(fa, 10000); /* a big emptied buffer is given back */
	assert_held_about(t, 0);
	struct l4_packet b2 = seg_pkt(8001, 0x18, b8k, 8000, 1);
	assert_ptr_equal(tcp_table_segment(t, &b2, 3, 0, 0, &gap), fb);
	assert_held_about(t, 8000);
	tcp_flow_consume(fb, 8000);
	/* Held out of order counts too. */
	struct l4_packet c = seg_pkt(20000, 0x18, a10k, 10000, 0);
	assert_ptr_equal(tcp_table_segment(t, &c, 4, 0, 0, &gap), fa);
	assert_held_about(t, 10000);
	tcp_table_drop(t, fa);
	tcp_table_drop(t, fb);
	assert_int_equal(tcp_table_held(t), 0);
}

/* The cap counts memory, not only bytes waiting: a buffer's capacity
 * stays counted while it is kept, and a big one is freed when emptied. */
static void test_held_counts_buffer_capacity(void **state)
{
	struct tcp_table *t = *state;
	static char big[60001];
	memset(big, 'x', 60000);
	int gap;
	struct l4_packet p = seg_pkt(1, 0x18, big, 60000, 0);
	struct tcp_flow *f = tcp_table_segment(t, &p, 1, 0, 1, &gap);
	assert_non_null(f);
	tcp_flow_consume(f, 59990); /* 10 bytes left in a 60 KB buffer */
	assert_in_range(tcp_table_held(t), 60000, 60000 + SLACK);
	tcp_flow_consume(f, 10);
	assert_in_range(tcp_table_held(t), 0, SLACK);
	/* A flow's buffer dropped at the per-flow cap is given back too. */
	uint32_t seq = 60001;
	for (size_t sent = 0; sent < TCP_FLOW_MAX_BYTES + 100000; sent += 60000, seq += 60000) {
		struct l4_packet q = seg_pkt(seq, 0x18, big, 60000, 0);
		assert_ptr_equal(tcp_table_segment(t, &q, 2, 0, 0, &gap), f);
	}
	assert_int_equal(tcp_flow_gap_at(f), 0);
	size_t len;
	tcp_flow_data(f, &len);
	assert_true(len < TCP_FLOW_MAX_BYTES);
	assert_in_range(tcp_table_held(t), len, len + len / 2 + SLACK);
}

/* A hole the peer has acknowledged was lost by the capture, not the
 * network: nothing will fill it, so data after it is not held.  A hole
 * the peer has not acknowledged (network loss) waits for the
 * retransmission. */
static void test_acknowledged_hole_is_not_waited_for(void **state)
{
	struct tcp_table *t = *state;
	int gap;
	seg(t, 0, TCP_SYN, "");                            /* forward ISN 0: data from 1 */
	struct l4_packet back = seg_pkt(500, TCP_SYN | TCP_ACK, "", 0, 1);
	back.tcp_ack = 1;
	assert_non_null(tcp_table_segment(t, &back, 2, 0, 1, &gap));
	struct tcp_flow *f = seg(t, 1, 0x18, "AAAA");       /* 1..4 */
	tcp_flow_consume(f, 4);
	/* The peer acknowledges up to 9: bytes 5..8 reached it, not us. */
	struct l4_packet ack = seg_pkt(501, TCP_ACK, "", 0, 1);
	ack.tcp_ack = 9;
	assert_non_null(tcp_table_segment(t, &ack, 3, 0, 0, &gap));
	struct l4_packet c = seg_pkt(9, 0x18, "CCCC", 4, 0);
	assert_ptr_equal(tcp_table_segment(t, &c, 4, 0, 0, &gap), f);
	assert_flow_data(f, "CCCC");                       /* not held */
	assert_int_equal(tcp_flow_gap_at(f), 0);
	tcp_flow_consume(f, 4);
	/* Now a hole the peer has not acknowledged (it acks only 13): held. */
	struct l4_packet e = seg_pkt(17, 0x18, "EEEE", 4, 0);
	assert_ptr_equal(tcp_table_segment(t, &e, 5, 0, 0, &gap), f);
	assert_flow_data(f, "");
	uint64_t fr;
	int64_t ts;
	assert_false(tcp_flow_flush_acked(t, f, 13, &fr, &ts));
	/* The peer's ack moves past it: the hole is given up. */
	assert_true(tcp_flow_flush_acked(t, f, 21, &fr, &ts));
	assert_int_equal(fr, 5);
	assert_flow_data(f, "EEEE");
	assert_int_equal(tcp_flow_gap_at(f), 0);
	tcp_flow_consume(f, 4);
	/* Network loss: held, then the retransmission fills the hole in order. */
	struct l4_packet h = seg_pkt(25, 0x18, "HHHH", 4, 0);
	assert_ptr_equal(tcp_table_segment(t, &h, 6, 0, 0, &gap), f);
	struct l4_packet g2 = seg_pkt(21, 0x18, "GGGG", 4, 0);
	assert_ptr_equal(tcp_table_segment(t, &g2, 7, 0, 0, &gap), f);
	assert_flow_data(f, "GGGGHHHH");
	assert_int_equal(tcp_flow_gap_at(f), TCP_NO_GAP);
}


/* ---- inner flows: lent bytes (decrypted TLS records parsed in place) ---- */

static struct tcp_flow *inner_flow(struct tcp_table *t)
{
	struct l4_packet p = seg_pkt(0, 0, "", 0, 0);
	struct tcp_flow *f = tcp_flow_new_inner(t, &p.src, &p.dst);
	assert_non_null(f);
	return f;
}

static void test_lent_bytes_are_read_in_place_and_the_rest_copied(void **state)
{
	struct tcp_table *t = *state;
	struct tcp_flow *f = inner_flow(t);
	char rec[] = "AAAABB";
	assert_int_equal(tcp_flow_lend(f, rec, 6, 41), 1);
	size_t len;
	assert_ptr_equal(tcp_flow_data(f, &len), rec); /* no copy */
	assert_int_equal(len, 6);
	assert_int_equal(tcp_flow_first_frame(f), 41);
	assert_int_equal(tcp_table_held(t), 6); /* lent bytes count as their length */
	tcp_flow_consume(f, 4);
	assert_ptr_equal(tcp_flow_data(f, &len), rec + 4);
	tcp_flow_unlend(f);
	memset(rec, 'x', sizeof rec - 1); /* the caller reuses its buffer */
	assert_flow_data(f, "BB");
	assert_int_equal(tcp_flow_first_frame(f), 41); /* the rest keeps its frame */
	assert_held_about(t, 2);
	/* Something buffered: the next record is appended, not lent. */
	assert_int_equal(tcp_flow_lend(f, "CC", 2, 42), 0);
	tcp_flow_append(f, "CC", 2, 42, 0);
	assert_flow_data(f, "BBCC");
	assert_int_equal(tcp_flow_first_frame(f), 41);
	tcp_flow_consume(f, 4);
	assert_held_about(t, 0);
	tcp_flow_free_inner(f);
	assert_int_equal(tcp_table_held(t), 0);
	assert_int_equal(tcp_table_stats(t)->dropped_bytes, 0);
}

static void test_lent_bytes_wholly_read_leave_nothing(void **state)
{
	struct tcp_table *t = *state;
	struct tcp_flow *f = inner_flow(t);
	tcp_flow_append(f, "ZZ", 2, 5, 0); /* the flow has a buffer of its own */
	tcp_flow_consume(f, 2);
	size_t own = tcp_table_held(t); /* (small: kept) */
	assert_int_equal(tcp_flow_lend(f, "0123456789", 10, 6), 1);
	tcp_flow_consume(f, 10);
	tcp_flow_unlend(f);
	assert_flow_data(f, "");
	assert_int_equal(tcp_flow_first_frame(f), 0);
	assert_int_equal(tcp_table_held(t), own);
	/* and the flow's own buffer is back: appending works as before */
	tcp_flow_append(f, "NEXT", 4, 7, 0);
	assert_flow_data(f, "NEXT");
	assert_int_equal(tcp_flow_first_frame(f), 7);
	tcp_flow_free_inner(f); /* 4 bytes unread: dropped */
	assert_int_equal(tcp_table_stats(t)->dropped_bytes, 4);
}

static void test_lend_refused_after_a_gap(void **state)
{
	struct tcp_table *t = *state;
	struct tcp_flow *f = inner_flow(t);
	tcp_flow_append(f, "", 0, 1, 1); /* plaintext lost: a gap at 0 */
	assert_int_equal(tcp_flow_gap_at(f), 0);
	assert_int_equal(tcp_flow_lend(f, "AB", 2, 2), 0);
	tcp_flow_free_inner(f);
}

static void test_a_lent_flow_can_be_freed(void **state)
{
	struct tcp_table *t = *state;
	struct tcp_flow *f = inner_flow(t);
	tcp_flow_append(f, "Q", 1, 1, 0);
	tcp_flow_consume(f, 1);
	assert_int_equal(tcp_flow_lend(f, "ABC", 3, 2), 1);
	tcp_flow_free_inner(f); /* frees its own buffer, not the lent bytes (ASan) */
	assert_int_equal(tcp_table_held(t), 0);
}

/* Each test runs on a fresh table. */
#define T(fn) cmocka_unit_test_setup_teardown(fn, table_setup, table_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_in_order_segments_concatenate),
		T(test_retransmitted_segment_not_duplicated),
		T(test_retransmission_after_consume_not_duplicated),
		T(test_partial_overlap_trimmed),
		T(test_keepalive_probe_byte_not_appended),
		T(test_out_of_order_segment_held_until_hole_fills),
		T(test_hole_filled_by_overlapping_segment_trims_held_data),
		T(test_syn_sets_next_seq_to_isn_plus_one),
		T(test_syn_with_data_starts_after_isn),
		T(test_new_syn_on_same_tuple_restarts_stream),
		T(test_midstream_first_segment_syncs),
		T(test_unknown_flow_without_create_returns_null),
		T(test_flows_with_different_ports_kept_apart),
		T(test_flow_consume_drops_front_bytes),
		T(test_consume_on_a_flow_without_buffer),
		T(test_sequence_wraps_around_2_pow_32),
		T(test_out_of_order_across_wrap_released),
		T(test_per_flow_cap_drops_and_counts),
		T(test_held_segments_overflow_reports_gap),
		T(test_snaplen_cut_segment_is_a_gap_and_stream_continues),
		T(test_fin_frees_a_drained_flow_but_not_one_holding_data),
		T(test_full_flow_table_evicts_idle_flow_for_new_one),
		T(test_eviction_takes_least_recent_never_sip_flow),
		T(test_idle_flows_expire),
		T(test_frame_span_follows_the_current_segment),
		T(test_total_limit_drops_with_a_gap),
		T(test_held_counts_buffer_capacity),
		T(test_acknowledged_hole_is_not_waited_for),
		T(test_lent_bytes_are_read_in_place_and_the_rest_copied),
		T(test_lent_bytes_wholly_read_leave_nothing),
		T(test_lend_refused_after_a_gap),
		T(test_a_lent_flow_can_be_freed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
