/* ladder.c - see include/sipscope/ladder.h
 *
 * Layout: the time column, then one lifeline per endpoint in order of
 * first appearance (a proxy's hops come out side by side: UAC, proxy,
 * UAS).  The gap between two neighbouring lifelines is wide enough for
 * both names and for the longest label of an arrow between exactly those
 * two; with a width limit the gaps give up, in turn, their spare room,
 * the room of SDP summaries, whole names (cut at the front, keeping the
 * end that tells columns apart), then whole labels.  With several calls
 * a call column follows the time: each line's call number. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sipscope/alias.h"
#include "sipscope/escape.h"
#include "sipscope/ladder.h"
#include "sipscope/sdp.h"
#include "sipscope/sip.h"
#include "sipscope/vec.h"

#define MIN_GAP 14       /* narrowest gap between lifelines */
#define WANT_GAP 22      /* default gap */
#define MAX_LABEL_GAP 50  /* labels longer than this are cut */
#define MAX_SDP_GAP 40    /* SDP summaries longer than this are cut */
#define NAME_MAX_COLS 40 /* endpoint names longer than this are cut */
#define LABEL_MAX 160    /* bytes kept of a label or summary */
#define MAX_HEADERS 96

struct lcol {
	struct store_endpoint key; /* port 0 when merged per host */
	char name[64];
	size_t name_cols;
	size_t x;
	int port_needed; /* another column has the same host: the port tells them apart */
};

struct lmsg {
	size_t idx;         /* store index */
	int64_t ts_us;
	uint32_t from, to;  /* columns */
	size_t label, sdp;  /* offsets in text, sdp = 0 when none */
	size_t label_cols, sdp_cols;
	size_t line;        /* its arrow line */
	uint8_t style, color;
	int8_t problem;     /* CHECK_ERROR, CHECK_WARNING, or -1: no mark */
	uint32_t call;      /* the shown call (root id) it belongs to */
};

/* A media address an SDP of the ladder announced, and the column of the
 * message's sender. */
struct lann {
	struct store_endpoint ep;
	uint32_t col;
};

/* What a line draws. */
struct lline {
	size_t i;      /* message, or stream */
	uint8_t kind;  /* enum ladder_line_kind */
};

struct ladder {
	struct ladder_opts o;
	struct ladder_stream *streams;
	size_t nstreams;
	struct lann *ann;
	size_t nann, ann_cap;
	struct lcol *cols;
	size_t ncols, cols_cap;
	struct lmsg *msgs;
	size_t nmsgs, msgs_cap;
	char *text; /* labels, NUL-separated; offset 0 is "" */
	size_t text_len, text_cap;
	struct lline *line_msg; /* what each line past the header draws */
	size_t nlines, width;
	size_t tag_cols;        /* width of the call column (0: one call, none) */
	uint32_t *roots;        /* the shown calls' roots, in the order given */
	size_t nroots;
};

static const char *glyph(const struct ladder *l, const char *utf8, const char *ascii)
{
	return l->o.ascii ? ascii : utf8;
}

/* Store a copy of an escaped string; returns its offset, or 0 on failure. */
static size_t text_add(struct ladder *l, const char *s, size_t len)
{
	if (l->text_len + len + 1 > l->text_cap) {
		size_t cap = l->text_cap ? l->text_cap : 4096;
		while (cap < l->text_len + len + 1)
			cap *= 2;
		char *t = realloc(l->text, cap);
		if (!t)
			return 0;
		l->text = t;
		l->text_cap = cap;
	}
	size_t off = l->text_len;
	memcpy(l->text + off, s, len);
	l->text[off + len] = '\0';
	l->text_len += len + 1;
	return off;
}

/* What a column is keyed by: the ip:port, or the host with merge_hosts. */
static void column_key(const struct ladder *l, const struct store_endpoint *ep,
                       struct store_endpoint *key)
{
	memset(key, 0, sizeof *key);
	key->family = ep->family;
	memcpy(key->addr, ep->addr, sizeof key->addr);
	key->port = l->o.merge_hosts ? 0 : ep->port;
}

/* The column of that key, or -1. */
static long column_find(const struct ladder *l, const struct store_endpoint *key)
{
	for (size_t i = 0; i < l->ncols; i++)
		if (!memcmp(&l->cols[i].key, key, sizeof *key))
			return (long)i;
	return -1;
}

static long column_of(struct ladder *l, const struct store_endpoint *ep)
{
	struct store_endpoint key;
	column_key(l, ep, &key);
	long found = column_find(l, &key);
	if (found >= 0)
		return found;
	if (l->ncols == l->cols_cap &&
	    vec_grow((void **)&l->cols, &l->cols_cap, l->ncols + 1, sizeof *l->cols) < 0)
		return -1;
	struct lcol *c = &l->cols[l->ncols];
	memset(c, 0, sizeof *c);
	c->key = key;
	/* An alias (alias.h) names the column: of the host alone when the
	 * columns are hosts, else of the ip:port or the host. */
	const char *host = l->o.merge_hosts ? alias_lookup_host(&key) : NULL;
	int alias = host != NULL;
	if (host)
		snprintf(c->name, sizeof c->name, "%s", host);
	else if (!l->o.merge_hosts)
		alias = alias_format(&key, c->name, sizeof c->name);
	if (!alias)
		store_endpoint_format(&key, c->name, sizeof c->name);
	if (!alias && l->o.merge_hosts) { /* drop the ":0" */
		char *colon = strrchr(c->name, ':');
		if (colon)
			*colon = '\0';
		if (c->name[0] == '[') {
			size_t n = strlen(c->name);
			memmove(c->name, c->name + 1, n);
			if (n >= 2 && c->name[n - 2] == ']')
				c->name[n - 2] = '\0';
		}
	}
	c->name_cols = strlen(c->name);
	if (c->name_cols > NAME_MAX_COLS) {
		/* Cut the middle of the address: the port (and the end of the
		 * address) is what tells two columns apart. */
		size_t keep_tail = 16, keep_head = NAME_MAX_COLS - keep_tail - 1;
		memmove(c->name + keep_head + 1, c->name + c->name_cols - keep_tail, keep_tail + 1);
		c->name[keep_head] = '~';
		c->name_cols = NAME_MAX_COLS;
	}
	return (long)l->ncols++;
}

size_t ladder_sdp_summary(const struct sip_msg *m, char *raw, size_t cap)
{
	struct sv body = sip_body_sdp(m); /* multipart bodies too (SIP-I) */
	struct sdp sdp;
	if (!cap || !sv_is_set(body) || sdp_parse(body.p, body.len, &sdp) < 0)
		return 0;
	size_t o = 0;
	raw[0] = '\0';
	for (size_t i = 0; i < sdp.nmedia && o < cap - 1; i++) {
		const struct sdp_media *md = &sdp.media[i];
		/* An IPv6 address before ":port" in brackets (RFC 3986 3.2.2). */
		int v6 = md->conn.p && memchr(md->conn.p, ':', md->conn.len) != NULL;
		int n = snprintf(raw + o, cap - o, "%s%.*s %s%.*s%s:%u ", i ? "; " : "",
		                 (int)md->type.len, md->type.p, v6 ? "[" : "", (int)md->conn.len,
		                 md->conn.p ? md->conn.p : "", v6 ? "]" : "", (unsigned)md->port);
		if (n < 0 || (size_t)n >= cap - o)
			break;
		o += (size_t)n;
		for (uint16_t k = 0; k < md->nfmts && k < 4; k++) {
			struct sv e = sv_is_set(md->fmts[k].encoding) ? md->fmts[k].encoding : md->fmts[k].id;
			const char *slash = memchr(e.p, '/', e.len); /* "PCMU/8000" -> "PCMU" */
			size_t el = slash ? (size_t)(slash - e.p) : e.len;
			n = snprintf(raw + o, cap - o, "%s%.*s", k ? "," : "", (int)el, e.p);
			if (n < 0 || (size_t)n >= cap - o)
				break;
			o += (size_t)n;
		}
		if (md->dir != SDP_DIR_NONE && md->dir != SDP_DIR_SENDRECV && o < cap - 1) {
			n = snprintf(raw + o, cap - o, " %s", sdp_dir_name((enum sdp_dir)md->dir));
			if (n > 0 && (size_t)n < cap - o)
				o += (size_t)n;
		}
	}
	if (o >= cap)
		o = cap - 1;
	raw[o] = '\0';
	return o;
}

/* The summary escaped for the terminal, *cols its width. */
static size_t sdp_summary(const struct sip_msg *m, char *buf, size_t cap, size_t *cols)
{
	char raw[LABEL_MAX * 2];
	size_t o = ladder_sdp_summary(m, raw, sizeof raw);
	if (!o)
		return 0;
	return esc_term_buf(buf, cap, sv_make(raw, o), cols);
}

/* Label and SDP summary of one message, from its bytes. */
static int msg_texts(struct ladder *l, struct store *s, struct lmsg *lm, const struct store_msg *r)
{
	char label[LABEL_MAX], sdp[LABEL_MAX];
	size_t len = 0, sdp_len = 0, blen;
	const char *bytes = store_msg_bytes(s, lm->idx, &blen);
	struct sip_header hdrs[MAX_HEADERS];
	struct sip_msg m;
	int parsed = bytes && sip_parse(bytes, blen, SIP_PARSE_DATAGRAM, &m, hdrs, MAX_HEADERS) > 0;
	char raw[LABEL_MAX];
	int n;
	if (parsed && m.is_request)
		n = snprintf(raw, sizeof raw, "%.*s", (int)m.method.len, m.method.p);
	else if (parsed)
		n = snprintf(raw, sizeof raw, "%d %.*s", m.status, (int)m.reason.len, m.reason.p);
	else if (r->flags & STORE_MSG_REQUEST)
		n = snprintf(raw, sizeof raw, "%s", sip_method_name((enum sip_method)r->method)
		                                      ? sip_method_name((enum sip_method)r->method) : "?");
	else
		n = snprintf(raw, sizeof raw, "%u", r->status);
	if (n < 0)
		n = 0;
	size_t mark = lm->problem >= 0 ? strlen(LADDER_MARK) : 0;
	memcpy(label, LADDER_MARK, mark);
	len = mark + esc_term_buf(label + mark, sizeof label - mark,
	                          sv_make(raw, strnlen(raw, sizeof raw)), &lm->label_cols);
	lm->label_cols += mark;
	if (parsed && !l->o.no_sdp)
		sdp_len = sdp_summary(&m, sdp, sizeof sdp, &lm->sdp_cols);
	const char *tag = r->malformed ? " (bad)" : sdp_len ? " (SDP)" : "";
	/* A retransmission repeats its original's SDP: the summary once per
	 * transaction is enough (its label still says "(SDP)"). */
	if (r->flags & STORE_MSG_RETRANS)
		sdp_len = 0;
	const char *rtx = (r->flags & STORE_MSG_RETRANS) ? " (retr)" : "";
	size_t extra = strlen(tag) + strlen(rtx);
	if (len + extra < sizeof label) {
		memcpy(label + len, tag, strlen(tag));
		memcpy(label + len + strlen(tag), rtx, strlen(rtx) + 1);
		len += extra;
		lm->label_cols += extra;
	}
	lm->label = text_add(l, label, len);
	if (!lm->label)
		return -1;
	if (sdp_len) {
		lm->sdp = text_add(l, sdp, sdp_len);
		if (!lm->sdp)
			return -1;
	}
	return 0;
}

static int same_endpoint(const struct store_endpoint *a, const struct store_endpoint *b)
{
	return a->family == b->family && a->port == b->port && !memcmp(a->addr, b->addr, sizeof a->addr);
}

/* With media: the addresses the SDP of message idx announces, owned by
 * the column of its sender. */
static int note_announce(struct ladder *l, struct store *s, size_t idx, uint32_t col)
{
	size_t blen;
	const char *bytes = store_msg_bytes(s, idx, &blen);
	struct sip_header hdrs[MAX_HEADERS];
	struct sip_msg m;
	if (!bytes || sip_parse(bytes, blen, SIP_PARSE_DATAGRAM, &m, hdrs, MAX_HEADERS) <= 0)
		return 0;
	struct sv body = sip_body_sdp(&m);
	struct sdp sdp;
	if (!sv_is_set(body) || sdp_parse(body.p, body.len, &sdp) < 0)
		return 0;
	for (size_t i = 0; i < sdp.nmedia; i++) {
		struct store_endpoint ep;
		if (media_sdp_endpoint(sdp.media[i].conn, sdp.media[i].port, &ep) < 0)
			continue;
		if (l->nann == l->ann_cap &&
		    vec_grow((void **)&l->ann, &l->ann_cap, l->nann + 1, sizeof *l->ann) < 0)
			return -1;
		l->ann[l->nann].ep = ep;
		l->ann[l->nann++].col = col;
	}
	return 0;
}

static int add_msg(struct ladder *l, struct store *s, const struct tracker *t, size_t idx)
{
	const struct store_msg *r = store_msg_at(s, idx);
	long from = column_of(l, store_endpoint(s, r->src));
	long to = column_of(l, store_endpoint(s, r->dst));
	if (from < 0 || to < 0)
		return -1;
	if (l->nmsgs == l->msgs_cap &&
	    vec_grow((void **)&l->msgs, &l->msgs_cap, l->nmsgs + 1, sizeof *l->msgs) < 0)
		return -1;
	struct lmsg *lm = &l->msgs[l->nmsgs];
	memset(lm, 0, sizeof *lm);
	lm->idx = idx;
	lm->ts_us = r->ts_us;
	lm->from = (uint32_t)from;
	lm->to = (uint32_t)to;
	lm->style = r->malformed ? LADDER_S_BAD
	          : (r->flags & STORE_MSG_RETRANS) ? LADDER_S_RETRANS : LADDER_S_ARROW;
	/* One color per request across its hops: the first hop's transaction. */
	const struct txn_info *tx = r->txn ? track_txn(t, r->txn) : NULL;
	uint32_t txn = tx && tx->origin ? tx->origin : r->txn;
	lm->color = txn ? (uint8_t)(1 + txn % LADDER_COLORS) : 0;
	int worst = l->o.check ? check_msg_worst(l->o.check, idx) : -1;
	lm->problem = (int8_t)(worst >= CHECK_WARNING ? worst : -1);
	lm->call = r->call ? track_call_root(t, r->call) : 0;
	if (msg_texts(l, s, lm, r) < 0)
		return -1;
	if (l->o.media && note_announce(l, s, idx, lm->from) < 0)
		return -1;
	l->nmsgs++;
	return 0;
}

/* "one-way, loss 5.4%": the problem names, with figures where they say
 * more. */
static void stream_problems(const struct media_stream *ms, char *buf, size_t n)
{
	static const char *const names[] = { "unannounced", "nat", "codec", "one-way", "gap",
	                                     "after-bye", "loss", "srtp-auth" };
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof names / sizeof names[0] && o < n; i++) {
		uint16_t bit = (uint16_t)(1u << i);
		if (!(ms->problems & bit))
			continue;
		int k;
		if (bit == MEDIA_P_LOSS && ms->expected > 0)
			k = snprintf(buf + o, n - o, "%sloss %.1f%%", o ? ", " : "",
			             100.0 * (double)ms->lost / (double)ms->expected);
		else if (bit == MEDIA_P_GAP)
			k = snprintf(buf + o, n - o, "%sgap %.1f s", o ? ", " : "", ms->gap_us / 1e6);
		else if (bit == MEDIA_P_AFTER_BYE)
			k = snprintf(buf + o, n - o, "%safter-bye %.1f s", o ? ", " : "", ms->after_bye_us / 1e6);
		else
			k = snprintf(buf + o, n - o, "%s%s", o ? ", " : "", names[i]);
		if (k < 0 || (size_t)k >= n - o) {
			buf[o] = '\0';
			break;
		}
		o += (size_t)k;
	}
}

void ladder_stream_texts(const struct media_stream *ms, struct ladder_stream *ls)
{
	char raw[160];
	snprintf(raw, sizeof raw, "RTP %s %" PRIu64 " pkt%s", ms->codec[0] ? ms->codec : "?",
	         ms->packets, ms->packets == 1 ? "" : "s");
	esc_term_buf(ls->label, sizeof ls->label, sv_make(raw, strlen(raw)), &ls->label_cols);
	if (ms->ndtmf) { /* an event stream: its digits say more than a MOS */
		size_t o = (size_t)snprintf(raw, sizeof raw, "DTMF ");
		for (uint32_t k = 0; k < ms->ndtmf && o + 1 < sizeof raw; k++)
			raw[o++] = ms->dtmf[k].digit;
		raw[o] = '\0';
	} else {
		int64_t lost = ms->lost > 0 ? ms->lost : 0; /* duplicates make it negative */
		int o = lost && ms->expected > 0
		      ? snprintf(raw, sizeof raw, "lost %" PRId64 " (%.1f%%), jitter %.2f ms", lost,
		                 100.0 * (double)lost / (double)ms->expected, ms->jitter_ms_mean)
		      : snprintf(raw, sizeof raw, "lost %" PRId64 ", jitter %.2f ms", lost, ms->jitter_ms_mean);
		if (o > 0 && (size_t)o < sizeof raw && ms->mos > 0)
			snprintf(raw + o, sizeof raw - (size_t)o, ", MOS %.2f", ms->mos);
	}
	esc_term_buf(ls->figures, sizeof ls->figures, sv_make(raw, strnlen(raw, sizeof raw)),
	             &ls->figures_cols);
	stream_problems(ms, ls->problems, sizeof ls->problems);
	ls->problems_cols = strlen(ls->problems); /* ASCII */
}

/* The column of a stream's end: the SIP endpoint whose SDP announced it
 * (the latest), the column of that ip:port, the first of that host, or a
 * new one.  Never `avoid` (the other end's column) when another will do. */
static long stream_column(struct ladder *l, const struct store_endpoint *ep, long avoid)
{
	for (size_t k = l->nann; k-- > 0;)
		if (same_endpoint(&l->ann[k].ep, ep) && (long)l->ann[k].col != avoid)
			return (long)l->ann[k].col;
	struct store_endpoint key;
	column_key(l, ep, &key);
	long found = column_find(l, &key);
	if (found >= 0)
		return found;
	for (size_t i = 0; i < l->ncols; i++)
		if ((long)i != avoid && l->cols[i].key.family == key.family &&
		    !memcmp(l->cols[i].key.addr, key.addr, sizeof key.addr))
			return (long)i;
	return column_of(l, &key);
}

static int cmp_stream(const void *a, const void *b)
{
	const struct ladder_stream *x = a, *y = b;
	if (x->before != y->before)
		return (x->before > y->before) - (x->before < y->before);
	if (x->ms->first_us != y->ms->first_us)
		return (x->ms->first_us > y->ms->first_us) - (x->ms->first_us < y->ms->first_us);
	return (x->ms > y->ms) - (x->ms < y->ms);
}

/* The streams of calls[0..n) (by their roots), after the messages: the
 * SIP columns come first, in the order the messages made them. */
static int add_streams(struct ladder *l, const struct tracker *t, const uint32_t *calls, size_t n)
{
	size_t ns = media_stream_count(l->o.media), cap = 0;
	for (size_t i = 0; i < ns; i++) {
		const struct media_stream *ms = media_stream(l->o.media, i);
		uint32_t leg = ms->h_call_id ? track_find_call(t, ms->h_call_id) : 0;
		uint32_t root = leg ? track_call_root(t, leg) : 0;
		size_t k;
		for (k = 0; root && k < n && calls[k] != root; k++)
			;
		if (!root || k == n)
			continue;
		if (l->nstreams == cap &&
		    vec_grow((void **)&l->streams, &cap, l->nstreams + 1, sizeof *l->streams) < 0)
			return -1;
		struct ladder_stream *ls = &l->streams[l->nstreams];
		memset(ls, 0, sizeof *ls);
		ls->ms = ms;
		ls->call = root;
		long from = stream_column(l, &ms->src, -1);
		long to = from < 0 ? -1 : stream_column(l, &ms->dst, from);
		if (from < 0 || to < 0)
			return -1;
		ls->from = (size_t)from;
		ls->to = (size_t)to;
		while (ls->before < l->nmsgs && l->msgs[ls->before].ts_us <= ms->first_us)
			ls->before++;
		ladder_stream_texts(ms, ls);
		l->nstreams++;
	}
	if (l->nstreams > 1)
		qsort(l->streams, l->nstreams, sizeof *l->streams, cmp_stream);
	return 0;
}

/* Room a label of `cols` columns needs between two lifelines. */
static size_t label_gap(size_t cols)
{
	return cols + 6;
}

/* Cells left of the lifelines that stay in place when the ladder is
 * scrolled sideways: the time, and with several calls the call column. */
size_t ladder_fixed_cols(const struct ladder *l)
{
	return LADDER_TIME_COLS + 1 + (l->tag_cols ? l->tag_cols + 1 : 0);
}

/* A gap's wishes, from the most to the least: the default spacing
 * (gap), room for the SDP summaries as well as for both names and every
 * label (floor[0]), for names and labels (floor[1]), for the labels
 * with the names cut (floor[2]), then MIN_GAP (labels cut too:
 * floor[3]). */
#define GAP_TIERS 4
static void gap_wish(size_t *gap, size_t *floor, size_t nc, size_t a, size_t need, size_t want)
{
	if (want > gap[a])
		gap[a] = want;
	if (want > floor[a])
		floor[a] = want;
	for (size_t t = 1; t < GAP_TIERS - 1; t++)
		if (need > floor[t * nc + a])
			floor[t * nc + a] = need;
}

static void place_columns(struct ladder *l)
{
	size_t nc = l->ncols;
	size_t *gap = calloc((1 + GAP_TIERS) * (nc ? nc : 1), sizeof *gap);
	size_t self_right = 0; /* room right of the last lifeline for messages to itself */
	if (!gap)
		return; /* x stays 0: drawn crowded, never out of bounds */
	size_t *floor = gap + nc; /* GAP_TIERS tiers of nc each */
	for (size_t i = 0; i < nc; i++) {
		l->cols[i].port_needed = 0;
		for (size_t k = 0; k < nc; k++)
			if (k != i && l->cols[k].key.family == l->cols[i].key.family &&
			    !memcmp(l->cols[k].key.addr, l->cols[i].key.addr, sizeof l->cols[i].key.addr))
				l->cols[i].port_needed = 1;
	}
	for (size_t i = 0; i + 1 < nc; i++) {
		size_t g = (l->cols[i].name_cols + 1) / 2 + (l->cols[i + 1].name_cols + 1) / 2 + 2;
		gap[i] = g > WANT_GAP ? g : WANT_GAP;
		floor[i] = floor[nc + i] = g > MIN_GAP ? g : MIN_GAP;
		floor[2 * nc + i] = floor[3 * nc + i] = MIN_GAP;
	}
	for (size_t i = 0; i < l->nmsgs; i++) {
		const struct lmsg *m = &l->msgs[i];
		size_t a = m->from < m->to ? m->from : m->to, b = m->from < m->to ? m->to : m->from;
		/* SDP summaries are cut to fit; labels widen the gap up to a cap. */
		size_t need = label_gap(m->label_cols < MAX_LABEL_GAP ? m->label_cols : MAX_LABEL_GAP);
		size_t sdp_need = m->sdp ? m->sdp_cols + 4 : 0;
		if (sdp_need > MAX_SDP_GAP)
			sdp_need = MAX_SDP_GAP;
		size_t want = sdp_need > need ? sdp_need : need;
		if (b == a + 1 || (b == a && a + 1 < nc)) /* to itself: label to the right */
			gap_wish(gap, floor, nc, a, need, want);
		else if (b == a && want + 2 > self_right)
			self_right = want + 2;
	}
	for (size_t i = 0; i < l->nstreams; i++) {
		const struct ladder_stream *st = &l->streams[i];
		size_t a = st->from < st->to ? st->from : st->to, b = st->from < st->to ? st->to : st->from;
		size_t cols = st->label_cols + (st->problems[0] ? strlen(LADDER_MARK) : 0);
		if (st->figures_cols > cols)
			cols = st->figures_cols;
		if (st->problems_cols + strlen(LADDER_MARK) > cols)
			cols = st->problems_cols + strlen(LADDER_MARK);
		size_t need = label_gap(cols < MAX_LABEL_GAP ? cols : MAX_LABEL_GAP);
		if (b == a + 1 || (b == a && a + 1 < nc))
			gap_wish(gap, floor, nc, a, need, need);
		else if (b == a && need + 2 > self_right)
			self_right = need + 2;
	}
	size_t left = ladder_fixed_cols(l) + 1 + (nc ? (l->cols[0].name_cols + 1) / 2 : 0);
	size_t right = nc ? l->cols[nc - 1].name_cols / 2 + 2 : 0;
	if (self_right > right)
		right = self_right;
	size_t total = left + right;
	for (size_t i = 0; i + 1 < nc; i++)
		total += gap[i];
	/* Over the limit: give up the wishes tier by tier, each time taking a
	 * column from the gap with the most room above its floor, so that the
	 * spare room goes before any label or name is cut. */
	size_t tiers = GAP_TIERS;
	if (l->o.scrolls && l->o.max_width) {
		/* A viewer that scrolls sideways: cut labels only when that
		 * makes the ladder fit; scrolling is needed anyway otherwise. */
		size_t at_min = left + right;
		for (size_t i = 0; i + 1 < nc; i++)
			at_min += floor[(GAP_TIERS - 1) * nc + i];
		if (at_min > l->o.max_width)
			tiers = GAP_TIERS - 1;
	}
	for (size_t tier = 0; tier < tiers && l->o.max_width && total > l->o.max_width; tier++) {
		const size_t *fl = floor + tier * nc;
		while (total > l->o.max_width) {
			size_t w = SIZE_MAX, most = 0;
			for (size_t i = 0; i + 1 < nc; i++)
				if (gap[i] > fl[i] && gap[i] - fl[i] > most) {
					most = gap[i] - fl[i];
					w = i;
				}
			if (w == SIZE_MAX)
				break;
			gap[w]--;
			total--;
		}
	}
	size_t x = left;
	for (size_t i = 0; i < nc; i++) {
		l->cols[i].x = x;
		if (i + 1 < nc)
			x += gap[i];
	}
	l->width = total > x + 1 ? total : x + 1;
	free(gap);
}

/* Lines of the streams that come before message i (i == nmsgs: after
 * the last), from stream *next on. */
static void lay_streams(struct ladder *l, size_t i, size_t *next, size_t *k)
{
	for (; *next < l->nstreams && l->streams[*next].before <= i; (*next)++) {
		struct ladder_stream *st = &l->streams[*next];
		st->line = LADDER_HEAD_LINES + *k;
		l->line_msg[(*k)++] = (struct lline){ *next, LADDER_LINE_STREAM };
		l->line_msg[(*k)++] = (struct lline){ *next, LADDER_LINE_STREAM_INFO };
		if (st->problems[0])
			l->line_msg[(*k)++] = (struct lline){ *next, LADDER_LINE_STREAM_INFO };
	}
}

static int lay_lines(struct ladder *l)
{
	size_t n = 0;
	for (size_t i = 0; i < l->nmsgs; i++)
		n += l->msgs[i].sdp ? 2 : 1;
	for (size_t i = 0; i < l->nstreams; i++)
		n += l->streams[i].problems[0] ? 3 : 2;
	l->line_msg = malloc((n ? n : 1) * sizeof *l->line_msg);
	if (!l->line_msg)
		return -1;
	size_t k = 0, next = 0;
	for (size_t i = 0; i < l->nmsgs; i++) {
		lay_streams(l, i, &next, &k);
		l->msgs[i].line = LADDER_HEAD_LINES + k;
		l->line_msg[k++] = (struct lline){ i, LADDER_LINE_ARROW };
		if (l->msgs[i].sdp)
			l->line_msg[k++] = (struct lline){ i, LADDER_LINE_SDP };
	}
	lay_streams(l, l->nmsgs, &next, &k);
	l->nlines = LADDER_HEAD_LINES + n;
	return 0;
}

struct ladder *ladder_build(struct store *s, const struct tracker *t, const uint32_t *calls,
                            size_t n, const struct ladder_opts *o)
{
	struct ladder *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	if (o)
		l->o = *o;
	text_add(l, "", 0); /* offset 0: no text */
	if (l->text_len != 1)
		goto fail;
	l->roots = malloc((n ? n : 1) * sizeof *l->roots);
	if (!l->roots)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		if (!calls[i] || calls[i] > track_call_count(t))
			continue;
		uint32_t root = track_call_root(t, calls[i]);
		size_t k;
		for (k = 0; k < l->nroots && l->roots[k] != root; k++)
			;
		if (k == l->nroots)
			l->roots[l->nroots++] = root;
	}
	if (l->nroots > 1) { /* the call column: as wide as the largest number */
		char num[16];
		for (size_t i = 0; i < l->nroots; i++) {
			size_t w = (size_t)snprintf(num, sizeof num, "%" PRIu32, l->roots[i]);
			if (w > l->tag_cols)
				l->tag_cols = w;
		}
	}
	/* Each call's messages come from its chain (not a walk over the
	 * capture); several calls are merged in capture order. */
	size_t *all = NULL;
	long nall = track_calls_messages(t, calls, n, 1, &all);
	if (nall < 0)
		goto fail;
	for (size_t i = 0; i < (size_t)nall; i++)
		if (add_msg(l, s, t, all[i]) < 0)
			goto fail_all;
	free(all);
	if (l->o.media && add_streams(l, t, calls, n) < 0)
		goto fail;
	place_columns(l);
	if (lay_lines(l) < 0)
		goto fail;
	return l;
fail_all:
	free(all);
fail:
	ladder_free(l);
	return NULL;
}

void ladder_free(struct ladder *l)
{
	if (!l)
		return;
	free(l->cols);
	free(l->msgs);
	free(l->text);
	free(l->line_msg);
	free(l->streams);
	free(l->ann);
	free(l->roots);
	free(l);
}

size_t ladder_width(const struct ladder *l) { return l->width; }
size_t ladder_lines(const struct ladder *l) { return l->nlines; }
size_t ladder_columns(const struct ladder *l) { return l->ncols; }
size_t ladder_msg_count(const struct ladder *l) { return l->nmsgs; }
size_t ladder_msg(const struct ladder *l, size_t i) { return l->msgs[i].idx; }
size_t ladder_msg_line(const struct ladder *l, size_t i) { return l->msgs[i].line; }
size_t ladder_column_x(const struct ladder *l, size_t c) { return l->cols[c].x; }
const char *ladder_column_name(const struct ladder *l, size_t c) { return l->cols[c].name; }

uint32_t ladder_msg_call(const struct ladder *l, size_t i)
{
	return l->msgs[i].call;
}

uint8_t ladder_call_color(const struct ladder *l, uint32_t call)
{
	for (size_t k = 0; k < l->nroots; k++)
		if (l->roots[k] == call)
			return (uint8_t)(1 + k % LADDER_COLORS);
	return 0;
}

int ladder_msg_problem(const struct ladder *l, size_t i)
{
	return l->msgs[i].problem;
}

void ladder_msg_columns(const struct ladder *l, size_t i, size_t *from, size_t *to)
{
	*from = l->msgs[i].from;
	*to = l->msgs[i].to;
}

enum ladder_line_kind ladder_line_kind(const struct ladder *l, size_t line, size_t *msg)
{
	if (line < LADDER_HEAD_LINES || line >= l->nlines) {
		*msg = (size_t)-1;
		return LADDER_LINE_HEAD;
	}
	const struct lline *ln = &l->line_msg[line - LADDER_HEAD_LINES];
	*msg = ln->i;
	return (enum ladder_line_kind)ln->kind;
}

size_t ladder_stream_count(const struct ladder *l)
{
	return l->nstreams;
}

const struct ladder_stream *ladder_stream_at(const struct ladder *l, size_t i)
{
	return i < l->nstreams ? &l->streams[i] : NULL;
}

/* Put UTF-8 text at cells[x..), one character per cell, at most `max`
 * cells and never past the line. */
static size_t put_text(const struct ladder *l, struct ladder_cell *cells, size_t x, const char *s,
                       size_t max, uint8_t style, uint8_t color)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), k = 0;
	for (size_t i = 0; i < len;) {
		int w;
		int u = esc_char(p + i, len - i, &w);
		if (k + (size_t)w > max || x + k + (size_t)w > l->width)
			break;
		memcpy(cells[x + k].ch, p + i, (size_t)u);
		cells[x + k].ch[u] = '\0';
		cells[x + k].style = style;
		cells[x + k].color = color;
		if (w == 2) { /* a wide character covers the next cell too */
			cells[x + k + 1].ch[0] = '\0';
			cells[x + k + 1].style = style;
			cells[x + k + 1].color = color;
		}
		k += (size_t)w;
		i += (size_t)u;
	}
	return k; /* cells used */
}

static void put(const struct ladder *l, struct ladder_cell *cells, size_t x, const char *g,
                uint8_t style, uint8_t color)
{
	if (x < l->width) {
		strcpy(cells[x].ch, g);
		cells[x].style = style;
		cells[x].color = color;
	}
}

/* The time column of a line at ts_us that comes after message i - 1
 * (i == 0: before every message). */
static void fmt_time_at(const struct ladder *l, int64_t ts_us, size_t i, char *buf, size_t n)
{
	if (l->o.time == LADDER_TIME_ABS) {
		time_t sec = (time_t)(ts_us / 1000000);
		struct tm tm;
		localtime_r(&sec, &tm);
		snprintf(buf, n, "%02d:%02d:%02d.%06d", tm.tm_hour, tm.tm_min, tm.tm_sec,
		         (int)(ts_us % 1000000));
		return;
	}
	int64_t base = l->o.time == LADDER_TIME_DELTA ? (i ? l->msgs[i - 1].ts_us : ts_us)
	                                              : (l->nmsgs ? l->msgs[0].ts_us : ts_us);
	int64_t d = ts_us - base;
	/* Merged files or a clock step can go back in time: say so with '-'. */
	uint64_t a = d < 0 ? (uint64_t)0 - (uint64_t)d : (uint64_t)d;
	char tmp[48];
	snprintf(tmp, sizeof tmp, "%c%llu.%06llu", d < 0 ? '-' : '+',
	         (unsigned long long)(a / 1000000), (unsigned long long)(a % 1000000));
	snprintf(buf, n, "%*.*s", LADDER_TIME_COLS, LADDER_TIME_COLS, tmp);
}

/* The text of a label as it fits in `room` cells, centred from x0; with
 * mstyle, its first cell (the problem mark) drawn in that style. */
static void put_label(const struct ladder *l, struct ladder_cell *cells, size_t x0, size_t room,
                      const char *text, size_t cols, uint8_t style, uint8_t color,
                      uint8_t mstyle)
{
	if (room < 3)
		return;
	size_t show = cols + 2 <= room ? cols : room - 2;
	size_t x = x0 + (room - show) / 2;
	put(l, cells, x - 1, " ", style, color);
	size_t used;
	if (show < cols) { /* cut: say so with an ellipsis after what fits */
		used = put_text(l, cells, x, text, show - 1, style, color);
		put(l, cells, x + used, glyph(l, "\xe2\x80\xa6", "~"), style, color);
		used++;
	} else {
		used = put_text(l, cells, x, text, show, style, color);
	}
	put(l, cells, x + used, " ", style, color);
	if (mstyle && used && x < l->width)
		cells[x].style = mstyle;
}

/* The style of the i-th message's problem mark, or 0. */
static uint8_t mark_style(const struct lmsg *m)
{
	return m->problem == CHECK_ERROR ? LADDER_S_PROBLEM
	     : m->problem == CHECK_WARNING ? LADDER_S_WARNING : 0;
}

/* Cells from x to the next lifeline right of column c (or the edge):
 * the room of a label beside a message to itself. */
static size_t self_room(const struct ladder *l, size_t c, size_t x)
{
	size_t end = c + 1 < l->ncols ? l->cols[c + 1].x : l->width;
	return end > x + 1 ? end - x - 1 : 0;
}

/* With several calls: the number of the call a line belongs to, in the
 * call column, in the call's color. */
static void put_call_tag(const struct ladder *l, struct ladder_cell *cells, uint32_t call)
{
	if (!l->tag_cols || !call)
		return;
	char num[16];
	int w = snprintf(num, sizeof num, "%" PRIu32, call);
	if (w < 0 || (size_t)w > l->tag_cols)
		return;
	put_text(l, cells, LADDER_TIME_COLS + 1 + l->tag_cols - (size_t)w, num, (size_t)w,
	         LADDER_S_CALL, ladder_call_color(l, call));
}

/* The name of column c in at most `room` cells, into out: whole; else
 * without the port when no other column has that host; else cut at the
 * front after a '.' or ':' so that what tells the columns apart (the
 * last octets, the port) stays whole ("…2.10:5060"); else cut anywhere
 * at the front.  Returns the cells used.  Names are ASCII. */
static size_t name_fit(const struct ladder *l, size_t c, size_t room, char *out, size_t cap)
{
	const struct lcol *col = &l->cols[c];
	char host[sizeof col->name];
	const char *name = col->name;
	size_t len = col->name_cols;
	snprintf(out, cap, "%s", name);
	if (len <= room || room < 2)
		return len <= room ? len : 0;
	const char *colon = strrchr(name, ':');
	if (!l->o.merge_hosts && !col->port_needed && colon) {
		size_t hl = (size_t)(colon - name);
		int br = name[0] == '[' && hl >= 2 && name[hl - 1] == ']';
		snprintf(host, sizeof host, "%.*s", (int)(br ? hl - 2 : hl), name + br);
		name = host;
		len = strlen(host);
		snprintf(out, cap, "%s", name);
		if (len <= room)
			return len;
	}
	const char *ell = glyph(l, "\xe2\x80\xa6", "~");
	for (size_t p = 1; p < len; p++)
		if (strchr(".:[", name[p - 1]) && 1 + len - p <= room) {
			snprintf(out, cap, "%s%s", ell, name + p);
			return 1 + len - p;
		}
	snprintf(out, cap, "%s%s", ell, name + len - (room - 1));
	return room;
}

/* A stream's band (with its label), its figures, or its problems. */
static void draw_stream(const struct ladder *l, size_t line, enum ladder_line_kind kind,
                        const struct ladder_stream *st, struct ladder_cell *cells)
{
	size_t xa = l->cols[st->from].x, xb = l->cols[st->to].x;
	size_t lo = xa < xb ? xa : xb, hi = xa < xb ? xb : xa;
	size_t x0 = lo == hi ? lo + 3 : lo + 1;
	size_t room = lo == hi ? self_room(l, st->from, lo + 3) : hi - lo - 1;
	if (kind == LADDER_LINE_STREAM_INFO) {
		if (line == st->line + 1) {
			put_label(l, cells, x0, room, st->figures, st->figures_cols, LADDER_S_RTP, 0, 0);
		} else { /* the problems: "! one-way, loss 5.4%" */
			char txt[sizeof st->problems + 4];
			snprintf(txt, sizeof txt, "%s%s", LADDER_MARK, st->problems);
			put_label(l, cells, x0, room, txt, st->problems_cols + strlen(LADDER_MARK),
			          LADDER_S_PROBLEM, 0, 0);
		}
		return;
	}
	char ts[32];
	fmt_time_at(l, st->ms->first_us, st->before, ts, sizeof ts);
	put_text(l, cells, 0, ts, LADDER_TIME_COLS, LADDER_S_TIME, 0);
	put_call_tag(l, cells, st->call);
	const char *band = glyph(l, LADDER_BAND_UTF8, LADDER_BAND_ASCII);
	char label[sizeof st->label + 4];
	size_t mark = st->problems[0] ? strlen(LADDER_MARK) : 0;
	snprintf(label, sizeof label, "%s%s", mark ? LADDER_MARK : "", st->label);
	uint8_t mstyle = mark ? LADDER_S_PROBLEM : 0;
	if (lo == hi) {
		put(l, cells, lo + 1, "<", LADDER_S_RTP, 0);
		put(l, cells, lo + 2, band, LADDER_S_RTP, 0);
		put_label(l, cells, lo + 3, room, label, st->label_cols + mark, LADDER_S_RTP, 0, mstyle);
		return;
	}
	for (size_t x = lo + 1; x < hi; x++)
		put(l, cells, x, band, LADDER_S_RTP, 0);
	if (xa < xb)
		put(l, cells, hi - 1, ">", LADDER_S_RTP, 0);
	else
		put(l, cells, lo + 1, "<", LADDER_S_RTP, 0);
	put_label(l, cells, lo + 2, hi - lo - 3, label, st->label_cols + mark, LADDER_S_RTP, 0, mstyle);
}

void ladder_draw(const struct ladder *l, size_t line, struct ladder_cell *cells)
{
	for (size_t x = 0; x < l->width; x++) {
		cells[x].ch[0] = ' ';
		cells[x].ch[1] = '\0';
		cells[x].style = LADDER_S_PLAIN;
		cells[x].color = 0;
	}
	const char *vline = glyph(l, "\xe2\x94\x82", "|");
	const char *hline = glyph(l, "\xe2\x94\x80", "-");
	if (line == 0) {
		for (size_t c = 0; c < l->ncols; c++) {
			const struct lcol *col = &l->cols[c];
			/* Narrow gaps: a name keeps its end (the port tells two
			 * columns of one host apart), cut at the front. */
			size_t room = NAME_MAX_COLS;
			if (c > 0 && col->x - l->cols[c - 1].x - 1 < room)
				room = col->x - l->cols[c - 1].x - 1;
			if (c + 1 < l->ncols && l->cols[c + 1].x - col->x - 1 < room)
				room = l->cols[c + 1].x - col->x - 1;
			char name[sizeof col->name + 4];
			size_t ncols = name_fit(l, c, room, name, sizeof name);
			size_t x = col->x >= ncols / 2 ? col->x - ncols / 2 : 0;
			put_text(l, cells, x, name, ncols, LADDER_S_HEAD, 0);
		}
		if (l->tag_cols) /* the call column's heading, when it fits */
			put_text(l, cells, LADDER_TIME_COLS + 1 + l->tag_cols - 1, "#", 1, LADDER_S_HEAD, 0);
		return;
	}
	if (line == 1) {
		for (size_t c = 0; c < l->ncols; c++)
			put(l, cells, l->cols[c].x, glyph(l, "\xe2\x94\xac", "+"), LADDER_S_LIFE, 0);
		return;
	}
	for (size_t c = 0; c < l->ncols; c++)
		put(l, cells, l->cols[c].x, vline, LADDER_S_LIFE, 0);
	size_t i;
	enum ladder_line_kind kind = ladder_line_kind(l, line, &i);
	if (i == (size_t)-1)
		return;
	const struct lmsg *m = &l->msgs[i];
	size_t xa = l->cols[m->from].x, xb = l->cols[m->to].x;
	size_t lo = xa < xb ? xa : xb, hi = xa < xb ? xb : xa;
	if (kind == LADDER_LINE_SDP) {
		size_t room = lo == hi ? self_room(l, m->from, lo + 3) : hi - lo - 1;
		put_label(l, cells, lo == hi ? lo + 3 : lo + 1, room, l->text + m->sdp, m->sdp_cols,
		          LADDER_S_SDP, 0, 0);
		return;
	}
	if (kind == LADDER_LINE_STREAM || kind == LADDER_LINE_STREAM_INFO) {
		draw_stream(l, line, kind, &l->streams[i], cells);
		return;
	}
	char ts[32];
	fmt_time_at(l, l->msgs[i].ts_us, i, ts, sizeof ts);
	put_text(l, cells, 0, ts, LADDER_TIME_COLS, LADDER_S_TIME, 0);
	put_call_tag(l, cells, m->call);
	if (lo == hi) { /* to itself: a short hook and the label beside it */
		put(l, cells, lo + 1, "<", m->style, m->color);
		put(l, cells, lo + 2, hline, m->style, m->color);
		put_label(l, cells, lo + 3, self_room(l, m->from, lo + 3), l->text + m->label,
		          m->label_cols, m->style, m->color, mark_style(m));
		return;
	}
	for (size_t x = lo + 1; x < hi; x++)
		put(l, cells, x, hline, m->style, m->color);
	if (xa < xb)
		put(l, cells, hi - 1, ">", m->style, m->color);
	else
		put(l, cells, lo + 1, "<", m->style, m->color);
	put_label(l, cells, lo + 2, hi - lo - 3, l->text + m->label, m->label_cols, m->style, m->color,
	          mark_style(m));
}

int ladder_print(FILE *out, const struct ladder *l)
{
	struct ladder_cell *cells = malloc((l->width ? l->width : 1) * sizeof *cells);
	if (!cells)
		return -1;
	for (size_t line = 0; line < l->nlines; line++) {
		ladder_draw(l, line, cells);
		size_t end = l->width;
		while (end && !strcmp(cells[end - 1].ch, " "))
			end--;
		for (size_t x = 0; x < end; x++)
			fputs(cells[x].ch, out);
		putc('\n', out);
	}
	free(cells);
	return 0;
}

void ladder_print_title(FILE *out, struct store *s, const struct tracker *t, uint32_t call)
{
	const struct call_info *c = track_call(t, call - 1);
	fprintf(out, "Call %u  ", call);
	esc_term(out, store_str(s, c->from), 0);
	fputs(" -> ", out);
	esc_term(out, store_str(s, c->to), 0);
	fprintf(out, "  %s  ", track_state_name((enum call_state)c->state));
	esc_term(out, store_str(s, c->call_id), 0);
	putc('\n', out);
}
