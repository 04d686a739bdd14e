/* test_escape.c - wire bytes made safe for JSON and for terminals. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "sipscope/escape.h"



/* The input is placed right before the guard page: an escaper that looks one
 * byte past the end (e.g. for a continuation byte) crashes. */
static char *capture(int json, const char *in, size_t len, int keep_newlines)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&buf, &n);
	assert_non_null(out);
	struct sv s = sv_make(guard_place(&g, in, len), len);
	if (json)
		esc_json(out, s);
	else
		esc_term(out, s, keep_newlines);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(strlen(buf), n); /* no raw NUL in the output */
	return buf;
}

#define JSON_IS(lit, want) json_is(lit, sizeof lit - 1, want)
#define TERM_IS(lit, keep, want) term_is(lit, sizeof lit - 1, keep, want)

static void json_is(const char *in, size_t len, const char *want)
{
	char *got = capture(1, in, len, 0);
	assert_string_equal(got, want);
	free(got);
}

static void term_is(const char *in, size_t len, int keep, const char *want)
{
	char *got = capture(0, in, len, keep);
	assert_string_equal(got, want);
	free(got);
}

/* ---- esc_json --------------------------------------------------------- */

static void test_json_plain_ascii_quoted(void **state)
{
	(void)state;
	JSON_IS("", "\"\"");
	JSON_IS("INVITE sip:bob@example.com SIP/2.0", "\"INVITE sip:bob@example.com SIP/2.0\"");
}

static void test_json_escapes_quote_and_backslash(void **state)
{
	(void)state;
	JSON_IS("\"Alice\" <sip:a\\b>", "\"\\\"Alice\\\" <sip:a\\\\b>\"");
	JSON_IS("\\", "\"\\\\\"");
	JSON_IS("\"", "\"\\\"\"");
}

static void test_json_escapes_control_characters(void **state)
{
	(void)state;
	JSON_IS("a\x01z", "\"a\\u0001z\"");
	JSON_IS("\r\n\t", "\"\\r\\n\\t\"");
	JSON_IS("\x1b[31m", "\"\\u001b[31m\"");
	JSON_IS("\x1f\x08\x0c", "\"\\u001f\\u0008\\u000c\"");
	JSON_IS("a\0b", "\"a\\u0000b\""); /* wire data may hold NUL */
}

static void test_json_escapes_del(void **state)
{
	(void)state;
	JSON_IS("\x7f", "\"\\u007f\"");
	JSON_IS("~\x7f~", "\"~\\u007f~\"");
}

static void test_json_escapes_c1_controls_given_as_utf8(void **state)
{
	(void)state;
	JSON_IS("\xc2\x80", "\"\\u0080\"");
	JSON_IS("\xc2\x85", "\"\\u0085\"");
	JSON_IS("\xc2\x9b" "31m", "\"\\u009b31m\""); /* CSI */
	JSON_IS("\xc2\x9f", "\"\\u009f\"");
	/* U+00A0 is the first character after the C1 block: kept. */
	JSON_IS("\xc2\xa0", "\"\xc2\xa0\"");
}

static void test_json_invalid_utf8_bytes_as_latin1_code_points(void **state)
{
	(void)state;
	JSON_IS("\xff", "\"\\u00ff\"");
	JSON_IS("a\xfe" "b", "\"a\\u00feb\"");
	JSON_IS("\xc0\xaf", "\"\\u00c0\\u00af\"");            /* overlong '/' */
	JSON_IS("\xe0\x80\xaf", "\"\\u00e0\\u0080\\u00af\"");  /* overlong, 3 bytes */
	JSON_IS("\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\""); /* surrogate D800 */
	JSON_IS("\xed\xbf\xbf", "\"\\u00ed\\u00bf\\u00bf\""); /* surrogate DFFF */
	JSON_IS("\xf4\x90\x80\x80", "\"\\u00f4\\u0090\\u0080\\u0080\""); /* > U+10FFFF */
	JSON_IS("\xf5\x80", "\"\\u00f5\\u0080\"");
	JSON_IS("\x80", "\"\\u0080\"");                        /* lone continuation */
	JSON_IS("\xc3(", "\"\\u00c3(\"");                      /* bad continuation */
}

static void test_json_sequence_cut_at_end_of_input_escaped(void **state)
{
	(void)state;
	JSON_IS("\xc3", "\"\\u00c3\"");
	JSON_IS("\xc2", "\"\\u00c2\"");
	JSON_IS("\xe2\x82", "\"\\u00e2\\u0082\"");
	JSON_IS("x\xf0\x9f\x98", "\"x\\u00f0\\u009f\\u0098\"");
}

static void test_json_keeps_valid_multibyte_utf8(void **state)
{
	(void)state;
	JSON_IS("caf\xc3\xa9", "\"caf\xc3\xa9\"");                 /* é */
	JSON_IS("\xe2\x82\xac" "5", "\"\xe2\x82\xac" "5\"");        /* € */
	JSON_IS("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");        /* emoji */
	JSON_IS("\xe0\xa0\x80", "\"\xe0\xa0\x80\"");                /* U+0800 */
	JSON_IS("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");                /* U+D7FF */
	JSON_IS("\xee\x80\x80", "\"\xee\x80\x80\"");                /* U+E000 */
	JSON_IS("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");        /* U+10FFFF */
	JSON_IS("\xd0\x9f\xd1\x80\xd0\xb8", "\"\xd0\x9f\xd1\x80\xd0\xb8\"");
}

/* ---- esc_term --------------------------------------------------------- */

static void test_term_escape_sequence_rendered_visibly(void **state)
{
	(void)state;
	TERM_IS("\x1b[31mred\x1b[0m", 0, "\\x1b[31mred\\x1b[0m");
	TERM_IS("\x1b[31mred\x1b[0m", 1, "\\x1b[31mred\\x1b[0m");
	TERM_IS("\x1b]0;title\x07", 0, "\\x1b]0;title\\x07");
}

static void test_term_keep_newlines_turns_crlf_and_lf_into_line_breaks(void **state)
{
	(void)state;
	TERM_IS("a\r\nb\nc\r\n", 1, "a\nb\nc\n");
	TERM_IS("\r\n\r\n", 1, "\n\n");
}

static void test_term_keep_newlines_escapes_lone_cr(void **state)
{
	(void)state;
	TERM_IS("a\rb", 1, "a\\x0db");
	TERM_IS("a\r", 1, "a\\x0d");         /* CR at the very end */
	TERM_IS("a\r\rb\n", 1, "a\\x0d\\x0db\n");
}

static void test_term_without_keep_newlines_escapes_cr_and_lf(void **state)
{
	(void)state;
	TERM_IS("a\r\nb\n", 0, "a\\x0d\\x0ab\\x0a");
}

static void test_term_escapes_control_characters_and_del(void **state)
{
	(void)state;
	TERM_IS("\x01\x7f", 0, "\\x01\\x7f");
	TERM_IS("a\0b", 1, "a\\x00b");
	TERM_IS("\x08\x07", 1, "\\x08\\x07");
}

static void test_term_escapes_c1_controls(void **state)
{
	(void)state;
	/* The 8-bit CSI would start an escape sequence on some terminals. */
	TERM_IS("\xc2\x9b" "31m", 0, "\\xc2\\x9b31m");
	TERM_IS("\xc2\x85", 1, "\\xc2\\x85");
	TERM_IS("\xc2\xa0", 0, "\xc2\xa0");
}

static void test_term_invalid_bytes_as_hex(void **state)
{
	(void)state;
	TERM_IS("\xff", 0, "\\xff");
	TERM_IS("a\xc0\xaf" "b", 0, "a\\xc0\\xafb");
	TERM_IS("\xed\xa0\x80", 0, "\\xed\\xa0\\x80");
	TERM_IS("\xe2\x82", 1, "\\xe2\\x82");
}

static void test_term_keeps_valid_multibyte_utf8(void **state)
{
	(void)state;
	TERM_IS("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 0,
	        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

/* ---- esc_utf8_len ----------------------------------------------------- */

static int u8len(const char *s, size_t avail)
{
	return esc_utf8_len((const unsigned char *)guard_place(&g, s, avail), avail);
}

static void test_utf8_len_of_valid_sequences(void **state)
{
	(void)state;
	assert_int_equal(u8len("A", 1), 1);
	assert_int_equal(u8len("\xc3\xa9", 2), 2);
	assert_int_equal(u8len("\xe2\x82\xac", 3), 3);
	assert_int_equal(u8len("\xf0\x9f\x98\x80", 4), 4);
	assert_int_equal(u8len("\xf0\x9f\x98\x80" "z", 5), 4);
}

static void test_utf8_len_zero_for_invalid_or_short(void **state)
{
	(void)state;
	assert_int_equal(u8len("\xc0\x80", 2), 0);
	assert_int_equal(u8len("\xc1\xbf", 2), 0);
	assert_int_equal(u8len("\xe0\x9f\xbf", 3), 0);
	assert_int_equal(u8len("\xf0\x8f\xbf\xbf", 4), 0);
	assert_int_equal(u8len("\xed\xa0\x80", 3), 0);
	assert_int_equal(u8len("\xf4\x90\x80\x80", 4), 0);
	assert_int_equal(u8len("\x80", 1), 0);
	assert_int_equal(u8len("\xf8\x88\x80\x80\x80", 5), 0);
	assert_int_equal(u8len("\xe2\x82\xac", 2), 0); /* needs 3, 2 there */
	assert_int_equal(u8len("\xf0\x9f\x98\x80", 3), 0);
}

/* ---- every prefix ----------------------------------------------------- */

/* Independent check: the output is valid UTF-8 with no C0, DEL or C1
 * control character in it. */
static void assert_safe_utf8(const char *out)
{
	const unsigned char *p = (const unsigned char *)out;
	size_t n = strlen(out);
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		size_t len;
		unsigned cp;
		if (c < 0x80) {
			assert_true(c >= 0x20 && c != 0x7f);
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else {
			assert_true(c >= 0xf0 && c <= 0xf4);
			len = 4;
			cp = c & 0x07;
		}
		assert_true(i + len <= n);
		for (size_t k = 1; k < len; k++) {
			assert_int_equal(p[i + k] & 0xc0, 0x80);
			cp = cp << 6 | (p[i + k] & 0x3fu);
		}
		static const unsigned min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
		assert_true(cp >= min[len]);
		assert_true(cp <= 0x10ffff);
		assert_false(cp >= 0xd800 && cp <= 0xdfff);
		assert_false(cp >= 0x80 && cp < 0xa0);
		i += len;
	}
}

static void test_every_prefix_of_hostile_input_is_safe(void **state)
{
	(void)state;
	static const char in[] =
		"\"\\\x1b[2J\xc2\x9b" "0m\xf0\x9f\x98\x80\xe2\x82\xac\xc3\xa9\xed\xa0\x80"
		"\xff\xfe\xc0\xaf\r\n\n\r\t\x7f\x01\0\xc2\x80\xf4\x8f\xbf\xbf\xe2\x82";
	for (size_t k = 0; k < sizeof in; k++) {
		char *j = capture(1, in, k, 0);
		size_t n = strlen(j);
		assert_true(n >= 2);
		assert_int_equal(j[0], '"');
		assert_int_equal(j[n - 1], '"');
		assert_safe_utf8(j);
		free(j);
		for (int keep = 0; keep <= 1; keep++) {
			char *t = capture(0, in, k, keep);
			for (char *nl = strchr(t, '\n'); nl; nl = strchr(t, '\n'))
				*nl = ' '; /* the line breaks keep_newlines lets through */
			for (char *tab = strchr(t, '\t'); tab; tab = strchr(t, '\t'))
				*tab = ' ';
			assert_safe_utf8(t);
			free(t);
		}
	}
}

/* Bidi overrides, zero-width and combining characters would let wire text
 * hide or reorder itself: spelled out in both outputs. */
static void test_invisible_characters_spelled_out(void **state)
{
	(void)state;
	TERM_IS("a\xe2\x80\xae" "b", 0, "a\\u202eb");        /* RIGHT-TO-LEFT OVERRIDE */
	TERM_IS("x\xe2\x80\x8by", 0, "x\\u200by");        /* ZERO WIDTH SPACE */
	TERM_IS("e\xcc\x81", 0, "e\\u0301");               /* COMBINING ACUTE */
	TERM_IS("\xef\xbb\xbfSIP", 0, "\\ufeffSIP");        /* BOM */
	JSON_IS("a\xe2\x80\xae" "b", "\"a\\u202eb\"");       /* same character in JSON */
	TERM_IS("caf\xc3\xa9", 0, "caf\xc3\xa9");           /* a visible accent stays */
}

/* Columns: wide (CJK, fullwidth, emoji) characters take two. */
static void test_term_buf_counts_wide_characters_twice(void **state)
{
	(void)state;
	static const char in[] = "180 \xe5\x91\xbc\xe3\x81\xb3"; /* "180 呼び" */
	char buf[64];
	size_t cols;
	size_t n = esc_term_buf(buf, sizeof buf, sv_make(in, sizeof in - 1), &cols);
	assert_int_equal(n, sizeof in - 1);
	assert_int_equal(cols, 4 + 2 + 2);
	int w;
	assert_int_equal(esc_char((const unsigned char *)"\xe5\x91\xbc", 3, &w), 3);
	assert_int_equal(w, 2);
	assert_int_equal(esc_char((const unsigned char *)"\xc3\xa9", 2, &w), 2);
	assert_int_equal(w, 1);
	assert_int_equal(esc_char((const unsigned char *)"\xff", 1, &w), 1);
	assert_int_equal(w, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_plain_ascii_quoted),
		cmocka_unit_test(test_json_escapes_quote_and_backslash),
		cmocka_unit_test(test_json_escapes_control_characters),
		cmocka_unit_test(test_json_escapes_del),
		cmocka_unit_test(test_json_escapes_c1_controls_given_as_utf8),
		cmocka_unit_test(test_json_invalid_utf8_bytes_as_latin1_code_points),
		cmocka_unit_test(test_json_sequence_cut_at_end_of_input_escaped),
		cmocka_unit_test(test_json_keeps_valid_multibyte_utf8),
		cmocka_unit_test(test_term_escape_sequence_rendered_visibly),
		cmocka_unit_test(test_term_keep_newlines_turns_crlf_and_lf_into_line_breaks),
		cmocka_unit_test(test_term_keep_newlines_escapes_lone_cr),
		cmocka_unit_test(test_term_without_keep_newlines_escapes_cr_and_lf),
		cmocka_unit_test(test_term_escapes_control_characters_and_del),
		cmocka_unit_test(test_term_escapes_c1_controls),
		cmocka_unit_test(test_term_invalid_bytes_as_hex),
		cmocka_unit_test(test_term_keeps_valid_multibyte_utf8),
		cmocka_unit_test(test_utf8_len_of_valid_sequences),
		cmocka_unit_test(test_utf8_len_zero_for_invalid_or_short),
		cmocka_unit_test(test_every_prefix_of_hostile_input_is_safe),
		cmocka_unit_test(test_invisible_characters_spelled_out),
		cmocka_unit_test(test_term_buf_counts_wide_characters_twice),
	};
	return cmocka_run_group_tests(tests, guard_setup, guard_teardown);
}
