/* identity.h - STIR/SHAKEN: the SIP Identity header (RFC 8224, compact
 * form `y`) and the PASSporT it carries (RFC 8225; SHAKEN claims RFC
 * 8588; the div PASSporT RFC 8946), decoded; and its ES256 signature
 * verified against certificates given offline (nothing is fetched).
 *
 * identity_parse() takes a header value apart:
 *   <b64url header>.<b64url claims>.<b64url signature>;info=<x5u>;alg=ES256;ppt=shaken
 * The JOSE header and the claims are base64url-decoded into the struct
 * and read with a small strict JSON reader (RFC 8259: one object, no
 * trailing bytes, nesting at most 8 deep, duplicate keys of the fields
 * read refused).  Every view of the decoded JSON points into the struct
 * itself: a struct identity must not be copied or moved after parsing.
 * Views of the header value (token, info, params) point into the
 * caller's bytes.  Nothing is allocated; nothing is read past the value.
 *
 * Verification (identity_verify) is separate and needs libcrypto keys:
 * struct identity_keys holds the --stir-cert certificates, each bound to
 * an x5u URL (URL=FILE) or matched by the file's base name against the
 * last path segment of the x5u (FILE), the --stir-ca trust anchors, and
 * the --stir-signer addresses (trunks that must sign their INVITEs). */
#ifndef SIPSCOPE_IDENTITY_H
#define SIPSCOPE_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "sipscope/sv.h"

#define IDENTITY_MAX_JSON 2048 /* decoded bytes kept of the header and of the claims */
#define IDENTITY_MAX_DEST 8    /* dest tn / uri entries kept (more are counted) */
#define IDENTITY_MAX_SIG 132   /* decoded signature bytes (ES512 would need 132) */

struct identity {
	/* The header value, as written (views into the caller's bytes). */
	struct sv token;         /* header.claims.signature */
	struct sv signing_input; /* header.claims: what the signature covers */
	struct sv info;          /* ;info= without the angle brackets, unset if absent */
	struct sv alg_param;     /* ;alg= */
	struct sv ppt_param;     /* ;ppt= */
	uint8_t compact;         /* the PASSporT's compact form: no claims carried
	                          * (RFC 8225 7: rebuilt from the SIP message) */
	/* The JOSE header (RFC 8225 4). */
	struct sv alg, typ, ppt, x5u;
	/* The claims (RFC 8225 5, RFC 8588 4, RFC 8946). */
	struct sv attest;        /* "A", "B", "C" */
	struct sv origid;
	struct sv orig_tn, orig_uri;
	struct sv dest_tn[IDENTITY_MAX_DEST];
	struct sv dest_uri[IDENTITY_MAX_DEST];
	uint8_t ndest_tn, ndest_uri;
	uint8_t dest_dropped;    /* dest entries past IDENTITY_MAX_DEST */
	uint8_t has_iat;
	uint8_t has_div;         /* a div claim (RFC 8946): its tn / uri below */
	int64_t iat;             /* seconds since the epoch */
	struct sv div_tn, div_uri;
	/* Decoded bytes (the views above point in here). */
	uint8_t sig[IDENTITY_MAX_SIG];
	size_t sig_len;
	char hdr_json[IDENTITY_MAX_JSON];
	size_t hdr_len;
	char claims_json[IDENTITY_MAX_JSON];
	size_t claims_len;
};

/* Take an Identity header value apart into *id (all of it overwritten).
 * Returns 0, or -1 with a short static reason in *why (may be NULL);
 * what was decoded before the problem stays in *id (views set or unset),
 * so a front end can show the claims of a PASSporT whose header is bad. */
int identity_parse(struct sv value, struct identity *id, const char **why);

/* base64url (RFC 4648 5, without padding as JWS writes it) of in into
 * out[0..cap).  Returns the decoded length, or -1 when in is not
 * base64url or the result does not fit. */
long identity_b64url_decode(struct sv in, uint8_t *out, size_t cap);

/* Telephone number of a tn claim or of a SIP/tel URI's user part,
 * normalised for comparison (RFC 8224 8.3): '+' and visual separators
 * (- . ( ) space) dropped, URI parameters (";npdi") cut; out gets the
 * digits (NUL-terminated).  Returns the number of digits, or -1 when
 * what is left is not all digits (then out is "") or does not fit. */
int identity_tn_normalize(struct sv in, char *out, size_t cap);

/* ---- verification (libcrypto) ---- */

struct identity_keys;

enum identity_verdict {
	IDENTITY_UNVERIFIED = -1, /* no certificate for the x5u, or not checkable */
	IDENTITY_BAD = 0,         /* the signature or the certificate chain fails */
	IDENTITY_GOOD = 1
};

/* Empty key set; NULL when memory ran out.  identity_keys_free() frees. */
struct identity_keys *identity_keys_new(void);
void identity_keys_free(struct identity_keys *k);

/* A certificate (PEM) from spec "FILE" or "URL=FILE" (URL: http:// or
 * https://...).  Returns 0, or -1 with the reason in err. */
int identity_keys_add_cert(struct identity_keys *k, const char *spec, char *err, size_t n);
/* A trust anchor (PEM, one or more certificates): with any, a
 * certificate must chain up to one, valid at the message's time. */
int identity_keys_add_ca(struct identity_keys *k, const char *file, char *err, size_t n);
/* A trunk that must sign: "IP" or "IP:PORT" ([v6]:port), compared with
 * a request's source address as store_endpoint_format() writes it. */
int identity_keys_add_signer(struct identity_keys *k, const char *addr, char *err, size_t n);
/* Does the source "IP:PORT" (as formatted) belong to a --stir-signer?
 * With src NULL: is there any --stir-signer at all? */
int identity_keys_must_sign(const struct identity_keys *k, const char *src);
/* Certificates loaded. */
size_t identity_keys_count(const struct identity_keys *k);

/* Verify id (parsed) with k (may be NULL: no keys) at time at_s (seconds
 * since the epoch: the message's capture time, for the certificate's
 * validity).  ES256 over signing_input, signature R||S (RFC 7518 3.4).
 * Returns an enum identity_verdict; reason (NUL-terminated, may be
 * NULL) says why when not GOOD, and names the certificate when GOOD. */
int identity_verify(const struct identity_keys *k, const struct identity *id, int64_t at_s,
                    char *reason, size_t n);

/* identity_parse() then identity_verify(): what every surface shows.  A
 * header that does not decode is IDENTITY_BAD with the reason "the
 * Identity header does not decode: ...".  *decoded (may be NULL) is set
 * to 1 when the parse succeeded. */
int identity_check(struct sv value, const struct identity_keys *k, int64_t at_s, struct identity *id,
                   int *decoded, char *reason, size_t n);

/* The process's keys, as the command line (--stir-cert, --stir-ca,
 * --stir-signer and their config lines) filled them; never NULL, never
 * freed.  Fill it before starting threads; reading it after is safe. */
struct identity_keys *identity_keys_default(void);

#endif
