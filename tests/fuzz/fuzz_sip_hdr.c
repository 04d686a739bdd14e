/* fuzz_sip_hdr.c - libFuzzer target: every structured header parser of
 * sip_hdr.h.
 *
 * The input is split at '\n' into header values; each value is copied to
 * an exact-size heap buffer (so ASan sees a read one byte too far) and run
 * through every parser, and whatever comes back must point inside it.  The
 * whole input is also parsed as a datagram and walked with the message
 * iterators (Via, Contact, P-Asserted-Identity, Route).
 *
 *   clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude \
 *     -D_DEFAULT_SOURCE -o /tmp/fuzz_sip_hdr tests/fuzz/fuzz_sip_hdr.c \
 *     src/sip/sip_[a-z]*.c
 *   /tmp/fuzz_sip_hdr -max_total_time=300 tests/fuzz/corpus/fuzz_sip_hdr */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/sip.h"
#include "sipscope/sip_hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sv in_v;

/* A view the parsers returned must lie inside the input. */
static void inside(struct sv v)
{
	if (!v.p)
		return;
	if (v.p < in_v.p || v.len > in_v.len || (size_t)(v.p - in_v.p) > in_v.len - v.len)
		abort();
}

static void check_uri(const struct sip_uri *u)
{
	inside(u->scheme_name);
	inside(u->rest);
	inside(u->user);
	inside(u->password);
	inside(u->host);
	inside(u->hostport);
	inside(u->params);
	inside(u->headers);
	inside(sip_uri_param(u, "transport"));
	inside(sip_uri_param(u, "lr"));
	inside(sip_uri_header(u, "replaces"));
	if (u->has_port == 0 && u->port != 0)
		abort();
}

static void run_value(struct sv s)
{
	char tmp[256];
	struct sip_uri u;
	if (sip_uri_parse(s, &u) == 0)
		check_uri(&u);
	if (sip_unescape(s, tmp, sizeof tmp) > s.len || sip_unquote(s, tmp, sizeof tmp) > s.len)
		abort();

	struct sip_addr a;
	if (sip_addr_parse(s, &a) == 0) {
		inside(a.display);
		inside(a.uri_text);
		inside(a.tag);
		inside(a.params);
		if (!a.star)
			check_uri(&a.uri);
		if (a.q > 1000)
			abort();
		inside(sip_hdr_param(a.params, "expires"));
	}

	struct sv rest = s, item;
	int r;
	while ((r = sip_list_next(&rest, &item)) == 1) {
		inside(item);
		if (item.len == 0)
			abort();
		struct sip_via v;
		if (sip_via_parse(item, &v) == 0) {
			inside(v.host);
			inside(v.sent_by);
			inside(v.branch);
			inside(v.received);
			inside(v.maddr);
			inside(v.params);
			if (v.ttl > 255)
				abort();
		}
		struct sip_reason rs;
		if (sip_reason_parse(item, &rs) == 0)
			inside(rs.text);
		struct sip_warning w;
		if (sip_warning_parse(item, &w) == 0 && (w.code > 999 || !w.agent.len))
			abort();
		struct sip_event e;
		if (sip_event_parse(item, &e) == 0)
			inside(e.id);
	}

	struct sip_param prm;
	rest = s;
	while (sip_param_next(&rest, &prm) == 1) {
		inside(prm.name);
		inside(prm.value);
	}
	inside(sip_hdr_param(s, "tag"));

	struct sip_cseq c;
	if (sip_cseq_parse(s, &c) == 0)
		inside(c.method);
	uint32_t n;
	if (sip_max_forwards_parse(s, &n) == 0 && n > 255)
		abort();
	(void)sip_expires_parse(s, &n);
	if (sip_rseq_parse(s, &n) == 0 && (n == 0 || n > 0x7fffffffu))
		abort();
	struct sip_rack rk;
	(void)sip_rack_parse(s, &rk);
	struct sip_ctype ct;
	if (sip_ctype_parse(s, &ct) == 0)
		inside(sip_hdr_param(ct.params, "boundary"));
	struct sip_cdisp cd;
	(void)sip_cdisp_parse(s, &cd);
	struct sip_session_id sid;
	if (sip_session_id_parse(s, &sid) == 0 && sid.local.len != 32)
		abort();
	struct sip_substate ss;
	(void)sip_substate_parse(s, &ss);
	struct sip_replaces rp;
	if (sip_replaces_parse(s, &rp) == 0 && (!rp.to_tag.p || !rp.from_tag.p))
		abort();
	struct sv toks[8];
	size_t dropped;
	int nt = sip_token_list(s, toks, 8, &dropped);
	for (int i = 0; i < nt; i++)
		inside(toks[i]);
	(void)sip_token_list_has(s, "100rel");

	struct sip_auth au;
	for (int mode = 0; mode < 2; mode++) {
		int ok = mode ? sip_auth_parse_params(s, &au) : sip_auth_parse(s, &au);
		if (ok != 0)
			continue;
		if (au.nparams > SIP_AUTH_MAX_PARAMS)
			abort();
		inside(sip_auth_param(&au, "nonce"));
		char out[96];
		size_t need = sip_auth_render(&au, out, sizeof out, 0);
		size_t need2 = sip_auth_render(&au, NULL, 0, 0);
		if (need != need2 || strlen(out) >= sizeof out || strlen(out) > need)
			abort();
		(void)sip_auth_render(&au, out, sizeof out, SIP_AUTH_SHOW_SECRETS);
	}
}

static void run_message(const char *buf, size_t size)
{
	static struct sip_header hdrs[32];
	struct sip_msg m;
	if (sip_parse(buf, size, SIP_PARSE_DATAGRAM, &m, hdrs, 32) <= 0)
		return;
	struct sip_via vias[4];
	struct sip_addr addrs[4];
	struct sip_list_count cnt;
	size_t n = sip_via_all(&m, vias, 4, &cnt);
	if (n > 4 || cnt.kept != n)
		abort();
	for (size_t i = 0; i < n; i++)
		inside(vias[i].host);
	static const struct { enum sip_hdr_id id; const char *name; } lists[] = {
		{ SIP_H_CONTACT, NULL }, { SIP_H_FROM, NULL }, { SIP_H_TO, NULL },
		{ SIP_H_ROUTE, NULL }, { SIP_H_OTHER, "P-Asserted-Identity" },
	};
	for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
		n = sip_addr_all(&m, lists[l].id, lists[l].name, addrs, 4, &cnt);
		if (n > 4)
			abort();
		for (size_t i = 0; i < n; i++)
			inside(addrs[i].uri_text);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	in_v = sv_make(buf, size);
	run_message(buf, size);
	free(buf);

	/* Each line on its own, in an exact-size buffer. */
	size_t off = 0;
	while (off <= size) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t len = nl ? (size_t)(nl - (data + off)) : size - off;
		char *v = malloc(len ? len : 1);
		if (!v)
			return 0;
		memcpy(v, data + off, len);
		in_v = sv_make(v, len);
		run_value(in_v);
		free(v);
		off += len + 1;
	}
	return 0;
}
