/* ui_line.c - the prompts' line editor (ui_line.h). */
#include <curses.h>
#include <string.h>

#include "ui_line.h"

void ui_line_init(struct ui_line *l, char *buf, size_t cap)
{
	l->buf = buf;
	l->cap = cap;
	l->len = strnlen(buf, cap - 1);
	buf[l->len] = '\0';
	l->cur = l->len;
	l->scroll = 0;
}

/* Remove the characters [from, to). */
static void cut(struct ui_line *l, size_t from, size_t to)
{
	memmove(l->buf + from, l->buf + to, l->len - to + 1);
	l->len -= to - from;
	l->cur = from;
}

enum ui_line_result ui_line_key(struct ui_line *l, int key)
{
	size_t w;
	switch (key) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		return UI_LINE_ENTER;
	case 27: /* Esc */
	case 7:  /* ^G */
		return UI_LINE_CANCEL;
	case KEY_LEFT:
	case 2: /* ^B */
		if (l->cur)
			l->cur--;
		return UI_LINE_EDITED;
	case KEY_RIGHT:
	case 6: /* ^F */
		if (l->cur < l->len)
			l->cur++;
		return UI_LINE_EDITED;
	case KEY_HOME:
	case 1: /* ^A */
		l->cur = 0;
		return UI_LINE_EDITED;
	case KEY_END:
	case 5: /* ^E */
		l->cur = l->len;
		return UI_LINE_EDITED;
	case KEY_BACKSPACE:
	case 127:
	case 8: /* ^H */
		if (l->cur)
			cut(l, l->cur - 1, l->cur);
		return UI_LINE_EDITED;
	case KEY_DC:
	case 4: /* ^D */
		if (l->cur < l->len)
			cut(l, l->cur, l->cur + 1);
		return UI_LINE_EDITED;
	case 23: /* ^W: the spaces before the cursor, then the word before them */
		w = l->cur;
		while (w && l->buf[w - 1] == ' ')
			w--;
		while (w && l->buf[w - 1] != ' ')
			w--;
		cut(l, w, l->cur);
		return UI_LINE_EDITED;
	case 21: /* ^U */
		cut(l, 0, l->cur);
		return UI_LINE_EDITED;
	case 11: /* ^K */
		l->buf[l->cur] = '\0';
		l->len = l->cur;
		return UI_LINE_EDITED;
	}
	if (key < 0x20 || key >= 0x7f)
		return UI_LINE_IGNORED;
	if (l->len + 1 < l->cap) {
		memmove(l->buf + l->cur + 1, l->buf + l->cur, l->len - l->cur + 1);
		l->buf[l->cur++] = (char)key;
		l->len++;
	}
	return UI_LINE_EDITED;
}

size_t ui_line_scroll(struct ui_line *l, size_t width)
{
	if (!width) {
		l->scroll = l->cur;
		return l->scroll;
	}
	/* The cursor may stand past the last character: it takes a column. */
	if (l->scroll + width > l->len + 1)
		l->scroll = l->len + 1 > width ? l->len + 1 - width : 0;
	if (l->cur < l->scroll)
		l->scroll = l->cur;
	if (l->cur >= l->scroll + width)
		l->scroll = l->cur - width + 1;
	return l->scroll;
}
