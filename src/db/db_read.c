/* db_read.c - an sqlite3 database read back as a source: its messages
 * go through ingest again, as a capture file's would. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "db_int.h"

/* The reasons ingest gives messages whose bytes were cut (src/ingest/ingest.c):
 * re-parsing the stored bytes cannot tell, so the `cut` column restores them. */
static const char cut_snaplen[] = "cut short by the capture (snaplen)";
static const char cut_tcpgap[] = "incomplete: TCP bytes missing (segment lost or cut by snaplen)";

static int parse_endpoint(const unsigned char *ip, int port, struct store_endpoint *ep)
{
	memset(ep, 0, sizeof *ep);
	ep->port = (uint16_t)port;
	if (!ip)
		return -1;
	if (strchr((const char *)ip, ':')) {
		ep->family = 6;
		return inet_pton(AF_INET6, (const char *)ip, ep->addr) == 1 ? 0 : -1;
	}
	ep->family = 4;
	return inet_pton(AF_INET, (const char *)ip, ep->addr) == 1 ? 0 : -1;
}

static uint8_t transport_of(const unsigned char *name)
{
	for (size_t i = 0; name && i < sizeof db_tp_names / sizeof db_tp_names[0]; i++)
		if (!strcmp((const char *)name, db_tp_names[i]))
			return (uint8_t)i;
	return STORE_TP_UDP;
}

int db_load(const char *path, struct ingest *in, char *err, size_t n)
{
	sqlite3 *db = db_open_checked(path, 0, err, n);
	if (!db)
		return -1;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db,
	                       "SELECT id, frame, time_us, src_ip, src_port, dst_ip, dst_port, transport,"
	                       " capture_id, cut, raw FROM messages ORDER BY id",
	                       -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, n, "%s: not a sipscope database (%s)", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return -1;
	}
	struct store *s = ingest_store(in);
	int rc, ret = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		struct store_endpoint src, dst;
		const void *raw = sqlite3_column_blob(st, 10);
		size_t len = (size_t)sqlite3_column_bytes(st, 10);
		if (!raw)
			continue; /* its bytes were unreadable when written */
		if (parse_endpoint(sqlite3_column_text(st, 3), sqlite3_column_int(st, 4), &src) < 0 ||
		    parse_endpoint(sqlite3_column_text(st, 5), sqlite3_column_int(st, 6), &dst) < 0) {
			snprintf(err, n, "%s: message %lld: bad address", path, (long long)id);
			ret = -1;
			break;
		}
		int hep = sqlite3_column_type(st, 8) != SQLITE_NULL;
		uint32_t capture_id = hep ? (uint32_t)sqlite3_column_int64(st, 8) : 0;
		const unsigned char *cut = sqlite3_column_text(st, 9);
		size_t before = store_msg_count(s);
		int got = ingest_raw_message(in, (uint64_t)sqlite3_column_int64(st, 1),
		                             sqlite3_column_int64(st, 2), &src, &dst,
		                             transport_of(sqlite3_column_text(st, 7)), capture_id, raw, len);
		if (got < 0) {
			snprintf(err, n, "%s: message %lld: cannot store it: %s", path, (long long)id,
			         store_error(s));
			ret = -1;
			break;
		}
		struct store_msg *r = got > 0 && store_msg_count(s) > before ? store_msg_at(s, before) : NULL;
		if (!r)
			continue;
		/* What the bytes alone cannot say. */
		if (hep && !capture_id)
			r->agent = store_agent_index(s, 0);
		if (cut && !strcmp((const char *)cut, "snaplen")) {
			r->flags |= STORE_MSG_SNAPCUT;
			r->malformed = cut_snaplen;
		} else if (cut && !strcmp((const char *)cut, "tcp-gap")) {
			r->flags |= STORE_MSG_TCPGAP;
			r->malformed = cut_tcpgap;
		}
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		snprintf(err, n, "%s: cannot read messages: %s", path, sqlite3_errmsg(db));
		ret = -1;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ret;
}
