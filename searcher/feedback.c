/*
 * feedback.c: the relevance model of RM3 pseudo-relevance feedback,
 * shared by both backends (search.c, xsearch.c).
 *
 * Each feedback document is analysed again from its stored record; each
 * of its words that is not a stop word (and has two bytes or more) gets
 * the document's share of the scores divided by the document's number of
 * tokens (its share of the document). Summed over documents, the
 * heaviest feedback_terms words are the expansion; together they weigh
 * (1 - feedback_weight) / feedback_weight times the original query, per
 * original term, split by their model weights. The caller adds them to
 * its query as optional terms and runs it again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "searcher.h"

static int fb_push(att_fb *l, const char *term, size_t len, double w)
{
	if (l->nv == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		att_fb_term *p = att_realloc(l->v, cap * sizeof *p);

		if (p == NULL)
			return ATT_ENOMEM;
		l->v = p;
		l->cap = cap;
	}
	memcpy(l->v[l->nv].term, term, len);
	l->v[l->nv].term[len] = '\0';
	l->v[l->nv].len = (uint32_t)len;
	l->v[l->nv++].w = w;
	return ATT_OK;
}

static int on_fb_token(void *ctx, const att_token *tok)
{
	att_fb *l = ctx;

	l->tokens++;
	if (tok->term_len < 2 || att_stop_word(tok->term, tok->term_len))
		return ATT_OK;
	return fb_push(l, tok->term, tok->term_len, 0);
}

static int cmp_fb_term(const void *a, const void *b)
{
	return strcmp(((const att_fb_term *)a)->term,
	              ((const att_fb_term *)b)->term);
}

static int cmp_fb_weight(const void *a, const void *b)
{
	const att_fb_term *x = a, *y = b;

	if (x->w != y->w)
		return x->w > y->w ? -1 : 1;
	return strcmp(x->term, y->term);
}

void att_fb_init(att_fb *fb)
{
	memset(fb, 0, sizeof *fb);
}

void att_fb_release(att_fb *fb)
{
	att_free(fb->v);
	memset(fb, 0, sizeof *fb);
}

att_status att_fb_add(att_fb *fb, att_analyzer *an, const att_record *rec,
                      double share)
{
	size_t first = fb->nv, i;
	int rc;

	fb->tokens = 0;
	rc = att_analyze(an, rec->title, rec->title_len, 0, on_fb_token, fb, NULL);
	if (rc == ATT_OK)
		rc = att_analyze(an, rec->text, rec->text_len, 0, on_fb_token, fb,
		                 NULL);
	for (i = first; rc == ATT_OK && fb->tokens > 0 && i < fb->nv; i++)
		fb->v[i].w = share / fb->tokens;
	return rc == ATT_OK || rc == ATT_ENOMEM ? rc : ATT_ECORRUPT;
}

att_status att_fb_finish(att_fb *fb, size_t nq, size_t nterms, double weight)
{
	size_t i, j;
	double tot = 0, ratio;

	fb->n = 0;
	if (fb->nv == 0)
		return ATT_OK;
	/* one entry per word, its weights summed */
	qsort(fb->v, fb->nv, sizeof *fb->v, cmp_fb_term);
	for (i = 0, j = 0; i < fb->nv; i++) {
		if (j > 0 && strcmp(fb->v[j - 1].term, fb->v[i].term) == 0)
			fb->v[j - 1].w += fb->v[i].w;
		else
			fb->v[j++] = fb->v[i];
	}
	fb->nv = j;
	qsort(fb->v, fb->nv, sizeof *fb->v, cmp_fb_weight);
	fb->n = fb->nv < nterms ? fb->nv : nterms;
	if (fb->n > ATT_FB_MAX)
		fb->n = ATT_FB_MAX;
	for (i = 0; i < fb->n; i++)
		tot += fb->v[i].w;
	ratio = (1 - weight) / weight * (double)nq;
	for (i = 0; i < fb->n; i++) {
		fb->terms[i] = fb->v[i].term;
		fb->lens[i] = fb->v[i].len;
		fb->w[i] = tot > 0 ? ratio * fb->v[i].w / tot : 0;
	}
	return ATT_OK;
}
