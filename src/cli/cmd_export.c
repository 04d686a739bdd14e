/* cmd_export.c - sipscope export: the chosen calls' packets as a pcap file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char export_help[] =
	"Usage: sipscope export -r FILE [-r FILE...] (-c ID[,ID...] | --match REGEX |\n"
	"                       --filter EXPR | --all) -o OUT.pcap [BPF]\n"
	"\n"
	"Write the packets of the chosen calls (their B2BUA legs too) to a pcap\n"
	"file, exactly as captured: every frame that carried one of their SIP\n"
	"messages, all the IP fragments and TCP segments it came in, and their RTP\n"
	"streams with RTCP (the media their SDP announced).  The captures\n"
	"are read a second time, so standard input cannot be exported.\n";

/* The export command: the chosen calls' packets as a pcap file. */
static int export_frames(const struct opts *o, const struct loaded *l, struct calllist *cl)
{
	uint32_t *ids;
	size_t nids;
	int rc = select_calls(o, l, cl, &ids, &nids);
	if (rc)
		return rc;
	char err[512];
	size_t nmsgs = 0;
	long n = export_pcap(o->output, o->files, o->nfiles, o->bpf[0] ? o->bpf : NULL, l->store,
	                     l->tracker, l->ingest, ids, nids, &nmsgs, err, sizeof err);
	if (n < 0) {
		fprintf(stderr, "sipscope: %s\n", err);
		rc = EXIT_USAGE;
	} else {
		fprintf(stderr, "sipscope: %ld frames (%zu SIP messages of %zu calls) written to %s\n", n,
		        nmsgs, nids, strcmp(o->output, "-") ? o->output : "standard output");
	}
	free(ids);
	return rc;
}

static int run_export(const struct cli_ctx *x)
{
	if (x->l->from_db)
		fprintf(stderr, "sipscope: export writes packets; a database holds messages only "
		                "(export from the capture files)\n");
	return x->l->from_db ? EXIT_USAGE : export_frames(x->o, x->l, x->cl);
}

const struct cli_cmd cmd_export = { "export", export_help, run_export };
