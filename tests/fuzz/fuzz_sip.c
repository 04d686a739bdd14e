/* fuzz_sip.c - libFuzzer target: the SIP parser in datagram and stream
 * mode, header access, parameter lookup and the body's SDP part
 * (multipart) on whatever it returns. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/sip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sip_header hdrs[32];
	/* An exact-size copy so ASan sees any read past the end. */
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	for (int flags = 0; flags <= SIP_PARSE_DATAGRAM; flags++) {
		struct sip_msg m;
		int n = sip_parse(buf, size, flags, &m, hdrs, 32);
		if (n > 0) {
			if ((size_t)n > size)
				abort();
			for (int id = 1; id < SIP_H__COUNT; id++) {
				struct sv v = sip_header_get(&m, (enum sip_hdr_id)id);
				(void)sip_param_get(v, "tag");
				(void)sip_param_get(v, "branch");
			}
			/* The SDP of the body, multipart included: inside the input. */
			struct sv sdp = sip_body_sdp(&m);
			if (sdp.p && (sdp.p < buf || sdp.p + sdp.len > buf + size))
				abort();
		}
		(void)sip_looks_like(buf, size);
	}
	free(buf);
	return 0;
}
