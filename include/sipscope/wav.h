/* wav.h - RIFF/WAVE writer: 16-bit PCM, mono or stereo.
 *
 * To a seekable file, the RIFF and data sizes are patched in at
 * wav_close(); to a pipe (or anything that cannot seek) they stay
 * 0xFFFFFFFF, which players reading a stream (sox, ffmpeg, aplay) take as
 * "to the end".  Library code: errors are returned, never printed. */
#ifndef SIPSCOPE_WAV_H
#define SIPSCOPE_WAV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define WAV_HEADER_LEN 44
#define WAV_SIZE_UNKNOWN 0xFFFFFFFFu

/* The 44-byte canonical header (RIFF, "fmt " of 16 bytes with format 1,
 * "data") for data_bytes of PCM, or WAV_SIZE_UNKNOWN. */
void wav_header(uint8_t out[WAV_HEADER_LEN], uint32_t rate, unsigned channels, uint32_t data_bytes);

struct wav_writer;

/* Start a WAV on f (borrowed; the caller closes it after wav_close()):
 * the header is written now.  NULL when f cannot be written or memory ran
 * out. */
struct wav_writer *wav_open(FILE *f, uint32_t rate, unsigned channels);
/* Interleaved frames (channels samples each), host order.  0 or -1. */
int wav_write(struct wav_writer *w, const int16_t *frames, size_t nframes);
/* Patch the sizes when f can seek, flush, free w.  0, or -1 when a write
 * failed (at any point) or the data passed 4 GiB. */
int wav_close(struct wav_writer *w);

#endif
