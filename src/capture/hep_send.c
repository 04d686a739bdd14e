/* hep_send.c - the HEP agent: each SIP message encoded and sent to a
 * collector over a non-blocking UDP or TCP socket.
 *
 * Capture must never wait on the network, so packets go through a
 * bounded byte queue: what the socket does not take now waits there, and
 * what does not fit the queue is dropped and counted.  Each packet in the
 * queue is a 2-byte length and the HEP bytes for UDP (a datagram each,
 * 64 to a sendmmsg()); for TCP the queue is the stream itself, HEP3
 * packets back to back (each says its length), written in big pieces.  A TCP
 * connection that fails is made again after a backoff (100 ms doubling up
 * to 5 s); meanwhile the queue fills, then drops.  A connection the
 * collector closed while it sat idle (collectors time idle ones out) is
 * noticed before writing to it, and made again at once: nothing is
 * written into a dead connection. */
#define _GNU_SOURCE /* sendmmsg */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sipscope/hep.h"

#define QUEUE_DEFAULT (8u << 20)
#define UDP_BATCH 64 /* datagrams per sendmmsg(); also when hep_send_msg() sends */
#define TCP_WRITE (128u << 10) /* bytes queued before hep_send_msg() writes to TCP */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000

struct hep_sender {
	int tcp, version;
	uint32_t capture_id;
	const char *key;
	int wait_when_full;
	int stalled;       /* a wait for room timed out: drop until the queue empties */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int fd;            /* -1 while TCP is down */
	int connecting;    /* TCP connect() in progress */
	int64_t retry_at;  /* TCP: monotonic ms of the next connect */
	int64_t wrote_at;  /* TCP: monotonic ms of the last write */
	int backoff_ms;
	uint8_t *q;        /* [len16][bytes]... from head to tail */
	size_t cap, head, tail;
	size_t partial;    /* TCP: bytes of the head packet already written */
	size_t npending;   /* packets in the queue */
	struct mmsghdr mm[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct hep_send_stats st;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void tcp_down(struct hep_sender *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->connecting = 0;
	s->partial = 0; /* a half-written packet is sent again whole */
	s->retry_at = mono_ms() + s->backoff_ms;
	s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : s->backoff_ms * 2;
}

static int open_socket(struct hep_sender *s)
{
	int fd = socket(s->addr.ss_family, (s->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK |
	                SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (!s->tcp) {
		int sz = 4 << 20; /* room for bursts; the kernel caps it at wmem_max */
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
		/* Connected: the kernel checks the route once, and an ICMP port
		 * unreachable shows as ECONNREFUSED on a later send. */
		if (connect(fd, (struct sockaddr *)&s->addr, s->addrlen) < 0) {
			close(fd);
			return -1;
		}
	} else {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (connect(fd, (struct sockaddr *)&s->addr, s->addrlen) < 0 && errno != EINPROGRESS) {
			close(fd);
			return -1;
		}
		s->connecting = 1;
	}
	s->fd = fd;
	return 0;
}

struct hep_sender *hep_send_open(const struct hep_send_opts *o, char *err, size_t errlen)
{
	char host[256], port[16];
	int tcp;
	if (hep_url_parse(o->url, &tcp, host, sizeof host, port, sizeof port, err, errlen) < 0)
		return NULL;
	if (o->version && o->version != 2 && o->version != 3) {
		snprintf(err, errlen, "HEP version %d: give 2 or 3", o->version);
		return NULL;
	}
	if (tcp && o->version == 2) { /* a v2 packet does not say its length */
		snprintf(err, errlen, "%s: HEP v2 goes over UDP only (tcp: needs v3)", o->url);
		return NULL;
	}
	struct addrinfo hints = { .ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM }, *ai;
	int rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", o->url, gai_strerror(rc));
		return NULL;
	}
	struct hep_sender *s = calloc(1, sizeof *s);
	if (s) {
		s->cap = o->queue_bytes ? o->queue_bytes : QUEUE_DEFAULT;
		s->q = malloc(s->cap);
	}
	if (!s || !s->q) {
		freeaddrinfo(ai);
		if (s)
			free(s);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(&s->addr, ai->ai_addr, ai->ai_addrlen);
	s->addrlen = ai->ai_addrlen;
	freeaddrinfo(ai);
	s->tcp = tcp;
	s->version = o->version ? o->version : 3;
	s->capture_id = o->capture_id ? o->capture_id : HEP_DEFAULT_ID;
	s->key = o->key;
	s->wait_when_full = o->wait_when_full;
	s->backoff_ms = BACKOFF_MIN_MS;
	s->fd = -1;
	if (open_socket(s) < 0) {
		if (!tcp) {
			snprintf(err, errlen, "%s: %s", o->url, strerror(errno));
			hep_send_close(s);
			return NULL;
		}
		tcp_down(s); /* the collector may come later */
	}
	return s;
}

void hep_send_close(struct hep_sender *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s->q);
	free(s);
}

void hep_send_stats(const struct hep_sender *s, struct hep_send_stats *out) { *out = s->st; }

static size_t pkt_len(const uint8_t *p) { return (size_t)p[0] << 8 | p[1]; }

/* Bytes the queued packet at offset o takes in the queue. */
static size_t rec_len(const struct hep_sender *s, size_t o)
{
	return s->tcp ? pkt_len(s->q + o + 4) : 2 + pkt_len(s->q + o);
}

/* The peer closed the connection (or it broke): EOF or an error waits. */
static int peer_closed(int fd)
{
	char c;
	ssize_t r = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* Write queued packets until the socket would block.  Returns 1 when
 * the queue is empty. */
static int flush(struct hep_sender *s)
{
	if (s->tcp && s->fd < 0 && s->head != s->tail && mono_ms() >= s->retry_at) {
		s->st.reconnects++;
		if (open_socket(s) < 0)
			tcp_down(s);
	}
	if (s->fd < 0)
		return s->head == s->tail;
	if (s->connecting) {
		struct pollfd p = { .fd = s->fd, .events = POLLOUT };
		if (poll(&p, 1, 0) <= 0)
			return s->head == s->tail;
		int e = 0;
		socklen_t el = sizeof e;
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0 || e) {
			tcp_down(s);
			return s->head == s->tail;
		}
		s->connecting = 0;
		s->backoff_ms = BACKOFF_MIN_MS;
	}
	if (s->tcp && s->head != s->tail && mono_ms() - s->wrote_at >= 1000 && peer_closed(s->fd)) {
		/* closed while idle: connect again now, write when it is up */
		tcp_down(s);
		s->backoff_ms = BACKOFF_MIN_MS;
		s->st.reconnects++;
		if (open_socket(s) < 0)
			tcp_down(s);
		return s->head == s->tail;
	}
	while (!s->tcp && s->head != s->tail) {
		/* UDP: up to UDP_BATCH datagrams a syscall. */
		size_t k = 0;
		for (size_t o = s->head; o != s->tail && k < UDP_BATCH; k++) {
			size_t n = pkt_len(s->q + o);
			s->iov[k] = (struct iovec){ s->q + o + 2, n };
			s->mm[k].msg_hdr = (struct msghdr){ .msg_iov = &s->iov[k], .msg_iovlen = 1 };
			o += 2 + n;
		}
		int w = sendmmsg(s->fd, s->mm, (unsigned)k, MSG_DONTWAIT);
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			break;
		if (w < 0) {
			/* The collector is not there (ECONNREFUSED) or the packet
			 * was refused: this one is lost, the next may go. */
			s->st.send_errors++;
			s->st.dropped++;
			w = 1;
		} else {
			s->st.sent += (uint64_t)w;
		}
		for (int i = 0; i < w; i++)
			s->head += 2 + pkt_len(s->q + s->head);
		s->npending -= (size_t)w;
	}
	while (s->tcp && s->head != s->tail) {
		/* partial: bytes of the head packet already written */
		ssize_t w = send(s->fd, s->q + s->head + s->partial, s->tail - s->head - s->partial,
		                 MSG_NOSIGNAL);
		if (w < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				tcp_down(s);
			break;
		}
		s->partial += (size_t)w;
		if (w > 0)
			s->wrote_at = mono_ms();
		while (s->head != s->tail && s->partial >= rec_len(s, s->head)) {
			size_t n = rec_len(s, s->head);
			s->partial -= n;
			s->head += n;
			s->npending--;
			s->st.sent++;
		}
		if (s->partial)
			break; /* the socket is full */
	}
	if (s->head == s->tail) {
		s->head = s->tail = 0;
		s->stalled = 0;
	}
	return s->head == s->tail;
}

/* Room for need bytes at the tail: the queue is compacted when the
 * unsent part does not start at the front.  Returns 0 or -1. */
static int make_room(struct hep_sender *s, size_t need)
{
	/* A TCP packet being written stays where it is: partial counts
	 * from head, and moving the head packet keeps that true. */
	if (s->tail + need <= s->cap)
		return 0;
	if (s->head) { /* partial stays: it counts from the head packet */
		memmove(s->q, s->q + s->head, s->tail - s->head);
		s->tail -= s->head;
		s->head = 0;
	}
	return s->tail + need <= s->cap ? 0 : -1;
}

void hep_send_msg(struct hep_sender *s, const struct store_endpoint *src,
                  const struct store_endpoint *dst, uint8_t proto, int64_t ts_us,
                  const char *bytes, size_t len, const char *call_id, size_t call_id_len)
{
	struct hep_msg m = {
		.src = *src, .dst = *dst, .proto = proto, .proto_type = 1, .ts_us = ts_us,
		.capture_id = s->capture_id, .key = s->key, .key_len = s->key ? strlen(s->key) : 0,
		.payload = (const uint8_t *)bytes, .len = len, .correlation = call_id,
		.correlation_len = call_id_len,
	};
	/* Room for the packet at its largest (the chunk headers and fixed
	 * chunks take under 160 bytes); it is encoded in place. */
	size_t pre = s->tcp ? 0 : 2; /* UDP: the 2-byte length first */
	size_t need = pre + len + m.key_len + call_id_len + 160;
	if (need > pre + HEP_MAX_PACKET)
		need = pre + HEP_MAX_PACKET;
	if (make_room(s, need) < 0)
		flush(s);
	if (make_room(s, need) < 0 && s->wait_when_full && !s->stalled) {
		/* A file being read can wait; a live capture cannot.  A
		 * collector that takes nothing for a second is not waited for
		 * again until the queue has gone out. */
		int64_t until = mono_ms() + 1000;
		while (make_room(s, need) < 0 && mono_ms() < until) {
			if (s->fd >= 0) {
				struct pollfd p = { .fd = s->fd, .events = POLLOUT };
				poll(&p, 1, 10);
			} else {
				poll(NULL, 0, 10);
			}
			flush(s);
		}
		s->stalled = make_room(s, need) < 0;
	}
	if (make_room(s, need) < 0) {
		s->st.dropped++;
		return;
	}
	uint8_t *at = s->q + s->tail + pre;
	size_t cap = s->cap - s->tail - pre;
	long n = s->version == 2 ? hep2_encode(&m, at, cap) : hep3_encode(&m, at, cap);
	if (n < 0) {
		s->st.too_big++;
		s->st.dropped++;
		return;
	}
	if (pre) {
		at[-2] = (uint8_t)(n >> 8);
		at[-1] = (uint8_t)n;
	}
	s->tail += pre + (size_t)n;
	s->st.queued++;
	/* Sent in batches: a syscall per UDP_BATCH packets (TCP_WRITE bytes),
	 * and the rest at the caller's next hep_send_poll() (every few ms). */
	if (++s->npending >= UDP_BATCH && (!s->tcp || s->tail - s->head >= TCP_WRITE))
		flush(s);
}

void hep_send_tap(void *ctx, const struct store_endpoint *src, const struct store_endpoint *dst,
                  uint8_t proto, int64_t ts_us, const char *bytes, size_t len, const char *call_id,
                  size_t call_id_len)
{
	hep_send_msg(ctx, src, dst, proto, ts_us, bytes, len, call_id, call_id_len);
}

int hep_send_poll(struct hep_sender *s)
{
	if (flush(s))
		return -1;
	if (s->fd < 0) {
		int64_t d = s->retry_at - mono_ms();
		return d < 0 ? 0 : (int)d;
	}
	return 10; /* the socket was full: try again soon */
}

void hep_send_drain(struct hep_sender *s, int timeout_ms)
{
	int64_t until = mono_ms() + timeout_ms;
	while (!flush(s) && mono_ms() < until) {
		if (s->fd >= 0) {
			struct pollfd p = { .fd = s->fd, .events = POLLOUT };
			poll(&p, 1, 10);
		} else {
			poll(NULL, 0, 10);
		}
	}
	/* What could not go is lost: count it. */
	while (s->head != s->tail) {
		s->st.dropped++;
		s->head += rec_len(s, s->head);
	}
	s->head = s->tail = 0;
	s->npending = 0;
	s->partial = 0;
}
