/* cmd_calls.c - sipscope calls: one line per call (also what -r FILE
 * prints without a terminal). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

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

const struct cli_cmd cmd_calls = { "calls", calls_help, run_calls };
