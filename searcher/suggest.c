/*
 * Did you mean: a better spelling of a query, from the index's own
 * vocabulary and frequencies (docs/QUERY.md, "Did you mean").
 *
 * A word of the query is changed when
 *   - no live document holds its term, and a term within the edits the
 *     automatic correction allows (att_fuzzy_edits) exists: the nearest,
 *     the most frequent of those at the least distance, as the
 *     correction itself chooses; or
 *   - the query found fewer than ATT_SUGGEST_FEW documents, and a term
 *     one edit away is held by at least SUGGEST_RATIO times as many
 *     documents as the word's own.
 * Every other word is left as it was typed, so a query that is fine gets
 * no suggestion. Only words the user searched for freely or in phrases
 * are looked at: not fields, prefixes, word~N, excluded words, stop words
 * or filters.
 *
 * The suggestion is the query's text with each changed word's bytes
 * replaced by a surface form of the new term: of the term with the typed
 * word's ending put back ("contries" -> term "countri" -> "countries"),
 * the term itself and the term with a common ending, the one nearest to
 * the typed word that stems to the term again; else the term itself. Its operators, quotes and other words
 * stay as they were.
 */
#include <stdlib.h>
#include <string.h>

#include "searcher.h"

/* A rare word is replaced only by a term this many times as frequent. */
#define SUGGEST_RATIO 20

typedef struct change {
	uint32_t at, len;              /* the word's bytes in the query */
	char text[2 * ATT_MAX_TERM + 8];
	size_t tlen;
} change;

typedef struct walker {
	const att_query *q;
	const att_suggest_env *env;
	int few;
	change *v;
	size_t n, cap;
	att_status rc;
} walker;

/* 1 if analysing WORD (LEN bytes) with AN gives TERM (TLEN bytes). */
static int stems_to(att_analyzer *an, const char *word, size_t len,
                    const char *term, size_t tlen)
{
	char st[ATT_MAX_TERM + 1];
	size_t sl;

	if (len == 0 || len > ATT_MAX_TERM)
		return 0;
	sl = att_analyze_word(an, st, sizeof st - 1, word, len);
	return sl == tlen && memcmp(st, term, tlen) == 0;
}

/* Keeps CAND (LEN bytes) in BEST if it stems to TERM and is nearer to
 * FOLD than what BEST holds. */
static void consider(const att_suggest_env *env, char *best, size_t *blen,
                     int *bdist, const char *cand, size_t len,
                     const char *fold, size_t flen, const char *term,
                     size_t tlen)
{
	int d;

	if (!stems_to(env->an, cand, len, term, tlen))
		return;
	d = att_edit_distance(cand, len, fold, flen, 8);
	if (d < 0 || (*bdist >= 0 && d >= *bdist))
		return;
	memcpy(best, cand, len);
	*blen = len;
	*bdist = d;
}

/* A word that stems to TERM, written to OUT (room for 2 * ATT_MAX_TERM
 * + 8 bytes), its length returned; WORD (LEN bytes) the typed word whose
 * term was STEM. Of HINT (HLEN bytes; 0: none), the term with the word's
 * ending put back, the term itself and the term with a common ending,
 * the one nearest the typed word that stems to TERM; else the term. */
static size_t surface(const att_suggest_env *env, char *out, const char *word,
                      size_t len, const char *stem, size_t slen,
                      const char *term, size_t tlen, const char *hint,
                      size_t hlen)
{
	static const char *const endings[] = { "e", "s", "y", "ed", "ing",
	                                       "ion", "al", "ation", "ic" };
	char fold[ATT_MAX_TERM + 1], cand[2 * ATT_MAX_TERM + 8];
	size_t flen = 0, p = 0, blen = tlen, i;
	int bdist = -1;

	memcpy(out, term, tlen);
	if (env->plain != NULL && len <= ATT_MAX_TERM)
		flen = att_analyze_word(env->plain, fold, sizeof fold - 1, word, len);
	if (flen == 0)
		return tlen;
	if (hlen > 0)
		consider(env, out, &blen, &bdist, hint, hlen, fold, flen, term, tlen);
	while (p < flen && p < slen && fold[p] == stem[p])
		p++;
	if (tlen >= slen - p &&
	    memcmp(term + tlen - (slen - p), stem + p, slen - p) == 0) {
		size_t keep = tlen - (slen - p);

		memcpy(cand, term, keep);
		memcpy(cand + keep, fold + p, flen - p);
		consider(env, out, &blen, &bdist, cand, keep + flen - p, fold, flen,
		         term, tlen);
	}
	memcpy(cand, term, tlen);
	consider(env, out, &blen, &bdist, cand, tlen, fold, flen, term, tlen);
	for (i = 0; i < sizeof endings / sizeof *endings; i++) {
		size_t el = strlen(endings[i]);

		memcpy(cand + tlen, endings[i], el);
		consider(env, out, &blen, &bdist, cand, tlen + el, fold, flen, term,
		         tlen);
	}
	return blen;
}

/* Keeps V (N bytes) in *VB if its stem, other than T's, is held by more
 * documents than *VB's. */
static void try_variant(att_variants *vb, const att_qterm *t, const char *v,
                        size_t n)
{
	char st[ATT_MAX_TERM + 1];
	size_t sl = att_analyze_word(vb->an, st, sizeof st - 1, v, n);
	uint64_t df;

	if (sl == 0 || (sl == t->len && memcmp(st, t->text, sl) == 0))
		return;
	df = vb->df(vb->ctx, st, sl);
	if (df <= vb->best_df)
		return;
	vb->best_df = df;
	memcpy(vb->best, st, sl);
	vb->best_len = sl;
	memcpy(vb->word, v, n);
	vb->word_len = n;
}

att_status att_variant_term(att_variants *vb, const att_query *q,
                            const att_qterm *t)
{
	char fold[ATT_MAX_TERM + 1], v[ATT_VARIANT_MAX + 2];
	size_t n = 0, i;
	char c;

	vb->best_df = 0;
	vb->best_len = vb->word_len = 0;
	if (vb->plain != NULL && t->src_len > 0 && t->src_len <= ATT_MAX_TERM &&
	    (size_t)t->src + t->src_len <= q->text_len)
		n = att_analyze_word(vb->plain, fold, sizeof fold - 1,
		                     q->text + t->src, t->src_len);
	if (n < 5 || n > ATT_VARIANT_MAX)
		return ATT_OK;
	for (i = 0; i < n; i++)
		if (fold[i] < 'a' || fold[i] > 'z')
			return ATT_OK;
	/* the commonest slips first, as ties go to the first: a letter left
	 * out, two swapped, one too many, one wrong */
	for (i = 0; i <= n; i++)
		for (c = 'a'; c <= 'z'; c++) {
			if (i > 0 && c == fold[i - 1])
				continue;   /* the same word as inserting after it */
			memcpy(v, fold, i);
			v[i] = c;
			memcpy(v + i + 1, fold + i, n - i);
			try_variant(vb, t, v, n + 1);
		}
	for (i = 0; i + 1 < n; i++) {
		if (fold[i] == fold[i + 1])
			continue;
		memcpy(v, fold, n);
		v[i] = fold[i + 1], v[i + 1] = fold[i];
		try_variant(vb, t, v, n);
	}
	for (i = 0; i < n; i++) {
		memcpy(v, fold, i);
		memcpy(v + i, fold + i + 1, n - i - 1);
		try_variant(vb, t, v, n - 1);
	}
	for (i = 0; i < n; i++)
		for (c = 'a'; c <= 'z'; c++) {
			if (c == fold[i])
				continue;
			memcpy(v, fold, n);
			v[i] = c;
			try_variant(vb, t, v, n);
		}
	return ATT_OK;
}

/* The term to put in place of T (held by DF documents), or NULL; HINT
 * (*HLEN bytes, 0: none) a spelling of it to prefer. */
static const att_fz_term *better(walker *w, const att_qterm *t, uint64_t df,
                                 att_fz_set *set, char *hint, size_t *hlen)
{
	unsigned edits = att_fuzzy_edits(t->text, t->len);
	const att_fz_term *best = NULL;
	size_t i;

	*hlen = 0;
	if (df > 0 && (edits == 0 || !w->few))
		return NULL;
	if (edits > 0) {
		w->rc = w->env->near(w->env->ctx, t->text, t->len,
		                     df > 0 ? 1 : edits, df == 0, set);
		if (w->rc != ATT_OK)
			return NULL;
	}
	for (i = 0; i < set->n; i++) {
		const att_fz_term *c = &set->v[i];

		if (c->dist == 0)
			continue;   /* the word itself */
		if (df == 0)
			return c;   /* att_fz_finish put the nearest first */
		if (best == NULL || c->df > best->df)
			best = c;
	}
	if (best != NULL && best->df >= SUGGEST_RATIO * df)
		return best;
	if (df == 0 && set->n == 0) {
		att_variants vb;

		memset(&vb, 0, sizeof vb);
		vb.an = w->env->an;
		vb.plain = w->env->plain;
		vb.df = w->env->df;
		vb.ctx = w->env->ctx;
		att_variant_term(&vb, w->q, t);
		if (vb.best_df > 0)
			w->rc = att_fz_add(set, (const uint8_t *)vb.best, vb.best_len,
			                   vb.best_df, 1);
		if (w->rc == ATT_OK && set->n > 0) {
			memcpy(hint, vb.word, vb.word_len);
			*hlen = vb.word_len;
			return &set->v[0];
		}
	}
	return NULL;
}

static void add_change(walker *w, const att_qterm *t, const att_fz_term *c,
                       const char *hint, size_t hlen)
{
	const char *word = w->q->text + t->src;
	change *ch;
	size_t i;

	for (i = 0; i < w->n; i++)
		if (w->v[i].at == t->src)
			return;   /* a word met twice (a synonym group's) */
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 8;
		change *v = att_realloc(w->v, cap * sizeof *v);

		if (v == NULL) {
			w->rc = ATT_ENOMEM;
			return;
		}
		w->v = v, w->cap = cap;
	}
	ch = &w->v[w->n];
	ch->at = t->src;
	ch->len = t->src_len;
	ch->tlen = surface(w->env, ch->text, word, t->src_len, t->text, t->len,
	                   c->text, c->len, hint, hlen);
	w->n++;
}

static void look_at_term(walker *w, const att_qterm *t)
{
	char hint[ATT_VARIANT_MAX + 2];
	att_fz_set set;
	const att_fz_term *c;
	size_t hlen;
	uint64_t df;

	if (t->src_len == 0 || t->field_len > 0 ||
	    (size_t)t->src + t->src_len > w->q->text_len)
		return;
	df = w->env->df(w->env->ctx, t->text, t->len);
	memset(&set, 0, sizeof set);
	c = better(w, t, df, &set, hint, &hlen);
	if (c != NULL && w->rc == ATT_OK)
		add_change(w, t, c, hint, hlen);
	att_fz_release(&set);
}

static void look_at(walker *w, uint32_t node, int excluded, unsigned depth)
{
	const att_query *q = w->q;
	const att_qnode *nd = &q->nodes[node];
	uint32_t i;

	if (w->rc != ATT_OK || depth > 2 * ATT_QUERY_MAX_DEPTH + 8)
		return;
	excluded |= nd->occur == ATT_MUST_NOT;
	if (excluded || nd->filter)
		return;
	switch (nd->kind) {
	case ATT_Q_BOOL:
	case ATT_Q_SYN:
		for (i = 0; i < nd->n; i++)
			look_at(w, q->kids[nd->first + i], excluded, depth + 1);
		break;
	case ATT_Q_TERM:
		if (!nd->prefix && nd->fuzzy == 0 && !nd->stop)
			look_at_term(w, &q->terms[nd->first]);
		break;
	case ATT_Q_PHRASE:
	case ATT_Q_NEAR:
		for (i = 0; i < nd->n && w->rc == ATT_OK; i++)
			look_at_term(w, &q->terms[nd->first + i]);
		break;
	default:
		break;
	}
}

static int cmp_change(const void *a, const void *b)
{
	const change *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

att_status att_suggest(char **out, const att_query *q,
                       const att_suggest_env *env, int few)
{
	walker w;
	att_buf b;
	size_t i, from = 0;

	*out = NULL;
	if (q->text == NULL || q->nnodes == 0)
		return ATT_OK;
	memset(&w, 0, sizeof w);
	w.q = q;
	w.env = env;
	w.few = few;
	look_at(&w, q->root, 0, 0);
	if (w.rc != ATT_OK || w.n == 0) {
		att_free(w.v);
		return w.rc;
	}
	qsort(w.v, w.n, sizeof *w.v, cmp_change);
	att_buf_init(&b);
	for (i = 0; i < w.n; i++) {
		if (w.v[i].at < from)
			continue;   /* overlapping words: the first kept */
		att_buf_append(&b, q->text + from, w.v[i].at - from);
		att_buf_append(&b, w.v[i].text, w.v[i].tlen);
		from = w.v[i].at + w.v[i].len;
	}
	att_buf_append(&b, q->text + from, q->text_len - from);
	att_buf_putc(&b, '\0');
	att_free(w.v);
	if (b.rc != ATT_OK) {
		att_buf_release(&b);
		return ATT_ENOMEM;
	}
	*out = (char *)b.p;
	return ATT_OK;
}
