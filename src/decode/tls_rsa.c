/* tls_rsa.c - the private keys of --tls-key, and opening the premaster
 * secret of a TLS 1.2 RSA key exchange with them (RFC 5246 7.4.7.1,
 * tls-design.md 3 and 5 "RSA").  With tls_crypto.c, the only files that
 * include OpenSSL.  Keys are read without a passphrase: an encrypted key
 * fails with an error text, it never prompts on the terminal. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "sipscope/tls.h"

struct tls_rsa {
	EVP_PKEY *key[TLS_RSA_MAX_KEYS];
	size_t n;
};

struct tls_rsa *tls_rsa_new(void)
{
	return OPENSSL_zalloc(sizeof(struct tls_rsa));
}

void tls_rsa_free(struct tls_rsa *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		EVP_PKEY_free(r->key[i]);
	OPENSSL_free(r);
}

size_t tls_rsa_count(const struct tls_rsa *r)
{
	return r->n;
}

/* The passphrase callback: none is given, so an encrypted key fails here
 * (OpenSSL's default callback would prompt on the terminal).  It notes
 * that it was asked, to tell "encrypted" apart from "not a key". */
static int no_passphrase(char *buf, int size, int rwflag, void *asked)
{
	(void)buf, (void)size, (void)rwflag;
	*(int *)asked = 1;
	return -1;
}

int tls_rsa_add_pem(struct tls_rsa *r, const char *path, char *err, size_t errlen)
{
	if (r->n >= TLS_RSA_MAX_KEYS) {
		snprintf(err, errlen, "%s: too many keys (at most %u)", path, TLS_RSA_MAX_KEYS);
		return -1;
	}
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	BIO *bio = BIO_new_fp(f, BIO_CLOSE);
	if (!bio) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	int asked = 0;
	EVP_PKEY *pk = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, &asked);
	BIO_free(bio);
	ERR_clear_error(); /* what failed is said in err; leave no queue behind */
	if (!pk) {
		if (asked)
			snprintf(err, errlen,
				 "%s: the private key is encrypted (passphrases are not supported: "
				 "decrypt it first, e.g. openssl pkey -in KEY -out PLAIN)",
				 path);
		else
			snprintf(err, errlen, "%s: not a PEM private key", path);
		return -1;
	}
	if (!EVP_PKEY_is_a(pk, "RSA")) {
		const char *type = EVP_PKEY_get0_type_name(pk);
		snprintf(err, errlen, "%s: not an RSA key (%s): only RSA key exchange can be decrypted with a key",
			 path, type ? type : "unknown type");
		EVP_PKEY_free(pk);
		return -1;
	}
	for (size_t i = 0; i < r->n; i++)
		if (EVP_PKEY_eq(r->key[i], pk) == 1) {
			EVP_PKEY_free(pk); /* the same key twice: keep one */
			return 0;
		}
	r->key[r->n++] = pk;
	return 0;
}

/* One key's PKCS#1 v1.5 decryption of enc into out (cap bytes): the
 * length, or 0 when the padding does not check or the key does not fit. */
static size_t rsa_decrypt(EVP_PKEY *pk, const uint8_t *enc, size_t n, uint8_t *out, size_t cap)
{
	size_t outlen = cap;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk, NULL);
	int ok = ctx && EVP_PKEY_decrypt_init(ctx) > 0 && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0;
#ifdef OSSL_ASYM_CIPHER_PARAM_IMPLICIT_REJECTION
	/* OpenSSL >= 3.2 answers bad padding with random bytes (a defence for
	 * servers); a passive decoder needs to know the key did not fit. */
	if (ok) {
		unsigned int zero = 0;
		OSSL_PARAM p[2] = {OSSL_PARAM_construct_uint(OSSL_ASYM_CIPHER_PARAM_IMPLICIT_REJECTION, &zero),
				   OSSL_PARAM_construct_end()};
		ok = EVP_PKEY_CTX_set_params(ctx, p) > 0;
	}
#endif
	ok = ok && EVP_PKEY_decrypt(ctx, out, &outlen, enc, n) > 0;
	EVP_PKEY_CTX_free(ctx);
	return ok ? outlen : 0;
}

int tls_rsa_pms(struct tls_rsa *r, const uint8_t *enc, size_t n, uint16_t client_version, uint8_t pms[48])
{
	uint8_t out[2048]; /* a 16384-bit modulus */
	if (!r || !n)
		return -1;
	for (size_t i = 0; i < r->n; i++) {
		if ((size_t)EVP_PKEY_get_size(r->key[i]) > sizeof out || n > (size_t)EVP_PKEY_get_size(r->key[i]))
			continue;
		size_t len = rsa_decrypt(r->key[i], enc, n, out, sizeof out);
		/* RFC 5246 7.4.7.1: PreMasterSecret = client_version(2) || random(46) */
		if (len == 48 && out[0] == client_version >> 8 && out[1] == (client_version & 0xff)) {
			memcpy(pms, out, 48);
			OPENSSL_cleanse(out, sizeof out);
			ERR_clear_error(); /* the keys tried before this one */
			return 0;
		}
	}
	OPENSSL_cleanse(out, sizeof out);
	ERR_clear_error();
	return -1;
}
