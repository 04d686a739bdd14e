/* db_bench.c - writing a capture into an sqlite3 database (src/db/):
 * how fast, and (with -n) the incremental writer the crash test kills.
 *
 *   db_bench [-r RUNS] FILE.pcap OUT.db
 *       load the capture (not timed), then write it with one db_sync, as
 *       `sipscope db -r FILE -o OUT.db` does; best of RUNS (default 3),
 *       each into a fresh OUT.db.  Prints messages/s of the write alone.
 *   db_bench -n EVERY FILE.pcap OUT.db
 *       read the capture frame by frame and sync every EVERY messages, as
 *       a live capture does; prints "committed N" after each sync (flushed)
 *       and "done N" at the end.
 *   db_bench -L DB
 *       read a database back (db_load) and print "messages N calls N". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sipscope/db.h"
#include "sipscope/ingest.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "db_bench: %s: %s\n", what, why);
	exit(2);
}

struct pipe {
	struct pcap_src *src;
	struct store *s;
	struct tracker *t;
	struct ingest *in;
};

static void pipe_open(struct pipe *p, const char *path)
{
	char err[256];
	memset(p, 0, sizeof *p);
	if (path) {
		const char *paths[] = { path };
		p->src = pcap_src_open(paths, 1, err, sizeof err);
		if (!p->src)
			die(path, err);
	}
	p->s = store_new();
	p->t = p->s ? track_new(p->s) : NULL;
	p->in = p->t ? ingest_new(p->s, p->t) : NULL;
	if (!p->in)
		die("setup", "out of memory");
	if (p->src)
		store_set_fetcher(p->s, pcap_src_fetch, p->src);
}

static void pipe_close(struct pipe *p)
{
	ingest_free(p->in);
	track_free(p->t);
	store_free(p->s);
	pcap_src_close(p->src);
}

static void remove_db(const char *path)
{
	char side[4096];
	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
}

static struct db_writer *open_writer(const char *db, const char *source)
{
	char err[512];
	struct db_writer *w = db_open(db, err, sizeof err);
	if (!w)
		die(db, err);
	if (db_add_capture(w, source, 0) < 0)
		die(db, db_error(w));
	return w;
}

static int bench(const char *pcap, const char *db, int runs)
{
	struct pipe p;
	pipe_open(&p, pcap);
	double t0 = now();
	ingest_run(p.in, p.src);
	track_finish(p.t);
	double load = now() - t0;
	size_t n = store_msg_count(p.s);
	double best = 1e9;
	for (int r = 0; r < runs; r++) {
		remove_db(db);
		/* Not timed: the last run's database (700 MB) still being written
		 * back by the kernel would slow this run's writes by up to 2x. */
		sync();
		t0 = now();
		struct db_writer *w = open_writer(db, pcap);
		if (db_sync(w, p.s, p.t) < 0)
			die(db, db_error(w));
		db_close(w);
		double dt = now() - t0;
		if (dt < best)
			best = dt;
	}
	printf("capture load (not timed) : %.3f s  (%zu messages, %zu calls)\n", load, n,
	       track_call_count(p.t));
	printf("database write           : %.3f s  best of %d\n", best, runs);
	printf("messages/s into sqlite   : %.0f   (target >= 200000)\n", (double)n / best);
	pipe_close(&p);
	return 0;
}

static int incremental(const char *pcap, const char *db, size_t every)
{
	struct pipe p;
	pipe_open(&p, pcap);
	struct db_writer *w = open_writer(db, pcap);
	struct frame f;
	int rc;
	double in_sync = 0;
	size_t syncs = 0;
	while ((rc = pcap_src_next(p.src, &f)) != PCAP_SRC_END) {
		if (rc != PCAP_SRC_FRAME)
			continue;
		ingest_frame(p.in, &f);
		if (store_msg_count(p.s) - db_written(w) >= every) {
			double t0 = now();
			if (db_sync(w, p.s, p.t) < 0)
				die(db, db_error(w));
			in_sync += now() - t0;
			syncs++;
			printf("committed %zu\n", db_written(w));
			fflush(stdout);
		}
	}
	ingest_finish(p.in);
	track_finish(p.t);
	double t0 = now();
	if (db_sync(w, p.s, p.t) < 0)
		die(db, db_error(w));
	in_sync += now() - t0;
	db_close(w);
	printf("done %zu\n", store_msg_count(p.s));
	fprintf(stderr, "%zu syncs, %.3f s in db_sync: %.0f messages/s\n", syncs + 1, in_sync,
	        (double)store_msg_count(p.s) / in_sync);
	pipe_close(&p);
	return 0;
}

static int readback(const char *db)
{
	char err[512];
	struct pipe p;
	pipe_open(&p, NULL);
	if (db_load(db, p.in, err, sizeof err) < 0)
		die(db, err);
	track_finish(p.t);
	printf("messages %zu calls %zu\n", store_msg_count(p.s), track_call_count(p.t));
	pipe_close(&p);
	return 0;
}

int main(int argc, char **argv)
{
	int runs = 3, opt;
	size_t every = 0;
	const char *load = NULL;
	while ((opt = getopt(argc, argv, "r:n:L:")) != -1) {
		switch (opt) {
		case 'r': runs = atoi(optarg); break;
		case 'n': every = (size_t)strtoul(optarg, NULL, 10); break;
		case 'L': load = optarg; break;
		default: goto usage;
		}
	}
	if (load)
		return readback(load);
	if (argc - optind != 2 || runs < 1)
		goto usage;
	return every ? incremental(argv[optind], argv[optind + 1], every)
	             : bench(argv[optind], argv[optind + 1], runs);
usage:
	fprintf(stderr, "usage: db_bench [-r RUNS] FILE.pcap OUT.db\n"
	                "       db_bench -n EVERY FILE.pcap OUT.db\n"
	                "       db_bench -L DB\n");
	return 2;
}
