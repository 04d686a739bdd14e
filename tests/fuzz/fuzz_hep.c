/* fuzz_hep.c - libFuzzer target: what a collector does with an agent's
 * packet.  The input is one datagram: decoded as HEP v1/v2/v3; when it
 * decodes, the frame the collector rebuilds must decode to the same hop
 * and payload, and so must the packet encoded again as HEP3 and v2. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/dlt.h>

#include "sipscope/decode.h"
#include "sipscope/hep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const struct l4_packet *a, const struct l4_packet *b)
{
	if (a->src.port != b->src.port || a->dst.port != b->dst.port || a->len != b->len ||
	    memcmp(a->payload, b->payload, a->len) || a->proto != b->proto)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct decoder *d;
	static uint8_t frame[14 + 40 + 20 + 65536], pkt[65536];
	if (!d)
		d = decoder_new();
	uint8_t *copy = malloc(size ? size : 1); /* exact size: ASan sees a read past it */
	memcpy(copy, data, size);
	struct l4_packet o, o2;
	if (decoder_hep_any(d, copy, size, &o) == DECODE_OK) {
		struct hep_msg m = { .src = o.src, .dst = o.dst, .proto = o.proto, .proto_type = 1,
		                     .ts_us = o.hep_ts_us, .capture_id = o.hep_capture_id,
		                     .payload = o.payload, .len = o.len, .key = "k", .key_len = 1 };
		long n = hep_frame_build(&m, 1, frame, sizeof frame);
		/* A payload that is itself HEP or a tunnel is opened again: only
		 * a plain one must come back as it was. */
		if (n > 0 && decoder_frame(d, DLT_EN10MB, frame, (size_t)n, 0, &o2) == DECODE_OK &&
		    !o2.hep && !o2.encap)
			same(&o, &o2);
		n = hep3_encode(&m, pkt, sizeof pkt);
		if (n > 0) {
			if (decoder_hep(d, pkt, (size_t)n, &o2) != DECODE_OK)
				abort();
			same(&o, &o2);
		}
		n = hep2_encode(&m, pkt, sizeof pkt);
		if (n > 0) {
			if (decoder_hep_any(d, pkt, (size_t)n, &o2) != DECODE_OK)
				abort();
			same(&o, &o2);
		}
	}
	free(copy);
	return 0;
}
