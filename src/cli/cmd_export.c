/* cmd_export.c - sipscope export: the chosen calls' packets as a pcap or
 * pcapng file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char export_help[] =
	"Usage: sipscope export -r FILE [-r FILE...] (-c ID[,ID...] | --match REGEX |\n"
	"                       --filter EXPR | --all) -o OUT.pcap [--format pcapng] [BPF]\n"
	"\n"
	"Write the packets of the chosen calls (their B2BUA legs too) to a pcap\n"
	"file, exactly as captured: every frame that carried one of their SIP\n"
	"messages, all the IP fragments and TCP segments it came in, and their RTP\n"
	"streams with RTCP (the media their SDP announced).  The captures\n"
	"are read a second time, so standard input cannot be exported.  -o -\n"
	"writes to standard output, when it is not a terminal.\n"
	"\n"
	"  -F, --format pcap|pcapng  the file format: pcap (default), or pcapng\n"
	"                            (the default when -o ends in .pcapng)\n"
	"\n"
	"A call read from TLS takes its connection's frames from the handshake on,\n"
	"both ways (records open only in order), and, as pcapng, the connection's\n"
	"secrets in a Decryption Secrets Block: the file opens decrypted in sipscope\n"
	"and Wireshark with no key log.  Without --format, such an export is\n"
	"written as pcapng whatever the name.\n";

/* pcapng when asked, or when the output's name ends in .pcapng. */
static int wants_pcapng(const struct opts *o)
{
	if (o->fmt_given)
		return !strcmp(o->fmt_name, "pcapng");
	size_t n = strlen(o->output);
	return n > 7 && !strcmp(o->output + n - 7, ".pcapng");
}

/* The export command: the chosen calls' packets as a pcap or pcapng file. */
static int export_frames(const struct opts *o, const struct loaded *l, struct calllist *cl)
{
	uint32_t *ids;
	size_t nids;
	int rc = select_calls(o, l, cl, &ids, &nids);
	if (rc)
		return rc;
	char err[512];
	size_t nmsgs = 0;
	/* The exported TLS connections' secrets go along (a Decryption Secrets
	 * Block), so the file opens decrypted in sipscope and Wireshark; that
	 * takes pcapng, unless --format pcap said otherwise. */
	struct export_pcap_opts po = { .pcapng = wants_pcapng(o), .tls_secrets = 1,
	                               .pcapng_for_secrets = !o->fmt_given };
	long n = export_pcap(o->output, o->files, o->nfiles, o->bpf[0] ? o->bpf : NULL, l->store,
	                     l->tracker, l->ingest, ids, nids, &po, &nmsgs, err, sizeof err);
	if (n < 0) {
		fprintf(stderr, "sipscope: %s\n", err);
		rc = EXIT_USAGE;
	} else {
		fprintf(stderr, "sipscope: %ld frames (%zu SIP messages of %zu calls) written to %s%s\n", n,
		        nmsgs, nids, strcmp(o->output, "-") ? o->output : "standard output",
		        po.wrote_pcapng ? " as pcapng" : "");
		if (po.tls_conns)
			fprintf(stderr, "sipscope: %zu TLS connection%s, %zu with %s secrets %s\n", po.tls_conns,
			        po.tls_conns == 1 ? "" : "s", po.tls_keyed, po.tls_keyed == 1 ? "its" : "their",
			        po.wrote_pcapng ? "in the file (it opens decrypted)"
			                        : "left out (pcap has no room for them: --format pcapng)");
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
