/* sip_msg_int.h - what the message parser's files share (private to
 * src/sip): token characters, line scans, the malformed / lenient notes,
 * and the start line (sip_start.c) that sip_parse() (sip_msg.c) reads
 * first. */
#ifndef SIPSCOPE_SIP_MSG_INT_H
#define SIPSCOPE_SIP_MSG_INT_H

#include <string.h>

#include "sipscope/sip.h"

/* RFC 3261 25.1 token characters. */
static const uint8_t token_chars[256] = {
	['-'] = 1, ['.'] = 1, ['!'] = 1, ['%'] = 1, ['*'] = 1, ['_'] = 1,
	['+'] = 1, ['`'] = 1, ['\''] = 1, ['~'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,
	['7'] = 1, ['8'] = 1, ['9'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1,
	['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
	['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
	['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1,
	['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1,
	['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,
	['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
};

static inline int is_token_char(unsigned char c) { return token_chars[c]; }

static inline int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* End of the line starting at p: returns pointer to '\n' or NULL. */
static inline const char *line_end(const char *p, const char *end)
{
	return memchr(p, '\n', (size_t)(end - p));
}

/* Length of the line content without the trailing CR. */
static inline size_t line_len(const char *p, const char *nl)
{
	size_t n = (size_t)(nl - p);
	if (n && p[n - 1] == '\r')
		n--;
	return n;
}

static inline void set_malformed(struct sip_msg *m, const char *why)
{
	if (!m->malformed)
		m->malformed = why;
}

static inline void set_lenient(struct sip_msg *m, const char *what)
{
	if (!m->lenient)
		m->lenient = what;
}

static inline int skip_quoted(const char *p, const char *end, const char **out)
{
	/* p points at the opening quote; honours backslash escapes. */
	p++;
	while (p < end) {
		if (*p == '\\' && p + 1 < end)
			p += 2;
		else if (*p == '"') {
			*out = p + 1;
			return 0;
		} else
			p++;
	}
	*out = end;
	return -1;
}

/* Parse the start line (without its line break).  Returns 0 or -1. */
int sip_parse_start_line(struct sv line, struct sip_msg *m);
/* Could buf (no line break yet) be the start of a SIP start line?  Used on
 * streams, where a message may arrive a byte at a time. */
int sip_start_line_prefix(const char *buf, size_t len);

#endif
