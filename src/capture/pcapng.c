/* pcapng.c - the pcapng writer (draft-ietf-opsawg-pcapng, sections 4.1
 * SHB, 4.2 IDB, 4.3 EPB, 4.7 DSB).  Blocks are written in host byte order
 * (the SHB's byte-order magic tells readers which) through the caller's
 * stdio stream. */
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/pcapng.h"

#ifndef SIPSCOPE_VERSION
#define SIPSCOPE_VERSION "?"
#endif

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
#define BT_DSB 0x0000000Au
#define OPT_END 0
#define OPT_SHB_USERAPPL 4
#define OPT_IF_TSRESOL 9
#define MAX_BLOCK 0x7ffffff0u /* a block length must fit in 32 bits */

struct pcapng_writer {
	FILE *fp;
	int ts_nsec;
	uint32_t snaplen;
	int failed;
	int dlts[PCAPNG_MAX_IFACES]; /* the link type of each interface written */
	size_t nifaces;
};

static uint32_t pad4(size_t n) { return (uint32_t)((4 - n % 4) % 4); }

static void put(struct pcapng_writer *w, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, w->fp) != n)
		w->failed = 1;
}

static void put32(struct pcapng_writer *w, uint32_t v) { put(w, &v, 4); }

static void put_pad(struct pcapng_writer *w, size_t n)
{
	static const uint8_t zero[4];
	put(w, zero, pad4(n));
}

/* One option: code, length, value padded to 32 bits. */
static void put_opt(struct pcapng_writer *w, uint16_t code, const void *v, uint16_t n)
{
	uint16_t h[2] = { code, n };
	put(w, h, 4);
	put(w, v, n);
	put_pad(w, n);
}

/* The LINKTYPE_* a file stores for libpcap's DLT_*: the same number but
 * for the few DLTs whose values differ between systems (libpcap maps
 * them the same way when it writes pcap). */
static uint32_t linktype_of(int dlt)
{
	switch (dlt) {
#ifdef DLT_ATM_RFC1483
	case DLT_ATM_RFC1483: return 100;
#endif
	case DLT_RAW: return 101;
#ifdef DLT_SLIP_BSDOS
	case DLT_SLIP_BSDOS: return 102;
#endif
#ifdef DLT_PPP_BSDOS
	case DLT_PPP_BSDOS: return 103;
#endif
#ifdef DLT_ATM_CLIP
	case DLT_ATM_CLIP: return 106;
#endif
	default: return (uint32_t)dlt;
	}
}

struct pcapng_writer *pcapng_writer_open(FILE *fp, int ts_nsec, uint32_t snaplen)
{
	struct pcapng_writer *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->fp = fp;
	w->ts_nsec = ts_nsec;
	w->snaplen = snaplen ? snaplen : 262144;
	static const char app[] = "sipscope " SIPSCOPE_VERSION;
	uint16_t n = (uint16_t)(sizeof app - 1);
	uint32_t len = 28 + 4 + n + pad4(n) + 4;
	put32(w, BT_SHB);
	put32(w, len);
	put32(w, 0x1A2B3C4Du);
	uint16_t ver[2] = { 1, 0 };
	put(w, ver, 4);
	uint64_t unknown = UINT64_MAX; /* section length: not given */
	put(w, &unknown, 8);
	put_opt(w, OPT_SHB_USERAPPL, app, n);
	put_opt(w, OPT_END, NULL, 0);
	put32(w, len);
	if (w->failed) {
		free(w);
		return NULL;
	}
	return w;
}

int pcapng_writer_secrets(struct pcapng_writer *w, uint32_t type, const void *data, size_t n)
{
	if (n > MAX_BLOCK - 32)
		return -1;
	uint32_t len = (uint32_t)(20 + n + pad4(n));
	put32(w, BT_DSB);
	put32(w, len);
	put32(w, type);
	put32(w, (uint32_t)n);
	put(w, data, n);
	put_pad(w, n);
	put32(w, len);
	return w->failed ? -1 : 0;
}

int pcapng_writer_iface(struct pcapng_writer *w, int dlt)
{
	for (size_t i = 0; i < w->nifaces; i++)
		if (w->dlts[i] == dlt)
			return (int)i;
	if (w->nifaces == PCAPNG_MAX_IFACES)
		return -1;
	uint32_t len = 20 + (w->ts_nsec ? 8 + 4 : 0);
	put32(w, BT_IDB);
	put32(w, len);
	uint16_t lt[2] = { (uint16_t)linktype_of(dlt), 0 };
	put(w, lt, 4);
	put32(w, w->snaplen);
	if (w->ts_nsec) {
		uint8_t res = 9; /* 10^-9 s */
		put_opt(w, OPT_IF_TSRESOL, &res, 1);
		put_opt(w, OPT_END, NULL, 0);
	}
	put32(w, len);
	if (w->failed)
		return -1;
	w->dlts[w->nifaces] = dlt;
	return (int)w->nifaces++;
}

int pcapng_writer_packet(struct pcapng_writer *w, int dlt, int64_t ts, uint32_t caplen,
                         uint32_t len, const uint8_t *data)
{
	int ifc = pcapng_writer_iface(w, dlt);
	if (ifc < 0 || caplen > MAX_BLOCK - 64)
		return -1;
	uint64_t t = (uint64_t)ts;
	uint32_t blen = 32 + caplen + pad4(caplen);
	put32(w, BT_EPB);
	put32(w, blen);
	put32(w, (uint32_t)ifc);
	put32(w, (uint32_t)(t >> 32));
	put32(w, (uint32_t)t);
	put32(w, caplen);
	put32(w, len);
	put(w, data, caplen);
	put_pad(w, caplen);
	put32(w, blen);
	return w->failed ? -1 : 0;
}

int pcapng_writer_close(struct pcapng_writer *w)
{
	if (!w)
		return 0;
	int rc = fflush(w->fp) != 0 || ferror(w->fp) || w->failed ? -1 : 0;
	free(w);
	return rc;
}
