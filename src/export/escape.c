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

void esc_json(FILE *out, struct sv s)
{
	const unsigned char *p = (const unsigned char *)s.p;
	putc('"', out);
	for (size_t i = 0; i < s.len;) {
		unsigned c = p[i];
		size_t run = plain_run(p + i, s.len - i, 1);
		if (run) {
			fwrite(p + i, 1, run, out);
			i += run;
			continue;
		}
		if (c == '"' || c == '\\') {
			putc('\\', out);
			putc((int)c, out);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			switch (c) {
			case '\n': fputs("\\n", out); break;
			case '\r': fputs("\\r", out); break;
			case '\t': fputs("\\t", out); break;
			default: fprintf(out, "\\u%04x", c);
			}
			i++;
		} else if (c < 0x80) {
			putc((int)c, out);
			i++;
		} else {
			int n = esc_utf8_len(p + i, s.len - i);
			unsigned cp = 0;
			if (n >= 2 && p[i] == 0xc2)
				cp = p[i + 1]; /* C1 controls: escape them too */
			if (n == 0 || (n == 2 && cp >= 0x80 && cp < 0xa0)) {
				fprintf(out, "\\u%04x", n ? cp : c);
				i += n ? 2 : 1;
			} else {
				fwrite(p + i, 1, (size_t)n, out);
				i += (size_t)n;
			}
		}
	}
	putc('"', out);
}

void esc_term(FILE *out, struct sv s, int keep_newlines)
{
	const unsigned char *p = (const unsigned char *)s.p;
	for (size_t i = 0; i < s.len;) {
		unsigned c = p[i];
		size_t run = plain_run(p + i, s.len - i, 0);
		if (run) {
			fwrite(p + i, 1, run, out);
			i += run;
			continue;
		}
		if (keep_newlines && c == '\r' && i + 1 < s.len && p[i + 1] == '\n') {
			putc('\n', out);
			i += 2;
		} else if (keep_newlines && c == '\n') {
			putc('\n', out);
			i++;
		} else if (c == '\t') {
			putc(keep_newlines ? '\t' : ' ', out);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\x%02x", c);
			i++;
		} else if (c < 0x80) {
			putc((int)c, out);
			i++;
		} else {
			int n = esc_utf8_len(p + i, s.len - i);
			if (n == 0 || (n == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0)) {
				fprintf(out, "\\x%02x", c);
				i++;
			} else {
				fwrite(p + i, 1, (size_t)n, out);
				i += (size_t)n;
			}
		}
	}
}
