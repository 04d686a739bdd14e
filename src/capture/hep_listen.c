/* hep_listen.c - the HEP collector: agents' packets from a UDP socket or
 * from TCP connections, decoded by the decoder's HEP reader (encap.c) and
 * handed on as ordinary frames with the agents' addresses and times.
 *
 * UDP datagrams are read in batches (recvmmsg) from a socket with a large
 * receive buffer; the kernel's drop count comes with them (SO_RXQ_OVFL).
 * A TCP stream is HEP3 packets back to back, each framed by its length;
 * bytes that are no HEP3 are skipped up to the next "HEP3".  Nothing an
 * agent sends can stop the collector: bad packets are counted and
 * skipped.
 *
 * Connections cannot lock agents out: one that has sent no whole HEP
 * packet (with the right key) for CONN_IDLE_NEW_US, an agent's that has
 * been quiet for CONN_IDLE_AGENT_US, and one stuck inside a packet for
 * CONN_STALL_US are closed; when the table is full, the connection quiet
 * the longest goes to admit the newcomer (if it has been quiet for
 * CONN_MIN_QUIET_US; else the newcomer is refused).  All are counted.
 *
 * The UDP socket's drop count is read from the kernel when asked
 * (SO_MEMINFO): the count a datagram carries (SO_RXQ_OVFL) is only as new
 * as the last datagram read, and drops after it would go unseen. */
#define _GNU_SOURCE /* recvmmsg, accept4 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <linux/sock_diag.h> /* SK_MEMINFO_DROPS */
#include <unistd.h>

#include "sipscope/decode.h"
#include "sipscope/hep.h"

#define UDP_BATCH 32
#define UDP_BUF 65536
#define MAX_CONNS 64
#define CONN_BUF (2 * 65536)
#define RCVBUF (32 << 20)
#define CONN_IDLE_NEW_US (30 * 1000000LL)    /* no whole packet yet */
#define CONN_IDLE_AGENT_US (600 * 1000000LL) /* an agent that sent, quiet since */
#define CONN_STALL_US (10 * 1000000LL)       /* inside one packet */
#define CONN_MIN_QUIET_US 1000000LL          /* pushed out for a newcomer */
#define DRAIN_MAX 1000000                    /* datagrams counted at exit, at most */
#define FLOWS 256 /* TCP sequence numbers kept per hop for the rebuilt frames */

struct conn {
	int fd;
	size_t len;
	uint8_t *buf;
	int64_t last_us;    /* monotonic: accepted, or its last good packet */
	int64_t partial_us; /* monotonic: the unfinished packet's first bytes, 0 none */
	int agent;          /* has sent a good packet */
};

struct flow {
	struct store_endpoint src, dst;
	uint32_t seq;
};

struct hep_listener {
	int tcp, fd;
	char name[300];
	char *key;
	size_t key_len;
	struct decoder *dec;
	/* UDP: a batch received, and the next to hand over */
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	char ctrl[UDP_BATCH][64];
	uint8_t *bufs;
	int nbatch, ibatch;
	/* TCP */
	struct conn conns[MAX_CONNS];
	size_t nconns, next_conn;
	int64_t next_sweep_us;
	struct flow flows[FLOWS];
	uint8_t frame[14 + 40 + 20 + HEP_MAX_PACKET];
	struct hep_listen_stats st;
};

struct hep_listener *hep_listen_open(const char *url, const char *key, char *err, size_t errlen)
{
	char host[256], port[16];
	int tcp;
	if (hep_url_parse(url, &tcp, host, sizeof host, port, sizeof port, err, errlen) < 0)
		return NULL;
	struct addrinfo hints = { .ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM,
	                          .ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *ai;
	int rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		snprintf(err, errlen, "--hep-listen %s: %s", url, gai_strerror(rc));
		return NULL;
	}
	struct hep_listener *l = calloc(1, sizeof *l);
	if (l) {
		l->dec = decoder_new();
		l->bufs = tcp ? NULL : malloc((size_t)UDP_BATCH * UDP_BUF);
		l->key = key ? strdup(key) : NULL;
	}
	if (!l || !l->dec || (!tcp && !l->bufs) || (key && !l->key)) {
		freeaddrinfo(ai);
		hep_listen_close(l);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->tcp = tcp;
	l->key_len = key ? strlen(key) : 0;
	snprintf(l->name, sizeof l->name, "%s", url);
	l->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (l->fd >= 0 && tcp)
		setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (l->fd >= 0 && !tcp) {
		/* Bursts wait in the kernel while we are busy; root may go past
		 * rmem_max. */
		int sz = RCVBUF;
		/* Tests force drops with a tiny buffer (documented in the man
		 * page, ENVIRONMENT). */
		const char *e = getenv("SIPSCOPE_HEP_RCVBUF");
		int test_sz = e ? atoi(e) : 0;
		if (test_sz > 0)
			setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &test_sz, sizeof test_sz);
		else if (setsockopt(l->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) < 0)
			setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
		setsockopt(l->fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
	}
	if (l->fd < 0 || bind(l->fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    (tcp && listen(l->fd, 16) < 0)) {
		snprintf(err, errlen, "--hep-listen %s: %s", url, strerror(errno));
		freeaddrinfo(ai);
		hep_listen_close(l);
		return NULL;
	}
	freeaddrinfo(ai);
	for (int i = 0; i < UDP_BATCH && !tcp; i++) {
		l->iov[i] = (struct iovec){ l->bufs + (size_t)i * UDP_BUF, UDP_BUF };
		l->msgs[i].msg_hdr.msg_iov = &l->iov[i];
		l->msgs[i].msg_hdr.msg_iovlen = 1;
	}
	return l;
}

void hep_listen_close(struct hep_listener *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd);
	for (size_t i = 0; i < l->nconns; i++) {
		close(l->conns[i].fd);
		free(l->conns[i].buf);
	}
	decoder_free(l->dec);
	free(l->bufs);
	free(l->key);
	free(l);
}

const char *hep_listen_name(const struct hep_listener *l) { return l->name; }

/* The kernel's count of datagrams the socket dropped so far (Linux 4.6+),
 * or 0 when it cannot say. */
static uint64_t kernel_drops(int fd)
{
#ifdef SO_MEMINFO
	uint32_t mi[SK_MEMINFO_VARS];
	socklen_t len = sizeof mi;
	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mi, &len) == 0 && len > SK_MEMINFO_DROPS * 4)
		return mi[SK_MEMINFO_DROPS];
#else
	(void)fd;
#endif
	return 0;
}

void hep_listen_stats(const struct hep_listener *l, struct hep_listen_stats *out)
{
	*out = l->st;
	if (!l->tcp && l->fd >= 0) {
		uint64_t d = kernel_drops(l->fd);
		if (d > out->socket_drops)
			out->socket_drops = d;
	}
}

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

uint64_t hep_listen_discard(struct hep_listener *l)
{
	uint64_t n = 0;
	if (l->tcp || l->fd < 0)
		return 0;
	/* What the batch read but did not hand over is backlog too. */
	n += (uint64_t)(l->nbatch - l->ibatch);
	l->ibatch = l->nbatch = 0;
	while (n < DRAIN_MAX) {
		for (int i = 0; i < UDP_BATCH; i++) {
			l->msgs[i].msg_hdr.msg_control = NULL;
			l->msgs[i].msg_hdr.msg_controllen = 0;
		}
		int k = recvmmsg(l->fd, l->msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (k <= 0)
			break;
		n += (uint64_t)k;
	}
	l->st.unread_at_exit += n;
	return n;
}

size_t hep_listen_fds(const struct hep_listener *l, int *fds, size_t max)
{
	size_t k = 0;
	if (k < max)
		fds[k++] = l->fd;
	for (size_t i = 0; i < l->nconns && k < max; i++)
		fds[k++] = l->conns[i].fd;
	return k;
}

static int same_ep(const struct store_endpoint *a, const struct store_endpoint *b)
{
	return a->family == b->family && a->port == b->port && !memcmp(a->addr, b->addr, 16);
}

/* The next TCP sequence number of a hop, so a rebuilt stream reads as
 * one (a hop pushed out of the table starts again at 1). */
static uint32_t flow_seq(struct hep_listener *l, const struct hep_msg *m)
{
	uint32_t h = 2166136261u;
	const uint8_t *parts[2] = { m->src.addr, m->dst.addr };
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < 16; i++)
			h = (h ^ parts[k][i]) * 16777619u;
	h = (h ^ m->src.port) * 16777619u;
	h = (h ^ m->dst.port) * 16777619u;
	struct flow *f = &l->flows[h % FLOWS];
	if (!same_ep(&f->src, &m->src) || !same_ep(&f->dst, &m->dst)) {
		f->src = m->src;
		f->dst = m->dst;
		f->seq = 1;
	}
	uint32_t seq = f->seq;
	f->seq += (uint32_t)m->len;
	return seq;
}

static int64_t wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* One HEP packet: 1 with the frame in *f, 0 when it was counted and
 * skipped (HEP of another kind, or too big), -1 when it was rejected
 * (broken, or the wrong key): nothing an agent would send. */
static int take(struct hep_listener *l, const uint8_t *p, size_t len, struct hep_frame *f)
{
	struct l4_packet pkt;
	l->st.packets++;
	enum decode_status st = decoder_hep_any(l->dec, p, len, &pkt);
	if (l->key && (st == DECODE_OK || st == DECODE_SKIP) &&
	    (pkt.hep_key_len != l->key_len || memcmp(pkt.hep_key, l->key, l->key_len))) {
		l->st.bad_key++;
		return -1;
	}
	if (st == DECODE_SKIP) {
		l->st.not_sip++;
		return 0;
	}
	if (st != DECODE_OK) {
		l->st.malformed++;
		return -1;
	}
	int64_t now = wall_us();
	struct hep_msg m = {
		.src = pkt.src, .dst = pkt.dst, .proto = pkt.proto, .proto_type = 1,
		.ts_us = pkt.hep_ts_us ? pkt.hep_ts_us : now, .payload = pkt.payload,
		.len = pkt.len,
	};
	long n = hep_frame_build(&m, m.proto == 6 ? flow_seq(l, &m) : 0, l->frame, sizeof l->frame);
	if (n < 0) {
		l->st.too_big++;
		return 0;
	}
	f->data = l->frame;
	f->len = (uint32_t)n;
	f->ts_us = m.ts_us;
	f->arrival_us = now;
	f->capture_id = pkt.hep_capture_id;
	f->version = pkt.hep;
	l->st.messages++;
	return 1;
}

static int next_udp(struct hep_listener *l, struct hep_frame *f)
{
	for (;;) {
		if (l->ibatch == l->nbatch) {
			for (int i = 0; i < UDP_BATCH; i++) {
				l->msgs[i].msg_hdr.msg_control = l->ctrl[i];
				l->msgs[i].msg_hdr.msg_controllen = sizeof l->ctrl[i];
				l->msgs[i].msg_hdr.msg_flags = 0;
			}
			int n = recvmmsg(l->fd, l->msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
			if (n <= 0)
				return 0;
			l->nbatch = n;
			l->ibatch = 0;
			/* The drop count is the socket's total so far: the last
			 * datagram carries the newest. */
			for (int i = n - 1; i >= 0; i--) {
				struct msghdr *h = &l->msgs[i].msg_hdr;
				struct cmsghdr *c;
				for (c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
					if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
						uint32_t d;
						memcpy(&d, CMSG_DATA(c), sizeof d);
						if (d > l->st.socket_drops)
							l->st.socket_drops = d;
						i = 0;
					}
				}
			}
		}
		int i = l->ibatch++;
		size_t len = l->msgs[i].msg_len;
		if (l->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
			l->st.packets++;
			l->st.malformed++;
			continue;
		}
		if (take(l, l->bufs + (size_t)i * UDP_BUF, len, f) > 0)
			return 1;
	}
}

static void conn_drop(struct hep_listener *l, size_t i)
{
	close(l->conns[i].fd);
	free(l->conns[i].buf);
	l->conns[i] = l->conns[--l->nconns];
}

/* A whole HEP3 packet at the front of c's buffer: 1 with the frame, 0
 * when more bytes are needed (skipped bad bytes and packets counted). */
static int conn_packet(struct hep_listener *l, struct conn *c, struct hep_frame *f)
{
	for (;;) {
		size_t skip = 0;
		while (skip + 4 <= c->len && memcmp(c->buf + skip, "HEP3", 4))
			skip++;
		if (skip) {
			l->st.malformed++;
			memmove(c->buf, c->buf + skip, c->len - skip);
			c->len -= skip;
		}
		if (c->len < 6)
			return 0;
		size_t total = (size_t)c->buf[4] << 8 | c->buf[5];
		if (total < 6) { /* no length: skip the magic and look again */
			l->st.malformed++;
			memmove(c->buf, c->buf + 4, c->len - 4);
			c->len -= 4;
			continue;
		}
		if (total > c->len)
			return 0;
		int got = take(l, c->buf, total, f);
		/* The frame was built from the packet: the buffer may move. */
		memmove(c->buf, c->buf + total, c->len - total);
		c->len -= total;
		c->partial_us = c->len ? mono_us() : 0; /* the next packet's clock */
		if (got >= 0) {
			c->agent = 1;
			c->last_us = mono_us();
		}
		if (got > 0)
			return 1;
	}
}

/* Close the connections that idled or stalled too long (looked at once
 * a second). */
static void conn_sweep(struct hep_listener *l, int64_t now)
{
	if (now < l->next_sweep_us)
		return;
	l->next_sweep_us = now + 1000000;
	for (size_t i = l->nconns; i-- > 0;) {
		const struct conn *c = &l->conns[i];
		int stalled = c->partial_us && now - c->partial_us >= CONN_STALL_US;
		int idle = now - c->last_us >= (c->agent ? CONN_IDLE_AGENT_US : CONN_IDLE_NEW_US);
		if (!stalled && !idle)
			continue;
		if (c->len)
			l->st.malformed++; /* the packet it never finished */
		l->st.conn_timeouts++;
		conn_drop(l, i);
	}
}

/* A table slot for a newcomer: free, or the one quiet the longest when it
 * has been quiet a while.  Returns 0, or -1 (refuse the newcomer). */
static int conn_make_room(struct hep_listener *l, int64_t now)
{
	if (l->nconns < MAX_CONNS)
		return 0;
	size_t old = 0;
	for (size_t i = 1; i < l->nconns; i++)
		if (l->conns[i].last_us < l->conns[old].last_us)
			old = i;
	if (now - l->conns[old].last_us < CONN_MIN_QUIET_US)
		return -1;
	if (l->conns[old].len)
		l->st.malformed++;
	l->st.conn_pushed_out++;
	conn_drop(l, old);
	return 0;
}

static int next_tcp(struct hep_listener *l, struct hep_frame *f)
{
	int64_t now = mono_us();
	conn_sweep(l, now);
	for (;;) { /* agents that connected */
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			break;
		uint8_t *buf = conn_make_room(l, now) == 0 ? malloc(CONN_BUF) : NULL;
		if (!buf) {
			close(fd); /* all agents busy, or no memory: refused */
			l->st.conn_refused++;
			continue;
		}
		l->conns[l->nconns++] = (struct conn){ .fd = fd, .buf = buf, .last_us = now };
		l->st.connections++;
	}
	/* Round robin, so one busy agent does not starve the others. */
	for (size_t tries = 0; tries < l->nconns; tries++) {
		size_t i = l->next_conn++ % l->nconns;
		struct conn *c = &l->conns[i];
		if (conn_packet(l, c, f))
			return 1;
		ssize_t n = read(c->fd, c->buf + c->len, CONN_BUF - c->len);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
			if (c->len)
				l->st.malformed++; /* a packet cut by the agent's close */
			conn_drop(l, i);
			tries = (size_t)-1; /* the table moved: look at all again */
			if (!l->nconns)
				return 0;
			continue;
		}
		if (n > 0) {
			c->len += (size_t)n;
			if (!c->partial_us)
				c->partial_us = now;
			if (conn_packet(l, c, f))
				return 1;
			if (!c->len)
				c->partial_us = 0;
		}
	}
	return 0;
}

int hep_listen_next(struct hep_listener *l, struct hep_frame *f)
{
	return l->tcp ? next_tcp(l, f) : next_udp(l, f);
}
