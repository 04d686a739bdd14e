/* pcap_save.h - captured frames written to a pcap file as they come, with
 * rotation by size (-C) and time (-G) the way tcpdump does it.
 *
 * Crash safety: records are gathered in memory and go to the file only
 * whole, a batch of whole records per write, so a process killed between
 * two writes leaves a valid pcap file holding every record of the last
 * pcap_save_flush().  (A kill that lands inside a write is the kernel's
 * to finish or cut: Linux may stop the copy at a page boundary.)  A write
 * the disk refuses part of is cut back to its last whole record: the file
 * always reads to its end, and the counts below say what it holds. */
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
 * the options say so.  Returns 0; 1 when err holds a warning to show: the
 * next file of a rotation could not be created (the frame went to the
 * current file, which is written on; rotation is tried again each second
 * and a success after failures is said the same way); or -1 with the
 * reason in err when the disk refused a write (the frame is lost, and so
 * are the records the write dropped: pcap_save_lost()). */
int pcap_save_write(struct pcap_save *w, const struct frame *f, char *err, size_t errlen);

/* Write what is buffered to the file.  Returns 0, or -1 with the reason
 * (what the disk refused is dropped, counted in pcap_save_lost(), and the
 * file cut back to its last whole record). */
int pcap_save_flush(struct pcap_save *w, char *err, size_t errlen);

/* The file was renamed or removed by another program (log rotation):
 * flush, close it and create a new one under the current name.  Nothing
 * but a flush when the name still leads to the open file.  Returns 1 when
 * a new file was opened, 0 when not needed, -1 when a write failed (as
 * pcap_save_flush), -2 when the new file could not be created: the old
 * one stays open and is written on (err says why). */
int pcap_save_reopen(struct pcap_save *w, char *err, size_t errlen);

/* Flush and close.  Returns 0, or -1 when the last writes failed (the
 * reason in err). */
int pcap_save_close(struct pcap_save *w, char *err, size_t errlen);

/* The file being written, frames on disk in all files (not those still
 * buffered), files opened, frames lost to refused writes, rotations that
 * could not create the next file. */
const char *pcap_save_path(const struct pcap_save *w);
uint64_t pcap_save_frames(const struct pcap_save *w);
unsigned pcap_save_files(const struct pcap_save *w);
uint64_t pcap_save_lost(const struct pcap_save *w);
uint64_t pcap_save_rotate_failures(const struct pcap_save *w);
/* What the current file holds on disk: records and bytes (header too). */
void pcap_save_file_counts(const struct pcap_save *w, uint64_t *frames, uint64_t *bytes);

/* Can the current user create files beside the current one (its
 * directory writable and searchable)?  For -C and -G after a privilege
 * drop: asked up front, not at the first rotation.  Returns 0, or -1 with
 * "DIR: reason" in err. */
int pcap_save_check_dir(const struct pcap_save *w, char *err, size_t errlen);

/* The name of file number `seq` (0 first) of a -C run: path, path1,
 * path2...  (tcpdump's numbering), after strftime expansion of path at
 * time ts_us when `expand`.  Returns 0, or -1 when it does not fit. */
int pcap_save_name(char *buf, size_t n, const char *path, int expand, int64_t ts_us,
                   unsigned seq);

#endif
