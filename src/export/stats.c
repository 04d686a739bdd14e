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

int export_stats(FILE *out, struct store *s, const struct tracker *t, enum export_format fmt)
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
		fputs("]}\n", out);
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
