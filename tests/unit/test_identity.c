/* test_identity.c - the Identity header and PASSporT decoder, and ES256
 * verification (identity.h).  The token was made by secsipidx 1.2.0
 * (-sign -a A -o 15551230001 -d 15551230002 -iat 1700000000) with the key
 * of UNIT_CERT, a self-signed P-256 certificate made by the openssl CLI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "guard.h"
#include "b64url_enc.h"
#include "sipscope/base64.h"
#include "sipscope/identity.h"

#define TOKEN "eyJhbGciOiJFUzI1NiIsInBwdCI6InNoYWtlbiIsInR5cCI6InBhc3Nwb3J0IiwieDV1IjoiaHR0cHM6Ly9jZXJ0cy5leGFtcGxlLm9yZy91bml0LnBlbSJ9.eyJhdHRlc3QiOiJBIiwiZGVzdCI6eyJ0biI6WyIxNTU1MTIzMDAwMiJdfSwiaWF0IjoxNzAwMDAwMDAwLCJvcmlnIjp7InRuIjoiMTU1NTEyMzAwMDEifSwib3JpZ2lkIjoiMTIzZTQ1NjctZTg5Yi0xMmQzLWE0NTYtNDI2NjU1NDQwMDAwIn0.InZpvbYPfMuY1LgIZak8So4Yvk3wcDlN_uBY13FQ_eGqIrOA3EYlOIgGW7ziYRO4YvDHMSSHpm26dfuuvoIbqw"
#define PARAMS ";info=<https://certs.example.org/unit.pem>;alg=ES256;ppt=shaken"
#define X5U "https://certs.example.org/unit.pem"

static const char UNIT_CERT[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBkTCCATegAwIBAgIUJUX27xgpkmbHIfCr4jhezpFpYjUwCgYIKoZIzj0EAwIw\n"
	"HTEbMBkGA1UEAwwSc2lwc2NvcGUgdW5pdCB0ZXN0MCAXDTI2MTIwODAyNTM0NVoY\n"
	"DzIxMjYxMTE0MDI1MzQ1WjAdMRswGQYDVQQDDBJzaXBzY29wZSB1bml0IHRlc3Qw\n"
	"WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATgBRuiesPPp2K27rRzcgLbWb/e2k//\n"
	"ap0cc++TyysGQ3QI0KyBUMlNe5mHi5PCT1xyyKyR+6WF4ZMKfvfKjN5Xo1MwUTAd\n"
	"BgNVHQ4EFgQU7o7EzBaFuUMkaCwMfBRZAXiClpcwHwYDVR0jBBgwFoAU7o7EzBaF\n"
	"uUMkaCwMfBRZAXiClpcwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBF\n"
	"AiEAmXSRmRjB9UHxWP0HKzl/bZH6HTo3omKlLwQfyrQsIRACIGry+Rt0qOmmkfPO\n"
	"zDEq1MpmAfRVCYAQtxdt3J04N+Br\n"
	"-----END CERTIFICATE-----\n";

static struct identity id;

static struct sv G(const char *s)
{
	size_t n = strlen(s);
	return sv_make(guard_place(&g, s, n), n);
}

static int sv_is(struct sv v, const char *s)
{
	return v.p != NULL && v.len == strlen(s) && memcmp(v.p, s, v.len) == 0;
}

#define assert_sv(v, s) assert_true(sv_is((v), (s)))

/* A file NAME in a directory of its own under $TMPDIR holding text; its
 * path in buf (the base name is what x5u matching reads). */
static char dir[400];

static void write_file(char *buf, size_t n, const char *name, const char *text)
{
	if (!dir[0]) {
		const char *tmp = getenv("TMPDIR");
		snprintf(dir, sizeof dir, "%s/sipscope-test-identity-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		assert_non_null(mkdtemp(dir));
	}
	snprintf(buf, n, "%s/%s", dir, name);
	FILE *f = fopen(buf, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* "hdr.claims.AAAA" + PARAMS for crafted JSON. */
static struct sv crafted(const char *hdr, const char *claims)
{
	static char buf[8192];
	char h[3000], c[3000];
	b64(hdr, h);
	b64(claims, c);
	snprintf(buf, sizeof buf, "%s.%s.AAAA" PARAMS, h, c);
	return G(buf);
}

static const char *HDR = "{\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":\"passport\",\"x5u\":\"" X5U "\"}";

static void test_secsipidx_token_decodes(void **state)
{
	(void)state;
	const char *why = "unset";
	assert_int_equal(identity_parse(G(TOKEN PARAMS), &id, &why), 0);
	assert_null(why);
	assert_sv(id.alg, "ES256");
	assert_sv(id.typ, "passport");
	assert_sv(id.ppt, "shaken");
	assert_sv(id.x5u, X5U);
	assert_sv(id.info, X5U);
	assert_sv(id.alg_param, "ES256");
	assert_sv(id.ppt_param, "shaken");
	assert_sv(id.attest, "A");
	assert_sv(id.orig_tn, "15551230001");
	assert_int_equal(id.ndest_tn, 1);
	assert_sv(id.dest_tn[0], "15551230002");
	assert_true(id.has_iat);
	assert_int_equal(id.iat, 1700000000);
	assert_sv(id.origid, "123e4567-e89b-12d3-a456-426655440000");
	assert_int_equal(id.sig_len, 64);
	assert_false(id.compact);
	/* the signing input is the token up to its second dot */
	const char *last = strrchr(TOKEN, '.');
	assert_int_equal(id.signing_input.len, (size_t)(last - TOKEN));
}

static void test_every_prefix_is_safe(void **state)
{
	(void)state;
	const char *full = TOKEN PARAMS;
	size_t n = strlen(full);
	for (size_t i = 0; i <= n; i++) {
		const char *why = NULL;
		int rc = identity_parse(sv_make(guard_place(&g, full, i), i), &id, &why);
		assert_true(rc == 0 || why != NULL);
	}
}

static void test_compact_passport_has_no_claims(void **state)
{
	(void)state;
	char buf[600];
	const char *dot = strchr(TOKEN, '.'), *last = strrchr(TOKEN, '.');
	snprintf(buf, sizeof buf, "%.*s.%s" PARAMS, (int)(dot - TOKEN), TOKEN, last);
	assert_int_equal(identity_parse(G(buf), &id, NULL), 0);
	assert_true(id.compact);
	assert_null(id.attest.p);
	char reason[200];
	assert_int_equal(identity_verify(NULL, &id, 1700000000, reason, sizeof reason), IDENTITY_UNVERIFIED);
	assert_non_null(strstr(reason, "compact"));
}

static void test_bad_header_values_refused(void **state)
{
	(void)state;
	const char *why;
	assert_int_equal(identity_parse(G(""), &id, &why), -1);
	assert_int_equal(identity_parse(G("\"c2lnbmF0dXJl\""), &id, &why), -1);
	assert_non_null(strstr(why, "4474"));
	assert_int_equal(identity_parse(G("abc.def"), &id, &why), -1);
	assert_int_equal(identity_parse(G("a.b.c.d"), &id, &why), -1);
	assert_int_equal(identity_parse(G(TOKEN ";info=https://no-brackets"), &id, &why), -1);
	assert_string_equal(why, "info is not <URI>");
	assert_int_equal(identity_parse(G(TOKEN " junk"), &id, &why), -1);
	/* a signature that is not base64url */
	assert_int_equal(identity_parse(G("eyJ9.eyJ9.a*b"), &id, &why), -1);
}

static void test_json_reader_is_strict(void **state)
{
	(void)state;
	const char *why;
	/* trailing bytes, duplicate key, bad escape, unterminated, control char */
	assert_int_equal(identity_parse(crafted(HDR, "{\"attest\":\"A\"} x"), &id, &why), -1);
	assert_string_equal(why, "JSON: bytes after the object");
	assert_int_equal(identity_parse(crafted(HDR, "{\"attest\":\"A\",\"attest\":\"C\"}"), &id, &why), -1);
	assert_string_equal(why, "JSON: duplicate key");
	assert_int_equal(identity_parse(crafted(HDR, "{\"attest\":\"\\\\q\"}"), &id, &why), 0);
	assert_int_equal(identity_parse(crafted(HDR, "{\"attest\":\"\\q\"}"), &id, &why), -1);
	assert_int_equal(identity_parse(crafted(HDR, "{\"attest\":\"A}"), &id, &why), -1);
	assert_int_equal(identity_parse(crafted(HDR, "{\"attest\":\"A\nB\"}"), &id, &why), -1);
	assert_int_equal(identity_parse(crafted(HDR, "{\"iat\":1.5}"), &id, &why), -1);
	assert_int_equal(identity_parse(crafted(HDR, "{\"iat\":\"1700000000\"}"), &id, &why), -1);
	assert_int_equal(identity_parse(crafted(HDR, "{\"x\":01}"), &id, &why), -1);
	assert_int_equal(identity_parse(crafted(HDR, "{\"x\":[1,]}"), &id, &why), -1);
	assert_int_equal(identity_parse(crafted(HDR, "{\"x\":tru}"), &id, &why), -1);
	assert_int_equal(identity_parse(crafted(HDR, "{\"x\":[[[[[[[[[1]]]]]]]]]}"), &id, &why), -1);
	assert_string_equal(why, "JSON: nested too deep");
	assert_int_equal(identity_parse(crafted(HDR, "{\"x\":\"\\ud800\"}"), &id, &why), -1);
	assert_int_equal(identity_parse(crafted(HDR, "[1]"), &id, &why), -1);
	/* what is allowed: unknown members of any type, white space */
	assert_int_equal(identity_parse(crafted(HDR, " { \"x\" : [ 1.5e3 , true , null , { } ] ,"
	                                             "\"attest\" : \"C\" } "), &id, &why), 0);
	assert_sv(id.attest, "C");
}

static void test_json_escapes_unescaped(void **state)
{
	(void)state;
	assert_int_equal(identity_parse(crafted(HDR, "{\"orig\":{\"tn\":\"1555\\u0031\"},"
	                                             "\"origid\":\"\\ud83d\\ude00\\/\\\"\"}"), &id, NULL), 0);
	assert_sv(id.orig_tn, "15551");
	assert_sv(id.origid, "\xf0\x9f\x98\x80/\"");
}

static void test_dest_div_and_caps(void **state)
{
	(void)state;
	assert_int_equal(identity_parse(crafted(HDR, "{\"dest\":{\"tn\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\","
	                                             "\"8\",\"9\",\"10\"],\"uri\":[\"sip:bob@example.com\"]},"
	                                             "\"orig\":{\"uri\":\"sip:alice@example.com\"},"
	                                             "\"div\":{\"tn\":\"15550000000\"}}"), &id, NULL), 0);
	assert_int_equal(id.ndest_tn, IDENTITY_MAX_DEST);
	assert_int_equal(id.dest_dropped, 2);
	assert_int_equal(id.ndest_uri, 1);
	assert_sv(id.dest_uri[0], "sip:bob@example.com");
	assert_sv(id.orig_uri, "sip:alice@example.com");
	assert_null(id.orig_tn.p);
	assert_true(id.has_div);
	assert_sv(id.div_tn, "15550000000");
}

static void test_b64url(void **state)
{
	(void)state;
	uint8_t out[8];
	assert_int_equal(identity_b64url_decode(G("YWJj"), out, sizeof out), 3);
	assert_memory_equal(out, "abc", 3);
	assert_int_equal(identity_b64url_decode(G("YQ"), out, sizeof out), 1);
	assert_int_equal(identity_b64url_decode(G("-_8"), out, sizeof out), 2);
	assert_int_equal(out[0], 0xfb);
	assert_int_equal(identity_b64url_decode(G("Y"), out, sizeof out), -1);
	assert_int_equal(identity_b64url_decode(G("YQ=="), out, sizeof out), -1); /* JWS has no padding */
	assert_int_equal(identity_b64url_decode(G("a+b/"), out, sizeof out), -1); /* not the url alphabet */
	assert_int_equal(identity_b64url_decode(G("YWJjZGVmZ2hp"), out, sizeof out), -1); /* 9 > 8 */
	/* the standard alphabet (SDES keys) shares the decoder: padding allowed */
	assert_int_equal(base64_decode(G("YQ=="), out, sizeof out, 0), 1);
	assert_int_equal(base64_decode(G("+/8="), out, sizeof out, 0), 2);
	assert_int_equal(out[0], 0xfb);
	assert_int_equal(base64_decode(G("YQ==="), out, sizeof out, 0), -1);
	assert_int_equal(base64_decode(G("-_8"), out, sizeof out, 0), -1);
	assert_int_equal(base64_digit('-', 1), 62);
	assert_int_equal(base64_digit('-', 0), -1);
}

static void test_tn_normalize(void **state)
{
	(void)state;
	char out[32];
	assert_int_equal(identity_tn_normalize(G("+1 (555) 123-4567"), out, sizeof out), 11);
	assert_string_equal(out, "15551234567");
	assert_int_equal(identity_tn_normalize(G("1.555.123;npdi"), out, sizeof out), 7);
	assert_string_equal(out, "1555123");
	assert_int_equal(identity_tn_normalize(G("alice"), out, sizeof out), -1);
	assert_string_equal(out, "");
	assert_int_equal(identity_tn_normalize(G("+"), out, sizeof out), -1);
	assert_int_equal(identity_tn_normalize(G("123456"), out, 4), -1);
}

static void test_verify_with_certificate(void **state)
{
	(void)state;
	char path[512], spec[700], err[300], reason[300];
	write_file(path, sizeof path, "unit.pem", UNIT_CERT);
	struct identity_keys *k = identity_keys_new();
	assert_non_null(k);
	assert_int_equal(identity_parse(G(TOKEN PARAMS), &id, NULL), 0);
	/* no keys at all, then keys that do not name this x5u */
	assert_int_equal(identity_verify(NULL, &id, 1700000000, reason, sizeof reason), IDENTITY_UNVERIFIED);
	assert_non_null(strstr(reason, "no certificate for x5u " X5U));
	snprintf(spec, sizeof spec, "https://elsewhere.example/x.pem=%s", path);
	assert_int_equal(identity_keys_add_cert(k, spec, err, sizeof err), 0);
	assert_int_equal(identity_verify(k, &id, 1700000000, reason, sizeof reason), IDENTITY_UNVERIFIED);
	/* matched by base name (unit.pem) */
	assert_int_equal(identity_keys_add_cert(k, path, err, sizeof err), 0);
	assert_int_equal(identity_keys_count(k), 2);
	assert_int_equal(identity_verify(k, &id, 1700000000, reason, sizeof reason), IDENTITY_GOOD);
	/* one flipped signature byte, then one flipped claims byte */
	id.sig[5] ^= 1;
	assert_int_equal(identity_verify(k, &id, 1700000000, reason, sizeof reason), IDENTITY_BAD);
	assert_non_null(strstr(reason, "does not verify"));
	char t[600];
	snprintf(t, sizeof t, "%s" PARAMS, TOKEN);
	char *claims = strchr(t, '.') + 1;
	claims[3] = claims[3] == 'A' ? 'B' : 'A';
	assert_int_equal(identity_parse(G(t), &id, NULL), 0);
	assert_int_equal(identity_verify(k, &id, 1700000000, reason, sizeof reason), IDENTITY_BAD);
	/* identity_check: a header that does not decode is BAD */
	int decoded = 1;
	assert_int_equal(identity_check(G("x.y"), k, 0, &id, &decoded, reason, sizeof reason), IDENTITY_BAD);
	assert_false(decoded);
	assert_non_null(strstr(reason, "does not decode"));
	identity_keys_free(k);
	unlink(path);
}

static void test_verify_bound_url_and_chain(void **state)
{
	(void)state;
	char path[512], other[512], spec[700], err[300], reason[300];
	write_file(path, sizeof path, "bound.pem", UNIT_CERT);
	write_file(other, sizeof other, "notpem.pem", "not a certificate\n");
	struct identity_keys *k = identity_keys_new();
	assert_int_equal(identity_keys_add_cert(k, other, err, sizeof err), -1);
	assert_int_equal(identity_keys_add_cert(k, "/nonexistent/x.pem", err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot open"));
	snprintf(spec, sizeof spec, X5U "=%s", path);
	assert_int_equal(identity_keys_add_cert(k, spec, err, sizeof err), 0);
	assert_int_equal(identity_parse(G(TOKEN PARAMS), &id, NULL), 0);
	assert_int_equal(identity_verify(k, &id, 1700000000, reason, sizeof reason), IDENTITY_GOOD);
	/* the certificate is its own anchor: valid from its notBefore (2026) on */
	assert_int_equal(identity_keys_add_ca(k, path, err, sizeof err), 0);
	assert_int_equal(identity_verify(k, &id, 4102444800LL, reason, sizeof reason), IDENTITY_GOOD);
	assert_int_equal(identity_verify(k, &id, 1000000000, reason, sizeof reason), IDENTITY_BAD);
	assert_non_null(strstr(reason, "not yet valid"));
	identity_keys_free(k);
	unlink(path);
	unlink(other);
}

static void test_signers(void **state)
{
	(void)state;
	char err[200];
	struct identity_keys *k = identity_keys_new();
	assert_false(identity_keys_must_sign(k, "192.0.2.1:5060"));
	assert_int_equal(identity_keys_add_signer(k, "192.0.2.1", err, sizeof err), 0);
	assert_int_equal(identity_keys_add_signer(k, "198.51.100.7:5070", err, sizeof err), 0);
	assert_int_equal(identity_keys_add_signer(k, "[2001:db8::1]:5060", err, sizeof err), 0);
	assert_int_equal(identity_keys_add_signer(k, "trunk.example.com", err, sizeof err), -1);
	assert_true(identity_keys_must_sign(k, "192.0.2.1:5060"));
	assert_true(identity_keys_must_sign(k, "198.51.100.7:5070"));
	assert_false(identity_keys_must_sign(k, "198.51.100.7:5060"));
	assert_true(identity_keys_must_sign(k, "[2001:db8::1]:5060"));
	assert_false(identity_keys_must_sign(k, "[2001:db8::2]:5060"));
	assert_false(identity_keys_must_sign(k, "192.0.2.10:5060"));
	identity_keys_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secsipidx_token_decodes),
		cmocka_unit_test(test_every_prefix_is_safe),
		cmocka_unit_test(test_compact_passport_has_no_claims),
		cmocka_unit_test(test_bad_header_values_refused),
		cmocka_unit_test(test_json_reader_is_strict),
		cmocka_unit_test(test_json_escapes_unescaped),
		cmocka_unit_test(test_dest_div_and_caps),
		cmocka_unit_test(test_b64url),
		cmocka_unit_test(test_tn_normalize),
		cmocka_unit_test(test_verify_with_certificate),
		cmocka_unit_test(test_verify_bound_url_and_chain),
		cmocka_unit_test(test_signers),
	};
	int rc = cmocka_run_group_tests(tests, guard_setup, guard_teardown);
	if (dir[0])
		rmdir(dir);
	return rc;
}
