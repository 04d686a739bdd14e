/* tls.h - TLS decryption (issue 21, src/decode/tls-design.md):
 * the key store fed by NSS key logs (a file, read again as it grows, or a
 * pcapng Decryption Secrets Block's text), the cipher-suite table, and the
 * crypto primitives (TLS 1.2 PRF, master secret, key_block, TLS 1.3
 * HKDF-Expand-Label, AEAD and CBC record opening), RSA key exchange,
 * session caches, and the per-connection decoder (records, handshake, key
 * switches, resync, keys that arrive late).
 *
 * The connection decoder is src/decode/tls_conn.c (records, resync, the
 * pending queue) and tls_hs.c (handshake messages, key schedule).
 *
 * Only src/decode/tls_crypto.c and tls_rsa.c include OpenSSL headers;
 * everything here is plain C types.  Secrets are wiped (OPENSSL_cleanse) when
 * freed; nothing in this module prints them. */
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

/* Premaster secrets from the legacy lines Wireshark also reads (for TLS
 * 1.2 RSA key exchange; the master secret is then derived with the
 * handshake's randoms, or its session hash with EMS):
 *   PMS_CLIENT_RANDOM <64 hex client_random> <96 hex PMS>
 *   RSA <16 hex: the first 8 bytes of the encrypted PMS> <96 hex PMS>
 * Last wins, as for the other labels.  by_encprefix takes the encrypted
 * PMS of the ClientKeyExchange (n >= 8; its first 8 bytes are the key).
 * Return 0 and fill pms, or -1 when unknown. */
int tls_keys_find_pms_by_cr(const struct tls_keys *k, const uint8_t cr[32], uint8_t pms[48]);
int tls_keys_find_pms_by_encprefix(const struct tls_keys *k, const uint8_t *enc, size_t n, uint8_t pms[48]);

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

/* ---- primitives (tls_crypto.c; with tls_rsa.c the only files with OpenSSL) ---- */

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

/* CBC only (-1 for AEAD): the plaintext of a record whose seq is not
 * known (after a TCP gap; the IV is explicit), the padding checked but not
 * the MAC, which covers the seq.  For a record no seq opened: counted as
 * mac_unverified by the caller. */
long tls_cipher_open_unverified(struct tls_cipher *t, const uint8_t hdr[5], const uint8_t *frag, size_t n,
				uint8_t *out, uint8_t *type);

/* Digest of data (TLS_HASH_SHA256 / SHA384): the RFC 7627 session hash.
 * out needs 48 bytes; returns the length, or 0 on failure.  c may be NULL
 * (tls_cache.c keys tickets by their SHA-256 without a tls_crypto). */
size_t tls_digest(struct tls_crypto *c, int hash, const uint8_t *data, size_t n, uint8_t *out);

/* ---- RSA key exchange and session caches (tls_rsa.c, tls_cache.c) ---- */

/* Private keys given with --tls-key (PEM).  Only RSA keys are kept. */
#define TLS_RSA_MAX_KEYS 64u /* keys held; one more is an error */
struct tls_rsa;
struct tls_rsa *tls_rsa_new(void);
void tls_rsa_free(struct tls_rsa *r);
/* Load the first private key of a PEM file (a certificate before it is
 * skipped).  No passphrase is asked for: an encrypted key is an error.  The
 * same key loaded twice is kept once.  Returns 0, or -1 with a reason in err
 * (the file cannot be opened, not a PEM private key, encrypted, not an RSA
 * key, too many keys). */
int tls_rsa_add_pem(struct tls_rsa *r, const char *path, char *err, size_t errlen);
size_t tls_rsa_count(const struct tls_rsa *r);
/* The premaster secret of an RSA ClientKeyExchange (enc: the encrypted
 * bytes without their u16 length), tried with every key: accepted only
 * when it is 48 bytes starting with client_version (RFC 5246 7.4.7.1).
 * Returns 0, or -1 when no key opened it. */
int tls_rsa_pms(struct tls_rsa *r, const uint8_t *enc, size_t n, uint16_t client_version, uint8_t pms[48]);

/* Master secrets by TLS 1.2 session id and by session ticket, so a
 * resumed handshake (no key exchange of its own) finds the secret of the
 * session it resumes.  Bounded (LRU, TLS_CACHE_MAX each); wiped at free. */
#define TLS_CACHE_MAX 4096u
struct tls_cache;
struct tls_cache *tls_cache_new(void);
void tls_cache_free(struct tls_cache *c);
/* put: remember ms (a key put again takes the new ms); at the cap the
 * least recently put or found entry goes.  A session id is 1..32 bytes
 * (else ignored), compared in full; a ticket is kept as its SHA-256.
 * get: 0 and ms filled (the entry becomes the most recent), or -1 when
 * unknown.  c == NULL is fine: put does nothing, get returns -1.  Memory
 * running out only loses entries. */
void tls_cache_put_session(struct tls_cache *c, const uint8_t *sid, size_t sidlen, const uint8_t ms[48]);
int tls_cache_get_session(struct tls_cache *c, const uint8_t *sid, size_t sidlen, uint8_t ms[48]);
void tls_cache_put_ticket(struct tls_cache *c, const uint8_t *ticket, size_t n, const uint8_t ms[48]);
int tls_cache_get_ticket(struct tls_cache *c, const uint8_t *ticket, size_t n, uint8_t ms[48]);
/* Entries held (session ids, tickets): for tests and stats. */
size_t tls_cache_count_sessions(const struct tls_cache *c);
size_t tls_cache_count_tickets(const struct tls_cache *c);

/* The key log lines of one client_random (every secret known for it, a
 * PMS_CLIENT_RANDOM line included; LF line ends, lower-case hex, always in
 * the same order), for an export's Decryption Secrets Block.  Returns the
 * length written (0: none known, or cap too small: then nothing is
 * written); out is not NUL-terminated. */
/* Store a master secret derived here (RSA key exchange, a resumed
 * session) as its CLIENT_RANDOM line would: 0, or -1 out of memory. */
int tls_keys_add_ms(struct tls_keys *k, const uint8_t cr[32], const uint8_t ms[48]);
#define TLS_KEYLOG_EXPORT_MAX 2048u /* room for every line of one client_random */
size_t tls_keys_export(const struct tls_keys *k, const uint8_t cr[32], char *out, size_t cap);

/* ---- one TLS connection (tls_conn.c, tls_hs.c, tls_record.c) ---- */

/* Why a connection is not (or not wholly) decrypted. */
enum tls_reason {
	TLS_R_OK = 0,          /* decrypting (or nothing encrypted yet) */
	TLS_R_NO_HANDSHAKE,    /* joined mid-connection: no client_random seen */
	TLS_R_NO_KEY,          /* no secret for its client_random (or session) */
	TLS_R_UNSUPPORTED,     /* cipher suite or version not decryptable */
	TLS_R_BAD_MAC,         /* the keys did not verify its records */
	TLS_R_RSA_NOT_RSA_KX,  /* only --tls-key given, but the suite is not RSA key exchange */
	TLS_R_RSA_FAILED,      /* no --tls-key opened the premaster secret */
	TLS_R_N
};
const char *tls_reason_name(int reason); /* "ok", "no key", ... */

/* What everything shared by the connections: the keys and crypto objects
 * (owned by the caller), the limits, and counters summed over them. */
struct tls_stats {
	uint64_t conns, conns_decrypted, records, records_decrypted, records_failed, records_no_key,
		records_pending, pending_dropped, resyncs, seq_recovered, mac_unverified, early_skipped,
		key_updates, unsupported_suite, rsa_ok, rsa_failed, resumed;
};

#define TLS_PENDING_MAX_BYTES (256u << 10) /* records per connection waiting for a key */
#define TLS_PENDING_MAX_US (10 * 1000000LL)
#define TLS_PLAINTEXT_MAX ((1u << 14) + 2048) /* one record fragment (RFC 5246 6.2.3) */

struct tls_env {
	struct tls_keys *keys;     /* may be empty, never NULL */
	struct tls_crypto *crypto; /* never NULL */
	struct tls_rsa *rsa;       /* NULL: no --tls-key */
	struct tls_cache *cache;   /* NULL: no resumption by session id / ticket */
	int wait_for_keys;         /* live: keep records with no key yet (pending queue) */
	struct tls_stats st;
	/* One record's plaintext.  Records open one at a time and the emit
	 * callback copies what it keeps, so every connection shares it (a
	 * buffer per connection cost 18 KiB each, and page faults). */
	uint8_t out[TLS_PLAINTEXT_MAX];
};

struct tls_conn_info {
	uint16_t version;    /* negotiated: 0x0303 (1.2), 0x0304 (1.3); 0 not known */
	uint16_t suite;      /* IANA id; 0 not known */
	uint8_t reason;      /* enum tls_reason */
	uint8_t decrypted;   /* at least one application record opened */
	uint8_t resumed;     /* an abbreviated (resumed) handshake */
	uint8_t have_cr;     /* client_random below is valid */
	int8_t client_dir;   /* the caller's dir that sent the ClientHello, -1 not known */
	uint8_t cr[32];
	char sni[256];       /* server_name of the ClientHello, "" if none (raw bytes: escape to print) */
	uint64_t records, records_ok, records_failed;
	uint64_t resyncs, seq_recovered, mac_unverified; /* this connection's share of tls_stats */
};

/* Called with each run of decrypted application data, in order per
 * direction.  dir is the caller's direction (0 or 1, as given to feed);
 * frame/ts are those of the segment that completed the record; gap_before
 * says plaintext was lost before pt (a record that did not open, or a TCP
 * gap), so the consumer must resynchronise. */
typedef void tls_emit_fn(void *ctx, int dir, const uint8_t *pt, size_t n, uint64_t frame, int64_t ts_us,
			 int gap_before);

struct tls_conn;
struct tls_conn *tls_conn_new(struct tls_env *env);
void tls_conn_free(struct tls_conn *c); /* wipes its keys; drops what is pending */

/* Feed contiguous stream bytes of direction dir (0 or 1: the caller's
 * labels, fixed per direction; which one is the client is learned from
 * the ClientHello).  gap_before: bytes were lost before p.  Consumes whole
 * records only and returns how many bytes it consumed (a partial record
 * stays with the caller, who feeds it again with more).  Bytes skipped
 * while resynchronising count as consumed. */
size_t tls_conn_feed(struct tls_conn *c, int dir, const uint8_t *p, size_t n, int gap_before, uint64_t frame,
		     int64_t ts_us, tls_emit_fn *emit, void *ctx);
/* The key store grew, or time passed (now_us): records waiting for a key
 * are opened and emitted, or dropped once too old (then the connection
 * reports TLS_R_NO_KEY).  now_us < 0: end of input, drop all waiting. */
void tls_conn_retry(struct tls_conn *c, int64_t now_us, tls_emit_fn *emit, void *ctx);
/* Does the connection have records waiting for a key? */
int tls_conn_pending(const struct tls_conn *c);
const struct tls_conn_info *tls_conn_info(const struct tls_conn *c);

#endif
