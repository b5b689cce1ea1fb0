/*
 * eval.h: retrieval effectiveness measures for attache eval.
 *
 * Reads TREC qrels ("qid iter docid rel") and TREC runs ("qid Q0 docid
 * rank score runid") from FILE*s, and scores the run with trec_eval's
 * conventions: MAP, P@10, nDCG@10, R@1000 and MRR per query and their
 * means. docs/EVAL.md states every convention; eval.c explains how.
 *
 * This module does no I/O beyond reading the FILE*s it is given, and
 * links nothing but libc and libm, so its tests need no index.
 */
#ifndef ATT_EVAL_H
#define ATT_EVAL_H

#include <stddef.h>
#include <stdio.h>

#include "attache.h"

/* The ranks cut by default (trec_eval -M1000). */
#define EVAL_DEFAULT_DEPTH 1000

/* Relevance judgments, grouped by query. Opaque. */
typedef struct eval_qrels eval_qrels;
/* A run: each query's retrieved documents, in rank order. Opaque. */
typedef struct eval_run eval_run;

/* The five measures of one query, or their means over the queries. */
typedef struct eval_measures {
	double map;        /* average precision */
	double p10;        /* precision at 10 */
	double ndcg10;     /* nDCG at 10, gain = rel, discount log2(rank + 1) */
	double recall1000; /* recall at 1000 */
	double mrr;        /* reciprocal rank of the first relevant document */
} eval_measures;

/* One evaluated query: in the qrels with at least one relevant document. */
typedef struct eval_query {
	const char *qid;           /* points into the qrels */
	size_t relevant;           /* judged rel > 0 */
	size_t retrieved;          /* ranks evaluated (at most the depth) */
	size_t relevant_retrieved; /* relevant among those */
	int in_run;                /* 0: absent from the run, scored 0 */
	eval_measures m;
} eval_query;

/* The evaluation of a run. Queries are in qid order: numeric qids by
 * value first, then the others by byte order. */
typedef struct eval_report {
	eval_query *queries;
	size_t nqueries;            /* evaluated; the means divide by this */
	size_t missing_from_run;    /* evaluated queries not in the run */
	size_t skipped_no_relevant; /* in the qrels, but no rel > 0 document */
	size_t ignored_not_in_qrels;/* in the run, not in the qrels */
	size_t depth;               /* ranks evaluated per query */
	eval_measures mean;         /* all 0 when nqueries is 0 */
} eval_report;

/* Reads qrels from F; NAME (the file's name) prefixes messages. Blank
 * lines are skipped; any other line must have exactly four fields with
 * an integer rel. Errors: ATT_EINPUT (a malformed line, the same
 * document judged twice for a query, or no judgments at all; the message
 * is "NAME:LINE: ..."), ATT_EIO (a read error), ATT_ENOMEM. On error *out
 * is NULL and *errmsg_out gets a message the caller frees. */
att_status eval_qrels_read(eval_qrels **out, FILE *f, const char *name,
                           char **errmsg_out);
void eval_qrels_free(eval_qrels *q);

/* Reads a run from F, as eval_qrels_read: exactly six fields a line, the
 * score a finite number; the Q0, rank and runid columns are not used.
 * Each query's documents are ordered by score descending, ties by docid
 * descending in byte order (as trec_eval). The same document twice for
 * a query is ATT_EINPUT, wherever it ranks (trec_eval also refuses it).
 * An empty run is valid. */
att_status eval_run_read(eval_run **out, FILE *f, const char *name,
                         char **errmsg_out);
void eval_run_free(eval_run *r);

/* The measures of one ranking. RANKED[0..nret) is the rel value of each
 * retrieved document in rank order (0 for unjudged), already cut at the
 * depth; JUDGED[0..njudged) the rel value of every judged document of the
 * query. Values <= 0 are not relevant and gain nothing. With no relevant
 * judged document every measure is 0. */
void eval_measures_compute(eval_measures *out, const long *ranked,
                           size_t nret, const long *judged, size_t njudged);

/* Evaluates run R against qrels Q, cutting each ranking at DEPTH (> 0)
 * ranks. The report's qids point into Q: free the report first. Errors:
 * ATT_ENOMEM (*out is NULL). */
att_status eval_compute(eval_report **out, const eval_qrels *q,
                        const eval_run *r, size_t depth);
void eval_report_free(eval_report *rep);

#endif
