/* fixture.h - tests: a capture loaded through the whole pipeline (the
 * serial frame-by-frame path, or the two-thread run). */
#ifndef SIPSCOPE_TEST_FIXTURE_H
#define SIPSCOPE_TEST_FIXTURE_H

#include "sipscope/ingest.h"

struct loaded {
	struct pcap_src *src;
	struct store *s;
	struct tracker *t;
	struct ingest *in;
};

static inline void load(struct loaded *l, const char *path, int threaded)
{
	char err[256];
	const char *paths[] = { path };
	l->src = pcap_src_open(paths, 1, err, sizeof err);
	assert_non_null(l->src);
	l->s = store_new();
	l->t = track_new(l->s);
	l->in = ingest_new(l->s, l->t);
	assert_non_null(l->in);
	store_set_fetcher(l->s, pcap_src_fetch, l->src);
	if (threaded) {
		assert_int_equal(ingest_run(l->in, l->src), 0);
	} else {
		struct frame f;
		int rc;
		while ((rc = pcap_src_next(l->src, &f)) != PCAP_SRC_END)
			if (rc == PCAP_SRC_FRAME)
				assert_int_equal(ingest_frame(l->in, &f), 0);
		ingest_finish(l->in);
	}
	track_finish(l->t);
}

/* load() of n captures merged by time, following RTP too
 * (ingest_set_media), the streams finished. */
static inline struct media *load_media_files(struct loaded *l, const char *const *paths, size_t n)
{
	char err[256];
	l->src = pcap_src_open(paths, n, err, sizeof err);
	assert_non_null(l->src);
	l->s = store_new();
	l->t = track_new(l->s);
	l->in = ingest_new(l->s, l->t);
	assert_non_null(l->in);
	assert_int_equal(ingest_set_media(l->in, 1), 0);
	store_set_fetcher(l->s, pcap_src_fetch, l->src);
	struct frame f;
	int rc;
	while ((rc = pcap_src_next(l->src, &f)) != PCAP_SRC_END)
		if (rc == PCAP_SRC_FRAME)
			assert_int_equal(ingest_frame(l->in, &f), 0);
	ingest_finish(l->in);
	track_finish(l->t);
	media_finish(ingest_media(l->in));
	return ingest_media(l->in);
}

static inline struct media *load_media(struct loaded *l, const char *path)
{
	return load_media_files(l, &path, 1);
}

/* Calls made of crafted messages for the checker's surfaces: call 1 an
 * INVITE without Contact (invite-without-contact, an error) answered 486;
 * call 2 an OPTIONS whose branch lacks the magic cookie
 * (branch-without-cookie, info only) answered 200; call 3 an OPTIONS whose From has no tag
 * (missing-from-tag), answered 200 twice (second-final-response); call 4
 * a 200 with no request, 40 s into the capture (response-without-request,
 * a warning). */
static inline void load_problem_calls(struct loaded *l)
{
	memset(l, 0, sizeof *l);
	l->s = store_new();
	l->t = track_new(l->s);
	l->in = ingest_new(l->s, l->t);
	assert_non_null(l->in);
	struct store_endpoint a = { .family = 4, .addr = { 192, 0, 2, 1 }, .port = 5060 };
	struct store_endpoint b = { .family = 4, .addr = { 192, 0, 2, 2 }, .port = 5060 };
	static const struct { int from_a; const char *text; } m[] = {
		{ 1, "INVITE sip:bob@example.com SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-p1\r\nMax-Forwards: 70\r\n"
		     "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>\r\n"
		     "Call-ID: problem-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n" },
		{ 0, "SIP/2.0 486 Busy Here\r\n"
		     "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-p1\r\n"
		     "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>;tag=b1\r\n"
		     "Call-ID: problem-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n" },
		{ 1, "ACK sip:bob@example.com SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-p1\r\nMax-Forwards: 70\r\n"
		     "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>;tag=b1\r\n"
		     "Call-ID: problem-1\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n" },
		{ 1, "OPTIONS sip:bob@example.com SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=old2\r\nMax-Forwards: 70\r\n"
		     "From: <sip:alice@example.com>;tag=a2\r\nTo: <sip:bob@example.com>\r\n"
		     "Call-ID: problem-2\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n" },
		{ 0, "SIP/2.0 200 OK\r\n"
		     "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=old2\r\n"
		     "From: <sip:alice@example.com>;tag=a2\r\nTo: <sip:bob@example.com>;tag=b2\r\n"
		     "Call-ID: problem-2\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n" },
		{ 1, "OPTIONS sip:bob@example.com SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-p3\r\nMax-Forwards: 0\r\n"
		     "From: <sip:alice@example.com>\r\nTo: <sip:bob@example.com>\r\n"
		     "Call-ID: problem-3\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n" },
		{ 0, "SIP/2.0 200 OK\r\n"
		     "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-p3\r\n"
		     "From: <sip:alice@example.com>\r\nTo: <sip:bob@example.com>;tag=b3\r\n"
		     "Call-ID: problem-3\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n" },
		{ 0, "SIP/2.0 200 OK\r\n"
		     "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-p3\r\n"
		     "From: <sip:alice@example.com>\r\nTo: <sip:bob@example.com>;tag=b3x\r\n"
		     "Call-ID: problem-3\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n" },
		{ 0, "SIP/2.0 200 OK\r\n"
		     "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-p4\r\n"
		     "From: <sip:alice@example.com>;tag=a4\r\nTo: <sip:bob@example.com>;tag=b4\r\n"
		     "Call-ID: problem-4\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n" },
	};
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
		assert_int_equal(ingest_raw_message(l->in, i + 1,
		                                    (i + 1 == sizeof m / sizeof m[0] ? 41000000 : 1000000) +
		                                        10000 * (int64_t)i,
		                                    m[i].from_a ? &a : &b, m[i].from_a ? &b : &a,
		                                    STORE_TP_UDP, 0, m[i].text, strlen(m[i].text)), 1);
	ingest_finish(l->in);
	track_finish(l->t);
}

static inline void unload(struct loaded *l)
{
	ingest_free(l->in);
	track_free(l->t);
	store_free(l->s);
	pcap_src_close(l->src);
}

#endif
