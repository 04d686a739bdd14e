/* show.c - one message taken apart, header by header (`sipscope show`):
 * what the structured parsers (sip_hdr.h) see in each header, like a
 * protocol tree.  Credentials are cut unless asked for. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sipscope/escape.h"
#include "sipscope/export.h"
#include "sipscope/identity.h"
#include "sipscope/sdp.h"
#include "sipscope/sip.h"
#include "sipscope/sip_hdr.h"

#define MAX_HEADERS 128

/* " key=value" when value is set (escaped). */
static void kv(FILE *out, const char *key, struct sv v)
{
	if (!sv_is_set(v))
		return;
	fprintf(out, "  %s=", key);
	esc_term(out, v, 0);
}

static void kv_u(FILE *out, const char *key, unsigned long v)
{
	fprintf(out, "  %s=%lu", key, v);
}

static const char *host_type(uint8_t t)
{
	switch (t) {
	case SIP_HOST_IPV4: return "ipv4";
	case SIP_HOST_IPV6: return "ipv6";
	case SIP_HOST_NAME: return "name";
	default: return "none";
	}
}

static void show_uri(FILE *out, struct sv text)
{
	struct sip_uri u;
	if (sip_uri_parse(text, &u) < 0) {
		fputs("  uri=", out);
		esc_term(out, text, 0);
		fputs(" (does not parse)", out);
		return;
	}
	kv(out, "scheme", u.scheme_name);
	kv(out, "user", u.user);
	if (sv_is_set(u.password))
		fputs("  password=(set)", out);
	if (u.scheme == SIP_URI_SIP || u.scheme == SIP_URI_SIPS) {
		kv(out, "host", u.host);
		fprintf(out, " (%s)", host_type(u.host_type));
		if (u.has_port)
			kv_u(out, "port", u.port);
	}
	kv(out, "uri-params", u.params);
	kv(out, "uri-headers", u.headers);
	if (u.scheme == SIP_URI_OTHER)
		kv(out, "rest", u.rest);
}

static void show_addr(FILE *out, struct sv elem)
{
	struct sip_addr a;
	if (sip_addr_parse(elem, &a) < 0) {
		fputs("  (does not parse)", out);
		return;
	}
	if (a.star) {
		fputs("  *", out);
		return;
	}
	kv(out, "display", a.display);
	show_uri(out, a.uri_text);
	kv(out, "tag", a.tag);
	if (a.has_expires)
		kv_u(out, "expires", a.expires);
	if (a.q >= 0)
		fprintf(out, "  q=%d.%03d", a.q / 1000, a.q % 1000);
	kv(out, "params", a.params);
}

static void show_via(FILE *out, struct sv elem)
{
	struct sip_via v;
	if (sip_via_parse(elem, &v) < 0) {
		fputs("  (does not parse)", out);
		return;
	}
	fputs("  ", out);
	esc_term(out, v.proto_name, 0);
	putc('/', out);
	esc_term(out, v.proto_version, 0);
	putc('/', out);
	esc_term(out, v.transport, 0);
	kv(out, "host", v.host);
	fprintf(out, " (%s)", host_type(v.host_type));
	if (v.has_port)
		kv_u(out, "port", v.port);
	kv(out, "branch", v.branch);
	kv(out, "received", v.received);
	if (v.has_rport) {
		if (v.rport)
			kv_u(out, "rport", v.rport);
		else
			fputs("  rport", out);
	}
	kv(out, "maddr", v.maddr);
	if (v.ttl >= 0)
		kv_u(out, "ttl", (unsigned long)v.ttl);
}

/* The elements of a list header, one line each under its name. */
static void show_list(FILE *out, struct sv value, int kind)
{
	struct sv rest = value, elem;
	int i = 0;
	while (sip_list_next(&rest, &elem) > 0) {
		fprintf(out, "\n    [%d]", ++i);
		if (kind == SIP_H_VIA)
			show_via(out, elem);
		else
			show_addr(out, elem);
	}
}

/* Header names taken apart by name (no id in sip.h). */
static int name_is(struct sv name, const char *lit)
{
	return sv_eq_ci(name, lit);
}

/* RFC 8224 Identity: the PASSporT decoded, and whether it verifies with
 * the --stir-cert certificates at the message's time. */
static void show_identity(FILE *out, struct sv v, int64_t ts_us)
{
	struct identity *id = malloc(sizeof *id);
	if (!id) {
		fputs("  (out of memory)", out);
		return;
	}
	char reason[400];
	int decoded;
	int verdict = identity_check(v, identity_keys_default(), ts_us / 1000000, id, &decoded, reason,
	                             sizeof reason);
	kv(out, "info", id->info);
	kv(out, "alg", id->alg_param);
	kv(out, "ppt", id->ppt_param);
	if (sv_is_set(id->alg) || sv_is_set(id->x5u)) {
		fputs("\n   header", out);
		kv(out, "alg", id->alg);
		kv(out, "typ", id->typ);
		kv(out, "ppt", id->ppt);
		kv(out, "x5u", id->x5u);
	}
	if (decoded && id->compact)
		fputs("\n   claims  (compact form: none carried)", out);
	else if (id->claims_len) {
		fputs("\n   claims", out);
		kv(out, "attest", id->attest);
		kv(out, "orig.tn", id->orig_tn);
		kv(out, "orig.uri", id->orig_uri);
		for (size_t i = 0; i < id->ndest_tn; i++)
			kv(out, "dest.tn", id->dest_tn[i]);
		for (size_t i = 0; i < id->ndest_uri; i++)
			kv(out, "dest.uri", id->dest_uri[i]);
		if (id->dest_dropped)
			fprintf(out, "  (%u more dest)", id->dest_dropped);
		if (id->has_iat) {
			char when[40] = "";
			time_t t = (time_t)id->iat;
			struct tm tm;
			if (id->iat < 253402300800LL && gmtime_r(&t, &tm))
				strftime(when, sizeof when, " (%Y-%m-%d %H:%M:%S UTC)", &tm);
			fprintf(out, "  iat=%lld%s", (long long)id->iat, when);
		}
		kv(out, "origid", id->origid);
		kv(out, "div.tn", id->div_tn);
		kv(out, "div.uri", id->div_uri);
	}
	fprintf(out, "\n   verified=%s  ", verdict == IDENTITY_GOOD ? "true"
	                                  : verdict == IDENTITY_BAD ? "false" : "null");
	esc_term(out, sv_make(reason, strlen(reason)), 0);
	free(id);
}

static void show_header(FILE *out, const struct sip_header *h, int show_secrets, int64_t ts_us)
{
	esc_term(out, h->name, 0);
	putc(':', out);
	struct sv v = h->value;
	struct sv n = h->name;
	switch (h->id) {
	case SIP_H_VIA:
		show_list(out, v, SIP_H_VIA);
		return;
	case SIP_H_FROM:
	case SIP_H_TO:
	case SIP_H_REFER_TO:
	case SIP_H_REFERRED_BY:
		show_addr(out, v);
		return;
	case SIP_H_CONTACT:
	case SIP_H_ROUTE:
	case SIP_H_RECORD_ROUTE:
		show_list(out, v, SIP_H_CONTACT);
		return;
	case SIP_H_CSEQ: {
		struct sip_cseq c;
		if (sip_cseq_parse(v, &c) == 0) {
			kv_u(out, "seq", c.seq);
			kv(out, "method", c.method);
			return;
		}
		break;
	}
	case SIP_H_MAX_FORWARDS:
	case SIP_H_EXPIRES:
	case SIP_H_CONTENT_LENGTH: {
		uint32_t x;
		if ((h->id == SIP_H_MAX_FORWARDS ? sip_max_forwards_parse(v, &x)
		                                 : sip_expires_parse(v, &x)) == 0) {
			kv_u(out, "value", x);
			return;
		}
		break;
	}
	case SIP_H_CONTENT_TYPE: {
		struct sip_ctype ct;
		if (sip_ctype_parse(v, &ct) == 0) {
			kv(out, "type", ct.type);
			kv(out, "subtype", ct.subtype);
			kv(out, "params", ct.params);
			return;
		}
		break;
	}
	case SIP_H_REASON: {
		struct sv rest = v, elem;
		int any = 0;
		while (sip_list_next(&rest, &elem) > 0) {
			struct sip_reason r;
			if (sip_reason_parse(elem, &r) < 0)
				break;
			any = 1;
			fputs("\n   ", out);
			kv(out, "protocol", r.protocol);
			if (r.has_cause)
				kv_u(out, "cause", r.cause);
			kv(out, "text", r.text);
		}
		if (any)
			return;
		break;
	}
	case SIP_H_SESSION_ID: {
		struct sip_session_id sid;
		if (sip_session_id_parse(v, &sid) == 0) {
			kv(out, "local", sid.local);
			kv(out, "remote", sid.remote);
			return;
		}
		break;
	}
	case SIP_H_IDENTITY:
		show_identity(out, v, ts_us);
		return;
	case SIP_H_EVENT: {
		struct sip_event e;
		if (sip_event_parse(v, &e) == 0) {
			kv(out, "package", e.package);
			kv(out, "id", e.id);
			return;
		}
		break;
	}
	default:
		break;
	}
	if (name_is(n, "Authorization") || name_is(n, "Proxy-Authorization") ||
	    name_is(n, "WWW-Authenticate") || name_is(n, "Proxy-Authenticate")) {
		struct sip_auth a;
		if (sip_auth_parse(v, &a) == 0) {
			char r[1024];
			size_t len = sip_auth_render(&a, r, sizeof r, show_secrets ? SIP_AUTH_SHOW_SECRETS : 0);
			fputs("  ", out);
			esc_term(out, sv_make(r, len < sizeof r ? len : strlen(r)), 0);
			return;
		}
	} else if (name_is(n, "P-Asserted-Identity") || name_is(n, "Diversion") ||
	           name_is(n, "History-Info") || name_is(n, "P-Preferred-Identity")) {
		show_list(out, v, SIP_H_CONTACT);
		return;
	} else if (name_is(n, "Warning")) {
		struct sip_warning w;
		if (sip_warning_parse(v, &w) == 0) {
			kv_u(out, "code", w.code);
			kv(out, "agent", w.agent);
			kv(out, "text", w.text);
			return;
		}
	} else if (name_is(n, "Replaces")) {
		struct sip_replaces r;
		if (sip_replaces_parse(v, &r) == 0) {
			kv(out, "call-id", r.call_id);
			kv(out, "to-tag", r.to_tag);
			kv(out, "from-tag", r.from_tag);
			if (r.early_only)
				fputs("  early-only", out);
			return;
		}
	} else if (name_is(n, "RSeq")) {
		uint32_t x;
		if (sip_rseq_parse(v, &x) == 0) {
			kv_u(out, "value", x);
			return;
		}
	} else if (name_is(n, "RAck")) {
		struct sip_rack r;
		if (sip_rack_parse(v, &r) == 0) {
			kv_u(out, "rseq", r.rseq);
			kv_u(out, "cseq", r.cseq);
			kv(out, "method", r.method);
			return;
		}
	} else if (name_is(n, "Subscription-State")) {
		struct sip_substate ss;
		if (sip_substate_parse(v, &ss) == 0) {
			kv(out, "state", ss.state);
			kv(out, "reason", ss.reason);
			if (ss.has_expires)
				kv_u(out, "expires", ss.expires);
			return;
		}
	}
	/* Anything else (or what does not parse): the value as it is. */
	fputs("  ", out);
	esc_term(out, v, 0);
}

static void show_body(FILE *out, const struct sip_msg *m, int show_secrets)
{
	if (!m->body.len)
		return;
	fprintf(out, "Body: %zu bytes", m->body.len);
	struct sv sdp_text = sip_body_sdp(m);
	struct sdp sdp;
	if (sv_is_set(sdp_text) && sdp_parse(sdp_text.p, sdp_text.len, &sdp) == 0) {
		for (size_t i = 0; i < sdp.nmedia; i++) {
			const struct sdp_media *md = &sdp.media[i];
			fprintf(out, "\n  m=[%zu]", i + 1);
			kv(out, "type", md->type);
			kv(out, "addr", md->conn);
			kv_u(out, "port", md->port);
			kv(out, "proto", md->proto);
			fprintf(out, "  dir=%s  codecs=", sdp_dir_name((enum sdp_dir)md->dir));
			for (uint16_t k = 0; k < md->nfmts; k++) {
				if (k)
					putc(',', out);
				esc_term(out, sv_is_set(md->fmts[k].encoding) ? md->fmts[k].encoding
				                                              : md->fmts[k].id, 0);
			}
			if (md->ncandidates)
				kv_u(out, "ice-candidates", md->ncandidates);
			/* SDES keys (RFC 4568) are key material: hidden unless asked. */
			for (uint8_t k = 0; k < md->ncrypto; k++) {
				const struct sdp_crypto *c = &md->crypto[k];
				fprintf(out, "\n    crypto=%" PRIu32 " ", c->tag);
				esc_term(out, c->suite_name, 0);
				if (!sv_is_set(c->key)) {
					fputs(" (no inline key)", out);
				} else if (show_secrets) {
					fputs(" inline:", out);
					esc_term(out, c->key, 0);
				} else {
					fputs(" (key hidden; --secrets shows it)", out);
				}
				if (c->mki_len)
					fprintf(out, "  mki=%" PRIu32 ":%u", c->mki, c->mki_len);
				if (sv_is_set(c->params)) {
					fputs("  params=", out);
					esc_term(out, c->params, 0);
				}
			}
		}
	}
	putc('\n', out);
}

void export_frame_line(char *buf, size_t n, struct store *s, size_t idx)
{
	const struct store_msg *r = store_msg_at(s, idx);
	char src[64], dst[64], when[32];
	time_t sec = (time_t)(r->ts_us / 1000000);
	struct tm tm;
	localtime_r(&sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
	store_endpoint_format(store_endpoint(s, r->src), src, sizeof src);
	store_endpoint_format(store_endpoint(s, r->dst), dst, sizeof dst);
	char hep[40] = "";
	if (r->agent) /* the addresses and time are the agent's, not the frame's */
		snprintf(hep, sizeof hep, "  via HEP agent %" PRIu32, store_agent_capture_id(s, r->agent));
	snprintf(buf, n, "Frame %" PRIu64 "  %s.%06d  %s -> %s  %s  %u bytes%s", r->frame, when,
	         (int)(r->ts_us % 1000000), src, dst, export_transport_name(r->transport), r->loc_len, hep);
}

int export_show(FILE *out, struct store *s, const struct tracker *t, size_t idx, int show_secrets)
{
	const struct store_msg *r = store_msg_at(s, idx);
	char line[256];
	export_frame_line(line, sizeof line, s, idx);
	fprintf(out, "%s\n", line);
	fprintf(out, "Transaction %u  Dialog %u  Call %u%s\n", r->txn, r->dialog,
	        track_call_root(t, r->call), (r->flags & STORE_MSG_RETRANS) ? "  (retransmission)" : "");
	size_t len;
	const char *b = store_msg_bytes(s, idx, &len);
	struct sip_header hdrs[MAX_HEADERS];
	struct sip_msg m;
	if (!b || sip_parse(b, len, SIP_PARSE_DATAGRAM, &m, hdrs, MAX_HEADERS) <= 0) {
		fputs("(the message bytes cannot be read again)\n", out);
		return -1;
	}
	if (m.is_request) {
		fputs("Request-Line:", out);
		kv(out, "method", m.method);
		show_uri(out, m.uri);
	} else {
		fprintf(out, "Status-Line:  status=%d", m.status);
		kv(out, "reason", m.reason);
	}
	kv(out, "version", m.version);
	putc('\n', out);
	for (size_t i = 0; i < m.nheaders; i++) {
		show_header(out, &m.headers[i], show_secrets, r->ts_us);
		putc('\n', out);
	}
	if (m.nheaders_seen > m.nheaders)
		fprintf(out, "(%zu more headers not kept)\n", m.nheaders_seen - m.nheaders);
	show_body(out, &m, show_secrets);
	fprintf(out, "Malformed: %s\n", r->malformed ? r->malformed : m.malformed ? m.malformed : "no");
	if (m.lenient)
		fprintf(out, "Lenient: %s\n", m.lenient);
	return 0;
}
