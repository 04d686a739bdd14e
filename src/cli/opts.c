/* opts.c - the command line's options: parsing (getopt_long), the usage
 * text, and the checks that the options given hang together. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "cli.h"
#include "sipscope/alias.h"
#include "sipscope/codec.h"
#include "sipscope/db.h"
#include "sipscope/identity.h"

#ifndef SIPSCOPE_VERSION
#define SIPSCOPE_VERSION "0.0.0"
#endif

const char usage_text[] =
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
	"  export     the packets of chosen calls as a pcap or pcapng file (-o FILE)\n"
	"  db         store the calls and messages in an sqlite3 database (-o FILE)\n"
	"  rtp        RTP streams of the calls: packets, loss, jitter, MOS, problems\n"
	"  audio      a call's RTP audio decoded to a WAV file (-c ID -o FILE.wav)\n"
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
	"                       text (default), html, svg, mermaid, plantuml, json;\n"
	"                       for export: pcap (default), pcapng (the default when\n"
	"                       -o ends in .pcapng)\n"
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
	"  -c, --call ID        flow, export, audio: the call (number from the calls\n"
	"                       list, or a Call-ID); repeat or give a comma list for\n"
	"                       several\n"
	"      --match REGEX    flow, export, audio: the calls with a message REGEX\n"
	"                       matches\n"
	"      --all            flow, export, audio: every call (what --filter keeps)\n"
	"  -o, --output FILE    flow, export, audio, db: the file to write ('-':\n"
	"                       standard output, not for db)\n"
	"      --db FILE        viewer: also store the calls in the sqlite3 database\n"
	"                       FILE, every second (a live capture too)\n"
	"      --time MODE      flow (and viewer) time column: abs (default), delta, rel\n"
	"      --width N        flow: fit the ladder into N columns\n"
	"      --merge-hosts    flow: one column per host, not per ip:port\n"
	"      --no-sdp         flow: no SDP summary lines\n"
	"      --ascii          ASCII line drawing instead of UTF-8\n"
	"      --frame N        show: the messages of frame N (repeat for more)\n"
	"      --secrets        show: credentials in full (cut by default)\n"
	"\n"
	"SIP over TLS and WSS, decrypted (stats lists each connection and why not):\n"
	"      --tls-keylog FILE  NSS key log (SSLKEYLOGFILE format: CLIENT_RANDOM,\n"
	"                       TLS 1.3 traffic secrets); default $SSLKEYLOGFILE;\n"
	"                       live (-i), read again as it grows. pcapng files\n"
	"                       with embedded secrets (editcap --inject-secrets)\n"
	"                       need no option\n"
	"      --tls-key FILE   RSA private key (PEM) of a server, for TLS 1.2\n"
	"                       sessions with RSA key exchange; repeat for more\n"
	"\n"
	"STIR/SHAKEN (Identity headers: show, messages JSON, check, viewer; offline):\n"
	"      --stir-cert [URL=]FILE  certificate (PEM) that verifies PASSporTs whose\n"
	"                       x5u is URL, or, without URL=, whose x5u ends in\n"
	"                       FILE's base name; repeat for more\n"
	"      --stir-ca FILE   trust anchors (PEM): a certificate must chain to one,\n"
	"                       valid at the message's time; repeat for more\n"
	"      --stir-signer IP[:PORT]  a trunk that must sign: its INVITEs without\n"
	"                       Identity are found (check rule identity-missing)\n"
	"\n"
	"Settings (also lines of the config files, without the dashes):\n"
	"      --alias IP[:PORT]=NAME  show NAME for the address in ladders, the\n"
	"                       call list, exports (JSON: src_name, dst_name);\n"
	"                       IPv6 as [::1]:5060=NAME; repeat for more\n"
	"      --columns LIST   the call list's columns (viewer; calls' table)\n"
	"      --sort COL[:desc] the call list's order (viewer; calls)\n"
	"      --theme THEME    viewer colors: default, light, mono (NO_COLOR: mono)\n"
	"      --config FILE    settings from FILE only; --no-config: from no file\n"
	"                       (default: $XDG_CONFIG_HOME/sipscope/config over\n"
	"                       /etc/sipscope/config; lines such as 'format json',\n"
	"                       'time delta', 'rtp', 'alias 10.0.0.1 proxy')\n"
	"\n"
	"  -h, --help           show this help (or a command's: sipscope COMMAND --help)\n"
	"  -V, --version        print the version and the audio decoders built in\n"
	"\n"
	"      --rtp            follow RTP/RTCP too (the rtp command always does): flow\n"
	"                       and the viewer's ladder draw each stream as a band,\n"
	"                       the viewer adds a media column, calls --format json\n"
	"                       adds streams and media_problems\n"
	"      --rules          check: list the rules (id, severity, RFC section)\n"
	"      --split          audio: one mono WAV per stream (FILE-<ssrc>.wav)\n"
	"      --stream SSRC    audio: only this stream (0x1234abcd or decimal)\n"
	"\n"
	"Headless capture (no viewer): sipscope -N -i IF [-i IF...] [BPF], or -N -r -\n"
	"  -N, --headless       print each call when it ends (a calls line, or JSON\n"
	"                       with --format json); counts and drops on exit\n"
	"      --quiet          -N: no call lines, only errors and the closing counts\n"
	"  -w, --write FILE     -N: save every packet the capture filter passed, as\n"
	"                       pcap, flushed as it goes in whole packets (valid\n"
	"                       after a kill -9 or a full disk)\n"
	"  -C MB                -w: next file (FILE1, FILE2...) past MB million bytes\n"
	"  -G SECONDS           -w: next file every SECONDS (FILE with strftime %)\n"
	"  -Z USER              -N and the viewer: become USER once the capture is\n"
	"                       open (root becomes nobody by default, the viewer on\n"
	"                       a live capture; -Z root stays root); with -C/-G,\n"
	"                       USER must be able to write FILE's directory\n"
	"  -s SNAPLEN           -i: bytes kept of each packet (default 262144)\n"
	"  -B KB                -i: kernel buffer per interface (default 32768)\n"
	"      --no-promisc     -i: no promiscuous mode\n"
	"      --batch-ms MS    -i: packets in blocks every MS ms (-N default 20,\n"
	"                       viewer 0: immediate mode, each packet as it comes)\n"
	"      --duration SECS  -N: stop after SECS seconds\n"
	"      --max-packets N  -N: stop after N packets\n"
	"      --max-calls N    -N and the viewer: keep at most N calls in memory\n"
	"                       (default 100000; 0: all), evicting the oldest\n"
	"                       finished ones; past 2N (at least N+1000) the\n"
	"                       least recently active open ones too (marked cut)\n"
	"      --spool-dir DIR  where message bytes past the first 4 MB go (a pipe,\n"
	"                       a live capture, TCP): default $TMPDIR, else /tmp;\n"
	"                       messages the disk refuses are counted, status 1\n"
	"      --metrics [ADDR:]PORT  -N: serve Prometheus metrics at\n"
	"                       http://ADDR:PORT/metrics (ADDR defaults to 127.0.0.1;\n"
	"                       IPv6 in brackets: [::1]:9467)\n"
	"      --metrics-file PATH  -N: write the same text to PATH every 15 s and\n"
	"                       on exit (atomic rename; node_exporter's textfile\n"
	"                       collector)\n"
	"      --findings       -N: run the conformance and attack checker even\n"
	"                       without --format json, --exec or --syslog, so that\n"
	"                       sipscope_findings_total counts (costs CPU)\n"
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
	"Alerts, with -N:\n"
	"      --exec FILTER COMMAND\n"
	"                       when a call ends and FILTER (as --filter's) matches\n"
	"                       it, run /bin/sh -c COMMAND with the call's JSON line\n"
	"                       on its standard input; repeatable, off the capture's\n"
	"                       way (4 at once, a queue of 64); drops and failures\n"
	"                       are counted on exit\n"
	"      --exec-rate N    --exec: at most N runs a second in all (default 10)\n"
	"      --exec-timeout S --exec: kill a run after S seconds (default 30)\n"
	"      --syslog         a syslog line (key=value) per call that ended failed\n"
	"                       (busy, rejected, failed, a 4xx-6xx final but 487)\n"
	"                       or with an error finding\n"
	"      --syslog-filter FILTER\n"
	"                       --syslog: the calls FILTER matches instead ('' all)\n"
	"      --syslog-facility F --syslog: user (default), daemon, local0..local7\n"
	"                       (each attack finding is a syslog line too)\n"
	"\n"
	"Attack detection (checker rules scanner, extension-enumeration,\n"
	"password-guessing, register-flood, invite-flood, toll-fraud):\n"
	"      --attack NAME=VALUE  a threshold or list, repeatable, also a config\n"
	"                       line 'attack NAME=VALUE': window=60 (s),\n"
	"                       scanner-targets=10, enum-users=10, auth-failures=5,\n"
	"                       flood-window=10 (s), register-flood=100,\n"
	"                       invite-flood=100, toll-burst=5, home-country=CC,\n"
	"                       toll-prefix=+881 (the first replaces the defaults)\n"
	"\n"
	"Exit status: 0 ok, 1 damaged input read up to the damage, 2 usage or fatal error,\n"
	"3 check found errors.\n"
	"See sipscope(1).\n";

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
	OPT_HEP_VERSION,
	OPT_TLS_KEYLOG,
	OPT_TLS_KEY,
	OPT_SPOOL_DIR,
	OPT_SPLIT,
	OPT_STREAM,
	OPT_ALIAS,
	OPT_COLUMNS,
	OPT_SORT,
	OPT_THEME,
	OPT_CONFIG,
	OPT_NO_CONFIG,
	OPT_METRICS,
	OPT_METRICS_FILE,
	OPT_FINDINGS,
	OPT_EXEC,
	OPT_EXEC_RATE,
	OPT_EXEC_TIMEOUT,
	OPT_SYSLOG,
	OPT_SYSLOG_FILTER,
	OPT_SYSLOG_FACILITY,
	OPT_STIR_CERT,
	OPT_STIR_CA,
	OPT_STIR_SIGNER,
	OPT_ATTACK /* issue 25: attacks */
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

static const char *usage_where; /* a config file's "FILE:LINE", or NULL */

void usage_error_where(const char *where)
{
	usage_where = where;
}

__attribute__((format(printf, 1, 2)))
int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("sipscope: ", stderr);
	if (usage_where)
		fprintf(stderr, "%s: ", usage_where);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	if (!usage_where) /* a bad config line: the usage would hide the point */
		fputs(usage_text, stderr);
	return EXIT_USAGE;
}

const char opts_shortopts[] = ":r:F:c:f:i:o:hVNw:C:G:Z:s:B:";

/* The long options: the command line's, and the names config lines use. */
const struct option opts_longopts[] = {
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
	{ "tls-keylog", required_argument, NULL, OPT_TLS_KEYLOG },
	{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
	{ "spool-dir", required_argument, NULL, OPT_SPOOL_DIR },
	{ "split", no_argument, NULL, OPT_SPLIT },
	{ "stream", required_argument, NULL, OPT_STREAM },
	{ "alias", required_argument, NULL, OPT_ALIAS },
	{ "columns", required_argument, NULL, OPT_COLUMNS },
	{ "sort", required_argument, NULL, OPT_SORT },
	{ "theme", required_argument, NULL, OPT_THEME },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "no-config", no_argument, NULL, OPT_NO_CONFIG },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "metrics-file", required_argument, NULL, OPT_METRICS_FILE },
	{ "findings", no_argument, NULL, OPT_FINDINGS },
	{ "exec", required_argument, NULL, OPT_EXEC },
	{ "exec-rate", required_argument, NULL, OPT_EXEC_RATE },
	{ "exec-timeout", required_argument, NULL, OPT_EXEC_TIMEOUT },
	{ "syslog", no_argument, NULL, OPT_SYSLOG },
	{ "syslog-filter", required_argument, NULL, OPT_SYSLOG_FILTER },
	{ "syslog-facility", required_argument, NULL, OPT_SYSLOG_FACILITY },
	{ "stir-cert", required_argument, NULL, OPT_STIR_CERT },
	{ "stir-ca", required_argument, NULL, OPT_STIR_CA },
	{ "stir-signer", required_argument, NULL, OPT_STIR_SIGNER },
	{ "attack", required_argument, NULL, OPT_ATTACK }, /* issue 25: attacks */
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Apply option c with its argument (NULL when it takes none) to o.
 * Returns -1 to go on, or an exit code (the message printed). */
int opts_apply(struct opts *o, int c, char *arg, const char *help)
{
	double num;
	switch (c) {
	case 'N':
		o->headless = 1;
		break;
	case OPT_QUIET:
		o->quiet = 1;
		break;
	case 'w':
		o->write = arg;
		break;
	case 'C':
		if (parse_number(arg, 1e-6, 1e6, 1, &num) < 0)
			return usage_error("-C needs a size in MB (1,000,000 bytes), not '%s'", arg);
		o->rotate_bytes = (uint64_t)(num * 1e6);
		break;
	case 'G':
		if (parse_number(arg, 1, 1e8, 0, &num) < 0)
			return usage_error("-G needs a number of seconds, not '%s'", arg);
		o->rotate_secs = (unsigned)num;
		break;
	case 'Z':
		o->user = arg;
		break;
	case 's':
		if (parse_number(arg, 0, 262144, 0, &num) < 0)
			return usage_error("-s needs a snapshot length from 0 (all) to 262144, not '%s'",
			                   arg);
		o->live.snaplen = (int)num;
		break;
	case 'B':
		if (parse_number(arg, 1, 4194304, 0, &num) < 0)
			return usage_error("-B needs a buffer size in KiB, not '%s'", arg);
		o->live.buffer_kb = (int)num;
		break;
	case OPT_BATCH_MS:
		if (parse_number(arg, 0, 10000, 0, &num) < 0)
			return usage_error("--batch-ms needs milliseconds from 0 to 10000, not '%s'",
			                   arg);
		o->live.batch_ms = (int)num;
		o->batch_given = 1;
		break;
	case OPT_NO_PROMISC:
		o->live.no_promisc = 1;
		break;
	case OPT_HEP_SEND:
		o->hep_send.url = arg;
		break;
	case OPT_HEP_LISTEN:
		if (o->nhep_listen == PCAP_SRC_MAX_IFACES)
			return usage_error("too many --hep-listen (at most %d)", PCAP_SRC_MAX_IFACES);
		o->hep_listen[o->nhep_listen++] = arg;
		break;
	case OPT_HEP_ID:
		if (parse_number(arg, 1, 4294967295.0, 0, &num) < 0)
			return usage_error("--hep-id needs a number from 1 to 4294967295, not '%s'",
			                   arg);
		o->hep_send.capture_id = (uint32_t)num;
		o->hep_id_given = 1;
		break;
	case OPT_HEP_KEY:
		o->hep_key = o->hep_send.key = arg;
		break;
	case OPT_HEP_VERSION:
		if (strcmp(arg, "2") && strcmp(arg, "3"))
			return usage_error("--hep-version is 2 or 3, not '%s'", arg);
		o->hep_send.version = arg[0] - '0';
		break;
	case OPT_METRICS:
		o->metrics = arg;
		break;
	case OPT_FINDINGS:
		o->findings = 1;
		break;
	case OPT_METRICS_FILE:
		o->metrics_file = arg;
		break;
	case OPT_DURATION:
		if (parse_number(arg, 0.001, 1e9, 1, &num) < 0)
			return usage_error("--duration needs a number of seconds, not '%s'", arg);
		o->duration_us = (int64_t)(num * 1e6);
		break;
	case OPT_MAX_PACKETS:
		if (parse_number(arg, 1, 1e18, 0, &num) < 0)
			return usage_error("--max-packets needs a count from 1, not '%s'", arg);
		o->max_packets = (uint64_t)num;
		break;
	case OPT_MAX_CALLS:
		if (parse_number(arg, 0, 1e9, 0, &num) < 0)
			return usage_error("--max-calls needs a count (0: no limit), not '%s'", arg);
		o->max_calls = (long)num;
		break;
	case 'r':
		if (o->nfiles == PCAP_SRC_MAX_FILES)
			return usage_error("too many -r files (at most %d)", PCAP_SRC_MAX_FILES);
		o->files[o->nfiles++] = arg;
		break;
	case 'F':
		o->fmt_name = arg; /* checked with the command (run) */
		o->fmt_given = 1;
		break;
	case 'c':
		for (char *tok = strtok(arg, ","); tok; tok = strtok(NULL, ",")) {
			if (o->ncalls == sizeof o->calls / sizeof o->calls[0])
				return usage_error("%s", "too many --call values (at most 64)");
			o->calls[o->ncalls++] = tok;
		}
		break;
	case 'f':
		o->filter = arg;
		break;
	case 'i':
		if (o->nifaces == PCAP_SRC_MAX_IFACES)
			return usage_error("too many -i interfaces (at most %d)", PCAP_SRC_MAX_IFACES);
		o->ifaces[o->nifaces++] = arg;
		o->iface = o->ifaces[0];
		break;
	case OPT_FRAME: {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(arg, &end, 10);
		if (errno || *end || !v || arg[0] == '-')
			return usage_error("--frame needs a frame number, not '%s'", arg);
		if (o->nframes == sizeof o->frames / sizeof o->frames[0])
			return usage_error("%s", "too many --frame values (at most 64)");
		o->frames[o->nframes++] = v;
		break;
	}
	case OPT_SECRETS:
		o->secrets = 1;
		break;
	case 'o':
		o->output = arg;
		break;
	case OPT_MATCH:
		o->match = arg;
		break;
	case OPT_ALL:
		o->all = 1;
		break;
	case OPT_DB:
		o->db = arg;
		break;
	case OPT_RULES:
		o->rules = 1;
		break;
	case OPT_RTP:
		o->rtp = 1;
		break;
	case OPT_SPLIT:
		o->audio_split = 1;
		break;
	case OPT_STREAM: {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(arg, &end, 0);
		if (errno || *end || !*arg || arg[0] == '-' || v > 0xffffffffULL)
			return usage_error("--stream needs an SSRC (0x1234abcd or decimal), not '%s'", arg);
		o->audio_ssrc = (uint32_t)v;
		o->audio_ssrc_given = 1;
		break;
	}
	case OPT_BPF:
		if (strlen(arg) >= sizeof o->bpf)
			return usage_error("%s", "--bpf: the filter is too long");
		strcpy(o->bpf, arg);
		break;
	case OPT_TIME:
		if (!strcmp(arg, "abs"))
			o->ladder.time = LADDER_TIME_ABS;
		else if (!strcmp(arg, "delta"))
			o->ladder.time = LADDER_TIME_DELTA;
		else if (!strcmp(arg, "rel"))
			o->ladder.time = LADDER_TIME_REL;
		else
			return usage_error("unknown --time '%s' (use abs, delta or rel)", arg);
		break;
	case OPT_WIDTH: {
		char *end;
		errno = 0;
		long w = strtol(arg, &end, 10);
		if (errno || *end || w < 40 || w > 100000)
			return usage_error("--width needs a number from 40 up, not '%s'", arg);
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
		if (!*arg || strpbrk(arg, ": \t\r\n"))
			return usage_error("--correlate needs a header name, not '%s'", arg);
		o->correlate = arg;
		break;
	case OPT_SPOOL_DIR: {
		/* The store and the viewer put their temporary files in
		 * $TMPDIR: the option is that, checked now. */
		struct stat st;
		if (!*arg)
			return usage_error("%s", "--spool-dir needs a directory");
		if (stat(arg, &st) < 0)
			return usage_error("--spool-dir %s: %s", arg, strerror(errno));
		if (!S_ISDIR(st.st_mode))
			return usage_error("--spool-dir %s: not a directory", arg);
		if (setenv("TMPDIR", arg, 1) < 0)
			return usage_error("--spool-dir: %s", strerror(errno));
		break;
	}
	case OPT_TLS_KEYLOG:
		if (!*arg)
			return usage_error("%s", "--tls-keylog needs a file name");
		o->tls.keylog = arg;
		o->tls.keylog_optional = 0;
		break;
	case OPT_TLS_KEY:
		if (!*arg)
			return usage_error("%s", "--tls-key needs a file name");
		if (o->tls.nrsa == INGEST_TLS_MAX_KEYS)
			return usage_error("at most %d --tls-key files", INGEST_TLS_MAX_KEYS);
		o->tls.rsa_keys[o->tls.nrsa++] = arg;
		break;
	case 'h':
		fputs(help, stdout);
		return 0;
	case 'V':
		printf("sipscope %s\n", SIPSCOPE_VERSION);
		printf("audio decoders: %s\n", codec_list());
		return 0;
	case OPT_ALIAS: {
		/* IP[:PORT]=NAME; a config line's "IP NAME" comes here so */
		char *eq = strchr(arg, '='), err[160];
		if (!eq)
			return usage_error("--alias needs IP[:PORT]=NAME, not '%s'", arg);
		*eq = '\0';
		int bad = alias_add(arg, eq + 1, err, sizeof err);
		*eq = '=';
		if (bad < 0)
			return usage_error("%s", err);
		break;
	}
	case OPT_COLUMNS: {
		char buf[256];
		size_t n = 0;
		if (strlen(arg) >= sizeof buf)
			return usage_error("%s", "--columns: the list is too long");
		strcpy(buf, arg);
		for (char *save, *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
			int col = calllist_col_parse(tok);
			if (col < 0)
				return usage_error("--columns: unknown column '%s' (use index start method from "
				                   "to callid src dst msgs state setup duration status ua "
				                   "problems media agent attest)", tok);
			if (n == sizeof o->cols / sizeof o->cols[0])
				return usage_error("%s", "--columns: too many columns");
			o->cols[n++] = (enum calllist_col)col;
		}
		if (!n)
			return usage_error("%s", "--columns needs at least one column");
		o->ncols = n;
		break;
	}
	case OPT_SORT: {
		char buf[64];
		if (strlen(arg) >= sizeof buf)
			return usage_error("--sort: unknown column '%s'", arg);
		strcpy(buf, arg);
		char *colon = strchr(buf, ':');
		int desc = 0;
		if (colon) {
			*colon = '\0';
			if (!strcmp(colon + 1, "desc"))
				desc = 1;
			else if (strcmp(colon + 1, "asc"))
				return usage_error("--sort COLUMN[:desc], not '%s'", arg);
		}
		int col = calllist_col_parse(buf);
		if (col < 0)
			return usage_error("--sort: unknown column '%s'", buf);
		o->sort_col = (enum calllist_col)col;
		o->sort_desc = desc;
		o->sort_given = 1;
		break;
	}
	case OPT_THEME:
		if (!strcmp(arg, "default"))
			o->theme = OPTS_THEME_DEFAULT;
		else if (!strcmp(arg, "light"))
			o->theme = OPTS_THEME_LIGHT;
		else if (!strcmp(arg, "mono"))
			o->theme = OPTS_THEME_MONO;
		else
			return usage_error("unknown --theme '%s' (use default, light or mono)", arg);
		break;
	case OPT_EXEC: /* parse_opts took the command: the next word */
		if (o->nexecs == OPTS_MAX_EXEC)
			return usage_error("at most %d --exec", OPTS_MAX_EXEC);
		o->execs[o->nexecs++].filter = arg;
		break;
	case OPT_EXEC_RATE:
	case OPT_EXEC_TIMEOUT: {
		char *end;
		unsigned long v = strtoul(arg, &end, 10);
		if (*arg < '0' || *arg > '9' || *end || v == 0 || v > 100000)
			return usage_error("--%s: a whole number from 1 to 100000, not '%s'",
			                   c == OPT_EXEC_RATE ? "exec-rate" : "exec-timeout", arg);
		if (c == OPT_EXEC_RATE)
			o->exec_rate = (uint32_t)v;
		else
			o->exec_timeout = (uint32_t)v;
		break;
	}
	case OPT_SYSLOG:
		o->syslog = 1;
		break;
	case OPT_SYSLOG_FILTER:
		o->syslog_filter = arg;
		break;
	case OPT_SYSLOG_FACILITY: {
		static const struct { const char *name; int fac; } facs[] = {
			{ "user", LOG_USER }, { "daemon", LOG_DAEMON }, { "local0", LOG_LOCAL0 },
			{ "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
			{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
			{ "local7", LOG_LOCAL7 },
		};
		size_t i;
		for (i = 0; i < sizeof facs / sizeof facs[0] && strcasecmp(arg, facs[i].name); i++)
			;
		if (i == sizeof facs / sizeof facs[0])
			return usage_error("--syslog-facility: user, daemon or local0..local7, not '%s'", arg);
		o->syslog_facility = facs[i].fac;
		break;
	}
	case OPT_STIR_CERT:
	case OPT_STIR_CA:
	case OPT_STIR_SIGNER: {
		/* loaded now: a bad file is named where it was given */
		char err[600];
		struct identity_keys *k = identity_keys_default();
		int bad = c == OPT_STIR_CERT ? identity_keys_add_cert(k, arg, err, sizeof err)
		          : c == OPT_STIR_CA ? identity_keys_add_ca(k, arg, err, sizeof err)
		                             : identity_keys_add_signer(k, arg, err, sizeof err);
		if (bad < 0)
			return usage_error("%s", err);
		break;
	}
	case OPT_ATTACK: { /* --- issue 25: attacks --- */
		struct check_attack_conf cf;
		char err[200];
		check_attack_current(&cf);
		if (check_attack_set(&cf, arg, err, sizeof err) < 0)
			return usage_error("--attack %s", err);
		check_attack_configure(&cf);
		break;
	}
	case OPT_CONFIG:
	case OPT_NO_CONFIG:
		break; /* read before the other options (config_load) */
	default:
		return usage_error("%s", "unknown option");
	}
	return -1;
}

/* Parse options after the command.  Returns -1 to go on, or an exit code. */
int parse_opts(int argc, char **argv, struct opts *o, const char *help)
{
	/* The config files first, then the environment (SSLKEYLOGFILE,
	 * NO_COLOR, TMPDIR), then the command line: each overrides the one
	 * before. */
	int c, rc = config_load(argc, argv, o);
	if (rc >= 0)
		return rc;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, opts_shortopts, opts_longopts, NULL)) != -1) {
		if (c == ':')
			return usage_error("option '%s' needs an argument", argv[optind - 1]);
		if (c == '?')
			return usage_error("unknown option '%s'", argv[optind - 1]);
		if (c == OPT_EXEC) { /* --exec FILTER COMMAND */
			if (optind >= argc)
				return usage_error("%s", "--exec needs a filter and a command: "
				                         "--exec 'state=failed' 'logger -t sip'");
			o->execs[o->nexecs < OPTS_MAX_EXEC ? o->nexecs : 0].command = argv[optind++];
		}
		config_note_cli(o, c, optarg);
		if ((rc = opts_apply(o, c, optarg, help)) >= 0)
			return rc;
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

int opts_check_format(struct opts *o, const char *cmd, enum flow_format *ffmt)
{
	if (!strcmp(cmd, "flow")) {
		if (o->fmt_given && flow_format_parse(o->fmt_name, ffmt) < 0)
			return usage_error("unknown flow format '%s' (use text, html, svg, mermaid, plantuml "
			                   "or json)", o->fmt_name);
	} else if (!strcmp(cmd, "export")) {
		if (o->fmt_given && strcmp(o->fmt_name, "pcap") && strcmp(o->fmt_name, "pcapng"))
			return usage_error("unknown export format '%s' (use pcap or pcapng)", o->fmt_name);
	} else if (o->fmt_given && export_format_parse(o->fmt_name, &o->fmt) < 0) {
		return usage_error("unknown format '%s' (use table, json or csv)", o->fmt_name);
	}
	if (o->rules && strcmp(cmd, "check"))
		return usage_error("%s", "--rules is a check option");
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

int opts_check(struct opts *o, const char *cmd)
{
	int rc;
	if (!strcmp(cmd, "rtp") || (o->filter && strstr(o->filter, "media=")))
		o->rtp = 1; /* media= reads the streams */
	if (!strcmp(cmd, "stats") && o->fmt == EXPORT_CSV)
		return usage_error("%s", "stats prints a table or JSON, not CSV");
	int picks = strcmp(cmd, "flow") == 0 || strcmp(cmd, "export") == 0 || !strcmp(cmd, "audio");
	if (!picks && (o->ncalls || o->match || o->all))
		return usage_error("%s", "--call, --match and --all choose calls for flow, export and audio");
	if (strcmp(cmd, "audio") && (o->audio_split || o->audio_ssrc_given))
		return usage_error("%s", "--split and --stream are audio options");
	if (strcmp(cmd, "flow") && *cmd && (o->ladder.max_width || o->ladder.merge_hosts || o->ladder.no_sdp ||
	                            o->ladder.time))
		return usage_error("%s", "--time, --width, --merge-hosts and --no-sdp are flow (and viewer) options");
	if (o->ncalls && o->match)
		return usage_error("%s", "--call and --match both choose calls: give one");
	if (!strcmp(cmd, "export")) {
		if (!o->output)
			return usage_error("%s", "export needs -o FILE.pcap (or -o - for standard output)");
		if (!strcmp(o->output, "-") && isatty(STDOUT_FILENO))
			return usage_error("%s", "export -o -: standard output is a terminal (packets, and a TLS "
			                         "call's secrets, are not for a screen): pipe it, or -o FILE");
		if (!o->ncalls && !o->match && !o->filter && !o->all)
			return usage_error("%s", "export needs the calls: --call ID, --match REGEX, "
			                         "--filter EXPR or --all");
		for (size_t i = 0; i < o->nfiles; i++)
			if (!strcmp(o->files[i], "-"))
				return usage_error("%s", "export reads the captures twice: standard input "
				                         "cannot be exported (save it to a file first)");
		o->keep_ranges = 1;
		o->rtp = 1; /* the calls' media goes along */
	} else if (!strcmp(cmd, "audio")) {
		if (!o->output)
			return usage_error("%s", "audio needs -o FILE.wav (or -o - for standard output)");
		if (!strcmp(o->output, "-") && isatty(STDOUT_FILENO))
			return usage_error("%s", "audio -o -: standard output is a terminal: pipe it to a "
			                         "player (| aplay), or -o FILE.wav");
		if (!strcmp(o->output, "-") && o->audio_split)
			return usage_error("%s", "audio --split writes one file per stream: -o FILE.wav");
		if (!o->ncalls && !o->match && !o->filter && !o->all)
			return usage_error("%s", "audio needs the call: --call ID (a number from 'sipscope "
			                         "calls' or a Call-ID)");
		for (size_t i = 0; i < o->nfiles; i++) {
			if (!strcmp(o->files[i], "-"))
				return usage_error("%s", "audio reads the captures twice: standard input "
				                         "cannot be read again (save it to a file first)");
			if (!strcmp(o->files[i], o->output))
				return usage_error("%s", "audio: -o names one of the captures read");
		}
		o->rtp = 1;
	} else if (!strcmp(cmd, "db")) {
		if (!o->output || !strcmp(o->output, "-"))
			return usage_error("%s", "db needs -o FILE.db (an sqlite3 database is a file)");
		if (o->fmt_given || o->filter)
			return usage_error("%s", "db stores the whole capture; --format and --filter do not apply");
		for (size_t i = 0; i < o->nfiles; i++)
			if (!strcmp(o->files[i], o->output))
				return usage_error("%s", "db: -o names one of the captures read");
	} else if (o->output && strcmp(cmd, "flow")) {
		return usage_error("%s", "-o is for flow, export, audio and db");
	}
	if (o->max_calls >= 0 && *cmd)
		return usage_error("%s", "--max-calls is for -N and the viewer; batch commands keep "
		                         "every call of the files");
	if (o->db && *cmd)
		return usage_error("%s", "--db is for the viewer; batch: sipscope db -r FILE -o FILE.db");
	if (o->db && o->nfiles == 1 && db_is_database(o->files[0]))
		return usage_error("%s", "--db: the capture read is already a database");
	if (!strcmp(cmd, "show") && !o->nframes)
		return usage_error("%s", "show needs --frame N (frame numbers as 'sipscope messages' prints them)");
	if (strcmp(cmd, "show") && (o->nframes || o->secrets))
		return usage_error("%s", "--frame and --secrets are show options");
	if (!strcmp(cmd, "show") && o->fmt_given)
		return usage_error("%s", "show prints text; --format is for messages, calls, stats");
	if (o->filter && (!strcmp(cmd, "messages") || !strcmp(cmd, "stats") || !strcmp(cmd, "show")))
		return usage_error("%s", "--filter is for calls, flow, export, check and the viewer");
	if ((rc = check_hep(o, cmd)) >= 0)
		return rc;
	char ferr[256];
	struct calllist *check = calllist_new(NULL, NULL);
	rc = check ? calllist_set_filter(check, o->filter, ferr, sizeof ferr) : 0;
	calllist_free(check);
	if (rc < 0)
		return usage_error("%s", ferr);
	return -1;
}
