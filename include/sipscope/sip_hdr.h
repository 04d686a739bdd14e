/* sip_hdr.h - zero-copy structured parsers for SIP header values.
 *
 * sip_parse() (sip.h) frames a message and hands out each header value as
 * a view; this module takes such a view apart: URIs (RFC 3261 19.1,
 * RFC 3966 tel, RFC 2732/5118 IPv6 references), name-addr / addr-spec
 * with parameters, Via, CSeq, RAck, Content-Type, Reason, Warning,
 * Session-ID, Event, Replaces, token lists, authentication headers.
 *
 * Common promises, for every function below:
 *   - allocates nothing: every result is a view into the caller's bytes,
 *     valid as long as those bytes are;
 *   - never reads past s.p + s.len, never assumes NUL termination, and a
 *     view with p == NULL is treated as empty input;
 *   - returns -1 on input that breaks the grammar; an output struct is
 *     then reset to its empty state (zeros, and -1 for the "absent"
 *     markers q and ttl), a plain number output is left untouched: no
 *     half-filled result is left behind;
 *   - escapes are left as they are in the views: `%XX` in URIs (see
 *     sip_unescape()) and `\x` in quoted strings (see sip_unquote());
 *     quoted parameter values are given without their quotes;
 *   - values may contain folded line breaks ("\r\n " as sip_parse leaves
 *     them): CR and LF count as linear white space wherever LWS is allowed;
 *   - where an output array has a cap, what did not fit is counted.
 * Names (schemes, parameter names, header names) compare case-insensitively. */
#ifndef SIPSCOPE_SIP_HDR_H
#define SIPSCOPE_SIP_HDR_H

#include <stddef.h>
#include <stdint.h>

#include "sipscope/sip.h"
#include "sipscope/sv.h"

/* ---- URIs --------------------------------------------------------------- */

enum sip_uri_scheme {
	SIP_URI_OTHER = 0, /* any other absoluteURI: only scheme_name and rest */
	SIP_URI_SIP,
	SIP_URI_SIPS,
	SIP_URI_TEL
};

enum sip_host_type {
	SIP_HOST_NONE = 0,
	SIP_HOST_NAME, /* hostname (RFC 3261 25.1; '_' tolerated) */
	SIP_HOST_IPV4,
	SIP_HOST_IPV6  /* an IPv6reference "[...]" */
};

struct sip_uri {
	uint8_t scheme;        /* enum sip_uri_scheme */
	uint8_t host_type;     /* enum sip_host_type */
	uint8_t has_port;
	uint16_t port;         /* 0 when absent */
	struct sv scheme_name; /* as written: "sip", "SIPS", "tel", "urn" ... */
	struct sv rest;        /* everything after "scheme:" */
	struct sv user;        /* sip/sips: user part; tel: the number; unset if none */
	struct sv password;    /* set (maybe empty) only when "user:pw@" was given */
	struct sv host;        /* IPv6 without the brackets; unset for tel/other */
	struct sv hostport;    /* host[:port] as written, brackets included */
	struct sv params;      /* "transport=tcp;lr", without the first ';'; unset if none */
	struct sv headers;     /* "Subject=x&Priority=y", without the '?'; unset if none */
};

/* Parse a complete URI (no surrounding white space or angle brackets).
 * sip/sips: RFC 3261 19.1.1 / 25.1, strict character classes, escapes must
 * be %XX, port 0..65535, IPv6 references validated (RFC 5118).  tel:
 * RFC 3966 global (+digits) or local number and parameters.  Any other
 * scheme: scheme ":" one or more printable non-space characters.
 * Returns 0, or -1 (u zeroed). */
int sip_uri_parse(struct sv s, struct sip_uri *u);

/* URI parameter `name` of a parsed URI: its value, an empty (non-NULL)
 * view for a parameter without value (";lr"), or SV_NULL when absent.
 * The first occurrence wins. */
struct sv sip_uri_param(const struct sip_uri *u, const char *name);

/* URI header `name` ("?Subject=x&Replaces=...") as for sip_uri_param. */
struct sv sip_uri_header(const struct sip_uri *u, const char *name);

/* Decode %XX escapes of `in` into out[0..cap).  Writes at most cap bytes,
 * never a terminating NUL (a decoded %00 is a real byte), and returns the
 * length the whole decoding needs (<= in.len): output is complete when the
 * return value is <= cap.  A '%' not followed by two hex digits is copied. */
size_t sip_unescape(struct sv in, char *out, size_t cap);

/* Resolve the quoted-pairs (backslash escapes) of the inside of a quoted
 * string, and turn each folded line break into nothing (the SP/HT after it
 * stays).  Same output contract as sip_unescape(). */
size_t sip_unquote(struct sv in, char *out, size_t cap);

/* ---- parameters and lists ----------------------------------------------- */

struct sip_param {
	struct sv name;
	struct sv value; /* unset when there is no '='; without quotes */
	uint8_t quoted;  /* the value was a quoted-string */
};

/* Next `;`-separated generic-param (RFC 3261 25.1: token [= token / host /
 * quoted-string], LWS allowed around ';' and '=') of *rest, which is
 * advanced.  Start with the text after the first ';'.  Returns 1 with *p
 * filled, 0 at the end, -1 on a malformed parameter (then *rest is
 * emptied, so a loop always ends). */
int sip_param_next(struct sv *rest, struct sip_param *p);

/* Header parameter `name` in a params view (as in sip_addr.params): the
 * value without quotes, an empty non-NULL view when the parameter has no
 * value, SV_NULL when absent or when the view is malformed before it. */
struct sv sip_hdr_param(struct sv params, const char *name);

/* Next element of a comma-separated header value (RFC 3261 7.3.1): commas
 * inside quoted strings or <...> do not split.  *item is trimmed of LWS;
 * empty elements are skipped.  Returns 1, 0 at the end, or -1 when a
 * quoted string or '<' is not closed (*rest is then emptied). */
int sip_list_next(struct sv *rest, struct sv *item);

/* Walks the header values of a parsed message with one header id (or, with
 * SIP_H_OTHER, one header name, e.g. "P-Asserted-Identity"), in order. */
struct sip_hdr_iter {
	const struct sip_msg *m;
	const char *name;
	size_t idx;        /* next header to look at */
	struct sv rest;    /* what is left of the current value */
	uint8_t id;
	uint8_t in_value;  /* rest is live */
};

void sip_hdr_iter_init(struct sip_hdr_iter *it, const struct sip_msg *m,
                       enum sip_hdr_id id, const char *name);

/* Next whole header value.  Returns 1, or 0 after the last one. */
int sip_hdr_next_value(struct sip_hdr_iter *it, struct sv *value);

/* Next comma-separated element across all matching headers (Via: a, b
 * followed by Via: c gives a, b, c).  Returns 1, 0 at the end, -1 for an
 * unclosed quote or '<' (the rest of that header value is skipped; the
 * next call goes on with the next header). */
int sip_hdr_next_elem(struct sip_hdr_iter *it, struct sv *elem);

/* Counts for the *_all() collectors. */
struct sip_list_count {
	size_t kept;      /* stored in the caller's array */
	size_t dropped;   /* well-formed, but the array was full */
	size_t malformed; /* elements that did not parse (not stored) */
};

/* ---- name-addr / addr-spec ---------------------------------------------- */

struct sip_addr {
	struct sv display;      /* inside the quotes, or the token words; unset if none */
	uint8_t display_quoted;
	uint8_t angle;          /* name-addr form, the URI was in <...> */
	uint8_t star;           /* Contact: "*" (nothing else is set) */
	uint8_t has_expires;    /* Contact ;expires= */
	int16_t q;              /* Contact ;q= in thousandths (0..1000), -1 absent */
	uint32_t expires;       /* saturates at UINT32_MAX */
	struct sv uri_text;     /* the URI as written */
	struct sip_uri uri;
	struct sv tag;          /* ;tag= (From, To), unset when absent */
	struct sv params;       /* header params, without the first ';'; unset if none */
};

/* One element of From, To, Contact, Route, Record-Route, Refer-To,
 * Referred-By, P-Asserted-Identity, Diversion, History-Info, ...:
 * ( name-addr / addr-spec ) *( SEMI generic-param ) (RFC 3261 20.10,
 * 25.1).  In addr-spec form the URI ends at the first ';' or LWS, and what
 * follows are header parameters (RFC 3261 20.10).  A display name is a
 * quoted string (backslash escapes allowed) or a list of tokens.  Contact
 * "*" sets star.  The URI is parsed with sip_uri_parse().  Returns 0 or -1. */
int sip_addr_parse(struct sv s, struct sip_addr *a);

/* Every element of every header with this id / name, parsed into out[]
 * (up to cap).  Returns the number stored; *c (may be NULL) gets counts. */
size_t sip_addr_all(const struct sip_msg *m, enum sip_hdr_id id, const char *name,
                    struct sip_addr *out, size_t cap, struct sip_list_count *c);

/* ---- Via (RFC 3261 20.42, RFC 3581 rport) --------------------------------- */

struct sip_via {
	struct sv proto_name;    /* "SIP" */
	struct sv proto_version; /* "2.0" */
	struct sv transport;     /* "UDP", "TCP", "TLS", "SCTP", "WS", ... */
	struct sv sent_by;       /* host[:port] as written (maybe with LWS) */
	struct sv host;          /* IPv6 without brackets */
	uint8_t host_type;       /* enum sip_host_type */
	uint8_t has_port;
	uint8_t has_rport;       /* ;rport present */
	uint16_t port;           /* 0 when absent */
	uint16_t rport;          /* its value, 0 when ";rport" has none */
	int16_t ttl;             /* ;ttl= 0..255, -1 when absent */
	struct sv branch, received, maddr; /* unset when absent */
	struct sv params;        /* all via-params, without the first ';' */
};

/* One via-parm: sent-protocol LWS sent-by *( SEMI via-params ), with SWS
 * allowed around '/', ':' and ';'.  Returns 0 or -1. */
int sip_via_parse(struct sv s, struct sip_via *v);

/* Next via-parm of a message, across repeated and comma-joined Via headers,
 * topmost first.  `it` comes from sip_hdr_iter_init(it, m, SIP_H_VIA, NULL).
 * Returns 1, 0 at the end, -1 for a malformed element (skip it and call
 * again for the next). */
int sip_via_next(struct sip_hdr_iter *it, struct sip_via *v);

/* All via-parms into out[] (up to cap).  Returns the number stored. */
size_t sip_via_all(const struct sip_msg *m, struct sip_via *out, size_t cap,
                   struct sip_list_count *c);

/* ---- small headers ------------------------------------------------------- */

struct sip_cseq {
	uint32_t seq;
	struct sv method;
};

/* CSeq: 1*DIGIT LWS Method (RFC 3261 20.16); the number fits 32 bits. */
int sip_cseq_parse(struct sv s, struct sip_cseq *c);

/* Max-Forwards: 1*DIGIT, 0..255 (RFC 3261 20.22). */
int sip_max_forwards_parse(struct sv s, uint32_t *hops);

/* Expires, Min-Expires, Session-Expires delta: 1*DIGIT (RFC 3261 20.19);
 * values above 2^32-1 saturate.  Trailing parameters are not accepted. */
int sip_expires_parse(struct sv s, uint32_t *secs);

/* RSeq: 1*DIGIT, 1..2^31-1 (RFC 3262 7.1). */
int sip_rseq_parse(struct sv s, uint32_t *rseq);

struct sip_rack {
	uint32_t rseq;
	uint32_t cseq;
	struct sv method;
};

/* RAck: response-num LWS CSeq-num LWS Method (RFC 3262 7.2). */
int sip_rack_parse(struct sv s, struct sip_rack *r);

struct sip_ctype {
	struct sv type;    /* "application" */
	struct sv subtype; /* "sdp" */
	struct sv params;  /* without the first ';'; unset if none */
};

/* Content-Type: m-type SLASH m-subtype *( SEMI m-parameter ) (RFC 3261
 * 20.15); boundary and charset via sip_hdr_param(ct.params, ...). */
int sip_ctype_parse(struct sv s, struct sip_ctype *ct);

struct sip_cdisp {
	struct sv type;     /* render, session, icon, alert, ... */
	struct sv handling; /* ;handling= optional / required, unset if absent */
	struct sv params;
};

/* Content-Disposition: disp-type *( SEMI disp-param ) (RFC 3261 20.11). */
int sip_cdisp_parse(struct sv s, struct sip_cdisp *cd);

struct sip_reason {
	struct sv protocol; /* "SIP", "Q.850", ... */
	uint8_t has_cause;
	uint32_t cause;
	struct sv text;     /* ;text="..." without quotes, unset if absent */
	struct sv params;
};

/* One reason-value (RFC 3326): protocol *( SEMI reason-params ); cause is
 * 1*DIGIT.  A Reason header may hold several: split with sip_list_next(). */
int sip_reason_parse(struct sv s, struct sip_reason *r);

struct sip_warning {
	uint16_t code;  /* 3 digits */
	struct sv agent;
	struct sv text; /* without quotes */
};

/* One warning-value: warn-code SP warn-agent SP warn-text (RFC 3261
 * 20.43); the agent is a hostport or a token.  Split with sip_list_next(). */
int sip_warning_parse(struct sv s, struct sip_warning *w);

struct sip_session_id {
	struct sv local;  /* 32 hex digits */
	struct sv remote; /* ;remote=, 32 hex digits, unset if absent */
	struct sv params;
};

/* Session-ID (RFC 7989): 32 hex digits (either case accepted) and
 * parameters; remote, when given, is 32 hex digits too. */
int sip_session_id_parse(struct sv s, struct sip_session_id *sid);

struct sip_event {
	struct sv package; /* event-type: "dialog", "presence.winfo" */
	struct sv id;      /* ;id=, unset if absent */
	struct sv params;
};

/* Event / Allow-Events element: event-type *( SEMI event-param ) (RFC 6665 8.4). */
int sip_event_parse(struct sv s, struct sip_event *e);

struct sip_substate {
	struct sv state;  /* active, pending, terminated, or an extension */
	struct sv reason; /* unset if absent */
	uint8_t has_expires;
	uint8_t has_retry_after;
	uint32_t expires;
	uint32_t retry_after;
	struct sv params;
};

/* Subscription-State (RFC 6665 8.4): substate-value *( SEMI subexp-params ). */
int sip_substate_parse(struct sv s, struct sip_substate *ss);

struct sip_replaces {
	struct sv call_id;
	struct sv to_tag;
	struct sv from_tag;
	uint8_t early_only;
	struct sv params;
};

/* Replaces (RFC 3891 6.1): callid *( SEMI replaces-param ), with exactly
 * the to-tag and from-tag RFC 3891 requires (a missing one is -1).  Inside
 * a Refer-To URI the value is %-escaped: sip_unescape() it first. */
int sip_replaces_parse(struct sv s, struct sip_replaces *r);

/* Token lists (Allow, Supported, Require, Proxy-Require, Unsupported,
 * Accept-Encoding without q, ...): fills out[] with up to cap tokens and
 * returns how many were stored, or -1 when an element is not a token
 * (empty elements between commas included).  An empty value is a list of
 * 0.  *dropped (may be NULL) counts tokens beyond cap. */
int sip_token_list(struct sv s, struct sv *out, size_t cap, size_t *dropped);

/* Is `tok` (case-insensitive) in the token list?  1, 0, or -1 malformed. */
int sip_token_list_has(struct sv s, const char *tok);

/* ---- authentication (RFC 3261 20.7, 20.27, 20.28, 20.44; RFC 7235) ------- */

#define SIP_AUTH_MAX_PARAMS 24

struct sip_auth {
	struct sv scheme;  /* "Digest", "Bearer", ... */
	struct sv token68; /* "Basic dXNlcjpwYXNz": the token68, unset otherwise */
	size_t nparams;    /* kept (<= SIP_AUTH_MAX_PARAMS) */
	size_t nparams_dropped;
	struct sip_param params[SIP_AUTH_MAX_PARAMS];
};

/* WWW-Authenticate, Proxy-Authenticate, Authorization, Proxy-Authorization:
 * auth-scheme [ LWS ( token68 / auth-param *( COMMA auth-param ) ) ], an
 * auth-param being token EQUAL ( token / quoted-string ); a token68 is not
 * accepted after "Digest", which only takes parameters.  Parameters
 * beyond SIP_AUTH_MAX_PARAMS are validated and counted, not stored.
 * Returns 0 or -1. */
int sip_auth_parse(struct sv s, struct sip_auth *a);

/* A scheme-less auth-param list (Authentication-Info, RFC 3261 20.6);
 * scheme and token68 stay unset.  Returns 0 or -1. */
int sip_auth_parse_params(struct sv s, struct sip_auth *a);

/* Parameter `name` of a parsed auth header (quotes stripped), SV_NULL when
 * absent; an empty view for an empty quoted value. */
struct sv sip_auth_param(const struct sip_auth *a, const char *name);

#define SIP_AUTH_SHOW_SECRETS 0x1

/* Render a parsed auth header for printing, one line:
 *   Digest username="alice", realm="x", nonce="ea9c…", response="dfe5…"
 * Secrets (response, nonce, cnonce, nextnonce, rspauth, auts, and a
 * token68) show at most their first 4 bytes and never more than half of
 * them, followed by "…" (UTF-8), unless SIP_AUTH_SHOW_SECRETS is given.
 * Bytes that are not printable ASCII are written as \xNN.  Writes at most
 * cap bytes including a terminating NUL (when cap > 0), never cutting an
 * item in the middle, and returns the length the whole rendering needs
 * (without the NUL), like snprintf. */
size_t sip_auth_render(const struct sip_auth *a, char *out, size_t cap, unsigned flags);

#endif
