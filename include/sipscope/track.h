/* track.h - transactions, dialogs and calls (RFC 3261 17, 12).
 *
 * Fed one parsed message at a time in capture order; fills the record's
 * txn, dialog, call, request_msg and retrans flag, and keeps per-call
 * summaries (state, timing) that every front end reads. */
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
	CALL_STATE_REJECTED, /* any other 3xx-6xx to the INVITE */
};

struct call_info {
	uint32_t call_id;     /* interned Call-ID */
	uint32_t from, to;    /* interned From/To URIs of the first message */
	uint8_t method;       /* enum sip_method of the first request */
	uint8_t state;        /* enum call_state */
	uint16_t final_status;
	uint32_t first_msg, last_msg, nmsgs;
	uint32_t first_txn;   /* the initial transaction */
	int64_t start_us, end_us;
	int64_t answer_us, bye_us, final_us; /* 0 when not seen */
};

/* What tracking needs of a message: hashes of the fields that identify
 * transactions and dialogs, computed where the message was parsed, plus the
 * interned From/To URIs (needed on a call's first message; 0 when unknown).
 * It holds no pointers, so parsing and tracking can run on two threads. */
struct track_input {
	uint64_t h_method;   /* request method, or CSeq method of a response */
	uint64_t h_call_id, h_from_tag, h_to_tag, h_branch, h_sent_by;
	uint32_t cseq;
	uint32_t from_uri, to_uri;
	uint8_t method;      /* enum sip_method of the same */
	uint8_t has_from_tag, has_to_tag, branch_cookie;
	uint8_t cseq_valid;
	uint8_t malformed;
};

/* Fill `in` from a parsed message (URIs left 0). */
void track_input_from_sip(struct track_input *in, const struct sip_msg *m);

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

/* After the last message: let messages sent before their dialog existed
 * (the initial INVITE, its 100) join the dialog their transaction made. */
void track_finish(struct tracker *t);

size_t track_call_count(const struct tracker *t);
const struct call_info *track_call(const struct tracker *t, size_t idx); /* 0-based */
const char *track_state_name(enum call_state s);

#endif
