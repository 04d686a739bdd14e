/* test_pcap_src.c - capture files: both read paths, merging, damage,
 * re-reading a frame by its record offset. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sipscope/pcap_src.h"

struct rec {
	uint32_t sec, frac;
	const char *data;
};

static void put32(FILE *fp, uint32_t v, int swapped)
{
	if (swapped)
		v = __builtin_bswap32(v);
	fwrite(&v, 4, 1, fp);
}

static void put16(FILE *fp, uint16_t v, int swapped)
{
	if (swapped)
		v = (uint16_t)(v >> 8 | v << 8);
	fwrite(&v, 2, 1, fp);
}

/* A classic pcap (raw IP link type, whatever the bytes) in a temp file. */
static char *write_pcap(const struct rec *r, size_t n, int swapped, int nsec, size_t cut)
{
	static int seq;
	char *path = malloc(64);
	snprintf(path, 64, "/tmp/sipscope-test-%d-%d.pcap", (int)getpid(), seq++);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	put32(fp, nsec ? 0xa1b23c4d : 0xa1b2c3d4, swapped);
	put16(fp, 2, swapped);
	put16(fp, 4, swapped);
	put32(fp, 0, swapped);
	put32(fp, 0, swapped);
	put32(fp, 65535, swapped);
	put32(fp, 101, swapped); /* LINKTYPE_RAW */
	for (size_t i = 0; i < n; i++) {
		uint32_t len = (uint32_t)strlen(r[i].data);
		put32(fp, r[i].sec, swapped);
		put32(fp, r[i].frac, swapped);
		put32(fp, len, swapped);
		put32(fp, len, swapped);
		fwrite(r[i].data, 1, len, fp);
	}
	fclose(fp);
	if (cut) {
		FILE *f2 = fopen(path, "r+b");
		fseek(f2, 0, SEEK_END);
		long size = ftell(f2);
		fclose(f2);
		assert_int_equal(truncate(path, size - (long)cut), 0);
	}
	return path;
}

static const struct rec recs[] = {
	{ 100, 1, "first frame" },
	{ 100, 500, "second" },
	{ 101, 0, "third frame bytes" },
};

static void check_file(int swapped, int nsec)
{
	char *path = write_pcap(recs, 3, swapped, nsec, 0);
	char err[256];
	const char *paths[] = { path };
	struct pcap_src *s = pcap_src_open(paths, 1, err, sizeof err);
	assert_non_null(s);
	struct frame f;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(pcap_src_next(s, &f), PCAP_SRC_FRAME);
		assert_int_equal(f.no, (uint64_t)i + 1);
		int64_t us = (int64_t)recs[i].sec * 1000000 + (nsec ? recs[i].frac / 1000 : recs[i].frac);
		assert_int_equal(f.ts_us, us);
		assert_int_equal(f.caplen, strlen(recs[i].data));
		assert_memory_equal(f.data, recs[i].data, f.caplen);
		assert_true(f.seekable);
		/* Re-reading a slice of it by record offset gives the same bytes. */
		char buf[64];
		assert_int_equal(pcap_src_fetch(s, f.src, f.rec_off, 2, f.caplen - 2, buf), 0);
		assert_memory_equal(buf, recs[i].data + 2, f.caplen - 2);
		assert_int_equal(pcap_src_fetch(s, f.src, f.rec_off, 2, f.caplen, buf), -1);
	}
	assert_int_equal(pcap_src_next(s, &f), PCAP_SRC_END);
	assert_int_equal(pcap_src_damaged(s), 0);
	pcap_src_close(s);
	unlink(path);
	free(path);
}

static void test_little_endian_microseconds(void **state)
{
	(void)state;
	check_file(0, 0);
}

static void test_swapped_byte_order(void **state)
{
	(void)state;
	check_file(1, 0);
}

static void test_nanosecond_timestamps_become_microseconds(void **state)
{
	(void)state;
	check_file(0, 1);
}

static void test_cut_file_warns_with_frame_and_keeps_earlier_frames(void **state)
{
	(void)state;
	char *path = write_pcap(recs, 3, 0, 0, 4); /* last record 4 bytes short */
	char err[256];
	const char *paths[] = { path };
	struct pcap_src *s = pcap_src_open(paths, 1, err, sizeof err);
	assert_non_null(s);
	struct frame f;
	assert_int_equal(pcap_src_next(s, &f), PCAP_SRC_FRAME);
	assert_int_equal(pcap_src_next(s, &f), PCAP_SRC_FRAME);
	assert_int_equal(pcap_src_next(s, &f), PCAP_SRC_WARNING);
	assert_non_null(strstr(pcap_src_warning(s), "frame 3 is damaged"));
	assert_non_null(strstr(pcap_src_warning(s), path));
	assert_int_equal(pcap_src_next(s, &f), PCAP_SRC_END);
	assert_int_equal(pcap_src_damaged(s), 1);
	pcap_src_close(s);
	unlink(path);
	free(path);
}

static void test_files_merge_in_time_order_ties_to_first_file(void **state)
{
	(void)state;
	static const struct rec a[] = { { 1, 0, "a1" }, { 3, 0, "a3" }, { 5, 0, "a5" } };
	static const struct rec b[] = { { 2, 0, "b2" }, { 3, 0, "b3" }, { 9, 0, "b9" } };
	char *pa = write_pcap(a, 3, 0, 0, 0), *pb = write_pcap(b, 3, 1, 0, 0);
	char err[256];
	const char *paths[] = { pa, pb };
	struct pcap_src *s = pcap_src_open(paths, 2, err, sizeof err);
	assert_non_null(s);
	const char *want[] = { "a1", "b2", "a3", "b3", "a5", "b9" };
	struct frame f;
	for (int i = 0; i < 6; i++) {
		assert_int_equal(pcap_src_next(s, &f), PCAP_SRC_FRAME);
		assert_int_equal(f.no, (uint64_t)i + 1);
		assert_memory_equal(f.data, want[i], 2);
		assert_int_equal(f.src, want[i][0] == 'a' ? 0 : 1);
	}
	assert_int_equal(pcap_src_next(s, &f), PCAP_SRC_END);
	pcap_src_close(s);
	unlink(pa);
	unlink(pb);
	free(pa);
	free(pb);
}

static void test_missing_and_non_capture_files_are_clear_errors(void **state)
{
	(void)state;
	char err[256];
	const char *missing[] = { "/nonexistent/x.pcap" };
	assert_null(pcap_src_open(missing, 1, err, sizeof err));
	assert_string_equal(err, "/nonexistent/x.pcap: No such file or directory");
	const char *text[] = { "/etc/hostname" };
	if (access(text[0], R_OK) == 0) {
		assert_null(pcap_src_open(text, 1, err, sizeof err));
		assert_string_equal(err, "/etc/hostname: not a pcap or pcapng capture file");
	}
	assert_null(pcap_src_open(text, 0, err, sizeof err));
}

/* --- pcapng Decryption Secrets Blocks ------------------------------- */

/* A pcapng file built in memory, block by block, in either byte order. */
struct ng {
	uint8_t b[8192];
	size_t n;
	int be; /* the current section is big-endian */
};

static void ng32(struct ng *g, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	if (g->be) {
		x[0] = (uint8_t)(v >> 24), x[1] = (uint8_t)(v >> 16), x[2] = (uint8_t)(v >> 8);
		x[3] = (uint8_t)v;
	}
	assert_true(g->n + 4 <= sizeof g->b);
	memcpy(g->b + g->n, x, 4);
	g->n += 4;
}

static void ng_bytes(struct ng *g, const void *p, size_t n)
{
	assert_true(g->n + n + 3 <= sizeof g->b);
	memcpy(g->b + g->n, p, n);
	g->n += n;
	while (g->n % 4)
		g->b[g->n++] = 0;
}

/* A section (SHB, both byte orders readable) with one Ethernet interface. */
static void ng_section(struct ng *g, int be)
{
	g->be = be;
	ng32(g, 0x0A0D0D0A);
	ng32(g, 28);
	ng32(g, 0x1A2B3C4D);
	ng32(g, 0x00000001); /* major 1, minor 0: two u16 that read the same */
	if (be) { g->b[g->n - 4] = 0, g->b[g->n - 3] = 1, g->b[g->n - 2] = 0, g->b[g->n - 1] = 0; }
	ng32(g, 0xffffffff);
	ng32(g, 0xffffffff); /* section length: unknown */
	ng32(g, 28);
	ng32(g, 1); /* IDB */
	ng32(g, 20);
	ng32(g, be ? 1u << 16 : 1u); /* LINKTYPE_ETHERNET, reserved (libpcap 1.10 takes
	                              * LINKTYPE_RAW in one section only) */
	ng32(g, 65535);
	ng32(g, 20);
}

/* An EPB on interface 0 at sec seconds (default microsecond units). */
static void ng_epb(struct ng *g, uint32_t sec, const char *data)
{
	uint32_t n = (uint32_t)strlen(data), len = 32 + ((n + 3) & ~3u);
	uint64_t us = (uint64_t)sec * 1000000;
	ng32(g, 6);
	ng32(g, len);
	ng32(g, 0);
	ng32(g, (uint32_t)(us >> 32));
	ng32(g, (uint32_t)us);
	ng32(g, n);
	ng32(g, n);
	ng_bytes(g, data, n);
	ng32(g, len);
}

/* An EPB at a 64-bit time of ts microseconds. */
static void ng_epb64(struct ng *g, uint64_t ts, const char *data)
{
	uint32_t n = (uint32_t)strlen(data), len = 32 + ((n + 3) & ~3u);
	ng32(g, 6);
	ng32(g, len);
	ng32(g, 0);
	ng32(g, (uint32_t)(ts >> 32));
	ng32(g, (uint32_t)ts);
	ng32(g, n);
	ng32(g, n);
	ng_bytes(g, data, n);
	ng32(g, len);
}

/* A DSB of `type` holding data, whose secrets length field says
 * strlen(data) + lie. */
static void ng_dsb(struct ng *g, uint32_t type, const char *data, uint32_t lie)
{
	uint32_t n = (uint32_t)strlen(data), len = 20 + ((n + 3) & ~3u);
	ng32(g, 10);
	ng32(g, len);
	ng32(g, type);
	ng32(g, n + lie);
	ng_bytes(g, data, n);
	ng32(g, len);
}

static char *ng_write(const struct ng *g, size_t cut)
{
	static int seq;
	char *path = malloc(64);
	snprintf(path, 64, "/tmp/sipscope-test-%d-ng%d.pcapng", (int)getpid(), seq++);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(g->b, 1, g->n - cut, fp), g->n - cut);
	fclose(fp);
	return path;
}

/* What the callback saw: every delivery, and how many frames had been
 * returned at that moment. */
struct seen {
	int calls;
	uint64_t after_frames[4];
	char text[4][512];
	size_t len[4];
	uint64_t frames;
};

static void on_secrets(void *ctx, uint32_t type, const uint8_t *data, size_t n)
{
	struct seen *w = ctx;
	assert_int_equal(type, PCAP_SRC_SECRETS_TLS);
	assert_true(w->calls < 4 && n < sizeof w->text[0]);
	w->after_frames[w->calls] = w->frames;
	memcpy(w->text[w->calls], data, n);
	w->len[w->calls] = n;
	w->calls++;
}

static const char KEYS1[] = "CLIENT_RANDOM 0102 0304\n";  /* 24 bytes */
static const char KEYS2[] = "CLIENT_HANDSHAKE_TRAFFIC_SECRET aa bb\r\nSERVER_X 1 2\r\n"; /* odd */

/* Reads path to the end, counting frames into w; returns the warnings. */
static int ng_read_any(const char *path, struct seen *w, struct pcap_src_secrets_stats *st,
                       char warn[][512], unsigned *damaged, int from_pipe)
{
	char err[256];
	const char *paths[] = { from_pipe ? "-" : path };
	int saved = -1;
	if (from_pipe) { /* the file's bytes through a pipe on standard input */
		FILE *fp = fopen(path, "rb");
		assert_non_null(fp);
		static uint8_t b[16384];
		size_t n = fread(b, 1, sizeof b, fp);
		fclose(fp);
		int fds[2];
		assert_int_equal(pipe(fds), 0);
		assert_int_equal(write(fds[1], b, n), (ssize_t)n); /* fits the pipe's buffer */
		close(fds[1]);
		saved = dup(STDIN_FILENO);
		assert_int_equal(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
		close(fds[0]);
		clearerr(stdin);
	}
	struct pcap_src *s = pcap_src_open(paths, 1, err, sizeof err);
	assert_non_null(s);
	pcap_src_on_secrets(s, on_secrets, w);
	struct frame f;
	int rc, nwarn = 0;
	while ((rc = pcap_src_next(s, &f)) != PCAP_SRC_END) {
		if (rc == PCAP_SRC_WARNING) {
			assert_true(nwarn < 4);
			snprintf(warn[nwarn++], 512, "%s", pcap_src_warning(s));
			continue;
		}
		assert_int_equal(rc, PCAP_SRC_FRAME);
		w->frames++;
		assert_int_equal(f.no, w->frames);
	}
	pcap_src_secrets_stats(s, st);
	*damaged = pcap_src_damaged(s);
	assert_null(pcap_src_secrets_note(s));
	pcap_src_close(s);
	if (saved >= 0) {
		dup2(saved, STDIN_FILENO);
		close(saved);
		clearerr(stdin);
	}
	return nwarn;
}

static int ng_read_all(const char *path, struct seen *w, struct pcap_src_secrets_stats *st,
                       char warn[][512], unsigned *damaged)
{
	return ng_read_any(path, w, st, warn, damaged, 0);
}

/* The same file read from a file and through a pipe: the same secrets,
 * counts and warnings (from a pipe a DSB may come a few frames early). */
static void same_through_a_pipe(const struct ng *g, size_t cut)
{
	char *path = ng_write(g, cut);
	struct seen a = { 0 }, b = { 0 };
	struct pcap_src_secrets_stats sa, sb;
	char wa[4][512], wb[4][512];
	unsigned da, db;
	int na = ng_read_any(path, &a, &sa, wa, &da, 0);
	int nb = ng_read_any(path, &b, &sb, wb, &db, 1);
	assert_int_equal(na, nb);
	assert_int_equal(da, db);
	assert_int_equal(a.frames, b.frames);
	assert_int_equal(a.calls, b.calls);
	for (int i = 0; i < a.calls; i++) {
		assert_true(b.after_frames[i] <= a.after_frames[i]);
		assert_int_equal(a.len[i], b.len[i]);
		assert_memory_equal(a.text[i], b.text[i], a.len[i]);
	}
	assert_int_equal(sa.tls, sb.tls);
	assert_int_equal(sa.other, sb.other);
	assert_int_equal(sa.bad, sb.bad);
	assert_int_equal(sb.unscanned, 0);
	for (int i = 0; i < na; i++) /* the file's name, or stdin */
		assert_string_equal(strstr(wa[i], ": ") + 2, strstr(wb[i], ": ") + 2);
	unlink(path);
	free(path);
}

static void test_dsb_before_first_frame_is_delivered_before_it(void **state)
{
	(void)state;
	struct ng g = { .n = 0 };
	ng_section(&g, 0);
	ng_dsb(&g, PCAP_SRC_SECRETS_TLS, KEYS2, 0);
	ng_epb(&g, 100, "frame one");
	ng_epb(&g, 101, "frame two");
	char *path = ng_write(&g, 0);
	struct seen w = { 0 };
	struct pcap_src_secrets_stats st;
	char warn[4][512];
	unsigned damaged;
	assert_int_equal(ng_read_all(path, &w, &st, warn, &damaged), 0);
	assert_int_equal(w.frames, 2);
	assert_int_equal(w.calls, 1);
	assert_int_equal(w.after_frames[0], 0);
	assert_int_equal(w.len[0], strlen(KEYS2));
	assert_memory_equal(w.text[0], KEYS2, strlen(KEYS2));
	assert_int_equal(st.tls, 1);
	assert_int_equal(st.bad + st.other + st.unscanned, 0);
	unlink(path);
	free(path);
}

static void test_dsb_between_frames_comes_before_the_next_one(void **state)
{
	(void)state;
	struct ng g = { .n = 0 };
	ng_section(&g, 0);
	ng_epb(&g, 100, "frame one");
	ng_dsb(&g, 0x5353484b, "SSH secrets are not ours\n", 0); /* 'SSHK' */
	ng_epb(&g, 101, "frame two");
	ng_dsb(&g, PCAP_SRC_SECRETS_TLS, KEYS1, 0);
	ng_dsb(&g, PCAP_SRC_SECRETS_TLS, KEYS2, 0);
	ng_epb(&g, 102, "frame three");
	ng_dsb(&g, PCAP_SRC_SECRETS_TLS, KEYS1, 0); /* after the last frame */
	char *path = ng_write(&g, 0);
	struct seen w = { 0 };
	struct pcap_src_secrets_stats st;
	char warn[4][512];
	unsigned damaged;
	assert_int_equal(ng_read_all(path, &w, &st, warn, &damaged), 0);
	assert_int_equal(w.frames, 3);
	assert_int_equal(w.calls, 3);
	assert_int_equal(w.after_frames[0], 2);
	assert_int_equal(w.after_frames[1], 2);
	assert_int_equal(w.after_frames[2], 3);
	assert_memory_equal(w.text[0], KEYS1, strlen(KEYS1));
	assert_memory_equal(w.text[1], KEYS2, strlen(KEYS2));
	assert_int_equal(st.tls, 3);
	assert_int_equal(st.other, 1);
	assert_int_equal(st.bad, 0);
	unlink(path);
	free(path);
}

static void test_big_endian_sections_are_walked_in_their_byte_order(void **state)
{
	(void)state;
	struct ng g = { .n = 0 };
	ng_section(&g, 1);
	ng_dsb(&g, PCAP_SRC_SECRETS_TLS, KEYS1, 0);
	ng_epb(&g, 100, "frame one");
	ng_section(&g, 1); /* a second section */
	ng_epb(&g, 101, "frame two");
	ng_dsb(&g, PCAP_SRC_SECRETS_TLS, KEYS2, 0);
	ng_epb(&g, 102, "frame three");
	char *path = ng_write(&g, 0);
	struct seen w = { 0 };
	struct pcap_src_secrets_stats st;
	char warn[4][512];
	unsigned damaged;
	assert_int_equal(ng_read_all(path, &w, &st, warn, &damaged), 0);
	assert_int_equal(w.frames, 3);
	assert_int_equal(w.calls, 2);
	assert_int_equal(w.after_frames[0], 0);
	assert_int_equal(w.after_frames[1], 2);
	assert_memory_equal(w.text[0], KEYS1, strlen(KEYS1));
	assert_int_equal(w.len[1], strlen(KEYS2));
	assert_memory_equal(w.text[1], KEYS2, strlen(KEYS2));
	assert_int_equal(st.bad, 0);
	unlink(path);
	free(path);
}

static void test_dsb_cut_short_at_the_end_is_counted_not_delivered(void **state)
{
	(void)state;
	struct ng g = { .n = 0 };
	ng_section(&g, 0);
	ng_epb(&g, 100, "frame one");
	ng_epb(&g, 101, "frame two");
	ng_dsb(&g, PCAP_SRC_SECRETS_TLS, KEYS2, 0);
	/* Every cut that leaves its 8-byte header (with less, nothing says
	 * the block was a DSB). */
	for (size_t cut = 1; cut <= 20 + ((sizeof KEYS2 - 1 + 3) & ~3u) - 8; cut += 7) {
		char *path = ng_write(&g, cut);
		struct seen w = { 0 };
		struct pcap_src_secrets_stats st;
		char warn[4][512];
		unsigned damaged;
		int nw = ng_read_all(path, &w, &st, warn, &damaged);
		assert_int_equal(w.frames, 2);
		assert_int_equal(w.calls, 0);
		assert_int_equal(st.tls, 0);
		assert_int_equal(nw, 1); /* libpcap's: the file ends mid-block */
		assert_int_equal(damaged, 1);
		assert_int_equal(st.bad, 1);
		unlink(path);
		free(path);
	}
}

static void test_dsb_whose_lengths_lie_is_said_and_frames_go_on(void **state)
{
	(void)state;
	struct ng g = { .n = 0 };
	ng_section(&g, 0);
	ng_dsb(&g, PCAP_SRC_SECRETS_TLS, KEYS1, 9); /* secrets longer than the block */
	ng_epb(&g, 100, "frame one");
	ng_dsb(&g, PCAP_SRC_SECRETS_TLS, KEYS2, 0);
	ng_dsb(&g, PCAP_SRC_SECRETS_TLS, KEYS1, 0x7fffffff);
	ng_epb(&g, 101, "frame two");
	char *path = ng_write(&g, 0);
	struct seen w = { 0 };
	struct pcap_src_secrets_stats st;
	char warn[4][512];
	unsigned damaged;
	assert_int_equal(ng_read_all(path, &w, &st, warn, &damaged), 1); /* once per file */
	assert_non_null(strstr(warn[0], path));
	assert_non_null(strstr(warn[0], "Decryption Secrets Block at byte 48 is damaged "
	                                "(secrets length 33, in a block of 44 bytes)"));
	assert_int_equal(w.frames, 2);
	assert_int_equal(damaged, 0);
	assert_int_equal(w.calls, 1);
	assert_int_equal(w.after_frames[0], 1);
	assert_memory_equal(w.text[0], KEYS2, strlen(KEYS2));
	assert_int_equal(st.tls, 1);
	assert_int_equal(st.bad, 2);
	unlink(path);
	free(path);
}

/* A DSB whose leading length lies (its trailing copy disagrees): libpcap
 * calls the file damaged there; the walk delivers nothing of it. */
static void test_dsb_block_length_not_repeated_is_not_delivered(void **state)
{
	(void)state;
	struct ng g = { .n = 0 };
	ng_section(&g, 0);
	ng_epb(&g, 100, "frame one");
	size_t at = g.n;
	ng_dsb(&g, PCAP_SRC_SECRETS_TLS, KEYS1, 0);
	ng_epb(&g, 101, "frame two");
	g.b[at + 4] = 40; /* was 44: the trailing copy disagrees */
	char *path = ng_write(&g, 0);
	struct seen w = { 0 };
	struct pcap_src_secrets_stats st;
	char warn[4][512];
	unsigned damaged;
	assert_int_equal(ng_read_all(path, &w, &st, warn, &damaged), 1);
	assert_non_null(strstr(warn[0], "frame 2 is damaged"));
	assert_int_equal(damaged, 1);
	assert_int_equal(w.frames, 1);
	assert_int_equal(w.calls, 0);
	assert_int_equal(st.bad, 1);
	unlink(path);
	free(path);
}

static void test_pcapng_through_a_pipe_gives_the_same_secrets(void **state)
{
	(void)state;
	struct ng g = { .n = 0 };
	ng_section(&g, 0); /* before, between, after the frames; another type */
	ng_dsb(&g, PCAP_SRC_SECRETS_TLS, KEYS2, 0);
	ng_epb(&g, 100, "frame one");
	ng_dsb(&g, 0x5353484b, "SSH secrets are not ours\n", 0);
	ng_dsb(&g, PCAP_SRC_SECRETS_TLS, KEYS1, 0);
	ng_epb(&g, 101, "frame two");
	ng_dsb(&g, PCAP_SRC_SECRETS_TLS, KEYS1, 0);
	same_through_a_pipe(&g, 0);
	struct ng be = { .n = 0 }; /* big-endian sections */
	ng_section(&be, 1);
	ng_dsb(&be, PCAP_SRC_SECRETS_TLS, KEYS1, 0);
	ng_epb(&be, 100, "frame one");
	ng_section(&be, 1);
	ng_dsb(&be, PCAP_SRC_SECRETS_TLS, KEYS2, 0);
	ng_epb(&be, 101, "frame two");
	same_through_a_pipe(&be, 0);
	struct ng lie = { .n = 0 }; /* lengths that lie */
	ng_section(&lie, 0);
	ng_dsb(&lie, PCAP_SRC_SECRETS_TLS, KEYS1, 9);
	ng_epb(&lie, 100, "frame one");
	ng_dsb(&lie, PCAP_SRC_SECRETS_TLS, KEYS2, 0);
	ng_dsb(&lie, PCAP_SRC_SECRETS_TLS, KEYS1, 0x7fffffff);
	ng_epb(&lie, 101, "frame two");
	same_through_a_pipe(&lie, 0);
	struct ng cut = { .n = 0 }; /* cut short at the end */
	ng_section(&cut, 0);
	ng_epb(&cut, 100, "frame one");
	ng_dsb(&cut, PCAP_SRC_SECRETS_TLS, KEYS2, 0);
	for (size_t k = 1; k <= 64; k += 9)
		same_through_a_pipe(&cut, k);
	struct ng rep = { .n = 0 }; /* the trailing length disagrees */
	ng_section(&rep, 0);
	ng_epb(&rep, 100, "frame one");
	size_t at = rep.n;
	ng_dsb(&rep, PCAP_SRC_SECRETS_TLS, KEYS1, 0);
	ng_epb(&rep, 101, "frame two");
	rep.b[at + 4] = 40;
	same_through_a_pipe(&rep, 0);
}

/* The viewer reads a pipe unbuffered and polls it: that stream is not
 * watched, and the note says where secrets must come from. */
static void test_pcapng_pipe_in_the_viewer_is_not_walked_and_says_so(void **state)
{
	(void)state;
	struct ng g = { .n = 0 };
	ng_section(&g, 0);
	ng_dsb(&g, PCAP_SRC_SECRETS_TLS, KEYS1, 0);
	ng_epb(&g, 100, "frame one");
	char *path = ng_write(&g, 0);
	int saved = dup(STDIN_FILENO);
	assert_non_null(freopen(path, "rb", stdin));
	char err[256];
	const char *paths[] = { "-" };
	struct pcap_src *s = pcap_src_open_opts(paths, 1, 1, err, sizeof err);
	assert_non_null(s);
	struct seen w = { 0 };
	pcap_src_on_secrets(s, on_secrets, &w);
	struct frame f;
	assert_int_equal(pcap_src_next(s, &f), PCAP_SRC_FRAME);
	assert_int_equal(pcap_src_next(s, &f), PCAP_SRC_END);
	struct pcap_src_secrets_stats st;
	pcap_src_secrets_stats(s, &st);
	assert_int_equal(st.unscanned, 1);
	assert_int_equal(w.calls, 0);
	assert_non_null(pcap_src_secrets_note(s));
	assert_non_null(strstr(pcap_src_secrets_note(s), "stdin: "));
	assert_non_null(strstr(pcap_src_secrets_note(s), "--tls-keylog"));
	pcap_src_close(s);
	dup2(saved, STDIN_FILENO);
	close(saved);
	clearerr(stdin);
	unlink(path);
	free(path);
}

/* pcapng times are 64-bit: one past what int64 microseconds hold is
 * clamped (it overflowed: undefined behaviour, a time in the past). */
static void test_pcapng_time_beyond_int64_microseconds_is_clamped(void **state)
{
	(void)state;
	struct ng g = { .n = 0 };
	ng_section(&g, 0);
	ng_epb64(&g, 1700000000000001ull, "an ordinary time");
	ng_epb64(&g, UINT64_MAX - 5, "the year 584554");
	char *path = ng_write(&g, 0);
	char err[256];
	const char *paths[] = { path };
	struct pcap_src *s = pcap_src_open(paths, 1, err, sizeof err);
	assert_non_null(s);
	struct frame f;
	assert_int_equal(pcap_src_next(s, &f), PCAP_SRC_FRAME);
	assert_int_equal(f.ts_us, 1700000000000001);
	assert_int_equal(pcap_src_next(s, &f), PCAP_SRC_FRAME);
	assert_true(f.ts_us == PCAP_SRC_TS_MAX_US);
	assert_int_equal(pcap_src_next(s, &f), PCAP_SRC_END);
	pcap_src_close(s);
	unlink(path);
	free(path);
}

/* The walk stops where libpcap found the file damaged: the secrets after
 * that (here a section in the other byte order, which libpcap refuses) are
 * not handed over. */
static void test_no_secrets_from_past_the_damage(void **state)
{
	(void)state;
	struct ng g = { .n = 0 };
	ng_section(&g, 1);
	ng_epb(&g, 100, "frame one");
	ng_dsb(&g, PCAP_SRC_SECRETS_TLS, KEYS1, 0);
	ng_epb(&g, 101, "frame two");
	ng_section(&g, 0);
	ng_dsb(&g, PCAP_SRC_SECRETS_TLS, KEYS2, 0);
	ng_epb(&g, 102, "frame three");
	char *path = ng_write(&g, 0);
	struct seen w = { 0 };
	struct pcap_src_secrets_stats st;
	char warn[4][512];
	unsigned damaged;
	assert_int_equal(ng_read_all(path, &w, &st, warn, &damaged), 1);
	assert_int_equal(damaged, 1);
	assert_int_equal(w.frames, 2);
	assert_int_equal(w.calls, 1);
	assert_memory_equal(w.text[0], KEYS1, strlen(KEYS1));
	unlink(path);
	free(path);
}

/* A real writer of DSBs: editcap --inject-secrets (Wireshark) puts a key
 * log into a copy of a classic pcap; the callback gets the text exactly. */
static void test_editcap_injected_secrets_come_back_exactly(void **state)
{
	(void)state;
	if (system("command -v editcap >/dev/null 2>&1"))
		skip();
	static const char keylog[] =
		"# SSLKEYLOGFILE\r\n"
		"CLIENT_RANDOM 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff "
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
		"202122232425262728292a2b2c2d2e2f\n"
		"CLIENT_TRAFFIC_SECRET_0 ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100 "
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n";
	char *in = write_pcap(recs, 3, 0, 0, 0);
	char keys[64], out[64], cmd[256];
	snprintf(keys, sizeof keys, "%s.keys", in);
	snprintf(out, sizeof out, "%s.pcapng", in);
	FILE *fp = fopen(keys, "wb");
	assert_non_null(fp);
	fputs(keylog, fp);
	fclose(fp);
	snprintf(cmd, sizeof cmd, "editcap --inject-secrets tls,%s %s %s >/dev/null 2>&1", keys, in,
	         out);
	assert_int_equal(system(cmd), 0);
	struct seen w = { 0 };
	struct pcap_src_secrets_stats st;
	char warn[4][512];
	unsigned damaged;
	assert_int_equal(ng_read_all(out, &w, &st, warn, &damaged), 0);
	assert_int_equal(w.frames, 3);
	assert_int_equal(w.calls, 1);
	assert_int_equal(w.after_frames[0], 0);
	assert_int_equal(w.len[0], strlen(keylog));
	assert_memory_equal(w.text[0], keylog, strlen(keylog));
	assert_int_equal(st.tls, 1);
	unlink(keys);
	unlink(out);
	unlink(in);
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_little_endian_microseconds),
		cmocka_unit_test(test_swapped_byte_order),
		cmocka_unit_test(test_nanosecond_timestamps_become_microseconds),
		cmocka_unit_test(test_cut_file_warns_with_frame_and_keeps_earlier_frames),
		cmocka_unit_test(test_files_merge_in_time_order_ties_to_first_file),
		cmocka_unit_test(test_missing_and_non_capture_files_are_clear_errors),
		cmocka_unit_test(test_dsb_before_first_frame_is_delivered_before_it),
		cmocka_unit_test(test_dsb_between_frames_comes_before_the_next_one),
		cmocka_unit_test(test_big_endian_sections_are_walked_in_their_byte_order),
		cmocka_unit_test(test_dsb_cut_short_at_the_end_is_counted_not_delivered),
		cmocka_unit_test(test_dsb_whose_lengths_lie_is_said_and_frames_go_on),
		cmocka_unit_test(test_dsb_block_length_not_repeated_is_not_delivered),
		cmocka_unit_test(test_pcapng_through_a_pipe_gives_the_same_secrets),
		cmocka_unit_test(test_pcapng_pipe_in_the_viewer_is_not_walked_and_says_so),
		cmocka_unit_test(test_pcapng_time_beyond_int64_microseconds_is_clamped),
		cmocka_unit_test(test_no_secrets_from_past_the_damage),
		cmocka_unit_test(test_editcap_injected_secrets_come_back_exactly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
