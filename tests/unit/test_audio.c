/* test_audio.c - G.711 and L16 decoders, the WAV writer, the media tap
 * and the audio timeline (placement, reordering, loss, duplicates,
 * comfort noise, re-anchoring, channels). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sipscope/audio.h"
#include "sipscope/codec.h"
#include "sipscope/media.h"
#include "sipscope/wav.h"

/* Values from Python's audioop (ulaw2lin / alaw2lin), the reference
 * the integration tests use too. */
static void test_ulaw_known_code_words(void **state)
{
	(void)state;
	static const struct { uint8_t code; int16_t v; } k[] = {
		{ 0xff, 0 }, { 0x7f, 0 }, { 0x00, -32124 }, { 0x80, 32124 }, { 0xfe, 8 },
		{ 0x7e, -8 }, { 0xef, 132 }, { 0x70, -120 }, { 0x8f, 16764 }, { 0x3c, -2364 },
	};
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
		assert_int_equal(codec_ulaw_to_linear(k[i].code), k[i].v);
	/* the whole table: sum of value * (code + 1), as audioop gives it */
	long long sum = 0;
	for (int c = 0; c < 256; c++)
		sum += (long long)codec_ulaw_to_linear((uint8_t)c) * (c + 1);
	assert_int_equal(sum, 98107392);
}

static void test_alaw_known_code_words(void **state)
{
	(void)state;
	static const struct { uint8_t code; int16_t v; } k[] = {
		{ 0xd5, 8 }, { 0x55, -8 }, { 0x2a, -32256 }, { 0xaa, 32256 }, { 0x80, 5504 },
		{ 0x00, -5504 }, { 0xd4, 24 }, { 0x54, -24 }, { 0xe5, 1056 }, { 0x65, -1056 }, { 0xc5, 264 },
	};
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
		assert_int_equal(codec_alaw_to_linear(k[i].code), k[i].v);
	long long sum = 0;
	for (int c = 0; c < 256; c++)
		sum += (long long)codec_alaw_to_linear((uint8_t)c) * (c + 1);
	assert_int_equal(sum, 100139008);
}

static void test_codec_lookup_by_sdp_name(void **state)
{
	(void)state;
	assert_true(codec_supported("PCMU/8000", 0));
	assert_true(codec_supported("pcma/8000", 0));
	assert_true(codec_supported("L16/16000/2", 0));
	assert_false(codec_supported("G723/8000", 0)); /* no decoder for G.723.1 */
	assert_false(codec_supported("PCMU/16000", 0)); /* G.711 is 8 kHz only */
	assert_false(codec_supported("", 0));
	assert_false(codec_supported(NULL, 0));
	int nomem;
	struct codec_dec *d = codec_dec_new("PCMA/8000", 0, &nomem);
	assert_non_null(d);
	assert_int_equal(codec_dec_rate(d), 8000);
	int16_t out[4];
	const uint8_t in[3] = { 0xd5, 0x55, 0x2a };
	assert_int_equal(codec_decode(d, in, 3, out, 4), 3);
	assert_int_equal(out[0], 8);
	assert_int_equal(out[1], -8);
	assert_int_equal(out[2], -32256);
	assert_int_equal(codec_decode(d, in, 3, out, 2), 2); /* never past cap */
	codec_conceal(d, out, 4);
	assert_int_equal(out[0] | out[1] | out[2] | out[3], 0);
	codec_dec_free(d);
	assert_null(codec_dec_new("iLBC/8000", 0, &nomem));
	assert_int_equal(nomem, 0);
}

static void test_l16_big_endian_and_stereo_mixed_down(void **state)
{
	(void)state;
	int nomem;
	struct codec_dec *d = codec_dec_new("L16/16000", 0, &nomem);
	assert_non_null(d);
	assert_int_equal(codec_dec_rate(d), 16000);
	const uint8_t mono[5] = { 0x12, 0x34, 0xff, 0xfe, 0x77 }; /* odd byte left over */
	int16_t out[4];
	assert_int_equal(codec_decode(d, mono, 5, out, 4), 2);
	assert_int_equal(out[0], 0x1234);
	assert_int_equal(out[1], -2);
	codec_dec_free(d);
	d = codec_dec_new("L16/44100/2", 0, &nomem);
	assert_non_null(d);
	const uint8_t st[8] = { 0x00, 0x64, 0x00, 0xc8, 0xff, 0x9c, 0x00, 0x00 }; /* (100,200) (-100,0) */
	assert_int_equal(codec_decode(d, st, 8, out, 4), 2);
	assert_int_equal(out[0], 150);
	assert_int_equal(out[1], -50);
	codec_dec_free(d);
}

/* As Python's wave module writes it for 8000 Hz stereo, 320 data bytes. */
static void test_wav_header_bytes(void **state)
{
	(void)state;
	static const uint8_t want[44] = {
		'R', 'I', 'F', 'F', 0x64, 0x01, 0, 0, 'W', 'A', 'V', 'E', 'f', 'm', 't', ' ',
		16, 0, 0, 0, 1, 0, 2, 0, 0x40, 0x1f, 0, 0, 0x00, 0x7d, 0, 0,
		4, 0, 16, 0, 'd', 'a', 't', 'a', 0x40, 0x01, 0, 0,
	};
	uint8_t h[WAV_HEADER_LEN];
	wav_header(h, 8000, 2, 320);
	assert_memory_equal(h, want, 44);
	wav_header(h, 8000, 1, WAV_SIZE_UNKNOWN);
	assert_memory_equal(h + 4, "\xff\xff\xff\xff", 4);
	assert_memory_equal(h + 40, "\xff\xff\xff\xff", 4);
	assert_int_equal(h[32], 2); /* block align of mono */
}

static void test_wav_file_sizes_patched(void **state)
{
	(void)state;
	FILE *f = tmpfile();
	assert_non_null(f);
	struct wav_writer *w = wav_open(f, 8000, 2);
	assert_non_null(w);
	int16_t fr[6] = { 1, -1, 256, -256, 0x7fff, -0x8000 };
	assert_int_equal(wav_write(w, fr, 3), 0);
	assert_int_equal(wav_close(w), 0);
	uint8_t b[64];
	rewind(f);
	assert_int_equal(fread(b, 1, sizeof b, f), 44 + 12);
	uint8_t h[WAV_HEADER_LEN];
	wav_header(h, 8000, 2, 12);
	assert_memory_equal(b, h, 44);
	static const uint8_t data[12] = { 1, 0, 0xff, 0xff, 0, 1, 0, 0xff, 0xff, 0x7f, 0, 0x80 };
	assert_memory_equal(b + 44, data, 12);
	fclose(f);
}

static void test_wav_pipe_keeps_unknown_sizes(void **state)
{
	(void)state;
	int fd[2];
	assert_int_equal(pipe(fd), 0);
	FILE *f = fdopen(fd[1], "wb");
	assert_non_null(f);
	struct wav_writer *w = wav_open(f, 16000, 1);
	int16_t s[2] = { 5, 6 };
	assert_int_equal(wav_write(w, s, 2), 0);
	assert_int_equal(wav_close(w), 0);
	fclose(f);
	uint8_t b[64];
	ssize_t n = read(fd[0], b, sizeof b);
	close(fd[0]);
	assert_int_equal(n, 48);
	uint8_t h[WAV_HEADER_LEN];
	wav_header(h, 16000, 1, WAV_SIZE_UNKNOWN);
	assert_memory_equal(b, h, 44);
	assert_int_equal(b[44], 5);
	assert_int_equal(b[46], 6);
}

/* ---- the media tap ---- */

static struct store_endpoint ep(int last, uint16_t port)
{
	struct store_endpoint e;
	memset(&e, 0, sizeof e);
	e.family = 4;
	e.addr[0] = 192;
	e.addr[2] = 2;
	e.addr[3] = (uint8_t)last;
	e.port = port;
	return e;
}

struct tap {
	size_t n;
	struct media_rtp_pkt last;
	uint8_t payload[256];
};

static void on_pkt(void *ctx, size_t stream, const struct media_rtp_pkt *k)
{
	struct tap *t = ctx;
	(void)stream;
	t->n++;
	t->last = *k;
	memcpy(t->payload, k->payload, k->len < sizeof t->payload ? k->len : sizeof t->payload);
}

static void test_media_tap_gives_payload_past_csrc_extension_padding(void **state)
{
	(void)state;
	struct media *m = media_new();
	assert_non_null(m);
	struct tap t = { 0 };
	media_set_rtp_hook(m, on_pkt, &t);
	struct sdp sdp;
	const char *body = "v=0\r\no=- 1 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\n"
	                   "m=audio 5000 RTP/AVP 0\r\n";
	assert_int_equal(sdp_parse(body, strlen(body), &sdp), 0);
	media_sdp(m, 42, 1, &sdp);
	struct store_endpoint a = ep(10, 4000), b = ep(20, 5000);
	/* V=2, P, X, CC=1; one CSRC; a 1-word extension; 3 payload bytes; 2 of padding */
	uint8_t p[] = { 0xb1, 0x80, 0x00, 0x07, 0, 0, 0x01, 0x40, 0xca, 0xfe, 0xba, 0xbe,
		        1, 2, 3, 4,                   /* CSRC */
		        0xbe, 0xde, 0x00, 0x01, 9, 9, 9, 9, /* extension */
		        0xaa, 0xbb, 0xcc, 0x00, 0x02 };
	assert_int_equal(media_udp(m, 1, 1000, &a, &b, p, sizeof p), 1);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.last.seq, 7);
	assert_int_equal(t.last.rtp_ts, 0x140);
	assert_int_equal(t.last.pt, 0);
	assert_int_equal(t.last.marker, 1);
	assert_int_equal(t.last.clear, 1);
	assert_int_equal(t.last.len, 3);
	assert_memory_equal(t.payload, "\xaa\xbb\xcc", 3);
	/* a header longer than the packet: an empty payload, no read past it */
	uint8_t shortp[] = { 0x8f, 0x00, 0x00, 0x08, 0, 0, 0x01, 0xe0, 0xca, 0xfe, 0xba, 0xbe, 1, 2 };
	assert_int_equal(media_udp(m, 2, 1020, &a, &b, shortp, sizeof shortp), 1);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.last.len, 0);
	media_set_rtp_hook(m, NULL, NULL);
	media_free(m);
}

/* ---- the timeline ---- */

#define T0 1700000000000000LL

static struct media_stream stream(const char *codec, uint8_t pt, uint32_t ssrc)
{
	struct media_stream s;
	memset(&s, 0, sizeof s);
	snprintf(s.codec, sizeof s.codec, "%s", codec);
	s.pt = pt;
	s.clock = 8000;
	s.ssrc = ssrc;
	s.dtmf_pt = 101;
	return s;
}

/* Packet k of a PCMU stream: 160 bytes of code word `code`, sent at
 * start + 20 ms * k + delay_us, sequence seq0 + k, timestamp 160 k. */
static void feed(struct audio *a, long id, int64_t start, int k, int64_t delay_us, uint8_t code,
                 uint8_t pt)
{
	uint8_t pl[160];
	memset(pl, code, sizeof pl);
	struct media_rtp_pkt p = { .ts_us = start + 20000LL * k + delay_us, .rtp_ts = 1000u + 160u * (uint32_t)k,
		                   .seq = (uint16_t)(65530 + k), .pt = pt, .clear = 1, .payload = pl,
		                   .len = pt == 13 ? 1 : 160 };
	assert_int_equal(audio_packet(a, id, &p), 0);
}

static double block_rms(const int16_t *v, size_t n)
{
	double e = 0;
	for (size_t i = 0; i < n; i++)
		e += (double)v[i] * v[i];
	return sqrt(e / (double)n);
}

/* Block k (160 samples from sample off + 160 k) all equal to v? */
static int block_is(const int16_t *pcm, size_t nframes, unsigned ch, unsigned c, size_t off, int k, int16_t v)
{
	for (size_t i = 0; i < 160; i++) {
		size_t f = off + 160 * (size_t)k + i;
		if (f >= nframes || pcm[f * ch + c] != v)
			return 0;
	}
	return 1;
}

static void test_timeline_reorder_loss_duplicate_cn(void **state)
{
	(void)state;
	struct audio *a = audio_new();
	struct media_stream s = stream("PCMU/8000", 0, 0x11);
	long id = audio_add_stream(a, &s);
	assert_int_equal(id, 0);
	/* 10 packets, code word 0x80 + k (distinct per block); packet 3
	 * lost, 5 after 6, 7 twice, 8 comfort noise at -40 dBov; sequence
	 * wraps at 6. */
	for (int k = 0; k < 10; k++) {
		if (k == 3 || k == 5)
			continue;
		feed(a, id, T0, k, 0, k == 8 ? 40 : (uint8_t)(0x80 + k), k == 8 ? 13 : 0);
		if (k == 6)
			feed(a, id, T0, 5, 25000, 0x85, 0);
		if (k == 7)
			feed(a, id, T0, 7, 3000, 0x87, 0);
	}
	int16_t *pcm;
	size_t n;
	uint32_t rate;
	int chan = 0;
	assert_int_equal(audio_render(a, &id, &chan, 1, 1, &pcm, &n, &rate), 0);
	assert_int_equal(rate, 8000);
	assert_int_equal(n, 1600);
	for (int k = 0; k < 10; k++) {
		if (k == 8)
			continue;
		int16_t want = k == 3 ? 0 : codec_ulaw_to_linear((uint8_t)(0x80 + k));
		assert_true(block_is(pcm, n, 1, 0, 0, k, want));
	}
	/* the comfort noise: block 8, up to packet 9, at -40 dBov (RMS
	 * 327.7) within 0.5 dB, not a constant */
	assert_true(block_rms(pcm + 8 * 160, 160) > 327.7 * 0.944 && block_rms(pcm + 8 * 160, 160) < 327.7 * 1.059);
	assert_int_not_equal(pcm[8 * 160], pcm[8 * 160 + 1]);
	const struct audio_stream_info *in = audio_info(a, id);
	assert_int_equal(in->packets, 10);
	assert_int_equal(in->decoded, 8);
	assert_int_equal(in->lost, 1);
	assert_int_equal(in->duplicates, 1);
	assert_int_equal(in->cn, 1);
	assert_int_equal(in->reanchors, 0);
	free(pcm);
	audio_free(a);
}

/* RFC 3389 comfort noise: from the CN packet's place until the next
 * audio packet (lost packets between them included), at the level of
 * its first byte, the same samples at every render; a trailing CN lasts
 * 20 ms. */
static void test_timeline_comfort_noise_level_length_reproducible(void **state)
{
	(void)state;
	struct audio *a = audio_new();
	struct media_stream s = stream("PCMA/8000", 8, 0x1234);
	long id = audio_add_stream(a, &s);
	/* audio 0, CN (-30 dBov) at 1, packets 2..3 never sent (DTX: no
	 * sequence numbers spent), audio at 4, CN (-60 dBov) at 5, the end */
	feed(a, id, T0, 0, 0, 0xd5, 8);
	feed(a, id, T0, 1, 0, 30, 13);
	uint8_t pl[160];
	memset(pl, 0xd0, sizeof pl);
	struct media_rtp_pkt p = { .ts_us = T0 + 80000, .rtp_ts = 1000u + 640u, .seq = 65532, .pt = 8,
		                   .clear = 1, .payload = pl, .len = 160 };
	assert_int_equal(audio_packet(a, id, &p), 0);
	uint8_t lv = 60;
	struct media_rtp_pkt c = { .ts_us = T0 + 100000, .rtp_ts = 1000u + 800u, .seq = 65533, .pt = 13,
		                   .clear = 1, .payload = &lv, .len = 1 };
	assert_int_equal(audio_packet(a, id, &c), 0);
	int16_t *pcm, *pcm2;
	size_t n, n2;
	uint32_t rate;
	int chan = 0;
	assert_int_equal(audio_render(a, &id, &chan, 1, 1, &pcm, &n, &rate), 0);
	assert_int_equal(n, 160 * 6); /* the last CN: 20 ms */
	assert_true(block_is(pcm, n, 1, 0, 0, 0, codec_alaw_to_linear(0xd5)));
	double want = 32767 * pow(10, -30 / 20.0);
	for (int k = 1; k <= 3; k++) {
		double r = block_rms(pcm + 160 * k, 160);
		assert_true(r > want * 0.89 && r < want * 1.12); /* 1 dB */
	}
	assert_true(block_is(pcm, n, 1, 0, 0, 4, codec_alaw_to_linear(0xd0)));
	want = 32767 * pow(10, -60 / 20.0);
	assert_true(block_rms(pcm + 800, 160) > want * 0.89 && block_rms(pcm + 800, 160) < want * 1.12);
	assert_int_equal(audio_info(a, id)->cn, 2);
	assert_int_equal(audio_info(a, id)->lost, 0);
	assert_int_equal(audio_render(a, &id, &chan, 1, 1, &pcm2, &n2, &rate), 0);
	assert_int_equal(n2, n);
	assert_memory_equal(pcm, pcm2, n * sizeof *pcm);
	free(pcm);
	free(pcm2);
	audio_free(a);
}

/* The first packet late: the least-delayed one anchors the stream. */
static void test_timeline_late_first_packet_does_not_shift(void **state)
{
	(void)state;
	struct audio *a = audio_new();
	struct media_stream s = stream("PCMA/8000", 8, 0x22);
	struct media_stream o = stream("PCMU/8000", 0, 0x33);
	long ids[2] = { audio_add_stream(a, &s), audio_add_stream(a, &o) };
	feed(a, ids[1], T0, 0, 0, 0x90, 0); /* the call's first media packet */
	feed(a, ids[0], T0 + 40000, 0, 30000, 0xd0, 8); /* 30 ms late */
	for (int k = 1; k < 5; k++)
		feed(a, ids[0], T0 + 40000, k, 0, (uint8_t)(0xd0 + k), 8);
	int16_t *pcm;
	size_t n;
	uint32_t rate;
	int chan[2] = { 1, 0 };
	assert_int_equal(audio_render(a, ids, chan, 2, 2, &pcm, &n, &rate), 0);
	/* right: from 40 ms (320 samples); left: the other stream's block */
	assert_int_equal(n, 320 + 800);
	for (int k = 0; k < 5; k++)
		assert_true(block_is(pcm, n, 2, 1, 320, k, codec_alaw_to_linear((uint8_t)(0xd0 + k))));
	assert_true(block_is(pcm, n, 2, 0, 0, 0, codec_ulaw_to_linear(0x90)));
	assert_true(block_is(pcm, n, 2, 1, 0, 0, 0));
	free(pcm);
	audio_free(a);
}

/* The call's very first packet late: the timeline starts before its
 * arrival, where the least-delayed packet puts it, and nothing of it is
 * cut. */
static void test_timeline_first_packet_late_not_clipped(void **state)
{
	(void)state;
	struct audio *a = audio_new();
	struct media_stream s = stream("PCMU/8000", 0, 0x99);
	long id = audio_add_stream(a, &s);
	feed(a, id, T0, 0, 10000, 0xa0, 0); /* 10 ms late */
	for (int k = 1; k < 4; k++)
		feed(a, id, T0, k, 0, (uint8_t)(0xa0 + k), 0);
	int16_t *pcm;
	size_t n;
	uint32_t rate;
	int chan = 0;
	assert_int_equal(audio_render(a, &id, &chan, 1, 1, &pcm, &n, &rate), 0);
	assert_int_equal(n, 640);
	for (int k = 0; k < 4; k++)
		assert_true(block_is(pcm, n, 1, 0, 0, k, codec_ulaw_to_linear((uint8_t)(0xa0 + k))));
	free(pcm);
	audio_free(a);
}

/* A timestamp jump (a hold, a restart): anchored again at arrival. */
static void test_timeline_reanchors_on_timestamp_jump(void **state)
{
	(void)state;
	struct audio *a = audio_new();
	struct media_stream s = stream("PCMU/8000", 0, 0x44);
	long id = audio_add_stream(a, &s);
	uint8_t pl[160];
	memset(pl, 0xa0, sizeof pl);
	for (int k = 0; k < 4; k++) {
		/* packets 2 and 3 jump 10 s ahead in RTP time but come 20 ms apart */
		uint32_t ts = 160u * (uint32_t)k + (k >= 2 ? 80000u : 0);
		struct media_rtp_pkt p = { .ts_us = T0 + 20000LL * k, .rtp_ts = ts, .seq = (uint16_t)k,
			                   .pt = 0, .clear = 1, .payload = pl, .len = 160 };
		assert_int_equal(audio_packet(a, id, &p), 0);
	}
	int16_t *pcm;
	size_t n;
	uint32_t rate;
	int chan = 0;
	assert_int_equal(audio_render(a, &id, &chan, 1, 1, &pcm, &n, &rate), 0);
	assert_int_equal(n, 640); /* not 10 s of silence */
	assert_int_equal(audio_info(a, id)->reanchors, 1);
	free(pcm);
	audio_free(a);
}

static void test_timeline_undecodable_and_events(void **state)
{
	(void)state;
	struct audio *a = audio_new();
	struct media_stream s = stream("G723/8000", 4, 0x55);
	long id = audio_add_stream(a, &s);
	assert_false(audio_info(a, id)->decodable);
	feed(a, id, T0, 0, 0, 0x11, 4);
	feed(a, id, T0, 1, 0, 0x05, 101); /* a telephone-event */
	int16_t *pcm;
	size_t n;
	uint32_t rate;
	int chan = 0;
	assert_int_equal(audio_render(a, &id, &chan, 1, 1, &pcm, &n, &rate), 0);
	assert_int_equal(n, 0);
	assert_int_equal(rate, 8000);
	assert_int_equal(audio_info(a, id)->events, 1);
	assert_int_equal(audio_info(a, id)->other_pt, 1);
	assert_int_equal(audio_info(a, id)->decoded, 0);
	free(pcm);
	audio_free(a);
}

/* Static PT 10 is L16 stereo (RFC 3551): its frames are mixed down, not
 * read as twice as many mono samples. */
static void test_static_pt10_is_stereo_l16(void **state)
{
	(void)state;
	struct audio *a = audio_new();
	struct media_stream s = stream("L16/44100", 10, 0x66);
	s.clock = 44100;
	long id = audio_add_stream(a, &s);
	assert_true(audio_info(a, id)->decodable);
	uint8_t pl[8] = { 0x00, 0x64, 0x00, 0xc8, 0x00, 0x64, 0x00, 0xc8 }; /* (100,200) x 2 */
	struct media_rtp_pkt p = { .ts_us = T0, .rtp_ts = 0, .seq = 1, .pt = 10, .clear = 1,
		                   .payload = pl, .len = sizeof pl };
	assert_int_equal(audio_packet(a, id, &p), 0);
	int16_t *pcm;
	size_t n;
	uint32_t rate;
	int chan = 0;
	assert_int_equal(audio_render(a, &id, &chan, 1, 1, &pcm, &n, &rate), 0);
	assert_int_equal(rate, 44100);
	assert_int_equal(n, 2);
	assert_int_equal(pcm[0], 150);
	assert_int_equal(pcm[1], 150);
	free(pcm);
	audio_free(a);
}

/* The highest codec rate wins; an 8 kHz stream is resampled to it. */
static void test_mixed_rates_resampled_to_the_highest(void **state)
{
	(void)state;
	struct audio *a = audio_new();
	struct media_stream w = stream("L16/16000", 96, 0x77);
	w.clock = 16000;
	struct media_stream u = stream("PCMU/8000", 0, 0x88);
	long ids[2] = { audio_add_stream(a, &w), audio_add_stream(a, &u) };
	uint8_t pl[640];
	for (size_t i = 0; i < sizeof pl; i += 2) {
		pl[i] = 0x01;
		pl[i + 1] = 0x00; /* 256 */
	}
	struct media_rtp_pkt p = { .ts_us = T0, .rtp_ts = 0, .seq = 1, .pt = 96, .clear = 1,
		                   .payload = pl, .len = sizeof pl };
	assert_int_equal(audio_packet(a, ids[0], &p), 0);
	feed(a, ids[1], T0, 0, 0, 0x8f, 0); /* 160 samples of 16764 at 8 kHz */
	int16_t *pcm;
	size_t n;
	uint32_t rate;
	int chan[2] = { 0, 1 };
	assert_int_equal(audio_render(a, ids, chan, 2, 2, &pcm, &n, &rate), 0);
	assert_int_equal(rate, 16000);
	assert_int_equal(n, 320); /* 20 ms at 16 kHz on both channels */
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(pcm[2 * i], 256);
		assert_int_equal(pcm[2 * i + 1], 16764);
	}
	free(pcm);
	audio_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ulaw_known_code_words),
		cmocka_unit_test(test_alaw_known_code_words),
		cmocka_unit_test(test_codec_lookup_by_sdp_name),
		cmocka_unit_test(test_l16_big_endian_and_stereo_mixed_down),
		cmocka_unit_test(test_wav_header_bytes),
		cmocka_unit_test(test_wav_file_sizes_patched),
		cmocka_unit_test(test_wav_pipe_keeps_unknown_sizes),
		cmocka_unit_test(test_media_tap_gives_payload_past_csrc_extension_padding),
		cmocka_unit_test(test_timeline_reorder_loss_duplicate_cn),
		cmocka_unit_test(test_timeline_comfort_noise_level_length_reproducible),
		cmocka_unit_test(test_timeline_late_first_packet_does_not_shift),
		cmocka_unit_test(test_timeline_first_packet_late_not_clipped),
		cmocka_unit_test(test_timeline_reanchors_on_timestamp_jump),
		cmocka_unit_test(test_timeline_undecodable_and_events),
		cmocka_unit_test(test_static_pt10_is_stereo_l16),
		cmocka_unit_test(test_mixed_rates_resampled_to_the_highest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
