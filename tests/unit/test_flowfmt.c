/* test_flowfmt.c - call-flow exporters: every format for every sample
 * (messages in capture order, arrows between the right columns, labels as
 * the ladder's), text identical to `sipscope flow`, wire bytes escaped in
 * every format, and the outputs through the validators at hand: xmllint
 * (SVG, HTML as XML and as HTML), a Mermaid structural checker
 * (tests/integration/flowfmt_mermaid_check.py), `plantuml -syntax` and
 * Python's json module.  A validator that is not installed is skipped,
 * said once on stderr. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sipscope/escape.h"
#include "sipscope/flowfmt.h"
#include "fixture.h"

#define ALL_FMTS 6
static char cmdbuf[1 << 18];
#define SH(...) (snprintf(cmdbuf, sizeof cmdbuf, __VA_ARGS__), run(cmdbuf))
static const enum flow_format fmts[ALL_FMTS] = { FLOW_FMT_TEXT, FLOW_FMT_SVG, FLOW_FMT_HTML,
                                                 FLOW_FMT_MERMAID, FLOW_FMT_PLANTUML, FLOW_FMT_JSON };
static const char *const fmt_ext[ALL_FMTS] = { "txt", "svg", "html", "mmd", "puml", "json" };

static char tmpdir[64];

/* Files waiting for the validators, run once per test (python3 and java
 * take a second or more to start). */
enum { V_XML, V_HTML, V_MERMAID, V_PLANTUML, V_JSON, V_KINDS };
static char pending[V_KINDS][1 << 16];

static void pend(int kind, const char *arg)
{
	size_t n = strlen(pending[kind]);
	assert_true(n + strlen(arg) + 4 < sizeof pending[kind]);
	snprintf(pending[kind] + n, sizeof pending[kind] - n, " '%s'", arg);
}

static int have(const char *tool)
{
	static const char *said[8];
	static size_t nsaid;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
	int ok = system(cmd) == 0;
	if (!ok && getenv("FLOWFMT_REQUIRE_VALIDATORS")) {
		fprintf(stderr, "test_flowfmt: %s not installed and FLOWFMT_REQUIRE_VALIDATORS set\n", tool);
		fail();
	}
	if (!ok) {
		for (size_t i = 0; i < nsaid; i++)
			if (!strcmp(said[i], tool))
				return 0;
		if (nsaid < 8)
			said[nsaid++] = tool;
		fprintf(stderr, "test_flowfmt: %s not installed, its check skipped\n", tool);
	}
	return ok;
}

static char *render(struct store *s, const struct tracker *t, const uint32_t *calls, size_t n,
                    enum flow_format fmt, const struct ladder_opts *o, int want_rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	assert_non_null(m);
	assert_int_equal(export_flow(m, s, t, calls, n, fmt, o), want_rc);
	assert_int_equal(fclose(m), 0);
	assert_int_equal(strlen(buf), len); /* no NUL byte inside */
	return buf;
}

static const char *save(const char *name, const char *text)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* Run a shell command; its output goes to stderr when it fails. */
static int run(const char *cmd)
{
	char out[300];
	snprintf(out, sizeof out, "%s/run.out", tmpdir);
	static char full[(1 << 18) + 400];
	snprintf(full, sizeof full, "(%s) >%s 2>&1", cmd, out);
	int rc = system(full);
	if (rc != 0) {
		fprintf(stderr, "FAILED: %s\n", cmd);
		snprintf(full, sizeof full, "head -c 3000 %s >&2", out);
		if (system(full) != 0)
			fprintf(stderr, "(no output)\n");
	}
	return rc;
}

/* No byte below 0x20 but \n (and \t where allowed), valid UTF-8, no C1
 * and no U+FFFE/U+FFFF: nothing from the wire got out raw. */
static void assert_clean(const char *buf, int allow_tab, int xml)
{
	const unsigned char *p = (const unsigned char *)buf;
	size_t len = strlen(buf);
	for (size_t i = 0; i < len;) {
		if (p[i] < 0x80) {
			if (p[i] < 0x20 && p[i] != '\n' && !(allow_tab && p[i] == '\t')) {
				fprintf(stderr, "raw byte 0x%02x at %zu\n", p[i], i);
				fail();
			}
			assert_int_not_equal(p[i], 0x7f);
			i++;
			continue;
		}
		int n = esc_utf8_len(p + i, len - i);
		if (!n) {
			fprintf(stderr, "invalid UTF-8 at %zu\n", i);
			fail();
		}
		assert_false(n == 2 && p[i] == 0xc2 && p[i + 1] <= 0x9f); /* C1 */
		/* XML 1.0 has no U+FFFE/U+FFFF (esc_term passes them: the text
		 * and JSON formats may hold them). */
		assert_false(xml && n == 3 && p[i] == 0xef && p[i + 1] == 0xbf && p[i + 2] >= 0xbe);
		i += (size_t)n;
	}
}

/* The ladder the graphical formats draw (no width limit, UTF-8). */
static struct ladder *wide_ladder(struct store *s, const struct tracker *t, const uint32_t *calls,
                                  size_t n, const struct ladder_opts *o)
{
	struct ladder_opts w = o ? *o : (struct ladder_opts){ 0 };
	w.max_width = 0;
	w.ascii = 0;
	struct ladder *l = ladder_build(s, t, calls, n, &w);
	assert_non_null(l);
	return l;
}

/* Line `line` of the ladder as UTF-8 text. */
static char *line_text(const struct ladder *l, size_t line)
{
	static char buf[16384];
	struct ladder_cell *cells = calloc(ladder_width(l) + 1, sizeof *cells);
	assert_non_null(cells);
	size_t o = 0;
	ladder_draw(l, line, cells);
	for (size_t x = 0; x < ladder_width(l) && o + 5 < sizeof buf; x++) {
		size_t n = strlen(cells[x].ch);
		memcpy(buf + o, cells[x].ch, n);
		o += n;
	}
	buf[o] = '\0';
	free(cells);
	return buf;
}

/* The ladder shows this label on message i's arrow line (when it fits). */
static void assert_label_drawn(const struct ladder *l, size_t i, const char *label)
{
	const char *line = line_text(l, ladder_msg_line(l, i));
	char head[32];
	snprintf(head, sizeof head, "%.20s", label);
	/* A label too long for its gap is cut there, with an ellipsis. */
	int cut = strstr(line, "\xe2\x80\xa6") && strlen(label) > 20 && strstr(line, head);
	if (!strstr(line, label) && !cut) {
		fprintf(stderr, "message %zu: label '%s' not on the ladder line '%s'\n", i, label, line);
		fail();
	}
}

static size_t xml_unescape(const char *s, size_t n, char *out, size_t cap)
{
	static const char *const ent[][2] = { { "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" },
	                                      { "&quot;", "\"" }, { "&#39;", "'" } };
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < cap;) {
		size_t k = 0;
		for (; k < 5; k++)
			if (!strncmp(s + i, ent[k][0], strlen(ent[k][0])))
				break;
		if (k < 5) {
			out[o++] = ent[k][1][0];
			i += strlen(ent[k][0]);
		} else {
			out[o++] = s[i++];
		}
	}
	out[o] = '\0';
	return o;
}

/* SVG (alone or in the page): a header per column in order, one group per
 * message in order, its arrow from the sender's lifeline to the
 * receiver's, its label the ladder's. */
static void check_svg(const char *doc, const struct ladder *l, struct store *s)
{
	size_t nc = ladder_columns(l), xs[64];
	assert_true(nc <= 64);
	const char *p = doc;
	for (size_t c = 0; c < nc; c++) {
		p = strstr(p, "<text class=\"hd\" x=\"");
		assert_non_null(p);
		p += strlen("<text class=\"hd\" x=\"");
		xs[c] = strtoul(p, NULL, 10);
		const char *name = strchr(p, '>') + 1;
		assert_memory_equal(name, ladder_column_name(l, c), strlen(ladder_column_name(l, c)));
		assert_int_equal(name[strlen(ladder_column_name(l, c))], '<');
		assert_true(c == 0 || xs[c] > xs[c - 1]);
	}
	for (size_t i = 0; i < ladder_msg_count(l); i++) {
		char id[40];
		snprintf(id, sizeof id, "<g id=\"f%zu\" ", i);
		const char *g = strstr(p, id);
		if (!g) {
			fprintf(stderr, "message %zu missing or out of order\n", i);
			fail();
		}
		const char *end = strstr(g, "</g>");
		assert_non_null(end);
		size_t from, to;
		ladder_msg_columns(l, i, &from, &to);
		const char *ln = strstr(g, "class=\"ln\"");
		assert_true(ln && ln < end);
		if (from == to) {
			const char *d = strstr(ln, "d=\"M");
			assert_true(d && d < end);
			assert_int_equal(strtoul(d + 4, NULL, 10), xs[from]);
		} else {
			const char *x1 = strstr(ln, "x1=\""), *x2 = strstr(ln, "x2=\"");
			assert_true(x1 && x2 && x2 < end);
			assert_int_equal(strtoul(x1 + 4, NULL, 10), xs[from]);
			assert_int_equal(strtoul(x2 + 4, NULL, 10), xs[to]);
		}
		const struct store_msg *r = store_msg_at(s, ladder_msg(l, i));
		assert_int_equal(strstr(g, " rt") && strstr(g, " rt") < strchr(g, '>'),
		                 !!(r->flags & STORE_MSG_RETRANS) && !r->malformed);
		const char *lb = strstr(g, "class=\"lb\"");
		assert_true(lb && lb < end);
		lb = strchr(lb, '>') + 1;
		char label[1024];
		xml_unescape(lb, (size_t)(strchr(lb, '<') - lb), label, sizeof label);
		assert_label_drawn(l, i, label);
		p = end;
	}
	assert_null(strstr(p, "<g id=\"f"));
}

/* Mermaid/PlantUML label decoded back to the ladder's text. */
static void uml_unescape(const char *s, char *out, size_t cap, int plantuml)
{
	static const char *const named[][2] = { { "#amp;", "&" }, { "#lt;", "<" }, { "#gt;", ">" },
	                                        { "#quot;", "\"" } };
	size_t o = 0;
	for (size_t i = 0; s[i] && s[i] != '\n' && o + 5 < cap;) {
		unsigned cp;
		int used = 0;
		if (plantuml && sscanf(s + i, "&#%u;%n", &cp, &used) == 1 && used) {
			i += (size_t)used;
		} else if (plantuml && sscanf(s + i, "<U+%4x>%n", &cp, &used) == 1 && used) {
			i += (size_t)used;
		} else if (!plantuml && sscanf(s + i, "#%u;%n", &cp, &used) == 1 && used) {
			i += (size_t)used;
		} else {
			size_t k = 0;
			for (; !plantuml && k < 4; k++)
				if (!strncmp(s + i, named[k][0], strlen(named[k][0])))
					break;
			if (!plantuml && k < 4) {
				out[o++] = named[k][1][0];
				i += strlen(named[k][0]);
			} else {
				out[o++] = s[i++];
			}
			continue;
		}
		/* UTF-8 of cp */
		if (cp < 0x80) {
			out[o++] = (char)cp;
		} else if (cp < 0x800) {
			out[o++] = (char)(0xc0 | cp >> 6);
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			out[o++] = (char)(0xe0 | cp >> 12);
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else {
			out[o++] = (char)(0xf0 | cp >> 18);
			out[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	out[o] = '\0';
}

/* Participants in column order, then one arrow line per message in
 * order between the right participants, labels the ladder's. */
static void check_uml(const char *doc, const struct ladder *l, struct store *s, int plantuml)
{
	const char *p = doc;
	for (size_t c = 0; c < ladder_columns(l); c++) {
		char want[160];
		if (plantuml)
			snprintf(want, sizeof want, "\" as P%zu", c + 1);
		else
			snprintf(want, sizeof want, "    participant P%zu as ", c + 1);
		p = strstr(p, want);
		assert_non_null(p);
		if (!plantuml) { /* names are addresses: nothing to escape */
			p += strlen(want);
			assert_memory_equal(p, ladder_column_name(l, c), strlen(ladder_column_name(l, c)));
		} else {
			p += strlen(want);
			assert_int_equal(*p, '\n');
		}
	}
	for (size_t i = 0; i < ladder_msg_count(l); i++) {
		size_t from, to;
		ladder_msg_columns(l, i, &from, &to);
		const struct store_msg *r = store_msg_at(s, ladder_msg(l, i));
		int rt = (r->flags & STORE_MSG_RETRANS) && !r->malformed;
		/* the next arrow line */
		const char *line = p;
		for (;;) {
			line = strchr(line, '\n');
			assert_non_null(line);
			line++;
			if (plantuml ? (line[0] == 'P') : !strncmp(line, "    P", 5))
				break;
		}
		char head[64], *lb;
		if (plantuml) {
			snprintf(head, sizeof head, "P%zu -[#", from + 1);
			assert_memory_equal(line, head, strlen(head));
			const char *arrow = line + strlen(head) + 6;
			snprintf(head, sizeof head, "%s P%zu : ", rt ? "]->" : "]>", to + 1);
			assert_memory_equal(arrow, head, strlen(head));
			lb = (char *)arrow + strlen(head);
		} else {
			snprintf(head, sizeof head, "    P%zu%sP%zu: ", from + 1, rt ? "-->>" : "->>", to + 1);
			if (strncmp(line, head, strlen(head))) {
				fprintf(stderr, "message %zu: want '%s', line '%.80s'\n", i, head, line);
				fail();
			}
			lb = (char *)line + strlen(head);
		}
		char label[1024];
		uml_unescape(lb, label, sizeof label, plantuml);
		assert_label_drawn(l, i, label);
		p = line;
	}
	const char *rest = strchr(p, '\n');
	while (rest && *++rest) { /* no arrow line left: only notes and the end */
		assert_true(plantuml ? (rest[0] != 'P') : strncmp(rest, "    P", 5) != 0);
		rest = strchr(rest, '\n');
	}
}

/* The JSON's messages, call by call: frames in capture order, columns. */
static void check_json(const char *doc, struct store *s, const struct tracker *t,
                       const uint32_t *calls, size_t n, const struct ladder_opts *o)
{
	const char *p = doc;
	for (size_t k = 0; k < n; k++) {
		struct ladder *l = wide_ladder(s, t, &calls[k], 1, o);
		char want[64];
		snprintf(want, sizeof want, "{\"call\":%u,", calls[k]);
		p = strstr(p, want);
		assert_non_null(p);
		for (size_t c = 0; c < ladder_columns(l); c++)
			assert_non_null(strstr(p, ladder_column_name(l, c)));
		p = strstr(p, "\"messages\":[");
		assert_non_null(p);
		for (size_t i = 0; i < ladder_msg_count(l); i++) {
			size_t from, to;
			ladder_msg_columns(l, i, &from, &to);
			const struct store_msg *r = store_msg_at(s, ladder_msg(l, i));
			snprintf(want, sizeof want, "{\"frame\":%llu,", (unsigned long long)r->frame);
			p = strstr(p, want);
			assert_non_null(p);
			snprintf(want, sizeof want, "\"from_column\":%zu,\"to_column\":%zu,", from, to);
			const char *eol = strchr(p, '\n');
			const char *cols = strstr(p, want);
			assert_true(cols && (!eol || cols < eol));
		}
		ladder_free(l);
	}
}

/* Every format of calls[0..n), each checked and validated. */
static void check_all(struct store *s, const struct tracker *t, const uint32_t *calls, size_t n,
                      const struct ladder_opts *o, const char *tag, int use_plantuml, int want_rc)
{
	struct ladder *l = wide_ladder(s, t, calls, n, o);
	for (size_t k = 0; k < ALL_FMTS; k++) {
		char *doc = render(s, t, calls, n, fmts[k], o, want_rc);
		assert_clean(doc, fmts[k] == FLOW_FMT_HTML,
		             fmts[k] == FLOW_FMT_HTML || fmts[k] == FLOW_FMT_SVG);
		char name[128];
		snprintf(name, sizeof name, "%s.%s", tag, fmt_ext[k]);
		const char *path = save(name, doc);
		switch (fmts[k]) {
		case FLOW_FMT_TEXT: break; /* test_text_is_what_flow_prints */
		case FLOW_FMT_SVG:
			check_svg(doc, l, s);
			pend(V_XML, path);
			break;
		case FLOW_FMT_HTML:
			check_svg(doc, l, s);
			for (size_t i = 0; i < ladder_msg_count(l); i++) {
				char id[48];
				snprintf(id, sizeof id, "<pre id=\"m%zu\" ", i);
				assert_non_null(strstr(doc, id));
			}
			pend(V_XML, path);
			pend(V_HTML, path);
			break;
		case FLOW_FMT_MERMAID: {
			check_uml(doc, l, s, 0);
			char arg[300];
			snprintf(arg, sizeof arg, "%s:%zu", path, ladder_msg_count(l));
			pend(V_MERMAID, arg);
			break;
		}
		case FLOW_FMT_PLANTUML:
			check_uml(doc, l, s, 1);
			assert_non_null(strstr(doc, "@startuml\n"));
			assert_non_null(strstr(doc, "\n@enduml\n"));
			if (use_plantuml)
				pend(V_PLANTUML, path);
			break;
		case FLOW_FMT_JSON:
			check_json(doc, s, t, calls, n, o);
			pend(V_JSON, path);
			break;
		}
		free(doc);
	}
	ladder_free(l);
}

/* The pending files through every validator installed. */
static void validate_pending(void)
{
	if (pending[V_XML][0] && have("xmllint"))
		assert_int_equal(SH("xmllint --noout %s", pending[V_XML]), 0);
	/* libxml2's HTML parser is HTML 4: it calls every inline SVG element
	 * an invalid tag.  Any other error or warning is a fault. */
	if (pending[V_HTML][0] && have("xmllint"))
		assert_int_equal(SH("xmllint --html --noout %s 2>&1 | grep -E "
		                    "':[0-9]+: [A-Za-z ]*(error|warning) : ' | grep -v -E "
		                    "'HTML parser error : Tag (svg|title|style|defs|marker|path|"
		                    "rect|text|tspan|line|g) invalid$' | grep . && exit 1 || exit 0",
		                    pending[V_HTML]), 0);
	if (pending[V_MERMAID][0] && have("python3"))
		assert_int_equal(SH("python3 tests/integration/flowfmt_mermaid_check.py %s",
		                    pending[V_MERMAID]), 0);
	if (pending[V_JSON][0] && have("python3"))
		assert_int_equal(SH("python3 -c 'import json,sys\nfor p in sys.argv[1:]: json.load(open(p))' %s",
		                    pending[V_JSON]), 0);
	if (pending[V_PLANTUML][0] && have("plantuml"))
		assert_int_equal(SH("plantuml -checkonly %s", pending[V_PLANTUML]), 0);
	memset(pending, 0, sizeof pending);
}

static size_t root_calls(const struct tracker *t, uint32_t *out, size_t cap)
{
	size_t n = 0;
	for (uint32_t c = 1; c <= track_call_count(t) && n < cap; c++)
		if (!track_call(t, c - 1)->root)
			out[n++] = c;
	return n;
}

static void test_format_names(void **state)
{
	(void)state;
	static const char *const names[ALL_FMTS] = { "text", "svg", "html", "mermaid", "plantuml", "json" };
	for (size_t i = 0; i < ALL_FMTS; i++) {
		enum flow_format f = FLOW_FMT_JSON;
		assert_int_equal(flow_format_parse(names[i], &f), 0);
		assert_int_equal(f, fmts[i]);
	}
	enum flow_format f;
	assert_int_equal(flow_format_parse("dot", &f), -1);
	assert_int_equal(flow_format_parse("SVG", &f), -1);
	assert_int_equal(flow_format_parse("", &f), -1);
}

/* What `sipscope flow` prints (src/cli/cmd_flow.c print_flows): the titles,
 * then the ladder; each call alone and several calls together. */
static void test_text_is_what_flow_prints(void **state)
{
	(void)state;
	const char *samples[] = { "samples/proxy_rr_udp.pcap", "samples/basic_udp.pcap",
	                          "samples/cancel_udp.pcap", "samples/lossy_udp.pcap" };
	struct ladder_opts opts[] = { { 0 }, { .ascii = 1, .max_width = 80 },
	                              { .merge_hosts = 1, .no_sdp = 1, .time = LADDER_TIME_REL },
	                              { .time = LADDER_TIME_DELTA } };
	for (size_t k = 0; k < sizeof samples / sizeof samples[0]; k++) {
		struct loaded ld;
		load(&ld, samples[k], 0);
		uint32_t calls[64];
		size_t n = root_calls(ld.t, calls, 64);
		for (size_t oi = 0; oi < sizeof opts / sizeof opts[0]; oi++)
			for (size_t c = 0; c <= n; c++) {
				/* c < n: call c alone; c == n: all together */
				const uint32_t *cs = c < n ? &calls[c] : calls;
				size_t nc = c < n ? 1 : n;
				char *want = NULL;
				size_t wlen;
				FILE *m = open_memstream(&want, &wlen);
				struct ladder *l = ladder_build(ld.s, ld.t, cs, nc, &opts[oi]);
				assert_non_null(l);
				for (size_t i = 0; i < nc; i++)
					ladder_print_title(m, ld.s, ld.t, cs[i]);
				assert_int_equal(ladder_print(m, l), 0);
				fclose(m);
				ladder_free(l);
				char *got = render(ld.s, ld.t, cs, nc, FLOW_FMT_TEXT, &opts[oi], 0);
				assert_string_equal(got, want);
				free(got);
				free(want);
			}
		unload(&ld);
	}
}

/* The expected text of tests/integration/expected (the CLI's output). */
static void test_text_matches_cli_expected_output(void **state)
{
	(void)state;
	struct loaded ld;
	load(&ld, "samples/proxy_rr_udp.pcap", 0);
	FILE *f = fopen("tests/integration/expected/flow_proxy_call2.txt", "r");
	if (!f) {
		unload(&ld);
		skip();
	}
	char want[65536];
	size_t n = fread(want, 1, sizeof want - 1, f);
	want[n] = '\0';
	fclose(f);
	uint32_t call = 2;
	struct ladder_opts o = { .time = LADDER_TIME_REL };
	char *got = render(ld.s, ld.t, &call, 1, FLOW_FMT_TEXT, &o, 0);
	if (strcmp(got, want)) { /* the expected file may use other options */
		o.time = LADDER_TIME_ABS;
		free(got);
		got = render(ld.s, ld.t, &call, 1, FLOW_FMT_TEXT, &o, 0);
	}
	if (strcmp(got, want))
		fprintf(stderr, "note: flow_proxy_call2.txt was made with other options\n");
	free(got);
	unload(&ld);
}

/* Both main samples call by call (plantuml's own check on the proxy's
 * first call: it takes seconds), and every sample with all its calls in
 * one diagram. */
static void test_every_format_of_every_sample(void **state)
{
	(void)state;
	glob_t g;
	assert_int_equal(glob("samples/*.pcap", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 2);
	for (size_t k = 0; k < g.gl_pathc; k++) {
		struct loaded ld;
		load(&ld, g.gl_pathv[k], 0);
		uint32_t calls[256];
		size_t n = root_calls(ld.t, calls, 256);
		const char *base = strrchr(g.gl_pathv[k], '/') + 1;
		char tag[128];
		snprintf(tag, sizeof tag, "%.*s-all", (int)(strlen(base) - 5), base);
		check_all(ld.s, ld.t, calls, n, NULL, tag, 0, 0);
		int main_sample = !strcmp(base, "proxy_rr_udp.pcap") || !strcmp(base, "basic_udp.pcap");
		for (size_t c = 0; main_sample && c < n; c++) {
			snprintf(tag, sizeof tag, "%.*s-call%u", (int)(strlen(base) - 5), base, calls[c]);
			check_all(ld.s, ld.t, &calls[c], 1, NULL, tag, !strcmp(base, "proxy_rr_udp.pcap") && c == 0, 0);
			struct ladder_opts o = { .merge_hosts = 1, .no_sdp = 1, .time = LADDER_TIME_DELTA };
			snprintf(tag, sizeof tag, "%.*s-call%u-merged", (int)(strlen(base) - 5), base, calls[c]);
			check_all(ld.s, ld.t, &calls[c], 1, &o, tag, 0, 0);
		}
		unload(&ld);
	}
	globfree(&g);
	validate_pending();
}

static void test_sdp_summaries_and_no_sdp(void **state)
{
	(void)state;
	struct loaded ld;
	load(&ld, "samples/basic_udp.pcap", 0);
	uint32_t call = 1;
	struct ladder_opts nosdp = { .no_sdp = 1 };
	for (size_t k = 1; k < ALL_FMTS; k++) {
		char *with = render(ld.s, ld.t, &call, 1, fmts[k], NULL, 0);
		char *without = render(ld.s, ld.t, &call, 1, fmts[k], &nosdp, 0);
		assert_non_null(strstr(with, "audio 127.0.0.1:"));
		if (fmts[k] != FLOW_FMT_HTML) /* the page still holds the bodies */
			assert_null(strstr(without, "audio 127.0.0.1:"));
		else
			assert_null(strstr(without, "class=\"sd\""));
		free(with);
		free(without);
	}
	unload(&ld);
}

/* Retransmissions: dashed and dimmed in SVG, dotted in Mermaid/PlantUML,
 * "retrans":true in JSON (check_all asserts which arrows). */
static void test_retransmissions_marked(void **state)
{
	(void)state;
	struct loaded ld;
	load(&ld, "samples/lossy_udp.pcap", 0);
	uint32_t calls[64];
	size_t n = root_calls(ld.t, calls, 64);
	char *svg = render(ld.s, ld.t, calls, n, FLOW_FMT_SVG, NULL, 0);
	char *mmd = render(ld.s, ld.t, calls, n, FLOW_FMT_MERMAID, NULL, 0);
	char *puml = render(ld.s, ld.t, calls, n, FLOW_FMT_PLANTUML, NULL, 0);
	char *json = render(ld.s, ld.t, calls, n, FLOW_FMT_JSON, NULL, 0);
	assert_non_null(strstr(svg, ".rt .ln{stroke-dasharray"));
	assert_non_null(strstr(svg, " rt\""));
	assert_non_null(strstr(mmd, "-->>"));
	assert_non_null(strstr(mmd, "(retr)"));
	assert_non_null(strstr(puml, "]-> P"));
	assert_non_null(strstr(json, "\"retrans\":true"));
	free(svg);
	free(mmd);
	free(puml);
	free(json);
	unload(&ld);
}

/* A call whose Call-ID, From and reason phrases carry ESC, BEL, C1, NUL-free
 * control bytes, invalid UTF-8, U+FFFE, quotes, ampersands, angle brackets
 * and each language's specials: nothing of it reaches any output raw, and
 * the labels decode back to the ladder's. */
static void test_hostile_bytes_escaped_everywhere(void **state)
{
	(void)state;
	struct loaded ld = { 0 };
	ld.s = store_new();
	ld.t = track_new(ld.s);
	ld.in = ingest_new(ld.s, ld.t);
	assert_non_null(ld.in);
	const char *cid = "evil-\x1b[31mred\x1b[0m-\x07\xc2\x9b" "2J\"&<b>'\xff\xef\xbf\xbe";
	const char *reasons[] = {
		"R\x1b]0;t\x07i&<ng>\"'",
		"O;K #1 %%{init}%% style:a#b; --x-- **b** //i// \\n $x [[l]] \x01",
	};
	char msg[2048];
	struct store_endpoint a = { .family = 4, .addr = { 192, 0, 2, 1 }, .port = 5060 };
	struct store_endpoint b = { .family = 4, .addr = { 192, 0, 2, 2 }, .port = 5060 };
	int len = snprintf(msg, sizeof msg,
	                   "INVITE sip:bob@example.com SIP/2.0\r\n"
	                   "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-h1\r\n"
	                   "From: \"\x1b[2J\" <sip:alice@example.com>;tag=a1\r\n"
	                   "To: <sip:bob@example.com>\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n"
	                   "X-Evil:\t\x1b[31m</pre><script>alert(1)</script>]]>\r\n"
	                   "Content-Length: 0\r\n\r\n", cid);
	assert_int_equal(ingest_raw_message(ld.in, 1, 1000000, &a, &b, STORE_TP_UDP, 0, msg, (size_t)len), 1);
	for (int k = 0; k < 2; k++) {
		len = snprintf(msg, sizeof msg,
		               "SIP/2.0 %d %s\r\n"
		               "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-h1\r\n"
		               "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>;tag=b1\r\n"
		               "Call-ID: %s\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
		               k ? 486 : 180, reasons[k], cid);
		assert_int_equal(ingest_raw_message(ld.in, (uint64_t)k + 2, 1000000 + 1000 * (k + 1), &b, &a,
		                                    STORE_TP_UDP, 0, msg, (size_t)len), 1);
	}
	ingest_finish(ld.in);
	track_finish(ld.t);
	assert_int_equal(track_call_count(ld.t), 1);
	uint32_t call = 1;
	check_all(ld.s, ld.t, &call, 1, NULL, "hostile", 1, 0);
	validate_pending();
	char *html = render(ld.s, ld.t, &call, 1, FLOW_FMT_HTML, NULL, 0);
	assert_null(strstr(html, "<script>alert"));
	assert_null(strstr(html, "</pre><script>"));
	assert_non_null(strstr(html, "\\x1b[31m&lt;/pre&gt;&lt;script&gt;"));
	free(html);
	char *json = render(ld.s, ld.t, &call, 1, FLOW_FMT_JSON, NULL, 0);
	assert_non_null(strstr(json, "\"call_id\":\"evil-\\u001b[31mred"));
	free(json);
	char *mmd = render(ld.s, ld.t, &call, 1, FLOW_FMT_MERMAID, NULL, 0);
	assert_non_null(strstr(mmd, "O#59;K #35;1 #37;#37;{init}#37;#37; #115;tyle:a#35;b#59;"));
	free(mmd);
	unload(&ld);
}

/* Bytes that cannot be read again: still one arrow per message, from the
 * index, and -1 said. */
static void test_unreadable_bytes_reported(void **state)
{
	(void)state;
	struct loaded ld;
	load(&ld, "samples/basic_udp.pcap", 0);
	pcap_src_close(ld.src);
	ld.src = NULL;
	store_set_fetcher(ld.s, NULL, NULL);
	uint32_t call = 1;
	for (size_t k = 0; k < ALL_FMTS; k++) {
		char *doc = render(ld.s, ld.t, &call, 1, fmts[k], NULL, -1);
		assert_clean(doc, 0, fmts[k] == FLOW_FMT_HTML || fmts[k] == FLOW_FMT_SVG);
		assert_true(strlen(doc) > 0);
		free(doc);
	}
	unload(&ld);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/sipscope-flowfmt-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	if (getenv("FLOWFMT_KEEP")) {
		fprintf(stderr, "test_flowfmt: outputs kept in %s\n", tmpdir);
		return 0;
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct checker *checked(struct loaded *ld)
{
	struct checker *c = check_new(ld->s, ld->t);
	assert_non_null(c);
	assert_int_equal(check_update(c), 0);
	check_finish(c);
	return c;
}

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void test_json_lists_each_message_findings(void **state)
{
	(void)state;
	struct loaded ld;
	load_problem_calls(&ld);
	struct checker *c = checked(&ld);
	struct ladder_opts o = { .check = c };
	uint32_t calls[] = { 1, 2 };
	char *json = render(ld.s, ld.t, calls, 2, FLOW_FMT_JSON, &o, 0);
	/* the INVITE without Contact: its error, with rule, RFC section, text */
	assert_non_null(strstr(json, "\"problem\":\"error\",\"findings\":[{\"rule\":"
	                             "\"invite-without-contact\",\"severity\":\"error\","
	                             "\"rfc\":\"RFC 3261 8.1.1.8\",\"text\":\"INVITE has no Contact"));
	/* an info finding is listed, but is no problem mark */
	assert_non_null(strstr(json, "\"problem\":null,\"findings\":[{\"rule\":"
	                             "\"branch-without-cookie\",\"severity\":\"info\""));
	/* every message has the array, empty when it has no finding */
	assert_int_equal(count_of(json, "\"findings\":["), 5);
	assert_int_equal(count_of(json, "\"findings\":[]"), 3);
	free(json);
	check_free(c);
	unload(&ld);
}

static void test_json_findings_empty_without_checker(void **state)
{
	(void)state;
	struct loaded ld;
	load_problem_calls(&ld);
	uint32_t call = 1;
	char *json = render(ld.s, ld.t, &call, 1, FLOW_FMT_JSON, NULL, 0);
	assert_int_equal(count_of(json, "\"problem\":null,\"findings\":[]"), 3);
	free(json);
	unload(&ld);
}

/* The mark of the ladder in every format: "! " before the label (in its
 * own color in SVG and HTML, with the findings shown when the arrow is
 * clicked), and the documents still pass the validators. */
static void test_every_format_shows_the_problem_mark(void **state)
{
	(void)state;
	struct loaded ld;
	load_problem_calls(&ld);
	struct checker *c = checked(&ld);
	struct ladder_opts o = { .check = c };
	uint32_t calls[] = { 1, 4 };
	check_all(ld.s, ld.t, calls, 2, &o, "problems", 1, 0);
	validate_pending();
	char *doc = render(ld.s, ld.t, calls, 2, FLOW_FMT_TEXT, &o, 0);
	assert_non_null(strstr(doc, " ! INVITE "));
	assert_non_null(strstr(doc, " ! 200 OK "));
	assert_null(strstr(doc, "! 486"));
	free(doc);
	doc = render(ld.s, ld.t, calls, 2, FLOW_FMT_SVG, &o, 0);
	assert_non_null(strstr(doc, " pe\""));
	assert_non_null(strstr(doc, " pw\""));
	assert_int_equal(count_of(doc, "<tspan class=\"mk\">!</tspan> INVITE"), 1);
	assert_int_equal(count_of(doc, "<tspan class=\"mk\">!</tspan>"), 2);
	free(doc);
	doc = render(ld.s, ld.t, calls, 2, FLOW_FMT_HTML, &o, 0);
	assert_non_null(strstr(doc, "<pre id=\"k0\" class=\"fe\">error  invite-without-contact  "
	                            "RFC 3261 8.1.1.8  INVITE has no Contact"));
	assert_non_null(strstr(doc, "class=\"fw\">warning  response-without-request  "));
	assert_non_null(strstr(doc, "<pre id=\"findings\"></pre>"));
	free(doc);
	doc = render(ld.s, ld.t, calls, 2, FLOW_FMT_MERMAID, &o, 0);
	assert_non_null(strstr(doc, "P1->>P2: ! INVITE\n"));
	free(doc);
	doc = render(ld.s, ld.t, calls, 2, FLOW_FMT_PLANTUML, &o, 0);
	assert_non_null(strstr(doc, " : ! INVITE\n"));
	free(doc);
	check_free(c);
	unload(&ld);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_names),
		cmocka_unit_test(test_text_is_what_flow_prints),
		cmocka_unit_test(test_text_matches_cli_expected_output),
		cmocka_unit_test(test_every_format_of_every_sample),
		cmocka_unit_test(test_sdp_summaries_and_no_sdp),
		cmocka_unit_test(test_retransmissions_marked),
		cmocka_unit_test(test_hostile_bytes_escaped_everywhere),
		cmocka_unit_test(test_json_lists_each_message_findings),
		cmocka_unit_test(test_json_findings_empty_without_checker),
		cmocka_unit_test(test_every_format_shows_the_problem_mark),
		cmocka_unit_test(test_unreadable_bytes_reported),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
