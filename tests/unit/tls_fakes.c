/* tls_fakes.c - TEMPORARY test doubles of tls_rsa_* and tls_cache_*
 * (include/sipscope/tls.h), linked only into test_tls_conn and
 * fuzz_tls_record while src/decode/tls_rsa.c and tls_cache.c are written on
 * another branch.  DELETE this file and its two Makefile lines when those
 * files merge (they define the same symbols).
 *
 * Small but real: the RSA double opens a PKCS#1 v1.5 premaster secret
 * with libcrypto (RFC 5246 7.4.7.1 check), the caches are tiny arrays. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "sipscope/tls.h"

#define FAKE_KEYS 4
#define FAKE_CACHE 16

struct tls_rsa {
	EVP_PKEY *k[FAKE_KEYS];
	size_t n;
};

struct tls_rsa *tls_rsa_new(void)
{
	return calloc(1, sizeof(struct tls_rsa));
}

void tls_rsa_free(struct tls_rsa *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		EVP_PKEY_free(r->k[i]);
	free(r);
}

int tls_rsa_add_pem(struct tls_rsa *r, const char *path, char *err, size_t errlen)
{
	BIO *b = BIO_new_file(path, "r");
	EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	if (!k || !EVP_PKEY_is_a(k, "RSA") || r->n == FAKE_KEYS) {
		EVP_PKEY_free(k);
		if (errlen)
			strncpy(err, "not an RSA key", errlen - 1), err[errlen - 1] = 0;
		return -1;
	}
	r->k[r->n++] = k;
	return 0;
}

size_t tls_rsa_count(const struct tls_rsa *r)
{
	return r->n;
}

int tls_rsa_pms(struct tls_rsa *r, const uint8_t *enc, size_t n, uint16_t client_version, uint8_t pms[48])
{
	for (size_t i = 0; i < r->n; i++) {
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(r->k[i], NULL);
		uint8_t out[1024];
		size_t ol = sizeof out;
		int ok = ctx && EVP_PKEY_decrypt_init(ctx) > 0 && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
			 EVP_PKEY_decrypt(ctx, out, &ol, enc, n) > 0 && ol == 48 && out[0] == client_version >> 8 &&
			 out[1] == (client_version & 0xff);
		EVP_PKEY_CTX_free(ctx);
		if (ok) {
			memcpy(pms, out, 48);
			return 0;
		}
	}
	return -1;
}

struct fake_ent {
	uint8_t id[256];
	size_t len;
	uint8_t ms[48];
};

struct tls_cache {
	struct fake_ent sess[FAKE_CACHE], tick[FAKE_CACHE];
	size_t ns, nt;
};

struct tls_cache *tls_cache_new(void)
{
	return calloc(1, sizeof(struct tls_cache));
}

void tls_cache_free(struct tls_cache *c)
{
	free(c);
}

static void put(struct fake_ent *e, size_t *n, const uint8_t *id, size_t len, const uint8_t ms[48])
{
	if (len > sizeof e->id)
		return;
	struct fake_ent *x = &e[*n % FAKE_CACHE];
	(*n)++;
	memcpy(x->id, id, len);
	x->len = len;
	memcpy(x->ms, ms, 48);
}

static int get(const struct fake_ent *e, size_t n, const uint8_t *id, size_t len, uint8_t ms[48])
{
	for (size_t i = 0; i < n && i < FAKE_CACHE; i++)
		if (e[i].len == len && memcmp(e[i].id, id, len) == 0) {
			memcpy(ms, e[i].ms, 48);
			return 0;
		}
	return -1;
}

void tls_cache_put_session(struct tls_cache *c, const uint8_t *sid, size_t sidlen, const uint8_t ms[48])
{
	put(c->sess, &c->ns, sid, sidlen, ms);
}

int tls_cache_get_session(struct tls_cache *c, const uint8_t *sid, size_t sidlen, uint8_t ms[48])
{
	return get(c->sess, c->ns, sid, sidlen, ms);
}

void tls_cache_put_ticket(struct tls_cache *c, const uint8_t *ticket, size_t n, const uint8_t ms[48])
{
	put(c->tick, &c->nt, ticket, n, ms);
}

int tls_cache_get_ticket(struct tls_cache *c, const uint8_t *ticket, size_t n, uint8_t ms[48])
{
	return get(c->tick, c->nt, ticket, n, ms);
}
