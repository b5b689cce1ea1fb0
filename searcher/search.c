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
 * The best rerank_depth of those candidates are then re-ranked: each
 * one's query-term positions are read once, for its best passage (with
 * its sentence table, passage.c) and its term proximity (BM25TP,
 * proximity.c), and its final score is its document score plus
 * passage_weight times its passage score plus proximity_weight times its
 * proximity. The others keep their document score, which is at most
 * that of any re-ranked one, so (the weights being positive) they stay
 * below: the first rerank_depth hits are the same whatever n and offset
 * ask for.
 * Only the page of hits returned is fetched from the store, cut into
 * passages and marked (hits below the depth get their passages then).
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
	att_analyzer *an, *plain;    /* the index's; one that only normalises */
	double avgdl, avgtl;
	att_block_cache cache;
	att_xsearcher *x;            /* the Xapian backend's, or NULL */
	att_field *fields;           /* att_searcher_document's */
	size_t capfields;
	att_syncache syn;            /* the synonyms last used */
	char msg[8192];
};


void att_search_options_init(att_search_options *o)
{
	memset(o, 0, sizeof *o);
	o->n = 10;
	o->passages = 1;
	o->k1 = 1.2;
	o->b = 0.75;
	o->passage_weight = 0.5;
	o->rerank_depth = 30;
	o->passage_words = 50;
	o->title_weight = 1.0;
	o->stop_words = 1;
	o->feedback_terms = 10;
	o->feedback_weight = 0.5;
	o->proximity_weight = 0.5;
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
	att_analyzer_free(s->plain);
	s->an = s->plain = NULL;
	s->cache.seg = NULL;
}

void att_searcher_free(att_searcher *s)
{
	if (s == NULL)
		return;
	searcher_clear(s);
#ifdef ATTACHE_WITH_XAPIAN
	att_xsearcher_free(s->x);
#endif
	att_block_cache_release(&s->cache);
	att_syncache_release(&s->syn);
	att_free(s->fields);
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
	rc = att_analyzer_new(&s->plain, "none");
	if (rc != ATT_OK)
		return rc;
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
	s->avgtl = s->man.docs
	    ? (double)s->man.title_tokens / (double)s->man.docs : 1;
	if (s->avgtl <= 0)
		s->avgtl = 1;
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
#ifdef ATTACHE_WITH_XAPIAN
	if (s->x != NULL)
		return att_xsearcher_reopen(changed, s->x);
#endif
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

/* Opens what PATH holds into S. */
static att_status searcher_open_kind(att_searcher *s, const char *path,
                                     unsigned timeout_ms)
{
	att_index_kind kind = att_index_kind_of(path);

	if (kind == ATT_KIND_NATIVE || kind == ATT_KIND_NONE)
		return searcher_init(s, path);
#ifdef ATTACHE_WITH_XAPIAN
	return att_xsearcher_open(&s->x, path, kind, timeout_ms, s->msg,
	                          sizeof s->msg);
#else
	(void)timeout_ms;
	snprintf(s->msg, sizeof s->msg, "%s holds %s: this attache was built "
	         "without the Xapian backend (ATTACHE_WITH_XAPIAN)", path,
	         att_index_kind_str(kind));
	return ATT_EINVAL;
#endif
}

att_status att_searcher_open(att_searcher **out, const char *path,
                             char **errmsg_out)
{
	return att_searcher_open_timeout(out, path, 10000, errmsg_out);
}

const char *att_searcher_backend(const att_searcher *s)
{
	return s->x != NULL ? "xapian" : "native";
}

static const att_schema *schema_of(const att_searcher *s)
{
#ifdef ATTACHE_WITH_XAPIAN
	if (s->x != NULL)
		return att_xsearcher_schema(s->x);
#endif
	return &s->man.schema;
}

size_t att_searcher_fields(const att_searcher *s)
{
	return schema_of(s)->n;
}

const char *att_searcher_field(const att_searcher *s, size_t i,
                               att_field_type *type)
{
	*type = (att_field_type)schema_of(s)->f[i].type;
	return schema_of(s)->f[i].name;
}

att_status att_searcher_open_timeout(att_searcher **out, const char *path,
                                     unsigned timeout_ms, char **errmsg_out)
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
	rc = searcher_open_kind(s, path, timeout_ms);
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

#ifdef ATTACHE_WITH_XAPIAN
	if (s->x != NULL)
		return att_xsearcher_stats(out, s->x);
#endif
	memset(out, 0, sizeof *out);
	snprintf(out->backend, sizeof out->backend, "native");
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

			if (it.len > 0 && (it.term[0] == ATT_ID_PREFIX ||
			                   it.term[0] == ATT_FIELD_PREFIX))
				continue; /* a document's id or a field's term */
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
		out->bytes_values += g->f[ATT_SEG_VALUES].n;
	}
	return ATT_OK;
}

/* ---- documents by id ------------------------------------------------------ */

/* The live document holding id term TERM (LEN bytes) in segment G, if
 * any: *DOC (0 if none). */
static att_status live_with_term(uint32_t *doc, int *found,
                                 att_searcher *s, const att_segment *g,
                                 const char *term, size_t len)
{
	att_term_info ti;
	att_postings pc;
	att_status rc;
	int has = 0;

	*found = 0;
	rc = att_segment_lookup(&ti, &has, g, term, len, s->msg, sizeof s->msg);
	if (rc != ATT_OK || !has)
		return rc;
	if ((rc = att_postings_init(&pc, g, &ti)) == ATT_OK) {
		for (; pc.doc != ATT_DOC_END; att_postings_next(&pc))
			if (!att_deleted(&g->del, pc.doc)) {
				*doc = pc.doc;
				*found = 1;
				break;
			}
		rc = pc.err ? ATT_ECORRUPT : ATT_OK;
	}
	if (rc == ATT_ECORRUPT)
		att_segment_damage(g, s->msg, sizeof s->msg);
	return rc;
}

att_status att_searcher_document(att_doc *doc, int *found, att_searcher *s,
                                 const char *id, size_t id_len)
{
	char term[ATT_ID_MAX + 1];
	const att_segment *g = NULL;
	att_record rec;
	att_status rc = ATT_OK;
	uint32_t i, d = 0;

	memset(doc, 0, sizeof *doc);
	*found = 0;
	s->msg[0] = '\0';
	if (id_len == 0 || id_len > ATT_ID_MAX) {
		snprintf(s->msg, sizeof s->msg, "document id empty or over %d bytes",
		         ATT_ID_MAX);
		return ATT_EINVAL;
	}
#ifdef ATTACHE_WITH_XAPIAN
	if (s->x != NULL)
		return att_xsearcher_document(doc, found, s->x, id, id_len,
		                              &s->fields, &s->capfields);
#endif
	term[0] = ATT_ID_PREFIX;
	memcpy(term + 1, id, id_len);
	for (i = 0; i < s->nsegs && rc == ATT_OK && !*found; i++)
		rc = live_with_term(&d, found, s, &s->segs[i], term, id_len + 1);
	g = &s->segs[i > 0 ? i - 1 : 0]; /* where the loop stopped */
	if (rc == ATT_OK && *found)
		rc = att_segment_fetch(&rec, &s->cache, g, d, s->msg, sizeof s->msg);
	if (rc == ATT_OK && *found)
		rc = att_doc_from_record(doc, &s->fields, &s->capfields, &rec);
	if (rc != ATT_OK) {
		*found = 0;
		memset(doc, 0, sizeof *doc);
		if (rc == ATT_ECORRUPT && s->msg[0] == '\0')
			snprintf(s->msg, sizeof s->msg, "%s: corrupt record of document "
			         "\"%.*s\"", g->path, (int)id_len, id);
		else if (rc == ATT_ENOMEM)
			snprintf(s->msg, sizeof s->msg, "out of memory");
	}
	return rc;
}

/* ---- evaluation ----------------------------------------------------------- */

typedef struct eval {
	att_searcher *s;
	const att_search_options *o;
	att_match m;
	att_sentence *sents;
	size_t sentcap;
	att_pscratch ps;
} eval;

static att_status eval_err(eval *e, att_status rc, const char *what)
{
	if (rc == ATT_ENOMEM)
		snprintf(e->s->msg, sizeof e->s->msg, "out of memory");
	else if (what != NULL)
		snprintf(e->s->msg, sizeof e->s->msg, "%s", what);
	return rc;
}

/* The documents holding TERM, summed over segments (deletions not
 * subtracted: this only orders a long query's terms). */
static uint64_t term_df(void *ctx, const char *term, size_t len)
{
	const att_searcher *s = ctx;
	uint64_t df = 0;
	uint32_t i;
	char msg[64];

	for (i = 0; i < s->nsegs; i++) {
		att_term_info ti;
		int found = 0;

		if (att_segment_lookup(&ti, &found, &s->segs[i], term, len, msg,
		                       sizeof msg) == ATT_OK && found)
			df += ti.df;
	}
	return df;
}

/* Field names the index has: a typed field it declares, or some segment
 * has a term "\x02NAME:...". */
static int field_exists(void *ctx, const char *name, size_t len)
{
	const att_searcher *s = ctx;
	uint8_t key[ATT_FIELD_NAME_MAX + 2];
	uint32_t i;

	if (att_schema_find(&s->man.schema, name, len) >= 0)
		return 1;
	key[0] = ATT_FIELD_PREFIX;
	memcpy(key + 1, name, len);
	key[len + 1] = ':';
	for (i = 0; i < s->nsegs; i++) {
		att_dict_iter it;
		int has = 0;

		if (att_dict_iter_seek(&it, &s->segs[i], key, len + 2) == ATT_OK &&
		    att_dict_iter_next(&it, &has) == ATT_OK && has &&
		    it.len > len + 2 && memcmp(it.term, key, len + 2) == 0)
			return 1;
	}
	return 0;
}

/* ---- passages and re-ranking ---------------------------------------------- */

/* The final score of C, from its parts. */
static void blend(att_cand *c, const att_search_options *o)
{
	c->score = att_blend(c->doc_score, c->passage_score, c->prox_score, o);
	c->done |= ATT_RR_BLENDED;
}

/* The positive terms' positions in candidate C into PT (*NP of them, in
 * term order); the cursors of C's segment are positioned at or before
 * C's document. */
static att_status cand_terms(eval *e, const att_cand *c, att_pterm *pt,
                             size_t *np)
{
	att_match *m = &e->m;
	uint32_t u;
	att_status rc;

	*np = 0;
	for (u = 0; u < m->net; u++) {
		int32_t sl = m->et[u].slot;

		if (!m->et[u].positive || sl < 0)
			continue;
		pt[*np].n = 0;
		if (m->present[sl] &&
		    att_postings_advance(&m->pc[sl], c->doc) == c->doc) {
			rc = att_match_positions(m, (uint32_t)sl);
			if (rc != ATT_OK)
				return rc;
			pt[*np].n = m->npos[sl];
		}
		pt[*np].pos = m->pos[sl];
		pt[*np].idf = m->et[u].idf;
		(*np)++;
	}
	return ATT_OK;
}

/* C's length over the mean, as its BM25 measures it. */
static double cand_norm(const eval *e, const att_cand *c)
{
	return att_segment_doclen(&e->s->segs[c->seg], c->doc) / e->s->avgdl;
}

/* Finds candidate C's best passages and its proximity, as far as WHAT
 * asks and C does not have them yet; the cursors of C's segment are
 * positioned at or before C's document. The score is left alone. */
static att_status rerank_one(eval *e, att_cand *c, att_pterm *pt, int what)
{
	const att_segment *seg = &e->s->segs[c->seg];
	size_t k = e->o->passages ? e->o->passages : 1, np = 0;
	uint32_t nsent;
	att_status rc;
	int got;

	what &= ~c->done;
	if (what == 0)
		return ATT_OK;
	if (k > 8)
		k = 8;
	rc = cand_terms(e, c, pt, &np);
	if (rc == ATT_OK && (what & ATT_RR_PROXIMITY))
		rc = att_proximity(&c->prox_score, NULL, pt, np, cand_norm(e, c),
		                   e->o->k1, e->o->b, &e->ps);
	if (rc != ATT_OK || !(what & ATT_RR_PASSAGES)) {
		c->done |= what & ATT_RR_PROXIMITY;
		return rc;
	}
	rc = att_segment_sentences_until(&e->sents, &e->sentcap, &nsent, seg,
	                                 c->doc, att_passages_stop(pt, np,
	                                 e->o->passage_words));
	if (rc == ATT_ECORRUPT) {
		snprintf(e->s->msg, sizeof e->s->msg,
		         "%s.sen: corrupt sentence table of document %u", seg->path,
		         (unsigned)c->doc);
		return rc;
	}
	got = att_passages_best(c->win, k, e->sents, nsent, pt, np,
	                        e->o->passage_words, e->o->k1, e->o->b, &e->ps);
	if (got < 0)
		return got;
	c->nwin = (size_t)got;
	c->passage_score = c->nwin ? c->win[0].score : 0;
	c->done |= what;
	return ATT_OK;
}

static int cmp_place(const void *a, const void *b)
{
	const att_cand *x = *(att_cand *const *)a, *y = *(att_cand *const *)b;

	if (x->seg != y->seg)
		return x->seg < y->seg ? -1 : 1;
	return x->doc < y->doc ? -1 : x->doc > y->doc;
}

/* Computes what WHAT asks (RR_) for the N candidates C[0..n), visiting
 * them in index order so that each segment's cursors only move forward. */
static att_status cand_parts(eval *e, att_cand *c, size_t n, int what)
{
	att_cand **order = att_malloc((n + 1) * sizeof *order);
	att_pterm *pt = att_calloc(e->m.net + 1, sizeof *pt);
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
			rc = att_match_open_passages(&e->m, seg);
		}
		if (rc == ATT_OK)
			rc = rerank_one(e, order[i], pt, what);
	}
	if (rc == ATT_ECORRUPT && e->s->msg[0] == '\0' &&
	    !att_segment_damage(&e->s->segs[seg], e->s->msg, sizeof e->s->msg))
		snprintf(e->s->msg, sizeof e->s->msg, "%s: corrupt postings",
		         e->s->segs[seg].path);
	att_free(order);
	att_free(pt);
	return rc;
}

static int cmp_final(const void *a, const void *b, void *segs)
{
	const att_cand *x = a, *y = b;

	return att_cand_worse(segs, x, y) ? 1
	    : att_cand_worse(segs, y, x) ? -1 : 0;
}

/* Re-ranks the candidates (best first by document score): the best
 * rerank_depth get their passages and proximity and a blended score,
 * the others keep their document score; then all are sorted. */
static att_status rerank(eval *e)
{
	att_match *m = &e->m;
	size_t n = m->ncands < e->o->rerank_depth ? m->ncands : e->o->rerank_depth;
	int what = att_rerank_what(e->o);
	att_status rc = ATT_OK;
	size_t i;

	if (what != 0 && n > 0)
		rc = cand_parts(e, m->cands, n, what);
	for (i = 0; rc == ATT_OK && what != 0 && i < n; i++)
		blend(&m->cands[i], e->o);
	if (rc == ATT_OK)
		qsort_r(m->cands, m->ncands, sizeof *m->cands, cmp_final,
		        (void *)m->segs);
	return rc;
}

/* ---- feedback (RM3) ------------------------------------------------------- */

/* RM3 (feedback.c): the model of the best feedback_docs candidates,
 * whose terms join the query as optional terms; then a second run. */
static att_status feedback(eval *e)
{
	const att_search_options *o = e->o;
	att_match *m = &e->m;
	size_t nd = m->ncands < o->feedback_docs ? m->ncands : o->feedback_docs;
	size_t i, nq = 0;
	att_status rc = ATT_OK;
	double sum = 0;
	att_fb fb;
	uint32_t u;

	for (i = 0; i < nd; i++)
		sum += m->cands[i].score;
	for (u = 0; u < m->net; u++)
		nq += m->et[u].positive;
	if (nd == 0 || sum <= 0 || nq == 0 || o->feedback_weight >= 1)
		return ATT_OK;
	att_fb_init(&fb);
	for (i = 0; i < nd && rc == ATT_OK; i++) {
		const att_cand *c = &m->cands[i];
		att_record rec;

		rc = att_segment_fetch(&rec, &e->s->cache, &e->s->segs[c->seg],
		                       c->doc, e->s->msg, sizeof e->s->msg);
		if (rc == ATT_OK)
			rc = att_fb_add(&fb, e->s->an, &rec, c->score / sum);
	}
	if (rc == ATT_OK)
		rc = att_fb_finish(&fb, nq, o->feedback_terms, o->feedback_weight);
	if (rc == ATT_OK && fb.n > 0) {
		rc = att_match_expand(m, fb.terms, fb.lens, fb.w, fb.n);
		if (rc == ATT_OK)
			rc = att_match_prepare(m);
		if (rc == ATT_OK)
			rc = att_match_run(m);
	}
	att_fb_release(&fb);
	if (rc == ATT_ECORRUPT && e->s->msg[0] == '\0')
		snprintf(e->s->msg, sizeof e->s->msg,
		         "feedback: a stored document does not analyse");
	return rc == ATT_ENOMEM ? eval_err(e, rc, NULL) : rc;
}

/* ---- results --------------------------------------------------------------- */

/* Is T one of the positive query terms? (att_passage_cut's test; CTX is
 * the eval) */
static int eval_marks(void *ctx, const char *t, size_t n)
{
	const eval *e = ctx;
	uint32_t u;

	for (u = 0; u < e->m.net; u++)
		if (e->m.et[u].positive && e->m.et[u].len == n &&
		    memcmp(e->m.et[u].text, t, n) == 0)
			return 1;
	return 0;
}

/* Appends how C's proximity score was made: each positive term's
 * accumulator and part (the cursors are reopened for C's segment). */
static att_status explain_proximity(eval *e, const att_cand *c, att_buf *b)
{
	att_pterm *pt = att_calloc(e->m.net + 1, sizeof *pt);
	att_prox *per = att_calloc(e->m.net + 1, sizeof *per);
	double norm = cand_norm(e, c), sum = 0;
	att_status rc = pt && per ? ATT_OK : ATT_ENOMEM;
	size_t np = 0, i = 0;
	uint32_t u;

	if (rc == ATT_OK)
		rc = att_match_open_passages(&e->m, c->seg);
	if (rc == ATT_OK)
		rc = cand_terms(e, c, pt, &np);
	if (rc == ATT_OK)
		rc = att_proximity(&sum, per, pt, np, norm, e->o->k1, e->o->b,
		                   &e->ps);
	if (rc == ATT_OK)
		att_buf_printf(b, "proximity: BM25TP k1 %g b %g, length %u, "
		               "avg %.1f\n", e->o->k1, e->o->b,
		               (unsigned)att_segment_doclen(&e->s->segs[c->seg],
		                                            c->doc), e->s->avgdl);
	for (u = 0; rc == ATT_OK && u < e->m.net; u++) {
		if (!e->m.et[u].positive || e->m.et[u].slot < 0)
			continue;
		if (per[i].acc > 0)
			att_buf_printf(b, "  %.4f  %s: idf %.4f, tf %u, acc %.4f\n",
			               per[i].score, e->m.et[u].text, pt[i].idf,
			               (unsigned)pt[i].n, per[i].acc);
		i++;
	}
	att_free(pt);
	att_free(per);
	return rc;
}

static att_status explain_hit(att_res_hit *h, eval *e, const att_cand *c)
{
	att_buf b;
	att_status rc;

	att_buf_init(&b);
	if (att_rerank_what(e->o) && !(c->done & ATT_RR_BLENDED))
		att_buf_printf(&b, "%.4f = %.4f document (not re-ranked: below the "
		               "re-rank depth %zu)", c->score, c->doc_score,
		               e->o->rerank_depth);
	else
		att_buf_printf(&b, "%.4f = %.4f document + %g x %.4f passage",
		               c->score, c->doc_score, e->o->passage_weight,
		               c->passage_score);
	if (c->done & ATT_RR_PROXIMITY)
		att_buf_printf(&b, " + %g x %.4f proximity", e->o->proximity_weight,
		               c->prox_score);
	att_buf_printf(&b, "\n");
	rc = att_match_explain(&e->m, c->seg, c->doc, &b);
	if (rc == ATT_OK && c->nwin > 0)
		att_buf_printf(&b, "passage: sentences %u-%u, BM25 over a window "
		               "normalised to %zu words\n", (unsigned)c->win[0].first,
		               (unsigned)c->win[0].last, e->o->passage_words);
	if (rc == ATT_OK && (c->done & ATT_RR_PROXIMITY))
		rc = explain_proximity(e, c, &b);
	if (rc == ATT_OK && b.rc == ATT_OK) {
		att_buf_putc(&b, '\0');
		if (b.rc == ATT_OK) {
			h->h.explanation = (const char *)b.p;
			return ATT_OK;
		}
	}
	att_buf_release(&b);
	return rc != ATT_OK ? rc : ATT_ENOMEM;
}

/* One typed value of a hit while its list is made: offsets into the
 * text being gathered. */
typedef struct hit_value {
	size_t name, value, len;
	att_field_type type;
	double number;
} hit_value;

static void put_value(att_buf *text, att_buf *vals, const char *name,
                      att_field_type type, const char *v, size_t len,
                      double number)
{
	hit_value hv;

	hv.name = text->n;
	att_buf_append(text, name, strlen(name) + 1);
	hv.value = text->n;
	hv.len = len;
	att_buf_append(text, v, len);
	att_buf_putc(text, 0);
	hv.type = type;
	hv.number = number;
	att_buf_append(vals, &hv, sizeof hv);
}

/* The typed-field values of document DOC of SEG, from its columns. */
att_status att_hit_fields(att_res_hit *h, const att_schema *sc,
                          const att_segment *seg, uint32_t doc)
{
	att_buf text, vals;
	att_status rc = ATT_OK;
	uint32_t f;
	size_t i, n;

	att_buf_init(&text);
	att_buf_init(&vals);
	for (f = 0; rc == ATT_OK && f < sc->n; f++) {
		int ci = att_segment_column_find(seg, sc->f[f].name, sc->f[f].len);
		const att_valcol *c;
		char num[64];
		uint64_t key, first, k;
		uint32_t nv, ord;

		if (ci < 0 || att_segment_column(&c, seg, (uint32_t)ci) != ATT_OK) {
			rc = ATT_ECORRUPT;
			break;
		}
		if (c->type == ATT_FIELD_DATE && att_valcol_num(&key, c, doc)) {
			int64_t t = att_date_of_key(key);

			put_value(&text, &vals, c->name, ATT_FIELD_DATE, num,
			          att_date_format(num, sizeof num, t), (double)t);
		} else if (c->type == ATT_FIELD_NUMBER && att_valcol_num(&key, c, doc)) {
			double x = att_number_of_key(key);

			put_value(&text, &vals, c->name, ATT_FIELD_NUMBER, num,
			          att_number_format(num, sizeof num, x), x);
		} else if (c->type == ATT_FIELD_KEYWORD) {
			rc = att_valcol_doc(&first, &nv, c, doc);
			for (k = 0; rc == ATT_OK && k < nv; k++) {
				const uint8_t *p;
				size_t len;

				rc = att_valcol_ord(&ord, c, first + k);
				if (rc == ATT_OK)
					rc = att_valcol_value(&p, &len, c, ord);
				if (rc == ATT_OK)
					put_value(&text, &vals, c->name, ATT_FIELD_KEYWORD,
					          (const char *)p, len, 0);
			}
		}
	}
	n = vals.n / sizeof(hit_value);
	if (rc == ATT_OK && (text.rc != ATT_OK || vals.rc != ATT_OK))
		rc = ATT_ENOMEM;
	if (rc == ATT_OK && n > 0) {
		h->fields = att_calloc(n, sizeof *h->fields);
		if (h->fields == NULL)
			rc = ATT_ENOMEM;
	}
	if (rc == ATT_OK && n > 0) {
		h->fieldtext = (char *)text.p; /* the text moves to the hit */
		text.p = NULL;
		for (i = 0; i < n; i++) {
			const hit_value *hv = (const hit_value *)vals.p + i;

			h->fields[i].name = h->fieldtext + hv->name;
			h->fields[i].type = hv->type;
			h->fields[i].value = h->fieldtext + hv->value;
			h->fields[i].value_len = hv->len;
			h->fields[i].number = hv->number;
		}
		h->h.nfields = n;
	}
	att_buf_release(&text);
	att_buf_release(&vals);
	return rc;
}

static att_status build_hit(att_res_hit *h, eval *e, const att_cand *c)
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
	h->h.proximity_score = c->prox_score;
	if (e->s->man.schema.n > 0 &&
	    (rc = att_hit_fields(h, &e->s->man.schema, seg, c->doc)) != ATT_OK) {
		if (rc == ATT_ECORRUPT)
			snprintf(e->s->msg, sizeof e->s->msg, "%s.val: corrupt column of "
			         "document %u", seg->path, (unsigned)c->doc);
		return rc;
	}
	if (e->o->explain && (rc = explain_hit(h, e, c)) != ATT_OK)
		return rc;
	if (e->o->passages == 0 || c->nwin == 0)
		return ATT_OK;
	rc = att_segment_sentences(&e->sents, &e->sentcap, &nsent, seg, c->doc);
	for (i = 0; rc == ATT_OK && i < c->nwin && i < e->o->passages; i++)
		if (c->win[i].last >= nsent)
			rc = ATT_ECORRUPT;
		else if (e->sents[c->win[i].last + 1].byte > upto)
			upto = e->sents[c->win[i].last + 1].byte;
	if (rc == ATT_OK) /* read only as far as the passages reach */
		rc = att_segment_fetch_text(&rec, &e->s->cache, seg, c->doc, upto,
		                            e->s->msg, sizeof e->s->msg);
	if (rc != ATT_OK)
		return rc;
	h->passages = att_calloc(c->nwin, sizeof *h->passages);
	if (h->passages == NULL)
		return ATT_ENOMEM;
	for (i = 0; i < c->nwin && i < e->o->passages; i++) {
		rc = att_passage_cut(&h->passages[i], e->s->an, &rec, &c->win[i],
		                     e->sents, eval_marks, e);
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
		att_free((void *)r->hits[i].h.explanation);
		for (k = 0; r->hits[i].passages && k < r->hits[i].h.npassages; k++) {
			att_free((void *)r->hits[i].passages[k].text);
			att_free((void *)r->hits[i].passages[k].marks);
		}
		att_free(r->hits[i].passages);
		att_free(r->hits[i].fields);
		att_free(r->hits[i].fieldtext);
	}
	att_free(r->hits);
	att_free(r->query);
	att_free(r->suggestion);
	att_facet_res_free(r->facets, r->nfacets);
	att_free(r);
}

att_status att_results_describe(att_results *r, const att_query *q,
                                 int explain)
{
	att_buf b;

	r->notes = q->notes;
	if (!explain)
		return ATT_OK;
	att_buf_init(&b);
	att_query_render(&b, q);
	att_buf_putc(&b, '\0');
	if (b.rc != ATT_OK) {
		att_buf_release(&b);
		return ATT_ENOMEM;
	}
	r->query = (char *)b.p;
	return ATT_OK;
}

att_status att_results_nothing(att_results **out, const att_query *q,
                               int explain)
{
	att_results *r = att_calloc(1, sizeof *r);

	if (r == NULL)
		return ATT_ENOMEM;
	r->exact = 1;
	if (att_results_describe(r, q, explain) != ATT_OK) {
		att_results_free(r);
		return ATT_ENOMEM;
	}
	*out = r;
	return ATT_OK;
}

size_t att_results_notes(const att_results *r)
{
	return r->notes.n;
}

const char *att_results_note(const att_results *r, size_t i)
{
	return r->notes.text[i];
}

const char *att_results_suggestion(const att_results *r)
{
	return r->suggestion;
}

const char *att_results_query(const att_results *r)
{
	return r->query;
}

size_t att_results_count(const att_results *r)
{
	return r->n;
}

uint64_t att_results_total(const att_results *r)
{
	return r->total;
}

int att_results_total_exact(const att_results *r)
{
	return r->exact;
}

void att_results_hit(att_hit *out, const att_results *r, size_t i)
{
	*out = r->hits[i].h;
}

void att_results_field(att_hit_field *out, const att_results *r, size_t i,
                       size_t k)
{
	*out = r->hits[i].fields[k];
}

size_t att_results_facets(const att_results *r)
{
	return r->nfacets;
}

const char *att_results_facet(const att_results *r, size_t i, size_t *nvalues)
{
	*nvalues = r->facets[i].n;
	return r->facets[i].name;
}

void att_results_facet_value(att_facet_value *out, const att_results *r,
                             size_t i, size_t k)
{
	*out = r->facets[i].values[k];
}

void att_results_passage(att_passage *out, const att_results *r, size_t i,
                         size_t k)
{
	*out = r->hits[i].passages[k];
}

/* Evaluates, re-ranks and sorts the candidates in e->m.heap. */
static uint64_t live_df(void *ctx, const char *term, size_t len)
{
	const att_searcher *s = ctx;
	char msg[64];

	return att_segments_live_df(s->segs, s->nsegs, term, len, msg, sizeof msg);
}

static att_status near_terms(void *ctx, const char *term, size_t len,
                             unsigned edits, int nearest, att_fz_set *set)
{
	att_searcher *s = ctx;

	return att_segments_near(s->segs, s->nsegs, term, len, edits, nearest,
	                         set, s->msg, sizeof s->msg);
}

/* Did you mean, for results R of Q. */
static att_status suggest(att_results *r, att_searcher *s, const att_query *q)
{
	att_suggest_env env;

	memset(&env, 0, sizeof env);
	env.an = s->an;
	env.plain = s->plain;
	env.df = live_df;
	env.near = near_terms;
	env.ctx = s;
	return att_suggest(&r->suggestion, q, &env,
	                   r->exact && r->total < ATT_SUGGEST_FEW);
}

static att_status run(eval *e, const att_query *q)
{
	att_match *m = &e->m;
	att_status rc;

	rc = att_match_build(m, q);
	if (rc == ATT_OK)
		rc = att_match_prepare(m);
	if (rc == ATT_OK)
		rc = att_match_run(m);
	if (rc == ATT_OK && e->o->feedback_docs > 0 && m->sort_field != NULL)
		att_note(m->notes, "feedback is not used when sorting by a field");
	else if (rc == ATT_OK && e->o->feedback_docs > 0) {
		rc = rerank(e);
		if (rc == ATT_OK)
			rc = feedback(e);
	}
	if (rc == ATT_OK)
		rc = rerank(e);
	return rc;
}

static att_status make_results(att_results **out, eval *e)
{
	const att_search_options *o = e->o;
	att_results *r = att_calloc(1, sizeof *r);
	att_match *m = &e->m;
	size_t i, from = o->offset, to;
	att_status rc = ATT_OK;

	if (r == NULL)
		return eval_err(e, ATT_ENOMEM, NULL);
	r->total = m->total;
	r->exact = !m->pruned;
	to = m->ncands < from + o->n ? m->ncands : from + o->n;
	if (from < to) {
		r->hits = att_calloc(to - from, sizeof *r->hits);
		if (r->hits == NULL)
			rc = ATT_ENOMEM;
	}
	if (rc == ATT_OK && o->passages > 0 && from < to) /* those not re-ranked */
		rc = cand_parts(e, &m->cands[from], to - from, ATT_RR_PASSAGES);
	for (i = from; rc == ATT_OK && i < to; i++) {
		r->n++;
		rc = build_hit(&r->hits[i - from], e, &m->cands[i]);
	}
	if (rc != ATT_OK) {
		att_results_free(r);
		return eval_err(e, rc, NULL);
	}
	*out = r;
	return ATT_OK;
}

/* O->sort as a field of SC and a direction: 0, with *FIELD NULL for
 * relevance; or -1 with the reason in MSG. */
int att_sort_spec(const char **field, int *desc, const att_schema *sc,
                  const char *sort, char *msg, size_t msgcap)
{
	char low[ATT_FIELD_NAME_MAX + 1];
	const char *colon;
	size_t n, ln;
	int f = -1;

	*field = NULL;
	*desc = 0;
	if (sort == NULL || strcmp(sort, "relevance") == 0 ||
	    strcmp(sort, "relevance:desc") == 0)
		return 0;
	colon = strrchr(sort, ':');
	n = colon != NULL ? (size_t)(colon - sort) : strlen(sort);
	if (colon != NULL && strcmp(colon, ":asc") != 0 &&
	    strcmp(colon, ":desc") != 0) {
		snprintf(msg, msgcap, "sort \"%.64s\": give FIELD, FIELD:asc or "
		         "FIELD:desc", sort);
		return -1;
	}
	*desc = colon != NULL && strcmp(colon, ":desc") == 0;
	ln = att_field_name(low, sort, n);
	if (sc != NULL && ln > 0)
		f = att_schema_find(sc, low, ln);
	if (f < 0) {
		snprintf(msg, msgcap, "sort \"%.64s\": no date or number field "
		         "\"%.*s\" is declared", sort, (int)(n > 32 ? 32 : n), sort);
		return -1;
	}
	if (sc->f[f].type == ATT_FIELD_KEYWORD) {
		snprintf(msg, msgcap, "sort \"%.64s\": \"%s\" is a keyword field; "
		         "sort by a date or number field", sort, sc->f[f].name);
		return -1;
	}
	*field = sc->f[f].name;
	return 0;
}

static int options_ok(const att_search_options *o)
{
	return o->n <= 10000 && o->offset <= 100000 && o->passages <= 8 &&
	    o->rerank_depth <= 100000 && isfinite(o->k1) && o->k1 >= 0 &&
	    isfinite(o->b) && o->b >= 0 && o->b <= 1 &&
	    isfinite(o->passage_weight) && o->passage_words > 0 &&
	    isfinite(o->title_weight) && o->title_weight >= 0 &&
	    o->title_weight <= 100 && o->feedback_docs <= 1000 &&
	    o->feedback_terms <= 64 && isfinite(o->feedback_weight) &&
	    o->feedback_weight > 0 && o->feedback_weight <= 1 &&
	    isfinite(o->proximity_weight) && o->proximity_weight >= 0 &&
	    o->nfilters <= ATT_SEARCH_MAX_FILTERS &&
	    (o->nfilters == 0 || o->filters != NULL);
}

att_status att_search(att_results **out, att_searcher *s, const char *query,
                      size_t query_len, const att_search_options *opts)
{
	att_search_options defaults;
	const char *sort_field;
	att_facets *facets = NULL;
	int sort_desc;
	att_parse_env env;
	att_query q;
	att_status rc;
	eval e;

	*out = NULL;
	s->msg[0] = '\0';
	if (opts == NULL) {
		att_search_options_init(&defaults);
		opts = &defaults;
	}
	if (!options_ok(opts)) {
		snprintf(s->msg, sizeof s->msg, "search option out of range");
		return ATT_EINVAL;
	}
#ifdef ATTACHE_WITH_XAPIAN
	if (s->x != NULL)
		return att_xsearch(out, s->x, query, query_len, opts);
#endif
	memset(&env, 0, sizeof env);
	env.an = s->an;
	env.plain = s->plain;
	env.default_and = opts->require_all;
	env.stop_words = opts->stop_words && strcmp(s->man.language, "english") == 0;
	env.field_exists = field_exists;
	env.term_df = term_df;
	env.ctx = s;
	env.schema = &s->man.schema;
	env.syntax = opts->syntax;
	if (!opts->no_synonyms) {
		char path[4096];

		if (att_synonyms_path(path, sizeof path, s->dir) != 0)
			path[0] = '\0';
		rc = att_syncache_get(&env.synonyms, &s->syn, s->an,
		                      strcmp(s->man.language, "english") == 0,
		                      path[0] ? path : NULL,
		                      opts->synonyms, s->msg, sizeof s->msg);
		if (rc != ATT_OK)
			return rc;
	}
	if (att_sort_spec(&sort_field, &sort_desc, &s->man.schema, opts->sort,
	                  s->msg, sizeof s->msg) != 0)
		return ATT_EINVAL;
	rc = att_facets_new(&facets, &s->man.schema, opts->facets, opts->nfacets,
	                    s->msg, sizeof s->msg);
	if (rc != ATT_OK)
		return rc;
	rc = att_query_parse_filtered(&q, &env, query, query_len, opts->filters,
	                              opts->nfilters, s->msg, sizeof s->msg);
	if (rc == ATT_EEMPTY && opts->syntax != ATT_SYNTAX_STRICT)
		rc = att_results_nothing(out, &q, opts->explain);
	if (rc == ATT_OK && *out != NULL && facets != NULL &&
	    att_facets_results(&(*out)->facets, &(*out)->nfacets, facets) != ATT_OK) {
		att_results_free(*out);   /* nothing searched: facets of none */
		*out = NULL;
		rc = ATT_ENOMEM;
	}
	if (rc != ATT_OK || *out != NULL) {
		att_facets_free(facets);
		return rc;
	}
	memset(&e, 0, sizeof e);
	e.s = s;
	e.o = opts;
	e.m.segs = s->segs;
	e.m.nsegs = s->nsegs;
	e.m.docs = s->man.docs;
	e.m.avgdl = s->avgdl;
	e.m.avgtl = s->avgtl;
	e.m.k1 = opts->k1;
	e.m.b = opts->b;
	e.m.title_weight = opts->title_weight;
	e.m.stop_words = env.stop_words;
	e.m.prune = !opts->exhaustive && sort_field == NULL && facets == NULL;
	e.m.facets = facets;
	e.m.sort_field = sort_field;
	e.m.sort_desc = sort_desc;
	e.m.forgive = opts->syntax != ATT_SYNTAX_STRICT;
	e.m.notes = &q.notes;
	e.m.an = s->an;
	e.m.plain = s->plain;
	e.m.msg = s->msg;
	e.m.msgcap = sizeof s->msg;
	e.m.k = opts->offset + opts->n;
	if (att_rerank_what(opts) && e.m.k < opts->rerank_depth)
		e.m.k = opts->rerank_depth;
	if (opts->feedback_docs > e.m.k)
		e.m.k = opts->feedback_docs;
	if (e.m.k == 0)
		e.m.k = 1;
	rc = run(&e, &q);
	if (rc == ATT_OK)
		rc = make_results(out, &e);
	if (rc == ATT_OK && facets != NULL &&
	    att_facets_results(&(*out)->facets, &(*out)->nfacets, facets) != ATT_OK) {
		att_results_free(*out);
		*out = NULL;
		rc = ATT_ENOMEM;
	}
	att_facets_free(facets);
	if (rc == ATT_OK && att_results_describe(*out, &q, opts->explain) != ATT_OK) {
		att_results_free(*out);
		*out = NULL;
		rc = ATT_ENOMEM;
	}
	if (rc == ATT_OK && (rc = suggest(*out, s, &q)) != ATT_OK) {
		att_results_free(*out);
		*out = NULL;
	}
	att_match_release(&e.m);
	att_free(e.sents);
	att_pscratch_release(&e.ps);
	att_query_release(&q);
	if (rc == ATT_ENOMEM)
		snprintf(s->msg, sizeof s->msg, "out of memory");
	return rc;
}
