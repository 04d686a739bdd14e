/* db_write.c - the sqlite3 sink: db_open() creates the schema (db_schema.c)
 * and db_sync() writes what the store and the tracker hold, the messages
 * prepared on a second thread. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <sys/time.h>

#include "db_int.h"
#include "sipscope/hmap.h"
#include "sipscope/sdp.h"
#include "sipscope/sip.h"
#include "sipscope/vec.h"

#ifndef SIPSCOPE_VERSION
#define SIPSCOPE_VERSION "0.0.0"
#endif

/* A first sync of at least this many messages into a database without
 * messages drops and rebuilds the indexes. */
#define DB_BULK_MIN 20000

struct ep_text {
	char ip[INET6_ADDRSTRLEN];
	char full[64];
};

/* What was last written of a call, dialog or transaction: a hash of its
 * fields, so a sync rewrites only the rows that changed. */
struct hashes {
	uint64_t *h;
	size_t n, cap;
};

struct db_writer {
	sqlite3 *db;
	sqlite3_stmt *ins_msg, *ins_raw, *ins_media, *put_call, *put_dlg, *put_txn, *set_dialog, *ins_capture;
	sqlite3_stmt *ins_finding, *ins_stream;
	const struct checker *check; /* findings to write, or NULL */
	const struct media *media;   /* RTP streams to write, or NULL */
	/* Ids already in the database when it was opened: ours follow them. */
	int64_t msg_base, call_base, dlg_base, txn_base;
	int64_t capture;
	size_t written; /* store messages written */
	struct hashes calls, dlgs, txns;
	/* Messages written without a dialog although their transaction may
	 * make one (an INVITE before its 1xx/2xx): track_finish() can give
	 * them one later, and the row follows. */
	uint32_t *orphans;
	size_t norphans, cap_orphans;
	struct ep_text *eps;
	size_t neps, cap_eps;
	struct sip_header hdrs[DB_MAX_HEADERS];
	char err[256];
};

static void db_fail(struct db_writer *w, const char *what)
{
	snprintf(w->err, sizeof w->err, "%s: %s", what, sqlite3_errmsg(w->db));
}

static int prepare(struct db_writer *w, sqlite3_stmt **st, const char *sql)
{
	if (sqlite3_prepare_v3(w->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK) {
		db_fail(w, "prepare");
		return -1;
	}
	return 0;
}

struct db_writer *db_open(const char *path, char *err, size_t n)
{
	struct db_writer *w = calloc(1, sizeof *w);
	if (!w) {
		snprintf(err, n, "%s: out of memory", path);
		return NULL;
	}
	w->db = db_open_checked(path, 1, err, n);
	if (!w->db) {
		free(w);
		return NULL;
	}
	char *msg = NULL;
	/* page_size only counts before the first table: 64 KiB pages take
	 * eight times fewer write() calls than 8 KiB ones (on the bench VM,
	 * 737 MB written 8 KiB at a time cost 1.0 s of kernel time, 64 KiB at
	 * a time 0.16 s), and make incremental syncs faster too (their
	 * checkpoints write fewer, larger pages: 18,500 -> 31,500 messages/s
	 * syncing every 2,000).  WAL persists in the file; synchronous=NORMAL loses nothing
	 * committed when the process dies (only a power cut can take the last
	 * commits back).  Temporary files stay files: the sorter of an index
	 * build spills runs to them, which lets it sort them on two threads
	 * (with temp_store=MEMORY it sorts everything at once, on one). */
	static const char setup[] =
		"PRAGMA page_size=65536;"
		"PRAGMA journal_mode=WAL;"
		"PRAGMA synchronous=NORMAL;"
		"PRAGMA cache_size=-65536;"
		"BEGIN IMMEDIATE;";
	int rc = sqlite3_exec(w->db, setup, NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(w->db, db_schema, NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(w->db, db_indexes, NULL, NULL, &msg);
	if (rc == SQLITE_OK) {
		char sql[96];
		snprintf(sql, sizeof sql, "PRAGMA application_id=%d; PRAGMA user_version=%d; COMMIT;",
		         DB_APPLICATION_ID, DB_SCHEMA_VERSION);
		rc = sqlite3_exec(w->db, sql, NULL, NULL, &msg);
	}
	if (rc != SQLITE_OK) {
		snprintf(err, n, "%s: cannot create the schema: %s", path, msg ? msg : sqlite3_errmsg(w->db));
		sqlite3_free(msg);
		db_close(w);
		return NULL;
	}
	w->msg_base = db_query_int(w->db, "SELECT max(id) FROM message_rows", 0);
	w->call_base = db_query_int(w->db, "SELECT max(id) FROM calls", 0);
	w->dlg_base = db_query_int(w->db, "SELECT max(id) FROM dialogs", 0);
	w->txn_base = db_query_int(w->db, "SELECT max(id) FROM transactions", 0);
	if (prepare(w, &w->ins_msg,
	            "INSERT INTO message_rows VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)") ||
	    prepare(w, &w->ins_raw, "INSERT INTO message_raw VALUES(?,?)") ||
	    prepare(w, &w->ins_media,
	            "INSERT INTO media(message,call,idx,type,addr,port,proto,dir,codecs,candidates)"
	            " VALUES(?,?,?,?,?,?,?,?,?,?)") ||
	    prepare(w, &w->put_call,
	            "INSERT OR REPLACE INTO calls VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)") ||
	    prepare(w, &w->put_dlg, "INSERT OR REPLACE INTO dialogs VALUES(?,?,?,?,?,?)") ||
	    prepare(w, &w->put_txn, "INSERT OR REPLACE INTO transactions VALUES(?,?,?,?,?,?,?,?,?,?,?)") ||
	    prepare(w, &w->set_dialog, "UPDATE message_rows SET dialog=? WHERE id=?") ||
	    prepare(w, &w->ins_finding,
	            "INSERT INTO findings(capture,message,call,rule,severity,rfc,text) VALUES(?,?,?,?,?,?,?)") ||
	    prepare(w, &w->ins_stream,
	            "INSERT INTO streams(capture,call,src,dst,ssrc,payload_type,codec,packets,lost,max_delta_ms,"
	            "jitter_ms_mean,jitter_ms_max,mos,problems,start,end,dtmf)"
	            " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)") ||
	    prepare(w, &w->ins_capture,
	            "INSERT INTO captures(source,started,started_us,written,version) VALUES(?,?,?,?,?)")) {
		snprintf(err, n, "%s: %s", path, w->err);
		db_close(w);
		return NULL;
	}
	return w;
}

const char *db_error(const struct db_writer *w) { return w->err; }

size_t db_written(const struct db_writer *w) { return w->written; }

void db_close(struct db_writer *w)
{
	if (!w)
		return;
	sqlite3_stmt *sts[] = { w->ins_msg, w->ins_raw, w->ins_media, w->put_call, w->put_dlg,
		                w->put_txn, w->set_dialog, w->ins_capture, w->ins_finding, w->ins_stream };
	for (size_t i = 0; i < sizeof sts / sizeof sts[0]; i++)
		sqlite3_finalize(sts[i]);
	sqlite3_close(w->db);
	free(w->calls.h);
	free(w->dlgs.h);
	free(w->txns.h);
	free(w->orphans);
	free(w->eps);
	free(w);
}

int64_t db_add_capture(struct db_writer *w, const char *source, int64_t started_us)
{
	struct timeval now;
	gettimeofday(&now, NULL);
	sqlite3_stmt *st = w->ins_capture;
	sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
	if (started_us) {
		sqlite3_bind_double(st, 2, (double)started_us / 1e6);
		sqlite3_bind_int64(st, 3, started_us);
	} else {
		sqlite3_bind_null(st, 2);
		sqlite3_bind_null(st, 3);
	}
	sqlite3_bind_double(st, 4, (double)now.tv_sec + (double)now.tv_usec / 1e6);
	sqlite3_bind_text(st, 5, SIPSCOPE_VERSION, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		db_fail(w, "add capture");
		return -1;
	}
	w->capture = sqlite3_last_insert_rowid(w->db);
	return w->capture;
}

/* ---- binding helpers --------------------------------------------------- */

static void bind_sv(sqlite3_stmt *st, int col, struct sv v)
{
	if (sv_is_set(v))
		sqlite3_bind_text(st, col, v.len ? v.p : "", (int)v.len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, col);
}

static void bind_str(sqlite3_stmt *st, int col, const char *s)
{
	if (s)
		sqlite3_bind_text(st, col, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, col);
}

/* base + id, or NULL for id 0. */
static void bind_id(sqlite3_stmt *st, int col, int64_t base, uint32_t id)
{
	if (id)
		sqlite3_bind_int64(st, col, base + id);
	else
		sqlite3_bind_null(st, col);
}

static void bind_time(sqlite3_stmt *st, int col, int64_t us)
{
	sqlite3_bind_double(st, col, (double)us / 1e6);
}

/* Elapsed ms from `from` to `to`, or NULL when `to` was not seen. */
static void bind_ms(sqlite3_stmt *st, int col, int64_t from, int64_t to)
{
	if (to)
		sqlite3_bind_double(st, col, (double)(to - from) / 1000.0);
	else
		sqlite3_bind_null(st, col);
}

static int step(struct db_writer *w, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		db_fail(w, what);
		return -1;
	}
	return 0;
}

/* The text of endpoint id (formatted once per endpoint). */
static const struct ep_text *ep_text(struct db_writer *w, struct store *s, uint32_t id)
{
	static const struct ep_text none = { "", "?" };
	if (!id)
		return &none;
	if (id > w->neps) {
		if (vec_grow((void **)&w->eps, &w->cap_eps, id, sizeof *w->eps))
			return &none;
		for (size_t k = w->neps; k < id; k++) {
			const struct store_endpoint *ep = store_endpoint(s, (uint32_t)k + 1);
			struct ep_text *e = &w->eps[k];
			store_endpoint_format(ep, e->full, sizeof e->full);
			e->ip[0] = '\0';
			if (ep)
				inet_ntop(ep->family == 4 ? AF_INET : AF_INET6, ep->addr, e->ip, sizeof e->ip);
		}
		w->neps = id;
	}
	return &w->eps[id - 1];
}

/* ---- messages and their media ----------------------------------------- */

static const char *method_text(uint8_t m)
{
	return sip_method_name((enum sip_method)m);
}

/* ---- binding -------------------------------------------------------------- */

static void bind_prep(sqlite3_stmt *st, int col, const struct prep_batch *b, struct prep_sv v)
{
	if (v.off == PREP_NONE)
		sqlite3_bind_null(st, col);
	else
		sqlite3_bind_text(st, col, b->bytes + v.off, (int)v.len, SQLITE_STATIC);
}

static int write_media(struct db_writer *w, int64_t msg_id, const struct store_msg *r,
                       const struct prep_batch *b, const struct prep_msg *pm)
{
	sqlite3_stmt *st = w->ins_media;
	for (size_t i = 0; i < pm->nmedia; i++) {
		const struct prep_media *md = &b->media[pm->media + i];
		sqlite3_bind_int64(st, 1, msg_id);
		bind_id(st, 2, w->call_base, r->call);
		sqlite3_bind_int(st, 3, md->idx);
		bind_prep(st, 4, b, md->type);
		bind_prep(st, 5, b, md->conn);
		sqlite3_bind_int64(st, 6, md->port);
		bind_prep(st, 7, b, md->proto);
		bind_str(st, 8, sdp_dir_name((enum sdp_dir)md->dir));
		bind_prep(st, 9, b, md->codecs);
		sqlite3_bind_int(st, 10, md->ncandidates);
		if (step(w, st, "write media") < 0)
			return -1;
	}
	return 0;
}

/* Write message k of batch b (store index b->first + k). */
static int write_message(struct db_writer *w, struct store *s, const struct prep_batch *b, size_t k)
{
	size_t idx = b->first + k;
	const struct prep_msg *pm = &b->msgs[k];
	const struct store_msg *r = store_msg_at(s, idx);
	int parsed = pm->parsed, has_bytes = pm->raw.off != PREP_NONE;
	/* Both endpoints before binding: a lookup may move the cache. */
	ep_text(w, s, r->src > r->dst ? r->src : r->dst);
	const struct ep_text *src = ep_text(w, s, r->src), *dst = ep_text(w, s, r->dst);
	const struct store_endpoint *sep = store_endpoint(s, r->src), *dep = store_endpoint(s, r->dst);
	int is_req = r->flags & STORE_MSG_REQUEST;
	int64_t id = w->msg_base + (int64_t)idx + 1;
	sqlite3_stmt *st = w->ins_msg;

	sqlite3_bind_int64(st, 1, id);
	bind_id(st, 2, 0, (uint32_t)w->capture);
	sqlite3_bind_int64(st, 3, (int64_t)r->frame);
	bind_time(st, 4, r->ts_us);
	sqlite3_bind_int64(st, 5, r->ts_us);
	sqlite3_bind_text(st, 6, src->full, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, src->ip, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, sep ? sep->port : 0);
	sqlite3_bind_text(st, 9, dst->full, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, dst->ip, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 11, dep ? dep->port : 0);
	bind_str(st, 12, r->transport < sizeof db_tp_names / sizeof db_tp_names[0] ? db_tp_names[r->transport] : "?");
	if (r->agent)
		sqlite3_bind_int64(st, 13, store_agent_capture_id(s, r->agent));
	else
		sqlite3_bind_null(st, 13);
	if (is_req && parsed)
		bind_prep(st, 14, b, pm->method);
	else
		bind_str(st, 14, is_req ? method_text(r->method) : NULL);
	if (is_req)
		sqlite3_bind_null(st, 15);
	else
		sqlite3_bind_int(st, 15, r->status);
	bind_sv(st, 16, store_str(s, r->call_id));
	if (parsed && pm->cseq_valid) {
		sqlite3_bind_int64(st, 17, pm->cseq);
		bind_prep(st, 18, b, pm->cseq_method);
	} else {
		sqlite3_bind_null(st, 17);
		sqlite3_bind_null(st, 18);
	}
	bind_prep(st, 19, b, pm->from_tag);
	bind_prep(st, 20, b, pm->to_tag);
	bind_prep(st, 21, b, pm->branch);
	sqlite3_bind_int(st, 22, r->flags & STORE_MSG_RETRANS ? 1 : 0);
	bind_str(st, 23, r->flags & STORE_MSG_TCPGAP ? "tcp-gap" : r->flags & STORE_MSG_SNAPCUT ? "snaplen" : NULL);
	bind_str(st, 24, r->malformed ? r->malformed : has_bytes ? NULL : "bytes unavailable");
	bind_id(st, 25, w->txn_base, r->txn);
	bind_id(st, 26, w->dlg_base, r->dialog);
	bind_id(st, 27, w->call_base, r->call);
	bind_id(st, 28, w->msg_base, r->request_msg);
	sqlite3_bind_int64(st, 29, r->loc_len);
	if (step(w, st, "write message") < 0)
		return -1;
	if (has_bytes) {
		sqlite3_bind_int64(w->ins_raw, 1, id);
		sqlite3_bind_blob(w->ins_raw, 2, b->bytes + pm->raw.off, (int)pm->raw.len, SQLITE_STATIC);
		if (step(w, w->ins_raw, "write message bytes") < 0)
			return -1;
	}
	if (write_media(w, id, r, b, pm) < 0)
		return -1;
	if (!r->dialog && r->txn) {
		if (vec_grow((void **)&w->orphans, &w->cap_orphans, w->norphans + 1, sizeof *w->orphans)) {
			snprintf(w->err, sizeof w->err, "out of memory");
			return -1;
		}
		w->orphans[w->norphans++] = (uint32_t)idx;
	}
	return 0;
}

static int write_batch(struct db_writer *w, struct store *s, const struct prep_batch *b)
{
	for (size_t k = 0; k < b->n; k++)
		if (write_message(w, s, b, k) < 0)
			return -1;
	return 0;
}

/* Messages from .. to - 1: prepared on a worker thread when there are
 * several batches of them (and a thread can start), else here. */
static int write_messages(struct db_writer *w, struct store *s, size_t from, size_t to)
{
	struct prep_pipe p;
	memset(&p, 0, sizeof p);
	int rc = 0, nslots = to - from > DB_PREP_BATCH ? DB_PREP_SLOTS : 1;
	for (int i = 0; i < nslots; i++)
		if (!(p.slots[i] = db_prep_new()))
			rc = -1;
	pthread_t th;
	int threaded = 0;
	if (rc == 0 && nslots > 1) {
		p.s = s;
		p.hdrs = w->hdrs;
		p.from = from;
		p.to = to;
		threaded = pthread_mutex_init(&p.mu, NULL) == 0;
		if (threaded && pthread_cond_init(&p.cv, NULL) != 0) {
			pthread_mutex_destroy(&p.mu);
			threaded = 0;
		}
		if (threaded && pthread_create(&th, NULL, db_prep_worker, &p) != 0) {
			pthread_cond_destroy(&p.cv);
			pthread_mutex_destroy(&p.mu);
			threaded = 0;
		}
	}
	size_t k = 0;
	for (size_t i = from; rc == 0 && i < to; i += DB_PREP_BATCH, k++) {
		size_t n = to - i < DB_PREP_BATCH ? to - i : DB_PREP_BATCH;
		struct prep_batch *b = p.slots[threaded ? k % DB_PREP_SLOTS : 0];
		if (threaded) {
			pthread_mutex_lock(&p.mu);
			while (b->state == PREP_EMPTY)
				pthread_cond_wait(&p.cv, &p.mu);
			pthread_mutex_unlock(&p.mu);
			if (b->state == PREP_FAILED)
				rc = -1;
		} else if (db_prep_fill(b, s, w->hdrs, i, n) < 0) {
			rc = -1;
		}
		if (rc < 0) {
			snprintf(w->err, sizeof w->err, "out of memory");
			break;
		}
		rc = write_batch(w, s, b);
		if (threaded) {
			pthread_mutex_lock(&p.mu);
			b->state = PREP_EMPTY;
			pthread_cond_broadcast(&p.cv);
			pthread_mutex_unlock(&p.mu);
		}
	}
	if (threaded) {
		pthread_mutex_lock(&p.mu);
		p.stop = 1;
		pthread_cond_broadcast(&p.cv);
		pthread_mutex_unlock(&p.mu);
		pthread_join(th, NULL);
		pthread_cond_destroy(&p.cv);
		pthread_mutex_destroy(&p.mu);
	}
	for (int i = 0; i < nslots; i++)
		db_prep_free(p.slots[i]);
	return rc;
}

/* Messages written without a dialog that have one now: their rows follow.
 * Returns how many orphans stay at the front of the list (the rest are
 * dropped once the sync commits), or -1. */
static long update_orphans(struct db_writer *w, struct store *s)
{
	size_t keep = 0;
	for (size_t i = 0; i < w->norphans; i++) {
		uint32_t idx = w->orphans[i];
		const struct store_msg *r = store_msg_at(s, idx);
		if (r && r->dialog) {
			sqlite3_bind_int64(w->set_dialog, 1, w->dlg_base + r->dialog);
			sqlite3_bind_int64(w->set_dialog, 2, w->msg_base + (int64_t)idx + 1);
			if (step(w, w->set_dialog, "update message dialog") < 0)
				return -1;
		} else {
			w->orphans[keep++] = idx; /* order kept: the rest stay valid on failure */
		}
	}
	return (long)keep;
}

/* ---- calls, dialogs, transactions -------------------------------------- */

/* A call in progress changes with the capture's clock too (its
 * duration_s runs to now_us): it is written again at each sync. */
static uint64_t call_hash(const struct call_info *c, int64_t now_us)
{
	uint64_t h = hmap_mix(c->call_id, (uint64_t)c->from << 32 | c->to);
	h = hmap_mix(h, (uint64_t)c->method << 24 | (uint64_t)c->state << 16 | c->final_status);
	h = hmap_mix(h, (uint64_t)c->first_msg << 32 | c->last_msg);
	h = hmap_mix(h, (uint64_t)c->nmsgs << 32 | c->first_txn);
	h = hmap_mix(h, (uint64_t)c->ndialogs << 32 | c->root);
	h = hmap_mix(h, (uint64_t)c->start_us);
	h = hmap_mix(h, (uint64_t)c->end_us);
	h = hmap_mix(h, (uint64_t)c->ring_us);
	h = hmap_mix(h, (uint64_t)c->answer_us);
	h = hmap_mix(h, (uint64_t)c->bye_us);
	h = hmap_mix(h, (uint64_t)track_call_duration_us(c, now_us));
	return hmap_mix(h, (uint64_t)c->final_us);
}

static uint64_t dlg_hash(const struct dlg_info *d)
{
	uint64_t h = hmap_mix(d->call, (uint64_t)d->first_msg << 32 | d->txn);
	return hmap_mix(h, (uint64_t)d->state << 8 | d->method);
}

static uint64_t txn_hash(const struct txn_info *x)
{
	uint64_t h = hmap_mix(x->first_msg, (uint64_t)x->prov_msg << 32 | x->final_msg);
	h = hmap_mix(h, (uint64_t)x->dialog << 32 | x->cancels);
	return hmap_mix(h, (uint64_t)x->origin << 32 | (uint64_t)x->final_status << 16 |
	                      (uint64_t)x->method << 8 | x->nseen);
}

/* Does row i (0-based) need writing?  Records its new hash. */
static int changed(struct hashes *hs, size_t i, uint64_t h, int *oom)
{
	if (i >= hs->n) {
		if (vec_grow((void **)&hs->h, &hs->cap, i + 1, sizeof *hs->h)) {
			*oom = 1;
			return 1;
		}
		hs->n = i + 1;
		hs->h[i] = h;
		return 1;
	}
	if (hs->h[i] == h)
		return 0;
	hs->h[i] = h;
	return 1;
}

static int write_call(struct db_writer *w, struct store *s, uint32_t id, const struct call_info *c,
                      int64_t now_us)
{
	sqlite3_stmt *st = w->put_call;
	sqlite3_bind_int64(st, 1, w->call_base + id);
	bind_id(st, 2, w->call_base, c->root);
	bind_sv(st, 3, store_str(s, c->call_id));
	bind_sv(st, 4, store_str(s, c->from));
	bind_sv(st, 5, store_str(s, c->to));
	bind_str(st, 6, method_text(c->method));
	bind_str(st, 7, track_state_name((enum call_state)c->state));
	if (c->final_status)
		sqlite3_bind_int(st, 8, c->final_status);
	else
		sqlite3_bind_null(st, 8);
	bind_time(st, 9, c->start_us);
	bind_time(st, 10, c->end_us);
	bind_ms(st, 11, c->start_us, c->ring_us);
	bind_ms(st, 12, c->start_us, c->final_us);
	int64_t dur = track_call_duration_us(c, now_us);
	if (dur >= 0)
		sqlite3_bind_double(st, 13, (double)dur / 1e6);
	else
		sqlite3_bind_null(st, 13);
	sqlite3_bind_int64(st, 14, c->nmsgs);
	sqlite3_bind_int64(st, 15, c->ndialogs);
	bind_id(st, 16, w->msg_base, c->nmsgs ? c->first_msg + 1 : 0);
	bind_id(st, 17, w->msg_base, c->nmsgs ? c->last_msg + 1 : 0);
	bind_id(st, 18, w->txn_base, c->first_txn);
	return step(w, st, "write call");
}

static int write_dialog(struct db_writer *w, uint32_t id, const struct dlg_info *d)
{
	sqlite3_stmt *st = w->put_dlg;
	sqlite3_bind_int64(st, 1, w->dlg_base + id);
	bind_id(st, 2, w->call_base, d->call);
	bind_str(st, 3, track_dialog_state_name((enum dlg_state)d->state));
	bind_str(st, 4, method_text(d->method));
	bind_id(st, 5, w->msg_base, d->first_msg);
	bind_id(st, 6, w->txn_base, d->txn);
	return step(w, st, "write dialog");
}

static int write_txn(struct db_writer *w, struct store *s, uint32_t id, const struct txn_info *x)
{
	const struct store_msg *first = x->first_msg ? store_msg_at(s, x->first_msg - 1) : NULL;
	sqlite3_stmt *st = w->put_txn;
	sqlite3_bind_int64(st, 1, w->txn_base + id);
	bind_id(st, 2, w->call_base, first ? first->call : 0);
	bind_str(st, 3, method_text(x->method));
	bind_id(st, 4, w->msg_base, x->first_msg);
	bind_id(st, 5, w->msg_base, x->prov_msg);
	bind_id(st, 6, w->msg_base, x->final_msg);
	if (x->final_status)
		sqlite3_bind_int(st, 7, x->final_status);
	else
		sqlite3_bind_null(st, 7);
	bind_id(st, 8, w->dlg_base, x->dialog);
	bind_id(st, 9, w->txn_base, x->cancels);
	bind_id(st, 10, w->txn_base, x->origin);
	sqlite3_bind_int(st, 11, x->nseen);
	return step(w, st, "write transaction");
}

static int write_tracked(struct db_writer *w, struct store *s, const struct tracker *t)
{
	int oom = 0;
	int64_t now_us = store_last_ts(s); /* as 'calls' counts a call in progress */
	size_t n = track_call_count(t);
	for (size_t i = 0; i < n; i++) {
		const struct call_info *c = track_call(t, i);
		if (changed(&w->calls, i, call_hash(c, now_us), &oom) &&
		    write_call(w, s, (uint32_t)i + 1, c, now_us) < 0)
			return -1;
	}
	n = track_dialog_count(t);
	for (size_t i = 0; i < n; i++) {
		const struct dlg_info *d = track_dialog(t, (uint32_t)i + 1);
		if (changed(&w->dlgs, i, dlg_hash(d), &oom) && write_dialog(w, (uint32_t)i + 1, d) < 0)
			return -1;
	}
	n = track_txn_count(t);
	for (size_t i = 0; i < n; i++) {
		const struct txn_info *x = track_txn(t, (uint32_t)i + 1);
		if (changed(&w->txns, i, txn_hash(x), &oom) && write_txn(w, s, (uint32_t)i + 1, x) < 0)
			return -1;
	}
	if (oom) {
		snprintf(w->err, sizeof w->err, "out of memory");
		return -1;
	}
	return 0;
}

static int exec(struct db_writer *w, const char *sql, const char *what)
{
	if (sqlite3_exec(w->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		db_fail(w, what);
		return -1;
	}
	return 0;
}

/* A first sync of many messages into an empty database: a rollback
 * journal instead of the WAL, so the pages are written once rather than
 * to the WAL and again by the checkpoint (a rollback journal keeps only
 * the pages a transaction overwrites, and a new database has almost
 * none), and no fsync until the WAL is back.  A process killed meanwhile
 * leaves a hot journal, and the next open rolls the sync back: the
 * database is as it was, consistent.  (What synchronous=OFF gives up is
 * the power-cut case for this first write of a new file.)  When other
 * connections read the database the mode cannot change, and the sync runs
 * in WAL as any other. */
static double trace_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void bulk_journal(struct db_writer *w, int on)
{
	sqlite3_exec(w->db, on ? "PRAGMA synchronous=OFF; PRAGMA journal_mode=TRUNCATE"
	                       : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
	             NULL, NULL, NULL);
}

/* While the message indexes are built: the sorter cuts its input into
 * runs of cache_size bytes (at least SQLITE_CONFIG_PMASZ pages), sorts
 * each on a worker thread and merges them.  Runs of 8 MiB, rather than
 * one run of everything, sort on both cores and in the CPU cache: the
 * message indexes take half the time.  (With temp_store=MEMORY the sorter
 * would keep one run, sorted on one thread.) */
static void sort_mode(struct db_writer *w, int on)
{
	sqlite3_exec(w->db, on ? "PRAGMA threads=2; PRAGMA cache_size=-8192"
	                       : "PRAGMA threads=0; PRAGMA cache_size=-65536",
	             NULL, NULL, NULL);
}

void db_set_check(struct db_writer *w, const struct checker *c) { w->check = c; }

void db_set_media(struct db_writer *w, const struct media *m) { w->media = m; }

/* Drop this writer's capture's rows of a table (sql: the DELETE). */
static int delete_capture_rows(struct db_writer *w, const char *sql)
{
	sqlite3_stmt *del;
	if (sqlite3_prepare_v2(w->db, sql, -1, &del, NULL) != SQLITE_OK) {
		db_fail(w, sql);
		return -1;
	}
	if (w->capture)
		sqlite3_bind_int64(del, 1, w->capture);
	int rc = step(w, del, sql);
	sqlite3_finalize(del);
	return rc;
}

/* The capture's findings and streams, written anew at each sync: both
 * change as the capture goes on (a timer fires, a stream grows), and
 * there are few of them next to the messages. */
static int write_findings(struct db_writer *w, struct store *s)
{
	int rc = delete_capture_rows(w, "DELETE FROM findings WHERE capture IS ?");
	sqlite3_stmt *st = w->ins_finding;
	for (size_t i = 0; rc == 0 && i < check_count(w->check); i++) {
		const struct check_finding *f = check_at(w->check, i);
		const struct check_rule_info *ri = check_rule_info(f->rule);
		if (f->msg >= store_msg_count(s))
			continue;
		if (w->capture)
			sqlite3_bind_int64(st, 1, w->capture);
		sqlite3_bind_int64(st, 2, w->msg_base + f->msg + 1);
		if (f->call)
			sqlite3_bind_int64(st, 3, w->call_base + f->call);
		sqlite3_bind_text(st, 4, ri->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, check_severity_name(f->severity), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, ri->rfc, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, check_text(w->check, f), -1, SQLITE_STATIC);
		rc = step(w, st, "finding");
		sqlite3_clear_bindings(st);
	}
	return rc;
}

static int write_streams(struct db_writer *w, const struct tracker *t)
{
	int rc = delete_capture_rows(w, "DELETE FROM streams WHERE capture IS ?");
	sqlite3_stmt *st = w->ins_stream;
	for (size_t i = 0; rc == 0 && i < media_stream_count(w->media); i++) {
		const struct media_stream *m = media_stream(w->media, i);
		char src[64], dst[64], probs[96], dtmf[MEDIA_MAX_DTMF + 1];
		store_endpoint_format(&m->src, src, sizeof src);
		store_endpoint_format(&m->dst, dst, sizeof dst);
		media_problem_names(m->problems, probs, sizeof probs);
		size_t nd = 0;
		for (uint32_t k = 0; k < m->ndtmf; k++)
			dtmf[nd++] = m->dtmf[k].digit;
		dtmf[nd] = '\0';
		uint32_t leg = m->h_call_id ? track_find_call(t, m->h_call_id) : 0;
		if (w->capture)
			sqlite3_bind_int64(st, 1, w->capture);
		if (leg)
			sqlite3_bind_int64(st, 2, w->call_base + leg);
		sqlite3_bind_text(st, 3, src, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, dst, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 5, m->ssrc);
		sqlite3_bind_int(st, 6, m->pt);
		sqlite3_bind_text(st, 7, m->codec, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 8, (sqlite3_int64)m->packets);
		sqlite3_bind_int64(st, 9, m->lost);
		sqlite3_bind_double(st, 10, m->delta_ms_max);
		sqlite3_bind_double(st, 11, m->jitter_ms_mean);
		sqlite3_bind_double(st, 12, m->jitter_ms_max);
		if (m->mos > 0)
			sqlite3_bind_double(st, 13, m->mos);
		if (probs[0])
			sqlite3_bind_text(st, 14, probs, -1, SQLITE_TRANSIENT);
		sqlite3_bind_double(st, 15, (double)m->first_us / 1e6);
		sqlite3_bind_double(st, 16, (double)m->last_us / 1e6);
		if (nd)
			sqlite3_bind_text(st, 17, dtmf, -1, SQLITE_TRANSIENT);
		rc = step(w, st, "stream");
		sqlite3_clear_bindings(st);
	}
	return rc;
}

int db_sync(struct db_writer *w, struct store *s, const struct tracker *t)
{
	w->err[0] = '\0';
	size_t n = store_msg_count(s);
	size_t orphans_before = w->norphans;
	int bulk = w->written == 0 && w->msg_base == 0 && n >= DB_BULK_MIN;
	if (bulk)
		bulk_journal(w, 1);
	if (exec(w, "BEGIN IMMEDIATE", "begin") < 0)
		return -1;
	long keep = update_orphans(w, s);
	int rc = keep < 0 ? -1 : 0;
	if (rc == 0 && bulk)
		rc = exec(w, db_drop_indexes, "drop indexes");
	double t0 = trace_now();
	if (rc == 0)
		rc = write_messages(w, s, w->written, n);
	double t1 = trace_now();
	if (rc == 0)
		rc = write_tracked(w, s, t);
	if (rc == 0 && w->check)
		rc = write_findings(w, s);
	if (rc == 0 && w->media)
		rc = write_streams(w, t);
	double t2 = trace_now();
	if (rc == 0 && bulk) {
		sort_mode(w, 1);
		rc = exec(w, db_indexes, "build indexes");
		sort_mode(w, 0);
	}
	double t3 = trace_now();
	if (rc == 0)
		rc = exec(w, "COMMIT", "commit");
	if (getenv("SIPSCOPE_DB_TRACE")) /* where a sync's time goes (tests/bench) */
		fprintf(stderr, "db_sync: messages %.3f s, calls %.3f s, indexes %.3f s, commit %.3f s\n",
		        t1 - t0, t2 - t1, t3 - t2, trace_now() - t3);
	if (rc < 0)
		sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
	if (bulk)
		bulk_journal(w, 0);
	if (rc < 0) {
		/* Nothing of this sync is in the database: the next one writes
		 * the same messages and every call, dialog and transaction. */
		w->norphans = orphans_before;
		w->calls.n = w->dlgs.n = w->txns.n = 0;
		return -1;
	}
	/* The orphans that got their dialog are written: drop them, keep the
	 * ones added by this sync. */
	if (w->norphans > orphans_before)
		memmove(w->orphans + keep, w->orphans + orphans_before,
		        (w->norphans - orphans_before) * sizeof *w->orphans);
	w->norphans = (size_t)keep + (w->norphans - orphans_before);
	w->written = n;
	return 0;
}
