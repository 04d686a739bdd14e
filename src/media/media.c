/* media.c - RTP/RTCP streams from SDP (RFC 3550, RFC 3264, RFC 4733).
 *
 * Announced addresses live in a hash by endpoint (the latest SDP for an
 * address wins: a re-INVITE moving media replaces it); streams in a hash
 * by (source, destination, SSRC).  One packet costs two lookups. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/hmap.h"
#include "sipscope/media.h"
#include "sipscope/srtp.h"
#include "sipscope/vec.h"

#define EXP_FMTS 16

/* The SDES keys of one side's m= line (RFC 4568): owned by its expect,
 * wiped when freed. */
struct exp_srtp {
	uint8_t nkeys;
	uint8_t chosen;          /* the key this side sends with */
	uint8_t has_peer;        /* the other side's SDP for this m= line was seen */
	uint32_t gen;            /* changes when the key in use changes */
	struct store_endpoint ep;   /* this side's m= address */
	struct store_endpoint peer; /* the other side's */
	uint32_t tags[SDP_MAX_CRYPTO];
	struct srtp_rx_key keys[SDP_MAX_CRYPTO];
};

struct expect {
	uint64_t h_call_id;
	int64_t ts_us;
	uint8_t mline;
	uint8_t rtcp;        /* this is the RTCP port (m= port + 1) */
	uint8_t nfmts;
	uint8_t dtmf_pt;     /* telephone-event, 0 none */
	uint8_t savp;        /* a secure RTP profile */
	struct exp_srtp *srtp; /* its keys (RTP port only), NULL none */
	uint8_t pt[EXP_FMTS];
	uint32_t clock[EXP_FMTS];
	char codec[EXP_FMTS][24];
};

/* What the accounting needs of one RTP packet (RFC 3550 5.1), so the
 * first packet of an unannounced stream can be kept until the second
 * confirms it, without its bytes. */
struct rtp_pkt {
	uint64_t frame;
	int64_t ts_us;
	uint32_t ts;          /* RTP timestamp */
	uint32_t payload;     /* bytes past header, extension and padding */
	uint16_t seq;
	uint8_t b1;           /* marker bit and payload type */
	uint8_t nev;          /* bytes in ev (at most 4) */
	uint8_t ev[4];        /* the payload's first bytes: an RFC 4733 event */
};

struct call_bye {
	int64_t bye_us;
};

struct media {
	struct expect *exp;
	size_t nexp, cap_exp;
	struct hmap exp_index;    /* endpoint hash -> expect+1 */
	struct media_stream *st;
	size_t nst, cap_st;
	struct hmap st_index;     /* (src, dst, ssrc) -> stream+1 */
	struct hmap byes;         /* h_call_id -> index+1 into bye_us */
	struct hmap probation;    /* unannounced (src, dst, SSRC) -> cand+1 */
	struct rtp_pkt *cand;     /* the last packet of each candidate on probation */
	size_t ncand, cap_cand;
	size_t nunannounced;
	int64_t *bye_us;
	size_t nbye, cap_bye;
	struct media_stats stats;
	struct hmap oa;           /* (Call-ID hash, m= line) -> expect+1 of its last SDP */
	uint32_t srtp_gen;
	int finished;
	media_rtp_fn rtp_hook;
	void *rtp_hook_ctx;
	size_t buf_len;           /* bytes in buf after a decryption */
	_Alignas(8) uint8_t buf[65536]; /* an SRTP packet being decrypted */
};

static void exp_srtp_free(struct exp_srtp *x)
{
	if (!x)
		return;
	for (uint8_t i = 0; i < SDP_MAX_CRYPTO; i++)
		srtp_rx_key_wipe(&x->keys[i]);
	free(x);
}

static void stream_srtp_end(struct media_stream *s)
{
	srtp_rx_free(s->srtp_rx);
	s->srtp_rx = NULL;
}

void media_evict(struct media *m, int (*keep)(void *ctx, uint64_t h_call_id), void *ctx,
                 int64_t idle_before_us)
{
	size_t most = m->nst > m->nexp ? m->nst : m->nexp;
	uint32_t *map = calloc((most > m->nbye ? most : m->nbye) + 1, sizeof *map);
	if (!map)
		return;
	size_t n = 0;
	m->nunannounced = 0;
	for (size_t i = 0; i < m->nst; i++) {
		struct media_stream *s = &m->st[i];
		if (s->h_call_id ? !keep(ctx, s->h_call_id) : s->last_us < idle_before_us) {
			stream_srtp_end(s);
			continue;
		}
		m->nunannounced += !s->h_call_id;
		map[i + 1] = (uint32_t)++n;
		m->st[n - 1] = m->st[i];
	}
	hmap_remap(&m->st_index, map, m->nst + 1);
	m->nst = n;
	n = 0;
	memset(map, 0, (m->nexp + 1) * sizeof *map);
	for (size_t i = 0; i < m->nexp; i++) {
		if (!keep(ctx, m->exp[i].h_call_id)) {
			exp_srtp_free(m->exp[i].srtp);
			m->exp[i].srtp = NULL;
			continue;
		}
		map[i + 1] = (uint32_t)++n;
		m->exp[n - 1] = m->exp[i];
	}
	hmap_remap(&m->exp_index, map, m->nexp + 1);
	hmap_remap(&m->oa, map, m->nexp + 1);
	m->nexp = n;
	/* BYEs are keyed by the Call-ID hash itself. */
	memset(map, 0, (m->nbye + 1) * sizeof *map);
	for (size_t i = 0; i < m->byes.cap; i++) {
		const struct hmap_slot *sl = &m->byes.slots[i];
		if (sl->key && sl->val <= m->nbye && keep(ctx, sl->key))
			map[sl->val] = 1;
	}
	n = 0;
	for (size_t i = 1; i <= m->nbye; i++)
		if (map[i]) {
			map[i] = (uint32_t)++n;
			m->bye_us[n - 1] = m->bye_us[i - 1];
		}
	hmap_remap(&m->byes, map, m->nbye + 1);
	m->nbye = n;
	hmap_free(&m->probation); /* sequence checks under way start over */
	m->ncand = 0;
	free(map);
}

struct media *media_new(void)
{
	struct media *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	hmap_init(&m->exp_index);
	hmap_init(&m->st_index);
	hmap_init(&m->byes);
	hmap_init(&m->probation);
	hmap_init(&m->oa);
	return m;
}

void media_free(struct media *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nexp; i++)
		exp_srtp_free(m->exp[i].srtp);
	for (size_t i = 0; i < m->nst; i++)
		stream_srtp_end(&m->st[i]);
	free(m->exp);
	free(m->st);
	hmap_free(&m->oa);
	free(m->bye_us);
	hmap_free(&m->exp_index);
	hmap_free(&m->st_index);
	hmap_free(&m->byes);
	hmap_free(&m->probation);
	free(m->cand);
	free(m);
}

/* RFC 3551 static payload types: name and clock. */
static const struct { const char *name; uint32_t clock; } static_pt[35] = {
	[0] = { "PCMU/8000", 8000 }, [3] = { "GSM/8000", 8000 }, [4] = { "G723/8000", 8000 },
	[5] = { "DVI4/8000", 8000 }, [6] = { "DVI4/16000", 16000 }, [7] = { "LPC/8000", 8000 },
	[8] = { "PCMA/8000", 8000 }, [9] = { "G722/8000", 8000 }, [10] = { "L16/44100", 44100 },
	[11] = { "L16/44100", 44100 }, [12] = { "QCELP/8000", 8000 }, [13] = { "CN/8000", 8000 },
	[14] = { "MPA/90000", 90000 }, [15] = { "G728/8000", 8000 }, [16] = { "DVI4/11025", 11025 },
	[17] = { "DVI4/22050", 22050 }, [18] = { "G729/8000", 8000 }, [25] = { "CelB/90000", 90000 },
	[26] = { "JPEG/90000", 90000 }, [28] = { "nv/90000", 90000 }, [31] = { "H261/90000", 90000 },
	[32] = { "MPV/90000", 90000 }, [33] = { "MP2T/90000", 90000 }, [34] = { "H263/90000", 90000 },
};

const char *media_static_codec(unsigned pt, uint32_t *clock)
{
	if (pt >= 35 || !static_pt[pt].name)
		return NULL;
	if (clock)
		*clock = static_pt[pt].clock;
	return static_pt[pt].name;
}

static int sv_uint(struct sv v, uint32_t *out)
{
	uint32_t n = 0;
	if (!v.len || v.len > 9)
		return -1;
	for (size_t i = 0; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return -1;
		n = n * 10 + (uint32_t)(v.p[i] - '0');
	}
	*out = n;
	return 0;
}

/* "PCMA/8000/1" -> clock 8000. */
static uint32_t enc_clock(struct sv enc)
{
	const char *slash = memchr(enc.p, '/', enc.len);
	if (!slash)
		return 0;
	struct sv r = sv_make(slash + 1, enc.len - (size_t)(slash + 1 - enc.p));
	const char *s2 = memchr(r.p, '/', r.len);
	if (s2)
		r.len = (size_t)(s2 - r.p);
	uint32_t c;
	return sv_uint(r, &c) == 0 ? c : 0;
}

int media_sdp_endpoint(struct sv addr, uint32_t port, struct store_endpoint *ep)
{
	char buf[64];
	if (!addr.len || addr.len >= sizeof buf || !port || port > 65535)
		return -1;
	memcpy(buf, addr.p, addr.len);
	buf[addr.len] = '\0';
	memset(ep, 0, sizeof *ep);
	if (inet_pton(AF_INET, buf, ep->addr) == 1)
		ep->family = 4;
	else if (inet_pton(AF_INET6, buf, ep->addr) == 1)
		ep->family = 6;
	else
		return -1;
	ep->port = (uint16_t)port;
	return 0;
}

/* Do two sides' keys send with the same key? */
static int same_key(const struct exp_srtp *a, const struct exp_srtp *b)
{
	const struct srtp_rx_key *x = &a->keys[a->chosen], *y = &b->keys[b->chosen];
	return a->nkeys && b->nkeys && x->len == y->len && x->suite == y->suite &&
	       x->mki_len == y->mki_len && x->mki == y->mki && !memcmp(x->key, y->key, x->len);
}

/* Store e at ep (taking its keys); returns its index, or -1 when it was
 * dropped (its keys freed). */
static long expect_put(struct media *m, const struct store_endpoint *ep, struct expect *e)
{
	uint64_t k = store_endpoint_hash(ep);
	uint32_t have;
	if (hmap_get(&m->exp_index, k, &have)) {
		/* A new offer/answer moves it; an RTCP port (m= port + 1) never
		 * takes the place of another call's RTP port. */
		struct expect *old = &m->exp[have - 1];
		if (!e->rtcp || old->rtcp) {
			/* The same key again (a retransmission, a re-INVITE that
			 * keeps it): the streams keep their sessions. */
			if (e->srtp && old->srtp && same_key(e->srtp, old->srtp))
				e->srtp->gen = old->srtp->gen;
			exp_srtp_free(old->srtp);
			*old = *e;
			return (long)have - 1;
		}
		exp_srtp_free(e->srtp);
		return -1;
	}
	if (m->nexp >= MEDIA_MAX_EXPECT ||
	    vec_grow((void **)&m->exp, &m->cap_exp, m->nexp + 1, sizeof *m->exp) ||
	    hmap_put(&m->exp_index, k, (uint32_t)m->nexp + 1) < 0) {
		m->stats.expect_dropped++;
		exp_srtp_free(e->srtp);
		return -1;
	}
	m->exp[m->nexp++] = *e;
	return (long)m->nexp - 1;
}

static uint8_t key_of_tag(const struct exp_srtp *x, uint32_t tag)
{
	for (uint8_t i = 0; i < x->nkeys; i++)
		if (x->tags[i] == tag)
			return i;
	return 0; /* not there: its first (most preferred) line */
}

/* RFC 4568 5.1: the answer keeps one of the offer's crypto lines, by its
 * tag; the offerer then sends with its own line of that tag.  a is the
 * newer SDP (not stored yet), b the other side's (in place). */
static void srtp_pair(struct media *m, struct exp_srtp *a, struct exp_srtp *b)
{
	a->has_peer = b->has_peer = 1;
	a->peer = b->ep;
	b->peer = a->ep;
	if (!a->nkeys || !b->nkeys)
		return;
	uint32_t tag = a->nkeys == 1 || b->nkeys > 1 ? a->tags[0] : b->tags[0];
	a->chosen = key_of_tag(a, tag);
	uint8_t bc = key_of_tag(b, tag);
	if (bc != b->chosen) {
		b->chosen = bc;
		b->gen = ++m->srtp_gen;
	}
}

/* The keys of an m= line on a secure profile, with the other side's
 * SDP of the same call and m= line when one was seen (offer/answer). */
static struct exp_srtp *srtp_keys(struct media *m, uint64_t h_call_id, uint8_t mline,
                                  const struct store_endpoint *ep, const struct sdp_media *md)
{
	struct exp_srtp *x = calloc(1, sizeof *x);
	if (!x)
		return NULL;
	x->ep = *ep;
	x->gen = ++m->srtp_gen;
	for (uint8_t i = 0; i < md->ncrypto; i++) {
		x->tags[x->nkeys] = md->crypto[i].tag;
		srtp_rx_key_from_sdp(&md->crypto[i], &x->keys[x->nkeys++]); /* len 0 when unusable */
	}
	uint32_t v;
	if (!hmap_get(&m->oa, hmap_mix(h_call_id, mline), &v) || v > m->nexp)
		return x;
	struct expect *o = &m->exp[v - 1];
	if (o->h_call_id != h_call_id || o->mline != mline) /* its address went to another call */
		return x;
	if (o->srtp && !store_endpoint_equal(&o->srtp->ep, ep)) {
		srtp_pair(m, x, o->srtp);
	} else if (o->srtp && o->srtp->has_peer) { /* the same side again */
		struct expect *p = NULL;
		uint32_t pv;
		if (hmap_get(&m->exp_index, store_endpoint_hash(&o->srtp->peer), &pv))
			p = &m->exp[pv - 1];
		if (p && p->srtp && p->h_call_id == h_call_id)
			srtp_pair(m, x, p->srtp);
	}
	return x;
}

void media_sdp(struct media *m, uint64_t h_call_id, int64_t ts_us, const struct sdp *sdp)
{
	for (size_t i = 0; i < sdp->nmedia; i++) {
		const struct sdp_media *md = &sdp->media[i];
		struct store_endpoint ep;
		if (!md->port || media_sdp_endpoint(md->conn, md->port, &ep) < 0)
			continue;
		struct expect e;
		memset(&e, 0, sizeof e);
		e.h_call_id = h_call_id;
		e.ts_us = ts_us;
		e.mline = (uint8_t)(i + 1);
		e.savp = (uint8_t)sdp_proto_is_srtp(md->proto);
		for (size_t k = 0; k < md->nfmts && e.nfmts < EXP_FMTS; k++) {
			uint32_t pt;
			if (sv_uint(md->fmts[k].id, &pt) < 0 || pt > 127)
				continue;
			size_t j = e.nfmts++;
			e.pt[j] = (uint8_t)pt;
			struct sv enc = md->fmts[k].encoding;
			if (sv_is_set(enc) && enc.len) {
				size_t n = enc.len < sizeof e.codec[j] - 1 ? enc.len : sizeof e.codec[j] - 1;
				memcpy(e.codec[j], enc.p, n);
				e.clock[j] = enc_clock(enc);
				if (enc.len >= 15 && !strncasecmp(enc.p, "telephone-event", 15))
					e.dtmf_pt = (uint8_t)pt;
			} else if (pt < 35 && static_pt[pt].name) {
				snprintf(e.codec[j], sizeof e.codec[j], "%s", static_pt[pt].name);
				e.clock[j] = static_pt[pt].clock;
			}
		}
		if (e.savp && md->ncrypto)
			e.srtp = srtp_keys(m, h_call_id, e.mline, &ep, md);
		long at = expect_put(m, &ep, &e);
		if (at >= 0)
			hmap_put(&m->oa, hmap_mix(h_call_id, e.mline), (uint32_t)at + 1);
		ep.port++;
		e.rtcp = 1;
		e.srtp = NULL;
		expect_put(m, &ep, &e);
	}
}

void media_bye(struct media *m, uint64_t h_call_id, int64_t ts_us)
{
	uint32_t have;
	if (hmap_get(&m->byes, h_call_id, &have))
		return; /* the first BYE counts */
	if (vec_grow((void **)&m->bye_us, &m->cap_bye, m->nbye + 1, sizeof *m->bye_us) ||
	    hmap_put(&m->byes, h_call_id, (uint32_t)m->nbye + 1) < 0)
		return;
	m->bye_us[m->nbye++] = ts_us;
}

void media_note_sip(struct media *m, const struct sip_msg *msg, uint64_t h_call_id, int64_t ts_us)
{
	if (msg->is_request && sip_method_from_sv(msg->method) == SIP_M_BYE)
		media_bye(m, h_call_id, ts_us);
	struct sv body = sip_body_sdp(msg);
	struct sdp sdp;
	if (sv_is_set(body) && body.len && sdp_parse(body.p, body.len, &sdp) == 0)
		media_sdp(m, h_call_id, ts_us, &sdp);
}

static const struct expect *expect_get(const struct media *m, const struct store_endpoint *ep)
{
	uint32_t v;
	return hmap_get(&m->exp_index, store_endpoint_hash(ep), &v) ? &m->exp[v - 1] : NULL;
}

static uint64_t stream_key(const struct store_endpoint *src, const struct store_endpoint *dst,
                           uint32_t ssrc)
{
	return hmap_mix(hmap_mix(store_endpoint_hash(src), store_endpoint_hash(dst)), ssrc);
}

static struct media_stream *stream_get(struct media *m, const struct store_endpoint *src,
                                       const struct store_endpoint *dst, uint32_t ssrc, int make)
{
	uint64_t k = stream_key(src, dst, ssrc);
	uint32_t v;
	if (hmap_get(&m->st_index, k, &v))
		return &m->st[v - 1];
	if (!make)
		return NULL;
	if (m->nst >= MEDIA_MAX_STREAMS ||
	    vec_grow((void **)&m->st, &m->cap_st, m->nst + 1, sizeof *m->st) ||
	    hmap_put(&m->st_index, k, (uint32_t)m->nst + 1) < 0) {
		m->stats.streams_dropped++;
		return NULL;
	}
	struct media_stream *s = &m->st[m->nst++];
	memset(s, 0, sizeof *s);
	s->src = *src;
	s->dst = *dst;
	s->ssrc = ssrc;
	s->rtt_ms = -1;
	return s;
}

/* What the receiver's SDP says of payload type pt (else the sender's:
 * the offer and the answer usually share their payload numbers). */
static void stream_codec(struct media_stream *s, const struct expect *rx, const struct expect *tx,
                         uint8_t pt)
{
	s->codec[0] = '\0';
	s->clock = 0;
	const struct expect *sdps[2] = { rx, tx };
	for (int k = 0; k < 2 && !s->codec[0]; k++) {
		const struct expect *e = sdps[k];
		if (!e)
			continue;
		for (uint8_t i = 0; i < e->nfmts; i++)
			if (e->pt[i] == pt && e->codec[i][0]) {
				snprintf(s->codec, sizeof s->codec, "%s", e->codec[i]);
				s->clock = e->clock[i];
				break;
			}
	}
	s->dtmf_pt = rx && rx->dtmf_pt ? rx->dtmf_pt : tx ? tx->dtmf_pt : 0;
	if (!s->codec[0] && pt < 35 && static_pt[pt].name)
		snprintf(s->codec, sizeof s->codec, "%s", static_pt[pt].name);
	if (!s->clock)
		s->clock = pt < 35 && static_pt[pt].clock ? static_pt[pt].clock : 8000;
}

static int pt_listed(const struct expect *e, uint8_t pt)
{
	for (uint8_t i = 0; i < e->nfmts; i++)
		if (e->pt[i] == pt)
			return 1;
	return 0;
}

static char dtmf_digit(uint8_t ev)
{
	static const char d[] = "0123456789*#ABCD";
	return ev < 16 ? d[ev] : '?';
}

/* RFC 4733 2.3: event, E bit, volume, duration; one event per RTP
 * timestamp, repeated while it lasts (the end packet three times). */
static void take_dtmf(struct media_stream *s, int64_t ts_us, uint32_t rtp_ts, const uint8_t *p, size_t n)
{
	if (n < 4)
		return;
	uint16_t dur = (uint16_t)(p[2] << 8 | p[3]);
	struct media_dtmf *d = s->ndtmf ? &s->dtmf[s->ndtmf - 1] : NULL;
	if (!d || s->dtmf_ts != rtp_ts) {
		if (s->ndtmf == MEDIA_MAX_DTMF)
			return;
		d = &s->dtmf[s->ndtmf++];
		memset(d, 0, sizeof *d);
		d->start_us = ts_us;
		d->digit = dtmf_digit(p[0]);
		s->dtmf_ts = rtp_ts;
	}
	if (dur > d->duration)
		d->duration = dur;
	if (p[1] & 0x80)
		d->ended = 1;
}

/* RFC 3550 A.1: extended sequence numbers, with a window of the last 128
 * to tell duplicates from packets that come late.  A jump of more than
 * MAX_DROPOUT ahead (or MAX_MISORDER back) is taken as a restart (a
 * switch keeping the SSRC) once a second packet follows it in sequence;
 * what was expected before counts on. */
static void take_seq(struct media_stream *s, uint16_t seq)
{
	if (!s->packets) {
		s->base_seq = s->max_seq = seq;
		s->bad_seq = 0x10001;
		s->recent[0] = 1;
		s->recent[1] = 0;
		return;
	}
	uint16_t max16 = (uint16_t)s->max_seq;
	uint16_t udelta = (uint16_t)(seq - max16);
	if (udelta == 0) {
		s->duplicates++;
	} else if (udelta < MEDIA_MAX_DROPOUT) { /* ahead (maybe after a loss) */
		if (seq < max16)
			s->cycles += 65536;
		if (udelta != 1)
			s->seq_jumps++;
		if (udelta >= 128) {
			s->recent[0] = s->recent[1] = 0;
		} else {
			for (uint16_t i = 0; i < udelta; i++) {
				s->recent[1] = s->recent[1] << 1 | s->recent[0] >> 63;
				s->recent[0] <<= 1;
			}
		}
		s->recent[0] |= 1;
		s->max_seq = seq;
	} else if (udelta <= 65536 - MEDIA_MAX_MISORDER) { /* a big jump */
		s->seq_jumps++;
		if (seq == s->bad_seq) { /* two in sequence: the source restarted */
			s->expected_prior += (int64_t)(s->cycles + s->max_seq) - s->base_seq + 1;
			s->base_seq = (uint16_t)(seq - 1);
			s->max_seq = seq;
			s->cycles = 0;
			s->recent[0] = 3;
			s->recent[1] = 0;
			s->bad_seq = 0x10001;
		} else {
			s->bad_seq = (uint16_t)(seq + 1);
		}
	} else { /* a little behind: late or a duplicate */
		uint16_t back = (uint16_t)(max16 - seq);
		if (back < 128) {
			uint64_t *w = &s->recent[back >> 6];
			uint64_t bit = 1ULL << (back & 63);
			if (*w & bit) {
				s->duplicates++;
			} else {
				*w |= bit;
				s->out_of_order++;
			}
		} else {
			s->out_of_order++;
		}
	}
}

/* The fields of an RTP packet of len >= 12 bytes. */
static void rtp_read(struct rtp_pkt *k, uint64_t frame, int64_t ts_us, const uint8_t *p, size_t len)
{
	k->frame = frame;
	k->ts_us = ts_us;
	k->b1 = p[1];
	k->seq = (uint16_t)(p[2] << 8 | p[3]);
	k->ts = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
	size_t hl = 12 + 4u * (p[0] & 0x0f);
	if ((p[0] & 0x10) && len >= hl + 4) /* header extension */
		hl += 4 + 4u * (size_t)(p[hl + 2] << 8 | p[hl + 3]);
	size_t payload = len > hl ? len - hl : 0;
	k->nev = (uint8_t)(payload < sizeof k->ev ? payload : sizeof k->ev);
	memset(k->ev, 0, sizeof k->ev);
	if (k->nev)
		memcpy(k->ev, p + hl, k->nev);
	if ((p[0] & 0x20) && payload && p[len - 1] <= payload) /* padding */
		payload -= p[len - 1];
	k->payload = (uint32_t)payload;
}

/* An SRTP packet read from its clear header only: the payload is
 * encrypted (no DTMF event, no padding count) and ends before the
 * suite's tag when it is known. */
static void rtp_clear(struct rtp_pkt *k, uint8_t trailer)
{
	k->nev = 0;
	memset(k->ev, 0, sizeof k->ev);
	k->payload = k->payload > trailer ? k->payload - trailer : 0;
}

/* The RFC 4568 tag length of a suite, for SRTP. */
static uint8_t srtp_tag_len(uint8_t suite)
{
	switch (suite) {
	case SDP_SRTP_AES_CM_128_HMAC_SHA1_80:
	case SDP_SRTP_AES_256_CM_HMAC_SHA1_80: return 10;
	case SDP_SRTP_AES_CM_128_HMAC_SHA1_32: return 4;
	case SDP_SRTP_AEAD_AES_128_GCM:
	case SDP_SRTP_AEAD_AES_256_GCM: return 16;
	default: return 0;
	}
}

static const struct expect *expect_get(const struct media *m, const struct store_endpoint *ep);

static size_t s_trailer(const struct media *m, size_t idx) { return m->st[idx].srtp_trailer; }

/* The keys the sender of a stream announced: its own SDP's (found by
 * the address it sends from), else, when it sends from elsewhere (NAT),
 * those of the receiver's offer/answer peer. */
static const struct exp_srtp *sender_keys(const struct media *m, const struct expect *rx,
                                          const struct expect *tx)
{
	if (tx && !tx->rtcp)
		return tx->srtp;
	if (rx && rx->srtp && rx->srtp->has_peer) {
		const struct expect *o = expect_get(m, &rx->srtp->peer);
		if (o && o->srtp && o->h_call_id == rx->h_call_id)
			return o->srtp;
	}
	return NULL;
}

enum { SRTP_USE, SRTP_SKIP };

/* An SRTP packet of stream s: decrypted into m->buf and read into k when
 * it authenticates, else read from its clear header; SRTP_SKIP when it
 * is to be left out of the figures (see media.h). */
static int take_srtp(struct media *m, struct media_stream *s, const struct expect *rx,
                     const struct expect *tx, const uint8_t *p, size_t len, struct rtp_pkt *k)
{
	const struct exp_srtp *ks = sender_keys(m, rx, tx);
	if (ks && ks->gen != s->srtp_gen) { /* the first packet, or a new key */
		stream_srtp_end(s);
		s->srtp_gen = ks->gen;
		const struct srtp_rx_key *key = &ks->keys[ks->chosen];
		s->srtp_suite = key->suite;
		uint8_t tag = srtp_tag_len(key->suite);
		s->srtp_trailer = tag ? (uint8_t)(tag + key->mki_len) : 0;
		s->srtp_rx = key->len ? srtp_rx_new(key) : NULL;
	}
	s->srtp = s->srtp_rx ? MEDIA_SRTP_KEYED : MEDIA_SRTP_NOKEY;
	if (!s->srtp_rx || len > sizeof m->buf) {
		m->stats.srtp_no_key++;
		rtp_clear(k, s->srtp_trailer);
		return SRTP_USE;
	}
	memcpy(m->buf, p, len);
	size_t n = len;
	switch (srtp_rx_rtp(s->srtp_rx, m->buf, &n)) {
	case SRTP_RX_OK:
		s->srtp_ok++;
		m->stats.srtp_ok++;
		m->buf_len = n;
		rtp_read(k, k->frame, k->ts_us, m->buf, n);
		return SRTP_USE;
	case SRTP_RX_REPLAY:
		s->srtp_replay++;
		m->stats.srtp_replay++;
		rtp_clear(k, s->srtp_trailer);
		return SRTP_USE;
	case SRTP_RX_AUTH_FAIL:
		break;
	}
	s->srtp_auth_fail++;
	m->stats.srtp_auth_fail++;
	s->problems |= MEDIA_P_SRTP_AUTH;
	if (s->srtp_ok)
		return SRTP_SKIP;
	rtp_clear(k, s->srtp_trailer);
	return SRTP_USE;
}

static void take_rtp(struct media *m, struct media_stream *s, const struct expect *rx,
                     const struct expect *tx, const struct rtp_pkt *k)
{
	uint8_t pt = k->b1 & 0x7f;
	uint16_t seq = k->seq;
	uint32_t ts = k->ts;
	uint64_t frame = k->frame;
	int64_t ts_us = k->ts_us;
	m->stats.rtp++;
	if (!s->packets) {
		s->first_frame = frame;
		s->first_us = ts_us;
		stream_codec(s, rx, tx, pt);
		s->pt = pt;
	}
	int is_dtmf = s->dtmf_pt && pt == s->dtmf_pt;
	/* The stream's payload type is its first voice packet's: a call may
	 * open with a DTMF event. */
	if (!is_dtmf && !s->voice_seen) {
		if (s->pt != pt)
			stream_codec(s, rx, tx, pt);
		s->pt = pt;
		s->voice_seen = 1;
		if (rx && !pt_listed(rx, pt))
			s->problems |= MEDIA_P_CODEC;
	} else if (!is_dtmf && pt != s->pt) {
		s->pt_changes++;
		if (rx && !pt_listed(rx, pt))
			s->problems |= MEDIA_P_CODEC;
	} else if (is_dtmf && rx && !pt_listed(rx, pt)) {
		s->problems |= MEDIA_P_CODEC;
	}
	if (is_dtmf && k->nev)
		take_dtmf(s, ts_us, ts, k->ev, k->nev);
	take_seq(s, seq);
	if (k->b1 & 0x80)
		s->marker++;
	if (s->packets) {
		int64_t d = ts_us - s->last_arrival_us;
		if (d / 1000.0 > s->delta_ms_max)
			s->delta_ms_max = d / 1000.0;
		/* Silence after comfort noise, or ended by a marker bit (the
		 * start of a talkspurt, RFC 3551 4.1), is DTX, not a gap. */
		if (d >= MEDIA_GAP_US && d > s->gap_us && !s->last_cn && !(k->b1 & 0x80))
			s->gap_us = d;
	}
	/* RFC 3550 A.8 between voice packets, in the payload's clock: DTMF
	 * events carry the event's start time, not the audio clock. */
	if (!is_dtmf) {
		if (s->last_voice_us) {
			double arr = (double)(ts_us - s->last_voice_us) * s->clock / 1e6;
			double dts = (double)(int32_t)(ts - s->last_ts);
			s->jitter_ts += (fabs(arr - dts) - s->jitter_ts) / 16.0;
		}
		s->last_ts = ts;
		s->last_voice_us = ts_us;
	}
	if (s->packets) {
		s->jitter_ms = s->jitter_ts * 1000.0 / s->clock;
		if (s->jitter_ms > s->jitter_ms_max)
			s->jitter_ms_max = s->jitter_ms;
		s->jitter_sum += s->jitter_ms;
	}
	s->last_cn = pt == 13; /* comfort noise (RFC 3389) */
	s->last_arrival_us = ts_us;
	s->last_us = ts_us;
	s->last_frame = frame;
	s->packets++;
	s->bytes += k->payload;
}

/* The RTP stream an RTCP packet from src to dst speaks of, sent by
 * `from_src` (1: from src's side, 0: toward it): the RTP ports are one
 * below (RFC 3550 11), or the same with rtcp-mux (RFC 5761). */
static struct media_stream *rtcp_stream(struct media *m, const struct store_endpoint *src,
                                        const struct store_endpoint *dst, uint32_t ssrc, int from_src)
{
	for (int mux = 0; mux < 2; mux++) {
		struct store_endpoint a = from_src ? *src : *dst, b = from_src ? *dst : *src;
		if (!mux) {
			a.port = (uint16_t)(a.port - 1);
			b.port = (uint16_t)(b.port - 1);
		}
		struct media_stream *s = stream_get(m, &a, &b, ssrc, 0);
		if (s)
			return s;
	}
	return NULL;
}

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* RFC 3550 6.4: sender reports (their NTP time is kept with the capture
 * time, for the round trip) and the report blocks of SR and RR packets
 * in a compound packet; each block tells the sender of the reported SSRC
 * how its stream arrived.  The round trip is the block's arrival less the
 * capture time of the SR its LSR names, less DLSR: the sender's clock is
 * never compared with ours. */
static void take_rtcp(struct media *m, int64_t ts_us, const struct store_endpoint *src,
                      const struct store_endpoint *dst, const uint8_t *p, size_t len)
{
	m->stats.rtcp++;
	while (len >= 8) {
		uint8_t pt = p[1];
		size_t plen = 4 * ((size_t)(p[2] << 8 | p[3]) + 1);
		if (plen > len || (p[0] & 0xc0) != 0x80)
			return;
		if (pt == 200 && plen >= 28) {
			struct media_stream *own = rtcp_stream(m, src, dst, be32(p + 4), 1);
			if (own) {
				own->sr_mid[own->sr_next % 4] = be32(p + 10);
				own->sr_us[own->sr_next % 4] = ts_us;
				own->sr_next++;
			}
		}
		size_t off = pt == 200 ? 28 : pt == 201 ? 8 : 0;
		unsigned rc = p[0] & 0x1f;
		for (unsigned i = 0; off && i < rc && off + 24 <= plen; i++, off += 24) {
			const uint8_t *b = p + off;
			/* The reported stream flows toward the reporter. */
			struct media_stream *s = rtcp_stream(m, src, dst, be32(b), 0);
			if (!s)
				continue;
			s->rtcp_reports++;
			s->rtcp_fraction_lost = b[4] / 256.0;
			int32_t cum = (int32_t)((uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7]);
			if (cum & 0x800000)
				cum |= (int32_t)0xff000000;
			s->rtcp_cum_lost = cum;
			s->rtcp_jitter_ms = s->clock ? be32(b + 12) * 1000.0 / s->clock : 0;
			uint32_t lsr = be32(b + 16), dlsr = be32(b + 20);
			for (int k = 0; lsr && k < 4 && k < s->sr_next; k++)
				if (s->sr_mid[k] == lsr) {
					double rtt = (double)(ts_us - s->sr_us[k]) / 1000.0 - dlsr * 1000.0 / 65536.0;
					if (rtt >= 0)
						s->rtt_ms = rtt;
					break;
				}
		}
		p += plen;
		len -= plen;
	}
}

/* SRTCP (RFC 3711 3.4): decrypted with the session of the RTP stream
 * its sender SSRC names (the same master key), then read as RTCP. */
static void take_srtcp(struct media *m, int64_t ts_us, const struct store_endpoint *src,
                       const struct store_endpoint *dst, const uint8_t *p, size_t len)
{
	struct media_stream *s = rtcp_stream(m, src, dst, be32(p + 4), 1);
	if (!s || !s->srtp_rx || len > sizeof m->buf) {
		m->stats.rtcp++;
		m->stats.srtcp_no_key++;
		return;
	}
	memcpy(m->buf, p, len);
	size_t n = len;
	switch (srtp_rx_rtcp(s->srtp_rx, m->buf, &n)) {
	case SRTP_RX_OK:
		s->srtcp_ok++;
		m->stats.srtcp_ok++;
		take_rtcp(m, ts_us, src, dst, m->buf, n);
		return;
	case SRTP_RX_REPLAY: /* a duplicate: its reports were read once */
		m->stats.rtcp++;
		return;
	case SRTP_RX_AUTH_FAIL:
		break;
	}
	m->stats.rtcp++;
	s->srtcp_auth_fail++;
	m->stats.srtcp_auth_fail++;
	s->problems |= MEDIA_P_SRTP_AUTH;
}

/* The hook's view of packet p (RFC 3550 5.1: CSRCs, extension, padding
 * skipped); a header that does not fit gives an empty payload. */
static void give_rtp(struct media *m, size_t idx, const struct rtp_pkt *k, const uint8_t *p,
                     size_t len, int clear)
{
	struct media_rtp_pkt r = { .frame = k->frame, .ts_us = k->ts_us, .rtp_ts = k->ts,
		                   .seq = k->seq, .pt = k->b1 & 0x7f, .marker = k->b1 >> 7,
		                   .clear = (uint8_t)clear };
	size_t hl = 12 + 4u * (p[0] & 0x0f);
	if ((p[0] & 0x10) && len >= hl + 4)
		hl += 4 + 4u * (size_t)(p[hl + 2] << 8 | p[hl + 3]);
	size_t end = len;
	if (clear && (p[0] & 0x20) && len > hl && p[len - 1] <= len - hl)
		end -= p[len - 1];
	if (!clear && s_trailer(m, idx) < end - (hl < end ? hl : end))
		end -= s_trailer(m, idx);
	if (hl < end) {
		r.payload = p + hl;
		r.len = end - hl;
	} else {
		r.payload = p;
		r.len = 0;
	}
	m->rtp_hook(m->rtp_hook_ctx, idx, &r);
}

int media_udp(struct media *m, uint64_t frame, int64_t ts_us, const struct store_endpoint *src,
              const struct store_endpoint *dst, const uint8_t *p, size_t len)
{
	if (len < 12 || (p[0] & 0xc0) != 0x80) {
		m->stats.not_rtp++;
		return 0;
	}
	const struct expect *rx = expect_get(m, dst);
	const struct expect *tx = expect_get(m, src);
	/* RTCP: packet types 200-204 (SR, RR, SDES, BYE, APP) first. */
	if (p[1] >= 200 && p[1] <= 204) {
		if ((rx && rx->savp) || (tx && tx->savp))
			take_srtcp(m, ts_us, src, dst, p, len);
		else
			take_rtcp(m, ts_us, src, dst, p, len);
		return 1;
	}
	if ((rx && rx->rtcp) || (!rx && tx && tx->rtcp)) {
		m->stats.not_rtp++;
		return 0;
	}
	/* Two calls announcing one address (a UAS reusing its port): the
	 * sender's own SDP names the call more surely. */
	if (rx && tx && rx->h_call_id != tx->h_call_id)
		rx = NULL;
	uint32_t ssrc = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
	/* Unannounced: only what could be RTP (user ports, an audio/video
	 * payload type), so DNS and friends do not fill the table. */
	uint8_t upt = p[1] & 0x7f;
	if (!rx && !tx && (src->port < 1024 || dst->port < 1024 || (upt > 34 && upt < 96))) {
		m->stats.not_rtp++;
		return 0;
	}
	struct media_stream *s;
	struct rtp_pkt k, first;
	int have_first = 0;
	rtp_read(&k, frame, ts_us, p, len);
	if (!rx && !tx && !(s = stream_get(m, src, dst, ssrc, 0))) {
		/* An unannounced stream starts when a second packet follows the
		 * first in sequence: stray datagrams (IPsec, games...) that
		 * start like RTP do not make streams.  The candidate's last
		 * packet is kept, to be counted once the next one confirms it. */
		uint64_t key = stream_key(src, dst, ssrc);
		uint32_t slot;
		int known = hmap_get(&m->probation, key, &slot);
		if (!known || (uint16_t)(m->cand[slot - 1].seq + 1) != k.seq) {
			if (!known) {
				if (m->probation.count >= 65536) { /* bounded: start over */
					hmap_free(&m->probation);
					hmap_init(&m->probation);
					m->ncand = 0;
				}
				slot = (uint32_t)m->ncand + 1;
				if (vec_grow((void **)&m->cand, &m->cap_cand, m->ncand + 1, sizeof *m->cand) < 0 ||
				    hmap_put(&m->probation, key, slot) < 0)
					slot = 0;
				else
					m->ncand++;
			}
			if (slot)
				m->cand[slot - 1] = k;
			m->stats.not_rtp++;
			return 0;
		}
		if (m->nunannounced >= MEDIA_MAX_UNANNOUNCED) {
			m->stats.streams_dropped++;
			return 1;
		}
		m->nunannounced++;
		first = m->cand[slot - 1];
		have_first = 1;
	}
	s = stream_get(m, src, dst, ssrc, 1);
	if (!s)
		return 1;
	if (!s->packets) {
		const struct expect *e = rx ? rx : tx;
		if (e) {
			s->h_call_id = e->h_call_id;
			s->mline = e->mline;
			if (!rx && !expect_get(m, dst))
				s->problems |= MEDIA_P_NAT;
		} else {
			s->problems |= MEDIA_P_UNANNOUNCED;
		}
	}
	if (have_first && !s->packets) {
		m->stats.not_rtp--; /* it was RTP after all */
		take_rtp(m, s, rx, tx, &first);
	}
	if (!s->packets && ((rx && rx->savp) || (tx && tx->savp)))
		s->srtp = MEDIA_SRTP_NOKEY;
	m->buf_len = 0;
	if (s->srtp && take_srtp(m, s, rx, tx, p, len, &k) == SRTP_SKIP)
		return 1;
	take_rtp(m, s, rx, tx, &k);
	if (m->rtp_hook) {
		if (s->srtp)
			give_rtp(m, (size_t)(s - m->st), &k, m->buf_len ? m->buf : p,
			         m->buf_len ? m->buf_len : len, m->buf_len != 0);
		else
			give_rtp(m, (size_t)(s - m->st), &k, p, len, 1);
	}
	return 1;
}

void media_set_rtp_hook(struct media *m, media_rtp_fn fn, void *ctx)
{
	m->rtp_hook = fn;
	m->rtp_hook_ctx = ctx;
}

/* G.107 Appendix I: equipment impairment and packet-loss robustness. */
static void codec_ie(const char *codec, double *ie, double *bpl)
{
	*ie = 0;
	*bpl = 25.1; /* G.711 with packet loss concealment */
	if (!strncasecmp(codec, "G729", 4)) {
		*ie = 11;
		*bpl = 19;
	} else if (!strncasecmp(codec, "G723", 4)) {
		*ie = 15;
		*bpl = 16.1;
	} else if (!strncasecmp(codec, "GSM", 3)) {
		*ie = 20;
		*bpl = 10;
	} else if (!strncasecmp(codec, "iLBC", 4)) {
		*ie = 10;
		*bpl = 32;
	}
}

static double estimate_mos(const struct media_stream *s)
{
	double ie, bpl;
	codec_ie(s->codec, &ie, &bpl);
	double ppl = s->expected > 0 && s->lost > 0 ? 100.0 * (double)s->lost / (double)s->expected : 0;
	double delay = 20 + 2 * s->jitter_ms_mean + (s->rtt_ms > 0 ? s->rtt_ms / 2 : 0);
	/* G.107 delay impairment, simplified (Cole & Rosenbluth's fit). */
	double id = 0.024 * delay + (delay > 177.3 ? 0.11 * (delay - 177.3) : 0);
	double ie_eff = ie + (95 - ie) * ppl / (ppl + bpl);
	double r = 93.2 - id - ie_eff;
	if (r < 0)
		r = 0;
	if (r > 100)
		r = 100;
	return 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r);
}

/* Is stream o the way back of stream s (same call and m= line, the
 * addresses swapped, one port shared)? */
static int stream_back(const struct media_stream *s, const struct media_stream *o)
{
	return o != s && o->h_call_id == s->h_call_id && o->mline == s->mline &&
	       !memcmp(o->src.addr, s->dst.addr, s->src.family == 4 ? 4 : 16) &&
	       !memcmp(o->dst.addr, s->src.addr, s->src.family == 4 ? 4 : 16) &&
	       (o->src.port == s->dst.port || o->dst.port == s->src.port);
}

struct call_ix {
	uint64_t h;
	size_t i;
};

static int cmp_call_ix(const void *a, const void *b)
{
	const struct call_ix *x = a, *y = b;
	if (x->h != y->h)
		return (x->h > y->h) - (x->h < y->h);
	return (x->i > y->i) - (x->i < y->i);
}

/* MEDIA_P_ONE_WAY on the streams of a call with none the other way.  The
 * streams are grouped by call first (a call has a handful), so this is
 * n log n, not n squared: media_refresh() runs on every redraw of a live
 * capture. */
static void mark_one_way(struct media *m)
{
	struct call_ix *ix = malloc((m->nst ? m->nst : 1) * sizeof *ix);
	size_t n = 0;
	if (!ix) { /* no memory: the slow way */
		for (size_t i = 0; i < m->nst; i++) {
			struct media_stream *s = &m->st[i];
			int back = 0;
			for (size_t k = 0; s->h_call_id && k < m->nst && !back; k++)
				back = stream_back(s, &m->st[k]);
			if (s->h_call_id && !back)
				s->problems |= MEDIA_P_ONE_WAY;
		}
		return;
	}
	for (size_t i = 0; i < m->nst; i++)
		if (m->st[i].h_call_id)
			ix[n++] = (struct call_ix){ m->st[i].h_call_id, i };
	qsort(ix, n, sizeof *ix, cmp_call_ix);
	for (size_t a = 0, b; a < n; a = b) {
		for (b = a + 1; b < n && ix[b].h == ix[a].h; b++)
			;
		for (size_t i = a; i < b; i++) {
			struct media_stream *s = &m->st[ix[i].i];
			int back = 0;
			for (size_t k = a; k < b && !back; k++)
				back = stream_back(s, &m->st[ix[k].i]);
			if (!back)
				s->problems |= MEDIA_P_ONE_WAY;
		}
	}
	free(ix);
}

/* RFC 3550 A.3: expected from the extended highest sequence number. */
static void stream_counts(struct media_stream *s)
{
	s->expected = s->expected_prior + (int64_t)(s->cycles + s->max_seq) - s->base_seq + 1;
	s->lost = s->expected - (int64_t)s->packets; /* duplicates count as received */
}

void media_refresh(struct media *m)
{
	const uint16_t derived = MEDIA_P_LOSS | MEDIA_P_GAP | MEDIA_P_AFTER_BYE | MEDIA_P_ONE_WAY;
	for (size_t i = 0; i < m->nst; i++) {
		struct media_stream *s = &m->st[i];
		stream_counts(s);
		s->problems &= (uint16_t)~derived;
		s->after_bye_us = 0;
		s->jitter_ms_mean = s->packets > 1 ? s->jitter_sum / (double)(s->packets - 1) : 0;
		if (s->expected > 0 && s->lost * 100 > s->expected)
			s->problems |= MEDIA_P_LOSS;
		if (s->gap_us)
			s->problems |= MEDIA_P_GAP;
		uint32_t b;
		if (s->h_call_id && hmap_get(&m->byes, s->h_call_id, &b) &&
		    s->last_us > m->bye_us[b - 1] + MEDIA_AFTER_BYE_US) {
			s->after_bye_us = s->last_us - m->bye_us[b - 1];
			s->problems |= MEDIA_P_AFTER_BYE;
		}
	}
	mark_one_way(m);
	/* Only voice has a MOS: not an event or comfort-noise stream. */
	for (size_t i = 0; i < m->nst; i++) {
		struct media_stream *s = &m->st[i];
		s->mos = s->dtmf_pt && s->pt == s->dtmf_pt ? 0 : estimate_mos(s);
	}
}

int media_finished(const struct media *m)
{
	return m->finished;
}

void media_finish(struct media *m)
{
	if (m->finished)
		return;
	m->finished = 1;
	/* Unannounced streams must hold together: a few packets in sequence. */
	size_t keep = 0;
	for (size_t i = 0; i < m->nst; i++) {
		struct media_stream *s = &m->st[i];
		stream_counts(s);
		/* No packet comes after the last: SRTP sessions end here. */
		stream_srtp_end(s);
		if ((s->problems & MEDIA_P_UNANNOUNCED) &&
		    (s->packets < 4 || s->seq_jumps * 4 > s->packets || s->expected > 2 * (int64_t)s->packets)) {
			m->stats.heuristic_dropped++;
			continue;
		}
		m->st[keep++] = *s;
	}
	m->nst = keep;
	for (size_t i = 0; i < m->nexp; i++) { /* and the keys are wiped */
		exp_srtp_free(m->exp[i].srtp);
		m->exp[i].srtp = NULL;
	}
	/* The index names slots: rebuilt for the streams kept. */
	hmap_free(&m->st_index);
	hmap_init(&m->st_index);
	for (size_t i = 0; i < m->nst; i++)
		hmap_put(&m->st_index, stream_key(&m->st[i].src, &m->st[i].dst, m->st[i].ssrc), (uint32_t)i + 1);
	media_refresh(m);
}

size_t media_stream_count(const struct media *m)
{
	return m->nst;
}

const struct media_stream *media_stream(const struct media *m, size_t i)
{
	return i < m->nst ? &m->st[i] : NULL;
}

const struct media_stats *media_stats(const struct media *m)
{
	return &m->stats;
}

void media_problem_names(uint16_t problems, char *buf, size_t n)
{
	static const char *const names[] = { "unannounced", "nat", "codec", "one-way", "gap",
	                                     "after-bye", "loss", "srtp-auth" };
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!(problems & (1u << i)) || o + strlen(names[i]) + 2 > n)
			continue;
		o += (size_t)snprintf(buf + o, n - o, "%s%s", o ? "," : "", names[i]);
	}
}

const char *media_srtp_name(enum media_srtp v)
{
	return v == MEDIA_SRTP_KEYED ? "keyed" : v == MEDIA_SRTP_NOKEY ? "no-key" : "none";
}

void media_srtp_text(const struct media_stream *s, char *buf, size_t n)
{
	if (!n)
		return;
	buf[0] = '\0';
	if (s->srtp == MEDIA_SRTP_NOKEY && !s->srtp_ok && !s->srtp_auth_fail)
		snprintf(buf, n, "srtp: no key");
	else if (s->srtp)
		snprintf(buf, n, "srtp: decrypted %" PRIu64 ", auth failed %" PRIu64, s->srtp_ok,
		         s->srtp_auth_fail);
}
