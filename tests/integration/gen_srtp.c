/* gen_srtp.c - the SRTP peer of the integration tests: turns a capture of
 * SIP calls with plain RTP into the same calls over SDES-SRTP, protected
 * with libsrtp2 from known keys.
 *
 * Usage: gen_srtp IN.pcap PLAIN.pcap SRTP.pcap SUITE [SEQ_OFFSET] [MODE]
 *   SUITE       AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32,
 *               AES_256_CM_HMAC_SHA1_80, AEAD_AES_128_GCM, AEAD_AES_256_GCM
 *   SEQ_OFFSET  added to every RTP sequence number (both outputs); "wrap":
 *               each stream's own offset, so its first packet is 100 before
 *               the sequence number wraps and the rollover counter must follow
 *   MODE        ok (default); wrongkey: the packets are protected with keys
 *               the SDP does not carry; nokey: RTP/SAVP without a=crypto
 *
 * PLAIN.pcap is IN.pcap with the sequence offset and an RTCP sender report
 * after every 50th RTP packet of a stream (from RTP port + 1, with a
 * report block on the stream coming the other way).  SRTP.pcap is the same
 * frames with each SDP on RTP/SAVP and a=crypto lines (the offer two, tags
 * 1 and 2; the answer takes tag 2, so the offerer sends with its tag 2
 * key), every RTP packet protected with srtp_protect() and every RTCP
 * packet with srtp_protect_rtcp(), using the key of the side that sends
 * it.  Ethernet / IPv4 / UDP only (what samples/ holds).
 *
 * Why libsrtp2 is the peer: Debian's sipp (sip-tester 3.6.1) plays RTP but
 * no SRTP, and kamailio relays media it does not make; no packaged peer
 * makes SDES-SRTP from keys a test chooses next to the plain RTP it came
 * from.  libsrtp2 is the library SRTP endpoints themselves use. */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <pcap/pcap.h>
#include <srtp2/srtp.h>

#define MAX_SIDES 64
#define MAX_STREAMS 64

struct side {
	uint16_t port;              /* the m= port it announced (its RTP port) */
	unsigned char key[64];      /* the key it sends with */
	srtp_t tx;
};

struct stream {
	uint16_t sport, dport;
	uint32_t ssrc;
	unsigned packets;
	uint16_t offset;
	uint32_t last_ts;
};

static struct side sides[MAX_SIDES];
static int nsides;
static struct stream streams[MAX_STREAMS];
static int nstreams;
static const char *suite;
static int key_len, wrongkey, nokey;

static void set_policy(srtp_crypto_policy_t *rtp, srtp_crypto_policy_t *rtcp)
{
	if (!strcmp(suite, "AES_CM_128_HMAC_SHA1_80")) {
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtcp);
		key_len = 30;
	} else if (!strcmp(suite, "AES_CM_128_HMAC_SHA1_32")) {
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtcp); /* RFC 4568 6.2.2 */
		key_len = 30;
	} else if (!strcmp(suite, "AES_256_CM_HMAC_SHA1_80")) {
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtcp);
		key_len = 46;
	} else if (!strcmp(suite, "AEAD_AES_128_GCM")) {
		srtp_crypto_policy_set_aes_gcm_128_16_auth(rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(rtcp);
		key_len = 28;
	} else if (!strcmp(suite, "AEAD_AES_256_GCM")) {
		srtp_crypto_policy_set_aes_gcm_256_16_auth(rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(rtcp);
		key_len = 44;
	} else {
		fprintf(stderr, "gen_srtp: unknown suite %s\n", suite);
		exit(2);
	}
}

/* A known key: tag and port make each one different. */
static void make_key(unsigned char *k, uint16_t port, int tag)
{
	for (int i = 0; i < key_len; i++)
		k[i] = (unsigned char)(port * 7 + tag * 31 + i * 13 + (wrongkey ? 101 : 0));
}

static struct side *side_of(uint16_t port)
{
	for (int i = 0; i < nsides; i++)
		if (sides[i].port == port)
			return &sides[i];
	return NULL;
}

static struct side *side_new(uint16_t port, int tag)
{
	struct side *s = side_of(port);
	if (s) /* the same SDP again: the sender goes on with its session */
		return s;
	if (nsides == MAX_SIDES)
		exit(3);
	s = &sides[nsides++];
	memset(s, 0, sizeof *s);
	s->port = port;
	make_key(s->key, port, tag);
	if (wrongkey)
		s->key[0] ^= 0x55;
	srtp_policy_t p;
	memset(&p, 0, sizeof p);
	set_policy(&p.rtp, &p.rtcp);
	p.ssrc.type = ssrc_any_outbound;
	p.key = s->key;
	p.window_size = 1024;
	p.allow_repeat_tx = 1; /* RFC 4733 end packets are sent three times */
	if (srtp_create(&s->tx, &p) != srtp_err_status_ok) {
		fprintf(stderr, "gen_srtp: srtp_create failed for %s\n", suite);
		exit(3);
	}
	return s;
}

static void b64(const unsigned char *k, int n, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, k, n);
}

static uint16_t csum(const uint8_t *b, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Ethernet + IPv4 + UDP around payload, from a template frame's headers. */
static void put(pcap_dumper_t *d, const struct pcap_pkthdr *h, const uint8_t *tmpl, uint16_t sport,
                uint16_t dport, const uint8_t *payload, size_t n)
{
	static uint8_t f[70000];
	memcpy(f, tmpl, 34);
	f[14 + 2] = (uint8_t)((20 + 8 + n) >> 8);
	f[14 + 3] = (uint8_t)(20 + 8 + n);
	f[14 + 10] = f[14 + 11] = 0;
	uint16_t c = csum(f + 14, 20);
	f[14 + 10] = (uint8_t)(c >> 8);
	f[14 + 11] = (uint8_t)c;
	uint8_t *u = f + 34;
	u[0] = (uint8_t)(sport >> 8);
	u[1] = (uint8_t)sport;
	u[2] = (uint8_t)(dport >> 8);
	u[3] = (uint8_t)dport;
	u[4] = (uint8_t)((8 + n) >> 8);
	u[5] = (uint8_t)(8 + n);
	u[6] = u[7] = 0;
	memcpy(u + 8, payload, n);
	struct pcap_pkthdr o = *h;
	o.caplen = o.len = (bpf_u_int32)(42 + n);
	pcap_dump((u_char *)d, &o, f);
}

/* The SDP of a SIP message on RTP/SAVP with a=crypto lines; returns the
 * new length.  An offer (a request) gets tags 1 and 2, an answer tag 2. */
static size_t rewrite_sip(const uint8_t *in, size_t n, uint8_t *out, size_t cap, int *port_out)
{
	const char *body = memmem(in, n, "\r\n\r\nv=", 6);
	const char *m = memmem(in, n, "\r\nm=audio ", 10);
	*port_out = 0;
	if (!body || !m)
		return 0;
	body += 4;
	int port = atoi(m + 10);
	int offer = memcmp(in, "SIP/2.0", 7) != 0;
	char crypto[512] = "", k64[128];
	unsigned char k[64];
	if (!nokey) {
		for (int tag = offer ? 1 : 2; tag <= 2; tag++) {
			make_key(k, (uint16_t)port, tag);
			b64(k, key_len, k64);
			size_t l = strlen(crypto);
			snprintf(crypto + l, sizeof crypto - l, "a=crypto:%d %s inline:%s|2^31\r\n", tag, suite, k64);
		}
	}
	/* Build the new body: up to the m= line's end with AVP -> SAVP. */
	char nb[4096];
	size_t o = 0;
	const char *p = body, *end = (const char *)in + n;
	for (; p < end;) {
		const char *nl = memmem(p, (size_t)(end - p), "\r\n", 2);
		const char *le = nl ? nl + 2 : end;
		if (p == m + 2) {
			const char *avp = memmem(p, (size_t)(le - p), "RTP/AVP", 7);
			o += (size_t)snprintf(nb + o, sizeof nb - o, "%.*sRTP/SAVP%.*s%s", (int)(avp - p), p,
			                      (int)(le - avp - 7), avp + 7, crypto);
		} else {
			memcpy(nb + o, p, (size_t)(le - p));
			o += (size_t)(le - p);
		}
		p = le;
	}
	/* Headers with the new Content-Length. */
	size_t hl = (size_t)(body - (const char *)in), w = 0;
	const char *cl = memmem(in, hl, "\r\nContent-Length:", 17);
	const char *cle = cl ? memmem(cl + 2, hl - (size_t)(cl + 2 - (const char *)in), "\r\n", 2) : NULL;
	if (!cl || !cle || hl + o + 32 > cap)
		return 0;
	w = (size_t)(cl - (const char *)in);
	memcpy(out, in, w);
	w += (size_t)snprintf((char *)out + w, cap - w, "\r\nContent-Length: %zu", o);
	memcpy(out + w, cle, hl - (size_t)(cle - (const char *)in));
	w += hl - (size_t)(cle - (const char *)in);
	memcpy(out + w, nb, o);
	*port_out = port;
	return w + o;
}

static struct stream *stream_of(uint16_t sport, uint16_t dport, uint32_t ssrc)
{
	for (int i = 0; i < nstreams; i++)
		if (streams[i].sport == sport && streams[i].dport == dport && streams[i].ssrc == ssrc)
			return &streams[i];
	if (nstreams == MAX_STREAMS)
		exit(3);
	struct stream *s = &streams[nstreams++];
	memset(s, 0, sizeof *s);
	s->sport = sport;
	s->dport = dport;
	s->ssrc = ssrc;
	return s;
}

static void be32put(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: gen_srtp IN.pcap PLAIN.pcap SRTP.pcap SUITE [SEQ_OFFSET] [ok|wrongkey|nokey]\n");
		return 2;
	}
	suite = argv[4];
	int wrap = argc > 5 && !strcmp(argv[5], "wrap");
	unsigned offset = argc > 5 && !wrap ? (unsigned)strtoul(argv[5], NULL, 10) : 0;
	const char *mode = argc > 6 ? argv[6] : "ok";
	wrongkey = !strcmp(mode, "wrongkey");
	nokey = !strcmp(mode, "nokey");
	srtp_policy_t probe;
	set_policy(&probe.rtp, &probe.rtcp);
	if (srtp_init() != srtp_err_status_ok)
		return 3;
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *in = pcap_open_offline(argv[1], err);
	if (!in) {
		fprintf(stderr, "gen_srtp: %s\n", err);
		return 1;
	}
	pcap_dumper_t *plain = pcap_dump_open(in, argv[2]), *sec = pcap_dump_open(in, argv[3]);
	if (!plain || !sec) {
		fprintf(stderr, "gen_srtp: %s\n", pcap_geterr(in));
		return 1;
	}
	struct pcap_pkthdr *h;
	const u_char *f;
	static uint8_t buf[70000], pbuf[70000];
	unsigned rtp = 0, rtcp = 0;
	while (pcap_next_ex(in, &h, &f) == 1) {
		if (h->caplen < 42 || f[12] != 0x08 || f[13] != 0 || f[14 + 9] != 17) {
			pcap_dump((u_char *)plain, h, f);
			pcap_dump((u_char *)sec, h, f);
			continue;
		}
		uint16_t sport = (uint16_t)(f[34] << 8 | f[35]), dport = (uint16_t)(f[36] << 8 | f[37]);
		const uint8_t *pl = f + 42;
		size_t n = h->caplen - 42;
		int port;
		if (n > 7 && (memmem(pl, n < 64 ? n : 64, "SIP/2.0", 7))) {
			size_t w = rewrite_sip(pl, n, buf, sizeof buf, &port);
			pcap_dump((u_char *)plain, h, f);
			if (w) {
				side_new((uint16_t)port, 2); /* offer: its tag 2 key; answer: its one key */
				put(sec, h, f, sport, dport, buf, w);
			} else {
				pcap_dump((u_char *)sec, h, f);
			}
			continue;
		}
		struct side *sd = side_of(sport);
		if (!sd || n < 12 || (pl[0] & 0xc0) != 0x80 || (pl[1] >= 200 && pl[1] <= 204)) {
			pcap_dump((u_char *)plain, h, f);
			pcap_dump((u_char *)sec, h, f);
			continue;
		}
		/* RTP: the sequence offset in both, then protected. */
		memcpy(pbuf, pl, n);
		uint32_t ssrc = (uint32_t)pbuf[8] << 24 | (uint32_t)pbuf[9] << 16 | (uint32_t)pbuf[10] << 8 | pbuf[11];
		struct stream *st = stream_of(sport, dport, ssrc);
		if (!st->packets)
			st->offset = (uint16_t)(wrap ? 65436u - (unsigned)(pbuf[2] << 8 | pbuf[3]) : offset);
		uint16_t seq = (uint16_t)((pbuf[2] << 8 | pbuf[3]) + st->offset);
		pbuf[2] = (uint8_t)(seq >> 8);
		pbuf[3] = (uint8_t)seq;
		put(plain, h, f, sport, dport, pbuf, n);
		memcpy(buf, pbuf, n);
		int len = (int)n;
		if (srtp_protect(sd->tx, buf, &len) != srtp_err_status_ok) {
			fprintf(stderr, "gen_srtp: srtp_protect failed\n");
			return 3;
		}
		put(sec, h, f, sport, dport, buf, (size_t)len);
		rtp++;
		st->last_ts = (uint32_t)pbuf[4] << 24 | (uint32_t)pbuf[5] << 16 | (uint32_t)pbuf[6] << 8 | pbuf[7];
		if (++st->packets % 50)
			continue;
		/* RFC 3550 6.4.1: an SR with one report block about the stream
		 * coming the other way (sipp uses one SSRC both ways). */
		uint8_t r[52];
		memset(r, 0, sizeof r);
		r[0] = 0x81;
		r[1] = 200;
		r[3] = 12; /* 13 words - 1 */
		be32put(r + 4, ssrc);
		be32put(r + 8, 0xe0000000u + st->packets);  /* NTP seconds */
		be32put(r + 12, (uint32_t)st->packets << 16); /* NTP fraction */
		be32put(r + 16, st->last_ts);
		be32put(r + 20, st->packets);
		be32put(r + 24, st->packets * 160);
		be32put(r + 28, ssrc);                      /* the block: the other way */
		be32put(r + 32, (3u << 24) | st->packets / 50); /* 3/256 lost, cumulative */
		be32put(r + 36, 65536u + st->packets);      /* highest sequence */
		be32put(r + 40, 40);                        /* jitter, clock units */
		struct pcap_pkthdr rh = *h;
		rh.ts.tv_usec += 1;
		if (rh.ts.tv_usec >= 1000000) {
			rh.ts.tv_usec -= 1000000;
			rh.ts.tv_sec++;
		}
		put(plain, &rh, f, (uint16_t)(sport + 1), (uint16_t)(dport + 1), r, sizeof r);
		memcpy(buf, r, sizeof r);
		len = (int)sizeof r;
		if (srtp_protect_rtcp(sd->tx, buf, &len) != srtp_err_status_ok) {
			fprintf(stderr, "gen_srtp: srtp_protect_rtcp failed\n");
			return 3;
		}
		put(sec, &rh, f, (uint16_t)(sport + 1), (uint16_t)(dport + 1), buf, (size_t)len);
		rtcp++;
	}
	pcap_dump_close(plain);
	pcap_dump_close(sec);
	pcap_close(in);
	for (int i = 0; i < nsides; i++)
		srtp_dealloc(sides[i].tx);
	printf("%u RTP, %u RTCP packets protected with %s\n", rtp, rtcp, suite);
	return 0;
}
