/* test_ingest.c - the pipeline: the two-thread run gives exactly what the
 * frame-by-frame path gives, and stats add up. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sipscope/ingest.h"
#include "fixture.h"

static void same_result(const char *path, size_t want_msgs, size_t want_calls)
{
	struct loaded a, b;
	load(&a, path, 0);
	load(&b, path, 1);
	size_t n = store_msg_count(a.s);
	assert_int_equal(n, want_msgs);
	assert_int_equal(store_msg_count(b.s), n);
	for (size_t i = 0; i < n; i++) {
		const struct store_msg *x = store_msg_at(a.s, i), *y = store_msg_at(b.s, i);
		assert_int_equal(x->frame, y->frame);
		assert_int_equal(x->ts_us, y->ts_us);
		assert_int_equal(x->txn, y->txn);
		assert_int_equal(x->dialog, y->dialog);
		assert_int_equal(x->call, y->call);
		assert_int_equal(x->request_msg, y->request_msg);
		assert_int_equal(x->flags, y->flags);
		assert_int_equal(x->status, y->status);
		assert_int_equal(x->loc_len, y->loc_len);
		assert_true(sv_eq(store_str(a.s, x->call_id), store_str(b.s, y->call_id)));
		size_t la, lb;
		const char *ba = store_msg_bytes(a.s, i, &la);
		assert_non_null(ba);
		char copy[65536];
		assert_true(la <= sizeof copy);
		memcpy(copy, ba, la);
		const char *bb = store_msg_bytes(b.s, i, &lb);
		assert_non_null(bb);
		assert_int_equal(la, lb);
		assert_memory_equal(copy, bb, la);
	}
	assert_int_equal(track_call_count(a.t), want_calls);
	assert_int_equal(track_call_count(b.t), want_calls);
	for (size_t c = 0; c < want_calls; c++) {
		const struct call_info *x = track_call(a.t, c), *y = track_call(b.t, c);
		assert_int_equal(x->state, y->state);
		assert_int_equal(x->final_status, y->final_status);
		assert_int_equal(x->nmsgs, y->nmsgs);
		assert_true(sv_eq(store_str(a.s, x->from), store_str(b.s, y->from)));
		assert_true(sv_eq(store_str(a.s, x->to), store_str(b.s, y->to)));
	}
	const struct ingest_stats *sa = ingest_stats(a.in), *sb = ingest_stats(b.in);
	assert_int_equal(sa->sip_msgs, n);
	assert_int_equal(sb->sip_msgs, n);
	assert_int_equal(sa->frames, sb->frames);
	assert_int_equal(sa->store_errors, 0);
	assert_int_equal(sb->store_errors, 0);
	unload(&a);
	unload(&b);
}


static void test_threaded_run_equals_serial_tcp(void **state)
{
	(void)state;
	same_result("samples/basic_tcp.pcap", 21, 3);
}

static void test_threaded_run_equals_serial_proxy(void **state)
{
	(void)state;
	same_result("samples/proxy_rr_udp.pcap", 42, 3);
}

/* Many batches: the lossy sample's records written 200 times over, each
 * copy 100 s later (same Call-IDs, so calls grow and repeats are flagged). */
static void test_threaded_run_equals_serial_over_many_batches(void **state)
{
	(void)state;
	FILE *in = fopen("samples/lossy_udp.pcap", "rb");
	assert_non_null(in);
	static char buf[1 << 20];
	size_t len = fread(buf, 1, sizeof buf, in);
	fclose(in);
	assert_true(len > 24 && len < sizeof buf);
	char path[64];
	snprintf(path, sizeof path, "/tmp/sipscope-test-ingest-%d.pcap", (int)getpid());
	FILE *out = fopen(path, "wb");
	assert_non_null(out);
	fwrite(buf, 1, 24, out);
	size_t frames = 0;
	for (uint32_t copy = 0; copy < 200; copy++) {
		for (size_t off = 24; off + 16 <= len;) {
			uint32_t h[4];
			memcpy(h, buf + off, 16);
			h[0] += copy * 100;
			fwrite(h, 4, 4, out);
			fwrite(buf + off + 16, 1, h[2], out);
			off += 16 + h[2];
			frames++;
		}
	}
	fclose(out);
	/* Every frame of the lossy sample is SIP; Call-IDs repeat in each copy. */
	same_result(path, frames, 8);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threaded_run_equals_serial_tcp),
		cmocka_unit_test(test_threaded_run_equals_serial_proxy),
		cmocka_unit_test(test_threaded_run_equals_serial_over_many_batches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
