/*
 * concurrent_reader.c: the reader half of tests/e2e/concurrency.sh.
 *
 * usage: concurrent_reader INDEX COUNTS SECONDS [REOPEN_EVERY]
 *
 * While a writer commits batches and merges segments in INDEX, this
 * program searches it in a loop for SECONDS seconds, through the public
 * API only. It opens one searcher at the start and keeps it: that
 * searcher pinned one generation, so every query on it must keep giving
 * the same answer however many commits, merges and clean-ups happen
 * meanwhile. Every REOPEN_EVERY iterations (default 4) it also opens a
 * fresh searcher, which must see one whole generation:
 *
 *   - its document count (att_searcher_stats) is one the writer has
 *     announced in the file COUNTS (one decimal count a line, each
 *     written before the commit that makes it, so a count a reader can
 *     see is always there already);
 *   - the word every document holds ("allmarker") matches exactly that
 *     many documents, so the postings and the manifest agree;
 *   - generations never go back.
 *
 * On the Xapian backend the first searcher is not pinned (Xapian keeps
 * one old revision; a searcher whose revision was discarded moves to the
 * latest): its answers must be whole generations instead, a count the
 * writer announced.
 *
 * Any status other than ATT_OK, from any call, is a failure. It prints a
 * summary and exits 0 when nothing failed and at least a few fresh
 * searchers were opened, 1 otherwise, 2 on a usage error.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attache.h"

#define MAX_COUNTS 4096

typedef struct reader {
	const char *index, *counts_path;
	uint64_t counts[MAX_COUNTS];
	size_t ncounts;
	uint64_t last_gen, min_gen, max_gen;
	unsigned long iterations, opens, failures, queries;
} reader;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void failure(reader *r, const char *what, const char *msg)
{
	r->failures++;
	if (r->failures <= 20)
		fprintf(stderr, "concurrent_reader: FAIL: %s: %s\n", what, msg);
}

/* Reads the announced counts again: every complete line of the file. */
static void load_counts(reader *r)
{
	FILE *f = fopen(r->counts_path, "r");
	char line[64];

	r->ncounts = 0;
	if (f == NULL)
		return;
	while (r->ncounts < MAX_COUNTS && fgets(line, sizeof line, f) != NULL) {
		if (strchr(line, '\n') == NULL)
			break; /* a line being written */
		r->counts[r->ncounts++] = strtoull(line, NULL, 10);
	}
	fclose(f);
}

static int announced(reader *r, uint64_t docs)
{
	size_t i;

	load_counts(r);
	for (i = 0; i < r->ncounts; i++)
		if (r->counts[i] == docs)
			return 1;
	return 0;
}

/* Runs QUERY on S; *TOTAL gets the number of matching documents. Any
 * error is a failure; returns 0 on success. */
static int query(uint64_t *total, reader *r, att_searcher *s, const char *q,
                 size_t passages, int require_all)
{
	att_search_options o;
	att_results *res;
	att_status rc;
	size_t i, k;

	att_search_options_init(&o);
	o.n = 20;
	o.passages = passages;
	o.require_all = require_all;
	o.exhaustive = 1;   /* exact totals: they are what is compared */
	r->queries++;
	rc = att_search(&res, s, q, strlen(q), &o);
	if (rc != ATT_OK) {
		char what[128];

		snprintf(what, sizeof what, "search '%s' (%s)", q, att_status_str(rc));
		failure(r, what, att_searcher_errmsg(s));
		return -1;
	}
	*total = att_results_total(res);
	for (i = 0; i < att_results_count(res); i++) { /* touch every passage */
		att_hit h;

		att_results_hit(&h, res, i);
		for (k = 0; k < h.npassages; k++) {
			att_passage p;

			att_results_passage(&p, res, i, k);
			if (p.end < p.start || p.text_len != p.end - p.start)
				failure(r, q, "a passage's offsets and text disagree");
		}
	}
	att_results_free(res);
	return 0;
}

/* Opens a fresh searcher and checks it sees one whole generation. */
static void fresh_searcher(reader *r)
{
	att_index_stats st;
	att_searcher *s = NULL;
	char *msg = NULL, what[160];
	uint64_t total;
	att_status rc;

	r->opens++;
	rc = att_searcher_open(&s, r->index, &msg);
	if (rc != ATT_OK) {
		snprintf(what, sizeof what, "att_searcher_open (%s)", att_status_str(rc));
		failure(r, what, msg ? msg : "");
		free(msg);
		return;
	}
	rc = att_searcher_stats(&st, s);
	if (rc != ATT_OK) {
		failure(r, "att_searcher_stats", att_searcher_errmsg(s));
		goto done;
	}
	if (st.generation < r->last_gen) {
		snprintf(what, sizeof what, "generation %" PRIu64 " after %" PRIu64,
		         st.generation, r->last_gen);
		failure(r, "fresh searcher", what);
	}
	r->last_gen = st.generation;
	if (r->min_gen == 0 || st.generation < r->min_gen)
		r->min_gen = st.generation;
	if (st.generation > r->max_gen)
		r->max_gen = st.generation;
	if (!announced(r, st.docs)) {
		snprintf(what, sizeof what, "generation %" PRIu64 " has %" PRIu64
		         " documents, a count no commit made", st.generation, st.docs);
		failure(r, "fresh searcher", what);
	}
	if (query(&total, r, s, "allmarker", 1, 0) == 0 && total != st.docs) {
		att_index_stats now;

		/* A Xapian database keeps only its latest revisions: one that
		 * two commits discard under a handle makes the search reopen
		 * it and run on the newer one (docs/XAPIAN.md). Then the new
		 * generation must be whole. A native handle never moves. */
		if (att_searcher_stats(&now, s) == ATT_OK &&
		    now.generation > st.generation && total == now.docs &&
		    announced(r, now.docs))
			goto done;
		snprintf(what, sizeof what, "generation %" PRIu64 ": %" PRIu64
		         " documents, 'allmarker' matches %" PRIu64,
		         st.generation, st.docs, total);
		failure(r, "fresh searcher", what);
	}
done:
	att_searcher_free(s);
}

int main(int argc, char **argv)
{
	static const char *const queries[] = {
		"batchmarker3 world", "\"allmarker\" +batchmarker1 -batchmarker2",
		"ministers trade agreement", "+allmarker grain corridor",
	};
	reader r;
	att_index_stats st0;
	att_searcher *s0 = NULL;
	char *msg = NULL, what[160];
	double seconds, t_end;
	unsigned long every = 4;
	uint64_t total, docs0;
	att_status rc;
	int ex = 1, pinned;
	size_t q;

	if (argc < 4 || argc > 5 || (seconds = atof(argv[3])) <= 0 ||
	    (argc == 5 && (every = strtoul(argv[4], NULL, 10)) == 0)) {
		fprintf(stderr, "usage: concurrent_reader INDEX COUNTS SECONDS "
		        "[REOPEN_EVERY]\n");
		return 2;
	}
	memset(&r, 0, sizeof r);
	r.index = argv[1];
	r.counts_path = argv[2];
	rc = att_searcher_open(&s0, r.index, &msg);
	if (rc != ATT_OK) {
		fprintf(stderr, "concurrent_reader: FAIL: open %s: %s\n", r.index,
		        msg ? msg : att_status_str(rc));
		free(msg);
		return 1;
	}
	if ((rc = att_searcher_stats(&st0, s0)) != ATT_OK) {
		failure(&r, "att_searcher_stats", att_searcher_errmsg(s0));
		goto done;
	}
	docs0 = st0.docs;
	pinned = strcmp(att_searcher_backend(s0), "native") == 0;
	r.last_gen = r.min_gen = r.max_gen = st0.generation;
	if (!announced(&r, docs0))
		failure(&r, "the first searcher", "its count was never announced");
	t_end = now() + seconds;
	while (now() < t_end) {
		r.iterations++;
		/* the pinned generation answers as it did at the start; an
		 * unpinned one (Xapian) answers with a whole generation */
		if (query(&total, &r, s0, "allmarker", 1, 0) == 0) {
			if (pinned && total != docs0) {
				snprintf(what, sizeof what, "the first searcher saw %"
				         PRIu64 " documents, now 'allmarker' matches %"
				         PRIu64, docs0, total);
				failure(&r, "pinned generation", what);
			} else if (!pinned && !announced(&r, total)) {
				snprintf(what, sizeof what, "'allmarker' matches %" PRIu64
				         ", a count never announced", total);
				failure(&r, "first searcher (Xapian)", what);
			}
		}
		for (q = 0; q < sizeof queries / sizeof queries[0]; q++)
			query(&total, &r, s0, queries[q], q % 3, (int)(q & 1));
		if (r.iterations % every == 0)
			fresh_searcher(&r);
	}
	printf("concurrent_reader: %lu iterations, %lu queries, %lu fresh "
	       "searchers, generations %" PRIu64 "..%" PRIu64 ", %lu failures\n",
	       r.iterations, r.queries, r.opens, r.min_gen, r.max_gen,
	       r.failures);
	if (r.opens < 5)
		failure(&r, "the run", "fewer than 5 fresh searchers were opened");
	else if (r.max_gen == r.min_gen)
		failure(&r, "the run", "no fresh searcher saw a new generation");
	ex = r.failures ? 1 : 0;
done:
	att_searcher_free(s0);
	return ex;
}
