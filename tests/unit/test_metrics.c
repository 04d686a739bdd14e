/* test_metrics.c - the Prometheus counters (metrics.c) and their server
 * (metrics_http.c): the exposition text (label escaping, cumulative
 * buckets, one HELP and TYPE per family), what each count lands under,
 * publish, the file written atomically, [ADDR:]PORT, GET /metrics over a
 * real socket, and a reader thread racing the feeder (TSan). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sipscope/metrics.h"
#include "sipscope/sdp.h"
#include "sipscope/sip.h"

static char *text_of(struct metrics *m)
{
	size_t len;
	char *t = metrics_render(m, &len);
	assert_non_null(t);
	assert_int_equal(strlen(t), len);
	return t;
}

/* The value of the sample line that starts with `prefix` (name and
 * labels, a space after), or -1 when there is none. */
static double sample(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, prefix, n) && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return -1;
}

static struct store_msg req(enum sip_method m, unsigned tp, int retrans)
{
	struct store_msg r;
	memset(&r, 0, sizeof r);
	r.method = (uint8_t)m;
	r.transport = (uint8_t)tp;
	r.flags = STORE_MSG_REQUEST | (retrans ? STORE_MSG_RETRANS : 0);
	return r;
}

static struct store_msg resp(enum sip_method m, unsigned status, unsigned tp, int retrans)
{
	struct store_msg r = req(m, tp, retrans);
	r.flags &= (uint8_t)~STORE_MSG_REQUEST;
	r.status = (uint16_t)status;
	return r;
}

static void test_messages_by_method_status_transport(void **state)
{
	(void)state;
	struct metrics *m = metrics_new();
	assert_non_null(m);
	struct store_msg v[] = {
		req(SIP_M_INVITE, STORE_TP_UDP, 0), req(SIP_M_INVITE, STORE_TP_UDP, 1),
		resp(SIP_M_INVITE, 486, STORE_TP_UDP, 0), resp(SIP_M_INVITE, 486, STORE_TP_UDP, 1),
		req(SIP_M_BYE, STORE_TP_TCP, 0), req(SIP_M_UNKNOWN, STORE_TP_WSS, 0),
		resp(SIP_M_OPTIONS, 99, STORE_TP_UDP, 0), /* no such code: "other" */
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		metrics_count_message(m, &v[i]);
	char *t = text_of(m);
	/* nothing is seen before publish */
	assert_null(strstr(t, "sipscope_messages_total{"));
	free(t);
	metrics_publish(m);
	t = text_of(m);
	assert_true(sample(t, "sipscope_messages_total{method=\"INVITE\",status=\"\",transport=\"UDP\"}") == 2);
	assert_true(sample(t, "sipscope_messages_total{method=\"INVITE\",status=\"486\",transport=\"UDP\"}") == 2);
	assert_true(sample(t, "sipscope_messages_total{method=\"BYE\",status=\"\",transport=\"TCP\"}") == 1);
	assert_true(sample(t, "sipscope_messages_total{method=\"other\",status=\"\",transport=\"WSS\"}") == 1);
	assert_true(sample(t, "sipscope_messages_total{method=\"OPTIONS\",status=\"other\",transport=\"UDP\"}") == 1);
	assert_true(sample(t, "sipscope_retransmissions_total{method=\"INVITE\"}") == 2);
	assert_true(sample(t, "sipscope_retransmissions_total{method=\"BYE\"}") == -1);
	free(t);
	/* a second publish adds only what came since */
	metrics_count_message(m, &v[4]);
	metrics_publish(m);
	metrics_publish(m);
	t = text_of(m);
	assert_true(sample(t, "sipscope_messages_total{method=\"BYE\",status=\"\",transport=\"TCP\"}") == 2);
	assert_true(sample(t, "sipscope_messages_total{method=\"INVITE\",status=\"\",transport=\"UDP\"}") == 2);
	free(t);
	metrics_free(m);
}

static struct call_info call(enum call_state st, int64_t setup_us, int64_t talk_us)
{
	struct call_info c;
	memset(&c, 0, sizeof c);
	c.method = SIP_M_INVITE;
	c.state = (uint8_t)st;
	c.start_us = 1000000000000LL;
	c.final_us = setup_us >= 0 ? c.start_us + setup_us : 0;
	if (talk_us >= 0) {
		c.answer_us = c.final_us;
		c.bye_us = c.answer_us + talk_us;
		c.bye_ok_us = c.bye_us + 1000;
	}
	c.end_us = c.bye_ok_us ? c.bye_ok_us : c.final_us;
	return c;
}

static void test_calls_and_cumulative_histograms(void **state)
{
	(void)state;
	struct metrics *m = metrics_new();
	struct call_info v[] = {
		call(CALL_STATE_COMPLETED, 50000, 2000000),    /* 0.05 s setup, 2 s talk */
		call(CALL_STATE_COMPLETED, 400000, 70000000),  /* 0.4 s, 70 s */
		call(CALL_STATE_BUSY, 1500000, -1),            /* 1.5 s, unanswered */
		call(CALL_STATE_CANCELLED, -1, -1),            /* no final: no setup */
		call(CALL_STATE_FAILED, 100000000, -1),        /* 100 s: past the last bound */
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		metrics_count_call(m, &v[i], v[i].end_us);
	metrics_set_calls_active(m, 3);
	metrics_publish(m);
	char *t = text_of(m);
	assert_true(sample(t, "sipscope_calls_total{state=\"completed\"}") == 2);
	assert_true(sample(t, "sipscope_calls_total{state=\"busy\"}") == 1);
	assert_true(sample(t, "sipscope_calls_total{state=\"cancelled\"}") == 1);
	assert_true(sample(t, "sipscope_calls_total{state=\"failed\"}") == 1);
	assert_true(sample(t, "sipscope_calls_total{state=\"rejected\"}") == 0); /* shown at 0 */
	assert_true(sample(t, "sipscope_calls_total{state=\"ringing\"}") == -1);  /* not an end */
	assert_true(sample(t, "sipscope_calls_active") == 3);
	/* cumulative: each bucket holds those below it too */
	assert_true(sample(t, "sipscope_call_setup_seconds_bucket{le=\"0.1\"}") == 1);
	assert_true(sample(t, "sipscope_call_setup_seconds_bucket{le=\"0.5\"}") == 2);
	assert_true(sample(t, "sipscope_call_setup_seconds_bucket{le=\"2\"}") == 3);
	assert_true(sample(t, "sipscope_call_setup_seconds_bucket{le=\"60\"}") == 3);
	assert_true(sample(t, "sipscope_call_setup_seconds_bucket{le=\"+Inf\"}") == 4);
	assert_true(sample(t, "sipscope_call_setup_seconds_count") == 4);
	assert_true(sample(t, "sipscope_call_setup_seconds_sum") > 101.949 &&
	            sample(t, "sipscope_call_setup_seconds_sum") < 101.951);
	assert_true(sample(t, "sipscope_call_duration_seconds_bucket{le=\"1\"}") == 0);
	assert_true(sample(t, "sipscope_call_duration_seconds_bucket{le=\"5\"}") == 1);
	assert_true(sample(t, "sipscope_call_duration_seconds_bucket{le=\"60\"}") == 1);
	assert_true(sample(t, "sipscope_call_duration_seconds_bucket{le=\"120\"}") == 2);
	assert_true(sample(t, "sipscope_call_duration_seconds_count") == 2);
	/* every bucket line is at least the one before, up to _count */
	double prev = 0;
	for (const char *p = strstr(t, "sipscope_call_setup_seconds_bucket"); p;
	     p = strstr(p + 1, "sipscope_call_setup_seconds_bucket")) {
		double v2 = strtod(strchr(p, ' ') + 1, NULL);
		assert_true(v2 >= prev);
		prev = v2;
	}
	assert_true(prev == 4);
	free(t);
	metrics_free(m);
}

/* Every family: one # HELP and one # TYPE line, TYPE before its first
 * sample, and its samples together. */
static void test_help_and_type_once_per_family(void **state)
{
	(void)state;
	struct metrics *m = metrics_new();
	struct store_msg r = req(SIP_M_INVITE, STORE_TP_UDP, 1);
	metrics_count_message(m, &r);
	metrics_count_finding(m, CHECK_ACK_MISSING, CHECK_ERROR);
	struct call_info c = call(CALL_STATE_COMPLETED, 100, 100);
	metrics_count_call(m, &c, c.end_us);
	metrics_publish(m);
	char *t = text_of(m);
	static const char *const fam[] = {
		"sipscope_messages_total", "sipscope_retransmissions_total", "sipscope_calls_total",
		"sipscope_calls_active", "sipscope_call_setup_seconds", "sipscope_call_duration_seconds",
		"sipscope_findings_total", "sipscope_rtp_streams_total", "sipscope_rtp_mos",
		"sipscope_rtp_lost_packets_total", "sipscope_capture_packets_total",
		"sipscope_capture_drops_total", "sipscope_hep_packets_total",
	};
	for (size_t i = 0; i < sizeof fam / sizeof fam[0]; i++) {
		char help[128], type[128];
		snprintf(help, sizeof help, "# HELP %s ", fam[i]);
		snprintf(type, sizeof type, "# TYPE %s ", fam[i]);
		const char *h = strstr(t, help), *ty = strstr(t, type);
		assert_non_null(h);
		assert_non_null(ty);
		assert_null(strstr(h + 1, help));
		assert_null(strstr(ty + 1, type));
		assert_true(h < ty);
	}
	/* a sample's family was declared just before its run of samples */
	char last[128] = "";
	for (char *line = t; *line;) {
		char *nl = strchr(line, '\n');
		assert_non_null(nl); /* every line ends */
		if (!strncmp(line, "# TYPE ", 7)) {
			size_t n = strcspn(line + 7, " ");
			memcpy(last, line + 7, n);
			last[n] = 0;
		} else if (*line != '#') {
			size_t n = strlen(last);
			assert_true(n > 0);
			assert_memory_equal(line, last, n);
			assert_true(strchr("{ _", line[n]) != NULL);
		}
		line = nl + 1;
	}
	assert_true(sample(t, "sipscope_findings_total{rule=\"ack-missing\",severity=\"error\"}") == 1);
	free(t);
	metrics_free(m);
}

static void test_label_values_escaped(void **state)
{
	(void)state;
	struct metrics *m = metrics_new();
	assert_int_equal(metrics_set_source(m, 0, "a\"b\\c\nd"), 0);
	assert_int_equal(metrics_set_source(m, 1, "-"), 0);
	assert_int_equal(metrics_set_source(m, METRICS_MAX_SOURCES, "x"), -1);
	struct frame f;
	memset(&f, 0, sizeof f);
	metrics_count_frame(m, &f);
	f.src = 1;
	metrics_count_frame(m, &f);
	metrics_count_frame(m, &f);
	metrics_publish(m);
	char *t = text_of(m);
	assert_true(sample(t, "sipscope_capture_packets_total{interface=\"a\\\"b\\\\c\\nd\"}") == 1);
	assert_true(sample(t, "sipscope_capture_packets_total{interface=\"stdin\"}") == 2);
	free(t);
	metrics_free(m);
}

static void test_hep_agents_bounded(void **state)
{
	(void)state;
	struct metrics *m = metrics_new();
	struct frame f;
	memset(&f, 0, sizeof f);
	f.hep = 3;
	for (uint32_t id = 1; id <= METRICS_MAX_AGENTS + 5; id++) {
		f.hep_capture_id = id;
		metrics_count_frame(m, &f);
		if (id == 7)
			metrics_count_frame(m, &f);
	}
	metrics_set_drops(m, 4, 5, 6);
	metrics_publish(m);
	char *t = text_of(m);
	assert_true(sample(t, "sipscope_hep_packets_total{agent=\"1\"}") == 1);
	assert_true(sample(t, "sipscope_hep_packets_total{agent=\"7\"}") == 2);
	char lab[80];
	snprintf(lab, sizeof lab, "sipscope_hep_packets_total{agent=\"%d\"}", METRICS_MAX_AGENTS);
	assert_true(sample(t, lab) == 1);
	snprintf(lab, sizeof lab, "sipscope_hep_packets_total{agent=\"%d\"}", METRICS_MAX_AGENTS + 1);
	assert_true(sample(t, lab) == -1);
	assert_true(sample(t, "sipscope_hep_packets_total{agent=\"other\"}") == 5);
	assert_true(sample(t, "sipscope_capture_packets_total{interface=\"hep\"}") == METRICS_MAX_AGENTS + 6);
	assert_true(sample(t, "sipscope_capture_drops_total{where=\"kernel\"}") == 4);
	assert_true(sample(t, "sipscope_capture_drops_total{where=\"interface\"}") == 5);
	assert_true(sample(t, "sipscope_capture_drops_total{where=\"queue\"}") == 6);
	free(t);
	metrics_free(m);
}

static void test_rtp_streams(void **state)
{
	(void)state;
	struct metrics *m = metrics_new();
	struct media_stream s;
	memset(&s, 0, sizeof s);
	s.mos = 4.3;
	s.lost = 7;
	metrics_count_stream(m, &s);
	s.mos = 0; /* DTMF only: no MOS */
	s.lost = -2; /* duplicates: no loss */
	metrics_count_stream(m, &s);
	metrics_publish(m);
	char *t = text_of(m);
	assert_true(sample(t, "sipscope_rtp_streams_total") == 2);
	assert_true(sample(t, "sipscope_rtp_lost_packets_total") == 7);
	assert_true(sample(t, "sipscope_rtp_mos_count") == 1);
	assert_true(sample(t, "sipscope_rtp_mos_bucket{le=\"4.2\"}") == 0);
	assert_true(sample(t, "sipscope_rtp_mos_bucket{le=\"4.4\"}") == 1);
	free(t);
	metrics_free(m);
}

#define T0 1700000000000000LL

static struct store_endpoint ep4(uint8_t last, uint16_t port)
{
	struct store_endpoint e;
	memset(&e, 0, sizeof e);
	e.family = 4;
	e.addr[0] = 10;
	e.addr[3] = last;
	e.port = port;
	return e;
}

/* n G.711 packets of SSRC ssrc from a to b, every tenth one missing when
 * lossy; the stream announced by an SDP of call `call` first. */
static void stream(struct media *md, uint64_t call, uint8_t from, uint8_t to, uint16_t port,
                   uint32_t ssrc, int lossy)
{
	char text[128];
	snprintf(text, sizeof text, "v=0\nc=IN IP4 10.0.0.%u\nm=audio %u RTP/AVP 8\n", to, port);
	struct sdp d;
	assert_int_equal(sdp_parse(text, strlen(text), &d), 0);
	media_sdp(md, call, T0, &d);
	struct store_endpoint a = ep4(from, 4000), b = ep4(to, port);
	static uint64_t frame;
	for (int i = 0; i < 100; i++) {
		if (lossy && i % 10 == 5)
			continue;
		uint8_t p[12 + 160];
		memset(p, 0, sizeof p);
		p[0] = 0x80;
		p[1] = 8;
		p[2] = (uint8_t)(i >> 8);
		p[3] = (uint8_t)i;
		uint32_t ts = (uint32_t)i * 160;
		p[4] = (uint8_t)(ts >> 24);
		p[5] = (uint8_t)(ts >> 16);
		p[6] = (uint8_t)(ts >> 8);
		p[7] = (uint8_t)ts;
		p[8] = (uint8_t)(ssrc >> 24);
		p[9] = (uint8_t)(ssrc >> 16);
		p[10] = (uint8_t)(ssrc >> 8);
		p[11] = (uint8_t)ssrc;
		media_udp(md, ++frame, T0 + i * 20000, &a, &b, p, sizeof p);
	}
}

static int ended_call;
static int call_has_ended(void *ctx, uint64_t h_call_id)
{
	(void)ctx;
	return (int)h_call_id == ended_call;
}

/* Streams count once their call has ended, each once, the rest at the
 * end; figures as they stand when counted. */
static void test_streams_counted_once_when_their_call_ends(void **state)
{
	(void)state;
	struct metrics *m = metrics_new();
	struct media *md = media_new();
	stream(md, 7, 1, 3, 5000, 0x11, 1); /* call 7: 10 lost */
	stream(md, 8, 2, 4, 6000, 0x22, 0); /* call 8: clean */
	ended_call = 0;
	assert_int_equal(metrics_count_streams(m, md, call_has_ended, NULL), 0);
	metrics_publish(m);
	char *t = text_of(m);
	assert_true(sample(t, "sipscope_rtp_streams_total") == 0);
	free(t);
	ended_call = 7;
	assert_int_equal(metrics_count_streams(m, md, call_has_ended, NULL), 0);
	assert_int_equal(metrics_count_streams(m, md, call_has_ended, NULL), 0); /* not twice */
	metrics_publish(m);
	t = text_of(m);
	assert_true(sample(t, "sipscope_rtp_streams_total") == 1);
	assert_true(sample(t, "sipscope_rtp_lost_packets_total") == 10);
	assert_true(sample(t, "sipscope_rtp_mos_count") == 1);
	free(t);
	/* the capture is over: call 8's stream, not call 7's again */
	assert_int_equal(metrics_count_streams(m, md, NULL, NULL), 0);
	assert_true(media_finished(md));
	metrics_publish(m);
	t = text_of(m);
	assert_true(sample(t, "sipscope_rtp_streams_total") == 2);
	assert_true(sample(t, "sipscope_rtp_lost_packets_total") == 10);
	assert_true(sample(t, "sipscope_rtp_mos_count") == 2);
	/* 10% lost: under 3.6; clean G.711: above 4.3 */
	assert_true(sample(t, "sipscope_rtp_mos_bucket{le=\"3.8\"}") == 1);
	assert_true(sample(t, "sipscope_rtp_mos_bucket{le=\"4.2\"}") == 1);
	assert_true(sample(t, "sipscope_rtp_mos_bucket{le=\"+Inf\"}") == 2);
	free(t);
	media_free(md);
	metrics_free(m);
}

static void test_addr_parse(void **state)
{
	(void)state;
	char host[64], err[200];
	unsigned port;
	assert_int_equal(metrics_addr_parse("9467", host, sizeof host, &port, err, sizeof err), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 9467);
	assert_int_equal(metrics_addr_parse("0.0.0.0:80", host, sizeof host, &port, err, sizeof err), 0);
	assert_string_equal(host, "0.0.0.0");
	assert_int_equal(port, 80);
	assert_int_equal(metrics_addr_parse("[::1]:9", host, sizeof host, &port, err, sizeof err), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 9);
	assert_int_equal(metrics_addr_parse("::1:9", host, sizeof host, &port, err, sizeof err), -1);
	assert_int_equal(metrics_addr_parse("[::1]9", host, sizeof host, &port, err, sizeof err), -1);
	assert_int_equal(metrics_addr_parse("70000", host, sizeof host, &port, err, sizeof err), -1);
	assert_int_equal(metrics_addr_parse("x:", host, sizeof host, &port, err, sizeof err), -1);
	assert_int_equal(metrics_addr_parse(":80", host, sizeof host, &port, err, sizeof err), -1);
	assert_int_equal(metrics_addr_parse("-1", host, sizeof host, &port, err, sizeof err), -1);
}

static void test_file_written_whole_and_readable(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_metrics.XXXXXX", path[128], err[256];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/sipscope.prom", dir);
	struct metrics *m = metrics_new();
	metrics_set_calls_active(m, 42);
	metrics_publish(m);
	assert_int_equal(metrics_write_file(m, path, err, sizeof err), 0);
	assert_int_equal(metrics_write_file(m, path, err, sizeof err), 0); /* over the old one */
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	FILE *f = fopen(path, "r");
	char buf[65536];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	size_t len;
	char *t = metrics_render(m, &len);
	assert_int_equal(n, len);
	assert_string_equal(buf, t);
	free(t);
	/* no temporary left beside it */
	DIR *d = opendir(dir);
	int files = 0;
	for (struct dirent *e; (e = readdir(d));)
		files += e->d_name[0] != '.';
	closedir(d);
	assert_int_equal(files, 1);
	/* a directory that does not exist: said, not crashed */
	char bad[160];
	snprintf(bad, sizeof bad, "%s/no/such.prom", dir);
	assert_int_equal(metrics_write_file(m, bad, err, sizeof err), -1);
	assert_non_null(strstr(err, "--metrics-file"));
	unlink(path);
	rmdir(dir);
	metrics_free(m);
}

/* One request over a socket; the whole answer into buf. */
static size_t http_get(unsigned port, const char *req_line, char *buf, size_t cap)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	char q[256];
	int ql = snprintf(q, sizeof q, "%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", req_line);
	assert_int_equal(write(fd, q, (size_t)ql), ql);
	size_t n = 0;
	ssize_t r;
	while (n < cap - 1 && (r = read(fd, buf + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = 0;
	close(fd);
	return n;
}

static void test_http_serves_metrics_only(void **state)
{
	(void)state;
	struct metrics *m = metrics_new();
	struct store_msg r = req(SIP_M_REGISTER, STORE_TP_TLS, 0);
	metrics_count_message(m, &r);
	metrics_publish(m);
	char err[256];
	struct metrics_http *h = metrics_http_start(m, "127.0.0.1:0", err, sizeof err);
	assert_non_null(h);
	unsigned port = metrics_http_port(h);
	assert_true(port > 0);
	/* the same port again: in use, said */
	char spec[32];
	snprintf(spec, sizeof spec, "127.0.0.1:%u", port);
	assert_null(metrics_http_start(m, spec, err, sizeof err));
	assert_non_null(strstr(err, "cannot listen"));
	static char buf[65536];
	http_get(port, "GET /metrics", buf, sizeof buf);
	assert_true(!strncmp(buf, "HTTP/1.1 200", 12));
	assert_non_null(strstr(buf, "text/plain; version=0.0.4"));
	assert_non_null(strstr(buf, "sipscope_messages_total{method=\"REGISTER\",status=\"\",transport=\"TLS\"} 1\n"));
	http_get(port, "GET /", buf, sizeof buf);
	assert_true(!strncmp(buf, "HTTP/1.1 404", 12));
	assert_null(strstr(buf, "sipscope_"));
	http_get(port, "DELETE /metrics", buf, sizeof buf);
	assert_true(!strncmp(buf, "HTTP/1.1 405", 12));
	assert_int_equal(metrics_http_requests(h), 1);
	metrics_http_stop(h);
	assert_null(metrics_http_start(m, "localhost:1", err, sizeof err)); /* not an address */
	metrics_free(m);
}

static void *scraper(void *arg)
{
	struct metrics *m = arg;
	for (int i = 0; i < 200; i++) {
		size_t len;
		free(metrics_render(m, &len));
	}
	return NULL;
}

/* The feeder counts and publishes while another thread renders: the
 * counts come out whole (TSan, `make check-threads`, sees any race). */
static void test_render_while_feeding(void **state)
{
	(void)state;
	struct metrics *m = metrics_new();
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, scraper, m), 0);
	struct store_msg r = resp(SIP_M_INVITE, 200, STORE_TP_UDP, 0);
	struct frame f;
	memset(&f, 0, sizeof f);
	for (int i = 0; i < 20000; i++) {
		metrics_count_message(m, &r);
		metrics_count_frame(m, &f);
		if (i % 100 == 99)
			metrics_publish(m);
	}
	pthread_join(th, NULL);
	char *t = text_of(m);
	assert_true(sample(t, "sipscope_messages_total{method=\"INVITE\",status=\"200\",transport=\"UDP\"}") == 20000);
	free(t);
	metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages_by_method_status_transport),
		cmocka_unit_test(test_calls_and_cumulative_histograms),
		cmocka_unit_test(test_help_and_type_once_per_family),
		cmocka_unit_test(test_label_values_escaped),
		cmocka_unit_test(test_hep_agents_bounded),
		cmocka_unit_test(test_rtp_streams),
		cmocka_unit_test(test_streams_counted_once_when_their_call_ends),
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_file_written_whole_and_readable),
		cmocka_unit_test(test_http_serves_metrics_only),
		cmocka_unit_test(test_render_while_feeding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
