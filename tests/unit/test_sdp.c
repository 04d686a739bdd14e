/* test_sdp.c - the SDP parser. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "guard.h"
#include "sipscope/sdp.h"

static const char offer[] =
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 198.51.100.1\r\n"
	"s=-\r\n"
	"c=IN IP4 198.51.100.1\r\n"
	"t=0 0\r\n"
	"a=sendonly\r\n"
	"m=audio 49170 RTP/AVP 0 8 101\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=candidate:1 1 UDP 2130706431 198.51.100.1 49170 typ host\r\n"
	"a=candidate:2 1 UDP 1694498815 203.0.113.7 50000 typ srflx\r\n"
	"m=video 51372 RTP/AVP 96\r\n"
	"c=IN IP4 224.2.17.12/127\r\n"
	"a=rtpmap:96 H264/90000\r\n"
	"a=recvonly\r\n";

static int is(struct sv v, const char *s) { return v.len == strlen(s) && !memcmp(v.p, s, v.len); }

static void test_media_lines_codecs_addresses_and_directions(void **state)
{
	(void)state;
	struct sdp sdp;
	assert_int_equal(sdp_parse(guard_place(&g, offer, sizeof offer - 1), sizeof offer - 1, &sdp), 0);
	assert_true(is(sdp.origin_addr, "198.51.100.1"));
	assert_int_equal(sdp.nmedia, 2);
	const struct sdp_media *a = &sdp.media[0], *v = &sdp.media[1];
	assert_true(is(a->type, "audio"));
	assert_int_equal(a->port, 49170);
	assert_true(is(a->proto, "RTP/AVP"));
	assert_true(is(a->conn, "198.51.100.1")); /* from the session level */
	assert_int_equal(a->dir, SDP_DIR_SENDONLY); /* session-level default */
	assert_int_equal(a->nfmts, 3);
	assert_true(is(a->fmts[0].id, "0"));
	assert_false(sv_is_set(a->fmts[0].encoding)); /* static type, no rtpmap */
	assert_true(is(a->fmts[1].encoding, "PCMA/8000"));
	assert_true(is(a->fmts[2].encoding, "telephone-event/8000"));
	assert_int_equal(a->ncandidates, 2);
	assert_true(is(v->conn, "224.2.17.12")); /* TTL dropped */
	assert_int_equal(v->dir, SDP_DIR_RECVONLY);
	assert_true(is(v->fmts[0].encoding, "H264/90000"));
	assert_string_equal(sdp_dir_name(SDP_DIR_NONE), "sendrecv");
}

static void test_not_sdp_and_lf_only_lines(void **state)
{
	(void)state;
	struct sdp sdp;
	assert_int_equal(sdp_parse("hello", 5, &sdp), -1);
	assert_int_equal(sdp_parse("", 0, &sdp), -1);
	static const char lf[] = "v=0\nc=IN IP6 2001:db8::1\nm=audio 4000 RTP/SAVP 0\n";
	assert_int_equal(sdp_parse(lf, sizeof lf - 1, &sdp), 0);
	assert_true(is(sdp.media[0].conn, "2001:db8::1"));
	assert_true(is(sdp.media[0].proto, "RTP/SAVP"));
}

static void test_more_media_than_kept_are_counted(void **state)
{
	(void)state;
	char buf[1024];
	size_t n = 0;
	n += (size_t)snprintf(buf, sizeof buf, "v=0\r\n");
	for (int i = 0; i < SDP_MAX_MEDIA + 3; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "m=audio %d RTP/AVP 0\r\n", 4000 + 2 * i);
	struct sdp sdp;
	assert_int_equal(sdp_parse(buf, n, &sdp), 0);
	assert_int_equal(sdp.nmedia, SDP_MAX_MEDIA);
	assert_int_equal(sdp.nmedia_seen, SDP_MAX_MEDIA + 3);
}

static const char savp[] =
	"v=0\r\n"
	"o=- 1 1 IN IP4 192.0.2.1\r\n"
	"c=IN IP4 192.0.2.1\r\n"
	"m=audio 4000 RTP/SAVP 0\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4\r\n"
	"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20 "
	"UNENCRYPTED_SRTCP KDR=1\r\n"
	"a=crypto:3 AEAD_AES_256_GCM inline:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA;"
	"inline:BBBB|7:2\r\n"
	"a=crypto:4 F8_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm\r\n"
	"a=crypto:5 AES_256_CM_HMAC_SHA1_80 inline:x\r\n"
	"a=crypto:x AES_CM_128_HMAC_SHA1_80 inline:bad-tag\r\n"
	"a=crypto:6 AES_CM_128_HMAC_SHA1_80\r\n"
	"m=video 5000 UDP/TLS/RTP/SAVPF 96\r\n"
	"a=crypto:7 AEAD_AES_128_GCM inline:Y3J5cHRvIGtleSBmb3IgdGVzdA\r\n";

/* RFC 4568 9.1: tag, suite, key, lifetime, MKI, session parameters;
 * unknown suites kept as such, at most SDP_MAX_CRYPTO lines (all counted,
 * malformed ones too). */
static void test_crypto_lines_per_media(void **state)
{
	(void)state;
	struct sdp sdp;
	assert_int_equal(sdp_parse(guard_place(&g, savp, sizeof savp - 1), sizeof savp - 1, &sdp), 0);
	const struct sdp_media *a = &sdp.media[0], *v = &sdp.media[1];
	assert_true(sdp_proto_is_srtp(a->proto));
	assert_true(sdp_proto_is_srtp(v->proto));
	assert_false(sdp_proto_is_srtp(sv_make("RTP/AVP", 7)));
	assert_int_equal(a->ncrypto, SDP_MAX_CRYPTO);
	assert_int_equal(a->ncrypto_seen, 7);
	const struct sdp_crypto *c = &a->crypto[0];
	assert_int_equal(c->tag, 1);
	assert_int_equal(c->suite, SDP_SRTP_AES_CM_128_HMAC_SHA1_80);
	assert_true(is(c->key, "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"));
	assert_true(is(c->lifetime, "2^20"));
	assert_int_equal(c->mki, 1);
	assert_int_equal(c->mki_len, 4);
	assert_int_equal(c->nkeys, 1);
	assert_false(sv_is_set(c->params));
	c = &a->crypto[1];
	assert_int_equal(c->suite, SDP_SRTP_AES_CM_128_HMAC_SHA1_32);
	assert_int_equal(c->mki_len, 0);
	assert_true(is(c->params, "UNENCRYPTED_SRTCP KDR=1"));
	c = &a->crypto[2];
	assert_int_equal(c->suite, SDP_SRTP_AEAD_AES_256_GCM);
	assert_int_equal(c->nkeys, 2); /* the first one kept */
	assert_int_equal(c->key.len, 56);
	assert_int_equal(c->mki_len, 0);
	c = &a->crypto[3];
	assert_int_equal(c->tag, 4);
	assert_int_equal(c->suite, SDP_SRTP_UNKNOWN);
	assert_true(is(c->suite_name, "F8_128_HMAC_SHA1_80"));
	assert_string_equal(sdp_srtp_suite_name(SDP_SRTP_UNKNOWN), "unknown");
	assert_string_equal(sdp_srtp_suite_name(SDP_SRTP_AEAD_AES_128_GCM), "AEAD_AES_128_GCM");
	assert_ptr_equal(sdp_crypto_by_tag(a, 3), &a->crypto[2]);
	assert_null(sdp_crypto_by_tag(a, 9));
	assert_int_equal(v->ncrypto, 1);
	assert_int_equal(v->crypto[0].tag, 7);
	assert_int_equal(v->crypto[0].suite, SDP_SRTP_AEAD_AES_128_GCM);
}

/* What screens and exports show of an a=crypto line: every inline key
 * hidden, the rest as it is; other lines untouched (0). */
static void test_crypto_keys_redacted(void **state)
{
	(void)state;
	char out[128];
	static const char l1[] = "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9|2^20|1:4;"
	                         "inline:QUJD UNENCRYPTED_SRTCP";
	size_t n = sdp_crypto_redact(sv_make(l1, sizeof l1 - 1), out, sizeof out);
	assert_int_equal(n, strlen(out));
	assert_string_equal(out, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:(hidden)|2^20|1:4;inline:(hidden) "
	                         "UNENCRYPTED_SRTCP");
	static const char l2[] = "a=crypto:2 AEAD_AES_128_GCM inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldY";
	assert_int_not_equal(sdp_crypto_redact(sv_make(l2, sizeof l2 - 1), out, sizeof out), 0);
	assert_string_equal(out, "a=crypto:2 AEAD_AES_128_GCM inline:(hidden)");
	assert_null(strstr(out, "QUJD"));
	/* too small a buffer: cut, never the key */
	assert_int_not_equal(sdp_crypto_redact(sv_make(l2, sizeof l2 - 1), out, 44), 0);
	assert_null(strstr(out, "QUJD"));
	assert_true(strlen(out) < 44);
	assert_int_equal(sdp_crypto_redact(sv_make("a=rtpmap:8 PCMA/8000", 20), out, sizeof out), 0);
	assert_int_equal(sdp_crypto_redact(sv_make("a=crypto:1 X", 12), out, sizeof out), 0);
}

/* Every prefix ends right before an unreadable page. */
static void test_every_prefix_is_safe(void **state)
{
	(void)state;
	for (size_t len = 0; len <= sizeof offer - 1; len++) {
		struct sdp sdp;
		int rc = sdp_parse(guard_place(&g, offer, len), len, &sdp);
		assert_int_equal(rc, len >= 2 ? 0 : -1);
		assert_true(sdp.nmedia <= SDP_MAX_MEDIA);
	}
	for (size_t len = 0; len <= sizeof savp - 1; len++) {
		struct sdp sdp;
		const char *in = guard_place(&g, savp, len);
		int rc = sdp_parse(in, len, &sdp);
		assert_int_equal(rc, len >= 2 ? 0 : -1);
		for (size_t i = 0; i < sdp.nmedia; i++)
			for (uint8_t k = 0; k < sdp.media[i].ncrypto; k++) {
				const struct sdp_crypto *c = &sdp.media[i].crypto[k];
				assert_true(!sv_is_set(c->key) || c->key.p + c->key.len <= in + len);
				assert_true(!sv_is_set(c->params) || c->params.p + c->params.len <= in + len);
			}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_media_lines_codecs_addresses_and_directions),
		cmocka_unit_test(test_not_sdp_and_lf_only_lines),
		cmocka_unit_test(test_more_media_than_kept_are_counted),
		cmocka_unit_test(test_crypto_lines_per_media),
		cmocka_unit_test(test_crypto_keys_redacted),
		cmocka_unit_test(test_every_prefix_is_safe),
	};
	return cmocka_run_group_tests(tests, guard_setup, guard_teardown);
}
