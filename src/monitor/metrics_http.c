/* metrics_http.c - GET /metrics over HTTP, with libmicrohttpd: its own
 * thread polls the socket and answers each scrape with metrics_render()
 * (the counters copied under their mutex).  Anything but /metrics is a
 * 404; a method other than GET or HEAD a 405.  Connections are few and
 * short (Prometheus scrapes every few seconds): a small limit and a
 * timeout keep a stuck client from holding them. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "sipscope/metrics.h"

#if MHD_VERSION < 0x00097100
typedef int MHD_RESULT;
#else
typedef enum MHD_Result MHD_RESULT;
#endif

#define HTTP_CONN_LIMIT 16
#define HTTP_TIMEOUT_S 10

struct metrics_http {
	struct MHD_Daemon *d;
	struct metrics *m;
	unsigned port;
	atomic_ullong requests;
};

int metrics_addr_parse(const char *spec, char *host, size_t hostlen, unsigned *port, char *err,
                       size_t errlen)
{
	const char *p = spec, *colon;
	size_t hl;
	if (*spec == '[') { /* [v6]:port */
		const char *close = strchr(spec, ']');
		if (!close || close[1] != ':') {
			snprintf(err, errlen, "'%s': an IPv6 address goes in brackets, then :PORT", spec);
			return -1;
		}
		hl = (size_t)(close - spec - 1);
		spec++;
		p = close + 2;
	} else if ((colon = strrchr(spec, ':'))) {
		hl = (size_t)(colon - spec);
		p = colon + 1;
		if (memchr(spec, ':', hl)) {
			snprintf(err, errlen, "'%s': an IPv6 address goes in brackets: [ADDR]:PORT", spec);
			return -1;
		}
	} else {
		spec = "127.0.0.1";
		hl = strlen(spec);
	}
	char *end;
	unsigned long v = strtoul(p, &end, 10);
	if (!*p || *end || v > 65535 || *p == '-' || *p == '+') {
		snprintf(err, errlen, "'%s': the port must be a number 0-65535 ([ADDR:]PORT)", p);
		return -1;
	}
	if (hl == 0 || hl >= hostlen) {
		snprintf(err, errlen, "no address before ':PORT' ([ADDR:]PORT, ADDR 127.0.0.1 when left out)");
		return -1;
	}
	memcpy(host, spec, hl);
	host[hl] = 0;
	*port = (unsigned)v;
	return 0;
}

static MHD_RESULT answer(void *cls, struct MHD_Connection *conn, const char *url,
                         const char *method, const char *version, const char *upload,
                         size_t *upload_len, void **con_cls)
{
	struct metrics_http *h = cls;
	(void)version;
	(void)upload;
	static int first;
	if (!*con_cls) { /* the headers are in; a body (if any) comes next: wait for it */
		*con_cls = &first;
		return MHD_YES;
	}
	*upload_len = 0;
	struct MHD_Response *r;
	unsigned code = MHD_HTTP_OK;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		static const char t[] = "only GET /metrics\n";
		r = MHD_create_response_from_buffer(sizeof t - 1, (void *)t, MHD_RESPMEM_PERSISTENT);
		code = MHD_HTTP_METHOD_NOT_ALLOWED;
		if (r)
			MHD_add_response_header(r, "Allow", "GET, HEAD");
	} else if (strcmp(url, "/metrics")) {
		static const char t[] = "not found: the metrics are at /metrics\n";
		r = MHD_create_response_from_buffer(sizeof t - 1, (void *)t, MHD_RESPMEM_PERSISTENT);
		code = MHD_HTTP_NOT_FOUND;
	} else {
		size_t len;
		char *text = metrics_render(h->m, &len);
		if (!text)
			return MHD_NO; /* out of memory: the connection is closed */
		r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
		if (!r)
			free(text);
		else
			MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
		atomic_fetch_add(&h->requests, 1);
	}
	if (!r)
		return MHD_NO;
	if (code != MHD_HTTP_OK)
		MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	MHD_RESULT ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ret;
}

struct metrics_http *metrics_http_start(struct metrics *m, const char *spec, char *err,
                                        size_t errlen)
{
	char host[128], e[200];
	unsigned port;
	if (metrics_addr_parse(spec, host, sizeof host, &port, e, sizeof e) < 0) {
		snprintf(err, errlen, "%s", e);
		return NULL;
	}
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		flags |= MHD_USE_IPv6;
	} else {
		snprintf(err, errlen, "'%s' is not an IP address ([ADDR:]PORT, IPv6 in brackets)", host);
		return NULL;
	}
	struct metrics_http *h = calloc(1, sizeof *h);
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->m = m;
	atomic_init(&h->requests, 0);
	h->d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, answer, h,
	                        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	                        MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONN_LIMIT,
	                        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_TIMEOUT_S,
	                        MHD_OPTION_END);
	if (!h->d) {
		/* libmicrohttpd says no more; the usual cause is the port */
		snprintf(err, errlen, "cannot listen on %s port %u (in use, or a port below 1024 "
		         "without root?)", host, port);
		free(h);
		return NULL;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = di && di->port ? di->port : port;
	return h;
}

unsigned metrics_http_port(const struct metrics_http *h)
{
	return h->port;
}

uint64_t metrics_http_requests(const struct metrics_http *h)
{
	return atomic_load(&((struct metrics_http *)h)->requests);
}

void metrics_http_stop(struct metrics_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	free(h);
}
