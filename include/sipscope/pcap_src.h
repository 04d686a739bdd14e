/* pcap_src.h - frames from one or more pcap/pcapng files (or stdin as
 * "-"), merged in timestamp order and numbered 1.. in that order. */
#ifndef SIPSCOPE_PCAP_SRC_H
#define SIPSCOPE_PCAP_SRC_H

#include <stddef.h>
#include <stdint.h>

/* Frame times are kept within +-PCAP_SRC_TS_MAX_US (9999-12-31
 * 23:59:59.999999 UTC): a time past it (a pcapng 64-bit stamp, a
 * database's time_us) is clamped there, so that adding a protocol timer to
 * a time, or taking one time from another, cannot overflow. */
#define PCAP_SRC_TS_MAX_US 253402300799999999LL

struct frame {
	uint64_t no;          /* 1-based, in merged order */
	int64_t ts_us;        /* within +-PCAP_SRC_TS_MAX_US */
	const uint8_t *data;  /* borrowed until the next pcap_src_next() */
	uint32_t caplen, len;
	int dlt;
	uint16_t src;         /* index of the file it came from */
	uint64_t rec_off;     /* offset of its record in the file */
	int seekable;         /* rec_off can be used to read it again */
	uint8_t hep;          /* rebuilt from a HEP agent's packet (this version), else 0 */
	uint32_t hep_capture_id;
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
 * with a one-line reason in err (no such device, no permission).  The
 * defaults of struct pcap_live_opts. */
struct pcap_src *pcap_src_open_live(const char *iface, char *err, size_t errlen);

/* How a live capture is opened; zero fields take the defaults. */
struct pcap_live_opts {
	int snaplen;     /* bytes kept of each packet: 0 = 262144 */
	int buffer_kb;   /* kernel buffer per interface, KiB: 0 = 32768 */
	int no_promisc;  /* leave the interfaces out of promiscuous mode */
	int batch_ms;    /* 0: immediate mode, each packet as it comes; above 0:
	                  * packets handed over in blocks at least every batch_ms
	                  * (see pcap_src.c: far fewer drops under load) */
};

#define PCAP_SRC_MAX_IFACES 16

/* Capture live from n interfaces at once (each may be "any" or "lo"), in
 * immediate mode (each packet as it comes) and non-blocking; frames are
 * handed out in arrival order across the interfaces (the earliest
 * timestamp among those waiting) and f->src is the interface's index.
 * Returns NULL with a one-line reason naming the interface. */
struct pcap_src *pcap_src_open_live_multi(const char *const *ifaces, size_t n,
                                          const struct pcap_live_opts *o, char *err,
                                          size_t errlen);

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

/* A descriptor to poll() for frames of a live capture (one interface) or
 * an interactive pipe, or -1 (files, several interfaces: see
 * pcap_src_poll_fds). */
int pcap_src_fd(const struct pcap_src *s);
/* Every descriptor to poll() for frames (one per interface, or the
 * interactive pipe), up to max into fds.  Returns how many; 0 for files
 * (read them without waiting). */
size_t pcap_src_poll_fds(const struct pcap_src *s, int *fds, size_t max);
/* Live: packets the kernel dropped (buffer full) and the interface
 * dropped, since the start, over all interfaces; 0 for files. */
uint64_t pcap_src_dropped(const struct pcap_src *s);

/* Live counters summed over the interfaces (pcap_stats(3PCAP)): packets
 * the kernel handed over, dropped for want of buffer space (ps_drop) and
 * dropped by the interface or its driver (ps_ifdrop).  Zero for files.
 * A HEP listener adds its packets and its socket's drops. */
struct pcap_src_counts {
	uint64_t received, kernel_dropped, if_dropped;
};
void pcap_src_counts(const struct pcap_src *s, struct pcap_src_counts *out);

int pcap_src_is_live(const struct pcap_src *s);

struct hep_listener;
struct hep_listen_stats;
/* Add a HEP collector (hep.h) as a live source, owned by the source from
 * now on (closed with it, or at once on failure).  s may be NULL: a new
 * source of listeners only.  Its frames are the agents' messages rebuilt
 * as Ethernet frames (DLT_EN10MB) with f->hep and f->hep_capture_id set;
 * a capture filter applies to them as to a file.  Returns the source, or
 * NULL with the reason in err (s, when given, is left open for the
 * caller to close). */
struct pcap_src *pcap_src_add_hep(struct pcap_src *s, struct hep_listener *l, char *err,
                                  size_t errlen);
/* Every source a viewer or -N reads: the interfaces (live opts o), else
 * the files (interactive: a pipe is never waited on), then the HEP
 * collectors (listen URLs, key demanded or NULL) beside them.  Returns
 * the source, or NULL with the reason in err (nothing left open). */
struct pcap_src *pcap_src_open_sources(const char *const *ifaces, size_t nifaces,
                                       const struct pcap_live_opts *o, const char *const *files,
                                       size_t nfiles, const char *const *hep_listen,
                                       size_t nhep_listen, const char *hep_key, char *err,
                                       size_t errlen);
/* The counters of every HEP listener summed; 0 when there is none. */
size_t pcap_src_hep_stats(const struct pcap_src *s, struct hep_listen_stats *out);
/* The link type every reader shares (DLT_*), or -1 when they differ (a
 * pcap file holds one: -w needs one). */
int pcap_src_datalink(const struct pcap_src *s);
/* The largest snapshot length of the readers (for a pcap file header). */
int pcap_src_snaplen(const struct pcap_src *s);

/* Next frame in timestamp order.  After PCAP_SRC_WARNING, call again:
 * the other files go on; the damaged one is read no further (but for a
 * warning about a damaged Decryption Secrets Block: its file goes on, and
 * pcap_src_damaged() does not count it). */
int pcap_src_next(struct pcap_src *s, struct frame *f);
const char *pcap_src_warning(const struct pcap_src *s);
unsigned pcap_src_damaged(const struct pcap_src *s);

/* Read `len` bytes at `in_frame` of the frame whose record is at `off` in
 * file `src` (a store_fetch_fn).  Returns 0 or -1. */
int pcap_src_fetch(void *ctx, uint16_t src, uint64_t off, uint32_t in_frame,
                   uint32_t len, char *buf);

/* TLS secrets embedded in pcapng files: Decryption Secrets Blocks (DSB,
 * block type 0x0000000A of draft-ietf-opsawg-pcapng), which libpcap skips.
 * A seekable pcapng file is walked block by block beside libpcap (one
 * pread per 64 KiB), following every section's byte order; the secrets of
 * each DSB of type PCAP_SRC_SECRETS_TLS go to the callback before
 * pcap_src_next() returns the frame that follows the DSB in its file (a
 * DSB after the last frame: before PCAP_SRC_END).  The data is the block's
 * secrets exactly, without the padding (NSS key log text, LF or CRLF line
 * ends), borrowed for the call only.  Register before the first
 * pcap_src_next() to see DSBs that come first.  Other secrets types are
 * counted, not delivered.  A damaged DSB (lengths that disagree, cut
 * short) is counted and its file's first one said as a PCAP_SRC_WARNING;
 * the frames go on.  Standard input read by pcap_src_open() is watched as
 * its bytes pass to libpcap, with the same results (a DSB may then come a
 * few frames early, never late); a pipe opened interactive (the viewer,
 * -N) is not: see pcap_src_secrets_note().  Classic pcap has no DSB.  The
 * callback runs in the thread that calls pcap_src_next(). */
#define PCAP_SRC_SECRETS_TLS 0x544c534bu /* 'TLSK': NSS key log */

typedef void (*pcap_src_secrets_fn)(void *ctx, uint32_t type, const uint8_t *data, size_t n);
void pcap_src_on_secrets(struct pcap_src *s, pcap_src_secrets_fn cb, void *ctx);

struct pcap_src_secrets_stats {
	uint64_t tls;       /* DSBs of TLS key log text delivered */
	uint64_t other;     /* DSBs of another secrets type (SSH, WireGuard...): ignored */
	uint64_t bad;       /* damaged DSBs: not delivered */
	unsigned unscanned; /* pcapng inputs not walked (interactive pipes): DSBs unseen */
};
void pcap_src_secrets_stats(const struct pcap_src *s, struct pcap_src_secrets_stats *out);
/* One line for a user whose pcapng comes through an interactive pipe,
 * naming the input and pointing to --tls-keylog, or NULL when every pcapng
 * input is walked.  For the caller to print once, when TLS secrets are
 * wanted. */
const char *pcap_src_secrets_note(const struct pcap_src *s);

#endif
