/* b64url_enc.h - tests: base64url (RFC 4648 5, no padding) of a C string,
 * for crafted PASSporTs.  out needs 4 * strlen(in) / 3 + 4 bytes. */
#ifndef SIPSCOPE_TEST_B64URL_ENC_H
#define SIPSCOPE_TEST_B64URL_ENC_H

#include <string.h>

static inline void b64(const char *in, char *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t n = strlen(in), i = 0, o = 0;
	const unsigned char *p = (const unsigned char *)in;
	for (; i + 2 < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		out[o++] = a[v >> 18], out[o++] = a[v >> 12 & 63], out[o++] = a[v >> 6 & 63], out[o++] = a[v & 63];
	}
	if (n - i == 1) {
		out[o++] = a[p[i] >> 2], out[o++] = a[(p[i] & 3) << 4];
	} else if (n - i == 2) {
		unsigned v = (unsigned)p[i] << 8 | p[i + 1];
		out[o++] = a[v >> 10], out[o++] = a[v >> 4 & 63], out[o++] = a[(v & 15) << 2];
	}
	out[o] = '\0';
}

#endif
