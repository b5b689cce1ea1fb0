/*
 * eval.c: scoring a TREC run against TREC qrels, as trec_eval does.
 *
 * Data. A qrels file and a run file are both read into a table: one
 * record per line (qid, docid, score or rel, line number), the strings
 * in one growable pool. While reading, records hold pool offsets (the
 * pool moves as it grows); once the file is read they get pointers.
 * Both tables are sorted by (qid, docid) to find a document listed twice
 * for a query, which trec_eval also refuses ("duplicate docs"), and the
 * message names both lines. The run is then re-sorted into rank order:
 * by qid, score descending, ties by docid descending in strcmp order --
 * trec_eval's comp_sim_docno, so "9" ranks above "10" at equal score.
 * The rank column is ignored, as trec_eval ignores it.
 *
 * Evaluation walks the two tables' query groups side by side (both are
 * in strcmp order of qid). A qrels query with no rel > 0 document is
 * skipped and counted (trec_eval would score it 0 and average it in);
 * one with relevant documents is evaluated, scoring 0 on every measure
 * if the run lacks it (trec_eval -c); a run query without qrels is
 * ignored and counted (trec_eval too). Each retrieved document, down to
 * the depth (trec_eval -M), is judged by binary search in its query's
 * qrels; unjudged documents and rel <= 0 count as not relevant.
 *
 * Measures, per query, with R = relevant (rel > 0) judged documents:
 *   MAP      sum over relevant retrieved of precision at their rank, / R
 *   P@10     relevant in the first 10 ranks / 10 (even if fewer retrieved)
 *   nDCG@10  DCG = sum over ranks r <= 10 of rel / log2(r + 1); divided by
 *            the DCG of the ideal ranking of all judged rel > 0 documents
 *            cut at 10. Gain is the rel value, not 2^rel - 1: trec_eval's
 *            ndcg_cut (m_ndcg_cut.c: gain / log2(i + 2), i from 0).
 *   R@1000   relevant in the first 1000 ranks / R
 *   MRR      1 / rank of the first relevant document, 0 if none
 * The means are plain averages over the evaluated queries.
 *
 * Why sorting rather than hash tables: two qsorts and a merge are short,
 * need no hash function, and give the per-query output its order for
 * free; Cranfield's 225 queries x 1000 ranks sort in milliseconds.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* getline */
#endif

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"

typedef struct rec {
	const char *qid, *doc; /* set once the pool stops moving */
	size_t qoff, doff;     /* offsets into the pool while reading */
	double score;          /* run */
	long rel;              /* qrels */
	size_t line;
} rec;

typedef struct table {
	rec *v;
	size_t n, cap;
	char *pool;
	size_t pool_n, pool_cap;
} table;

struct eval_qrels {
	table t;
};

struct eval_run {
	table t;
};

/* Sets *errmsg_out to the formatted message (NULL if out of memory) and
 * returns RC. */
static att_status fail(char **errmsg_out, att_status rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static att_status fail(char **errmsg_out, att_status rc, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	*errmsg_out = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (*errmsg_out != NULL) {
		va_start(ap, fmt);
		vsnprintf(*errmsg_out, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static void table_clear(table *t)
{
	free(t->v);
	free(t->pool);
	memset(t, 0, sizeof *t);
}

/* Copies S (with its NUL) into the pool; its offset goes to *off. */
static att_status pool_add(table *t, const char *s, size_t *off)
{
	size_t n = strlen(s) + 1;

	if (t->pool_n + n > t->pool_cap) {
		size_t cap = (t->pool_n + n) * 2 + 4096;
		char *p = realloc(t->pool, cap);

		if (p == NULL)
			return ATT_ENOMEM;
		t->pool = p;
		t->pool_cap = cap;
	}
	memcpy(t->pool + t->pool_n, s, n);
	*off = t->pool_n;
	t->pool_n += n;
	return ATT_OK;
}

static att_status table_add(table *t, const char *qid, const char *doc,
                            double score, long rel, size_t line)
{
	rec *r;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		rec *v = realloc(t->v, cap * sizeof *v);

		if (v == NULL)
			return ATT_ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	r = &t->v[t->n];
	memset(r, 0, sizeof *r);
	if (pool_add(t, qid, &r->qoff) != ATT_OK ||
	    pool_add(t, doc, &r->doff) != ATT_OK)
		return ATT_ENOMEM;
	r->score = score;
	r->rel = rel;
	r->line = line;
	t->n++;
	return ATT_OK;
}

/* Splits S at white space into at most MAX fields; returns the number of
 * fields found, which may exceed MAX (the extra ones are not stored). */
static size_t split(char *s, char **fields, size_t max)
{
	size_t n = 0;

	for (;;) {
		while (*s != '\0' && isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			return n;
		if (n < max)
			fields[n] = s;
		n++;
		while (*s != '\0' && !isspace((unsigned char)*s))
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
}

/* Parses one non-blank line of a run (RUN) or qrels file into T. */
static att_status parse_line(table *t, char *line, size_t lineno, int run,
                             const char *name, char **errmsg_out)
{
	size_t want = run ? 6 : 4, n;
	char *f[6], *end;
	double score = 0;
	long rel = 0;

	n = split(line, f, 6);
	if (n == 0)
		return ATT_OK;
	if (n != want)
		return fail(errmsg_out, ATT_EINPUT, "%s:%zu: expected %zu fields "
		            "(%s), found %zu", name, lineno, want, run
		            ? "qid Q0 docid rank score runid" : "qid iter docid rel",
		            n);
	errno = 0;
	if (run) {
		score = strtod(f[4], &end);
		if (errno != 0 || end == f[4] || *end != '\0' || !isfinite(score))
			return fail(errmsg_out, ATT_EINPUT, "%s:%zu: score '%.40s' is "
			            "not a finite number", name, lineno, f[4]);
	} else {
		rel = strtol(f[3], &end, 10);
		if (errno != 0 || end == f[3] || *end != '\0')
			return fail(errmsg_out, ATT_EINPUT, "%s:%zu: relevance '%.40s' "
			            "is not an integer", name, lineno, f[3]);
	}
	if (table_add(t, f[0], f[2], score, rel, lineno) != ATT_OK)
		return fail(errmsg_out, ATT_ENOMEM, "%s: out of memory", name);
	return ATT_OK;
}

static int cmp_qid_doc(const void *a, const void *b)
{
	const rec *x = a, *y = b;
	int c = strcmp(x->qid, y->qid);

	if (c == 0)
		c = strcmp(x->doc, y->doc);
	if (c == 0)
		c = x->line < y->line ? -1 : x->line > y->line;
	return c;
}

/* trec_eval's order: score descending, then docid descending. */
static int cmp_rank(const void *a, const void *b)
{
	const rec *x = a, *y = b;
	int c = strcmp(x->qid, y->qid);

	if (c != 0)
		return c;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return strcmp(y->doc, x->doc);
}

/* Points the records into the finished pool, sorts them by (qid, docid)
 * and refuses a document listed twice for a query, naming the earliest
 * line that repeats one. */
static att_status table_finish(table *t, const char *name, char **errmsg_out)
{
	const rec *dup = NULL, *first = NULL;
	size_t i;

	for (i = 0; i < t->n; i++) {
		t->v[i].qid = t->pool + t->v[i].qoff;
		t->v[i].doc = t->pool + t->v[i].doff;
	}
	if (t->n > 1)
		qsort(t->v, t->n, sizeof *t->v, cmp_qid_doc);
	for (i = 1; i < t->n; i++) {
		const rec *a = &t->v[i - 1], *b = &t->v[i];

		if (strcmp(a->qid, b->qid) == 0 && strcmp(a->doc, b->doc) == 0 &&
		    (dup == NULL || b->line < dup->line)) {
			dup = b;
			first = a;
		}
	}
	if (dup != NULL) /* the second occurrence; FIRST, the first */
		return fail(errmsg_out, ATT_EINPUT, "%s:%zu: document '%.60s' "
		            "listed twice for query '%.60s' (also line %zu)", name,
		            dup->line, dup->doc, dup->qid, first->line);
	return ATT_OK;
}

/* Reads every line of F into T. */
static att_status read_table(table *t, FILE *f, int run, const char *name,
                             char **errmsg_out)
{
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	att_status rc = ATT_OK;

	*errmsg_out = NULL;
	for (;;) {
		errno = 0; /* getline's ENOMEM may leave ferror() clear */
		if (getline(&line, &cap, f) < 0)
			break;
		lineno++;
		rc = parse_line(t, line, lineno, run, name, errmsg_out);
		if (rc != ATT_OK)
			goto done;
	}
	if (errno == ENOMEM) {
		rc = fail(errmsg_out, ATT_ENOMEM, "%s: out of memory", name);
		goto done;
	}
	if (ferror(f)) {
		rc = fail(errmsg_out, ATT_EIO, "%s: read error: %s", name,
		          strerror(errno ? errno : EIO));
		goto done;
	}
	rc = table_finish(t, name, errmsg_out);
done:
	free(line);
	return rc;
}

att_status eval_qrels_read(eval_qrels **out, FILE *f, const char *name,
                           char **errmsg_out)
{
	eval_qrels *q = calloc(1, sizeof *q);
	att_status rc;

	*out = NULL;
	if (q == NULL)
		return fail(errmsg_out, ATT_ENOMEM, "%s: out of memory", name);
	rc = read_table(&q->t, f, 0, name, errmsg_out);
	if (rc == ATT_OK && q->t.n == 0)
		rc = fail(errmsg_out, ATT_EINPUT, "%s: no judgments", name);
	if (rc != ATT_OK) {
		eval_qrels_free(q);
		return rc;
	}
	*out = q;
	return ATT_OK;
}

void eval_qrels_free(eval_qrels *q)
{
	if (q == NULL)
		return;
	table_clear(&q->t);
	free(q);
}

att_status eval_run_read(eval_run **out, FILE *f, const char *name,
                         char **errmsg_out)
{
	eval_run *r = calloc(1, sizeof *r);
	att_status rc;

	*out = NULL;
	if (r == NULL)
		return fail(errmsg_out, ATT_ENOMEM, "%s: out of memory", name);
	rc = read_table(&r->t, f, 1, name, errmsg_out);
	if (rc != ATT_OK) {
		eval_run_free(r);
		return rc;
	}
	if (r->t.n > 1)
		qsort(r->t.v, r->t.n, sizeof *r->t.v, cmp_rank);
	*out = r;
	return ATT_OK;
}

void eval_run_free(eval_run *r)
{
	if (r == NULL)
		return;
	table_clear(&r->t);
	free(r);
}

/* Inserts GAIN into BEST[0..*k), kept descending and at most 10 long. */
static void keep_best(double *best, size_t *k, double gain)
{
	size_t i = *k < 10 ? (*k)++ : 10;

	if (i == 10 && gain <= best[9])
		return;
	if (i == 10)
		i = 9;
	while (i > 0 && best[i - 1] < gain) {
		best[i] = best[i - 1];
		i--;
	}
	best[i] = gain;
}

void eval_measures_compute(eval_measures *out, const long *ranked,
                           size_t nret, const long *judged, size_t njudged)
{
	double best[10], sum_prec = 0, dcg = 0, idcg = 0;
	size_t i, nbest = 0, nrel = 0, hits = 0, hits10 = 0, hits1000 = 0;

	memset(out, 0, sizeof *out);
	for (i = 0; i < njudged; i++) {
		if (judged[i] > 0) {
			nrel++;
			keep_best(best, &nbest, (double)judged[i]);
		}
	}
	if (nrel == 0)
		return;
	for (i = 0; i < nret; i++) {
		if (ranked[i] <= 0)
			continue;
		hits++;
		sum_prec += (double)hits / (double)(i + 1);
		if (hits == 1)
			out->mrr = 1.0 / (double)(i + 1);
		if (i < 10) {
			hits10++;
			dcg += (double)ranked[i] / log2((double)(i + 2));
		}
		if (i < 1000)
			hits1000++;
	}
	for (i = 0; i < nbest; i++)
		idcg += best[i] / log2((double)(i + 2));
	out->map = sum_prec / (double)nrel;
	out->p10 = (double)hits10 / 10.0;
	out->ndcg10 = dcg / idcg;
	out->recall1000 = (double)hits1000 / (double)nrel;
}

/* The end of the query group that starts at I. */
static size_t group_end(const table *t, size_t i)
{
	size_t j = i + 1;

	while (j < t->n && strcmp(t->v[j].qid, t->v[i].qid) == 0)
		j++;
	return j;
}

/* The rel of DOC among the qrels records V[0..n), sorted by docid; 0 if
 * it is not judged. */
static long judgment(const rec *v, size_t n, const char *doc)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(v[mid].doc, doc);

		if (c == 0)
			return v[mid].rel;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Numeric qids first, by value; then the rest in byte order. */
static int qid_cmp(const char *a, const char *b)
{
	size_t la = strspn(a, "0123456789"), lb = strspn(b, "0123456789");
	int na = la > 0 && a[la] == '\0', nb = lb > 0 && b[lb] == '\0';
	const char *x = a, *y = b;

	if (na != nb)
		return na ? -1 : 1;
	if (!na)
		return strcmp(a, b);
	while (x[0] == '0' && x[1] != '\0')
		x++;
	while (y[0] == '0' && y[1] != '\0')
		y++;
	if (strlen(x) != strlen(y))
		return strlen(x) < strlen(y) ? -1 : 1;
	return strcmp(x, y) != 0 ? strcmp(x, y) : strcmp(a, b);
}

static int cmp_query(const void *a, const void *b)
{
	return qid_cmp(((const eval_query *)a)->qid, ((const eval_query *)b)->qid);
}

/* Scores one qrels group QV[0..qn) against the run group RV[0..rn)
 * (rn = 0: absent), using the scratch arrays RANKED and JUDGED. */
static void score_query(eval_query *e, const rec *qv, size_t qn,
                        const rec *rv, size_t rn, size_t depth, long *ranked,
                        long *judged)
{
	size_t i;

	e->qid = qv[0].qid;
	e->retrieved = rn < depth ? rn : depth;
	for (i = 0; i < qn; i++) {
		judged[i] = qv[i].rel;
		e->relevant += judged[i] > 0;
	}
	for (i = 0; i < e->retrieved; i++) {
		ranked[i] = judgment(qv, qn, rv[i].doc);
		e->relevant_retrieved += ranked[i] > 0;
	}
	eval_measures_compute(&e->m, ranked, e->retrieved, judged, qn);
}

/* Allocates the report's query array and the scratch arrays, sized by
 * the largest groups. */
static att_status report_alloc(eval_report *rep, long **ranked,
                               long **judged, const table *qt,
                               const table *rt, size_t depth)
{
	size_t i, j, groups = 0, qmax = 1, rmax = 1;

	for (i = 0; i < qt->n; i = j) {
		j = group_end(qt, i);
		groups++;
		qmax = j - i > qmax ? j - i : qmax;
	}
	for (i = 0; i < rt->n; i = j) {
		j = group_end(rt, i);
		rmax = j - i > rmax ? j - i : rmax;
	}
	rmax = rmax < depth ? rmax : depth;
	rep->queries = calloc(groups ? groups : 1, sizeof *rep->queries);
	*ranked = malloc(rmax * sizeof **ranked);
	*judged = malloc(qmax * sizeof **judged);
	return rep->queries && *ranked && *judged ? ATT_OK : ATT_ENOMEM;
}

static void report_means(eval_report *rep)
{
	eval_measures *m = &rep->mean;
	size_t i;

	for (i = 0; i < rep->nqueries; i++) {
		m->map += rep->queries[i].m.map;
		m->p10 += rep->queries[i].m.p10;
		m->ndcg10 += rep->queries[i].m.ndcg10;
		m->recall1000 += rep->queries[i].m.recall1000;
		m->mrr += rep->queries[i].m.mrr;
	}
	if (rep->nqueries == 0)
		return;
	m->map /= (double)rep->nqueries;
	m->p10 /= (double)rep->nqueries;
	m->ndcg10 /= (double)rep->nqueries;
	m->recall1000 /= (double)rep->nqueries;
	m->mrr /= (double)rep->nqueries;
}

att_status eval_compute(eval_report **out, const eval_qrels *q,
                        const eval_run *r, size_t depth)
{
	const table *qt = &q->t, *rt = &r->t;
	eval_report *rep = calloc(1, sizeof *rep);
	long *ranked = NULL, *judged = NULL;
	size_t i = 0, i2, j = 0, j2 = 0;
	att_status rc = ATT_ENOMEM;

	assert(depth > 0);
	*out = NULL;
	if (rep == NULL ||
	    report_alloc(rep, &ranked, &judged, qt, rt, depth) != ATT_OK)
		goto done;
	rep->depth = depth;
	for (; i < qt->n; i = i2) {
		int c = 1, rel = 0;
		size_t k;

		i2 = group_end(qt, i);
		while (j < rt->n && (c = strcmp(rt->v[j].qid, qt->v[i].qid)) < 0) {
			rep->ignored_not_in_qrels++;
			j = group_end(rt, j);
		}
		j2 = j < rt->n && c == 0 ? group_end(rt, j) : j;
		for (k = i; k < i2; k++)
			rel |= qt->v[k].rel > 0;
		if (!rel) {
			rep->skipped_no_relevant++;
		} else {
			eval_query *e = &rep->queries[rep->nqueries++];

			e->in_run = j2 > j;
			rep->missing_from_run += !e->in_run;
			score_query(e, qt->v + i, i2 - i, rt->v + j, j2 - j, depth,
			            ranked, judged);
		}
		j = j2;
	}
	for (; j < rt->n; j = group_end(rt, j))
		rep->ignored_not_in_qrels++;
	if (rep->nqueries > 1)
		qsort(rep->queries, rep->nqueries, sizeof *rep->queries, cmp_query);
	report_means(rep);
	*out = rep;
	rep = NULL;
	rc = ATT_OK;
done:
	free(ranked);
	free(judged);
	eval_report_free(rep);
	return rc;
}

void eval_report_free(eval_report *rep)
{
	if (rep == NULL)
		return;
	free(rep->queries);
	free(rep);
}
