/* base64.h - RFC 4648 base64 decoding, both alphabets: the standard one
 * (section 4: SDES keys, RFC 4568) and base64url (section 5: JWS,
 * PASSporTs). */
#ifndef SIPSCOPE_BASE64_H
#define SIPSCOPE_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "sipscope/sv.h"

/* The value of one digit (0..63), or -1.  url: '-' and '_' for 62 and 63,
 * else '+' and '/'. */
int base64_digit(unsigned char c, int url);

/* Decode in into out (at most cap bytes).  The standard alphabet takes up
 * to two '=' of padding; base64url takes none.  Returns the bytes written,
 * or -1: a character outside the alphabet, a stray last digit (a length
 * of 4k+1), or more than cap bytes. */
long base64_decode(struct sv in, uint8_t *out, size_t cap, int url);

#endif
