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

static double tf_score(const att_pterm *t, uint32_t tf, double len,
                       double words, double k1, double b)
{
	return t->idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / words));
}

/* The best window sharing no sentence with OUT[0..got). Windows only
 * move forward (a later start never ends earlier), so each term's
 * positions are walked once with two pointers: the first position in
 * the window, and the first past it. */
static att_window best_window(const att_window *out, size_t got,
                              const att_sentence *sents, uint32_t nsent,
                              const att_pterm *terms, size_t nterms,
                              uint32_t *lo, uint32_t *hi, double words,
                              double k1, double b)
{
	att_window best = { 0, 0, -1 };
	uint32_t s, e = 0;
	size_t t, j;

	for (t = 0; t < nterms; t++)
		lo[t] = hi[t] = 0;
	for (s = 0; s < nsent; s++) {
		uint32_t from = sents[s].pos, to;
		double sc = 0, len;
		int clash = 0;

		if (e < s)
			e = s;
		while (e + 1 < nsent && sents[e + 1].pos - from < words)
			e++;
		to = sents[e + 1].pos;
		len = to > from ? to - from : 1;
		for (t = 0; t < nterms; t++) {
			const uint32_t *p = terms[t].pos;

			while (lo[t] < terms[t].n && p[lo[t]] < from)
				lo[t]++;
			if (hi[t] < lo[t])
				hi[t] = lo[t];
			while (hi[t] < terms[t].n && p[hi[t]] < to)
				hi[t]++;
			if (hi[t] > lo[t])
				sc += tf_score(&terms[t], hi[t] - lo[t], len, words, k1, b);
		}
		if (sc <= best.score)
			continue;
		for (j = 0; j < got && !clash; j++)
			clash = !(e < out[j].first || s > out[j].last);
		if (clash)
			continue;
		best.first = s;
		best.last = e;
		best.score = sc;
	}
	return best;
}

size_t att_passages_best(att_window *out, size_t k, const att_sentence *sents,
                         uint32_t nsent, const att_pterm *terms, size_t nterms,
                         size_t words, double k1, double b)
{
	uint32_t lo[ATT_MATCH_MAX_SLOTS], hi[ATT_MATCH_MAX_SLOTS];
	size_t got = 0;

	if (nsent == 0 || k == 0)
		return 0;
	if (nterms > sizeof lo / sizeof *lo)
		nterms = sizeof lo / sizeof *lo;
	while (got < k) {
		att_window best = best_window(out, got, sents, nsent, terms, nterms,
		                              lo, hi, (double)words, k1, b);

		if (best.score < 0 || (got > 0 && best.score == 0))
			break;
		out[got++] = best;
	}
	return got;
}
