/* cmd_messages.c - sipscope messages: one line per SIP message. */
#include <stdio.h>

#include "cli.h"

static const char messages_help[] =
	"Usage: sipscope messages -r FILE [-r FILE...] [--format table|json|csv]\n"
	"                         [--correlate HDR]\n"
	"\n"
	"Print every SIP message in capture order: frame, time, source, destination,\n"
	"transport, method or status, CSeq and Call-ID.  JSON prints one object per\n"
	"line with the keys listed in sipscope(1).\n";

static int run_messages(const struct cli_ctx *x)
{
	return export_messages(stdout, x->l->store, x->l->tracker, x->o->fmt);
}

const struct cli_cmd cmd_messages = { "messages", messages_help, run_messages };
