/* codec_opus.c - Opus (RFC 6716) with libopus (built with SIPSCOPE_HAVE_OPUS).
 *
 * RFC 7587: the rtpmap is always opus/48000/2 and the RTP clock 48000,
 * whatever the audio; a packet of 2.5 to 120 ms, mono or stereo.  The
 * decoder runs at 48 kHz, one channel (libopus mixes stereo down).  A
 * lost packet is libopus' own concealment (decoding no data); in-band FEC
 * is not used. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <opus.h>

#include "codec_lib.h"

#define PLC_STEP 120 /* 2.5 ms at 48 kHz: PLC lengths are multiples of it */

static int opus_match(const char *name, uint32_t clock, unsigned channels, uint32_t *rate)
{
	if (strcasecmp(name, "opus") || clock != 48000 || channels < 1 || channels > 2)
		return 0;
	*rate = 48000;
	return 1;
}

static void *opus_new(uint32_t clock, unsigned channels)
{
	(void)clock;
	(void)channels;
	int err;
	return opus_decoder_create(48000, 1, &err);
}

static long opus_decode1(void *st, const uint8_t *p, size_t n, int16_t *out, size_t cap)
{
	if (!n || n > 0x7fffffff || cap > 0x7fffffff)
		return -1;
	int r = opus_decode(st, p, (opus_int32)n, out, (int)cap, 0);
	return r < 0 ? -1 : r;
}

/* libopus wants whole 2.5 ms steps: a partial last one is cut. */
static void opus_conceal(void *st, int16_t *out, size_t n)
{
	static _Thread_local int16_t buf[CODEC_MAX_SAMPLES];
	for (size_t done = 0; done < n;) {
		size_t want = n - done;
		if (want > CODEC_MAX_SAMPLES)
			want = CODEC_MAX_SAMPLES;
		size_t steps = (want + PLC_STEP - 1) / PLC_STEP * PLC_STEP;
		int r = opus_decode(st, NULL, 0, buf, (int)steps, 0);
		if (r <= 0) {
			memset(out + done, 0, (n - done) * sizeof *out);
			return;
		}
		size_t k = (size_t)r < want ? (size_t)r : want;
		memcpy(out + done, buf, k * sizeof *out);
		done += k;
	}
}

static void opus_free1(void *st) { opus_decoder_destroy(st); }

const struct codec_ops codec_opus_ops = { "opus", opus_match, opus_new, opus_decode1, opus_conceal,
	                                  opus_free1, NULL };
