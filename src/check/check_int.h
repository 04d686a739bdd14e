/* check_int.h - the checker's state, shared by the engine (check.c) and
 * the files of rules, one per area: check_syntax.c (one message alone),
 * check_txn.c (transactions, timers, ACK and CANCEL), check_dialog.c
 * (CSeq order, route sets) and check_sdp.c (offer/answer).  Private to
 * src/check. */
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

/* Per transaction (one hop), indexed by the tracker's txn id. */
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
	uint32_t *arena;       /* route hashes, SDP summaries */
	size_t narena, cap_arena;
	struct hmap by_msg;    /* msg index+1 -> finding index+1 (first) */
	uint32_t last_f_msg;   /* chain appends to the last finding of a message */

	struct txn_st *txn;
	size_t cap_txn;
	struct ack_st *acks;
	size_t nacks, cap_acks;
	struct dlg_st *dlgs;
	size_t ndlgs, cap_dlgs;
	struct dir_st *dirs;
	size_t ndirs, cap_dirs;
	struct leg_st *legs;
	size_t cap_legs;
	size_t hits[CHECK_RULE__COUNT];

	struct hmap ack_index;  /* (leg, cseq, to tag) -> ack_st+1 */
	struct hmap ack_offer;  /* (leg, cseq) -> ack_st+1 holding a 2xx offer */
	struct hmap ack_last;   /* (leg, To tag) -> ack_st+1 of the dialog's latest 2xx */
	struct hmap dlg_index;  /* (leg, tags) -> dlg_st+1 */
	struct hmap dir_index;  /* (leg, from tag) -> dir_st+1 */
	struct hmap cseq_index; /* (leg, from tag, cseq, method) -> txn id */
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
struct txn_st *check_txn_state(struct checker *c, uint32_t id);
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

/* --- issue 25: attacks (check_attack.c) --- */

/* The attack rules on message v (any message: it picks what counts). */
void check_attack(struct checker *c, const struct view *v);
void check_attack_free(struct attack *a);

#endif
