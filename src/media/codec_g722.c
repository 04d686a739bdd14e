/* codec_g722.c - ITU-T G.722 with libspandsp (built with SIPSCOPE_HAVE_SPANDSP).
 *
 * RFC 3551 4.5.2: the RTP clock is 8000 although the audio is sampled at
 * 16 kHz (an error kept for compatibility); each payload byte is one
 * 64 kbit/s code word pair and gives two 16 kHz samples.  spandsp has no
 * G.722 concealment (its PLC is for 8 kHz audio): a lost packet is
 * silence. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <spandsp/telephony.h>
#include <spandsp/g722.h>

#include "codec_lib.h"

static int g722_match(const char *name, uint32_t clock, unsigned channels, uint32_t *rate)
{
	if (strcasecmp(name, "G722") || clock != 8000 || channels != 1)
		return 0;
	*rate = 16000;
	return 1;
}

static void *g722_new(uint32_t clock, unsigned channels)
{
	(void)clock;
	(void)channels;
	return g722_decode_init(NULL, 64000, 0);
}

static long g722_decode1(void *st, const uint8_t *p, size_t n, int16_t *out, size_t cap)
{
	if (!n)
		return -1;
	if (n > cap / 2)
		n = cap / 2;
	return g722_decode(st, out, p, (int)n);
}


static void g722_free1(void *st) { g722_decode_free(st); }

const struct codec_ops codec_g722_ops = { "G722", g722_match, g722_new, g722_decode1, codec_silence,
	                                  g722_free1, NULL };
