/* sip_auth.c - authentication headers (RFC 3261 22, RFC 7616):
 * challenges and credentials parsed, and rendered with secrets cut, see
 * include/sipscope/sip_hdr.h. */
#include <string.h>

#include "sip_scan.h"

/* ---- authentication ------------------------------------------------------- */

static int auth_params(const char *p, const char *end, struct sip_auth *a)
{
	struct sv rest = span(p, end);
	struct sip_param prm;
	int r;
	if (skip_lws(p, end) == end)
		return -1;
	while ((r = sip_scan_param(&rest, ',', &prm)) == 1) {
		if (!prm.value.p)
			return -1; /* auth-param = name EQUAL value */
		if (a->nparams < SIP_AUTH_MAX_PARAMS)
			a->params[a->nparams++] = prm;
		else
			a->nparams_dropped++;
	}
	return r;
}

/* token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
 * (RFC 7235 2.1), alone after the scheme. */
static int is_token68(const char *p, const char *end)
{
	const char *s = p;
	while (p < end && (is_alpha((unsigned char)*p) || is_digit((unsigned char)*p) ||
	                   (*p && strchr("-._~+/", *p))))
		p++;
	if (p == s)
		return 0;
	while (p < end && *p == '=')
		p++;
	return p == end;
}

int sip_auth_parse(struct sv s, struct sip_auth *a)
{
	memset(a, 0, sizeof *a);
	const char *p, *end;
	bounds(sv_trim(s), &p, &end);
	if (!(p = sip_scan_token(p, end, &a->scheme)))
		goto bad;
	if (p == end)
		return 0;
	if (!is_lws((unsigned char)*p))
		goto bad;
	p = skip_lws(p, end);
	/* Digest (RFC 3261 20.27, 25.1) takes parameters only. */
	if (!sv_eq_ci(a->scheme, "Digest") && is_token68(p, end)) {
		a->token68 = span(p, end);
		return 0;
	}
	if (auth_params(p, end, a) < 0)
		goto bad;
	return 0;
bad:
	memset(a, 0, sizeof *a);
	return -1;
}

int sip_auth_parse_params(struct sv s, struct sip_auth *a)
{
	memset(a, 0, sizeof *a);
	const char *p, *end;
	bounds(sv_trim(s), &p, &end);
	if (auth_params(p, end, a) < 0) {
		memset(a, 0, sizeof *a);
		return -1;
	}
	return 0;
}

struct sv sip_auth_param(const struct sip_auth *a, const char *name)
{
	for (size_t i = 0; i < a->nparams; i++)
		if (sv_eq_ci(a->params[i].name, name))
			return a->params[i].value;
	return SV_NULL;
}

/* Output that never cuts an item: once one does not fit, nothing more is
 * written, but the needed length keeps counting. */
struct out {
	char *buf;
	size_t cap, used, need;
	int full;
};

static void out_put(struct out *o, const char *s, size_t n)
{
	if (!o->full && o->cap && o->used + n < o->cap) {
		memcpy(o->buf + o->used, s, n);
		o->used += n;
	} else {
		o->full = 1;
	}
	o->need += n;
}

/* Printable ASCII as is, anything else as \xNN. */
static void out_safe(struct out *o, struct sv v)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < v.len; i++) {
		unsigned char c = (unsigned char)v.p[i];
		if (c >= 0x20 && c < 0x7f) {
			out_put(o, (const char *)&v.p[i], 1);
		} else {
			char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };
			out_put(o, e, 4);
		}
	}
}

static void out_secret(struct out *o, struct sv v, unsigned flags)
{
	if (flags & SIP_AUTH_SHOW_SECRETS || v.len == 0) {
		out_safe(o, v);
		return;
	}
	size_t k = v.len / 2 < 4 ? v.len / 2 : 4;
	if (k && v.p[k - 1] == '\\')
		k--; /* do not leave half a quoted-pair */
	out_safe(o, sv_make(v.p, k));
	out_put(o, "\xe2\x80\xa6", 3); /* U+2026 HORIZONTAL ELLIPSIS */
}

static int is_secret(struct sv name)
{
	static const char *const secret[] = { "response", "nonce", "cnonce", "nextnonce",
	                                      "rspauth", "auts" };
	for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++)
		if (sv_eq_ci(name, secret[i]))
			return 1;
	return 0;
}

size_t sip_auth_render(const struct sip_auth *a, char *out, size_t cap, unsigned flags)
{
	struct out o = { out, cap, 0, 0, 0 };
	out_safe(&o, a->scheme);
	if (a->token68.p) {
		out_put(&o, " ", 1);
		out_secret(&o, a->token68, flags);
	}
	for (size_t i = 0; i < a->nparams; i++) {
		const struct sip_param *p = &a->params[i];
		if (i)
			out_put(&o, ",", 1);
		if (i || a->scheme.p)
			out_put(&o, " ", 1);
		out_safe(&o, p->name);
		out_put(&o, "=", 1);
		if (p->quoted)
			out_put(&o, "\"", 1);
		if (is_secret(p->name))
			out_secret(&o, p->value, flags);
		else
			out_safe(&o, p->value);
		if (p->quoted)
			out_put(&o, "\"", 1);
	}
	if (cap)
		out[o.used] = '\0';
	return o.need;
}
