/* sip_hdr.c - zero-copy parsers for SIP header values, see
 * include/sipscope/sip_hdr.h.
 *
 * Every scan works on a [p, end) pair and checks p < end before each read;
 * no helper looks at *end.  Failures go through a single exit that zeroes
 * the caller's output struct. */
#include <string.h>

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

static int is_lws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static int is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (unsigned char)sv_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static const char *skip_lws(const char *p, const char *end)
{
	while (p < end && is_lws((unsigned char)*p))
		p++;
	return p;
}

static const char *skip_class(const char *p, const char *end, uint8_t k)
{
	while (p < end && IS(*p, k))
		p++;
	return p;
}

static struct sv span(const char *s, const char *e)
{
	return sv_make(s, (size_t)(e - s));
}

/* Input view as a [p, end) pair; a NULL view is empty. */
static void bounds(struct sv s, const char **p, const char **end)
{
	*p = s.p;
	*end = s.p ? s.p + s.len : s.p;
}

/* Pointer after the closing quote of the quoted-string opening at p, or
 * NULL when it is not closed or holds a character RFC 3261 25.1 forbids:
 * qdtext is LWS / %x21 / %x23-5B / %x5D-7E / UTF8-NONASCII, a quoted-pair
 * escapes %x00-09 / %x0B-0C / %x0E-7F, and a line break must be a fold. */
static const char *quoted_end(const char *p, const char *end)
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
static const char *quoted_skip(const char *p, const char *end)
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
static const char *scan_u32(const char *p, const char *end, uint32_t *v)
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
static int sat_u32(struct sv s, uint32_t *v)
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
static int strict_u32(struct sv s, uint32_t max, uint32_t *v)
{
	uint32_t n = 0;
	if (s.len == 0 || scan_u32(s.p, s.p + s.len, &n) != s.p + s.len || n > max)
		return -1;
	*v = n;
	return 0;
}

/* ---- hosts ---------------------------------------------------------------- */

/* IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT, each <= 255. */
static int ipv4_ok(const char *p, const char *end)
{
	for (int i = 0; i < 4; i++) {
		if (i) {
			if (p == end || *p != '.')
				return 0;
			p++;
		}
		int n = 0, d = 0;
		while (p < end && is_digit((unsigned char)*p) && d < 4) {
			n = n * 10 + (*p++ - '0');
			d++;
		}
		if (d == 0 || d > 3 || n > 255)
			return 0;
	}
	return p == end;
}

/* IPv6address (RFC 3261 25.1 / RFC 4291 2.2): up to 8 groups of 1-4 hex
 * digits, one "::" at most, optionally ending in an IPv4 address. */
static int ipv6_ok(const char *p, const char *end)
{
	int groups = 0, dcolon = 0;
	if (end - p >= 2 && p[0] == ':' && p[1] == ':') {
		dcolon = 1;
		p += 2;
		if (p == end)
			return 1;
	}
	for (;;) {
		const char *s = p;
		while (p < end && p - s < 5 && hexval((unsigned char)*p) >= 0)
			p++;
		if (p < end && *p == '.') {
			if (!ipv4_ok(s, end))
				return 0;
			groups += 2;
			break;
		}
		if (p == s || p - s > 4)
			return 0;
		groups++;
		if (p == end)
			break;
		if (*p != ':')
			return 0;
		p++;
		if (p < end && *p == ':') {
			if (dcolon)
				return 0;
			dcolon = 1;
			p++;
			if (p == end)
				break;
		} else if (p == end) {
			return 0;
		}
		if (groups > 8)
			return 0;
	}
	return dcolon ? groups <= 7 : groups == 8;
}

/* hostname = *( domainlabel "." ) toplabel [ "." ]: labels of alphanum
 * and inner '-' ('_' tolerated), the last one starting with a letter. */
static int hostname_ok(const char *p, const char *end)
{
	if (p < end && end[-1] == '.')
		end--;
	if (p == end)
		return 0;
	const char *label = p;
	for (const char *q = p; q <= end; q++) {
		if (q == end || *q == '.') {
			if (q == label || label[0] == '-' || q[-1] == '-')
				return 0;
			if (q == end)
				return is_alpha((unsigned char)label[0]);
			label = q + 1;
		} else if (!IS(*q, C_HST)) {
			return 0;
		}
	}
	return 0;
}

/* host at p: "[IPv6]", IPv4 or hostname.  Pointer after it, or NULL. */
static const char *scan_host(const char *p, const char *end, struct sv *host,
                             uint8_t *type)
{
	if (p < end && *p == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p));
		if (!rb || !ipv6_ok(p + 1, rb))
			return NULL;
		*host = span(p + 1, rb);
		*type = SIP_HOST_IPV6;
		return rb + 1;
	}
	const char *s = p;
	p = skip_class(p, end, C_HST);
	if (ipv4_ok(s, p))
		*type = SIP_HOST_IPV4;
	else if (hostname_ok(s, p))
		*type = SIP_HOST_NAME;
	else
		return NULL;
	*host = span(s, p);
	return p;
}

/* port = 1*DIGIT, 0..65535 (at most 5 digits). */
static const char *scan_port(const char *p, const char *end, uint16_t *port)
{
	const char *s = p;
	uint32_t n = 0;
	while (p < end && is_digit((unsigned char)*p) && p - s < 6)
		n = n * 10 + (uint32_t)(*p++ - '0');
	if (p == s || p - s > 5 || n > 65535)
		return NULL;
	*port = (uint16_t)n;
	return p;
}

/* ---- URIs ----------------------------------------------------------------- */

/* A run of characters of class k or %XX escapes, up to a byte outside
 * them.  Pointer after the run, or NULL on a bad escape. */
static const char *scan_esc(const char *p, const char *end, uint8_t k)
{
	while (p < end) {
		if (*p == '%') {
			if (end - p < 3 || hexval((unsigned char)p[1]) < 0 ||
			    hexval((unsigned char)p[2]) < 0)
				return NULL;
			p += 3;
		} else if (IS(*p, k)) {
			p++;
		} else {
			break;
		}
	}
	return p;
}

/* uri-parameters: uri-parameter *( ";" uri-parameter ), each
 * 1*paramchar [ "=" 1*paramchar ] (RFC 3261 25.1, RFC 3966 3). */
static int uri_params_ok(const char *p, const char *end)
{
	for (;;) {
		const char *s = p;
		p = scan_esc(p, end, C_PRM | C_UNR);
		if (!p || p == s)
			return 0;
		if (p < end && *p == '=') {
			s = ++p;
			p = scan_esc(p, end, C_PRM | C_UNR);
			if (!p || p == s)
				return 0;
		}
		if (p == end)
			return 1;
		if (*p != ';')
			return 0;
		p++;
	}
}

/* headers: hname "=" hvalue *( "&" hname "=" hvalue ). */
static int uri_headers_ok(const char *p, const char *end)
{
	for (;;) {
		const char *s = p;
		p = scan_esc(p, end, C_HNV | C_UNR);
		if (!p || p == s || p == end || *p != '=')
			return 0;
		p = scan_esc(p + 1, end, C_HNV | C_UNR);
		if (!p)
			return 0;
		if (p == end)
			return 1;
		if (*p != '&')
			return 0;
		p++;
	}
}

/* Params and headers after a hostport (or tel number) at p. */
static int uri_tail(const char *p, const char *end, struct sip_uri *u, int headers_ok)
{
	if (p < end && *p == ';') {
		const char *s = ++p;
		while (p < end && *p != '?')
			p++;
		if (!uri_params_ok(s, p))
			return -1;
		u->params = span(s, p);
	}
	if (p < end && *p == '?') {
		if (!headers_ok || !uri_headers_ok(p + 1, end))
			return -1;
		u->headers = span(p + 1, end);
		p = end;
	}
	return p == end ? 0 : -1;
}

/* RFC 3261 19.1.1: [ userinfo "@" ] hostport uri-parameters [ headers ]. */
static int parse_sip_uri(const char *p, const char *end, struct sip_uri *u)
{
	const char *at = memchr(p, '@', (size_t)(end - p));
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		const char *ue = colon ? colon : at;
		const char *q = scan_esc(p, ue, C_UNR | C_USR);
		if (q != ue || ue == p)
			return -1;
		u->user = span(p, ue);
		if (colon) {
			q = scan_esc(colon + 1, at, C_UNR | C_PWD);
			if (q != at)
				return -1;
			u->password = span(colon + 1, at);
		}
		p = at + 1;
	}
	const char *hs = p;
	p = scan_host(p, end, &u->host, &u->host_type);
	if (!p)
		return -1;
	if (p < end && *p == ':') {
		p = scan_port(p + 1, end, &u->port);
		if (!p)
			return -1;
		u->has_port = 1;
	}
	u->hostport = span(hs, p);
	return uri_tail(p, end, u, 1);
}

/* RFC 3966 3: telephone-subscriber = global-number / local-number. */
static int parse_tel_uri(const char *p, const char *end, struct sip_uri *u)
{
	const char *s = p;
	int global = p < end && *p == '+', digits = 0;
	if (global)
		p++;
	for (; p < end && *p != ';'; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '-' || c == '.' || c == '(' || c == ')')
			continue;
		if (is_digit(c) || (!global && (hexval(c) >= 0 || c == '*' || c == '#')))
			digits++;
		else
			return -1;
	}
	if (!digits)
		return -1;
	u->user = span(s, p);
	return uri_tail(p, end, u, 0);
}

int sip_uri_parse(struct sv s, struct sip_uri *u)
{
	const char *p, *end;
	bounds(s, &p, &end);
	memset(u, 0, sizeof *u);
	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
	const char *q = p;
	if (q == end || !is_alpha((unsigned char)*q))
		return -1;
	while (q < end && (is_alpha((unsigned char)*q) || is_digit((unsigned char)*q) ||
	                   *q == '+' || *q == '-' || *q == '.'))
		q++;
	if (q == end || *q != ':')
		return -1;
	u->scheme_name = span(p, q);
	u->rest = span(q + 1, end);
	p = q + 1;
	int r;
	if (sv_eq_ci(u->scheme_name, "sip")) {
		u->scheme = SIP_URI_SIP;
		r = parse_sip_uri(p, end, u);
	} else if (sv_eq_ci(u->scheme_name, "sips")) {
		u->scheme = SIP_URI_SIPS;
		r = parse_sip_uri(p, end, u);
	} else if (sv_eq_ci(u->scheme_name, "tel")) {
		u->scheme = SIP_URI_TEL;
		r = parse_tel_uri(p, end, u);
	} else {
		/* absoluteURI: printable, no space, nothing that would end a
		 * name-addr or start a quoted string. */
		u->scheme = SIP_URI_OTHER;
		r = p == end ? -1 : 0;
		for (; p < end && r == 0; p++) {
			unsigned char c = (unsigned char)*p;
			if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '"')
				r = -1;
		}
	}
	if (r < 0)
		memset(u, 0, sizeof *u);
	return r;
}

/* Value of `name` in a sep-separated list of name[=value] items. */
static struct sv find_kv(struct sv list, char sep, const char *name)
{
	if (!list.p)
		return SV_NULL;
	const char *p = list.p, *end = list.p + list.len;
	size_t n = strlen(name);
	while (p <= end) {
		const char *ie = memchr(p, sep, (size_t)(end - p));
		if (!ie)
			ie = end;
		const char *eq = memchr(p, '=', (size_t)(ie - p));
		const char *ne = eq ? eq : ie;
		if ((size_t)(ne - p) == n && sv_eq_ci(span(p, ne), name))
			return eq ? span(eq + 1, ie) : sv_make(ne, 0);
		if (ie == end)
			break;
		p = ie + 1;
	}
	return SV_NULL;
}

struct sv sip_uri_param(const struct sip_uri *u, const char *name)
{
	return find_kv(u->params, ';', name);
}

struct sv sip_uri_header(const struct sip_uri *u, const char *name)
{
	return find_kv(u->headers, '&', name);
}

size_t sip_unescape(struct sv in, char *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < in.len; n++) {
		unsigned char c = (unsigned char)in.p[i];
		int hi, lo;
		if (c == '%' && in.len - i >= 3 && (hi = hexval((unsigned char)in.p[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)in.p[i + 2])) >= 0) {
			c = (unsigned char)(hi * 16 + lo);
			i += 3;
		} else {
			i++;
		}
		if (n < cap)
			out[n] = (char)c;
	}
	return n;
}

size_t sip_unquote(struct sv in, char *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < in.len; i++) {
		char c = in.p[i];
		if (c == '\r' || c == '\n')
			continue;
		if (c == '\\' && i + 1 < in.len)
			c = in.p[++i];
		if (n < cap)
			out[n] = c;
		n++;
	}
	return n;
}

/* ---- parameters and lists ------------------------------------------------- */

/* Next generic-param of *rest, items separated by `sep` with LWS around
 * separators and '='. */
static int param_next(struct sv *rest, char sep, struct sip_param *prm)
{
	const char *p, *end;
	bounds(*rest, &p, &end);
	memset(prm, 0, sizeof *prm);
	p = skip_lws(p, end);
	if (p == end) {
		*rest = sv_make(end, 0);
		return 0;
	}
	const char *s = p;
	p = skip_class(p, end, C_TOK);
	if (p == s)
		goto bad;
	prm->name = span(s, p);
	p = skip_lws(p, end);
	if (p < end && *p == '=') {
		p = skip_lws(p + 1, end);
		if (p < end && *p == '"') {
			const char *q = quoted_end(p, end);
			if (!q)
				goto bad;
			prm->value = span(p + 1, q - 1);
			prm->quoted = 1;
			p = q;
		} else {
			/* token / host (IPv6 references and bare IPv6 in received) */
			s = p;
			while (p < end && (*p == ':' || *p == '[' || *p == ']' || IS(*p, C_TOK)))
				p++;
			if (p == s)
				goto bad;
			prm->value = span(s, p);
		}
		p = skip_lws(p, end);
	}
	if (p < end) {
		if (*p != sep)
			goto bad;
		p = skip_lws(p + 1, end);
		if (p == end)
			goto bad; /* a separator must be followed by a parameter */
	}
	*rest = span(p, end);
	return 1;
bad:
	memset(prm, 0, sizeof *prm);
	*rest = sv_make(end, 0);
	return -1;
}

int sip_param_next(struct sv *rest, struct sip_param *p)
{
	return param_next(rest, ';', p);
}

/* Value of a parameter for lookups: an empty non-NULL view when it has
 * none. */
static struct sv param_value(const struct sip_param *p)
{
	return p->value.p ? p->value : sv_make(p->name.p + p->name.len, 0);
}

struct sv sip_hdr_param(struct sv params, const char *name)
{
	struct sip_param prm;
	while (param_next(&params, ';', &prm) == 1)
		if (sv_eq_ci(prm.name, name))
			return param_value(&prm);
	return SV_NULL;
}

/* Walk all params of a view, so that a malformed one anywhere fails the
 * header; `fn` picks out the ones the caller wants. */
typedef int (*param_fn)(void *ctx, const struct sip_param *p);

static int params_walk(struct sv params, param_fn fn, void *ctx)
{
	struct sip_param prm;
	int r;
	while ((r = param_next(&params, ';', &prm)) == 1)
		if (fn && fn(ctx, &prm) < 0)
			return -1;
	return r;
}

/* After the main part of a header value at p: nothing, or ';' params.
 * Sets *params (unset when there are none); returns 0 or -1. */
static int tail_params(const char *p, const char *end, struct sv *params,
                       param_fn fn, void *ctx)
{
	p = skip_lws(p, end);
	if (p == end)
		return 0;
	if (*p != ';')
		return -1;
	*params = span(p + 1, end);
	if (skip_lws(p + 1, end) == end)
		return -1;
	return params_walk(*params, fn, ctx);
}

int sip_list_next(struct sv *rest, struct sv *item)
{
	const char *p, *end;
	bounds(*rest, &p, &end);
	*item = SV_NULL;
	while (p < end && (is_lws((unsigned char)*p) || *p == ','))
		p++;
	if (p == end) {
		*rest = sv_make(end, 0);
		return 0;
	}
	const char *s = p;
	while (p < end && *p != ',') {
		if (*p == '"') {
			p = quoted_skip(p, end);
		} else if (*p == '<') {
			p = memchr(p, '>', (size_t)(end - p));
			if (p)
				p++;
		} else {
			p++;
		}
		if (!p) {
			*rest = sv_make(end, 0);
			return -1;
		}
	}
	*item = sv_trim(span(s, p));
	*rest = span(p, end);
	return 1;
}

void sip_hdr_iter_init(struct sip_hdr_iter *it, const struct sip_msg *m,
                       enum sip_hdr_id id, const char *name)
{
	memset(it, 0, sizeof *it);
	it->m = m;
	it->id = (uint8_t)id;
	it->name = name;
	/* Headers of a known id cannot come before the first one. */
	if (id > SIP_H_OTHER && id < SIP_H__COUNT)
		it->idx = m->first[id] < 0 ? m->nheaders : (size_t)m->first[id];
}

int sip_hdr_next_value(struct sip_hdr_iter *it, struct sv *value)
{
	const struct sip_msg *m = it->m;
	it->in_value = 0;
	while (it->idx < m->nheaders) {
		const struct sip_header *h = &m->headers[it->idx++];
		int match = it->id != SIP_H_OTHER ? h->id == it->id
		                                  : (it->name && sv_eq_ci(h->name, it->name));
		if (match) {
			*value = h->value;
			return 1;
		}
	}
	*value = SV_NULL;
	return 0;
}

int sip_hdr_next_elem(struct sip_hdr_iter *it, struct sv *elem)
{
	for (;;) {
		if (it->in_value) {
			int r = sip_list_next(&it->rest, elem);
			if (r != 0)
				return r;
		}
		struct sv v;
		if (!sip_hdr_next_value(it, &v))
			return 0;
		it->rest = v;
		it->in_value = 1;
	}
}

/* ---- name-addr / addr-spec ------------------------------------------------ */

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in
 * thousandths (RFC 3261 25.1). */
static int qvalue(struct sv v, int16_t *q)
{
	if (v.len == 0 || (v.p[0] != '0' && v.p[0] != '1') || v.len > 5)
		return -1;
	int n = (v.p[0] - '0') * 1000;
	if (v.len > 1) {
		if (v.p[1] != '.')
			return -1;
		int scale = 100;
		for (size_t i = 2; i < v.len; i++, scale /= 10) {
			if (!is_digit((unsigned char)v.p[i]))
				return -1;
			n += (v.p[i] - '0') * scale;
		}
	}
	if (n > 1000)
		return -1;
	*q = (int16_t)n;
	return 0;
}

static int addr_param(void *ctx, const struct sip_param *p)
{
	struct sip_addr *a = ctx;
	if (!a->tag.p && sv_eq_ci(p->name, "tag"))
		a->tag = param_value(p);
	else if (!a->has_expires && sv_eq_ci(p->name, "expires")) {
		if (!p->value.p || sat_u32(p->value, &a->expires) < 0)
			return -1;
		a->has_expires = 1;
	} else if (a->q < 0 && sv_eq_ci(p->name, "q")) {
		if (!p->value.p || qvalue(p->value, &a->q) < 0)
			return -1;
	}
	return 0;
}

int sip_addr_parse(struct sv s, struct sip_addr *a)
{
	memset(a, 0, sizeof *a);
	a->q = -1;
	const char *p, *end;
	bounds(sv_trim(s), &p, &end);
	if (p == end)
		goto bad;
	if (end - p == 1 && *p == '*') {
		a->star = 1;
		return 0;
	}
	if (*p == '"') {
		const char *q = quoted_end(p, end);
		if (!q)
			goto bad;
		a->display = span(p + 1, q - 1);
		a->display_quoted = 1;
		p = skip_lws(q, end);
		if (p == end || *p != '<')
			goto bad;
	} else if (*p != '<') {
		/* *(token LWS) before '<', or no display name at all. */
		const char *t = p;
		while (t < end && (IS(*t, C_TOK) || is_lws((unsigned char)*t)))
			t++;
		if (t < end && *t == '<') {
			a->display = sv_trim(span(p, t));
			p = t;
		}
	}
	const char *ue;
	if (p < end && *p == '<') {
		const char *gt = memchr(p, '>', (size_t)(end - p));
		if (!gt)
			goto bad;
		a->uri_text = span(p + 1, gt);
		a->angle = 1;
		p = gt + 1;
		ue = p;
	} else {
		/* addr-spec: ';' starts header parameters (RFC 3261 20.10) */
		const char *s0 = p;
		while (p < end && *p != ';' && !is_lws((unsigned char)*p))
			p++;
		a->uri_text = span(s0, p);
		ue = p;
	}
	if (sip_uri_parse(a->uri_text, &a->uri) < 0)
		goto bad;
	if (tail_params(ue, end, &a->params, addr_param, a) < 0)
		goto bad;
	return 0;
bad:
	memset(a, 0, sizeof *a);
	a->q = -1;
	return -1;
}

size_t sip_addr_all(const struct sip_msg *m, enum sip_hdr_id id, const char *name,
                    struct sip_addr *out, size_t cap, struct sip_list_count *c)
{
	struct sip_list_count cnt = { 0, 0, 0 };
	struct sip_hdr_iter it;
	struct sv e;
	int r;
	sip_hdr_iter_init(&it, m, id, name);
	while ((r = sip_hdr_next_elem(&it, &e)) != 0) {
		struct sip_addr tmp, *dst = cnt.kept < cap ? &out[cnt.kept] : &tmp;
		if (r < 0 || sip_addr_parse(e, dst) < 0)
			cnt.malformed++;
		else if (dst == &tmp)
			cnt.dropped++;
		else
			cnt.kept++;
	}
	if (c)
		*c = cnt;
	return cnt.kept;
}

/* ---- Via ------------------------------------------------------------------ */

static int via_param(void *ctx, const struct sip_param *p)
{
	struct sip_via *v = ctx;
	struct sv val = param_value(p);
	if (!v->branch.p && sv_eq_ci(p->name, "branch")) {
		if (!p->value.p)
			return -1;
		v->branch = val;
	} else if (!v->received.p && sv_eq_ci(p->name, "received")) {
		if (!p->value.p)
			return -1;
		v->received = val;
	} else if (!v->maddr.p && sv_eq_ci(p->name, "maddr")) {
		if (!p->value.p)
			return -1;
		v->maddr = val;
	} else if (!v->has_rport && sv_eq_ci(p->name, "rport")) {
		v->has_rport = 1;
		if (p->value.p) {
			const char *e = p->value.p + p->value.len;
			if (p->quoted || scan_port(p->value.p, e, &v->rport) != e)
				return -1;
		}
	} else if (v->ttl < 0 && sv_eq_ci(p->name, "ttl")) {
		uint32_t t;
		if (!p->value.p || p->quoted || p->value.len > 3 ||
		    strict_u32(p->value, 255, &t) < 0)
			return -1;
		v->ttl = (int16_t)t;
	}
	return 0;
}

/* SLASH = SWS "/" SWS between tokens of sent-protocol. */
static const char *scan_token_slash(const char *p, const char *end, struct sv *tok)
{
	const char *s = p;
	p = skip_class(p, end, C_TOK);
	if (p == s)
		return NULL;
	*tok = span(s, p);
	p = skip_lws(p, end);
	if (p == end || *p != '/')
		return NULL;
	return skip_lws(p + 1, end);
}

int sip_via_parse(struct sv s, struct sip_via *v)
{
	memset(v, 0, sizeof *v);
	v->ttl = -1;
	const char *p, *end;
	bounds(sv_trim(s), &p, &end);
	if (!(p = scan_token_slash(p, end, &v->proto_name)) ||
	    !(p = scan_token_slash(p, end, &v->proto_version)))
		goto bad;
	const char *ts = p;
	p = skip_class(p, end, C_TOK);
	if (p == ts || p == end || !is_lws((unsigned char)*p))
		goto bad;
	v->transport = span(ts, p);
	p = skip_lws(p, end);
	const char *hs = p;
	if (!(p = scan_host(p, end, &v->host, &v->host_type)))
		goto bad;
	const char *he = p;
	const char *q = skip_lws(p, end);
	if (q < end && *q == ':') {
		p = scan_port(skip_lws(q + 1, end), end, &v->port);
		if (!p)
			goto bad;
		v->has_port = 1;
		he = p;
	}
	v->sent_by = span(hs, he);
	if (tail_params(p, end, &v->params, via_param, v) < 0)
		goto bad;
	return 0;
bad:
	memset(v, 0, sizeof *v);
	v->ttl = -1;
	return -1;
}

int sip_via_next(struct sip_hdr_iter *it, struct sip_via *v)
{
	struct sv e;
	int r = sip_hdr_next_elem(it, &e);
	if (r <= 0) {
		memset(v, 0, sizeof *v);
		v->ttl = -1;
		return r;
	}
	return sip_via_parse(e, v) == 0 ? 1 : -1;
}

size_t sip_via_all(const struct sip_msg *m, struct sip_via *out, size_t cap,
                   struct sip_list_count *c)
{
	struct sip_list_count cnt = { 0, 0, 0 };
	struct sip_hdr_iter it;
	int r;
	sip_hdr_iter_init(&it, m, SIP_H_VIA, NULL);
	for (;;) {
		struct sip_via tmp, *dst = cnt.kept < cap ? &out[cnt.kept] : &tmp;
		if ((r = sip_via_next(&it, dst)) == 0)
			break;
		if (r < 0)
			cnt.malformed++;
		else if (dst == &tmp)
			cnt.dropped++;
		else
			cnt.kept++;
	}
	if (c)
		*c = cnt;
	return cnt.kept;
}

/* ---- small headers -------------------------------------------------------- */

/* A token at p; pointer after it or NULL when empty. */
static const char *scan_token(const char *p, const char *end, struct sv *tok)
{
	const char *s = p;
	p = skip_class(p, end, C_TOK);
	if (p == s)
		return NULL;
	*tok = span(s, p);
	return p;
}

/* Number, then at least one LWS. */
static const char *scan_num_lws(const char *p, const char *end, uint32_t *n)
{
	p = scan_u32(p, end, n);
	if (!p || p == end || !is_lws((unsigned char)*p))
		return NULL;
	return skip_lws(p, end);
}

int sip_cseq_parse(struct sv s, struct sip_cseq *c)
{
	memset(c, 0, sizeof *c);
	const char *p, *end;
	bounds(sv_trim(s), &p, &end);
	if (!(p = scan_num_lws(p, end, &c->seq)) || !(p = scan_token(p, end, &c->method)) ||
	    p != end) {
		memset(c, 0, sizeof *c);
		return -1;
	}
	return 0;
}

int sip_max_forwards_parse(struct sv s, uint32_t *hops)
{
	uint32_t n = 0;
	s = sv_trim(s);
	if (strict_u32(s, 255, &n) < 0)
		return -1;
	*hops = n;
	return 0;
}

int sip_expires_parse(struct sv s, uint32_t *secs)
{
	s = sv_trim(s);
	return s.p ? sat_u32(s, secs) : -1;
}

int sip_rseq_parse(struct sv s, uint32_t *rseq)
{
	uint32_t n = 0;
	s = sv_trim(s);
	if (strict_u32(s, 0x7fffffffu, &n) < 0 || n == 0)
		return -1;
	*rseq = n;
	return 0;
}

int sip_rack_parse(struct sv s, struct sip_rack *r)
{
	memset(r, 0, sizeof *r);
	const char *p, *end;
	bounds(sv_trim(s), &p, &end);
	if (!(p = scan_num_lws(p, end, &r->rseq)) || !(p = scan_num_lws(p, end, &r->cseq)) ||
	    !(p = scan_token(p, end, &r->method)) || p != end || r->rseq == 0) {
		memset(r, 0, sizeof *r);
		return -1;
	}
	return 0;
}

int sip_ctype_parse(struct sv s, struct sip_ctype *ct)
{
	memset(ct, 0, sizeof *ct);
	const char *p, *end;
	bounds(sv_trim(s), &p, &end);
	if (!(p = scan_token_slash(p, end, &ct->type)) || !(p = scan_token(p, end, &ct->subtype)) ||
	    tail_params(p, end, &ct->params, NULL, NULL) < 0) {
		memset(ct, 0, sizeof *ct);
		return -1;
	}
	return 0;
}

static int cdisp_param(void *ctx, const struct sip_param *p)
{
	struct sip_cdisp *cd = ctx;
	if (!cd->handling.p && sv_eq_ci(p->name, "handling")) {
		if (!p->value.p)
			return -1;
		cd->handling = p->value;
	}
	return 0;
}

int sip_cdisp_parse(struct sv s, struct sip_cdisp *cd)
{
	memset(cd, 0, sizeof *cd);
	const char *p, *end;
	bounds(sv_trim(s), &p, &end);
	if (!(p = scan_token(p, end, &cd->type)) ||
	    tail_params(p, end, &cd->params, cdisp_param, cd) < 0) {
		memset(cd, 0, sizeof *cd);
		return -1;
	}
	return 0;
}

static int reason_param(void *ctx, const struct sip_param *p)
{
	struct sip_reason *r = ctx;
	if (!r->has_cause && sv_eq_ci(p->name, "cause")) {
		if (!p->value.p || p->quoted || strict_u32(p->value, UINT32_MAX, &r->cause) < 0)
			return -1;
		r->has_cause = 1;
	} else if (!r->text.p && sv_eq_ci(p->name, "text")) {
		if (!p->value.p)
			return -1;
		r->text = p->value;
	}
	return 0;
}

int sip_reason_parse(struct sv s, struct sip_reason *r)
{
	memset(r, 0, sizeof *r);
	const char *p, *end;
	bounds(sv_trim(s), &p, &end);
	if (!(p = scan_token(p, end, &r->protocol)) ||
	    tail_params(p, end, &r->params, reason_param, r) < 0) {
		memset(r, 0, sizeof *r);
		return -1;
	}
	return 0;
}

int sip_warning_parse(struct sv s, struct sip_warning *w)
{
	memset(w, 0, sizeof *w);
	const char *p, *end;
	bounds(sv_trim(s), &p, &end);
	if (end - p < 4 || !is_digit((unsigned char)p[0]) || !is_digit((unsigned char)p[1]) ||
	    !is_digit((unsigned char)p[2]) || !is_lws((unsigned char)p[3]))
		goto bad;
	w->code = (uint16_t)((p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0'));
	p = skip_lws(p + 3, end);
	/* warn-agent = hostport / pseudonym */
	const char *as = p;
	while (p < end && !is_lws((unsigned char)*p))
		p++;
	if (p == as)
		goto bad;
	w->agent = span(as, p);
	struct sv host;
	uint8_t type;
	uint16_t port;
	const char *q = scan_host(as, p, &host, &type);
	if (q && q < p && *q == ':')
		q = scan_port(q + 1, p, &port);
	if (q != p && skip_class(as, p, C_TOK) != p)
		goto bad;
	p = skip_lws(p, end);
	if (p == end || *p != '"' || quoted_end(p, end) != end)
		goto bad;
	w->text = span(p + 1, end - 1);
	return 0;
bad:
	memset(w, 0, sizeof *w);
	return -1;
}

static int is_uuid(struct sv v)
{
	if (v.len != 32)
		return 0;
	for (size_t i = 0; i < 32; i++)
		if (hexval((unsigned char)v.p[i]) < 0)
			return 0;
	return 1;
}

static int sid_param(void *ctx, const struct sip_param *p)
{
	struct sip_session_id *sid = ctx;
	if (!sid->remote.p && sv_eq_ci(p->name, "remote")) {
		if (p->quoted || !is_uuid(p->value))
			return -1;
		sid->remote = p->value;
	}
	return 0;
}

int sip_session_id_parse(struct sv s, struct sip_session_id *sid)
{
	memset(sid, 0, sizeof *sid);
	const char *p, *end;
	bounds(sv_trim(s), &p, &end);
	const char *ls = p;
	p = skip_class(p, end, C_HEX);
	sid->local = span(ls, p);
	if (!is_uuid(sid->local) || tail_params(p, end, &sid->params, sid_param, sid) < 0) {
		memset(sid, 0, sizeof *sid);
		return -1;
	}
	return 0;
}

static int event_param(void *ctx, const struct sip_param *p)
{
	struct sip_event *e = ctx;
	if (!e->id.p && sv_eq_ci(p->name, "id")) {
		if (!p->value.p)
			return -1;
		e->id = p->value;
	}
	return 0;
}

int sip_event_parse(struct sv s, struct sip_event *e)
{
	memset(e, 0, sizeof *e);
	const char *p, *end;
	bounds(sv_trim(s), &p, &end);
	if (!(p = scan_token(p, end, &e->package)) ||
	    tail_params(p, end, &e->params, event_param, e) < 0) {
		memset(e, 0, sizeof *e);
		return -1;
	}
	return 0;
}

static int substate_param(void *ctx, const struct sip_param *p)
{
	struct sip_substate *ss = ctx;
	if (!ss->reason.p && sv_eq_ci(p->name, "reason")) {
		if (!p->value.p)
			return -1;
		ss->reason = p->value;
	} else if (!ss->has_expires && sv_eq_ci(p->name, "expires")) {
		if (!p->value.p || sat_u32(p->value, &ss->expires) < 0)
			return -1;
		ss->has_expires = 1;
	} else if (!ss->has_retry_after && sv_eq_ci(p->name, "retry-after")) {
		if (!p->value.p || sat_u32(p->value, &ss->retry_after) < 0)
			return -1;
		ss->has_retry_after = 1;
	}
	return 0;
}

int sip_substate_parse(struct sv s, struct sip_substate *ss)
{
	memset(ss, 0, sizeof *ss);
	const char *p, *end;
	bounds(sv_trim(s), &p, &end);
	if (!(p = scan_token(p, end, &ss->state)) ||
	    tail_params(p, end, &ss->params, substate_param, ss) < 0) {
		memset(ss, 0, sizeof *ss);
		return -1;
	}
	return 0;
}

static int replaces_param(void *ctx, const struct sip_param *p)
{
	struct sip_replaces *r = ctx;
	if (sv_eq_ci(p->name, "to-tag")) {
		if (r->to_tag.p || !p->value.p || p->quoted)
			return -1;
		r->to_tag = p->value;
	} else if (sv_eq_ci(p->name, "from-tag")) {
		if (r->from_tag.p || !p->value.p || p->quoted)
			return -1;
		r->from_tag = p->value;
	} else if (sv_eq_ci(p->name, "early-only")) {
		if (p->value.p)
			return -1;
		r->early_only = 1;
	}
	return 0;
}

/* RFC 3261 25.1 word characters, for callid = word [ "@" word ]. */
static int is_word_char(unsigned char c)
{
	return IS(c, C_TOK | C_UNR) || (c != ';' && c != '@' && c > 0x20 && c < 0x7f &&
	                                strchr("<>:\\\"/[]?{}", c) != NULL);
}

int sip_replaces_parse(struct sv s, struct sip_replaces *r)
{
	memset(r, 0, sizeof *r);
	const char *p, *end;
	bounds(sv_trim(s), &p, &end);
	const char *cs = p;
	while (p < end && is_word_char((unsigned char)*p))
		p++;
	if (p == cs)
		goto bad;
	if (p < end && *p == '@') {
		const char *ws = ++p;
		while (p < end && is_word_char((unsigned char)*p))
			p++;
		if (p == ws)
			goto bad;
	}
	r->call_id = span(cs, p);
	if (tail_params(p, end, &r->params, replaces_param, r) < 0 || !r->to_tag.p ||
	    !r->from_tag.p)
		goto bad;
	return 0;
bad:
	memset(r, 0, sizeof *r);
	return -1;
}

/* Calls fn on each token of a comma-separated token list; -1 when an
 * element is not a token. */
static int token_list_walk(struct sv s, void (*fn)(void *ctx, struct sv tok), void *ctx)
{
	const char *p, *end;
	bounds(sv_trim(s), &p, &end);
	if (p == end)
		return 0;
	for (;;) {
		struct sv tok;
		p = scan_token(p, end, &tok);
		if (!p)
			return -1;
		fn(ctx, tok);
		p = skip_lws(p, end);
		if (p == end)
			return 0;
		if (*p != ',')
			return -1;
		p = skip_lws(p + 1, end);
	}
}

struct token_out {
	struct sv *out;
	size_t cap, n, dropped;
};

static void token_store(void *ctx, struct sv tok)
{
	struct token_out *o = ctx;
	if (o->n < o->cap)
		o->out[o->n++] = tok;
	else
		o->dropped++;
}

int sip_token_list(struct sv s, struct sv *out, size_t cap, size_t *dropped)
{
	struct token_out o = { out, cap, 0, 0 };
	if (dropped)
		*dropped = 0;
	if (token_list_walk(s, token_store, &o) < 0)
		return -1;
	if (dropped)
		*dropped = o.dropped;
	return o.n > (size_t)INT32_MAX ? INT32_MAX : (int)o.n;
}

struct token_find {
	const char *tok;
	int found;
};

static void token_match(void *ctx, struct sv tok)
{
	struct token_find *f = ctx;
	if (!f->found && sv_eq_ci(tok, f->tok))
		f->found = 1;
}

int sip_token_list_has(struct sv s, const char *tok)
{
	struct token_find f = { tok, 0 };
	if (token_list_walk(s, token_match, &f) < 0)
		return -1;
	return f.found;
}

/* ---- authentication ------------------------------------------------------- */

static int auth_params(const char *p, const char *end, struct sip_auth *a)
{
	struct sv rest = span(p, end);
	struct sip_param prm;
	int r;
	if (skip_lws(p, end) == end)
		return -1;
	while ((r = param_next(&rest, ',', &prm)) == 1) {
		if (!prm.value.p)
			return -1; /* auth-param = name EQUAL value */
		if (a->nparams < SIP_AUTH_MAX_PARAMS)
			a->params[a->nparams++] = prm;
		else
			a->nparams_dropped++;
	}
	return r;
}

/* token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
 * (RFC 7235 2.1), alone after the scheme. */
static int is_token68(const char *p, const char *end)
{
	const char *s = p;
	while (p < end && (is_alpha((unsigned char)*p) || is_digit((unsigned char)*p) ||
	                   (*p && strchr("-._~+/", *p))))
		p++;
	if (p == s)
		return 0;
	while (p < end && *p == '=')
		p++;
	return p == end;
}

int sip_auth_parse(struct sv s, struct sip_auth *a)
{
	memset(a, 0, sizeof *a);
	const char *p, *end;
	bounds(sv_trim(s), &p, &end);
	if (!(p = scan_token(p, end, &a->scheme)))
		goto bad;
	if (p == end)
		return 0;
	if (!is_lws((unsigned char)*p))
		goto bad;
	p = skip_lws(p, end);
	/* Digest (RFC 3261 20.27, 25.1) takes parameters only. */
	if (!sv_eq_ci(a->scheme, "Digest") && is_token68(p, end)) {
		a->token68 = span(p, end);
		return 0;
	}
	if (auth_params(p, end, a) < 0)
		goto bad;
	return 0;
bad:
	memset(a, 0, sizeof *a);
	return -1;
}

int sip_auth_parse_params(struct sv s, struct sip_auth *a)
{
	memset(a, 0, sizeof *a);
	const char *p, *end;
	bounds(sv_trim(s), &p, &end);
	if (auth_params(p, end, a) < 0) {
		memset(a, 0, sizeof *a);
		return -1;
	}
	return 0;
}

struct sv sip_auth_param(const struct sip_auth *a, const char *name)
{
	for (size_t i = 0; i < a->nparams; i++)
		if (sv_eq_ci(a->params[i].name, name))
			return a->params[i].value;
	return SV_NULL;
}

/* Output that never cuts an item: once one does not fit, nothing more is
 * written, but the needed length keeps counting. */
struct out {
	char *buf;
	size_t cap, used, need;
	int full;
};

static void out_put(struct out *o, const char *s, size_t n)
{
	if (!o->full && o->cap && o->used + n < o->cap) {
		memcpy(o->buf + o->used, s, n);
		o->used += n;
	} else {
		o->full = 1;
	}
	o->need += n;
}

/* Printable ASCII as is, anything else as \xNN. */
static void out_safe(struct out *o, struct sv v)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < v.len; i++) {
		unsigned char c = (unsigned char)v.p[i];
		if (c >= 0x20 && c < 0x7f) {
			out_put(o, (const char *)&v.p[i], 1);
		} else {
			char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };
			out_put(o, e, 4);
		}
	}
}

static void out_secret(struct out *o, struct sv v, unsigned flags)
{
	if (flags & SIP_AUTH_SHOW_SECRETS || v.len == 0) {
		out_safe(o, v);
		return;
	}
	size_t k = v.len / 2 < 4 ? v.len / 2 : 4;
	if (k && v.p[k - 1] == '\\')
		k--; /* do not leave half a quoted-pair */
	out_safe(o, sv_make(v.p, k));
	out_put(o, "\xe2\x80\xa6", 3); /* U+2026 HORIZONTAL ELLIPSIS */
}

static int is_secret(struct sv name)
{
	static const char *const secret[] = { "response", "nonce", "cnonce", "nextnonce",
	                                      "rspauth", "auts" };
	for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++)
		if (sv_eq_ci(name, secret[i]))
			return 1;
	return 0;
}

size_t sip_auth_render(const struct sip_auth *a, char *out, size_t cap, unsigned flags)
{
	struct out o = { out, cap, 0, 0, 0 };
	out_safe(&o, a->scheme);
	if (a->token68.p) {
		out_put(&o, " ", 1);
		out_secret(&o, a->token68, flags);
	}
	for (size_t i = 0; i < a->nparams; i++) {
		const struct sip_param *p = &a->params[i];
		if (i)
			out_put(&o, ",", 1);
		if (i || a->scheme.p)
			out_put(&o, " ", 1);
		out_safe(&o, p->name);
		out_put(&o, "=", 1);
		if (p->quoted)
			out_put(&o, "\"", 1);
		if (is_secret(p->name))
			out_secret(&o, p->value, flags);
		else
			out_safe(&o, p->value);
		if (p->quoted)
			out_put(&o, "\"", 1);
	}
	if (cap)
		out[o.used] = '\0';
	return o.need;
}
