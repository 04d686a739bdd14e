/* test_check_identity.c - the checker's STIR/SHAKEN rules (check_identity.c)
 * on crafted INVITEs: each rule triggered, and a near miss that must not.
 * The PASSporTs are unsigned (signature "AAAA", no --stir-cert): their
 * signature is judged in test_identity.c and the integration tests; here
 * the claims against the SIP headers, the time, and trunks that must sign. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64url_enc.h"
#include "sipscope/check.h"
#include "sipscope/identity.h"
#include "sipscope/ingest.h"
#include "sipscope/store.h"
#include "sipscope/track.h"

#define T0_S 1700000000LL

struct fx {
	struct store *s;
	struct tracker *t;
	struct ingest *in;
	uint64_t frame;
	struct checker *c;
};

static void fx_init(struct fx *f)
{
	memset(f, 0, sizeof *f);
	f->s = store_new();
	f->t = track_new(f->s);
	f->in = ingest_new(f->s, f->t);
	assert_non_null(f->in);
}

static void fx_done(struct fx *f)
{
	check_free(f->c);
	ingest_free(f->in);
	track_free(f->t);
	store_free(f->s);
}

/* An INVITE from 10.0.0.<src>:5060 at T0_S + at_s, with From, To and
 * Request-URI users, extra header lines (each ending in \n, sent as CRLF)
 * and, unless claims is NULL, an Identity of those claims. */
static void invite(struct fx *f, int src, long at_s, const char *cid, const char *ruri, const char *from,
                   const char *to, const char *extra, const char *claims)
{
	char ident[2200] = "", h[512], c[1500], raw[4096], msg[8400];
	if (claims) {
		b64("{\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":\"passport\",\"x5u\":\"https://c.example/sp.pem\"}", h);
		b64(claims, c);
		snprintf(ident, sizeof ident, "Identity: %s.%s.AAAA;info=<https://c.example/sp.pem>;alg=ES256;ppt=shaken\n",
		         h, c);
	}
	snprintf(raw, sizeof raw,
	         "INVITE %s SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.%d:5060;branch=z9hG4bK-%s\nMax-Forwards: 70\n"
	         "From: <%s>;tag=f-%s\nTo: <%s>\nCall-ID: %s\nCSeq: 1 INVITE\nContact: <sip:a@10.0.0.%d>\n%s%s"
	         "Content-Length: 0\n\n",
	         ruri, src, cid, from, cid, to, cid, src, extra ? extra : "", ident);
	size_t n = 0;
	for (const char *p = raw; *p; p++) {
		if (*p == '\n')
			msg[n++] = '\r';
		msg[n++] = *p;
	}
	struct store_endpoint a, b;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	a.family = b.family = 4;
	a.addr[0] = b.addr[0] = 10;
	a.addr[3] = (uint8_t)src;
	b.addr[3] = 3;
	a.port = b.port = 5060;
	assert_int_equal(ingest_raw_message(f->in, ++f->frame, (T0_S + at_s) * 1000000LL, &a, &b, STORE_TP_UDP, 0,
	                                    msg, n), 1);
}

static void run(struct fx *f)
{
	ingest_finish(f->in);
	track_finish(f->t);
	f->c = check_new(f->s, f->t);
	assert_non_null(f->c);
	assert_int_equal(check_update(f->c), 0);
	check_finish(f->c);
}

/* Findings of rule r on frame (1-based). */
static size_t on(struct fx *f, uint64_t frame, enum check_rule r)
{
	size_t n = 0;
	for (size_t i = 0; i < check_count(f->c); i++) {
		const struct check_finding *x = check_at(f->c, i);
		if (x->rule == r && store_msg_at(f->s, x->msg)->frame == frame)
			n++;
	}
	return n;
}

#define CLAIMS(orig, dest, iat) \
	"{\"attest\":\"A\",\"dest\":{\"tn\":[\"" dest "\"]},\"iat\":" iat ",\"orig\":{\"tn\":\"" orig "\"},\"origid\":\"x\"}"

static void test_tn_match_normalised_and_mismatch(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	/* 1: numbers as E.164 with separators, tel: To, ;user=phone: no finding */
	invite(&f, 1, 0, "c1", "sip:+1-555-123-0002@b.example;user=phone", "sip:+1(555)1230001@a.example;user=phone",
	       "tel:+1.555.123.0002", NULL, CLAIMS("15551230001", "15551230002", "1700000000"));
	/* 2: the orig is the P-Asserted-Identity's, not From's (a name): no finding */
	invite(&f, 1, 1, "c2", "sip:15551230002@b.example", "sip:alice@a.example", "sip:15551230002@b.example",
	       "P-Asserted-Identity: <sip:+15551230001@a.example>, <tel:+15551230009>\n",
	       CLAIMS("15551230001", "15551230002", "1700000001"));
	/* 3: the orig tn is another number */
	invite(&f, 1, 2, "c3", "sip:15551230002@b.example", "sip:15551230001@a.example", "sip:15551230002@b.example",
	       NULL, CLAIMS("15559990000", "15551230002", "1700000002"));
	/* 4: the dest tn is neither To's nor the Request-URI's */
	invite(&f, 1, 3, "c4", "sip:15551230002@b.example", "sip:15551230001@a.example", "sip:15551230002@b.example",
	       NULL, CLAIMS("15551230001", "15551239999", "1700000003"));
	/* 5: the dest is only the Request-URI's (To names a person): no finding */
	invite(&f, 1, 4, "c5", "sip:15551230002@b.example", "sip:15551230001@a.example", "sip:bob@b.example",
	       NULL, CLAIMS("15551230001", "+1 555 123 0002", "1700000004"));
	run(&f);
	assert_int_equal(on(&f, 1, CHECK_IDENTITY_TN_MISMATCH), 0);
	assert_int_equal(on(&f, 2, CHECK_IDENTITY_TN_MISMATCH), 0);
	assert_int_equal(on(&f, 3, CHECK_IDENTITY_TN_MISMATCH), 1);
	assert_int_equal(on(&f, 4, CHECK_IDENTITY_TN_MISMATCH), 1);
	assert_int_equal(on(&f, 5, CHECK_IDENTITY_TN_MISMATCH), 0);
	assert_int_equal(check_rule_hits(f.c, CHECK_IDENTITY_TN_MISMATCH), 2);
	/* no certificate given: each one unverified (info), none a signature error */
	assert_int_equal(check_rule_hits(f.c, CHECK_IDENTITY_UNVERIFIED), 5);
	assert_int_equal(check_rule_hits(f.c, CHECK_IDENTITY_SIGNATURE), 0);
	fx_done(&f);
}

static void test_stale_iat_past_60_s(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	const char *n = "sip:15551230001@a.example", *d = "sip:15551230002@b.example";
	invite(&f, 1, 60, "s1", d, n, d, NULL, CLAIMS("15551230001", "15551230002", "1700000000")); /* 60 s: ok */
	invite(&f, 1, 61, "s2", d, n, d, NULL, CLAIMS("15551230001", "15551230002", "1700000000")); /* 61 s */
	invite(&f, 1, 62, "s3", d, n, d, NULL, CLAIMS("15551230001", "15551230002", "1700000200")); /* ahead */
	run(&f);
	assert_int_equal(on(&f, 1, CHECK_IDENTITY_STALE), 0);
	assert_int_equal(on(&f, 2, CHECK_IDENTITY_STALE), 1);
	assert_int_equal(on(&f, 3, CHECK_IDENTITY_STALE), 1);
	for (size_t i = 0; i < check_count(f.c); i++)
		if (check_at(f.c, i)->rule == CHECK_IDENTITY_STALE)
			assert_int_equal(check_at(f.c, i)->severity, CHECK_WARNING);
	fx_done(&f);
}

static void test_undecodable_identity_is_a_signature_error(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	const char *d = "sip:15551230002@b.example";
	invite(&f, 1, 0, "u1", d, "sip:15551230001@a.example", d,
	       "Identity: eyJhbGciOiJFUzI1NiJ9.not*base64.AAAA;info=<https://c.example/sp.pem>\n", NULL);
	run(&f);
	assert_int_equal(on(&f, 1, CHECK_IDENTITY_SIGNATURE), 1);
	assert_int_equal(check_msg_worst(f.c, 0), CHECK_ERROR);
	fx_done(&f);
}

static void test_missing_only_from_a_signer(void **state)
{
	(void)state;
	char err[200];
	struct fx f;
	fx_init(&f);
	const char *d = "sip:15551230002@b.example", *o = "sip:15551230001@a.example";
	invite(&f, 1, 0, "m1", d, o, d, NULL, NULL); /* 10.0.0.1: no signer, no finding */
	invite(&f, 2, 1, "m2", d, o, d, NULL, NULL); /* 10.0.0.2: a signer that did not sign */
	invite(&f, 2, 2, "m3", d, o, d, NULL, CLAIMS("15551230001", "15551230002", "1700000002"));
	run(&f);
	assert_int_equal(check_rule_hits(f.c, CHECK_IDENTITY_MISSING), 0);
	check_free(f.c);
	/* the same capture checked again once 10.0.0.2 must sign */
	assert_int_equal(identity_keys_add_signer(identity_keys_default(), "10.0.0.2", err, sizeof err), 0);
	f.c = check_new(f.s, f.t);
	assert_int_equal(check_update(f.c), 0);
	check_finish(f.c);
	assert_int_equal(on(&f, 1, CHECK_IDENTITY_MISSING), 0);
	assert_int_equal(on(&f, 2, CHECK_IDENTITY_MISSING), 1);
	assert_int_equal(on(&f, 3, CHECK_IDENTITY_MISSING), 0);
	fx_done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tn_match_normalised_and_mismatch),
		cmocka_unit_test(test_stale_iat_past_60_s),
		cmocka_unit_test(test_undecodable_identity_is_a_signature_error),
		cmocka_unit_test(test_missing_only_from_a_signer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
