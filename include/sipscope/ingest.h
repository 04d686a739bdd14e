/* ingest.h - the pipeline from captured frames to stored, tracked SIP
 * messages: decode -> (TCP reassembly) -> SIP parse -> track -> store. */
#ifndef SIPSCOPE_INGEST_H
#define SIPSCOPE_INGEST_H

#include <stdint.h>

#include "sipscope/pcap_src.h"
#include "sipscope/store.h"
#include "sipscope/track.h"

struct ingest_stats {
	uint64_t frames;
	uint64_t sip_msgs;
	uint64_t malformed;     /* SIP messages flagged malformed */
	uint64_t not_sip;       /* UDP/TCP payloads that are not SIP */
	uint64_t bad_frames;    /* frames cut short or with broken headers */
	uint64_t tcp_gaps;      /* lost TCP data resynchronised over */
	uint64_t tcp_broken;    /* SIP messages a TCP gap cut (kept, flagged) */
	uint64_t store_errors;  /* messages lost to memory or spool failure */
};

struct ingest;

/* New pipeline writing to store s and tracker t (both borrowed). */
struct ingest *ingest_new(struct store *s, struct tracker *t);
void ingest_free(struct ingest *in);

/* Feed one frame.  Returns 0, or -1 when a message could not be stored
 * (counted in store_errors; the pipeline goes on). */
int ingest_frame(struct ingest *in, const struct frame *f);

/* After the last ingest_frame(): TCP data held behind holes that never
 * filled is parsed (behind a gap).  ingest_run() does this itself. */
void ingest_finish(struct ingest *in);

const struct ingest_stats *ingest_stats(const struct ingest *in);

/* Tracking on (the default) or off: off, records keep zero transaction,
 * dialog and call ids.  For measuring what tracking costs (tests/bench). */
void ingest_set_tracking(struct ingest *in, int on);

/* Also merge the calls whose messages carry the same value in this header
 * (borrowed; NULL for none).  X-Call-ID, X-CID and Session-ID always do. */
void ingest_set_correlate(struct ingest *in, const char *header);

/* Read every frame of src.  Parsing runs on a worker thread while this
 * thread tracks (one thread when a second cannot be started).  Damaged
 * input is recorded as warnings (ingest_warning) and does not stop the
 * run.  Call track_finish() after.  Returns 0. */
int ingest_run(struct ingest *in, struct pcap_src *src);

/* Warnings of the last run, in order: count (may exceed those kept) and
 * text (NULL past the 16 kept). */
size_t ingest_warning_count(const struct ingest *in);
const char *ingest_warning(const struct ingest *in, size_t i);

#endif
