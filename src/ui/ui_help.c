/* ui_help.c - every key of every screen (? or F1). */
#include <curses.h>
#include <stdlib.h>

#include "ui.h"

static const char *const help_lines[] = {
	"Everywhere",
	"  ? F1            this help",
	"  q Esc F10       back (quit from the call list)",
	"  Q               quit",
	"  Arrows j k      move      PgUp PgDn ^B ^F  page      Home End g G  first, last",
	"",
	"Call list",
	"  Enter           ladder of the marked calls, or of the call under the cursor",
	"  Space           mark or unmark a call (several calls share one ladder)",
	"  / F3            search: next call with a message matching a regex; n N next, previous",
	"  f F7            filter: words in From/To/Call-ID, method=INVITE, state=busy,",
	"                  status=486, from= to= callid= ua=, ~REGEX over the messages,",
	"                  problem=error|warning|info|RULE-ID (the checker's findings),",
	"                  media=none|any|one-way|loss|nat|codec|gap|after-bye|unannounced",
	"                  (RTP streams; --rtp)",
	"  x F5            clear filter and marks",
	"  < >             sort by the previous / next column      r  reverse the order",
	"  c               choose columns (index start method from to callid src dst msgs",
	"                  state setup duration status ua problems media)",
	"  Media column    with --rtp: \"2 RTP\" streams of the call, \"1 RTP!\" when one has",
	"                  a problem (red), \"-\" none; sortable like the others",
	"  w s F2          save the marked (or shown) calls: .txt ladder, .json, .csv, .pcap",
	"",
	"Call flow (ladder)",
	"  Arrows j k      select a message (or an RTP band, --rtp)",
	"  Enter           the whole message, or the stream's details (SSRC, codec,",
	"                  packets, loss, jitter, MOS, RTCP, problems)",
	"  [ ]             previous / next transaction",
	"  h l Left Right  scroll sideways (the time and call columns stay)",
	"  Space, then d   mark a message (* left of its time), move to another, d (F6)",
	"                  shows their diff",
	"  / n N           search the messages of the flow",
	"  t               time: absolute, since previous message, since first",
	"  m               one column per host, or per ip:port",
	"  S               SDP summary lines on or off",
	"  p               message pane on or off",
	"                  (t m S p stay as set for every ladder until the viewer ends)",
	"  Several calls   Space on the call list marks them, Enter draws them in one",
	"                  ladder: a legend row, and each arrow's call number (in its",
	"                  color) in the column after the time",
	"  w s F2          save the flow: .txt ladder, .json, .csv, .pcap",
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
	"  Arrows PgUp PgDn scroll; h l sideways; a line cut at the right edge ends in",
	"  a dim >.  In the diff, - lines are only in the earlier message, + lines only",
	"  in the later one; a - line beside a + line is one changed line, what",
	"  differs in reverse.",
	"  v               (message) the headers taken apart, as 'sipscope show'",
	"  a               (message, diff) credentials in full, or cut (Authorization and the other",
	"                  auth headers show only the first bytes of responses and",
	"                  nonces until asked)",
	"",
	"Bytes from the wire are shown escaped (\\xNN): control characters never reach",
	"the terminal.  NO_COLOR turns colors off; --ascii draws with ASCII.",
};

struct help_view {
	struct ui_view base;
	size_t top, hscroll;
};

static void help_draw(struct ui *ui, struct ui_view *v)
{
	struct help_view *hv = (struct help_view *)v;
	ui_frame(ui, "Help", v->ops->hints);
	size_t n = sizeof help_lines / sizeof help_lines[0];
	int rows = ui->rows - 3;
	if (hv->top >= n)
		hv->top = n - 1;
	for (int r = 0; r < rows && hv->top + (size_t)r < n; r++) {
		const char *s = help_lines[hv->top + (size_t)r];
		attrset(s[0] && s[0] != ' ' ? A_BOLD | ui_attr(ui, UI_C_HEADER) : A_NORMAL);
		ui_put(1 + r, 1, ui_skip_cols(s, hv->hscroll), ui->cols - 2);
	}
	attrset(A_NORMAL);
}

static int help_key(struct ui *ui, struct ui_view *v, int key)
{
	struct help_view *hv = (struct help_view *)v;
	if (key == '?' || key == KEY_F(1)) {
		ui_pop(ui);
		return 1;
	}
	return ui_scroll_key(ui, &hv->top, &hv->hscroll, sizeof help_lines / sizeof help_lines[0], key);
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
