/* hmap.h - open-addressing hash map from a 64-bit key to a 32-bit value.
 * Keys are hashes computed by the caller.  Key 0 marks empty slots, so it
 * is stored as another constant: callers must not use both.
 * The table doubles when 3/4 full; growth failure is reported, not fatal.
 * A small direct-mapped cache in front keeps recent keys in CPU cache. */
#ifndef SIPSCOPE_HMAP_H
#define SIPSCOPE_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct hmap_slot {
	uint64_t key;
	uint32_t val;
};

#define HMAP_RECENT 4096 /* direct-mapped cache of recent keys */

struct hmap {
	struct hmap_slot *slots;
	struct hmap_slot *recent; /* SIP traffic is bursty per call: most
	                           * lookups hit a key used moments ago */
	size_t cap; /* power of two, or 0 */
	size_t count;
};

void hmap_init(struct hmap *h);
void hmap_free(struct hmap *h);
/* Returns 1 and sets *val when found, else 0. */
int hmap_get(const struct hmap *h, uint64_t key, uint32_t *val);
/* Insert or replace.  Returns 0, or -1 when memory ran out. */
int hmap_put(struct hmap *h, uint64_t key, uint32_t val);

/* Remove key.  Returns 1 when it was there, else 0.  Allocates nothing. */
int hmap_del(struct hmap *h, uint64_t key);

/* Start loading the cache lines a lookup of key will touch (a hint only;
 * lets a batch of lookups overlap their memory latency). */
void hmap_prefetch(const struct hmap *h, uint64_t key);

/* Renumber values after entries went away: value v becomes map[v], and
 * the entry is deleted when v >= nmap or map[v] == 0 (UINT32_MAX is
 * never a new value).  In place: allocates nothing, cannot fail. */
void hmap_remap(struct hmap *h, const uint32_t *map, size_t nmap);

/* Mix two 64-bit values into one key (order-sensitive).  Every step is a
 * bijection, so changing only one argument never collides (ids that differ
 * stay apart); then the murmur3 finaliser spreads the bits. */
static inline uint64_t hmap_mix(uint64_t a, uint64_t b)
{
	uint64_t y = b * 0x9e3779b97f4a7c15ULL;
	uint64_t x = a ^ (y << 31 | y >> 33);
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

#endif
