/* identity.c - the Identity header (RFC 8224) and its PASSporT (RFC 8225,
 * RFC 8588, RFC 8946) decoded: base64url, then a small strict JSON reader
 * over the decoded bytes.  Strings are unescaped in place (an unescaped
 * string is never longer than its escaped form, and the reader has passed
 * it), so the views stay inside the struct's own buffers. */
#include <string.h>

#include "sipscope/base64.h"
#include "sipscope/identity.h"

/* ---- base64url (RFC 4648 5) ---- */

long identity_b64url_decode(struct sv in, uint8_t *out, size_t cap)
{
	return base64_decode(in, out, cap, 1);
}

/* ---- a strict JSON reader (RFC 8259) over a writable buffer ---- */

#define JSON_MAX_DEPTH 8

struct jr {
	char *p;
	size_t len, pos;
	int depth;
	const char *err;
};

static int jr_fail(struct jr *j, const char *why)
{
	if (!j->err)
		j->err = why;
	return -1;
}

static void jr_ws(struct jr *j)
{
	while (j->pos < j->len && (j->p[j->pos] == ' ' || j->p[j->pos] == '\t' ||
	                           j->p[j->pos] == '\r' || j->p[j->pos] == '\n'))
		j->pos++;
}

static int jr_peek(struct jr *j)
{
	jr_ws(j);
	return j->pos < j->len ? (unsigned char)j->p[j->pos] : -1;
}

static int hex4(const char *p, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		int c = (unsigned char)p[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		*v = *v << 4 | (unsigned)d;
	}
	return 0;
}

/* A string at pos (the opening quote), unescaped in place into *out. */
static int jr_string(struct jr *j, struct sv *out)
{
	if (jr_peek(j) != '"')
		return jr_fail(j, "JSON: a string was expected");
	size_t r = ++j->pos, w = r;
	for (;;) {
		if (r >= j->len)
			return jr_fail(j, "JSON: unterminated string");
		unsigned char c = (unsigned char)j->p[r];
		if (c == '"')
			break;
		if (c < 0x20)
			return jr_fail(j, "JSON: control character in a string");
		if (c != '\\') {
			j->p[w++] = (char)c;
			r++;
			continue;
		}
		if (r + 1 >= j->len)
			return jr_fail(j, "JSON: unterminated string");
		char e = j->p[r + 1], rep;
		switch (e) {
		case '"': rep = '"'; break;
		case '\\': rep = '\\'; break;
		case '/': rep = '/'; break;
		case 'b': rep = '\b'; break;
		case 'f': rep = '\f'; break;
		case 'n': rep = '\n'; break;
		case 'r': rep = '\r'; break;
		case 't': rep = '\t'; break;
		case 'u': {
			unsigned cp, lo;
			if (r + 6 > j->len || hex4(j->p + r + 2, &cp) < 0)
				return jr_fail(j, "JSON: bad \\u escape");
			r += 6;
			if (cp >= 0xDC00 && cp <= 0xDFFF)
				return jr_fail(j, "JSON: lone surrogate");
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (r + 6 > j->len || j->p[r] != '\\' || j->p[r + 1] != 'u' ||
				    hex4(j->p + r + 2, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
					return jr_fail(j, "JSON: lone surrogate");
				r += 6;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			}
			/* UTF-8: at most 4 bytes for the 6 or 12 read */
			if (cp < 0x80) {
				j->p[w++] = (char)cp;
			} else if (cp < 0x800) {
				j->p[w++] = (char)(0xC0 | cp >> 6);
				j->p[w++] = (char)(0x80 | (cp & 0x3F));
			} else if (cp < 0x10000) {
				j->p[w++] = (char)(0xE0 | cp >> 12);
				j->p[w++] = (char)(0x80 | (cp >> 6 & 0x3F));
				j->p[w++] = (char)(0x80 | (cp & 0x3F));
			} else {
				j->p[w++] = (char)(0xF0 | cp >> 18);
				j->p[w++] = (char)(0x80 | (cp >> 12 & 0x3F));
				j->p[w++] = (char)(0x80 | (cp >> 6 & 0x3F));
				j->p[w++] = (char)(0x80 | (cp & 0x3F));
			}
			continue;
		}
		default:
			return jr_fail(j, "JSON: bad escape");
		}
		j->p[w++] = rep;
		r += 2;
	}
	*out = sv_make(j->p + j->pos, w - j->pos);
	j->pos = r + 1;
	return 0;
}

/* A number: its text in *out (RFC 8259 6 grammar). */
static int jr_number(struct jr *j, struct sv *out)
{
	size_t s = j->pos, i = s;
	if (i < j->len && j->p[i] == '-')
		i++;
	if (i >= j->len || j->p[i] < '0' || j->p[i] > '9')
		return jr_fail(j, "JSON: bad number");
	if (j->p[i] == '0')
		i++;
	else
		while (i < j->len && j->p[i] >= '0' && j->p[i] <= '9')
			i++;
	if (i < j->len && j->p[i] == '.') {
		if (++i >= j->len || j->p[i] < '0' || j->p[i] > '9')
			return jr_fail(j, "JSON: bad number");
		while (i < j->len && j->p[i] >= '0' && j->p[i] <= '9')
			i++;
	}
	if (i < j->len && (j->p[i] == 'e' || j->p[i] == 'E')) {
		i++;
		if (i < j->len && (j->p[i] == '+' || j->p[i] == '-'))
			i++;
		if (i >= j->len || j->p[i] < '0' || j->p[i] > '9')
			return jr_fail(j, "JSON: bad number");
		while (i < j->len && j->p[i] >= '0' && j->p[i] <= '9')
			i++;
	}
	*out = sv_make(j->p + s, i - s);
	j->pos = i;
	return 0;
}

static int jr_lit(struct jr *j, const char *lit)
{
	size_t n = strlen(lit);
	if (j->len - j->pos < n || memcmp(j->p + j->pos, lit, n))
		return jr_fail(j, "JSON: bad value");
	j->pos += n;
	return 0;
}

static int jr_skip(struct jr *j);

/* Walk an object: cb(ctx, key, j) reads the value at j->pos (or skips it). */
typedef int (*jr_member_fn)(void *ctx, struct sv key, struct jr *j);

static int jr_object(struct jr *j, jr_member_fn cb, void *ctx)
{
	if (jr_peek(j) != '{')
		return jr_fail(j, "JSON: an object was expected");
	if (++j->depth > JSON_MAX_DEPTH)
		return jr_fail(j, "JSON: nested too deep");
	j->pos++;
	if (jr_peek(j) == '}') {
		j->pos++;
		j->depth--;
		return 0;
	}
	for (;;) {
		struct sv key;
		if (jr_string(j, &key) < 0)
			return -1;
		if (jr_peek(j) != ':')
			return jr_fail(j, "JSON: ':' expected");
		j->pos++;
		jr_ws(j);
		if ((cb ? cb(ctx, key, j) : jr_skip(j)) < 0)
			return -1;
		int c = jr_peek(j);
		j->pos++;
		if (c == '}')
			break;
		if (c != ',')
			return jr_fail(j, "JSON: ',' or '}' expected");
	}
	j->depth--;
	return 0;
}

/* Walk an array: cb(ctx, j) reads each element. */
typedef int (*jr_elem_fn)(void *ctx, struct jr *j);

static int jr_array(struct jr *j, jr_elem_fn cb, void *ctx)
{
	if (jr_peek(j) != '[')
		return jr_fail(j, "JSON: an array was expected");
	if (++j->depth > JSON_MAX_DEPTH)
		return jr_fail(j, "JSON: nested too deep");
	j->pos++;
	if (jr_peek(j) == ']') {
		j->pos++;
		j->depth--;
		return 0;
	}
	for (;;) {
		jr_ws(j);
		if ((cb ? cb(ctx, j) : jr_skip(j)) < 0)
			return -1;
		int c = jr_peek(j);
		j->pos++;
		if (c == ']')
			break;
		if (c != ',')
			return jr_fail(j, "JSON: ',' or ']' expected");
	}
	j->depth--;
	return 0;
}

static int skip_elem(void *ctx, struct jr *j)
{
	(void)ctx;
	return jr_skip(j);
}

/* Any value, validated and passed over. */
static int jr_skip(struct jr *j)
{
	struct sv v;
	switch (jr_peek(j)) {
	case '{': return jr_object(j, NULL, NULL);
	case '[': return jr_array(j, skip_elem, NULL);
	case '"': return jr_string(j, &v);
	case 't': return jr_lit(j, "true");
	case 'f': return jr_lit(j, "false");
	case 'n': return jr_lit(j, "null");
	case -1: return jr_fail(j, "JSON: value expected");
	default: return jr_number(j, &v);
	}
}

/* A string member into *dst, once. */
static int take_string(struct jr *j, struct sv *dst)
{
	if (sv_is_set(*dst))
		return jr_fail(j, "JSON: duplicate key");
	return jr_string(j, dst); /* a view is always set, "" too */
}

/* Parse a whole document: one object and nothing after it. */
static int jr_document(char *p, size_t len, jr_member_fn cb, void *ctx, const char **why)
{
	struct jr j = { p, len, 0, 0, NULL };
	if (jr_object(&j, cb, ctx) < 0 || (jr_peek(&j) != -1 && jr_fail(&j, "JSON: bytes after the object"))) {
		*why = j.err;
		return -1;
	}
	return 0;
}

/* ---- the JOSE header and the claims ---- */

static int hdr_member(void *ctx, struct sv key, struct jr *j)
{
	struct identity *id = ctx;
	if (sv_eq(key, sv_make("alg", 3)))
		return take_string(j, &id->alg);
	if (sv_eq(key, sv_make("typ", 3)))
		return take_string(j, &id->typ);
	if (sv_eq(key, sv_make("ppt", 3)))
		return take_string(j, &id->ppt);
	if (sv_eq(key, sv_make("x5u", 3)))
		return take_string(j, &id->x5u);
	return jr_skip(j);
}

/* orig / div: {"tn": "..."} or {"uri": "..."} (RFC 8225 5.2.1). */
struct tn_uri {
	struct sv *tn, *uri;
};

static int tn_uri_member(void *ctx, struct sv key, struct jr *j)
{
	struct tn_uri *t = ctx;
	if (sv_eq(key, sv_make("tn", 2)))
		return take_string(j, t->tn);
	if (sv_eq(key, sv_make("uri", 3)))
		return take_string(j, t->uri);
	return jr_skip(j);
}

/* dest: {"tn": ["...", ...], "uri": [...]} (RFC 8225 5.2.1). */
struct dest_ctx {
	struct identity *id;
	int uri; /* collecting uri (else tn) */
};

static int dest_elem(void *ctx, struct jr *j)
{
	struct dest_ctx *d = ctx;
	struct identity *id = d->id;
	struct sv v;
	if (jr_string(j, &v) < 0)
		return -1;
	uint8_t *n = d->uri ? &id->ndest_uri : &id->ndest_tn;
	struct sv *arr = d->uri ? id->dest_uri : id->dest_tn;
	if (*n < IDENTITY_MAX_DEST)
		arr[(*n)++] = v;
	else if (id->dest_dropped < UINT8_MAX)
		id->dest_dropped++;
	return 0;
}

static int dest_member(void *ctx, struct sv key, struct jr *j)
{
	struct dest_ctx *d = ctx;
	int is_tn = sv_eq(key, sv_make("tn", 2)), is_uri = sv_eq(key, sv_make("uri", 3));
	if (!is_tn && !is_uri)
		return jr_skip(j);
	d->uri = is_uri;
	return jr_array(j, dest_elem, d);
}

static int claims_member(void *ctx, struct sv key, struct jr *j)
{
	struct identity *id = ctx;
	if (sv_eq(key, sv_make("attest", 6)))
		return take_string(j, &id->attest);
	if (sv_eq(key, sv_make("origid", 6)))
		return take_string(j, &id->origid);
	if (sv_eq(key, sv_make("orig", 4))) {
		if (sv_is_set(id->orig_tn) || sv_is_set(id->orig_uri))
			return jr_fail(j, "JSON: duplicate key");
		struct tn_uri t = { &id->orig_tn, &id->orig_uri };
		return jr_object(j, tn_uri_member, &t);
	}
	if (sv_eq(key, sv_make("div", 3))) {
		if (id->has_div)
			return jr_fail(j, "JSON: duplicate key");
		id->has_div = 1;
		struct tn_uri t = { &id->div_tn, &id->div_uri };
		return jr_object(j, tn_uri_member, &t);
	}
	if (sv_eq(key, sv_make("dest", 4))) {
		if (id->ndest_tn || id->ndest_uri)
			return jr_fail(j, "JSON: duplicate key");
		struct dest_ctx d = { id, 0 };
		return jr_object(j, dest_member, &d);
	}
	if (sv_eq(key, sv_make("iat", 3))) {
		struct sv num;
		if (id->has_iat)
			return jr_fail(j, "JSON: duplicate key");
		if (jr_peek(j) != '-' && (jr_peek(j) < '0' || jr_peek(j) > '9'))
			return jr_fail(j, "iat is not a number");
		if (jr_number(j, &num) < 0)
			return -1;
		int64_t v = 0;
		for (size_t i = 0; i < num.len; i++) {
			if (num.p[i] < '0' || num.p[i] > '9' || v > (INT64_MAX - 9) / 10)
				return jr_fail(j, "iat is not a whole number of seconds");
			v = v * 10 + (num.p[i] - '0');
		}
		id->iat = v;
		id->has_iat = 1;
		return 0;
	}
	return jr_skip(j);
}

/* ---- the header value (RFC 8224 4.1) ---- */

static int is_b64url(unsigned char c)
{
	return base64_digit(c, 1) >= 0;
}

/* One part of the token, decoded into buf as JSON and walked with cb. */
static int decode_part(struct sv part, char *buf, size_t *len, jr_member_fn cb, struct identity *id,
                       const char *what, const char **why)
{
	long n = identity_b64url_decode(part, (uint8_t *)buf, IDENTITY_MAX_JSON);
	if (n < 0) {
		*why = what;
		return -1;
	}
	*len = (size_t)n;
	return jr_document(buf, (size_t)n, cb, id, why);
}

int identity_parse(struct sv value, struct identity *id, const char **why)
{
	const char *dummy;
	if (!why)
		why = &dummy;
	*why = NULL;
	memset(id, 0, sizeof *id);
	struct sv v = sv_trim(value);
	if (!v.p || !v.len) {
		*why = "empty Identity header";
		return -1;
	}
	if (v.p[0] == '"') {
		*why = "RFC 4474 Identity (quoted signature), obsoleted by RFC 8224";
		return -1;
	}
	/* the token: base64url parts separated by two dots */
	size_t i = 0, dots[2] = { 0, 0 }, nd = 0;
	for (; i < v.len; i++) {
		unsigned char c = (unsigned char)v.p[i];
		if (c == '.') {
			if (nd == 2) {
				*why = "the token has more than three parts";
				return -1;
			}
			dots[nd++] = i;
		} else if (!is_b64url(c)) {
			break;
		}
	}
	if (nd != 2) {
		*why = "the token is not header.claims.signature";
		return -1;
	}
	id->token = sv_make(v.p, i);
	id->signing_input = sv_make(v.p, dots[1]);
	struct sv hdr = sv_make(v.p, dots[0]);
	struct sv claims = sv_make(v.p + dots[0] + 1, dots[1] - dots[0] - 1);
	struct sv sig = sv_make(v.p + dots[1] + 1, i - dots[1] - 1);
	/* parameters: ;info=<uri> ;alg= ;ppt= (others passed over) */
	struct sv rest = sv_trim(sv_make(v.p + i, v.len - i));
	while (rest.len) {
		if (rest.p[0] != ';') {
			*why = "unexpected text after the token";
			return -1;
		}
		rest = sv_trim(sv_make(rest.p + 1, rest.len - 1));
		size_t e = 0;
		int in_angle = 0;
		for (; e < rest.len; e++) {
			if (rest.p[e] == '<')
				in_angle = 1;
			else if (rest.p[e] == '>')
				in_angle = 0;
			else if (rest.p[e] == ';' && !in_angle)
				break;
		}
		struct sv param = sv_trim(sv_make(rest.p, e));
		rest = sv_make(rest.p + e, rest.len - e);
		const char *eq = memchr(param.p, '=', param.len);
		if (!eq)
			continue;
		struct sv name = sv_trim(sv_make(param.p, (size_t)(eq - param.p)));
		struct sv val = sv_trim(sv_make(eq + 1, param.len - (size_t)(eq + 1 - param.p)));
		if (sv_eq_ci(name, "info")) {
			if (val.len < 2 || val.p[0] != '<' || val.p[val.len - 1] != '>') {
				*why = "info is not <URI>";
				return -1;
			}
			id->info = sv_make(val.p + 1, val.len - 2);
		} else if (sv_eq_ci(name, "alg")) {
			id->alg_param = val;
		} else if (sv_eq_ci(name, "ppt")) {
			if (val.len >= 2 && val.p[0] == '"' && val.p[val.len - 1] == '"')
				val = sv_make(val.p + 1, val.len - 2);
			id->ppt_param = val;
		}
	}
	long n = identity_b64url_decode(sig, id->sig, sizeof id->sig);
	if (n < 0) {
		*why = "the signature is not base64url";
		return -1;
	}
	id->sig_len = (size_t)n;
	if (decode_part(hdr, id->hdr_json, &id->hdr_len, hdr_member, id,
	                "the PASSporT header is not base64url (or too long)", why) < 0)
		return -1;
	if (!claims.len) {
		id->compact = 1;
		return 0;
	}
	if (decode_part(claims, id->claims_json, &id->claims_len, claims_member, id,
	                "the PASSporT claims are not base64url (or too long)", why) < 0)
		return -1;
	return 0;
}

/* ---- telephone numbers (RFC 8224 8.3) ---- */

int identity_tn_normalize(struct sv in, char *out, size_t cap)
{
	size_t n = 0;
	if (!cap)
		return -1;
	out[0] = '\0';
	for (size_t i = 0; i < in.len; i++) {
		char c = in.p[i];
		if (c == ';')
			break;
		if (c == '+' || c == '-' || c == '.' || c == '(' || c == ')' || c == ' ')
			continue;
		if (c < '0' || c > '9' || n + 1 >= cap) {
			out[0] = '\0';
			return -1;
		}
		out[n++] = c;
	}
	out[n] = '\0';
	return n ? (int)n : -1;
}
