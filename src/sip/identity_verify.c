/* identity_verify.c - PASSporT signatures checked with OpenSSL libcrypto:
 * ES256 (ECDSA P-256 with SHA-256, RFC 7518 3.4) over the token's
 * "header.claims", the JWS signature R||S turned into the DER
 * ECDSA-Sig-Value EVP wants; certificates from files given on the command
 * line, matched to the x5u URL (offline: nothing is fetched), and chained
 * to the --stir-ca anchors at the message's capture time. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "sipscope/identity.h"

#define KEYS_MAX_CERTS 64
#define KEYS_MAX_SIGNERS 64
#define KEYS_MAX_TEXT 512

struct key_cert {
	X509 *leaf;
	STACK_OF(X509) *rest;  /* more certificates of the same file: the chain */
	char url[KEYS_MAX_TEXT];  /* bound x5u, or "" */
	char base[KEYS_MAX_TEXT]; /* the file's base name */
	char file[KEYS_MAX_TEXT];
};

struct identity_keys {
	struct key_cert certs[KEYS_MAX_CERTS];
	size_t ncerts;
	X509_STORE *anchors; /* NULL: no --stir-ca */
	char signers[KEYS_MAX_SIGNERS][64];
	size_t nsigners;
};

struct identity_keys *identity_keys_new(void)
{
	return calloc(1, sizeof(struct identity_keys));
}

void identity_keys_free(struct identity_keys *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->ncerts; i++) {
		X509_free(k->certs[i].leaf);
		sk_X509_pop_free(k->certs[i].rest, X509_free);
	}
	X509_STORE_free(k->anchors);
	free(k);
}

size_t identity_keys_count(const struct identity_keys *k)
{
	return k ? k->ncerts : 0;
}

static void ossl_reason(char *err, size_t n, const char *what, const char *file)
{
	unsigned long e = ERR_get_error();
	char buf[200] = "no certificate in it";
	if (e)
		ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	snprintf(err, n, "%s %s: %s", what, file, buf);
}

int identity_keys_add_cert(struct identity_keys *k, const char *spec, char *err, size_t n)
{
	const char *file = spec, *eq = strchr(spec, '=');
	size_t ulen = 0;
	if (eq && (!strncmp(spec, "http://", 7) || !strncmp(spec, "https://", 8))) {
		file = eq + 1;
		ulen = (size_t)(eq - spec);
	}
	if (!*file) {
		snprintf(err, n, "--stir-cert needs FILE or URL=FILE, not '%s'", spec);
		return -1;
	}
	if (k->ncerts == KEYS_MAX_CERTS) {
		snprintf(err, n, "at most %d --stir-cert", KEYS_MAX_CERTS);
		return -1;
	}
	if (ulen >= KEYS_MAX_TEXT || strlen(file) >= KEYS_MAX_TEXT) {
		snprintf(err, n, "--stir-cert: '%s' is too long", spec);
		return -1;
	}
	FILE *f = fopen(file, "r");
	if (!f) {
		snprintf(err, n, "--stir-cert %s: cannot open it", file);
		return -1;
	}
	struct key_cert *c = &k->certs[k->ncerts];
	memset(c, 0, sizeof *c);
	c->leaf = PEM_read_X509(f, NULL, NULL, NULL);
	if (!c->leaf) {
		fclose(f);
		ossl_reason(err, n, "--stir-cert", file);
		return -1;
	}
	c->rest = sk_X509_new_null();
	X509 *more;
	while (c->rest && (more = PEM_read_X509(f, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(c->rest, more))
			X509_free(more);
	ERR_clear_error(); /* the end of the file reads as an error */
	fclose(f);
	EVP_PKEY *pk = X509_get0_pubkey(c->leaf);
	if (!pk || !EVP_PKEY_is_a(pk, "EC")) {
		X509_free(c->leaf);
		sk_X509_pop_free(c->rest, X509_free);
		snprintf(err, n, "--stir-cert %s: not an EC (P-256) certificate", file);
		return -1;
	}
	memcpy(c->url, spec, ulen);
	c->url[ulen] = '\0';
	strcpy(c->file, file);
	const char *slash = strrchr(file, '/');
	strcpy(c->base, slash ? slash + 1 : file);
	k->ncerts++;
	return 0;
}

int identity_keys_add_ca(struct identity_keys *k, const char *file, char *err, size_t n)
{
	if (!k->anchors && !(k->anchors = X509_STORE_new())) {
		snprintf(err, n, "%s", "--stir-ca: out of memory");
		return -1;
	}
	FILE *f = fopen(file, "r");
	if (!f) {
		snprintf(err, n, "--stir-ca %s: cannot open it", file);
		return -1;
	}
	X509 *x;
	int got = 0;
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		X509_STORE_add_cert(k->anchors, x);
		X509_free(x);
		got++;
	}
	ERR_clear_error();
	fclose(f);
	if (!got) {
		snprintf(err, n, "--stir-ca %s: no PEM certificate in it", file);
		return -1;
	}
	return 0;
}

/* The address part of "IP", "IP:PORT", "[V6]" or "[V6]:PORT". */
static void addr_part(const char *s, char *ip, size_t n)
{
	const char *end;
	if (s[0] == '[') {
		s++;
		end = strchr(s, ']');
	} else {
		end = strchr(s, ':');
		if (end && strchr(end + 1, ':'))
			end = NULL; /* a bare IPv6 address */
	}
	size_t len = end ? (size_t)(end - s) : strlen(s);
	if (len >= n)
		len = n - 1;
	memcpy(ip, s, len);
	ip[len] = '\0';
}

int identity_keys_add_signer(struct identity_keys *k, const char *addr, char *err, size_t n)
{
	char ip[64];
	unsigned char bin[16];
	if (strlen(addr) >= sizeof k->signers[0]) {
		snprintf(err, n, "--stir-signer: '%s' is too long", addr);
		return -1;
	}
	addr_part(addr, ip, sizeof ip);
	if (inet_pton(AF_INET, ip, bin) != 1 && inet_pton(AF_INET6, ip, bin) != 1) {
		snprintf(err, n, "--stir-signer needs IP or IP:PORT ([IPv6]:PORT), not '%s'", addr);
		return -1;
	}
	if (k->nsigners == KEYS_MAX_SIGNERS) {
		snprintf(err, n, "at most %d --stir-signer", KEYS_MAX_SIGNERS);
		return -1;
	}
	strcpy(k->signers[k->nsigners++], addr);
	return 0;
}

int identity_keys_must_sign(const struct identity_keys *k, const char *src)
{
	if (!k || !k->nsigners)
		return 0;
	if (!src)
		return 1; /* "are there any": the caller formats the address only then */
	char ip[64], sip[64];
	addr_part(src, ip, sizeof ip);
	for (size_t i = 0; i < k->nsigners; i++) {
		const char *s = k->signers[i];
		int has_port = s[0] == '[' ? strstr(s, "]:") != NULL
		                           : strchr(s, ':') && !strchr(strchr(s, ':') + 1, ':');
		if (has_port) {
			if (!strcmp(s, src))
				return 1;
		} else {
			addr_part(s, sip, sizeof sip);
			if (!strcmp(sip, ip))
				return 1;
		}
	}
	return 0;
}

/* The certificate for an x5u: one bound to that URL, else one whose file
 * name is the URL's last path segment (query and fragment cut). */
static const struct key_cert *cert_for(const struct identity_keys *k, struct sv x5u)
{
	for (size_t i = 0; i < k->ncerts; i++)
		if (k->certs[i].url[0] && sv_eq(x5u, sv_make(k->certs[i].url, strlen(k->certs[i].url))))
			return &k->certs[i];
	size_t end = x5u.len;
	for (size_t i = 0; i < x5u.len; i++)
		if (x5u.p[i] == '?' || x5u.p[i] == '#') {
			end = i;
			break;
		}
	size_t start = end;
	while (start && x5u.p[start - 1] != '/')
		start--;
	struct sv last = sv_make(x5u.p + start, end - start);
	if (!last.len)
		return NULL;
	for (size_t i = 0; i < k->ncerts; i++)
		if (!k->certs[i].url[0] && sv_eq(last, sv_make(k->certs[i].base, strlen(k->certs[i].base))))
			return &k->certs[i];
	return NULL;
}

/* ES256: R||S (32 + 32 bytes) as DER, verified over the signing input. */
static int es256_verify(EVP_PKEY *pk, const struct identity *id)
{
	int ok = -1;
	unsigned char *der = NULL;
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(id->sig, 32, NULL), *s = BN_bin2bn(id->sig + 32, 32, NULL);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!es || !r || !s || !ctx)
		goto out;
	if (!ECDSA_SIG_set0(es, r, s))
		goto out;
	r = s = NULL; /* es owns them */
	int len = i2d_ECDSA_SIG(es, &der);
	if (len <= 0)
		goto out;
	if (EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pk) != 1)
		goto out;
	ok = EVP_DigestVerify(ctx, der, (size_t)len, (const unsigned char *)id->signing_input.p,
	                      id->signing_input.len) == 1;
out:
	OPENSSL_free(der);
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

__attribute__((format(printf, 3, 4)))
static void say(char *reason, size_t n, const char *fmt, ...)
{
	if (!reason || !n)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, n, fmt, ap);
	va_end(ap);
}

static int clip(struct sv v)
{
	return (int)(v.len > 200 ? 200 : v.len);
}

int identity_verify(const struct identity_keys *k, const struct identity *id, int64_t at_s,
                    char *reason, size_t n)
{
	if (reason && n)
		reason[0] = '\0';
	if (id->compact) {
		say(reason, n, "compact PASSporT: its claims are not carried");
		return IDENTITY_UNVERIFIED;
	}
	if (!sv_is_set(id->x5u)) {
		say(reason, n, "no x5u in the PASSporT header");
		return IDENTITY_UNVERIFIED;
	}
	const struct key_cert *c = k ? cert_for(k, id->x5u) : NULL;
	if (!c) {
		say(reason, n, "no certificate for x5u %.*s (--stir-cert)", clip(id->x5u), id->x5u.p);
		return IDENTITY_UNVERIFIED;
	}
	if (!sv_eq(id->alg, sv_make("ES256", 5))) {
		say(reason, n, "alg %.*s is not ES256", clip(id->alg), id->alg.p ? id->alg.p : "");
		return IDENTITY_BAD;
	}
	if (id->sig_len != 64) {
		say(reason, n, "the signature is %zu bytes, ES256 has 64", id->sig_len);
		return IDENTITY_BAD;
	}
	int ok = es256_verify(X509_get0_pubkey(c->leaf), id);
	if (ok < 0) {
		say(reason, n, "cannot verify (libcrypto failed)");
		return IDENTITY_UNVERIFIED;
	}
	if (!ok) {
		say(reason, n, "the signature does not verify with %s", c->file);
		return IDENTITY_BAD;
	}
	if (k->anchors) {
		X509_STORE_CTX *x = X509_STORE_CTX_new();
		if (!x || X509_STORE_CTX_init(x, k->anchors, c->leaf, c->rest) != 1) {
			X509_STORE_CTX_free(x);
			say(reason, n, "cannot check the chain (libcrypto failed)");
			return IDENTITY_UNVERIFIED;
		}
		X509_STORE_CTX_set_time(x, 0, (time_t)at_s);
		int good = X509_verify_cert(x) == 1;
		const char *e = good ? NULL : X509_verify_cert_error_string(X509_STORE_CTX_get_error(x));
		X509_STORE_CTX_free(x);
		ERR_clear_error();
		if (!good) {
			say(reason, n, "the certificate %s does not chain to --stir-ca: %s", c->file,
			    e ? e : "no path");
			return IDENTITY_BAD;
		}
	}
	say(reason, n, "signed by %s", c->file);
	return IDENTITY_GOOD;
}

int identity_check(struct sv value, const struct identity_keys *k, int64_t at_s, struct identity *id,
                   int *decoded, char *reason, size_t n)
{
	const char *why;
	int ok = identity_parse(value, id, &why) == 0;
	if (decoded)
		*decoded = ok;
	if (!ok) {
		say(reason, n, "the Identity header does not decode: %s", why);
		return IDENTITY_BAD;
	}
	return identity_verify(k, id, at_s, reason, n);
}

struct identity_keys *identity_keys_default(void)
{
	/* static, not made on first use: threads (the checker, the viewer)
	 * may ask first at the same time */
	static struct identity_keys keys;
	return &keys;
}
