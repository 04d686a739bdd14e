/* check.c - RFC 3261 / RFC 3264 conformance rules over tracked messages.
 *
 * One pass in capture order.  Each message is parsed again from the store
 * and looked at alone, then against state the checker keeps per
 * transaction (its request, timing, offer), per 2xx (its ACK), per
 * dialog (route set) and per sender (CSeq).  Rules that wait for time
 * sit in FIFO queues ordered by deadline and fire when capture time (the
 * time of the message being checked) passes it. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/check.h"
#include "sipscope/hmap.h"
#include "sipscope/media.h"
#include "sipscope/sdp.h"
#include "sipscope/sip.h"
#include "sipscope/sip_hdr.h"
#include "sipscope/vec.h"

#define MAX_HEADERS 128
#define MAX_ROUTES 16 /* Route / Record-Route entries compared */
#define MAX_VIAS 32

static const struct check_rule_info rules[CHECK_RULE__COUNT] = {
	[CHECK_PARSE_ERROR] = { "parse-error", "RFC 3261 25", CHECK_ERROR,
		"the message breaks the SIP grammar (the parser's reason is given)" },
	[CHECK_MISSING_HEADER] = { "missing-header", "RFC 3261 8.1.1", CHECK_ERROR,
		"a mandatory header is missing: Via, To, From, Call-ID, CSeq (and Max-Forwards in a request)" },
	[CHECK_MISSING_FROM_TAG] = { "missing-from-tag", "RFC 3261 8.1.1.3", CHECK_ERROR,
		"a request's From has no tag" },
	[CHECK_CSEQ_METHOD_MISMATCH] = { "cseq-method-mismatch", "RFC 3261 8.1.1.5", CHECK_ERROR,
		"the CSeq method differs from the request method" },
	[CHECK_CONTENT_LENGTH_MISMATCH] = { "content-length-mismatch", "RFC 3261 18.3", CHECK_ERROR,
		"Content-Length disagrees with the body (shorter: error; extra bytes in a datagram: warning)" },
	[CHECK_CONTENT_LENGTH_MISSING] = { "content-length-missing", "RFC 3261 18.3", CHECK_ERROR,
		"a message over a stream transport (TCP, TLS, WebSocket) has no Content-Length" },
	[CHECK_BODY_WITHOUT_CONTENT_TYPE] = { "body-without-content-type", "RFC 3261 20.15", CHECK_ERROR,
		"a message has a body but no Content-Type" },
	[CHECK_INVITE_WITHOUT_CONTACT] = { "invite-without-contact", "RFC 3261 8.1.1.8", CHECK_ERROR,
		"an INVITE has no Contact" },
	[CHECK_2XX_WITHOUT_CONTACT] = { "2xx-without-contact", "RFC 3261 12.1.1", CHECK_ERROR,
		"a 2xx to INVITE has no Contact" },
	[CHECK_RESPONSE_WITHOUT_TO_TAG] = { "response-without-to-tag", "RFC 3261 8.2.6.2", CHECK_ERROR,
		"a response other than 100 has no To tag" },
	[CHECK_BRANCH_WITHOUT_COOKIE] = { "branch-without-cookie", "RFC 3261 8.1.1.7", CHECK_INFO,
		"the top Via branch lacks the z9hG4bK magic cookie (RFC 2543 transaction matching)" },
	[CHECK_VIA_SENT_BY_NAT] = { "via-sent-by-nat", "RFC 3261 18.2.1", CHECK_INFO,
		"the top Via sent-by address differs from the packet's source address (NAT)" },
	[CHECK_MAX_FORWARDS_EXHAUSTED] = { "max-forwards-exhausted", "RFC 3261 16.3", CHECK_WARNING,
		"483 Too Many Hops: Max-Forwards reached 0 (a routing loop?)" },
	[CHECK_MAX_FORWARDS_NOT_DECREMENTED] = { "max-forwards-not-decremented", "RFC 3261 16.6", CHECK_WARNING,
		"a proxy forwarded a request without decrementing Max-Forwards" },
	[CHECK_RESPONSE_WITHOUT_REQUEST] = { "response-without-request", "RFC 3261 17.1.3", CHECK_WARNING,
		"a response matches no request seen on its hop (branch, sent-by, method)" },
	[CHECK_RESPONSE_MISMATCH] = { "response-mismatch", "RFC 3261 8.2.6.2", CHECK_ERROR,
		"a response's Call-ID, CSeq, From tag or To tag differs from its request's" },
	[CHECK_RESPONSE_VIA_MISMATCH] = { "response-via-mismatch", "RFC 3261 8.2.6.2", CHECK_ERROR,
		"a response's Via values are not those of its request" },
	[CHECK_NO_FINAL_RESPONSE] = { "no-final-response", "RFC 3261 17.1.1.2", CHECK_ERROR,
		"a request got no final response within 64*T1 = 32 s (Timer B/F), or an INVITE that got a "
		"provisional none within 3 min (Timer C)" },
	[CHECK_SECOND_FINAL_RESPONSE] = { "second-final-response", "RFC 3261 17.2.1", CHECK_ERROR,
		"a transaction got a different final response after its first one (forked 2xx aside)" },
	[CHECK_RETRANS_TOO_EARLY] = { "retrans-too-early", "RFC 3261 17.1.1.2", CHECK_WARNING,
		"the first retransmission came sooner than T1 (500 ms)" },
	[CHECK_RETRANS_INTERVAL] = { "retrans-interval", "RFC 3261 17.1.2.2", CHECK_WARNING,
		"retransmission intervals do not double (up to T2 = 4 s for non-INVITE and 2xx)" },
	[CHECK_RETRANS_ON_RELIABLE] = { "retrans-on-reliable", "RFC 3261 17.1.1.2", CHECK_WARNING,
		"a request was retransmitted over a reliable transport" },
	[CHECK_RETRANS_AFTER_PROVISIONAL] = { "retrans-after-provisional", "RFC 3261 17.1.1.2",
		CHECK_WARNING, "an INVITE was retransmitted after a provisional response was sent back" },
	[CHECK_ACK_MISSING] = { "ack-missing", "RFC 3261 13.3.1.4", CHECK_ERROR,
		"a 2xx to INVITE was never ACKed, or kept being retransmitted after the ACKs" },
	[CHECK_ACK_WITHOUT_INVITE] = { "ack-without-invite", "RFC 3261 13.2.2.4", CHECK_WARNING,
		"an ACK's CSeq number matches no INVITE of the call" },
	[CHECK_CANCEL_AFTER_FINAL] = { "cancel-after-final", "RFC 3261 9.1", CHECK_WARNING,
		"a CANCEL was sent after the INVITE got its final response" },
	[CHECK_CANCEL_UNANSWERED] = { "cancel-unanswered", "RFC 3261 9.2", CHECK_ERROR,
		"a CANCEL got no response within 64*T1 = 32 s" },
	[CHECK_CANCEL_WITHOUT_INVITE] = { "cancel-without-invite", "RFC 3261 9.2", CHECK_WARNING,
		"a CANCEL matches no INVITE on its hop (its branch names none)" },
	[CHECK_CANCEL_MISMATCH] = { "cancel-mismatch", "RFC 3261 9.1", CHECK_ERROR,
		"a CANCEL's Request-URI, CSeq number, From or To differs from the INVITE it cancels" },
	[CHECK_CSEQ_NOT_INCREASING] = { "cseq-not-increasing", "RFC 3261 12.2.1.1", CHECK_ERROR,
		"a new request's CSeq is lower than an earlier one from the same sender in the call" },
	[CHECK_CSEQ_REUSED] = { "cseq-reused", "RFC 3261 8.1.1.5", CHECK_ERROR,
		"a new transaction reuses the CSeq of an earlier request from the same sender" },
	[CHECK_RECORD_ROUTE_NOT_MIRRORED] = { "record-route-not-mirrored", "RFC 3261 12.1.1", CHECK_ERROR,
		"a dialog-creating response does not carry the request's Record-Route values" },
	[CHECK_ROUTE_SET_IGNORED] = { "route-set-ignored", "RFC 3261 12.2.1.1", CHECK_ERROR,
		"an in-dialog request's Route does not follow the route set Record-Route made" },
	[CHECK_SDP_MLINE_COUNT] = { "sdp-mline-count", "RFC 3264 6", CHECK_ERROR,
		"an SDP answer's m= lines differ in number or order from the offer's" },
	[CHECK_SDP_CODEC_NOT_OFFERED] = { "sdp-codec-not-offered", "RFC 3264 6.1", CHECK_INFO,
		"an SDP answer lists a codec the offer did not (allowed: the answerer can receive it, "
		"the offerer may not send it)" },
	[CHECK_SDP_NO_COMMON_CODEC] = { "sdp-no-common-codec", "RFC 3264 6.1", CHECK_ERROR,
		"an accepted m= line of the answer lists no codec of the offer" },
};

const struct check_rule_info *check_rule_info(enum check_rule r)
{
	return (unsigned)r < CHECK_RULE__COUNT ? &rules[r] : NULL;
}

const char *check_severity_name(enum check_severity s)
{
	switch (s) {
	case CHECK_ERROR: return "error";
	case CHECK_WARNING: return "warning";
	default: return "info";
	}
}

int check_rule_parse(const char *id)
{
	for (int i = 0; i < CHECK_RULE__COUNT; i++)
		if (!strcmp(rules[i].id, id))
			return i;
	return -1;
}

/* Per transaction (one hop), indexed by the tracker's txn id. */
struct txn_st {
	int64_t first_us;     /* the request's first transmission */
	int64_t last_us;      /* its latest transmission */
	int64_t first_gap;    /* first retransmission interval, 0 before */
	int64_t prov_us;      /* first provisional response (any 1xx), 0 none */
	int64_t prov_last_us; /* the latest 101-199 (each restarts Timer C) */
	int64_t final_us;
	uint32_t req;         /* index+1 of the request, 0 before it is seen */
	uint32_t final_msg;   /* index+1 of the first final response */
	uint32_t family;      /* next hop of the same request (tracker's origin chain) */
	uint32_t src, dst;    /* the request's hop */
	uint32_t ruri_h, from_tag_h, to_tag_h, to_uri_h, via_h;
	uint32_t mf;          /* Max-Forwards, UINT32_MAX when absent */
	uint32_t rr_off;      /* request's Record-Route hashes in the arena */
	uint32_t offer_off;   /* SDP offer summary in the arena, +1; 0 none */
	uint32_t final_to_tag_h;
	uint16_t final_status;
	uint8_t nrr, nvia;
	uint8_t nretrans;
	uint8_t method;
	uint8_t offer_in_req; /* the offer came with the request */
	uint8_t flagged;      /* retransmission rules already reported (bits) */
	uint8_t partial;      /* the request was not checked (cut, or does not
	                       * parse): only its timing is known */
};

/* A 2xx to INVITE waiting for its ACK, by (leg, CSeq, To tag). */
struct ack_st {
	int64_t first_us;     /* first 2xx */
	int64_t last_us;      /* latest 2xx from the same sender */
	int64_t first_gap;
	int64_t ack_us;       /* first ACK, 0 none */
	uint32_t msg;         /* index+1 of the first 2xx */
	uint32_t src;         /* its sender */
	uint32_t ack_dst;     /* where the first ACK went */
	uint32_t offer_off;   /* a 2xx offer (INVITE without SDP): +1; 0 none */
	uint32_t caller_tag_h; /* the From tag: the side that owes the ACK */
	uint16_t n2xx;        /* transmissions from src */
	uint16_t late;        /* of them, later than the first ACK + T1 */
	uint8_t decided, flagged;
};

/* Per dialog: the route set. */
struct dlg_st {
	uint32_t caller_tag_h, callee_tag_h;
	uint32_t caller_ep, callee_ep;
	uint32_t rr_off;      /* Record-Route of the 2xx (what the UAS received) */
	uint32_t rr_text;     /* the first entry's text, for findings */
	uint8_t nrr;
	uint8_t caller_strict, callee_strict; /* first route lacks ;lr */
};

/* Per sender in a leg: CSeq order. */
struct dir_st {
	uint32_t max_cseq;
	uint8_t seen;
};

struct leg_st {
	size_t counts[3];
};

struct timer {
	int64_t due;
	uint32_t id;  /* txn id or ack_st index+1 */
	uint8_t kind; /* TIMER_* */
};

enum { TIMER_TXN = 0, TIMER_TXN_C, TIMER_ACK, TIMER__COUNT };

struct queue {
	struct timer *q;
	size_t cap, head, tail;
};

struct checker {
	struct store *s;
	const struct tracker *t;
	size_t next;           /* next store index to check */
	size_t checked;
	int64_t now, first_us;
	int finished;

	struct check_finding *f;
	size_t nf, cap_f;
	char *text;
	size_t ntext, cap_text;
	uint32_t *arena;       /* route hashes, SDP summaries */
	size_t narena, cap_arena;
	struct hmap by_msg;    /* msg index+1 -> finding index+1 (first) */
	uint32_t last_f_msg;   /* chain appends to the last finding of a message */

	struct txn_st *txn;
	size_t cap_txn;
	struct ack_st *acks;
	size_t nacks, cap_acks;
	struct dlg_st *dlgs;
	size_t ndlgs, cap_dlgs;
	struct dir_st *dirs;
	size_t ndirs, cap_dirs;
	struct leg_st *legs;
	size_t cap_legs;
	size_t hits[CHECK_RULE__COUNT];

	struct hmap ack_index;  /* (leg, cseq, to tag) -> ack_st+1 */
	struct hmap ack_offer;  /* (leg, cseq) -> ack_st+1 holding a 2xx offer */
	struct hmap ack_last;   /* (leg, To tag) -> ack_st+1 of the dialog's latest 2xx */
	struct hmap dlg_index;  /* (leg, tags) -> dlg_st+1 */
	struct hmap dir_index;  /* (leg, from tag) -> dir_st+1 */
	struct hmap cseq_index; /* (leg, from tag, cseq, method) -> txn id */
	struct hmap invites;    /* (leg, cseq) -> 1: an INVITE was seen */
	struct hmap once;       /* (rule, what) -> 1: reported already */
	struct queue timers[TIMER__COUNT];

	struct sip_header hdrs[MAX_HEADERS];
	struct sdp sdp;        /* the message's SDP, parsed when it has one */
	int oom;
};

static uint32_t h32(struct sv v)
{
	return (uint32_t)(sv_hash(v) >> 32) | 1;
}

static uint64_t key3(uint64_t a, uint64_t b, uint64_t c)
{
	return hmap_mix(hmap_mix(a, b), c);
}

/* ---- findings ---- */

__attribute__((format(printf, 5, 6)))
static void report(struct checker *c, size_t idx, enum check_rule rule, int sev, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
	if (sev < 0)
		sev = rules[rule].severity;
	if (vec_grow((void **)&c->f, &c->cap_f, c->nf + 1, sizeof *c->f) ||
	    vec_grow((void **)&c->text, &c->cap_text, c->ntext + len + 1, 1) || c->ntext > UINT32_MAX) {
		c->oom = 1;
		return;
	}
	struct check_finding *f = &c->f[c->nf];
	memset(f, 0, sizeof *f);
	f->msg = (uint32_t)idx;
	const struct store_msg *r = store_msg_at(c->s, idx);
	f->call = r ? r->call : 0;
	f->rule = (uint16_t)rule;
	f->severity = (uint8_t)sev;
	f->text = (uint32_t)c->ntext;
	memcpy(c->text + c->ntext, buf, len);
	c->text[c->ntext + len] = '\0';
	c->ntext += len + 1;
	/* Chain it to the message's findings (append: the order found). */
	uint32_t first;
	if (hmap_get(&c->by_msg, (uint64_t)idx + 1, &first)) {
		uint32_t k = first;
		while (c->f[k - 1].next)
			k = c->f[k - 1].next;
		c->f[k - 1].next = (uint32_t)c->nf + 1;
	} else if (hmap_put(&c->by_msg, (uint64_t)idx + 1, (uint32_t)c->nf + 1) < 0) {
		c->oom = 1;
		return;
	}
	c->nf++;
	c->hits[rule]++;
	if (f->call) {
		size_t had = c->cap_legs;
		if (vec_grow((void **)&c->legs, &c->cap_legs, f->call + 1, sizeof *c->legs)) {
			c->oom = 1;
			return;
		}
		if (c->cap_legs > had)
			memset(c->legs + had, 0, (c->cap_legs - had) * sizeof *c->legs);
		c->legs[f->call].counts[sev]++;
	}
}

/* 1 the first time (rule, what) is asked, 0 after. */
static int first_time(struct checker *c, enum check_rule rule, uint64_t what)
{
	uint64_t k = hmap_mix(what, (uint64_t)rule + 0x5151);
	uint32_t v;
	if (hmap_get(&c->once, k, &v))
		return 0;
	if (hmap_put(&c->once, k, 1) < 0)
		c->oom = 1;
	return 1;
}

/* ---- arena: route hash lists and SDP summaries ---- */

static uint32_t arena_put(struct checker *c, const uint32_t *v, size_t n)
{
	if (vec_grow((void **)&c->arena, &c->cap_arena, c->narena + n + 1, sizeof *c->arena) ||
	    c->narena + n > UINT32_MAX - 1) {
		c->oom = 1;
		return UINT32_MAX; /* callers keep nothing then */
	}
	uint32_t off = (uint32_t)c->narena;
	memcpy(c->arena + off, v, n * sizeof *v);
	c->narena += n;
	return off;
}

static uint32_t text_put(struct checker *c, struct sv v)
{
	if (v.len > 200)
		v.len = 200;
	if (vec_grow((void **)&c->text, &c->cap_text, c->ntext + v.len + 1, 1) || c->ntext > UINT32_MAX) {
		c->oom = 1;
		return 0;
	}
	uint32_t off = (uint32_t)c->ntext;
	if (v.len)
		memcpy(c->text + off, v.p, v.len);
	c->text[off + v.len] = '\0';
	c->ntext += v.len + 1;
	return off;
}

/* ---- what a message says, taken once ---- */

struct route_list {
	uint32_t h[MAX_ROUTES];
	uint8_t n;
	uint8_t first_lr, last_lr; /* ;lr on the first / last entry */
	struct sv first_text, last_text;
};

struct view {
	size_t idx;
	struct store_msg *r;
	struct sip_msg m;
	size_t len;          /* bytes on record (a datagram: all of it) */
	uint32_t leg;
	uint32_t from_tag_h, to_tag_h;
	int has_to_tag;
	int reliable;        /* stream transport */
	int has_sdp;
	struct sdp *sdp;     /* the checker's scratch, valid when has_sdp */
};

/* URI of a Route / Record-Route entry reduced to what routing uses:
 * scheme, host (case-insensitive) and port. */
static uint32_t route_hash(const struct sip_addr *a)
{
	char buf[300];
	size_t n = 0;
	struct sv parts[2] = { a->uri.scheme_name, a->uri.host };
	for (int p = 0; p < 2; p++) {
		for (size_t i = 0; i < parts[p].len && n < sizeof buf - 8; i++)
			buf[n++] = (char)sv_lower((unsigned char)parts[p].p[i]);
		buf[n++] = '|';
	}
	n += (size_t)snprintf(buf + n, sizeof buf - n, "%u", a->uri.has_port ? a->uri.port : 0);
	return h32(sv_make(buf, n));
}

static void routes_of(const struct sip_msg *m, enum sip_hdr_id id, struct route_list *out)
{
	struct sip_addr a[MAX_ROUTES];
	size_t n = sip_addr_all(m, id, NULL, a, MAX_ROUTES, NULL);
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < n; i++)
		out->h[i] = route_hash(&a[i]);
	out->n = (uint8_t)n;
	if (n) {
		out->first_lr = sv_is_set(sip_uri_param(&a[0].uri, "lr"));
		out->last_lr = sv_is_set(sip_uri_param(&a[n - 1].uri, "lr"));
		out->first_text = a[0].uri_text;
		out->last_text = a[n - 1].uri_text;
	}
}

/* Hash of the Via branches, topmost first, and their number. */
static uint32_t via_branches(const struct sip_msg *m, uint8_t *count)
{
	struct sip_via v[MAX_VIAS];
	size_t n = sip_via_all(m, v, MAX_VIAS, NULL);
	uint64_t h = 7;
	for (size_t i = 0; i < n; i++)
		h = hmap_mix(h, sv_hash(v[i].branch));
	*count = (uint8_t)n;
	return (uint32_t)(h >> 32) | 1;
}

static int is_reliable(uint8_t tp)
{
	return tp != STORE_TP_UDP;
}

static const char *tp_name(uint8_t tp)
{
	static const char *const names[] = { "UDP", "TCP", "TLS", "WebSocket", "secure WebSocket",
	                                     "SCTP" };
	return tp < sizeof names / sizeof names[0] ? names[tp] : "a stream";
}

static const char *method_str(const struct view *v, char *buf, size_t n)
{
	if (v->m.is_request)
		snprintf(buf, n, "%.*s", (int)(v->m.method.len > 32 ? 32 : v->m.method.len), v->m.method.p);
	else
		snprintf(buf, n, "%d %.*s", v->m.status, (int)(v->m.reason.len > 40 ? 40 : v->m.reason.len),
		         v->m.reason.p ? v->m.reason.p : "");
	return buf;
}

/* ---- SDP summaries: m-line type, port 0, codecs ---- */

/* The static RTP payload type (RFC 3551) an SDP format id names, in lower
 * case (media.h has the table), into buf; NULL when it names none. */
static const char *static_pt(struct sv id, char *buf, size_t n)
{
	if (!id.len || id.len > 2)
		return NULL;
	unsigned v = 0;
	for (size_t i = 0; i < id.len; i++) {
		if (id.p[i] < '0' || id.p[i] > '9')
			return NULL;
		v = v * 10 + (unsigned)(id.p[i] - '0');
	}
	const char *name = media_static_codec(v, NULL);
	if (!name)
		return NULL;
	size_t k = 0;
	for (; name[k] && k < n - 1; k++)
		buf[k] = (char)sv_lower((unsigned char)name[k]);
	buf[k] = '\0';
	return buf;
}

/* A codec's identity: encoding/rate (case-insensitive, channels dropped
 * when 1), else the static payload type's, else the format id itself. */
static uint32_t codec_key(const struct sdp_fmt *f)
{
	char buf[80];
	size_t n = 0;
	if (sv_is_set(f->encoding) && f->encoding.len) {
		struct sv e = f->encoding;
		if (e.len > 2 && e.p[e.len - 2] == '/' && e.p[e.len - 1] == '1')
			e.len -= 2;
		for (size_t i = 0; i < e.len && n < sizeof buf - 1; i++)
			buf[n++] = (char)sv_lower((unsigned char)e.p[i]);
		return h32(sv_make(buf, n));
	}
	char lower[32];
	const char *s = static_pt(f->id, lower, sizeof lower);
	if (s)
		return h32(sv_make(s, strlen(s)));
	n = (size_t)snprintf(buf, sizeof buf, "fmt:%.*s", (int)(f->id.len > 60 ? 60 : f->id.len), f->id.p);
	return h32(sv_make(buf, n < sizeof buf ? n : sizeof buf - 1));
}

/* Layout: m-lines seen, m-lines kept, then per m-line: type hash, port (0 = rejected),
 * nfmts, codec keys. */
static uint32_t sdp_summary(struct checker *c, const struct sdp *d)
{
	uint32_t v[2 + SDP_MAX_MEDIA * (3 + SDP_MAX_FMTS)];
	size_t n = 0;
	v[n++] = (uint32_t)d->nmedia_seen;
	v[n++] = (uint32_t)d->nmedia;
	for (size_t i = 0; i < d->nmedia; i++) {
		const struct sdp_media *md = &d->media[i];
		v[n++] = h32(md->type);
		v[n++] = md->port;
		v[n++] = md->nfmts;
		for (size_t k = 0; k < md->nfmts; k++)
			v[n++] = codec_key(&md->fmts[k]);
	}
	uint32_t off = arena_put(c, v, n);
	return off == UINT32_MAX ? 0 : off + 1;
}

/* One m-line of an SDP summary at p: its type hash, port and codec keys.
 * Returns where the next m-line starts. */
static const uint32_t *summary_mline(const uint32_t *p, uint32_t *type, uint32_t *port,
                                     const uint32_t **codecs, uint32_t *ncodecs)
{
	*type = p[0];
	*port = p[1];
	*ncodecs = p[2];
	*codecs = p + 3;
	return p + 3 + p[2];
}

static void fmt_name(const struct sdp_fmt *f, char *buf, size_t n)
{
	char lower[32];
	if (sv_is_set(f->encoding) && f->encoding.len)
		snprintf(buf, n, "%.*s (%.*s)", (int)(f->id.len > 8 ? 8 : f->id.len), f->id.p,
		         (int)(f->encoding.len > 40 ? 40 : f->encoding.len), f->encoding.p);
	else if (static_pt(f->id, lower, sizeof lower))
		snprintf(buf, n, "%.*s (%s)", (int)f->id.len, f->id.p, lower);
	else
		snprintf(buf, n, "%.*s", (int)(f->id.len > 40 ? 40 : f->id.len), f->id.p);
}

/* RFC 3264 6 and 6.1: the answer in v against the offer summary. */
static void check_answer(struct checker *c, const struct view *v, uint32_t offer_off, const char *what)
{
	const uint32_t *p = c->arena + offer_off - 1;
	uint32_t noffer = *p++;
	uint32_t nkept = *p++;
	const struct sdp *a = v->sdp;
	if (a->nmedia_seen != noffer) {
		report(c, v->idx, CHECK_SDP_MLINE_COUNT, -1,
		       "the SDP answer has %zu m= line%s, the %s offer had %u (RFC 3264 6: exactly as many)",
		       a->nmedia_seen, a->nmedia_seen == 1 ? "" : "s", what, noffer);
		return;
	}
	for (size_t i = 0; i < a->nmedia && i < nkept; i++) {
		uint32_t type, port, nc;
		const uint32_t *codecs;
		p = summary_mline(p, &type, &port, &codecs, &nc);
		const struct sdp_media *md = &a->media[i];
		if (h32(md->type) != type) {
			report(c, v->idx, CHECK_SDP_MLINE_COUNT, -1,
			       "m= line %zu of the SDP answer is %.*s, not the offer's media type (RFC 3264 6: "
			       "same order)", i + 1, (int)(md->type.len > 20 ? 20 : md->type.len), md->type.p);
			return;
		}
		if (!md->port || !port || !nc || !md->nfmts)
			continue; /* rejected stream: formats are meaningless */
		size_t common = 0;
		char extra[200];
		size_t nextra = 0, xl = 0;
		extra[0] = '\0';
		for (size_t k = 0; k < md->nfmts; k++) {
			uint32_t key = codec_key(&md->fmts[k]);
			int found = 0;
			for (uint32_t j = 0; j < nc && !found; j++)
				found = codecs[j] == key;
			if (found) {
				common++;
			} else {
				char name[64];
				fmt_name(&md->fmts[k], name, sizeof name);
				if (xl < sizeof extra - 1)
					xl += (size_t)snprintf(extra + xl, sizeof extra - xl, "%s%s", nextra ? ", " : "",
					                       name);
				if (xl >= sizeof extra)
					xl = sizeof extra - 1;
				nextra++;
			}
		}
		if (!common)
			report(c, v->idx, CHECK_SDP_NO_COMMON_CODEC, -1,
			       "%.*s m= line %zu of the SDP answer accepts the stream (port %u) with none of the "
			       "offered codecs: %s", (int)(md->type.len > 20 ? 20 : md->type.len), md->type.p,
			       i + 1, md->port, extra);
		else if (nextra)
			report(c, v->idx, CHECK_SDP_CODEC_NOT_OFFERED, -1,
			       "%.*s m= line %zu of the SDP answer also lists %s, not in the offer: allowed "
			       "(RFC 3264 6.1), but the offerer may not send %s",
			       (int)(md->type.len > 20 ? 20 : md->type.len), md->type.p, i + 1, extra,
			       nextra == 1 ? "it" : "them");
	}
}

/* ---- state lookups ---- */

static struct txn_st *txn_state(struct checker *c, uint32_t id)
{
	if (!id)
		return NULL;
	size_t had = c->cap_txn;
	if (vec_grow((void **)&c->txn, &c->cap_txn, id + 1, sizeof *c->txn)) {
		c->oom = 1;
		return NULL;
	}
	if (c->cap_txn > had)
		memset(c->txn + had, 0, (c->cap_txn - had) * sizeof *c->txn);
	return &c->txn[id];
}

/* Entry of index h for key k, made (zeroed) when absent and `make`. */
static size_t lookup(struct checker *c, struct hmap *h, uint64_t k, void **arr, size_t *n,
                     size_t *cap, size_t elem, int make)
{
	uint32_t v;
	if (hmap_get(h, k, &v))
		return v;
	if (!make)
		return 0;
	if (vec_grow(arr, cap, *n + 1, elem) || hmap_put(h, k, (uint32_t)*n + 1) < 0) {
		c->oom = 1;
		return 0;
	}
	memset((char *)*arr + *n * elem, 0, elem);
	return ++*n;
}

static int queue_push(struct checker *c, int kind, int64_t due, uint32_t id)
{
	struct queue *q = &c->timers[kind];
	if (vec_grow((void **)&q->q, &q->cap, q->tail + 1, sizeof *q->q)) {
		c->oom = 1;
		return -1;
	}
	q->q[q->tail].due = due;
	q->q[q->tail].id = id;
	q->q[q->tail].kind = (uint8_t)kind;
	q->tail++;
	return 0;
}

/* ---- timers ---- */

static void fire_txn(struct checker *c, uint32_t id, int timer_c)
{
	struct txn_st *x = &c->txn[id];
	if (x->final_msg || !x->req)
		return;
	const char *m = sip_method_name(x->method);
	if (x->method == SIP_M_INVITE && x->prov_us) {
		/* Proceeding: Timer B stopped.  Only a proxy runs Timer C (> 3
		 * min, restarted by each provisional, RFC 3261 16.7 step 2): on
		 * hops it forwarded (the request's copy on another hop). */
		const struct txn_info *ti = track_txn(c->t, id);
		int64_t last = x->prov_last_us ? x->prov_last_us : x->prov_us;
		if (!ti || !ti->origin || ti->origin == id)
			return;
		if (!timer_c || last + CHECK_TIMER_C_US > c->now) {
			queue_push(c, TIMER_TXN_C, last + CHECK_TIMER_C_US, id);
			return;
		}
	}
	if (x->method == SIP_M_CANCEL)
		report(c, x->req - 1, CHECK_CANCEL_UNANSWERED, -1,
		       "CANCEL got no response in 32 s (64*T1, Timer F): the UAS must answer it at once");
	else if (timer_c)
		report(c, x->req - 1, CHECK_NO_FINAL_RESPONSE, CHECK_WARNING,
		       "forwarded INVITE got no final response within 3 minutes of its last provisional "
		       "(Timer C, RFC 3261 16.7 step 2): the proxy should have cancelled it");
	else
		report(c, x->req - 1, CHECK_NO_FINAL_RESPONSE, -1,
		       "%s got no final response in 32 s (64*T1, Timer %s)%s", m ? m : "request",
		       x->method == SIP_M_INVITE ? "B" : "F",
		       x->method == SIP_M_INVITE ? " and no provisional either" : "");
}

static void decide_ack(struct checker *c, uint32_t k, int64_t now)
{
	struct ack_st *a = &c->acks[k];
	if (a->decided)
		return;
	if (!a->ack_us) {
		if (a->n2xx < 3 && now - a->first_us < CHECK_TIMER_B_US)
			return; /* the capture ended too soon to tell: one lost ACK
			         * and a capture cut there look alike */
		a->decided = 1;
		if (a->n2xx > 1)
			report(c, a->msg - 1, CHECK_ACK_MISSING, -1,
			       "2xx to INVITE was never ACKed: sent %u times, no ACK with its CSeq and To tag "
			       "in the capture", a->n2xx);
		else
			report(c, a->msg - 1, CHECK_ACK_MISSING, -1,
			       "2xx to INVITE was never ACKed in the 32 s that followed");
		return;
	}
	a->decided = 1;
	if (a->late >= 2) {
		char ep[64] = "?";
		const struct store_endpoint *e = store_endpoint(c->s, a->src);
		if (e)
			store_endpoint_format(e, ep, sizeof ep);
		report(c, a->msg - 1, CHECK_ACK_MISSING, -1,
		       "2xx to INVITE was retransmitted %u times after it was ACKed: the ACKs never reached "
		       "%s (wrong Contact or route set, or NAT?)", a->late, ep);
	}
}

static void run_timers(struct checker *c, int64_t now, int all)
{
	for (int kind = 0; kind < TIMER__COUNT; kind++) {
		struct queue *q = &c->timers[kind];
		while (q->head < q->tail && (all || q->q[q->head].due <= now)) {
			struct timer tm = q->q[q->head++];
			if (all && tm.due > now) {
				/* End of capture before the deadline: only a 2xx that
				 * was retransmitted with no ACK at all is decided. */
				if (kind == TIMER_ACK)
					decide_ack(c, tm.id - 1, now);
				continue;
			}
			if (kind == TIMER_ACK)
				decide_ack(c, tm.id - 1, now);
			else
				fire_txn(c, tm.id, kind == TIMER_TXN_C);
		}
		if (q->head == q->tail) {
			q->head = q->tail = 0;
		} else if (q->head > 4096 && q->head > q->tail / 2) {
			/* a busy capture never empties it: drop what was taken */
			memmove(q->q, q->q + q->head, (q->tail - q->head) * sizeof *q->q);
			q->tail -= q->head;
			q->head = 0;
		}
	}
}

/* ---- rules on one message ---- */

/* The parser's reason for a malformed message: the specific rules first. */
static int check_syntax(struct checker *c, const struct view *v)
{
	const char *why = v->m.malformed;
	static const struct { uint8_t id; const char *name; } need[] = {
		{ SIP_H_VIA, "Via" }, { SIP_H_TO, "To" }, { SIP_H_FROM, "From" },
		{ SIP_H_CALL_ID, "Call-ID" }, { SIP_H_CSEQ, "CSeq" }, { SIP_H_MAX_FORWARDS, "Max-Forwards" },
	};
	char b[64];
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
		if (need[i].id == SIP_H_MAX_FORWARDS && !v->m.is_request)
			continue;
		if (v->m.first[need[i].id] < 0)
			report(c, v->idx, CHECK_MISSING_HEADER, -1, "%s has no %s header (mandatory in %s)",
			       method_str(v, b, sizeof b), need[i].name,
			       need[i].id == SIP_H_MAX_FORWARDS ? "every request" : "every message");
	}
	if (!why || !strncmp(why, "missing ", 8) || !strcmp(why, "CSeq method differs from request method"))
		return 0; /* told by their own rules */
	if (!strcmp(why, "body shorter than Content-Length")) {
		report(c, v->idx, CHECK_CONTENT_LENGTH_MISMATCH, -1,
		       "Content-Length says %ld bytes but only %zu follow the headers", v->m.content_length,
		       v->len - v->m.header_len);
		return 0;
	}
	report(c, v->idx, CHECK_PARSE_ERROR, -1, "%s is malformed: %s", method_str(v, b, sizeof b), why);
	return 1;
}

/* Rules on what the message carries end to end, reported on its first hop. */
static void check_content(struct checker *c, const struct view *v, uint64_t logical)
{
	const struct sip_msg *m = &v->m;
	char b[64];
	if (m->is_request) {
		if (!sv_is_set(m->from_tag) && m->first[SIP_H_FROM] >= 0 &&
		    first_time(c, CHECK_MISSING_FROM_TAG, logical))
			report(c, v->idx, CHECK_MISSING_FROM_TAG, -1, "%s: From has no tag parameter",
			       method_str(v, b, sizeof b));
		if (m->cseq_valid && !sv_eq(m->cseq_method, m->method) &&
		    first_time(c, CHECK_CSEQ_METHOD_MISMATCH, logical))
			report(c, v->idx, CHECK_CSEQ_METHOD_MISMATCH, -1, "CSeq method %.*s differs from the "
			       "request method %.*s", (int)(m->cseq_method.len > 32 ? 32 : m->cseq_method.len),
			       m->cseq_method.p, (int)(m->method.len > 32 ? 32 : m->method.len), m->method.p);
		if (v->r->method == SIP_M_INVITE && m->first[SIP_H_CONTACT] < 0 &&
		    first_time(c, CHECK_INVITE_WITHOUT_CONTACT, logical))
			report(c, v->idx, CHECK_INVITE_WITHOUT_CONTACT, -1,
			       "INVITE has no Contact: the callee cannot reach the caller inside the dialog");
	} else {
		if (m->status > 100 && !v->has_to_tag && m->first[SIP_H_TO] >= 0 &&
		    first_time(c, CHECK_RESPONSE_WITHOUT_TO_TAG, logical))
			report(c, v->idx, CHECK_RESPONSE_WITHOUT_TO_TAG, -1, "%s has no To tag",
			       method_str(v, b, sizeof b));
		if (m->status >= 200 && m->status < 300 && v->r->method == SIP_M_INVITE &&
		    m->first[SIP_H_CONTACT] < 0 && first_time(c, CHECK_2XX_WITHOUT_CONTACT, logical))
			report(c, v->idx, CHECK_2XX_WITHOUT_CONTACT, -1,
			       "%s to INVITE has no Contact: the caller has no remote target for ACK and BYE",
			       method_str(v, b, sizeof b));
		if (m->status == 483 && first_time(c, CHECK_MAX_FORWARDS_EXHAUSTED, logical))
			report(c, v->idx, CHECK_MAX_FORWARDS_EXHAUSTED, -1,
			       "483 Too Many Hops: the request's Max-Forwards reached 0 (a routing loop?)");
	}
	if (m->body.len && m->first[SIP_H_CONTENT_TYPE] < 0 &&
	    first_time(c, CHECK_BODY_WITHOUT_CONTENT_TYPE, logical))
		report(c, v->idx, CHECK_BODY_WITHOUT_CONTENT_TYPE, -1,
		       "%s has a %zu-byte body but no Content-Type", method_str(v, b, sizeof b), m->body.len);
}

static int all_blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!sv_is_lws((unsigned char)p[i]) && p[i])
			return 0;
	return 1;
}

/* Rules on one hop's copy: framing, Via. */
static void check_hop(struct checker *c, const struct view *v, const char *bytes)
{
	const struct sip_msg *m = &v->m;
	char b[64];
	/* WebSocket and SCTP frame each message themselves (RFC 7118 5). */
	if ((v->r->transport == STORE_TP_TCP || v->r->transport == STORE_TP_TLS) && m->content_length < 0)
		report(c, v->idx, CHECK_CONTENT_LENGTH_MISSING, -1,
		       "%s over %s has no Content-Length: the receiver cannot find where it ends",
		       method_str(v, b, sizeof b), v->r->transport == STORE_TP_TCP ? "TCP" : "TLS");
	if (!v->reliable && m->content_length >= 0 && m->msg_len < v->len &&
	    !all_blank(bytes + m->msg_len, v->len - m->msg_len))
		report(c, v->idx, CHECK_CONTENT_LENGTH_MISMATCH, CHECK_WARNING,
		       "Content-Length says %ld bytes but %zu more follow in the datagram (dropped by the "
		       "receiver)", m->content_length, v->len - m->msg_len);
	if (!m->is_request || m->first[SIP_H_VIA] < 0)
		return;
	struct sip_via via;
	struct sip_hdr_iter it;
	sip_hdr_iter_init(&it, m, SIP_H_VIA, NULL);
	if (sip_via_next(&it, &via) != 1)
		return;
	if (sv_is_set(via.branch) && (via.branch.len < 7 || memcmp(via.branch.p, "z9hG4bK", 7)) &&
	    first_time(c, CHECK_BRANCH_WITHOUT_COOKIE, hmap_mix(v->leg, v->r->src)))
		report(c, v->idx, CHECK_BRANCH_WITHOUT_COOKIE, -1,
		       "Via branch %.*s lacks the z9hG4bK cookie: an RFC 2543 client, matched the old way",
		       (int)(via.branch.len > 60 ? 60 : via.branch.len), via.branch.p);
	else if (!sv_is_set(via.branch) && first_time(c, CHECK_BRANCH_WITHOUT_COOKIE,
	                                              hmap_mix(v->leg, v->r->src)))
		report(c, v->idx, CHECK_BRANCH_WITHOUT_COOKIE, -1,
		       "the top Via has no branch: an RFC 2543 client, matched the old way");
	/* NAT: a literal sent-by address that is not where the packet came from. */
	const struct store_endpoint *src = store_endpoint(c->s, v->r->src);
	if (!src || (via.host_type != SIP_HOST_IPV4 && via.host_type != SIP_HOST_IPV6) ||
	    via.host.len >= 64)
		return;
	char host[64];
	unsigned char addr[16];
	memcpy(host, via.host.p, via.host.len);
	host[via.host.len] = '\0';
	int fam = via.host_type == SIP_HOST_IPV4 ? 4 : 6;
	if (inet_pton(fam == 4 ? AF_INET : AF_INET6, host, addr) != 1)
		return;
	if (fam == src->family && !memcmp(addr, src->addr, fam == 4 ? 4 : 16))
		return;
	if (!first_time(c, CHECK_VIA_SENT_BY_NAT, hmap_mix(v->leg, v->r->src)))
		return;
	char ep[64];
	store_endpoint_format(src, ep, sizeof ep);
	report(c, v->idx, CHECK_VIA_SENT_BY_NAT, -1,
	       "Via sent-by %s is not the source %s: the sender is behind NAT (responses go to the "
	       "source, received=/rport)", host, ep);
}

/* ---- requests ---- */

/* A dialog of a leg: its two tags, in either order. */
static uint64_t dialog_key(const struct view *v)
{
	uint64_t a = v->from_tag_h, b = v->to_tag_h;
	return hmap_mix(v->leg, a < b ? hmap_mix(a, b) : hmap_mix(b, a));
}

static void check_cseq_order(struct checker *c, const struct view *v, uint32_t txn, struct txn_st *x,
                             uint32_t origin)
{
	uint8_t mid = v->r->method;
	if (mid == SIP_M_ACK || mid == SIP_M_CANCEL || !v->m.cseq_valid || !v->from_tag_h)
		return;
	/* One sender, by From tag, and inside a dialog by the dialog too:
	 * forked early dialogs each count from the INVITE's CSeq (RFC 3261
	 * 12.2.1.1), so PRACK 2 in each of them is right. */
	uint64_t dk = hmap_mix(v->leg, v->from_tag_h);
	uint64_t ddk = v->has_to_tag ? hmap_mix(dk, v->to_tag_h) : dk;
	size_t had = c->ndirs;
	size_t d = lookup(c, &c->dir_index, ddk, (void **)&c->dirs, &c->ndirs, &c->cap_dirs,
	                  sizeof *c->dirs, 1);
	int fresh = c->ndirs > had; /* the first request of this dialog */
	if (fresh && ddk != dk) {
		uint32_t parent;
		if (hmap_get(&c->dir_index, dk, &parent))
			c->dirs[d - 1] = c->dirs[parent - 1];
	}
	uint64_t ck = key3(ddk, v->m.cseq, 0x63);
	uint32_t prev;
	if (hmap_get(&c->cseq_index, ck, &prev) && prev != txn) {
		struct txn_st *p = &c->txn[prev];
		const struct txn_st *o = origin && origin < c->cap_txn ? &c->txn[origin] : NULL;
		/* The same request on another hop is a proxy's copy, and so is a
		 * proxy's new branch on the same hop (serial forking, RFC 3261
		 * 16.6): only the request's own sender can reuse its CSeq. */
		int by_sender = !o || !o->req || o->src == x->src;
		if (p->req && (p->method != x->method || (p->src == x->src && p->dst == x->dst && by_sender)))
			report(c, v->idx, CHECK_CSEQ_REUSED, -1,
			       "new %.*s transaction reuses CSeq %u of the %s in frame %llu: a new request "
			       "must take a higher CSeq", (int)(v->m.method.len > 32 ? 32 : v->m.method.len),
			       v->m.method.p, v->m.cseq, sip_method_name(p->method) ? sip_method_name(p->method) : "request",
			       (unsigned long long)store_msg_at(c->s, p->req - 1)->frame);
		return;
	}
	if (hmap_put(&c->cseq_index, ck, txn) < 0)
		c->oom = 1;
	if (!d)
		return;
	struct dir_st *ds = &c->dirs[d - 1];
	/* A dialog's first request must go past the CSeq it inherited. */
	if (ds->seen && (v->m.cseq < ds->max_cseq || (fresh && ddk != dk && v->m.cseq == ds->max_cseq)))
		report(c, v->idx, CHECK_CSEQ_NOT_INCREASING, -1,
		       "CSeq %u is %s %u, sent earlier by the same side of the %s", v->m.cseq,
		       v->m.cseq < ds->max_cseq ? "lower than" : "not higher than", ds->max_cseq,
		       ddk != dk ? "dialog" : "call");
	if (!ds->seen || v->m.cseq > ds->max_cseq)
		ds->max_cseq = v->m.cseq;
	ds->seen = 1;
}

/* The hop a proxy received this copy on: the family member sent to the
 * copy's sender (same address and port, else same address). */
static struct txn_st *incoming_hop(struct checker *c, uint32_t origin, const struct txn_st *x)
{
	const struct store_endpoint *me = store_endpoint(c->s, x->src);
	struct txn_st *host_match = NULL;
	for (uint32_t id = origin; id; id = c->txn[id].family) {
		struct txn_st *h = &c->txn[id];
		if (h == x || !h->req || h->src == x->src)
			continue; /* sent by the same side: not what the proxy received */
		if (h->dst == x->src)
			return h;
		const struct store_endpoint *e = store_endpoint(c->s, h->dst);
		if (me && e && e->family == me->family && !memcmp(e->addr, me->addr, me->family == 4 ? 4 : 16))
			host_match = h;
	}
	return host_match;
}

/* Is some earlier transaction of the same request on x's hop?  Then x
 * is a new transaction (reuse), not a proxy's copy. */
static int same_hop_as_family(const struct checker *c, uint32_t origin, const struct txn_st *x)
{
	for (uint32_t id = origin; id; id = c->txn[id].family) {
		const struct txn_st *h = &c->txn[id];
		if (h != x && h->req && h->src == x->src && h->dst == x->dst)
			return 1;
	}
	return 0;
}

static void check_route_set(struct checker *c, const struct view *v)
{
	if (!v->has_to_tag || !v->from_tag_h)
		return;
	uint64_t dk = dialog_key(v);
	uint32_t d;
	if (!hmap_get(&c->dlg_index, dk, &d))
		return;
	const struct dlg_st *ds = &c->dlgs[d - 1];
	int caller = v->from_tag_h == ds->caller_tag_h && v->r->src == ds->caller_ep;
	int callee = v->from_tag_h == ds->callee_tag_h && v->r->src == ds->callee_ep;
	if (!caller && !callee)
		return; /* not seen leaving the UA: a proxy may have changed it */
	if (ds->nrr && (caller ? ds->caller_strict : ds->callee_strict))
		return;   /* strict routing (RFC 2543): the route is in the Request-URI */
	struct route_list rt;
	routes_of(&v->m, SIP_H_ROUTE, &rt);
	const uint32_t *rr = c->arena + ds->rr_off;
	int same = rt.n == ds->nrr;
	for (uint8_t i = 0; same && i < rt.n; i++)
		same = rt.h[i] == (caller ? rr[ds->nrr - 1 - i] : rr[i]);
	if (same)
		return;
	char b[64];
	if (!ds->nrr)
		report(c, v->idx, CHECK_ROUTE_SET_IGNORED, -1,
		       "in-dialog %s carries Route %.*s though the dialog's route set is empty (no "
		       "Record-Route)", method_str(v, b, sizeof b),
		       (int)(rt.first_text.len > 100 ? 100 : rt.first_text.len), rt.first_text.p);
	else if (!rt.n)
		report(c, v->idx, CHECK_ROUTE_SET_IGNORED, -1,
		       "in-dialog %s has no Route, but Record-Route set a route set of %u entr%s (%s): it "
		       "bypasses the proxy", method_str(v, b, sizeof b), ds->nrr, ds->nrr == 1 ? "y" : "ies",
		       c->text + ds->rr_text);
	else
		report(c, v->idx, CHECK_ROUTE_SET_IGNORED, -1,
		       "in-dialog %s's Route (%u entr%s, first %.*s) is not the dialog's route set (%u, "
		       "from Record-Route)", method_str(v, b, sizeof b), rt.n, rt.n == 1 ? "y" : "ies",
		       (int)(rt.first_text.len > 100 ? 100 : rt.first_text.len), rt.first_text.p, ds->nrr);
}

/* A retransmission's timing (17.1.1.2, 17.1.2.2, 13.3.1.4): intervals
 * T1, 2*T1, 4*T1 ... (up to T2 for non-INVITE and 2xx). */
static void check_interval(struct checker *c, size_t idx, int64_t gap, int64_t *first_gap,
                           unsigned k, int capped, uint8_t *flagged, const char *what)
{
	if (k == 1) {
		*first_gap = gap;
		if (gap < CHECK_T1_US * 9 / 10 - 20000 && !(*flagged & 1)) {
			*flagged |= 1;
			report(c, idx, CHECK_RETRANS_TOO_EARLY, -1,
			       "%s retransmitted after %lld ms, sooner than T1 = 500 ms", what,
			       (long long)(gap / 1000));
		}
		return;
	}
	int64_t t1 = *first_gap > CHECK_T1_US ? *first_gap : CHECK_T1_US;
	int64_t want = t1;
	for (unsigned i = 1; i < k && want < (int64_t)1 << 40; i++)
		want *= 2;
	int64_t cap = CHECK_T2_US > t1 ? CHECK_T2_US : t1;
	if (capped && want > cap)
		want = cap;
	if (gap < want * 3 / 4 - 20000 && !(*flagged & 2)) {
		*flagged |= 2;
		report(c, idx, CHECK_RETRANS_INTERVAL, -1,
		       "%s retransmission %u came %lld ms after the previous one; doubling from T1 "
		       "wants about %lld ms", what, k, (long long)(gap / 1000), (long long)(want / 1000));
	}
}

static void check_request(struct checker *c, struct view *v)
{
	struct store_msg *r = v->r;
	uint32_t id = r->txn;
	const struct txn_info *ti = id ? track_txn(c->t, id) : NULL;
	struct txn_st *x = txn_state(c, id);
	uint8_t mid = r->method;
	int own = ti && ti->method == mid; /* not the ACK of a non-2xx (its INVITE's) */
	char b[64];

	if (r->flags & STORE_MSG_RETRANS) {
		/* An ACK is repeated for each 2xx repeated, not on a timer. */
		if (!own || !x || !x->req || mid == SIP_M_ACK)
			return;
		int64_t gap = r->ts_us - x->last_us;
		x->last_us = r->ts_us;
		x->nretrans++;
		if (v->reliable) {
			if (!(x->flagged & 4)) {
				x->flagged |= 4;
				report(c, v->idx, CHECK_RETRANS_ON_RELIABLE, -1,
				       "%s retransmitted over %s: a reliable transport retransmits for it",
				       method_str(v, b, sizeof b), tp_name(r->transport));
			}
			return;
		}
		/* Within T1 (the round-trip estimate) the two may have crossed. */
		if (mid == SIP_M_INVITE && x->prov_us && r->ts_us > x->prov_us + CHECK_T1_US &&
		    !(x->flagged & 8)) {
			x->flagged |= 8;
			report(c, v->idx, CHECK_RETRANS_AFTER_PROVISIONAL, -1,
			       "INVITE retransmitted %lld ms after a provisional response was sent back: the "
			       "client did not get it (lost?), or ignores it",
			       (long long)((r->ts_us - x->prov_us) / 1000));
		}
		if (mid == SIP_M_INVITE && x->prov_us)
			return; /* past Proceeding the timing means little */
		check_interval(c, v->idx, gap, &x->first_gap, x->nretrans, mid != SIP_M_INVITE, &x->flagged,
		               sip_method_name(mid) ? sip_method_name(mid) : "request");
		return;
	}

	uint64_t logical = key3(0x7265, ti ? ti->origin : (uint64_t)v->idx + (1ULL << 40), mid);
	if (own && x && !x->req) {
		x->req = (uint32_t)v->idx + 1;
		x->first_us = x->last_us = r->ts_us;
		x->src = r->src;
		x->dst = r->dst;
		x->method = mid;
		x->ruri_h = h32(sv_trim(v->m.uri));
		x->from_tag_h = v->from_tag_h;
		x->to_tag_h = v->to_tag_h;
		x->to_uri_h = h32(sip_addr_uri(sip_header_get(&v->m, SIP_H_TO)));
		x->via_h = via_branches(&v->m, &x->nvia);
		x->mf = UINT32_MAX;
		struct sv mf = sip_header_get(&v->m, SIP_H_MAX_FORWARDS);
		uint32_t hops;
		if (sv_is_set(mf) && sip_max_forwards_parse(mf, &hops) == 0)
			x->mf = hops;
		struct route_list rr;
		routes_of(&v->m, SIP_H_RECORD_ROUTE, &rr);
		x->rr_off = rr.n ? arena_put(c, rr.h, rr.n) : 0;
		x->nrr = x->rr_off == UINT32_MAX ? 0 : rr.n;
		/* Relayed copies hang off the first hop (the tracker's origin). */
		if (ti->origin && ti->origin != id) {
			struct txn_st *o = txn_state(c, ti->origin);
			x = txn_state(c, id); /* the array may have moved */
			if (o && x) {
				x->family = o->family;
				o->family = id;
			}
		}
		if (x && mid != SIP_M_ACK)
			queue_push(c, TIMER_TXN, r->ts_us + CHECK_TIMER_B_US, id);
		if (x && v->has_sdp && (mid == SIP_M_INVITE || mid == SIP_M_UPDATE || mid == SIP_M_PRACK)) {
			x->offer_off = sdp_summary(c, v->sdp);
			x->offer_in_req = 1;
		}
	}
	if (!x)
		x = txn_state(c, id);

	check_content(c, v, logical);

	/* The caller moves on in the dialog (BYE, re-INVITE...) and the 2xx
	 * was never ACKed: no need to wait for Timer H to say so. */
	uint32_t ak;
	if (own && mid != SIP_M_ACK && mid != SIP_M_CANCEL && v->has_to_tag &&
	    hmap_get(&c->ack_last, hmap_mix(v->leg, v->to_tag_h), &ak)) {
		struct ack_st *a = &c->acks[ak - 1];
		if (!a->ack_us && !a->decided && a->caller_tag_h == v->from_tag_h) {
			a->decided = 1;
			report(c, a->msg - 1, CHECK_ACK_MISSING, -1,
			       "2xx to INVITE was never ACKed: sent %u time%s, then the caller sent %s in frame %llu "
			       "without an ACK", a->n2xx, a->n2xx == 1 ? "" : "s", method_str(v, b, sizeof b),
			       (unsigned long long)r->frame);
		}
	}

	if (mid == SIP_M_INVITE && v->m.cseq_valid && hmap_put(&c->invites, hmap_mix(v->leg, v->m.cseq), 1) < 0)
		c->oom = 1;

	/* Max-Forwards down by one on each proxy (16.6 step 3). */
	if (own && x && ti->origin && ti->origin != id && x->mf != UINT32_MAX &&
	    !same_hop_as_family(c, ti->origin, x)) {
		const struct txn_st *in = incoming_hop(c, ti->origin, x);
		if (in && in->mf != UINT32_MAX && x->mf >= in->mf)
			report(c, v->idx, CHECK_MAX_FORWARDS_NOT_DECREMENTED, -1,
			       "forwarded %s has Max-Forwards %u, the copy the proxy received had %u",
			       method_str(v, b, sizeof b), x->mf, in->mf);
	}

	/* The sender's CSeq order (copies on other hops are told apart
	 * inside), and the route set on the request's first hop. */
	if (own && x)
		check_cseq_order(c, v, id, x, ti->origin);
	if (own && ti && (ti->origin == id || !ti->origin) && mid != SIP_M_CANCEL)
		check_route_set(c, v);

	if (mid == SIP_M_ACK) {
		if (v->m.cseq_valid) {
			uint32_t one;
			int early = r->ts_us - c->first_us < CHECK_TIMER_B_US;
			if (!hmap_get(&c->invites, hmap_mix(v->leg, v->m.cseq), &one) &&
			    first_time(c, CHECK_ACK_WITHOUT_INVITE, logical))
				report(c, v->idx, CHECK_ACK_WITHOUT_INVITE, early ? CHECK_INFO : -1,
				       "ACK with CSeq %u acknowledges no INVITE of this call in the capture%s",
				       v->m.cseq, early ? " (the capture began less than 32 s before it)" : "");
			uint32_t k;
			if (v->has_to_tag &&
			    hmap_get(&c->ack_index, key3(v->leg, v->m.cseq, v->to_tag_h), &k)) {
				struct ack_st *a = &c->acks[k - 1];
				if (!a->ack_us) {
					a->ack_us = r->ts_us;
					a->ack_dst = r->dst;
				}
			}
			/* An offer in the 2xx is answered in the ACK (RFC 3264 with 13.2.1). */
			if (v->has_sdp && own && hmap_get(&c->ack_offer, hmap_mix(v->leg, v->m.cseq), &k) &&
			    c->acks[k - 1].offer_off)
				check_answer(c, v, c->acks[k - 1].offer_off, "2xx");
		}
		return;
	}
	if (mid == SIP_M_CANCEL && own && x) {
		uint32_t inv = ti->cancels;
		struct txn_st *ix = inv ? txn_state(c, inv) : NULL;
		x = txn_state(c, id);
		if (!ix || !ix->req) {
			if (first_time(c, CHECK_CANCEL_WITHOUT_INVITE, logical))
				report(c, v->idx, CHECK_CANCEL_WITHOUT_INVITE, -1,
				       "CANCEL matches no INVITE on its hop (branch, sent-by): the UAS answers 481");
			return;
		}
		/* Within T1 a CANCEL and the final response cross (RFC 3261 9.1). */
		if (ix->final_msg && ix->final_us + CHECK_T1_US < r->ts_us)
			report(c, v->idx, CHECK_CANCEL_AFTER_FINAL, -1,
			       "CANCEL sent %lld ms after the INVITE's final response %u (frame %llu): it has "
			       "no effect", (long long)((r->ts_us - ix->final_us) / 1000), ix->final_status,
			       (unsigned long long)store_msg_at(c->s, ix->final_msg - 1)->frame);
		const char *diff = NULL;
		if (ix->partial)
			return;
		if (x->ruri_h != ix->ruri_h)
			diff = "Request-URI";
		else if (v->m.cseq != store_msg_at(c->s, ix->req - 1)->cseq)
			diff = "CSeq number";
		else if (x->from_tag_h != ix->from_tag_h)
			diff = "From tag";
		else if (x->to_tag_h != ix->to_tag_h || x->to_uri_h != ix->to_uri_h)
			diff = "To";
		if (diff)
			report(c, v->idx, CHECK_CANCEL_MISMATCH, -1,
			       "CANCEL's %s differs from the INVITE's it cancels (frame %llu)", diff,
			       (unsigned long long)store_msg_at(c->s, ix->req - 1)->frame);
	}
}

/* ---- responses ---- */

static void note_2xx(struct checker *c, struct view *v, struct txn_st *x)
{
	uint64_t k = key3(v->leg, v->m.cseq, v->to_tag_h);
	size_t a = lookup(c, &c->ack_index, k, (void **)&c->acks, &c->nacks, &c->cap_acks,
	                  sizeof *c->acks, 1);
	if (!a)
		return;
	struct ack_st *s = &c->acks[a - 1];
	int64_t now = v->r->ts_us;
	if (!s->msg) {
		s->msg = (uint32_t)v->idx + 1;
		s->src = v->r->src;
		s->caller_tag_h = v->from_tag_h;
		if (hmap_put(&c->ack_last, hmap_mix(v->leg, v->to_tag_h), (uint32_t)a) < 0)
			c->oom = 1;
		s->first_us = s->last_us = now;
		s->n2xx = 1;
		queue_push(c, TIMER_ACK, now + CHECK_TIMER_B_US, (uint32_t)a);
		/* No offer in the INVITE: the 2xx makes it, the ACK answers. */
		if (v->has_sdp && x && !x->offer_in_req) {
			s->offer_off = sdp_summary(c, v->sdp);
			if (hmap_put(&c->ack_offer, hmap_mix(v->leg, v->m.cseq), (uint32_t)a) < 0)
				c->oom = 1;
		}
		return;
	}
	if (v->r->src != s->src)
		return; /* another hop's copy */
	int64_t gap = now - s->last_us;
	s->last_us = now;
	if (s->n2xx < UINT16_MAX)
		s->n2xx++;
	if (s->ack_us && now > s->ack_us + CHECK_T1_US && s->late < UINT16_MAX)
		s->late++;
	if (!v->reliable)
		check_interval(c, v->idx, gap, &s->first_gap, s->n2xx - 1u, 1, &s->flagged, "2xx to INVITE");
}

static void note_dialog(struct checker *c, struct view *v, const struct txn_st *x, uint32_t origin)
{
	uint64_t dk = dialog_key(v);
	uint32_t have;
	if (hmap_get(&c->dlg_index, dk, &have))
		return;
	size_t d = lookup(c, &c->dlg_index, dk, (void **)&c->dlgs, &c->ndlgs, &c->cap_dlgs,
	                  sizeof *c->dlgs, 1);
	if (!d)
		return;
	struct dlg_st *ds = &c->dlgs[d - 1];
	struct route_list rr;
	routes_of(&v->m, SIP_H_RECORD_ROUTE, &rr);
	ds->caller_tag_h = v->from_tag_h;
	ds->callee_tag_h = v->to_tag_h;
	/* The caller as it sent the INVITE on its first hop; the callee as
	 * it sent this first 2xx. */
	const struct txn_st *o = origin && origin < c->cap_txn ? &c->txn[origin] : x;
	ds->caller_ep = o && o->req ? o->src : 0;
	ds->callee_ep = v->r->src;
	ds->rr_off = rr.n ? arena_put(c, rr.h, rr.n) : 0;
	ds->nrr = ds->rr_off == UINT32_MAX ? 0 : rr.n;
	ds->rr_text = text_put(c, rr.n ? rr.first_text : sv_make("", 0));
	ds->caller_strict = rr.n && !rr.last_lr;
	ds->callee_strict = rr.n && !rr.first_lr;
}

static void check_response(struct checker *c, struct view *v)
{
	struct store_msg *r = v->r;
	const struct sip_msg *m = &v->m;
	char b[64];
	uint32_t id = r->txn;
	const struct txn_info *ti = id ? track_txn(c->t, id) : NULL;
	struct txn_st *x = id ? txn_state(c, id) : NULL;
	int is_2xx_invite = m->status >= 200 && m->status < 300 && r->method == SIP_M_INVITE;

	if (r->flags & STORE_MSG_RETRANS) {
		if (is_2xx_invite && v->has_to_tag)
			note_2xx(c, v, x);
		return;
	}
	uint64_t logical = key3(v->leg, ((uint64_t)m->cseq << 8) | r->method, v->to_tag_h);
	logical = hmap_mix(logical, (uint64_t)m->status);
	check_content(c, v, logical);

	if (!r->request_msg || !x || !x->req) {
		int early = r->ts_us - c->first_us < CHECK_TIMER_B_US;
		if (first_time(c, CHECK_RESPONSE_WITHOUT_REQUEST, logical))
			report(c, v->idx, CHECK_RESPONSE_WITHOUT_REQUEST, early ? CHECK_INFO : -1,
			       "%s (CSeq %u %.*s) answers no request seen on this hop%s",
			       method_str(v, b, sizeof b), m->cseq,
			       (int)(m->cseq_method.len > 32 ? 32 : m->cseq_method.len), m->cseq_method.p,
			       early ? " (the capture began less than 32 s before it)" : "");
		if (is_2xx_invite && v->has_to_tag)
			note_2xx(c, v, x);
		return;
	}
	const struct store_msg *req = store_msg_at(c->s, x->req - 1);
	/* An unchecked request left nothing of its headers to compare. */
	if (!x->partial) {
		const char *diff = NULL;
		if (r->call_id != req->call_id)
			diff = "Call-ID";
		else if (m->cseq != req->cseq || r->method != req->method)
			diff = "CSeq";
		else if (v->from_tag_h != x->from_tag_h)
			diff = "From tag";
		else if (x->to_tag_h && v->to_tag_h != x->to_tag_h)
			diff = "To tag";
		if (diff)
			report(c, v->idx, CHECK_RESPONSE_MISMATCH, -1,
			       "%s's %s differs from its request's (frame %llu)", method_str(v, b, sizeof b), diff,
			       (unsigned long long)req->frame);
		uint8_t nvia;
		uint32_t vh = via_branches(m, &nvia);
		if (m->first[SIP_H_VIA] >= 0 && (nvia != x->nvia || vh != x->via_h))
			report(c, v->idx, CHECK_RESPONSE_VIA_MISMATCH, -1,
			       "%s has %u Via value%s, not the %u of its request (frame %llu), or other branches",
			       method_str(v, b, sizeof b), nvia, nvia == 1 ? "" : "s", x->nvia,
			       (unsigned long long)req->frame);
	}
	if (m->status < 200) {
		if (!x->prov_us)
			x->prov_us = r->ts_us;
		if (m->status > 100)
			x->prov_last_us = r->ts_us;
	} else if (!x->final_msg) {
		x->final_msg = (uint32_t)v->idx + 1;
		x->final_us = r->ts_us;
		x->final_status = (uint16_t)m->status;
		x->final_to_tag_h = v->to_tag_h;
	} else {
		int forked = x->method == SIP_M_INVITE && m->status < 300 && x->final_status < 300 &&
		             v->to_tag_h != x->final_to_tag_h;
		if (!forked && (m->status != x->final_status || v->to_tag_h != x->final_to_tag_h))
			report(c, v->idx, CHECK_SECOND_FINAL_RESPONSE, -1,
			       "%s after the final response %u (frame %llu) of the same transaction",
			       method_str(v, b, sizeof b), x->final_status,
			       (unsigned long long)store_msg_at(c->s, x->final_msg - 1)->frame);
	}

	/* Record-Route copied into dialog-creating responses (12.1.1): the
	 * request's list on this hop must end the response's. */
	int dialog_maker = x->method == SIP_M_INVITE || x->method == SIP_M_SUBSCRIBE ||
	                   x->method == SIP_M_REFER || x->method == SIP_M_NOTIFY;
	if (dialog_maker && m->status > 100 && m->status < 300 && v->has_to_tag && x->nrr) {
		struct route_list rr;
		routes_of(m, SIP_H_RECORD_ROUTE, &rr);
		const uint32_t *want = c->arena + x->rr_off;
		int ok = rr.n >= x->nrr;
		for (uint8_t i = 0; ok && i < x->nrr; i++)
			ok = rr.h[rr.n - x->nrr + i] == want[i];
		if (!ok)
			report(c, v->idx, CHECK_RECORD_ROUTE_NOT_MIRRORED, -1,
			       "%s has %u Record-Route value%s; its request (frame %llu) had %u that it must "
			       "copy in order", method_str(v, b, sizeof b), rr.n, rr.n == 1 ? "" : "s",
			       (unsigned long long)req->frame, x->nrr);
	}

	if (is_2xx_invite && v->has_to_tag) {
		note_2xx(c, v, x);
		note_dialog(c, v, x, ti ? ti->origin : 0);
	}
	/* The answer to an offer made in the request (RFC 3264). */
	if (v->has_sdp && x->offer_off && x->offer_in_req && m->status > 100 && m->status < 300)
		check_answer(c, v, x->offer_off, sip_method_name(x->method) ? sip_method_name(x->method)
		                                                            : "request's");
}

/* ---- the pass ---- */

/* A request that is not checked (cut short, or breaking the grammar)
 * still opened its transaction: what the record says of it is kept, so
 * its responses, ACK, CANCEL and Timer B/F are judged against it.  Only
 * its timing and hop are known, not its headers. */
static void note_unchecked(struct checker *c, size_t idx, const struct store_msg *r)
{
	if (!(r->flags & STORE_MSG_REQUEST) || (r->flags & STORE_MSG_RETRANS) || !r->txn)
		return;
	const struct txn_info *ti = track_txn(c->t, r->txn);
	struct txn_st *x = txn_state(c, r->txn);
	if (!ti || !x || ti->method != r->method || x->req)
		return;
	x->req = (uint32_t)idx + 1;
	x->first_us = x->last_us = r->ts_us;
	x->src = r->src;
	x->dst = r->dst;
	x->method = r->method;
	x->mf = UINT32_MAX;
	x->partial = 1;
	if (r->method != SIP_M_ACK)
		queue_push(c, TIMER_TXN, r->ts_us + CHECK_TIMER_B_US, r->txn);
	if (r->method == SIP_M_INVITE && r->call && hmap_put(&c->invites, hmap_mix(r->call, r->cseq), 1) < 0)
		c->oom = 1;
}

static int check_one(struct checker *c, size_t idx)
{
	struct view v; /* not cleared whole: the parser fills v.m */
	v.idx = idx;
	v.has_sdp = 0;
	v.sdp = &c->sdp;
	v.r = store_msg_at(c->s, idx);
	if (!v.r)
		return 0;
	if (!c->first_us)
		c->first_us = v.r->ts_us;
	if (v.r->ts_us > c->now)
		c->now = v.r->ts_us;
	run_timers(c, c->now, 0);
	if (v.r->flags & (STORE_MSG_SNAPCUT | STORE_MSG_TCPGAP)) {
		note_unchecked(c, idx, v.r); /* not what was sent */
		return 0;
	}
	size_t len;
	const char *bytes = store_msg_bytes(c->s, idx, &len);
	if (!bytes)
		return -1;
	if (sip_parse(bytes, len, SIP_PARSE_DATAGRAM, &v.m, c->hdrs, MAX_HEADERS) <= 0)
		return 0;
	c->checked++;
	v.len = len;
	v.leg = v.r->call;
	v.reliable = is_reliable(v.r->transport);
	v.from_tag_h = sv_is_set(v.m.from_tag) ? h32(v.m.from_tag) : 0;
	v.has_to_tag = sv_is_set(v.m.to_tag);
	v.to_tag_h = v.has_to_tag ? h32(v.m.to_tag) : 0;
	int retrans = (v.r->flags & STORE_MSG_RETRANS) != 0;
	if (!retrans) {
		if (check_syntax(c, &v)) {
			note_unchecked(c, idx, v.r);
			return 0;
		}
		check_hop(c, &v, bytes);
	} else if (v.m.malformed) {
		return 0;
	}
	struct sv body = sip_body_sdp(&v.m);
	v.has_sdp = sv_is_set(body) && body.len && sdp_parse(body.p, body.len, v.sdp) == 0;
	if (v.m.is_request)
		check_request(c, &v);
	else
		check_response(c, &v);
	return 0;
}

struct checker *check_new(struct store *s, const struct tracker *t)
{
	struct checker *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->s = s;
	c->t = t;
	hmap_init(&c->by_msg);
	hmap_init(&c->ack_index);
	hmap_init(&c->ack_offer);
	hmap_init(&c->ack_last);
	hmap_init(&c->dlg_index);
	hmap_init(&c->dir_index);
	hmap_init(&c->cseq_index);
	hmap_init(&c->invites);
	hmap_init(&c->once);
	return c;
}

void check_free(struct checker *c)
{
	if (!c)
		return;
	free(c->f);
	free(c->text);
	free(c->arena);
	free(c->txn);
	free(c->acks);
	free(c->dlgs);
	free(c->dirs);
	free(c->legs);
	for (int i = 0; i < TIMER__COUNT; i++)
		free(c->timers[i].q);
	hmap_free(&c->by_msg);
	hmap_free(&c->ack_index);
	hmap_free(&c->ack_offer);
	hmap_free(&c->ack_last);
	hmap_free(&c->dlg_index);
	hmap_free(&c->dir_index);
	hmap_free(&c->cseq_index);
	hmap_free(&c->invites);
	hmap_free(&c->once);
	free(c);
}

int check_update(struct checker *c) { return check_update_max(c, SIZE_MAX); }

size_t check_pending(const struct checker *c) { return store_msg_count(c->s) - c->next; }

int check_update_max(struct checker *c, size_t max)
{
	int rc = 0;
	size_t n = store_msg_count(c->s);
	if (n - c->next > max)
		n = c->next + max;
	for (; c->next < n; c->next++)
		if (check_one(c, c->next) < 0)
			rc = -1;
	if (c->oom) {
		c->oom = 0;
		rc = -1;
	}
	return rc;
}

static int cmp_finding(const void *a, const void *b)
{
	const struct check_finding *x = a, *y = b;
	if (x->msg != y->msg)
		return x->msg < y->msg ? -1 : 1;
	return x->text < y->text ? -1 : x->text > y->text; /* order found */
}

void check_finish(struct checker *c)
{
	if (c->finished)
		return;
	c->finished = 1;
	run_timers(c, c->now, 1);
	/* Findings by message, each message's in the order found. */
	if (c->nf)
		qsort(c->f, c->nf, sizeof *c->f, cmp_finding);
	hmap_free(&c->by_msg);
	hmap_init(&c->by_msg);
	for (size_t i = 0; i < c->nf; i++) {
		c->f[i].next = 0;
		if (i && c->f[i - 1].msg == c->f[i].msg)
			c->f[i - 1].next = (uint32_t)i + 1;
		else if (hmap_put(&c->by_msg, (uint64_t)c->f[i].msg + 1, (uint32_t)i + 1) < 0)
			c->oom = 1;
	}
}

size_t check_count(const struct checker *c)
{
	return c->nf;
}

const struct check_finding *check_at(const struct checker *c, size_t i)
{
	return i < c->nf ? &c->f[i] : NULL;
}

const char *check_text(const struct checker *c, const struct check_finding *f)
{
	return c->text + f->text;
}

uint32_t check_msg_first(const struct checker *c, size_t idx)
{
	uint32_t v;
	return hmap_get(&c->by_msg, (uint64_t)idx + 1, &v) ? v : 0;
}

int check_msg_worst(const struct checker *c, size_t idx)
{
	int worst = -1;
	for (uint32_t k = check_msg_first(c, idx); k; k = c->f[k - 1].next)
		if (c->f[k - 1].severity > worst)
			worst = c->f[k - 1].severity;
	return worst;
}

void check_call_counts(const struct checker *c, uint32_t call, size_t counts[3])
{
	counts[0] = counts[1] = counts[2] = 0;
	for (uint32_t leg = call; leg; ) {
		if (leg < c->cap_legs)
			for (int i = 0; i < 3; i++)
				counts[i] += c->legs[leg].counts[i];
		const struct call_info *ci = track_call(c->t, leg - 1);
		if (!ci || leg == ci->next_leg)
			break;
		leg = ci->next_leg;
	}
}

size_t check_rule_hits(const struct checker *c, enum check_rule r)
{
	return (unsigned)r < CHECK_RULE__COUNT ? c->hits[r] : 0;
}

size_t check_checked(const struct checker *c)
{
	return c->checked;
}
