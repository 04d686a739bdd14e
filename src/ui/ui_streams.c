/* ui_streams.c - the RTP streams of one call (R, from the call list or
 * the ladder): one row each with what `sipscope rtp` prints (codec,
 * packets, loss, jitter, MOS, RTCP, problems or DTMF digits).  Enter
 * shows the stream's band in the call's ladder, v its details, A saves
 * the call's audio, P plays it. */
#include <curses.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/escape.h"
#include "ui.h"

struct streams_view {
	struct ui_view base;
	uint32_t call;
	struct ui_view *flow;   /* the ladder below this view, or NULL */
	size_t cursor, top, hscroll;
	size_t *idx;            /* the call's streams (media indexes), at the last draw */
	size_t n, cap;
};

/* The call's streams, in the media tracker's order (first packet). */
static void find_streams(struct ui *ui, struct streams_view *sv)
{
	const struct media *m = ingest_media(ui->ingest);
	sv->n = 0;
	for (size_t i = 0; m && i < media_stream_count(m); i++) {
		const struct media_stream *s = media_stream(m, i);
		uint32_t leg = s->h_call_id ? track_find_call(ui->tracker, s->h_call_id) : 0;
		if (!leg || track_call_root(ui->tracker, leg) != sv->call)
			continue;
		if (sv->n == sv->cap) {
			size_t nc = sv->cap ? sv->cap * 2 : 16;
			size_t *p = realloc(sv->idx, nc * sizeof *p);
			if (!p)
				return;
			sv->idx = p;
			sv->cap = nc;
		}
		sv->idx[sv->n++] = i;
	}
}

static const struct media_stream *at_cursor(struct ui *ui, const struct streams_view *sv)
{
	const struct media *m = ingest_media(ui->ingest);
	return m && sv->cursor < sv->n ? media_stream(m, sv->idx[sv->cursor]) : NULL;
}

#define ROW_FMT "%-10s  %-46s  %-20s %6s  %-14s %-11s %5s  %-12s  %s"

/* One row of the table, escaped (the codec is SDP text). */
static void stream_row(const struct media_stream *s, char *line, size_t n)
{
	char ssrc[16], ends[136], src[64], dst[64], codec[64], pkts[24], lost[32], jit[32], mos[16];
	char rtcp[32], probs[96], extra[160];
	snprintf(ssrc, sizeof ssrc, "0x%08" PRIX32, s->ssrc);
	store_endpoint_format(&s->src, src, sizeof src);
	store_endpoint_format(&s->dst, dst, sizeof dst);
	snprintf(ends, sizeof ends, "%s -> %s", src, dst);
	esc_term_buf(codec, sizeof codec, sv_make(s->codec, strlen(s->codec)), NULL);
	snprintf(pkts, sizeof pkts, "%" PRIu64, s->packets);
	double pct = s->expected > 0 ? 100.0 * (double)s->lost / (double)s->expected : 0;
	snprintf(lost, sizeof lost, "%" PRId64 " (%.1f%%)", s->lost, pct);
	snprintf(jit, sizeof jit, "%.2f/%.2f", s->jitter_ms_mean, s->jitter_ms_max);
	if (s->mos > 0)
		snprintf(mos, sizeof mos, "%.2f", s->mos);
	else
		snprintf(mos, sizeof mos, "-");
	if (s->rtcp_reports)
		snprintf(rtcp, sizeof rtcp, "%" PRIu32 " rep %.1f%%", s->rtcp_reports,
		         100.0 * s->rtcp_fraction_lost);
	else
		snprintf(rtcp, sizeof rtcp, "-");
	media_problem_names(s->problems, probs, sizeof probs);
	size_t k = 0;
	k += (size_t)snprintf(extra, sizeof extra, "%s", s->problems ? probs : "none");
	if (s->ndtmf && k < sizeof extra) {
		char d[MEDIA_MAX_DTMF + 1];
		size_t nd = 0;
		for (uint32_t i = 0; i < s->ndtmf && i < MEDIA_MAX_DTMF; i++)
			d[nd++] = s->dtmf[i].digit;
		d[nd] = '\0';
		snprintf(extra + k, sizeof extra - k, "; DTMF %s", d);
	}
	snprintf(line, n, ROW_FMT, ssrc, ends, codec[0] ? codec : "?", pkts, lost, jit, mos, rtcp, extra);
}

static void streams_draw(struct ui *ui, struct ui_view *v)
{
	struct streams_view *sv = (struct streams_view *)v;
	find_streams(ui, sv);
	const struct call_info *c = track_call(ui->tracker, sv->call - 1);
	char title[256], from[96], to[96];
	esc_term_buf(from, sizeof from, store_str(ui->store, c->from), NULL);
	esc_term_buf(to, sizeof to, store_str(ui->store, c->to), NULL);
	snprintf(title, sizeof title, "RTP streams of call %u  %s -> %s  (%zu)", (unsigned)sv->call,
	         from, to, sv->n);
	ui_frame(ui, title, v->ops->hints);
	char line[640];
	snprintf(line, sizeof line, ROW_FMT, "SSRC", "SOURCE -> DESTINATION", "CODEC", "PKTS",
	         "LOST", "JITTER ms", "MOS", "RTCP", "PROBLEMS");
	attrset(A_BOLD | ui_attr(ui, UI_C_HEADER));
	mvhline(1, 0, ' ', ui->cols);
	ui_put(1, 2, ui_skip_cols(line, sv->hscroll), ui->cols - 2);
	attrset(A_NORMAL);
	int rows = ui->rows - 4;
	if (!sv->n) {
		ui_put(3, 2, !ingest_media(ui->ingest)
		                 ? "(RTP is not followed: start the viewer with --rtp)"
		                 : ui->loading ? "(no RTP stream yet: loading...)"
		                               : "(no RTP stream in this call)", ui->cols - 2);
		return;
	}
	if (sv->cursor >= sv->n)
		sv->cursor = sv->n - 1;
	if (sv->cursor < sv->top)
		sv->top = sv->cursor;
	if (rows > 0 && sv->cursor >= sv->top + (size_t)rows)
		sv->top = sv->cursor - (size_t)rows + 1;
	const struct media *m = ingest_media(ui->ingest);
	for (int r = 0; r < rows && sv->top + (size_t)r < sv->n; r++) {
		size_t i = sv->top + (size_t)r;
		const struct media_stream *s = media_stream(m, sv->idx[i]);
		stream_row(s, line, sizeof line);
		int attr = i == sv->cursor ? (int)A_REVERSE
		         : s->problems ? (int)A_BOLD | ui_attr(ui, UI_C_FAIL) : 0;
		attrset(attr);
		mvhline(2 + r, 0, ' ', ui->cols);
		ui_put(2 + r, 2, ui_skip_cols(line, sv->hscroll), ui->cols - 2);
		attrset(A_NORMAL);
	}
}

/* Enter: the stream's band in the call's ladder (the one below, or a new
 * one). */
static void jump_to_band(struct ui *ui, struct streams_view *sv)
{
	const struct media_stream *ms = at_cursor(ui, sv);
	if (!ms)
		return;
	struct ui_view *flow = sv->flow;
	if (flow) {
		if (ui_flow_select_stream(ui, flow, ms) < 0) {
			ui_message(ui, "the ladder shows no band for stream 0x%08" PRIX32, ms->ssrc);
			return;
		}
		ui_pop(ui); /* frees sv: nothing of it is used after */
		return;
	}
	flow = ui_flow_new(ui, &sv->call, 1);
	if (!flow) {
		ui_message(ui, "out of memory");
		return;
	}
	ui_flow_select_stream(ui, flow, ms);
	/* The ladder takes this view's place: q goes back to the call list. */
	ui_pop(ui);
	ui_push(ui, flow);
}

static int streams_key(struct ui *ui, struct ui_view *v, int key)
{
	struct streams_view *sv = (struct streams_view *)v;
	size_t hs = sv->hscroll;
	switch (key) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		jump_to_band(ui, sv);
		return 1;
	case 'v': {
		const struct media_stream *ms = at_cursor(ui, sv);
		if (ms)
			ui_push(ui, ui_stream_new(ui, ms, sv->call));
		return 1;
	}
	case 'A':
		ui_audio_save_prompt(ui, sv->call);
		return 1;
	case 'P':
		ui_audio_play(ui, sv->call);
		return 1;
	case KEY_END:
	case 'G':
		sv->cursor = sv->n ? sv->n - 1 : 0;
		return 1;
	default:
		break;
	}
	int used = ui_scroll_key(ui, &sv->cursor, &sv->hscroll, sv->n, key);
	if (hs != sv->hscroll && key != KEY_LEFT && key != KEY_RIGHT && key != 'h' && key != 'l')
		sv->hscroll = hs;
	return used;
}

static void streams_destroy(struct ui_view *v)
{
	struct streams_view *sv = (struct streams_view *)v;
	free(sv->idx);
	free(sv);
}

static const struct ui_view_ops streams_ops = {
	.title = "RTP streams",
	.hints = " Enter Band in ladder  v Details  A Save audio  P Play  h l Sideways  ? Help  q Back",
	.draw = streams_draw,
	.key = streams_key,
	.destroy = streams_destroy,
};

struct ui_view *ui_streams_new(struct ui *ui, uint32_t call, struct ui_view *flow)
{
	struct streams_view *sv = calloc(1, sizeof *sv);
	if (!sv)
		return NULL;
	sv->base.ops = &streams_ops;
	sv->call = track_call_root(ui->tracker, call);
	sv->flow = flow;
	return &sv->base;
}
