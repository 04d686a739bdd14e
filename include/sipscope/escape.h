/* escape.h - wire bytes made safe for terminals and JSON.
 * Nothing from a packet reaches stdout without passing through here. */
#ifndef SIPSCOPE_ESCAPE_H
#define SIPSCOPE_ESCAPE_H

#include <stdio.h>

#include "sipscope/sv.h"

/* A JSON string literal (with quotes): control characters as \uXXXX,
 * bytes that are not valid UTF-8 as the code point U+00XX. */
void esc_json(FILE *out, struct sv s);

/* Text for a terminal: valid UTF-8 printable characters as they are;
 * control characters (C0, DEL, C1, ESC sequences) and invalid bytes as
 * \xNN; invisible characters (bidi controls, zero-width, combining marks)
 * as \uXXXX.  TAB becomes a space on one-line output; with `keep_newlines`
 * (message bodies) TAB, CR LF pairs and LF stay as they are. */
void esc_term(FILE *out, struct sv s, int keep_newlines);

/* esc_term() of one line into buf (NUL-terminated, at most cap-1 bytes,
 * cut only between characters).  Returns the bytes written; *cols gets
 * the number of terminal columns (one per character) when not NULL. */
size_t esc_term_buf(char *buf, size_t cap, struct sv s, size_t *cols);

/* Columns a terminal gives code point cp: 2 for East Asian wide and
 * fullwidth characters, else 1 (invisible ones are escaped, never drawn). */
int esc_cp_cols(unsigned cp);
/* The character at p of escaped text: its length in bytes (1 for a byte
 * that is not valid UTF-8) and, in *cols, its columns. */
int esc_char(const unsigned char *p, size_t avail, int *cols);
/* Columns of NUL-terminated escaped text, as esc_char() counts them. */
size_t esc_cols(const char *s);

/* Length of a valid UTF-8 sequence at p (1..4), or 0 if invalid. */
int esc_utf8_len(const unsigned char *p, size_t avail);

#endif
