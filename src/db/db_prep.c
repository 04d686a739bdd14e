/* db_prep.c - the messages the sqlite3 writer stores, parsed (SIP, then
 * SDP) into batches on a worker thread while the writer runs the INSERTs
 * (db_int.h says how the two share them). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "sipscope/sdp.h"
#include "sipscope/vec.h"

static struct prep_sv prep_view(const struct prep_batch *b, struct sv v)
{
	struct prep_sv p = { PREP_NONE, 0 };
	if (sv_is_set(v)) {
		p.off = v.len ? (uint32_t)(v.p - b->bytes) : 0;
		p.len = (uint32_t)v.len;
	}
	return p;
}

/* Append len bytes to the batch; returns their offset, or PREP_NONE when
 * out of memory.  The bytes may move: views are taken after. */
static uint32_t prep_append(struct prep_batch *b, const char *p, size_t len)
{
	if (b->used + len + 1 > UINT32_MAX / 2 ||
	    vec_grow((void **)&b->bytes, &b->cap, b->used + len + 1, 1))
		return PREP_NONE;
	uint32_t off = (uint32_t)b->used;
	if (len)
		memcpy(b->bytes + off, p, len);
	b->bytes[off + len] = '\0';
	b->used += len + 1;
	return off;
}

static int prep_media(struct prep_batch *b, struct prep_msg *pm, const struct sip_msg *m)
{
	struct sv body = sip_body_sdp(m);
	struct sdp sdp;
	if (!sv_is_set(body) || sdp_parse(body.p, body.len, &sdp) < 0)
		return 0;
	if (vec_grow((void **)&b->media, &b->cap_media, b->nmedia + sdp.nmedia, sizeof *b->media))
		return -1;
	pm->media = (uint32_t)b->nmedia;
	pm->nmedia = (uint16_t)sdp.nmedia;
	/* Every view into the bytes first: appending the codecs may move them. */
	for (size_t i = 0; i < sdp.nmedia; i++) {
		const struct sdp_media *md = &sdp.media[i];
		struct prep_media *x = &b->media[b->nmedia + i];
		x->type = prep_view(b, md->type);
		x->conn = prep_view(b, md->conn);
		x->proto = prep_view(b, md->proto);
		x->port = md->port;
		x->ncandidates = md->ncandidates;
		x->idx = (uint8_t)i;
		x->dir = md->dir;
	}
	char codecs[SDP_MAX_MEDIA][SDP_MAX_FMTS * 40];
	size_t used[SDP_MAX_MEDIA];
	for (size_t i = 0; i < sdp.nmedia; i++) {
		const struct sdp_media *md = &sdp.media[i];
		used[i] = 0;
		for (uint16_t k = 0; k < md->nfmts; k++) {
			struct sv c = sv_is_set(md->fmts[k].encoding) ? md->fmts[k].encoding : md->fmts[k].id;
			if (used[i] + c.len + 2 > sizeof codecs[i])
				break;
			if (k)
				codecs[i][used[i]++] = ',';
			memcpy(codecs[i] + used[i], c.p, c.len);
			used[i] += c.len;
		}
	}
	for (size_t i = 0; i < sdp.nmedia; i++) {
		uint32_t off = prep_append(b, codecs[i], used[i]);
		if (off == PREP_NONE)
			return -1;
		b->media[b->nmedia + i].codecs = (struct prep_sv){ off, (uint32_t)used[i] };
	}
	b->nmedia += sdp.nmedia;
	return 0;
}

/* Fill b with messages first .. first + n - 1.  0, or -1: out of memory. */
int db_prep_fill(struct prep_batch *b, struct store *s, struct sip_header *hdrs, size_t first,
                     size_t n)
{
	b->first = first;
	b->n = n;
	b->used = b->nmedia = 0;
	for (size_t k = 0; k < n; k++) {
		struct prep_msg *pm = &b->msgs[k];
		memset(pm, 0, sizeof *pm);
		pm->raw.off = PREP_NONE;
		size_t len = 0;
		const char *got = store_msg_bytes(s, first + k, &len);
		if (!got)
			continue;
		uint32_t off = prep_append(b, got, len);
		if (off == PREP_NONE)
			return -1;
		pm->raw = (struct prep_sv){ off, (uint32_t)len };
		struct sip_msg m;
		if (sip_parse(b->bytes + off, len, SIP_PARSE_DATAGRAM, &m, hdrs, DB_MAX_HEADERS) <= 0)
			continue;
		pm->parsed = 1;
		pm->method = prep_view(b, m.method);
		pm->cseq_valid = m.cseq_valid != 0;
		pm->cseq = (int64_t)m.cseq;
		pm->cseq_method = prep_view(b, m.cseq_method);
		pm->from_tag = prep_view(b, m.from_tag);
		pm->to_tag = prep_view(b, m.to_tag);
		pm->branch = prep_view(b, m.branch);
		if (prep_media(b, pm, &m) < 0)
			return -1;
	}
	return 0;
}

void db_prep_free(struct prep_batch *b)
{
	if (!b)
		return;
	free(b->media);
	free(b->bytes);
	free(b);
}

void *db_prep_worker(void *arg)
{
	struct prep_pipe *p = arg;
	size_t k = 0;
	for (size_t i = p->from; i < p->to; i += DB_PREP_BATCH, k++) {
		struct prep_batch *b = p->slots[k % DB_PREP_SLOTS];
		pthread_mutex_lock(&p->mu);
		while (b->state != PREP_EMPTY && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		int stop = p->stop;
		pthread_mutex_unlock(&p->mu);
		if (stop)
			break;
		size_t n = p->to - i < DB_PREP_BATCH ? p->to - i : DB_PREP_BATCH;
		int rc = db_prep_fill(b, p->s, p->hdrs, i, n);
		pthread_mutex_lock(&p->mu);
		b->state = rc < 0 ? PREP_FAILED : PREP_FULL;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		if (rc < 0)
			break;
	}
	return NULL;
}

struct prep_batch *db_prep_new(void)
{
	struct prep_batch *b = calloc(1, sizeof *b);
	return b;
}
