/* track_cost.c - what transaction/dialog/call tracking adds to loading a
 * capture: the same ingest (two threads, as `sipscope calls` runs it) with
 * tracking on and off, best of N runs each.
 * Usage: track_cost FILE [RUNS] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sipscope/ingest.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double load(const char *path, int track, size_t *msgs, size_t *calls)
{
	char err[256];
	const char *paths[] = { path };
	struct pcap_src *src = pcap_src_open(paths, 1, err, sizeof err);
	if (!src) {
		fprintf(stderr, "track_cost: %s\n", err);
		exit(2);
	}
	struct store *s = store_new();
	struct tracker *t = s ? track_new(s) : NULL;
	struct ingest *in = t ? ingest_new(s, t) : NULL;
	if (!in) {
		fprintf(stderr, "track_cost: out of memory\n");
		exit(2);
	}
	ingest_set_tracking(in, track);
	double t0 = now();
	ingest_run(in, src);
	track_finish(t);
	double dt = now() - t0;
	*msgs = store_msg_count(s);
	*calls = track_call_count(t);
	ingest_free(in);
	track_free(t);
	store_free(s);
	pcap_src_close(src);
	return dt;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: track_cost FILE [RUNS]\n");
		return 2;
	}
	int runs = argc > 2 ? atoi(argv[2]) : 3;
	double best[2] = { 1e9, 1e9 };
	size_t msgs = 0, calls = 0;
	for (int r = 0; r < runs; r++)
		for (int track = 0; track <= 1; track++) {
			double dt = load(argv[1], track, &msgs, &calls);
			if (dt < best[track])
				best[track] = dt;
		}
	printf("ingest without tracking : %.3f s\n", best[0]);
	printf("ingest with tracking    : %.3f s  (%zu messages, %zu calls)\n", best[1], msgs, calls);
	printf("tracking adds           : %.1f%%   (target <= 25%%)\n",
	       100.0 * (best[1] - best[0]) / best[0]);
	return 0;
}
