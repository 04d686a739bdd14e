/* store.c - message index, string interning, endpoints, spool. */
#define _GNU_SOURCE /* fallocate(): the spool's dead bytes go back to the disk */
#include <fcntl.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sipscope/hmap.h"
#include "sipscope/store.h"
#include "sipscope/vec.h"

/* Strings live in big chunks that are never moved, so views stay valid. */
#define STR_CHUNK (1u << 20)
#define STR_CHUNK0 (16u << 10)

struct str_chunk {
	struct str_chunk *next;
	size_t used, cap;
	char data[];
};

/* Records live in slabs that double in size (1024, 1024, 2048, ...
 * records): a small capture allocates little, a large one few slabs, and a
 * slab never moves, so a reader may index it while the writer appends. */
#define SLAB0_SHIFT 10
#define MAX_SLABS 22 /* 2^31 messages */
#define SPOOL_MEM (4u << 20)
#define SPOOL_WBUF (1u << 20) /* writes to the spool file go out this much at a time */


struct store {
	struct store_msg *slabs[MAX_SLABS];
	size_t nslabs;
	_Atomic size_t nmsgs;     /* read by a tracking thread beside the writer */

	struct sv *strs; /* id-1 -> view */
	size_t nstrs, cap_strs;
	struct hmap str_index; /* hash -> id (chained by probing on hash+k) */
	struct str_chunk *chunks;

	struct store_endpoint *eps;
	size_t neps, cap_eps;
	struct hmap ep_index;

	store_fetch_fn fetch;
	void *fetch_ctx;

	/* The spool: the first SPOOL_MEM bytes in memory (most captures need
	 * no file at all), the rest in an unlinked temporary file in $TMPDIR
	 * (or /tmp), made when first needed or by store_spool_prepare(). */
	char *spool_mem;
	size_t spool_mem_cap;
	int spool;         /* the file, -1 when none yet */
	int spool_in_file; /* bytes go to the file: the memory part is closed */
	int64_t spool_len;
	char *wbuf;        /* file bytes not written yet; they follow file_len */
	size_t wlen;
	int64_t file_len;  /* bytes written to the file */

	char *buf;
	size_t buf_cap;
	char err[160];

	int keep_spool;    /* store_keep_spool(): compaction punches no holes */

	uint32_t agents[255]; /* HEP capture ids by index-1 */
	size_t nagents;
	uint8_t last_agent;
};

struct store *store_new(void)
{
	struct store *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	hmap_init(&s->str_index);
	hmap_init(&s->ep_index);
	s->spool = -1;
	return s;
}

void store_free(struct store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nslabs; i++)
		free(s->slabs[i]);
	free(s->strs);
	hmap_free(&s->str_index);
	while (s->chunks) {
		struct str_chunk *n = s->chunks->next;
		free(s->chunks);
		s->chunks = n;
	}
	free(s->eps);
	hmap_free(&s->ep_index);
	if (s->spool >= 0)
		close(s->spool);
	free(s->spool_mem);
	free(s->wbuf);
	free(s->buf);
	free(s);
}

void store_set_fetcher(struct store *s, store_fetch_fn fn, void *ctx)
{
	s->fetch = fn;
	s->fetch_ctx = ctx;
}

const char *store_error(const struct store *s) { return s->err; }

static char *str_alloc(struct store *s, size_t len)
{
	struct str_chunk *c = s->chunks;
	if (!c || c->cap - c->used < len) {
		/* Chunks double from 16 KiB to STR_CHUNK: a small capture (or a
		 * fuzz run) does not pay for a megabyte it never fills. */
		size_t want = c ? c->cap * 2 : STR_CHUNK0;
		if (want > STR_CHUNK)
			want = STR_CHUNK;
		size_t cap = len > want ? len : want;
		c = malloc(sizeof *c + cap);
		if (!c)
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->next = s->chunks;
		s->chunks = c;
	}
	char *p = c->data + c->used;
	c->used += len;
	return p;
}

uint32_t store_intern(struct store *s, struct sv str)
{
	return store_intern_hashed(s, str, sv_hash(str));
}

uint32_t store_intern_hashed(struct store *s, struct sv str, uint64_t h)
{
	/* Distinct strings with equal hashes take the next salted key. */
	uint64_t k = h;
	uint32_t id;
	for (uint64_t salt = 1; hmap_get(&s->str_index, k, &id); k = hmap_mix(h, salt++))
		if (sv_eq(s->strs[id - 1], str))
			return id;
	if (vec_grow((void **)&s->strs, &s->cap_strs, s->nstrs + 1, sizeof *s->strs))
		return 0;
	char *copy = str_alloc(s, str.len ? str.len : 1);
	if (!copy)
		return 0;
	if (str.len)
		memcpy(copy, str.p, str.len);
	s->strs[s->nstrs] = sv_make(copy, str.len);
	id = (uint32_t)s->nstrs + 1;
	if (hmap_put(&s->str_index, k, id) < 0)
		return 0;
	s->nstrs++;
	return id;
}

struct sv store_str(const struct store *s, uint32_t id)
{
	if (id == 0 || id > s->nstrs)
		return SV_NULL;
	return s->strs[id - 1];
}

/* The endpoint with unused address bytes and padding zeroed. */
static void endpoint_key(struct store_endpoint *key, const struct store_endpoint *ep)
{
	memset(key, 0, sizeof *key);
	key->family = ep->family;
	memcpy(key->addr, ep->addr, ep->family == 4 ? 4 : 16);
	key->port = ep->port;
}

uint64_t store_endpoint_hash(const struct store_endpoint *ep)
{
	struct store_endpoint key;
	endpoint_key(&key, ep);
	return sv_hash(sv_make((const char *)&key, sizeof key));
}

uint32_t store_endpoint_id(struct store *s, const struct store_endpoint *ep)
{
	return store_endpoint_id_hashed(s, ep, store_endpoint_hash(ep));
}

uint32_t store_endpoint_id_hashed(struct store *s, const struct store_endpoint *ep, uint64_t h)
{
	struct store_endpoint key;
	endpoint_key(&key, ep);
	uint32_t id;
	for (uint64_t k = h, salt = 1;; k = hmap_mix(h, salt++)) {
		if (!hmap_get(&s->ep_index, k, &id)) {
			if (vec_grow((void **)&s->eps, &s->cap_eps, s->neps + 1, sizeof *s->eps))
				return 0;
			memcpy(&s->eps[s->neps], &key, sizeof key); /* padding too: compared below */
			id = (uint32_t)++s->neps;
			if (hmap_put(&s->ep_index, k, id) < 0) {
				s->neps--;
				return 0;
			}
			return id;
		}
		if (memcmp(&s->eps[id - 1], &key, sizeof key) == 0)
			return id;
	}
}

const struct store_endpoint *store_endpoint(const struct store *s, uint32_t id)
{
	return (id && id <= s->neps) ? &s->eps[id - 1] : NULL;
}

char *store_endpoint_format(const struct store_endpoint *ep, char *buf, size_t n)
{
	char ip[INET6_ADDRSTRLEN];
	if (!ep) {
		snprintf(buf, n, "?");
		return buf;
	}
	if (ep->family == 4) {
		inet_ntop(AF_INET, ep->addr, ip, sizeof ip);
		snprintf(buf, n, "%s:%u", ip, ep->port);
	} else {
		inet_ntop(AF_INET6, ep->addr, ip, sizeof ip);
		snprintf(buf, n, "[%s]:%u", ip, ep->port);
	}
	return buf;
}

/* Slab k holds 1024 << (k ? k - 1 : 0) records, from index
 * 1024 << (k - 1) on (slab 0 from 0). */
static size_t slab_size(size_t k) { return (size_t)1 << (SLAB0_SHIFT + (k ? k - 1 : 0)); }

static void slab_locate(size_t idx, size_t *k, size_t *off)
{
	size_t q = idx >> SLAB0_SHIFT;
	*k = q ? (size_t)(64 - __builtin_clzll((unsigned long long)q)) : 0;
	*off = *k ? idx - ((size_t)1 << (SLAB0_SHIFT + *k - 1)) : idx;
}

static struct store_msg *slab_alloc(size_t k)
{
	size_t bytes = slab_size(k) * sizeof(struct store_msg);
	if (bytes < (2u << 20))
		return malloc(bytes);
	/* Big slabs on huge pages: few page faults on million-message loads. */
	void *p = aligned_alloc(2u << 20, (bytes + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1));
#ifdef MADV_HUGEPAGE
	if (p)
		madvise(p, bytes, MADV_HUGEPAGE);
#endif
	return p;
}

long store_append_msg(struct store *s, const struct store_msg *m)
{
	size_t n = atomic_load_explicit(&s->nmsgs, memory_order_relaxed), k, off;
	slab_locate(n, &k, &off);
	if (k == s->nslabs) {
		if (k == MAX_SLABS || !(s->slabs[k] = slab_alloc(k)))
			return -1;
		s->nslabs++;
	}
	s->slabs[k][off] = *m;
	atomic_store_explicit(&s->nmsgs, n + 1, memory_order_release);
	return (long)n;
}

size_t store_msg_count(const struct store *s)
{
	return atomic_load_explicit(&s->nmsgs, memory_order_acquire);
}

int64_t store_last_ts(struct store *s)
{
	size_t n = store_msg_count(s);
	const struct store_msg *r = n ? store_msg_at(s, n - 1) : NULL;
	return r ? r->ts_us : 0;
}

struct store_msg *store_msg_at(struct store *s, size_t idx)
{
	if (idx >= store_msg_count(s))
		return NULL;
	size_t k, off;
	slab_locate(idx, &k, &off);
	return &s->slabs[k][off];
}

static int full_pwrite(int fd, const char *p, size_t n, int64_t at)
{
	while (n) {
		ssize_t w = pwrite(fd, p, n, (off_t)at);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
		at += w;
	}
	return 0;
}

static int spool_flush(struct store *s)
{
	if (s->wlen && full_pwrite(s->spool, s->wbuf, s->wlen, s->file_len) < 0) {
		snprintf(s->err, sizeof s->err, "cannot write spool file: %s", strerror(errno));
		return -1;
	}
	s->file_len += (int64_t)s->wlen;
	s->wlen = 0;
	return 0;
}

/* Spooled bytes at file offset `at` (a message never straddles what is
 * written and what is still in wbuf). */
static int spool_read(struct store *s, int64_t at, char *out, size_t n)
{
	if (at >= s->file_len) {
		if (at - s->file_len + (int64_t)n > (int64_t)s->wlen)
			return -1;
		memcpy(out, s->wbuf + (at - s->file_len), n);
		return 0;
	}
	while (n) {
		ssize_t r = pread(s->spool, out, n, (off_t)at);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		out += r;
		n -= (size_t)r;
		at += r;
	}
	return 0;
}

const char *store_spool_dir(void)
{
	const char *dir = getenv("TMPDIR");
	return dir && *dir ? dir : "/tmp";
}

/* An unlinked file in the spool directory: O_TMPFILE where the file
 * system has it, else a named file removed at once.  Returns the
 * descriptor, or -1 (errno set). */
static int spool_create(void)
{
	const char *dir = store_spool_dir();
#ifdef O_TMPFILE
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || errno == ENOENT || errno == ENOTDIR || errno == EACCES || errno == EROFS ||
	    errno == ENOSPC || errno == EDQUOT)
		return fd; /* else the file system has no O_TMPFILE: a named file */
#endif
	char path[4096];
	if (snprintf(path, sizeof path, "%s/sipscope-spool-XXXXXX", dir) >= (int)sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int tmp = mkostemp(path, O_CLOEXEC);
	if (tmp >= 0)
		unlink(path);
	return tmp;
}

int store_spool_prepare(struct store *s)
{
	if (s->spool >= 0)
		return 0;
	s->wbuf = s->wbuf ? s->wbuf : malloc(SPOOL_WBUF);
	if (!s->wbuf) {
		snprintf(s->err, sizeof s->err, "cannot create a spool file: out of memory");
		return -1;
	}
	if ((s->spool = spool_create()) < 0) {
		snprintf(s->err, sizeof s->err, "cannot create a spool file in %.80s: %s", store_spool_dir(),
		         strerror(errno));
		return -1;
	}
	return 0;
}

int64_t store_spool(struct store *s, const char *bytes, size_t len)
{
	int64_t off = s->spool_len;
	if (!s->spool_in_file && (size_t)off + len <= SPOOL_MEM &&
	    vec_grow((void **)&s->spool_mem, &s->spool_mem_cap, (size_t)off + len, 1) == 0) {
		memcpy(s->spool_mem + off, bytes, len);
		s->spool_len += (int64_t)len;
		return off;
	}
	if (store_spool_prepare(s) < 0)
		return -1;
	s->spool_in_file = 1;
	/* Bytes past the memory part live in the file at the same offsets
	 * minus what memory holds.  They are gathered in wbuf and written a
	 * megabyte at a time: one system call per message made reassembled
	 * captures several times slower. */
	int64_t in_mem = s->spool_mem ? (int64_t)SPOOL_MEM : 0;
	if (off < in_mem)
		off = in_mem; /* the memory part is closed: continue in the file */
	if (s->wlen + len > SPOOL_WBUF && spool_flush(s) < 0)
		return -1;
	if (len > SPOOL_WBUF) {
		if (full_pwrite(s->spool, bytes, len, s->file_len) < 0) {
			snprintf(s->err, sizeof s->err, "cannot write spool file: %s", strerror(errno));
			return -1;
		}
		s->file_len += (int64_t)len;
	} else {
		memcpy(s->wbuf + s->wlen, bytes, len);
		s->wlen += len;
	}
	s->spool_len = off + (int64_t)len;
	return off;
}

const char *store_msg_bytes(struct store *s, size_t idx, size_t *len)
{
	const struct store_msg *m = store_msg_at(s, idx);
	if (!m)
		return NULL;
	if (vec_grow((void **)&s->buf, &s->buf_cap, (size_t)m->loc_len + 1, 1))
		return NULL;
	if (m->loc_src == STORE_LOC_SPOOL) {
		int64_t in_mem = s->spool_mem ? (int64_t)SPOOL_MEM : 0;
		int64_t end = (int64_t)m->loc_off + m->loc_len;
		if (end > s->spool_len) {
			snprintf(s->err, sizeof s->err, "cannot read spool file");
			return NULL; /* never written: a broken record */
		}
		if (end <= in_mem) {
			memcpy(s->buf, s->spool_mem + m->loc_off, m->loc_len);
		} else if (s->spool < 0 || spool_read(s, (int64_t)m->loc_off - in_mem, s->buf, m->loc_len) < 0) {
			snprintf(s->err, sizeof s->err, "cannot read spool file");
			return NULL;
		}
	} else {
		if (!s->fetch || s->fetch(s->fetch_ctx, m->loc_src, m->loc_off,
		                          m->loc_in_frame, m->loc_len, s->buf) < 0) {
			snprintf(s->err, sizeof s->err, "cannot re-read frame %llu",
			         (unsigned long long)m->frame);
			return NULL;
		}
	}
	s->buf[m->loc_len] = '\0';
	*len = m->loc_len;
	return s->buf;
}

uint8_t store_agent_index(struct store *s, uint32_t capture_id)
{
	/* Few agents, and messages come in runs from the same one. */
	if (s->last_agent && s->agents[s->last_agent - 1] == capture_id)
		return s->last_agent;
	size_t i = 0;
	while (i < s->nagents && s->agents[i] != capture_id)
		i++;
	if (i == s->nagents) {
		if (s->nagents == sizeof s->agents / sizeof s->agents[0])
			return (uint8_t)s->nagents; /* the table is full: share the last */
		s->agents[s->nagents++] = capture_id;
	}
	s->last_agent = (uint8_t)(i + 1);
	return s->last_agent;
}

uint32_t store_agent_capture_id(const struct store *s, uint8_t index)
{
	return index && index <= s->nagents ? s->agents[index - 1] : 0;
}

size_t store_agent_count(const struct store *s) { return s->nagents; }

size_t store_str_count(const struct store *s) { return s->nstrs; }

void store_keep_spool(struct store *s) { s->keep_spool = 1; }

/* The kept strings slide down over the dropped ones, chunk by chunk from
 * the oldest (ids grow with the chunks), so no second copy of them is
 * ever made; chunks left empty are freed. */
static void strs_compact(struct store *s, const uint32_t *map)
{
	struct str_chunk *old = NULL; /* the list, oldest first */
	while (s->chunks) {
		struct str_chunk *c = s->chunks;
		s->chunks = c->next;
		c->next = old;
		old = c;
	}
	struct str_chunk *w = old; /* where kept strings are written */
	if (w)
		w->used = 0;
	size_t n = 0;
	for (size_t i = 0; i < s->nstrs; i++) {
		if (!map[i + 1])
			continue;
		struct sv v = s->strs[i];
		size_t len = v.len ? v.len : 1;
		while (w->cap - w->used < len) { /* never past the chunk v is in */
			w = w->next;
			w->used = 0;
		}
		char *d = w->data + w->used;
		memmove(d, v.p, v.len);
		w->used += len;
		s->strs[n++] = sv_make(d, v.len);
	}
	s->nstrs = n;
	/* Newest first again; the chunks after w hold nothing now. */
	struct str_chunk *rest = w ? w->next : NULL;
	if (w)
		w->next = NULL;
	while (rest) {
		struct str_chunk *c = rest->next;
		free(rest);
		rest = c;
	}
	while (old) {
		struct str_chunk *c = old->next;
		old->next = s->chunks;
		s->chunks = old;
		old = c;
	}
}

/* Give the disk blocks of [a, b) of the spool file back (whole 4 KiB
 * blocks, runs of 64 KiB or more: small holes are not worth a system call). */
static void spool_punch(struct store *s, int64_t a, int64_t b)
{
#ifdef FALLOC_FL_PUNCH_HOLE
	a = (a + 4095) & ~(int64_t)4095;
	b &= ~(int64_t)4095;
	if (b - a >= (64 << 10))
		fallocate(s->spool, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, a, b - a);
#else
	(void)s;
	(void)a;
	(void)b;
#endif
}

/* After a compaction: the spool file stays append-only (offsets do not
 * change), but the bytes no record points at any more are punched out,
 * so the disk holds what is kept, not everything ever seen.  Spooled
 * records come in spool order (the parse stage spools as it emits);
 * should they not, nothing is punched. */
static void spool_release(struct store *s)
{
	if (s->spool < 0)
		return;
	int64_t in_mem = s->spool_mem ? (int64_t)SPOOL_MEM : 0, last = -1, from = 0;
	size_t n = store_msg_count(s);
	for (size_t i = 0; i < n; i++) {
		const struct store_msg *m = store_msg_at(s, i);
		if (m->loc_src == STORE_LOC_SPOOL) {
			if ((int64_t)m->loc_off < last)
				return;
			last = (int64_t)m->loc_off;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct store_msg *m = store_msg_at(s, i);
		int64_t at = (int64_t)m->loc_off - in_mem;
		if (m->loc_src != STORE_LOC_SPOOL || at < 0)
			continue;
		spool_punch(s, from, at);
		if (at + (int64_t)m->loc_len > from)
			from = at + (int64_t)m->loc_len;
	}
	spool_punch(s, from, s->file_len);
}

int64_t store_spool_disk(const struct store *s)
{
	struct stat st;
	if (s->spool < 0 || fstat(s->spool, &st) < 0)
		return 0;
	return (int64_t)st.st_blocks * 512;
}

void store_compact(struct store *s, const uint32_t *msg_map, const uint8_t *str_keep,
                   uint32_t *str_map)
{
	size_t n = store_msg_count(s), old_strs = s->nstrs, nkept = 0;
	str_map[0] = 0;
	for (size_t i = 0; i < s->nstrs; i++)
		str_map[i + 1] = str_keep[i] ? (uint32_t)++nkept : 0;
	hmap_remap(&s->str_index, str_map, s->nstrs + 1);
	strs_compact(s, str_map);
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		if (!msg_map[i])
			continue;
		struct store_msg *m = store_msg_at(s, i);
		m->call_id = m->call_id <= old_strs ? str_map[m->call_id] : 0;
		if (kept != i)
			*store_msg_at(s, kept) = *m;
		kept++;
	}
	atomic_store_explicit(&s->nmsgs, kept, memory_order_release);
	if (!s->keep_spool)
		spool_release(s);
}
