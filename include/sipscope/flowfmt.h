/* flowfmt.h - call flows written out in other formats: the text ladder,
 * a standalone SVG, a self-contained HTML page (the SVG, each arrow
 * clickable to show its message), Mermaid and PlantUML sequence diagrams,
 * and JSON.  Every format takes its columns, message order, arrows,
 * labels, colors and SDP summaries from ladder_build(), so none can
 * disagree with the viewer.
 *
 * Wire text is escaped in every format: control characters and bytes that
 * are not valid UTF-8 become \xNN (JSON: \u00XX), then the format's own
 * specials are escaped (XML entities, Mermaid #NN; codes, PlantUML &#NN;).
 * No byte below 0x20 other than \n (and \t inside HTML message text)
 * reaches the output. */
#ifndef SIPSCOPE_FLOWFMT_H
#define SIPSCOPE_FLOWFMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sipscope/ladder.h"
#include "sipscope/store.h"
#include "sipscope/track.h"

enum flow_format {
	FLOW_FMT_TEXT = 0, /* ladder_print_title() per call, then ladder_print() */
	FLOW_FMT_SVG,      /* one SVG 1.1 document */
	FLOW_FMT_HTML,     /* one HTML5 page, also well-formed XML (XHTML) */
	FLOW_FMT_MERMAID,  /* sequenceDiagram */
	FLOW_FMT_PLANTUML, /* @startuml ... @enduml */
	FLOW_FMT_JSON      /* {"calls":[...]} */
};

/* "text", "svg", "html", "mermaid", "plantuml", "json" -> 0, else -1. */
int flow_format_parse(const char *name, enum flow_format *out);

/* The flow of calls[0..n) (1-based root call ids, as ladder_build takes
 * them) in fmt.  Like `sipscope flow -c A,B`, the calls share one diagram
 * (one ladder, their messages merged in capture order) under one title
 * line per call; json alone describes each call on its own (its own
 * columns and messages, as if exported alone).  Ids out of range are
 * skipped.  o may be NULL (defaults); for every format but text,
 * o->max_width and o->ascii are ignored.  Returns 0, or -1 when memory ran
 * out (output may be cut) or a message's bytes could not be read again
 * (the output is complete, that message shown from its index only). */
int export_flow(FILE *out, struct store *s, const struct tracker *t, const uint32_t *calls, size_t n,
                enum flow_format fmt, const struct ladder_opts *o);

#endif
