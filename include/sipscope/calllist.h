/* calllist.h - the list of calls as front ends show it: columns, sorting
 * and filtering over the tracker's calls (B2BUA legs folded into their
 * call).  The curses call list and `sipscope calls --filter` use it, so
 * a filter means the same everywhere.
 *
 * Filter syntax: space-separated terms, all of which must match.
 *   WORD          From, To or a Call-ID contains WORD (case-insensitive)
 *   KEY=VALUE     method=INVITE, state=busy (prefix), status=486,
 *                 from=..., to=..., callid=..., ua=..., src=..., dst=...
 *                 (substrings; src/dst: "ip:port" of a leg's first
 *                 message).  These terms, and WORD, are asked of every
 *                 leg of a merged call (a B2BUA's B-leg has its own From,
 *                 To, addresses, User-Agent): one leg matching is enough
 *   problem=RULE  the call has a finding of that rule (an id as
 *                 `sipscope check --rules` lists it: problem=ack-missing)
 *   problem=SEV   the call has a finding of that severity or worse:
 *                 problem=error, problem=warning, problem=info (any)
 *                 (problem= needs the checker: calllist_set_check())
 *   media=PROBLEM a stream of the call has that problem: one-way, loss,
 *                 nat, codec, gap, after-bye, unannounced (media.h; a
 *                 stream no SDP announced belongs to no call, so
 *                 unannounced matches only a call's own stream that
 *                 lost its announcement)
 *   media=none    the call has no RTP stream;  media=any  it has one
 *                 (media= needs the streams: calllist_set_media())
 *   agent=ID      a message of the call came from the HEP agent with this
 *                 capture id (agent=- : a message that came without HEP)
 *   ~REGEX        a message of the call matches the POSIX extended
 *                 regular expression (case-insensitive) */
#ifndef SIPSCOPE_CALLLIST_H
#define SIPSCOPE_CALLLIST_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include "sipscope/check.h"
#include "sipscope/media.h"
#include "sipscope/store.h"
#include "sipscope/track.h"

enum calllist_col {
	CL_INDEX = 0,
	CL_START,
	CL_METHOD,
	CL_FROM,
	CL_TO,
	CL_CALLID,
	CL_SRC,
	CL_DST,
	CL_MSGS,
	CL_STATE,
	CL_SETUP,
	CL_DURATION,
	CL_STATUS,
	CL_UA,
	CL_PROBLEMS, /* findings of the checker: "2E 1W", "-" when none */
	CL_MEDIA,    /* RTP streams: "2 RTP", "1 RTP!" (a problem), "-" none */
	CL_AGENT,    /* HEP capture id of the call's first message ("2001+": more agents), "-" */
	CL_ATTEST,   /* STIR/SHAKEN attestation of its first signed INVITE: "A", "B!" (fails), "-" */
	CL__COUNT
};

/* Column title and the width a front end should give it when it does not
 * measure (calllist_col_fit). */
const char *calllist_col_name(enum calllist_col c);
int calllist_col_width(enum calllist_col c);
/* Column by name (case-insensitive: "from", "callid", "ua" ...), or -1. */
int calllist_col_parse(const char *name);

struct calllist;

/* New list over s and t (borrowed).  NULL on no memory.  Owner frees
 * with calllist_free(). */
struct calllist *calllist_new(struct store *s, const struct tracker *t);
void calllist_free(struct calllist *cl);

/* The checker the problems column and the problem= filter read
 * (borrowed; NULL: the column is empty and problem= matches no call). */
void calllist_set_check(struct calllist *cl, const struct checker *c);
/* The media tracker the media column and the media= filter read
 * (borrowed; NULL: the column is empty and media= matches no call).  Its
 * streams are read on each calllist_refresh() as they stand. */
void calllist_set_media(struct calllist *cl, const struct media *m);

/* A call's streams, summed: how many, and the MEDIA_P_* bits of any. */
struct calllist_media {
	uint32_t streams;
	uint16_t problems;
};
/* The streams of m summed per root call of t: a malloc'd array indexed by
 * call id - 1, *n entries (track_call_count(t)); NULL when memory ran out
 * (or there are no calls).  Streams of no call are left out. */
struct calllist_media *calllist_media_sum(const struct tracker *t, const struct media *m, size_t *n);
/* "2 RTP", "1 RTP!" (MEDIA_P_* problems), "-" when no stream.  Every
 * surface prints a call's media so. */
void calllist_media_text(char *buf, size_t n, const struct calllist_media *cm);

/* "2E 1W 3I" for counts[CHECK_INFO..CHECK_ERROR] (zero counts left out),
 * "-" when all are zero.  Every surface prints a call's problems so. */
void calllist_problems_text(char *buf, size_t n, const size_t counts[3]);

/* Set the filter (see above); NULL or "" for none.  Returns 0, or -1 with
 * a reason in err (bad regex, unknown key). */
int calllist_set_filter(struct calllist *cl, const char *expr, char *err, size_t errlen);
void calllist_set_sort(struct calllist *cl, enum calllist_col c, int descending);
enum calllist_col calllist_sort_col(const struct calllist *cl, int *descending);

/* Work a new filter's first ~REGEX term ahead, at most max calls at a
 * time, so a front end can show progress and let the user cancel (a
 * regex over 100,000 calls takes seconds): the answers are cached, and
 * the calllist_refresh() after reads them.  Returns how many calls are
 * left to check: 0 when done (at once when the filter has no regex). */
size_t calllist_filter_prepare(struct calllist *cl, size_t max);

/* Take in calls that appeared and calls that changed since the last
 * refresh (live or loading), then filter and sort.  Returns 0 or -1 when
 * memory ran out (the list keeps what it had). */
int calllist_refresh(struct calllist *cl);

/* The tracker renumbered its calls (track_evict): drop what was cached
 * by call id; the next calllist_refresh() builds the rows again. */
void calllist_forget(struct calllist *cl);

/* Does the filter match call (1-based, a root call) as it stands now?
 * Reads the checker's findings and the streams at the time of the call,
 * not what the last calllist_refresh() saw: for one call at a time (a
 * call that just ended, -N's hooks), without refreshing the list.
 * Returns 1 or 0 (0 for a leg or an unknown id). */
int calllist_match(struct calllist *cl, uint32_t call);

size_t calllist_count(const struct calllist *cl);  /* rows shown */
size_t calllist_total(const struct calllist *cl);  /* calls before filtering */
uint32_t calllist_call(const struct calllist *cl, size_t row); /* 1-based call id */
const uint32_t *calllist_rows(const struct calllist *cl);      /* all of them */
/* Row of a call, or -1 when filtered out. */
long calllist_row_of(const struct calllist *cl, uint32_t call);

/* The columns column c needs: its title with room for the sort arrow,
 * and the widest cell of rows [from, from + n) (as calllist_cell() writes
 * them, one column per character); for the # column the highest call
 * number known, so it does not change width while scrolling (call
 * 100000 needs 6).  At most limit when limit > 0. */
int calllist_col_fit(struct calllist *cl, enum calllist_col c, size_t from, size_t n, int limit);

/* The clock an answered call without BYE counts its duration to
 * (microseconds since the epoch: the wall clock of a live capture).  0,
 * the default: the capture's last message.  Read on calllist_refresh(). */
void calllist_set_clock(struct calllist *cl, int64_t now_us);

/* Text of a cell, escaped for a terminal, NUL-terminated in buf.  From
 * and To as user@host:port (no scheme, no URI parameters); Start with
 * the date too when the calls start on several days; Dur of a call in
 * progress runs to the clock (calllist_set_clock). */
void calllist_cell(struct calllist *cl, uint32_t call, enum calllist_col c, char *buf, size_t n);

/* Does any message of the call (its legs too) match re?  Used by search
 * (`/`, `n`, `N`).  Returns 1 or 0. */
int calllist_call_grep(struct calllist *cl, uint32_t call, const regex_t *re);
/* Does message idx (its bytes, as on the wire) match re?  The search of
 * the ladder uses it too, so both searches see the same text. */
int calllist_msg_grep(struct calllist *cl, size_t idx, const regex_t *re);

/* Compile a search or filter regex the way the list uses it (extended,
 * case-insensitive, ^ and $ at line ends).  Returns 0, or -1 with a
 * reason in err. */
int calllist_regcomp(regex_t *re, const char *pattern, char *err, size_t errlen);

#endif
