/* test_srtp.c - SRTP/SRTCP receive sessions (src/media/srtp.c) against
 * packets libsrtp2 protected from known keys, and SRTP streams in the
 * media tracker (keys from the SDP offer/answer). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <srtp2/srtp.h>

#include "sipscope/media.h"
#include "sipscope/sdp.h"
#include "sipscope/srtp.h"

#define T0 1700000000000000LL

static const enum sdp_srtp_suite suites[] = {
	SDP_SRTP_AES_CM_128_HMAC_SHA1_80, SDP_SRTP_AES_CM_128_HMAC_SHA1_32, SDP_SRTP_AES_256_CM_HMAC_SHA1_80,
	SDP_SRTP_AEAD_AES_128_GCM, SDP_SRTP_AEAD_AES_256_GCM,
};

/* The sender: libsrtp2 itself, with the suite's policies (RFC 4568 6.2.2:
 * the _32 suite's SRTCP has an 80-bit tag). */
static srtp_t sender(enum sdp_srtp_suite s, const uint8_t *key, const uint8_t *mki, unsigned mki_len)
{
	srtp_policy_t p;
	memset(&p, 0, sizeof p);
	switch (s) {
	case SDP_SRTP_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
		break;
	case SDP_SRTP_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p.rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
		break;
	case SDP_SRTP_AES_256_CM_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p.rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p.rtcp);
		break;
	case SDP_SRTP_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
		break;
	default:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p.rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p.rtcp);
		break;
	}
	unsigned char k[SRTP_MAX_KEY_LEN] = { 0 }, id[16] = { 0 };
	memcpy(k, key, srtp_rx_key_len(s));
	srtp_master_key_t mk = { k, id, mki_len }, *mks[1] = { &mk };
	if (mki_len) {
		memcpy(id, mki, mki_len);
		p.keys = mks;
		p.num_master_keys = 1;
	} else {
		p.key = k;
	}
	p.ssrc.type = ssrc_any_outbound;
	p.window_size = 1024;
	p.allow_repeat_tx = 1;
	srtp_t ctx;
	assert_int_equal(srtp_create(&ctx, &p), srtp_err_status_ok);
	return ctx;
}

static void make_key(uint8_t *k, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		k[i] = (uint8_t)(seed * 37 + i * 11 + 5);
}

static size_t rtp_packet(uint8_t *p, uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc, size_t plen)
{
	p[0] = 0x80;
	p[1] = pt;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	for (int i = 0; i < 4; i++) {
		p[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
		p[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
	}
	for (size_t i = 0; i < plen; i++)
		p[12 + i] = (uint8_t)(seq * 3 + i);
	return 12 + plen;
}

/* A key given in base64 as SDP gives it; padding or not, the same bytes. */
static void test_key_from_sdp(void **state)
{
	(void)state;
	uint8_t raw[46];
	char b64[80];
	make_key(raw, sizeof raw, 1);
	for (size_t s = 0; s < sizeof suites / sizeof suites[0]; s++) {
		size_t n = srtp_rx_key_len(suites[s]);
		assert_true(n >= 28 && n <= 46);
		int l = EVP_EncodeBlock((unsigned char *)b64, raw, (int)n);
		for (int pad = 0; pad < 2; pad++) {
			size_t len = (size_t)l;
			while (pad && len && b64[len - 1] == '=')
				len--;
			struct sdp_crypto c = { .suite = (uint8_t)suites[s], .key = sv_make(b64, len), .mki = 7,
			                        .mki_len = 2 };
			struct srtp_rx_key k;
			assert_int_equal(srtp_rx_key_from_sdp(&c, &k), 0);
			assert_int_equal(k.len, n);
			assert_memory_equal(k.key, raw, n);
			assert_int_equal(k.mki, 7);
			assert_int_equal(k.mki_len, 2);
			srtp_rx_key_wipe(&k);
			assert_int_equal(k.len, 0);
		}
	}
	/* The wrong length for its suite, a bad character, no key, an unknown
	 * suite: no usable key. */
	struct srtp_rx_key k;
	int l = EVP_EncodeBlock((unsigned char *)b64, raw, 30);
	struct sdp_crypto c = { .suite = SDP_SRTP_AES_256_CM_HMAC_SHA1_80, .key = sv_make(b64, (size_t)l) };
	assert_int_equal(srtp_rx_key_from_sdp(&c, &k), -1);
	assert_int_equal(k.len, 0);
	c.suite = SDP_SRTP_AES_CM_128_HMAC_SHA1_80;
	assert_int_equal(srtp_rx_key_from_sdp(&c, &k), 0);
	b64[3] = '-';
	assert_int_equal(srtp_rx_key_from_sdp(&c, &k), -1);
	c.key = sv_make(b64, 1);
	assert_int_equal(srtp_rx_key_from_sdp(&c, &k), -1);
	c.key = sv_make(NULL, 0);
	assert_int_equal(srtp_rx_key_from_sdp(&c, &k), -1);
	c.key = sv_make(b64, (size_t)l);
	c.suite = SDP_SRTP_UNKNOWN;
	assert_int_equal(srtp_rx_key_from_sdp(&c, &k), -1);
	assert_null(srtp_rx_new(&k));
}

/* Every suite: 300 packets from sequence 65500 (the rollover counter
 * moves on), each decrypted to the plain packet it came from; SRTCP too. */
static void test_each_suite_decrypts_what_libsrtp_protected(void **state)
{
	(void)state;
	for (size_t s = 0; s < sizeof suites / sizeof suites[0]; s++) {
		struct srtp_rx_key k = { .suite = (uint8_t)suites[s], .len = (uint8_t)srtp_rx_key_len(suites[s]) };
		make_key(k.key, k.len, (unsigned)s);
		srtp_t tx = sender(suites[s], k.key, NULL, 0);
		struct srtp_rx *rx = srtp_rx_new(&k);
		assert_non_null(rx);
		_Alignas(8) uint8_t plain[300], p[400];
		for (unsigned i = 0; i < 300; i++) {
			size_t n = rtp_packet(plain, 8, (uint16_t)(65500 + i), i * 160, 0xabc, 160);
			memcpy(p, plain, n);
			int len = (int)n;
			assert_int_equal(srtp_protect(tx, p, &len), srtp_err_status_ok);
			assert_true((size_t)len > n);
			assert_memory_not_equal(p + 12, plain + 12, 160);
			size_t got = (size_t)len;
			assert_int_equal(srtp_rx_rtp(rx, p, &got), SRTP_RX_OK);
			assert_int_equal(got, n);
			assert_memory_equal(p, plain, n);
			if (i % 100 == 99) { /* an SR */
				uint8_t sr[28] = { 0x80, 200, 0, 6, 0, 0, 0x0a, 0xbc };
				for (size_t j = 8; j < sizeof sr; j++)
					sr[j] = (uint8_t)(i + j);
				memcpy(p, sr, sizeof sr);
				len = (int)sizeof sr;
				assert_int_equal(srtp_protect_rtcp(tx, p, &len), srtp_err_status_ok);
				got = (size_t)len;
				assert_int_equal(srtp_rx_rtcp(rx, p, &got), SRTP_RX_OK);
				assert_int_equal(got, sizeof sr);
				assert_memory_equal(p, sr, sizeof sr);
			}
		}
		srtp_rx_free(rx);
		srtp_dealloc(tx);
		srtp_rx_key_wipe(&k);
	}
}

/* A packet changed on the way or protected with another key fails
 * authentication and is left as it was; one seen twice is a replay. */
static void test_auth_failure_and_replay(void **state)
{
	(void)state;
	struct srtp_rx_key k = { .suite = SDP_SRTP_AES_CM_128_HMAC_SHA1_80, .len = 30 };
	make_key(k.key, 30, 9);
	srtp_t tx = sender(SDP_SRTP_AES_CM_128_HMAC_SHA1_80, k.key, NULL, 0);
	uint8_t other[30];
	make_key(other, 30, 10);
	srtp_t bad = sender(SDP_SRTP_AES_CM_128_HMAC_SHA1_80, other, NULL, 0);
	struct srtp_rx *rx = srtp_rx_new(&k);
	assert_non_null(rx);
	_Alignas(8) uint8_t p[300], copy[300];
	int len = (int)rtp_packet(p, 0, 1, 160, 1, 160);
	assert_int_equal(srtp_protect(tx, p, &len), srtp_err_status_ok);
	memcpy(copy, p, (size_t)len);
	p[20] ^= 1;
	size_t n = (size_t)len;
	assert_int_equal(srtp_rx_rtp(rx, p, &n), SRTP_RX_AUTH_FAIL);
	assert_int_equal(n, (size_t)len);
	p[20] ^= 1;
	assert_int_equal(srtp_rx_rtp(rx, p, &n), SRTP_RX_OK);
	memcpy(p, copy, (size_t)len);
	n = (size_t)len;
	assert_int_equal(srtp_rx_rtp(rx, p, &n), SRTP_RX_REPLAY);
	assert_memory_equal(p, copy, (size_t)len);
	len = (int)rtp_packet(p, 0, 2, 320, 1, 160);
	assert_int_equal(srtp_protect(bad, p, &len), srtp_err_status_ok);
	n = (size_t)len;
	assert_int_equal(srtp_rx_rtp(rx, p, &n), SRTP_RX_AUTH_FAIL);
	n = 5;
	assert_int_equal(srtp_rx_rtp(rx, p, &n), SRTP_RX_AUTH_FAIL);
	assert_int_equal(srtp_rx_rtcp(rx, p, &n), SRTP_RX_AUTH_FAIL);
	srtp_rx_free(rx);
	srtp_dealloc(tx);
	srtp_dealloc(bad);
}

/* "inline:KEY|2^20|1:4": packets carry a 4-byte MKI before the tag. */
static void test_mki(void **state)
{
	(void)state;
	struct srtp_rx_key k = { .suite = SDP_SRTP_AES_CM_128_HMAC_SHA1_80, .len = 30, .mki = 1, .mki_len = 4 };
	make_key(k.key, 30, 3);
	const uint8_t mki[4] = { 0, 0, 0, 1 };
	srtp_t tx = sender(SDP_SRTP_AES_CM_128_HMAC_SHA1_80, k.key, mki, 4);
	struct srtp_rx *rx = srtp_rx_new(&k);
	assert_non_null(rx);
	_Alignas(8) uint8_t plain[200], p[300];
	size_t n = rtp_packet(plain, 8, 77, 0, 5, 100);
	memcpy(p, plain, n);
	int len = (int)n;
	assert_int_equal(srtp_protect_mki(tx, p, &len, 1, 0), srtp_err_status_ok);
	assert_int_equal(len, (int)n + 4 + 10);
	size_t got = (size_t)len;
	assert_int_equal(srtp_rx_rtp(rx, p, &got), SRTP_RX_OK);
	assert_int_equal(got, n);
	assert_memory_equal(p, plain, n);
	srtp_rx_free(rx);
	srtp_dealloc(tx);
}

/* ---- SRTP streams in the media tracker ---- */

static struct store_endpoint ep4(uint8_t last, uint16_t port)
{
	struct store_endpoint e;
	memset(&e, 0, sizeof e);
	e.family = 4;
	e.addr[0] = 10;
	e.addr[3] = last;
	e.port = port;
	return e;
}

static void feed_sdp(struct media *m, uint64_t call, const char *text)
{
	struct sdp d;
	assert_int_equal(sdp_parse(text, strlen(text), &d), 0);
	media_sdp(m, call, T0, &d);
}

static void b64_key(char *out, uint8_t *raw, size_t n, unsigned seed)
{
	make_key(raw, n, seed);
	EVP_EncodeBlock((unsigned char *)out, raw, (int)n);
}

static const struct media_stream *stream_from(struct media *m, uint16_t sport)
{
	for (size_t i = 0; i < media_stream_count(m); i++)
		if (media_stream(m, i)->src.port == sport)
			return media_stream(m, i);
	return NULL;
}

/* The offer has two crypto lines; the answer takes tag 2: the offerer
 * sends with its tag-2 key, the answerer with its own.  Both streams are
 * decrypted (DTMF read from the decrypted payload, payload bytes without
 * the tag), the figures are the plain stream's. */
static void test_media_decrypts_with_the_senders_chosen_key(void **state)
{
	(void)state;
	uint8_t k1[30], k2[30], ka[30];
	char b1[64], b2[64], ba[64], offer[512], answer[512];
	b64_key(b1, k1, 30, 21);
	b64_key(b2, k2, 30, 22);
	b64_key(ba, ka, 30, 23);
	snprintf(offer, sizeof offer,
	         "v=0\nc=IN IP4 10.0.0.1\nm=audio 4000 RTP/SAVP 8 101\na=rtpmap:101 telephone-event/8000\n"
	         "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\na=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:%s\n",
	         b1, b2);
	snprintf(answer, sizeof answer,
	         "v=0\nc=IN IP4 10.0.0.2\nm=audio 6000 RTP/SAVP 8 101\na=rtpmap:101 telephone-event/8000\n"
	         "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:%s\n", ba);
	struct media *m = media_new();
	feed_sdp(m, 5, offer);
	feed_sdp(m, 5, answer);
	struct store_endpoint a = ep4(1, 4000), b = ep4(2, 6000);
	srtp_t ta = sender(SDP_SRTP_AES_CM_128_HMAC_SHA1_32, k2, NULL, 0);
	srtp_t tb = sender(SDP_SRTP_AES_CM_128_HMAC_SHA1_32, ka, NULL, 0);
	_Alignas(8) uint8_t p[300];
	for (unsigned i = 0; i < 50; i++) {
		if (i == 10)
			continue; /* lost */
		int len = (int)rtp_packet(p, 8, (uint16_t)(65530 + i), i * 160, 0x11, 160);
		assert_int_equal(srtp_protect(ta, p, &len), srtp_err_status_ok);
		assert_int_equal(media_udp(m, i + 1, T0 + i * 20000, &a, &b, p, (size_t)len), 1);
		/* an event's packets share its start time (RFC 4733 2.3.1) */
		len = (int)rtp_packet(p, 8, (uint16_t)(100 + i), (i < 40 ? i : 40) * 160, 0x22, 160);
		if (i >= 40) { /* a DTMF event: digit 5, end bit at the last */
			p[1] = 101;
			p[12] = 5;
			p[13] = i == 49 ? 0x80 : 0;
			p[14] = 0;
			p[15] = (uint8_t)(i - 39);
			len = 16;
		}
		assert_int_equal(srtp_protect(tb, p, &len), srtp_err_status_ok);
		assert_int_equal(media_udp(m, i + 1, T0 + i * 20000 + 5, &b, &a, p, (size_t)len), 1);
	}
	media_finish(m);
	const struct media_stream *sa = stream_from(m, 4000), *sb = stream_from(m, 6000);
	assert_non_null(sa);
	assert_non_null(sb);
	assert_int_equal(sa->srtp, MEDIA_SRTP_KEYED);
	assert_int_equal(sa->srtp_suite, SDP_SRTP_AES_CM_128_HMAC_SHA1_32);
	assert_int_equal(sa->srtp_ok, 49);
	assert_int_equal(sa->srtp_auth_fail, 0);
	assert_int_equal(sa->lost, 1);
	assert_int_equal(sa->bytes, 49 * 160);
	assert_int_equal(sb->srtp_ok, 49);
	assert_int_equal(sb->bytes, 39 * 160 + 10 * 4);
	assert_int_equal(sb->ndtmf, 1); /* read from the decrypted payload */
	assert_int_equal(sb->dtmf[0].digit, '5');
	assert_true(sb->dtmf[0].ended);
	assert_null(sa->srtp_rx); /* ended at media_finish */
	char t[96];
	media_srtp_text(sa, t, sizeof t);
	assert_string_equal(t, "srtp: decrypted 49, auth failed 0");
	srtp_dealloc(ta);
	srtp_dealloc(tb);
	media_free(m);
}

/* Once a stream's key has proved good, a packet that fails authentication
 * is what the endpoint drops: counted, left out (it is lost).  A wrong
 * key from the start: every packet fails, the clear header still gives
 * the figures.  No a=crypto on RTP/SAVP: "no key". */
static void test_media_auth_failures_and_no_key(void **state)
{
	(void)state;
	uint8_t ka[30], kb[30];
	char ba[64], bb[64], offer[512], answer[512];
	b64_key(ba, ka, 30, 31);
	b64_key(bb, kb, 30, 32);
	snprintf(offer, sizeof offer, "v=0\nc=IN IP4 10.0.0.1\nm=audio 4000 RTP/SAVP 0\n"
	         "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\n", ba);
	snprintf(answer, sizeof answer, "v=0\nc=IN IP4 10.0.0.2\nm=audio 6000 RTP/SAVP 0\n"
	         "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\n", bb);
	struct media *m = media_new();
	feed_sdp(m, 5, offer);
	feed_sdp(m, 5, answer);
	feed_sdp(m, 6, "v=0\nc=IN IP4 10.0.0.3\nm=audio 8000 RTP/SAVP 0\n");
	struct store_endpoint a = ep4(1, 4000), b = ep4(2, 6000), c = ep4(3, 8000), d = ep4(4, 9000);
	srtp_t ta = sender(SDP_SRTP_AES_CM_128_HMAC_SHA1_80, ka, NULL, 0);
	srtp_t wrong = sender(SDP_SRTP_AES_CM_128_HMAC_SHA1_80, ka, NULL, 0); /* b's key is kb */
	_Alignas(8) uint8_t p[300];
	for (unsigned i = 0; i < 20; i++) {
		int len = (int)rtp_packet(p, 0, (uint16_t)i, i * 160, 0x33, 160);
		assert_int_equal(srtp_protect(ta, p, &len), srtp_err_status_ok);
		if (i == 5 || i == 6)
			p[30] ^= 0xff; /* damaged on the way */
		media_udp(m, i + 1, T0 + i * 20000, &a, &b, p, (size_t)len);
		if (i == 8) /* a duplicate: a replay, counted as in plain RTP */
			media_udp(m, i + 1, T0 + i * 20000 + 1, &a, &b, p, (size_t)len);
		len = (int)rtp_packet(p, 0, (uint16_t)i, i * 160, 0x44, 160);
		assert_int_equal(srtp_protect(wrong, p, &len), srtp_err_status_ok);
		media_udp(m, i + 1, T0 + i * 20000, &b, &a, p, (size_t)len);
		len = (int)rtp_packet(p, 0, (uint16_t)i, i * 160, 0x55, 160);
		media_udp(m, i + 1, T0 + i * 20000, &d, &c, p, (size_t)len + 10);
	}
	media_finish(m);
	const struct media_stream *sa = stream_from(m, 4000), *sb = stream_from(m, 6000), *sd = stream_from(m, 9000);
	assert_int_equal(sa->srtp_ok, 18);
	assert_int_equal(sa->srtp_auth_fail, 2);
	assert_int_equal(sa->srtp_replay, 1);
	assert_int_equal(sa->packets, 19); /* 18 + the duplicate */
	assert_int_equal(sa->duplicates, 1);
	assert_int_equal(sa->lost, 1);      /* 20 expected, 19 counted (the duplicate among them) */
	assert_true(sa->problems & MEDIA_P_SRTP_AUTH);
	assert_int_equal(sb->srtp_ok, 0);
	assert_int_equal(sb->srtp_auth_fail, 20);
	assert_int_equal(sb->packets, 20);
	assert_int_equal(sb->lost, 0);
	assert_int_equal(sb->bytes, 20 * 160); /* the tag left out */
	assert_int_equal(sd->srtp, MEDIA_SRTP_NOKEY);
	assert_int_equal(sd->packets, 20);
	char t[96], probs[96];
	media_srtp_text(sd, t, sizeof t);
	assert_string_equal(t, "srtp: no key");
	media_problem_names(sb->problems, probs, sizeof probs);
	assert_string_equal(probs, "srtp-auth");
	assert_int_equal(media_stats(m)->srtp_no_key, 20);
	srtp_dealloc(ta);
	srtp_dealloc(wrong);
	media_free(m);
}

/* A sender behind NAT (it sends from another port than its SDP says):
 * its key comes from the receiver's offer/answer peer.  A re-INVITE
 * with new keys: the stream's session is made again from them. */
static void test_media_nat_sender_and_rekey(void **state)
{
	(void)state;
	uint8_t ka[30], kb[30], ka2[30], kb2[30];
	char ba[64], bb[64], ba2[64], bb2[64], t[512];
	b64_key(ba, ka, 30, 41);
	b64_key(bb, kb, 30, 42);
	b64_key(ba2, ka2, 30, 43);
	b64_key(bb2, kb2, 30, 44);
	struct media *m = media_new();
	snprintf(t, sizeof t, "v=0\nc=IN IP4 10.0.0.1\nm=audio 4000 RTP/SAVP 0\n"
	         "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\n", ba);
	feed_sdp(m, 8, t);
	snprintf(t, sizeof t, "v=0\nc=IN IP4 10.0.0.2\nm=audio 6000 RTP/SAVP 0\n"
	         "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\n", bb);
	feed_sdp(m, 8, t);
	struct store_endpoint a_nat = ep4(1, 4100), b = ep4(2, 6000);
	srtp_t ta = sender(SDP_SRTP_AES_CM_128_HMAC_SHA1_80, ka, NULL, 0);
	_Alignas(8) uint8_t p[300];
	for (unsigned i = 0; i < 10; i++) {
		int len = (int)rtp_packet(p, 0, (uint16_t)i, i * 160, 0x66, 160);
		assert_int_equal(srtp_protect(ta, p, &len), srtp_err_status_ok);
		assert_int_equal(media_udp(m, i + 1, T0 + i * 20000, &a_nat, &b, p, (size_t)len), 1);
	}
	/* the re-INVITE: both sides new keys, the same addresses */
	snprintf(t, sizeof t, "v=0\nc=IN IP4 10.0.0.1\nm=audio 4000 RTP/SAVP 0\n"
	         "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\n", ba2);
	feed_sdp(m, 8, t);
	snprintf(t, sizeof t, "v=0\nc=IN IP4 10.0.0.2\nm=audio 6000 RTP/SAVP 0\n"
	         "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\n", bb2);
	feed_sdp(m, 8, t);
	srtp_t ta2 = sender(SDP_SRTP_AES_CM_128_HMAC_SHA1_80, ka2, NULL, 0);
	for (unsigned i = 10; i < 20; i++) {
		int len = (int)rtp_packet(p, 0, (uint16_t)i, i * 160, 0x66, 160);
		assert_int_equal(srtp_protect(ta2, p, &len), srtp_err_status_ok);
		assert_int_equal(media_udp(m, i + 1, T0 + i * 20000, &a_nat, &b, p, (size_t)len), 1);
	}
	const struct media_stream *s = stream_from(m, 4100);
	assert_non_null(s);
	assert_int_equal(s->h_call_id, 8); /* tied by its destination */
	assert_int_equal(s->srtp, MEDIA_SRTP_KEYED);
	assert_int_equal(s->srtp_ok, 20);
	assert_int_equal(s->srtp_auth_fail, 0);
	srtp_dealloc(ta);
	srtp_dealloc(ta2);
	media_free(m);
}

/* The test's own sender needs libsrtp's crypto kernel; the module under
 * test initialises it too (a second srtp_init() is harmless to it). */
static int group_setup(void **state)
{
	(void)state;
	return srtp_init() == srtp_err_status_ok ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_from_sdp),
		cmocka_unit_test(test_each_suite_decrypts_what_libsrtp_protected),
		cmocka_unit_test(test_auth_failure_and_replay),
		cmocka_unit_test(test_mki),
		cmocka_unit_test(test_media_decrypts_with_the_senders_chosen_key),
		cmocka_unit_test(test_media_auth_failures_and_no_key),
		cmocka_unit_test(test_media_nat_sender_and_rekey),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
