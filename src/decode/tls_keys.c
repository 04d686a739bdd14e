/* tls_keys.c - the NSS key log (SSLKEYLOGFILE format): one entry per
 * client_random in a vector, indexed by a util hmap on a hash of the
 * random (all 32 bytes compared on a hit).  Lines come from a file that may
 * grow (read again from the last offset, an unfinished line kept) or from a
 * pcapng Decryption Secrets Block's text.  Bad lines are counted, never
 * fatal (tls-design.md 3). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sipscope/hmap.h"
#include "sipscope/tls.h"

#define PROBES 8 /* hash collisions tolerated per client_random before it is dropped */

struct linebuf {
	char b[TLS_KEYLOG_LINE_MAX];
	size_t n;
	int toolong; /* the line outgrew b: bad when it ends */
	uint64_t lineno;
};

/* Premaster secrets of the legacy key log forms (RSA, PMS_CLIENT_RANDOM),
 * by their key: 8 bytes of encrypted PMS, or a client_random. */
struct pms_ent {
	uint8_t key[32];
	uint8_t klen;
	uint8_t pms[48];
};

struct pms_map {
	struct pms_ent *ent;
	size_t n, cap;
	struct hmap idx;
};

struct tls_keys {
	struct tls_secrets *ent;
	size_t n, cap;
	struct hmap idx;
	struct pms_map by_enc, by_cr; /* RSA lines, PMS_CLIENT_RANDOM lines */
	/* the key log file being followed */
	char *path;
	int fd; /* kept open (-1: none), so a process that gave up root reads on */
	dev_t dev;
	ino_t ino;
	off_t off;
	struct linebuf part;
};

struct tls_keys *tls_keys_new(void)
{
	struct tls_keys *k = calloc(1, sizeof *k);
	if (k) {
		k->fd = -1;
		hmap_init(&k->idx);
		hmap_init(&k->by_enc.idx);
		hmap_init(&k->by_cr.idx);
	}
	return k;
}

static void pms_map_free(struct pms_map *m)
{
	if (m->ent)
		tls_cleanse(m->ent, m->cap * sizeof *m->ent);
	free(m->ent);
	hmap_free(&m->idx);
}

void tls_keys_free(struct tls_keys *k)
{
	if (!k)
		return;
	if (k->ent)
		tls_cleanse(k->ent, k->cap * sizeof *k->ent);
	tls_cleanse(&k->part, sizeof k->part);
	free(k->ent);
	hmap_free(&k->idx);
	pms_map_free(&k->by_enc);
	pms_map_free(&k->by_cr);
	free(k->path);
	if (k->fd >= 0)
		close(k->fd);
	free(k);
}

size_t tls_keys_count(const struct tls_keys *k)
{
	return k->n;
}

static uint64_t probe_key(const uint8_t cr[32], unsigned i)
{
	uint64_t a = 0, b = 0;
	for (int j = 0; j < 8; j++) {
		a = a << 8 | cr[j];
		b = b << 8 | cr[8 + j];
	}
	uint64_t h = hmap_mix(a, b);
	if (i)
		h = hmap_mix(h, i);
	return h ? h : 1;
}

const struct tls_secrets *tls_keys_find(const struct tls_keys *k, const uint8_t cr[32])
{
	for (unsigned i = 0; i < PROBES; i++) {
		uint32_t v;
		if (!hmap_get(&k->idx, probe_key(cr, i), &v))
			return NULL;
		if (v < k->n && memcmp(k->ent[v].cr, cr, 32) == 0)
			return &k->ent[v];
	}
	return NULL;
}

/* The entry of cr, made when new.  NULL when full, out of probes or memory. */
static struct tls_secrets *entry(struct tls_keys *k, const uint8_t cr[32])
{
	for (unsigned i = 0; i < PROBES; i++) {
		uint64_t key = probe_key(cr, i);
		uint32_t v;
		if (hmap_get(&k->idx, key, &v)) {
			if (v < k->n && memcmp(k->ent[v].cr, cr, 32) == 0)
				return &k->ent[v];
			continue;
		}
		if (k->n >= TLS_KEYS_MAX_ENTRIES)
			return NULL;
		if (k->n == k->cap) {
			/* vec_grow reallocs: wipe what the old block held first, by
			 * growing into a fresh block ourselves */
			size_t ncap = k->cap ? k->cap * 2 : 64;
			struct tls_secrets *ne = calloc(ncap, sizeof *ne);
			if (!ne)
				return NULL;
			if (k->ent) {
				memcpy(ne, k->ent, k->n * sizeof *ne);
				tls_cleanse(k->ent, k->cap * sizeof *k->ent);
				free(k->ent);
			}
			k->ent = ne;
			k->cap = ncap;
		}
		if (hmap_put(&k->idx, key, (uint32_t)k->n) != 0)
			return NULL;
		struct tls_secrets *e = &k->ent[k->n++];
		memset(e, 0, sizeof *e);
		memcpy(e->cr, cr, 32);
		return e;
	}
	return NULL;
}

/* The index key of n (<= 32) bytes for probe i. */
static uint64_t pms_probe_key(const uint8_t *key, size_t n, unsigned i)
{
	uint64_t h = hmap_mix(n, i);
	for (size_t j = 0; j < n; j += 8) {
		uint64_t w = 0;
		for (size_t b = j; b < j + 8 && b < n; b++)
			w = w << 8 | key[b];
		h = hmap_mix(h, w);
	}
	return h ? h : 1;
}

static const struct pms_ent *pms_find(const struct pms_map *m, const uint8_t *key, size_t n)
{
	for (unsigned i = 0; i < PROBES; i++) {
		uint32_t v;
		if (!hmap_get(&m->idx, pms_probe_key(key, n, i), &v))
			return NULL;
		if (v < m->n && m->ent[v].klen == n && memcmp(m->ent[v].key, key, n) == 0)
			return &m->ent[v];
	}
	return NULL;
}

/* Store pms under key (last wins).  0, or -1 when full, out of probes or
 * memory. */
static int pms_put(struct pms_map *m, const uint8_t *key, size_t n, const uint8_t pms[48])
{
	for (unsigned i = 0; i < PROBES; i++) {
		uint64_t hk = pms_probe_key(key, n, i);
		uint32_t v;
		if (hmap_get(&m->idx, hk, &v)) {
			if (v < m->n && m->ent[v].klen == n && memcmp(m->ent[v].key, key, n) == 0) {
				memcpy(m->ent[v].pms, pms, 48);
				return 0;
			}
			continue;
		}
		if (m->n >= TLS_KEYS_MAX_ENTRIES)
			return -1;
		if (m->n == m->cap) {
			/* a fresh block, the old one wiped (see entry()) */
			size_t ncap = m->cap ? m->cap * 2 : 16;
			struct pms_ent *ne = calloc(ncap, sizeof *ne);
			if (!ne)
				return -1;
			if (m->ent) {
				memcpy(ne, m->ent, m->n * sizeof *ne);
				tls_cleanse(m->ent, m->cap * sizeof *m->ent);
				free(m->ent);
			}
			m->ent = ne;
			m->cap = ncap;
		}
		if (hmap_put(&m->idx, hk, (uint32_t)m->n) != 0)
			return -1;
		struct pms_ent *e = &m->ent[m->n++];
		memcpy(e->key, key, n);
		e->klen = (uint8_t)n;
		memcpy(e->pms, pms, 48);
		return 0;
	}
	return -1;
}

int tls_keys_find_pms_by_cr(const struct tls_keys *k, const uint8_t cr[32], uint8_t pms[48])
{
	const struct pms_ent *e = pms_find(&k->by_cr, cr, 32);
	if (!e)
		return -1;
	memcpy(pms, e->pms, 48);
	return 0;
}

int tls_keys_find_pms_by_encprefix(const struct tls_keys *k, const uint8_t *enc, size_t n, uint8_t pms[48])
{
	if (n < 8)
		return -1;
	const struct pms_ent *e = pms_find(&k->by_enc, enc, 8);
	if (!e)
		return -1;
	memcpy(pms, e->pms, 48);
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode exactly n hex digits (n even) into out.  0 or -1. */
static int unhex(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static const struct {
	const char *name;
	int kind;
} LABELS[] = {
	{"CLIENT_RANDOM", TLS_SEC_MS},
	{"CLIENT_EARLY_TRAFFIC_SECRET", TLS_SEC_CETS},
	{"CLIENT_HANDSHAKE_TRAFFIC_SECRET", TLS_SEC_CHTS},
	{"SERVER_HANDSHAKE_TRAFFIC_SECRET", TLS_SEC_SHTS},
	{"CLIENT_TRAFFIC_SECRET_0", TLS_SEC_CATS},
	{"SERVER_TRAFFIC_SECRET_0", TLS_SEC_SATS},
	{"EARLY_EXPORTER_SECRET", TLS_SEC_EEXP},
	{"EXPORTER_SECRET", TLS_SEC_EXP},
};

static void bad_line(struct tls_keylog_report *rep, uint64_t lineno)
{
	rep->bad++;
	if (!rep->first_bad_line)
		rep->first_bad_line = lineno;
}

static int label_is(const char *f, size_t fl, const char *name)
{
	return strlen(name) == fl && memcmp(f, name, fl) == 0;
}

/* The premaster-secret forms Wireshark also reads: "RSA <8 bytes of the
 * encrypted PMS> <PMS>" and "PMS_CLIENT_RANDOM <client_random> <PMS>".
 * "RSA Session-ID:... Master-Key:..." and any other label are counted as
 * unknown. */
static void parse_legacy(struct tls_keys *k, const char *const *f, const size_t *fl, int nf, uint64_t lineno,
			 struct tls_keylog_report *rep)
{
	struct pms_map *m;
	size_t klen;
	if (label_is(f[0], fl[0], "RSA") && !(nf >= 2 && fl[1] >= 11 && memcmp(f[1], "Session-ID:", 11) == 0))
		m = &k->by_enc, klen = 8;
	else if (label_is(f[0], fl[0], "PMS_CLIENT_RANDOM"))
		m = &k->by_cr, klen = 32;
	else {
		rep->unknown_label++;
		return;
	}
	uint8_t key[32], pms[48];
	if (nf != 3 || fl[1] != 2 * klen || fl[2] != 96 || unhex(f[1], fl[1], key) != 0 || unhex(f[2], 96, pms) != 0) {
		bad_line(rep, lineno);
	} else if (pms_put(m, key, klen, pms) != 0) {
		rep->dropped++;
	} else
		rep->secrets++;
	tls_cleanse(pms, sizeof pms);
}

/* One complete line (no LF; a CR before it is stripped here). */
static void parse_line(struct tls_keys *k, const char *s, size_t n, uint64_t lineno, struct tls_keylog_report *rep)
{
	rep->lines++;
	if (n && s[n - 1] == '\r')
		n--;
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n || s[i] == '#')
		return;
	/* three fields separated by blanks */
	const char *f[3];
	size_t fl[3];
	int nf = 0;
	while (i < n) {
		if (nf == 3) {
			bad_line(rep, lineno);
			return;
		}
		f[nf] = s + i;
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		fl[nf] = (size_t)(s + i - f[nf]);
		nf++;
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
	}
	int kind = -1;
	for (size_t j = 0; j < sizeof LABELS / sizeof LABELS[0]; j++)
		if (strlen(LABELS[j].name) == fl[0] && memcmp(LABELS[j].name, f[0], fl[0]) == 0)
			kind = LABELS[j].kind;
	if (kind < 0) {
		parse_legacy(k, f, fl, nf, lineno, rep);
		return;
	}
	uint8_t cr[32], sec[TLS_SECRET_MAX];
	size_t slen = nf == 3 ? fl[2] / 2 : 0;
	int ok = nf == 3 && fl[1] == 64 && fl[2] % 2 == 0 &&
		 (kind == TLS_SEC_MS ? slen == 48 : (slen == 32 || slen == 48)) &&
		 unhex(f[1], 64, cr) == 0 && unhex(f[2], fl[2], sec) == 0;
	if (!ok) {
		bad_line(rep, lineno);
		tls_cleanse(sec, sizeof sec);
		return;
	}
	struct tls_secrets *e = entry(k, cr);
	if (!e) {
		rep->dropped++;
		tls_cleanse(sec, sizeof sec);
		return;
	}
	memcpy(e->sec[kind], sec, slen); /* last wins */
	e->len[kind] = (uint8_t)slen;
	e->have |= (uint16_t)(1u << kind);
	rep->secrets++;
	tls_cleanse(sec, sizeof sec);
}

/* Feed n bytes through lb: complete lines are parsed, the rest stays in
 * lb.  A line longer than TLS_KEYLOG_LINE_MAX is bad once it ends. */
static void feed(struct tls_keys *k, struct linebuf *lb, const char *p, size_t n, struct tls_keylog_report *rep)
{
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) : n;
		if (!lb->toolong) {
			if (lb->n + take > sizeof lb->b)
				lb->toolong = 1;
			else if (nl && lb->n == 0) {
				/* whole line in the input: parse it in place */
				lb->lineno++;
				parse_line(k, p, take, lb->lineno, rep);
				p += take + 1, n -= take + 1;
				continue;
			} else {
				memcpy(lb->b + lb->n, p, take);
				lb->n += take;
			}
		}
		if (!nl)
			return;
		lb->lineno++;
		if (lb->toolong) {
			rep->lines++;
			bad_line(rep, lb->lineno);
		} else
			parse_line(k, lb->b, lb->n, lb->lineno, rep);
		tls_cleanse(lb->b, lb->n);
		lb->n = 0;
		lb->toolong = 0;
		p += take + 1, n -= take + 1;
	}
}

int tls_keys_add_text(struct tls_keys *k, const char *txt, size_t n, struct tls_keylog_report *rep)
{
	memset(rep, 0, sizeof *rep);
	struct linebuf *lb = calloc(1, sizeof *lb);
	if (!lb)
		return -1;
	feed(k, lb, txt, n, rep);
	if (lb->n || lb->toolong)
		feed(k, lb, "\n", 1, rep); /* the last line needs no newline */
	tls_cleanse(lb, sizeof *lb);
	free(lb);
	return 0;
}

/* The key log's descriptor: the one kept open, or path opened anew (first
 * call, another path, or the file at path was replaced and can be opened:
 * a process that gave up root keeps reading the file it opened before). */
static int keylog_fd(struct tls_keys *k, const char *path)
{
	struct stat ps;
	if (k->fd >= 0 && k->path && !strcmp(k->path, path) &&
	    (stat(path, &ps) != 0 || (ps.st_dev == k->dev && ps.st_ino == k->ino)))
		return k->fd;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		errno = e;
		/* the replaced file cannot be opened: go on with the old one */
		return k->fd >= 0 && k->path && !strcmp(k->path, path) ? k->fd : -1;
	}
	char *np = strdup(path);
	if (!np) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	if (k->fd >= 0)
		close(k->fd);
	k->fd = fd;
	free(k->path);
	k->path = np;
	k->dev = st.st_dev;
	k->ino = st.st_ino;
	k->off = 0; /* another file: read it from the start */
	tls_cleanse(&k->part, sizeof k->part);
	memset(&k->part, 0, sizeof k->part);
	return fd;
}

int tls_keys_load_file(struct tls_keys *k, const char *path, struct tls_keylog_report *rep)
{
	memset(rep, 0, sizeof *rep);
	int fd = keylog_fd(k, path);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -1;
	if (st.st_size < k->off) { /* truncated: read it again from the start */
		k->off = 0;
		tls_cleanse(&k->part, sizeof k->part);
		memset(&k->part, 0, sizeof k->part);
	}
	char buf[16384];
	for (;;) {
		ssize_t r = pread(fd, buf, sizeof buf, k->off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			tls_cleanse(buf, sizeof buf);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		k->off += r;
		feed(k, &k->part, buf, (size_t)r, rep);
	}
	tls_cleanse(buf, sizeof buf);
	return 0;
}

static char *put_hex(char *o, const uint8_t *p, size_t n)
{
	static const char HEX[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		*o++ = HEX[p[i] >> 4];
		*o++ = HEX[p[i] & 15];
	}
	return o;
}

static char *put_line(char *o, const char *label, const uint8_t cr[32], const uint8_t *sec, size_t n)
{
	size_t ln = strlen(label);
	memcpy(o, label, ln);
	o += ln;
	*o++ = ' ';
	o = put_hex(o, cr, 32);
	*o++ = ' ';
	o = put_hex(o, sec, n);
	*o++ = '\n';
	return o;
}

#define LINE_LEN(label, n) (strlen(label) + 1 + 64 + 1 + 2 * (size_t)(n) + 1)

int tls_keys_add_ms(struct tls_keys *k, const uint8_t cr[32], const uint8_t ms[48])
{
	char line[14 + 64 + 1 + 96 + 1];
	size_t n = (size_t)(put_line(line, "CLIENT_RANDOM", cr, ms, 48) - line);
	struct tls_keylog_report r;
	int rc = tls_keys_add_text(k, line, n, &r);
	tls_cleanse(line, sizeof line);
	return rc;
}

/* Lines in the order of LABELS, then a PMS_CLIENT_RANDOM line, so an export
 * is the same every time. */
size_t tls_keys_export(const struct tls_keys *k, const uint8_t cr[32], char *out, size_t cap)
{
	const struct tls_secrets *e = tls_keys_find(k, cr);
	const struct pms_ent *p = pms_find(&k->by_cr, cr, 32);
	size_t need = p ? LINE_LEN("PMS_CLIENT_RANDOM", 48) : 0;
	for (size_t j = 0; e && j < sizeof LABELS / sizeof LABELS[0]; j++)
		if (e->have & (1u << LABELS[j].kind))
			need += LINE_LEN(LABELS[j].name, e->len[LABELS[j].kind]);
	if (!need || need > cap)
		return 0;
	char *o = out;
	for (size_t j = 0; e && j < sizeof LABELS / sizeof LABELS[0]; j++) {
		int kind = LABELS[j].kind;
		if (e->have & (1u << kind))
			o = put_line(o, LABELS[j].name, cr, e->sec[kind], e->len[kind]);
	}
	if (p)
		o = put_line(o, "PMS_CLIENT_RANDOM", cr, p->pms, 48);
	return (size_t)(o - out);
}
