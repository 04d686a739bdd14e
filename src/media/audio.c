/* audio.c - RTP streams turned into PCM on one timeline (see audio.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sipscope/audio.h"
#include "sipscope/codec.h"
#include "sipscope/vec.h"

#define POOL_MAX (1u << 30) /* payload bytes kept per stream */
#define CONCEAL_MAX 25      /* lost packets in a row concealed (500 ms of 20 ms) */
#define CN_SEED 0x2545f491u /* the comfort noise generator's seed (xor the SSRC) */

enum { USE_NOT, USE_AUDIO, USE_CN };
enum { TAIL_NONE, TAIL_CN, TAIL_DTX }; /* what fills the time after the last packet */

struct apkt {
	int64_t ts_us;
	int64_t ext_seq;
	uint32_t rtp_ts;
	uint32_t off, len;   /* in the stream's pool */
	uint32_t order;      /* arrival order */
	uint8_t pt;
	uint8_t clear;
};

struct astream {
	struct audio_stream_info info;
	uint8_t pt, dtmf_pt;
	uint32_t clock;
	struct codec_dec *dec;
	uint8_t dec_used;   /* dec has state from a render: made anew for the next */
	struct apkt *pk;
	size_t npk, cap_pk;
	uint8_t *pool;
	size_t npool, cap_pool;
	int64_t max_seq; /* extended, -1 before the first */
};

struct audio {
	struct astream *st;
	size_t nst, cap_st;
};

struct audio *audio_new(void) { return calloc(1, sizeof(struct audio)); }

void audio_free(struct audio *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nst; i++) {
		codec_dec_free(a->st[i].dec);
		free(a->st[i].pk);
		free(a->st[i].pool);
	}
	free(a->st);
	free(a);
}

long audio_add_stream(struct audio *a, const struct media_stream *s)
{
	if (a->nst >= AUDIO_MAX_STREAMS || vec_grow((void **)&a->st, &a->cap_st, a->nst + 1, sizeof *a->st))
		return -1;
	struct astream *t = &a->st[a->nst];
	memset(t, 0, sizeof *t);
	t->info.ssrc = s->ssrc;
	memcpy(t->info.codec, s->codec, sizeof t->info.codec);
	t->info.codec[sizeof t->info.codec - 1] = '\0';
	t->pt = s->pt;
	t->dtmf_pt = s->dtmf_pt;
	t->clock = s->clock ? s->clock : 8000;
	t->max_seq = -1;
	/* RFC 3551 Table 4: static PT 10 is L16 stereo, which its name in
	 * the static table ("L16/44100") does not say. */
	if (s->pt == 10 && !strcasecmp(t->info.codec, "L16/44100"))
		snprintf(t->info.codec, sizeof t->info.codec, "L16/44100/2");
	int nomem;
	t->dec = codec_dec_new(t->info.codec, 0, &nomem);
	if (nomem)
		return -1;
	t->info.decodable = t->dec != NULL;
	t->info.rate = t->dec ? codec_dec_rate(t->dec) : 0;
	t->info.conceals = t->dec && codec_conceals(t->dec);
	return (long)a->nst++;
}

const struct audio_stream_info *audio_info(const struct audio *a, long id)
{
	return id >= 0 && (size_t)id < a->nst ? &a->st[id].info : NULL;
}

int audio_packet(struct audio *a, long id, const struct media_rtp_pkt *k)
{
	struct astream *t = &a->st[id];
	t->info.packets++;
	if (!t->info.first_us)
		t->info.first_us = k->ts_us;
	/* RFC 3550 A.1: the sequence number extended past its 16 bits, from
	 * the highest seen so far (a late packet stays below it). */
	int64_t ext = k->seq;
	if (t->max_seq >= 0) {
		int16_t d = (int16_t)(k->seq - (uint16_t)t->max_seq);
		ext = t->max_seq + d;
	}
	if (ext > t->max_seq)
		t->max_seq = ext;
	if (t->npool + k->len > POOL_MAX ||
	    vec_grow((void **)&t->pk, &t->cap_pk, t->npk + 1, sizeof *t->pk) ||
	    vec_grow((void **)&t->pool, &t->cap_pool, t->npool + k->len + 1, 1))
		return -1;
	struct apkt *p = &t->pk[t->npk];
	p->ts_us = k->ts_us;
	p->ext_seq = ext;
	p->rtp_ts = k->rtp_ts;
	p->off = (uint32_t)t->npool;
	p->len = (uint32_t)k->len;
	p->order = (uint32_t)t->npk;
	p->pt = k->pt;
	p->clear = k->clear;
	if (k->len)
		memcpy(t->pool + t->npool, k->payload, k->len);
	t->npool += k->len;
	t->npk++;
	return 0;
}

static int cmp_seq(const void *x, const void *y)
{
	const struct apkt *a = x, *b = y;
	if (a->ext_seq != b->ext_seq)
		return a->ext_seq < b->ext_seq ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* A growable run of samples of one stream: sample i is at timeline
 * position base + i. */
struct run {
	int16_t *s;
	size_t n, cap;
	int64_t base;
};

/* Write n samples at timeline position pos (overwriting: a packet's own
 * place); past max they are dropped.  pos may be below 0: a stream's first
 * packet that came later than its jitter buffer would have played it. */
static int run_put(struct run *r, int64_t pos, const int16_t *v, size_t n, int64_t max,
                   uint64_t *past)
{
	if (pos < -max)
		return 0;
	if (pos + (int64_t)n > max) {
		size_t keep = pos >= max ? 0 : (size_t)(max - pos);
		*past += n - keep;
		n = keep;
	}
	if (!n)
		return 0;
	if (!r->s) {
		r->base = pos;
	} else if (pos < r->base) { /* earlier than all so far: move down */
		size_t shift = (size_t)(r->base - pos);
		if (vec_grow((void **)&r->s, &r->cap, r->n + shift, sizeof *r->s))
			return -1;
		memmove(r->s + shift, r->s, r->n * sizeof *r->s);
		memset(r->s, 0, shift * sizeof *r->s);
		r->n += shift;
		r->base = pos;
	}
	size_t at = (size_t)(pos - r->base);
	if (at + n > r->n) {
		if (vec_grow((void **)&r->s, &r->cap, at + n, sizeof *r->s))
			return -1;
		memset(r->s + r->n, 0, (at + n - r->n) * sizeof *r->s);
		r->n = at + n;
	}
	memcpy(r->s + at, v, n * sizeof *v);
	return 0;
}

/* Linear interpolation from rate `from` to `to` (n in, returns out count). */
static size_t resample(const int16_t *in, size_t n, uint32_t from, uint32_t to, int16_t *out,
                       size_t cap)
{
	size_t m = (size_t)((uint64_t)n * to / from);
	if (m > cap)
		m = cap;
	for (size_t i = 0; i < m; i++) {
		uint64_t num = (uint64_t)i * from;
		size_t j = (size_t)(num / to);
		uint32_t frac = (uint32_t)(num % to);
		int a = in[j < n ? j : n - 1], b = in[j + 1 < n ? j + 1 : n - 1];
		out[i] = (int16_t)(a + (int64_t)(b - a) * frac / to);
	}
	return m;
}

/* Deterministic white noise (xorshift32), uniform with the given RMS. */
static void cn_noise(int16_t *out, size_t n, double rms, uint32_t *x)
{
	double a = rms * 1.7320508075688772; /* uniform on [-a, a): RMS a / sqrt(3) */
	for (size_t i = 0; i < n; i++) {
		*x ^= *x << 13;
		*x ^= *x >> 17;
		*x ^= *x << 5;
		double v = a * ((double)*x / 2147483648.0 - 1.0);
		out[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : lrint(v));
	}
}

/* RFC 3389 3.1: the CN payload's first byte is the noise level in -dBov
 * (7 bits), 0 dBov being the full scale of 16-bit PCM. */
static double cn_rms(const uint8_t *p, size_t n)
{
	return n ? 32767.0 * pow(10.0, -(double)(p[0] & 0x7f) / 20.0) : 0;
}

/* Fill len timeline samples from at with comfort noise: the generator's
 * (TAIL_CN) or the codec's own after a silence descriptor (TAIL_DTX). */
static int fill_tail(struct astream *t, struct run *r, int tail, int64_t at, int64_t len, double rms,
                     uint32_t *prng, uint32_t R, int64_t max)
{
	static _Thread_local int16_t buf[CODEC_MAX_SAMPLES], rs[CODEC_MAX_SAMPLES * 6];
	if (at + len > max)
		len = max - at;
	while (len > 0) {
		const int16_t *v = buf;
		size_t nv;
		if (tail == TAIL_CN) {
			nv = len > CODEC_MAX_SAMPLES ? CODEC_MAX_SAMPLES : (size_t)len;
			cn_noise(buf, nv, rms, prng);
		} else {
			uint32_t rate = t->info.rate;
			int64_t nd = (len * rate + R - 1) / R;
			if (nd > CODEC_MAX_SAMPLES)
				nd = CODEC_MAX_SAMPLES;
			codec_conceal(t->dec, buf, (size_t)nd);
			nv = (size_t)nd;
			if (rate != R) {
				nv = resample(buf, (size_t)nd, rate, R, rs, sizeof rs / sizeof rs[0]);
				v = rs;
			}
			if ((int64_t)nv > len)
				nv = (size_t)len;
		}
		if (!nv || run_put(r, at, v, nv, max, &t->info.past_end))
			return nv ? -1 : 0;
		at += (int64_t)nv;
		len -= (int64_t)nv;
	}
	return 0;
}

/* Stream t's audio on a timeline starting at t0_us, at rate R, into r. */
static int render_stream(struct astream *t, int64_t t0_us, uint32_t R, struct run *r)
{
	/* The counts are this render's; what the stream is stays. */
	struct audio_stream_info *in = &t->info;
	struct audio_stream_info keep = *in;
	memset(in, 0, sizeof *in);
	in->ssrc = keep.ssrc;
	in->packets = keep.packets;
	in->first_us = keep.first_us;
	memcpy(in->codec, keep.codec, sizeof in->codec);
	in->decodable = keep.decodable;
	in->rate = keep.rate;
	in->conceals = keep.conceals;
	if (!t->npk)
		return 0;
	/* A decoder with state (G.722, G.729, Opus) starts afresh, so that
	 * each render gives the same samples. */
	if (t->dec && t->dec_used) {
		int nomem;
		codec_dec_free(t->dec);
		if (!(t->dec = codec_dec_new(t->info.codec, 0, &nomem)))
			return -1;
	}
	t->dec_used = 1;
	qsort(t->pk, t->npk, sizeof *t->pk, cmp_seq);
	int64_t max = (int64_t)AUDIO_MAX_SECONDS * R;
	int64_t *pos = malloc(t->npk * sizeof *pos);
	int *use = malloc(t->npk * sizeof *use);
	if (!pos || !use) {
		free(pos);
		free(use);
		return -1;
	}
	/* Pass 1: which packets are audio, where the timestamps put them,
	 * in segments of one anchor; each segment then moves to its
	 * least-delayed packet's arrival. */
	int64_t anchor_pos = 0, seg_shift = 0, prev_seq = -1;
	uint32_t anchor_ts = 0;
	size_t seg_start = 0;
	int anchored = 0;
	double scale = (double)R / t->clock;
	int64_t thr = (int64_t)AUDIO_REANCHOR_US * R / 1000000;
	for (size_t i = 0; i < t->npk; i++) {
		struct apkt *p = &t->pk[i];
		use[i] = 0;
		if ((int64_t)p->ext_seq == prev_seq) {
			in->duplicates++;
			continue;
		}
		if (prev_seq >= 0 && p->ext_seq > prev_seq + 1)
			in->lost += (uint64_t)(p->ext_seq - prev_seq - 1);
		prev_seq = p->ext_seq;
		if (t->dtmf_pt && p->pt == t->dtmf_pt) {
			in->events++;
			continue;
		}
		int kind = USE_AUDIO;
		if (p->pt == 13) {
			/* comfort noise: placed (it lasts until the next
			 * packet) when the stream is heard at all */
			in->cn++;
			if (!p->clear || !t->dec)
				continue;
			kind = USE_CN;
		} else if (!p->clear) {
			in->not_clear++;
			continue;
		} else if (p->pt != t->pt || !t->dec) {
			in->other_pt++;
			continue;
		}
		int64_t arr = (p->ts_us - t0_us) * (int64_t)R / 1000000;
		int64_t at = anchor_pos + (int64_t)((double)(int32_t)(p->rtp_ts - anchor_ts) * scale);
		if (!anchored || at - arr > thr || arr - at > thr) {
			if (anchored) {
				in->reanchors++;
				for (size_t j = seg_start; j < i; j++)
					pos[j] += seg_shift;
			}
			anchored = 1;
			anchor_pos = arr;
			anchor_ts = p->rtp_ts;
			at = arr;
			seg_start = i;
			seg_shift = 0;
		}
		if (arr - at < seg_shift)
			seg_shift = arr - at;
		pos[i] = at;
		use[i] = kind;
	}
	for (size_t j = seg_start; j < t->npk; j++)
		pos[j] += seg_shift;
	/* Pass 2: decode and place; a short run of lost packets between two
	 * of one segment is the codec's concealment (silence for G.711).
	 * Comfort noise (RFC 3389 CN, or a codec's silence descriptor) lasts
	 * until the next packet, 20 ms when it is the last. */
	static _Thread_local int16_t pcm[CODEC_MAX_SAMPLES], rs[CODEC_MAX_SAMPLES * 6];
	int rc = 0;
	int64_t last_seq = -1, last_end = 0;
	size_t last_n = 0, last_dec = 0; /* samples of the last packet: placed, decoded */
	int tail = TAIL_NONE;
	double rms = 0;
	uint32_t prng = CN_SEED ^ t->info.ssrc;
	if (!prng)
		prng = CN_SEED;
	for (size_t i = 0; i < t->npk && rc == 0; i++) {
		if (!use[i])
			continue;
		struct apkt *p = &t->pk[i];
		if (tail != TAIL_NONE && pos[i] > last_end)
			rc = fill_tail(t, r, tail, last_end, pos[i] - last_end, rms, &prng, R, max);
		if (use[i] == USE_CN) {
			rms = cn_rms(t->pool + p->off, p->len);
			tail = TAIL_CN;
			last_seq = p->ext_seq;
			last_end = pos[i];
			last_n = 0;
			continue;
		}
		/* The lost packets before this one, concealed first: a decoder
		 * with state (G.722, G.729, Opus) wants them in order. */
		int64_t gap = last_seq >= 0 ? p->ext_seq - last_seq - 1 : 0;
		if (tail == TAIL_NONE && gap > 0 && gap <= CONCEAL_MAX && last_n &&
		    pos[i] >= last_end + gap * (int64_t)last_n) {
			for (int64_t g = 0; g < gap && rc == 0; g++) {
				codec_conceal(t->dec, pcm, last_dec);
				const int16_t *v = pcm;
				size_t nv = last_dec;
				if (t->info.rate != R) {
					nv = resample(pcm, last_dec, t->info.rate, R, rs, sizeof rs / sizeof rs[0]);
					v = rs;
				}
				rc = run_put(r, last_end + g * (int64_t)last_n, v, nv, max, &in->past_end);
			}
		}
		long n = codec_decode(t->dec, t->pool + p->off, p->len, pcm, CODEC_MAX_SAMPLES);
		if (n < 0) {
			in->bad++;
			continue;
		}
		const int16_t *v = pcm;
		size_t nv = (size_t)n;
		if (t->info.rate != R) {
			nv = resample(pcm, (size_t)n, t->info.rate, R, rs, sizeof rs / sizeof rs[0]);
			v = rs;
		}
		if (rc == 0)
			rc = run_put(r, pos[i], v, nv, max, &in->past_end);
		in->decoded++;
		tail = codec_dtx(t->dec) ? TAIL_DTX : TAIL_NONE;
		in->cn += tail == TAIL_DTX;
		last_seq = p->ext_seq;
		last_end = pos[i] + (int64_t)nv;
		last_n = nv;
		last_dec = (size_t)n;
	}
	if (rc == 0 && tail != TAIL_NONE)
		rc = fill_tail(t, r, tail, last_end, R / 50, rms, &prng, R, max);
	free(pos);
	free(use);
	return rc;
}

int audio_render(struct audio *a, const long *ids, const int *chan, size_t n, unsigned channels,
                 int16_t **out, size_t *nframes, uint32_t *rate)
{
	*out = NULL;
	*nframes = 0;
	uint32_t R = 0;
	int64_t t0 = 0;
	for (size_t i = 0; i < n; i++) {
		const struct astream *t = &a->st[ids[i]];
		if (t->info.rate > R)
			R = t->info.rate;
		for (size_t j = 0; j < t->npk; j++)
			if (!t0 || t->pk[j].ts_us < t0)
				t0 = t->pk[j].ts_us;
	}
	if (!R)
		R = 8000;
	*rate = R;
	struct run *runs = calloc(n ? n : 1, sizeof *runs);
	if (!runs)
		return -1;
	int rc = 0;
	size_t total = 0;
	/* The timeline starts at the first media packet's arrival, or
	 * earlier when a stream's first packet was itself late (its place
	 * comes from the least-delayed packet). */
	int64_t lo = 0, hi = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = render_stream(&a->st[ids[i]], t0, R, &runs[i]);
		if (runs[i].s && runs[i].base < lo)
			lo = runs[i].base;
		if (runs[i].s && runs[i].base + (int64_t)runs[i].n > hi)
			hi = runs[i].base + (int64_t)runs[i].n;
	}
	total = (size_t)(hi - lo);
	int16_t *o = NULL;
	if (rc == 0 && total && !(o = calloc(total * channels, sizeof *o)))
		rc = -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct run *r = &runs[i];
		if (!r->n) /* (o is NULL when no stream has a sample) */
			continue;
		unsigned c = (unsigned)chan[i] < channels ? (unsigned)chan[i] : 0;
		int16_t *d = o + (size_t)(r->base - lo) * channels + c;
		for (size_t k = 0; k < r->n; k++, d += channels) {
			int v = *d + r->s[k];
			*d = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(runs[i].s);
	free(runs);
	if (rc) {
		free(o);
		return -1;
	}
	*out = o;
	*nframes = total;
	return 0;
}
