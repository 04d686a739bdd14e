/* cmd_calls.c - sipscope calls: one line per call (also what -r FILE
 * prints without a terminal). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sipscope/vec.h"

static const char calls_help[] =
	"Usage: sipscope calls -r FILE [-r FILE...] [--format table|json|csv]\n"
	"                      [--filter EXPR] [--rtp] [--correlate HDR]\n"
	"                      [--columns LIST] [--sort COLUMN[:desc]]\n"
	"\n"
	"Print one line per call: start, method, state, message count, setup time\n"
	"(ms), duration (s), final status, From, To and Call-ID.  A call is the\n"
	"dialogs of a Call-ID plus the B2BUA legs correlated by X-Call-ID, X-CID,\n"
	"Session-ID or --correlate HDR.  With --rtp, JSON adds \"streams\":N and\n"
	"\"media_problems\":[...] per call.  --columns prints the table with the\n"
	"viewer's columns (index start method from to callid src dst msgs state\n"
	"setup duration status ua problems media agent; an alias names src and\n"
	"dst); --sort orders the calls by a column.\n";

/* The table with --columns: the call list's own cells (as the viewer
 * shows them: aliases name the src and dst), each column as wide as its
 * widest cell (40 at most), two spaces apart. */
static int calls_columns(const struct opts *o, struct calllist *cl)
{
	int w[sizeof o->cols / sizeof o->cols[0]];
	size_t n = calllist_count(cl);
	for (size_t i = 0; i < o->ncols; i++) {
		w[i] = calllist_col_fit(cl, o->cols[i], 0, n, 40);
		printf("%s%-*s", i ? "  " : "", i + 1 < o->ncols ? w[i] : 0, calllist_col_name(o->cols[i]));
	}
	putchar('\n');
	for (size_t r = 0; r < n; r++) {
		for (size_t i = 0; i < o->ncols; i++) {
			char cell[256];
			calllist_cell(cl, calllist_call(cl, r), o->cols[i], cell, sizeof cell);
			if ((int)strlen(cell) > w[i])
				cell[w[i]] = '\0';
			printf("%s%-*s", i ? "  " : "", i + 1 < o->ncols ? w[i] : 0, cell);
		}
		putchar('\n');
	}
	return 0;
}

static int run_calls(const struct cli_ctx *x)
{
	const struct opts *o = x->o;
	if (o->ncols && o->fmt == EXPORT_TABLE)
		return calls_columns(o, x->cl);
	return export_calls_media(stdout, x->l->store, x->l->tracker, x->chk, x->media, o->fmt,
	                          o->filter || o->sort_given ? calllist_rows(x->cl) : NULL,
	                          calllist_count(x->cl));
}

/* ---- Bounded memory: each call printed once it is over ----
 *
 * The whole-capture path holds every call and message to the end: a
 * million calls took 1.7 GB.  The table and CSV need no more than each
 * call's own line, and a call's line is final once the call is over and
 * quiet (TRACK_EVICT_QUIET_US of capture time, the rule -N --max-calls
 * evicts by): such calls leave memory as the capture is read, their
 * lines wait (as text) until every call before them is out, so the
 * output is the same bytes, in the same order, as the whole-capture
 * path's.  Calls in progress are never evicted, so nothing is cut. */

#define STREAM_KEEP 5000 /* finished calls kept in memory at least */

struct stream_line {
	uint64_t num; /* the call's number (first-seen order) */
	char *text;
	size_t len;
};

struct stream {
	struct loaded *l;
	enum export_format fmt;
	size_t keep;
	size_t next_at; /* calls in memory at the next compaction */
	FILE *ms;     /* a line is formatted here, then copied */
	char *msbuf;
	size_t mslen;
	struct stream_line *lines; /* evicted calls' lines; [first, nlines) not out yet */
	size_t first, nlines, cap;
	int sorted;   /* [first, nlines) is in call order */
	int header_out;
	int nomem;
};

static void stream_header(struct stream *st)
{
	if (!st->header_out)
		export_calls_header(stdout, st->fmt);
	st->header_out = 1;
}

/* A finished call about to leave memory: its line, kept until its turn. */
static void stream_evicting(void *ctx, uint32_t root)
{
	struct stream *st = ctx;
	if (st->nomem || fseek(st->ms, 0, SEEK_SET) != 0) {
		st->nomem = 1;
		return;
	}
	export_call(st->ms, st->l->store, st->l->tracker, NULL, root - 1, st->fmt);
	if (fflush(st->ms) != 0 ||
	    (st->nlines == st->cap &&
	     vec_grow((void **)&st->lines, &st->cap, st->nlines + 1, sizeof *st->lines))) {
		st->nomem = 1;
		return;
	}
	struct stream_line *ln = &st->lines[st->nlines];
	ln->len = (size_t)ftello(st->ms);
	if (!(ln->text = malloc(ln->len ? ln->len : 1))) {
		st->nomem = 1;
		return;
	}
	memcpy(ln->text, st->msbuf, ln->len);
	ln->num = track_call_number(st->l->tracker, root);
	st->nlines++;
	st->sorted = 0;
}

static int line_cmp(const void *a, const void *b)
{
	const struct stream_line *x = a, *y = b;
	return x->num < y->num ? -1 : x->num > y->num;
}

/* Print the waiting lines of calls numbered below `below` (every call
 * before them is out or waiting too), in order.  Sorted only when lines
 * came since the last time: the end calls this once per call left. */
static void stream_flush(struct stream *st, uint64_t below)
{
	if (!st->sorted && st->nlines) { /* none yet: st->lines is NULL (memmove, qsort) */
		memmove(st->lines, st->lines + st->first, (st->nlines - st->first) * sizeof *st->lines);
		st->nlines -= st->first;
		st->first = 0;
		qsort(st->lines, st->nlines, sizeof *st->lines, line_cmp);
		st->sorted = 1;
	}
	for (; st->first < st->nlines && st->lines[st->first].num < below; st->first++) {
		struct stream_line *ln = &st->lines[st->first];
		stream_header(st);
		fwrite(ln->text, 1, ln->len, stdout);
		free(ln->text);
	}
}

/* Between two batches of messages: the oldest finished calls go. */
static void stream_batch(void *ctx)
{
	struct stream *st = ctx;
	struct track_evict_hooks hooks = { stream_evicting, NULL, st };
	/* A compaction costs the calls left in memory (those in progress or
	 * not quiet yet stay): done when their number has grown by half since
	 * the last one, it costs about three calls' worth per call evicted. */
	size_t roots = track_root_count(st->l->tracker);
	if (st->nomem || roots < st->next_at)
		return;
	long n = ingest_evict_finished(st->l->ingest, st->keep, &hooks);
	roots = track_root_count(st->l->tracker);
	st->next_at = roots + roots / 2 > 2 * st->keep ? roots + roots / 2 : 2 * st->keep;
	if (n <= 0)
		return;
	/* Calls keep their order in memory: the first is the oldest left. */
	const struct tracker *t = st->l->tracker;
	stream_flush(st, track_call_count(t) ? track_call_number(t, 1) : UINT64_MAX);
}

static void stream_prepare(struct loaded *l, void *ctx)
{
	struct stream *st = ctx;
	st->l = l;
	store_keep_spool(l->store);
	ingest_set_batch_hook(l->ingest, stream_batch, st);
}

int calls_stream(const struct opts *o, const char *cmd)
{
	if ((strcmp(cmd, "calls") && *cmd) || (o->fmt != EXPORT_TABLE && o->fmt != EXPORT_CSV) ||
	    o->ncols || o->filter || o->sort_given || o->rtp)
		return -1;
	struct stream st = { .fmt = o->fmt, .keep = STREAM_KEEP };
	/* Tests make it evict early on a small capture. */
	const char *keep = getenv("SIPSCOPE_CALLS_KEEP");
	if (keep && *keep)
		st.keep = (size_t)strtoul(keep, NULL, 10);
	st.next_at = 2 * st.keep;
	if (!(st.ms = open_memstream(&st.msbuf, &st.mslen))) {
		fprintf(stderr, "sipscope: out of memory\n");
		return EXIT_USAGE;
	}
	struct loaded l;
	int rc = load_hooked(o, &l, stream_prepare, &st), loaded = rc == 0;
	if (rc == 0 && !st.nomem) {
		struct tracker *t = l.tracker;
		flockfile(stdout);
		for (size_t i = 0; i < track_call_count(t); i++) {
			if (track_call(t, i)->root)
				continue; /* a leg, listed with its call */
			stream_flush(&st, track_call_number(t, (uint32_t)i + 1));
			stream_header(&st);
			export_call(stdout, l.store, t, NULL, i, o->fmt);
		}
		stream_flush(&st, UINT64_MAX);
		stream_header(&st);
		funlockfile(stdout);
		if (fflush(stdout) != 0) {
			fprintf(stderr, "sipscope: cannot write output\n");
			rc = EXIT_USAGE;
		} else {
			rc = l.damaged ? EXIT_PARTIAL : 0;
		}
	}
	if (rc == 0 && st.nomem) {
		fprintf(stderr, "sipscope: out of memory\n");
		rc = EXIT_USAGE;
	}
	for (size_t i = st.first; i < st.nlines; i++)
		free(st.lines[i].text);
	free(st.lines);
	fclose(st.ms);
	free(st.msbuf);
	if (loaded) /* load() failing cleans up after itself */
		unload(&l);
	return rc;
}

const struct cli_cmd cmd_calls = { "calls", calls_help, run_calls };
