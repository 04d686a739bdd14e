/* test_pcapng.c - the pcapng writer, read back by pcap_src (libpcap plus
 * our Decryption Secrets Block walk). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sipscope/pcap_src.h"
#include "sipscope/pcapng.h"

static const char KEYLOG[] =
	"# a key log, CRLF and LF mixed, an odd length\r\n"
	"CLIENT_RANDOM 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff "
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	"202122232425262728292a2b2c2d2e2f\n"
	"SERVER_TRAFFIC_SECRET_0 aa bb";

struct pkt {
	int64_t ts_us;
	uint32_t len; /* on the wire; caplen is strlen(data) */
	const char *data;
};

static const struct pkt pkts[] = {
	{ 1700000000000001, 5, "abcde" },
	{ 1700000000500000, 64, "a frame cut short by the snapshot length" },
	{ 1700000001999999, 7, "7 bytes" },
};

struct got {
	int calls;
	uint64_t frames_then;
	uint64_t frames;
	char text[1024];
	size_t n;
};

static void on_secrets(void *ctx, uint32_t type, const uint8_t *data, size_t n)
{
	struct got *g = ctx;
	assert_int_equal(type, PCAP_SRC_SECRETS_TLS);
	assert_true(n <= sizeof g->text);
	memcpy(g->text, data, n);
	g->n = n;
	g->frames_then = g->frames;
	g->calls++;
}

static char *tmp_path(void)
{
	static int seq;
	char *p = malloc(64);
	snprintf(p, 64, "/tmp/sipscope-test-%d-w%d.pcapng", (int)getpid(), seq++);
	return p;
}

/* Write the three packets on link type dlt (timestamps in ns or us) with
 * the key log before them, read them back, check everything came back. */
static void round_trip(int dlt, int nsec)
{
	char *path = tmp_path();
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	struct pcapng_writer *w = pcapng_writer_open(fp, nsec, 0);
	assert_non_null(w);
	assert_int_equal(pcapng_writer_secrets(w, PCAP_SRC_SECRETS_TLS, KEYLOG, strlen(KEYLOG)), 0);
	for (size_t i = 0; i < 3; i++) {
		int64_t ts = nsec ? pkts[i].ts_us * 1000 + 999 : pkts[i].ts_us;
		assert_int_equal(pcapng_writer_packet(w, dlt, ts, (uint32_t)strlen(pkts[i].data),
		                                      pkts[i].len, (const uint8_t *)pkts[i].data), 0);
	}
	assert_int_equal(pcapng_writer_close(w), 0);
	assert_int_equal(fclose(fp), 0);

	char err[256];
	const char *paths[] = { path };
	struct pcap_src *s = pcap_src_open(paths, 1, err, sizeof err);
	assert_non_null(s);
	struct got g = { 0 };
	pcap_src_on_secrets(s, on_secrets, &g);
	struct frame f;
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(pcap_src_next(s, &f), PCAP_SRC_FRAME);
		g.frames++;
		assert_int_equal(f.dlt, dlt);
		assert_int_equal(f.ts_us, pkts[i].ts_us); /* ns cut to us by the reader */
		assert_int_equal(f.caplen, strlen(pkts[i].data));
		assert_int_equal(f.len, pkts[i].len);
		assert_memory_equal(f.data, pkts[i].data, f.caplen);
	}
	assert_int_equal(pcap_src_next(s, &f), PCAP_SRC_END);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.frames_then, 0);
	assert_int_equal(g.n, strlen(KEYLOG));
	assert_memory_equal(g.text, KEYLOG, g.n);
	struct pcap_src_secrets_stats st;
	pcap_src_secrets_stats(s, &st);
	assert_int_equal(st.tls, 1);
	assert_int_equal(st.bad + st.other, 0);
	pcap_src_close(s);

	/* libpcap's own reader agrees on the resolution it was told. */
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	assert_non_null(p);
	struct pcap_pkthdr *h;
	const u_char *d;
	assert_int_equal(pcap_next_ex(p, &h, &d), 1);
	assert_int_equal(h->ts.tv_usec, nsec ? 1999 : 1000);
	pcap_close(p);
	unlink(path);
	free(path);
}

static void test_ethernet_microseconds_round_trip(void **state)
{
	(void)state;
	round_trip(DLT_EN10MB, 0);
}

static void test_raw_ip_nanoseconds_round_trip(void **state)
{
	(void)state;
	round_trip(DLT_RAW, 1); /* DLT 12 is stored as LINKTYPE_RAW 101 */
}

static void test_one_interface_per_link_type(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&buf, &n);
	assert_non_null(fp);
	struct pcapng_writer *w = pcapng_writer_open(fp, 0, 1500);
	assert_non_null(w);
	const uint8_t x[4] = "abcd";
	assert_int_equal(pcapng_writer_packet(w, DLT_EN10MB, 1, 4, 4, x), 0);
	assert_int_equal(pcapng_writer_packet(w, DLT_LINUX_SLL, 2, 4, 4, x), 0);
	assert_int_equal(pcapng_writer_packet(w, DLT_EN10MB, 3, 4, 4, x), 0);
	assert_int_equal(pcapng_writer_close(w), 0);
	fclose(fp);
	/* SHB, IDB 0, EPB on 0, IDB 1, EPB on 1, EPB on 0 */
	uint32_t v[2];
	size_t off = 0;
	uint32_t types[6], ifc[6];
	for (int i = 0; i < 6; i++) {
		assert_true(off + 12 <= n);
		memcpy(v, buf + off, 8);
		types[i] = v[0];
		memcpy(&ifc[i], buf + off + 8, 4);
		off += v[1];
	}
	assert_int_equal(off, n);
	assert_int_equal(types[0], 0x0A0D0D0A);
	assert_int_equal(types[1], 1);
	assert_int_equal(types[2], 6);
	assert_int_equal(ifc[2], 0);
	assert_int_equal(types[3], 1);
	assert_int_equal(types[4], 6);
	assert_int_equal(ifc[4], 1);
	assert_int_equal(types[5], 6);
	assert_int_equal(ifc[5], 0);
	free(buf);
}

static void test_a_failed_write_is_reported_at_close(void **state)
{
	(void)state;
	FILE *fp = fopen("/dev/full", "wb");
	if (!fp)
		skip();
	struct pcapng_writer *w = pcapng_writer_open(fp, 0, 0);
	assert_non_null(w); /* buffered: the disk says no later */
	const uint8_t x[4] = "abcd";
	assert_int_equal(pcapng_writer_packet(w, DLT_EN10MB, 1, 4, 4, x), 0);
	assert_int_equal(pcapng_writer_close(w), -1);
	fclose(fp);
}

/* The whole output of a shell command, or NULL when it failed. */
static char *run(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	if (!p)
		return NULL;
	static char out[8192];
	size_t n = fread(out, 1, sizeof out - 1, p);
	out[n] = 0;
	return pclose(p) == 0 ? out : NULL;
}

/* Wireshark's readers, a second opinion: tshark reads every frame (time,
 * lengths) and capinfos counts the Decryption Secrets Block. */
static void test_tshark_and_capinfos_read_what_we_write(void **state)
{
	(void)state;
	if (system("command -v tshark >/dev/null 2>&1 && command -v capinfos >/dev/null 2>&1"))
		skip();
	char *path = tmp_path();
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	struct pcapng_writer *w = pcapng_writer_open(fp, 0, 0);
	assert_non_null(w);
	assert_int_equal(pcapng_writer_secrets(w, PCAP_SRC_SECRETS_TLS, KEYLOG, strlen(KEYLOG)), 0);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(pcapng_writer_packet(w, DLT_EN10MB, pkts[i].ts_us,
		                                      (uint32_t)strlen(pkts[i].data), pkts[i].len,
		                                      (const uint8_t *)pkts[i].data), 0);
	assert_int_equal(pcapng_writer_close(w), 0);
	assert_int_equal(fclose(fp), 0);
	char cmd[512];
	snprintf(cmd, sizeof cmd, "tshark -r %s -T fields -e frame.number -e frame.time_epoch "
	         "-e frame.len -e frame.cap_len 2>/dev/null", path);
	const char *out = run(cmd);
	assert_non_null(out);
	assert_string_equal(out, "1\t1700000000.000001000\t5\t5\n"
	                         "2\t1700000000.500000000\t64\t40\n"
	                         "3\t1700000001.999999000\t7\t7\n");
	snprintf(cmd, sizeof cmd, "capinfos %s 2>/dev/null", path);
	out = run(cmd);
	assert_non_null(out);
	assert_non_null(strstr(out, "File type:           Wireshark/... - pcapng"));
	assert_non_null(strstr(out, "Number of decryption secrets in file: 1"));
	assert_non_null(strstr(out, "Number of packets:   3"));
	unlink(path);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ethernet_microseconds_round_trip),
		cmocka_unit_test(test_raw_ip_nanoseconds_round_trip),
		cmocka_unit_test(test_one_interface_per_link_type),
		cmocka_unit_test(test_a_failed_write_is_reported_at_close),
		cmocka_unit_test(test_tshark_and_capinfos_read_what_we_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
