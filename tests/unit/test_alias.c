/* test_alias.c - address names (alias.c): parsing, lookup precedence,
 * what every surface shows. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "sipscope/alias.h"

static struct store_endpoint ep4(const char *ip, uint16_t port)
{
	struct store_endpoint e;
	memset(&e, 0, sizeof e);
	e.family = 4;
	inet_pton(AF_INET, ip, e.addr);
	e.port = port;
	return e;
}

static struct store_endpoint ep6(const char *ip, uint16_t port)
{
	struct store_endpoint e;
	memset(&e, 0, sizeof e);
	e.family = 6;
	inet_pton(AF_INET6, ip, e.addr);
	e.port = port;
	return e;
}

static void test_port_alias_wins_over_host_alias(void **state)
{
	(void)state;
	char err[160], buf[64];
	alias_clear();
	assert_int_equal(alias_add("10.0.0.1", "host", err, sizeof err), 0);
	assert_int_equal(alias_add("10.0.0.1:5060", "proxy", err, sizeof err), 0);
	struct store_endpoint a = ep4("10.0.0.1", 5060), b = ep4("10.0.0.1", 5080), c = ep4("10.0.0.2", 5060);
	assert_string_equal(alias_lookup(&a), "proxy");
	assert_string_equal(alias_lookup(&b), "host");
	assert_null(alias_lookup(&c));
	assert_int_equal(alias_format(&a, buf, sizeof buf), 1);
	assert_string_equal(buf, "proxy");
	assert_int_equal(alias_format(&b, buf, sizeof buf), 1);
	assert_string_equal(buf, "host:5080"); /* two ports of one host stay apart */
	strcpy(buf, "untouched");
	assert_int_equal(alias_format(&c, buf, sizeof buf), 0);
	assert_string_equal(buf, "untouched");
	assert_string_equal(alias_lookup_host(&a), "host");
	/* The same address again renames. */
	assert_int_equal(alias_add("10.0.0.1:5060", "edge", err, sizeof err), 0);
	assert_string_equal(alias_lookup(&a), "edge");
	assert_int_equal(alias_count(), 2);
	alias_clear();
	assert_null(alias_lookup(&a));
}

static void test_ipv6_in_brackets_or_bare(void **state)
{
	(void)state;
	char err[160];
	alias_clear();
	assert_int_equal(alias_add("[::1]:5060", "lo6", err, sizeof err), 0);
	assert_int_equal(alias_add("2001:db8::5", "pbx", err, sizeof err), 0);
	assert_int_equal(alias_add("[2001:db8::6]", "gw", err, sizeof err), 0);
	struct store_endpoint a = ep6("::1", 5060), b = ep6("2001:db8::5", 1), c = ep6("2001:db8::6", 2),
	                      d = ep6("::1", 5061);
	assert_string_equal(alias_lookup(&a), "lo6");
	assert_string_equal(alias_lookup(&b), "pbx");
	assert_string_equal(alias_lookup(&c), "gw");
	assert_null(alias_lookup(&d));
	/* An IPv4 alias does not name the IPv6 address with the same bytes. */
	assert_int_equal(alias_add("0.0.0.1", "v4", err, sizeof err), 0);
	struct store_endpoint e = ep6("::", 9);
	e.addr[3] = 1;
	assert_null(alias_lookup(&e));
	alias_clear();
}

static void test_bad_addresses_and_names_are_refused(void **state)
{
	(void)state;
	char err[160];
	alias_clear();
	static const char *const bad_addr[] = { "", "host.example", "10.0.0.1:", "10.0.0.1:0",
		                                "10.0.0.1:65536", "10.0.0.1:-5", "[::1", "[::1]x",
		                                "[::1]:", "::1:5060:zz", "300.0.0.1" };
	for (size_t i = 0; i < sizeof bad_addr / sizeof bad_addr[0]; i++) {
		err[0] = '\0';
		assert_int_equal(alias_add(bad_addr[i], "n", err, sizeof err), -1);
		assert_non_null(strstr(err, "alias"));
	}
	static const char *const bad_name[] = { "", "two words", "esc\033[2J", "tab\tx", "\x7f",
		                                "\xc3\xa9t\xc3\xa9", "123456789012345678901234567890123" };
	for (size_t i = 0; i < sizeof bad_name / sizeof bad_name[0]; i++)
		assert_int_equal(alias_add("10.0.0.1", bad_name[i], err, sizeof err), -1);
	assert_int_equal(alias_add("10.0.0.1", "12345678901234567890123456789012", err, sizeof err), 0);
	assert_int_equal(alias_count(), 1);
	alias_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_alias_wins_over_host_alias),
		cmocka_unit_test(test_ipv6_in_brackets_or_bare),
		cmocka_unit_test(test_bad_addresses_and_names_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
