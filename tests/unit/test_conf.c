/* test_conf.c - config lines, files, the record of sources and the save
 * that keeps a user's comments (conf.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sipscope/conf.h"

static void test_split_key_value_comment_and_blank(void **state)
{
	(void)state;
	char a[] = "  format   json  \r\n", b[] = "rtp\n", c[] = "   # a comment\n", d[] = "\t\n";
	char e[] = "alias 10.0.0.1:5060 proxy", f[] = "bad\x01line";
	char *k, *v, err[80];
	assert_int_equal(conf_split(a, &k, &v, err, sizeof err), 1);
	assert_string_equal(k, "format");
	assert_string_equal(v, "json");
	assert_int_equal(conf_split(b, &k, &v, err, sizeof err), 1);
	assert_string_equal(k, "rtp");
	assert_null(v);
	assert_int_equal(conf_split(c, &k, &v, err, sizeof err), 0);
	assert_int_equal(conf_split(d, &k, &v, err, sizeof err), 0);
	assert_int_equal(conf_split(e, &k, &v, err, sizeof err), 1);
	assert_string_equal(v, "10.0.0.1:5060 proxy"); /* the rest of the line, as it is */
	assert_int_equal(conf_split(f, &k, &v, err, sizeof err), -1);
	assert_non_null(strstr(err, "control"));
}

static char tmpdir[] = "/tmp/test_conf.XXXXXX";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *read_all(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

struct seen {
	char lines[16][96];
	size_t n;
	unsigned fail_at; /* the callback refuses this line (0: none) */
};

static int collect(void *ctx, const char *key, const char *val, unsigned line)
{
	struct seen *s = ctx;
	if (line == s->fail_at)
		return 2;
	snprintf(s->lines[s->n++], sizeof s->lines[0], "%u:%s=%s", line, key, val ? val : "(flag)");
	return 0;
}

static void test_read_gives_line_numbers_and_stops_at_a_bad_line(void **state)
{
	(void)state;
	char path[256], err[128];
	unsigned bad;
	snprintf(path, sizeof path, "%s/a", tmpdir);
	write_file(path, "# head\n\nformat json\nrtp\n  time delta\n");
	struct seen s = { .n = 0 };
	assert_int_equal(conf_read(path, collect, &s, &bad, err, sizeof err), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.lines[0], "3:format=json");
	assert_string_equal(s.lines[1], "4:rtp=(flag)");
	assert_string_equal(s.lines[2], "5:time=delta");
	/* The callback's verdict comes back as it is (it said why). */
	struct seen s2 = { .fail_at = 4 };
	assert_int_equal(conf_read(path, collect, &s2, &bad, err, sizeof err), 2);
	assert_int_equal(s2.n, 1);
	/* A control character: the line named, nothing after it read. */
	write_file(path, "rtp\nformat \033[2Jjson\nascii\n");
	struct seen s3 = { .n = 0 };
	assert_int_equal(conf_read(path, collect, &s3, &bad, err, sizeof err), -1);
	assert_int_equal(bad, 2);
	assert_non_null(strstr(err, "control"));
	assert_int_equal(s3.n, 1);
	/* Absent: 1, not an error. */
	snprintf(path, sizeof path, "%s/none", tmpdir);
	assert_int_equal(conf_read(path, collect, &s3, &bad, err, sizeof err), 1);
}

static void test_set_replaces_single_keys_and_adds_multi_ones(void **state)
{
	(void)state;
	struct conf *c = conf_new();
	assert_non_null(c);
	assert_int_equal(conf_set(c, "format", "table", 0, CONF_SRC_DEFAULT, NULL, 0, NULL), 0);
	assert_int_equal(conf_set(c, "format", "json", 0, CONF_SRC_USER, "/u", 3, NULL), 0);
	assert_int_equal(conf_set(c, "format", "csv", 0, CONF_SRC_CLI, NULL, 0, NULL), 0);
	assert_int_equal(conf_set(c, "alias", "10.0.0.1 a", 1, CONF_SRC_SYSTEM, "/etc", 1, NULL), 0);
	assert_int_equal(conf_set(c, "alias", "10.0.0.2 b", 1, CONF_SRC_USER, "/u", 4, NULL), 0);
	assert_int_equal(conf_set(c, "alias", "10.0.0.1 a", 1, CONF_SRC_CLI, NULL, 0, NULL), 0);
	assert_int_equal(conf_count(c), 3);
	const struct conf_entry *e = conf_get(c, "format");
	assert_string_equal(e->val, "csv");
	assert_int_equal(e->src, CONF_SRC_CLI);
	char where[64];
	conf_source_text(conf_at(c, 2), where, sizeof where);
	assert_string_equal(where, "/u:4");
	conf_source_text(conf_at(c, 1), where, sizeof where);
	assert_string_equal(where, "command line"); /* the same alias again: moved */
	assert_int_equal(conf_set(c, "theme", "mono", 0, CONF_SRC_ENV, NULL, 0, "NO_COLOR"), 0);
	conf_source_text(conf_get(c, "theme"), where, sizeof where);
	assert_string_equal(where, "environment (NO_COLOR)");
	conf_unset(c, "alias");
	assert_int_equal(conf_count(c), 2);
	conf_free(c);
}

static int keep_user(const struct conf_entry *e)
{
	return e->src == CONF_SRC_USER || e->src == CONF_SRC_CLI || e->src == CONF_SRC_VIEWER;
}

static void test_save_keeps_comments_and_rewrites_values_in_place(void **state)
{
	(void)state;
	char path[256], err[128];
	snprintf(path, sizeof path, "%s/keep/config", tmpdir);
	char dir[256];
	snprintf(dir, sizeof dir, "%s/keep", tmpdir);
	mkdir(dir, 0755);
	write_file(path, "# mine\nformat json\n\n# hosts\nalias 10.0.0.1 a\nmerge-hosts\nunknown-to-us 1\n");
	struct conf *c = conf_new();
	conf_set(c, "format", "csv", 0, CONF_SRC_CLI, NULL, 0, NULL);        /* replaces line 2 */
	conf_set(c, "alias", "10.0.0.1 a", 1, CONF_SRC_USER, path, 5, NULL); /* stays as is */
	conf_set(c, "alias", "10.0.0.9 z", 1, CONF_SRC_CLI, NULL, 0, NULL);  /* added */
	conf_set(c, "merge-hosts", CONF_FLAG_OFF, 0, CONF_SRC_VIEWER, NULL, 0, NULL); /* dropped */
	conf_set(c, "time", "delta", 0, CONF_SRC_SYSTEM, "/etc", 1, NULL);   /* not the user's */
	conf_set(c, "theme", "mono", 0, CONF_SRC_ENV, NULL, 0, "NO_COLOR");  /* not saved */
	conf_set(c, "rtp", NULL, 0, CONF_SRC_VIEWER, NULL, 0, NULL);         /* a flag: added */
	chmod(path, 0640);
	assert_int_equal(conf_save(c, path, keep_user, err, sizeof err), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640); /* the file keeps its mode */
	assert_string_equal(read_all(path), "# mine\nformat csv\n\n# hosts\nalias 10.0.0.1 a\n"
	                                    "unknown-to-us 1\nalias 10.0.0.9 z\nrtp\n");
	/* No temporary file left beside it. */
	char cmd[512];
	snprintf(cmd, sizeof cmd, "test $(ls %s | wc -l) = 1", dir);
	assert_int_equal(system(cmd), 0);
	/* A new file (its folders made) starts with a header. */
	snprintf(path, sizeof path, "%s/new/sub/config", tmpdir);
	assert_int_equal(conf_save(c, path, keep_user, err, sizeof err), 0);
	const char *text = read_all(path);
	assert_int_equal(text[0], '#');
	assert_non_null(strstr(text, "\nformat csv\nalias 10.0.0.1 a\nalias 10.0.0.9 z\nrtp\n"));
	assert_null(strstr(text, "time"));
	/* A folder that cannot be written: an error, the old file unharmed. */
	if (geteuid() != 0) {
		snprintf(path, sizeof path, "%s/ro", tmpdir);
		mkdir(path, 0555);
		snprintf(path, sizeof path, "%s/ro/config", tmpdir);
		assert_int_equal(conf_save(c, path, keep_user, err, sizeof err), -1);
		assert_non_null(strstr(err, "ro/config"));
	}
	conf_free(c);
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_key_value_comment_and_blank),
		cmocka_unit_test(test_read_gives_line_numbers_and_stops_at_a_bad_line),
		cmocka_unit_test(test_set_replaces_single_keys_and_adds_multi_ones),
		cmocka_unit_test(test_save_keeps_comments_and_rewrites_values_in_place),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "chmod -R u+w %s; rm -rf %s", tmpdir, tmpdir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
