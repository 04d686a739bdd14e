/* test_hooks.c - the hook runner (rate limit, queue, children) and the
 * alerts over a capture (filters one call at a time, the syslog line). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sipscope/alert.h"
#include "sipscope/calllist.h"
#include "sipscope/hooks.h"
#include "fixture.h"

static void test_rate_starts_full_and_refills_at_rate(void **state)
{
	(void)state;
	struct hooks_rate r;
	hooks_rate_init(&r, 3, 1000);
	for (int i = 0; i < 3; i++) /* a burst of `rate` */
		assert_int_equal(hooks_rate_take(&r, 1000), 1);
	assert_int_equal(hooks_rate_take(&r, 1000), 0);
	/* A third of a second brings one token (3/s), not before. */
	assert_int_equal(hooks_rate_take(&r, 1000 + 333000), 0);
	assert_int_equal(hooks_rate_take(&r, 1000 + 333334), 1);
	assert_int_equal(hooks_rate_take(&r, 1000 + 333334), 0);
	/* A long quiet fills the bucket, no more than full. */
	int got = 0;
	for (int i = 0; i < 10; i++)
		got += hooks_rate_take(&r, 100000000);
	assert_int_equal(got, 3);
	/* A clock that goes back adds nothing (and takes nothing). */
	assert_int_equal(hooks_rate_take(&r, 5000), 0);
}

static void test_rate_bounds_runs_over_time(void **state)
{
	(void)state;
	/* Offered 1000 a second for 5 s at 10/s: the burst plus 10 a second. */
	struct hooks_rate r;
	hooks_rate_init(&r, 10, 0);
	int got = 0;
	for (int64_t t = 0; t <= 5000000; t += 1000)
		got += hooks_rate_take(&r, t);
	assert_int_equal(got, 10 + 50);
}

static void test_queue_is_bounded_and_fifo(void **state)
{
	(void)state;
	static struct hooks_queue q;
	memset(&q, 0, sizeof q);
	struct hooks_job j = { "x", NULL, 0 };
	for (size_t i = 0; i < HOOKS_QUEUE_MAX; i++) {
		j.len = i;
		assert_int_equal(hooks_queue_push(&q, &j), 0);
	}
	j.len = 999;
	assert_int_equal(hooks_queue_push(&q, &j), -1); /* full: refused */
	assert_int_equal(q.count, HOOKS_QUEUE_MAX);
	/* Half out, half in again: the ring wraps, the order holds. */
	for (size_t i = 0; i < HOOKS_QUEUE_MAX / 2; i++) {
		assert_int_equal(hooks_queue_pop(&q, &j), 0);
		assert_int_equal(j.len, i);
	}
	for (size_t i = 0; i < HOOKS_QUEUE_MAX / 2; i++) {
		j.len = 1000 + i;
		assert_int_equal(hooks_queue_push(&q, &j), 0);
	}
	for (size_t i = HOOKS_QUEUE_MAX / 2; i < HOOKS_QUEUE_MAX; i++) {
		assert_int_equal(hooks_queue_pop(&q, &j), 0);
		assert_int_equal(j.len, i);
	}
	for (size_t i = 0; i < HOOKS_QUEUE_MAX / 2; i++) {
		assert_int_equal(hooks_queue_pop(&q, &j), 0);
		assert_int_equal(j.len, 1000 + i);
	}
	assert_int_equal(hooks_queue_pop(&q, &j), -1);
}

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The runner: input reaches the command, each outcome is counted, the
 * rate and the time limit hold, and nothing waits on a slow command. */
static void test_runner_counts_every_outcome(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_hooks.XXXXXX", cmd[256], path[300];
	assert_non_null(mkdtemp(dir));
	struct hooks_opts o = { .rate = 100, .timeout_s = 1 };
	char err[256];
	struct hooks *h = hooks_new(&o, err, sizeof err);
	assert_non_null(h);
	snprintf(cmd, sizeof cmd, "cat > %s/in", dir);
	int64_t t0 = now_us();
	assert_int_equal(hooks_submit(h, cmd, "{\"a\":1}\n", 8, t0), 0);
	assert_int_equal(hooks_submit(h, "exit 3", "x\n", 2, t0), 0);
	assert_int_equal(hooks_submit(h, "sleep 20", "", 0, t0), 0);
	assert_int_equal(hooks_submit(h, "true", "never read", 10, t0), 0); /* EPIPE or not: ok */
	int64_t took = now_us() - t0;
	assert_true(took < 200000); /* submitting does not wait for the commands */
	struct hooks_stats st;
	hooks_close(h, 5000, &st);
	took = now_us() - t0;
	assert_true(took < 4000000); /* sleep 20 was killed at its 1 s limit */
	assert_int_equal(st.submitted, 4);
	assert_int_equal(st.started, 4);
	assert_int_equal(st.ok, 2);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.timed_out, 1);
	assert_int_equal(st.dropped_rate + st.dropped_queue + st.unrun + st.spawn_failed, 0);
	snprintf(path, sizeof path, "%s/in", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[64] = "";
	assert_non_null(fgets(line, sizeof line, f));
	fclose(f);
	assert_string_equal(line, "{\"a\":1}\n");
	unlink(path);
	rmdir(dir);
}

static void test_runner_drops_over_the_rate_and_counts_them(void **state)
{
	(void)state;
	struct hooks_opts o = { .rate = 5, .timeout_s = 5 };
	char err[256];
	struct hooks *h = hooks_new(&o, err, sizeof err);
	assert_non_null(h);
	int64_t t = now_us();
	int queued = 0;
	for (int i = 0; i < 50; i++)
		queued += hooks_submit(h, "true", "", 0, t) == 0;
	assert_int_equal(queued, 5);
	struct hooks_stats st;
	hooks_close(h, 5000, &st);
	assert_int_equal(st.dropped_rate, 45);
	assert_int_equal(st.started, 5);
	assert_int_equal(st.ok, 5);
}

/* Admit first, build the input after: what the rate refuses is counted
 * by hooks_admit() alone, and every admitted push runs. */
static void test_admit_then_push_counts_as_submit(void **state)
{
	(void)state;
	struct hooks_opts o = { .rate = 3, .timeout_s = 5 };
	char err[256];
	struct hooks *h = hooks_new(&o, err, sizeof err);
	assert_non_null(h);
	int64_t t = now_us();
	int admitted = 0;
	for (int i = 0; i < 20; i++) {
		if (!hooks_admit(h, t))
			continue;
		admitted++;
		assert_int_equal(hooks_push(h, "cat >/dev/null", "{}\n", 3), 0);
	}
	assert_int_equal(admitted, 3);
	struct hooks_stats st;
	hooks_close(h, 5000, &st);
	assert_int_equal(st.submitted, 20);
	assert_int_equal(st.dropped_rate, 17);
	assert_int_equal(st.dropped_queue, 0);
	assert_int_equal(st.started, 3);
	assert_int_equal(st.ok, 3);
}

static void test_runner_gives_up_at_close_and_counts_the_rest(void **state)
{
	(void)state;
	struct hooks_opts o = { .rate = 1000, .timeout_s = 30 };
	char err[256];
	struct hooks *h = hooks_new(&o, err, sizeof err);
	assert_non_null(h);
	int64_t t = now_us();
	for (int i = 0; i < HOOKS_MAX_RUNNING + 3; i++)
		assert_int_equal(hooks_submit(h, "sleep 30", "", 0, t), 0);
	struct hooks_stats st;
	hooks_close(h, 300, &st);
	assert_true(now_us() - t < 3000000);
	/* The slots' runs were killed at the end of the wait, the queued
	 * ones never started: all counted. */
	assert_int_equal(st.started + st.unrun, HOOKS_MAX_RUNNING + 3);
	assert_int_equal(st.timed_out, st.started);
	assert_true(st.unrun >= 3);
}

/* The alerts over a capture: one call at a time, the same answers as
 * the list's filter, and the syslog line's fields. */
static void test_match_one_call_agrees_with_the_list(void **state)
{
	(void)state;
	static const char *const files[] = { "samples/busy_udp.pcap", "samples/proxy_rr_udp.pcap",
	                                     "samples/lossy_udp.pcap" };
	static const char *const filters[] = { "", "state=busy", "status=486", "state=comp",
	                                       "to=bob from=alice", "~^Record-Route:", "problem=info",
	                                       "problem=error", "callid=2-", "problem=ack-missing",
	                                       "problem=cseq-reused method=INVITE" };
	size_t hits = 0;
	for (size_t f = 0; f < 3; f++) {
		struct loaded ld;
		load(&ld, files[f], 0);
		struct checker *chk = check_new(ld.s, ld.t);
		assert_non_null(chk);
		check_update(chk);
		check_finish(chk);
		for (size_t k = 0; k < sizeof filters / sizeof filters[0]; k++) {
			char err[256];
			struct calllist *cl = calllist_new(ld.s, ld.t);
			calllist_set_check(cl, chk);
			assert_int_equal(calllist_set_filter(cl, filters[k], err, sizeof err), 0);
			assert_int_equal(calllist_refresh(cl), 0);
			size_t n = 0;
			for (uint32_t c = 1; c <= track_call_count(ld.t); c++) {
				int m = calllist_match(cl, c);
				assert_int_equal(m, calllist_row_of(cl, c) >= 0);
				n += m;
			}
			assert_int_equal(n, calllist_count(cl));
			if (f == 2 && k >= 9)
				hits += n; /* the rule terms found their call */
			calllist_free(cl);
		}
		if (f == 2)
			assert_int_equal(alert_call_failed(ld.t, chk, 1), 1); /* completed, with errors */
		check_free(chk);
		unload(&ld);
	}
	assert_int_equal(hits, 2);
}

static void test_match_media_one_call(void **state)
{
	(void)state;
	struct loaded ld;
	struct media *m = load_media(&ld, "samples/rtp_oneway.pcap");
	char err[256];
	struct calllist *cl = calllist_new(ld.s, ld.t);
	calllist_set_media(cl, m);
	assert_int_equal(calllist_set_filter(cl, "media=one-way", err, sizeof err), 0);
	assert_int_equal(calllist_match(cl, 1), 1);
	assert_int_equal(calllist_set_filter(cl, "media=none", err, sizeof err), 0);
	assert_int_equal(calllist_match(cl, 1), 0);
	assert_int_equal(calllist_set_filter(cl, "media=loss", err, sizeof err), 0);
	assert_int_equal(calllist_match(cl, 1), 0);
	calllist_set_media(cl, NULL);
	assert_int_equal(calllist_set_filter(cl, "media=one-way", err, sizeof err), 0);
	assert_int_equal(calllist_match(cl, 1), 0); /* no streams followed: nothing known */
	assert_int_equal(calllist_match(cl, 99), 0);
	calllist_free(cl);
	unload(&ld);
}

static void test_syslog_line_fields(void **state)
{
	(void)state;
	struct loaded ld;
	load(&ld, "samples/busy_udp.pcap", 0);
	char line[512];
	size_t n = alert_syslog_line(line, sizeof line, ld.s, ld.t, NULL, 2);
	assert_int_equal(n, strlen(line));
	assert_string_equal(line, "call=2 callid=\"2-12453@127.0.0.1\" method=INVITE state=busy "
	                          "status=486 src=127.0.0.1 sport=25070 dst=127.0.0.1 dport=15070 "
	                          "transport=UDP from=\"sip:alice@127.0.0.1:25070\" "
	                          "to=\"sip:bob@127.0.0.1:15070\" errors=0 warnings=0");
	assert_int_equal(alert_call_failed(ld.t, NULL, 2), 1);
	/* Cut short: NUL-terminated, the length it needed. */
	char small[20];
	assert_int_equal(alert_syslog_line(small, sizeof small, ld.s, ld.t, NULL, 2), n);
	assert_int_equal(strlen(small), sizeof small - 1);
	unload(&ld);
	load(&ld, "samples/basic_udp.pcap", 0);
	assert_int_equal(alert_call_failed(ld.t, NULL, 1), 0); /* completed */
	unload(&ld);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_starts_full_and_refills_at_rate),
		cmocka_unit_test(test_rate_bounds_runs_over_time),
		cmocka_unit_test(test_queue_is_bounded_and_fifo),
		cmocka_unit_test(test_runner_counts_every_outcome),
		cmocka_unit_test(test_runner_drops_over_the_rate_and_counts_them),
		cmocka_unit_test(test_admit_then_push_counts_as_submit),
		cmocka_unit_test(test_runner_gives_up_at_close_and_counts_the_rest),
		cmocka_unit_test(test_match_one_call_agrees_with_the_list),
		cmocka_unit_test(test_match_media_one_call),
		cmocka_unit_test(test_syslog_line_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
