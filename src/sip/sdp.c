/* sdp.c - zero-copy SDP parser, see include/sipscope/sdp.h. */
#include <string.h>

#include "sipscope/sdp.h"

const char *sdp_dir_name(enum sdp_dir d)
{
	switch (d) {
	case SDP_DIR_SENDRECV: return "sendrecv";
	case SDP_DIR_SENDONLY: return "sendonly";
	case SDP_DIR_RECVONLY: return "recvonly";
	case SDP_DIR_INACTIVE: return "inactive";
	case SDP_DIR_NONE: break;
	}
	return "sendrecv";
}

static const struct {
	const char *name;
	uint8_t suite;
} srtp_suites[] = {
	{ "AES_CM_128_HMAC_SHA1_80", SDP_SRTP_AES_CM_128_HMAC_SHA1_80 },
	{ "AES_CM_128_HMAC_SHA1_32", SDP_SRTP_AES_CM_128_HMAC_SHA1_32 },
	{ "AES_256_CM_HMAC_SHA1_80", SDP_SRTP_AES_256_CM_HMAC_SHA1_80 },
	{ "AEAD_AES_128_GCM", SDP_SRTP_AEAD_AES_128_GCM },
	{ "AEAD_AES_256_GCM", SDP_SRTP_AEAD_AES_256_GCM },
};

const char *sdp_srtp_suite_name(enum sdp_srtp_suite s)
{
	for (size_t i = 0; i < sizeof srtp_suites / sizeof srtp_suites[0]; i++)
		if (srtp_suites[i].suite == s)
			return srtp_suites[i].name;
	return "unknown";
}

int sdp_proto_is_srtp(struct sv proto)
{
	/* RTP/SAVP, RTP/SAVPF, UDP/TLS/RTP/SAVP, UDP/TLS/RTP/SAVPF */
	for (size_t i = 0; i + 4 <= proto.len; i++)
		if (!memcmp(proto.p + i, "SAVP", 4) && (i == 0 || proto.p[i - 1] == '/'))
			return 1;
	return 0;
}

const struct sdp_crypto *sdp_crypto_by_tag(const struct sdp_media *md, uint32_t tag)
{
	for (uint8_t i = 0; i < md->ncrypto; i++)
		if (md->crypto[i].tag == tag)
			return &md->crypto[i];
	return NULL;
}

size_t sdp_crypto_redact(struct sv line, char *out, size_t cap)
{
	static const char hidden[] = "(hidden)";
	if (line.len < 9 || memcmp(line.p, "a=crypto:", 9) != 0 || !cap)
		return 0;
	size_t o = 0, i = 0;
	int keys = 0;
	while (i < line.len) {
		if (line.len - i >= 7 && !memcmp(line.p + i, "inline:", 7)) {
			i += 7;
			while (i < line.len && line.p[i] != '|' && line.p[i] != ';' && line.p[i] != ' ' &&
			       line.p[i] != '\t')
				i++; /* the key || salt */
			if (o + 7 + sizeof hidden > cap)
				break;
			memcpy(out + o, "inline:", 7);
			memcpy(out + o + 7, hidden, sizeof hidden - 1);
			o += 7 + sizeof hidden - 1;
			keys++;
			continue;
		}
		if (o + 1 >= cap)
			break;
		out[o++] = line.p[i++];
	}
	out[o] = '\0';
	return keys ? o : 0;
}

/* Next space-separated word of *line (advanced past it). */
static struct sv word(struct sv *line)
{
	const char *p = line->p, *end = line->p + line->len;
	while (p < end && *p == ' ')
		p++;
	const char *s = p;
	while (p < end && *p != ' ')
		p++;
	line->len = (size_t)(end - p);
	line->p = p;
	return sv_make(s, (size_t)(p - s));
}

static int is_attr(struct sv v, const char *name)
{
	size_t n = strlen(name);
	return v.len >= n && memcmp(v.p, name, n) == 0 && (v.len == n || v.p[n] == ':');
}

static uint8_t dir_of(struct sv a)
{
	if (a.len == 8 && !memcmp(a.p, "sendrecv", 8))
		return SDP_DIR_SENDRECV;
	if (a.len == 8 && !memcmp(a.p, "sendonly", 8))
		return SDP_DIR_SENDONLY;
	if (a.len == 8 && !memcmp(a.p, "recvonly", 8))
		return SDP_DIR_RECVONLY;
	if (a.len == 8 && !memcmp(a.p, "inactive", 8))
		return SDP_DIR_INACTIVE;
	return SDP_DIR_NONE;
}

/* "c=IN IP4 192.0.2.1" -> "192.0.2.1" (a TTL or count suffix is dropped). */
static struct sv conn_addr(struct sv v)
{
	word(&v);
	word(&v);
	struct sv a = word(&v);
	const char *slash = memchr(a.p, '/', a.len);
	return slash ? sv_make(a.p, (size_t)(slash - a.p)) : a;
}

static uint32_t to_u32(struct sv v)
{
	uint32_t n = 0;
	for (size_t i = 0; i < v.len && i < 10 && v.p[i] >= '0' && v.p[i] <= '9'; i++)
		n = n * 10 + (uint32_t)(v.p[i] - '0');
	return n;
}

/* Digits only, at most max of them: the value, or -1. */
static int64_t digits(struct sv v, size_t max)
{
	int64_t n = 0;
	if (!v.len || v.len > max)
		return -1;
	for (size_t i = 0; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return -1;
		n = n * 10 + (v.p[i] - '0');
	}
	return n;
}

/* "KEY|2^20|1:4": key-salt, then an optional lifetime and an optional
 * MKI "value:length" in that order (RFC 4568 6.1). */
static void crypto_key_info(struct sdp_crypto *c, struct sv ki)
{
	const char *end = ki.p + ki.len;
	for (int field = 0; ki.p <= end; field++) {
		const char *bar = memchr(ki.p, '|', (size_t)(end - ki.p));
		struct sv f = sv_make(ki.p, (size_t)((bar ? bar : end) - ki.p));
		const char *colon = memchr(f.p, ':', f.len);
		if (field == 0) {
			c->key = f;
		} else if (colon) {
			int64_t val = digits(sv_make(f.p, (size_t)(colon - f.p)), 10);
			int64_t n = digits(sv_make(colon + 1, (size_t)(f.p + f.len - colon - 1)), 3);
			if (val >= 0 && val <= UINT32_MAX && n >= 1 && n <= 128) {
				c->mki = (uint32_t)val;
				c->mki_len = (uint8_t)n;
			}
		} else {
			c->lifetime = f;
		}
		if (!bar)
			break;
		ki.p = bar + 1;
	}
}

/* RFC 4568 9.1: "crypto:" tag 1*WSP suite 1*WSP key-params
 * *(1*WSP session-param), key-params = key-param *(";" key-param). */
static void parse_crypto(struct sdp_media *m, struct sv v)
{
	if (m->ncrypto_seen < 255)
		m->ncrypto_seen++;
	struct sv rest = sv_make(v.p + 7, v.len - 7);
	struct sv tag = word(&rest), suite = word(&rest), keys = word(&rest);
	int64_t t = digits(tag, 9);
	if (t < 0 || !suite.len || !keys.len || m->ncrypto == SDP_MAX_CRYPTO)
		return;
	struct sdp_crypto *c = &m->crypto[m->ncrypto++];
	memset(c, 0, sizeof *c);
	c->tag = (uint32_t)t;
	c->suite_name = suite;
	for (size_t i = 0; i < sizeof srtp_suites / sizeof srtp_suites[0]; i++)
		if (suite.len == strlen(srtp_suites[i].name) && !memcmp(suite.p, srtp_suites[i].name, suite.len))
			c->suite = srtp_suites[i].suite;
	while (rest.len && rest.p[0] == ' ') {
		rest.p++;
		rest.len--;
	}
	if (rest.len)
		c->params = rest;
	const char *p = keys.p, *end = keys.p + keys.len;
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		struct sv kp = sv_make(p, (size_t)((semi ? semi : end) - p));
		if (kp.len >= 7 && !memcmp(kp.p, "inline:", 7)) {
			if (!c->nkeys)
				crypto_key_info(c, sv_make(kp.p + 7, kp.len - 7));
			if (c->nkeys < 255)
				c->nkeys++;
		}
		p = semi ? semi + 1 : end;
	}
}

int sdp_parse(const char *body, size_t len, struct sdp *out)
{
	memset(out, 0, sizeof *out);
	if (len < 2 || body[0] != 'v' || body[1] != '=')
		return -1;
	struct sdp_media *m = NULL;
	const char *p = body, *end = body + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		struct sv line = sv_make(p, (size_t)(le - p));
		if (line.len && line.p[line.len - 1] == '\r')
			line.len--;
		p = nl ? nl + 1 : end;
		if (line.len < 2 || line.p[1] != '=')
			continue;
		char type = line.p[0];
		struct sv v = sv_make(line.p + 2, line.len - 2);
		if (type == 'm') {
			out->nmedia_seen++;
			if (out->nmedia == SDP_MAX_MEDIA) {
				m = NULL;
				continue;
			}
			m = &out->media[out->nmedia++];
			m->type = word(&v);
			m->port = to_u32(word(&v));
			m->proto = word(&v);
			for (struct sv f = word(&v); f.len; f = word(&v))
				if (m->nfmts < SDP_MAX_FMTS)
					m->fmts[m->nfmts++].id = f;
		} else if (type == 'c') {
			if (m)
				m->conn = conn_addr(v);
			else
				out->conn = conn_addr(v);
		} else if (type == 'o' && !m) {
			for (int i = 0; i < 5; i++)
				word(&v);
			out->origin_addr = word(&v);
		} else if (type == 'a') {
			uint8_t d = dir_of(v);
			if (d) {
				if (m)
					m->dir = d;
				else
					out->dir = d;
			} else if (m && v.len > 7 && is_attr(v, "rtpmap")) {
				struct sv rest = sv_make(v.p + 7, v.len - 7);
				struct sv id = word(&rest);
				struct sv enc = word(&rest);
				for (uint16_t i = 0; i < m->nfmts; i++)
					if (sv_eq(m->fmts[i].id, id))
						m->fmts[i].encoding = enc;
			} else if (m && is_attr(v, "candidate")) {
				m->ncandidates++;
			} else if (m && v.len > 7 && is_attr(v, "crypto")) {
				parse_crypto(m, v);
			}
		}
	}
	/* Media without their own c= or direction take the session's. */
	for (size_t i = 0; i < out->nmedia; i++) {
		if (!sv_is_set(out->media[i].conn))
			out->media[i].conn = out->conn;
		if (!out->media[i].dir)
			out->media[i].dir = out->dir;
	}
	return 0;
}
