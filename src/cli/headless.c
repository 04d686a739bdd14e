/* headless.c - sipscope -N: one poll() loop over the capture, frames fed
 * to the pipeline one by one, each call printed the moment it ends.
 *
 * A call has ended when nothing more is expected of it: a non-INVITE
 * request got its final response, the BYE of an answered INVITE got its
 * response, or the INVITE failed (busy, rejected, diverted, cancelled
 * with its final response, 408); one answered 401/407 waits 32 s for the
 * request again with credentials.  The line is the call as it stands then
 * (a later ACK or retransmission is not in its count).  When the capture
 * stops, the calls still open are printed as they stand.
 *
 * With --max-calls the oldest finished calls leave memory once printed
 * (ingest_evict): the per-call flags follow the new ids, and a call
 * evicted before its line was out is printed on its way.
 *
 * Signals only set flags; the loop wakes from poll() (EINTR, or its
 * timeout of at most POLL_MS) and acts: SIGINT/SIGTERM end the run
 * cleanly, SIGHUP reopens the -w file.
 *
 * Nothing is lost quietly: a SIP message the spool could not take (disk
 * full) is said at once, counted every LOST_EVERY_US while it goes on
 * and on exit, and makes the status 1; a -C/-G file that cannot be
 * created leaves the capture writing the current one, said the same way. */
#include <errno.h>
#include <grp.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/capability.h>
#include <sys/syscall.h>
#endif

#include "headless.h"
#include "sipscope/check.h"
#include "sipscope/hep.h"
#include "sipscope/ingest.h"
#include "sipscope/metrics.h"
#include "sipscope/pcap_save.h"
#include "sipscope/store.h"
#include "sipscope/track.h"

#define BATCH 512    /* frames read between two looks at the calls (and flushes) */
#define POLL_MS 250  /* longest sleep: signals and --duration are seen this fast */
#define LOST_EVERY_US (10 * 1000000LL) /* lost messages counted on stderr this often */
#define METRICS_FILE_US (15 * 1000000LL) /* --metrics-file rewritten this often */

static volatile sig_atomic_t stop_sig, hup_sig;

static void on_stop(int sig) { stop_sig = sig; }
static void on_hup(int sig) { (void)sig; hup_sig = 1; }

struct hl {
	const struct headless_args *a;
	struct pcap_src *src;
	struct store *store;
	struct tracker *t;
	struct ingest *in;
	struct checker *chk;     /* JSON lines carry the findings, as `calls` prints them */
	struct pcap_save *save;
	struct hep_sender *hep;  /* --hep-send */
	struct metrics *met;     /* --metrics, --metrics-file (metrics_open, metrics_tick) */
	struct metrics_http *mhttp;
	int64_t met_file_us;     /* --metrics-file last written (monotonic) */
	struct alert *alert;     /* --exec, --syslog */
	uint8_t *printed;        /* per call (0-based): its line is out */
	size_t nprinted_cap;
	size_t seen;             /* store messages looked at */
	uint64_t frames, ended, open_at_end;
	uint64_t evict_failed;   /* compactions memory did not allow */
	uint64_t lost_told;      /* store_errors last said on stderr */
	int64_t lost_told_us;
	int rc;
};

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A 401/407 asks for the request again with credentials (RFC 3261 22.2),
 * in the same call: the call waits this long of quiet for it. */
#define CHALLENGE_WAIT_US (64 * 500000LL) /* 64*T1, as Timer B/F */

static int challenged(const struct call_info *c)
{
	return c->final_status == 401 || c->final_status == 407;
}

/* Has the call (its root leg) reached a state nothing more will change?
 * A challenged one is left to sweep_challenged(). */
static int call_ended(const struct call_info *c)
{
	if (challenged(c))
		return 0;
	switch ((enum call_state)c->state) {
	case CALL_STATE_COMPLETED:
		return c->method != SIP_M_INVITE || c->bye_ok_us != 0; /* BYE answered */
	case CALL_STATE_CANCELLED:
		return c->final_status != 0; /* the 487 (or a final that crossed the CANCEL) */
	case CALL_STATE_BUSY:
	case CALL_STATE_REJECTED:
	case CALL_STATE_DIVERTED:
	case CALL_STATE_FAILED:
		return 1;
	default:
		return 0;
	}
}

/* Room for a flag per call.  Returns 0 or -1 (no memory: lines are late,
 * printed at the end). */
static int grow_printed(struct hl *h)
{
	size_t n = track_call_count(h->t);
	if (n <= h->nprinted_cap)
		return 0;
	size_t cap = h->nprinted_cap ? h->nprinted_cap : 1024;
	while (cap < n)
		cap *= 2;
	uint8_t *p = realloc(h->printed, cap);
	if (!p)
		return -1;
	memset(p + h->nprinted_cap, 0, cap - h->nprinted_cap);
	h->printed = p;
	h->nprinted_cap = cap;
	return 0;
}

/* ended: the call has ended (not merely open when the capture stopped):
 * its alerts go too. */
static void print_call(struct hl *h, size_t idx, int ended)
{
	h->printed[idx] = 1;
	if (!h->a->quiet)
		export_call(stdout, h->store, h->t, h->chk, idx, h->a->fmt);
	if (ended && h->alert)
		alert_call_ended(h->alert, (uint32_t)idx + 1, mono_us());
}

/* Call idx has ended (its line is out or goes out with it). */
static void call_done(struct hl *h, size_t idx)
{
	h->ended++;
	if (h->met)
		metrics_count_call(h->met, track_call(h->t, idx), store_last_ts(h->store));
}

/* Print the calls the messages since the last look have ended. */
static void print_ended(struct hl *h)
{
	size_t n = store_msg_count(h->store);
	if (n == h->seen || grow_printed(h) < 0)
		return;
	if (h->chk)
		check_update(h->chk);
	if (h->met && h->chk)
		metrics_count_findings(h->met, h->chk, 0);
	if (h->alert && h->chk)
		alert_findings(h->alert, h->chk, mono_us()); /* issue 25: attacks */
	for (size_t i = h->seen; i < n; i++) {
		const struct store_msg *r = store_msg_at(h->store, i);
		if (h->met)
			metrics_count_message(h->met, r);
		uint32_t root = r->call ? track_call_root(h->t, r->call) : 0;
		if (!root || h->printed[root - 1] || !call_ended(track_call(h->t, root - 1)))
			continue;
		print_call(h, root - 1, 1);
		call_done(h, root - 1);
	}
	h->seen = n;
	if (!h->a->quiet && fflush(stdout) != 0 && h->rc == 0) {
		fprintf(stderr, "sipscope: cannot write output\n");
		h->rc = 2;
		stop_sig = SIGPIPE;
	}
}

/* Challenged calls whose retry never came within CHALLENGE_WAIT_US of
 * `now` (capture time): they ended at the 401/407.  Looked for once a
 * second; a scan of the calls is cheap next to a second of traffic. */
static void sweep_challenged(struct hl *h, int64_t now)
{
	if (grow_printed(h) < 0)
		return;
	for (size_t i = 0; i < track_call_count(h->t); i++) {
		const struct call_info *c = track_call(h->t, i);
		if (c->root || h->printed[i] || !challenged(c))
			continue;
		struct call_totals tot;
		track_call_totals(h->t, (uint32_t)i + 1, &tot);
		if (now - tot.end_us < CHALLENGE_WAIT_US)
			continue;
		print_call(h, i, 1);
		call_done(h, i);
	}
	if (!h->a->quiet)
		fflush(stdout);
}

/* A call about to be evicted: its line, if not out yet (it has been
 * quiet for a while, so it is as final as it gets). */
static void on_evicting(void *ctx, uint32_t root)
{
	struct hl *h = ctx;
	if (root > h->nprinted_cap || h->printed[root - 1])
		return;
	print_call(h, root - 1, 1);
	call_done(h, root - 1);
}

/* Ids moved down: the flags follow; the messages looked at stay looked at. */
static void on_remapped(void *ctx, const uint32_t *call_map, size_t ncalls, const uint32_t *msg_map,
                        size_t nmsgs)
{
	struct hl *h = ctx;
	size_t n = 0;
	for (size_t i = 1; i <= ncalls && i <= h->nprinted_cap; i++)
		if (call_map[i])
			h->printed[(n = call_map[i]) - 1] = h->printed[i - 1];
	if (n < h->nprinted_cap)
		memset(h->printed + n, 0, h->nprinted_cap - n);
	if (h->alert)
		alert_forget(h->alert);
	size_t seen = 0;
	for (size_t i = h->seen < nmsgs ? h->seen : nmsgs; i > 0 && !seen; i--)
		seen = msg_map[i - 1];
	h->seen = seen;
}

/* Bounded memory: evict the oldest finished calls past --max-calls.  The
 * checker keeps state by id: it starts over on what is left. */
static void evict(struct hl *h)
{
	struct track_evict_hooks hooks = { on_evicting, on_remapped, h };
	if (!h->a->max_calls || grow_printed(h) < 0)
		return;
	long n = ingest_evict(h->in, h->a->max_calls, &hooks);
	if (n < 0)
		h->evict_failed++;
	if (n > 0 && h->chk) {
		check_free(h->chk);
		h->chk = check_new(h->store, h->t);
		if (h->met)
			metrics_findings_restart(h->met, store_msg_count(h->store));
		if (h->alert)
			alert_set_check(h->alert, h->chk);
		if (!h->chk) {
			fprintf(stderr, "sipscope: out of memory\n");
			h->rc = 2;
			stop_sig = SIGTERM;
		}
	}
}

/* The capture is over: settle what waits for time, print what is left. */
static void print_rest(struct hl *h)
{
	ingest_finish(h->in);
	print_ended(h); /* calls the last TCP data ended */
	track_finish(h->t);
	if (h->chk) {
		check_update(h->chk);
		if (h->met)
			metrics_count_findings(h->met, h->chk, 0);
		if (h->alert)
			alert_findings(h->alert, h->chk, mono_us()); /* issue 25: before the sort */
		check_finish(h->chk);
		if (h->met)
			metrics_count_findings(h->met, h->chk, 1);
	}
	if (grow_printed(h) < 0) {
		fprintf(stderr, "sipscope: out of memory\n");
		return;
	}
	for (size_t i = 0; i < track_call_count(h->t); i++) {
		if (track_call(h->t, i)->root || h->printed[i])
			continue;
		/* Timer B/F (track_finish) may have failed it just now. */
		int ended = call_ended(track_call(h->t, i));
		if (ended)
			call_done(h, i);
		else
			h->open_at_end++;
		print_call(h, i, ended);
	}
	if (!h->a->quiet)
		fflush(stdout);
}

/* Read up to BATCH frames: each saved (-w) and fed to the pipeline.
 * Returns PCAP_SRC_AGAIN (nothing more now), PCAP_SRC_FRAME (more may be
 * waiting) or PCAP_SRC_END. */
static int read_batch(struct hl *h)
{
	char err[512];
	for (int k = 0; k < BATCH; k++) {
		if (h->a->max_packets && h->frames >= h->a->max_packets)
			return PCAP_SRC_END;
		struct frame f;
		int r = pcap_src_next(h->src, &f);
		if (r == PCAP_SRC_AGAIN || r == PCAP_SRC_END)
			return r;
		if (r == PCAP_SRC_WARNING) {
			fprintf(stderr, "sipscope: warning: %s\n", pcap_src_warning(h->src));
			h->rc = h->rc ? h->rc : 1;
			continue;
		}
		h->frames++;
		if (h->met)
			metrics_count_frame(h->met, &f);
		int w = h->save ? pcap_save_write(h->save, &f, err, sizeof err) : 0;
		if (w < 0) {
			fprintf(stderr, "sipscope: %s\n", err);
			h->rc = 2;
			return PCAP_SRC_END;
		}
		if (w > 0) { /* a rotation failed (or works again): the frame is in a file */
			fprintf(stderr, "sipscope: warning: %s\n", err);
			h->rc = h->rc ? h->rc : 1;
		}
		ingest_frame(h->in, &f);
	}
	return PCAP_SRC_FRAME;
}

/* SIP messages the store could not keep (the spool's disk is full, or
 * memory ran out): the first loss is said at once with its reason, then
 * the count every LOST_EVERY_US while it grows; the status becomes 1. */
static void tell_lost(struct hl *h)
{
	uint64_t lost = ingest_stats(h->in)->store_errors;
	if (lost == h->lost_told)
		return;
	int64_t now = mono_us();
	if (h->lost_told && now - h->lost_told_us < LOST_EVERY_US)
		return;
	if (!h->lost_told)
		fprintf(stderr, "sipscope: warning: SIP messages are being lost: %s (spool directory %s; "
		        "--spool-dir or TMPDIR moves it)\n",
		        *store_error(h->store) ? store_error(h->store) : "out of memory", store_spool_dir());
	else
		fprintf(stderr, "sipscope: warning: %llu SIP messages lost so far\n",
		        (unsigned long long)lost);
	h->lost_told = lost;
	h->lost_told_us = now;
	h->rc = h->rc ? h->rc : 1;
}

/* A user who is not root may capture through capabilities: the binary's
 * (setcap cap_net_raw,cap_net_admin=eip) or inherited ambient ones.  They
 * are needed to open the interfaces, not to read from them: all are
 * cleared (effective, permitted, inheritable; the ambient set follows the
 * permitted one).  Lowering one's own capabilities needs no privilege.
 * glibc has no capset(): the system call, as libcap makes it.  Returns 0,
 * or -1 with errno. */
static int drop_capabilities(void)
{
#ifdef __linux__
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -1;
	int any = 0;
	for (size_t i = 0; i < sizeof data / sizeof data[0]; i++)
		any |= data[i].effective || data[i].permitted || data[i].inheritable;
	if (!any)
		return 0;
	memset(data, 0, sizeof data);
	return syscall(SYS_capset, &hdr, data) < 0 ? -1 : 0;
#else
	return 0;
#endif
}

int headless_drop_privileges(const char *user, int quiet)
{
	if (geteuid() != 0) {
		struct passwd *me = user ? getpwuid(geteuid()) : NULL;
		if (user && (!me || strcmp(me->pw_name, user)) && !quiet)
			fprintf(stderr, "sipscope: warning: -Z %s: not running as root, staying who we are\n",
			        user);
		if (drop_capabilities() < 0) {
			fprintf(stderr, "sipscope: cannot give up the capabilities: %s\n", strerror(errno));
			return -1;
		}
		return 0;
	}
	if (!user)
		user = "nobody";
	if (!strcmp(user, "root"))
		return 0;
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		fprintf(stderr, "sipscope: -Z %s: no such user%s\n", user,
		        strcmp(user, "nobody") ? "" : " (give -Z USER, or -Z root to stay root)");
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		fprintf(stderr, "sipscope: cannot become %s: %s\n", user, strerror(errno));
		return -1;
	}
	if (pw->pw_uid != 0 && setuid(0) == 0) { /* it must not be possible to come back */
		fprintf(stderr, "sipscope: root could be taken back after becoming %s\n", user);
		return -1;
	}
	return 0;
}

/* --metrics, --metrics-file: the counters with the capture's sources
 * named, and the server listening (before the privileges go: a port
 * below 1024 needs them).  Returns 0, or -1 (said). */
static int metrics_open(struct hl *h)
{
	const struct headless_args *a = h->a;
	char err[512];
	if (!a->metrics && !a->metrics_file)
		return 0;
	h->met = metrics_new();
	if (!h->met) {
		fprintf(stderr, "sipscope: out of memory\n");
		return -1;
	}
	for (size_t i = 0; i < a->nifaces; i++)
		metrics_set_source(h->met, (unsigned)i, a->ifaces[i]);
	for (size_t i = 0; i < a->nfiles; i++)
		metrics_set_source(h->met, (unsigned)i, a->files[i]);
	if (a->metrics) {
		h->mhttp = metrics_http_start(h->met, a->metrics, err, sizeof err);
		if (!h->mhttp) {
			fprintf(stderr, "sipscope: --metrics %s\n", err);
			return -1;
		}
		if (!a->quiet)
			fprintf(stderr, "sipscope: metrics on %s (port %u): GET /metrics\n", a->metrics,
			        metrics_http_port(h->mhttp));
	}
	return 0;
}

/* Has the call a stream was announced for ended (its line is out)? */
static int stream_call_ended(void *ctx, uint64_t h_call_id)
{
	struct hl *h = ctx;
	uint32_t leg = track_find_call(h->t, h_call_id);
	uint32_t root = leg ? track_call_root(h->t, leg) : 0;
	return root && root <= h->nprinted_cap && h->printed[root - 1];
}

/* The gauges as they stand (calls not ended, drops so far), the RTP
 * streams of the calls that ended (--rtp), published;
 * --metrics-file rewritten every METRICS_FILE_US, or now with
 * `file_now`.  Returns 0, or -1 when the file could not be written
 * (said on stderr; the capture goes on). */
static int metrics_tick(struct hl *h, int file_now)
{
	uint64_t active = 0;
	if (grow_printed(h) == 0)
		for (size_t i = 0; i < track_call_count(h->t); i++)
			active += !track_call(h->t, i)->root && !h->printed[i];
	struct pcap_src_counts c;
	pcap_src_counts(h->src, &c);
	metrics_set_calls_active(h->met, active);
	metrics_set_drops(h->met, c.kernel_dropped, c.if_dropped, ingest_stats(h->in)->store_errors);
	if (ingest_media(h->in) && !media_finished(ingest_media(h->in)))
		metrics_count_streams(h->met, ingest_media(h->in), stream_call_ended, h);
	metrics_publish(h->met);
	if (!h->a->metrics_file || (!file_now && mono_us() - h->met_file_us < METRICS_FILE_US))
		return 0;
	h->met_file_us = mono_us();
	char err[512];
	if (metrics_write_file(h->met, h->a->metrics_file, err, sizeof err) < 0) {
		fprintf(stderr, "sipscope: %s\n", err);
		return -1;
	}
	return 0;
}

/* The capture is over (print_rest): the RTP streams not counted yet
 * are final now (--rtp), the last figures published and written. */
static int metrics_last(struct hl *h)
{
	if (ingest_media(h->in))
		metrics_count_streams(h->met, ingest_media(h->in), NULL, NULL);
	return metrics_tick(h, 1);
}

static int open_all(struct hl *h)
{
	const struct headless_args *a = h->a;
	char err[512];
	h->src = pcap_src_open_sources(a->ifaces, a->nifaces, &a->live, a->files, a->nfiles,
	                               a->hep_listen, a->nhep_listen, a->hep_key, err, sizeof err);
	if (!h->src || (a->bpf && pcap_src_set_filter(h->src, a->bpf, err, sizeof err) < 0)) {
		fprintf(stderr, "sipscope: %s\n", err);
		return -1;
	}
	if (a->write) {
		struct pcap_save_opts so = {
			.path = a->write, .rotate_bytes = a->rotate_bytes, .rotate_secs = a->rotate_secs,
			.dlt = pcap_src_datalink(h->src), .snaplen = pcap_src_snaplen(h->src),
		};
		if (so.dlt < 0) {
			fprintf(stderr, "sipscope: -w: the interfaces have different link types and a "
			                "pcap file holds one (capture on 'any' instead)\n");
			return -1;
		}
		h->save = pcap_save_open(&so, wall_us(), err, sizeof err);
		if (!h->save) {
			fprintf(stderr, "sipscope: %s\n", err);
			return -1;
		}
	}
#ifdef M_MMAP_THRESHOLD
	/* Each compaction allocates and frees its renumbering maps (MBs):
	 * glibc would raise its mmap threshold to their size and keep later
	 * big blocks in the heap, whose freed middle it cannot give back.  A
	 * fixed threshold keeps them in their own mappings (soak_bench.sh:
	 * 157 MiB peak instead of 161; 351 instead of 194 when compaction
	 * still built its tables aside). */
	if (a->max_calls)
		mallopt(M_MMAP_THRESHOLD, 256 << 10);
#endif
	h->store = store_new();
	/* The spool file now, while the spool directory may still be written
	 * (the privileges go below), and a bad one is said before capturing. */
	if (h->store && store_spool_prepare(h->store) < 0) {
		fprintf(stderr, "sipscope: %s (--spool-dir or TMPDIR names another directory)\n",
		        store_error(h->store));
		return -1;
	}
	h->t = h->store ? track_new(h->store) : NULL;
	h->in = h->t ? ingest_new(h->store, h->t) : NULL;
	/* The checker runs for -N's JSON and for the hooks' JSON line, which
	 * carry the findings.  --metrics counts them when it runs but does not
	 * turn it on alone: it parses every message again (twice -N's CPU; see
	 * MONITORING in the man page). */
	int want_chk = a->fmt == EXPORT_JSON || a->alert || a->findings;
	if (h->in && want_chk)
		h->chk = check_new(h->store, h->t);
	if (!h->in || (want_chk && !h->chk) ||
	    (a->rtp && ingest_set_media(h->in, 1) < 0)) {
		fprintf(stderr, "sipscope: out of memory\n");
		return -1;
	}
	ingest_set_correlate(h->in, a->correlate);
	if (a->tls) {
		if (ingest_set_tls(h->in, a->tls, pcap_src_is_live(h->src), err, sizeof err) < 0) {
			fprintf(stderr, "sipscope: %s\n", err);
			return -1;
		}
		if (err[0])
			fprintf(stderr, "sipscope: warning: %s\n", err);
	}
	/* Interfaces, the first output file and the TLS keys are open: root
	 * is no longer needed (files -C, -G and SIGHUP open later belong to
	 * the user; the key log stays open to be read as it grows). */
	if (metrics_open(h) < 0 || headless_drop_privileges(a->user, a->quiet) < 0)
		return -1;
	/* written now, as the user we are: a path it cannot write is said
	 * before capturing */
	if (a->metrics_file && metrics_tick(h, 1) < 0)
		return -1;
	/* -C and -G create files later, as the user we are now: a directory
	 * that user cannot write is said now, not at the first rotation. */
	if (h->save && (a->rotate_bytes || a->rotate_secs) &&
	    pcap_save_check_dir(h->save, err, sizeof err) < 0) {
		struct passwd *me = getpwuid(geteuid());
		const char *who = me ? me->pw_name : "?";
		fprintf(stderr, "sipscope: -%s creates the next files as user %s, who cannot write "
		        "there: %s; make the directory writable for %s, -w into one that is, or "
		        "choose the user with -Z (nothing was captured)\n",
		        a->rotate_bytes ? "C" : "G", who, err, who);
		return -1;
	}
	if (a->alert) { /* as the user we are now: the hooks run as that user */
		h->alert = alert_new(h->store, h->t, a->alert, err, sizeof err);
		if (!h->alert) {
			fprintf(stderr, "sipscope: %s\n", err);
			return -1;
		}
		if (alert_warning(h->alert))
			fprintf(stderr, "sipscope: warning: %s\n", alert_warning(h->alert));
		alert_set_check(h->alert, h->chk);
		alert_set_media(h->alert, ingest_media(h->in));
	}
	store_set_fetcher(h->store, pcap_src_fetch, h->src);
	pcap_src_on_secrets(h->src, ingest_on_secrets, h->in); /* pcapng's own TLS keys */
	if (a->hep_send) {
		struct hep_send_opts so = *a->hep_send;
		so.wait_when_full = !pcap_src_is_live(h->src); /* a file can wait for the network */
		h->hep = hep_send_open(&so, err, sizeof err);
		if (!h->hep) {
			fprintf(stderr, "sipscope: --hep-send %s\n", err);
			return -1;
		}
		ingest_set_tap(h->in, hep_send_tap, h->hep);
	}
	return 0;
}

static void close_all(struct hl *h)
{
	char err[512];
	if (h->save && pcap_save_close(h->save, err, sizeof err) < 0) {
		fprintf(stderr, "sipscope: %s\n", err);
		h->rc = 2;
	}
	hep_send_close(h->hep);
	metrics_http_stop(h->mhttp);
	metrics_free(h->met);
	alert_close(h->alert, 0, NULL);
	check_free(h->chk);
	ingest_free(h->in);
	track_free(h->t);
	store_free(h->store);
	pcap_src_close(h->src);
	free(h->printed);
}

static void print_summary(struct hl *h, uint64_t saved, unsigned files, const char *last)
{
	struct hep_listen_stats hs;
	if (pcap_src_hep_stats(h->src, &hs))
		fprintf(stderr, "sipscope: HEP: %llu packets from agents (%llu TCP connections), "
		        "%llu SIP messages, %llu malformed, %llu not SIP, %llu wrong key, %llu too big, "
		        "%llu dropped by the socket, %llu unread at exit; TCP connections: %llu timed out, "
		        "%llu closed for a newer one, %llu refused\n", (unsigned long long)hs.packets,
		        (unsigned long long)hs.connections, (unsigned long long)hs.messages,
		        (unsigned long long)hs.malformed, (unsigned long long)hs.not_sip,
		        (unsigned long long)hs.bad_key, (unsigned long long)hs.too_big,
		        (unsigned long long)hs.socket_drops, (unsigned long long)hs.unread_at_exit,
		        (unsigned long long)hs.conn_timeouts, (unsigned long long)hs.conn_pushed_out,
		        (unsigned long long)hs.conn_refused);
	if (h->hep) {
		struct hep_send_stats ss;
		hep_send_stats(h->hep, &ss);
		fprintf(stderr, "sipscope: HEP: %llu SIP messages sent to %s, %llu dropped "
		        "(%llu too big, %llu refused)%s\n", (unsigned long long)ss.sent,
		        h->a->hep_send->url, (unsigned long long)ss.dropped,
		        (unsigned long long)ss.too_big, (unsigned long long)ss.send_errors,
		        ss.reconnects ? " after reconnecting" : "");
	}
	if (pcap_src_is_live(h->src)) {
		struct pcap_src_counts c;
		pcap_src_counts(h->src, &c);
		fprintf(stderr, "sipscope: %llu packets captured, %llu dropped by the kernel, "
		        "%llu dropped by the interface\n", (unsigned long long)h->frames,
		        (unsigned long long)c.kernel_dropped, (unsigned long long)c.if_dropped);
	} else {
		fprintf(stderr, "sipscope: %llu packets read\n", (unsigned long long)h->frames);
	}
	const struct ingest_stats *st = ingest_stats(h->in);
	fprintf(stderr, "sipscope: %llu SIP messages, %llu calls ended, %llu still open",
	        (unsigned long long)st->sip_msgs, (unsigned long long)h->ended,
	        (unsigned long long)h->open_at_end);
	if (st->store_errors)
		fprintf(stderr, ", %llu SIP messages lost (%s)", (unsigned long long)st->store_errors,
		        *store_error(h->store) ? store_error(h->store) : "out of memory");
	fputc('\n', stderr);
	if (ingest_tls_count(h->in)) {
		/* a TLS trunk that shows no calls: say whether keys were missing */
		const struct tls_stats *ts = ingest_tls_totals(h->in);
		size_t ndec = 0;
		for (size_t i = 0; i < ingest_tls_count(h->in); i++)
			ndec += ingest_tls(h->in, i)->decrypted;
		fprintf(stderr, "sipscope: TLS: %zu connections, %zu decrypted, %llu SIP messages from them",
		        ingest_tls_count(h->in), ndec, (unsigned long long)st->tls_sip_msgs);
		if (ts)
			fprintf(stderr, "; records: %llu decrypted, %llu failed, %llu without a key",
			        (unsigned long long)ts->records_decrypted, (unsigned long long)ts->records_failed,
			        (unsigned long long)(ts->records_no_key + ts->pending_dropped));
		fputc('\n', stderr);
	}
	if (h->a->max_calls) {
		uint64_t calls, msgs;
		track_evicted(h->t, &calls, &msgs);
		fprintf(stderr, "sipscope: %llu calls (%llu SIP messages) evicted from memory "
		        "(--max-calls %zu), %llu of them cut while still open%s; spool file %.1f MB "
		        "on disk\n", (unsigned long long)calls, (unsigned long long)msgs, h->a->max_calls,
		        (unsigned long long)track_cut_count(h->t),
		        h->evict_failed ? ", some evictions failed: out of memory" : "",
		        (double)store_spool_disk(h->store) / 1e6);
	}
	if (h->a->write) {
		uint64_t ff = 0, fb = 0, lost = pcap_save_lost(h->save), rf;
		pcap_save_file_counts(h->save, &ff, &fb);
		fprintf(stderr, "sipscope: %llu packets written to %u file%s (last: %s, %llu packets, "
		        "%llu bytes)", (unsigned long long)saved, files, files == 1 ? "" : "s", last,
		        (unsigned long long)ff, (unsigned long long)fb);
		if (lost)
			fprintf(stderr, ", %llu packets not written", (unsigned long long)lost);
		if ((rf = pcap_save_rotate_failures(h->save)))
			fprintf(stderr, ", %llu failed rotations (the next file could not be created)",
			        (unsigned long long)rf);
		fputc('\n', stderr);
	}
}

/* What the hooks and syslog did, nothing lost quietly. */
static void print_alert_summary(const struct alert_opts *o, const struct alert_stats *st)
{
	const struct hooks_stats *k = &st->hooks;
	if (o->nexecs)
		fprintf(stderr, "sipscope: --exec: %llu calls matched, %llu runs: %llu ok, %llu failed, "
		        "%llu killed after %u s or at exit, %llu could not start; %llu not run: %llu over "
		        "the rate (%u/s), %llu queue full, %llu left at exit\n",
		        (unsigned long long)st->exec_matched, (unsigned long long)k->started,
		        (unsigned long long)k->ok, (unsigned long long)k->failed,
		        (unsigned long long)k->timed_out, o->hooks.timeout_s,
		        (unsigned long long)k->spawn_failed,
		        (unsigned long long)(k->dropped_rate + k->dropped_queue + k->unrun),
		        (unsigned long long)k->dropped_rate, o->hooks.rate,
		        (unsigned long long)k->dropped_queue, (unsigned long long)k->unrun);
	if (st->exec_nomem)
		fprintf(stderr, "sipscope: --exec: %llu matches not run: no memory for the JSON line\n",
		        (unsigned long long)st->exec_nomem);
	if (o->syslog)
		fprintf(stderr, "sipscope: --syslog: %llu lines\n", (unsigned long long)st->syslog_lines);
	if (o->syslog && (st->attack_lines || st->attack_dropped)) /* issue 25: attacks */
		fprintf(stderr, "sipscope: --syslog: %llu attack findings logged, %llu over %d a minute from "
		        "one source not logged\n", (unsigned long long)st->attack_lines,
		        (unsigned long long)st->attack_dropped, ALERT_ATTACK_PER_MIN);
}

int headless_run(const struct headless_args *a)
{
	struct hl h;
	memset(&h, 0, sizeof h);
	h.a = a;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop; /* no SA_RESTART: poll() returns at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	if (open_all(&h) < 0) {
		close_all(&h);
		return 2;
	}
	if (!a->quiet) {
		if (a->nifaces)
			fprintf(stderr, "sipscope: capturing on %s%s%s\n", a->ifaces[0],
			        a->nifaces > 1 ? " and more" : "", a->bpf ? " (filtered)" : "");
		for (size_t i = 0; i < a->nhep_listen; i++)
			fprintf(stderr, "sipscope: listening for HEP on %s\n", a->hep_listen[i]);
		export_calls_header(stdout, a->fmt);
		fflush(stdout);
	}
	char err[512];
	int64_t t_end = a->duration_us ? mono_us() + a->duration_us : 0, last_sweep = mono_us();
	while (!stop_sig) {
		if (hup_sig) {
			hup_sig = 0;
			int r = h.save ? pcap_save_reopen(h.save, err, sizeof err) : 0;
			if (r == -2) { /* no new file: the old one takes the packets */
				fprintf(stderr, "sipscope: warning: SIGHUP: %s\n", err);
				h.rc = h.rc ? h.rc : 1;
			} else if (r < 0) {
				fprintf(stderr, "sipscope: %s\n", err);
				h.rc = 2;
				break;
			}
			if (r > 0 && !a->quiet)
				fprintf(stderr, "sipscope: SIGHUP: writing a new %s\n", pcap_save_path(h.save));
		}
		int r = read_batch(&h);
		tell_lost(&h);
		if (h.hep)
			hep_send_poll(h.hep); /* what the batch queued goes now */
		print_ended(&h);
		if (mono_us() - last_sweep >= 1000000) {
			/* capture time; live, the clock goes on without packets */
			int64_t now = store_last_ts(h.store);
			if (pcap_src_is_live(h.src) && wall_us() > now)
				now = wall_us();
			sweep_challenged(&h, now);
			ingest_tls_poll(h.in, now); /* the key log grew? records waiting for keys */
			if (h.met && metrics_tick(&h, 0) < 0 && h.rc == 0)
				h.rc = 1;
			last_sweep = mono_us();
		}
		evict(&h);
		if (h.met)
			metrics_publish(h.met);
		if (h.save && pcap_save_flush(h.save, err, sizeof err) < 0) {
			fprintf(stderr, "sipscope: %s\n", err);
			h.rc = 2;
			break;
		}
		if (r == PCAP_SRC_END || h.rc == 2)
			break;
		int64_t now = mono_us();
		if (t_end && now >= t_end)
			break;
		if (r == PCAP_SRC_FRAME)
			continue; /* more may be waiting: read before sleeping */
		struct pollfd pfd[PCAP_SRC_MAX_IFACES];
		int fds[PCAP_SRC_MAX_IFACES];
		size_t n = pcap_src_poll_fds(h.src, fds, PCAP_SRC_MAX_IFACES);
		for (size_t i = 0; i < n; i++)
			pfd[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		int64_t wait = POLL_MS;
		if (t_end && (t_end - now) / 1000 + 1 < wait)
			wait = (t_end - now) / 1000 + 1;
		/* A device that cannot be polled (n == 0 live) is read on the
		 * timer: a short one. */
		if (n == 0 && wait > 10)
			wait = 10;
		int hw = h.hep ? hep_send_poll(h.hep) : -1; /* queued HEP waits for the socket */
		if (hw >= 0 && hw < wait)
			wait = hw;
		if (poll(pfd, (nfds_t)n, (int)wait) < 0 && errno != EINTR) {
			fprintf(stderr, "sipscope: poll: %s\n", strerror(errno));
			h.rc = 2;
			break;
		}
	}
	/* Outputs first: the packets are safe on disk before anything else;
	 * the HEP queue gets two seconds to go. */
	if (h.hep)
		hep_send_drain(h.hep, 2000);
	if (h.save && pcap_save_flush(h.save, err, sizeof err) < 0) {
		fprintf(stderr, "sipscope: %s\n", err);
		h.rc = 2;
	}
	pcap_src_hep_discard(h.src); /* what agents sent that is left unread is counted */
	print_rest(&h);
	if (h.met && metrics_last(&h) < 0 && h.rc == 0)
		h.rc = 1;
	if (ingest_stats(h.in)->store_errors) /* said in the closing counts */
		h.rc = h.rc ? h.rc : 1;
	uint64_t saved = h.save ? pcap_save_frames(h.save) : 0;
	unsigned files = h.save ? pcap_save_files(h.save) : 0;
	/* The closing counts come with --quiet too: they are how a lost
	 * packet shows. */
	print_summary(&h, saved, files, h.save ? pcap_save_path(h.save) : "");
	if (h.alert) { /* the last hooks may finish, within their time limit */
		struct alert_stats as;
		alert_close(h.alert, a->alert->hooks.timeout_s * 1000, &as);
		h.alert = NULL;
		print_alert_summary(a->alert, &as);
	}
	int rc = h.rc == 1 ? 1 : h.rc;
	close_all(&h);
	return rc;
}
