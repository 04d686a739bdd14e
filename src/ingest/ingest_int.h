/* ingest_int.h - shared by the ingest files (ingest.c: the pipeline,
 * UDP and threads; ingest_tcp.c: what TCP streams carry). */
#ifndef SIPSCOPE_INGEST_INT_H
#define SIPSCOPE_INGEST_INT_H

#include <pthread.h>

#include "sipscope/decode.h"
#include "sipscope/ingest.h"
#include "sipscope/media.h"
#include "sipscope/sip.h"
#include "sipscope/tcp.h"
#include "sipscope/tls.h"

#define MAX_HEADERS 128
#define BATCH_MSGS 1024
#define BATCH_ARENA (BATCH_MSGS * 256) /* copies of Call-ID and From/To URIs */
#define RING 4
#define MAX_WARNINGS 16
#define PREFETCH_AHEAD 8
#define STR_CAP 1024 /* longest Call-ID or URI kept; 3 of them always fit a batch */

/* One message between the stages: the record as far as parsing can fill
 * it, the addresses, and the views tracking needs (into the packet, or
 * into a batch arena when the stages run on two threads). */
struct item {
	struct store_msg rec;
	struct store_endpoint src, dst;
	uint64_t h_src, h_dst;
	struct track_input ti;
	struct sv call_id, from_uri, to_uri;
	uint32_t capture_id;  /* HEP agent */
	uint8_t hep;
	uint64_t first_frame; /* frame of its first byte */
};

struct batch {
	size_t n, used;
	struct item it[BATCH_MSGS];
	char arena[BATCH_ARENA];
};

struct ingest {
	struct store *s;
	struct tracker *t;
	struct decoder *dec;
	struct tcp_table *tcp;
	struct sip_header hdrs[MAX_HEADERS];
	struct ingest_stats st;
	uint64_t track_errors;  /* written by the track stage only */
	uint64_t track_msgs, track_malformed;

	/* Threaded run: the parse stage fills ring[tail], the track stage
	 * empties ring[head]. */
	struct batch *ring;
	struct batch *cur;
	size_t head, tail, count;
	int done;
	pthread_mutex_t lock;
	pthread_cond_t nonempty, nonfull;

	struct ingest_tls *tls;  /* TLS connections seen */
	size_t ntls, cap_tls;
	struct tls_side *tls_side; /* beside tls[]: decoder, plaintext flows (ingest_tls.c) */
	size_t cap_tls_side;
	struct tls_env *tls_env; /* keys and crypto, made at first need */
	int tls_env_failed;
	int tls_closing;         /* ingest_free: decoders go with their flows */
	char *tls_keylog;        /* followed as it grows (ingest_tls_poll) */

	uint64_t *first_frames;  /* by message index, when kept */
	size_t cap_first;
	int keep_ranges;
	size_t evict_at;         /* calls before the next try at ingest_evict(), */
	int64_t evict_ts;        /* or capture time */
	const struct track_evict_hooks *evict_hooks; /* the caller's, during one */

	struct media *media;     /* RTP/RTCP (--rtp), written by the parse stage only */
	const char *corr_header; /* --correlate HEADER, or NULL */
	ingest_tap_fn tap;       /* ingest_set_tap(), called by the parse stage */
	void *tap_ctx;
	int no_track;            /* measuring what tracking costs: skip it */
	void (*batch_fn)(void *ctx); /* ingest_set_batch_hook() */
	void *batch_ctx;
	char *warnings[MAX_WARNINGS];
	size_t nwarnings;
};

/* The parse stage's end: one parsed message handed to the track stage.
 * Its bytes can be read again from the capture file at f->rec_off +
 * in_frame when `in_file`; otherwise they are spooled. */
int ingest_emit(struct ingest *in, const struct frame *f, const struct l4_packet *pkt,
                const struct sip_msg *m, const char *bytes, size_t len, int in_file,
                size_t in_frame, uint8_t transport, uint8_t extra_flags);

/* A whole SIP message in one piece (a datagram, a HEP payload, a
 * WebSocket message): parsed and emitted (returns 1), or counted as not
 * SIP (returns 0). */
int ingest_message(struct ingest *in, const struct frame *f, const struct l4_packet *pkt,
                   const char *bytes, size_t len, int in_file, size_t in_frame,
                   uint8_t transport, uint8_t extra_flags);

/* Offset of the next line that starts, or may start, a SIP message (a
 * last line still being received counts), or len. */
size_t ingest_sip_resync_point(struct ingest *in, const char *p, size_t len);

/* TCP (ingest_tcp.c): one segment; and, at the end of input, the data
 * held behind holes. */
void ingest_tcp(struct ingest *in, const struct frame *f, const struct l4_packet *pkt);
void ingest_tcp_flush_all(struct ingest *in);
/* tcp_table_on_forget() hook: a SIP flow's unfinished message is given up. */
void ingest_tcp_forget(void *ctx, struct tcp_flow *fl, int why);
/* The reason a given-up message is flagged with. */
extern const char ingest_unfinished_reason[];
/* Parse what a TCP or inner flow has ready (-1: the TCP flow was dropped). */
int ingest_stream_parse(struct ingest *in, const struct frame *f, struct tcp_flow *fl);
/* Does a WebSocket data frame whose payload begins like SIP start at p? */
int ingest_ws_carries_sip(struct ingest *in, const uint8_t *p, size_t n);
void ingest_add_warning(struct ingest *in, const char *text);

/* TLS (ingest_tls.c). */
void ingest_tls_open(struct ingest *in, const struct frame *f, struct tcp_app *app,
                     const struct l4_packet *pkt);
int ingest_tls_stream(struct ingest *in, const struct frame *f, struct tcp_flow *fl);
void ingest_tls_release(struct ingest *in, struct tcp_app *app);
void ingest_tls_finish(struct ingest *in);
void ingest_tls_free_env(struct ingest *in);
void ingest_tls_close_all(struct ingest *in);

#endif
