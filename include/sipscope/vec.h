/* vec.h - growable arrays: one helper instead of a realloc dance in each
 * module. */
#ifndef SIPSCOPE_VEC_H
#define SIPSCOPE_VEC_H

#include <stddef.h>

/* Make *arr (of *cap elements of elem bytes) hold at least `need`
 * elements, doubling from 256.  Returns 0, or -1 when memory ran out or
 * the size would overflow (then *arr and *cap are unchanged). */
int vec_grow(void **arr, size_t *cap, size_t need, size_t elem);

#endif
