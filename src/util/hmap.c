/* hmap.c - see include/sipscope/hmap.h.  Key and value sit side by side
 * so a lookup costs one cache miss, not two. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sipscope/hmap.h"

void hmap_init(struct hmap *h)
{
	h->slots = NULL;
	h->recent = NULL;
	h->cap = h->count = 0;
}

void hmap_free(struct hmap *h)
{
	free(h->slots);
	free(h->recent);
	hmap_init(h);
}

#define HUGE_PAGE (2u << 20)

/* Big tables are probed at random: on transparent huge pages a probe costs
 * a cache miss but no TLB miss (worth ~2x on virtual machines). */
static struct hmap_slot *slots_alloc(size_t n)
{
	size_t bytes = n * sizeof(struct hmap_slot);
	if (bytes < HUGE_PAGE)
		return calloc(n, sizeof(struct hmap_slot));
	void *p = aligned_alloc(HUGE_PAGE, bytes);
	if (!p)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, bytes, MADV_HUGEPAGE);
#endif
	memset(p, 0, bytes);
	return p;
}

static uint64_t fix_key(uint64_t k) { return k ? k : 0x5bd1e9955bd1e995ULL; }

static size_t slot_of(uint64_t key, size_t cap)
{
	return (size_t)(((key * 0x9e3779b97f4a7c15ULL) >> 32) & (cap - 1));
}

void hmap_prefetch(const struct hmap *h, uint64_t key)
{
	if (!h->cap)
		return;
	key = fix_key(key);
	if (h->recent)
		__builtin_prefetch(&h->recent[key & (HMAP_RECENT - 1)]);
	__builtin_prefetch(&h->slots[slot_of(key, h->cap)]);
}

int hmap_get(const struct hmap *h, uint64_t key, uint32_t *val)
{
	if (!h->cap)
		return 0;
	key = fix_key(key);
	struct hmap_slot *r = h->recent ? &h->recent[key & (HMAP_RECENT - 1)] : NULL;
	if (r && r->key == key) {
		*val = r->val;
		return 1;
	}
	for (size_t i = slot_of(key, h->cap);; i = (i + 1) & (h->cap - 1)) {
		if (h->slots[i].key == key) {
			*val = h->slots[i].val;
			if (r)
				*r = h->slots[i];
			return 1;
		}
		if (h->slots[i].key == 0)
			return 0;
	}
}

static int insert_raw(struct hmap_slot *slots, size_t cap, uint64_t key, uint32_t val)
{
	for (size_t i = slot_of(key, cap);; i = (i + 1) & (cap - 1)) {
		if (slots[i].key == key || slots[i].key == 0) {
			int added = slots[i].key == 0;
			slots[i].key = key;
			slots[i].val = val;
			return added;
		}
	}
}

int hmap_put(struct hmap *h, uint64_t key, uint32_t val)
{
	key = fix_key(key);
	/* The recent-key cache pays only once the table outgrows the CPU
	 * caches; small maps (many per fuzz run) skip it. */
	if (!h->recent && h->cap >= HMAP_RECENT * 4 &&
	    !(h->recent = calloc(HMAP_RECENT, sizeof *h->recent)))
		return -1;
	if ((h->count + 1) * 4 > h->cap * 3) {
		size_t ncap = h->cap ? h->cap * 2 : 64;
		struct hmap_slot *ns = slots_alloc(ncap);
		if (!ns)
			return -1;
		for (size_t i = 0; i < h->cap; i++)
			if (h->slots[i].key)
				insert_raw(ns, ncap, h->slots[i].key, h->slots[i].val);
		free(h->slots);
		h->slots = ns;
		h->cap = ncap;
	}
	h->count += (size_t)insert_raw(h->slots, h->cap, key, val);
	if (h->recent)
		h->recent[key & (HMAP_RECENT - 1)] = (struct hmap_slot){ key, val };
	return 0;
}

#define GONE UINT32_MAX /* hmap_remap: an entry to delete */

/* Knuth's algorithm R (linear probing): empty slot i, then pull back
 * each later entry of the cluster whose home lies cyclically outside
 * (i, j], so that no lookup meets the hole before its key. */
static void delete_at(struct hmap *h, size_t i)
{
	size_t mask = h->cap - 1, j = i;
	h->slots[i].key = 0;
	h->count--;
	for (;;) {
		j = (j + 1) & mask;
		if (!h->slots[j].key)
			return;
		size_t k = slot_of(h->slots[j].key, h->cap);
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		h->slots[i] = h->slots[j];
		h->slots[j].key = 0;
		i = j;
	}
}

int hmap_del(struct hmap *h, uint64_t key)
{
	if (!h->cap)
		return 0;
	key = fix_key(key);
	for (size_t i = slot_of(key, h->cap);; i = (i + 1) & (h->cap - 1)) {
		if (h->slots[i].key == key) {
			delete_at(h, i);
			if (h->recent && h->recent[key & (HMAP_RECENT - 1)].key == key)
				h->recent[key & (HMAP_RECENT - 1)].key = 0;
			return 1;
		}
		if (h->slots[i].key == 0)
			return 0;
	}
}

void hmap_remap(struct hmap *h, const uint32_t *map, size_t nmap)
{
	size_t left = 0;
	for (size_t i = 0; i < h->cap; i++) {
		struct hmap_slot *sl = &h->slots[i];
		if (!sl->key)
			continue;
		sl->val = sl->val < nmap && map[sl->val] ? map[sl->val] : GONE;
		left += sl->val == GONE;
	}
	/* Deleting moves entries back; one that wraps past the end to a slot
	 * already passed is caught by the next round. */
	while (left) {
		for (size_t i = 0; i < h->cap; i++)
			while (h->slots[i].key && h->slots[i].val == GONE) {
				delete_at(h, i);
				left--;
			}
	}
	if (h->recent)
		memset(h->recent, 0, HMAP_RECENT * sizeof *h->recent);
}
