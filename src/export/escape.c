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

/* The next unit of s at p: either `*n` bytes that may be written as they
 * are (printable ASCII or a valid, non-control UTF-8 sequence), returning
 * 1, or one thing to escape, returning 0 with *cp its value: a C0 control
 * or DEL (n = 1), a C1 control encoded in UTF-8 (n = 2, cp 0x80-0x9f), or
 * a byte that is not valid UTF-8 (n = 1, cp = the byte). */
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
	return 1;
}

void esc_json(FILE *out, struct sv s)
{
	const unsigned char *p = (const unsigned char *)s.p;
	putc('"', out);
	for (size_t i = 0, n; i < s.len; i += n) {
		unsigned c;
		if (next_unit(p + i, s.len - i, 1, &n, &c)) {
			fwrite(p + i, 1, n, out);
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
		if (next_unit(p + i, s.len - i, 0, &n, &c)) {
			fwrite(p + i, 1, n, out);
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
		if (next_unit(p + i, s.len - i, 0, &n, &c)) {
			if (n > 1 && p[i] < 0x80)
				n = 1; /* one ASCII character at a time: columns count */
			piece = (const char *)p + i;
			plen = n;
			pcols = 1;
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
