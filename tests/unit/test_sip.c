/* test_sip.c - the SIP message parser. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "guard.h"
#include "sipscope/sip.h"

#define MAXH 64

static struct sip_header hdrs[MAXH];


static const char invite[] =
	"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP pc33.atlanta.example.com:5062;branch=z9hG4bK776asdhds ;received=10.0.0.1\r\n"
	"Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKold\r\n"
	"Max-Forwards: 70\r\n"
	"To: Bob <sip:bob@biloxi.example.com>\r\n"
	"From: \"Alice; the <first>\" <sip:alice@atlanta.example.com;tag=uri-param>;tag=1928301774\r\n"
	"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 10\r\n"
	"\r\n"
	"v=0\r\no=x\r\n";

static const char response[] =
	"SIP/2.0 180 Ringing\r\n"
	"v: SIP/2.0/TCP 192.0.2.4;branch=z9hG4bKnashds8\r\n"
	"t: <sip:bob@example.com>;tag=a6c85cf\r\n"
	"f: <sip:alice@example.com>;tag=1928301774\r\n"
	"i: compact-form-call-id\r\n"
	"CSeq: 1 INVITE\r\n"
	"l: 0\r\n"
	"\r\n";

static int parse(const char *text, size_t len, int flags, struct sip_msg *m)
{
	const char *p = guard_place(&g, text, len);
	return sip_parse(p, len, flags, m, hdrs, MAXH);
}

static int sv_is(struct sv v, const char *s)
{
	return v.len == strlen(s) && memcmp(v.p, s, v.len) == 0;
}

static void test_invite_fields_are_views(void **state)
{
	(void)state;
	struct sip_msg m;
	int n = parse(invite, sizeof invite - 1, SIP_PARSE_DATAGRAM, &m);
	assert_int_equal(n, (int)(sizeof invite - 1));
	assert_null(m.malformed);
	assert_true(m.is_request);
	assert_true(sv_is(m.method, "INVITE"));
	assert_true(sv_is(m.uri, "sip:bob@biloxi.example.com"));
	assert_true(sv_is(m.call_id, "a84b4c76e66710@pc33.atlanta.example.com"));
	assert_true(sv_is(m.from_tag, "1928301774"));
	assert_null(m.to_tag.p);
	assert_true(sv_is(m.branch, "z9hG4bK776asdhds"));
	assert_true(sv_is(m.via_sent_by, "pc33.atlanta.example.com:5062"));
	assert_true(sv_is(m.via_transport, "UDP"));
	assert_int_equal(m.cseq, 314159);
	assert_true(sv_is(m.cseq_method, "INVITE"));
	assert_int_equal(m.content_length, 10);
	assert_true(sv_is(m.body, "v=0\r\no=x\r\n"));
	assert_int_equal(m.nheaders, 10);
}

static void test_compact_forms_and_response(void **state)
{
	(void)state;
	struct sip_msg m;
	int n = parse(response, sizeof response - 1, 0, &m);
	assert_int_equal(n, (int)(sizeof response - 1));
	assert_null(m.malformed);
	assert_false(m.is_request);
	assert_int_equal(m.status, 180);
	assert_true(sv_is(m.reason, "Ringing"));
	assert_true(sv_is(m.call_id, "compact-form-call-id"));
	assert_true(sv_is(m.to_tag, "a6c85cf"));
	assert_true(sv_is(m.via_transport, "TCP"));
	assert_int_equal(m.content_length, 0);
	assert_int_equal(m.body.len, 0);
}

static void test_header_names_case_insensitive_and_folded(void **state)
{
	(void)state;
	static const char msg[] =
		"OPTIONS sip:x@y SIP/2.0\r\n"
		"VIA: SIP/2.0/UDP h;branch=z9hG4bKa\r\n"
		"cAlL-iD: folded\r\n"
		"  -continued\r\n"
		"FROM: <sip:a@b>;TAG=t1\r\n"
		"to: <sip:c@d>\r\n"
		"cseq:   7\r\n\tOPTIONS\r\n"
		"\r\n";
	struct sip_msg m;
	int n = parse(msg, sizeof msg - 1, SIP_PARSE_DATAGRAM, &m);
	assert_int_equal(n, (int)(sizeof msg - 1));
	assert_null(m.malformed);
	assert_true(sv_is(m.call_id, "folded\r\n  -continued"));
	assert_true(sv_is(m.from_tag, "t1"));
	assert_int_equal(m.cseq, 7);
	assert_true(sv_is(m.cseq_method, "OPTIONS"));
}

static void test_stream_needs_content_length_body(void **state)
{
	(void)state;
	struct sip_msg m;
	/* Without the last body byte a stream message is incomplete... */
	assert_int_equal(parse(invite, sizeof invite - 2, 0, &m), SIP_PARSE_INCOMPLETE);
	/* ...while a datagram is framed anyway and flagged. */
	int n = parse(invite, sizeof invite - 2, SIP_PARSE_DATAGRAM, &m);
	assert_int_equal(n, (int)(sizeof invite - 2));
	assert_string_equal(m.malformed, "body shorter than Content-Length");
}

static void test_two_messages_in_one_stream_buffer(void **state)
{
	(void)state;
	char buf[2048];
	size_t a = sizeof response - 1, b = sizeof invite - 1;
	memcpy(buf, response, a);
	memcpy(buf + a, invite, b);
	struct sip_msg m;
	int n = parse(buf, a + b, 0, &m);
	assert_int_equal(n, (int)a);
	n = parse(buf + a, b, 0, &m);
	assert_int_equal(n, (int)b);
	assert_true(sv_is(m.method, "INVITE"));
}

static void test_datagram_without_content_length_takes_rest(void **state)
{
	(void)state;
	static const char msg[] =
		"MESSAGE sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		"From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: c\r\nCSeq: 2 MESSAGE\r\n\r\nhello";
	struct sip_msg m;
	int n = parse(msg, sizeof msg - 1, SIP_PARSE_DATAGRAM, &m);
	assert_int_equal(n, (int)(sizeof msg - 1));
	assert_int_equal(m.content_length, -1);
	assert_true(sv_is(m.body, "hello"));
	assert_null(m.malformed);
}

static void test_malformed_reasons(void **state)
{
	(void)state;
	static const struct { const char *msg; const char *why; } cases[] = {
		{ "INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a>\r\nTo: <sip:b>\r\nCSeq: 1 INVITE\r\n\r\n",
		  "missing Call-ID" },
		{ "INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a>\r\nTo: <sip:b>\r\nCall-ID: c\r\nCSeq: x INVITE\r\n\r\n",
		  "bad CSeq" },
		{ "INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a>\r\nTo: <sip:b>\r\nCall-ID: c\r\nCSeq: 1 BYE\r\n\r\n",
		  "CSeq method differs from request method" },
		{ "INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a>\r\nTo: <sip:b>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: abc\r\n\r\n",
		  "bad Content-Length" },
		{ "INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nno colon here\r\nFrom: <sip:a>\r\nTo: <sip:b>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n",
		  "bad header line" },
		{ "SIP/2.0 999 Odd\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a>\r\nTo: <sip:b>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n",
		  "status code out of range" },
		{ "INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a>\r\n", "truncated: no end of headers" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sip_msg m;
		size_t len = strlen(cases[i].msg);
		int n = parse(cases[i].msg, len, SIP_PARSE_DATAGRAM, &m);
		assert_int_equal(n, (int)len);
		assert_non_null(m.malformed);
		assert_string_equal(m.malformed, cases[i].why);
	}
}

/* Every known header name, full and compact, in odd case, maps to its id. */
static void test_every_header_name_is_known(void **state)
{
	(void)state;
	static const struct { const char *name; int id; } names[] = {
		{ "VIA", SIP_H_VIA }, { "v", SIP_H_VIA }, { "From", SIP_H_FROM }, { "F", SIP_H_FROM },
		{ "to", SIP_H_TO }, { "T", SIP_H_TO }, { "Call-Id", SIP_H_CALL_ID },
		{ "i", SIP_H_CALL_ID }, { "CSEQ", SIP_H_CSEQ }, { "Contact", SIP_H_CONTACT },
		{ "m", SIP_H_CONTACT }, { "Content-Length", SIP_H_CONTENT_LENGTH },
		{ "L", SIP_H_CONTENT_LENGTH }, { "content-type", SIP_H_CONTENT_TYPE },
		{ "c", SIP_H_CONTENT_TYPE }, { "Content-Encoding", SIP_H_CONTENT_ENCODING },
		{ "e", SIP_H_CONTENT_ENCODING }, { "Max-Forwards", SIP_H_MAX_FORWARDS },
		{ "Route", SIP_H_ROUTE }, { "Record-Route", SIP_H_RECORD_ROUTE },
		{ "User-Agent", SIP_H_USER_AGENT }, { "Server", SIP_H_SERVER },
		{ "Supported", SIP_H_SUPPORTED }, { "k", SIP_H_SUPPORTED },
		{ "Subject", SIP_H_SUBJECT }, { "s", SIP_H_SUBJECT }, { "Event", SIP_H_EVENT },
		{ "o", SIP_H_EVENT }, { "Refer-To", SIP_H_REFER_TO }, { "r", SIP_H_REFER_TO },
		{ "Referred-By", SIP_H_REFERRED_BY }, { "b", SIP_H_REFERRED_BY },
		{ "Allow-Events", SIP_H_ALLOW_EVENTS }, { "u", SIP_H_ALLOW_EVENTS },
		{ "Session-Expires", SIP_H_SESSION_EXPIRES }, { "x", SIP_H_SESSION_EXPIRES },
		{ "Identity", SIP_H_IDENTITY }, { "y", SIP_H_IDENTITY },
		{ "Accept-Contact", SIP_H_ACCEPT_CONTACT }, { "a", SIP_H_ACCEPT_CONTACT },
		{ "Expires", SIP_H_EXPIRES }, { "Reason", SIP_H_REASON },
		{ "Session-ID", SIP_H_SESSION_ID }, { "X-Call-ID", SIP_H_X_CALL_ID },
		{ "X-CID", SIP_H_X_CID }, { "Date", SIP_H_DATE },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char msg[256];
		int n = snprintf(msg, sizeof msg, "OPTIONS sip:x SIP/2.0\r\n%s: v%zu\r\n\r\n",
		                 names[i].name, i);
		struct sip_msg m;
		assert_true(parse(msg, (size_t)n, 0, &m) > 0);
		assert_int_equal(m.headers[0].id, names[i].id);
	}
	/* Near misses stay unknown. */
	static const char *const others[] = { "Vias", "Fro", "X-Call", "Contacts", "z", "Date2" };
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		char msg[128];
		int n = snprintf(msg, sizeof msg, "OPTIONS sip:x SIP/2.0\r\n%s: 1\r\n\r\n", others[i]);
		struct sip_msg m;
		assert_true(parse(msg, (size_t)n, 0, &m) > 0);
		assert_int_equal(m.headers[0].id, SIP_H_OTHER);
	}
}

/* RFC 4475 3.1.2.16: another SIP version is a SIP message to answer 505,
 * so it is kept and flagged rather than dropped as not SIP. */
static void test_other_sip_version_framed_and_flagged(void **state)
{
	(void)state;
	static const char msg[] = "INVITE sip:x SIP/3.0\r\nCall-ID: v3\r\nCSeq: 1 INVITE\r\n"
	                          "From: <sip:a@b>;tag=1\r\nTo: <sip:x>\r\n"
	                          "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n";
	struct sip_msg m;
	assert_int_equal(parse(msg, sizeof msg - 1, SIP_PARSE_DATAGRAM, &m), (int)(sizeof msg - 1));
	assert_true(m.is_request);
	assert_string_equal(m.malformed, "unsupported SIP version");
	assert_true(sv_eq_ci(m.call_id, "v3"));
}

static void test_not_sip_is_rejected(void **state)
{
	(void)state;
	static const char *cases[] = {
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"\x80\x00\x12\x34 rtp-ish payload bytes\n",
		"INVITE sip:x SIP/3\r\n\r\n",
		"INVITE sip:x HTTP/1.1\r\n\r\n",
		"SIP/2.0 2x0 OK\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sip_msg m;
		size_t len = strlen(cases[i]) + (i == 1 ? 4 : 0);
		assert_int_equal(parse(cases[i], len, SIP_PARSE_DATAGRAM, &m), SIP_PARSE_NOT_SIP);
		assert_false(sip_looks_like(guard_place(&g, cases[i], len), len));
	}
}

static void test_stream_partial_start_line_is_incomplete(void **state)
{
	(void)state;
	struct sip_msg m;
	/* A stream can deliver a message a byte at a time (RFC 3261 18.3). */
	for (size_t len = 1; len < 40; len++)
		assert_int_equal(parse(invite, len, 0, &m), SIP_PARSE_INCOMPLETE);
	assert_int_equal(parse("SIP/2", 5, 0, &m), SIP_PARSE_INCOMPLETE);
	assert_int_equal(parse("HTTP/1.1 200", 12, 0, &m), SIP_PARSE_NOT_SIP);
}

static void test_param_get_skips_uri_params_and_quotes(void **state)
{
	(void)state;
	static const char pv[] = "\"a;tag=no\" <sip:x;tag=no>;foo;tag=yes;bar=1";
	struct sv v = sv_make(pv, sizeof pv - 1);
	assert_true(sv_is(sip_param_get(v, "tag"), "yes"));
	struct sv e = sip_param_get(v, "foo");
	assert_non_null(e.p);
	assert_int_equal(e.len, 0);
	assert_true(sv_is(sip_param_get(v, "BAR"), "1"));
	assert_null(sip_param_get(v, "none").p);
	struct sv addr = sv_make("sip:a@b;tag=t9", 14);
	assert_true(sv_is(sip_param_get(addr, "tag"), "t9"));
}

static void test_too_many_headers_flagged(void **state)
{
	(void)state;
	char buf[8192];
	size_t n = (size_t)snprintf(buf, sizeof buf, "OPTIONS sip:x SIP/2.0\r\n");
	for (int i = 0; i < MAXH + 10; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "X-H%d: v\r\n", i);
	n += (size_t)snprintf(buf + n, sizeof buf - n, "\r\n");
	struct sip_msg m;
	assert_int_equal(parse(buf, n, SIP_PARSE_DATAGRAM, &m), (int)n);
	assert_int_equal(m.nheaders, MAXH);
	assert_int_equal(m.nheaders_seen, MAXH + 10);
	assert_string_equal(m.malformed, "too many headers");
}

/* Every prefix of every sample, in both modes, ends right at the guard
 * page: no read past the end, and streams never claim a short message. */
static void test_every_prefix_is_safe(void **state)
{
	(void)state;
	const char *samples[] = { invite, response };
	size_t lens[] = { sizeof invite - 1, sizeof response - 1 };
	for (size_t s = 0; s < 2; s++) {
		for (size_t len = 0; len <= lens[s]; len++) {
			struct sip_msg m;
			int n = parse(samples[s], len, 0, &m);
			if (len < lens[s])
				assert_int_equal(n, SIP_PARSE_INCOMPLETE);
			else
				assert_int_equal(n, (int)len);
			n = parse(samples[s], len, SIP_PARSE_DATAGRAM, &m);
			assert_true(n == SIP_PARSE_NOT_SIP || (n >= 0 && (size_t)n <= len));
			(void)sip_looks_like(guard_place(&g, samples[s], len), len);
		}
	}
}

static void test_method_names_round_trip(void **state)
{
	(void)state;
	for (int i = 1; i < SIP_M__COUNT; i++) {
		const char *name = sip_method_name((enum sip_method)i);
		assert_non_null(name);
		assert_int_equal(sip_method_from_sv(sv_make(name, strlen(name))), i);
	}
	assert_int_equal(sip_method_from_sv(sv_make("invite", 6)), SIP_M_UNKNOWN);
	assert_null(sip_method_name(SIP_M_UNKNOWN));
}

/* A message with the given Request-URI and otherwise valid. */
static const char *uri_check(const char *uri, const char **lenient)
{
	static char buf[512];
	int n = snprintf(buf, sizeof buf,
	                 "OPTIONS %s SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
	                 "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: u\r\n"
	                 "CSeq: 1 OPTIONS\r\n\r\n", uri);
	struct sip_msg m;
	assert_int_equal(parse(buf, (size_t)n, SIP_PARSE_DATAGRAM, &m), n);
	*lenient = m.lenient;
	return m.malformed;
}

static void test_request_uri_hostport_and_ipv6_references(void **state)
{
	(void)state;
	static const struct { const char *uri, *malformed, *lenient; } cases[] = {
		{ "sip:host.example.com:5060;transport=udp", NULL, NULL },
		{ "sips:+123@10.0.0.1", NULL, NULL },
		{ "sip:[::1]", NULL, NULL },
		{ "sip:alice@[1:2:3:4:5:6:7:8]:5062", NULL, NULL },
		{ "sip:[::ffff:192.0.2.1]", NULL, NULL },
		{ "sip:[2001:db8:::192.0.2.1]", NULL, "extra ':' in IPv6 reference" },
		{ "tel:+1-201-555-0123", NULL, NULL },
		{ "sip:[1:2:3:4:5:6:7:8:9]", "bad hostport in Request-URI", NULL },
		{ "sip:[1::2::3]", "bad hostport in Request-URI", NULL },
		{ "sip:[::1", "bad hostport in Request-URI", NULL },
		{ "sip:[2001:db8::1]:", "bad hostport in Request-URI", NULL },
		{ "sip:[2001:db8::1.2.3]", "bad hostport in Request-URI", NULL },
		{ "sip:a@", "bad hostport in Request-URI", NULL },
		{ "sip:fe80::1", "IPv6 address not in []", NULL },
		{ "sip:a@b?Subject=x", "headers in Request-URI", NULL },
		{ "alice", "bad Request-URI", NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *lenient;
		const char *why = uri_check(cases[i].uri, &lenient);
		if (cases[i].malformed)
			assert_string_equal(why, cases[i].malformed);
		else
			assert_null(why);
		if (cases[i].lenient)
			assert_string_equal(lenient, cases[i].lenient);
		else
			assert_null(lenient);
	}
}

static void test_repeated_single_value_header_same_value_is_tolerated(void **state)
{
	(void)state;
	static const char msg[] =
		"BYE sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		"From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: same\r\ni: same\r\n"
		"CSeq: 2 BYE\r\nContent-Length: 0\r\nl: 0\r\n\r\n";
	struct sip_msg m;
	assert_int_equal(parse(msg, sizeof msg - 1, SIP_PARSE_DATAGRAM, &m), (int)(sizeof msg - 1));
	assert_null(m.malformed);
	assert_string_equal(m.lenient, "repeated single-value header");
}

static void test_address_headers_grammar(void **state)
{
	(void)state;
	static const struct { const char *hdr, *why; } cases[] = {
		{ "Contact: *", NULL },
		{ "Contact: \"A, B\" <sip:a@b>, <sip:c@d>;q=0.5, sip:e@f;expires=60", NULL },
		{ "Contact: <sip:a@b>, <sip:c@d", "missing '>'" },
		{ "Contact: <>", "empty <>" },
		{ "Contact: sip:a@b, bob sip:c@d", "space in addr-spec" },
		{ "Contact: \"unterminated <sip:a@b>", "unterminated quoted string" },
		{ "Contact: \"A\" B <sip:a@b>", "bad display name" },
		{ "Date: Sat, 13 Nov 2010 23:29:00 GMT", NULL },
		{ "Date: Sat, 13 Nov 2010 23:29:00 UTC", "bad Date" },
		{ "Date: Sat, 1 Nov 2010 23:29:00 GMT", "bad Date" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[512];
		int n = snprintf(buf, sizeof buf,
		                 "REGISTER sip:y SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
		                 "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\n"
		                 "CSeq: 1 REGISTER\r\n%s\r\n\r\n", cases[i].hdr);
		struct sip_msg m;
		assert_int_equal(parse(buf, (size_t)n, SIP_PARSE_DATAGRAM, &m), n);
		if (cases[i].why)
			assert_string_equal(m.malformed, cases[i].why);
		else
			assert_null(m.malformed);
	}
}

static size_t read_data(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (run the tests from the repository root)", path);
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	assert_true(n < cap);
	return n;
}

static void test_body_sdp_is_the_whole_application_sdp_body(void **state)
{
	(void)state;
	struct sip_msg m;
	parse(invite, sizeof invite - 1, SIP_PARSE_DATAGRAM, &m);
	struct sv sdp = sip_body_sdp(&m);
	assert_true(sdp.p == m.body.p && sdp.len == m.body.len);
	parse(response, sizeof response - 1, 0, &m); /* no body, no Content-Type */
	assert_null(sip_body_sdp(&m).p);
}

/* SIP-I (ITU-T Q.1912.5): multipart/mixed with the SDP and a binary ISUP
 * IAM (tests/data/multipart/sipi-isup.sip). */
static void test_body_sdp_finds_the_sdp_part_of_sipi_multipart(void **state)
{
	(void)state;
	static char data[4096];
	size_t len = read_data("tests/data/multipart/sipi-isup.sip", data, sizeof data);
	const char *p = guard_place(&g, data, len);
	struct sip_msg m;
	assert_int_equal(sip_parse(p, len, SIP_PARSE_DATAGRAM, &m, hdrs, MAXH), (int)len);
	assert_null(m.malformed);
	struct sv sdp = sip_body_sdp(&m);
	assert_non_null(sdp.p);
	assert_true(sdp.p > m.body.p && sdp.p + sdp.len < m.body.p + m.body.len);
	assert_int_equal(sdp.len, 193);
	assert_memory_equal(sdp.p, "v=0\r\n", 5);
	assert_memory_equal(sdp.p + sdp.len - 12, "a=sendrecv\r\n", 12);
	/* every prefix, the body cut anywhere: a view inside the bytes or none */
	for (size_t n = 0; n <= len; n++) {
		const char *q = guard_place(&g, data, n);
		if (sip_parse(q, n, SIP_PARSE_DATAGRAM, &m, hdrs, MAXH) <= 0)
			continue;
		sdp = sip_body_sdp(&m);
		assert_true(!sdp.p || (sdp.p >= q && sdp.p + sdp.len <= q + n));
	}
}

static struct sv body_sdp_of(const char *ctype, const char *body, struct sip_msg *m)
{
	static char buf[2048];
	int n = snprintf(buf, sizeof buf,
	                 "INVITE sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
	                 "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n"
	                 "%s\r\nContent-Length: %zu\r\n\r\n%s", ctype, strlen(body), body);
	assert_int_equal(parse(buf, (size_t)n, SIP_PARSE_DATAGRAM, m), n);
	assert_null(m->malformed);
	return sip_body_sdp(m);
}

static void test_body_sdp_nested_quoted_boundary_and_preamble(void **state)
{
	(void)state;
	static const char body[] =
		"This is a preamble; --outer b is not at a line start.\r\n"
		"--outer bX\r\n"
		"\r\n"
		"a longer boundary string is no delimiter\r\n"
		"--outer b\r\n"
		"Content-Type: application/ISUP;version=itu-t92+\r\n"
		"\r\n"
		"\x01\x02\n--not\r\n"
		"--outer b  \r\n"
		"content-TYPE:  multipart/alternative ; boundary=in\r\n"
		"\r\n"
		"--in\r\n"
		"Content-Type: text/plain\r\n"
		"\r\n"
		"v=0 in text\r\n"
		"--in\r\n"
		"Content-Type: Application/SDP; charset=utf-8\r\n"
		"Content-Disposition: session\r\n"
		"\r\n"
		"v=0\r\nm=audio 4000 RTP/AVP 0\r\n"
		"--in--\r\n"
		"\r\n--outer b--\r\n";
	struct sip_msg m;
	struct sv sdp = body_sdp_of("Content-Type: multipart/mixed; boundary=\"outer b\"", body, &m);
	assert_true(sv_is(sdp, "v=0\r\nm=audio 4000 RTP/AVP 0"));
}

static void test_body_sdp_null_without_an_sdp(void **state)
{
	(void)state;
	static const struct { const char *ctype, *body; } cases[] = {
		{ "X-No-Content-Type: 1", "v=0\r\n" },
		{ "Content-Type: text/plain", "v=0\r\n" },
		{ "Content-Type: application/sdp", "" },
		{ "Content-Type: application/sdp\r\nContent-Encoding: gzip", "\x1f\x8b" },
		{ "Content-Type: multipart/mixed", "--b\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--b--\r\n" },
		{ "Content-Type: multipart/mixed;boundary=zz", "--b\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--b--\r\n" },
		{ "Content-Type: multipart/mixed;boundary=b", "--b\r\nContent-Type: application/isup\r\n\r\n\x01\x02\r\n--b--\r\n" },
		{ "Content-Type: multipart/mixed;boundary=b", "--b--\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n" },
		{ "Content-Type: multipart/mixed;boundary=b", "--b\r\nContent-Type: application/sdp\r\n" },
		{ "Content-Type: multipart/mixed;boundary=b", "--b\r\nContent-Type: application/sdp\r\n\r\n\r\n--b--" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sip_msg m;
		assert_null(body_sdp_of(cases[i].ctype, cases[i].body, &m).p);
	}
	/* the last part may lack its close delimiter when the SDP is whole */
	struct sip_msg m;
	struct sv sdp = body_sdp_of("Content-Type: multipart/mixed;boundary=b",
	                            "--b\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n", &m);
	assert_true(sv_is(sdp, "v=0\r\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invite_fields_are_views),
		cmocka_unit_test(test_compact_forms_and_response),
		cmocka_unit_test(test_header_names_case_insensitive_and_folded),
		cmocka_unit_test(test_stream_needs_content_length_body),
		cmocka_unit_test(test_two_messages_in_one_stream_buffer),
		cmocka_unit_test(test_datagram_without_content_length_takes_rest),
		cmocka_unit_test(test_malformed_reasons),
		cmocka_unit_test(test_not_sip_is_rejected),
		cmocka_unit_test(test_stream_partial_start_line_is_incomplete),
		cmocka_unit_test(test_param_get_skips_uri_params_and_quotes),
		cmocka_unit_test(test_too_many_headers_flagged),
		cmocka_unit_test(test_every_prefix_is_safe),
		cmocka_unit_test(test_method_names_round_trip),
		cmocka_unit_test(test_request_uri_hostport_and_ipv6_references),
		cmocka_unit_test(test_repeated_single_value_header_same_value_is_tolerated),
		cmocka_unit_test(test_address_headers_grammar),
		cmocka_unit_test(test_body_sdp_is_the_whole_application_sdp_body),
		cmocka_unit_test(test_body_sdp_finds_the_sdp_part_of_sipi_multipart),
		cmocka_unit_test(test_body_sdp_nested_quoted_boundary_and_preamble),
		cmocka_unit_test(test_body_sdp_null_without_an_sdp),
		cmocka_unit_test(test_other_sip_version_framed_and_flagged),
		cmocka_unit_test(test_every_header_name_is_known),
	};
	return cmocka_run_group_tests(tests, guard_setup, guard_teardown);
}
