/* track_evict.c - compaction: the oldest finished calls leave, and the
 * tables are rebuilt dense (ids renumbered), so memory stays flat on a
 * capture that runs for days.  See track_evict() in track.h.
 *
 * Calls age by arrival time (track_input.arrival_us), which the capture
 * gives and no HEP agent can hold still.  Victims are taken from the old
 * end of the roots' activity list (track.c keeps it in O(1) per
 * message): no sort of the calls that stay, and a hard cap (calls that
 * never end) takes the least recently active, open ones too.
 *
 * Only the renumbering maps are allocated (when that fails nothing has
 * changed); the tables, hash maps and strings are then rewritten in place
 * (a new id is never above the old one), so a compaction needs little
 * more memory than the tables it shrinks. */
#include <stdlib.h>
#include <string.h>

#include "sipscope/vec.h"
#include "track_int.h"

size_t track_root_count(const struct tracker *t) { return t->nroots; }

void track_evicted(const struct tracker *t, uint64_t *calls, uint64_t *msgs)
{
	*calls = t->evicted_calls;
	*msgs = t->evicted_msgs;
}

uint64_t track_cut_count(const struct tracker *t) { return t->cut_calls; }

int64_t track_last_arrival(const struct tracker *t) { return t->last_seen; }

uint64_t track_call_number(const struct tracker *t, uint32_t call)
{
	return call && call <= t->ncalls ? t->calls[call - 1].number : 0;
}

/* Open: no final response yet (what track_finish() would fail). */
static int leg_open(const struct call_info *c)
{
	return c->method == SIP_M_INVITE
	       ? c->state == CALL_STATE_SETUP || c->state == CALL_STATE_RINGING
	       : c->state == CALL_STATE_NONE;
}

/* Nothing more is expected of the leg, and it has been quiet (arrival
 * time). */
static int leg_done(const struct call_rec *r, int64_t now, int64_t quiet_us)
{
	const struct call_info *c = &r->info;
	if (now - r->seen_last < quiet_us || c->state == CALL_STATE_IN_CALL)
		return 0;
	return !leg_open(c) || now - r->seen_first > TIMER_B_US;
}

/* A leg still open: no final state yet, or answered and not hung up. */
static int leg_unended(const struct call_info *c)
{
	return leg_open(c) || c->state == CALL_STATE_IN_CALL;
}

/* Victims, least recently active first: the finished roots, at most
 * `want` (from the old end of the list, up to the first that has not been
 * quiet long enough: the list is in order of activity); then, when more
 * than `cap` would stay (cap 0: never), any others until an eighth under
 * cap are left, flagged in cut[] (by 1-based id) when one of their legs
 * was open.  Marks their legs in gone[].  Returns how many, or -1. */
static long pick_victims(struct tracker *t, size_t want, size_t cap, int64_t quiet_us,
                         uint8_t *gone, uint8_t *cut, uint32_t **roots)
{
	uint32_t *r = malloc((t->nroots ? t->nroots : 1) * sizeof *r);
	if (!r)
		return -1;
	size_t n = 0;
	int64_t now = t->last_seen;
	for (uint32_t x = t->lru_head; x && n < want; x = t->calls[x - 1].lru_next) {
		if (now - t->calls[x - 1].seen_last < quiet_us)
			break; /* the rest are newer still */
		int done = 1;
		for (uint32_t l = x; l && done; l = t->calls[l - 1].info.next_leg)
			done = leg_done(&t->calls[l - 1], now, quiet_us);
		if (!done)
			continue;
		r[n++] = x;
		for (uint32_t l = x; l; l = t->calls[l - 1].info.next_leg)
			gone[l] = 1;
	}
	if (cap && t->nroots - n > cap) {
		size_t left = cap - cap / 8;
		for (uint32_t x = t->lru_head; x && t->nroots - n > left; x = t->calls[x - 1].lru_next) {
			if (gone[x])
				continue;
			r[n++] = x;
			for (uint32_t l = x; l; l = t->calls[l - 1].info.next_leg) {
				gone[l] = 1;
				if (leg_unended(&t->calls[l - 1].info))
					cut[x] = 1;
			}
		}
	}
	*roots = r;
	return (long)n;
}

/* Index+1 through msg_map (index+1 too), 0 stays 0. */
static uint32_t m1(const uint32_t *msg_map, uint32_t x) { return x ? msg_map[x - 1] : 0; }

struct maps {
	uint32_t *call, *msg, *txn, *dlg, *str;
	uint32_t *lru; /* the roots that stay, in activity order (old ids) */
	size_t nlru;
	uint8_t *str_keep;
	size_t nc, nm, nt, nd; /* new counts */
};

static void maps_free(struct maps *m)
{
	free(m->call);
	free(m->msg);
	free(m->txn);
	free(m->dlg);
	free(m->str);
	free(m->str_keep);
	free(m->lru);
}

static int maps_build(struct tracker *t, const uint8_t *gone, struct maps *m)
{
	size_t nmsgs = store_msg_count(t->s), nstrs = store_str_count(t->s);
	memset(m, 0, sizeof *m);
	m->call = calloc(t->ncalls + 1, sizeof *m->call);
	m->msg = calloc(nmsgs + 1, sizeof *m->msg);
	m->txn = calloc(t->ntxns + 1, sizeof *m->txn);
	m->dlg = calloc(t->ndlgs + 1, sizeof *m->dlg);
	m->str = calloc(nstrs + 1, sizeof *m->str);
	m->str_keep = calloc(nstrs + 1, 1);
	m->lru = malloc((t->nroots ? t->nroots : 1) * sizeof *m->lru);
	if (!m->call || !m->msg || !m->txn || !m->dlg || !m->str || !m->str_keep || !m->lru)
		return -1;
	for (uint32_t x = t->lru_head; x && m->nlru < t->nroots; x = t->calls[x - 1].lru_next)
		if (!gone[x])
			m->lru[m->nlru++] = x;
	for (size_t i = 1; i <= t->ncalls; i++) {
		if (gone[i])
			continue;
		const struct call_info *c = &t->calls[i - 1].info;
		m->call[i] = (uint32_t)++m->nc;
		if (c->call_id)
			m->str_keep[c->call_id - 1] = 1;
		if (c->from)
			m->str_keep[c->from - 1] = 1;
		if (c->to)
			m->str_keep[c->to - 1] = 1;
	}
	/* Messages of no call (no Call-ID) go too: no list shows them. */
	for (size_t i = 0; i < nmsgs; i++) {
		const struct store_msg *r = store_msg_at(t->s, i);
		if (r->call && r->call <= t->ncalls && !gone[r->call]) {
			m->msg[i] = (uint32_t)++m->nm;
			if (r->call_id && r->call_id <= nstrs)
				m->str_keep[r->call_id - 1] = 1;
		}
	}
	for (size_t i = 1; i <= t->ntxns; i++)
		if (m1(m->msg, t->txns[i - 1].info.first_msg))
			m->txn[i] = (uint32_t)++m->nt;
	for (size_t i = 1; i <= t->ndlgs; i++)
		if (!gone[t->dlgs[i - 1].call])
			m->dlg[i] = (uint32_t)++m->nd;
	return 0;
}

static void remap_txns(struct tracker *t, const struct maps *m)
{
	for (size_t i = 1; i <= t->ntxns; i++) {
		if (!m->txn[i])
			continue;
		struct txn_rec *x = &t->txns[m->txn[i] - 1];
		*x = t->txns[i - 1];
		x->info.first_msg = m1(m->msg, x->info.first_msg);
		x->info.prov_msg = m1(m->msg, x->info.prov_msg);
		x->info.final_msg = m1(m->msg, x->info.final_msg);
		x->info.dialog = m->dlg[x->info.dialog];
		x->info.cancels = m->txn[x->info.cancels];
		x->info.origin = m->txn[x->info.origin];
	}
	t->ntxns = m->nt;
}

static void remap_dialogs(struct tracker *t, const struct maps *m)
{
	for (size_t i = 1; i <= t->ndlgs; i++) {
		if (!m->dlg[i])
			continue;
		struct dlg_info *d = &t->dlgs[m->dlg[i] - 1];
		*d = t->dlgs[i - 1];
		d->call = m->call[d->call];
		d->first_msg = m1(m->msg, d->first_msg);
		d->txn = m->txn[d->txn];
		d->next = m->dlg[d->next];
	}
	t->ndlgs = m->nd;
}

static void remap_calls(struct tracker *t, const struct maps *m)
{
	t->nroots = 0;
	for (size_t i = 1; i <= t->ncalls; i++) {
		if (!m->call[i])
			continue;
		struct call_rec *c = &t->calls[m->call[i] - 1];
		*c = t->calls[i - 1];
		struct call_info *ci = &c->info;
		ci->call_id = m->str[ci->call_id];
		ci->from = m->str[ci->from];
		ci->to = m->str[ci->to];
		ci->first_msg = m->msg[ci->first_msg] ? m->msg[ci->first_msg] - 1 : 0;
		ci->last_msg = m->msg[ci->last_msg] ? m->msg[ci->last_msg] - 1 : 0;
		ci->first_txn = m->txn[ci->first_txn];
		ci->root = m->call[ci->root];
		ci->next_leg = m->call[ci->next_leg];
		c->first_dlg = m->dlg[c->first_dlg];
		c->last_leg = m->call[c->last_leg];
		c->dlg_id = m->dlg[c->dlg_id];
		if (!c->dlg_id)
			c->dlg_key = 0;
		for (size_t k = 0; k < CALL_RECENT_TXNS; k++) {
			c->recent_txn[k] = m->txn[c->recent_txn[k]];
			if (!c->recent_txn[k])
				c->recent_key[k] = 0; /* 0: an empty slot */
		}
		t->nroots += !ci->root;
	}
	t->ncalls = m->nc;
	/* The activity list again, through the new ids. */
	t->lru_head = t->lru_tail = 0;
	for (size_t k = 0; k < m->nlru; k++)
		track_lru_append(t, m->call[m->lru[k]]);
}

/* The records (already moved by store_compact), the per-message chain
 * and the messages waiting for their dialog. */
static void remap_msgs(struct tracker *t, const struct maps *m, size_t old_nmsgs)
{
	for (size_t i = 0; i < m->nm; i++) {
		struct store_msg *r = store_msg_at(t->s, i);
		r->call = m->call[r->call];
		r->txn = m->txn[r->txn];
		r->dialog = m->dlg[r->dialog];
		r->request_msg = m1(m->msg, r->request_msg);
	}
	for (size_t i = 0; i < old_nmsgs && i < t->cap_prev; i++)
		if (m->msg[i])
			t->prev_msg[m->msg[i] - 1] = m1(m->msg, t->prev_msg[i]);
	if (m->nm < t->cap_prev)
		memset(t->prev_msg + m->nm, 0, (t->cap_prev - m->nm) * sizeof *t->prev_msg);
	size_t n = 0;
	for (size_t i = 0; i < t->norphans; i++)
		if (m->msg[t->orphans[i]])
			t->orphans[n++] = m->msg[t->orphans[i]] - 1;
	t->norphans = n;
}

long track_evict(struct tracker *t, size_t keep, size_t cap, int64_t quiet_us,
                 const struct track_evict_hooks *hooks)
{
	if (t->nroots <= keep)
		return 0;
	if (cap && cap < keep)
		cap = keep;
	size_t old_nmsgs = store_msg_count(t->s);
	size_t old_ncalls = t->ncalls;
	uint8_t *gone = calloc(t->ncalls + 1, 1), *cut = calloc(t->ncalls + 1, 1);
	uint32_t *victims = NULL;
	struct maps m;
	memset(&m, 0, sizeof m);
	long n = gone && cut ? pick_victims(t, t->nroots - keep, cap, quiet_us, gone, cut, &victims)
	                     : -1;
	if (n <= 0)
		goto out;
	if (maps_build(t, gone, &m) < 0) {
		n = -1;
		goto out;
	}
	for (long k = 0; k < n; k++) {
		/* Timer B/F ran out on an open leg: failed, as track_finish()
		 * says; one the hard cap cut stays as it was, marked cut. */
		for (uint32_t l = victims[k]; l; l = t->calls[l - 1].info.next_leg)
			if (cut[victims[k]])
				t->calls[l - 1].info.flags |= CALL_FLAG_CUT;
			else if (leg_open(&t->calls[l - 1].info) &&
			         (t->calls[l - 1].info.method == SIP_M_INVITE ||
			          t->calls[l - 1].info.first_txn))
				t->calls[l - 1].info.state = CALL_STATE_FAILED;
		t->cut_calls += cut[victims[k]];
		if (hooks && hooks->evicting)
			hooks->evicting(hooks->ctx, victims[k]);
	}
	store_compact(t->s, m.msg, m.str_keep, m.str);
	hmap_remap(&t->txn_index, m.txn, t->ntxns + 1);
	hmap_remap(&t->tokens, m.call, t->ncalls + 1);
	hmap_remap(&t->by_callid, m.call, t->ncalls + 1);
	remap_txns(t, &m);
	remap_dialogs(t, &m);
	remap_calls(t, &m);
	remap_msgs(t, &m, old_nmsgs);
	/* Overflow signatures are keyed by old transaction ids: forgotten. */
	hmap_free(&t->seen);
	t->evicted_calls += (uint64_t)n;
	t->evicted_msgs += old_nmsgs - m.nm;
	if (hooks && hooks->remapped)
		hooks->remapped(hooks->ctx, m.call, old_ncalls, m.msg, old_nmsgs);
out:
	maps_free(&m);
	free(victims);
	free(gone);
	free(cut);
	return n;
}
