/* ui.h - the curses viewer: shared state and the view contract.
 *
 * One event loop (ui.c) owns the terminal, loads the capture in slices
 * between keystrokes, and keeps a stack of views.  A view is a table of
 * callbacks (draw, key, destroy) like tmux's window modes; views read the
 * store, tracker and call list, never packet bytes except through the
 * store. */
#ifndef SIPSCOPE_UI_H
#define SIPSCOPE_UI_H

#include <stddef.h>
#include <stdint.h>

#include "sipscope/calllist.h"
#include "sipscope/conf.h"
#include "sipscope/ingest.h"
#include "sipscope/ladder.h"
#include "sipscope/pcap_src.h"
#include "sipscope/store.h"
#include "sipscope/track.h"

struct ui_args {
	const char *const *files;
	size_t nfiles;
	const char *iface;    /* live capture instead of files (the first -i), or NULL */
	const char *const *ifaces; /* every -i (nifaces of them) */
	size_t nifaces;
	struct pcap_live_opts live; /* -s, -B, --no-promisc, --batch-ms */
	const char *bpf;      /* capture filter, or NULL */
	const char *correlate;
	const char *filter;   /* initial filter expression, or NULL */
	const char *db;       /* also write the calls into this sqlite database */
	int ascii;
	int rtp;              /* --rtp: follow RTP/RTCP (media column, streams in the ladder) */
	size_t max_calls;     /* --max-calls: a live source or a pipe keeps at most this many */
	const char *const *hep_listen; /* --hep-listen: HEP collectors as sources too */
	size_t nhep_listen;
	const char *hep_key;
	const struct hep_send_opts *hep_send; /* --hep-send, or NULL */
	const struct ingest_tls_opts *tls; /* --tls-keylog, --tls-key, or NULL */
	const char *user;     /* -Z USER, or NULL: "nobody" when run as root */
	/* Gives up root as -N does (the front end's: headless.c), once the
	 * interfaces, listeners, key logs and --db are open: on a live
	 * source, or whenever -Z is given.  0, or -1 (it said why). */
	int (*drop_privileges)(const char *user, int quiet);
	int theme;            /* 0 default, 1 light, 2 mono (no colors) */
	const enum calllist_col *cols; /* --columns (ncols 0: the default ones) */
	size_t ncols;
	int sort_given, sort_desc; /* --sort */
	enum calllist_col sort_col;
	enum ladder_time flow_time; /* --time, --merge-hosts, --no-sdp: the ladder's start */
	int merge_hosts, no_sdp;
	struct conf *settings; /* the settings in force and their sources, or NULL */
	const char *settings_path; /* where the settings screen saves them */
};

/* Run the viewer until the user quits.  Returns an exit code (0, or 2
 * when the capture cannot be opened or the terminal cannot be used). */
int ui_run(const struct ui_args *a);

/* Color pairs. */
enum ui_color {
	UI_C_TITLE = 1,
	UI_C_HEADER,
	UI_C_SELECT,
	UI_C_OK,      /* answered / completed */
	UI_C_WAIT,    /* setup, ringing */
	UI_C_FAIL,    /* busy, rejected, failed, cancelled */
	UI_C_HDRNAME, /* message header names */
	UI_C_DIM,
	UI_C_DEL,     /* diff: only on the left */
	UI_C_ADD,     /* diff: only on the right */
	UI_C_TXN      /* + 0..LADDER_COLORS-1: transaction colors */
};

struct ui;
struct ui_view;

struct ui_view_ops {
	const char *title;
	const char *hints; /* key hints for the bottom line */
	void (*draw)(struct ui *ui, struct ui_view *v);
	/* Returns 1 when the key was used. */
	int (*key)(struct ui *ui, struct ui_view *v, int key);
	/* The capture grew (loading): update what the view shows. */
	void (*update)(struct ui *ui, struct ui_view *v);
	void (*destroy)(struct ui_view *v);
};

struct ui_view {
	const struct ui_view_ops *ops;
	struct ui_view *below;
};

struct db_writer;
struct hep_sender;
struct pcap_save;

struct ui {
	struct db_writer *dbw; /* --db: synced every second and at the end */
	struct hep_sender *hep; /* --hep-send */
	int from_db;           /* the capture is a database: no frames to read */
	struct store *store;
	struct tracker *tracker;
	struct ingest *ingest;
	struct pcap_src *src;
	struct calllist *calls;
	struct checker *check; /* findings, updated as the capture loads */
	const struct ui_args *args;
	struct ui_view *top;
	int rows, cols;
	int color;          /* colors in use (a color terminal and no NO_COLOR) */
	int ascii;
	int loading;        /* frames still to read */
	int live;           /* capturing from an interface */
	int64_t tls_polled; /* when the TLS key log was last read again (ui_now_us) */
	int live_stopped;   /* the capture ended (interface gone, error) */
	int stalled;        /* the last read found nothing (live, or a pipe) */
	int grew;           /* messages came in while a prompt was open */
	int show_secrets;   /* auth headers in full (else responses, nonces cut) */
	/* The ladder's toggles (t m S p), kept from one call's ladder to the
	 * next for as long as the viewer runs. */
	enum ladder_time flow_time;
	int flow_merge_hosts, flow_no_sdp;
	enum { UI_PANE_ROOM, UI_PANE_OFF, UI_PANE_ASKED } flow_pane; /* message pane: where
	                     * there is room; off; asked for (p) on a small terminal */
	int quit;
	uint64_t bytes_total, bytes_done;
	uint64_t file_done[PCAP_SRC_MAX_FILES]; /* bytes read of each file */
	char status[256];   /* one-shot message for the status line */
	char filter[256];   /* the call list's filter expression */
	char search[256];   /* last search regex */
	int evict;          /* --max-calls applies: a live source or a pipe, no --db */
	/* Live: every frame is copied to keep_path, so that calls can be
	 * saved as .pcap; keep_off says why not when it is NULL.  The file
	 * is unlinked at once where /dev/fd lets us read it through keep_fd
	 * (keep_path is then /dev/fd/N): a killed viewer leaves nothing. */
	struct pcap_save *keep;
	char keep_path[4096];
	int keep_fd;
	int keep_unlinked;
	uint64_t keep_bytes;
	char keep_off[160];
	char runs_as[64];   /* the user root was given up for (shown, and named when a
	                     * save is refused), or "" when nothing was dropped */
};

/* Views. */
struct ui_view *ui_calls_new(struct ui *ui);
/* The calls were renumbered (ingest_evict): marks and cursor follow. */
void ui_calls_remap(struct ui_view *v, const uint32_t *call_map, size_t ncalls);
struct ui_view *ui_flow_new(struct ui *ui, const uint32_t *calls, size_t n);
struct ui_view *ui_msg_new(struct ui *ui, size_t msg);
struct ui_view *ui_diff_new(struct ui *ui, size_t left, size_t right);
/* The details of an RTP stream of call `call` (a copy: the view keeps no
 * pointer into the media tracker). */
struct ui_view *ui_stream_new(struct ui *ui, const struct media_stream *ms, uint32_t call);
struct ui_view *ui_help_new(struct ui *ui);
/* The settings screen (ui_settings.c). */
struct ui_view *ui_settings_new(struct ui *ui);
/* A setting changed in the viewer (c, < > r, t m S): the settings screen
 * shows it as the viewer's and w saves it.  val NULL: a flag set;
 * "off": a flag not set. */
void ui_settings_note(struct ui *ui, const char *key, const char *val);

void ui_push(struct ui *ui, struct ui_view *v);
void ui_pop(struct ui *ui);

/* Drawing helpers (ui.c). */
/* Put escaped text (one column per character) at y,x, at most maxcols. */
void ui_put(int y, int x, const char *text, int maxcols);
/* Put a cell line of the ladder at y from cell `skip`, at most maxcols. */
void ui_put_cells(const struct ui *ui, int y, const struct ladder_cell *cells, size_t ncells,
                  size_t skip, int maxcols, int selected);
/* The same from screen column x0 on. */
void ui_put_cells_at(const struct ui *ui, int y, int x0, const struct ladder_cell *cells,
                     size_t ncells, size_t skip, int maxcols, int selected);
/* Attribute for a color pair when colors are on (A_NORMAL otherwise). */
int ui_attr(const struct ui *ui, int pair);
/* Title bar and key-hint line, drawn for every view. */
void ui_frame(struct ui *ui, const char *title, const char *hints);
/* Ask for a line of text on the bottom line, edited with the keys of
 * ui_line.h (the cursor after the text buf holds).  Returns 1 with the
 * text in buf (NUL-terminated), 0 when cancelled (Esc). */
int ui_prompt(struct ui *ui, const char *question, char *buf, size_t n);
/* The same, showing `hint` (dimmed; may be NULL) while the answer is
 * empty. */
int ui_prompt_hint(struct ui *ui, const char *question, const char *hint, char *buf, size_t n);
/* Quitting now would lose a capture still coming in (an interface, a HEP
 * listener, a pipe not closed): ask "Quit? (y/n)" on the bottom line,
 * the capture going on meanwhile.  Returns 1 to quit (at once when
 * nothing would be lost), 0 when the user said no. */
int ui_confirm_quit(struct ui *ui);
/* The next key (getch() with the caller's timeout delay_ms restored
 * after), with keys that terminfo names differently mapped to Home, End,
 * PgUp, PgDn, and UI_KEY_NONE for Alt+key and sequences no terminal entry
 * knows: they do nothing.  ERR when no key came. */
#define UI_KEY_NONE (-2)
int ui_getkey(int delay_ms);
/* The moves every scrolled text shares: arrows, j k, PgUp PgDn Space ^B
 * ^F, Home End g G, h l sideways.  Returns 1 when the key was one. */
int ui_scroll_key(struct ui *ui, size_t *top, size_t *hscroll, size_t n, int key);
/* s from its `cols`-th character on (escaped text: one column each). */
const char *ui_skip_cols(const char *s, size_t cols);
/* Ask for a search regex (`/`, like less), compile it into *re (freeing
 * the one before when *have).  Returns 1 when there is a new search. */
int ui_prompt_search(struct ui *ui, regex_t *re, int *have);
/* The monotonic clock, microseconds: for pacing work and redraws. */
int64_t ui_now_us(void);
/* Status-line message shown until the next key. */
void ui_message(struct ui *ui, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Message text: the bytes of store message idx split into escaped lines,
 * with a kind per line for coloring.  `with` is UI_TEXT_INFO (the frame
 * line first) and/or UI_TEXT_FINDINGS (then one line per finding of the
 * checker: severity, rule id, RFC section, text).  Owner frees with
 * ui_text_free(). */
enum ui_line_kind {
	UI_L_START, UI_L_HEADER, UI_L_BLANK, UI_L_BODY, UI_L_INFO,
	UI_L_FIND_INFO, UI_L_FIND_WARNING, UI_L_FIND_ERROR /* + enum check_severity */
};
#define UI_TEXT_INFO 1
#define UI_TEXT_FINDINGS 2
struct ui_text {
	char **lines;
	uint8_t *kinds;
	size_t n;
};
int ui_text_of_msg(struct ui *ui, size_t idx, struct ui_text *out, int with);
/* The details of an RTP stream as text (see ui_stream_new()).  Returns 0,
 * or -1 when memory ran out. */
int ui_text_of_stream(const struct media_stream *ms, uint32_t call, struct ui_text *out);
void ui_text_free(struct ui_text *t);
void ui_text_draw_line(struct ui *ui, const struct ui_text *t, size_t i, int y, int x, int maxcols,
                       int attr_extra);

/* The audio of call (ui_audio.c): its RTP streams (--rtp) decoded as
 * `sipscope audio -c CALL` does, from a second read of the capture file
 * (not standard input, not live).  ui_audio_save() writes the same WAV
 * as `sipscope audio -c CALL -o path`: 0 with what was written in msg,
 * or -1 with the reason (nothing written).  ui_audio_play() pipes that
 * WAV to pw-play, paplay or aplay, the first on PATH, and says in the
 * status line what it did (or "no player found"). */
int ui_audio_save(struct ui *ui, uint32_t call, const char *path, char *msg, size_t msglen);
void ui_audio_play(struct ui *ui, uint32_t call);
/* Ask for a file name (call-N.wav) and save the call's audio there. */
void ui_audio_save_prompt(struct ui *ui, uint32_t call);

/* The RTP streams of call (a view: one row each with codec, packets,
 * loss, jitter, MOS, RTCP, problems).  flow: the ladder of that call the
 * view was opened from (Enter selects the stream's band there), or NULL
 * (Enter opens the call's ladder at the band). */
struct ui_view *ui_streams_new(struct ui *ui, uint32_t call, struct ui_view *flow);
/* Select in flow view v the band of the stream (ssrc, src, dst).
 * Returns 0, or -1 when the ladder shows no such band. */
int ui_flow_select_stream(struct ui *ui, struct ui_view *v, const struct media_stream *ms);

/* Save calls[0..n) to a file, the format by its extension: .txt the
 * ladders, .pcap the frames (a live capture's from the copy ui.c keeps),
 * .json and .csv the calls (UI_SAVE_CALLS, from the list) or the flow's
 * messages as 'sipscope messages' prints them (UI_SAVE_FLOW), .wav the
 * audio of one call (ui_audio_save()).  Refuses (writing nothing) with
 * no call or a name without an extension.  Returns 0, 1 when saved with
 * what was written said in err (.wav), or -1 with a reason in err. */
enum ui_save_what { UI_SAVE_CALLS, UI_SAVE_FLOW };
int ui_save(struct ui *ui, enum ui_save_what what, const uint32_t *calls, size_t n,
            const char *path, char *err, size_t errlen);

#endif
