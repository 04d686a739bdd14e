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

/* Headers longer than this without their end are given up (a flow holds
 * at most TCP_FLOW_MAX_BYTES: they would be dropped unseen). */
#define SIP_MAX_HEADER_BYTES (TCP_FLOW_MAX_BYTES / 2)

const char ingest_unfinished_reason[] = "incomplete: Content-Length larger than the bytes that came";

/* Where the headers of the message at p end (just past the empty line
 * that ends them, RFC 3261 7), or 0 when they do not end in p[0, lim).
 * Bytes before `from` were searched already: only the last two of them
 * are looked at again (a line end may straddle). */
static size_t sip_headers_end(const char *p, size_t lim, size_t from)
{
	size_t i = from > 2 ? from - 2 : 0;
	while (i < lim) {
		const char *nl = memchr(p + i, '\n', lim - i);
		if (!nl)
			return 0;
		size_t k = (size_t)(nl - p) + 1;
		if (k < lim && p[k] == '\n')
			return k + 1;
		if (k + 1 < lim && p[k] == '\r' && p[k + 1] == '\n')
			return k + 2;
		i = k;
	}
	return 0;
}

/* Forget how far the message at the front was looked at. */
static void sip_state_reset(struct tcp_app *app, uint64_t at)
{
	app->sip_at = at;
	app->sip_scan = 0;
	app->sip_need = 0;
}

/* Consume n bytes of a SIP flow: what was remembered of the message at
 * the front goes with them. */
static void sip_consume(struct tcp_flow *fl, struct tcp_app *app, size_t n)
{
	tcp_flow_consume(fl, n);
	sip_state_reset(app, tcp_flow_offset(fl));
}

/* The message at p[0, lim) will not complete (no more bytes will come,
 * or it could never be held whole): counted, and when its headers came
 * whole, kept flagged with what came of its body, up to where a later
 * message may start (headers that never ended are only counted: a burst
 * of connections that each sent a first line must not fill the store).
 * Returns the bytes it took (> 0). */
static size_t sip_give_up(struct ingest *in, const struct frame *f, struct tcp_flow *fl,
                          struct l4_packet *pkt, const char *p, size_t lim)
{
	in->st.tcp_unfinished++;
	size_t end = sip_headers_end(p, lim, 0);
	if (!end)
		return lim;
	/* The next line that may start a message (its first line is looked
	 * at too: the search starts at the line end before it). */
	size_t r = end - 1 + ingest_sip_resync_point(in, p + end - 1, lim - end + 1);
	struct sip_msg m;
	if (sip_parse(p, r, SIP_PARSE_DATAGRAM, &m, in->hdrs, MAX_HEADERS) > 0) {
		int inner = tcp_flow_is_inner(fl);
		m.malformed = ingest_unfinished_reason;
		tcp_flow_mark_sip(fl);
		ingest_emit(in, f, pkt, &m, p, r, 0, 0, inner ? STORE_TP_TLS : STORE_TP_TCP, STORE_MSG_TCPGAP);
		in->st.tls_sip_msgs += (uint64_t)inner;
	}
	return r;
}

/* Parse the SIP messages a direction has ready.  Returns 0, or -1 when the
 * flow turned out not to carry SIP and was dropped.  A message that comes
 * in many segments is not parsed again at each: only the new bytes are
 * searched for the end of its headers, and once they are parsed the rest
 * of its body is waited for by length (tcp_app.sip_*).  With `finish` no
 * more bytes will come: a message left unfinished is given up (kept,
 * flagged) and what follows it parsed. */
static int sip_stream(struct ingest *in, const struct frame *f, struct tcp_flow *fl,
                      struct l4_packet *pkt, int finish)
{
	int inner = tcp_flow_is_inner(fl);
	uint8_t tp = inner ? STORE_TP_TLS : STORE_TP_TCP;
	struct tcp_app *app = tcp_flow_app(fl);
	for (;;) {
		pkt->first_frame = tcp_flow_first_frame(fl);
		size_t len, gap = tcp_flow_gap_at(fl);
		const char *p = tcp_flow_data(fl, &len);
		size_t lim = gap < len ? gap : len; /* never parse across a gap */
		uint64_t at = tcp_flow_offset(fl);
		if (app->sip_at != at || app->sip_scan > lim || (app->sip_need && gap != TCP_NO_GAP)) {
			/* The front moved under a message in progress (the
			 * flow's buffer was dropped at its cap, a SYN restarted
			 * it): its bytes are gone. */
			if (app->sip_at != at && (app->sip_scan || app->sip_need))
				in->st.tcp_unfinished++;
			sip_state_reset(app, at);
		}
		size_t skip = 0;
		while (skip < lim && (p[skip] == '\r' || p[skip] == '\n'))
			skip++; /* CRLF keep-alives (RFC 5626 4.4.1) */
		if (skip || (gap == 0 && len)) {
			sip_consume(fl, app, skip); /* consuming up to a gap clears it */
			continue;
		}
		if (lim == 0)
			return 0;
		if (!finish && gap == TCP_NO_GAP) {
			if (app->sip_need && lim < app->sip_need)
				return 0; /* the body is still coming */
			if (app->sip_scan && !app->sip_need) {
				if (!sip_headers_end(p, lim, app->sip_scan)) {
					app->sip_scan = lim;
					return 0; /* the headers are still coming */
				}
			}
		}
		struct sip_msg m;
		int n = sip_parse(p, lim, 0, &m, in->hdrs, MAX_HEADERS);
		in->st.tcp_parses++;
		if (n == SIP_PARSE_INCOMPLETE) {
			if (gap == TCP_NO_GAP && finish) {
				sip_consume(fl, app, sip_give_up(in, f, fl, pkt, p, lim));
				continue;
			}
			if (gap == TCP_NO_GAP) {
				/* Wait for more; remember how far this got. */
				size_t end = sip_headers_end(p, lim, 0);
				if (!end && lim > SIP_MAX_HEADER_BYTES) {
					/* Headers that long are not a SIP element's:
					 * given up before the flow's cap drops them. */
					sip_consume(fl, app, sip_give_up(in, f, fl, pkt, p, lim));
					continue;
				}
				if (!end) {
					/* (the start line, when whole, is SIP: else NOT_SIP) */
					app->sip_scan = memchr(p, '\n', lim) ? lim : 0;
					return 0;
				}
				app->sip_scan = end;
				app->sip_need = m.header_len + (size_t)(m.content_length > 0 ? m.content_length : 0);
				if (app->sip_need <= TCP_FLOW_MAX_BYTES)
					return 0;
				/* It could never be held whole (the flow's cap would
				 * drop it): given up now, so what follows is read. */
				sip_consume(fl, app, sip_give_up(in, f, fl, pkt, p, lim));
				continue;
			}
			/* A gap cut this message: keep what arrived, flagged. */
			in->st.tcp_broken++;
			if (sip_parse(p, lim, SIP_PARSE_DATAGRAM, &m, in->hdrs, MAX_HEADERS) > 0) {
				tcp_flow_mark_sip(fl);
				ingest_emit(in, f, pkt, &m, p, lim, 0, 0, tp, STORE_MSG_TCPGAP);
				in->st.tls_sip_msgs += (uint64_t)inner;
			}
			sip_consume(fl, app, lim);
			continue;
		}
		if (n == SIP_PARSE_NOT_SIP) {
			in->st.not_sip++;
			if (!tcp_flow_is_sip(fl) && finish) {
				sip_consume(fl, app, len); /* (the caller forgets the flow) */
				return 0;
			}
			if (!tcp_flow_is_sip(fl)) {
				flow_drop(in, fl); /* looked like SIP, was not */
				return -1;
			}
			sip_consume(fl, app, ingest_sip_resync_point(in, p, lim));
			continue;
		}
		tcp_flow_mark_sip(fl);
		/* Most messages sit whole in the segment just read: the capture
		 * file keeps their bytes, so nothing is spooled. */
		size_t at_frame = 0;
		int in_file = f->seekable && tcp_flow_frame_span(fl, f->no, (size_t)n, &at_frame);
		ingest_emit(in, f, pkt, &m, p, (size_t)n, in_file, at_frame, tp, 0);
		in->st.tls_sip_msgs += (uint64_t)inner;
		sip_consume(fl, app, (size_t)n);
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
		return sip_stream(in, f, fl, &pkt, 0);
	}
}

/* No more bytes will come on a SIP flow (closed, forgotten, or the end
 * of input): what it holds is parsed, and a message left unfinished is
 * given up, kept flagged.  f may be NULL: then the frame is the flow's
 * last.  The flow is never dropped here (what it holds is consumed). */
static void sip_finish(struct ingest *in, const struct frame *f, struct tcp_flow *fl)
{
	uint8_t kind = tcp_flow_app(fl)->kind;
	if (kind != TCP_APP_NONE && kind != TCP_APP_SIP)
		return;
	size_t len;
	tcp_flow_data(fl, &len);
	if (!len)
		return;
	struct frame last;
	if (!f) {
		memset(&last, 0, sizeof last);
		last.no = tcp_flow_last_frame(fl);
		last.ts_us = tcp_flow_last_ts(fl);
		f = &last;
	}
	struct l4_packet pkt;
	memset(&pkt, 0, sizeof pkt);
	tcp_flow_endpoints(fl, &pkt.src, &pkt.dst);
	pkt.proto = 6;
	sip_stream(in, f, fl, &pkt, 1);
}

void ingest_tcp_forget(void *ctx, struct tcp_flow *fl, int why)
{
	(void)why;
	sip_finish(ctx, NULL, fl);
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
	if (tcp_flow_finished(fl))
		sip_finish(in, f, fl);
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
	/* Messages left unfinished are given up, kept flagged. */
	iter = 0;
	while ((fl = tcp_table_next(in->tcp, &iter)))
		sip_finish(in, NULL, fl);
	ingest_tls_finish(in);
}
