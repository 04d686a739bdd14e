/* audio_out.c - a call's RTP streams written as WAV (audio_out.h): the
 * streams picked from the first read, their payloads collected by a
 * second read of the captures (a tap on its media tracker), laid out on
 * one timeline (audio.h) and written (wav.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/audio_out.h"
#include "sipscope/pcap_src.h"
#include "sipscope/sdp.h"
#include "sipscope/sip.h"
#include "sipscope/wav.h"

struct audio_out {
	struct audio *a;
	struct audio_out_pick *picks;
	size_t n, cap;
};

struct audio_out *audio_out_new(void)
{
	struct audio_out *o = calloc(1, sizeof *o);
	if (o && !(o->a = audio_new())) {
		free(o);
		o = NULL;
	}
	return o;
}

void audio_out_free(struct audio_out *o)
{
	if (!o)
		return;
	audio_free(o->a);
	free(o->picks);
	free(o);
}

size_t audio_out_count(const struct audio_out *o)
{
	return o->n;
}

const struct audio_out_pick *audio_out_at(const struct audio_out *o, size_t i)
{
	return i < o->n ? &o->picks[i] : NULL;
}

const struct audio_stream_info *audio_out_info(const struct audio_out *o, size_t i)
{
	return i < o->n ? audio_info(o->a, o->picks[i].id) : NULL;
}

#define MAX_EPS 16
struct sides {
	struct store_endpoint ep[2][MAX_EPS]; /* [0] caller's media addresses, [1] callee's */
	size_t n[2];
};

/* The media addresses each side announced in the call's first INVITE
 * transaction: the INVITE's and ACK's SDP are the caller's, the
 * responses' the callee's (late offer too: the 200 offers, the ACK
 * answers). */
static void find_sides(struct store *st, const struct tracker *t, uint32_t call, struct sides *sd)
{
	memset(sd, 0, sizeof *sd);
	size_t *idx;
	long n = track_call_messages(t, call, &idx);
	if (n <= 0)
		return;
	uint32_t cseq = 0, cid = 0;
	int have = 0;
	for (long i = 0; i < n; i++) {
		struct store_msg *r = store_msg_at(st, idx[i]);
		int req = r->flags & STORE_MSG_REQUEST;
		if (!have) {
			if (!req || r->method != SIP_M_INVITE)
				continue;
			have = 1;
			cseq = r->cseq;
			cid = r->call_id;
		}
		if (r->call_id != cid || r->cseq != cseq)
			continue;
		if (req && r->method != SIP_M_INVITE && r->method != SIP_M_ACK)
			continue;
		if (!req && r->method != SIP_M_INVITE)
			continue;
		size_t len;
		const char *b = store_msg_bytes(st, idx[i], &len);
		struct sip_msg m;
		struct sip_header hdrs[96];
		struct sdp sdp;
		if (!b || sip_parse(b, len, SIP_PARSE_DATAGRAM, &m, hdrs, 96) <= 0)
			continue;
		struct sv body = sip_body_sdp(&m);
		if (!sv_is_set(body) || !body.len || sdp_parse(body.p, body.len, &sdp) < 0)
			continue;
		int side = req ? 0 : 1;
		for (size_t k = 0; k < sdp.nmedia && sd->n[side] < MAX_EPS; k++) {
			struct store_endpoint ep;
			if (sdp.media[k].port && media_sdp_endpoint(sdp.media[k].conn, sdp.media[k].port, &ep) == 0)
				sd->ep[side][sd->n[side]++] = ep;
		}
	}
	free(idx);
}

static int in_set(const struct sides *sd, int side, const struct store_endpoint *ep)
{
	for (size_t i = 0; i < sd->n[side]; i++)
		if (store_endpoint_equal(&sd->ep[side][i], ep))
			return 1;
	return 0;
}

/* 0: the caller sends it (to the callee's address, or from its own),
 * 1: the callee does, -1: the SDP does not say. */
static int stream_side(const struct sides *sd, const struct media_stream *s)
{
	if (in_set(sd, 1, &s->dst) || in_set(sd, 0, &s->src))
		return 0;
	if (in_set(sd, 0, &s->dst) || in_set(sd, 1, &s->src))
		return 1;
	return -1;
}

long audio_out_pick_call(struct audio_out *o, struct store *st, const struct tracker *t,
                         const struct media *m, uint32_t call, const uint32_t *only_ssrc)
{
	struct sides sd;
	find_sides(st, t, call, &sd);
	int unknown_side = 0;
	size_t first = o->n;
	for (size_t i = 0; i < media_stream_count(m); i++) {
		const struct media_stream *s = media_stream(m, i);
		uint32_t leg = s->h_call_id ? track_find_call(t, s->h_call_id) : 0;
		if (!leg || track_call_root(t, leg) != call)
			continue;
		if (only_ssrc && s->ssrc != *only_ssrc)
			continue;
		if (o->n == o->cap) {
			size_t nc = o->cap ? o->cap * 2 : 16;
			struct audio_out_pick *p = realloc(o->picks, nc * sizeof *p);
			if (!p)
				return AUDIO_OUT_ENOMEM;
			o->picks = p;
			o->cap = nc;
		}
		long id = audio_add_stream(o->a, s);
		if (id < 0)
			return AUDIO_OUT_ENOMEM;
		struct audio_out_pick *p = &o->picks[o->n++];
		p->call = call;
		p->stream = i;
		p->src = s->src;
		p->dst = s->dst;
		p->ssrc = s->ssrc;
		p->id = id;
		p->side = stream_side(&sd, s);
		unknown_side |= p->side < 0;
	}
	/* No SDP to tell (or NAT on both sides): the stream that came first
	 * is the caller's, a stream the other way the callee's. */
	for (size_t i = first; unknown_side && i < o->n; i++) {
		struct audio_out_pick *p = &o->picks[i];
		if (p->side >= 0)
			continue;
		p->side = i == first || store_endpoint_equal(&p->src, &o->picks[first].src) ? 0 : 1;
	}
	return (long)(o->n - first);
}

struct collect {
	struct audio_out *o;
	struct media *m2;    /* the second read's media tracker */
	long *map;           /* second read's stream index -> pick + 1, -1 none */
	size_t cap_map;
	int nomem;
};

/* The tap on the second read: a picked stream's packet to the timeline. */
static void on_rtp(void *ctx, size_t stream, const struct media_rtp_pkt *k)
{
	struct collect *c = ctx;
	if (stream >= c->cap_map) {
		size_t cap = c->cap_map ? c->cap_map : 64;
		while (cap <= stream)
			cap *= 2;
		long *map = realloc(c->map, cap * sizeof *map);
		if (!map) {
			c->nomem = 1;
			return;
		}
		for (size_t i = c->cap_map; i < cap; i++)
			map[i] = 0;
		c->map = map;
		c->cap_map = cap;
	}
	const struct audio_out_pick *picks = c->o->picks;
	if (!c->map[stream]) {
		const struct media_stream *s = media_stream(c->m2, stream);
		c->map[stream] = -1;
		for (size_t i = 0; i < c->o->n; i++)
			if (picks[i].ssrc == s->ssrc && store_endpoint_equal(&picks[i].src, &s->src) &&
			    store_endpoint_equal(&picks[i].dst, &s->dst))
				c->map[stream] = (long)i + 1;
	}
	if (c->map[stream] > 0 && audio_packet(c->o->a, picks[c->map[stream] - 1].id, k) < 0)
		c->nomem = 1;
}

int audio_out_collect(struct audio_out *o, const struct audio_out_source *r, char *warn,
                      size_t warnlen, char *err, size_t errlen)
{
	if (warn && warnlen)
		warn[0] = '\0';
	for (size_t i = 0; i < r->nfiles; i++)
		if (!strcmp(r->files[i], "-")) {
			snprintf(err, errlen, "standard input cannot be read again for the audio (save the "
			         "capture to a file first)");
			return AUDIO_OUT_ESOURCE;
		}
	struct pcap_src *src = pcap_src_open(r->files, r->nfiles, err, errlen);
	if (!src || (r->bpf && r->bpf[0] && pcap_src_set_filter(src, r->bpf, err, errlen) < 0)) {
		pcap_src_close(src);
		return AUDIO_OUT_ESOURCE;
	}
	struct store *s = store_new();
	struct tracker *t = s ? track_new(s) : NULL;
	struct ingest *in = t ? ingest_new(s, t) : NULL;
	struct collect c = { .o = o };
	int rc = 0;
	static const struct ingest_tls_opts no_tls;
	char msg[512];
	if (!in || ingest_set_media(in, 1) < 0) {
		snprintf(err, errlen, "out of memory");
		rc = AUDIO_OUT_ENOMEM;
	} else if (ingest_set_tls(in, r->tls ? r->tls : &no_tls, 0, msg, sizeof msg) < 0) {
		snprintf(err, errlen, "%s", msg);
		rc = AUDIO_OUT_ESOURCE;
	} else {
		if (warn && warnlen)
			snprintf(warn, warnlen, "%s", msg);
		ingest_set_correlate(in, r->correlate);
		store_set_fetcher(s, pcap_src_fetch, src);
		pcap_src_on_secrets(src, ingest_on_secrets, in);
		c.m2 = ingest_media(in);
		media_set_rtp_hook(c.m2, on_rtp, &c);
		ingest_run(in, src);
		if (c.nomem) {
			snprintf(err, errlen, "out of memory reading the streams' packets");
			rc = AUDIO_OUT_ENOMEM;
		}
	}
	free(c.map);
	ingest_free(in);
	track_free(t);
	store_free(s);
	pcap_src_close(src);
	return rc;
}

int audio_out_any_decodable(const struct audio_out *o, const size_t *which, size_t n)
{
	if (!which)
		n = o->n;
	for (size_t i = 0; i < n; i++) {
		size_t k = which ? which[i] : i;
		if (k < o->n && audio_info(o->a, o->picks[k].id)->decodable)
			return 1;
	}
	return 0;
}

/* Lay picks which[0..n) (NULL: every pick) out: *pcm (malloc'd) holds
 * *frames frames at *rate.  0 or AUDIO_OUT_ENOMEM. */
static int render(struct audio_out *o, const size_t *which, size_t n, unsigned channels,
                  int16_t **pcm, size_t *frames, uint32_t *rate)
{
	if (!which)
		n = o->n;
	long *ids = malloc((n ? n : 1) * sizeof *ids);
	int *chan = malloc((n ? n : 1) * sizeof *chan);
	int rc = AUDIO_OUT_ENOMEM;
	if (ids && chan) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			size_t p = which ? which[i] : i;
			if (p >= o->n)
				continue;
			ids[k] = o->picks[p].id;
			chan[k] = o->picks[p].side;
			k++;
		}
		if (audio_render(o->a, ids, chan, k, channels, pcm, frames, rate) == 0)
			rc = 0;
	}
	free(ids);
	free(chan);
	return rc;
}

/* The WAV of pcm to f (borrowed).  0, or -1 when a write failed. */
static int emit(FILE *f, const int16_t *pcm, size_t frames, uint32_t rate, unsigned channels)
{
	struct wav_writer *w = wav_open(f, rate, channels);
	int bad = !w || wav_write(w, pcm, frames) < 0;
	if (w && wav_close(w) < 0)
		bad = 1;
	return bad ? -1 : 0;
}

int audio_out_write(struct audio_out *o, const size_t *which, size_t n, unsigned channels, FILE *f,
                    struct audio_out_wav *res)
{
	int16_t *pcm;
	size_t frames;
	uint32_t rate;
	if (render(o, which, n, channels, &pcm, &frames, &rate) < 0)
		return AUDIO_OUT_ENOMEM;
	if (res) {
		res->frames = frames;
		res->rate = rate;
		res->channels = channels;
	}
	int bad = f && emit(f, pcm, frames, rate, channels) < 0;
	free(pcm);
	return bad ? AUDIO_OUT_EWRITE : 0;
}

int audio_out_save(struct audio_out *o, const size_t *which, size_t n, unsigned channels,
                   const char *path, struct audio_out_wav *res, char *err, size_t errlen)
{
	/* Laid out first: out of memory creates no file. */
	int16_t *pcm;
	size_t frames;
	uint32_t rate;
	if (render(o, which, n, channels, &pcm, &frames, &rate) < 0)
		return AUDIO_OUT_ENOMEM;
	int to_stdout = !strcmp(path, "-");
	FILE *f = to_stdout ? stdout : fopen(path, "wb");
	if (!f) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		free(pcm);
		return AUDIO_OUT_EWRITE;
	}
	int bad = emit(f, pcm, frames, rate, channels) < 0;
	if (!to_stdout && fclose(f) != 0)
		bad = 1;
	free(pcm);
	if (bad) {
		snprintf(err, errlen, "cannot write %s", to_stdout ? "standard output" : path);
		return AUDIO_OUT_EWRITE;
	}
	if (res) {
		res->frames = frames;
		res->rate = rate;
		res->channels = channels;
	}
	return 0;
}
