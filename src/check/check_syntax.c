/* check_syntax.c - rules on one message alone: the grammar and the
 * mandatory headers, what it carries end to end (tags, Contact, body
 * type), and one hop's copy (framing, Via branch, NAT). */
#include <arpa/inet.h>
#include <string.h>

#include "check_int.h"
#include "sipscope/sip_hdr.h"

/* ---- rules on one message ---- */

/* The parser's reason for a malformed message: the specific rules first. */
int check_syntax(struct checker *c, const struct view *v)
{
	const char *why = v->m.malformed;
	static const struct { uint8_t id; const char *name; } need[] = {
		{ SIP_H_VIA, "Via" }, { SIP_H_TO, "To" }, { SIP_H_FROM, "From" },
		{ SIP_H_CALL_ID, "Call-ID" }, { SIP_H_CSEQ, "CSeq" }, { SIP_H_MAX_FORWARDS, "Max-Forwards" },
	};
	char b[64];
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
		if (need[i].id == SIP_H_MAX_FORWARDS && !v->m.is_request)
			continue;
		if (v->m.first[need[i].id] < 0)
			check_report(c, v->idx, CHECK_MISSING_HEADER, -1, "%s has no %s header (mandatory in %s)",
			       method_str(v, b, sizeof b), need[i].name,
			       need[i].id == SIP_H_MAX_FORWARDS ? "every request" : "every message");
	}
	if (!why || !strncmp(why, "missing ", 8) || !strcmp(why, "CSeq method differs from request method"))
		return 0; /* told by their own rules */
	if (!strcmp(why, "body shorter than Content-Length")) {
		check_report(c, v->idx, CHECK_CONTENT_LENGTH_MISMATCH, -1,
		       "Content-Length says %ld bytes but only %zu follow the headers", v->m.content_length,
		       v->len - v->m.header_len);
		return 0;
	}
	check_report(c, v->idx, CHECK_PARSE_ERROR, -1, "%s is malformed: %s", method_str(v, b, sizeof b), why);
	return 1;
}

/* Rules on what the message carries end to end, reported on its first hop. */
void check_content(struct checker *c, const struct view *v, uint64_t logical)
{
	const struct sip_msg *m = &v->m;
	char b[64];
	if (m->is_request) {
		if (!sv_is_set(m->from_tag) && m->first[SIP_H_FROM] >= 0 &&
		    check_first_time(c, CHECK_MISSING_FROM_TAG, logical))
			check_report(c, v->idx, CHECK_MISSING_FROM_TAG, -1, "%s: From has no tag parameter",
			       method_str(v, b, sizeof b));
		if (m->cseq_valid && !sv_eq(m->cseq_method, m->method) &&
		    check_first_time(c, CHECK_CSEQ_METHOD_MISMATCH, logical))
			check_report(c, v->idx, CHECK_CSEQ_METHOD_MISMATCH, -1, "CSeq method %.*s differs from the "
			       "request method %.*s", (int)(m->cseq_method.len > 32 ? 32 : m->cseq_method.len),
			       m->cseq_method.p, (int)(m->method.len > 32 ? 32 : m->method.len), m->method.p);
		if (v->r->method == SIP_M_INVITE && m->first[SIP_H_CONTACT] < 0 &&
		    check_first_time(c, CHECK_INVITE_WITHOUT_CONTACT, logical))
			check_report(c, v->idx, CHECK_INVITE_WITHOUT_CONTACT, -1,
			       "INVITE has no Contact: the callee cannot reach the caller inside the dialog");
	} else {
		if (m->status > 100 && !v->has_to_tag && m->first[SIP_H_TO] >= 0 &&
		    check_first_time(c, CHECK_RESPONSE_WITHOUT_TO_TAG, logical))
			check_report(c, v->idx, CHECK_RESPONSE_WITHOUT_TO_TAG, -1, "%s has no To tag",
			       method_str(v, b, sizeof b));
		if (m->status >= 200 && m->status < 300 && v->r->method == SIP_M_INVITE &&
		    m->first[SIP_H_CONTACT] < 0 && check_first_time(c, CHECK_2XX_WITHOUT_CONTACT, logical))
			check_report(c, v->idx, CHECK_2XX_WITHOUT_CONTACT, -1,
			       "%s to INVITE has no Contact: the caller has no remote target for ACK and BYE",
			       method_str(v, b, sizeof b));
		if (m->status == 483 && check_first_time(c, CHECK_MAX_FORWARDS_EXHAUSTED, logical))
			check_report(c, v->idx, CHECK_MAX_FORWARDS_EXHAUSTED, -1,
			       "483 Too Many Hops: the request's Max-Forwards reached 0 (a routing loop?)");
	}
	if (m->body.len && m->first[SIP_H_CONTENT_TYPE] < 0 &&
	    check_first_time(c, CHECK_BODY_WITHOUT_CONTENT_TYPE, logical))
		check_report(c, v->idx, CHECK_BODY_WITHOUT_CONTENT_TYPE, -1,
		       "%s has a %zu-byte body but no Content-Type", method_str(v, b, sizeof b), m->body.len);
}

static int all_blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!sv_is_lws((unsigned char)p[i]) && p[i])
			return 0;
	return 1;
}

/* Rules on one hop's copy: framing, Via. */
void check_hop(struct checker *c, const struct view *v, const char *bytes)
{
	const struct sip_msg *m = &v->m;
	char b[64];
	/* WebSocket and SCTP frame each message themselves (RFC 7118 5). */
	if ((v->r->transport == STORE_TP_TCP || v->r->transport == STORE_TP_TLS) && m->content_length < 0)
		check_report(c, v->idx, CHECK_CONTENT_LENGTH_MISSING, -1,
		       "%s over %s has no Content-Length: the receiver cannot find where it ends",
		       method_str(v, b, sizeof b), v->r->transport == STORE_TP_TCP ? "TCP" : "TLS");
	if (!v->reliable && m->content_length >= 0 && m->msg_len < v->len &&
	    !all_blank(bytes + m->msg_len, v->len - m->msg_len))
		check_report(c, v->idx, CHECK_CONTENT_LENGTH_MISMATCH, CHECK_WARNING,
		       "Content-Length says %ld bytes but %zu more follow in the datagram (dropped by the "
		       "receiver)", m->content_length, v->len - m->msg_len);
	if (!m->is_request || m->first[SIP_H_VIA] < 0)
		return;
	struct sip_via via;
	struct sip_hdr_iter it;
	sip_hdr_iter_init(&it, m, SIP_H_VIA, NULL);
	if (sip_via_next(&it, &via) != 1)
		return;
	if (sv_is_set(via.branch) && (via.branch.len < 7 || memcmp(via.branch.p, "z9hG4bK", 7)) &&
	    check_first_time(c, CHECK_BRANCH_WITHOUT_COOKIE, hmap_mix(v->leg, v->r->src)))
		check_report(c, v->idx, CHECK_BRANCH_WITHOUT_COOKIE, -1,
		       "Via branch %.*s lacks the z9hG4bK cookie: an RFC 2543 client, matched the old way",
		       (int)(via.branch.len > 60 ? 60 : via.branch.len), via.branch.p);
	else if (!sv_is_set(via.branch) && check_first_time(c, CHECK_BRANCH_WITHOUT_COOKIE,
	                                              hmap_mix(v->leg, v->r->src)))
		check_report(c, v->idx, CHECK_BRANCH_WITHOUT_COOKIE, -1,
		       "the top Via has no branch: an RFC 2543 client, matched the old way");
	/* NAT: a literal sent-by address that is not where the packet came from. */
	const struct store_endpoint *src = store_endpoint(c->s, v->r->src);
	if (!src || (via.host_type != SIP_HOST_IPV4 && via.host_type != SIP_HOST_IPV6) ||
	    via.host.len >= 64)
		return;
	char host[64];
	unsigned char addr[16];
	memcpy(host, via.host.p, via.host.len);
	host[via.host.len] = '\0';
	int fam = via.host_type == SIP_HOST_IPV4 ? 4 : 6;
	if (inet_pton(fam == 4 ? AF_INET : AF_INET6, host, addr) != 1)
		return;
	if (fam == src->family && !memcmp(addr, src->addr, fam == 4 ? 4 : 16))
		return;
	if (!check_first_time(c, CHECK_VIA_SENT_BY_NAT, hmap_mix(v->leg, v->r->src)))
		return;
	char ep[64];
	store_endpoint_format(src, ep, sizeof ep);
	check_report(c, v->idx, CHECK_VIA_SENT_BY_NAT, -1,
	       "Via sent-by %s is not the source %s: the sender is behind NAT (responses go to the "
	       "source, received=/rport)", host, ep);
}
