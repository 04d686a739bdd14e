/* fuzz_tls_record.c - libFuzzer target: one TLS connection's decoder
 * (tls_conn_feed, tls_conn_retry) on arbitrary bytes.
 *
 * Input: u16 length + key log text (added to a store that already holds a
 * few fixed secrets, for client_randoms 01..01 and a2..a2), then segments
 * {u8 ctl, u16 len, len bytes}: ctl bit 0 = direction, bit 1 = bytes were
 * lost before it, bit 2 = call tls_conn_retry after it, bit 3 (first
 * segment only) = wait for keys, bits 4-7 = cut the segment into that many
 * more pieces.  What the decoder leaves unconsumed is fed again with the
 * next segment of its direction, as ingest does.  Checks: consumed <= fed,
 * what is left is at most one record, emitted runs fit a record, pending
 * only while waiting for keys, counters consistent.  Seeds: real sessions,
 * written by build/tests/test_tls_conn with TLS_CONN_FUZZ_SEEDS=dir. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REC_MAX ((1u << 14) + 2048)
#define BUF_MAX (4 * REC_MAX)

static const char FIXED[] =
	"CLIENT_RANDOM 0101010101010101010101010101010101010101010101010101010101010101 "
	"0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f\n"
	"CLIENT_HANDSHAKE_TRAFFIC_SECRET 0101010101010101010101010101010101010101010101010101010101010101 "
	"b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6\n"
	"SERVER_HANDSHAKE_TRAFFIC_SECRET 0101010101010101010101010101010101010101010101010101010101010101 "
	"c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7\n"
	"CLIENT_TRAFFIC_SECRET_0 0101010101010101010101010101010101010101010101010101010101010101 "
	"d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8d8\n"
	"SERVER_TRAFFIC_SECRET_0 0101010101010101010101010101010101010101010101010101010101010101 "
	"e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9\n"
	"CLIENT_EARLY_TRAFFIC_SECRET 0101010101010101010101010101010101010101010101010101010101010101 "
	"a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1\n"
	"SERVER_HANDSHAKE_TRAFFIC_SECRET a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2 "
	"0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f\n";

struct sink {
	uint64_t runs;
};

static void on_emit(void *ctx, int dir, const uint8_t *pt, size_t n, uint64_t frame, int64_t ts, int gap)
{
	struct sink *s = ctx;
	(void)ts, (void)frame;
	if ((dir != 0 && dir != 1) || n == 0 || n > REC_MAX || (gap != 0 && gap != 1))
		abort();
	volatile uint8_t x = pt[0] ^ pt[n - 1]; /* ASan: the run is readable */
	(void)x;
	s->runs++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tls_crypto *crypto;
	static uint8_t *buf[2];
	if (!crypto && !(crypto = tls_crypto_new()))
		return 0;
	if (!buf[0] && (!(buf[0] = malloc(BUF_MAX)) || !(buf[1] = malloc(BUF_MAX))))
		return 0;
	if (size < 2)
		return 0;
	struct tls_env env;
	memset(&env, 0, sizeof env);
	env.crypto = crypto;
	env.keys = tls_keys_new();
	env.rsa = tls_rsa_new(); /* no key loaded: the RSA path runs and fails */
	env.cache = tls_cache_new();
	struct tls_keylog_report r;
	size_t kl = (size_t)data[0] << 8 | data[1];
	if (kl > size - 2)
		kl = size - 2;
	if (!env.keys || !env.rsa || !env.cache || tls_keys_add_text(env.keys, FIXED, sizeof FIXED - 1, &r) != 0 ||
	    tls_keys_add_text(env.keys, (const char *)data + 2, kl, &r) != 0)
		goto out;
	size_t o = 2 + kl;
	env.wait_for_keys = o < size && (data[o] & 8);
	struct tls_conn *c = tls_conn_new(&env);
	if (!c)
		goto out;
	struct sink sk = {0};
	size_t have[2] = {0, 0};
	uint64_t frame = 0;
	while (o + 3 <= size) {
		int ctl = data[o];
		size_t len = (size_t)data[o + 1] << 8 | data[o + 2];
		o += 3;
		if (len > size - o)
			len = size - o;
		int dir = ctl & 1, gap = (ctl >> 1) & 1;
		unsigned pieces = 1 + (ctl >> 4);
		frame++;
		if (gap)
			have[dir] = 0; /* the caller drops what was before the hole */
		for (unsigned k = 0; k < pieces; k++) {
			size_t part = k + 1 == pieces ? len : len / (pieces - k);
			if (have[dir] + part > BUF_MAX) {
				have[dir] = 0;
				gap = 1;
			}
			memcpy(buf[dir] + have[dir], data + o, part);
			have[dir] += part;
			o += part;
			len -= part;
			size_t used = tls_conn_feed(c, dir, buf[dir], have[dir], gap, frame, (int64_t)frame * 1000,
						    on_emit, &sk);
			if (used > have[dir] || have[dir] - used > 5 + REC_MAX)
				abort();
			memmove(buf[dir], buf[dir] + used, have[dir] - used);
			have[dir] -= used;
			gap = 0;
		}
		if (ctl & 4)
			tls_conn_retry(c, (int64_t)frame * 1000, on_emit, &sk);
	}
	if (tls_conn_pending(c) && !env.wait_for_keys)
		abort();
	tls_conn_retry(c, -1, on_emit, &sk);
	const struct tls_conn_info *in = tls_conn_info(c);
	if (tls_conn_pending(c) || in->reason >= TLS_R_N || in->records_ok + in->records_failed > in->records ||
	    env.st.records_decrypted > env.st.records || (sk.runs && !in->decrypted) ||
	    (in->client_dir != -1 && in->client_dir != 0 && in->client_dir != 1) ||
	    memchr(in->sni, 0, sizeof in->sni) == NULL)
		abort();
	tls_conn_free(c);
out:
	tls_keys_free(env.keys);
	tls_rsa_free(env.rsa);
	tls_cache_free(env.cache);
	return 0;
}
