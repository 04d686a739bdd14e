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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_little_endian_microseconds),
		cmocka_unit_test(test_swapped_byte_order),
		cmocka_unit_test(test_nanosecond_timestamps_become_microseconds),
		cmocka_unit_test(test_cut_file_warns_with_frame_and_keeps_earlier_frames),
		cmocka_unit_test(test_files_merge_in_time_order_ties_to_first_file),
		cmocka_unit_test(test_missing_and_non_capture_files_are_clear_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
