/* sip_uri.c - zero-copy parsers for SIP, SIPS and tel URIs and the
 * hosts and ports in them (RFC 3261 19.1, 25.1; RFC 3966), see
 * include/sipscope/sip_hdr.h. */
#include <string.h>

#include "sip_scan.h"

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
const char *sip_scan_host(const char *p, const char *end, struct sv *host,
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
const char *sip_scan_port(const char *p, const char *end, uint16_t *port)
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
	p = sip_scan_host(p, end, &u->host, &u->host_type);
	if (!p)
		return -1;
	if (p < end && *p == ':') {
		p = sip_scan_port(p + 1, end, &u->port);
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
