/* export.h - batch output of messages and calls (the ARCHITECTURE.md
 * contract): JSON lines, aligned tables, CSV. */
#ifndef SIPSCOPE_EXPORT_H
#define SIPSCOPE_EXPORT_H

#include <stdint.h>
#include <stdio.h>

#include "sipscope/check.h"
#include "sipscope/ingest.h"
#include "sipscope/media.h"
#include "sipscope/store.h"
#include "sipscope/track.h"

enum export_format {
	EXPORT_TABLE = 0,
	EXPORT_JSON,
	EXPORT_CSV
};

/* "UDP", "TCP", ... for an enum store_transport ("?" past them). */
const char *export_transport_name(uint8_t t);
/* ,"src_name":"NAME" and ,"dst_name":"NAME" for the ends an alias names
 * (alias.h: as alias_format shows them), nothing for the others: JSON
 * without aliases stays as it was. */
void export_json_alias_names(FILE *out, const struct store_endpoint *src,
                             const struct store_endpoint *dst);

/* A call's setup time in whole ms, and its talk time in tenths of a
 * second, both rounded half up, as every surface prints them; "" when
 * the call has none. */
void export_call_setup(char *buf, size_t n, const struct call_info *c);
/* Dur as the tables show it (tenths of a second); a call in progress runs
 * to now_us (track_call_duration_us). */
void export_call_duration(char *buf, size_t n, const struct call_info *c, int64_t now_us);

/* "Frame N  YYYY-MM-DD HH:MM:SS.uuuuuu  src -> dst  UDP  L bytes" for store
 * message idx, the first line of a message wherever it is shown. */
void export_frame_line(char *buf, size_t n, struct store *s, size_t idx);

/* Parse a --format name; returns 0 or -1. */
int export_format_parse(const char *name, enum export_format *out);

/* One line per SIP message in capture order.  Message bytes are fetched
 * again from the store.  Returns 0, or -1 when a message's bytes could not
 * be read (the line is still printed, from the index). */
int export_messages(FILE *out, struct store *s, const struct tracker *t, enum export_format fmt);

/* export_messages() for the messages of calls[0..ncalls) only (root call
 * ids; their B2BUA legs come along), in capture order: the same lines
 * (and the CSV header).  Returns 0, -1 when a message's bytes could not
 * be read (its line printed from the index) or memory ran out. */
int export_call_messages(FILE *out, struct store *s, const struct tracker *t,
                         enum export_format fmt, const uint32_t *calls, size_t ncalls);

/* One line (row) per call; the legs a B2BUA correlates are one call.
 * With `only`, just those calls (1-based ids of root calls) in that order.
 * With the checker `check` (may be NULL), each call's findings by
 * severity: "problems":{"error":N,"warning":N,"info":N} in JSON, a
 * trailing "[problems: 1E 2W]" in the table when it has any (CSV keeps
 * its columns). */
int export_calls(FILE *out, struct store *s, const struct tracker *t, const struct checker *check,
                 enum export_format fmt, const uint32_t *only, size_t nonly);
/* export_calls() with the media tracker `media` (may be NULL: the same as
 * export_calls()): JSON adds each call's "streams":N and
 * "media_problems":["one-way",...] (media.h names); the table and CSV
 * stay as they are.  Returns 0, or -1 when memory ran out. */
int export_calls_media(FILE *out, struct store *s, const struct tracker *t,
                       const struct checker *check, const struct media *media,
                       enum export_format fmt, const uint32_t *only, size_t nonly);
/* The pieces of export_calls(), for a list printed as calls end (a live
 * capture): the table or CSV header line (nothing for JSON), and one call
 * (0-based index of a root call) as the listing prints it. */
void export_calls_header(FILE *out, enum export_format fmt);
void export_call(FILE *out, struct store *s, const struct tracker *t, const struct checker *check,
                 size_t idx, enum export_format fmt);

/* Capture statistics: messages by method and status (with retransmissions),
 * response time per method (min/median/p95/max), calls by state, INVITE
 * timing, RFC 6076 metrics (SRD, SDD, SER, SEER, ISA, SCR), top endpoints;
 * with the pipeline `in` (may be NULL), what the capture carried: messages
 * per transport, IP fragments, TCP streams, tunnels, HEP and its agents,
 * WebSocket, TLS connections; with the checker `check` (may be NULL:
 * left out), the findings by rule ("findings":{"rule-id":count} in JSON).
 * Table or one JSON object (no CSV). */
int export_stats(FILE *out, struct store *s, const struct tracker *t, const struct ingest *in,
                 const struct checker *check, enum export_format fmt);

/* Write the frames that carried the messages of calls[0..ncalls) (root
 * call ids; their B2BUA legs come along): every IP fragment and every TCP
 * segment of a message's direction from the frame of its first byte
 * (ingest_first_frame(), when the pipeline kept it) to the frame that
 * completed it, as captured, read again from the capture files (with the
 * capture filter bpf, or NULL), to path ("-": standard output) as pcap,
 * or as pcapng when po says so (po NULL: pcap).  Timestamps keep the
 * microseconds the frames are read with.  Returns the number of frames
 * written (and the messages in *nmsgs), or -1 with the reason in err. */
struct export_pcap_opts {
	int pcapng;          /* write pcapng (SHB, IDB, DSB, EPBs), not classic pcap */
	const char *secrets; /* pcapng: NSS key log text (tls_keys_export()) put in a
	                      * Decryption Secrets Block before the first packet, so
	                      * readers decrypt the exported TLS; NULL: none */
	size_t secrets_len;
	int tls_secrets;       /* also the key log lines of the exported TLS connections
	                        * (what ingest knows), so the export opens decrypted */
	int pcapng_for_secrets; /* write pcapng rather than pcap when there are such
	                        * secrets (the format was not chosen) */
	size_t tls_conns, tls_keyed; /* out: TLS connections exported, those with secrets */
	int wrote_pcapng;      /* out: the file is pcapng */
};
/* The TLS connection (ingest's record) between endpoints a and b (either
 * way) that frame lies in, or NULL. */
const struct ingest_tls *export_tls_conn(const struct ingest *in, const struct store_endpoint *a,
                                         const struct store_endpoint *b, uint64_t frame);
long export_pcap(const char *path, const char *const *files, size_t nfiles, const char *bpf,
                 struct store *s, const struct tracker *t, const struct ingest *in,
                 const uint32_t *calls, size_t ncalls, struct export_pcap_opts *po,
                 size_t *nmsgs, char *err, size_t errn);

/* One message (store index idx) taken apart header by header: what the
 * structured parsers see in each (URIs, every Via, addresses and tags,
 * CSeq, Content-Type, Reason, Session-ID, auth parameters...), the SDP of
 * the body, the malformed and lenient reasons.  Credentials are cut to
 * their first bytes unless show_secrets.  Returns 0, or -1 when the bytes
 * cannot be read again. */
int export_show(FILE *out, struct store *s, const struct tracker *t, size_t idx, int show_secrets);

/* The checker's findings, in message order: a table (with a closing count
 * line), JSON lines (frame, time, call, src, dst, message, rule,
 * severity, rfc, text) or CSV.  With `only`, the findings of those calls
 * (root ids).  counts[severity] gets what was printed.  Returns 0. */
int export_findings(FILE *out, struct store *s, const struct tracker *t, const struct checker *c,
                    enum export_format fmt, const uint32_t *only, size_t nonly, size_t counts[3]);
/* RTP streams (after media_finish()): call, addresses, SSRC, payload type
 * and codec, packets, lost, deltas, jitter, MOS, RTCP, DTMF, problems; a
 * table (with a count line), JSON lines or CSV.  Returns 0. */
int export_rtp(FILE *out, const struct tracker *t, const struct media *m, enum export_format fmt);
/* A stream's problems (MEDIA_P_* bits) as a JSON array of their names. */
void export_media_problems_json(FILE *out, uint16_t problems);
/* The rules the checker knows: id, severity, RFC section, what it checks. */
void export_check_rules(FILE *out, enum export_format fmt);

#endif
