/* sip_start.c - the SIP start line: methods, Request-Line and Status-Line
 * (RFC 3261 7.1, 7.2), the Request-URI's grammar, and whether bytes look
 * like SIP at all.  See include/sipscope/sip.h. */
#include <string.h>

#include "sip_msg_int.h"

static const char *const method_names[SIP_M__COUNT] = {
	[SIP_M_UNKNOWN] = NULL,      [SIP_M_INVITE] = "INVITE",
	[SIP_M_ACK] = "ACK",         [SIP_M_BYE] = "BYE",
	[SIP_M_CANCEL] = "CANCEL",   [SIP_M_REGISTER] = "REGISTER",
	[SIP_M_OPTIONS] = "OPTIONS", [SIP_M_INFO] = "INFO",
	[SIP_M_UPDATE] = "UPDATE",   [SIP_M_PRACK] = "PRACK",
	[SIP_M_SUBSCRIBE] = "SUBSCRIBE", [SIP_M_NOTIFY] = "NOTIFY",
	[SIP_M_REFER] = "REFER",     [SIP_M_MESSAGE] = "MESSAGE",
	[SIP_M_PUBLISH] = "PUBLISH",
};

enum sip_method sip_method_from_sv(struct sv name)
{
	for (int i = 1; i < SIP_M__COUNT; i++) {
		size_t n = strlen(method_names[i]);
		if (n == name.len && memcmp(name.p, method_names[i], n) == 0)
			return (enum sip_method)i;
	}
	return SIP_M_UNKNOWN;
}

const char *sip_method_name(enum sip_method m)
{
	return (m > 0 && m < SIP_M__COUNT) ? method_names[m] : NULL;
}

/* "SIP/" 1*DIGIT "." 1*DIGIT (RFC 3261 25.1): a SIP start line.  Only
 * 2.0 is this SIP; another version is framed and flagged (RFC 4475
 * 3.1.2.16: the element answers 505), not lost. */
static int version_like(struct sv v)
{
	if (v.len < 7 || !sv_eq_ci(sv_make(v.p, 4), "SIP/"))
		return 0;
	size_t i = 4, d1 = 0, d2 = 0;
	while (i < v.len && is_digit((unsigned char)v.p[i]) && d1 < 3) {
		i++;
		d1++;
	}
	if (!d1 || i == v.len || v.p[i] != '.')
		return 0;
	for (i++; i < v.len && is_digit((unsigned char)v.p[i]) && d2 < 3; i++)
		d2++;
	return d2 && i == v.len;
}

static int version_ok(struct sv v)
{
	return v.len == 7 && sv_eq_ci(v, "SIP/2.0");
}

static int is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Dotted-quad IPv4address (RFC 3261 25.1, each part at most 255). */
static int ipv4_ok(const char *p, size_t n)
{
	int parts = 0;
	size_t i = 0;
	while (parts < 4) {
		unsigned v = 0;
		size_t s = i;
		while (i < n && is_digit((unsigned char)p[i]) && i - s < 3)
			v = v * 10 + (unsigned)(p[i++] - '0');
		if (i == s || v > 255)
			return 0;
		if (++parts < 4) {
			if (i >= n || p[i] != '.')
				return 0;
			i++;
		}
	}
	return i == n;
}

/* IPv6address as RFC 4291 2.2 writes it (hex pieces, one "::", an optional
 * dotted-quad tail).  RFC 3261's ABNF also allows "2001:db8:::192.0.2.1"
 * (RFC 5118 4.10): accepted, and *extra_colon set. */
static int ipv6_ok(const char *p, size_t n, int *extra_colon)
{
	size_t i = 0;
	int groups = 0, dbl = 0;
	*extra_colon = 0;
	if (n >= 2 && p[0] == ':' && p[1] == ':') {
		dbl = 1;
		i = 2;
		if (i < n && p[i] == ':') {
			*extra_colon = 1;
			i++;
		}
	} else if (n && p[0] == ':') {
		return 0;
	}
	while (i < n) {
		size_t s = i;
		int dot = 0;
		while (i < n && p[i] != ':') {
			if (p[i] == '.')
				dot = 1;
			else if (!is_hex((unsigned char)p[i]))
				return 0;
			i++;
		}
		if (dot) {
			if (i != n || !ipv4_ok(p + s, i - s))
				return 0;
			groups += 2;
			break;
		}
		if (i == s || i - s > 4)
			return 0;
		groups++;
		if (i == n)
			break;
		i++; /* ':' */
		if (i < n && p[i] == ':') {
			if (dbl)
				return 0;
			dbl = 1;
			i++;
			if (i < n && p[i] == ':') {
				/* ":::" only before a dotted quad */
				if (!memchr(p + i, '.', n - i))
					return 0;
				*extra_colon = 1;
				i++;
			}
		} else if (i == n) {
			return 0; /* trailing single ':' */
		}
	}
	if (*extra_colon && !dbl)
		return 0;
	return dbl ? groups <= 7 : groups == 8;
}

static int is_host_char(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_';
}

/* Request-URI checks beyond "one token without LWS" (RFC 3261 19.1.1,
 * 25.1; RFC 4475 3.1.2.7, 3.1.2.11; RFC 5118 4.2, 4.10).  Only sip: and
 * sips: URIs are taken apart; any other absoluteURI needs only a scheme. */
static void check_request_uri(struct sip_msg *m)
{
	struct sv u = m->uri;
	const char *p = u.p, *end = u.p + u.len;
	if (u.len >= 2 && p[0] == '<' && end[-1] == '>') {
		/* RFC 4475 3.1.2.7: give the URI without the brackets. */
		m->uri = sv_make(p + 1, u.len - 2);
		set_malformed(m, "<> around Request-URI");
		return;
	}
	const char *q = p;
	while (q < end && (is_alpha((unsigned char)*q) || (q > p && (is_digit((unsigned char)*q) ||
	                   *q == '+' || *q == '-' || *q == '.'))))
		q++;
	if (q == p || q == end || *q != ':') {
		set_malformed(m, "bad Request-URI");
		return;
	}
	struct sv scheme = sv_make(p, (size_t)(q - p));
	if (!sv_eq_ci(scheme, "sip") && !sv_eq_ci(scheme, "sips"))
		return;
	/* userinfo may hold ';', '?', ':' (RFC 4475 3.1.1.2, 3.1.1.9) but not
	 * '@', which no parameter or header may hold unescaped. */
	const char *h = q + 1;
	for (const char *a = end; a > h; a--)
		if (a[-1] == '@') {
			h = a;
			break;
		}
	const char *e = h;
	if (e < end && *e == '[') {
		const char *rb = memchr(e, ']', (size_t)(end - e));
		int extra = 0;
		if (!rb || !ipv6_ok(e + 1, (size_t)(rb - e - 1), &extra)) {
			set_malformed(m, "bad hostport in Request-URI");
			return;
		}
		if (extra)
			set_lenient(m, "extra ':' in IPv6 reference");
		e = rb + 1;
	} else {
		while (e < end && is_host_char((unsigned char)*e))
			e++;
		if (e == h) {
			set_malformed(m, "bad hostport in Request-URI");
			return;
		}
	}
	if (e < end && *e == ':') {
		const char *ds = ++e;
		while (e < end && is_digit((unsigned char)*e))
			e++;
		if (e == ds || e - ds > 5 || (e < end && *e != ';' && *e != '?')) {
			/* "sip:2001:db8::10": an IPv6 address without its [] */
			const char *stop = e;
			while (stop < end && *stop != ';' && *stop != '?')
				stop++;
			set_malformed(m, memchr(ds, ':', (size_t)(stop - ds)) ? "IPv6 address not in []"
			                                                       : "bad hostport in Request-URI");
			return;
		}
	}
	if (e < end && *e != ';' && *e != '?') {
		set_malformed(m, "bad hostport in Request-URI");
		return;
	}
	if (e < end && memchr(e, '?', (size_t)(end - e)))
		set_malformed(m, "headers in Request-URI");
}

/* Parse the start line (without its line break).  Returns 0 or -1. */
int sip_parse_start_line(struct sv line, struct sip_msg *m)
{
	const char *p = line.p, *end = line.p + line.len;
	if (line.len >= 8 && sv_eq_ci(sv_make(p, 8), "SIP/2.0 ")) {
		m->is_request = 0;
		m->version = sv_make(p, 7);
		p += 8;
		const char *ds = p;
		while (p < end && is_digit((unsigned char)*p))
			p++;
		if (p - ds < 3 || (p < end && *p != ' '))
			return -1;
		if (p - ds > 3) {
			/* RFC 4475 3.1.2.19: SIP, but no status code */
			m->status = 0;
			m->malformed = "status code out of range";
		} else {
			m->status = (ds[0] - '0') * 100 + (ds[1] - '0') * 10 + (ds[2] - '0');
			if (m->status < 100 || m->status > 699)
				m->malformed = "status code out of range";
		}
		if (p < end)
			p++;
		m->reason = sv_make(p, (size_t)(end - p));
		return 0;
	}
	/* Request-Line = Method SP Request-URI SP SIP-Version; the version is
	 * the last word, so extra SP (RFC 4475 3.1.2.9, 3.1.2.10) and a URI
	 * holding SP (3.1.2.8) are framed and flagged. */
	const char *s = p;
	while (p < end && is_token_char((unsigned char)*p))
		p++;
	if (p == s || p == end || *p != ' ')
		return -1;
	m->is_request = 1;
	m->method = sv_make(s, (size_t)(p - s));
	p++;
	const char *e = end;
	while (e > p && e[-1] == ' ')
		e--;
	int trailing = e != end;
	const char *sp = e;
	while (sp > p && sp[-1] != ' ')
		sp--;
	if (sp <= p)
		return -1;
	m->version = sv_make(sp, (size_t)(e - sp));
	if (!version_like(m->version))
		return -1;
	const char *us = p, *ue = sp - 1;
	while (us < ue && *us == ' ')
		us++;
	while (ue > us && ue[-1] == ' ')
		ue--;
	int extra = us != p || ue != sp - 1;
	m->uri = sv_make(us, (size_t)(ue - us));
	if (!version_ok(m->version))
		m->malformed = "unsupported SIP version";
	else if (m->uri.len == 0)
		m->malformed = "bad Request-URI";
	else if (trailing)
		m->malformed = "trailing SP in Request-Line";
	else if (extra)
		m->malformed = "extra SP in Request-Line";
	else if (memchr(m->uri.p, ' ', m->uri.len) || memchr(m->uri.p, '\t', m->uri.len))
		m->malformed = "LWS in Request-URI";
	else
		check_request_uri(m);
	return 0;
}

int sip_looks_like(const char *buf, size_t len)
{
	if (len < 12)
		return 0;
	size_t max = len < 2048 ? len : 2048;
	const char *nl = memchr(buf, '\n', max);
	size_t n = nl ? line_len(buf, nl) : max;
	struct sip_msg m;
	memset(&m, 0, sizeof m);
	return sip_parse_start_line(sv_make(buf, n), &m) == 0;
}

/* Could buf (no line break yet) be the start of a SIP start line?  Used on
 * streams, where a message may arrive a byte at a time. */
int sip_start_line_prefix(const char *buf, size_t len)
{
	static const char ver[] = "SIP/2.0 ";
	size_t i = 0;
	if (len > 8192)
		return 0;
	while (i < len && i < 8 && sv_lower((unsigned char)buf[i]) == sv_lower(ver[i]))
		i++;
	if (i == len || i == 8)
		return 1;
	for (i = 0; i < len && is_token_char((unsigned char)buf[i]); i++)
		;
	if (i == 0)
		return 0;
	if (i == len)
		return 1;
	if (buf[i] != ' ')
		return 0;
	for (; i < len; i++)
		if ((unsigned char)buf[i] < 0x20 && buf[i] != '\r')
			return 0;
	return 1;
}
