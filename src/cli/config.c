/* config.c - the config files and the environment, applied to the
 * options through the command line's own table (opts_longopts and
 * opts_apply), so that a setting in a file means and checks exactly what
 * the option does; and the record of the settings in force with their
 * sources, which the viewer's settings screen shows and saves.
 *
 * Order (each overrides the one before): defaults, the system file
 * ($SIPSCOPE_SYSCONFDIR/sipscope/config, default /etc/sipscope/config),
 * the user's ($XDG_CONFIG_HOME/sipscope/config, default
 * ~/.config/sipscope/config) -- or --config FILE alone, or none with
 * --no-config --, the environment, the command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "sipscope/conf.h"

/* The options a file may set: the ones that make sense every time.  What
 * names a capture, an output or an action (read, interface, output,
 * call, headless, write, hep-send, db, filter ...) is for one run and is
 * refused in a file, as an unknown name is.  multi: the option adds up
 * when repeated. */
static const struct {
	const char *name;
	int multi;
	const char *dflt; /* what applies when nothing sets it */
} persistent[] = {
	{ "format", 0, "table (flow: text)" },
	{ "time", 0, "abs" },
	{ "width", 0, "the terminal's" },
	{ "merge-hosts", 0, CONF_FLAG_OFF },
	{ "no-sdp", 0, CONF_FLAG_OFF },
	{ "ascii", 0, CONF_FLAG_OFF },
	{ "rtp", 0, CONF_FLAG_OFF },
	{ "columns", 0, "index,start,method,state,status,problems,from,to,msgs,setup,duration,src,dst,ua" },
	{ "sort", 0, "index" },
	{ "theme", 0, "default" },
	{ "correlate", 0, "X-Call-ID, X-CID, Session-ID" },
	{ "alias", 1, NULL },
	{ "tls-keylog", 0, "none" },
	{ "tls-key", 1, NULL },
	{ "stir-cert", 1, NULL },
	{ "stir-ca", 1, NULL },
	{ "stir-signer", 1, NULL },
	{ "spool-dir", 0, "/tmp" },
	{ "max-calls", 0, "100000" },
	{ "snaplen", 0, "262144" },
	{ "buffer-size", 0, "32768" },
	{ "no-promisc", 0, CONF_FLAG_OFF },
	{ "batch-ms", 0, "0 (-N: 20)" },
	{ "hep-id", 0, "2001" },
	{ "hep-key", 0, "none" },
	{ "hep-version", 0, "3" },
	{ "attack", 1, NULL }, /* issue 25: attacks */
};
#define NPERSISTENT (sizeof persistent / sizeof persistent[0])

static struct conf *settings; /* the record (reachable until exit) */
static char save_path[4096];

/* Strings the options point into live as long as the process: a
 * config line's buffer is reused for the next line. */
static char **kept;
static size_t nkept, kept_cap;

static char *keep_str(const char *s)
{
	if (nkept == kept_cap) {
		size_t ncap = kept_cap ? kept_cap * 2 : 32;
		char **k = realloc(kept, ncap * sizeof *k);
		if (!k)
			return NULL;
		kept = k;
		kept_cap = ncap;
	}
	char *d = strdup(s);
	if (d)
		kept[nkept++] = d;
	return d;
}

static long persistent_index(const char *name)
{
	for (size_t i = 0; i < NPERSISTENT; i++)
		if (!strcmp(persistent[i].name, name))
			return (long)i;
	return -1;
}

static const struct option *longopt_named(const char *name)
{
	for (const struct option *lo = opts_longopts; lo->name; lo++)
		if (!strcmp(lo->name, name))
			return lo;
	return NULL;
}

static const struct option *longopt_of(int code)
{
	for (const struct option *lo = opts_longopts; lo->name; lo++)
		if (lo->val == code)
			return lo;
	return NULL;
}

struct file_ctx {
	struct opts *o;
	const char *path; /* kept */
	enum conf_source src;
};

/* One setting of a file: checked and applied as its option would be. */
static int apply_line(void *ctx, const char *key, const char *val, unsigned line)
{
	struct file_ctx *fc = ctx;
	char where[4200];
	snprintf(where, sizeof where, "%s:%u", fc->path, line);
	usage_error_where(where);
	int rc = -1;
	const struct option *lo = longopt_named(key);
	long pi = persistent_index(key);
	char arg[4200];
	if (!lo && pi < 0) {
		rc = usage_error("unknown setting '%.60s' (settings are long options without the "
		                 "dashes: format json)", key);
	} else if (pi < 0) {
		rc = usage_error("'%s' is not for a config file (it names what one run reads, writes "
		                 "or does): give --%s on the command line", key, key);
	} else if (lo->has_arg == no_argument && val) {
		rc = usage_error("'%s' takes no value (a line '%s' alone sets it)", key, key);
	} else if (lo->has_arg != no_argument && !val) {
		rc = usage_error("'%s' needs a value", key);
	} else if (val && !strcmp(key, "alias")) {
		/* "alias IP[:PORT] NAME": --alias IP[:PORT]=NAME */
		const char *sp = val + strcspn(val, " \t");
		const char *name = sp + strspn(sp, " \t");
		if (!*sp || !*name || name[strcspn(name, " \t")] || strchr(val, '='))
			rc = usage_error("%s", "alias needs an address and a name: alias IP[:PORT] NAME");
		else
			snprintf(arg, sizeof arg, "%.*s=%s", (int)(sp - val), val, name);
	} else if (val) {
		snprintf(arg, sizeof arg, "%s", val);
	}
	if (rc < 0) {
		char *a = val ? keep_str(arg) : NULL;
		if (val && !a)
			rc = usage_error("%s", "out of memory");
		else
			rc = opts_apply(fc->o, lo->val, a, usage_text);
	}
	usage_error_where(NULL);
	if (rc >= 0)
		return rc ? rc : EXIT_USAGE;
	fc->o->from_conf[lo->val] = 1;
	char norm[4200]; /* alias as the file writes it: "IP NAME" */
	if (val && !strcmp(key, "alias")) {
		snprintf(norm, sizeof norm, "%s", arg);
		*strchr(norm, '=') = ' ';
		val = norm;
	}
	if (conf_set(settings, key, val, persistent[pi].multi, fc->src, fc->path, line, NULL) < 0)
		return usage_error("%s", "out of memory");
	return 0;
}

/* Read one file.  Returns -1 to go on, or an exit code. */
static int read_file(struct opts *o, const char *path, enum conf_source src, int must_exist)
{
	struct file_ctx fc = { o, keep_str(path), src };
	char err[256];
	if (!fc.path)
		return usage_error("%s", "out of memory");
	unsigned bad_line;
	int rc = conf_read(path, apply_line, &fc, &bad_line, err, sizeof err);
	if (rc == 1 && must_exist)
		return usage_error("--config %s: no such file", path);
	if (rc == -1 && bad_line) {
		fprintf(stderr, "sipscope: %s:%u: %s\n", path, bad_line, err);
		return EXIT_USAGE;
	}
	if (rc == -1 && must_exist) {
		fprintf(stderr, "sipscope: %s: %s\n", path, err);
		return EXIT_USAGE;
	}
	/* A file looked for, not named, that this user may not read (sipscope
	 * run as nobody with file capabilities, or under sudo -u): said, not
	 * fatal.  Behind a directory this user may not search (HOME=/root
	 * kept by setpriv) nothing says it exists: left out silently. */
	struct stat st;
	if (rc == -1 && stat(path, &st) == 0)
		fprintf(stderr, "sipscope: %s: %s (its settings left out)\n", path, err);
	return rc > 1 ? rc : -1;
}

void config_note_cli(struct opts *o, int c, const char *arg)
{
	const struct option *lo = longopt_of(c);
	if (c < 0 || c >= OPTS_CODE_MAX || !lo)
		return;
	o->from_conf[c] = 0;
	long pi = persistent_index(lo->name);
	if (pi < 0 || !settings)
		return;
	char norm[4200];
	if (arg && !strcmp(lo->name, "alias")) {
		snprintf(norm, sizeof norm, "%s", arg);
		char *eq = strchr(norm, '=');
		if (!eq)
			return; /* opts_apply says what is wrong */
		*eq = ' ';
		arg = norm;
	}
	conf_set(settings, lo->name, arg, persistent[pi].multi, CONF_SRC_CLI, NULL, 0, NULL);
}

int config_load(int argc, char **argv, struct opts *o)
{
	/* --config and --no-config first: they say which files apply. */
	const char *file = NULL;
	int none = 0, c, idx;
	opterr = 0;
	optind = 1;
	/* getopt_long sets idx for long options only */
	while ((c = getopt_long(argc, argv, opts_shortopts, opts_longopts, (idx = -1, &idx))) != -1) {
		if (c == 'h' || c == 'V')
			none = -1; /* help and version work whatever the files say */
		if (idx >= 0 && !strcmp(opts_longopts[idx].name, "exec") && optind < argc)
			optind++; /* --exec FILTER COMMAND: the command is its second argument */
		if (c == '?' || c == ':' || idx < 0)
			continue;
		if (!strcmp(opts_longopts[idx].name, "config"))
			file = optarg;
		else if (!strcmp(opts_longopts[idx].name, "no-config") && !none)
			none = 1;
	}
	if (file && none > 0)
		return usage_error("%s", "--config FILE and --no-config: give one");
	conf_free(settings); /* a second load (tests) starts over */
	if (!(settings = conf_new()))
		return usage_error("%s", "out of memory");
	save_path[0] = '\0';
	for (size_t i = 0; i < NPERSISTENT; i++)
		if (persistent[i].dflt &&
		    conf_set(settings, persistent[i].name, persistent[i].dflt, 0, CONF_SRC_DEFAULT, NULL, 0,
		             NULL) < 0)
			return usage_error("%s", "out of memory");

	/* TMPDIR is what --spool-dir sets: the environment's wins over a file. */
	const char *tmpdir = getenv("TMPDIR");
	char *env_tmpdir = tmpdir && *tmpdir ? keep_str(tmpdir) : NULL;
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	if (xdg && *xdg == '/')
		snprintf(save_path, sizeof save_path, "%s/sipscope/config", xdg);
	else if (home && *home)
		snprintf(save_path, sizeof save_path, "%s/.config/sipscope/config", home);
	int rc = -1;
	if (none < 0) {
		rc = -1;
	} else if (file) {
		snprintf(save_path, sizeof save_path, "%s", file);
		rc = read_file(o, file, CONF_SRC_USER, 1);
	} else if (!none) {
		const char *etc = getenv("SIPSCOPE_SYSCONFDIR");
		char sys[4096];
		snprintf(sys, sizeof sys, "%s/sipscope/config", etc && *etc ? etc : "/etc");
		rc = read_file(o, sys, CONF_SRC_SYSTEM, 0);
		if (rc < 0 && save_path[0])
			rc = read_file(o, save_path, CONF_SRC_USER, 0);
	}
	if (rc >= 0)
		return rc;

	/* The environment: over the files, under the command line. */
	const char *keylog = getenv("SSLKEYLOGFILE"); /* as browsers, curl, OpenSSL write it */
	if (keylog && *keylog) {
		o->tls.keylog = keylog;
		o->tls.keylog_optional = 1;
		conf_set(settings, "tls-keylog", keylog, 0, CONF_SRC_ENV, NULL, 0, "SSLKEYLOGFILE");
	}
	if (env_tmpdir) {
		setenv("TMPDIR", env_tmpdir, 1);
		conf_set(settings, "spool-dir", env_tmpdir, 0, CONF_SRC_ENV, NULL, 0, "TMPDIR");
	}
	const char *nc = getenv("NO_COLOR"); /* no-color.org */
	if (nc && *nc) {
		o->theme = OPTS_THEME_MONO;
		conf_set(settings, "theme", "mono", 0, CONF_SRC_ENV, NULL, 0, "NO_COLOR");
	}
	return -1;
}

void config_fit(struct opts *o, const char *cmd)
{
	const struct option *lo;
	int flow = !strcmp(cmd, "flow"), batch = *cmd != '\0';
#define FROM_CONF(name) ((lo = longopt_named(name)) != NULL && o->from_conf[lo->val])
	if (FROM_CONF("format")) {
		enum flow_format ff;
		enum export_format ef;
		int ok;
		if (flow)
			ok = flow_format_parse(o->fmt_name, &ff) == 0;
		else if (!strcmp(cmd, "export"))
			ok = !strcmp(o->fmt_name, "pcap") || !strcmp(o->fmt_name, "pcapng");
		else if (!strcmp(cmd, "show") || !strcmp(cmd, "db") || !strcmp(cmd, "audio"))
			ok = 0;
		else
			ok = export_format_parse(o->fmt_name, &ef) == 0 &&
			     !(ef == EXPORT_CSV && !strcmp(cmd, "stats"));
		if (!ok) {
			o->fmt_given = 0;
			o->fmt_name = NULL;
		}
	}
	if (!flow && batch) {
		if (FROM_CONF("time"))
			o->ladder.time = LADDER_TIME_ABS;
		if (FROM_CONF("width"))
			o->ladder.max_width = 0;
		if (FROM_CONF("merge-hosts"))
			o->ladder.merge_hosts = 0;
		if (FROM_CONF("no-sdp"))
			o->ladder.no_sdp = 0;
	}
	if (batch && FROM_CONF("max-calls"))
		o->max_calls = -1;
	if (!o->nifaces) {
		if (FROM_CONF("snaplen"))
			o->live.snaplen = 0;
		if (FROM_CONF("buffer-size"))
			o->live.buffer_kb = 0;
		if (FROM_CONF("no-promisc"))
			o->live.no_promisc = 0;
		if (FROM_CONF("batch-ms")) {
			o->live.batch_ms = 0;
			o->batch_given = 0;
		}
	}
	if (!o->hep_send.url) {
		if (FROM_CONF("hep-id")) {
			o->hep_id_given = 0;
			o->hep_send.capture_id = 0;
		}
		if (FROM_CONF("hep-version"))
			o->hep_send.version = 0;
		if (FROM_CONF("hep-key") && !o->nhep_listen)
			o->hep_key = o->hep_send.key = NULL;
	}
	if (FROM_CONF("rtp") && o->rules)
		o->rtp = 0;
#undef FROM_CONF
}

struct conf *config_settings(void)
{
	return settings;
}

const char *config_save_path(void)
{
	return save_path;
}
