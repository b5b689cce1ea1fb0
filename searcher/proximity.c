/*
 * proximity.c: term proximity for the re-ranked candidates, BM25TP in
 * the manner of Büttcher, Clarke and Lushman, "Term proximity scoring
 * for ad-hoc retrieval on very large text collections" (SIGIR 2006).
 *
 * BM25 scores each query word as if the others were not there: a
 * document that says "heat conduction in composite slabs" scores no
 * better than one with "heat" in its first paragraph and "slabs" in its
 * last. BM25TP adds, for each query term T, an accumulator of how close
 * T's occurrences stand to those of the other query terms, and gives the
 * accumulator BM25's saturation and length normalisation:
 *
 *   walking the document's query-term occurrences in position order,
 *   for each occurrence of T_j whose previous occurrence is of another
 *   term T_k (at distance d = pos_j - pos_k):
 *       acc(T_j) += idf(T_k) / d^2
 *       acc(T_k) += idf(T_j) / d^2
 *
 *   proximity = sum over T of
 *       min(1, idf(T)) * acc(T) * (k1 + 1) / (acc(T) + K),
 *       K = k1 * ((1 - b) + b * dl / avgdl)
 *
 * Only neighbouring occurrences of different terms count: "slabs heat"
 * adds 1 / 1 to each term's accumulator, "heat a b slabs" 1 / 9, and a
 * term repeated ("heat heat") nothing. The idf weights are the ones BM25
 * uses (idf = ln(1 + (N - df + 0.5) / (df + 0.5))), so a pair of rare
 * words counts more than a pair of common ones, and min(1, idf) damps
 * the words that are in most documents. The paper writes idf as
 * log(N / df); the search's own idf is used instead so that the whole
 * score rests on one definition.
 *
 * The inputs are the positions the passage re-ranking reads anyway (the
 * positive query terms' positions in the candidate), merged once into
 * the scratch buffer: no other read, and a walk linear in the number of
 * occurrences. Title positions start at 0 and the text's after a gap of
 * ATT_TEXT_GAP, so a title word and a text word are never neighbours by
 * much. The caller gives dl / avgdl as its backend measures lengths for
 * BM25 (natively: tokens of title and text; Xapian: its document length,
 * which also counts field terms), so the part is computed by this one
 * function on both backends and differs only where their lengths do.
 */
#include <string.h>

#include "searcher.h"

/* Room for NTERMS accumulators in SC, zeroed. */
static att_status zero_acc(att_pscratch *sc, size_t nterms)
{
	if (nterms > sc->capacc) {
		double *p = att_realloc(sc->acc, nterms * sizeof *p);

		if (p == NULL)
			return ATT_ENOMEM;
		sc->acc = p;
		sc->capacc = nterms;
	}
	if (nterms > 0)
		memset(sc->acc, 0, nterms * sizeof *sc->acc);
	return ATT_OK;
}

att_status att_proximity(double *out, att_prox *per, const att_pterm *terms,
                         size_t nterms, double norm, double k1, double b,
                         att_pscratch *sc)
{
	double K = k1 * ((1 - b) + b * norm), sum = 0;
	size_t i, t;

	*out = 0;
	if (zero_acc(sc, nterms) != ATT_OK ||
	    att_pscratch_merge(sc, terms, nterms) != ATT_OK)
		return ATT_ENOMEM;
	for (i = 1; i < sc->n; i++) {
		const att_phit *p = &sc->hits[i - 1], *q = &sc->hits[i];
		double d, inv;

		if (p->term == q->term || q->pos == p->pos)
			continue;
		d = (double)(q->pos - p->pos);
		inv = 1.0 / (d * d);
		sc->acc[q->term] += terms[p->term].idf * inv;
		sc->acc[p->term] += terms[q->term].idf * inv;
	}
	for (t = 0; t < nterms; t++) { /* in term order: equal inputs, equal sums */
		double a = sc->acc[t], w = terms[t].idf < 1 ? terms[t].idf : 1;
		double part = a > 0 ? w * a * (k1 + 1) / (a + K) : 0;

		if (per != NULL) {
			per[t].acc = a;
			per[t].score = part;
		}
		sum += part;
	}
	*out = sum;
	return ATT_OK;
}

int att_rerank_what(const att_search_options *o)
{
	return (o->passage_weight != 0 ? ATT_RR_PASSAGES : 0) |
	    (o->proximity_weight != 0 ? ATT_RR_PROXIMITY : 0);
}

double att_blend(double doc, double passage, double prox,
                 const att_search_options *o)
{
	return doc + o->passage_weight * passage + o->proximity_weight * prox;
}
