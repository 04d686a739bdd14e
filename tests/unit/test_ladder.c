/* test_ladder.c - the ladder layout: columns, arrow directions, labels,
 * widths (80 columns and wide), ASCII, and what the cells hold. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/ladder.h"
#include "sipscope/sip.h"
#include "fixture.h"

/* Line `line` of the ladder as plain UTF-8 text (trailing blanks kept). */
static char *line_text(const struct ladder *l, size_t line, struct ladder_cell *cells)
{
	static char buf[8192];
	size_t o = 0;
	ladder_draw(l, line, cells);
	for (size_t x = 0; x < ladder_width(l) && o + 5 < sizeof buf; x++) {
		size_t n = strlen(cells[x].ch);
		memcpy(buf + o, cells[x].ch, n);
		o += n;
	}
	buf[o] = '\0';
	return buf;
}

static struct ladder *build(struct loaded *ld, uint32_t call, const struct ladder_opts *o)
{
	struct ladder *l = ladder_build(ld->s, ld->t, &call, 1, o);
	assert_non_null(l);
	return l;
}

/* Column of the arrow head on a message's line: the x of '>' or '<'. */
static size_t head_x(const struct ladder *l, size_t msg, struct ladder_cell *cells, char *dir)
{
	ladder_draw(l, ladder_msg_line(l, msg), cells);
	for (size_t x = 0; x < ladder_width(l); x++)
		if (!strcmp(cells[x].ch, ">") || !strcmp(cells[x].ch, "<")) {
			*dir = cells[x].ch[0];
			return x;
		}
	*dir = 0;
	return 0;
}

static void test_proxy_columns_in_order_of_appearance(void **state)
{
	(void)state;
	struct loaded ld;
	load(&ld, "samples/proxy_rr_udp.pcap", 0);
	struct ladder *l = build(&ld, 1, NULL);
	assert_int_equal(ladder_columns(l), 3);
	assert_string_equal(ladder_column_name(l, 0), "127.0.0.1:25130"); /* UAC */
	assert_string_equal(ladder_column_name(l, 1), "127.0.0.1:15130"); /* proxy */
	assert_string_equal(ladder_column_name(l, 2), "127.0.0.1:15131"); /* UAS */
	assert_true(ladder_column_x(l, 0) < ladder_column_x(l, 1));
	assert_true(ladder_column_x(l, 1) < ladder_column_x(l, 2));
	assert_int_equal(ladder_msg_count(l), 14);
	ladder_free(l);
	unload(&ld);
}

static void test_arrows_point_from_sender_to_receiver(void **state)
{
	(void)state;
	struct loaded ld;
	load(&ld, "samples/proxy_rr_udp.pcap", 0);
	struct ladder *l = build(&ld, 1, NULL);
	struct ladder_cell *cells = calloc(ladder_width(l), sizeof *cells);
	for (size_t i = 0; i < ladder_msg_count(l); i++) {
		size_t from, to;
		char dir;
		ladder_msg_columns(l, i, &from, &to);
		size_t x = head_x(l, i, cells, &dir);
		size_t xf = ladder_column_x(l, from), xt = ladder_column_x(l, to);
		if (xf < xt) { /* rightwards: the head touches the receiver */
			assert_int_equal(dir, '>');
			assert_int_equal(x, xt - 1);
		} else {
			assert_int_equal(dir, '<');
			assert_int_equal(x, xt + 1);
		}
	}
	/* And the first message is the INVITE to the proxy, labelled so. */
	const char *t = line_text(l, ladder_msg_line(l, 0), cells);
	assert_non_null(strstr(t, " INVITE (SDP) "));
	free(cells);
	ladder_free(l);
	unload(&ld);
}

static void test_sdp_summary_line_under_offer_and_answer(void **state)
{
	(void)state;
	struct loaded ld;
	load(&ld, "samples/basic_udp.pcap", 0);
	struct ladder *l = build(&ld, 1, NULL);
	struct ladder_cell *cells = calloc(ladder_width(l), sizeof *cells);
	size_t sdp_lines = 0, m;
	for (size_t line = 0; line < ladder_lines(l); line++)
		if (ladder_line_kind(l, line, &m) == LADDER_LINE_SDP) {
			sdp_lines++;
			assert_int_equal(ladder_msg_line(l, m) + 1, line); /* right under */
			assert_non_null(strstr(line_text(l, line, cells), "audio 127.0.0.1:"));
		}
	assert_int_equal(sdp_lines, 2); /* INVITE offer, 200 answer */
	struct ladder_opts o = { .no_sdp = 1 };
	struct ladder *l2 = build(&ld, 1, &o);
	assert_int_equal(ladder_lines(l2), LADDER_HEAD_LINES + ladder_msg_count(l2));
	ladder_free(l2);
	free(cells);
	ladder_free(l);
	unload(&ld);
}

static void test_fits_80_columns_and_cuts_labels_visibly(void **state)
{
	(void)state;
	struct loaded ld;
	load(&ld, "samples/proxy_rr_udp.pcap", 0);
	struct ladder *wide = build(&ld, 1, NULL);
	struct ladder_opts o = { .max_width = 80 };
	struct ladder *l = build(&ld, 1, &o);
	assert_true(ladder_width(wide) > 80);
	assert_true(ladder_width(l) <= 80);
	struct ladder_cell *cells = calloc(ladder_width(wide), sizeof *cells);
	/* kamailio's long "100 trying -- your call is important to us" */
	const char *t = line_text(l, ladder_msg_line(l, 1), cells);
	assert_non_null(strstr(t, "100 trying"));
	assert_non_null(strstr(t, "\xe2\x80\xa6")); /* an ellipsis says it was cut */
	t = line_text(wide, ladder_msg_line(wide, 1), cells);
	assert_null(strstr(t, "\xe2\x80\xa6"));
	free(cells);
	ladder_free(l);
	ladder_free(wide);
	unload(&ld);
}

static void test_ascii_draws_only_ascii(void **state)
{
	(void)state;
	struct loaded ld;
	load(&ld, "samples/proxy_rr_udp.pcap", 0);
	struct ladder_opts o = { .ascii = 1, .max_width = 80 };
	struct ladder *l = build(&ld, 1, &o);
	struct ladder_cell *cells = calloc(ladder_width(l), sizeof *cells);
	for (size_t line = 0; line < ladder_lines(l); line++) {
		const unsigned char *t = (const unsigned char *)line_text(l, line, cells);
		for (; *t; t++)
			assert_true(*t >= 0x20 && *t < 0x7f);
	}
	free(cells);
	ladder_free(l);
	unload(&ld);
}

static void test_merge_hosts_makes_one_column_per_host(void **state)
{
	(void)state;
	struct loaded ld;
	load(&ld, "samples/proxy_rr_udp.pcap", 0);
	struct ladder_opts o = { .merge_hosts = 1 };
	struct ladder *l = build(&ld, 1, &o);
	assert_int_equal(ladder_columns(l), 1);
	assert_string_equal(ladder_column_name(l, 0), "127.0.0.1");
	size_t from, to;
	ladder_msg_columns(l, 0, &from, &to);
	assert_int_equal(from, to); /* drawn as a message to itself */
	struct ladder_cell *cells = calloc(ladder_width(l), sizeof *cells);
	assert_non_null(strstr(line_text(l, ladder_msg_line(l, 0), cells), "INVITE"));
	free(cells);
	ladder_free(l);
	unload(&ld);
}

static void test_retransmissions_marked_and_dimmed(void **state)
{
	(void)state;
	struct loaded ld;
	load(&ld, "samples/lossy_udp.pcap", 0);
	size_t found = 0;
	for (uint32_t c = 1; c <= track_call_count(ld.t); c++) {
		if (track_call(ld.t, c - 1)->root)
			continue;
		struct ladder *l = build(&ld, c, NULL);
		struct ladder_cell *cells = calloc(ladder_width(l), sizeof *cells);
		for (size_t i = 0; i < ladder_msg_count(l); i++) {
			const struct store_msg *r = store_msg_at(ld.s, ladder_msg(l, i));
			const char *t = line_text(l, ladder_msg_line(l, i), cells);
			int marked = strstr(t, "(retr)") != NULL;
			assert_int_equal(marked, !!(r->flags & STORE_MSG_RETRANS));
			if (marked) {
				found++;
				size_t x = 0;
				while (x < ladder_width(l) && cells[x].style != LADDER_S_RETRANS)
					x++;
				assert_true(x < ladder_width(l));
			}
		}
		free(cells);
		ladder_free(l);
	}
	assert_true(found > 0);
	unload(&ld);
}

static void test_one_color_per_request_across_hops(void **state)
{
	(void)state;
	struct loaded ld;
	load(&ld, "samples/proxy_rr_udp.pcap", 0);
	struct ladder *l = build(&ld, 1, NULL);
	struct ladder_cell *cells = calloc(ladder_width(l), sizeof *cells);
	/* Messages 0 (INVITE to proxy) and 2 (INVITE to UAS) are hops of one
	 * request: same color; the BYE's color differs from the INVITE's. */
	uint8_t color[16] = { 0 };
	for (size_t i = 0; i < ladder_msg_count(l) && i < 16; i++) {
		ladder_draw(l, ladder_msg_line(l, i), cells);
		for (size_t x = 0; x < ladder_width(l); x++)
			if (cells[x].style == LADDER_S_ARROW) {
				color[i] = cells[x].color;
				break;
			}
	}
	assert_true(color[0] >= 1 && color[0] <= LADDER_COLORS);
	assert_int_equal(color[0], color[2]);
	assert_int_not_equal(color[0], color[11]); /* BYE */
	free(cells);
	ladder_free(l);
	unload(&ld);
}

static void test_several_calls_share_one_ladder(void **state)
{
	(void)state;
	struct loaded ld;
	load(&ld, "samples/basic_udp.pcap", 0);
	uint32_t calls[] = { 1, 2 };
	struct ladder *one = build(&ld, 1, NULL);
	struct ladder *two = ladder_build(ld.s, ld.t, calls, 2, NULL);
	assert_non_null(two);
	assert_int_equal(ladder_msg_count(two), 2 * ladder_msg_count(one));
	for (size_t i = 1; i < ladder_msg_count(two); i++) /* capture order */
		assert_true(ladder_msg(two, i) > ladder_msg(two, i - 1));
	ladder_free(one);
	ladder_free(two);
	unload(&ld);
}

/* The checker over a loaded capture, run to its end. */
static struct checker *checked(struct loaded *ld)
{
	struct checker *c = check_new(ld->s, ld->t);
	assert_non_null(c);
	assert_int_equal(check_update(c), 0);
	check_finish(c);
	return c;
}

/* x of the first "!" on message i's arrow line, or (size_t)-1. */
static size_t mark_x(const struct ladder *l, size_t i, struct ladder_cell *cells)
{
	ladder_draw(l, ladder_msg_line(l, i), cells);
	for (size_t x = 0; x < ladder_width(l); x++)
		if (!strcmp(cells[x].ch, "!"))
			return x;
	return (size_t)-1;
}

static void test_error_finding_marks_the_label_in_problem_style(void **state)
{
	(void)state;
	struct loaded ld;
	load_problem_calls(&ld);
	struct checker *c = checked(&ld);
	struct ladder_opts o = { .check = c };
	struct ladder *l = build(&ld, 1, &o); /* INVITE without Contact, 486, ACK */
	struct ladder_cell *cells = calloc(ladder_width(l), sizeof *cells);
	assert_non_null(strstr(line_text(l, ladder_msg_line(l, 0), cells), " ! INVITE "));
	assert_int_equal(ladder_msg_problem(l, 0), CHECK_ERROR);
	size_t x = mark_x(l, 0, cells);
	assert_true(x != (size_t)-1);
	assert_int_equal(cells[x].style, LADDER_S_PROBLEM);
	assert_int_equal(cells[x + 2].style, LADDER_S_ARROW); /* "INVITE" as before */
	assert_int_equal(ladder_msg_problem(l, 1), -1);       /* the 486 has none */
	assert_true(mark_x(l, 1, cells) == (size_t)-1);
	free(cells);
	ladder_free(l);
	check_free(c);
	unload(&ld);
}

static void test_warning_finding_marks_the_label_in_warning_style(void **state)
{
	(void)state;
	struct loaded ld;
	load_problem_calls(&ld);
	struct checker *c = checked(&ld);
	struct ladder_opts o = { .check = c, .ascii = 1 };
	struct ladder *l = build(&ld, 4, &o); /* a 200 answering no request */
	struct ladder_cell *cells = calloc(ladder_width(l), sizeof *cells);
	assert_non_null(strstr(line_text(l, ladder_msg_line(l, 0), cells), "----- ! 200 OK ----->"));
	assert_int_equal(ladder_msg_problem(l, 0), CHECK_WARNING);
	assert_int_equal(cells[mark_x(l, 0, cells)].style, LADDER_S_WARNING);
	free(cells);
	ladder_free(l);
	check_free(c);
	unload(&ld);
}

static void test_info_findings_are_not_marked(void **state)
{
	(void)state;
	struct loaded ld;
	load_problem_calls(&ld);
	struct checker *c = checked(&ld);
	assert_int_equal(check_msg_worst(c, 3), CHECK_INFO); /* branch without cookie */
	struct ladder_opts o = { .check = c };
	struct ladder *l = build(&ld, 2, &o);
	struct ladder_cell *cells = calloc(ladder_width(l), sizeof *cells);
	for (size_t i = 0; i < ladder_msg_count(l); i++) {
		assert_int_equal(ladder_msg_problem(l, i), -1);
		assert_true(mark_x(l, i, cells) == (size_t)-1);
	}
	free(cells);
	ladder_free(l);
	check_free(c);
	unload(&ld);
}

static void test_no_checker_no_mark(void **state)
{
	(void)state;
	struct loaded ld;
	load_problem_calls(&ld);
	struct ladder *l = build(&ld, 1, NULL);
	struct ladder_cell *cells = calloc(ladder_width(l), sizeof *cells);
	assert_int_equal(ladder_msg_problem(l, 0), -1);
	assert_true(mark_x(l, 0, cells) == (size_t)-1);
	assert_non_null(strstr(line_text(l, ladder_msg_line(l, 0), cells), " INVITE "));
	free(cells);
	ladder_free(l);
	unload(&ld);
}

/* lossy_udp's call 1: frame 3 (a 2xx never ACKed) and frame 64 (a BYE
 * reusing a CSeq) are marked, and nothing else. */
static void test_lossy_sample_marks_frames_3_and_64(void **state)
{
	(void)state;
	struct loaded ld;
	load(&ld, "samples/lossy_udp.pcap", 0);
	struct checker *c = checked(&ld);
	struct ladder_opts o = { .check = c };
	struct ladder *l = build(&ld, 1, &o);
	struct ladder_cell *cells = calloc(ladder_width(l), sizeof *cells);
	size_t marked = 0;
	for (size_t i = 0; i < ladder_msg_count(l); i++) {
		uint64_t frame = store_msg_at(ld.s, ladder_msg(l, i))->frame;
		int want = frame == 3 || frame == 64;
		assert_int_equal(mark_x(l, i, cells) != (size_t)-1, want);
		marked += (size_t)want;
	}
	assert_int_equal(marked, 2);
	free(cells);
	ladder_free(l);
	check_free(c);
	unload(&ld);
}

/* The line of the first stream whose band text contains `what`. */
static const struct ladder_stream *stream_with(const struct ladder *l, const char *what)
{
	for (size_t i = 0; i < ladder_stream_count(l); i++)
		if (strstr(ladder_stream_at(l, i)->label, what))
			return ladder_stream_at(l, i);
	fail_msg("no stream labelled '%s'", what);
	return NULL;
}

static void test_rtp_band_joins_the_columns_whose_sdp_announced_it(void **state)
{
	(void)state;
	struct loaded ld;
	struct media *m = load_media(&ld, "samples/rtp_oneway.pcap");
	struct ladder_opts o = { .media = m };
	struct ladder *l = build(&ld, 1, &o);
	struct ladder_cell *cells = calloc(ladder_width(l), sizeof *cells);
	/* Media ports are not the SIP ports; the SDP senders own them. */
	assert_int_equal(ladder_columns(l), 2);
	const struct ladder_stream *st = stream_with(l, "PCMA");
	assert_int_equal(st->from, 0);
	assert_int_equal(st->to, 1);
	const char *txt = line_text(l, st->line, cells);
	assert_non_null(strstr(txt, "RTP PCMA/8000 236 pkts"));
	assert_non_null(strstr(txt, LADDER_BAND_UTF8));
	assert_non_null(strstr(txt, ">"));
	size_t msg;
	assert_int_equal(ladder_line_kind(l, st->line, &msg), LADDER_LINE_STREAM);
	free(cells);
	ladder_free(l);
	unload(&ld);
}

static void test_rtp_band_has_figures_then_problems_in_problem_style(void **state)
{
	(void)state;
	struct loaded ld;
	struct media *m = load_media(&ld, "samples/rtp_oneway.pcap");
	struct ladder_opts o = { .media = m };
	struct ladder *l = build(&ld, 1, &o);
	struct ladder_cell *cells = calloc(ladder_width(l), sizeof *cells);
	const struct ladder_stream *st = stream_with(l, "PCMA");
	assert_non_null(strstr(line_text(l, st->line + 1, cells), "lost 0, jitter 0.49 ms, MOS 4.40"));
	const char *p = line_text(l, st->line + 2, cells);
	assert_non_null(strstr(p, "! one-way"));
	size_t x = 0;
	while (x < ladder_width(l) && strcmp(cells[x].ch, "!"))
		x++;
	assert_true(x < ladder_width(l));
	assert_int_equal(cells[x].style, LADDER_S_PROBLEM);
	size_t msg;
	assert_int_equal(ladder_line_kind(l, st->line + 2, &msg), LADDER_LINE_STREAM_INFO);
	free(cells);
	ladder_free(l);
	unload(&ld);
}

static void test_rtp_streams_sit_at_their_first_packet_time(void **state)
{
	(void)state;
	struct loaded ld;
	struct media *m = load_media(&ld, "samples/rtp_loss.pcap");
	struct ladder_opts o = { .media = m };
	struct ladder *l = build(&ld, 1, &o);
	assert_int_equal(ladder_stream_count(l), 3);
	/* After the ACK (message 4), before the BYE (message 5). */
	for (size_t i = 0; i < ladder_stream_count(l); i++) {
		const struct ladder_stream *st = ladder_stream_at(l, i);
		assert_int_equal(st->before, 5);
		assert_true(st->line > ladder_msg_line(l, 4));
		assert_true(st->line < ladder_msg_line(l, 5));
		if (i)
			assert_true(st->ms->first_us >= ladder_stream_at(l, i - 1)->ms->first_us);
	}
	ladder_free(l);
	unload(&ld);
}

static void test_rtp_loss_names_its_percentage(void **state)
{
	(void)state;
	struct loaded ld;
	struct media *m = load_media(&ld, "samples/rtp_loss.pcap");
	struct ladder_opts o = { .media = m };
	struct ladder *l = build(&ld, 1, &o);
	const struct ladder_stream *st = stream_with(l, "670 pkts");
	assert_string_equal(st->problems, "loss 5.4%");
	assert_string_equal(st->figures, "lost 38 (5.4%), jitter 6.53 ms, MOS 3.85");
	assert_int_equal(st->from, 0); /* 10.99.0.2 sends to 10.99.0.1 */
	assert_int_equal(st->to, 1);
	ladder_free(l);
	unload(&ld);
}

static void test_no_media_no_streams_same_lines(void **state)
{
	(void)state;
	struct loaded ld;
	struct media *m = load_media(&ld, "samples/rtp_g711.pcap");
	struct ladder_opts with = { .media = m };
	struct ladder *a = build(&ld, 1, NULL), *b = build(&ld, 1, &with);
	assert_int_equal(ladder_stream_count(a), 0);
	assert_int_equal(ladder_stream_count(b), 3);
	/* each stream: band and figures (no problems here) */
	assert_int_equal(ladder_lines(b), ladder_lines(a) + 3 * 2);
	ladder_free(a);
	ladder_free(b);
	unload(&ld);
}

static void test_rtp_band_in_ascii(void **state)
{
	(void)state;
	struct loaded ld;
	struct media *m = load_media(&ld, "samples/rtp_g711.pcap");
	struct ladder_opts o = { .media = m, .ascii = 1 };
	struct ladder *l = build(&ld, 1, &o);
	struct ladder_cell *cells = calloc(ladder_width(l), sizeof *cells);
	const char *txt = line_text(l, ladder_stream_at(l, 0)->line, cells);
	assert_non_null(strstr(txt, "= RTP PCMA/8000 236 pkts ="));
	for (const unsigned char *p = (const unsigned char *)txt; *p; p++)
		assert_true(*p < 0x80);
	free(cells);
	ladder_free(l);
	unload(&ld);
}

/* The summary of an SDP with connection address conn. */
static const char *summary_of(const char *conn, const char *ip)
{
	static char out[256];
	char body[256], msg[1024];
	int bl = snprintf(body, sizeof body,
	                  "v=0\r\no=- 1 1 IN %s %s\r\ns=-\r\nc=IN %s %s\r\nt=0 0\r\n"
	                  "m=audio 6000 RTP/AVP 0\r\n", ip, conn, ip, conn);
	int ml = snprintf(msg, sizeof msg,
	                  "INVITE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
	                  "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\nCall-ID: x\r\n"
	                  "CSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
	                  bl, body);
	struct sip_header hdrs[32];
	struct sip_msg m;
	assert_true(sip_parse(msg, (size_t)ml, SIP_PARSE_DATAGRAM, &m, hdrs, 32) > 0);
	assert_true(ladder_sdp_summary(&m, out, sizeof out) > 0);
	return out;
}

static void test_sdp_summary_brackets_an_ipv6_address(void **state)
{
	(void)state;
	assert_string_equal(summary_of("2001:db8::1", "IP6"), "audio [2001:db8::1]:6000 0");
	assert_string_equal(summary_of("192.0.2.1", "IP4"), "audio 192.0.2.1:6000 0");
}

static void test_no_sdp_line_under_a_retransmission(void **state)
{
	(void)state;
	struct loaded ld;
	load(&ld, "samples/lossy_udp.pcap", 0);
	size_t retr_sdp = 0;
	for (uint32_t c = 1; c <= track_call_count(ld.t); c++) {
		if (track_call(ld.t, c - 1)->root)
			continue;
		struct ladder *l = build(&ld, c, NULL);
		for (size_t line = 0; line < ladder_lines(l); line++) {
			size_t m;
			if (ladder_line_kind(l, line, &m) != LADDER_LINE_SDP)
				continue;
			const struct store_msg *r = store_msg_at(ld.s, ladder_msg(l, m));
			assert_false(r->flags & STORE_MSG_RETRANS);
		}
		struct ladder_cell *cells = calloc(ladder_width(l), sizeof *cells);
		for (size_t i = 0; i < ladder_msg_count(l); i++) {
			const struct store_msg *r = store_msg_at(ld.s, ladder_msg(l, i));
			if ((r->flags & STORE_MSG_RETRANS) &&
			    strstr(line_text(l, ladder_msg_line(l, i), cells), "(SDP)"))
				retr_sdp++; /* still labelled as carrying SDP */
		}
		free(cells);
		ladder_free(l);
	}
	assert_true(retr_sdp > 0); /* the sample has retransmitted offers or answers */
	unload(&ld);
}

static void test_several_calls_get_a_call_column(void **state)
{
	(void)state;
	struct loaded ld;
	load(&ld, "samples/proxy_rr_udp.pcap", 0);
	struct ladder *one = build(&ld, 1, NULL);
	assert_int_equal(ladder_fixed_cols(one), LADDER_TIME_COLS + 1);
	uint32_t calls[] = { 1, 2, 3 };
	struct ladder *l = ladder_build(ld.s, ld.t, calls, 3, NULL);
	assert_non_null(l);
	assert_int_equal(ladder_fixed_cols(l), LADDER_TIME_COLS + 1 + 2);
	struct ladder_cell *cells = calloc(ladder_width(l), sizeof *cells);
	size_t seen[4] = { 0 };
	for (size_t i = 0; i < ladder_msg_count(l); i++) {
		uint32_t call = ladder_msg_call(l, i);
		assert_true(call >= 1 && call <= 3);
		seen[call]++;
		ladder_draw(l, ladder_msg_line(l, i), cells);
		const struct ladder_cell *tag = &cells[LADDER_TIME_COLS + 1];
		assert_int_equal(tag->ch[0], '0' + (int)call);
		assert_int_equal(tag->style, LADDER_S_CALL);
		assert_int_equal(tag->color, ladder_call_color(l, call));
	}
	assert_true(seen[1] && seen[2] && seen[3]);
	assert_int_not_equal(ladder_call_color(l, 1), ladder_call_color(l, 2));
	assert_int_equal(ladder_call_color(l, 9), 0);
	free(cells);
	ladder_free(l);
	ladder_free(one);
	unload(&ld);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proxy_columns_in_order_of_appearance),
		cmocka_unit_test(test_arrows_point_from_sender_to_receiver),
		cmocka_unit_test(test_sdp_summary_line_under_offer_and_answer),
		cmocka_unit_test(test_fits_80_columns_and_cuts_labels_visibly),
		cmocka_unit_test(test_ascii_draws_only_ascii),
		cmocka_unit_test(test_merge_hosts_makes_one_column_per_host),
		cmocka_unit_test(test_retransmissions_marked_and_dimmed),
		cmocka_unit_test(test_one_color_per_request_across_hops),
		cmocka_unit_test(test_several_calls_share_one_ladder),
		cmocka_unit_test(test_error_finding_marks_the_label_in_problem_style),
		cmocka_unit_test(test_warning_finding_marks_the_label_in_warning_style),
		cmocka_unit_test(test_info_findings_are_not_marked),
		cmocka_unit_test(test_no_checker_no_mark),
		cmocka_unit_test(test_lossy_sample_marks_frames_3_and_64),
		cmocka_unit_test(test_rtp_band_joins_the_columns_whose_sdp_announced_it),
		cmocka_unit_test(test_rtp_band_has_figures_then_problems_in_problem_style),
		cmocka_unit_test(test_rtp_streams_sit_at_their_first_packet_time),
		cmocka_unit_test(test_rtp_loss_names_its_percentage),
		cmocka_unit_test(test_no_media_no_streams_same_lines),
		cmocka_unit_test(test_rtp_band_in_ascii),
		cmocka_unit_test(test_sdp_summary_brackets_an_ipv6_address),
		cmocka_unit_test(test_no_sdp_line_under_a_retransmission),
		cmocka_unit_test(test_several_calls_get_a_call_column),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
