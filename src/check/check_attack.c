/* check_attack.c - attack rules (issue 25): scanner, extension-enumeration,
 * password-guessing, register-flood, invite-flood, toll-fraud.
 *
 * Unlike the protocol rules, these count per source ADDRESS (the port is
 * left out: a scanner changes it, a NAT too) over a window of capture
 * time.  Each source's state sits in a fixed table of ATK_SOURCES entries,
 * ATK_WAYS to a bucket; a new source takes a free entry of its bucket or
 * the one that was quiet the longest, so memory is fixed whatever the
 * traffic (the checker must stay bounded at a million calls).  Sets of
 * distinct targets, users and numbers keep ATK_SET hashes: the thresholds
 * that count them are capped there, so a full set means the threshold is
 * passed.
 *
 * Windows are per source and tumble: the first request of a source opens
 * one; a request past its end opens the next.  A rule fires once per
 * source per window (a flood: per flood window), on the attacker's
 * message that crossed the threshold, its text naming the address and
 * the evidence (counts, time span, targets).  Flags that say a source
 * attacked (scanner, enumeration, guessing) last as long as its entry.
 *
 * Legitimate traffic stays clean by construction: a first request without
 * credentials answered 401/407 is a challenge, not a failed attempt (only
 * a request that carried Authorization / Proxy-Authorization and was
 * refused counts, and not a 401 saying stale=true); probes are only
 * out-of-dialog requests the source itself originated (one Via), so a
 * proxy forwarding calls to many phones sweeps nothing. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_int.h"
#include "sipscope/sip_hdr.h"

#define ATK_SOURCES 4096 /* sources tracked at once (872 bytes each: 3.6 MB) */
#define ATK_WAYS 8       /* entries a source may take (its bucket) */
#define ATK_SET 32       /* distinct values a set keeps: the cap of the thresholds counting them */
#define ATK_PEND 8       /* its requests with credentials awaiting their answer */
#define ATK_SAMPLES 3    /* users / targets / numbers named in a finding */
#define ATK_USERS 1024   /* accounts tracked for guessing from many addresses */
#define ATK_USER_SRCS 8  /* distinct addresses counted per account */

/* What was reported in the current window (bits). */
enum {
	ATK_R_UA = 1, ATK_R_SWEEP = 2, ATK_R_ENUM = 4, ATK_R_GUESS = 8, ATK_R_TOLL_BURST = 16,
	ATK_R_REG_FLOOD = 32, ATK_R_INV_FLOOD = 64
};
/* What the source did, while it is tracked (bits). */
enum { ATK_F_SCANNER = 1, ATK_F_ENUM = 2, ATK_F_GUESS = 4 };

struct atk_pend {
	uint32_t txn;
	char user[24];
};

struct atk_src {
	uint64_t key;              /* 0: free */
	uint8_t family, addr[16];
	int64_t last_us;
	int64_t win_us, flood_us;  /* start of the probes' window, of the flood window */
	int64_t auth_us, toll_us;  /* start of the refused attempts', the toll numbers' window */
	uint32_t nprobe;           /* out-of-dialog requests it originated */
	uint32_t answered;         /* final answers to its REGISTER/INVITE/OPTIONS */
	uint32_t refused, oks;     /* of them 401/403/404/407/484 (who is there), 2xx */
	uint32_t auth_fail;        /* refused credentials, in the window */
	uint32_t auth_fail_all;    /* the same while tracked */
	uint32_t nreg, ninv;       /* in the flood window */
	uint32_t nburst;           /* distinct numbers counting for a burst */
	uint32_t target[ATK_SET], user[ATK_SET], toll[ATK_SET];
	uint8_t ntarget, nuser, ntoll;
	uint8_t reported, flags, npend;
	struct atk_pend pend[ATK_PEND];
	char sample_user[ATK_SAMPLES][24];
	char sample_toll[ATK_SAMPLES][24];
};

/* The man page's ATTACK DETECTION gives the table's size from this. */
_Static_assert(sizeof(struct atk_src) <= 872, "a source's entry grew: say so in the man page");

/* An account refused from several addresses (a distributed guess). */
struct atk_user {
	uint32_t h;                /* 0: free */
	uint32_t fails;            /* refused credentials in the window */
	int64_t win_us, last_us;
	uint32_t src[ATK_USER_SRCS]; /* addresses (hashed) that tried it */
	uint8_t nsrc, reported;
};

struct attack {
	struct check_attack_conf conf;
	struct atk_src src[ATK_SOURCES];
	struct atk_user user[ATK_USERS]; /* direct-mapped: a new account takes a quiet one's slot */
	uint64_t evicted;
};

/* ---- settings ---- */

static const char *const default_premium[] = {
	"+870", "+881", "+882", "+883", "+979", "+1900", "1900", "0900",
};

void check_attack_defaults(struct check_attack_conf *c)
{
	memset(c, 0, sizeof *c);
	c->window_s = 60;
	c->scanner_targets = 10;
	c->enum_users = 10;
	c->auth_failures = 5;
	c->flood_window_s = 10;
	c->register_flood = 100;
	c->invite_flood = 100;
	c->toll_burst = 5;
	for (size_t i = 0; i < sizeof default_premium / sizeof default_premium[0]; i++)
		snprintf(c->premium[c->npremium++], sizeof c->premium[0], "%s", default_premium[i]);
}

static struct check_attack_conf g_conf;
static int g_conf_set;

void check_attack_current(struct check_attack_conf *c)
{
	if (g_conf_set)
		*c = g_conf;
	else
		check_attack_defaults(c);
}

void check_attack_configure(const struct check_attack_conf *c)
{
	g_conf = *c;
	g_conf_set = 1;
}

/* The dialled number in dial form: visual separators dropped, "00" and
 * "011" as "+"; 0 when it is not a number (letters, empty, too long). */
static size_t dialled_norm(struct sv user, char *out, size_t n)
{
	size_t k = 0, i = 0;
	if (user.len && user.p[0] == '+') {
		out[k++] = '+';
		i = 1;
	}
	for (; i < user.len && user.p[i] != ';'; i++) {
		char ch = user.p[i];
		if (ch == '-' || ch == '.' || ch == '(' || ch == ')' || ch == ' ')
			continue;
		if (ch < '0' || ch > '9' || k + 1 >= n)
			return 0;
		out[k++] = ch;
	}
	out[k] = '\0';
	if (k < 3 || (k == 1 && out[0] == '+'))
		return 0;
	if (out[0] != '+' && (!strncmp(out, "00", 2) || !strncmp(out, "011", 3))) {
		size_t skip = out[1] == '0' ? 2 : 3;
		memmove(out + 1, out + skip, k - skip + 1);
		out[0] = '+';
		k -= skip - 1;
	}
	return k;
}

static int parse_uint(const char *v, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long x = strtoul(v, &end, 10);
	if (!*v || *end || *v == '-' || x < lo || x > hi)
		return -1;
	*out = (unsigned)x;
	return 0;
}

int check_attack_set(struct check_attack_conf *c, const char *setting, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		size_t off;
		unsigned lo, hi;
	} nums[] = {
		{ "window", offsetof(struct check_attack_conf, window_s), 1, 86400 },
		{ "scanner-targets", offsetof(struct check_attack_conf, scanner_targets), 2, ATK_SET },
		{ "enum-users", offsetof(struct check_attack_conf, enum_users), 2, ATK_SET },
		{ "auth-failures", offsetof(struct check_attack_conf, auth_failures), 1, 1000000 },
		{ "flood-window", offsetof(struct check_attack_conf, flood_window_s), 1, 86400 },
		{ "register-flood", offsetof(struct check_attack_conf, register_flood), 1, 1000000 },
		{ "invite-flood", offsetof(struct check_attack_conf, invite_flood), 1, 1000000 },
		{ "toll-burst", offsetof(struct check_attack_conf, toll_burst), 1, ATK_SET },
	};
	const char *eq = strchr(setting, '=');
	if (!eq) {
		snprintf(err, errlen, "'%.40s': give NAME=VALUE (window=60, toll-prefix=+881 ...)", setting);
		return -1;
	}
	size_t nl = (size_t)(eq - setting);
	const char *val = eq + 1;
	for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		if (strlen(nums[i].name) != nl || strncmp(nums[i].name, setting, nl))
			continue;
		if (parse_uint(val, nums[i].lo, nums[i].hi, (unsigned *)((char *)c + nums[i].off)) < 0) {
			snprintf(err, errlen, "%s: '%.40s' is not a number from %u to %u", nums[i].name, val,
			         nums[i].lo, nums[i].hi);
			return -1;
		}
		return 0;
	}
	if (nl == 12 && !strncmp(setting, "home-country", nl)) {
		const char *d = val + (*val == '+');
		size_t n = strlen(d);
		if (n > 3 || (n && strspn(d, "0123456789") != n)) {
			snprintf(err, errlen, "home-country: '%.40s' is not a country code (1 to 3 digits: 1, 44, 49)",
			         val);
			return -1;
		}
		snprintf(c->home_cc, sizeof c->home_cc, "%s", d);
		return 0;
	}
	if (nl == 11 && !strncmp(setting, "toll-prefix", nl)) {
		/* +DIGITS or DIGITS; 00 and 011 are written as + (as numbers are). */
		size_t n = strlen(val), plus = *val == '+';
		if (n < 2 || n > 15 || strspn(val + plus, "0123456789") != n - plus) {
			snprintf(err, errlen, "toll-prefix: '%.40s' is not a number prefix (+881, 0900)", val);
			return -1;
		}
		char norm[16];
		if (!plus && !strncmp(val, "011", 3) && n > 3)
			snprintf(norm, sizeof norm, "+%s", val + 3);
		else if (!plus && !strncmp(val, "00", 2) && n > 2)
			snprintf(norm, sizeof norm, "+%s", val + 2);
		else
			snprintf(norm, sizeof norm, "%s", val);
		if (!c->premium_given) {
			c->npremium = 0;
			c->premium_given = 1;
		}
		if (c->npremium >= CHECK_ATTACK_MAX_PREFIXES) {
			snprintf(err, errlen, "toll-prefix: at most %d prefixes", CHECK_ATTACK_MAX_PREFIXES);
			return -1;
		}
		snprintf(c->premium[c->npremium++], sizeof c->premium[0], "%s", norm);
		return 0;
	}
	snprintf(err, errlen, "unknown setting '%.*s' (window, scanner-targets, enum-users, auth-failures, "
	         "flood-window, register-flood, invite-flood, toll-burst, toll-prefix, home-country)",
	         (int)(nl > 40 ? 40 : nl), setting);
	return -1;
}

int check_rule_is_attack(enum check_rule r)
{
	return r >= CHECK_SCANNER && r <= CHECK_TOLL_FRAUD;
}

/* ---- the table of sources ---- */

void check_attack_free(struct attack *a)
{
	free(a);
}

static struct attack *attack_of(struct checker *c)
{
	if (!c->atk) {
		c->atk = calloc(1, sizeof *c->atk);
		if (!c->atk) {
			c->oom = 1;
			return NULL;
		}
		if (g_conf_set)
			c->atk->conf = g_conf;
		else
			check_attack_defaults(&c->atk->conf);
	}
	return c->atk;
}

static uint64_t ip_key(const struct store_endpoint *e)
{
	uint64_t a, b;
	memcpy(&a, e->addr, 8);
	memcpy(&b, e->addr + 8, 8);
	if (e->family == 4)
		b = 0, a &= 0xffffffffULL;
	uint64_t k = hmap_mix(hmap_mix(a, b), e->family);
	return k ? k : 1;
}

/* Does the source show something toward an attack (failed credentials,
 * several targets or users, a flag)?  Such an entry is evicted last. */
static int has_evidence(const struct atk_src *s)
{
	return s->flags || s->auth_fail || s->ntarget > 1 || s->nuser > 1 || s->ntoll || s->nreg > 1 ||
	       s->ninv > 1;
}

/* Is a a better entry to give up than b: free, else without evidence,
 * else quieter? */
static int worse(const struct atk_src *a, const struct atk_src *b)
{
	if (!a->key || !b->key)
		return !a->key && b->key;
	if (has_evidence(a) != has_evidence(b))
		return !has_evidence(a);
	return a->last_us < b->last_us;
}

/* The source of address e: found, or made in its bucket's entry that is
 * free, else shows nothing of an attack, else was quiet the longest, when
 * `make`; NULL otherwise.  So one-shot sources (a spoofed flood) cannot
 * push out an attacker in the middle of its work. */
static struct atk_src *source(struct attack *a, const struct store_endpoint *e, int64_t now, int make)
{
	uint64_t k = ip_key(e);
	struct atk_src *b = &a->src[(k >> 13) % (ATK_SOURCES / ATK_WAYS) * ATK_WAYS], *pick = NULL;
	for (int i = 0; i < ATK_WAYS; i++) {
		if (b[i].key == k) {
			b[i].last_us = now;
			return &b[i];
		}
		if (!pick || worse(&b[i], pick))
			pick = &b[i];
	}
	if (!make)
		return NULL;
	if (pick->key)
		a->evicted++;
	memset(pick, 0, sizeof *pick);
	pick->key = k;
	pick->family = e->family;
	memcpy(pick->addr, e->addr, sizeof pick->addr);
	pick->last_us = pick->win_us = pick->flood_us = now;
	return pick;
}

/* Open the next window when this one is over.  Refused attempts and toll
 * numbers have windows of their own, opened by the first one counted: a
 * guess that starts late in a scan's window is not cut in two. */
static void roll(const struct check_attack_conf *cf, struct atk_src *s, int64_t now)
{
	if (now - s->win_us >= (int64_t)cf->window_s * 1000000) {
		s->win_us = now;
		s->nprobe = s->answered = s->refused = s->oks = 0;
		s->ntarget = s->nuser = 0;
		s->reported &= (uint8_t)~(ATK_R_UA | ATK_R_SWEEP | ATK_R_ENUM);
		memset(s->sample_user, 0, sizeof s->sample_user);
	}
	if (now - s->flood_us >= (int64_t)cf->flood_window_s * 1000000) {
		s->flood_us = now;
		s->nreg = s->ninv = 0;
		s->reported &= (uint8_t)~(ATK_R_REG_FLOOD | ATK_R_INV_FLOOD);
	}
}

/* Add h to a set: 1 when it was new (or the set is full: counted as
 * reached), 0 when already there. */
static int set_add(uint32_t *set, uint8_t *n, uint32_t h)
{
	for (uint8_t i = 0; i < *n; i++)
		if (set[i] == h)
			return 0;
	if (*n < ATK_SET)
		set[(*n)++] = h;
	return 1;
}

static const char *ip_str(const struct atk_src *s, char *buf, size_t n)
{
	if (!inet_ntop(s->family == 6 ? AF_INET6 : AF_INET, s->addr, buf, (socklen_t)n))
		snprintf(buf, n, "?");
	return buf;
}

static double span_s(const struct atk_src *s, int64_t now)
{
	return (double)(now - s->win_us) / 1e6;
}

/* Up to ATK_SAMPLES texts, ", "-joined, with ", ..." when there were more. */
static const char *samples(char (*t)[24], unsigned total, char *buf, size_t n)
{
	size_t at = 0;
	buf[0] = '\0';
	for (int i = 0; i < ATK_SAMPLES && t[i][0]; i++) {
		int k = snprintf(buf + at, n - at, "%s%s", i ? ", " : "", t[i]);
		if (k < 0 || (size_t)k >= n - at)
			break;
		at += (size_t)k;
	}
	if (total > ATK_SAMPLES && at + 6 < n)
		snprintf(buf + at, n - at, ", ...");
	return buf;
}

static void sample_put(char (*t)[24], struct sv v)
{
	for (int i = 0; i < ATK_SAMPLES; i++)
		if (!t[i][0]) {
			snprintf(t[i], sizeof t[i], "%.*s", (int)(v.len > 23 ? 23 : v.len), v.p);
			return;
		}
}

/* ---- what a request says ---- */

/* Known scanners' User-Agents (lower case; matched anywhere in it). */
static const struct { const char *needle, *tool; } scanner_ua[] = {
	{ "friendly-scanner", "sipvicious" }, { "sipvicious", "sipvicious" },
	{ "sipcli", "sipcli" }, { "vaxsipuseragent", "VaxSIPUserAgent" },
	{ "sip-scan", "sip-scan" }, { "sipscan", "sipscan" }, { "iwar", "iWar" },
	{ "sivus", "SiVuS" }, { "smap", "smap" }, { "pplsip", "pplsip" },
	{ "sundayddr", "SundayDDR" }, { "sippts", "sippts" },
};

static const char *scanner_tool(struct sv ua)
{
	char low[256];
	size_t n = ua.len < sizeof low - 1 ? ua.len : sizeof low - 1;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)sv_lower((unsigned char)ua.p[i]);
	low[n] = '\0';
	for (size_t i = 0; i < sizeof scanner_ua / sizeof scanner_ua[0]; i++)
		if (strstr(low, scanner_ua[i].needle))
			return scanner_ua[i].tool;
	return NULL;
}

/* The Via entries, counted up to 2. */
static int via_count(const struct sip_msg *m)
{
	struct sip_hdr_iter it;
	struct sv e;
	int n = 0;
	sip_hdr_iter_init(&it, m, SIP_H_VIA, NULL);
	while (n < 2 && sip_hdr_next_elem(&it, &e) > 0)
		n++;
	return n;
}

/* The user part of a name-addr / addr-spec / Request-URI: SV_NULL if none. */
static struct sv uri_user(struct sv uri)
{
	struct sip_uri u;
	if (!sv_is_set(uri) || sip_uri_parse(uri, &u) < 0)
		return SV_NULL;
	return u.user;
}

/* The username of the Authorization / Proxy-Authorization it carries:
 * 1 with the user (maybe empty), 0 without credentials. */
static int credentials(const struct sip_msg *m, struct sv *user)
{
	static const char *const names[] = { "Authorization", "Proxy-Authorization" };
	for (int i = 0; i < 2; i++) {
		struct sip_hdr_iter it;
		struct sv v;
		sip_hdr_iter_init(&it, m, SIP_H_OTHER, names[i]);
		if (sip_hdr_next_value(&it, &v)) {
			struct sip_auth a;
			*user = sip_auth_parse(v, &a) == 0 ? sip_auth_param(&a, "username") : SV_NULL;
			if (!sv_is_set(*user))
				*user = sv_make("", 0);
			return 1;
		}
	}
	return 0;
}

/* A challenge saying the nonce went stale (RFC 3261 22.4, RFC 2617
 * 3.2.1): the credentials were right, only old. */
static int stale_challenge(const struct sip_msg *m)
{
	static const char *const names[] = { "WWW-Authenticate", "Proxy-Authenticate" };
	for (int i = 0; i < 2; i++) {
		struct sip_hdr_iter it;
		struct sv v;
		sip_hdr_iter_init(&it, m, SIP_H_OTHER, names[i]);
		while (sip_hdr_next_value(&it, &v)) {
			struct sip_auth a;
			if (sip_auth_parse(v, &a) == 0 && sv_eq_ci(sip_auth_param(&a, "stale"), "true"))
				return 1;
		}
	}
	return 0;
}

/* Premium (2), international (1) or neither (0). */
static int toll_class(const struct check_attack_conf *cf, const char *num)
{
	for (unsigned i = 0; i < cf->npremium; i++)
		if (!strncmp(num, cf->premium[i], strlen(cf->premium[i])))
			return 2;
	if (num[0] != '+')
		return 0;
	if (cf->home_cc[0] && !strncmp(num + 1, cf->home_cc, strlen(cf->home_cc)))
		return 0;
	return 1;
}

static void on_toll(struct checker *c, struct attack *a, struct atk_src *s, const struct view *v,
                    const char *ip)
{
	const struct check_attack_conf *cf = &a->conf;
	struct sip_uri u;
	char num[24];
	if (sip_uri_parse(v->m.uri, &u) < 0 || !sv_is_set(u.user) || !dialled_norm(u.user, num, sizeof num))
		return;
	int cls = toll_class(cf, num);
	if (!cls)
		return;
	const char *kind = cls == 2 ? "premium" : "international";
	int64_t win = (int64_t)cf->window_s * 1000000;
	if (!s->ntoll || c->now - s->toll_us >= win) {
		s->ntoll = 0;
		s->nburst = 0;
		s->toll_us = c->now;
		s->reported &= (uint8_t)~ATK_R_TOLL_BURST;
		memset(s->sample_toll, 0, sizeof s->sample_toll);
	}
	int failed = s->auth_fail && c->now - s->auth_us < win;
	if (s->ntoll >= ATK_SET || !set_add(s->toll, &s->ntoll, h32(sv_make(num, strlen(num)))))
		return; /* this number was reported already in the window (past 32 numbers the burst
		         * finding stands for the rest) */
	/* Without a home country every +E.164 number looks international (a
	 * carrier trunk dials nothing else): only premium ones make a burst. */
	int burst = cls == 2 || cf->home_cc[0];
	if (burst) {
		s->nburst++;
		sample_put(s->sample_toll, sv_make(num, strlen(num)));
	}
	if (s->flags || failed) {
		char why[160];
		if (s->flags & ATK_F_GUESS)
			snprintf(why, sizeof why, "which failed digest authentication %u times (password guessing)",
			         s->auth_fail_all);
		else if (s->flags & (ATK_F_SCANNER | ATK_F_ENUM))
			snprintf(why, sizeof why, "which %s", s->flags & ATK_F_ENUM ? "enumerated extensions" :
			         "scanned");
		else
			snprintf(why, sizeof why, "which just failed digest authentication %u time%s in %.1f s",
			         s->auth_fail, s->auth_fail == 1 ? "" : "s", (double)(c->now - s->auth_us) / 1e6);
		check_report(c, v->idx, CHECK_TOLL_FRAUD, cls == 2 || s->flags ? CHECK_ERROR : CHECK_WARNING,
		             "call to %s number %s from %s, %s", kind, num, ip, why);
	}
	if (burst && s->nburst >= cf->toll_burst && !(s->reported & ATK_R_TOLL_BURST)) {
		char b[100];
		s->reported |= ATK_R_TOLL_BURST;
		check_report(c, v->idx, CHECK_TOLL_FRAUD, CHECK_WARNING,
		             "%s called %u %s numbers (%s) in %.1f s (threshold %u in %u s)", ip, s->nburst,
		             cf->home_cc[0] ? "international or premium" : "premium",
		             samples(s->sample_toll, s->nburst, b, sizeof b), (double)(c->now - s->toll_us) / 1e6,
		             cf->toll_burst, cf->window_s);
	}
}

static void on_request(struct checker *c, struct attack *a, const struct view *v)
{
	const struct check_attack_conf *cf = &a->conf;
	const struct store_endpoint *e = store_endpoint(c->s, v->r->src);
	if (!e)
		return;
	struct atk_src *s = source(a, e, c->now, 1);
	roll(cf, s, c->now);
	char ip[64], b[160];
	ip_str(s, ip, sizeof ip);
	uint8_t mid = v->r->method;
	const char *mn = sip_method_name((enum sip_method)mid);
	int initial = !v->has_to_tag;
	int probe = initial && (mid == SIP_M_OPTIONS || mid == SIP_M_INVITE || mid == SIP_M_REGISTER);

	struct sv ua = sip_header_get(&v->m, SIP_H_USER_AGENT);
	const char *tool = sv_is_set(ua) ? scanner_tool(ua) : NULL;
	if (tool) {
		s->flags |= ATK_F_SCANNER;
		if (!(s->reported & ATK_R_UA)) {
			s->reported |= ATK_R_UA;
			check_report(c, v->idx, CHECK_SCANNER, -1,
			             "%s from %s: User-Agent \"%.*s\" is %s's, a SIP scanner", mn ? mn : "request", ip,
			             (int)(ua.len > 60 ? 60 : ua.len), ua.p, tool);
		}
	}
	if (probe && via_count(&v->m) == 1) {
		s->nprobe++;
		set_add(s->target, &s->ntarget, v->r->dst);
		/* A sweep hits each target once or twice, and most do not answer;
		 * a registrar pinging its contacts (answered), or pinging them
		 * again and again, is none. */
		if (s->ntarget >= cf->scanner_targets && s->nprobe <= 2u * s->ntarget &&
		    2u * s->answered < s->nprobe && !(s->reported & ATK_R_SWEEP)) {
			s->reported |= ATK_R_SWEEP;
			s->flags |= ATK_F_SCANNER;
			char t[ATK_SAMPLES][24];
			memset(t, 0, sizeof t);
			for (int i = 0; i < ATK_SAMPLES; i++) {
				const struct store_endpoint *d = store_endpoint(c->s, s->target[i]);
				char tmp[80];
				if (d && store_endpoint_format(d, tmp, sizeof tmp))
					snprintf(t[i], sizeof t[i], "%.23s", tmp);
			}
			check_report(c, v->idx, CHECK_SCANNER, -1,
			             "sweep: %s probed %u targets (%s) with %u out-of-dialog requests in %.1f s, "
			             "%u answered (threshold %u in %u s)", ip, s->ntarget,
			             samples(t, s->ntarget, b, sizeof b), s->nprobe, span_s(s, c->now),
			             s->answered, cf->scanner_targets, cf->window_s);
		}
	}
	if (probe) {
		struct sv user = uri_user(v->m.uri);
		if (!sv_is_set(user) || !user.len)
			user = uri_user(sip_addr_uri(sip_header_get(&v->m, SIP_H_TO)));
		if (sv_is_set(user) && user.len && set_add(s->user, &s->nuser, h32(user)))
			sample_put(s->sample_user, user);
	}
	struct sv cu;
	if (v->r->txn && (mid == SIP_M_REGISTER || mid == SIP_M_INVITE || mid == SIP_M_OPTIONS ||
	                  mid == SIP_M_SUBSCRIBE || mid == SIP_M_MESSAGE) && credentials(&v->m, &cu)) {
		struct atk_pend *p = &s->pend[s->npend++ % ATK_PEND];
		p->txn = v->r->txn;
		snprintf(p->user, sizeof p->user, "%.*s", (int)(cu.len > 23 ? 23 : cu.len), cu.p);
	}
	if (initial && mid == SIP_M_REGISTER && ++s->nreg >= cf->register_flood &&
	    !(s->reported & ATK_R_REG_FLOOD)) {
		s->reported |= ATK_R_REG_FLOOD;
		check_report(c, v->idx, CHECK_REGISTER_FLOOD, -1,
		             "%s sent %u REGISTER requests in %.1f s (threshold %u in %u s)", ip, s->nreg,
		             (double)(c->now - s->flood_us) / 1e6, cf->register_flood, cf->flood_window_s);
	}
	if (initial && mid == SIP_M_INVITE) {
		if (++s->ninv >= cf->invite_flood && !(s->reported & ATK_R_INV_FLOOD)) {
			s->reported |= ATK_R_INV_FLOOD;
			check_report(c, v->idx, CHECK_INVITE_FLOOD, -1,
			             "%s sent %u INVITE requests in %.1f s (threshold %u in %u s)", ip, s->ninv,
			             (double)(c->now - s->flood_us) / 1e6, cf->invite_flood, cf->flood_window_s);
		}
		on_toll(c, a, s, v, ip);
	}
}

/* The account's entry (its window rolled), made in its slot when free or
 * quiet past the window; NULL when another, active account holds it or the
 * user is empty. */
static struct atk_user *account(struct attack *a, const char *user, int64_t now)
{
	if (!*user)
		return NULL;
	uint32_t h = h32(sv_make(user, strlen(user)));
	struct atk_user *u = &a->user[(h >> 5) % ATK_USERS];
	int64_t win = (int64_t)a->conf.window_s * 1000000;
	if (u->h != h) {
		if (u->h && now - u->last_us < win)
			return NULL;
		memset(u, 0, sizeof *u);
		u->h = h;
		u->win_us = now;
	}
	if (now - u->win_us >= win) {
		u->win_us = now;
		u->fails = 0;
		u->nsrc = 0;
		u->reported = 0;
	}
	u->last_us = now;
	return u;
}

static void on_response(struct checker *c, struct attack *a, const struct view *v)
{
	const struct check_attack_conf *cf = &a->conf;
	int st = v->m.status;
	uint8_t mid = v->r->method;
	if (st < 200 || !v->r->request_msg)
		return;
	const struct store_endpoint *e = store_endpoint(c->s, v->r->dst);
	struct atk_src *s = e ? source(a, e, c->now, 0) : NULL;
	if (!s)
		return;
	size_t req = v->r->request_msg - 1;
	char ip[64], b[160];
	ip_str(s, ip, sizeof ip);
	/* The answer to one of its requests with credentials? */
	struct atk_pend *p = NULL;
	for (int i = 0; i < ATK_PEND && v->r->txn; i++)
		if (s->pend[i].txn == v->r->txn) {
			p = &s->pend[i];
			break;
		}
	if (p) {
		char user[24];
		memcpy(user, p->user, sizeof user);
		p->txn = 0;
		if ((st == 401 || st == 407 || st == 403) && !stale_challenge(&v->m)) {
			if (!s->auth_fail || c->now - s->auth_us >= (int64_t)cf->window_s * 1000000) {
				s->auth_fail = 0;
				s->auth_us = c->now;
				s->reported &= (uint8_t)~ATK_R_GUESS;
			}
			s->auth_fail++;
			s->auth_fail_all++;
			struct atk_user *u = account(a, user, c->now);
			if (u) {
				u->fails++;
				set_add(u->src, &u->nsrc, (uint32_t)(s->key >> 32) | 1);
			}
			if (u && u->nsrc >= 2 && u->fails >= cf->auth_failures && !u->reported) {
				/* Many addresses, one account: named on the last one. */
				u->reported = 1;
				check_report(c, req, CHECK_PASSWORD_GUESSING, -1,
				             "user \"%s\" failed digest authentication %u times in %.1f s from %u%s "
				             "addresses, the last %s (threshold %u in %u s)", user, u->fails,
				             (double)(c->now - u->win_us) / 1e6, u->nsrc, u->nsrc >= ATK_USER_SRCS ? "+" : "",
				             ip, cf->auth_failures, cf->window_s);
			}
			if (s->auth_fail >= cf->auth_failures && !(s->reported & ATK_R_GUESS)) {
				s->reported |= ATK_R_GUESS;
				s->flags |= ATK_F_GUESS;
				check_report(c, req, CHECK_PASSWORD_GUESSING, -1,
				             "%s failed digest authentication %u times in %.1f s (user \"%s\"; threshold "
				             "%u in %u s)", ip, s->auth_fail, (double)(c->now - s->auth_us) / 1e6, user,
				             cf->auth_failures,
				             cf->window_s);
			}
		} else if (st >= 200 && st < 300 && (mid == SIP_M_REGISTER || mid == SIP_M_INVITE)) {
			struct atk_user *u = account(a, user, c->now);
			if ((s->flags & ATK_F_GUESS) || s->auth_fail >= cf->auth_failures)
				check_report(c, req, CHECK_PASSWORD_GUESSING, CHECK_ERROR,
				             "%d to %s: user \"%s\" authenticated from %s after %u failed digest attempts: "
				             "the account is likely compromised", st, sip_method_name((enum sip_method)mid),
				             user, ip, s->auth_fail_all);
			else if (u && u->reported)
				check_report(c, req, CHECK_PASSWORD_GUESSING, CHECK_ERROR,
				             "%d to %s: user \"%s\" authenticated from %s after %u failed digest attempts "
				             "from %u%s addresses: the account is likely compromised", st,
				             sip_method_name((enum sip_method)mid), user, ip, u->fails, u->nsrc,
				             u->nsrc >= ATK_USER_SRCS ? "+" : "");
		}
	}
	if (mid != SIP_M_REGISTER && mid != SIP_M_INVITE && mid != SIP_M_OPTIONS)
		return;
	/* What tells an extension apart: a challenge, forbidden, not found,
	 * address incomplete.  Busy, unavailable, declined are a dialer's
	 * calls failing, not an enumeration. */
	int refused = st == 401 || st == 403 || st == 404 || st == 407 || st == 484;
	s->answered++;
	if (refused)
		s->refused++;
	else if (st < 300)
		s->oks++;
	if (refused && s->nuser >= cf->enum_users && s->refused * 2 >= cf->enum_users &&
	    s->oks * 5 <= s->refused && !(s->reported & ATK_R_ENUM)) {
		s->reported |= ATK_R_ENUM;
		s->flags |= ATK_F_ENUM;
		check_report(c, req, CHECK_EXTENSION_ENUMERATION, -1,
		             "%s tried %u users (%s) in %.1f s: %u answered 401/403/404/407/484, %u 2xx "
		             "(threshold %u users in %u s)", ip, s->nuser, samples(s->sample_user, s->nuser, b, sizeof b),
		             span_s(s, c->now), s->refused, s->oks, cf->enum_users, cf->window_s);
	}
}

void check_attack(struct checker *c, const struct view *v)
{
	if (v->r->flags & STORE_MSG_RETRANS)
		return;
	struct attack *a = attack_of(c);
	if (!a)
		return;
	if (v->m.is_request)
		on_request(c, a, v);
	else
		on_response(c, a, v);
}
