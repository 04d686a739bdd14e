/* db_schema.c - the sqlite3 sink and source: calls, dialogs, transactions
 * and every SIP message (bytes included) in one database file.  Here: the
 * schema and the opening checks; db_write.c writes, db_read.c reads back.
 *
 * Schema (DB_SCHEMA_VERSION 2, PRAGMA user_version; PRAGMA application_id
 * is 0x53495053, "SIPS").  Times are seconds since the epoch as REAL
 * (microsecond precision) and, where exactness matters, microseconds as
 * INTEGER.  Ids are 1-based; NULL means none.  Column REFERENCES document
 * the links; they are not enforced (PRAGMA foreign_keys stays off: the
 * writer is the only writer and keeps them whole, one transaction per
 * sync).
 *
 *   captures      one row per capture source written (file or interface)
 *   calls         one row per call leg, as `sipscope calls` numbers them;
 *                 the legs a B2BUA correlates point at their root call
 *                 (`root`), and the view call_list adds them up per call
 *   dialogs       RFC 3261 12 dialogs
 *   transactions  RFC 3261 17 transactions, one per hop
 *   messages      a view, one row per SIP message: index fields, the
 *                 hop's addresses, the ids it was tracked under, and its
 *                 bytes exactly as captured (`raw`, a BLOB); it joins
 *   message_rows  every column of messages but raw, and
 *   message_raw   the bytes (id, raw), apart so that the rows the indexes
 *                 are built from stay narrow
 *   media         the m= lines of every SDP offer/answer
 *   findings      what `sipscope check` found: one row per finding, on the
 *                 message that shows it (rule, severity, RFC section, text)
 *   streams       the RTP streams (--rtp): figures and problems per stream
 *
 * Indexes (the usual questions: by call, by Call-ID, by time, by address):
 * calls(call_id), calls(state), calls(start), calls(root), dialogs(call),
 * transactions(call), transactions(method, final_status), media(call),
 * message_rows(time), message_rows(call), message_rows(src_ip),
 * message_rows(dst_ip), findings(call), findings(rule), streams(call).  A Call-ID's messages are found through its leg:
 * messages.call = (SELECT id FROM calls WHERE call_id = ?) (a twelfth
 * index on messages' own call_id cost about 7% of the write).
 *
 * Schema 1 (older sipscope) had one messages table with raw: db_load reads
 * it; db_open refuses to append to it.
 *
 * The text is kept verbatim in the manual (man/sipscope.1). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "db_int.h"

const char db_schema[] =
	"CREATE TABLE IF NOT EXISTS captures (\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  source      TEXT NOT NULL,   -- capture file name, or interface\n"
	"  started     REAL,            -- when the capture began (s since the epoch)\n"
	"  started_us  INTEGER,\n"
	"  written     REAL,            -- when sipscope began writing it (wall clock)\n"
	"  version     TEXT             -- sipscope version that wrote it\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS calls (\n"
	"  id           INTEGER PRIMARY KEY,             -- call leg\n"
	"  root         INTEGER REFERENCES calls(id),    -- B2BUA leg: the call it is listed under\n"
	"  call_id      TEXT,\n"
	"  from_uri     TEXT,            -- From/To URIs of the first message\n"
	"  to_uri       TEXT,\n"
	"  method       TEXT,            -- of the first request: INVITE, REGISTER, ...\n"
	"  state        TEXT,            -- pending setup ringing in_call completed cancelled\n"
	"                                -- busy rejected diverted failed\n"
	"  final_status INTEGER,         -- final response to the initial transaction\n"
	"  start        REAL,            -- first and last message of the leg\n"
	"  end          REAL,\n"
	"  ring_ms      REAL,            -- initial request to 180/183\n"
	"  setup_ms     REAL,            -- initial request to its final response\n"
	"  duration_s   REAL,            -- 2xx to BYE (in progress: to the capture's last message)\n"
	"  messages     INTEGER,         -- messages of the leg\n"
	"  dialogs      INTEGER,\n"
	"  first_msg    INTEGER REFERENCES messages(id),\n"
	"  last_msg     INTEGER REFERENCES messages(id),\n"
	"  first_txn    INTEGER REFERENCES transactions(id)\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS dialogs (\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  call        INTEGER REFERENCES calls(id),\n"
	"  state       TEXT,             -- early, confirmed, terminated\n"
	"  method      TEXT,             -- of the request that created it\n"
	"  first_msg   INTEGER REFERENCES messages(id),\n"
	"  txn         INTEGER REFERENCES transactions(id)\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS transactions (\n"
	"  id           INTEGER PRIMARY KEY,\n"
	"  call         INTEGER REFERENCES calls(id),\n"
	"  method       TEXT,\n"
	"  first_msg    INTEGER REFERENCES messages(id),  -- the request\n"
	"  prov_msg     INTEGER REFERENCES messages(id),  -- first 1xx above 100\n"
	"  final_msg    INTEGER REFERENCES messages(id),  -- first final response\n"
	"  final_status INTEGER,\n"
	"  dialog       INTEGER REFERENCES dialogs(id),\n"
	"  cancels      INTEGER REFERENCES transactions(id),  -- a CANCEL: its INVITE\n"
	"  origin       INTEGER REFERENCES transactions(id),  -- same request, first hop\n"
	"  seen         INTEGER          -- distinct messages (retransmissions apart)\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS message_rows (\n"
	"  id          INTEGER PRIMARY KEY,  -- capture order\n"
	"  capture     INTEGER REFERENCES captures(id),\n"
	"  frame       INTEGER,          -- frame that completed it (1-based)\n"
	"  time        REAL,             -- s since the epoch\n"
	"  time_us     INTEGER,          -- the same in microseconds\n"
	"  src         TEXT,             -- 'ip:port', '[ip6]:port'\n"
	"  src_ip      TEXT,\n"
	"  src_port    INTEGER,\n"
	"  dst         TEXT,\n"
	"  dst_ip      TEXT,\n"
	"  dst_port    INTEGER,\n"
	"  transport   TEXT,             -- UDP TCP TLS WS WSS SCTP\n"
	"  capture_id  INTEGER,          -- HEP capture agent id, NULL when not HEP\n"
	"  method      TEXT,             -- requests\n"
	"  status      INTEGER,          -- responses\n"
	"  call_id     TEXT,\n"
	"  cseq        INTEGER,\n"
	"  cseq_method TEXT,\n"
	"  from_tag    TEXT,\n"
	"  to_tag      TEXT,\n"
	"  branch      TEXT,             -- top Via branch\n"
	"  retrans     INTEGER,          -- 1: repeats an earlier message of its transaction\n"
	"  cut         TEXT,             -- 'snaplen', 'tcp-gap': bytes missing\n"
	"  malformed   TEXT,             -- why it failed to parse, or NULL\n"
	"  txn         INTEGER REFERENCES transactions(id),\n"
	"  dialog      INTEGER REFERENCES dialogs(id),\n"
	"  call        INTEGER REFERENCES calls(id),     -- the leg\n"
	"  request     INTEGER REFERENCES messages(id),  -- responses: the request answered\n"
	"  length      INTEGER\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS message_raw (\n"
	"  id          INTEGER PRIMARY KEY REFERENCES message_rows(id),\n"
	"  raw         BLOB              -- the message bytes, untouched\n"
	");\n"
	"CREATE VIEW IF NOT EXISTS messages AS\n"
	"  SELECT m.*, r.raw FROM message_rows m LEFT JOIN message_raw r ON r.id = m.id;\n"
	"CREATE TABLE IF NOT EXISTS media (\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  message     INTEGER REFERENCES messages(id),\n"
	"  call        INTEGER REFERENCES calls(id),\n"
	"  idx         INTEGER,          -- m= line, 0-based\n"
	"  type        TEXT,             -- audio, video, image, application\n"
	"  addr        TEXT,             -- c= address (media, else session level)\n"
	"  port        INTEGER,\n"
	"  proto       TEXT,             -- RTP/AVP, RTP/SAVP, udptl, ...\n"
	"  dir         TEXT,             -- sendrecv sendonly recvonly inactive (or none)\n"
	"  codecs      TEXT,             -- rtpmap names (or payload types), comma-separated\n"
	"  candidates  INTEGER           -- ICE a=candidate lines\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS findings (\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  capture     INTEGER REFERENCES captures(id),\n"
	"  message     INTEGER REFERENCES messages(id),  -- the message that shows it\n"
	"  call        INTEGER REFERENCES calls(id),     -- its leg\n"
	"  rule        TEXT,             -- stable id: missing-header, ack-missing, ...\n"
	"  severity    TEXT,             -- error warning info\n"
	"  rfc         TEXT,             -- 'RFC 3261 13.3.1.4'\n"
	"  text        TEXT              -- one sentence naming the header or value\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS streams (\n"
	"  id            INTEGER PRIMARY KEY,\n"
	"  capture       INTEGER REFERENCES captures(id),\n"
	"  call          INTEGER REFERENCES calls(id),   -- the leg whose SDP announced it, or NULL\n"
	"  src           TEXT,           -- 'ip:port'\n"
	"  dst           TEXT,\n"
	"  ssrc          INTEGER,\n"
	"  payload_type  INTEGER,\n"
	"  codec         TEXT,           -- 'PCMA/8000'\n"
	"  packets       INTEGER,\n"
	"  lost          INTEGER,        -- RFC 3550 A.3 (negative with duplicates)\n"
	"  max_delta_ms  REAL,\n"
	"  jitter_ms_mean REAL,          -- RFC 3550 A.8\n"
	"  jitter_ms_max REAL,\n"
	"  mos           REAL,           -- E-model estimate; NULL for DTMF events\n"
	"  problems      TEXT,           -- one-way,nat,codec,gap,after-bye,loss,unannounced\n"
	"  start         REAL,\n"
	"  end           REAL,\n"
	"  dtmf          TEXT            -- RFC 4733 digits, in order\n"
	");\n"
	"CREATE VIEW IF NOT EXISTS call_list AS\n"
	"  SELECT c.*,\n"
	"         1 + (SELECT count(*) FROM calls l WHERE l.root = c.id) AS legs,\n"
	"         c.messages + coalesce((SELECT sum(l.messages) FROM calls l WHERE l.root = c.id), 0)\n"
	"           AS total_messages\n"
	"  FROM calls c WHERE c.root IS NULL;\n";

/* The indexes, for the usual questions: by call, by Call-ID, by time, by
 * address.  Apart from the tables, since a first bulk sync drops them and
 * builds them after the rows: sorting once is several times cheaper than
 * keeping them up to date row by row (even for time, whose keys come in
 * order: the index pages then compete with the rows for the page cache). */
const char db_indexes[] =
	"CREATE INDEX IF NOT EXISTS calls_call_id ON calls(call_id);\n"
	"CREATE INDEX IF NOT EXISTS calls_state ON calls(state);\n"
	"CREATE INDEX IF NOT EXISTS calls_start ON calls(start);\n"
	"CREATE INDEX IF NOT EXISTS calls_root ON calls(root);\n"
	"CREATE INDEX IF NOT EXISTS dialogs_call ON dialogs(call);\n"
	"CREATE INDEX IF NOT EXISTS transactions_call ON transactions(call);\n"
	"CREATE INDEX IF NOT EXISTS transactions_method ON transactions(method, final_status);\n"
	"CREATE INDEX IF NOT EXISTS media_call ON media(call);\n"
	"CREATE INDEX IF NOT EXISTS messages_call ON message_rows(call);\n"
	"CREATE INDEX IF NOT EXISTS messages_time ON message_rows(time);\n"
	"CREATE INDEX IF NOT EXISTS messages_src_ip ON message_rows(src_ip);\n"
	"CREATE INDEX IF NOT EXISTS messages_dst_ip ON message_rows(dst_ip);\n"
	"CREATE INDEX IF NOT EXISTS findings_call ON findings(call);\n"
	"CREATE INDEX IF NOT EXISTS findings_rule ON findings(rule);\n"
	"CREATE INDEX IF NOT EXISTS streams_call ON streams(call);\n";
const char db_drop_indexes[] =
	"DROP INDEX IF EXISTS calls_call_id;\n"
	"DROP INDEX IF EXISTS calls_state;\n"
	"DROP INDEX IF EXISTS calls_start;\n"
	"DROP INDEX IF EXISTS calls_root;\n"
	"DROP INDEX IF EXISTS dialogs_call;\n"
	"DROP INDEX IF EXISTS transactions_call;\n"
	"DROP INDEX IF EXISTS transactions_method;\n"
	"DROP INDEX IF EXISTS media_call;\n"
	"DROP INDEX IF EXISTS messages_call;\n"
	"DROP INDEX IF EXISTS messages_time;\n"
	"DROP INDEX IF EXISTS messages_src_ip;\n"
	"DROP INDEX IF EXISTS messages_dst_ip;\n"
	"DROP INDEX IF EXISTS findings_call;\n"
	"DROP INDEX IF EXISTS findings_rule;\n"
	"DROP INDEX IF EXISTS streams_call;\n";

const char *const db_tp_names[DB_TP_COUNT] = { "UDP", "TCP", "TLS", "WS", "WSS", "SCTP" };

int db_is_database(const char *path)
{
	static const char magic[16] = "SQLite format 3";
	char head[16];
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	size_t got = fread(head, 1, sizeof head, f);
	fclose(f);
	return got == sizeof head && memcmp(head, magic, sizeof magic) == 0;
}

/* 1 when path exists and holds bytes, 0 when absent or empty. */
static int file_has_bytes(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	int c = getc(f);
	fclose(f);
	return c != EOF;
}

int64_t db_query_int(sqlite3 *db, const char *sql, int64_t dflt)
{
	sqlite3_stmt *st;
	int64_t v = dflt;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return dflt;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Open path (created when create) and check it is ours, or empty. */
sqlite3 *db_open_checked(const char *path, int create, char *err, size_t n)
{
	if (file_has_bytes(path) && !db_is_database(path)) {
		snprintf(err, n, "%s: not an sqlite3 database (it holds something else; name another file)",
		         path);
		return NULL;
	}
	if (!create && !file_has_bytes(path)) {
		snprintf(err, n, "%s: %s", path, access(path, F_OK) ? strerror(errno) : "empty file");
		return NULL;
	}
	sqlite3 *db = NULL;
	/* One connection per writer or reader, used by one thread: no mutexes
	 * (nor counting every allocation under one, when sqlite3 starts here). */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	/* The smallest sorter run: 128 pages (8 MiB of 64 KiB pages). */
	sqlite3_config(SQLITE_CONFIG_PMASZ, 128);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		snprintf(err, n, "%s: cannot open: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	int64_t tables = db_query_int(db, "SELECT count(*) FROM sqlite_master", -1);
	if (tables < 0) {
		snprintf(err, n, "%s: cannot read: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return NULL;
	}
	int64_t app = db_query_int(db, "PRAGMA application_id", 0);
	int64_t ver = db_query_int(db, "PRAGMA user_version", 0);
	if (tables > 0 && app != DB_APPLICATION_ID) {
		snprintf(err, n, "%s: an sqlite3 database, but not one sipscope wrote", path);
		sqlite3_close(db);
		return NULL;
	}
	/* No table at all: whatever its user_version or application_id say,
	 * it holds nothing.  A writer may make it ours (nothing is lost); a
	 * reader has no messages to find there. */
	if (tables == 0 && !create) {
		snprintf(err, n, "%s: an sqlite3 database with no tables: not one sipscope wrote", path);
		sqlite3_close(db);
		return NULL;
	}
	if (tables > 0 && ver > DB_SCHEMA_VERSION) {
		snprintf(err, n, "%s: written by a newer sipscope (schema %lld; this one reads %d)", path,
		         (long long)ver, DB_SCHEMA_VERSION);
		sqlite3_close(db);
		return NULL;
	}
	/* Schema 1 kept the bytes in `messages` itself: it reads back the
	 * same (its messages table has the columns of today's view), but
	 * appending would need the rows moved into the tables of schema 2. */
	if (create && tables > 0 && ver < DB_SCHEMA_VERSION) {
		snprintf(err, n,
		         "%s: written by an older sipscope (schema %lld; this one writes %d): it can be read,"
		         " not appended to; write to a new file",
		         path, (long long)ver, DB_SCHEMA_VERSION);
		sqlite3_close(db);
		return NULL;
	}
	return db;
}
