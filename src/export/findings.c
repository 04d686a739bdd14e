/* findings.c - the conformance checker's findings as a table, JSON lines
 * or CSV (`sipscope check`), and the rule list (`check --rules`). */
#include <inttypes.h>
#include <string.h>

#include "sipscope/escape.h"
#include "sipscope/export.h"
#include "sipscope/sip.h"

static const char *label(struct store *s, size_t idx, char *buf, size_t n)
{
	const struct store_msg *r = store_msg_at(s, idx);
	const char *m = sip_method_name(r->method);
	if (r->flags & STORE_MSG_REQUEST)
		snprintf(buf, n, "%s", m ? m : "request");
	else
		snprintf(buf, n, "%u %s", r->status, m ? m : "");
	return buf;
}

static void csv_field(FILE *out, const char *s)
{
	/* Text holds wire bytes: escaped first, then quoted for CSV. */
	char esc[1200];
	esc_term_buf(esc, sizeof esc, sv_make(s, strlen(s)), NULL);
	putc('"', out);
	for (const char *p = esc; *p; p++) {
		if (*p == '"')
			putc('"', out);
		putc(*p, out);
	}
	putc('"', out);
}

/* Is call (a root) among only[0..n)? */
static int wanted(const uint32_t *only, size_t n, uint32_t call)
{
	if (!only)
		return 1;
	for (size_t i = 0; i < n; i++)
		if (only[i] == call)
			return 1;
	return 0;
}

int export_findings(FILE *out, struct store *s, const struct tracker *t, const struct checker *c,
                    enum export_format fmt, const uint32_t *only, size_t nonly, size_t counts[3])
{
	counts[0] = counts[1] = counts[2] = 0;
	size_t n = check_count(c);
	if (fmt == EXPORT_TABLE)
		fprintf(out, "%-7s %-5s %-8s %-28s %-18s %s\n", "FRAME", "CALL", "SEVERITY", "RULE", "RFC",
		        "FINDING");
	else if (fmt == EXPORT_CSV)
		fputs("frame,time,call,src,dst,message,severity,rule,rfc,text\n", out);
	for (size_t i = 0; i < n; i++) {
		const struct check_finding *f = check_at(c, i);
		uint32_t call = f->call ? track_call_root(t, f->call) : 0;
		if (!wanted(only, nonly, call))
			continue;
		counts[f->severity]++;
		const struct store_msg *r = store_msg_at(s, f->msg);
		const struct check_rule_info *ri = check_rule_info(f->rule);
		const char *text = check_text(c, f);
		char msg[64], src[64] = "", dst[64] = "";
		label(s, f->msg, msg, sizeof msg);
		const struct store_endpoint *e;
		if ((e = store_endpoint(s, r->src)))
			store_endpoint_format(e, src, sizeof src);
		if ((e = store_endpoint(s, r->dst)))
			store_endpoint_format(e, dst, sizeof dst);
		const char *sev = check_severity_name(f->severity);
		if (fmt == EXPORT_JSON) {
			fprintf(out, "{\"frame\":%" PRIu64 ",\"time\":%" PRId64 ".%06d,\"call\":", r->frame,
			        r->ts_us / 1000000, (int)(r->ts_us % 1000000));
			if (call)
				fprintf(out, "%" PRIu32, call);
			else
				fputs("null", out);
			fputs(",\"src\":", out);
			esc_json(out, sv_make(src, strlen(src)));
			fputs(",\"dst\":", out);
			esc_json(out, sv_make(dst, strlen(dst)));
			fputs(",\"message\":", out);
			esc_json(out, sv_make(msg, strlen(msg)));
			fprintf(out, ",\"rule\":\"%s\",\"severity\":\"%s\",\"rfc\":\"%s\",\"text\":", ri->id, sev,
			        ri->rfc);
			esc_json(out, sv_make(text, strlen(text)));
			fputs("}\n", out);
		} else if (fmt == EXPORT_CSV) {
			fprintf(out, "%" PRIu64 ",%" PRId64 ".%06d,", r->frame, r->ts_us / 1000000,
			        (int)(r->ts_us % 1000000));
			if (call)
				fprintf(out, "%" PRIu32, call);
			fprintf(out, ",%s,%s,%s,%s,%s,%s,", src, dst, msg, sev, ri->id, ri->rfc);
			csv_field(out, text);
			putc('\n', out);
		} else {
			char cs[16] = "-";
			if (call)
				snprintf(cs, sizeof cs, "%" PRIu32, call);
			fprintf(out, "%-7" PRIu64 " %-5s %-8s %-28s %-18s ", r->frame, cs, sev, ri->id, ri->rfc);
			esc_term(out, sv_make(text, strlen(text)), 0);
			putc('\n', out);
		}
	}
	if (fmt == EXPORT_TABLE) {
		fprintf(out, "%zu finding%s: %zu error%s, %zu warning%s, %zu info; %zu messages checked\n",
		        counts[0] + counts[1] + counts[2], counts[0] + counts[1] + counts[2] == 1 ? "" : "s",
		        counts[CHECK_ERROR], counts[CHECK_ERROR] == 1 ? "" : "s", counts[CHECK_WARNING],
		        counts[CHECK_WARNING] == 1 ? "" : "s", counts[CHECK_INFO], check_checked(c));
	}
	return 0;
}

void export_check_rules(FILE *out, enum export_format fmt)
{
	if (fmt == EXPORT_CSV)
		fputs("rule,severity,rfc,summary\n", out);
	else if (fmt == EXPORT_TABLE)
		fprintf(out, "%-28s %-8s %-18s %s\n", "RULE", "SEVERITY", "RFC", "WHAT IT CHECKS");
	for (int i = 0; i < CHECK_RULE__COUNT; i++) {
		const struct check_rule_info *ri = check_rule_info((enum check_rule)i);
		const char *sev = check_severity_name(ri->severity);
		if (fmt == EXPORT_JSON) {
			fprintf(out, "{\"rule\":\"%s\",\"severity\":\"%s\",\"rfc\":\"%s\",\"summary\":", ri->id,
			        sev, ri->rfc);
			esc_json(out, sv_make(ri->summary, strlen(ri->summary)));
			fputs("}\n", out);
		} else if (fmt == EXPORT_CSV) {
			fprintf(out, "%s,%s,%s,", ri->id, sev, ri->rfc);
			csv_field(out, ri->summary);
			putc('\n', out);
		} else {
			fprintf(out, "%-28s %-8s %-18s %s\n", ri->id, sev, ri->rfc, ri->summary);
		}
	}
}
