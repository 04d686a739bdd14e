/* ui.c - the viewer's event loop, terminal setup and drawing helpers.
 *
 * One loop: poll() the terminal; while the capture is still loading, read
 * it in slices of about 20 ms between polls, so keys are answered at once
 * and the call list fills in as it loads (redrawn at most every 150 ms).
 * The keyboard comes from /dev/tty, so `-r -` can read the capture from
 * standard input. */
#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sipscope/escape.h"
#include "sipscope/db.h"
#include "sipscope/hep.h"
#include "sipscope/pcap_save.h"
#include "ui.h"
#include "ui_line.h"

#define SLICE_US 20000      /* loading work between two polls */
#define REDRAW_US 150000    /* redraws while loading, at most this often */
/* Messages checked per slice: after an eviction the checker starts over
 * on every kept message (~2 s at 100,000 calls), spread over redraws. */
#define CHECK_SLICE 20000

int64_t ui_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int ui_attr(const struct ui *ui, int pair)
{
	return ui->color ? (int)COLOR_PAIR(pair) : 0;
}

void ui_put(int y, int x, const char *text, int maxcols)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t len = strlen(text), i = 0;
	int cols = 0;
	while (i < len) {
		int w;
		int u = esc_char(p + i, len - i, &w);
		if (cols + w > maxcols)
			break;
		i += (size_t)u;
		cols += w;
	}
	mvaddnstr(y, x, text, (int)i);
}

static int style_attr(const struct ui *ui, const struct ladder_cell *c)
{
	int txn = c->color ? ui_attr(ui, UI_C_TXN + c->color - 1) : 0;
	switch (c->style) {
	case LADDER_S_HEAD: return (int)A_BOLD;
	case LADDER_S_LIFE: return ui_attr(ui, UI_C_DIM);
	case LADDER_S_ARROW: return txn;
	case LADDER_S_RETRANS: return (int)A_DIM | txn;
	case LADDER_S_SDP: return ui_attr(ui, UI_C_DIM);
	case LADDER_S_BAD: return (int)A_BOLD | ui_attr(ui, UI_C_FAIL);
	case LADDER_S_PROBLEM: return (int)A_BOLD | ui_attr(ui, UI_C_FAIL);
	case LADDER_S_WARNING: return (int)A_BOLD | ui_attr(ui, UI_C_WAIT);
	case LADDER_S_RTP: return (int)A_BOLD | ui_attr(ui, UI_C_DIM);
	case LADDER_S_CALL: return (int)A_BOLD | txn;
	default: return 0;
	}
}

void ui_put_cells(const struct ui *ui, int y, const struct ladder_cell *cells, size_t ncells,
                  size_t skip, int maxcols, int selected)
{
	ui_put_cells_at(ui, y, 0, cells, ncells, skip, maxcols, selected);
}

void ui_put_cells_at(const struct ui *ui, int y, int x0, const struct ladder_cell *cells,
                     size_t ncells, size_t skip, int maxcols, int selected)
{
	char run[1024];
	size_t rl = 0;
	int x = x0, run_x = x0, run_attr = -1;
	maxcols += x0;
	for (size_t i = skip; i < ncells && x < maxcols; i++, x++) {
		int a = style_attr(ui, &cells[i]);
		if (selected && cells[i].style != LADDER_S_LIFE)
			a |= A_REVERSE;
		size_t cl = strlen(cells[i].ch);
		if (a != run_attr || rl + cl >= sizeof run) {
			if (rl) {
				attrset(run_attr);
				mvaddnstr(y, run_x, run, (int)rl);
			}
			rl = 0;
			run_x = x;
			run_attr = a;
		}
		memcpy(run + rl, cells[i].ch, cl);
		rl += cl;
	}
	if (rl) {
		attrset(run_attr);
		mvaddnstr(y, run_x, run, (int)rl);
	}
	attrset(A_NORMAL);
}

/* "lo", or "eth0,eth1" for several -i (cut to fit); the first HEP
 * listener when there is no interface. */
static void iface_list(const struct ui_args *a, char *buf, size_t n)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < a->nifaces && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? "," : "", a->ifaces[i]);
	if (!a->nifaces)
		snprintf(buf, n, "%s", a->iface ? a->iface : a->nhep_listen ? a->hep_listen[0] : "?");
}

void ui_frame(struct ui *ui, const char *title, const char *hints)
{
	char line[512];
	attrset(A_REVERSE | ui_attr(ui, UI_C_TITLE));
	mvhline(0, 0, ' ', ui->cols);
	int n;
	char ifaces[128];
	iface_list(ui->args, ifaces, sizeof ifaces);
	char as[80] = "";
	if (ui->runs_as[0]) /* who parses the wire, root given up */
		snprintf(as, sizeof as, " as %s", ui->runs_as);
	if (ui->live)
		n = snprintf(line, sizeof line, " sipscope - %s   [live on %s%s, %llu dropped]", title,
		             ifaces, as, (unsigned long long)pcap_src_dropped(ui->src));
	else if (ui->live_stopped)
		n = snprintf(line, sizeof line, " sipscope - %s   [capture on %s stopped%s]", title,
		             ifaces, as);
	else if (ui->loading && ui->bytes_total)
		n = snprintf(line, sizeof line, " sipscope - %s   [loading %d%%]", title,
		             (int)(ui->bytes_done * 100 / ui->bytes_total));
	else if (ui->loading)
		n = snprintf(line, sizeof line, " sipscope - %s   [loading]", title);
	else
		n = snprintf(line, sizeof line, " sipscope - %s%s%s%s", title, as[0] ? "   [" : "",
		             as[0] ? as + 1 : "", as[0] ? "]" : "");
	(void)n;
	ui_put(0, 0, line, ui->cols);
	attrset(A_NORMAL);
	/* The status line: a message, or the counts. */
	const struct ingest_stats *st = ingest_stats(ui->ingest);
	if (ui->status[0]) {
		snprintf(line, sizeof line, " %s", ui->status);
		attrset(A_BOLD);
	} else {
		char extra[160] = "";
		if (ui->live) {
			struct pcap_src_counts c;
			pcap_src_counts(ui->src, &c);
			snprintf(extra, sizeof extra, "  Dropped: %llu kernel, %llu interface",
			         (unsigned long long)c.kernel_dropped, (unsigned long long)c.if_dropped);
		}
		else if (ui->loading && ui->bytes_total)
			snprintf(extra, sizeof extra, "  Loading: %d%%",
			         (int)(ui->bytes_done * 100 / ui->bytes_total));
		else if (ui->loading)
			snprintf(extra, sizeof extra, "  Loading");
		uint64_t ev_calls, ev_msgs;
		track_evicted(ui->tracker, &ev_calls, &ev_msgs);
		if (ev_calls)
			snprintf(extra + strlen(extra), sizeof extra - strlen(extra), "  Evicted: %llu call%s",
			         (unsigned long long)ev_calls, ev_calls == 1 ? "" : "s");
		if (ui->hep) { /* the agent's queue overflowed, or the collector refused */
			struct hep_send_stats hs;
			hep_send_stats(ui->hep, &hs);
			size_t l = strlen(extra);
			snprintf(extra + l, sizeof extra - l, "  HEP sent: %llu dropped: %llu",
			         (unsigned long long)hs.sent, (unsigned long long)hs.dropped);
		}
		snprintf(line, sizeof line, " Calls: %zu/%zu  Messages: %llu  Malformed: %llu  "
		         "Frames: %llu%s%s%s", calllist_count(ui->calls), calllist_total(ui->calls),
		         (unsigned long long)st->sip_msgs, (unsigned long long)st->malformed,
		         (unsigned long long)st->frames, extra, ui->filter[0] ? "  Filter: " : "",
		         ui->filter);
	}
	move(ui->rows - 2, 0);
	clrtoeol();
	ui_put(ui->rows - 2, 0, line, ui->cols);
	attrset(A_REVERSE);
	mvhline(ui->rows - 1, 0, ' ', ui->cols);
	ui_put(ui->rows - 1, 0, hints, ui->cols);
	attrset(A_NORMAL);
}

void ui_message(struct ui *ui, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ui->status, sizeof ui->status, fmt, ap);
	va_end(ap);
}

static int load_slice(struct ui *ui);

/* Terminals send Home and End in several ways; terminfo names one (xterm
 * "\EOH", screen "\E[1~").  The others are taught to ncurses here, so
 * that they are keys and not a bare Esc followed by letters. */
static void define_keys(void)
{
	static const struct { const char *seq; int key; } extra[] = {
		{ "\033[1~", KEY_HOME }, { "\033[7~", KEY_HOME }, { "\033[H", KEY_HOME },
		{ "\033OH", KEY_HOME },  { "\033[4~", KEY_END },  { "\033[8~", KEY_END },
		{ "\033[F", KEY_END },   { "\033OF", KEY_END },   { "\033[5~", KEY_PPAGE },
		{ "\033[6~", KEY_NPAGE }, { "\033[3~", KEY_DC },  { "\033[2~", KEY_IC },
		{ "\033[A", KEY_UP },    { "\033[B", KEY_DOWN },  { "\033[C", KEY_RIGHT },
		{ "\033[D", KEY_LEFT },  { "\033OA", KEY_UP },    { "\033OB", KEY_DOWN },
		{ "\033OC", KEY_RIGHT }, { "\033OD", KEY_LEFT },
	};
	for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
		if (key_defined(extra[i].seq) == 0) /* 0: unbound; a terminfo key stays */
			define_key(extra[i].seq, extra[i].key);
}

/* The next key, or ERR when none is waiting (the caller's timeout).
 * ncurses decodes the sequences it knows (keypad, ESCDELAY); the keys
 * some terminfo entries give other names to are mapped back (vt220's Find
 * and Select are the keys where Home and End sit).  An Esc that ncurses
 * hands back with bytes right behind it is not the Esc key: it is Alt+key
 * (Esc, key) or a sequence no entry knows (Esc [ ... final byte, Esc O x),
 * read to its end and ignored (UI_KEY_NONE), so that it cannot quit. */
int ui_getkey(int delay_ms)
{
	int k = getch();
	switch (k) {
	case KEY_FIND:
	case KEY_A1:
		return KEY_HOME;
	case KEY_SELECT:
	case KEY_C1:
		return KEY_END;
	case KEY_A3:
		return KEY_PPAGE;
	case KEY_C3:
		return KEY_NPAGE;
	case KEY_B2:
		return UI_KEY_NONE;
	}
	if (k > KEY_MAX) /* user-defined keys (Alt+arrow and the like) */
		return UI_KEY_NONE;
	if (k != 27)
		return k;
	timeout(0); /* the bytes of a sequence came with it */
	int next = getch();
	if (next == 'O') {
		getch(); /* SS3: one more byte */
	} else if (next == '[') {
		/* CSI: parameter and intermediate bytes, then a final byte. */
		for (int i = 0; i < 32; i++) {
			int c = getch();
			if (c == ERR || (c >= 0x40 && c <= 0x7e))
				break;
		}
	}
	timeout(delay_ms);
	if (next == ERR)
		return 27; /* the Esc key */
	return next == 27 ? 27 : UI_KEY_NONE;
}

/* No key came while a question waits on the bottom line: the capture
 * goes on loading (a live one would drop packets otherwise), and the
 * title's counts and progress follow; the list is refreshed after. */
static void load_while_asking(struct ui *ui)
{
	if ((ui->loading || ui->live) && load_slice(ui)) {
		ui->grew = 1;
		ui_frame(ui, ui->top->ops->title, "");
	}
}

/* Is a capture still coming in that quitting would lose: an interface or
 * a HEP listener, or a pipe (-r -) not yet closed? */
static int capture_running(const struct ui *ui)
{
	if (ui->live)
		return 1;
	for (size_t i = 0; ui->loading && i < ui->args->nfiles; i++)
		if (!strcmp(ui->args->files[i], "-"))
			return 1;
	return 0;
}

int ui_confirm_quit(struct ui *ui)
{
	if (!capture_running(ui))
		return 1;
	const char *q = ui->live ? "Quit? The live capture stops here. (y/n) "
	                         : "Quit? The pipe is still being read. (y/n) ";
	timeout(50); /* the capture goes on while we wait */
	int answer = -1;
	while (answer < 0) {
		move(ui->rows - 1, 0);
		clrtoeol();
		attrset(A_BOLD);
		ui_put(ui->rows - 1, 0, q, ui->cols);
		attrset(A_NORMAL);
		refresh();
		int k = ui_getkey(50);
		if (k == ERR) {
			load_while_asking(ui);
			continue;
		}
		if (k == KEY_RESIZE)
			getmaxyx(stdscr, ui->rows, ui->cols);
		else if (k == 'y' || k == 'Y')
			answer = 1;
		else if (k == 'n' || k == 'N' || k == 27 || k == 'q' || k == 7)
			answer = 0;
	}
	nodelay(stdscr, TRUE);
	if (!answer)
		ui_message(ui, "not quitting: the capture goes on");
	return answer;
}

int ui_prompt_hint(struct ui *ui, const char *question, const char *hint, char *buf, size_t n)
{
	struct ui_line line;
	ui_line_init(&line, buf, n);
	curs_set(1);
	/* Keys are waited for 50 ms at a time: in between, the capture goes
	 * on loading (a live one would drop packets otherwise). */
	timeout(50);
	int done = 0;
	while (!done) {
		attrset(A_NORMAL);
		move(ui->rows - 1, 0);
		clrtoeol();
		/* At least 20 columns stay for the answer: a long question is cut. */
		int qx = (int)strlen(question);
		if (qx > ui->cols - 20)
			qx = ui->cols > 30 ? ui->cols - 20 : 10;
		attrset(A_BOLD);
		ui_put(ui->rows - 1, 0, question, qx);
		attrset(A_NORMAL);
		int room = ui->cols - qx - 1;
		size_t from = ui_line_scroll(&line, room > 0 ? (size_t)room : 0);
		if (!line.len && hint && *hint) {
			/* An empty answer: what Enter would do, dimmed. */
			attrset(A_DIM);
			ui_put(ui->rows - 1, qx + 1, hint, room > 1 ? room - 1 : 0);
			attrset(A_NORMAL);
		} else if (room > 0) {
			char shown[512];
			esc_term_buf(shown, sizeof shown, sv_make(buf + from, line.len - from), NULL);
			ui_put(ui->rows - 1, qx, shown, room);
		}
		move(ui->rows - 1, qx + (int)(line.cur - from));
		refresh();
		int k = ui_getkey(50);
		if (k == ERR) {
			load_while_asking(ui);
			continue;
		}
		if (k == KEY_RESIZE) {
			getmaxyx(stdscr, ui->rows, ui->cols);
			continue;
		}
		switch (ui_line_key(&line, k)) {
		case UI_LINE_ENTER:
			done = 1;
			break;
		case UI_LINE_CANCEL:
			done = -1;
			break;
		default:
			break;
		}
	}
	curs_set(0);
	nodelay(stdscr, TRUE);
	return done > 0;
}

int ui_prompt(struct ui *ui, const char *question, char *buf, size_t n)
{
	return ui_prompt_hint(ui, question, NULL, buf, n);
}

int ui_scroll_key(struct ui *ui, size_t *top, size_t *hscroll, size_t n, int key)
{
	size_t page = ui->rows > 4 ? (size_t)ui->rows - 4 : 1;
	switch (key) {
	case KEY_DOWN:
	case 'j':
		if (*top + 1 < n)
			(*top)++;
		return 1;
	case KEY_UP:
	case 'k':
		if (*top)
			(*top)--;
		return 1;
	case KEY_NPAGE:
	case ' ':
	case 6:
		*top = *top + page < n ? *top + page : (n ? n - 1 : 0);
		return 1;
	case KEY_PPAGE:
	case 2:
		*top = *top > page ? *top - page : 0;
		return 1;
	case KEY_HOME:
	case 'g':
		*top = 0;
		return 1;
	case KEY_END:
	case 'G':
		*top = n > page ? n - page : 0;
		return 1;
	case KEY_RIGHT:
	case 'l':
		*hscroll += 8;
		return 1;
	case KEY_LEFT:
	case 'h':
		*hscroll = *hscroll > 8 ? *hscroll - 8 : 0;
		return 1;
	}
	return 0;
}

const char *ui_skip_cols(const char *s, size_t cols)
{
	size_t len = strlen(s), i = 0, c = 0;
	while (c < cols && i < len) {
		int w;
		i += (size_t)esc_char((const unsigned char *)s + i, len - i, &w);
		c += (size_t)w;
	}
	return s + i;
}

int ui_prompt_search(struct ui *ui, regex_t *re, int *have)
{
	char buf[256] = "", err[256], hint[300] = "";
	regex_t nre;
	/* Empty, as less: what is typed is a new search; Enter alone
	 * repeats the last one (shown as the hint). */
	if (ui->search[0])
		snprintf(hint, sizeof hint, "(Enter: /%s again)", ui->search);
	if (!ui_prompt_hint(ui, "/", hint, buf, sizeof buf))
		return 0;
	if (!buf[0]) {
		if (!ui->search[0])
			return 0;
		snprintf(buf, sizeof buf, "%s", ui->search);
	}
	if (calllist_regcomp(&nre, buf, err, sizeof err) < 0) {
		ui_message(ui, "%s", err);
		return 0;
	}
	if (*have)
		regfree(re);
	*re = nre;
	*have = 1;
	snprintf(ui->search, sizeof ui->search, "%s", buf);
	return 1;
}

void ui_push(struct ui *ui, struct ui_view *v)
{
	if (!v) {
		ui_message(ui, "out of memory");
		return;
	}
	v->below = ui->top;
	ui->top = v;
}

void ui_pop(struct ui *ui)
{
	struct ui_view *v = ui->top;
	if (!v)
		return;
	ui->top = v->below;
	v->ops->destroy(v);
	if (!ui->top)
		ui->quit = 1;
}

/* The theme (--theme; the command line resolved NO_COLOR into mono):
 * default for dark backgrounds; light swaps yellow and cyan, which fade
 * on white, for darker colors; mono: none. */
static void init_colors(struct ui *ui)
{
	int light = ui->args->theme == 1;
	ui->color = has_colors() && ui->args->theme != 2;
	if (!ui->color)
		return;
	start_color();
	use_default_colors();
	short accent = light ? COLOR_BLUE : COLOR_CYAN;
	init_pair(UI_C_TITLE, accent, -1);
	init_pair(UI_C_HEADER, accent, -1);
	init_pair(UI_C_SELECT, light ? COLOR_WHITE : COLOR_BLACK, accent);
	init_pair(UI_C_OK, COLOR_GREEN, -1);
	init_pair(UI_C_WAIT, light ? COLOR_MAGENTA : COLOR_YELLOW, -1);
	init_pair(UI_C_FAIL, COLOR_RED, -1);
	init_pair(UI_C_HDRNAME, accent, -1);
	init_pair(UI_C_DIM, light ? COLOR_BLACK : COLOR_BLUE, -1);
	init_pair(UI_C_DEL, COLOR_RED, -1);
	init_pair(UI_C_ADD, COLOR_GREEN, -1);
	static const short txn[LADDER_COLORS] = { COLOR_CYAN, COLOR_GREEN, COLOR_YELLOW,
	                                          COLOR_MAGENTA, COLOR_BLUE, COLOR_RED };
	static const short txn_light[LADDER_COLORS] = { COLOR_BLUE, COLOR_GREEN, COLOR_MAGENTA,
	                                                COLOR_RED, COLOR_CYAN, COLOR_BLACK };
	for (int i = 0; i < LADDER_COLORS; i++)
		init_pair((short)(UI_C_TXN + i), light ? txn_light[i] : txn[i], -1);
}

static void evict_remapped(void *ctx, const uint32_t *call_map, size_t ncalls,
                           const uint32_t *msg_map, size_t nmsgs)
{
	struct ui *ui = ctx;
	(void)msg_map;
	(void)nmsgs;
	ui_calls_remap(ui->top, call_map, ncalls);
}

/* --max-calls: the oldest finished calls leave memory.  Only while the
 * call list alone is open (a flow or message view holds ids: eviction
 * waits until it is closed).  The checker keeps state by id: it starts
 * over on what is left; the list drops its per-call cache. */
static void evict(struct ui *ui)
{
	if (!ui->evict || !ui->top || ui->top->below)
		return;
	struct track_evict_hooks hooks = { NULL, evict_remapped, ui };
	if (ingest_evict(ui->ingest, ui->args->max_calls, &hooks) <= 0)
		return;
	struct checker *c = check_new(ui->store, ui->tracker);
	if (c) {
		check_free(ui->check);
		ui->check = c;
		calllist_set_check(ui->calls, c);
	} else {
		ui_message(ui, "out of memory: the findings stop here");
	}
	calllist_forget(ui->calls);
	calllist_refresh(ui->calls);
}

/* A live capture cannot be read again: to save calls as .pcap, its
 * frames are copied as they come to a temporary file (removed on exit),
 * up to KEEP_MAX_BYTES, which export_pcap() reads as it reads a file. */
#define KEEP_MAX_BYTES (2ull << 30)

static void keep_open(struct ui *ui)
{
	char err[256];
	int dlt = pcap_src_datalink(ui->src);
	if (dlt < 0) {
		snprintf(ui->keep_off, sizeof ui->keep_off,
		         "the interfaces have different link types: .pcap cannot hold their frames");
		return;
	}
	const char *dir = getenv("TMPDIR");
	snprintf(ui->keep_path, sizeof ui->keep_path, "%s/sipscope-live-XXXXXX",
	         dir && *dir && strlen(dir) < sizeof ui->keep_path - 32 ? dir : "/tmp");
	ui->keep_fd = mkstemp(ui->keep_path);
	if (ui->keep_fd < 0) {
		if (ui->runs_as[0]) /* root given up: TMPDIR may be root's */
			snprintf(ui->keep_off, sizeof ui->keep_off, "no temporary file for the frames in "
			         "%.60s as %.32s (set TMPDIR)", dir && *dir ? dir : "/tmp", ui->runs_as);
		else
			snprintf(ui->keep_off, sizeof ui->keep_off, "no temporary file for the frames");
		ui->keep_path[0] = '\0';
		return;
	}
	struct pcap_save_opts o = { .path = ui->keep_path, .dlt = dlt,
	                            .snaplen = pcap_src_snaplen(ui->src) };
	ui->keep = pcap_save_open(&o, ui_now_us(), err, sizeof err);
	if (!ui->keep) {
		snprintf(ui->keep_off, sizeof ui->keep_off, "frames not kept: %.120s", err);
		unlink(ui->keep_path);
		close(ui->keep_fd);
		ui->keep_path[0] = '\0';
		return;
	}
	char byfd[32];
	snprintf(byfd, sizeof byfd, "/dev/fd/%d", ui->keep_fd);
	if (access(byfd, R_OK) == 0 && unlink(ui->keep_path) == 0) {
		snprintf(ui->keep_path, sizeof ui->keep_path, "%s", byfd);
		ui->keep_unlinked = 1;
	}
}

static void keep_close(struct ui *ui)
{
	char err[256];
	if (ui->keep)
		pcap_save_close(ui->keep, err, sizeof err);
	ui->keep = NULL;
	if (ui->keep_path[0]) {
		if (!ui->keep_unlinked)
			unlink(ui->keep_path);
		close(ui->keep_fd);
	}
	ui->keep_path[0] = '\0';
}

static void keep_frame(struct ui *ui, const struct frame *f)
{
	char err[256];
	if (!ui->keep)
		return;
	ui->keep_bytes += 16 + f->caplen;
	if (ui->keep_bytes > KEEP_MAX_BYTES || pcap_save_write(ui->keep, f, err, sizeof err) < 0) {
		/* A file with a hole would give calls without their frames. */
		snprintf(ui->keep_off, sizeof ui->keep_off, ui->keep_bytes > KEEP_MAX_BYTES
		         ? "the live capture passed 2 GiB: its frames are no longer kept"
		         : "the copy of the frames failed: %.100s", err);
		keep_close(ui);
		ui_message(ui, "%s", ui->keep_off);
	}
}

/* Read frames for about SLICE_US.  Returns 1 when something new came. */
static int load_slice(struct ui *ui)
{
	int64_t until = ui_now_us() + SLICE_US;
	uint64_t before = ingest_stats(ui->ingest)->sip_msgs;
	for (unsigned n = 0;; n++) {
		struct frame f;
		int r = pcap_src_next(ui->src, &f);
		ui->stalled = r == PCAP_SRC_AGAIN;
		if (r == PCAP_SRC_AGAIN)
			break; /* live or a pipe: nothing more for now */
		if (r == PCAP_SRC_END) {
			ingest_finish(ui->ingest);
			track_finish(ui->tracker);
			if (ingest_media(ui->ingest)) /* the streams' final figures */
				media_finish(ingest_media(ui->ingest));
			/* The rules that wait for time are settled at the end. */
			check_update(ui->check);
			check_finish(ui->check);
			if (ui->live)
				ui->live_stopped = 1; /* the interface went away */
			ui->loading = ui->live = 0;
			ui->bytes_done = ui->bytes_total;
			return 1;
		}
		if (r == PCAP_SRC_WARNING) {
			ui_message(ui, "warning: %s", pcap_src_warning(ui->src));
			if (ui_now_us() >= until)
				break;
			continue;
		}
		keep_frame(ui, &f);
		ingest_frame(ui->ingest, &f);
		if (f.src < PCAP_SRC_MAX_FILES && f.rec_off > ui->file_done[f.src]) {
			ui->bytes_done += f.rec_off - ui->file_done[f.src];
			ui->file_done[f.src] = f.rec_off;
		}
		if ((n & 255) == 255 && ui_now_us() >= until)
			break;
	}
	if (ui->live && ui_now_us() - ui->tls_polled >= 250000) {
		/* the key log grew? records waiting for their keys */
		ui->tls_polled = ui_now_us();
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ingest_tls_poll(ui->ingest, (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
	}
	if (ingest_stats(ui->ingest)->sip_msgs == before)
		return 0;
	evict(ui);
	check_update_max(ui->check, CHECK_SLICE); /* findings show while loading and live */
	return 1;
}

static void draw(struct ui *ui)
{
	erase();
	if (ui->rows < 8 || ui->cols < 40) {
		mvaddstr(0, 0, "terminal too small (at least 40x8)");
	} else {
		ui->top->ops->draw(ui, ui->top);
	}
	refresh();
}

/* SIPSCOPE_UI_TRACE=FILE: write when the first calls were on screen and
 * when loading ended (ms since start), for tests/bench. */
static void trace_time(const char *what, int64_t t0)
{
	const char *path = getenv("SIPSCOPE_UI_TRACE");
	if (!path || !*path)
		return;
	FILE *f = fopen(path, "a");
	if (!f)
		return;
	fprintf(f, "%s %.1f\n", what, (double)(ui_now_us() - t0) / 1000.0);
	fclose(f);
}

/* Root is given up once everything that needs it is open (interfaces,
 * HEP listeners, the key logs, --db with its journal files): on a live
 * source, or when -Z asks (as -N does; root reading a file keeps root
 * unless -Z says otherwise).  What the viewer writes later (saved files,
 * the copy of the frames) is written as the user it became: ui_save()
 * names that user when a directory refuses it. */
static int drop_root(struct ui *ui)
{
	const struct ui_args *a = ui->args;
	if (!a->drop_privileges || (!ui->live && !a->user))
		return 0;
	uid_t was = geteuid();
	if (a->drop_privileges(a->user, 0) < 0)
		return -1;
	if (was == 0 && geteuid() != 0) {
		struct passwd *pw = getpwuid(geteuid());
		if (pw)
			snprintf(ui->runs_as, sizeof ui->runs_as, "%s", pw->pw_name);
		else
			snprintf(ui->runs_as, sizeof ui->runs_as, "uid %u", (unsigned)geteuid());
	}
	return 0;
}

static int open_capture(struct ui *ui, const struct ui_args *a)
{
	char err[512];
	ui->from_db = !a->iface && a->nfiles == 1 && db_is_database(a->files[0]);
	if (ui->from_db) {
		ui->src = NULL; /* read whole below, before the screen opens */
	} else {
		ui->src = pcap_src_open_sources(a->ifaces, a->nifaces, &a->live, a->files, a->nfiles,
		                                a->hep_listen, a->nhep_listen, a->hep_key, err,
		                                sizeof err);
		if (!ui->src || (a->bpf && pcap_src_set_filter(ui->src, a->bpf, err, sizeof err) < 0)) {
			fprintf(stderr, "sipscope: %s\n", err);
			return -1;
		}
		ui->live = pcap_src_is_live(ui->src);
	}
	ui->store = store_new();
	ui->tracker = ui->store ? track_new(ui->store) : NULL;
	ui->ingest = ui->tracker ? ingest_new(ui->store, ui->tracker) : NULL;
	ui->check = ui->ingest ? check_new(ui->store, ui->tracker) : NULL;
	ui->calls = ui->check ? calllist_new(ui->store, ui->tracker) : NULL;
	if (!ui->calls) {
		fprintf(stderr, "sipscope: out of memory\n");
		return -1;
	}
	calllist_set_check(ui->calls, ui->check);
	if (a->sort_given)
		calllist_set_sort(ui->calls, a->sort_col, a->sort_desc);
	if (ui->src) {
		store_set_fetcher(ui->store, pcap_src_fetch, ui->src);
		pcap_src_on_secrets(ui->src, ingest_on_secrets, ui->ingest); /* pcapng's own TLS keys */
	}
	ingest_set_correlate(ui->ingest, a->correlate);
	if (a->tls) {
		if (ingest_set_tls(ui->ingest, a->tls, ui->live, err, sizeof err) < 0) {
			fprintf(stderr, "sipscope: %s\n", err);
			return -1;
		}
		if (err[0])
			fprintf(stderr, "sipscope: warning: %s\n", err);
	}
	if (a->hep_send) {
		struct hep_send_opts so = *a->hep_send;
		so.wait_when_full = !ui->live; /* a file can wait for the network */
		ui->hep = hep_send_open(&so, err, sizeof err);
		if (!ui->hep) {
			fprintf(stderr, "sipscope: --hep-send %s\n", err);
			return -1;
		}
		ingest_set_tap(ui->ingest, hep_send_tap, ui->hep);
	}
	/* --rtp: media is followed while loading and live; the figures are
	 * refreshed on each redraw (media_refresh) until the end. */
	if (a->rtp && !ui->from_db) {
		if (ingest_set_media(ui->ingest, 1) < 0) {
			fprintf(stderr, "sipscope: out of memory\n");
			return -1;
		}
		calllist_set_media(ui->calls, ingest_media(ui->ingest));
	}
	if (a->filter) {
		if (calllist_set_filter(ui->calls, a->filter, err, sizeof err) < 0) {
			fprintf(stderr, "sipscope: %s\n", err);
			return -1;
		}
		snprintf(ui->filter, sizeof ui->filter, "%s", a->filter);
	}
	if (a->db) {
		ui->dbw = db_open(a->db, err, sizeof err);
		if (!ui->dbw) {
			fprintf(stderr, "sipscope: %s\n", err);
			return -1;
		}
		for (size_t i = 0; i < a->nfiles; i++)
			db_add_capture(ui->dbw, a->files[i], 0);
		if (a->iface)
			db_add_capture(ui->dbw, a->iface, ui_now_us());
		db_set_check(ui->dbw, ui->check);
		db_set_media(ui->dbw, ingest_media(ui->ingest));
	}
	/* A live capture spools: its file is made now, while the spool
	 * directory may still be written (as -N does). */
	if (ui->live && store_spool_prepare(ui->store) < 0) {
		fprintf(stderr, "sipscope: %s (--spool-dir or TMPDIR names another directory)\n",
		        store_error(ui->store));
		return -1;
	}
	if (!ui->from_db && drop_root(ui) < 0)
		return -1;
	/* Saving calls as .pcap needs each message's first frame, and a live
	 * capture the copy of its frames (made by the user we now are, who
	 * reads it again). */
	if (ui->live)
		keep_open(ui);
	ingest_keep_frame_ranges(ui->ingest, !ui->live || ui->keep);
	if (ui->from_db) {
		if (db_load(a->files[0], ui->ingest, err, sizeof err) < 0) {
			fprintf(stderr, "sipscope: %s\n", err);
			return -1;
		}
		if (drop_root(ui) < 0) /* -Z: read whole first */
			return -1;
		track_finish(ui->tracker);
		check_update(ui->check);
		check_finish(ui->check);
		return 0;
	}
	for (size_t i = 0; i < a->nfiles && !ui->live; i++) {
		struct stat st;
		if (strcmp(a->files[i], "-") && stat(a->files[i], &st) == 0)
			ui->bytes_total += (uint64_t)st.st_size;
	}
	ui->loading = !ui->live;
	ui->evict = a->max_calls && !ui->dbw;
	for (size_t i = 0; i < a->nfiles && !a->iface; i++)
		ui->evict &= !strcmp(a->files[i], "-"); /* files on disk: every call kept */
	return 0;
}

static void close_capture(struct ui *ui)
{
	if (ui->dbw && ui->tracker && db_sync(ui->dbw, ui->store, ui->tracker) < 0)
		fprintf(stderr, "sipscope: --db: %s\n", db_error(ui->dbw));
	db_close(ui->dbw);
	if (ui->hep) {
		struct hep_send_stats ss;
		hep_send_drain(ui->hep, 2000);
		hep_send_stats(ui->hep, &ss);
		fprintf(stderr, "sipscope: HEP: %llu SIP messages sent to %s, %llu dropped\n",
		        (unsigned long long)ss.sent, ui->args->hep_send->url,
		        (unsigned long long)ss.dropped);
		hep_send_close(ui->hep);
	}
	calllist_free(ui->calls);
	check_free(ui->check);
	ingest_free(ui->ingest);
	track_free(ui->tracker);
	store_free(ui->store);
	pcap_src_close(ui->src);
	keep_close(ui);
}

int ui_run(const struct ui_args *a)
{
	struct ui ui;
	memset(&ui, 0, sizeof ui);
	ui.args = a;
	int64_t t0 = ui_now_us();
	if (open_capture(&ui, a) < 0) {
		close_capture(&ui);
		return 2;
	}
	setlocale(LC_ALL, "");
	ui.ascii = a->ascii || strcmp(nl_langinfo(CODESET), "UTF-8") != 0;
	ui.flow_time = a->flow_time;
	ui.flow_merge_hosts = a->merge_hosts;
	ui.flow_no_sdp = a->no_sdp;
	FILE *tty = fopen("/dev/tty", "r");
	SCREEN *scr = tty ? newterm(NULL, stdout, tty) : NULL;
	if (!scr) {
		fprintf(stderr, "sipscope: cannot use the terminal (TERM=%s); "
		                "use 'sipscope calls' or 'sipscope flow' for text output\n",
		        getenv("TERM") ? getenv("TERM") : "");
		if (tty)
			fclose(tty);
		close_capture(&ui);
		return 2;
	}
	set_term(scr);
	/* A bare Esc is told from a key's sequence by the 25 ms after it. */
	set_escdelay(25);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	define_keys();
	nodelay(stdscr, TRUE);
	curs_set(0);
	init_colors(&ui);
	getmaxyx(stdscr, ui.rows, ui.cols);
	ui_push(&ui, ui_calls_new(&ui));

	int dirty = 1, traced_first = 0, traced_loaded = 0;
	int64_t last_draw = 0, last_sync = ui_now_us();
	int cap_ready = 1;
	draw(&ui); /* at once, before any read (a pipe may keep us waiting) */
	while (!ui.quit && ui.top) {
		/* A file is read flat out; a capture or a pipe when poll says
		 * there is something (or on a timer when it cannot be polled). */
		int reading = ui.live || ui.loading;
		if (reading && (cap_ready || (ui.loading && !ui.stalled)) && load_slice(&ui))
			dirty = 1;
		/* What load_slice() left unchecked (a re-check after an eviction)
		 * goes on each turn, whether frames came or not: a slice that
		 * brought no SIP checks nothing itself. */
		if (check_pending(ui.check)) {
			check_update_max(ui.check, CHECK_SLICE);
			dirty = 1;
		}
		/* What the slice queued for the HEP collector goes now, before
		 * the status line counts it. */
		int hep_wait = ui.hep ? hep_send_poll(ui.hep) : -1;
		int64_t t = ui_now_us();
		if (ui.grew) { /* read during a prompt */
			dirty = 1;
			ui.grew = 0;
		}
		/* Live: the dropped count changes without SIP coming in. */
		if (ui.live && t - last_draw >= 1000000)
			dirty = 1;
		/* --db: what came in goes to the database every second (one
		 * transaction each), so a kill loses at most that second. */
		if (ui.dbw && t - last_sync >= 1000000) {
			if (db_sync(ui.dbw, ui.store, ui.tracker) < 0)
				ui_message(&ui, "--db: %s", db_error(ui.dbw));
			last_sync = t;
		}
		if (dirty && (!ui.loading || t - last_draw >= REDRAW_US)) {
			struct media *m = ingest_media(ui.ingest);
			if (m && !media_finished(m))
				media_refresh(m); /* streams as they stand, loading or live */
			/* Live: a call in progress counts its duration to now (the
			 * wall clock packets are stamped with); else to the capture's
			 * last message. */
			calllist_set_clock(ui.calls, ui.live ? wall_us() : 0);
			calllist_refresh(ui.calls);
			for (struct ui_view *v = ui.top; v; v = v->below)
				if (v->ops->update)
					v->ops->update(&ui, v);
			draw(&ui);
			last_draw = t;
			dirty = 0;
			if (!traced_first && calllist_count(ui.calls)) {
				trace_time("first_calls_ms", t0);
				traced_first = 1;
			}
			if (!ui.loading && !ui.live && !traced_loaded) {
				trace_time("loaded_ms", t0);
				traced_loaded = 1;
			}
		}
		/* The terminal, then every interface (or the pipe). */
		struct pollfd pfd[1 + PCAP_SRC_MAX_IFACES];
		int cap_fds[PCAP_SRC_MAX_IFACES];
		size_t ncap = ui.src ? pcap_src_poll_fds(ui.src, cap_fds, PCAP_SRC_MAX_IFACES) : 0;
		pfd[0] = (struct pollfd){ .fd = fileno(tty), .events = POLLIN };
		for (size_t i = 0; i < ncap; i++)
			pfd[1 + i] = (struct pollfd){ .fd = cap_fds[i], .events = POLLIN };
		/* A redraw waits out REDRAW_US; frames wake us at once. */
		int64_t wait = dirty ? (REDRAW_US - (ui_now_us() - last_draw)) / 1000 : 1000;
		int timeout = (ui.loading && !ui.stalled) || check_pending(ui.check) ? 0
		              : wait < 0 ? 0 : wait > 1000 ? 1000 : (int)wait;
		/* Live sources that cannot be polled as one (a HEP listener over
		 * TCP, several sources): read them every 50 ms. */
		if (ui.live && pfd[1].fd < 0 && timeout > 50)
			timeout = 50;
		if (hep_wait >= 0 && hep_wait < timeout)
			timeout = hep_wait;
		reading = ui.live || ui.loading;
		int nfds = reading ? 1 + (int)ncap : 1;
		int pr = poll(pfd, (nfds_t)nfds, timeout);
		/* Some capture devices cannot be polled: read them on a timer.
		 * An error or hang-up is read too, so it ends the capture. */
		cap_ready = reading && ncap == 0;
		for (int i = 1; i < nfds; i++)
			if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP))
				cap_ready = 1;
		/* Keys, and a resize (whose signal may have cut the poll short),
		 * come through getch(): read it whatever poll said. */
		(void)pr;
		int k;
		while ((k = ui_getkey(0)) != ERR) {
			if (k == UI_KEY_NONE)
				continue; /* Alt+key, a sequence no one knows: nothing */
			if (k == KEY_RESIZE) {
				getmaxyx(stdscr, ui.rows, ui.cols);
			} else {
				ui.status[0] = '\0';
				if (k == 'Q') {
					if (ui_confirm_quit(&ui))
						ui.quit = 1;
				} else if (!ui.top->ops->key(&ui, ui.top, k)) {
					if (k == '?' || k == KEY_F(1))
						ui_push(&ui, ui_help_new(&ui));
					else if ((k == 'q' || k == 27 || k == KEY_F(10)) &&
					         (ui.top->below || ui_confirm_quit(&ui)))
						ui_pop(&ui);
				}
			}
			if (ui.quit || !ui.top)
				break;
			/* Draw now: a key is answered at once, also while loading.
			 * The list is refreshed by the views that change it (filter,
			 * sort) and when the capture grows, not per key. */
			draw(&ui);
			last_draw = ui_now_us();
		}
	}
	while (ui.top)
		ui_pop(&ui);
	endwin();
	delscreen(scr);
	fclose(tty);
	close_capture(&ui);
	return 0;
}
