/* ui_flow.c - the ladder of one or more calls, drawn from the same cells
 * as `sipscope flow`, with the selected message in a side (wide
 * terminals) or bottom pane. */
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/escape.h"
#include "ui.h"

#define PANE_SIDE_MIN_COLS 150 /* wider: the message pane goes to the right */
#define PANE_BOTTOM_MIN_ROWS 30
#define PANE_FORCE_MIN_ROWS 16 /* p asks for the pane: at the bottom from here */

struct flow_view {
	struct ui_view base;
	uint32_t *calls;
	size_t ncalls;
	uint32_t nmsgs_built;   /* messages of the calls when the ladder was built */
	size_t nfound_built;    /* the checker's findings then */
	uint64_t rtp_built;     /* RTP packets followed then (--rtp) */
	int media_done_built;   /* media_finished() then */
	struct ladder *lad;
	struct ladder_opts o;
	size_t sel;             /* selected message (ladder order) */
	size_t sel_stream;      /* or the selected RTP stream's band, SIZE_MAX: none */
	size_t top;             /* first ladder line shown below the header */
	size_t hscroll;         /* cells of the lifelines scrolled away (the time
	                         * and call columns stay) */
	long mark;              /* message marked for diff (store index), -1 */
	regex_t search;
	int have_search;
	struct ui_text pane_text;
	size_t pane_msg;        /* store index the pane text is of, or SIZE_MAX */
	int pane_secrets;       /* ui->show_secrets when the pane text was made */
};

static uint32_t calls_nmsgs(struct ui *ui, const struct flow_view *fv)
{
	uint32_t n = 0;
	for (size_t i = 0; i < fv->ncalls; i++) {
		struct call_totals tot;
		track_call_totals(ui->tracker, fv->calls[i], &tot);
		n += tot.nmsgs;
	}
	return n;
}

/* (Re)build the ladder, keeping the selected message. */
static void rebuild(struct ui *ui, struct flow_view *fv)
{
	size_t keep = fv->lad && fv->sel < ladder_msg_count(fv->lad) ? ladder_msg(fv->lad, fv->sel)
	                                                              : SIZE_MAX;
	fv->o.ascii = ui->ascii;
	fv->o.check = ui->check;
	fv->o.time = ui->flow_time;
	fv->o.merge_hosts = ui->flow_merge_hosts;
	fv->o.no_sdp = ui->flow_no_sdp;
	fv->o.scrolls = 1;
	fv->o.media = ingest_media(ui->ingest); /* NULL without --rtp */
	/* A call shown may since have become a leg of an older one. */
	for (size_t i = 0; i < fv->ncalls; i++)
		fv->calls[i] = track_call_root(ui->tracker, fv->calls[i]);
	struct ladder *l = ladder_build(ui->store, ui->tracker, fv->calls, fv->ncalls, &fv->o);
	if (!l) {
		ui_message(ui, "out of memory");
		return;
	}
	ladder_free(fv->lad);
	fv->lad = l;
	fv->nmsgs_built = calls_nmsgs(ui, fv);
	fv->nfound_built = check_count(ui->check);
	fv->rtp_built = fv->o.media ? media_stats(fv->o.media)->rtp : 0;
	fv->media_done_built = fv->o.media ? media_finished(fv->o.media) : 0;
	fv->sel = 0;
	if (fv->sel_stream != SIZE_MAX && fv->sel_stream >= ladder_stream_count(l))
		fv->sel_stream = SIZE_MAX;
	for (size_t i = 0; keep != SIZE_MAX && i < ladder_msg_count(l); i++)
		if (ladder_msg(l, i) == keep)
			fv->sel = i;
}

/* Screen columns left of the ladder: the diff mark ("*") of the marked
 * message, in a column of its own. */
#define MARK_COLS 1

/* With several calls, a legend row above the ladder: each call's number
 * in its color, its From -> To. */
static int legend_rows(const struct flow_view *fv)
{
	return fv->ncalls > 1;
}

/* The ladder gets lad_w x lad_h from row 1 + legend_rows() (its width
 * includes MARK_COLS); the pane py, px, pw, ph (0 x 0: none). */
static void pane_geometry(const struct ui *ui, const struct flow_view *fv, int *lad_w, int *lad_h,
                          int *py, int *px, int *pw, int *ph)
{
	int body = ui->rows - 3 - legend_rows(fv); /* title, status, hints */
	*lad_w = ui->cols;
	*lad_h = body;
	*pw = *ph = 0;
	*py = 1 + legend_rows(fv);
	*px = 0;
	if (ui->flow_pane == UI_PANE_OFF)
		return;
	if (ui->cols >= PANE_SIDE_MIN_COLS) {
		*pw = ui->cols * 2 / 5;
		*lad_w = ui->cols - *pw - 1;
		*px = *lad_w + 1;
		*ph = body;
	} else if (ui->rows >= PANE_BOTTOM_MIN_ROWS || (ui->flow_pane == UI_PANE_ASKED && ui->rows >= PANE_FORCE_MIN_ROWS)) {
		*ph = body * 2 / 5;
		*lad_h = body - *ph - 1;
		*py = 1 + legend_rows(fv) + *lad_h + 1;
		*pw = ui->cols;
	}
}

/* A ladder line at row y: the fixed time (and call) columns, then the
 * lifelines from hscroll on, right of the mark column. */
static void put_line(struct ui *ui, const struct flow_view *fv, int y,
                     const struct ladder_cell *cells, size_t width, int lw, int selected)
{
	size_t fixed = ladder_fixed_cols(fv->lad);
	if (fixed > width)
		fixed = width;
	int room = lw - MARK_COLS;
	if (room <= 0)
		return;
	ui_put_cells_at(ui, y, MARK_COLS, cells, fixed, 0, room, selected);
	if ((int)fixed < room)
		ui_put_cells_at(ui, y, MARK_COLS + (int)fixed, cells, width, fixed + fv->hscroll,
		                room - (int)fixed, selected);
}

/* The legend of a ladder of several calls: "1 alice -> bob  2 ...", each
 * number in the color of its call column. */
static void draw_legend(struct ui *ui, const struct flow_view *fv, struct ladder_cell *cells)
{
	size_t n = (size_t)ui->cols, x = 0;
	for (size_t i = 0; i < n; i++) {
		strcpy(cells[i].ch, " ");
		cells[i].style = LADDER_S_PLAIN;
		cells[i].color = 0;
	}
	for (size_t k = 0; k < fv->ncalls && x + 1 < n; k++) {
		const struct call_info *c = track_call(ui->tracker, fv->calls[k] - 1);
		char num[16], from[96], to[96], text[256];
		snprintf(num, sizeof num, "%u", fv->calls[k]);
		esc_term_buf(from, sizeof from, store_str(ui->store, c->from), NULL);
		esc_term_buf(to, sizeof to, store_str(ui->store, c->to), NULL);
		snprintf(text, sizeof text, " %s -> %s  ", from, to);
		uint8_t color = ladder_call_color(fv->lad, fv->calls[k]);
		for (const char *p = num; *p && x < n; p++, x++) {
			cells[x].ch[0] = *p;
			cells[x].style = LADDER_S_CALL;
			cells[x].color = color;
		}
		/* One cell per column, as the ladder's cells: a wide character
		 * takes two, the second empty. */
		const unsigned char *p = (const unsigned char *)text;
		size_t len = strlen(text), i = 0;
		while (i < len) {
			int w;
			int u = esc_char(p + i, len - i, &w);
			if (x + (size_t)w > n || u > 4)
				break;
			memcpy(cells[x].ch, p + i, (size_t)u);
			cells[x].ch[u] = '\0';
			if (w == 2)
				cells[x + 1].ch[0] = '\0';
			x += (size_t)w;
			i += (size_t)u;
		}
	}
	ui_put_cells_at(ui, 1, 0, cells, n, 0, ui->cols, 0);
}

static void flow_draw(struct ui *ui, struct ui_view *v)
{
	struct flow_view *fv = (struct flow_view *)v;
	char title[256];
	const struct call_info *c = track_call(ui->tracker, fv->calls[0] - 1);
	char from[96], to[96];
	esc_term_buf(from, sizeof from, store_str(ui->store, c->from), NULL);
	esc_term_buf(to, sizeof to, store_str(ui->store, c->to), NULL);
	if (fv->ncalls > 1)
		snprintf(title, sizeof title, "Call flow of %zu calls", fv->ncalls);
	else
		snprintf(title, sizeof title, "Call flow %u  %s -> %s  %s", fv->calls[0], from, to,
		         track_state_name((enum call_state)c->state));
	ui_frame(ui, title, v->ops->hints);
	if (!fv->lad)
		return;
	int lw, lh, py, px, pw, ph;
	pane_geometry(ui, fv, &lw, &lh, &py, &px, &pw, &ph);
	if (fv->o.max_width != (size_t)(lw - MARK_COLS)) { /* fit the ladder to the screen */
		fv->o.max_width = (size_t)(lw - MARK_COLS);
		rebuild(ui, fv);
	}
	size_t width = ladder_width(fv->lad);
	struct ladder_cell *cells = malloc((width > (size_t)ui->cols ? width : (size_t)ui->cols) *
	                                   sizeof *cells);
	if (!cells)
		return;
	if (legend_rows(fv))
		draw_legend(ui, fv, cells);
	int y0 = 1 + legend_rows(fv);
	size_t nmsg = ladder_msg_count(fv->lad);
	if (fv->sel >= nmsg)
		fv->sel = nmsg ? nmsg - 1 : 0;
	size_t rows = lh > LADDER_HEAD_LINES ? (size_t)lh - LADDER_HEAD_LINES : 1;
	size_t sel_line = nmsg ? ladder_msg_line(fv->lad, fv->sel) - LADDER_HEAD_LINES : 0;
	if (fv->sel_stream != SIZE_MAX)
		sel_line = ladder_stream_at(fv->lad, fv->sel_stream)->line - LADDER_HEAD_LINES;
	if (sel_line < fv->top)
		fv->top = sel_line;
	if (sel_line + 2 > fv->top + rows) /* its SDP line too */
		fv->top = sel_line + 2 - rows;
	/* Sideways, the lifelines scroll under the time (and call) columns. */
	size_t fixed = ladder_fixed_cols(fv->lad);
	size_t view = (size_t)lw > MARK_COLS + fixed ? (size_t)lw - MARK_COLS - fixed : 0;
	size_t scrollable = width > fixed ? width - fixed : 0;
	if (fv->hscroll + view > scrollable)
		fv->hscroll = scrollable > view ? scrollable - view : 0;
	for (int h = 0; h < LADDER_HEAD_LINES; h++) {
		ladder_draw(fv->lad, (size_t)h, cells);
		put_line(ui, fv, y0 + h, cells, width, lw, 0);
	}
	size_t nlines = ladder_lines(fv->lad);
	for (size_t r = 0; r < rows; r++) {
		size_t line = LADDER_HEAD_LINES + fv->top + r;
		if (line >= nlines)
			break;
		size_t m;
		enum ladder_line_kind kind = ladder_line_kind(fv->lad, line, &m);
		ladder_draw(fv->lad, line, cells);
		int selected = fv->sel_stream == SIZE_MAX ? kind == LADDER_LINE_ARROW && m == fv->sel
		                                          : kind == LADDER_LINE_STREAM && m == fv->sel_stream;
		int y = y0 + LADDER_HEAD_LINES + (int)r;
		put_line(ui, fv, y, cells, width, lw, selected);
		if (kind == LADDER_LINE_ARROW && fv->mark >= 0 && ladder_msg(fv->lad, m) == (size_t)fv->mark) {
			attrset(A_BOLD);
			mvaddstr(y, 0, "*");
			attrset(A_NORMAL);
		}
	}
	free(cells);
	if (!pw || !ph || !nmsg)
		return;
	/* The pane: a line between, then the selected message. */
	attrset(ui_attr(ui, UI_C_DIM));
	if (px)
		mvvline(py, px - 1, ui->ascii ? '|' : ACS_VLINE, ph);
	else
		mvhline(py - 1, 0, ui->ascii ? '-' : ACS_HLINE, pw);
	attrset(A_NORMAL);
	if (fv->sel_stream != SIZE_MAX) { /* a band: its stream's details */
		const struct ladder_stream *st = ladder_stream_at(fv->lad, fv->sel_stream);
		struct ui_text t;
		if (ui_text_of_stream(st->ms, st->call, &t) == 0) {
			for (size_t i = 0; i < t.n && (int)i < ph; i++)
				ui_text_draw_line(ui, &t, i, py + (int)i, px, pw, 0);
			ui_text_free(&t);
		}
		return;
	}
	size_t idx = ladder_msg(fv->lad, fv->sel);
	if (fv->pane_msg != idx || fv->pane_secrets != ui->show_secrets) {
		ui_text_free(&fv->pane_text);
		int rc = ui_text_of_msg(ui, idx, &fv->pane_text, UI_TEXT_INFO | UI_TEXT_FINDINGS);
		fv->pane_msg = rc == 0 ? idx : SIZE_MAX;
		fv->pane_secrets = ui->show_secrets;
	}
	for (size_t i = 0; i < fv->pane_text.n && (int)i < ph; i++)
		ui_text_draw_line(ui, &fv->pane_text, i, py + (int)i, px, pw, 0);
}

static size_t page_msgs(const struct ui *ui)
{
	return ui->rows > 10 ? (size_t)ui->rows / 2 - 2 : 1;
}

/* Next (dir +1) or previous (-1) message that opens a transaction. */
static void jump_txn(struct ui *ui, struct flow_view *fv, int dir)
{
	size_t n = ladder_msg_count(fv->lad);
	for (size_t i = fv->sel; dir > 0 ? i + 1 < n : i > 0;) {
		i = dir > 0 ? i + 1 : i - 1;
		const struct store_msg *r = store_msg_at(ui->store, ladder_msg(fv->lad, i));
		const struct txn_info *tx = r->txn ? track_txn(ui->tracker, r->txn) : NULL;
		if (tx && tx->first_msg == ladder_msg(fv->lad, i) + 1) {
			fv->sel = i;
			return;
		}
	}
	ui_message(ui, dir > 0 ? "no later transaction" : "no earlier transaction");
}

static void search_flow(struct ui *ui, struct flow_view *fv, int dir)
{
	size_t n = ladder_msg_count(fv->lad);
	if (!fv->have_search || !n) {
		ui_message(ui, "no search: press / first");
		return;
	}
	for (size_t step = 1; step <= n; step++) {
		size_t i = dir > 0 ? (fv->sel + step) % n : (fv->sel + n - step % n) % n;
		int hit = calllist_msg_grep(ui->calls, ladder_msg(fv->lad, i), &fv->search);
		if (hit) {
			fv->sel = i;
			return;
		}
	}
	ui_message(ui, "pattern not found: %s", ui->search);
}

/* Up or down to the next message arrow or RTP band (dir -1 or +1). */
static void step_item(struct flow_view *fv, int dir)
{
	size_t line = fv->sel_stream != SIZE_MAX ? ladder_stream_at(fv->lad, fv->sel_stream)->line
	            : ladder_msg_count(fv->lad) ? ladder_msg_line(fv->lad, fv->sel) : LADDER_HEAD_LINES;
	size_t nlines = ladder_lines(fv->lad);
	while (dir > 0 ? line + 1 < nlines : line > LADDER_HEAD_LINES) {
		line = dir > 0 ? line + 1 : line - 1;
		size_t i;
		enum ladder_line_kind kind = ladder_line_kind(fv->lad, line, &i);
		if (kind == LADDER_LINE_ARROW) {
			fv->sel = i;
			fv->sel_stream = SIZE_MAX;
			return;
		}
		if (kind == LADDER_LINE_STREAM) {
			fv->sel_stream = i;
			return;
		}
	}
}

static int flow_key(struct ui *ui, struct ui_view *v, int key)
{
	struct flow_view *fv = (struct flow_view *)v;
	size_t n = fv->lad ? ladder_msg_count(fv->lad) : 0;
	size_t stream = fv->sel_stream;
	/* Keys that pick a message leave a selected band (j k go band by band
	 * too; sideways and the toggles keep it). */
	if (key == KEY_NPAGE || key == 6 || key == KEY_PPAGE || key == 2 || key == KEY_HOME ||
	    key == 'g' || key == KEY_END || key == 'G' || key == '[' || key == ']' || key == ' ' ||
	    key == 'd' || key == KEY_F(6) || key == '/' || key == KEY_F(3) || key == 'n' || key == 'N')
		fv->sel_stream = SIZE_MAX;
	switch (key) {
	case KEY_DOWN:
	case 'j':
		if (fv->lad)
			step_item(fv, +1);
		break;
	case KEY_UP:
	case 'k':
		if (fv->lad)
			step_item(fv, -1);
		break;
	case KEY_NPAGE:
	case 6:
		fv->sel = fv->sel + page_msgs(ui) < n ? fv->sel + page_msgs(ui) : (n ? n - 1 : 0);
		break;
	case KEY_PPAGE:
	case 2:
		fv->sel = fv->sel > page_msgs(ui) ? fv->sel - page_msgs(ui) : 0;
		break;
	case KEY_HOME:
	case 'g':
		fv->sel = 0;
		break;
	case KEY_END:
	case 'G':
		fv->sel = n ? n - 1 : 0;
		break;
	case KEY_RIGHT:
	case 'l':
		fv->hscroll += 8;
		break;
	case KEY_LEFT:
	case 'h':
		fv->hscroll = fv->hscroll > 8 ? fv->hscroll - 8 : 0;
		break;
	case ']':
		jump_txn(ui, fv, +1);
		break;
	case '[':
		jump_txn(ui, fv, -1);
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		if (stream != SIZE_MAX) {
			const struct ladder_stream *st = ladder_stream_at(fv->lad, stream);
			ui_push(ui, ui_stream_new(ui, st->ms, st->call));
		} else if (n) {
			ui_push(ui, ui_msg_new(ui, ladder_msg(fv->lad, fv->sel)));
		}
		break;
	case ' ':
		if (!n)
			break;
		fv->mark = fv->mark == (long)ladder_msg(fv->lad, fv->sel) ? -1 : (long)ladder_msg(fv->lad, fv->sel);
		if (fv->mark >= 0)
			ui_message(ui, "marked for diff: move to another message and press d");
		break;
	case 'd':
	case KEY_F(6):
		if (fv->mark < 0 || (size_t)fv->mark == ladder_msg(fv->lad, fv->sel)) {
			ui_message(ui, "mark a message with Space, move to another, then press d");
			break;
		}
		ui_push(ui, ui_diff_new(ui, (size_t)fv->mark, ladder_msg(fv->lad, fv->sel)));
		break;
	case 't':
		ui->flow_time = (enum ladder_time)((ui->flow_time + 1) % 3);
		rebuild(ui, fv);
		ui_settings_note(ui, "time", ui->flow_time == LADDER_TIME_ABS     ? "abs"
		                             : ui->flow_time == LADDER_TIME_DELTA ? "delta"
		                                                                  : "rel");
		ui_message(ui, "time: %s", fv->o.time == LADDER_TIME_ABS ? "absolute"
		                           : fv->o.time == LADDER_TIME_DELTA ? "since previous message"
		                                                             : "since first message");
		break;
	case 'm':
		ui->flow_merge_hosts = !ui->flow_merge_hosts;
		rebuild(ui, fv);
		ui_settings_note(ui, "merge-hosts", ui->flow_merge_hosts ? NULL : CONF_FLAG_OFF);
		ui_message(ui, "%s", fv->o.merge_hosts ? "one column per host" : "one column per ip:port");
		break;
	case 'S':
		ui->flow_no_sdp = !ui->flow_no_sdp;
		rebuild(ui, fv);
		ui_settings_note(ui, "no-sdp", ui->flow_no_sdp ? NULL : CONF_FLAG_OFF);
		ui_message(ui, "%s", ui->flow_no_sdp ? "SDP summaries hidden" : "SDP summaries shown");
		break;
	case 'p': {
		/* On by default where there is room; p on a smaller terminal
		 * asks for it, at the bottom, or says why it cannot be. */
		int lw, lh, py, px, pw, ph;
		pane_geometry(ui, fv, &lw, &lh, &py, &px, &pw, &ph);
		if (ui->flow_pane != UI_PANE_OFF && pw) {
			ui->flow_pane = UI_PANE_OFF;
		} else if (ui->rows < PANE_FORCE_MIN_ROWS && ui->cols < PANE_SIDE_MIN_COLS) {
			ui_message(ui, "no room for the message pane (%d rows or %d columns): Enter opens "
			           "the message", PANE_FORCE_MIN_ROWS, PANE_SIDE_MIN_COLS);
		} else {
			ui->flow_pane = ui->cols >= PANE_SIDE_MIN_COLS || ui->rows >= PANE_BOTTOM_MIN_ROWS
			                        ? UI_PANE_ROOM : UI_PANE_ASKED;
			if (ui->flow_pane == UI_PANE_ASKED)
				ui_message(ui, "message pane at the bottom (p hides it)");
		}
		fv->o.max_width = 0; /* refit on the next draw */
		break;
	}
	case '/':
	case KEY_F(3):
		if (ui_prompt_search(ui, &fv->search, &fv->have_search))
			search_flow(ui, fv, +1);
		break;
	case 'n':
		search_flow(ui, fv, +1);
		break;
	case 'N':
		search_flow(ui, fv, -1);
		break;
	case 'R': {
		/* The streams of the selected band's call, else of the selected
		 * message's (a ladder of several calls), else of the first. */
		uint32_t call = fv->calls[0];
		if (stream != SIZE_MAX)
			call = ladder_stream_at(fv->lad, stream)->call;
		else if (n)
			call = ladder_msg_call(fv->lad, fv->sel);
		ui_push(ui, ui_streams_new(ui, call, v));
		break;
	}
	case 'A':
	case 'P': {
		uint32_t call = fv->calls[0];
		if (stream != SIZE_MAX)
			call = ladder_stream_at(fv->lad, stream)->call;
		else if (n)
			call = ladder_msg_call(fv->lad, fv->sel);
		if (key == 'A')
			ui_audio_save_prompt(ui, call);
		else
			ui_audio_play(ui, call);
		break;
	}
	case 'w':
	case 's':
	case KEY_F(2): {
		char path[256];
		snprintf(path, sizeof path, "sipscope-call-%u.txt", fv->calls[0]);
		if (!ui_prompt(ui, "Save this flow as (.txt ladder, .json or .csv messages, .pcap, .wav "
		               "audio): ",
		               path, sizeof path))
			break;
		char err[256];
		if (ui_save(ui, UI_SAVE_FLOW, fv->calls, fv->ncalls, path, err, sizeof err) == 0)
			ui_message(ui, "saved the flow of %zu call%s to %s", fv->ncalls,
			           fv->ncalls == 1 ? "" : "s", path);
		else
			ui_message(ui, "%s", err);
		break;
	}
	default:
		return 0;
	}
	return 1;
}

int ui_flow_select_stream(struct ui *ui, struct ui_view *v, const struct media_stream *ms)
{
	struct flow_view *fv = (struct flow_view *)v;
	(void)ui;
	for (size_t i = 0; fv->lad && i < ladder_stream_count(fv->lad); i++) {
		const struct media_stream *s = ladder_stream_at(fv->lad, i)->ms;
		if (s == ms || (s->ssrc == ms->ssrc && store_endpoint_equal(&s->src, &ms->src) &&
		                store_endpoint_equal(&s->dst, &ms->dst))) {
			fv->sel_stream = i;
			return 0;
		}
	}
	return -1;
}

static void flow_update(struct ui *ui, struct ui_view *v)
{
	struct flow_view *fv = (struct flow_view *)v;
	/* A finding may come after its message (a timer, the end of the load). */
	/* Streams grow (live, loading) and get their final figures at the end. */
	const struct media *m = ingest_media(ui->ingest);
	int media_moved = m && (media_stats(m)->rtp != fv->rtp_built ||
	                        media_finished(m) != fv->media_done_built);
	if (calls_nmsgs(ui, fv) != fv->nmsgs_built || check_count(ui->check) != fv->nfound_built ||
	    media_moved) {
		rebuild(ui, fv);
		fv->pane_msg = SIZE_MAX; /* the pane lists the message's findings */
	}
}

static void flow_destroy(struct ui_view *v)
{
	struct flow_view *fv = (struct flow_view *)v;
	ladder_free(fv->lad);
	ui_text_free(&fv->pane_text);
	if (fv->have_search)
		regfree(&fv->search);
	free(fv->calls);
	free(fv);
}

static const struct ui_view_ops flow_ops = {
	.title = "Call flow",
	.hints = " Enter Message  Space Mark  d Diff  [ ] Transaction  / Search  t Time  m Hosts"
	         "  S SDP  p Pane  R Streams  A Audio  w Save  ? Help  q Back",
	.draw = flow_draw,
	.key = flow_key,
	.update = flow_update,
	.destroy = flow_destroy,
};

struct ui_view *ui_flow_new(struct ui *ui, const uint32_t *calls, size_t n)
{
	struct flow_view *fv = calloc(1, sizeof *fv);
	if (!fv)
		return NULL;
	fv->calls = malloc(n * sizeof *calls);
	if (!fv->calls) {
		free(fv);
		return NULL;
	}
	memcpy(fv->calls, calls, n * sizeof *calls);
	fv->ncalls = n;
	fv->base.ops = &flow_ops;
	fv->mark = -1;
	fv->sel_stream = SIZE_MAX;
	fv->pane_msg = SIZE_MAX;
	int lw, lh, py, px, pw, ph; /* built once, for the screen it goes on */
	pane_geometry(ui, fv, &lw, &lh, &py, &px, &pw, &ph);
	fv->o.max_width = (size_t)(lw - MARK_COLS);
	rebuild(ui, fv);
	if (!fv->lad) {
		flow_destroy(&fv->base);
		return NULL;
	}
	return &fv->base;
}
