/* cmd_calls.c - sipscope calls: one line per call (also what -r FILE
 * prints without a terminal). */
#include <stdio.h>

#include "cli.h"

static const char calls_help[] =
	"Usage: sipscope calls -r FILE [-r FILE...] [--format table|json|csv]\n"
	"                      [--filter EXPR] [--rtp] [--correlate HDR]\n"
	"\n"
	"Print one line per call: start, method, state, message count, setup time\n"
	"(ms), duration (s), final status, From, To and Call-ID.  A call is the\n"
	"dialogs of a Call-ID plus the B2BUA legs correlated by X-Call-ID, X-CID,\n"
	"Session-ID or --correlate HDR.  With --rtp, JSON adds \"streams\":N and\n"
	"\"media_problems\":[...] per call.\n";

static int run_calls(const struct cli_ctx *x)
{
	const struct opts *o = x->o;
	return export_calls_media(stdout, x->l->store, x->l->tracker, x->chk, x->media, o->fmt,
	                          o->filter ? calllist_rows(x->cl) : NULL, calllist_count(x->cl));
}

const struct cli_cmd cmd_calls = { "calls", calls_help, run_calls };
