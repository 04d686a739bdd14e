/* tls_crypto.c - the TLS primitives on OpenSSL 3 libcrypto (with
 * tls_rsa.c, the only files of sipscope that include OpenSSL): the TLS 1.2
 * PRF and what is derived from it, TLS 1.3 HKDF-Expand-Label, and opening
 * AEAD and CBC records with the nonce, AAD and MAC rules of RFC 5246, 5288,
 * 7905, 7366 and 8446 (tls-design.md 5).  EVP objects are fetched once
 * (struct tls_crypto); a record cipher is keyed once per direction and
 * epoch, and opening a record allocates nothing. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "sipscope/tls.h"

struct tls_crypto {
	EVP_KDF *prf, *hkdf;
	EVP_MAC *hmac;
	EVP_CIPHER *cipher[5]; /* by enum tls_cipher_alg */
};

struct tls_cipher {
	const struct tls_suite *s;
	int tls13, etm;
	EVP_CIPHER_CTX *ctx;
	EVP_MAC_CTX *mac; /* CBC: keyed once, re-initialised per record */
	uint8_t iv[12];
};

static const char *const CIPHER_NAMES[5] = {"AES-128-GCM", "AES-256-GCM", "ChaCha20-Poly1305", "AES-128-CBC",
					    "AES-256-CBC"};

void tls_cleanse(void *p, size_t n)
{
	OPENSSL_cleanse(p, n);
}

static const char *digest_name(int hash)
{
	switch (hash) {
	case TLS_HASH_SHA1:
		return "SHA1";
	case TLS_HASH_SHA256:
		return "SHA256";
	case TLS_HASH_SHA384:
		return "SHA384";
	}
	return NULL;
}

static size_t hash_len(int hash)
{
	return hash == TLS_HASH_SHA384 ? 48 : hash == TLS_HASH_SHA256 ? 32 : hash == TLS_HASH_SHA1 ? 20 : 0;
}

size_t tls_digest(struct tls_crypto *c, int hash, const uint8_t *data, size_t n, uint8_t *out)
{
	(void)c;
	const EVP_MD *md = hash == TLS_HASH_SHA384 ? EVP_sha384() : hash == TLS_HASH_SHA256 ? EVP_sha256() : NULL;
	unsigned int len = 0;
	if (!md || !EVP_Digest(data, n, out, &len, md, NULL))
		return 0;
	return len;
}

struct tls_crypto *tls_crypto_new(void)
{
	struct tls_crypto *c = OPENSSL_zalloc(sizeof *c);
	if (!c)
		return NULL;
	c->prf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_TLS1_PRF, NULL);
	c->hkdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_HKDF, NULL);
	c->hmac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	int ok = c->prf && c->hkdf && c->hmac;
	for (int i = 0; i < 5; i++)
		ok &= (c->cipher[i] = EVP_CIPHER_fetch(NULL, CIPHER_NAMES[i], NULL)) != NULL;
	if (!ok) {
		tls_crypto_free(c);
		return NULL;
	}
	return c;
}

void tls_crypto_free(struct tls_crypto *c)
{
	if (!c)
		return;
	EVP_KDF_free(c->prf);
	EVP_KDF_free(c->hkdf);
	EVP_MAC_free(c->hmac);
	for (int i = 0; i < 5; i++)
		EVP_CIPHER_free(c->cipher[i]);
	OPENSSL_free(c);
}

/* ---- TLS 1.2 ---- */

int tls12_prf(struct tls_crypto *c, int hash, const uint8_t *secret, size_t slen, const char *label,
	      const uint8_t *seed, size_t seedlen, uint8_t *out, size_t outlen)
{
	const char *md = digest_name(hash);
	size_t ll = strlen(label);
	uint8_t ls[1024]; /* label || seed, the PRF's one seed */
	if (!md || hash == TLS_HASH_SHA1 || ll + seedlen > sizeof ls || outlen == 0)
		return -1;
	memcpy(ls, label, ll);
	if (seedlen)
		memcpy(ls + ll, seed, seedlen);
	EVP_KDF_CTX *k = EVP_KDF_CTX_new(c->prf);
	if (!k)
		return -1;
	OSSL_PARAM p[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, slen),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, ls, ll + seedlen),
		OSSL_PARAM_construct_end(),
	};
	int rc = EVP_KDF_derive(k, out, outlen, p) > 0 ? 0 : -1;
	EVP_KDF_CTX_free(k);
	OPENSSL_cleanse(ls, ll + seedlen);
	return rc;
}

int tls12_master_secret(struct tls_crypto *c, int hash, const uint8_t *pms, size_t pmslen,
			const uint8_t cr[32], const uint8_t sr[32], uint8_t ms[48])
{
	uint8_t seed[64];
	memcpy(seed, cr, 32);
	memcpy(seed + 32, sr, 32);
	return tls12_prf(c, hash, pms, pmslen, "master secret", seed, 64, ms, 48);
}

int tls12_ems_master_secret(struct tls_crypto *c, int hash, const uint8_t *pms, size_t pmslen,
			    const uint8_t *session_hash, size_t hlen, uint8_t ms[48])
{
	return tls12_prf(c, hash, pms, pmslen, "extended master secret", session_hash, hlen, ms, 48);
}

int tls12_key_block(struct tls_crypto *c, int hash, const uint8_t ms[48], const uint8_t cr[32],
		    const uint8_t sr[32], uint8_t *out, size_t outlen)
{
	uint8_t seed[64]; /* server_random first (RFC 5246 6.3), unlike the master secret */
	memcpy(seed, sr, 32);
	memcpy(seed + 32, cr, 32);
	return tls12_prf(c, hash, ms, 48, "key expansion", seed, 64, out, outlen);
}

/* ---- TLS 1.3 ---- */

int tls13_hkdf_expand_label(struct tls_crypto *c, int hash, const uint8_t *secret, size_t slen,
			    const char *label, const uint8_t *ctx, size_t ctxlen, uint8_t *out, size_t outlen)
{
	const char *md = digest_name(hash);
	size_t ll = strlen(label);
	/* HkdfLabel: u16 length, u8 len + "tls13 " label, u8 len + context */
	uint8_t info[2 + 1 + 255 + 1 + 255];
	if (!md || hash == TLS_HASH_SHA1 || 6 + ll > 255 || ctxlen > 255 || outlen == 0 || outlen > 0xffff)
		return -1;
	size_t n = 0;
	info[n++] = (uint8_t)(outlen >> 8);
	info[n++] = (uint8_t)outlen;
	info[n++] = (uint8_t)(6 + ll);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, ll);
	n += ll;
	info[n++] = (uint8_t)ctxlen;
	if (ctxlen)
		memcpy(info + n, ctx, ctxlen);
	n += ctxlen;
	EVP_KDF_CTX *k = EVP_KDF_CTX_new(c->hkdf);
	if (!k)
		return -1;
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM p[] = {
		OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, slen),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n),
		OSSL_PARAM_construct_end(),
	};
	int rc = EVP_KDF_derive(k, out, outlen, p) > 0 ? 0 : -1;
	EVP_KDF_CTX_free(k);
	return rc;
}

int tls13_traffic_keys(struct tls_crypto *c, const struct tls_suite *s, const uint8_t *secret, size_t slen,
		       uint8_t *key, uint8_t iv[12])
{
	if (!s->tls13 || slen != hash_len(s->prf_hash))
		return -1; /* a secret of the wrong hash gives wrong keys silently (design 9.8) */
	if (tls13_hkdf_expand_label(c, s->prf_hash, secret, slen, "key", NULL, 0, key, s->key_len) != 0)
		return -1;
	return tls13_hkdf_expand_label(c, s->prf_hash, secret, slen, "iv", NULL, 0, iv, 12);
}

int tls13_next_secret(struct tls_crypto *c, int hash, const uint8_t *secret, size_t slen, uint8_t *next)
{
	return tls13_hkdf_expand_label(c, hash, secret, slen, "traffic upd", NULL, 0, next, slen);
}

/* ---- records ---- */

static int is_cbc(int alg)
{
	return alg == TLS_AES_128_CBC || alg == TLS_AES_256_CBC;
}

struct tls_cipher *tls_cipher_new(struct tls_crypto *c, const struct tls_suite *s, int version,
				  const uint8_t *key, const uint8_t *iv, const uint8_t *mac_key, int etm)
{
	int v13 = version == 0x0304;
	if ((v13 && !s->tls13) || (!v13 && (s->tls13 || version != 0x0303)) || s->cipher >= 5)
		return NULL;
	struct tls_cipher *t = OPENSSL_zalloc(sizeof *t);
	if (!t)
		return NULL;
	t->s = s;
	t->tls13 = v13;
	t->etm = is_cbc(s->cipher) && etm;
	if (s->fixed_iv_len && iv)
		memcpy(t->iv, iv, s->fixed_iv_len);
	t->ctx = EVP_CIPHER_CTX_new();
	if (!t->ctx || !EVP_DecryptInit_ex2(t->ctx, c->cipher[s->cipher], key, NULL, NULL))
		goto fail;
	if (is_cbc(s->cipher)) {
		EVP_CIPHER_CTX_set_padding(t->ctx, 0); /* TLS padding is checked here, it is not PKCS#7 */
		OSSL_PARAM p[] = {
			OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest_name(s->mac), 0),
			OSSL_PARAM_construct_end(),
		};
		if (!mac_key || !(t->mac = EVP_MAC_CTX_new(c->hmac)) || !EVP_MAC_init(t->mac, mac_key, s->mac_len, p))
			goto fail;
	}
	return t;
fail:
	tls_cipher_free(t);
	return NULL;
}

void tls_cipher_free(struct tls_cipher *t)
{
	if (!t)
		return;
	EVP_CIPHER_CTX_free(t->ctx); /* clears the key schedule */
	EVP_MAC_CTX_free(t->mac);
	OPENSSL_clear_free(t, sizeof *t);
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* AEAD: nonce and AAD built by the caller; ct of ctlen then a 16-byte tag. */
static long aead_open(struct tls_cipher *t, const uint8_t nonce[12], const uint8_t *aad, size_t aadlen,
		      const uint8_t *ct, size_t ctlen, uint8_t *out)
{
	int l, f;
	if (!EVP_DecryptInit_ex2(t->ctx, NULL, NULL, nonce, NULL) ||
	    !EVP_DecryptUpdate(t->ctx, NULL, &l, aad, (int)aadlen))
		return -1;
	if (ctlen && !EVP_DecryptUpdate(t->ctx, out, &l, ct, (int)ctlen))
		return -1;
	if (!EVP_CIPHER_CTX_ctrl(t->ctx, EVP_CTRL_AEAD_SET_TAG, TLS_AEAD_TAG_LEN, (void *)(ct + ctlen)))
		return -1;
	if (EVP_DecryptFinal_ex(t->ctx, out + ctlen, &f) <= 0)
		return -1;
	return (long)ctlen;
}

/* HMAC over seq || type || version || u16 len || data (RFC 5246 6.2.3.1),
 * compared in constant time with mac. */
static int mac_ok(struct tls_cipher *t, uint64_t seq, const uint8_t hdr[5], const uint8_t *data, size_t len,
		  const uint8_t *mac)
{
	uint8_t pre[13], got[EVP_MAX_MD_SIZE];
	size_t gl = 0;
	put_u64(pre, seq);
	pre[8] = hdr[0], pre[9] = hdr[1], pre[10] = hdr[2];
	pre[11] = (uint8_t)(len >> 8), pre[12] = (uint8_t)len;
	if (!EVP_MAC_init(t->mac, NULL, 0, NULL) || !EVP_MAC_update(t->mac, pre, 13) ||
	    (len && !EVP_MAC_update(t->mac, data, len)) || !EVP_MAC_final(t->mac, got, &gl, sizeof got) ||
	    gl != t->s->mac_len)
		return 0;
	return CRYPTO_memcmp(got, mac, gl) == 0;
}

static int cbc_decrypt(struct tls_cipher *t, const uint8_t *iv, const uint8_t *ct, size_t n, uint8_t *out)
{
	int l;
	if (!EVP_DecryptInit_ex2(t->ctx, NULL, NULL, iv, NULL))
		return -1;
	EVP_CIPHER_CTX_set_padding(t->ctx, 0);
	if (!EVP_DecryptUpdate(t->ctx, out, &l, ct, (int)n) || (size_t)l != n)
		return -1;
	return 0;
}

/* TLS padding (RFC 5246 6.2.3.2): the last byte p, and p more bytes equal
 * to p before it.  Returns the length without padding, or -1. */
static long cbc_unpad(const uint8_t *pt, size_t n)
{
	if (n == 0)
		return -1;
	size_t p = pt[n - 1];
	if (p + 1 > n)
		return -1;
	uint8_t diff = 0;
	for (size_t i = n - 1 - p; i < n - 1; i++)
		diff |= (uint8_t)(pt[i] ^ p);
	return diff ? -1 : (long)(n - 1 - p);
}

static long cbc_open(struct tls_cipher *t, uint64_t seq, const uint8_t hdr[5], const uint8_t *frag, size_t n,
		     uint8_t *out)
{
	size_t ml = t->s->mac_len;
	if (t->etm) {
		/* IV || ct || MAC, the MAC over IV || ct, checked before decrypting (RFC 7366 3) */
		if (n < 16 + 16 + ml || (n - ml) % 16)
			return -1;
		if (!mac_ok(t, seq, hdr, frag, n - ml, frag + n - ml))
			return -1;
		size_t ctl = n - ml - 16;
		if (cbc_decrypt(t, frag, frag + 16, ctl, out) != 0)
			return -1;
		return cbc_unpad(out, ctl);
	}
	/* MAC-then-encrypt: IV || E(content || MAC || padding) */
	if (n < 16 + 16 || n % 16 || n - 16 < ml + 1)
		return -1;
	size_t ctl = n - 16;
	if (cbc_decrypt(t, frag, frag + 16, ctl, out) != 0)
		return -1;
	long un = cbc_unpad(out, ctl);
	if (un < 0 || (size_t)un < ml)
		return -1;
	size_t cl = (size_t)un - ml;
	return mac_ok(t, seq, hdr, out, cl, out + cl) ? (long)cl : -1;
}

long tls_cipher_open(struct tls_cipher *t, uint64_t seq, const uint8_t hdr[5], const uint8_t *frag, size_t n,
		     uint8_t *out, uint8_t *type)
{
	if (n > (1u << 14) + 2048)
		return -1;
	*type = hdr[0];
	if (is_cbc(t->s->cipher))
		return cbc_open(t, seq, hdr, frag, n, out);

	uint8_t nonce[12], aad[13];
	const uint8_t *ct = frag;
	size_t explicit = t->s->record_iv_len; /* 8 for TLS 1.2 GCM, else 0 */
	if (n < explicit + TLS_AEAD_TAG_LEN)
		return -1;
	size_t ctlen = n - explicit - TLS_AEAD_TAG_LEN;
	if (explicit) {
		/* RFC 5288 3: salt from the key block || the record's explicit nonce */
		memcpy(nonce, t->iv, 4);
		memcpy(nonce + 4, frag, 8);
		ct = frag + 8;
	} else {
		/* RFC 8446 5.3, RFC 7905 2: iv XOR the left-padded seq */
		memcpy(nonce, t->iv, 12);
		for (int i = 0; i < 8; i++)
			nonce[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
	}
	if (t->tls13) {
		/* AAD = the header as received (its length includes the tag) */
		long l = aead_open(t, nonce, hdr, 5, ct, ctlen, out);
		if (l < 0)
			return -1;
		while (l > 0 && out[l - 1] == 0)
			l--;
		if (l == 0)
			return -1; /* no content type: a malformed record (RFC 8446 5.4) */
		*type = out[--l];
		return l;
	}
	/* TLS 1.2: AAD = seq || type || version || u16 plaintext length */
	put_u64(aad, seq);
	aad[8] = hdr[0], aad[9] = hdr[1], aad[10] = hdr[2];
	aad[11] = (uint8_t)(ctlen >> 8), aad[12] = (uint8_t)ctlen;
	return aead_open(t, nonce, aad, 13, ct, ctlen, out);
}

long tls_cipher_open_unverified(struct tls_cipher *t, const uint8_t hdr[5], const uint8_t *frag, size_t n,
				uint8_t *out, uint8_t *type)
{
	if (!is_cbc(t->s->cipher) || n > (1u << 14) + 2048)
		return -1;
	*type = hdr[0];
	size_t ml = t->s->mac_len;
	if (t->etm) {
		if (n < 16 + 16 + ml || (n - ml) % 16 || cbc_decrypt(t, frag, frag + 16, n - ml - 16, out) != 0)
			return -1;
		return cbc_unpad(out, n - ml - 16);
	}
	if (n < 16 + 16 || n % 16 || n - 16 < ml + 1 || cbc_decrypt(t, frag, frag + 16, n - 16, out) != 0)
		return -1;
	long un = cbc_unpad(out, n - 16);
	return un < 0 || (size_t)un < ml ? -1 : un - (long)ml;
}
