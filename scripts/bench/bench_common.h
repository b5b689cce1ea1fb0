/*
 * bench_common.h - what the peer benchmark harnesses share.
 *
 * fts5_bench.c (SQLite FTS5) and xapian_bench.cc (Xapian) measure the same
 * figures in the same way, so the parts that decide *how* a figure is taken
 * live here, once: the clock, peak resident memory, sizes on disk, the
 * JSONL reader that feeds the indexers, the query-file reader, and the
 * latency statistics (median, p99, the "median run" of R repetitions).
 * Keeping them in one C file means a change to the method changes both
 * peers at once; the driver (scripts/bench/run) applies the same
 * definitions to attache's own `--timings` output.
 *
 * This is benchmark tooling, not library code: on a fatal problem (out of
 * memory, unreadable input) the helpers print a message and exit(2), which
 * is what a measuring program should do.
 */
#ifndef ATTACHE_BENCH_COMMON_H
#define ATTACHE_BENCH_COMMON_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A monotonic clock in microseconds. */
double bench_now_us(void);

/* Peak resident set size of this process so far, in KiB: VmHWM from
 * /proc/self/status, else getrusage (see bench_common.c for why). */
long bench_peak_rss_kb(void);

/* Bytes of PATH: a file's size, or a directory's files summed (recursive).
 * Returns -1 when PATH cannot be read. */
long long bench_path_bytes(const char *path);

/* Called once per JSONL record by bench_read_jsonl. The strings are valid
 * only during the call and are NUL-terminated; their lengths are given
 * (the text may hold no NUL, but the lengths save a strlen). A non-zero
 * return stops reading. */
typedef int (*bench_doc_fn)(void *ctx, const char *id, const char *title,
                            size_t title_len, const char *text,
                            size_t text_len);

/* Streams the JSONL file PATH ({"id","title","text"} a line; a numeric id
 * is turned into its decimal string, a missing title is ""), calling FN for
 * each record. Exits with a message naming the line on a malformed record.
 * Returns FN's non-zero return if it stopped early, else 0; *NDOCS gets the
 * number of records read and *RAW_BYTES the bytes of title plus text (the
 * "raw text" that index sizes are measured against). */
int bench_read_jsonl(const char *path, bench_doc_fn fn, void *ctx,
                     long *ndocs, long long *raw_bytes);

/* One record with its typed fields (the typed benchmark, scripts/bench/
 * typed): DATE is the "date" string ("YYYY-MM-DDTHH:MM:SSZ", fixed width,
 * so that byte order is time order) and CATEGORY the "category" string,
 * each NULL when the record has none. Valid only during the callback. */
typedef struct {
	const char *id, *title, *text, *date, *category;
	size_t title_len, text_len;
} bench_doc;

typedef int (*bench_typed_doc_fn)(void *ctx, const bench_doc *doc);

/* bench_read_jsonl, with the typed fields as well. */
int bench_read_jsonl_typed(const char *path, bench_typed_doc_fn fn, void *ctx,
                           long *ndocs, long long *raw_bytes);

/* Splits a typed query ("w1 w2 date:2003-01-01..2003-12-31") into at most
 * MAX words (as bench_split_words) and at most one date range, whose
 * inclusive bounds are written to LO and HI as "YYYY-MM-DDT00:00:00Z" and
 * "YYYY-MM-DDT23:59:59Z" (the range tokens are not among the words).
 * Returns the number of words; *HAS_RANGE says whether a range was found.
 * Exits with a message on a malformed range. */
size_t bench_split_typed(char **words, size_t max, const char *s,
                         char lo[21], char hi[21], int *has_range);

/* A query set: parallel arrays of ids and query strings. */
typedef struct {
	char **qid;
	char **text;
	size_t n;
} bench_queries;

/* Loads "qid<TAB>query" lines from PATH, skipping blank lines and lines
 * starting with '#'. Exits with a message when PATH cannot be read. */
void bench_queries_load(bench_queries *out, const char *path);
void bench_queries_free(bench_queries *q);

/* Splits S on white space into at most MAX words, each malloc'd; returns
 * the count. Free with bench_words_free. */
size_t bench_split_words(char **words, size_t max, const char *s);
void bench_words_free(char **words, size_t n);

/* Latency statistics of one run of a query set. The median is the mean of
 * the two middle values for an even count; p99 is the nearest-rank value
 * (the ceil(0.99 n)-th smallest). */
typedef struct {
	double median_us, p99_us, mean_us, total_us;
} bench_stats;

void bench_stats_of(bench_stats *out, const double *us, size_t n);

/* Given R runs of N per-query latencies (runs[r][i]), returns the index of
 * the median run: the run whose total time is the middle one (the lower
 * middle for an even R). */
size_t bench_median_run(double *const *runs, size_t r, size_t n);

/* Writes "time<TAB>qid<TAB>microseconds" lines, the format of attache
 * search --timings, so the driver reads every engine the same way. */
void bench_write_times(const char *path, const bench_queries *q,
                       const double *us);

/* What a harness was asked to do, parsed from its command line:
 *   NAME index --db PATH [--contentless] DOCS.jsonl
 *   NAME query --db PATH --mode or|and|phrase|snippet [--repeat R]
 *              [--hits N] [--times FILE] [--contentless]
 *              [--snippet-bytes N] QUERIES.tsv
 *   NAME check --db PATH --mode MODE QUERIES.tsv
 * --typed (index) also stores each record's date and category; the typed
 * modes (filter, sort, facet, facetyear) need an index made so. check
 * answers each query once, untimed, and prints a JSON line per query:
 * {"qid","total" (the exact number of matches),"ids":[top N],
 *  "facets":[[value,count],...]}, for the driver to compare engines.
 * The same options for both engines; an engine rejects those it has no
 * use for. */
typedef enum { BENCH_INDEX, BENCH_QUERY, BENCH_RUN, BENCH_CHECK } bench_action;
/* The typed modes (scripts/bench/typed; indexes made with --typed):
 *   filter     the words OR'ed, ranked, restricted to the query's date
 *              range without scoring
 *   sort       the words OR'ed, sorted by date, newest first, ties by score
 *   facet      the words OR'ed (or "*": every document), ranked, and the
 *              10 most frequent categories among all matches, exact
 *   facetyear  the same with a histogram of the dates' years */
typedef enum { BENCH_OR, BENCH_AND, BENCH_PHRASE, BENCH_SNIPPET,
               BENCH_FILTER, BENCH_SORT, BENCH_FACET, BENCH_FACET_YEAR,
               BENCH_NMODES } bench_mode;

typedef struct {
	bench_action action;
	const char *db;       /* database file or directory */
	const char *input;    /* DOCS.jsonl or QUERIES.tsv */
	bench_mode mode;
	int repeat;           /* runs of the query set (default 5) */
	int hits;             /* top-k (default 10) */
	const char *times;    /* per-query times of the median run, or NULL */
	int contentless;      /* FTS5 only: content='' */
	int snippet_bytes;    /* Xapian only: MSet::snippet length (200) */
	int typed;            /* index: store date and category as well */
} bench_opts;

/* Parses ARGV into OPTS; prints usage and exits 1 on a bad command line. */
void bench_parse_args(bench_opts *opts, int argc, char **argv);

/* The name of a mode: "or", "and", "phrase", "snippet", "filter", ... */
const char *bench_mode_name(bench_mode m);

/* Answers one query; returns the number of hits produced (>= 0), or -1
 * after printing an error. */
typedef long (*bench_query_fn)(void *ctx, const char *query);

/* Runs the query set Q R times through FN and prints one JSON line:
 * {"engine","variant","phase":"query","mode","queries","repeat",
 *  "median_us","p99_us","mean_us","total_ms","runs_total_ms":[...],
 *  "hits"} for the median run, and writes that run's per-query times to
 * OPTS->times when set. Returns 0, or 1 if any query failed. */
int bench_run_queries(const bench_opts *opts, const char *engine,
                      const char *variant, const bench_queries *q,
                      bench_query_fn fn, void *ctx);

/* Prints the indexing JSON line: {"engine","variant","version","phase":
 * "index","docs","raw_bytes","seconds","mb_per_s","docs_per_s",
 * "peak_rss_kb","index_bytes","postings_positions_bytes"} (MB = 10^6
 * bytes; a size of -1 is printed as null: not measurable). */
void bench_print_index(const char *engine, const char *variant,
                       const char *version, long ndocs,
                       long long raw_bytes, double seconds, long rss_kb,
                       long long index_bytes, long long pp_bytes);

/* malloc/strdup that exit(2) with a message instead of returning NULL. */
void *bench_xmalloc(size_t n);
char *bench_xstrdup(const char *s);

#ifdef __cplusplus
}
#endif

#endif
