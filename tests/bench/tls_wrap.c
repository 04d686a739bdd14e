/*
 * tls_wrap.c - the SIP-over-TCP capture of `gen_capture -t tcp`, carried
 * as SIP over TLS 1.3, with the NSS key log that decrypts it: the
 * material of the issue 21 benchmark (decrypt + parse against plain TCP).
 *
 *   usage: tls_wrap [-c SUITE] -k KEYLOG IN.pcap OUT.pcap
 *
 * IN is a classic pcap (little-endian, microsecond, LINKTYPE_ETHERNET,
 * IPv4) as gen_capture writes it; '-' reads standard input.  OUT holds the
 * same packets with, on every TCP connection:
 *
 *   - right after the client's ACK that completes the three-way handshake
 *     (same timestamp), a TLS 1.3 handshake: client ClientHello (SNI
 *     "sip.bench.test", supported_versions 0x0304, an x25519 key share);
 *     server ServerHello, the dummy ChangeCipherSpec and one record under
 *     the server handshake traffic secret holding EncryptedExtensions and
 *     Finished; client dummy ChangeCipherSpec and one record under the
 *     client handshake traffic secret holding Finished.  No certificate
 *     (as a PSK handshake would be); the Finished verify_data are the real
 *     HMACs over the transcript (RFC 8446 4.4.4).
 *   - every later TCP data segment's payload as one TLS application_data
 *     record (inner content type 23) under CLIENT_/SERVER_TRAFFIC_SECRET_0,
 *     record sequence numbers from 0 per direction (a payload above 2^14
 *     bytes becomes several records, RFC 8446 5.1);
 *   - TCP sequence and ack numbers shifted by the bytes each side added,
 *     IPv4 total length and the IPv4 and TCP checksums recomputed.
 *
 * The side that sent the SYN is the TLS client.  Randoms, session id and
 * key shares come from SHA-256 of a label and the connection's index (the
 * order of its SYN); the four traffic secrets from the suite's hash of the
 * key log label and the client random.  Nothing is random: the output is
 * the same for the same input and suite.  The key shares are not real
 * x25519 points and the secrets do not come from the RFC 8446 7.1 key
 * schedule, so only a decoder that uses the key log can read the capture.
 *
 * SUITE (-c): TLS_AES_128_GCM_SHA256 (default, or aes128),
 * TLS_AES_256_GCM_SHA384 (aes256), TLS_CHACHA20_POLY1305_SHA256 (chacha20).
 *
 * Every primitive is OpenSSL's (libcrypto 3): SHA-2 and HMAC through EVP,
 * HKDF-Expand-Label through EVP_KDF "HKDF" in EXPAND_ONLY mode, records
 * through the EVP AEAD interface (nonce = iv XOR seq, AAD = the record
 * header, RFC 8446 5.2-5.3).
 *
 * A summary line goes to standard output:
 *
 *   tls_wrap: suite=... connections=... records=... packets_in=...
 *             packets_out=... bytes_in=... bytes_out=... keylog=... file=...
 *
 * Exit status: 0 ok, 1 input or output error, 2 usage.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#define FRAME_MAX 262144u	/* the output's snaplen; input frames are at most this */
#ifndef TLS_PLAIN_MAX	/* a test build sets it lower to reach the split path */
#define TLS_PLAIN_MAX 16384u	/* RFC 8446 5.1: at most 2^14 bytes per record */
#endif
#define TAG_LEN 16u
#define REC_OVERHEAD (5u + 1u + TAG_LEN)	/* header, inner type, tag */
#define HASH_MAX 48u
#define SNI "sip.bench.test"

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_PSH 0x08
#define TH_ACK 0x10

static void die(const char *what)
{
	fprintf(stderr, "tls_wrap: %s\n", what);
	exit(1);
}

static void die_ssl(const char *what)
{
	fprintf(stderr, "tls_wrap: OpenSSL failed: %s\n", what);
	exit(1);
}

/* ------------------------------------------------------------------ bytes */

static uint16_t get_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}
static void put_be16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put_be24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 16); p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)v;
}
static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

/* A growable byte string for handshake messages (small, bounded). */
struct buf {
	uint8_t b[1024];
	size_t n;
};

static uint8_t *buf_put(struct buf *b, const void *p, size_t n)
{
	if (b->n + n > sizeof b->b)
		die("internal error: handshake buffer full");
	uint8_t *at = b->b + b->n;
	if (p)
		memcpy(at, p, n);
	b->n += n;
	return at;
}
static void buf_u8(struct buf *b, uint32_t v) { uint8_t c = (uint8_t)v; buf_put(b, &c, 1); }
static void buf_u16(struct buf *b, uint32_t v) { put_be16(buf_put(b, NULL, 2), v); }

/* ---------------------------------------------- Internet checksum (RFC 1071) */

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (; n > 1; p += 2, n -= 2)
		sum += get_be16(p);
	if (n)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)~sum;
}

/* ------------------------------------------------------------ the suites */

struct suite {
	const char *name, *alias;
	uint16_t id;
	const char *cipher;	/* EVP_CIPHER_fetch name */
	const char *digest;	/* EVP_MD_fetch name: the suite's hash */
	size_t key_len, hash_len;
};

static const struct suite suites[] = {
	{"TLS_AES_128_GCM_SHA256", "aes128", 0x1301, "AES-128-GCM", "SHA256", 16, 32},
	{"TLS_AES_256_GCM_SHA384", "aes256", 0x1302, "AES-256-GCM", "SHA384", 32, 48},
	{"TLS_CHACHA20_POLY1305_SHA256", "chacha20", 0x1303, "ChaCha20-Poly1305", "SHA256", 32, 32},
};

static const struct suite *su;	/* the chosen one */
static EVP_CIPHER *su_cipher;
static EVP_MD *su_md, *sha256;
static EVP_KDF *hkdf;

/* ------------------------------------------------------------- the crypto */

/* out = md(a || b) (out holds EVP_MD_get_size(md) bytes). */
static void hash2(const EVP_MD *md, const void *a, size_t an, const void *b, size_t bn, uint8_t *out)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c || !EVP_DigestInit_ex2(c, md, NULL) || !EVP_DigestUpdate(c, a, an) ||
	    !EVP_DigestUpdate(c, b, bn) || !EVP_DigestFinal_ex(c, out, NULL))
		die_ssl("digest");
	EVP_MD_CTX_free(c);
}

/* 32 bytes that depend on `label` and the connection index only. */
static void derive32(const char *label, uint64_t index, uint8_t out[32])
{
	uint8_t be[8];
	for (int i = 0; i < 8; i++)
		be[i] = (uint8_t)(index >> (56 - 8 * i));
	hash2(sha256, label, strlen(label), be, sizeof be, out);
}

/* RFC 8446 7.1: HKDF-Expand-Label(secret, label, "", len) with the suite's
 * hash; HKDF-Expand is OpenSSL's (EXPAND_ONLY), only the HkdfLabel
 * structure is built here. */
static void expand_label(const uint8_t *secret, const char *label, uint8_t *out, size_t len)
{
	uint8_t info[2 + 1 + 255 + 1];
	size_t ln = 6 + strlen(label), n = 0;
	if (ln > 255)
		die("internal error: label too long");
	put_be16(info, (uint32_t)len);
	info[2] = (uint8_t)ln;
	memcpy(info + 3, "tls13 ", 6);
	memcpy(info + 9, label, ln - 6);
	n = 3 + ln;
	info[n++] = 0; /* empty context */

	char digest[16];
	snprintf(digest, sizeof digest, "%s", su->digest);
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, su->hash_len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n),
		OSSL_PARAM_construct_end(),
	};
	EVP_KDF_CTX *k = EVP_KDF_CTX_new(hkdf);
	if (!k || EVP_KDF_derive(k, out, len, params) <= 0)
		die_ssl("HKDF-Expand-Label");
	EVP_KDF_CTX_free(k);
}

/* One direction's record protection: the AEAD keyed with the secret's key,
 * its iv and the record sequence number. */
struct prot {
	EVP_CIPHER_CTX *ctx;
	uint8_t iv[12];
	uint64_t seq;
};

/* RFC 8446 7.3: key and iv from a traffic secret; seq back to 0. */
static void prot_key(struct prot *p, const uint8_t *secret)
{
	uint8_t key[32];
	expand_label(secret, "key", key, su->key_len);
	expand_label(secret, "iv", p->iv, sizeof p->iv);
	if (!p->ctx && !(p->ctx = EVP_CIPHER_CTX_new()))
		die_ssl("EVP_CIPHER_CTX_new");
	if (!EVP_EncryptInit_ex2(p->ctx, su_cipher, key, NULL, NULL))
		die_ssl("cipher init");
	OPENSSL_cleanse(key, sizeof key);
	p->seq = 0;
}

/* RFC 8446 5.2: one TLSCiphertext record of `n` plaintext bytes of inner
 * type `type` at `out` (REC_OVERHEAD + n bytes).  `pt` may be out + 5. */
static size_t prot_seal(struct prot *p, uint8_t type, const uint8_t *pt, size_t n, uint8_t *out)
{
	uint8_t nonce[12];
	int l;
	size_t clen = n + 1 + TAG_LEN;
	memcpy(nonce, p->iv, sizeof nonce);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] ^= (uint8_t)(p->seq >> (56 - 8 * i));
	uint8_t hdr[5] = {23, 3, 3, (uint8_t)(clen >> 8), (uint8_t)clen};
	if (!EVP_EncryptInit_ex2(p->ctx, NULL, NULL, nonce, NULL) ||
	    !EVP_EncryptUpdate(p->ctx, NULL, &l, hdr, 5) ||
	    !EVP_EncryptUpdate(p->ctx, out + 5, &l, pt, (int)n) || (size_t)l != n ||
	    !EVP_EncryptUpdate(p->ctx, out + 5 + n, &l, &type, 1) || l != 1 ||
	    !EVP_EncryptFinal_ex(p->ctx, out + 6 + n, &l) || l != 0 ||
	    EVP_CIPHER_CTX_ctrl(p->ctx, EVP_CTRL_AEAD_GET_TAG, TAG_LEN, out + 6 + n) <= 0)
		die_ssl("AEAD seal");
	memcpy(out, hdr, 5);
	p->seq++;
	return 5 + clen;
}

/* -------------------------------------------------------------- the pcap */

struct pkt {
	uint32_t ts_s, ts_us;
	const uint8_t *f;	/* the frame */
	size_t len;		/* its length */
	size_t ip, tcp, pay;	/* offsets of the IPv4 header, TCP header, payload */
	size_t pay_len;
	uint32_t saddr, daddr, seq, ack;
	uint16_t sport, dport;
	uint8_t flags;
};

static FILE *out_f;
static uint8_t obuf[16 + FRAME_MAX + 8 * REC_OVERHEAD];	/* record header + frame */
static uint64_t n_pkts_in, n_pkts_out, n_bytes_in, n_bytes_out, n_records;
static uint64_t n_conns;	/* connections in the table (pairs of ends) */
static uint64_t n_handshakes;	/* SYNs seen: the next connection's index */

/* Frame (record header included) built in obuf from the headers of `t`
 * (the two ends swapped when `rev`), its payload already at obuf + 16 +
 * the header length: sets the lengths, seq, ack, flags and the checksums,
 * and writes it. */
static void frame_write(const struct pkt *t, int rev, uint32_t seq, uint32_t ack,
                        uint8_t flags, size_t pay_len)
{
	size_t hl = t->pay;	/* Ethernet + IPv4 + TCP header */
	size_t flen = hl + pay_len, ip_len = flen - t->ip;
	uint8_t *f = obuf + 16;
	if (ip_len > 65535)
		die("a TLS-wrapped segment does not fit an IPv4 packet (use a smaller -M in gen_capture)");
	put_le32(obuf, t->ts_s);
	put_le32(obuf + 4, t->ts_us);
	put_le32(obuf + 8, (uint32_t)flen);
	put_le32(obuf + 12, (uint32_t)flen);
	memcpy(f, t->f, hl);
	if (rev) {
		memcpy(f, t->f + 6, 6);
		memcpy(f + 6, t->f, 6);
		memcpy(f + t->ip + 12, t->f + t->ip + 16, 4);
		memcpy(f + t->ip + 16, t->f + t->ip + 12, 4);
		memcpy(f + t->tcp, t->f + t->tcp + 2, 2);
		memcpy(f + t->tcp + 2, t->f + t->tcp, 2);
	}
	uint8_t *ip = f + t->ip, *tcp = f + t->tcp;
	size_t ihl = t->tcp - t->ip, tcp_len = flen - t->tcp;
	put_be16(ip + 2, (uint32_t)ip_len);
	put_be16(ip + 10, 0);
	put_be16(ip + 10, csum_fold(csum_add(0, ip, ihl)));
	put_be32(tcp + 4, seq);
	put_be32(tcp + 8, ack);
	tcp[13] = flags;
	put_be16(tcp + 16, 0);
	uint32_t sum = csum_add(0, ip + 12, 8);	/* pseudo header: addresses, */
	sum += 6u + (uint32_t)tcp_len;		/* protocol and TCP length */
	put_be16(tcp + 16, csum_fold(csum_add(sum, tcp, tcp_len)));
	if (fwrite(obuf, 1, 16 + flen, out_f) != 16 + flen)
		die("write error");
	n_pkts_out++;
	n_bytes_out += 16 + flen;
}

/* Copies the frame unchanged. */
static void frame_copy(const struct pkt *t, const uint8_t *rec_hdr)
{
	if (fwrite(rec_hdr, 1, 16, out_f) != 16 || fwrite(t->f, 1, t->len, out_f) != t->len)
		die("write error");
	n_pkts_out++;
	n_bytes_out += 16 + t->len;
}

/* Parses an Ethernet/IPv4/TCP frame; 0 when it is something else. */
static int pkt_parse(struct pkt *p)
{
	const uint8_t *f = p->f;
	if (p->len < 14 + 20 || get_be16(f + 12) != 0x0800)
		return 0;
	const uint8_t *ip = f + 14;
	size_t ihl = (size_t)(ip[0] & 15) * 4, tot = get_be16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != 6 || (get_be16(ip + 6) & 0x3FFF) ||
	    tot < ihl + 20 || 14 + tot > p->len)
		return 0;
	const uint8_t *tcp = ip + ihl;
	size_t thl = (size_t)(tcp[12] >> 4) * 4;
	if (thl < 20 || ihl + thl > tot)
		return 0;
	p->ip = 14;
	p->tcp = 14 + ihl;
	p->pay = 14 + ihl + thl;
	p->pay_len = tot - ihl - thl;
	p->saddr = get_be32(ip + 12);
	p->daddr = get_be32(ip + 16);
	p->sport = get_be16(tcp);
	p->dport = get_be16(tcp + 2);
	p->seq = get_be32(tcp + 4);
	p->ack = get_be32(tcp + 8);
	p->flags = tcp[13];
	return 1;
}

/* --------------------------------------------------------- connections */

enum { CS_SYN, CS_SYNACK, CS_TLS };

struct conn {
	uint32_t ip[2];
	uint16_t port[2];	/* side 0: the client (sent the SYN) */
	int state;
	uint64_t index;
	uint32_t delta[2];	/* bytes each side added to its stream so far */
	struct prot prot[2];
};

static struct conn *conns;
static size_t conns_cap;
static uint32_t *ctab;	/* open addressing: index + 1, 0 = empty */
static size_t ctab_size;

static uint64_t conn_hash(uint32_t a, uint16_t ap, uint32_t b, uint16_t bp)
{
	uint64_t x = (uint64_t)a << 16 | ap, y = (uint64_t)b << 16 | bp;
	uint64_t lo = x < y ? x : y, hi = x < y ? y : x;
	uint64_t z = lo * UINT64_C(0x9E3779B97F4A7C15) ^ hi;
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* The connection of `p` and the side that sent it, or NULL. */
static struct conn *conn_find(const struct pkt *p, int *side, size_t *slot)
{
	size_t h = (size_t)conn_hash(p->saddr, p->sport, p->daddr, p->dport) & (ctab_size - 1);
	for (;; h = (h + 1) & (ctab_size - 1)) {
		*slot = h;
		if (!ctab[h])
			return NULL;
		struct conn *k = &conns[ctab[h] - 1];
		for (int s = 0; s < 2; s++)
			if (k->ip[s] == p->saddr && k->port[s] == p->sport &&
			    k->ip[!s] == p->daddr && k->port[!s] == p->dport) {
				*side = s;
				return k;
			}
	}
}

static void ctab_grow(void)
{
	size_t size = ctab_size ? ctab_size * 2 : 4096;
	uint32_t *t = calloc(size, sizeof *t);
	if (!t)
		die("out of memory");
	for (size_t i = 0; i < n_conns; i++) {
		const struct conn *k = &conns[i];
		size_t h = (size_t)conn_hash(k->ip[0], k->port[0], k->ip[1], k->port[1]) & (size - 1);
		while (t[h])
			h = (h + 1) & (size - 1);
		t[h] = (uint32_t)i + 1;
	}
	free(ctab);
	ctab = t;
	ctab_size = size;
}

/* A SYN: a new connection, or the old one on the same ends started again. */
static void conn_open(const struct pkt *p)
{
	int side;
	size_t slot;
	if (!ctab_size)
		ctab_grow();
	struct conn *k = conn_find(p, &side, &slot);
	if (!k) {
		if ((n_conns + 1) * 2 > ctab_size) {
			ctab_grow();
			conn_find(p, &side, &slot);
		}
		if (n_conns == conns_cap) {
			conns_cap = conns_cap ? conns_cap * 2 : 1024;
			struct conn *c = realloc(conns, conns_cap * sizeof *c);
			if (!c)
				die("out of memory");
			conns = c;
		}
		k = &conns[n_conns];
		memset(k, 0, sizeof *k);
		ctab[slot] = (uint32_t)++n_conns;
	}
	struct prot keep[2] = {k->prot[0], k->prot[1]};	/* contexts are reused */
	memset(k, 0, sizeof *k);
	k->prot[0].ctx = keep[0].ctx;
	k->prot[1].ctx = keep[1].ctx;
	k->ip[0] = p->saddr;
	k->port[0] = p->sport;
	k->ip[1] = p->daddr;
	k->port[1] = p->dport;
	k->state = CS_SYN;
	k->index = n_handshakes++;
}

/* ----------------------------------------------------------- the TLS flight */

static FILE *keylog_f;

static void keylog_line(const char *label, const uint8_t cr[32], const uint8_t *secret)
{
	fprintf(keylog_f, "%s ", label);
	for (int i = 0; i < 32; i++)
		fprintf(keylog_f, "%02x", cr[i]);
	fputc(' ', keylog_f);
	for (size_t i = 0; i < su->hash_len; i++)
		fprintf(keylog_f, "%02x", secret[i]);
	fputc('\n', keylog_f);
}

/* A handshake message: type, u24 length, body (RFC 8446 4). */
static void hs_begin(struct buf *b, uint8_t type) { buf_u8(b, type); buf_put(b, NULL, 3); }
static void hs_end(struct buf *b) { put_be24(b->b + 1, (uint32_t)(b->n - 4)); }

/* An extension: type, u16 length, data. */
static size_t ext_begin(struct buf *b, uint16_t type) { buf_u16(b, type); buf_u16(b, 0); return b->n; }
static void ext_end(struct buf *b, size_t at) { put_be16(b->b + at - 2, (uint32_t)(b->n - at)); }

/* Finished (RFC 8446 4.4.4): HMAC(finished_key, Transcript-Hash(msgs)). */
static void finished(struct buf *out, const uint8_t *base_secret, const struct buf *const *msgs, int nmsgs)
{
	uint8_t fk[HASH_MAX], th[HASH_MAX];
	unsigned int thl = 0;
	size_t vl = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c || !EVP_DigestInit_ex2(c, su_md, NULL))
		die_ssl("digest");
	for (int i = 0; i < nmsgs; i++)
		if (!EVP_DigestUpdate(c, msgs[i]->b, msgs[i]->n))
			die_ssl("digest");
	if (!EVP_DigestFinal_ex(c, th, &thl))
		die_ssl("digest");
	EVP_MD_CTX_free(c);
	expand_label(base_secret, "finished", fk, su->hash_len);
	hs_begin(out, 20);
	uint8_t *vd = buf_put(out, NULL, su->hash_len);
	if (!EVP_Q_mac(NULL, "HMAC", NULL, su->digest, NULL, fk, su->hash_len, th, thl,
	               vd, su->hash_len, &vl) || vl != su->hash_len)
		die_ssl("HMAC");
	hs_end(out);
}

/* A plaintext record of `type` holding `m` at `at`; its length. */
static size_t plain_record(uint8_t *at, uint8_t type, uint16_t version, const struct buf *m)
{
	at[0] = type;
	put_be16(at + 1, version);
	put_be16(at + 3, (uint32_t)m->n);
	memcpy(at + 5, m->b, m->n);
	return 5 + m->n;
}

static const uint8_t dummy_ccs[6] = {20, 3, 3, 0, 1, 1};	/* RFC 8446 D.4 */

/*
 * The TLS 1.3 handshake of connection `k`, written after `ack` (the
 * client's ACK that completed the TCP handshake, original numbers): three
 * segments, the client's, the server's and the client's again.  Then
 * both directions switch to their application traffic secrets.
 */
static void tls_handshake(struct conn *k, const struct pkt *ack)
{
	uint8_t cr[32], sr[32], sid[32], cks[32], sks[32];
	uint8_t chts[HASH_MAX], shts[HASH_MAX], cats[HASH_MAX], sats[HASH_MAX];
	derive32("tls_wrap client random", k->index, cr);
	derive32("tls_wrap server random", k->index, sr);
	derive32("tls_wrap session id", k->index, sid);
	derive32("tls_wrap client x25519", k->index, cks);
	derive32("tls_wrap server x25519", k->index, sks);
	static const char *const labels[4] = {
		"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
		"CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0",
	};
	uint8_t *secrets[4] = {chts, shts, cats, sats};
	for (int i = 0; i < 4; i++) {
		hash2(su_md, labels[i], strlen(labels[i]), cr, sizeof cr, secrets[i]);
		keylog_line(labels[i], cr, secrets[i]);
	}

	/* ClientHello (RFC 8446 4.1.2) */
	struct buf ch = {.n = 0};
	hs_begin(&ch, 1);
	buf_u16(&ch, 0x0303);
	buf_put(&ch, cr, 32);
	buf_u8(&ch, 32);
	buf_put(&ch, sid, 32);
	buf_u16(&ch, 2);
	buf_u16(&ch, su->id);
	buf_u8(&ch, 1);
	buf_u8(&ch, 0);		/* null compression */
	buf_u16(&ch, 0);	/* extensions length, set below */
	size_t exts = ch.n, e;
	e = ext_begin(&ch, 0);	/* server_name (RFC 6066 3) */
	buf_u16(&ch, 3 + strlen(SNI));
	buf_u8(&ch, 0);		/* host_name */
	buf_u16(&ch, strlen(SNI));
	buf_put(&ch, SNI, strlen(SNI));
	ext_end(&ch, e);
	e = ext_begin(&ch, 10);	/* supported_groups: x25519 */
	buf_u16(&ch, 2);
	buf_u16(&ch, 0x001d);
	ext_end(&ch, e);
	e = ext_begin(&ch, 13);	/* signature_algorithms: ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256 */
	buf_u16(&ch, 4);
	buf_u16(&ch, 0x0403);
	buf_u16(&ch, 0x0804);
	ext_end(&ch, e);
	e = ext_begin(&ch, 43);	/* supported_versions: TLS 1.3 */
	buf_u8(&ch, 2);
	buf_u16(&ch, 0x0304);
	ext_end(&ch, e);
	e = ext_begin(&ch, 51);	/* key_share: one x25519 entry */
	buf_u16(&ch, 2 + 2 + 32);
	buf_u16(&ch, 0x001d);
	buf_u16(&ch, 32);
	buf_put(&ch, cks, 32);
	ext_end(&ch, e);
	put_be16(ch.b + exts - 2, (uint32_t)(ch.n - exts));
	hs_end(&ch);

	/* ServerHello (RFC 8446 4.1.3) */
	struct buf sh = {.n = 0};
	hs_begin(&sh, 2);
	buf_u16(&sh, 0x0303);
	buf_put(&sh, sr, 32);
	buf_u8(&sh, 32);
	buf_put(&sh, sid, 32);
	buf_u16(&sh, su->id);
	buf_u8(&sh, 0);
	buf_u16(&sh, 0);
	exts = sh.n;
	e = ext_begin(&sh, 43);
	buf_u16(&sh, 0x0304);
	ext_end(&sh, e);
	e = ext_begin(&sh, 51);
	buf_u16(&sh, 0x001d);
	buf_u16(&sh, 32);
	buf_put(&sh, sks, 32);
	ext_end(&sh, e);
	put_be16(sh.b + exts - 2, (uint32_t)(sh.n - exts));
	hs_end(&sh);

	/* EncryptedExtensions (empty) and the two Finished */
	struct buf ee = {.n = 0}, sfin = {.n = 0}, cfin = {.n = 0};
	hs_begin(&ee, 8);
	buf_u16(&ee, 0);
	hs_end(&ee);
	const struct buf *tr[4] = {&ch, &sh, &ee, &sfin};
	finished(&sfin, shts, tr, 3);
	finished(&cfin, chts, tr, 4);

	size_t hl = ack->pay;
	uint8_t *pay = obuf + 16 + hl;
	uint32_t cseq = ack->seq, sseq = ack->ack;	/* next byte of each side */
	size_t n;

	/* client: ClientHello (legacy_record_version 0x0301, RFC 8446 5.1) */
	n = plain_record(pay, 22, 0x0301, &ch);
	frame_write(ack, 0, cseq + k->delta[0], sseq + k->delta[1], TH_PSH | TH_ACK, n);
	k->delta[0] += (uint32_t)n;

	/* server: ServerHello, CCS, {EncryptedExtensions, Finished} */
	n = plain_record(pay, 22, 0x0303, &sh);
	memcpy(pay + n, dummy_ccs, sizeof dummy_ccs);
	n += sizeof dummy_ccs;
	uint8_t pt[6 + 4 + HASH_MAX];
	memcpy(pt, ee.b, ee.n);
	memcpy(pt + ee.n, sfin.b, sfin.n);
	prot_key(&k->prot[1], shts);
	n += prot_seal(&k->prot[1], 22, pt, ee.n + sfin.n, pay + n);
	frame_write(ack, 1, sseq + k->delta[1], cseq + k->delta[0], TH_PSH | TH_ACK, n);
	k->delta[1] += (uint32_t)n;

	/* client: CCS, {Finished} */
	memcpy(pay, dummy_ccs, sizeof dummy_ccs);
	n = sizeof dummy_ccs;
	prot_key(&k->prot[0], chts);
	n += prot_seal(&k->prot[0], 22, cfin.b, cfin.n, pay + n);
	frame_write(ack, 0, cseq + k->delta[0], sseq + k->delta[1], TH_PSH | TH_ACK, n);
	k->delta[0] += (uint32_t)n;

	prot_key(&k->prot[0], cats);
	prot_key(&k->prot[1], sats);
	n_records += 5;
	OPENSSL_cleanse(chts, sizeof chts);
	OPENSSL_cleanse(shts, sizeof shts);
	OPENSSL_cleanse(cats, sizeof cats);
	OPENSSL_cleanse(sats, sizeof sats);
	k->state = CS_TLS;
}

/* ------------------------------------------------------------------ main */

static void usage(void)
{
	fprintf(stderr,
	        "usage: tls_wrap [-c SUITE] -k KEYLOG IN.pcap OUT.pcap\n"
	        "  IN.pcap   a capture of gen_capture -t tcp ('-': standard input)\n"
	        "  OUT.pcap  the same SIP messages over TLS 1.3\n"
	        "  -k FILE   write the NSS key log that decrypts OUT.pcap\n"
	        "  -c SUITE  TLS_AES_128_GCM_SHA256 (default, aes128),\n"
	        "            TLS_AES_256_GCM_SHA384 (aes256),\n"
	        "            TLS_CHACHA20_POLY1305_SHA256 (chacha20)\n");
	exit(2);
}

static size_t read_full(FILE *f, void *p, size_t n)
{
	size_t got = fread(p, 1, n, f);
	if (got != n && ferror(f))
		die("read error");
	return got;
}

int main(int argc, char **argv)
{
	const char *keylog = NULL, *in_path = NULL, *out_path = NULL;
	su = &suites[0];
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		if (!strcmp(o, "-k") && i + 1 < argc) {
			keylog = argv[++i];
		} else if (!strcmp(o, "-c") && i + 1 < argc) {
			const char *name = argv[++i];
			su = NULL;
			for (size_t s = 0; s < sizeof suites / sizeof suites[0]; s++)
				if (!strcmp(name, suites[s].name) || !strcmp(name, suites[s].alias))
					su = &suites[s];
			if (!su) {
				fprintf(stderr, "tls_wrap: unknown suite '%s'\n", name);
				usage();
			}
		} else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			usage();
		} else if (o[0] == '-' && o[1]) {
			fprintf(stderr, "tls_wrap: bad argument '%s'\n", o);
			usage();
		} else if (!in_path) {
			in_path = o;
		} else if (!out_path) {
			out_path = o;
		} else {
			usage();
		}
	}
	if (!keylog || !in_path || !out_path)
		usage();

	su_cipher = EVP_CIPHER_fetch(NULL, su->cipher, NULL);
	su_md = EVP_MD_fetch(NULL, su->digest, NULL);
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	if (!su_cipher || !su_md || !sha256 || !hkdf)
		die_ssl("fetching the suite's algorithms");

	FILE *in = strcmp(in_path, "-") ? fopen(in_path, "rb") : stdin;
	if (!in) {
		perror(in_path);
		return 1;
	}
	out_f = fopen(out_path, "wb");
	if (!out_f) {
		perror(out_path);
		return 1;
	}
	keylog_f = fopen(keylog, "w");
	if (!keylog_f) {
		perror(keylog);
		return 1;
	}
	static char ibuf[1 << 20], obufio[1 << 20];
	setvbuf(in, ibuf, _IOFBF, sizeof ibuf);
	setvbuf(out_f, obufio, _IOFBF, sizeof obufio);

	uint8_t gh[24];
	if (read_full(in, gh, 24) != 24)
		die("input too short for a pcap header");
	if (get_le32(gh) != 0xa1b2c3d4u || get_le32(gh + 20) != 1)
		die("input is not a little-endian microsecond pcap of Ethernet frames (gen_capture -t tcp)");
	put_le32(gh + 16, FRAME_MAX);	/* snaplen: records add bytes to frames */
	if (fwrite(gh, 1, 24, out_f) != 24)
		die("write error");
	n_bytes_in = n_bytes_out = 24;	/* the summary's sizes are the files' */

	static uint8_t frame[FRAME_MAX];
	uint8_t rh[16];
	size_t got;
	while ((got = read_full(in, rh, 16)) == 16) {
		struct pkt p = {.f = frame};
		p.ts_s = get_le32(rh);
		p.ts_us = get_le32(rh + 4);
		p.len = get_le32(rh + 8);
		if (p.len > FRAME_MAX || p.len != get_le32(rh + 12))
			die("a frame is truncated or longer than 262144 bytes");
		if (read_full(in, frame, p.len) != p.len)
			die("input ends in the middle of a frame");
		n_pkts_in++;
		n_bytes_in += 16 + p.len;
		if (!pkt_parse(&p)) {
			frame_copy(&p, rh);
			continue;
		}
		if ((p.flags & (TH_SYN | TH_ACK)) == TH_SYN) {
			conn_open(&p);
			frame_copy(&p, rh);
			continue;
		}
		int side;
		size_t slot;
		struct conn *k = ctab_size ? conn_find(&p, &side, &slot) : NULL;
		if (!k)
			die("a TCP segment of a connection whose SYN is not in the capture");
		if (p.flags & TH_SYN) {
			if (side != 1 || k->state != CS_SYN)
				die("unexpected SYN-ACK");
			k->state = CS_SYNACK;
			frame_copy(&p, rh);
			continue;
		}
		if (k->state != CS_TLS) {
			if (k->state != CS_SYNACK || side != 0 || p.pay_len || !(p.flags & TH_ACK) ||
			    (p.flags & TH_FIN))
				die("the client's ACK does not follow SYN, SYN-ACK (not a gen_capture -t tcp capture?)");
			frame_copy(&p, rh);
			tls_handshake(k, &p);
			continue;
		}
		uint32_t seq = p.seq + k->delta[side];
		uint32_t ack = (p.flags & TH_ACK) ? p.ack + k->delta[!side] : p.ack;
		size_t n = 0;
		uint8_t *pay = obuf + 16 + p.pay;
		for (size_t off = 0; off < p.pay_len;) {
			size_t c = p.pay_len - off < TLS_PLAIN_MAX ? p.pay_len - off : TLS_PLAIN_MAX;
			if (n + c + REC_OVERHEAD > sizeof obuf - 16 - p.pay)
				die("a TLS-wrapped segment does not fit an IPv4 packet (use a smaller -M in gen_capture)");
			n += prot_seal(&k->prot[side], 23, p.f + p.pay + off, c, pay + n);
			n_records++;
			off += c;
		}
		frame_write(&p, 0, seq, ack, p.flags, n);
		k->delta[side] += (uint32_t)(n - p.pay_len);
	}
	if (got)
		die("input ends in the middle of a record header");
	if (fflush(out_f) || fclose(out_f) || fflush(keylog_f) || fclose(keylog_f))
		die("write error");
	if (in != stdin)
		fclose(in);
	for (size_t i = 0; i < n_conns; i++)
		for (int s = 0; s < 2; s++)
			EVP_CIPHER_CTX_free(conns[i].prot[s].ctx);
	free(conns);
	free(ctab);
	EVP_CIPHER_free(su_cipher);
	EVP_MD_free(su_md);
	EVP_MD_free(sha256);
	EVP_KDF_free(hkdf);
	printf("tls_wrap: suite=%s connections=%llu records=%llu packets_in=%llu packets_out=%llu "
	       "bytes_in=%llu bytes_out=%llu keylog=%s file=%s\n",
	       su->name, (unsigned long long)n_handshakes, (unsigned long long)n_records,
	       (unsigned long long)n_pkts_in, (unsigned long long)n_pkts_out,
	       (unsigned long long)n_bytes_in, (unsigned long long)n_bytes_out, keylog, out_path);
	return 0;
}
