/* audio_out.h - a call's RTP streams written as WAV: what `sipscope
 * audio` and the viewer's save (and play) share.
 *
 * The first read of the captures (with media followed) found the calls
 * and their streams.  audio_out_pick_call() picks a call's streams and
 * says whose each is: the caller's direction (the side that sent the
 * INVITE: the media addresses of its INVITE and ACK SDP) or the
 * callee's (those of the responses), else, with no SDP to tell, the
 * first stream's source is the caller.  audio_out_collect() reads the
 * captures a second time, handing the picked streams' payloads (SRTP
 * ones decrypted) to the timeline (audio.h): a file only, never standard
 * input or a live source.  audio_out_write() lays picks out (stereo: the
 * caller's on the left, the callee's on the right; mono: summed) and
 * writes a 16-bit PCM WAV (wav.h) to a FILE or, audio_out_save(), a path.
 * Library code: nothing is printed. */
#ifndef SIPSCOPE_AUDIO_OUT_H
#define SIPSCOPE_AUDIO_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sipscope/audio.h"
#include "sipscope/endpoint.h"
#include "sipscope/ingest.h"
#include "sipscope/media.h"
#include "sipscope/store.h"
#include "sipscope/track.h"

#define AUDIO_OUT_ESOURCE (-1) /* the captures could not be read again (err says why) */
#define AUDIO_OUT_ENOMEM (-2)
#define AUDIO_OUT_EWRITE (-3)  /* the WAV could not be written (err says why) */

/* One picked stream. */
struct audio_out_pick {
	uint32_t call;                 /* the call (a merged call's root) */
	size_t stream;                 /* index in the first read's media */
	struct store_endpoint src, dst;
	uint32_t ssrc;
	long id;                       /* in the timeline (audio.h) */
	int side;                      /* 0 the caller's direction (left), 1 the callee's */
};

struct audio_out;

/* NULL when memory ran out; the owner frees with audio_out_free(). */
struct audio_out *audio_out_new(void);
void audio_out_free(struct audio_out *o);
/* Pick the streams of call (a root) in m, the media of the read that
 * filled s and t, in m's order; only_ssrc: that SSRC's alone (NULL: all).
 * Returns how many were picked, or AUDIO_OUT_ENOMEM. */
long audio_out_pick_call(struct audio_out *o, struct store *s, const struct tracker *t,
                         const struct media *m, uint32_t call, const uint32_t *only_ssrc);
size_t audio_out_count(const struct audio_out *o);
const struct audio_out_pick *audio_out_at(const struct audio_out *o, size_t i);
/* What became of pick i's packets (after a write). */
const struct audio_stream_info *audio_out_info(const struct audio_out *o, size_t i);

/* How to read the captures again: as the first read did. */
struct audio_out_source {
	const char *const *files;
	size_t nfiles;
	const char *bpf;                     /* NULL or "": none */
	const struct ingest_tls_opts *tls;   /* NULL: none */
	const char *correlate;
};
/* The second read.  Returns 0 (warn may then hold a TLS key warning, ""
 * when none; warn may be NULL), AUDIO_OUT_ESOURCE with err ("-" among
 * the files: standard input cannot be read again), or AUDIO_OUT_ENOMEM. */
int audio_out_collect(struct audio_out *o, const struct audio_out_source *src, char *warn,
                      size_t warnlen, char *err, size_t errlen);

/* Is one of picks which[0..n) (NULL: every pick) a stream with audio
 * to decode? */
int audio_out_any_decodable(const struct audio_out *o, const size_t *which, size_t n);

/* The WAV written. */
struct audio_out_wav {
	size_t frames;
	uint32_t rate;
	unsigned channels;
};
/* Lay picks which[0..n) (NULL: every pick) on `channels` (2: each on its
 * side's channel; 1: all on one) and write them to f as WAV (f borrowed:
 * flushed, not closed); f NULL: lay out only, for audio_out_info()'s
 * counts.  Returns 0, AUDIO_OUT_ENOMEM, or AUDIO_OUT_EWRITE. */
int audio_out_write(struct audio_out *o, const size_t *which, size_t n, unsigned channels, FILE *f,
                    struct audio_out_wav *res);
/* The same to path ("-": standard output), created and closed here.
 * Returns 0, AUDIO_OUT_ENOMEM, or AUDIO_OUT_EWRITE with err ("cannot
 * write PATH: reason", or "cannot write PATH" when a write failed). */
int audio_out_save(struct audio_out *o, const size_t *which, size_t n, unsigned channels,
                   const char *path, struct audio_out_wav *res, char *err, size_t errlen);

#endif
