/* cmd_db.c - sipscope db: the capture stored in an sqlite3 database. */
#include <stdio.h>

#include "cli.h"
#include "sipscope/db.h"

static const char db_help[] =
	"Usage: sipscope db -r FILE [-r FILE...] -o CALLS.db [--rtp] [--correlate HDR] [BPF]\n"
	"\n"
	"Store the capture's calls, dialogs, transactions, messages (with their\n"
	"bytes, addresses and times), SDP media, the findings of 'sipscope check'\n"
	"and, with --rtp, the RTP streams in an sqlite3 database, created or\n"
	"appended to.  The schema is in sipscope(1).  'sipscope -r CALLS.db'\n"
	"and the batch commands read the database back as a capture.\n";

/* The db command: everything loaded, written in one transaction. */
static int write_db(const struct opts *o, const struct loaded *l, const struct checker *chk)
{
	char err[512];
	struct db_writer *w = db_open(o->output, err, sizeof err);
	if (!w) {
		fprintf(stderr, "sipscope: %s\n", err);
		return EXIT_USAGE;
	}
	int64_t first = store_msg_count(l->store) ? store_msg_at(l->store, 0)->ts_us : 0;
	for (size_t i = 0; i < o->nfiles; i++)
		db_add_capture(w, o->files[i], first);
	db_set_check(w, chk);
	db_set_media(w, ingest_media(l->ingest));
	int rc = 0;
	if (db_sync(w, l->store, l->tracker) < 0) {
		fprintf(stderr, "sipscope: %s: %s\n", o->output, db_error(w));
		rc = EXIT_USAGE;
	} else {
		size_t roots = 0;
		for (size_t i = 0; i < track_call_count(l->tracker); i++)
			roots += !track_call(l->tracker, i)->root;
		fprintf(stderr, "sipscope: %zu SIP messages of %zu calls written to %s\n", db_written(w),
		        roots, o->output);
	}
	db_close(w);
	return rc;
}

static int run_db(const struct cli_ctx *x)
{
	return write_db(x->o, x->l, x->chk);
}

const struct cli_cmd cmd_db = { "db", db_help, run_db };
