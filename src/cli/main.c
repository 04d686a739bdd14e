/* main.c - command line: sub-commands, options, exit codes.
 *
 * Exit codes: 0 success, 1 partial (damaged input was read up to the
 * damage), 2 usage error or fatal error, 3 `check` found errors. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* The batch commands, as main() recognises them. */
static const struct cli_cmd *const commands[] = {
	&cmd_messages, &cmd_calls, &cmd_stats, &cmd_flow, &cmd_show, &cmd_export, &cmd_db, &cmd_check,
	&cmd_rtp, &cmd_audio,
};

static const struct cli_cmd *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

/* cmd "" is no command: the viewer, -N, or the calls table when standard
 * output is not a terminal. */
static int run(int argc, char **argv, const char *cmd)
{
	struct opts o;
	memset(&o, 0, sizeof o);
	o.max_calls = -1;
	const struct cli_cmd *c = find_command(cmd);
	int rc = parse_opts(argc, argv, &o, c ? c->help : usage_text);
	if (rc >= 0)
		return rc;
	config_fit(&o, cmd);
	enum flow_format ffmt = FLOW_FMT_TEXT;
	if ((rc = opts_check_format(&o, cmd, &ffmt)) >= 0)
		return rc;
	if (o.rules)
		return cmd_check_rules(&o);
	if ((rc = opts_check(&o, cmd)) >= 0)
		return rc;
	if ((rc = cmd_live(&o, cmd)) >= 0)
		return rc;
	if ((rc = calls_stream(&o, cmd)) >= 0)
		return rc;
	char ferr[256];
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
		if (o.sort_given && (!strcmp(cmd, "calls") || !*cmd))
			calllist_set_sort(cl, o.sort_col, o.sort_desc);
	}
	if (!cl || calllist_set_filter(cl, o.filter, ferr, sizeof ferr) < 0 ||
	    calllist_refresh(cl) < 0) {
		fprintf(stderr, "sipscope: out of memory\n");
		calllist_free(cl);
		check_free(chk);
		unload(&l);
		return EXIT_USAGE;
	}
	struct cli_ctx x = { .o = &o, .l = &l, .cl = cl, .chk = chk, .check_rc = check_rc,
		             .media = media, .ffmt = ffmt };
	int out_rc = (c ? c : &cmd_calls)->run(&x);
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
			rc = l.damaged || out_rc < 0 || out_rc == EXIT_PARTIAL ? EXIT_PARTIAL : 0;
		}
	}
	calllist_free(cl);
	check_free(chk);
	unload(&l);
	return rc;
}

int main(int argc, char **argv)
{
	/* A file size limit (ulimit -f) makes a write fail with EFBIG, which
	 * the writers report and count, instead of killing us mid-record. */
	signal(SIGXFSZ, SIG_IGN);
	if (argc < 2)
		return usage_error("%s", "no command or capture given");
	const char *cmd = argv[1];
	if (find_command(cmd))
		return run(argc - 1, argv + 1, cmd);
	if (cmd[0] == '-')
		/* No command: the calls of the capture (the UI will live here). */
		return run(argc, argv, "");
	return usage_error("unknown command '%s' (use messages, calls, stats, flow, show, export, db, "
	                   "check, rtp or audio)",
	                   cmd);
}
