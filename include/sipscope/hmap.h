/* hmap.h - open-addressing hash map from a 64-bit key to a 32-bit value.
 * Keys are hashes computed by the caller; key 0 is reserved (remapped).
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

/* Mix two 64-bit values into one key (order-sensitive). */
static inline uint64_t hmap_mix(uint64_t a, uint64_t b)
{
	uint64_t x = a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

#endif
