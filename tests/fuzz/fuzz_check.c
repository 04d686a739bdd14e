/* fuzz_check.c - libFuzzer target: the conformance checker over messages
 * that went through the real pipeline.  The input is SIP messages cut at
 * "\n---\n"; each is sent between two or three endpoints (picked by its
 * length) at times moving on by its first byte, over UDP or TCP; then the
 * checker runs in two slices and once, and both must agree. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/check.h"
#include "sipscope/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store *s = store_new();
	struct tracker *t = s ? track_new(s) : NULL;
	struct ingest *in = t ? ingest_new(s, t) : NULL;
	struct checker *inc = in ? check_new(s, t) : NULL;
	if (!inc)
		goto out;
	struct store_endpoint ep[3];
	memset(ep, 0, sizeof ep);
	for (int i = 0; i < 3; i++) {
		ep[i].family = 4;
		ep[i].addr[0] = 10;
		ep[i].addr[3] = (uint8_t)(i + 1);
		ep[i].port = 5060;
	}
	int64_t now = 1700000000000000LL;
	size_t off = 0, k = 0;
	while (off < size) {
		const uint8_t *end = NULL;
		for (size_t i = off; i + 5 <= size && !end; i++)
			if (!memcmp(data + i, "\n---\n", 5))
				end = data + i;
		size_t len = end ? (size_t)(end - (data + off)) : size - off;
		now += len ? (int64_t)data[off] * 4000 : 1000;
		int a = (int)(len % 3), b = (int)((len / 3 + 1 + a) % 3);
		if (a == b)
			b = (a + 1) % 3;
		ingest_raw_message(in, ++k, now, &ep[a], &ep[b], len % 7 == 0 ? STORE_TP_TCP : STORE_TP_UDP, 0,
		                   (const char *)data + off, len);
		if (k == 3)
			check_update(inc);
		off += len + (end ? 5 : 0);
	}
	ingest_finish(in);
	track_finish(t);
	check_update(inc);
	check_finish(inc);
	struct checker *once = check_new(s, t);
	if (!once)
		goto out;
	check_update(once);
	check_finish(once);
	if (check_count(once) != check_count(inc))
		abort();
	for (size_t i = 0; i < check_count(once); i++) {
		const struct check_finding *f = check_at(once, i), *g = check_at(inc, i);
		if (f->msg >= store_msg_count(s) || f->rule >= CHECK_RULE__COUNT || f->severity > CHECK_ERROR ||
		    f->msg != g->msg || f->rule != g->rule || strcmp(check_text(once, f), check_text(inc, g)))
			abort();
		if (!check_msg_first(once, f->msg) || check_msg_worst(once, f->msg) < (int)f->severity)
			abort();
	}
	check_free(once);
out:
	check_free(inc);
	ingest_free(in);
	track_free(t);
	store_free(s);
	return 0;
}
