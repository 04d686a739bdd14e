/* pcap_out.c - the frames of chosen SIP messages written back as a pcap
 * or pcapng file (pcapng with the TLS key log beside them): every frame
 * that carried a message's bytes (all IP fragments, all TCP segments of
 * its direction from the one holding its first byte to the one completing
 * it), exactly as captured, read again from the captures.  A message read
 * from TLS wants its whole connection from the handshake on, both ways:
 * records open only in order, with the keys the handshake switched to, so
 * other messages of a shared connection come along. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sipscope/decode.h"
#include "sipscope/export.h"
#include "sipscope/pcap_src.h"
#include "sipscope/pcapng.h"
#include "sipscope/tls.h"
#include "sipscope/vec.h"
#include "sipscope/ws.h"

/* One message: the frames it may have come in, and its hop.  A WebSocket
 * message also wants its connection's HTTP upgrade (from the start of the
 * capture), or no other tool can read its frames. */
struct span {
	uint64_t from; /* where to start looking: first, or 1 for WebSocket */
	uint64_t first, last;
	struct store_endpoint src, dst;
	uint8_t transport;
	uint8_t hep;   /* the frame is a HEP packet: only the last frame is it */
	uint8_t media; /* an RTP stream or its RTCP: every UDP datagram of the hop */
	uint8_t both;  /* a TLS connection: every TCP segment with data, both ways */
};

/* Where the frames go: libpcap's dumper for pcap, our writer for pcapng
 * (on a stream of our own). */
struct sink {
	pcap_t *dead;
	pcap_dumper_t *dump;
	FILE *fp;
	struct pcapng_writer *ng;
};

/* path for writing, or a copy of standard output for "-" (closing it
 * then leaves stdout open). */
static FILE *out_open(const char *path)
{
	if (strcmp(path, "-"))
		return fopen(path, "wb");
	fflush(stdout);
	int fd = dup(STDOUT_FILENO);
	FILE *fp = fd >= 0 ? fdopen(fd, "wb") : NULL;
	if (!fp && fd >= 0)
		close(fd);
	return fp;
}

/* Open the output for link type dlt: the file header (pcap), or the
 * section header, the key log and the interface (pcapng).  Returns 0, or
 * -1 with the reason in err. */
static int sink_open(struct sink *k, const char *path, int dlt, const struct export_pcap_opts *po,
                     char *err, size_t errn)
{
	const char *why = "out of memory";
	k->fp = out_open(path);
	if (!k->fp) {
		why = strerror(errno);
	} else if (po && po->pcapng) {
		k->ng = pcapng_writer_open(k->fp, 0, 262144);
		if (k->ng && (!po->secrets_len || pcapng_writer_secrets(k->ng, PCAP_SRC_SECRETS_TLS,
		                                                        po->secrets,
		                                                        po->secrets_len) == 0) &&
		    pcapng_writer_iface(k->ng, dlt) >= 0)
			return 0;
		why = k->ng ? "write failed" : strerror(errno);
	} else {
		k->dead = pcap_open_dead_with_tstamp_precision(dlt, 262144, PCAP_TSTAMP_PRECISION_MICRO);
		k->dump = k->dead ? pcap_dump_fopen(k->dead, k->fp) : NULL;
		if (k->dump) {
			k->fp = NULL; /* the dumper's now */
			return 0;
		}
		if (k->dead)
			why = pcap_geterr(k->dead);
	}
	snprintf(err, errn, "cannot write %s: %s", path, why);
	return -1;
}

static void sink_write(struct sink *k, const struct frame *f)
{
	if (k->ng) {
		pcapng_writer_packet(k->ng, f->dlt, f->ts_us, f->caplen, f->len, f->data);
		return;
	}
	struct pcap_pkthdr h;
	h.ts.tv_sec = (time_t)(f->ts_us / 1000000);
	h.ts.tv_usec = (suseconds_t)(f->ts_us % 1000000);
	h.caplen = f->caplen;
	h.len = f->len;
	pcap_dump((u_char *)k->dump, &h, f->data);
}

/* Flush and close what was opened.  Returns 0, or -1 when a write failed
 * (the reason in err, when given). */
static int sink_close(struct sink *k, const char *path, char *err, size_t errn)
{
	int rc = 0;
	if (k->ng)
		rc = pcapng_writer_close(k->ng);
	if (k->dump) {
		rc = pcap_dump_flush(k->dump);
		pcap_dump_close(k->dump);
	}
	if (k->fp && fclose(k->fp) != 0)
		rc = -1;
	if (k->dead)
		pcap_close(k->dead);
	memset(k, 0, sizeof *k);
	if (rc != 0 && err)
		snprintf(err, errn, "cannot write %s", path);
	return rc != 0 ? -1 : 0;
}

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	return (x->from > y->from) - (x->from < y->from);
}

const struct ingest_tls *export_tls_conn(const struct ingest *in, const struct store_endpoint *a,
                                         const struct store_endpoint *b, uint64_t frame)
{
	for (size_t i = ingest_tls_count(in); i-- > 0;) {
		const struct ingest_tls *c = ingest_tls(in, i);
		if (c->first_frame <= frame && frame <= c->last_frame &&
		    ((store_endpoint_equal(&c->client, a) && store_endpoint_equal(&c->server, b)) ||
		     (store_endpoint_equal(&c->client, b) && store_endpoint_equal(&c->server, a))))
			return c;
	}
	return NULL;
}

/* Did frame `no` (decoded as st/pkt) carry part of span r? */
static int frame_in_span(const struct span *r, uint64_t no, enum decode_status st,
                         const struct l4_packet *pkt)
{
	if (r->media)
		return st == DECODE_OK && pkt->proto == 17 && !pkt->hep && store_endpoint_equal(&pkt->src, &r->src) &&
		       store_endpoint_equal(&pkt->dst, &r->dst);
	if (r->both)
		return st == DECODE_OK && pkt->proto == 6 && !pkt->hep && pkt->wire_len > 0 &&
		       ((store_endpoint_equal(&pkt->src, &r->src) && store_endpoint_equal(&pkt->dst, &r->dst)) ||
		        (store_endpoint_equal(&pkt->src, &r->dst) && store_endpoint_equal(&pkt->dst, &r->src)));
	if (no == r->last)
		return 1;
	if (r->transport == STORE_TP_WS && st == DECODE_OK && pkt->proto == 6 &&
	    ws_http_upgrade((const char *)pkt->payload, pkt->len) &&
	    ((store_endpoint_equal(&pkt->src, &r->src) && store_endpoint_equal(&pkt->dst, &r->dst)) ||
	     (store_endpoint_equal(&pkt->src, &r->dst) && store_endpoint_equal(&pkt->dst, &r->src))))
		return 1;
	if (r->hep || no < r->first)
		return 0;
	if (r->transport == STORE_TP_UDP) /* an earlier fragment of the datagram */
		return st == DECODE_HELD && store_endpoint_same_ip(&pkt->src, &r->src) && store_endpoint_same_ip(&pkt->dst, &r->dst);
	return st == DECODE_OK && pkt->proto == 6 && pkt->wire_len > 0 && !pkt->hep &&
	       store_endpoint_equal(&pkt->src, &r->src) && store_endpoint_equal(&pkt->dst, &r->dst);
}

/* The RTP streams of the calls (when media was followed) and their RTCP
 * both ways (ports + 1), up to the calls' last SIP frame: spans that take
 * every UDP datagram of their hop. */
static int add_media_spans(struct span **spans, size_t *n, const struct tracker *t,
                           const struct ingest *in, const uint32_t *calls, size_t ncalls)
{
	const struct media *m = ingest_media(in);
	if (!m)
		return 0;
	uint64_t sip_end = 0;
	for (size_t i = 0; i < *n; i++)
		if ((*spans)[i].last > sip_end)
			sip_end = (*spans)[i].last;
	size_t cap = *n ? *n : 1;
	for (size_t i = 0; i < media_stream_count(m); i++) {
		const struct media_stream *ms = media_stream(m, i);
		uint32_t leg = ms->h_call_id ? track_find_call(t, ms->h_call_id) : 0;
		uint32_t root = leg ? track_call_root(t, leg) : 0;
		int chosen = 0;
		for (size_t k = 0; k < ncalls && !chosen; k++)
			chosen = calls[k] == root;
		if (!chosen)
			continue;
		if (vec_grow((void **)spans, &cap, *n + 3, sizeof **spans))
			return -1;
		uint64_t last = ms->last_frame > sip_end ? ms->last_frame : sip_end;
		struct store_endpoint a = ms->src, b = ms->dst;
		(*spans)[(*n)++] = (struct span){ ms->first_frame, ms->first_frame, ms->last_frame, a, b,
		                                  STORE_TP_UDP, 0, 1, 0 };
		a.port++;
		b.port++;
		(*spans)[(*n)++] = (struct span){ ms->first_frame, ms->first_frame, last, a, b, STORE_TP_UDP, 0, 1, 0 };
		(*spans)[(*n)++] = (struct span){ ms->first_frame, ms->first_frame, last, b, a, STORE_TP_UDP, 0, 1, 0 };
	}
	return 0;
}

long export_pcap(const char *path, const char *const *files, size_t nfiles, const char *bpf,
                 struct store *s, const struct tracker *t, const struct ingest *in,
                 const uint32_t *calls, size_t ncalls, struct export_pcap_opts *po,
                 size_t *nmsgs, char *err, size_t errn)
{
	struct export_pcap_opts none = { 0 };
	if (!po)
		po = &none;
	for (size_t i = 0; i < nfiles; i++)
		if (!strcmp(files[i], "-")) {
			snprintf(err, errn, "standard input cannot be read twice: save it to a file first");
			return -1;
		}
	size_t *msgs = NULL;
	long nm = track_calls_messages(t, calls, ncalls, 0, &msgs);
	size_t n = nm > 0 ? (size_t)nm : 0;
	struct span *spans = nm >= 0 ? malloc((n ? n : 1) * sizeof *spans) : NULL;
	if (!spans) {
		free(msgs);
		snprintf(err, errn, "out of memory");
		return -1;
	}
	*nmsgs = n;
	const struct ingest_tls **conns = NULL; /* the TLS connections exported, each once */
	size_t nconns = 0, cap_conns = 0;
	po->tls_conns = po->tls_keyed = 0;
	for (size_t i = 0; i < n; i++) {
		const struct store_msg *m = store_msg_at(s, msgs[i]);
		uint64_t first = ingest_first_frame(in, msgs[i]);
		first = first && first <= m->frame ? first : m->frame;
		spans[i] = (struct span){ m->transport == STORE_TP_WS ? 1 : first, first, m->frame,
		                          *store_endpoint(s, m->src), *store_endpoint(s, m->dst),
		                          m->transport, m->agent != 0, 0, 0 };
		const struct ingest_tls *c = (m->transport == STORE_TP_TLS || m->transport == STORE_TP_WSS) &&
		                             !m->agent ? export_tls_conn(in, &spans[i].src, &spans[i].dst, m->frame) : NULL;
		if (c) {
			spans[i].from = spans[i].first = c->first_frame;
			spans[i].both = 1;
			size_t k = 0;
			while (k < nconns && conns[k] != c)
				k++;
			if (k == nconns && !vec_grow((void **)&conns, &cap_conns, nconns + 1, sizeof *conns))
				conns[nconns++] = c;
		}
	}
	free(msgs);
	/* Their secrets, as key log lines, after what the caller gave. */
	char *secrets = NULL;
	size_t slen = 0;
	const struct tls_keys *keys = ingest_tls_keys(in);
	po->tls_conns = nconns;
	if (po->tls_secrets && keys && nconns) {
		size_t cap = po->secrets_len + nconns * TLS_KEYLOG_EXPORT_MAX;
		secrets = malloc(cap);
		if (secrets) {
			if (po->secrets_len)
				memcpy(secrets, po->secrets, po->secrets_len);
			slen = po->secrets_len;
			for (size_t k = 0; k < nconns; k++) {
				size_t w = conns[k]->have_cr ? tls_keys_export(keys, conns[k]->cr, secrets + slen,
				                                               cap - slen) : 0;
				slen += w;
				po->tls_keyed += w > 0;
			}
		}
	}
	free(conns);
	struct export_pcap_opts eff = *po;
	if (po->tls_keyed) {
		eff.secrets = secrets;
		eff.secrets_len = slen;
		eff.pcapng |= po->pcapng_for_secrets;
	}
	po->wrote_pcapng = eff.pcapng;
	if (add_media_spans(&spans, &n, t, in, calls, ncalls) < 0) {
		tls_cleanse(secrets, slen);
		free(secrets);
		free(spans);
		snprintf(err, errn, "out of memory");
		return -1;
	}
	qsort(spans, n, sizeof *spans, span_cmp);
	uint64_t end = 0;
	for (size_t i = 0; i < n; i++)
		if (spans[i].last > end)
			end = spans[i].last;

	long written = -1;
	struct pcap_src *src = pcap_src_open(files, nfiles, err, errn);
	struct decoder *dec = decoder_new();
	size_t *active = malloc((n ? n : 1) * sizeof *active);
	struct sink out = { 0 };
	if (!src || !dec || !active) {
		if (src)
			snprintf(err, errn, "out of memory");
		goto out;
	}
	if (bpf && *bpf && pcap_src_set_filter(src, bpf, err, errn) < 0)
		goto out;
	size_t next = 0, nactive = 0;
	long count = 0;
	int dlt = -1;
	struct frame f;
	int rc;
	while (next < n || nactive) {
		rc = pcap_src_next(src, &f);
		if (rc == PCAP_SRC_END || f.no > end)
			break;
		if (rc != PCAP_SRC_FRAME)
			continue;
		while (next < n && spans[next].from <= f.no)
			active[nactive++] = next++;
		for (size_t k = 0; k < nactive;) /* spans that ended are done */
			if (spans[active[k]].last < f.no)
				active[k] = active[--nactive];
			else
				k++;
		if (!nactive)
			continue;
		struct l4_packet pkt;
		enum decode_status st = decoder_frame_no(dec, f.no, f.dlt, f.data, f.caplen, f.ts_us, &pkt);
		int take = 0;
		for (size_t k = 0; k < nactive && !take; k++)
			take = frame_in_span(&spans[active[k]], f.no, st, &pkt);
		if (!take)
			continue;
		if (dlt < 0) {
			dlt = f.dlt;
			if (sink_open(&out, path, dlt, &eff, err, errn) < 0)
				goto out;
		} else if (f.dlt != dlt) {
			/* pcapng could hold both, but libpcap (tcpdump, sipscope)
			 * reads one link type per file */
			snprintf(err, errn, "the captures have different link types (%d, %d): export them "
			         "one at a time", dlt, f.dlt);
			goto out;
		}
		sink_write(&out, &f);
		count++;
	}
	/* nothing matched: still an empty, valid file */
	if (dlt < 0 && sink_open(&out, path, DLT_EN10MB, &eff, err, errn) < 0)
		goto out;
	if (sink_close(&out, path, err, errn) < 0)
		goto out;
	written = count;
out:
	sink_close(&out, path, NULL, 0);
	free(active);
	decoder_free(dec);
	pcap_src_close(src);
	free(spans);
	if (secrets) {
		tls_cleanse(secrets, slen);
		free(secrets);
	}
	return written;
}
