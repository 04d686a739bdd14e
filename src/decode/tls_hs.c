/* tls_hs.c - the handshake side of one TLS connection (tls-design.md 6
 * and 7): ClientHello, ServerHello/HRR, ClientKeyExchange,
 * NewSessionTicket, Finished and KeyUpdate, gathered across records; the
 * RFC 7627 transcript; and the key schedule: TLS 1.2 master secret (key
 * log, RSA, session cache) and key_block, TLS 1.3 traffic secrets per
 * epoch.  Secrets are copied from the key store when a direction switches
 * keys and wiped at every switch. */
#include <stdlib.h>
#include <string.h>

#include "tls_int.h"

static const uint8_t HRR_RANDOM[32] = {0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
				       0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
				       0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

/* Problems that explain more than "no key" are kept; NO_KEY and OK give way. */
void tls_hs_set_reason(struct tls_conn *c, int r)
{
	if (c->info.reason == TLS_R_OK || c->info.reason == TLS_R_NO_KEY || r == TLS_R_UNSUPPORTED)
		c->info.reason = (uint8_t)r;
}

static void dir_set_cipher(struct tls_dir *d, struct tls_cipher *t)
{
	tls_cipher_free(d->ciph);
	d->ciph = t;
}

/* A new epoch: the old cipher and secret wiped, seq 0. */
void tls_hs_new_epoch(struct tls_dir *d, int ep)
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

struct tls_cipher *tls_hs_cipher13(struct tls_conn *c, const struct tls_suite *s, const uint8_t *secret,
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
size_t tls_hs_find_secret(struct tls_conn *c, int kind, size_t want, uint8_t *out)
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
int tls_hs_install13(struct tls_conn *c, int dir)
{
	struct tls_dir *d = &c->d[dir];
	int client = dir == tls_client_dir(c);
	int kind = d->ep == TLS_EP_HS ? (client ? TLS_SEC_CHTS : TLS_SEC_SHTS) : (client ? TLS_SEC_CATS : TLS_SEC_SATS);
	size_t hl = tls_hash_len(c->suite->prf_hash);
	uint8_t sec[TLS_SECRET_MAX];
	if (!tls_hs_find_secret(c, kind, hl, sec))
		return -1;
	struct tls_cipher *t = tls_hs_cipher13(c, c->suite, sec, hl);
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

/* A master secret that did not come from the key log (RSA key exchange, a
 * resumed session) goes into it as a CLIENT_RANDOM line: an export then
 * carries it, and opens without the private key. */
static void remember_ms(struct tls_conn *c)
{
	tls_keys_add_ms(c->env->keys, c->info.cr, c->ms);
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
	int got = tls_hs_find_secret(c, TLS_SEC_MS, 48, c->ms) == 48;
	int from_keylog = got;
	if (!got && c->info.resumed && e->cache) {
		got = (c->sid_s_len && tls_cache_get_session(e->cache, c->sid_s, c->sid_s_len, c->ms) == 0) ||
		      (c->ch_ticket_len && tls_cache_get_ticket(e->cache, c->ch_ticket, c->ch_ticket_len, c->ms) == 0);
	}
	if (!got && e->rsa && !c->info.resumed) {
		if (!c->suite->rsa_kx) {
			tls_hs_set_reason(c, TLS_R_RSA_NOT_RSA_KX);
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
	if (!from_keylog)
		remember_ms(c);
	return 0;
}

/* TLS 1.2: this direction's cipher from the key_block (RFC 5246 6.3:
 * client MAC, server MAC, client key, server key, client IV, server IV). */
static int install12(struct tls_conn *c, int dir)
{
	if (derive12(c) != 0)
		return -1;
	const struct tls_suite *s = c->suite;
	int srv = dir != tls_client_dir(c);
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
int tls_hs_obtain_key(struct tls_conn *c, int dir)
{
	if (c->d[dir].ciph)
		return 0;
	if (!c->suite || c->unsupported || tls_client_dir(c) < 0)
		return -1;
	return c->v13 ? tls_hs_install13(c, dir) : install12(c, dir);
}

/* 1.3: the cipher of the epoch after the current one (a lost Finished or
 * KeyUpdate), its secret left in next. */
struct tls_cipher *tls_hs_next_epoch13(struct tls_conn *c, int dir, uint8_t *next, size_t *nl)
{
	struct tls_dir *d = &c->d[dir];
	size_t hl = tls_hash_len(c->suite->prf_hash);
	if (d->ep == TLS_EP_HS) {
		int kind = dir == tls_client_dir(c) ? TLS_SEC_CATS : TLS_SEC_SATS;
		if (!tls_hs_find_secret(c, kind, hl, next))
			return NULL;
	} else if (d->ep == TLS_EP_APP && d->slen) {
		if (tls13_next_secret(c->env->crypto, c->suite->prf_hash, d->secret, d->slen, next) != 0)
			return NULL;
	} else {
		return NULL;
	}
	*nl = hl;
	return tls_hs_cipher13(c, c->suite, next, hl);
}

/* ---- handshake ---- */

/* ClientHello (RFC 5246 7.4.1.2, RFC 8446 4.1.2). */
static void parse_ch(struct tls_conn *c, int dir, const uint8_t *b, size_t n)
{
	if (n < 2 + 32 + 1)
		return;
	size_t o = 0;
	c->client_version = (uint16_t)tls_u16be(b);
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
	o += 2 + tls_u16be(b + o);
	if (o + 1 > n)
		return;
	o += 1 + (size_t)b[o];
	if (o + 2 > n)
		return;
	size_t end = o + 2 + tls_u16be(b + o);
	o += 2;
	if (end > n)
		end = n;
	c->ems_c = c->etm_c = c->v13_offered = c->early_offered = 0;
	while (o + 4 <= end) {
		unsigned t = tls_u16be(b + o);
		size_t l = tls_u16be(b + o + 2);
		o += 4;
		if (o + l > end)
			break;
		const uint8_t *x = b + o;
		switch (t) {
		case 0: /* server_name (RFC 6066 3): list of {type, name}; host_name = 0 */
			if (l >= 5 && x[2] == 0) {
				size_t hl = tls_u16be(x + 3);
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
			if (l && l <= TLS_TICKET_MAX && (c->ch_ticket = malloc(l))) {
				memcpy(c->ch_ticket, x, l);
				c->ch_ticket_len = l;
			}
			break;
		case 42:
			c->early_offered = 1;
			break;
		case 43:
			for (size_t i = 1; l >= 1 && i + 1 < l && i + 1 <= x[0]; i += 2)
				if (tls_u16be(x + i) == 0x0304)
					c->v13_offered = 1;
			break;
		}
		o += l;
	}
}

static void start13(struct tls_conn *c)
{
	for (int i = 0; i < 2; i++) {
		tls_hs_new_epoch(&c->d[i], TLS_EP_HS);
		tls_hs_install13(c, i); /* no key yet: looked up again when a record needs it */
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
	unsigned legacy = tls_u16be(b);
	int hrr = memcmp(b + 2, HRR_RANDOM, 32) == 0;
	size_t o = 34, sl = b[o++];
	if (sl > 32 || o + sl + 3 > n)
		return;
	uint8_t sid[32];
	memcpy(sid, b + o, sl);
	o += sl;
	unsigned suite = tls_u16be(b + o);
	o += 3;
	unsigned version = legacy;
	int ems = 0, etm = 0, psk = 0;
	if (o + 2 <= n) {
		size_t end = o + 2 + tls_u16be(b + o);
		o += 2;
		if (end > n)
			end = n;
		while (o + 4 <= end) {
			unsigned t = tls_u16be(b + o);
			size_t l = tls_u16be(b + o + 2);
			o += 4;
			if (o + l > end)
				break;
			if (t == 43 && l == 2)
				version = tls_u16be(b + o);
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
		tls_hs_set_reason(c, TLS_R_UNSUPPORTED);
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
	if (c->tr_len + n > TLS_TRANSCRIPT_MAX) {
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
			size_t tl = tls_u16be(b + 4);
			if (6 + tl <= len && tl && tl <= TLS_TICKET_MAX) {
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
		if (!enc && c->env->rsa && len >= 2 && (size_t)tls_u16be(b) + 2 == len && len - 2 <= TLS_CKE_MAX) {
			free(c->cke);
			c->cke_len = 0;
			if ((c->cke = copy_of(b + 2, len - 2)))
				c->cke_len = len - 2;
		}
		break;
	case 20: /* Finished */
		if (enc && c->v13 && d->ep == TLS_EP_HS) {
			d->finished = 1;
			d->switch_app = 1;
		}
		break;
	case 24: /* KeyUpdate (RFC 8446 4.6.3) */
		if (enc && c->v13 && d->ep == TLS_EP_APP)
			d->key_update = 1;
		break;
	}
}

void tls_hs_release(struct tls_dir *d)
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
 * in place; one that spans records is gathered (up to TLS_HS_MAX, longer ones
 * - a huge certificate chain, not needed - are skipped). */
void tls_hs_feed(struct tls_conn *c, int dir, const uint8_t *p, size_t n, int enc)
{
	struct tls_dir *d = &c->d[dir];
	while (n) {
		if (d->hs_skip) {
			size_t t = n < d->hs_skip ? n : d->hs_skip;
			d->hs_skip -= t, p += t, n -= t;
			continue;
		}
		if (!d->hs_len && n >= 4) {
			size_t ml = tls_u24be(p + 1);
			if (4 + ml > TLS_HS_MAX) {
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
			size_t ml = tls_u24be(d->hs + 1);
			if (4 + ml > TLS_HS_MAX || hs_reserve(d, 4 + ml) != 0) {
				c->tr_broken = 1;
				d->hs_skip = ml;
				tls_hs_release(d);
				continue;
			}
		}
		size_t ml = tls_u24be(d->hs + 1);
		size_t t = n < 4 + ml - d->hs_len ? n : 4 + ml - d->hs_len;
		memcpy(d->hs + d->hs_len, p, t);
		d->hs_len += t, p += t, n -= t;
		if (d->hs_len == 4 + ml) {
			hs_message(c, dir, d->hs, ml, enc);
			tls_hs_release(d);
		}
	}
}
