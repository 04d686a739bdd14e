/* ingest.c - decode -> SIP parse -> track -> store, one frame at a time. */
#include <stdlib.h>
#include <string.h>

#include "sipscope/decode.h"
#include "sipscope/ingest.h"
#include "sipscope/sip.h"
#include "sipscope/tcp.h"

#define MAX_HEADERS 128

struct ingest {
	struct store *s;
	struct tracker *t;
	struct decoder *dec;
	struct tcp_table *tcp;
	struct sip_header hdrs[MAX_HEADERS];
	struct ingest_stats st;
};

struct ingest *ingest_new(struct store *s, struct tracker *t)
{
	struct ingest *in = calloc(1, sizeof *in);
	if (!in)
		return NULL;
	in->s = s;
	in->t = t;
	in->dec = decoder_new();
	in->tcp = tcp_table_new();
	if (!in->dec || !in->tcp) {
		ingest_free(in);
		return NULL;
	}
	return in;
}

void ingest_free(struct ingest *in)
{
	if (!in)
		return;
	decoder_free(in->dec);
	tcp_table_free(in->tcp);
	free(in);
}

const struct ingest_stats *ingest_stats(const struct ingest *in) { return &in->st; }

/* Store one parsed message.  `in_file` is true when its bytes can be read
 * again from the capture file at f->rec_off + in_frame. */
static int emit(struct ingest *in, const struct frame *f, const struct l4_packet *pkt,
                const struct sip_msg *m, const char *bytes, size_t len, int in_file,
                size_t in_frame, uint8_t transport, uint8_t extra_flags)
{
	struct store_msg r;
	memset(&r, 0, sizeof r);
	r.ts_us = f->ts_us;
	r.frame = f->no;
	r.loc_len = (uint32_t)len;
	r.transport = transport;
	r.flags = extra_flags;
	if (in_file) {
		r.loc_src = f->src;
		r.loc_off = f->rec_off;
		r.loc_in_frame = (uint32_t)in_frame;
	} else {
		int64_t off = store_spool(in->s, bytes, len);
		if (off < 0) {
			in->st.store_errors++;
			return -1;
		}
		r.loc_src = STORE_LOC_SPOOL;
		r.loc_off = (uint64_t)off;
	}
	if (m->is_request) {
		r.flags |= STORE_MSG_REQUEST;
		r.method = (uint8_t)sip_method_from_sv(m->method);
	} else {
		r.status = (uint16_t)m->status;
		r.method = (uint8_t)sip_method_from_sv(m->cseq_method);
	}
	r.cseq = m->cseq;
	r.malformed = m->malformed;
	if (extra_flags & STORE_MSG_SNAPCUT)
		r.malformed = "cut short by the capture (snaplen)";
	r.src = store_endpoint_id(in->s, &pkt->src);
	r.dst = store_endpoint_id(in->s, &pkt->dst);
	if (sv_is_set(m->call_id))
		r.call_id = store_intern(in->s, m->call_id);
	long idx = store_append_msg(in->s, &r);
	if (idx < 0) {
		in->st.store_errors++;
		return -1;
	}
	in->st.sip_msgs++;
	if (r.malformed)
		in->st.malformed++;
	if (track_msg(in->t, (size_t)idx, m) < 0)
		in->st.store_errors++;
	return 0;
}

static void ingest_udp(struct ingest *in, const struct frame *f, const struct l4_packet *pkt)
{
	const char *p = (const char *)pkt->payload;
	if (!sip_looks_like(p, pkt->len)) {
		in->st.not_sip++;
		return;
	}
	struct sip_msg m;
	int n = sip_parse(p, pkt->len, SIP_PARSE_DATAGRAM, &m, in->hdrs, MAX_HEADERS);
	if (n <= 0) {
		in->st.not_sip++;
		return;
	}
	int cut = pkt->len < pkt->wire_len;
	/* RFC 3261 18.3: bytes past Content-Length in a datagram are dropped;
	 * we keep the whole datagram so nothing on the wire is hidden. */
	int in_file = f->seekable && pkt->payload_off != SIZE_MAX;
	emit(in, f, pkt, &m, p, pkt->len, in_file, pkt->payload_off, STORE_TP_UDP,
	     cut ? STORE_MSG_SNAPCUT : 0);
}

/* Offset of the next line that starts a SIP message, or len. */
static size_t resync_point(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] != '\n')
			continue;
		if (i + 1 < len && sip_looks_like(p + i + 1, len - i - 1))
			return i + 1;
	}
	return len;
}

static void ingest_tcp(struct ingest *in, const struct frame *f, const struct l4_packet *pkt)
{
	int starts_sip = pkt->len && sip_looks_like((const char *)pkt->payload, pkt->len);
	int gap;
	if (pkt->len < pkt->wire_len)
		in->st.bad_frames++; /* a cut segment leaves a hole in the stream */
	struct tcp_flow *fl = tcp_table_segment(in->tcp, pkt, f->ts_us, starts_sip, &gap);
	if (!fl)
		return;
	if (gap)
		in->st.tcp_gaps++;
	for (;;) {
		size_t len;
		const char *p = tcp_flow_data(fl, &len);
		size_t skip = 0;
		while (skip < len && (p[skip] == '\r' || p[skip] == '\n'))
			skip++; /* CRLF keep-alives (RFC 5626 4.4.1) */
		if (skip) {
			tcp_flow_consume(fl, skip);
			continue;
		}
		if (len == 0)
			break;
		struct sip_msg m;
		int n = sip_parse(p, len, 0, &m, in->hdrs, MAX_HEADERS);
		if (n == SIP_PARSE_INCOMPLETE)
			break;
		if (n == SIP_PARSE_NOT_SIP) {
			in->st.not_sip++;
			tcp_flow_consume(fl, resync_point(p, len));
			continue;
		}
		emit(in, f, pkt, &m, p, (size_t)n, 0, 0, STORE_TP_TCP, 0);
		tcp_flow_consume(fl, (size_t)n);
	}
	tcp_table_done(in->tcp, fl);
}

int ingest_frame(struct ingest *in, const struct frame *f)
{
	struct l4_packet pkt;
	in->st.frames++;
	uint64_t before = in->st.store_errors;
	enum decode_status st = decoder_frame(in->dec, f->dlt, f->data, f->caplen, f->ts_us, &pkt);
	if (st == DECODE_TRUNCATED || st == DECODE_MALFORMED) {
		in->st.bad_frames++;
		return 0;
	}
	if (st != DECODE_OK)
		return 0;
	if (pkt.proto == 17)
		ingest_udp(in, f, &pkt);
	else if (pkt.proto == 6)
		ingest_tcp(in, f, &pkt);
	return in->st.store_errors == before ? 0 : -1;
}
