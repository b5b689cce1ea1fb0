/*
 * cmd_eval.c: attache eval --qrels FILE RUN
 *
 * Scores a TREC run (what attache search --trec writes) against TREC
 * qrels with the measures of eval.c: MAP, P@10, nDCG@10, R@1000, MRR.
 * Text output is a table, one line per query with --per-query, then the
 * means on the "all" line and the query counts; --json gives one object,
 * {"queries","skipped_no_relevant","missing_from_run",
 * "ignored_not_in_qrels","depth","measures":{...},"per_query":{qid:
 * {...}}}. A malformed line in either file stops with its file:line.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "eval.h"

static void eval_usage(FILE *f)
{
	fprintf(f,
	        "usage: attache eval --qrels FILE [OPTIONS] RUN\n"
	        "\n"
	        "Scores RUN, a TREC run file ('qid Q0 docid rank score runid'; '-'\n"
	        "for standard input), against FILE, TREC qrels ('qid iter docid\n"
	        "rel'), as trec_eval -c -M N does: MAP, P@10, nDCG@10 (gain = rel),\n"
	        "R@1000 and MRR. Ranks come from the scores (ties: docid\n"
	        "descending); rel > 0 is relevant, unjudged is not. Queries with\n"
	        "no relevant document are skipped; queries missing from the run\n"
	        "score 0 and count in the means. See docs/EVAL.md.\n"
	        "\n"
	        "  -q, --qrels FILE   the relevance judgments (required)\n"
	        "      --per-query    a line per query before the means\n"
	        "      --json         one JSON object (always with per_query)\n"
	        "  -d, --depth N      ranks evaluated per query (default 1000)\n"
	        "  -h, --help         this help\n");
}

static void print_row(const char *qid, size_t rel, size_t ret,
                      const eval_measures *m)
{
	printf("%-10s %6zu %7zu  %6.4f  %6.4f  %7.4f  %6.4f  %6.4f\n", qid, rel,
	       ret, m->map, m->p10, m->ndcg10, m->recall1000, m->mrr);
}

static void print_text(const eval_report *rep, int per_query)
{
	size_t i, rel = 0, ret = 0;

	printf("%-10s %6s %7s  %6s  %6s  %7s  %6s  %6s\n", "qid", "rel", "ret",
	       "map", "P@10", "nDCG@10", "R@1000", "MRR");
	for (i = 0; i < rep->nqueries; i++) {
		const eval_query *e = &rep->queries[i];

		rel += e->relevant;
		ret += e->retrieved;
		if (per_query)
			print_row(e->qid, e->relevant, e->retrieved, &e->m);
	}
	print_row("all", rel, ret, &rep->mean);
	printf("\n%zu queries (%zu absent from the run, scored 0); depth %zu\n"
	       "%zu skipped (no relevant document), %zu ignored (in the run, not "
	       "the qrels)\n", rep->nqueries,
	       rep->missing_from_run, rep->depth, rep->skipped_no_relevant,
	       rep->ignored_not_in_qrels);
}

static json_t *measures_json(const eval_measures *m)
{
	json_t *o = json_object();

	json_object_set_new(o, "map", json_real(m->map));
	json_object_set_new(o, "p10", json_real(m->p10));
	json_object_set_new(o, "ndcg10", json_real(m->ndcg10));
	json_object_set_new(o, "recall1000", json_real(m->recall1000));
	json_object_set_new(o, "mrr", json_real(m->mrr));
	return o;
}

/* Prints the report as one JSON object. Returns 0 or EXIT_INTERNAL. */
static int print_json(const eval_report *rep)
{
	json_t *o = json_object(), *pq = json_object();
	size_t i;
	char *s;

	json_object_set_new(o, "queries", json_integer((json_int_t)rep->nqueries));
	json_object_set_new(o, "skipped_no_relevant",
	                    json_integer((json_int_t)rep->skipped_no_relevant));
	json_object_set_new(o, "missing_from_run",
	                    json_integer((json_int_t)rep->missing_from_run));
	json_object_set_new(o, "ignored_not_in_qrels",
	                    json_integer((json_int_t)rep->ignored_not_in_qrels));
	json_object_set_new(o, "depth", json_integer((json_int_t)rep->depth));
	json_object_set_new(o, "measures", measures_json(&rep->mean));
	for (i = 0; i < rep->nqueries; i++) {
		const eval_query *e = &rep->queries[i];
		json_t *q = measures_json(&e->m);

		json_object_set_new(q, "relevant", json_integer((json_int_t)e->relevant));
		json_object_set_new(q, "retrieved",
		                    json_integer((json_int_t)e->retrieved));
		json_object_set_new(q, "relevant_retrieved",
		                    json_integer((json_int_t)e->relevant_retrieved));
		json_object_set_new(pq, e->qid, q);
	}
	json_object_set_new(o, "per_query", pq);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
	               JSON_REAL_PRECISION(10));
	json_decref(o);
	if (s == NULL) {
		fprintf(stderr, "attache eval: out of memory\n");
		return EXIT_INTERNAL;
	}
	printf("%s\n", s);
	free(s);
	return 0;
}

/* Prints the message of a failed read, frees it, and returns the exit
 * status for RC. */
static int read_failed(att_status rc, char *msg)
{
	fprintf(stderr, "attache eval: %s\n", msg ? msg : "out of memory");
	free(msg);
	return cli_exit_for(rc);
}

/* Opens PATH ("-": standard input if STDIN_OK) for reading; NULL with
 * the message printed if it cannot be opened or is a directory. */
static FILE *open_input(const char *path, int stdin_ok)
{
	struct stat st;
	FILE *f;

	if (stdin_ok && strcmp(path, "-") == 0)
		return stdin;
	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "attache eval: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "attache eval: %s: is a directory\n", path);
		fclose(f);
		return NULL;
	}
	return f;
}

static int load_qrels(eval_qrels **out, const char *path)
{
	FILE *f = open_input(path, 0);
	char *msg = NULL;
	att_status rc;

	*out = NULL;
	if (f == NULL)
		return EXIT_USAGE;
	rc = eval_qrels_read(out, f, path, &msg);
	fclose(f);
	return rc == ATT_OK ? 0 : read_failed(rc, msg);
}

static int load_run(eval_run **out, const char *path)
{
	FILE *f = open_input(path, 1);
	char *msg = NULL;
	att_status rc;

	*out = NULL;
	if (f == NULL)
		return EXIT_USAGE;
	rc = eval_run_read(out, f, f == stdin ? "stdin" : path, &msg);
	if (f != stdin)
		fclose(f);
	return rc == ATT_OK ? 0 : read_failed(rc, msg);
}

int cmd_eval(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "qrels", required_argument, NULL, 'q' },
		{ "per-query", no_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{ "depth", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *qpath = NULL;
	size_t depth = EVAL_DEFAULT_DEPTH;
	int opt, per_query = 0, json = 0, ex;
	eval_qrels *q = NULL;
	eval_run *r = NULL;
	eval_report *rep = NULL;

	while ((opt = getopt_long(argc, argv, "q:d:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'q': qpath = optarg; break;
		case 'P': per_query = 1; break;
		case 'j': json = 1; break;
		case 'd':
			if (cli_parse_count(&depth, optarg) || depth == 0) {
				fprintf(stderr, "attache eval: invalid depth '%s' (a "
				        "count of at least 1)\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h': eval_usage(stdout); return 0;
		default: eval_usage(stderr); return EXIT_USAGE;
		}
	}
	if (qpath == NULL || optind != argc - 1) {
		fprintf(stderr, "attache eval: %s\n", qpath == NULL
		        ? "--qrels FILE is required" : "expected one RUN file");
		eval_usage(stderr);
		return EXIT_USAGE;
	}
	ex = load_qrels(&q, qpath);
	if (ex == 0)
		ex = load_run(&r, argv[optind]);
	if (ex != 0)
		goto done;
	if (eval_compute(&rep, q, r, depth) != ATT_OK) {
		fprintf(stderr, "attache eval: out of memory\n");
		ex = EXIT_INTERNAL;
		goto done;
	}
	if (rep->nqueries == 0) {
		fprintf(stderr, "attache eval: %s: no query has a relevant "
		        "document\n", qpath);
		ex = EXIT_USAGE;
		goto done;
	}
	if (json)
		ex = print_json(rep);
	else
		print_text(rep, per_query);
done:
	eval_report_free(rep);
	eval_run_free(r);
	eval_qrels_free(q);
	return ex;
}
