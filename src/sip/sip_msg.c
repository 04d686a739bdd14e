/* sip_msg.c - zero-copy SIP message parser.  See include/sipscope/sip.h.
 * This file: the header index (names and compact forms to ids), the
 * values every message needs (top Via, CSeq, Content-Length) and
 * sip_parse(); the start line is in sip_start.c, the body in sip_body.c. */
#include <string.h>

#include "sip_msg_int.h"

static int ci_eq(const char *a, const char *lower, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (sv_lower((unsigned char)a[i]) != lower[i])
			return 0;
	return 1;
}

/* Header name -> id: full names and compact forms (RFC 3261 7.3.3, 20;
 * RFC 3515, 3903, 4028, 4474, 3841, 6665, 7989).  Every message has a
 * dozen headers, so the first letter picks the few names to compare
 * (a table scan here was a sixth of the parse). */
#define TRY(lit, hid) \
	do { \
		if (name.len == sizeof(lit) - 1 && ci_eq(name.p, lit, sizeof(lit) - 1)) \
			return hid; \
	} while (0)

static uint8_t hdr_id_of(struct sv name)
{
	if (name.len == 0)
		return SIP_H_OTHER;
	int c = sv_lower((unsigned char)name.p[0]);
	if (name.len == 1) {
		switch (c) {
		case 'v': return SIP_H_VIA;
		case 'f': return SIP_H_FROM;
		case 't': return SIP_H_TO;
		case 'i': return SIP_H_CALL_ID;
		case 'm': return SIP_H_CONTACT;
		case 'l': return SIP_H_CONTENT_LENGTH;
		case 'c': return SIP_H_CONTENT_TYPE;
		case 'e': return SIP_H_CONTENT_ENCODING;
		case 'k': return SIP_H_SUPPORTED;
		case 's': return SIP_H_SUBJECT;
		case 'o': return SIP_H_EVENT;
		case 'r': return SIP_H_REFER_TO;
		case 'b': return SIP_H_REFERRED_BY;
		case 'u': return SIP_H_ALLOW_EVENTS;
		case 'x': return SIP_H_SESSION_EXPIRES;
		case 'y': return SIP_H_IDENTITY;
		case 'a': return SIP_H_ACCEPT_CONTACT;
		default: return SIP_H_OTHER;
		}
	}
	switch (c) {
	case 'a':
		TRY("allow-events", SIP_H_ALLOW_EVENTS);
		TRY("accept-contact", SIP_H_ACCEPT_CONTACT);
		break;
	case 'c':
		TRY("cseq", SIP_H_CSEQ);
		TRY("call-id", SIP_H_CALL_ID);
		TRY("contact", SIP_H_CONTACT);
		TRY("content-length", SIP_H_CONTENT_LENGTH);
		TRY("content-type", SIP_H_CONTENT_TYPE);
		TRY("content-encoding", SIP_H_CONTENT_ENCODING);
		break;
	case 'd':
		TRY("date", SIP_H_DATE);
		break;
	case 'e':
		TRY("event", SIP_H_EVENT);
		TRY("expires", SIP_H_EXPIRES);
		break;
	case 'f':
		TRY("from", SIP_H_FROM);
		break;
	case 'i':
		TRY("identity", SIP_H_IDENTITY);
		break;
	case 'm':
		TRY("max-forwards", SIP_H_MAX_FORWARDS);
		break;
	case 'r':
		TRY("route", SIP_H_ROUTE);
		TRY("record-route", SIP_H_RECORD_ROUTE);
		TRY("refer-to", SIP_H_REFER_TO);
		TRY("referred-by", SIP_H_REFERRED_BY);
		TRY("reason", SIP_H_REASON);
		break;
	case 's':
		TRY("server", SIP_H_SERVER);
		TRY("supported", SIP_H_SUPPORTED);
		TRY("subject", SIP_H_SUBJECT);
		TRY("session-expires", SIP_H_SESSION_EXPIRES);
		TRY("session-id", SIP_H_SESSION_ID);
		break;
	case 't':
		TRY("to", SIP_H_TO);
		break;
	case 'u':
		TRY("user-agent", SIP_H_USER_AGENT);
		break;
	case 'v':
		TRY("via", SIP_H_VIA);
		break;
	case 'x':
		TRY("x-call-id", SIP_H_X_CALL_ID);
		TRY("x-cid", SIP_H_X_CID);
		break;
	default:
		break;
	}
	return SIP_H_OTHER;
}
#undef TRY

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

/* Top Via: "SIP/2.0/UDP host:port;branch=z9hG4bK..." (RFC 3261 20.42).
 * Its parameters must each have a name (RFC 4475 3.1.2.1: ";;" is
 * malformed); a received= IPv6 address in [] is tolerated (RFC 5118 4.5). */
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
		set_malformed(m, "bad Via");
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
	while (p < end && *p != ';' && *p != ':' && !sv_is_lws((unsigned char)*p))
		p++;
	if (p < end && *p == ':' && *hs != '[') {
		/* An IPv6 sent-by without its [] (RFC 5118 4.5 wants them):
		 * keep the address whole so the hop still matches, and flag. */
		const char *r = p + 1;
		while (r < end && *r != ';' && !sv_is_lws((unsigned char)*r))
			r++;
		if (memchr(p + 1, ':', (size_t)(r - p - 1))) {
			set_malformed(m, "IPv6 address not in []");
			p = r;
		}
	}
	const char *he = p;
	/* sent-by = host [ COLON port ], COLON = SWS ":" SWS */
	const char *q = p;
	while (q < end && sv_is_lws((unsigned char)*q))
		q++;
	if (q < end && *q == ':') {
		q++;
		while (q < end && sv_is_lws((unsigned char)*q))
			q++;
		const char *ds = q;
		while (q < end && is_digit((unsigned char)*q))
			q++;
		if (q == ds)
			set_malformed(m, "bad Via"); /* the parameters still count */
		else
			he = p = q;
	}
	if (he == hs)
		set_malformed(m, "bad Via");
	else
		m->via_sent_by = sv_make(hs, (size_t)(he - hs));
	/* via-params, the branch among them (the first one, as
	 * sip_param_get() would give it); a bad one is flagged and skipped. */
	int have_branch = 0;
	while (p < end) {
		while (p < end && sv_is_lws((unsigned char)*p))
			p++;
		if (p == end)
			break;
		if (*p != ';') {
			set_malformed(m, "bad Via");
			while (p < end && *p != ';')
				p++;
			continue;
		}
		p++;
		while (p < end && sv_is_lws((unsigned char)*p))
			p++;
		const char *ns = p;
		while (p < end && is_token_char((unsigned char)*p))
			p++;
		struct sv name = sv_make(ns, (size_t)(p - ns));
		if (name.len == 0)
			set_malformed(m, "bad Via");
		int is_branch = !have_branch && name.len == 6 && sv_eq_ci(name, "branch");
		while (p < end && sv_is_lws((unsigned char)*p))
			p++;
		if (p < end && *p == '=') {
			p++;
			while (p < end && sv_is_lws((unsigned char)*p))
				p++;
			const char *vs = p;
			if (p < end && *p == '"') {
				if (skip_quoted(p, end, &p) < 0)
					set_malformed(m, "unterminated quoted string");
			} else {
				if (p < end && *p == '[' && name.len == 8 && sv_eq_ci(name, "received"))
					set_lenient(m, "[] around Via received");
				while (p < end && *p != ';' && !sv_is_lws((unsigned char)*p))
					p++;
			}
			if (is_branch)
				m->branch = sv_make(vs, (size_t)(p - vs));
		} else if (is_branch) {
			m->branch = sv_make(ns + 6, 0);
		}
		have_branch |= is_branch;
	}
}

static void parse_cseq(struct sv v, struct sip_msg *m)
{
	const char *p = v.p, *end = v.p + v.len;
	uint64_t n = 0;
	const char *ds = p;
	while (p < end && is_digit((unsigned char)*p) && n <= 0xffffffffULL)
		n = n * 10 + (uint64_t)(*p++ - '0');
	if (p == ds || n > 0xffffffffULL || p == end || !sv_is_lws((unsigned char)*p)) {
		set_malformed(m, "bad CSeq");
		return;
	}
	while (p < end && sv_is_lws((unsigned char)*p))
		p++;
	const char *ms = p;
	while (p < end && is_token_char((unsigned char)*p))
		p++;
	if (p == ms || p != end) {
		set_malformed(m, "bad CSeq");
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

/* Headers that take one value (RFC 3261 7.3.1): a second one that says
 * something else is malformed (RFC 4475 3.3.8, 3.3.9); the same value
 * twice is tolerated. */
static const char *conflict_reason(uint8_t id)
{
	switch (id) {
	case SIP_H_CALL_ID: return "conflicting Call-ID";
	case SIP_H_CSEQ: return "conflicting CSeq";
	case SIP_H_FROM: return "conflicting From";
	case SIP_H_TO: return "conflicting To";
	case SIP_H_CONTENT_LENGTH: return "conflicting Content-Length";
	case SIP_H_CONTENT_TYPE: return "conflicting Content-Type";
	case SIP_H_MAX_FORWARDS: return "conflicting Max-Forwards";
	default: return NULL;
	}
}

static void add_header(struct sip_msg *m, struct sv name, const char *vs,
                       const char *ve, size_t max_headers)
{
	m->nheaders_seen++;
	if (m->nheaders >= max_headers) {
		set_malformed(m, "too many headers");
		return;
	}
	struct sip_header *h = &m->headers[m->nheaders];
	h->name = name;
	h->value = sv_trim(sv_make(vs, (size_t)(ve - vs)));
	h->id = hdr_id_of(name);
	if (h->id != SIP_H_OTHER) {
		if (m->first[h->id] < 0) {
			m->first[h->id] = (int16_t)m->nheaders;
		} else {
			const char *why = conflict_reason(h->id);
			if (why && !sv_eq(m->headers[m->first[h->id]].value, h->value))
				set_malformed(m, why);
			else if (why)
				set_lenient(m, "repeated single-value header");
		}
	}
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
		if (m->first[need[i].id] < 0)
			set_malformed(m, need[i].why);
}

/* Any LWS (or other control byte, which a URI may not hold either)? */
static int has_lws(const char *p, const char *end)
{
	int found = 0;
	for (; p < end; p++)
		found |= (unsigned char)*p <= ' ';
	return found;
}

/* One name-addr / addr-spec of From, To or Contact (RFC 3261 20.10, 25.1):
 * returns NULL or what is wrong.  A display name is a quoted string or
 * tokens (RFC 4475 3.1.2.6, 3.1.2.15); no LWS inside <> (3.1.2.14); an
 * addr-spec holding '?' must be in <> (3.1.2.13).  Parameters after the
 * address are not looked at. */
static const char *check_name_addr(const char *p, const char *end)
{
	const char *lt = NULL, *q;
	for (q = p; q < end; q++) {
		if (*q == '"') {
			if (skip_quoted(q, end, &q) < 0)
				return "unterminated quoted string";
			q--;
		} else if (*q == '<') {
			lt = q;
			break;
		} else if (*q == ';') {
			break;
		}
	}
	if (lt) {
		const char *ds = p, *de = lt;
		while (ds < de && sv_is_lws((unsigned char)*ds))
			ds++;
		while (de > ds && sv_is_lws((unsigned char)de[-1]))
			de--;
		if (ds < de && *ds == '"') {
			skip_quoted(ds, de, &ds);
			if (ds != de)
				return "bad display name";
		} else {
			for (; ds < de; ds++)
				if (!is_token_char((unsigned char)*ds) && !sv_is_lws((unsigned char)*ds))
					return "bad display name";
		}
		const char *gt = memchr(lt, '>', (size_t)(end - lt));
		if (!gt)
			return "missing '>'";
		if (gt == lt + 1)
			return "empty <>";
		if (has_lws(lt + 1, gt))
			return "space in addr-spec";
		return NULL;
	}
	const char *ue = q; /* the first ';' or the end */
	while (ue > p && sv_is_lws((unsigned char)ue[-1]))
		ue--;
	if (ue == p)
		return "empty address";
	if (ue - p == 1 && *p == '*')
		return NULL; /* Contact: * */
	if (has_lws(p, ue))
		return "space in addr-spec";
	if (memchr(p, '?', (size_t)(ue - p)))
		return "URI with headers not in <>";
	return NULL;
}

/* Each comma-separated value of a Contact (commas inside quotes or <>
 * do not separate). */
static const char *check_contact(struct sv v)
{
	const char *p = v.p, *end = v.p + v.len, *s = p;
	int in_angle = 0;
	if (!memchr(p, ',', v.len))
		return check_name_addr(p, end); /* the usual single value */
	for (; p < end; p++) {
		if (*p == '"') {
			if (skip_quoted(p, end, &p) < 0)
				return "unterminated quoted string";
			p--;
		} else if (*p == '<') {
			in_angle = 1;
		} else if (*p == '>') {
			in_angle = 0;
		} else if (*p == ',' && !in_angle) {
			const char *why = check_name_addr(s, p);
			if (why)
				return why;
			s = p + 1;
			while (s < end && sv_is_lws((unsigned char)*s))
				s++;
		}
	}
	return check_name_addr(s, end);
}

/* Is p[0..3) one of the 3-letter names in `list` ("MonTueWed...")?
 * Case-insensitive, as ABNF literals are (RFC 5234 2.3). */
static int name3_in(const char *p, const char *list)
{
	for (; *list; list += 3)
		if (sv_lower((unsigned char)p[0]) == sv_lower((unsigned char)list[0]) &&
		    sv_lower((unsigned char)p[1]) == sv_lower((unsigned char)list[1]) &&
		    sv_lower((unsigned char)p[2]) == sv_lower((unsigned char)list[2]))
			return 1;
	return 0;
}

/* rfc1123-date: "Sat, 13 Nov 2010 23:29:00 GMT", GMT only (RFC 3261
 * 20.17; RFC 4475 3.1.2.12). */
static int date_ok(struct sv v)
{
	/* wkday "," SP 2DIGIT SP month SP 4DIGIT SP 2DIGIT ":" 2DIGIT ":" 2DIGIT SP "GMT" */
	static const char shape[] = "www, dd mmm yyyy dd:dd:dd GMT";
	const char *p = v.p;
	if (v.len != sizeof shape - 1)
		return 0;
	for (size_t i = 0; i < v.len; i++) {
		char c = shape[i];
		if (c == 'd' || c == 'y') {
			if (!is_digit((unsigned char)p[i]))
				return 0;
		} else if (c == ' ' || c == ',' || c == ':') {
			if (p[i] != c)
				return 0;
		}
	}
	return name3_in(p, "MonTueWedThuFriSatSun") &&
	       name3_in(p + 8, "JanFebMarAprMayJunJulAugSepOctNovDec") && name3_in(p + 26, "GMT");
}

/* Grammar of the address and Date headers, in message order. */
static void check_headers(struct sip_msg *m)
{
	for (size_t i = 0; i < m->nheaders && !m->malformed; i++) {
		const struct sip_header *h = &m->headers[i];
		switch (h->id) {
		case SIP_H_FROM:
		case SIP_H_TO:
			set_malformed(m, check_name_addr(h->value.p, h->value.p + h->value.len));
			break;
		case SIP_H_CONTACT:
			set_malformed(m, check_contact(h->value));
			break;
		case SIP_H_DATE:
			if (!date_ok(h->value))
				set_malformed(m, "bad Date");
			break;
		default:
			break;
		}
	}
}

/* Pre-extract the fields every stage wants and check the grammar of the
 * ones we look at; `complete` is 0 when the header section was cut short,
 * where missing headers prove nothing. */
static void extract_fields(struct sip_msg *m, int complete)
{
	struct sv v;
	if (sv_is_set(v = sip_header_get(m, SIP_H_CALL_ID))) {
		m->call_id = v;
		if (v.len == 0)
			set_malformed(m, "empty Call-ID");
	}
	if (sv_is_set(v = sip_header_get(m, SIP_H_FROM)))
		m->from_tag = sip_param_get(v, "tag");
	if (sv_is_set(v = sip_header_get(m, SIP_H_TO)))
		m->to_tag = sip_param_get(v, "tag");
	if (sv_is_set(v = sip_header_get(m, SIP_H_VIA)))
		parse_top_via(v, m);
	if (sv_is_set(v = sip_header_get(m, SIP_H_CSEQ)))
		parse_cseq(v, m);
	check_headers(m);
	if (complete)
		check_mandatory(m);
	/* RFC 4475 3.1.2.17, 3.1.2.18 */
	if (m->is_request && m->cseq_valid && !sv_eq(m->cseq_method, m->method))
		set_malformed(m, "CSeq method differs from request method");
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
			return sip_start_line_prefix(buf, len) ? SIP_PARSE_INCOMPLETE
			                                   : SIP_PARSE_NOT_SIP;
		if (sip_parse_start_line(sv_make(p, len), m) < 0)
			return SIP_PARSE_NOT_SIP;
		m->malformed = "truncated: no end of start line";
		m->header_len = m->msg_len = len;
		return (int)len;
	}
	if (sip_parse_start_line(sv_make(p, line_len(p, nl)), m) < 0)
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
			set_malformed(m, "bad header line");
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
		m->header_len = m->msg_len = len;
		extract_fields(m, 0);
		/* When every header line is whole and only the empty line is
		 * missing (RFC 4475's baddn ends so), an error in them says
		 * more than "truncated". */
		if (!m->malformed || buf[len - 1] != '\n')
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
			set_malformed(m, "bad Content-Length");
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
		set_malformed(m, "body shorter than Content-Length");
		clen = (long)avail;
	}
	m->body = sv_make(p, (size_t)clen);
	m->msg_len = m->header_len + (size_t)clen;
	extract_fields(m, 1);
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
