/* test_tls_conn.c - the per-connection TLS decoder (issue 21,
 * src/decode/tls_conn.c) against real TLS sessions.
 *
 * Oracle: OpenSSL's libssl runs both ends in memory (memory BIOs, a
 * self-signed RSA certificate made here), its key log callback gives the
 * secrets, and the bytes each end writes are the two streams.  They are fed
 * to tls_conn_feed() in capture order, cut into random segments, and what
 * the decoder emits must equal what the applications wrote. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <pcap/dlt.h>

#include "sipscope/ingest.h"
#include "sipscope/tls.h"

/* ---- one in-memory TLS session ---- */

static EVP_PKEY *g_key;
static X509 *g_cert;
static char g_keypath[64];

#define MAX_EV 256

struct ev {
	int dir; /* 0 client -> server, 1 server -> client */
	uint8_t *p;
	size_t n;
};

struct sess {
	SSL_CTX *sctx, *cctx;
	SSL *s, *c;
	struct ev ev[MAX_EV];
	size_t nev;
	char keylog[8192];
	size_t kl;
	uint8_t want[2][16384]; /* what each end's application wrote */
	size_t wn[2];
};

static struct sess *g_cur; /* the session whose key log is being written */

static void keylog_cb(const SSL *ssl, const char *line)
{
	(void)ssl;
	size_t l = strlen(line);
	if (g_cur && g_cur->kl + l + 1 < sizeof g_cur->keylog) {
		memcpy(g_cur->keylog + g_cur->kl, line, l);
		g_cur->kl += l;
		g_cur->keylog[g_cur->kl++] = '\n';
	}
}

static void make_cert(void)
{
	if (g_key)
		return;
	g_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	assert_non_null(g_key);
	g_cert = X509_new();
	X509_set_version(g_cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(g_cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(g_cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(g_cert), 86400);
	X509_set_pubkey(g_cert, g_key);
	X509_NAME *nm = X509_get_subject_name(g_cert);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)"sip.sipscope.test", -1, -1, 0);
	X509_set_issuer_name(g_cert, nm);
	assert_true(X509_sign(g_cert, g_key, EVP_sha256()) > 0);
	snprintf(g_keypath, sizeof g_keypath, "/tmp/test_tls_conn_key_%d.pem", (int)getpid());
	FILE *f = fopen(g_keypath, "w");
	assert_non_null(f);
	PEM_write_PrivateKey(f, g_key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
}

struct opts {
	int version;         /* TLS1_2_VERSION or TLS1_3_VERSION */
	const char *suites;  /* 1.3 ciphersuites or 1.2 cipher list */
	int no_etm, no_ems, no_ticket;
	const char *server_groups, *client_groups;
	SSL_SESSION *resume;
	SSL_CTX *server; /* resume against this (the first connection's) server */
	unsigned max_fragment; /* both ends: records this small (handshake messages span records) */
	int big_chain;         /* the server sends a certificate chain > 64 KiB */
};

static void sess_init(struct sess *x, const struct opts *o)
{
	make_cert();
	memset(x, 0, sizeof *x);
	x->sctx = o->server ? o->server : SSL_CTX_new(TLS_server_method());
	if (o->server)
		SSL_CTX_up_ref(o->server);
	x->cctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(x->sctx);
	assert_non_null(x->cctx);
	SSL_CTX *both[2] = {x->cctx, x->sctx};
	for (int i = 0; i < (o->server ? 1 : 2); i++) {
		SSL_CTX_set_min_proto_version(both[i], o->version);
		SSL_CTX_set_max_proto_version(both[i], o->version);
		if (o->suites) {
			if (o->version == TLS1_3_VERSION)
				assert_int_equal(SSL_CTX_set_ciphersuites(both[i], o->suites), 1);
			else
				assert_int_equal(SSL_CTX_set_cipher_list(both[i], o->suites), 1);
		}
		if (o->no_etm)
			SSL_CTX_set_options(both[i], SSL_OP_NO_ENCRYPT_THEN_MAC);
		if (o->no_ems)
			SSL_CTX_set_options(both[i], SSL_OP_NO_EXTENDED_MASTER_SECRET);
		if (o->no_ticket)
			SSL_CTX_set_options(both[i], SSL_OP_NO_TICKET);
		if (o->max_fragment)
			assert_int_equal(SSL_CTX_set_max_send_fragment(both[i], o->max_fragment), 1);
	}
	for (int i = 0; o->big_chain && i < 100; i++) {
		X509_up_ref(g_cert);
		assert_int_equal(SSL_CTX_add_extra_chain_cert(x->sctx, g_cert), 1);
	}
	if (o->big_chain)
		SSL_CTX_set_max_cert_list(x->cctx, 1 << 20);
	SSL_CTX_set_session_id_context(x->sctx, (const unsigned char *)"t", 1);
	SSL_CTX_set_session_cache_mode(x->sctx, SSL_SESS_CACHE_SERVER);
	SSL_CTX_set_session_cache_mode(x->cctx, SSL_SESS_CACHE_CLIENT);
	if (o->server_groups && !o->server)
		assert_int_equal(SSL_CTX_set1_groups_list(x->sctx, o->server_groups), 1);
	if (o->client_groups)
		assert_int_equal(SSL_CTX_set1_groups_list(x->cctx, o->client_groups), 1);
	if (!o->server) {
		assert_int_equal(SSL_CTX_use_certificate(x->sctx, g_cert), 1);
		assert_int_equal(SSL_CTX_use_PrivateKey(x->sctx, g_key), 1);
	}
	SSL_CTX_set_keylog_callback(x->cctx, keylog_cb);
	x->s = SSL_new(x->sctx);
	x->c = SSL_new(x->cctx);
	SSL_set_bio(x->s, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
	SSL_set_bio(x->c, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
	SSL_set_connect_state(x->c);
	SSL_set_accept_state(x->s);
	SSL_set_tlsext_host_name(x->c, "sip.sipscope.test");
	if (o->resume)
		assert_int_equal(SSL_set_session(x->c, o->resume), 1);
}

/* Move what each end wrote to the other, recording it as one event. */
static int pump(struct sess *x)
{
	int moved = 0;
	SSL *from[2] = {x->c, x->s}, *to[2] = {x->s, x->c};
	for (int d = 0; d < 2; d++) {
		BIO *w = SSL_get_wbio(from[d]);
		size_t n = (size_t)BIO_pending(w);
		if (!n)
			continue;
		assert_true(x->nev < MAX_EV);
		struct ev *e = &x->ev[x->nev++];
		e->dir = d;
		e->n = n;
		e->p = malloc(n);
		assert_int_equal(BIO_read(w, e->p, (int)n), (int)n);
		assert_int_equal(BIO_write(SSL_get_rbio(to[d]), e->p, (int)n), (int)n);
		moved = 1;
	}
	return moved;
}

static void handshake(struct sess *x)
{
	g_cur = x;
	for (int i = 0; i < 50; i++) {
		int rc = SSL_do_handshake(x->c), rs = SSL_do_handshake(x->s);
		int moved = pump(x);
		if (rc == 1 && rs == 1 && !moved)
			return;
	}
	fail_msg("handshake did not finish");
}

/* dir 0: the client writes; the other end reads it all. */
static void app_write(struct sess *x, int dir, const char *msg)
{
	SSL *w = dir ? x->s : x->c, *r = dir ? x->c : x->s;
	size_t n = strlen(msg);
	assert_int_equal(SSL_write(w, msg, (int)n), (int)n);
	memcpy(x->want[dir] + x->wn[dir], msg, n);
	x->wn[dir] += n;
	pump(x);
	char buf[4096];
	while (SSL_read(r, buf, sizeof buf) > 0)
		;
	pump(x);
}

static void sess_free(struct sess *x)
{
	for (size_t i = 0; i < x->nev; i++)
		free(x->ev[i].p);
	SSL_free(x->s);
	SSL_free(x->c);
	SSL_CTX_free(x->sctx);
	SSL_CTX_free(x->cctx);
	g_cur = NULL;
}

/* ---- the decoder's side ---- */

struct got {
	uint8_t pt[2][16384];
	size_t n[2];
	int gaps[2];
	int first_gap_at[2]; /* offset of the first run with gap_before, -1 none */
	uint64_t last_frame;
};

static void on_emit(void *ctx, int dir, const uint8_t *pt, size_t n, uint64_t frame, int64_t ts, int gap)
{
	(void)ts;
	struct got *g = ctx;
	assert_true(g->n[dir] + n <= sizeof g->pt[dir]);
	if (gap) {
		if (!g->gaps[dir])
			g->first_gap_at[dir] = (int)g->n[dir];
		g->gaps[dir]++;
	}
	memcpy(g->pt[dir] + g->n[dir], pt, n);
	g->n[dir] += n;
	g->last_frame = frame;
}

struct feeder {
	uint8_t buf[2][65536];
	size_t n[2];
	int gap[2];
};

static unsigned g_rng = 12345;
static unsigned rnd(void)
{
	g_rng = g_rng * 1103515245u + 12345u;
	return g_rng >> 8;
}

/* Feed one segment of dir (appended to what the decoder left). */
static void feed_seg(struct tls_conn *c, struct feeder *f, int dir, const uint8_t *p, size_t n, uint64_t frame,
		     struct got *g)
{
	assert_true(f->n[dir] + n <= sizeof f->buf[dir]);
	memcpy(f->buf[dir] + f->n[dir], p, n);
	f->n[dir] += n;
	size_t used = tls_conn_feed(c, dir, f->buf[dir], f->n[dir], f->gap[dir], frame, (int64_t)frame * 1000, on_emit, g);
	assert_true(used <= f->n[dir]);
	if (used || f->gap[dir])
		f->gap[dir] = 0;
	memmove(f->buf[dir], f->buf[dir] + used, f->n[dir] - used);
	f->n[dir] -= used;
}

/* seg: 0 = random segment sizes, 1 = one byte at a time, -1 = whole events. */
static void feed_events(struct tls_conn *c, struct sess *x, size_t from, size_t to, int seg, struct got *g,
			struct feeder *f)
{
	for (size_t i = from; i < to && i < x->nev; i++) {
		struct ev *e = &x->ev[i];
		size_t o = 0;
		while (o < e->n) {
			size_t k = seg < 0 ? e->n - o : seg == 1 ? 1 : 1 + rnd() % 700;
			if (k > e->n - o)
				k = e->n - o;
			feed_seg(c, f, e->dir, e->p + o, k, i + 1, g);
			o += k;
		}
	}
}

static void env_init(struct tls_env *e, const char *keylog, size_t kl)
{
	memset(e, 0, sizeof *e);
	e->keys = tls_keys_new();
	e->crypto = tls_crypto_new();
	assert_non_null(e->keys);
	assert_non_null(e->crypto);
	if (kl) {
		struct tls_keylog_report r;
		assert_int_equal(tls_keys_add_text(e->keys, keylog, kl, &r), 0);
		assert_true(r.secrets > 0);
	}
}

static void env_done(struct tls_env *e)
{
	tls_keys_free(e->keys);
	tls_crypto_free(e->crypto);
	if (e->rsa)
		tls_rsa_free(e->rsa);
	if (e->cache)
		tls_cache_free(e->cache);
}

static const char *const REQ[] = {
	("OPTIONS sip:a@127.0.0.1:15061;transport=tls SIP/2.0\r\nCall-ID: tls-1@t\r\nCSeq: 1 OPTIONS\r\n"
	 "Content-Length: 0\r\n\r\n"),
	"INVITE sip:b@127.0.0.1 SIP/2.0\r\nCall-ID: tls-2@t\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
	"BYE sip:b@127.0.0.1 SIP/2.0\r\nCall-ID: tls-2@t\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
	"MESSAGE sip:b@127.0.0.1 SIP/2.0\r\nCall-ID: tls-3@t\r\nCSeq: 1 MESSAGE\r\nContent-Length: 5\r\n\r\nhello",
	"ACK sip:b@127.0.0.1 SIP/2.0\r\nCall-ID: tls-2@t\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
};
#define NREQ (sizeof REQ / sizeof REQ[0])
static const char RESP[] = "SIP/2.0 200 OK\r\nCall-ID: tls-1@t\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

/* A session: handshake, then requests and responses each pumped alone. */
static void run_session(struct sess *x, const struct opts *o)
{
	sess_init(x, o);
	handshake(x);
	for (size_t i = 0; i < NREQ; i++) {
		app_write(x, 0, REQ[i]);
		app_write(x, 1, RESP);
	}
}

static void check_all(struct sess *x, struct got *g)
{
	for (int d = 0; d < 2; d++) {
		assert_int_equal(g->n[d], x->wn[d]);
		assert_memory_equal(g->pt[d], x->want[d], x->wn[d]);
		assert_int_equal(g->gaps[d], 0);
	}
}

/* With TLS_CONN_FUZZ_SEEDS=dir, each session decode_ok() sees is written
 * there as a fuzz_tls_record input (key log, then one segment per event). */
static void write_seed(const struct sess *x)
{
	static int n;
	const char *dir = getenv("TLS_CONN_FUZZ_SEEDS");
	if (!dir)
		return;
	char path[512];
	snprintf(path, sizeof path, "%s/session-%02d", dir, n++);
	FILE *f = fopen(path, "wb");
	if (!f)
		return;
	fputc((int)(x->kl >> 8), f);
	fputc((int)(x->kl & 0xff), f);
	fwrite(x->keylog, 1, x->kl, f);
	for (size_t i = 0; i < x->nev; i++) {
		size_t n16 = x->ev[i].n > 0xffff ? 0xffff : x->ev[i].n;
		fputc(x->ev[i].dir, f);
		fputc((int)(n16 >> 8), f);
		fputc((int)(n16 & 0xff), f);
		fwrite(x->ev[i].p, 1, n16, f);
	}
	fclose(f);
}

/* Decode x with its own key log, fed with segment mode seg; checks all. */
static void decode_ok(struct sess *x, int seg, uint16_t version, uint16_t suite)
{
	struct tls_env e;
	if (seg == 0)
		write_seed(x);
	env_init(&e, x->keylog, x->kl);
	struct tls_conn *c = tls_conn_new(&e);
	assert_non_null(c);
	struct got *g = calloc(1, sizeof *g);
	struct feeder *f = calloc(1, sizeof *f);
	feed_events(c, x, 0, x->nev, seg, g, f);
	check_all(x, g);
	const struct tls_conn_info *in = tls_conn_info(c);
	assert_int_equal(in->reason, TLS_R_OK);
	assert_int_equal(in->version, version);
	if (suite)
		assert_int_equal(in->suite, suite);
	assert_int_equal(in->client_dir, 0);
	assert_true(in->decrypted);
	assert_int_equal(in->have_cr, 1);
	assert_string_equal(in->sni, "sip.sipscope.test");
	assert_int_equal(in->records_failed, 0);
	assert_int_equal(e.st.records_failed, 0);
	assert_int_equal(e.st.seq_recovered, 0); /* every key switch taken in its place */
	assert_int_equal(e.st.resyncs, 0);
	assert_int_equal(e.st.conns_decrypted, 1);
	assert_int_equal(f->n[0], 0);
	assert_int_equal(f->n[1], 0);
	tls_conn_free(c);
	env_done(&e);
	free(g);
	free(f);
}

static void one_suite(int version, const char *suites, int no_etm, uint16_t id)
{
	struct sess *x = malloc(sizeof *x);
	struct opts o = {.version = version, .suites = suites, .no_etm = no_etm};
	run_session(x, &o);
	decode_ok(x, 0, version == TLS1_3_VERSION ? 0x0304 : 0x0303, id);
	decode_ok(x, 1, version == TLS1_3_VERSION ? 0x0304 : 0x0303, id);
	decode_ok(x, -1, version == TLS1_3_VERSION ? 0x0304 : 0x0303, id);
	sess_free(x);
	free(x);
}

static void test_tls13_aes128_gcm(void **st)
{
	(void)st;
	one_suite(TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", 0, 0x1301);
}

static void test_tls13_aes256_gcm(void **st)
{
	(void)st;
	one_suite(TLS1_3_VERSION, "TLS_AES_256_GCM_SHA384", 0, 0x1302);
}

static void test_tls13_chacha20(void **st)
{
	(void)st;
	one_suite(TLS1_3_VERSION, "TLS_CHACHA20_POLY1305_SHA256", 0, 0x1303);
}

static void test_tls12_ecdhe_gcm128(void **st)
{
	(void)st;
	one_suite(TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256", 0, 0xC02F);
}

static void test_tls12_ecdhe_gcm256(void **st)
{
	(void)st;
	one_suite(TLS1_2_VERSION, "ECDHE-RSA-AES256-GCM-SHA384", 0, 0xC030);
}

static void test_tls12_ecdhe_chacha20(void **st)
{
	(void)st;
	one_suite(TLS1_2_VERSION, "ECDHE-RSA-CHACHA20-POLY1305", 0, 0xCCA8);
}

static void test_tls12_cbc_sha_etm_and_mte(void **st)
{
	(void)st;
	one_suite(TLS1_2_VERSION, "ECDHE-RSA-AES128-SHA", 0, 0xC013);
	one_suite(TLS1_2_VERSION, "ECDHE-RSA-AES128-SHA", 1, 0xC013);
	one_suite(TLS1_2_VERSION, "ECDHE-RSA-AES256-SHA", 1, 0xC014);
}

static void test_tls12_cbc_sha256_etm_and_mte(void **st)
{
	(void)st;
	one_suite(TLS1_2_VERSION, "ECDHE-RSA-AES128-SHA256", 0, 0xC027);
	one_suite(TLS1_2_VERSION, "ECDHE-RSA-AES128-SHA256", 1, 0xC027);
}

static void test_tls12_cbc_sha384_etm_and_mte(void **st)
{
	(void)st;
	one_suite(TLS1_2_VERSION, "ECDHE-RSA-AES256-SHA384", 0, 0xC028);
	one_suite(TLS1_2_VERSION, "ECDHE-RSA-AES256-SHA384", 1, 0xC028);
}

/* Handshake messages across records (512-byte records: the Certificate
 * spans several), and a certificate chain too long to gather (skipped). */
static void test_handshake_spanning_records_and_huge_chain(void **st)
{
	(void)st;
	const struct opts os[] = {
		{.version = TLS1_3_VERSION, .max_fragment = 512},
		{.version = TLS1_2_VERSION, .suites = "ECDHE-RSA-AES128-GCM-SHA256", .max_fragment = 512},
		{.version = TLS1_3_VERSION, .big_chain = 1},
		{.version = TLS1_2_VERSION, .suites = "ECDHE-RSA-AES128-SHA256", .big_chain = 1},
	};
	for (size_t k = 0; k < sizeof os / sizeof os[0]; k++) {
		struct sess *x = malloc(sizeof *x);
		run_session(x, &os[k]);
		size_t server_bytes = 0;
		for (size_t i = 0; i < x->nev; i++)
			server_bytes += x->ev[i].dir ? x->ev[i].n : 0;
		assert_true(os[k].big_chain ? server_bytes > 70000 : server_bytes < 20000);
		decode_ok(x, 0, os[k].version == TLS1_3_VERSION ? 0x0304 : 0x0303, 0);
		decode_ok(x, 1, os[k].version == TLS1_3_VERSION ? 0x0304 : 0x0303, 0);
		sess_free(x);
		free(x);
	}
}

/* KeyUpdate in both directions (one requested by the client). */
static void test_tls13_key_update(void **st)
{
	(void)st;
	struct sess *x = malloc(sizeof *x);
	struct opts o = {.version = TLS1_3_VERSION};
	sess_init(x, &o);
	handshake(x);
	app_write(x, 0, REQ[0]);
	app_write(x, 1, RESP);
	assert_int_equal(SSL_key_update(x->c, SSL_KEY_UPDATE_REQUESTED), 1);
	app_write(x, 0, REQ[1]);
	app_write(x, 1, RESP); /* the server answers with its own KeyUpdate first */
	assert_int_equal(SSL_key_update(x->s, SSL_KEY_UPDATE_NOT_REQUESTED), 1);
	app_write(x, 1, RESP);
	assert_int_equal(SSL_new_session_ticket(x->s), 1); /* a NewSessionTicket between application records */
	app_write(x, 1, RESP);
	app_write(x, 0, REQ[2]);
	struct tls_env e;
	env_init(&e, x->keylog, x->kl);
	struct tls_conn *c = tls_conn_new(&e);
	struct got *g = calloc(1, sizeof *g);
	struct feeder *f = calloc(1, sizeof *f);
	feed_events(c, x, 0, x->nev, 0, g, f);
	check_all(x, g);
	assert_int_equal(e.st.key_updates, 3);
	assert_int_equal(e.st.records_failed, 0);
	assert_int_equal(e.st.seq_recovered, 0); /* each KeyUpdate read, not guessed */
	tls_conn_free(c);
	env_done(&e);
	free(g);
	free(f);
	sess_free(x);
	free(x);
}

/* The server prefers a group the client sent no key share for: HRR, a
 * second ClientHello, then the real ServerHello. */
static void test_tls13_hello_retry_request(void **st)
{
	(void)st;
	struct sess *x = malloc(sizeof *x);
	struct opts o = {.version = TLS1_3_VERSION, .server_groups = "P-256", .client_groups = "X25519:P-256"};
	run_session(x, &o);
	/* an HRR really happened: the server's first flight starts with the HRR random */
	int hrr = 0;
	for (size_t i = 0; i < x->nev; i++)
		if (x->ev[i].dir == 1 && x->ev[i].n > 11 + 32 && x->ev[i].p[5] == 2 &&
		    x->ev[i].p[11] == 0xcf && x->ev[i].p[12] == 0x21)
			hrr = 1;
	assert_true(hrr);
	decode_ok(x, 0, 0x0304, 0);
	sess_free(x);
	free(x);
}

/* 1.2 resumption: the second connection resumes the first's session (by
 * ticket, and by session id) and has its own CLIENT_RANDOM line. */
static void resume12(int no_ticket)
{
	struct sess *a = malloc(sizeof *a), *b = malloc(sizeof *b);
	struct opts o = {.version = TLS1_2_VERSION, .suites = "ECDHE-RSA-AES128-GCM-SHA256", .no_ticket = no_ticket};
	run_session(a, &o);
	SSL_SESSION *s = SSL_get1_session(a->c);
	assert_non_null(s);
	o.resume = s;
	o.server = a->sctx;
	sess_init(b, &o);
	handshake(b);
	assert_int_equal(SSL_session_reused(b->c), 1);
	app_write(b, 0, REQ[0]);
	app_write(b, 1, RESP);
	decode_ok(b, 0, 0x0303, 0xC02F);
	struct tls_env e;
	env_init(&e, b->keylog, b->kl);
	struct tls_conn *c = tls_conn_new(&e);
	struct got *g = calloc(1, sizeof *g);
	struct feeder *f = calloc(1, sizeof *f);
	feed_events(c, b, 0, b->nev, 0, g, f);
	assert_int_equal(tls_conn_info(c)->resumed, 1);
	assert_int_equal(e.st.resumed, 1);
	tls_conn_free(c);
	env_done(&e);
	free(g);
	free(f);
	SSL_SESSION_free(s);
	sess_free(b);
	sess_free(a);
	free(a);
	free(b);
}

static void test_tls12_resumed_ticket_keylog(void **st)
{
	(void)st;
	resume12(0);
}

static void test_tls12_resumed_session_id_keylog(void **st)
{
	(void)st;
	resume12(1);
}

/* Lose the bytes of events [lo_ev, hi_ev) and the first cut bytes of
 * hi_ev (one or more whole records, or part of the next one): the next
 * records must still decrypt, the first of them flagged with a gap. */
static void lost_records(int version, const char *suites, int no_etm, size_t cut)
{
	struct sess *x = malloc(sizeof *x);
	struct opts o = {.version = version, .suites = suites, .no_etm = no_etm};
	sess_init(x, &o);
	handshake(x);
	size_t hs_ev = x->nev;
	size_t mark[NREQ];
	for (size_t i = 0; i < NREQ; i++) {
		mark[i] = x->nev;
		app_write(x, 0, REQ[i]);
	}
	struct tls_env e;
	env_init(&e, x->keylog, x->kl);
	struct tls_conn *c = tls_conn_new(&e);
	struct got *g = calloc(1, sizeof *g);
	struct feeder *f = calloc(1, sizeof *f);
	feed_events(c, x, 0, hs_ev, 0, g, f);
	feed_events(c, x, hs_ev, mark[2], 0, g, f); /* REQ 0 and 1 */
	/* REQ 2 lost (and cut bytes of REQ 3); then a gap */
	struct ev *e3 = &x->ev[mark[3]];
	assert_int_equal(e3->dir, 0);
	f->n[0] = 0;
	f->gap[0] = 1;
	feed_seg(c, f, 0, e3->p + cut, e3->n - cut, 100, g);
	feed_events(c, x, mark[4], x->nev, 0, g, f);
	size_t l0 = strlen(REQ[0]), l1 = strlen(REQ[1]), l3 = strlen(REQ[3]), l4 = strlen(REQ[4]);
	uint8_t want[4096];
	size_t w = 0;
	memcpy(want, REQ[0], l0), w += l0;
	memcpy(want + w, REQ[1], l1), w += l1;
	if (!cut)
		memcpy(want + w, REQ[3], l3), w += l3;
	memcpy(want + w, REQ[4], l4), w += l4;
	assert_int_equal(g->n[0], w);
	assert_memory_equal(g->pt[0], want, w);
	assert_int_equal(g->gaps[0], 1);
	assert_int_equal(g->first_gap_at[0], (int)(l0 + l1));
	assert_true(e.st.seq_recovered >= 1);
	assert_int_equal(e.st.resyncs, 1);
	assert_int_equal(e.st.records_failed, 0);
	tls_conn_free(c);
	env_done(&e);
	free(g);
	free(f);
	sess_free(x);
	free(x);
}

static void test_lost_record_recovers_seq(void **st)
{
	(void)st;
	lost_records(TLS1_3_VERSION, NULL, 0, 0);
	lost_records(TLS1_3_VERSION, NULL, 0, 7);
	lost_records(TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256", 0, 0);
	lost_records(TLS1_2_VERSION, "ECDHE-RSA-CHACHA20-POLY1305", 0, 3);
	lost_records(TLS1_2_VERSION, "ECDHE-RSA-AES128-SHA256", 0, 0);
	lost_records(TLS1_2_VERSION, "ECDHE-RSA-AES128-SHA", 1, 9);
}

/* Flip one hex digit of every secret in the key log. */
static void spoil_keylog(struct sess *x)
{
	for (size_t i = 0; i < x->kl; i++)
		if (x->keylog[i] == '\n' && i > 0)
			x->keylog[i - 1] = x->keylog[i - 1] == '0' ? '1' : '0';
}

static void test_wrong_key_is_bad_mac(void **st)
{
	(void)st;
	const struct opts os[] = {{.version = TLS1_3_VERSION},
				  {.version = TLS1_2_VERSION, .suites = "ECDHE-RSA-AES256-GCM-SHA384"},
				  {.version = TLS1_2_VERSION, .suites = "ECDHE-RSA-AES128-SHA", .no_etm = 1}};
	for (size_t k = 0; k < 3; k++) {
		struct sess *x = malloc(sizeof *x);
		run_session(x, &os[k]);
		spoil_keylog(x);
		struct tls_env e;
		env_init(&e, x->keylog, x->kl);
		struct tls_conn *c = tls_conn_new(&e);
		struct got *g = calloc(1, sizeof *g);
		struct feeder *f = calloc(1, sizeof *f);
		feed_events(c, x, 0, x->nev, 0, g, f);
		assert_int_equal(tls_conn_info(c)->reason, TLS_R_BAD_MAC);
		assert_string_equal(tls_reason_name(TLS_R_BAD_MAC), "bad MAC");
		assert_int_equal(g->n[0] + g->n[1], 0);
		assert_true(e.st.records_failed > 0);
		assert_int_equal(tls_conn_info(c)->decrypted, 0);
		tls_conn_free(c);
		env_done(&e);
		free(g);
		free(f);
		sess_free(x);
		free(x);
	}
}

static void test_no_key_and_no_handshake(void **st)
{
	(void)st;
	struct sess *x = malloc(sizeof *x);
	struct opts o = {.version = TLS1_3_VERSION};
	run_session(x, &o);
	struct tls_env e;
	env_init(&e, NULL, 0);
	struct tls_conn *c = tls_conn_new(&e);
	struct got *g = calloc(1, sizeof *g);
	struct feeder *f = calloc(1, sizeof *f);
	feed_events(c, x, 0, x->nev, 0, g, f);
	assert_int_equal(tls_conn_info(c)->reason, TLS_R_NO_KEY);
	assert_true(e.st.records_no_key > 0);
	assert_int_equal(tls_conn_pending(c), 0);
	assert_int_equal(g->n[0] + g->n[1], 0);
	tls_conn_free(c);

	/* joined after the handshake: the last application records alone */
	env_done(&e);
	env_init(&e, x->keylog, x->kl);
	c = tls_conn_new(&e);
	memset(f, 0, sizeof *f);
	feed_events(c, x, x->nev - 4, x->nev, 0, g, f);
	assert_int_equal(tls_conn_info(c)->reason, TLS_R_NO_HANDSHAKE);
	assert_int_equal(tls_conn_info(c)->have_cr, 0);
	assert_int_equal(g->n[0] + g->n[1], 0);
	tls_conn_free(c);
	env_done(&e);
	free(g);
	free(f);
	sess_free(x);
	free(x);
}

/* Live: records arrive before their key; the key log grows; retry emits. */
/* by_age: what waits is dropped because it is too old, else at the end of input. */
static void pending(int version, const char *suites, int by_age)
{
	struct sess *x = malloc(sizeof *x);
	struct opts o = {.version = version, .suites = suites};
	run_session(x, &o);
	struct tls_env e;
	env_init(&e, NULL, 0);
	e.wait_for_keys = 1;
	struct tls_conn *c = tls_conn_new(&e);
	struct got *g = calloc(1, sizeof *g);
	struct feeder *f = calloc(1, sizeof *f);
	feed_events(c, x, 0, x->nev, 0, g, f);
	assert_int_equal(tls_conn_pending(c), 1);
	assert_int_equal(g->n[0] + g->n[1], 0);
	assert_true(e.st.records_pending > 0);
	tls_conn_retry(c, 1000, on_emit, g); /* still no key, not old yet: kept */
	assert_int_equal(tls_conn_pending(c), 1);
	struct tls_keylog_report r;
	assert_int_equal(tls_keys_add_text(e.keys, x->keylog, x->kl, &r), 0);
	tls_conn_retry(c, 2000, on_emit, g);
	assert_int_equal(tls_conn_pending(c), 0);
	check_all(x, g);
	assert_int_equal(tls_conn_info(c)->reason, TLS_R_OK);
	assert_int_equal(e.st.pending_dropped, 0);
	tls_conn_free(c);

	/* never a key: end of input drops them all */
	env_done(&e);
	env_init(&e, NULL, 0);
	e.wait_for_keys = 1;
	c = tls_conn_new(&e);
	memset(g, 0, sizeof *g);
	memset(f, 0, sizeof *f);
	feed_events(c, x, 0, x->nev, 0, g, f);
	assert_int_equal(tls_conn_pending(c), 1);
	if (by_age) {
		/* feed_seg's ts: the event number in ms; only the last event's records are young enough */
		int64_t last = (int64_t)x->nev * 1000;
		tls_conn_retry(c, last + TLS_PENDING_MAX_US - 1, on_emit, g);
		assert_int_equal(tls_conn_pending(c), 1);
		assert_true(e.st.pending_dropped > 0);
		tls_conn_retry(c, last + TLS_PENDING_MAX_US + 1, on_emit, g);
	} else {
		tls_conn_retry(c, -1, on_emit, g);
	}
	assert_int_equal(tls_conn_pending(c), 0);
	assert_true(e.st.pending_dropped > 0);
	assert_int_equal(tls_conn_info(c)->reason, TLS_R_NO_KEY);
	tls_conn_free(c);
	env_done(&e);
	free(g);
	free(f);
	sess_free(x);
	free(x);
}

static void test_pending_queue_then_key(void **st)
{
	(void)st;
	pending(TLS1_3_VERSION, NULL, 0);
	pending(TLS1_2_VERSION, "ECDHE-RSA-AES128-SHA256", 1);
}

/* A record lost while others wait for the key: once replayed, the gap mark
 * sits where the loss was, not on the first replayed record. */
static void test_pending_queue_keeps_gap_in_place(void **st)
{
	(void)st;
	struct sess *x = malloc(sizeof *x);
	struct opts o = {.version = TLS1_3_VERSION};
	sess_init(x, &o);
	handshake(x);
	size_t mark[NREQ];
	for (size_t i = 0; i < NREQ; i++) {
		mark[i] = x->nev;
		app_write(x, 0, REQ[i]);
	}
	struct tls_env e;
	env_init(&e, NULL, 0);
	e.wait_for_keys = 1;
	struct tls_conn *c = tls_conn_new(&e);
	struct got *g = calloc(1, sizeof *g);
	struct feeder *f = calloc(1, sizeof *f);
	feed_events(c, x, 0, mark[2], 0, g, f);
	f->gap[0] = 1; /* REQ 2 lost */
	feed_events(c, x, mark[3], x->nev, 0, g, f);
	assert_int_equal(g->n[0], 0);
	struct tls_keylog_report r;
	assert_int_equal(tls_keys_add_text(e.keys, x->keylog, x->kl, &r), 0);
	tls_conn_retry(c, 5000, on_emit, g);
	assert_int_equal(tls_conn_pending(c), 0);
	size_t l0 = strlen(REQ[0]), l1 = strlen(REQ[1]);
	assert_int_equal(g->n[0], l0 + l1 + strlen(REQ[3]) + strlen(REQ[4]));
	assert_int_equal(g->gaps[0], 1);
	assert_int_equal(g->first_gap_at[0], (int)(l0 + l1));
	assert_memory_equal(g->pt[0] + l0 + l1, REQ[3], strlen(REQ[3]));
	tls_conn_free(c);
	env_done(&e);
	free(g);
	free(f);
	sess_free(x);
	free(x);
}

static void test_unsupported_suite(void **st)
{
	(void)st;
	const struct opts os[] = {{.version = TLS1_3_VERSION, .suites = "TLS_AES_128_CCM_SHA256"},
				  {.version = TLS1_2_VERSION, .suites = "AES128-CCM"}};
	for (size_t k = 0; k < 2; k++) {
		struct sess *x = malloc(sizeof *x);
		run_session(x, &os[k]);
		struct tls_env e;
		env_init(&e, x->keylog, x->kl);
		struct tls_conn *c = tls_conn_new(&e);
		struct got *g = calloc(1, sizeof *g);
		struct feeder *f = calloc(1, sizeof *f);
		feed_events(c, x, 0, x->nev, 0, g, f);
		assert_int_equal(tls_conn_info(c)->reason, TLS_R_UNSUPPORTED);
		assert_int_equal(e.st.unsupported_suite, 1);
		assert_int_equal(g->n[0] + g->n[1], 0);
		assert_int_equal(tls_conn_info(c)->suite, k ? 0xC09C : 0x1304);
		tls_conn_free(c);
		env_done(&e);
		free(g);
		free(f);
		sess_free(x);
		free(x);
	}
}

/* RSA key exchange, opened with the private key (no key log): with and
 * without extended master secret; an ECDHE suite with only the RSA key. */
static void rsa_case(const char *suites, int no_ems, unsigned max_fragment, int expect_reason, const char *keypath)
{
	struct sess *x = malloc(sizeof *x);
	struct opts o = {.version = TLS1_2_VERSION, .suites = suites, .no_ems = no_ems, .max_fragment = max_fragment};
	run_session(x, &o);
	struct tls_env e;
	env_init(&e, NULL, 0);
	e.rsa = tls_rsa_new();
	char err[64];
	assert_int_equal(tls_rsa_add_pem(e.rsa, keypath, err, sizeof err), 0);
	struct tls_conn *c = tls_conn_new(&e);
	struct got *g = calloc(1, sizeof *g);
	struct feeder *f = calloc(1, sizeof *f);
	feed_events(c, x, 0, x->nev, 0, g, f);
	assert_int_equal(tls_conn_info(c)->reason, expect_reason);
	if (expect_reason == TLS_R_RSA_FAILED)
		assert_int_equal(e.st.rsa_failed, 1);
	if (expect_reason == TLS_R_OK) {
		check_all(x, g);
		assert_int_equal(e.st.rsa_ok, 1);
	} else {
		assert_int_equal(g->n[0] + g->n[1], 0);
	}
	tls_conn_free(c);
	env_done(&e);
	free(g);
	free(f);
	sess_free(x);
	free(x);
}

static void test_rsa_key_exchange(void **st)
{
	(void)st;
	rsa_case("AES128-GCM-SHA256", 0, 0, TLS_R_OK, g_keypath);
	rsa_case("AES256-SHA256", 1, 0, TLS_R_OK, g_keypath);
	rsa_case("AES128-SHA", 0, 0, TLS_R_OK, g_keypath);
	rsa_case("AES256-GCM-SHA384", 0, 512, TLS_R_OK, g_keypath); /* the EMS transcript gathered across records */
	rsa_case("ECDHE-RSA-AES128-GCM-SHA256", 0, 0, TLS_R_RSA_NOT_RSA_KX, g_keypath);
	/* another RSA key: the premaster secret does not open */
	char other[64];
	snprintf(other, sizeof other, "/tmp/test_tls_conn_other_%d.pem", (int)getpid());
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	FILE *fp = fopen(other, "w");
	assert_non_null(k);
	assert_non_null(fp);
	PEM_write_PrivateKey(fp, k, NULL, NULL, 0, NULL, NULL);
	fclose(fp);
	EVP_PKEY_free(k);
	rsa_case("AES128-GCM-SHA256", 0, 0, TLS_R_RSA_FAILED, other);
	unlink(other);
}

/* A resumed RSA session finds its master secret in the cache filled by
 * the full handshake (session id, then ticket). */
static void rsa_resume(int no_ticket)
{
	struct sess *a = malloc(sizeof *a), *b = malloc(sizeof *b);
	struct opts o = {.version = TLS1_2_VERSION, .suites = "AES128-GCM-SHA256", .no_ticket = no_ticket};
	run_session(a, &o);
	SSL_SESSION *s = SSL_get1_session(a->c);
	o.resume = s;
	o.server = a->sctx;
	sess_init(b, &o);
	handshake(b);
	assert_int_equal(SSL_session_reused(b->c), 1);
	app_write(b, 0, REQ[1]);
	app_write(b, 1, RESP);
	struct tls_env e;
	env_init(&e, NULL, 0);
	e.rsa = tls_rsa_new();
	e.cache = tls_cache_new();
	char err[64];
	assert_int_equal(tls_rsa_add_pem(e.rsa, g_keypath, err, sizeof err), 0);
	struct got *g = calloc(1, sizeof *g);
	struct feeder *f = calloc(1, sizeof *f);
	struct tls_conn *c = tls_conn_new(&e);
	feed_events(c, a, 0, a->nev, 0, g, f);
	check_all(a, g);
	tls_conn_free(c);
	memset(g, 0, sizeof *g);
	memset(f, 0, sizeof *f);
	c = tls_conn_new(&e);
	feed_events(c, b, 0, b->nev, 0, g, f);
	check_all(b, g);
	assert_int_equal(tls_conn_info(c)->resumed, 1);
	assert_int_equal(e.st.rsa_ok, 1);
	tls_conn_free(c);
	env_done(&e);
	free(g);
	free(f);
	SSL_SESSION_free(s);
	sess_free(b);
	sess_free(a);
	free(a);
	free(b);
}

static void test_rsa_resumed_from_cache(void **st)
{
	(void)st;
	rsa_resume(1);
	rsa_resume(0);
}

/* Several records in one segment, and frame numbers of the completing segment. */
static void test_records_in_one_feed_and_frame(void **st)
{
	(void)st;
	struct sess *x = malloc(sizeof *x);
	struct opts o = {.version = TLS1_3_VERSION};
	sess_init(x, &o);
	handshake(x);
	/* three writes, one event: three records in one segment */
	for (int i = 0; i < 3; i++) {
		size_t n = strlen(REQ[i]);
		assert_int_equal(SSL_write(x->c, REQ[i], (int)n), (int)n);
		memcpy(x->want[0] + x->wn[0], REQ[i], n);
		x->wn[0] += n;
	}
	pump(x);
	struct tls_env e;
	env_init(&e, x->keylog, x->kl);
	struct tls_conn *c = tls_conn_new(&e);
	struct got *g = calloc(1, sizeof *g);
	struct feeder *f = calloc(1, sizeof *f);
	feed_events(c, x, 0, x->nev, -1, g, f);
	check_all(x, g);
	assert_int_equal(g->last_frame, x->nev);
	tls_conn_free(c);
	env_done(&e);
	free(g);
	free(f);
	sess_free(x);
	free(x);
}

/* More than TRIALS (512) CBC records lost: no seq verifies the MAC, but
 * the explicit IV still decrypts them: emitted, counted mac_unverified. */
static void test_cbc_after_long_gap_is_mac_unverified(void **st)
{
	(void)st;
	for (int no_etm = 0; no_etm < 2; no_etm++) {
		struct sess *x = malloc(sizeof *x);
		struct opts o = {.version = TLS1_2_VERSION, .suites = "ECDHE-RSA-AES128-SHA", .no_etm = no_etm};
		sess_init(x, &o);
		handshake(x);
		size_t hs_ev = x->nev;
		app_write(x, 0, REQ[0]);
		size_t big = x->nev;
		for (int i = 0; i < 600; i++)
			assert_int_equal(SSL_write(x->c, "x", 1), 1);
		pump(x);
		char buf[4096];
		while (SSL_read(x->s, buf, sizeof buf) > 0)
			;
		size_t w0 = x->wn[0];
		app_write(x, 0, REQ[1]);
		app_write(x, 0, REQ[2]);
		struct tls_env e;
		env_init(&e, x->keylog, x->kl);
		struct tls_conn *c = tls_conn_new(&e);
		struct got *g = calloc(1, sizeof *g);
		struct feeder *f = calloc(1, sizeof *f);
		feed_events(c, x, 0, hs_ev, 0, g, f);
		feed_events(c, x, hs_ev, big, 0, g, f);
		f->gap[0] = 1;
		feed_events(c, x, big + 1, x->nev, 0, g, f);
		assert_int_equal(g->n[0], x->wn[0]);
		assert_memory_equal(g->pt[0], x->want[0], x->wn[0]);
		assert_int_equal(g->gaps[0], 1);
		assert_int_equal(g->first_gap_at[0], (int)w0);
		assert_int_equal(e.st.mac_unverified, 2);
		assert_int_equal(tls_conn_info(c)->mac_unverified, 2);
		tls_conn_free(c);
		env_done(&e);
		free(g);
		free(f);
		sess_free(x);
		free(x);
	}
}

/* Without the pending queue: the application keys reach the store late;
 * the records before are dropped (records_no_key), the next one opens
 * with its seq found by trial, flagged with a gap. */
static void test_late_key_without_queue_flags_gap(void **st)
{
	(void)st;
	struct sess *x = malloc(sizeof *x);
	struct opts o = {.version = TLS1_3_VERSION};
	sess_init(x, &o);
	handshake(x);
	app_write(x, 0, REQ[0]);
	app_write(x, 0, REQ[1]);
	size_t later = x->nev;
	app_write(x, 0, REQ[2]);
	/* the key log without the application secrets, then the whole of it */
	char part[8192];
	size_t pl = 0;
	for (const char *l = x->keylog; l < x->keylog + x->kl;) {
		const char *nl = memchr(l, '\n', (size_t)(x->keylog + x->kl - l));
		size_t n = (size_t)(nl - l) + 1;
		if (strncmp(l, "CLIENT_TRAFFIC_SECRET_0", 23) && strncmp(l, "SERVER_TRAFFIC_SECRET_0", 23))
			memcpy(part + pl, l, n), pl += n;
		l += n;
	}
	struct tls_env e;
	env_init(&e, part, pl);
	struct tls_conn *c = tls_conn_new(&e);
	struct got *g = calloc(1, sizeof *g);
	struct feeder *f = calloc(1, sizeof *f);
	feed_events(c, x, 0, later, 0, g, f);
	assert_int_equal(g->n[0], 0);
	assert_true(e.st.records_no_key >= 2);
	assert_int_equal(tls_conn_info(c)->reason, TLS_R_NO_KEY);
	struct tls_keylog_report r;
	assert_int_equal(tls_keys_add_text(e.keys, x->keylog, x->kl, &r), 0);
	feed_events(c, x, later, x->nev, 0, g, f);
	assert_int_equal(g->n[0], strlen(REQ[2]));
	assert_memory_equal(g->pt[0], REQ[2], g->n[0]);
	assert_int_equal(g->gaps[0], 1);
	assert_true(e.st.seq_recovered >= 1);
	assert_int_equal(tls_conn_info(c)->reason, TLS_R_OK);
	tls_conn_free(c);
	env_done(&e);
	free(g);
	free(f);
	sess_free(x);
	free(x);
}

/* 0-RTT: a resumed 1.3 session sends a request as early data.  With
 * CLIENT_EARLY_TRAFFIC_SECRET it is emitted; without, it is skipped
 * (early_skipped) and the rest still opens. */
static void test_tls13_early_data(void **st)
{
	(void)st;
	struct sess *a = malloc(sizeof *a), *b = malloc(sizeof *b);
	struct opts o = {.version = TLS1_3_VERSION};
	sess_init(a, &o);
	SSL_CTX_set_max_early_data(a->sctx, 16384);
	SSL_set_max_early_data(a->s, 16384);
	handshake(a);
	app_write(a, 0, REQ[0]);
	app_write(a, 1, RESP);
	SSL_SESSION *s = SSL_get1_session(a->c);
	assert_non_null(s);
	assert_true(SSL_SESSION_get_max_early_data(s) > 0);
	o.resume = s;
	o.server = a->sctx;
	sess_init(b, &o);
	g_cur = b;
	size_t n = strlen(REQ[3]), w = 0;
	assert_int_equal(SSL_write_early_data(b->c, REQ[3], n, &w), 1);
	memcpy(b->want[0], REQ[3], n);
	b->wn[0] = n;
	pump(b);
	int sdone = 0, ok = 0;
	for (int i = 0; i < 50 && !ok; i++) {
		char buf[4096];
		size_t rb;
		if (!sdone) {
			int r = SSL_read_early_data(b->s, buf, sizeof buf, &rb);
			if (r == SSL_READ_EARLY_DATA_FINISH)
				sdone = 1;
		}
		int rs = sdone ? SSL_do_handshake(b->s) : 0;
		int rc = SSL_do_handshake(b->c);
		ok = !pump(b) && rs == 1 && rc == 1;
	}
	assert_true(ok);
	assert_int_equal(SSL_get_early_data_status(b->c), SSL_EARLY_DATA_ACCEPTED);
	app_write(b, 0, REQ[1]);
	app_write(b, 1, RESP);
	assert_non_null(strstr(b->keylog, "CLIENT_EARLY_TRAFFIC_SECRET"));
	decode_ok(b, 0, 0x0304, 0);

	/* without the early secret */
	char part[8192];
	size_t pl = 0;
	for (const char *l = b->keylog; l < b->keylog + b->kl;) {
		const char *nl = memchr(l, '\n', (size_t)(b->keylog + b->kl - l));
		size_t k = (size_t)(nl - l) + 1;
		if (strncmp(l, "CLIENT_EARLY_TRAFFIC_SECRET", 27))
			memcpy(part + pl, l, k), pl += k;
		l += k;
	}
	struct tls_env e;
	env_init(&e, part, pl);
	struct tls_conn *c = tls_conn_new(&e);
	struct got *g = calloc(1, sizeof *g);
	struct feeder *f = calloc(1, sizeof *f);
	feed_events(c, b, 0, b->nev, 0, g, f);
	assert_int_equal(g->n[0], b->wn[0] - n);
	assert_memory_equal(g->pt[0], b->want[0] + n, g->n[0]);
	assert_int_equal(g->gaps[0], 1);
	assert_int_equal(g->first_gap_at[0], 0);
	assert_true(e.st.early_skipped >= 1);
	assert_int_equal(e.st.records_failed, 0);
	assert_int_equal(g->n[1], b->wn[1]);
	assert_int_equal(tls_conn_info(c)->resumed, 1); /* pre_shared_key in the ServerHello */
	assert_int_equal(e.st.resumed, 1);
	tls_conn_free(c);
	env_done(&e);
	free(g);
	free(f);
	SSL_SESSION_free(s);
	sess_free(b);
	sess_free(a);
	free(a);
	free(b);
}

/* Every tls_cipher_open() the decoder makes is counted (the link wraps
 * it: Makefile), to see what a record costs. */
long __real_tls_cipher_open(struct tls_cipher *t, uint64_t seq, const uint8_t hdr[5], const uint8_t *frag, size_t n,
			    uint8_t *out, uint8_t *type);
long __wrap_tls_cipher_open(struct tls_cipher *t, uint64_t seq, const uint8_t hdr[5], const uint8_t *frag, size_t n,
			    uint8_t *out, uint8_t *type);
static unsigned long g_opens;
long __wrap_tls_cipher_open(struct tls_cipher *t, uint64_t seq, const uint8_t hdr[5], const uint8_t *frag, size_t n,
			    uint8_t *out, uint8_t *type)
{
	g_opens++;
	return __real_tls_cipher_open(t, seq, hdr, frag, n, out, type);
}

/* A decrypted session, then application records that no key opens (a
 * hostile stream, or a renegotiation's new keys): the seq trials (512 seqs,
 * and in 1.3 the next epoch's 513) are bounded per connection, not paid
 * again for every such record. */
static void test_failing_records_do_not_cost_trials_each(void **st)
{
	(void)st;
	const struct opts os[] = {{.version = TLS1_3_VERSION},
				  {.version = TLS1_2_VERSION, .suites = "ECDHE-RSA-CHACHA20-POLY1305"}};
	for (size_t k = 0; k < 2; k++) {
		struct sess *x = malloc(sizeof *x);
		run_session(x, &os[k]);
		struct tls_env e;
		env_init(&e, x->keylog, x->kl);
		struct tls_conn *c = tls_conn_new(&e);
		struct got *g = calloc(1, sizeof *g);
		struct feeder *f = calloc(1, sizeof *f);
		feed_events(c, x, 0, x->nev, 0, g, f);
		check_all(x, g);
		uint8_t rec[5 + 64];
		rec[0] = 23, rec[1] = 3, rec[2] = 3, rec[3] = 0, rec[4] = 64;
		g_opens = 0;
		for (int i = 0; i < 200; i++) {
			for (size_t j = 5; j < sizeof rec; j++)
				rec[j] = (uint8_t)rnd();
			assert_int_equal(tls_conn_feed(c, 0, rec, sizeof rec, 0, 1000 + (uint64_t)i, 0, on_emit, g),
					 sizeof rec);
		}
		assert_int_equal(e.st.records_failed, 200);
		/* before: 200 x 513 (1.2) or 200 x 1026 (1.3) */
		assert_true(g_opens < 20 * 1026);
		tls_conn_free(c);
		env_done(&e);
		free(g);
		free(f);
		sess_free(x);
		free(x);
	}
}

/* A 1.2 AES-GCM application record shorter than its explicit nonce (8
 * bytes), the last bytes of what is fed: nothing past it is read (ASan
 * sees the read past a heap buffer of exactly those bytes). */
static void test_short_gcm_record_reads_nothing_past_it(void **st)
{
	(void)st;
	struct sess *x = malloc(sizeof *x);
	struct opts o = {.version = TLS1_2_VERSION, .suites = "ECDHE-RSA-AES128-GCM-SHA256"};
	run_session(x, &o);
	struct tls_env e;
	env_init(&e, x->keylog, x->kl);
	struct tls_conn *c = tls_conn_new(&e);
	struct got *g = calloc(1, sizeof *g);
	struct feeder *f = calloc(1, sizeof *f);
	feed_events(c, x, 0, x->nev, 0, g, f);
	check_all(x, g);
	for (size_t len = 1; len < 8; len++) {
		uint8_t *rec = malloc(5 + len);
		rec[0] = 23, rec[1] = 3, rec[2] = 3, rec[3] = 0, rec[4] = (uint8_t)len;
		memset(rec + 5, 0xff, len);
		assert_int_equal(tls_conn_feed(c, 0, rec, 5 + len, 0, 999, 0, on_emit, g), 5 + len);
		free(rec);
	}
	assert_int_equal(e.st.records_failed, 7);
	tls_conn_free(c);
	env_done(&e);
	free(g);
	free(f);
	sess_free(x);
	free(x);
}

/* ---- through ingest: TCP frames, the decoder, the SIP framing ---- */

struct wire {
	struct store *s;
	struct tracker *t;
	struct ingest *in;
	uint64_t no;
	uint32_t seq[2];
};

/* One Ethernet/IPv4/TCP frame of dir (0: client 10.0.0.1:40000, 1:
 * server 10.0.0.2:5061); lost: only its sequence numbers are used. */
static void wire_seg(struct wire *w, int dir, const uint8_t *data, size_t n, int lost)
{
	static uint8_t b[70000];
	static const uint8_t a[2][4] = {{10, 0, 0, 1}, {10, 0, 0, 2}};
	static const uint16_t port[2] = {40000, 5061};
	assert_true(54 + n <= sizeof b);
	memset(b, 0, 54);
	b[12] = 0x08;
	uint8_t *ip = b + 14, *tcp = b + 34;
	ip[0] = 0x45;
	ip[2] = (uint8_t)((40 + n) >> 8);
	ip[3] = (uint8_t)(40 + n);
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, a[dir], 4);
	memcpy(ip + 16, a[!dir], 4);
	tcp[0] = (uint8_t)(port[dir] >> 8), tcp[1] = (uint8_t)port[dir];
	tcp[2] = (uint8_t)(port[!dir] >> 8), tcp[3] = (uint8_t)port[!dir];
	for (int i = 0; i < 4; i++) {
		tcp[4 + i] = (uint8_t)(w->seq[dir] >> (24 - 8 * i));
		tcp[8 + i] = (uint8_t)(w->seq[!dir] >> (24 - 8 * i));
	}
	tcp[12] = 0x50;
	tcp[13] = 0x18;
	memcpy(b + 54, data, n);
	w->seq[dir] += (uint32_t)n;
	if (lost)
		return;
	struct frame f = {.no = ++w->no, .ts_us = (int64_t)w->no * 1000, .data = b, .caplen = (uint32_t)(54 + n),
			  .len = (uint32_t)(54 + n), .dlt = DLT_EN10MB};
	assert_int_equal(ingest_frame(w->in, &f), 0);
}

/* Session x through ingest with its key log (event `lose`: not
 * captured, (size_t)-1 none); the SIP messages stored. */
static size_t through_ingest(struct sess *x, size_t lose, struct wire *w)
{
	memset(w, 0, sizeof *w);
	w->s = store_new();
	w->t = track_new(w->s);
	w->in = ingest_new(w->s, w->t);
	assert_non_null(w->in);
	w->seq[0] = 1000, w->seq[1] = 90000;
	assert_int_equal(ingest_tls_secrets(w->in, x->keylog, x->kl), 0);
	for (size_t i = 0; i < x->nev; i++)
		wire_seg(w, x->ev[i].dir, x->ev[i].p, x->ev[i].n, i == lose);
	ingest_finish(w->in);
	return store_msg_count(w->s);
}

static void wire_free(struct wire *w)
{
	ingest_free(w->in);
	track_free(w->t);
	store_free(w->s);
}

/* What a direction's first plaintext is need not be a SIP message's
 * start: CRLF keep-alives (RFC 5626 4.4.1) before the first request, or
 * the rest of a message whose first record was lost.  The connection is
 * still SIP, its next messages read. */
static void test_ingest_sip_after_keepalive_or_lost_start(void **st)
{
	(void)st;
	static const char HDR[] = "MESSAGE sip:b@127.0.0.1 SIP/2.0\r\nCall-ID: tls-9@t\r\nCSeq: 1 MESSAGE\r\n"
				  "Content-Type: text/plain\r\nContent-Length: 40\r\n\r\n";
	static const char BODY[] = "a body of forty bytes, in its own reco\r\n";
	assert_int_equal(strlen(BODY), 40);
	for (int lost = 0; lost < 2; lost++) {
		struct sess *x = malloc(sizeof *x);
		struct opts o = {.version = TLS1_3_VERSION};
		sess_init(x, &o);
		handshake(x);
		size_t mark = x->nev;
		if (lost) {
			app_write(x, 0, HDR);
			app_write(x, 0, BODY);
		} else {
			app_write(x, 0, "\r\n\r\n");
		}
		app_write(x, 0, REQ[0]);
		app_write(x, 1, RESP);
		assert_int_equal(x->ev[mark].dir, 0);
		struct wire w;
		size_t n = through_ingest(x, lost ? mark : (size_t)-1, &w);
		assert_int_equal(n, 2);
		size_t len;
		const char *m = store_msg_bytes(w.s, 0, &len);
		assert_int_equal(len, strlen(REQ[0]));
		assert_memory_equal(m, REQ[0], len);
		assert_int_equal(store_msg_at(w.s, 0)->transport, STORE_TP_TLS);
		assert_int_equal(store_msg_at(w.s, 1)->status, 200);
		assert_int_equal(ingest_tls(w.in, 0)->sip_msgs, 2);
		wire_free(&w);
		sess_free(x);
		free(x);
	}
}

/* The server's first response lost its first record (a gap) and the rest
 * of its body runs past what is looked through for a SIP start: the
 * connection already carried SIP the other way, so it is not turned off;
 * the server's next response and the client's next request are read. */
static void test_ingest_sip_connection_not_turned_off_by_a_lost_start(void **st)
{
	(void)st;
	static char hdr[256], body[6001];
	for (size_t i = 0; i < 6000; i++)
		body[i] = i % 60 == 59 ? '\n' : i % 60 == 58 ? '\r' : (char)('a' + i % 26);
	snprintf(hdr, sizeof hdr,
		 "SIP/2.0 200 OK\r\nCall-ID: tls-1@t\r\nCSeq: 1 OPTIONS\r\nContent-Type: text/plain\r\n"
		 "Content-Length: %zu\r\n\r\n",
		 strlen(body));
	struct sess *x = malloc(sizeof *x);
	struct opts o = {.version = TLS1_3_VERSION};
	sess_init(x, &o);
	handshake(x);
	app_write(x, 0, REQ[0]);
	size_t mark = x->nev;
	app_write(x, 1, hdr);
	app_write(x, 1, body);
	app_write(x, 1, RESP);
	app_write(x, 0, REQ[1]);
	assert_int_equal(x->ev[mark].dir, 1);
	struct wire w;
	size_t n = through_ingest(x, mark, &w);
	assert_int_equal(n, 3);
	size_t len;
	const char *m = store_msg_bytes(w.s, 1, &len);
	assert_int_equal(len, strlen(RESP));
	assert_memory_equal(m, RESP, len);
	m = store_msg_bytes(w.s, 2, &len);
	assert_int_equal(len, strlen(REQ[1]));
	assert_memory_equal(m, REQ[1], len);
	wire_free(&w);
	sess_free(x);
	free(x);
}

static int teardown_all(void **st)
{
	(void)st;
	if (g_keypath[0])
		unlink(g_keypath);
	EVP_PKEY_free(g_key);
	X509_free(g_cert);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls13_aes128_gcm),
		cmocka_unit_test(test_tls13_aes256_gcm),
		cmocka_unit_test(test_tls13_chacha20),
		cmocka_unit_test(test_tls12_ecdhe_gcm128),
		cmocka_unit_test(test_tls12_ecdhe_gcm256),
		cmocka_unit_test(test_tls12_ecdhe_chacha20),
		cmocka_unit_test(test_tls12_cbc_sha_etm_and_mte),
		cmocka_unit_test(test_tls12_cbc_sha256_etm_and_mte),
		cmocka_unit_test(test_tls12_cbc_sha384_etm_and_mte),
		cmocka_unit_test(test_handshake_spanning_records_and_huge_chain),
		cmocka_unit_test(test_tls13_key_update),
		cmocka_unit_test(test_tls13_hello_retry_request),
		cmocka_unit_test(test_tls12_resumed_ticket_keylog),
		cmocka_unit_test(test_tls12_resumed_session_id_keylog),
		cmocka_unit_test(test_lost_record_recovers_seq),
		cmocka_unit_test(test_wrong_key_is_bad_mac),
		cmocka_unit_test(test_no_key_and_no_handshake),
		cmocka_unit_test(test_pending_queue_then_key),
		cmocka_unit_test(test_pending_queue_keeps_gap_in_place),
		cmocka_unit_test(test_unsupported_suite),
		cmocka_unit_test(test_rsa_key_exchange),
		cmocka_unit_test(test_rsa_resumed_from_cache),
		cmocka_unit_test(test_records_in_one_feed_and_frame),
		cmocka_unit_test(test_cbc_after_long_gap_is_mac_unverified),
		cmocka_unit_test(test_late_key_without_queue_flags_gap),
		cmocka_unit_test(test_tls13_early_data),
		cmocka_unit_test(test_failing_records_do_not_cost_trials_each),
		cmocka_unit_test(test_short_gcm_record_reads_nothing_past_it),
		cmocka_unit_test(test_ingest_sip_after_keepalive_or_lost_start),
		cmocka_unit_test(test_ingest_sip_connection_not_turned_off_by_a_lost_start),
	};
	return cmocka_run_group_tests(tests, NULL, teardown_all);
}
