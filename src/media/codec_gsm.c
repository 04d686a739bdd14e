/* codec_gsm.c - GSM 06.10 full rate with libgsm (built with SIPSCOPE_HAVE_GSM).
 *
 * RFC 3551 4.5.8: 33-byte frames of 20 ms (160 samples at 8 kHz), each
 * starting with the 0xD signature nibble.  libgsm has no concealment: a
 * lost packet is silence. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <gsm.h>

#include "codec_lib.h"

#define FRAME_BYTES 33
#define FRAME 160

static int gsm_match(const char *name, uint32_t clock, unsigned channels, uint32_t *rate)
{
	if (strcasecmp(name, "GSM") || clock != 8000 || channels != 1)
		return 0;
	*rate = 8000;
	return 1;
}

static void *gsm_new(uint32_t clock, unsigned channels)
{
	(void)clock;
	(void)channels;
	return gsm_create();
}

static long gsm_decode1(void *st, const uint8_t *p, size_t n, int16_t *out, size_t cap)
{
	if (!n || n % FRAME_BYTES)
		return -1;
	size_t done = 0;
	for (size_t i = 0; i < n / FRAME_BYTES && done + FRAME <= cap; i++) {
		/* libgsm's prototype takes non-const bytes; it only reads them. */
		gsm_byte f[FRAME_BYTES];
		memcpy(f, p + FRAME_BYTES * i, FRAME_BYTES);
		if (gsm_decode(st, f, out + done) < 0)
			return -1;
		done += FRAME;
	}
	return (long)done;
}


static void gsm_free(void *st) { gsm_destroy(st); }

const struct codec_ops codec_gsm_ops = { "GSM", gsm_match, gsm_new, gsm_decode1, codec_silence, gsm_free,
	                                 NULL };
