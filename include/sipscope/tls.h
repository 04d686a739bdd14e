/* tls.h - TLS decryption, first slice (issue 21, src/decode/tls-design.md):
 * the key store fed by NSS key logs (a file, read again as it grows, or a
 * pcapng Decryption Secrets Block's text), the cipher-suite table, and the
 * crypto primitives (TLS 1.2 PRF, master secret, key_block, TLS 1.3
 * HKDF-Expand-Label, AEAD and CBC record opening).  Not wired into ingest
 * yet: no connection decoder here.
 *
 * Only src/decode/tls_crypto.c includes OpenSSL headers; everything here is
 * plain C types.  Secrets are wiped (OPENSSL_cleanse) when freed; nothing in
 * this module prints them. */
#ifndef SIPSCOPE_TLS_H
#define SIPSCOPE_TLS_H

#include <stddef.h>
#include <stdint.h>

/* ---- key store (tls_keys.c) ---- */

#define TLS_KEYS_MAX_ENTRIES 1000000u /* client_randoms kept; more are dropped and counted */
#define TLS_KEYLOG_LINE_MAX 1024u     /* longest accepted key log line (the longest valid is ~150) */
#define TLS_SECRET_MAX 48u

enum tls_secret_kind {
	TLS_SEC_MS,   /* CLIENT_RANDOM: TLS <= 1.2 master secret (48) */
	TLS_SEC_CETS, /* CLIENT_EARLY_TRAFFIC_SECRET */
	TLS_SEC_CHTS, /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
	TLS_SEC_SHTS, /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
	TLS_SEC_CATS, /* CLIENT_TRAFFIC_SECRET_0 */
	TLS_SEC_SATS, /* SERVER_TRAFFIC_SECRET_0 */
	TLS_SEC_EEXP, /* EARLY_EXPORTER_SECRET */
	TLS_SEC_EXP,  /* EXPORTER_SECRET */
	TLS_SEC_N
};

/* Everything known about one client_random.  `have` has bit
 * (1 << kind) set for each secret present; len[kind] is its length
 * (48 for the master secret, 32 or 48 for the TLS 1.3 secrets). */
struct tls_secrets {
	uint8_t cr[32];
	uint16_t have;
	uint8_t len[TLS_SEC_N];
	uint8_t sec[TLS_SEC_N][TLS_SECRET_MAX];
};

/* What one load or add call saw (filled by the call: zeroed first). */
struct tls_keylog_report {
	uint64_t lines;         /* complete lines read, blank and comments included */
	uint64_t secrets;       /* secrets stored (a repeated one counts again: last wins) */
	uint64_t bad;           /* malformed: bad hex, wrong length, wrong field count, too long */
	uint64_t unknown_label; /* well-formed but a label this module does not use */
	uint64_t dropped;       /* valid, but the store is full (TLS_KEYS_MAX_ENTRIES) */
	uint64_t first_bad_line; /* 1-based line of the first bad line (of the file, or of the
	                          * text for tls_keys_add_text); 0 = none */
};

struct tls_keys;

struct tls_keys *tls_keys_new(void);
/* Wipes every secret and the partial-line buffer, then frees. NULL is fine. */
void tls_keys_free(struct tls_keys *k);

/* Read the key log at path.  Called again with the same path, it reads only
 * what was appended since (it keeps the offset and an unfinished last line,
 * which waits for its newline); it starts over when the path changes, the
 * file was replaced (other inode) or it shrank.  Returns 0, or -1 with errno
 * when the file cannot be opened or read (the store keeps what it had). */
int tls_keys_load_file(struct tls_keys *k, const char *path, struct tls_keylog_report *rep);

/* Add key log text (a pcapng DSB 'TLSK' payload): LF or CRLF lines; a last
 * line without a newline counts as complete.  Returns 0 (bad lines are
 * counted in rep, never fatal), -1 when memory ran out. */
int tls_keys_add_text(struct tls_keys *k, const char *txt, size_t n, struct tls_keylog_report *rep);

/* The secrets of a client_random (all 32 bytes compared), or NULL.  The
 * pointer stays valid until the next load/add call or tls_keys_free: copy
 * what a connection needs when it switches keys. */
const struct tls_secrets *tls_keys_find(const struct tls_keys *k, const uint8_t cr[32]);

/* Number of distinct client_randoms stored. */
size_t tls_keys_count(const struct tls_keys *k);

/* ---- cipher suites (tls_suites.c) ---- */

enum tls_cipher_alg { TLS_AES_128_GCM, TLS_AES_256_GCM, TLS_CHACHA20_POLY1305, TLS_AES_128_CBC, TLS_AES_256_CBC };
enum tls_hash { TLS_HASH_NONE, TLS_HASH_SHA1, TLS_HASH_SHA256, TLS_HASH_SHA384 };

#define TLS_AEAD_TAG_LEN 16u

struct tls_suite {
	uint16_t id;          /* IANA */
	const char *name;     /* IANA name */
	uint8_t cipher;       /* enum tls_cipher_alg */
	uint8_t key_len;      /* 16 or 32 */
	uint8_t fixed_iv_len; /* 12 (1.3, ChaCha20), 4 (1.2 GCM salt), 0 (CBC) */
	uint8_t record_iv_len; /* per-record explicit part: 8 (1.2 GCM), 16 (CBC), 0 */
	uint8_t mac;          /* enum tls_hash of the record HMAC (CBC only), else NONE */
	uint8_t mac_len;      /* 20, 32, 48 or 0 (also the MAC key length) */
	uint8_t prf_hash;     /* enum tls_hash: 1.2 PRF or 1.3 HKDF hash */
	uint8_t tls13;        /* a TLS 1.3 suite */
	uint8_t rsa_kx;       /* TLS 1.2 RSA key exchange (what --tls-key can open) */
};

/* The suite with that IANA id, or NULL (unsupported). */
const struct tls_suite *tls_suite_find(uint16_t id);

/* ---- primitives (tls_crypto.c, the only file with OpenSSL) ---- */

/* Wipe n bytes so the compiler cannot drop it (OPENSSL_cleanse). */
void tls_cleanse(void *p, size_t n);

/* The EVP objects (KDFs, ciphers, HMAC), fetched once. */
struct tls_crypto;
struct tls_crypto *tls_crypto_new(void); /* NULL when libcrypto lacks one of them */
void tls_crypto_free(struct tls_crypto *c);

/* TLS 1.2 PRF (RFC 5246 5): P_hash(secret, label || seed) cut to outlen.
 * hash is TLS_HASH_SHA256 or TLS_HASH_SHA384.  Returns 0 or -1. */
int tls12_prf(struct tls_crypto *c, int hash, const uint8_t *secret, size_t slen, const char *label,
	      const uint8_t *seed, size_t seedlen, uint8_t *out, size_t outlen);
/* master_secret = PRF(pms, "master secret", cr || sr)[0..47] (RFC 5246 8.1). */
int tls12_master_secret(struct tls_crypto *c, int hash, const uint8_t *pms, size_t pmslen,
			const uint8_t cr[32], const uint8_t sr[32], uint8_t ms[48]);
/* Extended master secret (RFC 7627 4): PRF(pms, "extended master secret", session_hash). */
int tls12_ems_master_secret(struct tls_crypto *c, int hash, const uint8_t *pms, size_t pmslen,
			    const uint8_t *session_hash, size_t hlen, uint8_t ms[48]);
/* key_block = PRF(ms, "key expansion", sr || cr) (RFC 5246 6.3: server first). */
int tls12_key_block(struct tls_crypto *c, int hash, const uint8_t ms[48], const uint8_t cr[32],
		    const uint8_t sr[32], uint8_t *out, size_t outlen);

/* HKDF-Expand-Label (RFC 8446 7.1): label without the "tls13 " prefix.
 * hash is TLS_HASH_SHA256 or TLS_HASH_SHA384; secret is the PRK. */
int tls13_hkdf_expand_label(struct tls_crypto *c, int hash, const uint8_t *secret, size_t slen,
			    const char *label, const uint8_t *ctx, size_t ctxlen, uint8_t *out, size_t outlen);
/* The write key (suite->key_len) and iv (12) of a traffic secret. */
int tls13_traffic_keys(struct tls_crypto *c, const struct tls_suite *s, const uint8_t *secret, size_t slen,
		       uint8_t *key, uint8_t iv[12]);
/* KeyUpdate (RFC 8446 7.2): next = HKDF-Expand-Label(secret, "traffic upd", "", slen). */
int tls13_next_secret(struct tls_crypto *c, int hash, const uint8_t *secret, size_t slen, uint8_t *next);

/* One direction's record protection for one epoch: the cipher keyed once. */
struct tls_cipher;
/* version: 0x0303 (TLS 1.2) or 0x0304 (TLS 1.3; then s->tls13).  key has
 * s->key_len bytes; iv s->fixed_iv_len (ignored for CBC); mac_key s->mac_len
 * (CBC only).  etm: encrypt-then-MAC negotiated (RFC 7366, CBC only).
 * Returns NULL on a bad combination or no memory. */
struct tls_cipher *tls_cipher_new(struct tls_crypto *c, const struct tls_suite *s, int version,
				  const uint8_t *key, const uint8_t *iv, const uint8_t *mac_key, int etm);
void tls_cipher_free(struct tls_cipher *t); /* wipes the keys */

/* Open one record: hdr = its 5 header bytes as received, frag = its
 * hdr-length bytes, seq = its sequence number.  out (not overlapping frag)
 * needs n bytes.  Returns the plaintext length and sets *type (for TLS 1.3
 * the inner content type, padding stripped; else hdr[0]), or -1 when the
 * record does not verify (bad tag, MAC or padding, too short, all-zero 1.3
 * plaintext).  Allocates nothing. */
long tls_cipher_open(struct tls_cipher *t, uint64_t seq, const uint8_t hdr[5], const uint8_t *frag, size_t n,
		     uint8_t *out, uint8_t *type);

#endif
