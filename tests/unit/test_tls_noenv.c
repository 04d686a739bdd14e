/* test_tls_noenv.c - TLS connections when libcrypto offers no cipher
 * (issue 21): they are listed, nothing is decrypted, and nothing is kept
 * past ingest_free.  OpenSSL gets a configuration that loads only its null
 * provider, before anything uses it, so this test has a process of its
 * own. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sipscope/ingest.h"

static char g_conf[64];

/* One Ethernet/IPv4/TCP frame 10.0.0.1:40000 -> 10.0.0.2:5061 (dir 0) or back. */
static void seg(struct ingest *in, uint64_t no, int dir, uint32_t seq, const uint8_t *data, size_t n)
{
	static uint8_t b[2048];
	static const uint8_t a[2][4] = {{10, 0, 0, 1}, {10, 0, 0, 2}};
	static const uint16_t port[2] = {40000, 5061};
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
	for (int i = 0; i < 4; i++)
		tcp[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
	tcp[12] = 0x50;
	tcp[13] = 0x18;
	memcpy(b + 54, data, n);
	struct frame f = {.no = no, .ts_us = (int64_t)no * 1000, .data = b, .caplen = (uint32_t)(54 + n),
			  .len = (uint32_t)(54 + n), .dlt = DLT_EN10MB};
	assert_int_equal(ingest_frame(in, &f), 0);
}

/* A TLS connection (ClientHello, ServerHello) through a fresh pipeline. */
static void one_connection(void)
{
	static const uint8_t hello[] = {
		0x16, 0x03, 0x01, 0x00, 0x2d, 0x01, 0x00, 0x00, 0x29, 0x03, 0x03,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
		0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00 };
	static const uint8_t shello[] = {
		0x16, 0x03, 0x03, 0x00, 0x2a, 0x02, 0x00, 0x00, 0x26, 0x03, 0x03,
		9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
		0x00, 0xc0, 0x2f, 0x00 };
	struct store *s = store_new();
	struct tracker *t = track_new(s);
	struct ingest *in = ingest_new(s, t);
	assert_non_null(in);
	seg(in, 1, 0, 1000, hello, sizeof hello);
	seg(in, 2, 1, 9000, shello, sizeof shello);
	assert_int_equal(ingest_tls_count(in), 1);
	assert_int_equal(ingest_tls(in, 0)->hello, 1);
	assert_int_equal(ingest_tls(in, 0)->segments, 2);
	assert_int_equal(ingest_tls(in, 0)->decrypted, 0);
	assert_null(ingest_tls_totals(in)); /* no decoder: no cipher */
	char err[256];
	struct ingest_tls_opts o = {.keylog = "/nonexistent/keylog"};
	assert_int_equal(ingest_set_tls(in, &o, 0, err, sizeof err), -1);
	assert_non_null(strstr(err, "not available"));
	ingest_free(in);
	track_free(t);
	store_free(s);
}

/* Listed, not decrypted, and nothing of a pipeline outlives it: the
 * sanitizer build's LeakSanitizer fails the test otherwise (the
 * connection array was kept when there was no key store). */
static void test_connections_listed_and_freed_without_ciphers(void **st)
{
	(void)st;
	one_connection();
}

int main(void)
{
	/* only the null provider: every cipher fetch fails */
	strcpy(g_conf, "/tmp/sipscope-noenv-XXXXXX");
	int fd = mkstemp(g_conf);
	if (fd < 0)
		return 1;
	static const char conf[] = "openssl_conf = openssl_init\n[openssl_init]\nproviders = provider_sect\n"
				   "[provider_sect]\nnull = null_sect\n[null_sect]\nactivate = 1\n";
	if (write(fd, conf, sizeof conf - 1) != (ssize_t)(sizeof conf - 1))
		return 1;
	close(fd);
	setenv("OPENSSL_CONF", g_conf, 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connections_listed_and_freed_without_ciphers),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(g_conf);
	return rc;
}
