/* alert.c - hooks and syslog lines for calls as they end (alert.h).
 *
 * Each --exec has a call list of its own, used only for its filter
 * (calllist_match: one call at a time, no refresh).  The JSON line is
 * export_call()'s, the one `calls --format json` and -N print, written
 * into memory. */
#include <errno.h>
#include <paths.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "sipscope/alert.h"
#include "sipscope/calllist.h"
#include "sipscope/export.h"

struct alert {
	struct store *s;
	const struct tracker *t;
	const struct checker *chk;
	struct alert_opts o;
	struct calllist **cl;      /* per --exec */
	struct calllist *sys_cl;   /* --syslog-filter, or NULL: the default */
	struct hooks *hooks;
	uint64_t matched, lines, nomem;
	char warning[160];         /* alert_warning() */
	char *json;                /* the JSON line's buffer (open_memstream) */
	size_t json_cap;
	/* --- issue 25: attacks --- */
	size_t fcursor;            /* findings looked at (alert_findings) */
	uint64_t attack_lines, attack_dropped;
	struct { uint64_t key; int64_t start_us; unsigned n; } per_src[ALERT_ATTACK_SOURCES];
};

struct alert *alert_new(struct store *s, const struct tracker *t, const struct alert_opts *o,
                        char *err, size_t errlen)
{
	struct alert *a = calloc(1, sizeof *a);
	if (!a || (o->nexecs && !(a->cl = calloc(o->nexecs, sizeof *a->cl)))) {
		free(a);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->s = s;
	a->t = t;
	a->o = *o;
	char ferr[256];
	for (size_t i = 0; i < o->nexecs; i++) {
		a->cl[i] = calllist_new(s, t);
		if (!a->cl[i]) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		if (calllist_set_filter(a->cl[i], o->execs[i].filter, ferr, sizeof ferr) < 0) {
			snprintf(err, errlen, "--exec '%s': %s", o->execs[i].filter, ferr);
			goto fail;
		}
	}
	if (o->syslog && o->syslog_filter) {
		a->sys_cl = calllist_new(s, t);
		if (!a->sys_cl) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		if (calllist_set_filter(a->sys_cl, o->syslog_filter, ferr, sizeof ferr) < 0) {
			snprintf(err, errlen, "--syslog-filter '%s': %s", o->syslog_filter, ferr);
			goto fail;
		}
	}
	if (o->nexecs && !(a->hooks = hooks_new(&o->hooks, err, errlen)))
		goto fail;
	if (o->syslog) {
		/* syslog(3) drops lines when no daemon listens: say so once,
		 * rather than log into nothing for weeks. */
		if (access(_PATH_LOG, W_OK) < 0)
			snprintf(a->warning, sizeof a->warning, "--syslog: %s: %s (is a syslog daemon "
			         "running?): the lines go nowhere", _PATH_LOG, strerror(errno));
		openlog("sipscope", LOG_PID | LOG_NDELAY, o->syslog_facility);
	}
	return a;
fail:
	alert_close(a, 0, NULL);
	return NULL;
}

const char *alert_warning(const struct alert *a)
{
	return a->warning[0] ? a->warning : NULL;
}

void alert_set_check(struct alert *a, const struct checker *c)
{
	a->chk = c;
	a->fcursor = 0; /* a new checker (after an eviction) starts over */
	for (size_t i = 0; i < a->o.nexecs; i++)
		calllist_set_check(a->cl[i], c);
	if (a->sys_cl)
		calllist_set_check(a->sys_cl, c);
}

void alert_set_media(struct alert *a, const struct media *m)
{
	for (size_t i = 0; i < a->o.nexecs; i++)
		calllist_set_media(a->cl[i], m);
	if (a->sys_cl)
		calllist_set_media(a->sys_cl, m);
}

void alert_forget(struct alert *a)
{
	for (size_t i = 0; i < a->o.nexecs; i++)
		calllist_forget(a->cl[i]);
	if (a->sys_cl)
		calllist_forget(a->sys_cl);
}

int alert_call_failed(const struct tracker *t, const struct checker *c, uint32_t call)
{
	const struct call_info *ci = track_call(t, call - 1);
	switch ((enum call_state)ci->state) {
	case CALL_STATE_BUSY:
	case CALL_STATE_REJECTED:
	case CALL_STATE_FAILED:
		return 1;
	case CALL_STATE_CANCELLED: /* the caller's choice, whatever the 487 */
		return 0;
	default: /* a non-INVITE's 4xx-6xx is its failure (REGISTER 403) */
		if (ci->final_status >= 400)
			return 1;
		break;
	}
	size_t k[3] = { 0, 0, 0 };
	if (c)
		check_call_counts(c, call, k);
	return k[CHECK_ERROR] != 0;
}

/* Append to buf at *at (cut at n - 1, *at counts what was needed). */
static void put(char *buf, size_t n, size_t *at, const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++, (*at)++)
		if (*at + 1 < n)
			buf[*at] = p[i];
}

static void puts_(char *buf, size_t n, size_t *at, const char *p)
{
	put(buf, n, at, p, strlen(p));
}

/* "value" with \ and " escaped, other bytes outside printable ASCII as \xHH. */
static void put_quoted(char *buf, size_t n, size_t *at, struct sv v)
{
	put(buf, n, at, "\"", 1);
	for (size_t i = 0; i < v.len; i++) {
		unsigned char ch = (unsigned char)v.p[i];
		char esc[8];
		if (ch == '"' || ch == '\\') {
			esc[0] = '\\';
			esc[1] = (char)ch;
			put(buf, n, at, esc, 2);
		} else if (ch < 0x20 || ch >= 0x7f) {
			snprintf(esc, sizeof esc, "\\x%02x", ch);
			put(buf, n, at, esc, 4);
		} else {
			put(buf, n, at, (const char *)&ch, 1);
		}
	}
	put(buf, n, at, "\"", 1);
}

/* " KEY=ADDR PORTKEY=PORT" of an endpoint (IPv6 without brackets). */
static void put_endpoint(char *buf, size_t n, size_t *at, const char *key, const char *pkey,
                         const struct store_endpoint *ep)
{
	char tmp[80], out[128];
	const char *ip = "-";
	unsigned port = 0;
	if (ep && store_endpoint_format(ep, tmp, sizeof tmp)) {
		char *colon = strrchr(tmp, ':'); /* "ip:port", "[v6]:port" */
		if (colon) {
			*colon = '\0';
			port = (unsigned)strtoul(colon + 1, NULL, 10);
		}
		ip = tmp;
		if (*ip == '[') {
			ip++;
			char *rb = strchr(tmp, ']');
			if (rb)
				*rb = '\0';
		}
	}
	if (port)
		snprintf(out, sizeof out, " %s=%s %s=%u", key, ip, pkey, port);
	else
		snprintf(out, sizeof out, " %s=%s %s=-", key, ip, pkey);
	puts_(buf, n, at, out);
}

size_t alert_syslog_line(char *buf, size_t n, struct store *s, const struct tracker *t,
                         const struct checker *c, uint32_t call)
{
	const struct call_info *ci = track_call(t, call - 1);
	const struct store_msg *m = ci->nmsgs ? store_msg_at(s, ci->first_msg) : NULL;
	size_t at = 0;
	char tmp[160];
	const char *mn = sip_method_name((enum sip_method)ci->method);
	snprintf(tmp, sizeof tmp, "call=%llu callid=", (unsigned long long)track_call_number(t, call));
	puts_(buf, n, &at, tmp);
	put_quoted(buf, n, &at, store_str(s, ci->call_id));
	char status[16] = "-";
	if (ci->final_status)
		snprintf(status, sizeof status, "%u", ci->final_status);
	snprintf(tmp, sizeof tmp, " method=%s state=%s%s status=%s", mn ? mn : "-",
	         track_state_name((enum call_state)ci->state),
	         ci->flags & CALL_FLAG_CUT ? "/cut" : "", status);
	puts_(buf, n, &at, tmp);
	put_endpoint(buf, n, &at, "src", "sport", m ? store_endpoint(s, m->src) : NULL);
	put_endpoint(buf, n, &at, "dst", "dport", m ? store_endpoint(s, m->dst) : NULL);
	snprintf(tmp, sizeof tmp, " transport=%s from=", m ? export_transport_name(m->transport) : "-");
	puts_(buf, n, &at, tmp);
	put_quoted(buf, n, &at, store_str(s, ci->from));
	puts_(buf, n, &at, " to=");
	put_quoted(buf, n, &at, store_str(s, ci->to));
	size_t k[3] = { 0, 0, 0 };
	if (c)
		check_call_counts(c, call, k);
	snprintf(tmp, sizeof tmp, " errors=%zu warnings=%zu", k[CHECK_ERROR], k[CHECK_WARNING]);
	puts_(buf, n, &at, tmp);
	if (n)
		buf[at < n ? at : n - 1] = '\0';
	return at;
}

/* The call's JSON line (with its newline) in a->json; its length, or 0
 * when memory ran out. */
static size_t json_line(struct alert *a, uint32_t call)
{
	size_t len = 0;
	FILE *f = open_memstream(&a->json, &len);
	if (!f)
		return 0;
	export_call(f, a->s, a->t, a->chk, call - 1, EXPORT_JSON);
	if (fclose(f) != 0)
		return 0;
	return len;
}

void alert_call_ended(struct alert *a, uint32_t call, int64_t now_us)
{
	size_t len = 0;
	int have_json = 0;
	for (size_t i = 0; i < a->o.nexecs; i++) {
		if (!calllist_match(a->cl[i], call))
			continue;
		a->matched++;
		/* The rate decides first: a dropped run costs no JSON line. */
		if (!hooks_admit(a->hooks, now_us))
			continue;
		if (!have_json) {
			free(a->json);
			a->json = NULL;
			len = json_line(a, call);
			have_json = 1;
		}
		if (!len) { /* no memory for the line: not run, and counted so */
			a->nomem++;
			continue;
		}
		hooks_push(a->hooks, a->o.execs[i].command, a->json, len);
	}
	if (!a->o.syslog)
		return;
	int failed = alert_call_failed(a->t, a->chk, call);
	if (a->sys_cl ? !calllist_match(a->sys_cl, call) : !failed)
		return;
	char line[1024];
	alert_syslog_line(line, sizeof line, a->s, a->t, a->chk, call);
	syslog(failed ? LOG_WARNING : LOG_INFO, "%s", line);
	a->lines++;
}

/* --- issue 25: attacks --- */

size_t alert_finding_line(char *buf, size_t n, struct store *s, const struct checker *c,
                          const struct check_finding *f)
{
	const struct store_msg *m = store_msg_at(s, f->msg);
	const struct check_rule_info *ri = check_rule_info((enum check_rule)f->rule);
	size_t at = 0;
	char tmp[160];
	snprintf(tmp, sizeof tmp, "finding=%s severity=%s", ri ? ri->id : "-",
	         check_severity_name((enum check_severity)f->severity));
	puts_(buf, n, &at, tmp);
	put_endpoint(buf, n, &at, "src", "sport", m ? store_endpoint(s, m->src) : NULL);
	put_endpoint(buf, n, &at, "dst", "dport", m ? store_endpoint(s, m->dst) : NULL);
	snprintf(tmp, sizeof tmp, " transport=%s frame=%llu callid=", m ? export_transport_name(m->transport) : "-",
	         m ? (unsigned long long)m->frame : 0ULL);
	puts_(buf, n, &at, tmp);
	put_quoted(buf, n, &at, m ? store_str(s, m->call_id) : sv_make("", 0));
	puts_(buf, n, &at, " text=");
	const char *t = check_text(c, f);
	put_quoted(buf, n, &at, sv_make(t, strlen(t)));
	if (n)
		buf[at < n ? at : n - 1] = '\0';
	return at;
}

/* May source ep log one more attack line at now_us?  At most
 * ALERT_ATTACK_PER_MIN a minute each; the table is direct-mapped (a
 * source taking another's slot starts afresh: bounded, never blocking). */
static int attack_rate_ok(struct alert *a, const struct store_endpoint *ep, int64_t now_us)
{
	uint64_t k = 1469598103934665603ULL;
	size_t len = ep ? (ep->family == 4 ? 4 : 16) : 0;
	for (size_t i = 0; i < len; i++)
		k = (k ^ ep->addr[i]) * 1099511628211ULL;
	k |= 1;
	size_t slot = (size_t)(k >> 7) % ALERT_ATTACK_SOURCES;
	if (a->per_src[slot].key != k || now_us - a->per_src[slot].start_us >= 60000000) {
		a->per_src[slot].key = k;
		a->per_src[slot].start_us = now_us;
		a->per_src[slot].n = 0;
	}
	return ++a->per_src[slot].n <= ALERT_ATTACK_PER_MIN;
}

void alert_findings(struct alert *a, const struct checker *c, int64_t now_us)
{
	if (!c || c != a->chk)
		return;
	size_t n = check_count(c);
	for (; a->fcursor < n; a->fcursor++) {
		const struct check_finding *f = check_at(c, a->fcursor);
		if (!a->o.syslog || !check_rule_is_attack((enum check_rule)f->rule))
			continue;
		const struct store_msg *m = store_msg_at(a->s, f->msg);
		if (!attack_rate_ok(a, m ? store_endpoint(a->s, m->src) : NULL, now_us)) {
			a->attack_dropped++;
			continue;
		}
		char line[1024];
		alert_finding_line(line, sizeof line, a->s, c, f);
		syslog(f->severity == CHECK_ERROR ? LOG_ERR : LOG_WARNING, "%s", line);
		a->attack_lines++;
	}
}

void alert_close(struct alert *a, unsigned wait_ms, struct alert_stats *st)
{
	if (!a)
		return;
	struct alert_stats z;
	memset(&z, 0, sizeof z);
	hooks_close(a->hooks, wait_ms, &z.hooks);
	z.exec_matched = a->matched;
	z.syslog_lines = a->lines;
	z.attack_lines = a->attack_lines;
	z.attack_dropped = a->attack_dropped;
	z.exec_nomem = a->nomem;
	if (st)
		*st = z;
	if (a->o.syslog)
		closelog();
	for (size_t i = 0; a->cl && i < a->o.nexecs; i++)
		calllist_free(a->cl[i]);
	free(a->cl);
	calllist_free(a->sys_cl);
	free(a->json);
	free(a);
}
