/* ingest.c - decode -> SIP parse -> store -> track.
 *
 * Two stages: the parse stage (decode, reassemble, parse, spool bytes
 * that exist nowhere else, hash the keys) and the track stage (intern
 * strings and endpoints, append the record, transactions, dialogs, calls).
 * Frame by frame they run back to back (ingest_frame).  For a whole capture
 * (ingest_run) the parse stage runs on a worker thread and hands batches
 * of items to the calling thread: on a 2-core machine that is close to
 * twice the speed.  The parse stage writes only the spool, the track stage
 * the rest of the store, so the two never touch the same data. */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_int.h"
#include "sipscope/vec.h"

/* A TCP flow is going: a TLS direction lets go of its connection. */
static void app_freed(void *ctx, struct tcp_app *app)
{
	if (app->kind == TCP_APP_TLS)
		ingest_tls_release(ctx, app);
}

struct ingest *ingest_new(struct store *s, struct tracker *t)
{
	struct ingest *in = calloc(1, sizeof *in);
	if (!in)
		return NULL;
	in->s = s;
	in->t = t;
	in->dec = decoder_new();
	in->tcp = tcp_table_new();
	if (!in->dec || !in->tcp) {
		ingest_free(in);
		return NULL;
	}
	tcp_table_on_app_free(in->tcp, app_freed, in);
	tcp_table_on_forget(in->tcp, ingest_tcp_forget, in);
	return in;
}

void ingest_free(struct ingest *in)
{
	if (!in)
		return;
	decoder_free(in->dec);
	if (in->tls_side)
		ingest_tls_close_all(in);
	tcp_table_free(in->tcp);
	ingest_tls_free_env(in);
	media_free(in->media);
	free(in->ring);
	free(in->tls);
	free(in->first_frames);
	for (size_t i = 0; i < in->nwarnings && i < MAX_WARNINGS; i++)
		free(in->warnings[i]);
	free(in);
}

const struct ingest_stats *ingest_stats(const struct ingest *in)
{
	struct ingest *w = (struct ingest *)in;
	w->st.store_errors += w->track_errors;
	w->st.sip_msgs += w->track_msgs;
	w->st.malformed += w->track_malformed;
	w->track_errors = w->track_msgs = w->track_malformed = 0;
	return &in->st;
}

void ingest_keep_frame_ranges(struct ingest *in, int on) { in->keep_ranges = on; }

uint64_t ingest_first_frame(const struct ingest *in, size_t idx)
{
	return in->keep_ranges && idx < in->cap_first ? in->first_frames[idx] : 0;
}

struct store *ingest_store(const struct ingest *in) { return in->s; }

size_t ingest_tls_count(const struct ingest *in) { return in->ntls; }

const struct ingest_tls *ingest_tls(const struct ingest *in, size_t i)
{
	return i < in->ntls ? &in->tls[i] : NULL;
}

const struct decode_stats *ingest_decode_stats(const struct ingest *in)
{
	return decoder_stats(in->dec);
}

const struct tcp_stats *ingest_tcp_stats(const struct ingest *in)
{
	return tcp_table_stats(in->tcp);
}

size_t ingest_warning_count(const struct ingest *in) { return in->nwarnings; }

void ingest_set_correlate(struct ingest *in, const char *header) { in->corr_header = header; }

void ingest_set_tracking(struct ingest *in, int on) { in->no_track = !on; }

void ingest_set_tap(struct ingest *in, ingest_tap_fn fn, void *ctx)
{
	in->tap = fn;
	in->tap_ctx = ctx;
}

int ingest_set_media(struct ingest *in, int on)
{
	if (!on) {
		media_free(in->media);
		in->media = NULL;
		return 0;
	}
	if (!in->media && !(in->media = media_new()))
		return -1;
	return 0;
}

struct media *ingest_media(const struct ingest *in) { return in->media; }

const char *ingest_warning(const struct ingest *in, size_t i)
{
	return i < in->nwarnings && i < MAX_WARNINGS ? in->warnings[i] : NULL;
}

_Static_assert(3 * STR_CAP <= BATCH_ARENA, "an item's strings must fit an empty batch");

/* Copy v into the batch arena (the caller made room). */
static struct sv arena_copy(struct batch *b, struct sv v)
{
	if (!v.p)
		return SV_NULL;
	char *d = b->arena + b->used;
	memcpy(d, v.p, v.len);
	b->used += v.len;
	return sv_make(d, v.len);
}

static void batch_publish(struct ingest *in)
{
	pthread_mutex_lock(&in->lock);
	in->tail = (in->tail + 1) % RING;
	in->count++;
	pthread_cond_signal(&in->nonempty);
	while (in->count == RING)
		pthread_cond_wait(&in->nonfull, &in->lock);
	in->cur = &in->ring[in->tail];
	pthread_mutex_unlock(&in->lock);
	in->cur->n = in->cur->used = 0;
}

/* The track stage: addresses and strings interned, the record appended,
 * transaction/dialog/call ids assigned.  The only writer of the store's
 * records, strings and endpoints (the parse stage only spools bytes). */
static void consume(struct ingest *in, struct item *it)
{
	struct store_msg *r = &it->rec;
	r->src = store_endpoint_id_hashed(in->s, &it->src, it->h_src);
	r->dst = store_endpoint_id_hashed(in->s, &it->dst, it->h_dst);
	if (sv_is_set(it->call_id)) {
		/* A known call gives its interned Call-ID without a string
		 * compare; a new one has it and its From/To URIs interned. */
		uint32_t call = track_find_call(in->t, it->ti.h_call_id);
		if (call) {
			r->call_id = track_call(in->t, call - 1)->call_id;
		} else {
			r->call_id = store_intern_hashed(in->s, it->call_id, it->ti.h_call_id);
			it->ti.from_uri = sv_is_set(it->from_uri) ? store_intern(in->s, it->from_uri) : 0;
			it->ti.to_uri = sv_is_set(it->to_uri) ? store_intern(in->s, it->to_uri) : 0;
		}
	}
	if (it->hep)
		r->agent = store_agent_index(in->s, it->capture_id);
	long idx = store_append_msg(in->s, r);
	if (idx < 0) {
		in->track_errors++;
		return;
	}
	in->track_msgs++;
	if (in->keep_ranges &&
	    !vec_grow((void **)&in->first_frames, &in->cap_first, (size_t)idx + 1, sizeof *in->first_frames))
		in->first_frames[idx] = it->first_frame;
	if (r->malformed)
		in->track_malformed++;
	if (!in->no_track && track_msg(in->t, (size_t)idx, &it->ti) < 0)
		in->track_errors++;
}

/* Hand a message to the track stage: at once, or in a batch whose arena
 * keeps the views alive until the other thread is done with them. */
static void deliver(struct ingest *in, struct item *it)
{
	if (!in->cur) {
		consume(in, it);
		return;
	}
	size_t need = it->call_id.len + it->from_uri.len + it->to_uri.len;
	if (in->cur->used + need > BATCH_ARENA)
		batch_publish(in); /* an empty batch always has room (STR_CAP) */
	struct batch *b = in->cur;
	struct item *c = &b->it[b->n];
	*c = *it;
	c->call_id = arena_copy(b, it->call_id);
	c->from_uri = arena_copy(b, it->from_uri);
	c->to_uri = arena_copy(b, it->to_uri);
	if (++b->n == BATCH_MSGS)
		batch_publish(in);
}

/* Strings handed between the stages have a bounded length, the same on
 * one thread or two (a hostile 100 KB Call-ID is kept, cut). */
static struct sv cap_len(struct sv v)
{
	if (v.len > STR_CAP)
		v.len = STR_CAP;
	return v;
}

int ingest_emit(struct ingest *in, const struct frame *f, const struct l4_packet *pkt,
                const struct sip_msg *m, const char *bytes, size_t len, int in_file,
                size_t in_frame, uint8_t transport, uint8_t extra_flags)
{
	struct item it;
	struct store_msg *r = &it.rec;
	memset(r, 0, sizeof *r);
	r->ts_us = pkt->hep_ts_us ? pkt->hep_ts_us : f->ts_us; /* HEP: the agent's clock */
	r->frame = f->no;
	r->loc_len = (uint32_t)len;
	r->transport = transport;
	r->flags = extra_flags;
	if (in_file) {
		r->loc_src = f->src;
		r->loc_off = f->rec_off;
		r->loc_in_frame = (uint32_t)in_frame;
	} else {
		int64_t off = store_spool(in->s, bytes, len);
		if (off < 0) {
			in->st.store_errors++;
			return -1;
		}
		r->loc_src = STORE_LOC_SPOOL;
		r->loc_off = (uint64_t)off;
	}
	if (m->is_request) {
		r->flags |= STORE_MSG_REQUEST;
		r->method = (uint8_t)sip_method_from_sv(m->method);
	} else {
		r->status = (uint16_t)m->status;
		r->method = (uint8_t)sip_method_from_sv(m->cseq_method);
	}
	r->cseq = m->cseq;
	r->malformed = m->malformed;
	if (extra_flags & STORE_MSG_SNAPCUT)
		r->malformed = "cut short by the capture (snaplen)";
	if ((extra_flags & STORE_MSG_TCPGAP) && !(m->malformed && !strncmp(m->malformed, "incomplete: ", 12)))
		r->malformed = "incomplete: TCP bytes missing (segment lost or cut by snaplen)";
	it.src = pkt->src;
	it.dst = pkt->dst;
	it.hep = pkt->hep;
	it.capture_id = pkt->hep_capture_id;
	it.first_frame = pkt->first_frame && pkt->first_frame <= f->no ? pkt->first_frame : f->no;
	it.h_src = store_endpoint_hash(&it.src);
	it.h_dst = store_endpoint_hash(&it.dst);
	it.call_id = cap_len(m->call_id);
	track_input_from_sip(&it.ti, m, in->corr_header);
	track_input_set_bytes(&it.ti, bytes, len);
	/* Calls age by when their messages came, not by the time a HEP agent
	 * writes in them (a constant one would keep every call young). */
	it.ti.arrival_us = f->arrival_us ? f->arrival_us : f->ts_us;
	if (it.call_id.len != m->call_id.len)
		it.ti.h_call_id = sv_hash(it.call_id); /* the capped Call-ID is the call's */
	it.from_uri = cap_len(sip_addr_uri(sip_header_get(m, SIP_H_FROM)));
	it.to_uri = cap_len(sip_addr_uri(sip_header_get(m, SIP_H_TO)));
	if (in->media)
		media_note_sip(in->media, m, it.ti.h_call_id, r->ts_us);
	/* HEP found inside a captured packet is not sent on: an agent that
	 * captures its own output would send it again and again.  What a
	 * collector rebuilt (f->hep) is, so one can relay to another. */
	if (in->tap && !(pkt->hep && !f->hep))
		in->tap(in->tap_ctx, &pkt->src, &pkt->dst, transport == STORE_TP_UDP ? 17 : 6, r->ts_us,
		        bytes, len, m->call_id.p, m->call_id.len);
	deliver(in, &it);
	return 0;
}

int ingest_message(struct ingest *in, const struct frame *f, const struct l4_packet *pkt,
                   const char *bytes, size_t len, int in_file, size_t in_frame,
                   uint8_t transport, uint8_t extra_flags)
{
	struct sip_msg m;
	/* The parser checks the start line first, so RTP and other UDP cost
	 * one scan to the first line break. */
	if (sip_parse(bytes, len, SIP_PARSE_DATAGRAM, &m, in->hdrs, MAX_HEADERS) <= 0) {
		in->st.not_sip++;
		return 0;
	}
	/* RFC 3261 18.3: bytes past Content-Length in a datagram are dropped;
	 * we keep the whole datagram so nothing on the wire is hidden. */
	ingest_emit(in, f, pkt, &m, bytes, len, in_file, in_frame, transport, extra_flags);
	return 1;
}

static void ingest_udp(struct ingest *in, const struct frame *f, const struct l4_packet *pkt)
{
	int cut = pkt->len < pkt->wire_len;
	int in_file = f->seekable && pkt->payload_off != SIZE_MAX;
	/* HEP says which transport carried the message it wraps, and the
	 * message is whole whatever that was (the agent reassembled it). */
	uint8_t tp = pkt->hep && pkt->proto == 6 ? STORE_TP_TCP : STORE_TP_UDP;
	/* RTP and RTCP start with version 2 (0x80-0xbf), SIP with a letter. */
	if (in->media && !pkt->hep && !cut && pkt->len >= 12 && (pkt->payload[0] & 0xc0) == 0x80 &&
	    media_udp(in->media, f->no, f->ts_us, &pkt->src, &pkt->dst, pkt->payload, pkt->len))
		return;
	ingest_message(in, f, pkt, (const char *)pkt->payload, pkt->len, in_file, pkt->payload_off, tp,
	               cut ? STORE_MSG_SNAPCUT : 0);
}

int ingest_raw_message(struct ingest *in, uint64_t frame, int64_t ts_us,
                       const struct store_endpoint *src, const struct store_endpoint *dst,
                       uint8_t transport, uint32_t capture_id, const char *bytes, size_t len)
{
	struct frame f;
	memset(&f, 0, sizeof f);
	f.no = frame;
	/* A database's time_us may hold anything: kept where frames' times
	 * are, so that timers added to it cannot overflow. */
	if (ts_us > PCAP_SRC_TS_MAX_US)
		ts_us = PCAP_SRC_TS_MAX_US;
	else if (ts_us < -PCAP_SRC_TS_MAX_US)
		ts_us = -PCAP_SRC_TS_MAX_US;
	f.ts_us = ts_us;
	struct l4_packet pkt;
	memset(&pkt, 0, sizeof pkt);
	pkt.src = *src;
	pkt.dst = *dst;
	pkt.proto = transport == STORE_TP_UDP ? 17 : 6;
	pkt.payload_off = SIZE_MAX;
	if (capture_id) { /* kept as HEP: the agent's id and time */
		pkt.hep = 3;
		pkt.hep_capture_id = capture_id;
		pkt.hep_ts_us = ts_us;
	}
	uint64_t errs = in->st.store_errors + in->track_errors;
	int rc = ingest_message(in, &f, &pkt, bytes, len, 0, 0, transport, 0);
	return in->st.store_errors + in->track_errors != errs ? -1 : rc;
}

void ingest_finish(struct ingest *in)
{
	ingest_tcp_flush_all(in);
}

static int parse_frame(struct ingest *in, const struct frame *f)
{
	struct l4_packet pkt;
	in->st.frames++;
	uint64_t before = in->st.store_errors;
	enum decode_status st = decoder_frame_no(in->dec, f->no, f->dlt, f->data, f->caplen, f->ts_us, &pkt);
	if (st == DECODE_TRUNCATED || st == DECODE_MALFORMED) {
		in->st.bad_frames++;
		return 0;
	}
	if (st != DECODE_OK)
		return 0;
	if (f->hep) { /* a collector rebuilt it from an agent's HEP packet */
		pkt.hep = f->hep;
		pkt.hep_capture_id = f->hep_capture_id;
	}
	if (pkt.proto == 17 || pkt.hep)
		ingest_udp(in, f, &pkt);
	else if (pkt.proto == 6)
		ingest_tcp(in, f, &pkt);
	return in->st.store_errors == before ? 0 : -1;
}

int ingest_frame(struct ingest *in, const struct frame *f)
{
	uint64_t before = in->track_errors;
	int rc = parse_frame(in, f);
	return rc == 0 && in->track_errors == before ? 0 : -1;
}

void ingest_add_warning(struct ingest *in, const char *text)
{
	if (in->nwarnings < MAX_WARNINGS)
		in->warnings[in->nwarnings] = strdup(text);
	in->nwarnings++;
}

#define HOOK_FRAMES 512 /* one thread: frames between two batch hooks */

/* hook: this is the track stage too (one thread), so it calls the batch
 * hook now and then; the parse stage of a threaded run does not. */
static void run_serial(struct ingest *in, struct pcap_src *src, int hook)
{
	struct frame f;
	int rc;
	unsigned nframes = 0;
	while ((rc = pcap_src_next(src, &f)) != PCAP_SRC_END) {
		if (hook && in->batch_fn && ++nframes % HOOK_FRAMES == 0)
			in->batch_fn(in->batch_ctx);
		if (rc == PCAP_SRC_WARNING) {
			ingest_add_warning(in, pcap_src_warning(src));
		} else if (rc == PCAP_SRC_AGAIN) { /* live: wait for frames */
			struct pollfd pfd = { .fd = pcap_src_fd(src), .events = POLLIN };
			if (pfd.fd >= 0)
				poll(&pfd, 1, 100);
		} else {
			parse_frame(in, &f);
		}
	}
	ingest_tcp_flush_all(in);
}

struct producer {
	struct ingest *in;
	struct pcap_src *src;
};

static void *producer_main(void *arg)
{
	struct producer *p = arg;
	struct ingest *in = p->in;
	run_serial(in, p->src, 0);
	pthread_mutex_lock(&in->lock);
	if (in->cur->n) {
		in->tail = (in->tail + 1) % RING;
		in->count++;
	}
	in->done = 1;
	pthread_cond_signal(&in->nonempty);
	pthread_mutex_unlock(&in->lock);
	return NULL;
}

int ingest_run(struct ingest *in, struct pcap_src *src)
{
	pthread_t th;
	struct producer p = { in, src };
	if (!in->ring)
		in->ring = malloc(RING * sizeof *in->ring);
	if (!in->ring || pthread_mutex_init(&in->lock, NULL) != 0) {
		run_serial(in, src, 1); /* no memory for the ring: one thread */
		return 0;
	}
	pthread_cond_init(&in->nonempty, NULL);
	pthread_cond_init(&in->nonfull, NULL);
	in->head = in->tail = in->count = 0;
	in->done = 0;
	in->cur = &in->ring[0];
	in->cur->n = in->cur->used = 0;
	if (pthread_create(&th, NULL, producer_main, &p) != 0) {
		in->cur = NULL;
		run_serial(in, src, 1);
	} else {
		for (;;) {
			pthread_mutex_lock(&in->lock);
			while (in->count == 0 && !in->done)
				pthread_cond_wait(&in->nonempty, &in->lock);
			if (in->count == 0) {
				pthread_mutex_unlock(&in->lock);
				break;
			}
			struct batch *b = &in->ring[in->head];
			pthread_mutex_unlock(&in->lock);
			for (size_t i = 0; i < b->n; i++) {
				/* The hashes are known ahead: start the table loads of a
				 * later message while this one is tracked. */
				if (i + PREFETCH_AHEAD < b->n) {
					const struct item *a = &b->it[i + PREFETCH_AHEAD];
					track_prefetch_call(in->t, a->ti.h_call_id);
					track_prefetch(in->t, &a->ti);
				}
				consume(in, &b->it[i]);
			}
			pthread_mutex_lock(&in->lock);
			in->head = (in->head + 1) % RING;
			in->count--;
			pthread_cond_signal(&in->nonfull);
			pthread_mutex_unlock(&in->lock);	if (in->batch_fn)
				in->batch_fn(in->batch_ctx);
		}
		pthread_join(th, NULL);
		in->cur = NULL;
	}
	pthread_cond_destroy(&in->nonempty);
	pthread_cond_destroy(&in->nonfull);
	pthread_mutex_destroy(&in->lock);
	return 0;
}

static void evicting(void *ctx, uint32_t root)
{
	struct ingest *in = ctx;
	if (in->evict_hooks && in->evict_hooks->evicting)
		in->evict_hooks->evicting(in->evict_hooks->ctx, root);
}

static int call_kept(void *ctx, uint64_t h_call_id)
{
	return track_find_call(ctx, h_call_id) != 0;
}

static void remapped(void *ctx, const uint32_t *call_map, size_t ncalls, const uint32_t *msg_map,
                     size_t nmsgs)
{
	struct ingest *in = ctx;
	if (in->media) {
		media_evict(in->media, call_kept, in->t, store_last_ts(in->s) - TRACK_EVICT_QUIET_US);
	}
	if (in->keep_ranges) {
		size_t n = 0;
		for (size_t i = 0; i < nmsgs && i < in->cap_first; i++)
			if (msg_map[i])
				in->first_frames[(n = msg_map[i]) - 1] = in->first_frames[i];
		if (n < in->cap_first)
			memset(in->first_frames + n, 0, (in->cap_first - n) * sizeof *in->first_frames);
	}
	if (in->evict_hooks && in->evict_hooks->remapped)
		in->evict_hooks->remapped(in->evict_hooks->ctx, call_map, ncalls, msg_map, nmsgs);
}

size_t ingest_calls_cap(size_t max_calls)
{
	return max_calls * 2 > max_calls + INGEST_CAP_ROOM ? max_calls * 2 : max_calls + INGEST_CAP_ROOM;
}

void ingest_set_batch_hook(struct ingest *in, void (*fn)(void *ctx), void *ctx)
{
	in->batch_fn = fn;
	in->batch_ctx = ctx;
}

static long evict_capped(struct ingest *in, size_t max_calls, size_t cap,
                         const struct track_evict_hooks *hooks);

long ingest_evict(struct ingest *in, size_t max_calls, const struct track_evict_hooks *hooks)
{
	return evict_capped(in, max_calls, ingest_calls_cap(max_calls), hooks);
}

long ingest_evict_finished(struct ingest *in, size_t keep, const struct track_evict_hooks *hooks)
{
	return evict_capped(in, keep, 0, hooks);
}

static long evict_capped(struct ingest *in, size_t max_calls, size_t cap,
                         const struct track_evict_hooks *hooks)
{
	size_t slack = max_calls / 8, roots = track_root_count(in->t);
	int64_t now = track_last_arrival(in->t);
	if (!max_calls || roots <= max_calls + slack || (roots < in->evict_at && now < in->evict_ts))
		return 0;
	struct track_evict_hooks mine = { evicting, remapped, in };
	in->evict_hooks = hooks;
	long n = track_evict(in->t, max_calls, cap, TRACK_EVICT_QUIET_US, &mine);
	in->evict_hooks = NULL;
	/* Too few calls had finished: try again when more have come, or
	 * when time may have finished some. */
	in->evict_at = track_root_count(in->t) + slack + 1;
	in->evict_ts = now + TRACK_EVICT_QUIET_US / 4;
	return n;
}
