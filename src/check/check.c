/* check.c - RFC 3261 / RFC 3264 conformance rules over tracked messages.
 *
 * One pass in capture order.  Each message is parsed again from the store
 * and looked at alone, then against state the checker keeps per
 * transaction (its request, timing, offer), per 2xx (its ACK), per
 * dialog (route set) and per sender (CSeq).  Rules that wait for time
 * sit in FIFO queues ordered by deadline and fire when capture time (the
 * time of the message being checked) passes it.
 *
 * This file is the engine: the table of rules, findings, state lookups and
 * the pass; the rules live in one file per area (check_int.h names them). */
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_int.h"
#include "sipscope/vec.h"

static const struct check_rule_info rules[CHECK_RULE__COUNT] = {
	[CHECK_PARSE_ERROR] = { "parse-error", "RFC 3261 25", CHECK_ERROR,
		"the message breaks the SIP grammar (the parser's reason is given)" },
	[CHECK_MISSING_HEADER] = { "missing-header", "RFC 3261 8.1.1", CHECK_ERROR,
		"a mandatory header is missing: Via, To, From, Call-ID, CSeq (and Max-Forwards in a request)" },
	[CHECK_MISSING_FROM_TAG] = { "missing-from-tag", "RFC 3261 8.1.1.3", CHECK_ERROR,
		"a request's From has no tag" },
	[CHECK_CSEQ_METHOD_MISMATCH] = { "cseq-method-mismatch", "RFC 3261 8.1.1.5", CHECK_ERROR,
		"the CSeq method differs from the request method" },
	[CHECK_CONTENT_LENGTH_MISMATCH] = { "content-length-mismatch", "RFC 3261 18.3", CHECK_ERROR,
		"Content-Length disagrees with the body (shorter: error; extra bytes in a datagram: warning)" },
	[CHECK_CONTENT_LENGTH_MISSING] = { "content-length-missing", "RFC 3261 18.3", CHECK_ERROR,
		"a message over a stream transport (TCP, TLS, WebSocket) has no Content-Length" },
	[CHECK_BODY_WITHOUT_CONTENT_TYPE] = { "body-without-content-type", "RFC 3261 20.15", CHECK_ERROR,
		"a message has a body but no Content-Type" },
	[CHECK_INVITE_WITHOUT_CONTACT] = { "invite-without-contact", "RFC 3261 8.1.1.8", CHECK_ERROR,
		"an INVITE has no Contact" },
	[CHECK_2XX_WITHOUT_CONTACT] = { "2xx-without-contact", "RFC 3261 12.1.1", CHECK_ERROR,
		"a 2xx to INVITE has no Contact" },
	[CHECK_RESPONSE_WITHOUT_TO_TAG] = { "response-without-to-tag", "RFC 3261 8.2.6.2", CHECK_ERROR,
		"a response other than 100 has no To tag" },
	[CHECK_BRANCH_WITHOUT_COOKIE] = { "branch-without-cookie", "RFC 3261 8.1.1.7", CHECK_INFO,
		"the top Via branch lacks the z9hG4bK magic cookie (RFC 2543 transaction matching)" },
	[CHECK_VIA_SENT_BY_NAT] = { "via-sent-by-nat", "RFC 3261 18.2.1", CHECK_INFO,
		"the top Via sent-by address differs from the packet's source address (NAT)" },
	[CHECK_MAX_FORWARDS_EXHAUSTED] = { "max-forwards-exhausted", "RFC 3261 16.3", CHECK_WARNING,
		"483 Too Many Hops: Max-Forwards reached 0 (a routing loop?)" },
	[CHECK_MAX_FORWARDS_NOT_DECREMENTED] = { "max-forwards-not-decremented", "RFC 3261 16.6", CHECK_WARNING,
		"a proxy forwarded a request without decrementing Max-Forwards" },
	[CHECK_RESPONSE_WITHOUT_REQUEST] = { "response-without-request", "RFC 3261 17.1.3", CHECK_WARNING,
		"a response matches no request seen on its hop (branch, sent-by, method)" },
	[CHECK_RESPONSE_MISMATCH] = { "response-mismatch", "RFC 3261 8.2.6.2", CHECK_ERROR,
		"a response's Call-ID, CSeq, From tag or To tag differs from its request's" },
	[CHECK_RESPONSE_VIA_MISMATCH] = { "response-via-mismatch", "RFC 3261 8.2.6.2", CHECK_ERROR,
		"a response's Via values are not those of its request" },
	[CHECK_NO_FINAL_RESPONSE] = { "no-final-response", "RFC 3261 17.1.1.2", CHECK_ERROR,
		"a request got no final response within 64*T1 = 32 s (Timer B/F), or an INVITE that got a "
		"provisional none within 3 min (Timer C)" },
	[CHECK_SECOND_FINAL_RESPONSE] = { "second-final-response", "RFC 3261 17.2.1", CHECK_ERROR,
		"a transaction got a different final response after its first one (forked 2xx aside)" },
	[CHECK_RETRANS_TOO_EARLY] = { "retrans-too-early", "RFC 3261 17.1.1.2", CHECK_WARNING,
		"the first retransmission came sooner than T1 (500 ms)" },
	[CHECK_RETRANS_INTERVAL] = { "retrans-interval", "RFC 3261 17.1.2.2", CHECK_WARNING,
		"retransmission intervals do not double (up to T2 = 4 s for non-INVITE and 2xx)" },
	[CHECK_RETRANS_ON_RELIABLE] = { "retrans-on-reliable", "RFC 3261 17.1.1.2", CHECK_WARNING,
		"a request was retransmitted over a reliable transport" },
	[CHECK_RETRANS_AFTER_PROVISIONAL] = { "retrans-after-provisional", "RFC 3261 17.1.1.2",
		CHECK_WARNING, "an INVITE was retransmitted after a provisional response was sent back" },
	[CHECK_ACK_MISSING] = { "ack-missing", "RFC 3261 13.3.1.4", CHECK_ERROR,
		"a 2xx to INVITE was never ACKed, or kept being retransmitted after the ACKs" },
	[CHECK_ACK_WITHOUT_INVITE] = { "ack-without-invite", "RFC 3261 13.2.2.4", CHECK_WARNING,
		"an ACK's CSeq number matches no INVITE of the call" },
	[CHECK_CANCEL_AFTER_FINAL] = { "cancel-after-final", "RFC 3261 9.1", CHECK_WARNING,
		"a CANCEL was sent after the INVITE got its final response" },
	[CHECK_CANCEL_UNANSWERED] = { "cancel-unanswered", "RFC 3261 9.2", CHECK_ERROR,
		"a CANCEL got no response within 64*T1 = 32 s" },
	[CHECK_CANCEL_WITHOUT_INVITE] = { "cancel-without-invite", "RFC 3261 9.2", CHECK_WARNING,
		"a CANCEL matches no INVITE on its hop (its branch names none)" },
	[CHECK_CANCEL_MISMATCH] = { "cancel-mismatch", "RFC 3261 9.1", CHECK_ERROR,
		"a CANCEL's Request-URI, CSeq number, From or To differs from the INVITE it cancels" },
	[CHECK_CSEQ_NOT_INCREASING] = { "cseq-not-increasing", "RFC 3261 12.2.1.1", CHECK_ERROR,
		"a new request's CSeq is lower than an earlier one from the same sender in the call" },
	[CHECK_CSEQ_REUSED] = { "cseq-reused", "RFC 3261 8.1.1.5", CHECK_ERROR,
		"a new transaction reuses the CSeq of an earlier request from the same sender" },
	[CHECK_RECORD_ROUTE_NOT_MIRRORED] = { "record-route-not-mirrored", "RFC 3261 12.1.1", CHECK_ERROR,
		"a dialog-creating response does not carry the request's Record-Route values" },
	[CHECK_ROUTE_SET_IGNORED] = { "route-set-ignored", "RFC 3261 12.2.1.1", CHECK_ERROR,
		"an in-dialog request's Route does not follow the route set Record-Route made" },
	[CHECK_SDP_MLINE_COUNT] = { "sdp-mline-count", "RFC 3264 6", CHECK_ERROR,
		"an SDP answer's m= lines differ in number or order from the offer's" },
	[CHECK_SDP_CODEC_NOT_OFFERED] = { "sdp-codec-not-offered", "RFC 3264 6.1", CHECK_INFO,
		"an SDP answer lists a codec the offer did not (allowed: the answerer can receive it, "
		"the offerer may not send it)" },
	[CHECK_SDP_NO_COMMON_CODEC] = { "sdp-no-common-codec", "RFC 3264 6.1", CHECK_ERROR,
		"an accepted m= line of the answer lists no codec of the offer" },
	[CHECK_IDENTITY_SIGNATURE] = { "identity-signature", "RFC 8224 6.2.2", CHECK_ERROR,
		"an Identity header does not decode, or its PASSporT signature or certificate does not verify" },
	[CHECK_IDENTITY_TN_MISMATCH] = { "identity-tn-mismatch", "RFC 8224 6.2.1", CHECK_ERROR,
		"the PASSporT's orig / dest tn is not the From / P-Asserted-Identity / To / Request-URI number" },
	[CHECK_IDENTITY_STALE] = { "identity-stale", "RFC 8224 6.2.1", CHECK_WARNING,
		"the PASSporT's iat is more than 60 s from the request's capture time" },
	[CHECK_IDENTITY_UNVERIFIED] = { "identity-unverified", "RFC 8224 6.2.2", CHECK_INFO,
		"an Identity could not be verified: no --stir-cert for its x5u (nothing is fetched)" },
	[CHECK_IDENTITY_MISSING] = { "identity-missing", "RFC 8224 5", CHECK_WARNING,
		"an INVITE from a --stir-signer trunk carries no Identity header" },
	/* --- issue 25: attacks (check_attack.c) --- */
	[CHECK_SCANNER] = { "scanner", "RFC 3261 26.1", CHECK_WARNING,
		"a known scanner's User-Agent (friendly-scanner, sipvicious, sipcli ...), or one source "
		"probing many ports or hosts with OPTIONS, INVITE or REGISTER in a short time" },
	[CHECK_EXTENSION_ENUMERATION] = { "extension-enumeration", "RFC 3261 26.1", CHECK_WARNING,
		"one source trying many distinct users, answered mostly 401/403/404 (svwar)" },
	[CHECK_PASSWORD_GUESSING] = { "password-guessing", "RFC 3261 22.4", CHECK_WARNING,
		"repeated failed digest attempts from one source or for one account; a success after them is an error "
		"(the account is likely compromised)" },
	[CHECK_REGISTER_FLOOD] = { "register-flood", "RFC 3261 26.1.5", CHECK_WARNING,
		"REGISTER requests from one source over the rate threshold" },
	[CHECK_INVITE_FLOOD] = { "invite-flood", "RFC 3261 26.1.5", CHECK_WARNING,
		"INVITE requests from one source over the rate threshold" },
	[CHECK_TOLL_FRAUD] = { "toll-fraud", "RFC 3261 26.1", CHECK_ERROR,
		"a call to a premium or international number from a source that just failed "
		"authentication or attacked (error for premium or after an attack, else warning), "
		"or a burst of calls to many such numbers (warning)" },
};

const struct check_rule_info *check_rule_info(enum check_rule r)
{
	return (unsigned)r < CHECK_RULE__COUNT ? &rules[r] : NULL;
}

const char *check_severity_name(enum check_severity s)
{
	switch (s) {
	case CHECK_ERROR: return "error";
	case CHECK_WARNING: return "warning";
	default: return "info";
	}
}

int check_rule_parse(const char *id)
{
	for (int i = 0; i < CHECK_RULE__COUNT; i++)
		if (!strcmp(rules[i].id, id))
			return i;
	return -1;
}

/* ---- findings ---- */

__attribute__((format(printf, 5, 6)))
void check_report(struct checker *c, size_t idx, enum check_rule rule, int sev, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
	if (sev < 0)
		sev = rules[rule].severity;
	if (vec_grow((void **)&c->f, &c->cap_f, c->nf + 1, sizeof *c->f) ||
	    vec_grow((void **)&c->text, &c->cap_text, c->ntext + len + 1, 1) || c->ntext > UINT32_MAX) {
		c->oom = 1;
		return;
	}
	struct check_finding *f = &c->f[c->nf];
	memset(f, 0, sizeof *f);
	f->msg = (uint32_t)idx;
	const struct store_msg *r = store_msg_at(c->s, idx);
	f->call = r ? r->call : 0;
	f->rule = (uint16_t)rule;
	f->severity = (uint8_t)sev;
	f->text = (uint32_t)c->ntext;
	memcpy(c->text + c->ntext, buf, len);
	c->text[c->ntext + len] = '\0';
	c->ntext += len + 1;
	/* Chain it to the message's findings (append: the order found). */
	uint32_t first;
	if (hmap_get(&c->by_msg, (uint64_t)idx + 1, &first)) {
		uint32_t k = first;
		while (c->f[k - 1].next)
			k = c->f[k - 1].next;
		c->f[k - 1].next = (uint32_t)c->nf + 1;
	} else if (hmap_put(&c->by_msg, (uint64_t)idx + 1, (uint32_t)c->nf + 1) < 0) {
		c->oom = 1;
		return;
	}
	c->nf++;
	c->hits[rule]++;
	if (f->call) {
		size_t had = c->cap_legs;
		if (vec_grow((void **)&c->legs, &c->cap_legs, f->call + 1, sizeof *c->legs)) {
			c->oom = 1;
			return;
		}
		if (c->cap_legs > had)
			memset(c->legs + had, 0, (c->cap_legs - had) * sizeof *c->legs);
		c->legs[f->call].counts[sev]++;
	}
}

/* 1 the first time (rule, what) is asked, 0 after. */
int check_first_time(struct checker *c, enum check_rule rule, uint64_t what)
{
	uint64_t k = hmap_mix(what, (uint64_t)rule + 0x5151);
	uint32_t v;
	if (hmap_get(&c->once, k, &v))
		return 0;
	if (check_leg_put(c, LK_ONCE, k, 1) < 0)
		c->oom = 1;
	return 1;
}

/* ---- arena: route hash lists, SDP summaries, route texts ----
 *
 * A block is a word holding its size class k (4 << k words, the word
 * included), then the values.  Freed blocks go on their class's list
 * (linked through their first value), so the arena holds what the live
 * state points at, not all the capture ever had. */

static uint32_t arena_alloc(struct checker *c, size_t n)
{
	unsigned k = 0;
	while (((size_t)4 << k) < n + 1)
		k++;
	if (k >= sizeof c->arena_free / sizeof c->arena_free[0]) {
		c->oom = 1;
		return UINT32_MAX;
	}
	uint32_t off;
	if (c->arena_free[k]) {
		off = c->arena_free[k] - 1;
		c->arena_free[k] = c->arena[off];
		return off;
	}
	size_t words = (size_t)4 << k;
	if (vec_grow((void **)&c->arena, &c->cap_arena, c->narena + words, sizeof *c->arena) ||
	    c->narena + words > UINT32_MAX - 1) {
		c->oom = 1;
		return UINT32_MAX; /* callers keep nothing then */
	}
	c->arena[c->narena] = k;
	off = (uint32_t)c->narena + 1;
	c->narena += words;
	return off;
}

uint32_t check_arena_put(struct checker *c, const uint32_t *v, size_t n)
{
	uint32_t off = arena_alloc(c, n);
	if (off != UINT32_MAX && n) /* v may be NULL then */
		memcpy(c->arena + off, v, n * sizeof *v);
	return off;
}

void check_arena_free(struct checker *c, uint32_t off)
{
	if (!off || off == UINT32_MAX || off >= c->narena)
		return;
	uint32_t k = c->arena[off - 1];
	c->arena[off] = c->arena_free[k];
	c->arena_free[k] = off + 1;
}

uint32_t check_arena_text_put(struct checker *c, struct sv v)
{
	if (v.len > 200)
		v.len = 200;
	uint32_t off = arena_alloc(c, v.len / 4 + 1);
	if (off == UINT32_MAX)
		return 0;
	char *t = (char *)(c->arena + off);
	if (v.len)
		memcpy(t, v.p, v.len);
	t[v.len] = '\0';
	return off;
}

uint32_t check_text_put(struct checker *c, struct sv v)
{
	if (v.len > 200)
		v.len = 200;
	if (vec_grow((void **)&c->text, &c->cap_text, c->ntext + v.len + 1, 1) || c->ntext > UINT32_MAX) {
		c->oom = 1;
		return 0;
	}
	uint32_t off = (uint32_t)c->ntext;
	if (v.len)
		memcpy(c->text + off, v.p, v.len);
	c->text[off + v.len] = '\0';
	c->ntext += v.len + 1;
	return off;
}

/* ---- state lookups ---- */

static void pool_init(struct pool *p, size_t elem)
{
	memset(p, 0, sizeof *p);
	p->elem = elem;
}

/* A zeroed slot: its value (index+1), 0 when memory ran out.  Slots may
 * move when the pool grows. */
static uint32_t pool_get(struct checker *c, struct pool *p)
{
	uint32_t v;
	if (p->free) {
		v = p->free;
		memcpy(&p->free, check_pool_at(p, v), sizeof p->free);
	} else {
		if (p->n >= UINT32_MAX - 1 || vec_grow(&p->a, &p->cap, p->n + 1, p->elem)) {
			c->oom = 1;
			return 0;
		}
		v = (uint32_t)++p->n;
	}
	memset(check_pool_at(p, v), 0, p->elem);
	p->live++;
	return v;
}

static void pool_put(struct pool *p, uint32_t v)
{
	memset(check_pool_at(p, v), 0, p->elem);
	memcpy(check_pool_at(p, v), &p->free, sizeof p->free);
	p->free = v;
	p->live--;
}

/* ---- expiry: a wheel of one-second buckets ---- */

#define WHEEL_LEG 0x80000000u /* a leg's id in the wheel, not a txn's */

static int wheel_push(struct checker *c, int64_t due, uint32_t id)
{
	struct wheel *w = c->expire;
	int64_t sec = due / 1000000;
	if (!w->started) {
		w->sec = c->now / 1000000;
		w->started = 1;
	}
	if (sec < w->sec)
		sec = w->sec;
	if (sec >= w->sec + WHEEL_SECS)
		sec = w->sec + WHEEL_SECS - 1;
	struct wheel_bucket *b = &w->b[(uint64_t)sec % WHEEL_SECS];
	if (vec_grow((void **)&b->id, &b->cap, b->n + 1, sizeof *b->id)) {
		c->oom = 1;
		return -1;
	}
	b->id[b->n++] = id;
	return 0;
}

struct txn_st *check_txn_find(const struct checker *c, uint32_t id)
{
	uint32_t v;
	if (id && id == c->last_txn) /* a message asks for its own several times */
		return check_pool_at(&c->txn, c->last_txn_v);
	if (!id || !hmap_get(&c->txn_index, id, &v))
		return NULL;
	struct checker *w = (struct checker *)c; /* a cache: not what c holds */
	w->last_txn = id;
	w->last_txn_v = v;
	return check_pool_at(&c->txn, v);
}

struct txn_st *check_txn_state(struct checker *c, uint32_t id)
{
	if (!id)
		return NULL;
	struct txn_st *x = check_txn_find(c, id);
	if (!x) {
		uint32_t v = pool_get(c, &c->txn);
		if (!v)
			return NULL;
		if (hmap_put(&c->txn_index, id, v) < 0 ||
		    wheel_push(c, c->now + CHECK_GRACE_US, id) < 0) {
			hmap_del(&c->txn_index, id);
			pool_put(&c->txn, v);
			c->oom = 1;
			return NULL;
		}
		x = check_pool_at(&c->txn, v);
		x->id = id;
	}
	x->touch_us = c->now;
	return x;
}

static void txn_drop(struct checker *c, struct txn_st *x)
{
	uint32_t v;
	if (!hmap_get(&c->txn_index, x->id, &v))
		return;
	if (x->nrr)
		check_arena_free(c, x->rr_off);
	if (x->offer_off)
		check_arena_free(c, x->offer_off - 1);
	if (c->last_txn == x->id)
		c->last_txn = 0;
	hmap_del(&c->txn_index, x->id);
	pool_put(&c->txn, v);
}

/* ---- legs: the state of a call, dropped with all its keys ---- */

static struct hmap *leg_map(struct checker *c, int map)
{
	switch (map) {
	case LK_ACK: return &c->ack_index;
	case LK_DLG: return &c->dlg_index;
	case LK_DIR: return &c->dir_index;
	case LK_CSEQ: return &c->cseq_index;
	case LK_ACK_OFFER: return &c->ack_offer;
	case LK_ACK_LAST: return &c->ack_last;
	case LK_INVITES: return &c->invites;
	default: return &c->once;
	}
}

static struct pool *leg_pool(struct checker *c, int map)
{
	switch (map) {
	case LK_ACK: return &c->acks;
	case LK_DLG: return &c->dlgs;
	case LK_DIR: return &c->dirs;
	case LK_CSEQ: return &c->cseqs;
	default: return NULL;
	}
}

/* The current leg's state, made when absent (NULL for leg 0, which
 * keeps its keys to the end, and when memory ran out). */
static struct live_leg *leg_live(struct checker *c)
{
	uint32_t v;
	if (!c->cur_leg)
		return NULL;
	if (c->cur_live)
		return check_pool_at(&c->lives, c->cur_live);
	if (hmap_get(&c->leg_index, c->cur_leg, &v)) {
		c->cur_live = v;
		return check_pool_at(&c->lives, v);
	}
	if (!(v = pool_get(c, &c->lives)))
		return NULL;
	if (hmap_put(&c->leg_index, c->cur_leg, v) < 0) {
		pool_put(&c->lives, v);
		c->oom = 1;
		return NULL;
	}
	c->cur_live = v;
	struct live_leg *l = check_pool_at(&c->lives, v);
	l->leg = c->cur_leg;
	l->touch_us = c->now;
	return l;
}

/* Key k of map (owning pool slot v) on the current leg's list. */
static int leg_own(struct checker *c, int map, uint64_t k, uint32_t v)
{
	struct live_leg *l = leg_live(c);
	if (!l)
		return 0;
	uint32_t n = pool_get(c, &c->lkeys);
	if (!n)
		return -1;
	struct leg_key *lk = check_pool_at(&c->lkeys, n);
	lk->key = k;
	lk->val = v;
	lk->map = (uint8_t)map;
	lk->next = l->keys;
	l->keys = n;
	return 0;
}

size_t check_leg_lookup(struct checker *c, int map, uint64_t k, int make)
{
	struct hmap *h = leg_map(c, map);
	struct pool *p = leg_pool(c, map);
	uint32_t v;
	if (hmap_get(h, k, &v))
		return v;
	if (!make)
		return 0;
	if (!(v = pool_get(c, p)))
		return 0;
	if (hmap_put(h, k, v) < 0 || leg_own(c, map, k, v) < 0) {
		hmap_del(h, k);
		pool_put(p, v);
		c->oom = 1;
		return 0;
	}
	return v;
}

int check_leg_put(struct checker *c, int map, uint64_t k, uint32_t v)
{
	struct hmap *h = leg_map(c, map);
	uint32_t had;
	int fresh = !hmap_get(h, k, &had);
	if (hmap_put(h, k, v) < 0)
		return -1;
	if (fresh && leg_own(c, map, k, 0) < 0) {
		hmap_del(h, k);
		return -1;
	}
	return 0;
}

void check_leg_note(struct checker *c, int what)
{
	struct live_leg *l = leg_live(c);
	if (!l)
		return;
	switch (what) {
	case LEG_INVITE: l->invite_pending = 1; l->ended = 0; break;
	case LEG_INVITE_FINAL: l->invite_pending = 0; l->ended = !l->in_dialog; break;
	case LEG_DIALOG: l->in_dialog = 1; l->ended = 0; break;
	default: l->in_dialog = 0; l->ended = 1; break;
	}
}

static void leg_drop(struct checker *c, struct live_leg *l)
{
	for (uint32_t n = l->keys; n; ) {
		struct leg_key *lk = check_pool_at(&c->lkeys, n);
		struct hmap *h = leg_map(c, lk->map);
		struct pool *p = leg_pool(c, lk->map);
		uint32_t v = lk->val;
		if (p) {
			if (lk->map == LK_ACK) {
				struct ack_st *a = check_pool_at(p, v);
				if (a->offer_off)
					check_arena_free(c, a->offer_off - 1);
			} else if (lk->map == LK_DLG) {
				struct dlg_st *d = check_pool_at(p, v);
				if (d->nrr)
					check_arena_free(c, d->rr_off);
				check_arena_free(c, d->rr_text);
			}
			pool_put(p, v);
		}
		hmap_del(h, lk->key);
		uint32_t next = lk->next;
		pool_put(&c->lkeys, n);
		n = next;
	}
	uint32_t v;
	if (l->leg == c->cur_leg)
		c->cur_live = 0;
	if (hmap_get(&c->leg_index, l->leg, &v)) {
		hmap_del(&c->leg_index, l->leg);
		pool_put(&c->lives, v);
	}
}

/* The current leg had a message now: on the expiry heap if not yet. */
static void leg_touch(struct checker *c)
{
	struct live_leg *l = leg_live(c);
	if (!l)
		return;
	l->touch_us = c->now;
	if (!l->queued && wheel_push(c, c->now + CHECK_GRACE_US, l->leg | WHEEL_LEG) == 0)
		l->queued = 1;
}

/* Transaction id's state when the wheel wakes it: dropped when over. */
static void expire_txn(struct checker *c, uint32_t id)
{
	struct txn_st *x = check_txn_find(c, id);
	if (!x)
		return;
	int proceeding = x->method == SIP_M_INVITE && x->req && x->prov_us && !x->final_msg;
	if (x->touch_us + CHECK_GRACE_US > c->now || proceeding)
		wheel_push(c, (proceeding ? c->now : x->touch_us) + CHECK_GRACE_US, id);
	else
		txn_drop(c, x);
}

/* A leg's state when the wheel wakes it: dropped when over. */
static void expire_leg(struct checker *c, uint32_t leg)
{
	uint32_t v;
	if (!hmap_get(&c->leg_index, leg, &v))
		return;
	struct live_leg *l = check_pool_at(&c->lives, v);
	int64_t due = l->touch_us + (l->ended ? CHECK_GRACE_US : CHECK_KEEP_US);
	l->queued = 0;
	if (due <= c->now && !l->invite_pending && !l->in_dialog) {
		leg_drop(c, l);
		return;
	}
	/* Still going: looked at again within CHECK_GRACE_US (a BYE may
	 * shorten its wait meanwhile). */
	if (due <= c->now || due > c->now + CHECK_GRACE_US)
		due = c->now + CHECK_GRACE_US;
	if (wheel_push(c, due, leg | WHEEL_LEG) == 0)
		l->queued = 1;
}

/* Drop the state of the transactions and legs that are over (see
 * txn_st, live_leg): the buckets of the seconds now past are looked at. */
static void expire_state(struct checker *c)
{
	struct wheel *w = c->expire;
	int64_t to = c->now / 1000000;
	if (!w->started || w->sec >= to)
		return;
	if (to - w->sec > WHEEL_SECS) {
		/* A jump in time: everything is due; what is put back goes
		 * after now, not round the wheel again. */
		struct wheel_bucket all = { NULL, 0, 0 };
		for (int k = 0; k < WHEEL_SECS; k++) {
			struct wheel_bucket *b = &w->b[k];
			if (b->n && !vec_grow((void **)&all.id, &all.cap, all.n + b->n, sizeof *all.id)) {
				memcpy(all.id + all.n, b->id, b->n * sizeof *b->id);
				all.n += b->n;
			} else if (b->n) {
				c->oom = 1; /* those are kept to the end */
			}
			b->n = 0;
		}
		w->sec = to;
		for (size_t i = 0; i < all.n; i++) {
			if (all.id[i] & WHEEL_LEG)
				expire_leg(c, all.id[i] & ~WHEEL_LEG);
			else
				expire_txn(c, all.id[i]);
		}
		free(all.id);
		return;
	}
	for (int64_t n = to - w->sec; n > 0; n--) {
		/* Taken out whole: what is put back may land in it again (the
		 * last second ahead is this bucket once w->sec moved on). */
		struct wheel_bucket *b = &w->b[(uint64_t)w->sec % WHEEL_SECS], cur = *b;
		b->id = NULL;
		b->n = b->cap = 0;
		w->sec++;
		for (size_t i = 0; i < cur.n; i++) {
			uint32_t id = cur.id[i];
			if (id & WHEEL_LEG)
				expire_leg(c, id & ~WHEEL_LEG);
			else
				expire_txn(c, id);
		}
		if (!b->id) { /* keep its room */
			cur.n = 0;
			*b = cur;
		} else {
			free(cur.id);
		}
	}
	w->sec = to;
}

size_t check_live(const struct checker *c)
{
	return c->txn.live + c->lives.live + c->acks.live + c->dlgs.live + c->dirs.live + c->cseqs.live;
}

/* Entry of index h for key k, made (zeroed) when absent and `make`. */
size_t check_lookup(struct checker *c, struct hmap *h, uint64_t k, void **arr, size_t *n,
                     size_t *cap, size_t elem, int make)
{
	uint32_t v;
	if (hmap_get(h, k, &v))
		return v;
	if (!make)
		return 0;
	if (vec_grow(arr, cap, *n + 1, elem) || hmap_put(h, k, (uint32_t)*n + 1) < 0) {
		c->oom = 1;
		return 0;
	}
	memset((char *)*arr + *n * elem, 0, elem);
	return ++*n;
}

int check_queue_push(struct checker *c, int kind, int64_t due, uint32_t id)
{
	struct queue *q = &c->timers[kind];
	if (vec_grow((void **)&q->q, &q->cap, q->tail + 1, sizeof *q->q)) {
		c->oom = 1;
		return -1;
	}
	q->q[q->tail].due = due;
	q->q[q->tail].id = id;
	q->q[q->tail].kind = (uint8_t)kind;
	q->tail++;
	return 0;
}

/* ---- the pass ---- */

static int is_reliable(uint8_t tp)
{
	return tp != STORE_TP_UDP;
}

/* A request that is not checked (cut short, or breaking the grammar)
 * still opened its transaction: what the record says of it is kept, so
 * its responses, ACK, CANCEL and Timer B/F are judged against it.  Only
 * its timing and hop are known, not its headers. */
static void note_unchecked(struct checker *c, size_t idx, const struct store_msg *r)
{
	if (!(r->flags & STORE_MSG_REQUEST) || (r->flags & STORE_MSG_RETRANS) || !r->txn)
		return;
	const struct txn_info *ti = track_txn(c->t, r->txn);
	struct txn_st *x = check_txn_state(c, r->txn);
	if (!ti || !x || ti->method != r->method || x->req)
		return;
	x->req = (uint32_t)idx + 1;
	x->first_us = x->last_us = r->ts_us;
	x->src = r->src;
	x->dst = r->dst;
	x->method = r->method;
	x->mf = UINT32_MAX;
	x->partial = 1;
	if (r->method != SIP_M_ACK)
		check_queue_push(c, TIMER_TXN, r->ts_us + CHECK_TIMER_B_US, r->txn);
	if (r->method == SIP_M_INVITE && r->call && check_leg_put(c, LK_INVITES, hmap_mix(r->call, r->cseq), 1) < 0)
		c->oom = 1;
}

static int check_one(struct checker *c, size_t idx)
{
	struct view v; /* not cleared whole: the parser fills v.m */
	v.idx = idx;
	v.has_sdp = 0;
	v.sdp = &c->sdp;
	v.r = store_msg_at(c->s, idx);
	if (!v.r)
		return 0;
	if (!c->first_us)
		c->first_us = v.r->ts_us;
	if (v.r->ts_us > c->now)
		c->now = v.r->ts_us;
	check_run_timers(c, c->now, 0);
	c->cur_leg = v.r->call;
	c->cur_live = 0;
	leg_touch(c);
	expire_state(c);
	if (v.r->flags & (STORE_MSG_SNAPCUT | STORE_MSG_TCPGAP)) {
		note_unchecked(c, idx, v.r); /* not what was sent */
		return 0;
	}
	size_t len;
	const char *bytes = store_msg_bytes(c->s, idx, &len);
	if (!bytes)
		return -1;
	if (sip_parse(bytes, len, SIP_PARSE_DATAGRAM, &v.m, c->hdrs, MAX_HEADERS) <= 0)
		return 0;
	c->checked++;
	v.len = len;
	v.leg = v.r->call;
	v.reliable = is_reliable(v.r->transport);
	v.from_tag_h = sv_is_set(v.m.from_tag) ? h32(v.m.from_tag) : 0;
	v.has_to_tag = sv_is_set(v.m.to_tag);
	v.to_tag_h = v.has_to_tag ? h32(v.m.to_tag) : 0;
	int retrans = (v.r->flags & STORE_MSG_RETRANS) != 0;
	check_attack(c, &v); /* issue 25: attacks */
	if (!retrans) {
		if (check_syntax(c, &v)) {
			note_unchecked(c, idx, v.r);
			return 0;
		}
		check_hop(c, &v, bytes);
		check_identity(c, &v);
	} else if (v.m.malformed) {
		return 0;
	}
	struct sv body = sip_body_sdp(&v.m);
	v.has_sdp = sv_is_set(body) && body.len && sdp_parse(body.p, body.len, v.sdp) == 0;
	if (v.m.is_request)
		check_request(c, &v);
	else
		check_response(c, &v);
	return 0;
}

struct checker *check_new(struct store *s, const struct tracker *t)
{
	struct checker *c = calloc(1, sizeof *c);
	if (!c || !(c->expire = calloc(1, sizeof *c->expire))) {
		free(c);
		return NULL;
	}
	c->s = s;
	c->t = t;
	pool_init(&c->txn, sizeof(struct txn_st));
	pool_init(&c->acks, sizeof(struct ack_st));
	pool_init(&c->dlgs, sizeof(struct dlg_st));
	pool_init(&c->dirs, sizeof(struct dir_st));
	pool_init(&c->cseqs, sizeof(struct cseq_st));
	pool_init(&c->lives, sizeof(struct live_leg));
	pool_init(&c->lkeys, sizeof(struct leg_key));
	hmap_init(&c->txn_index);
	hmap_init(&c->leg_index);
	hmap_init(&c->by_msg);
	hmap_init(&c->ack_index);
	hmap_init(&c->ack_offer);
	hmap_init(&c->ack_last);
	hmap_init(&c->dlg_index);
	hmap_init(&c->dir_index);
	hmap_init(&c->cseq_index);
	hmap_init(&c->invites);
	hmap_init(&c->once);
	return c;
}

void check_free(struct checker *c)
{
	if (!c)
		return;
	free(c->f);
	free(c->text);
	free(c->arena);
	free(c->txn.a);
	free(c->acks.a);
	free(c->dlgs.a);
	free(c->dirs.a);
	free(c->cseqs.a);
	free(c->lives.a);
	free(c->lkeys.a);
	free(c->legs);
	check_attack_free(c->atk); /* issue 25: attacks */
	for (int i = 0; i < TIMER__COUNT; i++)
		free(c->timers[i].q);
	if (c->expire)
		for (int i = 0; i < WHEEL_SECS; i++)
			free(c->expire->b[i].id);
	free(c->expire);
	hmap_free(&c->txn_index);
	hmap_free(&c->leg_index);
	hmap_free(&c->by_msg);
	hmap_free(&c->ack_index);
	hmap_free(&c->ack_offer);
	hmap_free(&c->ack_last);
	hmap_free(&c->dlg_index);
	hmap_free(&c->dir_index);
	hmap_free(&c->cseq_index);
	hmap_free(&c->invites);
	hmap_free(&c->once);
	free(c);
}

int check_update(struct checker *c) { return check_update_max(c, SIZE_MAX); }

size_t check_pending(const struct checker *c) { return store_msg_count(c->s) - c->next; }

int check_update_max(struct checker *c, size_t max)
{
	int rc = 0;
	size_t n = store_msg_count(c->s);
	if (n - c->next > max)
		n = c->next + max;
	for (; c->next < n; c->next++)
		if (check_one(c, c->next) < 0)
			rc = -1;
	if (c->oom) {
		c->oom = 0;
		rc = -1;
	}
	return rc;
}

static int cmp_finding(const void *a, const void *b)
{
	const struct check_finding *x = a, *y = b;
	if (x->msg != y->msg)
		return x->msg < y->msg ? -1 : 1;
	return x->text < y->text ? -1 : x->text > y->text; /* order found */
}

void check_finish(struct checker *c)
{
	if (c->finished)
		return;
	c->finished = 1;
	check_run_timers(c, c->now, 1);
	/* Findings by message, each message's in the order found. */
	if (c->nf)
		qsort(c->f, c->nf, sizeof *c->f, cmp_finding);
	hmap_free(&c->by_msg);
	hmap_init(&c->by_msg);
	for (size_t i = 0; i < c->nf; i++) {
		c->f[i].next = 0;
		if (i && c->f[i - 1].msg == c->f[i].msg)
			c->f[i - 1].next = (uint32_t)i + 1;
		else if (hmap_put(&c->by_msg, (uint64_t)c->f[i].msg + 1, (uint32_t)i + 1) < 0)
			c->oom = 1;
	}
}

size_t check_count(const struct checker *c)
{
	return c->nf;
}

const struct check_finding *check_at(const struct checker *c, size_t i)
{
	return i < c->nf ? &c->f[i] : NULL;
}

const char *check_text(const struct checker *c, const struct check_finding *f)
{
	return c->text + f->text;
}

uint32_t check_msg_first(const struct checker *c, size_t idx)
{
	uint32_t v;
	return hmap_get(&c->by_msg, (uint64_t)idx + 1, &v) ? v : 0;
}

int check_msg_worst(const struct checker *c, size_t idx)
{
	int worst = -1;
	for (uint32_t k = check_msg_first(c, idx); k; k = c->f[k - 1].next)
		if (c->f[k - 1].severity > worst)
			worst = c->f[k - 1].severity;
	return worst;
}

void check_call_counts(const struct checker *c, uint32_t call, size_t counts[3])
{
	counts[0] = counts[1] = counts[2] = 0;
	for (uint32_t leg = call; leg; ) {
		if (leg < c->cap_legs)
			for (int i = 0; i < 3; i++)
				counts[i] += c->legs[leg].counts[i];
		const struct call_info *ci = track_call(c->t, leg - 1);
		if (!ci || leg == ci->next_leg)
			break;
		leg = ci->next_leg;
	}
}

size_t check_rule_hits(const struct checker *c, enum check_rule r)
{
	return (unsigned)r < CHECK_RULE__COUNT ? c->hits[r] : 0;
}

size_t check_checked(const struct checker *c)
{
	return c->checked;
}
