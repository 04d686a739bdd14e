/* test_sip_hdr.c - structured SIP header parsers (sip_hdr.h).
 *
 * Every input is copied so that it ends right before an unreadable page
 * (guard.h): a parser reading one byte past the view crashes the test.
 * Only one guarded input is live at a time, so each check reads its views
 * before the next input is placed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "guard.h"
#include "sipscope/sip.h"
#include "sipscope/sip_hdr.h"

/* The input `s` (NUL-terminated literal) placed before the guard page. */
static struct sv G(const char *s)
{
	size_t n = strlen(s);
	return sv_make(guard_place(&g, s, n), n);
}

static struct sv Gn(const char *s, size_t n)
{
	return sv_make(guard_place(&g, s, n), n);
}

static int sv_is(struct sv v, const char *s)
{
	return v.p != NULL && v.len == strlen(s) && memcmp(v.p, s, v.len) == 0;
}

#define assert_sv(v, s) assert_true(sv_is((v), (s)))
#define assert_unset(v) assert_null((v).p)
#define assert_empty_set(v) do { assert_non_null((v).p); assert_int_equal((v).len, 0); } while (0)

/* ---- URIs ----------------------------------------------------------------- */

static void test_uri_sip_all_parts(void **state)
{
	(void)state;
	struct sip_uri u;
	assert_int_equal(sip_uri_parse(G("sip:alice:secret@atlanta.example.com:5061;transport=TCP;lr"
	                                 "?Subject=project%20x&Priority=urgent"), &u), 0);
	assert_int_equal(u.scheme, SIP_URI_SIP);
	assert_sv(u.scheme_name, "sip");
	assert_sv(u.user, "alice");
	assert_sv(u.password, "secret");
	assert_sv(u.host, "atlanta.example.com");
	assert_int_equal(u.host_type, SIP_HOST_NAME);
	assert_true(u.has_port);
	assert_int_equal(u.port, 5061);
	assert_sv(u.hostport, "atlanta.example.com:5061");
	assert_sv(u.params, "transport=TCP;lr");
	assert_sv(u.headers, "Subject=project%20x&Priority=urgent");
	assert_sv(sip_uri_param(&u, "TRANSPORT"), "TCP");
	assert_empty_set(sip_uri_param(&u, "lr"));
	assert_unset(sip_uri_param(&u, "maddr"));
	assert_sv(sip_uri_header(&u, "subject"), "project%20x");
	assert_sv(sip_uri_header(&u, "Priority"), "urgent");
	assert_unset(sip_uri_header(&u, "To"));
}

static void test_uri_minimal_and_absent_parts(void **state)
{
	(void)state;
	struct sip_uri u;
	assert_int_equal(sip_uri_parse(G("sip:example.com"), &u), 0);
	assert_unset(u.user);
	assert_unset(u.password);
	assert_false(u.has_port);
	assert_int_equal(u.port, 0);
	assert_unset(u.params);
	assert_unset(u.headers);
	assert_unset(sip_uri_param(&u, "lr"));
	/* An empty password is still a password. */
	assert_int_equal(sip_uri_parse(G("sip:user:@example.com"), &u), 0);
	assert_sv(u.user, "user");
	assert_empty_set(u.password);
	assert_int_equal(sip_uri_parse(G("sip:192.0.2.4:5060"), &u), 0);
	assert_int_equal(u.host_type, SIP_HOST_IPV4);
	assert_sv(u.host, "192.0.2.4");
	assert_int_equal(u.port, 5060);
	assert_int_equal(sip_uri_parse(G("sip:example.com."), &u), 0);
	assert_int_equal(u.host_type, SIP_HOST_NAME);
	assert_int_equal(sip_uri_parse(G("sip:host_with_underscore.example"), &u), 0);
}

static void test_uri_schemes_are_case_insensitive(void **state)
{
	(void)state;
	struct sip_uri u;
	assert_int_equal(sip_uri_parse(G("SIP:bob@Biloxi.example.COM"), &u), 0);
	assert_int_equal(u.scheme, SIP_URI_SIP);
	assert_sv(u.scheme_name, "SIP");
	assert_int_equal(sip_uri_parse(G("SiPs:bob@biloxi.example.com"), &u), 0);
	assert_int_equal(u.scheme, SIP_URI_SIPS);
	assert_int_equal(sip_uri_parse(G("TEL:+1-201-555-0123"), &u), 0);
	assert_int_equal(u.scheme, SIP_URI_TEL);
	assert_int_equal(sip_uri_parse(G("urn:service:sos"), &u), 0);
	assert_int_equal(u.scheme, SIP_URI_OTHER);
	assert_sv(u.scheme_name, "urn");
	assert_sv(u.rest, "service:sos");
	assert_unset(u.host);
	assert_int_equal(sip_uri_parse(G("mailto:bob@example.com?subject=hi"), &u), 0);
	assert_int_equal(u.scheme, SIP_URI_OTHER);
	assert_int_equal(sip_uri_parse(G("im:user@example.com"), &u), 0);
}

/* RFC 5118: IPv6 references with and without ports. */
static void test_uri_ipv6_references(void **state)
{
	(void)state;
	struct sip_uri u;
	assert_int_equal(sip_uri_parse(G("sip:[2001:db8::10]"), &u), 0);
	assert_int_equal(u.host_type, SIP_HOST_IPV6);
	assert_sv(u.host, "2001:db8::10");
	assert_sv(u.hostport, "[2001:db8::10]");
	assert_false(u.has_port);
	assert_int_equal(sip_uri_parse(G("sip:[2001:db8::10]:5070"), &u), 0);
	assert_sv(u.host, "2001:db8::10");
	assert_true(u.has_port);
	assert_int_equal(u.port, 5070);
	/* RFC 5118 4.2: the port-looking group is part of the address. */
	assert_int_equal(sip_uri_parse(G("sip:[2001:db8::10:5070]"), &u), 0);
	assert_sv(u.host, "2001:db8::10:5070");
	assert_false(u.has_port);
	assert_int_equal(sip_uri_parse(G("sip:user@[::ffff:192.0.2.10]:5060;maddr=[2001:db8::1]"), &u), 0);
	assert_sv(u.host, "::ffff:192.0.2.10");
	assert_sv(sip_uri_param(&u, "maddr"), "[2001:db8::1]");
	assert_int_equal(sip_uri_parse(G("sip:[::1]"), &u), 0);
	assert_int_equal(sip_uri_parse(G("sip:[::]"), &u), 0);
	assert_int_equal(sip_uri_parse(G("sip:[1:2:3:4:5:6:7:8]"), &u), 0);
	assert_int_equal(sip_uri_parse(G("sip:[1:2:3:4:5:6:7::]"), &u), 0);
	assert_int_equal(sip_uri_parse(G("sip:[1:2:3:4:5:6:1.2.3.4]"), &u), 0);
	assert_int_equal(sip_uri_parse(G("sips:[2001:DB8:0:0:8:800:200C:417A]:5061"), &u), 0);

	static const char *const bad[] = {
		"sip:2001:db8::10",            /* RFC 5118 4.1: no brackets */
		"sip:[2001:db8:::10]",         /* three colons */
		"sip:[2001:db8::10",           /* not closed */
		"sip:[1:2:3:4:5:6:7:8:9]",     /* too many groups */
		"sip:[1:2:3:4:5:6:7]",         /* too few, no :: */
		"sip:[1::2::3]",               /* two :: */
		"sip:[12345::1]",              /* group too long */
		"sip:[g::1]",
		"sip:[]",
		"sip:[:1]",
		"sip:[1:]",
		"sip:[::1]x",
		"sip:[::1]:",
		"sip:[::1.2.3]",
		"sip:[1:2:3:4:5:6:7:1.2.3.4]", /* 9 groups' worth */
		"sip:[fe80::1%eth0]",          /* zone ids are not in SIP */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (sip_uri_parse(G(bad[i]), &u) != -1)
			fail_msg("accepted %s", bad[i]);
	}
}

/* RFC 4475 3.1.1.x escaped URIs: escapes stay in the views. */
static void test_uri_escapes_left_in_views(void **state)
{
	(void)state;
	struct sip_uri u;
	char buf[64];
	assert_int_equal(sip_uri_parse(G("sip:sips%3Auser%40example.com@example.net"), &u), 0);
	assert_sv(u.user, "sips%3Auser%40example.com");
	assert_sv(u.host, "example.net");
	size_t n = sip_unescape(u.user, buf, sizeof buf);
	assert_int_equal(n, strlen("sips:user@example.com"));
	assert_memory_equal(buf, "sips:user@example.com", n);

	assert_int_equal(sip_uri_parse(G("sip:%61lice@atlanta.com;transport=TCP"), &u), 0);
	n = sip_unescape(u.user, buf, sizeof buf);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "alice", 5);

	/* RFC 4475 3.1.1.6: an escaped NUL is a byte like any other. */
	assert_int_equal(sip_uri_parse(G("sip:null-%00-null@example.com"), &u), 0);
	n = sip_unescape(u.user, buf, sizeof buf);
	assert_int_equal(n, 11);
	assert_memory_equal(buf, "null-\0-null", 11);

	/* A tel number with ';' in the user part of a sip URI (RFC 3261 19.1.6). */
	assert_int_equal(sip_uri_parse(G("sip:+1-212-555-1212:1234@gateway.com;user=phone"), &u), 0);
	assert_sv(u.user, "+1-212-555-1212");
	assert_sv(u.password, "1234");
	assert_sv(sip_uri_param(&u, "user"), "phone");
	assert_int_equal(sip_uri_parse(G("sip:+12125551212;isub=1411@gateway.com"), &u), 0);
	assert_sv(u.user, "+12125551212;isub=1411");
	assert_int_equal(sip_uri_parse(G("sip:a:b;c@gateway.com"), &u), -1);
	assert_int_equal(sip_uri_parse(G("sip:user;par=u%40example.net@example.com"), &u), 0);
	assert_sv(u.user, "user;par=u%40example.net");

	/* Escaped Route header inside the URI (RFC 4475 3.1.1.13). */
	assert_int_equal(sip_uri_parse(G("sip:user@example.com?Route=%3Csip:example.com%3E"), &u), 0);
	struct sv route = sip_uri_header(&u, "route");
	assert_sv(route, "%3Csip:example.com%3E");
	n = sip_unescape(route, buf, sizeof buf);
	assert_memory_equal(buf, "<sip:example.com>", n);

	assert_int_equal(sip_uri_parse(G("sip:a%4@b"), &u), -1);
	assert_int_equal(sip_uri_parse(G("sip:a%zz@b"), &u), -1);
	assert_int_equal(sip_uri_parse(G("sip:a@b;x=%"), &u), -1);
}

static void test_uri_tel_rfc3966(void **state)
{
	(void)state;
	struct sip_uri u;
	assert_int_equal(sip_uri_parse(G("tel:+1-201-555-0123"), &u), 0);
	assert_sv(u.user, "+1-201-555-0123");
	assert_unset(u.host);
	assert_unset(u.params);
	assert_int_equal(sip_uri_parse(G("tel:7042;phone-context=example.com"), &u), 0);
	assert_sv(u.user, "7042");
	assert_sv(sip_uri_param(&u, "phone-context"), "example.com");
	assert_int_equal(sip_uri_parse(G("tel:863-1234;phone-context=+1-914-555"), &u), 0);
	assert_int_equal(sip_uri_parse(G("tel:+1(201)555.0123;ext=12;isub=abc"), &u), 0);
	assert_sv(sip_uri_param(&u, "ext"), "12");
	assert_int_equal(sip_uri_parse(G("tel:*21#;phone-context=x.example"), &u), 0);

	static const char *const bad[] = { "tel:", "tel:+", "tel:+12a4", "tel:123?x=y",
	                                   "tel:12 34", "tel:-", "tel:123;", "tel:1;=x" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (sip_uri_parse(G(bad[i]), &u) != -1)
			fail_msg("accepted %s", bad[i]);
}

static void test_uri_port_bounds(void **state)
{
	(void)state;
	struct sip_uri u;
	assert_int_equal(sip_uri_parse(G("sip:h.example:0"), &u), 0);
	assert_true(u.has_port);
	assert_int_equal(u.port, 0);
	assert_int_equal(sip_uri_parse(G("sip:h.example:65535"), &u), 0);
	assert_int_equal(u.port, 65535);
	assert_int_equal(sip_uri_parse(G("sip:h.example:65536"), &u), -1);
	assert_int_equal(sip_uri_parse(G("sip:h.example:123456"), &u), -1);
	assert_int_equal(sip_uri_parse(G("sip:h.example:"), &u), -1);
	assert_int_equal(sip_uri_parse(G("sip:h.example:5o60"), &u), -1);
}

static void test_uri_rejects_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "sip", "sip:", ":x", "1sip:x", "sip:user@", "sip:@host", "sip:host;",
		"sip:host;;lr", "sip:host;a=", "sip:host;=b", "sip:host?", "sip:host?x",
		"sip:host?x=1&", "sip:a b@c", "sip:host name", "sip:-host", "sip:host-.com",
		"sip:host..com", "sip:1.2.3.256", "sip:1.2.3.4.5", "sip:123", "urn:", "urn:a b",
		"<sip:a@b>", "sip:a@b>", "sip:a\"b@c", "sip:a@b;lr\r\n", " sip:a@b", "sip:a@b ",
		"sip:us\xc3\xa9r@b", "sip:a@h\x00st",
	};
	struct sip_uri u;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&u, 0xa5, sizeof u);
		size_t len = strlen(bad[i]) + (i == sizeof bad / sizeof bad[0] - 1 ? 3 : 0);
		if (sip_uri_parse(Gn(bad[i], len), &u) != -1)
			fail_msg("accepted %s", bad[i]);
		/* No half-filled result. */
		assert_int_equal(u.scheme, 0);
		assert_unset(u.scheme_name);
		assert_unset(u.host);
	}
	assert_int_equal(sip_uri_parse(SV_NULL, &u), -1);
}

static void test_unescape_reports_needed_length(void **state)
{
	(void)state;
	char out[8];
	memset(out, 'z', sizeof out);
	assert_int_equal(sip_unescape(G("%41%42%43"), out, 2), 3);
	assert_memory_equal(out, "ABz", 3); /* nothing past cap */
	assert_int_equal(sip_unescape(G("%4"), out, sizeof out), 2);
	assert_memory_equal(out, "%4", 2);
	assert_int_equal(sip_unescape(G("%%41x%"), out, sizeof out), 4);
	assert_memory_equal(out, "%Ax%", 4);
	assert_int_equal(sip_unescape(G("%aF"), out, sizeof out), 1);
	assert_int_equal((unsigned char)out[0], 0xaf);
	assert_int_equal(sip_unescape(SV_NULL, out, sizeof out), 0);
	assert_int_equal(sip_unescape(G("abc"), NULL, 0), 3);
}

static void test_unquote_resolves_quoted_pairs(void **state)
{
	(void)state;
	char out[32];
	size_t n = sip_unquote(G("Quoted string \\\"\\\""), out, sizeof out);
	assert_int_equal(n, strlen("Quoted string \"\""));
	assert_memory_equal(out, "Quoted string \"\"", n);
	n = sip_unquote(G("a\\\\b\r\n c"), out, sizeof out);
	assert_int_equal(n, 5);
	assert_memory_equal(out, "a\\b c", 5);
	assert_int_equal(sip_unquote(G("abcdef"), out, 3), 6);
}

/* ---- parameters and lists ------------------------------------------------- */

static void test_param_next_walks_lws_and_mixed_case(void **state)
{
	(void)state;
	struct sv rest = G(" newparam = \r\n newvalue ; SecondParam ; q = 0.33;x=\"a;b\"");
	struct sip_param p;
	assert_int_equal(sip_param_next(&rest, &p), 1);
	assert_sv(p.name, "newparam");
	assert_sv(p.value, "newvalue");
	assert_false(p.quoted);
	assert_int_equal(sip_param_next(&rest, &p), 1);
	assert_sv(p.name, "SecondParam");
	assert_unset(p.value);
	assert_int_equal(sip_param_next(&rest, &p), 1);
	assert_sv(p.value, "0.33");
	assert_int_equal(sip_param_next(&rest, &p), 1);
	assert_sv(p.value, "a;b");
	assert_true(p.quoted);
	assert_int_equal(sip_param_next(&rest, &p), 0);
	assert_int_equal(sip_param_next(&rest, &p), 0);
}

static void test_param_next_rejects_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = { "a=", "=b", "a;", "a b", "a=\"x", "a=b c",
	                                   "a;;b", "a=\"x\"y", "a=\x01", "a=\"\x01\"" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct sv rest = G(bad[i]);
		struct sip_param p;
		int r;
		while ((r = sip_param_next(&rest, &p)) == 1)
			;
		if (r != -1)
			fail_msg("accepted %s", bad[i]);
		assert_int_equal(rest.len, 0);
		assert_int_equal(sip_param_next(&rest, &p), 0);
	}
}

static void test_hdr_param_lookup(void **state)
{
	(void)state;
	struct sv ps = G("Tag=abc;lr;cid=\"x@y\";received=2001:db8::9:255;maddr=[::1]");
	assert_sv(sip_hdr_param(ps, "tag"), "abc");
	assert_empty_set(sip_hdr_param(ps, "LR"));
	assert_sv(sip_hdr_param(ps, "cid"), "x@y");
	assert_sv(sip_hdr_param(ps, "received"), "2001:db8::9:255");
	assert_sv(sip_hdr_param(ps, "maddr"), "[::1]");
	assert_unset(sip_hdr_param(ps, "branch"));
	assert_unset(sip_hdr_param(SV_NULL, "tag"));
	assert_unset(sip_hdr_param(G("a b;tag=1"), "tag"));
}

static void test_list_respects_quotes_and_angles(void **state)
{
	(void)state;
	struct sv rest = G("\"Bob, Jr.\" <sip:a@b;x=1,2>;tag=1 , <sip:c@d>,sip:e@f, \"q\\\",\" <sip:g@h>");
	struct sv item;
	assert_int_equal(sip_list_next(&rest, &item), 1);
	assert_sv(item, "\"Bob, Jr.\" <sip:a@b;x=1,2>;tag=1");
	assert_int_equal(sip_list_next(&rest, &item), 1);
	assert_sv(item, "<sip:c@d>");
	assert_int_equal(sip_list_next(&rest, &item), 1);
	assert_sv(item, "sip:e@f");
	assert_int_equal(sip_list_next(&rest, &item), 1);
	assert_sv(item, "\"q\\\",\" <sip:g@h>");
	assert_int_equal(sip_list_next(&rest, &item), 0);

	rest = G(" , a ,, b ,\r\n ");
	assert_int_equal(sip_list_next(&rest, &item), 1);
	assert_sv(item, "a");
	assert_int_equal(sip_list_next(&rest, &item), 1);
	assert_sv(item, "b");
	assert_int_equal(sip_list_next(&rest, &item), 0);

	rest = G("a, \"unterminated, b");
	assert_int_equal(sip_list_next(&rest, &item), 1);
	assert_int_equal(sip_list_next(&rest, &item), -1);
	assert_int_equal(sip_list_next(&rest, &item), 0);
	rest = G("<sip:a@b, c");
	assert_int_equal(sip_list_next(&rest, &item), -1);
	rest = SV_NULL;
	assert_int_equal(sip_list_next(&rest, &item), 0);
}

/* ---- name-addr / addr-spec ------------------------------------------------ */

/* RFC 4475 3.1.1.1 (wsinv) Contact. */
static void test_addr_quoted_display_with_escaped_quotes(void **state)
{
	(void)state;
	struct sip_addr a;
	char buf[64];
	assert_int_equal(sip_addr_parse(G("\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; "
	                                  "newparam =\r\n newvalue ; secondparam ; q = 0.33"), &a), 0);
	assert_true(a.display_quoted);
	assert_sv(a.display, "Quoted string \\\"\\\"");
	size_t n = sip_unquote(a.display, buf, sizeof buf);
	assert_memory_equal(buf, "Quoted string \"\"", n);
	assert_true(a.angle);
	assert_sv(a.uri_text, "sip:jdrosen@example.com");
	assert_sv(a.uri.user, "jdrosen");
	assert_int_equal(a.q, 330);
	assert_sv(sip_hdr_param(a.params, "NewParam"), "newvalue");
	assert_empty_set(sip_hdr_param(a.params, "secondparam"));
	assert_unset(a.tag);
}

static void test_addr_token_display_and_tags(void **state)
{
	(void)state;
	struct sip_addr a;
	assert_int_equal(sip_addr_parse(G("Bob  Smith <sip:bob@biloxi.example.com>;tag=a6c85cf"), &a), 0);
	assert_false(a.display_quoted);
	assert_sv(a.display, "Bob  Smith");
	assert_sv(a.tag, "a6c85cf");
	assert_int_equal(a.q, -1);
	/* A quoted display name may hold ';' and '<'; the URI's own tag is not
	 * the header's. */
	assert_int_equal(sip_addr_parse(G("\"Alice; the <first>\" <sip:alice@atlanta.example.com;tag=uri-param>"
	                                  ";TAG=1928301774"), &a), 0);
	assert_sv(a.display, "Alice; the <first>");
	assert_sv(a.tag, "1928301774");
	assert_sv(sip_uri_param(&a.uri, "tag"), "uri-param");
	assert_int_equal(sip_addr_parse(G("<sip:bob@example.com>"), &a), 0);
	assert_unset(a.display);
	assert_unset(a.params);
	assert_int_equal(sip_addr_parse(G("\"\" <sip:bob@example.com>"), &a), 0);
	assert_empty_set(a.display);
	assert_int_equal(sip_addr_parse(G("\"J\xc3\xb6rg\"<sip:j@example.com>"), &a), 0);
	assert_int_equal(sip_addr_parse(G("Anonymous <sip:anonymous@anonymous.invalid>"), &a), 0);
	assert_sv(a.display, "Anonymous");
}

/* RFC 3261 20.10: without <>, ';' parameters belong to the header. */
static void test_addr_spec_params_are_header_params(void **state)
{
	(void)state;
	struct sip_addr a;
	assert_int_equal(sip_addr_parse(G("sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n"), &a), 0);
	assert_false(a.angle);
	assert_sv(a.uri_text, "sip:vivekg@chair-dnrc.example.com");
	assert_sv(a.tag, "1918181833n");
	assert_unset(a.uri.params);
	assert_int_equal(sip_addr_parse(G("sip:a@b.example;tag=x;lr"), &a), 0);
	assert_sv(a.uri_text, "sip:a@b.example");
	assert_sv(a.tag, "x");
	assert_int_equal(sip_addr_parse(G("tel:+14085264000"), &a), 0);
	assert_int_equal(a.uri.scheme, SIP_URI_TEL);
	assert_int_equal(sip_addr_parse(G("<tel:+14085264000;phone-context=x>;tag=9"), &a), 0);
	assert_sv(a.tag, "9");
	assert_sv(sip_uri_param(&a.uri, "phone-context"), "x");
}

static void test_addr_contact_star_expires_q(void **state)
{
	(void)state;
	struct sip_addr a;
	assert_int_equal(sip_addr_parse(G(" * "), &a), 0);
	assert_true(a.star);
	assert_int_equal(sip_addr_parse(G("<sip:a@b.example>;expires=3600;q=0.7"), &a), 0);
	assert_false(a.star);
	assert_true(a.has_expires);
	assert_int_equal(a.expires, 3600);
	assert_int_equal(a.q, 700);
	assert_int_equal(sip_addr_parse(G("<sip:a@b.example>;EXPIRES=99999999999;Q=1.000"), &a), 0);
	assert_int_equal(a.expires, UINT32_MAX);
	assert_int_equal(a.q, 1000);
	assert_int_equal(sip_addr_parse(G("<sip:a@b.example>;q=0."), &a), 0);
	assert_int_equal(a.q, 0);
	assert_int_equal(sip_addr_parse(G("<sip:a@b.example>;q=0.001"), &a), 0);
	assert_int_equal(a.q, 1);
	assert_int_equal(sip_addr_parse(G("<sip:a@b.example>;+sip.instance=\"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>\""), &a), 0);
	assert_sv(sip_hdr_param(a.params, "+sip.instance"), "<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>");
	static const char *const bad[] = {
		"<sip:a@b>;q=1.5", "<sip:a@b>;q=2", "<sip:a@b>;q=0.1234", "<sip:a@b>;q",
		"<sip:a@b>;q=.5", "<sip:a@b>;expires=x", "<sip:a@b>;expires", "**", "* ;q=1",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (sip_addr_parse(G(bad[i]), &a) != -1)
			fail_msg("accepted %s", bad[i]);
}

static void test_addr_rejects_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "\"unterminated <sip:a@b>", "<sip:a@b", "Bob <sip:a@b> junk", "sip:a@b junk",
		"<sip:a@b>;", "<sip:a@b>;=x", "Bob\x01 <sip:a@b>", "<>", "<sip:a@b >",
		"< sip:a@b>", "\"a\\", "\"a\" sip:a@b", "Bob, <sip:a@b>", "<sip:a@b>;tag=\"x",
		"<sip:a@b>tag=1", "sip:a@b;tag=1 x", "Bob", "\"x\"", "<sip:a@b><sip:c@d>",
		"\"a\\\xc3\xa9\" <sip:a@b>", "\"a\rb\" <sip:a@b>",
	};
	struct sip_addr a;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&a, 0x5a, sizeof a);
		if (sip_addr_parse(G(bad[i]), &a) != -1)
			fail_msg("accepted %s", bad[i]);
		assert_unset(a.uri_text);
		assert_unset(a.display);
		assert_int_equal(a.q, -1);
	}
}

static void test_addr_forms_of_other_headers(void **state)
{
	(void)state;
	struct sip_addr a;
	char buf[128];
	/* Route / Record-Route */
	assert_int_equal(sip_addr_parse(G("<sip:p1.example.com;lr>"), &a), 0);
	assert_empty_set(sip_uri_param(&a.uri, "lr"));
	/* P-Asserted-Identity (RFC 3325) */
	assert_int_equal(sip_addr_parse(G("\"Cullen Jennings\" <sip:fluffy@cisco.com>"), &a), 0);
	assert_sv(a.display, "Cullen Jennings");
	/* Diversion (RFC 5806) */
	assert_int_equal(sip_addr_parse(G("<sip:+15555551002@example.com;user=phone>;reason=unconditional;"
	                                  "counter=1;privacy=off"), &a), 0);
	assert_sv(sip_hdr_param(a.params, "reason"), "unconditional");
	assert_sv(sip_hdr_param(a.params, "counter"), "1");
	/* History-Info (RFC 7044) with an escaped Reason in the URI */
	assert_int_equal(sip_addr_parse(G("<sip:bob@example.com?Reason=SIP%3Bcause%3D302>;index=1.1;mp=1"), &a), 0);
	assert_sv(sip_hdr_param(a.params, "index"), "1.1");
	assert_sv(sip_uri_header(&a.uri, "reason"), "SIP%3Bcause%3D302");
	/* Referred-By (RFC 3892) */
	assert_int_equal(sip_addr_parse(G("<sip:referrer@referrer.example>;cid=\"20398823.2UWQFN309shb3@referrer.example\""), &a), 0);
	assert_sv(sip_hdr_param(a.params, "cid"), "20398823.2UWQFN309shb3@referrer.example");
	/* Refer-To with an escaped Replaces (RFC 3891 7.1) */
	assert_int_equal(sip_addr_parse(G("<sips:bob@biloxi.example.com?Replaces=12345%40192.168.118.3%3B"
	                                  "to-tag%3D12345%3Bfrom-tag%3D5FFE-3994>"), &a), 0);
	struct sv rep = sip_uri_header(&a.uri, "Replaces");
	size_t n = sip_unescape(rep, buf, sizeof buf);
	assert_true(n < sizeof buf);
	struct sip_replaces r;
	assert_int_equal(sip_replaces_parse(sv_make(buf, n), &r), 0);
	assert_true(sv_is(r.call_id, "12345@192.168.118.3"));
	assert_true(sv_is(r.to_tag, "12345"));
	assert_true(sv_is(r.from_tag, "5FFE-3994"));
}

#define MAXH 32
static struct sip_header hdrs[MAXH];

static const char multi[] =
	"REGISTER sip:registrar.example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP a.example.com;branch=z9hG4bKa, SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bKb\r\n"
	"v:  SIP  / 2.0  / TCP     spindle.example.com   ;\r\n"
	"  branch  =   z9hG4bK9ikj8  ,\r\n"
	" SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n"
	" z9hG4bK30239;rport\r\n"
	"Via: SIP/2.0/UDP bad host;branch=x, SIP/2.0/UDP last.example.com:5062;received=10.0.0.1;rport=5062\r\n"
	"From: \"Bob, Jr.\" <sip:bob@example.com>;tag=456248\r\n"
	"To: <sip:bob@example.com>\r\n"
	"Call-ID: 843817637684230@998sdasdh09\r\n"
	"CSeq: 1826 REGISTER\r\n"
	"Contact: <sip:bob@192.0.2.4>;expires=3600, \"Mobile, work\" <sip:bob@[2001:db8::4]:5060>;q=0.5\r\n"
	"m: <sip:bob@host3.example.com>;q=0.1, <sip:broken\r\n"
	"P-Asserted-Identity: \"Bob\" <sip:bob@example.com>, <tel:+15551234567>\r\n"
	"p-asserted-identity: <sip:x@y.example>\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static void parse_msg(const char *text, size_t len, struct sip_msg *m)
{
	const char *p = guard_place(&g, text, len);
	int n = sip_parse(p, len, SIP_PARSE_DATAGRAM, m, hdrs, MAXH);
	assert_int_equal(n, (int)len);
}

static void test_addr_all_across_headers_counts_drops(void **state)
{
	(void)state;
	struct sip_msg m;
	parse_msg(multi, sizeof multi - 1, &m);
	struct sip_addr out[4];
	struct sip_list_count c;
	size_t n = sip_addr_all(&m, SIP_H_CONTACT, NULL, out, 2, &c);
	assert_int_equal(n, 2);
	assert_int_equal(c.kept, 2);
	assert_int_equal(c.dropped, 1);
	assert_int_equal(c.malformed, 1);
	assert_int_equal(out[0].expires, 3600);
	assert_sv(out[1].display, "Mobile, work");
	assert_int_equal(out[1].uri.host_type, SIP_HOST_IPV6);
	assert_int_equal(out[1].q, 500);

	n = sip_addr_all(&m, SIP_H_OTHER, "P-Asserted-Identity", out, 4, &c);
	assert_int_equal(n, 3);
	assert_int_equal(c.dropped + c.malformed, 0);
	assert_int_equal(out[1].uri.scheme, SIP_URI_TEL);
	assert_sv(out[2].uri.user, "x");

	n = sip_addr_all(&m, SIP_H_FROM, NULL, out, 4, NULL);
	assert_int_equal(n, 1);
	assert_sv(out[0].display, "Bob, Jr.");
	assert_sv(out[0].tag, "456248");
	assert_int_equal(sip_addr_all(&m, SIP_H_ROUTE, NULL, out, 4, &c), 0);
	assert_int_equal(c.kept + c.dropped + c.malformed, 0);
	assert_int_equal(sip_addr_all(&m, SIP_H_OTHER, "Diversion", out, 4, &c), 0);

	/* Whole values, in order. */
	struct sip_hdr_iter it;
	struct sv v;
	sip_hdr_iter_init(&it, &m, SIP_H_CONTACT, NULL);
	assert_int_equal(sip_hdr_next_value(&it, &v), 1);
	assert_int_equal(sip_hdr_next_value(&it, &v), 1);
	assert_sv(v, "<sip:bob@host3.example.com>;q=0.1, <sip:broken");
	assert_int_equal(sip_hdr_next_value(&it, &v), 0);
	assert_int_equal(sip_hdr_next_value(&it, &v), 0);
}

/* ---- Via ------------------------------------------------------------------ */

static void test_via_all_fields(void **state)
{
	(void)state;
	struct sip_via v;
	assert_int_equal(sip_via_parse(G("SIP/2.0/UDP pc33.atlanta.example.com:5062;branch=z9hG4bK776asdhds"
	                                 ";Received=10.0.0.1;rport=5062;ttl=16;maddr=224.2.0.1;x-ext"), &v), 0);
	assert_sv(v.proto_name, "SIP");
	assert_sv(v.proto_version, "2.0");
	assert_sv(v.transport, "UDP");
	assert_sv(v.sent_by, "pc33.atlanta.example.com:5062");
	assert_sv(v.host, "pc33.atlanta.example.com");
	assert_int_equal(v.host_type, SIP_HOST_NAME);
	assert_true(v.has_port);
	assert_int_equal(v.port, 5062);
	assert_sv(v.branch, "z9hG4bK776asdhds");
	assert_sv(v.received, "10.0.0.1");
	assert_true(v.has_rport);
	assert_int_equal(v.rport, 5062);
	assert_int_equal(v.ttl, 16);
	assert_sv(v.maddr, "224.2.0.1");
	assert_empty_set(sip_hdr_param(v.params, "x-ext"));

	assert_int_equal(sip_via_parse(G("SIP/2.0/TLS client.example.com;branch=z9hG4bK1"), &v), 0);
	assert_false(v.has_port);
	assert_int_equal(v.port, 0);
	assert_false(v.has_rport);
	assert_int_equal(v.ttl, -1);
	assert_unset(v.received);
	assert_unset(v.maddr);
}

static void test_via_rport_flag_and_value(void **state)
{
	(void)state;
	struct sip_via v;
	assert_int_equal(sip_via_parse(G("SIP/2.0/UDP 192.0.2.1;rport;branch=z9hG4bKx"), &v), 0);
	assert_true(v.has_rport);
	assert_int_equal(v.rport, 0);
	assert_int_equal(v.host_type, SIP_HOST_IPV4);
	assert_int_equal(sip_via_parse(G("SIP/2.0/UDP 192.0.2.1;RPORT=0"), &v), 0);
	assert_true(v.has_rport);
	assert_int_equal(sip_via_parse(G("SIP/2.0/UDP 192.0.2.1;rport=65536"), &v), -1);
	assert_int_equal(sip_via_parse(G("SIP/2.0/UDP 192.0.2.1;rport=abc"), &v), -1);
	assert_int_equal(sip_via_parse(G("SIP/2.0/UDP 192.0.2.1;rport=\"5\""), &v), -1);
}

/* RFC 5118 3.3 / 3.4, and RFC 4475 wsinv white space. */
static void test_via_ipv6_and_lws(void **state)
{
	(void)state;
	struct sip_via v;
	assert_int_equal(sip_via_parse(G("SIP/2.0/UDP [2001:db8::9:1]:5060;received=2001:db8::9:255;"
	                                 "branch=z9hG4bKas3-111"), &v), 0);
	assert_int_equal(v.host_type, SIP_HOST_IPV6);
	assert_sv(v.host, "2001:db8::9:1");
	assert_sv(v.sent_by, "[2001:db8::9:1]:5060");
	assert_int_equal(v.port, 5060);
	assert_sv(v.received, "2001:db8::9:255");
	assert_int_equal(sip_via_parse(G("SIP/2.0/TCP [2001:db8::9:1];branch=z9hG4bKas3"), &v), 0);
	assert_false(v.has_port);
	assert_int_equal(sip_via_parse(G("SIP  /   2.0\r\n  /\tUDP\r\n    host.example.com : 5070 ;\r\n branch = z9hG4bK1"), &v), 0);
	assert_sv(v.transport, "UDP");
	assert_sv(v.host, "host.example.com");
	assert_int_equal(v.port, 5070);
	assert_sv(v.branch, "z9hG4bK1");
	assert_int_equal(sip_via_parse(G("sip/2.0/ws df7jal23ls0d.invalid;branch=z9hG4bKhjhs8ass877"), &v), 0);
	assert_sv(v.transport, "ws");
}

static void test_via_rejects_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "SIP/2.0 UDP h", "SIP/2.0/UDP", "SIP/2.0/UDP ", "SIP/2.0/UDPh", "SIP//UDP h",
		"SIP/2.0/UDP h;ttl=256", "SIP/2.0/UDP h;ttl=1000", "SIP/2.0/UDP h;branch",
		"SIP/2.0/UDP h:99999", "SIP/2.0/UDP h:", "SIP/2.0/UDP h;", "SIP/2.0/UDP h (comment)",
		"SIP/2.0/UDP bad host", "SIP/2.0/UDP [::1", "SIP/2.0/UDP 2001:db8::1",
		"SIP/2.0/UDP h;branch=a b", "SIP/2.0/UDP h, SIP/2.0/UDP i", "SIP/2.0/UDP h;received",
		"SIP/2.0/UDP h;maddr", "SIP/2.0/UDP h;ttl", "SIP/2.0/UDP h;ttl=\"1\"",
	};
	struct sip_via v;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&v, 0x77, sizeof v);
		if (sip_via_parse(G(bad[i]), &v) != -1)
			fail_msg("accepted %s", bad[i]);
		assert_unset(v.transport);
		assert_int_equal(v.ttl, -1);
	}
}

static void test_via_iterates_repeated_and_comma_joined(void **state)
{
	(void)state;
	struct sip_msg m;
	parse_msg(multi, sizeof multi - 1, &m);
	struct sip_hdr_iter it;
	struct sip_via v;
	sip_hdr_iter_init(&it, &m, SIP_H_VIA, NULL);
	assert_int_equal(sip_via_next(&it, &v), 1);
	assert_sv(v.host, "a.example.com");
	assert_sv(v.branch, "z9hG4bKa");
	assert_int_equal(sip_via_next(&it, &v), 1);
	assert_sv(v.host, "2001:db8::1");
	assert_int_equal(v.port, 5070);
	assert_int_equal(sip_via_next(&it, &v), 1); /* compact form, folded */
	assert_sv(v.transport, "TCP");
	assert_sv(v.host, "spindle.example.com");
	assert_sv(v.branch, "z9hG4bK9ikj8");
	assert_int_equal(sip_via_next(&it, &v), 1);
	assert_sv(v.host, "192.168.255.111");
	assert_sv(v.branch, "z9hG4bK30239");
	assert_true(v.has_rport);
	assert_int_equal(sip_via_next(&it, &v), -1); /* "bad host" */
	assert_unset(v.host);
	assert_int_equal(sip_via_next(&it, &v), 1);
	assert_sv(v.host, "last.example.com");
	assert_int_equal(v.rport, 5062);
	assert_int_equal(sip_via_next(&it, &v), 0);
	assert_int_equal(sip_via_next(&it, &v), 0);

	struct sip_via out[3];
	struct sip_list_count c;
	assert_int_equal(sip_via_all(&m, out, 3, &c), 3);
	assert_int_equal(c.dropped, 2);
	assert_int_equal(c.malformed, 1);
	assert_sv(out[2].host, "spindle.example.com");
	assert_int_equal(sip_via_all(&m, NULL, 0, &c), 0);
	assert_int_equal(c.dropped, 5);
}

/* ---- small headers -------------------------------------------------------- */

static void test_cseq_and_rack(void **state)
{
	(void)state;
	struct sip_cseq c;
	assert_int_equal(sip_cseq_parse(G("314159 INVITE"), &c), 0);
	assert_int_equal(c.seq, 314159);
	assert_sv(c.method, "INVITE");
	assert_int_equal(sip_cseq_parse(G("  7 \r\n\tOPTIONS "), &c), 0);
	assert_sv(c.method, "OPTIONS");
	assert_int_equal(sip_cseq_parse(G("4294967295 ACK"), &c), 0);
	assert_int_equal(c.seq, 4294967295u);
	assert_int_equal(sip_cseq_parse(G("0 NEWMETHOD"), &c), 0);
	static const char *const bad[] = { "4294967296 ACK", "1INVITE", "x INVITE", "1 INVITE x",
	                                   "1", "INVITE", "", "-1 ACK", "1 INV<ITE" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&c, 1, sizeof c);
		if (sip_cseq_parse(G(bad[i]), &c) != -1)
			fail_msg("accepted %s", bad[i]);
		assert_int_equal(c.seq, 0);
		assert_unset(c.method);
	}
	struct sip_rack r;
	assert_int_equal(sip_rack_parse(G("776656 1 INVITE"), &r), 0);
	assert_int_equal(r.rseq, 776656);
	assert_int_equal(r.cseq, 1);
	assert_sv(r.method, "INVITE");
	assert_int_equal(sip_rack_parse(G("0 1 INVITE"), &r), -1);
	assert_int_equal(sip_rack_parse(G("1 INVITE"), &r), -1);
	assert_int_equal(sip_rack_parse(G("1 2 INVITE junk"), &r), -1);
}

static void test_numeric_headers(void **state)
{
	(void)state;
	uint32_t n = 7;
	assert_int_equal(sip_max_forwards_parse(G("70"), &n), 0);
	assert_int_equal(n, 70);
	assert_int_equal(sip_max_forwards_parse(G(" 0 "), &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(sip_max_forwards_parse(G("255"), &n), 0);
	assert_int_equal(sip_max_forwards_parse(G("256"), &n), -1);
	assert_int_equal(sip_max_forwards_parse(G(""), &n), -1);
	assert_int_equal(sip_max_forwards_parse(G("7a"), &n), -1);
	assert_int_equal(sip_max_forwards_parse(G("99999999999999999999"), &n), -1);
	assert_int_equal(sip_max_forwards_parse(SV_NULL, &n), -1);

	assert_int_equal(sip_expires_parse(G("3600"), &n), 0);
	assert_int_equal(n, 3600);
	assert_int_equal(sip_expires_parse(G("99999999999999999999"), &n), 0);
	assert_int_equal(n, UINT32_MAX);
	assert_int_equal(sip_expires_parse(G("-1"), &n), -1);
	assert_int_equal(sip_expires_parse(G("3600;refresher=uac"), &n), -1);
	assert_int_equal(sip_expires_parse(G(""), &n), -1);

	assert_int_equal(sip_rseq_parse(G("1"), &n), 0);
	assert_int_equal(sip_rseq_parse(G("2147483647"), &n), 0);
	assert_int_equal(n, 2147483647u);
	assert_int_equal(sip_rseq_parse(G("2147483648"), &n), -1);
	assert_int_equal(sip_rseq_parse(G("0"), &n), -1);
}

static void test_content_type_and_disposition(void **state)
{
	(void)state;
	struct sip_ctype ct;
	assert_int_equal(sip_ctype_parse(G("multipart/mixed;boundary=unique-boundary-1"), &ct), 0);
	assert_sv(ct.type, "multipart");
	assert_sv(ct.subtype, "mixed");
	assert_sv(sip_hdr_param(ct.params, "boundary"), "unique-boundary-1");
	assert_int_equal(sip_ctype_parse(G("application/sdp"), &ct), 0);
	assert_unset(ct.params);
	assert_int_equal(sip_ctype_parse(G("Application / SDP ; Charset = \"utf-8\""), &ct), 0);
	assert_sv(ct.subtype, "SDP");
	assert_sv(sip_hdr_param(ct.params, "charset"), "utf-8");
	assert_int_equal(sip_ctype_parse(G("multipart/related;type=\"application/sdp\";boundary=\"b 1\""), &ct), 0);
	assert_sv(sip_hdr_param(ct.params, "boundary"), "b 1");
	static const char *const bad[] = { "application", "application/", "/sdp", "application/sdp;",
	                                   "text/plain junk", "a/b/c", "" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (sip_ctype_parse(G(bad[i]), &ct) != -1)
			fail_msg("accepted %s", bad[i]);

	struct sip_cdisp cd;
	assert_int_equal(sip_cdisp_parse(G("session;handling=required"), &cd), 0);
	assert_sv(cd.type, "session");
	assert_sv(cd.handling, "required");
	assert_int_equal(sip_cdisp_parse(G("render"), &cd), 0);
	assert_unset(cd.handling);
	assert_int_equal(sip_cdisp_parse(G("icon;handling"), &cd), -1);
	assert_int_equal(sip_cdisp_parse(G(";handling=optional"), &cd), -1);
}

static void test_reason_and_warning(void **state)
{
	(void)state;
	struct sip_reason r;
	assert_int_equal(sip_reason_parse(G("SIP;cause=200;text=\"Call completed elsewhere\""), &r), 0);
	assert_sv(r.protocol, "SIP");
	assert_true(r.has_cause);
	assert_int_equal(r.cause, 200);
	assert_sv(r.text, "Call completed elsewhere");
	/* Several reason-values in one header. */
	struct sv rest = G("SIP ;cause=580;text=\"Precondition, Failure\", Q.850 ; CAUSE = 16");
	struct sv item;
	assert_int_equal(sip_list_next(&rest, &item), 1);
	assert_int_equal(sip_reason_parse(item, &r), 0);
	assert_int_equal(r.cause, 580);
	assert_sv(r.text, "Precondition, Failure");
	assert_int_equal(sip_list_next(&rest, &item), 1);
	assert_int_equal(sip_reason_parse(item, &r), 0);
	assert_sv(r.protocol, "Q.850");
	assert_int_equal(r.cause, 16);
	assert_unset(r.text);
	assert_int_equal(sip_reason_parse(G("preemption;cause=1;text=\"UA Preemption\""), &r), 0);
	assert_int_equal(sip_reason_parse(G("SIP;cause=abc"), &r), -1);
	assert_int_equal(sip_reason_parse(G("SIP;cause"), &r), -1);
	assert_int_equal(sip_reason_parse(G(";cause=1"), &r), -1);
	assert_int_equal(sip_reason_parse(G("SIP;cause=\"1\""), &r), -1);

	struct sip_warning w;
	assert_int_equal(sip_warning_parse(G("307 isi.edu \"Session parameter 'foo' not understood\""), &w), 0);
	assert_int_equal(w.code, 307);
	assert_sv(w.agent, "isi.edu");
	assert_sv(w.text, "Session parameter 'foo' not understood");
	assert_int_equal(sip_warning_parse(G("301 [2001:db8::1]:5060 \"x\""), &w), 0);
	assert_sv(w.agent, "[2001:db8::1]:5060");
	assert_int_equal(sip_warning_parse(G("399 some-pseudonym \"\""), &w), 0);
	assert_empty_set(w.text);
	assert_int_equal(sip_warning_parse(G("370 192.0.2.1:5060 \"Insufficient \\\"bandwidth\\\"\""), &w), 0);
	static const char *const bad[] = { "30 a \"x\"", "307 isi.edu", "307 isi.edu x",
	                                   "307 isi.edu \"x\" y", "3070 a \"x\"", "307 \"x\"",
	                                   "abc a \"x\"", "307 a:b:c \"x\"", "307 a \"x" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (sip_warning_parse(G(bad[i]), &w) != -1)
			fail_msg("accepted %s", bad[i]);
}

static void test_session_id_event_substate(void **state)
{
	(void)state;
	struct sip_session_id sid;
	assert_int_equal(sip_session_id_parse(G("ab30317f1a784dc48ff824d0d3715d86;"
	                                        "remote=47755a9de7794ba387653f2099600ef2"), &sid), 0);
	assert_sv(sid.local, "ab30317f1a784dc48ff824d0d3715d86");
	assert_sv(sid.remote, "47755a9de7794ba387653f2099600ef2");
	assert_int_equal(sip_session_id_parse(G("AB30317F1A784DC48FF824D0D3715D86"), &sid), 0);
	assert_unset(sid.remote);
	assert_int_equal(sip_session_id_parse(G("ab30317f1a784dc48ff824d0d3715d86 ; remote=00000000000000000000000000000000;x=y"), &sid), 0);
	assert_int_equal(sip_session_id_parse(G("ab30317f1a784dc48ff824d0d3715d8"), &sid), -1);
	assert_int_equal(sip_session_id_parse(G("ab30317f1a784dc48ff824d0d3715d866"), &sid), -1);
	assert_int_equal(sip_session_id_parse(G("ab30317f1a784dc48ff824d0d3715d8g"), &sid), -1);
	assert_int_equal(sip_session_id_parse(G("ab30317f1a784dc48ff824d0d3715d86;remote=12"), &sid), -1);
	assert_int_equal(sip_session_id_parse(G(""), &sid), -1);

	struct sip_event e;
	assert_int_equal(sip_event_parse(G("dialog;id=1234"), &e), 0);
	assert_sv(e.package, "dialog");
	assert_sv(e.id, "1234");
	assert_int_equal(sip_event_parse(G("presence.winfo"), &e), 0);
	assert_sv(e.package, "presence.winfo");
	assert_unset(e.id);
	assert_int_equal(sip_event_parse(G("refer ; ID=93809824;foo"), &e), 0);
	assert_sv(e.id, "93809824");
	assert_int_equal(sip_event_parse(G(""), &e), -1);
	assert_int_equal(sip_event_parse(G(";id=1"), &e), -1);
	assert_int_equal(sip_event_parse(G("dialog;id"), &e), -1);

	struct sip_substate ss;
	assert_int_equal(sip_substate_parse(G("active;expires=3600"), &ss), 0);
	assert_sv(ss.state, "active");
	assert_true(ss.has_expires);
	assert_int_equal(ss.expires, 3600);
	assert_int_equal(sip_substate_parse(G("terminated;reason=timeout;retry-after=30"), &ss), 0);
	assert_sv(ss.reason, "timeout");
	assert_true(ss.has_retry_after);
	assert_int_equal(ss.retry_after, 30);
	assert_false(ss.has_expires);
	assert_int_equal(sip_substate_parse(G("active;expires=x"), &ss), -1);
	assert_int_equal(sip_substate_parse(G("active;reason"), &ss), -1);
}

static void test_replaces(void **state)
{
	(void)state;
	struct sip_replaces r;
	assert_int_equal(sip_replaces_parse(G("98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff"), &r), 0);
	assert_sv(r.call_id, "98732@sip.example.com");
	assert_sv(r.from_tag, "r33th4x0r");
	assert_sv(r.to_tag, "ff87ff");
	assert_false(r.early_only);
	assert_int_equal(sip_replaces_parse(G("425928@bobster.example.org ; to-tag=7743; FROM-TAG=6472;early-only"), &r), 0);
	assert_true(r.early_only);
	assert_int_equal(sip_replaces_parse(G("a<b>c:d;to-tag=1;from-tag=2"), &r), 0);
	static const char *const bad[] = {
		"98732@sip.example.com;from-tag=r33th4x0r", "", ";to-tag=1;from-tag=2",
		"a b;to-tag=1;from-tag=2", "a;to-tag=1;to-tag=3;from-tag=2", "a@;to-tag=1;from-tag=2",
		"a;to-tag=1;from-tag=2;early-only=yes", "a;to-tag;from-tag=2",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (sip_replaces_parse(G(bad[i]), &r) != -1)
			fail_msg("accepted %s", bad[i]);
}

static void test_token_lists(void **state)
{
	(void)state;
	struct sv out[8];
	size_t dropped = 99;
	assert_int_equal(sip_token_list(G("INVITE, ACK, OPTIONS,\r\n CANCEL,BYE"), out, 8, &dropped), 5);
	assert_int_equal(dropped, 0);
	assert_sv(out[3], "CANCEL");
	assert_int_equal(sip_token_list(G("INVITE, ACK, OPTIONS, CANCEL, BYE"), out, 2, &dropped), 2);
	assert_int_equal(dropped, 3);
	assert_int_equal(sip_token_list(G(""), out, 8, &dropped), 0);
	assert_int_equal(sip_token_list(G("  "), out, 8, NULL), 0);
	assert_int_equal(sip_token_list(G("a,,b"), out, 8, NULL), -1);
	assert_int_equal(sip_token_list(G("a b"), out, 8, NULL), -1);
	assert_int_equal(sip_token_list(G("a,"), out, 8, NULL), -1);
	assert_int_equal(sip_token_list(G(",a"), out, 8, NULL), -1);
	assert_int_equal(sip_token_list_has(G("100rel, timer ,replaces"), "100REL"), 1);
	assert_int_equal(sip_token_list_has(G("100rel, timer ,replaces"), "replaces"), 1);
	assert_int_equal(sip_token_list_has(G("100rel, timer ,replaces"), "path"), 0);
	assert_int_equal(sip_token_list_has(G("100rel timer"), "timer"), -1);
	assert_int_equal(sip_token_list_has(SV_NULL, "timer"), 0);
}

/* ---- authentication ------------------------------------------------------- */

static void test_auth_digest_challenge(void **state)
{
	(void)state;
	struct sip_auth a;
	assert_int_equal(sip_auth_parse(G("Digest realm=\"atlanta.example.com\", qop=\"auth,auth-int\",\r\n"
	                                  " nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", opaque=\"\", "
	                                  "stale=FALSE, algorithm=MD5"), &a), 0);
	assert_sv(a.scheme, "Digest");
	assert_unset(a.token68);
	assert_int_equal(a.nparams, 6);
	assert_int_equal(a.nparams_dropped, 0);
	assert_sv(sip_auth_param(&a, "REALM"), "atlanta.example.com");
	assert_sv(sip_auth_param(&a, "qop"), "auth,auth-int");
	assert_empty_set(sip_auth_param(&a, "opaque"));
	assert_sv(sip_auth_param(&a, "stale"), "FALSE");
	assert_sv(sip_auth_param(&a, "algorithm"), "MD5");
	assert_unset(sip_auth_param(&a, "domain"));
}

static const char credentials[] =
	"Digest username=\"bob\", realm=\"biloxi.example.com\", "
	"nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"sip:bob@biloxi.example.com\", "
	"qop=auth, nc=00000001, cnonce=\"0a4f113b\", response=\"6629fae49393a05397450978507c4ef1\", "
	"opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";

static void test_auth_credentials_render_redacted(void **state)
{
	(void)state;
	struct sip_auth a;
	char buf[512];
	assert_int_equal(sip_auth_parse(G(credentials), &a), 0);
	assert_sv(sip_auth_param(&a, "username"), "bob");
	assert_sv(sip_auth_param(&a, "uri"), "sip:bob@biloxi.example.com");
	assert_sv(sip_auth_param(&a, "nc"), "00000001");
	assert_sv(sip_auth_param(&a, "response"), "6629fae49393a05397450978507c4ef1");
	size_t n = sip_auth_render(&a, buf, sizeof buf, 0);
	assert_int_equal(n, strlen(buf));
	assert_string_equal(buf,
		"Digest username=\"bob\", realm=\"biloxi.example.com\", nonce=\"dcd9\xe2\x80\xa6\", "
		"uri=\"sip:bob@biloxi.example.com\", qop=auth, nc=00000001, cnonce=\"0a4f\xe2\x80\xa6\", "
		"response=\"6629\xe2\x80\xa6\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
	assert_null(strstr(buf, "6629fae4"));
	n = sip_auth_render(&a, buf, sizeof buf, SIP_AUTH_SHOW_SECRETS);
	assert_non_null(strstr(buf, "response=\"6629fae49393a05397450978507c4ef1\""));
	assert_int_equal(n, strlen(buf));

	/* Too small: a NUL-terminated prefix, the full length returned, and no
	 * item cut in the middle (the ellipsis in particular). */
	size_t full = sip_auth_render(&a, buf, sizeof buf, 0);
	char big[512];
	memcpy(big, buf, full + 1);
	for (size_t cap = 0; cap < full + 2; cap++) {
		char small[512];
		memset(small, 'Z', sizeof small);
		assert_int_equal(sip_auth_render(&a, small, cap, 0), full);
		if (cap == 0) {
			assert_int_equal(small[0], 'Z');
			continue;
		}
		size_t got = strlen(small);
		assert_true(got < cap);
		assert_memory_equal(small, big, got);
		assert_int_equal(small[cap], 'Z');
		if (got >= 1 && (unsigned char)small[got - 1] >= 0x80)
			assert_int_equal((unsigned char)small[got - 1], 0xa6);
	}
}

static void test_auth_short_secrets_never_whole(void **state)
{
	(void)state;
	struct sip_auth a;
	char buf[256];
	assert_int_equal(sip_auth_parse(G("Digest nonce=\"ab\", response=abcdef, cnonce=\"a\\\"bc\", rspauth=\"\""), &a), 0);
	sip_auth_render(&a, buf, sizeof buf, 0);
	assert_string_equal(buf, "Digest nonce=\"a\xe2\x80\xa6\", response=abc\xe2\x80\xa6, "
	                         "cnonce=\"a\xe2\x80\xa6\", rspauth=\"\"");
	/* Non-ASCII bytes in a quoted value are shown escaped. */
	assert_int_equal(sip_auth_parse(G("Digest username=\"j\xc3\xb6rg\", realm=\"x\""), &a), 0);
	sip_auth_render(&a, buf, sizeof buf, 0);
	assert_string_equal(buf, "Digest username=\"j\\xc3\\xb6rg\", realm=\"x\"");
}

static void test_auth_token68_and_scheme_less(void **state)
{
	(void)state;
	struct sip_auth a;
	char buf[128];
	assert_int_equal(sip_auth_parse(G("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="), &a), 0);
	assert_sv(a.scheme, "Basic");
	assert_sv(a.token68, "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
	assert_int_equal(a.nparams, 0);
	sip_auth_render(&a, buf, sizeof buf, 0);
	assert_string_equal(buf, "Basic QWxh\xe2\x80\xa6");
	assert_int_equal(sip_auth_parse(G("Bearer"), &a), 0);
	assert_int_equal(sip_auth_parse(G("Bearer eyJhbGciOiJI.eyJzdWIi.SflKxw_RJSM+/="), &a), 0);
	assert_sv(a.token68, "eyJhbGciOiJI.eyJzdWIi.SflKxw_RJSM+/=");

	assert_int_equal(sip_auth_parse_params(G("nextnonce=\"47364c23432d2e131a5fb210812c\", qop=auth, "
	                                         "rspauth=\"6629fae49393a05397450978507c4ef1\", cnonce=\"0a4f113b\", nc=00000001"), &a), 0);
	assert_unset(a.scheme);
	assert_int_equal(a.nparams, 5);
	sip_auth_render(&a, buf, sizeof buf, 0);
	assert_string_equal(buf, "nextnonce=\"4736\xe2\x80\xa6\", qop=auth, rspauth=\"6629\xe2\x80\xa6\", "
	                         "cnonce=\"0a4f\xe2\x80\xa6\", nc=00000001");
	assert_int_equal(sip_auth_parse_params(G(""), &a), -1);
}

static void test_auth_rejects_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "Digest realm", "Digest realm=", "Digest realm=\"x", "Digest realm=\"x\",",
		"Digest ,realm=x", "Digest realm=x nonce=y", "Digest realm=x,,nonce=y",
		"Digest\"realm=x\"", "Digest realm=x;nonce=y", "Digest realm=\"a\" b",
	};
	struct sip_auth a;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&a, 0x33, sizeof a);
		if (sip_auth_parse(G(bad[i]), &a) != -1)
			fail_msg("accepted %s", bad[i]);
		assert_unset(a.scheme);
		assert_int_equal(a.nparams, 0);
	}
}

static void test_auth_param_cap_counts_dropped(void **state)
{
	(void)state;
	char buf[1024];
	size_t n = (size_t)snprintf(buf, sizeof buf, "Digest p0=0");
	for (int i = 1; i < SIP_AUTH_MAX_PARAMS + 6; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, ", p%d=\"%d\"", i, i);
	struct sip_auth a;
	assert_int_equal(sip_auth_parse(Gn(buf, n), &a), 0);
	assert_int_equal(a.nparams, SIP_AUTH_MAX_PARAMS);
	assert_int_equal(a.nparams_dropped, 6);
	assert_sv(sip_auth_param(&a, "p23"), "23");
	assert_unset(sip_auth_param(&a, "p24"));
	/* A malformed parameter past the cap still fails the header. */
	n += (size_t)snprintf(buf + n, sizeof buf - n, ", bad");
	assert_int_equal(sip_auth_parse(Gn(buf, n), &a), -1);
}

/* ---- robustness: every prefix and suffix of every sample ------------------- */

static const char *const samples[] = {
	"sip:alice:secret@atlanta.example.com:5061;transport=TCP;lr?Subject=project%20x&Priority=urgent",
	"sip:user@[::ffff:192.0.2.10]:5060;maddr=[2001:db8::1]",
	"sips:[2001:DB8:0:0:8:800:200C:417A]:5061",
	"sip:[2001:db8::10:5070]",
	"tel:+1(201)555.0123;ext=12;isub=abc",
	"sip:null-%00-null@example.com",
	"urn:service:sos",
	"\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\r\n newvalue ; secondparam ; q = 0.33",
	"sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n",
	"\"Alice; the <first>\" <sip:alice@atlanta.example.com;tag=uri-param>;TAG=1928301774",
	"<sip:a@b.example>;expires=3600;q=0.7",
	"<sip:bob@example.com?Reason=SIP%3Bcause%3D302>;index=1.1;mp=1",
	"SIP/2.0/UDP pc33.atlanta.example.com:5062;branch=z9hG4bK776asdhds;received=10.0.0.1;rport=5062;ttl=16",
	"SIP/2.0/UDP [2001:db8::9:1]:5060;received=2001:db8::9:255;branch=z9hG4bKas3-111",
	"SIP  /   2.0\r\n  /\tUDP\r\n    host.example.com : 5070 ;\r\n branch = z9hG4bK1, SIP/2.0/TCP b;rport",
	"314159 INVITE",
	"776656 1 INVITE",
	"multipart/related;type=\"application/sdp\";boundary=\"b 1\"",
	"session;handling=required",
	"SIP ;cause=580;text=\"Precondition, Failure\", Q.850 ; CAUSE = 16",
	"370 192.0.2.1:5060 \"Insufficient \\\"bandwidth\\\"\"",
	"ab30317f1a784dc48ff824d0d3715d86;remote=47755a9de7794ba387653f2099600ef2",
	"presence.winfo;id=7",
	"terminated;reason=timeout;retry-after=30;expires=5",
	"425928@bobster.example.org ; to-tag=7743; FROM-TAG=6472;early-only",
	"INVITE, ACK, OPTIONS,\r\n CANCEL,BYE",
	credentials,
	"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
	"*",
};

static int within(struct sv v, struct sv in)
{
	return !v.p || (v.p >= in.p && v.len <= in.len && (size_t)(v.p - in.p) <= in.len - v.len);
}

/* Run every parser on `in`, checking that whatever they return points
 * inside it. */
static void run_all(struct sv in)
{
	struct sip_uri u;
	if (sip_uri_parse(in, &u) == 0) {
		assert_true(within(u.user, in) && within(u.host, in) && within(u.params, in) &&
		            within(u.headers, in) && within(u.password, in) && within(u.rest, in) &&
		            within(u.hostport, in));
		assert_true(within(sip_uri_param(&u, "lr"), in));
		assert_true(within(sip_uri_header(&u, "subject"), in));
	}
	char buf[64];
	assert_true(sip_unescape(in, buf, sizeof buf) <= in.len);
	assert_true(sip_unquote(in, buf, sizeof buf) <= in.len);
	struct sip_addr a;
	if (sip_addr_parse(in, &a) == 0)
		assert_true(within(a.display, in) && within(a.uri_text, in) && within(a.tag, in) &&
		            within(a.params, in) && within(a.uri.host, in));
	struct sv rest = in, item;
	while (sip_list_next(&rest, &item) == 1) {
		assert_true(within(item, in) && item.len > 0);
		struct sip_via v;
		if (sip_via_parse(item, &v) == 0)
			assert_true(within(v.host, item) && within(v.branch, item) && within(v.params, item));
		struct sip_reason r;
		(void)sip_reason_parse(item, &r);
		struct sip_warning w;
		if (sip_warning_parse(item, &w) == 0)
			assert_true(within(w.text, item));
	}
	struct sip_param prm;
	rest = in;
	while (sip_param_next(&rest, &prm) == 1)
		assert_true(within(prm.name, in) && within(prm.value, in));
	assert_true(within(sip_hdr_param(in, "tag"), in));
	struct sip_cseq c;
	(void)sip_cseq_parse(in, &c);
	uint32_t n;
	(void)sip_max_forwards_parse(in, &n);
	(void)sip_expires_parse(in, &n);
	(void)sip_rseq_parse(in, &n);
	struct sip_rack rk;
	(void)sip_rack_parse(in, &rk);
	struct sip_ctype ct;
	(void)sip_ctype_parse(in, &ct);
	struct sip_cdisp cd;
	(void)sip_cdisp_parse(in, &cd);
	struct sip_session_id sid;
	(void)sip_session_id_parse(in, &sid);
	struct sip_event e;
	(void)sip_event_parse(in, &e);
	struct sip_substate ss;
	(void)sip_substate_parse(in, &ss);
	struct sip_replaces rp;
	if (sip_replaces_parse(in, &rp) == 0)
		assert_true(within(rp.call_id, in) && within(rp.to_tag, in));
	struct sv toks[4];
	size_t dropped;
	(void)sip_token_list(in, toks, 4, &dropped);
	(void)sip_token_list_has(in, "bye");
	struct sip_auth au;
	if (sip_auth_parse(in, &au) == 0) {
		char out[512];
		size_t need = sip_auth_render(&au, out, sizeof out, 0);
		assert_true(need >= strlen(out));
	}
	(void)sip_auth_parse_params(in, &au);
}

static void test_every_prefix_and_suffix_is_safe(void **state)
{
	(void)state;
	for (size_t s = 0; s < sizeof samples / sizeof samples[0]; s++) {
		size_t len = strlen(samples[s]);
		for (size_t k = 0; k <= len; k++) {
			run_all(Gn(samples[s], k));
			run_all(Gn(samples[s] + k, len - k));
		}
	}
	run_all(SV_NULL);
}

/* Every prefix of a whole message, through the message-level iterators. */
static void test_every_message_prefix_through_iterators(void **state)
{
	(void)state;
	for (size_t len = 0; len <= sizeof multi - 1; len++) {
		const char *p = guard_place(&g, multi, len);
		struct sip_msg m;
		if (sip_parse(p, len, SIP_PARSE_DATAGRAM, &m, hdrs, MAXH) <= 0)
			continue;
		struct sip_via vias[4];
		struct sip_addr addrs[4];
		struct sip_list_count c;
		size_t n = sip_via_all(&m, vias, 4, &c);
		assert_true(n <= 4 && c.kept == n);
		for (size_t i = 0; i < n; i++)
			assert_true(within(vias[i].host, sv_make(p, len)));
		(void)sip_addr_all(&m, SIP_H_CONTACT, NULL, addrs, 4, &c);
		(void)sip_addr_all(&m, SIP_H_OTHER, "P-Asserted-Identity", addrs, 4, &c);
		struct sip_hdr_iter it;
		struct sv e;
		sip_hdr_iter_init(&it, &m, SIP_H_OTHER, "via");
		while (sip_hdr_next_elem(&it, &e) != 0)
			assert_true(within(e, sv_make(p, len)));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uri_sip_all_parts),
		cmocka_unit_test(test_uri_minimal_and_absent_parts),
		cmocka_unit_test(test_uri_schemes_are_case_insensitive),
		cmocka_unit_test(test_uri_ipv6_references),
		cmocka_unit_test(test_uri_escapes_left_in_views),
		cmocka_unit_test(test_uri_tel_rfc3966),
		cmocka_unit_test(test_uri_port_bounds),
		cmocka_unit_test(test_uri_rejects_malformed),
		cmocka_unit_test(test_unescape_reports_needed_length),
		cmocka_unit_test(test_unquote_resolves_quoted_pairs),
		cmocka_unit_test(test_param_next_walks_lws_and_mixed_case),
		cmocka_unit_test(test_param_next_rejects_malformed),
		cmocka_unit_test(test_hdr_param_lookup),
		cmocka_unit_test(test_list_respects_quotes_and_angles),
		cmocka_unit_test(test_addr_quoted_display_with_escaped_quotes),
		cmocka_unit_test(test_addr_token_display_and_tags),
		cmocka_unit_test(test_addr_spec_params_are_header_params),
		cmocka_unit_test(test_addr_contact_star_expires_q),
		cmocka_unit_test(test_addr_rejects_malformed),
		cmocka_unit_test(test_addr_forms_of_other_headers),
		cmocka_unit_test(test_addr_all_across_headers_counts_drops),
		cmocka_unit_test(test_via_all_fields),
		cmocka_unit_test(test_via_rport_flag_and_value),
		cmocka_unit_test(test_via_ipv6_and_lws),
		cmocka_unit_test(test_via_rejects_malformed),
		cmocka_unit_test(test_via_iterates_repeated_and_comma_joined),
		cmocka_unit_test(test_cseq_and_rack),
		cmocka_unit_test(test_numeric_headers),
		cmocka_unit_test(test_content_type_and_disposition),
		cmocka_unit_test(test_reason_and_warning),
		cmocka_unit_test(test_session_id_event_substate),
		cmocka_unit_test(test_replaces),
		cmocka_unit_test(test_token_lists),
		cmocka_unit_test(test_auth_digest_challenge),
		cmocka_unit_test(test_auth_credentials_render_redacted),
		cmocka_unit_test(test_auth_short_secrets_never_whole),
		cmocka_unit_test(test_auth_token68_and_scheme_less),
		cmocka_unit_test(test_auth_rejects_malformed),
		cmocka_unit_test(test_auth_param_cap_counts_dropped),
		cmocka_unit_test(test_every_prefix_and_suffix_is_safe),
		cmocka_unit_test(test_every_message_prefix_through_iterators),
	};
	return cmocka_run_group_tests(tests, guard_setup, guard_teardown);
}
