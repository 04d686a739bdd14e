/* guard.h - place test input right before an unreadable page, so that a
 * parser reading one byte too far crashes instead of passing silently
 * (the picohttpparser test idea). */
#ifndef SIPSCOPE_TEST_GUARD_H
#define SIPSCOPE_TEST_GUARD_H

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct guard {
	char *base;
	size_t page;
};

static inline int guard_init(struct guard *g)
{
	g->page = (size_t)sysconf(_SC_PAGESIZE);
	g->base = mmap(NULL, g->page * 17, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->base == MAP_FAILED)
		return -1;
	return mprotect(g->base + g->page * 16, g->page, PROT_NONE);
}

/* Copy len bytes so they end exactly at the guard page; returns the copy. */
static inline const char *guard_place(struct guard *g, const void *data, size_t len)
{
	char *end = g->base + g->page * 16;
	if (len > g->page * 16)
		return NULL;
	memcpy(end - len, data, len);
	return end - len;
}

static inline void guard_free(struct guard *g) { munmap(g->base, g->page * 17); }

/* One guarded area per test program, set up for the whole group. */
static struct guard g;

static inline int guard_setup(void **state)
{
	(void)state;
	return guard_init(&g);
}

static inline int guard_teardown(void **state)
{
	(void)state;
	guard_free(&g);
	return 0;
}

#endif
