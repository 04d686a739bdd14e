/* cmd_check.c - sipscope check: the conformance findings, and check --rules. */
#include <stdio.h>

#include "cli.h"

static const char check_help[] =
	"Usage: sipscope check -r FILE [-r FILE...] [--format table|json|csv]\n"
	"                      [--filter EXPR] [--correlate HDR] [BPF]\n"
	"       sipscope check --rules [--format table|json|csv]\n"
	"\n"
	"Check the capture against RFC 3261 (and RFC 3264 for SDP offer/answer) and\n"
	"print one finding per problem: the frame of the message that shows it, the\n"
	"call, the severity (error, warning, info), a stable rule id, the RFC section\n"
	"and one sentence naming the header or value.  Rules look at each message\n"
	"(mandatory headers, tags, Content-Length, Contact), its transaction\n"
	"(responses against their request, retransmission timing, Timer B/F, CANCEL),\n"
	"its dialog (CSeq order, Record-Route and the route set, the ACK of a 2xx)\n"
	"and its SDP answer.  --rules lists them all.  With --filter, only the\n"
	"findings of the calls it keeps.  Exit status 3 when an error was found,\n"
	"0 when none (warnings and info do not count).\n";

/* The check command: findings of the whole capture (or of the calls the
 * filter keeps); EXIT_FINDINGS when one is an error. */
static int check_capture(const struct opts *o, const struct loaded *l, struct calllist *cl,
                         const struct checker *c, int check_rc)
{
	size_t counts[3];
	export_findings(stdout, l->store, l->tracker, c, o->fmt, o->filter ? calllist_rows(cl) : NULL,
	                calllist_count(cl), counts);
	if (check_rc < 0)
		return -1;
	return counts[CHECK_ERROR] ? EXIT_FINDINGS : 0;
}

static int run_check(const struct cli_ctx *x)
{
	return check_capture(x->o, x->l, x->cl, x->chk, x->check_rc);
}

int cmd_check_rules(const struct opts *o)
{
	if (o->nfiles || o->iface)
		return usage_error("%s", "check --rules lists the rules; it reads no capture");
	export_check_rules(stdout, o->fmt);
	return fflush(stdout) ? EXIT_USAGE : 0;
}

const struct cli_cmd cmd_check = { "check", check_help, run_check };
