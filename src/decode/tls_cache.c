/* tls_cache.c - TLS 1.2 master secrets by session id and by session ticket,
 * so a resumed handshake (which has no key exchange of its own) finds the
 * secret of the session it resumes (tls-design.md 7, RFC 5246 7.4.1.2,
 * RFC 5077 3.4).  Two maps of the same shape, each an LRU of at most
 * TLS_CACHE_MAX entries: a util hmap from a 64-bit hash of the key to an
 * entry's index, and a doubly linked list through the entries (indices, so
 * the entry block may be moved), most recent first.  Every operation is
 * O(1).  A ticket (up to 64 KiB) is kept as its SHA-256; a session id as
 * its bytes.  Secrets are wiped when an entry goes and at free. */
#include <stdlib.h>
#include <string.h>

#include "sipscope/hmap.h"
#include "sipscope/tls.h"

#define NIL UINT32_MAX
#define KEY_MAX 32 /* a session id, or a ticket's SHA-256 */

struct lru_ent {
	uint64_t h; /* hash of key[0..klen) */
	uint32_t prev, next; /* the recency list; next also chains free entries */
	uint8_t klen;
	uint8_t key[KEY_MAX];
	uint8_t ms[48];
};

struct lru {
	struct lru_ent *ent;
	uint32_t n, cap;      /* entries ever used (<= cap), allocated */
	uint32_t head, tail;  /* most and least recent */
	uint32_t free_head;   /* entries unlinked after a failed insert */
	size_t count;         /* entries in the list */
	struct hmap idx;
};

struct tls_cache {
	struct lru sess, tick;
};

static void lru_init(struct lru *l)
{
	memset(l, 0, sizeof *l);
	l->head = l->tail = l->free_head = NIL;
	hmap_init(&l->idx);
}

static void lru_free(struct lru *l)
{
	if (l->ent)
		tls_cleanse(l->ent, (size_t)l->cap * sizeof *l->ent);
	free(l->ent);
	hmap_free(&l->idx);
}

struct tls_cache *tls_cache_new(void)
{
	struct tls_cache *c = malloc(sizeof *c);
	if (!c)
		return NULL;
	lru_init(&c->sess);
	lru_init(&c->tick);
	return c;
}

void tls_cache_free(struct tls_cache *c)
{
	if (!c)
		return;
	lru_free(&c->sess);
	lru_free(&c->tick);
	free(c);
}

size_t tls_cache_count_sessions(const struct tls_cache *c)
{
	return c ? c->sess.count : 0;
}

size_t tls_cache_count_tickets(const struct tls_cache *c)
{
	return c ? c->tick.count : 0;
}

/* A 64-bit hash of up to 32 bytes and their count (so ids of different
 * lengths differ even when one is a prefix of the other). */
static uint64_t key_hash(const uint8_t *k, size_t n)
{
	uint64_t h = hmap_mix(n, 0x7463616368650000ULL); /* "tcache" */
	for (size_t i = 0; i < n; i += 8) {
		uint64_t w = 0;
		for (size_t j = i; j < i + 8 && j < n; j++)
			w = w << 8 | k[j];
		h = hmap_mix(h, w);
	}
	return h;
}

static void unlink_ent(struct lru *l, uint32_t i)
{
	struct lru_ent *e = &l->ent[i];
	if (e->prev != NIL)
		l->ent[e->prev].next = e->next;
	else
		l->head = e->next;
	if (e->next != NIL)
		l->ent[e->next].prev = e->prev;
	else
		l->tail = e->prev;
	e->prev = e->next = NIL;
	l->count--;
}

static void push_front(struct lru *l, uint32_t i)
{
	struct lru_ent *e = &l->ent[i];
	e->prev = NIL;
	e->next = l->head;
	if (l->head != NIL)
		l->ent[l->head].prev = i;
	l->head = i;
	if (l->tail == NIL)
		l->tail = i;
	l->count++;
}

/* The index of the entry holding key, or NIL. */
static uint32_t lru_find(const struct lru *l, const uint8_t *k, size_t n, uint64_t h)
{
	uint32_t i;
	if (!hmap_get(&l->idx, h, &i) || i >= l->n)
		return NIL;
	const struct lru_ent *e = &l->ent[i];
	return e->h == h && e->klen == n && memcmp(e->key, k, n) == 0 ? i : NIL;
}

static int lru_get(struct lru *l, const uint8_t *k, size_t n, uint8_t ms[48])
{
	uint32_t i = lru_find(l, k, n, key_hash(k, n));
	if (i == NIL)
		return -1;
	if (l->head != i) {
		unlink_ent(l, i);
		push_front(l, i);
	}
	memcpy(ms, l->ent[i].ms, 48);
	return 0;
}

/* Drop the least recent entry and return its index (the list is not
 * empty). */
static uint32_t lru_evict(struct lru *l)
{
	uint32_t i = l->tail;
	struct lru_ent *e = &l->ent[i];
	unlink_ent(l, i);
	hmap_del(&l->idx, e->h);
	tls_cleanse(e, sizeof *e);
	return i;
}

/* A free entry: one left by a failed insert, a never-used one, or the
 * least recent (evicted).  NIL when memory ran out with nothing to evict. */
static uint32_t lru_take(struct lru *l)
{
	if (l->free_head != NIL) {
		uint32_t i = l->free_head;
		l->free_head = l->ent[i].next;
		return i;
	}
	if (l->n < TLS_CACHE_MAX) {
		if (l->n == l->cap) {
			/* grow into a fresh block, wiping the old one (no realloc:
			 * it would leave the secrets behind in freed memory) */
			uint32_t ncap = l->cap ? l->cap * 2 : 64;
			if (ncap > TLS_CACHE_MAX)
				ncap = TLS_CACHE_MAX;
			struct lru_ent *ne = calloc(ncap, sizeof *ne);
			if (!ne)
				return l->tail == NIL ? NIL : lru_evict(l);
			if (l->ent) {
				memcpy(ne, l->ent, (size_t)l->n * sizeof *ne);
				tls_cleanse(l->ent, (size_t)l->cap * sizeof *l->ent);
				free(l->ent);
			}
			l->ent = ne;
			l->cap = ncap;
		}
		return l->n++;
	}
	return lru_evict(l);
}

static void lru_put(struct lru *l, const uint8_t *k, size_t n, const uint8_t ms[48])
{
	uint64_t h = key_hash(k, n);
	uint32_t i;
	if (hmap_get(&l->idx, h, &i) && i < l->n) {
		/* the same key, or (64-bit hash collision) another key that
		 * gives way: the entry takes the new key and secret */
		unlink_ent(l, i);
	} else {
		i = lru_take(l);
		if (i == NIL)
			return;
		if (hmap_put(&l->idx, h, i) != 0) {
			tls_cleanse(&l->ent[i], sizeof l->ent[i]);
			l->ent[i].next = l->free_head;
			l->free_head = i;
			return;
		}
	}
	struct lru_ent *e = &l->ent[i];
	e->h = h;
	e->klen = (uint8_t)n;
	memset(e->key, 0, sizeof e->key);
	memcpy(e->key, k, n);
	memcpy(e->ms, ms, 48);
	push_front(l, i);
}

void tls_cache_put_session(struct tls_cache *c, const uint8_t *sid, size_t sidlen, const uint8_t ms[48])
{
	if (c && sidlen >= 1 && sidlen <= 32)
		lru_put(&c->sess, sid, sidlen, ms);
}

int tls_cache_get_session(struct tls_cache *c, const uint8_t *sid, size_t sidlen, uint8_t ms[48])
{
	if (!c || sidlen < 1 || sidlen > 32)
		return -1;
	return lru_get(&c->sess, sid, sidlen, ms);
}

/* A ticket's key: its SHA-256 (RFC 5077 tickets are opaque, up to 64 KiB;
 * a digest keeps the entries small and fixed).  0 or -1. */
static int ticket_key(const uint8_t *ticket, size_t n, uint8_t key[48])
{
	return n && tls_digest(NULL, TLS_HASH_SHA256, ticket, n, key) == 32 ? 0 : -1;
}

void tls_cache_put_ticket(struct tls_cache *c, const uint8_t *ticket, size_t n, const uint8_t ms[48])
{
	uint8_t key[48];
	if (c && ticket_key(ticket, n, key) == 0)
		lru_put(&c->tick, key, 32, ms);
}

int tls_cache_get_ticket(struct tls_cache *c, const uint8_t *ticket, size_t n, uint8_t ms[48])
{
	uint8_t key[48];
	if (!c || ticket_key(ticket, n, key) != 0)
		return -1;
	return lru_get(&c->tick, key, 32, ms);
}
