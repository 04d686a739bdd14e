/* test_decode.c - link layers, IPv4/IPv6, fragment reassembly, UDP/TCP headers.
 *
 * Every frame is built by hand, byte by byte, so the expected offsets are
 * known independently of the decoder.  Truncation tests place each prefix of
 * a frame so that it ends right before an unreadable page. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pcap/dlt.h>
#include <string.h>

#include "guard.h"
#include "sipscope/decode.h"


static const uint8_t SRC4[4] = { 192, 0, 2, 10 };
static const uint8_t DST4[4] = { 198, 51, 100, 20 };
static const uint8_t SRC6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10 };
static const uint8_t DST6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20 };

static const char SIP[] = "OPTIONS sip:bob@example.com SIP/2.0\r\nCall-ID: x\r\n\r\n";
#define SIP_LEN (sizeof SIP - 1)

/* ---- frame builder ---------------------------------------------------- */

struct frame {
	uint8_t b[4096];
	size_t n;
};

static void f_bytes(struct frame *f, const void *p, size_t n)
{
	assert_true(f->n + n <= sizeof f->b);
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void f_u8(struct frame *f, unsigned v)
{
	uint8_t b = (uint8_t)v;
	f_bytes(f, &b, 1);
}

static void f_u16(struct frame *f, unsigned v)
{
	f_u8(f, v >> 8);
	f_u8(f, v);
}

static void f_u32(struct frame *f, uint32_t v)
{
	f_u16(f, v >> 16);
	f_u16(f, v & 0xffff);
}

static void f_zero(struct frame *f, size_t n)
{
	while (n--)
		f_u8(f, 0);
}

/* Ethernet II header, no tags. */
static void f_eth(struct frame *f, unsigned ethertype)
{
	static const uint8_t macs[12] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
	                                  0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb };
	f_bytes(f, macs, sizeof macs);
	f_u16(f, ethertype);
}

/* IPv4 header with optlen bytes of options (NOPs, then EOL), total length
 * header + l4len, a correct header checksum. */
static void f_ipv4(struct frame *f, unsigned proto, size_t optlen, size_t l4len,
                   unsigned id, unsigned frag)
{
	size_t start = f->n, hl = 20 + optlen;
	assert_int_equal(optlen % 4, 0);
	f_u8(f, 0x40 | (unsigned)(hl / 4));
	f_u8(f, 0);
	f_u16(f, (unsigned)(hl + l4len));
	f_u16(f, id);
	f_u16(f, frag);
	f_u8(f, 64);
	f_u8(f, proto);
	f_u16(f, 0);
	f_bytes(f, SRC4, 4);
	f_bytes(f, DST4, 4);
	for (size_t i = 0; i < optlen; i++)
		f_u8(f, i + 1 < optlen ? 1 : 0);
	uint32_t sum = 0;
	for (size_t i = 0; i < hl; i += 2)
		sum += (uint32_t)(f->b[start + i] << 8 | f->b[start + i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f->b[start + 10] = (uint8_t)(~sum >> 8);
	f->b[start + 11] = (uint8_t)~sum;
}

static void f_ipv6(struct frame *f, unsigned nh, size_t plen)
{
	f_u32(f, 0x60000000u);
	f_u16(f, (unsigned)plen);
	f_u8(f, nh);
	f_u8(f, 64);
	f_bytes(f, SRC6, 16);
	f_bytes(f, DST6, 16);
}

static void f_udp(struct frame *f, unsigned sport, unsigned dport, size_t ulen)
{
	f_u16(f, sport);
	f_u16(f, dport);
	f_u16(f, (unsigned)ulen);
	f_u16(f, 0);
}

/* TCP header with optlen bytes of options (NOP NOP timestamp...). */
static void f_tcp(struct frame *f, unsigned sport, unsigned dport, uint32_t seq,
                  unsigned flags, size_t optlen)
{
	assert_int_equal(optlen % 4, 0);
	f_u16(f, sport);
	f_u16(f, dport);
	f_u32(f, seq);
	f_u32(f, 0x01020304u);
	f_u8(f, (unsigned)((20 + optlen) / 4) << 4);
	f_u8(f, flags);
	f_u16(f, 65535);
	f_u16(f, 0);
	f_u16(f, 0);
	static const uint8_t opts[12] = { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2 };
	for (size_t i = 0; i < optlen; i++)
		f_u8(f, i < sizeof opts ? opts[i] : 1);
}

/* Ethernet / IPv4 / UDP 5060 -> 5080 carrying SIP. */
static void build_eth_ipv4_udp(struct frame *f)
{
	f_eth(f, 0x0800);
	f_ipv4(f, 17, 0, 8 + SIP_LEN, 0x1234, 0x4000);
	f_udp(f, 5060, 5080, 8 + SIP_LEN);
	f_bytes(f, SIP, SIP_LEN);
}

/* The IPv4 (or IPv6) UDP datagram, link header excluded. */
static void build_ipv4_udp(struct frame *f)
{
	f_ipv4(f, 17, 0, 8 + SIP_LEN, 1, 0);
	f_udp(f, 5060, 5080, 8 + SIP_LEN);
	f_bytes(f, SIP, SIP_LEN);
}

static void build_ipv6_udp(struct frame *f)
{
	f_ipv6(f, 17, 8 + SIP_LEN);
	f_udp(f, 5060, 5080, 8 + SIP_LEN);
	f_bytes(f, SIP, SIP_LEN);
}

/* ---- decoding helpers ------------------------------------------------- */


static const uint8_t *place(const struct frame *f, size_t len)
{
	const uint8_t *p = (const uint8_t *)guard_place(&g, f->b, len);
	assert_non_null(p);
	return p;
}

/* Decode a whole frame placed before the guard page. */
static enum decode_status decode(struct decoder *d, int dlt, const struct frame *f,
                                 int64_t ts, struct l4_packet *out, const uint8_t **at)
{
	const uint8_t *p = place(f, f->n);
	if (at)
		*at = p;
	return decoder_frame(d, dlt, p, f->n, ts, out);
}

static void assert_v4(const struct l4_packet *o)
{
	assert_int_equal(o->src.family, 4);
	assert_int_equal(o->dst.family, 4);
	assert_memory_equal(o->src.addr, SRC4, 4);
	assert_memory_equal(o->dst.addr, DST4, 4);
}

static void assert_v6(const struct l4_packet *o)
{
	assert_int_equal(o->src.family, 6);
	assert_int_equal(o->dst.family, 6);
	assert_memory_equal(o->src.addr, SRC6, 16);
	assert_memory_equal(o->dst.addr, DST6, 16);
}

/* A SIP datagram 5060 -> 5080 whose payload starts at byte `off` of the frame. */
static void assert_sip_udp_at(const struct l4_packet *o, const uint8_t *frame, size_t off)
{
	assert_int_equal(o->proto, 17);
	assert_int_equal(o->src.port, 5060);
	assert_int_equal(o->dst.port, 5080);
	assert_ptr_equal(o->payload, frame + off);
	assert_int_equal(o->payload_off, off);
	assert_int_equal(o->len, SIP_LEN);
	assert_int_equal(o->wire_len, SIP_LEN);
	assert_memory_equal(o->payload, SIP, SIP_LEN);
}

/* Decode one frame with a fresh decoder and check it is SIP over UDP at off. */
static void expect_sip_udp(int dlt, const struct frame *f, size_t off, int family)
{
	struct decoder *d = decoder_new();
	assert_non_null(d);
	struct l4_packet o;
	const uint8_t *at;
	assert_int_equal(decode(d, dlt, f, 0, &o, &at), DECODE_OK);
	assert_sip_udp_at(&o, at, off);
	if (family == 4)
		assert_v4(&o);
	else
		assert_v6(&o);
	const struct decode_stats *st = decoder_stats(d);
	assert_int_equal(st->frames, 1);
	assert_int_equal(st->non_ip, 0);
	assert_int_equal(st->truncated, 0);
	assert_int_equal(st->malformed, 0);
	decoder_free(d);
}

/* A decoder freed even when an assertion fails. */
static int dec_setup(void **state)
{
	*state = decoder_new();
	return *state ? 0 : -1;
}

static int dec_teardown(void **state)
{
	decoder_free(*state);
	return 0;
}

/* ---- link layers ------------------------------------------------------ */

static void test_ethernet_ipv4_udp_decodes(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	build_eth_ipv4_udp(&f);
	assert_int_equal(f.n, 14 + 20 + 8 + SIP_LEN);
	expect_sip_udp(DLT_EN10MB, &f, 42, 4);
}

static void test_ethernet_padding_is_not_udp_payload(void **state)
{
	(void)state;
	static const char ping[] = "\r\n\r\n";
	struct frame f = { .n = 0 };
	f_eth(&f, 0x0800);
	f_ipv4(&f, 17, 0, 8 + 4, 7, 0);
	f_udp(&f, 5060, 5060, 8 + 4);
	f_bytes(&f, ping, 4);
	f_zero(&f, 60 - f.n); /* minimum Ethernet frame */
	struct decoder *d = decoder_new();
	struct l4_packet o;
	const uint8_t *at;
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, &at), DECODE_OK);
	assert_int_equal(o.payload_off, 42);
	assert_int_equal(o.len, 4);
	assert_int_equal(o.wire_len, 4);
	assert_memory_equal(o.payload, ping, 4);
	decoder_free(d);
}

static void test_vlan_8021q_tagged_ipv4_udp_decodes(void **state)
{
	(void)state;
	struct frame ip = { .n = 0 }, f = { .n = 0 };
	build_ipv4_udp(&ip);
	f_eth(&f, 0x8100);
	f_u16(&f, 0x0064); /* VLAN 100 */
	f_u16(&f, 0x0800);
	f_bytes(&f, ip.b, ip.n);
	expect_sip_udp(DLT_EN10MB, &f, 14 + 4 + 28, 4);
}

static void test_vlan_qinq_tagged_ipv4_udp_decodes(void **state)
{
	(void)state;
	struct frame ip = { .n = 0 }, f = { .n = 0 };
	build_ipv4_udp(&ip);
	f_eth(&f, 0x88a8);
	f_u16(&f, 0x0010); /* S-tag VLAN 16 */
	f_u16(&f, 0x8100);
	f_u16(&f, 0x0064); /* C-tag VLAN 100 */
	f_u16(&f, 0x0800);
	f_bytes(&f, ip.b, ip.n);
	expect_sip_udp(DLT_EN10MB, &f, 14 + 8 + 28, 4);
}

static void test_vlan_tagged_ipv6_udp_decodes(void **state)
{
	(void)state;
	struct frame ip = { .n = 0 }, f = { .n = 0 };
	build_ipv6_udp(&ip);
	f_eth(&f, 0x8100);
	f_u16(&f, 0x0064);
	f_u16(&f, 0x86dd);
	f_bytes(&f, ip.b, ip.n);
	expect_sip_udp(DLT_EN10MB, &f, 14 + 4 + 48, 6);
}

static void f_sll(struct frame *f, unsigned proto)
{
	f_u16(f, 0);      /* packet type: to us */
	f_u16(f, 1);      /* ARPHRD_ETHER */
	f_u16(f, 6);      /* address length */
	f_bytes(f, "\x00\x11\x22\x33\x44\x55\x00\x00", 8);
	f_u16(f, proto);
}

static void f_sll2(struct frame *f, unsigned proto)
{
	f_u16(f, proto);
	f_u16(f, 0);      /* reserved */
	f_u32(f, 3);      /* interface index */
	f_u16(f, 1);      /* ARPHRD_ETHER */
	f_u8(f, 4);       /* packet type: outgoing */
	f_u8(f, 6);       /* address length */
	f_bytes(f, "\x00\x11\x22\x33\x44\x55\x00\x00", 8);
}

static void test_linux_sll_ipv4_udp_decodes(void **state)
{
	(void)state;
	struct frame ip = { .n = 0 }, f = { .n = 0 };
	build_ipv4_udp(&ip);
	f_sll(&f, 0x0800);
	assert_int_equal(f.n, 16);
	f_bytes(&f, ip.b, ip.n);
	expect_sip_udp(DLT_LINUX_SLL, &f, 16 + 28, 4);
}

static void test_linux_sll_ipv6_udp_decodes(void **state)
{
	(void)state;
	struct frame ip = { .n = 0 }, f = { .n = 0 };
	build_ipv6_udp(&ip);
	f_sll(&f, 0x86dd);
	f_bytes(&f, ip.b, ip.n);
	expect_sip_udp(DLT_LINUX_SLL, &f, 16 + 48, 6);
}

static void test_linux_sll2_ipv4_udp_decodes(void **state)
{
	(void)state;
	struct frame ip = { .n = 0 }, f = { .n = 0 };
	build_ipv4_udp(&ip);
	f_sll2(&f, 0x0800);
	assert_int_equal(f.n, 20);
	f_bytes(&f, ip.b, ip.n);
	assert_int_equal(DLT_LINUX_SLL2, 276);
	expect_sip_udp(DLT_LINUX_SLL2, &f, 20 + 28, 4);
}

static void test_linux_sll2_ipv6_udp_decodes(void **state)
{
	(void)state;
	struct frame ip = { .n = 0 }, f = { .n = 0 };
	build_ipv6_udp(&ip);
	f_sll2(&f, 0x86dd);
	f_bytes(&f, ip.b, ip.n);
	expect_sip_udp(DLT_LINUX_SLL2, &f, 20 + 48, 6);
}

static void test_linux_sll_non_ip_protocol_skipped(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	f_sll(&f, 0x0806); /* ARP */
	f_zero(&f, 28);
	struct decoder *d = decoder_new();
	struct l4_packet o;
	assert_int_equal(decode(d, DLT_LINUX_SLL, &f, 0, &o, NULL), DECODE_SKIP);
	assert_int_equal(decoder_stats(d)->non_ip, 1);
	decoder_free(d);
}

/* BSD loopback header: the address family in little- or big-endian order. */
static void f_null(struct frame *f, uint32_t af, int big_endian)
{
	if (big_endian) {
		f_u32(f, af);
	} else {
		f_u8(f, af & 0xff);
		f_u8(f, (af >> 8) & 0xff);
		f_u8(f, (af >> 16) & 0xff);
		f_u8(f, af >> 24);
	}
}

static void test_bsd_null_af_inet_both_byte_orders_decode(void **state)
{
	(void)state;
	assert_int_equal(DLT_NULL, 0);
	for (int be = 0; be <= 1; be++) {
		struct frame ip = { .n = 0 }, f = { .n = 0 };
		build_ipv4_udp(&ip);
		f_null(&f, 2, be);
		f_bytes(&f, ip.b, ip.n);
		expect_sip_udp(DLT_NULL, &f, 4 + 28, 4);
	}
}

static void test_bsd_null_af_inet6_values_24_28_30_both_orders_decode(void **state)
{
	(void)state;
	static const uint32_t afs[] = { 24, 28, 30 }; /* NetBSD/OpenBSD, FreeBSD, Darwin */
	for (size_t i = 0; i < sizeof afs / sizeof afs[0]; i++) {
		for (int be = 0; be <= 1; be++) {
			struct frame ip = { .n = 0 }, f = { .n = 0 };
			build_ipv6_udp(&ip);
			f_null(&f, afs[i], be);
			f_bytes(&f, ip.b, ip.n);
			expect_sip_udp(DLT_NULL, &f, 4 + 48, 6);
		}
	}
}

static void test_bsd_null_unknown_family_skipped(void **state)
{
	(void)state;
	static const uint32_t afs[] = { 0, 7, 17, 255 };
	struct decoder *d = decoder_new();
	for (size_t i = 0; i < sizeof afs / sizeof afs[0]; i++) {
		for (int be = 0; be <= 1; be++) {
			struct frame ip = { .n = 0 }, f = { .n = 0 };
			build_ipv4_udp(&ip);
			f_null(&f, afs[i], be);
			f_bytes(&f, ip.b, ip.n);
			struct l4_packet o;
			assert_int_equal(decode(d, DLT_NULL, &f, 0, &o, NULL), DECODE_SKIP);
		}
	}
	assert_int_equal(decoder_stats(d)->non_ip, 8);
	decoder_free(d);
}

static void test_raw_ip_ipv4_and_ipv6_decode(void **state)
{
	(void)state;
	struct frame f4 = { .n = 0 }, f6 = { .n = 0 };
	build_ipv4_udp(&f4);
	build_ipv6_udp(&f6);
	expect_sip_udp(DLT_RAW, &f4, 28, 4);
	expect_sip_udp(DLT_RAW, &f6, 48, 6);
	expect_sip_udp(DLT_IPV4, &f4, 28, 4);
	expect_sip_udp(DLT_IPV6, &f6, 48, 6);
}

static void test_raw_ip_bad_version_skipped(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	build_ipv4_udp(&f);
	f.b[0] = 0x55;
	struct decoder *d = decoder_new();
	struct l4_packet o;
	assert_int_equal(decode(d, DLT_RAW, &f, 0, &o, NULL), DECODE_SKIP);
	assert_int_equal(decoder_stats(d)->non_ip, 1);
	decoder_free(d);
}

static void test_unknown_dlt_skipped(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	build_eth_ipv4_udp(&f);
	struct decoder *d = decoder_new();
	struct l4_packet o;
	assert_int_equal(decode(d, DLT_IEEE802_11, &f, 0, &o, NULL), DECODE_SKIP);
	assert_int_equal(decoder_stats(d)->non_ip, 1);
	decoder_free(d);
}

static void test_link_strip_reports_offset_and_ethertype(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	f_eth(&f, 0x88a8);
	f_u16(&f, 1);
	f_u16(&f, 0x8100);
	f_u16(&f, 2);
	f_u16(&f, 0x86dd);
	size_t off = 0;
	uint16_t et = 0;
	assert_int_equal(link_strip(DLT_EN10MB, place(&f, f.n), f.n, &off, &et), 0);
	assert_int_equal(off, 22);
	assert_int_equal(et, 0x86dd);
	/* One byte short of the inner ethertype. */
	assert_int_equal(link_strip(DLT_EN10MB, place(&f, f.n - 1), f.n - 1, &off, &et), -1);
}

static void test_non_ip_ethertype_skipped(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	f_eth(&f, 0x0806); /* ARP */
	f_zero(&f, 28);
	struct decoder *d = decoder_new();
	struct l4_packet o;
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, NULL), DECODE_SKIP);
	const struct decode_stats *st = decoder_stats(d);
	assert_int_equal(st->frames, 1);
	assert_int_equal(st->non_ip, 1);
	assert_int_equal(st->truncated, 0);
	decoder_free(d);
}

/* ---- IPv4 / IPv6 ------------------------------------------------------ */

static void test_ipv4_options_ihl6_payload_after_options(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	f_eth(&f, 0x0800);
	f_ipv4(&f, 17, 4, 8 + SIP_LEN, 1, 0);
	assert_int_equal(f.b[14], 0x46);
	f_udp(&f, 5060, 5080, 8 + SIP_LEN);
	f_bytes(&f, SIP, SIP_LEN);
	expect_sip_udp(DLT_EN10MB, &f, 14 + 24 + 8, 4);
}

static void test_ipv4_options_ihl15_payload_after_options(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	f_eth(&f, 0x0800);
	f_ipv4(&f, 17, 40, 8 + SIP_LEN, 1, 0);
	assert_int_equal(f.b[14], 0x4f);
	f_udp(&f, 5060, 5080, 8 + SIP_LEN);
	f_bytes(&f, SIP, SIP_LEN);
	expect_sip_udp(DLT_EN10MB, &f, 14 + 60 + 8, 4);
}

static void test_ipv4_ihl_below_5_malformed(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	build_eth_ipv4_udp(&f);
	f.b[14] = 0x44;
	struct decoder *d = decoder_new();
	struct l4_packet o;
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, NULL), DECODE_MALFORMED);
	assert_non_null(o.why);
	assert_int_equal(decoder_stats(d)->malformed, 1);
	decoder_free(d);
}

static void test_ipv4_total_length_below_header_malformed(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	build_eth_ipv4_udp(&f);
	f.b[16] = 0;
	f.b[17] = 19;
	struct decoder *d = decoder_new();
	struct l4_packet o;
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, NULL), DECODE_MALFORMED);
	assert_int_equal(decoder_stats(d)->malformed, 1);
	decoder_free(d);
}

static void test_ipv4_total_length_zero_trusts_capture(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	build_eth_ipv4_udp(&f);
	f.b[16] = 0; /* TSO: the NIC fills it in later */
	f.b[17] = 0;
	expect_sip_udp(DLT_EN10MB, &f, 42, 4);
}

static void test_ipv6_hop_by_hop_and_destination_options_before_udp(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	f_eth(&f, 0x86dd);
	f_ipv6(&f, 0, 8 + 16 + 8 + SIP_LEN);
	/* Hop-by-hop: next = destination options, 8 bytes (PadN). */
	f_u8(&f, 60);
	f_u8(&f, 0);
	f_bytes(&f, "\x01\x04\x00\x00\x00\x00", 6);
	/* Destination options: next = UDP, 16 bytes. */
	f_u8(&f, 17);
	f_u8(&f, 1);
	f_bytes(&f, "\x01\x0c\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 14);
	f_udp(&f, 5060, 5080, 8 + SIP_LEN);
	f_bytes(&f, SIP, SIP_LEN);
	expect_sip_udp(DLT_EN10MB, &f, 14 + 40 + 8 + 16 + 8, 6);
}

static void test_ipv6_extension_header_past_payload_malformed(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	f_eth(&f, 0x86dd);
	f_ipv6(&f, 0, 16);
	f_u8(&f, 17);
	f_u8(&f, 4); /* 40 bytes, but the payload is 16 */
	f_zero(&f, 14);
	f_zero(&f, 40);
	struct decoder *d = decoder_new();
	struct l4_packet o;
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, NULL), DECODE_MALFORMED);
	assert_int_equal(decoder_stats(d)->malformed, 1);
	decoder_free(d);
}

static void test_ipv4_icmp_skipped(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	f_eth(&f, 0x0800);
	f_ipv4(&f, 1, 0, 8, 1, 0);
	f_bytes(&f, "\x08\x00\xf7\xff\x00\x00\x00\x00", 8); /* echo request */
	struct decoder *d = decoder_new();
	struct l4_packet o;
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, NULL), DECODE_SKIP);
	const struct decode_stats *st = decoder_stats(d);
	assert_int_equal(st->truncated, 0);
	assert_int_equal(st->malformed, 0);
	decoder_free(d);
}

static void test_ipv6_icmpv6_skipped(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	f_eth(&f, 0x86dd);
	f_ipv6(&f, 58, 8);
	f_bytes(&f, "\x80\x00\x00\x00\x00\x00\x00\x00", 8);
	struct decoder *d = decoder_new();
	struct l4_packet o;
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, NULL), DECODE_SKIP);
	decoder_free(d);
}

/* ---- UDP / TCP -------------------------------------------------------- */

static void test_udp_length_larger_than_ip_payload_uses_ip_length(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	f_eth(&f, 0x0800);
	f_ipv4(&f, 17, 0, 8 + SIP_LEN, 1, 0);
	f_udp(&f, 5060, 5080, 8 + SIP_LEN + 500);
	f_bytes(&f, SIP, SIP_LEN);
	expect_sip_udp(DLT_EN10MB, &f, 42, 4);
}

static void test_udp_length_smaller_than_ip_payload_limits_payload(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	f_eth(&f, 0x0800);
	f_ipv4(&f, 17, 0, 8 + SIP_LEN, 1, 0);
	f_udp(&f, 5060, 5080, 8 + 10);
	f_bytes(&f, SIP, SIP_LEN);
	struct decoder *d = decoder_new();
	struct l4_packet o;
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, NULL), DECODE_OK);
	assert_int_equal(o.len, 10);
	assert_int_equal(o.wire_len, 10);
	decoder_free(d);
}

static void test_udp_length_below_8_uses_ip_length(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	f_eth(&f, 0x0800);
	f_ipv4(&f, 17, 0, 8 + SIP_LEN, 1, 0);
	f_udp(&f, 5060, 5080, 3);
	f_bytes(&f, SIP, SIP_LEN);
	expect_sip_udp(DLT_EN10MB, &f, 42, 4);
}

static void test_ip_payload_cut_by_snaplen_keeps_wire_length(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	build_eth_ipv4_udp(&f);
	struct decoder *d = decoder_new();
	struct l4_packet o;
	const uint8_t *p = place(&f, 42 + 10);
	assert_int_equal(decoder_frame(d, DLT_EN10MB, p, 42 + 10, 0, &o), DECODE_OK);
	assert_int_equal(o.payload_off, 42);
	assert_int_equal(o.len, 10);
	assert_int_equal(o.wire_len, SIP_LEN);
	decoder_free(d);
}

static void test_tcp_header_with_options_gives_payload_seq_flags(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	f_eth(&f, 0x0800);
	f_ipv4(&f, 6, 0, 32 + SIP_LEN, 1, 0x4000);
	f_tcp(&f, 40000, 5060, 0xdeadbeefu, 0x18, 12); /* PSH ACK, NOP NOP TS */
	f_bytes(&f, SIP, SIP_LEN);
	struct decoder *d = decoder_new();
	struct l4_packet o;
	const uint8_t *at;
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, &at), DECODE_OK);
	assert_int_equal(o.proto, 6);
	assert_v4(&o);
	assert_int_equal(o.src.port, 40000);
	assert_int_equal(o.dst.port, 5060);
	assert_int_equal(o.tcp_seq, 0xdeadbeefu);
	assert_int_equal(o.tcp_flags, 0x18);
	assert_int_equal(o.payload_off, 14 + 20 + 32);
	assert_ptr_equal(o.payload, at + 66);
	assert_int_equal(o.len, SIP_LEN);
	assert_int_equal(o.wire_len, SIP_LEN);
	assert_memory_equal(o.payload, SIP, SIP_LEN);
	decoder_free(d);
}

static void test_tcp_syn_over_ipv6_has_empty_payload(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	f_eth(&f, 0x86dd);
	f_ipv6(&f, 6, 20);
	f_tcp(&f, 40000, 5060, 1000, TCP_SYN, 0);
	struct decoder *d = decoder_new();
	struct l4_packet o;
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, NULL), DECODE_OK);
	assert_v6(&o);
	assert_int_equal(o.tcp_flags, TCP_SYN);
	assert_int_equal(o.tcp_seq, 1000);
	assert_int_equal(o.payload_off, 74);
	assert_int_equal(o.len, 0);
	assert_int_equal(o.wire_len, 0);
	decoder_free(d);
}

static void test_tcp_data_offset_below_5_malformed(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	f_eth(&f, 0x0800);
	f_ipv4(&f, 6, 0, 20 + SIP_LEN, 1, 0);
	f_tcp(&f, 40000, 5060, 1, 0x18, 0);
	f_bytes(&f, SIP, SIP_LEN);
	f.b[14 + 20 + 12] = 0x40;
	struct decoder *d = decoder_new();
	struct l4_packet o;
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, NULL), DECODE_MALFORMED);
	assert_int_equal(decoder_stats(d)->malformed, 1);
	decoder_free(d);
}

static void test_tcp_data_offset_past_ip_payload_malformed(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	f_eth(&f, 0x0800);
	f_ipv4(&f, 6, 0, 24, 1, 0);
	f_tcp(&f, 40000, 5060, 1, 0x18, 4);
	f.b[14 + 20 + 12] = 0xf0; /* 60-byte header in a 24-byte segment */
	f_zero(&f, 40);           /* bytes are there, the IP length says no */
	struct decoder *d = decoder_new();
	struct l4_packet o;
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, NULL), DECODE_MALFORMED);
	decoder_free(d);
}

/* ---- fragments -------------------------------------------------------- */

/* A UDP datagram 5060 -> 5080 with a 92-byte payload, 100 bytes in all. */
#define DG_LEN 100
static uint8_t dgram[DG_LEN];

static void build_dgram(void)
{
	dgram[0] = 5060 >> 8;
	dgram[1] = 5060 & 0xff;
	dgram[2] = 5080 >> 8;
	dgram[3] = 5080 & 0xff;
	dgram[4] = 0;
	dgram[5] = DG_LEN;
	dgram[6] = dgram[7] = 0;
	for (size_t i = 8; i < DG_LEN; i++)
		dgram[i] = (uint8_t)('A' + (i * 7) % 26);
}

static void f_frag4(struct frame *f, unsigned id, size_t off, size_t len, int more)
{
	f->n = 0;
	f_eth(f, 0x0800);
	f_ipv4(f, 17, 0, len, id, (more ? 0x2000u : 0) | (unsigned)(off / 8));
	f_bytes(f, dgram + off, len);
}

static void f_frag6(struct frame *f, uint32_t id, size_t off, size_t len, int more)
{
	f->n = 0;
	f_eth(f, 0x86dd);
	f_ipv6(f, 44, 8 + len);
	f_u8(f, 17);
	f_u8(f, 0);
	f_u16(f, (unsigned)off | (more ? 1u : 0u));
	f_u32(f, id);
	f_bytes(f, dgram + off, len);
}

struct piece {
	size_t off, len;
	int more;
};

/* Feed the pieces in order; all but the last must be held, the last must
 * complete the datagram. */
static void expect_reassembly(int family, const struct piece *pc, size_t n)
{
	build_dgram();
	struct decoder *d = decoder_new();
	assert_non_null(d);
	struct l4_packet o;
	struct frame f;
	for (size_t i = 0; i < n; i++) {
		if (family == 4)
			f_frag4(&f, 0xbeef, pc[i].off, pc[i].len, pc[i].more);
		else
			f_frag6(&f, 0xcafebabe, pc[i].off, pc[i].len, pc[i].more);
		enum decode_status st = decode(d, DLT_EN10MB, &f, (int64_t)i * 1000, &o, NULL);
		assert_int_equal(st, i + 1 < n ? DECODE_HELD : DECODE_OK);
	}
	assert_int_equal(o.proto, 17);
	if (family == 4)
		assert_v4(&o);
	else
		assert_v6(&o);
	assert_int_equal(o.src.port, 5060);
	assert_int_equal(o.dst.port, 5080);
	assert_int_equal(o.payload_off, SIZE_MAX);
	assert_int_equal(o.len, DG_LEN - 8);
	assert_int_equal(o.wire_len, DG_LEN - 8);
	assert_memory_equal(o.payload, dgram + 8, DG_LEN - 8);
	const struct decode_stats *st = decoder_stats(d);
	assert_int_equal(st->frags_held, n);
	assert_int_equal(st->frags_reassembled, 1);
	assert_int_equal(st->frags_dropped, 0);
	decoder_free(d);
}

static const struct piece in_order[] = { { 0, 32, 1 }, { 32, 32, 1 }, { 64, 36, 0 } };

static void test_ipv4_three_fragments_in_order_reassemble(void **state)
{
	(void)state;
	expect_reassembly(4, in_order, 3);
}

static void test_ipv4_fragments_out_of_order_reassemble(void **state)
{
	(void)state;
	static const struct piece pc[] = { { 64, 36, 0 }, { 0, 32, 1 }, { 32, 32, 1 } };
	expect_reassembly(4, pc, 3);
	static const struct piece pc2[] = { { 32, 32, 1 }, { 64, 36, 0 }, { 0, 32, 1 } };
	expect_reassembly(4, pc2, 3);
}

static void test_ipv4_duplicate_fragment_reassembles_once(void **state)
{
	(void)state;
	static const struct piece pc[] = { { 0, 32, 1 }, { 32, 32, 1 }, { 32, 32, 1 }, { 64, 36, 0 } };
	expect_reassembly(4, pc, 4);
	static const struct piece pc2[] = { { 64, 36, 0 }, { 64, 36, 0 }, { 0, 32, 1 }, { 32, 32, 1 } };
	expect_reassembly(4, pc2, 4);
}

static void test_ipv4_overlapping_fragments_reassemble(void **state)
{
	(void)state;
	static const struct piece pc[] = { { 0, 40, 1 }, { 64, 36, 0 }, { 32, 40, 1 } };
	expect_reassembly(4, pc, 3);
	static const struct piece pc2[] = { { 0, 16, 1 }, { 8, 72, 1 }, { 24, 40, 1 }, { 72, 28, 0 } };
	expect_reassembly(4, pc2, 4);
}

/* A datagram with its last piece in but an 8-byte hole is not complete. */
static void test_ipv4_fragments_with_8_byte_hole_stay_held(void **state)
{
	(void)state;
	static const struct piece pc[] = { { 0, 32, 1 }, { 40, 60, 0 }, { 32, 8, 1 } };
	expect_reassembly(4, pc, 3);
	static const struct piece pc2[] = { { 8, 92, 0 }, { 0, 8, 1 } };
	expect_reassembly(4, pc2, 2);
	static const struct piece pc3[] = { { 0, 32, 1 }, { 72, 28, 0 }, { 40, 32, 1 }, { 32, 8, 1 } };
	expect_reassembly(6, pc3, 4);
}

static void test_ipv4_fragment_ids_kept_apart(void **state)
{
	(void)state;
	build_dgram();
	struct decoder *d = decoder_new();
	struct l4_packet o;
	struct frame f;
	f_frag4(&f, 1, 0, 32, 1);
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, NULL), DECODE_HELD);
	f_frag4(&f, 2, 0, 32, 1);
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, NULL), DECODE_HELD);
	f_frag4(&f, 2, 32, 68, 0);
	f.b[14 + 20 + 10] ^= 0xff; /* id 2 differs from id 1 here */
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, NULL), DECODE_OK);
	assert_int_equal(o.len, DG_LEN - 8);
	assert_int_equal(o.payload[32 + 10 - 8], (uint8_t)(dgram[42] ^ 0xff));
	f_frag4(&f, 1, 32, 68, 0);
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, NULL), DECODE_OK);
	assert_memory_equal(o.payload, dgram + 8, DG_LEN - 8);
	assert_int_equal(decoder_stats(d)->frags_reassembled, 2);
	decoder_free(d);
}

static void test_ipv4_late_duplicate_after_reassembly_is_held_not_output(void **state)
{
	(void)state;
	build_dgram();
	struct decoder *d = decoder_new();
	struct l4_packet o;
	struct frame f;
	f_frag4(&f, 9, 0, 48, 1);
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, NULL), DECODE_HELD);
	f_frag4(&f, 9, 48, 52, 0);
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, NULL), DECODE_OK);
	f_frag4(&f, 9, 48, 52, 0);
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, NULL), DECODE_HELD);
	assert_int_equal(decoder_stats(d)->frags_reassembled, 1);
	decoder_free(d);
}

static void test_ipv6_fragment_header_reassembles(void **state)
{
	(void)state;
	expect_reassembly(6, in_order, 3);
	static const struct piece pc[] = { { 64, 36, 0 }, { 32, 32, 1 }, { 32, 32, 1 }, { 0, 32, 1 } };
	expect_reassembly(6, pc, 4);
}

/* RFC 8200 4.5: the fragmentable part may start with a Destination Options
 * header; fragment offsets count from its first byte, and only the first
 * fragment shows it.  The reassembled datagram is then walked on to UDP. */
static void test_ipv6_fragments_with_destination_options_reassemble(void **state)
{
	build_dgram();
	uint8_t part[8 + DG_LEN]; /* Destination Options (PadN) + UDP datagram */
	memcpy(part, "\x11\x00\x01\x04\x00\x00\x00\x00", 8);
	memcpy(part + 8, dgram, DG_LEN);
	struct decoder *d = *state;
	struct l4_packet o;
	struct frame f;
	static const struct piece pc[] = { { 0, 56, 1 }, { 56, 8 + DG_LEN - 56, 0 } };
	for (int i = 0; i < 2; i++) {
		f.n = 0;
		f_eth(&f, 0x86dd);
		f_ipv6(&f, 44, 8 + pc[i].len);
		f_u8(&f, 60); /* next header: Destination Options */
		f_u8(&f, 0);
		f_u16(&f, (unsigned)pc[i].off | (pc[i].more ? 1u : 0u));
		f_u32(&f, 0x600d);
		f_bytes(&f, part + pc[i].off, pc[i].len);
		enum decode_status st = decode(d, DLT_EN10MB, &f, 0, &o, NULL);
		assert_int_equal(st, i == 0 ? DECODE_HELD : DECODE_OK);
	}
	assert_int_equal(o.proto, 17);
	assert_int_equal(o.src.port, 5060);
	assert_int_equal(o.dst.port, 5080);
	assert_int_equal(o.payload_off, SIZE_MAX);
	assert_int_equal(o.len, DG_LEN - 8);
	assert_memory_equal(o.payload, dgram + 8, DG_LEN - 8);
}

static void test_ipv6_atomic_fragment_decodes_in_place(void **state)
{
	(void)state;
	build_dgram();
	struct frame f;
	f_frag6(&f, 5, 0, DG_LEN, 0); /* offset 0, M=0: RFC 6946 */
	struct decoder *d = decoder_new();
	struct l4_packet o;
	const uint8_t *at;
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, &at), DECODE_OK);
	assert_int_equal(o.payload_off, 14 + 40 + 8 + 8);
	assert_ptr_equal(o.payload, at + o.payload_off);
	assert_int_equal(o.len, DG_LEN - 8);
	assert_int_equal(decoder_stats(d)->frags_held, 0);
	decoder_free(d);
}

static void test_fragment_older_than_30s_dropped_and_counted(void **state)
{
	(void)state;
	build_dgram();
	struct decoder *d = decoder_new();
	struct l4_packet o;
	struct frame f;
	const int64_t s = 1000000;
	f_frag4(&f, 77, 0, 32, 1);
	assert_int_equal(decode(d, DLT_EN10MB, &f, 100 * s, &o, NULL), DECODE_HELD);
	f_frag4(&f, 77, 32, 32, 1);
	assert_int_equal(decode(d, DLT_EN10MB, &f, 131 * s, &o, NULL), DECODE_HELD);
	assert_int_equal(decoder_stats(d)->frags_dropped, 1);
	/* The first piece is gone: the datagram cannot complete. */
	f_frag4(&f, 77, 64, 36, 0);
	assert_int_equal(decode(d, DLT_EN10MB, &f, 132 * s, &o, NULL), DECODE_HELD);
	assert_int_equal(decoder_stats(d)->frags_reassembled, 0);
	assert_int_equal(decoder_stats(d)->frags_dropped, 1);
	/* Sent again, it completes the new datagram. */
	f_frag4(&f, 77, 0, 32, 1);
	assert_int_equal(decode(d, DLT_EN10MB, &f, 133 * s, &o, NULL), DECODE_OK);
	assert_memory_equal(o.payload, dgram + 8, DG_LEN - 8);
	decoder_free(d);
}

static void test_fragment_younger_than_30s_kept(void **state)
{
	(void)state;
	build_dgram();
	struct decoder *d = decoder_new();
	struct l4_packet o;
	struct frame f;
	const int64_t s = 1000000;
	f_frag4(&f, 78, 0, 32, 1);
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, NULL), DECODE_HELD);
	f_frag4(&f, 78, 32, 68, 0);
	assert_int_equal(decode(d, DLT_EN10MB, &f, 29 * s, &o, NULL), DECODE_OK);
	assert_int_equal(decoder_stats(d)->frags_dropped, 0);
	decoder_free(d);
}

static void test_fragment_past_65535_bytes_dropped_and_counted(void **state)
{
	(void)state;
	build_dgram();
	struct decoder *d = decoder_new();
	struct l4_packet o;
	struct frame f;
	f_frag4(&f, 11, 0, 32, 1);
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, NULL), DECODE_HELD);
	/* Offset 65512 + 32 bytes ends past the largest IP datagram. */
	f.n = 0;
	f_eth(&f, 0x0800);
	f_ipv4(&f, 17, 0, 32, 11, 65512 / 8);
	f_bytes(&f, dgram + 8, 32);
	assert_int_not_equal(decode(d, DLT_EN10MB, &f, 0, &o, NULL), DECODE_OK);
	assert_int_equal(decoder_stats(d)->frags_dropped, 2);
	assert_int_equal(decoder_stats(d)->frags_reassembled, 0);
	decoder_free(d);
}

static void test_fragment_table_full_evicts_oldest_and_counts(void **state)
{
	(void)state;
	build_dgram();
	struct decoder *d = decoder_new();
	struct l4_packet o;
	struct frame f;
	/* 65 datagrams under reassembly: one more than the table holds. */
	for (unsigned id = 100; id < 165; id++) {
		f_frag4(&f, id, 0, 32, 1);
		assert_int_equal(decode(d, DLT_EN10MB, &f, (int64_t)id, &o, NULL), DECODE_HELD);
	}
	assert_int_equal(decoder_stats(d)->frags_dropped, 1);
	/* The next oldest (id 101) is intact and completes, freeing a slot. */
	f_frag4(&f, 101, 32, 68, 0);
	assert_int_equal(decode(d, DLT_EN10MB, &f, 200, &o, NULL), DECODE_OK);
	assert_memory_equal(o.payload, dgram + 8, DG_LEN - 8);
	assert_int_equal(decoder_stats(d)->frags_reassembled, 1);
	/* The oldest (id 100) lost its first piece: its tail is held alone,
	 * in the freed slot, without evicting anyone. */
	f_frag4(&f, 100, 32, 68, 0);
	assert_int_equal(decode(d, DLT_EN10MB, &f, 201, &o, NULL), DECODE_HELD);
	assert_int_equal(decoder_stats(d)->frags_dropped, 1);
	f_frag4(&f, 164, 32, 68, 0);
	assert_int_equal(decode(d, DLT_EN10MB, &f, 202, &o, NULL), DECODE_OK);
	assert_int_equal(decoder_stats(d)->frags_reassembled, 2);
	decoder_free(d);
}

/* ---- truncation ------------------------------------------------------- */

/* ---- tunnels and HEP -------------------------------------------------- */

/* Decode f with a fresh decoder: SIP 5060 -> 5080 at `off`, through the
 * tunnels `encap`. */
static void expect_tunnelled(const struct frame *f, size_t off, int family, unsigned encap)
{
	struct decoder *d = decoder_new();
	assert_non_null(d);
	struct l4_packet o;
	const uint8_t *at;
	assert_int_equal(decode(d, DLT_EN10MB, f, 0, &o, &at), DECODE_OK);
	assert_sip_udp_at(&o, at, off);
	if (family == 4)
		assert_v4(&o);
	else
		assert_v6(&o);
	assert_int_equal(o.encap, encap);
	assert_int_equal(o.hep, 0);
	decoder_free(d);
}

static void test_vxlan_opens_to_inner_udp(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	size_t inner = 14 + 20 + 8 + SIP_LEN;
	f_eth(&f, 0x0800);
	f_ipv4(&f, 17, 0, 8 + 8 + inner, 7, 0);
	f_udp(&f, 40000, 4789, 8 + 8 + inner);
	f_u32(&f, 0x08000000u); /* I flag */
	f_u32(&f, 0x00002a00u); /* VNI 42 */
	build_eth_ipv4_udp(&f);
	expect_tunnelled(&f, 14 + 20 + 8 + 8 + 14 + 20 + 8, 4, DECODE_ENCAP_VXLAN);
}

/* SIP on the VXLAN port is still SIP: "INVITE" is no VXLAN header. */
static void test_sip_on_vxlan_port_is_not_opened(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	f_eth(&f, 0x0800);
	f_ipv4(&f, 17, 0, 8 + SIP_LEN, 1, 0);
	f_udp(&f, 5060, 4789, 8 + SIP_LEN);
	f_bytes(&f, SIP, SIP_LEN);
	struct decoder *d = decoder_new();
	struct l4_packet o;
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, NULL), DECODE_OK);
	assert_int_equal(o.dst.port, 4789);
	assert_int_equal(o.encap, 0);
	assert_memory_equal(o.payload, SIP, SIP_LEN);
	decoder_free(d);
}

static void test_geneve_with_options_opens(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	size_t inner = 20 + 8 + SIP_LEN;
	f_eth(&f, 0x86dd);
	f_ipv6(&f, 17, 8 + 16 + inner);
	f_udp(&f, 40000, 6081, 8 + 16 + inner);
	f_u8(&f, 2); /* version 0, 2 words of options */
	f_u8(&f, 0);
	f_u16(&f, 0x0800);
	f_u32(&f, 0x00000100u);
	f_zero(&f, 8);
	build_ipv4_udp(&f);
	expect_tunnelled(&f, 14 + 40 + 8 + 16 + 20 + 8, 4, DECODE_ENCAP_GENEVE);
}

static void test_gre_with_key_and_sequence_opens(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	size_t inner = 40 + 8 + SIP_LEN;
	f_eth(&f, 0x0800);
	f_ipv4(&f, 47, 0, 12 + inner, 9, 0);
	f_u16(&f, 0x3000); /* K and S */
	f_u16(&f, 0x86dd);
	f_u32(&f, 1234);
	f_u32(&f, 1);
	build_ipv6_udp(&f);
	expect_tunnelled(&f, 14 + 20 + 12 + 40 + 8, 6, DECODE_ENCAP_GRE);
}

static void test_erspan_type2_and_type3_open(void **state)
{
	(void)state;
	size_t inner = 14 + 20 + 8 + SIP_LEN;
	struct frame f = { .n = 0 };
	f_eth(&f, 0x0800);
	f_ipv4(&f, 47, 0, 8 + 8 + inner, 9, 0);
	f_u16(&f, 0x1000); /* S: sequence number, as type II sends */
	f_u16(&f, 0x88be);
	f_u32(&f, 77);
	f_u32(&f, 0x10640001u); /* version 1, VLAN 100, session 1 */
	f_u32(&f, 0);
	build_eth_ipv4_udp(&f);
	expect_tunnelled(&f, 14 + 20 + 8 + 8 + 14 + 20 + 8, 4,
	                 DECODE_ENCAP_GRE | DECODE_ENCAP_ERSPAN);

	struct frame g2 = { .n = 0 };
	f_eth(&g2, 0x0800);
	f_ipv4(&g2, 47, 0, 8 + 20 + inner, 9, 0);
	f_u16(&g2, 0x1000);
	f_u16(&g2, 0x22eb);
	f_u32(&g2, 78);
	f_u32(&g2, 0x20640001u); /* version 2 */
	f_u32(&g2, 0x12345678u); /* timestamp */
	f_u32(&g2, 0x00000001u); /* SGT, flags: O set, a platform sub-header follows */
	f_zero(&g2, 8);
	build_eth_ipv4_udp(&g2);
	expect_tunnelled(&g2, 14 + 20 + 8 + 20 + 14 + 20 + 8, 4,
	                 DECODE_ENCAP_GRE | DECODE_ENCAP_ERSPAN);
}

static void test_ip_in_ip_and_ipv6_in_ipv4_open(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	f_eth(&f, 0x0800);
	f_ipv4(&f, 4, 0, 20 + 8 + SIP_LEN, 3, 0);
	build_ipv4_udp(&f);
	expect_tunnelled(&f, 14 + 20 + 20 + 8, 4, DECODE_ENCAP_IPIP);
	struct frame g2 = { .n = 0 };
	f_eth(&g2, 0x0800);
	f_ipv4(&g2, 41, 0, 40 + 8 + SIP_LEN, 3, 0);
	build_ipv6_udp(&g2);
	expect_tunnelled(&g2, 14 + 20 + 40 + 8, 6, DECODE_ENCAP_IPIP);
}

static void test_mpls_label_stack_opens(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	f_eth(&f, 0x8847);
	f_u32(&f, (100u << 12) | 64);        /* label 100 */
	f_u32(&f, (200u << 12) | 0x100 | 64); /* label 200, bottom of stack */
	build_ipv4_udp(&f);
	expect_tunnelled(&f, 14 + 8 + 20 + 8, 4, DECODE_ENCAP_MPLS);
	/* An Ethernet pseudowire with its control word. */
	struct frame g2 = { .n = 0 };
	f_eth(&g2, 0x8847);
	f_u32(&g2, (300u << 12) | 0x100 | 64);
	f_u32(&g2, 0);
	build_eth_ipv4_udp(&g2);
	expect_tunnelled(&g2, 14 + 4 + 4 + 14 + 20 + 8, 4, DECODE_ENCAP_MPLS);
}

static void test_tunnels_nested_too_deep_are_malformed(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	f_eth(&f, 0x0800);
	int n = DECODE_MAX_NEST + 2;
	for (int i = 0; i < n; i++)
		f_ipv4(&f, 4, 0, (size_t)(n - i) * 20 + 8 + SIP_LEN, 1, 0);
	build_ipv4_udp(&f);
	struct decoder *d = decoder_new();
	struct l4_packet o;
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, NULL), DECODE_MALFORMED);
	assert_string_equal(o.why, "tunnels nested too deep");
	decoder_free(d);
}

static void f_chunk(struct frame *f, unsigned type, const void *p, size_t n)
{
	f_u16(f, 0);
	f_u16(f, type);
	f_u16(f, (unsigned)(6 + n));
	f_bytes(f, p, n);
}

/* HEP3 with every chunk an agent sends, as sngrep and Kamailio do. */
static size_t build_hep3(struct frame *f, unsigned ptype, unsigned bad_len)
{
	size_t start = f->n;
	f_bytes(f, "HEP3", 4);
	f_u16(f, 0); /* total, patched below */
	uint8_t fam = 2, proto = 17, pt = (uint8_t)ptype;
	uint8_t sp[2] = { 0x13, 0xc4 }, dp[2] = { 0x13, 0xd8 }; /* 5060, 5080 */
	uint8_t sec[4] = { 0x65, 0x00, 0x00, 0x01 }, usec[4] = { 0, 0x07, 0xa1, 0x20 };
	uint8_t cid[4] = { 0, 0, 0x07, 0xd1 }; /* 2001 */
	f_chunk(f, 1, &fam, 1);
	f_chunk(f, 2, &proto, 1);
	f_chunk(f, 3, SRC4, 4);
	f_chunk(f, 4, DST4, 4);
	f_chunk(f, 7, sp, 2);
	f_chunk(f, 8, dp, 2);
	f_chunk(f, 9, sec, 4);
	f_chunk(f, 10, usec, 4);
	f_chunk(f, 11, &pt, 1);
	f_chunk(f, 12, cid, 4);
	f_chunk(f, 14, "secret", 6);
	size_t payload_at = f->n + 6;
	f_chunk(f, 15, SIP, SIP_LEN);
	size_t total = f->n - start;
	f->b[start + 4] = (uint8_t)(total >> 8);
	f->b[start + 5] = (uint8_t)total;
	if (bad_len)
		f->b[payload_at - 2] = 0, f->b[payload_at - 1] = (uint8_t)bad_len;
	return payload_at;
}

static void hep_frame(struct frame *f, unsigned ptype, unsigned bad_len, size_t *payload_at)
{
	struct frame h = { .n = 0 };
	size_t at = build_hep3(&h, ptype, bad_len);
	f_eth(f, 0x0800);
	f_ipv4(f, 17, 0, 8 + h.n, 5, 0);
	f_udp(f, 33333, 9060, 8 + h.n);
	*payload_at = f->n + at;
	f_bytes(f, h.b, h.n);
}

static void test_hep3_gives_inner_addresses_time_and_agent(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	size_t at;
	hep_frame(&f, 1, 0, &at);
	struct decoder *d = decoder_new();
	struct l4_packet o;
	const uint8_t *p;
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, &p), DECODE_OK);
	assert_sip_udp_at(&o, p, at);
	assert_v4(&o);
	assert_int_equal(o.hep, 3);
	assert_int_equal(o.hep_capture_id, 2001);
	assert_int_equal(o.hep_ts_us, 0x65000001LL * 1000000 + 500000);
	assert_int_equal(decoder_stats(d)->hep, 1);
	decoder_free(d);
}

static void test_hep3_not_sip_skipped_and_bad_chunk_malformed(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	size_t at;
	hep_frame(&f, 5, 0, &at); /* RTCP report */
	struct decoder *d = decoder_new();
	struct l4_packet o;
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, NULL), DECODE_SKIP);
	assert_int_equal(decoder_stats(d)->hep_not_sip, 1);
	struct frame g2 = { .n = 0 };
	hep_frame(&g2, 1, 3, &at); /* a chunk shorter than its own header */
	assert_int_equal(decode(d, DLT_EN10MB, &g2, 0, &o, NULL), DECODE_MALFORMED);
	assert_int_equal(decoder_stats(d)->hep_bad, 1);
	decoder_free(d);
}

static void test_hep2_ipv4_gives_inner_packet(void **state)
{
	(void)state;
	struct frame h = { .n = 0 };
	f_u8(&h, 2);
	f_u8(&h, 16);
	f_u8(&h, 2);
	f_u8(&h, 17);
	f_u16(&h, 5060);
	f_u16(&h, 5080);
	f_bytes(&h, SRC4, 4);
	f_bytes(&h, DST4, 4);
	static const uint8_t tm[12] = { 1, 0, 0, 0x65, 0x20, 0xa1, 0x07, 0, 0xd1, 0x07, 0, 0 };
	f_bytes(&h, tm, sizeof tm); /* little-endian sec, usec, capture id 2001 */
	f_bytes(&h, SIP, SIP_LEN);
	struct frame f = { .n = 0 };
	f_eth(&f, 0x0800);
	f_ipv4(&f, 17, 0, 8 + h.n, 5, 0);
	f_udp(&f, 33333, 9060, 8 + h.n);
	f_bytes(&f, h.b, h.n);
	struct decoder *d = decoder_new();
	struct l4_packet o;
	const uint8_t *p;
	assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, &p), DECODE_OK);
	assert_sip_udp_at(&o, p, 14 + 20 + 8 + 28);
	assert_v4(&o);
	assert_int_equal(o.hep, 2);
	assert_int_equal(o.hep_capture_id, 2001);
	assert_int_equal(o.hep_ts_us, 0x65000001LL * 1000000 + 500000);
	decoder_free(d);
}

/* Every prefix of a tunnelled or HEP frame decodes without reading past
 * it; the whole frame gives the inner packet. */
static void test_every_prefix_of_tunnels_and_hep_is_safe(void **state)
{
	(void)state;
	struct frame fs[3] = { { .n = 0 }, { .n = 0 }, { .n = 0 } };
	size_t at;
	hep_frame(&fs[0], 1, 0, &at);
	size_t inner = 14 + 20 + 8 + SIP_LEN;
	f_eth(&fs[1], 0x0800);
	f_ipv4(&fs[1], 17, 0, 16 + inner, 7, 0);
	f_udp(&fs[1], 40000, 4789, 16 + inner);
	f_u32(&fs[1], 0x08000000u);
	f_u32(&fs[1], 0x00002a00u);
	build_eth_ipv4_udp(&fs[1]);
	f_eth(&fs[2], 0x8847);
	f_u32(&fs[2], (300u << 12) | 0x100 | 64);
	f_u32(&fs[2], 0);
	f_eth(&fs[2], 0x0800);
	f_ipv4(&fs[2], 47, 0, 16 + inner, 9, 0);
	f_u16(&fs[2], 0x1000);
	f_u16(&fs[2], 0x88be);
	f_u32(&fs[2], 77);
	f_u32(&fs[2], 0x10640001u);
	f_u32(&fs[2], 0);
	build_eth_ipv4_udp(&fs[2]);
	for (int i = 0; i < 3; i++) {
		struct decoder *d = decoder_new();
		for (size_t k = 0; k <= fs[i].n; k++) {
			struct l4_packet o;
			enum decode_status st = decoder_frame(d, DLT_EN10MB, place(&fs[i], k), k, 0, &o);
			if (k == fs[i].n) {
				assert_int_equal(st, DECODE_OK);
				assert_memory_equal(o.payload, SIP, SIP_LEN);
				assert_int_equal(o.dst.port, 5080);
			}
		}
		decoder_free(d);
	}
}

/* Decode every prefix 0..n of a valid frame, each ending at the guard page:
 * below link_len the link header is unreadable (SKIP), below payload_off a
 * header is cut (TRUNCATED), from there on the payload is what was captured. */
static void sweep(int dlt, const struct frame *f, size_t link_len, size_t payload_off)
{
	struct decoder *d = decoder_new();
	assert_non_null(d);
	uint64_t skips = 0, truncs = 0;
	for (size_t k = 0; k <= f->n; k++) {
		struct l4_packet o;
		const uint8_t *p = place(f, k);
		enum decode_status st = decoder_frame(d, dlt, p, k, 0, &o);
		if (k < link_len) {
			assert_int_equal(st, DECODE_SKIP);
			skips++;
		} else if (k < payload_off) {
			if (st != DECODE_TRUNCATED)
				fail_msg("prefix %zu of %zu: status %d, want TRUNCATED", k, f->n, (int)st);
			assert_non_null(o.why);
			truncs++;
		} else {
			if (st != DECODE_OK)
				fail_msg("prefix %zu of %zu: status %d, want OK", k, f->n, (int)st);
			assert_ptr_equal(o.payload, p + payload_off);
			assert_int_equal(o.payload_off, payload_off);
			assert_int_equal(o.len, k - payload_off);
			assert_int_equal(o.wire_len, f->n - payload_off);
		}
	}
	const struct decode_stats *st = decoder_stats(d);
	assert_int_equal(st->frames, f->n + 1);
	assert_int_equal(st->non_ip, skips);
	assert_int_equal(st->truncated, truncs);
	assert_int_equal(st->malformed, 0);
	decoder_free(d);
}

static void test_every_prefix_of_ethernet_ipv4_udp_is_safe(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	build_eth_ipv4_udp(&f);
	sweep(DLT_EN10MB, &f, 14, 42);
}

static void test_every_prefix_of_qinq_ipv6_udp_is_safe(void **state)
{
	(void)state;
	struct frame ip = { .n = 0 }, f = { .n = 0 };
	build_ipv6_udp(&ip);
	f_eth(&f, 0x88a8);
	f_u16(&f, 1);
	f_u16(&f, 0x8100);
	f_u16(&f, 2);
	f_u16(&f, 0x86dd);
	f_bytes(&f, ip.b, ip.n);
	sweep(DLT_EN10MB, &f, 22, 22 + 48);
}

static void test_every_prefix_of_sll_sll2_null_raw_is_safe(void **state)
{
	(void)state;
	struct frame ip = { .n = 0 }, f = { .n = 0 };
	build_ipv4_udp(&ip);
	f_sll(&f, 0x0800);
	f_bytes(&f, ip.b, ip.n);
	sweep(DLT_LINUX_SLL, &f, 16, 16 + 28);
	f.n = 0;
	f_sll2(&f, 0x0800);
	f_bytes(&f, ip.b, ip.n);
	sweep(DLT_LINUX_SLL2, &f, 20, 20 + 28);
	f.n = 0;
	f_null(&f, 2, 0);
	f_bytes(&f, ip.b, ip.n);
	sweep(DLT_NULL, &f, 4, 4 + 28);
	sweep(DLT_RAW, &ip, 1, 28);
	ip.n = 0;
	build_ipv6_udp(&ip);
	sweep(DLT_RAW, &ip, 1, 48);
}

static void test_every_prefix_of_ipv4_options_is_safe(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	f_eth(&f, 0x0800);
	f_ipv4(&f, 17, 8, 8 + SIP_LEN, 1, 0);
	f_udp(&f, 5060, 5080, 8 + SIP_LEN);
	f_bytes(&f, SIP, SIP_LEN);
	sweep(DLT_EN10MB, &f, 14, 14 + 28 + 8);
}

static void test_every_prefix_of_ipv6_extension_headers_is_safe(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	f_eth(&f, 0x86dd);
	f_ipv6(&f, 0, 8 + 16 + 8 + SIP_LEN);
	f_u8(&f, 60);
	f_u8(&f, 0);
	f_bytes(&f, "\x01\x04\x00\x00\x00\x00", 6);
	f_u8(&f, 17);
	f_u8(&f, 1);
	f_zero(&f, 14);
	f_udp(&f, 5060, 5080, 8 + SIP_LEN);
	f_bytes(&f, SIP, SIP_LEN);
	sweep(DLT_EN10MB, &f, 14, 14 + 40 + 24 + 8);
}

static void test_every_prefix_of_tcp_with_options_is_safe(void **state)
{
	(void)state;
	struct frame f = { .n = 0 };
	f_eth(&f, 0x0800);
	f_ipv4(&f, 6, 0, 32 + SIP_LEN, 1, 0);
	f_tcp(&f, 40000, 5060, 7, 0x18, 12);
	f_bytes(&f, SIP, SIP_LEN);
	sweep(DLT_EN10MB, &f, 14, 14 + 20 + 32);
}

/* A fragment is only usable whole: every shorter prefix is SKIP or
 * TRUNCATED and never reaches the reassembly table. */
static void test_every_prefix_of_fragments_is_truncated_not_held(void **state)
{
	(void)state;
	build_dgram();
	for (int family = 4; family <= 6; family += 2) {
		struct decoder *d = decoder_new();
		struct frame f;
		if (family == 4)
			f_frag4(&f, 3, 0, 32, 1);
		else
			f_frag6(&f, 3, 0, 32, 1);
		for (size_t k = 0; k < f.n; k++) {
			struct l4_packet o;
			enum decode_status st = decoder_frame(d, DLT_EN10MB, place(&f, k), k, 0, &o);
			assert_int_equal(st, k < 14 ? DECODE_SKIP : DECODE_TRUNCATED);
		}
		assert_int_equal(decoder_stats(d)->frags_held, 0);
		struct l4_packet o;
		assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, NULL), DECODE_HELD);
		/* The rest, whole: the datagram completes from the one held piece. */
		if (family == 4)
			f_frag4(&f, 3, 32, 68, 0);
		else
			f_frag6(&f, 3, 32, 68, 0);
		assert_int_equal(decode(d, DLT_EN10MB, &f, 0, &o, NULL), DECODE_OK);
		assert_memory_equal(o.payload, dgram + 8, DG_LEN - 8);
		decoder_free(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ethernet_ipv4_udp_decodes),
		cmocka_unit_test(test_ethernet_padding_is_not_udp_payload),
		cmocka_unit_test(test_vlan_8021q_tagged_ipv4_udp_decodes),
		cmocka_unit_test(test_vlan_qinq_tagged_ipv4_udp_decodes),
		cmocka_unit_test(test_vlan_tagged_ipv6_udp_decodes),
		cmocka_unit_test(test_linux_sll_ipv4_udp_decodes),
		cmocka_unit_test(test_linux_sll_ipv6_udp_decodes),
		cmocka_unit_test(test_linux_sll2_ipv4_udp_decodes),
		cmocka_unit_test(test_linux_sll2_ipv6_udp_decodes),
		cmocka_unit_test(test_linux_sll_non_ip_protocol_skipped),
		cmocka_unit_test(test_bsd_null_af_inet_both_byte_orders_decode),
		cmocka_unit_test(test_bsd_null_af_inet6_values_24_28_30_both_orders_decode),
		cmocka_unit_test(test_bsd_null_unknown_family_skipped),
		cmocka_unit_test(test_raw_ip_ipv4_and_ipv6_decode),
		cmocka_unit_test(test_raw_ip_bad_version_skipped),
		cmocka_unit_test(test_unknown_dlt_skipped),
		cmocka_unit_test(test_link_strip_reports_offset_and_ethertype),
		cmocka_unit_test(test_non_ip_ethertype_skipped),
		cmocka_unit_test(test_ipv4_options_ihl6_payload_after_options),
		cmocka_unit_test(test_ipv4_options_ihl15_payload_after_options),
		cmocka_unit_test(test_ipv4_ihl_below_5_malformed),
		cmocka_unit_test(test_ipv4_total_length_below_header_malformed),
		cmocka_unit_test(test_ipv4_total_length_zero_trusts_capture),
		cmocka_unit_test(test_ipv6_hop_by_hop_and_destination_options_before_udp),
		cmocka_unit_test(test_ipv6_extension_header_past_payload_malformed),
		cmocka_unit_test(test_ipv4_icmp_skipped),
		cmocka_unit_test(test_ipv6_icmpv6_skipped),
		cmocka_unit_test(test_udp_length_larger_than_ip_payload_uses_ip_length),
		cmocka_unit_test(test_udp_length_smaller_than_ip_payload_limits_payload),
		cmocka_unit_test(test_udp_length_below_8_uses_ip_length),
		cmocka_unit_test(test_ip_payload_cut_by_snaplen_keeps_wire_length),
		cmocka_unit_test(test_tcp_header_with_options_gives_payload_seq_flags),
		cmocka_unit_test(test_tcp_syn_over_ipv6_has_empty_payload),
		cmocka_unit_test(test_tcp_data_offset_below_5_malformed),
		cmocka_unit_test(test_tcp_data_offset_past_ip_payload_malformed),
		cmocka_unit_test(test_ipv4_three_fragments_in_order_reassemble),
		cmocka_unit_test(test_ipv4_fragments_out_of_order_reassemble),
		cmocka_unit_test(test_ipv4_duplicate_fragment_reassembles_once),
		cmocka_unit_test(test_ipv4_overlapping_fragments_reassemble),
		cmocka_unit_test(test_ipv4_fragments_with_8_byte_hole_stay_held),
		cmocka_unit_test(test_ipv4_fragment_ids_kept_apart),
		cmocka_unit_test(test_ipv4_late_duplicate_after_reassembly_is_held_not_output),
		cmocka_unit_test(test_ipv6_fragment_header_reassembles),
		cmocka_unit_test_setup_teardown(test_ipv6_fragments_with_destination_options_reassemble,
		                                dec_setup, dec_teardown),
		cmocka_unit_test(test_ipv6_atomic_fragment_decodes_in_place),
		cmocka_unit_test(test_fragment_older_than_30s_dropped_and_counted),
		cmocka_unit_test(test_fragment_younger_than_30s_kept),
		cmocka_unit_test(test_fragment_past_65535_bytes_dropped_and_counted),
		cmocka_unit_test(test_fragment_table_full_evicts_oldest_and_counts),
		cmocka_unit_test(test_vxlan_opens_to_inner_udp),
		cmocka_unit_test(test_sip_on_vxlan_port_is_not_opened),
		cmocka_unit_test(test_geneve_with_options_opens),
		cmocka_unit_test(test_gre_with_key_and_sequence_opens),
		cmocka_unit_test(test_erspan_type2_and_type3_open),
		cmocka_unit_test(test_ip_in_ip_and_ipv6_in_ipv4_open),
		cmocka_unit_test(test_mpls_label_stack_opens),
		cmocka_unit_test(test_tunnels_nested_too_deep_are_malformed),
		cmocka_unit_test(test_hep3_gives_inner_addresses_time_and_agent),
		cmocka_unit_test(test_hep3_not_sip_skipped_and_bad_chunk_malformed),
		cmocka_unit_test(test_hep2_ipv4_gives_inner_packet),
		cmocka_unit_test(test_every_prefix_of_tunnels_and_hep_is_safe),
		cmocka_unit_test(test_every_prefix_of_ethernet_ipv4_udp_is_safe),
		cmocka_unit_test(test_every_prefix_of_qinq_ipv6_udp_is_safe),
		cmocka_unit_test(test_every_prefix_of_sll_sll2_null_raw_is_safe),
		cmocka_unit_test(test_every_prefix_of_ipv4_options_is_safe),
		cmocka_unit_test(test_every_prefix_of_ipv6_extension_headers_is_safe),
		cmocka_unit_test(test_every_prefix_of_tcp_with_options_is_safe),
		cmocka_unit_test(test_every_prefix_of_fragments_is_truncated_not_held),
	};
	return cmocka_run_group_tests(tests, guard_setup, guard_teardown);
}
