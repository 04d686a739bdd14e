/* main.c - command line: sub-commands, options, exit codes.
 *
 * Exit codes: 0 success, 1 partial (damaged input was read up to the
 * damage), 2 usage error or fatal error. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/export.h"
#include "sipscope/ingest.h"
#include "sipscope/pcap_src.h"
#include "sipscope/store.h"
#include "sipscope/track.h"

#ifndef SIPSCOPE_VERSION
#define SIPSCOPE_VERSION "0.0.0"
#endif

#define EXIT_PARTIAL 1
#define EXIT_USAGE 2

static const char usage_text[] =
	"Usage: sipscope [COMMAND] [OPTIONS]\n"
	"\n"
	"SIP packet analyzer and dialog tracer.\n"
	"\n"
	"Commands:\n"
	"  messages   one line per SIP message (capture order)\n"
	"  calls      one line per call\n"
	"  stats      counts, response times, call states, RFC 6076 metrics\n"
	"  (none)     with -r: show the calls of the capture\n"
	"\n"
	"Options:\n"
	"  -r, --read FILE      read a pcap or pcapng file ('-' for stdin);\n"
	"                       repeat to merge several files by time\n"
	"  -F, --format FMT     output format: table (default), json, csv\n"
	"      --correlate HDR  also merge calls whose messages carry the same HDR\n"
	"                       value (X-Call-ID, X-CID and Session-ID always do)\n"
	"  -h, --help           show this help (or a command's: sipscope COMMAND --help)\n"
	"  -V, --version        print the version\n"
	"\n"
	"Exit status: 0 ok, 1 damaged input read up to the damage, 2 usage or fatal error.\n"
	"See sipscope(1).\n";

static const char messages_help[] =
	"Usage: sipscope messages -r FILE [-r FILE...] [--format table|json|csv]\n"
	"                         [--correlate HDR]\n"
	"\n"
	"Print every SIP message in capture order: frame, time, source, destination,\n"
	"transport, method or status, CSeq and Call-ID.  JSON prints one object per\n"
	"line with the keys listed in sipscope(1).\n";

static const char stats_help[] =
	"Usage: sipscope stats -r FILE [-r FILE...] [--format table|json] [--correlate HDR]\n"
	"\n"
	"Print messages by method and status with retransmissions, response time\n"
	"per method (request to final: min, median, p95, max), calls by state,\n"
	"INVITE timing (to first 18x, to 2xx, duration), RFC 6076 metrics (SRD,\n"
	"SDD, SER, SEER, ISA, SCR) and the busiest endpoints.\n";

static const char calls_help[] =
	"Usage: sipscope calls -r FILE [-r FILE...] [--format table|json|csv]\n"
	"                      [--correlate HDR]\n"
	"\n"
	"Print one line per call: start, method, state, message count, setup time\n"
	"(ms), duration (s), final status, From, To and Call-ID.  A call is the\n"
	"dialogs of a Call-ID plus the B2BUA legs correlated by X-Call-ID, X-CID,\n"
	"Session-ID or --correlate HDR.\n";

struct opts {
	const char *files[PCAP_SRC_MAX_FILES];
	size_t nfiles;
	enum export_format fmt;
	const char *correlate;
};

#define OPT_CORRELATE 256

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("sipscope: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

/* Parse options after the command.  Returns -1 to go on, or an exit code. */
static int parse_opts(int argc, char **argv, struct opts *o, const char *help)
{
	static const struct option longopts[] = {
		{ "read", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'F' },
		{ "correlate", required_argument, NULL, OPT_CORRELATE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":r:F:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (o->nfiles == PCAP_SRC_MAX_FILES)
				return usage_error("too many -r files (at most %d)", PCAP_SRC_MAX_FILES);
			o->files[o->nfiles++] = optarg;
			break;
		case 'F':
			if (export_format_parse(optarg, &o->fmt) < 0)
				return usage_error("unknown format '%s' (use table, json or csv)", optarg);
			break;
		case OPT_CORRELATE:
			if (!*optarg || strpbrk(optarg, ": \t\r\n"))
				return usage_error("--correlate needs a header name, not '%s'", optarg);
			o->correlate = optarg;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		case 'V':
			printf("sipscope %s\n", SIPSCOPE_VERSION);
			return 0;
		case ':':
			return usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (o->nfiles == 0)
		return usage_error("%s", "no capture given: use -r FILE");
	return -1;
}

struct loaded {
	struct pcap_src *src;
	struct store *store;
	struct tracker *tracker;
	struct ingest *ingest;
	int damaged;
};

static void unload(struct loaded *l)
{
	ingest_free(l->ingest);
	track_free(l->tracker);
	store_free(l->store);
	pcap_src_close(l->src);
}

/* Read every frame of the captures into the store.  Returns 0, or an
 * exit code for a fatal error (message printed). */
static int load(const struct opts *o, struct loaded *l)
{
	char err[512];
	memset(l, 0, sizeof *l);
	l->src = pcap_src_open(o->files, o->nfiles, err, sizeof err);
	if (!l->src) {
		fprintf(stderr, "sipscope: %s\n", err);
		return EXIT_USAGE;
	}
	l->store = store_new();
	l->tracker = l->store ? track_new(l->store) : NULL;
	l->ingest = l->tracker ? ingest_new(l->store, l->tracker) : NULL;
	if (!l->ingest) {
		fprintf(stderr, "sipscope: out of memory\n");
		unload(l);
		return EXIT_USAGE;
	}
	store_set_fetcher(l->store, pcap_src_fetch, l->src);
	ingest_set_correlate(l->ingest, o->correlate);
	ingest_run(l->ingest, l->src);
	track_finish(l->tracker);
	size_t nw = ingest_warning_count(l->ingest);
	for (size_t i = 0; i < nw; i++) {
		const char *w = ingest_warning(l->ingest, i);
		if (w)
			fprintf(stderr, "sipscope: warning: %s\n", w);
	}
	if (nw > 16)
		fprintf(stderr, "sipscope: warning: %zu more damaged files\n", nw - 16);
	l->damaged = nw > 0;
	const struct ingest_stats *st = ingest_stats(l->ingest);
	if (st->store_errors)
		fprintf(stderr, "sipscope: warning: %llu messages could not be stored (%s)\n",
		        (unsigned long long)st->store_errors,
		        *store_error(l->store) ? store_error(l->store) : "out of memory");
	return 0;
}

static int run(int argc, char **argv, const char *cmd)
{
	struct opts o;
	memset(&o, 0, sizeof o);
	const char *help = !strcmp(cmd, "messages") ? messages_help
	                 : !strcmp(cmd, "calls")    ? calls_help
	                 : !strcmp(cmd, "stats")    ? stats_help
	                                            : usage_text;
	int rc = parse_opts(argc, argv, &o, help);
	if (rc >= 0)
		return rc;
	if (!strcmp(cmd, "stats") && o.fmt == EXPORT_CSV)
		return usage_error("%s", "stats prints a table or JSON, not CSV");
	struct loaded l;
	if ((rc = load(&o, &l)) != 0)
		return rc;
	int out_rc;
	if (!strcmp(cmd, "messages"))
		out_rc = export_messages(stdout, l.store, l.tracker, o.fmt);
	else if (!strcmp(cmd, "stats"))
		out_rc = export_stats(stdout, l.store, l.tracker, o.fmt);
	else
		out_rc = export_calls(stdout, l.store, l.tracker, o.fmt);
	if (out_rc < 0)
		fprintf(stderr, "sipscope: warning: %s\n", store_error(l.store));
	if (fflush(stdout) != 0) {
		fprintf(stderr, "sipscope: cannot write output\n");
		unload(&l);
		return EXIT_USAGE;
	}
	rc = l.damaged || out_rc < 0 ? EXIT_PARTIAL : 0;
	unload(&l);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("%s", "no command or capture given");
	const char *cmd = argv[1];
	if (!strcmp(cmd, "messages") || !strcmp(cmd, "calls") || !strcmp(cmd, "stats"))
		return run(argc - 1, argv + 1, cmd);
	if (cmd[0] == '-')
		/* No command: the calls of the capture (the UI will live here). */
		return run(argc, argv, "");
	return usage_error("unknown command '%s' (use messages, calls or stats)", cmd);
}
