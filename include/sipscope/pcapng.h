/* pcapng.h - frames written as a pcapng file (draft-ietf-opsawg-pcapng):
 * a Section Header Block, an Interface Description Block per link type
 * used, Decryption Secrets Blocks, Enhanced Packet Blocks.
 *
 * Classic pcap (pcap_save.h, export_pcap) holds one link type and no
 * secrets; pcapng carries the TLS key log beside the packets, so a TLS
 * capture exported this way opens decrypted in Wireshark or sipscope. */
#ifndef SIPSCOPE_PCAPNG_H
#define SIPSCOPE_PCAPNG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct pcapng_writer;

/* Start a pcapng file on fp (the caller's: it stays open after
 * pcapng_writer_close) with its Section Header Block, in this machine's
 * byte order.  Timestamps given to pcapng_writer_packet() are in
 * nanoseconds when ts_nsec (the interfaces say if_tsresol 9), else in
 * microseconds (the default resolution).  snaplen goes into every
 * Interface Description Block (0: 262144).  Returns NULL when out of
 * memory or when the write failed (errno says why). */
struct pcapng_writer *pcapng_writer_open(FILE *fp, int ts_nsec, uint32_t snaplen);

/* A Decryption Secrets Block of secrets type `type` (PCAP_SRC_SECRETS_TLS,
 * 'TLSK', for an NSS key log) holding n bytes of data, written as given.
 * Readers apply it to the packets after it: write it before the first
 * packet it decrypts.  Returns 0, or -1 (write error, or n too large for a
 * block). */
int pcapng_writer_secrets(struct pcapng_writer *w, uint32_t type, const void *data, size_t n);

/* An Enhanced Packet Block: caplen bytes of data captured of a frame of
 * len bytes on link type dlt (DLT_*, as libpcap gives it), at ts (units
 * chosen at open).  The first packet of a link type adds its Interface
 * Description Block first.  Returns 0, or -1 (write error, or more than
 * PCAPNG_MAX_IFACES link types). */
#define PCAPNG_MAX_IFACES 16
int pcapng_writer_packet(struct pcapng_writer *w, int dlt, int64_t ts, uint32_t caplen,
                         uint32_t len, const uint8_t *data);

/* The interface of link type dlt, its Interface Description Block written
 * when it is new (a file with no packet still names its link type).
 * Returns its index, or -1. */
int pcapng_writer_iface(struct pcapng_writer *w, int dlt);

/* Flush the stream (not closed) and free the writer.  Returns 0, or -1
 * when any write failed since the open. */
int pcapng_writer_close(struct pcapng_writer *w);

#endif
