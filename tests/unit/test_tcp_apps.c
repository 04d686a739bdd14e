/* test_tcp_apps.c - what TCP streams carry, through the whole pipeline:
 * SIP over WebSocket (upgrade, masking, fragments with control frames
 * between them, frame headers split over segments, binary frames,
 * mid-stream start, permessage-deflate), HEP3 over TCP, TLS connections.
 * Frames are built by hand so every expected frame number is known. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/ingest.h"

static const char REG[] = "REGISTER sip:example.com SIP/2.0\r\n"
	"Via: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKasudf\r\n"
	"From: <sip:alice@example.com>;tag=65bnmj.34asd\r\n"
	"To: <sip:alice@example.com>\r\nCall-ID: aiuy7k9njasd\r\nCSeq: 1 REGISTER\r\n"
	"Max-Forwards: 70\r\nContact: <sip:alice@df7jal23ls0d.invalid;transport=ws>\r\n"
	"Content-Length: 0\r\n\r\n";
static const char OK[] = "SIP/2.0 200 OK\r\n"
	"Via: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKasudf\r\n"
	"From: <sip:alice@example.com>;tag=65bnmj.34asd\r\n"
	"To: <sip:alice@example.com>;tag=krJAiu\r\nCall-ID: aiuy7k9njasd\r\nCSeq: 1 REGISTER\r\n"
	"Content-Length: 0\r\n\r\n";
static const char OPT[] = "OPTIONS sip:example.com SIP/2.0\r\n"
	"Via: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKopt1\r\n"
	"From: <sip:alice@example.com>;tag=o1\r\nTo: <sip:example.com>\r\n"
	"Call-ID: opt-1\r\nCSeq: 7 OPTIONS\r\nContent-Length: 0\r\n\r\n";

struct rig {
	struct store *s;
	struct tracker *t;
	struct ingest *in;
	uint64_t no;
	uint32_t seq[2];
	uint16_t port[2]; /* client, server */
};

static int setup(void **state)
{
	struct rig *r = calloc(1, sizeof *r);
	r->s = store_new();
	r->t = track_new(r->s);
	r->in = ingest_new(r->s, r->t);
	r->seq[0] = 1000;
	r->seq[1] = 90000;
	r->port[0] = 40000;
	r->port[1] = 8080;
	*state = r;
	return r->in ? 0 : -1;
}

static int teardown(void **state)
{
	struct rig *r = *state;
	ingest_free(r->in);
	track_free(r->t);
	store_free(r->s);
	free(r);
	return 0;
}

/* One Ethernet/IPv4/TCP frame from side `dir` (0 client, 1 server) with
 * TCP flags `flags` (0: PSH|ACK). */
static void seg_flags(struct rig *r, int dir, uint8_t flags, const void *data, size_t n)
{
	static uint8_t b[70000];
	static const uint8_t a[2][4] = { { 10, 0, 0, 1 }, { 10, 0, 0, 2 } };
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
	uint16_t sp = r->port[dir], dp = r->port[!dir];
	tcp[0] = (uint8_t)(sp >> 8);
	tcp[1] = (uint8_t)sp;
	tcp[2] = (uint8_t)(dp >> 8);
	tcp[3] = (uint8_t)dp;
	uint32_t s = r->seq[dir];
	tcp[4] = (uint8_t)(s >> 24);
	tcp[5] = (uint8_t)(s >> 16);
	tcp[6] = (uint8_t)(s >> 8);
	tcp[7] = (uint8_t)s;
	tcp[12] = 0x50;
	tcp[13] = flags ? flags : 0x18;
	memcpy(b + 54, data, n);
	r->seq[dir] += (uint32_t)n + ((flags & 0x02) != 0);
	struct frame f = { .no = ++r->no, .ts_us = (int64_t)r->no * 1000, .data = b,
	                   .caplen = (uint32_t)(54 + n), .len = (uint32_t)(54 + n),
	                   .dlt = DLT_EN10MB };
	assert_int_equal(ingest_frame(r->in, &f), 0);
}

static void seg(struct rig *r, int dir, const void *data, size_t n)
{
	seg_flags(r, dir, 0, data, n);
}

/* A WebSocket frame: fin, opcode, masked (with a fixed key) or not. */
static size_t ws_frame(uint8_t *out, int fin, int rsv1, int op, int masked, const char *p, size_t n)
{
	static const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	size_t o = 0;
	out[o++] = (uint8_t)((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | op);
	uint8_t m = masked ? 0x80 : 0;
	if (n < 126) {
		out[o++] = (uint8_t)(m | n);
	} else {
		out[o++] = m | 126;
		out[o++] = (uint8_t)(n >> 8);
		out[o++] = (uint8_t)n;
	}
	if (masked) {
		memcpy(out + o, key, 4);
		o += 4;
	}
	for (size_t i = 0; i < n; i++)
		out[o + i] = (uint8_t)(masked ? p[i] ^ key[i & 3] : p[i]);
	return o + n;
}

static void assert_msg(struct rig *r, size_t i, uint64_t frame, const char *text, uint8_t tp)
{
	assert_true(i < store_msg_count(r->s));
	const struct store_msg *m = store_msg_at(r->s, i);
	assert_int_equal(m->frame, frame);
	assert_int_equal(m->transport, tp);
	if (m->malformed)
		fail_msg("message %zu malformed: %s", i, m->malformed);
	size_t len;
	const char *b = store_msg_bytes(r->s, i, &len);
	assert_non_null(b);
	assert_int_equal(len, strlen(text));
	assert_memory_equal(b, text, len);
}

static void handshake(struct rig *r)
{
	static const char get[] = "GET / HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n"
		"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		"Sec-WebSocket-Protocol: sip\r\nSec-WebSocket-Version: 13\r\n\r\n";
	static const char ok[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		"Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
		"Sec-WebSocket-Protocol: sip\r\n\r\n";
	seg(r, 0, get, strlen(get));
	seg(r, 1, ok, strlen(ok));
}

static void test_websocket_session(void **state)
{
	struct rig *r = *state;
	static uint8_t b[8192];
	handshake(r);                                             /* frames 1, 2 */
	size_t n = ws_frame(b, 1, 0, 1, 1, REG, strlen(REG));
	seg(r, 0, b, n);                                          /* 3: REGISTER */
	n = ws_frame(b, 1, 0, 1, 0, OK, strlen(OK));              /* server frames are not masked */
	seg(r, 1, b, n);                                          /* 4: 200 */
	/* OPTIONS in three fragments, a ping between them, and a frame
	 * header split over two segments. */
	size_t a = 20, c = 50;
	n = ws_frame(b, 0, 0, 1, 1, OPT, a);
	n += ws_frame(b + n, 1, 0, 9, 1, "hi", 2);
	seg(r, 0, b, n);                                          /* 5 */
	n = ws_frame(b, 0, 0, 0, 1, OPT + a, c);
	seg(r, 0, b, 3);                                          /* 6: 3 bytes of a header */
	n += ws_frame(b + n, 1, 0, 0, 1, OPT + a + c, strlen(OPT) - a - c);
	seg(r, 0, b + 3, n - 3);                                  /* 7: completes it */
	/* A binary frame carries a SIP message too. */
	n = ws_frame(b, 1, 0, 2, 0, OK, strlen(OK));
	n += ws_frame(b + n, 1, 0, 8, 0, "\x03\xe8", 2);         /* and a close */
	seg(r, 1, b, n);                                          /* 8 */
	assert_int_equal(store_msg_count(r->s), 4);
	assert_msg(r, 0, 3, REG, STORE_TP_WS);
	assert_msg(r, 1, 4, OK, STORE_TP_WS);
	assert_msg(r, 2, 7, OPT, STORE_TP_WS);
	assert_msg(r, 3, 8, OK, STORE_TP_WS);
	const struct ingest_stats *st = ingest_stats(r->in);
	assert_int_equal(st->ws_msgs, 4);
	assert_int_equal(st->ws_broken, 0);
	assert_int_equal(st->not_sip, 0);
}

static void test_websocket_joined_mid_stream(void **state)
{
	struct rig *r = *state;
	static uint8_t b[4096];
	r->port[1] = 10443; /* any port */
	size_t n = ws_frame(b, 1, 0, 1, 1, REG, strlen(REG));
	seg(r, 0, b, n);
	n = ws_frame(b, 1, 0, 1, 0, OK, strlen(OK));
	seg(r, 1, b, n);
	assert_int_equal(store_msg_count(r->s), 2);
	assert_msg(r, 0, 1, REG, STORE_TP_WS);
	assert_msg(r, 1, 2, OK, STORE_TP_WS);
}

/* permessage-deflate (RSV1) cannot be read without inflating: counted. */
static void test_websocket_deflate_counted(void **state)
{
	struct rig *r = *state;
	static uint8_t b[4096];
	handshake(r);
	size_t n = ws_frame(b, 1, 1, 1, 1, "\xf2\x48\xcd\xc9\xc9", 5);
	seg(r, 0, b, n);
	n = ws_frame(b, 1, 0, 1, 1, REG, strlen(REG));
	seg(r, 0, b, n);
	assert_int_equal(store_msg_count(r->s), 1);
	assert_msg(r, 0, 4, REG, STORE_TP_WS);
	assert_int_equal(ingest_stats(r->in)->ws_compressed, 1);
}

/* An upgrade to something else is no WebSocket for us. */
static void test_plain_http_is_ignored(void **state)
{
	struct rig *r = *state;
	static const char get[] = "GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n";
	seg(r, 0, get, strlen(get));
	static uint8_t b[4096];
	size_t n = ws_frame(b, 1, 0, 1, 1, "hello", 5);
	seg(r, 0, b, n);
	assert_int_equal(store_msg_count(r->s), 0);
}

static size_t hep3(uint8_t *out, const char *sip, uint32_t sec, uint8_t proto)
{
	size_t o = 6;
#define CH(type, ptr, len) do { out[o] = 0; out[o + 1] = 0; out[o + 2] = 0; out[o + 3] = (type); \
		out[o + 4] = (uint8_t)((6 + (len)) >> 8); out[o + 5] = (uint8_t)(6 + (len)); \
		memcpy(out + o + 6, (ptr), (len)); o += 6 + (len); } while (0)
	uint8_t fam = 2, sp[2] = { 0x13, 0xc4 }, dp[2] = { 0x13, 0xc5 }, pt = 1;
	uint8_t ts[4] = { (uint8_t)(sec >> 24), (uint8_t)(sec >> 16), (uint8_t)(sec >> 8), (uint8_t)sec };
	uint8_t cid[4] = { 0, 0, 0, 42 };
	CH(1, &fam, 1);
	CH(2, &proto, 1);
	CH(3, "\xc0\x00\x02\x01", 4);
	CH(4, "\xc0\x00\x02\x02", 4);
	CH(7, sp, 2);
	CH(8, dp, 2);
	CH(9, ts, 4);
	CH(11, &pt, 1);
	CH(12, cid, 4);
	CH(15, sip, strlen(sip));
#undef CH
	memcpy(out, "HEP3", 4);
	out[4] = (uint8_t)(o >> 8);
	out[5] = (uint8_t)o;
	return o;
}

static void test_hep3_over_tcp(void **state)
{
	struct rig *r = *state;
	r->port[1] = 9061;
	static uint8_t b[8192];
	size_t n = hep3(b, REG, 1700000000, 17);
	n += hep3(b + n, OK, 1700000001, 17);
	size_t third = hep3(b + n, OPT, 1700000002, 6);
	seg(r, 0, b, n + 10);                  /* 1: two whole, the start of a third */
	seg(r, 0, b + n + 10, third - 10);     /* 2: its end */
	assert_int_equal(store_msg_count(r->s), 3);
	assert_msg(r, 0, 1, REG, STORE_TP_UDP);
	assert_msg(r, 1, 1, OK, STORE_TP_UDP);
	assert_msg(r, 2, 2, OPT, STORE_TP_TCP);
	const struct store_msg *m = store_msg_at(r->s, 2);
	assert_int_equal(m->ts_us, 1700000002LL * 1000000);
	assert_int_equal(store_agent_capture_id(r->s, m->agent), 42);
	char ep[64];
	store_endpoint_format(store_endpoint(r->s, m->src), ep, sizeof ep);
	assert_string_equal(ep, "192.0.2.1:5060");
	assert_int_equal(ingest_stats(r->in)->hep_tcp, 3);
}

static void test_tls_connection_recorded_without_keys(void **state)
{
	struct rig *r = *state;
	r->port[1] = 5061;
	/* A ClientHello with server_name "sip.example.com" (its lengths agree:
	 * the decoder reads the handshake as framed, not the segment). */
	static const uint8_t hello[] = {
		0x16, 0x03, 0x01, 0x00, 0x47, 0x01, 0x00, 0x00, 0x43, 0x03, 0x03,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
		0x00,                   /* session id */
		0x00, 0x02, 0x13, 0x01, /* one cipher suite */
		0x01, 0x00,             /* null compression */
		0x00, 0x18,             /* extensions */
		0x00, 0x00, 0x00, 0x14, 0x00, 0x12, 0x00, 0x00, 0x0f,
		's', 'i', 'p', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm' };
	/* ServerHello: TLS 1.2, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, no extensions */
	static const uint8_t shello[] = {
		0x16, 0x03, 0x03, 0x00, 0x2a, 0x02, 0x00, 0x00, 0x26, 0x03, 0x03,
		9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
		0x00, 0xc0, 0x2f, 0x00 };
	/* ChangeCipherSpec, then a record that needs the keys */
	static const uint8_t data[] = { 0x14, 0x03, 0x03, 0x00, 0x01, 0x01,
		                        0x17, 0x03, 0x03, 0x00, 0x05, 'I', 'N', 'V', 'I', 'T' };
	seg(r, 0, hello, sizeof hello);
	seg(r, 1, shello, sizeof shello);
	seg(r, 0, data, sizeof data);
	assert_int_equal(store_msg_count(r->s), 0);
	assert_int_equal(ingest_tls_count(r->in), 1);
	const struct ingest_tls *c = ingest_tls(r->in, 0);
	assert_string_equal(c->sni, "sip.example.com");
	assert_int_equal(c->client.port, 40000);
	assert_int_equal(c->server.port, 5061);
	assert_int_equal(c->segments, 3);
	assert_int_equal(c->bytes, sizeof hello + sizeof shello + sizeof data);
	assert_int_equal(c->first_frame, 1);
	assert_int_equal(c->last_frame, 3);
	assert_int_equal(c->hello, 1);
	assert_int_equal(ingest_stats(r->in)->not_sip, 0);
	/* no key log: listed, with the reason */
	assert_int_equal(c->decrypted, 0);
	assert_int_equal(c->reason, TLS_R_NO_KEY);
	assert_int_equal(c->version, 0x0303);
	assert_int_equal(c->suite, 0xc02f);
	assert_int_equal(c->have_cr, 1);
	assert_int_equal(c->cr[0], 1);
}

/* A ClientHello with client_random bytes all `rnd` and server_name
 * "sip.example.com" (as above); its length. */
static size_t client_hello(uint8_t *out, uint8_t rnd)
{
	static const uint8_t head[] = { 0x16, 0x03, 0x01, 0x00, 0x47, 0x01, 0x00, 0x00, 0x43, 0x03, 0x03 };
	static const uint8_t tail[] = {
		0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00, 0x00, 0x18,
		0x00, 0x00, 0x00, 0x14, 0x00, 0x12, 0x00, 0x00, 0x0f,
		's', 'i', 'p', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm' };
	memcpy(out, head, sizeof head);
	memset(out + sizeof head, rnd, 32);
	memcpy(out + sizeof head + 32, tail, sizeof tail);
	return sizeof head + 32 + sizeof tail;
}

/* A phone reconnects from the same port (its TLS connection was cut
 * without a FIN seen): the SYN on the same 4-tuple starts a new TLS
 * connection with its own record and decoder, not more records for the
 * old one (whose keys would fail every record of the new one). */
static void test_tls_new_connection_on_same_four_tuple(void **state)
{
	struct rig *r = *state;
	r->port[1] = 5061;
	uint8_t hello[128];
	static const uint8_t shello[] = {
		0x16, 0x03, 0x03, 0x00, 0x2a, 0x02, 0x00, 0x00, 0x26, 0x03, 0x03,
		9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
		0x00, 0xc0, 0x2f, 0x00 };
	static const uint8_t data[] = { 0x14, 0x03, 0x03, 0x00, 0x01, 0x01,
		                        0x17, 0x03, 0x03, 0x00, 0x05, 'I', 'N', 'V', 'I', 'T' };
	seg(r, 0, hello, client_hello(hello, 0x11));
	seg(r, 1, shello, sizeof shello);
	seg(r, 0, data, sizeof data);
	/* the same ports again: SYN, SYN-ACK (other sequence numbers) */
	r->seq[0] = 777000;
	r->seq[1] = 555000;
	seg_flags(r, 0, 0x02, "", 0);
	seg_flags(r, 1, 0x12, "", 0);
	seg(r, 0, hello, client_hello(hello, 0x22));
	seg(r, 1, shello, sizeof shello);
	assert_int_equal(ingest_tls_count(r->in), 2);
	const struct ingest_tls *c = ingest_tls(r->in, 1);
	assert_int_equal(c->have_cr, 1);
	assert_int_equal(c->cr[0], 0x22);
	assert_int_equal(c->first_frame, 6);
	assert_int_equal(c->hello, 1);
	assert_int_equal(c->client.port, 40000);
	assert_int_equal(c->server.port, 5061);
	assert_int_equal(c->records, 2);
	assert_int_equal(c->version, 0x0303);
	c = ingest_tls(r->in, 0);
	assert_int_equal(c->cr[0], 0x11);
	assert_int_equal(c->last_frame, 3);
}

/* A reconnect storm (a proxy restarted, its phones come back at once):
 * 70 ClientHellos, then the ServerHellos.  Each answer joins its own
 * connection, however many began in between (the server's direction
 * would otherwise get a record and decoder of its own, which never saw
 * the ClientHello, and the client's would never see the ServerHello:
 * nothing of either could be decrypted). */
static void test_tls_server_joins_its_connection_in_a_storm(void **state)
{
	struct rig *r = *state;
	r->port[1] = 5061;
	uint8_t hello[128];
	static const uint8_t shello[] = {
		0x16, 0x03, 0x03, 0x00, 0x2a, 0x02, 0x00, 0x00, 0x26, 0x03, 0x03,
		9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
		0x00, 0xc0, 0x2f, 0x00 };
	enum { N = 70 };
	for (unsigned i = 0; i < N; i++) {
		r->port[0] = (uint16_t)(40000 + i);
		seg(r, 0, hello, client_hello(hello, (uint8_t)i));
	}
	for (unsigned i = 0; i < N; i++) {
		r->port[0] = (uint16_t)(40000 + i);
		seg(r, 1, shello, sizeof shello);
	}
	assert_int_equal(ingest_tls_count(r->in), N);
	for (unsigned i = 0; i < N; i++) {
		const struct ingest_tls *c = ingest_tls(r->in, i);
		assert_int_equal(c->client.port, 40000 + i);
		assert_int_equal(c->cr[0], i);
		assert_int_equal(c->segments, 2);
		assert_int_equal(c->version, 0x0303);
		assert_int_equal(c->suite, 0xc02f);
	}
}

/* A SYN-ACK the server sent again (its ACK was lost), captured after the
 * handshake began: the same connection goes on (not a new one, which on
 * a port other than 5061 an application record would not even start). */
static void test_tls_retransmitted_syn_ack_keeps_the_connection(void **state)
{
	struct rig *r = *state;
	r->port[1] = 8443;
	uint8_t hello[128];
	static const uint8_t shello[] = {
		0x16, 0x03, 0x03, 0x00, 0x2a, 0x02, 0x00, 0x00, 0x26, 0x03, 0x03,
		9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
		0x00, 0xc0, 0x2f, 0x00 };
	static const uint8_t data[] = { 0x17, 0x03, 0x03, 0x00, 0x05, 'I', 'N', 'V', 'I', 'T' };
	r->seq[0] = 7000;
	r->seq[1] = 50000;
	seg_flags(r, 0, 0x02, "", 0);
	seg_flags(r, 1, 0x12, "", 0);
	seg(r, 0, hello, client_hello(hello, 0x33));
	seg(r, 1, shello, sizeof shello);
	uint32_t next = r->seq[1];
	r->seq[1] = 50000; /* the SYN-ACK again */
	seg_flags(r, 1, 0x12, "", 0);
	r->seq[1] = next;
	seg(r, 1, data, sizeof data);
	assert_int_equal(ingest_tls_count(r->in), 1);
	const struct ingest_tls *c = ingest_tls(r->in, 0);
	assert_int_equal(c->cr[0], 0x33);
	assert_int_equal(c->segments, 3);
	assert_int_equal(c->last_frame, 6);
}

/* A message of 300 KB (long headers, then a 100 KB body) trickled in
 * 10-byte segments is parsed once, not once per segment (which costs the
 * square of its length), and comes out whole at its last segment. */
static void test_sip_trickled_in_tiny_segments_is_parsed_once(void **state)
{
	struct rig *r = *state;
	r->port[1] = 5060;
	size_t cap = 400000, n = 0;
	char *msg = malloc(cap);
	assert_non_null(msg);
	n += (size_t)sprintf(msg + n, "MESSAGE sip:bob@example.com SIP/2.0\r\n"
	                     "Via: SIP/2.0/TCP 10.0.0.1:40000;branch=z9hG4bKtrickle\r\n"
	                     "From: <sip:alice@example.com>;tag=t1\r\nTo: <sip:bob@example.com>\r\n"
	                     "Call-ID: trickle-1\r\nCSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\n");
	for (int i = 0; i < 100; i++) { /* (long lines: few headers) */
		n += (size_t)sprintf(msg + n, "X-Pad-%03d: ", i);
		memset(msg + n, 'a', 2000);
		n += 2000;
		n += (size_t)sprintf(msg + n, "\r\n");
	}
	n += (size_t)sprintf(msg + n, "Content-Type: text/plain\r\nContent-Length: 100000\r\n\r\n");
	memset(msg + n, 'b', 100000);
	n += 100000;
	for (size_t at = 0; at < n; at += 10)
		seg(r, 0, msg + at, n - at < 10 ? n - at : 10);
	const struct ingest_stats *st = ingest_stats(r->in);
	assert_int_equal(store_msg_count(r->s), 1);
	assert_in_range(st->tcp_parses, 1, 20); /* (was one per segment: 30,000) */
	msg[n] = 0;
	assert_msg(r, 0, r->no, msg, STORE_TP_TCP);
	/* and the stream goes on: the next message, whole in one segment */
	seg(r, 0, OPT, strlen(OPT));
	assert_int_equal(store_msg_count(r->s), 2);
	assert_msg(r, 1, r->no, OPT, STORE_TP_TCP);
	free(msg);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_websocket_session),
		T(test_websocket_joined_mid_stream),
		T(test_websocket_deflate_counted),
		T(test_plain_http_is_ignored),
		T(test_hep3_over_tcp),
		T(test_tls_connection_recorded_without_keys),
		T(test_tls_new_connection_on_same_four_tuple),
		T(test_tls_server_joins_its_connection_in_a_storm),
		T(test_tls_retransmitted_syn_ack_keeps_the_connection),
		T(test_sip_trickled_in_tiny_segments_is_parsed_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
