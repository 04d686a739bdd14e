/* hep_gen.c - a HEP agent for the collector benchmark: the SIP messages
 * of a capture, each encoded as HEP3 (hep3_encode) with its addresses and
 * time, sent to a UDP collector at a fixed rate.
 *
 *   hep_gen CAPTURE HOST PORT RATE SECONDS [CAPTURE_ID]
 *
 * Messages go out in bursts every millisecond (sendmmsg), so the rate
 * holds without a syscall per packet.  The capture is read again from
 * the start when it runs out.  Prints what was sent and the rate reached. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sipscope/decode.h"
#include "sipscope/hep.h"
#include "sipscope/pcap_src.h"

#define BURST_MAX 1024

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The next SIP-looking UDP payload of the capture, encoded; reopens the
 * file at its end.  Returns the length, or -1. */
static long next_packet(struct pcap_src **src, const char *path, struct decoder *d, uint32_t id,
                        uint8_t *out, size_t cap)
{
	char err[256];
	for (int reopened = 0;;) {
		struct frame f;
		int r = pcap_src_next(*src, &f);
		if (r == PCAP_SRC_END) {
			if (reopened++)
				return -1;
			pcap_src_close(*src);
			*src = pcap_src_open(&path, 1, err, sizeof err);
			if (!*src)
				return -1;
			continue;
		}
		if (r != PCAP_SRC_FRAME)
			continue;
		struct l4_packet p;
		if (decoder_frame(d, f.dlt, f.data, f.caplen, f.ts_us, &p) != DECODE_OK ||
		    p.proto != 17 || p.len < 8)
			continue;
		const char *cid = memmem(p.payload, p.len, "\r\nCall-ID: ", 11);
		const char *end = cid ? memmem(cid + 11, p.len - (size_t)((const uint8_t *)cid + 11 - p.payload), "\r\n", 2) : NULL;
		struct hep_msg m = {
			.src = p.src, .dst = p.dst, .proto = 17, .proto_type = 1, .ts_us = f.ts_us,
			.capture_id = id, .payload = p.payload, .len = p.len,
			.correlation = end ? cid + 11 : NULL,
			.correlation_len = end ? (size_t)(end - (cid + 11)) : 0,
		};
		long n = hep3_encode(&m, out, cap);
		if (n > 0)
			return n;
	}
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: hep_gen CAPTURE HOST PORT RATE SECONDS [CAPTURE_ID]\n");
		return 2;
	}
	const char *path = argv[1];
	double rate = atof(argv[4]), secs = atof(argv[5]);
	uint32_t id = argc > 6 ? (uint32_t)strtoul(argv[6], NULL, 10) : 1;
	char err[256];
	struct pcap_src *src = pcap_src_open((const char *const *)&path, 1, err, sizeof err);
	struct decoder *d = decoder_new();
	if (!src || !d) {
		fprintf(stderr, "hep_gen: %s\n", err);
		return 2;
	}
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[3])) };
	if (fd < 0 || inet_pton(AF_INET, argv[2], &a.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		perror("hep_gen");
		return 2;
	}
	int sz = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
	static uint8_t bufs[BURST_MAX][2048];
	static struct mmsghdr msgs[BURST_MAX];
	static struct iovec iov[BURST_MAX];
	uint64_t sent = 0, failed = 0, total = (uint64_t)(rate * secs);
	double t0 = now_s();
	while (sent + failed < total) {
		/* Where the schedule says we should be by now, in whole packets. */
		double el = now_s() - t0;
		uint64_t due = (uint64_t)(el * rate) + 1;
		if (due > total)
			due = total;
		if (due <= sent + failed) {
			struct timespec ts = { 0, 200000 };
			nanosleep(&ts, NULL);
			continue;
		}
		size_t n = due - sent - failed > BURST_MAX ? BURST_MAX : (size_t)(due - sent - failed);
		for (size_t i = 0; i < n; i++) {
			long len = next_packet(&src, path, d, id, bufs[i], sizeof bufs[i]);
			if (len < 0) {
				fprintf(stderr, "hep_gen: no SIP over UDP in %s\n", path);
				return 2;
			}
			iov[i] = (struct iovec){ bufs[i], (size_t)len };
			msgs[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
		}
		int k = sendmmsg(fd, msgs, (unsigned)n, 0);
		if (k < 0) {
			failed++; /* the first was refused: skip it, go on */
			continue;
		}
		sent += (uint64_t)k;
	}
	double el = now_s() - t0;
	printf("hep_gen: sent %llu HEP3 packets in %.2f s (%.0f/s), %llu refused\n",
	       (unsigned long long)sent, el, (double)sent / el, (unsigned long long)failed);
	pcap_src_close(src);
	decoder_free(d);
	close(fd);
	return 0;
}
