/* cmd_show.c - sipscope show: messages taken apart header by header. */
#include <stdio.h>

#include "cli.h"

static const char show_help[] =
	"Usage: sipscope show -r FILE [-r FILE...] --frame N [--frame N...] [--secrets]\n"
	"\n"
	"Print the SIP messages of frame N taken apart header by header: the\n"
	"Request-URI, every Via (sent-by, branch, received, rport...), From, To,\n"
	"Contact and Route with display names, URIs and tags, CSeq, Content-Type,\n"
	"Reason, Session-ID, Event, RSeq/RAck, Replaces, auth parameters (with\n"
	"responses and nonces cut unless --secrets), the SDP of the body, and\n"
	"why a message is malformed.  Other headers are shown as they are.\n";

/* The show command: every message of each --frame, in capture order. */
static int show_frames(const struct opts *o, const struct loaded *l)
{
	size_t n = store_msg_count(l->store);
	int rc = 0;
	for (size_t k = 0; k < o->nframes; k++) {
		int found = 0;
		for (size_t i = 0; i < n; i++) {
			if (store_msg_at(l->store, i)->frame != o->frames[k])
				continue;
			if (found++ || k)
				putc('\n', stdout);
			if (export_show(stdout, l->store, l->tracker, i, o->secrets) < 0)
				rc = -1;
		}
		if (!found) {
			fprintf(stderr, "sipscope: no SIP message in frame %llu\n",
			        (unsigned long long)o->frames[k]);
			return EXIT_USAGE;
		}
	}
	return rc;
}

static int run_show(const struct cli_ctx *x)
{
	return show_frames(x->o, x->l);
}

const struct cli_cmd cmd_show = { "show", show_help, run_show };
