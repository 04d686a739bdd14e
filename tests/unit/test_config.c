/* test_config.c - the config files applied through the command line's
 * option table (src/cli/config.c with opts.c): precedence, what a file
 * may set, errors naming the file and line. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/cli/cli.h"
#include "sipscope/alias.h"
#include "sipscope/identity.h"
#include "sipscope/conf.h"

static char dir[] = "/tmp/test_config.XXXXXX";
static char user_file[256], sys_file[256], errfile[256];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* parse_opts over "sipscope calls ARGS... -r x.pcap" with stderr in
 * errfile.  Returns its result; *o filled. */
static int run(struct opts *o, const char *const *args)
{
	char *argv[32];
	int argc = 0;
	argv[argc++] = (char *)"calls";
	static char copies[16][512]; /* getopt may reorder, -c cuts: copies */
	for (size_t i = 0; args && args[i]; i++) {
		snprintf(copies[i], sizeof copies[i], "%s", args[i]);
		argv[argc++] = copies[i];
	}
	argv[argc++] = (char *)"-r";
	argv[argc++] = (char *)"x.pcap";
	argv[argc] = NULL;
	memset(o, 0, sizeof *o);
	o->max_calls = -1;
	alias_clear();
	fflush(stderr);
	int saved = dup(2), fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	int rc = parse_opts(argc, argv, o, "help");
	fflush(stderr);
	dup2(saved, 2); /* cmocka's own messages go to the terminal */
	close(saved);
	return rc;
}

static const char *err_text(void)
{
	static char buf[4096];
	FILE *f = fopen(errfile, "r");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	return buf;
}

static int setup(void **state)
{
	(void)state;
	unlink(user_file);
	unlink(sys_file);
	unsetenv("SSLKEYLOGFILE");
	unsetenv("NO_COLOR");
	unsetenv("TMPDIR");
	return 0;
}

static void test_user_file_over_system_file_both_read(void **state)
{
	(void)state;
	write_file(sys_file, "format csv\ntime delta\nalias 10.0.0.1 sys\n");
	write_file(user_file, "# mine\nformat json\n\nrtp\n");
	struct opts o;
	assert_int_equal(run(&o, NULL), -1);
	assert_string_equal(o.fmt_name, "json");
	assert_int_equal(o.ladder.time, LADDER_TIME_DELTA);
	assert_int_equal(o.rtp, 1);
	assert_int_equal(alias_count(), 1);
	const struct conf_entry *e = conf_get(config_settings(), "format");
	char where[512], want[600];
	conf_source_text(e, where, sizeof where);
	snprintf(want, sizeof want, "%s:2", user_file);
	assert_string_equal(where, want);
	conf_source_text(conf_get(config_settings(), "time"), where, sizeof where);
	snprintf(want, sizeof want, "%s:2", sys_file);
	assert_string_equal(where, want);
	conf_source_text(conf_get(config_settings(), "ascii"), where, sizeof where);
	assert_string_equal(where, "default");
	assert_string_equal(config_save_path(), user_file);
}

static void test_environment_over_file_command_line_over_both(void **state)
{
	(void)state;
	write_file(user_file, "tls-keylog /from/file\ntheme light\nformat json\n");
	struct opts o;
	assert_int_equal(run(&o, NULL), -1);
	assert_string_equal(o.tls.keylog, "/from/file");
	assert_int_equal(o.theme, OPTS_THEME_LIGHT);
	setenv("SSLKEYLOGFILE", "/from/env", 1);
	setenv("NO_COLOR", "1", 1);
	assert_int_equal(run(&o, NULL), -1);
	assert_string_equal(o.tls.keylog, "/from/env");
	assert_int_equal(o.theme, OPTS_THEME_MONO);
	char where[128];
	conf_source_text(conf_get(config_settings(), "theme"), where, sizeof where);
	assert_string_equal(where, "environment (NO_COLOR)");
	const char *const args[] = { "--tls-keylog", "/from/cli", "--theme", "default", "-F", "csv", NULL };
	assert_int_equal(run(&o, args), -1);
	assert_string_equal(o.tls.keylog, "/from/cli");
	assert_int_equal(o.tls.keylog_optional, 0);
	assert_int_equal(o.theme, OPTS_THEME_DEFAULT);
	assert_string_equal(o.fmt_name, "csv");
	conf_source_text(conf_get(config_settings(), "format"), where, sizeof where);
	assert_string_equal(where, "command line"); /* -F is --format */
}

static void test_no_config_and_config_file(void **state)
{
	(void)state;
	write_file(user_file, "format json\n");
	struct opts o;
	const char *const none[] = { "--no-config", NULL };
	assert_int_equal(run(&o, none), -1);
	assert_null(o.fmt_name);
	char other[300];
	snprintf(other, sizeof other, "%s/other", dir);
	write_file(other, "format csv\n");
	write_file(sys_file, "rtp\n");
	const char *const only[] = { "--config", other, NULL };
	assert_int_equal(run(&o, only), -1);
	assert_string_equal(o.fmt_name, "csv");
	assert_int_equal(o.rtp, 0); /* --config FILE: that file alone */
	assert_string_equal(config_save_path(), other);
	const char *const missing[] = { "--config", "/nonexistent/sipscope.conf", NULL };
	assert_int_equal(run(&o, missing), EXIT_USAGE);
	assert_non_null(strstr(err_text(), "/nonexistent/sipscope.conf"));
	const char *const both[] = { "--config", other, "--no-config", NULL };
	assert_int_equal(run(&o, both), EXIT_USAGE);
}

/* A file looked for that cannot be read (here a directory: root reads
 * any mode) is a warning and left out, as when run as nobody with file
 * capabilities; the same file named by --config is an error. */
static void test_unreadable_file_looked_for_is_a_warning(void **state)
{
	(void)state;
	assert_int_equal(mkdir(sys_file, 0755), 0);
	write_file(user_file, "format json\n");
	struct opts o;
	int rc = run(&o, NULL);
	rmdir(sys_file);
	assert_int_equal(rc, -1);
	assert_string_equal(o.fmt_name, "json");
	assert_non_null(strstr(err_text(), sys_file));
	assert_non_null(strstr(err_text(), "its settings left out"));
	assert_int_equal(mkdir(sys_file, 0755), 0);
	const char *const named[] = { "--config", sys_file, NULL };
	rc = run(&o, named);
	rmdir(sys_file);
	assert_int_equal(rc, EXIT_USAGE);
}

/* Each bad line: exit 2 and "FILE:LINE: " on standard error, no usage. */
/* STIR/SHAKEN lines (multi) load into the process's keys. */
static void test_stir_signer_from_the_file(void **state)
{
	(void)state;
	write_file(user_file, "stir-signer 192.0.2.77\nstir-signer 192.0.2.78:5070\n");
	struct opts o;
	assert_int_equal(run(&o, NULL), -1);
	assert_true(identity_keys_must_sign(identity_keys_default(), "192.0.2.77:5060"));
	assert_true(identity_keys_must_sign(identity_keys_default(), "192.0.2.78:5070"));
	assert_false(identity_keys_must_sign(identity_keys_default(), "192.0.2.78:5060"));
}

static void test_bad_lines_name_file_and_line(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		unsigned line;
		const char *says;
	} cases[] = {
		{ "rtp\nbogus 1\n", 2, "unknown setting 'bogus'" },
		{ "# x\n\nread x.pcap\n", 3, "not for a config file" },
		{ "output x\n", 1, "not for a config file" },
		{ "interface eth0\n", 1, "not for a config file" },
		{ "rtp yes\n", 1, "takes no value" },
		{ "time\n", 1, "needs a value" },
		{ "time weird\n", 1, "unknown --time 'weird'" },
		{ "width 5\n", 1, "--width" },
		{ "alias 10.0.0.1\n", 1, "alias needs an address and a name" },
		{ "alias 10.0.0.1 two words\n", 1, "alias needs an address and a name" },
		{ "alias nohost name\n", 1, "not IP" },
		{ "columns index,nope\n", 1, "unknown column 'nope'" },
		{ "sort start:sideways\n", 1, "--sort" },
		{ "theme neon\n", 1, "--theme" },
		{ "--format json\n", 1, "unknown setting" },
		{ "form json\n", 1, "unknown setting 'form'" }, /* no getopt prefixes in files */
		{ "rtp\nformat \x01json\n", 2, "control character" },
		{ "stir-signer trunk.example\n", 1, "--stir-signer needs IP" },
		{ "stir-cert /nonexistent/sp.pem\n", 1, "cannot open" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		write_file(user_file, cases[i].text);
		struct opts o;
		assert_int_equal(run(&o, NULL), EXIT_USAGE);
		char want[600];
		snprintf(want, sizeof want, "%s:%u", user_file, cases[i].line);
		const char *err = err_text();
		if (!strstr(err, want) || !strstr(err, cases[i].says)) {
			print_error("case %zu: '%s'\n", i, err);
			fail();
		}
		assert_null(strstr(err, "Usage:"));
	}
	/* --help works whatever the file says. */
	struct opts o;
	const char *const help[] = { "--help", NULL };
	fflush(stdout);
	int saved = dup(1), null = open("/dev/null", O_WRONLY);
	assert_true(saved >= 0 && null >= 0);
	dup2(null, 1);
	close(null);
	int rc = run(&o, help);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	assert_int_equal(rc, 0);
}

/* A file's setting does not break a command it does not apply to; the
 * same option on the command line still does. */
static void test_file_values_dropped_where_they_do_not_apply(void **state)
{
	(void)state;
	write_file(user_file, "format csv\ntime delta\nmax-calls 10\nbatch-ms 5\nhep-id 7\n");
	struct opts o;
	assert_int_equal(run(&o, NULL), -1);
	config_fit(&o, "stats");
	enum flow_format ff = FLOW_FMT_TEXT;
	assert_int_equal(opts_check_format(&o, "stats", &ff), -1);
	assert_int_equal(o.fmt_given, 0);
	assert_int_equal(o.ladder.time, LADDER_TIME_ABS);
	assert_int_equal(o.max_calls, -1);
	assert_int_equal(o.batch_given, 0);
	assert_int_equal(o.hep_id_given, 0);
	assert_int_equal(run(&o, NULL), -1);
	config_fit(&o, "flow");
	assert_int_equal(o.ladder.time, LADDER_TIME_DELTA); /* flow keeps it */
	const char *const args[] = { "--time", "rel", NULL };
	assert_int_equal(run(&o, args), -1);
	config_fit(&o, "calls");
	assert_int_equal(o.ladder.time, LADDER_TIME_REL); /* the command line's: opts_check refuses it */
}

static void test_alias_and_columns_from_both_add_up(void **state)
{
	(void)state;
	write_file(user_file, "alias 10.0.0.1:5060   proxy\nalias [::1]:5060 lo6\ncolumns index, src ,dst\n"
	                      "sort start:desc\n");
	struct opts o;
	const char *const args[] = { "--alias", "10.0.0.2=gw", NULL };
	assert_int_equal(run(&o, args), -1);
	assert_int_equal(alias_count(), 3);
	assert_int_equal(o.ncols, 3);
	assert_int_equal(o.cols[1], CL_SRC);
	assert_int_equal(o.sort_given, 1);
	assert_int_equal(o.sort_col, CL_START);
	assert_int_equal(o.sort_desc, 1);
	/* Recorded as a file writes them. */
	const struct conf *c = config_settings();
	size_t aliases = 0;
	for (size_t i = 0; i < conf_count(c); i++) {
		const struct conf_entry *e = conf_at(c, i);
		if (strcmp(e->key, "alias"))
			continue;
		aliases++;
		assert_null(strchr(e->val, '='));
	}
	assert_int_equal(aliases, 3);
	const char *const bad[] = { "--alias", "10.0.0.2", NULL };
	assert_int_equal(run(&o, bad), EXIT_USAGE);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	char xdg[100], etc[100];
	snprintf(xdg, sizeof xdg, "%s/xdg", dir);
	snprintf(etc, sizeof etc, "%s/etc", dir);
	snprintf(user_file, sizeof user_file, "%s/sipscope/config", xdg);
	snprintf(sys_file, sizeof sys_file, "%s/sipscope/config", etc);
	snprintf(errfile, sizeof errfile, "%s/stderr", dir);
	mkdir(xdg, 0755);
	mkdir(etc, 0755);
	char d1[400], d2[400];
	snprintf(d1, sizeof d1, "%s/sipscope", xdg);
	snprintf(d2, sizeof d2, "%s/sipscope", etc);
	mkdir(d1, 0755);
	mkdir(d2, 0755);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	setenv("SIPSCOPE_SYSCONFDIR", etc, 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_user_file_over_system_file_both_read, setup),
		cmocka_unit_test_setup(test_environment_over_file_command_line_over_both, setup),
		cmocka_unit_test_setup(test_no_config_and_config_file, setup),
		cmocka_unit_test_setup(test_unreadable_file_looked_for_is_a_warning, setup),
		cmocka_unit_test_setup(test_bad_lines_name_file_and_line, setup),
		cmocka_unit_test_setup(test_file_values_dropped_where_they_do_not_apply, setup),
		cmocka_unit_test_setup(test_alias_and_columns_from_both_add_up, setup),
		cmocka_unit_test_setup(test_stir_signer_from_the_file, setup),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
