/* pcap_src.c - offline capture files through libpcap, merged by time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pcap/pcap.h>

#include "sipscope/pcap_src.h"

struct reader {
	const char *path;
	pcap_t *p;
	pcap_t *refetch; /* second handle, opened on first fetch */
	int dlt;
	int seekable;
	int state; /* 0 need read, 1 has pending, 2 done */
	struct pcap_pkthdr *hdr;
	const u_char *data;
	uint64_t rec_off;
	uint64_t frames;
};

struct pcap_src {
	struct reader r[PCAP_SRC_MAX_FILES];
	size_t n;
	uint64_t next_no;
	unsigned damaged;
	char warn[PCAP_ERRBUF_SIZE + 512];
};

static int is_seekable(FILE *fp)
{
	struct stat st;
	return fp && fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode);
}

struct pcap_src *pcap_src_open(const char *const *paths, size_t n, char *err, size_t errlen)
{
	if (n == 0 || n > PCAP_SRC_MAX_FILES) {
		snprintf(err, errlen, "between 1 and %d capture files, please", PCAP_SRC_MAX_FILES);
		return NULL;
	}
	struct pcap_src *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		char ebuf[PCAP_ERRBUF_SIZE] = "";
		struct reader *r = &s->r[i];
		r->path = paths[i];
		r->p = pcap_open_offline_with_tstamp_precision(paths[i],
				PCAP_TSTAMP_PRECISION_MICRO, ebuf);
		if (!r->p) {
			const char *why = ebuf;
			if (strstr(ebuf, "unknown file format") || strstr(ebuf, "bad dump file format"))
				why = "not a pcap or pcapng capture file";
			else if (strstr(ebuf, "truncated dump file"))
				why = "too short to be a capture file (truncated header)";
			snprintf(err, errlen, "%s: %s", strcmp(paths[i], "-") ? paths[i] : "stdin",
			         why == ebuf && strncmp(ebuf, paths[i], strlen(paths[i])) == 0
			                 ? ebuf + strlen(paths[i]) + (ebuf[strlen(paths[i])] == ':' ? 2 : 0)
			                 : why);
			s->n = i;
			pcap_src_close(s);
			return NULL;
		}
		r->dlt = pcap_datalink(r->p);
		r->seekable = strcmp(paths[i], "-") != 0 && is_seekable(pcap_file(r->p));
	}
	s->n = n;
	return s;
}

void pcap_src_close(struct pcap_src *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		if (s->r[i].p)
			pcap_close(s->r[i].p);
		if (s->r[i].refetch)
			pcap_close(s->r[i].refetch);
	}
	free(s);
}

const char *pcap_src_warning(const struct pcap_src *s) { return s->warn; }
unsigned pcap_src_damaged(const struct pcap_src *s) { return s->damaged; }
const char *pcap_src_path(const struct pcap_src *s, uint16_t idx)
{
	return idx < s->n ? s->r[idx].path : "?";
}

/* Fill r's pending frame.  Returns 1 pending, 0 end, -1 damaged. */
static int reader_fill(struct reader *r)
{
	if (r->state != 0)
		return r->state == 1 ? 1 : 0;
	FILE *fp = pcap_file(r->p);
	long off = r->seekable && fp ? ftell(fp) : -1;
	int rc = pcap_next_ex(r->p, &r->hdr, &r->data);
	if (rc == 1) {
		r->state = 1;
		r->rec_off = off < 0 ? 0 : (uint64_t)off;
		r->frames++;
		return 1;
	}
	r->state = 2;
	return rc == PCAP_ERROR_BREAK ? 0 : -1;
}

int pcap_src_next(struct pcap_src *s, struct frame *f)
{
	struct reader *best = NULL;
	size_t best_i = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct reader *r = &s->r[i];
		int rc = reader_fill(r);
		if (rc < 0) {
			s->damaged++;
			const char *name = strcmp(r->path, "-") ? r->path : "stdin";
			snprintf(s->warn, sizeof s->warn,
			         "%s: frame %llu is damaged (%s); read the %llu frames before it",
			         name, (unsigned long long)r->frames + 1, pcap_geterr(r->p),
			         (unsigned long long)r->frames);
			return PCAP_SRC_WARNING;
		}
		if (rc == 0)
			continue;
		/* Earliest timestamp wins; ties go to the earlier file. */
		if (!best || r->hdr->ts.tv_sec < best->hdr->ts.tv_sec ||
		    (r->hdr->ts.tv_sec == best->hdr->ts.tv_sec &&
		     r->hdr->ts.tv_usec < best->hdr->ts.tv_usec)) {
			best = r;
			best_i = i;
		}
	}
	if (!best)
		return PCAP_SRC_END;
	best->state = 0; /* consumed: the next call reads this file again */
	f->no = ++s->next_no;
	f->ts_us = (int64_t)best->hdr->ts.tv_sec * 1000000 + best->hdr->ts.tv_usec;
	f->data = best->data;
	f->caplen = best->hdr->caplen;
	f->len = best->hdr->len;
	f->dlt = best->dlt;
	f->src = (uint16_t)best_i;
	f->rec_off = best->rec_off;
	f->seekable = best->seekable;
	return PCAP_SRC_FRAME;
}

int pcap_src_fetch(void *ctx, uint16_t src, uint64_t off, uint32_t in_frame,
                   uint32_t len, char *buf)
{
	struct pcap_src *s = ctx;
	if (src >= s->n || !s->r[src].seekable)
		return -1;
	struct reader *r = &s->r[src];
	if (!r->refetch) {
		char ebuf[PCAP_ERRBUF_SIZE];
		r->refetch = pcap_open_offline_with_tstamp_precision(r->path,
				PCAP_TSTAMP_PRECISION_MICRO, ebuf);
		if (!r->refetch)
			return -1;
	}
	/* libpcap reads savefiles record by record from this FILE, so a
	 * seek to a record start makes the next read return that record. */
	FILE *fp = pcap_file(r->refetch);
	if (!fp || fseek(fp, (long)off, SEEK_SET) != 0)
		return -1;
	struct pcap_pkthdr *h;
	const u_char *d;
	if (pcap_next_ex(r->refetch, &h, &d) != 1 || (uint64_t)in_frame + len > h->caplen)
		return -1;
	memcpy(buf, d + in_frame, len);
	return 0;
}
