/* flow_json.c - the flow as one JSON document (flowfmt.h):
 * {"calls":[{call, call_id, from, to, state, columns, transactions,
 * dialogs, messages}]}, and with media (--rtp) "streams": the call's RTP
 * streams with their figures, columns and problems.  Each call is laid out on its own ladder, so its
 * from_column/to_column index its own "columns".  Wire strings go through
 * esc_json (control characters as \u00XX, invalid UTF-8 as U+00XX). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "flow_int.h"
#include "sipscope/escape.h"
#include "sipscope/export.h"
#include "sipscope/sip.h"

static void json_str(FILE *out, const char *s)
{
	esc_json(out, sv_make(s, strlen(s)));
}

static void json_id(FILE *out, uint32_t id)
{
	if (id)
		fprintf(out, "%" PRIu32, id);
	else
		fputs("null", out);
}

static void json_method(FILE *out, uint8_t method)
{
	const char *name = sip_method_name((enum sip_method)method);
	if (name)
		json_str(out, name);
	else
		fputs("null", out);
}

/* Frame of message index+1 `msg`, or 0. */
static uint64_t frame_of(struct store *s, uint32_t msg)
{
	return msg && msg <= store_msg_count(s) ? store_msg_at(s, msg - 1)->frame : 0;
}

static void json_frame(FILE *out, uint64_t frame)
{
	if (frame)
		fprintf(out, "%" PRIu64, frame);
	else
		fputs("null", out);
}

struct member {
	uint32_t key; /* transaction or dialog id */
	size_t msg;   /* message of the flow */
	size_t first; /* first message of the same key */
};

static int cmp_key(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	if (x->key != y->key)
		return (x->key > y->key) - (x->key < y->key);
	return (x->msg > y->msg) - (x->msg < y->msg);
}

static int cmp_first(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	if (x->first != y->first)
		return (x->first > y->first) - (x->first < y->first);
	return (x->msg > y->msg) - (x->msg < y->msg);
}

/* The flow's messages grouped by transaction (dialog = 0) or dialog, the
 * groups in order of their first message.  *n gets the members; NULL
 * when memory ran out (or no member). */
static struct member *group(const struct flow *f, int dialog, size_t *n)
{
	struct member *v = malloc((f->nmsgs ? f->nmsgs : 1) * sizeof *v);
	*n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < f->nmsgs; i++) {
		const struct store_msg *r = store_msg_at(f->s, f->msgs[i].idx);
		uint32_t key = dialog ? r->dialog : r->txn;
		if (key)
			v[(*n)++] = (struct member){ key, i, 0 };
	}
	qsort(v, *n, sizeof *v, cmp_key);
	for (size_t i = 0; i < *n; i++)
		v[i].first = i && v[i].key == v[i - 1].key ? v[i - 1].first : v[i].msg;
	qsort(v, *n, sizeof *v, cmp_first);
	return v;
}

static int write_groups(FILE *out, const struct flow *f, int dialog)
{
	size_t n;
	struct member *v = group(f, dialog, &n);
	if (!v)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (i && v[i].key == v[i - 1].key) {
			fprintf(out, ",%" PRIu64, store_msg_at(f->s, f->msgs[v[i].msg].idx)->frame);
			continue;
		}
		fputs(i ? "]},\n    {\"id\":" : "\n    {\"id\":", out);
		fprintf(out, "%" PRIu32, v[i].key);
		if (dialog) {
			const struct dlg_info *d = track_dialog(f->t, v[i].key);
			fputs(",\"state\":", out);
			const char *st = d ? track_dialog_state_name((enum dlg_state)d->state) : NULL;
			if (st)
				json_str(out, st);
			else
				fputs("null", out);
			fputs(",\"method\":", out);
			if (d)
				json_method(out, d->method);
			else
				fputs("null", out);
			fputs(",\"txn\":", out);
			json_id(out, d ? d->txn : 0);
			fputs(",\"first_frame\":", out);
			json_frame(out, d ? frame_of(f->s, d->first_msg) : 0);
		} else {
			const struct txn_info *x = track_txn(f->t, v[i].key);
			fputs(",\"method\":", out);
			if (x)
				json_method(out, x->method);
			else
				fputs("null", out);
			fputs(",\"origin\":", out);
			json_id(out, x ? x->origin : 0);
			fputs(",\"cancels\":", out);
			json_id(out, x ? x->cancels : 0);
			fputs(",\"final_status\":", out);
			if (x && x->final_status)
				fprintf(out, "%u", (unsigned)x->final_status);
			else
				fputs("null", out);
		}
		fprintf(out, ",\"messages\":[%" PRIu64, store_msg_at(f->s, f->msgs[v[i].msg].idx)->frame);
	}
	fputs(n ? "]}\n  ]" : "]", out);
	free(v);
	return 0;
}

/* ,"findings":[{"rule","severity","rfc","text"}...] of store message idx
 * (an empty array without a checker). */
static void write_findings(FILE *out, const struct checker *c, size_t idx)
{
	fputs(",\"findings\":[", out);
	for (uint32_t k = c ? check_msg_first(c, idx) : 0, n = 0; k; k = check_at(c, k - 1)->next, n++) {
		const struct check_finding *fd = check_at(c, k - 1);
		const struct check_rule_info *ri = check_rule_info((enum check_rule)fd->rule);
		const char *text = check_text(c, fd);
		fputs(n ? ",{\"rule\":" : "{\"rule\":", out);
		json_str(out, ri->id);
		fputs(",\"severity\":", out);
		json_str(out, check_severity_name((enum check_severity)fd->severity));
		fputs(",\"rfc\":", out);
		json_str(out, ri->rfc);
		fputs(",\"text\":", out);
		esc_json(out, sv_make(text, strlen(text)));
		putc('}', out);
	}
	putc(']', out);
}

static void write_message(FILE *out, const struct flow *f, size_t i)
{
	const struct flow_msg *m = &f->msgs[i];
	const struct store_msg *r = store_msg_at(f->s, m->idx);
	char src[80], dst[80];
	store_endpoint_format(store_endpoint(f->s, r->src), src, sizeof src);
	store_endpoint_format(store_endpoint(f->s, r->dst), dst, sizeof dst);
	fprintf(out, "    {\"frame\":%" PRIu64 ",\"time\":%" PRId64 ".%06d,\"time_shown\":", r->frame,
	        r->ts_us / 1000000, (int)(r->ts_us % 1000000));
	json_str(out, m->time);
	fprintf(out, ",\"src\":\"%s\",\"dst\":\"%s\"", src, dst);
	export_json_alias_names(out, store_endpoint(f->s, r->src), store_endpoint(f->s, r->dst));
	fprintf(out, ",\"from_column\":%zu,\"to_column\":%zu,\"label\":", m->from, m->to);
	esc_json(out, sv_make(m->raw, strlen(m->raw)));
	fprintf(out, ",\"request\":%s,\"retrans\":%s,\"malformed\":",
	        r->flags & STORE_MSG_REQUEST ? "true" : "false",
	        r->flags & STORE_MSG_RETRANS ? "true" : "false");
	if (r->malformed)
		json_str(out, r->malformed);
	else
		fputs("null", out);
	fputs(",\"txn\":", out);
	json_id(out, r->txn);
	fputs(",\"dialog\":", out);
	json_id(out, r->dialog);
	fprintf(out, ",\"color\":%u,\"sdp\":", m->color);
	if (m->raw_sdp[0])
		esc_json(out, sv_make(m->raw_sdp, strlen(m->raw_sdp)));
	else
		fputs("null", out);
	fputs(",\"problem\":", out);
	if (m->problem >= 0)
		json_str(out, check_severity_name((enum check_severity)m->problem));
	else
		fputs("null", out);
	write_findings(out, f->o.check, m->idx);
	fputs("}", out);
}

/* ,"streams":[...]: the RTP streams of the flow, in line order. */
static void write_streams(FILE *out, const struct flow *f)
{
	fputs(",\n  \"streams\":[", out);
	size_t n = ladder_stream_count(f->lad);
	for (size_t i = 0; i < n; i++) {
		const struct ladder_stream *st = ladder_stream_at(f->lad, i);
		const struct media_stream *ms = st->ms;
		char src[64], dst[64];
		store_endpoint_format(&ms->src, src, sizeof src);
		store_endpoint_format(&ms->dst, dst, sizeof dst);
		double pct = ms->expected > 0 ? 100.0 * (double)ms->lost / (double)ms->expected : 0;
		fprintf(out, "%s    {\"src\":\"%s\",\"dst\":\"%s\",\"from_column\":%zu,\"to_column\":%zu,"
		        "\"ssrc\":\"0x%08" PRIX32 "\",\"payload_type\":%u,\"codec\":", i ? ",\n" : "\n", src, dst,
		        st->from, st->to, ms->ssrc, ms->pt);
		json_str(out, ms->codec);
		fprintf(out, ",\"packets\":%" PRIu64 ",\"lost\":%" PRId64 ",\"lost_pct\":%.2f,"
		        "\"jitter_ms_mean\":%.3f,\"jitter_ms_max\":%.3f,\"mos\":", ms->packets, ms->lost, pct,
		        ms->jitter_ms_mean, ms->jitter_ms_max);
		if (ms->mos > 0)
			fprintf(out, "%.2f", ms->mos);
		else
			fputs("null", out);
		fprintf(out, ",\"start\":%" PRId64 ".%06d,\"end\":%" PRId64 ".%06d,\"first_frame\":%" PRIu64
		        ",\"last_frame\":%" PRIu64 ",\"after_message\":", ms->first_us / 1000000,
		        (int)(ms->first_us % 1000000), ms->last_us / 1000000, (int)(ms->last_us % 1000000),
		        ms->first_frame, ms->last_frame);
		if (st->before)
			fprintf(out, "%zu", st->before - 1);
		else
			fputs("null", out);
		fputs(",\"dtmf\":\"", out);
		for (uint32_t k = 0; k < ms->ndtmf; k++)
			putc(ms->dtmf[k].digit, out);
		fputs("\",\"label\":", out);
		json_str(out, st->label);
		fputs(",\"figures\":", out);
		json_str(out, st->figures);
		fputs(",\"problems\":", out);
		export_media_problems_json(out, ms->problems);
		putc('}', out);
	}
	fputs(n ? "\n  ]" : "]", out);
}

static int write_call(FILE *out, struct store *s, const struct tracker *t, uint32_t call,
                      const struct ladder_opts *o)
{
	struct flow f;
	if (flow_build(&f, s, t, &call, 1, o) < 0) {
		flow_free(&f);
		return -1;
	}
	const struct call_info *c = track_call(t, call - 1);
	fprintf(out, "{\"call\":%" PRIu32 ",\"call_id\":", call);
	esc_json(out, store_str(s, c->call_id));
	fputs(",\"from\":", out);
	esc_json(out, store_str(s, c->from));
	fputs(",\"to\":", out);
	esc_json(out, store_str(s, c->to));
	fprintf(out, ",\"state\":\"%s\",\n  \"columns\":[", track_state_name((enum call_state)c->state));
	for (size_t k = 0; k < ladder_columns(f.lad); k++) {
		if (k)
			putc(',', out);
		json_str(out, ladder_column_name(f.lad, k));
	}
	fputs("],\n  \"transactions\":[", out);
	int rc = write_groups(out, &f, 0);
	fputs(",\n  \"dialogs\":[", out);
	if (rc == 0)
		rc = write_groups(out, &f, 1);
	fputs(",\n  \"messages\":[", out);
	for (size_t i = 0; i < f.nmsgs; i++) {
		fputs(i ? ",\n" : "\n", out);
		write_message(out, &f, i);
	}
	fputs(f.nmsgs ? "\n  ]" : "]", out);
	if (o && o->media)
		write_streams(out, &f);
	putc('}', out);
	if (rc == 0 && f.unreadable)
		rc = -1;
	flow_free(&f);
	return rc;
}

int flow_write_json(FILE *out, struct store *s, const struct tracker *t, const uint32_t *calls,
                    size_t n, const struct ladder_opts *o)
{
	int rc = 0;
	size_t k = 0;
	fputs("{\"calls\":[", out);
	for (size_t i = 0; i < n; i++) {
		if (!calls[i] || calls[i] > track_call_count(t))
			continue;
		fputs(k++ ? ",\n" : "\n", out);
		if (write_call(out, s, t, calls[i], o) < 0)
			rc = -1;
	}
	fputs(k ? "\n]}\n" : "]}\n", out);
	return rc;
}
