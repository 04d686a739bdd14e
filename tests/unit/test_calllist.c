/* test_calllist.c - the call list: filter terms, sorting, cells. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sipscope/calllist.h"
#include "sipscope/sip.h"
#include "fixture.h"

static size_t rows_with(struct loaded *ld, const char *filter)
{
	char err[256];
	struct calllist *cl = calllist_new(ld->s, ld->t);
	assert_non_null(cl);
	assert_int_equal(calllist_set_filter(cl, filter, err, sizeof err), 0);
	assert_int_equal(calllist_refresh(cl), 0);
	size_t n = calllist_count(cl);
	calllist_free(cl);
	return n;
}

static void test_filter_terms(void **state)
{
	(void)state;
	struct loaded ld;
	load(&ld, "samples/proxy_rr_udp.pcap", 0);
	assert_int_equal(rows_with(&ld, NULL), 3);
	assert_int_equal(rows_with(&ld, ""), 3);
	assert_int_equal(rows_with(&ld, "alice"), 3);              /* From */
	assert_int_equal(rows_with(&ld, "ALICE"), 3);              /* any case */
	assert_int_equal(rows_with(&ld, "2-12775"), 1);            /* Call-ID */
	assert_int_equal(rows_with(&ld, "callid=3-"), 1);
	assert_int_equal(rows_with(&ld, "method=INVITE"), 3);
	assert_int_equal(rows_with(&ld, "method=REGISTER"), 0);
	assert_int_equal(rows_with(&ld, "state=comp"), 3);         /* prefix */
	assert_int_equal(rows_with(&ld, "state=busy"), 0);
	assert_int_equal(rows_with(&ld, "status=200"), 3);
	assert_int_equal(rows_with(&ld, "to=bob from=alice"), 3);  /* all terms */
	assert_int_equal(rows_with(&ld, "to=bob from=carol"), 0);
	assert_int_equal(rows_with(&ld, "ua=sipscope-samples"), 3);
	/* A regex over the whole messages: only the proxy adds Record-Route. */
	assert_int_equal(rows_with(&ld, "~^Record-Route:.*lr"), 3);
	assert_int_equal(rows_with(&ld, "~^X-Nothing-Like-This:"), 0);
	assert_int_equal(rows_with(&ld, "~^call-id: 2-"), 1);      /* any case, line start */
	assert_int_equal(rows_with(&ld, "~INVITE ~^X-Nothing"), 0); /* each regex its own */
	assert_int_equal(rows_with(&ld, "~^X-Nothing ~INVITE"), 0);
	unload(&ld);
}

static void test_filter_errors_say_what(void **state)
{
	(void)state;
	char err[256];
	struct calllist *cl = calllist_new(NULL, NULL);
	assert_int_equal(calllist_set_filter(cl, "colour=red", err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown filter key 'colour'"));
	assert_int_equal(calllist_set_filter(cl, "~a(b", err, sizeof err), -1);
	assert_non_null(strstr(err, "bad regular expression"));
	calllist_free(cl);
}

static void test_sort_by_columns(void **state)
{
	(void)state;
	struct loaded ld;
	load(&ld, "samples/busy_udp.pcap", 0);
	struct calllist *cl = calllist_new(ld.s, ld.t);
	assert_int_equal(calllist_refresh(cl), 0);
	size_t n = calllist_count(cl);
	assert_true(n >= 2);
	for (size_t i = 1; i < n; i++) /* default: capture order */
		assert_true(calllist_call(cl, i) > calllist_call(cl, i - 1));
	calllist_set_sort(cl, CL_INDEX, 1);
	assert_int_equal(calllist_refresh(cl), 0);
	assert_int_equal(calllist_call(cl, 0), n);
	calllist_set_sort(cl, CL_CALLID, 0);
	assert_int_equal(calllist_refresh(cl), 0);
	char a[128], b[128];
	for (size_t i = 1; i < n; i++) {
		calllist_cell(cl, calllist_call(cl, i - 1), CL_CALLID, a, sizeof a);
		calllist_cell(cl, calllist_call(cl, i), CL_CALLID, b, sizeof b);
		assert_true(strcasecmp(a, b) <= 0);
	}
	assert_int_equal(calllist_row_of(cl, calllist_call(cl, 1)), 1);
	calllist_free(cl);
	unload(&ld);
}

static void test_cells(void **state)
{
	(void)state;
	struct loaded ld;
	load(&ld, "samples/busy_udp.pcap", 0);
	struct calllist *cl = calllist_new(ld.s, ld.t);
	assert_int_equal(calllist_refresh(cl), 0);
	char buf[128];
	calllist_cell(cl, 1, CL_METHOD, buf, sizeof buf);
	assert_string_equal(buf, "INVITE");
	calllist_cell(cl, 1, CL_STATE, buf, sizeof buf);
	assert_string_equal(buf, "busy");
	calllist_cell(cl, 1, CL_STATUS, buf, sizeof buf);
	assert_string_equal(buf, "486");
	calllist_cell(cl, 1, CL_DURATION, buf, sizeof buf);
	assert_string_equal(buf, ""); /* never answered */
	calllist_cell(cl, 1, CL_MSGS, buf, sizeof buf);
	assert_string_equal(buf, "4");
	calllist_cell(cl, 1, CL_SRC, buf, sizeof buf);
	assert_string_equal(buf, "127.0.0.1:25070");
	calllist_cell(cl, 1, CL_UA, buf, sizeof buf);
	assert_string_equal(buf, "sipscope-samples");
	assert_int_equal(calllist_col_parse("CallID"), CL_CALLID);
	assert_int_equal(calllist_col_parse("nope"), -1);
	calllist_free(cl);
	unload(&ld);
}

static struct checker *checked(struct loaded *ld)
{
	struct checker *c = check_new(ld->s, ld->t);
	assert_non_null(c);
	assert_int_equal(check_update(c), 0);
	check_finish(c);
	return c;
}

static size_t rows_with_check(struct loaded *ld, const struct checker *c, const char *filter)
{
	char err[256];
	struct calllist *cl = calllist_new(ld->s, ld->t);
	assert_non_null(cl);
	calllist_set_check(cl, c);
	assert_int_equal(calllist_set_filter(cl, filter, err, sizeof err), 0);
	assert_int_equal(calllist_refresh(cl), 0);
	size_t n = calllist_count(cl);
	calllist_free(cl);
	return n;
}

static void test_problems_cell_counts_findings_by_severity(void **state)
{
	(void)state;
	struct loaded ld;
	load_problem_calls(&ld);
	struct checker *c = checked(&ld);
	struct calllist *cl = calllist_new(ld.s, ld.t);
	calllist_set_check(cl, c);
	assert_int_equal(calllist_refresh(cl), 0);
	char buf[64];
	calllist_cell(cl, 1, CL_PROBLEMS, buf, sizeof buf);
	assert_string_equal(buf, "1E");
	calllist_cell(cl, 2, CL_PROBLEMS, buf, sizeof buf);
	assert_string_equal(buf, "1I");
	calllist_cell(cl, 3, CL_PROBLEMS, buf, sizeof buf);
	assert_string_equal(buf, "2E");
	calllist_cell(cl, 4, CL_PROBLEMS, buf, sizeof buf);
	assert_string_equal(buf, "1W");
	assert_string_equal(calllist_col_name(CL_PROBLEMS), "Problems");
	assert_int_equal(calllist_col_parse("problems"), CL_PROBLEMS);
	calllist_free(cl);
	check_free(c);
	unload(&ld);
}

static void test_problems_text_lists_severities_worst_first(void **state)
{
	(void)state;
	char buf[64];
	size_t none[3] = { 0, 0, 0 }, all[3] = { 3, 1, 2 };
	calllist_problems_text(buf, sizeof buf, none);
	assert_string_equal(buf, "-");
	calllist_problems_text(buf, sizeof buf, all);
	assert_string_equal(buf, "2E 1W 3I");
}

static void test_problems_cell_without_findings_or_checker(void **state)
{
	(void)state;
	struct loaded ld;
	load(&ld, "samples/busy_udp.pcap", 0);
	struct checker *c = checked(&ld);
	struct calllist *cl = calllist_new(ld.s, ld.t);
	assert_int_equal(calllist_refresh(cl), 0);
	char buf[64];
	calllist_cell(cl, 1, CL_PROBLEMS, buf, sizeof buf);
	assert_string_equal(buf, ""); /* no checker: nothing to say */
	calllist_set_check(cl, c);
	calllist_cell(cl, 1, CL_PROBLEMS, buf, sizeof buf);
	assert_string_equal(buf, "-");
	calllist_free(cl);
	check_free(c);
	unload(&ld);
}

static void test_sort_by_problems_puts_errors_last_ascending(void **state)
{
	(void)state;
	struct loaded ld;
	load_problem_calls(&ld);
	struct checker *c = checked(&ld);
	struct calllist *cl = calllist_new(ld.s, ld.t);
	calllist_set_check(cl, c);
	calllist_set_sort(cl, CL_PROBLEMS, 1);
	assert_int_equal(calllist_refresh(cl), 0);
	/* descending: 2E, 1E, 1W, 1I */
	assert_int_equal(calllist_call(cl, 0), 3);
	assert_int_equal(calllist_call(cl, 1), 1);
	assert_int_equal(calllist_call(cl, 2), 4);
	assert_int_equal(calllist_call(cl, 3), 2);
	calllist_set_sort(cl, CL_PROBLEMS, 0);
	assert_int_equal(calllist_refresh(cl), 0);
	assert_int_equal(calllist_call(cl, 0), 2);
	assert_int_equal(calllist_call(cl, 3), 3);
	calllist_free(cl);
	check_free(c);
	unload(&ld);
}

static void test_problem_filter_by_severity_or_rule(void **state)
{
	(void)state;
	struct loaded ld;
	load_problem_calls(&ld);
	struct checker *c = checked(&ld);
	assert_int_equal(rows_with_check(&ld, c, "problem=error"), 2);   /* calls 1, 3 */
	assert_int_equal(rows_with_check(&ld, c, "problem=warning"), 3); /* and worse */
	assert_int_equal(rows_with_check(&ld, c, "problem=info"), 4);    /* any finding */
	assert_int_equal(rows_with_check(&ld, c, "problem=ERROR"), 2);
	assert_int_equal(rows_with_check(&ld, c, "problem=invite-without-contact"), 1);
	assert_int_equal(rows_with_check(&ld, c, "problem=second-final-response"), 1);
	assert_int_equal(rows_with_check(&ld, c, "problem=ack-missing"), 0);
	assert_int_equal(rows_with_check(&ld, c, "problem=error method=OPTIONS"), 1);
	assert_int_equal(rows_with_check(&ld, NULL, "problem=error"), 0); /* no checker */
	check_free(c);
	unload(&ld);
}

static void test_problem_filter_unknown_value_says_what(void **state)
{
	(void)state;
	char err[256];
	struct calllist *cl = calllist_new(NULL, NULL);
	assert_int_equal(calllist_set_filter(cl, "problem=nonsense", err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown problem 'nonsense'"));
	assert_non_null(strstr(err, "check --rules"));
	calllist_free(cl);
}

/* rtp_g711 (calls 1 and 2, two-way) and rtp_oneway (call 3) merged. */
static struct media *load_mixed_media(struct loaded *ld)
{
	const char *paths[] = { "samples/rtp_g711.pcap", "samples/rtp_oneway.pcap" };
	return load_media_files(ld, paths, 2);
}

static size_t media_rows(struct loaded *ld, const struct media *m, const char *filter)
{
	char err[256];
	struct calllist *cl = calllist_new(ld->s, ld->t);
	calllist_set_media(cl, m);
	assert_int_equal(calllist_set_filter(cl, filter, err, sizeof err), 0);
	assert_int_equal(calllist_refresh(cl), 0);
	size_t n = calllist_count(cl);
	calllist_free(cl);
	return n;
}

static void test_media_cell_counts_streams_and_marks_problems(void **state)
{
	(void)state;
	struct loaded ld;
	struct media *m = load_mixed_media(&ld);
	struct calllist *cl = calllist_new(ld.s, ld.t);
	calllist_set_media(cl, m);
	assert_int_equal(calllist_refresh(cl), 0);
	assert_int_equal(calllist_count(cl), 3);
	char buf[32];
	calllist_cell(cl, 1, CL_MEDIA, buf, sizeof buf);
	assert_string_equal(buf, "3 RTP"); /* two-way G.711 and the DTMF events */
	calllist_cell(cl, 3, CL_MEDIA, buf, sizeof buf);
	assert_string_equal(buf, "2 RTP!"); /* one-way */
	assert_string_equal(calllist_col_name(CL_MEDIA), "Media");
	assert_int_equal(calllist_col_parse("media"), CL_MEDIA);
	calllist_free(cl);
	unload(&ld);
}

static void test_media_cell_dash_without_streams_empty_without_media(void **state)
{
	(void)state;
	struct loaded ld;
	struct media *m = load_media(&ld, "samples/proxy_rr_udp.pcap");
	struct calllist *cl = calllist_new(ld.s, ld.t);
	char buf[32];
	assert_int_equal(calllist_refresh(cl), 0);
	calllist_cell(cl, calllist_call(cl, 0), CL_MEDIA, buf, sizeof buf);
	assert_string_equal(buf, ""); /* not followed */
	calllist_set_media(cl, m);
	assert_int_equal(calllist_refresh(cl), 0);
	calllist_cell(cl, calllist_call(cl, 0), CL_MEDIA, buf, sizeof buf);
	assert_string_equal(buf, "-");
	calllist_free(cl);
	unload(&ld);
}

static void test_media_filter_by_problem_none_and_any(void **state)
{
	(void)state;
	struct loaded ld;
	struct media *m = load_mixed_media(&ld);
	assert_int_equal(media_rows(&ld, m, "media=one-way"), 1);
	assert_int_equal(media_rows(&ld, m, "media=loss"), 0);
	assert_int_equal(media_rows(&ld, m, "media=any"), 3);
	assert_int_equal(media_rows(&ld, m, "media=none"), 0);
	assert_int_equal(media_rows(&ld, NULL, "media=any"), 0); /* media not followed */
	unload(&ld);
	m = load_media(&ld, "samples/proxy_rr_udp.pcap");
	assert_int_equal(media_rows(&ld, m, "media=none"), 3);
	unload(&ld);
}

static void test_media_filter_unknown_value_says_what(void **state)
{
	(void)state;
	char err[256];
	struct calllist *cl = calllist_new(NULL, NULL);
	assert_int_equal(calllist_set_filter(cl, "media=loud", err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown media problem 'loud'"));
	assert_non_null(strstr(err, "one-way"));
	calllist_free(cl);
}

static void test_sort_by_media_puts_problem_calls_last_ascending(void **state)
{
	(void)state;
	struct loaded ld;
	struct media *m = load_mixed_media(&ld);
	struct calllist *cl = calllist_new(ld.s, ld.t);
	calllist_set_media(cl, m);
	calllist_set_sort(cl, CL_MEDIA, 0);
	assert_int_equal(calllist_refresh(cl), 0);
	assert_int_equal(calllist_call(cl, 2), 3);
	calllist_set_sort(cl, CL_MEDIA, 1);
	assert_int_equal(calllist_refresh(cl), 0);
	assert_int_equal(calllist_call(cl, 0), 3);
	calllist_free(cl);
	unload(&ld);
}

/* A store and tracker fed by hand: messages at chosen times. */
struct fed {
	struct store *s;
	struct tracker *t;
};

static void fed_msg(struct fed *f, int64_t ts_us, const char *text)
{
	static struct sip_header hdrs[32];
	struct sip_msg m;
	assert_true(sip_parse(text, strlen(text), SIP_PARSE_DATAGRAM, &m, hdrs, 32) > 0);
	struct store_endpoint e;
	memset(&e, 0, sizeof e);
	e.family = 4;
	e.addr[0] = 10;
	e.port = 5060;
	struct store_msg r;
	memset(&r, 0, sizeof r);
	r.ts_us = ts_us;
	r.frame = store_msg_count(f->s) + 1;
	r.flags = m.is_request ? STORE_MSG_REQUEST : 0;
	r.method = (uint8_t)sip_method_from_sv(m.is_request ? m.method : m.cseq_method);
	r.status = (uint16_t)m.status;
	r.src = r.dst = store_endpoint_id(f->s, &e);
	r.call_id = store_intern(f->s, m.call_id);
	long idx = store_append_msg(f->s, &r);
	assert_true(idx >= 0);
	struct track_input ti;
	track_input_from_sip(&ti, &m, NULL);
	ti.from_uri = store_intern(f->s, sip_addr_uri(sip_header_get(&m, SIP_H_FROM))); /* as ingest */
	ti.to_uri = store_intern(f->s, sip_addr_uri(sip_header_get(&m, SIP_H_TO)));
	assert_int_equal(track_msg(f->t, (size_t)idx, &ti), 0);
}

#define FED_HDRS(cid, ttag, cseq) \
	"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-" cseq "\r\n" \
	"From: <sip:a@x>;tag=f\r\nTo: <sip:b@y>" ttag "\r\nCall-ID: " cid "\r\n" \
	"CSeq: " cseq "\r\nContent-Length: 0\r\n\r\n"

static void fed_open(struct fed *f)
{
	f->s = store_new();
	f->t = f->s ? track_new(f->s) : NULL;
	assert_non_null(f->t);
}

static void fed_close(struct fed *f)
{
	track_free(f->t);
	store_free(f->s);
}

/* Calls first..first+n-1 of one OPTIONS each. */
static void fed_options(struct fed *f, unsigned first, unsigned n)
{
	char buf[512];
	for (unsigned i = first; i < first + n; i++) {
		snprintf(buf, sizeof buf, "OPTIONS sip:b@y SIP/2.0\r\n"
		         "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-%u\r\n"
		         "From: <sip:a@x>;tag=f\r\nTo: <sip:b@y>\r\nCall-ID: opt-%u\r\n"
		         "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", i, i);
		fed_msg(f, 1700000000000000LL + i, buf);
	}
}

/* The # column is as wide as the highest call number: 100000 needs six
 * columns (it was cut to "10000"), 99999 five; never narrower than its
 * title with the sort arrow. */
static void test_index_column_fits_the_highest_call_number(void **state)
{
	(void)state;
	struct fed f;
	fed_open(&f);
	fed_options(&f, 0, 99999);
	struct calllist *cl = calllist_new(f.s, f.t);
	assert_int_equal(calllist_refresh(cl), 0);
	assert_int_equal(calllist_col_fit(cl, CL_INDEX, 0, 10, 0), 5);
	fed_options(&f, 99999, 1);
	assert_int_equal(calllist_refresh(cl), 0);
	/* The first rows (numbers 1..10) ask for it too: the column is steady. */
	assert_int_equal(calllist_col_fit(cl, CL_INDEX, 0, 10, 0), 6);
	char buf[32];
	calllist_cell(cl, calllist_call(cl, 99999), CL_INDEX, buf, sizeof buf);
	assert_string_equal(buf, "100000");
	calllist_free(cl);
	fed_close(&f);

	fed_open(&f);
	fed_options(&f, 0, 3);
	cl = calllist_new(f.s, f.t);
	assert_int_equal(calllist_refresh(cl), 0);
	assert_int_equal(calllist_col_fit(cl, CL_INDEX, 0, 3, 0), 2); /* "#" and the arrow */
	calllist_free(cl);
	fed_close(&f);
}

/* Other columns: the widest cell of the rows asked about, the title and
 * its sort arrow at least (Code and Problems had no room for the arrow),
 * at most the limit. */
static void test_columns_fit_content_and_title_with_arrow(void **state)
{
	(void)state;
	struct loaded ld;
	load(&ld, "samples/proxy_rr_udp.pcap", 0);
	struct calllist *cl = calllist_new(ld.s, ld.t);
	assert_int_equal(calllist_refresh(cl), 0);
	assert_int_equal(calllist_col_fit(cl, CL_STATUS, 0, 3, 0), (int)strlen("Code") + 1);
	assert_int_equal(calllist_col_fit(cl, CL_PROBLEMS, 0, 3, 0), (int)strlen("Problems") + 1);
	assert_int_equal(calllist_col_fit(cl, CL_STATE, 0, 3, 0), (int)strlen("completed"));
	assert_int_equal(calllist_col_fit(cl, CL_FROM, 0, 3, 0), (int)strlen("alice@127.0.0.1:25130"));
	assert_int_equal(calllist_col_fit(cl, CL_FROM, 0, 3, 10), 10);
	assert_int_equal(calllist_col_fit(cl, CL_FROM, 5, 3, 0), (int)strlen("From") + 1); /* no rows */
	assert_string_equal(calllist_col_name(CL_SETUP), "Setup ms");
	assert_string_equal(calllist_col_name(CL_DURATION), "Dur s");
	char buf[128];
	calllist_cell(cl, 1, CL_FROM, buf, sizeof buf); /* user@host:port, no scheme */
	assert_string_equal(buf, "alice@127.0.0.1:25130");
	calllist_free(cl);
	unload(&ld);
}

/* An answered call without BYE counts its duration to the clock: the
 * capture's last message by default, the clock set (live) otherwise. */
static void test_duration_of_a_call_in_progress_ticks(void **state)
{
	(void)state;
	struct fed f;
	fed_open(&f);
	int64_t t0 = 1700000000000000LL;
	fed_msg(&f, t0, "INVITE sip:b@y SIP/2.0\r\n" FED_HDRS("live-1", "", "1 INVITE"));
	fed_msg(&f, t0 + 1000000, "SIP/2.0 200 OK\r\n" FED_HDRS("live-1", ";tag=t", "1 INVITE"));
	fed_msg(&f, t0 + 1100000, "ACK sip:b@y SIP/2.0\r\n" FED_HDRS("live-1", ";tag=t", "1 ACK"));
	fed_msg(&f, t0 + 6000000, "OPTIONS sip:b@y SIP/2.0\r\n" FED_HDRS("other", "", "1 OPTIONS"));
	struct calllist *cl = calllist_new(f.s, f.t);
	assert_int_equal(calllist_refresh(cl), 0);
	char buf[32];
	calllist_cell(cl, 1, CL_STATE, buf, sizeof buf);
	assert_string_equal(buf, "in_call");
	calllist_cell(cl, 1, CL_DURATION, buf, sizeof buf);
	assert_string_equal(buf, "5.0"); /* 200 OK to the capture's last message */
	calllist_set_clock(cl, t0 + 61000000);
	assert_int_equal(calllist_refresh(cl), 0);
	calllist_cell(cl, 1, CL_DURATION, buf, sizeof buf);
	assert_string_equal(buf, "60.0");
	fed_msg(&f, t0 + 62000000, "BYE sip:b@y SIP/2.0\r\n" FED_HDRS("live-1", ";tag=t", "2 BYE"));
	assert_int_equal(calllist_refresh(cl), 0);
	calllist_cell(cl, 1, CL_DURATION, buf, sizeof buf);
	assert_string_equal(buf, "61.0"); /* ended: answer to BYE, whatever the clock */
	calllist_free(cl);
	fed_close(&f);
}

/* Calls on two days: Start has the date; on one day, the time alone. */
static void test_start_has_the_date_when_calls_span_days(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	struct fed f;
	fed_open(&f);
	int64_t t0 = 1700000000000000LL; /* 2023-11-14 22:13:20 UTC */
	fed_msg(&f, t0, "OPTIONS sip:b@y SIP/2.0\r\n" FED_HDRS("day-1", "", "1 OPTIONS"));
	struct calllist *cl = calllist_new(f.s, f.t);
	assert_int_equal(calllist_refresh(cl), 0);
	char buf[64];
	calllist_cell(cl, 1, CL_START, buf, sizeof buf);
	assert_string_equal(buf, "22:13:20.000");
	fed_msg(&f, t0 + 7200000000LL, "OPTIONS sip:b@y SIP/2.0\r\n" FED_HDRS("day-2", "", "1 OPTIONS"));
	assert_int_equal(calllist_refresh(cl), 0);
	calllist_cell(cl, 1, CL_START, buf, sizeof buf);
	assert_string_equal(buf, "11-14 22:13:20.000");
	calllist_cell(cl, 2, CL_START, buf, sizeof buf);
	assert_string_equal(buf, "11-15 00:13:20.000");
	calllist_free(cl);
	fed_close(&f);
}

/* From and To as user@host:port: a user part that holds ';' keeps its
 * host (cutting at the first ';' showed "+15551234" alone); tel: shows
 * the number, a URI that does not parse loses only scheme and params. */
static void test_from_to_keep_the_host_of_a_user_with_params(void **state)
{
	(void)state;
	struct fed f;
	fed_open(&f);
	fed_msg(&f, 1700000000000000LL, "OPTIONS sip:b@y SIP/2.0\r\n"
	        "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\r\n"
	        "From: <sip:+15551234;npdi@example.com:5060;user=phone>;tag=f\r\n"
	        "To: <tel:+15559876;phone-context=example.com>\r\nCall-ID: up-1\r\n"
	        "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
	struct calllist *cl = calllist_new(f.s, f.t);
	assert_int_equal(calllist_refresh(cl), 0);
	char buf[128];
	calllist_cell(cl, 1, CL_FROM, buf, sizeof buf);
	assert_string_equal(buf, "+15551234;npdi@example.com:5060");
	calllist_cell(cl, 1, CL_TO, buf, sizeof buf);
	assert_string_equal(buf, "+15559876");
	calllist_free(cl);
	fed_close(&f);
}

/* A regex filter worked ahead a call at a time finds what one refresh
 * finds; a filter without regex has nothing to work ahead. */
static void test_filter_prepare_in_slices(void **state)
{
	(void)state;
	struct loaded ld;
	load(&ld, "samples/proxy_rr_udp.pcap", 0);
	char err[256];
	struct calllist *cl = calllist_new(ld.s, ld.t);
	assert_int_equal(calllist_set_filter(cl, "~^call-id: 2-", err, sizeof err), 0);
	size_t n = track_call_count(ld.t);
	assert_true(n >= 3);
	assert_int_equal(calllist_filter_prepare(cl, 1), n - 1);
	assert_int_equal(calllist_filter_prepare(cl, 1), n - 2);
	while (calllist_filter_prepare(cl, 1))
		;
	assert_int_equal(calllist_refresh(cl), 0);
	assert_int_equal(calllist_count(cl), 1);
	assert_int_equal(calllist_call(cl, 0), 2);
	assert_int_equal(calllist_set_filter(cl, "~INVITE", err, sizeof err), 0); /* starts over */
	assert_int_equal(calllist_filter_prepare(cl, 1), n - 1);
	assert_int_equal(calllist_set_filter(cl, "method=INVITE", err, sizeof err), 0);
	assert_int_equal(calllist_filter_prepare(cl, 1), 0);
	calllist_free(cl);
	unload(&ld);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_terms),
		cmocka_unit_test(test_filter_errors_say_what),
		cmocka_unit_test(test_sort_by_columns),
		cmocka_unit_test(test_cells),
		cmocka_unit_test(test_problems_cell_counts_findings_by_severity),
		cmocka_unit_test(test_problems_text_lists_severities_worst_first),
		cmocka_unit_test(test_problems_cell_without_findings_or_checker),
		cmocka_unit_test(test_sort_by_problems_puts_errors_last_ascending),
		cmocka_unit_test(test_problem_filter_by_severity_or_rule),
		cmocka_unit_test(test_problem_filter_unknown_value_says_what),
		cmocka_unit_test(test_media_cell_counts_streams_and_marks_problems),
		cmocka_unit_test(test_media_cell_dash_without_streams_empty_without_media),
		cmocka_unit_test(test_media_filter_by_problem_none_and_any),
		cmocka_unit_test(test_media_filter_unknown_value_says_what),
		cmocka_unit_test(test_sort_by_media_puts_problem_calls_last_ascending),
		cmocka_unit_test(test_index_column_fits_the_highest_call_number),
		cmocka_unit_test(test_columns_fit_content_and_title_with_arrow),
		cmocka_unit_test(test_duration_of_a_call_in_progress_ticks),
		cmocka_unit_test(test_start_has_the_date_when_calls_span_days),
		cmocka_unit_test(test_from_to_keep_the_host_of_a_user_with_params),
		cmocka_unit_test(test_filter_prepare_in_slices),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
