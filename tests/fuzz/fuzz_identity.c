/* fuzz_identity.c - libFuzzer target: the Identity header and PASSporT
 * decoder (identity.h): base64url, the strict JSON reader, the header's
 * parameters, the telephone number normaliser, and the verifier without
 * keys.
 *
 * The first byte picks the mode: even, the rest is an Identity header
 * value as it comes off the wire; odd, the rest is split at the first
 * '\n' into a JOSE header and claims, each base64url-encoded into a
 * token, so the JSON reader sees the fuzzer's bytes directly.  Each input
 * is copied to an exact-size heap buffer (ASan sees a read one byte too
 * far), and every view that comes back must lie inside that buffer or
 * inside the struct's own decoded bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *in_p;
static size_t in_len;
static const struct identity *cur;

static int within(struct sv v, const char *base, size_t len)
{
	return v.p >= base && v.len <= len && (size_t)(v.p - base) <= len - v.len;
}

/* A view must lie in the input, or in the decoded header or claims. */
static void inside(struct sv v)
{
	if (!v.p)
		return;
	if (!within(v, in_p, in_len) && !within(v, cur->hdr_json, cur->hdr_len) &&
	    !within(v, cur->claims_json, cur->claims_len))
		abort();
}

static size_t b64url(const uint8_t *in, size_t n, char *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0, i = 0;
	for (; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = a[v >> 18];
		out[o++] = a[v >> 12 & 63];
		out[o++] = a[v >> 6 & 63];
		out[o++] = a[v & 63];
	}
	if (n - i == 1) {
		out[o++] = a[in[i] >> 2];
		out[o++] = a[(in[i] & 3) << 4];
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];
		out[o++] = a[v >> 10];
		out[o++] = a[v >> 4 & 63];
		out[o++] = a[(v & 15) << 2];
	}
	return o;
}

static void run(const char *p, size_t n)
{
	static struct identity id;
	char *buf = malloc(n ? n : 1);
	if (!buf)
		return;
	memcpy(buf, p, n);
	in_p = buf;
	in_len = n;
	cur = &id;
	const char *why = NULL;
	int rc = identity_parse(sv_make(buf, n), &id, &why);
	if (rc < 0 && !why)
		abort();
	if (id.hdr_len > sizeof id.hdr_json || id.claims_len > sizeof id.claims_json ||
	    id.sig_len > sizeof id.sig || id.ndest_tn > IDENTITY_MAX_DEST || id.ndest_uri > IDENTITY_MAX_DEST)
		abort();
	struct sv all[] = { id.token, id.signing_input, id.info, id.alg_param, id.ppt_param, id.alg,
	                    id.typ, id.ppt, id.x5u, id.attest, id.origid, id.orig_tn, id.orig_uri,
	                    id.div_tn, id.div_uri };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		inside(all[i]);
	for (size_t i = 0; i < id.ndest_tn; i++)
		inside(id.dest_tn[i]);
	for (size_t i = 0; i < id.ndest_uri; i++)
		inside(id.dest_uri[i]);
	char reason[256], tn[32];
	if (rc == 0) {
		identity_verify(NULL, &id, 0, reason, sizeof reason);
		if (!memchr(reason, '\0', sizeof reason))
			abort();
	}
	identity_tn_normalize(id.orig_tn, tn, sizeof tn);
	identity_tn_normalize(sv_make(buf, n), tn, sizeof tn);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (!(data[0] & 1)) {
		run((const char *)data + 1, size - 1);
		return 0;
	}
	const uint8_t *rest = data + 1, *nl = memchr(rest, '\n', size - 1);
	size_t hl = nl ? (size_t)(nl - rest) : size - 1;
	size_t cl = nl ? size - 1 - hl - 1 : 0;
	if (hl > 4096 || cl > 4096)
		return 0;
	static char tok[2 * 5500 + 200];
	size_t o = b64url(rest, hl, tok);
	tok[o++] = '.';
	o += b64url(nl ? nl + 1 : rest, cl, tok + o);
	static const char tail[] = ".AAAA;info=<https://x.example/a.pem>;alg=ES256;ppt=shaken";
	memcpy(tok + o, tail, sizeof tail - 1);
	run(tok, o + sizeof tail - 1);
	return 0;
}
