/* test_ui_line.c - the prompts' line editor (src/ui/ui_line.c): cursor
 * moves, insertion and deletion at the cursor, horizontal scroll. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <curses.h>
#include <string.h>

#include "../../src/ui/ui_line.h"

static void keys(struct ui_line *l, const char *s)
{
	for (; *s; s++)
		ui_line_key(l, (unsigned char)*s);
}

static void test_typing_appends_at_the_end_of_a_filled_line(void **state)
{
	(void)state;
	char buf[32] = "abc";
	struct ui_line l;
	ui_line_init(&l, buf, sizeof buf);
	assert_int_equal(l.cur, 3);
	keys(&l, "de");
	assert_string_equal(buf, "abcde");
	assert_int_equal(l.len, 5);
}

static void test_left_and_insert_in_the_middle(void **state)
{
	(void)state;
	char buf[32] = "abd";
	struct ui_line l;
	ui_line_init(&l, buf, sizeof buf);
	assert_int_equal(ui_line_key(&l, KEY_LEFT), UI_LINE_EDITED);
	keys(&l, "c");
	assert_string_equal(buf, "abcd");
	assert_int_equal(l.cur, 3);
	ui_line_key(&l, KEY_RIGHT);
	ui_line_key(&l, KEY_RIGHT); /* stops at the end */
	assert_int_equal(l.cur, 4);
}

static void test_home_end_and_ctrl_a_ctrl_e(void **state)
{
	(void)state;
	char buf[32] = "hello";
	struct ui_line l;
	ui_line_init(&l, buf, sizeof buf);
	ui_line_key(&l, KEY_HOME);
	assert_int_equal(l.cur, 0);
	keys(&l, ">");
	assert_string_equal(buf, ">hello");
	ui_line_key(&l, KEY_END);
	assert_int_equal(l.cur, 6);
	ui_line_key(&l, 1); /* ^A */
	assert_int_equal(l.cur, 0);
	ui_line_key(&l, 5); /* ^E */
	assert_int_equal(l.cur, 6);
	ui_line_key(&l, KEY_LEFT);
	ui_line_key(&l, KEY_LEFT);
	ui_line_key(&l, 2); /* ^B */
	assert_int_equal(l.cur, 3);
	ui_line_key(&l, 6); /* ^F */
	assert_int_equal(l.cur, 4);
}

static void test_backspace_and_delete_at_the_cursor(void **state)
{
	(void)state;
	char buf[32] = "abcdef";
	struct ui_line l;
	ui_line_init(&l, buf, sizeof buf);
	ui_line_key(&l, KEY_LEFT);
	ui_line_key(&l, KEY_LEFT); /* on 'e' */
	ui_line_key(&l, KEY_BACKSPACE);
	assert_string_equal(buf, "abcef");
	assert_int_equal(l.cur, 3);
	ui_line_key(&l, KEY_DC);
	assert_string_equal(buf, "abcf");
	assert_int_equal(l.cur, 3);
	ui_line_key(&l, 127);
	ui_line_key(&l, 8);
	assert_string_equal(buf, "af");
	assert_int_equal(l.cur, 1);
	ui_line_key(&l, KEY_HOME);
	ui_line_key(&l, KEY_BACKSPACE); /* nothing before */
	assert_string_equal(buf, "af");
	ui_line_key(&l, KEY_END);
	ui_line_key(&l, KEY_DC); /* nothing at the end */
	ui_line_key(&l, 4);
	assert_string_equal(buf, "af");
	assert_int_equal(l.len, 2);
}

static void test_ctrl_w_deletes_the_word_before_the_cursor(void **state)
{
	(void)state;
	char buf[64] = "from=alice  to=bob";
	struct ui_line l;
	ui_line_init(&l, buf, sizeof buf);
	ui_line_key(&l, 23);
	assert_string_equal(buf, "from=alice  ");
	ui_line_key(&l, 23); /* the spaces, then the word */
	assert_string_equal(buf, "");
	assert_int_equal(l.cur, 0);
	ui_line_key(&l, 23);
	assert_string_equal(buf, "");

	char b2[64] = "one two three";
	ui_line_init(&l, b2, sizeof b2);
	for (int i = 0; i < 5; i++)
		ui_line_key(&l, KEY_LEFT); /* after "two " */
	ui_line_key(&l, 23);
	assert_string_equal(b2, "one three");
	assert_int_equal(l.cur, 4);
}

static void test_ctrl_u_deletes_to_the_start_and_ctrl_k_to_the_end(void **state)
{
	(void)state;
	char buf[32] = "abcdef";
	struct ui_line l;
	ui_line_init(&l, buf, sizeof buf);
	ui_line_key(&l, KEY_LEFT);
	ui_line_key(&l, KEY_LEFT);
	ui_line_key(&l, 21);
	assert_string_equal(buf, "ef");
	assert_int_equal(l.cur, 0);
	ui_line_key(&l, KEY_RIGHT);
	ui_line_key(&l, 11);
	assert_string_equal(buf, "e");
	assert_int_equal(l.len, 1);
}

static void test_enter_and_cancel_and_other_keys(void **state)
{
	(void)state;
	char buf[8] = "x";
	struct ui_line l;
	ui_line_init(&l, buf, sizeof buf);
	assert_int_equal(ui_line_key(&l, '\r'), UI_LINE_ENTER);
	assert_int_equal(ui_line_key(&l, KEY_ENTER), UI_LINE_ENTER);
	assert_int_equal(ui_line_key(&l, 27), UI_LINE_CANCEL);
	assert_int_equal(ui_line_key(&l, 7), UI_LINE_CANCEL);
	assert_int_equal(ui_line_key(&l, KEY_F(5)), UI_LINE_IGNORED);
	assert_int_equal(ui_line_key(&l, 0x80), UI_LINE_IGNORED);
	assert_int_equal(ui_line_key(&l, 3), UI_LINE_IGNORED); /* ^C */
	assert_string_equal(buf, "x");
}

static void test_a_full_buffer_drops_what_is_typed(void **state)
{
	(void)state;
	char buf[4] = "";
	struct ui_line l;
	ui_line_init(&l, buf, sizeof buf);
	keys(&l, "abcdef");
	assert_string_equal(buf, "abc");
	ui_line_key(&l, KEY_HOME);
	keys(&l, "z");
	assert_string_equal(buf, "abc");
}

static void test_long_text_scrolls_to_keep_the_cursor_in_view(void **state)
{
	(void)state;
	char buf[64] = "0123456789abcdefghij"; /* 20 characters */
	struct ui_line l;
	ui_line_init(&l, buf, sizeof buf);
	/* Cursor after the end: the last 9 characters and the cursor. */
	assert_int_equal(ui_line_scroll(&l, 10), 11);
	ui_line_key(&l, KEY_HOME);
	assert_int_equal(ui_line_scroll(&l, 10), 0);
	for (int i = 0; i < 12; i++)
		ui_line_key(&l, KEY_RIGHT);
	assert_int_equal(ui_line_scroll(&l, 10), 3); /* cursor at 12, last column */
	assert_int_equal(l.cur - l.scroll, 9);
	ui_line_key(&l, 21); /* ^U: 8 characters left, all fit */
	assert_string_equal(buf, "cdefghij");
	assert_int_equal(ui_line_scroll(&l, 10), 0);
	/* Short text never scrolls. */
	char b2[16] = "abc";
	ui_line_init(&l, b2, sizeof b2);
	assert_int_equal(ui_line_scroll(&l, 10), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typing_appends_at_the_end_of_a_filled_line),
		cmocka_unit_test(test_left_and_insert_in_the_middle),
		cmocka_unit_test(test_home_end_and_ctrl_a_ctrl_e),
		cmocka_unit_test(test_backspace_and_delete_at_the_cursor),
		cmocka_unit_test(test_ctrl_w_deletes_the_word_before_the_cursor),
		cmocka_unit_test(test_ctrl_u_deletes_to_the_start_and_ctrl_k_to_the_end),
		cmocka_unit_test(test_enter_and_cancel_and_other_keys),
		cmocka_unit_test(test_a_full_buffer_drops_what_is_typed),
		cmocka_unit_test(test_long_text_scrolls_to_keep_the_cursor_in_view),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
