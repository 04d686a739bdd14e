/* ui_calls.c - the call list: one row per call, chosen columns, sort,
 * filter, search, marks; Enter opens the ladder of the marked calls (or
 * of the one under the cursor). */
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/vec.h"
#include "ui.h"
#include "sipscope/identity.h"

#define MAX_COLS CL__COUNT
#define FLEX_MIN 16 /* From, To, Call-ID, User-Agent, addresses: at least this */
#define FLEX_MAX 40 /* ... and at most this, on a terminal under 160 columns */
#define FIXED_MAX 24 /* the other columns: at most this */

struct calls_view {
	struct ui_view base;
	size_t cursor, top;
	uint32_t cursor_call; /* keeps the cursor on its call when rows move */
	uint8_t *marked;      /* by call id - 1 */
	size_t marked_cap, nmarked;
	enum calllist_col cols[MAX_COLS];
	size_t ncols;
	int width[CL__COUNT]; /* widest content seen per column (only grows) */
	size_t hcol;          /* sideways: the first column shown after the first (>= 1) */
	int more_right;       /* columns hidden on the right at the last draw */
	int follow;           /* G: the cursor stays on the last row as calls come */
	regex_t search;
	int have_search;
};

static const enum calllist_col default_cols[] = {
	CL_INDEX, CL_START, CL_METHOD, CL_STATE, CL_STATUS, CL_PROBLEMS, CL_FROM, CL_TO, CL_MSGS,
	CL_SETUP, CL_DURATION, CL_SRC, CL_DST, CL_UA,
};

static int is_marked(const struct calls_view *cv, uint32_t call)
{
	return call && call <= cv->marked_cap && cv->marked[call - 1];
}

static void toggle_mark(struct calls_view *cv, uint32_t call)
{
	if (!call)
		return;
	if (call > cv->marked_cap) {
		size_t old = cv->marked_cap;
		if (vec_grow((void **)&cv->marked, &cv->marked_cap, call, 1) < 0)
			return;
		memset(cv->marked + old, 0, cv->marked_cap - old);
	}
	cv->marked[call - 1] ^= 1;
	cv->nmarked += cv->marked[call - 1] ? 1 : (size_t)-1;
}

static int state_color(enum call_state s)
{
	switch (s) {
	case CALL_STATE_IN_CALL: return UI_C_OK;
	case CALL_STATE_SETUP:
	case CALL_STATE_RINGING: return UI_C_WAIT;
	case CALL_STATE_CANCELLED:
	case CALL_STATE_BUSY:
	case CALL_STATE_REJECTED:
	case CALL_STATE_FAILED: return UI_C_FAIL;
	default: return 0;
	}
}

/* The problems cell: bold red with an error, bold yellow with a warning.
 * The cell's own color, not added to the row's: color pairs are numbers,
 * and OR-ing two of them names a third (yellow | red came out cyan). */
static int problems_attr(const struct ui *ui, uint32_t call)
{
	size_t k[3];
	check_call_counts(ui->check, call, k);
	if (k[CHECK_ERROR])
		return (int)A_BOLD | ui_attr(ui, UI_C_FAIL);
	if (k[CHECK_WARNING])
		return (int)A_BOLD | ui_attr(ui, UI_C_WAIT);
	return 0;
}

/* The media cell: bold red when a stream of the call has a problem. */
static int media_attr(const struct ui *ui, uint32_t call)
{
	char cell[32];
	calllist_cell(ui->calls, call, CL_MEDIA, cell, sizeof cell);
	return strchr(cell, '!') ? (int)A_BOLD | ui_attr(ui, UI_C_FAIL) : 0;
}

static int is_flex(enum calllist_col c)
{
	return c == CL_FROM || c == CL_TO || c == CL_CALLID || c == CL_UA || c == CL_SRC ||
	       c == CL_DST;
}

/* Which columns show and how wide: the first (#) always, then from
 * column hcol on, each at its minimum (its content; a flexible one at
 * most FLEX_MIN) while it fits in room with a space between; what is
 * left widens the flexible ones towards their content.  The columns
 * shown go to shown[], their widths to w[]; returns how many. */
static int fit_columns(const enum calllist_col *cols, const int *want, size_t ncols, size_t hcol,
                       int room, int *w, size_t *shown)
{
	size_t n = 0;
	int used = 0;
	if (!ncols)
		return 0;
	if (hcol < 1)
		hcol = 1;
	for (size_t i = 0; i < ncols; i++) {
		if (i && i < hcol)
			continue; /* scrolled away to the left */
		int min = want[i];
		if (is_flex(cols[i]) && min > FLEX_MIN)
			min = FLEX_MIN;
		int need = used + (n ? 1 : 0) + min;
		if (n && need > room)
			break;
		w[n] = min;
		shown[n++] = i;
		used = need;
	}
	/* What is left widens the flexible columns towards their content. */
	for (size_t j = 0; j < n && used < room; j++) {
		size_t i = shown[j];
		if (w[j] < want[i]) {
			int add = want[i] - w[j];
			if (add > room - used)
				add = room - used;
			w[j] += add;
			used += add;
		}
	}
	if (n == 1 && w[0] > room) /* one column wider than the screen */
		w[0] = room > 0 ? room : 0;
	return (int)n;
}

/* The scrollbar on the right edge: a thumb as long as the share of the
 * rows on screen, where they are in the list (at the bottom only when the
 * last row shows, at the top only when the first does). */
static void draw_scrollbar(const struct ui *ui, size_t top, size_t n, int list_rows)
{
	if (n <= (size_t)list_rows || list_rows < 2)
		return;
	int x = ui->cols - 1;
	size_t thumb = (size_t)list_rows * (size_t)list_rows / n;
	if (thumb < 1)
		thumb = 1;
	size_t span = (size_t)list_rows - thumb, max_top = n - (size_t)list_rows;
	size_t at = top >= max_top ? span : (top * span + max_top / 2) / max_top;
	if (top && !at && span > 1)
		at = 1;
	if (top < max_top && at == span && span > 1)
		at = span - 1;
	attrset(ui_attr(ui, UI_C_DIM));
	for (int r = 0; r < list_rows; r++) {
		int on = (size_t)r >= at && (size_t)r < at + thumb;
		mvaddstr(2 + r, x, ui->ascii ? (on ? "#" : "|") : (on ? "\u2588" : "\u2502"));
	}
	attrset(A_NORMAL);
}

static void calls_draw(struct ui *ui, struct ui_view *v)
{
	struct calls_view *cv = (struct calls_view *)v;
	size_t n = calllist_count(ui->calls);
	int list_rows = ui->rows - 4;
	if (cv->follow && n)
		cv->cursor = n - 1;
	if (cv->cursor >= n)
		cv->cursor = n ? n - 1 : 0;
	/* After the window grew (or rows went): no blank rows at the bottom
	 * while rows above are hidden. */
	if (cv->top + (size_t)list_rows > n)
		cv->top = n > (size_t)list_rows ? n - (size_t)list_rows : 0;
	if (cv->cursor < cv->top)
		cv->top = cv->cursor;
	if (cv->cursor >= cv->top + (size_t)list_rows)
		cv->top = cv->cursor - (size_t)list_rows + 1;
	cv->cursor_call = calllist_call(ui->calls, cv->cursor);

	char title[160];
	int desc;
	enum calllist_col sort = calllist_sort_col(ui->calls, &desc);
	snprintf(title, sizeof title, "Call list   (sort: %s %s)", calllist_col_name(sort),
	         desc ? "desc" : "asc");
	if (cv->nmarked) {
		size_t l = strlen(title);
		snprintf(title + l, sizeof title - l, "   %zu marked", cv->nmarked);
	}
	if (cv->follow) {
		size_t l = strlen(title);
		snprintf(title + l, sizeof title - l, "   [following]");
	}
	ui_frame(ui, title, v->ops->hints);

	/* Widths from what the rows on screen hold (never narrower than
	 * before: no jumping while scrolling); From/To and the other long
	 * ones may be wider on a wide terminal. */
	int flex_max = ui->cols >= 160 ? ui->cols / 4 : FLEX_MAX;
	int want[MAX_COLS], w[MAX_COLS];
	size_t shown[MAX_COLS];
	for (size_t i = 0; i < cv->ncols; i++) {
		enum calllist_col c = cv->cols[i];
		int fit = calllist_col_fit(ui->calls, c, cv->top, (size_t)list_rows,
		                           is_flex(c) ? flex_max : FIXED_MAX);
		if (fit > cv->width[c])
			cv->width[c] = fit;
		want[i] = cv->width[c];
	}
	if (cv->hcol < 1)
		cv->hcol = 1;
	int room = ui->cols - 3; /* the mark column and a space; the scrollbar */
	int nc = fit_columns(cv->cols, want, cv->ncols, cv->hcol, room, w, shown);
	/* The window grew: columns scrolled away come back while all the
	 * ones on the right still fit. */
	while (cv->hcol > 1 && nc && shown[nc - 1] + 1 == cv->ncols) {
		int w2[MAX_COLS];
		size_t shown2[MAX_COLS];
		int nc2 = fit_columns(cv->cols, want, cv->ncols, cv->hcol - 1, room, w2, shown2);
		if (!nc2 || shown2[nc2 - 1] + 1 != cv->ncols)
			break;
		cv->hcol--;
		nc = nc2;
		memcpy(w, w2, sizeof w2);
		memcpy(shown, shown2, sizeof shown2);
	}
	size_t last = nc ? shown[nc - 1] : 0;
	cv->more_right = last + 1 < cv->ncols;
	int x = 2;
	attrset(A_BOLD | ui_attr(ui, UI_C_HEADER));
	mvhline(1, 0, ' ', ui->cols);
	for (int i = 0; i < nc; i++) {
		char h[64];
		enum calllist_col c = cv->cols[shown[i]];
		snprintf(h, sizeof h, "%s%s", calllist_col_name(c), c == sort ? (desc ? "v" : "^") : "");
		ui_put(1, x, h, w[i]);
		x += w[i] + 1;
	}
	/* Columns scrolled away (h l, Left Right bring them back). */
	if (cv->hcol > 1 && cv->ncols > 1)
		mvaddstr(1, 0, "<");
	if (cv->more_right)
		mvaddstr(1, ui->cols - 1, ">");
	attrset(A_NORMAL);
	if (!n) {
		ui_put(3, 2, ui->loading ? "(loading...)" : calllist_total(ui->calls)
		                                          ? "(no call matches the filter: f to change, x to clear)"
		                                          : "(no SIP calls in this capture)", ui->cols - 2);
	}
	for (int r = 0; r < list_rows && cv->top + (size_t)r < n; r++) {
		size_t row = cv->top + (size_t)r;
		uint32_t call = calllist_call(ui->calls, row);
		const struct call_info *ci = track_call(ui->tracker, call - 1);
		int y = 2 + r;
		int attr = ui_attr(ui, state_color((enum call_state)ci->state));
		int cursor = row == cv->cursor;
		if (cursor)
			attr = A_REVERSE;
		attrset(attr);
		mvhline(y, 0, ' ', ui->cols - 1);
		if (is_marked(cv, call)) {
			attrset(attr | A_BOLD);
			mvaddstr(y, 0, "*");
		}
		attrset(attr);
		x = 2;
		for (int i = 0; i < nc; i++) {
			char cell[256];
			enum calllist_col c = cv->cols[shown[i]];
			calllist_cell(ui->calls, call, c, cell, sizeof cell);
			int pa = c == CL_PROBLEMS ? problems_attr(ui, call)
			       : c == CL_MEDIA    ? media_attr(ui, call) : 0;
			if (pa) /* its own color in place of the row's */
				attrset((cursor ? (int)A_REVERSE : 0) | pa);
			ui_put(y, x, cell, w[i]);
			if (pa)
				attrset(attr);
			x += w[i] + 1;
		}
	}
	draw_scrollbar(ui, cv->top, n, list_rows);
	attrset(A_NORMAL);
}

static void draw_status(struct ui *ui);

/* Long work over the calls (a regex over every message): every 100 ms
 * the status line says how far it got, and the keys typed meanwhile are
 * read: Esc cancels, a resize is taken, the others are dropped.  Returns
 * 1 to go on, 0 when cancelled. */
static int work_tick(struct ui *ui, int64_t *last, const char *what, size_t done, size_t total)
{
	int64_t t = ui_now_us();
	if (t - *last < 100000)
		return 1;
	*last = t;
	ui_message(ui, "%s: %zu%% of %zu calls  (Esc cancels)", what,
	           total ? done * 100 / total : 100, total);
	draw_status(ui);
	refresh();
	int k;
	while ((k = ui_getkey(0)) != ERR) { /* Alt+key, unknown sequences: not Esc */
		if (k == 27)
			return 0;
		if (k == KEY_RESIZE)
			getmaxyx(stdscr, ui->rows, ui->cols);
	}
	return 1;
}

/* A new filter's regex over every call, a slice at a time with progress
 * (it froze the screen 6-9 s over 100,000 calls).  Returns 1 when done,
 * 0 when the user pressed Esc. */
static int filter_in_slices(struct ui *ui)
{
	size_t total = track_call_count(ui->tracker), left;
	int64_t last = ui_now_us();
	while ((left = calllist_filter_prepare(ui->calls, 16)) > 0)
		if (!work_tick(ui, &last, "filtering", total - left, total))
			return 0;
	return 1;
}

/* Search for the next call (dir +1 / -1) whose messages match; a long
 * search shows its progress and Esc stops it where it got. */
static void search_next(struct ui *ui, struct calls_view *cv, int dir)
{
	size_t n = calllist_count(ui->calls);
	if (!cv->have_search || !n) {
		ui_message(ui, "no search: press / first");
		return;
	}
	int64_t last = ui_now_us();
	for (size_t step = 1; step <= n; step++) {
		/* Every call: one call's messages under a bad regex can take
		 * long (work_tick itself speaks at most every 100 ms). */
		if (!work_tick(ui, &last, "searching", step, n)) {
			ui_message(ui, "search cancelled");
			return;
		}
		size_t row = dir > 0 ? (cv->cursor + step) % n : (cv->cursor + n - step % n) % n;
		if (calllist_call_grep(ui->calls, calllist_call(ui->calls, row), &cv->search)) {
			if ((dir > 0 && row <= cv->cursor) || (dir < 0 && row >= cv->cursor))
				ui_message(ui, "search wrapped: /%s", ui->search);
			cv->cursor = row;
			return;
		}
	}
	ui_message(ui, "pattern not found: %s", ui->search);
}

/* The status line now (a hint for the prompt below it). */
static void draw_status(struct ui *ui)
{
	move(ui->rows - 2, 0);
	clrtoeol();
	attrset(A_BOLD);
	ui_put(ui->rows - 2, 1, ui->status, ui->cols - 2);
	attrset(A_NORMAL);
	ui->status[0] = '\0';
}

static const char *const col_keys[CL__COUNT] = {
	"index", "start", "method", "from", "to", "callid", "src", "dst", "msgs",
	"state", "setup", "duration", "status", "ua", "problems", "media", "agent",
};

/* The columns, as --columns and the config file write them. */
static void columns_text(const struct calls_view *cv, char *buf, size_t n)
{
	buf[0] = '\0';
	for (size_t i = 0; i < cv->ncols; i++) {
		size_t l = strlen(buf);
		snprintf(buf + l, n - l, "%s%s", i ? "," : "", col_keys[cv->cols[i]]);
	}
}

static void note_columns(struct ui *ui, const struct calls_view *cv)
{
	char buf[256];
	columns_text(cv, buf, sizeof buf);
	ui_settings_note(ui, "columns", buf);
}

static void note_sort(struct ui *ui)
{
	int desc;
	enum calllist_col s = calllist_sort_col(ui->calls, &desc);
	char buf[64];
	snprintf(buf, sizeof buf, "%s%s", col_keys[s], desc ? ":desc" : "");
	ui_settings_note(ui, "sort", buf);
}

static void set_columns(struct ui *ui, struct calls_view *cv)
{
	char buf[256];
	columns_text(cv, buf, sizeof buf);
	ui_message(ui, "columns: index start method from to callid src dst msgs state setup "
	               "duration status ua problems media agent attest");
	draw_status(ui);
	if (!ui_prompt(ui, "Columns: ", buf, sizeof buf))
		return;
	enum calllist_col cols[MAX_COLS];
	size_t n = 0;
	for (char *tok = strtok(buf, ", "); tok && n < MAX_COLS; tok = strtok(NULL, ", ")) {
		int c = calllist_col_parse(tok);
		if (c < 0) {
			ui_message(ui, "unknown column '%s'", tok);
			return;
		}
		cols[n++] = (enum calllist_col)c;
	}
	if (!n) {
		ui_message(ui, "at least one column");
		return;
	}
	memcpy(cv->cols, cols, n * sizeof cols[0]);
	cv->ncols = n;
	cv->hcol = 1;
	note_columns(ui, cv);
}

static void open_flow(struct ui *ui, struct calls_view *cv)
{
	size_t n = calllist_count(ui->calls);
	if (!n)
		return;
	uint32_t *sel = malloc((cv->nmarked ? cv->nmarked : 1) * sizeof *sel);
	if (!sel) {
		ui_message(ui, "out of memory");
		return;
	}
	size_t k = 0;
	for (size_t i = 0; i < n && cv->nmarked; i++) {
		uint32_t c = calllist_call(ui->calls, i);
		if (is_marked(cv, c) && k < cv->nmarked)
			sel[k++] = c;
	}
	if (!k)
		sel[k++] = calllist_call(ui->calls, cv->cursor);
	ui_push(ui, ui_flow_new(ui, sel, k));
	free(sel);
}

/* What a save writes: the marked calls, the ones the filter hides too
 * (the title counts them), else the calls shown.  The prompt says which
 * and how many; nothing is written when there is none. */
static void save_calls(struct ui *ui, struct calls_view *cv)
{
	size_t n = calllist_count(ui->calls);
	size_t cap = cv->nmarked ? cv->nmarked : n;
	uint32_t *sel = malloc((cap ? cap : 1) * sizeof *sel);
	if (!sel) {
		ui_message(ui, "out of memory");
		return;
	}
	size_t k = 0, hidden = 0;
	if (cv->nmarked) {
		/* The rows shown first, in their order, then the hidden ones. */
		for (size_t i = 0; i < n && k < cap; i++) {
			uint32_t c = calllist_call(ui->calls, i);
			if (is_marked(cv, c))
				sel[k++] = c;
		}
		for (uint32_t c = 1; c <= cv->marked_cap && k < cap; c++)
			if (cv->marked[c - 1] && calllist_row_of(ui->calls, c) < 0 &&
			    c <= track_call_count(ui->tracker) && track_call_root(ui->tracker, c) == c) {
				sel[k++] = c;
				hidden++;
			}
	} else {
		for (size_t i = 0; i < n; i++)
			sel[k++] = calllist_call(ui->calls, i);
	}
	if (!k) {
		ui_message(ui, "no call to save (the filter shows none)");
		free(sel);
		return;
	}
	char path[256] = "sipscope-calls.txt";
	char q[192];
	const char *s = k == 1 ? "" : "s";
	if (cv->nmarked && hidden)
		snprintf(q, sizeof q, "Save %zu marked call%s (%zu hidden by the filter) as (.txt, .json, "
		         ".csv, .pcap): ", k, s, hidden);
	else if (cv->nmarked)
		snprintf(q, sizeof q, "Save %zu marked call%s as (.txt ladder, .json, .csv, .pcap): ", k, s);
	else if (n < calllist_total(ui->calls))
		snprintf(q, sizeof q, "Save the %zu call%s the filter shows as (.txt, .json, .csv, .pcap): ",
		         k, s);
	else
		snprintf(q, sizeof q, "Save %zu call%s as (.txt ladder, .json, .csv, .pcap): ", k, s);
	if (ui_prompt(ui, q, path, sizeof path)) {
		char err[256];
		if (ui_save(ui, UI_SAVE_CALLS, sel, k, path, err, sizeof err) == 0)
			ui_message(ui, "saved %zu call%s to %s", k, s, path);
		else
			ui_message(ui, "%s", err);
	}
	free(sel);
}

static int calls_key(struct ui *ui, struct ui_view *v, int key)
{
	struct calls_view *cv = (struct calls_view *)v;
	size_t n = calllist_count(ui->calls);
	size_t page = ui->rows > 6 ? (size_t)ui->rows - 5 : 1;
	/* Following (G) ends with any other move of the cursor. */
	int follow = cv->follow;
	switch (key) {
	case KEY_END:
	case 'G':
	case KEY_LEFT:
	case KEY_RIGHT:
	case 'h':
	case 'l':
	case 'c':
	case 'f':
	case KEY_F(7):
	case 'x':
	case KEY_F(5):
	case '\n':
	case '\r':
	case KEY_ENTER:
		break;
	default:
		cv->follow = 0;
	}
	switch (key) {
	case KEY_DOWN:
	case 'j':
		if (cv->cursor + 1 < n)
			cv->cursor++;
		break;
	case KEY_UP:
	case 'k':
		if (cv->cursor)
			cv->cursor--;
		break;
	case KEY_NPAGE:
	case 6: /* ^F */
		cv->cursor = cv->cursor + page < n ? cv->cursor + page : (n ? n - 1 : 0);
		break;
	case KEY_PPAGE:
	case 2: /* ^B */
		cv->cursor = cv->cursor > page ? cv->cursor - page : 0;
		break;
	case KEY_HOME:
	case 'g':
		cv->cursor = 0;
		break;
	case KEY_END:
	case 'G': /* to the last call, and after it as calls come (tail -f) */
		cv->cursor = n ? n - 1 : 0;
		cv->follow = 1;
		break;
	case KEY_RIGHT:
	case 'l': /* sideways: the columns after the first */
		if (cv->more_right)
			cv->hcol++;
		break;
	case KEY_LEFT:
	case 'h':
		if (cv->hcol > 1)
			cv->hcol--;
		break;
	case ' ':
		toggle_mark(cv, calllist_call(ui->calls, cv->cursor));
		if (cv->cursor + 1 < n)
			cv->cursor++;
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		open_flow(ui, cv);
		break;
	case '/':
	case KEY_F(3):
		if (ui_prompt_search(ui, &cv->search, &cv->have_search))
			search_next(ui, cv, +1);
		break;
	case 'n':
		search_next(ui, cv, +1);
		break;
	case 'N':
		search_next(ui, cv, -1);
		break;
	case 'f':
	case KEY_F(7): {
		char buf[256];
		snprintf(buf, sizeof buf, "%s", ui->filter);
		ui_message(ui, "filter: words in From/To/Call-ID, method= state= status= from= to= "
		               "src= dst= callid= ua= problem=error|warning|RULE, ~regex over the "
		               "messages (every leg)");
		draw_status(ui);
		if (!ui_prompt(ui, "Filter: ", buf, sizeof buf))
			break;
		char err[256];
		if (calllist_set_filter(ui->calls, buf, err, sizeof err) < 0) {
			ui_message(ui, "%s", err);
			break;
		}
		if (!filter_in_slices(ui)) { /* Esc: the filter before stays */
			calllist_set_filter(ui->calls, ui->filter, err, sizeof err);
			ui_message(ui, "filter cancelled");
			break;
		}
		snprintf(ui->filter, sizeof ui->filter, "%s", buf);
		calllist_refresh(ui->calls);
		long row = calllist_row_of(ui->calls, cv->cursor_call);
		cv->cursor = row >= 0 ? (size_t)row : 0;
		break;
	}
	case 'x':
	case KEY_F(5):
		calllist_set_filter(ui->calls, NULL, NULL, 0);
		ui->filter[0] = '\0';
		if (cv->marked)
			memset(cv->marked, 0, cv->marked_cap);
		cv->nmarked = 0;
		calllist_refresh(ui->calls);
		break;
	case '<':
	case '>': {
		int desc;
		enum calllist_col s = calllist_sort_col(ui->calls, &desc);
		size_t i = 0;
		while (i < cv->ncols && cv->cols[i] != s)
			i++;
		if (i == cv->ncols)
			i = 0;
		else
			i = key == '>' ? (i + 1) % cv->ncols : (i + cv->ncols - 1) % cv->ncols;
		calllist_set_sort(ui->calls, cv->cols[i], desc);
		calllist_refresh(ui->calls);
		note_sort(ui);
		break;
	}
	case 'r': {
		int desc;
		enum calllist_col s = calllist_sort_col(ui->calls, &desc);
		calllist_set_sort(ui->calls, s, !desc);
		calllist_refresh(ui->calls);
		note_sort(ui);
		break;
	}
	case 'c':
		set_columns(ui, cv);
		break;
	case 'R':
		if (n)
			ui_push(ui, ui_streams_new(ui, calllist_call(ui->calls, cv->cursor), NULL));
		break;
	case 'A':
		if (n)
			ui_audio_save_prompt(ui, calllist_call(ui->calls, cv->cursor));
		break;
	case 'P':
		if (n)
			ui_audio_play(ui, calllist_call(ui->calls, cv->cursor));
		break;
	case 'o':
	case KEY_F(8):
		ui_push(ui, ui_settings_new(ui));
		break;
	case 'w':
	case 's':
	case KEY_F(2):
		save_calls(ui, cv);
		break;
	case 'q':
	case 27:
		if (ui_confirm_quit(ui)) /* a live capture asks first */
			ui->quit = 1;
		break;
	default:
		cv->follow = follow; /* not a key of the list: nothing moved */
		return 0;
	}
	/* A new order shows from its top: the first rows are what sorting
	 * was for (the longest, the worst), not where the cursor's call went. */
	if (key == '<' || key == '>' || key == 'r')
		cv->cursor = cv->top = 0;
	if (key == 'x') {
		long row = calllist_row_of(ui->calls, cv->cursor_call);
		cv->cursor = row >= 0 ? (size_t)row : 0;
	}
	if (cv->cursor < calllist_count(ui->calls))
		cv->cursor_call = calllist_call(ui->calls, cv->cursor);
	return 1;
}

/* While loading: keep the cursor on its call as rows arrive or move. */
static void calls_update(struct ui *ui, struct ui_view *v)
{
	struct calls_view *cv = (struct calls_view *)v;
	size_t n = calllist_count(ui->calls);
	if (cv->follow && n) {
		cv->cursor = n - 1;
		return;
	}
	if (!cv->cursor_call)
		return;
	long row = calllist_row_of(ui->calls, cv->cursor_call);
	if (row >= 0)
		cv->cursor = (size_t)row;
}

void ui_calls_remap(struct ui_view *v, const uint32_t *call_map, size_t ncalls)
{
	struct calls_view *cv = (struct calls_view *)v;
	cv->cursor_call = cv->cursor_call <= ncalls ? call_map[cv->cursor_call] : 0;
	size_t n = 0;
	cv->nmarked = 0;
	for (size_t i = 1; i <= ncalls && i <= cv->marked_cap; i++) {
		if (!call_map[i])
			continue;
		uint8_t m = cv->marked[i - 1];
		n = call_map[i];
		cv->marked[n - 1] = m;
		cv->nmarked += m;
	}
	if (n < cv->marked_cap)
		memset(cv->marked + n, 0, cv->marked_cap - n);
}

static void calls_destroy(struct ui_view *v)
{
	struct calls_view *cv = (struct calls_view *)v;
	if (cv->have_search)
		regfree(&cv->search);
	free(cv->marked);
	free(cv);
}

static const struct ui_view_ops calls_ops = {
	.title = "Call list",
	.hints = " Enter Flow  Space Mark  / Search  f Filter  x Clear  < > r Sort  c Columns"
	         "  R Streams  A Audio  o Settings  w Save  ? Help  q Quit",
	.draw = calls_draw,
	.key = calls_key,
	.update = calls_update,
	.destroy = calls_destroy,
};

struct ui_view *ui_calls_new(struct ui *ui)
{
	struct calls_view *cv = calloc(1, sizeof *cv);
	if (!cv)
		return NULL;
	cv->base.ops = &calls_ops;
	/* Following media (--rtp): the media column after the problems. */
	for (size_t i = 0; i < ui->args->ncols && i < MAX_COLS; i++)
		cv->cols[cv->ncols++] = ui->args->cols[i]; /* --columns */
	for (size_t i = 0; !ui->args->ncols && i < sizeof default_cols / sizeof default_cols[0]; i++) {
		cv->cols[cv->ncols++] = default_cols[i];
		if (default_cols[i] == CL_PROBLEMS && ingest_media(ui->ingest))
			cv->cols[cv->ncols++] = CL_MEDIA;
		if (default_cols[i] == CL_PROBLEMS && ui->args->nhep_listen)
			cv->cols[cv->ncols++] = CL_AGENT; /* a collector: which agent saw the call */
		if (default_cols[i] == CL_PROBLEMS && identity_keys_count(identity_keys_default()))
			cv->cols[cv->ncols++] = CL_ATTEST; /* --stir-cert: STIR/SHAKEN attestation */
	}
	return &cv->base;
}
