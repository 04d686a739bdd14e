/* flow_uml.c - the flow as a Mermaid or PlantUML sequence diagram
 * (flowfmt.h).  Participants are P1..Pn, in the ladder's column order,
 * named after the endpoints; one arrow line per message in capture order,
 * a retransmission dotted (its label ends in "(retr)" as in the ladder),
 * the SDP summary as a note over the arrow's columns.  RTP streams (with
 * media) are asynchronous arrows placed by time among the messages,
 * labelled with their figures, their problems in a note.
 *
 * Labels are the ladder's (esc_term()'d: no control characters, valid
 * UTF-8), then made inert for each language:
 * - Mermaid: '#' and ';' end a message (comment / statement separator),
 *   '%' can open a %% comment or directive, and the label is rendered as
 *   HTML; so # ; % & < > " are written as Mermaid entity codes #35; #59;
 *   #37; #amp; #lt; #gt; #quot; (decoded by Mermaid, drawn as the
 *   character).  Mermaid's entity pass skips a run "style...:x#...;" (and
 *   "classDef..."), which would break our codes: the first letter of
 *   "style" and "classDef" is written #115; / #99;.  Nothing else is
 *   special after the ':' of a message.  U+FFFE and U+FFFF (which
 *   esc_term passes) are written as codes too.
 * - PlantUML: labels are Creole (** // "" -- __ ~~ markup, <tags>, [[links]],
 *   \n escapes, & entities), so every ASCII character other than letters,
 *   digits, space and . : @ , ( ) + = ? ! is written as &#NN; ('-' only
 *   when next to another '-'), except '\' and '$' as <U+005C> and <U+0024>
 *   (PlantUML 1.2020 throws on &#92; and &#36;), and every non-ASCII
 *   character as &#N; so the file is plain ASCII whatever -charset. */
#include <stdlib.h>
#include <string.h>

#include "flow_int.h"
#include "sipscope/escape.h"

static const char *const uml_color[LADDER_COLORS + 1] = {
	"#333333", "#00838F", "#2E7D32", "#A07800", "#A0209A", "#1E4FD8", "#C62828",
};

/* Code point of the UTF-8 character at p (valid, n bytes). */
static unsigned cp_of(const unsigned char *p, int n)
{
	unsigned cp = n > 1 ? p[0] & (0xff >> (n + 1)) : p[0];
	for (int k = 1; k < n; k++)
		cp = cp << 6 | (p[k] & 0x3f);
	return cp;
}

/* Escaped text (esc_term output) for a Mermaid label or alias. */
static void mermaid_text(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);
	for (size_t i = 0; i < len;) {
		unsigned c = p[i];
		int n = c < 0x80 ? 1 : esc_utf8_len(p + i, len - i);
		if (!n || (c < 0x20) || c == 0x7f) { /* never after esc_term: defensive */
			fprintf(out, "\\x%02x", c);
			i++;
			continue;
		}
		if (!strncmp(s + i, "style", 5) || !strncmp(s + i, "classDef", 8)) {
			fprintf(out, "#%u;", c);
			i++;
			continue;
		}
		switch (c) {
		case '#': fputs("#35;", out); break;
		case ';': fputs("#59;", out); break;
		case '%': fputs("#37;", out); break;
		case '&': fputs("#amp;", out); break;
		case '<': fputs("#lt;", out); break;
		case '>': fputs("#gt;", out); break;
		case '"': fputs("#quot;", out); break;
		default:
			if (n == 3 && cp_of(p + i, n) >= 0xfffe) /* noncharacters */
				fprintf(out, "#%u;", cp_of(p + i, n));
			else
				fwrite(p + i, 1, (size_t)n, out);
		}
		i += (size_t)n;
	}
}

/* Escaped text (esc_term output) for a PlantUML label, note or title. */
static void plantuml_text(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);
	for (size_t i = 0; i < len;) {
		unsigned c = p[i];
		if (c >= 0x80) {
			int n = esc_utf8_len(p + i, len - i);
			if (!n) {
				fprintf(out, "\\x%02x", c); /* never after esc_term */
				i++;
			} else {
				fprintf(out, "&#%u;", cp_of(p + i, n));
				i += (size_t)n;
			}
			continue;
		}
		int dash_run = c == '-' && ((i > 0 && p[i - 1] == '-') || (i + 1 < len && p[i + 1] == '-'));
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    (c != '\0' && strchr(" .:@,()+=?!", (int)c)) || (c == '-' && !dash_run))
			putc((int)c, out);
		else if (c == '\\')
			fputs("<U+005C>", out);
		else if (c == '$')
			fputs("<U+0024>", out);
		else if (c < 0x20 || c == 0x7f) /* never after esc_term */
			fprintf(out, "\\x%02x", c);
		else
			fprintf(out, "&#%u;", c);
		i++;
	}
}

static int write_titles(FILE *out, const struct flow *f, const char *open, const char *line_pre,
                        const char *close, void (*text)(FILE *, const char *))
{
	if (!f->ncalls)
		return 0;
	fputs(open, out);
	for (size_t i = 0; i < f->ncalls; i++) {
		char *t = flow_title(f, f->calls[i]);
		if (!t)
			return -1;
		fputs(i ? line_pre : "", out);
		text(out, t);
		free(t);
	}
	fputs(close, out);
	return 0;
}

/* "Note over P1,P2: " (mermaid) or "note over P1,P2 #FFDDDD : " over a
 * stream's columns (or column). */
static void stream_note(FILE *out, const struct ladder_stream *st, int mermaid)
{
	fputs(mermaid ? "    Note over " : "note over ", out);
	if (st->from == st->to)
		fprintf(out, "P%zu", st->from + 1);
	else
		fprintf(out, "P%zu,P%zu", st->from + 1, st->to + 1);
	fputs(mermaid ? ": " : " #FFDDDD : ", out);
}

/* The streams that come before message i (i == nmsgs: after the last),
 * from stream *next on. */
static void mermaid_streams(FILE *out, const struct flow *f, size_t i, size_t *next)
{
	const struct ladder_stream *st;
	for (; (st = ladder_stream_at(f->lad, *next)) && st->before <= i; (*next)++) {
		char label[256];
		flow_stream_label(st, label, sizeof label);
		fprintf(out, "    P%zu-)P%zu: ", st->from + 1, st->to + 1);
		mermaid_text(out, label);
		putc('\n', out);
		if (st->problems[0]) {
			stream_note(out, st, 1);
			mermaid_text(out, LADDER_MARK);
			mermaid_text(out, st->problems);
			putc('\n', out);
		}
	}
}

static void plantuml_streams(FILE *out, const struct flow *f, size_t i, size_t *next)
{
	const struct ladder_stream *st;
	for (; (st = ladder_stream_at(f->lad, *next)) && st->before <= i; (*next)++) {
		char label[256];
		flow_stream_label(st, label, sizeof label);
		fprintf(out, "P%zu -[#4A64A8,bold]>> P%zu : ", st->from + 1, st->to + 1);
		plantuml_text(out, label);
		putc('\n', out);
		if (st->problems[0]) {
			stream_note(out, st, 0);
			plantuml_text(out, LADDER_MARK);
			plantuml_text(out, st->problems);
			putc('\n', out);
		}
	}
}

int flow_write_mermaid(FILE *out, const struct flow *f)
{
	size_t next = 0;
	fputs("sequenceDiagram\n", out);
	/* One title line only: several calls share it, " / " between them. */
	if (write_titles(out, f, "    title ", " / ", "\n", mermaid_text) < 0)
		return -1;
	for (size_t c = 0; c < ladder_columns(f->lad); c++) {
		fprintf(out, "    participant P%zu as ", c + 1);
		mermaid_text(out, ladder_column_name(f->lad, c));
		putc('\n', out);
	}
	for (size_t i = 0; i < f->nmsgs; i++) {
		const struct flow_msg *m = &f->msgs[i];
		mermaid_streams(out, f, i, &next);
		fprintf(out, "    P%zu%sP%zu: ", m->from + 1, m->style == LADDER_S_RETRANS ? "-->>" : "->>",
		        m->to + 1);
		mermaid_text(out, m->label);
		putc('\n', out);
		if (m->sdp[0]) {
			if (m->from == m->to)
				fprintf(out, "    Note over P%zu: ", m->from + 1);
			else
				fprintf(out, "    Note over P%zu,P%zu: ", m->from + 1, m->to + 1);
			mermaid_text(out, m->sdp);
			putc('\n', out);
		}
	}
	mermaid_streams(out, f, f->nmsgs, &next);
	return 0;
}

int flow_write_plantuml(FILE *out, const struct flow *f)
{
	size_t next = 0;
	fputs("@startuml\n", out);
	if (write_titles(out, f, "title\n", "\n", "\nend title\n", plantuml_text) < 0)
		return -1;
	for (size_t c = 0; c < ladder_columns(f->lad); c++) {
		fputs("participant \"", out);
		plantuml_text(out, ladder_column_name(f->lad, c));
		fprintf(out, "\" as P%zu\n", c + 1);
	}
	for (size_t i = 0; i < f->nmsgs; i++) {
		const struct flow_msg *m = &f->msgs[i];
		plantuml_streams(out, f, i, &next);
		const char *color = m->style == LADDER_S_BAD ? uml_color[LADDER_COLORS] : uml_color[m->color];
		fprintf(out, "P%zu -[%s]%s P%zu : ", m->from + 1, color,
		        m->style == LADDER_S_RETRANS ? "->" : ">", m->to + 1);
		plantuml_text(out, m->label);
		putc('\n', out);
		if (m->sdp[0]) {
			if (m->from == m->to)
				fprintf(out, "note over P%zu : ", m->from + 1);
			else
				fprintf(out, "note over P%zu,P%zu : ", m->from + 1, m->to + 1);
			plantuml_text(out, m->sdp);
			putc('\n', out);
		}
	}
	plantuml_streams(out, f, f->nmsgs, &next);
	fputs("@enduml\n", out);
	return 0;
}
