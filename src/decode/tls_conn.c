/* tls_conn.c - one TLS connection (tls-design.md 6 and 7): record framing
 * per direction, the plaintext and decrypted handshake (ClientHello,
 * ServerHello/HRR, ClientKeyExchange, NewSessionTicket, Finished,
 * KeyUpdate), the key switches of TLS 1.2 (at CCS) and 1.3 (handshake and
 * application epochs), resynchronisation after a TCP gap, and the queue of
 * records that wait for a key.
 *
 * Secrets are copied from the key store when a direction switches keys and
 * wiped at every switch and at free.  Opening a record allocates nothing:
 * each direction's cipher is keyed once per epoch and the plaintext goes to
 * one per-connection buffer. */
#include <stdlib.h>
#include <string.h>

#include "sipscope/tls.h"

#define HS_MAX (64u << 10)           /* one handshake message; longer ones are skipped */
#define TRANSCRIPT_MAX (256u << 10)  /* the RFC 7627 session hash input (RSA path only) */
#define OUT_CAP ((1u << 14) + 2048)
#define REC_MAX ((1u << 14) + 2048)
#define TRIALS 512u                  /* seq recovery: expected + 1 .. + TRIALS */
#define TICKET_MAX 4096u
#define CKE_MAX 2048u
#define PEND_HDR 24u                 /* u64 len, u64 frame, i64 ts */

/* Key epochs of one direction. */
enum { EP_PLAIN, EP_HS, EP_APP };

enum { REC_DONE, REC_BLOCKED };

struct tls_dir {
	struct tls_cipher *ciph;  /* the epoch's cipher; NULL: plaintext, or no key yet */
	struct tls_cipher *early; /* 1.3 client: 0-RTT (CLIENT_EARLY_TRAFFIC_SECRET) */
	uint64_t seq, early_seq;
	uint8_t ep;
	uint8_t secret[TLS_SECRET_MAX]; /* 1.3: the epoch's traffic secret */
	uint8_t slen;
	uint8_t lost;       /* plaintext lost since the last emit */
	uint8_t resync;     /* scanning for a record header */
	uint8_t recover;    /* after a gap: the next record may need another seq */
	uint8_t finished;   /* 1.3: this direction's Finished was read */
	uint8_t switch_app; /* 1.3: Finished ends this record: app keys from the next */
	uint8_t key_update; /* 1.3: KeyUpdate ends this record */
	uint8_t early_done; /* 1.3 client: EndOfEarlyData read or early keys failed */
	uint8_t early_tried;
	uint32_t fail_streak;
	uint64_t ok_in_epoch;
	uint8_t *hs; /* a handshake message that spans records (freed once whole) */
	size_t hs_len, hs_cap, hs_skip;
	uint8_t *q; /* pending records: {u64 len, u64 frame, i64 ts, header + fragment} */
	size_t q_len, q_cap, q_n;
};

struct tls_conn {
	struct tls_env *env;
	struct tls_conn_info info;
	const struct tls_suite *suite;
	struct tls_dir d[2];
	uint8_t sr[32];
	uint8_t ch_seen, sh_seen, v13, v13_offered, early_offered, ems_c, etm_c, ems, etm;
	uint8_t sid_c[32], sid_c_len, sid_s[32], sid_s_len;
	uint8_t saw_shd, resumed_counted, counted_decrypted, unsupported;
	uint16_t client_version;
	uint8_t *ch_ticket, *nst, *cke;
	size_t ch_ticket_len, nst_len, cke_len;
	uint8_t ms[48];
	uint8_t have_ms, ms_from_rsa, rsa_tried;
	uint8_t kb[2 * 48 + 2 * 32 + 2 * 12]; /* TLS 1.2 key_block */
	uint8_t *tr; /* TLS 1.2 transcript CH..CKE, when RSA keys are loaded (freed once used) */
	size_t tr_len, tr_cap;
	uint8_t tr_broken, tr_done;
	size_t pend_bytes;
	uint8_t *out; /* plaintext of one record (OUT_CAP), made at the first encrypted record */
};

static const uint8_t HRR_RANDOM[32] = {0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
				       0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
				       0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

const char *tls_reason_name(int reason)
{
	static const char *const N[TLS_R_N] = {"ok", "no handshake", "no key", "unsupported", "bad mac",
					       "rsa key but not rsa key exchange", "rsa decrypt failed"};
	return reason >= 0 && reason < TLS_R_N ? N[reason] : "?";
}

static unsigned u16be(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static size_t u24be(const uint8_t *p)
{
	return (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2];
}

static size_t hash_len(int hash)
{
	return hash == TLS_HASH_SHA384 ? 48 : 32;
}

/* Problems that explain more than "no key" are kept; NO_KEY and OK give way. */
static void set_reason(struct tls_conn *c, int r)
{
	if (c->info.reason == TLS_R_OK || c->info.reason == TLS_R_NO_KEY || r == TLS_R_UNSUPPORTED)
		c->info.reason = (uint8_t)r;
}

static int client_dir(const struct tls_conn *c)
{
	return c->info.client_dir;
}

static void dir_set_cipher(struct tls_dir *d, struct tls_cipher *t)
{
	tls_cipher_free(d->ciph);
	d->ciph = t;
}

/* A new epoch: the old cipher and secret wiped, seq 0. */
static void dir_new_epoch(struct tls_dir *d, int ep)
{
	dir_set_cipher(d, NULL);
	tls_cleanse(d->secret, sizeof d->secret);
	d->slen = 0;
	d->ep = (uint8_t)ep;
	d->seq = 0;
	d->ok_in_epoch = 0;
	d->fail_streak = 0;
}

/* ---- keys ---- */

static struct tls_cipher *cipher13(struct tls_conn *c, const struct tls_suite *s, const uint8_t *secret,
				   size_t slen)
{
	uint8_t key[32], iv[12];
	struct tls_cipher *t = NULL;
	if (tls13_traffic_keys(c->env->crypto, s, secret, slen, key, iv) == 0)
		t = tls_cipher_new(c->env->crypto, s, 0x0304, key, iv, NULL, 0);
	tls_cleanse(key, sizeof key);
	tls_cleanse(iv, sizeof iv);
	return t;
}

/* The key store's secret of that kind for this connection, with the
 * suite's hash length, copied to out.  Returns its length or 0. */
static size_t find_secret(struct tls_conn *c, int kind, size_t want, uint8_t *out)
{
	if (!c->info.have_cr)
		return 0;
	const struct tls_secrets *s = tls_keys_find(c->env->keys, c->info.cr);
	if (!s || !(s->have & (1u << kind)) || (want && s->len[kind] != want))
		return 0;
	memcpy(out, s->sec[kind], s->len[kind]);
	return s->len[kind];
}

/* TLS 1.3: the traffic secret of this direction's epoch, and its cipher. */
static int install13(struct tls_conn *c, int dir)
{
	struct tls_dir *d = &c->d[dir];
	int client = dir == client_dir(c);
	int kind = d->ep == EP_HS ? (client ? TLS_SEC_CHTS : TLS_SEC_SHTS) : (client ? TLS_SEC_CATS : TLS_SEC_SATS);
	size_t hl = hash_len(c->suite->prf_hash);
	uint8_t sec[TLS_SECRET_MAX];
	if (!find_secret(c, kind, hl, sec))
		return -1;
	struct tls_cipher *t = cipher13(c, c->suite, sec, hl);
	if (!t) {
		tls_cleanse(sec, sizeof sec);
		return -1;
	}
	memcpy(d->secret, sec, hl);
	d->slen = (uint8_t)hl;
	tls_cleanse(sec, sizeof sec);
	dir_set_cipher(d, t);
	return 0;
}

/* The transcript is no longer needed (used, or not an RSA handshake). */
static void tr_release(struct tls_conn *c)
{
	free(c->tr);
	c->tr = NULL;
	c->tr_len = c->tr_cap = 0;
	c->tr_broken = 1;
}

/* RFC 7627 4: the session hash of the transcript CH..CKE. */
static int ems_hash(struct tls_conn *c, uint8_t *h, size_t *hl)
{
	if (!c->tr || c->tr_broken || !c->tr_done)
		return -1;
	*hl = tls_digest(c->env->crypto, c->suite->prf_hash, c->tr, c->tr_len, h);
	return *hl ? 0 : -1;
}

/* TLS 1.2: the master secret from the key log, the session cache (a
 * resumed handshake) or the RSA private keys, then the key_block. */
static int derive12(struct tls_conn *c)
{
	if (c->have_ms)
		return 0;
	if (!c->suite || !c->info.have_cr || !c->sh_seen)
		return -1;
	struct tls_env *e = c->env;
	int got = find_secret(c, TLS_SEC_MS, 48, c->ms) == 48;
	if (!got && c->info.resumed && e->cache) {
		got = (c->sid_s_len && tls_cache_get_session(e->cache, c->sid_s, c->sid_s_len, c->ms) == 0) ||
		      (c->ch_ticket_len && tls_cache_get_ticket(e->cache, c->ch_ticket, c->ch_ticket_len, c->ms) == 0);
	}
	if (!got && e->rsa && !c->info.resumed) {
		if (!c->suite->rsa_kx) {
			set_reason(c, TLS_R_RSA_NOT_RSA_KX);
		} else if (c->cke && !c->rsa_tried) {
			uint8_t pms[48], h[48];
			size_t hl = 0;
			c->rsa_tried = 1;
			if (tls_rsa_pms(e->rsa, c->cke, c->cke_len, c->client_version, pms) == 0) {
				if (c->ems)
					got = ems_hash(c, h, &hl) == 0 &&
					      tls12_ems_master_secret(e->crypto, c->suite->prf_hash, pms, 48, h, hl, c->ms) == 0;
				else
					got = tls12_master_secret(e->crypto, c->suite->prf_hash, pms, 48, c->info.cr, c->sr,
								  c->ms) == 0;
			}
			tls_cleanse(pms, sizeof pms);
			tr_release(c);
			if (got) {
				e->st.rsa_ok++;
				c->ms_from_rsa = 1;
			} else {
				e->st.rsa_failed++;
				c->info.reason = TLS_R_RSA_FAILED;
			}
		}
	}
	if (!got)
		return -1;
	const struct tls_suite *s = c->suite;
	size_t kbl = 2u * s->mac_len + 2u * s->key_len + 2u * s->fixed_iv_len;
	if (tls12_key_block(e->crypto, s->prf_hash, c->ms, c->info.cr, c->sr, c->kb, kbl) != 0) {
		tls_cleanse(c->ms, sizeof c->ms);
		return -1;
	}
	c->have_ms = 1;
	if (c->ms_from_rsa && e->cache) {
		if (c->sid_s_len)
			tls_cache_put_session(e->cache, c->sid_s, c->sid_s_len, c->ms);
		if (c->nst_len)
			tls_cache_put_ticket(e->cache, c->nst, c->nst_len, c->ms);
	}
	return 0;
}

/* TLS 1.2: this direction's cipher from the key_block (RFC 5246 6.3:
 * client MAC, server MAC, client key, server key, client IV, server IV). */
static int install12(struct tls_conn *c, int dir)
{
	if (derive12(c) != 0)
		return -1;
	const struct tls_suite *s = c->suite;
	int srv = dir != client_dir(c);
	const uint8_t *mac = c->kb + (srv ? s->mac_len : 0);
	const uint8_t *key = c->kb + 2u * s->mac_len + (srv ? s->key_len : 0);
	const uint8_t *iv = c->kb + 2u * s->mac_len + 2u * s->key_len + (srv ? s->fixed_iv_len : 0);
	struct tls_cipher *t = tls_cipher_new(c->env->crypto, s, 0x0303, key, iv, s->mac_len ? mac : NULL, c->etm);
	if (!t)
		return -1;
	dir_set_cipher(&c->d[dir], t);
	return 0;
}

/* The current epoch's cipher of an encrypted direction, when it can be had. */
static int obtain_key(struct tls_conn *c, int dir)
{
	if (c->d[dir].ciph)
		return 0;
	if (!c->suite || c->unsupported || client_dir(c) < 0)
		return -1;
	return c->v13 ? install13(c, dir) : install12(c, dir);
}

/* 1.3: the cipher of the epoch after the current one (a lost Finished or
 * KeyUpdate), its secret left in next. */
static struct tls_cipher *next_epoch13(struct tls_conn *c, int dir, uint8_t *next, size_t *nl)
{
	struct tls_dir *d = &c->d[dir];
	size_t hl = hash_len(c->suite->prf_hash);
	if (d->ep == EP_HS) {
		int kind = dir == client_dir(c) ? TLS_SEC_CATS : TLS_SEC_SATS;
		if (!find_secret(c, kind, hl, next))
			return NULL;
	} else if (d->ep == EP_APP && d->slen) {
		if (tls13_next_secret(c->env->crypto, c->suite->prf_hash, d->secret, d->slen, next) != 0)
			return NULL;
	} else {
		return NULL;
	}
	*nl = hl;
	return cipher13(c, c->suite, next, hl);
}

/* ---- handshake ---- */

/* ClientHello (RFC 5246 7.4.1.2, RFC 8446 4.1.2). */
static void parse_ch(struct tls_conn *c, int dir, const uint8_t *b, size_t n)
{
	if (n < 2 + 32 + 1)
		return;
	size_t o = 0;
	c->client_version = (uint16_t)u16be(b);
	memcpy(c->info.cr, b + 2, 32);
	c->info.have_cr = 1;
	c->info.client_dir = (int8_t)dir;
	c->ch_seen = 1;
	o = 34;
	size_t sl = b[o++];
	if (sl > 32 || o + sl > n)
		return;
	memcpy(c->sid_c, b + o, sl);
	c->sid_c_len = (uint8_t)sl;
	o += sl;
	if (o + 2 > n)
		return;
	o += 2 + u16be(b + o);
	if (o + 1 > n)
		return;
	o += 1 + (size_t)b[o];
	if (o + 2 > n)
		return;
	size_t end = o + 2 + u16be(b + o);
	o += 2;
	if (end > n)
		end = n;
	c->ems_c = c->etm_c = c->v13_offered = c->early_offered = 0;
	while (o + 4 <= end) {
		unsigned t = u16be(b + o);
		size_t l = u16be(b + o + 2);
		o += 4;
		if (o + l > end)
			break;
		const uint8_t *x = b + o;
		switch (t) {
		case 0: /* server_name (RFC 6066 3): list of {type, name}; host_name = 0 */
			if (l >= 5 && x[2] == 0) {
				size_t hl = u16be(x + 3);
				if (5 + hl <= l) {
					if (hl >= sizeof c->info.sni)
						hl = sizeof c->info.sni - 1;
					memcpy(c->info.sni, x + 5, hl);
					c->info.sni[hl] = 0;
				}
			}
			break;
		case 22:
			c->etm_c = 1;
			break;
		case 23:
			c->ems_c = 1;
			break;
		case 35:
			free(c->ch_ticket);
			c->ch_ticket = NULL;
			c->ch_ticket_len = 0;
			if (l && l <= TICKET_MAX && (c->ch_ticket = malloc(l))) {
				memcpy(c->ch_ticket, x, l);
				c->ch_ticket_len = l;
			}
			break;
		case 42:
			c->early_offered = 1;
			break;
		case 43:
			for (size_t i = 1; l >= 1 && i + 1 < l && i + 1 <= x[0]; i += 2)
				if (u16be(x + i) == 0x0304)
					c->v13_offered = 1;
			break;
		}
		o += l;
	}
}

static void start13(struct tls_conn *c)
{
	for (int i = 0; i < 2; i++) {
		dir_new_epoch(&c->d[i], EP_HS);
		install13(c, i); /* no key yet: looked up again when a record needs it */
	}
}

/* ServerHello (RFC 5246 7.4.1.3, RFC 8446 4.1.3); a HelloRetryRequest
 * changes no keys. */
static void parse_sh(struct tls_conn *c, int dir, const uint8_t *b, size_t n)
{
	if (n < 2 + 32 + 1)
		return;
	if (c->info.client_dir < 0)
		c->info.client_dir = (int8_t)(1 - dir);
	unsigned legacy = u16be(b);
	int hrr = memcmp(b + 2, HRR_RANDOM, 32) == 0;
	size_t o = 34, sl = b[o++];
	if (sl > 32 || o + sl + 3 > n)
		return;
	uint8_t sid[32];
	memcpy(sid, b + o, sl);
	o += sl;
	unsigned suite = u16be(b + o);
	o += 3;
	unsigned version = legacy;
	int ems = 0, etm = 0, psk = 0;
	if (o + 2 <= n) {
		size_t end = o + 2 + u16be(b + o);
		o += 2;
		if (end > n)
			end = n;
		while (o + 4 <= end) {
			unsigned t = u16be(b + o);
			size_t l = u16be(b + o + 2);
			o += 4;
			if (o + l > end)
				break;
			if (t == 43 && l == 2)
				version = u16be(b + o);
			else if (t == 41)
				psk = 1; /* pre_shared_key: a 1.3 resumption (RFC 8446 4.2.11) */
			else if (t == 23)
				ems = 1;
			else if (t == 22)
				etm = 1;
			o += l;
		}
	}
	c->info.suite = (uint16_t)suite;
	c->info.version = (uint16_t)version;
	if (hrr)
		return; /* wait for the second ClientHello and the real ServerHello */
	memcpy(c->sr, b + 2, 32);
	memcpy(c->sid_s, sid, sl);
	c->sid_s_len = (uint8_t)sl;
	c->sh_seen = 1;
	c->ems = ems && c->ems_c;
	c->etm = etm && c->etm_c;
	c->suite = tls_suite_find((uint16_t)suite);
	c->v13 = version == 0x0304;
	if (!c->suite || c->v13 || !c->suite->rsa_kx)
		tr_release(c);
	if (!c->suite || (version != 0x0303 && version != 0x0304) || (c->suite->tls13 != c->v13)) {
		c->suite = NULL;
		c->unsupported = 1;
		c->env->st.unsupported_suite++;
		set_reason(c, TLS_R_UNSUPPORTED);
		return;
	}
	if (c->v13) {
		if (psk) {
			c->info.resumed = 1;
			c->resumed_counted = 1;
			c->env->st.resumed++;
		}
		start13(c);
	} else if (sl && sl == c->sid_c_len && memcmp(sid, c->sid_c, sl) == 0) {
		c->info.resumed = 1;
	}
}

/* Only the messages of a TLS 1.2 full handshake up to ClientKeyExchange
 * enter the RFC 7627 transcript (CertificateVerify comes after). */
static void transcript_add(struct tls_conn *c, const uint8_t *m, size_t n)
{
	if (c->tr_done || c->tr_broken)
		return;
	if (c->tr_len + n > TRANSCRIPT_MAX) {
		c->tr_broken = 1;
		return;
	}
	if (c->tr_len + n > c->tr_cap) {
		size_t cap = c->tr_cap ? c->tr_cap : 4096;
		while (cap < c->tr_len + n)
			cap *= 2;
		uint8_t *t = realloc(c->tr, cap);
		if (!t) {
			c->tr_broken = 1;
			return;
		}
		c->tr = t, c->tr_cap = cap;
	}
	memcpy(c->tr + c->tr_len, m, n);
	c->tr_len += n;
}

static uint8_t *copy_of(const uint8_t *p, size_t n)
{
	uint8_t *x = malloc(n ? n : 1);
	if (x)
		memcpy(x, p, n);
	return x;
}

/* One complete handshake message; m points at its 4-byte header. */
static void hs_message(struct tls_conn *c, int dir, const uint8_t *m, size_t len, int enc)
{
	struct tls_dir *d = &c->d[dir];
	const uint8_t *b = m + 4;
	int type = m[0];
	if (type == 1 && !enc) { /* a (second, after an HRR) ClientHello starts the transcript again */
		c->tr_len = 0;
		c->tr_broken = 0;
		c->tr_done = 0;
	}
	if (!enc && c->env->rsa && !c->v13 && type != 0 && type != 4)
		transcript_add(c, m, 4 + len); /* CH, SH, Certificate, SKE, CertificateRequest, SHD, CKE */
	switch (type) {
	case 1:
		if (!enc)
			parse_ch(c, dir, b, len);
		break;
	case 2:
		if (!enc)
			parse_sh(c, dir, b, len);
		break;
	case 4: /* NewSessionTicket: 1.2 plaintext (RFC 5077 3.3); 1.3 ones are not needed */
		if (!enc && !c->v13 && len >= 6) {
			size_t tl = u16be(b + 4);
			if (6 + tl <= len && tl && tl <= TICKET_MAX) {
				free(c->nst);
				c->nst_len = 0;
				if ((c->nst = copy_of(b + 6, tl)))
					c->nst_len = tl;
				if (c->ms_from_rsa && c->env->cache)
					tls_cache_put_ticket(c->env->cache, b + 6, tl, c->ms);
			}
		}
		break;
	case 5: /* EndOfEarlyData */
		d->early_done = 1;
		break;
	case 14:
		c->saw_shd = 1;
		break;
	case 16: /* ClientKeyExchange: RSA = u16 length + the encrypted premaster secret */
		c->tr_done = 1;
		if (!enc && c->env->rsa && len >= 2 && (size_t)u16be(b) + 2 == len && len - 2 <= CKE_MAX) {
			free(c->cke);
			c->cke_len = 0;
			if ((c->cke = copy_of(b + 2, len - 2)))
				c->cke_len = len - 2;
		}
		break;
	case 20: /* Finished */
		if (enc && c->v13 && d->ep == EP_HS) {
			d->finished = 1;
			d->switch_app = 1;
		}
		break;
	case 24: /* KeyUpdate (RFC 8446 4.6.3) */
		if (enc && c->v13 && d->ep == EP_APP)
			d->key_update = 1;
		break;
	}
}

static void hs_release(struct tls_dir *d)
{
	if (d->hs)
		tls_cleanse(d->hs, d->hs_cap);
	free(d->hs);
	d->hs = NULL;
	d->hs_len = d->hs_cap = 0;
}

static int hs_reserve(struct tls_dir *d, size_t need)
{
	if (need <= d->hs_cap)
		return 0;
	uint8_t *h = realloc(d->hs, need);
	if (!h)
		return -1;
	d->hs = h, d->hs_cap = need;
	return 0;
}

/* Handshake bytes of one direction: messages inside the record are read
 * in place; one that spans records is gathered (up to HS_MAX, longer ones
 * - a huge certificate chain, not needed - are skipped). */
static void hs_feed(struct tls_conn *c, int dir, const uint8_t *p, size_t n, int enc)
{
	struct tls_dir *d = &c->d[dir];
	while (n) {
		if (d->hs_skip) {
			size_t t = n < d->hs_skip ? n : d->hs_skip;
			d->hs_skip -= t, p += t, n -= t;
			continue;
		}
		if (!d->hs_len && n >= 4) {
			size_t ml = u24be(p + 1);
			if (4 + ml > HS_MAX) {
				c->tr_broken = 1;
				d->hs_skip = 4 + ml;
				continue;
			}
			if (4 + ml <= n) {
				hs_message(c, dir, p, ml, enc);
				p += 4 + ml, n -= 4 + ml;
				continue;
			}
		}
		if (d->hs_len < 4) {
			size_t t = n < 4 - d->hs_len ? n : 4 - d->hs_len;
			if (hs_reserve(d, 4) != 0)
				return;
			memcpy(d->hs + d->hs_len, p, t);
			d->hs_len += t, p += t, n -= t;
			if (d->hs_len < 4)
				continue;
			size_t ml = u24be(d->hs + 1);
			if (4 + ml > HS_MAX || hs_reserve(d, 4 + ml) != 0) {
				c->tr_broken = 1;
				d->hs_skip = ml;
				hs_release(d);
				continue;
			}
		}
		size_t ml = u24be(d->hs + 1);
		size_t t = n < 4 + ml - d->hs_len ? n : 4 + ml - d->hs_len;
		memcpy(d->hs + d->hs_len, p, t);
		d->hs_len += t, p += t, n -= t;
		if (d->hs_len == 4 + ml) {
			hs_message(c, dir, d->hs, ml, enc);
			hs_release(d);
		}
	}
}

/* ---- records ---- */

/* RFC 5246 6.2.1, 8446 5.1: a plausible record header. */
static int hdr_sane(const uint8_t *h)
{
	size_t len = u16be(h + 3);
	return h[0] >= 20 && h[0] <= 24 && h[1] == 3 && h[2] <= 4 && len >= 1 && len <= REC_MAX;
}

/* Stricter while resynchronising: what this direction's epoch allows. */
static int hdr_sane_resync(const struct tls_conn *c, const struct tls_dir *d, const uint8_t *h)
{
	if (!hdr_sane(h))
		return 0;
	if (d->ep == EP_PLAIN || !c->suite)
		return 1;
	size_t len = u16be(h + 3);
	if (h[2] != 3)
		return 0;
	if (c->v13)
		return h[0] == 23 && len >= 17;
	if (c->suite->record_iv_len == 16) /* CBC: IV || blocks (|| MAC with EtM) */
		return len % 16 == 0 || (len > c->suite->mac_len && (len - c->suite->mac_len) % 16 == 0);
	return len >= 16u + c->suite->record_iv_len;
}

static void lose(struct tls_conn *c, int dir)
{
	c->d[dir].lost = 1;
}

static int enqueue(struct tls_conn *c, int dir, const uint8_t *h, size_t len, uint64_t frame, int64_t ts)
{
	struct tls_dir *d = &c->d[dir];
	size_t need = PEND_HDR + 5 + len;
	if (c->pend_bytes + need > TLS_PENDING_MAX_BYTES) {
		c->env->st.pending_dropped++;
		lose(c, dir);
		set_reason(c, TLS_R_NO_KEY);
		return REC_DONE;
	}
	if (d->q_len + need > d->q_cap) {
		size_t cap = d->q_cap ? d->q_cap : 16384;
		while (cap < d->q_len + need)
			cap *= 2;
		uint8_t *q = realloc(d->q, cap);
		if (!q) {
			c->env->st.pending_dropped++;
			lose(c, dir);
			return REC_DONE;
		}
		d->q = q, d->q_cap = cap;
	}
	uint8_t *e = d->q + d->q_len;
	uint64_t l64 = len;
	memcpy(e, &l64, 8);
	memcpy(e + 8, &frame, 8);
	memcpy(e + 16, &ts, 8);
	memcpy(e + PEND_HDR, h, 5 + len);
	d->q_len += need;
	d->q_n++;
	c->pend_bytes += need;
	c->env->st.records_pending++;
	return REC_DONE;
}

static void count_recovered(struct tls_conn *c)
{
	c->env->st.seq_recovered++;
	c->info.seq_recovered++;
}

static long try_open(struct tls_conn *c, struct tls_cipher *t, uint64_t seq, const uint8_t *h, size_t len,
		     uint8_t *type)
{
	if (!c->out && !(c->out = malloc(OUT_CAP)))
		return -1;
	return tls_cipher_open(t, seq, h, h + 5, len, c->out, type);
}

/* 1.3 early data (RFC 8446 4.2.10): the client's records under the early
 * secret.  Before the ServerHello the suite is unknown: try each 1.3 one. */
static long open_early(struct tls_conn *c, int dir, const uint8_t *h, size_t len, uint8_t *type)
{
	struct tls_dir *d = &c->d[dir];
	if (!d->early && !d->early_tried) {
		d->early_tried = 1;
		uint8_t sec[TLS_SECRET_MAX];
		size_t sl = find_secret(c, TLS_SEC_CETS, 0, sec);
		for (uint16_t id = 0x1301; sl && id <= 0x1303 && !d->early; id++) {
			const struct tls_suite *s = c->suite ? c->suite : tls_suite_find(id);
			if (!s || hash_len(s->prf_hash) != sl)
				continue;
			struct tls_cipher *t = cipher13(c, s, sec, sl);
			if (t && try_open(c, t, 0, h, len, type) >= 0)
				d->early = t;
			else
				tls_cipher_free(t);
			if (c->suite)
				break;
		}
		tls_cleanse(sec, sizeof sec);
	}
	if (!d->early)
		return -1;
	long l = try_open(c, d->early, d->early_seq, h, len, type);
	if (l >= 0)
		d->early_seq++;
	else
		d->early_done = 1;
	return l;
}

/* Open an encrypted record: seq as expected, then (after a loss) the next
 * ones and the next epoch's keys.  Returns the plaintext length in c->out,
 * -1 (failed) or -2 (1.3 early data skipped).  *unverified: a 1.2 CBC
 * record after a gap that no seq verified, decrypted without its MAC. */
static long open_record(struct tls_conn *c, int dir, const uint8_t *h, size_t len, uint8_t *type, int *unverified)
{
	*unverified = 0;
	struct tls_dir *d = &c->d[dir];
	int early_phase = c->v13 && dir == client_dir(c) && d->ep == EP_HS && c->early_offered && !d->finished;
	if (early_phase && !d->early_done) {
		long l = open_early(c, dir, h, len, type);
		if (l >= 0)
			return l;
	}
	long l = try_open(c, d->ciph, d->seq, h, len, type);
	if (l >= 0) {
		d->seq++;
		return l;
	}
	if (early_phase && !d->ok_in_epoch) {
		c->env->st.early_skipped++; /* 0-RTT without its key: seq unchanged (design 6) */
		return -2;
	}
	if (!c->v13 && c->suite->record_iv_len == 8) { /* 1.2 GCM: senders put seq in the explicit nonce */
		uint64_t s = 0;
		for (int i = 0; i < 8; i++)
			s = s << 8 | h[5 + i];
		if (s > d->seq && s - d->seq <= (1u << 20) && (l = try_open(c, d->ciph, s, h, len, type)) >= 0) {
			d->seq = s + 1;
			count_recovered(c);
			return l;
		}
	}
	unsigned k_max = d->ok_in_epoch || d->fail_streak < 2 ? TRIALS : 0;
	for (unsigned k = 1; k <= k_max; k++)
		if ((l = try_open(c, d->ciph, d->seq + k, h, len, type)) >= 0) {
			d->seq += k + 1;
			count_recovered(c);
			return l;
		}
	if (c->v13) {
		uint8_t next[TLS_SECRET_MAX];
		size_t nl = 0;
		struct tls_cipher *t = next_epoch13(c, dir, next, &nl);
		for (unsigned k = 0; t && k <= k_max; k++)
			if ((l = try_open(c, t, k, h, len, type)) >= 0) {
				if (d->ep == EP_APP)
					c->env->st.key_updates++;
				dir_new_epoch(d, EP_APP);
				memcpy(d->secret, next, nl);
				d->slen = (uint8_t)nl;
				d->ciph = t;
				d->seq = k + 1;
				count_recovered(c); /* a lost Finished or KeyUpdate */
				tls_cleanse(next, sizeof next);
				return l;
			}
		tls_cipher_free(t);
		tls_cleanse(next, sizeof next);
	} else if (c->suite->record_iv_len == 16 && d->recover && d->ok_in_epoch &&
		   c->out && (l = tls_cipher_open_unverified(d->ciph, h, h + 5, len, c->out, type)) >= 0) {
		*unverified = 1;
		return l;
	}
	return -1;
}

static void emit_pt(struct tls_conn *c, int dir, const uint8_t *pt, size_t n, uint64_t frame, int64_t ts,
		    tls_emit_fn *emit, void *ctx)
{
	struct tls_dir *d = &c->d[dir];
	if (!n)
		return;
	if (!c->counted_decrypted) {
		c->counted_decrypted = 1;
		c->env->st.conns_decrypted++;
	}
	c->info.decrypted = 1;
	if (emit)
		emit(ctx, dir, pt, n, frame, ts, d->lost);
	d->lost = 0;
}

/* After a record: the 1.3 key switches its handshake asked for. */
static void after_record13(struct tls_conn *c, int dir)
{
	struct tls_dir *d = &c->d[dir];
	if (d->switch_app) {
		d->switch_app = 0;
		dir_new_epoch(d, EP_APP);
		install13(c, dir);
	}
	if (d->key_update) {
		d->key_update = 0;
		uint8_t next[TLS_SECRET_MAX];
		size_t sl = d->slen;
		if (sl && tls13_next_secret(c->env->crypto, c->suite->prf_hash, d->secret, sl, next) == 0) {
			struct tls_cipher *t = cipher13(c, c->suite, next, sl);
			dir_new_epoch(d, EP_APP);
			if (t) {
				memcpy(d->secret, next, sl);
				d->slen = (uint8_t)sl;
				d->ciph = t;
			}
			c->env->st.key_updates++;
		}
		tls_cleanse(next, sizeof next);
	}
}

/* TLS 1.2 ChangeCipherSpec in dir: its next record is under the new keys. */
static void ccs12(struct tls_conn *c, int dir)
{
	struct tls_dir *d = &c->d[dir];
	if (d->ep != EP_PLAIN)
		return;
	if (dir != client_dir(c) && !c->saw_shd && !c->info.resumed)
		c->info.resumed = 1; /* the server's CCS before ServerHelloDone: abbreviated (ticket) */
	if (c->info.resumed && !c->resumed_counted) {
		c->resumed_counted = 1;
		c->env->st.resumed++;
	}
	dir_new_epoch(d, EP_APP);
	obtain_key(c, dir);
}

/* One whole record of dir.  from_q: replayed from the pending queue (not
 * counted again; REC_BLOCKED when its key is still missing). */
static int record(struct tls_conn *c, int dir, const uint8_t *h, size_t len, uint64_t frame, int64_t ts,
		  tls_emit_fn *emit, void *ctx, int from_q)
{
	struct tls_env *e = c->env;
	struct tls_dir *d = &c->d[dir];
	if (!from_q) {
		e->st.records++;
		c->info.records++;
		if (d->q_n)
			return enqueue(c, dir, h, len, frame, ts); /* keep the order behind waiting records */
	}
	int type = h[0];
	if (d->ep == EP_PLAIN) {
		if (type == 22) {
			hs_feed(c, dir, h + 5, len, 0);
		} else if (type == 20) {
			if (c->sh_seen && !c->v13 && !c->unsupported && len == 1 && h[5] == 1)
				ccs12(c, dir);
		} else if (type == 23) {
			if (!c->info.have_cr) {
				set_reason(c, TLS_R_NO_HANDSHAKE);
				e->st.records_no_key++;
				lose(c, dir);
			} else if (dir == client_dir(c) && c->early_offered && !c->sh_seen) {
				uint8_t it;
				long l = open_early(c, dir, h, len, &it);
				if (l >= 0) {
					e->st.records_decrypted++;
					c->info.records_ok++;
					if (it == 23)
						emit_pt(c, dir, c->out, (size_t)l, frame, ts, emit, ctx);
				} else {
					e->st.early_skipped++;
					lose(c, dir);
				}
			} else {
				lose(c, dir);
			}
		}
		return REC_DONE;
	}
	if (type == 20 || (c->v13 && type != 23))
		return REC_DONE; /* 1.3 middlebox CCS or plaintext alert, a 1.2 renegotiation's CCS: no seq */
	if (!d->ciph && obtain_key(c, dir) != 0) {
		if (!c->suite || c->unsupported) {
			lose(c, dir);
			return REC_DONE;
		}
		if (from_q)
			return REC_BLOCKED;
		if (e->wait_for_keys)
			return enqueue(c, dir, h, len, frame, ts);
		e->st.records_no_key++;
		set_reason(c, TLS_R_NO_KEY);
		lose(c, dir);
		return REC_DONE;
	}
	uint8_t it = 0;
	int unverified;
	long l = open_record(c, dir, h, len, &it, &unverified);
	if (l == -2) {
		lose(c, dir);
		return REC_DONE;
	}
	if (l < 0) {
		e->st.records_failed++;
		c->info.records_failed++;
		d->fail_streak++;
		if (!d->ok_in_epoch)
			set_reason(c, TLS_R_BAD_MAC);
		lose(c, dir);
		return REC_DONE;
	}
	if (unverified) {
		e->st.mac_unverified++;
		c->info.mac_unverified++;
	} else {
		d->recover = 0;
		d->fail_streak = 0;
		d->ok_in_epoch++;
	}
	e->st.records_decrypted++;
	c->info.records_ok++;
	if (c->info.reason == TLS_R_NO_KEY || c->info.reason == TLS_R_BAD_MAC)
		c->info.reason = TLS_R_OK;
	if (it == 23)
		emit_pt(c, dir, c->out, (size_t)l, frame, ts, emit, ctx);
	else if (it == 22)
		hs_feed(c, dir, c->out, (size_t)l, 1);
	if (c->v13)
		after_record13(c, dir);
	return REC_DONE;
}

/* ---- the API ---- */

struct tls_conn *tls_conn_new(struct tls_env *env)
{
	struct tls_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->env = env;
	c->info.client_dir = -1;
	env->st.conns++;
	return c;
}

static void dir_free(struct tls_dir *d)
{
	tls_cipher_free(d->ciph);
	tls_cipher_free(d->early);
	hs_release(d);
	free(d->q);
}

void tls_conn_free(struct tls_conn *c)
{
	if (!c)
		return;
	for (int i = 0; i < 2; i++)
		dir_free(&c->d[i]);
	free(c->ch_ticket);
	free(c->nst);
	free(c->cke);
	free(c->tr);
	if (c->out)
		tls_cleanse(c->out, OUT_CAP);
	free(c->out);
	tls_cleanse(c, sizeof *c);
	free(c);
}

/* Start scanning for a record header: what was partial is lost. */
static void start_resync(struct tls_conn *c, int dir)
{
	struct tls_dir *d = &c->d[dir];
	if (!d->resync) {
		c->env->st.resyncs++;
		c->info.resyncs++;
	}
	d->resync = 1;
	d->recover = 1;
	hs_release(d);
	d->hs_skip = 0;
	lose(c, dir);
}

/* The first offset >= off of a plausible header whose successor is also
 * plausible or beyond the data.  *wait: the candidate (or the data) is
 * incomplete; come back with more. */
static size_t resync_scan(struct tls_conn *c, struct tls_dir *d, const uint8_t *p, size_t off, size_t n,
			  int *wait)
{
	*wait = 0;
	for (size_t i = off; i + 5 <= n; i++) {
		if (!hdr_sane_resync(c, d, p + i))
			continue;
		size_t nx = i + 5 + u16be(p + i + 3);
		if (nx > n) {
			*wait = 1;
			return i;
		}
		if (nx + 5 > n || hdr_sane(p + nx))
			return i;
	}
	*wait = 1;
	return n - 4;
}

size_t tls_conn_feed(struct tls_conn *c, int dir, const uint8_t *p, size_t n, int gap_before, uint64_t frame,
		     int64_t ts_us, tls_emit_fn *emit, void *ctx)
{
	if (!c || (dir != 0 && dir != 1) || !p)
		return 0;
	struct tls_dir *d = &c->d[dir];
	size_t off = 0;
	if (gap_before)
		start_resync(c, dir);
	while (n - off >= 5) {
		const uint8_t *h = p + off;
		if (d->resync) {
			int wait;
			off = resync_scan(c, d, p, off, n, &wait);
			if (wait)
				break;
			d->resync = 0;
			continue;
		}
		if (!hdr_sane(h)) {
			start_resync(c, dir);
			continue;
		}
		size_t len = u16be(h + 3);
		if (n - off < 5 + len)
			break;
		record(c, dir, h, len, frame, ts_us, emit, ctx, 0);
		off += 5 + len;
	}
	return off;
}

/* Replay dir's waiting records while their keys are there; drop the ones
 * older than TLS_PENDING_MAX_US (all when now_us < 0). */
static void retry_dir(struct tls_conn *c, int dir, int64_t now_us, tls_emit_fn *emit, void *ctx)
{
	struct tls_dir *d = &c->d[dir];
	size_t o = 0;
	while (d->q_n) {
		uint8_t *e = d->q + o;
		uint64_t len, frame;
		int64_t ts;
		memcpy(&len, e, 8);
		memcpy(&frame, e + 8, 8);
		memcpy(&ts, e + 16, 8);
		size_t sz = PEND_HDR + 5 + (size_t)len;
		if (record(c, dir, e + PEND_HDR, (size_t)len, frame, ts, emit, ctx, 1) == REC_BLOCKED) {
			if (now_us >= 0 && ts >= now_us - TLS_PENDING_MAX_US)
				break;
			c->env->st.pending_dropped++;
			set_reason(c, TLS_R_NO_KEY);
			lose(c, dir);
		}
		o += sz;
		d->q_n--;
		c->pend_bytes -= sz;
	}
	if (!d->q_n) { /* pending is rare: give the memory back */
		free(d->q);
		d->q = NULL;
		d->q_len = d->q_cap = 0;
		return;
	}
	memmove(d->q, d->q + o, d->q_len - o);
	d->q_len -= o;
}

void tls_conn_retry(struct tls_conn *c, int64_t now_us, tls_emit_fn *emit, void *ctx)
{
	if (!c)
		return;
	for (int i = 0; i < 2; i++)
		if (c->d[i].q_n)
			retry_dir(c, i, now_us, emit, ctx);
}

int tls_conn_pending(const struct tls_conn *c)
{
	return c && (c->d[0].q_n || c->d[1].q_n);
}

const struct tls_conn_info *tls_conn_info(const struct tls_conn *c)
{
	return &c->info;
}
