/* sdp.h - zero-copy SDP parser (RFC 4566, RFC 3264 offer/answer).
 *
 * Fills views into the body it is given: session and media-level c=
 * addresses, every m= line with its formats, rtpmap names, the direction
 * attribute and its SDES a=crypto lines (RFC 4568).  Allocates nothing;
 * caps what it keeps (counted). */
#ifndef SIPSCOPE_SDP_H
#define SIPSCOPE_SDP_H

#include <stddef.h>
#include <stdint.h>

#include "sipscope/sv.h"

#define SDP_MAX_MEDIA 8
#define SDP_MAX_FMTS 16
#define SDP_MAX_CRYPTO 4

enum sdp_dir {
	SDP_DIR_NONE = 0, /* not given: sendrecv by default (RFC 4566 6) */
	SDP_DIR_SENDRECV,
	SDP_DIR_SENDONLY,
	SDP_DIR_RECVONLY,
	SDP_DIR_INACTIVE
};

/* SRTP crypto suites of a=crypto (RFC 4568 6.2, RFC 6188, RFC 7714). */
enum sdp_srtp_suite {
	SDP_SRTP_UNKNOWN = 0,            /* a suite we do not decrypt (name kept) */
	SDP_SRTP_AES_CM_128_HMAC_SHA1_80,
	SDP_SRTP_AES_CM_128_HMAC_SHA1_32,
	SDP_SRTP_AES_256_CM_HMAC_SHA1_80,
	SDP_SRTP_AEAD_AES_128_GCM,
	SDP_SRTP_AEAD_AES_256_GCM
};

/* One a=crypto line: "a=crypto:1 AES_CM_128_HMAC_SHA1_80
 * inline:KEY|2^20|1:4 UNENCRYPTED_SRTCP".  The key is a view of the
 * base64 text (key || salt): it is key material, never to be printed. */
struct sdp_crypto {
	uint32_t tag;
	uint8_t suite;          /* enum sdp_srtp_suite */
	uint8_t nkeys;          /* inline: key params given (the first is kept) */
	uint8_t mki_len;        /* MKI length in bytes, 0: no MKI */
	uint32_t mki;           /* MKI value */
	struct sv suite_name;   /* as written */
	struct sv key;          /* base64 of the first inline: key, unset when none */
	struct sv lifetime;     /* "2^31" or a number; unset when not given */
	struct sv params;       /* session parameters (the rest of the line) */
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
	uint8_t ncrypto;      /* a=crypto lines kept (<= SDP_MAX_CRYPTO) */
	uint8_t ncrypto_seen; /* a=crypto lines, malformed ones too (capped at 255) */
	struct sdp_fmt fmts[SDP_MAX_FMTS];
	struct sdp_crypto crypto[SDP_MAX_CRYPTO];
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
/* "AES_CM_128_HMAC_SHA1_80" ..., "unknown". */
const char *sdp_srtp_suite_name(enum sdp_srtp_suite s);
/* Is proto a secure RTP profile (RTP/SAVP, RTP/SAVPF, UDP/TLS/RTP/SAVP[F])? */
int sdp_proto_is_srtp(struct sv proto);
/* A body line (no line end) that is an a=crypto line holding inline keys,
 * written to out (cap > 0, NUL-terminated) with each key || salt replaced
 * by "(hidden)": what a screen or an export shows of SDES keys.  Returns
 * the length written, or 0 when the line holds no key (show it as it is). */
size_t sdp_crypto_redact(struct sv line, char *out, size_t cap);
/* The a=crypto line of md with this tag, or NULL. */
const struct sdp_crypto *sdp_crypto_by_tag(const struct sdp_media *md, uint32_t tag);

#endif
