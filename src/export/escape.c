/* escape.c - see include/sipscope/escape.h */
#include "sipscope/escape.h"

int esc_utf8_len(const unsigned char *p, size_t avail)
{
	unsigned c = p[0];
	int n;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) { n = 2; min = 0x80; }
	else if (c >= 0xe0 && c <= 0xef) { n = 3; min = 0x800; }
	else if (c >= 0xf0 && c <= 0xf4) { n = 4; min = 0x10000; }
	else return 0;
	if ((size_t)n > avail)
		return 0;
	unsigned cp = c & (0xff >> (n + 1));
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* Printable ASCII needs no escape anywhere: such runs go out in one write. */
static size_t plain_run(const unsigned char *p, size_t len, int json)
{
	size_t i = 0;
	while (i < len && p[i] >= 0x20 && p[i] < 0x7f && !(json && (p[i] == '"' || p[i] == '\\')))
		i++;
	return i;
}

/* Code point of a valid UTF-8 sequence of n bytes. */
static unsigned utf8_cp(const unsigned char *p, int n)
{
	unsigned cp = p[0] & (0xff >> (n + 1));
	for (int i = 1; i < n; i++)
		cp = cp << 6 | (p[i] & 0x3f);
	return cp;
}

/* Characters a terminal draws as nothing, or that reorder the text around
 * them (bidi controls, zero-width and format characters, combining marks
 * and variation selectors): shown as \uXXXX so wire text can neither hide
 * nor rearrange itself, and one character stays one or two columns. */
static int is_invisible(unsigned cp)
{
	return (cp >= 0x300 && cp <= 0x36f) || cp == 0xad || (cp >= 0x1ab0 && cp <= 0x1aff) ||
	       (cp >= 0x1dc0 && cp <= 0x1dff) || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) ||
	       (cp >= 0x20d0 && cp <= 0x20ff) || (cp >= 0xfe00 && cp <= 0xfe0f) ||
	       (cp >= 0xfe20 && cp <= 0xfe2f) || cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb);
}

int esc_cp_cols(unsigned cp)
{
	/* East Asian Wide and Fullwidth (the blocks that matter in SIP:
	 * CJK, Hangul, kana, fullwidth forms, emoji). */
	static const unsigned wide[][2] = {
		{ 0x1100, 0x115f }, { 0x231a, 0x231b }, { 0x2329, 0x232a }, { 0x23e9, 0x23ec },
		{ 0x25fd, 0x25fe }, { 0x2614, 0x2615 }, { 0x2648, 0x2653 }, { 0x26a1, 0x26a1 },
		{ 0x26aa, 0x26ab }, { 0x26bd, 0x26be }, { 0x26c4, 0x26c5 }, { 0x2705, 0x2705 },
		{ 0x270a, 0x270b }, { 0x2728, 0x2728 }, { 0x274c, 0x274c }, { 0x2753, 0x2757 },
		{ 0x2795, 0x2797 }, { 0x2b1b, 0x2b1c }, { 0x2b50, 0x2b55 }, { 0x2e80, 0x303e },
		{ 0x3041, 0x33ff }, { 0x3400, 0x4dbf }, { 0x4e00, 0x9fff }, { 0xa000, 0xa4cf },
		{ 0xa960, 0xa97f }, { 0xac00, 0xd7a3 }, { 0xf900, 0xfaff }, { 0xfe10, 0xfe19 },
		{ 0xfe30, 0xfe6f }, { 0xff00, 0xff60 }, { 0xffe0, 0xffe6 }, { 0x1f004, 0x1f004 },
		{ 0x1f0cf, 0x1f0cf }, { 0x1f18e, 0x1f18e }, { 0x1f191, 0x1f19a }, { 0x1f200, 0x1f251 },
		{ 0x1f300, 0x1f64f }, { 0x1f680, 0x1f6ff }, { 0x1f900, 0x1f9ff }, { 0x1fa70, 0x1faff },
		{ 0x20000, 0x3fffd },
	};
	if (cp < 0x1100)
		return 1;
	for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
		if (cp >= wide[i][0] && cp <= wide[i][1])
			return 2;
	return 1;
}

int esc_char(const unsigned char *p, size_t avail, int *cols)
{
	int u = esc_utf8_len(p, avail);
	if (u <= 0) {
		*cols = 1;
		return 1;
	}
	*cols = u == 1 ? 1 : esc_cp_cols(utf8_cp(p, u));
	return u;
}

size_t esc_cols(const char *s)
{
	size_t len = strlen(s), i = 0, c = 0;
	while (i < len) {
		int w;
		i += (size_t)esc_char((const unsigned char *)s + i, len - i, &w);
		c += (size_t)w;
	}
	return c;
}

/* The next unit of s at p: either `*n` bytes that may be written as they
 * are (printable ASCII or a valid, visible UTF-8 sequence), returning 1,
 * or one thing to escape, with *cp its value: returning 0 for a C0
 * control or DEL (n = 1), a C1 control encoded in UTF-8 (n = 2, cp
 * 0x80-0x9f), or a byte that is not valid UTF-8 (n = 1, cp = the byte);
 * returning 2 for an invisible character (cp = its code point). */
static int next_unit(const unsigned char *p, size_t len, int json, size_t *n, unsigned *cp)
{
	size_t run = plain_run(p, len, json);
	if (run) {
		*n = run;
		return 1;
	}
	*cp = p[0];
	*n = 1;
	if (p[0] < 0x80)
		return 0;
	int u = esc_utf8_len(p, len);
	if (u == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
		*cp = p[1];
		*n = 2;
		return 0;
	}
	if (u == 0)
		return 0;
	*n = (size_t)u;
	unsigned c = utf8_cp(p, u);
	if (is_invisible(c)) {
		*cp = c;
		return 2;
	}
	return 1;
}

void esc_json(FILE *out, struct sv s)
{
	const unsigned char *p = (const unsigned char *)s.p;
	putc('"', out);
	for (size_t i = 0, n; i < s.len; i += n) {
		unsigned c;
		int k = next_unit(p + i, s.len - i, 1, &n, &c);
		if (k == 1) {
			fwrite(p + i, 1, n, out);
			continue;
		}
		if (k == 2) { /* the same character, spelled out */
			fprintf(out, "\\u%04x", c);
			continue;
		}
		switch (c) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default: fprintf(out, "\\u%04x", c);
		}
	}
	putc('"', out);
}

void esc_term(FILE *out, struct sv s, int keep_newlines)
{
	const unsigned char *p = (const unsigned char *)s.p;
	for (size_t i = 0, n; i < s.len; i += n) {
		unsigned c;
		int k = next_unit(p + i, s.len - i, 0, &n, &c);
		if (k == 1) {
			fwrite(p + i, 1, n, out);
		} else if (k == 2) {
			fprintf(out, "\\u%04x", c);
		} else if (keep_newlines && c == '\r' && i + 1 < s.len && p[i + 1] == '\n') {
			putc('\n', out);
			n = 2;
		} else if (keep_newlines && c == '\n') {
			putc('\n', out);
		} else if (c == '\t') {
			putc(keep_newlines ? '\t' : ' ', out);
		} else if (n == 2) { /* a C1 control: both of its bytes, visibly */
			fprintf(out, "\\x%02x\\x%02x", p[i], p[i + 1]);
		} else {
			fprintf(out, "\\x%02x", c);
		}
	}
}

size_t esc_term_buf(char *buf, size_t cap, struct sv s, size_t *cols)
{
	const unsigned char *p = (const unsigned char *)s.p;
	size_t o = 0, w = 0;
	if (!cap)
		return 0;
	for (size_t i = 0, n; i < s.len; i += n) {
		unsigned c;
		char esc[16];
		const char *piece = esc;
		size_t plen, pcols;
		int k = next_unit(p + i, s.len - i, 0, &n, &c);
		if (k == 1) {
			int cc;
			n = (size_t)esc_char(p + i, s.len - i, &cc); /* one character at a time */
			piece = (const char *)p + i;
			plen = n;
			pcols = (size_t)cc;
		} else if (k == 2) {
			plen = pcols = (size_t)snprintf(esc, sizeof esc, "\\u%04x", c);
		} else if (c == '\t') {
			esc[0] = ' ';
			plen = pcols = 1;
		} else if (n == 2) {
			plen = pcols = (size_t)snprintf(esc, sizeof esc, "\\x%02x\\x%02x", p[i], p[i + 1]);
		} else {
			plen = pcols = (size_t)snprintf(esc, sizeof esc, "\\x%02x", c);
		}
		if (o + plen >= cap)
			break;
		memcpy(buf + o, piece, plen);
		o += plen;
		w += pcols;
	}
	buf[o] = '\0';
	if (cols)
		*cols = w;
	return o;
}
