/* pcap_save.c - frames to a pcap file as they are captured (-w), with
 * tcpdump's rotation: -C by size (file, file1, file2...), -G by time
 * (the name an strftime(3) pattern).
 *
 * The file is a stdio stream with a buffer of SAVE_BUF bytes that we
 * write out ourselves before a record would overflow it: stdio would
 * otherwise fill it to the brim and write half a record, and a kill at
 * that moment would leave a file that ends mid-record. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sipscope/pcap_save.h"

#define SAVE_BUF (1u << 20) /* larger than any record (16 + 262144 bytes) */
#define FILE_HDR 24u
#define REC_HDR 16u

struct pcap_save {
	struct pcap_save_opts o;
	pcap_t *dead;          /* gives the dumper its link type and snaplen */
	pcap_dumper_t *d;
	FILE *fp;
	char path[4096];       /* the file being written */
	int64_t started_us;    /* time of the frame (or the open) that started it */
	uint64_t file_bytes;   /* bytes of the current file, buffered ones too */
	uint64_t file_frames;
	size_t pending;        /* bytes in the stdio buffer */
	unsigned seq;          /* -C: number of the current file in its series */
	unsigned files;
	uint64_t frames;
};

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

/* Open file `name` and write its header.  Returns 0 or -1 (err filled). */
static int save_open_file(struct pcap_save *w, const char *name, int64_t ts_us, char *err,
                          size_t errlen)
{
	FILE *fp = fopen(name, "wb");
	if (!fp) {
		snprintf(err, errlen, "cannot write %s: %s", name, strerror(errno));
		return -1;
	}
	if (setvbuf(fp, NULL, _IOFBF, SAVE_BUF) != 0) {
		fclose(fp);
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	pcap_dumper_t *d = pcap_dump_fopen(w->dead, fp);
	if (!d) {
		snprintf(err, errlen, "cannot write %s: %s", name, pcap_geterr(w->dead));
		fclose(fp);
		return -1;
	}
	w->d = d;
	w->fp = fp;
	snprintf(w->path, sizeof w->path, "%s", name);
	w->started_us = ts_us;
	w->file_bytes = FILE_HDR;
	w->file_frames = 0;
	w->pending = FILE_HDR;
	w->files++;
	/* The header at once: a file killed before its first packet is
	 * still a valid, empty capture. */
	return pcap_save_flush(w, err, errlen);
}

static int save_close_file(struct pcap_save *w, char *err, size_t errlen)
{
	if (!w->d)
		return 0;
	/* Flushed first: pcap_dump_close() says nothing of a failed write. */
	int rc = pcap_save_flush(w, err, errlen);
	pcap_dump_close(w->d);
	w->d = NULL;
	w->fp = NULL;
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
	w->dead = pcap_open_dead(o->dlt, o->snaplen > 0 ? o->snaplen : 262144);
	char name[4096];
	if (!w->dead) {
		snprintf(err, errlen, "out of memory");
	} else if (pcap_save_name(name, sizeof name, o->path, o->rotate_secs > 0, now_us, 0) < 0) {
		snprintf(err, errlen, "%s: the file name is too long", o->path);
	} else if (save_open_file(w, name, now_us, err, errlen) == 0) {
		return w;
	}
	if (w->d)
		pcap_dump_close(w->d);
	if (w->dead)
		pcap_close(w->dead);
	free(w);
	return NULL;
}

/* Close the current file and start the next one for a frame at ts_us:
 * the next number of the series (size), or a new name (time). */
static int save_rotate(struct pcap_save *w, int64_t ts_us, int by_time, char *err, size_t errlen)
{
	char name[4096];
	unsigned seq = by_time ? 0 : w->seq + 1;
	int64_t start = by_time ? ts_us : w->started_us;
	if (pcap_save_name(name, sizeof name, w->o.path, w->o.rotate_secs > 0, start, seq) < 0) {
		snprintf(err, errlen, "%s: the file name is too long", w->o.path);
		return -1;
	}
	if (by_time && !strcmp(name, w->path)) {
		/* The pattern names the same file again (too coarse for -G):
		 * go on writing it rather than overwrite it. */
		w->started_us = ts_us;
		return 0;
	}
	if (save_close_file(w, err, errlen) < 0)
		return -1;
	w->seq = seq;
	return save_open_file(w, name, start, err, errlen);
}

int pcap_save_write(struct pcap_save *w, const struct frame *f, char *err, size_t errlen)
{
	uint64_t rec = REC_HDR + (uint64_t)f->caplen;
	if (!w->d) {
		snprintf(err, errlen, "%s: no file open", w->o.path);
		return -1;
	}
	if (w->o.rotate_secs && f->ts_us - w->started_us >= (int64_t)w->o.rotate_secs * 1000000 &&
	    save_rotate(w, f->ts_us, 1, err, errlen) < 0)
		return -1;
	if (w->o.rotate_bytes && w->file_frames && w->file_bytes + rec > w->o.rotate_bytes &&
	    save_rotate(w, f->ts_us, 0, err, errlen) < 0)
		return -1;
	if (w->pending + rec > SAVE_BUF && pcap_save_flush(w, err, errlen) < 0)
		return -1;
	struct pcap_pkthdr h;
	h.ts.tv_sec = (time_t)(f->ts_us / 1000000);
	h.ts.tv_usec = (suseconds_t)(f->ts_us % 1000000);
	h.caplen = f->caplen;
	h.len = f->len;
	pcap_dump((u_char *)w->d, &h, f->data);
	w->pending += rec;
	w->file_bytes += rec;
	w->file_frames++;
	w->frames++;
	return 0;
}

int pcap_save_flush(struct pcap_save *w, char *err, size_t errlen)
{
	if (!w->d || !w->pending)
		return 0;
	if (pcap_dump_flush(w->d) < 0 || ferror(w->fp)) {
		snprintf(err, errlen, "cannot write %s: %s", w->path, strerror(errno ? errno : EIO));
		clearerr(w->fp);
		return -1;
	}
	w->pending = 0;
	return 0;
}

int pcap_save_reopen(struct pcap_save *w, char *err, size_t errlen)
{
	struct stat now, open_st;
	if (w->d && stat(w->path, &now) == 0 && fstat(fileno(w->fp), &open_st) == 0 &&
	    now.st_dev == open_st.st_dev && now.st_ino == open_st.st_ino)
		return pcap_save_flush(w, err, errlen);
	char name[4096];
	snprintf(name, sizeof name, "%s", w->path);
	int64_t start = w->started_us;
	if (save_close_file(w, err, errlen) < 0)
		return -1;
	return save_open_file(w, name, start, err, errlen) < 0 ? -1 : 1;
}

int pcap_save_close(struct pcap_save *w, char *err, size_t errlen)
{
	if (!w)
		return 0;
	int rc = save_close_file(w, err, errlen);
	pcap_close(w->dead);
	free(w);
	return rc;
}

const char *pcap_save_path(const struct pcap_save *w) { return w->path; }
uint64_t pcap_save_frames(const struct pcap_save *w) { return w->frames; }
unsigned pcap_save_files(const struct pcap_save *w) { return w->files; }
