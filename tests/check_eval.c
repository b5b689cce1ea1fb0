/*
 * check_eval.c: unit tests of cli/eval.c, the measures of attache eval.
 *
 * The first group calls eval_measures_compute on rankings small enough
 * to work out by hand; each test shows the arithmetic in a comment and
 * asserts the value to 1e-12. The second group goes through the file
 * readers (qrels and run text written to a tmpfile) and eval_compute,
 * and pins each convention of docs/EVAL.md: trec_eval's tie order,
 * the rank column ignored, queries missing from the run scored 0 and
 * averaged in, queries without a relevant document skipped, run queries
 * without judgments ignored, unjudged documents not relevant, duplicate
 * documents refused, the depth cut, and every kind of malformed line
 * reported with its file and line.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"

#define TOL 1e-12

/* ---- measures on hand-worked rankings ---- */

/* Five retrieved, three relevant (rel 1), one of them not retrieved:
 *   rank:  1  2  3  4  5
 *   rel:   1  0  1  0  0        (the third relevant document is unranked)
 * AP     = (1/1 + 2/3) / 3 = 5/9 = 0.5556
 * P@10   = 2/10 (five retrieved still divide by ten)
 * R@1000 = 2/3
 * MRR    = 1/1
 * nDCG@10: DCG = 1/log2(2) + 1/log2(4) = 1.5;
 *          ideal 1,1,1: 1 + 1/log2(3) + 1/log2(4) = 2.1309298; 0.7039181 */
START_TEST(ap_worked_example)
{
	const long ranked[] = { 1, 0, 1, 0, 0 };
	const long judged[] = { 1, 1, 1, 0 }; /* the 0: judged non-relevant */
	eval_measures m;

	eval_measures_compute(&m, ranked, 5, judged, 4);
	ck_assert_double_eq_tol(m.map, 5.0 / 9.0, TOL);
	ck_assert_double_eq_tol(m.p10, 0.2, TOL);
	ck_assert_double_eq_tol(m.recall1000, 2.0 / 3.0, TOL);
	ck_assert_double_eq_tol(m.mrr, 1.0, TOL);
	ck_assert_double_eq_tol(m.ndcg10, 1.5 / (1 + 1 / log2(3) + 0.5), TOL);
	ck_assert_double_eq_tol(m.ndcg10, 0.70391809, 1e-8);
}
END_TEST

/* Graded: the ranking's grades are 3, 2, 0, 1; the judged grades of the
 * query are 3, 2, 1 (and a 0).
 *   DCG  = 3/log2(2) + 2/log2(3) + 0/log2(4) + 1/log2(5)
 *        = 3 + 1.2618595 + 0 + 0.4306766 = 4.6925361
 *   IDCG = 3/log2(2) + 2/log2(3) + 1/log2(4)
 *        = 3 + 1.2618595 + 0.5 = 4.7618595
 *   nDCG@10 = 0.9854419
 * With 2^rel - 1 gains it would be 0.9926195, and with the old
 * Jarvelin-Kekalainen discount (rank 1 and 2 undiscounted) 0.9767481:
 * this pins trec_eval's current ndcg_cut (gain = rel, log2(rank + 1)).
 * AP = (1/1 + 2/2 + 3/4) / 3 = 0.9166667. */
START_TEST(ndcg_graded_example)
{
	const long ranked[] = { 3, 2, 0, 1 };
	const long judged[] = { 1, 0, 3, 2 }; /* any order */
	eval_measures m;

	eval_measures_compute(&m, ranked, 4, judged, 4);
	ck_assert_double_eq_tol(m.ndcg10, (3 + 2 / log2(3) + 1 / log2(5)) /
	                        (3 + 2 / log2(3) + 1 / log2(4)), TOL);
	ck_assert_double_eq_tol(m.ndcg10, 0.98544194, 1e-8);
	ck_assert_double_eq_tol(m.map, (1 + 1 + 0.75) / 3, TOL);
	ck_assert_double_eq_tol(m.p10, 0.3, TOL);
	ck_assert_double_eq_tol(m.recall1000, 1.0, TOL);
}
END_TEST

/* Twelve relevant documents (rel 1), the first ten ranks all relevant:
 * the ideal ranking is cut at ten too, so nDCG@10 = 1 though two
 * relevant documents were not retrieved. AP = 10/12, R@1000 = 10/12.
 * A best document (rel 2) at rank 11 does not enter DCG@10, but it does
 * enter the ideal: IDCG = 2 + sum_{r=2..10} 1/log2(r+1). */
START_TEST(ndcg_ideal_cut_at_10)
{
	long ranked[11], judged[13];
	double dcg = 0, idcg = 2;
	eval_measures m;
	size_t i;

	for (i = 0; i < 12; i++)
		judged[i] = 1;
	for (i = 0; i < 10; i++)
		ranked[i] = 1;
	eval_measures_compute(&m, ranked, 10, judged, 12);
	ck_assert_double_eq_tol(m.ndcg10, 1.0, TOL);
	ck_assert_double_eq_tol(m.map, 10.0 / 12.0, TOL);
	ck_assert_double_eq_tol(m.recall1000, 10.0 / 12.0, TOL);
	ck_assert_double_eq_tol(m.p10, 1.0, TOL);

	judged[12] = 2;
	ranked[10] = 2;
	for (i = 0; i < 10; i++)
		dcg += 1 / log2((double)i + 2);
	for (i = 1; i < 10; i++)
		idcg += 1 / log2((double)i + 2);
	eval_measures_compute(&m, ranked, 11, judged, 13);
	ck_assert_double_eq_tol(m.ndcg10, dcg / idcg, TOL);
	/* AP = (1/1 + ... + 10/10 + 11/11) / 13 */
	ck_assert_double_eq_tol(m.map, 11.0 / 13.0, TOL);
}
END_TEST

/* The first relevant document at rank 3 of 4: MRR = 1/3, P@10 = 1/10,
 * AP = (1/3) / 2 with a second relevant document unretrieved. */
START_TEST(mrr_first_relevant)
{
	const long ranked[] = { 0, 0, 1, 0 };
	const long judged[] = { 1, 1 };
	eval_measures m;

	eval_measures_compute(&m, ranked, 4, judged, 2);
	ck_assert_double_eq_tol(m.mrr, 1.0 / 3.0, TOL);
	ck_assert_double_eq_tol(m.p10, 0.1, TOL);
	ck_assert_double_eq_tol(m.map, 1.0 / 6.0, TOL);
	ck_assert_double_eq_tol(m.ndcg10, 0.5 / (1 + 1 / log2(3)), TOL);
}
END_TEST

/* 1001 ranks with relevant documents at ranks 1000 and 1001: R@1000
 * counts only the first, AP both: (1/1000 + 2/1001) / 2. Nothing in the
 * first ten: P@10 = nDCG@10 = 0; MRR = 1/1000. */
START_TEST(recall_cut_at_1000)
{
	static long ranked[1001];
	const long judged[] = { 1, 1 };
	eval_measures m;

	memset(ranked, 0, sizeof ranked);
	ranked[999] = 1;
	ranked[1000] = 1;
	eval_measures_compute(&m, ranked, 1001, judged, 2);
	ck_assert_double_eq_tol(m.recall1000, 0.5, TOL);
	ck_assert_double_eq_tol(m.map, (1.0 / 1000 + 2.0 / 1001) / 2, TOL);
	ck_assert_double_eq_tol(m.p10, 0, TOL);
	ck_assert_double_eq_tol(m.ndcg10, 0, TOL);
	ck_assert_double_eq_tol(m.mrr, 1.0 / 1000, TOL);
}
END_TEST

/* Negative judgments (Cranfield's raw -1) are not relevant and gain
 * nothing, retrieved or in the ideal: ranks -1, 2 with judged -1, 2 give
 * AP = (1/2)/1, nDCG = (2/log2(3)) / 2. */
START_TEST(negative_rel_not_relevant)
{
	const long ranked[] = { -1, 2 };
	const long judged[] = { -1, 2 };
	eval_measures m;

	eval_measures_compute(&m, ranked, 2, judged, 2);
	ck_assert_double_eq_tol(m.map, 0.5, TOL);
	ck_assert_double_eq_tol(m.mrr, 0.5, TOL);
	ck_assert_double_eq_tol(m.ndcg10, 1 / log2(3), TOL);
}
END_TEST

START_TEST(no_relevant_all_zero)
{
	const long ranked[] = { 0, 0 };
	const long judged[] = { 0, -1 };
	eval_measures m;

	eval_measures_compute(&m, ranked, 2, judged, 2);
	ck_assert_double_eq((m.map + m.p10 + m.ndcg10 + m.recall1000 + m.mrr),
	                    0);
	eval_measures_compute(&m, NULL, 0, NULL, 0);
	ck_assert_double_eq((m.map + m.p10 + m.ndcg10 + m.recall1000 + m.mrr),
	                    0);
}
END_TEST

/* ---- through the readers ---- */

static FILE *text_file(const char *text)
{
	FILE *f = tmpfile();

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	rewind(f);
	return f;
}

static eval_qrels *qrels_of(const char *text)
{
	FILE *f = text_file(text);
	eval_qrels *q;
	char *msg = NULL;
	att_status rc = eval_qrels_read(&q, f, "qrels", &msg);

	ck_assert_msg(rc == ATT_OK, "qrels: %s", msg ? msg : "?");
	ck_assert_ptr_null(msg);
	fclose(f);
	return q;
}

static eval_run *run_of(const char *text)
{
	FILE *f = text_file(text);
	eval_run *r;
	char *msg = NULL;
	att_status rc = eval_run_read(&r, f, "run", &msg);

	ck_assert_msg(rc == ATT_OK, "run: %s", msg ? msg : "?");
	ck_assert_ptr_null(msg);
	fclose(f);
	return r;
}

/* Evaluates RUN against QRELS at DEPTH; the caller frees all three. */
typedef struct evald {
	eval_qrels *q;
	eval_run *r;
	eval_report *rep;
} evald;

static evald evaluate(const char *qrels, const char *run, size_t depth)
{
	evald e;

	e.q = qrels_of(qrels);
	e.r = run_of(run);
	ck_assert_int_eq(eval_compute(&e.rep, e.q, e.r, depth), ATT_OK);
	ck_assert_ptr_nonnull(e.rep);
	return e;
}

static void evald_free(evald *e)
{
	eval_report_free(e->rep);
	eval_run_free(e->r);
	eval_qrels_free(e->q);
}

/* Equal scores rank by docid descending in byte order, as trec_eval's
 * comp_sim_docno: "9" > "10" > "1", so at equal score the ranking is
 * 9, 10, 1 whatever the file order. With 9 graded 2, 1 graded 1 and 10
 * unjudged the grades are 2, 0, 1:
 *   AP = (1/1 + 2/3) / 2 = 5/6, MRR = 1,
 *   nDCG@10 = (2 + 1/log2(4)) / (2 + 1/log2(3)) = 2.5 / 2.6309298.
 * Byte order ascending (1, 10, 9: grades 1, 0, 2) would give nDCG
 * 2 / 2.6309298; numeric order (10, 9, 1) AP 7/12 and MRR 1/2. */
START_TEST(ties_docid_descending)
{
	evald e = evaluate("1 0 9 2\n1 0 1 1\n",
	                   "1 Q0 1 1 2.5 r\n1 Q0 10 2 2.5 r\n1 Q0 9 3 2.5 r\n",
	                   1000);

	ck_assert_uint_eq(e.rep->nqueries, 1);
	ck_assert_double_eq_tol(e.rep->queries[0].m.mrr, 1, TOL);
	ck_assert_double_eq_tol(e.rep->queries[0].m.map, 5.0 / 6.0, TOL);
	ck_assert_double_eq_tol(e.rep->queries[0].m.ndcg10,
	                        2.5 / (2 + 1 / log2(3)), TOL);
	evald_free(&e);
}
END_TEST

/* The rank column is ignored: the scores say b (3.0), c (2.0), a (1.0)
 * though the ranks say a, b, c. Relevant a is at rank 3: MRR = 1/3. */
START_TEST(rank_column_ignored)
{
	evald e = evaluate("q 0 a 1\n",
	                   "q Q0 a 1 1.0 r\nq Q0 b 2 3.0 r\nq Q0 c 3 2e0 r\n",
	                   1000);

	ck_assert_double_eq_tol(e.rep->queries[0].m.mrr, 1.0 / 3.0, TOL);
	ck_assert_uint_eq(e.rep->queries[0].retrieved, 3);
	ck_assert_uint_eq(e.rep->queries[0].relevant_retrieved, 1);
	evald_free(&e);
}
END_TEST

/* Query 2 has relevant documents but no line in the run: it scores 0
 * and counts in the means (trec_eval -c): query 1 is perfect (AP 1), so
 * MAP = (1 + 0) / 2. */
START_TEST(missing_query_scores_zero)
{
	evald e = evaluate("1 0 a 1\n2 0 b 1\n", "1 Q0 a 1 1 r\n", 1000);

	ck_assert_uint_eq(e.rep->nqueries, 2);
	ck_assert_uint_eq(e.rep->missing_from_run, 1);
	ck_assert_str_eq(e.rep->queries[1].qid, "2");
	ck_assert_int_eq(e.rep->queries[1].in_run, 0);
	ck_assert_uint_eq(e.rep->queries[1].retrieved, 0);
	ck_assert_double_eq(e.rep->queries[1].m.map, 0);
	ck_assert_double_eq_tol(e.rep->mean.map, 0.5, TOL);
	ck_assert_double_eq_tol(e.rep->mean.p10, 0.05, TOL);
	ck_assert_double_eq_tol(e.rep->mean.ndcg10, 0.5, TOL);
	ck_assert_double_eq_tol(e.rep->mean.recall1000, 0.5, TOL);
	ck_assert_double_eq_tol(e.rep->mean.mrr, 0.5, TOL);
	evald_free(&e);
}
END_TEST

/* Query 3 is judged, but only rel 0 and -1: skipped and counted, in
 * the run or not, and the means are over queries 1 and 2 alone. */
START_TEST(no_relevant_query_skipped)
{
	evald e = evaluate("1 0 a 1\n2 0 b 1\n3 0 c 0\n3 0 d -1\n4 0 e 0\n",
	                   "1 Q0 a 1 1 r\n2 Q0 x 1 1 r\n2 Q0 b 2 0.5 r\n"
	                   "3 Q0 c 1 1 r\n",
	                   1000);

	ck_assert_uint_eq(e.rep->nqueries, 2);
	ck_assert_uint_eq(e.rep->skipped_no_relevant, 2);
	ck_assert_uint_eq(e.rep->missing_from_run, 0);
	ck_assert_uint_eq(e.rep->ignored_not_in_qrels, 0);
	ck_assert_double_eq_tol(e.rep->mean.map, (1 + 0.5) / 2, TOL);
	evald_free(&e);
}
END_TEST

/* Run queries with no judgments at all are ignored and counted, before,
 * between and after the judged ones in qid order. */
START_TEST(run_query_not_in_qrels_ignored)
{
	evald e = evaluate("5 0 a 1\n",
	                   "1 Q0 a 1 1 r\n5 Q0 a 1 1 r\n6 Q0 a 1 1 r\n"
	                   "7 Q0 a 1 1 r\n",
	                   1000);

	ck_assert_uint_eq(e.rep->nqueries, 1);
	ck_assert_uint_eq(e.rep->ignored_not_in_qrels, 3);
	ck_assert_double_eq_tol(e.rep->mean.map, 1, TOL);
	evald_free(&e);
}
END_TEST

/* Unjudged documents are not relevant, nor is one judged -1 (m): u1,
 * m, u2, then relevant r at rank 4, judged non-relevant n at 5:
 * AP = (1/4) / 1. */
START_TEST(unjudged_not_relevant)
{
	evald e = evaluate("1 0 r 2\n1 0 n 0\n1 0 m -1\n",
	                   "1 Q0 u1 1 4 r\n1 Q0 m 2 3.5 r\n1 Q0 u2 3 3 r\n"
	                   "1 Q0 r 4 2 r\n1 Q0 n 5 1 r\n",
	                   1000);

	ck_assert_double_eq_tol(e.rep->queries[0].m.map, 0.25, TOL);
	ck_assert_double_eq_tol(e.rep->queries[0].m.ndcg10, 1 / log2(5), TOL);
	ck_assert_uint_eq(e.rep->queries[0].retrieved, 5);
	ck_assert_uint_eq(e.rep->queries[0].relevant_retrieved, 1);
	ck_assert_uint_eq(e.rep->queries[0].relevant, 1);
	evald_free(&e);
}
END_TEST

/* The depth cuts each ranking after sorting by score: relevant b has
 * the fourth best score. Depth 3: nothing relevant retrieved, all 0.
 * Depth 4: AP = MRR = 1/4. */
START_TEST(depth_cut)
{
	const char *qrels = "1 0 b 1\n";
	const char *run = "1 Q0 b 1 0.4 r\n1 Q0 a 2 0.9 r\n1 Q0 c 3 0.8 r\n"
	                  "1 Q0 d 4 0.7 r\n1 Q0 e 5 0.1 r\n";
	evald e = evaluate(qrels, run, 3);

	ck_assert_uint_eq(e.rep->queries[0].retrieved, 3);
	ck_assert_uint_eq(e.rep->depth, 3);
	ck_assert_double_eq(e.rep->queries[0].m.map, 0);
	ck_assert_double_eq(e.rep->queries[0].m.mrr, 0);
	ck_assert_double_eq(e.rep->queries[0].m.recall1000, 0);
	evald_free(&e);
	e = evaluate(qrels, run, 4);
	ck_assert_uint_eq(e.rep->queries[0].retrieved, 4);
	ck_assert_double_eq_tol(e.rep->queries[0].m.map, 0.25, TOL);
	ck_assert_double_eq_tol(e.rep->queries[0].m.mrr, 0.25, TOL);
	ck_assert_double_eq_tol(e.rep->queries[0].m.recall1000, 1, TOL);
	evald_free(&e);
}
END_TEST

/* Numeric qids come first by value (leading zeros aside), then the
 * others in byte order. */
START_TEST(qid_order)
{
	evald e = evaluate("b 0 x 1\n10 0 x 1\n2 0 x 1\na 0 x 1\n1 0 x 1\n"
	                   "02a 0 x 1\n007 0 x 1\n",
	                   "", 1000);
	const char *want[] = { "1", "2", "007", "10", "02a", "a", "b" };
	size_t i;

	ck_assert_uint_eq(e.rep->nqueries, 7);
	ck_assert_uint_eq(e.rep->missing_from_run, 7);
	for (i = 0; i < 7; i++)
		ck_assert_str_eq(e.rep->queries[i].qid, want[i]);
	ck_assert_double_eq(e.rep->mean.map, 0);
	evald_free(&e);
}
END_TEST

/* Blank lines, CRLF endings, tabs and runs of spaces are all fine. */
START_TEST(whitespace_and_blank_lines)
{
	evald e = evaluate("\n1\t0\ta\t3\r\n\r\n  1 0  b 1 \n",
	                   "1 Q0 b 1 1 r\r\n\n1\tQ0\ta\t2\t0.5\trun\r\n", 1000);

	ck_assert_uint_eq(e.rep->nqueries, 1);
	ck_assert_uint_eq(e.rep->queries[0].relevant, 2);
	/* b (1) then a (3): DCG = 1 + 3/log2(3); IDCG = 3 + 1/log2(3) */
	ck_assert_double_eq_tol(e.rep->queries[0].m.ndcg10,
	                        (1 + 3 / log2(3)) / (3 + 1 / log2(3)), TOL);
	ck_assert_double_eq_tol(e.rep->queries[0].m.map, 1, TOL);
	evald_free(&e);
}
END_TEST

/* Means are plain averages of the per-query values. Query 1: relevant
 * at ranks 1 and 3 of 2 relevant: AP = (1 + 2/3)/2 = 5/6, P@10 = 0.2,
 * MRR = 1. Query 2: relevant at rank 2 of 1: AP = 1/2, P@10 = 0.1,
 * MRR = 1/2. MAP = (5/6 + 1/2)/2 = 2/3. */
START_TEST(means_over_queries)
{
	evald e = evaluate("1 0 a 1\n1 0 c 1\n2 0 y 1\n",
	                   "1 Q0 a 1 3 r\n1 Q0 b 2 2 r\n1 Q0 c 3 1 r\n"
	                   "2 Q0 x 1 3 r\n2 Q0 y 2 2 r\n",
	                   1000);

	ck_assert_double_eq_tol(e.rep->queries[0].m.map, 5.0 / 6.0, TOL);
	ck_assert_double_eq_tol(e.rep->queries[1].m.map, 0.5, TOL);
	ck_assert_double_eq_tol(e.rep->mean.map, 2.0 / 3.0, TOL);
	ck_assert_double_eq_tol(e.rep->mean.p10, 0.15, TOL);
	ck_assert_double_eq_tol(e.rep->mean.mrr, 0.75, TOL);
	ck_assert_double_eq_tol(e.rep->mean.recall1000, 1, TOL);
	evald_free(&e);
}
END_TEST

/* ---- refused inputs ---- */

typedef struct bad_case {
	int run;          /* 1: run file, 0: qrels */
	const char *text;
	const char *msg;  /* the exact message */
} bad_case;

static const bad_case bad_cases[] = {
	{ 0, "1 0 a 1\n1 0 a\n", "qrels:2: expected 4 fields (qid iter docid "
	  "rel), found 3" },
	{ 0, "1 0 a 1 x\n", "qrels:1: expected 4 fields (qid iter docid rel), "
	  "found 5" },
	{ 0, "1 0 a high\n", "qrels:1: relevance 'high' is not an integer" },
	{ 0, "1 0 a 1.5\n", "qrels:1: relevance '1.5' is not an integer" },
	{ 0, "1 0 a 99999999999999999999\n", "qrels:1: relevance "
	  "'99999999999999999999' is not an integer" },
	{ 0, "1 0 a 1\n2 0 a 1\n\n1 0 b 0\n1 0 a 2\n", "qrels:5: document 'a' "
	  "listed twice for query '1' (also line 1)" },
	{ 0, "", "qrels: no judgments" },
	{ 0, "\n \n", "qrels: no judgments" },
	{ 1, "1 Q0 a 1 1 r\n1 Q0 b 2 1\n", "run:2: expected 6 fields (qid Q0 "
	  "docid rank score runid), found 5" },
	{ 1, "1 Q0 a 1 1 r extra\n", "run:1: expected 6 fields (qid Q0 docid "
	  "rank score runid), found 7" },
	{ 1, "1 Q0 a 1 high r\n", "run:1: score 'high' is not a finite number" },
	{ 1, "1 Q0 a 1 nan r\n", "run:1: score 'nan' is not a finite number" },
	{ 1, "1 Q0 a 1 1e999 r\n", "run:1: score '1e999' is not a finite "
	  "number" },
	{ 1, "1 Q0 a 1 0.5x r\n", "run:1: score '0.5x' is not a finite number" },
	/* a duplicate is refused wherever it ranks; the message names the
	 * earliest repeating line and the line it repeats */
	{ 1, "1 Q0 a 1 3 r\n2 Q0 b 1 3 r\n1 Q0 c 2 2 r\n2 Q0 b 2 1 r\n"
	  "1 Q0 a 3 1 r\n", "run:4: document 'b' listed twice for query '2' "
	  "(also line 2)" },
	{ 1, "1 Q0 a 1 3 r\n1 Q0 a 2 3 r\n1 Q0 a 3 3 r\n", "run:2: document "
	  "'a' listed twice for query '1' (also line 1)" },
};

START_TEST(malformed_refused)
{
	const bad_case *c = &bad_cases[_i];
	FILE *f = text_file(c->text);
	char *msg = NULL;
	att_status rc;

	/* *out starts non-NULL, to see the reader reset it */
	if (c->run) {
		eval_run *keep = run_of("1 Q0 a 1 1 r\n"), *r = keep;

		rc = eval_run_read(&r, f, "run", &msg);
		ck_assert_ptr_null(r);
		eval_run_free(keep);
	} else {
		eval_qrels *keep = qrels_of("1 0 a 1\n"), *q = keep;

		rc = eval_qrels_read(&q, f, "qrels", &msg);
		ck_assert_ptr_null(q);
		eval_qrels_free(keep);
	}
	fclose(f);
	ck_assert_int_eq(rc, ATT_EINPUT);
	ck_assert_ptr_nonnull(msg);
	ck_assert_str_eq(msg, c->msg);
	free(msg);
}
END_TEST

/* An empty run is valid: every judged query is missing and scores 0. */
START_TEST(empty_run)
{
	evald e = evaluate("1 0 a 1\n", "\n", 1000);

	ck_assert_uint_eq(e.rep->nqueries, 1);
	ck_assert_uint_eq(e.rep->missing_from_run, 1);
	ck_assert_double_eq(e.rep->mean.map, 0);
	evald_free(&e);
}
END_TEST

/* A long qrels and run (300 queries x 1200 ranks, relevant at every
 * 7th rank: 171 a query, 143 in the first 1000) through the readers: exercises pool and table growth and
 * checks one query's numbers against a direct eval_measures_compute. */
START_TEST(large_inputs)
{
	FILE *qf = tmpfile(), *rf = tmpfile();
	static long ranked[1000];
	long judged[171];
	eval_qrels *q;
	eval_run *r;
	eval_report *rep;
	eval_measures m;
	char *msg = NULL;
	int qi, k;

	ck_assert_ptr_nonnull(qf);
	ck_assert_ptr_nonnull(rf);
	for (qi = 0; qi < 300; qi++) {
		for (k = 0; k < 1200; k++) {
			fprintf(rf, "%d Q0 doc%d %d %d attache\n", qi + 1, k, k + 1,
			        5000 - k);
			if (k % 7 == 3)
				fprintf(qf, "%d 0 doc%d %d\n", qi + 1, k, 1 + k % 3);
		}
	}
	rewind(qf);
	rewind(rf);
	ck_assert_int_eq(eval_qrels_read(&q, qf, "q", &msg), ATT_OK);
	ck_assert_int_eq(eval_run_read(&r, rf, "r", &msg), ATT_OK);
	fclose(qf);
	fclose(rf);
	ck_assert_int_eq(eval_compute(&rep, q, r, 1000), ATT_OK);
	ck_assert_uint_eq(rep->nqueries, 300);
	ck_assert_uint_eq(rep->queries[299].retrieved, 1000);
	ck_assert_uint_eq(rep->queries[299].relevant, 171);
	ck_assert_str_eq(rep->queries[299].qid, "300");
	for (k = 0; k < 1000; k++)
		ranked[k] = k % 7 == 3 ? 1 + k % 3 : 0;
	for (k = 0; k < 171; k++)
		judged[k] = 1 + (7 * k + 3) % 3;
	eval_measures_compute(&m, ranked, 1000, judged, 171);
	ck_assert_double_eq_tol(rep->queries[299].m.map, m.map, TOL);
	ck_assert_double_eq_tol(rep->queries[299].m.ndcg10, m.ndcg10, TOL);
	ck_assert_double_eq_tol(rep->mean.map, m.map, 1e-9);
	ck_assert_double_eq_tol(rep->mean.recall1000, 143.0 / 171.0, 1e-9);
	eval_report_free(rep);
	eval_run_free(r);
	eval_qrels_free(q);
}
END_TEST

static Suite *eval_suite(void)
{
	Suite *s = suite_create("eval");
	TCase *tc = tcase_create("measures");

	tcase_add_test(tc, ap_worked_example);
	tcase_add_test(tc, ndcg_graded_example);
	tcase_add_test(tc, ndcg_ideal_cut_at_10);
	tcase_add_test(tc, mrr_first_relevant);
	tcase_add_test(tc, recall_cut_at_1000);
	tcase_add_test(tc, negative_rel_not_relevant);
	tcase_add_test(tc, no_relevant_all_zero);
	suite_add_tcase(s, tc);
	tc = tcase_create("files");
	tcase_add_test(tc, ties_docid_descending);
	tcase_add_test(tc, rank_column_ignored);
	tcase_add_test(tc, missing_query_scores_zero);
	tcase_add_test(tc, no_relevant_query_skipped);
	tcase_add_test(tc, run_query_not_in_qrels_ignored);
	tcase_add_test(tc, unjudged_not_relevant);
	tcase_add_test(tc, depth_cut);
	tcase_add_test(tc, qid_order);
	tcase_add_test(tc, whitespace_and_blank_lines);
	tcase_add_test(tc, means_over_queries);
	tcase_add_test(tc, empty_run);
	tcase_add_test(tc, large_inputs);
	suite_add_tcase(s, tc);
	tc = tcase_create("refused");
	tcase_add_loop_test(tc, malformed_refused, 0,
	                    (int)(sizeof bad_cases / sizeof bad_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(eval_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
