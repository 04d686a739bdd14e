/* ladder.h - the call-flow (ladder) layout, shared by the curses UI and
 * the text exporter: one column per endpoint (ip:port, or host), one row
 * per message, drawn into cells.  Both surfaces draw the same cells, so
 * they cannot disagree.
 *
 * Rows, top to bottom: LADDER_HEAD_LINES header lines (endpoint names,
 * lifeline tops), then per message an arrow line and, when it carries an
 * SDP offer or answer and is not a retransmission, a summary line under
 * it (once per transaction).
 *
 * Columns, left to right: the time, with several calls a call column
 * (ladder_fixed_cols(): these stay when a viewer scrolls sideways), then
 * the lifelines.
 *
 * With media (ladder_opts.media), each RTP stream of the calls is a band
 * (a double line with an arrow head) placed by its first packet's time
 * among the messages, labelled "RTP PCMA/8000 236 pkts", with a line of
 * figures under it ("lost 0, jitter 0.47 ms, MOS 4.40"; "DTMF 1" for an
 * event stream) and, when it has problems, a line naming them in the
 * problem style ("! one-way, loss 5.4%").  A stream's ends rarely are the
 * SIP columns (media has its own ports): each end goes to the column of
 * the SIP endpoint whose SDP announced that address (the UA that said
 * "send my media here"), else to the column of the same ip:port, else to
 * the first column of the same host IP, else to a new column of its own
 * (media relays, NAT).  The exact addresses are in `sipscope rtp`. */
#ifndef SIPSCOPE_LADDER_H
#define SIPSCOPE_LADDER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sipscope/check.h"
#include "sipscope/media.h"
#include "sipscope/store.h"
#include "sipscope/track.h"

#define LADDER_HEAD_LINES 2
#define LADDER_COLORS 6 /* transaction colors, 1..LADDER_COLORS */
#define LADDER_TIME_COLS 15

enum ladder_time {
	LADDER_TIME_ABS = 0, /* HH:MM:SS.uuuuuu, local time */
	LADDER_TIME_DELTA,   /* since the previous message */
	LADDER_TIME_REL      /* since the first message */
};

struct ladder_opts {
	int ascii;            /* ASCII line drawing instead of UTF-8 */
	int merge_hosts;      /* one column per host, not per ip:port */
	int no_sdp;           /* no SDP summary lines */
	enum ladder_time time;
	size_t max_width;     /* 0: as wide as the labels want; else narrow the
	                       * gaps (down to a minimum) to fit: first the
	                       * spare room, then the names (cut at the front,
	                       * keeping their end), then the labels */
	int scrolls;          /* with max_width: the surface scrolls sideways, so
	                       * labels are cut only when that makes it fit */
	const struct checker *check; /* borrowed; NULL: no problem marks.  A
	                       * message with an error or warning finding gets
	                       * LADDER_MARK before its label, that "!" cell
	                       * drawn LADDER_S_PROBLEM or _WARNING; info
	                       * findings are not marked. */
	const struct media *media; /* borrowed; NULL: no RTP streams.  Read as it
	                       * stands (media_refresh() or media_finish() first
	                       * for the figures). */
};

#define LADDER_MARK "! " /* before the label of a message with a problem */

enum ladder_style {
	LADDER_S_PLAIN = 0,
	LADDER_S_HEAD,     /* endpoint names */
	LADDER_S_LIFE,     /* lifelines */
	LADDER_S_TIME,
	LADDER_S_ARROW,    /* arrow and label; color = transaction */
	LADDER_S_RETRANS,  /* a retransmission: dimmed */
	LADDER_S_SDP,      /* SDP summary */
	LADDER_S_BAD,      /* malformed message */
	LADDER_S_PROBLEM,  /* the "!" of a message with an error finding */
	LADDER_S_WARNING,  /* the "!" of a message whose worst finding is a warning */
	LADDER_S_RTP,      /* an RTP stream's band, label and figures */
	LADDER_S_CALL      /* the call column; color = the call's */
};

struct ladder_cell {
	char ch[5];     /* one UTF-8 character, NUL-terminated; "" for the
	                 * cell a wide character before it covers */
	uint8_t style;  /* enum ladder_style */
	uint8_t color;  /* 0, or the transaction's color 1..LADDER_COLORS */
};

enum ladder_line_kind {
	LADDER_LINE_HEAD = 0,
	LADDER_LINE_ARROW,
	LADDER_LINE_SDP,
	LADDER_LINE_STREAM,     /* an RTP stream's band */
	LADDER_LINE_STREAM_INFO /* its figures, or its problems */
};

#define LADDER_BAND_UTF8 "\xe2\x95\x90" /* the band of an RTP stream */
#define LADDER_BAND_ASCII "="

/* An RTP stream as the ladder shows it (ladder_opts.media). */
struct ladder_stream {
	const struct media_stream *ms; /* borrowed from the media tracker */
	uint32_t call;         /* the call (1-based root id) it belongs to */
	size_t from, to;       /* columns of its source and destination */
	size_t line;           /* its band line; figures (and problems) follow */
	size_t before;         /* messages above it (it comes after message before-1) */
	char label[64];        /* "RTP PCMA/8000 236 pkts", escaped */
	char figures[96];      /* "lost 0, jitter 0.47 ms, MOS 4.40" or "DTMF 1" */
	char problems[128];    /* "one-way, loss 5.4%", "" when none */
	size_t label_cols, figures_cols, problems_cols;
};

struct ladder;

/* Lay out the messages of calls[0..n) (1-based call ids as in the calls
 * list; their B2BUA legs come along) in capture order.  Reads message
 * bytes through the store for labels and SDP.  Returns NULL when memory
 * ran out.  Owner frees with ladder_free(). */
struct ladder *ladder_build(struct store *s, const struct tracker *t, const uint32_t *calls,
                            size_t n, const struct ladder_opts *o);
void ladder_free(struct ladder *l);

size_t ladder_width(const struct ladder *l);   /* cells per line */
size_t ladder_lines(const struct ladder *l);   /* header lines included */
size_t ladder_columns(const struct ladder *l); /* endpoints */
size_t ladder_msg_count(const struct ladder *l);
/* Store index of the i-th message (0-based, capture order). */
size_t ladder_msg(const struct ladder *l, size_t i);
/* Line of the i-th message's arrow. */
size_t ladder_msg_line(const struct ladder *l, size_t i);
/* Kind of line `line`, and the message (0-based in the ladder) it draws,
 * the stream (ladder_stream_at()) for the stream kinds, or (size_t)-1 for
 * header lines. */
enum ladder_line_kind ladder_line_kind(const struct ladder *l, size_t line, size_t *msg);
/* Lifeline position (cell) of column c, and its name. */
size_t ladder_column_x(const struct ladder *l, size_t c);
const char *ladder_column_name(const struct ladder *l, size_t c);
/* The finding marked on the i-th message's arrow: CHECK_ERROR,
 * CHECK_WARNING, or -1 when none is (no checker, no finding, info only). */
int ladder_msg_problem(const struct ladder *l, size_t i);
/* The call (root id, as the calls list numbers it) the i-th message
 * belongs to. */
uint32_t ladder_msg_call(const struct ladder *l, size_t i);
/* The color (1..LADDER_COLORS) of a shown call's number in the call
 * column, 0 when the call is not shown. */
uint8_t ladder_call_color(const struct ladder *l, uint32_t call);
/* Cells at the left of every line that stay in place when the ladder is
 * scrolled sideways: the time column and, with several calls, the call
 * column (each call's number on its arrows and bands, in its color; "#"
 * above it). */
size_t ladder_fixed_cols(const struct ladder *l);
/* Columns a message goes between (from == to for a message to itself). */
void ladder_msg_columns(const struct ladder *l, size_t i, size_t *from, size_t *to);

/* The RTP streams shown (0 without ladder_opts.media), in line order. */
size_t ladder_stream_count(const struct ladder *l);
const struct ladder_stream *ladder_stream_at(const struct ladder *l, size_t i);
/* The texts of a stream as the ladder labels it (label, figures,
 * problems: see struct ladder_stream), for surfaces that show a stream
 * outside a ladder. */
void ladder_stream_texts(const struct media_stream *ms, struct ladder_stream *out);

/* Draw line `line` into cells[0..ladder_width(l)). */
void ladder_draw(const struct ladder *l, size_t line, struct ladder_cell *cells);

struct sip_msg;
/* The SDP summary of a message, unescaped (wire bytes: escape before
 * showing): "audio 10.0.0.1:4000 PCMU,PCMA sendonly; video ...", an IPv6
 * address in brackets ("audio [2001:db8::1]:6000 PCMU").  Returns its
 * length (NUL-terminated in raw[0..cap)), 0 when there is no SDP. */
size_t ladder_sdp_summary(const struct sip_msg *m, char *raw, size_t cap);

/* The title line of a call's ladder: "Call N  From -> To  state  Call-ID"
 * (wire strings escaped). */
void ladder_print_title(FILE *out, struct store *s, const struct tracker *t, uint32_t call);

/* The whole ladder as text, trailing blanks trimmed.  Returns 0, or -1
 * when memory ran out. */
int ladder_print(FILE *out, const struct ladder *l);

#endif
