/* sip_msg.c - zero-copy SIP message parser.  See include/sipscope/sip.h. */
#include <string.h>

#include "sipscope/sip.h"

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

struct hdr_name {
	const char *name; /* lower case */
	uint8_t len;
	uint8_t id;
};

#define H(name, id) { name, sizeof(name) - 1, id }

/* Full names and compact forms (RFC 3261 7.3.3, 20; RFC 3515, 3903, 4028,
 * 4474, 3841, 6665). */
static const struct hdr_name hdr_names[] = {
	H("via", SIP_H_VIA), H("v", SIP_H_VIA),
	H("from", SIP_H_FROM), H("f", SIP_H_FROM),
	H("to", SIP_H_TO), H("t", SIP_H_TO),
	H("call-id", SIP_H_CALL_ID), H("i", SIP_H_CALL_ID),
	H("cseq", SIP_H_CSEQ),
	H("contact", SIP_H_CONTACT), H("m", SIP_H_CONTACT),
	H("content-length", SIP_H_CONTENT_LENGTH), H("l", SIP_H_CONTENT_LENGTH),
	H("content-type", SIP_H_CONTENT_TYPE), H("c", SIP_H_CONTENT_TYPE),
	H("content-encoding", SIP_H_CONTENT_ENCODING), H("e", SIP_H_CONTENT_ENCODING),
	H("max-forwards", SIP_H_MAX_FORWARDS),
	H("route", SIP_H_ROUTE),
	H("record-route", SIP_H_RECORD_ROUTE),
	H("user-agent", SIP_H_USER_AGENT),
	H("server", SIP_H_SERVER),
	H("supported", SIP_H_SUPPORTED), H("k", SIP_H_SUPPORTED),
	H("subject", SIP_H_SUBJECT), H("s", SIP_H_SUBJECT),
	H("event", SIP_H_EVENT), H("o", SIP_H_EVENT),
	H("refer-to", SIP_H_REFER_TO), H("r", SIP_H_REFER_TO),
	H("referred-by", SIP_H_REFERRED_BY), H("b", SIP_H_REFERRED_BY),
	H("allow-events", SIP_H_ALLOW_EVENTS), H("u", SIP_H_ALLOW_EVENTS),
	H("session-expires", SIP_H_SESSION_EXPIRES), H("x", SIP_H_SESSION_EXPIRES),
	H("identity", SIP_H_IDENTITY), H("y", SIP_H_IDENTITY),
	H("accept-contact", SIP_H_ACCEPT_CONTACT), H("a", SIP_H_ACCEPT_CONTACT),
	H("expires", SIP_H_EXPIRES),
	H("reason", SIP_H_REASON),
	H("session-id", SIP_H_SESSION_ID),
	H("x-call-id", SIP_H_X_CALL_ID),
	H("x-cid", SIP_H_X_CID),
};

#define NHDR_NAMES (sizeof hdr_names / sizeof hdr_names[0])

static int ci_eq(const char *a, const char *lower, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (sv_lower((unsigned char)a[i]) != lower[i])
			return 0;
	return 1;
}

/* Every message has a dozen headers: compare lengths and first letters
 * before any bytes. */
static uint8_t hdr_id_of(struct sv name)
{
	if (name.len == 0 || name.len > 32)
		return SIP_H_OTHER;
	int first = sv_lower((unsigned char)name.p[0]);
	for (size_t i = 0; i < NHDR_NAMES; i++)
		if (hdr_names[i].len == name.len && hdr_names[i].name[0] == first &&
		    ci_eq(name.p, hdr_names[i].name, name.len))
			return hdr_names[i].id;
	return SIP_H_OTHER;
}

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

static int is_token_char(unsigned char c) { return token_chars[c]; }

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* End of the line starting at p: returns pointer to '\n' or NULL. */
static const char *line_end(const char *p, const char *end)
{
	return memchr(p, '\n', (size_t)(end - p));
}

/* Length of the line content without the trailing CR. */
static size_t line_len(const char *p, const char *nl)
{
	size_t n = (size_t)(nl - p);
	if (n && p[n - 1] == '\r')
		n--;
	return n;
}

static int version_ok(struct sv v)
{
	return v.len == 7 && sv_eq_ci(v, "SIP/2.0");
}

/* Parse the start line (without its line break).  Returns 0 or -1. */
static int parse_start_line(struct sv line, struct sip_msg *m)
{
	const char *p = line.p, *end = line.p + line.len;
	if (line.len >= 8 && sv_eq_ci(sv_make(p, 8), "SIP/2.0 ")) {
		m->is_request = 0;
		m->version = sv_make(p, 7);
		p += 8;
		if (end - p < 3 || !is_digit((unsigned char)p[0]) ||
		    !is_digit((unsigned char)p[1]) || !is_digit((unsigned char)p[2]))
			return -1;
		m->status = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
		p += 3;
		if (p < end && *p != ' ')
			return -1;
		if (p < end)
			p++;
		m->reason = sv_make(p, (size_t)(end - p));
		if (m->status < 100 || m->status > 699)
			m->malformed = "status code out of range";
		return 0;
	}
	/* Request-Line = Method SP Request-URI SP SIP-Version */
	const char *s = p;
	while (p < end && is_token_char((unsigned char)*p))
		p++;
	if (p == s || p == end || *p != ' ')
		return -1;
	m->is_request = 1;
	m->method = sv_make(s, (size_t)(p - s));
	p++;
	const char *sp = end;
	while (sp > p && sp[-1] != ' ')
		sp--;
	if (sp <= p)
		return -1;
	m->version = sv_make(sp, (size_t)(end - sp));
	if (!version_ok(m->version))
		return -1;
	m->uri = sv_make(p, (size_t)(sp - 1 - p));
	if (m->uri.len == 0 || memchr(m->uri.p, ' ', m->uri.len))
		m->malformed = "bad Request-URI";
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
	return parse_start_line(sv_make(buf, n), &m) == 0;
}

/* Could buf (no line break yet) be the start of a SIP start line?  Used on
 * streams, where a message may arrive a byte at a time. */
static int start_line_prefix(const char *buf, size_t len)
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

static int skip_quoted(const char *p, const char *end, const char **out)
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

struct sv sip_param_get(struct sv value, const char *name)
{
	if (!value.p)
		return SV_NULL;
	const char *p = value.p, *end = value.p + value.len;
	/* Skip the address part: a quoted display name and an <...> URI keep
	 * their own ';' which are not header parameters. */
	const char *lt = NULL;
	for (const char *q = p; q < end; q++) {
		if (*q == '"') {
			skip_quoted(q, end, &q);
			q--;
			continue;
		}
		if (*q == '<') {
			lt = q;
			break;
		}
		if (*q == ';' || *q == ',')
			break;
	}
	if (lt) {
		const char *gt = memchr(lt, '>', (size_t)(end - lt));
		if (!gt)
			return SV_NULL;
		p = gt + 1;
	}
	size_t nlen = strlen(name);
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		if (!semi)
			return SV_NULL;
		p = semi + 1;
		while (p < end && sv_is_lws((unsigned char)*p))
			p++;
		const char *ns = p;
		while (p < end && *p != '=' && *p != ';' && *p != ',' && !sv_is_lws((unsigned char)*p))
			p++;
		struct sv pname = sv_make(ns, (size_t)(p - ns));
		while (p < end && sv_is_lws((unsigned char)*p))
			p++;
		int match = pname.len == nlen && sv_eq_ci(pname, name);
		if (p < end && *p == '=') {
			p++;
			while (p < end && sv_is_lws((unsigned char)*p))
				p++;
			const char *vs = p;
			if (p < end && *p == '"') {
				skip_quoted(p, end, &p);
			} else {
				while (p < end && *p != ';' && *p != ',' && !sv_is_lws((unsigned char)*p))
					p++;
			}
			if (match)
				return sv_make(vs, (size_t)(p - vs));
		} else if (match) {
			return sv_make(ns + nlen, 0);
		}
		if (p < end && *p == ',')
			return SV_NULL; /* next header value: not ours */
	}
	return SV_NULL;
}

struct sv sip_header_get(const struct sip_msg *m, enum sip_hdr_id id)
{
	if (id <= SIP_H_OTHER || id >= SIP_H__COUNT || m->first[id] < 0)
		return SV_NULL;
	return m->headers[m->first[id]].value;
}

/* Top Via: "SIP/2.0/UDP host:port;branch=z9hG4bK..." (RFC 3261 20.42). */
static void parse_top_via(struct sv v, struct sip_msg *m)
{
	const char *p = v.p, *end = v.p + v.len;
	/* Only the first comma-separated value. */
	for (const char *q = p; q < end; q++) {
		if (*q == '"') {
			skip_quoted(q, end, &q);
			q--;
		} else if (*q == ',') {
			end = q;
			break;
		}
	}
	/* sent-protocol: three tokens separated by '/', LWS allowed around. */
	int slashes = 0;
	const char *tstart = NULL;
	while (p < end && slashes < 2) {
		if (*p == '/')
			slashes++;
		p++;
	}
	while (p < end && sv_is_lws((unsigned char)*p))
		p++;
	tstart = p;
	while (p < end && !sv_is_lws((unsigned char)*p) && *p != ';')
		p++;
	if (slashes < 2 || p == tstart) {
		m->malformed = m->malformed ? m->malformed : "bad Via";
		return;
	}
	m->via_transport = sv_make(tstart, (size_t)(p - tstart));
	while (p < end && sv_is_lws((unsigned char)*p))
		p++;
	const char *hs = p;
	if (p < end && *p == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p));
		p = rb ? rb + 1 : end;
	}
	while (p < end && *p != ';' && !sv_is_lws((unsigned char)*p))
		p++;
	m->via_sent_by = sv_make(hs, (size_t)(p - hs));
	m->branch = sip_param_get(sv_make(p, (size_t)(end - p)), "branch");
}

static void parse_cseq(struct sv v, struct sip_msg *m)
{
	const char *p = v.p, *end = v.p + v.len;
	uint64_t n = 0;
	const char *ds = p;
	while (p < end && is_digit((unsigned char)*p) && n <= 0xffffffffULL)
		n = n * 10 + (uint64_t)(*p++ - '0');
	if (p == ds || n > 0xffffffffULL || p == end || !sv_is_lws((unsigned char)*p)) {
		m->malformed = m->malformed ? m->malformed : "bad CSeq";
		return;
	}
	while (p < end && sv_is_lws((unsigned char)*p))
		p++;
	const char *ms = p;
	while (p < end && is_token_char((unsigned char)*p))
		p++;
	if (p == ms || p != end) {
		m->malformed = m->malformed ? m->malformed : "bad CSeq";
		return;
	}
	m->cseq = (uint32_t)n;
	m->cseq_method = sv_make(ms, (size_t)(p - ms));
	m->cseq_valid = 1;
}

static long parse_content_length(struct sv v)
{
	if (v.len == 0 || v.len > 9)
		return -2;
	long n = 0;
	for (size_t i = 0; i < v.len; i++) {
		if (!is_digit((unsigned char)v.p[i]))
			return -2;
		n = n * 10 + (v.p[i] - '0');
	}
	return n;
}

static void add_header(struct sip_msg *m, struct sv name, const char *vs,
                       const char *ve, size_t max_headers)
{
	m->nheaders_seen++;
	if (m->nheaders >= max_headers) {
		m->malformed = m->malformed ? m->malformed : "too many headers";
		return;
	}
	struct sip_header *h = &m->headers[m->nheaders];
	h->name = name;
	h->value = sv_trim(sv_make(vs, (size_t)(ve - vs)));
	h->id = hdr_id_of(name);
	if (h->id != SIP_H_OTHER && m->first[h->id] < 0)
		m->first[h->id] = (int16_t)m->nheaders;
	m->nheaders++;
}

static void check_mandatory(struct sip_msg *m)
{
	/* RFC 3261 8.1.1: To, From, CSeq, Call-ID, Max-Forwards, Via; we
	 * insist on the ones a dialog tracer cannot do without. */
	static const struct { uint8_t id; const char *why; } need[] = {
		{ SIP_H_CALL_ID, "missing Call-ID" },
		{ SIP_H_CSEQ, "missing CSeq" },
		{ SIP_H_FROM, "missing From" },
		{ SIP_H_TO, "missing To" },
		{ SIP_H_VIA, "missing Via" },
	};
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
		if (m->first[need[i].id] < 0 && !m->malformed)
			m->malformed = need[i].why;
}

static void extract_fields(struct sip_msg *m)
{
	struct sv v;
	if (sv_is_set(v = sip_header_get(m, SIP_H_CALL_ID))) {
		m->call_id = v;
		if (v.len == 0 && !m->malformed)
			m->malformed = "empty Call-ID";
	}
	if (sv_is_set(v = sip_header_get(m, SIP_H_FROM)))
		m->from_tag = sip_param_get(v, "tag");
	if (sv_is_set(v = sip_header_get(m, SIP_H_TO)))
		m->to_tag = sip_param_get(v, "tag");
	if (sv_is_set(v = sip_header_get(m, SIP_H_VIA)))
		parse_top_via(v, m);
	if (sv_is_set(v = sip_header_get(m, SIP_H_CSEQ)))
		parse_cseq(v, m);
	check_mandatory(m);
	if (m->is_request && m->cseq_valid && !sv_eq(m->cseq_method, m->method) &&
	    !m->malformed)
		m->malformed = "CSeq method differs from request method";
}

int sip_parse(const char *buf, size_t len, int flags, struct sip_msg *m,
              struct sip_header *headers, size_t max_headers)
{
	memset(m, 0, sizeof *m);
	for (int i = 0; i < SIP_H__COUNT; i++)
		m->first[i] = -1;
	m->headers = headers;
	m->content_length = -1;
	if (max_headers > INT16_MAX)
		max_headers = INT16_MAX;

	const char *p = buf, *end = buf + len;
	int dgram = (flags & SIP_PARSE_DATAGRAM) != 0;
	const char *nl = line_end(p, end);
	if (!nl) {
		if (!dgram)
			return start_line_prefix(buf, len) ? SIP_PARSE_INCOMPLETE
			                                   : SIP_PARSE_NOT_SIP;
		if (parse_start_line(sv_make(p, len), m) < 0)
			return SIP_PARSE_NOT_SIP;
		m->malformed = "truncated: no end of start line";
		m->header_len = m->msg_len = len;
		return (int)len;
	}
	if (parse_start_line(sv_make(p, line_len(p, nl)), m) < 0)
		return SIP_PARSE_NOT_SIP;
	p = nl + 1;

	/* Header fields; a line starting with SP/HT continues the previous
	 * one (RFC 3261 7.3.1 folding). */
	struct sv name = SV_NULL;
	const char *vs = NULL, *ve = NULL;
	int done = 0;
	while (p < end) {
		nl = line_end(p, end);
		if (!nl)
			break;
		size_t ll = line_len(p, nl);
		if (ll == 0) {
			p = nl + 1;
			done = 1;
			break;
		}
		if ((*p == ' ' || *p == '\t') && name.p) {
			ve = p + ll;
			p = nl + 1;
			continue;
		}
		if (name.p)
			add_header(m, name, vs, ve, max_headers);
		name = SV_NULL;
		const char *ns = p, *le = p + ll, *q = p;
		while (q < le && is_token_char((unsigned char)*q))
			q++;
		const char *ne = q;
		while (q < le && (*q == ' ' || *q == '\t'))
			q++;
		if (q == le || *q != ':' || ne == ns) {
			if (!m->malformed)
				m->malformed = "bad header line";
		} else {
			name = sv_make(ns, (size_t)(ne - ns));
			vs = q + 1;
			ve = le;
		}
		p = nl + 1;
	}
	if (!done) {
		if (!dgram)
			return SIP_PARSE_INCOMPLETE;
		if (name.p)
			add_header(m, name, vs, end, max_headers);
		m->malformed = "truncated: no end of headers";
		m->header_len = m->msg_len = len;
		extract_fields(m);
		m->malformed = "truncated: no end of headers";
		return (int)len;
	}
	if (name.p)
		add_header(m, name, vs, ve, max_headers);
	m->header_len = (size_t)(p - buf);

	size_t avail = (size_t)(end - p);
	struct sv cl = sip_header_get(m, SIP_H_CONTENT_LENGTH);
	long clen = -1;
	if (sv_is_set(cl)) {
		clen = parse_content_length(cl);
		if (clen < 0) {
			m->malformed = m->malformed ? m->malformed : "bad Content-Length";
			clen = dgram ? (long)avail : 0;
		} else {
			m->content_length = clen;
		}
	} else {
		/* RFC 3261 18.3: optional over UDP (body = rest of datagram),
		 * mandatory over streams. */
		clen = dgram ? (long)avail : 0;
	}
	if ((size_t)clen > avail) {
		if (!dgram)
			return SIP_PARSE_INCOMPLETE;
		m->malformed = m->malformed ? m->malformed : "body shorter than Content-Length";
		clen = (long)avail;
	}
	m->body = sv_make(p, (size_t)clen);
	m->msg_len = m->header_len + (size_t)clen;
	extract_fields(m);
	return (int)m->msg_len;
}

struct sv sip_addr_uri(struct sv v)
{
	if (!v.p)
		return SV_NULL;
	const char *end = v.p + v.len;
	for (const char *q = v.p; q < end; q++) {
		if (*q == '"') { /* a display name may contain '<' */
			skip_quoted(q, end, &q);
			q--;
			continue;
		}
		if (*q == '<') {
			const char *gt = memchr(q, '>', (size_t)(end - q));
			if (gt)
				return sv_make(q + 1, (size_t)(gt - q - 1));
			break;
		}
	}
	const char *semi = memchr(v.p, ';', v.len);
	return sv_trim(sv_make(v.p, semi ? (size_t)(semi - v.p) : v.len));
}
