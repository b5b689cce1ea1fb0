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

/* Each term's sorted list is merged into the hits so far, back to
 * front. */
att_status att_pscratch_merge(att_pscratch *sc, const att_pterm *terms,
                              size_t nterms)
{
	size_t n = 0, t;

	for (t = 0; t < nterms; t++)
		n += terms[t].n;
	if (n + 1 > sc->cap) {
		att_phit *p = att_realloc(sc->hits, (n + 1) * sizeof *p);

		if (p == NULL)
			return ATT_ENOMEM;
		sc->hits = p;
		sc->cap = n + 1;
	}
	sc->n = 0;
	for (t = 0; t < nterms; t++) {
		size_t i = sc->n, j = terms[t].n, w = sc->n + terms[t].n;

		while (j > 0) {
			if (i > 0 && sc->hits[i - 1].pos > terms[t].pos[j - 1]) {
				sc->hits[--w] = sc->hits[--i];
			} else {
				sc->hits[--w].pos = terms[t].pos[--j];
				sc->hits[w].term = (uint32_t)t;
			}
		}
		sc->n += terms[t].n;
	}
	return ATT_OK;
}

/* The first start sentence, after S, whose window can hold position P
 * (P is past S's window): windows grow while a sentence starts fewer
 * than WORDS positions after their first, so a window holds P's
 * sentence J only if it starts less than WORDS before J does. */
static uint32_t first_reaching(const att_sentence *sents, uint32_t nsent,
                               uint32_t s, uint32_t p, uint32_t words)
{
	uint32_t lo = s + 1, hi = nsent, j, min;

	while (lo < hi) {  /* J: the last sentence starting at or before P */
		uint32_t mid = lo + (hi - lo) / 2;

		if (sents[mid].pos <= p)
			lo = mid + 1;
		else
			hi = mid;
	}
	j = lo - 1;
	min = sents[j].pos >= words ? sents[j].pos - words : 0;
	lo = s + 1;
	hi = j;
	while (lo < hi) {  /* the first start after min */
		uint32_t mid = lo + (hi - lo) / 2;

		if (sents[mid].pos <= min)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The best window sharing no sentence with OUT[0..got). Windows only
 * move forward (a later start never ends earlier), so the merged hits
 * are walked once with two pointers: the first hit in the window and
 * the first past it. Windows without hits score 0 and are skipped: the
 * walk jumps to the first window that can reach the next hit, and stops
 * after the last. */
static att_window best_window(const att_window *out, size_t got,
                              const att_sentence *sents, uint32_t nsent,
                              const att_pterm *terms, size_t nterms,
                              const att_pscratch *sc, uint32_t *tf,
                              uint32_t words, double k1, double b)
{
	att_window best = { 0, 0, -1 };
	uint32_t s, e = 0, lo = 0, hi = 0, i;
	size_t j, t;

	for (s = 0; s < nsent; s++) {
		uint32_t from = sents[s].pos, to;
		double sc_ = 0, len;
		int clash = 0;

		if (e < s)
			e = s;
		while (e + 1 < nsent && sents[e + 1].pos - from < words)
			e++;
		to = sents[e + 1].pos;
		while (lo < sc->n && sc->hits[lo].pos < from)
			lo++;
		if (hi < lo)
			hi = lo;
		while (hi < sc->n && sc->hits[hi].pos < to)
			hi++;
		if (hi == lo && s > 0) {   /* empty: window 0 stands for none */
			if (lo == sc->n)
				break;
			s = first_reaching(sents, nsent, s, sc->hits[lo].pos,
			                   words) - 1;
			continue;
		}
		if (hi > lo) {
			len = to > from ? to - from : 1;
			for (i = lo; i < hi; i++)
				tf[sc->hits[i].term]++;
			/* summed in term order, so equal windows score equally */
			for (t = 0; t < nterms; t++)
				if (tf[t] > 0) {
					sc_ += tf_score(&terms[t], tf[t], len, (double)words,
					                k1, b);
					tf[t] = 0;
				}
		}
		if (sc_ <= best.score)
			continue;
		for (j = 0; j < got && !clash; j++)
			clash = !(e < out[j].first || s > out[j].last);
		if (clash)
			continue;
		best.first = s;
		best.last = e;
		best.score = sc_;
	}
	return best;
}

int att_passages_best(att_window *out, size_t k, const att_sentence *sents,
                      uint32_t nsent, const att_pterm *terms, size_t nterms,
                      size_t words, double k1, double b, att_pscratch *sc)
{
	size_t got = 0;

	if (nsent == 0 || k == 0)
		return 0;
	if (nterms > sc->captf) {
		uint32_t *p = att_realloc(sc->tf, nterms * sizeof *p);

		if (p == NULL)
			return ATT_ENOMEM;
		sc->tf = p;
		sc->captf = nterms;
	}
	if (nterms > 0)   /* none: a query of field terms only */
		memset(sc->tf, 0, nterms * sizeof *sc->tf);
	if (att_pscratch_merge(sc, terms, nterms) != ATT_OK)
		return ATT_ENOMEM;
	while (got < k) {
		att_window best = best_window(out, got, sents, nsent, terms, nterms,
		                              sc, sc->tf, words > UINT32_MAX
		                              ? UINT32_MAX : (uint32_t)words, k1, b);

		if (best.score < 0 || (got > 0 && best.score == 0))
			break;
		out[got++] = best;
	}
	return (int)got;
}

void att_pscratch_release(att_pscratch *sc)
{
	att_free(sc->hits);
	att_free(sc->tf);
	att_free(sc->acc);
	memset(sc, 0, sizeof *sc);
}

uint32_t att_passages_stop(const att_pterm *terms, size_t nterms, size_t words)
{
	uint64_t last = 0, stop;
	size_t u;

	for (u = 0; u < nterms; u++)
		if (terms[u].n > 0 && terms[u].pos[terms[u].n - 1] > last)
			last = terms[u].pos[terms[u].n - 1];
	stop = last + words + 1;
	return stop > UINT32_MAX ? UINT32_MAX : (uint32_t)stop;
}

/* ---- cutting and marking ---------------------------------------------- */

typedef struct marker {
	int (*is_term)(void *ctx, const char *t, size_t n);
	void *ctx;
	att_buf marks;
} marker;

static int on_mark(void *ctx, const att_token *tok)
{
	marker *m = ctx;
	att_mark mk;

	if (!m->is_term(m->ctx, tok->term, tok->term_len))
		return ATT_OK;
	mk.start = tok->start;
	mk.end = tok->end;
	att_buf_append(&m->marks, &mk, sizeof mk);
	return m->marks.rc;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* The page of byte AT of TEXT[0..N): 1 + the form feeds before it (a
 * PDF reader's page marks, docs/READERS.md); 0 if TEXT has none. */
static size_t page_of(const char *text, size_t n, size_t at)
{
	const char *p = memchr(text, '\f', n), *end = text + at;
	size_t page = 1;

	if (p == NULL)
		return 0;
	for (; p != NULL && p < end; p = memchr(p + 1, '\f', (size_t)(text + n - p - 1)))
		page++;
	return page;
}

att_status att_passage_cut(att_passage *out, att_analyzer *an,
                           const att_record *rec, const att_window *w,
                           const att_sentence *sents,
                           int (*is_term)(void *ctx, const char *t, size_t n),
                           void *ctx)
{
	size_t start = sents[w->first].byte, end = sents[w->last + 1].byte;
	marker m = { is_term, ctx, { NULL, 0, 0, ATT_OK } };
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
	rc = att_analyze(an, text, end - start, 0, on_mark, &m, NULL);
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
	out->page = page_of(rec->text, rec->text_len, start);
	return ATT_OK;
}
