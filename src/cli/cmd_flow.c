/* cmd_flow.c - sipscope flow: call flows as ladders, or one document. */
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char flow_help[] =
	"Usage: sipscope flow -r FILE [-r FILE...] [-c ID[,ID...] | --match REGEX | --all]\n"
	"                     [--filter EXPR] [--format text|html|svg|mermaid|plantuml|json]\n"
	"                     [-o FILE] [--time abs|delta|rel] [--width N] [--merge-hosts]\n"
	"                     [--no-sdp] [--ascii] [--rtp] [--correlate HDR]\n"
	"\n"
	"Print call flows as ladder diagrams: one column per endpoint, one arrow\n"
	"per message labelled with the method or status, retransmissions marked\n"
	"(retr), SDP offers and answers summarised under their arrow.  As text,\n"
	"without --call, every call in turn.  The viewer draws the same ladder.\n"
	"Other formats make one document of the chosen calls: html (one\n"
	"self-contained page, the SVG ladder with each arrow clickable to show\n"
	"its message), svg, mermaid (sequenceDiagram), plantuml, json (the\n"
	"calls' transactions, dialogs and messages).  With --rtp, each RTP stream\n"
	"is a band at its first packet (codec, packets; lost, jitter, MOS; problems\n"
	"such as one-way or loss 5.4%), between the UAs whose SDP announced it.\n";

/* The flow command: text ladders (each call in turn, or the --call calls
 * in one), or one document in another format (all the chosen calls). */
static int print_flows(const struct opts *o, const struct loaded *l, struct calllist *cl,
                       enum flow_format fmt)
{
	uint32_t *want;
	size_t nwant;
	int rc = select_calls(o, l, cl, &want, &nwant);
	if (rc)
		return rc;
	FILE *out = stdout;
	if (o->output && strcmp(o->output, "-") && !(out = fopen(o->output, "w"))) {
		fprintf(stderr, "sipscope: cannot write %s: %s\n", o->output, strerror(errno));
		free(want);
		return EXIT_USAGE;
	}
	if (fmt != FLOW_FMT_TEXT || o->ncalls) {
		/* one document; --call calls share one ladder, side by side in time */
		rc = export_flow(out, l->store, l->tracker, want, nwant, fmt, &o->ladder);
	} else {
		for (size_t i = 0; i < nwant; i++) {
			if (i)
				putc('\n', out);
			if (export_flow(out, l->store, l->tracker, &want[i], 1, fmt, &o->ladder) < 0)
				rc = -1;
		}
	}
	if (out != stdout && fclose(out) != 0) {
		fprintf(stderr, "sipscope: cannot write %s\n", o->output);
		rc = EXIT_USAGE;
	}
	free(want);
	return rc;
}

static int run_flow(const struct cli_ctx *x)
{
	return print_flows(x->o, x->l, x->cl, x->ffmt);
}

const struct cli_cmd cmd_flow = { "flow", flow_help, run_flow };
