/* batch.c - messages and calls as JSON lines, tables and CSV. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sipscope/alias.h"
#include "sipscope/calllist.h"
#include "sipscope/escape.h"
#include "sipscope/export.h"
#include "sipscope/identity.h"
#include "sipscope/sdp.h"
#include "sipscope/sip.h"

#define MAX_HEADERS 128

static const char *const transport_names[] = { "UDP", "TCP", "TLS", "WS", "WSS", "SCTP" };

const char *export_transport_name(uint8_t t)
{
	return t < sizeof transport_names / sizeof transport_names[0] ? transport_names[t] : "?";
}

int export_format_parse(const char *name, enum export_format *out)
{
	if (!strcmp(name, "table"))
		*out = EXPORT_TABLE;
	else if (!strcmp(name, "json"))
		*out = EXPORT_JSON;
	else if (!strcmp(name, "csv"))
		*out = EXPORT_CSV;
	else
		return -1;
	return 0;
}

static void json_sv_or_null(FILE *out, struct sv v)
{
	if (sv_is_set(v))
		esc_json(out, v);
	else
		fputs("null", out);
}

static void json_id(FILE *out, uint32_t id)
{
	if (id)
		fprintf(out, "%" PRIu32, id);
	else
		fputs("null", out);
}

static void fmt_time(char *buf, size_t n, int64_t us)
{
	/* Rows come in time order, many within one second: convert each
	 * second once. */
	static time_t last = (time_t)-1;
	static char date[32];
	static size_t dlen;
	time_t sec = (time_t)(us / 1000000);
	if (sec != last) {
		struct tm tm;
		localtime_r(&sec, &tm);
		dlen = strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
		last = sec;
	}
	snprintf(buf, n, "%.*s.%06d", (int)dlen, date, (int)(us % 1000000));
}

static void csv_field(FILE *out, struct sv v)
{
	/* RFC 4180 quoting; the runs between quotes escaped like a terminal
	 * would (whole runs, so multi-byte UTF-8 stays intact). */
	putc('"', out);
	const char *p = v.p, *end = v.p + v.len;
	while (p < end) {
		const char *q = memchr(p, '"', (size_t)(end - p));
		esc_term(out, sv_make(p, (size_t)((q ? q : end) - p)), 0);
		if (!q)
			break;
		fputs("\"\"", out);
		p = q + 1;
	}
	putc('"', out);
}

/* Frame of message index+1 `msg`, or 0. */
static uint64_t frame_of(struct store *s, uint32_t msg)
{
	const struct store_msg *r = msg ? store_msg_at(s, msg - 1) : NULL;
	return r ? r->frame : 0;
}

static void json_frame(FILE *out, uint64_t frame)
{
	if (frame)
		fprintf(out, "%" PRIu64, frame);
	else
		fputs("null", out);
}

/* "sdp": the offer/answer summary of an application/sdp body, or null. */
static void sdp_json(FILE *out, const struct sip_msg *m)
{
	struct sv body = sip_body_sdp(m); /* multipart bodies too (SIP-I) */
	struct sdp sdp;
	if (!sv_is_set(body) || sdp_parse(body.p, body.len, &sdp) < 0) {
		fputs("null", out);
		return;
	}
	fputs("{\"media\":[", out);
	for (size_t i = 0; i < sdp.nmedia; i++) {
		const struct sdp_media *md = &sdp.media[i];
		fputs(i ? ",{\"type\":" : "{\"type\":", out);
		esc_json(out, md->type);
		fputs(",\"addr\":", out);
		json_sv_or_null(out, md->conn);
		fprintf(out, ",\"port\":%" PRIu32 ",\"proto\":", md->port);
		esc_json(out, md->proto);
		fprintf(out, ",\"dir\":\"%s\",\"codecs\":[", sdp_dir_name((enum sdp_dir)md->dir));
		for (uint16_t k = 0; k < md->nfmts; k++) {
			if (k)
				putc(',', out);
			/* The rtpmap name, or the payload type when there is none
			 * (static types such as 0 and 8 need no rtpmap). */
			esc_json(out, sv_is_set(md->fmts[k].encoding) ? md->fmts[k].encoding : md->fmts[k].id);
		}
		fprintf(out, "],\"candidates\":%u}", md->ncandidates);
	}
	fputs("]}", out);
}

void export_json_alias_names(FILE *out, const struct store_endpoint *src,
                             const struct store_endpoint *dst)
{
	char name[ALIAS_NAME_MAX + 8];
	if (alias_format(src, name, sizeof name)) {
		fputs(",\"src_name\":", out);
		esc_json(out, sv_make(name, strlen(name)));
	}
	if (alias_format(dst, name, sizeof name)) {
		fputs(",\"dst_name\":", out);
		esc_json(out, sv_make(name, strlen(name)));
	}
}

/* ,"identity":{...} for a message with an Identity header (RFC 8224);
 * nothing for the others, whose lines stay as they were. */
static void identity_json(FILE *out, const struct sip_msg *m, int64_t ts_us)
{
	struct sv v = sip_header_get(m, SIP_H_IDENTITY);
	if (!sv_is_set(v))
		return;
	struct identity *id = malloc(sizeof *id);
	if (!id)
		return;
	char reason[400];
	int verdict = identity_check(v, identity_keys_default(), ts_us / 1000000, id, NULL, reason,
	                             sizeof reason);
	fputs(",\"identity\":{\"attest\":", out);
	json_sv_or_null(out, id->attest);
	fputs(",\"orig\":", out);
	json_sv_or_null(out, sv_is_set(id->orig_tn) ? id->orig_tn : id->orig_uri);
	fputs(",\"dest\":", out);
	if (id->ndest_tn || id->ndest_uri) {
		putc('[', out);
		for (size_t i = 0; i < id->ndest_tn + id->ndest_uri; i++) {
			if (i)
				putc(',', out);
			esc_json(out, i < id->ndest_tn ? id->dest_tn[i] : id->dest_uri[i - id->ndest_tn]);
		}
		putc(']', out);
	} else {
		fputs("null", out);
	}
	fputs(",\"iat\":", out);
	if (id->has_iat)
		fprintf(out, "%lld", (long long)id->iat);
	else
		fputs("null", out);
	fputs(",\"origid\":", out);
	json_sv_or_null(out, id->origid);
	fputs(",\"x5u\":", out);
	json_sv_or_null(out, id->x5u);
	fputs(",\"ppt\":", out);
	json_sv_or_null(out, id->ppt);
	fputs(",\"div\":", out);
	json_sv_or_null(out, sv_is_set(id->div_tn) ? id->div_tn : id->div_uri);
	fprintf(out, ",\"verified\":%s,\"reason\":", verdict == IDENTITY_GOOD ? "true"
	                                             : verdict == IDENTITY_BAD ? "false" : "null");
	esc_json(out, sv_make(reason, strlen(reason)));
	putc('}', out);
	free(id);
}

static void message_json(FILE *out, struct store *s, const struct tracker *t,
                         const struct store_msg *r, const struct sip_msg *m, int parsed)
{
	char src[80], dst[80];
	store_endpoint_format(store_endpoint(s, r->src), src, sizeof src);
	store_endpoint_format(store_endpoint(s, r->dst), dst, sizeof dst);
	fprintf(out, "{\"frame\":%" PRIu64 ",\"time\":%" PRId64 ".%06d,", r->frame,
	        r->ts_us / 1000000, (int)(r->ts_us % 1000000));
	fprintf(out, "\"src\":\"%s\",\"dst\":\"%s\"", src, dst);
	export_json_alias_names(out, store_endpoint(s, r->src), store_endpoint(s, r->dst));
	fprintf(out, ",\"transport\":\"%s\",", export_transport_name(r->transport));
	if (r->agent)
		fprintf(out, "\"capture_id\":%" PRIu32 ",", store_agent_capture_id(s, r->agent));
	else
		fputs("\"capture_id\":null,", out);
	fputs("\"method\":", out);
	if (r->flags & STORE_MSG_REQUEST)
		json_sv_or_null(out, parsed ? m->method : SV_NULL);
	else
		fputs("null", out);
	fputs(",\"status\":", out);
	if (r->flags & STORE_MSG_REQUEST)
		fputs("null", out);
	else
		fprintf(out, "%u", r->status);
	fputs(",\"call_id\":", out);
	json_sv_or_null(out, parsed ? m->call_id : store_str(s, r->call_id));
	fputs(",\"cseq\":", out);
	if (parsed && m->cseq_valid)
		fprintf(out, "%" PRIu32, m->cseq);
	else
		fputs("null", out);
	fputs(",\"cseq_method\":", out);
	json_sv_or_null(out, parsed && m->cseq_valid ? m->cseq_method : SV_NULL);
	fputs(",\"from_tag\":", out);
	json_sv_or_null(out, parsed ? m->from_tag : SV_NULL);
	fputs(",\"to_tag\":", out);
	json_sv_or_null(out, parsed ? m->to_tag : SV_NULL);
	fputs(",\"branch\":", out);
	json_sv_or_null(out, parsed ? m->branch : SV_NULL);
	fprintf(out, ",\"retrans\":%s,\"txn\":", r->flags & STORE_MSG_RETRANS ? "true" : "false");
	json_id(out, r->txn);
	fputs(",\"dialog\":", out);
	json_id(out, r->dialog);
	fputs(",\"call\":", out);
	json_id(out, track_call_root(t, r->call));
	fputs(",\"request_frame\":", out);
	json_frame(out, frame_of(s, r->request_msg));
	/* Links beyond the contract: the INVITE a CANCEL cancels, and the same
	 * request on the first hop it was seen on (a proxy's copy). */
	const struct txn_info *x = track_txn(t, r->txn);
	const struct txn_info *inv = x ? track_txn(t, x->cancels) : NULL;
	fputs(",\"cancels_frame\":", out);
	json_frame(out, (r->flags & STORE_MSG_REQUEST) && inv ? frame_of(s, inv->first_msg) : 0);
	const struct txn_info *org = x && x->origin != r->txn ? track_txn(t, x->origin) : NULL;
	fputs(",\"first_hop_frame\":", out);
	json_frame(out, (r->flags & STORE_MSG_REQUEST) && org ? frame_of(s, org->first_msg) : 0);
	fputs(",\"sdp\":", out);
	if (parsed)
		sdp_json(out, m);
	else
		fputs("null", out);
	if (parsed)
		identity_json(out, m, r->ts_us);
	fputs(",\"malformed\":", out);
	const char *why = r->malformed ? r->malformed : (parsed ? NULL : "bytes unavailable");
	json_sv_or_null(out, why ? sv_make(why, strlen(why)) : SV_NULL);
	/* Beyond the contract: what a robust parser tolerated (RFC 4475). */
	fputs(",\"lenient\":", out);
	const char *len_why = parsed ? m->lenient : NULL;
	json_sv_or_null(out, len_why ? sv_make(len_why, strlen(len_why)) : SV_NULL);
	fputs("}\n", out);
}

static void message_row(FILE *out, struct store *s, const struct store_msg *r,
                        const struct sip_msg *m, int parsed, enum export_format fmt)
{
	char src[80], dst[80], ts[48], what[64];
	store_endpoint_format(store_endpoint(s, r->src), src, sizeof src);
	store_endpoint_format(store_endpoint(s, r->dst), dst, sizeof dst);
	fmt_time(ts, sizeof ts, r->ts_us);
	struct sv label;
	if (r->flags & STORE_MSG_REQUEST) {
		label = parsed ? m->method : sv_make("?", 1);
	} else {
		/* "180 Ringing": the reason phrase is wire text, escaped below. */
		struct sv reason = parsed ? m->reason : SV_NULL;
		snprintf(what, sizeof what, "%u %.*s", r->status,
		         (int)(reason.len > 40 ? 40 : reason.len), reason.p ? reason.p : "");
		label = sv_trim(sv_make(what, strlen(what)));
	}
	struct sv cid = parsed ? m->call_id : store_str(s, r->call_id);
	char cseq[48] = "";
	if (parsed && m->cseq_valid)
		snprintf(cseq, sizeof cseq, "%" PRIu32, m->cseq);
	if (fmt == EXPORT_CSV) {
		fprintf(out, "%" PRIu64 ",%s,%s,%s,%s,", r->frame, ts, src, dst, export_transport_name(r->transport));
		csv_field(out, label);
		putc(',', out);
		csv_field(out, cid);
		fprintf(out, ",%s,", cseq);
		csv_field(out, parsed && m->cseq_valid ? m->cseq_method : SV_NULL);
		fprintf(out, ",%s,", r->flags & STORE_MSG_RETRANS ? "1" : "0");
		csv_field(out, r->malformed ? sv_make(r->malformed, strlen(r->malformed)) : SV_NULL);
		putc('\n', out);
		return;
	}
	fprintf(out, "%6" PRIu64 "  %s  %21s -> %-21s %-5s ", r->frame, ts, src, dst,
	        export_transport_name(r->transport));
	struct sv l = label.len > 18 ? sv_make(label.p, 18) : label;
	esc_term(out, l, 0);
	fprintf(out, "%*s", (int)(19 - l.len), "");
	if (parsed && m->cseq_valid) {
		fprintf(out, "%6s ", cseq);
		struct sv cm = m->cseq_method.len > 9 ? sv_make(m->cseq_method.p, 9) : m->cseq_method;
		esc_term(out, cm, 0);
		fprintf(out, "%*s", (int)(10 - cm.len), "");
	} else {
		fprintf(out, "%6s %-9s ", "-", "-");
	}
	esc_term(out, cid, 0);
	if (r->flags & STORE_MSG_RETRANS)
		fputs("  [retrans]", out);
	if (r->malformed) {
		fputs("  [malformed: ", out);
		fputs(r->malformed, out);
		putc(']', out);
	}
	putc('\n', out);
}

/* The messages at store indexes idx[0..n) (every message, in order,
 * when idx is NULL). */
static int messages_out(FILE *out, struct store *s, const struct tracker *t,
                        enum export_format fmt, const size_t *idx, size_t n)
{
	static struct sip_header hdrs[MAX_HEADERS];
	int rc = 0;
	if (fmt == EXPORT_CSV)
		fputs("frame,time,src,dst,transport,message,call_id,cseq,cseq_method,retrans,malformed\n", out);
	else if (fmt == EXPORT_TABLE)
		fprintf(out, "%6s  %-26s  %21s    %-21s %-5s %-18s %6s %-9s %s\n", "FRAME", "TIME",
		        "SOURCE", "DESTINATION", "PROTO", "MESSAGE", "CSEQ", "", "CALL-ID");
	flockfile(out); /* one lock for the listing, not one per stdio call */
	for (size_t k = 0; k < n; k++) {
		size_t i = idx ? idx[k] : k;
		const struct store_msg *r = store_msg_at(s, i);
		size_t len;
		const char *bytes = store_msg_bytes(s, i, &len);
		struct sip_msg m;
		int parsed = 0;
		/* Stored bytes are one framed message whatever the transport (and
		 * may be cut short): parse them as a whole. */
		if (bytes)
			parsed = sip_parse(bytes, len, SIP_PARSE_DATAGRAM, &m, hdrs, MAX_HEADERS) > 0;
		else
			rc = -1;
		if (fmt == EXPORT_JSON)
			message_json(out, s, t, r, &m, parsed);
		else
			message_row(out, s, r, &m, parsed, fmt);
	}
	funlockfile(out);
	return rc;
}

int export_messages(FILE *out, struct store *s, const struct tracker *t, enum export_format fmt)
{
	return messages_out(out, s, t, fmt, NULL, store_msg_count(s));
}

int export_call_messages(FILE *out, struct store *s, const struct tracker *t,
                         enum export_format fmt, const uint32_t *calls, size_t ncalls)
{
	size_t *all;
	long n = track_calls_messages(t, calls, ncalls, 0, &all);
	if (n < 0)
		return -1;
	int rc = messages_out(out, s, t, fmt, all, (size_t)n);
	free(all);
	return rc;
}

/* Setup time (first request to its final response), ms; -1 when none. */
static double call_setup_ms(const struct call_info *c)
{
	return c->final_us ? (double)(c->final_us - c->start_us) / 1000.0 : -1;
}

/* Talk time (2xx to BYE, or so far), s; -1 when unanswered. */
static double call_duration_s(const struct call_info *c, int64_t now_us)
{
	int64_t d = track_call_duration_us(c, now_us);
	return d < 0 ? -1 : (double)d / 1e6;
}

/* A call as listed: its first leg, plus what its other legs add. */
struct call_sum {
	const struct call_info *c; /* the root leg: From, To, state, timing */
	uint32_t nlegs, nmsgs, ndialogs;
	int64_t start_us, end_us;
};

static void call_sum(const struct tracker *t, size_t idx, struct call_sum *sum)
{
	struct call_totals tot;
	track_call_totals(t, (uint32_t)idx + 1, &tot);
	sum->c = track_call(t, idx);
	sum->nlegs = tot.nlegs;
	sum->nmsgs = tot.nmsgs;
	sum->ndialogs = tot.ndialogs;
	sum->start_us = tot.start_us;
	sum->end_us = tot.end_us;
}

/* ,"streams":N,"media_problems":["one-way",...] of a call's summed media. */
static void media_json(FILE *out, const struct calllist_media *cm)
{
	fprintf(out, ",\"streams\":%u,\"media_problems\":", cm ? cm->streams : 0);
	export_media_problems_json(out, cm ? cm->problems : 0);
}

/* ,"agents":[2001,...]: the HEP capture ids of a call's messages (legs
 * too), in order of first sight; written only when HEP came in at all. */
static void agents_json(FILE *out, struct store *s, const struct tracker *t, size_t idx)
{
	size_t *v = NULL;
	long n = track_call_messages(t, (uint32_t)idx + 1, &v);
	uint8_t seen[256] = { 0 };
	int k = 0;
	fputs(",\"agents\":[", out);
	for (long i = 0; i < n; i++) {
		uint8_t a = store_msg_at(s, v[i])->agent;
		if (!a || seen[a])
			continue;
		seen[a] = 1;
		fprintf(out, "%s%" PRIu32, k++ ? "," : "", store_agent_capture_id(s, a));
	}
	putc(']', out);
	free(v);
}

static void call_json(FILE *out, struct store *s, const struct tracker *t,
                      const struct checker *check, size_t idx, const struct calllist_media *msum,
                      size_t nmsum)
{
	struct call_sum sum;
	call_sum(t, idx, &sum);
	const struct call_info *c = sum.c;
	fprintf(out, "{\"call\":%" PRIu64 ",\"call_ids\":[", track_call_number(t, (uint32_t)idx + 1));
	for (uint32_t l = (uint32_t)idx + 1; l; l = track_call(t, l - 1)->next_leg) {
		if (l != idx + 1)
			putc(',', out);
		esc_json(out, store_str(s, track_call(t, l - 1)->call_id));
	}
	fputs("],\"from\":", out);
	json_sv_or_null(out, store_str(s, c->from));
	fputs(",\"to\":", out);
	json_sv_or_null(out, store_str(s, c->to));
	fputs(",\"method\":", out);
	const char *mn = sip_method_name((enum sip_method)c->method);
	json_sv_or_null(out, mn ? sv_make(mn, strlen(mn)) : SV_NULL);
	fprintf(out, ",\"state\":\"%s\"", track_state_name((enum call_state)c->state));
	if (c->flags & CALL_FLAG_CUT) /* evicted while open (--max-calls) */
		fputs(",\"cut\":true", out);
	fprintf(out, ",\"start\":%" PRId64 ".%06d,\"end\":%" PRId64 ".%06d", sum.start_us / 1000000,
	        (int)(sum.start_us % 1000000), sum.end_us / 1000000, (int)(sum.end_us % 1000000));
	fprintf(out, ",\"messages\":%" PRIu32 ",\"legs\":%" PRIu32 ",\"dialogs\":%" PRIu32,
	        sum.nmsgs, sum.nlegs, sum.ndialogs);
	double setup = call_setup_ms(c), dur = call_duration_s(c, store_last_ts(s));
	fputs(",\"ring_ms\":", out);
	if (c->ring_us)
		fprintf(out, "%.3f", (double)(c->ring_us - c->start_us) / 1000.0);
	else
		fputs("null", out);
	fputs(",\"setup_ms\":", out);
	if (setup >= 0)
		fprintf(out, "%.3f", setup);
	else
		fputs("null", out);
	fputs(",\"duration_s\":", out);
	if (dur >= 0)
		fprintf(out, "%.6f", dur);
	else
		fputs("null", out);
	fputs(",\"final_status\":", out);
	if (c->final_status)
		fprintf(out, "%u", c->final_status);
	else
		fputs("null", out);
	if (check) {
		size_t k[3];
		check_call_counts(check, (uint32_t)idx + 1, k);
		fprintf(out, ",\"problems\":{\"error\":%zu,\"warning\":%zu,\"info\":%zu}",
		        k[CHECK_ERROR], k[CHECK_WARNING], k[CHECK_INFO]);
	}
	if (msum)
		media_json(out, idx < nmsum ? &msum[idx] : NULL);
	if (store_agent_count(s))
		agents_json(out, s, t, idx);
	fputs("}\n", out);
}

/* Whole milliseconds and tenths of seconds, rounded half up, in integers:
 * floating-point printf is most of a calls row's cost. */
void export_call_setup(char *buf, size_t n, const struct call_info *c)
{
	if (c->final_us)
		snprintf(buf, n, "%lld", (long long)((c->final_us - c->start_us + 500) / 1000));
	else if (n)
		buf[0] = '\0';
}

void export_call_duration(char *buf, size_t n, const struct call_info *c, int64_t now_us)
{
	int64_t d = track_call_duration_us(c, now_us);
	if (d >= 0) {
		long long tenths = (d + 50000) / 100000;
		snprintf(buf, n, "%lld.%lld", tenths / 10, tenths % 10);
	} else if (n) {
		buf[0] = '\0';
	}
}

static void call_row(FILE *out, struct store *s, const struct tracker *t,
                     const struct checker *check, size_t idx, enum export_format fmt)
{
	struct call_sum sum;
	call_sum(t, idx, &sum);
	const struct call_info *c = sum.c;
	char ts[48], setup[32] = "", dur[32] = "", status[16] = "";
	fmt_time(ts, sizeof ts, sum.start_us);
	export_call_setup(setup, sizeof setup, c);
	export_call_duration(dur, sizeof dur, c, store_last_ts(s));
	if (c->final_status)
		snprintf(status, sizeof status, "%u", c->final_status);
	const char *mn = sip_method_name((enum sip_method)c->method);
	const char *state = track_state_name((enum call_state)c->state);
	char cut_state[32];
	if (c->flags & CALL_FLAG_CUT) { /* evicted while open (--max-calls): say so */
		snprintf(cut_state, sizeof cut_state, "%s/cut", state);
		state = cut_state;
	}
	if (fmt == EXPORT_CSV) {
		fprintf(out, "%" PRIu64 ",", track_call_number(t, (uint32_t)idx + 1));
		csv_field(out, store_str(s, c->call_id));
		putc(',', out);
		csv_field(out, store_str(s, c->from));
		putc(',', out);
		csv_field(out, store_str(s, c->to));
		fprintf(out, ",%s,%s,%s,", mn ? mn : "", state, ts);
		char end[48];
		fmt_time(end, sizeof end, sum.end_us);
		fprintf(out, "%s,%" PRIu32 ",%s,%s,%s,%" PRIu32 ",%" PRIu32 "\n", end, sum.nmsgs, setup,
		        dur, status, sum.nlegs, sum.ndialogs);
		return;
	}
	fprintf(out, "%5" PRIu64 "  %s  %-9s %-10s %5" PRIu32 " %6s %7s %4s  ",
	        track_call_number(t, (uint32_t)idx + 1), ts, mn ? mn : "?",
	        state, sum.nmsgs, setup, dur, status);
	struct sv from = store_str(s, c->from), to = store_str(s, c->to);
	esc_term(out, from.len > 32 ? sv_make(from.p, 32) : from, 0);
	fputs(" -> ", out);
	esc_term(out, to.len > 32 ? sv_make(to.p, 32) : to, 0);
	fputs("  ", out);
	esc_term(out, store_str(s, c->call_id), 0);
	if (sum.nlegs > 1)
		fprintf(out, "  [+%" PRIu32 " legs]", sum.nlegs - 1);
	size_t k[3] = { 0, 0, 0 };
	if (check)
		check_call_counts(check, (uint32_t)idx + 1, k);
	if (k[0] || k[1] || k[2]) {
		char p[64];
		calllist_problems_text(p, sizeof p, k);
		fprintf(out, "  [problems: %s]", p);
	}
	putc('\n', out);
}

void export_calls_header(FILE *out, enum export_format fmt)
{
	if (fmt == EXPORT_CSV)
		fputs("call,call_id,from,to,method,state,start,end,messages,setup_ms,duration_s,final_status,"
		      "legs,dialogs\n", out);
	else if (fmt == EXPORT_TABLE)
		fprintf(out, "%5s  %-26s  %-9s %-10s %5s %6s %7s %4s  %s\n", "CALL", "START", "METHOD",
		        "STATE", "MSGS", "SETUP", "DUR", "CODE", "FROM -> TO  CALL-ID");
}

void export_call(FILE *out, struct store *s, const struct tracker *t, const struct checker *check,
                 size_t idx, enum export_format fmt)
{
	if (fmt == EXPORT_JSON)
		call_json(out, s, t, check, idx, NULL, 0);
	else
		call_row(out, s, t, check, idx, fmt);
}

int export_calls(FILE *out, struct store *s, const struct tracker *t, const struct checker *check,
                 enum export_format fmt, const uint32_t *only, size_t nonly)
{
	return export_calls_media(out, s, t, check, NULL, fmt, only, nonly);
}

int export_calls_media(FILE *out, struct store *s, const struct tracker *t,
                       const struct checker *check, const struct media *media,
                       enum export_format fmt, const uint32_t *only, size_t nonly)
{
	size_t n = only ? nonly : track_call_count(t);
	size_t nmsum = 0;
	struct calllist_media *msum = NULL;
	if (media && fmt == EXPORT_JSON && !(msum = calllist_media_sum(t, media, &nmsum)) &&
	    track_call_count(t))
		return -1;
	export_calls_header(out, fmt);
	/* One lock for the whole listing rather than one per stdio call
	 * (the process has had a second thread, so stdio locks). */
	flockfile(out);
	for (size_t k = 0; k < n; k++) {
		size_t i = only ? only[k] - 1 : k;
		if (track_call(t, i)->root)
			continue; /* a leg, listed with its call */
		if (fmt == EXPORT_JSON)
			call_json(out, s, t, check, i, msum, nmsum);
		else
			call_row(out, s, t, check, i, fmt);
	}
	funlockfile(out);
	free(msum);
	return 0;
}
