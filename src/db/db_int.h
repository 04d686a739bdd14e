/* db_int.h - what the sqlite3 sink's files share (src/db only): the schema
 * text and the opening checks (db_schema.c), and the transport names. */
#ifndef SIPSCOPE_DB_INT_H
#define SIPSCOPE_DB_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "sipscope/db.h"

#define DB_APPLICATION_ID 0x53495053

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

#endif
