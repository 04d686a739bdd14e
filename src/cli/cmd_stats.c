/* cmd_stats.c - sipscope stats: counts, response times, call states. */
#include <stdio.h>

#include "cli.h"

static const char stats_help[] =
	"Usage: sipscope stats -r FILE [-r FILE...] [--format table|json] [--correlate HDR]\n"
	"\n"
	"Print messages by method and status with retransmissions, response time\n"
	"per method (request to final: min, median, p95, max), calls by state,\n"
	"INVITE timing (to first 18x, to 2xx, duration), RFC 6076 metrics (SRD,\n"
	"SDD, SER, SEER, ISA, SCR) and the busiest endpoints.\n";

static int run_stats(const struct cli_ctx *x)
{
	return export_stats(stdout, x->l->store, x->l->tracker, x->l->ingest, x->chk, x->o->fmt);
}

const struct cli_cmd cmd_stats = { "stats", stats_help, run_stats };
