/* metrics.h - counters of a headless capture (sipscope -N) in the
 * Prometheus text exposition format (version 0.0.4), served over HTTP
 * (--metrics, libmicrohttpd) or written to a file (--metrics-file, for
 * node_exporter's textfile collector).
 *
 * One side feeds (the capture loop: messages, calls that ended, findings,
 * streams, frames), another reads (the HTTP server's thread, or the file
 * writer).  The feeder's updates go to counters of its own, without a
 * lock; metrics_publish() adds them to the shared ones under a mutex
 * (once per batch of frames, so a frame costs no lock), and the reader
 * takes the same mutex to copy the shared counters, formatting the copy
 * without holding it.  A scrape shows the counters as of the last
 * publish.
 *
 * Every label value comes from a bounded set: methods (the standard ones,
 * else "other"), status codes 100-699 (else "other"), transports, call
 * states, rule ids, severities, capture sources (the interfaces and files
 * named on the command line, "hep" for agents) and HEP capture agent ids
 * (at most METRICS_MAX_AGENTS, then "other").  No Call-ID, no address. */
#ifndef SIPSCOPE_METRICS_H
#define SIPSCOPE_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sipscope/check.h"
#include "sipscope/media.h"
#include "sipscope/pcap_src.h"
#include "sipscope/store.h"
#include "sipscope/track.h"

#define METRICS_MAX_SOURCES 80 /* interfaces + files + "hep" */
#define METRICS_MAX_AGENTS 64  /* HEP capture ids with a label of their own */

struct metrics;

/* New counters, all zero.  NULL when memory ran out.  Owner frees with
 * metrics_free() (after the server that reads them is stopped). */
struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/* Name capture source i (the frame's src index: an interface, a file;
 * "-" is shown as "stdin").  Call before feeding; names are copied (cut
 * at 63 bytes).  Returns 0, or -1 when i is out of range. */
int metrics_set_source(struct metrics *m, unsigned i, const char *name);

/* The feeder's side: metrics_count_*, metrics_set_calls_active,
 * metrics_set_drops and metrics_publish are called from one thread. */

/* What was counted since the last publish becomes visible to readers. */
void metrics_publish(struct metrics *m);

/* A SIP message as the store keeps it: messages_total{method,status,
 * transport} (a response: its CSeq method and code) and, when it repeats
 * one, retransmissions_total{method}. */
void metrics_count_message(struct metrics *m, const struct store_msg *r);
/* A call that ended, as it stands then: calls_total{state}, its setup
 * time (first request to final response) and talk time (2xx to BYE) into
 * their histograms when it has them; now_us as for
 * track_call_duration_us(). */
void metrics_count_call(struct metrics *m, const struct call_info *c, int64_t now_us);
void metrics_set_calls_active(struct metrics *m, uint64_t n);
/* A checker finding. */
void metrics_count_finding(struct metrics *m, enum check_rule rule, enum check_severity sev);
/* The findings checker c made since the last call, in the order made
 * (call before check_finish()); after check_finish() once more with
 * `final`: what it added then is counted by difference (it sorts).  A
 * checker built anew over what is left of the store after an eviction:
 * metrics_findings_restart() first, with the store's message count then,
 * since the old checker counted the findings of those messages. */
void metrics_count_findings(struct metrics *m, const struct checker *c, int final);
void metrics_findings_restart(struct metrics *m, size_t nmsgs);
/* An RTP stream whose figures are final: rtp_streams_total, its MOS (when
 * estimated: above 0) and its lost packets (when above 0). */
void metrics_count_stream(struct metrics *m, const struct media_stream *st);
/* The streams of md not counted yet whose call has ended (ended() says,
 * given the Call-ID hash the stream was announced for), each once, with
 * its figures as they stand (media_refresh(); a costly n log n: once a
 * second).  ended NULL: the capture is over: media_finish(), and every
 * stream not counted yet.  Remembers the streams counted that md still
 * holds.  Returns 0, or -1 when memory ran out (a stream may then be
 * counted again at the end). */
int metrics_count_streams(struct metrics *m, struct media *md,
                          int (*ended)(void *ctx, uint64_t h_call_id), void *ctx);
/* A frame the capture handed over: capture_packets_total{interface} of
 * its source (f->src); a HEP agent's frame counts under source "hep" and
 * hep_packets_total{agent} of its capture id. */
void metrics_count_frame(struct metrics *m, const struct frame *f);
/* Drops so far (they only grow): kernel (no buffer space), interface
 * (the NIC or its driver), queue (SIP messages sipscope itself could not
 * keep: the spool refused them, memory ran out). */
void metrics_set_drops(struct metrics *m, uint64_t kernel, uint64_t iface, uint64_t queue);

/* The exposition text of a copy of the counters (taken under the lock),
 * in a new NUL-terminated buffer the caller frees; *len its length.
 * NULL when memory ran out.  Families in a fixed order, each with one
 * # HELP and one # TYPE line; histograms with cumulative _bucket{le},
 * _sum and _count. */
char *metrics_render(struct metrics *m, size_t *len);

/* Write the text to path atomically: a temporary file in the same
 * directory, then rename(2), so a reader (node_exporter's textfile
 * collector) sees the old file or the new one, never half of one.
 * Returns 0, or -1 with the reason in err. */
int metrics_write_file(struct metrics *m, const char *path, char *err, size_t errlen);

/* ---- the HTTP server (metrics_http.c) ---------------------------------- */

struct metrics_http;

/* Parse "[ADDR:]PORT" ("9090", "0.0.0.0:9090", "[::1]:9090"; ADDR
 * defaults to 127.0.0.1) into host and port.  Returns 0, or -1 with the
 * reason in err. */
int metrics_addr_parse(const char *spec, char *host, size_t hostlen, unsigned *port, char *err,
                       size_t errlen);

/* Serve m at GET /metrics (404 elsewhere, 405 for methods other than GET
 * and HEAD) on spec ("[ADDR:]PORT"), from a thread of its own.  m is
 * borrowed: it outlives the server.  Returns NULL with the reason in err
 * (address in use, not an address). */
struct metrics_http *metrics_http_start(struct metrics *m, const char *spec, char *err,
                                        size_t errlen);
/* The port it listens on (the one given, or the one the system chose for
 * port 0). */
unsigned metrics_http_port(const struct metrics_http *h);
/* Scrapes answered so far. */
uint64_t metrics_http_requests(const struct metrics_http *h);
/* Stop the thread, close the socket, free h (NULL is fine). */
void metrics_http_stop(struct metrics_http *h);

#endif
