/* fuzz_audio.c - libFuzzer target: every built-in decoder on arbitrary
 * payloads, and the timeline (audio_render) on arbitrary packets.
 *
 * The input is a run of records: 1 byte selector, 2 bytes length, the
 * payload.  The selector's low 3 bits pick a codec (through its SDP name;
 * one not built in is skipped), bit 3 asks for a concealment after the
 * decode.  The same records also go, as RTP packets of four streams in
 * those codecs (random sequence numbers, timestamps, arrival times,
 * payload types among the stream's own, 13 and 101), to the timeline,
 * which is then rendered on two channels and checked for sense. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/audio.h"
#include "sipscope/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[8] = {
	"PCMU/8000", "PCMA/8000", "L16/16000/2", "G722/8000", "G729/8000", "opus/48000/2", "GSM/8000", "L16/8000",
};
static const uint8_t pts[8] = { 0, 8, 96, 9, 18, 111, 3, 97 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int16_t out[CODEC_MAX_SAMPLES];
	struct codec_dec *dec[8] = { 0 };
	int nomem;
	for (int i = 0; i < 8; i++)
		dec[i] = codec_dec_new(names[i], 0, &nomem);
	struct audio *a = audio_new();
	long ids[4] = { -1, -1, -1, -1 };
	int chan[4] = { 0, 1, 0, 1 };
	for (int i = 0; a && i < 4; i++) {
		struct media_stream s;
		memset(&s, 0, sizeof s);
		int c = size > (size_t)i ? data[i] % 8 : i;
		memcpy(s.codec, names[c], strlen(names[c]) + 1);
		s.pt = pts[c];
		s.clock = c == 5 ? 48000 : c == 2 ? 16000 : 8000;
		s.ssrc = (uint32_t)i;
		s.dtmf_pt = 101;
		ids[i] = audio_add_stream(a, &s);
	}
	int64_t t = 1700000000000000LL;
	size_t off = 0;
	while (off + 3 <= size) {
		uint8_t sel = data[off];
		size_t len = (size_t)(data[off + 1] << 8 | data[off + 2]);
		off += 3;
		if (len > size - off)
			len = size - off;
		const uint8_t *p = data + off;
		off += len;
		struct codec_dec *d = dec[sel & 7];
		if (d) {
			size_t cap = (size_t)(sel >> 4) * 400 + 1;
			if (cap > CODEC_MAX_SAMPLES)
				cap = CODEC_MAX_SAMPLES;
			long n = codec_decode(d, p, len, out, cap);
			if (n < -1 || n > (long)cap)
				abort();
			if (sel & 8)
				codec_conceal(d, out, cap);
			(void)codec_dtx(d);
		}
		long id = ids[sel >> 6];
		if (a && id >= 0 && len >= 7) {
			/* the payload's first 7 bytes: seq, timestamp, pt choice, delay */
			static const uint8_t other[4] = { 13, 101, 0, 9 };
			uint8_t pt = p[6] & 0x80 ? other[p[6] & 3] : pts[sel & 7];
			t += (int64_t)(p[6] & 0x7f) * 1000;
			struct media_rtp_pkt k = { .ts_us = t, .seq = (uint16_t)(p[0] << 8 | p[1]),
				                   .rtp_ts = (uint32_t)p[2] << 24 | (uint32_t)p[3] << 16 | (uint32_t)p[4] << 8 | p[5],
				                   .pt = pt, .clear = 1, .payload = p + 7, .len = len - 7 };
			audio_packet(a, id, &k);
		}
	}
	if (a) {
		int16_t *pcm = NULL;
		size_t n = 0;
		uint32_t rate = 0;
		long use[4];
		int ch[4];
		size_t m = 0;
		for (int i = 0; i < 4; i++)
			if (ids[i] >= 0) {
				use[m] = ids[i];
				ch[m++] = chan[i];
			}
		if (audio_render(a, use, ch, m, 2, &pcm, &n, &rate) == 0) {
			if (!rate || rate > 192000 || (n && !pcm) || n > (size_t)AUDIO_MAX_SECONDS * rate * 2)
				abort();
			/* every sample can be read (ASan watches) */
			long sum = 0;
			for (size_t i = 0; i < 2 * n; i++)
				sum += pcm[i];
			if (sum > 32767L * 2 * (long)n)
				abort();
			free(pcm);
		}
		audio_free(a);
	}
	for (int i = 0; i < 8; i++)
		codec_dec_free(dec[i]);
	return 0;
}
