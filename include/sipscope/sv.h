/* sv.h - string views: (pointer, length) into bytes owned by someone else.
 * Wire data is never assumed NUL-terminated; every helper is length-aware. */
#ifndef SIPSCOPE_SV_H
#define SIPSCOPE_SV_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct sv {
	const char *p;
	size_t len;
};

#define SV_NULL ((struct sv){ NULL, 0 })

static inline struct sv sv_make(const char *p, size_t len)
{
	struct sv v = { p, len };
	return v;
}

static inline int sv_is_set(struct sv v) { return v.p != NULL; }

static inline int sv_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* Case-insensitive comparison with a NUL-terminated literal. */
static inline int sv_eq_ci(struct sv v, const char *lit)
{
	size_t n = strlen(lit);
	if (v.len != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (sv_lower((unsigned char)v.p[i]) != sv_lower((unsigned char)lit[i]))
			return 0;
	return 1;
}

static inline int sv_eq(struct sv a, struct sv b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static inline int sv_is_lws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Trim linear white space (including folded line breaks) on both ends. */
static inline struct sv sv_trim(struct sv v)
{
	while (v.len && sv_is_lws((unsigned char)v.p[0])) {
		v.p++;
		v.len--;
	}
	while (v.len && sv_is_lws((unsigned char)v.p[v.len - 1]))
		v.len--;
	return v;
}

/* 64-bit FNV-1a; used for hash tables, never for security. */
static inline uint64_t sv_hash(struct sv v)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < v.len; i++) {
		h ^= (unsigned char)v.p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

#endif
