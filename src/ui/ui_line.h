/* ui_line.h - the prompts' line editor: a text buffer with a cursor and a
 * horizontal scroll, edited key by key (readline's common keys).  Pure
 * logic, no terminal: ui_prompt() draws it, tests/unit/test_ui_line.c
 * drives it. */
#ifndef SIPSCOPE_UI_LINE_H
#define SIPSCOPE_UI_LINE_H

#include <stddef.h>

struct ui_line {
	char *buf;     /* the text, NUL-terminated (borrowed, cap bytes) */
	size_t cap;
	size_t len;    /* strlen(buf) */
	size_t cur;    /* cursor: 0..len, the character it stands on */
	size_t scroll; /* first character shown */
};

enum ui_line_result {
	UI_LINE_IGNORED = 0, /* not an editing key: nothing changed */
	UI_LINE_EDITED,      /* text or cursor moved */
	UI_LINE_ENTER,       /* Enter: the text is the answer */
	UI_LINE_CANCEL       /* Esc or ^G */
};

/* Edit buf (cap > 0 bytes, holding a NUL-terminated text that fits):
 * the cursor after its last character. */
void ui_line_init(struct ui_line *l, char *buf, size_t cap);

/* One key (a curses key code or a byte): Left Right ^B ^F move by a
 * character, Home ^A and End ^E to either end, Backspace deletes before
 * the cursor, Delete and ^D at it, ^W the word before it, ^U everything
 * before it, ^K everything from it; printable ASCII is inserted at the
 * cursor (dropped when the buffer is full). */
enum ui_line_result ui_line_key(struct ui_line *l, int key);

/* Scroll so that the cursor is in a window of `width` columns (one
 * column per character; width 0 shows nothing) and as much text as fits
 * is shown.  Returns l->scroll, the first character to show; the cursor
 * is at column l->cur - l->scroll. */
size_t ui_line_scroll(struct ui_line *l, size_t width);

#endif
