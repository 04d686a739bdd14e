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

static inline void unload(struct loaded *l)
{
	ingest_free(l->in);
	track_free(l->t);
	store_free(l->s);
	pcap_src_close(l->src);
}

#endif
