/* audio.h - RTP streams turned into PCM on one timeline.
 *
 * Streams are added (their codec from media.h's figures), then given
 * their packets (media_set_rtp_hook's, in capture order); audio_render()
 * lays chosen streams on one timeline of one or two channels:
 *  - the timeline starts at the earliest capture time of a packet of the
 *    chosen streams (the call's first media packet), or a little before
 *    when that packet was itself late (see the anchor below);
 *  - a stream's packets go in RTP sequence order (RFC 3550 A.1 extended
 *    numbers), duplicates left out; each lands at the place its RTP
 *    timestamp gives from an anchor: the least-delayed packet's arrival
 *    (what a jitter buffer plays out to), so packets that came reordered
 *    land where they belong and a lost packet leaves silence (the codec's
 *    concealment where it has one);
 *  - where the RTP timestamp and the arrival drift apart by more than
 *    AUDIO_REANCHOR_US (a hold, a timestamp jump, a restart) the stream is
 *    anchored again at that packet's arrival;
 *  - comfort noise (PT 13, RFC 3389) is white noise at the level its
 *    first byte gives (-dBov, 0 dBov the 16-bit full scale) from its
 *    place until the stream's next audio packet (20 ms when it is the
 *    last), from a generator seeded with a fixed value and the SSRC, so a
 *    render is reproducible; a codec's own silence descriptor (G.729
 *    Annex B SID) is followed the same way by the decoder's comfort
 *    noise; telephone-events (RFC 4733) are not audio (counted; media.h
 *    has their digits);
 *  - the sample rate is the highest of the streams' decodable codecs;
 *    others are resampled linearly (not band-limited).
 * Several streams on one channel are summed (saturating).  Memory: every
 * payload of the added streams is kept until audio_free(); a timeline is
 * at most AUDIO_MAX_SECONDS long (what is past it is counted). */
#ifndef SIPSCOPE_AUDIO_H
#define SIPSCOPE_AUDIO_H

#include <stddef.h>
#include <stdint.h>

#include "sipscope/media.h"

#define AUDIO_REANCHOR_US 1000000
#define AUDIO_MAX_SECONDS (4 * 3600)
#define AUDIO_MAX_STREAMS 4096

/* What became of one stream's packets at its last audio_render(). */
struct audio_stream_info {
	uint32_t ssrc;
	char codec[32];       /* as media.h named it */
	uint8_t decodable;    /* a decoder is built in for its codec */
	uint32_t rate;        /* of its decoder's PCM, 0 when not decodable */
	uint8_t conceals;     /* its codec conceals lost packets (else silence) */
	uint64_t packets;     /* given */
	uint64_t decoded;     /* placed as audio */
	uint64_t duplicates;  /* same sequence number again: left out */
	uint64_t lost;        /* sequence numbers never seen (silence) */
	uint64_t cn;          /* comfort noise packets: RFC 3389 CN, or decoded
	                       * ones ending in a SID (also counted decoded) */
	uint64_t events;      /* telephone-event packets (not audio) */
	uint64_t other_pt;    /* of a payload type it has no decoder for */
	uint64_t not_clear;   /* SRTP packets not decrypted (no key, bad auth) */
	uint64_t bad;         /* payloads the decoder refused */
	uint64_t reanchors;   /* times the timestamps were anchored again */
	uint64_t past_end;    /* samples past AUDIO_MAX_SECONDS, dropped */
	int64_t first_us;     /* capture time of its first packet, 0 none */
};

struct audio;

/* NULL when memory ran out; the owner frees with audio_free(). */
struct audio *audio_new(void);
void audio_free(struct audio *a);
/* A stream whose packets will be given: returns its id (0, 1, ...), or
 * -1 (memory, or past AUDIO_MAX_STREAMS).  s is read now, not kept. */
long audio_add_stream(struct audio *a, const struct media_stream *s);
/* One packet of stream id (its payload is copied).  0, or -1 when
 * memory ran out (the packet is left out: its place stays silent). */
int audio_packet(struct audio *a, long id, const struct media_rtp_pkt *k);
const struct audio_stream_info *audio_info(const struct audio *a, long id);

/* Lay streams ids[0..n) on one timeline of `channels` (1 or 2)
 * channels, stream ids[i] on channel chan[i], at the highest rate of
 * their decodable codecs (8000 when none).  *out (interleaved frames,
 * malloc'd, the caller frees) holds *nframes frames; *rate is set.
 * Returns 0, or -1 when memory ran out. */
int audio_render(struct audio *a, const long *ids, const int *chan, size_t n, unsigned channels,
                 int16_t **out, size_t *nframes, uint32_t *rate);

#endif
