/* pcap_src.h - frames from one or more pcap/pcapng files (or stdin as
 * "-"), merged in timestamp order and numbered 1.. in that order. */
#ifndef SIPSCOPE_PCAP_SRC_H
#define SIPSCOPE_PCAP_SRC_H

#include <stddef.h>
#include <stdint.h>

struct frame {
	uint64_t no;          /* 1-based, in merged order */
	int64_t ts_us;
	const uint8_t *data;  /* borrowed until the next pcap_src_next() */
	uint32_t caplen, len;
	int dlt;
	uint16_t src;         /* index of the file it came from */
	uint64_t rec_off;     /* offset of its record in the file */
	int seekable;         /* rec_off can be used to read it again */
};

enum pcap_src_result {
	PCAP_SRC_END = 0,
	PCAP_SRC_FRAME = 1,
	PCAP_SRC_WARNING = 2, /* a file is damaged; text in pcap_src_warning() */
	PCAP_SRC_AGAIN = 3    /* live: no frame right now; poll pcap_src_fd() */
};

#define PCAP_SRC_MAX_FILES 64

struct pcap_src;

/* Open every path (or "-" for stdin).  Returns NULL with a one-line
 * reason in err when a file is missing or not a capture. */
struct pcap_src *pcap_src_open(const char *const *paths, size_t n, char *err, size_t errlen);
void pcap_src_close(struct pcap_src *s);

/* Capture live from an interface ("any" for all), non-blocking: frames
 * are not seekable (their bytes go to the store's spool).  Returns NULL
 * with a one-line reason in err (no such device, no permission). */
struct pcap_src *pcap_src_open_live(const char *iface, char *err, size_t errlen);

/* Keep only the frames a BPF expression (pcap-filter(7)) accepts: set in
 * the kernel for a live capture, applied while reading for files (frames
 * keep their numbers in the file).  Returns 0, or -1 with the reason. */
int pcap_src_set_filter(struct pcap_src *s, const char *bpf, char *err, size_t errlen);

/* The same; with `interactive` (a viewer), standard input ("-") is read
 * unbuffered and never waited on: pcap_src_next() says PCAP_SRC_AGAIN
 * when no bytes are there, and pcap_src_fd() gives the descriptor to
 * poll. */
struct pcap_src *pcap_src_open_opts(const char *const *paths, size_t n, int interactive, char *err,
                                    size_t errlen);

/* A descriptor to poll() for frames of a live capture or an interactive
 * pipe, or -1 (files). */
int pcap_src_fd(const struct pcap_src *s);
/* Live: packets the kernel dropped (buffer full) and the interface
 * dropped, since the start; 0 for files. */
uint64_t pcap_src_dropped(const struct pcap_src *s);
int pcap_src_is_live(const struct pcap_src *s);

/* Next frame in timestamp order.  After PCAP_SRC_WARNING, call again:
 * the other files go on; the damaged one is read no further. */
int pcap_src_next(struct pcap_src *s, struct frame *f);
const char *pcap_src_warning(const struct pcap_src *s);
unsigned pcap_src_damaged(const struct pcap_src *s);

/* Read `len` bytes at `in_frame` of the frame whose record is at `off` in
 * file `src` (a store_fetch_fn).  Returns 0 or -1. */
int pcap_src_fetch(void *ctx, uint16_t src, uint64_t off, uint32_t in_frame,
                   uint32_t len, char *buf);

#endif
