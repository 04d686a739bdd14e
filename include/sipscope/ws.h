/* ws.h - WebSocket (RFC 6455) framing, as SIP over WebSocket (RFC 7118)
 * uses it: the HTTP upgrade, frame headers, unmasking. */
#ifndef SIPSCOPE_WS_H
#define SIPSCOPE_WS_H

#include <stddef.h>
#include <stdint.h>

enum ws_opcode {
	WS_OP_CONT = 0,
	WS_OP_TEXT = 1,
	WS_OP_BINARY = 2,
	WS_OP_CLOSE = 8,
	WS_OP_PING = 9,
	WS_OP_PONG = 10
};

struct ws_frame {
	uint8_t fin;
	uint8_t rsv;      /* RSV1-3 bits (RSV1: permessage-deflate) */
	uint8_t opcode;
	uint8_t masked;
	uint8_t mask[4];
	uint64_t len;     /* payload length */
	size_t hdr_len;   /* bytes before the payload */
};

#define WS_HDR_INCOMPLETE 0
#define WS_HDR_OK 1
#define WS_HDR_INVALID (-1)

/* Parse the frame header at p[0..n): WS_HDR_OK, WS_HDR_INCOMPLETE when
 * more bytes are needed, WS_HDR_INVALID when no frame can start here
 * (unknown opcode, a control frame fragmented or over 125 bytes, a
 * 64-bit length with the top bit set). */
int ws_frame_header(const uint8_t *p, size_t n, struct ws_frame *f);

/* Unmask n payload bytes that start `pos` bytes into the payload. */
void ws_unmask(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t mask[4], uint64_t pos);

/* Does p[0..n) start an HTTP request upgrading to WebSocket (1), or the
 * server's "101 Switching Protocols" to it (2)?  0 otherwise. */
int ws_http_upgrade(const char *p, size_t n);

/* Offset just past the blank line ending an HTTP header, or 0 when it has
 * not all arrived. */
size_t ws_http_end(const char *p, size_t n);

#endif
