/* cmd_audio.c - sipscope audio: a call's RTP streams decoded to WAV.
 *
 * The options and what is printed; picking the streams, the second read
 * of the captures and the WAV writer are audio_out.h's (the viewer's save
 * and play use the same). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "sipscope/audio.h"
#include "sipscope/audio_out.h"
#include "sipscope/codec.h"
#include "sipscope/escape.h"

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

/* "OUT.wav" -> "OUT-<tag>.wav" (the .wav kept last). */
static void name_with(char *buf, size_t cap, const char *out, const char *tag)
{
	size_t n = strlen(out);
	if (n > 4 && !strcasecmp(out + n - 4, ".wav"))
		snprintf(buf, cap, "%.*s-%s.wav", (int)(n - 4), out, tag);
	else
		snprintf(buf, cap, "%s-%s.wav", out, tag);
}

/* Nothing to write (no stream can be decoded): the streams are still
 * laid out, for their counts (telephone-events, undecodable packets). */
static int count_only(struct audio_out *ao, const size_t *which, size_t n)
{
	if (audio_out_write(ao, which, n, 1, NULL, NULL) < 0) {
		fprintf(stderr, "sipscope: out of memory laying out the audio\n");
		return EXIT_USAGE;
	}
	return 0;
}

/* Picks which[0..n) on `channels` to path ("-": standard output). */
static int write_wav(struct audio_out *ao, const size_t *which, size_t n, unsigned channels,
                     const char *path)
{
	struct audio_out_wav res;
	char err[4200];
	int rc = audio_out_save(ao, which, n, channels, path, &res, err, sizeof err);
	if (rc == AUDIO_OUT_ENOMEM) {
		fprintf(stderr, "sipscope: out of memory laying out the audio\n");
		return EXIT_USAGE;
	}
	if (rc < 0) {
		fprintf(stderr, "sipscope: %s\n", err);
		return EXIT_USAGE;
	}
	fprintf(stderr, "sipscope: %s: %.2f s, %s, %u Hz\n", strcmp(path, "-") ? path : "standard output",
	        (double)res.frames / res.rate, channels == 2 ? "stereo" : "mono", (unsigned)res.rate);
	return 0;
}

/* What became of each stream: one line on standard error. */
static int report(const struct media *m, const struct audio_out_pick *p,
                  const struct audio_stream_info *in)
{
	const struct media_stream *s = media_stream(m, p->stream);
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
	struct audio_out *ao = audio_out_new();
	if (!ao)
		rc = -2;
	for (size_t i = 0; i < ncalls && !rc; i++)
		if (audio_out_pick_call(ao, l->store, l->tracker, m, calls[i],
		                        o->audio_ssrc_given ? &o->audio_ssrc : NULL) < 0)
			rc = -2;
	if (rc == -2) {
		fprintf(stderr, "sipscope: out of memory\n");
		rc = EXIT_USAGE;
	}
	size_t npicks = rc ? 0 : audio_out_count(ao);
	if (!rc && !npicks) {
		fprintf(stderr, "sipscope: no RTP stream%s in the call%s chosen\n",
		        o->audio_ssrc_given ? " with that SSRC" : "", ncalls > 1 ? "s" : "");
		rc = EXIT_USAGE;
	}
	if (!rc) {
		struct audio_out_source src = { o->files, o->nfiles, o->bpf, &o->tls, o->correlate };
		char warn[512], err[512];
		int r = audio_out_collect(ao, &src, warn, sizeof warn, err, sizeof err);
		if (r < 0) {
			fprintf(stderr, "sipscope: %s\n", err);
			rc = EXIT_USAGE;
		} else if (warn[0]) {
			fprintf(stderr, "sipscope: warning: %s\n", warn);
		}
	}
	int undecodable = 0;
	size_t *which = npicks ? malloc(npicks * sizeof *which) : NULL;
	if (!rc && !which) {
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
			if (audio_out_at(ao, i)->call == calls[c])
				which[n++] = i;
		if (!n && ncalls > 1) {
			fprintf(stderr, "sipscope: call %u: no RTP stream%s\n", (unsigned)calls[c],
			        o->audio_ssrc_given ? " with that SSRC" : "");
			continue;
		}
		if (o->audio_split) {
			for (size_t k = 0; k < n && !rc; k++) {
				size_t i = which[k];
				const struct audio_out_pick *p = audio_out_at(ao, i);
				if (!audio_out_info(ao, i)->decodable) {
					rc = count_only(ao, &i, 1);
					continue;
				}
				/* Two streams of one SSRC (both ways from one
				 * source's recording): the later ones get -2, -3... */
				unsigned same = 1;
				for (size_t j = 0; j < k; j++)
					same += audio_out_at(ao, which[j])->ssrc == p->ssrc;
				char sp[4096];
				if (same > 1)
					snprintf(tag, sizeof tag, "%08x-%u", (unsigned)p->ssrc, same);
				else
					snprintf(tag, sizeof tag, "%08x", (unsigned)p->ssrc);
				name_with(sp, sizeof sp, out, tag);
				rc = write_wav(ao, &i, 1, 1, sp);
			}
		} else if (audio_out_any_decodable(ao, which, n)) {
			rc = write_wav(ao, which, n, o->audio_ssrc_given ? 1 : 2, out);
		} else {
			rc = count_only(ao, which, n);
			if (!rc)
				fprintf(stderr, "sipscope: call %u: no stream to hear: %s not written\n",
				        (unsigned)calls[c], out);
		}
		for (size_t k = 0; k < n && !rc; k++)
			undecodable |= report(m, audio_out_at(ao, which[k]), audio_out_info(ao, which[k]));
	}
	free(which);
	free(calls);
	audio_out_free(ao);
	if (!rc && undecodable)
		rc = EXIT_PARTIAL;
	return rc;
}

const struct cli_cmd cmd_audio = { "audio", audio_help, run_audio };
