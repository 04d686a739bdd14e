/* track.c - transaction, dialog and call matching. */
#include <stdlib.h>
#include <string.h>

#include "sipscope/hmap.h"
#include "sipscope/track.h"
#include "sipscope/vec.h"

#define MAGIC_COOKIE "z9hG4bK"

#define TXN_SEEN_INLINE 6 /* message signatures kept in the transaction */
#define CALL_DLG_INLINE 2 /* dialogs kept in the call record */

/* Lookups stay in records already in cache: retransmission signatures
 * live in their transaction and dialogs in their call; only the rare
 * overflow (forking, long transactions) goes to the global tables. */
struct txn_info {
	uint32_t first_msg; /* index+1 of the request that opened it */
	uint32_t dialog;    /* dialog a response of it created or joined */
	uint16_t final_status;
	uint8_t method;
	uint8_t nseen;
	uint64_t seen[TXN_SEEN_INLINE];
};

struct call_rec {
	struct call_info info;
	uint64_t dlg_key[CALL_DLG_INLINE];
	uint32_t dlg_id[CALL_DLG_INLINE];
	uint32_t ndlg;
};

struct tracker {
	struct store *s;
	struct hmap txn_index;    /* txn key -> txn id */
	struct hmap dlg_index;    /* dialog key -> dialog id */
	struct hmap seen;         /* retransmission signature -> 1 */
	uint32_t *call_of_str;    /* interned Call-ID -> call id (dense ids) */
	size_t cap_call_of_str;
	struct txn_info *txns;
	size_t ntxns, cap_txns;
	uint32_t ndialogs;
	struct call_rec *calls;
	size_t ncalls, cap_calls;
	uint32_t *orphans;        /* messages that may join a dialog later */
	size_t norphans, cap_orphans;
};

static const char *const state_names[] = {
	[CALL_STATE_NONE] = "pending",   [CALL_STATE_SETUP] = "setup",
	[CALL_STATE_RINGING] = "ringing", [CALL_STATE_IN_CALL] = "in_call",
	[CALL_STATE_COMPLETED] = "completed", [CALL_STATE_CANCELLED] = "cancelled",
	[CALL_STATE_BUSY] = "busy",      [CALL_STATE_REJECTED] = "rejected",
};

const char *track_state_name(enum call_state s)
{
	return (unsigned)s < sizeof state_names / sizeof state_names[0] ? state_names[s] : "?";
}

struct tracker *track_new(struct store *s)
{
	struct tracker *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->s = s;
	hmap_init(&t->txn_index);
	hmap_init(&t->dlg_index);
	hmap_init(&t->seen);
	return t;
}

void track_free(struct tracker *t)
{
	if (!t)
		return;
	hmap_free(&t->txn_index);
	hmap_free(&t->dlg_index);
	hmap_free(&t->seen);
	free(t->call_of_str);
	free(t->txns);
	free(t->calls);
	free(t->orphans);
	free(t);
}

size_t track_call_count(const struct tracker *t) { return t->ncalls; }

const struct call_info *track_call(const struct tracker *t, size_t idx)
{
	return idx < t->ncalls ? &t->calls[idx].info : NULL;
}

static int has_cookie(struct sv branch)
{
	return branch.len > 7 && memcmp(branch.p, MAGIC_COOKIE, 7) == 0;
}

static uint64_t invite_hash(void)
{
	static uint64_t h;
	if (!h)
		h = sv_hash(sv_make("INVITE", 6));
	return h;
}

/* RFC 3261 17.1.3 / 17.2.3: branch + sent-by + method, where ACK for a
 * non-2xx shares the INVITE's key; RFC 2543 fallback without cookie. */
static uint64_t txn_key(const struct track_input *m, uint64_t h_method)
{
	uint64_t k = h_method;
	if (m->branch_cookie) {
		/* RFC 3261 17.2.3 needs only branch, sent-by and method; Call-ID
		 * and CSeq keep apart the calls of a UA that reuses branches. */
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

static uint32_t txn_new(struct tracker *t, uint64_t key, size_t idx, uint8_t method)
{
	if (vec_grow((void **)&t->txns, &t->cap_txns, t->ntxns + 1, sizeof *t->txns))
		return 0;
	uint32_t id = (uint32_t)t->ntxns + 1;
	if (hmap_put(&t->txn_index, key, id) < 0)
		return 0;
	struct txn_info *x = &t->txns[t->ntxns++];
	memset(x, 0, sizeof *x);
	x->first_msg = (uint32_t)idx + 1;
	x->method = method;
	return id;
}

/* Dialog id of Call-ID + the two tags (order-free) within call c,
 * created if asked. */
static uint32_t dialog_of(struct tracker *t, uint32_t c, const struct track_input *m, int create)
{
	if (!c || !m->has_from_tag || !m->has_to_tag)
		return 0;
	uint64_t a = m->h_from_tag, b = m->h_to_tag;
	uint64_t key = a < b ? hmap_mix(a, b) : hmap_mix(b, a);
	struct call_rec *cd = &t->calls[c - 1];
	for (uint32_t i = 0; i < cd->ndlg && i < CALL_DLG_INLINE; i++)
		if (cd->dlg_key[i] == key)
			return cd->dlg_id[i];
	uint64_t gkey = hmap_mix(key, c);
	uint32_t id;
	if (cd->ndlg > CALL_DLG_INLINE && hmap_get(&t->dlg_index, gkey, &id))
		return id;
	if (!create)
		return 0;
	id = t->ndialogs + 1;
	if (cd->ndlg < CALL_DLG_INLINE) {
		cd->dlg_key[cd->ndlg] = key;
		cd->dlg_id[cd->ndlg] = id;
	} else if (hmap_put(&t->dlg_index, gkey, id) < 0) {
		return 0;
	}
	cd->ndlg++;
	return ++t->ndialogs;
}

/* Has this transaction carried this message signature before?  Records it
 * when not.  Returns 1 seen, 0 new, -1 out of memory. */
static int txn_seen(struct tracker *t, struct txn_info *x, uint64_t sig)
{
	for (uint8_t i = 0; i < x->nseen && i < TXN_SEEN_INLINE; i++)
		if (x->seen[i] == sig)
			return 1;
	uint32_t dummy;
	if (x->nseen >= TXN_SEEN_INLINE && hmap_get(&t->seen, sig, &dummy))
		return 1;
	if (x->nseen < TXN_SEEN_INLINE)
		x->seen[x->nseen] = sig;
	else if (hmap_put(&t->seen, sig, 1) < 0)
		return -1;
	if (x->nseen < 255)
		x->nseen++;
	return 0;
}

static int creates_dialog(uint8_t method)
{
	return method == SIP_M_INVITE || method == SIP_M_SUBSCRIBE ||
	       method == SIP_M_REFER || method == SIP_M_NOTIFY;
}

static struct call_info *call_for(struct tracker *t, struct store_msg *r, const struct track_input *m,
                                  size_t idx)
{
	if (r->call_id < t->cap_call_of_str && t->call_of_str[r->call_id])
		return &t->calls[t->call_of_str[r->call_id] - 1].info;
	if (r->call_id >= t->cap_call_of_str) {
		size_t old = t->cap_call_of_str;
		if (vec_grow((void **)&t->call_of_str, &t->cap_call_of_str, (size_t)r->call_id + 1,
		         sizeof *t->call_of_str))
			return NULL;
		memset(t->call_of_str + old, 0, (t->cap_call_of_str - old) * sizeof *t->call_of_str);
	}
	if (vec_grow((void **)&t->calls, &t->cap_calls, t->ncalls + 1, sizeof *t->calls))
		return NULL;
	t->call_of_str[r->call_id] = (uint32_t)t->ncalls + 1;
	struct call_rec *cr = &t->calls[t->ncalls++];
	memset(cr, 0, sizeof *cr);
	struct call_info *c = &cr->info;
	c->call_id = r->call_id;
	c->from = m->from_uri;
	c->to = m->to_uri;
	c->method = r->method;
	c->first_msg = (uint32_t)idx;
	c->start_us = r->ts_us;
	c->state = r->method == SIP_M_INVITE && r->flags & STORE_MSG_REQUEST ? CALL_STATE_SETUP
	                                                                      : CALL_STATE_NONE;
	return c;
}

/* Call state for the initial transaction's messages, and BYE/CANCEL. */
static void call_update(struct call_info *c, const struct store_msg *r)
{
	int is_req = r->flags & STORE_MSG_REQUEST;
	if (r->txn == c->first_txn && !is_req && r->status >= 100 &&
	    !(r->flags & STORE_MSG_RETRANS)) {
		if (c->method == SIP_M_INVITE) {
			if ((r->status == 180 || r->status == 183) && c->state == CALL_STATE_SETUP)
				c->state = CALL_STATE_RINGING;
			if (r->status >= 200 && !c->final_status) {
				c->final_status = r->status;
				c->final_us = r->ts_us;
				if (r->status < 300) {
					c->state = CALL_STATE_IN_CALL;
					c->answer_us = r->ts_us;
				} else if (r->status == 487) {
					c->state = CALL_STATE_CANCELLED;
				} else if (r->status == 486 || r->status == 600) {
					c->state = CALL_STATE_BUSY;
				} else {
					c->state = CALL_STATE_REJECTED;
				}
			}
		} else if (r->status >= 200 && !c->final_status) {
			c->final_status = r->status;
			c->final_us = r->ts_us;
			c->state = CALL_STATE_COMPLETED;
		}
	}
	if (is_req && c->method == SIP_M_INVITE) {
		if (r->method == SIP_M_BYE && c->state == CALL_STATE_IN_CALL) {
			c->state = CALL_STATE_COMPLETED;
			c->bye_us = r->ts_us;
		} else if (r->method == SIP_M_CANCEL && c->state <= CALL_STATE_RINGING) {
			c->state = CALL_STATE_CANCELLED;
		}
	}
}

int track_msg(struct tracker *t, size_t idx, const struct track_input *m)
{
	struct store_msg *r = store_msg_at(t->s, idx);
	int rc = 0;
	if (!r)
		return -1;
	int is_req = r->flags & STORE_MSG_REQUEST;
	struct call_info *c = r->call_id ? call_for(t, r, m, idx) : NULL;
	if (r->call_id && !c)
		rc = -1;
	uint32_t call = c ? (uint32_t)((struct call_rec *)c - t->calls) + 1 : 0;
	r->call = call;
	if (!m->malformed || m->cseq_valid) {
		uint8_t mid = m->method;
		uint32_t txn = 0;
		int ack_non2xx = 0;
		if (is_req && mid == SIP_M_ACK && m->branch_cookie) {
			/* ACK to a non-2xx: same branch as the INVITE (17.1.1.3). */
			uint32_t inv;
			if (hmap_get(&t->txn_index, txn_key(m, invite_hash()), &inv) &&
			    t->txns[inv - 1].final_status >= 300) {
				txn = inv;
				ack_non2xx = 1;
			}
		}
		uint64_t key = txn_key(m, m->h_method);
		if (!txn && !hmap_get(&t->txn_index, key, &txn) && is_req) {
			txn = txn_new(t, key, idx, mid);
			if (!txn)
				rc = -1;
		}
		r->txn = txn;
		if (txn) {
			struct txn_info *x = &t->txns[txn - 1];
			if (!is_req) {
				r->request_msg = x->first_msg;
				if (r->status >= 200 && !x->final_status)
					x->final_status = r->status;
			}
			/* Same transaction, same hop, same message: a retransmission.
			 * The To tag keeps forked 2xx apart (RFC 3261 13.2.2.4). */
			uint64_t sig = hmap_mix(txn, ((uint64_t)r->src << 32) | r->dst);
			sig = hmap_mix(sig, is_req ? (uint64_t)mid << 16 | 1 : r->status);
			sig = hmap_mix(sig, m->h_to_tag);
			sig = hmap_mix(sig, m->cseq);
			int seen = txn_seen(t, x, sig);
			if (seen > 0)
				r->flags |= STORE_MSG_RETRANS;
			else if (seen < 0)
				rc = -1;
			/* Dialogs: created by a 1xx-with-tag or 2xx to a dialog-creating
			 * request (RFC 3261 12.1); an in-dialog request for a dialog we
			 * never saw start (capture began mid-call) makes it known. */
			int make = !is_req && creates_dialog(x->method) && r->status > 100 && r->status < 300;
			/* The ACK of a non-2xx carries the To tag of a response that
			 * made no dialog: it may join one, never make one. */
			r->dialog = dialog_of(t, call, m, make || (is_req && mid != SIP_M_CANCEL && !ack_non2xx));
			if (r->dialog && !x->dialog)
				x->dialog = r->dialog;
			/* The initial request and its 100 come before the dialog
			 * exists; track_finish() lets them join it. */
			if (!r->dialog && creates_dialog(x->method) &&
			    !vec_grow((void **)&t->orphans, &t->cap_orphans, t->norphans + 1,
			          sizeof *t->orphans))
				t->orphans[t->norphans++] = (uint32_t)idx;
		} else {
			r->dialog = dialog_of(t, call, m, 0);
		}
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
		c->state = c->method == SIP_M_INVITE ? CALL_STATE_SETUP : CALL_STATE_NONE;
	}
	c->nmsgs++;
	c->last_msg = (uint32_t)idx;
	if (r->ts_us > c->end_us)
		c->end_us = r->ts_us;
	call_update(c, r);
	return rc;
}

void track_input_from_sip(struct track_input *in, const struct sip_msg *m)
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
}

void track_prefetch(const struct tracker *t, const struct track_input *m)
{
	hmap_prefetch(&t->txn_index, txn_key(m, m->h_method));
}

void track_finish(struct tracker *t)
{
	for (size_t i = 0; i < t->norphans; i++) {
		struct store_msg *r = store_msg_at(t->s, t->orphans[i]);
		if (!r->dialog && r->txn && t->txns[r->txn - 1].dialog)
			r->dialog = t->txns[r->txn - 1].dialog;
	}
	t->norphans = 0;
}
