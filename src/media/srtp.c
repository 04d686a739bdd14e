/* srtp.c - SRTP/SRTCP receive sessions on libsrtp2, see
 * include/sipscope/srtp.h. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <srtp2/srtp.h>

#include "sipscope/base64.h"
#include "sipscope/srtp.h"

struct srtp_rx {
	srtp_t ctx;
	int mki;  /* packets carry an MKI */
};

size_t srtp_rx_key_len(enum sdp_srtp_suite suite)
{
	switch (suite) {
	case SDP_SRTP_AES_CM_128_HMAC_SHA1_80:
	case SDP_SRTP_AES_CM_128_HMAC_SHA1_32: return SRTP_AES_ICM_128_KEY_LEN_WSALT;
	case SDP_SRTP_AES_256_CM_HMAC_SHA1_80: return SRTP_AES_ICM_256_KEY_LEN_WSALT;
	case SDP_SRTP_AEAD_AES_128_GCM: return SRTP_AES_GCM_128_KEY_LEN_WSALT;
	case SDP_SRTP_AEAD_AES_256_GCM: return SRTP_AES_GCM_256_KEY_LEN_WSALT;
	case SDP_SRTP_UNKNOWN: break;
	}
	return 0;
}

void srtp_rx_key_wipe(struct srtp_rx_key *k)
{
	OPENSSL_cleanse(k, sizeof *k);
}

int srtp_rx_key_from_sdp(const struct sdp_crypto *c, struct srtp_rx_key *out)
{
	memset(out, 0, sizeof *out);
	out->suite = c->suite;
	size_t want = srtp_rx_key_len((enum sdp_srtp_suite)c->suite);
	if (!want || !sv_is_set(c->key))
		return -1;
	uint8_t buf[SRTP_RX_KEY_MAX + 3];
	int n = (int)base64_decode(c->key, buf, sizeof buf, 0);
	if (n == (int)want) {
		memcpy(out->key, buf, want);
		out->len = (uint8_t)want;
		out->mki = c->mki;
		out->mki_len = c->mki_len;
	}
	OPENSSL_cleanse(buf, sizeof buf);
	return out->len ? 0 : -1;
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* libsrtp's crypto kernel, once.  The program may have initialised it
 * already (a second srtp_init() reports an error then): the result is not
 * kept; a kernel that does not work makes srtp_create() fail. */
static void srtp_rx_init(void)
{
	(void)srtp_init();
}

/* RFC 4568 6.2: the _32 suite tags SRTP with 32 bits but SRTCP with 80;
 * RFC 7714 14.2: the AEAD suites have a 16-byte tag. */
static int set_policy(srtp_policy_t *p, enum sdp_srtp_suite suite)
{
	switch (suite) {
	case SDP_SRTP_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
		return 0;
	case SDP_SRTP_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
		return 0;
	case SDP_SRTP_AES_256_CM_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtcp);
		return 0;
	case SDP_SRTP_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
		return 0;
	case SDP_SRTP_AEAD_AES_256_GCM:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtcp);
		return 0;
	case SDP_SRTP_UNKNOWN: break;
	}
	return -1;
}

struct srtp_rx *srtp_rx_new(const struct srtp_rx_key *k)
{
	pthread_once(&init_once, srtp_rx_init);
	if (!k->len || k->len != srtp_rx_key_len((enum sdp_srtp_suite)k->suite))
		return NULL;
	struct srtp_rx *rx = calloc(1, sizeof *rx);
	if (!rx)
		return NULL;
	srtp_policy_t p;
	memset(&p, 0, sizeof p);
	if (set_policy(&p, (enum sdp_srtp_suite)k->suite) < 0) {
		free(rx);
		return NULL;
	}
	/* libsrtp reads the key past its length for some suites (it takes
	 * SRTP_MAX_KEY_LEN-sized buffers): a full-sized copy. */
	unsigned char key[SRTP_MAX_KEY_LEN], mki_id[SRTP_MAX_MKI_LEN];
	memset(key, 0, sizeof key);
	memcpy(key, k->key, k->len);
	srtp_master_key_t mk, *mks[1] = { &mk };
	p.ssrc.type = ssrc_any_inbound;
	p.window_size = SRTP_RX_WINDOW;
	if (k->mki_len) {
		memset(mki_id, 0, sizeof mki_id);
		for (unsigned i = 0; i < 4 && i < k->mki_len; i++)
			mki_id[k->mki_len - 1 - i] = (unsigned char)(k->mki >> (8 * i));
		mk.key = key;
		mk.mki_id = mki_id;
		mk.mki_size = k->mki_len;
		p.keys = mks;
		p.num_master_keys = 1;
		rx->mki = 1;
	} else {
		p.key = key;
	}
	srtp_err_status_t rc = srtp_create(&rx->ctx, &p);
	OPENSSL_cleanse(key, sizeof key);
	if (rc != srtp_err_status_ok) {
		free(rx);
		return NULL;
	}
	return rx;
}

void srtp_rx_free(struct srtp_rx *rx)
{
	if (!rx)
		return;
	srtp_dealloc(rx->ctx);
	OPENSSL_cleanse(rx, sizeof *rx);
	free(rx);
}

static enum srtp_rx_result result(srtp_err_status_t rc)
{
	if (rc == srtp_err_status_ok)
		return SRTP_RX_OK;
	if (rc == srtp_err_status_replay_fail || rc == srtp_err_status_replay_old)
		return SRTP_RX_REPLAY;
	return SRTP_RX_AUTH_FAIL;
}

enum srtp_rx_result srtp_rx_rtp(struct srtp_rx *rx, uint8_t *p, size_t *len)
{
	if (*len < 12 || *len > 65535)
		return SRTP_RX_AUTH_FAIL;
	int n = (int)*len;
	enum srtp_rx_result r = result(srtp_unprotect_mki(rx->ctx, p, &n, (unsigned)rx->mki));
	if (r == SRTP_RX_OK)
		*len = (size_t)n;
	return r;
}

enum srtp_rx_result srtp_rx_rtcp(struct srtp_rx *rx, uint8_t *p, size_t *len)
{
	if (*len < 8 || *len > 65535)
		return SRTP_RX_AUTH_FAIL;
	int n = (int)*len;
	enum srtp_rx_result r = result(srtp_unprotect_rtcp_mki(rx->ctx, p, &n, (unsigned)rx->mki));
	if (r == SRTP_RX_OK)
		*len = (size_t)n;
	return r;
}
