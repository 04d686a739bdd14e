/* gen_g729.c - G.729 frames from bcg729's encoder, for the audio tests.
 *
 * Reads 16-bit little-endian 8 kHz mono PCM on standard input, writes one
 * record per 10 ms frame on standard output: a length byte (10 a speech
 * frame, 2 an Annex B SID, 0 a frame not sent) and the frame's bytes.
 * The encoder runs with VAD/DTX on (Annex B).  Debian has no other G.729
 * encoder; the decoder under test is checked against the source signal,
 * not against this encoder. */
#include <stdint.h>
#include <stdio.h>

#include <bcg729/encoder.h>

int main(void)
{
	bcg729EncoderChannelContextStruct *e = initBcg729EncoderChannel(1);
	if (!e)
		return 1;
	uint8_t in[160];
	while (fread(in, 1, sizeof in, stdin) == sizeof in) {
		int16_t pcm[80];
		for (int i = 0; i < 80; i++)
			pcm[i] = (int16_t)(in[2 * i] | in[2 * i + 1] << 8);
		uint8_t bits[10], len = 0;
		bcg729Encoder(e, pcm, bits, &len);
		putchar(len);
		fwrite(bits, 1, len, stdout);
	}
	closeBcg729EncoderChannel(e);
	return fflush(stdout) ? 1 : 0;
}
