/* flow_svg.c - the flow as an SVG 1.1 ladder, alone or inside a
 * self-contained HTML page (flowfmt.h).
 *
 * Geometry follows the ladder's cells: a lifeline sits at the ladder's
 * column x times CELL_W pixels, so the columns keep the viewer's order
 * and proportions.  Colors are the viewer's curses colors (src/ui/ui.c:
 * transactions cyan, green, yellow, magenta, blue, red; lifelines and
 * SDP blue; malformed bold red), darkened to read on white.  RTP streams
 * (with media) are thick bands placed by time among the messages, their
 * figures and problems under them. */
#include <stdlib.h>
#include <string.h>

#include "flow_int.h"
#include "sipscope/escape.h"
#include "sipscope/export.h"

#define CELL_W 8     /* px per ladder cell (13px monospace advances ~7.8) */
#define SDP_W 7      /* px per character of an SDP summary (11px) */
#define PAD 10
#define TITLE_H 18
#define ROW_H 30     /* an arrow line */
#define SDP_H 16     /* its SDP summary line */
#define SELF_W 28    /* how far a message to itself loops out */

static const char *const txn_color[LADDER_COLORS + 1] = {
	"#333333", /* no transaction */
	"#00838f", /* cyan */
	"#2e7d32", /* green */
	"#a07800", /* yellow */
	"#a0209a", /* magenta */
	"#1e4fd8", /* blue */
	"#c62828", /* red */
};
#define BAD_COLOR "#c62828"
#define WARN_COLOR "#b35c00" /* the problem mark of a warning (orange) */

/* Text that went through esc_term (valid UTF-8, no control characters but
 * \t and \n) made XML character data.  Whatever should still not be in
 * XML 1.0 (a control byte, an invalid sequence, U+FFFE/U+FFFF, C1) is
 * written visibly as \xNN or \uXXXX, never raw. */
static void xml_text(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);
	for (size_t i = 0; i < len;) {
		unsigned c = p[i];
		if (c < 0x80) {
			switch (c) {
			case '&': fputs("&amp;", out); break;
			case '<': fputs("&lt;", out); break;
			case '>': fputs("&gt;", out); break;
			case '"': fputs("&quot;", out); break;
			case '\'': fputs("&#39;", out); break;
			default:
				if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
					fprintf(out, "\\x%02x", c);
				else
					putc((int)c, out);
			}
			i++;
			continue;
		}
		int n = esc_utf8_len(p + i, len - i);
		if (!n) {
			fprintf(out, "\\x%02x", c);
			i++;
			continue;
		}
		unsigned cp = p[i] & (0xff >> (n + 1));
		for (int k = 1; k < n; k++)
			cp = cp << 6 | (p[i + k] & 0x3f);
		if (cp == 0xfffe || cp == 0xffff || cp <= 0x9f)
			fprintf(out, "\\u%04x", cp);
		else
			fwrite(p + i, 1, (size_t)n, out);
		i += (size_t)n;
	}
}

struct geo {
	size_t width, height, head_y, life_top, first_y;
	size_t *y; /* arrow y of each message */
	size_t *sy; /* band y of each stream */
};

static size_t col_px(const struct flow *f, size_t c)
{
	return PAD + ladder_column_x(f->lad, c) * CELL_W;
}

static size_t max_sz(size_t a, size_t b) { return a > b ? a : b; }

static int lay_out(const struct flow *f, struct geo *g, char **titles)
{
	size_t ns = ladder_stream_count(f->lad), next = 0;
	g->y = malloc((f->nmsgs ? f->nmsgs : 1) * sizeof *g->y);
	g->sy = malloc((ns ? ns : 1) * sizeof *g->sy);
	if (!g->y || !g->sy)
		return -1;
	g->width = 2 * PAD + ladder_width(f->lad) * CELL_W;
	for (size_t i = 0; i < f->ncalls; i++)
		g->width = max_sz(g->width, 2 * PAD + strlen(titles[i]) * CELL_W);
	g->head_y = PAD + f->ncalls * TITLE_H + 16;
	g->life_top = g->head_y + 8;
	size_t y = g->life_top + 8;
	for (size_t i = 0; i <= f->nmsgs; i++) {
		const struct ladder_stream *st;
		for (; (st = ladder_stream_at(f->lad, next)) && st->before <= i; next++) {
			size_t xa = col_px(f, st->from), xb = col_px(f, st->to);
			size_t lo = xa < xb ? xa : xb, hi = xa < xb ? xb : xa;
			g->sy[next] = y + 20;
			y += ROW_H + (st->problems[0] ? 2 : 1) * SDP_H;
			size_t cols = st->label_cols + 2 > st->figures_cols ? st->label_cols + 2 : st->figures_cols;
			size_t right = lo == hi ? lo + SELF_W + 6 + cols * CELL_W : (lo + hi) / 2 + cols * CELL_W / 2;
			g->width = max_sz(g->width, right + PAD);
		}
		if (i == f->nmsgs)
			break;
		const struct flow_msg *m = &f->msgs[i];
		size_t xa = col_px(f, m->from), xb = col_px(f, m->to);
		g->y[i] = y + 20;
		y += ROW_H + (m->sdp[0] ? SDP_H : 0);
		size_t lo = xa < xb ? xa : xb, hi = xa < xb ? xb : xa;
		size_t right = lo == hi ? lo + SELF_W + 6 + m->label_cols * CELL_W
		                        : (lo + hi) / 2 + m->label_cols * CELL_W / 2;
		g->width = max_sz(g->width, right + PAD);
		if (m->sdp[0])
			g->width = max_sz(g->width, (lo == hi ? lo + 6 : lo + 8) + m->sdp_cols * SDP_W + PAD);
	}
	g->height = y + PAD + 8;
	return 0;
}

static void write_style(FILE *out, int rtp)
{
	fputs("text{font-family:monospace;font-size:13px}\n"
	      ".tt{font-weight:bold;font-size:14px}\n"
	      ".hd{font-weight:bold;text-anchor:middle}\n"
	      ".lf{stroke:#8a9fd1;stroke-width:1}\n"
	      ".tm{fill:#555555}\n"
	      ".sd{fill:#4a64a8;font-size:11px}\n"
	      ".ln{stroke-width:1.5;fill:none}\n"
	      ".lb{text-anchor:middle}\n"
	      ".self .lb{text-anchor:start}\n"
	      ".hit{fill:#000000;fill-opacity:0}\n"
	      ".rt{opacity:0.55}\n"
	      ".rt .ln{stroke-dasharray:6 4}\n"
	      ".bad .lb{font-weight:bold}\n"
	      ".mk{font-weight:bold}\n", out);
	if (rtp)
		fputs(".rtp .ln{stroke:#4a64a8;stroke-width:4;stroke-opacity:0.6}\n"
		      ".rtp .lb{fill:#4a64a8}\n"
		      ".rtp .pb{fill:" BAD_COLOR ";font-size:11px;font-weight:bold}\n", out);
	for (int c = 0; c <= LADDER_COLORS; c++)
		fprintf(out, ".c%d .ln{stroke:%s}\n.c%d .lb{fill:%s}\n", c, txn_color[c], c, txn_color[c]);
	fputs(".bad .ln{stroke:" BAD_COLOR "}\n.bad .lb{fill:" BAD_COLOR "}\n", out);
	fputs(".pe .mk{fill:" BAD_COLOR "}\n.pw .mk{fill:" WARN_COLOR "}\n", out);
}

static void write_markers(FILE *out, int rtp)
{
	fputs("<defs>\n", out);
	for (int c = 0; c <= LADDER_COLORS + 1; c++)
		fprintf(out, "<marker id=\"h%d\" markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" "
		             "refY=\"4\" orient=\"auto\" markerUnits=\"userSpaceOnUse\">"
		             "<path d=\"M0,0 L10,4 L0,8 z\" fill=\"%s\"/></marker>\n",
		        c, c <= LADDER_COLORS ? txn_color[c] : BAD_COLOR);
	if (rtp)
		fputs("<marker id=\"hr\" markerWidth=\"12\" markerHeight=\"10\" refX=\"11\" refY=\"5\" "
		      "orient=\"auto\" markerUnits=\"userSpaceOnUse\"><path d=\"M0,0 L12,5 L0,10 z\" "
		      "fill=\"#4a64a8\"/></marker>\n", out);
	fputs("</defs>\n", out);
}

static void write_msg(FILE *out, const struct flow *f, const struct geo *g, size_t i)
{
	const struct flow_msg *m = &f->msgs[i];
	size_t xa = col_px(f, m->from), xb = col_px(f, m->to), y = g->y[i];
	size_t lo = xa < xb ? xa : xb, hi = xa < xb ? xb : xa;
	int bad = m->style == LADDER_S_BAD, rt = m->style == LADDER_S_RETRANS;
	int marker = bad ? LADDER_COLORS + 1 : m->color;
	char frame[256];
	export_frame_line(frame, sizeof frame, f->s, m->idx);
	fprintf(out, "<g id=\"f%zu\" class=\"m c%u%s%s%s%s\">", i, m->color, rt ? " rt" : "",
	        bad ? " bad" : "", lo == hi ? " self" : "",
	        m->problem == CHECK_ERROR ? " pe" : m->problem == CHECK_WARNING ? " pw" : "");
	fputs("<title>", out);
	xml_text(out, frame);
	fputs("</title>\n", out);
	size_t hit_r = lo == hi ? lo + SELF_W + 6 + m->label_cols * CELL_W : hi + 4;
	fprintf(out, "<rect class=\"hit\" x=\"%zu\" y=\"%zu\" width=\"%zu\" height=\"%d\"/>\n",
	        lo - 4, y - 18, hit_r - lo + 8, m->sdp[0] ? 26 + SDP_H : 26);
	fprintf(out, "<text class=\"tm\" x=\"%d\" y=\"%zu\">", PAD, y + 4);
	xml_text(out, m->time);
	fputs("</text>\n", out);
	if (lo == hi) {
		fprintf(out, "<path class=\"ln\" d=\"M%zu,%zu h%d v12 h-%d\" marker-end=\"url(#h%d)\"/>\n",
		        lo, y - 6, SELF_W, SELF_W, marker);
		fprintf(out, "<text class=\"lb\" x=\"%zu\" y=\"%zu\">", lo + SELF_W + 6, y + 4);
	} else {
		fprintf(out, "<line class=\"ln\" x1=\"%zu\" y1=\"%zu\" x2=\"%zu\" y2=\"%zu\" "
		             "marker-end=\"url(#h%d)\"/>\n", xa, y, xb, y, marker);
		fprintf(out, "<text class=\"lb\" x=\"%zu\" y=\"%zu\">", (lo + hi) / 2, y - 6);
	}
	if (m->problem >= 0) { /* the mark in its own color, then the label */
		fputs("<tspan class=\"mk\">!</tspan>", out);
		xml_text(out, m->label + 1);
	} else {
		xml_text(out, m->label);
	}
	fputs("</text>\n", out);
	if (m->sdp[0]) {
		fprintf(out, "<text class=\"sd\" x=\"%zu\" y=\"%zu\">", lo == hi ? lo + 6 : lo + 8,
		        y + 16);
		xml_text(out, m->sdp);
		fputs("</text>\n", out);
	}
	fputs("</g>\n", out);
}

/* A stream: band, label above, figures (and problems) below. */
static void write_stream(FILE *out, const struct flow *f, const struct geo *g, size_t i)
{
	const struct ladder_stream *st = ladder_stream_at(f->lad, i);
	size_t xa = col_px(f, st->from), xb = col_px(f, st->to), y = g->sy[i];
	size_t lo = xa < xb ? xa : xb, hi = xa < xb ? xb : xa;
	char src[64], dst[64];
	store_endpoint_format(&st->ms->src, src, sizeof src);
	store_endpoint_format(&st->ms->dst, dst, sizeof dst);
	fprintf(out, "<g class=\"rtp\"><title>RTP %s -&gt; %s SSRC 0x%08X</title>\n", src, dst,
	        (unsigned)st->ms->ssrc);
	size_t tx = lo == hi ? lo + SELF_W + 6 : (lo + hi) / 2;
	if (lo == hi)
		fprintf(out, "<path class=\"ln\" d=\"M%zu,%zu h%d v12 h-%d\" marker-end=\"url(#hr)\"/>\n", lo,
		        y - 6, SELF_W, SELF_W);
	else
		fprintf(out, "<line class=\"ln\" x1=\"%zu\" y1=\"%zu\" x2=\"%zu\" y2=\"%zu\" "
		             "marker-end=\"url(#hr)\"/>\n", xa, y, xb, y);
	fprintf(out, "<text class=\"lb%s\" x=\"%zu\" y=\"%zu\">", lo == hi ? " self" : "", tx,
	        lo == hi ? y + 4 : y - 6);
	if (st->problems[0])
		fputs("<tspan class=\"mk\" fill=\"" BAD_COLOR "\">!</tspan> ", out);
	xml_text(out, st->label);
	fputs("</text>\n", out);
	fprintf(out, "<text class=\"sd\" x=\"%zu\" y=\"%zu\">", lo == hi ? lo + 6 : lo + 8, y + 16);
	xml_text(out, st->figures);
	fputs("</text>\n", out);
	if (st->problems[0]) {
		fprintf(out, "<text class=\"pb\" x=\"%zu\" y=\"%zu\">", lo == hi ? lo + 6 : lo + 8,
		        y + 16 + SDP_H);
		xml_text(out, LADDER_MARK);
		xml_text(out, st->problems);
		fputs("</text>\n", out);
	}
	fputs("</g>\n", out);
}

/* The titles of the flow's calls, escaped for a terminal. */
static char **titles_new(const struct flow *f)
{
	char **t = calloc(f->ncalls ? f->ncalls : 1, sizeof *t);
	if (!t)
		return NULL;
	for (size_t i = 0; i < f->ncalls; i++)
		if (!(t[i] = flow_title(f, f->calls[i]))) {
			for (size_t k = 0; k < i; k++)
				free(t[k]);
			free(t);
			return NULL;
		}
	return t;
}

static void titles_free(const struct flow *f, char **t)
{
	for (size_t i = 0; t && i < f->ncalls; i++)
		free(t[i]);
	free(t);
}

int flow_write_svg(FILE *out, const struct flow *f, int inline_svg)
{
	char **titles = titles_new(f);
	struct geo g = { 0 };
	if (!titles || lay_out(f, &g, titles) < 0) {
		titles_free(f, titles);
		free(g.y);
		free(g.sy);
		return -1;
	}
	if (!inline_svg)
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%zu\" "
	             "height=\"%zu\" viewBox=\"0 0 %zu %zu\">\n", g.width, g.height, g.width, g.height);
	fputs("<title>", out);
	xml_text(out, f->ncalls ? titles[0] : "sipscope flow");
	fputs("</title>\n<style type=\"text/css\">\n", out);
	write_style(out, ladder_stream_count(f->lad) > 0);
	fputs("</style>\n", out);
	write_markers(out, ladder_stream_count(f->lad) > 0);
	fprintf(out, "<rect width=\"%zu\" height=\"%zu\" fill=\"#ffffff\"/>\n", g.width, g.height);
	for (size_t i = 0; i < f->ncalls; i++) {
		fprintf(out, "<text class=\"tt\" x=\"%d\" y=\"%zu\">", PAD, PAD + 12 + i * TITLE_H);
		xml_text(out, titles[i]);
		fputs("</text>\n", out);
	}
	for (size_t c = 0; c < ladder_columns(f->lad); c++) {
		size_t x = col_px(f, c);
		fprintf(out, "<text class=\"hd\" x=\"%zu\" y=\"%zu\">", x, g.head_y);
		xml_text(out, ladder_column_name(f->lad, c));
		fprintf(out, "</text>\n<line class=\"lf\" x1=\"%zu\" y1=\"%zu\" x2=\"%zu\" y2=\"%zu\"/>\n",
		        x, g.life_top, x, g.height - PAD);
	}
	for (size_t i = 0; i < f->nmsgs; i++)
		write_msg(out, f, &g, i);
	for (size_t i = 0; i < ladder_stream_count(f->lad); i++)
		write_stream(out, f, &g, i);
	fputs("</svg>\n", out);
	free(g.y);
	free(g.sy);
	titles_free(f, titles);
	return 0;
}

/* No '<' or '&' in the script: the page stays well-formed XML too. */
static const char page_js[] =
	"(function () {\n"
	"  var sel = null;\n"
	"  function show(g) {\n"
	"    var src = document.getElementById('m' + g.id.slice(1));\n"
	"    if (!src) return;\n"
	"    document.getElementById('msghead').textContent = src.getAttribute('data-head');\n"
	"    var fs = document.getElementById('k' + g.id.slice(1));\n"
	"    var fe = document.getElementById('findings');\n"
	"    fe.textContent = fs ? fs.textContent : '';\n"
	"    fe.className = fs ? fs.className : '';\n"
	"    document.getElementById('msg').textContent = src.textContent;\n"
	"    if (sel) sel.classList.remove('sel');\n"
	"    sel = g;\n"
	"    g.classList.add('sel');\n"
	"  }\n"
	"  Array.prototype.forEach.call(document.querySelectorAll('g.m'), function (g) {\n"
	"    g.addEventListener('click', function () { show(g); });\n"
	"  });\n"
	"})();\n";

int flow_write_html(FILE *out, const struct flow *f)
{
	char *title = f->ncalls ? flow_title(f, f->calls[0]) : NULL;
	if (f->ncalls && !title)
		return -1;
	fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n"
	      "<head>\n<meta charset=\"utf-8\"/>\n<title>sipscope flow", out);
	if (title) {
		fputs(": ", out);
		xml_text(out, title);
	}
	free(title);
	fputs("</title>\n<style type=\"text/css\">\n"
	      "body{margin:0;font-family:sans-serif;background:#ffffff;color:#222222}\n"
	      "#ladder{overflow:auto;max-height:70vh;border-bottom:1px solid #aaaaaa}\n"
	      "#panel{padding:8px 12px}\n"
	      "#msghead{font-family:monospace;font-weight:bold;margin-bottom:4px}\n"
	      "#msg{font-family:monospace;font-size:13px;white-space:pre-wrap;margin:0}\n"
	      "#findings{font-family:monospace;font-size:13px;white-space:pre-wrap;margin:0 0 6px 0;"
	      "font-weight:bold}\n"
	      "#findings.fe{color:" BAD_COLOR "}\n#findings.fw{color:" WARN_COLOR "}\n"
	      "#findings.fi{color:#555555}\n"
	      "g.m{cursor:pointer}\n"
	      "g.m:hover .ln,g.sel .ln{stroke-width:3}\n"
	      "g.sel .lb{font-weight:bold}\n"
	      "</style>\n</head>\n<body>\n<div id=\"ladder\">\n", out);
	if (flow_write_svg(out, f, 1) < 0)
		return -1;
	fputs("</div>\n<div id=\"panel\"><div id=\"msghead\">Click an arrow to show its message."
	      "</div><pre id=\"findings\"></pre><pre id=\"msg\"></pre></div>\n"
	      "<div id=\"msgs\" hidden=\"hidden\">\n", out);
	for (size_t i = 0; i < f->nmsgs; i++) {
		int readable;
		char *text = flow_msg_text(f, i, &readable);
		if (!text)
			return -1;
		char frame[256];
		export_frame_line(frame, sizeof frame, f->s, f->msgs[i].idx);
		fprintf(out, "<pre id=\"m%zu\" data-head=\"", i);
		xml_text(out, frame);
		fputs("\">", out);
		xml_text(out, text);
		fputs("</pre>\n", out);
		free(text);
		int worst;
		char *fnd = flow_msg_findings(f, f->msgs[i].idx, &worst);
		if (!fnd)
			return -1;
		if (fnd[0]) { /* shown above the message when its arrow is clicked */
			fprintf(out, "<pre id=\"k%zu\" class=\"%s\">", i,
			        worst == CHECK_ERROR ? "fe" : worst == CHECK_WARNING ? "fw" : "fi");
			xml_text(out, fnd);
			fputs("</pre>\n", out);
		}
		free(fnd);
	}
	fputs("</div>\n<script type=\"text/javascript\">\n//<![CDATA[\n", out);
	fputs(page_js, out);
	fputs("//]]>\n</script>\n</body>\n</html>\n", out);
	return 0;
}
