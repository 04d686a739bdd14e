/* check_identity.c - STIR/SHAKEN rules on the Identity header of requests
 * (RFC 8224, RFC 8225, RFC 8588): the signature against the --stir-cert
 * certificates, the PASSporT's numbers against the SIP headers, the age of
 * iat, and trunks that must sign (--stir-signer).
 *
 * One PASSporT is judged once per call, on the first hop it is seen on: a
 * proxy forwards it unchanged, so its copies say nothing new (the same
 * token in another call, a replay, is judged there again). */
#include <stdlib.h>
#include <string.h>

#include "check_int.h"
#include "sipscope/identity.h"
#include "sipscope/sip_hdr.h"
#include "sipscope/store.h"

#define IDENTITY_STALE_S 60 /* RFC 8224 6.2.1: iat more than a minute off */

/* The normalised number of a From / To / P-Asserted-Identity value or a
 * Request-URI (uri: the value is a bare URI): its user part (sip/sips)
 * or number (tel).  Returns the digits' count, -1 when it is no TN. */
static int tn_of(struct sv value, int uri, char *out, size_t cap)
{
	struct sip_uri u;
	struct sv text = uri ? value : sip_addr_uri(value);
	out[0] = '\0';
	if (sip_uri_parse(sv_trim(text), &u) < 0 || !sv_is_set(u.user) || u.scheme == SIP_URI_OTHER)
		return -1;
	char raw[64];
	size_t n = sip_unescape(u.user, raw, sizeof raw);
	if (n > sizeof raw)
		return -1;
	return identity_tn_normalize(sv_make(raw, n), out, cap);
}

static int tn_eq(struct sv claim, const char *sip_tn)
{
	char a[64];
	return identity_tn_normalize(claim, a, sizeof a) > 0 && !strcmp(a, sip_tn);
}

/* orig against P-Asserted-Identity (any) and From; dest against To and
 * the Request-URI.  A side that carries no telephone number is not
 * compared (a name such as sip:alice@ is no TN). */
static void check_tns(struct checker *c, const struct view *v, const struct identity *id)
{
	char tn[64];
	if (sv_is_set(id->orig_tn)) {
		int comparable = 0, match = 0;
		struct sip_hdr_iter it;
		struct sv val;
		sip_hdr_iter_init(&it, &v->m, SIP_H_OTHER, "P-Asserted-Identity");
		while (sip_hdr_next_elem(&it, &val) > 0)
			if (tn_of(val, 0, tn, sizeof tn) > 0) {
				comparable = 1;
				match |= tn_eq(id->orig_tn, tn);
			}
		if (tn_of(sip_header_get(&v->m, SIP_H_FROM), 0, tn, sizeof tn) > 0) {
			comparable = 1;
			match |= tn_eq(id->orig_tn, tn);
		}
		if (comparable && !match) {
			check_report(c, v->idx, CHECK_IDENTITY_TN_MISMATCH, -1,
			             "PASSporT orig tn %.*s is not the caller's number (From / "
			             "P-Asserted-Identity: %s)", (int)(id->orig_tn.len > 64 ? 64 : id->orig_tn.len),
			             id->orig_tn.p, tn);
		}
	}
	if (id->ndest_tn) {
		char to_tn[64] = "", ruri_tn[64] = "";
		int have_to = tn_of(sip_header_get(&v->m, SIP_H_TO), 0, to_tn, sizeof to_tn) > 0;
		int have_ruri = tn_of(v->m.uri, 1, ruri_tn, sizeof ruri_tn) > 0;
		int match = 0;
		for (size_t i = 0; i < id->ndest_tn; i++)
			match |= (have_to && tn_eq(id->dest_tn[i], to_tn)) ||
			         (have_ruri && tn_eq(id->dest_tn[i], ruri_tn));
		if ((have_to || have_ruri) && !match)
			check_report(c, v->idx, CHECK_IDENTITY_TN_MISMATCH, -1,
			             "PASSporT dest tn %.*s is not the called number (To: %s, Request-URI: %s)",
			             (int)(id->dest_tn[0].len > 64 ? 64 : id->dest_tn[0].len), id->dest_tn[0].p,
			             have_to ? to_tn : "-", have_ruri ? ruri_tn : "-");
	}
}

void check_identity(struct checker *c, const struct view *v)
{
	if (!v->m.is_request || v->m.malformed)
		return;
	enum sip_method meth = sip_method_from_sv(v->m.method);
	if (meth == SIP_M_ACK || meth == SIP_M_CANCEL)
		return;
	struct sv val = sip_header_get(&v->m, SIP_H_IDENTITY);
	const struct identity_keys *keys = identity_keys_default();
	if (!sv_is_set(val)) {
		char src[80];
		if (meth != SIP_M_INVITE || v->has_to_tag || !identity_keys_must_sign(keys, NULL))
			return;
		store_endpoint_format(store_endpoint(c->s, v->r->src), src, sizeof src);
		if (identity_keys_must_sign(keys, src) &&
		    check_first_time(c, CHECK_IDENTITY_MISSING, sv_hash(v->m.call_id) ^ v->m.cseq))
			check_report(c, v->idx, CHECK_IDENTITY_MISSING, -1,
			             "an INVITE from %s (--stir-signer) carries no Identity header", src);
		return;
	}
	/* once per PASSporT and call (its first hop; the same token in another
	 * call is a replay, judged there again) */
	if (!check_first_time(c, CHECK_IDENTITY_SIGNATURE, hmap_mix(sv_hash(v->m.call_id), sv_hash(sv_trim(val)))))
		return;
	struct identity *id = malloc(sizeof *id);
	if (!id) {
		c->oom = 1;
		return;
	}
	char reason[400];
	int64_t at_s = v->r->ts_us / 1000000;
	int decoded;
	int verdict = identity_check(val, keys, at_s, id, &decoded, reason, sizeof reason);
	if (!decoded) {
		check_report(c, v->idx, CHECK_IDENTITY_SIGNATURE, -1, "%s", reason);
		free(id);
		return;
	}
	if (verdict == IDENTITY_BAD)
		check_report(c, v->idx, CHECK_IDENTITY_SIGNATURE, -1, "Identity: %s", reason);
	else if (verdict == IDENTITY_UNVERIFIED)
		check_report(c, v->idx, CHECK_IDENTITY_UNVERIFIED, -1, "Identity not verified: %s", reason);
	if (id->has_iat) {
		int64_t d = at_s - id->iat;
		if (d > IDENTITY_STALE_S || d < -IDENTITY_STALE_S)
			check_report(c, v->idx, CHECK_IDENTITY_STALE, -1,
			             "PASSporT iat %lld is %lld s %s the request's capture time (more than %d s)",
			             (long long)id->iat, (long long)(d < 0 ? -d : d), d < 0 ? "after" : "before",
			             IDENTITY_STALE_S);
	}
	check_tns(c, v, id);
	free(id);
}
