/* hmap.c - see include/sipscope/hmap.h */
#include <stdlib.h>

#include "sipscope/hmap.h"

void hmap_init(struct hmap *h)
{
	h->keys = NULL;
	h->vals = NULL;
	h->cap = h->count = 0;
}

void hmap_free(struct hmap *h)
{
	free(h->keys);
	free(h->vals);
	hmap_init(h);
}

static uint64_t fix_key(uint64_t k) { return k ? k : 0x5bd1e9955bd1e995ULL; }

static size_t slot_of(uint64_t key, size_t cap)
{
	return (size_t)((key ^ (key >> 29)) & (cap - 1));
}

int hmap_get(const struct hmap *h, uint64_t key, uint32_t *val)
{
	if (!h->cap)
		return 0;
	key = fix_key(key);
	for (size_t i = slot_of(key, h->cap);; i = (i + 1) & (h->cap - 1)) {
		if (h->keys[i] == key) {
			*val = h->vals[i];
			return 1;
		}
		if (h->keys[i] == 0)
			return 0;
	}
}

static void insert_raw(uint64_t *keys, uint32_t *vals, size_t cap, uint64_t key, uint32_t val, int *added)
{
	for (size_t i = slot_of(key, cap);; i = (i + 1) & (cap - 1)) {
		if (keys[i] == key || keys[i] == 0) {
			*added = keys[i] == 0;
			keys[i] = key;
			vals[i] = val;
			return;
		}
	}
}

int hmap_put(struct hmap *h, uint64_t key, uint32_t val)
{
	key = fix_key(key);
	if ((h->count + 1) * 4 > h->cap * 3) {
		size_t ncap = h->cap ? h->cap * 2 : 64;
		uint64_t *nk = calloc(ncap, sizeof *nk);
		uint32_t *nv = malloc(ncap * sizeof *nv);
		if (!nk || !nv) {
			free(nk);
			free(nv);
			return -1;
		}
		int dummy;
		for (size_t i = 0; i < h->cap; i++)
			if (h->keys[i])
				insert_raw(nk, nv, ncap, h->keys[i], h->vals[i], &dummy);
		free(h->keys);
		free(h->vals);
		h->keys = nk;
		h->vals = nv;
		h->cap = ncap;
	}
	int added;
	insert_raw(h->keys, h->vals, h->cap, key, val, &added);
	h->count += (size_t)added;
	return 0;
}
