/*
 * passage.c: choosing a document's best passages.
 *
 * A passage is a window of whole sentences, grown from a starting
 * sentence until it holds at least the target number of words (so a
 * window is one sentence if that sentence is long enough, and never cuts
 * one). Every starting sentence gives one candidate window. A window is
 * scored as a tiny document with BM25: the query terms' frequencies
 * inside it, normalised by its length against the target length, weighted
 * by the terms' collection idf. The best window wins; further passages
 * are the best windows that share no sentence with those already chosen.
 *
 * Only positions and the sentence table are needed: no text is read or
 * analysed here. The text of the chosen windows is cut and marked later,
 * for the hits actually shown.
 */
#include <string.h>

#include "searcher.h"

/* The number of positions in P[0..n) that are < X. */
static uint32_t lower_bound(const uint32_t *p, uint32_t n, uint32_t x)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (p[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static double window_score(const att_sentence *s, uint32_t first,
                           uint32_t last, const att_pterm *terms,
                           size_t nterms, double words, double k1, double b)
{
	uint32_t from = s[first].pos, to = s[last + 1].pos;
	double len = to > from ? to - from : 1, score = 0;
	size_t t;

	for (t = 0; t < nterms; t++) {
		uint32_t tf = lower_bound(terms[t].pos, terms[t].n, to) -
		    lower_bound(terms[t].pos, terms[t].n, from);

		if (tf > 0)
			score += terms[t].idf * tf * (k1 + 1) /
			    (tf + k1 * (1 - b + b * len / words));
	}
	return score;
}

size_t att_passages_best(att_window *out, size_t k, const att_sentence *sents,
                         uint32_t nsent, const att_pterm *terms, size_t nterms,
                         size_t words, double k1, double b)
{
	size_t got = 0, j;
	uint32_t s;

	if (nsent == 0 || k == 0)
		return 0;
	while (got < k) {
		att_window best = { 0, 0, -1 };

		for (s = 0; s < nsent; s++) {
			uint32_t e = s;
			double sc;
			int clash = 0;

			while (e + 1 < nsent && sents[e + 1].pos - sents[s].pos < words)
				e++;
			for (j = 0; j < got && !clash; j++)
				clash = !(e < out[j].first || s > out[j].last);
			if (clash)
				continue;
			sc = window_score(sents, s, e, terms, nterms, (double)words, k1, b);
			if (sc > best.score) {
				best.first = s;
				best.last = e;
				best.score = sc;
			}
		}
		if (best.score < 0 || (got > 0 && best.score == 0))
			break;
		out[got++] = best;
	}
	return got;
}
