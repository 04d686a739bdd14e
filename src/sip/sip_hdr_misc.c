/* sip_hdr_misc.c - zero-copy parsers for the small SIP headers:
 * CSeq, Max-Forwards, Expires, RSeq/RAck, Content-Type and -Disposition,
 * Reason, Warning, Session-ID, Event, Subscription-State, Replaces and
 * token lists, see include/sipscope/sip_hdr.h. */
#include <string.h>

#include "sip_scan.h"

/* ---- small headers -------------------------------------------------------- */

/* A token at p; pointer after it or NULL when empty. */
const char *sip_scan_token(const char *p, const char *end, struct sv *tok)
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
	if (!(p = scan_num_lws(p, end, &c->seq)) || !(p = sip_scan_token(p, end, &c->method)) ||
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
	    !(p = sip_scan_token(p, end, &r->method)) || p != end || r->rseq == 0) {
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
	if (!(p = sip_scan_token_slash(p, end, &ct->type)) || !(p = sip_scan_token(p, end, &ct->subtype)) ||
	    sip_scan_tail_params(p, end, &ct->params, NULL, NULL) < 0) {
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
	if (!(p = sip_scan_token(p, end, &cd->type)) ||
	    sip_scan_tail_params(p, end, &cd->params, cdisp_param, cd) < 0) {
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
	if (!(p = sip_scan_token(p, end, &r->protocol)) ||
	    sip_scan_tail_params(p, end, &r->params, reason_param, r) < 0) {
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
	const char *q = sip_scan_host(as, p, &host, &type);
	if (q && q < p && *q == ':')
		q = sip_scan_port(q + 1, p, &port);
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
	if (!is_uuid(sid->local) || sip_scan_tail_params(p, end, &sid->params, sid_param, sid) < 0) {
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
	if (!(p = sip_scan_token(p, end, &e->package)) ||
	    sip_scan_tail_params(p, end, &e->params, event_param, e) < 0) {
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
	if (!(p = sip_scan_token(p, end, &ss->state)) ||
	    sip_scan_tail_params(p, end, &ss->params, substate_param, ss) < 0) {
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
	if (sip_scan_tail_params(p, end, &r->params, replaces_param, r) < 0 || !r->to_tag.p ||
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
		p = sip_scan_token(p, end, &tok);
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
