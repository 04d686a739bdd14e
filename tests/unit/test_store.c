/* test_store.c - the message index: interned strings, endpoints, records,
 * the spool, payload retrieval, and the hash map underneath. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sipscope/hmap.h"
#include "sipscope/store.h"

static struct sv sv_str(const char *s) { return sv_make(s, strlen(s)); }

static void assert_sv(struct sv v, const char *p, size_t len)
{
	assert_non_null(v.p);
	assert_int_equal(v.len, len);
	if (len)
		assert_memory_equal(v.p, p, len);
}

/* ---- interned strings ------------------------------------------------- */

static void test_intern_equal_strings_share_id(void **state)
{
	(void)state;
	struct store *s = store_new();
	assert_non_null(s);
	char a[] = "a84b4c76e66710@pc33.atlanta.example.com";
	char b[] = "a84b4c76e66710@pc33.atlanta.example.com"; /* another copy */
	uint32_t ia = store_intern(s, sv_str(a));
	assert_true(ia >= 1);
	assert_int_equal(store_intern(s, sv_str(b)), ia);
	assert_int_equal(store_intern(s, sv_str("other")), ia + 1);
	/* The store keeps its own copy. */
	memset(a, 'x', sizeof a - 1);
	assert_sv(store_str(s, ia), b, strlen(b));
	assert_ptr_not_equal(store_str(s, ia).p, a);
	store_free(s);
}

static void test_intern_distinguishes_prefixes_and_embedded_nul(void **state)
{
	(void)state;
	struct store *s = store_new();
	uint32_t ids[5];
	ids[0] = store_intern(s, sv_make("abc", 3));
	ids[1] = store_intern(s, sv_make("abcd", 4));
	ids[2] = store_intern(s, sv_make("ab", 2));
	ids[3] = store_intern(s, sv_make("abc\0d", 5));
	ids[4] = store_intern(s, sv_make("ABC", 3));
	for (int i = 0; i < 5; i++)
		for (int j = i + 1; j < 5; j++)
			assert_int_not_equal(ids[i], ids[j]);
	assert_int_equal(store_intern(s, sv_make("abc\0d", 5)), ids[3]);
	assert_sv(store_str(s, ids[3]), "abc\0d", 5);
	store_free(s);
}

static void test_intern_100000_strings_all_retrievable(void **state)
{
	(void)state;
	enum { N = 100000 };
	struct store *s = store_new();
	uint32_t *ids = calloc(N, sizeof *ids);
	assert_non_null(ids);
	char buf[64];
	for (unsigned i = 0; i < N; i++) {
		int n = snprintf(buf, sizeof buf, "%u@call-%u.example.org", i * 2654435761u, i);
		ids[i] = store_intern(s, sv_make(buf, (size_t)n));
		assert_true(ids[i] >= 1);
	}
	struct sv first = store_str(s, ids[0]);
	for (unsigned i = 0; i < N; i++) {
		int n = snprintf(buf, sizeof buf, "%u@call-%u.example.org", i * 2654435761u, i);
		/* Equal strings map back; the view has exactly these bytes, so
		 * distinct strings cannot share an id. */
		assert_int_equal(store_intern(s, sv_make(buf, (size_t)n)), ids[i]);
		assert_sv(store_str(s, ids[i]), buf, (size_t)n);
	}
	/* Views stay put while the store grows. */
	assert_ptr_equal(store_str(s, ids[0]).p, first.p);
	free(ids);
	store_free(s);
}

static void test_intern_empty_string(void **state)
{
	(void)state;
	struct store *s = store_new();
	uint32_t a = store_intern(s, sv_str("x"));
	uint32_t e = store_intern(s, sv_make("", 0));
	assert_true(e >= 1);
	assert_int_not_equal(e, a);
	assert_int_equal(store_intern(s, sv_make(NULL, 0)), e);
	assert_int_equal(store_intern(s, sv_make("yz", 0)), e);
	struct sv v = store_str(s, e);
	assert_non_null(v.p); /* set, though empty: not "none" */
	assert_int_equal(v.len, 0);
	store_free(s);
}

static void test_intern_string_larger_than_a_chunk(void **state)
{
	(void)state;
	enum { BIG = (3u << 20) + 7 };
	char *big = malloc(BIG);
	assert_non_null(big);
	for (size_t i = 0; i < BIG; i++)
		big[i] = (char)('a' + i % 23);
	struct store *s = store_new();
	uint32_t a = store_intern(s, sv_str("small"));
	uint32_t b = store_intern(s, sv_make(big, BIG));
	uint32_t c = store_intern(s, sv_str("after"));
	assert_sv(store_str(s, a), "small", 5);
	assert_sv(store_str(s, b), big, BIG);
	assert_sv(store_str(s, c), "after", 5);
	assert_int_equal(store_intern(s, sv_make(big, BIG)), b);
	store_free(s);
	free(big);
}

static void test_str_of_unknown_id_is_null(void **state)
{
	(void)state;
	struct store *s = store_new();
	assert_null(store_str(s, 0).p);
	assert_null(store_str(s, 1).p);
	uint32_t id = store_intern(s, sv_str("one"));
	assert_null(store_str(s, id + 1).p);
	assert_null(store_str(s, UINT32_MAX).p);
	store_free(s);
}

/* ---- endpoints -------------------------------------------------------- */

static struct store_endpoint ep4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
	struct store_endpoint e;
	memset(&e, 0, sizeof e);
	e.family = 4;
	e.addr[0] = a;
	e.addr[1] = b;
	e.addr[2] = c;
	e.addr[3] = d;
	e.port = port;
	return e;
}

static struct store_endpoint ep6(const char *addr16, uint16_t port)
{
	struct store_endpoint e;
	memset(&e, 0, sizeof e);
	e.family = 6;
	memcpy(e.addr, addr16, 16);
	e.port = port;
	return e;
}

#define LOOP6 "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1"

static void test_endpoint_ids_equal_for_equal_endpoints(void **state)
{
	(void)state;
	struct store *s = store_new();
	struct store_endpoint a = ep4(127, 0, 0, 1, 5060), b = ep4(127, 0, 0, 1, 5060);
	uint32_t ia = store_endpoint_id(s, &a);
	assert_true(ia >= 1);
	assert_int_equal(store_endpoint_id(s, &b), ia);
	const struct store_endpoint *got = store_endpoint(s, ia);
	assert_non_null(got);
	assert_int_equal(got->family, 4);
	assert_memory_equal(got->addr, "\x7f\0\0\1", 4);
	assert_int_equal(got->port, 5060);
	store_free(s);
}

static void test_endpoint_ids_differ_by_port_address_and_family(void **state)
{
	(void)state;
	struct store *s = store_new();
	struct store_endpoint e[5] = {
		ep4(127, 0, 0, 1, 5060),
		ep4(127, 0, 0, 1, 5061),
		ep4(127, 0, 0, 2, 5060),
		ep6(LOOP6, 5060),
		ep6(LOOP6, 5061),
	};
	uint32_t id[5];
	for (int i = 0; i < 5; i++)
		id[i] = store_endpoint_id(s, &e[i]);
	for (int i = 0; i < 5; i++) {
		for (int j = i + 1; j < 5; j++)
			assert_int_not_equal(id[i], id[j]);
		assert_int_equal(store_endpoint_id(s, &e[i]), id[i]);
		const struct store_endpoint *got = store_endpoint(s, id[i]);
		assert_int_equal(got->family, e[i].family);
		assert_memory_equal(got->addr, e[i].addr, e[i].family == 4 ? 4 : 16);
		assert_int_equal(got->port, e[i].port);
	}
	/* IPv4 0.0.0.0 vs IPv6 :: with the same port. */
	struct store_endpoint z4 = ep4(0, 0, 0, 0, 5060), z6 = ep6("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 5060);
	assert_int_not_equal(store_endpoint_id(s, &z4), store_endpoint_id(s, &z6));
	store_free(s);
}

static void test_ipv4_endpoint_ignores_unused_address_bytes(void **state)
{
	(void)state;
	struct store *s = store_new();
	struct store_endpoint a = ep4(10, 1, 2, 3, 5060), b = a;
	memset(b.addr + 4, 0xee, 12);
	uint32_t ia = store_endpoint_id(s, &a);
	assert_int_equal(store_endpoint_id(s, &b), ia);
	store_free(s);
}

static void test_many_endpoints_get_distinct_ids(void **state)
{
	(void)state;
	enum { N = 20000 };
	struct store *s = store_new();
	for (unsigned i = 0; i < N; i++) {
		struct store_endpoint e = ep4(10, (uint8_t)(i >> 8), (uint8_t)i, 1, (uint16_t)(5060 + i % 3));
		assert_int_equal(store_endpoint_id(s, &e), i + 1);
	}
	for (unsigned i = 0; i < N; i++) {
		struct store_endpoint e = ep4(10, (uint8_t)(i >> 8), (uint8_t)i, 1, (uint16_t)(5060 + i % 3));
		assert_int_equal(store_endpoint_id(s, &e), i + 1);
	}
	assert_null(store_endpoint(s, 0));
	assert_null(store_endpoint(s, N + 1));
	store_free(s);
}

static void test_endpoint_format(void **state)
{
	(void)state;
	char buf[64];
	struct store_endpoint e = ep4(127, 0, 0, 1, 5060);
	assert_ptr_equal(store_endpoint_format(&e, buf, sizeof buf), buf);
	assert_string_equal(buf, "127.0.0.1:5060");
	e = ep4(255, 255, 255, 255, 65535);
	assert_string_equal(store_endpoint_format(&e, buf, sizeof buf), "255.255.255.255:65535");
	e = ep6(LOOP6, 5060);
	assert_string_equal(store_endpoint_format(&e, buf, sizeof buf), "[::1]:5060");
	e = ep6("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 5061);
	assert_string_equal(store_endpoint_format(&e, buf, sizeof buf), "[2001:db8::1]:5061");
	e = ep6("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 65535);
	assert_string_equal(store_endpoint_format(&e, buf, sizeof buf),
	                    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
	assert_string_equal(store_endpoint_format(NULL, buf, sizeof buf), "?");
	/* A short buffer is cut, still terminated. */
	char small[8];
	e = ep4(127, 0, 0, 1, 5060);
	assert_string_equal(store_endpoint_format(&e, small, sizeof small), "127.0.0");
}

/* ---- message records -------------------------------------------------- */

static struct store_msg msg(unsigned i)
{
	struct store_msg m;
	memset(&m, 0, sizeof m);
	m.ts_us = 1700000000000000LL + i;
	m.frame = i + 1;
	m.loc_off = 24 + 100 * (uint64_t)i;
	m.loc_len = 300 + i;
	m.loc_in_frame = 42;
	m.status = (uint16_t)(i % 2 ? 200 : 0);
	m.cseq = i * 3;
	m.call = i / 4 + 1;
	return m;
}

static void test_append_msg_and_read_back(void **state)
{
	(void)state;
	enum { N = 70000 }; /* several slabs, whatever their size */
	struct store *s = store_new();
	assert_int_equal(store_msg_count(s), 0);
	assert_null(store_msg_at(s, 0));
	for (unsigned i = 0; i < N; i++) {
		struct store_msg m = msg(i);
		assert_int_equal(store_append_msg(s, &m), (long)i);
	}
	assert_int_equal(store_msg_count(s), N);
	for (unsigned i = 0; i < N; i++) {
		struct store_msg *m = store_msg_at(s, i);
		assert_non_null(m);
		assert_int_equal(m->ts_us, 1700000000000000LL + i);
		assert_int_equal(m->frame, i + 1);
		assert_int_equal(m->loc_off, 24 + 100 * (uint64_t)i);
		assert_int_equal(m->loc_len, 300 + i);
		assert_int_equal(m->status, i % 2 ? 200 : 0);
		assert_int_equal(m->cseq, i * 3);
		assert_int_equal(m->call, i / 4 + 1);
	}
	assert_null(store_msg_at(s, N));
	/* Records are updated in place (a later response links its request). */
	store_msg_at(s, 7)->txn = 99;
	assert_int_equal(store_msg_at(s, 7)->txn, 99);
	store_free(s);
}

/* ---- spool and payload retrieval -------------------------------------- */

static void test_spool_roundtrip_in_random_order(void **state)
{
	(void)state;
	enum { N = 40 };
	struct store *s = store_new();
	char text[N][128];
	int64_t expect_off = 0;
	for (unsigned i = 0; i < N; i++) {
		int n = snprintf(text[i], sizeof text[i],
		                 "SIP/2.0 %u OK\r\nCSeq: %u INVITE\r\nContent-Length: 0\r\n\r\n", 100 + i, i);
		int64_t off = store_spool(s, text[i], (size_t)n);
		assert_int_equal(off, expect_off);
		expect_off += n;
		struct store_msg m = msg(i);
		m.loc_src = STORE_LOC_SPOOL;
		m.loc_off = (uint64_t)off;
		m.loc_len = (uint32_t)n;
		assert_int_equal(store_append_msg(s, &m), (long)i);
	}
	/* A fixed shuffle, each index several times, interleaved with writes. */
	unsigned k = 17;
	for (unsigned r = 0; r < 4 * N; r++) {
		k = (k * 29 + 11) % N;
		size_t len = 0;
		const char *b = store_msg_bytes(s, k, &len);
		assert_non_null(b);
		assert_int_equal(len, strlen(text[k]));
		assert_memory_equal(b, text[k], len);
		assert_int_equal(b[len], '\0');
		if (r % 10 == 0) { /* more spooling after a read: the file is shared */
			assert_int_equal(store_spool(s, "junk", 4), expect_off);
			expect_off += 4;
		}
	}
	store_free(s);
}

/* Past the 4 MiB kept in memory the spool is a file written a megabyte at
 * a time: messages read back from memory, from the file and from what is
 * not written yet, including one larger than the write buffer. */
static void test_spool_file_part_roundtrip(void **state)
{
	(void)state;
	struct store *s = store_new();
	enum { N = 1200 };
	static size_t len[N];
	static int64_t off[N];
	char *buf = malloc(3u << 20);
	assert_non_null(buf);
	for (unsigned i = 0; i < N; i++) {
		len[i] = i == 900 ? (3u << 20) - 7 : 1000 + (i * 7919u) % 9000;
		for (size_t j = 0; j < len[i]; j++)
			buf[j] = (char)('A' + (i + j) % 26);
		off[i] = store_spool(s, buf, len[i]);
		assert_true(off[i] >= 0);
		struct store_msg m = msg(i);
		m.loc_src = STORE_LOC_SPOOL;
		m.loc_off = (uint64_t)off[i];
		m.loc_len = (uint32_t)len[i];
		assert_int_equal(store_append_msg(s, &m), (long)i);
		if (i % 97 == 0 && i) { /* read an earlier one while writing */
			size_t got;
			const char *b = store_msg_bytes(s, i / 2, &got);
			assert_non_null(b);
			assert_int_equal(got, len[i / 2]);
			assert_int_equal(b[got - 1], (char)('A' + (i / 2 + got - 1) % 26));
		}
	}
	for (unsigned r = 0, k = 5; r < N; r++) {
		k = (k * 31 + 7) % N;
		size_t got;
		const char *b = store_msg_bytes(s, k, &got);
		assert_non_null(b);
		assert_int_equal(got, len[k]);
		for (size_t j = 0; j < got; j += 997)
			assert_int_equal(b[j], (char)('A' + (k + j) % 26));
		assert_int_equal(b[got - 1], (char)('A' + (k + got - 1) % 26));
	}
	free(buf);
	store_free(s);
}

static void test_spool_empty_message(void **state)
{
	(void)state;
	struct store *s = store_new();
	int64_t off = store_spool(s, "abc", 3);
	assert_int_equal(off, 0);
	assert_int_equal(store_spool(s, "", 0), 3);
	struct store_msg m = msg(0);
	m.loc_src = STORE_LOC_SPOOL;
	m.loc_off = 3;
	m.loc_len = 0;
	store_append_msg(s, &m);
	size_t len = 99;
	const char *b = store_msg_bytes(s, 0, &len);
	assert_non_null(b);
	assert_int_equal(len, 0);
	assert_int_equal(b[0], '\0');
	store_free(s);
}

struct fake_src {
	int calls;
	int fail;
	uint16_t src;
	uint64_t off;
	uint32_t in_frame, len;
};

static int fake_fetch(void *ctx, uint16_t src, uint64_t off, uint32_t in_frame,
                      uint32_t len, char *buf)
{
	struct fake_src *f = ctx;
	f->calls++;
	f->src = src;
	f->off = off;
	f->in_frame = in_frame;
	f->len = len;
	if (f->fail)
		return -1;
	for (uint32_t i = 0; i < len; i++)
		buf[i] = (char)('a' + (off + in_frame + i) % 26);
	return 0;
}

static void test_msg_bytes_through_fetcher_passes_location(void **state)
{
	(void)state;
	struct store *s = store_new();
	struct fake_src fs = { 0 };
	store_set_fetcher(s, fake_fetch, &fs);
	struct store_msg m = msg(0);
	m.loc_src = 3;
	m.loc_off = 0x123456789aULL;
	m.loc_in_frame = 42;
	m.loc_len = 1000;
	store_append_msg(s, &m);
	size_t len = 0;
	const char *b = store_msg_bytes(s, 0, &len);
	assert_non_null(b);
	assert_int_equal(fs.calls, 1);
	assert_int_equal(fs.src, 3);
	assert_int_equal(fs.off, 0x123456789aULL);
	assert_int_equal(fs.in_frame, 42);
	assert_int_equal(fs.len, 1000);
	assert_int_equal(len, 1000);
	for (uint32_t i = 0; i < 1000; i++)
		assert_int_equal(b[i], (char)('a' + (0x123456789aULL + 42 + i) % 26));
	assert_int_equal(b[1000], '\0');
	store_free(s);
}

static void test_msg_bytes_fetch_failure_returns_null_with_error(void **state)
{
	(void)state;
	struct store *s = store_new();
	struct fake_src fs = { .fail = 1 };
	struct store_msg m = msg(6);
	m.loc_src = 0;
	store_append_msg(s, &m);
	size_t len = 0;
	/* No fetcher at all. */
	assert_null(store_msg_bytes(s, 0, &len));
	assert_string_equal(store_error(s), "cannot re-read frame 7");
	store_set_fetcher(s, fake_fetch, &fs);
	assert_null(store_msg_bytes(s, 0, &len));
	assert_int_equal(fs.calls, 1);
	assert_string_equal(store_error(s), "cannot re-read frame 7");
	/* Out of range. */
	assert_null(store_msg_bytes(s, 1, &len));
	store_free(s);
}

static void test_msg_bytes_spooled_without_spool_returns_null(void **state)
{
	(void)state;
	struct store *s = store_new();
	struct store_msg m = msg(0);
	m.loc_src = STORE_LOC_SPOOL;
	m.loc_off = 0;
	m.loc_len = 10;
	store_append_msg(s, &m);
	size_t len = 0;
	assert_null(store_msg_bytes(s, 0, &len));
	assert_string_equal(store_error(s), "cannot read spool file");
	/* Past the end of an existing spool. */
	store_spool(s, "12345", 5);
	assert_null(store_msg_bytes(s, 0, &len));
	store_free(s);
}

/* ---- hmap ------------------------------------------------------------- */

static void test_hmap_empty_get_finds_nothing(void **state)
{
	(void)state;
	struct hmap h;
	hmap_init(&h);
	uint32_t v = 7;
	assert_int_equal(hmap_get(&h, 0, &v), 0);
	assert_int_equal(hmap_get(&h, 42, &v), 0);
	assert_int_equal(v, 7);
	hmap_free(&h);
	hmap_free(&h); /* free leaves an empty map */
	assert_int_equal(h.cap, 0);
}

static void test_hmap_key_zero_put_get_replace(void **state)
{
	(void)state;
	struct hmap h;
	hmap_init(&h);
	uint32_t v = 0;
	assert_int_equal(hmap_put(&h, 0, 11), 0);
	assert_int_equal(hmap_get(&h, 0, &v), 1);
	assert_int_equal(v, 11);
	assert_int_equal(hmap_put(&h, 0, 12), 0);
	assert_int_equal(hmap_get(&h, 0, &v), 1);
	assert_int_equal(v, 12);
	assert_int_equal(h.count, 1);
	assert_int_equal(hmap_get(&h, 1, &v), 0);
	hmap_free(&h);
}

/* SplitMix64 finaliser: a bijection, so distinct i give distinct keys. */
static uint64_t key_of(uint64_t i)
{
	uint64_t z = i + 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void test_hmap_many_keys_put_get_replace(void **state)
{
	(void)state;
	enum { N = 200000 };
	struct hmap h;
	hmap_init(&h);
	/* Mixed keys, and sequential ones that land in neighbouring slots. */
	for (uint32_t i = 0; i < N; i++) {
		assert_int_equal(hmap_put(&h, key_of(i), i), 0);
		assert_int_equal(hmap_put(&h, (uint64_t)i, i + N), 0);
	}
	assert_int_equal(h.count, 2 * (size_t)N);
	assert_true(h.count * 4 <= h.cap * 3);
	uint32_t v;
	for (uint32_t i = 0; i < N; i++) {
		assert_int_equal(hmap_get(&h, key_of(i), &v), 1);
		assert_int_equal(v, i);
		assert_int_equal(hmap_get(&h, (uint64_t)i, &v), 1);
		assert_int_equal(v, i + N);
	}
	for (uint32_t i = 0; i < N; i += 2)
		assert_int_equal(hmap_put(&h, key_of(i), i * 7 + 1), 0);
	assert_int_equal(h.count, 2 * (size_t)N);
	for (uint32_t i = 0; i < N; i++) {
		assert_int_equal(hmap_get(&h, key_of(i), &v), 1);
		assert_int_equal(v, i % 2 ? i : i * 7 + 1);
	}
	for (uint32_t i = 0; i < 1000; i++)
		assert_int_equal(hmap_get(&h, key_of((uint64_t)i + 1000000), &v), 0);
	assert_int_equal(hmap_get(&h, (uint64_t)N, &v), 0);
	hmap_free(&h);
}

/* Deleting keeps every other key reachable: linear probing must pull the
 * rest of a cluster back over the hole (sequential keys make long ones),
 * and a key deleted after a lookup put it in the recent-key cache is gone
 * from that cache too. */
static void test_hmap_del_keeps_the_rest_findable(void **state)
{
	(void)state;
	enum { N = 100000 };
	struct hmap h;
	hmap_init(&h);
	uint32_t v;
	assert_int_equal(hmap_del(&h, 5), 0); /* empty map */
	for (uint32_t i = 0; i < N; i++) {
		assert_int_equal(hmap_put(&h, key_of(i), i), 0);
		assert_int_equal(hmap_put(&h, (uint64_t)i, i + N), 0);
	}
	assert_non_null(h.recent);
	for (uint32_t i = 0; i < N; i += 3)
		assert_int_equal(hmap_get(&h, key_of(i), &v), 1); /* into the recent cache */
	for (uint32_t i = 0; i < N; i += 3) {
		assert_int_equal(hmap_del(&h, key_of(i)), 1);
		assert_int_equal(hmap_del(&h, (uint64_t)i), 1);
	}
	assert_int_equal(hmap_del(&h, key_of(0)), 0); /* already gone */
	size_t gone = (N + 2) / 3;
	assert_int_equal(h.count, 2 * ((size_t)N - gone));
	for (uint32_t i = 0; i < N; i++) {
		int there = i % 3 != 0;
		assert_int_equal(hmap_get(&h, key_of(i), &v), there);
		if (there)
			assert_int_equal(v, i);
		assert_int_equal(hmap_get(&h, (uint64_t)i, &v), there);
		if (there)
			assert_int_equal(v, i + N);
	}
	/* key 0 (stored as a constant) deletes like any other */
	assert_int_equal(hmap_put(&h, 0, 7), 0);
	assert_int_equal(hmap_del(&h, 0), 1);
	assert_int_equal(hmap_get(&h, 0, &v), 0);
	/* a deleted key comes back with its new value */
	assert_int_equal(hmap_put(&h, key_of(3), 42), 0);
	assert_int_equal(hmap_get(&h, key_of(3), &v), 1);
	assert_int_equal(v, 42);
	hmap_free(&h);
}

/* A map on the heap, freed even when an assertion fails. */
static int hmap_setup(void **state)
{
	struct hmap *h = malloc(sizeof *h);
	if (!h)
		return -1;
	hmap_init(h);
	*state = h;
	return 0;
}

static int hmap_teardown(void **state)
{
	hmap_free(*state);
	free(*state);
	return 0;
}

/* Sequential ids (transactions, calls) are mixed with a fixed second value
 * to build keys; distinct ids must stay distinct keys.  A bijective mixer
 * gives no collision at all here; a random one about 1e-9. */
static void test_hmap_mix_keeps_sequential_ids_apart(void **state)
{
	enum { N = 200000 };
	struct hmap *h = *state;
	for (uint32_t i = 1; i <= N; i++)
		assert_int_equal(hmap_put(h, hmap_mix(i, 1), i), 0);
	uint32_t a = 10216, b = 10279;
	if (hmap_mix(a, 1) == hmap_mix(b, 1))
		print_error("hmap_mix(%u, 1) == hmap_mix(%u, 1)\n", a, b);
	assert_int_equal(h->count, N);
}

/* The spool keeps its first megabytes in memory and the rest in a file:
 * records on both sides of the switch read back exactly. */
static void test_spool_crossing_from_memory_to_file_reads_back(void **state)
{
	(void)state;
	struct store *s = store_new();
	assert_non_null(s);
	static char buf[3000];
	enum { N = 3000 }; /* 3000 x ~3 KB: past the in-memory part */
	for (int i = 0; i < N; i++) {
		size_t len = 1000 + (size_t)(i * 7) % 2000;
		memset(buf, 'a' + i % 26, len);
		snprintf(buf, 16, "%d:", i);
		int64_t off = store_spool(s, buf, len);
		assert_true(off >= 0);
		struct store_msg m;
		memset(&m, 0, sizeof m);
		m.loc_src = STORE_LOC_SPOOL;
		m.loc_off = (uint64_t)off;
		m.loc_len = (uint32_t)len;
		m.frame = (uint64_t)i + 1;
		assert_int_equal(store_append_msg(s, &m), i);
	}
	for (int i = N - 1; i >= 0; i -= 7) {
		size_t len;
		const char *b = store_msg_bytes(s, (size_t)i, &len);
		assert_non_null(b);
		assert_int_equal(len, 1000 + (size_t)(i * 7) % 2000);
		char head[16];
		snprintf(head, sizeof head, "%d:", i);
		assert_memory_equal(b, head, strlen(head));
		assert_int_equal(b[len - 1], 'a' + i % 26);
	}
	store_free(s);
}

/* The spool file goes to $TMPDIR (tmpfile() always used /tmp): a missing
 * one is an error naming it; store_spool_prepare() says so up front. */
static void test_spool_file_goes_to_tmpdir(void **state)
{
	(void)state;
	char *was = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
	setenv("TMPDIR", "/nonexistent-sipscope-dir", 1);
	assert_string_equal(store_spool_dir(), "/nonexistent-sipscope-dir");
	struct store *s = store_new();
	static char buf[1 << 20];
	memset(buf, 'x', sizeof buf);
	int64_t off = 0;
	for (int i = 0; i < 5 && off >= 0; i++) /* 5 MiB: past the memory part */
		off = store_spool(s, buf, sizeof buf);
	assert_int_equal(off, -1);
	assert_non_null(strstr(store_error(s), "cannot create a spool file in /nonexistent-sipscope-dir"));
	assert_int_equal(store_spool_prepare(s), -1);
	store_free(s);
	char dir[] = "/tmp/sipscope-spool-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	setenv("TMPDIR", dir, 1);
	s = store_new();
	assert_int_equal(store_spool_prepare(s), 0);
	for (int i = 0; i < 7; i++) /* 4 MiB in memory, a buffered one, then the file */
		assert_true(store_spool(s, buf, sizeof buf) >= 0);
	assert_true(store_spool_disk(s) > 0);
	store_free(s);
	assert_int_equal(rmdir(dir), 0); /* the file was unlinked: the directory is empty */
	if (was)
		setenv("TMPDIR", was, 1);
	else
		unsetenv("TMPDIR");
	free(was);
}

/* The disk refuses a spool write: store_spool() fails with the reason,
 * the bytes already taken stay readable, and once there is room again
 * spooling goes on. */
static void test_spool_refused_write_fails_then_recovers(void **state)
{
	(void)state;
	struct store *s = store_new();
	assert_int_equal(store_spool_prepare(s), 0);
	static char buf[256 << 10];
	struct rlimit old, lim;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	void (*was)(int) = signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = 512 << 10;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	int64_t offs[40];
	int i, failed = -1;
	for (i = 0; i < 40; i++) { /* 10 MiB: 4 in memory, 1 buffered, then the file */
		memset(buf, 'a' + i % 26, sizeof buf);
		offs[i] = store_spool(s, buf, sizeof buf);
		if (offs[i] < 0) {
			failed = i;
			break;
		}
		struct store_msg m;
		memset(&m, 0, sizeof m);
		m.loc_src = STORE_LOC_SPOOL;
		m.loc_off = (uint64_t)offs[i];
		m.loc_len = sizeof buf;
		assert_int_equal(store_append_msg(s, &m), i);
	}
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, was);
	assert_true(failed > 16);
	assert_non_null(strstr(store_error(s), "cannot write spool file: File too large"));
	memset(buf, 'z', sizeof buf);
	assert_true(store_spool(s, buf, sizeof buf) >= 0); /* room again */
	for (int k = 0; k < failed; k++) {
		size_t len;
		const char *b = store_msg_bytes(s, (size_t)k, &len);
		assert_non_null(b);
		assert_int_equal(len, sizeof buf);
		assert_int_equal(b[0], 'a' + k % 26);
		assert_int_equal(b[len - 1], 'a' + k % 26);
	}
	store_free(s);
}

/* hmap_remap: dropped entries go, the others get their new values, and
 * every key is still found (deleting in a full table moves entries back,
 * around the end of the table too). */
static void test_hmap_remap_renumbers_and_deletes(void **state)
{
	(void)state;
	for (size_t n = 1; n <= 20000; n = n * 3 + 1) {
		struct hmap h;
		hmap_init(&h);
		uint32_t *map = calloc(n + 1, sizeof *map);
		assert_non_null(map);
		uint32_t next = 0;
		for (uint32_t v = 1; v <= n; v++) {
			assert_int_equal(hmap_put(&h, hmap_mix(v, 77), v), 0);
			map[v] = v % 3 == 0 ? 0 : ++next;
		}
		hmap_remap(&h, map, n + 1);
		assert_int_equal(h.count, next);
		for (uint32_t v = 1; v <= n; v++) {
			uint32_t got = 0;
			int found = hmap_get(&h, hmap_mix(v, 77), &got);
			assert_int_equal(found, map[v] != 0);
			if (found)
				assert_int_equal(got, map[v]);
		}
		free(map);
		hmap_free(&h);
	}
}

/* store_compact(): kept records keep their bytes, the strings they name,
 * and the spool file gives the disk blocks of the dropped ones back. */
static void test_compact_keeps_bytes_and_frees_spool_disk(void **state)
{
	(void)state;
	struct store *s = store_new();
	assert_non_null(s);
	enum { N = 4000, LEN = 4000 }; /* 16 MB: past the spool's memory part */
	static char buf[LEN];
	for (int i = 0; i < N; i++) {
		memset(buf, 'a' + i % 26, LEN);
		snprintf(buf, 32, "msg-%d", i);
		char id[32];
		snprintf(id, sizeof id, "call-%d", i);
		struct store_msg m;
		memset(&m, 0, sizeof m);
		int64_t off = store_spool(s, buf, LEN);
		assert_true(off >= 0);
		m.loc_src = STORE_LOC_SPOOL;
		m.loc_off = (uint64_t)off;
		m.loc_len = LEN;
		m.frame = (uint64_t)i + 1;
		m.call_id = store_intern(s, sv_str(id));
		assert_int_equal(store_append_msg(s, &m), i);
	}
	size_t len;
	assert_non_null(store_msg_bytes(s, N - 1, &len)); /* flushes nothing: reads wbuf */
	int64_t before = store_spool_disk(s);
	/* Keep every 1000th record and the last 100. */
	uint32_t *map = calloc(N, sizeof *map);
	uint8_t *keep = calloc(store_str_count(s), 1);
	uint32_t *smap = calloc(store_str_count(s) + 1, sizeof *smap);
	assert_true(map && keep && smap);
	uint32_t k = 0;
	for (int i = 0; i < N; i++)
		if (i % 1000 == 0 || i >= N - 100) {
			map[i] = ++k;
			keep[store_msg_at(s, (size_t)i)->call_id - 1] = 1;
		}
	store_compact(s, map, keep, smap);
	assert_int_equal(store_msg_count(s), k);
	assert_int_equal(store_str_count(s), k);
	for (size_t j = 0; j < k; j++) {
		const struct store_msg *m = store_msg_at(s, j);
		int i = (int)m->frame - 1;
		char want[32];
		snprintf(want, sizeof want, "msg-%d", i);
		const char *b = store_msg_bytes(s, j, &len);
		assert_non_null(b);
		assert_int_equal(len, LEN);
		assert_string_equal(b, want);
		assert_int_equal(b[LEN - 1], 'a' + i % 26);
		snprintf(want, sizeof want, "call-%d", i);
		assert_true(sv_eq(store_str(s, m->call_id), sv_str(want)));
		assert_int_equal(store_intern(s, sv_str(want)), m->call_id);
	}
	int64_t after = store_spool_disk(s);
	/* Where the file system can punch holes, most of the file went. */
	if (after < before)
		assert_true(after < before / 2);
	free(map);
	free(keep);
	free(smap);
	store_free(s);
}

/* store_keep_spool(): a compaction leaves the spool file whole (no hole
 * punched, so a parse stage may spool meanwhile), and kept records still
 * read their bytes. */
static void test_compact_with_spool_kept_punches_nothing(void **state)
{
	(void)state;
	struct store *s = store_new();
	assert_non_null(s);
	store_keep_spool(s);
	enum { N = 3000, LEN = 4000 }; /* 12 MB: past the spool's memory part */
	static char buf[LEN];
	for (int i = 0; i < N; i++) {
		memset(buf, 'a' + i % 26, LEN);
		snprintf(buf, 32, "msg-%d", i);
		struct store_msg m;
		memset(&m, 0, sizeof m);
		int64_t off = store_spool(s, buf, LEN);
		assert_true(off >= 0);
		m.loc_src = STORE_LOC_SPOOL;
		m.loc_off = (uint64_t)off;
		m.loc_len = LEN;
		m.frame = (uint64_t)i + 1;
		assert_int_equal(store_append_msg(s, &m), i);
	}
	int64_t before = store_spool_disk(s);
	assert_true(before > 0);
	uint32_t map[N];
	uint32_t smap[1];
	uint8_t keep[1] = { 0 };
	memset(map, 0, sizeof map);
	map[N - 1] = 1; /* only the last */
	store_compact(s, map, keep, smap);
	assert_int_equal(store_msg_count(s), 1);
	assert_int_equal(store_spool_disk(s), before);
	size_t len;
	char want[32];
	snprintf(want, sizeof want, "msg-%d", N - 1);
	const char *b = store_msg_bytes(s, 0, &len);
	assert_non_null(b);
	assert_int_equal(len, LEN);
	assert_string_equal(b, want);
	store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intern_equal_strings_share_id),
		cmocka_unit_test(test_intern_distinguishes_prefixes_and_embedded_nul),
		cmocka_unit_test(test_intern_100000_strings_all_retrievable),
		cmocka_unit_test(test_intern_empty_string),
		cmocka_unit_test(test_intern_string_larger_than_a_chunk),
		cmocka_unit_test(test_str_of_unknown_id_is_null),
		cmocka_unit_test(test_endpoint_ids_equal_for_equal_endpoints),
		cmocka_unit_test(test_endpoint_ids_differ_by_port_address_and_family),
		cmocka_unit_test(test_ipv4_endpoint_ignores_unused_address_bytes),
		cmocka_unit_test(test_many_endpoints_get_distinct_ids),
		cmocka_unit_test(test_endpoint_format),
		cmocka_unit_test(test_append_msg_and_read_back),
		cmocka_unit_test(test_spool_roundtrip_in_random_order),
		cmocka_unit_test(test_spool_file_part_roundtrip),
		cmocka_unit_test(test_spool_empty_message),
		cmocka_unit_test(test_msg_bytes_through_fetcher_passes_location),
		cmocka_unit_test(test_msg_bytes_fetch_failure_returns_null_with_error),
		cmocka_unit_test(test_spool_crossing_from_memory_to_file_reads_back),
		cmocka_unit_test(test_spool_file_goes_to_tmpdir),
		cmocka_unit_test(test_spool_refused_write_fails_then_recovers),
		cmocka_unit_test(test_compact_with_spool_kept_punches_nothing),
		cmocka_unit_test(test_msg_bytes_spooled_without_spool_returns_null),
		cmocka_unit_test(test_hmap_empty_get_finds_nothing),
		cmocka_unit_test(test_hmap_key_zero_put_get_replace),
		cmocka_unit_test(test_hmap_many_keys_put_get_replace),
		cmocka_unit_test(test_hmap_del_keeps_the_rest_findable),
		cmocka_unit_test(test_hmap_remap_renumbers_and_deletes),
		cmocka_unit_test(test_compact_keeps_bytes_and_frees_spool_disk),
		cmocka_unit_test_setup_teardown(test_hmap_mix_keeps_sequential_ids_apart, hmap_setup, hmap_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
