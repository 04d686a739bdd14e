/* test_check.c - the conformance checker: every rule has a crafted flow
 * that triggers it and a near miss that must not; clean flows (direct and
 * through a record-routing proxy) give no finding; checking in slices
 * gives what checking once gives. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/check.h"
#include "sipscope/ingest.h"
#include "sipscope/store.h"
#include "sipscope/track.h"

/* Hosts: 1 the caller (UAC), 2 a proxy, 3 the callee (UAS); 10.0.0.N:5060. */
enum { A = 1, P = 2, B = 3 };

struct fx {
	struct store *s;
	struct tracker *t;
	struct ingest *in;
	uint64_t frame;
	const char *callid;
	uint8_t tp;
};

static struct fx *fx_new(void)
{
	struct fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->s = store_new();
	f->t = track_new(f->s);
	f->in = ingest_new(f->s, f->t);
	assert_non_null(f->in);
	f->callid = "call-1@test";
	f->tp = STORE_TP_UDP;
	return f;
}

static void fx_free(struct fx *f)
{
	ingest_free(f->in);
	track_free(f->t);
	store_free(f->s);
	free(f);
}

static struct store_endpoint ep(int host)
{
	struct store_endpoint e;
	memset(&e, 0, sizeof e);
	e.family = 4;
	e.addr[0] = 10;
	e.addr[3] = (uint8_t)host;
	e.port = 5060;
	return e;
}

/* One message from host a to host b at `ms` ms: fmt's lines end in \n
 * (sent as CRLF); "@LEN@" becomes the length of what follows the blank
 * line. */
__attribute__((format(printf, 5, 6)))
static void put(struct fx *f, long ms, int a, int b, const char *fmt, ...)
{
	char raw[4096], msg[4600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	size_t n = 0;
	for (const char *p = raw; *p && n < sizeof msg - 2; p++) {
		if (*p == '\n')
			msg[n++] = '\r';
		msg[n++] = *p;
	}
	msg[n] = '\0';
	char *body = strstr(msg, "\r\n\r\n");
	char *len = strstr(msg, "@LEN@");
	if (len && body && len < body) {
		char num[16];
		int k = snprintf(num, sizeof num, "%-5zu", strlen(body + 4)); /* same width */
		memcpy(len, num, (size_t)k);
	}
	struct store_endpoint sa = ep(a), sb = ep(b);
	assert_int_equal(ingest_raw_message(f->in, ++f->frame, 1700000000000000LL + ms * 1000, &sa, &sb,
	                                    f->tp, 0, msg, n), 1);
}

/* A request with the usual headers: Via (sent-by: the sender), Max-Forwards,
 * From, To, Call-ID, CSeq, then `extra` lines and the body. */
static void req(struct fx *f, long ms, int a, int b, const char *method, int cseq, const char *branch,
                const char *to_tag, const char *extra, const char *body)
{
	put(f, ms, a, b,
	    "%s sip:bob@10.0.0.3 SIP/2.0\n"
	    "Via: SIP/2.0/UDP 10.0.0.%d:5060;branch=%s\n"
	    "Max-Forwards: %d\n"
	    "From: <sip:alice@a.example>;tag=fa\n"
	    "To: <sip:bob@b.example>%s%s\n"
	    "Call-ID: %s\n"
	    "CSeq: %d %s\n"
	    "%s"
	    "%s"
	    "Content-Length: @LEN@\n\n%s",
	    method, a, branch, a == P ? 69 : 70, to_tag ? ";tag=" : "", to_tag ? to_tag : "", f->callid, cseq, method,
	    extra ? extra : "", body ? "Content-Type: application/sdp\n" : "", body ? body : "");
}

/* A response to a request from `to` with that branch (Via sent-by: `to`). */
static void rsp(struct fx *f, long ms, int a, int to, int status, int cseq, const char *method,
                const char *branch, const char *to_tag, const char *extra, const char *body)
{
	put(f, ms, a, to,
	    "SIP/2.0 %d Whatever\n"
	    "Via: SIP/2.0/UDP 10.0.0.%d:5060;branch=%s\n"
	    "From: <sip:alice@a.example>;tag=fa\n"
	    "To: <sip:bob@b.example>%s%s\n"
	    "Call-ID: %s\n"
	    "CSeq: %d %s\n"
	    "%s"
	    "%s"
	    "Content-Length: @LEN@\n\n%s",
	    status, to, branch, to_tag ? ";tag=" : "", to_tag ? to_tag : "", f->callid, cseq, method,
	    extra ? extra : "", body ? "Content-Type: application/sdp\n" : "", body ? body : "");
}

#define CONTACT_A "Contact: <sip:alice@10.0.0.1:5060>\n"
#define CONTACT_B "Contact: <sip:bob@10.0.0.3:5060>\n"

static const char sdp_pcmu[] =
	"v=0\no=a 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\n"
	"m=audio 4000 RTP/AVP 0 101\na=rtpmap:101 telephone-event/8000\n";
static const char sdp_pcmu_answer[] =
	"v=0\no=b 1 1 IN IP4 10.0.0.3\ns=-\nc=IN IP4 10.0.0.3\nt=0 0\n"
	"m=audio 5000 RTP/AVP 0 96\na=rtpmap:96 telephone-event/8000\n";

/* A whole call A -> B: INVITE (SDP), 100, 180, 200 (SDP), ACK, BYE, 200. */
static void basic_call(struct fx *f)
{
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, sdp_pcmu);
	rsp(f, 5, B, A, 100, 1, "INVITE", "z9hG4bK-i1", NULL, NULL, NULL);
	rsp(f, 10, B, A, 180, 1, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, NULL);
	rsp(f, 200, B, A, 200, 1, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, sdp_pcmu_answer);
	req(f, 210, A, B, "ACK", 1, "z9hG4bK-a1", "tb", NULL, NULL);
	req(f, 5000, A, B, "BYE", 2, "z9hG4bK-b1", "tb", NULL, NULL);
	rsp(f, 5010, B, A, 200, 2, "BYE", "z9hG4bK-b1", "tb", NULL, NULL);
}

/* The checker run over everything fed (once). */
static struct checker *run(struct fx *f)
{
	ingest_finish(f->in);
	track_finish(f->t);
	struct checker *c = check_new(f->s, f->t);
	assert_non_null(c);
	assert_int_equal(check_update(c), 0);
	check_finish(c);
	return c;
}

/* Findings of rule r (and the frame and severity of the first). */
static size_t hits(struct fx *f, enum check_rule r, uint64_t *frame, int *sev)
{
	struct checker *c = run(f);
	size_t n = 0;
	for (size_t i = 0; i < check_count(c); i++) {
		const struct check_finding *x = check_at(c, i);
		if (x->rule != r)
			continue;
		if (!n++) {
			if (frame)
				*frame = store_msg_at(f->s, x->msg)->frame;
			if (sev)
				*sev = x->severity;
		}
	}
	check_free(c);
	return n;
}

/* Every finding, printed, for a failing test's output. */
static size_t total(struct fx *f)
{
	struct checker *c = run(f);
	size_t n = check_count(c);
	for (size_t i = 0; i < n; i++) {
		const struct check_finding *x = check_at(c, i);
		printf("  frame %llu %s: %s\n", (unsigned long long)store_msg_at(f->s, x->msg)->frame,
		       check_rule_info(x->rule)->id, check_text(c, x));
	}
	check_free(c);
	return n;
}

/* The rule fires once, on frame `frame`, with severity sev; fx freed. */
static void expect_hit(struct fx *f, enum check_rule r, uint64_t frame, int sev)
{
	uint64_t fr = 0;
	int s = -1;
	size_t n = hits(f, r, &fr, &s);
	if (n != 1 || fr != frame || s != sev)
		printf("  %s: %zu hits, first at frame %llu severity %d\n", check_rule_info(r)->id, n,
		       (unsigned long long)fr, s);
	assert_int_equal(n, 1);
	assert_int_equal(fr, frame);
	assert_int_equal(s, sev);
	fx_free(f);
}

static void expect_none(struct fx *f, enum check_rule r)
{
	size_t n = hits(f, r, NULL, NULL);
	if (n)
		total(f);
	assert_int_equal(n, 0);
	fx_free(f);
}

/* ---- clean flows ---- */

static void test_clean_call_has_no_finding(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	basic_call(f);
	assert_int_equal(total(f), 0);
	fx_free(f);
}

/* A -> P -> B with Record-Route, ACK and BYE following the route set,
 * Max-Forwards decremented, the proxy's own 100: nothing to report. */
static void proxied_call(struct fx *f, int bye_route, int mf2, int rr_in_200)
{
	const char *rr = "Record-Route: <sip:10.0.0.2;lr>\n";
	char via2[256];
	req(f, 0, A, P, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, sdp_pcmu);
	rsp(f, 1, P, A, 100, 1, "INVITE", "z9hG4bK-i1", NULL, NULL, NULL);
	snprintf(via2, sizeof via2, "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK-p1\n"
	                            "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-i1\n");
	put(f, 2, P, B,
	    "INVITE sip:bob@10.0.0.3 SIP/2.0\n%s"
	    "Max-Forwards: %d\nFrom: <sip:alice@a.example>;tag=fa\nTo: <sip:bob@b.example>\n"
	    "Call-ID: %s\nCSeq: 1 INVITE\n%s" CONTACT_A "Content-Length: 0\n\n", via2, mf2, f->callid, rr);
	put(f, 100, B, P,
	    "SIP/2.0 200 OK\n%sFrom: <sip:alice@a.example>;tag=fa\nTo: <sip:bob@b.example>;tag=tb\n"
	    "Call-ID: %s\nCSeq: 1 INVITE\n%s" CONTACT_B "Content-Length: 0\n\n", via2, f->callid,
	    rr_in_200 ? rr : "");
	rsp(f, 101, P, A, 200, 1, "INVITE", "z9hG4bK-i1", "tb", rr_in_200 ? CONTACT_B
	    "Record-Route: <sip:10.0.0.2;lr>\n" : CONTACT_B, NULL);
	req(f, 110, A, P, "ACK", 1, "z9hG4bK-a1", "tb", "Route: <sip:10.0.0.2;lr>\n", NULL);
	req(f, 111, P, B, "ACK", 1, "z9hG4bK-a2", "tb", NULL, NULL);
	if (bye_route) {
		req(f, 3000, A, P, "BYE", 2, "z9hG4bK-b1", "tb", "Route: <sip:10.0.0.2;lr>\n", NULL);
	} else {
		req(f, 3000, A, B, "BYE", 2, "z9hG4bK-b1", "tb", NULL, NULL);
		rsp(f, 3001, B, A, 200, 2, "BYE", "z9hG4bK-b1", "tb", NULL, NULL);
	}
}

static void test_clean_proxied_call_has_no_finding(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	proxied_call(f, 1, 69, 1);
	assert_int_equal(total(f), 0);
	fx_free(f);
}

/* ---- message rules ---- */

static void test_parse_error(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	put(f, 0, A, B, "OPTIONS  sip:bob@10.0.0.3 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\n"
	                "Max-Forwards: 70\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: x\nCSeq: 1 OPTIONS\n"
	                "Content-Length: 0\n\n");
	expect_hit(f, CHECK_PARSE_ERROR, 1, CHECK_ERROR);
	f = fx_new();
	req(f, 0, A, B, "OPTIONS", 1, "z9hG4bK-1", NULL, NULL, NULL);
	expect_none(f, CHECK_PARSE_ERROR);
}

/* A request that breaks the grammar is reported once; its response and
 * ACK are not blamed for it. */
static void test_unchecked_request_does_not_orphan_its_answers(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	put(f, 0, A, B, "INVITE sip:bob@10.0.0.3 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-i1\n"
	                "Max-Forwards: 70\nFrom: <sip:alice@a.example>;tag=fa\nTo: <sip:bob@b.example>\n"
	                "Call-ID: call-1@test\nCSeq: 1 INVITE\n" CONTACT_A "Content-Length: 0\nContent-Length: 9\n\n");
	rsp(f, 10, B, A, 486, 1, "INVITE", "z9hG4bK-i1", "tb", NULL, NULL);
	req(f, 40000, A, B, "ACK", 1, "z9hG4bK-i1", "tb", NULL, NULL);
	struct checker *c = run(f);
	assert_int_equal(check_count(c), 1);
	assert_int_equal(check_at(c, 0)->rule, CHECK_PARSE_ERROR);
	check_free(c);
	fx_free(f);
}

static void test_missing_header(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	put(f, 0, A, B, "OPTIONS sip:bob@10.0.0.3 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\n"
	                "From: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: x\nCSeq: 1 OPTIONS\n"
	                "Content-Length: 0\n\n");
	expect_hit(f, CHECK_MISSING_HEADER, 1, CHECK_ERROR);
	/* Responses carry no Max-Forwards. */
	f = fx_new();
	req(f, 0, A, B, "OPTIONS", 1, "z9hG4bK-1", NULL, NULL, NULL);
	rsp(f, 1, B, A, 200, 1, "OPTIONS", "z9hG4bK-1", "tb", NULL, NULL);
	expect_none(f, CHECK_MISSING_HEADER);
	/* A request without Call-ID is one too. */
	f = fx_new();
	put(f, 0, A, B, "OPTIONS sip:bob@10.0.0.3 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\n"
	                "Max-Forwards: 70\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCSeq: 1 OPTIONS\n"
	                "Content-Length: 0\n\n");
	expect_hit(f, CHECK_MISSING_HEADER, 1, CHECK_ERROR);
}

static void test_missing_from_tag(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	put(f, 0, A, B, "OPTIONS sip:bob@10.0.0.3 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\n"
	                "Max-Forwards: 70\nFrom: <sip:a@x>\nTo: <sip:b@x>\nCall-ID: x\nCSeq: 1 OPTIONS\n"
	                "Content-Length: 0\n\n");
	expect_hit(f, CHECK_MISSING_FROM_TAG, 1, CHECK_ERROR);
	f = fx_new();
	put(f, 0, A, B, "OPTIONS sip:bob@10.0.0.3 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\n"
	                "Max-Forwards: 70\nFrom: <sip:a@x>;tag=7\nTo: <sip:b@x>\nCall-ID: x\nCSeq: 1 OPTIONS\n"
	                "Content-Length: 0\n\n");
	expect_none(f, CHECK_MISSING_FROM_TAG);
}

static void test_cseq_method_mismatch(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	put(f, 0, A, B, "OPTIONS sip:bob@10.0.0.3 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\n"
	                "Max-Forwards: 70\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: x\nCSeq: 1 INFO\n"
	                "Content-Length: 0\n\n");
	expect_hit(f, CHECK_CSEQ_METHOD_MISMATCH, 1, CHECK_ERROR);
	f = fx_new();
	req(f, 0, A, B, "INFO", 1, "z9hG4bK-1", NULL, NULL, NULL);
	expect_none(f, CHECK_CSEQ_METHOD_MISMATCH);
}

static void test_content_length_mismatch(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	put(f, 0, A, B, "MESSAGE sip:bob@10.0.0.3 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\n"
	                "Max-Forwards: 70\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: x\nCSeq: 1 MESSAGE\n"
	                "Content-Type: text/plain\nContent-Length: 300\n\nhello");
	expect_hit(f, CHECK_CONTENT_LENGTH_MISMATCH, 1, CHECK_ERROR);
	/* Bytes past Content-Length in a datagram: a warning. */
	f = fx_new();
	put(f, 0, A, B, "MESSAGE sip:bob@10.0.0.3 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\n"
	                "Max-Forwards: 70\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: x\nCSeq: 1 MESSAGE\n"
	                "Content-Type: text/plain\nContent-Length: 2\n\nhello");
	expect_hit(f, CHECK_CONTENT_LENGTH_MISMATCH, 1, CHECK_WARNING);
	/* Near miss: only CRLF padding after the body. */
	f = fx_new();
	put(f, 0, A, B, "MESSAGE sip:bob@10.0.0.3 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\n"
	                "Max-Forwards: 70\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: x\nCSeq: 1 MESSAGE\n"
	                "Content-Type: text/plain\nContent-Length: 5\n\nhello\n\n");
	expect_none(f, CHECK_CONTENT_LENGTH_MISMATCH);
}

static void test_content_length_missing(void **state)
{
	(void)state;
	static const char m[] = "OPTIONS sip:bob@10.0.0.3 SIP/2.0\nVia: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK-1\n"
	                        "Max-Forwards: 70\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: x\n"
	                        "CSeq: 1 OPTIONS\n\n";
	struct fx *f = fx_new();
	f->tp = STORE_TP_TCP;
	put(f, 0, A, B, "%s", m);
	expect_hit(f, CHECK_CONTENT_LENGTH_MISSING, 1, CHECK_ERROR);
	/* Over UDP Content-Length is optional (RFC 3261 18.3). */
	f = fx_new();
	put(f, 0, A, B, "%s", m);
	expect_none(f, CHECK_CONTENT_LENGTH_MISSING);
}

static void test_body_without_content_type(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	put(f, 0, A, B, "MESSAGE sip:bob@10.0.0.3 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\n"
	                "Max-Forwards: 70\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: x\nCSeq: 1 MESSAGE\n"
	                "Content-Length: 5\n\nhello");
	expect_hit(f, CHECK_BODY_WITHOUT_CONTENT_TYPE, 1, CHECK_ERROR);
	f = fx_new();
	put(f, 0, A, B, "MESSAGE sip:bob@10.0.0.3 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\n"
	                "Max-Forwards: 70\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: x\nCSeq: 1 MESSAGE\n"
	                "Content-Type: text/plain\nContent-Length: 5\n\nhello");
	expect_none(f, CHECK_BODY_WITHOUT_CONTENT_TYPE);
}

static void test_invite_without_contact(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, NULL, NULL);
	rsp(f, 50, B, A, 486, 1, "INVITE", "z9hG4bK-i1", "tb", NULL, NULL);
	req(f, 60, A, B, "ACK", 1, "z9hG4bK-i1", "tb", NULL, NULL);
	expect_hit(f, CHECK_INVITE_WITHOUT_CONTACT, 1, CHECK_ERROR);
	/* OPTIONS may go without. */
	f = fx_new();
	req(f, 0, A, B, "OPTIONS", 1, "z9hG4bK-o1", NULL, NULL, NULL);
	expect_none(f, CHECK_INVITE_WITHOUT_CONTACT);
}

static void test_2xx_without_contact(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	rsp(f, 50, B, A, 200, 1, "INVITE", "z9hG4bK-i1", "tb", NULL, NULL);
	req(f, 60, A, B, "ACK", 1, "z9hG4bK-a1", "tb", NULL, NULL);
	expect_hit(f, CHECK_2XX_WITHOUT_CONTACT, 2, CHECK_ERROR);
	/* A 200 to BYE needs none. */
	f = fx_new();
	basic_call(f);
	expect_none(f, CHECK_2XX_WITHOUT_CONTACT);
}

static void test_response_without_to_tag(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	rsp(f, 5, B, A, 180, 1, "INVITE", "z9hG4bK-i1", NULL, NULL, NULL);
	expect_hit(f, CHECK_RESPONSE_WITHOUT_TO_TAG, 2, CHECK_ERROR);
	/* 100 Trying may lack it (RFC 3261 8.2.6.2). */
	f = fx_new();
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	rsp(f, 5, B, A, 100, 1, "INVITE", "z9hG4bK-i1", NULL, NULL, NULL);
	expect_none(f, CHECK_RESPONSE_WITHOUT_TO_TAG);
}

static void test_branch_without_cookie(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	req(f, 0, A, B, "OPTIONS", 1, "old2543branch", NULL, NULL, NULL);
	req(f, 10, A, B, "OPTIONS", 2, "old2543branch2", NULL, NULL, NULL); /* once per sender */
	expect_hit(f, CHECK_BRANCH_WITHOUT_COOKIE, 1, CHECK_INFO);
	f = fx_new();
	req(f, 0, A, B, "OPTIONS", 1, "z9hG4bKnew", NULL, NULL, NULL);
	expect_none(f, CHECK_BRANCH_WITHOUT_COOKIE);
}

static void test_via_sent_by_nat(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	put(f, 0, A, B, "OPTIONS sip:bob@10.0.0.3 SIP/2.0\nVia: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK-1;rport\n"
	                "Max-Forwards: 70\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: x\nCSeq: 1 OPTIONS\n"
	                "Content-Length: 0\n\n");
	expect_hit(f, CHECK_VIA_SENT_BY_NAT, 1, CHECK_INFO);
	/* A host name cannot be compared; the source's own address matches. */
	f = fx_new();
	put(f, 0, A, B, "OPTIONS sip:bob@10.0.0.3 SIP/2.0\nVia: SIP/2.0/UDP pc.a.example:5060;branch=z9hG4bK-1\n"
	                "Max-Forwards: 70\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: x\nCSeq: 1 OPTIONS\n"
	                "Content-Length: 0\n\n");
	req(f, 10, A, B, "OPTIONS", 2, "z9hG4bK-2", NULL, NULL, NULL);
	expect_none(f, CHECK_VIA_SENT_BY_NAT);
}

static void test_max_forwards_exhausted(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	req(f, 0, A, B, "OPTIONS", 1, "z9hG4bK-1", NULL, NULL, NULL);
	rsp(f, 5, B, A, 483, 1, "OPTIONS", "z9hG4bK-1", "tb", NULL, NULL);
	expect_hit(f, CHECK_MAX_FORWARDS_EXHAUSTED, 2, CHECK_WARNING);
	f = fx_new();
	req(f, 0, A, B, "OPTIONS", 1, "z9hG4bK-1", NULL, NULL, NULL);
	rsp(f, 5, B, A, 486, 1, "OPTIONS", "z9hG4bK-1", "tb", NULL, NULL);
	expect_none(f, CHECK_MAX_FORWARDS_EXHAUSTED);
}

static void test_max_forwards_not_decremented(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	proxied_call(f, 1, 70, 1);
	expect_hit(f, CHECK_MAX_FORWARDS_NOT_DECREMENTED, 3, CHECK_WARNING);
	f = fx_new();
	proxied_call(f, 1, 69, 1);
	expect_none(f, CHECK_MAX_FORWARDS_NOT_DECREMENTED);
}

/* ---- transaction rules ---- */

static void test_response_without_request(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	req(f, 0, A, B, "OPTIONS", 1, "z9hG4bK-1", NULL, NULL, NULL);
	rsp(f, 5, B, A, 200, 1, "OPTIONS", "z9hG4bK-1", "tb", NULL, NULL);
	rsp(f, 40000, B, A, 200, 2, "OPTIONS", "z9hG4bK-unknown", "tb", NULL, NULL);
	expect_hit(f, CHECK_RESPONSE_WITHOUT_REQUEST, 3, CHECK_WARNING);
	/* At the start of a capture the request may have gone before it. */
	f = fx_new();
	rsp(f, 0, B, A, 200, 2, "OPTIONS", "z9hG4bK-unknown", "tb", NULL, NULL);
	expect_hit(f, CHECK_RESPONSE_WITHOUT_REQUEST, 1, CHECK_INFO);
	f = fx_new();
	basic_call(f);
	expect_none(f, CHECK_RESPONSE_WITHOUT_REQUEST);
}

static void test_response_mismatch(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	req(f, 0, A, B, "OPTIONS", 1, "z9hG4bK-1", NULL, NULL, NULL);
	put(f, 5, B, A, "SIP/2.0 200 OK\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\n"
	                "From: <sip:alice@a.example>;tag=changed\nTo: <sip:bob@b.example>;tag=tb\n"
	                "Call-ID: call-1@test\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n");
	expect_hit(f, CHECK_RESPONSE_MISMATCH, 2, CHECK_ERROR);
	f = fx_new();
	req(f, 0, A, B, "OPTIONS", 1, "z9hG4bK-1", NULL, NULL, NULL);
	rsp(f, 5, B, A, 200, 1, "OPTIONS", "z9hG4bK-1", "tb", NULL, NULL);
	expect_none(f, CHECK_RESPONSE_MISMATCH);
}

static void test_response_via_mismatch(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	req(f, 0, A, B, "OPTIONS", 1, "z9hG4bK-1", NULL, NULL, NULL);
	put(f, 5, B, A, "SIP/2.0 200 OK\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\n"
	                "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK-extra\n"
	                "From: <sip:alice@a.example>;tag=fa\nTo: <sip:bob@b.example>;tag=tb\n"
	                "Call-ID: call-1@test\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n");
	expect_hit(f, CHECK_RESPONSE_VIA_MISMATCH, 2, CHECK_ERROR);
	/* received= and rport values added by the server are expected. */
	f = fx_new();
	req(f, 0, A, B, "OPTIONS", 1, "z9hG4bK-1", NULL, NULL, NULL);
	put(f, 5, B, A, "SIP/2.0 200 OK\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1;received=10.0.0.1;rport=5060\n"
	                "From: <sip:alice@a.example>;tag=fa\nTo: <sip:bob@b.example>;tag=tb\n"
	                "Call-ID: call-1@test\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n");
	expect_none(f, CHECK_RESPONSE_VIA_MISMATCH);
}

static void test_no_final_response(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	req(f, 0, A, B, "OPTIONS", 1, "z9hG4bK-1", NULL, NULL, NULL);
	req(f, 40000, A, B, "OPTIONS", 2, "z9hG4bK-2", NULL, NULL, NULL);
	rsp(f, 40005, B, A, 200, 2, "OPTIONS", "z9hG4bK-2", "tb", NULL, NULL);
	expect_hit(f, CHECK_NO_FINAL_RESPONSE, 1, CHECK_ERROR);
	/* The capture ended before Timer F: nothing can be said. */
	f = fx_new();
	req(f, 0, A, B, "OPTIONS", 1, "z9hG4bK-1", NULL, NULL, NULL);
	req(f, 10000, A, B, "OPTIONS", 2, "z9hG4bK-2", NULL, NULL, NULL);
	rsp(f, 10005, B, A, 200, 2, "OPTIONS", "z9hG4bK-2", "tb", NULL, NULL);
	expect_none(f, CHECK_NO_FINAL_RESPONSE);
	/* A ringing INVITE waits for Timer C (3 min), not Timer B. */
	f = fx_new();
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	rsp(f, 10, B, A, 180, 1, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, NULL);
	req(f, 60000, A, B, "OPTIONS", 2, "z9hG4bK-2", NULL, NULL, NULL);
	rsp(f, 60005, B, A, 200, 2, "OPTIONS", "z9hG4bK-2", "tb", NULL, NULL);
	expect_none(f, CHECK_NO_FINAL_RESPONSE);
	/* ... which only a proxy runs: not on a direct call ... */
	f = fx_new();
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	rsp(f, 10, B, A, 180, 1, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, NULL);
	req(f, 200000, A, B, "OPTIONS", 2, "z9hG4bK-2", NULL, NULL, NULL);
	rsp(f, 200005, B, A, 200, 2, "OPTIONS", "z9hG4bK-2", "tb", NULL, NULL);
	expect_none(f, CHECK_NO_FINAL_RESPONSE);
	/* ... but on the hop a proxy forwarded, 3 minutes after the last 180. */
	f = fx_new();
	req(f, 0, A, P, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	put(f, 2, P, B, "INVITE sip:bob@10.0.0.3 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK-p1\n"
	                "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-i1\nMax-Forwards: 69\n"
	                "From: <sip:alice@a.example>;tag=fa\nTo: <sip:bob@b.example>\nCall-ID: call-1@test\n"
	                "CSeq: 1 INVITE\n" CONTACT_A "Content-Length: 0\n\n");
	put(f, 10, B, P, "SIP/2.0 180 Ringing\nVia: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK-p1\n"
	                 "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-i1\n"
	                 "From: <sip:alice@a.example>;tag=fa\nTo: <sip:bob@b.example>;tag=tb\n"
	                 "Call-ID: call-1@test\nCSeq: 1 INVITE\n" CONTACT_B "Content-Length: 0\n\n");
	rsp(f, 11, P, A, 180, 1, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, NULL);
	req(f, 200000, A, P, "OPTIONS", 2, "z9hG4bK-2", NULL, NULL, NULL);
	rsp(f, 200005, P, A, 200, 2, "OPTIONS", "z9hG4bK-2", "tb", NULL, NULL);
	expect_hit(f, CHECK_NO_FINAL_RESPONSE, 2, CHECK_WARNING);
}

static void test_second_final_response(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	rsp(f, 10, B, A, 486, 1, "INVITE", "z9hG4bK-i1", "tb", NULL, NULL);
	rsp(f, 20, B, A, 200, 1, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, NULL);
	expect_hit(f, CHECK_SECOND_FINAL_RESPONSE, 3, CHECK_ERROR);
	/* Two 2xx with different To tags: forking, allowed (13.2.2.4). */
	f = fx_new();
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	rsp(f, 10, B, A, 200, 1, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, NULL);
	rsp(f, 20, B, A, 200, 1, "INVITE", "z9hG4bK-i1", "tc", CONTACT_B, NULL);
	req(f, 30, A, B, "ACK", 1, "z9hG4bK-a1", "tb", NULL, NULL);
	req(f, 31, A, B, "ACK", 1, "z9hG4bK-a2", "tc", NULL, NULL);
	expect_none(f, CHECK_SECOND_FINAL_RESPONSE);
}

static void test_retrans_too_early(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	req(f, 0, A, B, "OPTIONS", 1, "z9hG4bK-1", NULL, NULL, NULL);
	req(f, 100, A, B, "OPTIONS", 1, "z9hG4bK-1", NULL, NULL, NULL);
	rsp(f, 110, B, A, 200, 1, "OPTIONS", "z9hG4bK-1", "tb", NULL, NULL);
	expect_hit(f, CHECK_RETRANS_TOO_EARLY, 2, CHECK_WARNING);
	f = fx_new();
	req(f, 0, A, B, "OPTIONS", 1, "z9hG4bK-1", NULL, NULL, NULL);
	req(f, 500, A, B, "OPTIONS", 1, "z9hG4bK-1", NULL, NULL, NULL);
	rsp(f, 510, B, A, 200, 1, "OPTIONS", "z9hG4bK-1", "tb", NULL, NULL);
	expect_none(f, CHECK_RETRANS_TOO_EARLY);
}

static void test_retrans_interval(void **state)
{
	(void)state;
	static const long bad[] = { 0, 500, 1000, 1500 }, good[] = { 0, 500, 1500, 3500, 7500, 11500 };
	struct fx *f = fx_new();
	for (size_t i = 0; i < 4; i++)
		req(f, bad[i], A, B, "OPTIONS", 1, "z9hG4bK-1", NULL, NULL, NULL);
	rsp(f, 1510, B, A, 200, 1, "OPTIONS", "z9hG4bK-1", "tb", NULL, NULL);
	expect_hit(f, CHECK_RETRANS_INTERVAL, 3, CHECK_WARNING);
	/* Doubling, then T2 (4 s) for a non-INVITE. */
	f = fx_new();
	for (size_t i = 0; i < 6; i++)
		req(f, good[i], A, B, "OPTIONS", 1, "z9hG4bK-1", NULL, NULL, NULL);
	rsp(f, 11510, B, A, 200, 1, "OPTIONS", "z9hG4bK-1", "tb", NULL, NULL);
	expect_none(f, CHECK_RETRANS_INTERVAL);
}

static void test_retrans_on_reliable(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	f->tp = STORE_TP_TCP;
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	req(f, 500, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	rsp(f, 510, B, A, 486, 1, "INVITE", "z9hG4bK-i1", "tb", NULL, NULL);
	expect_hit(f, CHECK_RETRANS_ON_RELIABLE, 2, CHECK_WARNING);
	/* The UAS core retransmits a 2xx on any transport (13.3.1.4). */
	f = fx_new();
	f->tp = STORE_TP_TCP;
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	rsp(f, 10, B, A, 200, 1, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, NULL);
	rsp(f, 510, B, A, 200, 1, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, NULL);
	req(f, 520, A, B, "ACK", 1, "z9hG4bK-a1", "tb", NULL, NULL);
	expect_none(f, CHECK_RETRANS_ON_RELIABLE);
}

static void test_retrans_after_provisional(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	rsp(f, 20, B, A, 180, 1, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, NULL);
	req(f, 500, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL); /* may have crossed */
	req(f, 1500, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL); /* cannot have */
	rsp(f, 1900, B, A, 486, 1, "INVITE", "z9hG4bK-i1", "tb", NULL, NULL);
	req(f, 1910, A, B, "ACK", 1, "z9hG4bK-i1", "tb", NULL, NULL);
	expect_hit(f, CHECK_RETRANS_AFTER_PROVISIONAL, 4, CHECK_WARNING);
	/* The 100 and the retransmission crossed on the wire. */
	f = fx_new();
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	rsp(f, 470, B, A, 100, 1, "INVITE", "z9hG4bK-i1", NULL, NULL, NULL);
	req(f, 500, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	rsp(f, 900, B, A, 486, 1, "INVITE", "z9hG4bK-i1", "tb", NULL, NULL);
	req(f, 910, A, B, "ACK", 1, "z9hG4bK-i1", "tb", NULL, NULL);
	expect_none(f, CHECK_RETRANS_AFTER_PROVISIONAL);
}

static void test_ack_missing_never_acked(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	rsp(f, 10, B, A, 200, 1, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, NULL);
	rsp(f, 510, B, A, 200, 1, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, NULL);
	rsp(f, 1510, B, A, 200, 1, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, NULL);
	expect_hit(f, CHECK_ACK_MISSING, 2, CHECK_ERROR);
	/* The caller hangs up without ever ACKing: no need to wait 32 s. */
	f = fx_new();
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	rsp(f, 10, B, A, 200, 1, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, NULL);
	req(f, 2000, A, B, "BYE", 2, "z9hG4bK-b1", "tb", NULL, NULL);
	rsp(f, 2010, B, A, 200, 2, "BYE", "z9hG4bK-b1", "tb", NULL, NULL);
	expect_hit(f, CHECK_ACK_MISSING, 2, CHECK_ERROR);
	/* One ACK after a retransmission: the first ACK was lost, no more. */
	f = fx_new();
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	rsp(f, 10, B, A, 200, 1, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, NULL);
	rsp(f, 510, B, A, 200, 1, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, NULL);
	req(f, 520, A, B, "ACK", 1, "z9hG4bK-a1", "tb", NULL, NULL);
	expect_none(f, CHECK_ACK_MISSING);
}

/* ACKs are sent but the 2xx keeps coming: they go somewhere else. */
static void test_ack_missing_acks_lost(void **state)
{
	(void)state;
	static const long at[] = { 10, 510, 1510, 3510, 7510 };
	struct fx *f = fx_new();
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	for (size_t i = 0; i < 5; i++) {
		rsp(f, at[i], B, A, 200, 1, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, NULL);
		put(f, at[i] + 5, A, P, "ACK sip:bob@10.0.0.2 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-a%zu\n"
		                        "Max-Forwards: 70\nFrom: <sip:alice@a.example>;tag=fa\n"
		                        "To: <sip:bob@b.example>;tag=tb\nCall-ID: call-1@test\nCSeq: 1 ACK\n"
		                        "Content-Length: 0\n\n", i);
	}
	expect_hit(f, CHECK_ACK_MISSING, 2, CHECK_ERROR);
	f = fx_new();
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	for (size_t i = 0; i < 2; i++) {
		rsp(f, at[i], B, A, 200, 1, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, NULL);
		req(f, at[i] + 5, A, B, "ACK", 1, "z9hG4bK-a1", "tb", NULL, NULL);
	}
	expect_none(f, CHECK_ACK_MISSING);
}

static void test_ack_without_invite(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	basic_call(f);
	req(f, 40000, A, B, "ACK", 7, "z9hG4bK-a7", "tb", NULL, NULL);
	expect_hit(f, CHECK_ACK_WITHOUT_INVITE, 8, CHECK_WARNING);
	/* Near the start of a capture its INVITE may have gone before it. */
	f = fx_new();
	req(f, 0, A, B, "ACK", 7, "z9hG4bK-a7", "tb", NULL, NULL);
	expect_hit(f, CHECK_ACK_WITHOUT_INVITE, 1, CHECK_INFO);
	f = fx_new();
	basic_call(f);
	expect_none(f, CHECK_ACK_WITHOUT_INVITE);
}

/* INVITE, 180, then CANCEL and its answers as given. */
static void cancel_flow(struct fx *f, long cancel_at, int final_first, const char *cancel_uri)
{
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	rsp(f, 10, B, A, 180, 1, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, NULL);
	if (final_first)
		rsp(f, 100, B, A, 486, 1, "INVITE", "z9hG4bK-i1", "tb", NULL, NULL);
	put(f, cancel_at, A, B, "CANCEL %s SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-i1\n"
	                        "Max-Forwards: 70\nFrom: <sip:alice@a.example>;tag=fa\nTo: <sip:bob@b.example>\n"
	                        "Call-ID: call-1@test\nCSeq: 1 CANCEL\nContent-Length: 0\n\n", cancel_uri);
	rsp(f, cancel_at + 5, B, A, 200, 1, "CANCEL", "z9hG4bK-i1", "tb", NULL, NULL);
	if (!final_first)
		rsp(f, cancel_at + 6, B, A, 487, 1, "INVITE", "z9hG4bK-i1", "tb", NULL, NULL);
	req(f, cancel_at + 10, A, B, "ACK", 1, "z9hG4bK-i1", "tb", NULL, NULL);
}

static void test_cancel_after_final(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	cancel_flow(f, 900, 1, "sip:bob@10.0.0.3");
	expect_hit(f, CHECK_CANCEL_AFTER_FINAL, 4, CHECK_WARNING);
	/* Within T1 of the final response the two crossed: the race 9.1 expects. */
	f = fx_new();
	cancel_flow(f, 150, 1, "sip:bob@10.0.0.3");
	expect_none(f, CHECK_CANCEL_AFTER_FINAL);
	f = fx_new();
	cancel_flow(f, 200, 0, "sip:bob@10.0.0.3");
	expect_none(f, CHECK_CANCEL_AFTER_FINAL);
}

static void test_cancel_unanswered(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	rsp(f, 10, B, A, 180, 1, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, NULL);
	put(f, 100, A, B, "CANCEL sip:bob@10.0.0.3 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-i1\n"
	                  "Max-Forwards: 70\nFrom: <sip:alice@a.example>;tag=fa\nTo: <sip:bob@b.example>\n"
	                  "Call-ID: call-1@test\nCSeq: 1 CANCEL\nContent-Length: 0\n\n");
	req(f, 40000, A, B, "OPTIONS", 9, "z9hG4bK-o9", NULL, NULL, NULL);
	rsp(f, 40005, B, A, 200, 9, "OPTIONS", "z9hG4bK-o9", "tb", NULL, NULL);
	expect_hit(f, CHECK_CANCEL_UNANSWERED, 3, CHECK_ERROR);
	f = fx_new();
	cancel_flow(f, 100, 0, "sip:bob@10.0.0.3");
	req(f, 40000, A, B, "OPTIONS", 9, "z9hG4bK-o9", NULL, NULL, NULL);
	rsp(f, 40005, B, A, 200, 9, "OPTIONS", "z9hG4bK-o9", "tb", NULL, NULL);
	expect_none(f, CHECK_CANCEL_UNANSWERED);
}

static void test_cancel_without_invite(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	put(f, 100, A, B, "CANCEL sip:bob@10.0.0.3 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-other\n"
	                  "Max-Forwards: 70\nFrom: <sip:alice@a.example>;tag=fa\nTo: <sip:bob@b.example>\n"
	                  "Call-ID: call-1@test\nCSeq: 1 CANCEL\nContent-Length: 0\n\n");
	expect_hit(f, CHECK_CANCEL_WITHOUT_INVITE, 2, CHECK_WARNING);
	f = fx_new();
	cancel_flow(f, 100, 0, "sip:bob@10.0.0.3");
	expect_none(f, CHECK_CANCEL_WITHOUT_INVITE);
}

static void test_cancel_mismatch(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	cancel_flow(f, 100, 0, "sip:carol@10.0.0.3");
	expect_hit(f, CHECK_CANCEL_MISMATCH, 3, CHECK_ERROR);
	f = fx_new();
	cancel_flow(f, 100, 0, "sip:bob@10.0.0.3");
	expect_none(f, CHECK_CANCEL_MISMATCH);
}

/* ---- dialog rules ---- */

static void test_cseq_not_increasing(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	req(f, 0, A, B, "INVITE", 5, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	rsp(f, 10, B, A, 200, 5, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, NULL);
	req(f, 20, A, B, "ACK", 5, "z9hG4bK-a1", "tb", NULL, NULL);
	req(f, 3000, A, B, "BYE", 3, "z9hG4bK-b1", "tb", NULL, NULL);
	rsp(f, 3010, B, A, 200, 3, "BYE", "z9hG4bK-b1", "tb", NULL, NULL);
	expect_hit(f, CHECK_CSEQ_NOT_INCREASING, 4, CHECK_ERROR);
	/* The callee's own requests count from its own number. */
	f = fx_new();
	req(f, 0, A, B, "INVITE", 5, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	rsp(f, 10, B, A, 200, 5, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, NULL);
	req(f, 20, A, B, "ACK", 5, "z9hG4bK-a1", "tb", NULL, NULL);
	put(f, 3000, B, A, "BYE sip:alice@10.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.3:5060;branch=z9hG4bK-b1\n"
	                   "Max-Forwards: 70\nFrom: <sip:bob@b.example>;tag=tb\nTo: <sip:alice@a.example>;tag=fa\n"
	                   "Call-ID: call-1@test\nCSeq: 1 BYE\nContent-Length: 0\n\n");
	expect_none(f, CHECK_CSEQ_NOT_INCREASING);
	/* Two early dialogs of a forked INVITE count apart: PRACK 2 in each. */
	f = fx_new();
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A "Supported: 100rel\n", NULL);
	rsp(f, 10, B, A, 183, 1, "INVITE", "z9hG4bK-i1", "t1", CONTACT_B "RSeq: 1\nRequire: 100rel\n", NULL);
	rsp(f, 11, B, A, 183, 1, "INVITE", "z9hG4bK-i1", "t2", CONTACT_B "RSeq: 1\nRequire: 100rel\n", NULL);
	req(f, 20, A, B, "PRACK", 2, "z9hG4bK-r1", "t1", "RAck: 1 1 INVITE\n", NULL);
	req(f, 21, A, B, "PRACK", 2, "z9hG4bK-r2", "t2", "RAck: 1 1 INVITE\n", NULL);
	expect_none(f, CHECK_CSEQ_NOT_INCREASING);
	f = fx_new();
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A "Supported: 100rel\n", NULL);
	rsp(f, 10, B, A, 183, 1, "INVITE", "z9hG4bK-i1", "t1", CONTACT_B "RSeq: 1\nRequire: 100rel\n", NULL);
	rsp(f, 11, B, A, 183, 1, "INVITE", "z9hG4bK-i1", "t2", CONTACT_B "RSeq: 1\nRequire: 100rel\n", NULL);
	req(f, 20, A, B, "PRACK", 2, "z9hG4bK-r1", "t1", "RAck: 1 1 INVITE\n", NULL);
	req(f, 21, A, B, "PRACK", 2, "z9hG4bK-r2", "t2", "RAck: 1 1 INVITE\n", NULL);
	expect_none(f, CHECK_CSEQ_REUSED);
	/* A dialog's first request must go past the INVITE's CSeq. */
	f = fx_new();
	req(f, 0, A, B, "INVITE", 4, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	rsp(f, 10, B, A, 200, 4, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, NULL);
	req(f, 20, A, B, "ACK", 4, "z9hG4bK-a1", "tb", NULL, NULL);
	req(f, 3000, A, B, "BYE", 4, "z9hG4bK-b1", "tb", NULL, NULL);
	expect_hit(f, CHECK_CSEQ_NOT_INCREASING, 4, CHECK_ERROR);
}

static void test_cseq_reused(void **state)
{
	(void)state;
	/* INVITE, 401, INVITE again with the same CSeq (RFC 3261 22.2 wants +1). */
	struct fx *f = fx_new();
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	rsp(f, 10, B, A, 401, 1, "INVITE", "z9hG4bK-i1", "tb", NULL, NULL);
	req(f, 20, A, B, "ACK", 1, "z9hG4bK-i1", "tb", NULL, NULL);
	req(f, 30, A, B, "INVITE", 1, "z9hG4bK-i2", NULL, CONTACT_A "Authorization: Digest x\n", NULL);
	rsp(f, 40, B, A, 486, 1, "INVITE", "z9hG4bK-i2", "tc", NULL, NULL);
	expect_hit(f, CHECK_CSEQ_REUSED, 4, CHECK_ERROR);
	/* The proxy's copy of a request has its CSeq: not a reuse. */
	f = fx_new();
	proxied_call(f, 1, 69, 1);
	expect_none(f, CHECK_CSEQ_REUSED);
	/* Nor is a proxy's new branch to the same next hop after a 503
	 * (serial forking, RFC 3261 16.6). */
	f = fx_new();
	req(f, 0, A, P, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	for (int k = 0; k < 2; k++) {
		put(f, 2 + 20 * k, P, B, "INVITE sip:bob@10.0.0.3 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK-p%d\n"
		                         "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-i1\nMax-Forwards: 69\n"
		                         "From: <sip:alice@a.example>;tag=fa\nTo: <sip:bob@b.example>\nCall-ID: call-1@test\n"
		                         "CSeq: 1 INVITE\n" CONTACT_A "Content-Length: 0\n\n", k);
		put(f, 10 + 20 * k, B, P, "SIP/2.0 %d X\nVia: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK-p%d\n"
		                          "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-i1\n"
		                          "From: <sip:alice@a.example>;tag=fa\nTo: <sip:bob@b.example>;tag=t%d\n"
		                          "Call-ID: call-1@test\nCSeq: 1 INVITE\n" CONTACT_B "Content-Length: 0\n\n",
		    k ? 486 : 503, k, k);
	}
	expect_none(f, CHECK_CSEQ_REUSED);
}

static void test_record_route_not_mirrored(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	proxied_call(f, 1, 69, 0);
	expect_hit(f, CHECK_RECORD_ROUTE_NOT_MIRRORED, 4, CHECK_ERROR);
	f = fx_new();
	proxied_call(f, 1, 69, 1);
	expect_none(f, CHECK_RECORD_ROUTE_NOT_MIRRORED);
}

static void test_route_set_ignored(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	proxied_call(f, 0, 69, 1); /* the BYE goes straight to B, no Route */
	expect_hit(f, CHECK_ROUTE_SET_IGNORED, 8, CHECK_ERROR);
	f = fx_new();
	proxied_call(f, 1, 69, 1);
	expect_none(f, CHECK_ROUTE_SET_IGNORED);
	/* Without Record-Route no Route may be added. */
	f = fx_new();
	basic_call(f);
	req(f, 6000, A, B, "INFO", 3, "z9hG4bK-n3", "tb", "Route: <sip:10.0.0.2;lr>\n", NULL);
	expect_hit(f, CHECK_ROUTE_SET_IGNORED, 8, CHECK_ERROR);
}

/* issue 20: a dialog without SDP nor Record-Route leaves the checker's
 * arena unallocated; an in-dialog request with a Route is still reported,
 * without pointer arithmetic on NULL (UBSan in fuzz_check: the sanitizer
 * build aborted here). */
static void test_route_set_ignored_with_nothing_in_the_arena(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	rsp(f, 100, B, A, 200, 1, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, NULL);
	req(f, 110, A, B, "ACK", 1, "z9hG4bK-a1", "tb", NULL, NULL);
	req(f, 3000, A, B, "INFO", 2, "z9hG4bK-n2", "tb", "Route: <sip:10.0.0.2;lr>\n", NULL);
	expect_hit(f, CHECK_ROUTE_SET_IGNORED, 4, CHECK_ERROR);
}

/* issue 20: a time past the year 9999 (a database's time_us of
 * INT64_MAX) is kept at PCAP_SRC_TS_MAX_US, so that the timers the
 * checker adds to it cannot overflow (they did: undefined behaviour, the
 * sanitizer build aborted). */
static void test_time_past_year_9999_is_clamped_for_the_timers(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	static const char opt[] = "OPTIONS sip:bob@10.0.0.3 SIP/2.0\r\n"
	                          "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-%d\r\n"
	                          "Max-Forwards: 70\r\nFrom: <sip:alice@a.example>;tag=fa\r\n"
	                          "To: <sip:bob@b.example>\r\nCall-ID: late@test\r\n"
	                          "CSeq: %d OPTIONS\r\nContent-Length: 0\r\n\r\n";
	struct store_endpoint sa = ep(A), sb = ep(B);
	char m[512];
	int n = snprintf(m, sizeof m, opt, 1, 1);
	assert_int_equal(ingest_raw_message(f->in, 1, INT64_MIN, &sa, &sb, STORE_TP_UDP, 0, m,
	                                    (size_t)n), 1);
	n = snprintf(m, sizeof m, opt, 2, 2);
	assert_int_equal(ingest_raw_message(f->in, 2, INT64_MAX, &sa, &sb, STORE_TP_UDP, 0, m,
	                                    (size_t)n), 1);
	assert_true(store_msg_at(f->s, 0)->ts_us == -PCAP_SRC_TS_MAX_US);
	assert_true(store_msg_at(f->s, 1)->ts_us == PCAP_SRC_TS_MAX_US);
	/* The first waited past Timer F unanswered; the capture ended before
	 * the second's (once, its timer overflowed into the past and fired). */
	expect_hit(f, CHECK_NO_FINAL_RESPONSE, 1, CHECK_ERROR);
}

/* ---- SDP offer/answer ---- */

static void offer_answer(struct fx *f, const char *offer, const char *answer)
{
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, offer);
	rsp(f, 10, B, A, 200, 1, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, answer);
	req(f, 20, A, B, "ACK", 1, "z9hG4bK-a1", "tb", NULL, NULL);
}

static const char sdp_av[] =
	"v=0\no=a 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\n"
	"m=audio 4000 RTP/AVP 0 8\nm=video 4002 RTP/AVP 96\na=rtpmap:96 H264/90000\n";

static void test_sdp_mline_count(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	offer_answer(f, sdp_av, "v=0\no=b 1 1 IN IP4 10.0.0.3\ns=-\nc=IN IP4 10.0.0.3\nt=0 0\n"
	                        "m=audio 5000 RTP/AVP 0\n");
	expect_hit(f, CHECK_SDP_MLINE_COUNT, 2, CHECK_ERROR);
	/* Declining video keeps its m= line with port 0. */
	f = fx_new();
	offer_answer(f, sdp_av, "v=0\no=b 1 1 IN IP4 10.0.0.3\ns=-\nc=IN IP4 10.0.0.3\nt=0 0\n"
	                        "m=audio 5000 RTP/AVP 0\nm=video 0 RTP/AVP 96\n");
	expect_none(f, CHECK_SDP_MLINE_COUNT);
}

static void test_sdp_codec_not_offered(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	offer_answer(f, sdp_pcmu, "v=0\no=b 1 1 IN IP4 10.0.0.3\ns=-\nc=IN IP4 10.0.0.3\nt=0 0\n"
	                          "m=audio 5000 RTP/AVP 0 18\n");
	expect_hit(f, CHECK_SDP_CODEC_NOT_OFFERED, 2, CHECK_INFO);
	/* telephone-event under another payload type number is the same codec. */
	f = fx_new();
	offer_answer(f, sdp_pcmu, sdp_pcmu_answer);
	expect_none(f, CHECK_SDP_CODEC_NOT_OFFERED);
}

static void test_sdp_no_common_codec(void **state)
{
	(void)state;
	static const char pcma[] = "v=0\no=a 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\n"
	                           "m=audio 4000 RTP/AVP 8\n";
	struct fx *f = fx_new();
	offer_answer(f, pcma, "v=0\no=b 1 1 IN IP4 10.0.0.3\ns=-\nc=IN IP4 10.0.0.3\nt=0 0\n"
	                      "m=audio 5000 RTP/AVP 0\n");
	expect_hit(f, CHECK_SDP_NO_COMMON_CODEC, 2, CHECK_ERROR);
	/* A rejected stream (port 0) lists whatever it likes. */
	f = fx_new();
	offer_answer(f, pcma, "v=0\no=b 1 1 IN IP4 10.0.0.3\ns=-\nc=IN IP4 10.0.0.3\nt=0 0\n"
	                      "m=audio 0 RTP/AVP 0\n");
	expect_none(f, CHECK_SDP_NO_COMMON_CODEC);
	/* An offer in the 2xx is answered in the ACK. */
	f = fx_new();
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	rsp(f, 10, B, A, 200, 1, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, pcma);
	req(f, 20, A, B, "ACK", 1, "z9hG4bK-a1", "tb", NULL,
	    "v=0\no=a 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\nm=audio 4000 RTP/AVP 0\n");
	expect_hit(f, CHECK_SDP_NO_COMMON_CODEC, 3, CHECK_ERROR);
}

/* ---- the checker as a whole ---- */

/* Every rule has an id, an RFC section and a summary; ids are unique and
 * parse back. */
static void test_rule_table_complete(void **state)
{
	(void)state;
	assert_true(CHECK_RULE__COUNT >= 25);
	for (int i = 0; i < CHECK_RULE__COUNT; i++) {
		const struct check_rule_info *r = check_rule_info((enum check_rule)i);
		assert_non_null(r->id);
		assert_non_null(r->summary);
		assert_true(!strncmp(r->rfc, "RFC 3261 ", 9) || !strncmp(r->rfc, "RFC 3264 ", 9) ||
		            !strncmp(r->rfc, "RFC 8224 ", 9)); /* STIR (check_identity.c) */
		assert_int_equal(check_rule_parse(r->id), i);
	}
	assert_int_equal(check_rule_parse("no-such-rule"), -1);
}

/* Checking as messages arrive (the viewer) finds what one pass finds. */
static void test_incremental_equals_once(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	struct checker *inc = check_new(f->s, f->t);
	proxied_call(f, 0, 70, 0);
	assert_int_equal(check_update(inc), 0);
	req(f, 40000, A, B, "OPTIONS", 1, "old", NULL, NULL, NULL);
	cancel_flow(f, 41000, 1, "sip:x@y");
	assert_int_equal(check_update(inc), 0);
	struct checker *once = run(f);
	assert_int_equal(check_update(inc), 0);
	check_finish(inc);
	/* A few messages at a time (the viewer's re-check after an eviction)
	 * finds the same too. */
	struct checker *bit = check_new(f->s, f->t);
	assert_int_equal(check_pending(bit), store_msg_count(f->s));
	for (size_t k = 0; k < 1000 && check_pending(bit); k++)
		assert_int_equal(check_update_max(bit, 3), 0);
	assert_int_equal(check_pending(bit), 0);
	check_finish(bit);
	assert_int_equal(check_count(bit), check_count(once));
	for (size_t i = 0; i < check_count(once); i++) {
		assert_int_equal(check_at(bit, i)->msg, check_at(once, i)->msg);
		assert_int_equal(check_at(bit, i)->rule, check_at(once, i)->rule);
	}
	check_free(bit);
	assert_true(check_count(once) >= 5);
	assert_int_equal(check_count(inc), check_count(once));
	for (size_t i = 0; i < check_count(once); i++) {
		assert_int_equal(check_at(inc, i)->msg, check_at(once, i)->msg);
		assert_int_equal(check_at(inc, i)->rule, check_at(once, i)->rule);
		assert_string_equal(check_text(inc, check_at(inc, i)), check_text(once, check_at(once, i)));
	}
	/* Per message and per call views agree with the list. */
	size_t counts[3];
	check_call_counts(once, 1, counts);
	assert_int_equal(counts[0] + counts[1] + counts[2], check_count(once));
	const struct check_finding *first = check_at(once, 0);
	assert_int_equal(check_msg_first(once, first->msg), 1);
	assert_true(check_msg_worst(once, first->msg) >= (int)first->severity);
	check_free(inc);
	check_free(once);
	fx_free(f);
}

/* ---- state lifetimes: what is over goes, what goes on stays ---- */

/* Call k of a stream, one every 2 s: basic_call's messages, its own
 * Call-ID and branches. */
static void stream_call(struct fx *f, int k, char *cid, size_t n)
{
	long t = 2000L * k;
	char b[4][32];
	snprintf(cid, n, "stream-%d@test", k);
	f->callid = cid;
	for (int i = 0; i < 4; i++)
		snprintf(b[i], sizeof b[i], "z9hG4bK-%d-%d", k, i);
	req(f, t, A, B, "INVITE", 1, b[0], NULL, CONTACT_A, sdp_pcmu);
	rsp(f, t + 5, B, A, 100, 1, "INVITE", b[0], NULL, NULL, NULL);
	rsp(f, t + 200, B, A, 200, 1, "INVITE", b[0], "tb", CONTACT_B, sdp_pcmu_answer);
	req(f, t + 210, A, B, "ACK", 1, b[1], "tb", NULL, NULL);
	req(f, t + 5000, A, B, "BYE", 2, b[2], "tb", NULL, NULL);
	rsp(f, t + 5010, B, A, 200, 2, "BYE", b[2], "tb", NULL, NULL);
}

/* Calls that ended leave no state behind: what the checker holds stays
 * that of the calls of the last minutes (about 64 s of them here), however
 * many came before. */
static void test_state_of_ended_calls_goes(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	struct checker *c = check_new(f->s, f->t);
	assert_non_null(c);
	char cid[64];
	size_t at200 = 0, most = 0;
	for (int k = 0; k < 1500; k++) {
		stream_call(f, k, cid, sizeof cid);
		assert_int_equal(check_update(c), 0);
		if (check_live(c) > most)
			most = check_live(c);
		if (k == 200)
			at200 = check_live(c);
	}
	/* Each call holds about 10 entries (transactions, call, 2xx, dialog,
	 * senders, CSeqs) while it lasts: 1500 calls kept would be 15000. */
	printf("  live after 200 calls %zu, at most %zu, after 1500 %zu\n", at200, most, check_live(c));
	assert_true(at200 > 0);
	assert_true(most < 600);
	assert_true(check_live(c) <= at200 + 20);
	check_finish(c);
	assert_int_equal(check_count(c), 0);
	check_free(c);
	fx_free(f);
}

/* A call that goes on keeps what its later requests are checked against,
 * however long it is quiet: the BYE 20 minutes on still finds the CSeq its
 * sender used (it reuses it), and the route set (it ignores it). */
static void test_state_of_a_long_call_stays(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, NULL);
	rsp(f, 100, B, A, 200, 1, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B "Record-Route: <sip:10.0.0.9;lr>\n", NULL);
	req(f, 110, A, B, "ACK", 1, "z9hG4bK-a1", "tb", "Route: <sip:10.0.0.9;lr>\n", NULL);
	/* other calls come and go meanwhile */
	char cid[64];
	for (int k = 1; k < 600; k++)
		stream_call(f, k, cid, sizeof cid);
	f->callid = "call-1@test";
	req(f, 1200000, A, B, "BYE", 1, "z9hG4bK-b1", "tb", NULL, NULL);
	struct checker *c = run(f);
	size_t order = 0, route = 0;
	for (size_t i = 0; i < check_count(c); i++) {
		const struct check_finding *x = check_at(c, i);
		order += x->rule == CHECK_CSEQ_NOT_INCREASING && store_msg_at(f->s, x->msg)->frame == store_msg_count(f->s);
		route += x->rule == CHECK_ROUTE_SET_IGNORED && store_msg_at(f->s, x->msg)->frame == store_msg_count(f->s);
	}
	if (order != 1 || route != 1)
		for (size_t i = 0; i < check_count(c); i++)
			printf("  frame %llu %s: %s\n", (unsigned long long)store_msg_at(f->s, check_at(c, i)->msg)->frame, check_rule_info(check_at(c, i)->rule)->id, check_text(c, check_at(c, i)));
	assert_int_equal(order, 1);
	assert_int_equal(route, 1);
	check_free(c);
	fx_free(f);
}

/* An INVITE ringing for 10 minutes (Proceeding has no timer) keeps its
 * transaction: its 200 still answers it. */
static void test_state_of_a_ringing_invite_stays(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	req(f, 0, A, B, "INVITE", 1, "z9hG4bK-i1", NULL, CONTACT_A, sdp_pcmu);
	rsp(f, 10, B, A, 180, 1, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, NULL);
	char cid[64];
	for (int k = 1; k < 300; k++)
		stream_call(f, k, cid, sizeof cid);
	f->callid = "call-1@test";
	rsp(f, 600000, B, A, 200, 1, "INVITE", "z9hG4bK-i1", "tb", CONTACT_B, sdp_pcmu_answer);
	req(f, 600010, A, B, "ACK", 1, "z9hG4bK-a1", "tb", NULL, NULL);
	req(f, 605000, A, B, "BYE", 2, "z9hG4bK-b1", "tb", NULL, NULL);
	rsp(f, 605010, B, A, 200, 2, "BYE", "z9hG4bK-b1", "tb", NULL, NULL);
	assert_int_equal(total(f), 0);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_call_has_no_finding),
		cmocka_unit_test(test_clean_proxied_call_has_no_finding),
		cmocka_unit_test(test_parse_error),
		cmocka_unit_test(test_unchecked_request_does_not_orphan_its_answers),
		cmocka_unit_test(test_missing_header),
		cmocka_unit_test(test_missing_from_tag),
		cmocka_unit_test(test_cseq_method_mismatch),
		cmocka_unit_test(test_content_length_mismatch),
		cmocka_unit_test(test_content_length_missing),
		cmocka_unit_test(test_body_without_content_type),
		cmocka_unit_test(test_invite_without_contact),
		cmocka_unit_test(test_2xx_without_contact),
		cmocka_unit_test(test_response_without_to_tag),
		cmocka_unit_test(test_branch_without_cookie),
		cmocka_unit_test(test_via_sent_by_nat),
		cmocka_unit_test(test_max_forwards_exhausted),
		cmocka_unit_test(test_max_forwards_not_decremented),
		cmocka_unit_test(test_response_without_request),
		cmocka_unit_test(test_response_mismatch),
		cmocka_unit_test(test_response_via_mismatch),
		cmocka_unit_test(test_no_final_response),
		cmocka_unit_test(test_second_final_response),
		cmocka_unit_test(test_retrans_too_early),
		cmocka_unit_test(test_retrans_interval),
		cmocka_unit_test(test_retrans_on_reliable),
		cmocka_unit_test(test_retrans_after_provisional),
		cmocka_unit_test(test_ack_missing_never_acked),
		cmocka_unit_test(test_ack_missing_acks_lost),
		cmocka_unit_test(test_ack_without_invite),
		cmocka_unit_test(test_cancel_after_final),
		cmocka_unit_test(test_cancel_unanswered),
		cmocka_unit_test(test_cancel_without_invite),
		cmocka_unit_test(test_cancel_mismatch),
		cmocka_unit_test(test_cseq_not_increasing),
		cmocka_unit_test(test_cseq_reused),
		cmocka_unit_test(test_record_route_not_mirrored),
		cmocka_unit_test(test_route_set_ignored),
		cmocka_unit_test(test_route_set_ignored_with_nothing_in_the_arena),
		cmocka_unit_test(test_time_past_year_9999_is_clamped_for_the_timers),
		cmocka_unit_test(test_sdp_mline_count),
		cmocka_unit_test(test_sdp_codec_not_offered),
		cmocka_unit_test(test_sdp_no_common_codec),
		cmocka_unit_test(test_rule_table_complete),
		cmocka_unit_test(test_incremental_equals_once),
		cmocka_unit_test(test_state_of_ended_calls_goes),
		cmocka_unit_test(test_state_of_a_long_call_stays),
		cmocka_unit_test(test_state_of_a_ringing_invite_stays),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
