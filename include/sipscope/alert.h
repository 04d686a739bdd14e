/* alert.h - what -N does when a call ends, besides printing it: the
 * alert hooks (--exec FILTER COMMAND: COMMAND gets the call's JSON line,
 * as `calls --format json` prints it, on its standard input) and syslog
 * lines (--syslog), each for the calls its filter matches (calllist.h's
 * filter language).
 *
 * The syslog line (after syslog's own "sipscope[PID]: ") is key=value
 * fields in this order, separated by one space, stable for log parsers
 * (fail2ban's <HOST> is the src= field):
 *   call=N callid="..." method=M state=S status=C src=IP sport=P dst=IP
 *   dport=P transport=T from="..." to="..." errors=E warnings=W
 * status is - without a final response; src and dst are the addresses of
 * the call's first message (IPv6 without brackets), - when unknown;
 * quoted values escape \ and " with a backslash and any byte outside
 * printable ASCII as \xHH.  Severity: warning for a call that failed
 * (alert_call_failed), info otherwise. */
#ifndef SIPSCOPE_ALERT_H
#define SIPSCOPE_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "sipscope/check.h"
#include "sipscope/hooks.h"
#include "sipscope/media.h"
#include "sipscope/store.h"
#include "sipscope/track.h"

struct alert_exec {
	const char *filter;  /* borrowed, lives as long as the alert */
	const char *command; /* run with /bin/sh -c */
};

struct alert_opts {
	const struct alert_exec *execs;
	size_t nexecs;
	struct hooks_opts hooks;   /* --exec-rate, --exec-timeout */
	int syslog;                /* --syslog */
	const char *syslog_filter; /* --syslog-filter, or NULL: calls that failed or have errors */
	int syslog_facility;       /* LOG_USER, LOG_LOCAL0 ... */
};

struct alert;

/* New alerts over s and t (borrowed).  Filters are parsed, the hook
 * runner started and syslog opened.  NULL with a reason in err.  Owner
 * frees with alert_close(). */
struct alert *alert_new(struct store *s, const struct tracker *t, const struct alert_opts *o,
                        char *err, size_t errlen);
/* A warning to show once, or NULL: --syslog without a syslog socket
 * (/dev/log) to write to. */
const char *alert_warning(const struct alert *a);
/* The checker (findings in the JSON line, problem= and the syslog
 * errors=) and the streams (media=) read; borrowed, NULL for none. */
void alert_set_check(struct alert *a, const struct checker *c);
void alert_set_media(struct alert *a, const struct media *m);
/* Call (1-based root) has ended: hooks and syslog for it.  now_us: a
 * monotonic clock (the rate limit).  Never blocks on the commands. */
void alert_call_ended(struct alert *a, uint32_t call, int64_t now_us);
/* The tracker renumbered its calls: drop what was cached by id. */
void alert_forget(struct alert *a);

/* Does the call (1-based root) count as failed for syslog's default:
 * busy, rejected or failed, a final response of 400 or more (a REGISTER's
 * 403, an unanswered 401) unless cancelled, or a finding of severity
 * error. */
int alert_call_failed(const struct tracker *t, const struct checker *c, uint32_t call);
/* The syslog line of a call (format above) into buf, NUL-terminated
 * (cut at n - 1).  Returns the length it needed. */
size_t alert_syslog_line(char *buf, size_t n, struct store *s, const struct tracker *t,
                         const struct checker *c, uint32_t call);

/* --- issue 25: attacks --- */
/* With --syslog, each finding of an attack rule (check_rule_is_attack) is
 * a line of its own, at warning (error: LOG_ERR) whatever the filter, as
 * fail2ban reads it (<HOST> is src=, the attacker: findings sit on its
 * messages):
 *   finding=RULE severity=S src=IP sport=P dst=IP dport=P transport=T
 *   frame=N callid="..." text="..."
 * quoted as above.  A source logs at most ALERT_ATTACK_PER_MIN lines a
 * minute (the checker already reports a rule once per source per window);
 * the rest are counted, not logged.  The per-source table has
 * ALERT_ATTACK_SOURCES slots. */
#define ALERT_ATTACK_PER_MIN 10
#define ALERT_ATTACK_SOURCES 1024
/* The findings c made since the last call: their lines.  now_us: a
 * monotonic clock.  The checker must be the one alert_set_check() gave
 * (a new one starts the count over). */
void alert_findings(struct alert *a, const struct checker *c, int64_t now_us);
/* A finding's line (format above) into buf, NUL-terminated (cut at
 * n - 1).  Returns the length it needed. */
size_t alert_finding_line(char *buf, size_t n, struct store *s, const struct checker *c,
                          const struct check_finding *f);

/* The closing counts, for a summary line. */
struct alert_stats {
	uint64_t exec_matched;  /* calls a --exec filter matched (per --exec, summed) */
	uint64_t exec_nomem;    /* matches not run: no memory for the JSON line */
	struct hooks_stats hooks;
	uint64_t syslog_lines;
	uint64_t attack_lines;   /* issue 25: attack findings logged */
	uint64_t attack_dropped; /* over ALERT_ATTACK_PER_MIN for their source */
};

/* Stop: hooks still queued or running get at most wait_ms (then killed,
 * counted), syslog is closed, a is freed (NULL is fine).  Fills st when
 * set. */
void alert_close(struct alert *a, unsigned wait_ms, struct alert_stats *st);

#endif
