/* calllist.c - see include/sipscope/calllist.h
 *
 * Rows are rebuilt on each refresh from the tracker's calls: cheap (one
 * pass) next to drawing, and it keeps the list right while calls change
 * during a load.  What costs (the User-Agent from a message's bytes, a
 * regex over every message) is cached per call and redone only when the
 * call gained messages. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sipscope/alias.h"
#include "sipscope/calllist.h"
#include "sipscope/identity.h"
#include "sipscope/escape.h"
#include "sipscope/export.h"
#include "sipscope/sip.h"
#include "sipscope/sip_hdr.h"
#include "sipscope/vec.h"

#define MAX_TERMS 16
#define MAX_HEADERS 96

struct col_def {
	const char *name;  /* title */
	const char *key;   /* --columns / sort name */
	int width;
};

static const struct col_def cols[CL__COUNT] = {
	[CL_INDEX] = { "#", "index", 5 },
	[CL_START] = { "Start", "start", 12 },
	[CL_METHOD] = { "Method", "method", 9 },
	[CL_FROM] = { "From", "from", 26 },
	[CL_TO] = { "To", "to", 26 },
	[CL_CALLID] = { "Call-ID", "callid", 30 },
	[CL_SRC] = { "Source", "src", 21 },
	[CL_DST] = { "Destination", "dst", 21 },
	[CL_MSGS] = { "Msgs", "msgs", 5 },
	[CL_STATE] = { "State", "state", 10 },
	[CL_SETUP] = { "Setup ms", "setup", 6 },
	[CL_DURATION] = { "Dur s", "duration", 7 },
	[CL_STATUS] = { "Code", "status", 4 },
	[CL_UA] = { "User-Agent", "ua", 20 },
	[CL_PROBLEMS] = { "Problems", "problems", 8 },
	[CL_MEDIA] = { "Media", "media", 7 },
	[CL_AGENT] = { "Agent", "agent", 10 },
	[CL_ATTEST] = { "Attest", "attest", 6 },
};

enum term_kind {
	T_WORD, T_METHOD, T_STATE, T_STATUS, T_FROM, T_TO, T_CALLID, T_UA, T_REGEX, T_PROBLEM,
	T_MEDIA, T_AGENT, T_SRC, T_DST
};

#define MEDIA_NONE 0x10000 /* media=none */
#define MEDIA_ANY  0x20000 /* media=any */

struct term {
	enum term_kind kind;
	char *text;   /* owned */
	regex_t re;   /* T_REGEX */
	int rule;     /* T_PROBLEM: enum check_rule, or -1 for a severity */
	int severity; /* T_PROBLEM by severity: at least this */
	uint32_t media; /* T_MEDIA: MEDIA_P_* bit, MEDIA_NONE or MEDIA_ANY */
	uint8_t *hit; /* T_PROBLEM by rule: per call id - 1, made on refresh */
	size_t nhit;
};

struct call_cache {
	uint32_t nmsgs;     /* messages when the entries below were made */
	uint32_t ua;        /* interned User-Agent + 1, 0 = not looked up */
	int8_t regex_match; /* -1 unknown, 0, 1 */
	char attest[4];     /* CL_ATTEST's text, "" = not looked up */
	uint32_t attest_n;  /* the call's messages when it was */
};

struct calllist {
	struct store *s;
	const struct tracker *t;
	const struct checker *check;
	const struct media *media;
	struct calllist_media *msum; /* per call id - 1, made on refresh */
	size_t nmsum;
	uint32_t *rows;
	size_t nrows, rows_cap;
	size_t total;
	struct call_cache *cache;
	size_t cache_cap;
	struct term terms[MAX_TERMS];
	size_t nterms;
	const struct term *first_regex; /* the term the per-call cache is for */
	size_t prep_next;  /* calllist_filter_prepare(): the next call id - 1 to check */
	enum calllist_col sort;
	int desc;
	int64_t clock_us;  /* calllist_set_clock(), or 0: the capture's last message */
	int64_t now_us;    /* the clock at the last refresh */
	int multi_day;     /* the calls start on more than one day: dates in Start */
	char *buf;   /* a message's bytes, NUL-terminated, for regexec */
	size_t buf_cap;
};

const char *calllist_col_name(enum calllist_col c)
{
	return c < CL__COUNT ? cols[c].name : "?";
}

int calllist_col_width(enum calllist_col c)
{
	return c < CL__COUNT ? cols[c].width : 0;
}

int calllist_col_fit(struct calllist *cl, enum calllist_col c, size_t from, size_t n, int limit)
{
	if (c >= CL__COUNT)
		return 0;
	int w = (int)strlen(cols[c].name) + 1; /* the sort arrow */
	if (c == CL_INDEX) { /* the highest number known: steady while scrolling */
		size_t nc = track_call_count(cl->t);
		char num[24];
		int k = snprintf(num, sizeof num, "%llu",
		                 (unsigned long long)(nc ? track_call_number(cl->t, (uint32_t)nc) : 0));
		if (k > w)
			w = k;
	} else {
		char cell[256];
		for (size_t r = from; r < from + n && r < cl->nrows; r++) {
			calllist_cell(cl, cl->rows[r], c, cell, sizeof cell);
			int k = (int)esc_cols(cell);
			if (k > w)
				w = k;
		}
	}
	return limit > 0 && w > limit ? limit : w;
}

int calllist_col_parse(const char *name)
{
	for (int i = 0; i < CL__COUNT; i++)
		if (!strcasecmp(name, cols[i].key))
			return i;
	return -1;
}

struct calllist *calllist_new(struct store *s, const struct tracker *t)
{
	struct calllist *cl = calloc(1, sizeof *cl);
	if (!cl)
		return NULL;
	cl->s = s;
	cl->t = t;
	return cl;
}

static void clear_terms(struct calllist *cl)
{
	for (size_t i = 0; i < cl->nterms; i++) {
		if (cl->terms[i].kind == T_REGEX)
			regfree(&cl->terms[i].re);
		free(cl->terms[i].text);
		free(cl->terms[i].hit);
	}
	cl->nterms = 0;
	cl->first_regex = NULL;
}

void calllist_free(struct calllist *cl)
{
	if (!cl)
		return;
	clear_terms(cl);
	free(cl->rows);
	free(cl->cache);
	free(cl->buf);
	free(cl->msum);
	free(cl);
}

int calllist_regcomp(regex_t *re, const char *pattern, char *err, size_t errlen)
{
	int rc = regcomp(re, pattern, REG_EXTENDED | REG_ICASE | REG_NOSUB | REG_NEWLINE);
	if (rc) {
		char why[128];
		regerror(rc, re, why, sizeof why);
		snprintf(err, errlen, "bad regular expression '%s': %s", pattern, why);
		return -1;
	}
	return 0;
}

static const struct { const char *key; enum term_kind kind; } term_keys[] = {
	{ "method", T_METHOD }, { "state", T_STATE }, { "status", T_STATUS },
	{ "from", T_FROM },     { "to", T_TO },       { "callid", T_CALLID },
	{ "call-id", T_CALLID }, { "ua", T_UA },        { "problem", T_PROBLEM },
	{ "media", T_MEDIA },    { "agent", T_AGENT },     { "src", T_SRC },
	{ "dst", T_DST },
};

void calllist_set_media(struct calllist *cl, const struct media *m)
{
	cl->media = m;
	free(cl->msum);
	cl->msum = NULL;
	cl->nmsum = 0;
}

struct calllist_media *calllist_media_sum(const struct tracker *t, const struct media *m, size_t *n)
{
	*n = track_call_count(t);
	struct calllist_media *v = calloc(*n ? *n : 1, sizeof *v);
	if (!v) {
		*n = 0;
		return NULL;
	}
	size_t ns = m ? media_stream_count(m) : 0;
	for (size_t i = 0; i < ns; i++) {
		const struct media_stream *ms = media_stream(m, i);
		uint32_t leg = ms->h_call_id ? track_find_call(t, ms->h_call_id) : 0;
		uint32_t root = leg ? track_call_root(t, leg) : 0;
		if (!root || root > *n)
			continue;
		v[root - 1].streams++;
		v[root - 1].problems |= ms->problems;
	}
	return v;
}

void calllist_media_text(char *buf, size_t n, const struct calllist_media *cm)
{
	if (!cm || !cm->streams)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%u RTP%s", cm->streams, cm->problems ? "!" : "");
}

/* The media summary of a call (made on refresh), or NULL. */
static const struct calllist_media *media_of(const struct calllist *cl, uint32_t call)
{
	return cl->media && call && call <= cl->nmsum ? &cl->msum[call - 1] : NULL;
}

/* media=VALUE.  Returns 0, or -1 with err. */
static int parse_media(struct term *tm, char *err, size_t errlen)
{
	static const struct { const char *name; uint32_t bit; } names[] = {
		{ "none", MEDIA_NONE },       { "any", MEDIA_ANY },       { "one-way", MEDIA_P_ONE_WAY },
		{ "loss", MEDIA_P_LOSS },     { "nat", MEDIA_P_NAT },     { "codec", MEDIA_P_CODEC },
		{ "gap", MEDIA_P_GAP },       { "after-bye", MEDIA_P_AFTER_BYE },
		{ "unannounced", MEDIA_P_UNANNOUNCED },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcasecmp(tm->text, names[i].name)) {
			tm->media = names[i].bit;
			return 0;
		}
	snprintf(err, errlen, "unknown media problem '%s' (use none, any, one-way, loss, nat, codec, "
	         "gap, after-bye or unannounced)", tm->text);
	return -1;
}

void calllist_set_check(struct calllist *cl, const struct checker *c)
{
	cl->check = c;
}

void calllist_problems_text(char *buf, size_t n, const size_t counts[3])
{
	static const char letter[3] = { 'I', 'W', 'E' };
	size_t o = 0;
	if (!n)
		return;
	buf[0] = '\0';
	for (int sev = CHECK_ERROR; sev >= CHECK_INFO; sev--) {
		if (!counts[sev] || o >= n)
			continue;
		int k = snprintf(buf + o, n - o, "%s%zu%c", o ? " " : "", counts[sev], letter[sev]);
		if (k > 0)
			o += (size_t)k;
	}
	if (!o)
		snprintf(buf, n, "-");
}

/* problem=VALUE: a severity name or a rule id.  Returns 0, or -1 with err. */
static int parse_problem(struct term *tm, char *err, size_t errlen)
{
	static const char *const sev[] = { "info", "warning", "error" };
	tm->rule = -1;
	for (int i = 0; i < 3; i++)
		if (!strcasecmp(tm->text, sev[i])) {
			tm->severity = i;
			return 0;
		}
	tm->rule = check_rule_parse(tm->text);
	if (tm->rule >= 0)
		return 0;
	snprintf(err, errlen, "unknown problem '%s' (use error, warning, info or a rule id from "
	         "'sipscope check --rules')", tm->text);
	return -1;
}

int calllist_set_filter(struct calllist *cl, const char *expr, char *err, size_t errlen)
{
	struct term terms[MAX_TERMS];
	size_t n = 0;
	const char *p = expr ? expr : "";
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		const char *end = p;
		while (*end && *end != ' ' && *end != '\t')
			end++;
		if (n == MAX_TERMS) {
			snprintf(err, errlen, "too many filter terms (at most %d)", MAX_TERMS);
			goto fail;
		}
		struct term *tm = &terms[n];
		memset(tm, 0, sizeof *tm);
		tm->kind = T_WORD;
		const char *val = p;
		const char *eq = memchr(p, '=', (size_t)(end - p));
		if (*p == '~') {
			tm->kind = T_REGEX;
			val = p + 1;
		} else if (eq) {
			size_t kl = (size_t)(eq - p), k;
			for (k = 0; k < sizeof term_keys / sizeof term_keys[0]; k++)
				if (strlen(term_keys[k].key) == kl && !strncasecmp(p, term_keys[k].key, kl))
					break;
			if (k == sizeof term_keys / sizeof term_keys[0]) {
				snprintf(err, errlen, "unknown filter key '%.*s' (use method, state, status, "
				         "from, to, src, dst, callid, ua, problem, media, agent)", (int)kl, p);
				goto fail;
			}
			tm->kind = term_keys[k].kind;
			val = eq + 1;
		}
		tm->text = strndup(val, (size_t)(end - val));
		if (!tm->text) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		if (tm->kind == T_REGEX && calllist_regcomp(&tm->re, tm->text, err, errlen) < 0) {
			free(tm->text);
			goto fail;
		}
		if (tm->kind == T_PROBLEM && parse_problem(tm, err, errlen) < 0) {
			free(tm->text);
			goto fail;
		}
		if (tm->kind == T_MEDIA && parse_media(tm, err, errlen) < 0) {
			free(tm->text);
			goto fail;
		}
		if (tm->kind == T_AGENT && strcmp(tm->text, "-") &&
		    (!*tm->text || strspn(tm->text, "0123456789") != strlen(tm->text) ||
		     strlen(tm->text) > 10)) {
			snprintf(err, errlen, "agent= needs a HEP capture id (a number) or -, not '%s'",
			         tm->text);
			free(tm->text);
			goto fail;
		}
		n++;
		p = end;
	}
	clear_terms(cl);
	memcpy(cl->terms, terms, n * sizeof terms[0]);
	cl->nterms = n;
	cl->first_regex = NULL;
	for (size_t i = 0; i < n && !cl->first_regex; i++)
		if (cl->terms[i].kind == T_REGEX)
			cl->first_regex = &cl->terms[i];
	for (size_t i = 0; i < cl->cache_cap; i++)
		cl->cache[i].regex_match = -1;
	cl->prep_next = 0;
	return 0;
fail:
	for (size_t i = 0; i < n; i++) {
		if (terms[i].kind == T_REGEX)
			regfree(&terms[i].re);
		free(terms[i].text);
	}
	return -1;
}

void calllist_set_sort(struct calllist *cl, enum calllist_col c, int descending)
{
	cl->sort = c < CL__COUNT ? c : CL_INDEX;
	cl->desc = descending;
}

enum calllist_col calllist_sort_col(const struct calllist *cl, int *descending)
{
	if (descending)
		*descending = cl->desc;
	return cl->sort;
}

void calllist_forget(struct calllist *cl)
{
	free(cl->cache);
	cl->cache = NULL;
	cl->cache_cap = 0;
	free(cl->msum);
	cl->msum = NULL;
	cl->nmsum = 0;
	cl->nrows = cl->total = 0;
}

static struct call_cache *cache_of(struct calllist *cl, uint32_t call)
{
	if (call > cl->cache_cap) {
		size_t old = cl->cache_cap;
		if (vec_grow((void **)&cl->cache, &cl->cache_cap, call, sizeof *cl->cache) < 0)
			return NULL;
		memset(cl->cache + old, 0, (cl->cache_cap - old) * sizeof *cl->cache);
		for (size_t i = old; i < cl->cache_cap; i++)
			cl->cache[i].regex_match = -1;
	}
	return &cl->cache[call - 1];
}

/* The message's bytes as a C string (for regexec), or NULL. */
static const char *msg_cstr(struct calllist *cl, size_t idx)
{
	size_t len;
	const char *b = store_msg_bytes(cl->s, idx, &len);
	if (!b)
		return NULL;
	if (len + 1 > cl->buf_cap) {
		char *nb = realloc(cl->buf, len + 1);
		if (!nb)
			return NULL;
		cl->buf = nb;
		cl->buf_cap = len + 1;
	}
	memcpy(cl->buf, b, len);
	cl->buf[len] = '\0';
	return cl->buf;
}

int calllist_msg_grep(struct calllist *cl, size_t idx, const regex_t *re)
{
	const char *text = msg_cstr(cl, idx);
	return text && regexec(re, text, 0, NULL, 0) == 0;
}

int calllist_call_grep(struct calllist *cl, uint32_t call, const regex_t *re)
{
	/* Each leg's own chain of messages: not the capture between them. */
	for (uint32_t l = call; l; l = track_call(cl->t, l - 1)->next_leg) {
		const struct call_info *c = track_call(cl->t, l - 1);
		if (!c->nmsgs)
			continue;
		for (uint32_t i = c->last_msg + 1; i; i = track_prev_in_call(cl->t, i - 1))
			if (calllist_msg_grep(cl, i - 1, re))
				return 1;
	}
	return 0;
}

/* The User-Agent of the call's first request (or Server of its first
 * response); cached. */
static struct sv call_ua(struct calllist *cl, uint32_t call)
{
	struct call_cache *cc = cache_of(cl, call);
	if (cc && cc->ua)
		return store_str(cl->s, cc->ua - 1);
	const struct call_info *c = track_call(cl->t, call - 1);
	struct sv ua = SV_NULL;
	size_t len;
	const char *b = c->nmsgs ? store_msg_bytes(cl->s, c->first_msg, &len) : NULL;
	struct sip_header hdrs[MAX_HEADERS];
	struct sip_msg m;
	if (b && sip_parse(b, len, SIP_PARSE_DATAGRAM, &m, hdrs, MAX_HEADERS) > 0) {
		ua = sip_header_get(&m, SIP_H_USER_AGENT);
		if (!sv_is_set(ua))
			ua = sip_header_get(&m, SIP_H_SERVER);
	}
	if (!sv_is_set(ua))
		ua = sv_make("", 0);
	uint32_t id = store_intern(cl->s, ua);
	if (cc && id)
		cc->ua = id + 1;
	return id ? store_str(cl->s, id) : SV_NULL;
}

/* The attestation of the call's first INVITE that carries Identity (its
 * legs too, at most 4096 messages a leg looked at): "A", "B", "C" as its
 * PASSporT says ("?" for none or another value), with "!" when it does
 * not verify (identity_check: what show and check say), "-" when no
 * INVITE is signed.  Cached until the call has more messages. */
static const char *call_attest(struct calllist *cl, uint32_t call)
{
	static char none[] = "-";
	struct call_cache *cc = cache_of(cl, call);
	struct call_totals tot;
	track_call_totals(cl->t, call, &tot);
	if (cc && cc->attest[0] && cc->attest_n == tot.nmsgs)
		return cc->attest;
	char *out = cc ? cc->attest : none;
	struct identity *id = malloc(sizeof *id);
	snprintf(out, 4, "-");
	int64_t best = -1;
	for (uint32_t l = call; l && id; l = track_call(cl->t, l - 1)->next_leg) {
		const struct call_info *c = track_call(cl->t, l - 1);
		size_t budget = 4096;
		for (uint32_t i = c->nmsgs ? c->last_msg + 1 : 0; i && budget--; i = track_prev_in_call(cl->t, i - 1)) {
			const struct store_msg *r = store_msg_at(cl->s, i - 1);
			if (!(r->flags & STORE_MSG_REQUEST) || r->method != SIP_M_INVITE ||
			    (r->flags & STORE_MSG_RETRANS) || (best >= 0 && r->ts_us > best))
				continue;
			size_t len;
			const char *b = store_msg_bytes(cl->s, i - 1, &len);
			struct sip_header hdrs[MAX_HEADERS];
			struct sip_msg m;
			if (!b || sip_parse(b, len, SIP_PARSE_DATAGRAM, &m, hdrs, MAX_HEADERS) <= 0)
				continue;
			struct sv v = sip_header_get(&m, SIP_H_IDENTITY);
			if (!sv_is_set(v))
				continue;
			int verdict = identity_check(v, identity_keys_default(), r->ts_us / 1000000, id, NULL, NULL, 0);
			char a = id->attest.len == 1 && id->attest.p[0] >= 'A' && id->attest.p[0] <= 'C' ? id->attest.p[0] : '?';
			snprintf(out, 4, "%c%s", a, verdict == IDENTITY_BAD ? "!" : "");
			best = r->ts_us;
		}
	}
	free(id);
	if (cc)
		cc->attest_n = tot.nmsgs;
	return out;
}

/* The HEP agents of a call's messages (its legs too): the capture id of
 * the first one in *first (when first is set), and whether any has the
 * capture id want (-1: came without HEP; -2: no test).  Returns 1 when
 * one matched, and *many when there were several agents. */
static int call_agents(struct calllist *cl, uint32_t call, int64_t want, int64_t *first, int *many)
{
	int found = 0;
	int64_t seen = -3;
	*first = -1;
	*many = 0;
	for (uint32_t l = call; l; l = track_call(cl->t, l - 1)->next_leg) {
		const struct call_info *c = track_call(cl->t, l - 1);
		if (!c->nmsgs)
			continue;
		for (uint32_t i = c->last_msg + 1; i; i = track_prev_in_call(cl->t, i - 1)) {
			const struct store_msg *m = store_msg_at(cl->s, i - 1);
			int64_t id = m->agent ? (int64_t)store_agent_capture_id(cl->s, m->agent) : -1;
			if (id == want)
				found = 1;
			if (l == call && i - 1 == c->first_msg)
				*first = id;
			if (seen == -3)
				seen = id;
			else if (id != seen)
				*many = 1;
		}
	}
	return found;
}

static int contains_ci(struct sv hay, const char *needle)
{
	size_t n = strlen(needle);
	if (!n)
		return 1;
	for (size_t i = 0; i + n <= hay.len; i++)
		if (!strncasecmp(hay.p + i, needle, n))
			return 1;
	return 0;
}

static struct sv cstr(const char *s)
{
	return sv_make(s, s ? strlen(s) : 0);
}

/* The first message's source (src) or destination of leg l, formatted
 * as "ip:port" ("[v6]:port"), into buf; "" when the leg has none. */
static void leg_endpoint(struct calllist *cl, uint32_t l, int src, char *buf, size_t n)
{
	const struct call_info *c = track_call(cl->t, l - 1);
	const struct store_msg *m = c->nmsgs ? store_msg_at(cl->s, c->first_msg) : NULL;
	buf[0] = '\0';
	if (m)
		store_endpoint_format(store_endpoint(cl->s, src ? m->src : m->dst), buf, n);
}

/* leg_endpoint's address, or its alias (alias.h) when one applies. */
static void leg_endpoint_named(struct calllist *cl, uint32_t l, int src, char *buf, size_t n)
{
	const struct call_info *c = track_call(cl->t, l - 1);
	const struct store_msg *m = c->nmsgs ? store_msg_at(cl->s, c->first_msg) : NULL;
	if (!m || !alias_format(store_endpoint(cl->s, src ? m->src : m->dst), buf, n))
		leg_endpoint(cl, l, src, buf, n);
}

/* Does leg l (one Call-ID of a merged call) match the term?  Terms other
 * than problem=, media=, agent= and ~regex (which read the whole call)
 * are asked of each leg: a B2BUA's B-leg has its own From, To,
 * addresses, User-Agent and final status. */
static int leg_matches(struct calllist *cl, uint32_t l, const struct term *tm)
{
	const struct call_info *c = track_call(cl->t, l - 1);
	char ep[64];
	switch (tm->kind) {
	case T_WORD:
		return contains_ci(store_str(cl->s, c->from), tm->text) ||
		       contains_ci(store_str(cl->s, c->to), tm->text) ||
		       contains_ci(store_str(cl->s, c->call_id), tm->text);
	case T_METHOD:
		return sv_eq_ci(cstr(sip_method_name((enum sip_method)c->method)), tm->text);
	case T_STATE:
		return !strncasecmp(track_state_name((enum call_state)c->state), tm->text, strlen(tm->text));
	case T_STATUS:
		return c->final_status && (unsigned)atoi(tm->text) == c->final_status;
	case T_FROM: return contains_ci(store_str(cl->s, c->from), tm->text);
	case T_TO: return contains_ci(store_str(cl->s, c->to), tm->text);
	case T_CALLID: return contains_ci(store_str(cl->s, c->call_id), tm->text);
	case T_UA: return contains_ci(call_ua(cl, l), tm->text);
	case T_SRC:
	case T_DST:
		leg_endpoint(cl, l, tm->kind == T_SRC, ep, sizeof ep);
		if (contains_ci(cstr(ep), tm->text))
			return 1;
		leg_endpoint_named(cl, l, tm->kind == T_SRC, ep, sizeof ep); /* src=proxy */
		return contains_ci(cstr(ep), tm->text);
	default: return 0;
	}
}

static int term_matches(struct calllist *cl, uint32_t call, const struct term *tm)
{
	switch (tm->kind) {
	case T_WORD:
	case T_METHOD:
	case T_STATE:
	case T_STATUS:
	case T_FROM:
	case T_TO:
	case T_CALLID:
	case T_UA:
	case T_SRC:
	case T_DST:
		for (uint32_t l = call; l; l = track_call(cl->t, l - 1)->next_leg)
			if (leg_matches(cl, l, tm))
				return 1;
		return 0;
	case T_PROBLEM: {
		if (!cl->check)
			return 0;
		if (tm->rule >= 0)
			return call <= tm->nhit && tm->hit[call - 1];
		size_t counts[3];
		check_call_counts(cl->check, call, counts);
		for (int sev = tm->severity; sev <= CHECK_ERROR; sev++)
			if (counts[sev])
				return 1;
		return 0;
	}
	case T_MEDIA: {
		const struct calllist_media *cm = media_of(cl, call);
		if (!cm)
			return 0;
		if (tm->media == MEDIA_NONE)
			return cm->streams == 0;
		if (tm->media == MEDIA_ANY)
			return cm->streams > 0;
		return (cm->problems & tm->media) != 0;
	}
	case T_AGENT: {
		int64_t first;
		int many;
		return call_agents(cl, call, strcmp(tm->text, "-") ? strtoll(tm->text, NULL, 10) : -1,
		                   &first, &many);
	}
	case T_REGEX: {
		/* The cache holds the first regex term's answer only. */
		struct call_cache *cc = tm == cl->first_regex ? cache_of(cl, call) : NULL;
		struct call_totals tot;
		track_call_totals(cl->t, call, &tot);
		if (cc && cc->nmsgs == tot.nmsgs && cc->regex_match >= 0)
			return cc->regex_match;
		int m = calllist_call_grep(cl, call, &tm->re);
		if (cc) {
			cc->nmsgs = tot.nmsgs;
			cc->regex_match = (int8_t)m;
		}
		return m;
	}
	}
	return 0;
}

static struct calllist *sort_ctx; /* qsort has no context argument in C11 */

static int cmp_sv(struct sv a, struct sv b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int r = n ? strncasecmp(a.p, b.p, n) : 0;
	return r ? r : (a.len > b.len) - (a.len < b.len);
}

static int64_t num_key(struct calllist *cl, uint32_t call, enum calllist_col col)
{
	const struct call_info *c = track_call(cl->t, call - 1);
	struct call_totals tot;
	switch (col) {
	case CL_START:
		track_call_totals(cl->t, call, &tot);
		return tot.start_us;
	case CL_MSGS:
		track_call_totals(cl->t, call, &tot);
		return tot.nmsgs;
	case CL_STATE: return c->state;
	case CL_SETUP: return c->final_us ? c->final_us - c->start_us : -1;
	case CL_DURATION: return track_call_duration_us(c, cl->now_us); /* ticks: the refresh's clock */
	case CL_STATUS: return c->final_status;
	case CL_AGENT: {
		const struct store_msg *m = c->nmsgs ? store_msg_at(cl->s, c->first_msg) : NULL;
		return m && m->agent ? (int64_t)store_agent_capture_id(cl->s, m->agent) : -1;
	}
	case CL_METHOD: return c->method;
	case CL_PROBLEMS: {
		size_t k[3] = { 0, 0, 0 };
		if (cl->check)
			check_call_counts(cl->check, call, k);
		/* errors first, then warnings, then info */
		return (int64_t)((uint64_t)k[CHECK_ERROR] << 40 | (uint64_t)k[CHECK_WARNING] << 20 |
		                 (uint64_t)k[CHECK_INFO]);
	}
	case CL_MEDIA: { /* calls with a problem above those without, then by streams */
		const struct calllist_media *cm = media_of(cl, call);
		return cm ? (int64_t)((uint64_t)(cm->problems != 0) << 32 | cm->streams) : -1;
	}
	default: return call;
	}
}

static int cmp_rows(const void *pa, const void *pb)
{
	struct calllist *cl = sort_ctx;
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	const struct call_info *ca = track_call(cl->t, a - 1), *cb = track_call(cl->t, b - 1);
	int r;
	switch (cl->sort) {
	case CL_FROM: r = cmp_sv(store_str(cl->s, ca->from), store_str(cl->s, cb->from)); break;
	case CL_TO: r = cmp_sv(store_str(cl->s, ca->to), store_str(cl->s, cb->to)); break;
	case CL_CALLID: r = cmp_sv(store_str(cl->s, ca->call_id), store_str(cl->s, cb->call_id)); break;
	case CL_UA: r = cmp_sv(call_ua(cl, a), call_ua(cl, b)); break;
	case CL_ATTEST: { /* copies: the cache may move between the calls */
		char x[4], y[4];
		snprintf(x, sizeof x, "%s", call_attest(cl, a));
		snprintf(y, sizeof y, "%s", call_attest(cl, b));
		r = strcmp(x, y);
		break;
	}
	case CL_SRC:
	case CL_DST: {
		const struct store_msg *ma = store_msg_at(cl->s, ca->first_msg);
		const struct store_msg *mb = store_msg_at(cl->s, cb->first_msg);
		uint32_t ea = cl->sort == CL_SRC ? ma->src : ma->dst, eb = cl->sort == CL_SRC ? mb->src : mb->dst;
		const struct store_endpoint *pa2 = store_endpoint(cl->s, ea), *pb2 = store_endpoint(cl->s, eb);
		r = memcmp(pa2->addr, pb2->addr, sizeof pa2->addr);
		if (!r)
			r = (pa2->port > pb2->port) - (pa2->port < pb2->port);
		break;
	}
	default: {
		int64_t ka = num_key(cl, a, cl->sort), kb = num_key(cl, b, cl->sort);
		r = (ka > kb) - (ka < kb);
	}
	}
	if (!r)
		r = (a > b) - (a < b); /* stable: capture order breaks ties */
	return cl->desc ? -r : r;
}

/* The calls (roots) with a finding of a problem=RULE term's rule: one
 * pass over the findings, redone on each refresh (the checker grows while
 * a capture loads). */
static int mark_rule_hits(struct calllist *cl, struct term *tm, size_t ncalls)
{
	if (ncalls > tm->nhit) {
		uint8_t *h = realloc(tm->hit, ncalls);
		if (!h)
			return -1;
		tm->hit = h;
		tm->nhit = ncalls;
	}
	memset(tm->hit, 0, tm->nhit);
	size_t nf = cl->check ? check_count(cl->check) : 0;
	for (size_t i = 0; i < nf; i++) {
		const struct check_finding *f = check_at(cl->check, i);
		if (f->rule != tm->rule || !f->call || f->call > ncalls)
			continue;
		uint32_t root = track_call_root(cl->t, f->call);
		if (root && root <= ncalls)
			tm->hit[root - 1] = 1;
	}
	return 0;
}

/* Do calls starting from lo to hi fall on more than one (local) day?
 * 1: on several days of one year, 2: of several years.  Dates are
 * compared, not a 24 h span, so 23:59 and 00:01 count as two days. */
static int spans_days(int64_t lo, int64_t hi)
{
	if (lo > hi)
		return 0;
	time_t a = (time_t)(lo / 1000000), b = (time_t)(hi / 1000000);
	struct tm ta, tb;
	localtime_r(&a, &ta);
	localtime_r(&b, &tb);
	return ta.tm_year != tb.tm_year ? 2 : ta.tm_yday != tb.tm_yday;
}

void calllist_set_clock(struct calllist *cl, int64_t now_us)
{
	cl->clock_us = now_us;
}

int calllist_refresh(struct calllist *cl)
{
	size_t n = track_call_count(cl->t);
	size_t k = 0, total = 0;
	if (n > cl->rows_cap && vec_grow((void **)&cl->rows, &cl->rows_cap, n, sizeof *cl->rows) < 0)
		return -1;
	for (size_t t = 0; t < cl->nterms; t++)
		if (cl->terms[t].kind == T_PROBLEM && cl->terms[t].rule >= 0 &&
		    mark_rule_hits(cl, &cl->terms[t], n) < 0)
			return -1;
	if (cl->media) { /* the streams grow while a capture loads: summed again */
		size_t nm;
		struct calllist_media *v = calllist_media_sum(cl->t, cl->media, &nm);
		if (!v && n)
			return -1;
		free(cl->msum);
		cl->msum = v;
		cl->nmsum = nm;
	}
	int64_t lo = INT64_MAX, hi = INT64_MIN; /* the calls' starts, for dates in Start */
	for (size_t i = 0; i < n; i++) {
		const struct call_info *c = track_call(cl->t, i);
		if (c->root)
			continue;
		total++;
		if (c->start_us < lo)
			lo = c->start_us;
		if (c->start_us > hi)
			hi = c->start_us;
		uint32_t call = (uint32_t)i + 1;
		size_t t;
		for (t = 0; t < cl->nterms; t++)
			if (!term_matches(cl, call, &cl->terms[t]))
				break;
		if (t == cl->nterms)
			cl->rows[k++] = call;
	}
	cl->nrows = k;
	cl->total = total;
	cl->now_us = cl->clock_us;
	if (!cl->now_us && cl->s)
		cl->now_us = store_last_ts(cl->s);
	cl->multi_day = spans_days(lo, hi);
	if (cl->sort != CL_INDEX || cl->desc) {
		sort_ctx = cl;
		qsort(cl->rows, cl->nrows, sizeof *cl->rows, cmp_rows);
		sort_ctx = NULL;
	}
	return 0;
}

/* problem=RULE for one call: its own findings (no per-call table). */
static int rule_hit(const struct calllist *cl, uint32_t call, int rule)
{
	size_t nf = cl->check ? check_count(cl->check) : 0;
	for (size_t i = 0; i < nf; i++) {
		const struct check_finding *f = check_at(cl->check, i);
		if (f->rule == rule && f->call && track_call_root(cl->t, f->call) == call)
			return 1;
	}
	return 0;
}

/* media= for one call: its own streams summed. */
static int media_hit(const struct calllist *cl, uint32_t call, uint32_t want)
{
	struct calllist_media cm = { 0, 0 };
	size_t ns = cl->media ? media_stream_count(cl->media) : 0;
	if (!cl->media)
		return 0;
	for (size_t i = 0; i < ns; i++) {
		const struct media_stream *ms = media_stream(cl->media, i);
		uint32_t leg = ms->h_call_id ? track_find_call(cl->t, ms->h_call_id) : 0;
		if (leg && track_call_root(cl->t, leg) == call) {
			cm.streams++;
			cm.problems |= ms->problems;
		}
	}
	if (want == MEDIA_NONE)
		return cm.streams == 0;
	if (want == MEDIA_ANY)
		return cm.streams > 0;
	return (cm.problems & want) != 0;
}

int calllist_match(struct calllist *cl, uint32_t call)
{
	if (!call || call > track_call_count(cl->t) || track_call(cl->t, call - 1)->root)
		return 0;
	for (size_t i = 0; i < cl->nterms; i++) {
		const struct term *tm = &cl->terms[i];
		int m;
		if (tm->kind == T_PROBLEM && tm->rule >= 0)
			m = cl->check && rule_hit(cl, call, tm->rule);
		else if (tm->kind == T_MEDIA)
			m = media_hit(cl, call, tm->media);
		else
			m = term_matches(cl, call, tm);
		if (!m)
			return 0;
	}
	return 1;
}

size_t calllist_filter_prepare(struct calllist *cl, size_t max)
{
	size_t n = track_call_count(cl->t);
	if (!cl->first_regex) {
		cl->prep_next = n;
		return 0;
	}
	for (size_t k = 0; k < max && cl->prep_next < n; k++, cl->prep_next++) {
		const struct call_info *c = track_call(cl->t, cl->prep_next);
		if (c->root)
			continue;
		/* The terms in order, as the refresh asks them: the cheap ones
		 * before the regex spare it where they fail. */
		for (size_t t = 0; t < cl->nterms; t++)
			if (!term_matches(cl, (uint32_t)cl->prep_next + 1, &cl->terms[t]) ||
			    &cl->terms[t] == cl->first_regex)
				break;
	}
	return n - cl->prep_next;
}

size_t calllist_count(const struct calllist *cl) { return cl->nrows; }
size_t calllist_total(const struct calllist *cl) { return cl->total; }

uint32_t calllist_call(const struct calllist *cl, size_t row)
{
	return row < cl->nrows ? cl->rows[row] : 0;
}

const uint32_t *calllist_rows(const struct calllist *cl)
{
	return cl->rows;
}

long calllist_row_of(const struct calllist *cl, uint32_t call)
{
	for (size_t i = 0; i < cl->nrows; i++)
		if (cl->rows[i] == call)
			return (long)i;
	return -1;
}

/* HH:MM:SS.mmm; with the date before it when the calls start on several
 * days (MM-DD, or YYYY-MM-DD when they span years). */
static void fmt_clock(char *buf, size_t n, int64_t us, int multi_day)
{
	time_t sec = (time_t)(us / 1000000);
	struct tm tm;
	localtime_r(&sec, &tm);
	char day[40] = "";
	if (multi_day > 1)
		snprintf(day, sizeof day, "%04d-%02d-%02d ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	else if (multi_day)
		snprintf(day, sizeof day, "%02d-%02d ", tm.tm_mon + 1, tm.tm_mday);
	snprintf(buf, n, "%s%02d:%02d:%02d.%03d", day, tm.tm_hour, tm.tm_min, tm.tm_sec,
	         (int)(us % 1000000 / 1000));
}

/* A From/To URI as the list shows it: user@host:port, the scheme (sip:,
 * sips:, tel:) and the URI's parameters left out, as sngrep shows it. */
static struct sv uri_short(struct sv u)
{
	/* Parsed where it parses: a user part may hold ';' itself
	 * (sip:+15551234;npdi@host), which must not cut the host off. */
	struct sip_uri pu;
	if (sip_uri_parse(u, &pu) == 0 && (pu.scheme == SIP_URI_SIP || pu.scheme == SIP_URI_SIPS) &&
	    pu.hostport.len) {
		const char *from = pu.user.p ? pu.user.p : pu.hostport.p;
		return sv_make(from, (size_t)(pu.hostport.p + pu.hostport.len - from));
	}
	static const char *const schemes[] = { "sip:", "sips:", "tel:" };
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
		size_t l = strlen(schemes[i]);
		if (u.len > l && !strncasecmp(u.p, schemes[i], l)) {
			u = sv_make(u.p + l, u.len - l);
			break;
		}
	}
	const char *semi = u.len ? memchr(u.p, ';', u.len) : NULL;
	if (semi && semi > u.p)
		u.len = (size_t)(semi - u.p);
	return u;
}

void calllist_cell(struct calllist *cl, uint32_t call, enum calllist_col col, char *buf, size_t n)
{
	const struct call_info *c = track_call(cl->t, call - 1);
	struct call_totals tot;
	struct sv v = SV_NULL;
	buf[0] = '\0';
	switch (col) {
	case CL_INDEX: snprintf(buf, n, "%llu", (unsigned long long)track_call_number(cl->t, call)); return;
	case CL_START:
		track_call_totals(cl->t, call, &tot);
		fmt_clock(buf, n, tot.start_us, cl->multi_day);
		return;
	case CL_METHOD: {
		const char *mn = sip_method_name((enum sip_method)c->method);
		snprintf(buf, n, "%s", mn ? mn : "?");
		return;
	}
	case CL_FROM: v = uri_short(store_str(cl->s, c->from)); break;
	case CL_TO: v = uri_short(store_str(cl->s, c->to)); break;
	case CL_CALLID: v = store_str(cl->s, c->call_id); break;
	case CL_UA: v = call_ua(cl, call); break;
	case CL_SRC:
	case CL_DST: leg_endpoint_named(cl, call, col == CL_SRC, buf, n); return;
	case CL_MSGS:
		track_call_totals(cl->t, call, &tot);
		snprintf(buf, n, "%u", tot.nmsgs);
		return;
	case CL_STATE: snprintf(buf, n, "%s", track_state_name((enum call_state)c->state)); return;
	case CL_SETUP: export_call_setup(buf, n, c); return;
	case CL_DURATION: export_call_duration(buf, n, c, cl->now_us); return;
	case CL_STATUS:
		if (c->final_status)
			snprintf(buf, n, "%u", c->final_status);
		return;
	case CL_PROBLEMS: {
		size_t k[3];
		if (!cl->check)
			return;
		check_call_counts(cl->check, call, k);
		calllist_problems_text(buf, n, k);
		return;
	}
	case CL_MEDIA:
		if (cl->media)
			calllist_media_text(buf, n, media_of(cl, call));
		return;
	case CL_ATTEST: snprintf(buf, n, "%s", call_attest(cl, call)); return;
	case CL_AGENT: {
		int64_t first;
		int many;
		call_agents(cl, call, -2, &first, &many);
		if (first < 0)
			snprintf(buf, n, "-");
		else
			snprintf(buf, n, "%lld%s", (long long)first, many ? "+" : "");
		return;
	}
	case CL__COUNT: return;
	}
	if (sv_is_set(v))
		esc_term_buf(buf, n, v, NULL);
}
