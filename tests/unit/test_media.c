/* test_media.c - RTP/RTCP streams: sequence accounting, jitter, SDP
 * association, problems, DTMF, RTCP reports, MOS. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "sipscope/media.h"
#include "sipscope/sdp.h"

#define T0 1700000000000000LL

static struct store_endpoint ep(int a, int b, int c, int d, uint16_t port)
{
	struct store_endpoint e;
	memset(&e, 0, sizeof e);
	e.family = 4;
	e.addr[0] = (uint8_t)a;
	e.addr[1] = (uint8_t)b;
	e.addr[2] = (uint8_t)c;
	e.addr[3] = (uint8_t)d;
	e.port = port;
	return e;
}

/* One RTP packet: 12-byte header and `plen` payload bytes (payload given
 * or zeros). */
static int rtp(struct media *m, int64_t us, struct store_endpoint s, struct store_endpoint d, uint8_t pt,
               uint16_t seq, uint32_t ts, uint32_t ssrc, const uint8_t *payload, size_t plen)
{
	static uint64_t frame;
	uint8_t p[12 + 200];
	memset(p, 0, sizeof p);
	p[0] = 0x80;
	p[1] = pt;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	p[4] = (uint8_t)(ts >> 24);
	p[5] = (uint8_t)(ts >> 16);
	p[6] = (uint8_t)(ts >> 8);
	p[7] = (uint8_t)ts;
	p[8] = (uint8_t)(ssrc >> 24);
	p[9] = (uint8_t)(ssrc >> 16);
	p[10] = (uint8_t)(ssrc >> 8);
	p[11] = (uint8_t)ssrc;
	if (payload)
		memcpy(p + 12, payload, plen);
	return media_udp(m, ++frame, us, &s, &d, p, 12 + plen);
}

static void sdp(struct media *m, uint64_t call, int64_t us, const char *text)
{
	struct sdp d;
	assert_int_equal(sdp_parse(text, strlen(text), &d), 0);
	media_sdp(m, call, us, &d);
}

static const struct media_stream *only_stream(struct media *m)
{
	media_finish(m);
	assert_int_equal(media_stream_count(m), 1);
	return media_stream(m, 0);
}

static void test_sequence_loss_and_duplicates(void **state)
{
	(void)state;
	struct media *m = media_new();
	struct store_endpoint a = ep(10, 0, 0, 1, 4000), b = ep(10, 0, 0, 3, 5000);
	sdp(m, 7, T0, "v=0\nc=IN IP4 10.0.0.3\nm=audio 5000 RTP/AVP 8\n");
	for (uint16_t s = 1; s <= 100; s++) {
		if (s == 10 || s == 20)
			continue;
		rtp(m, T0 + s * 20000, a, b, 8, s, s * 160u, 0x1234, NULL, 160);
		if (s == 30)
			rtp(m, T0 + s * 20000 + 100, a, b, 8, s, s * 160u, 0x1234, NULL, 160);
	}
	const struct media_stream *st = only_stream(m);
	assert_int_equal(st->expected, 100);
	assert_int_equal(st->packets, 99);
	assert_int_equal(st->lost, 1); /* 2 missing, 1 duplicate (RFC 3550 A.3) */
	assert_int_equal(st->duplicates, 1);
	assert_int_equal(st->seq_jumps, 2);
	assert_int_equal(st->h_call_id, 7);
	assert_string_equal(st->codec, "PCMA/8000");
	assert_int_equal(st->bytes, 99 * 160);
	media_free(m);
}

static void test_sequence_wraps_without_loss(void **state)
{
	(void)state;
	struct media *m = media_new();
	struct store_endpoint a = ep(10, 0, 0, 1, 4000), b = ep(10, 0, 0, 3, 5000);
	sdp(m, 7, T0, "v=0\nc=IN IP4 10.0.0.3\nm=audio 5000 RTP/AVP 0\n");
	uint16_t seq = 65530;
	for (int i = 0; i < 12; i++, seq++)
		rtp(m, T0 + i * 20000, a, b, 0, seq, (uint32_t)i * 160, 1, NULL, 160);
	const struct media_stream *st = only_stream(m);
	assert_int_equal(st->expected, 12);
	assert_int_equal(st->lost, 0);
	assert_int_equal(st->seq_jumps, 0);
	media_free(m);
}

static void test_late_packet_is_out_of_order_not_lost(void **state)
{
	(void)state;
	static const uint16_t order[] = { 1, 2, 4, 3, 5 };
	struct media *m = media_new();
	struct store_endpoint a = ep(10, 0, 0, 1, 4000), b = ep(10, 0, 0, 3, 5000);
	sdp(m, 7, T0, "v=0\nc=IN IP4 10.0.0.3\nm=audio 5000 RTP/AVP 0\n");
	for (int i = 0; i < 5; i++)
		rtp(m, T0 + i * 20000, a, b, 0, order[i], order[i] * 160u, 1, NULL, 160);
	const struct media_stream *st = only_stream(m);
	assert_int_equal(st->out_of_order, 1);
	assert_int_equal(st->duplicates, 0);
	assert_int_equal(st->lost, 0);
	media_free(m);
}

/* RFC 3550 A.8 with |D| = 10 ms every packet: J_n = 10 (1 - (15/16)^n). */
static void test_jitter_follows_rfc3550(void **state)
{
	(void)state;
	struct media *m = media_new();
	struct store_endpoint a = ep(10, 0, 0, 1, 4000), b = ep(10, 0, 0, 3, 5000);
	sdp(m, 7, T0, "v=0\nc=IN IP4 10.0.0.3\nm=audio 5000 RTP/AVP 8\n");
	int64_t t = T0;
	for (int i = 0; i < 21; i++) {
		rtp(m, t, a, b, 8, (uint16_t)(i + 1), (uint32_t)i * 160, 1, NULL, 160);
		t += i % 2 ? 10000 : 30000; /* arrivals 30, 10, 30 ... ms apart; 20 ms of audio each */
	}
	const struct media_stream *st = only_stream(m);
	double want = 10 * (1 - pow(15.0 / 16.0, 20));
	assert_true(fabs(st->jitter_ms - want) < 1e-6);
	assert_true(fabs(st->jitter_ms_max - want) < 1e-6);
	double mean = 0;
	for (int n = 1; n <= 20; n++)
		mean += 10 * (1 - pow(15.0 / 16.0, n));
	assert_true(fabs(st->jitter_ms_mean - mean / 20) < 1e-6);
	assert_true(fabs(st->delta_ms_max - 30) < 1e-9);
	media_free(m);
}

static void test_sent_to_unannounced_address_is_nat(void **state)
{
	(void)state;
	struct media *m = media_new();
	struct store_endpoint callee = ep(10, 0, 0, 3, 5000), natted = ep(203, 0, 113, 7, 31000);
	sdp(m, 7, T0, "v=0\nc=IN IP4 192.168.1.5\nm=audio 4000 RTP/AVP 0\n"); /* the caller, private */
	sdp(m, 7, T0 + 1, "v=0\nc=IN IP4 10.0.0.3\nm=audio 5000 RTP/AVP 0\n");
	for (int i = 0; i < 5; i++)
		rtp(m, T0 + i * 20000, callee, natted, 0, (uint16_t)i, (uint32_t)i * 160, 9, NULL, 160);
	const struct media_stream *st = only_stream(m);
	assert_int_equal(st->h_call_id, 7);
	assert_true(st->problems & MEDIA_P_NAT);
	assert_false(st->problems & MEDIA_P_UNANNOUNCED);
	media_free(m);
}

static void test_unannounced_streams_must_hold_together(void **state)
{
	(void)state;
	struct media *m = media_new();
	struct store_endpoint a = ep(10, 0, 0, 1, 4000), b = ep(10, 0, 0, 3, 5000);
	struct store_endpoint c = ep(10, 0, 0, 8, 7777), d = ep(10, 0, 0, 9, 8888);
	for (int i = 0; i < 10; i++)
		rtp(m, T0 + i * 20000, a, b, 0, (uint16_t)(100 + i), (uint32_t)i * 160, 5, NULL, 160);
	/* stray datagrams that happen to start like RTP, never two in sequence */
	for (int i = 0; i < 50; i++)
		rtp(m, T0 + i, c, d, 0, (uint16_t)(i * 7919), 0, 6, NULL, 20);
	/* three in sequence, then nothing: a stream, dropped at the end */
	for (int i = 0; i < 3; i++)
		rtp(m, T0 + i, d, c, 0, (uint16_t)(40 + i), 0, 7, NULL, 20);
	media_finish(m);
	assert_int_equal(media_stream_count(m), 1);
	const struct media_stream *st = media_stream(m, 0);
	assert_true(st->problems & MEDIA_P_UNANNOUNCED);
	assert_int_equal(st->h_call_id, 0);
	assert_int_equal(st->packets, 10); /* the first too, once the second confirmed it */
	assert_int_equal(media_stats(m)->heuristic_dropped, 1);
	assert_int_equal(media_stats(m)->not_rtp, 50); /* the strays */
	media_free(m);
}

/* No SDP announced it: the stream is known from its second packet, yet
 * counts from its first, as tshark does (150 packets, not 149). */
static void test_unannounced_stream_counts_its_first_packet(void **state)
{
	(void)state;
	struct media *m = media_new();
	struct store_endpoint a = ep(10, 0, 0, 1, 4000), b = ep(10, 0, 0, 3, 5000);
	/* a stray that starts like RTP, then the stream, its first packet
	 * marked (a talkspurt) and carrying 100 bytes */
	assert_int_equal(rtp(m, T0 - 5000, a, b, 0, 999, 0, 0x77, NULL, 20), 0);
	for (uint16_t i = 0; i < 150; i++) {
		int rc = rtp(m, T0 + i * 20000, a, b, i ? 0 : 0x80, (uint16_t)(65500 + i), i * 160u, 0x77, NULL,
		             i ? 160 : 100);
		assert_int_equal(rc, i ? 1 : 0); /* the first one is not known to be RTP yet */
	}
	const struct media_stream *st = only_stream(m);
	assert_int_equal(st->packets, 150);
	assert_int_equal(st->lost, 0);
	assert_int_equal(st->base_seq, 65500);
	assert_int_equal(st->bytes, 149 * 160 + 100);
	assert_int_equal(st->marker, 1);
	assert_int_equal(st->first_us, T0);
	assert_int_equal(st->last_us - st->first_us, 149 * 20000);
	assert_true(st->problems & MEDIA_P_UNANNOUNCED);
	assert_int_equal(media_stats(m)->rtp, 150);
	assert_int_equal(media_stats(m)->not_rtp, 1); /* the stray */
	media_free(m);
}

static void test_codec_not_offered_and_one_way(void **state)
{
	(void)state;
	struct media *m = media_new();
	struct store_endpoint a = ep(10, 0, 0, 1, 4000), b = ep(10, 0, 0, 3, 5000);
	sdp(m, 7, T0, "v=0\nc=IN IP4 10.0.0.3\nm=audio 5000 RTP/AVP 0\n");
	for (int i = 0; i < 5; i++)
		rtp(m, T0 + i * 20000, a, b, 18, (uint16_t)i, (uint32_t)i * 160, 1, NULL, 20);
	const struct media_stream *st = only_stream(m);
	assert_true(st->problems & MEDIA_P_CODEC);
	assert_true(st->problems & MEDIA_P_ONE_WAY);
	assert_string_equal(st->codec, "G729/8000");
	media_free(m);
}

static void test_two_way_call_is_not_one_way(void **state)
{
	(void)state;
	struct media *m = media_new();
	struct store_endpoint a = ep(10, 0, 0, 1, 4000), b = ep(10, 0, 0, 3, 5000);
	sdp(m, 7, T0, "v=0\nc=IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 0\n");
	sdp(m, 7, T0, "v=0\nc=IN IP4 10.0.0.3\nm=audio 5000 RTP/AVP 0\n");
	for (int i = 0; i < 5; i++) {
		rtp(m, T0 + i * 20000, a, b, 0, (uint16_t)i, (uint32_t)i * 160, 1, NULL, 160);
		rtp(m, T0 + i * 20000 + 5, b, a, 0, (uint16_t)i, (uint32_t)i * 160, 2, NULL, 160);
	}
	media_finish(m);
	assert_int_equal(media_stream_count(m), 2);
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(media_stream(m, i)->problems, 0);
	media_free(m);
}

static void test_silence_gap_and_media_after_bye(void **state)
{
	(void)state;
	struct media *m = media_new();
	struct store_endpoint a = ep(10, 0, 0, 1, 4000), b = ep(10, 0, 0, 3, 5000);
	sdp(m, 7, T0, "v=0\nc=IN IP4 10.0.0.3\nm=audio 5000 RTP/AVP 0\n");
	for (int i = 0; i < 5; i++)
		rtp(m, T0 + i * 20000, a, b, 0, (uint16_t)i, (uint32_t)i * 160, 1, NULL, 160);
	rtp(m, T0 + 2000000, a, b, 0, 5, 5 * 160, 1, NULL, 160); /* 1.92 s of nothing */
	media_bye(m, 7, T0 + 2100000);
	rtp(m, T0 + 3000000, a, b, 0, 6, 6 * 160, 1, NULL, 160);
	const struct media_stream *st = only_stream(m);
	assert_true(st->problems & MEDIA_P_GAP);
	assert_true(st->gap_us >= 1920000);
	assert_true(st->problems & MEDIA_P_AFTER_BYE);
	assert_int_equal(st->after_bye_us, 900000);
	media_free(m);
}

/* RFC 4733: digit 5 over four packets (the end one sent three times with
 * one sequence number), then '#'. */
static void test_dtmf_events(void **state)
{
	(void)state;
	struct media *m = media_new();
	struct store_endpoint a = ep(10, 0, 0, 1, 4000), b = ep(10, 0, 0, 3, 5000);
	sdp(m, 7, T0, "v=0\nc=IN IP4 10.0.0.3\nm=audio 5000 RTP/AVP 0 101\na=rtpmap:101 telephone-event/8000\n");
	rtp(m, T0, a, b, 0, 1, 0, 1, NULL, 160);
	uint8_t ev[4] = { 5, 10, 0, 0 };
	uint16_t seq = 2;
	for (int k = 1; k <= 4; k++, seq++) {
		uint16_t dur = (uint16_t)(k * 160);
		ev[2] = (uint8_t)(dur >> 8);
		ev[3] = (uint8_t)dur;
		rtp(m, T0 + k * 20000, a, b, 101, seq, 1600, 1, ev, 4);
	}
	ev[1] |= 0x80;
	for (int r = 0; r < 3; r++)
		rtp(m, T0 + 100000 + r * 1000, a, b, 101, seq, 1600, 1, ev, 4);
	seq++;
	uint8_t pound[4] = { 11, 0x8a, 0x01, 0x40 };
	rtp(m, T0 + 400000, a, b, 101, seq, 8000, 1, pound, 4);
	const struct media_stream *st = only_stream(m);
	assert_int_equal(st->ndtmf, 2);
	assert_int_equal(st->dtmf[0].digit, '5');
	assert_int_equal(st->dtmf[0].duration, 640);
	assert_true(st->dtmf[0].ended);
	assert_int_equal(st->dtmf[1].digit, '#');
	assert_int_equal(st->pt_changes, 0); /* events are not a codec change */
	assert_int_equal(st->duplicates, 2);
	media_free(m);
}

/* A receiver report about the stream: loss, jitter, and the round trip
 * from LSR and DLSR against the capture clock. */
static void test_rtcp_receiver_report(void **state)
{
	(void)state;
	struct media *m = media_new();
	struct store_endpoint a = ep(10, 0, 0, 1, 4000), b = ep(10, 0, 0, 3, 5000);
	struct store_endpoint ac = ep(10, 0, 0, 1, 4001), bc = ep(10, 0, 0, 3, 5001);
	sdp(m, 7, T0, "v=0\nc=IN IP4 10.0.0.3\nm=audio 5000 RTP/AVP 0\n");
	for (int i = 0; i < 5; i++)
		rtp(m, T0 + i * 20000, a, b, 0, (uint16_t)i, (uint32_t)i * 160, 0xabcd, NULL, 160);
	/* A sends an SR whose NTP clock is 20 s off ours (no matter); B's RR
	 * names it 1 s later with DLSR = 0.25 s: the round trip is 0.75 s. */
	int64_t now = T0 + 5000000;
	uint32_t lsr = 0x12345678, dlsr = 65536 / 4;
	uint8_t sr[28] = { 0x80, 200, 0, 6, 0, 0, 0xab, 0xcd, 0, 0, 0x12, 0x34, 0x56, 0x78 };
	assert_int_equal(media_udp(m, 98, now - 1000000, &ac, &bc, sr, sizeof sr), 1);
	/* RR: header, reporter SSRC, one block: SSRC, fraction, cumulative
	 * lost, highest sequence, jitter, LSR, DLSR (RFC 3550 6.4.2). */
	uint8_t pkt[32] = { 0x81, 201, 0, 7, 0, 0, 0, 0x42, 0, 0, 0xab, 0xcd, 64, 0, 0, 5 };
	pkt[23] = 80; /* jitter: 80 timestamp units = 10 ms at 8 kHz */
	for (int k = 0; k < 4; k++) {
		pkt[24 + k] = (uint8_t)(lsr >> (24 - 8 * k));
		pkt[28 + k] = (uint8_t)(dlsr >> (24 - 8 * k));
	}
	assert_int_equal(media_udp(m, 99, now, &bc, &ac, pkt, sizeof pkt), 1);
	const struct media_stream *st = only_stream(m);
	assert_int_equal(st->rtcp_reports, 1);
	assert_true(fabs(st->rtcp_fraction_lost - 0.25) < 1e-9);
	assert_int_equal(st->rtcp_cum_lost, 5);
	assert_true(fabs(st->rtcp_jitter_ms - 10) < 1e-9);
	assert_true(fabs(st->rtt_ms - 750) < 0.1);
	assert_int_equal(media_stats(m)->rtcp, 2);
	media_free(m);
}

static void test_mos_falls_with_loss(void **state)
{
	(void)state;
	double mos[2];
	for (int lossy = 0; lossy < 2; lossy++) {
		struct media *m = media_new();
		struct store_endpoint a = ep(10, 0, 0, 1, 4000), b = ep(10, 0, 0, 3, 5000);
		sdp(m, 7, T0, "v=0\nc=IN IP4 10.0.0.3\nm=audio 5000 RTP/AVP 8\n");
		for (int i = 0; i < 200; i++)
			if (!lossy || i % 10)
				rtp(m, T0 + i * 20000, a, b, 8, (uint16_t)i, (uint32_t)i * 160, 1, NULL, 160);
		mos[lossy] = only_stream(m)->mos;
		if (lossy)
			assert_true(only_stream(m)->problems & MEDIA_P_LOSS);
		media_free(m);
	}
	assert_true(mos[0] > 4.3 && mos[0] <= 4.5); /* G.711, clean */
	assert_true(mos[1] < 3.6 && mos[1] > 2.5);  /* 10% loss with concealment */
}

static void test_refresh_gives_figures_before_finish(void **state)
{
	(void)state;
	struct media *m = media_new();
	struct store_endpoint a = ep(10, 0, 0, 1, 4000), b = ep(10, 0, 0, 3, 5000);
	sdp(m, 7, T0, "v=0\nc=IN IP4 10.0.0.3\nm=audio 5000 RTP/AVP 0\n");
	for (int i = 0; i < 100; i++)
		if (i % 10 != 5) /* 10 lost */
			rtp(m, T0 + i * 20000, a, b, 0, (uint16_t)i, (uint32_t)i * 160, 1, NULL, 160);
	media_refresh(m);
	assert_false(media_finished(m));
	const struct media_stream *st = media_stream(m, 0);
	assert_int_equal(st->expected, 100);
	assert_int_equal(st->lost, 10);
	assert_true(st->problems & MEDIA_P_LOSS);
	assert_true(st->mos > 1 && st->mos < 4.4);
	double mos = st->mos;
	media_refresh(m); /* idempotent */
	assert_true(media_stream(m, 0)->mos == mos);
	media_finish(m);
	assert_true(media_finished(m));
	assert_true(media_stream(m, 0)->mos == mos);
	media_free(m);
}

static void test_refresh_drops_one_way_when_the_way_back_comes(void **state)
{
	(void)state;
	struct media *m = media_new();
	struct store_endpoint a = ep(10, 0, 0, 1, 4000), b = ep(10, 0, 0, 3, 5000);
	sdp(m, 7, T0, "v=0\nc=IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 0\n");
	sdp(m, 7, T0, "v=0\nc=IN IP4 10.0.0.3\nm=audio 5000 RTP/AVP 0\n");
	for (int i = 0; i < 5; i++)
		rtp(m, T0 + i * 20000, a, b, 0, (uint16_t)i, (uint32_t)i * 160, 1, NULL, 160);
	media_refresh(m);
	assert_int_equal(media_stream_count(m), 1);
	assert_true(media_stream(m, 0)->problems & MEDIA_P_ONE_WAY);
	for (int i = 0; i < 5; i++)
		rtp(m, T0 + 100000 + i * 20000, b, a, 0, (uint16_t)i, (uint32_t)i * 160, 2, NULL, 160);
	media_refresh(m);
	assert_int_equal(media_stream_count(m), 2);
	assert_int_equal(media_stream(m, 0)->problems, 0);
	assert_int_equal(media_stream(m, 1)->problems, 0);
	media_free(m);
}

static void test_refresh_keeps_unannounced_streams_finish_drops(void **state)
{
	(void)state;
	struct media *m = media_new();
	struct store_endpoint a = ep(10, 0, 0, 1, 4000), b = ep(10, 0, 0, 3, 5000);
	rtp(m, T0, a, b, 0, 1, 160, 9, NULL, 160); /* two packets: do not hold together */
	rtp(m, T0 + 20000, a, b, 0, 2, 320, 9, NULL, 160);
	media_refresh(m);
	assert_int_equal(media_stream_count(m), 1);
	assert_int_equal(media_stream(m, 0)->h_call_id, 0);
	media_finish(m);
	assert_int_equal(media_stream_count(m), 0);
	media_free(m);
}

static void test_not_rtp(void **state)
{
	(void)state;
	struct media *m = media_new();
	struct store_endpoint a = ep(10, 0, 0, 1, 4000), b = ep(10, 0, 0, 3, 5000);
	uint8_t p[20] = { 0x40 };
	assert_int_equal(media_udp(m, 1, T0, &a, &b, p, sizeof p), 0);
	assert_int_equal(media_udp(m, 2, T0, &a, &b, p, 8), 0);
	assert_int_equal(media_stats(m)->not_rtp, 2);
	media_free(m);
}

/* A re-INVITE moving the media: packets to the new port stay with the call,
 * and the old address no longer names it once another call takes it. */
static void test_reinvite_moves_media(void **state)
{
	(void)state;
	struct media *m = media_new();
	struct store_endpoint a = ep(10, 0, 0, 1, 4000), b1 = ep(10, 0, 0, 3, 5000), b2 = ep(10, 0, 0, 3, 6000);
	sdp(m, 7, T0, "v=0\nc=IN IP4 10.0.0.3\nm=audio 5000 RTP/AVP 0\n");
	for (int i = 0; i < 5; i++)
		rtp(m, T0 + i * 20000, a, b1, 0, (uint16_t)i, (uint32_t)i * 160, 1, NULL, 160);
	sdp(m, 7, T0 + 200000, "v=0\nc=IN IP4 10.0.0.3\nm=audio 6000 RTP/AVP 8\n");
	sdp(m, 9, T0 + 210000, "v=0\nc=IN IP4 10.0.0.3\nm=audio 5000 RTP/AVP 0\n"); /* port reused */
	for (int i = 5; i < 10; i++)
		rtp(m, T0 + i * 20000 + 200000, a, b2, 8, (uint16_t)i, (uint32_t)i * 160, 2, NULL, 160);
	rtp(m, T0 + 600000, ep(10, 0, 0, 5, 4100), b1, 0, 1, 0, 3, NULL, 160);
	for (int i = 2; i < 6; i++)
		rtp(m, T0 + 600000 + i * 20000, ep(10, 0, 0, 5, 4100), b1, 0, (uint16_t)i, 0, 3, NULL, 160);
	media_finish(m);
	assert_int_equal(media_stream_count(m), 3);
	assert_int_equal(media_stream(m, 0)->h_call_id, 7);
	assert_int_equal(media_stream(m, 1)->h_call_id, 7);
	assert_string_equal(media_stream(m, 1)->codec, "PCMA/8000");
	assert_int_equal(media_stream(m, 1)->problems & MEDIA_P_CODEC, 0);
	assert_int_equal(media_stream(m, 2)->h_call_id, 9);
	media_free(m);
}

/* RFC 3550 A.1: a jump far ahead (a media switch keeping the SSRC) is a
 * restart once a second packet follows it, not 19,000 lost packets. */
static void test_sequence_restart_is_not_loss(void **state)
{
	(void)state;
	struct media *m = media_new();
	struct store_endpoint a = ep(10, 0, 0, 1, 4000), b = ep(10, 0, 0, 3, 5000);
	sdp(m, 7, T0, "v=0\nc=IN IP4 10.0.0.3\nm=audio 5000 RTP/AVP 0\n");
	int64_t t = T0;
	for (uint16_t q = 1000; q < 1100; q++, t += 20000)
		rtp(m, t, a, b, 0, q, q * 160u, 1, NULL, 160);
	for (uint16_t q = 20100; q < 20200; q++, t += 20000)
		rtp(m, t, a, b, 0, q, q * 160u, 1, NULL, 160);
	const struct media_stream *st = only_stream(m);
	assert_int_equal(st->packets, 200);
	assert_int_equal(st->expected, 200);
	assert_int_equal(st->lost, 0);
	assert_false(st->problems & MEDIA_P_LOSS);
	media_free(m);
}

/* Silence suppression: a 2 s pause after comfort noise, or one ended by a
 * marker bit, is not a gap; the same pause without either is. */
static void test_dtx_silence_is_not_a_gap(void **state)
{
	(void)state;
	for (int kind = 0; kind < 3; kind++) {
		struct media *m = media_new();
		struct store_endpoint a = ep(10, 0, 0, 1, 4000), b = ep(10, 0, 0, 3, 5000);
		sdp(m, 7, T0, "v=0\nc=IN IP4 10.0.0.3\nm=audio 5000 RTP/AVP 0 13\n");
		for (int i = 0; i < 5; i++)
			rtp(m, T0 + i * 20000, a, b, 0, (uint16_t)i, (uint32_t)i * 160, 1, NULL, 160);
		if (kind == 1)
			rtp(m, T0 + 100000, a, b, 13, 5, 800, 1, NULL, 1); /* comfort noise */
		uint8_t pt = kind == 2 ? 0x80 : 0; /* marker: a talkspurt begins */
		rtp(m, T0 + 2100000, a, b, pt, (uint16_t)(kind == 1 ? 6 : 5), 16800, 1, NULL, 160);
		const struct media_stream *st = only_stream(m);
		if (kind == 0)
			assert_true(st->problems & MEDIA_P_GAP);
		else
			assert_false(st->problems & MEDIA_P_GAP);
		media_free(m);
	}
}

/* A stream whose first packet is a DTMF event: its payload type, codec
 * and jitter come from the voice packets after it. */
static void test_stream_opening_with_dtmf(void **state)
{
	(void)state;
	struct media *m = media_new();
	struct store_endpoint a = ep(10, 0, 0, 1, 4000), b = ep(10, 0, 0, 3, 5000);
	sdp(m, 7, T0, "v=0\nc=IN IP4 10.0.0.3\nm=audio 5000 RTP/AVP 8 101\na=rtpmap:101 telephone-event/8000\n");
	uint8_t ev[4] = { 1, 0x8a, 0, 160 };
	rtp(m, T0, a, b, 101, 1, 5000000, 1, ev, 4);
	for (int i = 0; i < 10; i++)
		rtp(m, T0 + (i + 1) * 20000, a, b, 8, (uint16_t)(i + 2), (uint32_t)i * 160, 1, NULL, 160);
	const struct media_stream *st = only_stream(m);
	assert_int_equal(st->pt, 8);
	assert_string_equal(st->codec, "PCMA/8000");
	assert_int_equal(st->pt_changes, 0);
	assert_true(st->jitter_ms_max < 0.001);
	assert_true(st->mos > 4.3);
	assert_int_equal(st->ndtmf, 1);
	media_free(m);
}

static int keep_call_7(void *ctx, uint64_t h_call_id)
{
	(void)ctx;
	return h_call_id == 7;
}

/* --max-calls: the streams, addresses and BYE of an evicted call go; the
 * kept call's stream goes on counting, and a silent unannounced one goes. */
static void test_evict_forgets_the_calls_that_went(void **state)
{
	(void)state;
	struct media *m = media_new();
	struct store_endpoint a = ep(10, 0, 0, 1, 4000), b = ep(10, 0, 0, 3, 5000);
	struct store_endpoint c = ep(10, 0, 0, 5, 4002), d = ep(10, 0, 0, 6, 6000);
	struct store_endpoint x = ep(10, 0, 0, 8, 7000), y = ep(10, 0, 0, 9, 7002);
	sdp(m, 7, T0, "v=0\nc=IN IP4 10.0.0.3\nm=audio 5000 RTP/AVP 8\n");
	sdp(m, 8, T0, "v=0\nc=IN IP4 10.0.0.6\nm=audio 6000 RTP/AVP 0\n");
	for (uint16_t s = 1; s <= 10; s++) {
		assert_int_equal(rtp(m, T0 + s * 20000, a, b, 8, s, s * 160u, 0x1111, NULL, 160), 1);
		assert_int_equal(rtp(m, T0 + s * 20000, c, d, 0, s, s * 160u, 0x2222, NULL, 160), 1);
		rtp(m, T0 + s * 20000, x, y, 0, s, s * 160u, 0x3333, NULL, 160); /* unannounced */
	}
	media_bye(m, 8, T0 + 1000000);
	media_refresh(m);
	assert_int_equal(media_stream_count(m), 3);
	media_evict(m, keep_call_7, NULL, T0 + 5000000);
	assert_int_equal(media_stream_count(m), 1);
	assert_int_equal(media_stream(m, 0)->h_call_id, 7);
	for (uint16_t s = 11; s <= 20; s++)
		assert_int_equal(rtp(m, T0 + s * 20000, a, b, 8, s, s * 160u, 0x1111, NULL, 160), 1);
	/* The evicted call's address announces nothing any more. */
	rtp(m, T0 + 500000, c, d, 0, 11, 11 * 160u, 0x2222, NULL, 160);
	media_finish(m);
	const struct media_stream *st = media_stream(m, 0);
	assert_int_equal(st->h_call_id, 7);
	assert_int_equal(st->packets, 20);
	assert_int_equal(st->lost, 0);
	for (size_t i = 0; i < media_stream_count(m); i++)
		assert_int_not_equal(media_stream(m, i)->h_call_id, 8);
	media_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequence_loss_and_duplicates),
		cmocka_unit_test(test_sequence_wraps_without_loss),
		cmocka_unit_test(test_late_packet_is_out_of_order_not_lost),
		cmocka_unit_test(test_jitter_follows_rfc3550),
		cmocka_unit_test(test_sent_to_unannounced_address_is_nat),
		cmocka_unit_test(test_unannounced_streams_must_hold_together),
		cmocka_unit_test(test_unannounced_stream_counts_its_first_packet),
		cmocka_unit_test(test_codec_not_offered_and_one_way),
		cmocka_unit_test(test_two_way_call_is_not_one_way),
		cmocka_unit_test(test_silence_gap_and_media_after_bye),
		cmocka_unit_test(test_dtmf_events),
		cmocka_unit_test(test_rtcp_receiver_report),
		cmocka_unit_test(test_mos_falls_with_loss),
		cmocka_unit_test(test_reinvite_moves_media),
		cmocka_unit_test(test_sequence_restart_is_not_loss),
		cmocka_unit_test(test_dtx_silence_is_not_a_gap),
		cmocka_unit_test(test_stream_opening_with_dtmf),
		cmocka_unit_test(test_not_rtp),
		cmocka_unit_test(test_refresh_gives_figures_before_finish),
		cmocka_unit_test(test_refresh_drops_one_way_when_the_way_back_comes),
		cmocka_unit_test(test_refresh_keeps_unannounced_streams_finish_drops),
		cmocka_unit_test(test_evict_forgets_the_calls_that_went),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
