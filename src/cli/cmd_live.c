/* cmd_live.c - the live runs: -N (headless: capture without the viewer,
 * print each call as it ends) and the interactive viewer. */
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "../ui/ui.h"
#include "cli.h"
#include "headless.h"
#include "sipscope/db.h"
#include "sipscope/metrics.h"

/* The options of -N hang together.  Returns -1 when they do, or an exit
 * code (the message printed). */
static int check_headless(const struct opts *o, const char *cmd)
{
	if ((o->metrics || o->metrics_file) && !o->headless)
		return usage_error("%s", "--metrics and --metrics-file are for -N (headless capture)");
	char host[128], err[200];
	unsigned port;
	if (o->metrics && metrics_addr_parse(o->metrics, host, sizeof host, &port, err, sizeof err) < 0)
		return usage_error("--metrics %s", err);
	if (!o->headless)
		return usage_error("%s", "--quiet, -w, -C, -G, --duration, --max-packets and --findings "
		                         "are for -N (headless capture)");
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

/* --exec and --syslog go with -N, their options with them.  Returns -1
 * when they do, or an exit code (the message printed). */
static int check_alerts(const struct opts *o)
{
	if ((o->nexecs || o->syslog || o->syslog_filter || o->exec_rate || o->exec_timeout ||
	     o->syslog_facility) && !o->headless)
		return usage_error("%s", "--exec, --syslog and their options are for -N (headless "
		                         "capture)");
	if ((o->exec_rate || o->exec_timeout) && !o->nexecs)
		return usage_error("%s", "--exec-rate and --exec-timeout go with --exec");
	if ((o->syslog_filter || o->syslog_facility) && !o->syslog)
		return usage_error("%s", "--syslog-filter and --syslog-facility go with --syslog");
	return -1;
}

/* Does a filter of an alert ask about media (the streams must be followed)? */
static int alerts_want_media(const struct opts *o)
{
	for (size_t i = 0; i < o->nexecs; i++)
		if (strstr(o->execs[i].filter, "media="))
			return 1;
	return o->syslog_filter && strstr(o->syslog_filter, "media=");
}

static int run_headless(const struct opts *o)
{
	struct alert_opts al = {
		.execs = o->execs, .nexecs = o->nexecs,
		.hooks = { .rate = o->exec_rate ? o->exec_rate : HOOKS_RATE_DEFAULT,
		           .timeout_s = o->exec_timeout ? o->exec_timeout : HOOKS_TIMEOUT_DEFAULT },
		.syslog = o->syslog, .syslog_filter = o->syslog_filter,
		.syslog_facility = o->syslog_facility ? o->syslog_facility : LOG_USER,
	};
	struct headless_args a = {
		.ifaces = o->ifaces, .nifaces = o->nifaces, .files = o->files, .nfiles = o->nfiles,
		.bpf = o->bpf[0] ? o->bpf : NULL, .correlate = o->correlate, .live = o->live,
		.fmt = o->fmt, .quiet = o->quiet, .rtp = o->rtp, .duration_us = o->duration_us,
		.max_packets = o->max_packets, .write = o->write, .rotate_bytes = o->rotate_bytes,
		.rotate_secs = o->rotate_secs, .user = o->user,
		.max_calls = o->max_calls < 0 ? INGEST_MAX_CALLS_DEFAULT : (size_t)o->max_calls,
		.hep_listen = o->hep_listen, .nhep_listen = o->nhep_listen, .hep_key = o->hep_key,
		.hep_send = o->hep_send.url ? &o->hep_send : NULL, .tls = &o->tls,
		.metrics = o->metrics, .metrics_file = o->metrics_file, .findings = o->findings,
		.alert = o->nexecs || o->syslog ? &al : NULL,
	};
	a.rtp |= alerts_want_media(o);
	/* Headless, packets come in 20 ms blocks unless told: in immediate
	 * mode a loopback burst overflows the ring (every slot is sized for
	 * a 64 KiB packet) and is lost; nobody waits on the 20 ms. */
	if (!o->batch_given)
		a.live.batch_ms = 20;
	return headless_run(&a);
}

int cmd_live(const struct opts *o, const char *cmd)
{
	int rc = check_alerts(o);
	if (rc >= 0)
		return rc;
	if (o->headless || o->quiet || o->write || o->rotate_bytes || o->rotate_secs ||
	    o->duration_us || o->max_packets || o->metrics || o->metrics_file || o->findings) {
		rc = check_headless(o, cmd);
		if (rc >= 0)
			return rc;
		return run_headless(o);
	}
	if (o->iface && (*cmd || !isatty(STDOUT_FILENO)))
		return usage_error("%s", "-i captures live into the viewer (a terminal is needed), or "
		                         "without it with -N; batch commands read files: "
		                         "tcpdump -w FILE, then -r FILE");
	if ((o->live.snaplen || o->live.buffer_kb || o->live.no_promisc || o->batch_given) && !o->iface)
		return usage_error("%s", "-s, -B, --no-promisc and --batch-ms are for live capture (-i)");
	if (o->user && (*cmd || !isatty(STDOUT_FILENO)))
		return usage_error("%s", "-Z is for live capture: -N, or the viewer (on a terminal)");
	if (!*cmd && isatty(STDOUT_FILENO)) {
		struct ui_args ua = {
			.files = o->files, .nfiles = o->nfiles, .correlate = o->correlate,
			.filter = o->filter, .ascii = o->ladder.ascii, .iface = o->iface, .db = o->db,
			.bpf = o->bpf[0] ? o->bpf : NULL, .rtp = o->rtp, .ifaces = o->ifaces,
			.nifaces = o->nifaces, .live = o->live,
			.max_calls = o->max_calls < 0 ? INGEST_MAX_CALLS_DEFAULT : (size_t)o->max_calls,
			.hep_listen = o->hep_listen, .nhep_listen = o->nhep_listen, .hep_key = o->hep_key,
			.hep_send = o->hep_send.url ? &o->hep_send : NULL, .tls = &o->tls,
			.user = o->user, .drop_privileges = headless_drop_privileges,
			.theme = (int)o->theme, .cols = o->cols, .ncols = o->ncols,
			.sort_given = o->sort_given, .sort_desc = o->sort_desc, .sort_col = o->sort_col,
			.flow_time = o->ladder.time, .merge_hosts = o->ladder.merge_hosts,
			.no_sdp = o->ladder.no_sdp, .settings = config_settings(),
			.settings_path = config_save_path(),
		};
		return ui_run(&ua);
	}
	return -1;
}
