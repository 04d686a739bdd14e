/* codec_g729.c - ITU-T G.729 / G.729A with Annex B (libbcg729, built with
 * SIPSCOPE_HAVE_BCG729).
 *
 * RFC 3551 4.5.6: a payload is 10-byte frames of 10 ms (80 samples at
 * 8 kHz), possibly ending in one 2-byte Annex B SID frame (silence
 * descriptor); after a SID the sender stops (discontinuous transmission)
 * and the decoder's comfort noise fills the time until the next packet.
 * bcg729 takes a missing frame as an erasure: after speech it conceals
 * (G.729 4.4), after a SID it goes on with comfort noise; conceal() is
 * both. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <bcg729/decoder.h>

#include "codec_lib.h"

#define FRAME 80

struct g729 {
	bcg729DecoderChannelContextStruct *d;
	int sid; /* the last frame decoded was a SID */
};

static int g729_match(const char *name, uint32_t clock, unsigned channels, uint32_t *rate)
{
	if ((strcasecmp(name, "G729") && strcasecmp(name, "G729A")) || clock != 8000 || channels != 1)
		return 0;
	*rate = 8000;
	return 1;
}

static void *g729_new(uint32_t clock, unsigned channels)
{
	(void)clock;
	(void)channels;
	struct g729 *g = calloc(1, sizeof *g);
	if (g && !(g->d = initBcg729DecoderChannel())) {
		free(g);
		return NULL;
	}
	return g;
}

static long g729_decode(void *st, const uint8_t *p, size_t n, int16_t *out, size_t cap)
{
	struct g729 *g = st;
	size_t frames = n / 10, sid = n % 10 == 2;
	if (!n || (n % 10 && !sid))
		return -1;
	size_t done = 0;
	for (size_t i = 0; i < frames + sid && done + FRAME <= cap; i++) {
		int is_sid = i == frames;
		bcg729Decoder(g->d, p + 10 * i, is_sid ? 2 : 10, 0, (uint8_t)is_sid, 0, out + done);
		g->sid = is_sid;
		done += FRAME;
	}
	return (long)done;
}

/* n samples of erased frames (a partial last frame is cut). */
static void g729_conceal(void *st, int16_t *out, size_t n)
{
	struct g729 *g = st;
	int16_t f[FRAME];
	for (size_t done = 0; done < n; done += FRAME) {
		bcg729Decoder(g->d, NULL, 0, 1, 0, 0, f);
		memcpy(out + done, f, (n - done < FRAME ? n - done : FRAME) * sizeof *f);
	}
}

static int g729_dtx(void *st) { return ((struct g729 *)st)->sid; }

static void g729_free(void *st)
{
	struct g729 *g = st;
	closeBcg729DecoderChannel(g->d);
	free(g);
}

const struct codec_ops codec_g729_ops = { "G729", g729_match, g729_new, g729_decode, g729_conceal,
	                                  g729_free, g729_dtx };
