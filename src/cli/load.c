/* load.c - the captures (or a database) read into the store and tracked,
 * and the calls a command was asked for. */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sipscope/db.h"

void unload(struct loaded *l)
{
	ingest_free(l->ingest);
	track_free(l->tracker);
	store_free(l->store);
	pcap_src_close(l->src);
}

/* Read every frame of the captures into the store.  Returns 0, or an
 * exit code for a fatal error (message printed). */
/* The TLS key sources; a warning (bad key log lines) is printed, an
 * error (no such file, not a key) is fatal.  Returns 0 or -1. */
int load_tls(struct ingest *in, const struct ingest_tls_opts *o, int live)
{
	char msg[512];
	if (ingest_set_tls(in, o, live, msg, sizeof msg) < 0) {
		fprintf(stderr, "sipscope: %s\n", msg);
		return -1;
	}
	if (msg[0])
		fprintf(stderr, "sipscope: warning: %s\n", msg);
	return 0;
}

int load(const struct opts *o, struct loaded *l)
{
	return load_hooked(o, l, NULL, NULL);
}

int load_hooked(const struct opts *o, struct loaded *l, void (*prepare)(struct loaded *l, void *ctx),
                void *ctx)
{
	char err[512];
	memset(l, 0, sizeof *l);
	int from_db = 0;
	for (size_t i = 0; i < o->nfiles; i++)
		if (strcmp(o->files[i], "-") && db_is_database(o->files[i]))
			from_db = 1;
	if (from_db && o->nfiles > 1) {
		fprintf(stderr, "sipscope: a database is read alone, not merged with other captures\n");
		return EXIT_USAGE;
	}
	if (from_db && o->bpf[0]) {
		fprintf(stderr, "sipscope: a capture filter applies to packets; a database holds "
		                "messages\n");
		return EXIT_USAGE;
	}
	if (!from_db) {
		l->src = pcap_src_open(o->files, o->nfiles, err, sizeof err);
		if (!l->src || (o->bpf[0] && pcap_src_set_filter(l->src, o->bpf, err, sizeof err) < 0)) {
			fprintf(stderr, "sipscope: %s\n", err);
			pcap_src_close(l->src);
			return EXIT_USAGE;
		}
	}
	l->store = store_new();
	l->tracker = l->store ? track_new(l->store) : NULL;
	l->ingest = l->tracker ? ingest_new(l->store, l->tracker) : NULL;
	if (!l->ingest) {
		fprintf(stderr, "sipscope: out of memory\n");
		unload(l);
		return EXIT_USAGE;
	}
	ingest_set_correlate(l->ingest, o->correlate);
	if (load_tls(l->ingest, &o->tls, 0) < 0) {
		unload(l);
		return EXIT_USAGE;
	}
	if (o->rtp && ingest_set_media(l->ingest, 1) < 0) {
		fprintf(stderr, "sipscope: out of memory\n");
		unload(l);
		return EXIT_USAGE;
	}
	if (from_db) {
		if (db_load(o->files[0], l->ingest, err, sizeof err) < 0) {
			fprintf(stderr, "sipscope: %s\n", err);
			unload(l);
			return EXIT_USAGE;
		}
		track_finish(l->tracker);
		l->from_db = 1;
		return 0;
	}
	store_set_fetcher(l->store, pcap_src_fetch, l->src);
	pcap_src_on_secrets(l->src, ingest_on_secrets, l->ingest); /* pcapng's own TLS keys */
	ingest_keep_frame_ranges(l->ingest, o->keep_ranges);
	if (prepare)
		prepare(l, ctx);
	ingest_run(l->ingest, l->src);
	track_finish(l->tracker);
	if (ingest_media(l->ingest))
		media_finish(ingest_media(l->ingest));
	size_t nw = ingest_warning_count(l->ingest);
	for (size_t i = 0; i < nw; i++) {
		const char *w = ingest_warning(l->ingest, i);
		if (w)
			fprintf(stderr, "sipscope: warning: %s\n", w);
	}
	if (nw > 16)
		fprintf(stderr, "sipscope: warning: %zu more damaged files\n", nw - 16);
	const struct ingest_stats *st = ingest_stats(l->ingest);
	l->damaged = nw > 0 || st->store_errors > 0; /* lost messages: status 1 */
	if (st->store_errors)
		fprintf(stderr, "sipscope: warning: %llu messages could not be stored (%s)\n",
		        (unsigned long long)st->store_errors,
		        *store_error(l->store) ? store_error(l->store) : "out of memory");
	return 0;
}

/* A --call value: a number from the calls list, or a Call-ID.  Returns
 * the call (1-based, a merged call's root) or 0. */
static uint32_t resolve_call(const struct loaded *l, const char *spec)
{
	size_t n = track_call_count(l->tracker);
	char *end;
	errno = 0;
	unsigned long v = strtoul(spec, &end, 10);
	if (!errno && !*end && spec[0] >= '0' && spec[0] <= '9' && v >= 1 && v <= n)
		return track_call_root(l->tracker, (uint32_t)v);
	uint32_t leg = track_find_call(l->tracker, sv_hash(sv_make(spec, strlen(spec))));
	return leg ? track_call_root(l->tracker, leg) : 0;
}

/* The flow command: the ladders of the --call calls (the calls the
 * filter keeps without), each under a title line. */
/* The calls a command works on: the --call values, else the calls the
 * list keeps (--filter), narrowed to those with a message --match
 * matches.  Returns 0 with *ids (malloc'd) and *n, or an exit code. */
int select_calls(const struct opts *o, const struct loaded *l, struct calllist *cl,
                        uint32_t **ids, size_t *n)
{
	*n = 0;
	*ids = malloc((o->ncalls + calllist_count(cl) + 1) * sizeof **ids);
	if (!*ids) {
		fprintf(stderr, "sipscope: out of memory\n");
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < o->ncalls; i++) {
		uint32_t c = resolve_call(l, o->calls[i]);
		if (!c) {
			fprintf(stderr, "sipscope: no call '%s' in the capture (give a number from "
			                "'sipscope calls' or a Call-ID)\n", o->calls[i]);
			free(*ids);
			return EXIT_USAGE;
		}
		(*ids)[(*n)++] = c;
	}
	if (o->ncalls)
		return 0;
	regex_t re;
	char err[256];
	if (o->match && calllist_regcomp(&re, o->match, err, sizeof err) < 0) {
		fprintf(stderr, "sipscope: --match: %s\n", err);
		free(*ids);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < calllist_count(cl); i++) {
		uint32_t c = calllist_call(cl, i);
		if (!o->match || calllist_call_grep(cl, c, &re) > 0)
			(*ids)[(*n)++] = c;
	}
	if (o->match)
		regfree(&re);
	return 0;
}
