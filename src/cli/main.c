/* main.c - command line: sub-commands, options, exit codes.
 *
 * Exit codes: 0 success, 1 partial (damaged input was read up to the
 * damage), 2 usage error or fatal error, 3 `check` found errors. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <unistd.h>

#include "sipscope/calllist.h"
#include "sipscope/db.h"
#include "sipscope/export.h"
#include "sipscope/flowfmt.h"
#include "sipscope/hep.h"
#include "sipscope/ladder.h"
#include "sipscope/ingest.h"
#include "sipscope/pcap_src.h"
#include "sipscope/store.h"
#include "sipscope/track.h"
#include "../ui/ui.h"
#include "headless.h"

#ifndef SIPSCOPE_VERSION
#define SIPSCOPE_VERSION "0.0.0"
#endif

#define EXIT_PARTIAL 1
#define EXIT_USAGE 2
#define EXIT_FINDINGS 3 /* check: errors found */

static const char usage_text[] =
	"Usage: sipscope [COMMAND] [OPTIONS] [BPF FILTER]\n"
	"\n"
	"SIP packet analyzer and dialog tracer.\n"
	"\n"
	"Commands:\n"
	"  messages   one line per SIP message (capture order)\n"
	"  calls      one line per call\n"
	"  stats      counts, response times, call states, RFC 6076 metrics\n"
	"  flow       call flows as text ladder diagrams\n"
	"  show       messages taken apart header by header (--frame N)\n"
	"  export     the packets of chosen calls as a pcap file (-o FILE)\n"
	"  db         store the calls and messages in an sqlite3 database (-o FILE)\n"
	"  rtp        RTP streams of the calls: packets, loss, jitter, MOS, problems\n"
	"  check      RFC 3261 conformance: one finding per protocol problem, with\n"
	"             the rule and RFC section (exit 3 when there are errors)\n"
	"  (none)     with -r: the interactive viewer (the calls table when\n"
	"             standard output is not a terminal)\n"
	"\n"
	"Options:\n"
	"  -r, --read FILE      read a pcap or pcapng file ('-' for stdin), or a\n"
	"                       database 'sipscope db' wrote; repeat to merge\n"
	"                       several captures by time\n"
	"  -i, --interface IF   capture live from interface IF ('any': all, 'lo');\n"
	"                       repeat -i for several (viewer and -N)\n"
	"      --bpf EXPR       capture filter (pcap-filter(7)); words after the\n"
	"                       options are one too: sipscope -i eth0 port 5060\n"
	"                       (-f is --filter, the call filter, not BPF)\n"
	"  -F, --format FMT     output format: table (default), json, csv; for flow:\n"
	"                       text (default), html, svg, mermaid, plantuml, json\n"
	"      --correlate HDR  also merge calls whose messages carry the same HDR\n"
	"                       value (X-Call-ID, X-CID and Session-ID always do)\n"
	"  -f, --filter EXPR    only the calls EXPR matches (calls, flow, export,\n"
	"                       viewer):\n"
	"                       words in From/To/Call-ID, method=, state=, status=,\n"
	"                       from=, to=, callid=, ua=, ~REGEX over the messages,\n"
	"                       problem=error|warning|info|RULE (checker findings),\n"
	"                       media=none|any|one-way|loss|nat|codec|gap|after-bye|\n"
	"                       unannounced (RTP streams; implies --rtp),\n"
	"                       agent=ID|- (HEP capture id)\n"
	"  -c, --call ID        flow, export: the call (number from the calls list,\n"
	"                       or a Call-ID); repeat or give a comma list for several\n"
	"      --match REGEX    flow, export: the calls with a message REGEX matches\n"
	"      --all            flow, export: every call (what --filter keeps)\n"
	"  -o, --output FILE    flow, export, db: the file to write ('-': standard\n"
	"                       output, not for db)\n"
	"      --db FILE        viewer: also store the calls in the sqlite3 database\n"
	"                       FILE, every second (a live capture too)\n"
	"      --time MODE      flow time column: abs (default), delta, rel\n"
	"      --width N        flow: fit the ladder into N columns\n"
	"      --merge-hosts    flow: one column per host, not per ip:port\n"
	"      --no-sdp         flow: no SDP summary lines\n"
	"      --ascii          ASCII line drawing instead of UTF-8\n"
	"      --frame N        show: the messages of frame N (repeat for more)\n"
	"      --secrets        show: credentials in full (cut by default)\n"
	"  -h, --help           show this help (or a command's: sipscope COMMAND --help)\n"
	"  -V, --version        print the version\n"
	"\n"
	"      --rtp            follow RTP/RTCP too (the rtp command always does): flow\n"
	"                       and the viewer's ladder draw each stream as a band,\n"
	"                       the viewer adds a media column, calls --format json\n"
	"                       adds streams and media_problems\n"
	"      --rules          check: list the rules (id, severity, RFC section)\n"
	"\n"
	"Headless capture (no viewer): sipscope -N -i IF [-i IF...] [BPF], or -N -r -\n"
	"  -N, --headless       print each call when it ends (a calls line, or JSON\n"
	"                       with --format json); counts and drops on exit\n"
	"      --quiet          -N: no call lines, only errors and the closing counts\n"
	"  -w, --write FILE     -N: save every packet the capture filter passed, as\n"
	"                       pcap, flushed as it goes (valid after a kill -9)\n"
	"  -C MB                -w: next file (FILE1, FILE2...) past MB million bytes\n"
	"  -G SECONDS           -w: next file every SECONDS (FILE with strftime %)\n"
	"  -Z USER              -N: become USER once the capture is open (root\n"
	"                       becomes nobody by default; -Z root stays root)\n"
	"  -s SNAPLEN           -i: bytes kept of each packet (default 262144)\n"
	"  -B KB                -i: kernel buffer per interface (default 32768)\n"
	"      --no-promisc     -i: no promiscuous mode\n"
	"      --batch-ms MS    -i: packets in blocks every MS ms (-N default 20,\n"
	"                       viewer 0: immediate mode, each packet as it comes)\n"
	"      --duration SECS  -N: stop after SECS seconds\n"
	"      --max-packets N  -N: stop after N packets\n"
	"      --max-calls N    -N and the viewer: keep at most N calls in memory\n"
	"                       (default 100000; 0: all), evicting the oldest\n"
	"                       finished ones; calls in progress always stay\n"
	"  SIGINT/SIGTERM end -N cleanly (exit 0); SIGHUP reopens the -w file.\n"
	"\n"
	"HEP/EEP (HOMER), with -N or the viewer:\n"
	"      --hep-send URL   agent: send each SIP message (as decoded, with its\n"
	"                       addresses and time) to a collector, udp:HOST:PORT or\n"
	"                       tcp:HOST:PORT (HOMER: udp:HOST:9060)\n"
	"      --hep-listen URL collector: take agents' HEP v1/v2/v3 packets as a\n"
	"                       source, udp:[ADDR:]PORT or tcp:[ADDR:]PORT (ADDR\n"
	"                       defaults to 127.0.0.1); repeat for more, -i too\n"
	"      --hep-id N       --hep-send: capture agent id (default 2001)\n"
	"      --hep-key KEY    --hep-send: auth key sent; --hep-listen: packets\n"
	"                       without this key are counted and dropped\n"
	"      --hep-version V  --hep-send: 3 (default) or 2\n"
	"\n"
	"Exit status: 0 ok, 1 damaged input read up to the damage, 2 usage or fatal error,\n"
	"3 check found errors.\n"
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

static const char show_help[] =
	"Usage: sipscope show -r FILE [-r FILE...] --frame N [--frame N...] [--secrets]\n"
	"\n"
	"Print the SIP messages of frame N taken apart header by header: the\n"
	"Request-URI, every Via (sent-by, branch, received, rport...), From, To,\n"
	"Contact and Route with display names, URIs and tags, CSeq, Content-Type,\n"
	"Reason, Session-ID, Event, RSeq/RAck, Replaces, auth parameters (with\n"
	"responses and nonces cut unless --secrets), the SDP of the body, and\n"
	"why a message is malformed.  Other headers are shown as they are.\n";

static const char export_help[] =
	"Usage: sipscope export -r FILE [-r FILE...] (-c ID[,ID...] | --match REGEX |\n"
	"                       --filter EXPR | --all) -o OUT.pcap [BPF]\n"
	"\n"
	"Write the packets of the chosen calls (their B2BUA legs too) to a pcap\n"
	"file, exactly as captured: every frame that carried one of their SIP\n"
	"messages, all the IP fragments and TCP segments it came in, and their RTP\n"
	"streams with RTCP (the media their SDP announced).  The captures\n"
	"are read a second time, so standard input cannot be exported.\n";

static const char db_help[] =
	"Usage: sipscope db -r FILE [-r FILE...] -o CALLS.db [--rtp] [--correlate HDR] [BPF]\n"
	"\n"
	"Store the capture's calls, dialogs, transactions, messages (with their\n"
	"bytes, addresses and times), SDP media, the findings of 'sipscope check'\n"
	"and, with --rtp, the RTP streams in an sqlite3 database, created or\n"
	"appended to.  The schema is in sipscope(1).  'sipscope -r CALLS.db'\n"
	"and the batch commands read the database back as a capture.\n";

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

static const char calls_help[] =
	"Usage: sipscope calls -r FILE [-r FILE...] [--format table|json|csv]\n"
	"                      [--filter EXPR] [--rtp] [--correlate HDR]\n"
	"\n"
	"Print one line per call: start, method, state, message count, setup time\n"
	"(ms), duration (s), final status, From, To and Call-ID.  A call is the\n"
	"dialogs of a Call-ID plus the B2BUA legs correlated by X-Call-ID, X-CID,\n"
	"Session-ID or --correlate HDR.  With --rtp, JSON adds \"streams\":N and\n"
	"\"media_problems\":[...] per call.\n";

struct opts {
	const char *files[PCAP_SRC_MAX_FILES];
	size_t nfiles;
	enum export_format fmt;
	const char *correlate;
	const char *filter;
	const char *iface;
	char bpf[2048];        /* --bpf or the words after the options, or "" */
	uint64_t frames[64];   /* --frame values */
	size_t nframes;
	int secrets;
	const char *calls[64]; /* --call values */
	size_t ncalls;
	struct ladder_opts ladder;
	int fmt_given;
	const char *fmt_name;  /* --format as given (flow has its own formats) */
	const char *output;    /* -o */
	const char *match;     /* --match REGEX */
	int all;               /* --all */
	int keep_ranges;       /* export: keep each message's first frame */
	int rules;             /* check --rules */
	int rtp;               /* --rtp: follow media */
	int batch_given;       /* --batch-ms was given (0: immediate mode) */
	const char *db;        /* --db: the viewer also writes the calls there */
	const char *ifaces[PCAP_SRC_MAX_IFACES]; /* every -i (iface is the first) */
	size_t nifaces;
	int headless;          /* -N */
	int quiet;             /* --quiet */
	struct pcap_live_opts live; /* -s, -B, --no-promisc */
	int64_t duration_us;   /* --duration */
	uint64_t max_packets;  /* --max-packets */
	long max_calls;        /* --max-calls, -1 when not given */
	const char *write;     /* -w */
	uint64_t rotate_bytes; /* -C */
	unsigned rotate_secs;  /* -G */
	const char *user;      /* -Z */
	const char *hep_listen[PCAP_SRC_MAX_IFACES]; /* --hep-listen */
	size_t nhep_listen;
	struct hep_send_opts hep_send; /* --hep-send (url NULL: none), --hep-id/-key/-version */
	const char *hep_key;
	int hep_id_given;
};

enum {
	OPT_CORRELATE = 256,
	OPT_TIME,
	OPT_WIDTH,
	OPT_MERGE_HOSTS,
	OPT_NO_SDP,
	OPT_ASCII,
	OPT_BPF,
	OPT_FRAME,
	OPT_SECRETS,
	OPT_MATCH,
	OPT_ALL,
	OPT_DB,
	OPT_RULES,
	OPT_RTP,
	OPT_QUIET,
	OPT_NO_PROMISC,
	OPT_DURATION,
	OPT_MAX_PACKETS,
	OPT_BATCH_MS,
	OPT_MAX_CALLS,
	OPT_HEP_SEND,
	OPT_HEP_LISTEN,
	OPT_HEP_ID,
	OPT_HEP_KEY,
	OPT_HEP_VERSION
};

/* A number from optarg in [min, max] (decimals when `real`).  Returns 0,
 * or -1 when it is not one. */
static int parse_number(const char *arg, double min, double max, int real, double *out)
{
	char *end;
	errno = 0;
	double v = real ? strtod(arg, &end) : (double)strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

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
		{ "call", required_argument, NULL, 'c' },
		{ "filter", required_argument, NULL, 'f' },
		{ "interface", required_argument, NULL, 'i' },
		{ "bpf", required_argument, NULL, OPT_BPF },
		{ "frame", required_argument, NULL, OPT_FRAME },
		{ "secrets", no_argument, NULL, OPT_SECRETS },
		{ "output", required_argument, NULL, 'o' },
		{ "match", required_argument, NULL, OPT_MATCH },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "db", required_argument, NULL, OPT_DB },
		{ "rules", no_argument, NULL, OPT_RULES },
		{ "rtp", no_argument, NULL, OPT_RTP },
		{ "time", required_argument, NULL, OPT_TIME },
		{ "width", required_argument, NULL, OPT_WIDTH },
		{ "merge-hosts", no_argument, NULL, OPT_MERGE_HOSTS },
		{ "no-sdp", no_argument, NULL, OPT_NO_SDP },
		{ "ascii", no_argument, NULL, OPT_ASCII },
		{ "headless", no_argument, NULL, 'N' },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "write", required_argument, NULL, 'w' },
		{ "snaplen", required_argument, NULL, 's' },
		{ "buffer-size", required_argument, NULL, 'B' },
		{ "no-promisc", no_argument, NULL, OPT_NO_PROMISC },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "max-packets", required_argument, NULL, OPT_MAX_PACKETS },
		{ "batch-ms", required_argument, NULL, OPT_BATCH_MS },
		{ "max-calls", required_argument, NULL, OPT_MAX_CALLS },
		{ "hep-send", required_argument, NULL, OPT_HEP_SEND },
		{ "hep-listen", required_argument, NULL, OPT_HEP_LISTEN },
		{ "hep-id", required_argument, NULL, OPT_HEP_ID },
		{ "hep-key", required_argument, NULL, OPT_HEP_KEY },
		{ "hep-version", required_argument, NULL, OPT_HEP_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	opterr = 0;
	optind = 1;
	double num;
	while ((c = getopt_long(argc, argv, ":r:F:c:f:i:o:hVNw:C:G:Z:s:B:", longopts, NULL)) != -1) {
		switch (c) {
		case 'N':
			o->headless = 1;
			break;
		case OPT_QUIET:
			o->quiet = 1;
			break;
		case 'w':
			o->write = optarg;
			break;
		case 'C':
			if (parse_number(optarg, 1e-6, 1e6, 1, &num) < 0)
				return usage_error("-C needs a size in MB (1,000,000 bytes), not '%s'", optarg);
			o->rotate_bytes = (uint64_t)(num * 1e6);
			break;
		case 'G':
			if (parse_number(optarg, 1, 1e8, 0, &num) < 0)
				return usage_error("-G needs a number of seconds, not '%s'", optarg);
			o->rotate_secs = (unsigned)num;
			break;
		case 'Z':
			o->user = optarg;
			break;
		case 's':
			if (parse_number(optarg, 0, 262144, 0, &num) < 0)
				return usage_error("-s needs a snapshot length from 0 (all) to 262144, not '%s'",
				                   optarg);
			o->live.snaplen = (int)num;
			break;
		case 'B':
			if (parse_number(optarg, 1, 4194304, 0, &num) < 0)
				return usage_error("-B needs a buffer size in KiB, not '%s'", optarg);
			o->live.buffer_kb = (int)num;
			break;
		case OPT_BATCH_MS:
			if (parse_number(optarg, 0, 10000, 0, &num) < 0)
				return usage_error("--batch-ms needs milliseconds from 0 to 10000, not '%s'",
				                   optarg);
			o->live.batch_ms = (int)num;
			o->batch_given = 1;
			break;
		case OPT_NO_PROMISC:
			o->live.no_promisc = 1;
			break;
		case OPT_HEP_SEND:
			o->hep_send.url = optarg;
			break;
		case OPT_HEP_LISTEN:
			if (o->nhep_listen == PCAP_SRC_MAX_IFACES)
				return usage_error("too many --hep-listen (at most %d)", PCAP_SRC_MAX_IFACES);
			o->hep_listen[o->nhep_listen++] = optarg;
			break;
		case OPT_HEP_ID:
			if (parse_number(optarg, 1, 4294967295.0, 0, &num) < 0)
				return usage_error("--hep-id needs a number from 1 to 4294967295, not '%s'",
				                   optarg);
			o->hep_send.capture_id = (uint32_t)num;
			o->hep_id_given = 1;
			break;
		case OPT_HEP_KEY:
			o->hep_key = o->hep_send.key = optarg;
			break;
		case OPT_HEP_VERSION:
			if (strcmp(optarg, "2") && strcmp(optarg, "3"))
				return usage_error("--hep-version is 2 or 3, not '%s'", optarg);
			o->hep_send.version = optarg[0] - '0';
			break;
		case OPT_DURATION:
			if (parse_number(optarg, 0.001, 1e9, 1, &num) < 0)
				return usage_error("--duration needs a number of seconds, not '%s'", optarg);
			o->duration_us = (int64_t)(num * 1e6);
			break;
		case OPT_MAX_PACKETS:
			if (parse_number(optarg, 1, 1e18, 0, &num) < 0)
				return usage_error("--max-packets needs a count from 1, not '%s'", optarg);
			o->max_packets = (uint64_t)num;
			break;
		case OPT_MAX_CALLS:
			if (parse_number(optarg, 0, 1e9, 0, &num) < 0)
				return usage_error("--max-calls needs a count (0: no limit), not '%s'", optarg);
			o->max_calls = (long)num;
			break;
		case 'r':
			if (o->nfiles == PCAP_SRC_MAX_FILES)
				return usage_error("too many -r files (at most %d)", PCAP_SRC_MAX_FILES);
			o->files[o->nfiles++] = optarg;
			break;
		case 'F':
			o->fmt_name = optarg; /* checked with the command (run) */
			o->fmt_given = 1;
			break;
		case 'c':
			for (char *tok = strtok(optarg, ","); tok; tok = strtok(NULL, ",")) {
				if (o->ncalls == sizeof o->calls / sizeof o->calls[0])
					return usage_error("%s", "too many --call values (at most 64)");
				o->calls[o->ncalls++] = tok;
			}
			break;
		case 'f':
			o->filter = optarg;
			break;
		case 'i':
			if (o->nifaces == PCAP_SRC_MAX_IFACES)
				return usage_error("too many -i interfaces (at most %d)", PCAP_SRC_MAX_IFACES);
			o->ifaces[o->nifaces++] = optarg;
			o->iface = o->ifaces[0];
			break;
		case OPT_FRAME: {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(optarg, &end, 10);
			if (errno || *end || !v || optarg[0] == '-')
				return usage_error("--frame needs a frame number, not '%s'", optarg);
			if (o->nframes == sizeof o->frames / sizeof o->frames[0])
				return usage_error("%s", "too many --frame values (at most 64)");
			o->frames[o->nframes++] = v;
			break;
		}
		case OPT_SECRETS:
			o->secrets = 1;
			break;
		case 'o':
			o->output = optarg;
			break;
		case OPT_MATCH:
			o->match = optarg;
			break;
		case OPT_ALL:
			o->all = 1;
			break;
		case OPT_DB:
			o->db = optarg;
			break;
		case OPT_RULES:
			o->rules = 1;
			break;
		case OPT_RTP:
			o->rtp = 1;
			break;
		case OPT_BPF:
			if (strlen(optarg) >= sizeof o->bpf)
				return usage_error("%s", "--bpf: the filter is too long");
			strcpy(o->bpf, optarg);
			break;
		case OPT_TIME:
			if (!strcmp(optarg, "abs"))
				o->ladder.time = LADDER_TIME_ABS;
			else if (!strcmp(optarg, "delta"))
				o->ladder.time = LADDER_TIME_DELTA;
			else if (!strcmp(optarg, "rel"))
				o->ladder.time = LADDER_TIME_REL;
			else
				return usage_error("unknown --time '%s' (use abs, delta or rel)", optarg);
			break;
		case OPT_WIDTH: {
			char *end;
			errno = 0;
			long w = strtol(optarg, &end, 10);
			if (errno || *end || w < 40 || w > 100000)
				return usage_error("--width needs a number from 40 up, not '%s'", optarg);
			o->ladder.max_width = (size_t)w;
			break;
		}
		case OPT_MERGE_HOSTS:
			o->ladder.merge_hosts = 1;
			break;
		case OPT_NO_SDP:
			o->ladder.no_sdp = 1;
			break;
		case OPT_ASCII:
			o->ladder.ascii = 1;
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
	if (optind < argc) { /* the rest is a capture filter, as in tcpdump */
		if (o->bpf[0])
			return usage_error("a capture filter both in --bpf and after the options ('%s')",
			                   argv[optind]);
		size_t len = 0;
		for (int i = optind; i < argc; i++) {
			size_t n = strlen(argv[i]);
			if (len + n + 2 > sizeof o->bpf)
				return usage_error("%s", "the capture filter is too long");
			if (len)
				o->bpf[len++] = ' ';
			memcpy(o->bpf + len, argv[i], n + 1);
			len += n;
		}
	}
	if (o->rules)
		return -1; /* check --rules reads nothing */
	if (o->nfiles == 0 && !o->iface && !o->nhep_listen)
		return usage_error("%s", "no capture given: use -r FILE (or -i IFACE for the viewer)");
	if (o->nfiles && o->iface)
		return usage_error("%s", "-r and -i cannot be used together");
	return -1;
}

struct loaded {
	struct pcap_src *src;
	struct store *store;
	struct tracker *tracker;
	struct ingest *ingest;
	int damaged;
	int from_db; /* read from a database: no frames behind the messages */
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
	int from_db = 0;
	for (size_t i = 0; i < o->nfiles; i++)
		if (strcmp(o->files[i], "-") && db_is_database(o->files[i]))
			from_db = 1;
	if (from_db && o->nfiles > 1) {
		fprintf(stderr, "sipscope: a database is read alone, not merged with other captures\n");
		return EXIT_USAGE;
	}
	if (from_db && o->bpf[0]) {
		fprintf(stderr, "sipscope: a capture filter applies to packets; a database holds "
		                "messages\n");
		return EXIT_USAGE;
	}
	if (!from_db) {
		l->src = pcap_src_open(o->files, o->nfiles, err, sizeof err);
		if (!l->src || (o->bpf[0] && pcap_src_set_filter(l->src, o->bpf, err, sizeof err) < 0)) {
			fprintf(stderr, "sipscope: %s\n", err);
			pcap_src_close(l->src);
			return EXIT_USAGE;
		}
	}
	l->store = store_new();
	l->tracker = l->store ? track_new(l->store) : NULL;
	l->ingest = l->tracker ? ingest_new(l->store, l->tracker) : NULL;
	if (!l->ingest) {
		fprintf(stderr, "sipscope: out of memory\n");
		unload(l);
		return EXIT_USAGE;
	}
	ingest_set_correlate(l->ingest, o->correlate);
	if (o->rtp && ingest_set_media(l->ingest, 1) < 0) {
		fprintf(stderr, "sipscope: out of memory\n");
		unload(l);
		return EXIT_USAGE;
	}
	if (from_db) {
		if (db_load(o->files[0], l->ingest, err, sizeof err) < 0) {
			fprintf(stderr, "sipscope: %s\n", err);
			unload(l);
			return EXIT_USAGE;
		}
		track_finish(l->tracker);
		l->from_db = 1;
		return 0;
	}
	store_set_fetcher(l->store, pcap_src_fetch, l->src);
	ingest_keep_frame_ranges(l->ingest, o->keep_ranges);
	ingest_run(l->ingest, l->src);
	track_finish(l->tracker);
	if (ingest_media(l->ingest))
		media_finish(ingest_media(l->ingest));
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

/* A --call value: a number from the calls list, or a Call-ID.  Returns
 * the call (1-based, a merged call's root) or 0. */
static uint32_t resolve_call(const struct loaded *l, const char *spec)
{
	size_t n = track_call_count(l->tracker);
	char *end;
	errno = 0;
	unsigned long v = strtoul(spec, &end, 10);
	if (!errno && !*end && spec[0] >= '0' && spec[0] <= '9' && v >= 1 && v <= n)
		return track_call_root(l->tracker, (uint32_t)v);
	uint32_t leg = track_find_call(l->tracker, sv_hash(sv_make(spec, strlen(spec))));
	return leg ? track_call_root(l->tracker, leg) : 0;
}

/* The flow command: the ladders of the --call calls (the calls the
 * filter keeps without), each under a title line. */
/* The calls a command works on: the --call values, else the calls the
 * list keeps (--filter), narrowed to those with a message --match
 * matches.  Returns 0 with *ids (malloc'd) and *n, or an exit code. */
static int select_calls(const struct opts *o, const struct loaded *l, struct calllist *cl,
                        uint32_t **ids, size_t *n)
{
	*n = 0;
	*ids = malloc((o->ncalls + calllist_count(cl) + 1) * sizeof **ids);
	if (!*ids) {
		fprintf(stderr, "sipscope: out of memory\n");
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < o->ncalls; i++) {
		uint32_t c = resolve_call(l, o->calls[i]);
		if (!c) {
			fprintf(stderr, "sipscope: no call '%s' in the capture (give a number from "
			                "'sipscope calls' or a Call-ID)\n", o->calls[i]);
			free(*ids);
			return EXIT_USAGE;
		}
		(*ids)[(*n)++] = c;
	}
	if (o->ncalls)
		return 0;
	regex_t re;
	char err[256];
	if (o->match && calllist_regcomp(&re, o->match, err, sizeof err) < 0) {
		fprintf(stderr, "sipscope: --match: %s\n", err);
		free(*ids);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < calllist_count(cl); i++) {
		uint32_t c = calllist_call(cl, i);
		if (!o->match || calllist_call_grep(cl, c, &re) > 0)
			(*ids)[(*n)++] = c;
	}
	if (o->match)
		regfree(&re);
	return 0;
}

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

/* The db command: everything loaded, written in one transaction. */
static int write_db(const struct opts *o, const struct loaded *l, const struct checker *chk)
{
	char err[512];
	struct db_writer *w = db_open(o->output, err, sizeof err);
	if (!w) {
		fprintf(stderr, "sipscope: %s\n", err);
		return EXIT_USAGE;
	}
	int64_t first = store_msg_count(l->store) ? store_msg_at(l->store, 0)->ts_us : 0;
	for (size_t i = 0; i < o->nfiles; i++)
		db_add_capture(w, o->files[i], first);
	db_set_check(w, chk);
	db_set_media(w, ingest_media(l->ingest));
	int rc = 0;
	if (db_sync(w, l->store, l->tracker) < 0) {
		fprintf(stderr, "sipscope: %s: %s\n", o->output, db_error(w));
		rc = EXIT_USAGE;
	} else {
		size_t roots = 0;
		for (size_t i = 0; i < track_call_count(l->tracker); i++)
			roots += !track_call(l->tracker, i)->root;
		fprintf(stderr, "sipscope: %zu SIP messages of %zu calls written to %s\n", db_written(w),
		        roots, o->output);
	}
	db_close(w);
	return rc;
}

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

/* The options of -N hang together.  Returns -1 when they do, or an exit
 * code (the message printed). */
static int check_headless(const struct opts *o, const char *cmd)
{
	if (!o->headless)
		return usage_error("%s", "--quiet, -w, -C, -G, -Z, --duration and --max-packets are "
		                         "for -N (headless capture)");
	if (*cmd)
		return usage_error("-N captures without the viewer and takes no command ('%s')", cmd);
	if (!o->nifaces && !o->nfiles && !o->nhep_listen)
		return usage_error("%s", "-N needs -i IFACE, --hep-listen URL (or -r FILE, '-r -' for "
		                         "a pipe)");
	if ((o->live.snaplen || o->live.buffer_kb || o->live.no_promisc || o->batch_given) &&
	    !o->nifaces)
		return usage_error("%s", "-s, -B, --no-promisc and --batch-ms are for live capture (-i)");
	if ((o->rotate_bytes || o->rotate_secs) && !o->write)
		return usage_error("%s", "-C and -G rotate the file of -w FILE");
	if (o->rotate_secs && !strchr(o->write, '%'))
		return usage_error("%s", "-G: the -w name needs strftime %% sequences, or each file "
		                         "would replace the last (e.g. sip-%Y%m%d-%H%M%S.pcap)");
	if (o->write && !strcmp(o->write, "-"))
		return usage_error("%s", "-w - : standard output carries the calls; give a file");
	if (o->filter || o->db || o->ncalls || o->match || o->all || o->output)
		return usage_error("%s", "-N prints every call; --filter, --db, --call, --match, --all "
		                         "and -o are for the viewer and batch commands");
	for (size_t i = 0; i < o->nfiles; i++) {
		if (strcmp(o->files[i], "-") && db_is_database(o->files[i]))
			return usage_error("%s", "-N reads packets; a database holds messages (use "
			                         "'sipscope calls -r FILE.db')");
		if (o->write && !strcmp(o->files[i], o->write))
			return usage_error("%s", "-w names one of the captures read");
	}
	return -1;
}

/* The HEP options hang together: they work with -N and the viewer.
 * Returns -1 when they do, or an exit code (the message printed). */
static int check_hep(const struct opts *o, const char *cmd)
{
	if (!o->hep_send.url && !o->nhep_listen) {
		if (o->hep_key || o->hep_id_given || o->hep_send.version)
			return usage_error("%s", "--hep-id, --hep-key and --hep-version go with --hep-send "
			                         "(--hep-key also with --hep-listen)");
		return -1;
	}
	if (*cmd)
		return usage_error("--hep-send and --hep-listen work with -N and the viewer, not with "
		                   "'%s'", cmd);
	if ((o->hep_id_given || o->hep_send.version) && !o->hep_send.url)
		return usage_error("%s", "--hep-id and --hep-version are for --hep-send");
	if (o->nhep_listen && o->nfiles)
		return usage_error("%s", "--hep-listen is a live source: it goes with -i, not -r");
	if (!o->headless && !isatty(STDOUT_FILENO))
		return usage_error("%s", "--hep-send and --hep-listen without -N go with the viewer: "
		                         "a terminal is needed (or give -N)");
	if (o->hep_send.url && o->hep_send.version == 2 && o->hep_key)
		return usage_error("%s", "--hep-key needs HEP v3 (v2 has no key)");
	char host[256], port[16], err[300];
	int tcp;
	if (o->hep_send.url && hep_url_parse(o->hep_send.url, &tcp, host, sizeof host, port,
	                                     sizeof port, err, sizeof err) < 0)
		return usage_error("--hep-send %s", err);
	for (size_t i = 0; i < o->nhep_listen; i++)
		if (hep_url_parse(o->hep_listen[i], &tcp, host, sizeof host, port, sizeof port, err,
		                  sizeof err) < 0)
			return usage_error("--hep-listen %s", err);
	return -1;
}

static int run_headless(const struct opts *o)
{
	struct headless_args a = {
		.ifaces = o->ifaces, .nifaces = o->nifaces, .files = o->files, .nfiles = o->nfiles,
		.bpf = o->bpf[0] ? o->bpf : NULL, .correlate = o->correlate, .live = o->live,
		.fmt = o->fmt, .quiet = o->quiet, .rtp = o->rtp, .duration_us = o->duration_us,
		.max_packets = o->max_packets, .write = o->write, .rotate_bytes = o->rotate_bytes,
		.rotate_secs = o->rotate_secs, .user = o->user,
		.max_calls = o->max_calls < 0 ? INGEST_MAX_CALLS_DEFAULT : (size_t)o->max_calls,
		.hep_listen = o->hep_listen, .nhep_listen = o->nhep_listen, .hep_key = o->hep_key,
		.hep_send = o->hep_send.url ? &o->hep_send : NULL,
	};
	/* Headless, packets come in 20 ms blocks unless told: in immediate
	 * mode a loopback burst overflows the ring (every slot is sized for
	 * a 64 KiB packet) and is lost; nobody waits on the 20 ms. */
	if (!o->batch_given)
		a.live.batch_ms = 20;
	return headless_run(&a);
}

static int run(int argc, char **argv, const char *cmd)
{
	struct opts o;
	memset(&o, 0, sizeof o);
	o.max_calls = -1;
	const char *help = !strcmp(cmd, "messages") ? messages_help
	                 : !strcmp(cmd, "calls")    ? calls_help
	                 : !strcmp(cmd, "stats")    ? stats_help
	                 : !strcmp(cmd, "flow")     ? flow_help
	                 : !strcmp(cmd, "show")     ? show_help
	                 : !strcmp(cmd, "export")   ? export_help
	                 : !strcmp(cmd, "db")       ? db_help
	                 : !strcmp(cmd, "check")    ? check_help
	                 : !strcmp(cmd, "rtp")      ? rtp_help
	                                            : usage_text;
	int rc = parse_opts(argc, argv, &o, help);
	if (rc >= 0)
		return rc;
	enum flow_format ffmt = FLOW_FMT_TEXT;
	if (!strcmp(cmd, "flow")) {
		if (o.fmt_given && flow_format_parse(o.fmt_name, &ffmt) < 0)
			return usage_error("unknown flow format '%s' (use text, html, svg, mermaid, plantuml "
			                   "or json)", o.fmt_name);
	} else if (o.fmt_given && export_format_parse(o.fmt_name, &o.fmt) < 0) {
		return usage_error("unknown format '%s' (use table, json or csv)", o.fmt_name);
	}
	if (o.rules && strcmp(cmd, "check"))
		return usage_error("%s", "--rules is a check option");
	if (o.rules) {
		if (o.nfiles || o.iface)
			return usage_error("%s", "check --rules lists the rules; it reads no capture");
		export_check_rules(stdout, o.fmt);
		return fflush(stdout) ? EXIT_USAGE : 0;
	}
	if (!strcmp(cmd, "rtp") || (o.filter && strstr(o.filter, "media=")))
		o.rtp = 1; /* media= reads the streams */
	if (!strcmp(cmd, "stats") && o.fmt == EXPORT_CSV)
		return usage_error("%s", "stats prints a table or JSON, not CSV");
	int picks = strcmp(cmd, "flow") == 0 || strcmp(cmd, "export") == 0;
	if (!picks && (o.ncalls || o.match || o.all))
		return usage_error("%s", "--call, --match and --all choose calls for flow and export");
	if (strcmp(cmd, "flow") && (o.ladder.max_width || o.ladder.merge_hosts || o.ladder.no_sdp ||
	                            o.ladder.time))
		return usage_error("%s", "--time, --width, --merge-hosts and --no-sdp are flow options");
	if (o.ncalls && o.match)
		return usage_error("%s", "--call and --match both choose calls: give one");
	if (!strcmp(cmd, "export")) {
		if (!o.output)
			return usage_error("%s", "export needs -o FILE.pcap (or -o - for standard output)");
		if (!o.ncalls && !o.match && !o.filter && !o.all)
			return usage_error("%s", "export needs the calls: --call ID, --match REGEX, "
			                         "--filter EXPR or --all");
		if (o.fmt_given)
			return usage_error("%s", "export writes pcap; --format is for messages, calls, stats");
		for (size_t i = 0; i < o.nfiles; i++)
			if (!strcmp(o.files[i], "-"))
				return usage_error("%s", "export reads the captures twice: standard input "
				                         "cannot be exported (save it to a file first)");
		o.keep_ranges = 1;
		o.rtp = 1; /* the calls' media goes along */
	} else if (!strcmp(cmd, "db")) {
		if (!o.output || !strcmp(o.output, "-"))
			return usage_error("%s", "db needs -o FILE.db (an sqlite3 database is a file)");
		if (o.fmt_given || o.filter)
			return usage_error("%s", "db stores the whole capture; --format and --filter do not apply");
		for (size_t i = 0; i < o.nfiles; i++)
			if (!strcmp(o.files[i], o.output))
				return usage_error("%s", "db: -o names one of the captures read");
	} else if (o.output && strcmp(cmd, "flow")) {
		return usage_error("%s", "-o is for flow, export and db");
	}
	if (o.max_calls >= 0 && *cmd)
		return usage_error("%s", "--max-calls is for -N and the viewer; batch commands keep "
		                         "every call of the files");
	if (o.db && *cmd)
		return usage_error("%s", "--db is for the viewer; batch: sipscope db -r FILE -o FILE.db");
	if (o.db && o.nfiles == 1 && db_is_database(o.files[0]))
		return usage_error("%s", "--db: the capture read is already a database");
	if (!strcmp(cmd, "show") && !o.nframes)
		return usage_error("%s", "show needs --frame N (frame numbers as 'sipscope messages' prints them)");
	if (strcmp(cmd, "show") && (o.nframes || o.secrets))
		return usage_error("%s", "--frame and --secrets are show options");
	if (!strcmp(cmd, "show") && o.fmt_given)
		return usage_error("%s", "show prints text; --format is for messages, calls, stats");
	if (o.filter && (!strcmp(cmd, "messages") || !strcmp(cmd, "stats") || !strcmp(cmd, "show")))
		return usage_error("%s", "--filter is for calls, flow, export, check and the viewer");
	if ((rc = check_hep(&o, cmd)) >= 0)
		return rc;
	char ferr[256];
	struct calllist *check = calllist_new(NULL, NULL);
	rc = check ? calllist_set_filter(check, o.filter, ferr, sizeof ferr) : 0;
	calllist_free(check);
	if (rc < 0)
		return usage_error("%s", ferr);
	if (o.headless || o.quiet || o.write || o.rotate_bytes || o.rotate_secs || o.user ||
	    o.duration_us || o.max_packets) {
		rc = check_headless(&o, cmd);
		if (rc >= 0)
			return rc;
		return run_headless(&o);
	}
	if (o.iface && (*cmd || !isatty(STDOUT_FILENO)))
		return usage_error("%s", "-i captures live into the viewer (a terminal is needed), or "
		                         "without it with -N; batch commands read files: "
		                         "tcpdump -w FILE, then -r FILE");
	if ((o.live.snaplen || o.live.buffer_kb || o.live.no_promisc || o.batch_given) && !o.iface)
		return usage_error("%s", "-s, -B, --no-promisc and --batch-ms are for live capture (-i)");
	if (!*cmd && isatty(STDOUT_FILENO)) {
		struct ui_args ua = {
			.files = o.files, .nfiles = o.nfiles, .correlate = o.correlate,
			.filter = o.filter, .ascii = o.ladder.ascii, .iface = o.iface, .db = o.db,
			.bpf = o.bpf[0] ? o.bpf : NULL, .rtp = o.rtp, .ifaces = o.ifaces,
			.nifaces = o.nifaces, .live = o.live,
			.max_calls = o.max_calls < 0 ? INGEST_MAX_CALLS_DEFAULT : (size_t)o.max_calls,
			.hep_listen = o.hep_listen, .nhep_listen = o.nhep_listen, .hep_key = o.hep_key,
			.hep_send = o.hep_send.url ? &o.hep_send : NULL,
		};
		return ui_run(&ua);
	}
	struct loaded l;
	if ((rc = load(&o, &l)) != 0)
		return rc;
	/* The findings show on the flows, the calls and the stats, and the
	 * filter's problem= reads them: the whole capture is checked once. */
	struct checker *chk = NULL;
	int check_rc = 0;
	/* Checking re-reads every message (about as long again as loading):
	 * the calls table and CSV go without it unless the filter asks. */
	int want_check = !strcmp(cmd, "flow") || !strcmp(cmd, "export") || !strcmp(cmd, "stats") ||
	                 !strcmp(cmd, "db") ||
	                 !strcmp(cmd, "check") || (o.filter && strstr(o.filter, "problem=")) ||
	                 ((!strcmp(cmd, "calls") || !*cmd) && o.fmt == EXPORT_JSON);
	if (want_check) {
		chk = check_new(l.store, l.tracker);
		if (!chk) {
			fprintf(stderr, "sipscope: out of memory\n");
			unload(&l);
			return EXIT_USAGE;
		}
		check_rc = check_update(chk);
		check_finish(chk);
		o.ladder.check = chk;
	}
	/* --rtp: the streams show on the flows, and in the calls list's
	 * media column, filter and JSON. */
	const struct media *media = o.rtp && !l.from_db ? ingest_media(l.ingest) : NULL;
	o.ladder.media = media;
	struct calllist *cl = calllist_new(l.store, l.tracker);
	if (cl) {
		calllist_set_check(cl, chk);
		calllist_set_media(cl, media);
	}
	if (!cl || calllist_set_filter(cl, o.filter, ferr, sizeof ferr) < 0 ||
	    calllist_refresh(cl) < 0) {
		fprintf(stderr, "sipscope: out of memory\n");
		calllist_free(cl);
		check_free(chk);
		unload(&l);
		return EXIT_USAGE;
	}
	int out_rc;
	if (!strcmp(cmd, "flow")) {
		out_rc = print_flows(&o, &l, cl, ffmt);
	} else if (!strcmp(cmd, "db")) {
		out_rc = write_db(&o, &l, chk);
	} else if (!strcmp(cmd, "export")) {
		if (l.from_db)
			fprintf(stderr, "sipscope: export writes packets; a database holds messages only "
			                "(export from the capture files)\n");
		out_rc = l.from_db ? EXIT_USAGE : export_frames(&o, &l, cl);
	} else if (!strcmp(cmd, "show")) {
		out_rc = show_frames(&o, &l);
	} else if (!strcmp(cmd, "check")) {
		out_rc = check_capture(&o, &l, cl, chk, check_rc);
	} else if (!strcmp(cmd, "rtp")) {
		if (l.from_db)
			fprintf(stderr, "sipscope: rtp reads packets; a database holds SIP messages only\n");
		out_rc = l.from_db ? EXIT_USAGE : export_rtp(stdout, l.tracker, ingest_media(l.ingest), o.fmt);
	} else if (!strcmp(cmd, "messages")) {
		out_rc = export_messages(stdout, l.store, l.tracker, o.fmt);
	} else if (!strcmp(cmd, "stats")) {
		out_rc = export_stats(stdout, l.store, l.tracker, l.ingest, chk, o.fmt);
	} else {
		out_rc = export_calls_media(stdout, l.store, l.tracker, chk, media, o.fmt,
		                            o.filter ? calllist_rows(cl) : NULL, calllist_count(cl));
	}
	/* EXIT_USAGE from a command: it said why; anything else below 0 is a
	 * message whose bytes could not be read again. */
	if (out_rc == EXIT_USAGE) {
		rc = EXIT_USAGE;
	} else if (out_rc == EXIT_FINDINGS && fflush(stdout) == 0) {
		rc = EXIT_FINDINGS;
	} else {
		if (out_rc < 0)
			fprintf(stderr, "sipscope: warning: %s\n", store_error(l.store));
		if (fflush(stdout) != 0) {
			fprintf(stderr, "sipscope: cannot write output\n");
			rc = EXIT_USAGE;
		} else {
			rc = l.damaged || out_rc < 0 ? EXIT_PARTIAL : 0;
		}
	}
	calllist_free(cl);
	check_free(chk);
	unload(&l);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("%s", "no command or capture given");
	const char *cmd = argv[1];
	if (!strcmp(cmd, "messages") || !strcmp(cmd, "calls") || !strcmp(cmd, "stats") ||
	    !strcmp(cmd, "flow") || !strcmp(cmd, "show") || !strcmp(cmd, "export") || !strcmp(cmd, "db") ||
	    !strcmp(cmd, "check") || !strcmp(cmd, "rtp"))
		return run(argc - 1, argv + 1, cmd);
	if (cmd[0] == '-')
		/* No command: the calls of the capture (the UI will live here). */
		return run(argc, argv, "");
	return usage_error("unknown command '%s' (use messages, calls, stats, flow, show, export, db, "
	                   "check or rtp)",
	                   cmd);
}
