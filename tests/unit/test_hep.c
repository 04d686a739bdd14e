/* test_hep.c - the HEP encoder round-tripped through the decoder
 * (encap.c), the frames a collector rebuilds, and an agent and a
 * collector talking over loopback. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pcap/dlt.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "guard.h"
#include "sipscope/decode.h"
#include "sipscope/hep.h"
#include "sipscope/ingest.h"

static const char SIP[] = "INVITE sip:bob@example.com SIP/2.0\r\nCall-ID: abc@h\r\n\r\n";

static struct hep_msg msg4(void)
{
	struct hep_msg m = {
		.src = { .family = 4, .addr = { 192, 0, 2, 10 }, .port = 5060 },
		.dst = { .family = 4, .addr = { 198, 51, 100, 20 }, .port = 15060 },
		.proto = 17, .proto_type = 1, .ts_us = 1700000000LL * 1000000 + 123456,
		.capture_id = 4242, .key = "s3cret", .key_len = 6,
		.payload = (const uint8_t *)SIP, .len = sizeof SIP - 1,
		.correlation = "abc@h", .correlation_len = 5,
	};
	return m;
}

static struct hep_msg msg6(void)
{
	struct hep_msg m = msg4();
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	m.src.family = m.dst.family = 6;
	memcpy(m.src.addr, a, 16);
	memcpy(m.dst.addr, b, 16);
	m.proto = 6;
	return m;
}

static void assert_same(const struct hep_msg *m, const struct l4_packet *o, int version)
{
	assert_int_equal(o->hep, version);
	assert_int_equal(o->src.family, m->src.family);
	assert_memory_equal(o->src.addr, m->src.addr, m->src.family == 4 ? 4 : 16);
	assert_memory_equal(o->dst.addr, m->dst.addr, m->src.family == 4 ? 4 : 16);
	assert_int_equal(o->src.port, m->src.port);
	assert_int_equal(o->dst.port, m->dst.port);
	assert_int_equal(o->proto, m->proto);
	assert_int_equal(o->hep_ts_us, m->ts_us);
	assert_int_equal(o->hep_capture_id, version == 2 ? (m->capture_id & 0xffff) : m->capture_id);
	assert_int_equal(o->len, m->len);
	assert_memory_equal(o->payload, m->payload, m->len);
}

static void test_hep3_encode_round_trips_through_the_decoder(void **state)
{
	(void)state;
	struct hep_msg ms[2] = { msg4(), msg6() };
	for (int k = 0; k < 2; k++) {
		uint8_t buf[2048];
		long n = hep3_encode(&ms[k], buf, sizeof buf);
		assert_true(n > 0);
		assert_memory_equal(buf, "HEP3", 4);
		assert_int_equal(buf[4] << 8 | buf[5], n);
		struct decoder *d = decoder_new();
		struct l4_packet o;
		/* Placed before a guard page: the decoder reads no further. */
		const uint8_t *p = (const uint8_t *)guard_place(&g, buf, (size_t)n);
		assert_int_equal(decoder_hep(d, p, (size_t)n, &o), DECODE_OK);
		assert_same(&ms[k], &o, 3);
		assert_int_equal(o.hep_key_len, 6);
		assert_memory_equal(o.hep_key, "s3cret", 6);
		assert_int_equal(decoder_hep_any(d, p, (size_t)n, &o), DECODE_OK);
		assert_same(&ms[k], &o, 3);
		decoder_free(d);
	}
}

/* Find a generic chunk of a HEP3 packet: its data and length, or NULL. */
static const uint8_t *find_chunk(const uint8_t *p, size_t n, unsigned type, size_t *len)
{
	for (size_t o = 6; o + 6 <= n;) {
		size_t cl = (size_t)p[o + 4] << 8 | p[o + 5];
		if ((p[o + 2] << 8 | p[o + 3]) == (int)type && p[o] == 0 && p[o + 1] == 0) {
			*len = cl - 6;
			return p + o + 6;
		}
		o += cl;
	}
	return NULL;
}

static void test_hep3_has_every_standard_chunk(void **state)
{
	(void)state;
	struct hep_msg m = msg4();
	uint8_t buf[2048];
	long n = hep3_encode(&m, buf, sizeof buf);
	static const struct { unsigned type; size_t len; } want[] = {
		{ 1, 1 }, { 2, 1 }, { 3, 4 }, { 4, 4 }, { 7, 2 }, { 8, 2 }, { 9, 4 }, { 10, 4 },
		{ 11, 1 }, { 12, 4 }, { 14, 6 }, { 15, sizeof SIP - 1 }, { 17, 5 },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		size_t len;
		const uint8_t *c = find_chunk(buf, (size_t)n, want[i].type, &len);
		assert_non_null(c);
		assert_int_equal(len, want[i].len);
	}
	size_t len;
	assert_memory_equal(find_chunk(buf, (size_t)n, 17, &len), "abc@h", 5);
	assert_int_equal(*find_chunk(buf, (size_t)n, 1, &len), 2);  /* AF_INET */
	assert_int_equal(*find_chunk(buf, (size_t)n, 11, &len), 1); /* SIP */
	/* No key, no correlation id: no such chunks. */
	m.key = NULL;
	m.correlation = NULL;
	n = hep3_encode(&m, buf, sizeof buf);
	assert_null(find_chunk(buf, (size_t)n, 14, &len));
	assert_null(find_chunk(buf, (size_t)n, 17, &len));
}

static void test_hep3_encode_refuses_what_does_not_fit(void **state)
{
	(void)state;
	struct hep_msg m = msg4();
	uint8_t buf[2048];
	long n = hep3_encode(&m, buf, sizeof buf);
	for (size_t cap = 0; cap < (size_t)n; cap++)
		assert_int_equal(hep3_encode(&m, buf, cap), -1);
	assert_int_equal(hep3_encode(&m, buf, (size_t)n), n);
	static uint8_t big[70000], out[70000];
	m.payload = big;
	m.len = sizeof big - 10000; /* 60000 bytes fit */
	assert_true(hep3_encode(&m, out, sizeof out) > 60000);
	m.len = 65535 - 50; /* the 16-bit length cannot say it */
	assert_int_equal(hep3_encode(&m, out, sizeof out), -1);
	m = msg4();
	m.src.family = 5;
	assert_int_equal(hep3_encode(&m, buf, sizeof buf), -1);
}

static void test_hep2_encode_round_trips_through_the_decoder(void **state)
{
	(void)state;
	struct hep_msg ms[2] = { msg4(), msg6() };
	for (int k = 0; k < 2; k++) {
		uint8_t buf[2048];
		long n = hep2_encode(&ms[k], buf, sizeof buf);
		assert_true(n > 0);
		struct decoder *d = decoder_new();
		struct l4_packet o;
		const uint8_t *p = (const uint8_t *)guard_place(&g, buf, (size_t)n);
		assert_int_equal(decoder_hep_any(d, p, (size_t)n, &o), DECODE_OK);
		assert_same(&ms[k], &o, 2);
		decoder_free(d);
	}
}

static void test_every_prefix_of_a_hep3_packet_is_safe(void **state)
{
	(void)state;
	struct hep_msg m = msg6();
	uint8_t buf[2048];
	long n = hep3_encode(&m, buf, sizeof buf);
	struct decoder *d = decoder_new();
	for (size_t len = 0; len < (size_t)n; len++) {
		struct l4_packet o;
		const uint8_t *p = (const uint8_t *)guard_place(&g, buf, len);
		assert_int_not_equal(decoder_hep_any(d, p, len, &o), DECODE_OK);
	}
	decoder_free(d);
}

static void test_url_parse(void **state)
{
	(void)state;
	char host[64], port[8], err[128];
	int tcp;
	assert_int_equal(hep_url_parse("udp:10.0.0.1:9060", &tcp, host, sizeof host, port, sizeof port,
	                               err, sizeof err), 0);
	assert_int_equal(tcp, 0);
	assert_string_equal(host, "10.0.0.1");
	assert_string_equal(port, "9060");
	assert_int_equal(hep_url_parse("tcp:[::1]:9061", &tcp, host, sizeof host, port, sizeof port,
	                               err, sizeof err), 0);
	assert_int_equal(tcp, 1);
	assert_string_equal(host, "::1");
	assert_int_equal(hep_url_parse("udp:9060", &tcp, host, sizeof host, port, sizeof port, err,
	                               sizeof err), 0);
	assert_string_equal(host, "127.0.0.1");
	const char *bad[] = { "9060", "http:h:1", "udp:h:0", "udp:h:70000", "udp:h:", "udp::5",
	                      "udp:[::1]9060", "udp:h:5x" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(hep_url_parse(bad[i], &tcp, host, sizeof host, port, sizeof port, err,
		                               sizeof err), -1);
}

/* The Internet checksum over b[0..n) plus a starting sum: 0xffff when the
 * checksum field inside is right. */
static unsigned sum16(uint32_t sum, const uint8_t *b, size_t n)
{
	for (; n > 1; b += 2, n -= 2)
		sum += (uint32_t)b[0] << 8 | b[1];
	if (n)
		sum += (uint32_t)b[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static void test_rebuilt_frames_decode_with_valid_checksums(void **state)
{
	(void)state;
	struct hep_msg ms[2] = { msg4(), msg6() };
	for (int k = 0; k < 2; k++) {
		uint8_t buf[2048];
		long n = hep_frame_build(&ms[k], 1000, buf, sizeof buf);
		assert_true(n > 0);
		struct decoder *d = decoder_new();
		struct l4_packet o;
		assert_int_equal(decoder_frame(d, DLT_EN10MB, buf, (size_t)n, 0, &o), DECODE_OK);
		assert_int_equal(o.proto, ms[k].proto);
		assert_int_equal(o.src.port, ms[k].src.port);
		assert_memory_equal(o.dst.addr, ms[k].dst.addr, k ? 16 : 4);
		assert_int_equal(o.len, ms[k].len);
		assert_memory_equal(o.payload, SIP, ms[k].len);
		if (o.proto == 6)
			assert_int_equal(o.tcp_seq, 1000);
		decoder_free(d);
		size_t iphl = k ? 40 : 20, l4 = (size_t)n - 14 - iphl;
		if (!k)
			assert_int_equal(sum16(0, buf + 14, 20), 0xffff);
		uint32_t pseudo = sum16(0, buf + 14 + (k ? 8 : 12), k ? 32 : 8) + ms[k].proto + (uint32_t)l4;
		assert_int_equal(sum16(pseudo, buf + 14 + iphl, l4), 0xffff);
		assert_int_equal(hep_frame_build(&ms[k], 0, buf, (size_t)n - 1), -1);
	}
}

/* A UDP socket bound to a free loopback port; *port gets it. */
static int free_udp_port(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	close(fd);
	return ntohs(a.sin_port);
}

/* Wait up to a second for the next frame of l. */
static int next_frame(struct hep_listener *l, struct hep_frame *f)
{
	for (int i = 0; i < 100; i++) {
		if (hep_listen_next(l, f))
			return 1;
		int fds[8];
		size_t n = hep_listen_fds(l, fds, 8);
		struct pollfd p[8];
		for (size_t k = 0; k < n; k++)
			p[k] = (struct pollfd){ .fd = fds[k], .events = POLLIN };
		poll(p, n, 10);
	}
	return 0;
}

static void send_raw(int port, const void *b, size_t n)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	                         .sin_port = htons((uint16_t)port) };
	assert_int_equal(sendto(fd, b, n, 0, (struct sockaddr *)&a, sizeof a), (ssize_t)n);
	close(fd);
}

static void agent_to_collector(int tcp, int version)
{
	int port = free_udp_port();
	char url[64], err[256];
	snprintf(url, sizeof url, "%s:127.0.0.1:%d", tcp ? "tcp" : "udp", port);
	struct hep_listener *l = hep_listen_open(url, version == 3 ? "k1" : NULL, err, sizeof err);
	assert_non_null(l);
	struct hep_send_opts so = { .url = url, .version = version, .capture_id = 77,
	                            .key = version == 3 ? "k1" : NULL };
	struct hep_sender *s = hep_send_open(&so, err, sizeof err);
	assert_non_null(s);
	struct hep_msg m = msg4();
	for (int i = 0; i < 5; i++) {
		hep_send_msg(s, &m.src, &m.dst, 17, m.ts_us + i, SIP, sizeof SIP - 1, "abc@h", 5);
		hep_send_poll(s);
	}
	struct hep_frame f;
	for (int i = 0; i < 5; i++) {
		hep_send_poll(s);
		assert_true(next_frame(l, &f));
		assert_int_equal(f.capture_id, 77);
		assert_int_equal(f.version, version);
		assert_int_equal(f.ts_us, m.ts_us + i);
		struct decoder *d = decoder_new();
		struct l4_packet o;
		assert_int_equal(decoder_frame(d, DLT_EN10MB, f.data, f.len, 0, &o), DECODE_OK);
		assert_int_equal(o.len, sizeof SIP - 1);
		assert_memory_equal(o.payload, SIP, o.len);
		decoder_free(d);
	}
	hep_send_drain(s, 1000);
	struct hep_send_stats ss;
	hep_send_stats(s, &ss);
	assert_int_equal(ss.sent, 5);
	assert_int_equal(ss.dropped, 0);
	hep_send_close(s);
	struct hep_listen_stats ls;
	hep_listen_stats(l, &ls);
	assert_int_equal(ls.messages, 5);
	assert_int_equal(ls.connections, tcp);
	hep_listen_close(l);
}

static void test_agent_to_collector_udp_v3(void **state) { (void)state; agent_to_collector(0, 3); }
static void test_agent_to_collector_udp_v2(void **state) { (void)state; agent_to_collector(0, 2); }
static void test_agent_to_collector_tcp_v3(void **state) { (void)state; agent_to_collector(1, 3); }

static void test_collector_counts_bad_key_and_garbage_and_goes_on(void **state)
{
	(void)state;
	int port = free_udp_port();
	char url[64], err[256];
	snprintf(url, sizeof url, "udp:127.0.0.1:%d", port);
	struct hep_listener *l = hep_listen_open(url, "right", err, sizeof err);
	assert_non_null(l);
	struct hep_msg m = msg4();
	uint8_t buf[2048];
	m.key = "wrong";
	m.key_len = 5;
	long n = hep3_encode(&m, buf, sizeof buf);
	send_raw(port, buf, (size_t)n);
	m.key = NULL; /* no key at all */
	n = hep3_encode(&m, buf, sizeof buf);
	send_raw(port, buf, (size_t)n);
	send_raw(port, "HEP3\x00\x07zzzz", 10);
	send_raw(port, "hello", 5);
	m.key = "right";
	m.key_len = 5;
	n = hep3_encode(&m, buf, sizeof buf);
	send_raw(port, buf, (size_t)n);
	struct hep_frame f;
	assert_true(next_frame(l, &f)); /* the one good packet, past the bad */
	struct hep_listen_stats ls;
	hep_listen_stats(l, &ls);
	assert_int_equal(ls.packets, 5);
	assert_int_equal(ls.bad_key, 2);
	assert_int_equal(ls.malformed, 2);
	assert_int_equal(ls.messages, 1);
	hep_listen_close(l);
}

static void test_sender_queue_full_drops_and_counts(void **state)
{
	(void)state;
	char err[256];
	/* TCP to a port nobody listens on: everything waits in the queue. */
	int port = free_udp_port();
	char url[64];
	snprintf(url, sizeof url, "tcp:127.0.0.1:%d", port);
	struct hep_send_opts so = { .url = url, .queue_bytes = 1000 };
	struct hep_sender *s = hep_send_open(&so, err, sizeof err);
	assert_non_null(s);
	struct hep_msg m = msg4();
	for (int i = 0; i < 20; i++)
		hep_send_msg(s, &m.src, &m.dst, 17, m.ts_us, SIP, sizeof SIP - 1, NULL, 0);
	struct hep_send_stats ss;
	hep_send_stats(s, &ss);
	assert_true(ss.queued >= 1 && ss.queued < 20);
	assert_int_equal(ss.queued + ss.dropped, 20);
	hep_send_drain(s, 50);
	hep_send_stats(s, &ss);
	assert_int_equal(ss.dropped, 20);
	hep_send_close(s);
}

static int taps;

static void count_tap(void *ctx, const struct store_endpoint *src, const struct store_endpoint *dst,
                      uint8_t proto, int64_t ts_us, const char *bytes, size_t len,
                      const char *call_id, size_t call_id_len)
{
	(void)ctx, (void)src, (void)dst, (void)proto, (void)ts_us, (void)bytes, (void)len;
	assert_int_equal(call_id_len, 5);
	assert_memory_equal(call_id, "abc@h", 5);
	taps++;
}

/* The agent's tap: a message rebuilt by the collector is tapped (relay),
 * one found inside HEP in the capture is not (an agent would resend its
 * own output forever), a plain one is. */
static void test_tap_skips_hep_found_in_the_capture(void **state)
{
	(void)state;
	struct store *st = store_new();
	struct tracker *t = track_new(st);
	struct ingest *in = ingest_new(st, t);
	ingest_set_tap(in, count_tap, NULL);
	struct hep_msg m = msg4();
	uint8_t hep[2048], frame[4096];
	long hn = hep3_encode(&m, hep, sizeof hep);
	/* the HEP packet itself on the wire, to a collector's port */
	struct hep_msg outer = msg4();
	outer.payload = hep;
	outer.len = (size_t)hn;
	outer.dst.port = 9060;
	long n = hep_frame_build(&outer, 0, frame, sizeof frame);
	struct frame f = { .no = 1, .ts_us = 1, .data = frame, .caplen = (uint32_t)n, .len = (uint32_t)n,
	                   .dlt = DLT_EN10MB };
	taps = 0;
	ingest_frame(in, &f);
	assert_int_equal(taps, 0);
	assert_int_equal(ingest_stats(in)->sip_msgs, 1); /* shown all the same */
	n = hep_frame_build(&m, 0, frame, sizeof frame); /* plain SIP */
	f.no = 2;
	f.caplen = f.len = (uint32_t)n;
	ingest_frame(in, &f);
	assert_int_equal(taps, 1);
	f.no = 3;
	f.hep = 3; /* rebuilt by a collector */
	f.hep_capture_id = 9;
	ingest_frame(in, &f);
	assert_int_equal(taps, 2);
	ingest_free(in);
	track_free(t);
	store_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hep3_encode_round_trips_through_the_decoder),
		cmocka_unit_test(test_hep3_has_every_standard_chunk),
		cmocka_unit_test(test_hep3_encode_refuses_what_does_not_fit),
		cmocka_unit_test(test_hep2_encode_round_trips_through_the_decoder),
		cmocka_unit_test(test_every_prefix_of_a_hep3_packet_is_safe),
		cmocka_unit_test(test_url_parse),
		cmocka_unit_test(test_rebuilt_frames_decode_with_valid_checksums),
		cmocka_unit_test(test_agent_to_collector_udp_v3),
		cmocka_unit_test(test_agent_to_collector_udp_v2),
		cmocka_unit_test(test_agent_to_collector_tcp_v3),
		cmocka_unit_test(test_collector_counts_bad_key_and_garbage_and_goes_on),
		cmocka_unit_test(test_sender_queue_full_drops_and_counts),
		cmocka_unit_test(test_tap_skips_hep_found_in_the_capture),
	};
	return cmocka_run_group_tests(tests, guard_setup, guard_teardown);
}
