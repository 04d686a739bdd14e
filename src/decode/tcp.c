/* tcp.c - TCP stream reassembly, see include/sipscope/tcp.h. */
#include <stdlib.h>
#include <string.h>

#include "sipscope/hmap.h"
#include "sipscope/tcp.h"
#include "sipscope/vec.h"

struct ooo_seg {
	uint32_t seq;
	uint32_t len;
	char *data;
};

struct tcp_flow {
	uint64_t key;
	uint32_t slot;     /* index in the table's flow array */
	int synced;
	int closing;       /* FIN or RST seen */
	size_t ooo_bytes;  /* bytes held out of order (count toward the cap) */
	uint32_t next_seq;
	int64_t last_ts;
	char *buf;
	size_t len, cap;
	struct ooo_seg ooo[TCP_MAX_OOO];
	size_t nooo;
};

struct tcp_table {
	struct hmap index; /* key -> slot+1 */
	struct tcp_flow **flows;
	size_t nflows, cap;
	struct tcp_stats st;
};

struct tcp_table *tcp_table_new(void)
{
	struct tcp_table *t = calloc(1, sizeof *t);
	if (t)
		hmap_init(&t->index);
	return t;
}

static void flow_free(struct tcp_flow *f)
{
	for (size_t i = 0; i < f->nooo; i++)
		free(f->ooo[i].data);
	free(f->buf);
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

static int append(struct tcp_table *t, struct tcp_flow *f, const char *d, size_t n)
{
	if (f->len + f->ooo_bytes + n > TCP_FLOW_MAX_BYTES) {
		t->st.dropped_bytes += f->len;
		f->len = 0; /* the caller resynchronises on the next start line */
		if (n > TCP_FLOW_MAX_BYTES) {
			t->st.dropped_bytes += n;
			return -1;
		}
	}
	if (f->len + n > f->cap) {
		size_t nc = f->cap ? f->cap : 4096;
		while (nc < f->len + n)
			nc *= 2;
		char *nb = realloc(f->buf, nc);
		if (!nb) {
			t->st.dropped_bytes += n;
			return -1;
		}
		f->buf = nb;
		f->cap = nc;
	}
	memcpy(f->buf + f->len, d, n);
	f->len += n;
	return 0;
}

/* Append in-order data, trimming what was already seen. */
static void take(struct tcp_table *t, struct tcp_flow *f, uint32_t seq, const char *d, size_t n)
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
	append(t, f, d, n);
	f->next_seq += (uint32_t)n;
}

/* Move held segments that now fit into the stream. */
static void drain_ooo(struct tcp_table *t, struct tcp_flow *f)
{
	for (int progress = 1; progress;) {
		progress = 0;
		for (size_t i = 0; i < f->nooo; i++) {
			struct ooo_seg *o = &f->ooo[i];
			if (seq_diff(o->seq, f->next_seq) <= 0) {
				f->ooo_bytes -= o->len;
				take(t, f, o->seq, o->data, o->len);
				free(o->data);
				f->ooo[i] = f->ooo[--f->nooo];
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
	flow_free(f);
}

static struct tcp_flow *flow_get(struct tcp_table *t, uint64_t key, int create, int64_t now)
{
	uint32_t slot;
	if (hmap_get(&t->index, key, &slot) && slot && slot <= t->nflows &&
	    t->flows[slot - 1]->key == key)
		return t->flows[slot - 1];
	if (!create)
		return NULL;
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
	f->key = key;
	f->slot = (uint32_t)t->nflows;
	f->last_ts = now;
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

struct tcp_flow *tcp_table_segment(struct tcp_table *t, const struct l4_packet *p,
                                   int64_t ts_us, int create, int *gap)
{
	*gap = 0;
	t->st.segments++;
	struct tcp_flow *f = flow_get(t, flow_key(p), create, ts_us);
	if (!f)
		return NULL;
	f->last_ts = ts_us;
	if (p->tcp_flags & (TCP_FIN | TCP_RST))
		f->closing = 1;
	uint32_t seq = p->tcp_seq;
	if (p->tcp_flags & TCP_SYN) {
		/* A new connection on the same 4-tuple starts from scratch. */
		for (size_t i = 0; i < f->nooo; i++)
			free(f->ooo[i].data);
		f->nooo = 0;
		f->ooo_bytes = 0;
		f->len = 0;
		f->closing = 0;
		f->synced = 1;
		f->next_seq = seq + 1;
		seq++;
	}
	if (!f->synced) { /* capture started mid-stream */
		f->synced = 1;
		f->next_seq = seq;
	}
	size_t n = p->len;
	if (n == 0)
		return f;
	int32_t ahead = seq_diff(seq, f->next_seq);
	if (ahead > 0) {
		/* A hole: hold the segment until the missing bytes arrive. */
		if (f->nooo < TCP_MAX_OOO && f->len + f->ooo_bytes + n <= TCP_FLOW_MAX_BYTES) {
			char *copy = malloc(n);
			if (copy) {
				memcpy(copy, p->payload, n);
				f->ooo[f->nooo].seq = seq;
				f->ooo[f->nooo].len = (uint32_t)n;
				f->ooo[f->nooo].data = copy;
				f->nooo++;
				f->ooo_bytes += n;
				t->st.ooo_segments++;
				return f;
			}
		}
		/* Nowhere to hold it: the hole is lost for good.  Go on from the
		 * earliest byte we still have, held or new. */
		t->st.gaps++;
		*gap = 1;
		t->st.dropped_bytes += f->len;
		f->len = 0;
		uint32_t lo = seq;
		for (size_t i = 0; i < f->nooo; i++)
			if (seq_diff(f->ooo[i].seq, lo) < 0)
				lo = f->ooo[i].seq;
		f->next_seq = lo;
		drain_ooo(t, f);
		if (seq_diff(seq, f->next_seq) > 0) {
			/* Another hole before the new data: skip it too. */
			t->st.dropped_bytes += f->len;
			f->len = 0;
			f->next_seq = seq;
		}
	}
	take(t, f, seq, (const char *)p->payload, n);
	drain_ooo(t, f);
	return f;
}

const char *tcp_flow_data(const struct tcp_flow *f, size_t *len)
{
	*len = f->len;
	return f->buf;
}

void tcp_flow_consume(struct tcp_flow *f, size_t n)
{
	if (n >= f->len) {
		f->len = 0;
		return;
	}
	memmove(f->buf, f->buf + n, f->len - n);
	f->len -= n;
}
