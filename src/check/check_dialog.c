/* check_dialog.c - rules on dialogs and the sender's requests in them
 * (RFC 3261 12): CSeq order and reuse, the route set Record-Route makes
 * and the Route of in-dialog requests. */
#include <string.h>
#include <strings.h>

#include "check_int.h"
#include "sipscope/sip_hdr.h"

/* URI of a Route / Record-Route entry reduced to what routing uses:
 * scheme, host (case-insensitive) and port. */
static uint32_t route_hash(const struct sip_addr *a)
{
	char buf[300];
	size_t n = 0;
	struct sv parts[2] = { a->uri.scheme_name, a->uri.host };
	for (int p = 0; p < 2; p++) {
		for (size_t i = 0; i < parts[p].len && n < sizeof buf - 8; i++)
			buf[n++] = (char)sv_lower((unsigned char)parts[p].p[i]);
		buf[n++] = '|';
	}
	n += (size_t)snprintf(buf + n, sizeof buf - n, "%u", a->uri.has_port ? a->uri.port : 0);
	return h32(sv_make(buf, n));
}

void check_routes_of(const struct sip_msg *m, enum sip_hdr_id id, struct route_list *out)
{
	struct sip_addr a[MAX_ROUTES];
	size_t n = sip_addr_all(m, id, NULL, a, MAX_ROUTES, NULL);
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < n; i++)
		out->h[i] = route_hash(&a[i]);
	out->n = (uint8_t)n;
	if (n) {
		out->first_lr = sv_is_set(sip_uri_param(&a[0].uri, "lr"));
		out->last_lr = sv_is_set(sip_uri_param(&a[n - 1].uri, "lr"));
		out->first_text = a[0].uri_text;
		out->last_text = a[n - 1].uri_text;
	}
}

/* A dialog of a leg: its two tags, in either order. */
uint64_t check_dialog_key(const struct view *v)
{
	uint64_t a = v->from_tag_h, b = v->to_tag_h;
	return hmap_mix(v->leg, a < b ? hmap_mix(a, b) : hmap_mix(b, a));
}

void check_cseq_order(struct checker *c, const struct view *v, uint32_t txn, struct txn_st *x,
                             uint32_t origin)
{
	uint8_t mid = v->r->method;
	if (mid == SIP_M_ACK || mid == SIP_M_CANCEL || !v->m.cseq_valid || !v->from_tag_h)
		return;
	/* One sender, by From tag, and inside a dialog by the dialog too:
	 * forked early dialogs each count from the INVITE's CSeq (RFC 3261
	 * 12.2.1.1), so PRACK 2 in each of them is right. */
	uint64_t dk = hmap_mix(v->leg, v->from_tag_h);
	uint64_t ddk = v->has_to_tag ? hmap_mix(dk, v->to_tag_h) : dk;
	uint32_t prev;
	int fresh = !hmap_get(&c->dir_index, ddk, &prev); /* the first request of this dialog */
	size_t d = check_leg_lookup(c, LK_DIR, ddk, 1);
	fresh = fresh && d;
	if (fresh && ddk != dk) {
		uint32_t parent;
		if (hmap_get(&c->dir_index, dk, &parent))
			*(struct dir_st *)check_pool_at(&c->dirs, d) =
				*(struct dir_st *)check_pool_at(&c->dirs, parent);
	}
	uint64_t ck = key3(ddk, v->m.cseq, 0x63);
	const struct cseq_st *p = hmap_get(&c->cseq_index, ck, &prev) ? check_pool_at(&c->cseqs, prev) : NULL;
	if (p && p->txn != txn) {
		const struct txn_st *o = origin ? check_txn_find(c, origin) : NULL;
		/* The same request on another hop is a proxy's copy, and so is a
		 * proxy's new branch on the same hop (serial forking, RFC 3261
		 * 16.6): only the request's own sender can reuse its CSeq. */
		int by_sender = !o || !o->req || o->src == x->src;
		if (p->req && (p->method != x->method || (p->src == x->src && p->dst == x->dst && by_sender)))
			check_report(c, v->idx, CHECK_CSEQ_REUSED, -1,
			       "new %.*s transaction reuses CSeq %u of the %s in frame %llu: a new request "
			       "must take a higher CSeq", (int)(v->m.method.len > 32 ? 32 : v->m.method.len),
			       v->m.method.p, v->m.cseq, sip_method_name(p->method) ? sip_method_name(p->method) : "request",
			       (unsigned long long)store_msg_at(c->s, p->req - 1)->frame);
		return;
	}
	if (!p && (prev = (uint32_t)check_leg_lookup(c, LK_CSEQ, ck, 1))) {
		struct cseq_st *n = check_pool_at(&c->cseqs, prev);
		n->txn = txn;
		n->req = x->req;
		n->src = x->src;
		n->dst = x->dst;
		n->method = x->method;
	}
	if (!d)
		return;
	struct dir_st *ds = check_pool_at(&c->dirs, d);
	/* A dialog's first request must go past the CSeq it inherited. */
	if (ds->seen && (v->m.cseq < ds->max_cseq || (fresh && ddk != dk && v->m.cseq == ds->max_cseq)))
		check_report(c, v->idx, CHECK_CSEQ_NOT_INCREASING, -1,
		       "CSeq %u is %s %u, sent earlier by the same side of the %s", v->m.cseq,
		       v->m.cseq < ds->max_cseq ? "lower than" : "not higher than", ds->max_cseq,
		       ddk != dk ? "dialog" : "call");
	if (!ds->seen || v->m.cseq > ds->max_cseq)
		ds->max_cseq = v->m.cseq;
	ds->seen = 1;
}

/* Does the URI name endpoint ep (its address, and its port when the URI
 * has one)?  A UA never record-routes itself: a "caller" or "callee" whose
 * address is in the Record-Route is a proxy, the end of the one hop the
 * capture holds, and its in-dialog requests rightly carry no Route for its
 * own entries. */
static int uri_is_ep(const struct checker *c, const struct sip_uri *u, uint32_t ep)
{
	if (!ep || !sv_is_set(u->host))
		return 0;
	const struct store_endpoint *e = store_endpoint(c->s, ep);
	char b[64];
	store_endpoint_format(e, b, sizeof b);
	/* "1.2.3.4:5060" or "[::1]:5060": the address is before the last ':' */
	char *colon = strrchr(b, ':');
	if (!colon)
		return 0;
	*colon = 0;
	const char *ip = b[0] == '[' ? b + 1 : b;
	size_t il = strlen(ip) - (b[0] == '[' ? 1 : 0);
	if (u->host.len != il || strncasecmp(u->host.p, ip, il) != 0)
		return 0;
	return !u->has_port || u->port == e->port;
}

void check_route_set(struct checker *c, const struct view *v)
{
	if (!v->has_to_tag || !v->from_tag_h)
		return;
	uint64_t dk = check_dialog_key(v);
	uint32_t d;
	if (!hmap_get(&c->dlg_index, dk, &d))
		return;
	const struct dlg_st *ds = check_pool_at(&c->dlgs, d);
	int caller = v->from_tag_h == ds->caller_tag_h && v->r->src == ds->caller_ep;
	int callee = v->from_tag_h == ds->callee_tag_h && v->r->src == ds->callee_ep;
	if (!caller && !callee)
		return; /* not seen leaving the UA: a proxy may have changed it */
	if (caller ? ds->caller_in_rr : ds->callee_in_rr)
		return; /* a record-routing proxy, not the UA (uri_is_ep) */
	if (ds->nrr && (caller ? ds->caller_strict : ds->callee_strict))
		return;   /* strict routing (RFC 2543): the route is in the Request-URI */
	struct route_list rt;
	check_routes_of(&v->m, SIP_H_ROUTE, &rt);
	const uint32_t *rr = ds->nrr ? c->arena + ds->rr_off : NULL; /* no list: maybe no arena */
	int same = rt.n == ds->nrr;
	for (uint8_t i = 0; same && i < rt.n; i++)
		same = rt.h[i] == (caller ? rr[ds->nrr - 1 - i] : rr[i]);
	if (same)
		return;
	char b[64];
	if (!ds->nrr)
		check_report(c, v->idx, CHECK_ROUTE_SET_IGNORED, -1,
		       "in-dialog %s carries Route %.*s though the dialog's route set is empty (no "
		       "Record-Route)", method_str(v, b, sizeof b),
		       (int)(rt.first_text.len > 100 ? 100 : rt.first_text.len), rt.first_text.p);
	else if (!rt.n)
		check_report(c, v->idx, CHECK_ROUTE_SET_IGNORED, -1,
		       "in-dialog %s has no Route, but Record-Route set a route set of %u entr%s (%s): it "
		       "bypasses the proxy", method_str(v, b, sizeof b), ds->nrr, ds->nrr == 1 ? "y" : "ies",
		       check_arena_text(c, ds->rr_text));
	else
		check_report(c, v->idx, CHECK_ROUTE_SET_IGNORED, -1,
		       "in-dialog %s's Route (%u entr%s, first %.*s) is not the dialog's route set (%u, "
		       "from Record-Route)", method_str(v, b, sizeof b), rt.n, rt.n == 1 ? "y" : "ies",
		       (int)(rt.first_text.len > 100 ? 100 : rt.first_text.len), rt.first_text.p, ds->nrr);
}

void check_note_dialog(struct checker *c, struct view *v, const struct txn_st *x, uint32_t origin)
{
	uint64_t dk = check_dialog_key(v);
	uint32_t have;
	check_leg_note(c, LEG_DIALOG);
	if (hmap_get(&c->dlg_index, dk, &have))
		return;
	size_t d = check_leg_lookup(c, LK_DLG, dk, 1);
	if (!d)
		return;
	struct dlg_st *ds = check_pool_at(&c->dlgs, d);
	struct route_list rr;
	check_routes_of(&v->m, SIP_H_RECORD_ROUTE, &rr);
	ds->caller_tag_h = v->from_tag_h;
	ds->callee_tag_h = v->to_tag_h;
	/* The caller as it sent the INVITE on its first hop; the callee as
	 * it sent this first 2xx. */
	const struct txn_st *o = origin ? check_txn_find(c, origin) : x;
	ds->caller_ep = o && o->req ? o->src : 0;
	ds->callee_ep = v->r->src;
	ds->rr_off = rr.n ? check_arena_put(c, rr.h, rr.n) : 0;
	ds->nrr = ds->rr_off == UINT32_MAX ? 0 : rr.n;
	ds->rr_text = rr.n ? check_arena_text_put(c, rr.first_text) : 0;
	ds->caller_strict = rr.n && !rr.last_lr;
	ds->callee_strict = rr.n && !rr.first_lr;
	struct sip_addr a[MAX_ROUTES];
	size_t n = rr.n ? sip_addr_all(&v->m, SIP_H_RECORD_ROUTE, NULL, a, MAX_ROUTES, NULL) : 0;
	for (size_t i = 0; i < n; i++) {
		ds->caller_in_rr |= (uint8_t)uri_is_ep(c, &a[i].uri, ds->caller_ep);
		ds->callee_in_rr |= (uint8_t)uri_is_ep(c, &a[i].uri, ds->callee_ep);
	}
}
