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

/* The lossy sample's records written 200 times over into path, each copy
 * 100 s later: the same Call-IDs (calls grow and repeats are flagged), or
 * with `distinct` each copy's own (the sipp process id in them, 12821,
 * replaced by 20000 + copy: lengths stay).  Returns the frames written. */
static size_t write_copies(const char *path, int distinct)
{
	FILE *in = fopen("samples/lossy_udp.pcap", "rb");
	assert_non_null(in);
	static char buf[1 << 20];
	size_t len = fread(buf, 1, sizeof buf, in);
	fclose(in);
	assert_true(len > 24 && len < sizeof buf);
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
			static char frame[65536];
			assert_true(h[2] <= sizeof frame);
			memcpy(frame, buf + off + 16, h[2]);
			for (size_t k = 0; distinct && k + 5 <= h[2]; k++)
				if (!memcmp(frame + k, "12821", 5)) {
					char pid[8];
					snprintf(pid, sizeof pid, "%05u", 20000 + copy);
					memcpy(frame + k, pid, 5);
				}
			fwrite(frame, 1, h[2], out);
			off += 16 + h[2];
			frames++;
		}
	}
	fclose(out);
	return frames;
}

/* Many batches of the threaded run. */
static void test_threaded_run_equals_serial_over_many_batches(void **state)
{
	(void)state;
	char path[64];
	snprintf(path, sizeof path, "/tmp/sipscope-test-ingest-%d.pcap", (int)getpid());
	size_t frames = write_copies(path, 0);
	/* Every frame of the lossy sample is SIP; Call-IDs repeat in each copy. */
	same_result(path, frames, 8);
	unlink(path);
}

struct evict_ctx {
	struct ingest *in;
	struct tracker *t;
	unsigned hooks, evicted, cut, open;
};

static void count_evicting(void *ctx, uint32_t root)
{
	struct evict_ctx *x = ctx;
	const struct call_info *c = track_call(x->t, root - 1);
	x->evicted++;
	x->cut += (c->flags & CALL_FLAG_CUT) != 0;
	x->open += c->state == CALL_STATE_IN_CALL || c->state == CALL_STATE_SETUP ||
	           c->state == CALL_STATE_RINGING;
}

static void evict_each_batch(void *ctx)
{
	struct evict_ctx *x = ctx;
	struct track_evict_hooks hooks = { count_evicting, NULL, x };
	x->hooks++;
	assert_true(ingest_evict_finished(x->in, 1, &hooks) >= 0);
}

/* The batch hook runs on the track stage between batches of a threaded
 * run, where ingest_evict_finished() may evict: the copies' calls (each
 * over and quiet long before the next copy) leave memory as the capture
 * is read, none cut, none in progress. */
static void test_batch_hook_evicts_finished_calls_during_threaded_run(void **state)
{
	(void)state;
	char path[64];
	snprintf(path, sizeof path, "/tmp/sipscope-test-ingest-h-%d.pcap", (int)getpid());
	size_t frames = write_copies(path, 1);
	char err[256];
	const char *paths[] = { path };
	struct pcap_src *src = pcap_src_open(paths, 1, err, sizeof err);
	assert_non_null(src);
	struct store *s = store_new();
	struct tracker *t = track_new(s);
	struct ingest *in = ingest_new(s, t);
	assert_non_null(in);
	store_set_fetcher(s, pcap_src_fetch, src);
	store_keep_spool(s);
	struct evict_ctx x = { in, t, 0, 0, 0, 0 };
	ingest_set_batch_hook(in, evict_each_batch, &x);
	assert_int_equal(ingest_run(in, src), 0);
	assert_true(x.hooks >= frames / 1024);
	assert_true(x.evicted >= 150 * 8); /* all but the last copies' calls */
	assert_int_equal(x.cut, 0);
	assert_int_equal(x.open, 0);
	assert_int_equal(ingest_stats(in)->sip_msgs, frames);
	assert_true(store_msg_count(s) < frames / 10);
	ingest_free(in);
	track_free(t);
	store_free(s);
	pcap_src_close(src);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threaded_run_equals_serial_tcp),
		cmocka_unit_test(test_threaded_run_equals_serial_proxy),
		cmocka_unit_test(test_threaded_run_equals_serial_over_many_batches),
		cmocka_unit_test(test_batch_hook_evicts_finished_calls_during_threaded_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
