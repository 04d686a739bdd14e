/* test_pcap_save.c - frames written as captured: the file reads back,
 * -C numbers the files as tcpdump does, -G names them by time, a reopen
 * only starts a new file when the old one was moved away, and whatever
 * was flushed is a valid capture even before the file is closed; a write
 * the disk refuses part of leaves whole records only, and a next file
 * that cannot be created leaves the current one written on. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sipscope/pcap_save.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/sipscope-save-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A frame of `len` bytes, each byte = seq, at second `sec`. */
static struct frame frame_of(uint8_t *buf, uint32_t len, uint8_t seq, int64_t sec)
{
	memset(buf, seq, len);
	struct frame f = { .no = seq, .ts_us = sec * 1000000 + seq, .data = buf, .caplen = len,
	                   .len = len + 10, .dlt = DLT_EN10MB };
	return f;
}

/* Frames in a pcap file, -1 when libpcap cannot read it whole; the first
 * byte of each into firsts (when not NULL). */
static int count_frames(const char *path, uint8_t *firsts)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, eb);
	if (!p)
		return -1;
	struct pcap_pkthdr *h;
	const u_char *d;
	int n = 0, rc;
	while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
		if (h->len != h->caplen + 10)
			n = -1000;
		if (firsts)
			firsts[n < 0 ? 0 : n] = d[0];
		n++;
	}
	pcap_close(p);
	return rc == PCAP_ERROR_BREAK ? n : -1;
}

static void path_in(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

static void test_frames_read_back_in_order(void **state)
{
	(void)state;
	char path[256], err[256];
	uint8_t buf[300], firsts[8];
	path_in(path, sizeof path, "a.pcap");
	struct pcap_save_opts o = { .path = path, .dlt = DLT_EN10MB, .snaplen = 65535 };
	struct pcap_save *w = pcap_save_open(&o, 0, err, sizeof err);
	assert_non_null(w);
	assert_int_equal(count_frames(path, NULL), 0); /* the header is on disk at once */
	for (uint8_t i = 1; i <= 5; i++) {
		struct frame f = frame_of(buf, 100u + i, i, 1000);
		assert_int_equal(pcap_save_write(w, &f, err, sizeof err), 0);
	}
	assert_int_equal(pcap_save_flush(w, err, sizeof err), 0);
	/* Flushed, not closed: a reader already sees every frame. */
	assert_int_equal(count_frames(path, firsts), 5);
	assert_int_equal(firsts[0], 1);
	assert_int_equal(firsts[4], 5);
	assert_int_equal(pcap_save_frames(w), 5);
	assert_int_equal(pcap_save_close(w, err, sizeof err), 0);
	assert_int_equal(count_frames(path, NULL), 5);
}

static void test_size_rotation_numbers_files_like_tcpdump(void **state)
{
	(void)state;
	char path[256], name[300], err[256];
	uint8_t buf[1000];
	path_in(path, sizeof path, "c.pcap");
	/* 24-byte header + records of 16 + 484: two fit in 1100 bytes, not three. */
	struct pcap_save_opts o = { .path = path, .rotate_bytes = 1100, .dlt = DLT_EN10MB,
	                            .snaplen = 65535 };
	struct pcap_save *w = pcap_save_open(&o, 0, err, sizeof err);
	assert_non_null(w);
	for (uint8_t i = 1; i <= 5; i++) {
		struct frame f = frame_of(buf, 484, i, 1000);
		assert_int_equal(pcap_save_write(w, &f, err, sizeof err), 0);
	}
	assert_int_equal(pcap_save_close(w, err, sizeof err), 0);
	uint8_t firsts[4];
	assert_int_equal(count_frames(path, firsts), 2);
	assert_int_equal(firsts[0], 1);
	snprintf(name, sizeof name, "%s1", path);
	assert_int_equal(count_frames(name, firsts), 2);
	assert_int_equal(firsts[0], 3);
	snprintf(name, sizeof name, "%s2", path);
	assert_int_equal(count_frames(name, firsts), 1);
	assert_int_equal(firsts[0], 5);
	snprintf(name, sizeof name, "%s3", path);
	assert_int_equal(access(name, F_OK), -1);
}

static void test_a_frame_larger_than_the_limit_still_gets_a_file(void **state)
{
	(void)state;
	char path[256], name[300], err[256];
	uint8_t buf[1000];
	path_in(path, sizeof path, "big.pcap");
	struct pcap_save_opts o = { .path = path, .rotate_bytes = 100, .dlt = DLT_EN10MB,
	                            .snaplen = 65535 };
	struct pcap_save *w = pcap_save_open(&o, 0, err, sizeof err);
	assert_non_null(w);
	for (uint8_t i = 1; i <= 2; i++) {
		struct frame f = frame_of(buf, 500, i, 1000);
		assert_int_equal(pcap_save_write(w, &f, err, sizeof err), 0);
	}
	assert_int_equal(pcap_save_close(w, err, sizeof err), 0);
	assert_int_equal(count_frames(path, NULL), 1);
	snprintf(name, sizeof name, "%s1", path);
	assert_int_equal(count_frames(name, NULL), 1);
}

static void test_time_rotation_names_files_by_strftime(void **state)
{
	(void)state;
	char pattern[256], name[300], err[256];
	uint8_t buf[64];
	setenv("TZ", "UTC", 1);
	tzset();
	path_in(pattern, sizeof pattern, "g-%H%M%S.pcap");
	struct pcap_save_opts o = { .path = pattern, .rotate_secs = 10, .dlt = DLT_EN10MB,
	                            .snaplen = 65535 };
	struct pcap_save *w = pcap_save_open(&o, 3600LL * 1000000, err, sizeof err); /* 01:00:00 */
	assert_non_null(w);
	int64_t secs[] = { 3600, 3605, 3609, 3610, 3625 };
	for (uint8_t i = 0; i < 5; i++) {
		struct frame f = frame_of(buf, 60, (uint8_t)(i + 1), secs[i]);
		assert_int_equal(pcap_save_write(w, &f, err, sizeof err), 0);
	}
	assert_int_equal(pcap_save_files(w), 3);
	assert_int_equal(pcap_save_close(w, err, sizeof err), 0);
	path_in(name, sizeof name, "g-010000.pcap");
	assert_int_equal(count_frames(name, NULL), 3);
	path_in(name, sizeof name, "g-010010.pcap");
	assert_int_equal(count_frames(name, NULL), 1);
	path_in(name, sizeof name, "g-010025.pcap");
	assert_int_equal(count_frames(name, NULL), 1);
}

static void test_reopen_starts_a_new_file_only_when_moved_away(void **state)
{
	(void)state;
	char path[256], moved[300], err[256];
	uint8_t buf[64];
	path_in(path, sizeof path, "h.pcap");
	struct pcap_save_opts o = { .path = path, .dlt = DLT_EN10MB, .snaplen = 65535 };
	struct pcap_save *w = pcap_save_open(&o, 0, err, sizeof err);
	assert_non_null(w);
	struct frame f = frame_of(buf, 60, 1, 1);
	assert_int_equal(pcap_save_write(w, &f, err, sizeof err), 0);
	assert_int_equal(pcap_save_reopen(w, err, sizeof err), 0); /* still there: kept */
	f = frame_of(buf, 60, 2, 2);
	assert_int_equal(pcap_save_write(w, &f, err, sizeof err), 0);
	assert_int_equal(pcap_save_flush(w, err, sizeof err), 0);
	snprintf(moved, sizeof moved, "%s.1", path);
	assert_int_equal(rename(path, moved), 0);
	assert_int_equal(pcap_save_reopen(w, err, sizeof err), 1);
	f = frame_of(buf, 60, 3, 3);
	assert_int_equal(pcap_save_write(w, &f, err, sizeof err), 0);
	assert_int_equal(pcap_save_close(w, err, sizeof err), 0);
	assert_int_equal(count_frames(moved, NULL), 2);
	assert_int_equal(count_frames(path, NULL), 1);
}

static void test_name_numbering_and_unwritable_directory(void **state)
{
	(void)state;
	char name[32], err[256];
	assert_int_equal(pcap_save_name(name, sizeof name, "x.pcap", 0, 0, 0), 0);
	assert_string_equal(name, "x.pcap");
	assert_int_equal(pcap_save_name(name, sizeof name, "x.pcap", 0, 0, 12), 0);
	assert_string_equal(name, "x.pcap12");
	assert_int_equal(pcap_save_name(name, 8, "x.pcap", 0, 0, 12), -1);
	struct pcap_save_opts o = { .path = "/nonexistent-dir/x.pcap", .dlt = DLT_EN10MB };
	assert_null(pcap_save_open(&o, 0, err, sizeof err));
	assert_non_null(strstr(err, "cannot write /nonexistent-dir/x.pcap"));
}

/* The disk takes part of a flush (a file size limit here, as a full disk
 * would): the file is cut back to its last whole record, reads to its
 * end, and the counts say what it holds and what was lost. */
static void test_refused_write_keeps_whole_records_only(void **state)
{
	(void)state;
	char path[256], err[512];
	uint8_t buf[600];
	path_in(path, sizeof path, "full.pcap");
	struct pcap_save_opts o = { .path = path, .dlt = DLT_EN10MB, .snaplen = 65535 };
	struct pcap_save *w = pcap_save_open(&o, 0, err, sizeof err);
	assert_non_null(w);
	struct rlimit old, lim;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	void (*was)(int) = signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = 24 + 3 * 516 + 200; /* three records of 16 + 500 and a part */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (uint8_t i = 1; i <= 6; i++) {
		struct frame f = frame_of(buf, 500, i, 1000);
		assert_int_equal(pcap_save_write(w, &f, err, sizeof err), 0);
	}
	int rc = pcap_save_flush(w, err, sizeof err);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, was);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, "File too large"));
	assert_non_null(strstr(err, "3 packets not written, the file holds 3 packets (1572 bytes)"));
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 24 + 3 * 516);
	uint8_t firsts[4];
	assert_int_equal(count_frames(path, firsts), 3);
	assert_int_equal(firsts[2], 3);
	assert_int_equal(pcap_save_frames(w), 3);
	assert_int_equal(pcap_save_lost(w), 3);
	uint64_t ff, fb;
	pcap_save_file_counts(w, &ff, &fb);
	assert_int_equal(ff, 3);
	assert_int_equal(fb, 24 + 3 * 516);
	/* Room again: writing goes on after the last whole record. */
	struct frame f = frame_of(buf, 500, 7, 1001);
	assert_int_equal(pcap_save_write(w, &f, err, sizeof err), 0);
	assert_int_equal(pcap_save_close(w, err, sizeof err), 0);
	assert_int_equal(count_frames(path, firsts), 4);
	assert_int_equal(firsts[3], 7);
}

/* -C cannot create the next file (its name is taken by a directory):
 * the frame goes to the current file, said once; none is lost. */
static void test_failed_rotation_writes_on_in_the_current_file(void **state)
{
	(void)state;
	char path[256], name[300], err[512];
	uint8_t buf[1000];
	path_in(path, sizeof path, "nr.pcap");
	snprintf(name, sizeof name, "%s1", path);
	assert_int_equal(mkdir(name, 0755), 0);
	struct pcap_save_opts o = { .path = path, .rotate_bytes = 1100, .dlt = DLT_EN10MB,
	                            .snaplen = 65535 };
	struct pcap_save *w = pcap_save_open(&o, 0, err, sizeof err);
	assert_non_null(w);
	int told = 0;
	for (uint8_t i = 1; i <= 5; i++) {
		struct frame f = frame_of(buf, 484, i, 1000);
		int rc = pcap_save_write(w, &f, err, sizeof err);
		assert_true(rc == 0 || rc == 1);
		if (rc == 1) {
			told++;
			assert_non_null(strstr(err, "Is a directory: going on writing"));
		}
	}
	assert_int_equal(told, 1);
	assert_true(pcap_save_rotate_failures(w) >= 1); /* tried again a second later */
	assert_int_equal(pcap_save_files(w), 1);
	assert_int_equal(pcap_save_close(w, err, sizeof err), 0);
	assert_int_equal(count_frames(path, NULL), 5);
}

/* SIGHUP after the file was moved, where no new file can be made: the
 * moved file stays open and takes the frames. */
static void test_failed_reopen_writes_on_in_the_moved_file(void **state)
{
	(void)state;
	char path[256], moved[300], err[512];
	uint8_t buf[64];
	path_in(path, sizeof path, "hup.pcap");
	struct pcap_save_opts o = { .path = path, .dlt = DLT_EN10MB, .snaplen = 65535 };
	struct pcap_save *w = pcap_save_open(&o, 0, err, sizeof err);
	assert_non_null(w);
	struct frame f = frame_of(buf, 60, 1, 1);
	assert_int_equal(pcap_save_write(w, &f, err, sizeof err), 0);
	snprintf(moved, sizeof moved, "%s.old", path);
	assert_int_equal(rename(path, moved), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(pcap_save_reopen(w, err, sizeof err), -2);
	assert_non_null(strstr(err, "going on writing"));
	f = frame_of(buf, 60, 2, 2);
	assert_int_equal(pcap_save_write(w, &f, err, sizeof err), 0);
	assert_int_equal(pcap_save_close(w, err, sizeof err), 0);
	assert_int_equal(count_frames(moved, NULL), 2);
}

static void test_check_dir_says_which_directory(void **state)
{
	(void)state;
	char path[256], err[512];
	path_in(path, sizeof path, "cd.pcap");
	struct pcap_save_opts o = { .path = path, .rotate_bytes = 1000, .dlt = DLT_EN10MB };
	struct pcap_save *w = pcap_save_open(&o, 0, err, sizeof err);
	assert_non_null(w);
	assert_int_equal(pcap_save_check_dir(w, err, sizeof err), 0);
	assert_int_equal(chmod(dir, 0500), 0);
	/* root passes access() whatever the mode: the refusal needs a user */
	if (geteuid() != 0) {
		assert_int_equal(pcap_save_check_dir(w, err, sizeof err), -1);
		assert_non_null(strstr(err, dir));
		assert_non_null(strstr(err, "Permission denied"));
	}
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(pcap_save_close(w, err, sizeof err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames_read_back_in_order),
		cmocka_unit_test(test_size_rotation_numbers_files_like_tcpdump),
		cmocka_unit_test(test_a_frame_larger_than_the_limit_still_gets_a_file),
		cmocka_unit_test(test_time_rotation_names_files_by_strftime),
		cmocka_unit_test(test_reopen_starts_a_new_file_only_when_moved_away),
		cmocka_unit_test(test_name_numbering_and_unwritable_directory),
		cmocka_unit_test(test_refused_write_keeps_whole_records_only),
		cmocka_unit_test(test_failed_rotation_writes_on_in_the_current_file),
		cmocka_unit_test(test_failed_reopen_writes_on_in_the_moved_file),
		cmocka_unit_test(test_check_dir_says_which_directory),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
