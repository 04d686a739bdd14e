/* fuzz_media.c - libFuzzer target: RTP/RTCP analysis.  The input is a run
 * of records: 1 byte kind (SDP, BYE, packet), 2 bytes length, the bytes.
 * Packets go between four endpoints, times move on by the record's first
 * byte; then figures are refreshed, finished, and checked for sense. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sipscope/media.h"
#include "sipscope/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct store_endpoint ep(int i)
{
	struct store_endpoint e;
	memset(&e, 0, sizeof e);
	e.family = 4;
	e.addr[0] = 10;
	e.addr[3] = (uint8_t)(1 + (i & 1));
	e.port = (uint16_t)(4000 + (i & 2) + (i >> 2 & 1)); /* RTP and RTCP ports */
	return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct media *m = media_new();
	if (!m)
		return 0;
	static const char offer[] = "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 0 8 101\r\n"
	                            "a=rtpmap:101 telephone-event/8000\r\n";
	struct sdp d;
	if (sdp_parse(offer, sizeof offer - 1, &d) == 0)
		media_sdp(m, 1, 0, &d);
	int64_t t = 1700000000000000LL;
	uint64_t frame = 0, fed = 0;
	size_t off = 0;
	while (off + 3 <= size) {
		uint8_t kind = data[off];
		size_t len = (size_t)(data[off + 1] << 8 | data[off + 2]);
		off += 3;
		if (len > size - off)
			len = size - off;
		const uint8_t *p = data + off;
		off += len;
		t += len ? p[0] * 1000 : 20000;
		if (kind % 8 == 0) {
			char *buf = malloc(len ? len : 1);
			if (buf) {
				memcpy(buf, p, len);
				if (sdp_parse(buf, len, &d) == 0)
					media_sdp(m, 1 + kind / 8 % 2, t, &d);
				free(buf);
			}
		} else if (kind % 8 == 1) {
			media_bye(m, 1 + kind / 8 % 2, t);
		} else {
			struct store_endpoint a = ep(kind), b = ep(kind >> 3);
			media_udp(m, ++frame, t, &a, &b, p, len);
			fed++;
		}
		if (kind == 0xff)
			media_refresh(m);
	}
	media_finish(m);
	const struct media_stats *st = media_stats(m);
	if (st->rtp + st->rtcp + st->not_rtp > fed)
		abort();
	for (size_t i = 0; i < media_stream_count(m); i++) {
		const struct media_stream *s = media_stream(m, i);
		if (!s->packets || s->ndtmf > MEDIA_MAX_DTMF || s->jitter_ms_mean < 0 || s->mos < 0 ||
		    s->mos > 4.5 || s->codec[sizeof s->codec - 1])
			abort();
	}
	media_free(m);
	return 0;
}
