/* flowfmt.c - see include/sipscope/flowfmt.h
 *
 * The ladder lays the flow out (columns, order, arrows, time column,
 * colors); what it keeps private, the label and the SDP summary of each
 * message, is computed again here from the message bytes exactly as
 * ladder.c computes it, so every format shows the viewer's text. */
#include <stdlib.h>
#include <string.h>

#include "flow_int.h"
#include "sipscope/escape.h"
#include "sipscope/sip.h"

#define MAX_HEADERS 96 /* as the ladder */

int flow_format_parse(const char *name, enum flow_format *out)
{
	static const char *const names[] = { "text", "svg", "html", "mermaid", "plantuml", "json" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(name, names[i])) {
			*out = (enum flow_format)i;
			return 0;
		}
	return -1;
}

/* Label and SDP summary of message fm, as ladder.c's msg_texts() makes
 * them (same caps, same tags). */
static void msg_texts(struct flow *f, struct flow_msg *fm, const struct store_msg *r)
{
	size_t blen;
	const char *bytes = store_msg_bytes(f->s, fm->idx, &blen);
	struct sip_header hdrs[MAX_HEADERS];
	struct sip_msg m;
	int parsed = bytes && sip_parse(bytes, blen, SIP_PARSE_DATAGRAM, &m, hdrs, MAX_HEADERS) > 0;
	fm->readable = bytes != NULL;
	const char *name = sip_method_name((enum sip_method)r->method);
	if (parsed && m.is_request)
		snprintf(fm->raw, sizeof fm->raw, "%.*s", (int)m.method.len, m.method.p);
	else if (parsed)
		snprintf(fm->raw, sizeof fm->raw, "%d %.*s", m.status, (int)m.reason.len, m.reason.p);
	else if (r->flags & STORE_MSG_REQUEST)
		snprintf(fm->raw, sizeof fm->raw, "%s", name ? name : "?");
	else
		snprintf(fm->raw, sizeof fm->raw, "%u", r->status);
	size_t mark = fm->problem >= 0 ? strlen(LADDER_MARK) : 0;
	memcpy(fm->label, LADDER_MARK, mark);
	size_t len = mark + esc_term_buf(fm->label + mark, sizeof fm->label - mark,
	                                 sv_make(fm->raw, strnlen(fm->raw, sizeof fm->raw)),
	                                 &fm->label_cols);
	fm->label_cols += mark;
	size_t sdp_len = 0;
	if (parsed && !f->o.no_sdp && ladder_sdp_summary(&m, fm->raw_sdp, sizeof fm->raw_sdp))
		sdp_len = esc_term_buf(fm->sdp, sizeof fm->sdp,
		                       sv_make(fm->raw_sdp, strlen(fm->raw_sdp)), &fm->sdp_cols);
	if (!sdp_len) {
		fm->raw_sdp[0] = fm->sdp[0] = '\0';
		fm->sdp_cols = 0;
	}
	const char *tag = r->malformed ? " (bad)" : sdp_len ? " (SDP)" : "";
	/* As the ladder: the summary is drawn once per transaction, not
	 * under retransmissions (the JSON keeps raw_sdp: it is data). */
	if (r->flags & STORE_MSG_RETRANS) {
		fm->sdp[0] = '\0';
		fm->sdp_cols = 0;
	}
	const char *rtx = (r->flags & STORE_MSG_RETRANS) ? " (retr)" : "";
	size_t extra = strlen(tag) + strlen(rtx);
	if (len + extra < sizeof fm->label) {
		memcpy(fm->label + len, tag, strlen(tag));
		memcpy(fm->label + len + strlen(tag), rtx, strlen(rtx) + 1);
		fm->label_cols += extra;
	}
}

/* Style, color and time of message i as the ladder draws its arrow line. */
static void msg_drawn(struct flow *f, size_t i, struct ladder_cell *cells)
{
	struct flow_msg *fm = &f->msgs[i];
	const struct store_msg *r = store_msg_at(f->s, fm->idx);
	ladder_draw(f->lad, ladder_msg_line(f->lad, i), cells);
	size_t xa = ladder_column_x(f->lad, fm->from), xb = ladder_column_x(f->lad, fm->to);
	size_t lo = xa < xb ? xa : xb;
	/* lo+1 is always the message's: the arrow's first cell, its head, or
	 * the hook of a message to itself. */
	if (lo + 1 < ladder_width(f->lad) && cells[lo + 1].style != LADDER_S_PLAIN) {
		fm->style = cells[lo + 1].style;
		fm->color = cells[lo + 1].color;
	} else {
		fm->style = r->malformed ? LADDER_S_BAD
		          : (r->flags & STORE_MSG_RETRANS) ? LADDER_S_RETRANS : LADDER_S_ARROW;
	}
	size_t o = 0;
	for (size_t x = 0; x < LADDER_TIME_COLS && x < ladder_width(f->lad); x++) {
		const char *ch = cells[x].ch;
		size_t n = strlen(ch);
		if ((o == 0 && !strcmp(ch, " ")) || o + n >= sizeof fm->time)
			continue;
		memcpy(fm->time + o, ch, n);
		o += n;
	}
	while (o && fm->time[o - 1] == ' ')
		o--;
	fm->time[o] = '\0';
}

int flow_build(struct flow *f, struct store *s, const struct tracker *t, const uint32_t *calls,
               size_t n, const struct ladder_opts *o)
{
	memset(f, 0, sizeof *f);
	f->s = s;
	f->t = t;
	if (o)
		f->o = *o;
	f->o.max_width = 0; /* a picture has room for every label */
	f->o.ascii = 0;
	f->calls = calloc(n ? n : 1, sizeof *f->calls);
	if (!f->calls)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (calls[i] && calls[i] <= track_call_count(t))
			f->calls[f->ncalls++] = calls[i];
	f->lad = ladder_build(s, t, f->calls, f->ncalls, &f->o);
	if (!f->lad)
		return -1;
	f->nmsgs = ladder_msg_count(f->lad);
	f->msgs = calloc(f->nmsgs ? f->nmsgs : 1, sizeof *f->msgs);
	struct ladder_cell *cells = malloc((ladder_width(f->lad) + 1) * sizeof *cells);
	if (!f->msgs || !cells) {
		free(cells);
		return -1;
	}
	for (size_t i = 0; i < f->nmsgs; i++) {
		struct flow_msg *fm = &f->msgs[i];
		fm->idx = ladder_msg(f->lad, i);
		ladder_msg_columns(f->lad, i, &fm->from, &fm->to);
		fm->problem = (int8_t)ladder_msg_problem(f->lad, i);
		msg_texts(f, fm, store_msg_at(s, fm->idx));
		if (!fm->readable)
			f->unreadable = 1;
		msg_drawn(f, i, cells);
	}
	free(cells);
	return 0;
}

void flow_free(struct flow *f)
{
	ladder_free(f->lad);
	free(f->msgs);
	free(f->calls);
	memset(f, 0, sizeof *f);
}

void flow_stream_label(const struct ladder_stream *st, char *buf, size_t n)
{
	snprintf(buf, n, "%s, %s", st->label, st->figures);
}

char *flow_title(const struct flow *f, uint32_t call)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return NULL;
	ladder_print_title(m, f->s, f->t, call);
	if (fclose(m) != 0) {
		free(buf);
		return NULL;
	}
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	return buf;
}

char *flow_msg_text(const struct flow *f, size_t i, int *readable)
{
	char *buf = NULL;
	size_t len = 0, blen;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return NULL;
	const char *bytes = store_msg_bytes(f->s, f->msgs[i].idx, &blen);
	*readable = bytes != NULL;
	/* Line by line, so SDES keys (a=crypto) stay hidden in exports. */
	for (size_t o = 0; bytes && o < blen;) {
		const char *nl = memchr(bytes + o, '\n', blen - o);
		size_t end = nl ? (size_t)(nl - bytes) + 1 : blen;
		size_t l = end - o;
		while (l && (bytes[o + l - 1] == '\n' || bytes[o + l - 1] == '\r'))
			l--;
		char red[1024];
		size_t rl = sdp_crypto_redact(sv_make(bytes + o, l), red, sizeof red);
		if (rl) {
			esc_term(m, sv_make(red, rl), 1);
			esc_term(m, sv_make(bytes + o + l, end - o - l), 1);
		} else {
			esc_term(m, sv_make(bytes + o, end - o), 1);
		}
		o = end;
	}
	if (!bytes)
		fprintf(m, "(the bytes of this message could not be read again: %s)", store_error(f->s));
	if (fclose(m) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

char *flow_msg_findings(const struct flow *f, size_t idx, int *worst)
{
	char *buf = NULL;
	size_t len = 0;
	*worst = -1;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return NULL;
	const struct checker *c = f->o.check;
	for (uint32_t k = c ? check_msg_first(c, idx) : 0; k; k = check_at(c, k - 1)->next) {
		const struct check_finding *fd = check_at(c, k - 1);
		const struct check_rule_info *ri = check_rule_info((enum check_rule)fd->rule);
		const char *text = check_text(c, fd);
		if (fd->severity > *worst)
			*worst = fd->severity;
		fprintf(m, "%s  %s  %s  ", check_severity_name((enum check_severity)fd->severity), ri->id,
		        ri->rfc);
		esc_term(m, sv_make(text, strlen(text)), 0);
		putc('\n', m);
	}
	if (fclose(m) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* What `sipscope flow -c ...` prints: a title per call, then the ladder. */
static int write_text(FILE *out, struct store *s, const struct tracker *t, const uint32_t *calls,
                      size_t n, const struct ladder_opts *o)
{
	uint32_t *ok = calloc(n ? n : 1, sizeof *ok);
	if (!ok)
		return -1;
	size_t nok = 0;
	for (size_t i = 0; i < n; i++)
		if (calls[i] && calls[i] <= track_call_count(t))
			ok[nok++] = calls[i];
	struct ladder *lad = ladder_build(s, t, ok, nok, o);
	for (size_t i = 0; i < nok; i++)
		ladder_print_title(out, s, t, ok[i]);
	int rc = !lad || ladder_print(out, lad) < 0 ? -1 : 0;
	/* Unreadable bytes: the ladder fell back on the index for that label. */
	for (size_t i = 0; lad && rc == 0 && i < ladder_msg_count(lad); i++) {
		size_t blen;
		if (!store_msg_bytes(s, ladder_msg(lad, i), &blen))
			rc = -1;
	}
	ladder_free(lad);
	free(ok);
	return rc;
}

int export_flow(FILE *out, struct store *s, const struct tracker *t, const uint32_t *calls, size_t n,
                enum flow_format fmt, const struct ladder_opts *o)
{
	if (fmt == FLOW_FMT_TEXT)
		return write_text(out, s, t, calls, n, o);
	if (fmt == FLOW_FMT_JSON)
		return flow_write_json(out, s, t, calls, n, o);
	struct flow f;
	if (flow_build(&f, s, t, calls, n, o) < 0) {
		flow_free(&f);
		return -1;
	}
	int rc;
	switch (fmt) {
	case FLOW_FMT_SVG: rc = flow_write_svg(out, &f, 0); break;
	case FLOW_FMT_HTML: rc = flow_write_html(out, &f); break;
	case FLOW_FMT_MERMAID: rc = flow_write_mermaid(out, &f); break;
	case FLOW_FMT_PLANTUML: rc = flow_write_plantuml(out, &f); break;
	default: rc = -1;
	}
	if (rc == 0 && f.unreadable)
		rc = -1;
	flow_free(&f);
	return rc;
}
