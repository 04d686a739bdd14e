/* check_sdp.c - offer/answer rules (RFC 3264 6, 6.1): an offer is kept
 * as a summary (m-line types, ports, codec keys) in the checker's arena
 * and the answer checked against it. */
#include <string.h>

#include "check_int.h"
#include "sipscope/media.h"

/* ---- SDP summaries: m-line type, port 0, codecs ---- */

/* The static RTP payload type (RFC 3551) an SDP format id names, in lower
 * case (media.h has the table), into buf; NULL when it names none. */
static const char *static_pt(struct sv id, char *buf, size_t n)
{
	if (!id.len || id.len > 2)
		return NULL;
	unsigned v = 0;
	for (size_t i = 0; i < id.len; i++) {
		if (id.p[i] < '0' || id.p[i] > '9')
			return NULL;
		v = v * 10 + (unsigned)(id.p[i] - '0');
	}
	const char *name = media_static_codec(v, NULL);
	if (!name)
		return NULL;
	size_t k = 0;
	for (; name[k] && k < n - 1; k++)
		buf[k] = (char)sv_lower((unsigned char)name[k]);
	buf[k] = '\0';
	return buf;
}

/* A codec's identity: encoding/rate (case-insensitive, channels dropped
 * when 1), else the static payload type's, else the format id itself. */
static uint32_t codec_key(const struct sdp_fmt *f)
{
	char buf[80];
	size_t n = 0;
	if (sv_is_set(f->encoding) && f->encoding.len) {
		struct sv e = f->encoding;
		if (e.len > 2 && e.p[e.len - 2] == '/' && e.p[e.len - 1] == '1')
			e.len -= 2;
		for (size_t i = 0; i < e.len && n < sizeof buf - 1; i++)
			buf[n++] = (char)sv_lower((unsigned char)e.p[i]);
		return h32(sv_make(buf, n));
	}
	char lower[32];
	const char *s = static_pt(f->id, lower, sizeof lower);
	if (s)
		return h32(sv_make(s, strlen(s)));
	n = (size_t)snprintf(buf, sizeof buf, "fmt:%.*s", (int)(f->id.len > 60 ? 60 : f->id.len), f->id.p);
	return h32(sv_make(buf, n < sizeof buf ? n : sizeof buf - 1));
}

/* Layout: m-lines seen, m-lines kept, then per m-line: type hash, port (0 = rejected),
 * nfmts, codec keys. */
uint32_t check_sdp_summary(struct checker *c, const struct sdp *d)
{
	uint32_t v[2 + SDP_MAX_MEDIA * (3 + SDP_MAX_FMTS)];
	size_t n = 0;
	v[n++] = (uint32_t)d->nmedia_seen;
	v[n++] = (uint32_t)d->nmedia;
	for (size_t i = 0; i < d->nmedia; i++) {
		const struct sdp_media *md = &d->media[i];
		v[n++] = h32(md->type);
		v[n++] = md->port;
		v[n++] = md->nfmts;
		for (size_t k = 0; k < md->nfmts; k++)
			v[n++] = codec_key(&md->fmts[k]);
	}
	uint32_t off = check_arena_put(c, v, n);
	return off == UINT32_MAX ? 0 : off + 1;
}

/* One m-line of an SDP summary at p: its type hash, port and codec keys.
 * Returns where the next m-line starts. */
static const uint32_t *summary_mline(const uint32_t *p, uint32_t *type, uint32_t *port,
                                     const uint32_t **codecs, uint32_t *ncodecs)
{
	*type = p[0];
	*port = p[1];
	*ncodecs = p[2];
	*codecs = p + 3;
	return p + 3 + p[2];
}

static void fmt_name(const struct sdp_fmt *f, char *buf, size_t n)
{
	char lower[32];
	if (sv_is_set(f->encoding) && f->encoding.len)
		snprintf(buf, n, "%.*s (%.*s)", (int)(f->id.len > 8 ? 8 : f->id.len), f->id.p,
		         (int)(f->encoding.len > 40 ? 40 : f->encoding.len), f->encoding.p);
	else if (static_pt(f->id, lower, sizeof lower))
		snprintf(buf, n, "%.*s (%s)", (int)f->id.len, f->id.p, lower);
	else
		snprintf(buf, n, "%.*s", (int)(f->id.len > 40 ? 40 : f->id.len), f->id.p);
}

/* RFC 3264 6 and 6.1: the answer in v against the offer summary. */
void check_answer(struct checker *c, const struct view *v, uint32_t offer_off, const char *what)
{
	const uint32_t *p = c->arena + offer_off - 1;
	uint32_t noffer = *p++;
	uint32_t nkept = *p++;
	const struct sdp *a = v->sdp;
	if (a->nmedia_seen != noffer) {
		check_report(c, v->idx, CHECK_SDP_MLINE_COUNT, -1,
		       "the SDP answer has %zu m= line%s, the %s offer had %u (RFC 3264 6: exactly as many)",
		       a->nmedia_seen, a->nmedia_seen == 1 ? "" : "s", what, noffer);
		return;
	}
	for (size_t i = 0; i < a->nmedia && i < nkept; i++) {
		uint32_t type, port, nc;
		const uint32_t *codecs;
		p = summary_mline(p, &type, &port, &codecs, &nc);
		const struct sdp_media *md = &a->media[i];
		if (h32(md->type) != type) {
			check_report(c, v->idx, CHECK_SDP_MLINE_COUNT, -1,
			       "m= line %zu of the SDP answer is %.*s, not the offer's media type (RFC 3264 6: "
			       "same order)", i + 1, (int)(md->type.len > 20 ? 20 : md->type.len), md->type.p);
			return;
		}
		if (!md->port || !port || !nc || !md->nfmts)
			continue; /* rejected stream: formats are meaningless */
		size_t common = 0;
		char extra[200];
		size_t nextra = 0, xl = 0;
		extra[0] = '\0';
		for (size_t k = 0; k < md->nfmts; k++) {
			uint32_t key = codec_key(&md->fmts[k]);
			int found = 0;
			for (uint32_t j = 0; j < nc && !found; j++)
				found = codecs[j] == key;
			if (found) {
				common++;
			} else {
				char name[64];
				fmt_name(&md->fmts[k], name, sizeof name);
				if (xl < sizeof extra - 1)
					xl += (size_t)snprintf(extra + xl, sizeof extra - xl, "%s%s", nextra ? ", " : "",
					                       name);
				if (xl >= sizeof extra)
					xl = sizeof extra - 1;
				nextra++;
			}
		}
		if (!common)
			check_report(c, v->idx, CHECK_SDP_NO_COMMON_CODEC, -1,
			       "%.*s m= line %zu of the SDP answer accepts the stream (port %u) with none of the "
			       "offered codecs: %s", (int)(md->type.len > 20 ? 20 : md->type.len), md->type.p,
			       i + 1, md->port, extra);
		else if (nextra)
			check_report(c, v->idx, CHECK_SDP_CODEC_NOT_OFFERED, -1,
			       "%.*s m= line %zu of the SDP answer also lists %s, not in the offer: allowed "
			       "(RFC 3264 6.1), but the offerer may not send %s",
			       (int)(md->type.len > 20 ? 20 : md->type.len), md->type.p, i + 1, extra,
			       nextra == 1 ? "it" : "them");
	}
}
