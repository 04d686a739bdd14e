/* tls_conn.c - one TLS connection (tls-design.md 6): record framing per
 * direction, opening records with the epoch's keys (seq recovery after a
 * loss, 1.3 early data), the key switches the handshake asks for,
 * resynchronisation after a TCP gap, the queue of records that wait for a
 * key, and the API of tls.h.  The handshake and key schedule are tls_hs.c.
 *
 * Opening a record allocates nothing: each direction's cipher is keyed
 * once per epoch and the plaintext goes to the env's one buffer. */
#include <stdlib.h>
#include <string.h>

#include "tls_int.h"

#define TLS_PEND_HDR 24u /* u64 len, u64 frame, i64 ts */

const char *tls_reason_name(int reason)
{
	/* what stats prints: short, and what to do where it can say */
	static const char *const N[TLS_R_N] = {"ok", "no handshake", "no key", "unsupported", "bad MAC",
					       "needs a key log", "RSA key did not fit"};
	return reason >= 0 && reason < TLS_R_N ? N[reason] : "?";
}

/* ---- records ---- */

/* RFC 5246 6.2.1, 8446 5.1: a plausible record header. */
static int hdr_sane(const uint8_t *h)
{
	size_t len = tls_u16be(h + 3);
	return h[0] >= 20 && h[0] <= 24 && h[1] == 3 && h[2] <= 4 && len >= 1 && len <= TLS_REC_MAX;
}

/* Stricter while resynchronising: what this direction's epoch allows. */
static int hdr_sane_resync(const struct tls_conn *c, const struct tls_dir *d, const uint8_t *h)
{
	if (!hdr_sane(h))
		return 0;
	if (d->ep == TLS_EP_PLAIN || !c->suite)
		return 1;
	size_t len = tls_u16be(h + 3);
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
	size_t need = TLS_PEND_HDR + 5 + len;
	if (c->pend_bytes + need > TLS_PENDING_MAX_BYTES) {
		c->env->st.pending_dropped++;
		lose(c, dir);
		tls_hs_set_reason(c, TLS_R_NO_KEY);
		return TLS_REC_DONE;
	}
	if (d->q_len + need > d->q_cap) {
		size_t cap = d->q_cap ? d->q_cap : 16384;
		while (cap < d->q_len + need)
			cap *= 2;
		uint8_t *q = realloc(d->q, cap);
		if (!q) {
			c->env->st.pending_dropped++;
			lose(c, dir);
			return TLS_REC_DONE;
		}
		d->q = q, d->q_cap = cap;
	}
	uint8_t *e = d->q + d->q_len;
	uint64_t l64 = len | (uint64_t)d->lost << 63; /* what was lost before it stays before it */
	d->lost = 0;
	memcpy(e, &l64, 8);
	memcpy(e + 8, &frame, 8);
	memcpy(e + 16, &ts, 8);
	memcpy(e + TLS_PEND_HDR, h, 5 + len);
	d->q_len += need;
	d->q_n++;
	c->pend_bytes += need;
	c->env->st.records_pending++;
	return TLS_REC_DONE;
}

static void count_recovered(struct tls_conn *c)
{
	c->env->st.seq_recovered++;
	c->info.seq_recovered++;
}

static long try_open(struct tls_conn *c, struct tls_cipher *t, uint64_t seq, const uint8_t *h, size_t len,
		     uint8_t *type)
{
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
		size_t sl = tls_hs_find_secret(c, TLS_SEC_CETS, 0, sec);
		for (uint16_t id = 0x1301; sl && id <= 0x1303 && !d->early; id++) {
			const struct tls_suite *s = c->suite ? c->suite : tls_suite_find(id);
			if (!s || tls_hash_len(s->prf_hash) != sl)
				continue;
			struct tls_cipher *t = tls_hs_cipher13(c, s, sec, sl);
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
	int early_phase = c->v13 && dir == tls_client_dir(c) && d->ep == TLS_EP_HS && c->early_offered && !d->finished;
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
	if (!c->v13 && c->suite->record_iv_len == 8 && len >= 8) { /* 1.2 GCM: seq in the explicit nonce */
		uint64_t s = 0;
		for (int i = 0; i < 8; i++)
			s = s << 8 | h[5 + i];
		if (s > d->seq && s - d->seq <= (1u << 20) && (l = try_open(c, d->ciph, s, h, len, type)) >= 0) {
			d->seq = s + 1;
			count_recovered(c);
			return l;
		}
	}
	/* Records that no key opens (a hostile stream, a renegotiation's new
	 * keys) would each cost the trials: a few failures in a row end them,
	 * more when the epoch's keys have opened records. */
	unsigned k_max = d->fail_streak < (d->ok_in_epoch ? TLS_TRIAL_FAILS : 2u) ? TLS_SEQ_TRIALS : 0;
	for (unsigned k = 1; k <= k_max; k++)
		if ((l = try_open(c, d->ciph, d->seq + k, h, len, type)) >= 0) {
			d->seq += k + 1;
			count_recovered(c);
			return l;
		}
	if (c->v13) {
		uint8_t next[TLS_SECRET_MAX];
		size_t nl = 0;
		struct tls_cipher *t = tls_hs_next_epoch13(c, dir, next, &nl);
		for (unsigned k = 0; t && k <= k_max; k++)
			if ((l = try_open(c, t, k, h, len, type)) >= 0) {
				if (d->ep == TLS_EP_APP)
					c->env->st.key_updates++;
				tls_hs_new_epoch(d, TLS_EP_APP);
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
		   (l = tls_cipher_open_unverified(d->ciph, h, h + 5, len, c->out, type)) >= 0) {
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
		tls_hs_new_epoch(d, TLS_EP_APP);
		tls_hs_install13(c, dir);
	}
	if (d->key_update) {
		d->key_update = 0;
		uint8_t next[TLS_SECRET_MAX];
		size_t sl = d->slen;
		if (sl && tls13_next_secret(c->env->crypto, c->suite->prf_hash, d->secret, sl, next) == 0) {
			struct tls_cipher *t = tls_hs_cipher13(c, c->suite, next, sl);
			tls_hs_new_epoch(d, TLS_EP_APP);
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
	if (d->ep != TLS_EP_PLAIN)
		return;
	if (dir != tls_client_dir(c) && !c->saw_shd && !c->info.resumed)
		c->info.resumed = 1; /* the server's CCS before ServerHelloDone: abbreviated (ticket) */
	if (c->info.resumed && !c->resumed_counted) {
		c->resumed_counted = 1;
		c->env->st.resumed++;
	}
	tls_hs_new_epoch(d, TLS_EP_APP);
	tls_hs_obtain_key(c, dir);
}

/* One whole record of dir.  from_q: replayed from the pending queue (not
 * counted again; TLS_REC_BLOCKED when its key is still missing). */
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
	if (d->ep == TLS_EP_PLAIN) {
		if (type == 22) {
			tls_hs_feed(c, dir, h + 5, len, 0);
		} else if (type == 20) {
			if (c->sh_seen && !c->v13 && !c->unsupported && len == 1 && h[5] == 1)
				ccs12(c, dir);
		} else if (type == 23) {
			if (!c->info.have_cr) {
				tls_hs_set_reason(c, TLS_R_NO_HANDSHAKE);
				e->st.records_no_key++;
				lose(c, dir);
			} else if (dir == tls_client_dir(c) && c->early_offered && !c->sh_seen) {
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
		return TLS_REC_DONE;
	}
	if (type == 20 || (c->v13 && type != 23))
		return TLS_REC_DONE; /* 1.3 middlebox CCS or plaintext alert, a 1.2 renegotiation's CCS: no seq */
	if (!c->suite || c->unsupported) { /* (a later ServerHello may have made it so) */
		lose(c, dir);
		return TLS_REC_DONE;
	}
	if (!d->ciph && tls_hs_obtain_key(c, dir) != 0) {
		if (from_q)
			return TLS_REC_BLOCKED;
		if (e->wait_for_keys)
			return enqueue(c, dir, h, len, frame, ts);
		e->st.records_no_key++;
		tls_hs_set_reason(c, TLS_R_NO_KEY);
		lose(c, dir);
		return TLS_REC_DONE;
	}
	uint8_t it = 0;
	int unverified;
	long l = open_record(c, dir, h, len, &it, &unverified);
	if (l == -2) {
		lose(c, dir);
		return TLS_REC_DONE;
	}
	if (l < 0) {
		e->st.records_failed++;
		c->info.records_failed++;
		d->fail_streak++;
		if (!d->ok_in_epoch)
			tls_hs_set_reason(c, TLS_R_BAD_MAC);
		lose(c, dir);
		return TLS_REC_DONE;
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
		tls_hs_feed(c, dir, c->out, (size_t)l, 1);
	if (c->v13)
		after_record13(c, dir);
	return TLS_REC_DONE;
}

/* ---- the API ---- */

struct tls_conn *tls_conn_new(struct tls_env *env)
{
	struct tls_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->env = env;
	c->out = env->out;
	c->info.client_dir = -1;
	env->st.conns++;
	return c;
}

static void dir_free(struct tls_dir *d)
{
	tls_cipher_free(d->ciph);
	tls_cipher_free(d->early);
	tls_hs_release(d);
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
	tls_hs_release(d);
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
		size_t nx = i + 5 + tls_u16be(p + i + 3);
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
		size_t len = tls_u16be(h + 3);
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
		if (len >> 63) {
			len &= ~(1ull << 63);
			lose(c, dir);
		}
		size_t sz = TLS_PEND_HDR + 5 + (size_t)len;
		if (record(c, dir, e + TLS_PEND_HDR, (size_t)len, frame, ts, emit, ctx, 1) == TLS_REC_BLOCKED) {
			if (now_us >= 0 && ts >= now_us - TLS_PENDING_MAX_US) {
				uint64_t mark = len | (uint64_t)d->lost << 63; /* it still waits: keep its gap mark */
				memcpy(e, &mark, 8);
				d->lost = 0;
				break;
			}
			c->env->st.pending_dropped++;
			tls_hs_set_reason(c, TLS_R_NO_KEY);
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
