/* pcap_src.c - capture files and live interfaces through libpcap, merged
 * by time (files) or by arrival (interfaces).
 *
 * libpcap opens and validates every file and reads pcapng and pipes.
 * Classic pcap files on disk are then walked through mmap: no copy from a
 * stdio buffer into libpcap's, no syscall per record, and re-reading a
 * message later is a memcpy (the benchmark goal needs all three).
 *
 * libpcap skips the pcapng blocks it does not know, Decryption Secrets
 * Blocks among them, so a seekable pcapng file is also walked block by
 * block beside it (ng_scan), and standard input in batch is read through
 * a stream that watches the blocks pass (ng_feed): each DSB found before a
 * frame is handed to the secrets callback before that frame is. */
#define _GNU_SOURCE /* fopencookie */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pcap/pcap.h>

#include "sipscope/hep.h"
#include "sipscope/pcap_src.h"

struct reader {
	const char *path;
	pcap_t *p;
	pcap_t *refetch; /* second handle, opened on first fetch */
	int dlt;
	int seekable;
	int classic;      /* classic pcap: record offsets are computed, not asked */
	uint64_t next_off;
	const uint8_t *map;  /* classic pcap mapped read-only, or NULL */
	size_t map_len;
	size_t map_dropped;  /* pages before this were handed back */
	size_t map_ready;    /* pages before this were prefaulted */
	size_t fetch_lo;     /* re-reads (pcap_src_fetch) touched no page below
	                      * this since their last hand-back */
	int swapped, nsec;
	struct pcap_pkthdr own_hdr;
	char map_err[160];
	int state; /* 0 need read, 1 has pending, 2 done */
	struct pcap_pkthdr *hdr;
	const u_char *data;
	uint64_t rec_off;
	uint64_t frames;
	struct bpf_program bpf;
	int has_bpf;
	int live;
	int interactive; /* a pipe read between keystrokes: never block on it */
	struct hep_listener *hep; /* a HEP collector (live; p is a dead handle for BPF) */
	uint8_t hep_ver, hep_tcp;
	int64_t hep_arrival;
	uint32_t hep_id;
	/* pcapng block walk (seekable pcapng files only, see ng_scan) */
	int ng;              /* walked: a seekable pcapng file */
	int ng_swapped;      /* the current section's byte order is not ours */
	int ng_stop;         /* the walk met a block it cannot frame: no further */
	int ng_warned;       /* the one secrets warning of this file was given */
	uint64_t ng_off;     /* the next block to look at */
	uint64_t ng_size;    /* the file's size when last asked */
	long ng_end;         /* where libpcap's stream stood after the last frame, or 0 */
	uint8_t *ng_buf;     /* read-ahead window of the file */
	uint64_t ng_buf_off;
	size_t ng_buf_len;
	char ng_warn[640];   /* a secrets warning waiting for pcap_src_next(), or "" */
	struct ng_stream *ngs; /* stdin in batch: the blocks watched as they pass */
};

struct pcap_src {
	struct reader r[PCAP_SRC_MAX_FILES];
	size_t n;
	uint64_t next_no;
	unsigned damaged;
	char warn[PCAP_ERRBUF_SIZE + 512];
	pcap_src_secrets_fn on_secrets;
	void *secrets_ctx;
	struct pcap_src_secrets_stats secrets;
	char secrets_note[PCAP_ERRBUF_SIZE + 160];
};

static int is_classic_magic(uint32_t be)
{
	return be == 0xa1b2c3d4 || be == 0xd4c3b2a1 || be == 0xa1b23c4d || be == 0x4d3cb2a1;
}

/* The first 4 bytes of a file, big-endian, or 0 when unreadable. */
static uint32_t file_magic(const char *path)
{
	unsigned char m[4];
	FILE *fp = strcmp(path, "-") ? fopen(path, "rb") : NULL;
	if (!fp)
		return 0;
	size_t n = fread(m, 1, 4, fp);
	fclose(fp);
	return n == 4 ? (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3] : 0;
}

/* Classic pcap (micro- or nanosecond, either byte order) has 16-byte
 * record headers after a 24-byte file header, so offsets can be summed
 * instead of asking the kernel for each frame. */
static int is_classic_pcap(const char *path) { return is_classic_magic(file_magic(path)); }

static uint32_t rd32(const uint8_t *p, int swapped)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return swapped ? __builtin_bswap32(v) : v;
}

/* Map a classic pcap file; on any failure the libpcap path is used. */
static void map_classic(struct reader *r)
{
	int fd = open(r->path, O_RDONLY);
	struct stat st;
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && st.st_size >= 24) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m != MAP_FAILED) {
			r->map = m;
			r->map_len = (size_t)st.st_size;
			madvise(m, r->map_len, MADV_SEQUENTIAL);
			uint32_t magic;
			memcpy(&magic, r->map, 4);
			r->swapped = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
			r->nsec = magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
		}
	}
	close(fd);
}

#define MAP_KEEP (16u << 20) /* bytes of mapped file kept resident behind us */
#define MAP_AHEAD (8u << 20) /* bytes prefaulted ahead of the reader */
#define MAX_CAPLEN 262144u   /* libpcap's limit, so both paths agree */

/* Next record of a mapped file, with libpcap's checks and wording. */
static int map_next(struct reader *r, char *err, size_t errlen)
{
	uint64_t off = r->next_off;
#ifdef MADV_POPULATE_READ
	if (off + MAP_AHEAD / 2 > r->map_ready && r->map_ready < r->map_len) {
		/* Map the next window in one call rather than a fault per few
		 * pages; kernels without it say EINVAL and faults do the work. */
		size_t from = r->map_ready & ~(size_t)0xfff;
		size_t n = r->map_len - from < MAP_AHEAD ? r->map_len - from : MAP_AHEAD;
		madvise((void *)(r->map + from), n, MADV_POPULATE_READ);
		r->map_ready = from + n;
	}
#endif
	if (off > r->map_dropped + 2 * MAP_KEEP) {
		/* Pages already parsed leave our resident set (they stay in the
		 * page cache), so memory does not grow with the file size. */
		size_t upto = (size_t)(off - MAP_KEEP) & ~(size_t)0xfffff;
		madvise((void *)(r->map + r->map_dropped), upto - r->map_dropped, MADV_DONTNEED);
		r->map_dropped = upto;
	}
	if (off == r->map_len)
		return 0;
	if (off + 16 > r->map_len) {
		snprintf(err, errlen, "truncated dump file; tried to read 16 header bytes, only got %zu",
		         (size_t)(r->map_len - off));
		return -1;
	}
	const uint8_t *h = r->map + off;
	uint32_t caplen = rd32(h + 8, r->swapped), len = rd32(h + 12, r->swapped);
	if (caplen > MAX_CAPLEN) {
		snprintf(err, errlen, "invalid packet capture length %u, bigger than %u", caplen,
		         MAX_CAPLEN);
		return -1;
	}
	if (off + 16 + caplen > r->map_len) {
		snprintf(err, errlen, "truncated dump file; tried to read %u captured bytes, only got %zu",
		         caplen, (size_t)(r->map_len - off - 16));
		return -1;
	}
	r->own_hdr.ts.tv_sec = (time_t)rd32(h, r->swapped);
	uint32_t frac = rd32(h + 4, r->swapped);
	r->own_hdr.ts.tv_usec = (suseconds_t)(r->nsec ? frac / 1000 : frac);
	r->own_hdr.caplen = caplen;
	r->own_hdr.len = len;
	r->hdr = &r->own_hdr;
	r->data = h + 16;
	return 1;
}

/* Does the file start like a pcap or pcapng file? */
static int has_capture_magic(const char *path)
{
	uint32_t be = file_magic(path);
	return is_classic_magic(be) || be == 0x0a0d0d0a;
}

static int is_seekable(FILE *fp)
{
	struct stat st;
	return fp && fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode);
}

#define NG_BUF (64u << 10)            /* read-ahead window of the block walk */
#define NG_MAX_SECRETS (64u << 20)    /* a DSB larger than this is skipped (counted) */
#define NG_BT_SHB 0x0A0D0D0Au         /* Section Header Block (reads the same both ways) */
#define NG_BT_DSB 0x0000000Au         /* Decryption Secrets Block */
#define NG_BOM 0x1A2B3C4Du            /* the SHB's byte-order magic */

/* Up to n bytes at offset off of r's file into out, through the
 * read-ahead window (block headers are small and mostly in order, so a
 * whole file costs one pread per 64 KiB).  Returns the bytes got: fewer
 * than n only at the end of the file or on a read error. */
static size_t ng_read(struct reader *r, uint64_t off, void *out, size_t n)
{
	FILE *fp = pcap_file(r->p);
	int fd = fp ? fileno(fp) : -1;
	if (fd < 0)
		return 0;
	if (n > NG_BUF) {
		size_t got = 0;
		while (got < n) {
			ssize_t k = pread(fd, (char *)out + got, n - got, (off_t)(off + got));
			if (k <= 0)
				break;
			got += (size_t)k;
		}
		return got;
	}
	if (off < r->ng_buf_off || off + n > r->ng_buf_off + r->ng_buf_len) {
		ssize_t k = pread(fd, r->ng_buf, NG_BUF, (off_t)off);
		r->ng_buf_off = off;
		r->ng_buf_len = k > 0 ? (size_t)k : 0;
	}
	size_t have = (size_t)(r->ng_buf_off + r->ng_buf_len - off);
	if (have > n)
		have = n;
	memcpy(out, r->ng_buf + (off - r->ng_buf_off), have);
	return have;
}

/* A DSB that cannot be used: counted, and the file's first one said as a
 * warning (unless libpcap already called the file damaged: quiet). */
__attribute__((format(printf, 5, 6)))
static void ng_bad(struct pcap_src *s, struct reader *r, uint64_t off, int quiet,
                   const char *fmt, ...)
{
	s->secrets.bad++;
	if (quiet || r->ng_warned)
		return;
	char why[120];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	r->ng_warned = 1;
	snprintf(r->ng_warn, sizeof r->ng_warn,
	         "%.400s: the Decryption Secrets Block at byte %llu is damaged (%s): its "
	         "secrets are not used", r->path, (unsigned long long)off, why);
}

/* The DSB of `len` bytes at off (pcapng draft, "Decryption Secrets
 * Block"): type, secrets length, the secrets padded to 32 bits, options,
 * the length again.  Returns 0, or -1 when the block's framing is not to
 * be trusted (its two lengths differ): the walk stops there. */
static int ng_secrets(struct pcap_src *s, struct reader *r, uint64_t off, uint32_t len, int quiet)
{
	uint8_t h[8], t[4];
	if (ng_read(r, off + len - 4, t, 4) < 4 || rd32(t, r->ng_swapped) != len) {
		ng_bad(s, r, off, quiet, "its block length %u is not repeated at its end", len);
		return -1;
	}
	if (len < 20 || ng_read(r, off + 8, h, 8) < 8) {
		ng_bad(s, r, off, quiet, "a block of %u bytes is too short for one", len);
		return 0;
	}
	uint32_t type = rd32(h, r->ng_swapped), n = rd32(h + 4, r->ng_swapped);
	if (n > len - 20) {
		ng_bad(s, r, off, quiet, "secrets length %u, in a block of %u bytes", n, len);
		return 0;
	}
	if (type != PCAP_SRC_SECRETS_TLS) {
		s->secrets.other++; /* SSH, WireGuard, ZigBee, OPC UA...: not ours */
		return 0;
	}
	uint8_t *buf = n <= NG_MAX_SECRETS ? malloc(n ? n : 1) : NULL;
	if (!buf) {
		ng_bad(s, r, off, quiet, n > NG_MAX_SECRETS ? "%u bytes of secrets, too many"
		                                            : "no memory for %u bytes of secrets", n);
		return 0;
	}
	if (ng_read(r, off + 16, buf, n) < n) {
		ng_bad(s, r, off, quiet, "%s", "unreadable");
	} else {
		s->secrets.tls++;
		if (s->on_secrets)
			s->on_secrets(s->secrets_ctx, type, buf, n);
	}
	free(buf);
	return 0;
}

/* Walk r's blocks from where the walk stopped up to `upto` (the end of the
 * block libpcap just read, or the end of the file), handing the secrets of
 * every DSB to the callback.  The walk follows each SHB's byte order; a
 * block it cannot frame (bad length, cut short) ends it for good: libpcap,
 * reading the same bytes, reports a damaged frame when one is lost, so
 * only a damaged DSB gets a warning of its own. */
static void ng_scan(struct pcap_src *s, struct reader *r, uint64_t upto, int quiet)
{
	while (r->ng && !r->ng_stop && r->ng_off < upto) {
		uint64_t off = r->ng_off;
		uint8_t h[12];
		size_t got = ng_read(r, off, h, sizeof h);
		uint32_t type = got >= 8 ? rd32(h, r->ng_swapped) : 0;
		if (got >= 12 && type == NG_BT_SHB) {
			uint32_t bom;
			memcpy(&bom, h + 8, 4);
			if (bom != NG_BOM && bom != __builtin_bswap32(NG_BOM))
				break;
			r->ng_swapped = bom != NG_BOM;
		}
		uint32_t len = got >= 8 ? rd32(h + 4, r->ng_swapped) : 0;
		if (got < 8 || len < 12 || len % 4) {
			if (type == NG_BT_DSB)
				ng_bad(s, r, off, quiet, "block length %u", len);
			break;
		}
		if (off + len > r->ng_size) {
			struct stat st; /* the file may have grown since we looked */
			FILE *fp = pcap_file(r->p);
			if (fp && fstat(fileno(fp), &st) == 0)
				r->ng_size = (uint64_t)st.st_size;
			if (off + len > r->ng_size) {
				if (type == NG_BT_DSB)
					ng_bad(s, r, off, quiet, "cut short: %u bytes, %llu left in the file",
					       len, (unsigned long long)(r->ng_size - off));
				break;
			}
		}
		if (type == NG_BT_DSB && ng_secrets(s, r, off, len, quiet) < 0)
			break;
		r->ng_off = off + len;
	}
	if (r->ng && r->ng_off < upto)
		r->ng_stop = 1;
}

/* A pcapng pipe cannot be read twice, so the blocks are watched as the
 * bytes pass to libpcap: a stdio stream of our own (fopencookie) reads
 * standard input and feeds every chunk to ng_feed(), which follows the
 * block framing and keeps each DSB whole until reader_fill_one() hands it
 * over.  stdio reads ahead, so a DSB may come a few frames early, never
 * after the frame that follows it. */
struct ng_pending {
	struct ng_pending *next;
	size_t n;
	uint8_t data[]; /* the secrets, type PCAP_SRC_SECRETS_TLS */
};

struct ng_stream {
	struct pcap_src *s;
	struct reader *r;
	int fd;
	int dead;           /* not pcapng, or a block it cannot frame: bytes just pass */
	int swapped;
	uint64_t off;       /* stream offset of the current block */
	uint8_t hdr[12];    /* the current block's first bytes */
	size_t nhdr;
	uint32_t type, len;
	uint64_t left;      /* bytes of the current block after hdr still to come */
	uint8_t *body;      /* a DSB's bytes after its 8-byte header, or NULL */
	size_t nbody;
	int skip_dsb;       /* a DSB too large to keep: counted at its end */
	struct ng_pending *head, **tail;
	size_t queued;      /* bytes waiting in the queue */
};

/* The DSB collected in st->body is complete: check and queue it. */
static void ng_stream_dsb(struct ng_stream *st)
{
	struct pcap_src *s = st->s;
	const uint8_t *b = st->body; /* the block from its byte 8: len - 8 bytes */
	uint32_t len = st->len;
	if (rd32(b + len - 12, st->swapped) != len) {
		ng_bad(s, st->r, st->off, 1, "its block length %u is not repeated at its end", len);
		st->dead = 1; /* libpcap stops here too */
		return;
	}
	if (len < 20) {
		ng_bad(s, st->r, st->off, 0, "a block of %u bytes is too short for one", len);
		return;
	}
	uint32_t type = rd32(b, st->swapped), n = rd32(b + 4, st->swapped);
	if (n > len - 20) {
		ng_bad(s, st->r, st->off, 0, "secrets length %u, in a block of %u bytes", n, len);
	} else if (type != PCAP_SRC_SECRETS_TLS) {
		s->secrets.other++;
	} else {
		struct ng_pending *q = st->queued + n <= NG_MAX_SECRETS ? malloc(sizeof *q + n) : NULL;
		if (!q) {
			ng_bad(s, st->r, st->off, 0, "no room for %u more bytes of secrets", n);
		} else {
			q->next = NULL;
			q->n = n;
			memcpy(q->data, b + 8, n);
			*st->tail = q;
			st->tail = &q->next;
			st->queued += n;
		}
	}
}

/* n more bytes of the stream. */
static void ng_feed(struct ng_stream *st, const uint8_t *p, size_t n)
{
	while (n && !st->dead) {
		if (st->nhdr < sizeof st->hdr) {
			size_t k = sizeof st->hdr - st->nhdr < n ? sizeof st->hdr - st->nhdr : n;
			memcpy(st->hdr + st->nhdr, p, k);
			st->nhdr += k, p += k, n -= k;
			if (st->nhdr < sizeof st->hdr)
				return;
			uint32_t bom;
			memcpy(&bom, st->hdr + 8, 4);
			st->type = rd32(st->hdr, st->swapped);
			if (st->off == 0 && st->type != NG_BT_SHB) {
				st->dead = 1; /* classic pcap: nothing to watch */
				return;
			}
			if (st->type == NG_BT_SHB) {
				if (bom != NG_BOM && bom != __builtin_bswap32(NG_BOM)) {
					st->dead = 1;
					return;
				}
				st->swapped = bom != NG_BOM;
			}
			st->len = rd32(st->hdr + 4, st->swapped);
			if (st->len < 12 || st->len % 4) {
				if (st->type == NG_BT_DSB)
					ng_bad(st->s, st->r, st->off, 1, "block length %u", st->len);
				st->dead = 1;
				return;
			}
			st->left = st->len - 12;
			st->nbody = 0;
			st->skip_dsb = 0;
			if (st->type == NG_BT_DSB) {
				st->body = st->len - 8 <= NG_MAX_SECRETS + 64 ? malloc(st->len - 8) : NULL;
				st->skip_dsb = !st->body;
				if (st->body) {
					memcpy(st->body, st->hdr + 8, 4);
					st->nbody = 4;
				}
			}
		}
		size_t k = st->left < n ? (size_t)st->left : n;
		if (st->body) {
			memcpy(st->body + st->nbody, p, k);
			st->nbody += k;
		}
		st->left -= k, p += k, n -= k;
		if (st->left == 0) { /* the block is complete */
			if (st->body)
				ng_stream_dsb(st);
			else if (st->skip_dsb)
				ng_bad(st->s, st->r, st->off, 0, "a block of %u bytes, too large", st->len);
			free(st->body);
			st->body = NULL;
			st->off += st->len;
			st->nhdr = 0;
		}
	}
}

static ssize_t ng_stream_read(void *cookie, char *buf, size_t n)
{
	struct ng_stream *st = cookie;
	ssize_t k;
	do
		k = read(st->fd, buf, n);
	while (k < 0 && errno == EINTR);
	if (k > 0)
		ng_feed(st, (const uint8_t *)buf, (size_t)k);
	else if (k == 0 && !st->dead && st->nhdr) {
		if (st->nhdr == sizeof st->hdr && st->type == NG_BT_DSB)
			st->s->secrets.bad++; /* cut short: libpcap says the file is */
		st->dead = 1;
	}
	return k;
}

static int ng_stream_close(void *cookie)
{
	(void)cookie; /* the reader frees the state; standard input stays open */
	return 0;
}

static void ng_stream_free(struct ng_stream *st)
{
	if (!st)
		return;
	while (st->head) {
		struct ng_pending *q = st->head;
		st->head = q->next;
		free(q);
	}
	free(st->body);
	free(st);
}

/* Standard input read through a stream that watches its blocks (batch:
 * never polled).  NULL when out of memory (then libpcap reads stdin). */
static FILE *ng_stream_open(struct pcap_src *s, struct reader *r)
{
	struct ng_stream *st = calloc(1, sizeof *st);
	cookie_io_functions_t io = { .read = ng_stream_read, .close = ng_stream_close };
	FILE *fp = st ? fopencookie(st, "rb", io) : NULL;
	if (!fp) {
		free(st);
		return NULL;
	}
	st->s = s;
	st->r = r;
	st->fd = fileno(stdin);
	st->tail = &st->head;
	r->ngs = st;
	return fp;
}

/* The DSBs the stream watcher has queued, to the callback. */
static void ng_stream_deliver(struct pcap_src *s, struct ng_stream *st)
{
	while (st->head) {
		struct ng_pending *q = st->head;
		st->head = q->next;
		st->queued -= q->n;
		s->secrets.tls++;
		if (s->on_secrets)
			s->on_secrets(s->secrets_ctx, PCAP_SRC_SECRETS_TLS, q->data, q->n);
		free(q);
	}
	st->tail = &st->head;
}

/* Set up r's block walk (seekable pcapng), or count a pcapng stream whose
 * secrets cannot be read (libpcap says version 1.0 for pcapng). */
static void ng_open(struct pcap_src *s, struct reader *r)
{
	if (pcap_major_version(r->p) != 1 || r->ngs)
		return;
	if (!r->seekable || !(r->ng_buf = malloc(NG_BUF))) {
		s->secrets.unscanned++;
		if (!s->secrets_note[0])
			snprintf(s->secrets_note, sizeof s->secrets_note,
			         "%s: TLS secrets embedded in pcapng (Decryption Secrets Blocks) are "
			         "read from a file only: save the capture to a file, or give the key "
			         "log with --tls-keylog", strcmp(r->path, "-") ? r->path : "stdin");
		return;
	}
	r->ng = 1;
	struct stat st;
	FILE *fp = pcap_file(r->p);
	if (fp && fstat(fileno(fp), &st) == 0)
		r->ng_size = (uint64_t)st.st_size;
}

void pcap_src_on_secrets(struct pcap_src *s, pcap_src_secrets_fn cb, void *ctx)
{
	s->on_secrets = cb;
	s->secrets_ctx = ctx;
}

void pcap_src_secrets_stats(const struct pcap_src *s, struct pcap_src_secrets_stats *out)
{
	*out = s->secrets;
}

const char *pcap_src_secrets_note(const struct pcap_src *s)
{
	return s->secrets_note[0] ? s->secrets_note : NULL;
}

struct pcap_src *pcap_src_open(const char *const *paths, size_t n, char *err, size_t errlen)
{
	return pcap_src_open_opts(paths, n, 0, err, errlen);
}

struct pcap_src *pcap_src_open_opts(const char *const *paths, size_t n, int interactive, char *err,
                                    size_t errlen)
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
		FILE *fp;
		r->path = paths[i];
		if (interactive && !strcmp(paths[i], "-") && setvbuf(stdin, NULL, _IONBF, 0) == 0) {
			/* Unbuffered before libpcap's first read: nothing hides in
			 * stdio, so poll() tells whether a read would wait. */
			r->interactive = 1;
			r->p = pcap_fopen_offline_with_tstamp_precision(stdin,
					PCAP_TSTAMP_PRECISION_MICRO, ebuf);
		} else if (!strcmp(paths[i], "-") && (fp = ng_stream_open(s, r))) {
			r->p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO,
			                                                 ebuf);
			if (!r->p) /* libpcap closes it only once it owns it */
				fclose(fp);
		} else {
			r->p = pcap_open_offline_with_tstamp_precision(paths[i],
					PCAP_TSTAMP_PRECISION_MICRO, ebuf);
		}
		if (!r->p) {
			const char *why = ebuf;
			if (strstr(ebuf, "unknown file format") || strstr(ebuf, "bad dump file format"))
				why = "not a pcap or pcapng capture file";
			else if (strstr(ebuf, "truncated dump file"))
				why = has_capture_magic(paths[i])
				              ? "capture file header cut short (truncated file)"
				              : "not a pcap or pcapng capture file";
			snprintf(err, errlen, "%s: %s", strcmp(paths[i], "-") ? paths[i] : "stdin",
			         why == ebuf && strncmp(ebuf, paths[i], strlen(paths[i])) == 0
			                 ? ebuf + strlen(paths[i]) + (ebuf[strlen(paths[i])] == ':' ? 2 : 0)
			                 : why);
			ng_stream_free(r->ngs); /* this reader is not closed with the others */
			s->n = i;
			pcap_src_close(s);
			return NULL;
		}
		r->dlt = pcap_datalink(r->p);
		r->seekable = strcmp(paths[i], "-") != 0 && is_seekable(pcap_file(r->p));
		r->classic = r->seekable && is_classic_pcap(paths[i]);
		r->next_off = 24;
		if (r->classic)
			map_classic(r);
		else
			ng_open(s, r);
	}
	s->n = n;
	return s;
}

void pcap_src_close(struct pcap_src *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		if (s->r[i].has_bpf)
			pcap_freecode(&s->r[i].bpf);
		if (s->r[i].p)
			pcap_close(s->r[i].p);
		if (s->r[i].refetch)
			pcap_close(s->r[i].refetch);
		if (s->r[i].map)
			munmap((void *)s->r[i].map, s->r[i].map_len);
		free(s->r[i].ng_buf);
		ng_stream_free(s->r[i].ngs);
		hep_listen_close(s->r[i].hep);
	}
	free(s);
}

const char *pcap_src_warning(const struct pcap_src *s) { return s->warn; }
unsigned pcap_src_damaged(const struct pcap_src *s) { return s->damaged; }

/* Fill r's pending frame.  Returns 1 pending, 0 end, -1 damaged, 2 live
 * with nothing now. */
static int reader_fill_one(struct pcap_src *s, struct reader *r)
{
	if (r->state != 0)
		return r->state == 1 ? 1 : 0;
	if (r->hep) {
		struct hep_frame hf;
		if (!hep_listen_next(r->hep, &hf))
			return 2;
		r->own_hdr.ts.tv_sec = (time_t)(hf.ts_us / 1000000);
		r->own_hdr.ts.tv_usec = (suseconds_t)(hf.ts_us % 1000000);
		r->own_hdr.caplen = r->own_hdr.len = hf.len;
		r->hdr = &r->own_hdr;
		r->data = hf.data;
		r->hep_ver = hf.version;
		r->hep_id = hf.capture_id;
		r->hep_arrival = hf.arrival_us;
		r->state = 1;
		r->rec_off = 0;
		r->frames++;
		return 1;
	}
	if (r->live) {
		int rc = pcap_next_ex(r->p, &r->hdr, &r->data);
		if (rc == 1) {
			r->state = 1;
			r->rec_off = 0;
			r->frames++;
			return 1;
		}
		if (rc == 0)
			return 2;
		r->state = 2; /* an error ends a live capture: said once, then END */
		return -1;
	}
	if (r->map) {
		int rc = map_next(r, r->map_err, sizeof r->map_err);
		if (rc == 1) {
			r->state = 1;
			r->rec_off = r->next_off;
			r->next_off += 16 + (uint64_t)r->hdr->caplen;
			r->frames++;
			return 1;
		}
		r->state = 2;
		return rc;
	}
	FILE *fp = pcap_file(r->p);
	if (r->interactive && fp) {
		/* Unbuffered (see pcap_src_set_interactive): nothing hides in
		 * stdio, so poll tells whether a read would wait. */
		struct pollfd pfd = { .fd = fileno(fp), .events = POLLIN };
		if (poll(&pfd, 1, 0) == 0)
			return 2;
	}
	/* (the walk asked where the last frame ended: the same place, with
	 * one lseek fewer per frame) */
	long off = r->classic ? (long)r->next_off : r->ng_end > 0 ? r->ng_end
	           : r->seekable && fp ? ftell(fp) : -1;
	int rc = pcap_next_ex(r->p, &r->hdr, &r->data);
	if (r->ngs)
		ng_stream_deliver(s, r->ngs);
	if (r->ng) { /* the secrets before this frame (or up to the end) first */
		/* after a damaged frame, only the blocks libpcap got past */
		long end = rc != PCAP_ERROR_BREAK ? ftell(fp) : -1;
		r->ng_end = rc == 1 ? end : -1;
		ng_scan(s, r, end >= 0 ? (uint64_t)end : UINT64_MAX, rc != 1 && rc != PCAP_ERROR_BREAK);
	}
	if (rc == 1) {
		r->state = 1;
		r->rec_off = off < 0 ? 0 : (uint64_t)off;
		r->next_off += 16 + (uint64_t)r->hdr->caplen;
		r->frames++;
		return 1;
	}
	r->state = 2;
	return rc == PCAP_ERROR_BREAK ? 0 : -1;
}

/* reader_fill_one(), skipping the frames a file's filter rejects (they
 * still count, so frame numbers stay those of the file).  *skipped gets
 * how many. */
static int reader_fill(struct pcap_src *s, struct reader *r, uint64_t *skipped)
{
	for (;;) {
		int rc = reader_fill_one(s, r);
		if (rc != 1 || !r->has_bpf || (r->live && !r->hep) ||
		    pcap_offline_filter(&r->bpf, r->hdr, r->data))
			return rc;
		r->state = 0;
		(*skipped)++;
	}
}

/* A frame's time in microseconds; pcapng's 64-bit times past the year
 * 9999 are clamped to PCAP_SRC_TS_MAX_US (past what int64 microseconds
 * hold they overflowed here; short of it, later, when a timer was added). */
static int64_t ts_us_of(const struct pcap_pkthdr *h)
{
	const int64_t max_s = PCAP_SRC_TS_MAX_US / 1000000;
	if (h->ts.tv_sec > max_s)
		return PCAP_SRC_TS_MAX_US;
	if (h->ts.tv_sec < -max_s)
		return -PCAP_SRC_TS_MAX_US;
	int64_t us = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
	if (us > PCAP_SRC_TS_MAX_US)
		return PCAP_SRC_TS_MAX_US;
	return us < -PCAP_SRC_TS_MAX_US ? -PCAP_SRC_TS_MAX_US : us;
}

int pcap_src_next(struct pcap_src *s, struct frame *f)
{
	struct reader *best = NULL;
	size_t best_i = 0;
	uint64_t skipped = 0;
	int again = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct reader *r = &s->r[i];
		int rc = reader_fill(s, r, &skipped);
		if (r->ng_warn[0]) { /* a damaged DSB: said, and the file goes on */
			if (s->n == 1)
				s->next_no += skipped;
			snprintf(s->warn, sizeof s->warn, "%s", r->ng_warn);
			r->ng_warn[0] = 0;
			return PCAP_SRC_WARNING;
		}
		if (rc == 2) {
			again = 1;
			continue;
		}
		if (rc < 0) {
			s->damaged++;
			const char *name = strcmp(r->path, "-") ? r->path : "stdin";
			if (r->live) {
				snprintf(s->warn, sizeof s->warn, "%s: capture stopped (%s)", name,
				         pcap_geterr(r->p));
				return PCAP_SRC_WARNING;
			}
			snprintf(s->warn, sizeof s->warn,
			         "%s: frame %llu is damaged (%s); read the %llu frames before it",
			         name, (unsigned long long)r->frames + 1,
			         r->map ? r->map_err : pcap_geterr(r->p),
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
	/* Frames a filter skipped keep their numbers (only for one file:
	 * merged files are numbered in merged order, skipped ones unknown). */
	if (s->n == 1)
		s->next_no += skipped;
	if (!best)
		return again ? PCAP_SRC_AGAIN : PCAP_SRC_END;
	best->state = 0; /* consumed: the next call reads this file again */
	f->no = ++s->next_no;
	f->ts_us = ts_us_of(best->hdr);
	f->arrival_us = best->hep ? best->hep_arrival : f->ts_us;
	f->data = best->data;
	f->caplen = best->hdr->caplen;
	f->len = best->hdr->len;
	f->dlt = best->dlt;
	f->src = (uint16_t)best_i;
	f->rec_off = best->rec_off;
	f->seekable = best->seekable;
	f->hep = best->hep ? best->hep_ver : 0;
	f->hep_capture_id = best->hep ? best->hep_id : 0;
	return PCAP_SRC_FRAME;
}

/* The checker re-reads every message in file order: the pages it has
 * gone past leave our resident set as the reader's do (map_next), or a
 * pass over a 4 GB capture would keep 4 GB resident.  Pages read out of
 * order (the viewer going back) lower the mark, so a later pass hands
 * them back too.  They stay in the page cache: a re-read costs a fault. */
static void fetch_hand_back(struct reader *r, uint64_t off)
{
	if (off < r->fetch_lo) {
		r->fetch_lo = (size_t)off & ~(size_t)0xfffff;
		return;
	}
	if (off <= r->fetch_lo + 2 * (uint64_t)MAP_KEEP)
		return;
	size_t upto = (size_t)(off - MAP_KEEP) & ~(size_t)0xfffff;
	madvise((void *)(r->map + r->fetch_lo), upto - r->fetch_lo, MADV_DONTNEED);
	r->fetch_lo = upto;
}

int pcap_src_fetch(void *ctx, uint16_t src, uint64_t off, uint32_t in_frame,
                   uint32_t len, char *buf)
{
	struct pcap_src *s = ctx;
	if (src >= s->n || !s->r[src].seekable)
		return -1;
	struct reader *r = &s->r[src];
	if (r->map) {
		if (off + 16 > r->map_len)
			return -1;
		uint32_t caplen = rd32(r->map + off + 8, r->swapped);
		if ((uint64_t)in_frame + len > caplen || off + 16 + caplen > r->map_len)
			return -1;
		memcpy(buf, r->map + off + 16 + in_frame, len);
		fetch_hand_back(r, off);
		return 0;
	}
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

struct pcap_src *pcap_src_open_live(const char *iface, char *err, size_t errlen)
{
	return pcap_src_open_live_multi(&iface, 1, NULL, err, errlen);
}

/* Create and activate one interface's handle into r.  Returns 0, or -1
 * with the reason in err. */
static int live_open_one(struct reader *r, const char *iface, const struct pcap_live_opts *o,
                         char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	r->path = iface;
	r->live = 1;
	r->p = pcap_create(iface, ebuf);
	if (!r->p) {
		snprintf(err, errlen, "%s: %s", iface, ebuf);
		return -1;
	}
	pcap_set_snaplen(r->p, o->snaplen > 0 ? o->snaplen : (int)MAX_CAPLEN);
	pcap_set_promisc(r->p, !o->no_promisc);
	if (o->batch_ms > 0) {
		pcap_set_immediate_mode(r->p, 0);
		pcap_set_timeout(r->p, o->batch_ms);
	} else {
		pcap_set_immediate_mode(r->p, 1); /* frames as they come, not per filled block */
	}
	/* The kernel ring holds what arrives while we are busy: 32 MB rides
	 * out a burst of about 20,000 full-size SIP messages. */
	pcap_set_buffer_size(r->p, o->buffer_kb > 0 ? o->buffer_kb * 1024 : 32 << 20);
	int rc = pcap_activate(r->p);
	if (rc < 0) {
		const char *why = pcap_geterr(r->p);
		if (rc == PCAP_ERROR_PERM_DENIED)
			why = "no permission to capture (run as root, or give the binary "
			      "CAP_NET_RAW and CAP_NET_ADMIN: setcap cap_net_raw,cap_net_admin=eip)";
		else if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
			why = "no such interface (see 'ip link')";
		snprintf(err, errlen, "%s: %s", iface, why);
		return -1;
	}
	if (pcap_setnonblock(r->p, 1, ebuf) < 0) {
		snprintf(err, errlen, "%s: %s", iface, ebuf);
		return -1;
	}
	r->dlt = pcap_datalink(r->p);
	return 0;
}

struct pcap_src *pcap_src_open_live_multi(const char *const *ifaces, size_t n,
                                          const struct pcap_live_opts *o, char *err,
                                          size_t errlen)
{
	static const struct pcap_live_opts defaults;
	if (n == 0 || n > PCAP_SRC_MAX_IFACES) {
		snprintf(err, errlen, "between 1 and %d interfaces, please", PCAP_SRC_MAX_IFACES);
		return NULL;
	}
	struct pcap_src *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < i; k++) {
			if (!strcmp(ifaces[k], ifaces[i])) {
				snprintf(err, errlen, "%s: interface given twice (each packet would "
				         "come twice)", ifaces[i]);
				s->n = i;
				pcap_src_close(s);
				return NULL;
			}
		}
		s->n = i + 1;
		if (live_open_one(&s->r[i], ifaces[i], o ? o : &defaults, err, errlen) < 0) {
			pcap_src_close(s);
			return NULL;
		}
	}
	return s;
}

int pcap_src_set_filter(struct pcap_src *s, const char *bpf, char *err, size_t errlen)
{
	for (size_t i = 0; i < s->n; i++) {
		struct reader *r = &s->r[i];
		if (r->has_bpf) {
			pcap_freecode(&r->bpf);
			r->has_bpf = 0;
		}
		if (pcap_compile(r->p, &r->bpf, bpf, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			snprintf(err, errlen, "bad capture filter '%s': %s", bpf, pcap_geterr(r->p));
			return -1;
		}
		r->has_bpf = 1;
		if (r->live && !r->hep && pcap_setfilter(r->p, &r->bpf) < 0) {
			snprintf(err, errlen, "cannot set capture filter: %s", pcap_geterr(r->p));
			return -1;
		}
	}
	return 0;
}

int pcap_src_fd(const struct pcap_src *s)
{
	if (s->n == 1 && s->r[0].hep) {
		int fd;
		return hep_listen_fds(s->r[0].hep, &fd, 1) == 1 && !s->r[0].hep_tcp ? fd : -1;
	}
	if (s->n == 1 && s->r[0].live)
		return pcap_get_selectable_fd(s->r[0].p);
	if (s->n > 1 && s->r[0].live)
		return -1; /* several: pcap_src_poll_fds() */
	for (size_t i = 0; i < s->n; i++)
		if (s->r[i].interactive && s->r[i].state == 0 && pcap_file(s->r[i].p))
			return fileno(pcap_file(s->r[i].p));
	return -1;
}

size_t pcap_src_poll_fds(const struct pcap_src *s, int *fds, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < s->n && k < max; i++) {
		const struct reader *r = &s->r[i];
		if (r->hep && r->state == 0) {
			k += hep_listen_fds(r->hep, fds + k, max - k);
		} else if (r->live && r->state == 0) {
			int fd = pcap_get_selectable_fd(r->p);
			if (fd >= 0)
				fds[k++] = fd;
		} else if (r->interactive && r->state == 0 && pcap_file(r->p)) {
			fds[k++] = fileno(pcap_file(r->p));
		}
	}
	return k;
}

int pcap_src_is_live(const struct pcap_src *s)
{
	return s->n >= 1 && s->r[0].live;
}

void pcap_src_counts(const struct pcap_src *s, struct pcap_src_counts *out)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < s->n; i++) {
		struct pcap_stat st;
		if (s->r[i].hep) { /* a collector's socket overflowed */
			struct hep_listen_stats hs;
			hep_listen_stats(s->r[i].hep, &hs);
			out->received += hs.packets;
			out->kernel_dropped += hs.socket_drops;
			continue;
		}
		if (!s->r[i].live || pcap_stats(s->r[i].p, &st) < 0)
			continue;
		out->received += st.ps_recv;
		out->kernel_dropped += st.ps_drop;
		out->if_dropped += st.ps_ifdrop;
	}
}

uint64_t pcap_src_dropped(const struct pcap_src *s)
{
	struct pcap_src_counts c;
	pcap_src_counts(s, &c);
	return c.kernel_dropped + c.if_dropped;
}

int pcap_src_datalink(const struct pcap_src *s)
{
	for (size_t i = 1; i < s->n; i++)
		if (s->r[i].dlt != s->r[0].dlt)
			return -1;
	return s->n ? s->r[0].dlt : -1;
}

int pcap_src_snaplen(const struct pcap_src *s)
{
	int max = 0;
	for (size_t i = 0; i < s->n; i++) {
		int v = s->r[i].p ? pcap_snapshot(s->r[i].p) : 0;
		if (v > max)
			max = v;
	}
	return max > 0 ? max : (int)MAX_CAPLEN;
}

struct pcap_src *pcap_src_add_hep(struct pcap_src *s, struct hep_listener *l, char *err,
                                  size_t errlen)
{
	struct pcap_src *n = s ? s : calloc(1, sizeof *s);
	if (!n || n->n == PCAP_SRC_MAX_FILES) {
		snprintf(err, errlen, n ? "too many sources" : "out of memory");
		hep_listen_close(l);
		if (!s)
			free(n);
		return NULL;
	}
	struct reader *r = &n->r[n->n];
	memset(r, 0, sizeof *r);
	/* A dead handle: capture filters compile against the rebuilt frames. */
	r->p = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, (int)MAX_CAPLEN,
	                                            PCAP_TSTAMP_PRECISION_MICRO);
	if (!r->p) {
		snprintf(err, errlen, "out of memory");
		hep_listen_close(l);
		if (!s)
			free(n);
		return NULL;
	}
	r->path = hep_listen_name(l);
	r->hep = l;
	r->hep_tcp = !strncmp(r->path, "tcp:", 4);
	r->live = 1;
	r->dlt = DLT_EN10MB;
	n->n++;
	return n;
}

size_t pcap_src_hep_stats(const struct pcap_src *s, struct hep_listen_stats *out)
{
	size_t k = 0;
	memset(out, 0, sizeof *out);
	for (size_t i = 0; s && i < s->n; i++) {
		struct hep_listen_stats st;
		if (!s->r[i].hep)
			continue;
		hep_listen_stats(s->r[i].hep, &st);
		out->packets += st.packets;
		out->messages += st.messages;
		out->malformed += st.malformed;
		out->not_sip += st.not_sip;
		out->bad_key += st.bad_key;
		out->too_big += st.too_big;
		out->socket_drops += st.socket_drops;
		out->unread_at_exit += st.unread_at_exit;
		out->connections += st.connections;
		out->conn_timeouts += st.conn_timeouts;
		out->conn_pushed_out += st.conn_pushed_out;
		out->conn_refused += st.conn_refused;
		k++;
	}
	return k;
}

void pcap_src_hep_discard(struct pcap_src *s)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (s->r[i].hep)
			hep_listen_discard(s->r[i].hep);
}

struct pcap_src *pcap_src_open_sources(const char *const *ifaces, size_t nifaces,
                                       const struct pcap_live_opts *o, const char *const *files,
                                       size_t nfiles, const char *const *hep_listen,
                                       size_t nhep_listen, const char *hep_key, char *err,
                                       size_t errlen)
{
	struct pcap_src *src = NULL;
	if (nifaces)
		src = pcap_src_open_live_multi(ifaces, nifaces, o, err, errlen);
	else if (nfiles)
		src = pcap_src_open_opts(files, nfiles, 1, err, errlen);
	if (!src && (nifaces || nfiles))
		return NULL;
	for (size_t i = 0; i < nhep_listen; i++) {
		struct hep_listener *l = hep_listen_open(hep_listen[i], hep_key, err, errlen);
		struct pcap_src *s = l ? pcap_src_add_hep(src, l, err, errlen) : NULL;
		if (!s) { /* the sources opened so far go too */
			pcap_src_close(src);
			return NULL;
		}
		src = s;
	}
	if (!src)
		snprintf(err, errlen, "no source: give -i, -r or --hep-listen");
	return src;
}
