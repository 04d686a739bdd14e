/* ingest_tls.c - TLS connections: each gets a record (for stats) and a
 * decoder (decode/tls_*.c) shared by its two directions.  The decoder turns
 * the records of a direction into plaintext, which goes into an *inner*
 * flow (tcp.h) and through the same SIP and WebSocket framing as plain TCP,
 * with transport TLS or WSS.  Keys come from key logs (--tls-keylog,
 * $SSLKEYLOGFILE, read again as they grow when live), pcapng Decryption
 * Secrets Blocks and RSA private keys (--tls-key). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_int.h"
#include "sipscope/vec.h"
#include "sipscope/ws.h"

/* Per connection, beside its public record in->tls[]. */
struct tls_side {
	struct tls_conn *dec;        /* NULL: no decoder (memory, or crypto missing) */
	struct tcp_flow *inner[2];   /* plaintext, by the decoder's direction */
	uint8_t refs;                /* outer flows (directions) using it */
	uint8_t off;                 /* the plaintext is not SIP: stop decrypting */
};

struct emit_ctx {
	struct ingest *in;
	const struct frame *f;
	size_t idx;
};

/* The shared key store and crypto objects, made at first need.  NULL when
 * libcrypto lacks a cipher (then connections are only listed). */
static struct tls_env *env_get(struct ingest *in)
{
	if (in->tls_env || in->tls_env_failed)
		return in->tls_env;
	struct tls_env *e = calloc(1, sizeof *e);
	if (e) {
		e->keys = tls_keys_new();
		e->crypto = tls_crypto_new();
		e->cache = tls_cache_new();
	}
	if (!e || !e->keys || !e->crypto || !e->cache) {
		if (e) {
			tls_keys_free(e->keys);
			tls_crypto_free(e->crypto);
			tls_cache_free(e->cache);
			free(e);
		}
		in->tls_env_failed = 1;
		return NULL;
	}
	in->tls_env = e;
	return e;
}

void ingest_tls_free_env(struct ingest *in)
{
	struct tls_env *e = in->tls_env;
	if (e) {
		tls_keys_free(e->keys);
		tls_crypto_free(e->crypto);
		tls_rsa_free(e->rsa);
		tls_cache_free(e->cache);
		tls_cleanse(e->out, sizeof e->out);
		free(e);
		in->tls_env = NULL;
	}
	free(in->tls_keylog); /* connections are listed without an env (no cipher) too */
	free(in->tls_side);
}

static void keylog_note(const char *what, const struct tls_keylog_report *r, char *out, size_t n);

static void add_keylog_warning(struct ingest *in, const char *what, const struct tls_keylog_report *r)
{
	char w[512];
	keylog_note(what, r, w, sizeof w);
	if (w[0])
		ingest_add_warning(in, w);
}

/* One line on what a key log held that could not be used (bad lines are
 * counted; labels this module does not use, such as QUIC's, are not
 * worth a warning).  "" when nothing. */
static void keylog_note(const char *what, const struct tls_keylog_report *r, char *out, size_t n)
{
	out[0] = 0;
	if (r->bad || r->dropped)
		snprintf(out, n, "%s: %llu bad line%s skipped (first at line %llu)%s", what,
		         (unsigned long long)r->bad, r->bad == 1 ? "" : "s", (unsigned long long)r->first_bad_line,
		         r->dropped ? ", and secrets past the key store's limit" : "");
}

static int keylog(struct ingest *in, const char *path, int optional, char *err, size_t errlen)
{
	struct tls_env *e = env_get(in);
	if (!e) {
		snprintf(err, errlen, "TLS decryption is not available (libcrypto lacks a cipher)");
		return -1;
	}
	struct tls_keylog_report r;
	memset(&r, 0, sizeof r);
	if (tls_keys_load_file(e->keys, path, &r) < 0 && !(optional && errno == ENOENT)) {
		snprintf(err, errlen, "key log %s: %s", path, strerror(errno));
		return -1;
	}
	free(in->tls_keylog);
	in->tls_keylog = strdup(path);
	keylog_note(path, &r, err, errlen);
	return 0;
}

static int rsa_key(struct ingest *in, const char *path, char *err, size_t errlen)
{
	struct tls_env *e = env_get(in);
	if (!e) {
		snprintf(err, errlen, "TLS decryption is not available (libcrypto lacks a cipher)");
		return -1;
	}
	if (!e->rsa && !(e->rsa = tls_rsa_new())) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	char why[256];
	if (tls_rsa_add_pem(e->rsa, path, why, sizeof why) < 0) {
		snprintf(err, errlen, "--tls-key %s", why);
		return -1;
	}
	return 0;
}

int ingest_set_tls(struct ingest *in, const struct ingest_tls_opts *o, int live, char *err, size_t errlen)
{
	err[0] = 0;
	for (size_t i = 0; i < o->nrsa; i++)
		if (rsa_key(in, o->rsa_keys[i], err, errlen) < 0)
			return -1;
	if (o->keylog) {
		if (keylog(in, o->keylog, o->keylog_optional || live, err, errlen) < 0)
			return -1;
		if (live)
			ingest_tls_wait_for_keys(in, 1);
	}
	return 0;
}

void ingest_tls_wait_for_keys(struct ingest *in, int on)
{
	struct tls_env *e = env_get(in);
	if (e)
		e->wait_for_keys = on;
}

int ingest_tls_secrets(struct ingest *in, const char *text, size_t n)
{
	struct tls_env *e = env_get(in);
	if (!e)
		return -1;
	struct tls_keylog_report r;
	int rc = tls_keys_add_text(e->keys, text, n, &r);
	in->st.tls_dsb++;
	add_keylog_warning(in, "secrets embedded in the capture", &r);
	return rc;
}

void ingest_on_secrets(void *ctx, uint32_t type, const uint8_t *data, size_t n)
{
	if (type == PCAP_SRC_SECRETS_TLS)
		ingest_tls_secrets(ctx, (const char *)data, n);
}

const struct tls_stats *ingest_tls_totals(const struct ingest *in)
{
	return in->tls_env ? &in->tls_env->st : NULL;
}

const struct tls_keys *ingest_tls_keys(const struct ingest *in)
{
	return in->tls_env ? in->tls_env->keys : NULL;
}

/* ---- plaintext ---------------------------------------------------------- */

#define INNER_CLASSIFY_MAX 4096 /* plaintext looked through for a SIP message's start */

/* What a direction's first plaintext carries: SIP, a WebSocket upgrade or
 * frames, TCP_APP_NONE while too short to tell, TCP_APP_OFF when it is
 * something else (HTTPS, say).  SIP may start at a later line (*skip):
 * CRLF keep-alives (RFC 5626 4.4.1) come first, or the rest of a message
 * whose first record was lost. */
static uint8_t inner_classify(struct ingest *in, const char *p, size_t n, size_t *skip)
{
	struct sip_msg m;
	*skip = 0;
	if (sip_parse(p, n, 0, &m, in->hdrs, MAX_HEADERS) != SIP_PARSE_NOT_SIP)
		return TCP_APP_SIP;
	if (ws_http_upgrade(p, n))
		return TCP_APP_WS_HTTP;
	if (ingest_ws_carries_sip(in, (const uint8_t *)p, n))
		return TCP_APP_WS;
	size_t at = ingest_sip_resync_point(in, p, n);
	if (at < n) {
		*skip = at;
		return TCP_APP_SIP;
	}
	return n < INNER_CLASSIFY_MAX ? TCP_APP_NONE : TCP_APP_OFF;
}

static void sync_info(struct ingest_tls *c, const struct tls_conn *dec)
{
	const struct tls_conn_info *i = tls_conn_info(dec);
	c->version = i->version;
	c->suite = i->suite;
	c->reason = i->reason;
	c->decrypted = i->decrypted;
	c->resumed = i->resumed;
	c->records = i->records;
	c->records_ok = i->records_ok;
	c->records_failed = i->records_failed;
	if (i->have_cr && !c->have_cr) {
		memcpy(c->cr, i->cr, sizeof c->cr);
		c->have_cr = 1;
	}
	if (!c->sni[0] && i->sni[0]) {
		size_t l = strlen(i->sni);
		if (l >= sizeof c->sni)
			l = sizeof c->sni - 1;
		memcpy(c->sni, i->sni, l);
		c->sni[l] = 0;
	}
}

static void side_stop(struct tls_side *side)
{
	for (int d = 0; d < 2; d++) {
		tcp_flow_free_inner(side->inner[d]);
		side->inner[d] = NULL;
	}
	side->off = 1;
}

static void on_plaintext(void *vctx, int dir, const uint8_t *pt, size_t n, uint64_t frame, int64_t ts_us,
                         int gap_before)
{
	struct emit_ctx *x = vctx;
	struct ingest *in = x->in;
	struct tls_side *side = &in->tls_side[x->idx];
	struct ingest_tls *c = &in->tls[x->idx];
	if (side->off || dir < 0 || dir > 1)
		return;
	struct tcp_flow *fl = side->inner[dir];
	if (!fl) {
		/* dir 0 is the direction whose source is the client */
		fl = dir == 0 ? tcp_flow_new_inner(in->tcp, &c->client, &c->server)
		              : tcp_flow_new_inner(in->tcp, &c->server, &c->client);
		if (!fl)
			return;
		side->inner[dir] = fl;
		gap_before = 0; /* nothing came before to be cut */
	}
	/* Parsed where the plaintext lies when nothing waits before it */
	int lent = !gap_before && tcp_flow_lend(fl, (const char *)pt, n, frame);
	if (!lent)
		tcp_flow_append(fl, (const char *)pt, n, frame, gap_before);
	struct tcp_app *app = tcp_flow_app(fl);
	if (app->kind == TCP_APP_NONE) {
		size_t len, skip;
		const char *p = tcp_flow_data(fl, &len);
		app->kind = inner_classify(in, p, len, &skip);
		if (app->kind == TCP_APP_NONE) {
			tcp_flow_unlend(fl);
			return;
		}
		tcp_flow_consume(fl, skip);
		if (app->kind == TCP_APP_OFF) {
			if (!c->sip_msgs) {
				tcp_flow_unlend(fl);
				side_stop(side);
				return;
			}
			/* the other direction carried SIP: so does this one, past
			 * what was lost of it (read from its next message on) */
			app->kind = TCP_APP_SIP;
			tcp_flow_mark_sip(fl);
		}
	}
	struct frame at = *x->f;
	at.no = frame;
	at.ts_us = ts_us;
	uint64_t before = in->st.tls_sip_msgs;
	ingest_stream_parse(in, &at, fl);
	tcp_flow_unlend(fl);
	c->sip_msgs += in->st.tls_sip_msgs - before;
	if (app->kind == TCP_APP_OFF && !c->sip_msgs)
		side_stop(side);
}

/* ---- records ------------------------------------------------------------ */

/* The connection record of a new TLS direction: the other direction's, or
 * a new one. */
void ingest_tls_open(struct ingest *in, const struct frame *f, struct tcp_app *app,
                     const struct l4_packet *pkt)
{
	/* The other direction's flow holds it (however many connections
	 * began since: a reconnect storm). */
	struct tcp_flow *rev = tcp_table_reverse(in->tcp, pkt);
	struct tcp_app *ra = rev ? tcp_flow_app(rev) : NULL;
	if (ra && ra->kind == TCP_APP_TLS && ra->tls_conn && ra->tls_conn <= in->ntls &&
	    in->tls_side[ra->tls_conn - 1].refs == 1) {
		app->tls_conn = ra->tls_conn;
		in->tls_side[ra->tls_conn - 1].refs++;
		return;
	}
	if (in->ntls >= INGEST_MAX_TLS ||
	    vec_grow((void **)&in->tls, &in->cap_tls, in->ntls + 1, sizeof *in->tls) ||
	    vec_grow((void **)&in->tls_side, &in->cap_tls_side, in->ntls + 1, sizeof *in->tls_side)) {
		in->st.tls_dropped++;
		return;
	}
	struct ingest_tls *c = &in->tls[in->ntls];
	struct tls_side *side = &in->tls_side[in->ntls];
	memset(c, 0, sizeof *c);
	memset(side, 0, sizeof *side);
	const uint8_t *p = pkt->payload;
	int client_hello = p[0] == 0x16 && p[5] == 1, server_hello = p[0] == 0x16 && p[5] == 2;
	int src_serves = server_hello ||
	                 (!client_hello && (pkt->src.port == 5061 ||
	                                    (pkt->dst.port != 5061 && pkt->src.port < pkt->dst.port)));
	c->client = src_serves ? pkt->dst : pkt->src;
	c->server = src_serves ? pkt->src : pkt->dst;
	c->hello = (uint8_t)(client_hello || server_hello);
	c->first_frame = f->no;
	c->first_us = f->ts_us;
	c->reason = TLS_R_NO_HANDSHAKE;
	struct tls_env *e = env_get(in);
	side->dec = e ? tls_conn_new(e) : NULL;
	side->refs = 1;
	app->tls_conn = (uint32_t)++in->ntls;
}

static void side_close(struct ingest *in, size_t idx)
{
	struct tls_side *side = &in->tls_side[idx];
	if (side->dec) {
		sync_info(&in->tls[idx], side->dec);
		tls_conn_free(side->dec);
		side->dec = NULL;
	}
	side_stop(side);
}

/* A direction of a connection is gone (its flow freed).  With both gone
 * the decoder goes too, unless records wait for a key: then it stays
 * until they open or time out (retry_all), as the key log of a live
 * capture can lag behind the connection. */
void ingest_tls_release(struct ingest *in, struct tcp_app *app)
{
	if (!app->tls_conn || app->tls_conn > in->ntls)
		return;
	size_t idx = app->tls_conn - 1;
	struct tls_side *side = &in->tls_side[idx];
	app->tls_conn = 0;
	if (side->refs && --side->refs)
		return;
	if (side->dec && tls_conn_pending(side->dec) && !in->tls_closing)
		return;
	side_close(in, idx);
}

/* Before the TCP table goes: the decoders kept for their waiting records
 * (their plaintext flows count in the table). */
void ingest_tls_close_all(struct ingest *in)
{
	in->tls_closing = 1;
	for (size_t i = 0; i < in->ntls; i++)
		if (!in->tls_side[i].refs && in->tls_side[i].dec)
			side_close(in, i);
}

/* Feed what a direction has ready to its connection's decoder. */
int ingest_tls_stream(struct ingest *in, const struct frame *f, struct tcp_flow *fl)
{
	struct tcp_app *app = tcp_flow_app(fl);
	struct tls_side *side = app->tls_conn ? &in->tls_side[app->tls_conn - 1] : NULL;
	if (!side || !side->dec || side->off) {
		size_t len;
		while (tcp_flow_data(fl, &len), len || tcp_flow_gap_at(fl) != TCP_NO_GAP)
			tcp_flow_consume(fl, len);
		return 0;
	}
	struct ingest_tls *c = &in->tls[app->tls_conn - 1];
	struct store_endpoint src, dst;
	tcp_flow_endpoints(fl, &src, &dst);
	int dir = store_endpoint_equal(&src, &c->client) ? 0 : 1;
	struct emit_ctx x = { in, f, app->tls_conn - 1 };
	for (;;) {
		size_t len, gap = tcp_flow_gap_at(fl);
		const uint8_t *p = (const uint8_t *)tcp_flow_data(fl, &len);
		if (gap == 0 && len) {
			tcp_flow_consume(fl, 0); /* passes the gap */
			app->tls_gap = 1;
			continue;
		}
		size_t lim = gap < len ? gap : len;
		if (lim == 0) {
			if (gap != TCP_NO_GAP) { /* a gap at the very end */
				tcp_flow_consume(fl, 0);
				app->tls_gap = 1;
			}
			break;
		}
		size_t used = tls_conn_feed(side->dec, dir, p, lim, app->tls_gap, f->no, f->ts_us, on_plaintext, &x);
		if (side->off || !side->dec)
			return 0;
		if (used)
			app->tls_gap = 0;
		tcp_flow_consume(fl, used);
		if (used < lim) {
			if (gap == TCP_NO_GAP)
				break; /* the rest of the record is coming */
			tcp_flow_consume(fl, lim - used); /* a gap cut the record */
			app->tls_gap = 1;
		}
	}
	sync_info(c, side->dec);
	return 0;
}

/* Records waiting for a key: try them again (the key log grew, time went
 * by), or at the end of input (now_us < 0) give them up. */
static void retry_all(struct ingest *in, int64_t now_us)
{
	struct frame f;
	memset(&f, 0, sizeof f);
	for (size_t i = 0; i < in->ntls; i++) {
		struct tls_side *side = &in->tls_side[i];
		if (!side->dec || !tls_conn_pending(side->dec))
			continue;
		struct emit_ctx x = { in, &f, i };
		tls_conn_retry(side->dec, now_us, on_plaintext, &x);
		if (side->dec)
			sync_info(&in->tls[i], side->dec);
		if (!side->refs && side->dec && !tls_conn_pending(side->dec))
			side_close(in, i); /* its connection had closed: done now */
	}
}

void ingest_tls_poll(struct ingest *in, int64_t now_us)
{
	struct tls_env *e = in->tls_env;
	if (!e)
		return;
	if (in->tls_keylog) {
		struct tls_keylog_report r;
		if (tls_keys_load_file(e->keys, in->tls_keylog, &r) == 0)
			add_keylog_warning(in, in->tls_keylog, &r);
	}
	retry_all(in, now_us);
}

void ingest_tls_finish(struct ingest *in)
{
	if (!in->tls_env)
		return;
	retry_all(in, -1);
	for (size_t i = 0; i < in->ntls; i++)
		if (in->tls_side[i].dec)
			sync_info(&in->tls[i], in->tls_side[i].dec);
}
