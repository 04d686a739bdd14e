/* sip.h - zero-copy SIP message parser (RFC 3261 section 7, 20, 25).
 *
 * The parser allocates nothing: it fills views into the caller's buffer,
 * never reads past the length it was given, and tells apart
 *   - INCOMPLETE: more bytes are needed (stream transports), and
 *   - a message that was framed but is invalid (OK + msg.malformed reason).
 * Like picohttpparser, the caller owns the header array. */
#ifndef SIPSCOPE_SIP_H
#define SIPSCOPE_SIP_H

#include <stddef.h>
#include <stdint.h>

#include "sipscope/sv.h"

enum sip_parse_result {
	SIP_PARSE_NOT_SIP = -1,   /* start line is not SIP at all */
	SIP_PARSE_INCOMPLETE = -2 /* need more bytes (header end or body) */
};

/* Parse flags. */
#define SIP_PARSE_DATAGRAM 0x1 /* UDP: the buffer is the whole message */

enum sip_hdr_id {
	SIP_H_OTHER = 0,
	SIP_H_VIA,
	SIP_H_FROM,
	SIP_H_TO,
	SIP_H_CALL_ID,
	SIP_H_CSEQ,
	SIP_H_CONTACT,
	SIP_H_CONTENT_LENGTH,
	SIP_H_CONTENT_TYPE,
	SIP_H_CONTENT_ENCODING,
	SIP_H_MAX_FORWARDS,
	SIP_H_ROUTE,
	SIP_H_RECORD_ROUTE,
	SIP_H_USER_AGENT,
	SIP_H_SERVER,
	SIP_H_SUPPORTED,
	SIP_H_SUBJECT,
	SIP_H_EVENT,
	SIP_H_REFER_TO,
	SIP_H_REFERRED_BY,
	SIP_H_ALLOW_EVENTS,
	SIP_H_SESSION_EXPIRES,
	SIP_H_IDENTITY,
	SIP_H_ACCEPT_CONTACT,
	SIP_H_EXPIRES,
	SIP_H_REASON,
	SIP_H_SESSION_ID,
	SIP_H_X_CALL_ID,
	SIP_H_X_CID,
	SIP_H_DATE,
	SIP_H__COUNT
};

enum sip_method {
	SIP_M_UNKNOWN = 0,
	SIP_M_INVITE,
	SIP_M_ACK,
	SIP_M_BYE,
	SIP_M_CANCEL,
	SIP_M_REGISTER,
	SIP_M_OPTIONS,
	SIP_M_INFO,
	SIP_M_UPDATE,
	SIP_M_PRACK,
	SIP_M_SUBSCRIBE,
	SIP_M_NOTIFY,
	SIP_M_REFER,
	SIP_M_MESSAGE,
	SIP_M_PUBLISH,
	SIP_M__COUNT
};

struct sip_header {
	struct sv name;
	struct sv value; /* trimmed; may span folded lines */
	uint8_t id;      /* enum sip_hdr_id */
};

struct sip_msg {
	int is_request;
	struct sv method;   /* requests */
	struct sv uri;      /* requests */
	struct sv version;
	int status;         /* responses, 100..699 (else malformed; 0 past 3 digits) */
	struct sv reason;   /* responses */

	struct sip_header *headers; /* caller's array */
	size_t nheaders;            /* headers stored (<= max) */
	size_t nheaders_seen;       /* headers present, even beyond max */
	int16_t first[SIP_H__COUNT]; /* index of first header of each id, -1 */

	struct sv body;
	long content_length; /* -1 when the header is absent */
	size_t header_len;   /* start line + headers + empty line */
	size_t msg_len;      /* header_len + body length consumed */

	/* Fields every stage wants, pre-extracted (views, maybe unset). */
	struct sv call_id;
	struct sv from_tag;
	struct sv to_tag;
	struct sv branch;      /* top Via branch parameter */
	struct sv via_sent_by; /* top Via host[:port] */
	struct sv via_transport;
	struct sv cseq_method;
	uint32_t cseq;
	int cseq_valid;

	const char *malformed; /* NULL, or a short static reason */
	/* NULL, or what the parser tolerated in a message it took as valid:
	 * a deviation RFC 4475 / RFC 5118 ask a robust element to accept
	 * (e.g. an IPv6 Via received= in [], RFC 5118 4.5). */
	const char *lenient;
};

/* Quick test of a buffer's first line: does it look like a SIP start line?
 * Returns 1 when it does (request or response), 0 otherwise. */
int sip_looks_like(const char *buf, size_t len);

/* Parse one message at buf[0..len).  Returns bytes consumed (> 0), or
 * SIP_PARSE_NOT_SIP / SIP_PARSE_INCOMPLETE.  With SIP_PARSE_DATAGRAM an
 * incomplete message is framed anyway (to the end of buf) and flagged
 * malformed, since no more bytes will come.  m->malformed tells a message
 * that was framed but breaks the grammar or lacks a mandatory header (the
 * first problem found; RFC 4475 section 3.1.2 lists the kinds): the fields
 * are still filled as well as they can be.  A datagram whose header lines
 * are complete but lack the empty line reports a grammar error in them
 * before "truncated".  A start line that is not SIP/2.0 is NOT_SIP. */
int sip_parse(const char *buf, size_t len, int flags, struct sip_msg *m,
              struct sip_header *headers, size_t max_headers);

/* Value of the first header with this id, or SV_NULL. */
struct sv sip_header_get(const struct sip_msg *m, enum sip_hdr_id id);

/* Method name -> enum (case-sensitive, as RFC 3261 7.1 says). */
enum sip_method sip_method_from_sv(struct sv name);
const char *sip_method_name(enum sip_method m);

/* Parameter `name` (case-insensitive) of a header value such as
 * `"Bob" <sip:b@x;lr>;tag=12` -- only header parameters, not URI ones
 * inside <>.  Returns SV_NULL when absent; an empty view for `;name`. */
struct sv sip_param_get(struct sv value, const char *name);

/* The SDP of a message body: the whole body when Content-Type is
 * application/sdp, or the application/sdp part of a multipart body
 * (multipart/mixed, /alternative, ... found through the boundary parameter,
 * nested multiparts searched two levels deep; RFC 2046 5.1, RFC 3204 for
 * SIP-I/SIP-T with ISUP).  A view into the message; SV_NULL when there is
 * no SDP, the body is empty, or it is content-coded (e.g. gzip). */
struct sv sip_body_sdp(const struct sip_msg *m);

/* The URI of a name-addr or addr-spec value: `"Bob" <sip:b@x>;tag=1`
 * gives `sip:b@x`, `sip:b@x;tag=1` gives `sip:b@x`. */
struct sv sip_addr_uri(struct sv value);

#endif
