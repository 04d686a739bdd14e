/* fuzz_sdp.c - libFuzzer target: the SDP parser on exact-size input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	struct sdp sdp;
	if (sdp_parse(buf, size, &sdp) == 0 && (sdp.nmedia > SDP_MAX_MEDIA))
		abort();
	free(buf);
	return 0;
}
