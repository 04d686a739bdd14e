/* link.c - link-layer headers down to the network layer. */
#include <pcap/dlt.h>

#include "sipscope/decode.h"

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* Ethernet II with any number of 802.1Q / 802.1ad tags (QinQ). */
static int eth_strip(const uint8_t *d, size_t caplen, size_t *off, uint16_t *et)
{
	size_t o = 12;
	for (int tags = 0; tags < 8; tags++) {
		if (caplen < o + 2)
			return -1;
		uint16_t t = rd16(d + o);
		if (t == 0x8100 || t == 0x88a8 || t == 0x9100) {
			o += 4;
			continue;
		}
		*et = t;
		*off = o + 2;
		return 0;
	}
	return -1;
}

/* BSD loopback: a 4-byte address family in host byte order of the
 * capturing machine, so accept both orders. */
static int null_strip(const uint8_t *d, size_t caplen, size_t *off, uint16_t *et)
{
	if (caplen < 4)
		return -1;
	uint32_t le = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
	uint32_t be = (uint32_t)d[3] | (uint32_t)d[2] << 8 | (uint32_t)d[1] << 16 | (uint32_t)d[0] << 24;
	uint32_t af = le < 256 ? le : be;
	*off = 4;
	if (af == 2)
		*et = ETH_IPV4;
	else if (af == 24 || af == 28 || af == 30 || af == 10)
		*et = ETH_IPV6;
	else
		return -1;
	return 0;
}

static int raw_strip(const uint8_t *d, size_t caplen, size_t *off, uint16_t *et)
{
	if (caplen < 1)
		return -1;
	*off = 0;
	switch (d[0] >> 4) {
	case 4: *et = ETH_IPV4; return 0;
	case 6: *et = ETH_IPV6; return 0;
	default: return -1;
	}
}

int link_strip(int dlt, const uint8_t *d, size_t caplen, size_t *off, uint16_t *et)
{
	switch (dlt) {
	case DLT_EN10MB:
		return eth_strip(d, caplen, off, et);
	case DLT_LINUX_SLL: /* 16-byte header, protocol at 14 */
		if (caplen < 16)
			return -1;
		*et = rd16(d + 14);
		*off = 16;
		return 0;
	case DLT_LINUX_SLL2: /* 20-byte header, protocol at 0 */
		if (caplen < 20)
			return -1;
		*et = rd16(d);
		*off = 20;
		return 0;
	case DLT_NULL:
	case DLT_LOOP:
		return null_strip(d, caplen, off, et);
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return raw_strip(d, caplen, off, et);
	default:
		return -1;
	}
}
