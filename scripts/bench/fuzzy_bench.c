/*
 * fuzzy_bench.c - what a fuzzy word (`word~N`) costs on a native index:
 * the dictionary walk of searcher/fuzzy.c over every segment.
 *
 *   fuzzy_bench [--repeat R] [--scan] INDEX_DIR [WORDS]
 *
 * opens INDEX_DIR's segments as the searcher does (the manifest, then
 * att_segment_open for each), reads words from WORDS (or standard
 * input; the first field of each line, blank lines and '#' lines
 * skipped), and for 1 and 2 edits walks every segment's dictionary for
 * each word. After one warm-up pass (the mapped pages read and their
 * CRCs checked, as a searcher that has run a while has them), each word
 * is walked R times (5) and its time is the median of those. Printed:
 * per number of edits, the median and p99 microseconds per word over
 * the words, the terms the walks read per word (median, p99, mean, and
 * the mean's share of the dictionary), the terms found; then one JSON
 * line each, for scripts. --scan adds a full read of each dictionary,
 * the linear walk the fuzzy one replaces, for comparison.
 *
 * Benchmark tooling, not library code: on a fatal problem it prints a
 * message and exits 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attache.h"
#include "bench_common.h"
#include "format.h"
#include "searcher.h"

#define MAX_WORDS 100000

typedef struct word_list {
	char **w;
	size_t *len;
	size_t n;
} word_list;

/* The first white-space-separated field of each line of F. */
static void read_words(word_list *wl, FILE *f)
{
	char line[4096];

	wl->w = bench_xmalloc(MAX_WORDS * sizeof *wl->w);
	wl->len = bench_xmalloc(MAX_WORDS * sizeof *wl->len);
	wl->n = 0;
	while (fgets(line, sizeof line, f) != NULL && wl->n < MAX_WORDS) {
		char *p = line + strspn(line, " \t");
		size_t n = strcspn(p, " \t\r\n");

		if (n == 0 || *p == '#')
			continue;
		if (n > ATT_MAX_TERM) {
			fprintf(stderr, "fuzzy_bench: skipping a word of %zu bytes\n", n);
			continue;
		}
		p[n] = '\0';
		wl->w[wl->n] = bench_xstrdup(p);
		wl->len[wl->n++] = n;
	}
}

static att_status count(void *ctx, const uint8_t *t, size_t len, uint64_t df,
                        unsigned dist)
{
	(void)t;
	(void)len;
	(void)df;
	(void)dist;
	(*(size_t *)ctx)++;
	return ATT_OK;
}

/* Walks every segment for WORD~K: the microseconds it took; the terms
 * read and found are added to *VISITED and *FOUND. */
static double walk_all(const att_segment *segs, uint32_t nsegs,
                       const char *word, size_t len, unsigned k,
                       size_t *visited, size_t *found)
{
	double t0 = bench_now_us();
	uint32_t s;

	for (s = 0; s < nsegs; s++) {
		att_term_source src;
		att_dict_iter it;
		size_t v = 0;
		att_status rc;

		att_term_source_segment(&src, &it, &segs[s]);
		rc = att_fuzzy_walk(&src, word, len, k, count, found, &v);
		if (rc != ATT_OK) {
			fprintf(stderr, "fuzzy_bench: %s~%u in %s: %s\n", word, k,
			        segs[s].path, att_status_str(rc));
			exit(2);
		}
		*visited += v;
	}
	return bench_now_us() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Runs the words for K edits R times and prints the figures. */
static void run(const att_segment *segs, uint32_t nsegs, uint64_t nterms,
                const word_list *wl, unsigned k, int repeat)
{
	double *us = bench_xmalloc(wl->n * sizeof *us);
	double *vis = bench_xmalloc(wl->n * sizeof *vis);
	double *rep = bench_xmalloc((size_t)repeat * sizeof *rep);
	size_t i, found = 0, sink = 0, dummy = 0;
	bench_stats st, sv;
	int r;

	for (i = 0; i < wl->n; i++) /* warm-up */
		walk_all(segs, nsegs, wl->w[i], wl->len[i], k, &dummy, &sink);
	for (i = 0; i < wl->n; i++) {
		size_t v = 0;

		for (r = 0; r < repeat; r++) {
			size_t v1 = 0, f1 = 0;

			rep[r] = walk_all(segs, nsegs, wl->w[i], wl->len[i], k, &v1, &f1);
			if (r == 0) {
				v = v1;
				found += f1;
			}
		}
		qsort(rep, (size_t)repeat, sizeof *rep, cmp_double);
		us[i] = rep[repeat / 2];
		vis[i] = (double)v;
	}
	bench_stats_of(&st, us, wl->n);
	bench_stats_of(&sv, vis, wl->n);
	printf("maxedits %u: median %.1f us, p99 %.1f us, mean %.1f us per word;"
	       " terms read per word: median %.0f, p99 %.0f, mean %.0f (%.3f%% of"
	       " %llu); terms found: %.2f per word\n", k, st.median_us,
	       st.p99_us, st.mean_us, sv.median_us, sv.p99_us, sv.mean_us,
	       nterms ? 100.0 * sv.mean_us / (double)nterms : 0.0,
	       (unsigned long long)nterms, (double)found / (double)wl->n);
	printf("{\"engine\":\"attache\",\"phase\":\"fuzzy\",\"maxedits\":%u,"
	       "\"words\":%zu,\"segments\":%u,\"terms\":%llu,\"median_us\":%.1f,"
	       "\"p99_us\":%.1f,\"mean_us\":%.1f,\"visited_median\":%.0f,"
	       "\"visited_p99\":%.0f,\"visited_mean\":%.1f,\"found\":%zu}\n", k,
	       wl->n, nsegs, (unsigned long long)nterms, st.median_us, st.p99_us,
	       st.mean_us, sv.median_us, sv.p99_us, sv.mean_us, found);
	free(us);
	free(vis);
	free(rep);
}

/* The time of one full read of every dictionary, in microseconds. */
static double full_scan(const att_segment *segs, uint32_t nsegs)
{
	double t0 = bench_now_us();
	uint32_t s;

	for (s = 0; s < nsegs; s++) {
		att_dict_iter it;
		int has;

		att_dict_iter_init(&it, &segs[s]);
		while (att_dict_iter_next(&it, &has) == ATT_OK && has)
			;
	}
	return bench_now_us() - t0;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *words = NULL;
	int repeat = 5, scan = 0, i;
	char msg[512];
	att_manifest man;
	att_segment *segs;
	uint64_t nterms = 0;
	word_list wl;
	uint32_t s;
	FILE *f = stdin;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
			repeat = atoi(argv[++i]);
		else if (strcmp(argv[i], "--scan") == 0)
			scan = 1;
		else if (dir == NULL)
			dir = argv[i];
		else if (words == NULL)
			words = argv[i];
		else
			dir = NULL, i = argc;
	}
	if (dir == NULL || repeat < 1) {
		fprintf(stderr, "usage: fuzzy_bench [--repeat R] [--scan] INDEX_DIR "
		        "[WORDS]\n");
		return 1;
	}
	if (words != NULL && strcmp(words, "-") != 0 &&
	    (f = fopen(words, "r")) == NULL) {
		perror(words);
		return 2;
	}
	read_words(&wl, f);
	if (f != stdin)
		fclose(f);
	if (wl.n == 0) {
		fprintf(stderr, "fuzzy_bench: no words\n");
		return 2;
	}
	if (att_manifest_read(&man, dir, msg, sizeof msg) != ATT_OK) {
		fprintf(stderr, "fuzzy_bench: %s\n", msg);
		return 2;
	}
	segs = bench_xmalloc((man.nsegs + 1) * sizeof *segs);
	for (s = 0; s < man.nsegs; s++) {
		if (att_segment_open(&segs[s], dir, &man.segs[s], msg, sizeof msg) !=
		    ATT_OK) {
			fprintf(stderr, "fuzzy_bench: %s\n", msg);
			return 2;
		}
		nterms += segs[s].nterms;
	}
	printf("fuzzy_bench: %s: %u segments, %llu terms in their dictionaries;"
	       " %zu words, %d runs each\n", dir, man.nsegs,
	       (unsigned long long)nterms, wl.n, repeat);
	if (scan) {
		full_scan(segs, man.nsegs);
		printf("a full read of the dictionaries: %.1f us\n",
		       full_scan(segs, man.nsegs));
	}
	run(segs, man.nsegs, nterms, &wl, 1, repeat);
	run(segs, man.nsegs, nterms, &wl, 2, repeat);
	for (s = 0; s < man.nsegs; s++)
		att_segment_close(&segs[s]);
	free(segs);
	att_manifest_release(&man);
	for (i = 0; i < (int)wl.n; i++)
		free(wl.w[i]);
	free(wl.w);
	free(wl.len);
	return 0;
}
