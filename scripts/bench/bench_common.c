/*
 * bench_common.c - the measuring helpers shared by the peer harnesses.
 *
 * See bench_common.h for the contract of each function. Two choices here
 * decide what the published figures mean, so they are spelled out:
 *
 *  - Indexing time is taken around bench_read_jsonl's whole stream
 *    (reading, JSON parsing, indexing, commit), the same work `attache
 *    index` does on the same file, and the raw text that throughput and
 *    sizes are measured against is the bytes of title plus text.
 *  - A query set is run R times; each run yields per-query latencies, and
 *    the run whose total is the median of the R totals is the one
 *    reported (its median and p99). One warm-up pass is not special-cased:
 *    with R >= 3 the cold first run is never the median one unless the
 *    machine is quiet enough that it does not matter.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* getline, asprintf */
#endif
#include "bench_common.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

void *bench_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL) {
		fprintf(stderr, "bench: out of memory\n");
		exit(2);
	}
	return p;
}

char *bench_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(bench_xmalloc(n), s, n);
}

double bench_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/*
 * VmHWM, not getrusage's ru_maxrss: execve folds the address space a
 * process had before it into ru_maxrss, so a harness started by a 20 MiB
 * Python would report at least 20 MiB. VmHWM is the high-water mark of
 * the current address space alone. getrusage is the fallback where /proc
 * is missing.
 */
long bench_peak_rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	struct rusage ru;

	if (f != NULL) {
		while (fgets(line, sizeof line, f) != NULL)
			if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
				break;
		fclose(f);
	}
	if (kb < 0 && getrusage(RUSAGE_SELF, &ru) == 0)
		kb = ru.ru_maxrss; /* KiB on Linux */
	return kb;
}

long long bench_path_bytes(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	long long sum = 0;

	if (lstat(path, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return (long long)st.st_size;
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char *sub;
		long long n;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (asprintf(&sub, "%s/%s", path, e->d_name) < 0) {
			closedir(d);
			return -1;
		}
		n = bench_path_bytes(sub);
		free(sub);
		if (n > 0)
			sum += n;
	}
	closedir(d);
	return sum;
}

/* Returns the string value of KEY in OBJ (numbers become decimal text in
 * BUF), or NULL when the key is absent or of another type. */
static const char *field(json_t *obj, const char *key, size_t *len,
                         char *buf, size_t bufsz)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_string(v)) {
		*len = json_string_length(v);
		return json_string_value(v);
	}
	if (json_is_integer(v) && buf != NULL) {
		snprintf(buf, bufsz, "%lld", (long long)json_integer_value(v));
		*len = strlen(buf);
		return buf;
	}
	return NULL;
}

/* The reader behind both entry points: TYPED_FN when set, else FN. */
static int read_jsonl(const char *path, bench_doc_fn fn,
                      bench_typed_doc_fn typed_fn, void *ctx, long *ndocs,
                      long long *raw_bytes)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, idbuf[32];
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int stop = 0;

	*ndocs = 0;
	*raw_bytes = 0;
	if (f == NULL) {
		fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	while (!stop && (len = getline(&line, &cap, f)) > 0) {
		json_error_t err;
		json_t *o;
		const char *id, *title, *text;
		size_t idlen, tlen = 0, xlen;

		lineno++;
		if (strspn(line, " \t\r\n") == (size_t)len)
			continue;
		o = json_loadb(line, (size_t)len, 0, &err);
		id = o ? field(o, "id", &idlen, idbuf, sizeof idbuf) : NULL;
		text = o ? field(o, "text", &xlen, NULL, 0) : NULL;
		if (id == NULL || text == NULL) {
			fprintf(stderr, "bench: %s:%zu: %s\n", path, lineno,
			        o ? "record without a string id and text"
			          : err.text);
			exit(2);
		}
		title = field(o, "title", &tlen, NULL, 0);
		if (title == NULL) {
			title = "";
			tlen = 0;
		}
		if (typed_fn != NULL) {
			bench_doc d;
			size_t dl = 0, cl = 0;

			d.id = id;
			d.title = title;
			d.title_len = tlen;
			d.text = text;
			d.text_len = xlen;
			d.date = field(o, "date", &dl, NULL, 0);
			d.category = field(o, "category", &cl, NULL, 0);
			if (d.date != NULL && dl != 20) {
				fprintf(stderr, "bench: %s:%zu: date '%s' is not "
				        "YYYY-MM-DDTHH:MM:SSZ\n", path, lineno, d.date);
				exit(2);
			}
			stop = typed_fn(ctx, &d);
		} else {
			stop = fn(ctx, id, title, tlen, text, xlen);
		}
		(*ndocs)++;
		*raw_bytes += (long long)(tlen + xlen);
		json_decref(o);
	}
	free(line);
	fclose(f);
	return stop;
}

int bench_read_jsonl(const char *path, bench_doc_fn fn, void *ctx,
                     long *ndocs, long long *raw_bytes)
{
	return read_jsonl(path, fn, NULL, ctx, ndocs, raw_bytes);
}

int bench_read_jsonl_typed(const char *path, bench_typed_doc_fn fn, void *ctx,
                           long *ndocs, long long *raw_bytes)
{
	return read_jsonl(path, NULL, fn, ctx, ndocs, raw_bytes);
}

void bench_queries_load(bench_queries *out, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, alloc = 0;
	ssize_t len;

	memset(out, 0, sizeof *out);
	if (f == NULL) {
		fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		char *tab;

		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		tab = strchr(line, '\t');
		if (len == 0 || line[0] == '#' || tab == NULL)
			continue;
		*tab = '\0';
		if (out->n == alloc) {
			alloc = alloc ? 2 * alloc : 256;
			out->qid = realloc(out->qid, alloc * sizeof *out->qid);
			out->text = realloc(out->text, alloc * sizeof *out->text);
			if (out->qid == NULL || out->text == NULL) {
				fprintf(stderr, "bench: out of memory\n");
				exit(2);
			}
		}
		out->qid[out->n] = bench_xstrdup(line);
		out->text[out->n] = bench_xstrdup(tab + 1);
		out->n++;
	}
	free(line);
	fclose(f);
}

void bench_queries_free(bench_queries *q)
{
	size_t i;

	for (i = 0; i < q->n; i++) {
		free(q->qid[i]);
		free(q->text[i]);
	}
	free(q->qid);
	free(q->text);
	memset(q, 0, sizeof *q);
}

#define MAX_SPLIT 1024

size_t bench_split_words(char **words, size_t max, const char *s)
{
	size_t n = 0;

	while (n < max) {
		size_t len;

		s += strspn(s, " \t\r\n");
		len = strcspn(s, " \t\r\n");
		if (len == 0)
			break;
		words[n] = bench_xmalloc(len + 1);
		memcpy(words[n], s, len);
		words[n][len] = '\0';
		n++;
		s += len;
	}
	return n;
}

/* Is S (N bytes) a date "YYYY-MM-DD"? */
static int is_day(const char *s, size_t n)
{
	size_t i;

	if (n != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < n; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	return 1;
}

size_t bench_split_typed(char **words, size_t max, const char *s,
                         char lo[21], char hi[21], int *has_range)
{
	char *all[MAX_SPLIT];
	size_t n = bench_split_words(all, MAX_SPLIT, s), i, k = 0;

	*has_range = 0;
	for (i = 0; i < n; i++) {
		const char *w = all[i];
		const char *dots = strstr(w, "..");

		if (strncmp(w, "date:", 5) != 0) {
			if (k < max)
				words[k++] = all[i];
			else
				free(all[i]);
			continue;
		}
		if (dots == NULL || !is_day(w + 5, (size_t)(dots - w - 5)) ||
		    !is_day(dots + 2, strlen(dots + 2)) || *has_range) {
			fprintf(stderr, "bench: '%s': a typed query takes one "
			        "range date:YYYY-MM-DD..YYYY-MM-DD\n", s);
			exit(2);
		}
		snprintf(lo, 21, "%.10sT00:00:00Z", w + 5);
		snprintf(hi, 21, "%.10sT23:59:59Z", dots + 2);
		*has_range = 1;
		free(all[i]);
	}
	return k;
}

void bench_words_free(char **words, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(words[i]);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void bench_stats_of(bench_stats *out, const double *us, size_t n)
{
	double *s;
	size_t i, rank;

	memset(out, 0, sizeof *out);
	if (n == 0)
		return;
	s = bench_xmalloc(n * sizeof *s);
	memcpy(s, us, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_double);
	for (i = 0; i < n; i++)
		out->total_us += s[i];
	out->mean_us = out->total_us / (double)n;
	out->median_us = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	rank = (size_t)ceil(0.99 * (double)n);
	out->p99_us = s[rank > 0 ? rank - 1 : 0];
	free(s);
}

size_t bench_median_run(double *const *runs, size_t r, size_t n)
{
	double *tot = bench_xmalloc(r * sizeof *tot), *sorted;
	size_t i, j, pick = 0;
	double mid;

	for (i = 0; i < r; i++) {
		tot[i] = 0;
		for (j = 0; j < n; j++)
			tot[i] += runs[i][j];
	}
	sorted = bench_xmalloc(r * sizeof *sorted);
	memcpy(sorted, tot, r * sizeof *sorted);
	qsort(sorted, r, sizeof *sorted, cmp_double);
	mid = sorted[(r - 1) / 2];
	for (i = 0; i < r; i++)
		if (tot[i] == mid) {
			pick = i;
			break;
		}
	free(sorted);
	free(tot);
	return pick;
}

void bench_write_times(const char *path, const bench_queries *q,
                       const double *us)
{
	FILE *f = fopen(path, "w");
	size_t i;

	if (f == NULL) {
		fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	for (i = 0; i < q->n; i++)
		fprintf(f, "time\t%s\t%.1f\n", q->qid[i], us[i]);
	if (fclose(f) != 0) {
		fprintf(stderr, "bench: %s: write failed\n", path);
		exit(2);
	}
}

static void usage(const char *prog, int status)
{
	fprintf(status ? stderr : stdout,
	        "usage: %s index --db PATH [--contentless] [--typed] DOCS.jsonl\n"
	        "       %s query --db PATH --mode MODE\n"
	        "                [--repeat R] [--hits N] [--times FILE]\n"
	        "                [--contentless] [--snippet-bytes N] QUERIES.tsv\n"
	        "       %s check --db PATH --mode MODE [--hits N] QUERIES.tsv\n"
	        "MODE: or, and, phrase, snippet; with a --typed index also\n"
	        "filter, sort, facet, facetyear.\n"
	        "Prints one JSON line of measurements on stdout (check: one a query).\n",
	        prog, prog, prog);
	exit(status);
}

static int positive(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s && *end == '\0' && v > 0 && v < 1000000 ? (int)v : -1;
}

void bench_parse_args(bench_opts *o, int argc, char **argv)
{
	int i, m;

	memset(o, 0, sizeof *o);
	o->repeat = 5;
	o->hits = 10;
	o->snippet_bytes = 200;
	o->mode = BENCH_OR;
	if (argc < 2)
		usage(argv[0], 1);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		usage(argv[0], 0);
	if (strcmp(argv[1], "index") == 0)
		o->action = BENCH_INDEX;
	else if (strcmp(argv[1], "query") == 0)
		o->action = BENCH_QUERY;
	else if (strcmp(argv[1], "run") == 0)
		o->action = BENCH_RUN;
	else if (strcmp(argv[1], "check") == 0)
		o->action = BENCH_CHECK;
	else
		usage(argv[0], 1);
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--contentless") == 0) {
			o->contentless = 1;
			continue;
		}
		if (strcmp(a, "--typed") == 0) {
			o->typed = 1;
			continue;
		}
		if (a[0] != '-') {
			if (o->input != NULL)
				usage(argv[0], 1);
			o->input = a;
			continue;
		}
		if (v == NULL)
			usage(argv[0], 1);
		i++;
		if (strcmp(a, "--db") == 0) {
			o->db = v;
		} else if (strcmp(a, "--times") == 0) {
			o->times = v;
		} else if (strcmp(a, "--repeat") == 0) {
			o->repeat = positive(v);
		} else if (strcmp(a, "--hits") == 0) {
			o->hits = positive(v);
		} else if (strcmp(a, "--snippet-bytes") == 0) {
			o->snippet_bytes = positive(v);
		} else if (strcmp(a, "--mode") == 0) {
			for (m = 0; m < BENCH_NMODES &&
			     strcmp(v, bench_mode_name((bench_mode)m)) != 0; m++)
				;
			if (m == BENCH_NMODES)
				usage(argv[0], 1);
			o->mode = (bench_mode)m;
		} else {
			usage(argv[0], 1);
		}
	}
	if (o->db == NULL || o->input == NULL || o->repeat < 0 || o->hits < 0 ||
	    o->snippet_bytes < 0)
		usage(argv[0], 1);
}

const char *bench_mode_name(bench_mode m)
{
	static const char *names[] = { "or", "and", "phrase", "snippet",
	                               "filter", "sort", "facet", "facetyear" };

	return names[m];
}

/* Prints a JSON string; the names printed here are plain ASCII. */
static void print_kv_str(const char *k, const char *v)
{
	printf("\"%s\":\"%s\",", k, v);
}

int bench_run_queries(const bench_opts *o, const char *engine,
                      const char *variant, const bench_queries *q,
                      bench_query_fn fn, void *ctx)
{
	size_t r, i, best, nr = (size_t)o->repeat;
	double **runs = bench_xmalloc(nr * sizeof *runs);
	long *hits = bench_xmalloc(nr * sizeof *hits);
	int failed = 0;
	bench_stats st;

	for (r = 0; r < nr; r++) {
		runs[r] = bench_xmalloc((q->n ? q->n : 1) * sizeof **runs);
		hits[r] = 0;
		for (i = 0; i < q->n; i++) {
			double t0 = bench_now_us();
			long h = fn(ctx, q->text[i]);

			runs[r][i] = bench_now_us() - t0;
			if (h < 0)
				failed = 1;
			else
				hits[r] += h;
		}
	}
	best = bench_median_run(runs, nr, q->n);
	bench_stats_of(&st, runs[best], q->n);
	printf("{");
	print_kv_str("engine", engine);
	print_kv_str("variant", variant);
	print_kv_str("phase", "query");
	print_kv_str("mode", bench_mode_name(o->mode));
	printf("\"queries\":%zu,\"repeat\":%d,\"median_us\":%.1f,"
	       "\"p99_us\":%.1f,\"mean_us\":%.1f,\"total_ms\":%.3f,"
	       "\"runs_total_ms\":[",
	       q->n, o->repeat, st.median_us, st.p99_us, st.mean_us,
	       st.total_us / 1e3);
	for (r = 0; r < nr; r++) {
		double t = 0;

		for (i = 0; i < q->n; i++)
			t += runs[r][i];
		printf("%s%.3f", r ? "," : "", t / 1e3);
	}
	printf("],\"hits\":%ld}\n", hits[best]);
	if (o->times != NULL)
		bench_write_times(o->times, q, runs[best]);
	for (r = 0; r < nr; r++)
		free(runs[r]);
	free(runs);
	free(hits);
	return failed;
}

static void print_size(const char *k, long long v, int last)
{
	if (v < 0)
		printf("\"%s\":null%s", k, last ? "" : ",");
	else
		printf("\"%s\":%lld%s", k, v, last ? "" : ",");
}

void bench_print_index(const char *engine, const char *variant,
                       const char *version, long ndocs,
                       long long raw_bytes, double seconds, long rss_kb,
                       long long index_bytes, long long pp_bytes)
{
	printf("{");
	print_kv_str("engine", engine);
	print_kv_str("variant", variant);
	print_kv_str("version", version);
	print_kv_str("phase", "index");
	printf("\"docs\":%ld,\"raw_bytes\":%lld,\"seconds\":%.4f,"
	       "\"mb_per_s\":%.3f,\"docs_per_s\":%.1f,\"peak_rss_kb\":%ld,",
	       ndocs, raw_bytes, seconds,
	       seconds > 0 ? (double)raw_bytes / 1e6 / seconds : 0.0,
	       seconds > 0 ? (double)ndocs / seconds : 0.0, rss_kb);
	print_size("index_bytes", index_bytes, 0);
	print_size("postings_positions_bytes", pp_bytes, 1);
	printf("}\n");
	fflush(stdout);
}
