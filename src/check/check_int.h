/* check_int.h - the checker's state, shared by the engine (check.c) and
 * the files of rules, one per area: check_syntax.c (one message alone),
 * check_txn.c (transactions, timers, ACK and CANCEL), check_dialog.c
 * (CSeq order, route sets), check_sdp.c (offer/answer) and
 * check_identity.c (STIR/SHAKEN).  Private to src/check. */
#ifndef SIPSCOPE_CHECK_INT_H
#define SIPSCOPE_CHECK_INT_H

#include <stdint.h>
#include <stdio.h>

#include "sipscope/check.h"
#include "sipscope/hmap.h"
#include "sipscope/sdp.h"
#include "sipscope/sip.h"

#define MAX_HEADERS 128
#define MAX_ROUTES 16 /* Route / Record-Route entries compared */
#define MAX_VIAS 32

/* Per transaction (one hop), found by the tracker's txn id (txn_index).
 * It lives while the transaction may still see a message: it goes
 * CHECK_GRACE_US after its last one, unless it is an INVITE still waiting
 * for its final response after a provisional (Proceeding has no timer). */
struct txn_st {
	int64_t first_us;     /* the request's first transmission */
	int64_t last_us;      /* its latest transmission */
	int64_t first_gap;    /* first retransmission interval, 0 before */
	int64_t prov_us;      /* first provisional response (any 1xx), 0 none */
	int64_t prov_last_us; /* the latest 101-199 (each restarts Timer C) */
	int64_t final_us;
	uint32_t req;         /* index+1 of the request, 0 before it is seen */
	uint32_t final_msg;   /* index+1 of the first final response */
	uint32_t family;      /* next hop of the same request (tracker's origin chain) */
	uint32_t src, dst;    /* the request's hop */
	uint32_t ruri_h, from_tag_h, to_tag_h, to_uri_h, via_h;
	uint32_t mf;          /* Max-Forwards, UINT32_MAX when absent */
	uint32_t rr_off;      /* request's Record-Route hashes in the arena */
	uint32_t offer_off;   /* SDP offer summary in the arena, +1; 0 none */
	uint32_t final_to_tag_h;
	uint16_t final_status;
	uint8_t nrr, nvia;
	uint8_t nretrans;
	uint8_t method;
	uint8_t offer_in_req; /* the offer came with the request */
	uint8_t flagged;      /* retransmission rules already reported (bits) */
	uint8_t partial;      /* the request was not checked (cut, or does not
	                       * parse): only its timing is known */
	uint32_t id;          /* the tracker's txn id; 0: a free slot */
	int64_t touch_us;     /* the latest message about it */
};

/* A 2xx to INVITE waiting for its ACK, by (leg, CSeq, To tag). */
struct ack_st {
	int64_t first_us;     /* first 2xx */
	int64_t last_us;      /* latest 2xx from the same sender */
	int64_t first_gap;
	int64_t ack_us;       /* first ACK, 0 none */
	uint32_t msg;         /* index+1 of the first 2xx */
	uint32_t src;         /* its sender */
	uint32_t ack_dst;     /* where the first ACK went */
	uint32_t offer_off;   /* a 2xx offer (INVITE without SDP): +1; 0 none */
	uint32_t caller_tag_h; /* the From tag: the side that owes the ACK */
	uint16_t n2xx;        /* transmissions from src */
	uint16_t late;        /* of them, later than the first ACK + T1 */
	uint8_t decided, flagged;
};

/* Per dialog: the route set. */
struct dlg_st {
	uint32_t caller_tag_h, callee_tag_h;
	uint32_t caller_ep, callee_ep;
	uint32_t rr_off;      /* Record-Route of the 2xx (what the UAS received) */
	uint32_t rr_text;     /* the first entry's text, for findings */
	uint8_t nrr;
	uint8_t caller_strict, callee_strict; /* first route lacks ;lr */
	uint8_t caller_in_rr, callee_in_rr; /* its address is in the Record-Route: a
	                                     * proxy, seen as the UA on the one hop read */
};

/* Per sender in a leg: CSeq order. */
struct dir_st {
	uint32_t max_cseq;
	uint8_t seen;
};

/* The request that took a CSeq in a dialog (cseq_index): what a later
 * request reusing it is compared with, after its transaction is gone. */
struct cseq_st {
	uint32_t txn, req;    /* its txn id, its store index+1 */
	uint32_t src, dst;
	uint8_t method;
};

/* The state of a leg (a tracker call) outlives its transactions: CSeq
 * order, route set, 2xx/ACK, the rules reported once.  Each key the leg
 * put in the maps is on its list, and all go when the leg has been quiet
 * with no INVITE pending and no dialog open: CHECK_GRACE_US after a BYE
 * or a failed INVITE ended it, CHECK_KEEP_US when nothing did (a
 * REGISTER's or a SUBSCRIBE's Call-ID: its senders are quiet). */
struct live_leg {
	int64_t touch_us;     /* its latest message */
	uint32_t leg;         /* the tracker's call id; 0: a free slot */
	uint32_t keys;        /* its first leg_key, index+1 */
	uint8_t invite_pending; /* an INVITE without final response */
	uint8_t in_dialog;    /* a 2xx made a dialog no BYE ended yet */
	uint8_t ended;        /* a BYE, or a failed INVITE, ended it */
	uint8_t queued;       /* it is on the expiry queue */
};

/* Which map a leg's key is in (the first four own a pool slot). */
enum { LK_ACK, LK_DLG, LK_DIR, LK_CSEQ, LK_ACK_OFFER, LK_ACK_LAST, LK_INVITES, LK_ONCE };

struct leg_key {
	uint64_t key;
	uint32_t next;        /* index+1 */
	uint32_t val;         /* the pool slot it owns (LK_ACK..LK_CSEQ) */
	uint8_t map;          /* LK_* */
};

/* Slots of one element size, reused: a freed slot's first 4 bytes link
 * the free list.  Values are index+1, so 0 is none. */
struct pool {
	void *a;
	size_t n, cap, elem, live;
	uint32_t free;        /* first free slot, index+1 */
};

/* How long state outlives its last message, in capture time.  A
 * transaction, or a call a BYE ended: twice 64*T1, past Timers D, H, I,
 * J and K (at most 64*T1 after the final response) and the
 * retransmissions of a request or a 2xx (64*T1 after the first).  A call
 * nothing ended: 5 minutes, longer than every RFC 3261 timer (Timer C's
 * 3 min included). */
#define CHECK_GRACE_US (2 * CHECK_TIMER_B_US)
#define CHECK_KEEP_US 300000000LL

struct leg_st {
	size_t counts[3];
};

struct timer {
	int64_t due;
	uint32_t id;  /* txn id or ack_st index+1 */
	uint8_t kind; /* TIMER_* */
};

enum { TIMER_TXN = 0, TIMER_TXN_C, TIMER_ACK, TIMER__COUNT };

struct queue {
	struct timer *q;
	size_t cap, head, tail;
};

/* When to look at state again: one bucket of ids per second of capture
 * time, for the WHEEL_SECS seconds ahead (a later deadline is looked at
 * early and put back: looking is what decides, the wheel only wakes). */
#define WHEEL_SECS 512
struct wheel_bucket {
	uint32_t *id;         /* txn id, or leg with bit 31 set */
	size_t n, cap;
};

struct wheel {
	int64_t sec;          /* the bucket of this second comes next */
	int started;
	struct wheel_bucket b[WHEEL_SECS];
};

struct checker {
	struct store *s;
	const struct tracker *t;
	size_t next;           /* next store index to check */
	size_t checked;
	int64_t now, first_us;
	int finished;

	struct check_finding *f;
	size_t nf, cap_f;
	char *text;
	size_t ntext, cap_text;
	uint32_t *arena;       /* route hashes, SDP summaries, route texts:
	                        * blocks after a size-class word, recycled */
	size_t narena, cap_arena;
	uint32_t arena_free[16]; /* per size class: first free block +1 */
	struct hmap by_msg;    /* msg index+1 -> finding index+1 (first) */
	uint32_t last_f_msg;   /* chain appends to the last finding of a message */

	struct pool txn;        /* txn_st, by txn_index */
	struct pool acks;       /* ack_st, by ack_index */
	struct pool dlgs;       /* dlg_st, by dlg_index */
	struct pool dirs;       /* dir_st, by dir_index */
	struct pool cseqs;      /* cseq_st, by cseq_index */
	struct pool lives;      /* live_leg, by leg_index */
	struct pool lkeys;      /* leg_key */
	struct hmap txn_index;  /* txn id -> txn_st+1 */
	struct hmap leg_index;  /* leg -> live_leg+1 */
	uint32_t cur_leg;       /* the leg of the message being checked */
	uint32_t cur_live;      /* its live_leg+1, 0 not looked up yet */
	uint32_t last_txn, last_txn_v; /* the txn id looked up last, its txn_st+1 */
	struct wheel *expire;   /* txn ids and legs to look at again, by second */
	struct leg_st *legs;
	size_t cap_legs;
	size_t hits[CHECK_RULE__COUNT];

	struct hmap ack_index;  /* (leg, cseq, to tag) -> ack_st+1 */
	struct hmap ack_offer;  /* (leg, cseq) -> ack_st+1 holding a 2xx offer */
	struct hmap ack_last;   /* (leg, To tag) -> ack_st+1 of the dialog's latest 2xx */
	struct hmap dlg_index;  /* (leg, tags) -> dlg_st+1 */
	struct hmap dir_index;  /* (leg, from tag) -> dir_st+1 */
	struct hmap cseq_index; /* (leg, from tag, cseq, method) -> cseq_st+1 */
	struct hmap invites;    /* (leg, cseq) -> 1: an INVITE was seen */
	struct hmap once;       /* (rule, what) -> 1: reported already */
	struct queue timers[TIMER__COUNT];

	struct sip_header hdrs[MAX_HEADERS];
	struct sdp sdp;        /* the message's SDP, parsed when it has one */
	struct attack *atk;    /* issue 25: per-source attack state, made on first use */
	int oom;
};

struct route_list {
	uint32_t h[MAX_ROUTES];
	uint8_t n;
	uint8_t first_lr, last_lr; /* ;lr on the first / last entry */
	struct sv first_text, last_text;
};

struct view {
	size_t idx;
	struct store_msg *r;
	struct sip_msg m;
	size_t len;          /* bytes on record (a datagram: all of it) */
	uint32_t leg;
	uint32_t from_tag_h, to_tag_h;
	int has_to_tag;
	int reliable;        /* stream transport */
	int has_sdp;
	struct sdp *sdp;     /* the checker's scratch, valid when has_sdp */
};

static inline uint32_t h32(struct sv v)
{
	return (uint32_t)(sv_hash(v) >> 32) | 1;
}

static inline uint64_t key3(uint64_t a, uint64_t b, uint64_t c)
{
	return hmap_mix(hmap_mix(a, b), c);
}

static inline const char *method_str(const struct view *v, char *buf, size_t n)
{
	if (v->m.is_request)
		snprintf(buf, n, "%.*s", (int)(v->m.method.len > 32 ? 32 : v->m.method.len), v->m.method.p);
	else
		snprintf(buf, n, "%d %.*s", v->m.status, (int)(v->m.reason.len > 40 ? 40 : v->m.reason.len),
		         v->m.reason.p ? v->m.reason.p : "");
	return buf;
}

/* ---- the engine (check.c) ---- */

/* A finding on message idx; sev < 0: the rule's own severity. */
__attribute__((format(printf, 5, 6)))
void check_report(struct checker *c, size_t idx, enum check_rule rule, int sev, const char *fmt, ...);
/* 1 the first time (rule, what) is asked, 0 after. */
int check_first_time(struct checker *c, enum check_rule rule, uint64_t what);
/* n values into the arena: their offset, UINT32_MAX when memory ran out. */
uint32_t check_arena_put(struct checker *c, const uint32_t *v, size_t n);
/* A text (cut at 200 bytes) kept for findings: its offset. */
uint32_t check_text_put(struct checker *c, struct sv v);
/* Give back an arena block (an offset check_arena_put returned). */
void check_arena_free(struct checker *c, uint32_t off);
/* A text (cut at 200 bytes) in an arena block: its offset, 0 when memory
 * ran out; check_arena_text() reads it. */
uint32_t check_arena_text_put(struct checker *c, struct sv v);
static inline const char *check_arena_text(const struct checker *c, uint32_t off)
{
	return off ? (const char *)(c->arena + off) : "";
}
/* Transaction id's state, made (zeroed) when absent; it counts as a
 * message about it (keeps it alive). */
struct txn_st *check_txn_state(struct checker *c, uint32_t id);
/* The same, NULL when the checker holds none. */
struct txn_st *check_txn_find(const struct checker *c, uint32_t id);
/* Slot of a pool by value (index+1). */
static inline void *check_pool_at(const struct pool *p, size_t v)
{
	return (char *)p->a + (v - 1) * p->elem;
}
/* Entry of per-leg map `map` (LK_*) for key k, made when absent and
 * `make` (its pool slot zeroed, the key put on the current leg's list):
 * its pool value, 0 when absent or out of memory. */
size_t check_leg_lookup(struct checker *c, int map, uint64_t k, int make);
/* Put key k in per-leg map `map` (LK_ACK_OFFER, LK_ACK_LAST, LK_INVITES)
 * and on the current leg's list.  Returns 0, or -1 out of memory. */
int check_leg_put(struct checker *c, int map, uint64_t k, uint32_t v);
/* The current leg: an INVITE was sent, a 2xx made a dialog, a BYE ended
 * it, an INVITE failed (what keeps its state alive, see live_leg). */
void check_leg_note(struct checker *c, int what);
enum { LEG_INVITE, LEG_INVITE_FINAL, LEG_DIALOG, LEG_BYE };
/* Entry of index h for key k, made (zeroed) when absent and `make`. */
size_t check_lookup(struct checker *c, struct hmap *h, uint64_t k, void **arr, size_t *n,
                    size_t *cap, size_t elem, int make);
int check_queue_push(struct checker *c, int kind, int64_t due, uint32_t id);

/* ---- one message alone (check_syntax.c) ---- */

/* The parser's reason for a malformed message: 1 when it is not checked further. */
int check_syntax(struct checker *c, const struct view *v);
/* Rules on what the message carries end to end, reported on its first hop. */
void check_content(struct checker *c, const struct view *v, uint64_t logical);
/* Rules on one hop's copy: framing, Via. */
void check_hop(struct checker *c, const struct view *v, const char *bytes);

/* ---- transactions (check_txn.c) ---- */

/* Fire the timers due by now (all: the capture ended). */
void check_run_timers(struct checker *c, int64_t now, int all);
void check_request(struct checker *c, struct view *v);
void check_response(struct checker *c, struct view *v);

/* ---- dialogs (check_dialog.c) ---- */

void check_routes_of(const struct sip_msg *m, enum sip_hdr_id id, struct route_list *out);
/* A dialog of a leg: its two tags, in either order. */
uint64_t check_dialog_key(const struct view *v);
void check_cseq_order(struct checker *c, const struct view *v, uint32_t txn, struct txn_st *x,
                      uint32_t origin);
void check_route_set(struct checker *c, const struct view *v);
void check_note_dialog(struct checker *c, struct view *v, const struct txn_st *x, uint32_t origin);

/* ---- offer/answer (check_sdp.c) ---- */

/* The SDP's summary in the arena, +1; 0 when memory ran out. */
uint32_t check_sdp_summary(struct checker *c, const struct sdp *d);
/* RFC 3264 6 and 6.1: the answer in v against the offer summary. */
void check_answer(struct checker *c, const struct view *v, uint32_t offer_off, const char *what);

/* ---- STIR/SHAKEN (check_identity.c) ---- */

/* A request's Identity header (once per PASSporT), or its absence from a
 * trunk that must sign. */
void check_identity(struct checker *c, const struct view *v);

/* --- issue 25: attacks (check_attack.c) --- */

/* The attack rules on message v (any message: it picks what counts). */
void check_attack(struct checker *c, const struct view *v);
void check_attack_free(struct attack *a);

#endif
