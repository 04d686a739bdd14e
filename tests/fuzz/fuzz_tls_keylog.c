/* fuzz_tls_keylog.c - libFuzzer target: the NSS key log parser
 * (tls_keys_add_text, what a pcapng DSB or a key log file feeds).
 * Checks the report's counts against each other, and that feeding the same
 * text again (last wins) adds no client_random. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sipscope/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_keys *k = tls_keys_new();
	if (!k)
		return 0;
	struct tls_keylog_report r, r2;
	if (tls_keys_add_text(k, (const char *)data, size, &r) == 0) {
		if (r.bad + r.unknown_label + r.secrets + r.dropped > r.lines || r.first_bad_line > r.lines ||
		    (r.bad && !r.first_bad_line) || tls_keys_count(k) > r.secrets)
			abort();
		size_t n = tls_keys_count(k);
		if (tls_keys_add_text(k, (const char *)data, size, &r2) == 0 &&
		    (tls_keys_count(k) != n || r2.lines != r.lines || r2.secrets != r.secrets || r2.bad != r.bad))
			abort();
	}
	tls_keys_free(k);
	return 0;
}
