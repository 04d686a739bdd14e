/* test_db.c - the sqlite3 sink and source: a capture written to a
 * database and read back gives the same messages, transactions, dialogs
 * and calls; later syncs append and update; other files are refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "sipscope/db.h"
#include "sipscope/export.h"
#include "sipscope/ingest.h"
#include "fixture.h"

static char tmpdir[64];

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_db.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void db_path(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", tmpdir, name);
}

/* An integer from a query on the database at path. */
static int64_t q_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void q_text(const char *path, const char *sql, char *out, size_t n)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	const unsigned char *t = sqlite3_column_text(st, 0);
	snprintf(out, n, "%s", t ? (const char *)t : "(null)");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void write_db(struct loaded *l, const char *path, const char *source)
{
	char err[256];
	struct db_writer *w = db_open(path, err, sizeof err);
	if (!w)
		fail_msg("db_open: %s", err);
	assert_true(db_add_capture(w, source, 0) >= 1);
	if (db_sync(w, l->s, l->t) < 0)
		fail_msg("db_sync: %s", db_error(w));
	assert_int_equal(db_written(w), store_msg_count(l->s));
	db_close(w);
}

/* A fresh store/tracker/pipeline filled from a database. */
static void load_db(struct loaded *l, const char *path)
{
	char err[256];
	memset(l, 0, sizeof *l);
	l->s = store_new();
	l->t = track_new(l->s);
	l->in = ingest_new(l->s, l->t);
	assert_non_null(l->in);
	if (db_load(path, l->in, err, sizeof err) < 0)
		fail_msg("db_load: %s", err);
	track_finish(l->t);
}

/* What a batch command prints for a store, in a malloc'ed string. */
static char *listing(struct loaded *l, int calls)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	if (calls)
		assert_int_equal(export_calls(f, l->s, l->t, NULL, EXPORT_JSON, NULL, 0), 0);
	else
		assert_int_equal(export_messages(f, l->s, l->t, EXPORT_JSON), 0);
	fclose(f);
	return buf;
}

static void assert_same(struct loaded *a, struct loaded *b)
{
	size_t n = store_msg_count(a->s);
	assert_true(n > 0);
	assert_int_equal(store_msg_count(b->s), n);
	for (size_t i = 0; i < n; i++) {
		const struct store_msg *x = store_msg_at(a->s, i), *y = store_msg_at(b->s, i);
		assert_int_equal(x->frame, y->frame);
		assert_int_equal(x->ts_us, y->ts_us);
		assert_int_equal(x->transport, y->transport);
		assert_int_equal(x->flags, y->flags);
		assert_int_equal(x->status, y->status);
		assert_int_equal(x->method, y->method);
		assert_int_equal(x->cseq, y->cseq);
		assert_int_equal(x->txn, y->txn);
		assert_int_equal(x->dialog, y->dialog);
		assert_int_equal(x->call, y->call);
		assert_int_equal(x->request_msg, y->request_msg);
		assert_int_equal(x->loc_len, y->loc_len);
		assert_int_equal(store_agent_capture_id(a->s, x->agent), store_agent_capture_id(b->s, y->agent));
		assert_int_equal(!x->agent, !y->agent);
		if (x->malformed || y->malformed)
			assert_string_equal(x->malformed ? x->malformed : "-", y->malformed ? y->malformed : "-");
		assert_memory_equal(store_endpoint(a->s, x->src), store_endpoint(b->s, y->src),
		                    sizeof(struct store_endpoint));
		assert_memory_equal(store_endpoint(a->s, x->dst), store_endpoint(b->s, y->dst),
		                    sizeof(struct store_endpoint));
		assert_true(sv_eq(store_str(a->s, x->call_id), store_str(b->s, y->call_id)));
		static char copy[1 << 20];
		size_t la, lb;
		const char *ba = store_msg_bytes(a->s, i, &la);
		assert_non_null(ba);
		assert_true(la <= sizeof copy);
		memcpy(copy, ba, la);
		const char *bb = store_msg_bytes(b->s, i, &lb);
		assert_non_null(bb);
		assert_int_equal(la, lb);
		assert_memory_equal(copy, bb, la);
	}
	size_t nc = track_call_count(a->t);
	assert_int_equal(track_call_count(b->t), nc);
	for (size_t c = 0; c < nc; c++) {
		const struct call_info *x = track_call(a->t, c), *y = track_call(b->t, c);
		assert_true(sv_eq(store_str(a->s, x->call_id), store_str(b->s, y->call_id)));
		assert_true(sv_eq(store_str(a->s, x->from), store_str(b->s, y->from)));
		assert_true(sv_eq(store_str(a->s, x->to), store_str(b->s, y->to)));
		assert_int_equal(x->method, y->method);
		assert_int_equal(x->state, y->state);
		assert_int_equal(x->final_status, y->final_status);
		assert_int_equal(x->nmsgs, y->nmsgs);
		assert_int_equal(x->root, y->root);
		assert_int_equal(x->start_us, y->start_us);
		assert_int_equal(x->end_us, y->end_us);
		assert_int_equal(x->final_us, y->final_us);
	}
	assert_int_equal(track_txn_count(b->t), track_txn_count(a->t));
	for (uint32_t i = 1; i <= track_txn_count(a->t); i++)
		assert_memory_equal(track_txn(a->t, i), track_txn(b->t, i), sizeof(struct txn_info));
	assert_int_equal(track_dialog_count(b->t), track_dialog_count(a->t));
	for (uint32_t i = 1; i <= track_dialog_count(a->t); i++)
		assert_memory_equal(track_dialog(a->t, i), track_dialog(b->t, i), sizeof(struct dlg_info));
	/* And what the batch commands print: every field of the contract. */
	for (int calls = 0; calls <= 1; calls++) {
		char *la = listing(a, calls), *lb = listing(b, calls);
		assert_string_equal(la, lb);
		free(la);
		free(lb);
	}
}

static void round_trip(const char *sample, const char *name)
{
	char path[128];
	db_path(path, sizeof path, name);
	struct loaded a, b;
	load(&a, sample, 0);
	write_db(&a, path, sample);
	assert_true(db_is_database(path));
	/* The rows match what the tracker holds. */
	assert_int_equal(q_int(path, "SELECT count(*) FROM messages"), store_msg_count(a.s));
	assert_int_equal(q_int(path, "SELECT max(id) FROM messages"), store_msg_count(a.s));
	assert_int_equal(q_int(path, "SELECT count(*) FROM calls"), track_call_count(a.t));
	assert_int_equal(q_int(path, "SELECT count(*) FROM dialogs"), track_dialog_count(a.t));
	assert_int_equal(q_int(path, "SELECT count(*) FROM transactions"), track_txn_count(a.t));
	assert_int_equal(q_int(path, "SELECT count(*) FROM messages m WHERE m.call IS NOT NULL"
	                             " AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.id = m.call)"), 0);
	assert_int_equal(q_int(path, "SELECT count(*) FROM messages m WHERE m.dialog IS NOT NULL"
	                             " AND NOT EXISTS (SELECT 1 FROM dialogs d WHERE d.id = m.dialog)"), 0);
	char ok[32];
	q_text(path, "PRAGMA integrity_check", ok, sizeof ok);
	assert_string_equal(ok, "ok");
	q_text(path, "PRAGMA journal_mode", ok, sizeof ok);
	assert_string_equal(ok, "wal");
	load_db(&b, path);
	assert_same(&a, &b);
	unload(&a);
	unload(&b);
}

static void test_round_trip_proxy_udp(void **state)
{
	(void)state;
	round_trip("samples/proxy_rr_udp.pcap", "proxy.db");
}

static void test_round_trip_tcp(void **state)
{
	(void)state;
	round_trip("samples/basic_tcp.pcap", "tcp.db");
}

static void test_round_trip_hep3(void **state)
{
	(void)state;
	round_trip("samples/hep3_udp.pcap", "hep.db");
}

static void test_round_trip_other_samples(void **state)
{
	(void)state;
	static const char *const more[] = { "samples/basic_ipv6.pcap", "samples/lossy_udp.pcap",
		                            "samples/reinvite_udp.pcap", "samples/cancel_udp.pcap",
		                            "samples/register_udp.pcap", "samples/ws_sip.pcap",
		                            "samples/tcp_segments.pcap", "samples/frag_tcp.pcap" };
	for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
		char name[32];
		snprintf(name, sizeof name, "more%zu.db", i);
		round_trip(more[i], name);
	}
}

static void test_media_rows_from_sdp(void **state)
{
	(void)state;
	char path[128];
	db_path(path, sizeof path, "media.db");
	struct loaded a;
	load(&a, "samples/proxy_rr_udp.pcap", 0);
	write_db(&a, path, "proxy");
	/* Every offer and answer has an audio line with an address and port. */
	assert_true(q_int(path, "SELECT count(*) FROM media") > 0);
	assert_int_equal(q_int(path, "SELECT count(*) FROM media WHERE type='audio' AND port > 0"
	                             " AND addr IS NOT NULL AND codecs <> ''"),
	                 q_int(path, "SELECT count(*) FROM media"));
	assert_int_equal(q_int(path, "SELECT count(*) FROM media md JOIN messages m ON m.id = md.message"
	                             " WHERE m.call = md.call AND instr(m.raw, 'm=audio') > 0"),
	                 q_int(path, "SELECT count(*) FROM media"));
	unload(&a);
}

/* Frames fed one by one, a sync in the middle and one at the end: the
 * second appends only what is new and updates the calls that moved on. */
static void test_second_sync_appends_and_updates(void **state)
{
	(void)state;
	char path[128], err[256];
	db_path(path, sizeof path, "incr.db");
	const char *paths[] = { "samples/proxy_rr_udp.pcap" };
	struct pcap_src *src = pcap_src_open(paths, 1, err, sizeof err);
	assert_non_null(src);
	struct store *s = store_new();
	struct tracker *t = track_new(s);
	struct ingest *in = ingest_new(s, t);
	store_set_fetcher(s, pcap_src_fetch, src);
	struct db_writer *w = db_open(path, err, sizeof err);
	assert_non_null(w);
	assert_int_equal(db_add_capture(w, paths[0], 0), 1);
	struct frame f;
	int rc;
	size_t first = 0;
	while ((rc = pcap_src_next(src, &f)) != PCAP_SRC_END) {
		if (rc == PCAP_SRC_FRAME)
			assert_int_equal(ingest_frame(in, &f), 0);
		if (!first && store_msg_count(s) >= 5) {
			assert_int_equal(db_sync(w, s, t), 0);
			first = store_msg_count(s);
		}
	}
	ingest_finish(in);
	/* After the first sync, the first call was still being set up. */
	char state_text[32];
	q_text(path, "SELECT state FROM calls WHERE id = 1", state_text, sizeof state_text);
	assert_true(!strcmp(state_text, "setup") || !strcmp(state_text, "ringing"));
	assert_int_equal(q_int(path, "SELECT count(*) FROM messages"), first);
	track_finish(t);
	assert_int_equal(db_sync(w, s, t), 0);
	size_t n = store_msg_count(s);
	assert_int_equal(q_int(path, "SELECT count(*) FROM messages"), n);
	assert_int_equal(q_int(path, "SELECT max(id) FROM messages"), n);
	assert_int_equal(q_int(path, "SELECT count(*) FROM calls"), track_call_count(t));
	q_text(path, "SELECT state FROM calls WHERE id = 1", state_text, sizeof state_text);
	assert_string_equal(state_text, track_state_name((enum call_state)track_call(t, 0)->state));
	/* Messages sent before their dialog existed got it in the rows too. */
	for (size_t i = 0; i < n; i++) {
		char sql[96];
		snprintf(sql, sizeof sql, "SELECT coalesce(dialog, 0) FROM messages WHERE id = %zu", i + 1);
		assert_int_equal(q_int(path, sql), store_msg_at(s, i)->dialog);
	}
	/* A sync with nothing new writes nothing and fails nothing. */
	assert_int_equal(db_sync(w, s, t), 0);
	assert_int_equal(q_int(path, "SELECT count(*) FROM messages"), n);
	db_close(w);
	ingest_free(in);
	track_free(t);
	store_free(s);
	pcap_src_close(src);
}

/* A second run into the same file continues after the ids already there. */
static void test_second_capture_appends_to_a_database(void **state)
{
	(void)state;
	char path[128];
	db_path(path, sizeof path, "two.db");
	struct loaded a, b;
	load(&a, "samples/basic_tcp.pcap", 0);
	load(&b, "samples/proxy_rr_udp.pcap", 0);
	write_db(&a, path, "tcp");
	write_db(&b, path, "proxy");
	size_t na = store_msg_count(a.s), nb = store_msg_count(b.s);
	assert_int_equal(q_int(path, "SELECT count(*) FROM messages"), na + nb);
	assert_int_equal(q_int(path, "SELECT max(id) FROM messages"), na + nb);
	assert_int_equal(q_int(path, "SELECT count(*) FROM captures"), 2);
	assert_int_equal(q_int(path, "SELECT count(*) FROM messages WHERE capture = 2"), nb);
	assert_int_equal(q_int(path, "SELECT count(*) FROM calls"),
	                 track_call_count(a.t) + track_call_count(b.t));
	assert_int_equal(q_int(path, "SELECT min(call) FROM messages WHERE capture = 2"),
	                 track_call_count(a.t) + 1);
	unload(&a);
	unload(&b);
}

/* ncalls INVITE (with SDP) / 200 / ACK / BYE / 200 exchanges, made up and
 * fed through ingest_raw_message() as db_load does. */
static void load_synthetic(struct loaded *l, int ncalls)
{
	memset(l, 0, sizeof *l);
	l->s = store_new();
	l->t = track_new(l->s);
	l->in = ingest_new(l->s, l->t);
	assert_non_null(l->in);
	struct store_endpoint a = { .family = 4, .port = 5060 }, b = { .family = 4, .port = 5060 };
	uint64_t frame = 0;
	int64_t t = 1700000000000000;
	for (int c = 0; c < ncalls; c++) {
		a.addr[0] = 10, a.addr[3] = (uint8_t)(1 + c % 50);
		b.addr[0] = 10, b.addr[2] = 1, b.addr[3] = (uint8_t)(1 + c % 7);
		static const char sdp[] = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\n"
		                          "t=0 0\r\nm=audio 4000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\n";
		static const struct {
			const char *start, *to_tag, *cseq, *extra;
			int branch;
		} m[] = {
			{ "INVITE sip:b@10.0.1.1 SIP/2.0", "", "1 INVITE",
			  "Contact: <sip:a@10.0.0.1>\r\nContent-Type: application/sdp\r\n", 1 },
			{ "SIP/2.0 200 OK", ";tag=b", "1 INVITE",
			  "Contact: <sip:b@10.0.1.1>\r\nContent-Type: application/sdp\r\n", 1 },
			{ "ACK sip:b@10.0.1.1 SIP/2.0", ";tag=b", "1 ACK", "", 2 },
			{ "BYE sip:b@10.0.1.1 SIP/2.0", ";tag=b", "2 BYE", "", 3 },
			{ "SIP/2.0 200 OK", ";tag=b", "2 BYE", "", 3 },
		};
		for (int k = 0; k < 5; k++) {
			char msg[1024];
			const char *body = k < 2 ? sdp : "";
			int len = snprintf(msg, sizeof msg,
			                   "%s\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK%d-%d\r\n"
			                   "From: <sip:a@10.0.0.1>;tag=a%d\r\nTo: <sip:b@10.0.1.1>%s\r\n"
			                   "Call-ID: call-%d@x\r\nCSeq: %s\r\n%sContent-Length: %d\r\n\r\n%s",
			                   m[k].start, c, m[k].branch, c, m[k].to_tag, c, m[k].cseq, m[k].extra,
			                   (int)strlen(body), body);
			int fwd = k == 0 || k == 2 || k == 3;
			assert_int_equal(ingest_raw_message(l->in, ++frame, t += 1000, fwd ? &a : &b, fwd ? &b : &a,
			                                    STORE_TP_UDP, 0, msg, (size_t)len),
			                 1);
		}
	}
	track_finish(l->t);
}

/* Many more messages than a batch: prepared on the worker thread, written
 * in one bulk sync (indexes built after), read back the same; every field
 * parsed on the worker is in its row, and the SDP lines in media. */
static void test_round_trip_many_messages_in_batches(void **state)
{
	(void)state;
	char path[128];
	struct loaded a, b;
	load_synthetic(&a, 4200); /* 21,000 messages: a bulk first sync */
	db_path(path, sizeof path, "many.db");
	write_db(&a, path, "synthetic");
	assert_int_equal(q_int(path, "SELECT count(*) FROM messages"), store_msg_count(a.s));
	assert_int_equal(q_int(path, "SELECT count(*) FROM media"), 2 * 4200);
	assert_int_equal(q_int(path, "SELECT count(*) FROM messages WHERE branch IS NULL OR from_tag IS NULL"
	                             " OR cseq_method IS NULL OR length(raw) != length"), 0);
	assert_int_equal(q_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
	                             " AND sql IS NOT NULL"), 15);
	char ok[32];
	q_text(path, "PRAGMA integrity_check", ok, sizeof ok);
	assert_string_equal(ok, "ok");
	load_db(&b, path);
	assert_same(&a, &b);
	unload(&b);
	unload(&a);
}

/* The public names stay as documented: messages has every column, raw
 * last, and the usual questions have their indexes. */
static void test_messages_view_and_indexes(void **state)
{
	(void)state;
	char path[128], cols[1024];
	db_path(path, sizeof path, "view.db");
	struct loaded a;
	load(&a, "samples/proxy_rr_udp.pcap", 0);
	write_db(&a, path, "proxy");
	q_text(path, "SELECT group_concat(name, ',') FROM pragma_table_info('messages')", cols,
	       sizeof cols);
	assert_string_equal(cols, "id,capture,frame,time,time_us,src,src_ip,src_port,dst,dst_ip,"
	                          "dst_port,transport,capture_id,method,status,call_id,cseq,"
	                          "cseq_method,from_tag,to_tag,branch,retrans,cut,malformed,txn,"
	                          "dialog,call,request,length,raw");
	assert_int_equal(q_int(path, "SELECT count(*) FROM messages WHERE raw IS NULL"), 0);
	assert_int_equal(q_int(path, "SELECT count(*) FROM messages WHERE length(raw) != length"), 0);
	assert_int_equal(q_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
	                             " AND sql IS NOT NULL"), 15);
	assert_int_equal(q_int(path, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	unload(&a);
}

/* A database of schema 1 (the bytes inside the messages table) reads back
 * the same; a writer refuses to append to it, saying why. */
static void test_schema1_reads_but_is_not_appended_to(void **state)
{
	(void)state;
	char path[128], err[256];
	db_path(path, sizeof path, "v1.db");
	struct loaded a, b;
	load(&a, "samples/proxy_rr_udp.pcap", 0);
	write_db(&a, path, "proxy");
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	                              "CREATE TABLE v1 AS SELECT * FROM messages;"
	                              "DROP VIEW messages; DROP TABLE message_raw; DROP TABLE message_rows;"
	                              "ALTER TABLE v1 RENAME TO messages;"
	                              "CREATE INDEX messages_call ON messages(call);"
	                              "PRAGMA user_version=1;",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	load_db(&b, path);
	assert_same(&a, &b);
	unload(&b);
	assert_null(db_open(path, err, sizeof err));
	assert_non_null(strstr(err, "older sipscope (schema 1"));
	assert_non_null(strstr(err, "new file"));
	assert_int_equal(q_int(path, "PRAGMA user_version"), 1);
	unload(&a);
}

static void test_is_database(void **state)
{
	(void)state;
	char path[128];
	db_path(path, sizeof path, "probe.db");
	struct loaded a;
	load(&a, "samples/basic_tcp.pcap", 0);
	write_db(&a, path, "tcp");
	unload(&a);
	assert_true(db_is_database(path));
	assert_false(db_is_database("samples/basic_tcp.pcap"));
	assert_false(db_is_database("/nonexistent/file.db"));
	assert_false(db_is_database("/dev/null"));
}

static void test_open_refuses_other_files(void **state)
{
	(void)state;
	char err[256];
	struct stat before, after;
	/* A capture file is not overwritten. */
	char copy[128];
	db_path(copy, sizeof copy, "capture.pcap");
	char cmd[256];
	snprintf(cmd, sizeof cmd, "cp samples/basic_tcp.pcap '%s'", copy);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(stat(copy, &before), 0);
	assert_null(db_open(copy, err, sizeof err));
	assert_non_null(strstr(err, "not an sqlite3 database"));
	assert_non_null(strstr(err, copy));
	assert_int_equal(stat(copy, &after), 0);
	assert_int_equal(before.st_size, after.st_size);
	/* Nor is another program's database. */
	char other[128];
	db_path(other, sizeof other, "other.db");
	sqlite3 *db;
	assert_int_equal(sqlite3_open(other, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_null(db_open(other, err, sizeof err));
	assert_non_null(strstr(err, "not one sipscope wrote"));
	/* Reading: a capture, a missing file. */
	struct loaded l;
	memset(&l, 0, sizeof l);
	l.s = store_new();
	l.t = track_new(l.s);
	l.in = ingest_new(l.s, l.t);
	assert_int_equal(db_load(copy, l.in, err, sizeof err), -1);
	assert_non_null(strstr(err, "not an sqlite3 database"));
	assert_int_equal(db_load("/nonexistent/x.db", l.in, err, sizeof err), -1);
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(db_load(other, l.in, err, sizeof err), -1);
	assert_non_null(strstr(err, "not one sipscope wrote"));
	assert_int_equal(store_msg_count(l.s), 0);
	unload(&l);
	/* A directory that does not exist. */
	assert_null(db_open("/nonexistent/dir/x.db", err, sizeof err));
	assert_non_null(strstr(err, "/nonexistent/dir/x.db"));
}

/* An sqlite file with no table says nothing by its user_version (7
 * here, "newer" than sipscope): a writer makes it a sipscope database, a
 * reader says it holds no tables.  With sipscope's tables, a newer
 * version is refused as newer. */
static void test_empty_database_with_a_user_version_is_empty(void **state)
{
	(void)state;
	char path[128], err[256];
	db_path(path, sizeof path, "empty7.db");
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=7", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(q_int(path, "PRAGMA user_version"), 7);
	struct loaded l;
	memset(&l, 0, sizeof l);
	l.s = store_new();
	l.t = track_new(l.s);
	l.in = ingest_new(l.s, l.t);
	assert_int_equal(db_load(path, l.in, err, sizeof err), -1);
	assert_non_null(strstr(err, "no tables"));
	assert_null(strstr(err, "newer"));
	unload(&l);
	/* Written to: it becomes ours, and reads back. */
	struct loaded a, b;
	load(&a, "samples/proxy_rr_udp.pcap", 0);
	write_db(&a, path, "proxy");
	assert_int_equal(q_int(path, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	load_db(&b, path);
	assert_same(&a, &b);
	unload(&b);
	unload(&a);
	/* sipscope's tables and a newer version: newer it is. */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=7", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_null(db_open(path, err, sizeof err));
	assert_non_null(strstr(err, "newer sipscope (schema 7"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_proxy_udp),
		cmocka_unit_test(test_round_trip_tcp),
		cmocka_unit_test(test_round_trip_hep3),
		cmocka_unit_test(test_round_trip_other_samples),
		cmocka_unit_test(test_media_rows_from_sdp),
		cmocka_unit_test(test_second_sync_appends_and_updates),
		cmocka_unit_test(test_second_capture_appends_to_a_database),
		cmocka_unit_test(test_round_trip_many_messages_in_batches),
		cmocka_unit_test(test_messages_view_and_indexes),
		cmocka_unit_test(test_schema1_reads_but_is_not_appended_to),
		cmocka_unit_test(test_is_database),
		cmocka_unit_test(test_open_refuses_other_files),
		cmocka_unit_test(test_empty_database_with_a_user_version_is_empty),
	};
	return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
