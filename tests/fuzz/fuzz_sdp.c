/* fuzz_sdp.c - libFuzzer target: the SDP parser on exact-size input, with
 * its a=crypto lines (RFC 4568): every view inside the input, each key
 * decoded as the SRTP module does, each line redacted as screens do. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/sdp.h"
#include "sipscope/srtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(struct sv v, const char *buf, size_t size)
{
	if (sv_is_set(v) && (v.p < buf || v.p + v.len > buf + size))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	struct sdp sdp;
	if (sdp_parse(buf, size, &sdp) == 0) {
		if (sdp.nmedia > SDP_MAX_MEDIA)
			abort();
		for (size_t i = 0; i < sdp.nmedia; i++) {
			const struct sdp_media *md = &sdp.media[i];
			(void)sdp_proto_is_srtp(md->proto);
			if (md->ncrypto > SDP_MAX_CRYPTO || md->ncrypto > md->ncrypto_seen)
				abort();
			for (uint8_t k = 0; k < md->ncrypto; k++) {
				const struct sdp_crypto *c = &md->crypto[k];
				inside(c->suite_name, buf, size);
				inside(c->key, buf, size);
				inside(c->lifetime, buf, size);
				inside(c->params, buf, size);
				if (sdp_crypto_by_tag(md, c->tag) == NULL)
					abort();
				struct srtp_rx_key key;
				if (srtp_rx_key_from_sdp(c, &key) == 0 &&
				    key.len != srtp_rx_key_len((enum sdp_srtp_suite)key.suite))
					abort();
				srtp_rx_key_wipe(&key);
			}
		}
	}
	/* Each line as a screen would show it. */
	for (size_t o = 0; o < size;) {
		const char *nl = memchr(buf + o, '\n', size - o);
		size_t end = nl ? (size_t)(nl - buf) : size;
		char red[64];
		size_t n = sdp_crypto_redact(sv_make(buf + o, end - o), red, sizeof red);
		/* NUL-terminated at n (a NUL of the input may sit inside: the
		 * screen escapes it), and the key never in the output */
		if (n >= sizeof red || (n && red[n] != 0))
			abort();
		o = end + 1;
	}
	free(buf);
	return 0;
}
