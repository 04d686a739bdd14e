/* codec.h - RTP payload decoders to 16-bit linear PCM.
 *
 * Always built in: G.711 mu-law and A-law (ITU-T G.711), L16 (RFC 3551
 * 4.5.11: big-endian 16-bit, 1 or 2 channels; 2 are mixed down to one).
 * A decoder needing a library is one more `struct codec_ops` in its own
 * file (src/media/codec_<name>.c), compiled and listed in codec.c's table
 * only when the Makefile finds the library (SIPSCOPE_HAVE_<LIB>): G.722
 * (libspandsp, 16 kHz PCM from an 8000 RTP clock), G.729/G.729A with
 * Annex B SID frames (libbcg729), Opus (libopus, 48 kHz, mono), GSM 06.10
 * (libgsm).  codec_list() says which this binary has.
 *
 * A decoder is made per stream (codecs with state: G.722, G.729, Opus
 * keep it between packets).  Library code: nothing is printed. */
#ifndef SIPSCOPE_CODEC_H
#define SIPSCOPE_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* The most samples one packet may give (120 ms of 48 kHz: Opus' longest). */
#define CODEC_MAX_SAMPLES 5760

struct codec_dec;

/* One decoder kind.  match() says whether it decodes the rtpmap encoding
 * name `name` (case-insensitive, no clock: "PCMU") at RTP clock `clock`
 * with `channels`, and the rate of the PCM it gives; new() makes a
 * decoder's state (NULL: out of memory), decode() turns one payload into
 * at most cap samples (returns how many, or -1 for a payload it cannot
 * read), conceal() fills n samples for a lost packet (silence where the
 * codec has no concealment), destroy() ends it; dtx() (NULL: never) says
 * the last payload ended in a silence descriptor (G.729 Annex B SID):
 * until the next packet the codec's comfort noise, which conceal() then
 * gives, stands for the frames the sender did not send. */
struct codec_ops {
	const char *name;
	int (*match)(const char *name, uint32_t clock, unsigned channels, uint32_t *rate);
	void *(*create)(uint32_t clock, unsigned channels);
	long (*decode)(void *st, const uint8_t *p, size_t n, int16_t *out, size_t cap);
	void (*conceal)(void *st, int16_t *out, size_t n);
	void (*destroy)(void *st);
	int (*dtx)(void *st);
};

/* A decoder for an SDP codec as media.h names it ("PCMU/8000",
 * "L16/16000/2", "opus/48000/2"; clock 0: the one in the name).  NULL
 * when no decoder is built in for it (or memory ran out: *nomem set). */
struct codec_dec *codec_dec_new(const char *codec, uint32_t clock, int *nomem);
void codec_dec_free(struct codec_dec *d);
/* The sample rate of the PCM the decoder gives (Hz). */
uint32_t codec_dec_rate(const struct codec_dec *d);
/* One payload to at most cap samples; returns how many, or -1. */
long codec_decode(struct codec_dec *d, const uint8_t *p, size_t n, int16_t *out, size_t cap);
/* n samples standing for a lost packet. */
void codec_conceal(struct codec_dec *d, int16_t *out, size_t n);
/* 1 when the codec conceals a lost packet (G.729, Opus), 0 when
 * codec_conceal() gives silence. */
int codec_conceals(const struct codec_dec *d);
/* 1 when the last payload decoded ended in a silence descriptor (see
 * struct codec_ops' dtx). */
int codec_dtx(const struct codec_dec *d);
/* Is there a decoder for this codec? */
int codec_supported(const char *codec, uint32_t clock);
/* The decoders built into this binary, comma-separated ("PCMU, PCMA, L16,
 * G722, G729, opus, GSM"). */
const char *codec_list(void);

/* ITU-T G.711: one code word to linear PCM (the 14-bit mu-law and
 * 13-bit A-law values scaled to 16 bits, as audioop and sox give them). */
int16_t codec_ulaw_to_linear(uint8_t u);
int16_t codec_alaw_to_linear(uint8_t a);

#endif
