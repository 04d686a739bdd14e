/* stats.c - `sipscope stats`: counts, response times and RFC 6076 session
 * metrics over a whole capture, as a table or one JSON object. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/escape.h"
#include "sipscope/export.h"
#include "sipscope/sip.h"
#include "sipscope/vec.h"

/* A growable list of samples (milliseconds or seconds). */
struct series {
	double *v;
	size_t n, cap;
};

static void series_add(struct series *s, double x)
{
	if (vec_grow((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v) == 0)
		s->v[s->n++] = x;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted samples (p in 0..100). */
static double pct(const struct series *s, double p)
{
	size_t rank = (size_t)(p / 100.0 * (double)s->n + 0.999999);
	if (rank < 1)
		rank = 1;
	return s->v[rank > s->n ? s->n - 1 : rank - 1];
}

static void series_sort(struct series *s)
{
	if (s->n) /* an empty series has no array (qsort wants one) */
		qsort(s->v, s->n, sizeof *s->v, cmp_double);
}

static void series_json(FILE *out, const char *name, struct series *s)
{
	series_sort(s);
	fprintf(out, "\"%s\":", name);
	if (!s->n) {
		fputs("null", out);
		return;
	}
	fprintf(out, "{\"n\":%zu,\"min\":%.3f,\"median\":%.3f,\"p95\":%.3f,\"max\":%.3f}", s->n,
	        s->v[0], pct(s, 50), pct(s, 95), s->v[s->n - 1]);
}

static void series_row(FILE *out, const char *name, const char *unit, struct series *s)
{
	series_sort(s);
	if (!s->n) {
		fprintf(out, "  %-26s %8s\n", name, "-");
		return;
	}
	fprintf(out, "  %-26s %8zu %10.3f %10.3f %10.3f %10.3f %s\n", name, s->n, s->v[0], pct(s, 50),
	        pct(s, 95), s->v[s->n - 1], unit);
}

struct counter {
	uint32_t key; /* method (requests) or status (responses) */
	uint64_t n, retrans;
};

static struct counter *counter_at(struct counter *c, size_t *n, uint32_t key)
{
	for (size_t i = 0; i < *n; i++)
		if (c[i].key == key)
			return &c[i];
	c[*n] = (struct counter){ key, 0, 0 };
	return &c[(*n)++];
}

static int cmp_counter(const void *a, const void *b)
{
	const struct counter *x = a, *y = b;
	return (x->key > y->key) - (x->key < y->key);
}

static int cmp_count_desc(const void *a, const void *b)
{
	const struct counter *x = a, *y = b;
	return (x->n < y->n) - (x->n > y->n);
}

static const char *method_label(uint32_t m)
{
	const char *n = sip_method_name((enum sip_method)m);
	return n ? n : "other";
}

static double ms(int64_t us) { return (double)us / 1000.0; }

/* A TLS connection that is likely SIP: the sips port, or a server name
 * that says so. */
static int tls_is_sip(const struct ingest_tls *c)
{
	if (c->server.port == 5061)
		return 1;
	for (const char *p = c->sni; *p; p++)
		if ((p[0] | 0x20) == 's' && (p[1] | 0x20) == 'i' && (p[2] | 0x20) == 'p')
			return 1;
	return 0;
}

#define TLS_ROWS 20 /* connections listed in the table; JSON lists all */

static const char *tls_version_name(uint16_t v)
{
	switch (v) {
	case 0x0304: return "TLS 1.3";
	case 0x0303: return "TLS 1.2";
	case 0x0302: return "TLS 1.1";
	case 0x0301: return "TLS 1.0";
	case 0x0300: return "SSL 3.0";
	}
	return NULL;
}

/* The suite's IANA name, or its id in hex (buf), or NULL when unknown. */
static const char *tls_suite_name(uint16_t id, char *buf, size_t n)
{
	const struct tls_suite *su = tls_suite_find(id);
	if (su)
		return su->name;
	if (!id)
		return NULL;
	snprintf(buf, n, "0x%04X", id);
	return buf;
}

/* "decrypted", or why not. */
static const char *tls_outcome(const struct ingest_tls *c)
{
	if (c->decrypted && c->reason == TLS_R_OK)
		return "decrypted";
	if (c->decrypted)
		return "partly decrypted";
	return tls_reason_name(c->reason);
}

/* What the capture carried, below the SIP layer. */
static void capture_section(FILE *out, struct store *s, const struct ingest *in,
                            enum export_format fmt)
{
	uint64_t tp[STORE_TP_SCTP + 1] = { 0 };
	size_t nagents = store_agent_count(s);
	uint64_t *per_agent = calloc(nagents + 1, sizeof *per_agent);
	for (size_t i = 0; i < store_msg_count(s); i++) {
		const struct store_msg *r = store_msg_at(s, i);
		if (r->transport <= STORE_TP_SCTP)
			tp[r->transport]++;
		if (per_agent && r->agent <= nagents)
			per_agent[r->agent]++;
	}
	const struct ingest_stats *is = ingest_stats(in);
	const struct decode_stats *ds = ingest_decode_stats(in);
	const struct tcp_stats *ts = ingest_tcp_stats(in);
	static const char *const tun_names[] = { "VXLAN", "Geneve", "GRE", "ERSPAN", "IP-in-IP", "MPLS" };
	uint64_t tun[] = { ds->vxlan, ds->geneve, ds->gre, ds->erspan, ds->ipip, ds->mpls };
	size_t ntls = ingest_tls_count(in);
	if (fmt == EXPORT_JSON) {
		fputs(",\"capture\":{\"transports\":{", out);
		int first = 1;
		for (int k = 0; k <= STORE_TP_SCTP; k++)
			if (tp[k]) {
				fprintf(out, "%s\"%s\":%" PRIu64, first ? "" : ",", export_transport_name((uint8_t)k), tp[k]);
				first = 0;
			}
		fprintf(out, "},\"frames\":%" PRIu64 ",\"bad_frames\":%" PRIu64 ",\"not_sip\":%" PRIu64
		             ",\"sip_lost\":%" PRIu64,
		        is->frames, is->bad_frames, is->not_sip, is->store_errors);
		fprintf(out, ",\"ip_fragments\":{\"reassembled\":%" PRIu64 ",\"dropped\":%" PRIu64 "}",
		        ds->frags_reassembled, ds->frags_dropped);
		fprintf(out, ",\"tcp\":{\"flows\":%" PRIu64 ",\"gaps\":%" PRIu64 ",\"broken_messages\":%" PRIu64
		             ",\"unfinished_messages\":%" PRIu64 ",\"expired_flows\":%" PRIu64
		             ",\"evicted_flows\":%" PRIu64 "}",
		        ts->flows, is->tcp_gaps, is->tcp_broken, is->tcp_unfinished, ts->expired_flows,
		        ts->evicted_flows);
		fputs(",\"tunnels\":{", out);
		for (size_t k = 0; k < sizeof tun / sizeof tun[0]; k++)
			fprintf(out, "%s\"%s\":%" PRIu64, k ? "," : "", tun_names[k], tun[k]);
		fprintf(out, "},\"hep\":{\"packets\":%" PRIu64 ",\"over_tcp\":%" PRIu64 ",\"malformed\":%" PRIu64
		             ",\"not_sip\":%" PRIu64 ",\"agents\":[",
		        ds->hep, is->hep_tcp, ds->hep_bad, ds->hep_not_sip);
		for (size_t a = 1; a <= nagents; a++)
			fprintf(out, "%s{\"capture_id\":%" PRIu32 ",\"messages\":%" PRIu64 "}", a > 1 ? "," : "",
			        store_agent_capture_id(s, (uint8_t)a), per_agent ? per_agent[a] : 0);
		fprintf(out, "]},\"websocket\":{\"messages\":%" PRIu64 ",\"broken\":%" PRIu64
		             ",\"compressed\":%" PRIu64 "},\"tls\":[",
		        is->ws_msgs, is->ws_broken, is->ws_compressed);
		for (size_t i = 0; i < ntls; i++) {
			const struct ingest_tls *c = ingest_tls(in, i);
			char a[80], b[80];
			store_endpoint_format(&c->client, a, sizeof a);
			store_endpoint_format(&c->server, b, sizeof b);
			fprintf(out, "%s{\"client\":\"%s\",\"server\":\"%s\",\"sni\":", i ? "," : "", a, b);
			if (c->sni[0])
				esc_json(out, sv_make(c->sni, strlen(c->sni)));
			else
				fputs("null", out);
			fprintf(out, ",\"sip\":%s,\"handshake_seen\":%s,\"first_frame\":%" PRIu64
			             ",\"last_frame\":%" PRIu64 ",\"segments\":%" PRIu64 ",\"bytes\":%" PRIu64,
			        c->sip_msgs || tls_is_sip(c) ? "true" : "false", c->hello ? "true" : "false",
			        c->first_frame, c->last_frame, c->segments, c->bytes);
			char sb[16];
			const char *v = tls_version_name(c->version), *su = tls_suite_name(c->suite, sb, sizeof sb);
			fprintf(out, ",\"version\":%s%s%s,\"cipher_suite\":%s%s%s,\"resumed\":%s,\"decrypted\":%s"
			             ",\"reason\":\"%s\",\"records\":%" PRIu64 ",\"records_decrypted\":%" PRIu64
			             ",\"records_failed\":%" PRIu64 ",\"sip_messages\":%" PRIu64 "}",
			        v ? "\"" : "", v ? v : "null", v ? "\"" : "", su ? "\"" : "", su ? su : "null", su ? "\"" : "",
			        c->resumed ? "true" : "false", c->decrypted ? "true" : "false",
			        tls_reason_name(c->reason), c->records, c->records_ok, c->records_failed, c->sip_msgs);
		}
		fputs("]", out);
		const struct tls_stats *tt = ingest_tls_totals(in);
		if (tt)
			fprintf(out, ",\"tls_totals\":{\"connections\":%zu,\"records\":%" PRIu64
			             ",\"records_decrypted\":%" PRIu64 ",\"records_failed\":%" PRIu64
			             ",\"records_no_key\":%" PRIu64 ",\"pending_dropped\":%" PRIu64
			             ",\"resyncs\":%" PRIu64 ",\"key_updates\":%" PRIu64 ",\"sip_messages\":%" PRIu64
			             ",\"secrets_blocks\":%" PRIu64 "}",
			        ntls, tt->records, tt->records_decrypted, tt->records_failed, tt->records_no_key,
			        tt->pending_dropped, tt->resyncs, tt->key_updates, is->tls_sip_msgs, is->tls_dsb);
		fputs("}", out);
	} else {
		fputs("\nCapture\n  messages by transport     ", out);
		for (int k = 0; k <= STORE_TP_SCTP; k++)
			if (tp[k])
				fprintf(out, " %s %" PRIu64, export_transport_name((uint8_t)k), tp[k]);
		fprintf(out, "\n  frames                     %" PRIu64 " (cut or broken %" PRIu64 ", UDP/TCP not SIP %" PRIu64 ")\n",
		        is->frames, is->bad_frames, is->not_sip);
		if (is->store_errors) /* not in the counts above or below: not kept at all */
			fprintf(out, "  SIP messages lost          %" PRIu64 " (%s)\n", is->store_errors,
			        *store_error(s) ? store_error(s) : "out of memory");
		fprintf(out, "  IP fragments               reassembled %" PRIu64 ", dropped %" PRIu64 "\n",
		        ds->frags_reassembled, ds->frags_dropped);
		fprintf(out, "  TCP                        flows %" PRIu64 ", gaps %" PRIu64 ", messages cut %" PRIu64
		             ", unfinished %" PRIu64 ", idle expired %" PRIu64 ", evicted %" PRIu64 "\n",
		        ts->flows, is->tcp_gaps, is->tcp_broken, is->tcp_unfinished, ts->expired_flows,
		        ts->evicted_flows);
		int any = 0;
		for (size_t k = 0; k < sizeof tun / sizeof tun[0]; k++)
			if (tun[k]) {
				fprintf(out, "%s %s %" PRIu64, any ? "," : "  tunnels (frames)          ", tun_names[k], tun[k]);
				any = 1;
			}
		if (any)
			putc('\n', out);
		if (ds->hep || ds->hep_bad || ds->hep_not_sip) {
			fprintf(out, "  HEP                        packets %" PRIu64 " (over TCP %" PRIu64 "), malformed %" PRIu64
			             ", not SIP %" PRIu64 "\n",
			        ds->hep, is->hep_tcp, ds->hep_bad, ds->hep_not_sip);
			for (size_t a = 1; a <= nagents; a++)
				fprintf(out, "    agent %-10" PRIu32 "         %" PRIu64 " messages\n",
				        store_agent_capture_id(s, (uint8_t)a), per_agent ? per_agent[a] : 0);
		}
		if (is->ws_msgs || is->ws_broken || is->ws_compressed)
			fprintf(out, "  WebSocket                  messages %" PRIu64 ", cut %" PRIu64
			             ", compressed (not read) %" PRIu64 "\n",
			        is->ws_msgs, is->ws_broken, is->ws_compressed);
		if (ntls) {
			size_t nsip = 0, ndec = 0;
			for (size_t i = 0; i < ntls; i++) {
				const struct ingest_tls *c = ingest_tls(in, i);
				nsip += (size_t)(c->sip_msgs || tls_is_sip(c));
				ndec += (size_t)c->decrypted;
			}
			fprintf(out, "\nTLS connections: %zu, %zu decrypted, %zu SIP or likely SIP", ntls, ndec, nsip);
			if (is->tls_sip_msgs)
				fprintf(out, " (%" PRIu64 " SIP messages decrypted)", is->tls_sip_msgs);
			if (is->tls_dsb)
				fprintf(out, "; secrets from %" PRIu64 " pcapng block%s", is->tls_dsb, is->tls_dsb == 1 ? "" : "s");
			fputs("\n  client                    server                  version  cipher suite                            "
			      "segments  SIP  decrypted / why not     server name\n", out);
			for (size_t i = 0; i < ntls && i < TLS_ROWS; i++) {
				const struct ingest_tls *c = ingest_tls(in, i);
				char a[80], b[80], sb[16];
				store_endpoint_format(&c->client, a, sizeof a);
				store_endpoint_format(&c->server, b, sizeof b);
				const char *v = tls_version_name(c->version), *su = tls_suite_name(c->suite, sb, sizeof sb);
				fprintf(out, "  %-25s %-25s %-7s  %-39s %8" PRIu64 " %4" PRIu64 "  %-22s  ", a, b, v ? v : "-",
				        su ? su : "-", c->segments, c->sip_msgs, tls_outcome(c));
				esc_term(out, c->sni[0] ? sv_make(c->sni, strlen(c->sni)) : sv_make("-", 1), 0);
				putc('\n', out);
			}
			if (ntls > TLS_ROWS)
				fprintf(out, "  ... %zu more (all in --format json)\n", ntls - TLS_ROWS);
		}
	}
	free(per_agent);
}

/* Findings per rule (the rules with any), in rule order: a table with
 * each rule's severity, or ,"findings":{"rule-id":count,...}. */
static void findings_section(FILE *out, const struct checker *c, enum export_format fmt)
{
	size_t k = 0;
	if (fmt == EXPORT_JSON)
		fputs(",\"findings\":{", out);
	else
		fputs("\nFindings by rule               severity     count\n", out);
	for (int r = 0; r < CHECK_RULE__COUNT; r++) {
		size_t n = check_rule_hits(c, (enum check_rule)r);
		if (!n)
			continue;
		const struct check_rule_info *ri = check_rule_info((enum check_rule)r);
		if (fmt == EXPORT_JSON)
			fprintf(out, "%s\"%s\":%zu", k ? "," : "", ri->id, n);
		else
			fprintf(out, "  %-28s %-8s %8zu\n", ri->id,
			        check_severity_name((enum check_severity)ri->severity), n);
		k++;
	}
	if (fmt == EXPORT_JSON)
		putc('}', out);
	else if (!k)
		fputs("  (none)\n", out);
}

int export_stats(FILE *out, struct store *s, const struct tracker *t, const struct ingest *in,
                 const struct checker *check, enum export_format fmt)
{
	struct counter reqs[SIP_M__COUNT], rsps[600];
	size_t nreq = 0, nrsp = 0;
	uint64_t total = 0, retrans = 0, malformed = 0;
	size_t nmsgs = store_msg_count(s);
	/* Endpoint activity: messages sent or received, by endpoint id. */
	struct counter *eps = NULL;
	size_t neps = 0, cap_eps = 0;
	uint32_t *ep_slot = NULL;
	size_t cap_slot = 0;
	for (size_t i = 0; i < nmsgs; i++) {
		const struct store_msg *r = store_msg_at(s, i);
		total++;
		int rt = (r->flags & STORE_MSG_RETRANS) != 0;
		retrans += (uint64_t)rt;
		malformed += r->malformed != NULL;
		struct counter *c = (r->flags & STORE_MSG_REQUEST)
		                    ? counter_at(reqs, &nreq, r->method)
		                    : r->status >= 100 && r->status < 700 ? counter_at(rsps, &nrsp, r->status)
		                                                           : NULL;
		if (c) {
			c->n++;
			c->retrans += (uint64_t)rt;
		}
		uint32_t ends[2] = { r->src, r->dst };
		for (int k = 0; k < 2; k++) {
			uint32_t e = ends[k];
			if (!e)
				continue;
			if (e >= cap_slot) {
				size_t old = cap_slot;
				if (vec_grow((void **)&ep_slot, &cap_slot, (size_t)e + 1, sizeof *ep_slot))
					continue;
				memset(ep_slot + old, 0, (cap_slot - old) * sizeof *ep_slot);
			}
			if (!ep_slot[e]) {
				if (vec_grow((void **)&eps, &cap_eps, neps + 1, sizeof *eps))
					continue;
				eps[neps] = (struct counter){ e, 0, 0 };
				ep_slot[e] = (uint32_t)++neps;
			}
			eps[ep_slot[e] - 1].n++;
		}
	}
	qsort(reqs, nreq, sizeof *reqs, cmp_counter);
	qsort(rsps, nrsp, sizeof *rsps, cmp_counter);
	if (neps)
		qsort(eps, neps, sizeof *eps, cmp_count_desc);

	/* Response time per method: request to first final response. */
	struct series rtt[SIP_M__COUNT];
	memset(rtt, 0, sizeof rtt);
	for (uint32_t id = 1; id <= track_txn_count(t); id++) {
		const struct txn_info *x = track_txn(t, id);
		if (!x->final_msg || x->method >= SIP_M__COUNT)
			continue;
		const struct store_msg *a = store_msg_at(s, x->first_msg - 1);
		const struct store_msg *b = store_msg_at(s, x->final_msg - 1);
		series_add(&rtt[x->method], ms(b->ts_us - a->ts_us));
	}

	/* Calls, and RFC 6076 session metrics over INVITE calls. */
	uint64_t states[CALL_STATE_FAILED + 1] = { 0 };
	uint64_t ncalls = 0, invites = 0, ok2xx = 0, redirected = 0, effective = 0, ineffective = 0,
	         completed = 0;
	struct series ring = { 0 }, answer = { 0 }, dur = { 0 }, srd = { 0 }, sdd = { 0 };
	for (size_t i = 0; i < track_call_count(t); i++) {
		const struct call_info *c = track_call(t, i);
		if (c->root)
			continue;
		ncalls++;
		if (c->state <= CALL_STATE_FAILED)
			states[c->state]++;
		if (c->method != SIP_M_INVITE)
			continue;
		invites++;
		uint16_t f = c->final_status;
		if (f >= 200 && f < 300)
			ok2xx++;
		if (f >= 300 && f < 400)
			redirected++;
		/* SEER counts the answers that show the network worked (6076 4.7). */
		if ((f >= 200 && f < 300) || f == 480 || f == 486 || f == 600 || f == 603)
			effective++;
		if (f == 408 || f == 500 || f == 503 || f == 504 || c->state == CALL_STATE_FAILED)
			ineffective++;
		if (c->ring_us)
			series_add(&ring, ms(c->ring_us - c->start_us));
		if (c->answer_us)
			series_add(&answer, ms(c->answer_us - c->start_us));
		if (c->answer_us && c->bye_us) {
			completed++;
			series_add(&dur, (double)(c->bye_us - c->answer_us) / 1e6);
		}
		/* SRD: to the first non-100 provisional of a successful setup, or
		 * to the final response of a failed one (6076 4.1). */
		if (f >= 200 && f < 300)
			series_add(&srd, ms((c->ring_us ? c->ring_us : c->final_us) - c->start_us));
		else if (f >= 300)
			series_add(&srd, ms(c->final_us - c->start_us));
		if (c->bye_us && c->bye_ok_us)
			series_add(&sdd, ms(c->bye_ok_us - c->bye_us));
	}
	uint64_t attempts = invites - redirected;
	double ser = attempts ? 100.0 * (double)ok2xx / (double)attempts : 0;
	double seer = attempts ? 100.0 * (double)effective / (double)attempts : 0;
	double isa = invites ? 100.0 * (double)ineffective / (double)invites : 0;
	double scr = invites ? 100.0 * (double)completed / (double)invites : 0;

	if (fmt == EXPORT_JSON) {
		fprintf(out, "{\"messages\":%" PRIu64 ",\"retransmissions\":%" PRIu64
		             ",\"malformed\":%" PRIu64 ",\"requests\":{", total, retrans, malformed);
		for (size_t i = 0; i < nreq; i++)
			fprintf(out, "%s\"%s\":{\"count\":%" PRIu64 ",\"retrans\":%" PRIu64 "}", i ? "," : "",
			        method_label(reqs[i].key), reqs[i].n, reqs[i].retrans);
		fputs("},\"responses\":{", out);
		for (size_t i = 0; i < nrsp; i++)
			fprintf(out, "%s\"%u\":{\"count\":%" PRIu64 ",\"retrans\":%" PRIu64 "}", i ? "," : "",
			        rsps[i].key, rsps[i].n, rsps[i].retrans);
		fputs("},\"response_ms\":{", out);
		int first = 1;
		for (int m = 0; m < SIP_M__COUNT; m++) {
			if (!rtt[m].n)
				continue;
			if (!first)
				putc(',', out);
			first = 0;
			series_json(out, method_label((uint32_t)m), &rtt[m]);
		}
		fprintf(out, "},\"calls\":%" PRIu64 ",\"states\":{", ncalls);
		first = 1;
		for (int st = 0; st <= CALL_STATE_FAILED; st++) {
			if (!states[st])
				continue;
			fprintf(out, "%s\"%s\":%" PRIu64, first ? "" : ",", track_state_name((enum call_state)st),
			        states[st]);
			first = 0;
		}
		fputs("},", out);
		series_json(out, "ring_ms", &ring);
		putc(',', out);
		series_json(out, "answer_ms", &answer);
		putc(',', out);
		series_json(out, "duration_s", &dur);
		fputs(",\"rfc6076\":{", out);
		series_json(out, "srd_ms", &srd);
		putc(',', out);
		series_json(out, "sdd_ms", &sdd);
		fprintf(out, ",\"ser_pct\":%.2f,\"seer_pct\":%.2f,\"isa_pct\":%.2f,\"scr_pct\":%.2f}", ser,
		        seer, isa, scr);
		fputs(",\"top_endpoints\":[", out);
		for (size_t i = 0; i < neps && i < 10; i++) {
			char ep[80];
			store_endpoint_format(store_endpoint(s, eps[i].key), ep, sizeof ep);
			fprintf(out, "%s{\"endpoint\":\"%s\",\"messages\":%" PRIu64 "}", i ? "," : "", ep, eps[i].n);
		}
		putc(']', out);
		if (check)
			findings_section(out, check, fmt);
		if (in)
			capture_section(out, s, in, fmt);
		fputs("}\n", out);
	} else {
		fprintf(out, "Messages: %" PRIu64 " (retransmissions %" PRIu64 ", malformed %" PRIu64 ")\n",
		        total, retrans, malformed);
		fputs("\nRequests                      count    retrans\n", out);
		for (size_t i = 0; i < nreq; i++)
			fprintf(out, "  %-26s %6" PRIu64 " %10" PRIu64 "\n", method_label(reqs[i].key), reqs[i].n,
			        reqs[i].retrans);
		fputs("\nResponses                     count    retrans\n", out);
		for (size_t i = 0; i < nrsp; i++)
			fprintf(out, "  %-26u %6" PRIu64 " %10" PRIu64 "\n", rsps[i].key, rsps[i].n, rsps[i].retrans);
		fputs("\nResponse time (request to final)  n        min     median        p95        max\n", out);
		for (int m = 0; m < SIP_M__COUNT; m++)
			if (rtt[m].n)
				series_row(out, method_label((uint32_t)m), "ms", &rtt[m]);
		fprintf(out, "\nCalls: %" PRIu64 "\n", ncalls);
		for (int st = 0; st <= CALL_STATE_FAILED; st++)
			if (states[st])
				fprintf(out, "  %-26s %6" PRIu64 "\n", track_state_name((enum call_state)st), states[st]);
		fputs("\nINVITE timing                     n        min     median        p95        max\n", out);
		series_row(out, "to first 18x (PDD)", "ms", &ring);
		series_row(out, "to 2xx (answer)", "ms", &answer);
		series_row(out, "duration (2xx to BYE)", "s", &dur);
		series_row(out, "RFC 6076 SRD", "ms", &srd);
		series_row(out, "RFC 6076 SDD", "ms", &sdd);
		fprintf(out, "  RFC 6076 SER %.2f%%  SEER %.2f%%  ISA %.2f%%  SCR %.2f%%\n", ser, seer, isa, scr);
		fputs("\nTop endpoints                  messages\n", out);
		for (size_t i = 0; i < neps && i < 10; i++) {
			char ep[80];
			store_endpoint_format(store_endpoint(s, eps[i].key), ep, sizeof ep);
			fprintf(out, "  %-26s %8" PRIu64 "\n", ep, eps[i].n);
		}
		if (check)
			findings_section(out, check, fmt);
		if (in)
			capture_section(out, s, in, fmt);
	}
	for (int m = 0; m < SIP_M__COUNT; m++)
		free(rtt[m].v);
	free(ring.v);
	free(answer.v);
	free(dur.v);
	free(srd.v);
	free(sdd.v);
	free(eps);
	free(ep_slot);
	return 0;
}
