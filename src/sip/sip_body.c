/* sip_body.c - the body of a SIP message: its SDP, found directly or
 * inside a multipart body (RFC 2046 5.1; RFC 5621).  See
 * include/sipscope/sip.h. */
#include <string.h>

#include "sip_msg_int.h"

/* The media type of a Content-Type value ("type/subtype", parameters
 * dropped) compared with a lower-case literal; `prefix` matches the
 * type only ("multipart/"). */
static int media_type_is(struct sv ct, const char *lit, int prefix)
{
	const char *semi = ct.p ? memchr(ct.p, ';', ct.len) : NULL;
	struct sv t = sv_trim(sv_make(ct.p, semi ? (size_t)(semi - ct.p) : ct.len));
	size_t n = strlen(lit);
	if (prefix)
		return t.len > n && sv_eq_ci(sv_make(t.p, n), lit);
	return sv_eq_ci(t, lit);
}

/* "--boundary" at the start of a line at or after p (at p itself only
 * when p is the start of the body); NULL when there is none. */
static const char *find_delimiter(const char *p, const char *end, const char *body,
                                  struct sv boundary)
{
	size_t need = boundary.len + 2;
	for (const char *q = p; (size_t)(end - q) >= need; q++) {
		q = memchr(q, '-', (size_t)(end - q) - need + 1);
		if (!q)
			return NULL;
		if (q[1] == '-' && (q == body || q[-1] == '\n') &&
		    memcmp(q + 2, boundary.p, boundary.len) == 0)
			return q;
	}
	return NULL;
}

static struct sv multipart_sdp(struct sv body, struct sv ct, int depth);

/* One body part [p, end): its headers, then after an empty line its
 * content.  Returns the SDP in it, or SV_NULL. */
static struct sv part_sdp(const char *p, const char *end, int depth)
{
	struct sv ct = SV_NULL;
	while (p < end) {
		const char *nl = line_end(p, end);
		if (!nl)
			return SV_NULL; /* no end of the part's headers */
		size_t ll = line_len(p, nl);
		const char *next = nl + 1;
		if (ll == 0) {
			p = next;
			break;
		}
		const char *colon = memchr(p, ':', ll);
		if (colon && (*p != ' ' && *p != '\t')) {
			struct sv name = sv_trim(sv_make(p, (size_t)(colon - p)));
			if (sv_eq_ci(name, "content-type"))
				ct = sv_trim(sv_make(colon + 1, (size_t)(p + ll - colon - 1)));
		}
		p = next;
		if (p == end)
			return SV_NULL;
	}
	struct sv content = sv_make(p, (size_t)(end - p));
	if (media_type_is(ct, "application/sdp", 0))
		return content.len ? content : SV_NULL;
	if (media_type_is(ct, "multipart/", 1))
		return multipart_sdp(content, ct, depth + 1);
	return SV_NULL;
}

/* RFC 2046 5.1.1: parts sit between "--boundary" lines; the CRLF before
 * a delimiter belongs to it; "--boundary--" closes. */
static struct sv multipart_sdp(struct sv body, struct sv ct, int depth)
{
	if (depth > 2)
		return SV_NULL;
	struct sv b = sip_param_get(ct, "boundary");
	if (b.len >= 2 && b.p[0] == '"' && b.p[b.len - 1] == '"')
		b = sv_make(b.p + 1, b.len - 2);
	if (b.len == 0 || b.len > 70) /* RFC 2046: 1 to 70 characters */
		return SV_NULL;
	const char *end = body.p + body.len;
	const char *d = find_delimiter(body.p, end, body.p, b);
	while (d) {
		const char *q = d + 2 + b.len;
		if (end - q >= 2 && q[0] == '-' && q[1] == '-')
			return SV_NULL; /* close delimiter */
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (q < end && *q == '\r')
			q++;
		if (q == end || *q != '\n') {
			/* "--boundaryX": a longer string, not a delimiter */
			d = find_delimiter(d + 1, end, body.p, b);
			continue;
		}
		const char *ps = q + 1;
		const char *next = find_delimiter(ps, end, body.p, b);
		const char *pe = next ? next : end;
		if (next && pe > ps && pe[-1] == '\n')
			pe--;
		if (next && pe > ps && pe[-1] == '\r')
			pe--;
		struct sv sdp = part_sdp(ps, pe, depth);
		if (sv_is_set(sdp))
			return sdp;
		d = next;
	}
	return SV_NULL;
}

struct sv sip_body_sdp(const struct sip_msg *m)
{
	if (!m->body.p || m->body.len == 0)
		return SV_NULL;
	struct sv ce = sip_header_get(m, SIP_H_CONTENT_ENCODING);
	if (sv_is_set(ce) && ce.len && !sv_eq_ci(ce, "identity"))
		return SV_NULL;
	struct sv ct = sip_header_get(m, SIP_H_CONTENT_TYPE);
	if (!sv_is_set(ct))
		return SV_NULL;
	if (media_type_is(ct, "application/sdp", 0))
		return m->body;
	if (media_type_is(ct, "multipart/", 1))
		return multipart_sdp(m->body, ct, 0);
	return SV_NULL;
}
