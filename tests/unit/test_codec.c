/* test_codec.c - the decoders that need a library (G.722, G.729, Opus,
 * GSM): each decodes what its library's encoder made of a known tone,
 * conceals a lost packet (its library's way, or silence), refuses a
 * payload it cannot read.  A decoder not built in must say so. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/codec.h"

#ifdef SIPSCOPE_HAVE_SPANDSP
#include <spandsp/telephony.h>
#include <spandsp/g722.h>
#endif
#ifdef SIPSCOPE_HAVE_BCG729
#include <bcg729/encoder.h>
#endif
#ifdef SIPSCOPE_HAVE_OPUS
#include <opus.h>
#endif
#ifdef SIPSCOPE_HAVE_GSM
#include <gsm.h>
#endif

#define NMAX 9600

#if defined(SIPSCOPE_HAVE_SPANDSP) || defined(SIPSCOPE_HAVE_BCG729) || defined(SIPSCOPE_HAVE_OPUS) || \
	defined(SIPSCOPE_HAVE_GSM)

static void tone(int16_t *v, size_t n, uint32_t rate, double f, double amp)
{
	for (size_t i = 0; i < n; i++)
		v[i] = (int16_t)lrint(amp * sin(2 * M_PI * f * (double)i / rate) *
		                      (0.6 + 0.4 * sin(2 * M_PI * 3 * (double)i / rate)));
}

static double rms(const int16_t *v, size_t n)
{
	double e = 0;
	for (size_t i = 0; i < n; i++)
		e += (double)v[i] * v[i];
	return n ? sqrt(e / (double)n) : 0;
}

/* The best normalised correlation of got (delayed by 0..maxlag, the
 * codec's delay) with src over src's samples from `from` to n. */
static double corr_best(const int16_t *got, size_t ngot, const int16_t *src, size_t n, size_t from,
                        size_t maxlag)
{
	double best = -1;
	for (size_t lag = 0; lag <= maxlag; lag++) {
		double xy = 0, xx = 0, yy = 0;
		for (size_t i = from; i + lag < ngot && i < n; i++) {
			xy += (double)got[i + lag] * src[i];
			xx += (double)got[i + lag] * got[i + lag];
			yy += (double)src[i] * src[i];
		}
		double c = xx > 0 && yy > 0 ? xy / sqrt(xx * yy) : 0;
		if (c > best)
			best = c;
	}
	return best;
}

static int16_t src[NMAX], got[NMAX + CODEC_MAX_SAMPLES];

/* Decode packets of pkt bytes from bits, all of them into got. */
static size_t decode_all(struct codec_dec *d, const uint8_t *bits, size_t nbits, size_t pkt)
{
	size_t n = 0;
	for (size_t off = 0; off + pkt <= nbits; off += pkt) {
		long k = codec_decode(d, bits + off, pkt, got + n, CODEC_MAX_SAMPLES);
		assert_true(k > 0);
		n += (size_t)k;
	}
	return n;
}
#endif

static void test_g722(void **state)
{
	(void)state;
#ifdef SIPSCOPE_HAVE_SPANDSP
	int nomem;
	assert_true(codec_supported("G722/8000", 0));
	assert_non_null(strstr(codec_list(), "G722"));
	struct codec_dec *d = codec_dec_new("G722/8000", 0, &nomem);
	assert_non_null(d);
	assert_int_equal(codec_dec_rate(d), 16000); /* 16 kHz audio, 8000 RTP clock */
	assert_false(codec_conceals(d));
	tone(src, 3200, 16000, 1000, 8000);
	static uint8_t bits[1600];
	g722_encode_state_t *e = g722_encode_init(NULL, 64000, 0);
	assert_int_equal(g722_encode(e, bits, src, 3200), 1600);
	g722_encode_free(e);
	size_t n = decode_all(d, bits, 1600, 160); /* 20 ms packets */
	assert_int_equal(n, 3200);
	assert_true(corr_best(got, n, src, 3200, 320, 64) > 0.99);
	int16_t c[320];
	memset(c, 1, sizeof c);
	codec_conceal(d, c, 320); /* no concealment in G.722: silence */
	assert_true(rms(c, 320) == 0);
	assert_int_equal(codec_decode(d, bits, 0, got, CODEC_MAX_SAMPLES), -1);
	assert_int_equal(codec_decode(d, bits, 160, got, 100), 100); /* never past cap */
	assert_false(codec_dtx(d));
	codec_dec_free(d);
#else
	assert_false(codec_supported("G722/8000", 0));
#endif
}

static void test_g729(void **state)
{
	(void)state;
#ifdef SIPSCOPE_HAVE_BCG729
	int nomem;
	assert_true(codec_supported("G729/8000", 0));
	assert_true(codec_supported("g729a/8000", 0));
	struct codec_dec *d = codec_dec_new("G729/8000", 0, &nomem);
	assert_non_null(d);
	assert_int_equal(codec_dec_rate(d), 8000);
	assert_true(codec_conceals(d));
	tone(src, 4000, 8000, 500, 8000);
	static uint8_t bits[500];
	bcg729EncoderChannelContextStruct *e = initBcg729EncoderChannel(0);
	for (int f = 0; f < 50; f++) {
		uint8_t len;
		bcg729Encoder(e, src + 80 * f, bits + 10 * f, &len);
		assert_int_equal(len, 10);
	}
	closeBcg729EncoderChannel(e);
	size_t n = decode_all(d, bits, 500, 20); /* two frames a packet */
	assert_int_equal(n, 4000);
	double cr = corr_best(got, n, src, 4000, 800, 160);
	print_message("G.729 correlation %.3f\n", cr);
	assert_true(cr > 0.9);
	assert_false(codec_dtx(d));
	/* a lost packet after speech: bcg729's concealment, not silence */
	int16_t c[160];
	codec_conceal(d, c, 160);
	assert_true(rms(c, 160) > 100);
	/* 10-byte frames and at most one 2-byte SID at the end */
	assert_int_equal(codec_decode(d, bits, 7, got, CODEC_MAX_SAMPLES), -1);
	assert_int_equal(codec_decode(d, bits, 15, got, CODEC_MAX_SAMPLES), -1);
	assert_int_equal(codec_decode(d, bits, 0, got, CODEC_MAX_SAMPLES), -1);
	codec_dec_free(d);
	/* Annex B: the encoder with VAD on quiet noise sends a SID; the
	 * decoder gives its comfort noise, and goes on with it */
	d = codec_dec_new("G729/8000", 0, &nomem);
	e = initBcg729EncoderChannel(1);
	uint32_t x = 1;
	int sid = 0;
	for (int f = 0; f < 100 && !sid; f++) {
		int16_t in[80];
		uint8_t b[10], len;
		for (int i = 0; i < 80; i++) {
			x = x * 1103515245u + 12345u;
			in[i] = f < 20 ? src[80 * f + i] : (int16_t)((x >> 16) % 64) - 32;
		}
		bcg729Encoder(e, in, b, &len);
		if (len)
			assert_int_equal(codec_decode(d, b, len, got, CODEC_MAX_SAMPLES), 80);
		sid = len == 2;
	}
	closeBcg729EncoderChannel(e);
	assert_true(sid);
	assert_true(codec_dtx(d));
	codec_conceal(d, c, 160);
	assert_true(rms(c, 160) > 0 && rms(c, 160) < 200);
	codec_dec_free(d);
#else
	assert_false(codec_supported("G729/8000", 0));
#endif
}

static void test_opus(void **state)
{
	(void)state;
#ifdef SIPSCOPE_HAVE_OPUS
	int nomem, err;
	assert_true(codec_supported("opus/48000/2", 0));
	assert_false(codec_supported("opus/8000", 0)); /* RFC 7587: always 48000 */
	struct codec_dec *d = codec_dec_new("opus/48000/2", 0, &nomem);
	assert_non_null(d);
	assert_int_equal(codec_dec_rate(d), 48000);
	assert_true(codec_conceals(d));
	/* stereo packets, the same tone on both channels: mono out */
	tone(src, NMAX, 48000, 1000, 8000);
	OpusEncoder *e = opus_encoder_create(48000, 2, OPUS_APPLICATION_AUDIO, &err);
	assert_non_null(e);
	opus_encoder_ctl(e, OPUS_SET_BITRATE(64000));
	size_t n = 0;
	for (int f = 0; f < NMAX / 960; f++) {
		int16_t st[1920];
		uint8_t pkt[1500];
		for (int i = 0; i < 960; i++)
			st[2 * i] = st[2 * i + 1] = src[960 * f + i];
		int len = opus_encode(e, st, 960, pkt, sizeof pkt);
		assert_true(len > 0);
		long k = codec_decode(d, pkt, (size_t)len, got + n, CODEC_MAX_SAMPLES);
		assert_int_equal(k, 960);
		n += (size_t)k;
	}
	opus_encoder_destroy(e);
	double cr = corr_best(got, n, src, NMAX, 1920, 480);
	print_message("Opus correlation %.3f\n", cr);
	assert_true(cr > 0.95);
	/* a lost packet: libopus' concealment goes on with the tone */
	int16_t c[960];
	codec_conceal(d, c, 960);
	assert_true(rms(c, 960) > 100);
	static const uint8_t bad[] = { 0x03, 0x00 }; /* code 3 with no frame */
	assert_int_equal(codec_decode(d, bad, sizeof bad, got, CODEC_MAX_SAMPLES), -1);
	assert_int_equal(codec_decode(d, bad, 0, got, CODEC_MAX_SAMPLES), -1);
	codec_dec_free(d);
#else
	assert_false(codec_supported("opus/48000/2", 0));
#endif
}

static void test_gsm(void **state)
{
	(void)state;
#ifdef SIPSCOPE_HAVE_GSM
	int nomem;
	assert_true(codec_supported("GSM/8000", 0));
	struct codec_dec *d = codec_dec_new("GSM/8000", 0, &nomem);
	assert_non_null(d);
	assert_false(codec_conceals(d));
	tone(src, 4000, 8000, 500, 8000);
	static uint8_t bits[33 * 25];
	gsm e = gsm_create();
	for (int f = 0; f < 25; f++)
		gsm_encode(e, src + 160 * f, bits + 33 * f);
	gsm_destroy(e);
	size_t n = decode_all(d, bits, sizeof bits, 33);
	assert_int_equal(n, 4000);
	double cr = corr_best(got, n, src, 4000, 800, 160);
	print_message("GSM correlation %.3f\n", cr);
	assert_true(cr > 0.8);
	int16_t c[160];
	memset(c, 1, sizeof c);
	codec_conceal(d, c, 160); /* libgsm has no concealment: silence */
	assert_true(rms(c, 160) == 0);
	assert_int_equal(codec_decode(d, bits, 32, got, CODEC_MAX_SAMPLES), -1);
	uint8_t zero[33] = { 0 }; /* no 0xD signature */
	assert_int_equal(codec_decode(d, zero, 33, got, CODEC_MAX_SAMPLES), -1);
	codec_dec_free(d);
#else
	assert_false(codec_supported("GSM/8000", 0));
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_g722),
		cmocka_unit_test(test_g729),
		cmocka_unit_test(test_opus),
		cmocka_unit_test(test_gsm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
