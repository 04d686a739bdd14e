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
	/* In one of the table's two lists by last activity (never-SIP flows
	 * and SIP flows), oldest first: eviction and the idle sweep take
	 * from the front. */
	struct tcp_flow *lru_prev, *lru_next;
	size_t held;       /* what the flow counts in the table's held bytes */
	int synced;
	int closing;       /* FIN or RST seen */
	int is_sip;
	int acked;         /* the peer acknowledged up to peer_ack */
	uint32_t peer_ack;
	struct store_endpoint src, dst;
	uint32_t next_seq;
	int64_t last_ts;
	uint64_t last_frame;
	char *buf;
	size_t off, len, cap; /* the unconsumed bytes are buf[off, off+len) */
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
	void (*on_forget)(void *ctx, struct tcp_flow *f, int why);
	void *on_forget_ctx;
	struct tcp_flow **flows;
	size_t nflows, cap;
	struct tcp_flow *lru_head[2], *lru_tail[2]; /* [is_sip], oldest at head */
	struct tcp_stats st;
	int64_t last_sweep;
	size_t held, max_held; /* buffer capacity of all flows, and the cap */
};

#define TCP_KEEP_BUF 2048  /* an emptied buffer this small is kept for the next bytes */
#define TCP_MIN_BUF 64     /* buffers grow in steps of this, doubling */
#define TCP_MAX_MARKS 1024 /* frame marks kept per direction (then thinned) */

/* Count what the flow now holds (buffer capacity, frame marks, bytes
 * held out of order; lent bytes as their length) in the table's total. */
static void flow_account(struct tcp_flow *f)
{
	size_t now = (f->lent ? f->own_cap + f->len : f->cap) + f->ooo_bytes +
	             f->cap_marks * sizeof *f->marks;
	f->t->held = f->t->held - f->held + now;
	f->held = now;
}

/* Room for n more bytes after the unconsumed ones, without growing past
 * the table's cap.  Moves the bytes to the front when that makes room
 * cheaply (the move costs no more than what was consumed since the last
 * one).  Returns 0, -1 when memory ran out, -2 when the cap says no. */
static int buf_reserve(struct tcp_table *t, struct tcp_flow *f, size_t n)
{
	size_t need = f->len + n;
	if (f->off + need <= f->cap)
		return 0;
	if (need <= f->cap && (f->off >= f->len || need <= f->cap / 2)) {
		memmove(f->buf, f->buf + f->off, f->len);
		f->off = 0;
		return 0;
	}
	size_t ncap = f->cap * 2 > need ? f->cap * 2 : need;
	ncap = (ncap + TCP_MIN_BUF - 1) / TCP_MIN_BUF * TCP_MIN_BUF;
	if (ncap < need)
		return -1;
	if (t->held - f->cap + ncap > t->max_held)
		return -2;
	char *nb = malloc(ncap);
	if (!nb)
		return -1;
	if (f->len)
		memcpy(nb, f->buf + f->off, f->len);
	free(f->buf);
	f->buf = nb;
	f->cap = ncap;
	f->off = 0;
	flow_account(f);
	return 0;
}

/* An emptied buffer: a big one is given back, a small one kept. */
static void buf_emptied(struct tcp_flow *f)
{
	f->off = 0;
	if (f->lent)
		return;
	if (f->cap > TCP_KEEP_BUF) {
		free(f->buf);
		f->buf = NULL;
		f->cap = 0;
	}
	if (f->cap_marks > 16) {
		free(f->marks);
		f->marks = NULL;
		f->cap_marks = 0;
	}
	flow_account(f);
}

/* ---- the two lists by last activity ---- */

static void lru_unlink(struct tcp_table *t, struct tcp_flow *f)
{
	int k = f->is_sip != 0;
	if (f->lru_prev)
		f->lru_prev->lru_next = f->lru_next;
	else
		t->lru_head[k] = f->lru_next;
	if (f->lru_next)
		f->lru_next->lru_prev = f->lru_prev;
	else
		t->lru_tail[k] = f->lru_prev;
	f->lru_prev = f->lru_next = NULL;
}

static void lru_push(struct tcp_table *t, struct tcp_flow *f)
{
	int k = f->is_sip != 0;
	f->lru_prev = t->lru_tail[k];
	f->lru_next = NULL;
	if (t->lru_tail[k])
		t->lru_tail[k]->lru_next = f;
	else
		t->lru_head[k] = f;
	t->lru_tail[k] = f;
}

/* The flow was active: it goes to the back of its list. */
static void lru_touch(struct tcp_table *t, struct tcp_flow *f)
{
	if (t->lru_tail[f->is_sip != 0] == f)
		return;
	lru_unlink(t, f);
	lru_push(t, f);
}

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
	if (f->lent)
		free(f->own);
	else
		free(f->buf);
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

void tcp_table_on_forget(struct tcp_table *t, void (*fn)(void *ctx, struct tcp_flow *f, int why),
                         void *ctx)
{
	t->on_forget = fn;
	t->on_forget_ctx = ctx;
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
	f->consumed += f->len; /* stream positions stay true for what follows */
	f->len = 0;
	f->nmarks = 0;
	buf_emptied(f);
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

/* Remember that a segment of `frame` starts at stream position abs.
 * Marks are few (a segment usually brings whole messages); a stream cut
 * in tiny segments has them thinned out, every other one dropped, so a
 * message's first frame may then read a little early. */
static void add_mark(struct tcp_flow *f, uint64_t abs, uint64_t frame)
{
	if (f->nmarks == TCP_MAX_MARKS) {
		size_t k = 1;
		for (size_t i = 2; i < f->nmarks; i += 2)
			f->marks[k++] = f->marks[i];
		f->nmarks = k;
	}
	if (f->nmarks == f->cap_marks) {
		size_t nc = f->cap_marks ? f->cap_marks * 2 : 4;
		struct seg_mark *m = realloc(f->marks, nc * sizeof *m);
		if (!m)
			return; /* the previous mark's frame stands for it */
		f->marks = m;
		f->cap_marks = nc;
		flow_account(f);
	}
	f->marks[f->nmarks++] = (struct seg_mark){ abs, frame };
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
	if (!n)
		return;
	int rc = buf_reserve(t, f, n);
	if (rc) {
		/* All flows together hold too much (or memory ran out): this
		 * data is lost. */
		t->st.dropped_bytes += n;
		if (rc == -2)
			t->st.total_cap_drops++;
		mark_gap(t, f);
		return;
	}
	if (!f->nmarks || f->marks[f->nmarks - 1].frame != frame)
		add_mark(f, f->consumed + f->len, frame);
	memcpy(f->buf + f->off + f->len, d, n);
	f->len += n;
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
	free(f->ooo[i].data);
	f->ooo[i] = f->ooo[--f->nooo];
	flow_account(f);
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
	hmap_del(&t->index, f->key);
	if (last != f)
		hmap_put(&t->index, last->key, slot + 1); /* (it was there: no allocation) */
	lru_unlink(t, f);
	t->st.dropped_bytes += f->len + f->ooo_bytes;
	t->held -= f->held;
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
 * can no longer complete: it counts as dropped.  Each list is walked from
 * its oldest flow and the walk stops at the first that is not idle, so a
 * sweep costs the flows it forgets (capture time that runs backwards
 * leaves a few behind until a later sweep). */
static void flow_sweep(struct tcp_table *t, int64_t now, uint64_t keep)
{
	if (now - t->last_sweep < 10 * 1000000LL && now >= t->last_sweep)
		return;
	t->last_sweep = now;
	for (int k = 0; k < 2; k++) {
		struct tcp_flow *f = t->lru_head[k];
		while (f && now - f->last_ts > TCP_IDLE_US) {
			struct tcp_flow *next = f->lru_next;
			if (f->key != keep) {
				if (t->on_forget)
					t->on_forget(t->on_forget_ctx, f, TCP_FORGET_EXPIRED);
				flow_remove(t, f);
				t->st.expired_flows++;
			}
			f = next;
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
		/* Full: the flow idle the longest makes room, one that never
		 * carried SIP first (a burst of them must not push out the
		 * connections that do). */
		struct tcp_flow *old = t->lru_head[0] ? t->lru_head[0] : t->lru_head[1];
		if (t->on_forget)
			t->on_forget(t->on_forget_ctx, old, TCP_FORGET_EVICTED);
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
	lru_push(t, f);
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
	f->buf = (char *)p, f->cap = n, f->len = n, f->off = 0; /* (never written through) */
	f->lent = 1;
	flow_account(f);
	return 1;
}

void tcp_flow_unlend(struct tcp_flow *f)
{
	if (!f->lent)
		return;
	const char *rest = f->buf + f->off;
	size_t n = f->len;
	f->buf = f->own, f->cap = f->own_cap, f->len = 0, f->off = 0;
	f->own = NULL, f->own_cap = 0;
	f->lent = 0;
	flow_account(f);
	if (!n)
		return;
	/* The rest of a message the next record completes: keep a copy, and
	 * the frame it came in. */
	f->nmarks = 0;
	if (buf_reserve(f->t, f, n)) {
		f->t->st.dropped_bytes += n;
		f->consumed += n;
		mark_gap(f->t, f);
		return;
	}
	memcpy(f->buf, rest, n);
	f->len = n;
	add_mark(f, f->consumed, f->lent_frame);
}

void tcp_flow_free_inner(struct tcp_flow *f)
{
	if (!f)
		return;
	f->t->st.dropped_bytes += f->len;
	f->t->held -= f->held;
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
	flow_account(f);
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
	f->last_frame = frame;
	lru_touch(t, f);
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
		f->consumed += f->len;
		f->len = 0;
		f->nmarks = 0;
		buf_emptied(f);
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

void tcp_flow_mark_sip(struct tcp_flow *f)
{
	if (f->is_sip)
		return;
	if (f->slot == INNER_SLOT) {
		f->is_sip = 1;
		return;
	}
	lru_unlink(f->t, f); /* on to the list of flows that carry SIP */
	f->is_sip = 1;
	lru_push(f->t, f);
}
int tcp_flow_is_sip(const struct tcp_flow *f) { return f->is_sip; }
struct tcp_app *tcp_flow_app(struct tcp_flow *f) { return &f->app; }

const char *tcp_flow_data(const struct tcp_flow *f, size_t *len)
{
	*len = f->len;
	return f->buf ? f->buf + f->off : NULL;
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
	f->off += n; /* (bytes move to the front when room is needed: buf_reserve) */
	f->len -= n;
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
	if (!f->len)
		buf_emptied(f);
	/* Gaps up to n are passed (reading up to a gap passes it); the rest
	 * move down. */
	size_t k = 0;
	while (k < f->ngaps && f->gaps[k] <= n)
		k++;
	for (size_t i = k; i < f->ngaps; i++)
		f->gaps[i - k] = f->gaps[i] - n;
	f->ngaps -= k;
}

uint64_t tcp_flow_offset(const struct tcp_flow *f) { return f->consumed; }
int tcp_flow_finished(const struct tcp_flow *f) { return f->closing && !f->nooo; }
uint64_t tcp_flow_last_frame(const struct tcp_flow *f) { return f->last_frame; }
int64_t tcp_flow_last_ts(const struct tcp_flow *f) { return f->last_ts; }

struct tcp_flow *tcp_table_next(struct tcp_table *t, size_t *iter)
{
	return *iter < t->nflows ? t->flows[(*iter)++] : NULL;
}
