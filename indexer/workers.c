/*
 * workers.c: parallel indexing, in the manner of Lucene's per-thread
 * document writers.
 *
 * The writer's thread copies each document it is given into a batch (the
 * caller's pointers are only borrowed for the call). A full batch joins
 * a queue; each of N worker threads takes the oldest waiting batch and
 * builds it, with a builder of its own (builder.c), into a segment of
 * its own: one segment a batch, or a few if a batch outgrows the
 * worker's budget. Batches come back to the writer in the order they
 * were filled, which is input order, and the writer joins their segments
 * to its segment set one after another, applying each document's
 * replacement of an older one with the same id there (att_segset_delete
 * on the segments before it); replacements inside one segment the
 * builder has already marked. So the index holds the same documents,
 * with the same statistics and hence the same scores, whatever N is.
 *
 * Memory: at most N batches being built, one waiting and one being
 * filled, each of at most batch_bytes of copied documents, and N
 * builders each within builder_budget; the two are chosen so that the
 * whole stays within the writer's budget. When every worker is busy and
 * a batch already waits, att_workers_add waits: the reader cannot run
 * ahead of the workers.
 *
 * Locking: one mutex guards the queue, the built flags and the segment
 * id counter; a worker holds it only to take a batch and to hand one
 * back. A built batch keeps just its documents' ids (for the writer's
 * replacements) and the segments it made.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "indexer.h"

#define BATCH_MAX_DOCS 65536

typedef struct wdoc {
	size_t at;                 /* where its bytes start in the batch */
	size_t id_len, title_len, text_len, nfields;
} wdoc;

struct att_wbatch {
	att_wbatch *next;          /* the next batch handed over */
	att_buf bytes;             /* per document: id, title, text, then
	                              per field its name and value */
	att_buf flen;              /* per field: name and value lengths, as
	                              two size_t */
	wdoc *docs;
	size_t n, cap;
	int built;
	att_status rc;
	char msg[1024];
	att_wseg *segs;
	size_t nsegs;
	char *ids;                 /* once built: the ids, end to end */
	size_t *idat;              /* ... where each starts; n + 1 entries */
};

struct att_workers {
	pthread_mutex_t mu;
	pthread_cond_t work;       /* a batch to build, or quit */
	pthread_cond_t done;       /* a batch built, or taken */
	pthread_t *threads;
	att_builder *b;            /* n of them, one a thread */
	unsigned n, nthreads, started;
	att_wbatch *fill;          /* the writer's, being filled */
	att_wbatch *head, *tail;   /* handed over, oldest first */
	att_wbatch *todo;          /* the oldest not taken by a worker */
	size_t waiting;            /* handed over, not taken */
	int quit;
	uint32_t *next_id;
	size_t batch_bytes, builder_budget;
	size_t next_bytes;         /* the next batch's size: from 1 MiB,
	                              doubling up to batch_bytes, so that a
	                              small input still keeps every worker
	                              busy and a large one makes few
	                              segments */
	/* the writer's thread only: hashes of the ids of documents added
	 * and not yet joined, with their counts (0: a free slot's key may
	 * stay, counts only) */
	struct pend { uint64_t h; uint32_t count; } *pend;
	size_t npend, cappend;   /* keys in use, slots (a power of 2) */
};

/* ---- ids in the pipeline ------------------------------------------------ */

static uint64_t id_hash(const char *id, size_t len)
{
	uint64_t h = 1469598103934665603ull;   /* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)id[i]) * 1099511628211ull;
	return h | 1;   /* 0 marks an empty slot */
}

static struct pend *pend_slot(const att_workers *wk, uint64_t h)
{
	size_t i = (size_t)h & (wk->cappend - 1);

	while (wk->pend[i].h != 0 && wk->pend[i].h != h)
		i = (i + 1) & (wk->cappend - 1);
	return &wk->pend[i];
}

/* Counts one more document with id hash H; keys whose count fell to 0
 * are dropped when the table is rebuilt. */
static att_status pend_add(att_workers *wk, uint64_t h)
{
	struct pend *p;

	if (wk->npend * 2 >= wk->cappend) {
		size_t oldcap = wk->cappend, cap = oldcap ? oldcap : 1024, i;
		size_t live = 0;
		struct pend *old = wk->pend, *np;

		for (i = 0; i < oldcap; i++)
			live += old[i].count > 0;
		while (live * 4 >= cap)
			cap *= 2;
		np = att_calloc(cap, sizeof *np);
		if (np == NULL)
			return ATT_ENOMEM;
		wk->pend = np;
		wk->cappend = cap;
		wk->npend = 0;
		for (i = 0; i < oldcap; i++)
			if (old[i].count > 0) {
				*pend_slot(wk, old[i].h) = old[i];
				wk->npend++;
			}
		att_free(old);
	}
	p = pend_slot(wk, h);
	if (p->h == 0) {
		p->h = h;
		wk->npend++;
	}
	p->count++;
	return ATT_OK;
}

int att_workers_has(const att_workers *wk, const char *id, size_t len)
{
	return wk->cappend > 0 && pend_slot(wk, id_hash(id, len))->count > 0;
}

/* ---- batches ------------------------------------------------------------ */

static att_wbatch *batch_new(void)
{
	att_wbatch *b = att_calloc(1, sizeof *b);

	if (b != NULL) {
		att_buf_init(&b->bytes);
		att_buf_init(&b->flen);
	}
	return b;
}

void att_wbatch_free(att_wbatch *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->nsegs; i++)
		att_free(b->segs[i].del);
	att_free(b->segs);
	att_buf_release(&b->bytes);
	att_buf_release(&b->flen);
	att_free(b->docs);
	att_free(b->ids);
	att_free(b->idat);
	att_free(b);
}

static att_status batch_put(att_wbatch *b, const att_doc *d)
{
	size_t i;
	wdoc *w;

	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		wdoc *p = att_realloc(b->docs, cap * sizeof *p);

		if (p == NULL)
			return ATT_ENOMEM;
		b->docs = p;
		b->cap = cap;
	}
	w = &b->docs[b->n];
	w->at = b->bytes.n;
	w->id_len = d->id_len;
	w->title_len = d->title_len;
	w->text_len = d->text_len;
	w->nfields = d->nfields;
	att_buf_append(&b->bytes, d->id, d->id_len);
	att_buf_append(&b->bytes, d->title, d->title_len);
	att_buf_append(&b->bytes, d->text, d->text_len);
	for (i = 0; i < d->nfields; i++) {
		const size_t lens[2] = { d->fields[i].name_len,
		                         d->fields[i].value_len };

		att_buf_append(&b->bytes, d->fields[i].name, lens[0]);
		att_buf_append(&b->bytes, d->fields[i].value, lens[1]);
		att_buf_append(&b->flen, lens, sizeof lens);
	}
	if (b->bytes.rc != ATT_OK || b->flen.rc != ATT_OK)
		return ATT_ENOMEM;
	b->n++;
	return ATT_OK;
}

/* Document I of B as an att_doc; its fields into *F (*CAP entries,
 * grown as needed), *FL walking the field lengths. */
static att_status batch_doc(att_doc *d, const att_wbatch *b, size_t i,
                            att_field **f, size_t *cap, size_t *fl)
{
	const wdoc *w = &b->docs[i];
	const char *p = (const char *)b->bytes.p + w->at;
	size_t k;

	if (w->nfields > *cap) {
		att_field *nf = att_realloc(*f, w->nfields * sizeof *nf);

		if (nf == NULL)
			return ATT_ENOMEM;
		*f = nf;
		*cap = w->nfields;
	}
	d->id = p;
	d->id_len = w->id_len;
	d->title = p += w->id_len;
	d->title_len = w->title_len;
	d->text = p += w->title_len;
	d->text_len = w->text_len;
	p += w->text_len;
	for (k = 0; k < w->nfields; k++, (*fl)++) {
		size_t lens[2];

		memcpy(lens, b->flen.p + *fl * sizeof lens, sizeof lens);
		(*f)[k].name = p;
		(*f)[k].name_len = lens[0];
		(*f)[k].value = p += lens[0];
		(*f)[k].value_len = lens[1];
		p += lens[1];
	}
	d->fields = *f;
	d->nfields = w->nfields;
	return ATT_OK;
}

/* Keeps only B's ids, freeing the rest of its documents' bytes. */
static att_status keep_ids(att_wbatch *b)
{
	size_t i, total = 0;

	for (i = 0; i < b->n; i++)
		total += b->docs[i].id_len;
	b->ids = att_malloc(total + 1);
	b->idat = att_malloc((b->n + 1) * sizeof *b->idat);
	if (b->ids == NULL || b->idat == NULL)
		return ATT_ENOMEM;
	for (i = 0, total = 0; i < b->n; i++) {
		b->idat[i] = total;
		memcpy(b->ids + total, b->bytes.p + b->docs[i].at, b->docs[i].id_len);
		total += b->docs[i].id_len;
	}
	b->idat[b->n] = total;
	att_buf_release(&b->bytes);
	att_buf_release(&b->flen);
	return ATT_OK;
}

att_status att_wbatch_status(const att_wbatch *b, const char **msg)
{
	*msg = b->msg;
	return b->rc;
}

const att_wseg *att_wbatch_segments(const att_wbatch *b, size_t *n)
{
	*n = b->nsegs;
	return b->segs;
}

const char *att_wbatch_id(const att_wbatch *b, size_t i, size_t *len)
{
	*len = b->idat[i + 1] - b->idat[i];
	return b->ids + b->idat[i];
}

void att_workers_joined(att_workers *wk, att_wbatch *b)
{
	size_t i, len;

	for (i = 0; b->idat != NULL && i < b->n; i++) {
		const char *id = att_wbatch_id(b, i, &len);
		struct pend *p = pend_slot(wk, id_hash(id, len));

		if (p->count > 0)
			p->count--;
	}
	att_wbatch_free(b);
}

/* ---- building ----------------------------------------------------------- */

uint32_t att_workers_id(att_workers *wk)
{
	uint32_t id;

	pthread_mutex_lock(&wk->mu);
	id = (*wk->next_id)++;
	pthread_mutex_unlock(&wk->mu);
	return id;
}

/* Flushes BD's open segment as the next segment of B, which holds the
 * batch's documents [first, end). */
static att_status flush_into(att_wbatch *b, att_builder *bd, size_t first,
                             size_t end)
{
	att_wseg *segs = att_realloc(b->segs, (b->nsegs + 1) * sizeof *segs);
	att_wseg *s;
	att_status rc;

	if (segs == NULL) {
		att_builder_abort(bd);
		return ATT_ENOMEM;
	}
	b->segs = segs;
	s = &segs[b->nsegs];
	memset(s, 0, sizeof *s);
	rc = att_builder_flush(bd, &s->info, &s->del, &s->ndel);
	if (rc != ATT_OK) {
		att_free(s->del);
		return rc;
	}
	s->first = first;
	s->n = end - first;
	b->nsegs++;
	return ATT_OK;
}

static att_status build(att_workers *wk, att_builder *bd, att_wbatch *b)
{
	att_field *f = NULL;
	size_t i, first = 0, cap = 0, fl = 0;
	att_status rc = ATT_OK;

	for (i = 0; rc == ATT_OK && i < b->n; i++) {
		char term[ATT_ID_MAX + 1];
		uint32_t gone;
		att_doc d;

		if ((rc = batch_doc(&d, b, i, &f, &cap, &fl)) != ATT_OK)
			break;
		if (!bd->open) {
			first = i;
			if ((rc = att_builder_open(bd, att_workers_id(wk))) != ATT_OK)
				break;
		}
		term[0] = ATT_ID_PREFIX;
		memcpy(term + 1, d.id, d.id_len);
		rc = att_builder_delete(&gone, bd, term, d.id_len + 1);
		if (rc == ATT_OK)
			rc = att_builder_add(bd, &d);
		if (rc == ATT_OK && att_builder_full(bd, wk->builder_budget))
			rc = flush_into(b, bd, first, i + 1);
	}
	if (rc == ATT_OK && bd->open)
		rc = flush_into(b, bd, first, b->n);
	if (rc == ATT_OK)
		rc = keep_ids(b);
	if (rc != ATT_OK) {
		att_builder_abort(bd);
		snprintf(b->msg, sizeof b->msg, "%s", rc == ATT_ENOMEM &&
		         strstr(bd->msg, "out of memory") == NULL ? "out of memory"
		         : bd->msg);
	}
	att_free(f);
	return rc;
}

static void *worker(void *arg)
{
	att_workers *wk = arg;
	att_builder *bd;
	unsigned me;

	pthread_mutex_lock(&wk->mu);
	me = wk->started++;
	bd = &wk->b[me];
	for (;;) {
		att_wbatch *b;

		while (!wk->quit && wk->todo == NULL)
			pthread_cond_wait(&wk->work, &wk->mu);
		if (wk->quit)
			break;
		b = wk->todo;
		wk->todo = b->next;
		wk->waiting--;
		pthread_cond_broadcast(&wk->done);
		pthread_mutex_unlock(&wk->mu);
		b->rc = build(wk, bd, b);
		pthread_mutex_lock(&wk->mu);
		b->built = 1;
		pthread_cond_broadcast(&wk->done);
	}
	pthread_mutex_unlock(&wk->mu);
	return NULL;
}

/* ---- the writer's side -------------------------------------------------- */

att_status att_workers_new(att_workers **out, const char *dir,
                           const char *language, const att_schema *schema,
                           unsigned n, size_t budget,
                           uint32_t *next_id)
{
	att_workers *wk = att_calloc(1, sizeof *wk);
	att_status rc = ATT_OK;
	unsigned i;

	*out = NULL;
	if (wk == NULL)
		return ATT_ENOMEM;
	wk->n = n;
	wk->next_id = next_id;
	/* N + 2 batches of copies take a quarter of the budget; the
	 * builders share the rest */
	wk->batch_bytes = budget / 4 / (n + 2);
	wk->builder_budget = budget / 4 * 3 / n;
	wk->next_bytes = wk->batch_bytes < (1u << 20) ? wk->batch_bytes : 1u << 20;
	pthread_mutex_init(&wk->mu, NULL);
	pthread_cond_init(&wk->work, NULL);
	pthread_cond_init(&wk->done, NULL);
	wk->b = att_calloc(n, sizeof *wk->b);
	wk->threads = att_calloc(n, sizeof *wk->threads);
	if (wk->b == NULL || wk->threads == NULL) {
		att_free(wk->b);
		att_free(wk->threads);
		wk->b = NULL;
		wk->threads = NULL;
		rc = ATT_ENOMEM;
	}
	for (i = 0; rc == ATT_OK && i < n; i++)
		rc = att_builder_init(&wk->b[i], dir, language, schema);
	for (i = 0; rc == ATT_OK && i < n; i++)
		if (pthread_create(&wk->threads[i], NULL, worker, wk) != 0)
			rc = ATT_ENOMEM;
		else
			wk->nthreads++;
	if (rc != ATT_OK) {
		att_workers_free(wk);
		return rc;
	}
	*out = wk;
	return ATT_OK;
}

att_status att_workers_submit(att_workers *wk)
{
	att_wbatch *b = wk->fill;

	if (b == NULL || b->n == 0)
		return ATT_OK;
	wk->fill = NULL;
	pthread_mutex_lock(&wk->mu);
	while (wk->waiting >= 1 && !wk->quit)
		pthread_cond_wait(&wk->done, &wk->mu);
	if (wk->tail != NULL)
		wk->tail->next = b;
	else
		wk->head = b;
	wk->tail = b;
	if (wk->todo == NULL)
		wk->todo = b;
	wk->waiting++;
	pthread_cond_signal(&wk->work);
	pthread_mutex_unlock(&wk->mu);
	return ATT_OK;
}

att_status att_workers_add(att_workers *wk, const att_doc *d)
{
	att_status rc;

	if (wk->fill == NULL && (wk->fill = batch_new()) == NULL)
		return ATT_ENOMEM;
	if ((rc = pend_add(wk, id_hash(d->id, d->id_len))) != ATT_OK ||
	    (rc = batch_put(wk->fill, d)) != ATT_OK)
		return rc;
	if (wk->fill->bytes.n < wk->next_bytes && wk->fill->n < BATCH_MAX_DOCS)
		return ATT_OK;
	wk->next_bytes = wk->next_bytes * 2 < wk->batch_bytes ? wk->next_bytes * 2
	                 : wk->batch_bytes;
	return att_workers_submit(wk);
}

att_wbatch *att_workers_done(att_workers *wk, int wait)
{
	att_wbatch *b = NULL;

	pthread_mutex_lock(&wk->mu);
	while (wait && wk->head != NULL && !wk->head->built)
		pthread_cond_wait(&wk->done, &wk->mu);
	if (wk->head != NULL && wk->head->built) {
		b = wk->head;
		wk->head = b->next;
		if (wk->head == NULL)
			wk->tail = NULL;
		b->next = NULL;
	}
	pthread_mutex_unlock(&wk->mu);
	return b;
}

void att_workers_free(att_workers *wk)
{
	unsigned i;

	if (wk == NULL)
		return;
	pthread_mutex_lock(&wk->mu);
	wk->quit = 1;
	pthread_cond_broadcast(&wk->work);
	pthread_cond_broadcast(&wk->done);
	pthread_mutex_unlock(&wk->mu);
	for (i = 0; i < wk->nthreads; i++)
		pthread_join(wk->threads[i], NULL);
	while (wk->head != NULL) {
		att_wbatch *b = wk->head;

		wk->head = b->next;
		att_wbatch_free(b);
	}
	att_wbatch_free(wk->fill);
	for (i = 0; wk->b != NULL && i < wk->n; i++)
		att_builder_release(&wk->b[i]);
	att_free(wk->b);
	att_free(wk->threads);
	att_free(wk->pend);
	pthread_cond_destroy(&wk->work);
	pthread_cond_destroy(&wk->done);
	pthread_mutex_destroy(&wk->mu);
	att_free(wk);
}
