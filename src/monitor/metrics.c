/* metrics.c - the counters of a headless capture and their Prometheus
 * text (exposition format 0.0.4).
 *
 * Two sets of the same counters: `pend`, written by the feeder alone
 * (no lock: a frame or a message costs an increment), and `pub`, which
 * metrics_publish() adds pend to under the mutex and readers copy under
 * it.  The message table is dense (method x status x transport, 433 KB)
 * so that counting is an index; publish walks only the cells touched
 * since the last one (a list kept as they go from 0 to 1), and a reader
 * copies only the cells ever used (another such list): a scrape costs
 * what it shows, not the table. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sipscope/hmap.h"
#include "sipscope/metrics.h"
#include "sipscope/sip.h"

#define NMETHOD SIP_M__COUNT /* index 0 (SIP_M_UNKNOWN): "other" */
#define NSTATUS 602          /* 0 request, 1..600 the codes 100..699, 601 other */
#define NTP 6                /* enum store_transport */
#define NSTATE (CALL_STATE_FAILED + 1)
#define NCELLS (NMETHOD * NSTATUS * NTP)
#define NBUCKET 12           /* bounds of the widest histogram, +Inf past them */
#define HEP_SOURCE METRICS_MAX_SOURCES /* the frames slot of HEP agents */

struct hist {
	uint64_t b[NBUCKET + 1]; /* per bucket (not cumulative); [nb] past the last bound */
	double sum;
	uint64_t count;
};

struct counters {
	uint64_t retrans[NMETHOD];
	uint64_t calls[NSTATE];
	uint64_t active;
	struct hist setup, duration, mos;
	uint64_t findings[CHECK_RULE__COUNT][3];
	uint64_t streams, lost;
	uint64_t frames[METRICS_MAX_SOURCES + 1];
	uint64_t drops[3];
	uint64_t agents[METRICS_MAX_AGENTS + 1]; /* [METRICS_MAX_AGENTS]: "other" */
	uint32_t agent_id[METRICS_MAX_AGENTS];
	unsigned nagents;
	uint8_t source_named[METRICS_MAX_SOURCES];
};

struct metrics {
	pthread_mutex_t mu;
	struct counters pub;  /* under mu */
	struct counters pend; /* the feeder's */
	uint64_t pub_msgs[NCELLS];  /* under mu */
	uint32_t used[NCELLS];      /* under mu: cells of pub_msgs above 0 */
	size_t nused;
	uint64_t pend_msgs[NCELLS];
	uint32_t dirty[NCELLS]; /* cells of pend_msgs above 0 */
	size_t ndirty;
	/* the checker followed: findings counted, their tally, messages below
	 * floor counted by a checker before it */
	size_t fcursor, ffloor;
	uint64_t ftally[CHECK_RULE__COUNT][3];
	struct hmap streams; /* streams counted (stream_key), of those md holds */
	char source[METRICS_MAX_SOURCES][64];
};

/* Bucket bounds; each list ends at its count. */
static const double setup_le[] = { 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60 };
static const double duration_le[] = { 1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200 };
static const double mos_le[] = { 1, 1.5, 2, 2.5, 3, 3.5, 3.8, 4, 4.2, 4.4, 4.5 };
#define NB(a) (sizeof a / sizeof a[0])

static const char *const tp_names[NTP] = { "UDP", "TCP", "TLS", "WS", "WSS", "SCTP" };
static const char *const drop_names[3] = { "kernel", "interface", "queue" };

struct metrics *metrics_new(void)
{
	struct metrics *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	if (pthread_mutex_init(&m->mu, NULL) != 0) {
		free(m);
		return NULL;
	}
	hmap_init(&m->streams);
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->mu);
	hmap_free(&m->streams);
	free(m);
}

int metrics_set_source(struct metrics *m, unsigned i, const char *name)
{
	if (i >= METRICS_MAX_SOURCES)
		return -1;
	if (!strcmp(name, "-"))
		name = "stdin";
	snprintf(m->source[i], sizeof m->source[i], "%s", name);
	pthread_mutex_lock(&m->mu);
	m->pub.source_named[i] = 1;
	pthread_mutex_unlock(&m->mu);
	m->pend.source_named[i] = 1;
	return 0;
}

static void hist_add(struct hist *h, const double *le, size_t nb, double v)
{
	size_t i = 0;
	while (i < nb && v > le[i])
		i++;
	h->b[i]++;
	h->sum += v;
	h->count++;
}

static void hist_merge(struct hist *to, struct hist *from)
{
	for (size_t i = 0; i <= NBUCKET; i++)
		to->b[i] += from->b[i];
	to->sum += from->sum;
	to->count += from->count;
	memset(from, 0, sizeof *from);
}

static unsigned method_index(unsigned method)
{
	return method < NMETHOD ? method : 0;
}

void metrics_count_message(struct metrics *m, const struct store_msg *r)
{
	unsigned mi = method_index(r->method), si = 0, ti = r->transport < NTP ? r->transport : 0;
	if (!(r->flags & STORE_MSG_REQUEST))
		si = r->status >= 100 && r->status <= 699 ? r->status - 99u : NSTATUS - 1;
	uint32_t cell = (uint32_t)((mi * NSTATUS + si) * NTP + ti);
	if (m->pend_msgs[cell]++ == 0)
		m->dirty[m->ndirty++] = cell;
	if (r->flags & STORE_MSG_RETRANS)
		m->pend.retrans[mi]++;
}

void metrics_count_call(struct metrics *m, const struct call_info *c, int64_t now_us)
{
	m->pend.calls[c->state < NSTATE ? c->state : CALL_STATE_FAILED]++;
	if (c->final_us) /* as `calls` prints setup_ms */
		hist_add(&m->pend.setup, setup_le, NB(setup_le), (double)(c->final_us - c->start_us) / 1e6);
	int64_t d = track_call_duration_us(c, now_us);
	if (d >= 0)
		hist_add(&m->pend.duration, duration_le, NB(duration_le), (double)d / 1e6);
}

void metrics_set_calls_active(struct metrics *m, uint64_t n)
{
	m->pend.active = n;
}

void metrics_count_finding(struct metrics *m, enum check_rule rule, enum check_severity sev)
{
	if ((unsigned)rule < CHECK_RULE__COUNT && (unsigned)sev < 3)
		m->pend.findings[rule][sev]++;
}

void metrics_count_findings(struct metrics *m, const struct checker *c, int final)
{
	if (final) {
		uint64_t now[CHECK_RULE__COUNT][3];
		memset(now, 0, sizeof now);
		for (size_t i = 0; i < check_count(c); i++) {
			const struct check_finding *f = check_at(c, i);
			if (f->msg >= m->ffloor && f->rule < CHECK_RULE__COUNT && f->severity < 3)
				now[f->rule][f->severity]++;
		}
		for (size_t r = 0; r < CHECK_RULE__COUNT; r++)
			for (size_t s = 0; s < 3; s++)
				if (now[r][s] > m->ftally[r][s]) {
					m->pend.findings[r][s] += now[r][s] - m->ftally[r][s];
					m->ftally[r][s] = now[r][s];
				}
		m->fcursor = check_count(c);
		return;
	}
	for (; m->fcursor < check_count(c); m->fcursor++) {
		const struct check_finding *f = check_at(c, m->fcursor);
		if (f->msg < m->ffloor || f->rule >= CHECK_RULE__COUNT || f->severity >= 3)
			continue;
		m->ftally[f->rule][f->severity]++;
		m->pend.findings[f->rule][f->severity]++;
	}
}

void metrics_findings_restart(struct metrics *m, size_t nmsgs)
{
	m->fcursor = 0;
	m->ffloor = nmsgs;
	memset(m->ftally, 0, sizeof m->ftally);
}

void metrics_count_stream(struct metrics *m, const struct media_stream *st)
{
	m->pend.streams++;
	if (st->mos > 0)
		hist_add(&m->pend.mos, mos_le, NB(mos_le), st->mos);
	if (st->lost > 0)
		m->pend.lost += (uint64_t)st->lost;
}

/* A stream as the media tracker keeps it, whatever its index: the call,
 * the SSRC and both ends. */
static uint64_t stream_key(const struct media_stream *st)
{
	uint64_t ends = (uint64_t)st->src.port << 48 | (uint64_t)st->dst.port << 32 | st->ssrc;
	uint64_t a[4];
	memcpy(a, st->src.addr, 16);
	memcpy(a + 2, st->dst.addr, 16);
	uint64_t k = hmap_mix(hmap_mix(st->h_call_id, ends),
	                      hmap_mix(hmap_mix(a[0], a[1]), hmap_mix(a[2], a[3])));
	return k ? k : 1;
}

int metrics_count_streams(struct metrics *m, struct media *md,
                          int (*ended)(void *ctx, uint64_t h_call_id), void *ctx)
{
	if (ended)
		media_refresh(md);
	else if (!media_finished(md))
		media_finish(md);
	struct hmap keep;
	hmap_init(&keep);
	int rc = 0;
	uint32_t v;
	for (size_t i = 0; i < media_stream_count(md); i++) {
		const struct media_stream *st = media_stream(md, i);
		uint64_t k = stream_key(st);
		if (hmap_get(&m->streams, k, &v)) {
			if (hmap_put(&keep, k, 1) < 0)
				rc = -1;
			continue;
		}
		if (ended && (!st->h_call_id || !ended(ctx, st->h_call_id)))
			continue;
		metrics_count_stream(m, st);
		if (hmap_put(&keep, k, 1) < 0)
			rc = -1;
	}
	/* what md no longer holds (evicted) is forgotten with it */
	hmap_free(&m->streams);
	m->streams = keep;
	return rc;
}

void metrics_count_frame(struct metrics *m, const struct frame *f)
{
	if (!f->hep) {
		m->pend.frames[f->src < METRICS_MAX_SOURCES ? f->src : 0]++;
		return;
	}
	m->pend.frames[HEP_SOURCE]++;
	/* The agents' slots are the feeder's to hand out; publish copies them. */
	unsigned i = 0;
	while (i < m->pend.nagents && m->pend.agent_id[i] != f->hep_capture_id)
		i++;
	if (i == m->pend.nagents && i < METRICS_MAX_AGENTS)
		m->pend.agent_id[m->pend.nagents++] = f->hep_capture_id;
	m->pend.agents[i]++; /* i == METRICS_MAX_AGENTS: "other" */
}

void metrics_set_drops(struct metrics *m, uint64_t kernel, uint64_t iface, uint64_t queue)
{
	m->pend.drops[0] = kernel;
	m->pend.drops[1] = iface;
	m->pend.drops[2] = queue;
}

#define ADD(field) do { p->field += q->field; q->field = 0; } while (0)

void metrics_publish(struct metrics *m)
{
	struct counters *p = &m->pub, *q = &m->pend;
	pthread_mutex_lock(&m->mu);
	for (size_t i = 0; i < m->ndirty; i++) {
		uint32_t cell = m->dirty[i];
		if (m->pub_msgs[cell] == 0)
			m->used[m->nused++] = cell;
		m->pub_msgs[cell] += m->pend_msgs[cell];
		m->pend_msgs[cell] = 0;
	}
	m->ndirty = 0;
	for (size_t i = 0; i < NMETHOD; i++)
		ADD(retrans[i]);
	for (size_t i = 0; i < NSTATE; i++)
		ADD(calls[i]);
	hist_merge(&p->setup, &q->setup);
	hist_merge(&p->duration, &q->duration);
	hist_merge(&p->mos, &q->mos);
	for (size_t r = 0; r < CHECK_RULE__COUNT; r++)
		for (size_t s = 0; s < 3; s++)
			ADD(findings[r][s]);
	ADD(streams);
	ADD(lost);
	for (size_t i = 0; i <= METRICS_MAX_SOURCES; i++)
		ADD(frames[i]);
	for (size_t i = 0; i <= METRICS_MAX_AGENTS; i++)
		ADD(agents[i]);
	p->nagents = q->nagents;
	memcpy(p->agent_id, q->agent_id, sizeof p->agent_id);
	/* gauges and running totals: the value as it stands */
	p->active = q->active;
	memcpy(p->drops, q->drops, sizeof p->drops);
	pthread_mutex_unlock(&m->mu);
}

/* ---- the text ----------------------------------------------------------- */

/* A label value: backslash, double quote and line feed escaped (the
 * exposition format's three). */
static void put_label(FILE *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\')
			fputs("\\\\", out);
		else if (*v == '"')
			fputs("\\\"", out);
		else if (*v == '\n')
			fputs("\\n", out);
		else
			putc(*v, out);
	}
}

static void family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void put_hist(FILE *out, const char *name, const char *help, const struct hist *h,
                     const double *le, size_t nb)
{
	family(out, name, "histogram", help);
	uint64_t cum = 0;
	for (size_t i = 0; i < nb; i++) {
		cum += h->b[i];
		fprintf(out, "%s_bucket{le=\"%g\"} %llu\n", name, le[i], (unsigned long long)cum);
	}
	cum += h->b[nb];
	fprintf(out, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)cum);
	fprintf(out, "%s_sum %.15g\n%s_count %llu\n", name, h->sum, name,
	        (unsigned long long)h->count);
}

static const char *method_label(unsigned mi)
{
	const char *n = mi ? sip_method_name((enum sip_method)mi) : NULL;
	return n ? n : "other";
}

struct cell {
	uint32_t cell;
	uint64_t v;
};

static int cmp_cell(const void *a, const void *b)
{
	uint32_t x = ((const struct cell *)a)->cell, y = ((const struct cell *)b)->cell;
	return x < y ? -1 : x > y;
}

static void render(FILE *out, const struct counters *c, const struct cell *cells, size_t ncells,
                   char (*source)[64])
{
	family(out, "sipscope_messages_total", "counter",
	       "SIP messages seen (retransmissions too), by method (a response: its CSeq method), "
	       "status code (empty for a request) and transport.");
	for (size_t i = 0; i < ncells; i++) { /* in cell order: method, status, transport */
		unsigned ti = cells[i].cell % NTP, si = cells[i].cell / NTP % NSTATUS,
		         mi = cells[i].cell / NTP / NSTATUS;
		fprintf(out, "sipscope_messages_total{method=\"%s\",status=\"", method_label(mi));
		if (si == NSTATUS - 1)
			fputs("other", out);
		else if (si)
			fprintf(out, "%u", si + 99);
		fprintf(out, "\",transport=\"%s\"} %llu\n", tp_names[ti], (unsigned long long)cells[i].v);
	}
	family(out, "sipscope_retransmissions_total", "counter",
	       "SIP messages that repeat an earlier one of their transaction on the same hop, by "
	       "method (a response: its CSeq method).");
	for (unsigned mi = 0; mi < NMETHOD; mi++)
		if (c->retrans[mi])
			fprintf(out, "sipscope_retransmissions_total{method=\"%s\"} %llu\n",
			        method_label(mi), (unsigned long long)c->retrans[mi]);
	family(out, "sipscope_calls_total", "counter", "Calls that ended, by their state then.");
	for (unsigned s = 0; s < NSTATE; s++)
		if (c->calls[s] || s >= CALL_STATE_COMPLETED)
			fprintf(out, "sipscope_calls_total{state=\"%s\"} %llu\n",
			        track_state_name((enum call_state)s), (unsigned long long)c->calls[s]);
	family(out, "sipscope_calls_active", "gauge", "Calls going on (seen, not ended).");
	fprintf(out, "sipscope_calls_active %llu\n", (unsigned long long)c->active);
	put_hist(out, "sipscope_call_setup_seconds",
	         "Calls that ended: first request to its final response, seconds.", &c->setup,
	         setup_le, NB(setup_le));
	put_hist(out, "sipscope_call_duration_seconds",
	         "Answered calls that ended: the 2xx to the BYE, seconds.", &c->duration, duration_le,
	         NB(duration_le));
	family(out, "sipscope_findings_total", "counter",
	       "Checker findings (sipscope check), by rule id and severity.");
	for (unsigned r = 0; r < CHECK_RULE__COUNT; r++)
		for (unsigned s = 0; s < 3; s++)
			if (c->findings[r][s])
				fprintf(out, "sipscope_findings_total{rule=\"%s\",severity=\"%s\"} %llu\n",
				        check_rule_info((enum check_rule)r)->id,
				        check_severity_name((enum check_severity)s),
				        (unsigned long long)c->findings[r][s]);
	family(out, "sipscope_rtp_streams_total", "counter", "RTP streams whose figures are final.");
	fprintf(out, "sipscope_rtp_streams_total %llu\n", (unsigned long long)c->streams);
	put_hist(out, "sipscope_rtp_mos", "MOS estimate (E-model) of the RTP streams counted.", &c->mos,
	         mos_le, NB(mos_le));
	family(out, "sipscope_rtp_lost_packets_total", "counter",
	       "RTP packets lost (RFC 3550 A.3) in the streams counted.");
	fprintf(out, "sipscope_rtp_lost_packets_total %llu\n", (unsigned long long)c->lost);
	family(out, "sipscope_capture_packets_total", "counter",
	       "Packets the capture handed over, by source (interface, file, hep).");
	for (unsigned i = 0; i < METRICS_MAX_SOURCES; i++) {
		if (!c->source_named[i] && !c->frames[i])
			continue;
		fputs("sipscope_capture_packets_total{interface=\"", out);
		put_label(out, c->source_named[i] ? source[i] : "?");
		fprintf(out, "\"} %llu\n", (unsigned long long)c->frames[i]);
	}
	if (c->frames[HEP_SOURCE])
		fprintf(out, "sipscope_capture_packets_total{interface=\"hep\"} %llu\n",
		        (unsigned long long)c->frames[HEP_SOURCE]);
	family(out, "sipscope_capture_drops_total", "counter",
	       "Packets lost: kernel (no buffer space), interface (NIC, driver), queue (SIP messages "
	       "sipscope could not keep).");
	for (unsigned i = 0; i < 3; i++)
		fprintf(out, "sipscope_capture_drops_total{where=\"%s\"} %llu\n", drop_names[i],
		        (unsigned long long)c->drops[i]);
	family(out, "sipscope_hep_packets_total", "counter",
	       "SIP messages received from HEP agents, by capture agent id.");
	for (unsigned i = 0; i < c->nagents; i++)
		fprintf(out, "sipscope_hep_packets_total{agent=\"%u\"} %llu\n", (unsigned)c->agent_id[i],
		        (unsigned long long)c->agents[i]);
	if (c->agents[METRICS_MAX_AGENTS])
		fprintf(out, "sipscope_hep_packets_total{agent=\"other\"} %llu\n",
		        (unsigned long long)c->agents[METRICS_MAX_AGENTS]);
}

char *metrics_render(struct metrics *m, size_t *len)
{
	struct counters c;
	pthread_mutex_lock(&m->mu);
	c = m->pub;
	size_t ncells = m->nused;
	struct cell *cells = malloc((ncells + 1) * sizeof *cells);
	for (size_t i = 0; cells && i < ncells; i++)
		cells[i] = (struct cell){ m->used[i], m->pub_msgs[m->used[i]] };
	pthread_mutex_unlock(&m->mu);
	if (!cells)
		return NULL;
	qsort(cells, ncells, sizeof *cells, cmp_cell);
	char *buf = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&buf, &n);
	if (!out) {
		free(cells);
		return NULL;
	}
	/* source names are written before feeding starts and never change */
	render(out, &c, cells, ncells, m->source);
	free(cells);
	if (fclose(out) != 0) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

int metrics_write_file(struct metrics *m, const char *path, char *err, size_t errlen)
{
	size_t len;
	char *text = metrics_render(m, &len);
	if (!text) {
		snprintf(err, errlen, "--metrics-file: out of memory");
		return -1;
	}
	size_t pl = strlen(path);
	char *tmp = malloc(pl + 16);
	if (!tmp) {
		free(text);
		snprintf(err, errlen, "--metrics-file: out of memory");
		return -1;
	}
	/* node_exporter reads *.prom only: a ".tmp" name is left alone */
	snprintf(tmp, pl + 16, "%s.XXXXXX", path);
	int fd = mkstemp(tmp);
	int rc = -1;
	if (fd < 0) {
		snprintf(err, errlen, "--metrics-file %s: cannot create a file beside it: %s", path,
		         strerror(errno));
		goto out;
	}
	size_t off = 0;
	errno = 0;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	/* mkstemp makes it 0600: a collector running as another user reads it */
	int bad = off < len || fchmod(fd, 0644) < 0, e = errno ? errno : EIO;
	if (close(fd) < 0 && !bad) {
		bad = 1;
		e = errno;
	}
	if (bad) {
		snprintf(err, errlen, "--metrics-file %s: %s", path, strerror(e));
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "--metrics-file %s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	free(text);
	return rc;
}
