/* ws.c - WebSocket framing (RFC 6455 5.2) and the HTTP upgrade (4.1). */
#include <string.h>
#include <strings.h>

#include "sipscope/ws.h"

int ws_frame_header(const uint8_t *p, size_t n, struct ws_frame *f)
{
	if (n < 2)
		return WS_HDR_INCOMPLETE;
	f->fin = p[0] >> 7;
	f->rsv = (p[0] >> 4) & 7;
	f->opcode = p[0] & 0x0f;
	f->masked = p[1] >> 7;
	uint64_t len = p[1] & 0x7f;
	size_t o = 2;
	if (f->opcode > WS_OP_BINARY && (f->opcode < WS_OP_CLOSE || f->opcode > WS_OP_PONG))
		return WS_HDR_INVALID;
	if (f->opcode >= WS_OP_CLOSE && (!f->fin || len > 125))
		return WS_HDR_INVALID;
	if (len == 126) {
		if (n < 4)
			return WS_HDR_INCOMPLETE;
		len = (uint64_t)p[2] << 8 | p[3];
		o = 4;
	} else if (len == 127) {
		if (n < 10)
			return WS_HDR_INCOMPLETE;
		if (p[2] & 0x80)
			return WS_HDR_INVALID;
		len = 0;
		for (int i = 2; i < 10; i++)
			len = len << 8 | p[i];
		o = 10;
	}
	if (f->masked) {
		if (n < o + 4)
			return WS_HDR_INCOMPLETE;
		memcpy(f->mask, p + o, 4);
		o += 4;
	} else {
		memset(f->mask, 0, 4);
	}
	f->len = len;
	f->hdr_len = o;
	return WS_HDR_OK;
}

void ws_unmask(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t mask[4], uint64_t pos)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i] ^ mask[(pos + i) & 3];
}

/* Case-insensitive search for `word` in p[0..n). */
static int has_word(const char *p, size_t n, const char *word)
{
	size_t w = strlen(word);
	for (size_t i = 0; i + w <= n; i++)
		if (!strncasecmp(p + i, word, w))
			return 1;
	return 0;
}

size_t ws_http_end(const char *p, size_t n)
{
	for (size_t i = 0; i + 4 <= n; i++)
		if (p[i] == '\r' && !memcmp(p + i, "\r\n\r\n", 4))
			return i + 4;
	return 0;
}

int ws_http_upgrade(const char *p, size_t n)
{
	int kind = n >= 4 && !memcmp(p, "GET ", 4) ? 1
	         : n >= 12 && !memcmp(p, "HTTP/1.1 101", 12) ? 2 : 0;
	if (!kind)
		return 0;
	/* Only the header counts, and only as much of it as arrived. */
	size_t end = ws_http_end(p, n);
	return has_word(p, end ? end : n, "websocket") ? kind : 0;
}
