/* fuzz_decode.c - libFuzzer target: link/IP/UDP/TCP decoding, fragment
 * reassembly and the whole ingest pipeline (TCP streams, SIP, tracking).
 * The first byte picks the link type; the rest is a run of frames, each
 * prefixed by a 2-byte length. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/dlt.h>

#include "sipscope/ingest.h"
#include "sipscope/pcap_src.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int dlts[] = { DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_NULL, DLT_RAW };
	if (size < 1)
		return 0;
	int dlt = dlts[data[0] % (sizeof dlts / sizeof dlts[0])];
	struct store *s = store_new();
	struct tracker *t = s ? track_new(s) : NULL;
	struct ingest *in = t ? ingest_new(s, t) : NULL;
	size_t off = 1;
	uint64_t no = 0;
	while (in && off + 2 <= size) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (len > size - off)
			len = size - off;
		uint8_t *frame = malloc(len ? len : 1);
		if (!frame)
			break;
		memcpy(frame, data + off, len);
		no++;
		struct frame f = { .no = no, .ts_us = (int64_t)no * 1000, .data = frame,
		                   .caplen = (uint32_t)len, .len = (uint32_t)len, .dlt = dlt,
		                   .seekable = 1 /* no spool file per run: keeps it fast */ };
		ingest_frame(in, &f);
		free(frame);
		off += len;
	}
	if (in)
		ingest_finish(in);
	if (t)
		track_finish(t);
	ingest_free(in);
	track_free(t);
	store_free(s);
	return 0;
}
