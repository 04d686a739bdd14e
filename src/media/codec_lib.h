/* codec_lib.h - the decoders that need a library (private to src/media):
 * each is defined in its own file, compiled only when the Makefile found
 * its library (SIPSCOPE_HAVE_<LIB>), and listed in codec.c's table. */
#ifndef SIPSCOPE_CODEC_LIB_H
#define SIPSCOPE_CODEC_LIB_H

#include "sipscope/codec.h"

/* conceal() of a codec with no concealment: silence. */
void codec_silence(void *st, int16_t *out, size_t n);

extern const struct codec_ops codec_g722_ops; /* codec_g722.c, libspandsp */
extern const struct codec_ops codec_g729_ops; /* codec_g729.c, libbcg729 */
extern const struct codec_ops codec_opus_ops; /* codec_opus.c, libopus */
extern const struct codec_ops codec_gsm_ops;  /* codec_gsm.c, libgsm */

#endif
