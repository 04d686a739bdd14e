/* ui_msg.c - a message as text (escaped lines with a kind each), the
 * message view, and the side-by-side diff of two messages. */
#include <curses.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/escape.h"
#include "sipscope/export.h"
#include "sipscope/sip_hdr.h"
#include "ui.h"

void ui_text_free(struct ui_text *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->lines[i]);
	free(t->lines);
	free(t->kinds);
	memset(t, 0, sizeof *t);
}

static int text_add(struct ui_text *t, size_t *cap, const char *s, size_t len, int kind)
{
	if (t->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		char **nl = realloc(t->lines, nc * sizeof *nl);
		if (!nl)
			return -1;
		t->lines = nl;
		uint8_t *nk = realloc(t->kinds, nc);
		if (!nk)
			return -1;
		t->kinds = nk;
		*cap = nc;
	}
	/* Escaping at most quadruples a byte (\xNN). */
	char *e = malloc(len * 8 + 1);
	if (!e)
		return -1;
	esc_term_buf(e, len * 8 + 1, sv_make(s, len), NULL);
	t->lines[t->n] = e;
	t->kinds[t->n++] = (uint8_t)kind;
	return 0;
}

/* Headers that carry credentials: shown with their secrets cut (the first
 * bytes of a response or nonce) unless the user asks for them. */
static int is_auth_header(const char *line, size_t len, size_t *name_len)
{
	static const char *const names[] = { "Authorization", "Proxy-Authorization",
	                                     "WWW-Authenticate", "Proxy-Authenticate",
	                                     "Authentication-Info", "Proxy-Authentication-Info" };
	const char *colon = memchr(line, ':', len);
	if (!colon)
		return 0;
	struct sv name = sv_trim(sv_make(line, (size_t)(colon - line)));
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (sv_eq_ci(name, names[i])) {
			*name_len = (size_t)(colon - line) + 1;
			return 1 + (i >= 4); /* 2: params only (…-Info) */
		}
	return 0;
}

/* An auth header (with its folded continuation lines, value in v) as one
 * redacted line.  Returns 0, or -1 when it does not parse (then shown as
 * it is: nothing to hide that we could find). */
static int add_auth_line(struct ui_text *t, size_t *cap, struct sv name, struct sv v, int kind,
                         unsigned flags)
{
	struct sip_auth a;
	if ((kind == 2 ? sip_auth_parse_params(v, &a) : sip_auth_parse(v, &a)) < 0)
		return -1;
	char r[1024];
	size_t n = sip_auth_render(&a, r, sizeof r, flags);
	char line[1200];
	int l = snprintf(line, sizeof line, "%.*s %.*s", (int)name.len, name.p,
	                 (int)(n < sizeof r ? n : strlen(r)), r);
	if (l < 0)
		return -1;
	/* The rendering is printable ASCII plus "…": no escaping needed, but
	 * text_add escapes anyway and keeps valid UTF-8. */
	return text_add(t, cap, line, strnlen(line, sizeof line), UI_L_HEADER);
}

int ui_text_of_msg(struct ui *ui, size_t idx, struct ui_text *out, int with)
{
	memset(out, 0, sizeof *out);
	size_t cap = 0, len;
	const struct store_msg *r = store_msg_at(ui->store, idx);
	if (with & UI_TEXT_INFO) {
		char info[512];
		export_frame_line(info, sizeof info, ui->store, idx);
		size_t il = strlen(info);
		snprintf(info + il, sizeof info - il, "%s%s%s%s",
		         (r->flags & STORE_MSG_RETRANS) ? "  [retransmission]" : "",
		         r->malformed ? "  [malformed: " : "", r->malformed ? r->malformed : "",
		         r->malformed ? "]" : "");
		if (text_add(out, &cap, info, strlen(info), UI_L_INFO) < 0)
			goto fail;
	}
	const struct checker *c = (with & UI_TEXT_FINDINGS) ? ui->check : NULL;
	for (uint32_t k = c ? check_msg_first(c, idx) : 0; k; k = check_at(c, k - 1)->next) {
		const struct check_finding *f = check_at(c, k - 1);
		const struct check_rule_info *ri = check_rule_info((enum check_rule)f->rule);
		char line[1024];
		/* The text holds wire bytes: text_add escapes the whole line. */
		int n = snprintf(line, sizeof line, "%-7s  %s  %s  %s",
		                 check_severity_name((enum check_severity)f->severity), ri->id, ri->rfc,
		                 check_text(c, f));
		if (n < 0 || text_add(out, &cap, line, strnlen(line, sizeof line),
		                      UI_L_FIND_INFO + f->severity) < 0)
			goto fail;
	}
	const char *b = store_msg_bytes(ui->store, idx, &len);
	if (!b) {
		const char *e = "(the message bytes cannot be read again)";
		if (text_add(out, &cap, e, strlen(e), UI_L_INFO) < 0)
			goto fail;
		return 0;
	}
	int in_body = 0, first = 1;
	size_t i = 0;
	while (i < len) {
		const char *nl = memchr(b + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - b) : len;
		size_t l = end - i;
		if (l && b[i + l - 1] == '\r')
			l--;
		int kind = in_body ? UI_L_BODY : first ? UI_L_START : l ? UI_L_HEADER : UI_L_BLANK;
		if (!in_body && !first && !l)
			in_body = 1;
		first = 0;
		size_t name_len;
		int auth = kind == UI_L_HEADER ? is_auth_header(b + i, l, &name_len) : 0;
		if (auth) {
			/* The value runs over folded lines (starting with SP/HT). */
			size_t vend = nl ? end + 1 : len;
			while (vend < len && (b[vend] == ' ' || b[vend] == '\t')) {
				const char *n2 = memchr(b + vend, '\n', len - vend);
				vend = n2 ? (size_t)(n2 - b) + 1 : len;
			}
			struct sv v = sv_trim(sv_make(b + i + name_len, vend - i - name_len));
			if (add_auth_line(out, &cap, sv_make(b + i, name_len), v, auth,
			                  ui->show_secrets ? SIP_AUTH_SHOW_SECRETS : 0) == 0) {
				i = vend;
				continue;
			}
		}
		char red[1024];
		size_t rl = kind == UI_L_BODY && !ui->show_secrets
		                    ? sdp_crypto_redact(sv_make(b + i, l), red, sizeof red) : 0;
		if (text_add(out, &cap, rl ? red : b + i, rl ? rl : l, kind) < 0)
			goto fail;
		i = nl ? end + 1 : len;
	}
	return 0;
fail:
	ui_text_free(out);
	return -1;
}

void ui_text_draw_line(struct ui *ui, const struct ui_text *t, size_t i, int y, int x, int maxcols,
                       int attr_extra)
{
	const char *s = t->lines[i];
	switch (t->kinds[i]) {
	case UI_L_INFO:
		attrset(A_BOLD | attr_extra);
		ui_put(y, x, s, maxcols);
		break;
	case UI_L_FIND_ERROR:
	case UI_L_FIND_WARNING:
	case UI_L_FIND_INFO:
		attrset((t->kinds[i] == UI_L_FIND_INFO ? A_NORMAL : A_BOLD) |
		        ui_attr(ui, t->kinds[i] == UI_L_FIND_ERROR     ? UI_C_FAIL
		                    : t->kinds[i] == UI_L_FIND_WARNING ? UI_C_WAIT
		                                                       : UI_C_DIM) |
		        attr_extra);
		ui_put(y, x, s, maxcols);
		break;
	case UI_L_START:
		attrset(A_BOLD | ui_attr(ui, UI_C_WAIT) | attr_extra);
		ui_put(y, x, s, maxcols);
		break;
	case UI_L_HEADER: {
		const char *colon = strchr(s, ':');
		int nl = colon ? (int)(colon - s) + 1 : 0;
		attrset(ui_attr(ui, UI_C_HDRNAME) | attr_extra);
		ui_put(y, x, s, nl < maxcols ? nl : maxcols);
		attrset(A_NORMAL | attr_extra);
		if (nl < maxcols)
			ui_put(y, x + nl, s + nl, maxcols - nl);
		break;
	}
	default: { /* body: SDP m= and c= lines stand out */
		int bold = (s[0] == 'm' || s[0] == 'c') && s[1] == '=';
		attrset((bold ? A_BOLD : A_NORMAL) | attr_extra);
		ui_put(y, x, s, maxcols);
	}
	}
	attrset(A_NORMAL);
}

/* ---- message view ---- */

struct msg_view {
	struct ui_view base;
	size_t msg;              /* SIZE_MAX: an RTP stream's details */
	struct ui_text text;
	size_t top, hscroll;
	int decoded; /* the headers taken apart (as `sipscope show`) */
};

/* The message as `sipscope show` prints it, as lines (already escaped
 * by the exporter; escaped again, which leaves them as they are). */
static int text_of_show(struct ui *ui, size_t idx, struct ui_text *out)
{
	char *buf = NULL;
	size_t n = 0, cap = 0;
	memset(out, 0, sizeof *out);
	FILE *f = open_memstream(&buf, &n);
	if (!f)
		return -1;
	export_show(f, ui->store, ui->tracker, idx, ui->show_secrets);
	if (fclose(f) != 0) {
		free(buf);
		return -1;
	}
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(buf + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - buf) : n;
		int kind = i == 0 ? UI_L_INFO : buf[i] == ' ' ? UI_L_BODY : UI_L_HEADER;
		if (text_add(out, &cap, buf + i, end - i, kind) < 0) {
			free(buf);
			ui_text_free(out);
			return -1;
		}
		i = end + 1;
	}
	free(buf);
	return 0;
}

static void msg_draw(struct ui *ui, struct ui_view *v)
{
	struct msg_view *mv = (struct msg_view *)v;
	char title[64];
	if (mv->msg == SIZE_MAX)
		snprintf(title, sizeof title, "RTP stream");
	else
		snprintf(title, sizeof title, "Message %zu", mv->msg + 1);
	ui_frame(ui, title, v->ops->hints);
	int rows = ui->rows - 3;
	if (mv->text.n && mv->top >= mv->text.n)
		mv->top = mv->text.n - 1;
	/* From column 0 (a copy and paste gets the line as it is); a line
	 * longer than the screen ends in a dim '>' in the last column, and h l
	 * scroll sideways. */
	for (int r = 0; r < rows && mv->top + (size_t)r < mv->text.n; r++) {
		size_t i = mv->top + (size_t)r;
		const char *s = mv->text.lines[i];
		size_t w = esc_cols(s);
		int cut = w > mv->hscroll + (size_t)ui->cols;
		int room = cut ? ui->cols - 1 : ui->cols;
		if (mv->hscroll) { /* sideways: plain text from the column on */
			attrset(mv->text.kinds[i] == UI_L_HEADER ? A_NORMAL : A_BOLD);
			ui_put(1 + r, 0, ui_skip_cols(s, mv->hscroll), room);
			attrset(A_NORMAL);
		} else {
			ui_text_draw_line(ui, &mv->text, i, 1 + r, 0, room, 0);
		}
		if (cut) {
			attrset(A_DIM | ui_attr(ui, UI_C_DIM));
			mvaddch(1 + r, ui->cols - 1, '>');
			attrset(A_NORMAL);
		}
	}
}

static int msg_key(struct ui *ui, struct ui_view *v, int key)
{
	struct msg_view *mv = (struct msg_view *)v;
	if ((key == 'a' || key == 'v') && mv->msg != SIZE_MAX) {
		struct ui_text t;
		if (key == 'a')
			ui->show_secrets = !ui->show_secrets;
		else
			mv->decoded = !mv->decoded;
		int rc = mv->decoded ? text_of_show(ui, mv->msg, &t)
		                     : ui_text_of_msg(ui, mv->msg, &t, UI_TEXT_INFO | UI_TEXT_FINDINGS);
		if (rc == 0) {
			ui_text_free(&mv->text);
			mv->text = t;
			mv->top = 0;
		}
		if (key == 'v')
			return 1;
		ui_message(ui, "%s", ui->show_secrets ? "credentials and SRTP keys shown in full"
		                                      : "credentials cut (the first bytes only), SRTP keys hidden");
		return 1;
	}
	return ui_scroll_key(ui, &mv->top, &mv->hscroll, mv->text.n, key);
}

static void msg_destroy(struct ui_view *v)
{
	struct msg_view *mv = (struct msg_view *)v;
	ui_text_free(&mv->text);
	free(mv);
}

static const struct ui_view_ops msg_ops = {
	.title = "Message",
	.hints = " Arrows/j k Scroll  PgUp PgDn  h l Sideways (> cut)  v Decoded  a Credentials  ? Help"
	         "  q Back",
	.draw = msg_draw,
	.key = msg_key,
	.destroy = msg_destroy,
};

struct ui_view *ui_msg_new(struct ui *ui, size_t msg)
{
	struct msg_view *mv = calloc(1, sizeof *mv);
	if (!mv)
		return NULL;
	mv->base.ops = &msg_ops;
	mv->msg = msg;
	if (ui_text_of_msg(ui, msg, &mv->text, UI_TEXT_INFO | UI_TEXT_FINDINGS) < 0) {
		free(mv);
		return NULL;
	}
	return &mv->base;
}

static const struct ui_view_ops stream_ops = {
	.title = "RTP stream",
	.hints = " Arrows/j k Scroll  PgUp PgDn  h l Sideways  ? Help  q Back",
	.draw = msg_draw,
	.key = msg_key,
	.destroy = msg_destroy,
};

/* printf into a line of t. */
static int text_addf(struct ui_text *t, size_t *cap, int kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int text_addf(struct ui_text *t, size_t *cap, int kind, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	return text_add(t, cap, line, strnlen(line, sizeof line), kind);
}

int ui_text_of_stream(const struct media_stream *ms, uint32_t call, struct ui_text *t)
{
	memset(t, 0, sizeof *t);
	size_t cap = 0;
	char src[64], dst[64], probs[96], dtmf[MEDIA_MAX_DTMF + 1];
	store_endpoint_format(&ms->src, src, sizeof src);
	store_endpoint_format(&ms->dst, dst, sizeof dst);
	media_problem_names(ms->problems, probs, sizeof probs);
	size_t nd = 0;
	for (uint32_t k = 0; k < ms->ndtmf && k < MEDIA_MAX_DTMF; k++)
		dtmf[nd++] = ms->dtmf[k].digit;
	dtmf[nd] = '\0';
	double pct = ms->expected > 0 ? 100.0 * (double)ms->lost / (double)ms->expected : 0;
	/* The codec comes from SDP text: text_add escapes every line. */
	int rc = text_addf(t, &cap, UI_L_INFO, "RTP stream  %s -> %s  call %" PRIu32, src, dst, call);
	rc |= text_addf(t, &cap, UI_L_HEADER, "SSRC: 0x%08" PRIX32, ms->ssrc);
	rc |= text_addf(t, &cap, UI_L_HEADER, "Codec: %s (payload type %u, clock %" PRIu32 " Hz)",
	                ms->codec[0] ? ms->codec : "?", ms->pt, ms->clock);
	rc |= text_addf(t, &cap, UI_L_HEADER, "Packets: %" PRIu64 " (%" PRIu64 " payload bytes), frames %"
	                PRIu64 "-%" PRIu64, ms->packets, ms->bytes, ms->first_frame, ms->last_frame);
	rc |= text_addf(t, &cap, UI_L_HEADER, "Duration: %.3f s", (double)(ms->last_us - ms->first_us) / 1e6);
	rc |= text_addf(t, &cap, UI_L_HEADER, "Lost: %" PRId64 " of %" PRId64 " expected (%.2f%%), %"
	                PRIu64 " duplicates, %" PRIu64 " out of order, %" PRIu64 " sequence jumps",
	                ms->lost, ms->expected, pct, ms->duplicates, ms->out_of_order, ms->seq_jumps);
	rc |= text_addf(t, &cap, UI_L_HEADER, "Jitter: mean %.3f ms, max %.3f ms; longest gap %.3f ms",
	                ms->jitter_ms_mean, ms->jitter_ms_max, ms->delta_ms_max);
	if (ms->mos > 0)
		rc |= text_addf(t, &cap, UI_L_HEADER, "MOS: %.2f (E-model estimate)", ms->mos);
	else
		rc |= text_addf(t, &cap, UI_L_HEADER, "MOS: - (%s)",
		                ms->ndtmf ? "an event stream" : "not yet: the figures come at the end");
	if (ms->rtcp_reports)
		rc |= text_addf(t, &cap, UI_L_HEADER, "RTCP: %" PRIu32 " reports, fraction lost %.4f, "
		                "cumulative lost %" PRId32 ", jitter %.3f ms", ms->rtcp_reports,
		                ms->rtcp_fraction_lost, ms->rtcp_cum_lost, ms->rtcp_jitter_ms);
	if (nd)
		rc |= text_addf(t, &cap, UI_L_HEADER, "DTMF: %s", dtmf);
	if (ms->srtp) {
		char srtp[96];
		media_srtp_text(ms, srtp, sizeof srtp);
		rc |= text_addf(t, &cap, ms->srtp_auth_fail || ms->srtcp_auth_fail ? UI_L_FIND_WARNING : UI_L_HEADER,
		                "SRTP: %s%s%s; SRTCP decrypted %" PRIu64 ", auth failed %" PRIu64,
		                srtp + 6, ms->srtp_ok || ms->srtp_auth_fail ? ", suite " : "",
		                ms->srtp_ok || ms->srtp_auth_fail
		                        ? sdp_srtp_suite_name((enum sdp_srtp_suite)ms->srtp_suite) : "",
		                ms->srtcp_ok, ms->srtcp_auth_fail);
	}
	rc |= text_addf(t, &cap, ms->problems ? UI_L_FIND_ERROR : UI_L_HEADER, "Problems: %s",
	                ms->problems ? probs : "none");
	rc |= text_addf(t, &cap, UI_L_BODY, "(every stream: sipscope rtp)");
	if (rc) {
		ui_text_free(t);
		return -1;
	}
	return 0;
}

struct ui_view *ui_stream_new(struct ui *ui, const struct media_stream *ms, uint32_t call)
{
	(void)ui;
	struct msg_view *mv = calloc(1, sizeof *mv);
	if (!mv)
		return NULL;
	mv->base.ops = &stream_ops;
	mv->msg = SIZE_MAX;
	if (ui_text_of_stream(ms, call, &mv->text) < 0) {
		free(mv);
		return NULL;
	}
	return &mv->base;
}

/* ---- diff view ---- */

#define DIFF_MAX_CELLS (4u << 20) /* LCS table cells (16 MB) at most */

/* One row of the side-by-side diff: a line index on each side, or -1;
 * `changed`: the two lines differ (a line of one replaced by a line of
 * the other), the part between their common start and end highlighted. */
struct diff_row {
	long left, right;
	int changed;
};

struct diff_view {
	struct ui_view base;
	size_t msgs[2];
	struct ui_text text[2];
	struct diff_row *rows;
	size_t nrows, top, hscroll;
};

/* Pair the lines a block of changes removes with the ones it adds, in
 * order ("-a -b +A +B" becomes "a|A b|B"), so that each pair shows side
 * by side with what changed inside the line highlighted. */
static void diff_pair(struct diff_view *dv)
{
	size_t out = 0;
	for (size_t i = 0; i < dv->nrows;) {
		if (dv->rows[i].left >= 0 && dv->rows[i].right >= 0) {
			dv->rows[out++] = dv->rows[i++];
			continue;
		}
		size_t end = i;
		while (end < dv->nrows && (dv->rows[end].left < 0 || dv->rows[end].right < 0))
			end++;
		/* rows[i..end) are one side each: lefts and rights in order */
		long lefts[64], rights[64];
		size_t nl = 0, nr = 0;
		int fits = end - i <= 64;
		for (size_t k = i; fits && k < end; k++) {
			if (dv->rows[k].left >= 0)
				lefts[nl++] = dv->rows[k].left;
			else
				rights[nr++] = dv->rows[k].right;
		}
		if (!fits) { /* a long block: kept as it is */
			while (i < end)
				dv->rows[out++] = dv->rows[i++];
			continue;
		}
		for (size_t k = 0; k < nl || k < nr; k++) {
			struct diff_row *r = &dv->rows[out++];
			r->left = k < nl ? lefts[k] : -1;
			r->right = k < nr ? rights[k] : -1;
			r->changed = k < nl && k < nr;
		}
		i = end;
	}
	dv->nrows = out;
}

/* Draw escaped line s from column `skip` at y, x, at most maxcols, its
 * bytes [a, b) in attribute hi and the rest in lo. */
static void diff_put(int y, int x, const char *s, size_t skip, int maxcols, size_t a, size_t b,
                     int lo, int hi)
{
	size_t len = strlen(s), i = 0, col = 0;
	int at = 0;
	while (i < len && at < maxcols) {
		int w;
		int u = esc_char((const unsigned char *)s + i, len - i, &w);
		if (col >= skip) {
			if (at + w > maxcols)
				break;
			attrset(i >= a && i < b ? hi : lo);
			mvaddnstr(y, x + at, s + i, u);
			at += w;
		}
		col += (size_t)w;
		i += (size_t)u;
	}
	attrset(A_NORMAL);
}

/* The differing middle [*a, *b) of s against t (bytes of s): after the
 * common start, before the common end, on character boundaries. */
static void diff_span(const char *s, const char *t, size_t *a, size_t *b)
{
	size_t ls = strlen(s), lt = strlen(t), p = 0, q = 0;
	while (p < ls && p < lt && s[p] == t[p])
		p++;
	while (p && ((unsigned char)s[p] & 0xc0) == 0x80) /* not inside a character */
		p--;
	while (q < ls - p && q < lt - p && s[ls - 1 - q] == t[lt - 1 - q])
		q++;
	while (q && ((unsigned char)s[ls - q] & 0xc0) == 0x80)
		q--;
	*a = p;
	*b = ls - q;
}

/* Align two line lists by their longest common subsequence (messages are
 * a few dozen lines: the quadratic table is small). */
static int diff_align(struct diff_view *dv)
{
	size_t n = dv->text[0].n, m = dv->text[1].n;
	dv->rows = calloc(2 * (n > m ? n : m) + 1, sizeof *dv->rows);
	if (!dv->rows)
		return -1;
	if ((n + 1) * (m + 1) > DIFF_MAX_CELLS) {
		/* Too big for the table (a 64 KB body of short lines): pair the
		 * lines by position, marking the ones that differ. */
		for (size_t i = 0; i < n || i < m; i++) {
			struct diff_row *r = &dv->rows[dv->nrows++];
			int same = i < n && i < m && !strcmp(dv->text[0].lines[i], dv->text[1].lines[i]);
			r->left = i < n ? (long)i : -1;
			r->right = i < m ? (long)i : -1;
			r->changed = !same && i < n && i < m;
		}
		return 0;
	}
	uint32_t *lcs = calloc((n + 1) * (m + 1), sizeof *lcs);
	if (!lcs)
		return -1;
#define L(i, j) lcs[(i) * (m + 1) + (j)]
	for (size_t i = n; i-- > 0;)
		for (size_t j = m; j-- > 0;)
			L(i, j) = !strcmp(dv->text[0].lines[i], dv->text[1].lines[j])
			              ? L(i + 1, j + 1) + 1
			              : (L(i + 1, j) > L(i, j + 1) ? L(i + 1, j) : L(i, j + 1));
	size_t i = 0, j = 0;
	while (i < n || j < m) {
		struct diff_row *r = &dv->rows[dv->nrows++];
		if (i < n && j < m && !strcmp(dv->text[0].lines[i], dv->text[1].lines[j])) {
			r->left = (long)i++;
			r->right = (long)j++;
		} else if (j < m && (i == n || L(i, j + 1) >= L(i + 1, j))) {
			r->left = -1;
			r->right = (long)j++;
		} else {
			r->left = (long)i++;
			r->right = -1;
		}
	}
#undef L
	free(lcs);
	diff_pair(dv);
	return 0;
}

static void diff_draw(struct ui *ui, struct ui_view *v)
{
	struct diff_view *dv = (struct diff_view *)v;
	char title[96];
	snprintf(title, sizeof title, "Diff of messages %zu and %zu", dv->msgs[0] + 1, dv->msgs[1] + 1);
	ui_frame(ui, title, v->ops->hints);
	int half = (ui->cols - 3) / 2;
	int rows = ui->rows - 3;
	if (dv->nrows && dv->top >= dv->nrows)
		dv->top = dv->nrows - 1;
	attrset(ui_attr(ui, UI_C_DIM));
	mvvline(1, half + 1, ui->ascii ? '|' : ACS_VLINE, rows);
	attrset(A_NORMAL);
	for (int r = 0; r < rows && dv->top + (size_t)r < dv->nrows; r++) {
		const struct diff_row *d = &dv->rows[dv->top + (size_t)r];
		int same = d->left >= 0 && d->right >= 0 && !d->changed;
		for (int side = 0; side < 2; side++) {
			long li = side ? d->right : d->left;
			int x = side ? half + 3 : 1;
			if (li < 0)
				continue;
			if (same && !dv->hscroll) {
				ui_text_draw_line(ui, &dv->text[side], (size_t)li, 1 + r, x, half - 1, 0);
				continue;
			}
			int col = ui_attr(ui, side ? UI_C_ADD : UI_C_DEL);
			attrset(same ? A_NORMAL : A_BOLD | col);
			if (!same)
				mvaddch(1 + r, x - 1, side ? '+' : '-');
			const char *s = dv->text[side].lines[li];
			if (d->changed) { /* the common start and end plain, the rest in reverse */
				size_t a, b;
				diff_span(s, dv->text[!side].lines[side ? d->left : d->right], &a, &b);
				diff_put(1 + r, x, s, dv->hscroll, half - 1, a, b, A_NORMAL,
				         A_BOLD | A_REVERSE | col);
				continue;
			}
			ui_put(1 + r, x, ui_skip_cols(s, dv->hscroll), half - 1);
		}
		attrset(A_NORMAL);
	}
}

static int diff_align(struct diff_view *dv);

static int diff_key(struct ui *ui, struct ui_view *v, int key)
{
	struct diff_view *dv = (struct diff_view *)v;
	if (key == 'a') { /* credentials in full or cut, as in the message view */
		struct ui_text t[2];
		ui->show_secrets = !ui->show_secrets;
		if (ui_text_of_msg(ui, dv->msgs[0], &t[0], UI_TEXT_INFO) == 0) {
			if (ui_text_of_msg(ui, dv->msgs[1], &t[1], UI_TEXT_INFO) == 0) {
				ui_text_free(&dv->text[0]);
				ui_text_free(&dv->text[1]);
				dv->text[0] = t[0];
				dv->text[1] = t[1];
				free(dv->rows);
				dv->rows = NULL;
				dv->nrows = 0;
				if (diff_align(dv) < 0)
					ui_message(ui, "out of memory");
			} else {
				ui_text_free(&t[0]);
			}
		}
		return 1;
	}
	return ui_scroll_key(ui, &dv->top, &dv->hscroll, dv->nrows, key);
}

static void diff_destroy(struct ui_view *v)
{
	struct diff_view *dv = (struct diff_view *)v;
	ui_text_free(&dv->text[0]);
	ui_text_free(&dv->text[1]);
	free(dv->rows);
	free(dv);
}

static const struct ui_view_ops diff_ops = {
	.title = "Diff",
	.hints = " - + changed (the difference in reverse)   Arrows/j k Scroll  PgUp PgDn  h l Sideways  a Credentials"
	         "  q Back",
	.draw = diff_draw,
	.key = diff_key,
	.destroy = diff_destroy,
};

struct ui_view *ui_diff_new(struct ui *ui, size_t left, size_t right)
{
	struct diff_view *dv = calloc(1, sizeof *dv);
	if (!dv)
		return NULL;
	dv->base.ops = &diff_ops;
	dv->msgs[0] = left < right ? left : right;
	dv->msgs[1] = left < right ? right : left;
	if (ui_text_of_msg(ui, dv->msgs[0], &dv->text[0], UI_TEXT_INFO) < 0 ||
	    ui_text_of_msg(ui, dv->msgs[1], &dv->text[1], UI_TEXT_INFO) < 0 || diff_align(dv) < 0) {
		diff_destroy(&dv->base);
		return NULL;
	}
	return &dv->base;
}
