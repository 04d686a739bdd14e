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
