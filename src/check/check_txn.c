/* check_txn.c - rules on transactions (RFC 3261 17, 9, 13): Timers B, F
 * and C, retransmission timing, responses against their request, final
 * responses, ACK of a 2xx, CANCEL.  check_request() and check_response()
 * take each message through the rules of every area, in order. */
#include <string.h>

#include "check_int.h"
#include "sipscope/sip_hdr.h"

/* Hash of the Via branches, topmost first, and their number. */
static uint32_t via_branches(const struct sip_msg *m, uint8_t *count)
{
	struct sip_via v[MAX_VIAS];
	size_t n = sip_via_all(m, v, MAX_VIAS, NULL);
	uint64_t h = 7;
	for (size_t i = 0; i < n; i++)
		h = hmap_mix(h, sv_hash(v[i].branch));
	*count = (uint8_t)n;
	return (uint32_t)(h >> 32) | 1;
}

static const char *tp_name(uint8_t tp)
{
	static const char *const names[] = { "UDP", "TCP", "TLS", "WebSocket", "secure WebSocket",
	                                     "SCTP" };
	return tp < sizeof names / sizeof names[0] ? names[tp] : "a stream";
}

/* ---- timers ---- */

static void fire_txn(struct checker *c, uint32_t id, int timer_c)
{
	struct txn_st *x = check_txn_find(c, id);
	if (!x || x->final_msg || !x->req)
		return;
	const char *m = sip_method_name(x->method);
	if (x->method == SIP_M_INVITE && x->prov_us) {
		/* Proceeding: Timer B stopped.  Only a proxy runs Timer C (> 3
		 * min, restarted by each provisional, RFC 3261 16.7 step 2): on
		 * hops it forwarded (the request's copy on another hop). */
		const struct txn_info *ti = track_txn(c->t, id);
		int64_t last = x->prov_last_us ? x->prov_last_us : x->prov_us;
		if (!ti || !ti->origin || ti->origin == id)
			return;
		if (!timer_c || last + CHECK_TIMER_C_US > c->now) {
			check_queue_push(c, TIMER_TXN_C, last + CHECK_TIMER_C_US, id);
			return;
		}
	}
	if (x->method == SIP_M_CANCEL)
		check_report(c, x->req - 1, CHECK_CANCEL_UNANSWERED, -1,
		       "CANCEL got no response in 32 s (64*T1, Timer F): the UAS must answer it at once");
	else if (timer_c)
		check_report(c, x->req - 1, CHECK_NO_FINAL_RESPONSE, CHECK_WARNING,
		       "forwarded INVITE got no final response within 3 minutes of its last provisional "
		       "(Timer C, RFC 3261 16.7 step 2): the proxy should have cancelled it");
	else
		check_report(c, x->req - 1, CHECK_NO_FINAL_RESPONSE, -1,
		       "%s got no final response in 32 s (64*T1, Timer %s)%s", m ? m : "request",
		       x->method == SIP_M_INVITE ? "B" : "F",
		       x->method == SIP_M_INVITE ? " and no provisional either" : "");
}

static void decide_ack(struct checker *c, uint32_t k, int64_t now)
{
	struct ack_st *a = check_pool_at(&c->acks, (size_t)k + 1);
	if (a->decided || !a->msg)
		return;
	if (!a->ack_us) {
		if (a->n2xx < 3 && now - a->first_us < CHECK_TIMER_B_US)
			return; /* the capture ended too soon to tell: one lost ACK
			         * and a capture cut there look alike */
		a->decided = 1;
		if (a->n2xx > 1)
			check_report(c, a->msg - 1, CHECK_ACK_MISSING, -1,
			       "2xx to INVITE was never ACKed: sent %u times, no ACK with its CSeq and To tag "
			       "in the capture", a->n2xx);
		else
			check_report(c, a->msg - 1, CHECK_ACK_MISSING, -1,
			       "2xx to INVITE was never ACKed in the 32 s that followed");
		return;
	}
	a->decided = 1;
	if (a->late >= 2) {
		char ep[64] = "?";
		const struct store_endpoint *e = store_endpoint(c->s, a->src);
		if (e)
			store_endpoint_format(e, ep, sizeof ep);
		check_report(c, a->msg - 1, CHECK_ACK_MISSING, -1,
		       "2xx to INVITE was retransmitted %u times after it was ACKed: the ACKs never reached "
		       "%s (wrong Contact or route set, or NAT?)", a->late, ep);
	}
}

void check_run_timers(struct checker *c, int64_t now, int all)
{
	for (int kind = 0; kind < TIMER__COUNT; kind++) {
		struct queue *q = &c->timers[kind];
		while (q->head < q->tail && (all || q->q[q->head].due <= now)) {
			struct timer tm = q->q[q->head++];
			if (all && tm.due > now) {
				/* End of capture before the deadline: only a 2xx that
				 * was retransmitted with no ACK at all is decided. */
				if (kind == TIMER_ACK)
					decide_ack(c, tm.id - 1, now);
				continue;
			}
			if (kind == TIMER_ACK)
				decide_ack(c, tm.id - 1, now);
			else
				fire_txn(c, tm.id, kind == TIMER_TXN_C);
		}
		if (q->head == q->tail) {
			q->head = q->tail = 0;
		} else if (q->head > 4096 && q->head > q->tail / 2) {
			/* a busy capture never empties it: drop what was taken */
			memmove(q->q, q->q + q->head, (q->tail - q->head) * sizeof *q->q);
			q->tail -= q->head;
			q->head = 0;
		}
	}
}

/* ---- requests ---- */

/* The hop a proxy received this copy on: the family member sent to the
 * copy's sender (same address and port, else same address). */
static struct txn_st *incoming_hop(struct checker *c, uint32_t origin, const struct txn_st *x)
{
	const struct store_endpoint *me = store_endpoint(c->s, x->src);
	struct txn_st *host_match = NULL, *h;
	for (uint32_t id = origin; id && (h = check_txn_find(c, id)); id = h->family) {
		if (h == x || !h->req || h->src == x->src)
			continue; /* sent by the same side: not what the proxy received */
		if (h->dst == x->src)
			return h;
		const struct store_endpoint *e = store_endpoint(c->s, h->dst);
		if (me && e && e->family == me->family && !memcmp(e->addr, me->addr, me->family == 4 ? 4 : 16))
			host_match = h;
	}
	return host_match;
}

/* Is some earlier transaction of the same request on x's hop?  Then x
 * is a new transaction (reuse), not a proxy's copy. */
static int same_hop_as_family(const struct checker *c, uint32_t origin, const struct txn_st *x)
{
	const struct txn_st *h;
	for (uint32_t id = origin; id && (h = check_txn_find(c, id)); id = h->family) {
		if (h != x && h->req && h->src == x->src && h->dst == x->dst)
			return 1;
	}
	return 0;
}

/* A retransmission's timing (17.1.1.2, 17.1.2.2, 13.3.1.4): intervals
 * T1, 2*T1, 4*T1 ... (up to T2 for non-INVITE and 2xx). */
static void check_interval(struct checker *c, size_t idx, int64_t gap, int64_t *first_gap,
                           unsigned k, int capped, uint8_t *flagged, const char *what)
{
	if (k == 1) {
		*first_gap = gap;
		if (gap < CHECK_T1_US * 9 / 10 - 20000 && !(*flagged & 1)) {
			*flagged |= 1;
			check_report(c, idx, CHECK_RETRANS_TOO_EARLY, -1,
			       "%s retransmitted after %lld ms, sooner than T1 = 500 ms", what,
			       (long long)(gap / 1000));
		}
		return;
	}
	int64_t t1 = *first_gap > CHECK_T1_US ? *first_gap : CHECK_T1_US;
	int64_t want = t1;
	for (unsigned i = 1; i < k && want < (int64_t)1 << 40; i++)
		want *= 2;
	int64_t cap = CHECK_T2_US > t1 ? CHECK_T2_US : t1;
	if (capped && want > cap)
		want = cap;
	if (gap < want * 3 / 4 - 20000 && !(*flagged & 2)) {
		*flagged |= 2;
		check_report(c, idx, CHECK_RETRANS_INTERVAL, -1,
		       "%s retransmission %u came %lld ms after the previous one; doubling from T1 "
		       "wants about %lld ms", what, k, (long long)(gap / 1000), (long long)(want / 1000));
	}
}

void check_request(struct checker *c, struct view *v)
{
	struct store_msg *r = v->r;
	uint32_t id = r->txn;
	const struct txn_info *ti = id ? track_txn(c->t, id) : NULL;
	struct txn_st *x = check_txn_state(c, id);
	uint8_t mid = r->method;
	int own = ti && ti->method == mid; /* not the ACK of a non-2xx (its INVITE's) */
	char b[64];

	if (r->flags & STORE_MSG_RETRANS) {
		/* An ACK is repeated for each 2xx repeated, not on a timer. */
		if (!own || !x || !x->req || mid == SIP_M_ACK)
			return;
		int64_t gap = r->ts_us - x->last_us;
		x->last_us = r->ts_us;
		x->nretrans++;
		if (v->reliable) {
			if (!(x->flagged & 4)) {
				x->flagged |= 4;
				check_report(c, v->idx, CHECK_RETRANS_ON_RELIABLE, -1,
				       "%s retransmitted over %s: a reliable transport retransmits for it",
				       method_str(v, b, sizeof b), tp_name(r->transport));
			}
			return;
		}
		/* Within T1 (the round-trip estimate) the two may have crossed. */
		if (mid == SIP_M_INVITE && x->prov_us && r->ts_us > x->prov_us + CHECK_T1_US &&
		    !(x->flagged & 8)) {
			x->flagged |= 8;
			check_report(c, v->idx, CHECK_RETRANS_AFTER_PROVISIONAL, -1,
			       "INVITE retransmitted %lld ms after a provisional response was sent back: the "
			       "client did not get it (lost?), or ignores it",
			       (long long)((r->ts_us - x->prov_us) / 1000));
		}
		if (mid == SIP_M_INVITE && x->prov_us)
			return; /* past Proceeding the timing means little */
		check_interval(c, v->idx, gap, &x->first_gap, x->nretrans, mid != SIP_M_INVITE, &x->flagged,
		               sip_method_name(mid) ? sip_method_name(mid) : "request");
		return;
	}

	uint64_t logical = key3(0x7265, ti ? ti->origin : (uint64_t)v->idx + (1ULL << 40), mid);
	if (own && x && !x->req) {
		x->req = (uint32_t)v->idx + 1;
		x->first_us = x->last_us = r->ts_us;
		x->src = r->src;
		x->dst = r->dst;
		x->method = mid;
		x->ruri_h = h32(sv_trim(v->m.uri));
		x->from_tag_h = v->from_tag_h;
		x->to_tag_h = v->to_tag_h;
		x->to_uri_h = h32(sip_addr_uri(sip_header_get(&v->m, SIP_H_TO)));
		x->via_h = via_branches(&v->m, &x->nvia);
		x->mf = UINT32_MAX;
		struct sv mf = sip_header_get(&v->m, SIP_H_MAX_FORWARDS);
		uint32_t hops;
		if (sv_is_set(mf) && sip_max_forwards_parse(mf, &hops) == 0)
			x->mf = hops;
		struct route_list rr;
		check_routes_of(&v->m, SIP_H_RECORD_ROUTE, &rr);
		x->rr_off = rr.n ? check_arena_put(c, rr.h, rr.n) : 0;
		x->nrr = x->rr_off == UINT32_MAX ? 0 : rr.n;
		/* Relayed copies hang off the first hop (the tracker's origin). */
		if (ti->origin && ti->origin != id) {
			struct txn_st *o = check_txn_state(c, ti->origin);
			x = check_txn_state(c, id); /* the array may have moved */
			if (o && x) {
				x->family = o->family;
				o->family = id;
			}
		}
		if (x && mid != SIP_M_ACK)
			check_queue_push(c, TIMER_TXN, r->ts_us + CHECK_TIMER_B_US, id);
		if (x && v->has_sdp && (mid == SIP_M_INVITE || mid == SIP_M_UPDATE || mid == SIP_M_PRACK)) {
			x->offer_off = check_sdp_summary(c, v->sdp);
			x->offer_in_req = 1;
		}
	}
	if (!x)
		x = check_txn_state(c, id);

	check_content(c, v, logical);

	/* The caller moves on in the dialog (BYE, re-INVITE...) and the 2xx
	 * was never ACKed: no need to wait for Timer H to say so. */
	uint32_t ak;
	if (own && mid != SIP_M_ACK && mid != SIP_M_CANCEL && v->has_to_tag &&
	    hmap_get(&c->ack_last, hmap_mix(v->leg, v->to_tag_h), &ak)) {
		struct ack_st *a = check_pool_at(&c->acks, ak);
		if (!a->ack_us && !a->decided && a->caller_tag_h == v->from_tag_h) {
			a->decided = 1;
			check_report(c, a->msg - 1, CHECK_ACK_MISSING, -1,
			       "2xx to INVITE was never ACKed: sent %u time%s, then the caller sent %s in frame %llu "
			       "without an ACK", a->n2xx, a->n2xx == 1 ? "" : "s", method_str(v, b, sizeof b),
			       (unsigned long long)r->frame);
		}
	}

	if (mid == SIP_M_INVITE && v->m.cseq_valid &&
	    check_leg_put(c, LK_INVITES, hmap_mix(v->leg, v->m.cseq), 1) < 0)
		c->oom = 1;
	/* What keeps the call's state (live_leg): an INVITE out, a BYE in. */
	if (own && mid == SIP_M_INVITE)
		check_leg_note(c, LEG_INVITE);
	else if (own && mid == SIP_M_BYE)
		check_leg_note(c, LEG_BYE);

	/* Max-Forwards down by one on each proxy (16.6 step 3). */
	if (own && x && ti->origin && ti->origin != id && x->mf != UINT32_MAX &&
	    !same_hop_as_family(c, ti->origin, x)) {
		const struct txn_st *in = incoming_hop(c, ti->origin, x);
		if (in && in->mf != UINT32_MAX && x->mf >= in->mf)
			check_report(c, v->idx, CHECK_MAX_FORWARDS_NOT_DECREMENTED, -1,
			       "forwarded %s has Max-Forwards %u, the copy the proxy received had %u",
			       method_str(v, b, sizeof b), x->mf, in->mf);
	}

	/* The sender's CSeq order (copies on other hops are told apart
	 * inside), and the route set on the request's first hop. */
	if (own && x)
		check_cseq_order(c, v, id, x, ti->origin);
	if (own && ti && (ti->origin == id || !ti->origin) && mid != SIP_M_CANCEL)
		check_route_set(c, v);

	if (mid == SIP_M_ACK) {
		if (v->m.cseq_valid) {
			uint32_t one;
			int early = r->ts_us - c->first_us < CHECK_TIMER_B_US;
			if (!hmap_get(&c->invites, hmap_mix(v->leg, v->m.cseq), &one) &&
			    check_first_time(c, CHECK_ACK_WITHOUT_INVITE, logical))
				check_report(c, v->idx, CHECK_ACK_WITHOUT_INVITE, early ? CHECK_INFO : -1,
				       "ACK with CSeq %u acknowledges no INVITE of this call in the capture%s",
				       v->m.cseq, early ? " (the capture began less than 32 s before it)" : "");
			uint32_t k;
			if (v->has_to_tag &&
			    hmap_get(&c->ack_index, key3(v->leg, v->m.cseq, v->to_tag_h), &k)) {
				struct ack_st *a = check_pool_at(&c->acks, k);
				if (!a->ack_us) {
					a->ack_us = r->ts_us;
					a->ack_dst = r->dst;
				}
			}
			/* An offer in the 2xx is answered in the ACK (RFC 3264 with 13.2.1). */
			if (v->has_sdp && own && hmap_get(&c->ack_offer, hmap_mix(v->leg, v->m.cseq), &k) &&
			    ((struct ack_st *)check_pool_at(&c->acks, k))->offer_off)
				check_answer(c, v, ((struct ack_st *)check_pool_at(&c->acks, k))->offer_off, "2xx");
		}
		return;
	}
	if (mid == SIP_M_CANCEL && own && x) {
		uint32_t inv = ti->cancels;
		struct txn_st *ix = inv ? check_txn_state(c, inv) : NULL;
		x = check_txn_state(c, id);
		if (!ix || !ix->req) {
			if (check_first_time(c, CHECK_CANCEL_WITHOUT_INVITE, logical))
				check_report(c, v->idx, CHECK_CANCEL_WITHOUT_INVITE, -1,
				       "CANCEL matches no INVITE on its hop (branch, sent-by): the UAS answers 481");
			return;
		}
		/* Within T1 a CANCEL and the final response cross (RFC 3261 9.1). */
		if (ix->final_msg && ix->final_us + CHECK_T1_US < r->ts_us)
			check_report(c, v->idx, CHECK_CANCEL_AFTER_FINAL, -1,
			       "CANCEL sent %lld ms after the INVITE's final response %u (frame %llu): it has "
			       "no effect", (long long)((r->ts_us - ix->final_us) / 1000), ix->final_status,
			       (unsigned long long)store_msg_at(c->s, ix->final_msg - 1)->frame);
		const char *diff = NULL;
		if (ix->partial)
			return;
		if (x->ruri_h != ix->ruri_h)
			diff = "Request-URI";
		else if (v->m.cseq != store_msg_at(c->s, ix->req - 1)->cseq)
			diff = "CSeq number";
		else if (x->from_tag_h != ix->from_tag_h)
			diff = "From tag";
		else if (x->to_tag_h != ix->to_tag_h || x->to_uri_h != ix->to_uri_h)
			diff = "To";
		if (diff)
			check_report(c, v->idx, CHECK_CANCEL_MISMATCH, -1,
			       "CANCEL's %s differs from the INVITE's it cancels (frame %llu)", diff,
			       (unsigned long long)store_msg_at(c->s, ix->req - 1)->frame);
	}
}

/* ---- responses ---- */

static void note_2xx(struct checker *c, struct view *v, struct txn_st *x)
{
	uint64_t k = key3(v->leg, v->m.cseq, v->to_tag_h);
	size_t a = check_leg_lookup(c, LK_ACK, k, 1);
	if (!a)
		return;
	struct ack_st *s = check_pool_at(&c->acks, a);
	int64_t now = v->r->ts_us;
	if (!s->msg) {
		s->msg = (uint32_t)v->idx + 1;
		s->src = v->r->src;
		s->caller_tag_h = v->from_tag_h;
		if (check_leg_put(c, LK_ACK_LAST, hmap_mix(v->leg, v->to_tag_h), (uint32_t)a) < 0)
			c->oom = 1;
		s->first_us = s->last_us = now;
		s->n2xx = 1;
		check_queue_push(c, TIMER_ACK, now + CHECK_TIMER_B_US, (uint32_t)a);
		/* No offer in the INVITE: the 2xx makes it, the ACK answers. */
		if (v->has_sdp && x && !x->offer_in_req) {
			s->offer_off = check_sdp_summary(c, v->sdp);
			if (check_leg_put(c, LK_ACK_OFFER, hmap_mix(v->leg, v->m.cseq), (uint32_t)a) < 0)
				c->oom = 1;
		}
		return;
	}
	if (v->r->src != s->src)
		return; /* another hop's copy */
	int64_t gap = now - s->last_us;
	s->last_us = now;
	if (s->n2xx < UINT16_MAX)
		s->n2xx++;
	if (s->ack_us && now > s->ack_us + CHECK_T1_US && s->late < UINT16_MAX)
		s->late++;
	if (!v->reliable)
		check_interval(c, v->idx, gap, &s->first_gap, s->n2xx - 1u, 1, &s->flagged, "2xx to INVITE");
}

void check_response(struct checker *c, struct view *v)
{
	struct store_msg *r = v->r;
	const struct sip_msg *m = &v->m;
	char b[64];
	uint32_t id = r->txn;
	const struct txn_info *ti = id ? track_txn(c->t, id) : NULL;
	struct txn_st *x = id ? check_txn_state(c, id) : NULL;
	int is_2xx_invite = m->status >= 200 && m->status < 300 && r->method == SIP_M_INVITE;

	if (r->flags & STORE_MSG_RETRANS) {
		if (is_2xx_invite && v->has_to_tag)
			note_2xx(c, v, x);
		return;
	}
	uint64_t logical = key3(v->leg, ((uint64_t)m->cseq << 8) | r->method, v->to_tag_h);
	logical = hmap_mix(logical, (uint64_t)m->status);
	check_content(c, v, logical);

	if (!r->request_msg || !x || !x->req) {
		int early = r->ts_us - c->first_us < CHECK_TIMER_B_US;
		if (check_first_time(c, CHECK_RESPONSE_WITHOUT_REQUEST, logical))
			check_report(c, v->idx, CHECK_RESPONSE_WITHOUT_REQUEST, early ? CHECK_INFO : -1,
			       "%s (CSeq %u %.*s) answers no request seen on this hop%s",
			       method_str(v, b, sizeof b), m->cseq,
			       (int)(m->cseq_method.len > 32 ? 32 : m->cseq_method.len), m->cseq_method.p,
			       early ? " (the capture began less than 32 s before it)" : "");
		if (is_2xx_invite && v->has_to_tag)
			note_2xx(c, v, x);
		return;
	}
	const struct store_msg *req = store_msg_at(c->s, x->req - 1);
	/* An unchecked request left nothing of its headers to compare. */
	if (!x->partial) {
		const char *diff = NULL;
		if (r->call_id != req->call_id)
			diff = "Call-ID";
		else if (m->cseq != req->cseq || r->method != req->method)
			diff = "CSeq";
		else if (v->from_tag_h != x->from_tag_h)
			diff = "From tag";
		else if (x->to_tag_h && v->to_tag_h != x->to_tag_h)
			diff = "To tag";
		if (diff)
			check_report(c, v->idx, CHECK_RESPONSE_MISMATCH, -1,
			       "%s's %s differs from its request's (frame %llu)", method_str(v, b, sizeof b), diff,
			       (unsigned long long)req->frame);
		uint8_t nvia;
		uint32_t vh = via_branches(m, &nvia);
		if (m->first[SIP_H_VIA] >= 0 && (nvia != x->nvia || vh != x->via_h))
			check_report(c, v->idx, CHECK_RESPONSE_VIA_MISMATCH, -1,
			       "%s has %u Via value%s, not the %u of its request (frame %llu), or other branches",
			       method_str(v, b, sizeof b), nvia, nvia == 1 ? "" : "s", x->nvia,
			       (unsigned long long)req->frame);
	}
	if (m->status < 200) {
		if (!x->prov_us)
			x->prov_us = r->ts_us;
		if (m->status > 100)
			x->prov_last_us = r->ts_us;
	} else if (!x->final_msg) {
		x->final_msg = (uint32_t)v->idx + 1;
		x->final_us = r->ts_us;
		x->final_status = (uint16_t)m->status;
		x->final_to_tag_h = v->to_tag_h;
		if (x->method == SIP_M_INVITE)
			check_leg_note(c, LEG_INVITE_FINAL);
	} else {
		int forked = x->method == SIP_M_INVITE && m->status < 300 && x->final_status < 300 &&
		             v->to_tag_h != x->final_to_tag_h;
		if (!forked && (m->status != x->final_status || v->to_tag_h != x->final_to_tag_h))
			check_report(c, v->idx, CHECK_SECOND_FINAL_RESPONSE, -1,
			       "%s after the final response %u (frame %llu) of the same transaction",
			       method_str(v, b, sizeof b), x->final_status,
			       (unsigned long long)store_msg_at(c->s, x->final_msg - 1)->frame);
	}

	/* Record-Route copied into dialog-creating responses (12.1.1): the
	 * request's list on this hop must end the response's. */
	int dialog_maker = x->method == SIP_M_INVITE || x->method == SIP_M_SUBSCRIBE ||
	                   x->method == SIP_M_REFER || x->method == SIP_M_NOTIFY;
	if (dialog_maker && m->status > 100 && m->status < 300 && v->has_to_tag && x->nrr) {
		struct route_list rr;
		check_routes_of(m, SIP_H_RECORD_ROUTE, &rr);
		const uint32_t *want = c->arena + x->rr_off;
		int ok = rr.n >= x->nrr;
		for (uint8_t i = 0; ok && i < x->nrr; i++)
			ok = rr.h[rr.n - x->nrr + i] == want[i];
		if (!ok)
			check_report(c, v->idx, CHECK_RECORD_ROUTE_NOT_MIRRORED, -1,
			       "%s has %u Record-Route value%s; its request (frame %llu) had %u that it must "
			       "copy in order", method_str(v, b, sizeof b), rr.n, rr.n == 1 ? "" : "s",
			       (unsigned long long)req->frame, x->nrr);
	}

	if (is_2xx_invite && v->has_to_tag) {
		note_2xx(c, v, x);
		check_note_dialog(c, v, x, ti ? ti->origin : 0);
	}
	/* The answer to an offer made in the request (RFC 3264). */
	if (v->has_sdp && x->offer_off && x->offer_in_req && m->status > 100 && m->status < 300)
		check_answer(c, v, x->offer_off, sip_method_name(x->method) ? sip_method_name(x->method)
		                                                            : "request's");
}
