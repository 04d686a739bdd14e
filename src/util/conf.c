/* conf.c - settings with their sources; config file lines (conf.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sipscope/conf.h"

#define CONF_LINE_MAX 4096
#define CONF_FILE_MAX (1 << 20) /* a file conf_save rewrites: at most this much */

/* The value of every flag that is off: one shared string, told apart
 * by its address (it is never freed). */
static char flag_off[] = CONF_FLAG_OFF;

struct conf {
	struct conf_entry *e;
	size_t n, cap;
};

struct conf *conf_new(void)
{
	return calloc(1, sizeof(struct conf));
}

static void entry_free(struct conf_entry *e)
{
	free(e->key);
	if (e->val != NULL && e->val != flag_off)
		free(e->val);
}

void conf_free(struct conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		entry_free(&c->e[i]);
	free(c->e);
	free(c);
}

static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

int conf_split(char *line, char **key, char **val, char *err, size_t errlen)
{
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < ' ' && !is_blank(*p)) {
			snprintf(err, errlen, "%s", "a control character in the line");
			return -1;
		}
	while (is_blank(*line))
		line++;
	size_t len = strlen(line);
	while (len && is_blank(line[len - 1]))
		line[--len] = '\0';
	if (!len || line[0] == '#')
		return 0;
	*key = line;
	char *p = line;
	while (*p && !is_blank(*p))
		p++;
	if (!*p) {
		*val = NULL;
		return 1;
	}
	*p++ = '\0';
	while (is_blank(*p))
		p++;
	*val = p;
	return 1;
}

int conf_read(const char *path, int (*fn)(void *ctx, const char *key, const char *val, unsigned line),
              void *ctx, unsigned *bad_line, char *err, size_t errlen)
{
	*bad_line = 0;
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 1;
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	char buf[CONF_LINE_MAX + 2];
	unsigned line = 0;
	int rc = 0;
	while (fgets(buf, sizeof buf, f)) {
		line++;
		size_t len = strlen(buf);
		if (len == sizeof buf - 1 && buf[len - 1] != '\n') {
			snprintf(err, errlen, "longer than %d bytes", CONF_LINE_MAX);
			*bad_line = line;
			rc = -1;
			break;
		}
		if (memchr(buf, '\0', len) != NULL || strlen(buf) != len) {
			snprintf(err, errlen, "%s", "not text (a NUL byte)");
			*bad_line = line;
			rc = -1;
			break;
		}
		char *key, *val, why[80];
		int r = conf_split(buf, &key, &val, why, sizeof why);
		if (r < 0) {
			snprintf(err, errlen, "%s", why);
			*bad_line = line;
			rc = -1;
			break;
		}
		if (r > 0 && (rc = fn(ctx, key, val, line)) != 0)
			break;
	}
	if (!rc && ferror(f)) {
		snprintf(err, errlen, "%s", strerror(errno));
		rc = -1;
	}
	fclose(f);
	return rc;
}

static long find(const struct conf *c, const char *key, const char *val, int match_val)
{
	for (size_t i = 0; i < c->n; i++) {
		if (strcmp(c->e[i].key, key))
			continue;
		if (!match_val)
			return (long)i;
		const char *v = c->e[i].val;
		if ((!v && !val) || (v && val && !strcmp(v, val)))
			return (long)i;
	}
	return -1;
}

int conf_set(struct conf *c, const char *key, const char *val, int multi, enum conf_source src,
             const char *file, unsigned line, const char *env)
{
	char *k = strdup(key);
	char *v = !val ? NULL : !strcmp(val, CONF_FLAG_OFF) ? flag_off : strdup(val);
	if (!k || (val && !v)) {
		free(k);
		return -1;
	}
	long i = find(c, key, val, multi);
	if (i < 0) {
		if (c->n == c->cap) {
			size_t ncap = c->cap ? c->cap * 2 : 32;
			struct conf_entry *e = realloc(c->e, ncap * sizeof *e);
			if (!e) {
				free(k);
				if (v != flag_off)
					free(v);
				return -1;
			}
			c->e = e;
			c->cap = ncap;
		}
		i = (long)c->n++;
	} else {
		entry_free(&c->e[i]);
	}
	c->e[i] = (struct conf_entry){ .key = k, .val = v, .multi = multi, .src = src, .file = file,
		                       .line = line, .env = env };
	return 0;
}

void conf_unset(struct conf *c, const char *key)
{
	size_t o = 0;
	for (size_t i = 0; i < c->n; i++) {
		if (!strcmp(c->e[i].key, key))
			entry_free(&c->e[i]);
		else
			c->e[o++] = c->e[i];
	}
	c->n = o;
}

size_t conf_count(const struct conf *c)
{
	return c->n;
}

const struct conf_entry *conf_at(const struct conf *c, size_t i)
{
	return i < c->n ? &c->e[i] : NULL;
}

const struct conf_entry *conf_get(const struct conf *c, const char *key)
{
	long i = find(c, key, NULL, 0);
	return i < 0 ? NULL : &c->e[i];
}

void conf_source_text(const struct conf_entry *e, char *buf, size_t n)
{
	switch (e->src) {
	case CONF_SRC_SYSTEM:
	case CONF_SRC_USER:
		snprintf(buf, n, "%s:%u", e->file ? e->file : "?", e->line);
		break;
	case CONF_SRC_ENV:
		snprintf(buf, n, "environment (%s)", e->env ? e->env : "?");
		break;
	case CONF_SRC_CLI:
		snprintf(buf, n, "%s", "command line");
		break;
	case CONF_SRC_VIEWER:
		snprintf(buf, n, "%s", "viewer");
		break;
	default:
		snprintf(buf, n, "%s", "default");
		break;
	}
}

/* mkdir -p of the folder that holds path. */
static int make_parent(const char *path)
{
	char dir[4096];
	if (strlen(path) >= sizeof dir)
		return -1;
	strcpy(dir, path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(dir, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static void put_entry(FILE *f, const struct conf_entry *e)
{
	if (e->val == flag_off)
		return;
	if (e->val)
		fprintf(f, "%s %s\n", e->key, e->val);
	else
		fprintf(f, "%s\n", e->key);
}

/* The existing file, whole (NULL with *len 0 when there is none). */
static char *slurp(const char *path, size_t *len, char *err, size_t errlen)
{
	*len = 0;
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno != ENOENT)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	char *buf = malloc(CONF_FILE_MAX + 1);
	size_t n = buf ? fread(buf, 1, CONF_FILE_MAX + 1, f) : 0;
	int bad = !buf || ferror(f) || n > CONF_FILE_MAX;
	fclose(f);
	if (bad) {
		snprintf(err, errlen, "%s: %s", path, !buf ? "out of memory" : n > CONF_FILE_MAX ?
		         "too big to rewrite" : "cannot be read");
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

int conf_save(const struct conf *c, const char *path, int (*keep)(const struct conf_entry *e),
              char *err, size_t errlen)
{
	err[0] = '\0';
	size_t len;
	char *old = slurp(path, &len, err, errlen);
	if (!old && err[0])
		return -1;
	int existed = old != NULL;
	unsigned char *done = calloc(c->n + 1, 1);
	char tmp[4200];
	if (!done || snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path) >= (int)sizeof tmp) {
		snprintf(err, errlen, "%s", done ? "the file name is too long" : "out of memory");
		free(done);
		free(old);
		return -1;
	}
	int fd = make_parent(path) < 0 ? -1 : mkstemp(tmp);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(done);
		free(old);
		return -1;
	}
	if (!old)
		fputs("# sipscope configuration: one long option a line, without the dashes\n"
		      "# (see FILES in sipscope(1)).  Written by the viewer's settings screen.\n",
		      f);
	for (char *p = old; p && *p;) {
		char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		char line[CONF_LINE_MAX + 1], *key, *val, why[80];
		int r = -1;
		if (l <= CONF_LINE_MAX) {
			memcpy(line, p, l);
			line[l] = '\0';
			r = conf_split(line, &key, &val, why, sizeof why);
		}
		int copy = 1;
		if (r > 0) {
			long kept = -1, same = -1;
			for (size_t i = 0; i < c->n; i++) {
				const struct conf_entry *e = &c->e[i];
				if (strcmp(e->key, key) || !keep(e))
					continue;
				if (kept < 0)
					kept = (long)i;
				if (e->multi && !done[i] && ((!e->val && !val) ||
				                             (e->val && val && !strcmp(e->val, val))))
					same = (long)i;
			}
			if (kept >= 0) {
				copy = 0;
				if (c->e[kept].multi) {
					if (same >= 0) { /* the user's own line, as written */
						copy = 1;
						done[same] = 1;
					}
				} else if (!done[kept]) {
					put_entry(f, &c->e[kept]);
					done[kept] = 1;
				}
			}
		}
		if (copy) {
			fwrite(p, 1, l, f);
			putc('\n', f);
		}
		p = nl ? nl + 1 : p + l;
	}
	for (size_t i = 0; i < c->n; i++)
		if (!done[i] && keep(&c->e[i]))
			put_entry(f, &c->e[i]);
	free(done);
	free(old);
	struct stat st; /* the file keeps its mode (mkstemp made it 0600) */
	if (existed && stat(path, &st) == 0)
		fchmod(fileno(f), st.st_mode & 07777);
	int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
