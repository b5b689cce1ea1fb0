/*
 * search.c: the searcher handle and query evaluation.
 *
 * att_searcher_open reads the manifest and maps every segment it names;
 * the handle pins that generation for its life. Collection statistics
 * for BM25 (document count, average length, each term's document
 * frequency) are global: summed over segments, so a document scores the
 * same whichever segment holds it.
 *
 * Evaluation is document-at-a-time. Each distinct query term gets a
 * postings cursor per segment; the candidates are the documents any
 * non-excluded clause's terms reach, in order. For each, required
 * clauses must match, excluded ones must not, phrases are checked on
 * positions (only then), and the BM25 contributions of the matching
 * clauses are summed. The best max(n + offset, rerank depth) documents
 * are kept in a min-heap.
 *
 * Those candidates are then re-ranked: each one's best passage is found
 * from its positions and sentence table (passage.c), and its final score
 * is its document score plus passage_weight times its passage score.
 * Only the page of hits returned is fetched from the store, cut into
 * passages and marked.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "searcher.h"

struct att_searcher {
	char *dir;
	att_manifest man;
	att_segment *segs;
	uint32_t nsegs;
	att_analyzer *an;
	double avgdl;
	att_block_cache cache;
	char msg[8192];
};

typedef struct res_hit {
	att_hit h;
	att_passage *passages;
} res_hit;

struct att_results {
	res_hit *hits;
	size_t n;
	uint64_t total;
};

void att_search_options_init(att_search_options *o)
{
	memset(o, 0, sizeof *o);
	o->n = 10;
	o->passages = 1;
	o->k1 = 1.2;
	o->b = 0.75;
	o->passage_weight = 1.0;
	o->rerank_depth = 100;
	o->passage_words = 50;
}

const char *att_searcher_errmsg(const att_searcher *s)
{
	return s->msg;
}

/* Releases what searcher_init set up, keeping the handle's buffers. */
static void searcher_clear(att_searcher *s)
{
	uint32_t i;

	for (i = 0; i < s->nsegs; i++)
		att_segment_close(&s->segs[i]);
	att_free(s->segs);
	s->segs = NULL;
	s->nsegs = 0;
	att_manifest_release(&s->man);
	att_analyzer_free(s->an);
	s->an = NULL;
	s->cache.seg = NULL;
}

void att_searcher_free(att_searcher *s)
{
	if (s == NULL)
		return;
	searcher_clear(s);
	att_buf_release(&s->cache.buf);
	att_free(s->dir);
	att_free(s);
}

/* Opens the generation MANIFEST names now. */
static att_status open_generation(att_searcher *s, const char *path)
{
	att_status rc;
	uint32_t i;

	rc = att_manifest_read(&s->man, path, s->msg, sizeof s->msg);
	if (rc == ATT_ENOTFOUND)
		snprintf(s->msg, sizeof s->msg, "%s: no attache index here", path);
	if (rc != ATT_OK)
		return rc;
	rc = att_analyzer_new(&s->an, s->man.language);
	if (rc != ATT_OK) {
		snprintf(s->msg, sizeof s->msg, "%s: unknown language \"%s\"", path,
		         s->man.language);
		return rc == ATT_ENOTFOUND ? ATT_ECORRUPT : rc;
	}
	s->segs = att_calloc(s->man.nsegs + 1, sizeof *s->segs);
	if (s->segs == NULL)
		return ATT_ENOMEM;
	for (i = 0; i < s->man.nsegs; i++) {
		rc = att_segment_open(&s->segs[i], path, &s->man.segs[i], s->msg,
		                      sizeof s->msg);
		if (rc != ATT_OK)
			return rc;
		s->nsegs++;
	}
	s->avgdl = s->man.docs ? (double)s->man.tokens / (double)s->man.docs : 1;
	if (s->avgdl <= 0)
		s->avgdl = 1;
	return ATT_OK;
}

/* 1 if MANIFEST in PATH names a generation other than GEN. */
static int manifest_moved(const char *path, uint64_t gen)
{
	char msg[256];
	att_manifest m;
	int moved;

	if (att_manifest_read(&m, path, msg, sizeof msg) != ATT_OK)
		return 0;
	moved = m.generation != gen;
	att_manifest_release(&m);
	return moved;
}

/* Opens the current generation. A writer that commits and removes the
 * files of merged-away segments between our reading the manifest and
 * mapping them makes a file vanish: then the manifest has moved on, and
 * we try the new one (a few times; a damaged index never moves). */
static att_status searcher_init(att_searcher *s, const char *path)
{
	att_status rc;
	int tries;

	s->dir = att_strndup(path, strlen(path));
	if (s->dir == NULL)
		return ATT_ENOMEM;
	for (tries = 0;; tries++) {
		uint64_t gen;

		rc = open_generation(s, path);
		if (rc != ATT_ECORRUPT || tries == 20)
			return rc;
		gen = s->man.generation;
		searcher_clear(s);
		if (!manifest_moved(path, gen))
			return open_generation(s, path);
	}
}

att_status att_searcher_reopen(int *changed, att_searcher *s)
{
	att_searcher *n;
	att_searcher tmp;
	char *msg = NULL;
	att_status rc;

	*changed = 0;
	if (!manifest_moved(s->dir, s->man.generation))
		return ATT_OK;
	rc = att_searcher_open(&n, s->dir, &msg);
	if (rc != ATT_OK) {
		snprintf(s->msg, sizeof s->msg, "%s", msg ? msg : att_status_str(rc));
		free(msg);
		return rc;
	}
	tmp = *s;
	*s = *n;
	*n = tmp;
	att_searcher_free(n);
	*changed = 1;
	return ATT_OK;
}

att_status att_searcher_open(att_searcher **out, const char *path,
                             char **errmsg_out)
{
	att_searcher *s = att_calloc(1, sizeof *s);
	att_status rc;

	*out = NULL;
	if (errmsg_out)
		*errmsg_out = NULL;
	if (s == NULL) {
		if (errmsg_out) /* plain strdup: the caller frees it with free() */
			*errmsg_out = strdup("out of memory");
		return ATT_ENOMEM;
	}
	att_buf_init(&s->cache.buf);
	rc = searcher_init(s, path);
	if (rc != ATT_OK) {
		if (rc == ATT_ENOMEM)
			snprintf(s->msg, sizeof s->msg, "out of memory");
		if (errmsg_out)
			*errmsg_out = strdup(s->msg);
		att_searcher_free(s);
		return rc;
	}
	*out = s;
	return ATT_OK;
}

att_status att_searcher_stats(att_index_stats *out, const att_searcher *s)
{
	uint32_t i;

	memset(out, 0, sizeof *out);
	out->docs = s->man.docs;
	out->raw_bytes = s->man.raw_bytes;
	out->positions = s->man.tokens;
	out->segments = s->nsegs;
	out->generation = s->man.generation;
	out->bytes_manifest = s->man.file_bytes;
	snprintf(out->language, sizeof out->language, "%s", s->man.language);
	for (i = 0; i < s->nsegs; i++) {
		const att_segment *g = &s->segs[i];
		att_dict_iter it;
		att_status rc;
		int has;

		att_dict_iter_init(&it, g);
		while ((rc = att_dict_iter_next(&it, &has)) == ATT_OK && has) {
			const att_del_adj *a;

			if (it.len > 0 && it.term[0] == ATT_ID_PREFIX)
				continue; /* a document's id, not a word */
			a = att_deletes_find(&g->del, (const char *)it.term, it.len);
			out->terms += !a || a->ddf < it.ti.df;
			out->postings += it.ti.df - (a ? a->ddf : 0);
		}
		if (rc != ATT_OK)
			return rc;
		out->bytes_dict += g->f[ATT_SEG_DICT].n;
		out->bytes_postings += g->f[ATT_SEG_POSTINGS].n;
		out->bytes_positions += g->f[ATT_SEG_POSITIONS].n;
		out->bytes_docs += g->f[ATT_SEG_DOCS].n;
		out->bytes_sentences += g->f[ATT_SEG_SENTENCES].n;
		out->bytes_store += g->f[ATT_SEG_STORE].n;
	}
	return ATT_OK;
}

/* ---- evaluation ----------------------------------------------------------- */

typedef struct uterm {          /* a distinct query term */
	const char *term;
	uint64_t df;                /* over all segments */
	double idf;
	int positive;               /* in a clause that is not excluded */
} uterm;

typedef struct cand {
	double score, doc_score, passage_score;
	uint32_t seg, doc;
	att_window win[8];
	size_t nwin;
} cand;

typedef struct eval {
	att_searcher *s;
	const att_query *q;
	const att_search_options *o;
	uterm *ut;
	uint32_t nut;
	uint32_t *clause_ut;        /* per query term: its uterm */
	att_term_info *ti;          /* per segment and uterm: its entry */
	int *found;                 /* per segment and uterm: 1 if it has one */
	att_postings *pc;           /* per uterm, for the current segment */
	int *present;               /* per uterm: has postings in the segment */
	uint32_t **pos;             /* per uterm: positions buffer */
	size_t *poscap;
	uint32_t *npos;
	cand *heap;
	size_t nheap, k;
	uint64_t total;
	att_sentence *sents;
	size_t sentcap;
} eval;

static att_status eval_err(eval *e, att_status rc, const char *what)
{
	if (rc == ATT_ENOMEM)
		snprintf(e->s->msg, sizeof e->s->msg, "out of memory");
	else if (what != NULL)
		snprintf(e->s->msg, sizeof e->s->msg, "%s", what);
	return rc;
}

/* Builds the distinct-term table with global statistics. */
static att_status collect_terms(eval *e)
{
	const att_query *q = e->q;
	uint32_t c, t, u, i;

	e->ut = att_calloc(q->nterms, sizeof *e->ut);
	e->clause_ut = att_calloc(q->nterms, sizeof *e->clause_ut);
	if (e->ut == NULL || e->clause_ut == NULL)
		return eval_err(e, ATT_ENOMEM, NULL);
	for (c = 0; c < q->nclauses; c++) {
		const att_clause *cl = &q->clauses[c];

		for (t = cl->first; t < cl->first + cl->nterms; t++) {
			for (u = 0; u < e->nut; u++)
				if (strcmp(e->ut[u].term, q->terms[t]) == 0)
					break;
			if (u == e->nut)
				e->ut[e->nut++].term = q->terms[t];
			e->ut[u].positive |= cl->occur != ATT_MUST_NOT;
			e->clause_ut[t] = u;
		}
	}
	e->ti = att_calloc((size_t)e->s->nsegs * e->nut + 1, sizeof *e->ti);
	e->found = att_calloc((size_t)e->s->nsegs * e->nut + 1, sizeof *e->found);
	if (e->ti == NULL || e->found == NULL)
		return eval_err(e, ATT_ENOMEM, NULL);
	for (u = 0; u < e->nut; u++) {
		for (i = 0; i < e->s->nsegs; i++) {
			size_t at = (size_t)i * e->nut + u;
			att_term_info *ti = &e->ti[at];
			att_status rc = att_segment_lookup(ti, &e->found[at],
			                                   &e->s->segs[i], e->ut[u].term,
			                                   strlen(e->ut[u].term),
			                                   e->s->msg, sizeof e->s->msg);

			if (rc != ATT_OK)
				return rc;
			if (e->found[at]) {
				const att_del_adj *a = att_deletes_find(
				    &e->s->segs[i].del, e->ut[u].term, strlen(e->ut[u].term));

				e->ut[u].df += ti->df - (a && a->ddf <= ti->df ? a->ddf : 0);
			}
		}
		e->ut[u].idf = log(1.0 + ((double)e->s->man.docs - e->ut[u].df + 0.5) /
		                   ((double)e->ut[u].df + 0.5));
	}
	return ATT_OK;
}

/* Opens the cursors of segment SEG. */
static att_status open_cursors(eval *e, uint32_t seg)
{
	uint32_t u;

	for (u = 0; u < e->nut; u++) {
		size_t at = (size_t)seg * e->nut + u;
		att_status rc = ATT_OK;

		e->present[u] = e->found[at];
		if (e->present[u])
			rc = att_postings_init(&e->pc[u], &e->s->segs[seg], &e->ti[at]);
		if (rc != ATT_OK)
			return eval_err(e, rc, rc == ATT_ECORRUPT && e->s->msg[0] == 0
			                ? "corrupt postings" : NULL);
	}
	return ATT_OK;
}

static int at_doc(const eval *e, uint32_t u, uint32_t doc)
{
	return e->present[u] && e->pc[u].doc == doc;
}

static int contains(const uint32_t *p, uint32_t n, uint32_t x)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (p[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && p[lo] == x;
}

/* 1 if clause CL matches DOC (cursors are positioned), 0 if not, or a
 * negative status. */
static int clause_matches(eval *e, const att_clause *cl, uint32_t doc)
{
	uint32_t t, i, u0 = e->clause_ut[cl->first];
	att_status rc;

	for (t = cl->first; t < cl->first + cl->nterms; t++)
		if (!at_doc(e, e->clause_ut[t], doc))
			return 0;
	if (!cl->phrase)
		return 1;
	for (t = cl->first; t < cl->first + cl->nterms; t++) {
		uint32_t u = e->clause_ut[t];

		rc = att_postings_positions(&e->pos[u], &e->poscap[u], &e->npos[u],
		                            &e->pc[u]);
		if (rc != ATT_OK)
			return rc;
	}
	for (i = 0; i < e->npos[u0]; i++) {
		uint32_t p = e->pos[u0][i];

		for (t = 1; t < cl->nterms; t++) {
			uint32_t u = e->clause_ut[cl->first + t];

			if (!contains(e->pos[u], e->npos[u], p + t))
				break;
		}
		if (t == cl->nterms)
			return 1;
	}
	return 0;
}

static double bm25(const eval *e, uint32_t u, uint32_t tf, double dl)
{
	double k1 = e->o->k1, b = e->o->b;

	return e->ut[u].idf * tf * (k1 + 1) /
	    (tf + k1 * (1 - b + b * dl / e->s->avgdl));
}

/* Scores DOC: -1 if it does not match, else its BM25 score (>= 0) in
 * *score. Negative statuses come back as the return value < -1. */
static int score_doc(eval *e, uint32_t seg, uint32_t doc, double *score)
{
	const att_query *q = e->q;
	double dl = att_segment_doclen(&e->s->segs[seg], doc), sum = 0;
	int any = 0, must = e->o->require_all;
	uint32_t c, t;

	for (c = 0; c < q->nclauses; c++) {
		const att_clause *cl = &q->clauses[c];
		int m;

		if (cl->occur == ATT_MUST_NOT)
			for (t = cl->first; t < cl->first + cl->nterms; t++)
				if (e->present[e->clause_ut[t]])
					att_postings_advance(&e->pc[e->clause_ut[t]], doc);
		m = clause_matches(e, cl, doc);
		if (m < 0)
			return m;
		if (cl->occur == ATT_MUST_NOT) {
			if (m)
				return -1;
			continue;
		}
		if (!m) {
			if (cl->occur == ATT_MUST || must)
				return -1;
			continue;
		}
		any = 1;
		for (t = cl->first; t < cl->first + cl->nterms; t++) {
			uint32_t u = e->clause_ut[t];

			sum += bm25(e, u, att_postings_tf(&e->pc[u]), dl);
		}
	}
	*score = sum;
	return any ? 0 : -1;
}

/* Heap order: a is worse than b. */
static int worse(const cand *a, const cand *b)
{
	if (a->score != b->score)
		return a->score < b->score;
	if (a->seg != b->seg)
		return a->seg > b->seg;
	return a->doc > b->doc;
}

static void sift_down(cand *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		cand tmp;

		if (l < n && worse(&h[l], &h[m]))
			m = l;
		if (r < n && worse(&h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		tmp = h[i];
		h[i] = h[m];
		h[m] = tmp;
		i = m;
	}
}

static void heap_push(eval *e, double score, uint32_t seg, uint32_t doc)
{
	cand c;
	size_t i;

	memset(&c, 0, sizeof c);
	c.score = c.doc_score = score;
	c.seg = seg;
	c.doc = doc;
	if (e->nheap == e->k) {
		if (!worse(&e->heap[0], &c))
			return;
		e->heap[0] = c;
		sift_down(e->heap, e->nheap, 0);
		return;
	}
	i = e->nheap++;
	e->heap[i] = c;
	while (i > 0 && worse(&e->heap[i], &e->heap[(i - 1) / 2])) {
		cand tmp = e->heap[i];

		e->heap[i] = e->heap[(i - 1) / 2];
		e->heap[(i - 1) / 2] = tmp;
		i = (i - 1) / 2;
	}
}

static att_status eval_segment(eval *e, uint32_t seg)
{
	att_status rc = open_cursors(e, seg);
	uint32_t u, doc;

	while (rc == ATT_OK) {
		double score;
		int m;

		doc = ATT_DOC_END;
		for (u = 0; u < e->nut; u++)
			if (e->present[u] && e->ut[u].positive && e->pc[u].doc < doc)
				doc = e->pc[u].doc;
		if (doc == ATT_DOC_END)
			break;
		m = att_deleted(&e->s->segs[seg].del, doc) ? -1
		    : score_doc(e, seg, doc, &score);
		if (m < -1)
			rc = m;
		if (m == 0) {
			e->total++;
			heap_push(e, score, seg, doc);
		}
		for (u = 0; u < e->nut; u++)
			if (e->present[u] && e->ut[u].positive && e->pc[u].doc == doc)
				att_postings_next(&e->pc[u]);
	}
	for (u = 0; u < e->nut && rc == ATT_OK; u++)
		if (e->present[u] && e->pc[u].err)
			rc = ATT_ECORRUPT;
	if (rc == ATT_ECORRUPT && e->s->msg[0] == '\0')
		snprintf(e->s->msg, sizeof e->s->msg,
		         "%s: corrupt postings or positions", e->s->segs[seg].path);
	return rc;
}

/* ---- passages and results ------------------------------------------------- */

/* Finds candidate C's best passages and blends its score; the cursors
 * of C's segment are positioned at or before C's document. */
static att_status rerank_one(eval *e, cand *c, att_pterm *pt)
{
	const att_segment *seg = &e->s->segs[c->seg];
	size_t k = e->o->passages ? e->o->passages : 1, np = 0;
	uint32_t u, nsent;
	att_status rc;

	if (k > 8)
		k = 8;
	for (u = 0; u < e->nut; u++) {
		if (!e->ut[u].positive)
			continue;
		e->npos[u] = 0;
		if (e->present[u] &&
		    att_postings_advance(&e->pc[u], c->doc) == c->doc) {
			rc = att_postings_positions(&e->pos[u], &e->poscap[u],
			                            &e->npos[u], &e->pc[u]);
			if (rc != ATT_OK)
				return rc;
		}
		pt[np].pos = e->pos[u];
		pt[np].n = e->npos[u];
		pt[np].idf = e->ut[u].idf;
		np++;
	}
	rc = att_segment_sentences(&e->sents, &e->sentcap, &nsent, seg, c->doc);
	if (rc == ATT_ECORRUPT) {
		snprintf(e->s->msg, sizeof e->s->msg,
		         "%s.sen: corrupt sentence table of document %u", seg->path,
		         (unsigned)c->doc);
		return rc;
	}
	c->nwin = att_passages_best(c->win, k, e->sents, nsent, pt, np,
	                            e->o->passage_words, e->o->k1, e->o->b);
	c->passage_score = c->nwin ? c->win[0].score : 0;
	c->score = c->doc_score + e->o->passage_weight * c->passage_score;
	return ATT_OK;
}

static int cmp_place(const void *a, const void *b)
{
	const cand *x = *(cand *const *)a, *y = *(cand *const *)b;

	if (x->seg != y->seg)
		return x->seg < y->seg ? -1 : 1;
	return x->doc < y->doc ? -1 : x->doc > y->doc;
}

/* Re-ranks the N candidates C[0..n) by their passages, visiting them in
 * index order so that each segment's cursors only move forward. */
static att_status rerank(eval *e, cand *c, size_t n)
{
	cand **order = att_malloc((n + 1) * sizeof *order);
	att_pterm *pt = att_calloc(e->nut + 1, sizeof *pt);
	att_status rc = order && pt ? ATT_OK : ATT_ENOMEM;
	uint32_t seg = UINT32_MAX;
	size_t i;

	for (i = 0; i < n && rc == ATT_OK; i++)
		order[i] = &c[i];
	if (rc == ATT_OK)
		qsort(order, n, sizeof *order, cmp_place);
	for (i = 0; i < n && rc == ATT_OK; i++) {
		if (order[i]->seg != seg) {
			seg = order[i]->seg;
			rc = open_cursors(e, seg);
		}
		if (rc == ATT_OK)
			rc = rerank_one(e, order[i], pt);
	}
	if (rc == ATT_ECORRUPT && e->s->msg[0] == '\0')
		snprintf(e->s->msg, sizeof e->s->msg, "%s: corrupt postings",
		         e->s->segs[seg].path);
	att_free(order);
	att_free(pt);
	return rc;
}

static int cmp_final(const void *a, const void *b)
{
	const cand *x = a, *y = b;

	return worse(x, y) ? 1 : worse(y, x) ? -1 : 0;
}

/* A copy of TERM membership: is T one of the positive query terms? */
static int is_query_term(const eval *e, const char *t, size_t n)
{
	uint32_t u;

	for (u = 0; u < e->nut; u++)
		if (e->ut[u].positive && strlen(e->ut[u].term) == n &&
		    memcmp(e->ut[u].term, t, n) == 0)
			return 1;
	return 0;
}

typedef struct marker {
	const eval *e;
	att_buf marks;
} marker;

static int on_mark(void *ctx, const att_token *tok)
{
	marker *m = ctx;
	att_mark mk;

	if (!is_query_term(m->e, tok->term, tok->term_len))
		return ATT_OK;
	mk.start = tok->start;
	mk.end = tok->end;
	att_buf_append(&m->marks, &mk, sizeof mk);
	return m->marks.rc;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Cuts window W out of REC's text and marks the query terms in it. */
static att_status build_passage(att_passage *out, eval *e,
                                const att_record *rec, const att_window *w,
                                const att_sentence *sents)
{
	size_t start = sents[w->first].byte, end = sents[w->last + 1].byte;
	marker m = { e, { NULL, 0, 0, ATT_OK } };
	char *text;
	int rc;

	if (start > end || end > rec->text_len)
		return ATT_ECORRUPT;
	while (start < end && is_blank(rec->text[start]))
		start++;
	while (end > start && is_blank(rec->text[end - 1]))
		end--;
	text = att_strndup(rec->text + start, end - start);
	if (text == NULL)
		return ATT_ENOMEM;
	rc = att_analyze(e->s->an, text, end - start, 0, on_mark, &m, NULL);
	if (rc != ATT_OK) {
		att_free(text);
		att_buf_release(&m.marks);
		return rc == ATT_ENOMEM ? ATT_ENOMEM : ATT_ECORRUPT;
	}
	out->start = start;
	out->end = end;
	out->score = w->score;
	out->text = text;
	out->text_len = end - start;
	out->marks = (const att_mark *)m.marks.p;
	out->nmarks = m.marks.n / sizeof(att_mark);
	return ATT_OK;
}

static att_status build_hit(res_hit *h, eval *e, const cand *c)
{
	const att_segment *seg = &e->s->segs[c->seg];
	att_record rec;
	uint32_t nsent;
	att_status rc;
	size_t i, upto = 0;

	rc = att_segment_names(&rec, seg, c->doc);
	if (rc != ATT_OK) {
		snprintf(e->s->msg, sizeof e->s->msg, "%s.doc: corrupt id or title "
		         "of document %u", seg->path, (unsigned)c->doc);
		return rc;
	}
	h->h.id = att_strndup(rec.id, rec.id_len);
	h->h.title = att_strndup(rec.title, rec.title_len);
	if (h->h.id == NULL || h->h.title == NULL)
		return ATT_ENOMEM;
	h->h.id_len = rec.id_len;
	h->h.title_len = rec.title_len;
	h->h.score = c->score;
	h->h.doc_score = c->doc_score;
	h->h.passage_score = c->passage_score;
	if (e->o->passages == 0 || c->nwin == 0)
		return ATT_OK;
	rc = att_segment_sentences(&e->sents, &e->sentcap, &nsent, seg, c->doc);
	for (i = 0; rc == ATT_OK && i < c->nwin && i < e->o->passages; i++)
		if (c->win[i].last >= nsent)
			rc = ATT_ECORRUPT;
		else if (e->sents[c->win[i].last + 1].byte > upto)
			upto = e->sents[c->win[i].last + 1].byte;
	if (rc == ATT_OK) /* inflate only as far as the passages reach */
		rc = att_segment_fetch_text(&rec, &e->s->cache, seg, c->doc, upto,
		                            e->s->msg, sizeof e->s->msg);
	if (rc != ATT_OK)
		return rc;
	h->passages = att_calloc(c->nwin, sizeof *h->passages);
	if (h->passages == NULL)
		return ATT_ENOMEM;
	for (i = 0; i < c->nwin && i < e->o->passages; i++) {
		rc = build_passage(&h->passages[i], e, &rec, &c->win[i], e->sents);
		if (rc != ATT_OK) {
			if (rc == ATT_ECORRUPT)
				snprintf(e->s->msg, sizeof e->s->msg,
				         "%s: stored text does not match the sentence table"
				         " of document %u", seg->path, (unsigned)c->doc);
			return rc;
		}
		h->h.npassages++;
	}
	return ATT_OK;
}

void att_results_free(att_results *r)
{
	size_t i, k;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		att_free((void *)r->hits[i].h.id);
		att_free((void *)r->hits[i].h.title);
		for (k = 0; r->hits[i].passages && k < r->hits[i].h.npassages; k++) {
			att_free((void *)r->hits[i].passages[k].text);
			att_free((void *)r->hits[i].passages[k].marks);
		}
		att_free(r->hits[i].passages);
	}
	att_free(r->hits);
	att_free(r);
}

size_t att_results_count(const att_results *r)
{
	return r->n;
}

uint64_t att_results_total(const att_results *r)
{
	return r->total;
}

void att_results_hit(att_hit *out, const att_results *r, size_t i)
{
	*out = r->hits[i].h;
}

void att_results_passage(att_passage *out, const att_results *r, size_t i,
                         size_t k)
{
	*out = r->hits[i].passages[k];
}

static void eval_release(eval *e)
{
	uint32_t u;

	for (u = 0; e->pos && u < e->nut; u++)
		att_free(e->pos[u]);
	att_free(e->pos);
	att_free(e->poscap);
	att_free(e->npos);
	att_free(e->ut);
	att_free(e->clause_ut);
	att_free(e->ti);
	att_free(e->found);
	att_free(e->pc);
	att_free(e->present);
	att_free(e->heap);
	att_free(e->sents);
}

static att_status eval_alloc(eval *e)
{
	size_t n = e->q->nterms + 1;

	e->pc = att_calloc(n, sizeof *e->pc);
	e->present = att_calloc(n, sizeof *e->present);
	e->pos = att_calloc(n, sizeof *e->pos);
	e->poscap = att_calloc(n, sizeof *e->poscap);
	e->npos = att_calloc(n, sizeof *e->npos);
	e->heap = att_calloc(e->k + 1, sizeof *e->heap);
	if (!e->pc || !e->present || !e->pos || !e->poscap || !e->npos || !e->heap)
		return eval_err(e, ATT_ENOMEM, NULL);
	return ATT_OK;
}

/* Evaluates, re-ranks and sorts the candidates in e->heap. */
static att_status run(eval *e)
{
	att_status rc;
	uint32_t i;

	rc = collect_terms(e);
	if (rc == ATT_OK)
		rc = eval_alloc(e);
	for (i = 0; rc == ATT_OK && i < e->s->nsegs; i++)
		rc = eval_segment(e, i);
	if (rc == ATT_OK && e->o->passage_weight != 0)
		rc = rerank(e, e->heap, e->nheap);
	if (rc == ATT_OK)
		qsort(e->heap, e->nheap, sizeof *e->heap, cmp_final);
	return rc;
}

static att_status make_results(att_results **out, eval *e)
{
	const att_search_options *o = e->o;
	att_results *r = att_calloc(1, sizeof *r);
	size_t i, from = o->offset, to;
	att_status rc = ATT_OK;

	if (r == NULL)
		return eval_err(e, ATT_ENOMEM, NULL);
	r->total = e->total;
	to = e->nheap < from + o->n ? e->nheap : from + o->n;
	if (from < to) {
		r->hits = att_calloc(to - from, sizeof *r->hits);
		if (r->hits == NULL)
			rc = ATT_ENOMEM;
	}
	if (rc == ATT_OK && o->passage_weight == 0 && o->passages > 0 && from < to)
		rc = rerank(e, &e->heap[from], to - from); /* passages for the page */
	for (i = from; rc == ATT_OK && i < to; i++) {
		r->n++;
		rc = build_hit(&r->hits[i - from], e, &e->heap[i]);
	}
	if (rc != ATT_OK) {
		att_results_free(r);
		return eval_err(e, rc, NULL);
	}
	*out = r;
	return ATT_OK;
}

att_status att_search(att_results **out, att_searcher *s, const char *query,
                      size_t query_len, const att_search_options *opts)
{
	att_search_options defaults;
	att_query q;
	att_status rc;
	eval e;

	*out = NULL;
	s->msg[0] = '\0';
	if (opts == NULL) {
		att_search_options_init(&defaults);
		opts = &defaults;
	}
	if (opts->n > 10000 || opts->offset > 100000 || opts->passages > 8 ||
	    opts->rerank_depth > 100000 || !isfinite(opts->k1) || opts->k1 < 0 ||
	    !isfinite(opts->b) || opts->b < 0 || opts->b > 1 ||
	    !isfinite(opts->passage_weight) || opts->passage_words == 0) {
		snprintf(s->msg, sizeof s->msg, "search option out of range");
		return ATT_EINVAL;
	}
	rc = att_query_parse(&q, s->an, query, query_len, s->msg, sizeof s->msg);
	if (rc != ATT_OK)
		return rc;
	memset(&e, 0, sizeof e);
	e.s = s;
	e.q = &q;
	e.o = opts;
	e.k = opts->offset + opts->n;
	if (opts->passage_weight != 0 && e.k < opts->rerank_depth)
		e.k = opts->rerank_depth;
	if (e.k == 0)
		e.k = 1;
	rc = run(&e);
	if (rc == ATT_OK)
		rc = make_results(out, &e);
	eval_release(&e);
	att_query_release(&q);
	if (rc == ATT_ENOMEM)
		snprintf(s->msg, sizeof s->msg, "out of memory");
	return rc;
}
