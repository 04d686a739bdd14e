/* db.h - calls, dialogs, transactions and messages stored in an sqlite3
 * database, and read back as a source.
 *
 * A writer appends what the store and tracker hold: each db_sync() writes,
 * in one transaction, the messages appended since the previous sync and
 * every call, dialog and transaction that is new or changed (upserted by
 * id: their state moves as messages arrive).  The database is in WAL mode
 * with synchronous=NORMAL, so a process killed at any moment leaves a
 * consistent database holding every committed sync whole.  The schema is
 * described at the top of src/db/db_schema.c (and in the manual).
 *
 * Ids in the database are the tracker's and store's 1-based ids (message
 * id = store index + 1) for the first capture written to a database; a
 * writer opened on a database that already holds rows continues after the
 * largest ids there, so two runs can share one file. */
#ifndef SIPSCOPE_DB_H
#define SIPSCOPE_DB_H

#include <stddef.h>
#include <stdint.h>

#include "sipscope/check.h"
#include "sipscope/ingest.h"
#include "sipscope/media.h"
#include "sipscope/store.h"
#include "sipscope/track.h"

/* The schema this build writes (PRAGMA user_version). */
#define DB_SCHEMA_VERSION 2

struct db_writer;

/* Create or open path for writing: the schema is created when missing, WAL
 * journal.  An existing file that is not an sqlite3 database, or a
 * database some other program made, is refused.  Returns NULL with a
 * message in err on failure; the owner closes with db_close(). */
struct db_writer *db_open(const char *path, char *err, size_t n);

/* Record a capture source (file name or interface) in `captures`; the
 * messages written by later syncs belong to it.  Returns its id (>= 1), or
 * -1 (+ db_error). */
int64_t db_add_capture(struct db_writer *w, const char *source, int64_t started_us);

/* Also write the checker's findings (table findings) and the RTP streams
 * (table streams) at each sync, rewritten whole for this writer's capture
 * since both change as a capture goes on.  Borrowed; NULL for none. */
void db_set_check(struct db_writer *w, const struct checker *c);
void db_set_media(struct db_writer *w, const struct media *m);
/* Write everything new since the last sync in one transaction: messages
 * from store index `written` on (their SDP media lines into `media`), and
 * calls, dialogs and transactions created or changed.  s and t must be the
 * same store and tracker at every sync of a writer.  While it runs, a
 * second thread reads the store and fetches the messages' bytes (the
 * store's fetcher is called there, one call at a time); the call returns
 * after that thread has ended.  Returns 0, or -1 (+ db_error): nothing of
 * this sync is kept, and the next sync writes it again. */
int db_sync(struct db_writer *w, struct store *s, const struct tracker *t);

/* Messages written so far by this writer. */
size_t db_written(const struct db_writer *w);

/* The reason the last call failed ("" when none). */
const char *db_error(const struct db_writer *w);

/* Close (a writer may be NULL).  What was not synced is not written. */
void db_close(struct db_writer *w);

/* 1 when path is an sqlite3 database (it starts "SQLite format 3\0"),
 * 0 otherwise (not one, or unreadable). */
int db_is_database(const char *path);

/* Read every message of a database back through the pipeline
 * (ingest_raw_message, in id order), so the tracker rebuilds transactions,
 * dialogs and calls.  The caller calls track_finish() after, as after
 * ingest_run().  Returns 0, or -1 with a message in err. */
int db_load(const char *path, struct ingest *in, char *err, size_t n);

#endif
