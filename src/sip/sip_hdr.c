/* sip_hdr.c - zero-copy parsers for SIP header values, see
 * include/sipscope/sip_hdr.h.
 *
 * Every scan works on a [p, end) pair and checks p < end before each read;
 * no helper looks at *end.  Failures go through a single exit that zeroes
 * the caller's output struct.
 *
 * This file: generic parameters, comma lists and the header iterator,
 * name-addr / addr-spec, Via.  URIs are in sip_uri.c, the other headers in
 * sip_hdr_misc.c, authentication in sip_auth.c, the scans they share in
 * sip_scan.h. */
#include <string.h>

#include "sip_scan.h"

/* ---- parameters and lists ------------------------------------------------- */

/* Next generic-param of *rest, items separated by `sep` with LWS around
 * separators and '='. */
int sip_scan_param(struct sv *rest, char sep, struct sip_param *prm)
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
	return sip_scan_param(rest, ';', p);
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
	while (sip_scan_param(&params, ';', &prm) == 1)
		if (sv_eq_ci(prm.name, name))
			return param_value(&prm);
	return SV_NULL;
}

/* Walk all params of a view, so that a malformed one anywhere fails the
 * header; `fn` (sip_scan.h) picks out the ones the caller wants. */
static int params_walk(struct sv params, param_fn fn, void *ctx)
{
	struct sip_param prm;
	int r;
	while ((r = sip_scan_param(&params, ';', &prm)) == 1)
		if (fn && fn(ctx, &prm) < 0)
			return -1;
	return r;
}

/* After the main part of a header value at p: nothing, or ';' params.
 * Sets *params (unset when there are none); returns 0 or -1. */
int sip_scan_tail_params(const char *p, const char *end, struct sv *params,
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
	if (sip_scan_tail_params(ue, end, &a->params, addr_param, a) < 0)
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
			if (p->quoted || sip_scan_port(p->value.p, e, &v->rport) != e)
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
const char *sip_scan_token_slash(const char *p, const char *end, struct sv *tok)
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
	if (!(p = sip_scan_token_slash(p, end, &v->proto_name)) ||
	    !(p = sip_scan_token_slash(p, end, &v->proto_version)))
		goto bad;
	const char *ts = p;
	p = skip_class(p, end, C_TOK);
	if (p == ts || p == end || !is_lws((unsigned char)*p))
		goto bad;
	v->transport = span(ts, p);
	p = skip_lws(p, end);
	const char *hs = p;
	if (!(p = sip_scan_host(p, end, &v->host, &v->host_type)))
		goto bad;
	const char *he = p;
	const char *q = skip_lws(p, end);
	if (q < end && *q == ':') {
		p = sip_scan_port(skip_lws(q + 1, end), end, &v->port);
		if (!p)
			goto bad;
		v->has_port = 1;
		he = p;
	}
	v->sent_by = span(hs, he);
	if (sip_scan_tail_params(p, end, &v->params, via_param, v) < 0)
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
