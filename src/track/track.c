/* track.c - transaction, dialog and call matching.  See track.h. */
#include <stdlib.h>
#include <string.h>

#include "sipscope/hmap.h"
#include "sipscope/track.h"
#include "sipscope/vec.h"

#include "track_int.h"

static const char *const state_names[] = {
	[CALL_STATE_NONE] = "pending",   [CALL_STATE_SETUP] = "setup",
	[CALL_STATE_RINGING] = "ringing", [CALL_STATE_IN_CALL] = "in_call",
	[CALL_STATE_COMPLETED] = "completed", [CALL_STATE_CANCELLED] = "cancelled",
	[CALL_STATE_BUSY] = "busy",      [CALL_STATE_REJECTED] = "rejected",
	[CALL_STATE_DIVERTED] = "diverted", [CALL_STATE_FAILED] = "failed",
};

const char *track_state_name(enum call_state s)
{
	return (unsigned)s < sizeof state_names / sizeof state_names[0] ? state_names[s] : "?";
}

const char *track_dialog_state_name(enum dlg_state s)
{
	switch (s) {
	case DLG_EARLY: return "early";
	case DLG_CONFIRMED: return "confirmed";
	case DLG_TERMINATED: return "terminated";
	}
	return "?";
}

struct tracker *track_new(struct store *s)
{
	struct tracker *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->s = s;
	hmap_init(&t->txn_index);
	hmap_init(&t->seen);
	hmap_init(&t->tokens);
	hmap_init(&t->by_callid);
	t->h_invite = sv_hash(sv_make("INVITE", 6));
	return t;
}

void track_free(struct tracker *t)
{
	if (!t)
		return;
	hmap_free(&t->txn_index);
	hmap_free(&t->seen);
	hmap_free(&t->tokens);
	hmap_free(&t->by_callid);
	free(t->txns);
	free(t->dlgs);
	free(t->calls);
	free(t->orphans);
	free(t->prev_msg);
	free(t);
}

size_t track_call_count(const struct tracker *t) { return t->ncalls; }

const struct call_info *track_call(const struct tracker *t, size_t idx)
{
	return idx < t->ncalls ? &t->calls[idx].info : NULL;
}

uint32_t track_call_root(const struct tracker *t, uint32_t call)
{
	if (!call || call > t->ncalls)
		return call;
	uint32_t root = t->calls[call - 1].info.root;
	return root ? root : call;
}

uint32_t track_find_call(const struct tracker *t, uint64_t h_call_id)
{
	uint32_t id;
	return hmap_get(&t->by_callid, h_call_id, &id) ? id : 0;
}

size_t track_txn_count(const struct tracker *t) { return t->ntxns; }

const struct txn_info *track_txn(const struct tracker *t, uint32_t id)
{
	return id && id <= t->ntxns ? &t->txns[id - 1].info : NULL;
}

size_t track_dialog_count(const struct tracker *t) { return t->ndlgs; }

const struct dlg_info *track_dialog(const struct tracker *t, uint32_t id)
{
	return id && id <= t->ndlgs ? &t->dlgs[id - 1] : NULL;
}

static int has_cookie(struct sv branch)
{
	return branch.len > 7 && memcmp(branch.p, MAGIC_COOKIE, 7) == 0;
}


/* RFC 3261 17.1.3 / 17.2.3: branch + sent-by + method, where ACK for a
 * non-2xx shares the INVITE's key; RFC 2543 fallback without cookie. */
static uint64_t txn_key(const struct track_input *m, uint64_t h_method)
{
	uint64_t k = h_method;
	if (m->branch_cookie) {
		/* 17.2.3 needs only branch, sent-by and method; Call-ID and CSeq
		 * keep apart the calls of a UA that reuses branches. */
		k = hmap_mix(k, m->h_branch);
		k = hmap_mix(k, m->h_call_id);
		k = hmap_mix(k, m->cseq);
		return hmap_mix(k, m->h_sent_by);
	}
	k = hmap_mix(k, m->h_call_id);
	k = hmap_mix(k, m->h_from_tag);
	k = hmap_mix(k, m->cseq);
	k = hmap_mix(k, m->h_sent_by);
	return hmap_mix(k, m->h_branch);
}

/* The same request on every hop: From tag, CSeq and method (and the
 * Call-ID, which picks the call) do not change when a proxy forwards it
 * (RFC 3261 16.6). */
static uint32_t logical_key(const struct track_input *m)
{
	uint64_t k = hmap_mix(hmap_mix(m->h_from_tag, m->cseq), m->h_method);
	return (uint32_t)(k >> 32) | 1; /* never 0: 0 marks an empty slot */
}

static uint32_t txn_new(struct tracker *t, uint64_t key, size_t idx, const struct track_input *m,
                        struct call_rec *c)
{
	if (vec_grow((void **)&t->txns, &t->cap_txns, t->ntxns + 1, sizeof *t->txns))
		return 0;
	uint32_t id = (uint32_t)t->ntxns + 1;
	if (hmap_put(&t->txn_index, key, id) < 0)
		return 0;
	struct txn_rec *x = &t->txns[t->ntxns++];
	memset(x, 0, sizeof *x);
	x->key = key;
	x->info.first_msg = (uint32_t)idx + 1;
	x->info.method = m->method;
	x->info.origin = id;
	if (c) {
		uint32_t lk = logical_key(m);
		for (uint32_t i = 0; i < CALL_RECENT_TXNS; i++)
			if (c->recent_key[i] == lk) {
				x->info.origin = t->txns[c->recent_txn[i] - 1].info.origin;
				return id;
			}
		uint32_t slot = c->nrecent++ % CALL_RECENT_TXNS;
		c->recent_key[slot] = lk;
		c->recent_txn[slot] = id;
	}
	return id;
}

/* Has this transaction carried this message signature before?  Records it
 * when not.  Returns 1 seen, 0 new, -1 out of memory. */
static int txn_seen(struct tracker *t, struct txn_rec *x, uint64_t sig)
{
	uint8_t n = x->info.nseen;
	uint32_t hi = (uint32_t)(sig >> 32);
	for (uint8_t i = 0; i < n && i < TXN_SEEN_INLINE; i++)
		if (x->seen[i] == hi)
			return 1;
	uint32_t dummy;
	if (n >= TXN_SEEN_INLINE && hmap_get(&t->seen, sig, &dummy))
		return 1;
	if (n < TXN_SEEN_INLINE)
		x->seen[n] = hi;
	else if (hmap_put(&t->seen, sig, 1) < 0)
		return -1;
	if (n < 255)
		x->info.nseen++;
	return 0;
}

/* Has this call carried these very bytes on this hop before?  Records
 * them when not.  Keyed by endpoint ids and the Call-ID's hash, which
 * track_evict() never changes; the table is forgotten there all the same
 * (as the overflow signatures are), so its size follows the calls kept.
 * Returns 1 seen, 0 new, -1 out of memory. */
static int bytes_seen(struct tracker *t, const struct store_msg *r, const struct track_input *m)
{
	uint64_t sig = hmap_mix(hmap_mix(m->h_bytes, m->h_call_id), ((uint64_t)r->src << 32) | r->dst);
	sig = hmap_mix(sig, 0xb17e5);  /* apart from the transaction signatures */
	uint32_t dummy;
	if (hmap_get(&t->seen, sig, &dummy))
		return 1;
	return hmap_put(&t->seen, sig, 1) < 0 ? -1 : 0;
}

#define VIALESS_LOOKBACK 256 /* messages of the leg searched for the request */

/* A response with no Via at all has no branch to match (RFC 3261 17.1.3),
 * and its UAC drops it (18.1.2); yet it was sent, and an observer can
 * still tell which request it answers the way RFC 2543 matched: Call-ID
 * (the leg), From tag, CSeq number and method, and the hop, reversed.
 * The From tag is known through the leg's recent requests: a request
 * older than those is not looked for (the response stays unmatched, as
 * any response whose request was not seen).  Returns the transaction,
 * or 0. */
static uint32_t txn_of_vialess(struct tracker *t, const struct store_msg *r, const struct track_input *m,
                               uint32_t call)
{
	struct call_rec *c = &t->calls[call - 1];
	uint32_t lk = logical_key(m), origin = 0;
	for (uint32_t i = 0; i < CALL_RECENT_TXNS && !origin; i++)
		if (c->recent_key[i] == lk)
			origin = t->txns[c->recent_txn[i] - 1].info.origin;
	if (!origin)
		return 0;
	uint32_t n = 0;
	for (uint32_t i = c->info.nmsgs ? c->info.last_msg + 1 : 0; i && n < VIALESS_LOOKBACK;
	     i = track_prev_in_call(t, i - 1), n++) {
		const struct store_msg *q = store_msg_at(t->s, i - 1);
		if (q && q->flags & STORE_MSG_REQUEST && !q->malformed && q->txn && q->method == m->method &&
		    q->cseq == m->cseq && q->src == r->dst && q->dst == r->src &&
		    t->txns[q->txn - 1].info.origin == origin)
			return q->txn;
	}
	return 0;
}

static int creates_dialog(uint8_t method)
{
	return method == SIP_M_INVITE || method == SIP_M_SUBSCRIBE ||
	       method == SIP_M_REFER || method == SIP_M_NOTIFY;
}

/* Dialog of Call-ID + the two tags (order-free) within leg `call`; made
 * (in state `create`) when asked and absent. */
static uint32_t dialog_of(struct tracker *t, uint32_t call, const struct track_input *m,
                          enum dlg_state create, size_t idx, uint32_t txn)
{
	if (!call || !m->has_from_tag || !m->has_to_tag)
		return 0;
	uint64_t a = m->h_from_tag, b = m->h_to_tag;
	uint64_t key = a < b ? hmap_mix(a, b) : hmap_mix(b, a);
	struct call_rec *c = &t->calls[call - 1];
	if (c->dlg_id && c->dlg_key == key)
		return c->dlg_id;
	for (uint32_t id = c->first_dlg; id; id = t->dlgs[id - 1].next)
		if (t->dlgs[id - 1].key == key) {
			c->dlg_key = key;
			c->dlg_id = id;
			return id;
		}
	if (!create || vec_grow((void **)&t->dlgs, &t->cap_dlgs, t->ndlgs + 1, sizeof *t->dlgs))
		return 0;
	struct dlg_info *d = &t->dlgs[t->ndlgs++];
	memset(d, 0, sizeof *d);
	d->key = key;
	d->call = call;
	d->first_msg = (uint32_t)idx + 1;
	d->txn = txn;
	d->state = (uint8_t)create;
	d->method = txn ? t->txns[txn - 1].info.method : m->method;
	d->next = c->first_dlg;
	c->first_dlg = (uint32_t)t->ndlgs;
	c->dlg_key = key;
	c->dlg_id = (uint32_t)t->ndlgs;
	c->info.ndialogs++;
	return (uint32_t)t->ndlgs;
}

void track_lru_unlink(struct tracker *t, uint32_t id)
{
	struct call_rec *c = &t->calls[id - 1];
	if (c->lru_prev)
		t->calls[c->lru_prev - 1].lru_next = c->lru_next;
	else if (t->lru_head == id)
		t->lru_head = c->lru_next;
	if (c->lru_next)
		t->calls[c->lru_next - 1].lru_prev = c->lru_prev;
	else if (t->lru_tail == id)
		t->lru_tail = c->lru_prev;
	c->lru_prev = c->lru_next = 0;
}

void track_lru_append(struct tracker *t, uint32_t id)
{
	struct call_rec *c = &t->calls[id - 1];
	c->lru_prev = t->lru_tail;
	c->lru_next = 0;
	if (t->lru_tail)
		t->calls[t->lru_tail - 1].lru_next = id;
	else
		t->lru_head = id;
	t->lru_tail = id;
}

/* A message of leg `call` arrived at `seen`: the leg and its root are the
 * most recently active (O(1)). */
static void call_touch(struct tracker *t, uint32_t call, int64_t seen)
{
	struct call_rec *leg = &t->calls[call - 1];
	if (seen > leg->seen_last)
		leg->seen_last = seen;
	uint32_t root = track_call_root(t, call);
	struct call_rec *r = &t->calls[root - 1];
	if (seen > r->seen_last)
		r->seen_last = seen;
	if (t->lru_tail != root) {
		track_lru_unlink(t, root);
		track_lru_append(t, root);
	}
}

static int64_t msg_arrival(const struct store_msg *r, const struct track_input *m)
{
	return m->arrival_us ? m->arrival_us : r->ts_us;
}

/* Union of two legs: the older call stays the root; the younger one (and
 * its legs) are listed under it. */
static void call_merge(struct tracker *t, uint32_t a, uint32_t b)
{
	a = track_call_root(t, a);
	b = track_call_root(t, b);
	if (a == b)
		return;
	if (b < a) {
		uint32_t tmp = a;
		a = b;
		b = tmp;
	}
	struct call_rec *ra = &t->calls[a - 1], *rb = &t->calls[b - 1];
	t->nroots--;
	track_lru_unlink(t, b); /* a leg now: its activity is a's */
	if (rb->seen_last > ra->seen_last)
		ra->seen_last = rb->seen_last;
	/* b and the legs under it move under a. */
	for (uint32_t l = b; l; l = t->calls[l - 1].info.next_leg)
		t->calls[l - 1].info.root = a;
	uint32_t tail = ra->last_leg ? ra->last_leg : a;
	t->calls[tail - 1].info.next_leg = b;
	ra->last_leg = rb->last_leg ? rb->last_leg : b;
	rb->last_leg = 0;
}

/* Tokens shared by the legs of one call merge them (RFC 7989 Session-ID,
 * X-Call-ID naming the other leg's Call-ID, a user-named header). */
static void call_correlate(struct tracker *t, uint32_t call, const uint64_t *tokens, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!tokens[i])
			continue;
		uint32_t other;
		if (hmap_get(&t->tokens, tokens[i], &other)) {
			if (other != call)
				call_merge(t, other, call);
		} else {
			hmap_put(&t->tokens, tokens[i], call);
		}
	}
}

static struct call_info *call_for(struct tracker *t, struct store_msg *r, const struct track_input *m,
                                  size_t idx)
{
	uint32_t known = track_find_call(t, m->h_call_id);
	if (known)
		return &t->calls[known - 1].info;
	if (vec_grow((void **)&t->calls, &t->cap_calls, t->ncalls + 1, sizeof *t->calls) ||
	    hmap_put(&t->by_callid, m->h_call_id, (uint32_t)t->ncalls + 1) < 0)
		return NULL;
	struct call_rec *cr = &t->calls[t->ncalls++];
	t->nroots++;
	memset(cr, 0, sizeof *cr);
	cr->number = ++t->ncalls_ever;
	struct call_info *c = &cr->info;
	c->call_id = r->call_id;
	c->from = m->from_uri;
	c->to = m->to_uri;
	c->method = r->method;
	c->first_msg = (uint32_t)idx;
	c->start_us = r->ts_us;
	c->state = r->method == SIP_M_INVITE && r->flags & STORE_MSG_REQUEST ? CALL_STATE_SETUP
	                                                                      : CALL_STATE_NONE;
	cr->seen_first = cr->seen_last = msg_arrival(r, m);
	track_lru_append(t, (uint32_t)t->ncalls);
	/* Its own Call-ID is a token: a leg naming it in X-Call-ID joins it. */
	call_correlate(t, (uint32_t)t->ncalls, &m->h_call_id, 1);
	return c;
}

static enum call_state invite_final_state(uint16_t status)
{
	if (status < 300)
		return CALL_STATE_IN_CALL;
	if (status < 400)
		return CALL_STATE_DIVERTED;
	if (status == 487)
		return CALL_STATE_CANCELLED;
	if (status == 486 || status == 600)
		return CALL_STATE_BUSY;
	if (status == 408)
		return CALL_STATE_FAILED;
	return CALL_STATE_REJECTED;
}

/* Call state from the initial transaction's responses, and BYE/CANCEL. */
static void call_update(struct call_info *c, const struct store_msg *r)
{
	int is_req = r->flags & STORE_MSG_REQUEST;
	if (r->flags & STORE_MSG_RETRANS)
		return;
	if (r->txn == c->first_txn && !is_req && r->status >= 100) {
		if (c->method == SIP_M_INVITE) {
			if (r->status > 100 && r->status < 200 && !c->ring_us)
				c->ring_us = r->ts_us;
			if ((r->status == 180 || r->status == 183) && c->state == CALL_STATE_SETUP)
				c->state = CALL_STATE_RINGING;
			if (r->status >= 200 && !c->final_status) {
				c->final_status = r->status;
				c->final_us = r->ts_us;
				c->state = invite_final_state(r->status);
				if (r->status < 300)
					c->answer_us = r->ts_us;
			}
		} else if (r->status >= 200 && !c->final_status) {
			c->final_status = r->status;
			c->final_us = r->ts_us;
			c->state = r->status == 408 ? CALL_STATE_FAILED : CALL_STATE_COMPLETED;
		}
	}
	if (c->method != SIP_M_INVITE)
		return;
	if (is_req && r->method == SIP_M_BYE && c->state == CALL_STATE_IN_CALL) {
		c->state = CALL_STATE_COMPLETED;
		c->bye_us = r->ts_us;
	} else if (is_req && r->method == SIP_M_CANCEL && c->state <= CALL_STATE_RINGING) {
		c->state = CALL_STATE_CANCELLED;
	} else if (!is_req && r->method == SIP_M_BYE && r->status >= 200 && c->bye_us &&
	           !c->bye_ok_us) {
		c->bye_ok_us = r->ts_us; /* RFC 6076 SDD ends here */
	}
}

/* Dialog states (RFC 3261 12, 13.2.2.4, 15). */
static void dialog_update(struct tracker *t, struct store_msg *r, struct txn_rec *x, uint8_t mid,
                          int is_req)
{
	struct dlg_info *d = r->dialog ? &t->dlgs[r->dialog - 1] : NULL;
	if (!is_req && creates_dialog(x->info.method)) {
		if (r->status >= 200 && r->status < 300 && d && d->state == DLG_EARLY)
			d->state = DLG_CONFIRMED;
		if (r->status >= 300) {
			/* A non-2xx final ends every early dialog of the request. */
			uint32_t txn = (uint32_t)(x - t->txns) + 1;
			uint32_t call = r->call;
			for (uint32_t id = call ? t->calls[call - 1].first_dlg : 0; id; id = t->dlgs[id - 1].next)
				if (t->dlgs[id - 1].txn == txn && t->dlgs[id - 1].state == DLG_EARLY)
					t->dlgs[id - 1].state = DLG_TERMINATED;
		}
	}
	if (is_req && mid == SIP_M_BYE && d)
		d->state = DLG_TERMINATED;
}

/* Chain idx to the message before it in its leg.  Written at idx, which
 * grows with every message: appends, not random writes into the past. */
static int link_prev(struct tracker *t, size_t idx, uint32_t prev)
{
	if (idx >= t->cap_prev) {
		size_t old = t->cap_prev;
		if (vec_grow((void **)&t->prev_msg, &t->cap_prev, idx + 1, sizeof *t->prev_msg) < 0)
			return -1;
		memset(t->prev_msg + old, 0, (t->cap_prev - old) * sizeof *t->prev_msg);
	}
	t->prev_msg[idx] = prev;
	return 0;
}

int track_msg(struct tracker *t, size_t idx, const struct track_input *m)
{
	struct store_msg *r = store_msg_at(t->s, idx);
	int rc = 0;
	if (!r)
		return -1;
	if (r->ts_us > t->last_ts)
		t->last_ts = r->ts_us;
	if (msg_arrival(r, m) > t->last_seen)
		t->last_seen = msg_arrival(r, m);
	int is_req = r->flags & STORE_MSG_REQUEST;
	struct call_info *c = r->call_id ? call_for(t, r, m, idx) : NULL;
	if (r->call_id && !c)
		rc = -1;
	uint32_t call = c ? (uint32_t)((struct call_rec *)c - t->calls) + 1 : 0;
	r->call = call;
	if (call)
		call_correlate(t, call, m->h_corr, sizeof m->h_corr / sizeof m->h_corr[0]);
	if (!m->malformed || m->cseq_valid) {
		uint8_t mid = m->method;
		uint32_t txn = 0, inv = 0;
		int ack_non2xx = 0;
		if (is_req && m->branch_cookie && (mid == SIP_M_ACK || mid == SIP_M_CANCEL) &&
		    hmap_get(&t->txn_index, txn_key(m, t->h_invite), &inv)) {
			/* The ACK of a non-2xx is part of the INVITE transaction
			 * (17.1.1.3); a CANCEL names its INVITE by branch (9.1). */
			if (mid == SIP_M_ACK && t->txns[inv - 1].info.final_status >= 300) {
				txn = inv;
				ack_non2xx = 1;
			}
		}
		uint64_t key = txn_key(m, m->h_method);
		if (!txn && !hmap_get(&t->txn_index, key, &txn) && is_req) {
			txn = txn_new(t, key, idx, m, call ? &t->calls[call - 1] : NULL);
			if (!txn)
				rc = -1;
			else if (mid == SIP_M_CANCEL)
				t->txns[txn - 1].info.cancels = inv;
		}
		if (!txn && !is_req && m->no_via && call)
			txn = txn_of_vialess(t, r, m, call);
		r->txn = txn;
		if (txn) {
			struct txn_rec *x = &t->txns[txn - 1];
			if (!is_req) {
				r->request_msg = x->info.first_msg;
				if (r->status > 100 && r->status < 200 && !x->info.prov_msg)
					x->info.prov_msg = (uint32_t)idx + 1;
				if (r->status >= 200 && !x->info.final_status) {
					x->info.final_status = r->status;
					x->info.final_msg = (uint32_t)idx + 1;
				}
			}
			/* Same transaction, same hop, same message: a retransmission.
			 * The To tag keeps forked 2xx apart (RFC 3261 13.2.2.4).  The
			 * transaction goes in by its key, not its id, and endpoint
			 * ids never change: track_evict() renumbers transactions.
			 * A malformed message's fields are not to be trusted so
			 * far: only its very bytes repeated make it one (below). */
			if (!m->malformed) {
				uint64_t sig = hmap_mix(x->key, ((uint64_t)r->src << 32) | r->dst);
				sig = hmap_mix(sig, is_req ? (uint64_t)mid << 16 | 1 : r->status);
				sig = hmap_mix(sig, m->h_to_tag);
				sig = hmap_mix(sig, m->cseq);
				int seen = txn_seen(t, x, sig);
				if (seen > 0)
					r->flags |= STORE_MSG_RETRANS;
				else if (seen < 0)
					rc = -1;
			}
			/* Dialogs: made by a 1xx-with-tag (early) or 2xx (confirmed)
			 * to a dialog-creating request (12.1); an in-dialog request
			 * for a dialog never seen start (capture began mid-call) makes
			 * it known; the ACK of a non-2xx may join one, never make one. */
			enum dlg_state make = 0;
			if (!is_req && creates_dialog(x->info.method) && r->status > 100 && r->status < 300)
				make = r->status < 200 ? DLG_EARLY : DLG_CONFIRMED;
			else if (is_req && mid != SIP_M_CANCEL && !ack_non2xx)
				make = DLG_CONFIRMED;
			r->dialog = dialog_of(t, call, m, make, idx, txn);
			if (r->dialog && !x->info.dialog)
				x->info.dialog = r->dialog;
			dialog_update(t, r, x, mid, is_req);
			/* The initial request and its 100 come before the dialog
			 * exists; track_finish() lets them join it. */
			if (!r->dialog && creates_dialog(x->info.method) &&
			    !vec_grow((void **)&t->orphans, &t->cap_orphans, t->norphans + 1,
			              sizeof *t->orphans))
				t->orphans[t->norphans++] = (uint32_t)idx;
		} else {
			r->dialog = dialog_of(t, call, m, 0, idx, 0);
		}
	}
	/* What no transaction signature judged (a malformed message, a
	 * response to a request never seen) repeats an earlier one when its
	 * bytes do, within the call and on the same hop. */
	if (c && m->h_bytes && (m->malformed || !r->txn)) {
		int seen = bytes_seen(t, r, m);
		if (seen > 0)
			r->flags |= STORE_MSG_RETRANS;
		else if (seen < 0)
			rc = -1;
	}
	if (!c)
		return rc;
	if (!c->first_txn && is_req)
		c->first_txn = r->txn;
	/* A request re-sent with credentials after 401/407 (RFC 3261 22.2)
	 * takes over as the call's initial transaction. */
	if (is_req && r->txn && r->txn != c->first_txn && r->method == c->method &&
	    (c->final_status == 401 || c->final_status == 407) &&
	    !(r->flags & STORE_MSG_RETRANS)) {
		c->first_txn = r->txn;
		c->final_status = 0;
		c->final_us = 0;
		c->ring_us = 0;
		c->state = c->method == SIP_M_INVITE ? CALL_STATE_SETUP : CALL_STATE_NONE;
	}
	/* Each leg's messages are chained, so a call's messages are found
	 * without walking the capture between its first and last. */
	if (link_prev(t, idx, c->nmsgs ? c->last_msg + 1 : 0) < 0)
		rc = -1;
	c->nmsgs++;
	c->last_msg = (uint32_t)idx;
	if (r->ts_us > c->end_us)
		c->end_us = r->ts_us;
	call_update(c, r);
	call_touch(t, call, msg_arrival(r, m));
	return rc;
}

uint32_t track_prev_in_call(const struct tracker *t, size_t idx)
{
	return idx < t->cap_prev ? t->prev_msg[idx] : 0;
}

void track_prefetch_call(const struct tracker *t, uint64_t h_call_id)
{
	hmap_prefetch(&t->by_callid, h_call_id);
}

void track_prefetch(const struct tracker *t, const struct track_input *m)
{
	hmap_prefetch(&t->txn_index, txn_key(m, m->h_method));
}

void track_finish(struct tracker *t)
{
	for (size_t i = 0; i < t->norphans; i++) {
		struct store_msg *r = store_msg_at(t->s, t->orphans[i]);
		if (!r->dialog && r->txn && t->txns[r->txn - 1].info.dialog)
			r->dialog = t->txns[r->txn - 1].info.dialog;
	}
	t->norphans = 0;
	/* No final response and the capture went on past Timer B/F: failed.
	 * (A call still ringing when the capture ended stays as it was.) */
	for (size_t i = 0; i < t->ncalls; i++) {
		struct call_info *c = &t->calls[i].info;
		int open = c->method == SIP_M_INVITE
		           ? c->state == CALL_STATE_SETUP || c->state == CALL_STATE_RINGING
		           : c->state == CALL_STATE_NONE && c->first_txn;
		if (open && t->last_ts - c->start_us > TIMER_B_US)
			c->state = CALL_STATE_FAILED;
	}
}

/* Tokens of the B2BUA legs: RFC 7989 UUIDs (the all-zero one means "not
 * known yet" and joins nothing), X-Call-ID / X-CID / a named header. */
static uint64_t token_hash(struct sv v)
{
	v = sv_trim(v);
	if (!v.len)
		return 0;
	int zero = 1;
	for (size_t i = 0; i < v.len; i++)
		if (v.p[i] != '0')
			zero = 0;
	return zero ? 0 : hmap_mix(sv_hash(v), 0x7c0ffee);
}

void track_input_from_sip(struct track_input *in, const struct sip_msg *m, const char *corr_header)
{
	memset(in, 0, sizeof *in);
	struct sv meth = m->is_request ? m->method : m->cseq_method;
	in->method = (uint8_t)sip_method_from_sv(meth);
	in->h_method = sv_hash(meth);
	in->h_call_id = sv_hash(m->call_id);
	in->h_from_tag = sv_hash(m->from_tag);
	in->h_to_tag = sv_hash(m->to_tag);
	in->h_branch = sv_hash(m->branch);
	in->h_sent_by = sv_hash(m->via_sent_by);
	in->has_from_tag = sv_is_set(m->from_tag);
	in->has_to_tag = sv_is_set(m->to_tag) && m->to_tag.len > 0;
	in->branch_cookie = (uint8_t)has_cookie(m->branch);
	in->cseq = m->cseq;
	in->cseq_valid = (uint8_t)m->cseq_valid;
	in->malformed = m->malformed != NULL;
	in->no_via = sip_header_get(m, SIP_H_VIA).p == NULL;
	in->response = !m->is_request;
	/* The other leg's Call-ID hashes like a Call-ID: it meets that call's
	 * own token. */
	struct sv v = sip_header_get(m, SIP_H_X_CALL_ID);
	if (!sv_is_set(v))
		v = sip_header_get(m, SIP_H_X_CID);
	if (sv_is_set(v) && sv_trim(v).len)
		in->h_corr[0] = sv_hash(sv_trim(v));
	v = sip_header_get(m, SIP_H_SESSION_ID);
	if (sv_is_set(v)) {
		const char *semi = memchr(v.p, ';', v.len);
		in->h_corr[1] = token_hash(sv_make(v.p, semi ? (size_t)(semi - v.p) : v.len));
		in->h_corr[2] = token_hash(sip_param_get(v, "remote"));
	}
	if (corr_header) {
		struct sv name = sv_make(corr_header, strlen(corr_header));
		for (size_t i = 0; i < m->nheaders; i++)
			if (m->headers[i].name.len == name.len && sv_eq_ci(m->headers[i].name, corr_header)) {
				in->h_corr[3] = token_hash(m->headers[i].value);
				break;
			}
	}
}

void track_input_set_bytes(struct track_input *in, const char *bytes, size_t len)
{
	in->h_bytes = 0;
	if (!in->malformed && !in->response)
		return;
	/* Eight bytes a step, one multiply each: far cheaper than the parse
	 * that came before.  Not proof against a crafted collision, which
	 * would at worst mark one message a retransmission. */
	uint64_t h = len, w;
	for (; len >= 8; bytes += 8, len -= 8) {
		memcpy(&w, bytes, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, bytes, len);
	in->h_bytes = hmap_mix(h, w) | 1; /* never 0: 0 means unset */
}

int64_t track_call_duration_us(const struct call_info *c, int64_t now_us)
{
	if (!c->answer_us)
		return -1;
	int64_t end = c->bye_us ? c->bye_us : c->end_us;
	if (!c->bye_us && c->state == CALL_STATE_IN_CALL && now_us > end)
		end = now_us;
	return end > c->answer_us ? end - c->answer_us : 0;
}

void track_call_totals(const struct tracker *t, uint32_t call, struct call_totals *out)
{
	const struct call_info *c = track_call(t, call - 1);
	out->nlegs = out->nmsgs = out->ndialogs = 0;
	out->start_us = c->start_us;
	out->end_us = c->end_us;
	for (uint32_t l = call; l; l = track_call(t, l - 1)->next_leg) {
		const struct call_info *leg = track_call(t, l - 1);
		out->nlegs++;
		out->nmsgs += leg->nmsgs;
		out->ndialogs += leg->ndialogs;
		if (leg->start_us < out->start_us)
			out->start_us = leg->start_us;
		if (leg->end_us > out->end_us)
			out->end_us = leg->end_us;
	}
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return (x > y) - (x < y);
}

long track_call_messages(const struct tracker *t, uint32_t call, size_t **out)
{
	struct call_totals tot;
	track_call_totals(t, call, &tot);
	size_t *v = malloc((tot.nmsgs ? tot.nmsgs : 1) * sizeof *v);
	if (!v)
		return -1;
	size_t n = 0;
	for (uint32_t l = call; l; l = track_call(t, l - 1)->next_leg) {
		const struct call_info *c = track_call(t, l - 1);
		if (!c->nmsgs)
			continue;
		size_t from = n;
		for (uint32_t i = c->last_msg + 1; i && n < tot.nmsgs; i = track_prev_in_call(t, i - 1))
			v[n++] = i - 1;
		for (size_t a = from, b = n; a + 1 < b; a++, b--) { /* the chain runs backwards */
			size_t x = v[a];
			v[a] = v[b - 1];
			v[b - 1] = x;
		}
	}
	if (tot.nlegs > 1)
		qsort(v, n, sizeof *v, cmp_size);
	*out = v;
	return (long)n;
}

long track_calls_messages(const struct tracker *t, const uint32_t *calls, size_t ncalls, int roots,
                          size_t **out)
{
	size_t *all = malloc(sizeof *all), n = 0, cap = 1, known = track_call_count(t);
	if (!all)
		return -1;
	for (size_t i = 0; i < ncalls; i++) {
		if (!calls[i] || calls[i] > known)
			continue;
		size_t *one;
		long k = track_call_messages(t, roots ? track_call_root(t, calls[i]) : calls[i], &one);
		if (k < 0 || vec_grow((void **)&all, &cap, n + (size_t)k + 1, sizeof *all) < 0) {
			if (k >= 0)
				free(one);
			free(all);
			return -1;
		}
		memcpy(all + n, one, (size_t)k * sizeof *one);
		n += (size_t)k;
		free(one);
	}
	if (ncalls > 1) /* one call's come in order already */
		qsort(all, n, sizeof *all, cmp_size);
	size_t u = 0;
	for (size_t i = 0; i < n; i++) /* a call given twice, or a leg and its root: once */
		if (!u || all[u - 1] != all[i])
			all[u++] = all[i];
	*out = all;
	return (long)u;
}
