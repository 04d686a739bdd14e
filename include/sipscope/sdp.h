/* sdp.h - zero-copy SDP parser (RFC 4566, RFC 3264 offer/answer).
 *
 * Fills views into the body it is given: session and media-level c=
 * addresses, every m= line with its formats, rtpmap names, and the
 * direction attribute.  Allocates nothing; caps what it keeps (counted). */
#ifndef SIPSCOPE_SDP_H
#define SIPSCOPE_SDP_H

#include <stddef.h>
#include <stdint.h>

#include "sipscope/sv.h"

#define SDP_MAX_MEDIA 8
#define SDP_MAX_FMTS 16

enum sdp_dir {
	SDP_DIR_NONE = 0, /* not given: sendrecv by default (RFC 4566 6) */
	SDP_DIR_SENDRECV,
	SDP_DIR_SENDONLY,
	SDP_DIR_RECVONLY,
	SDP_DIR_INACTIVE
};

struct sdp_fmt {
	struct sv id;       /* payload type, e.g. "0" */
	struct sv encoding; /* from a=rtpmap: "PCMU/8000"; unset when absent */
};

struct sdp_media {
	struct sv type;     /* audio, video, image, application */
	uint32_t port;
	struct sv proto;    /* RTP/AVP, RTP/SAVP, UDP/TLS/RTP/SAVPF, udptl ... */
	struct sv conn;     /* c= address of the media, or of the session */
	uint8_t dir;        /* enum sdp_dir (media, else session level) */
	uint16_t nfmts;     /* kept (<= SDP_MAX_FMTS) */
	uint16_t ncandidates; /* a=candidate lines (ICE) */
	struct sdp_fmt fmts[SDP_MAX_FMTS];
};

struct sdp {
	struct sv origin_addr; /* o= unicast address */
	struct sv conn;        /* session-level c= address */
	uint8_t dir;           /* session-level direction */
	size_t nmedia;         /* kept (<= SDP_MAX_MEDIA) */
	size_t nmedia_seen;
	struct sdp_media media[SDP_MAX_MEDIA];
};

/* Parse an SDP body.  Returns 0, or -1 when it does not start with "v="
 * (not SDP).  Lines may end in CRLF or LF; unknown lines are skipped. */
int sdp_parse(const char *body, size_t len, struct sdp *out);

const char *sdp_dir_name(enum sdp_dir d);

#endif
