/* db_int.h - what the sqlite3 sink's files share (src/db only): the schema
 * text and the opening checks (db_schema.c), the transport names, and the
 * batches of messages db_prep.c prepares for db_write.c. */
#ifndef SIPSCOPE_DB_INT_H
#define SIPSCOPE_DB_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "sipscope/db.h"
#include "sipscope/sip.h"

#define DB_APPLICATION_ID 0x53495053
#define DB_MAX_HEADERS 128

/* The tables and views, the indexes, and the statements that drop them. */
extern const char db_schema[];
extern const char db_indexes[];
extern const char db_drop_indexes[];

/* Column `transport`, by enum store_transport. */
#define DB_TP_COUNT 6
extern const char *const db_tp_names[DB_TP_COUNT];

/* The first column of the first row of sql, or dflt. */
int64_t db_query_int(sqlite3 *db, const char *sql, int64_t dflt);

/* Open path (created when create) and check it is ours, or empty. */
sqlite3 *db_open_checked(const char *path, int create, char *err, size_t n);

/* ---- messages: prepared on a second thread (db_prep.c), written on the
 * writer's (db_write.c) ---- */

/* A message's bytes are parsed (SIP, then SDP) on a worker thread while
 * this one runs the INSERTs: sqlite3 work and parsing overlap on two
 * cores.  The worker fills batches of DB_PREP_BATCH messages, each with
 * its own copy of the bytes (the store reuses its buffer at every fetch)
 * and the parsed fields as offsets into that copy; the writer binds them
 * straight from there.  Between the two, a ring of DB_PREP_SLOTS batches
 * under one mutex.  The worker only reads the store, and owns its byte
 * buffer and w->hdrs while it runs; the writer never fetches. */

#define DB_PREP_BATCH 512
#define DB_PREP_SLOTS 4
#define PREP_NONE UINT32_MAX /* an unset view */

struct prep_sv {
	uint32_t off, len; /* into the batch's bytes; off PREP_NONE: NULL */
};

struct prep_media {
	struct prep_sv type, conn, proto, codecs;
	uint32_t port;
	uint16_t ncandidates;
	uint8_t idx, dir;
};

struct prep_msg {
	struct prep_sv raw; /* the message bytes, unset when unreadable */
	struct prep_sv method, cseq_method, from_tag, to_tag, branch;
	int64_t cseq;
	uint32_t media;  /* first of its media lines in the batch */
	uint16_t nmedia;
	uint8_t parsed, cseq_valid;
};

struct prep_batch {
	size_t first, n; /* store indexes first .. first + n - 1 */
	int state;       /* PREP_EMPTY, PREP_FULL, PREP_FAILED */
	struct prep_msg msgs[DB_PREP_BATCH];
	struct prep_media *media;
	size_t nmedia, cap_media;
	char *bytes;
	size_t used, cap;
};

enum { PREP_EMPTY, PREP_FULL, PREP_FAILED };

struct prep_pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct prep_batch *slots[DB_PREP_SLOTS];
	struct store *s;
	struct sip_header *hdrs;
	size_t from, to;
	int stop;
};

/* Messages first .. first + n - 1 of the store, parsed into b (hdrs is
 * scratch for sip_parse).  Returns 0, or -1 when memory ran out. */
int db_prep_fill(struct prep_batch *b, struct store *s, struct sip_header *hdrs, size_t first,
                 size_t n);
/* A batch, zeroed (NULL when memory ran out), and its release. */
struct prep_batch *db_prep_new(void);
void db_prep_free(struct prep_batch *b);
/* The worker thread: fills p->slots in turn until p->to or p->stop. */
void *db_prep_worker(void *arg);

#endif
