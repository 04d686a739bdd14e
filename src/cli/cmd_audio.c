/* cmd_audio.c - sipscope audio: a call's RTP streams decoded to WAV.
 *
 * The first read of the captures (load()) found the calls and their
 * streams; the captures are read a second time with a tap on the media
 * tracker that hands the chosen streams' payloads (SRTP ones decrypted)
 * to the timeline (audio.h), which is then written as WAV (wav.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "sipscope/audio.h"
#include "sipscope/codec.h"
#include "sipscope/escape.h"
#include "sipscope/sdp.h"
#include "sipscope/wav.h"

static const char audio_help[] =
	"Usage: sipscope audio -r FILE [-r FILE...] -c ID -o OUT.wav [--split]\n"
	"                      [--stream SSRC] [BPF]\n"
	"\n"
	"Decode the RTP streams of a call (-c: a number from the calls list, or a\n"
	"Call-ID) and write them as a 16-bit PCM WAV file: stereo, the caller's\n"
	"direction (the side that sent the INVITE) on the left channel, the\n"
	"callee's on the right, both on one timeline that starts at the call's\n"
	"first media packet.  Each stream starts where its first packet arrived;\n"
	"its packets go in RTP sequence order, placed by their RTP timestamps\n"
	"(reordered packets land where they belong, a lost packet is silence,\n"
	"duplicates count once), anchored again to the arrival time when the two\n"
	"drift more than 1 s apart (hold, timestamp jump).  Comfort noise (RFC\n"
	"3389, G.729 Annex B) is low noise at the level it gives, until the next\n"
	"packet; DTMF events (RFC 4733) are not audio: their digits are printed.\n"
	"SRTP streams are decoded when their SDES keys are in the SDP.\n"
	"\n"
	"  -o FILE          the WAV to write; '-': standard output (not a terminal;\n"
	"                   the sizes in the header are then 0xFFFFFFFF, as for a\n"
	"                   stream)\n"
	"  --split          one mono WAV per stream, FILE-<ssrc>.wav (FILE without\n"
	"                   its .wav; -<ssrc>-2.wav for a second stream of one SSRC),\n"
	"                   each on its own timeline\n"
	"  --stream SSRC    only the stream with this SSRC (hex 0x1234abcd or\n"
	"                   decimal), as a mono WAV\n"
	"\n"
	"Codecs: G.711 mu-law (PCMU) and A-law (PCMA), L16 always; G.722\n"
	"(libspandsp), G.729/G.729A (libbcg729), Opus (libopus), GSM (libgsm) when\n"
	"built with their library ('sipscope --version' lists this binary's).  A\n"
	"lost packet is silence, or the codec's concealment (G.729, Opus).  A\n"
	"stream in another codec is named with its codec; the others are still\n"
	"written, and the exit status is 1.  Several calls (-c 1,2):\n"
	"FILE-<call>.wav for each.\n";

/* One stream of a chosen call. */
struct pick {
	uint32_t call;
	size_t pass1;        /* index in the first read's media */
	struct store_endpoint src, dst;
	uint32_t ssrc;
	long id;             /* in the timeline */
	int side;            /* 0 caller's direction (left), 1 callee's (right) */
};

struct collect {
	struct audio *a;
	struct media *m2;    /* the second read's media tracker */
	const struct pick *picks;
	size_t npicks;
	long *map;           /* second read's stream index -> pick + 1, -1 none */
	size_t cap_map;
	int nomem;
};

/* The tap on the second read: a chosen stream's packet to the timeline. */
static void on_rtp(void *ctx, size_t stream, const struct media_rtp_pkt *k)
{
	struct collect *c = ctx;
	if (stream >= c->cap_map) {
		size_t cap = c->cap_map ? c->cap_map : 64;
		while (cap <= stream)
			cap *= 2;
		long *map = realloc(c->map, cap * sizeof *map);
		if (!map) {
			c->nomem = 1;
			return;
		}
		for (size_t i = c->cap_map; i < cap; i++)
			map[i] = 0;
		c->map = map;
		c->cap_map = cap;
	}
	if (!c->map[stream]) {
		const struct media_stream *s = media_stream(c->m2, stream);
		c->map[stream] = -1;
		for (size_t i = 0; i < c->npicks; i++)
			if (c->picks[i].ssrc == s->ssrc && store_endpoint_equal(&c->picks[i].src, &s->src) &&
			    store_endpoint_equal(&c->picks[i].dst, &s->dst))
				c->map[stream] = (long)i + 1;
	}
	if (c->map[stream] > 0 && audio_packet(c->a, c->picks[c->map[stream] - 1].id, k) < 0)
		c->nomem = 1;
}

#define MAX_EPS 16
struct sides {
	struct store_endpoint ep[2][MAX_EPS]; /* [0] caller's media addresses, [1] callee's */
	size_t n[2];
};

/* The media addresses each side announced in the call's first INVITE
 * transaction: the INVITE's and ACK's SDP are the caller's, the
 * responses' the callee's (late offer too: the 200 offers, the ACK
 * answers). */
static void find_sides(const struct loaded *l, uint32_t call, struct sides *sd)
{
	memset(sd, 0, sizeof *sd);
	size_t *idx;
	long n = track_call_messages(l->tracker, call, &idx);
	if (n <= 0)
		return;
	uint32_t cseq = 0, cid = 0;
	int have = 0;
	for (long i = 0; i < n; i++) {
		struct store_msg *r = store_msg_at(l->store, idx[i]);
		int req = r->flags & STORE_MSG_REQUEST;
		if (!have) {
			if (!req || r->method != SIP_M_INVITE)
				continue;
			have = 1;
			cseq = r->cseq;
			cid = r->call_id;
		}
		if (r->call_id != cid || r->cseq != cseq)
			continue;
		if (req && r->method != SIP_M_INVITE && r->method != SIP_M_ACK)
			continue;
		if (!req && r->method != SIP_M_INVITE)
			continue;
		size_t len;
		const char *b = store_msg_bytes(l->store, idx[i], &len);
		struct sip_msg m;
		struct sip_header hdrs[96];
		struct sdp sdp;
		if (!b || sip_parse(b, len, SIP_PARSE_DATAGRAM, &m, hdrs, 96) <= 0)
			continue;
		struct sv body = sip_body_sdp(&m);
		if (!sv_is_set(body) || !body.len || sdp_parse(body.p, body.len, &sdp) < 0)
			continue;
		int side = req ? 0 : 1;
		for (size_t k = 0; k < sdp.nmedia && sd->n[side] < MAX_EPS; k++) {
			struct store_endpoint ep;
			if (sdp.media[k].port && media_sdp_endpoint(sdp.media[k].conn, sdp.media[k].port, &ep) == 0)
				sd->ep[side][sd->n[side]++] = ep;
		}
	}
	free(idx);
}

static int in_set(const struct sides *sd, int side, const struct store_endpoint *ep)
{
	for (size_t i = 0; i < sd->n[side]; i++)
		if (store_endpoint_equal(&sd->ep[side][i], ep))
			return 1;
	return 0;
}

/* 0: the caller sends it (to the callee's address, or from its own),
 * 1: the callee does, -1: the SDP does not say. */
static int stream_side(const struct sides *sd, const struct media_stream *s)
{
	if (in_set(sd, 1, &s->dst) || in_set(sd, 0, &s->src))
		return 0;
	if (in_set(sd, 0, &s->dst) || in_set(sd, 1, &s->src))
		return 1;
	return -1;
}

/* The call's streams (those --stream keeps), with their side. */
static int pick_streams(const struct opts *o, const struct loaded *l, const struct media *m,
                        uint32_t call, struct pick **picks, size_t *n, size_t *cap)
{
	struct sides sd;
	find_sides(l, call, &sd);
	int unknown_side = 0;
	size_t first = *n;
	for (size_t i = 0; i < media_stream_count(m); i++) {
		const struct media_stream *s = media_stream(m, i);
		uint32_t leg = s->h_call_id ? track_find_call(l->tracker, s->h_call_id) : 0;
		if (!leg || track_call_root(l->tracker, leg) != call)
			continue;
		if (o->audio_ssrc_given && s->ssrc != o->audio_ssrc)
			continue;
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 16;
			struct pick *p = realloc(*picks, nc * sizeof *p);
			if (!p)
				return -1;
			*picks = p;
			*cap = nc;
		}
		struct pick *p = &(*picks)[(*n)++];
		p->call = call;
		p->pass1 = i;
		p->src = s->src;
		p->dst = s->dst;
		p->ssrc = s->ssrc;
		p->id = -1;
		p->side = stream_side(&sd, s);
		unknown_side |= p->side < 0;
	}
	/* No SDP to tell (or NAT on both sides): the stream that came first
	 * is the caller's, a stream the other way the callee's. */
	for (size_t i = first; unknown_side && i < *n; i++) {
		struct pick *p = &(*picks)[i];
		if (p->side >= 0)
			continue;
		const struct media_stream *s = media_stream(m, p->pass1);
		const struct media_stream *f = media_stream(m, (*picks)[first].pass1);
		p->side = i == first || store_endpoint_equal(&s->src, &f->src) ? 0 : 1;
	}
	return 0;
}

/* The second read of the captures, handing the picks' packets to a. */
static int collect(const struct opts *o, struct audio *a, const struct pick *picks, size_t n)
{
	char err[512];
	struct pcap_src *src = pcap_src_open(o->files, o->nfiles, err, sizeof err);
	if (!src || (o->bpf[0] && pcap_src_set_filter(src, o->bpf, err, sizeof err) < 0)) {
		fprintf(stderr, "sipscope: %s\n", err);
		pcap_src_close(src);
		return EXIT_USAGE;
	}
	struct store *s = store_new();
	struct tracker *t = s ? track_new(s) : NULL;
	struct ingest *in = t ? ingest_new(s, t) : NULL;
	struct collect c = { .a = a, .picks = picks, .npicks = n };
	int rc = 0;
	if (!in || ingest_set_media(in, 1) < 0) {
		fprintf(stderr, "sipscope: out of memory\n");
		rc = EXIT_USAGE;
	} else if (load_tls(in, &o->tls, 0) < 0) {
		rc = EXIT_USAGE;
	} else {
		ingest_set_correlate(in, o->correlate);
		store_set_fetcher(s, pcap_src_fetch, src);
		pcap_src_on_secrets(src, ingest_on_secrets, in);
		c.m2 = ingest_media(in);
		media_set_rtp_hook(c.m2, on_rtp, &c);
		ingest_run(in, src);
		if (c.nomem) {
			fprintf(stderr, "sipscope: out of memory reading the streams' packets\n");
			rc = EXIT_USAGE;
		}
	}
	free(c.map);
	ingest_free(in);
	track_free(t);
	store_free(s);
	pcap_src_close(src);
	return rc;
}

/* "OUT.wav" -> "OUT-<tag>.wav" (the .wav kept last). */
static void name_with(char *buf, size_t cap, const char *out, const char *tag)
{
	size_t n = strlen(out);
	if (n > 4 && !strcasecmp(out + n - 4, ".wav"))
		snprintf(buf, cap, "%.*s-%s.wav", (int)(n - 4), out, tag);
	else
		snprintf(buf, cap, "%s-%s.wav", out, tag);
}

static int any_decodable(const struct audio *a, const long *ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (audio_info(a, ids[i])->decodable)
			return 1;
	return 0;
}

/* Nothing to write (no stream can be decoded): the streams are still
 * laid out, for their counts (telephone-events, undecodable packets). */
static int count_only(struct audio *a, const long *ids, const int *chan, size_t n)
{
	int16_t *pcm;
	size_t frames;
	uint32_t rate;
	if (audio_render(a, ids, chan, n, 1, &pcm, &frames, &rate) < 0) {
		fprintf(stderr, "sipscope: out of memory laying out the audio\n");
		return EXIT_USAGE;
	}
	free(pcm);
	return 0;
}

/* Render ids[0..n) on chan[] to path ("-": standard output). */
static int write_wav(struct audio *a, const long *ids, const int *chan, size_t n, unsigned channels,
                     const char *path)
{
	int16_t *pcm;
	size_t frames;
	uint32_t rate;
	if (audio_render(a, ids, chan, n, channels, &pcm, &frames, &rate) < 0) {
		fprintf(stderr, "sipscope: out of memory laying out the audio\n");
		return EXIT_USAGE;
	}
	int to_stdout = !strcmp(path, "-");
	FILE *f = to_stdout ? stdout : fopen(path, "wb");
	if (!f) {
		fprintf(stderr, "sipscope: cannot write %s: %s\n", path, strerror(errno));
		free(pcm);
		return EXIT_USAGE;
	}
	struct wav_writer *w = wav_open(f, rate, channels);
	int bad = !w || wav_write(w, pcm, frames) < 0;
	if (w && wav_close(w) < 0)
		bad = 1;
	if (!to_stdout && fclose(f) != 0)
		bad = 1;
	free(pcm);
	if (bad) {
		fprintf(stderr, "sipscope: cannot write %s\n", to_stdout ? "standard output" : path);
		return EXIT_USAGE;
	}
	fprintf(stderr, "sipscope: %s: %.2f s, %s, %u Hz\n", to_stdout ? "standard output" : path,
	        (double)frames / rate, channels == 2 ? "stereo" : "mono", (unsigned)rate);
	return 0;
}

/* What became of each stream: one line on standard error. */
static int report(const struct media *m, const struct pick *p, const struct audio_stream_info *in)
{
	const struct media_stream *s = media_stream(m, p->pass1);
	char a[64], b[64], codec[96];
	store_endpoint_format(&s->src, a, sizeof a);
	store_endpoint_format(&s->dst, b, sizeof b);
	esc_term_buf(codec, sizeof codec, sv_make(in->codec, strlen(in->codec)), NULL);
	fprintf(stderr, "sipscope: stream 0x%08x %s -> %s %s: ", (unsigned)s->ssrc, a, b,
	        codec[0] ? codec : "(no codec)");
	/* Voice it has no decoder for (a stream of telephone-events alone,
	 * RFC 4733, is no audio to decode). */
	int undecodable = !in->decodable && in->other_pt;
	if (undecodable) {
		fprintf(stderr, "cannot decode %s (decoders: %s): %llu packets left out\n",
		        codec[0] ? codec : "an unknown codec", codec_list(),
		        (unsigned long long)in->other_pt);
	} else if (!in->decodable) {
		fprintf(stderr, "%llu telephone-event packets (not audio)\n", (unsigned long long)in->events);
	} else {
		fprintf(stderr, "%llu packets decoded", (unsigned long long)in->decoded);
		if (in->lost)
			fprintf(stderr, ", %llu lost (%s)", (unsigned long long)in->lost,
			        in->conceals ? "concealed" : "silence");
		if (in->duplicates)
			fprintf(stderr, ", %llu duplicates", (unsigned long long)in->duplicates);
		if (in->cn)
			fprintf(stderr, ", %llu comfort noise", (unsigned long long)in->cn);
		if (in->other_pt)
			fprintf(stderr, ", %llu of another payload type (left out)",
			        (unsigned long long)in->other_pt);
		if (in->not_clear)
			fprintf(stderr, ", %llu SRTP not decrypted (left out)", (unsigned long long)in->not_clear);
		if (in->bad)
			fprintf(stderr, ", %llu unreadable", (unsigned long long)in->bad);
		if (in->reanchors)
			fprintf(stderr, ", re-anchored %llu times", (unsigned long long)in->reanchors);
		if (in->past_end)
			fprintf(stderr, ", cut at %d s", AUDIO_MAX_SECONDS);
		putc('\n', stderr);
	}
	if (s->ndtmf) {
		fprintf(stderr, "sipscope: stream 0x%08x DTMF: ", (unsigned)s->ssrc);
		for (uint32_t k = 0; k < s->ndtmf; k++)
			putc(s->dtmf[k].digit, stderr);
		putc('\n', stderr);
	}
	/* SRTP with no key (or failing authentication): nothing to hear. */
	if (in->decodable && in->not_clear && !in->decoded)
		fprintf(stderr, "sipscope: stream 0x%08x: SRTP not decrypted (no key in the SDP, or the "
		                "wrong one): left out\n", (unsigned)s->ssrc);
	return undecodable || (in->not_clear && !in->decoded);
}

static int run_audio(const struct cli_ctx *x)
{
	const struct opts *o = x->o;
	const struct loaded *l = x->l;
	if (l->from_db) {
		fprintf(stderr, "sipscope: audio reads packets; a database holds SIP messages only\n");
		return EXIT_USAGE;
	}
	const struct media *m = ingest_media(l->ingest);
	uint32_t *calls;
	size_t ncalls;
	int rc = select_calls(o, l, x->cl, &calls, &ncalls);
	if (rc)
		return rc;
	if (ncalls > 1 && !strcmp(o->output, "-")) {
		free(calls);
		fprintf(stderr, "sipscope: audio -o -: one call only (standard output holds one WAV)\n");
		return EXIT_USAGE;
	}
	struct pick *picks = NULL;
	size_t npicks = 0, cap = 0;
	struct audio *a = audio_new();
	if (!a)
		rc = -2;
	for (size_t i = 0; i < ncalls && !rc; i++)
		if (pick_streams(o, l, m, calls[i], &picks, &npicks, &cap) < 0)
			rc = -2;
	for (size_t i = 0; i < npicks && !rc; i++)
		if ((picks[i].id = audio_add_stream(a, media_stream(m, picks[i].pass1))) < 0)
			rc = -2;
	if (rc == -2) {
		fprintf(stderr, "sipscope: out of memory\n");
		rc = EXIT_USAGE;
	}
	if (!rc && !npicks) {
		fprintf(stderr, "sipscope: no RTP stream%s in the call%s chosen\n",
		        o->audio_ssrc_given ? " with that SSRC" : "", ncalls > 1 ? "s" : "");
		rc = EXIT_USAGE;
	}
	if (!rc)
		rc = collect(o, a, picks, npicks);
	int undecodable = 0;
	long *ids = npicks ? malloc(npicks * sizeof *ids) : NULL;
	int *chan = npicks ? malloc(npicks * sizeof *chan) : NULL;
	if (!rc && (!ids || !chan)) {
		fprintf(stderr, "sipscope: out of memory\n");
		rc = EXIT_USAGE;
	}
	for (size_t c = 0; c < ncalls && !rc; c++) {
		char path[4096], tag[32];
		const char *out = o->output;
		if (ncalls > 1) {
			snprintf(tag, sizeof tag, "%u", (unsigned)calls[c]);
			name_with(path, sizeof path, o->output, tag);
			out = path;
		}
		size_t n = 0;
		for (size_t i = 0; i < npicks; i++)
			if (picks[i].call == calls[c]) {
				ids[n] = picks[i].id;
				chan[n] = picks[i].side;
				n++;
			}
		if (!n && ncalls > 1) {
			fprintf(stderr, "sipscope: call %u: no RTP stream%s\n", (unsigned)calls[c],
			        o->audio_ssrc_given ? " with that SSRC" : "");
			continue;
		}
		if (o->audio_split) {
			for (size_t i = 0; i < npicks && !rc; i++) {
				if (picks[i].call != calls[c])
					continue;
				if (!audio_info(a, picks[i].id)->decodable) {
					int zero = 0;
					rc = count_only(a, &picks[i].id, &zero, 1);
					continue;
				}
				/* Two streams of one SSRC (both ways from one
				 * source's recording): the later ones get -2, -3... */
				unsigned same = 1;
				for (size_t j = 0; j < i; j++)
					same += picks[j].call == calls[c] && picks[j].ssrc == picks[i].ssrc;
				char sp[4096];
				if (same > 1)
					snprintf(tag, sizeof tag, "%08x-%u", (unsigned)picks[i].ssrc, same);
				else
					snprintf(tag, sizeof tag, "%08x", (unsigned)picks[i].ssrc);
				name_with(sp, sizeof sp, out, tag);
				int zero = 0;
				rc = write_wav(a, &picks[i].id, &zero, 1, 1, sp);
			}
		} else if (any_decodable(a, ids, n)) {
			rc = write_wav(a, ids, chan, n, o->audio_ssrc_given ? 1 : 2, out);
		} else {
			rc = count_only(a, ids, chan, n);
			if (!rc)
				fprintf(stderr, "sipscope: call %u: no stream to hear: %s not written\n",
				        (unsigned)calls[c], out);
		}
		for (size_t i = 0; i < npicks && !rc; i++)
			if (picks[i].call == calls[c])
				undecodable |= report(m, &picks[i], audio_info(a, picks[i].id));
	}
	free(ids);
	free(chan);
	free(picks);
	free(calls);
	audio_free(a);
	if (!rc && undecodable)
		rc = EXIT_PARTIAL;
	return rc;
}

const struct cli_cmd cmd_audio = { "audio", audio_help, run_audio };
