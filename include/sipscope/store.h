/* store.h - the message index: compact per-message records, interned
 * strings and endpoints, and payload retrieval on demand.
 *
 * The store keeps no message bytes for seekable capture files: a record
 * says where its bytes live (source file + frame record offset) and they
 * are fetched again through a fetcher callback.  Bytes that exist nowhere
 * else (stdin, reassembled TCP or fragments) go to an append-only spool:
 * its first 4 MiB in memory, the rest in an unlinked file in $TMPDIR.  Front ends read only the store. */
#ifndef SIPSCOPE_STORE_H
#define SIPSCOPE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "sipscope/endpoint.h"
#include "sipscope/sv.h"

#define STORE_LOC_SPOOL 0xffffu /* loc_src value for spooled bytes */

enum store_transport {
	STORE_TP_UDP = 0,
	STORE_TP_TCP,
	STORE_TP_TLS,
	STORE_TP_WS,
	STORE_TP_WSS,
	STORE_TP_SCTP
};

#define STORE_MSG_REQUEST 0x01
#define STORE_MSG_RETRANS 0x02
#define STORE_MSG_SNAPCUT 0x04 /* capture cut the packet (caplen < len) */
#define STORE_MSG_TCPGAP 0x08  /* TCP bytes missing inside it (lost or cut) */

/* One SIP message.  Ids (txn, dialog, call, strings, endpoints) are 1-based;
 * 0 means none. */
struct store_msg {
	int64_t ts_us;          /* capture time, microseconds since the epoch */
	uint64_t frame;         /* 1-based frame in which it became complete */
	uint64_t loc_off;       /* frame record offset in source, or spool offset */
	uint32_t loc_len;       /* message length in bytes */
	uint32_t loc_in_frame;  /* offset of the message in the frame's data */
	uint16_t loc_src;       /* source index, or STORE_LOC_SPOOL */
	uint16_t status;        /* responses */
	uint8_t method;         /* enum sip_method for requests (or CSeq method) */
	uint8_t transport;      /* enum store_transport */
	uint8_t flags;          /* STORE_MSG_* */
	uint8_t agent;          /* HEP capture agent (store_agent), 0: not HEP */
	uint32_t src, dst;      /* endpoint ids */
	uint32_t call_id;       /* interned string id */
	uint32_t cseq;
	uint32_t txn, dialog, call;
	uint32_t request_msg;   /* responses: index+1 of the request answered */
	const char *malformed;  /* static reason, or NULL */
};

struct store;

/* Fetch `len` bytes at `in_frame` of the frame whose record starts at
 * `off` in source `src`, into buf.  Returns 0 or -1. */
typedef int (*store_fetch_fn)(void *ctx, uint16_t src, uint64_t off,
                              uint32_t in_frame, uint32_t len, char *buf);

/* Returns a new empty store, or NULL when memory ran out.  Owner frees
 * with store_free(). */
struct store *store_new(void);
void store_free(struct store *s);
void store_set_fetcher(struct store *s, store_fetch_fn fn, void *ctx);

/* Intern a string; returns its id (>= 1) or 0 on allocation failure. */
uint32_t store_intern(struct store *s, struct sv str);
/* The interned string, valid while the store lives. */
struct sv store_str(const struct store *s, uint32_t id);

/* Same, with the hash computed beforehand (by another thread, say):
 * hash must be sv_hash(str). */
uint32_t store_intern_hashed(struct store *s, struct sv str, uint64_t hash);

uint32_t store_endpoint_id(struct store *s, const struct store_endpoint *ep);
/* Hash of an endpoint as store_endpoint_id() computes it, and the lookup
 * with that hash given. */
uint64_t store_endpoint_hash(const struct store_endpoint *ep);
uint32_t store_endpoint_id_hashed(struct store *s, const struct store_endpoint *ep, uint64_t hash);
const struct store_endpoint *store_endpoint(const struct store *s, uint32_t id);
/* "ip:port", or "[ip6]:port"; buf should hold 64 bytes. */
char *store_endpoint_format(const struct store_endpoint *ep, char *buf, size_t n);

/* Append a record; returns its index, or -1 when memory ran out. */
long store_append_msg(struct store *s, const struct store_msg *m);
size_t store_msg_count(const struct store *s);
/* Capture time of the last message stored (where the capture has got
 * to), 0 when there is none. */
int64_t store_last_ts(struct store *s);
struct store_msg *store_msg_at(struct store *s, size_t idx);

/* Copy bytes to the spool; returns the spool offset or -1 (and sets err:
 * the file could not be made, or the disk refused a write; the bytes are
 * then not kept, and later calls try again). */
int64_t store_spool(struct store *s, const char *bytes, size_t len);

/* The spool file's directory: $TMPDIR, or /tmp when it is unset or empty
 * (sipscope --spool-dir sets TMPDIR). */
const char *store_spool_dir(void);
/* Make the spool file now rather than when the first 4 MiB are full: a
 * capture that drops privileges makes it while it may still write the
 * directory, and a directory that cannot hold one is known at start-up.
 * Returns 0, or -1 with the reason in store_error(). */
int store_spool_prepare(struct store *s);

/* Bytes of message idx into a buffer the store owns (valid until the next
 * call).  Returns NULL on I/O failure. */
const char *store_msg_bytes(struct store *s, size_t idx, size_t *len);

/* HEP capture agents: a capture id gets a small index (1..255; agents
 * past the 255th share the last index). */
uint8_t store_agent_index(struct store *s, uint32_t capture_id);
uint32_t store_agent_capture_id(const struct store *s, uint8_t index);
size_t store_agent_count(const struct store *s);

const char *store_error(const struct store *s);

/* Bounded memory on an endless capture: drop records and renumber what
 * is left.  msg_map holds one entry per record: its new index + 1, or 0
 * to drop it (kept records keep their order; new indices are dense).
 * str_keep (one byte per string, by id - 1; nonzero: keep) names the
 * strings still referenced; str_map (store_str_count() + 1 entries) is
 * filled with old id -> new id, 0 when dropped.  Kept records' call_id
 * is renumbered here, their other ids are the caller's to fix; endpoint
 * ids stay as they are (the table grows with the addresses in use, not
 * with time).  Spooled bytes stay where they are (the spool is
 * append-only, on disk past its first 4 MiB), but the disk blocks of those
 * no record points at any more are given back (a hole is punched).
 * Works in place (allocates nothing, cannot fail); not while another
 * thread reads or appends. */
void store_compact(struct store *s, const uint32_t *msg_map, const uint8_t *str_keep,
                   uint32_t *str_map);
size_t store_str_count(const struct store *s);
/* From now on store_compact() leaves the spool file alone (no holes
 * punched): it may then run while another thread spools (a batch command
 * evicting calls while the parse stage reads on). */
void store_keep_spool(struct store *s);
/* Bytes the spool file takes on disk now (0 while it is all in memory). */
int64_t store_spool_disk(const struct store *s);

#endif
