/* parser_bench.c - how fast the SIP parser frames messages, and what the
 * structured header parsers (sip_hdr.h) add on top.
 *
 * Build and run (one core; -O2 like the library):
 *   make BUILD=build/h2 all
 *   cc -std=c11 -O2 -Iinclude -D_DEFAULT_SOURCE -o /tmp/parser_bench \
 *      tests/bench/parser_bench.c build/h2/libsipscope.a
 *   /tmp/parser_bench [RUNS] [SECONDS_PER_RUN]     (defaults: 5 runs, 0.3 s)
 * or without the library:
 *   cc -std=c11 -O2 -Iinclude -D_DEFAULT_SOURCE -o /tmp/parser_bench \
 *      tests/bench/parser_bench.c src/sip/sip_[a-z]*.c
 *
 * The messages are built here: a call (INVITE with SDP of ~900 bytes,
 * 100 Trying, 180 Ringing, 200 OK with SDP, ACK, BYE, 200 OK), a
 * registration (REGISTER, 401 with a digest challenge, REGISTER with
 * credentials, 200 OK) and a keep-alive (OPTIONS, 200 OK).  Each mix is
 * laid out back to back many times (about 1 MB, as a capture's packets
 * would be), every message parsed as one datagram.  For each mix:
 *   sip_parse    - sip_parse() alone (framing, header table, top Via,
 *                  tags, CSeq: what the ingest path runs);
 *   +hdrs        - the same plus sip_hdr parsing of every Via, From, To,
 *                  every Contact and CSeq;
 * as messages/s and MB/s (10^6 bytes of SIP text per second), the best of
 * RUNS runs, pinned to CPU 0 where the system allows it; "cost" is what
 * +hdrs adds in time.  The last line checks the target: sip_parse alone
 * >= 1 GB/s on the whole mix. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __linux__
#include <sched.h>
#endif

#include "sipscope/sip.h"
#include "sipscope/sip_hdr.h"

#define MAXH 64

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- the messages --------------------------------------------------------- */

static const char sdp_offer[] =
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\n"
	"s=Session SDP\r\n"
	"c=IN IP4 192.0.2.101\r\n"
	"t=0 0\r\n"
	"m=audio 49172 RTP/AVP 0 8 9 18 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:9 G722/8000\r\n"
	"a=rtpmap:18 G729/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-16\r\n"
	"a=sendrecv\r\n";

static const char sdp_answer[] =
	"v=0\r\n"
	"o=bob 2808844564 2808844564 IN IP4 biloxi.example.com\r\n"
	"s=Session SDP\r\n"
	"c=IN IP4 192.0.2.201\r\n"
	"t=0 0\r\n"
	"m=audio 3456 RTP/AVP 0 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-16\r\n"
	"a=sendrecv\r\n";

#define VIA1 "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r\n"
#define VIA2 "Via: SIP/2.0/UDP proxy.atlanta.example.com;branch=z9hG4bK4b43c2ff8.1;received=192.0.2.3\r\n"
#define FROM "From: \"Alice Liddell\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
#define TO "To: \"Bob\" <sip:bob@biloxi.example.com>\r\n"
#define TOTAG "To: \"Bob\" <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
#define CALLID "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
#define ALLOW "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO, UPDATE\r\n"
#define UA "User-Agent: SoftPhone/4.2.1 (Linux x86_64)\r\n"
#define SRV "Server: PBX/18.3.0\r\n"

/* Message text with Content-Length filled in. */
static char *msg(const char *head, const char *body)
{
	size_t blen = body ? strlen(body) : 0;
	size_t n = strlen(head) + blen + 64;
	char *m = malloc(n);
	if (!m) {
		fprintf(stderr, "parser_bench: out of memory\n");
		exit(2);
	}
	snprintf(m, n, "%sContent-Length: %zu\r\n\r\n%s", head, blen, body ? body : "");
	return m;
}

struct mix {
	const char *name;
	char *msgs[16];
	size_t n;
};

static void build(struct mix *call, struct mix *reg, struct mix *opt)
{
	call->name = "call";
	call->msgs[call->n++] = msg(
		"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n" VIA1
		"Max-Forwards: 70\r\n" TO FROM CALLID
		"CSeq: 314159 INVITE\r\n"
		"Contact: <sip:alice@pc33.atlanta.example.com;transport=udp>;+sip.instance=\"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>\"\r\n"
		ALLOW "Supported: replaces, timer, 100rel\r\n" UA
		"Content-Type: application/sdp\r\n", sdp_offer);
	call->msgs[call->n++] = msg(
		"SIP/2.0 100 Trying\r\n" VIA1 TO FROM CALLID "CSeq: 314159 INVITE\r\n" SRV, NULL);
	call->msgs[call->n++] = msg(
		"SIP/2.0 180 Ringing\r\n" VIA1 TOTAG FROM CALLID "CSeq: 314159 INVITE\r\n"
		"Contact: <sip:bob@192.0.2.4:5060>\r\n" SRV, NULL);
	call->msgs[call->n++] = msg(
		"SIP/2.0 200 OK\r\n" VIA1 TOTAG FROM CALLID "CSeq: 314159 INVITE\r\n"
		"Contact: <sip:bob@192.0.2.4:5060>\r\n" ALLOW "Supported: replaces, timer\r\n" SRV
		"Content-Type: application/sdp\r\n", sdp_answer);
	call->msgs[call->n++] = msg(
		"ACK sip:bob@192.0.2.4:5060 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bKnashds9;rport\r\n"
		"Max-Forwards: 70\r\n" TOTAG FROM CALLID "CSeq: 314159 ACK\r\n" UA, NULL);
	call->msgs[call->n++] = msg(
		"BYE sip:alice@pc33.atlanta.example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKnashds10;rport\r\n"
		"Max-Forwards: 70\r\n"
		"From: \"Bob\" <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
		"To: \"Alice Liddell\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
		CALLID "CSeq: 231 BYE\r\n" SRV, NULL);
	call->msgs[call->n++] = msg(
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKnashds10;rport=5060;received=192.0.2.4\r\n"
		"From: \"Bob\" <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
		"To: \"Alice Liddell\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
		CALLID "CSeq: 231 BYE\r\n" UA, NULL);

	reg->name = "register";
	const char *rh =
		"From: <sip:bob@biloxi.example.com>;tag=456248\r\n"
		"To: <sip:bob@biloxi.example.com>\r\n"
		"Call-ID: 843817637684230@998sdasdh09\r\n";
	char head[2048];
	snprintf(head, sizeof head,
		"REGISTER sip:registrar.biloxi.example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7;rport\r\n"
		"Max-Forwards: 70\r\n%sCSeq: 1826 REGISTER\r\n"
		"Contact: <sip:bob@192.0.2.4>;expires=3600\r\n" UA, rh);
	reg->msgs[reg->n++] = msg(head, NULL);
	snprintf(head, sizeof head,
		"SIP/2.0 401 Unauthorized\r\n"
		"Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7;rport=5060;received=192.0.2.4\r\n"
		"From: <sip:bob@biloxi.example.com>;tag=456248\r\n"
		"To: <sip:bob@biloxi.example.com>;tag=2493k59kd\r\n"
		"Call-ID: 843817637684230@998sdasdh09\r\n"
		"CSeq: 1826 REGISTER\r\n"
		"WWW-Authenticate: Digest realm=\"biloxi.example.com\", qop=\"auth\", "
		"nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", "
		"algorithm=MD5\r\n" SRV);
	reg->msgs[reg->n++] = msg(head, NULL);
	snprintf(head, sizeof head,
		"REGISTER sip:registrar.biloxi.example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds8;rport\r\n"
		"Max-Forwards: 70\r\n%sCSeq: 1827 REGISTER\r\n"
		"Contact: <sip:bob@192.0.2.4>;expires=3600\r\n"
		"Authorization: Digest username=\"bob\", realm=\"biloxi.example.com\", "
		"nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"sip:registrar.biloxi.example.com\", "
		"qop=auth, nc=00000001, cnonce=\"0a4f113b\", response=\"6629fae49393a05397450978507c4ef1\", "
		"opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", algorithm=MD5\r\n" UA, rh);
	reg->msgs[reg->n++] = msg(head, NULL);
	reg->msgs[reg->n++] = msg(
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds8;rport=5060;received=192.0.2.4\r\n"
		"From: <sip:bob@biloxi.example.com>;tag=456248\r\n"
		"To: <sip:bob@biloxi.example.com>;tag=2493k59kd\r\n"
		"Call-ID: 843817637684230@998sdasdh09\r\n"
		"CSeq: 1827 REGISTER\r\n"
		"Contact: <sip:bob@192.0.2.4>;expires=3600, <sip:bob@[2001:db8::4]:5060>;expires=1800;q=0.5\r\n"
		"Date: Sat, 13 Nov 2010 23:29:00 GMT\r\n" SRV, NULL);

	opt->name = "options";
	opt->msgs[opt->n++] = msg(
		"OPTIONS sip:carol@chicago.example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bKhjhs8ass877;rport\r\n"
		"Max-Forwards: 70\r\n"
		"To: <sip:carol@chicago.example.com>\r\n"
		"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
		"Call-ID: a84b4c76e66710-opt@pc33.atlanta.example.com\r\n"
		"CSeq: 63104 OPTIONS\r\n"
		"Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
		"Accept: application/sdp\r\n" UA, NULL);
	opt->msgs[opt->n++] = msg(
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bKhjhs8ass877;rport=5060;received=192.0.2.101\r\n"
		"To: <sip:carol@chicago.example.com>;tag=93810874\r\n"
		"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
		"Call-ID: a84b4c76e66710-opt@pc33.atlanta.example.com\r\n"
		"CSeq: 63104 OPTIONS\r\n"
		"Contact: <sip:carol@chicago.example.com>\r\n"
		ALLOW "Accept: application/sdp\r\n" SRV, NULL);
}

/* ---- the runs ------------------------------------------------------------- */

struct layout {
	char *buf;
	size_t *off, *len;
	size_t nmsgs, bytes;
};

/* The mixes' messages back to back, repeated to about `target` bytes. */
static void lay_out(struct mix *const *mixes, size_t nmix, size_t target, struct layout *l)
{
	size_t per = 0, nper = 0;
	for (size_t i = 0; i < nmix; i++)
		for (size_t j = 0; j < mixes[i]->n; j++, nper++)
			per += strlen(mixes[i]->msgs[j]);
	size_t reps = target / per + 1;
	l->nmsgs = reps * nper;
	l->bytes = reps * per;
	l->buf = malloc(l->bytes);
	l->off = malloc(l->nmsgs * sizeof *l->off);
	l->len = malloc(l->nmsgs * sizeof *l->len);
	if (!l->buf || !l->off || !l->len) {
		fprintf(stderr, "parser_bench: out of memory\n");
		exit(2);
	}
	size_t at = 0, k = 0;
	for (size_t r = 0; r < reps; r++)
		for (size_t i = 0; i < nmix; i++)
			for (size_t j = 0; j < mixes[i]->n; j++, k++) {
				size_t n = strlen(mixes[i]->msgs[j]);
				memcpy(l->buf + at, mixes[i]->msgs[j], n);
				l->off[k] = at;
				l->len[k] = n;
				at += n;
			}
}

static volatile uint64_t sink;

/* One pass over the layout; returns a checksum so nothing is optimised out. */
static uint64_t pass(const struct layout *l, int hdrs)
{
	static struct sip_header h[MAXH];
	uint64_t sum = 0;
	for (size_t i = 0; i < l->nmsgs; i++) {
		struct sip_msg m;
		int n = sip_parse(l->buf + l->off[i], l->len[i], SIP_PARSE_DATAGRAM, &m, h, MAXH);
		if (n <= 0 || m.malformed) {
			fprintf(stderr, "parser_bench: message %zu does not parse (%s)\n", i,
			        m.malformed ? m.malformed : "not SIP");
			exit(1);
		}
		sum += (uint64_t)n + m.cseq + m.branch.len;
		if (!hdrs)
			continue;
		struct sip_via vias[8];
		struct sip_addr from, to, contacts[4];
		struct sip_cseq cs;
		struct sip_list_count c;
		size_t nv = sip_via_all(&m, vias, 8, &c);
		if (nv == 0 || c.malformed ||
		    sip_addr_parse(sip_header_get(&m, SIP_H_FROM), &from) < 0 ||
		    sip_addr_parse(sip_header_get(&m, SIP_H_TO), &to) < 0 ||
		    sip_cseq_parse(sip_header_get(&m, SIP_H_CSEQ), &cs) < 0) {
			fprintf(stderr, "parser_bench: message %zu: header does not parse\n", i);
			exit(1);
		}
		size_t nc = sip_addr_all(&m, SIP_H_CONTACT, NULL, contacts, 4, &c);
		if (c.malformed) {
			fprintf(stderr, "parser_bench: message %zu: Contact does not parse\n", i);
			exit(1);
		}
		sum += nv + nc + vias[0].port + from.tag.len + to.tag.len + cs.seq;
	}
	return sum;
}

/* Best of `runs` runs of at least `secs` seconds each: seconds per pass. */
static double best(const struct layout *l, int hdrs, int runs, double secs)
{
	double bestt = 1e30;
	sink += pass(l, hdrs); /* warm up */
	for (int r = 0; r < runs; r++) {
		size_t passes = 0;
		double t0 = now(), dt;
		do {
			sink += pass(l, hdrs);
			passes++;
			dt = now() - t0;
		} while (dt < secs);
		if (dt / (double)passes < bestt)
			bestt = dt / (double)passes;
	}
	return bestt;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 5;
	double secs = argc > 2 ? atof(argv[2]) : 0.3;
	if (runs < 1 || secs <= 0) {
		fprintf(stderr, "usage: parser_bench [RUNS] [SECONDS_PER_RUN]\n");
		return 2;
	}
#ifdef __linux__
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	int pinned = sched_setaffinity(0, sizeof set, &set) == 0;
#else
	int pinned = 0;
#endif
	struct mix call = { 0 }, reg = { 0 }, opt = { 0 };
	build(&call, &reg, &opt);
	printf("parser_bench: best of %d runs of >= %.2f s%s\n", runs, secs,
	       pinned ? ", pinned to CPU 0" : "");
	printf("messages:");
	struct mix *allm[] = { &call, &reg, &opt };
	for (size_t i = 0; i < 3; i++)
		for (size_t j = 0; j < allm[i]->n; j++)
			printf(" %zu", strlen(allm[i]->msgs[j]));
	printf(" bytes\n\n");
	printf("%-9s %6s %9s | %12s %9s | %12s %9s %7s\n", "mix", "msgs", "bytes/msg",
	       "sip_parse/s", "MB/s", "+hdrs msg/s", "MB/s", "cost");
	double all_mbs = 0;
	struct {
		const char *name;
		struct mix *m[3];
		size_t n;
	} mixes[] = {
		{ "call", { &call }, 1 },
		{ "register", { &reg }, 1 },
		{ "options", { &opt }, 1 },
		{ "all", { &call, &reg, &opt }, 3 },
	};
	for (size_t i = 0; i < sizeof mixes / sizeof mixes[0]; i++) {
		struct layout l;
		lay_out(mixes[i].m, mixes[i].n, 1u << 20, &l);
		double t0 = best(&l, 0, runs, secs);
		double t1 = best(&l, 1, runs, secs);
		printf("%-9s %6zu %9.0f | %12.0f %9.0f | %12.0f %9.0f %6.0f%%\n", mixes[i].name,
		       l.nmsgs, (double)l.bytes / (double)l.nmsgs, (double)l.nmsgs / t0,
		       (double)l.bytes / t0 / 1e6, (double)l.nmsgs / t1, (double)l.bytes / t1 / 1e6,
		       (t1 / t0 - 1) * 100);
		all_mbs = (double)l.bytes / t0 / 1e6;
		free(l.buf);
		free(l.off);
		free(l.len);
	}
	printf("\nsip_parse alone on the whole mix: %.0f MB/s, target >= 1000 MB/s: %s\n", all_mbs,
	       all_mbs >= 1000 ? "PASS" : "FAIL");
	for (size_t i = 0; i < 3; i++)
		for (size_t j = 0; j < allm[i]->n; j++)
			free(allm[i]->msgs[j]);
	return 0;
}
