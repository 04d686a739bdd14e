/* ingest_tcp.c - what a TCP direction carries, from its first bytes:
 *   SIP framed by Content-Length (RFC 3261 18.3);
 *   WebSocket (RFC 6455) after an HTTP upgrade, or joined mid-stream at a
 *     frame that carries SIP, one SIP message per WebSocket message
 *     (RFC 7118);
 *   HEP3 packets back to back (an agent sending to a collector over TCP);
 *   TLS: records go to the connection's decoder (ingest_tls.c), whose
 *     plaintext runs through the same SIP / WebSocket framing in an inner
 *     flow (transport TLS, WSS).
 * Anything else makes no flow.  A message is stamped with the frame that
 * completed it. */
#include <stdlib.h>
#include <string.h>

#include "ingest_int.h"
#include "sipscope/vec.h"
#include "sipscope/ws.h"

#define WS_PEEK 48 /* payload bytes unmasked to see whether a frame carries SIP */

/* The flow carries nothing of ours.  A TCP flow is forgotten; an inner
 * (decrypted) flow stays with its connection, turned off. */
static void flow_drop(struct ingest *in, struct tcp_flow *fl)
{
	if (!tcp_flow_is_inner(fl)) {
		tcp_table_drop(in->tcp, fl);
		return;
	}
	size_t len;
	while (tcp_flow_data(fl, &len), len || tcp_flow_gap_at(fl) != TCP_NO_GAP)
		tcp_flow_consume(fl, len);
	tcp_flow_app(fl)->kind = TCP_APP_OFF;
}

/* ---- SIP ---------------------------------------------------------------- */

/* Offset of the next line that starts, or may start, a SIP message (a
 * last line still being received counts), or len. */
size_t ingest_sip_resync_point(struct ingest *in, const char *p, size_t len)
{
	for (const char *nl = memchr(p, '\n', len); nl; nl = memchr(nl + 1, '\n', len - (size_t)(nl + 1 - p))) {
		size_t at = (size_t)(nl + 1 - p);
		struct sip_msg m;
		if (at < len && sip_parse(p + at, len - at, 0, &m, in->hdrs, MAX_HEADERS) != SIP_PARSE_NOT_SIP)
			return at;
	}
	return len;
}

/* Parse the SIP messages a direction has ready.  Returns 0, or -1 when the
 * flow turned out not to carry SIP and was dropped. */
static int sip_stream(struct ingest *in, const struct frame *f, struct tcp_flow *fl,
                      struct l4_packet *pkt)
{
	int inner = tcp_flow_is_inner(fl);
	uint8_t tp = inner ? STORE_TP_TLS : STORE_TP_TCP;
	for (;;) {
		pkt->first_frame = tcp_flow_first_frame(fl);
		size_t len, gap = tcp_flow_gap_at(fl);
		const char *p = tcp_flow_data(fl, &len);
		size_t lim = gap < len ? gap : len; /* never parse across a gap */
		size_t skip = 0;
		while (skip < lim && (p[skip] == '\r' || p[skip] == '\n'))
			skip++; /* CRLF keep-alives (RFC 5626 4.4.1) */
		if (skip || (gap == 0 && len)) {
			tcp_flow_consume(fl, skip); /* consuming up to a gap clears it */
			continue;
		}
		if (lim == 0)
			return 0;
		struct sip_msg m;
		int n = sip_parse(p, lim, 0, &m, in->hdrs, MAX_HEADERS);
		if (n == SIP_PARSE_INCOMPLETE) {
			if (gap == TCP_NO_GAP)
				return 0; /* wait for more */
			/* A gap cut this message: keep what arrived, flagged. */
			in->st.tcp_broken++;
			if (sip_parse(p, lim, SIP_PARSE_DATAGRAM, &m, in->hdrs, MAX_HEADERS) > 0) {
				tcp_flow_mark_sip(fl);
				ingest_emit(in, f, pkt, &m, p, lim, 0, 0, tp, STORE_MSG_TCPGAP);
				in->st.tls_sip_msgs += (uint64_t)inner;
			}
			tcp_flow_consume(fl, lim);
			continue;
		}
		if (n == SIP_PARSE_NOT_SIP) {
			in->st.not_sip++;
			if (!tcp_flow_is_sip(fl)) {
				flow_drop(in, fl); /* looked like SIP, was not */
				return -1;
			}
			tcp_flow_consume(fl, ingest_sip_resync_point(in, p, lim));
			continue;
		}
		tcp_flow_mark_sip(fl);
		/* Most messages sit whole in the segment just read: the capture
		 * file keeps their bytes, so nothing is spooled. */
		size_t at = 0;
		int in_file = f->seekable && tcp_flow_frame_span(fl, f->no, (size_t)n, &at);
		ingest_emit(in, f, pkt, &m, p, (size_t)n, in_file, at, tp, 0);
		in->st.tls_sip_msgs += (uint64_t)inner;
		tcp_flow_consume(fl, (size_t)n);
	}
}

/* ---- WebSocket ---------------------------------------------------------- */

/* Does a data frame start at p whose payload begins like SIP? */
int ingest_ws_carries_sip(struct ingest *in, const uint8_t *p, size_t n)
{
	struct ws_frame h;
	if (ws_frame_header(p, n, &h) != WS_HDR_OK || h.rsv ||
	    (h.opcode != WS_OP_TEXT && h.opcode != WS_OP_BINARY) || !h.len || n <= h.hdr_len)
		return 0;
	char peek[WS_PEEK];
	size_t k = n - h.hdr_len;
	if (k > h.len)
		k = (size_t)h.len;
	if (k > sizeof peek)
		k = sizeof peek;
	ws_unmask((uint8_t *)peek, p + h.hdr_len, k, h.mask, 0);
	struct sip_msg m;
	return sip_parse(peek, k, 0, &m, in->hdrs, MAX_HEADERS) != SIP_PARSE_NOT_SIP;
}

/* The next frame start that carries SIP after p[0], or n. */
static size_t ws_resync(struct ingest *in, const uint8_t *p, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if ((p[i] == 0x81 || p[i] == 0x82) && ingest_ws_carries_sip(in, p + i, n - i))
			return i;
	return n;
}

/* Forget the message being joined; it was cut if anything was in it. */
static void ws_drop_msg(struct ingest *in, struct tcp_app *app)
{
	if (app->ws_opcode)
		in->st.ws_broken++;
	app->ws_opcode = 0;
	app->ws_len = 0;
}

/* Lost bytes at `at`: what was being joined is broken, and frames start
 * again past the gap where one visibly carries SIP. */
static void ws_pass_gap(struct ingest *in, struct tcp_flow *fl, size_t at)
{
	ws_drop_msg(in, tcp_flow_app(fl));
	tcp_flow_consume(fl, at); /* consuming up to a gap passes it */
	size_t len, gap = tcp_flow_gap_at(fl);
	const uint8_t *p = (const uint8_t *)tcp_flow_data(fl, &len);
	size_t lim = gap < len ? gap : len;
	if (lim && !ingest_ws_carries_sip(in, p, lim))
		tcp_flow_consume(fl, ws_resync(in, p, lim));
}

#define WS_DEFLATED 0x80 /* in tcp_app.ws_opcode: RSV1, permessage-deflate */

static int ws_stream(struct ingest *in, const struct frame *f, struct tcp_flow *fl,
                     struct l4_packet *pkt)
{
	struct tcp_app *app = tcp_flow_app(fl);
	for (;;) {
		size_t len, gap = tcp_flow_gap_at(fl);
		const uint8_t *p = (const uint8_t *)tcp_flow_data(fl, &len);
		size_t lim = gap < len ? gap : len;
		if (app->kind == TCP_APP_WS_HTTP) {
			size_t end = ws_http_end((const char *)p, lim);
			if (!end) {
				if (gap == TCP_NO_GAP && len < 16384)
					return 0; /* the rest of the header is coming */
				flow_drop(in, fl);
				return -1;
			}
			tcp_flow_consume(fl, end);
			app->kind = TCP_APP_WS;
			continue;
		}
		if (gap == 0 && len) {
			ws_pass_gap(in, fl, 0);
			continue;
		}
		if (lim == 0)
			return 0;
		struct ws_frame h;
		int rc = ws_frame_header(p, lim, &h);
		if (rc == WS_HDR_OK && h.hdr_len + h.len > TCP_FLOW_MAX_BYTES)
			rc = WS_HDR_INVALID; /* could never be held whole */
		if (rc == WS_HDR_INVALID) {
			if (!tcp_flow_is_sip(fl)) {
				flow_drop(in, fl);
				return -1;
			}
			ws_drop_msg(in, app);
			in->st.ws_broken++;
			tcp_flow_consume(fl, ws_resync(in, p, lim));
			continue;
		}
		if (rc == WS_HDR_INCOMPLETE || h.hdr_len + h.len > lim) {
			if (gap == TCP_NO_GAP)
				return 0;
			ws_pass_gap(in, fl, lim); /* a gap cuts this frame */
			continue;
		}
		size_t n = (size_t)h.len;
		const uint8_t *payload = p + h.hdr_len;
		if (h.opcode >= WS_OP_CLOSE) { /* control frames may come between fragments */
			tcp_flow_consume(fl, h.hdr_len + n);
			continue;
		}
		if (h.opcode != WS_OP_CONT) {
			ws_drop_msg(in, app); /* a new message before the last one ended */
			app->ws_opcode = (uint8_t)(h.opcode | ((h.rsv & 4) ? WS_DEFLATED : 0));
			app->ws_first_frame = tcp_flow_first_frame(fl);
		} else if (!app->ws_opcode) {
			in->st.ws_broken++; /* continuation of nothing we saw */
			tcp_flow_consume(fl, h.hdr_len + n);
			continue;
		}
		if (app->ws_len + n > TCP_FLOW_MAX_BYTES ||
		    vec_grow((void **)&app->ws_msg, &app->ws_cap, app->ws_len + n + 1, 1)) {
			ws_drop_msg(in, app);
			tcp_flow_consume(fl, h.hdr_len + n);
			continue;
		}
		ws_unmask((uint8_t *)app->ws_msg + app->ws_len, payload, n, h.mask, 0);
		app->ws_len += n;
		tcp_flow_consume(fl, h.hdr_len + n);
		if (!h.fin)
			continue;
		if (app->ws_opcode & WS_DEFLATED) {
			in->st.ws_compressed++;
		} else {
			pkt->first_frame = app->ws_first_frame;
			int inner = tcp_flow_is_inner(fl);
			if (ingest_message(in, f, pkt, app->ws_msg, app->ws_len, 0, 0,
			                   inner ? STORE_TP_WSS : STORE_TP_WS, 0)) {
				in->st.ws_msgs++;
				in->st.tls_sip_msgs += (uint64_t)inner;
				tcp_flow_mark_sip(fl);
			}
		}
		app->ws_opcode = 0;
		app->ws_len = 0;
	}
}

/* ---- HEP3 over TCP ------------------------------------------------------ */

static int hep_stream(struct ingest *in, const struct frame *f, struct tcp_flow *fl)
{
	for (;;) {
		size_t len, gap = tcp_flow_gap_at(fl);
		const uint8_t *p = (const uint8_t *)tcp_flow_data(fl, &len);
		size_t lim = gap < len ? gap : len;
		if (gap == 0 && len) {
			tcp_flow_consume(fl, 0);
			continue;
		}
		if (lim < 6) {
			if (gap == TCP_NO_GAP)
				return 0;
			tcp_flow_consume(fl, lim);
			continue;
		}
		size_t total = (size_t)p[4] << 8 | p[5];
		if (memcmp(p, "HEP3", 4) || total < 6) {
			/* Out of step: on to the next "HEP3". */
			const uint8_t *next = memchr(p + 1, 'H', lim - 1);
			while (next && (size_t)(p + lim - next) >= 4 && memcmp(next, "HEP3", 4))
				next = memchr(next + 1, 'H', (size_t)(p + lim - next - 1));
			tcp_flow_consume(fl, next ? (size_t)(next - p) : lim);
			continue;
		}
		if (total > lim) {
			if (gap == TCP_NO_GAP)
				return 0;
			tcp_flow_consume(fl, lim);
			continue;
		}
		struct l4_packet inner;
		uint64_t first = tcp_flow_first_frame(fl);
		if (decoder_hep(in->dec, p, total, &inner) == DECODE_OK) {
			inner.first_frame = first;
			in->st.hep_tcp++;
			uint8_t tp = inner.proto == 6 ? STORE_TP_TCP : STORE_TP_UDP;
			if (ingest_message(in, f, &inner, (const char *)inner.payload, inner.len, 0, 0, tp, 0))
				tcp_flow_mark_sip(fl);
		}
		tcp_flow_consume(fl, total);
	}
}

/* ---- TLS ---------------------------------------------------------------- */

/* Does a TLS record start here: a ClientHello or ServerHello, or (on the
 * SIP-over-TLS port 5061) any record, as when the capture began late? */
static int tls_start(const struct l4_packet *pkt)
{
	const uint8_t *p = pkt->payload;
	if (pkt->len < 6 || p[1] != 3 || p[2] > 4)
		return 0;
	if (p[0] == 0x16 && (p[5] == 1 || p[5] == 2))
		return 1;
	return p[0] >= 0x14 && p[0] <= 0x17 && (pkt->src.port == 5061 || pkt->dst.port == 5061);
}

/* ---- flows -------------------------------------------------------------- */

/* What a new direction's first data says it carries (TCP_APP_NONE: not
 * ours, and no flow is made). */
static uint8_t tcp_classify(struct ingest *in, const struct l4_packet *pkt)
{
	const char *p = (const char *)pkt->payload;
	size_t n = pkt->len;
	struct sip_msg m;
	if (sip_parse(p, n, 0, &m, in->hdrs, MAX_HEADERS) != SIP_PARSE_NOT_SIP)
		return TCP_APP_SIP;
	if (ws_http_upgrade(p, n))
		return TCP_APP_WS_HTTP;
	if (n >= 4 && !memcmp(p, "HEP3", 4))
		return TCP_APP_HEP;
	if (tls_start(pkt))
		return TCP_APP_TLS;
	if (ingest_ws_carries_sip(in, pkt->payload, n))
		return TCP_APP_WS;
	return TCP_APP_NONE;
}

/* Parse what the direction has ready; -1 when the flow was dropped. */
int ingest_stream_parse(struct ingest *in, const struct frame *f, struct tcp_flow *fl)
{
	struct l4_packet pkt;
	memset(&pkt, 0, sizeof pkt);
	tcp_flow_endpoints(fl, &pkt.src, &pkt.dst);
	pkt.proto = 6;
	switch (tcp_flow_app(fl)->kind) {
	case TCP_APP_TLS:
		return ingest_tls_stream(in, f, fl);
	case TCP_APP_OFF:
		flow_drop(in, fl);
		return 0;
	case TCP_APP_WS_HTTP:
	case TCP_APP_WS:
		return ws_stream(in, f, fl, &pkt);
	case TCP_APP_HEP:
		return hep_stream(in, f, fl);
	default:
		return sip_stream(in, f, fl, &pkt);
	}
}

/* Give up holes: held segments join the stream, each parsed as of the
 * frame it was captured in.  Returns -1 when the flow was dropped. */
static int tcp_flush(struct ingest *in, struct tcp_flow *fl)
{
	struct frame held;
	memset(&held, 0, sizeof held);
	while (tcp_flow_flush_step(in->tcp, fl, &held.no, &held.ts_us)) {
		in->st.tcp_gaps++;
		if (ingest_stream_parse(in, &held, fl) < 0)
			return -1;
	}
	return 0;
}

void ingest_tcp(struct ingest *in, const struct frame *f, const struct l4_packet *pkt)
{
	/* The peer acknowledged data the capture does not have: the other
	 * direction need not wait for it.  Its held messages go first, as
	 * they were captured before this segment. */
	struct tcp_flow *rev = (pkt->tcp_flags & TCP_ACK) ? tcp_table_reverse(in->tcp, pkt) : NULL;
	if (rev) {
		struct frame held;
		memset(&held, 0, sizeof held);
		while (tcp_flow_flush_acked(in->tcp, rev, pkt->tcp_ack, &held.no, &held.ts_us)) {
			in->st.tcp_gaps++;
			if (ingest_stream_parse(in, &held, rev) < 0)
				break;
		}
	}
	/* Known flows need no look at their bytes. */
	uint8_t kind = pkt->len && !tcp_table_knows(in->tcp, pkt) ? tcp_classify(in, pkt)
	                                                           : TCP_APP_NONE;
	int gap;
	struct tcp_flow *fl = tcp_table_segment(in->tcp, pkt, f->no, f->ts_us, kind != TCP_APP_NONE, &gap);
	if (!fl)
		return;
	struct tcp_app *app = tcp_flow_app(fl);
	if (app->kind == TCP_APP_NONE) {
		if (kind == TCP_APP_NONE && pkt->len)
			kind = tcp_classify(in, pkt); /* a SYN started a new connection on the flow */
		app->kind = kind;
		if (kind == TCP_APP_TLS)
			ingest_tls_open(in, f, app, pkt);
	}
	if (app->kind == TCP_APP_TLS && app->tls_conn && pkt->len) {
		struct ingest_tls *c = &in->tls[app->tls_conn - 1];
		c->segments++;
		c->bytes += pkt->len;
		c->last_frame = f->no;
		c->last_us = f->ts_us;
	}
	if (gap)
		in->st.tcp_gaps++;
	if (ingest_stream_parse(in, f, fl) < 0)
		return;
	if (tcp_flow_stalled(fl, f->ts_us) && tcp_flush(in, fl) < 0)
		return;
	tcp_table_done(in->tcp, fl);
}

/* End of input: no hole will fill any more. */
void ingest_tcp_flush_all(struct ingest *in)
{
	size_t iter = 0;
	struct tcp_flow *fl;
	while ((fl = tcp_table_next_held(in->tcp, &iter)))
		if (tcp_flush(in, fl) < 0)
			iter = 0; /* a flow was dropped: the table moved */
	ingest_tls_finish(in);
}
