/* test_attack.c - the checker's attack rules (issue 25): each rule has a
 * crafted attack that fires it, on the attacker's message with its
 * address and evidence, and a near miss that does not; legitimate
 * traffic (phones challenged with 401 then registering, calls challenged
 * with 407, stale nonces, a registrar pinging its contacts) gets none;
 * the settings parse and apply; the per-source table is bounded and keeps
 * an active attacker among many one-shot sources. */
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

struct fx {
	struct store *s;
	struct tracker *t;
	struct ingest *in;
	uint64_t frame;
	unsigned seq; /* branches, tags, Call-IDs */
};

static struct fx *fx_new(void)
{
	struct fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->s = store_new();
	f->t = track_new(f->s);
	f->in = ingest_new(f->s, f->t);
	assert_non_null(f->in);
	return f;
}

static void fx_free(struct fx *f)
{
	ingest_free(f->in);
	track_free(f->t);
	store_free(f->s);
	free(f);
}

/* Host h of 10.0.X.Y (h = X * 256 + Y), port. */
static struct store_endpoint ep(unsigned h, unsigned port)
{
	struct store_endpoint e;
	memset(&e, 0, sizeof e);
	e.family = 4;
	e.addr[0] = 10;
	e.addr[1] = (uint8_t)(h >> 16);
	e.addr[2] = (uint8_t)(h >> 8);
	e.addr[3] = (uint8_t)h;
	e.port = (uint16_t)port;
	return e;
}

#define SERVER 10           /* 10.0.0.10:5060, the registrar */
#define ATTACKER 66         /* 10.0.0.66 */

static void put(struct fx *f, long ms, struct store_endpoint a, struct store_endpoint b, const char *raw)
{
	char msg[4096];
	size_t n = 0;
	for (const char *p = raw; *p && n < sizeof msg - 2; p++) {
		if (*p == '\n')
			msg[n++] = '\r';
		msg[n++] = *p;
	}
	assert_int_equal(ingest_raw_message(f->in, ++f->frame, 1700000000000000LL + ms * 1000, &a, &b,
	                                    STORE_TP_UDP, 0, msg, n), 1);
}

struct tx {
	struct store_endpoint a, b;
	char method[16], user[64], callid[32], branch[32], tag[16];
	unsigned cseq;
};

/* A request from a to b for user (R-URI and To; From too), out of dialog
 * unless to_tag; extra: more header lines. */
static struct tx request(struct fx *f, long ms, struct store_endpoint a, struct store_endpoint b,
                         const char *method, const char *user, const struct tx *same_call, const char *extra)
{
	struct tx t;
	memset(&t, 0, sizeof t);
	t.a = a;
	t.b = b;
	f->seq++;
	snprintf(t.method, sizeof t.method, "%s", method);
	snprintf(t.user, sizeof t.user, "%s", user);
	snprintf(t.branch, sizeof t.branch, "z9hG4bK-%u", f->seq);
	if (same_call) {
		memcpy(t.callid, same_call->callid, sizeof t.callid);
		memcpy(t.tag, same_call->tag, sizeof t.tag);
		t.cseq = same_call->cseq + 1;
	} else {
		snprintf(t.callid, sizeof t.callid, "cid-%u", f->seq);
		snprintf(t.tag, sizeof t.tag, "f%u", f->seq);
		t.cseq = 1;
	}
	char raw[4096];
	snprintf(raw, sizeof raw,
	         "%s sip:%s@10.0.0.10 SIP/2.0\n"
	         "Via: SIP/2.0/UDP 10.0.%u.%u:%u;branch=%s\n"
	         "Max-Forwards: 70\n"
	         "From: <sip:%s@10.0.0.10>;tag=%s\n"
	         "To: <sip:%s@10.0.0.10>\n"
	         "Call-ID: %s\n"
	         "CSeq: %u %s\n"
	         "Contact: <sip:%s@10.0.%u.%u:%u>\n"
	         "%s"
	         "Content-Length: 0\n\n",
	         method, user, a.addr[2], a.addr[3], a.port, t.branch, user, t.tag, user, t.callid, t.cseq,
	         method, user, a.addr[2], a.addr[3], a.port, extra ? extra : "");
	put(f, ms, a, b, raw);
	return t;
}

static void respond(struct fx *f, long ms, const struct tx *t, int status, const char *extra)
{
	char raw[4096];
	snprintf(raw, sizeof raw,
	         "SIP/2.0 %d Whatever\n"
	         "Via: SIP/2.0/UDP 10.0.%u.%u:%u;branch=%s\n"
	         "From: <sip:%s@10.0.0.10>;tag=%s\n"
	         "To: <sip:%s@10.0.0.10>;tag=srv%s\n"
	         "Call-ID: %s\n"
	         "CSeq: %u %s\n"
	         "%s"
	         "Content-Length: 0\n\n",
	         status, t->a.addr[2], t->a.addr[3], t->a.port, t->branch, t->user, t->tag, t->user, t->branch,
	         t->callid, t->cseq, t->method, extra ? extra : "");
	put(f, ms, t->b, t->a, raw);
}

#define CHALLENGE "WWW-Authenticate: Digest realm=\"pbx\", nonce=\"abc\", qop=\"auth\"\n"
#define STALE "WWW-Authenticate: Digest realm=\"pbx\", nonce=\"new\", qop=\"auth\", stale=true\n"
#define PCHALLENGE "Proxy-Authenticate: Digest realm=\"pbx\", nonce=\"abc\"\n"

static const char *auth(const char *user, int proxy)
{
	static char buf[256];
	snprintf(buf, sizeof buf, "%sAuthorization: Digest username=\"%s\", realm=\"pbx\", nonce=\"abc\", "
	         "uri=\"sip:10.0.0.10\", response=\"0123456789abcdef0123456789abcdef\"\n",
	         proxy ? "Proxy-" : "", user);
	return buf;
}

/* One attack finding as checked. */
struct hit {
	int rule, severity;
	uint64_t frame;
	char src[64];
	char text[512];
};

/* The attack findings of everything fed (up to max). */
static size_t attacks(struct fx *f, struct hit *h, size_t max)
{
	ingest_finish(f->in);
	track_finish(f->t);
	struct checker *c = check_new(f->s, f->t);
	assert_non_null(c);
	assert_int_equal(check_update(c), 0);
	check_finish(c);
	size_t n = 0;
	for (size_t i = 0; i < check_count(c); i++) {
		const struct check_finding *x = check_at(c, i);
		if (!check_rule_is_attack((enum check_rule)x->rule))
			continue;
		const struct store_msg *m = store_msg_at(f->s, x->msg);
		printf("  frame %llu %s %s: %s\n", (unsigned long long)m->frame, check_rule_info(x->rule)->id,
		       check_severity_name(x->severity), check_text(c, x));
		if (n < max) {
			h[n].rule = x->rule;
			h[n].severity = x->severity;
			h[n].frame = m->frame;
			assert_non_null(store_endpoint_format(store_endpoint(f->s, m->src), h[n].src, sizeof h[n].src));
			snprintf(h[n].text, sizeof h[n].text, "%s", check_text(c, x));
		}
		n++;
	}
	check_free(c);
	return n;
}

static void defaults(void)
{
	struct check_attack_conf cf;
	check_attack_defaults(&cf);
	check_attack_configure(&cf);
}

static void set(const char *setting)
{
	struct check_attack_conf cf;
	char err[200];
	check_attack_current(&cf);
	assert_int_equal(check_attack_set(&cf, setting, err, sizeof err), 0);
	check_attack_configure(&cf);
}

/* ---- scanner ---- */

static void test_scanner_user_agent(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	struct tx t = request(f, 0, ep(ATTACKER, 5070), ep(SERVER, 5060), "OPTIONS", "100", NULL,
	                      "User-Agent: friendly-scanner\n");
	respond(f, 1, &t, 200, NULL);
	t = request(f, 100, ep(ATTACKER, 5070), ep(SERVER, 5060), "OPTIONS", "101", NULL,
	            "User-Agent: friendly-scanner\n");
	struct hit h[4];
	assert_int_equal(attacks(f, h, 4), 1); /* once per source and window */
	assert_int_equal(h[0].rule, CHECK_SCANNER);
	assert_int_equal(h[0].severity, CHECK_WARNING);
	assert_int_equal(h[0].frame, 1);
	assert_string_equal(h[0].src, "10.0.0.66:5070");
	assert_non_null(strstr(h[0].text, "10.0.0.66"));
	assert_non_null(strstr(h[0].text, "friendly-scanner"));
	fx_free(f);
	/* A phone's own User-Agent is nothing. */
	f = fx_new();
	t = request(f, 0, ep(ATTACKER, 5070), ep(SERVER, 5060), "OPTIONS", "100", NULL, "User-Agent: Yealink SIP-T46S\n");
	assert_int_equal(attacks(f, h, 4), 0);
	fx_free(f);
}

/* svmap: OPTIONS to 10 ports, unanswered: a sweep at the 10th; 9 are not. */
static void test_scanner_sweep(void **state)
{
	(void)state;
	for (int ports = 9; ports <= 10; ports++) {
		struct fx *f = fx_new();
		for (int i = 0; i < ports; i++)
			request(f, i * 10, ep(ATTACKER, 5070), ep(SERVER, 5060 + (unsigned)i), "OPTIONS", "100", NULL, NULL);
		struct hit h[4];
		size_t n = attacks(f, h, 4);
		if (ports == 9) {
			assert_int_equal(n, 0);
		} else {
			assert_int_equal(n, 1);
			assert_int_equal(h[0].rule, CHECK_SCANNER);
			assert_int_equal(h[0].frame, 10);
			assert_non_null(strstr(h[0].text, "sweep: 10.0.0.66 probed 10 targets (10.0.0.10:5060, "));
			assert_non_null(strstr(h[0].text, "0 answered"));
		}
		fx_free(f);
	}
}

/* A registrar pinging 20 contacts with OPTIONS every 5 s, each answered:
 * no sweep; a proxy forwarding INVITEs to 20 phones (two Vias): none. */
static void test_keepalive_and_forwarding_not_sweep(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	for (int round = 0; round < 4; round++)
		for (unsigned i = 0; i < 20; i++) {
			struct tx t = request(f, round * 5000 + (long)i * 5, ep(SERVER, 5060), ep(100 + i, 5060),
			                      "OPTIONS", "ping", NULL, NULL);
			respond(f, round * 5000 + (long)i * 5 + 1, &t, 200, NULL);
		}
	for (unsigned i = 0; i < 20; i++) {
		struct tx t = request(f, 30000 + (long)i * 100, ep(SERVER, 5060), ep(200 + i, 5060), "INVITE",
		                      "phone", NULL, "Via: SIP/2.0/UDP 10.0.0.7:5060;branch=z9hG4bK-up\n");
		respond(f, 30000 + (long)i * 100 + 1, &t, 180, NULL);
	}
	struct hit h[4];
	assert_int_equal(attacks(f, h, 4), 0);
	fx_free(f);
}

/* ---- extension-enumeration ---- */

static void test_extension_enumeration(void **state)
{
	(void)state;
	for (int users = 9; users <= 12; users += 3) {
		struct fx *f = fx_new();
		for (int i = 0; i < users; i++) {
			char u[24];
			snprintf(u, sizeof u, "%d", 1990 + i);
			struct tx t = request(f, i * 20, ep(ATTACKER, 5070), ep(SERVER, 5060), "REGISTER", u, NULL, NULL);
			respond(f, i * 20 + 1, &t, i == 5 ? 401 : 404, i == 5 ? CHALLENGE : NULL);
		}
		struct hit h[4];
		size_t n = attacks(f, h, 4);
		if (users == 9) {
			assert_int_equal(n, 0);
		} else {
			assert_int_equal(n, 1);
			assert_int_equal(h[0].rule, CHECK_EXTENSION_ENUMERATION);
			assert_int_equal(h[0].severity, CHECK_WARNING);
			assert_int_equal(h[0].frame, 19); /* the 10th REGISTER, answered */
			assert_string_equal(h[0].src, "10.0.0.66:5070");
			assert_non_null(strstr(h[0].text, "10.0.0.66 tried 10 users (1990, 1991, 1992, ...)"));
			assert_non_null(strstr(h[0].text, "10 answered 401/403/404/407/484, 0 2xx"));
		}
		fx_free(f);
	}
}

/* An SBC registering 15 users from one address: each challenged, each
 * then registered: mostly 2xx, no enumeration, no guessing. */
static void test_sbc_registering_many_users_clean(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	for (int i = 0; i < 15; i++) {
		char u[24];
		snprintf(u, sizeof u, "%d", 3000 + i);
		struct tx t = request(f, i * 50, ep(ATTACKER, 5060), ep(SERVER, 5060), "REGISTER", u, NULL, NULL);
		respond(f, i * 50 + 1, &t, 401, CHALLENGE);
		struct tx t2 = request(f, i * 50 + 2, ep(ATTACKER, 5060), ep(SERVER, 5060), "REGISTER", u, &t, auth(u, 0));
		respond(f, i * 50 + 3, &t2, 200, NULL);
	}
	struct hit h[4];
	assert_int_equal(attacks(f, h, 4), 0);
	fx_free(f);
}

/* A dialer calling 15 numbers from one address, most busy, unavailable
 * or declined: its calls fail, it enumerates nothing. */
static void test_dialer_failing_calls_not_enumeration(void **state)
{
	(void)state;
	static const int st[] = { 486, 480, 603, 487, 408 };
	struct fx *f = fx_new();
	for (int i = 0; i < 15; i++) {
		char u[24];
		snprintf(u, sizeof u, "55501%02d", i);
		struct tx t = request(f, i * 2000, ep(ATTACKER, 5060), ep(SERVER, 5060), "INVITE", u, NULL, NULL);
		respond(f, i * 2000 + 1, &t, 100, NULL);
		respond(f, i * 2000 + 500, &t, st[i % 5], NULL);
	}
	struct hit h[4];
	assert_int_equal(attacks(f, h, 4), 0);
	fx_free(f);
}

/* ---- password-guessing ---- */

/* svcrack: 5 refused attempts for 2000 are a warning on the 5th; the
 * success after them an error; 4 refused then a success: nothing. */
static void test_password_guessing_and_compromise(void **state)
{
	(void)state;
	for (int fails = 4; fails <= 5; fails++) {
		struct fx *f = fx_new();
		struct tx t = request(f, 0, ep(ATTACKER, 5070), ep(SERVER, 5060), "REGISTER", "2000", NULL, NULL);
		respond(f, 1, &t, 401, CHALLENGE);
		for (int i = 0; i < fails; i++) {
			t = request(f, 10 + i * 10, ep(ATTACKER, 5070), ep(SERVER, 5060), "REGISTER", "2000", &t,
			            auth("2000", 0));
			respond(f, 11 + i * 10, &t, 401, CHALLENGE);
		}
		t = request(f, 200, ep(ATTACKER, 5070), ep(SERVER, 5060), "REGISTER", "2000", &t, auth("2000", 0));
		respond(f, 201, &t, 200, NULL);
		struct hit h[4];
		size_t n = attacks(f, h, 4);
		if (fails == 4) {
			assert_int_equal(n, 0);
		} else {
			assert_int_equal(n, 2);
			assert_int_equal(h[0].rule, CHECK_PASSWORD_GUESSING);
			assert_int_equal(h[0].severity, CHECK_WARNING);
			assert_int_equal(h[0].frame, 11); /* the 5th REGISTER with credentials */
			assert_non_null(strstr(h[0].text, "10.0.0.66 failed digest authentication 5 times"));
			assert_non_null(strstr(h[0].text, "user \"2000\""));
			assert_int_equal(h[1].rule, CHECK_PASSWORD_GUESSING);
			assert_int_equal(h[1].severity, CHECK_ERROR);
			assert_int_equal(h[1].frame, 13);
			assert_string_equal(h[1].src, "10.0.0.66:5070");
			assert_non_null(strstr(h[1].text, "user \"2000\" authenticated from 10.0.0.66 after 5 failed"));
			assert_non_null(strstr(h[1].text, "compromised"));
		}
		fx_free(f);
	}
}

/* A guess that starts late in the window a scan opened is not cut in
 * two at its end: refused attempts open a window of their own. */
static void test_password_guessing_not_split_by_scan_window(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	request(f, 0, ep(ATTACKER, 5070), ep(SERVER, 5060), "OPTIONS", "100", NULL, NULL);
	struct tx t = request(f, 55000, ep(ATTACKER, 5070), ep(SERVER, 5060), "REGISTER", "2000", NULL, NULL);
	for (int i = 0; i < 5; i++) {
		t = request(f, 57000 + i * 1000, ep(ATTACKER, 5070), ep(SERVER, 5060), "REGISTER", "2000", &t,
		            auth("2000", 0));
		respond(f, 57000 + i * 1000 + 1, &t, 401, CHALLENGE);
	}
	struct hit h[4];
	assert_int_equal(attacks(f, h, 4), 1);
	assert_int_equal(h[0].rule, CHECK_PASSWORD_GUESSING);
	assert_non_null(strstr(h[0].text, "failed digest authentication 5 times in 4.0 s"));
	fx_free(f);
}

/* One account guessed from 5 addresses, 1 attempt each (no source
 * alone is past the threshold): a warning naming the account and the
 * number of addresses, on the 5th; its success then is an error. */
static void test_password_guessing_distributed(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	struct tx t;
	for (unsigned i = 0; i < 5; i++) {
		t = request(f, (long)i * 100, ep(ATTACKER + i, 5070), ep(SERVER, 5060), "REGISTER", "2000", NULL,
		            auth("2000", 0));
		respond(f, (long)i * 100 + 1, &t, 403, NULL);
	}
	t = request(f, 1000, ep(ATTACKER + 9, 5070), ep(SERVER, 5060), "REGISTER", "2000", NULL, auth("2000", 0));
	respond(f, 1001, &t, 200, NULL);
	struct hit h[4];
	assert_int_equal(attacks(f, h, 4), 2);
	assert_int_equal(h[0].rule, CHECK_PASSWORD_GUESSING);
	assert_int_equal(h[0].severity, CHECK_WARNING);
	assert_int_equal(h[0].frame, 9);
	assert_non_null(strstr(h[0].text, "user \"2000\" failed digest authentication 5 times in 0.4 s from 5 "
	                                  "addresses, the last 10.0.0.70"));
	assert_int_equal(h[1].severity, CHECK_ERROR);
	assert_string_equal(h[1].src, "10.0.0.75:5070");
	assert_non_null(strstr(h[1].text, "after 5 failed digest attempts from 5 addresses"));
	fx_free(f);
}

/* Twenty phones: REGISTER, 401, REGISTER with credentials, 200, three
 * times each (the 2nd time the nonce is stale: 401 stale=true, then
 * 200); calls challenged by the proxy with 407 then connected.  No
 * attack finding at all. */
static void test_legitimate_traffic_clean(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	long ms = 0;
	for (int round = 0; round < 3; round++)
		for (unsigned p = 0; p < 20; p++) {
			char u[24];
			snprintf(u, sizeof u, "%u", 1001 + p);
			struct store_endpoint ph = ep(20 + p, 5060);
			struct tx t = request(f, ms++, ph, ep(SERVER, 5060), "REGISTER", u, NULL, NULL);
			respond(f, ms++, &t, 401, CHALLENGE);
			t = request(f, ms++, ph, ep(SERVER, 5060), "REGISTER", u, &t, auth(u, 0));
			if (round == 1) {
				respond(f, ms++, &t, 401, STALE);
				t = request(f, ms++, ph, ep(SERVER, 5060), "REGISTER", u, &t, auth(u, 0));
			}
			respond(f, ms++, &t, 200, NULL);
			if (round == 2) { /* a call to an international number, challenged */
				struct tx c = request(f, ms++, ph, ep(SERVER, 5060), "INVITE", "+4930123456", NULL, NULL);
				respond(f, ms++, &c, 407, PCHALLENGE);
				c = request(f, ms++, ph, ep(SERVER, 5060), "INVITE", "+4930123456", &c, auth(u, 1));
				respond(f, ms++, &c, 200, NULL);
			}
			ms += 100;
		}
	struct hit h[4];
	assert_int_equal(attacks(f, h, 4), 0);
	fx_free(f);
}

/* ---- floods ---- */

static void test_register_and_invite_flood(void **state)
{
	(void)state;
	set("register-flood=20");
	set("invite-flood=10");
	for (int extra = 0; extra <= 1; extra++) {
		struct fx *f = fx_new();
		for (int i = 0; i < 19 + extra; i++) {
			struct tx t = request(f, i * 100, ep(ATTACKER, 5070), ep(SERVER, 5060), "REGISTER", "1001", NULL, NULL);
			respond(f, i * 100 + 1, &t, 200, NULL);
		}
		for (int i = 0; i < 9 + extra; i++) {
			struct tx t = request(f, 3000 + i * 100, ep(ATTACKER + 1, 5070), ep(SERVER, 5060), "INVITE", "1002",
			                      NULL, NULL);
			respond(f, 3000 + i * 100 + 1, &t, 486, NULL);
		}
		/* The same counts spread over more than the 10 s window: none. */
		for (int i = 0; i < 25; i++)
			request(f, 10000 + i * 1000, ep(ATTACKER + 2, 5070), ep(SERVER, 5060), "REGISTER", "1003", NULL, NULL);
		struct hit h[4];
		size_t n = attacks(f, h, 4);
		if (!extra) {
			assert_int_equal(n, 0);
		} else {
			assert_int_equal(n, 2);
			assert_int_equal(h[0].rule, CHECK_REGISTER_FLOOD);
			assert_int_equal(h[0].frame, 39); /* the 20th REGISTER */
			assert_non_null(strstr(h[0].text, "10.0.0.66 sent 20 REGISTER requests in 1.9 s (threshold 20 in 10 s)"));
			assert_int_equal(h[1].rule, CHECK_INVITE_FLOOD);
			assert_string_equal(h[1].src, "10.0.0.67:5070");
			assert_non_null(strstr(h[1].text, "sent 10 INVITE requests"));
		}
		fx_free(f);
	}
	defaults();
}

/* ---- toll-fraud ---- */

static void test_toll_fraud_after_failed_auth(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	/* One refused attempt, then calls: premium (error), international
	 * (warning), national (nothing). */
	struct tx t = request(f, 0, ep(ATTACKER, 5070), ep(SERVER, 5060), "INVITE", "100", NULL, auth("100", 1));
	respond(f, 1, &t, 403, NULL);
	t = request(f, 1000, ep(ATTACKER, 5070), ep(SERVER, 5060), "INVITE", "00881234567", NULL, NULL);
	t = request(f, 2000, ep(ATTACKER, 5070), ep(SERVER, 5060), "INVITE", "+44-20-7946-0000", NULL, NULL);
	t = request(f, 3000, ep(ATTACKER, 5070), ep(SERVER, 5060), "INVITE", "0301234567", NULL, NULL);
	/* Another source calls the same without failing: nothing. */
	t = request(f, 4000, ep(ATTACKER + 5, 5070), ep(SERVER, 5060), "INVITE", "00881234567", NULL, NULL);
	struct hit h[4];
	assert_int_equal(attacks(f, h, 4), 2);
	assert_int_equal(h[0].rule, CHECK_TOLL_FRAUD);
	assert_int_equal(h[0].severity, CHECK_ERROR);
	assert_int_equal(h[0].frame, 3);
	assert_non_null(strstr(h[0].text, "call to premium number +881234567 from 10.0.0.66, which just failed "
	                                  "digest authentication 1 time"));
	assert_int_equal(h[1].severity, CHECK_WARNING);
	assert_non_null(strstr(h[1].text, "call to international number +442079460000"));
	fx_free(f);
}

/* A guessed account calling abroad: an error even for an international
 * number; five distinct numbers from one source: a burst (warning). */
static void test_toll_fraud_after_guessing_and_burst(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	struct tx t = request(f, 0, ep(ATTACKER, 5070), ep(SERVER, 5060), "REGISTER", "2000", NULL, NULL);
	for (int i = 0; i < 5; i++) {
		t = request(f, 10 + i * 10, ep(ATTACKER, 5070), ep(SERVER, 5060), "REGISTER", "2000", &t, auth("2000", 0));
		respond(f, 11 + i * 10, &t, 401, CHALLENGE);
	}
	t = request(f, 100, ep(ATTACKER, 5070), ep(SERVER, 5060), "INVITE", "+4930111", NULL, NULL);
	struct hit h[8];
	assert_int_equal(attacks(f, h, 8), 2);
	assert_int_equal(h[1].rule, CHECK_TOLL_FRAUD);
	assert_int_equal(h[1].severity, CHECK_ERROR);
	assert_non_null(strstr(h[1].text, "which failed digest authentication 5 times (password guessing)"));
	fx_free(f);

	/* Without a home country, +E.164 numbers are what a trunk dials: only
	 * premium ones count; with one, the others abroad count too. */
	f = fx_new();
	for (int i = 0; i < 5; i++) {
		char num[32];
		snprintf(num, sizeof num, "011%d55512%02d", 44 + i, i);
		request(f, i * 3000, ep(ATTACKER, 5070), ep(SERVER, 5060), "INVITE", num, NULL, NULL);
	}
	assert_int_equal(attacks(f, h, 8), 0);
	fx_free(f);
	set("home-country=1");
	for (int calls = 4; calls <= 5; calls++) {
		f = fx_new();
		for (int i = 0; i < calls; i++) {
			char num[32];
			snprintf(num, sizeof num, "011%d55512%02d", 44 + i, i);
			struct tx c = request(f, i * 3000, ep(ATTACKER, 5070), ep(SERVER, 5060), "INVITE", num, NULL, NULL);
			respond(f, i * 3000 + 1, &c, 200, NULL);
		}
		size_t n = attacks(f, h, 8);
		if (calls == 4) {
			assert_int_equal(n, 0);
		} else {
			assert_int_equal(n, 1);
			assert_int_equal(h[0].severity, CHECK_WARNING);
			assert_non_null(strstr(h[0].text, "10.0.0.66 called 5 international or premium numbers (+445551200, "
			                                  "+455551201, +465551202, ...) in 12.0 s"));
		}
		fx_free(f);
	}
	defaults();
	f = fx_new(); /* premium numbers make a burst by default */
	for (int i = 0; i < 5; i++) {
		char num[32];
		snprintf(num, sizeof num, "+88255512%02d", i);
		request(f, i * 3000, ep(ATTACKER, 5070), ep(SERVER, 5060), "INVITE", num, NULL, NULL);
	}
	assert_int_equal(attacks(f, h, 8), 1);
	assert_non_null(strstr(h[0].text, "10.0.0.66 called 5 premium numbers (+8825551200, "));
	fx_free(f);
}

/* home-country: calls there are not international; toll-prefix replaces
 * the premium list. */
static void test_toll_settings(void **state)
{
	(void)state;
	set("home-country=+49");
	set("toll-prefix=0137");
	set("toll-prefix=00999");
	struct fx *f = fx_new();
	struct tx t = request(f, 0, ep(ATTACKER, 5070), ep(SERVER, 5060), "INVITE", "1", NULL, auth("1", 1));
	respond(f, 1, &t, 407, PCHALLENGE);
	request(f, 10, ep(ATTACKER, 5070), ep(SERVER, 5060), "INVITE", "+4930111", NULL, NULL);   /* home */
	request(f, 20, ep(ATTACKER, 5070), ep(SERVER, 5060), "INVITE", "0137555", NULL, NULL);    /* premium */
	request(f, 30, ep(ATTACKER, 5070), ep(SERVER, 5060), "INVITE", "+99912", NULL, NULL);     /* premium */
	request(f, 40, ep(ATTACKER, 5070), ep(SERVER, 5060), "INVITE", "+881999", NULL, NULL);    /* intl now */
	struct hit h[8];
	assert_int_equal(attacks(f, h, 8), 3);
	assert_non_null(strstr(h[0].text, "premium number 0137555"));
	assert_non_null(strstr(h[1].text, "premium number +99912"));
	assert_non_null(strstr(h[2].text, "international number +881999"));
	assert_int_equal(h[2].severity, CHECK_WARNING);
	fx_free(f);
	defaults();
}

static void test_settings_parse(void **state)
{
	(void)state;
	struct check_attack_conf cf;
	char err[200];
	check_attack_defaults(&cf);
	assert_int_equal(cf.window_s, 60);
	assert_int_equal(cf.npremium, 8);
	assert_string_equal(cf.premium[1], "+881");
	assert_int_equal(check_attack_set(&cf, "auth-failures=3", err, sizeof err), 0);
	assert_int_equal(cf.auth_failures, 3);
	assert_int_equal(check_attack_set(&cf, "window=0", err, sizeof err), -1);
	assert_non_null(strstr(err, "window"));
	assert_int_equal(check_attack_set(&cf, "scanner-targets=33", err, sizeof err), -1); /* the set's cap */
	assert_int_equal(check_attack_set(&cf, "enum-users=x", err, sizeof err), -1);
	assert_int_equal(check_attack_set(&cf, "nonsense=1", err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown setting 'nonsense'"));
	assert_int_equal(check_attack_set(&cf, "window", err, sizeof err), -1);
	assert_int_equal(check_attack_set(&cf, "home-country=abc", err, sizeof err), -1);
	assert_int_equal(check_attack_set(&cf, "toll-prefix=+8a", err, sizeof err), -1);
	assert_int_equal(check_attack_set(&cf, "toll-prefix=011882", err, sizeof err), 0);
	assert_int_equal(cf.npremium, 1);
	assert_string_equal(cf.premium[0], "+882");
	assert_int_equal(check_attack_set(&cf, "toll-prefix=1900", err, sizeof err), 0);
	assert_int_equal(cf.npremium, 2);
	for (int r = 0; r < CHECK_RULE__COUNT; r++)
		assert_int_equal(check_rule_is_attack((enum check_rule)r),
		                 r == CHECK_SCANNER || r == CHECK_EXTENSION_ENUMERATION || r == CHECK_PASSWORD_GUESSING ||
		                 r == CHECK_REGISTER_FLOOD || r == CHECK_INVITE_FLOOD || r == CHECK_TOLL_FRAUD);
	assert_int_equal(check_rule_parse("extension-enumeration"), CHECK_EXTENSION_ENUMERATION);
}

/* 20000 one-shot sources (five times the table) around an attacker's
 * five refused attempts: the attacker, active, stays tracked and is found;
 * the one-shot sources are evicted, not grown into. */
static void test_bounded_table_keeps_active_attacker(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	struct tx t = request(f, 0, ep(ATTACKER, 5070), ep(SERVER, 5060), "REGISTER", "2000", NULL, NULL);
	long ms = 1;
	for (int i = 0; i < 5; i++) {
		for (unsigned k = 0; k < 4000; k++)
			request(f, ms, ep(1000 + (unsigned)i * 4000 + k, 5060), ep(SERVER, 5060), "OPTIONS", "x", NULL, NULL);
		ms += 10;
		t = request(f, ms, ep(ATTACKER, 5070), ep(SERVER, 5060), "REGISTER", "2000", &t, auth("2000", 0));
		respond(f, ms + 1, &t, 403, NULL);
		ms += 10;
	}
	struct hit h[4];
	assert_int_equal(attacks(f, h, 4), 1);
	assert_int_equal(h[0].rule, CHECK_PASSWORD_GUESSING);
	assert_string_equal(h[0].src, "10.0.0.66:5070");
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scanner_user_agent),
		cmocka_unit_test(test_scanner_sweep),
		cmocka_unit_test(test_keepalive_and_forwarding_not_sweep),
		cmocka_unit_test(test_extension_enumeration),
		cmocka_unit_test(test_sbc_registering_many_users_clean),
		cmocka_unit_test(test_dialer_failing_calls_not_enumeration),
		cmocka_unit_test(test_password_guessing_and_compromise),
		cmocka_unit_test(test_password_guessing_not_split_by_scan_window),
		cmocka_unit_test(test_password_guessing_distributed),
		cmocka_unit_test(test_legitimate_traffic_clean),
		cmocka_unit_test(test_register_and_invite_flood),
		cmocka_unit_test(test_toll_fraud_after_failed_auth),
		cmocka_unit_test(test_toll_fraud_after_guessing_and_burst),
		cmocka_unit_test(test_toll_settings),
		cmocka_unit_test(test_settings_parse),
		cmocka_unit_test(test_bounded_table_keeps_active_attacker),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
