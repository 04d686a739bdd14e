/* pcap_save.c - frames to a pcap file as they are captured (-w), with
 * tcpdump's rotation: -C by size (file, file1, file2...), -G by time
 * (the name an strftime(3) pattern).
 *
 * Records are gathered whole in our own buffer and go out with pwrite(),
 * a batch of whole records at a time: a kill between two writes leaves a
 * file that ends on a record.  (stdio would not do: glibc ignores a
 * buffer size asked without a buffer and writes 4 KiB pieces, splitting
 * records.)  A write the disk refuses part of (full, or past a file size
 * limit) is cut back to the last whole record it wrote, so the file reads
 * to its end, and the counts say what it holds. */
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sipscope/pcap_save.h"

#define SAVE_BUF (1u << 20) /* larger than any record (16 + 262144 bytes) */
#define FILE_HDR 24u
#define REC_HDR 16u
#define RETRY_US 1000000 /* a failed rotation is tried again this often */

struct pcap_save {
	struct pcap_save_opts o;
	unsigned char hdr[FILE_HDR]; /* the file header, as libpcap writes it */
	int fd;                /* the file being written, -1 when none */
	char path[4096];       /* its name */
	int64_t started_us;    /* time of the frame (or the open) that started it */
	unsigned char *buf;    /* whole records not written yet */
	size_t cap, pending;   /* its size, bytes in it */
	uint64_t pending_frames;
	uint64_t disk_bytes;   /* bytes of the current file on disk (whole records) */
	uint64_t disk_frames;  /* records of the current file on disk */
	unsigned seq;          /* -C: number of the current file in its series */
	unsigned files;
	uint64_t frames;       /* records on disk, all files */
	uint64_t lost;         /* records a refused write dropped */
	uint64_t rotate_failed;
	int rotate_failing;    /* the last rotation failed: writing on in the old file */
	int64_t retry_us;      /* monotonic time of the next try */
};

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int pcap_save_name(char *buf, size_t n, const char *path, int expand, int64_t ts_us,
                   unsigned seq)
{
	char base[4096];
	if (expand) {
		time_t t = (time_t)(ts_us / 1000000);
		struct tm tm;
		localtime_r(&t, &tm);
		/* The user's pattern, as tcpdump -G takes it. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		size_t len = strftime(base, sizeof base, path, &tm);
#pragma GCC diagnostic pop
		if (len == 0 && *path)
			return -1;
	} else {
		if (strlen(path) >= sizeof base)
			return -1;
		strcpy(base, path);
	}
	int k = seq ? snprintf(buf, n, "%s%u", base, seq) : snprintf(buf, n, "%s", base);
	return k < 0 || (size_t)k >= n ? -1 : 0;
}

/* The 24-byte file header libpcap would write for this link type and
 * snapshot length (it maps DLT to LINKTYPE values).  Returns 0 or -1. */
static int save_header(struct pcap_save *w)
{
	pcap_t *dead = pcap_open_dead(w->o.dlt, w->o.snaplen > 0 ? w->o.snaplen : 262144);
	char *mem = NULL;
	size_t len = 0;
	FILE *fp = dead ? open_memstream(&mem, &len) : NULL;
	pcap_dumper_t *d = fp ? pcap_dump_fopen(dead, fp) : NULL;
	int rc = -1;
	if (d) {
		pcap_dump_close(d); /* closes fp: mem and len are final */
		if (len == FILE_HDR) {
			memcpy(w->hdr, mem, FILE_HDR);
			rc = 0;
		}
	} else if (fp) {
		fclose(fp);
	}
	free(mem);
	if (dead)
		pcap_close(dead);
	return rc;
}

/* Write n bytes at offset `at`.  Returns the bytes written: n, or fewer
 * with errno set (the disk refused the rest). */
static size_t save_pwrite(int fd, const unsigned char *p, size_t n, uint64_t at)
{
	size_t done = 0;
	while (done < n) {
		ssize_t k = pwrite(fd, p + done, n - done, (off_t)(at + done));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0)
				errno = ENOSPC;
			break;
		}
		done += (size_t)k;
	}
	return done;
}

/* Create file `name` and write its header.  Returns the descriptor, or
 * -1 with the reason in err (a file that got part of a header is removed). */
static int save_create(struct pcap_save *w, const char *name, char *err, size_t errlen)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write %s: %s", name, strerror(errno));
		return -1;
	}
	/* The header at once: a file killed before its first packet is
	 * still a valid, empty capture. */
	if (save_pwrite(fd, w->hdr, FILE_HDR, 0) < FILE_HDR) {
		snprintf(err, errlen, "cannot write %s: %s", name, strerror(errno));
		close(fd);
		unlink(name);
		return -1;
	}
	return fd;
}

/* Make fd (file `name`, its header written) the current file. */
static void save_use(struct pcap_save *w, int fd, const char *name, int64_t ts_us)
{
	w->fd = fd;
	snprintf(w->path, sizeof w->path, "%s", name);
	w->started_us = ts_us;
	w->disk_bytes = FILE_HDR;
	w->disk_frames = 0;
	w->files++;
}

static int save_close_file(struct pcap_save *w, char *err, size_t errlen)
{
	if (w->fd < 0)
		return 0;
	int rc = pcap_save_flush(w, err, errlen);
	if (close(w->fd) < 0 && rc == 0) { /* NFS says it here */
		snprintf(err, errlen, "cannot write %s: %s", w->path, strerror(errno));
		rc = -1;
	}
	w->fd = -1;
	return rc;
}

struct pcap_save *pcap_save_open(const struct pcap_save_opts *o, int64_t now_us, char *err,
                                 size_t errlen)
{
	struct pcap_save *w = calloc(1, sizeof *w);
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->o = *o;
	w->fd = -1;
	w->cap = SAVE_BUF;
	w->buf = malloc(w->cap);
	char name[4096];
	int fd;
	if (!w->buf || save_header(w) < 0) {
		snprintf(err, errlen, "out of memory");
	} else if (pcap_save_name(name, sizeof name, o->path, o->rotate_secs > 0, now_us, 0) < 0) {
		snprintf(err, errlen, "%s: the file name is too long", o->path);
	} else if ((fd = save_create(w, name, err, errlen)) >= 0) {
		save_use(w, fd, name, now_us);
		return w;
	}
	free(w->buf);
	free(w);
	return NULL;
}

/* Close the current file and start the next one for a frame at ts_us:
 * the next number of the series (size), or a new name (time).  When the
 * next file cannot be created the current one stays open and is written
 * on (no frame is lost for a rotation), and rotation is tried again a
 * second later.  Returns 0, 1 (done or not, err says what to tell: the
 * first failure of a run of them, or the first success after one), or
 * -1 when flushing the current file failed. */
static int save_rotate(struct pcap_save *w, int64_t ts_us, int by_time, char *err, size_t errlen)
{
	char name[4096];
	unsigned seq = by_time ? 0 : w->seq + 1;
	int64_t start = by_time ? ts_us : w->started_us;
	if (w->rotate_failing && mono_us() < w->retry_us)
		return 0;
	int bad_name = pcap_save_name(name, sizeof name, w->o.path, w->o.rotate_secs > 0, start, seq) < 0;
	if (!bad_name && by_time && !strcmp(name, w->path)) {
		/* The pattern names the same file again (too coarse for -G):
		 * go on writing it rather than overwrite it. */
		w->started_us = ts_us;
		return 0;
	}
	if (pcap_save_flush(w, err, errlen) < 0)
		return -1;
	char why[4400];
	int fd = -1;
	if (bad_name)
		snprintf(why, sizeof why, "%s: the file name is too long", w->o.path);
	else
		fd = save_create(w, name, why, sizeof why);
	if (fd < 0) {
		int first = !w->rotate_failing;
		w->rotate_failed++;
		w->rotate_failing = 1;
		w->retry_us = mono_us() + RETRY_US;
		snprintf(err, errlen, "%s: going on writing %s (tried again every second)", why, w->path);
		return first;
	}
	int was_failing = w->rotate_failing;
	w->rotate_failing = 0;
	char old[4096];
	snprintf(old, sizeof old, "%s", w->path);
	if (close(w->fd) < 0) {
		/* What the old file holds was written; the error is late news. */
		snprintf(err, errlen, "closing %s: %s", old, strerror(errno));
		was_failing = 1;
	} else if (was_failing) {
		snprintf(err, errlen, "writing %s: the next file could be created at last", name);
	}
	w->seq = seq;
	save_use(w, fd, name, start);
	return was_failing;
}

int pcap_save_write(struct pcap_save *w, const struct frame *f, char *err, size_t errlen)
{
	uint64_t rec = REC_HDR + (uint64_t)f->caplen;
	int told = 0;
	if (w->fd < 0) {
		snprintf(err, errlen, "%s: no file open", w->o.path);
		w->lost++;
		return -1;
	}
	if (w->o.rotate_secs && f->ts_us - w->started_us >= (int64_t)w->o.rotate_secs * 1000000 &&
	    (told = save_rotate(w, f->ts_us, 1, err, errlen)) < 0) {
		w->lost++;
		return -1;
	}
	if (w->o.rotate_bytes && w->disk_frames + w->pending_frames &&
	    w->disk_bytes + w->pending + rec > w->o.rotate_bytes) {
		char err2[4400];
		int r = save_rotate(w, f->ts_us, 0, told ? err2 : err, told ? sizeof err2 : errlen);
		if (r < 0) {
			if (told)
				snprintf(err, errlen, "%s", err2);
			w->lost++;
			return -1;
		}
		told |= r;
	}
	if (w->pending + rec > w->cap) {
		if (pcap_save_flush(w, err, errlen) < 0) {
			w->lost++;
			return -1;
		}
		if (rec > w->cap) { /* a frame larger than the buffer (not from libpcap) */
			unsigned char *b = realloc(w->buf, (size_t)rec);
			if (!b) {
				snprintf(err, errlen, "out of memory");
				w->lost++;
				return -1;
			}
			w->buf = b;
			w->cap = (size_t)rec;
		}
	}
	/* struct pcap_sf_pkthdr: 32-bit seconds and microseconds, caplen,
	 * len, in our byte order (the header's magic says which). */
	int64_t sec = f->ts_us / 1000000, usec = f->ts_us % 1000000;
	if (usec < 0) {
		usec += 1000000;
		sec--;
	}
	uint32_t h[4] = { (uint32_t)sec, (uint32_t)usec, f->caplen, f->len };
	memcpy(w->buf + w->pending, h, REC_HDR);
	if (f->caplen)
		memcpy(w->buf + w->pending + REC_HDR, f->data, f->caplen);
	w->pending += (size_t)rec;
	w->pending_frames++;
	return told;
}

int pcap_save_flush(struct pcap_save *w, char *err, size_t errlen)
{
	if (w->fd < 0 || !w->pending)
		return 0;
	size_t n = w->pending;
	uint64_t nrec = w->pending_frames;
	w->pending = 0;
	w->pending_frames = 0;
	size_t done = save_pwrite(w->fd, w->buf, n, w->disk_bytes);
	if (done == n) {
		w->disk_bytes += n;
		w->disk_frames += nrec;
		w->frames += nrec;
		return 0;
	}
	int e = errno;
	/* The disk took part of the batch: keep its whole records, cut the
	 * file back to the end of the last one. */
	size_t whole = 0;
	uint64_t recs = 0;
	while (whole + REC_HDR <= done) {
		uint32_t caplen;
		memcpy(&caplen, w->buf + whole + 8, sizeof caplen);
		if (done - whole - REC_HDR < caplen)
			break;
		whole += REC_HDR + caplen;
		recs++;
	}
	const char *cut = "";
	if (whole < done && ftruncate(w->fd, (off_t)(w->disk_bytes + whole)) < 0)
		cut = " (and cutting it back to its last whole packet failed)";
	w->disk_bytes += whole;
	w->disk_frames += recs;
	w->frames += recs;
	w->lost += nrec - recs;
	snprintf(err, errlen, "cannot write %s: %s; %llu packets not written, the file holds %llu "
	         "packets (%llu bytes)%s", w->path, strerror(e), (unsigned long long)(nrec - recs),
	         (unsigned long long)w->disk_frames, (unsigned long long)w->disk_bytes, cut);
	return -1;
}

int pcap_save_reopen(struct pcap_save *w, char *err, size_t errlen)
{
	struct stat now, open_st;
	if (w->fd >= 0 && stat(w->path, &now) == 0 && fstat(w->fd, &open_st) == 0 &&
	    now.st_dev == open_st.st_dev && now.st_ino == open_st.st_ino)
		return pcap_save_flush(w, err, errlen);
	if (pcap_save_flush(w, err, errlen) < 0)
		return -1;
	char name[4096], why[4400];
	snprintf(name, sizeof name, "%s", w->path);
	/* The new file first: should it fail, the old one (moved away or
	 * removed) is still open and written on. */
	int fd = save_create(w, name, why, sizeof why);
	if (fd < 0) {
		snprintf(err, errlen, "%s: going on writing the file that was moved away", why);
		return -2;
	}
	close(w->fd); /* flushed above: nothing is left to say of it */
	save_use(w, fd, name, w->started_us);
	return 1;
}

int pcap_save_close(struct pcap_save *w, char *err, size_t errlen)
{
	if (!w)
		return 0;
	int rc = save_close_file(w, err, errlen);
	free(w->buf);
	free(w);
	return rc;
}

int pcap_save_check_dir(const struct pcap_save *w, char *err, size_t errlen)
{
	char dir[4096];
	const char *slash = strrchr(w->path, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == w->path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - w->path), w->path);
	if (access(dir, W_OK | X_OK) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

const char *pcap_save_path(const struct pcap_save *w) { return w->path; }
uint64_t pcap_save_frames(const struct pcap_save *w) { return w->frames; }
unsigned pcap_save_files(const struct pcap_save *w) { return w->files; }
uint64_t pcap_save_lost(const struct pcap_save *w) { return w->lost; }
uint64_t pcap_save_rotate_failures(const struct pcap_save *w) { return w->rotate_failed; }

void pcap_save_file_counts(const struct pcap_save *w, uint64_t *frames, uint64_t *bytes)
{
	*frames = w->disk_frames;
	*bytes = w->disk_bytes;
}
