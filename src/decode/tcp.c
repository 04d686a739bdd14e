/* tcp.c - TCP stream reassembly, see include/sipscope/tcp.h. */
#include <stdlib.h>
#include <string.h>

#include "sipscope/hmap.h"
#include "sipscope/sv.h"
#include "sipscope/tcp.h"
#include "sipscope/vec.h"

struct ooo_seg {
	uint32_t seq;
	uint32_t len;
	uint64_t frame;
	int64_t ts;
	char *data;
};

struct tcp_flow {
	struct tcp_table *t;
	uint64_t key;
	uint32_t slot;     /* index in the table's flow array */
	int synced;
	int closing;       /* FIN or RST seen */
	int is_sip;
	int acked;         /* the peer acknowledged up to peer_ack */
	uint32_t peer_ack;
	struct store_endpoint src, dst;
	uint32_t next_seq;
	int64_t last_ts;
	char *buf;
	size_t len, cap;
	int lent;          /* buf is the caller's bytes (tcp_flow_lend) ... */
	char *own;         /* ... and the flow's own buffer waits here */
	size_t own_cap;
	uint64_t lent_frame;
	size_t gaps[TCP_MAX_GAPS]; /* where in buf bytes are missing, ascending */
	size_t ngaps;
	struct ooo_seg *ooo; /* TCP_MAX_OOO of them, made at the first (most flows never need it) */
	size_t nooo;
	size_t ooo_bytes;  /* bytes held out of order (count toward the cap) */
	struct tcp_app app;
	/* Where the current segment's bytes went, so that a message lying in
	 * them can be read again from the capture file instead of spooled. */
	uint64_t consumed;  /* bytes consumed since the flow began */
	uint64_t seg_abs;   /* stream position of the segment's first kept byte */
	uint64_t seg_frame; /* frame it came in */
	size_t seg_len, seg_frame_off;
	/* Where each buffered segment starts, and its frame: the frame that
	 * brought a message's first byte (tcp_flow_first_frame). */
	struct seg_mark { uint64_t abs, frame; } *marks;
	size_t nmarks, cap_marks;
};

#define INNER_SLOT UINT32_MAX /* slot of a flow outside the table (decrypted bytes) */

struct tcp_table {
	struct hmap index; /* key -> slot+1 */
	void (*app_free)(void *ctx, struct tcp_app *app);
	void *app_free_ctx;
	struct tcp_flow **flows;
	size_t nflows, cap;
	struct tcp_stats st;
	int64_t last_sweep;
	size_t held, max_held; /* bytes buffered in all flows, and the cap */
};

struct tcp_table *tcp_table_new(void)
{
	struct tcp_table *t = calloc(1, sizeof *t);
	if (t) {
		hmap_init(&t->index);
		t->max_held = TCP_TOTAL_MAX_BYTES;
	}
	return t;
}

static void flow_free(struct tcp_flow *f)
{
	if (f->t->app_free)
		f->t->app_free(f->t->app_free_ctx, &f->app);
	for (size_t i = 0; i < f->nooo; i++)
		free(f->ooo[i].data);
	free(f->ooo);
	free(f->lent ? f->own : f->buf);
	free(f->app.ws_msg);
	free(f->marks);
	free(f);
}

void tcp_table_free(struct tcp_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nflows; i++)
		flow_free(t->flows[i]);
	free(t->flows);
	hmap_free(&t->index);
	free(t);
}

const struct tcp_stats *tcp_table_stats(const struct tcp_table *t) { return &t->st; }

void tcp_table_on_app_free(struct tcp_table *t, void (*fn)(void *ctx, struct tcp_app *app), void *ctx)
{
	t->app_free = fn;
	t->app_free_ctx = ctx;
}

void tcp_table_set_limit(struct tcp_table *t, size_t bytes) { t->max_held = bytes; }
size_t tcp_table_held(const struct tcp_table *t) { return t->held; }

/* Sequence arithmetic modulo 2^32 (RFC 793 3.3). */
static int32_t seq_diff(uint32_t a, uint32_t b) { return (int32_t)(a - b); }

static uint64_t ep_hash(const struct store_endpoint *e)
{
	/* Field by field: struct padding is never hashed. */
	uint64_t h = sv_hash(sv_make((const char *)e->addr, e->family == 4 ? 4 : 16));
	return hmap_mix(h, (uint64_t)e->family << 16 | e->port);
}

static uint64_t flow_key(const struct l4_packet *p)
{
	return hmap_mix(ep_hash(&p->src), ep_hash(&p->dst));
}

/* Lose what is buffered (counted); the stream goes on after it. */
static void drop_buffer(struct tcp_table *t, struct tcp_flow *f)
{
	t->st.dropped_bytes += f->len;
	t->held -= f->len;
	f->consumed += f->len; /* stream positions stay true for what follows */
	f->len = 0;
	f->nmarks = 0;
}

/* Mark a gap at the end of the buffered bytes. */
static void mark_gap(struct tcp_table *t, struct tcp_flow *f)
{
	t->st.gaps++;
	if (f->ngaps && f->gaps[f->ngaps - 1] == f->len)
		return; /* two losses in a row are one gap */
	if (f->ngaps == TCP_MAX_GAPS) {
		/* No room to mark it: drop what is buffered, so that the one
		 * gap left, at the start, stands for all of them. */
		drop_buffer(t, f);
		f->ngaps = 0;
	}
	f->gaps[f->ngaps++] = f->len;
}

static void append(struct tcp_table *t, struct tcp_flow *f, const char *d, size_t n,
                   uint64_t frame)
{
	if (f->len + f->ooo_bytes + n > TCP_FLOW_MAX_BYTES) {
		/* Over the cap: what is buffered is lost, the stream goes on. */
		drop_buffer(t, f);
		f->gaps[0] = 0;
		f->ngaps = 1;
		t->st.gaps++;
		if (n > TCP_FLOW_MAX_BYTES) {
			t->st.dropped_bytes += n;
			return;
		}
	}
	if (t->held + n > t->max_held) {
		/* All flows together hold too much: this data is lost. */
		t->st.dropped_bytes += n;
		t->st.total_cap_drops++;
		mark_gap(t, f);
		return;
	}
	if (vec_grow((void **)&f->buf, &f->cap, f->len + n, 1)) {
		t->st.dropped_bytes += n;
		mark_gap(t, f);
		return;
	}
	if (n && (!f->nmarks || f->marks[f->nmarks - 1].frame != frame) &&
	    !vec_grow((void **)&f->marks, &f->cap_marks, f->nmarks + 1, sizeof *f->marks))
		f->marks[f->nmarks++] = (struct seg_mark){ f->consumed + f->len, frame };
	if (n) /* no data (a SYN): the flow may have no buffer yet */
		memcpy(f->buf + f->len, d, n);
	f->len += n;
	t->held += n;
}

/* Append in-order data, trimming what was already seen. */
static void take(struct tcp_table *t, struct tcp_flow *f, uint32_t seq, const char *d, size_t n,
                 uint64_t frame)
{
	int32_t behind = seq_diff(f->next_seq, seq);
	if (behind > 0) {
		if ((size_t)behind >= n) {
			t->st.retrans_bytes += n;
			return;
		}
		t->st.retrans_bytes += (size_t)behind;
		d += behind;
		n -= (size_t)behind;
	}
	append(t, f, d, n, frame);
	f->next_seq += (uint32_t)n;
}

static void ooo_remove(struct tcp_flow *f, size_t i)
{
	f->ooo_bytes -= f->ooo[i].len;
	f->t->held -= f->ooo[i].len;
	free(f->ooo[i].data);
	f->ooo[i] = f->ooo[--f->nooo];
}

/* Move held segments that now fit into the stream. */
static void drain_ooo(struct tcp_table *t, struct tcp_flow *f)
{
	for (int progress = 1; progress;) {
		progress = 0;
		for (size_t i = 0; i < f->nooo; i++) {
			struct ooo_seg *o = &f->ooo[i];
			if (seq_diff(o->seq, f->next_seq) <= 0) {
				take(t, f, o->seq, o->data, o->len, o->frame);
				ooo_remove(f, i);
				progress = 1;
				break;
			}
		}
	}
}

static void flow_remove(struct tcp_table *t, struct tcp_flow *f)
{
	/* The last flow takes the freed slot; the index has no delete, so a
	 * stale entry is recognised by its key not matching (flow_get). */
	uint32_t slot = f->slot;
	struct tcp_flow *last = t->flows[--t->nflows];
	t->flows[slot] = last;
	last->slot = slot;
	if (last != f)
		hmap_put(&t->index, last->key, slot + 1);
	t->st.dropped_bytes += f->len + f->ooo_bytes;
	t->held -= f->len + f->ooo_bytes;
	flow_free(f);
}

/* The flow of key, or NULL (a stale index entry's key does not match). */
static struct tcp_flow *flow_find(const struct tcp_table *t, uint64_t key)
{
	uint32_t slot;
	if (hmap_get(&t->index, key, &slot) && slot && slot <= t->nflows &&
	    t->flows[slot - 1]->key == key)
		return t->flows[slot - 1];
	return NULL;
}

struct tcp_flow *tcp_table_reverse(const struct tcp_table *t, const struct l4_packet *pkt)
{
	return flow_find(t, hmap_mix(ep_hash(&pkt->dst), ep_hash(&pkt->src)));
}

int tcp_table_knows(const struct tcp_table *t, const struct l4_packet *pkt)
{
	return flow_find(t, flow_key(pkt)) != NULL;
}

/* Forget flows silent for TCP_IDLE_US (looked at every 10 s of capture
 * time), except the one the current segment belongs to.  What they held
 * can no longer complete: it counts as dropped. */
static void flow_sweep(struct tcp_table *t, int64_t now, uint64_t keep)
{
	if (now - t->last_sweep < 10 * 1000000LL && now >= t->last_sweep)
		return;
	t->last_sweep = now;
	for (size_t i = 0; i < t->nflows;) {
		struct tcp_flow *f = t->flows[i];
		if (f->key != keep && now - f->last_ts > TCP_IDLE_US) {
			flow_remove(t, f); /* the last flow moved into slot i */
			t->st.expired_flows++;
		} else {
			i++;
		}
	}
}

static struct tcp_flow *flow_get(struct tcp_table *t, const struct l4_packet *p, int create,
                                 int64_t now)
{
	uint64_t key = flow_key(p);
	struct tcp_flow *found = flow_find(t, key);
	if (found || !create)
		return found;
	if (t->nflows >= TCP_MAX_FLOWS) {
		/* Full: the flow idle the longest makes room. */
		struct tcp_flow *old = t->flows[0];
		for (size_t i = 1; i < t->nflows; i++)
			if (t->flows[i]->last_ts < old->last_ts)
				old = t->flows[i];
		flow_remove(t, old);
		t->st.evicted_flows++;
	}
	if (vec_grow((void **)&t->flows, &t->cap, t->nflows + 1, sizeof *t->flows))
		return NULL;
	struct tcp_flow *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->t = t;
	f->key = key;
	f->slot = (uint32_t)t->nflows;
	f->last_ts = now;
	f->src = p->src;
	f->dst = p->dst;
	t->flows[t->nflows] = f;
	if (hmap_put(&t->index, key, (uint32_t)t->nflows + 1) < 0) {
		free(f);
		return NULL;
	}
	t->nflows++;
	t->st.flows++;
	return f;
}

void tcp_table_done(struct tcp_table *t, struct tcp_flow *f)
{
	if (f && f->closing && f->len == 0 && f->nooo == 0)
		flow_remove(t, f);
}

void tcp_table_drop(struct tcp_table *t, struct tcp_flow *f)
{
	if (f)
		flow_remove(t, f);
}

/* ---- inner flows: bytes that were not TCP payload (decrypted TLS) ---- */

struct tcp_flow *tcp_flow_new_inner(struct tcp_table *t, const struct store_endpoint *src,
                                    const struct store_endpoint *dst)
{
	struct tcp_flow *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->t = t;
	f->slot = INNER_SLOT;
	f->synced = 1;
	f->src = *src;
	f->dst = *dst;
	return f;
}

int tcp_flow_is_inner(const struct tcp_flow *f) { return f->slot == INNER_SLOT; }

void tcp_flow_append(struct tcp_flow *f, const char *p, size_t n, uint64_t frame, int gap_before)
{
	if (gap_before)
		mark_gap(f->t, f);
	append(f->t, f, p, n, frame);
}

int tcp_flow_lend(struct tcp_flow *f, const char *p, size_t n, uint64_t frame)
{
	struct tcp_table *t = f->t;
	if (f->lent || f->len || f->ngaps || f->nooo || !n || n > TCP_FLOW_MAX_BYTES ||
	    t->held + n > t->max_held)
		return 0;
	/* An empty flow has no frame marks left (tcp_flow_consume drops them):
	 * the lent bytes' frame is kept aside, a mark made only for a rest. */
	f->nmarks = 0;
	f->lent_frame = frame;
	f->own = f->buf, f->own_cap = f->cap;
	f->buf = (char *)p, f->cap = n, f->len = n; /* (never written through) */
	f->lent = 1;
	t->held += n;
	return 1;
}

void tcp_flow_unlend(struct tcp_flow *f)
{
	if (!f->lent)
		return;
	const char *rest = f->buf;
	size_t n = f->len;
	f->buf = f->own, f->cap = f->own_cap, f->len = 0;
	f->own = NULL, f->own_cap = 0;
	f->lent = 0;
	if (!n)
		return;
	/* The rest of a message the next record completes: keep a copy, and
	 * the frame it came in. */
	if (vec_grow((void **)&f->buf, &f->cap, n, 1) ||
	    vec_grow((void **)&f->marks, &f->cap_marks, 1, sizeof *f->marks)) {
		f->t->held -= n;
		f->t->st.dropped_bytes += n;
		f->consumed += n;
		f->nmarks = 0;
		mark_gap(f->t, f);
		return;
	}
	memcpy(f->buf, rest, n);
	f->len = n;
	f->marks[0] = (struct seg_mark){ f->consumed, f->lent_frame };
	f->nmarks = 1;
}

void tcp_flow_free_inner(struct tcp_flow *f)
{
	if (!f)
		return;
	f->t->st.dropped_bytes += f->len;
	f->t->held -= f->len;
	flow_free(f);
}

static void hold(struct tcp_table *t, struct tcp_flow *f, uint32_t seq, const char *d, size_t n,
                 uint64_t frame, int64_t ts)
{
	if (!f->ooo)
		f->ooo = malloc(TCP_MAX_OOO * sizeof *f->ooo);
	char *copy = f->ooo && f->nooo < TCP_MAX_OOO && f->len + f->ooo_bytes + n <= TCP_FLOW_MAX_BYTES &&
	             t->held + n <= t->max_held
	             ? malloc(n) : NULL;
	if (!copy) {
		/* Nowhere to hold it: lost, and so a gap where it was. */
		t->st.dropped_bytes += n;
		t->st.gaps++;
		return;
	}
	memcpy(copy, d, n);
	f->ooo[f->nooo] = (struct ooo_seg){ seq, (uint32_t)n, frame, ts, copy };
	f->nooo++;
	f->ooo_bytes += n;
	t->held += n;
	t->st.ooo_segments++;
}

struct tcp_flow *tcp_table_segment(struct tcp_table *t, const struct l4_packet *p,
                                   uint64_t frame, int64_t ts_us, int create, int *gap)
{
	*gap = 0;
	t->st.segments++;
	flow_sweep(t, ts_us, flow_key(p));
	if (p->tcp_flags & TCP_ACK) {
		/* What this side acknowledges, the other side's stream has:
		 * a hole below it is the capture's, and nothing will fill it. */
		struct tcp_flow *rev = tcp_table_reverse(t, p);
		if (rev && (!rev->acked || seq_diff(p->tcp_ack, rev->peer_ack) > 0)) {
			rev->peer_ack = p->tcp_ack;
			rev->acked = 1;
		}
	}
	struct tcp_flow *f = flow_get(t, p, create, ts_us);
	if (!f)
		return NULL;
	f->last_ts = ts_us;
	if (p->tcp_flags & (TCP_FIN | TCP_RST))
		f->closing = 1;
	uint32_t seq = p->tcp_seq;
	if (p->tcp_flags & TCP_SYN) {
		/* A new connection on the same 4-tuple starts from scratch,
		 * what it carries too (a TLS connection's decoder, its keys
		 * and state, would fail every record of the next one).  A
		 * retransmitted SYN (its seq no further behind than the bytes
		 * seen since; a new one's is random) keeps it. */
		int32_t back = seq_diff(f->next_seq, seq + 1);
		if (f->app.kind && (back < 0 || (uint64_t)back > f->consumed + f->len)) {
			if (t->app_free)
				t->app_free(t->app_free_ctx, &f->app);
			free(f->app.ws_msg);
			memset(&f->app, 0, sizeof f->app);
		}
		while (f->nooo)
			ooo_remove(f, 0);
		t->held -= f->len;
		f->consumed += f->len;
		f->len = 0;
		f->nmarks = 0;
		f->ngaps = 0;
		f->closing = 0;
		f->acked = 0; /* the old connection's acknowledgements mean nothing now */
		f->synced = 1;
		f->next_seq = seq + 1;
		seq++;
	}
	if (!f->synced) { /* capture started mid-stream */
		f->synced = 1;
		f->next_seq = seq;
	}
	size_t n = p->len;
	size_t missing = p->wire_len > n ? p->wire_len - n : 0;
	if (n == 0 && missing == 0)
		return f;
	if (seq_diff(seq, f->next_seq) > 0) {
		/* A hole before it: hold it until the hole fills, unless the
		 * peer already acknowledged the missing bytes. */
		if (missing == 0 && !(f->acked && seq_diff(f->peer_ack, seq) >= 0)) {
			hold(t, f, seq, (const char *)p->payload, n, frame, ts_us);
			return f;
		}
		/* A cut segment cannot be held whole, and acknowledged bytes
		 * will not come again: give the hole up now. */
		mark_gap(t, f);
		f->next_seq = seq;
		drain_ooo(t, f);
	}
	size_t before = f->len;
	int32_t behind = seq_diff(f->next_seq, seq);
	size_t trim = behind > 0 ? ((size_t)behind < n ? (size_t)behind : n) : 0;
	take(t, f, seq, (const char *)p->payload, n, frame);
	f->seg_len = 0;
	if (p->payload_off != SIZE_MAX && f->len == before + (n - trim) && n > trim) {
		f->seg_abs = f->consumed + before;
		f->seg_len = n - trim;
		f->seg_frame = frame;
		f->seg_frame_off = p->payload_off + trim;
	}
	if (missing) {
		/* The capture cut it short: the rest is a gap (snaplen). */
		t->st.dropped_bytes += missing;
		mark_gap(t, f);
		f->next_seq += (uint32_t)missing;
		*gap = 1;
	}
	drain_ooo(t, f);
	return f;
}

int tcp_flow_stalled(const struct tcp_flow *f, int64_t now_us)
{
	if (f->nooo == 0)
		return 0;
	if (f->nooo >= TCP_MAX_OOO - 1) /* flush before a segment has to be dropped */
		return 1;
	for (size_t i = 0; i < f->nooo; i++)
		if (now_us - f->ooo[i].ts > TCP_HOLE_WAIT_US)
			return 1;
	return 0;
}

int tcp_flow_flush_step(struct tcp_table *t, struct tcp_flow *f, uint64_t *frame, int64_t *ts_us)
{
	if (f->nooo == 0)
		return 0;
	size_t lo = 0;
	for (size_t i = 1; i < f->nooo; i++)
		if (seq_diff(f->ooo[i].seq, f->ooo[lo].seq) < 0)
			lo = i;
	struct ooo_seg *o = &f->ooo[lo];
	*frame = o->frame;
	*ts_us = o->ts;
	if (seq_diff(o->seq, f->next_seq) > 0) {
		mark_gap(t, f);
		f->next_seq = o->seq;
	}
	take(t, f, o->seq, o->data, o->len, o->frame);
	ooo_remove(f, lo);
	return 1; /* one segment per step: each is parsed as of its own frame */
}

int tcp_flow_flush_acked(struct tcp_table *t, struct tcp_flow *f, uint32_t ack, uint64_t *frame,
                         int64_t *ts_us)
{
	if (!f->nooo || seq_diff(ack, f->next_seq) <= 0)
		return 0;
	size_t lo = 0;
	for (size_t i = 1; i < f->nooo; i++)
		if (seq_diff(f->ooo[i].seq, f->ooo[lo].seq) < 0)
			lo = i;
	if (seq_diff(ack, f->ooo[lo].seq) <= 0)
		return 0; /* the hole reaches past what was acknowledged: wait */
	return tcp_flow_flush_step(t, f, frame, ts_us);
}

struct tcp_flow *tcp_table_next_held(struct tcp_table *t, size_t *iter)
{
	while (*iter < t->nflows) {
		struct tcp_flow *f = t->flows[(*iter)++];
		if (f->nooo)
			return f;
	}
	return NULL;
}

void tcp_flow_endpoints(const struct tcp_flow *f, struct store_endpoint *src,
                        struct store_endpoint *dst)
{
	*src = f->src;
	*dst = f->dst;
}

void tcp_flow_mark_sip(struct tcp_flow *f) { f->is_sip = 1; }
int tcp_flow_is_sip(const struct tcp_flow *f) { return f->is_sip; }
struct tcp_app *tcp_flow_app(struct tcp_flow *f) { return &f->app; }

const char *tcp_flow_data(const struct tcp_flow *f, size_t *len)
{
	*len = f->len;
	return f->buf;
}

uint64_t tcp_flow_first_frame(const struct tcp_flow *f)
{
	if (f->lent)
		return f->lent_frame;
	return f->nmarks && f->marks[0].abs <= f->consumed ? f->marks[0].frame : 0;
}

int tcp_flow_frame_span(const struct tcp_flow *f, uint64_t frame, size_t len, size_t *frame_off)
{
	if (!f->seg_len || f->seg_frame != frame || f->consumed < f->seg_abs ||
	    f->consumed + len > f->seg_abs + f->seg_len)
		return 0;
	*frame_off = f->seg_frame_off + (size_t)(f->consumed - f->seg_abs);
	return 1;
}

size_t tcp_flow_gap_at(const struct tcp_flow *f) { return f->ngaps ? f->gaps[0] : TCP_NO_GAP; }

void tcp_flow_consume(struct tcp_flow *f, size_t n)
{
	if (n > f->len)
		n = f->len;
	if (f->lent)
		f->buf += n; /* the caller's bytes: read on */
	else if (n && n < f->len) /* (a flow with nothing buffered may have no buffer) */
		memmove(f->buf, f->buf + n, f->len - n);
	f->len -= n;
	f->t->held -= n;
	f->consumed += n;
	/* Marks of segments wholly read go; the one holding the next byte stays. */
	size_t m = 0;
	while (m + 1 < f->nmarks && f->marks[m + 1].abs <= f->consumed)
		m++;
	if (!f->len)
		m = f->nmarks;
	if (m) {
		memmove(f->marks, f->marks + m, (f->nmarks - m) * sizeof *f->marks);
		f->nmarks -= m;
	}
	/* Gaps up to n are passed (reading up to a gap passes it); the rest
	 * move down. */
	size_t k = 0;
	while (k < f->ngaps && f->gaps[k] <= n)
		k++;
	for (size_t i = k; i < f->ngaps; i++)
		f->gaps[i - k] = f->gaps[i] - n;
	f->ngaps -= k;
}
