/* track_int.h - the tracker's tables, shared by track.c (matching) and
 * track_evict.c (compaction). */
#ifndef SIPSCOPE_TRACK_INT_H
#define SIPSCOPE_TRACK_INT_H

#include "sipscope/hmap.h"
#include "sipscope/track.h"

#define MAGIC_COOKIE "z9hG4bK"
#define TXN_SEEN_INLINE 6          /* message signatures kept in the transaction */
#define TIMER_B_US (64 * 500000LL) /* 64*T1 (RFC 3261 17.1.1.2, 17.1.2.2) */

/* Retransmission signatures live in their transaction, so the common
 * lookup touches a record already in cache; the rare overflow (a long
 * transaction, forking) goes to a global table. */
struct txn_rec {
	struct txn_info info;
	uint64_t key;                   /* in txn_index */
	uint32_t seen[TXN_SEEN_INLINE]; /* high halves: 6 signatures never meet by chance */
};

#define CALL_RECENT_TXNS 8 /* a proxy's copy of a request follows it closely */

struct call_rec {
	struct call_info info;
	uint32_t first_dlg; /* dialogs of this leg, linked through dlg_info.next */
	uint32_t last_leg;  /* root only: tail of the leg list */
	/* Kept here, in the record every message of the call touches, so the
	 * common lookups need no other memory: the newest dialog's key, and
	 * the call's recent transactions by request (hop linking). */
	uint64_t dlg_key;
	uint32_t dlg_id;
	uint32_t recent_txn[CALL_RECENT_TXNS];
	uint32_t recent_key[CALL_RECENT_TXNS];
	uint32_t nrecent;
	uint64_t number;    /* 1-based in order of appearance, kept by track_evict() */
	/* Arrival times (track_input.arrival_us) of the leg's first and last
	 * messages; a root's last is its newest leg's.  Roots only: the list
	 * of roots by last activity, oldest at t->lru_head (1-based ids). */
	int64_t seen_first, seen_last;
	uint32_t lru_prev, lru_next;
};

struct tracker {
	struct store *s;
	struct hmap txn_index;    /* txn key -> txn id */
	struct hmap seen;         /* retransmission signature -> 1 (overflow) */
	struct hmap tokens;       /* correlation token -> call id */
	struct hmap by_callid;    /* Call-ID hash -> call id */
	struct txn_rec *txns;
	size_t ntxns, cap_txns;
	struct dlg_info *dlgs;
	size_t ndlgs, cap_dlgs;
	struct call_rec *calls;
	size_t ncalls, cap_calls;
	uint32_t *prev_msg;       /* per message: index+1 of the one before in its leg */
	size_t cap_prev;
	uint32_t *orphans;        /* messages that may join a dialog later */
	size_t norphans, cap_orphans;
	size_t nroots;            /* calls that are no other call's leg */
	uint64_t evicted_calls, evicted_msgs; /* by track_evict() */
	uint64_t ncalls_ever;     /* calls made, evicted ones too */
	int64_t last_ts;
	int64_t last_seen;        /* newest arrival time */
	uint32_t lru_head, lru_tail;
	uint64_t cut_calls;       /* open calls the hard cap evicted */
	uint64_t h_invite; /* sv_hash("INVITE"): an ACK or CANCEL looks up its INVITE */
};

/* The LRU list of roots (track.c). */
void track_lru_unlink(struct tracker *t, uint32_t id);
void track_lru_append(struct tracker *t, uint32_t id);

#endif
