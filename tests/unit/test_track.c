/* test_track.c - transactions, dialogs, calls, retransmissions. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sipscope/sip.h"
#include "sipscope/store.h"
#include "sipscope/track.h"

struct fx {
	struct store *s;
	struct tracker *t;
	int64_t now;
};

static int setup(void **state)
{
	static struct fx f;
	f.s = store_new();
	f.t = track_new(f.s);
	f.now = 1700000000LL * 1000000;
	*state = &f;
	return f.s && f.t ? 0 : -1;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	track_free(f->t);
	store_free(f->s);
	return 0;
}

static uint32_t ep(struct fx *f, int host, uint16_t port)
{
	struct store_endpoint e;
	memset(&e, 0, sizeof e);
	e.family = 4;
	e.addr[0] = 10;
	e.addr[3] = (uint8_t)host;
	e.port = port;
	return store_endpoint_id(f->s, &e);
}

/* Feed one message from host a to host b, as ingest does; returns its
 * store index.  A malformed message only when bad is set. */
__attribute__((format(printf, 5, 0)))
static size_t vfeed(struct fx *f, int a, int b, int bad, const char *fmt, va_list ap)
{
	static char buf[4096];
	static struct sip_header hdrs[64];
	int len = vsnprintf(buf, sizeof buf, fmt, ap);
	struct sip_msg m;
	assert_true(sip_parse(buf, (size_t)len, SIP_PARSE_DATAGRAM, &m, hdrs, 64) > 0);
	if (bad)
		assert_non_null(m.malformed);
	else
		assert_null(m.malformed);
	struct store_msg r;
	memset(&r, 0, sizeof r);
	f->now += 1000;
	r.ts_us = f->now;
	r.frame = store_msg_count(f->s) + 1;
	r.flags = m.is_request ? STORE_MSG_REQUEST : 0;
	r.method = (uint8_t)sip_method_from_sv(m.is_request ? m.method : m.cseq_method);
	r.status = (uint16_t)m.status;
	r.src = ep(f, a, 5060);
	r.dst = ep(f, b, 5060);
	r.cseq = m.cseq;
	r.malformed = m.malformed;
	r.call_id = store_intern(f->s, m.call_id);
	long idx = store_append_msg(f->s, &r);
	assert_true(idx >= 0);
	struct track_input ti;
	track_input_from_sip(&ti, &m, NULL);
	track_input_set_bytes(&ti, buf, (size_t)len);
	assert_int_equal(track_msg(f->t, (size_t)idx, &ti), 0);
	return (size_t)idx;
}

__attribute__((format(printf, 4, 5)))
static size_t feed(struct fx *f, int a, int b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t idx = vfeed(f, a, b, 0, fmt, ap);
	va_end(ap);
	return idx;
}

/* The same for a message the parser finds malformed. */
__attribute__((format(printf, 4, 5)))
static size_t feed_bad(struct fx *f, int a, int b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t idx = vfeed(f, a, b, 1, fmt, ap);
	va_end(ap);
	return idx;
}

#define HDRS(branch, ftag, ttag, cseq, meth) \
	"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=" branch "\r\n" \
	"From: <sip:a@x>;tag=" ftag "\r\nTo: <sip:b@y>" ttag "\r\n" \
	"Call-ID: call-1\r\nCSeq: " cseq " " meth "\r\nContent-Length: 0\r\n\r\n"

#define REQ(meth, branch, ttag, cseq) meth " sip:b@y SIP/2.0\r\n" HDRS(branch, "f1", ttag, cseq, meth)
#define RSP(code, branch, ttag, cseq, meth) "SIP/2.0 " code "\r\n" HDRS(branch, "f1", ttag, cseq, meth)

static struct store_msg *at(struct fx *f, size_t i) { return store_msg_at(f->s, i); }

static void test_basic_call_transactions_dialog_and_state(void **state)
{
	struct fx *f = *state;
	size_t inv = feed(f, 1, 2, REQ("INVITE", "z9hG4bK1", "", "1"));
	size_t tr = feed(f, 2, 1, RSP("100 Trying", "z9hG4bK1", "", "1", "INVITE"));
	size_t rg = feed(f, 2, 1, RSP("180 Ringing", "z9hG4bK1", ";tag=t1", "1", "INVITE"));
	size_t ok = feed(f, 2, 1, RSP("200 OK", "z9hG4bK1", ";tag=t1", "1", "INVITE"));
	size_t ack = feed(f, 1, 2, REQ("ACK", "z9hG4bK2", ";tag=t1", "1"));
	size_t bye = feed(f, 1, 2, REQ("BYE", "z9hG4bK3", ";tag=t1", "2"));
	size_t bok = feed(f, 2, 1, RSP("200 OK", "z9hG4bK3", ";tag=t1", "2", "BYE"));
	track_finish(f->t);

	/* INVITE, ACK (for 2xx: its own), BYE: three transactions. */
	assert_int_equal(at(f, inv)->txn, at(f, ok)->txn);
	assert_int_equal(at(f, tr)->txn, at(f, inv)->txn);
	assert_int_not_equal(at(f, ack)->txn, at(f, inv)->txn);
	assert_int_not_equal(at(f, bye)->txn, at(f, inv)->txn);
	assert_int_equal(at(f, bok)->txn, at(f, bye)->txn);
	assert_int_equal(at(f, ok)->request_msg, inv + 1);
	assert_int_equal(at(f, bok)->request_msg, bye + 1);
	/* One dialog, joined after the fact by the INVITE and its 100. */
	uint32_t d = at(f, rg)->dialog;
	assert_int_not_equal(d, 0);
	for (size_t i = inv; i <= bok; i++)
		assert_int_equal(at(f, i)->dialog, d);
	for (size_t i = inv; i <= bok; i++)
		assert_false(at(f, i)->flags & STORE_MSG_RETRANS);

	assert_int_equal(track_call_count(f->t), 1);
	const struct call_info *c = track_call(f->t, 0);
	assert_int_equal(c->state, CALL_STATE_COMPLETED);
	assert_int_equal(c->final_status, 200);
	assert_int_equal(c->nmsgs, 7);
	assert_int_equal(c->final_us - c->start_us, 3000);
	assert_int_equal(c->bye_us - c->answer_us, 2000);
	assert_string_equal(track_state_name((enum call_state)c->state), "completed");
}

static void test_retransmissions_same_hop_only(void **state)
{
	struct fx *f = *state;
	size_t inv = feed(f, 1, 2, REQ("INVITE", "z9hG4bK1", "", "1"));
	size_t again = feed(f, 1, 2, REQ("INVITE", "z9hG4bK1", "", "1"));
	/* The same request seen on the next hop (e.g. both sides of a
	 * device that keeps the branch) is not a retransmission. */
	size_t other_hop = feed(f, 2, 3, REQ("INVITE", "z9hG4bK1", "", "1"));
	size_t ok = feed(f, 2, 1, RSP("200 OK", "z9hG4bK1", ";tag=t1", "1", "INVITE"));
	size_t ok2 = feed(f, 2, 1, RSP("200 OK", "z9hG4bK1", ";tag=t1", "1", "INVITE"));
	/* A forked 2xx (another To tag) is a new dialog, not a repeat. */
	size_t fork = feed(f, 2, 1, RSP("200 OK", "z9hG4bK1", ";tag=t2", "1", "INVITE"));
	size_t ack = feed(f, 1, 2, REQ("ACK", "z9hG4bK9", ";tag=t1", "1"));
	size_t ack2 = feed(f, 1, 2, REQ("ACK", "z9hG4bK9", ";tag=t1", "1"));
	assert_false(at(f, inv)->flags & STORE_MSG_RETRANS);
	assert_true(at(f, again)->flags & STORE_MSG_RETRANS);
	assert_false(at(f, other_hop)->flags & STORE_MSG_RETRANS);
	assert_false(at(f, ok)->flags & STORE_MSG_RETRANS);
	assert_true(at(f, ok2)->flags & STORE_MSG_RETRANS);
	assert_false(at(f, fork)->flags & STORE_MSG_RETRANS);
	assert_int_not_equal(at(f, fork)->dialog, at(f, ok)->dialog);
	assert_false(at(f, ack)->flags & STORE_MSG_RETRANS);
	assert_true(at(f, ack2)->flags & STORE_MSG_RETRANS);
	assert_int_equal(track_call(f->t, 0)->final_status, 200);
}

static void test_ack_for_non2xx_matches_invite_txn(void **state)
{
	struct fx *f = *state;
	size_t inv = feed(f, 1, 2, REQ("INVITE", "z9hG4bK1", "", "1"));
	feed(f, 2, 1, RSP("486 Busy Here", "z9hG4bK1", ";tag=t1", "1", "INVITE"));
	size_t ack = feed(f, 1, 2, REQ("ACK", "z9hG4bK1", ";tag=t1", "1"));
	assert_int_equal(at(f, ack)->txn, at(f, inv)->txn);
	const struct call_info *c = track_call(f->t, 0);
	assert_int_equal(c->state, CALL_STATE_BUSY);
	assert_int_equal(c->final_status, 486);
}

static void test_cancel_is_own_transaction_and_call_cancelled(void **state)
{
	struct fx *f = *state;
	size_t inv = feed(f, 1, 2, REQ("INVITE", "z9hG4bK1", "", "1"));
	feed(f, 2, 1, RSP("180 Ringing", "z9hG4bK1", ";tag=t1", "1", "INVITE"));
	assert_int_equal(track_call(f->t, 0)->state, CALL_STATE_RINGING);
	size_t can = feed(f, 1, 2, REQ("CANCEL", "z9hG4bK1", "", "1"));
	size_t cok = feed(f, 2, 1, RSP("200 OK", "z9hG4bK1", ";tag=t1", "1", "CANCEL"));
	size_t t487 = feed(f, 2, 1, RSP("487 Request Terminated", "z9hG4bK1", ";tag=t1", "1", "INVITE"));
	assert_int_not_equal(at(f, can)->txn, at(f, inv)->txn);
	assert_int_equal(at(f, cok)->txn, at(f, can)->txn);
	assert_int_equal(at(f, t487)->txn, at(f, inv)->txn);
	const struct call_info *c = track_call(f->t, 0);
	assert_int_equal(c->state, CALL_STATE_CANCELLED);
	assert_int_equal(c->final_status, 487);
}

/* A 487 that lost its Via (a broken proxy), sent to the caller. */
#define NOVIA_487(ftag, extra) \
	"SIP/2.0 487 Request Terminated\r\nFrom: <sip:a@x>;tag=" ftag "\r\nTo: <sip:b@y>;tag=t1\r\n" \
	"Call-ID: call-1\r\nCSeq: 1 INVITE\r\n" extra "Content-Length: 0\r\n\r\n"

/* The proxy re-sends its Via-less 487 as the caller's ACK cannot match it:
 * the copies are retransmissions, malformed still, and the 487 is the
 * INVITE's final response, so the call is cancelled with Code 487. */
static void test_vialess_487_resent_byte_for_byte_is_retrans_and_final(void **state)
{
	struct fx *f = *state;
	size_t inv = feed(f, 1, 2, REQ("INVITE", "z9hG4bK1", "", "1"));
	feed(f, 2, 1, RSP("100 Trying", "z9hG4bK1", "", "1", "INVITE"));
	feed(f, 1, 2, REQ("CANCEL", "z9hG4bK1", "", "1"));
	feed(f, 2, 1, RSP("200 OK", "z9hG4bK1", ";tag=t1", "1", "CANCEL"));
	size_t r1 = feed_bad(f, 2, 1, NOVIA_487("f1", ""));
	size_t r2 = feed_bad(f, 2, 1, NOVIA_487("f1", ""));
	size_t r3 = feed_bad(f, 2, 1, NOVIA_487("f1", ""));
	size_t ack = feed(f, 1, 2, REQ("ACK", "z9hG4bK1", ";tag=t1", "1"));
	assert_false(at(f, r1)->flags & STORE_MSG_RETRANS);
	assert_true(at(f, r2)->flags & STORE_MSG_RETRANS);
	assert_true(at(f, r3)->flags & STORE_MSG_RETRANS);
	for (size_t i = r1; i <= r3; i++) {
		assert_string_equal(at(f, i)->malformed, "missing Via");
		assert_int_equal(at(f, i)->txn, at(f, inv)->txn);
		assert_int_equal(at(f, i)->request_msg, inv + 1);
	}
	assert_int_equal(at(f, ack)->txn, at(f, inv)->txn); /* the ACK of a non-2xx */
	assert_false(at(f, ack)->flags & STORE_MSG_RETRANS);
	const struct call_info *c = track_call(f->t, 0);
	assert_int_equal(c->final_status, 487);
	assert_int_equal(c->state, CALL_STATE_CANCELLED);
	assert_int_equal(track_txn(f->t, at(f, inv)->txn)->final_status, 487);
}

/* Only the very bytes make a malformed message a repeat: differing ones
 * in one transaction, or the same on another hop, are not; nor does a
 * Via-less response join a request it does not answer. */
static void test_different_malformed_messages_are_not_retransmissions(void **state)
{
	struct fx *f = *state;
	size_t inv = feed(f, 1, 2, REQ("INVITE", "z9hG4bK1", "", "1"));
	size_t again = feed(f, 1, 2, REQ("INVITE", "z9hG4bK1", "", "1"));
	/* Malformed with a Via: conflicting Content-Type, two ways. */
#define RING_BAD "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n" \
	"From: <sip:a@x>;tag=f1\r\nTo: <sip:b@y>;tag=t1\r\nCall-ID: call-1\r\n" \
	"CSeq: 1 INVITE\r\nContent-Type: a/b\r\nContent-Type: %s\r\nContent-Length: 0\r\n\r\n"
	size_t g1 = feed_bad(f, 2, 1, RING_BAD, "c/d");
	size_t g2 = feed_bad(f, 2, 1, RING_BAD, "e/f");
	size_t g3 = feed_bad(f, 2, 1, RING_BAD, "e/f");
	size_t a = feed_bad(f, 2, 1, NOVIA_487("f1", ""));
	size_t b = feed_bad(f, 2, 1, NOVIA_487("f1", "Reason: SIP;cause=487\r\n"));
	size_t hop = feed_bad(f, 2, 3, NOVIA_487("f1", ""));
	size_t other = feed_bad(f, 2, 1, NOVIA_487("f9", ""));
	assert_true(at(f, again)->flags & STORE_MSG_RETRANS);
	assert_false(at(f, g1)->flags & STORE_MSG_RETRANS);
	assert_false(at(f, g2)->flags & STORE_MSG_RETRANS);
	assert_true(at(f, g3)->flags & STORE_MSG_RETRANS);
	assert_false(at(f, a)->flags & STORE_MSG_RETRANS);
	assert_false(at(f, b)->flags & STORE_MSG_RETRANS);
	assert_false(at(f, hop)->flags & STORE_MSG_RETRANS);
	assert_false(at(f, other)->flags & STORE_MSG_RETRANS);
	assert_int_equal(at(f, a)->txn, at(f, inv)->txn);
	assert_int_equal(at(f, hop)->txn, 0);   /* no request went 3 -> 2 */
	assert_int_equal(at(f, other)->txn, 0); /* another From tag */
	assert_int_equal(track_call(f->t, 0)->final_status, 487);
}

/* The capture began after the request: its response, re-sent byte for
 * byte, is a retransmission all the same; another response is not. */
static void test_response_to_an_unseen_request_resent_is_retrans(void **state)
{
	struct fx *f = *state;
	size_t a = feed(f, 2, 1, RSP("200 OK", "z9hG4bK7", ";tag=t1", "2", "BYE"));
	size_t b = feed(f, 2, 1, RSP("200 OK", "z9hG4bK7", ";tag=t1", "2", "BYE"));
	size_t c = feed(f, 2, 1, RSP("200 OK", "z9hG4bK7", ";tag=t2", "2", "BYE"));
	size_t d = feed(f, 2, 4, RSP("200 OK", "z9hG4bK7", ";tag=t1", "2", "BYE"));
	assert_int_equal(at(f, a)->txn, 0);
	assert_false(at(f, a)->flags & STORE_MSG_RETRANS);
	assert_true(at(f, b)->flags & STORE_MSG_RETRANS);
	assert_false(at(f, c)->flags & STORE_MSG_RETRANS);
	assert_false(at(f, d)->flags & STORE_MSG_RETRANS); /* another hop */
}

static void test_rfc2543_transaction_without_cookie(void **state)
{
	struct fx *f = *state;
	size_t req = feed(f, 1, 2, REQ("OPTIONS", "old1", "", "5"));
	size_t rsp = feed(f, 2, 1, RSP("200 OK", "old1", ";tag=x", "5", "OPTIONS"));
	size_t req2 = feed(f, 1, 2, REQ("OPTIONS", "old1", "", "6"));
	assert_int_equal(at(f, rsp)->txn, at(f, req)->txn);
	assert_int_not_equal(at(f, req2)->txn, at(f, req)->txn);
	const struct call_info *c = track_call(f->t, 0);
	assert_int_equal(c->method, SIP_M_OPTIONS);
	assert_int_equal(c->state, CALL_STATE_COMPLETED);
	assert_int_equal(at(f, rsp)->dialog, 0); /* OPTIONS makes no dialog */
}

static void test_auth_challenge_then_success_is_final_200(void **state)
{
	struct fx *f = *state;
	feed(f, 1, 2, REQ("REGISTER", "z9hG4bK1", "", "1"));
	feed(f, 2, 1, RSP("401 Unauthorized", "z9hG4bK1", ";tag=r1", "1", "REGISTER"));
	assert_int_equal(track_call(f->t, 0)->final_status, 401);
	feed(f, 1, 2, REQ("REGISTER", "z9hG4bK2", "", "2"));
	feed(f, 2, 1, RSP("200 OK", "z9hG4bK2", ";tag=r2", "2", "REGISTER"));
	const struct call_info *c = track_call(f->t, 0);
	assert_int_equal(c->final_status, 200);
	assert_int_equal(c->state, CALL_STATE_COMPLETED);
	assert_int_equal(c->nmsgs, 4);
}

static void test_ack_for_non2xx_makes_no_dialog(void **state)
{
	struct fx *f = *state;
	size_t inv = feed(f, 1, 2, REQ("INVITE", "z9hG4bK1", "", "1"));
	size_t busy = feed(f, 2, 1, RSP("486 Busy Here", "z9hG4bK1", ";tag=t1", "1", "INVITE"));
	size_t ack = feed(f, 1, 2, REQ("ACK", "z9hG4bK1", ";tag=t1", "1"));
	track_finish(f->t);
	assert_int_equal(at(f, inv)->dialog, 0);
	assert_int_equal(at(f, busy)->dialog, 0);
	assert_int_equal(at(f, ack)->dialog, 0);
}

/* A UA that reuses a branch in another call: the Call-ID keeps the two
 * transactions apart, so nothing is taken for a retransmission. */
static void test_branch_reused_across_calls_is_not_a_retransmission(void **state)
{
	struct fx *f = *state;
	size_t a = feed(f, 1, 2, "OPTIONS sip:b@y SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKsame\r\n"
	                         "From: <sip:a@x>;tag=f1\r\nTo: <sip:b@y>\r\nCall-ID: call-A\r\n"
	                         "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
	size_t b = feed(f, 1, 2, "OPTIONS sip:b@y SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKsame\r\n"
	                         "From: <sip:a@x>;tag=f1\r\nTo: <sip:b@y>\r\nCall-ID: call-B\r\n"
	                         "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
	assert_int_not_equal(at(f, a)->txn, at(f, b)->txn);
	assert_false(at(f, b)->flags & STORE_MSG_RETRANS);
	assert_int_equal(track_call_count(f->t), 2);
}

/* A message of call `cid`; ttag/extra may be "". */
static size_t sipm(struct fx *f, int a, int b, const char *start, const char *cid, const char *cseq,
                   const char *branch, const char *ttag, const char *extra)
{
	return feed(f, a, b,
	            "%s\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=%s\r\nFrom: <sip:a@x>;tag=f1\r\n"
	            "To: <sip:b@y>%s%s\r\nCall-ID: %s\r\nCSeq: %s\r\n%sContent-Length: 0\r\n\r\n",
	            start, branch, *ttag ? ";tag=" : "", ttag, cid, cseq, extra);
}

static const struct dlg_info *dlg(struct fx *f, size_t msg)
{
	return track_dialog(f->t, at(f, msg)->dialog);
}

static void test_cancel_is_linked_to_the_invite_it_cancels(void **state)
{
	struct fx *f = *state;
	size_t inv = feed(f, 1, 2, REQ("INVITE", "z9hG4bK1", "", "1"));
	size_t can = feed(f, 1, 2, REQ("CANCEL", "z9hG4bK1", "", "1"));
	const struct txn_info *x = track_txn(f->t, at(f, can)->txn);
	assert_non_null(x);
	assert_int_equal(x->cancels, at(f, inv)->txn);
	assert_int_equal(track_txn(f->t, at(f, inv)->txn)->cancels, 0);
}

static void test_request_forwarded_by_a_proxy_links_to_the_first_hop(void **state)
{
	struct fx *f = *state;
	size_t hop1 = sipm(f, 1, 2, "INVITE sip:b@y SIP/2.0", "c1", "1 INVITE", "z9hG4bKh1", "", "");
	size_t hop2 = sipm(f, 2, 3, "INVITE sip:b@y SIP/2.0", "c1", "1 INVITE", "z9hG4bKh2", "", "");
	assert_int_not_equal(at(f, hop1)->txn, at(f, hop2)->txn);
	assert_int_equal(track_txn(f->t, at(f, hop2)->txn)->origin, at(f, hop1)->txn);
	assert_int_equal(track_txn(f->t, at(f, hop1)->txn)->origin, at(f, hop1)->txn);
	assert_false(at(f, hop2)->flags & STORE_MSG_RETRANS);
}

static void test_early_dialog_from_1xx_confirmed_by_2xx_terminated_by_bye(void **state)
{
	struct fx *f = *state;
	feed(f, 1, 2, REQ("INVITE", "z9hG4bK1", "", "1"));
	size_t rg = feed(f, 2, 1, RSP("180 Ringing", "z9hG4bK1", ";tag=t1", "1", "INVITE"));
	assert_int_equal(dlg(f, rg)->state, DLG_EARLY);
	size_t ok = feed(f, 2, 1, RSP("200 OK", "z9hG4bK1", ";tag=t1", "1", "INVITE"));
	assert_int_equal(at(f, ok)->dialog, at(f, rg)->dialog);
	assert_int_equal(dlg(f, ok)->state, DLG_CONFIRMED);
	size_t bye = feed(f, 1, 2, REQ("BYE", "z9hG4bK3", ";tag=t1", "2"));
	assert_int_equal(dlg(f, bye)->state, DLG_TERMINATED);
	assert_string_equal(track_dialog_state_name(DLG_TERMINATED), "terminated");
}

static void test_non2xx_final_terminates_every_early_dialog(void **state)
{
	struct fx *f = *state;
	feed(f, 1, 2, REQ("INVITE", "z9hG4bK1", "", "1"));
	size_t a = feed(f, 2, 1, RSP("180 Ringing", "z9hG4bK1", ";tag=t1", "1", "INVITE"));
	size_t b = feed(f, 2, 1, RSP("183 Session Progress", "z9hG4bK1", ";tag=t2", "1", "INVITE"));
	assert_int_not_equal(at(f, a)->dialog, at(f, b)->dialog);
	feed(f, 2, 1, RSP("480 Temporarily Unavailable", "z9hG4bK1", ";tag=t2", "1", "INVITE"));
	assert_int_equal(dlg(f, a)->state, DLG_TERMINATED);
	assert_int_equal(dlg(f, b)->state, DLG_TERMINATED);
	assert_int_equal(track_call(f->t, 0)->ndialogs, 2);
	assert_int_equal(track_call(f->t, 0)->state, CALL_STATE_REJECTED);
}

static void test_3xx_final_is_diverted_and_408_failed(void **state)
{
	struct fx *f = *state;
	sipm(f, 1, 2, "INVITE sip:b@y SIP/2.0", "c3", "1 INVITE", "z9hG4bKd1", "", "");
	sipm(f, 2, 1, "SIP/2.0 302 Moved Temporarily", "c3", "1 INVITE", "z9hG4bKd1", "t", "");
	sipm(f, 1, 2, "INVITE sip:b@y SIP/2.0", "c4", "1 INVITE", "z9hG4bKd2", "", "");
	sipm(f, 2, 1, "SIP/2.0 408 Request Timeout", "c4", "1 INVITE", "z9hG4bKd2", "t", "");
	assert_int_equal(track_call(f->t, 0)->state, CALL_STATE_DIVERTED);
	assert_int_equal(track_call(f->t, 1)->state, CALL_STATE_FAILED);
	assert_string_equal(track_state_name(CALL_STATE_DIVERTED), "diverted");
}

static void test_no_final_response_by_timer_b_is_failed(void **state)
{
	struct fx *f = *state;
	sipm(f, 1, 2, "INVITE sip:b@y SIP/2.0", "lost", "1 INVITE", "z9hG4bKl1", "", "");
	sipm(f, 1, 2, "INVITE sip:b@y SIP/2.0", "late", "1 INVITE", "z9hG4bKl2", "", "");
	f->now += 33 * 1000000LL; /* past 64*T1 for the first only */
	sipm(f, 1, 2, "OPTIONS sip:b@y SIP/2.0", "other", "1 OPTIONS", "z9hG4bKl3", "", "");
	track_finish(f->t);
	assert_int_equal(track_call(f->t, 0)->state, CALL_STATE_FAILED);
	assert_int_equal(track_call(f->t, 1)->state, CALL_STATE_FAILED);
	/* The OPTIONS was sent just before the capture ended: still pending. */
	assert_int_equal(track_call(f->t, 2)->state, CALL_STATE_NONE);
}

static void test_x_call_id_merges_the_b2bua_legs(void **state)
{
	struct fx *f = *state;
	size_t a = sipm(f, 1, 2, "INVITE sip:b@y SIP/2.0", "leg-a", "1 INVITE", "z9hG4bKa", "", "");
	size_t b = sipm(f, 2, 3, "INVITE sip:b@y SIP/2.0", "leg-b", "1 INVITE", "z9hG4bKb", "",
	                "X-Call-ID: leg-a\r\n");
	sipm(f, 1, 2, "INVITE sip:b@y SIP/2.0", "leg-c", "1 INVITE", "z9hG4bKc", "", "");
	assert_int_not_equal(at(f, a)->call, at(f, b)->call);
	assert_int_equal(track_call_root(f->t, at(f, b)->call), at(f, a)->call);
	assert_int_equal(track_call(f->t, 1)->root, 1);
	assert_int_equal(track_call(f->t, 0)->next_leg, 2);
	assert_int_equal(track_call(f->t, 2)->root, 0);
}

static void test_session_id_merges_legs_but_the_null_uuid_does_not(void **state)
{
	struct fx *f = *state;
	sipm(f, 1, 2, "INVITE sip:b@y SIP/2.0", "s1", "1 INVITE", "z9hG4bKs1", "",
	     "Session-ID: 00000000000000000000000000000000\r\n");
	sipm(f, 2, 3, "INVITE sip:b@y SIP/2.0", "s2", "1 INVITE", "z9hG4bKs2", "",
	     "Session-ID: 00000000000000000000000000000000\r\n");
	assert_int_equal(track_call(f->t, 1)->root, 0);
	sipm(f, 2, 1, "SIP/2.0 200 OK", "s1", "1 INVITE", "z9hG4bKs1", "t",
	     "Session-ID: 1234abcd1234abcd1234abcd1234abcd;remote=00000000000000000000000000000000\r\n");
	sipm(f, 3, 2, "SIP/2.0 200 OK", "s2", "1 INVITE", "z9hG4bKs2", "t",
	     "Session-ID: 99994444999944449999444499994444;remote=1234abcd1234abcd1234abcd1234abcd\r\n");
	assert_int_equal(track_call_root(f->t, 2), 1);
}

static void test_subscribe_2xx_makes_a_dialog_notify_joins(void **state)
{
	struct fx *f = *state;
	sipm(f, 1, 2, "SUBSCRIBE sip:b@y SIP/2.0", "sub", "1 SUBSCRIBE", "z9hG4bKs1", "", "Event: presence\r\n");
	size_t ok = sipm(f, 2, 1, "SIP/2.0 200 OK", "sub", "1 SUBSCRIBE", "z9hG4bKs1", "n1", "");
	assert_int_equal(dlg(f, ok)->state, DLG_CONFIRMED);
	assert_int_equal(dlg(f, ok)->method, SIP_M_SUBSCRIBE);
	/* NOTIFY from the notifier: its From tag is the dialog's To tag. */
	size_t n = feed(f, 2, 1, "NOTIFY sip:a@x SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKn1\r\n"
	                         "From: <sip:b@y>;tag=n1\r\nTo: <sip:a@x>;tag=f1\r\nCall-ID: sub\r\n"
	                         "CSeq: 1 NOTIFY\r\nEvent: presence\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(at(f, n)->dialog, at(f, ok)->dialog);
	assert_int_equal(track_call(f->t, 0)->ndialogs, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_basic_call_transactions_dialog_and_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retransmissions_same_hop_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_for_non2xx_matches_invite_txn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_is_own_transaction_and_call_cancelled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vialess_487_resent_byte_for_byte_is_retrans_and_final, setup, teardown),
		cmocka_unit_test_setup_teardown(test_different_malformed_messages_are_not_retransmissions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_response_to_an_unseen_request_resent_is_retrans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rfc2543_transaction_without_cookie, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auth_challenge_then_success_is_final_200, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_for_non2xx_makes_no_dialog, setup, teardown),
		cmocka_unit_test_setup_teardown(test_branch_reused_across_calls_is_not_a_retransmission, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_is_linked_to_the_invite_it_cancels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_forwarded_by_a_proxy_links_to_the_first_hop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_early_dialog_from_1xx_confirmed_by_2xx_terminated_by_bye, setup, teardown),
		cmocka_unit_test_setup_teardown(test_non2xx_final_terminates_every_early_dialog, setup, teardown),
		cmocka_unit_test_setup_teardown(test_3xx_final_is_diverted_and_408_failed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_final_response_by_timer_b_is_failed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_x_call_id_merges_the_b2bua_legs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_id_merges_legs_but_the_null_uuid_does_not, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subscribe_2xx_makes_a_dialog_notify_joins, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
