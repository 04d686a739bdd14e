/* cmd_rtp.c - sipscope rtp: the RTP streams of the calls. */
#include <stdio.h>

#include "cli.h"

static const char rtp_help[] =
	"Usage: sipscope rtp -r FILE [-r FILE...] [--format table|json|csv] [BPF]\n"
	"\n"
	"Print one line per RTP stream (source, destination, SSRC): the call whose SDP\n"
	"announced it, payload type and codec, packets, lost packets (RFC 3550 A.3),\n"
	"longest gap between packets, interarrival jitter mean and max (RFC 3550 A.8,\n"
	"in ms), an estimated MOS (simplified ITU-T G.107 E-model), DTMF digits\n"
	"(RFC 4733) and problems: unannounced (no SDP named it), nat (sent to an\n"
	"address the SDP did not announce), codec (a payload type the receiver did\n"
	"not offer), one-way, gap (1 s of silence), after-bye, loss (over 1%).\n";

static int run_rtp(const struct cli_ctx *x)
{
	const struct loaded *l = x->l;
	if (l->from_db)
		fprintf(stderr, "sipscope: rtp reads packets; a database holds SIP messages only\n");
	return l->from_db ? EXIT_USAGE : export_rtp(stdout, l->tracker, ingest_media(l->ingest), x->o->fmt);
}

const struct cli_cmd cmd_rtp = { "rtp", rtp_help, run_rtp };
