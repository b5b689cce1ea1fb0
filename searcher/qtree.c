/*
 * qtree.c: rewriting a parsed query tree, and rendering it.
 *
 * query.c builds the tree; these passes then shape it for evaluation:
 *
 *   - A word repeated among the optional members of a group ("oil" three
 *     times in a pasted paragraph) becomes one member boosted by the
 *     count: the same score (BM25's query term frequency), one cursor.
 *   - A query of more than ATT_QUERY_MAX_TERMS terms (a pasted page) is
 *     cut to its most informative terms rather than refused: the parts
 *     the person marked (required, excluded, phrases, prefixes) first,
 *     then optional words rarest first (fewest documents, the highest
 *     idf), in query order among equals, and last the words no document
 *     has (they can find nothing). What is dropped is noted.
 *   - A query made only of exclusions has nothing to exclude from; in
 *     forgiving mode its exclusions become optional words.
 *
 * The canonical rendering is what `--explain` shows as "searched" and
 * what the tests compare: word, title:word, word* (a prefix), word? (an
 * optional stop word), "a b" (a phrase), near/N(a b), (...) a group,
 * +required, -excluded, ^N a boost, name:LO..HI a range of a typed
 * field (an open end empty), * every document, syn(a "b c") synonyms
 * scored as one term.
 */
#include <stdlib.h>
#include <string.h>

#include "searcher.h"

int att_query_can_match(const att_query *q, uint32_t n)
{
	const att_qnode *nd = &q->nodes[n];
	uint32_t k;

	if (nd->kind != ATT_Q_BOOL)
		return 1;
	for (k = 0; k < nd->n; k++) {
		uint32_t c = q->kids[nd->first + k];

		if (q->nodes[c].occur != ATT_MUST_NOT && att_query_can_match(q, c))
			return 1;
	}
	return 0;
}

/* ---- repeated words --------------------------------------------------------- */

typedef struct rep {
	const att_qterm *t;
	int stop;
	uint32_t at;        /* position among the group's members */
} rep;

static int cmp_rep(const void *a, const void *b)
{
	const rep *x = a, *y = b;
	uint32_t n = x->t->len < y->t->len ? x->t->len : y->t->len;
	int c = memcmp(x->t->text, y->t->text, n);

	if (c == 0 && x->t->len != y->t->len)
		c = x->t->len < y->t->len ? -1 : 1;
	if (c == 0 && x->stop != y->stop)
		c = x->stop - y->stop;
	if (c == 0)
		c = x->at < y->at ? -1 : x->at > y->at;
	return c;
}

static int mergeable_word(const att_qnode *nd)
{
	return nd->kind == ATT_Q_TERM && nd->occur == ATT_SHOULD && !nd->prefix &&
	    !nd->fuzzy;
}

/* One group: its repeated optional words into the first of each. V is
 * scratch room for every member. */
static void merge_group(att_query *q, att_qnode *g, rep *v)
{
	uint32_t k, n = 0, keep = 0;
	uint32_t *kids = q->kids + g->first;

	for (k = 0; k < g->n; k++) {
		att_qnode *c = &q->nodes[kids[k]];

		if (mergeable_word(c)) {
			v[n].t = &q->terms[c->first];
			v[n].stop = c->stop;
			v[n++].at = k;
		}
	}
	if (n < 2)
		return;
	qsort(v, n, sizeof *v, cmp_rep);
	for (k = 1; k < n; k++) {
		rep *a = &v[keep], *b = &v[k];

		if (a->t->len == b->t->len && a->stop == b->stop &&
		    memcmp(a->t->text, b->t->text, a->t->len) == 0) {
			q->nodes[kids[a->at]].boost += q->nodes[kids[b->at]].boost;
			kids[b->at] = UINT32_MAX;  /* removed below */
		} else {
			keep = k;
		}
	}
	for (k = 0, n = 0; k < g->n; k++)
		if (kids[k] != UINT32_MAX)
			kids[n++] = kids[k];
	g->n = n;
}

static void merge_node(att_query *q, uint32_t n, rep *v)
{
	att_qnode *nd = &q->nodes[n];
	uint32_t k;

	if (nd->kind != ATT_Q_BOOL)
		return;
	for (k = 0; k < nd->n; k++)
		merge_node(q, q->kids[nd->first + k], v);
	merge_group(q, nd, v);
}

void att_query_merge_repeats(att_query *q)
{
	rep *v;

	if (q->nnodes == 0 || q->nkids < 2)
		return;
	v = att_malloc(q->nkids * sizeof *v);
	if (v == NULL)
		return;   /* merging is an optimisation: the tree stays right */
	merge_node(q, q->root, v);
	att_free(v);
}

/* ---- the term limit --------------------------------------------------------- */

typedef struct tleaf {
	uint32_t node;
	int marked;         /* required, excluded, a phrase or a prefix */
	uint64_t df;
	uint32_t order;
} tleaf;

static int cmp_tleaf(const void *a, const void *b)
{
	const tleaf *x = a, *y = b;

	if (x->marked != y->marked)
		return y->marked - x->marked;
	if (x->df != y->df)
		return x->df < y->df ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* The terms of leaf N: a synonym node's are its members'. */
static uint32_t leaf_nterms(const att_query *q, uint32_t n)
{
	const att_qnode *nd = &q->nodes[n];
	uint32_t k, sum = 0;

	if (nd->kind != ATT_Q_SYN)
		return nd->n;
	for (k = 0; k < nd->n; k++)
		sum += q->nodes[q->kids[nd->first + k]].n;
	return sum;
}

/* The leaves under N into V (room for every node), and their terms. */
static uint64_t collect(const att_query *q, uint32_t n, tleaf *v, uint32_t *nv)
{
	const att_qnode *nd = &q->nodes[n];
	uint64_t sum = 0;
	uint32_t k;

	if (nd->kind == ATT_Q_BOOL) {
		for (k = 0; k < nd->n; k++)
			sum += collect(q, q->kids[nd->first + k], v, nv);
		return sum;
	}
	v[*nv].node = n;
	v[*nv].marked = nd->kind != ATT_Q_TERM || nd->prefix || nd->fuzzy ||
	    nd->occur != ATT_SHOULD;
	v[*nv].order = *nv;
	(*nv)++;
	return leaf_nterms(q, n);
}

/* Drops the leaves not in KEEP, and the groups left empty; 1 if N stays. */
static int prune(att_query *q, uint32_t n, const char *keep)
{
	att_qnode *nd = &q->nodes[n];
	uint32_t k, m = 0;

	if (nd->kind != ATT_Q_BOOL)
		return keep[n];
	for (k = 0; k < nd->n; k++) {
		uint32_t c = q->kids[nd->first + k];

		if (prune(q, c, keep))
			q->kids[nd->first + m++] = c;
	}
	nd->n = m;
	return m > 0;
}

/* The document frequency that orders leaf L: its rarest term's; a leaf
 * with a term in no document, which can match nothing, orders last. */
static uint64_t leaf_df(const att_query *q, const att_qnode *l,
                        const att_parse_env *env)
{
	uint64_t best = UINT64_MAX;
	uint32_t i;

	if (env->term_df == NULL)
		return 0;
	for (i = 0; i < l->n; i++) {
		const att_qterm *t = &q->terms[l->first + i];
		uint64_t df = env->term_df(env->ctx, t->text, t->len);

		if (df == 0)   /* in no document: it finds nothing, comes last */
			return UINT64_MAX;
		if (df < best)
			best = df;
	}
	return best;
}

att_status att_query_trim(att_query *q, const att_parse_env *env,
                          size_t limit)
{
	uint32_t nv = 0, i;
	uint64_t total, used = 0;
	tleaf *v;
	char *keep;

	if (q->nnodes == 0)
		return ATT_OK;
	v = att_malloc(q->nnodes * sizeof *v);
	keep = att_calloc(q->nnodes, 1);
	if (v == NULL || keep == NULL) {
		att_free(v);
		att_free(keep);
		return ATT_ENOMEM;
	}
	total = collect(q, q->root, v, &nv);
	if (total <= limit) {
		att_free(v);
		att_free(keep);
		return ATT_OK;
	}
	for (i = 0; i < nv; i++) {
		att_qnode *l = &q->nodes[v[i].node];

		if (l->kind == ATT_Q_SYN) {  /* marked: kept first */
			v[i].df = 0;
			continue;
		}
		if (l->n > limit / 4)  /* a pasted "phrase": its first words */
			l->n = (uint32_t)(limit / 4);
		v[i].df = leaf_df(q, l, env);
	}
	qsort(v, nv, sizeof *v, cmp_tleaf);
	for (i = 0; i < nv; i++) {
		uint32_t n = leaf_nterms(q, v[i].node);

		if (used + n <= limit) {
			keep[v[i].node] = 1;
			used += n;
		}
	}
	prune(q, q->root, keep);
	att_note(&q->notes, "query of %llu terms: the %llu most informative kept",
	         (unsigned long long)total, (unsigned long long)used);
	att_free(v);
	att_free(keep);
	return ATT_OK;
}

void att_query_unexclude(att_query *q)
{
	uint32_t n;

	for (n = 0; n < q->nnodes; n++)
		if (q->nodes[n].occur == ATT_MUST_NOT)
			q->nodes[n].occur = ATT_SHOULD;
}

/* ---- rendering -------------------------------------------------------------- */

static void put_term(att_buf *b, const att_qterm *t)
{
	if (t->field_len > 0)  /* "\x02name:" shown as "name:" */
		att_buf_append(b, t->text + 1, t->len - 1);
	else
		att_buf_append(b, t->text, t->len);
}

/* A range bound's key as the field's type writes it. */
static void put_key(att_buf *b, unsigned type, uint64_t key)
{
	char v[64];

	if (type == ATT_FIELD_DATE)
		att_date_format(v, sizeof v, att_date_of_key(key));
	else
		att_number_format(v, sizeof v, att_number_of_key(key));
	att_buf_printf(b, "%s", v);
}

/* name:LO..HI, an open end left empty. */
static void render_range(att_buf *b, const att_query *q, const att_qnode *nd)
{
	const att_schema *sc = q->schema;
	unsigned type = ATT_FIELD_NUMBER;

	if (sc != NULL && nd->field < sc->n) {
		att_buf_printf(b, "%s:", sc->f[nd->field].name);
		type = sc->f[nd->field].type;
	}
	if (nd->lo != 0)
		put_key(b, type, nd->lo);
	att_buf_printf(b, "..");
	if (nd->hi != UINT64_MAX)
		put_key(b, type, nd->hi);
}

static void render(att_buf *b, const att_query *q, uint32_t n, int root)
{
	const att_qnode *nd = &q->nodes[n];
	uint32_t i;

	if (!root && nd->occur != ATT_SHOULD)
		att_buf_putc(b, nd->occur == ATT_MUST ? '+' : '-');
	switch (nd->kind) {
	case ATT_Q_TERM:
		put_term(b, &q->terms[nd->first]);
		if (nd->prefix)
			att_buf_putc(b, '*');
		if (nd->fuzzy)
			att_buf_printf(b, "~%u", nd->fuzzy);
		if (nd->stop)
			att_buf_putc(b, '?');
		break;
	case ATT_Q_PHRASE:
	case ATT_Q_NEAR:
		if (nd->kind == ATT_Q_NEAR)
			att_buf_printf(b, "near/%u(", (unsigned)nd->slop);
		else
			att_buf_putc(b, '"');
		for (i = 0; i < nd->n; i++) {
			if (i)
				att_buf_putc(b, ' ');
			put_term(b, &q->terms[nd->first + i]);
		}
		att_buf_putc(b, nd->kind == ATT_Q_NEAR ? ')' : '"');
		break;
	case ATT_Q_RANGE:
		render_range(b, q, nd);
		break;
	case ATT_Q_ALL:
		att_buf_putc(b, '*');
		break;
	case ATT_Q_SYN:   /* syn(turkey "republ of turkey" türkiy) */
		att_buf_printf(b, "syn(");
		for (i = 0; i < nd->n; i++) {
			if (i)
				att_buf_putc(b, ' ');
			render(b, q, q->kids[nd->first + i], 1);
		}
		att_buf_putc(b, ')');
		break;
	case ATT_Q_BOOL:
		att_buf_putc(b, '(');
		for (i = 0; i < nd->n; i++) {
			if (i)
				att_buf_putc(b, ' ');
			render(b, q, q->kids[nd->first + i], 0);
		}
		att_buf_putc(b, ')');
		break;
	}
	if (nd->boost != 1)
		att_buf_printf(b, "^%g", nd->boost);
}

void att_query_render(att_buf *b, const att_query *q)
{
	if (q->nnodes > 0)
		render(b, q, q->root, 1);
}
