/* sip_scan.h - what the header-value parsers of src/sip share (private to
 * src/sip): character classes (RFC 3261 25.1), bounded scans over
 * [p, end) pairs, and the scanners one file defines and others use
 * (hosts and ports in sip_uri.c, parameters in sip_hdr.c, tokens in
 * sip_hdr_misc.c).  Every scan checks p < end before each read; none
 * looks at *end. */
#ifndef SIPSCOPE_SIP_SCAN_H
#define SIPSCOPE_SIP_SCAN_H

#include <stdint.h>

#include "sipscope/sip_hdr.h"

/* Character classes (RFC 3261 25.1). */
#define C_TOK 0x01 /* token */
#define C_UNR 0x02 /* unreserved = alphanum / mark */
#define C_USR 0x04 /* user-unreserved */
#define C_PRM 0x08 /* param-unreserved */
#define C_HNV 0x10 /* hnv-unreserved */
#define C_PWD 0x20 /* password extras: & = + $ , */
#define C_HEX 0x40
#define C_HST 0x80 /* hostname characters: alphanum - . and (tolerated) _ */

#define AL (C_TOK | C_UNR | C_HST)
#define AX (AL | C_HEX)

static const uint8_t cls[256] = {
	['0'] = AX, ['1'] = AX, ['2'] = AX, ['3'] = AX, ['4'] = AX,
	['5'] = AX, ['6'] = AX, ['7'] = AX, ['8'] = AX, ['9'] = AX,
	['A'] = AX, ['B'] = AX, ['C'] = AX, ['D'] = AX, ['E'] = AX, ['F'] = AX,
	['a'] = AX, ['b'] = AX, ['c'] = AX, ['d'] = AX, ['e'] = AX, ['f'] = AX,
	['G'] = AL, ['H'] = AL, ['I'] = AL, ['J'] = AL, ['K'] = AL, ['L'] = AL,
	['M'] = AL, ['N'] = AL, ['O'] = AL, ['P'] = AL, ['Q'] = AL, ['R'] = AL,
	['S'] = AL, ['T'] = AL, ['U'] = AL, ['V'] = AL, ['W'] = AL, ['X'] = AL,
	['Y'] = AL, ['Z'] = AL,
	['g'] = AL, ['h'] = AL, ['i'] = AL, ['j'] = AL, ['k'] = AL, ['l'] = AL,
	['m'] = AL, ['n'] = AL, ['o'] = AL, ['p'] = AL, ['q'] = AL, ['r'] = AL,
	['s'] = AL, ['t'] = AL, ['u'] = AL, ['v'] = AL, ['w'] = AL, ['x'] = AL,
	['y'] = AL, ['z'] = AL,
	['-'] = C_TOK | C_UNR | C_HST, ['.'] = C_TOK | C_UNR | C_HST,
	['_'] = C_TOK | C_UNR | C_HST,
	['!'] = C_TOK | C_UNR, ['~'] = C_TOK | C_UNR, ['*'] = C_TOK | C_UNR,
	['\''] = C_TOK | C_UNR, ['('] = C_UNR, [')'] = C_UNR,
	['%'] = C_TOK, ['`'] = C_TOK,
	['+'] = C_TOK | C_USR | C_PRM | C_HNV | C_PWD,
	['$'] = C_USR | C_PRM | C_HNV | C_PWD,
	['&'] = C_USR | C_PRM | C_PWD,
	['='] = C_USR | C_PWD, [','] = C_USR | C_PWD,
	[';'] = C_USR, ['?'] = C_USR | C_HNV, ['/'] = C_USR | C_PRM | C_HNV,
	[':'] = C_PRM | C_HNV, ['['] = C_PRM | C_HNV, [']'] = C_PRM | C_HNV,
};

#define IS(c, k) ((cls[(unsigned char)(c)] & (k)) != 0)

static inline int is_lws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static inline int is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (unsigned char)sv_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static inline const char *skip_lws(const char *p, const char *end)
{
	while (p < end && is_lws((unsigned char)*p))
		p++;
	return p;
}

static inline const char *skip_class(const char *p, const char *end, uint8_t k)
{
	while (p < end && IS(*p, k))
		p++;
	return p;
}

static inline struct sv span(const char *s, const char *e)
{
	return sv_make(s, (size_t)(e - s));
}

/* Input view as a [p, end) pair; a NULL view is empty. */
static inline void bounds(struct sv s, const char **p, const char **end)
{
	*p = s.p;
	*end = s.p ? s.p + s.len : s.p;
}

/* Pointer after the closing quote of the quoted-string opening at p, or
 * NULL when it is not closed or holds a character RFC 3261 25.1 forbids:
 * qdtext is LWS / %x21 / %x23-5B / %x5D-7E / UTF8-NONASCII, a quoted-pair
 * escapes %x00-09 / %x0B-0C / %x0E-7F, and a line break must be a fold. */
static inline const char *quoted_end(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			return p + 1;
		if (c == '\\') {
			if (end - p < 2)
				return NULL;
			unsigned char e = (unsigned char)p[1];
			if (e > 0x7f || e == '\r' || e == '\n')
				return NULL;
			p++;
		} else if (c == '\r' || c == '\n') {
			if (c == '\r') {
				if (end - p < 2 || p[1] != '\n')
					return NULL;
				p++;
			}
			if (end - p < 2 || (p[1] != ' ' && p[1] != '\t'))
				return NULL;
		} else if ((c < 0x20 && c != '\t') || c == 0x7f) {
			return NULL;
		}
	}
	return NULL;
}

/* Looser skip for list splitting: only honours backslash escapes.  Pointer
 * after the closing quote, or NULL when there is none. */
static inline const char *quoted_skip(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '"')
			return p + 1;
		if (*p == '\\' && end - p >= 2)
			p++;
	}
	return NULL;
}

/* 1*DIGIT at p into *v (must fit 32 bits).  Pointer after the digits, or
 * NULL when there is none or the value overflows. */
static inline const char *scan_u32(const char *p, const char *end, uint32_t *v)
{
	const char *s = p;
	uint64_t n = 0;
	while (p < end && is_digit((unsigned char)*p)) {
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > UINT32_MAX)
			return NULL;
		p++;
	}
	if (p == s)
		return NULL;
	*v = (uint32_t)n;
	return p;
}

/* Whole view is 1*DIGIT, saturating at UINT32_MAX. */
static inline int sat_u32(struct sv s, uint32_t *v)
{
	if (s.len == 0)
		return -1;
	uint64_t n = 0;
	for (size_t i = 0; i < s.len; i++) {
		if (!is_digit((unsigned char)s.p[i]))
			return -1;
		if (n <= UINT32_MAX)
			n = n * 10 + (uint64_t)(s.p[i] - '0');
	}
	*v = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	return 0;
}

/* Whole view is 1*DIGIT within [0, max]. */
static inline int strict_u32(struct sv s, uint32_t max, uint32_t *v)
{
	uint32_t n = 0;
	if (s.len == 0 || scan_u32(s.p, s.p + s.len, &n) != s.p + s.len || n > max)
		return -1;
	*v = n;
	return 0;
}

/* host at p: "[IPv6]", IPv4 or hostname.  Pointer after it, or NULL. */
const char *sip_scan_host(const char *p, const char *end, struct sv *host, uint8_t *type);
/* port = 1*DIGIT, 0..65535 (at most 5 digits). */
const char *sip_scan_port(const char *p, const char *end, uint16_t *port);

/* Next generic-param of *rest, items separated by `sep` with LWS around
 * separators and '='. */
int sip_scan_param(struct sv *rest, char sep, struct sip_param *prm);
/* Picks out the params a caller wants from a walk over them; < 0 fails
 * the header. */
typedef int (*param_fn)(void *ctx, const struct sip_param *p);
/* After the main part of a header value at p: nothing, or ';' params.
 * Sets *params (unset when there are none); returns 0 or -1. */
int sip_scan_tail_params(const char *p, const char *end, struct sv *params, param_fn fn, void *ctx);
/* SLASH = SWS "/" SWS between tokens of sent-protocol. */
const char *sip_scan_token_slash(const char *p, const char *end, struct sv *tok);
/* A token at p; pointer after it or NULL when empty. */
const char *sip_scan_token(const char *p, const char *end, struct sv *tok);

#endif
