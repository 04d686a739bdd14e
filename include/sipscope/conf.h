/* conf.h - settings and where each came from: the config files' lines
 * ("format json", "rtp", "alias 10.0.0.1 proxy"), the environment, the
 * command line.  The command line applies them through its own option
 * table (src/cli/config.c); this module only splits lines, reads files,
 * records the settings in force with their source, and writes them back
 * to a file (keeping its comments).  It knows no option by name. */
#ifndef SIPSCOPE_CONF_H
#define SIPSCOPE_CONF_H

#include <stddef.h>

enum conf_source {
	CONF_SRC_DEFAULT = 0,
	CONF_SRC_SYSTEM, /* /etc/sipscope/config */
	CONF_SRC_USER,   /* $XDG_CONFIG_HOME/sipscope/config, or --config FILE */
	CONF_SRC_ENV,    /* an environment variable (env names it) */
	CONF_SRC_CLI,    /* the command line */
	CONF_SRC_VIEWER  /* changed in the viewer since it started */
};

#define CONF_FLAG_OFF "off" /* the value of a flag (no argument) that is not set */

struct conf_entry {
	char *key;
	char *val;          /* NULL: a flag that is set; CONF_FLAG_OFF: one not set */
	int multi;          /* the key may come many times (alias): entries add up */
	enum conf_source src;
	const char *file;   /* CONF_SRC_SYSTEM, CONF_SRC_USER: the file (borrowed) */
	unsigned line;      /* ... and its line */
	const char *env;    /* CONF_SRC_ENV: the variable's name (borrowed) */
};

struct conf;

/* An empty record.  NULL on no memory.  Free with conf_free(). */
struct conf *conf_new(void);
void conf_free(struct conf *c);

/* Split one line of a config file in place: leading and trailing blanks
 * go, a line that is blank or starts with '#' is nothing (returns 0);
 * else *key is the first word and *val the rest after blanks (NULL when
 * there is none), returns 1.  Returns -1 with a reason in err for a line
 * that is not text (a control character). */
int conf_split(char *line, char **key, char **val, char *err, size_t errlen);

/* Read path line by line, calling fn(ctx, key, val, line_number) for each
 * setting (conf_split).  Returns 0; 1 when the file does not exist; -1
 * with a reason in err when it cannot be read, or a line is too long or
 * not text (*bad_line: its number, else 0); or the return of fn when fn
 * returns non-zero (fn wrote its reason itself). */
int conf_read(const char *path, int (*fn)(void *ctx, const char *key, const char *val,
                                          unsigned line),
              void *ctx, unsigned *bad_line, char *err, size_t errlen);

/* Record key = val (val NULL: a flag set) from src.  A multi key adds an
 * entry (the same key and value again only moves it to the new source);
 * any other replaces the key's entry.  file and env are borrowed.
 * Returns 0, or -1 on no memory. */
int conf_set(struct conf *c, const char *key, const char *val, int multi, enum conf_source src,
             const char *file, unsigned line, const char *env);
/* Drop every entry of key (a multi key's too).  */
void conf_unset(struct conf *c, const char *key);
size_t conf_count(const struct conf *c);
const struct conf_entry *conf_at(const struct conf *c, size_t i);
/* The (first) entry of key, or NULL. */
const struct conf_entry *conf_get(const struct conf *c, const char *key);
/* Where e came from, for a person: "default", "/etc/sipscope/config:3",
 * "environment (NO_COLOR)", "command line", "viewer". */
void conf_source_text(const struct conf_entry *e, char *buf, size_t n);

/* Write the entries keep() says yes to into path, atomically (a
 * temporary file in the same folder, then rename; the folder is made
 * when missing).  An existing file keeps its comments, blank lines and
 * order: a setting line is rewritten with the value in force, dropped
 * when its key is no longer kept (or a flag is off), and settings it did
 * not have are added at the end; a new file starts with a header
 * comment.  Returns 0, or -1 with a reason in err. */
int conf_save(const struct conf *c, const char *path, int (*keep)(const struct conf_entry *e),
              char *err, size_t errlen);

#endif
