/* track.h - transactions, dialogs and calls (RFC 3261 17, 12).
 *
 * Fed one parsed message at a time in capture order; fills the record's
 * txn, dialog, call, request_msg and retrans flag, and keeps transaction,
 * dialog and call summaries (states, timing) that every front end reads.
 *
 * Transactions: top-Via branch (z9hG4bK) + sent-by + method, the ACK of a
 * non-2xx joining its INVITE; RFC 2543 matching without the cookie.  Each
 * hop is its own transaction, linked to the first hop's (`origin`); a
 * CANCEL is its own, linked to the INVITE it cancels (`cancels`).
 * Dialogs: Call-ID + both tags; early from a 1xx with a To tag, confirmed
 * by a 2xx, terminated by BYE or a non-2xx final.  Calls: the dialogs of
 * a Call-ID, merged with the legs a B2BUA correlates (X-Call-ID, X-CID,
 * Session-ID, or a header the user names). */
#ifndef SIPSCOPE_TRACK_H
#define SIPSCOPE_TRACK_H

#include <stddef.h>
#include <stdint.h>

#include "sipscope/sip.h"
#include "sipscope/store.h"

enum call_state {
	CALL_STATE_NONE = 0, /* non-INVITE: no final response yet */
	CALL_STATE_SETUP,    /* INVITE sent, nothing or 100 back */
	CALL_STATE_RINGING,  /* 180/183 */
	CALL_STATE_IN_CALL,  /* 2xx, no BYE yet */
	CALL_STATE_COMPLETED,/* BYE after 2xx, or a non-INVITE with a final */
	CALL_STATE_CANCELLED,/* CANCEL / 487 */
	CALL_STATE_BUSY,     /* 486, 600 */
	CALL_STATE_REJECTED, /* any other 4xx-6xx to the INVITE */
	CALL_STATE_DIVERTED, /* 3xx */
	CALL_STATE_FAILED,   /* 408, or no final response 32 s on (Timer B/F) */
};

struct call_info {
	uint32_t call_id;     /* interned Call-ID */
	uint32_t from, to;    /* interned From/To URIs of the first message */
	uint8_t method;       /* enum sip_method of the first request */
	uint8_t state;        /* enum call_state */
	uint16_t final_status;
	uint32_t first_msg, last_msg, nmsgs; /* store indices (0-based) */
	uint32_t first_txn;   /* the initial transaction */
	uint32_t ndialogs;
	uint32_t root;        /* 0, or the call (1-based) this leg was merged into */
	uint32_t next_leg;    /* next leg merged into the same root, or 0 */
	uint8_t flags;        /* CALL_FLAG_* */
	int64_t start_us, end_us;
	int64_t ring_us, answer_us, bye_us, bye_ok_us, final_us; /* 0 when not seen */
};

/* call_info.flags */
#define CALL_FLAG_CUT 0x01 /* evicted while still open (--max-calls hard cap) */

enum dlg_state {
	DLG_EARLY = 1,
	DLG_CONFIRMED,
	DLG_TERMINATED
};

struct dlg_info {
	uint64_t key;       /* the two tags, order-free */
	uint32_t call;      /* leg it belongs to */
	uint32_t first_msg; /* index+1 of the message that created it */
	uint32_t txn;       /* transaction that created it */
	uint32_t next;      /* next dialog of the same call, or 0 */
	uint8_t state;      /* enum dlg_state */
	uint8_t method;     /* of the creating request */
};

struct txn_info {
	uint32_t first_msg;   /* index+1 of the request that opened it */
	uint32_t prov_msg;    /* index+1 of its first 1xx above 100, or 0 */
	uint32_t final_msg;   /* index+1 of its first final response, or 0 */
	uint32_t dialog;      /* dialog a response of it created or joined */
	uint32_t cancels;     /* a CANCEL: the INVITE transaction it cancels */
	uint32_t origin;      /* the first hop's transaction of this request */
	uint16_t final_status;
	uint8_t method;       /* enum sip_method */
	uint8_t nseen;        /* message signatures seen (retransmissions) */
};

/* What tracking needs of a message: hashes of the fields that identify
 * transactions, dialogs and correlated legs, computed where the message
 * was parsed, plus the interned From/To URIs (needed on a call's first
 * message; 0 when unknown).  No pointers: parsing and tracking can run on
 * two threads. */
struct track_input {
	uint64_t h_method;   /* request method, or CSeq method of a response */
	uint64_t h_call_id, h_from_tag, h_to_tag, h_branch, h_sent_by;
	uint64_t h_corr[4];  /* tokens shared by the legs of one call, 0 = none */
	uint32_t cseq;
	uint32_t from_uri, to_uri;
	uint8_t method;      /* enum sip_method of the same */
	uint8_t has_from_tag, has_to_tag, branch_cookie;
	uint8_t cseq_valid;
	uint8_t malformed;
	uint8_t no_via;      /* no Via header at all: no branch to match by */
	uint8_t response;
	uint64_t h_bytes;    /* of the message's bytes (track_input_set_bytes), 0 unset */
	int64_t arrival_us;  /* when it reached us (capture time, or a HEP collector's
	                      * receive time; not the agent's clock), 0: its ts_us */
};

/* Fill `in` from a parsed message (URIs left 0).  Correlation tokens come
 * from X-Call-ID and X-CID (the other leg's Call-ID), Session-ID (RFC 7989
 * UUIDs) and, when `corr_header` is set, that header's value. */
void track_input_from_sip(struct track_input *in, const struct sip_msg *m,
                          const char *corr_header);

/* Hash the message's bytes into in->h_bytes, for what the transaction
 * signature cannot judge: a malformed message, or a response that may
 * find no transaction.  A byte-identical re-send of one of those within
 * its call, on the same hop, is a retransmission.  Well-formed requests
 * are left unhashed (0): a transaction always takes them.  Call after
 * track_input_from_sip(). */
void track_input_set_bytes(struct track_input *in, const char *bytes, size_t len);

struct tracker;

/* New tracker writing into store s (borrowed).  NULL on no memory. */
struct tracker *track_new(struct store *s);
void track_free(struct tracker *t);

/* Assign ids to record idx (already appended to the store), described by
 * m.  Writes only that record and the tracker's own tables, never other
 * store state, so it may run beside a thread appending to the store.
 * Returns 0, or -1 when memory ran out (the record keeps zero ids). */
int track_msg(struct tracker *t, size_t idx, const struct track_input *m);

/* Hint that a message like m will be tracked soon (prefetches its
 * transaction's table slot). */
void track_prefetch(const struct tracker *t, const struct track_input *m);
void track_prefetch_call(const struct tracker *t, uint64_t h_call_id);

/* After the last message: messages sent before their dialog existed (the
 * initial INVITE, its 100) join the dialog their transaction made, and
 * transactions left without a final response 32 s before the end of the
 * capture (RFC 3261 Timer B/F) fail their call. */
void track_finish(struct tracker *t);

size_t track_call_count(const struct tracker *t);
const struct call_info *track_call(const struct tracker *t, size_t idx); /* 0-based */
/* The leg (1-based id) of a Call-ID, by sv_hash() of it; 0 when unseen.
 * (64-bit hashes: two Call-IDs of one capture never meet by chance.) */
uint32_t track_find_call(const struct tracker *t, uint64_t h_call_id);
/* The message before store index idx in the same leg: index+1, or 0 when
 * idx is the leg's first.  A leg's messages run back from its last_msg. */
uint32_t track_prev_in_call(const struct tracker *t, size_t idx);
/* The call (1-based id) a leg (1-based id) is shown as: itself or its root. */
uint32_t track_call_root(const struct tracker *t, uint32_t call);
const char *track_state_name(enum call_state s);
/* Talk time of a call leg, microseconds: its 2xx to its BYE.  A call
 * still in progress (answered, no BYE) runs to now_us (the capture's last
 * message, or the clock of a live capture) when that is later than its
 * own last message: what every surface shows as Dur / duration_s.  -1
 * when it was never answered. */
int64_t track_call_duration_us(const struct call_info *c, int64_t now_us);

/* What a call's legs add up to: the root leg and every leg merged in. */
struct call_totals {
	uint32_t nlegs, nmsgs, ndialogs;
	int64_t start_us, end_us;
};
void track_call_totals(const struct tracker *t, uint32_t call, struct call_totals *out);

/* Store indices of the messages of a call (1-based, a root: its legs
 * too), in capture order, in a new array *out the caller frees.  Returns
 * how many, or -1 when memory ran out. */
long track_call_messages(const struct tracker *t, uint32_t call, size_t **out);
/* The same for several calls (1-based ids; 0 and unknown ids skipped;
 * with `roots`, each taken as the call it is listed under): their
 * messages merged in capture order, each once.  *out is the caller's to
 * free.  Returns how many, or -1 when memory ran out. */
long track_calls_messages(const struct tracker *t, const uint32_t *calls, size_t ncalls, int roots,
                          size_t **out);

size_t track_txn_count(const struct tracker *t);
const struct txn_info *track_txn(const struct tracker *t, uint32_t id); /* 1-based */
size_t track_dialog_count(const struct tracker *t);
const struct dlg_info *track_dialog(const struct tracker *t, uint32_t id); /* 1-based */
const char *track_dialog_state_name(enum dlg_state s);

/* ---- Bounded memory on an endless capture (--max-calls) ---- */

/* A finished call goes only once it has been quiet this long (capture
 * time): late ACKs and retransmitted final responses still find it. */
#define TRACK_EVICT_QUIET_US (64 * 500000LL) /* 64*T1, RFC 3261 17.1.1.2 */

/* What holders of call ids and message indices are told by a compaction. */
struct track_evict_hooks {
	/* Each call (root) about to go, while it can still be read (when
	 * memory then runs out it stays after all). */
	void (*evicting)(void *ctx, uint32_t root);
	/* After: call_map[old 1-based id] is the new id, msg_map[old index]
	 * the new index + 1; 0 for what went. */
	void (*remapped)(void *ctx, const uint32_t *call_map, size_t ncalls,
	                 const uint32_t *msg_map, size_t nmsgs);
	void *ctx;
};

/* Calls as the call list shows them (roots: no other call's leg). */
size_t track_root_count(const struct tracker *t);

/* Evict the oldest finished calls (least recently active first) until
 * `keep` roots are left: every leg of a merged call has a final state (or
 * no final response 64*T1 after it began: failed, as track_finish() would
 * say) and has been quiet for quiet_us.  Time here is arrival time
 * (track_input.arrival_us), never the clock a HEP agent claims.  When
 * more than `cap` roots would still be left (cap 0: no cap; at least
 * keep), the least recently active of the others go too, until an eighth
 * under cap are left: the open ones are marked CALL_FLAG_CUT before the
 * hooks see them (track_cut_count()).  Victims are found from the old end
 * of a list kept in order of activity (finished calls up to the first
 * one not quiet yet), never by sorting the calls that stay.  Their
 * messages, transactions, dialogs and strings go, as do messages of no
 * call; everything left is renumbered densely (store_compact()), and
 * retransmission signatures past the inline ones are forgotten.  Not
 * while another thread appends.  Returns the calls evicted, or -1 when
 * memory ran out (nothing evicted). */
long track_evict(struct tracker *t, size_t keep, size_t cap, int64_t quiet_us,
                 const struct track_evict_hooks *hooks);
/* Open calls the hard cap evicted so far (CALL_FLAG_CUT). */
uint64_t track_cut_count(const struct tracker *t);
/* The latest arrival time tracked (track_input.arrival_us). */
int64_t track_last_arrival(const struct tracker *t);
/* The number a call (1-based id) is shown by: its id, or after
 * evictions renumbered ids, the id it had before any (stable). */
uint64_t track_call_number(const struct tracker *t, uint32_t call);
/* Calls (roots) and messages evicted so far. */
void track_evicted(const struct tracker *t, uint64_t *calls, uint64_t *msgs);

#endif
