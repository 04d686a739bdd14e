/* wav.c - RIFF/WAVE writer, 16-bit PCM little-endian (see wav.h). */
#include <stdlib.h>
#include <string.h>

#include "sipscope/wav.h"

static void le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void wav_header(uint8_t out[WAV_HEADER_LEN], uint32_t rate, unsigned channels, uint32_t data_bytes)
{
	memcpy(out, "RIFF", 4);
	le32(out + 4, data_bytes == WAV_SIZE_UNKNOWN ? WAV_SIZE_UNKNOWN : 36 + data_bytes);
	memcpy(out + 8, "WAVEfmt ", 8);
	le32(out + 16, 16);
	le16(out + 20, 1); /* PCM */
	le16(out + 22, (uint16_t)channels);
	le32(out + 24, rate);
	le32(out + 28, rate * channels * 2); /* bytes per second */
	le16(out + 32, (uint16_t)(channels * 2)); /* block align */
	le16(out + 34, 16);
	memcpy(out + 36, "data", 4);
	le32(out + 40, data_bytes);
}

struct wav_writer {
	FILE *f;
	uint32_t rate;
	unsigned channels;
	uint64_t data_bytes;
	int failed;
	uint8_t buf[8192];
};

struct wav_writer *wav_open(FILE *f, uint32_t rate, unsigned channels)
{
	struct wav_writer *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->f = f;
	w->rate = rate;
	w->channels = channels;
	uint8_t h[WAV_HEADER_LEN];
	wav_header(h, rate, channels, WAV_SIZE_UNKNOWN);
	if (fwrite(h, 1, sizeof h, f) != sizeof h) {
		free(w);
		return NULL;
	}
	return w;
}

int wav_write(struct wav_writer *w, const int16_t *frames, size_t nframes)
{
	size_t n = nframes * w->channels;
	while (n && !w->failed) {
		size_t k = n < sizeof w->buf / 2 ? n : sizeof w->buf / 2;
		for (size_t i = 0; i < k; i++)
			le16(w->buf + 2 * i, (uint16_t)frames[i]);
		if (fwrite(w->buf, 2, k, w->f) != k)
			w->failed = 1;
		w->data_bytes += 2 * k;
		frames += k;
		n -= k;
	}
	return w->failed ? -1 : 0;
}

int wav_close(struct wav_writer *w)
{
	int rc = w->failed || w->data_bytes > 0xFFFFFFFEu - 36 ? -1 : 0;
	/* A pipe cannot seek: the sizes stay "unknown" (what streams use). */
	if (!rc && fseek(w->f, 0, SEEK_SET) == 0) {
		uint8_t h[WAV_HEADER_LEN];
		wav_header(h, w->rate, w->channels, (uint32_t)w->data_bytes);
		if (fwrite(h, 1, sizeof h, w->f) != sizeof h || fseek(w->f, 0, SEEK_END) != 0)
			rc = -1;
	}
	if (fflush(w->f) != 0)
		rc = -1;
	free(w);
	return rc;
}
