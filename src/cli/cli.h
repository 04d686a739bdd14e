/* cli.h - what the command line's files share (src/cli only): the
 * options, the capture loaded, the exit codes and the table of batch
 * commands.  main.c dispatches; opts.c parses and cross-checks the
 * options; load.c reads the captures; cmd_*.c are the commands (git's
 * builtin/ layout), cmd_live.c the viewer and -N. */
#ifndef SIPSCOPE_CLI_H
#define SIPSCOPE_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "sipscope/calllist.h"
#include "sipscope/check.h"
#include "sipscope/export.h"
#include "sipscope/flowfmt.h"
#include "sipscope/alert.h"
#include "sipscope/hep.h"
#include "sipscope/ingest.h"
#include "sipscope/ladder.h"
#include "sipscope/pcap_src.h"
#include "sipscope/store.h"
#include "sipscope/track.h"

#define EXIT_PARTIAL 1
#define EXIT_USAGE 2
#define EXIT_FINDINGS 3 /* check: errors found */

enum opts_theme { OPTS_THEME_DEFAULT = 0, OPTS_THEME_LIGHT, OPTS_THEME_MONO };

#define OPTS_MAX_EXEC 16  /* --exec given at most this often */
#define OPTS_CODE_MAX 320 /* option codes (getopt_long's values) are below this */

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
	struct ingest_tls_opts tls; /* --tls-keylog ($SSLKEYLOGFILE), --tls-key */
	const char *metrics;   /* -N --metrics [ADDR:]PORT */
	const char *metrics_file; /* -N --metrics-file PATH */
	int findings;             /* -N --findings: run the checker */
	struct alert_exec execs[OPTS_MAX_EXEC]; /* --exec FILTER COMMAND */
	size_t nexecs;
	uint32_t exec_rate;    /* --exec-rate, 0: not given */
	uint32_t exec_timeout; /* --exec-timeout, 0: not given */
	int syslog;            /* --syslog */
	const char *syslog_filter; /* --syslog-filter */
	int syslog_facility;   /* --syslog-facility, -1: not given */
	int audio_split;       /* audio --split */
	int audio_ssrc_given;  /* audio --stream SSRC */
	uint32_t audio_ssrc;
	enum calllist_col cols[CL__COUNT * 2]; /* --columns (ncols 0: the viewer's own) */
	size_t ncols;
	enum calllist_col sort_col; /* --sort COL[:desc] */
	int sort_desc, sort_given;
	enum opts_theme theme; /* --theme, NO_COLOR: mono */
	/* Set by a config file line, not the command line: such a value is
	 * dropped where its option does not apply (config_fit), indexed by
	 * the option's code (opts_longopts[].val) */
	unsigned char from_conf[OPTS_CODE_MAX];
};

struct loaded {
	struct pcap_src *src;
	struct store *store;
	struct tracker *tracker;
	struct ingest *ingest;
	int damaged;
	int from_db; /* read from a database: no frames behind the messages */
};

/* What a batch command works on: the options, the capture loaded, the
 * calls the filter keeps, the findings (NULL when the capture was not
 * checked) and check_update()'s result, the RTP streams (--rtp, or NULL)
 * and, for flow, the --format. */
struct cli_ctx {
	const struct opts *o;
	const struct loaded *l;
	struct calllist *cl;
	const struct checker *chk;
	int check_rc;
	const struct media *media;
	enum flow_format ffmt;
};

/* A batch command: its name, its --help text, and its run: 0, an exit
 * code (EXIT_USAGE: it said why), or < 0 when a message's bytes could
 * not be read again. */
struct cli_cmd {
	const char *name;
	const char *help;
	int (*run)(const struct cli_ctx *x);
};

extern const struct cli_cmd cmd_messages, cmd_calls, cmd_stats, cmd_flow, cmd_show, cmd_export,
	cmd_db, cmd_check, cmd_rtp, cmd_audio;

/* opts.c: the usage text (no command, or a usage error). */
extern const char usage_text[];
/* "sipscope: " fmt, then the usage, on standard error: EXIT_USAGE. */
__attribute__((format(printf, 1, 2)))
int usage_error(const char *fmt, ...);
/* The next usage_error()s name where ("FILE:LINE") and leave the usage
 * out; NULL: back to the usage. */
void usage_error_where(const char *where);
/* The long options (getopt_long's table) and the short ones. */
extern const struct option opts_longopts[];
extern const char opts_shortopts[];
/* Apply option c (its code in opts_longopts, or the short letter) with
 * its argument (NULL when it takes none).  Returns -1 to go on, or an
 * exit code (the message printed). */
int opts_apply(struct opts *o, int c, char *arg, const char *help);
/* Parse options after the command (the config files and the environment
 * first: config_load).  Returns -1 to go on, or an exit code. */
int parse_opts(int argc, char **argv, struct opts *o, const char *help);

/* config.c: the config files ($XDG_CONFIG_HOME/sipscope/config, then
 * $SIPSCOPE_SYSCONFDIR/sipscope/config, default /etc; or --config FILE;
 * none with --no-config) and the environment, applied to o through
 * opts_apply; the settings recorded with their sources.  Returns -1 to
 * go on, or an exit code (a bad line: "FILE:LINE: why", EXIT_USAGE). */
int config_load(int argc, char **argv, struct opts *o);
/* The command line gave option c = arg: recorded as its source (before
 * opts_apply, which may cut arg). */
void config_note_cli(struct opts *o, int c, const char *arg);
/* Drop what a config file set that does not apply to cmd ("": the viewer
 * or -N): `format csv` in the file does not stop 'stats', nor `time
 * delta` 'calls'. */
void config_fit(struct opts *o, const char *cmd);
/* The settings in force and their sources (the viewer shows and saves
 * them), and the file it saves to: --config FILE, else the user's. */
struct conf *config_settings(void);
const char *config_save_path(void);
/* --format for cmd (flow's into *ffmt), and --rules for check only.
 * Returns -1 when they hold, or an exit code (the message printed). */
int opts_check_format(struct opts *o, const char *cmd, enum flow_format *ffmt);
/* The options hang together for cmd (and the viewer or -N when cmd is
 * ""); sets o->rtp when cmd or the filter reads media.  Returns -1 when
 * they do, or an exit code (the message printed). */
int opts_check(struct opts *o, const char *cmd);

/* load.c */
void unload(struct loaded *l);
/* Read every frame of the captures into the store.  Returns 0, or an
 * exit code for a fatal error (message printed). */
int load(const struct opts *o, struct loaded *l);
/* The same; prepare(l, ctx), when not NULL, is called once the pipeline
 * is set up and before the first frame is read (not for a database). */
int load_hooked(const struct opts *o, struct loaded *l, void (*prepare)(struct loaded *l, void *ctx),
                void *ctx);
/* cmd_calls.c: the calls table or CSV of a capture with bounded memory
 * (each call printed once it is over and every call before it is out),
 * when the options allow it (no filter, sort, --columns, --rtp; table or
 * CSV).  Returns -1 when they do not (nothing done), else the exit code. */
int calls_stream(const struct opts *o, const char *cmd);
/* Set up TLS decryption from the options (prints warnings and errors). */
int load_tls(struct ingest *in, const struct ingest_tls_opts *o, int live);
/* The calls a command works on: the --call values, else the calls the
 * list keeps (--filter), narrowed to those with a message --match
 * matches.  Returns 0 with *ids (malloc'd) and *n, or an exit code. */
int select_calls(const struct opts *o, const struct loaded *l, struct calllist *cl, uint32_t **ids,
                 size_t *n);

/* cmd_check.c: check --rules, which reads no capture. */
int cmd_check_rules(const struct opts *o);

/* cmd_live.c: -N (headless) and the viewer.  Returns -1 when neither
 * applies (a batch command goes on), or the exit code of the run. */
int cmd_live(const struct opts *o, const char *cmd);

#endif
