/* ui_help.c - every key of every screen (? or F1). */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"

static const char *const help_lines[] = {
	"Everywhere",
	"  ? F1            this help",
	"  q Esc F10       back (quit from the call list)",
	"  Q               quit (a live capture or an open pipe asks first: y quits)",
	"  Arrows j k      move      PgUp PgDn ^B ^F  page      Home End g G  first, last",
	"",
	"Prompts (search, filter, columns, save)",
	"  Left Right ^B ^F move     Home End ^A ^E  start, end",
	"  Backspace Delete ^D       delete before / at the cursor",
	"  ^W ^U ^K        delete the word before, all before, all from the cursor",
	"  Enter           answer (an empty search repeats the last)   Esc ^G  cancel",
	"",
	"Call list",
	"  Enter           ladder of the marked calls, or of the call under the cursor",
	"  Space           mark or unmark a call (several calls share one ladder)",
	"  / F3            search: next call with a message matching a regex; n N next, previous",
	"  f F7            filter: words in From/To/Call-ID, method=INVITE, state=busy,",
	"                  status=486, from= to= callid= ua= src= dst=, ~REGEX over the",
	"                  messages; every leg of a merged call is asked (one will do),",
	"                  problem=error|warning|info|RULE-ID (the checker's findings),",
	"                  media=none|any|one-way|loss|nat|codec|gap|after-bye|unannounced",
	"                  (RTP streams; --rtp)",
	"                  a long regex filter or search shows its progress; Esc stops",
	"  x F5            clear filter and marks",
	"  G End           last call, then follow new ones as they come ([following]);",
	"                  any other move stops following",
	"  h l Left Right  scroll the columns after # sideways (< > mark hidden ones)",
	"  < >             sort by the previous / next column      r  reverse the order",
	"                  (then the list shows the top of the new order)",
	"  Dur s           answer to BYE; in progress: to now, or to the capture's end",
	"  c               choose columns (index start method from to callid src dst msgs",
	"                  state setup duration status ua problems media agent attest)",
	"  o F8            settings: each one in force and where it came from (default,",
	"                  config file:line, environment, command line, viewer); w saves",
	"                  them to the config file (~/.config/sipscope/config)",
	"  Attest column   with --stir-cert: the STIR/SHAKEN attestation (A B C) of the",
	"                  call's first signed INVITE, \"A!\" when its signature fails",
	"  Media column    with --rtp: \"2 RTP\" streams of the call, \"1 RTP!\" when one has",
	"                  a problem (red), \"-\" none; sortable like the others",
	"  R               RTP streams of the call (--rtp): codec, packets, loss, jitter,",
	"                  MOS, RTCP, problems; Enter the stream's band in the ladder,",
	"                  v its details",
	"  A               save the call's audio as WAV (call-N.wav): the file",
	"                  'sipscope audio -c N' writes; needs --rtp and a capture file",
	"                  (not standard input, not live: it is read again)",
	"  P               play the call's audio with pw-play, paplay or aplay (the",
	"                  first on PATH; none: \"no player found\")",
	"  w s F2          save the marked calls (hidden ones too), else those shown:",
	"                  .txt ladder, .json, .csv, .pcap, .pcapng (live: the frames",
	"                  kept so far), .wav (one call's audio); started as root on a",
	"                  live capture, the viewer runs as nobody or -Z USER (the",
	"                  title says \"as nobody\"), and saves where that user may",
	"                  write (e.g. /tmp)",
	"",
	"Call flow (ladder)",
	"  Arrows j k      select a message (or an RTP band, --rtp)",
	"  Enter           the whole message, or the stream's details (SSRC, codec,",
	"                  packets, loss, jitter, MOS, RTCP, SRTP, problems)",
	"  [ ]             previous / next transaction",
	"  h l Left Right  scroll sideways (the time and call columns stay)",
	"  Space, then d   mark a message (* left of its time), move to another, d (F6)",
	"                  shows their diff",
	"  / n N           search the messages of the flow",
	"  t               time: absolute, since previous message, since first",
	"  m               one column per host, or per ip:port",
	"  S               SDP summary lines on or off",
	"  p               message pane on or off (small terminal: at the bottom)",
	"                  (t m S p stay as set for every ladder until the viewer ends)",
	"  Several calls   Space on the call list marks them, Enter draws them in one",
	"                  ladder: a legend row, and each arrow's call number (in its",
	"                  color) in the column after the time",
	"  R               RTP streams of the selected message's or band's call; Enter",
	"                  on one comes back here on its band",
	"  A P             save, play that call's audio (as on the call list)",
	"  w s F2          save the flow: .txt ladder, .pcap, .pcapng, .wav audio, or",
	"                  its messages as .json or .csv (as 'sipscope messages')",
	"",
	"Ladder marks",
	"  (SDP)           an SDP offer or answer; its summary on the line below (once",
	"                  per transaction: not under retransmissions)",
	"  (retr)          a retransmission (dimmed)",
	"  (bad)           a malformed message (see its reason in the message view)",
	"  ! (before label) the checker found an error (red) or a warning (yellow) in it;",
	"                  the message view and the pane list its findings",
	"  colors          one per transaction, the same on every hop",
	"  ==RTP==>        (--rtp) an RTP stream, at its first packet: codec and packets,",
	"                  then lost, mean jitter and MOS (or its DTMF digits); a third",
	"                  line \"! one-way, loss 5.4%\" names its problems (red).  Its ends",
	"                  are the UAs whose SDP announced them, else the same host, else",
	"                  columns of their own; 'sipscope rtp' has the exact addresses",
	"",
	"Message, diff and help",
	"  Arrows PgUp PgDn scroll; h l sideways (the help wraps its lines instead); a",
	"  line cut at the right edge ends in a dim >.  In the diff, - lines are only in",
	"  the earlier message, + lines only in the later one; a - line beside a + line",
	"  is one changed line, what differs in reverse.",
	"  v               (message) the headers taken apart, as 'sipscope show'",
	"                  (an Identity header's PASSporT decoded and verified too)",
	"  a               (message, diff) credentials in full, or cut (Authorization and the other",
	"                  auth headers show only the first bytes of responses and",
	"                  nonces until asked; SRTP keys in SDP a=crypto lines are",
	"                  hidden until asked)",
	"",
	"Bytes from the wire are shown escaped (\\xNN): control characters never reach",
	"the terminal.  NO_COLOR turns colors off (--theme mono; --theme light for a light",
	"background); --ascii draws with ASCII.  alias lines of the config file (or",
	"--alias IP[:PORT]=NAME) name hosts in the call list and the ladders.",
};

struct help_view {
	struct ui_view base;
	size_t top, hscroll;
};

#define HELP_N (sizeof help_lines / sizeof help_lines[0])

/* Help lines wrap at spaces to `width` columns, so that every one can be
 * read on a narrow terminal: a key's text goes on under its column (18),
 * a paragraph under its second column.  Calls fn(ctx, row, text, len) for
 * each screen row (the indent included in text as spaces to skip:
 * `indent`) and returns the number of rows. */
static size_t help_wrap(size_t width, void (*fn)(void *, size_t, const char *, size_t, size_t),
                        void *ctx)
{
	size_t rows = 0;
	if (width < 30)
		width = 30;
	for (size_t i = 0; i < HELP_N; i++) {
		const char *s = help_lines[i];
		size_t len = strlen(s), indent = 0;
		size_t cont = s[0] == ' ' ? 18 : 2; /* the continuation's indent */
		do {
			size_t room = width - indent, cut = len;
			if (len > room) {
				/* At a space, or after a | or a comma (a list of values). */
				cut = room;
				while (cut > room / 2 && s[cut] != ' ' && s[cut - 1] != '|' && s[cut - 1] != ',')
					cut--;
				if (cut == room / 2)
					cut = room; /* no place: cut the word */
			}
			if (fn)
				fn(ctx, rows, s, cut, indent);
			rows++;
			s += cut;
			len -= cut;
			while (len && *s == ' ') {
				s++;
				len--;
			}
			indent = cont;
		} while (len);
	}
	return rows;
}

struct help_draw_ctx {
	struct ui *ui;
	size_t top;
	int rows;
};

static void help_draw_row(void *ctx, size_t row, const char *text, size_t len, size_t indent)
{
	struct help_draw_ctx *c = ctx;
	if (row < c->top || row >= c->top + (size_t)c->rows)
		return;
	char buf[256];
	snprintf(buf, sizeof buf, "%*s%.*s", (int)indent, "", (int)len, text);
	attrset(!indent && text[0] && text[0] != ' ' ? A_BOLD | ui_attr(c->ui, UI_C_HEADER) : A_NORMAL);
	ui_put(1 + (int)(row - c->top), 1, buf, c->ui->cols - 2);
}

static void help_draw(struct ui *ui, struct ui_view *v)
{
	struct help_view *hv = (struct help_view *)v;
	ui_frame(ui, "Help", v->ops->hints);
	size_t width = ui->cols > 2 ? (size_t)ui->cols - 2 : 1;
	size_t n = help_wrap(width, NULL, NULL);
	int rows = ui->rows - 3;
	if (hv->top >= n)
		hv->top = n - 1;
	struct help_draw_ctx c = { ui, hv->top, rows };
	help_wrap(width, help_draw_row, &c);
	attrset(A_NORMAL);
}

static int help_key(struct ui *ui, struct ui_view *v, int key)
{
	struct help_view *hv = (struct help_view *)v;
	if (key == '?' || key == KEY_F(1)) {
		ui_pop(ui);
		return 1;
	}
	size_t n = help_wrap(ui->cols > 2 ? (size_t)ui->cols - 2 : 1, NULL, NULL);
	int used = ui_scroll_key(ui, &hv->top, &hv->hscroll, n, key);
	hv->hscroll = 0; /* the lines wrap: nothing to scroll sideways */
	return used;
}

static void help_destroy(struct ui_view *v)
{
	free(v);
}

static const struct ui_view_ops help_ops = {
	.title = "Help",
	.hints = " Arrows/j k Scroll  PgUp PgDn  q Back",
	.draw = help_draw,
	.key = help_key,
	.destroy = help_destroy,
};

struct ui_view *ui_help_new(struct ui *ui)
{
	(void)ui;
	struct help_view *hv = calloc(1, sizeof *hv);
	if (hv)
		hv->base.ops = &help_ops;
	return hv ? &hv->base : NULL;
}
