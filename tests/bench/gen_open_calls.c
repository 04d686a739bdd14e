/* gen_open_calls.c - a capture of calls that never end, for the
 * --max-calls bench (open_calls_bench.sh): N answered calls (INVITE,
 * 200 OK, ACK over UDP/IPv4), none hung up, one every 100 us.  Classic
 * pcap, Ethernet, checksums left 0 (UDP allows it; the IPv4 one is set).
 * Only bytes written to a file; nothing is sent.
 *
 *   usage: gen_open_calls CALLS FILE */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static FILE *out;

static void put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); } /* pcap: host order */

static void packet(uint64_t ts_us, int from_a, const char *sip, size_t len)
{
	uint8_t h[16 + 14 + 20 + 8];
	size_t ip_len = 20 + 8 + len;
	put_u32(h, (uint32_t)(ts_us / 1000000));
	put_u32(h + 4, (uint32_t)(ts_us % 1000000));
	put_u32(h + 8, (uint32_t)(14 + ip_len));
	put_u32(h + 12, (uint32_t)(14 + ip_len));
	uint8_t *e = h + 16;
	memcpy(e, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00", 14);
	uint8_t *ip = e + 14;
	memset(ip, 0, 28);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(ip_len >> 8);
	ip[3] = (uint8_t)ip_len;
	ip[8] = 64;
	ip[9] = 17;
	uint8_t a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };
	memcpy(ip + 12, from_a ? a : b, 4);
	memcpy(ip + 16, from_a ? b : a, 4);
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8);
	ip[11] = (uint8_t)~sum;
	uint8_t *udp = ip + 20;
	udp[0] = 0x13, udp[1] = 0xc4; /* 5060 */
	udp[2] = 0x13, udp[3] = 0xc4;
	udp[4] = (uint8_t)((8 + len) >> 8);
	udp[5] = (uint8_t)(8 + len);
	fwrite(h, 1, sizeof h, out);
	fwrite(sip, 1, len, out);
}

int main(int argc, char **argv)
{
	if (argc != 3 || atol(argv[1]) <= 0) {
		fprintf(stderr, "usage: gen_open_calls CALLS FILE\n");
		return 2;
	}
	long n = atol(argv[1]);
	out = fopen(argv[2], "wb");
	if (!out) {
		perror(argv[2]);
		return 2;
	}
	uint8_t gh[24] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0 };
	put_u32(gh + 16, 65535);
	put_u32(gh + 20, 1);
	fwrite(gh, 1, sizeof gh, out);
	char m[1024];
	uint64_t t = 1700000000ULL * 1000000;
	for (long i = 0; i < n; i++, t += 100) {
		static const char *fmt[3] = {
			"INVITE sip:b%ld@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-i%ld\r\n"
			"From: <sip:a@10.0.0.1>;tag=a%ld\r\nTo: <sip:b%ld@10.0.0.2>\r\nCall-ID: open-%ld\r\n"
			"CSeq: 1 INVITE\r\nContact: <sip:a@10.0.0.1>\r\nContent-Length: 0\r\n\r\n",
			"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-i%ld\r\n"
			"From: <sip:a@10.0.0.1>;tag=a%ld\r\nTo: <sip:b%ld@10.0.0.2>;tag=b\r\nCall-ID: open-%ld\r\n"
			"CSeq: 1 INVITE\r\nContact: <sip:b@10.0.0.2>\r\nContent-Length: 0\r\n\r\n",
			"ACK sip:b%ld@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-a%ld\r\n"
			"From: <sip:a@10.0.0.1>;tag=a%ld\r\nTo: <sip:b%ld@10.0.0.2>;tag=b\r\nCall-ID: open-%ld\r\n"
			"CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
		};
		for (int k = 0; k < 3; k++) {
			int len = k == 1 ? snprintf(m, sizeof m, fmt[k], i, i, i, i)
			                 : snprintf(m, sizeof m, fmt[k], i, i, i, i, i);
			packet(t + (uint64_t)k * 20, k != 1, m, (size_t)len);
		}
	}
	if (fclose(out) != 0) {
		perror(argv[2]);
		return 2;
	}
	printf("gen_open_calls: %ld calls, %ld messages\n", n, 3 * n);
	return 0;
}
