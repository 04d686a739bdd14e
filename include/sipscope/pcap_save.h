/* pcap_save.h - captured frames written to a pcap file as they come, with
 * rotation by size (-C) and time (-G) the way tcpdump does it.
 *
 * Crash safety: records are buffered in memory and go to the file only
 * whole (the buffer is written out before a record that would not fit),
 * so a process killed at any moment leaves a valid pcap file holding
 * every record of the last pcap_save_flush(). */
#ifndef SIPSCOPE_PCAP_SAVE_H
#define SIPSCOPE_PCAP_SAVE_H

#include <stddef.h>
#include <stdint.h>

#include "sipscope/pcap_src.h"

struct pcap_save_opts {
	const char *path;       /* file to write; with rotate_secs, strftime(3) % sequences
	                         * are expanded with the time the file starts */
	uint64_t rotate_bytes;  /* -C: a new file before one would grow past this; 0 = never */
	unsigned rotate_secs;   /* -G: a new file when a frame comes this long after the
	                         * current one started; 0 = never */
	int dlt, snaplen;       /* the link type and snapshot length of the header */
};

struct pcap_save;

/* Open the first file (its name from the time now_us).  Returns NULL with
 * a one-line reason in err.  Owner closes with pcap_save_close(). */
struct pcap_save *pcap_save_open(const struct pcap_save_opts *o, int64_t now_us, char *err,
                                 size_t errlen);

/* Append frame f (its bytes, caplen, len and time), rotating first when
 * the options say so.  Returns 0, or -1 with the reason in err (a new file
 * could not be opened, or the disk refused a write). */
int pcap_save_write(struct pcap_save *w, const struct frame *f, char *err, size_t errlen);

/* Write what is buffered to the file.  Returns 0 or -1 with the reason. */
int pcap_save_flush(struct pcap_save *w, char *err, size_t errlen);

/* The file was renamed or removed by another program (log rotation):
 * flush, close it and create a new one under the current name.  Nothing
 * but a flush when the name still leads to the open file.  Returns 1 when
 * a new file was opened, 0 when not needed, -1 with the reason in err. */
int pcap_save_reopen(struct pcap_save *w, char *err, size_t errlen);

/* Flush and close.  Returns 0, or -1 when the last writes failed (the
 * reason in err). */
int pcap_save_close(struct pcap_save *w, char *err, size_t errlen);

/* The file being written, frames written to all files, files opened. */
const char *pcap_save_path(const struct pcap_save *w);
uint64_t pcap_save_frames(const struct pcap_save *w);
unsigned pcap_save_files(const struct pcap_save *w);

/* The name of file number `seq` (0 first) of a -C run: path, path1,
 * path2...  (tcpdump's numbering), after strftime expansion of path at
 * time ts_us when `expand`.  Returns 0, or -1 when it does not fit. */
int pcap_save_name(char *buf, size_t n, const char *path, int expand, int64_t ts_us,
                   unsigned seq);

#endif
