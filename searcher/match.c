/*
 * match.c: evaluating a parsed query over the segments.
 *
 * The parsed tree (query.c) becomes a tree of evaluation nodes over a
 * table of distinct terms: prefixes are expanded against the
 * dictionaries, optional stop words are dropped when something else is
 * searched for, and each term gets its global statistics (document
 * frequency over every segment, less deleted documents, hence its idf).
 *
 * Evaluation is document-at-a-time, one segment after another, with
 * iterators in the manner of Lucene's scorers: each node can move to the
 * first document at or after a target that it matches (a term: its
 * postings; a phrase or NEAR window: its terms' intersection, then their
 * positions; a group: a galloping intersection of its required members,
 * or the union of its optional ones, then its exclusions), score a
 * document it matches, and bound the score any document of a range can
 * get from the skip tables' per-block maxima (highest tf, highest title
 * tf, shortest document) without decoding anything.
 *
 * Two drivers fill the top-k heap. A group of optional members (the
 * usual ranked query) runs block-max MaxScore: members sorted by their
 * best possible score; those whose bounds together cannot beat the
 * heap's k-th score are "non-essential" and only looked at for the
 * candidates the others produce, and a candidate is dropped as soon as
 * its known score plus the remaining members' block bounds cannot beat
 * it. Any other tree runs block-max skipping: whole blocks whose bound
 * cannot beat the k-th score are jumped. Either way a candidate that
 * survives gets the score exhaustive evaluation gives it, summed in the
 * same order, so pruning changes which documents are looked at, never a
 * score: the top k are those exhaustive evaluation gives (tests and the
 * query fuzzer compare them).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "searcher.h"

/* Pruning compares bounds with scores summed in other orders: leave
 * room for rounding. */
static int beats(double bound, double theta)
{
	return bound > theta - 1e-9 * fabs(theta) - 1e-12;
}

static att_status merr(att_match *m, att_status rc, const char *what)
{
	if (rc == ATT_ENOMEM)
		snprintf(m->msg, m->msgcap, "out of memory");
	else if (what != NULL)
		snprintf(m->msg, m->msgcap, "%s", what);
	return rc;
}

/* ---- the term table -------------------------------------------------------- */

/* Index of term TEXT in the table, added if new; -1 on ENOMEM. */
static int32_t intern(att_match *m, const char *text, size_t len,
                      enum att_et_kind kind)
{
	uint32_t u;
	char *copy;

	for (u = 0; u < m->net; u++)
		if (m->et[u].len == len && memcmp(m->et[u].text, text, len) == 0)
			return (int32_t)u;
	if (m->net == m->capet) {
		uint32_t cap = m->capet ? m->capet * 2 : 16;
		att_eterm *p = att_realloc(m->et, cap * sizeof *p);

		if (p == NULL)
			return -1;
		m->et = p;
		m->capet = cap;
	}
	copy = att_strndup(text, len);
	if (copy == NULL)
		return -1;
	memset(&m->et[m->net], 0, sizeof m->et[m->net]);
	m->et[m->net].text = copy;
	m->et[m->net].len = len;
	m->et[m->net].kind = kind;
	m->et[m->net].slot = -1;
	return (int32_t)m->net++;
}

/* A new slot reading eterm U; -1 on ENOMEM, -2 past the limit. */
static int32_t new_slot(att_match *m, uint32_t u)
{
	if (m->nslots == ATT_MATCH_MAX_SLOTS)
		return -2;
	if (m->nslots == m->capslots) {
		uint32_t cap = m->capslots ? m->capslots * 2 : 16;
		uint32_t *a = att_realloc(m->slot_u, cap * sizeof *a);
		int32_t *b;

		if (a == NULL)
			return -1;
		m->slot_u = a;
		b = att_realloc(m->slot_title, cap * sizeof *b);
		if (b == NULL)
			return -1;
		m->slot_title = b;
		m->capslots = cap;
	}
	m->slot_u[m->nslots] = u;
	m->slot_title[m->nslots] = -1;
	return (int32_t)m->nslots++;
}

static att_status slot_err(att_match *m, int32_t v)
{
	char what[80];

	if (v != -2)
		return merr(m, ATT_ENOMEM, NULL);
	snprintf(what, sizeof what, "query expands to more than %d terms",
	         ATT_MATCH_MAX_SLOTS);
	return merr(m, ATT_ELIMIT, what);
}

/* A slot over term TEXT; -1 on ENOMEM, -2 past the limit. */
static int32_t term_slot(att_match *m, const char *text, size_t len,
                         enum att_et_kind kind)
{
	int32_t u = intern(m, text, len, kind);

	return u < 0 ? u : new_slot(m, (uint32_t)u);
}

static enum att_et_kind kind_of(const char *text, size_t len)
{
	static const char title[] = "\x02title:";

	if (len == 0 || text[0] != ATT_FIELD_PREFIX)
		return ATT_ET_TEXT;
	if (len >= sizeof title - 1 && memcmp(text, title, sizeof title - 1) == 0)
		return ATT_ET_TITLE;
	return ATT_ET_FIELD;
}

/* ---- building the evaluation tree ------------------------------------------ */

static att_enode *new_enode(att_match *m)
{
	att_enode *n = att_calloc(1, sizeof *n);

	if (n == NULL)
		return NULL;
	n->next_alloc = m->all;
	m->all = n;
	n->boost = 1;
	return n;
}

static int cmp_pfx_df(const void *a, const void *b)
{
	const att_pfx_term *x = a, *y = b;

	if (x->df != y->df)
		return x->df > y->df ? -1 : 1;
	return strcmp(x->text, y->text);
}

void att_prefix_keep(att_pfx_term *v, size_t *n)
{
	size_t i;

	qsort(v, *n, sizeof *v, cmp_pfx_df);
	for (i = ATT_PREFIX_KEEP; i < *n; i++)
		att_free(v[i].text);
	if (*n > ATT_PREFIX_KEEP)
		*n = ATT_PREFIX_KEEP;
}

static int cmp_pfx_text(const void *a, const void *b)
{
	const att_pfx_term *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->text, y->text, n);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* The live document frequency of an entry of segment SEG. */
static uint64_t live_df(const att_segment *seg, const char *term, size_t len,
                        uint32_t df)
{
	const att_del_adj *a = att_deletes_find(&seg->del, term, len);

	return df - (a && a->ddf <= df ? a->ddf : 0);
}

/* The terms starting with PREFIX over every segment, with their live
 * document frequencies, most frequent first; at most ATT_PREFIX_KEEP. */
static att_status expand_prefix(att_match *m, const char *prefix, size_t plen,
                                size_t column, att_pfx_term **out, size_t *nout)
{
	att_pfx_term *v = NULL;
	size_t n = 0, cap = 0, scanned = 0, i, j;
	att_status rc = ATT_OK;
	uint32_t s;

	for (s = 0; s < m->nsegs && rc == ATT_OK; s++) {
		att_dict_iter it;
		int has;

		rc = att_dict_iter_seek(&it, &m->segs[s], (const uint8_t *)prefix,
		                        plen);
		while (rc == ATT_OK &&
		       (rc = att_dict_iter_next(&it, &has)) == ATT_OK && has &&
		       it.len >= plen && memcmp(it.term, prefix, plen) == 0) {
			uint64_t df = live_df(&m->segs[s], (const char *)it.term,
			                      it.len, it.ti.df);

			if (++scanned > ATT_PREFIX_SCAN) {
				char what[128];

				snprintf(what, sizeof what, "column %zu: a prefix matches"
				         " more than %d terms", column, ATT_PREFIX_SCAN);
				rc = merr(m, ATT_ELIMIT, what);
				break;
			}
			if (df == 0)
				continue;
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 64;
				att_pfx_term *p = att_realloc(v, nc * sizeof *p);

				if (p == NULL) {
					rc = ATT_ENOMEM;
					break;
				}
				v = p;
				cap = nc;
			}
			v[n].text = att_strndup((const char *)it.term, it.len);
			v[n].len = it.len;
			v[n].df = df;
			if (v[n].text == NULL) {
				rc = ATT_ENOMEM;
				break;
			}
			n++;
		}
		if (rc == ATT_ECORRUPT && m->msg[0] == '\0')
			snprintf(m->msg, m->msgcap, "%s.dic: corrupt dictionary",
			         m->segs[s].path);
	}
	if (rc == ATT_OK && n > 0) {
		/* one entry per term, frequencies summed over segments */
		qsort(v, n, sizeof *v, cmp_pfx_text);
		for (i = 0, j = 0; i < n; i++) {
			if (j > 0 && cmp_pfx_text(&v[j - 1], &v[i]) == 0) {
				v[j - 1].df += v[i].df;
				att_free(v[i].text);
				continue;
			}
			v[j++] = v[i];
		}
		n = j;
		att_prefix_keep(v, &n);
	}
	if (rc != ATT_OK) {
		for (i = 0; i < n; i++)
			att_free(v[i].text);
		att_free(v);
		return rc == ATT_ENOMEM ? merr(m, rc, NULL) : rc;
	}
	*out = v;
	*nout = n;
	return ATT_OK;
}

static att_status leaf_terms(att_match *m, att_enode *n, const att_query *q,
                             const att_qnode *qn)
{
	uint32_t i, j;

	n->t = att_calloc(qn->n + 1, sizeof *n->t);
	if (n->t == NULL)
		return merr(m, ATT_ENOMEM, NULL);
	for (i = 0; i < qn->n; i++) {
		const att_qterm *t = &q->terms[qn->first + i];
		int32_t u = intern(m, t->text, t->len, kind_of(t->text, t->len)), sl;

		if (u < 0)
			return merr(m, ATT_ENOMEM, NULL);
		if (qn->kind == ATT_Q_NEAR) { /* a window needs each term once */
			for (j = 0; j < n->nt; j++)
				if (m->slot_u[n->t[j]] == (uint32_t)u)
					break;
			if (j < n->nt)
				continue;
		}
		sl = new_slot(m, (uint32_t)u);
		if (sl < 0)
			return slot_err(m, sl);
		n->t[n->nt++] = (uint32_t)sl;
	}
	if (qn->kind == ATT_Q_NEAR && n->nt == 1)
		n->kind = ATT_Q_TERM;
	return ATT_OK;
}

static att_status build_node(att_match *m, att_enode **out, const att_query *q,
                             uint32_t qi);

/* A prefix becomes a group of the terms it expands to, each optional.
 * Forgiving, one covering more than ATT_PREFIX_SCAN terms is searched as
 * the word it starts with. */
static att_status build_prefix(att_match *m, att_enode *n, const att_query *q,
                               const att_qnode *qn)
{
	const att_qterm *t = &q->terms[qn->first];
	att_pfx_term *v = NULL;
	size_t nv = 0, i;
	att_status rc = expand_prefix(m, t->text, t->len, qn->column, &v, &nv);

	if (rc == ATT_ELIMIT && m->forgive) {
		att_note(m->notes, "%.*s* matches too many words: searched as a word",
		         (int)(t->len > 40 ? 40 : t->len), t->text);
		m->msg[0] = '\0';
		return leaf_terms(m, n, q, qn);
	}
	n->kind = ATT_Q_BOOL;
	if (rc == ATT_OK && nv > 0) {
		n->kids = att_calloc(nv, sizeof *n->kids);
		if (n->kids == NULL)
			rc = merr(m, ATT_ENOMEM, NULL);
	}
	for (i = 0; i < nv && rc == ATT_OK; i++) {
		att_enode *k = new_enode(m);
		int32_t u;

		if (k == NULL || (k->t = att_calloc(1, sizeof *k->t)) == NULL) {
			rc = merr(m, ATT_ENOMEM, NULL);
			break;
		}
		u = term_slot(m, v[i].text, v[i].len, kind_of(v[i].text, v[i].len));
		if (u < 0) {
			rc = slot_err(m, u);
			break;
		}
		k->kind = ATT_Q_TERM;
		k->occur = ATT_SHOULD;
		k->t[0] = (uint32_t)u;
		k->nt = 1;
		k->column = qn->column;
		n->kids[n->nkids++] = k;
		n->nshould++;
	}
	for (i = 0; i < nv; i++)
		att_free(v[i].text);
	att_free(v);
	return rc;
}

/* ---- fuzzy words --------------------------------------------------------- */

typedef struct fz_walk {
	att_fz_set set;
	const att_segment *seg;
} fz_walk;

static att_status fz_emit(void *ctx, const uint8_t *t, size_t len, uint64_t df,
                          unsigned dist)
{
	fz_walk *w = ctx;

	return att_fz_add(&w->set, t, len,
	                  live_df(w->seg, (const char *)t, len, df), dist);
}

att_status att_segments_near(const att_segment *segs, uint32_t nsegs,
                             const char *text, size_t len, unsigned edits,
                             int nearest, att_fz_set *set, char *msg,
                             size_t msgcap)
{
	fz_walk w;
	att_status rc = ATT_OK;
	uint32_t s;

	memset(&w, 0, sizeof w);
	for (s = 0; s < nsegs && rc == ATT_OK; s++) {
		att_term_source src;
		att_dict_iter it;

		w.seg = &segs[s];
		att_term_source_segment(&src, &it, &segs[s]);
		rc = att_fuzzy_walk(&src, text, len, edits, fz_emit, &w, NULL);
		if (rc == ATT_ECORRUPT && msg[0] == '\0')
			snprintf(msg, msgcap, "%s.dic: corrupt dictionary", segs[s].path);
	}
	if (rc != ATT_OK) {
		att_fz_release(&w.set);
		return rc;
	}
	att_fz_finish(&w.set, nearest);
	*set = w.set;
	return ATT_OK;
}

uint64_t att_segments_live_df(const att_segment *segs, uint32_t nsegs,
                              const char *term, size_t len, char *msg,
                              size_t msgcap)
{
	uint64_t df = 0;
	uint32_t s;

	for (s = 0; s < nsegs; s++) {
		att_term_info ti;
		int found = 0;

		if (att_segment_lookup(&ti, &found, &segs[s], term, len, msg,
		                       msgcap) == ATT_OK && found)
			df += live_df(&segs[s], term, len, ti.df);
	}
	return df;
}

static uint64_t match_live_df(void *ctx, const char *term, size_t len)
{
	att_match *m = ctx;
	char msg[64];

	return att_segments_live_df(m->segs, m->nsegs, term, len, msg, sizeof msg);
}

/* The terms within EDITS of TEXT over every segment into *SET, chosen by
 * att_fz_finish (NEAREST: only the nearest). */
static att_status fuzzy_terms(att_match *m, const char *text, size_t len,
                              unsigned edits, int nearest, att_fz_set *set)
{
	att_status rc = att_segments_near(m->segs, m->nsegs, text, len, edits,
	                                  nearest, set, m->msg, m->msgcap);

	return rc == ATT_ENOMEM ? merr(m, rc, NULL) : rc;
}

/* A fuzzy word becomes a group of its expansions, each optional and
 * scored as its own term, boosted by att_fuzzy_boost of its distance. */
static att_status build_fuzzy(att_match *m, att_enode *n, const att_fz_set *v,
                              size_t column)
{
	att_status rc = ATT_OK;
	size_t i;

	n->kind = ATT_Q_BOOL;
	if (v->n > 0 && (n->kids = att_calloc(v->n, sizeof *n->kids)) == NULL)
		return merr(m, ATT_ENOMEM, NULL);
	for (i = 0; i < v->n && rc == ATT_OK; i++) {
		att_enode *k = new_enode(m);
		int32_t u;

		if (k == NULL || (k->t = att_calloc(1, sizeof *k->t)) == NULL)
			return merr(m, ATT_ENOMEM, NULL);
		u = term_slot(m, v->v[i].text, v->v[i].len, ATT_ET_TEXT);
		if (u < 0)
			return slot_err(m, u);
		k->kind = ATT_Q_TERM;
		k->occur = ATT_SHOULD;
		k->boost = att_fuzzy_boost(v->v[i].dist);
		k->t[0] = (uint32_t)u;
		k->nt = 1;
		k->column = column;
		n->kids[n->nkids++] = k;
		n->nshould++;
	}
	return rc;
}

/* 1 if no live document of any segment holds TERM. */
static int unknown_term(att_match *m, const att_qterm *t)
{
	uint32_t s;

	for (s = 0; s < m->nsegs; s++) {
		att_term_info ti;
		int found = 0;

		if (att_segment_lookup(&ti, &found, &m->segs[s], t->text, t->len,
		                       m->msg, m->msgcap) != ATT_OK)
			return 0;   /* the lookup will fail again, and say so */
		if (found && live_df(&m->segs[s], t->text, t->len, ti.df) > 0)
			return 0;
	}
	return 1;
}

/* Node QN a fuzzy word (word~N), or forgiving, a free word no document
 * holds (of 5 characters or more): its expansions in *SET, *FUZZY 1; 0
 * and nothing for any other node. */
static att_status fuzzy_node(att_match *m, const att_query *q,
                             const att_qnode *qn, att_fz_set *set, int *fuzzy)
{
	const att_qterm *t = &q->terms[qn->first];
	unsigned edits = qn->fuzzy;
	att_status rc;

	*fuzzy = 0;
	memset(set, 0, sizeof *set);
	if (qn->kind != ATT_Q_TERM || qn->prefix || t->field_len > 0 ||
	    (edits == 0 && m->in_syn))   /* a synonym's form is not a typo */
		return ATT_OK;
	if (edits == 0) {   /* the automatic correction */
		if (!m->forgive || qn->filter || qn->occur == ATT_MUST_NOT ||
		    (edits = att_fuzzy_edits(t->text, t->len)) == 0 ||
		    !unknown_term(m, t))
			return ATT_OK;
		rc = fuzzy_terms(m, t->text, t->len, edits, 1, set);
		if (rc == ATT_OK && set->n == 0 && m->an != NULL) {
			att_variants vb;   /* the typed word one edit away */

			memset(&vb, 0, sizeof vb);
			vb.an = m->an;
			vb.plain = m->plain;
			vb.df = match_live_df;
			vb.ctx = m;
			att_variant_term(&vb, q, t);
			if (vb.best_df > 0)
				rc = att_fz_add(set, (const uint8_t *)vb.best, vb.best_len,
				                vb.best_df, 1);
			if (rc != ATT_OK)
				return merr(m, rc, NULL);
		}
		if (rc != ATT_OK || set->n == 0)
			return rc;
		att_fz_note(m->notes, t->text, t->len, set);
		*fuzzy = 1;
		return ATT_OK;
	}
	rc = fuzzy_terms(m, t->text, t->len, edits, 0, set);
	*fuzzy = rc == ATT_OK;
	return rc;
}

/* Orders a group's members: required (ranges and `*`, which scan, after
 * the posting lists), then optional, then excluded, and drops optional
 * stop words when the group has anything else to match. */
static void order_kids(att_match *m, att_enode *n)
{
	att_enode **k = n->kids;
	uint32_t i, j = 0, other = 0;

	for (i = 0; i < n->nkids; i++)
		other += k[i]->occur != ATT_MUST_NOT && !k[i]->stop;
	if (m->stop_words && other > 0) {
		for (i = 0; i < n->nkids; i++)
			if (!(k[i]->stop && k[i]->occur == ATT_SHOULD))
				k[j++] = k[i];
		n->nkids = j;
	}
	n->nmust = n->nshould = 0;
	for (j = 0, i = 0; i < n->nkids; i++)   /* stable partition, by hand */
		if (k[i]->occur == ATT_MUST) {
			att_enode *x = k[i];

			memmove(k + j + 1, k + j, (i - j) * sizeof *k);
			k[j++] = x;
		}
	n->nmust = j;
	for (i = 0, j = 0; i < n->nmust; i++)  /* scans after the lists */
		if (k[i]->kind != ATT_Q_RANGE && k[i]->kind != ATT_Q_ALL) {
			att_enode *x = k[i];

			memmove(k + j + 1, k + j, (i - j) * sizeof *k);
			k[j++] = x;
		}
	j = n->nmust;
	for (i = j; i < n->nkids; i++)
		if (k[i]->occur == ATT_SHOULD) {
			att_enode *x = k[i];

			memmove(k + j + 1, k + j, (i - j) * sizeof *k);
			k[j++] = x;
		}
	n->nshould = j - n->nmust;
}

static att_status build_node(att_match *m, att_enode **out, const att_query *q,
                             uint32_t qi)
{
	const att_qnode *qn = &q->nodes[qi];
	att_enode *n = new_enode(m);
	att_status rc = ATT_OK;
	uint32_t i;

	*out = n;
	if (n == NULL)
		return merr(m, ATT_ENOMEM, NULL);
	n->kind = qn->kind;
	n->occur = qn->occur;
	n->boost = qn->filter ? 0 : qn->boost; /* a filter never scores */
	n->filter = qn->filter;
	n->slop = qn->slop;
	n->stop = qn->stop;
	n->column = qn->column;
	if (qn->kind == ATT_Q_RANGE) {
		if (q->schema == NULL || qn->field >= q->schema->n)
			return merr(m, ATT_EINVAL, "range on an undeclared field");
		memcpy(n->field, q->schema->f[qn->field].name, sizeof n->field);
		n->lo = qn->lo;
		n->hi = qn->hi;
	}
	if (qn->kind == ATT_Q_TERM && qn->prefix)
		return build_prefix(m, n, q, qn);
	if (qn->kind == ATT_Q_TERM) {
		att_fz_set fz;
		int fuzzy;

		rc = fuzzy_node(m, q, qn, &fz, &fuzzy);
		if (rc == ATT_OK && fuzzy)
			rc = build_fuzzy(m, n, &fz, qn->column);
		att_fz_release(&fz);
		if (rc != ATT_OK || fuzzy)
			return rc;
	}
	if (qn->kind != ATT_Q_BOOL && qn->kind != ATT_Q_SYN)
		return leaf_terms(m, n, q, qn);
	n->kids = att_calloc(qn->n + 1, sizeof *n->kids);
	if (n->kids == NULL)
		return merr(m, ATT_ENOMEM, NULL);
	m->in_syn += qn->kind == ATT_Q_SYN;
	for (i = 0; i < qn->n && rc == ATT_OK; i++) {
		rc = build_node(m, &n->kids[n->nkids], q, q->kids[qn->first + i]);
		if (n->kids[n->nkids] != NULL)
			n->nkids++;
	}
	m->in_syn -= qn->kind == ATT_Q_SYN;
	if (rc == ATT_OK && n->kind == ATT_Q_SYN)
		n->nshould = n->nkids;   /* any member: a union */
	else if (rc == ATT_OK)
		order_kids(m, n);
	return rc;
}

/* Marks the terms whose positions make passages and whose words are
 * highlighted: default-field terms not under an exclusion or a filter. */
static void mark_positive(att_match *m, att_enode *n, int excluded, int syn)
{
	uint32_t i;

	excluded |= n->occur == ATT_MUST_NOT || n->filter;
	if (n->kind == ATT_Q_BOOL || n->kind == ATT_Q_SYN) {
		for (i = 0; i < n->nkids; i++)
			mark_positive(m, n->kids[i], excluded,
			              syn || n->kind == ATT_Q_SYN);
		return;
	}
	for (i = 0; i < n->nt && !excluded; i++) {
		att_eterm *e = &m->et[m->slot_u[n->t[i]]];

		if (e->kind != ATT_ET_TEXT)
			continue;
		/* a stop word of a synonym's phrase ("republic of türkiye")
		 * would be marked wherever it is */
		if (syn && n->nt > 1 && att_stop_word(e->text, e->len))
			continue;
		e->positive = 1;
		if (e->slot < 0)
			e->slot = (int32_t)n->t[i];
	}
}

att_status att_match_build(att_match *m, const att_query *q)
{
	att_status rc = build_node(m, &m->root, q, q->root);

	if (rc != ATT_OK)
		return rc;
	m->root->occur = ATT_MUST;
	mark_positive(m, m->root, 0, 0);
	return ATT_OK;
}

/* Wraps the root with feedback terms: the old root and N new optional
 * terms TERMS[i] with boosts W[i]. The old root stays required if it
 * required anything, so feedback never widens an AND or + query. */
att_status att_match_expand(att_match *m, const char *const *terms,
                            const size_t *lens, const double *w, size_t n)
{
	att_enode *r = new_enode(m), *old = m->root;
	int loose = !(old->kind == ATT_Q_BOOL && old->nmust > 0);
	size_t i;

	if (r == NULL || (r->kids = att_calloc(n + 1, sizeof *r->kids)) == NULL)
		return merr(m, ATT_ENOMEM, NULL);
	r->kind = ATT_Q_BOOL;
	r->occur = ATT_MUST;
	old->occur = loose ? ATT_SHOULD : ATT_MUST;
	r->kids[r->nkids++] = old;
	for (i = 0; i < n; i++) {
		att_enode *k = new_enode(m);
		int32_t u;

		if (k == NULL || (k->t = att_calloc(1, sizeof *k->t)) == NULL)
			return merr(m, ATT_ENOMEM, NULL);
		u = term_slot(m, terms[i], lens[i], ATT_ET_TEXT);
		if (u < 0)
			return slot_err(m, u);
		k->kind = ATT_Q_TERM;
		k->occur = ATT_SHOULD;
		k->boost = w[i];
		k->t[0] = (uint32_t)u;
		k->nt = 1;
		r->kids[r->nkids++] = k;
	}
	order_kids(m, r);
	m->root = r;
	return ATT_OK;
}

/* Sets the statistics of the synonym nodes under N: a group's document
 * frequency is its most frequent member's (Lucene's SynonymQuery; a
 * phrase's is bounded by its rarest term's), so that the group weighs
 * as the word it stands for. */
static void syn_stats(att_match *m, att_enode *n)
{
	uint32_t i, j;

	for (i = 0; i < n->nkids; i++)
		syn_stats(m, n->kids[i]);
	if (n->kind != ATT_Q_SYN)
		return;
	n->df = 0;
	for (i = 0; i < n->nkids; i++) {
		const att_enode *k = n->kids[i];
		uint64_t df = UINT64_MAX;

		for (j = 0; j < k->nt; j++)
			if (m->et[m->slot_u[k->t[j]]].df < df)
				df = m->et[m->slot_u[k->t[j]]].df;
		if (k->nt > 0 && df > n->df)
			n->df = df;
	}
	n->idf = log(1.0 + ((double)m->docs - (double)n->df + 0.5) /
	             ((double)n->df + 0.5));
}

/* Looks up every term not looked up yet, in every segment, and sets its
 * global statistics. Under BM25F each default-field term also gets its
 * title-field twin, whose postings give the title tf. */
att_status att_match_prepare(att_match *m)
{
	uint32_t u, s, net;
	att_term_info *ti;
	int *found;

	if (m->title_weight != 1) {
		uint32_t n = m->nslots, i;

		for (i = 0; i < n; i++) {
			char buf[ATT_QTERM_MAX + 8];
			size_t len = m->et[m->slot_u[i]].len;
			int32_t t;

			if (m->et[m->slot_u[i]].kind != ATT_ET_TEXT ||
			    m->slot_title[i] >= 0 || len + 7 > sizeof buf)
				continue;
			memcpy(buf, "\x02title:", 7);
			memcpy(buf + 7, m->et[m->slot_u[i]].text, len);
			t = term_slot(m, buf, len + 7, ATT_ET_TITLE);
			if (t < 0)
				return slot_err(m, t);
			m->slot_title[i] = t;
		}
	}
	net = m->net;
	ti = att_calloc((size_t)m->nsegs * net + 1, sizeof *ti);
	found = att_calloc((size_t)m->nsegs * net + 1, sizeof *found);
	if (ti == NULL || found == NULL) {
		att_free(ti);
		att_free(found);
		return merr(m, ATT_ENOMEM, NULL);
	}
	for (s = 0; s < m->nsegs; s++)   /* keep what was looked up before */
		for (u = 0; u < m->nlooked; u++) {
			ti[(size_t)s * net + u] = m->ti[(size_t)s * m->nlooked + u];
			found[(size_t)s * net + u] = m->found[(size_t)s * m->nlooked + u];
		}
	att_free(m->ti);
	att_free(m->found);
	m->ti = ti;
	m->found = found;
	for (u = m->nlooked; u < net; u++) {
		att_eterm *e = &m->et[u];

		e->df = 0;
		for (s = 0; s < m->nsegs; s++) {
			size_t at = (size_t)s * net + u;
			att_status rc = att_segment_lookup(&ti[at], &found[at],
			                                   &m->segs[s], e->text, e->len,
			                                   m->msg, m->msgcap);

			if (rc != ATT_OK)
				return rc;
			if (found[at])
				e->df += live_df(&m->segs[s], e->text, e->len, ti[at].df);
		}
		e->idf = log(1.0 + ((double)m->docs - (double)e->df + 0.5) /
		             ((double)e->df + 0.5));
	}
	m->nlooked = net;
	if (m->root != NULL)
		syn_stats(m, m->root);
	net = m->nslots;   /* per-slot cursor state */
	att_free(m->pc);
	att_free(m->present);
	att_free(m->posdoc);
	att_free(m->memo);
	att_free(m->npos);
	att_free(m->poscap);
	if (m->pos != NULL)
		for (u = 0; u < m->npalloc; u++)
			att_free(m->pos[u]);
	att_free(m->pos);
	m->pc = att_malloc((net + 1) * sizeof *m->pc); /* init fills them */
	m->present = att_calloc(net + 1, sizeof *m->present);
	m->posdoc = att_calloc(net + 1, sizeof *m->posdoc);
	m->memo = att_calloc(net + 1, sizeof *m->memo);
	m->npos = att_calloc(net + 1, sizeof *m->npos);
	m->poscap = att_calloc(net + 1, sizeof *m->poscap);
	m->pos = att_calloc(net + 1, sizeof *m->pos);
	m->npalloc = net;
	if (!m->pc || !m->present || !m->posdoc || !m->memo || !m->npos ||
	    !m->poscap || !m->pos)
		return merr(m, ATT_ENOMEM, NULL);
	m->seg = UINT32_MAX;
	return ATT_OK;
}

static void free_enodes(att_match *m)
{
	while (m->all != NULL) {
		att_enode *n = m->all;

		m->all = n->next_alloc;
		att_free(n->t);
		att_free(n->kids);
		att_free(n->order);
		att_free(n->prefix_max);
		att_free(n);
	}
}

void att_match_release(att_match *m)
{
	uint32_t u;

	free_enodes(m);
	for (u = 0; u < m->net; u++)
		att_free((void *)m->et[u].text);
	att_free(m->et);
	att_free(m->ti);
	att_free(m->found);
	att_free(m->pc);
	att_free(m->present);
	att_free(m->posdoc);
	att_free(m->memo);
	att_free(m->npos);
	att_free(m->poscap);
	for (u = 0; m->pos != NULL && u < m->npalloc; u++)
		att_free(m->pos[u]);
	att_free(m->pos);
	att_free(m->heap);
	att_free(m->cands);
	att_free(m->wins);
	m->cands = NULL;
	m->wins = NULL;
	att_free(m->slot_u);
	att_free(m->slot_title);
	m->slot_u = NULL;
	m->slot_title = NULL;
	m->nslots = m->capslots = 0;
	m->et = NULL;
	m->net = m->capet = m->nlooked = 0;
	m->ti = NULL;
	m->found = NULL;
	m->pc = NULL;
	m->present = NULL;
	m->posdoc = NULL;
	m->memo = NULL;
	m->npos = NULL;
	m->poscap = NULL;
	m->pos = NULL;
	m->heap = NULL;
}

/* ---- cursors and positions ------------------------------------------------- */

/* Rewinds the nodes for segment SEG, a range finding its column there
 * (none: it matches nothing). */
static att_status reset_nodes(att_match *m, att_enode *n, const att_segment *seg)
{
	att_status rc = ATT_OK;
	uint32_t i;

	n->doc = 0;
	n->started = 0;
	n->scdoc = ATT_DOC_END;
	n->ndocs = seg->ndocs;
	if (n->kind == ATT_Q_RANGE) {
		int c = att_segment_column_find(seg, n->field, strlen(n->field));

		n->col = NULL;
		if (c >= 0 && att_segment_column(&n->col, seg, (uint32_t)c) != ATT_OK) {
			if (!att_segment_damage(seg, m->msg, m->msgcap))
				snprintf(m->msg, m->msgcap, "%s.val: corrupt column \"%s\"",
				         seg->path, n->field);
			return ATT_ECORRUPT;
		}
	}
	for (i = 0; i < n->nkids && rc == ATT_OK; i++)
		rc = reset_nodes(m, n->kids[i], seg);
	return rc;
}

/* Opens the cursors of segment SEG: every slot's, or with PASSAGES only
 * those the passages read (the first slot of each positive term). */
static att_status open_slots(att_match *m, uint32_t seg, int passages)
{
	uint32_t u;

	m->seg = seg;
	for (u = 0; u < m->nslots; u++) {
		size_t at = (size_t)seg * m->net + m->slot_u[u];
		const att_eterm *e = &m->et[m->slot_u[u]];
		att_status rc = ATT_OK;

		m->present[u] = m->found[at] &&
		    (!passages || (e->positive && e->slot == (int32_t)u));
		m->posdoc[u] = -1;
		m->memo[u].block = UINT32_MAX;
		if (m->present[u])
			rc = att_postings_init(&m->pc[u], &m->segs[seg], &m->ti[at]);
		if (rc != ATT_OK) {
			if (m->msg[0] == '\0' &&
			    !att_segment_damage(&m->segs[seg], m->msg, m->msgcap))
				snprintf(m->msg, m->msgcap, "%s.pst: corrupt postings of"
				         " \"%s\"", m->segs[seg].path,
				         m->et[m->slot_u[u]].text);
			return rc;
		}
	}
	m->sort_col = NULL;
	if (m->sort_field != NULL) {
		const att_segment *sg = &m->segs[seg];
		int c = att_segment_column_find(sg, m->sort_field,
		                                strlen(m->sort_field));

		if (c >= 0 && att_segment_column(&m->sort_col, sg, (uint32_t)c) !=
		    ATT_OK) {
			if (!att_segment_damage(sg, m->msg, m->msgcap))
				snprintf(m->msg, m->msgcap, "%s.val: corrupt column \"%s\"",
				         sg->path, m->sort_field);
			return ATT_ECORRUPT;
		}
	}
	return m->root != NULL ? reset_nodes(m, m->root, &m->segs[seg]) : ATT_OK;
}

att_status att_match_open_segment(att_match *m, uint32_t seg)
{
	return open_slots(m, seg, 0);
}

att_status att_match_open_passages(att_match *m, uint32_t seg)
{
	return open_slots(m, seg, 1);
}

static uint32_t term_advance(att_match *m, uint32_t u, uint32_t target)
{
	if (!m->present[u])
		return ATT_DOC_END;
	return att_postings_advance(&m->pc[u], target);
}

att_status att_match_positions(att_match *m, uint32_t u)
{
	att_status rc;

	if (m->posdoc[u] == (int64_t)m->pc[u].doc)
		return ATT_OK;
	rc = att_postings_positions(&m->pos[u], &m->poscap[u], &m->npos[u],
	                            &m->pc[u]);
	if (rc != ATT_OK) {
		if (rc == ATT_ECORRUPT &&
		    !att_segment_damage(&m->segs[m->seg], m->msg, m->msgcap))
			snprintf(m->msg, m->msgcap, "%s.pos: corrupt positions of \"%s\"",
			         m->segs[m->seg].path, m->et[m->slot_u[u]].text);
		return rc;
	}
	m->posdoc[u] = m->pc[u].doc;
	return ATT_OK;
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

/* 1 if the phrase's terms (cursors at the document) are adjacent and in
 * order somewhere, 0 if not, < 0 a status. */
static int phrase_at(att_match *m, const att_enode *n)
{
	uint32_t i, t, u0 = n->t[0];
	att_status rc;

	for (t = 0; t < n->nt; t++)
		if ((rc = att_match_positions(m, n->t[t])) != ATT_OK)
			return rc;
	for (i = 0; i < m->npos[u0]; i++) {
		uint32_t p = m->pos[u0][i];

		for (t = 1; t < n->nt; t++)
			if (!contains(m->pos[n->t[t]], m->npos[n->t[t]], p + t))
				break;
		if (t == n->nt)
			return 1;
	}
	return 0;
}

/* 1 if the window's terms (each once) all occur within a span of
 * nt + slop positions, in any order. Walks the position lists together,
 * always moving the one behind. */
static int near_at(att_match *m, const att_enode *n)
{
	uint32_t at[ATT_QUERY_MAX_TERMS], t;
	att_status rc;

	for (t = 0; t < n->nt; t++) {
		if ((rc = att_match_positions(m, n->t[t])) != ATT_OK)
			return rc;
		if (m->npos[n->t[t]] == 0)
			return 0;
		at[t] = 0;
	}
	for (;;) {
		uint32_t lo = UINT32_MAX, hi = 0, lt = 0;

		for (t = 0; t < n->nt; t++) {
			uint32_t p = m->pos[n->t[t]][at[t]];

			if (p < lo)
				lo = p, lt = t;
			if (p > hi)
				hi = p;
		}
		if ((uint64_t)hi - lo + 1 <= (uint64_t)n->nt + n->slop)
			return 1;
		if (++at[lt] == m->npos[n->t[lt]])
			return 0;
	}
}

/* ---- the iterators --------------------------------------------------------- */

/* The first document >= TARGET whose value in range N's column is within
 * its keys, or ATT_DOC_END. */
static uint32_t range_advance(const att_enode *n, uint32_t target)
{
	const att_valcol *c = n->col;
	uint64_t key;
	uint32_t d;

	if (c == NULL)
		return ATT_DOC_END;
	for (d = target; d < n->ndocs; d++)
		if (att_valcol_num(&key, c, d) && key >= n->lo && key <= n->hi)
			return d;
	return ATT_DOC_END;
}

/* The first document >= TARGET that node N matches, or ATT_DOC_END;
 * targets never go back within a segment. Errors set m->rc. */
static uint32_t nadvance(att_match *m, att_enode *n, uint32_t target)
{
	uint32_t d, i, x;

	if (n->started && n->doc >= target)
		return n->doc;
	n->started = 1;
	for (;;) {
		if (n->kind == ATT_Q_TERM) {
			d = term_advance(m, n->t[0], target);
			break;
		}
		if (n->kind == ATT_Q_ALL) {
			d = target < n->ndocs ? target : ATT_DOC_END;
			break;
		}
		if (n->kind == ATT_Q_RANGE) {
			d = range_advance(n, target);
			break;
		}
		if (n->kind == ATT_Q_PHRASE || n->kind == ATT_Q_NEAR) {
			int ok;

			d = target;
			for (i = 0; i < n->nt; i++) {   /* leapfrog */
				x = term_advance(m, n->t[i], d);
				if (x == ATT_DOC_END)
					break;
				if (x > d) {
					d = x;
					i = UINT32_MAX; /* restart: ++ wraps to 0 */
				}
			}
			if (i < n->nt || n->nt == 0) {
				d = ATT_DOC_END;
				break;
			}
			ok = n->kind == ATT_Q_PHRASE ? phrase_at(m, n) : near_at(m, n);
			if (ok < 0) {
				m->rc = ok;
				d = ATT_DOC_END;
				break;
			}
			if (ok)
				break;
			target = d + 1;
			continue;
		}
		/* a group */
		if (n->nmust > 0) {
			d = target;
			for (i = 0; i < n->nmust; i++) {
				x = nadvance(m, n->kids[i], d);
				if (x == ATT_DOC_END)
					break;
				if (x > d) {
					d = x;
					i = UINT32_MAX;
				}
			}
			if (i < n->nmust) {
				d = ATT_DOC_END;
				break;
			}
		} else {
			d = ATT_DOC_END;
			for (i = 0; i < n->nshould; i++) {
				x = nadvance(m, n->kids[i], target);
				if (x < d)
					d = x;
			}
			if (d == ATT_DOC_END)
				break;
		}
		for (i = n->nmust + n->nshould; i < n->nkids; i++)
			if (nadvance(m, n->kids[i], d) == d)
				break;
		if (i == n->nkids)
			break;
		target = d + 1;   /* excluded */
	}
	if (m->rc != ATT_OK)
		d = ATT_DOC_END;
	n->doc = d;
	return d;
}

/* BM25 with the field's saturation and length normalisation: TF and DL
 * already weighted. */
static double bm25(const att_match *m, double idf, double tf, double dl,
                   double avgdl, double b)
{
	double k1 = m->k1;

	return idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl));
}

/* Term U's score in the current document (its cursor is there). */
static double term_score(att_match *m, uint32_t u, uint32_t doc,
                         att_term_explain *x)
{
	const att_eterm *e = &m->et[m->slot_u[u]];
	int32_t title = m->slot_title[u];
	const att_segment *seg = &m->segs[m->seg];
	double tf = att_postings_tf(&m->pc[u]), dl, w = m->title_weight;
	uint32_t ttf = 0, tl = 0;

	if (x != NULL)
		x->tf = (uint32_t)tf;
	if (e->kind == ATT_ET_FIELD) {
		if (x != NULL)
			x->dl = 0;
		return bm25(m, e->idf, tf, 0, 1, 0);
	}
	if (e->kind == ATT_ET_TITLE) {
		tl = att_segment_titlelen(seg, doc);
		if (x != NULL)
			x->dl = tl;
		return bm25(m, e->idf, tf, tl, m->avgtl, m->b);
	}
	dl = att_segment_doclen(seg, doc);
	if (title >= 0 || x != NULL)
		tl = att_segment_titlelen(seg, doc);
	if (title >= 0 && term_advance(m, (uint32_t)title, doc) == doc)
		ttf = att_postings_tf(&m->pc[title]);
	if (x != NULL) {
		x->ttf = ttf;
		x->dl = (uint32_t)dl;
		x->tl = tl;
	}
	return bm25(m, e->idf, tf + (w - 1) * ttf, dl + (w - 1) * tl,
	            m->avgdl + (w - 1) * m->avgtl, m->b);
}

/* The best score a default-field posting of term U can get at TF and
 * DL, or below TF and above DL, in a block whose highest title tf is
 * TTF. */
static double pair_bound(const att_match *m, double idf, double tf,
                         double dl, double ttf)
{
	double w = m->title_weight, avg = m->avgdl + (w - 1) * m->avgtl;

	if (w >= 1) /* tf' <= tf + (w-1) ttf, dl' = dl + (w-1) tl >= dl */
		return bm25(m, idf, tf + (w - 1) * ttf, dl, avg, m->b);
	/* w < 1: tf' <= tf, dl' >= w dl */
	return bm25(m, idf, tf, w * dl, avg, m->b);
}

/* The best score term U can get from a block with these maxima: from
 * its impacts where it has them (exact, for BM25 without title weight),
 * else from its highest tf and shortest length. */
static double term_bound(const att_match *m, uint32_t u,
                         const att_block_bound *bb)
{
	const att_eterm *e = &m->et[m->slot_u[u]];
	uint32_t pt[ATT_IMPACTS_MAX], pd[ATT_IMPACTS_MAX];
	size_t np, i;
	double best;

	if (e->kind == ATT_ET_FIELD)
		return bm25(m, e->idf, bb->max_tf, 0, 1, 0);
	if (e->kind == ATT_ET_TITLE)
		return bm25(m, e->idf, bb->max_tf, 0, m->avgtl, m->b);
	/* impacts that do not read (attache check reports them) fall back
	 * on the skip entry's maxima */
	np = bb->imp != NULL ? att_impacts_get(pt, pd, bb->imp, bb->imp_len) : 0;
	if (np == 0)
		return pair_bound(m, e->idf, bb->max_tf, bb->min_dl,
		                  bb->max_title_tf);
	best = 0;
	for (i = 0; i < np; i++) {
		double s = pair_bound(m, e->idf, pt[i], pd[i], bb->max_title_tf);

		if (s > best)
			best = s;
	}
	return best;
}

/* How many times phrase N (cursors at the document, its positions
 * matched) occurs there. */
static uint32_t phrase_count(att_match *m, const att_enode *n)
{
	uint32_t i, t, u0 = n->t[0], c = 0;

	for (t = 0; t < n->nt; t++)
		if (att_match_positions(m, n->t[t]) != ATT_OK)
			return 0;
	for (i = 0; i < m->npos[u0]; i++) {
		uint32_t p = m->pos[u0][i];

		for (t = 1; t < n->nt; t++)
			if (!contains(m->pos[n->t[t]], m->npos[n->t[t]], p + t))
				break;
		c += t == n->nt;
	}
	return c;
}

/* Synonym node N's score in DOC, which it matches: BM25 of the group as
 * one term, its tf the sum of its members' (a phrase's occurrences; a
 * word's title tf counted under BM25F), its idf the group's. The sums
 * go to X if not NULL. */
static double syn_score(att_match *m, att_enode *n, uint32_t doc,
                        att_term_explain *x)
{
	const att_segment *seg = &m->segs[m->seg];
	double tf = 0, ttf = 0, dl, tl = 0, w = m->title_weight;
	uint32_t i;

	for (i = 0; i < n->nkids; i++) {
		att_enode *k = n->kids[i];
		uint32_t u = k->t[0];
		int32_t title = m->slot_title[u];

		if (nadvance(m, k, doc) != doc)
			continue;
		if (k->kind != ATT_Q_TERM) {
			tf += phrase_count(m, k);
			continue;
		}
		tf += att_postings_tf(&m->pc[u]);
		if (title >= 0 && term_advance(m, (uint32_t)title, doc) == doc)
			ttf += att_postings_tf(&m->pc[title]);
	}
	dl = att_segment_doclen(seg, doc);
	if (w != 1 || x != NULL)
		tl = att_segment_titlelen(seg, doc);
	if (x != NULL) {
		x->tf = (uint32_t)tf;
		x->ttf = (uint32_t)ttf;
		x->dl = (uint32_t)dl;
		x->tl = (uint32_t)tl;
	}
	return bm25(m, n->idf, tf + (w - 1) * ttf, dl + (w - 1) * tl,
	            m->avgdl + (w - 1) * m->avgtl, m->b);
}

/* The block bound of slot U at TARGET (or, WHOLE, its best block) in
 * *BB, lowering *UPTO; 0 if it has no postings there. */
static int slot_bound(att_match *m, uint32_t u, uint32_t target,
                      uint32_t *upto, int whole, att_block_bound *bb)
{
	uint32_t at;

	if (!m->present[u])
		return 0;
	if (whole) {
		att_postings_max_bound(bb, &m->pc[u]);
		return 1;
	}
	at = m->pc[u].doc > target ? m->pc[u].doc : target;
	if (at == ATT_DOC_END || !att_postings_shallow(bb, &m->pc[u], at))
		return 0;
	if (bb->last_doc < *upto)
		*upto = bb->last_doc;
	return 1;
}

/* An upper bound of synonym node N's score over [TARGET, *UPTO] (or the
 * segment): its members' highest tfs summed (a phrase's is at most its
 * rarest term's), at the shortest length any of them has. */
static double syn_bound(att_match *m, att_enode *n, uint32_t target,
                        uint32_t *upto, int whole)
{
	double tf = 0, ttf = 0, dl = UINT32_MAX;
	uint32_t i, j;

	for (i = 0; i < n->nkids; i++) {
		const att_enode *k = n->kids[i];
		double ktf = UINT32_MAX, kdl = UINT32_MAX;
		att_block_bound bb;

		for (j = 0; j < k->nt; j++) {
			if (!slot_bound(m, k->t[j], target, upto, whole, &bb)) {
				ktf = 0;
				break;
			}
			if (bb.max_tf < ktf)
				ktf = bb.max_tf;
			if (bb.min_dl < kdl)
				kdl = bb.min_dl;
			if (k->nt == 1)
				ttf += bb.max_title_tf;
		}
		if (ktf == 0)
			continue;
		tf += ktf;
		if (kdl < dl)
			dl = kdl;
	}
	if (tf == 0)
		return 0;
	return pair_bound(m, n->idf, tf, dl, ttf);
}

/* The score of node N in document DOC, which it matches. */
static double nscore(att_match *m, att_enode *n, uint32_t doc)
{
	double s = 0;
	uint32_t i;

	if (n->boost == 0)   /* a filter */
		return 0;
	if (n->kind == ATT_Q_SYN)
		return n->boost * syn_score(m, n, doc, NULL);
	if (n->kind != ATT_Q_BOOL) {
		for (i = 0; i < n->nt; i++)
			s += term_score(m, n->t[i], doc, NULL);
		return n->boost * s;
	}
	for (i = 0; i < n->nmust; i++)
		s += nscore(m, n->kids[i], doc);
	for (; i < n->nmust + n->nshould; i++)
		if (nadvance(m, n->kids[i], doc) == doc)
			s += nscore(m, n->kids[i], doc);
	return n->boost * s;
}

/* An upper bound of node N's score over documents [TARGET, *UPTO],
 * lowering *UPTO to the end of the blocks the bound is good for; or with
 * WHOLE, over the whole segment (each list's best block). */
static double bound(att_match *m, att_enode *n, uint32_t target,
                    uint32_t *upto, int whole)
{
	double s = 0;
	uint32_t i;

	if (n->boost == 0)
		return 0;
	if (n->kind == ATT_Q_SYN)
		return n->boost * syn_bound(m, n, target, upto, whole);
	if (n->kind != ATT_Q_BOOL) {
		for (i = 0; i < n->nt; i++) {
			uint32_t u = n->t[i], at;
			att_block_bound bb;

			if (!m->present[u])
				continue;
			if (whole) {
				att_postings_max_bound(&bb, &m->pc[u]);
			} else {
				at = m->pc[u].doc > target ? m->pc[u].doc : target;
				if (at == ATT_DOC_END ||
				    !att_postings_shallow(&bb, &m->pc[u], at))
					continue;
				if (bb.last_doc < *upto)
					*upto = bb.last_doc;
				if (bb.imp != NULL) { /* a block of a long list */
					struct att_bound_memo *o = &m->memo[u];

					if (o->block != m->pc[u].bound_block) {
						o->block = m->pc[u].bound_block;
						o->bound = term_bound(m, u, &bb);
					}
					s += o->bound;
					continue;
				}
			}
			s += term_bound(m, u, &bb);
		}
		return n->boost * s;
	}
	for (i = 0; i < n->nmust + n->nshould; i++)
		s += bound(m, n->kids[i], target, upto, whole);
	return n->boost * s;
}

static double nbound(att_match *m, att_enode *n, uint32_t target,
                     uint32_t *upto)
{
	return bound(m, n, target, upto, 0);
}

/* The best score node N can get anywhere in the segment. */
static double nmax(att_match *m, att_enode *n)
{
	uint32_t upto = ATT_DOC_END;

	return bound(m, n, 0, &upto, 1);
}

/* ---- the heap --------------------------------------------------------------- */

/* Heap order: a is worse than b: a lower score, or on a tie a later
 * document id (bytes compared, a prefix first). Ties go by the ids the
 * documents were given, not by where they sit in the index, so results
 * do not depend on how the documents were segmented, merged or spread
 * over indexing threads. (Only a damaged document table falls back to
 * the place in the index.) */
static int worse(const att_segment *segs, uint64_t ar, double as,
                 uint32_t aseg, uint32_t adoc, uint64_t br, double bs,
                 uint32_t bseg, uint32_t bdoc)
{
	att_record ra, rb;

	if (ar != br)
		return ar > br;
	if (as != bs)
		return as < bs;
	if ((aseg != bseg || adoc != bdoc) && segs != NULL &&
	    att_segment_names(&ra, &segs[aseg], adoc) == ATT_OK &&
	    att_segment_names(&rb, &segs[bseg], bdoc) == ATT_OK) {
		size_t n = ra.id_len < rb.id_len ? ra.id_len : rb.id_len;
		int c = memcmp(ra.id, rb.id, n);

		if (c != 0 || ra.id_len != rb.id_len)
			return c != 0 ? c > 0 : ra.id_len > rb.id_len;
	}
	if (aseg != bseg)
		return aseg > bseg;
	return adoc > bdoc;
}

/* X's id, looked up once (names stay mapped while the segment is open);
 * 0 if its names do not read. */
static int scored_id(const att_segment *segs, att_scored *x)
{
	att_record r;

	if (x->id_state == 0) {
		x->id_state = 2;
		if (segs != NULL &&
		    att_segment_names(&r, &segs[x->seg], x->doc) == ATT_OK) {
			x->id = r.id;
			x->id_len = r.id_len;
			x->id_state = 1;
		}
	}
	return x->id_state == 1;
}

int att_scored_worse(const att_segment *segs, att_scored *a, att_scored *b)
{
	if (a->rank != b->rank)
		return a->rank > b->rank;
	if (a->score != b->score)
		return a->score < b->score;
	if ((a->seg != b->seg || a->doc != b->doc) && scored_id(segs, a) &&
	    scored_id(segs, b)) {
		size_t n = a->id_len < b->id_len ? a->id_len : b->id_len;
		int c = memcmp(a->id, b->id, n);

		if (c != 0 || a->id_len != b->id_len)
			return c != 0 ? c > 0 : a->id_len > b->id_len;
	}
	if (a->seg != b->seg)   /* as worse() */
		return a->seg > b->seg;
	return a->doc > b->doc;
}

int att_cand_worse(const att_segment *segs, const att_cand *a,
                   const att_cand *b)
{
	return worse(segs, a->rank, a->score, a->seg, a->doc, b->rank, b->score,
	             b->seg, b->doc);
}

static void sift_down(const att_segment *segs, att_scored *h, size_t n,
                      size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, w = i;
		att_scored tmp;

		if (l < n && att_scored_worse(segs, &h[l], &h[w]))
			w = l;
		if (r < n && att_scored_worse(segs, &h[r], &h[w]))
			w = r;
		if (w == i)
			return;
		tmp = h[i];
		h[i] = h[w];
		h[w] = tmp;
		i = w;
	}
}

/* DOC's place in the sort order (lower first): its key in the sort
 * column, inverted for descending; no value, or no sort: the same for
 * all (UINT64_MAX, 0). */
static uint64_t sort_rank(const att_match *m, uint32_t doc)
{
	uint64_t key;

	if (m->sort_field == NULL)
		return 0;
	if (m->sort_col == NULL || !att_valcol_num(&key, m->sort_col, doc))
		return UINT64_MAX;
	return m->sort_desc ? UINT64_MAX - 1 - key : key;
}

/* 1 if a document of RANK cannot enter the full heap whatever its
 * score: sorting, skip scoring it. */
static int outranked(const att_match *m, uint64_t rank)
{
	return m->nheap == m->k && rank > m->heap[0].rank;
}

static void heap_push(att_match *m, double score, uint32_t doc, uint64_t rank)
{
	att_scored c = { score, m->seg, doc, rank, NULL, 0, 0 };
	size_t i;

	if (m->nheap == m->k) {
		if (!att_scored_worse(m->segs, &m->heap[0], &c))
			return;
		m->heap[0] = c;
		sift_down(m->segs, m->heap, m->nheap, 0);
		return;
	}
	i = m->nheap++;
	m->heap[i] = c;
	while (i > 0 &&
	       att_scored_worse(m->segs, &m->heap[i], &m->heap[(i - 1) / 2])) {
		att_scored tmp = m->heap[i];

		m->heap[i] = m->heap[(i - 1) / 2];
		m->heap[(i - 1) / 2] = tmp;
		i = (i - 1) / 2;
	}
}

/* The score a document must beat to enter the heap, or -inf. */
static double threshold(const att_match *m)
{
	return m->prune && m->nheap == m->k ? m->heap[0].score : -INFINITY;
}

/* ---- the drivers ------------------------------------------------------------ */

/* Any tree: the root's own iterator, skipping blocks whose bound cannot
 * beat the heap. */
static void drive_generic(att_match *m)
{
	const att_deletes *del = &m->segs[m->seg].del;
	uint32_t target = 0, upto = 0, d;
	uint64_t rank;
	int have = 0;
	double ub = 0;

	while (m->rc == ATT_OK) {
		double theta = threshold(m);

		if (theta > -INFINITY) {
			if (!have || target > upto) {
				upto = ATT_DOC_END;
				ub = nbound(m, m->root, target, &upto);
				have = 1;
			}
			if (!beats(ub, theta)) {
				m->pruned = 1;
				if (upto == ATT_DOC_END)
					break;
				target = upto + 1;
				have = 0;
				continue;
			}
		}
		d = nadvance(m, m->root, target);
		if (d == ATT_DOC_END)
			break;
		if (theta > -INFINITY && d > upto) {
			target = d;
			have = 0;
			continue;
		}
		target = d + 1;
		if (att_deleted(del, d))
			continue;
		m->total++;
		if (m->facets != NULL)
			att_facets_add(m->facets, d);
		rank = sort_rank(m, d);
		if (!outranked(m, rank))
			heap_push(m, nscore(m, m->root, d), d, rank);
	}
}

static int cmp_max(const void *a, const void *b)
{
	const att_enode *x = *(att_enode *const *)a, *y = *(att_enode *const *)b;

	return (x->max > y->max) - (x->max < y->max);
}

/* 1 if candidate D (from the essential members S[ESS..)) may beat THETA:
 * its essential members' scores, then for each other member, most
 * promising first, its block bound and the bounds of those below it.
 * Members' scores and bounds are summed unboosted; the root's score,
 * which THETA is, is its boost times that sum. */
static int maxscore_survives(att_match *m, att_enode **s, uint32_t ess,
                             const double *pre, uint32_t d, double theta)
{
	uint32_t i, ns = m->root->nshould;
	double known = 0, w = m->root->boost;

	for (i = ess; i < ns; i++)
		if (s[i]->doc == d) {
			s[i]->sc = nscore(m, s[i], d);
			s[i]->scdoc = d;
			known += s[i]->sc;
		}
	for (i = ess; i-- > 0;) {
		double below = i ? pre[i - 1] : 0;
		uint32_t upto = ATT_DOC_END;

		if (!beats(w * (known + s[i]->max + below), theta))
			return 0;
		if (!beats(w * (known + nbound(m, s[i], d, &upto) + below), theta))
			return 0;
		if (nadvance(m, s[i], d) == d) {
			s[i]->sc = nscore(m, s[i], d);
			s[i]->scdoc = d;
			known += s[i]->sc;
		}
	}
	return beats(w * known, theta);
}

/* The root's score in D from the members' scores maxscore_survives
 * kept, summed as nscore would (member order), so it is the same. */
static double kept_score(const att_enode *r, uint32_t d)
{
	double s = 0;
	uint32_t i;

	for (i = 0; i < r->nshould; i++)
		if (r->kids[i]->doc == d && r->kids[i]->scdoc == d)
			s += r->kids[i]->sc;
	return r->boost * s;
}

/* A group of optional members: block-max MaxScore. The members' bounds
 * (their max, prefix sums PRE) leave out the root's own boost, which
 * multiplies them wherever they meet the heap's threshold. */
static void drive_maxscore(att_match *m)
{
	att_enode *r = m->root, **s = r->order;
	const att_deletes *del = &m->segs[m->seg].del;
	uint32_t ns = r->nshould, ess = 0, i, target = 0, d;
	uint64_t rank;
	double *pre = r->prefix_max;

	for (i = 0; i < ns; i++) {
		s[i] = r->kids[i];
		s[i]->max = nmax(m, s[i]);
	}
	qsort(s, ns, sizeof *s, cmp_max);   /* smallest bound first */
	for (i = 0; i < ns; i++)
		pre[i] = s[i]->max + (i ? pre[i - 1] : 0);
	while (m->rc == ATT_OK) {
		double theta = threshold(m);

		/* members whose bounds together cannot beat theta: only
		 * looked at for others' candidates */
		while (ess < ns && theta > -INFINITY &&
		       !beats(r->boost * pre[ess], theta)) {
			ess++;
			m->pruned = 1;
		}
		if (ess == ns)
			break;
		d = ATT_DOC_END;
		for (i = ess; i < ns; i++) {
			uint32_t x = nadvance(m, s[i], target);

			if (x < d)
				d = x;
		}
		if (d == ATT_DOC_END)
			break;
		target = d + 1;
		if (att_deleted(del, d))
			continue;
		if (theta > -INFINITY && !maxscore_survives(m, s, ess, pre, d, theta)) {
			m->pruned = 1;
			continue;
		}
		/* exclusions, then the canonical score */
		for (i = r->nshould; i < r->nkids; i++)
			if (nadvance(m, r->kids[i], d) == d)
				break;
		if (i < r->nkids)
			continue;
		m->total++;
		if (m->facets != NULL)
			att_facets_add(m->facets, d);
		rank = sort_rank(m, d);
		if (!outranked(m, rank))
			heap_push(m, theta > -INFINITY ? kept_score(r, d)
			          : nscore(m, r, d), d, rank);
	}
}

att_status att_match_run(att_match *m)
{
	uint32_t s;
	att_enode *r = m->root;
	int maxscore = r->kind == ATT_Q_BOOL && r->nmust == 0 && r->nshould > 1;

	att_free(m->heap);
	att_free(m->cands);
	att_free(m->wins);
	m->cands = NULL;
	m->wins = NULL;
	m->ncands = 0;
	m->heap = att_calloc(m->k + 1, sizeof *m->heap);
	if (m->heap == NULL)
		return merr(m, ATT_ENOMEM, NULL);
	m->nheap = 0;
	m->total = 0;
	m->pruned = 0;
	if (maxscore) {
		att_free(r->order);
		att_free(r->prefix_max);
		r->order = att_calloc(r->nshould, sizeof *r->order);
		r->prefix_max = att_calloc(r->nshould, sizeof *r->prefix_max);
		if (r->order == NULL || r->prefix_max == NULL)
			return merr(m, ATT_ENOMEM, NULL);
	}
	att_facets_reset(m->facets);
	for (s = 0; s < m->nsegs && m->rc == ATT_OK; s++) {
		att_status rc = att_match_open_segment(m, s);

		if (rc == ATT_OK && m->facets != NULL)
			rc = att_facets_open_segment(m->facets, &m->segs[s], m->msg,
			                             m->msgcap);
		if (rc != ATT_OK)
			return rc;
		if (maxscore)
			drive_maxscore(m);
		else
			drive_generic(m);
		if (m->facets != NULL && m->rc == ATT_OK &&
		    att_facets_close_segment(m->facets) != ATT_OK) {
			m->rc = att_facets_status(m->facets);
			if (m->rc == ATT_ENOMEM)
				snprintf(m->msg, m->msgcap, "out of memory");
			else if (!att_segment_damage(&m->segs[s], m->msg, m->msgcap))
				snprintf(m->msg, m->msgcap, "%s.val: corrupt keyword column",
				         m->segs[s].path);
		}
		for (uint32_t u = 0; u < m->nslots && m->rc == ATT_OK; u++)
			if (m->present[u] && m->pc[u].err) {
				m->rc = ATT_ECORRUPT;
				if (!att_segment_damage(&m->segs[s], m->msg, m->msgcap))
					snprintf(m->msg, m->msgcap, "%s.pst: corrupt "
					         "postings of \"%s\"", m->segs[s].path,
					         m->et[m->slot_u[u]].text);
			}
	}
	if (m->rc != ATT_OK)
		return m->rc;
	/* the heap, best first, as candidates */
	m->cands = att_calloc(m->nheap + 1, sizeof *m->cands);
	m->wins = att_malloc((8 * m->nheap + 1) * sizeof *m->wins);
	if (m->cands == NULL || m->wins == NULL)
		return merr(m, ATT_ENOMEM, NULL);
	for (m->ncands = m->nheap; m->nheap > 0;) {
		att_cand *c = &m->cands[m->nheap - 1];

		c->win = &m->wins[8 * (m->nheap - 1)];
		c->score = c->doc_score = m->heap[0].score;
		c->seg = m->heap[0].seg;
		c->doc = m->heap[0].doc;
		c->rank = m->heap[0].rank;
		m->heap[0] = m->heap[--m->nheap];
		sift_down(m->segs, m->heap, m->nheap, 0);
	}
	return ATT_OK;
}

/* ---- explaining ------------------------------------------------------------- */

static void put_term(att_buf *b, const att_eterm *e)
{
	size_t i;

	for (i = 0; i < e->len; i++) {
		char c = e->text[i];

		att_buf_putc(b, c == ATT_FIELD_PREFIX ? '@' : (uint8_t)c);
	}
}

static void explain_node(att_match *m, att_enode *n, uint32_t doc, int depth,
                         att_buf *b)
{
	static const char *const kinds[] = { "term", "phrase", "near", "group",
	                                     "range", "all", "synonyms" };
	static const char *const occ[] = { "", "+", "-" };
	double s = nscore(m, n, doc);
	uint32_t i;

	att_buf_printf(b, "%*s%.4f = %s%s", 2 * depth, "", s,
	               n == m->root ? "" : occ[n->occur], kinds[n->kind]);
	if (n->kind == ATT_Q_NEAR)
		att_buf_printf(b, "/%u", (unsigned)n->slop);
	if (n->filter)
		att_buf_printf(b, " (filter)");
	else if (n->boost != 1)
		att_buf_printf(b, " ^%g", n->boost);
	if (n->kind == ATT_Q_RANGE)
		att_buf_printf(b, " %s", n->field);
	if (n->kind == ATT_Q_SYN) {
		att_term_explain x;

		memset(&x, 0, sizeof x);
		syn_score(m, n, doc, &x);
		att_buf_printf(b, ": idf %.4f (df %llu of %llu), tf %u", n->idf,
		               (unsigned long long)n->df, (unsigned long long)m->docs,
		               (unsigned)x.tf);
		if (m->title_weight != 1)
			att_buf_printf(b, " (title %u, weight %g)", (unsigned)x.ttf,
			               m->title_weight);
		att_buf_printf(b, ", length %u (title %u), avg %.1f\n",
		               (unsigned)x.dl, (unsigned)x.tl, m->avgdl);
		for (i = 0; i < n->nkids; i++) {
			att_enode *k = n->kids[i];
			uint32_t j;

			if (nadvance(m, k, doc) != doc)
				continue;
			att_buf_printf(b, "%*s", 2 * depth + 2, "");
			if (k->kind != ATT_Q_TERM)
				att_buf_putc(b, '"');
			for (j = 0; j < k->nt; j++) {
				if (j)
					att_buf_putc(b, ' ');
				put_term(b, &m->et[m->slot_u[k->t[j]]]);
			}
			if (k->kind != ATT_Q_TERM)
				att_buf_printf(b, "\": %u times\n", phrase_count(m, k));
			else
				att_buf_printf(b, ": tf %u\n",
				               (unsigned)att_postings_tf(&m->pc[k->t[0]]));
		}
		return;
	}
	if (n->kind == ATT_Q_BOOL) {
		att_buf_printf(b, "\n");
		for (i = 0; i < n->nkids; i++) {
			att_enode *k = n->kids[i];

			if (nadvance(m, k, doc) != doc) {
				if (k->occur != ATT_MUST_NOT)
					continue;   /* optional, absent: adds nothing */
			}
			if (k->occur == ATT_MUST_NOT)
				continue;
			explain_node(m, k, doc, depth + 1, b);
		}
		return;
	}
	att_buf_printf(b, "\n");
	for (i = 0; i < n->nt; i++) {
		uint32_t u = n->t[i];
		const att_eterm *e = &m->et[m->slot_u[u]];
		att_term_explain x;
		double ts;

		memset(&x, 0, sizeof x);
		ts = term_score(m, u, doc, &x);
		att_buf_printf(b, "%*s%.4f  ", 2 * depth + 2, "", ts * n->boost);
		put_term(b, e);
		att_buf_printf(b, ": idf %.4f (df %llu of %llu), tf %u", e->idf,
		               (unsigned long long)e->df, (unsigned long long)m->docs,
		               (unsigned)x.tf);
		if (e->kind == ATT_ET_TEXT && m->title_weight != 1)
			att_buf_printf(b, " (title %u, weight %g)", (unsigned)x.ttf,
			               m->title_weight);
		if (e->kind == ATT_ET_TEXT && m->title_weight != 1)
			att_buf_printf(b, ", length %u (title %u), weighted length %.1f,"
			               " avg %.1f", (unsigned)x.dl, (unsigned)x.tl,
			               x.dl + (m->title_weight - 1) * x.tl,
			               m->avgdl + (m->title_weight - 1) * m->avgtl);
		else if (e->kind == ATT_ET_TEXT)
			att_buf_printf(b, ", length %u (title %u), avg %.1f",
			               (unsigned)x.dl, (unsigned)x.tl, m->avgdl);
		else if (e->kind == ATT_ET_TITLE)
			att_buf_printf(b, ", title length %u, avg %.1f",
			               (unsigned)x.dl, m->avgtl);
		att_buf_printf(b, "\n");
	}
}

att_status att_match_explain(att_match *m, uint32_t seg, uint32_t doc,
                             att_buf *out)
{
	att_status rc = att_match_open_segment(m, seg);

	if (rc != ATT_OK)
		return rc;
	if (nadvance(m, m->root, doc) != doc) {
		att_buf_printf(out, "(does not match)\n");
		return m->rc;
	}
	att_buf_printf(out, "document score: BM25%s k1 %g b %g\n",
	               m->title_weight != 1 ? "F" : "", m->k1, m->b);
	explain_node(m, m->root, doc, 1, out);
	return m->rc != ATT_OK ? m->rc : out->rc;
}
