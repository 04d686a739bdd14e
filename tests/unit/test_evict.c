/* test_evict.c - bounded memory: track_evict() / ingest_evict() drop the
 * oldest finished calls, never one in progress, merged legs together, and
 * what is left reads exactly as without eviction. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/hep.h"
#include "sipscope/ingest.h"
#include "sipscope/pcap_src.h"

struct world {
	struct store *s;
	struct tracker *t;
	struct ingest *in;
	uint64_t frame;
};

static void world_new(struct world *w)
{
	memset(w, 0, sizeof *w);
	w->s = store_new();
	w->t = track_new(w->s);
	w->in = ingest_new(w->s, w->t);
	assert_non_null(w->in);
}

static void world_free(struct world *w)
{
	ingest_free(w->in);
	track_free(w->t);
	store_free(w->s);
}

static const struct store_endpoint ep_a = { .family = 4, .addr = { 192, 0, 2, 1 }, .port = 5060 };
static const struct store_endpoint ep_b = { .family = 4, .addr = { 192, 0, 2, 2 }, .port = 5060 };

/* One message of call `id` (Call-ID "call-ID", or "leg-ID" for the B2BUA
 * leg that names call-ID in X-Call-ID) at ts_us; kind picks the message. */
enum kind { INVITE, TRYING, RINGING, OK_INV, ACK, BYE, OK_BYE, BUSY, OPTIONS };

/* When >= 0: messages go as HEP3 inside a UDP frame captured at ts_us,
 * and the agent's time in every one of them is hep_clock. */
static int64_t hep_clock = -1;

static void send_hep(struct world *w, const char *text, size_t n, int from_a, int64_t ts_us)
{
	static const struct store_endpoint agent = { .family = 4, .addr = { 192, 0, 2, 9 }, .port = 40000 };
	static const struct store_endpoint collector = { .family = 4, .addr = { 192, 0, 2, 10 }, .port = 9060 };
	uint8_t hep[4096], frame[4200];
	struct hep_msg m = { .src = from_a ? ep_a : ep_b, .dst = from_a ? ep_b : ep_a, .proto = 17,
	                     .proto_type = 1, .ts_us = hep_clock, .capture_id = 5,
	                     .payload = (const uint8_t *)text, .len = n };
	long hl = hep3_encode(&m, hep, sizeof hep);
	assert_true(hl > 0);
	struct hep_msg outer = { .src = agent, .dst = collector, .proto = 17, .proto_type = 1,
	                         .ts_us = ts_us, .payload = hep, .len = (size_t)hl };
	long fl = hep_frame_build(&outer, 0, frame, sizeof frame);
	assert_true(fl > 0);
	struct frame f = { .no = ++w->frame, .ts_us = ts_us, .data = frame, .caplen = (uint32_t)fl,
	                   .len = (uint32_t)fl, .dlt = 1 /* DLT_EN10MB */ };
	uint64_t before = store_msg_count(w->s);
	assert_int_equal(ingest_frame(w->in, &f), 0);
	assert_int_equal(store_msg_count(w->s), before + 1);
	assert_int_equal(store_msg_at(w->s, before)->ts_us, hep_clock); /* the agent's time shown */
}

static void send(struct world *w, int id, int leg, enum kind k, int64_t ts_us)
{
	char callid[32], xcid[64] = "", head[128];
	snprintf(callid, sizeof callid, "%s-%d", leg ? "leg" : "call", id);
	if (leg)
		snprintf(xcid, sizeof xcid, "X-Call-ID: call-%d\r\n", id);
	int from_a = k == INVITE || k == ACK || k == BYE || k == OPTIONS;
	const char *totag = k == INVITE || k == TRYING || k == OPTIONS ? "" : ";tag=b";
	int bye = k == BYE || k == OK_BYE;
	const char *cseq = k == OPTIONS ? "1 OPTIONS" : bye ? "2 BYE" : k == ACK ? "1 ACK" : "1 INVITE";
	const char *branch = bye ? "z9hG4bK-bye" : k == ACK ? "z9hG4bK-ack" : "z9hG4bK-inv";
	switch (k) {
	case INVITE: snprintf(head, sizeof head, "INVITE sip:b%d@example.com SIP/2.0", id); break;
	case ACK: snprintf(head, sizeof head, "ACK sip:b%d@example.com SIP/2.0", id); break;
	case BYE: snprintf(head, sizeof head, "BYE sip:b%d@example.com SIP/2.0", id); break;
	case OPTIONS: snprintf(head, sizeof head, "OPTIONS sip:b%d@example.com SIP/2.0", id); break;
	case TRYING: snprintf(head, sizeof head, "SIP/2.0 100 Trying"); break;
	case RINGING: snprintf(head, sizeof head, "SIP/2.0 180 Ringing"); break;
	case BUSY: snprintf(head, sizeof head, "SIP/2.0 486 Busy Here"); break;
	default: snprintf(head, sizeof head, "SIP/2.0 200 OK"); break;
	}
	char text[1024];
	int n = snprintf(text, sizeof text,
	                 "%s\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=%s-%s\r\n"
	                 "From: <sip:a%d@example.com>;tag=a%d\r\nTo: <sip:b%d@example.com>%s\r\n"
	                 "Call-ID: %s\r\nCSeq: %s\r\n%sContent-Length: 0\r\n\r\n",
	                 head, branch, callid, id, id, id, totag, callid, cseq, xcid);
	assert_true(n > 0 && (size_t)n < sizeof text);
	if (hep_clock >= 0) {
		send_hep(w, text, (size_t)n, from_a, ts_us);
		return;
	}
	assert_int_equal(ingest_raw_message(w->in, ++w->frame, ts_us, from_a ? &ep_a : &ep_b,
	                                    from_a ? &ep_b : &ep_a, STORE_TP_UDP, 0, text, (size_t)n),
	                 1);
}

/* A whole call: INVITE ... BYE 200, 10 ms apart from t0. */
static void call_completed(struct world *w, int id, int leg, int64_t t0)
{
	static const enum kind seq[] = { INVITE, TRYING, RINGING, OK_INV, ACK, BYE, OK_BYE };
	for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++)
		send(w, id, leg, seq[i], t0 + 10000 * (int64_t)i);
}

/* Answered, no BYE yet: in progress. */
static void call_answered(struct world *w, int id, int leg, int64_t t0)
{
	static const enum kind seq[] = { INVITE, TRYING, RINGING, OK_INV, ACK };
	for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++)
		send(w, id, leg, seq[i], t0 + 10000 * (int64_t)i);
}

static uint32_t find(const struct world *w, const char *callid)
{
	uint32_t leg = track_find_call(w->t, sv_hash(sv_make(callid, strlen(callid))));
	return leg ? track_call_root(w->t, leg) : 0;
}

/* The call named callid reads the same in both worlds: summary, strings,
 * and message by message the records and what their ids point at. */
static void assert_same_call(struct world *x, struct world *y, const char *callid)
{
	uint32_t cx = find(x, callid), cy = find(y, callid);
	assert_true(cx && cy);
	const struct call_info *a = track_call(x->t, cx - 1), *b = track_call(y->t, cy - 1);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->final_status, b->final_status);
	assert_int_equal(a->method, b->method);
	assert_int_equal(a->start_us, b->start_us);
	assert_int_equal(a->end_us, b->end_us);
	assert_int_equal(a->bye_ok_us, b->bye_ok_us);
	assert_true(sv_eq(store_str(x->s, a->call_id), store_str(y->s, b->call_id)));
	assert_true(sv_eq(store_str(x->s, a->from), store_str(y->s, b->from)));
	assert_true(sv_eq(store_str(x->s, a->to), store_str(y->s, b->to)));
	struct call_totals ta, tb;
	track_call_totals(x->t, cx, &ta);
	track_call_totals(y->t, cy, &tb);
	assert_int_equal(ta.nlegs, tb.nlegs);
	assert_int_equal(ta.nmsgs, tb.nmsgs);
	assert_int_equal(ta.ndialogs, tb.ndialogs);
	size_t *ma, *mb;
	long na = track_call_messages(x->t, cx, &ma), nb = track_call_messages(y->t, cy, &mb);
	assert_int_equal(na, nb);
	for (long i = 0; i < na; i++) {
		const struct store_msg *p = store_msg_at(x->s, ma[i]), *q = store_msg_at(y->s, mb[i]);
		assert_int_equal(p->frame, q->frame);
		assert_int_equal(p->flags, q->flags);
		assert_int_equal(p->status, q->status);
		assert_int_equal(p->method, q->method);
		assert_int_equal(track_call_root(x->t, p->call), cx);
		assert_true(sv_eq(store_str(x->s, p->call_id), store_str(y->s, q->call_id)));
		char e1[64], e2[64];
		assert_string_equal(store_endpoint_format(store_endpoint(x->s, p->src), e1, sizeof e1),
		                    store_endpoint_format(store_endpoint(y->s, q->src), e2, sizeof e2));
		assert_int_equal(!p->request_msg, !q->request_msg);
		if (p->request_msg)
			assert_int_equal(store_msg_at(x->s, p->request_msg - 1)->frame,
			                 store_msg_at(y->s, q->request_msg - 1)->frame);
		assert_int_equal(!p->txn, !q->txn);
		if (p->txn) {
			const struct txn_info *u = track_txn(x->t, p->txn), *v = track_txn(y->t, q->txn);
			assert_int_equal(store_msg_at(x->s, u->first_msg - 1)->frame,
			                 store_msg_at(y->s, v->first_msg - 1)->frame);
			assert_int_equal(u->final_status, v->final_status);
			assert_int_equal(!u->final_msg, !v->final_msg);
			if (u->final_msg)
				assert_int_equal(store_msg_at(x->s, u->final_msg - 1)->frame,
				                 store_msg_at(y->s, v->final_msg - 1)->frame);
			assert_int_equal(!u->origin, !v->origin);
		}
		assert_int_equal(!p->dialog, !q->dialog);
		if (p->dialog) {
			const struct dlg_info *u = track_dialog(x->t, p->dialog), *v = track_dialog(y->t, q->dialog);
			assert_int_equal(u->state, v->state);
			assert_int_equal(track_call_root(x->t, u->call), cx);
			assert_int_equal(store_msg_at(x->s, u->first_msg - 1)->frame,
			                 store_msg_at(y->s, v->first_msg - 1)->frame);
		}
		size_t la, lb;
		char copy[2048];
		const char *bytes = store_msg_bytes(x->s, ma[i], &la);
		assert_non_null(bytes);
		assert_true(la < sizeof copy);
		memcpy(copy, bytes, la);
		bytes = store_msg_bytes(y->s, mb[i], &lb);
		assert_int_equal(la, lb);
		assert_memory_equal(copy, bytes, la);
	}
	free(ma);
	free(mb);
}

struct hook_log {
	size_t evicting;
	uint32_t roots[64];
	size_t remaps, old_ncalls, old_nmsgs;
};

static void log_evicting(void *ctx, uint32_t root)
{
	struct hook_log *h = ctx;
	if (h->evicting < 64)
		h->roots[h->evicting] = root;
	h->evicting++;
}

static void log_remapped(void *ctx, const uint32_t *call_map, size_t ncalls, const uint32_t *msg_map,
                         size_t nmsgs)
{
	struct hook_log *h = ctx;
	(void)call_map;
	(void)msg_map;
	h->remaps++;
	h->old_ncalls = ncalls;
	h->old_nmsgs = nmsgs;
}

/* 20 completed calls a second apart, 2 answered ones in between: keeping
 * 5, the 17 oldest completed go and the answered ones stay. */
static void feed_twenty(struct world *w)
{
	for (int i = 1; i <= 20; i++) {
		call_completed(w, i, 0, (int64_t)i * 1000000);
		if (i == 3 || i == 7)
			call_answered(w, 100 + i, 0, (int64_t)i * 1000000 + 500000);
	}
}

static void test_oldest_finished_calls_go_active_stay(void **state)
{
	(void)state;
	struct world w, ref;
	world_new(&w);
	world_new(&ref);
	feed_twenty(&w);
	feed_twenty(&ref);
	assert_int_equal(track_root_count(w.t), 22);
	struct hook_log log;
	memset(&log, 0, sizeof log);
	struct track_evict_hooks hooks = { log_evicting, log_remapped, &log };
	assert_int_equal(track_evict(w.t, 5, 0, 0, &hooks), 17);
	assert_int_equal(log.evicting, 17);
	assert_int_equal(log.remaps, 1);
	assert_int_equal(log.old_ncalls, 22);
	assert_int_equal(log.old_nmsgs, 20 * 7 + 2 * 5);
	assert_int_equal(track_root_count(w.t), 5);
	assert_int_equal(track_call_count(w.t), 5);
	assert_int_equal(store_msg_count(w.s), 3 * 7 + 2 * 5);
	uint64_t calls, msgs;
	track_evicted(w.t, &calls, &msgs);
	assert_int_equal(calls, 17);
	assert_int_equal(msgs, 17 * 7);
	/* The strings of the calls that went are gone too (Call-ID, From, To). */
	assert_int_equal(store_str_count(w.s), 5 * 3);
	for (int i = 1; i <= 17; i++) {
		char id[32];
		snprintf(id, sizeof id, "call-%d", i);
		assert_int_equal(find(&w, id), 0);
	}
	assert_same_call(&w, &ref, "call-103");
	assert_same_call(&w, &ref, "call-107");
	for (int i = 18; i <= 20; i++) {
		char id[32];
		snprintf(id, sizeof id, "call-%d", i);
		assert_same_call(&w, &ref, id);
	}
	/* Nothing more to evict: the rest is newer or in progress. */
	assert_int_equal(track_evict(w.t, 2, 0, 0, NULL), 3);
	assert_int_equal(track_evict(w.t, 0, 0, 0, NULL), 0);
	assert_int_equal(track_root_count(w.t), 2);
	assert_same_call(&w, &ref, "call-107");
	world_free(&w);
	world_free(&ref);
}

/* After a compaction the renumbered tables keep working: a retransmitted
 * 200 is still a retransmission, a BYE ends the kept call, new calls come. */
static void test_tracking_goes_on_after_eviction(void **state)
{
	(void)state;
	struct world w, ref;
	world_new(&w);
	world_new(&ref);
	feed_twenty(&w);
	feed_twenty(&ref);
	assert_int_equal(track_evict(w.t, 5, 0, 0, NULL), 17);
	for (int k = 0; k < 2; k++) {
		struct world *x = k ? &ref : &w;
		send(x, 107, 0, OK_INV, 30000000);   /* retransmission */
		send(x, 103, 0, BYE, 30100000);
		send(x, 103, 0, OK_BYE, 30110000);
		call_completed(x, 21, 0, 31000000);
		call_answered(x, 22, 0, 32000000);
		send(x, 5, 0, BYE, 33000000);         /* a call that went: a new one */
	}
	assert_same_call(&w, &ref, "call-107");
	assert_same_call(&w, &ref, "call-103");
	assert_same_call(&w, &ref, "call-21");
	assert_same_call(&w, &ref, "call-22");
	assert_int_equal(track_call(w.t, find(&w, "call-103") - 1)->state, CALL_STATE_COMPLETED);
	uint32_t c107 = find(&w, "call-107");
	const struct store_msg *last = store_msg_at(w.s, track_call(w.t, c107 - 1)->last_msg);
	assert_true(last->flags & STORE_MSG_RETRANS);
	assert_int_not_equal(find(&w, "call-5"), 0); /* known again, from its BYE alone */
	track_finish(w.t);
	track_finish(ref.t);
	assert_same_call(&w, &ref, "call-22");
	world_free(&w);
	world_free(&ref);
}

/* A merged call goes whole, and only when every leg has finished. */
static void test_merged_legs_go_together(void **state)
{
	(void)state;
	struct world w;
	world_new(&w);
	call_completed(&w, 1, 0, 1000000);
	call_completed(&w, 1, 1, 1001000);   /* leg-1, X-Call-ID: call-1 */
	call_completed(&w, 2, 0, 2000000);
	call_answered(&w, 2, 1, 2001000);    /* leg-2 still talking */
	call_completed(&w, 3, 0, 3000000);
	assert_int_equal(track_call_count(w.t), 5);
	assert_int_equal(track_root_count(w.t), 3);
	assert_int_equal(find(&w, "leg-1"), find(&w, "call-1"));
	assert_int_equal(track_evict(w.t, 0, 0, 0, NULL), 2); /* call 1 (both legs) and 3 */
	assert_int_equal(track_call_count(w.t), 2);
	assert_int_equal(track_root_count(w.t), 1);
	assert_int_equal(find(&w, "leg-1"), 0);
	assert_int_equal(find(&w, "call-3"), 0);
	uint32_t c2 = find(&w, "call-2");
	assert_int_equal(c2, 1);
	assert_int_equal(find(&w, "leg-2"), c2);
	struct call_totals tot;
	track_call_totals(w.t, c2, &tot);
	assert_int_equal(tot.nlegs, 2);
	assert_int_equal(tot.nmsgs, 12);
	assert_int_equal(store_msg_count(w.s), 12);
	uint64_t calls, msgs;
	track_evicted(w.t, &calls, &msgs);
	assert_int_equal(calls, 2);
	assert_int_equal(msgs, 21);
	world_free(&w);
}

/* ingest_evict: nothing goes before the calls have been quiet for 64*T1,
 * an unanswered INVITE goes as failed once Timer B has run, and the
 * limit has some slack. */
static void test_ingest_evict_waits_for_quiet_calls(void **state)
{
	(void)state;
	struct world w;
	world_new(&w);
	for (int i = 1; i <= 4; i++)
		call_completed(&w, i, 0, (int64_t)i * 1000000);
	send(&w, 9, 0, INVITE, 4500000);     /* never answered */
	assert_int_equal(ingest_evict(w.in, 2, NULL), 0); /* all too recent */
	call_completed(&w, 5, 0, 20000000);
	assert_int_equal(ingest_evict(w.in, 2, NULL), 0);
	call_completed(&w, 6, 0, 40000000);   /* calls 1-4 and 9 quiet for 32 s now */
	struct hook_log log;
	memset(&log, 0, sizeof log);
	struct track_evict_hooks hooks = { log_evicting, NULL, &log };
	assert_int_equal(track_root_count(w.t), 7);
	assert_int_equal(ingest_evict(w.in, 2, &hooks), 5);
	assert_int_equal(log.evicting, 5);
	assert_int_equal(track_root_count(w.t), 2);
	assert_int_not_equal(find(&w, "call-5"), 0);
	assert_int_not_equal(find(&w, "call-6"), 0);
	assert_int_equal(find(&w, "call-9"), 0);
	world_free(&w);
}

/* Calls that never end: past the cap, the least recently active go
 * (order of their last message, not of their start), marked cut, until
 * an eighth under the cap is left. */
static uint8_t cut_seen[16];
static void note_cut(void *ctx, uint32_t root)
{
	struct world *w = ctx;
	const struct call_info *c = track_call(w->t, root - 1);
	int id = atoi(store_str(w->s, c->call_id).p + 5); /* "call-N" */
	assert_true(id > 0 && id < 16);
	cut_seen[id] = (c->flags & CALL_FLAG_CUT) ? 2 : 1;
	assert_int_equal(c->state, CALL_STATE_IN_CALL); /* shown as it stood */
}

static void test_hard_cap_cuts_least_recently_active_open_calls(void **state)
{
	(void)state;
	struct world w;
	world_new(&w);
	memset(cut_seen, 0, sizeof cut_seen);
	for (int i = 1; i <= 6; i++)
		call_answered(&w, i, 0, (int64_t)i * 1000000);
	send(&w, 2, 0, ACK, 7000000); /* calls 2 and 4 were active again */
	send(&w, 4, 0, ACK, 7100000);
	struct track_evict_hooks hooks = { note_cut, NULL, &w };
	assert_int_equal(track_evict(w.t, 2, 0, TRACK_EVICT_QUIET_US, &hooks), 0); /* no cap */
	assert_int_equal(track_evict(w.t, 2, 4, TRACK_EVICT_QUIET_US, &hooks), 2);
	assert_int_equal(track_root_count(w.t), 4);
	assert_int_equal(track_cut_count(w.t), 2);
	for (int i = 1; i <= 6; i++) {
		int stays = i != 1 && i != 3;
		char cid[24];
		snprintf(cid, sizeof cid, "call-%d", i);
		assert_int_equal(find(&w, cid) != 0, stays);
		assert_int_equal(cut_seen[i], stays ? 0 : 2);
	}
	/* What stays is tracked on: new calls, and the cap again, the oldest
	 * activity first (5 and 6 now; 2 was active again). */
	call_answered(&w, 7, 0, 8000000);
	send(&w, 2, 0, ACK, 9000000);
	call_answered(&w, 8, 0, 10000000);
	assert_int_equal(track_evict(w.t, 2, 4, TRACK_EVICT_QUIET_US, &hooks), 2);
	assert_int_equal(find(&w, "call-5"), 0);
	assert_int_equal(find(&w, "call-6"), 0);
	assert_int_not_equal(find(&w, "call-2"), 0);
	assert_int_not_equal(find(&w, "call-4"), 0);
	assert_int_not_equal(find(&w, "call-7"), 0);
	assert_int_not_equal(find(&w, "call-8"), 0);
	assert_int_equal(track_call(w.t, find(&w, "call-2") - 1)->nmsgs, 7);
	world_free(&w);
}

/* ingest_evict: calls that never end stay under its cap (twice the limit,
 * at least the limit + INGEST_CAP_ROOM). */
static void test_ingest_evict_caps_calls_that_never_end(void **state)
{
	(void)state;
	struct world w;
	world_new(&w);
	size_t cap = ingest_calls_cap(2);
	assert_int_equal(cap, 2 + INGEST_CAP_ROOM);
	assert_int_equal(ingest_calls_cap(5000), 10000);
	size_t most = 0;
	for (int i = 1; i <= (int)cap + 300; i++) {
		call_answered(&w, i, 0, (int64_t)i * 1000);
		assert_true(ingest_evict(w.in, 2, NULL) >= 0);
		if (track_root_count(w.t) > most)
			most = track_root_count(w.t);
	}
	assert_true(most <= cap);
	assert_true(track_cut_count(w.t) >= 300);
	world_free(&w);
}

/* Finished calls go before open ones, however old the open ones are. */
static void test_hard_cap_takes_finished_calls_first(void **state)
{
	(void)state;
	struct world w;
	world_new(&w);
	memset(cut_seen, 0, sizeof cut_seen);
	call_answered(&w, 1, 0, 1000000);
	call_completed(&w, 2, 0, 2000000);
	call_completed(&w, 3, 0, 3000000);
	call_answered(&w, 4, 0, 50000000);
	/* 2 and 3 quiet for 32 s: they go; 1 and 4 stay (the limit is met) */
	assert_int_equal(track_evict(w.t, 2, 3, TRACK_EVICT_QUIET_US, NULL), 2);
	assert_int_not_equal(find(&w, "call-1"), 0);
	assert_int_not_equal(find(&w, "call-4"), 0);
	assert_int_equal(track_cut_count(w.t), 0);
	world_free(&w);
}

/* HEP: the agent's clock stands still (the same time in every packet);
 * the calls still age by when they came, and finished ones go as usual
 * (not cut).  Before, nothing was ever quiet and nothing went. */
static void test_calls_age_by_arrival_not_by_hep_time(void **state)
{
	(void)state;
	struct world w;
	world_new(&w);
	hep_clock = 1700000000000000LL;
	for (int i = 1; i <= 4; i++)
		call_completed(&w, i, 0, (int64_t)i * 1000000);
	call_answered(&w, 5, 0, 5000000);
	assert_int_equal(track_evict(w.t, 1, 0, TRACK_EVICT_QUIET_US, NULL), 0); /* too recent */
	call_completed(&w, 6, 0, 60000000); /* arrives a minute on: 1-4 quiet */
	assert_int_equal(track_evict(w.t, 1, 0, TRACK_EVICT_QUIET_US, NULL), 4);
	assert_int_equal(track_root_count(w.t), 2);
	assert_int_not_equal(find(&w, "call-5"), 0); /* open: no hard cap asked */
	assert_int_not_equal(find(&w, "call-6"), 0);
	assert_int_equal(track_cut_count(w.t), 0);
	hep_clock = -1;
	world_free(&w);
}

/* A call evicted unanswered was failed (Timer B) when the hook saw it. */
static uint8_t seen_state;
static void note_state(void *ctx, uint32_t root)
{
	struct world *w = ctx;
	seen_state = track_call(w->t, root - 1)->state;
}

static void test_unanswered_call_is_failed_when_evicted(void **state)
{
	(void)state;
	struct world w;
	world_new(&w);
	send(&w, 1, 0, INVITE, 1000000);
	send(&w, 1, 0, TRYING, 1001000);
	call_completed(&w, 2, 0, 40000000);
	struct track_evict_hooks hooks = { note_state, NULL, &w };
	assert_int_equal(track_evict(w.t, 1, 0, 0, &hooks), 1);
	assert_int_equal(seen_state, CALL_STATE_FAILED);
	world_free(&w);
}

/* Many rounds of calls through a small limit: memory use (records, calls,
 * strings) stays flat, and counts add up. */
static void test_memory_stays_flat_over_many_calls(void **state)
{
	(void)state;
	struct world w;
	world_new(&w);
	size_t max_msgs = 0, max_strs = 0;
	call_answered(&w, 0, 0, 500000); /* in progress throughout: its strings stay put */
	for (int i = 1; i <= 3000; i++) {
		call_completed(&w, i, 0, (int64_t)i * 1000000);
		if (i % 10 == 0)
			send(&w, i, 0, OPTIONS, (int64_t)i * 1000000 + 1); /* OPTIONS, no answer */
		assert_true(ingest_evict(w.in, 50, NULL) >= 0);
		if (store_msg_count(w.s) > max_msgs)
			max_msgs = store_msg_count(w.s);
		if (store_str_count(w.s) > max_strs)
			max_strs = store_str_count(w.s);
	}
	assert_true(track_root_count(w.t) <= 50 + 50 / 8 + 1);
	assert_true(max_msgs < 100 * 8);
	assert_true(max_strs < 100 * 3);
	uint64_t calls, msgs;
	track_evicted(w.t, &calls, &msgs);
	assert_int_equal(calls + track_root_count(w.t), 3001);
	assert_int_equal(msgs + store_msg_count(w.s), 3000 * 7 + 300 + 5);
	/* The strings of every call left read as they were written. */
	assert_int_not_equal(find(&w, "call-0"), 0);
	for (size_t i = 0; i < track_call_count(w.t); i++) {
		const struct call_info *c = track_call(w.t, i);
		struct sv id = store_str(w.s, c->call_id);
		char want[96], got[64];
		assert_true(id.len > 5 && id.len < 32);
		snprintf(got, sizeof got, "%.*s", (int)id.len, id.p);
		snprintf(want, sizeof want, "sip:a%s@example.com", got + 5);
		assert_true(sv_eq(store_str(w.s, c->from), sv_make(want, strlen(want))));
		for (uint32_t k = c->last_msg + 1; k; k = track_prev_in_call(w.t, k - 1))
			assert_true(sv_eq(store_str(w.s, store_msg_at(w.s, k - 1)->call_id), id));
	}
	world_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oldest_finished_calls_go_active_stay),
		cmocka_unit_test(test_tracking_goes_on_after_eviction),
		cmocka_unit_test(test_merged_legs_go_together),
		cmocka_unit_test(test_ingest_evict_waits_for_quiet_calls),
		cmocka_unit_test(test_unanswered_call_is_failed_when_evicted),
		cmocka_unit_test(test_hard_cap_cuts_least_recently_active_open_calls),
		cmocka_unit_test(test_hard_cap_takes_finished_calls_first),
		cmocka_unit_test(test_ingest_evict_caps_calls_that_never_end),
		cmocka_unit_test(test_calls_age_by_arrival_not_by_hep_time),
		cmocka_unit_test(test_memory_stays_flat_over_many_calls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
