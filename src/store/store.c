/* store.c - message index, string interning, endpoints, spool. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/mman.h>

#include "sipscope/hmap.h"
#include "sipscope/store.h"
#include "sipscope/vec.h"

/* Strings live in big chunks that are never moved, so views stay valid. */
#define STR_CHUNK (1u << 20)

struct str_chunk {
	struct str_chunk *next;
	size_t used, cap;
	char data[];
};

/* Records live in fixed slabs: no copying on growth, no 2x overshoot. */
#define SLAB_SHIFT 15
#define SLAB_MSGS (1u << SLAB_SHIFT)

#define MAX_SLABS (1u << 16) /* 2^31 messages; the table never moves */

struct store {
	struct store_msg **slabs; /* MAX_SLABS pointers, allocated once */
	size_t nslabs;
	_Atomic size_t nmsgs;     /* read by a tracking thread beside the writer */

	struct sv *strs; /* id-1 -> view */
	size_t nstrs, cap_strs;
	struct hmap str_index; /* hash -> id (chained by probing on hash+k) */
	struct str_chunk *chunks;

	struct store_endpoint *eps;
	size_t neps, cap_eps;
	struct hmap ep_index;

	store_fetch_fn fetch;
	void *fetch_ctx;

	FILE *spool;
	int64_t spool_len;

	char *buf;
	size_t buf_cap;
	char err[160];
};

struct store *store_new(void)
{
	struct store *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	hmap_init(&s->str_index);
	hmap_init(&s->ep_index);
	return s;
}

void store_free(struct store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nslabs; i++)
		free(s->slabs[i]);
	free(s->slabs);
	free(s->strs);
	hmap_free(&s->str_index);
	while (s->chunks) {
		struct str_chunk *n = s->chunks->next;
		free(s->chunks);
		s->chunks = n;
	}
	free(s->eps);
	hmap_free(&s->ep_index);
	if (s->spool)
		fclose(s->spool);
	free(s->buf);
	free(s);
}

void store_set_fetcher(struct store *s, store_fetch_fn fn, void *ctx)
{
	s->fetch = fn;
	s->fetch_ctx = ctx;
}

const char *store_error(const struct store *s) { return s->err; }

static char *str_alloc(struct store *s, size_t len)
{
	struct str_chunk *c = s->chunks;
	if (!c || c->cap - c->used < len) {
		size_t cap = len > STR_CHUNK ? len : STR_CHUNK;
		c = malloc(sizeof *c + cap);
		if (!c)
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->next = s->chunks;
		s->chunks = c;
	}
	char *p = c->data + c->used;
	c->used += len;
	return p;
}

void store_prefetch_intern(const struct store *s, uint64_t hash)
{
	hmap_prefetch(&s->str_index, hash);
}

uint32_t store_intern(struct store *s, struct sv str)
{
	return store_intern_hashed(s, str, sv_hash(str));
}

uint32_t store_intern_hashed(struct store *s, struct sv str, uint64_t h)
{
	/* Distinct strings with equal hashes take the next salted key. */
	uint64_t k = h;
	uint32_t id;
	for (uint64_t salt = 1; hmap_get(&s->str_index, k, &id); k = hmap_mix(h, salt++))
		if (sv_eq(s->strs[id - 1], str))
			return id;
	if (vec_grow((void **)&s->strs, &s->cap_strs, s->nstrs + 1, sizeof *s->strs))
		return 0;
	char *copy = str_alloc(s, str.len ? str.len : 1);
	if (!copy)
		return 0;
	if (str.len)
		memcpy(copy, str.p, str.len);
	s->strs[s->nstrs] = sv_make(copy, str.len);
	id = (uint32_t)s->nstrs + 1;
	if (hmap_put(&s->str_index, k, id) < 0)
		return 0;
	s->nstrs++;
	return id;
}

struct sv store_str(const struct store *s, uint32_t id)
{
	if (id == 0 || id > s->nstrs)
		return SV_NULL;
	return s->strs[id - 1];
}

/* The endpoint with unused address bytes and padding zeroed. */
static void endpoint_key(struct store_endpoint *key, const struct store_endpoint *ep)
{
	memset(key, 0, sizeof *key);
	key->family = ep->family;
	memcpy(key->addr, ep->addr, ep->family == 4 ? 4 : 16);
	key->port = ep->port;
}

uint64_t store_endpoint_hash(const struct store_endpoint *ep)
{
	struct store_endpoint key;
	endpoint_key(&key, ep);
	return sv_hash(sv_make((const char *)&key, sizeof key));
}

uint32_t store_endpoint_id(struct store *s, const struct store_endpoint *ep)
{
	return store_endpoint_id_hashed(s, ep, store_endpoint_hash(ep));
}

uint32_t store_endpoint_id_hashed(struct store *s, const struct store_endpoint *ep, uint64_t h)
{
	struct store_endpoint key;
	endpoint_key(&key, ep);
	uint32_t id;
	for (uint64_t k = h, salt = 1;; k = hmap_mix(h, salt++)) {
		if (!hmap_get(&s->ep_index, k, &id)) {
			if (vec_grow((void **)&s->eps, &s->cap_eps, s->neps + 1, sizeof *s->eps))
				return 0;
			memcpy(&s->eps[s->neps], &key, sizeof key); /* padding too: compared below */
			id = (uint32_t)++s->neps;
			if (hmap_put(&s->ep_index, k, id) < 0) {
				s->neps--;
				return 0;
			}
			return id;
		}
		if (memcmp(&s->eps[id - 1], &key, sizeof key) == 0)
			return id;
	}
}

const struct store_endpoint *store_endpoint(const struct store *s, uint32_t id)
{
	return (id && id <= s->neps) ? &s->eps[id - 1] : NULL;
}

char *store_endpoint_format(const struct store_endpoint *ep, char *buf, size_t n)
{
	char ip[INET6_ADDRSTRLEN];
	if (!ep) {
		snprintf(buf, n, "?");
		return buf;
	}
	if (ep->family == 4) {
		inet_ntop(AF_INET, ep->addr, ip, sizeof ip);
		snprintf(buf, n, "%s:%u", ip, ep->port);
	} else {
		inet_ntop(AF_INET6, ep->addr, ip, sizeof ip);
		snprintf(buf, n, "[%s]:%u", ip, ep->port);
	}
	return buf;
}

static struct store_msg *slab_alloc(void)
{
	size_t bytes = SLAB_MSGS * sizeof(struct store_msg);
	void *p = aligned_alloc(2u << 20, (bytes + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1));
#ifdef MADV_HUGEPAGE
	if (p)
		madvise(p, bytes, MADV_HUGEPAGE);
#endif
	return p;
}

long store_append_msg(struct store *s, const struct store_msg *m)
{
	size_t n = atomic_load_explicit(&s->nmsgs, memory_order_relaxed);
	size_t slab = n >> SLAB_SHIFT;
	if (!s->slabs && !(s->slabs = calloc(MAX_SLABS, sizeof *s->slabs)))
		return -1;
	if (slab == s->nslabs) {
		if (slab == MAX_SLABS || !(s->slabs[slab] = slab_alloc()))
			return -1;
		s->nslabs++;
	}
	s->slabs[slab][n & (SLAB_MSGS - 1)] = *m;
	atomic_store_explicit(&s->nmsgs, n + 1, memory_order_release);
	return (long)n;
}

size_t store_msg_count(const struct store *s)
{
	return atomic_load_explicit(&s->nmsgs, memory_order_acquire);
}

struct store_msg *store_msg_at(struct store *s, size_t idx)
{
	return idx < store_msg_count(s) ? &s->slabs[idx >> SLAB_SHIFT][idx & (SLAB_MSGS - 1)] : NULL;
}

int64_t store_spool(struct store *s, const char *bytes, size_t len)
{
	if (!s->spool) {
		s->spool = tmpfile();
		if (!s->spool) {
			snprintf(s->err, sizeof s->err, "cannot create spool file");
			return -1;
		}
	}
	if (fseek(s->spool, 0, SEEK_END) != 0 || fwrite(bytes, 1, len, s->spool) != len) {
		snprintf(s->err, sizeof s->err, "cannot write spool file");
		return -1;
	}
	int64_t off = s->spool_len;
	s->spool_len += (int64_t)len;
	return off;
}

const char *store_msg_bytes(struct store *s, size_t idx, size_t *len)
{
	const struct store_msg *m = store_msg_at(s, idx);
	if (!m)
		return NULL;
	if (vec_grow((void **)&s->buf, &s->buf_cap, (size_t)m->loc_len + 1, 1))
		return NULL;
	if (m->loc_src == STORE_LOC_SPOOL) {
		if (!s->spool || fflush(s->spool) != 0 ||
		    fseek(s->spool, (long)m->loc_off, SEEK_SET) != 0 ||
		    fread(s->buf, 1, m->loc_len, s->spool) != m->loc_len) {
			snprintf(s->err, sizeof s->err, "cannot read spool file");
			return NULL;
		}
	} else {
		if (!s->fetch || s->fetch(s->fetch_ctx, m->loc_src, m->loc_off,
		                          m->loc_in_frame, m->loc_len, s->buf) < 0) {
			snprintf(s->err, sizeof s->err, "cannot re-read frame %llu",
			         (unsigned long long)m->frame);
			return NULL;
		}
	}
	s->buf[m->loc_len] = '\0';
	*len = m->loc_len;
	return s->buf;
}
