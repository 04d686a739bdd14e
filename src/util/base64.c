/* base64.c - RFC 4648 base64 and base64url decoding. */
#include "sipscope/base64.h"

int base64_digit(unsigned char c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

long base64_decode(struct sv in, uint8_t *out, size_t cap, int url)
{
	size_t len = in.len, n = 0;
	while (!url && len && in.p[len - 1] == '=')
		len--;
	if (in.len - len > 2)
		return -1;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < len; i++) {
		int v = base64_digit((unsigned char)in.p[i], url);
		if (v < 0)
			return -1;
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return -1;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	return bits >= 6 ? -1 : (long)n; /* one stray digit: not base64 */
}
