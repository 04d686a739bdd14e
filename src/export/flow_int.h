/* flow_int.h - shared between the flowfmt module's files only
 * (flowfmt.c, flow_svg.c, flow_uml.c, flow_json.c); the module's door is
 * include/sipscope/flowfmt.h.
 *
 * A flow is the ladder of some calls plus, per message, what the ladder
 * computes but does not expose: its label and SDP summary (before and
 * after terminal escaping) and its arrow's style, color and time as drawn. */
#ifndef SIPSCOPE_FLOW_INT_H
#define SIPSCOPE_FLOW_INT_H

#include "sipscope/flowfmt.h"

#define FLOW_LABEL_MAX 160 /* as the ladder: bytes kept of a label */

struct flow_msg {
	size_t idx;              /* store index */
	size_t from, to;         /* columns */
	uint8_t style;           /* LADDER_S_ARROW, _RETRANS or _BAD, as drawn */
	uint8_t color;           /* 0, or the transaction's 1..LADDER_COLORS */
	uint8_t readable;        /* its bytes could be read again */
	int8_t problem;          /* the ladder's mark: CHECK_ERROR, CHECK_WARNING or -1 */
	char time[32];           /* the ladder's time column, blanks trimmed */
	char raw[FLOW_LABEL_MAX];          /* method, or status and reason (wire) */
	char raw_sdp[FLOW_LABEL_MAX * 2];  /* SDP summary (wire), "" for none */
	char label[FLOW_LABEL_MAX];        /* [LADDER_MARK] raw escaped, + (SDP) (bad) (retr) */
	char sdp[FLOW_LABEL_MAX];          /* raw_sdp escaped */
	size_t label_cols, sdp_cols;
};

struct flow {
	struct store *s;
	const struct tracker *t;
	struct ladder_opts o;
	uint32_t *calls;         /* valid ids of the request */
	size_t ncalls;
	struct ladder *lad;
	struct flow_msg *msgs;
	size_t nmsgs;
	int unreadable;          /* some message's bytes could not be read */
};

/* Lay out calls[0..n) (invalid ids dropped).  Returns 0, or -1 when memory
 * ran out.  flow_free() in both cases. */
int flow_build(struct flow *f, struct store *s, const struct tracker *t, const uint32_t *calls,
               size_t n, const struct ladder_opts *o);
void flow_free(struct flow *f);

/* Title line of call `call` as ladder_print_title() prints it, without
 * the newline: malloc'd, escaped for a terminal; NULL when memory ran out. */
char *flow_title(const struct flow *f, uint32_t call);

/* A message's bytes, esc_term()'d with its line breaks kept: malloc'd;
 * NULL when memory ran out; *readable 0 (and a note for text) when the
 * bytes could not be read again. */
char *flow_msg_text(const struct flow *f, size_t i, int *readable);

/* The findings of store message idx as lines "severity  rule-id  RFC
 * section  text" (text esc_term()'d), each ending in \n: malloc'd, ""
 * when none (or no checker); NULL when memory ran out.  *worst gets the
 * worst severity, or -1. */
char *flow_msg_findings(const struct flow *f, size_t idx, int *worst);

/* A stream's label and figures on one line: "RTP PCMA/8000 236 pkts,
 * lost 0, jitter 0.47 ms, MOS 4.40" (escaped for a terminal, as the
 * ladder shows them). */
void flow_stream_label(const struct ladder_stream *st, char *buf, size_t n);

/* The formats, each writing one whole document.  Return 0 or -1 (memory). */
int flow_write_svg(FILE *out, const struct flow *f, int inline_svg);
int flow_write_html(FILE *out, const struct flow *f);
int flow_write_mermaid(FILE *out, const struct flow *f);
int flow_write_plantuml(FILE *out, const struct flow *f);
int flow_write_json(FILE *out, struct store *s, const struct tracker *t, const uint32_t *calls,
                    size_t n, const struct ladder_opts *o);

#endif
