/* headless.h - sipscope -N: capture without the viewer, print each call
 * as it ends, optionally save the packets (-w) with rotation. */
#ifndef SIPSCOPE_HEADLESS_H
#define SIPSCOPE_HEADLESS_H

#include <stddef.h>
#include <stdint.h>

#include "sipscope/alert.h"
#include "sipscope/export.h"
#include "sipscope/hep.h"
#include "sipscope/pcap_src.h"

struct headless_args {
	const char *const *ifaces;  /* live interfaces (-i), or none */
	size_t nifaces;
	const char *const *files;   /* or captures (-r; "-" a pipe, read as it comes) */
	size_t nfiles;
	const char *bpf;            /* capture filter, or NULL */
	const char *correlate;
	struct pcap_live_opts live; /* -s, -B, --no-promisc */
	enum export_format fmt;
	int quiet;                  /* no call lines, no banner */
	int rtp;                    /* follow media too */
	int64_t duration_us;        /* stop after this long; 0 = no limit */
	uint64_t max_packets;       /* stop after this many frames; 0 = no limit */
	const char *write;          /* -w FILE, or NULL */
	uint64_t rotate_bytes;      /* -C, bytes */
	unsigned rotate_secs;       /* -G */
	const char *user;           /* -Z USER, or NULL: "nobody" when run as root */
	size_t max_calls;           /* --max-calls: calls kept (oldest finished evicted), 0 = all */
	const char *const *hep_listen; /* --hep-listen URLs (sources besides -i) */
	size_t nhep_listen;
	const char *hep_key;        /* --hep-key: what the collector demands, or NULL */
	const struct hep_send_opts *hep_send; /* --hep-send, or NULL */
	const struct ingest_tls_opts *tls; /* --tls-keylog, --tls-key, or NULL */
	const char *metrics;        /* --metrics [ADDR:]PORT, or NULL */
	const char *metrics_file;   /* --metrics-file PATH, or NULL */
	int findings;               /* --findings: the checker runs without JSON or alerts */
	const struct alert_opts *alert; /* --exec, --syslog, or NULL */
};

/* Run until the capture ends, a limit is reached or SIGINT/SIGTERM comes.
 * Returns an exit code: 0, 1 (damaged input, a capture that stopped),
 * 2 (cannot open, cannot write, cannot drop privileges). */
int headless_run(const struct headless_args *a);

/* Give up root: -Z USER, or "nobody" when started as root without -Z
 * ("-Z root" keeps it): groups, gid and uid, for good (the capabilities
 * go with uid 0).  Not root: the capabilities the process holds (file
 * capabilities, `setcap cap_net_raw,cap_net_admin=eip`, or a service's
 * AmbientCapabilities) are given up, all of them; the uid stays (a -Z
 * naming someone else cannot be honoured, and says so unless quiet).
 * Prints why it failed.  Returns 0 or -1.  -N and the viewer both drop
 * through it, once the capture is open. */
int headless_drop_privileges(const char *user, int quiet);

#endif
