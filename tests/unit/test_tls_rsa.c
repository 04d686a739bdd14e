/* test_tls_rsa.c - issue 21: the --tls-key RSA keys (tls_rsa.c), the
 * session-id and ticket caches (tls_cache.c), the key log export
 * (tls_keys_export) and the legacy premaster-secret key log lines.
 *
 * Oracles: keys are generated here with libcrypto and the premaster
 * secrets encrypted with libcrypto directly (EVP_PKEY_encrypt, PKCS#1
 * v1.5), so nothing expected comes from the code under test.  The export's
 * expected text is written out here; its round trip goes through the key
 * log parser.
 *
 * Run with stdin closed and no terminal (setsid ... </dev/null): the
 * encrypted-key tests then show that no passphrase is asked for; the error
 * text says our callback was called instead of OpenSSL's prompt. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "sipscope/tls.h"

/* ---- helpers ---- */

struct keys {
	EVP_PKEY *rsa1, *rsa2, *ec;
	char dir[64];
	char rsa1_pem[96], rsa2_pem[96], ec_pem[96];
};

static void pem_path(struct keys *k, char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", k->dir, name);
}

/* Write pk as PEM to path: cipher NULL = in the clear; traditional = the
 * old "BEGIN RSA PRIVATE KEY" form (Proc-Type header when encrypted),
 * else PKCS#8. */
static int write_pem(EVP_PKEY *pk, const char *path, const EVP_CIPHER *cipher, int traditional, const char *prefix)
{
	BIO *b = BIO_new_file(path, "w");
	if (!b)
		return -1;
	int ok = 1;
	if (prefix)
		ok = BIO_puts(b, prefix) > 0;
	static unsigned char pass[] = "sipscope";
	if (ok && traditional)
		ok = PEM_write_bio_PrivateKey_traditional(b, pk, cipher, cipher ? pass : NULL, cipher ? 8 : 0, NULL,
							  NULL) == 1;
	else if (ok)
		ok = PEM_write_bio_PrivateKey(b, pk, cipher, cipher ? pass : NULL, cipher ? 8 : 0, NULL, NULL) == 1;
	BIO_free(b);
	return ok ? 0 : -1;
}

static int keys_setup(void **state)
{
	struct keys *k = calloc(1, sizeof *k);
	if (!k)
		return -1;
	*state = k;
	snprintf(k->dir, sizeof k->dir, "/tmp/sipscope-tls-rsa-XXXXXX");
	if (!mkdtemp(k->dir))
		return -1;
	k->rsa1 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	k->rsa2 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	k->ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!k->rsa1 || !k->rsa2 || !k->ec)
		return -1;
	pem_path(k, k->rsa1_pem, sizeof k->rsa1_pem, "rsa1.pem");
	pem_path(k, k->rsa2_pem, sizeof k->rsa2_pem, "rsa2.pem");
	pem_path(k, k->ec_pem, sizeof k->ec_pem, "ec.pem");
	if (write_pem(k->rsa1, k->rsa1_pem, NULL, 0, NULL) || write_pem(k->rsa2, k->rsa2_pem, NULL, 1, NULL) ||
	    write_pem(k->ec, k->ec_pem, NULL, 0, NULL))
		return -1;
	return 0;
}

static int keys_teardown(void **state)
{
	struct keys *k = *state;
	if (!k)
		return 0;
	EVP_PKEY_free(k->rsa1);
	EVP_PKEY_free(k->rsa2);
	EVP_PKEY_free(k->ec);
	DIR *d = k->dir[0] ? opendir(k->dir) : NULL;
	if (d) {
		struct dirent *de;
		char path[sizeof k->dir + 260];
		while ((de = readdir(d)))
			if (de->d_name[0] != '.') {
				snprintf(path, sizeof path, "%s/%s", k->dir, de->d_name);
				unlink(path);
			}
		closedir(d);
		rmdir(k->dir);
	}
	free(k);
	return 0;
}

/* RSA-encrypt n bytes of pt with pk (PKCS#1 v1.5, as a TLS client does
 * for its ClientKeyExchange).  Returns the ciphertext length. */
static size_t encrypt(EVP_PKEY *pk, const uint8_t *pt, size_t n, uint8_t *out, size_t cap)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk, NULL);
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_encrypt_init(ctx), 1);
	assert_true(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0);
	size_t outlen = cap;
	assert_int_equal(EVP_PKEY_encrypt(ctx, out, &outlen, pt, n), 1);
	EVP_PKEY_CTX_free(ctx);
	return outlen;
}

/* A premaster secret: client_version, then 46 bytes. */
static void make_pms(uint8_t pms[48], uint16_t version, uint8_t seed)
{
	pms[0] = (uint8_t)(version >> 8);
	pms[1] = (uint8_t)version;
	for (int i = 2; i < 48; i++)
		pms[i] = (uint8_t)(seed + i * 7);
}

/* ---- RSA ---- */

static void test_rsa_opens_pms_with_its_key(void **state)
{
	struct keys *k = *state;
	struct tls_rsa *r = tls_rsa_new();
	assert_non_null(r);
	char err[512] = "";
	assert_int_equal(tls_rsa_add_pem(r, k->rsa1_pem, err, sizeof err), 0);
	assert_int_equal(tls_rsa_count(r), 1);

	uint8_t pms[48], enc[512], got[48];
	make_pms(pms, 0x0303, 1);
	size_t n = encrypt(k->rsa1, pms, 48, enc, sizeof enc);
	assert_int_equal(n, 256);
	memset(got, 0, sizeof got);
	assert_int_equal(tls_rsa_pms(r, enc, n, 0x0303, got), 0);
	assert_memory_equal(got, pms, 48);

	/* RFC 5246 7.4.7.1: the version is the ClientHello's, not the
	 * negotiated one: another value means this is not the PMS */
	assert_int_equal(tls_rsa_pms(r, enc, n, 0x0302, got), -1);
	assert_int_equal(tls_rsa_pms(r, enc, n, 0x0203, got), -1);
	/* a damaged ciphertext, a short one, none */
	enc[100] ^= 1;
	assert_int_equal(tls_rsa_pms(r, enc, n, 0x0303, got), -1);
	assert_int_equal(tls_rsa_pms(r, enc, 10, 0x0303, got), -1);
	assert_int_equal(tls_rsa_pms(r, enc, 0, 0x0303, got), -1);
	tls_rsa_free(r);
}

/* Only a 48-byte plaintext is a premaster secret. */
static void test_rsa_pms_must_be_48_bytes(void **state)
{
	struct keys *k = *state;
	struct tls_rsa *r = tls_rsa_new();
	char err[512];
	assert_int_equal(tls_rsa_add_pem(r, k->rsa1_pem, err, sizeof err), 0);
	uint8_t pms[49], enc[512], got[48];
	make_pms(pms, 0x0303, 2);
	pms[48] = 0x55;
	size_t n = encrypt(k->rsa1, pms, 47, enc, sizeof enc);
	assert_int_equal(tls_rsa_pms(r, enc, n, 0x0303, got), -1);
	n = encrypt(k->rsa1, pms, 49, enc, sizeof enc);
	assert_int_equal(tls_rsa_pms(r, enc, n, 0x0303, got), -1);
	n = encrypt(k->rsa1, pms, 48, enc, sizeof enc);
	assert_int_equal(tls_rsa_pms(r, enc, n, 0x0303, got), 0);
	tls_rsa_free(r);
}

/* Every key is tried: the one that opens it may come second (and in the
 * traditional "RSA PRIVATE KEY" form); the same key twice is kept once. */
static void test_rsa_every_key_is_tried(void **state)
{
	struct keys *k = *state;
	struct tls_rsa *r = tls_rsa_new();
	char err[512];
	assert_int_equal(tls_rsa_add_pem(r, k->rsa2_pem, err, sizeof err), 0);
	assert_int_equal(tls_rsa_add_pem(r, k->rsa1_pem, err, sizeof err), 0);
	assert_int_equal(tls_rsa_count(r), 2);
	assert_int_equal(tls_rsa_add_pem(r, k->rsa1_pem, err, sizeof err), 0);
	assert_int_equal(tls_rsa_count(r), 2);

	uint8_t pms[48], enc[512], got[48];
	make_pms(pms, 0x0301, 3);
	size_t n = encrypt(k->rsa1, pms, 48, enc, sizeof enc);
	assert_int_equal(tls_rsa_pms(r, enc, n, 0x0301, got), 0);
	assert_memory_equal(got, pms, 48);
	make_pms(pms, 0x0303, 4);
	n = encrypt(k->rsa2, pms, 48, enc, sizeof enc);
	assert_int_equal(tls_rsa_pms(r, enc, n, 0x0303, got), 0);
	assert_memory_equal(got, pms, 48);
	tls_rsa_free(r);

	/* with only the other key it stays closed */
	r = tls_rsa_new();
	assert_int_equal(tls_rsa_add_pem(r, k->rsa1_pem, err, sizeof err), 0);
	assert_int_equal(tls_rsa_pms(r, enc, n, 0x0303, got), -1);
	tls_rsa_free(r);
}

static void test_rsa_ec_key_refused_with_reason(void **state)
{
	struct keys *k = *state;
	struct tls_rsa *r = tls_rsa_new();
	char err[512] = "";
	assert_int_equal(tls_rsa_add_pem(r, k->ec_pem, err, sizeof err), -1);
	assert_non_null(strstr(err, k->ec_pem));
	assert_non_null(strstr(err, "not an RSA key (EC)"));
	assert_non_null(strstr(err, "only RSA key exchange"));
	assert_int_equal(tls_rsa_count(r), 0);
	tls_rsa_free(r);
}

static void test_rsa_missing_and_non_pem_files(void **state)
{
	struct keys *k = *state;
	struct tls_rsa *r = tls_rsa_new();
	char err[512] = "", path[128];
	pem_path(k, path, sizeof path, "absent.pem");
	assert_int_equal(tls_rsa_add_pem(r, path, err, sizeof err), -1);
	assert_non_null(strstr(err, "absent.pem"));
	assert_non_null(strstr(err, "No such file"));

	/* text that is no PEM at all, and a PEM with only a public key */
	pem_path(k, path, sizeof path, "junk.pem");
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("OPTIONS sip:a@b SIP/2.0\r\n\r\n", f);
	fclose(f);
	err[0] = 0;
	assert_int_equal(tls_rsa_add_pem(r, path, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a PEM private key"));

	pem_path(k, path, sizeof path, "pub.pem");
	BIO *b = BIO_new_file(path, "w");
	assert_non_null(b);
	assert_int_equal(PEM_write_bio_PUBKEY(b, k->rsa1), 1);
	BIO_free(b);
	err[0] = 0;
	assert_int_equal(tls_rsa_add_pem(r, path, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a PEM private key"));

	/* a short error buffer is cut, not overrun (cmocka checks nothing
	 * here, ASan does) */
	char small[8];
	assert_int_equal(tls_rsa_add_pem(r, path, small, sizeof small), -1);
	assert_int_equal(strlen(small), sizeof small - 1);
	assert_int_equal(tls_rsa_count(r), 0);
	tls_rsa_free(r);
}

/* Text before the key (a certificate, comments) is skipped. */
static void test_rsa_key_after_other_text(void **state)
{
	struct keys *k = *state;
	char path[128], err[512];
	pem_path(k, path, sizeof path, "prefixed.pem");
	assert_int_equal(write_pem(k->rsa1, path, NULL, 0,
				   "Bag Attributes\n-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
			 0);
	struct tls_rsa *r = tls_rsa_new();
	assert_int_equal(tls_rsa_add_pem(r, path, err, sizeof err), 0);
	uint8_t pms[48], enc[512], got[48];
	make_pms(pms, 0x0303, 5);
	size_t n = encrypt(k->rsa1, pms, 48, enc, sizeof enc);
	assert_int_equal(tls_rsa_pms(r, enc, n, 0x0303, got), 0);
	assert_memory_equal(got, pms, 48);
	tls_rsa_free(r);
}

/* An encrypted key (PKCS#8 and the traditional Proc-Type form) fails with
 * a reason, without a prompt: run with stdin closed and no terminal. */
static void test_rsa_encrypted_key_refused_without_prompt(void **state)
{
	struct keys *k = *state;
	char path[128];
	for (int trad = 0; trad < 2; trad++) {
		pem_path(k, path, sizeof path, trad ? "enc-trad.pem" : "enc-pkcs8.pem");
		assert_int_equal(write_pem(k->rsa1, path, EVP_aes_256_cbc(), trad, NULL), 0);
		struct tls_rsa *r = tls_rsa_new();
		char err[512] = "";
		assert_int_equal(tls_rsa_add_pem(r, path, err, sizeof err), -1);
		assert_non_null(strstr(err, "encrypted"));
		assert_non_null(strstr(err, "passphrase"));
		assert_int_equal(tls_rsa_count(r), 0);
		tls_rsa_free(r);
	}
}

/* At most TLS_RSA_MAX_KEYS keys; one more is an error that says so and
 * keeps the others. */
static void test_rsa_key_cap(void **state)
{
	struct keys *k = *state;
	struct tls_rsa *r = tls_rsa_new();
	char path[128], err[512];
	pem_path(k, path, sizeof path, "small.pem");
	for (unsigned i = 0; i <= TLS_RSA_MAX_KEYS; i++) {
		EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)512);
		assert_non_null(pk);
		assert_int_equal(write_pem(pk, path, NULL, 0, NULL), 0);
		EVP_PKEY_free(pk);
		err[0] = 0;
		if (i < TLS_RSA_MAX_KEYS) {
			assert_int_equal(tls_rsa_add_pem(r, path, err, sizeof err), 0);
		} else {
			assert_int_equal(tls_rsa_add_pem(r, path, err, sizeof err), -1);
			assert_non_null(strstr(err, "too many keys"));
		}
	}
	assert_int_equal(tls_rsa_count(r), TLS_RSA_MAX_KEYS);
	tls_rsa_free(r);
	tls_rsa_free(NULL);
}

/* ---- session caches ---- */

static void fill_ms(uint8_t ms[48], uint32_t v)
{
	for (int i = 0; i < 48; i++)
		ms[i] = (uint8_t)(v >> (8 * (i % 4))) ^ (uint8_t)i;
}

static void test_cache_session_put_get_replace(void **state)
{
	(void)state;
	struct tls_cache *c = tls_cache_new();
	assert_non_null(c);
	uint8_t sid[32], ms[48], got[48];
	memset(sid, 0xab, sizeof sid);
	fill_ms(ms, 1);
	assert_int_equal(tls_cache_get_session(c, sid, 32, got), -1);
	tls_cache_put_session(c, sid, 32, ms);
	assert_int_equal(tls_cache_get_session(c, sid, 32, got), 0);
	assert_memory_equal(got, ms, 48);
	/* put again: the new secret, still one entry */
	fill_ms(ms, 2);
	tls_cache_put_session(c, sid, 32, ms);
	assert_int_equal(tls_cache_get_session(c, sid, 32, got), 0);
	assert_memory_equal(got, ms, 48);
	assert_int_equal(tls_cache_count_sessions(c), 1);
	/* one byte different: unknown */
	sid[31] ^= 1;
	assert_int_equal(tls_cache_get_session(c, sid, 32, got), -1);
	/* an empty or over-long id is no session id */
	tls_cache_put_session(c, sid, 0, ms);
	uint8_t big[33] = {0};
	tls_cache_put_session(c, big, 33, ms);
	assert_int_equal(tls_cache_count_sessions(c), 1);
	assert_int_equal(tls_cache_get_session(c, big, 33, got), -1);
	assert_int_equal(tls_cache_get_session(c, sid, 0, got), -1);
	/* no cache */
	tls_cache_put_session(NULL, sid, 32, ms);
	assert_int_equal(tls_cache_get_session(NULL, sid, 32, got), -1);
	tls_cache_free(c);
	tls_cache_free(NULL);
}

/* A prefix, or the same bytes with trailing zeros, is another session. */
static void test_cache_session_lengths_do_not_collide(void **state)
{
	(void)state;
	struct tls_cache *c = tls_cache_new();
	uint8_t sid[32] = {0}, ms[48], got[48];
	for (unsigned len = 1; len <= 32; len++) {
		fill_ms(ms, len);
		tls_cache_put_session(c, sid, len, ms); /* all zeros, 1..32 bytes */
	}
	sid[0] = 1;
	for (unsigned len = 1; len <= 32; len++) {
		fill_ms(ms, 100 + len);
		tls_cache_put_session(c, sid, len, ms); /* 01 00 00 ... */
	}
	assert_int_equal(tls_cache_count_sessions(c), 64);
	for (unsigned len = 1; len <= 32; len++) {
		fill_ms(ms, 100 + len);
		assert_int_equal(tls_cache_get_session(c, sid, len, got), 0);
		assert_memory_equal(got, ms, 48);
	}
	sid[0] = 0;
	for (unsigned len = 1; len <= 32; len++) {
		fill_ms(ms, len);
		assert_int_equal(tls_cache_get_session(c, sid, len, got), 0);
		assert_memory_equal(got, ms, 48);
	}
	tls_cache_free(c);
}

static void sid_of(uint8_t sid[32], uint32_t i)
{
	memset(sid, 0x5a, 32);
	memcpy(sid, &i, sizeof i);
}

/* At the cap the least recently used entry goes: one found (touched) or
 * put again stays, the oldest untouched one is evicted, and everything put
 * after it is still there. */
static void test_cache_lru_eviction_at_cap(void **state)
{
	(void)state;
	struct tls_cache *c = tls_cache_new();
	uint8_t sid[32], ms[48], got[48];
	for (uint32_t i = 0; i < TLS_CACHE_MAX; i++) {
		sid_of(sid, i);
		fill_ms(ms, i);
		tls_cache_put_session(c, sid, 32, ms);
	}
	assert_int_equal(tls_cache_count_sessions(c), TLS_CACHE_MAX);
	sid_of(sid, 0);
	assert_int_equal(tls_cache_get_session(c, sid, 32, got), 0); /* 0 touched */
	sid_of(sid, 1);
	fill_ms(ms, 1);
	tls_cache_put_session(c, sid, 32, ms); /* 1 put again */

	sid_of(sid, TLS_CACHE_MAX);
	fill_ms(ms, TLS_CACHE_MAX);
	tls_cache_put_session(c, sid, 32, ms); /* evicts 2, the oldest untouched */
	assert_int_equal(tls_cache_count_sessions(c), TLS_CACHE_MAX);
	sid_of(sid, 2);
	assert_int_equal(tls_cache_get_session(c, sid, 32, got), -1);
	for (uint32_t i = 0; i <= TLS_CACHE_MAX; i++) {
		if (i == 2)
			continue;
		sid_of(sid, i);
		fill_ms(ms, i);
		assert_int_equal(tls_cache_get_session(c, sid, 32, got), 0);
		assert_memory_equal(got, ms, 48);
	}
	/* the loop touched 0, 1, 3, ... in order: the next two puts evict 0
	 * then 1 */
	for (uint32_t i = TLS_CACHE_MAX + 1; i <= TLS_CACHE_MAX + 2; i++) {
		sid_of(sid, i);
		fill_ms(ms, i);
		tls_cache_put_session(c, sid, 32, ms);
	}
	sid_of(sid, 0);
	assert_int_equal(tls_cache_get_session(c, sid, 32, got), -1);
	sid_of(sid, 1);
	assert_int_equal(tls_cache_get_session(c, sid, 32, got), -1);
	sid_of(sid, 3);
	assert_int_equal(tls_cache_get_session(c, sid, 32, got), 0);
	assert_int_equal(tls_cache_count_sessions(c), TLS_CACHE_MAX);
	/* a long run through the cap keeps it bounded and the newest found */
	for (uint32_t i = 0; i < 3 * TLS_CACHE_MAX; i++) {
		sid_of(sid, 1000000 + i);
		fill_ms(ms, i);
		tls_cache_put_session(c, sid, 32, ms);
	}
	assert_int_equal(tls_cache_count_sessions(c), TLS_CACHE_MAX);
	sid_of(sid, 1000000 + 3 * TLS_CACHE_MAX - 1);
	assert_int_equal(tls_cache_get_session(c, sid, 32, got), 0);
	sid_of(sid, 1000000 + 2 * TLS_CACHE_MAX - 1);
	assert_int_equal(tls_cache_get_session(c, sid, 32, got), -1);
	tls_cache_free(c);
}

/* Tickets: the whole ticket counts (a change in its last byte of 64 KiB is
 * another ticket), and the ticket map is apart from the session map. */
static void test_cache_ticket_round_trip(void **state)
{
	(void)state;
	struct tls_cache *c = tls_cache_new();
	size_t n = 65535;
	uint8_t *t = malloc(n);
	assert_non_null(t);
	for (size_t i = 0; i < n; i++)
		t[i] = (uint8_t)(i * 31 + 7);
	uint8_t ms[48], ms2[48], got[48];
	fill_ms(ms, 77);
	fill_ms(ms2, 78);
	assert_int_equal(tls_cache_get_ticket(c, t, n, got), -1);
	tls_cache_put_ticket(c, t, n, ms);
	tls_cache_put_ticket(c, t, 200, ms2); /* its first 200 bytes: another ticket */
	assert_int_equal(tls_cache_count_tickets(c), 2);
	assert_int_equal(tls_cache_count_sessions(c), 0);
	assert_int_equal(tls_cache_get_ticket(c, t, n, got), 0);
	assert_memory_equal(got, ms, 48);
	assert_int_equal(tls_cache_get_ticket(c, t, 200, got), 0);
	assert_memory_equal(got, ms2, 48);
	t[n - 1] ^= 0x80;
	assert_int_equal(tls_cache_get_ticket(c, t, n, got), -1);
	assert_int_equal(tls_cache_get_ticket(c, t, 0, got), -1);
	/* the first 32 bytes as a session id: not a ticket's entry */
	assert_int_equal(tls_cache_get_session(c, t, 32, got), -1);
	tls_cache_put_ticket(c, t, 0, ms);
	assert_int_equal(tls_cache_count_tickets(c), 2);
	free(t);
	tls_cache_free(c);
}

/* ---- key log export ---- */

#define CR1 "0101010101010101010101010101010101010101010101010101010101010101"
#define CR2 "a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2"
#define MS48 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
#define S32 "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38"
#define S48 "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
#define S48U "FFEEDDCCBBAA99887766554433221100FFEEDDCCBBAA99887766554433221100FFEEDDCCBBAA99887766554433221100"

static void cr_of(const char *hex, uint8_t cr[32])
{
	for (int i = 0; i < 32; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		cr[i] = (uint8_t)v;
	}
}

static struct tls_keys *keys_from(const char *txt)
{
	struct tls_keys *k = tls_keys_new();
	assert_non_null(k);
	struct tls_keylog_report rep;
	assert_int_equal(tls_keys_add_text(k, txt, strlen(txt), &rep), 0);
	assert_int_equal(rep.bad, 0);
	return k;
}

static void test_export_lines_of_one_random(void **state)
{
	(void)state;
	/* out of order, upper-case hex, CRLF, a repeated secret (last wins),
	 * and another client_random that must not be exported */
	struct tls_keys *k = keys_from("SERVER_TRAFFIC_SECRET_0 " CR2 " " S48U "\r\n"
				       "CLIENT_HANDSHAKE_TRAFFIC_SECRET " CR2 " " S48 "\n"
				       "CLIENT_RANDOM " CR1 " " MS48 "\n"
				       "EXPORTER_SECRET " CR2 " " S32 "\n"
				       "CLIENT_HANDSHAKE_TRAFFIC_SECRET " CR2 " " S32 "\n");
	static const char want2[] = "CLIENT_HANDSHAKE_TRAFFIC_SECRET " CR2 " " S32 "\n"
				    "SERVER_TRAFFIC_SECRET_0 " CR2 " " S48 "\n"
				    "EXPORTER_SECRET " CR2 " " S32 "\n";
	static const char want1[] = "CLIENT_RANDOM " CR1 " " MS48 "\n";
	uint8_t cr[32];
	char out[2048];
	cr_of(CR2, cr);
	size_t n = tls_keys_export(k, cr, out, sizeof out);
	assert_int_equal(n, sizeof want2 - 1);
	assert_memory_equal(out, want2, n);
	/* exactly enough room, then one byte less: all or nothing */
	memset(out, 'X', sizeof out);
	assert_int_equal(tls_keys_export(k, cr, out, sizeof want2 - 1), sizeof want2 - 1);
	memset(out, 'X', sizeof out);
	assert_int_equal(tls_keys_export(k, cr, out, sizeof want2 - 2), 0);
	assert_int_equal(out[0], 'X');
	assert_int_equal(tls_keys_export(k, cr, out, 0), 0);

	cr_of(CR1, cr);
	n = tls_keys_export(k, cr, out, sizeof out);
	assert_int_equal(n, sizeof want1 - 1);
	assert_memory_equal(out, want1, n);
	cr[31] ^= 1;
	assert_int_equal(tls_keys_export(k, cr, out, sizeof out), 0);
	tls_keys_free(k);
}

/* Every label, both secret lengths: what is exported reads back into a
 * fresh store as the same secrets. */
static void test_export_round_trip(void **state)
{
	(void)state;
	static const char *const labels[] = {"CLIENT_RANDOM",
					     "CLIENT_EARLY_TRAFFIC_SECRET",
					     "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
					     "SERVER_HANDSHAKE_TRAFFIC_SECRET",
					     "CLIENT_TRAFFIC_SECRET_0",
					     "SERVER_TRAFFIC_SECRET_0",
					     "EARLY_EXPORTER_SECRET",
					     "EXPORTER_SECRET"};
	char txt[4096];
	size_t o = 0;
	for (int i = 0; i < 8; i++) {
		const char *sec = i == 0 || i % 2 ? MS48 : S32;
		o += (size_t)snprintf(txt + o, sizeof txt - o, "%s %s %s\n", labels[i], CR2, sec);
	}
	struct tls_keys *k = keys_from(txt);
	uint8_t cr[32];
	cr_of(CR2, cr);
	char out[4096];
	size_t n = tls_keys_export(k, cr, out, sizeof out);
	assert_int_equal(n, o); /* same lines, same (table) order */
	assert_memory_equal(out, txt, n);

	struct tls_keys *k2 = tls_keys_new();
	struct tls_keylog_report rep;
	assert_int_equal(tls_keys_add_text(k2, out, n, &rep), 0);
	assert_int_equal(rep.secrets, 8);
	assert_int_equal(rep.bad + rep.unknown_label, 0);
	const struct tls_secrets *a = tls_keys_find(k, cr), *b = tls_keys_find(k2, cr);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->have, 0xff);
	assert_int_equal(b->have, a->have);
	assert_memory_equal(b->len, a->len, sizeof a->len);
	for (int i = 0; i < TLS_SEC_N; i++)
		assert_memory_equal(b->sec[i], a->sec[i], a->len[i]);
	tls_keys_free(k);
	tls_keys_free(k2);
}

/* ---- legacy key log forms ---- */

#define PMS1 "0303" "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define PMS2 "0303" "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"

static void pms_of(const char *hex, uint8_t pms[48])
{
	for (int i = 0; i < 48; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		pms[i] = (uint8_t)v;
	}
}

/* "RSA <8 bytes of encrypted PMS> <PMS>" and "PMS_CLIENT_RANDOM <cr> <PMS>"
 * (the forms Wireshark reads): stored, found by their key, last wins; the
 * Session-ID form is an unknown label; wrong lengths are bad lines. */
static void test_keylog_legacy_pms_lines(void **state)
{
	(void)state;
	static const char txt[] = "RSA 0011223344556677 " PMS1 "\n"                     /* 1 */
				  "RSA 00112233445566ff " PMS2 "\r\n"                   /* 2 */
				  "PMS_CLIENT_RANDOM " CR1 " " PMS2 "\n"                /* 3 */
				  "PMS_CLIENT_RANDOM " CR2 " " PMS2 "\n"                /* 4 */
				  "PMS_CLIENT_RANDOM " CR2 " " PMS1 "\n"                /* 5 last wins */
				  "RSA Session-ID:" CR1 " Master-Key:" MS48 "\n"        /* 6 unknown */
				  "RSA 00112233445566 " PMS1 "\n"                       /* 7 bad: 7 bytes */
				  "RSA 0011223344556677 " S32 "\n"                      /* 8 bad: 32 bytes */
				  "PMS_CLIENT_RANDOM " CR1 " " MS48 "00\n"              /* 9 bad: 49 bytes */
				  "PMS_CLIENT_RANDOM 0101 " PMS1 "\n"                   /* 10 bad: short random */
				  "RSA 0011223344556677\n";                             /* 11 bad: 2 fields */
	struct tls_keys *k = tls_keys_new();
	struct tls_keylog_report r;
	assert_int_equal(tls_keys_add_text(k, txt, sizeof txt - 1, &r), 0);
	assert_int_equal(r.lines, 11);
	assert_int_equal(r.secrets, 5);
	assert_int_equal(r.unknown_label, 1);
	assert_int_equal(r.bad, 5);
	assert_int_equal(r.first_bad_line, 7);
	assert_int_equal(tls_keys_count(k), 0); /* no master secret or 1.3 secret */

	uint8_t enc[256], got[48], want[48], cr[32];
	memset(enc, 0xee, sizeof enc);
	memcpy(enc, "\x00\x11\x22\x33\x44\x55\x66\x77", 8);
	pms_of(PMS1, want);
	assert_int_equal(tls_keys_find_pms_by_encprefix(k, enc, sizeof enc, got), 0);
	assert_memory_equal(got, want, 48);
	enc[7] = 0xff;
	pms_of(PMS2, want);
	assert_int_equal(tls_keys_find_pms_by_encprefix(k, enc, sizeof enc, got), 0);
	assert_memory_equal(got, want, 48);
	enc[0] = 1;
	assert_int_equal(tls_keys_find_pms_by_encprefix(k, enc, sizeof enc, got), -1);
	enc[0] = 0;
	assert_int_equal(tls_keys_find_pms_by_encprefix(k, enc, 7, got), -1); /* too short to have a prefix */

	cr_of(CR1, cr);
	assert_int_equal(tls_keys_find_pms_by_cr(k, cr, got), 0);
	assert_memory_equal(got, want, 48); /* PMS2 */
	cr_of(CR2, cr);
	pms_of(PMS1, want);
	assert_int_equal(tls_keys_find_pms_by_cr(k, cr, got), 0);
	assert_memory_equal(got, want, 48);
	cr[0] ^= 1;
	assert_int_equal(tls_keys_find_pms_by_cr(k, cr, got), -1);
	assert_null(tls_keys_find(k, cr));

	/* a PMS_CLIENT_RANDOM is a secret of its client_random: exported, and
	 * after its master secret */
	static const char more[] = "CLIENT_RANDOM " CR2 " " MS48 "\n";
	assert_int_equal(tls_keys_add_text(k, more, sizeof more - 1, &r), 0);
	static const char want_txt[] = "CLIENT_RANDOM " CR2 " " MS48 "\n"
				       "PMS_CLIENT_RANDOM " CR2 " " PMS1 "\n";
	char out[512];
	cr_of(CR2, cr);
	size_t n = tls_keys_export(k, cr, out, sizeof out);
	assert_int_equal(n, sizeof want_txt - 1);
	assert_memory_equal(out, want_txt, n);
	assert_int_equal(tls_keys_export(k, cr, out, n - 1), 0);
	cr_of(CR1, cr); /* a PMS alone */
	n = tls_keys_export(k, cr, out, sizeof out);
	assert_int_equal(n, strlen("PMS_CLIENT_RANDOM " CR1 " " PMS2 "\n"));
	assert_memory_equal(out, "PMS_CLIENT_RANDOM " CR1 " " PMS2 "\n", n);
	/* ... which reads back */
	struct tls_keys *k2 = tls_keys_new();
	assert_int_equal(tls_keys_add_text(k2, out, n, &r), 0);
	assert_int_equal(r.secrets, 1);
	assert_int_equal(tls_keys_find_pms_by_cr(k2, cr, got), 0);
	pms_of(PMS2, want);
	assert_memory_equal(got, want, 48);
	tls_keys_free(k2);
	tls_keys_free(k);
}

/* Many PMS lines: the maps grow (entries move to a bigger block) and all
 * stay findable. */
static void test_keylog_many_pms_lines(void **state)
{
	(void)state;
	enum { N = 5000 };
	size_t cap = (size_t)N * 2 * 200;
	char *txt = malloc(cap);
	assert_non_null(txt);
	size_t o = 0;
	for (unsigned i = 0; i < N; i++) {
		o += (size_t)snprintf(txt + o, cap - o, "RSA %016x " PMS1 "\n", i * 2654435761u);
		o += (size_t)snprintf(txt + o, cap - o, "PMS_CLIENT_RANDOM %064x " PMS2 "\n", i);
	}
	struct tls_keys *k = tls_keys_new();
	struct tls_keylog_report r;
	assert_int_equal(tls_keys_add_text(k, txt, o, &r), 0);
	assert_int_equal(r.secrets, 2 * N);
	uint8_t key[32], got[48], p1[48], p2[48];
	pms_of(PMS1, p1);
	pms_of(PMS2, p2);
	for (unsigned i = 0; i < N; i++) {
		uint32_t v = i * 2654435761u;
		memset(key, 0, sizeof key);
		key[4] = (uint8_t)(v >> 24), key[5] = (uint8_t)(v >> 16), key[6] = (uint8_t)(v >> 8), key[7] = (uint8_t)v;
		assert_int_equal(tls_keys_find_pms_by_encprefix(k, key, 8, got), 0);
		assert_memory_equal(got, p1, 48);
		memset(key, 0, sizeof key);
		key[28] = (uint8_t)(i >> 24), key[29] = (uint8_t)(i >> 16), key[30] = (uint8_t)(i >> 8), key[31] = (uint8_t)i;
		assert_int_equal(tls_keys_find_pms_by_cr(k, key, got), 0);
		assert_memory_equal(got, p2, 48);
	}
	free(txt);
	tls_keys_free(k);
}

int main(void)
{
#define R(f) cmocka_unit_test(f)
	const struct CMUnitTest rsa[] = {
		R(test_rsa_opens_pms_with_its_key),
		R(test_rsa_pms_must_be_48_bytes),
		R(test_rsa_every_key_is_tried),
		R(test_rsa_ec_key_refused_with_reason),
		R(test_rsa_missing_and_non_pem_files),
		R(test_rsa_key_after_other_text),
		R(test_rsa_encrypted_key_refused_without_prompt),
		R(test_rsa_key_cap),
	};
	const struct CMUnitTest rest[] = {
		R(test_cache_session_put_get_replace),
		R(test_cache_session_lengths_do_not_collide),
		R(test_cache_lru_eviction_at_cap),
		R(test_cache_ticket_round_trip),
		R(test_export_lines_of_one_random),
		R(test_export_round_trip),
		R(test_keylog_legacy_pms_lines),
		R(test_keylog_many_pms_lines),
	};
	int fails = cmocka_run_group_tests_name("tls_rsa", rsa, keys_setup, keys_teardown);
	return fails + cmocka_run_group_tests_name("tls_cache_export", rest, NULL, NULL);
}
