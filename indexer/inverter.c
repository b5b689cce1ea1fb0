/*
 * inverter.c: the in-memory inverted index of the segment being built.
 *
 * Terms live in an open-addressing hash table (linear probing, power-of-
 * two size, kept under 50% full) of indexes into an array of term
 * records; the term bytes themselves are appended to one shared byte
 * buffer. Each term record owns a growable byte stream of its postings,
 * already in the compact form the positions file wants: per document a
 * varint document gap, a varint frequency, then the varint position
 * deltas. Keeping postings as varints costs about two bytes a token and
 * lets the segment encoder copy positions straight through.
 *
 * A document arrives as a list of (term id, position) keys in position
 * order. One pass chains each term's keys together (a linked list through
 * an index array, no sorting), so every term's stream is appended to once
 * per document, with its positions in order, whatever its frequency.
 */
#include <stdlib.h>
#include <string.h>

#include "indexer.h"

typedef struct term_rec {
	uint32_t off;        /* term bytes in inv->chars */
	uint32_t len;
	uint32_t hash;
	uint32_t df;
	uint64_t cf;
	uint32_t seen;       /* document + 1 of the last add_doc naming it */
	uint32_t first, last; /* this document's keys: chain ends */
	uint32_t prev_next;  /* the previous posting's document + 1 */
	uint32_t n, cap;     /* postings stream */
	uint8_t *data;
} term_rec;

struct att_inverter {
	uint32_t *slots;     /* term index + 1; 0 is empty */
	uint32_t nslots;     /* power of two */
	term_rec *terms;
	uint32_t nterms, capterms;
	uint32_t *order;     /* after sort: term indexes in byte order */
	uint32_t *chain;     /* per key of the document: next key, same term */
	uint32_t *doc_terms; /* terms of the document, in first-seen order */
	size_t capchain;
	att_buf chars;
	size_t data_bytes;   /* capacity of every postings stream */
};

static uint32_t hash_bytes(const char *p, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (uint8_t)p[i];
		h *= 16777619u;
	}
	return h;
}

att_status att_inverter_new(att_inverter **out)
{
	att_inverter *inv = att_calloc(1, sizeof *inv);

	*out = NULL;
	if (inv == NULL)
		return ATT_ENOMEM;
	att_buf_init(&inv->chars);
	inv->nslots = 1u << 14;
	inv->slots = att_calloc(inv->nslots, sizeof *inv->slots);
	if (inv->slots == NULL) {
		att_free(inv);
		return ATT_ENOMEM;
	}
	*out = inv;
	return ATT_OK;
}

void att_inverter_reset(att_inverter *inv)
{
	uint32_t i;

	for (i = 0; i < inv->nterms; i++)
		att_free(inv->terms[i].data);
	inv->nterms = 0;
	inv->data_bytes = 0;
	att_free(inv->order);
	inv->order = NULL;
	/* give back what the last segment grew, so the next starts small */
	att_buf_release(&inv->chars);
	att_free(inv->terms);
	inv->terms = NULL;
	inv->capterms = 0;
	att_free(inv->chain);
	att_free(inv->doc_terms);
	inv->chain = inv->doc_terms = NULL;
	inv->capchain = 0;
	if (inv->nslots > (1u << 14)) {
		uint32_t *slots = att_calloc(1u << 14, sizeof *slots);

		if (slots != NULL) {
			att_free(inv->slots);
			inv->slots = slots;
			inv->nslots = 1u << 14;
			return;
		}
	}
	memset(inv->slots, 0, (size_t)inv->nslots * sizeof *inv->slots);
}

void att_inverter_free(att_inverter *inv)
{
	if (inv == NULL)
		return;
	att_inverter_reset(inv);
	att_free(inv->terms);
	att_free(inv->slots);
	att_free(inv->chain);
	att_free(inv->doc_terms);
	att_buf_release(&inv->chars);
	att_free(inv);
}

static int grow_table(att_inverter *inv)
{
	uint32_t n = inv->nslots * 2, i, *slots = att_calloc(n, sizeof *slots);

	if (slots == NULL)
		return -1;
	for (i = 0; i < inv->nterms; i++) {
		uint32_t s = inv->terms[i].hash & (n - 1);

		while (slots[s] != 0)
			s = (s + 1) & (n - 1);
		slots[s] = i + 1;
	}
	att_free(inv->slots);
	inv->slots = slots;
	inv->nslots = n;
	return 0;
}

static int64_t add_term(att_inverter *inv, uint32_t slot, uint32_t h,
                        const char *term, size_t len)
{
	term_rec *t;

	if (inv->nterms == inv->capterms) {
		uint32_t cap = inv->capterms ? inv->capterms * 2 : 1024;
		term_rec *nt = att_realloc(inv->terms, cap * sizeof *nt);

		if (nt == NULL)
			return -1;
		inv->terms = nt;
		inv->capterms = cap;
	}
	if (inv->chars.n > UINT32_MAX - len)
		return -1;
	t = &inv->terms[inv->nterms];
	memset(t, 0, sizeof *t);
	t->off = (uint32_t)inv->chars.n;
	t->len = (uint32_t)len;
	t->hash = h;
	att_buf_append(&inv->chars, term, len);
	if (inv->chars.rc != ATT_OK)
		return -1;
	inv->slots[slot] = ++inv->nterms;
	if (inv->nterms * 2 > inv->nslots && grow_table(inv) != 0)
		return -1;
	return inv->nterms - 1;
}

int64_t att_inverter_intern(att_inverter *inv, const char *term, size_t len)
{
	uint32_t h = hash_bytes(term, len), s = h & (inv->nslots - 1);

	while (inv->slots[s] != 0) {
		const term_rec *t = &inv->terms[inv->slots[s] - 1];

		if (t->hash == h && t->len == len &&
		    memcmp(inv->chars.p + t->off, term, len) == 0)
			return inv->slots[s] - 1;
		s = (s + 1) & (inv->nslots - 1);
	}
	return add_term(inv, s, h, term, len);
}

const char *att_inverter_text(const att_inverter *inv, uint32_t id,
                              size_t *len)
{
	*len = inv->terms[id].len;
	return (const char *)inv->chars.p + inv->terms[id].off;
}

/* Makes room for EXTRA more bytes in T's stream. */
static int reserve(att_inverter *inv, term_rec *t, size_t extra)
{
	size_t cap;
	uint8_t *p;

	if (t->cap - t->n >= extra)
		return 0;
	cap = t->cap ? (size_t)t->cap + t->cap / 2 : 16;
	if (cap < (size_t)t->n + extra)
		cap = (size_t)t->n + extra;
	if (cap > UINT32_MAX)
		return -1;
	p = att_realloc(t->data, cap);
	if (p == NULL)
		return -1;
	inv->data_bytes += cap - t->cap;
	t->data = p;
	t->cap = (uint32_t)cap;
	return 0;
}

/* Links the document's keys of each term; fills inv->doc_terms. Returns
 * the number of distinct terms, or -1 on out of memory. */
static int64_t chain_keys(att_inverter *inv, uint32_t doc, const uint64_t *keys,
                          size_t n)
{
	size_t i, nd = 0;

	if (n > inv->capchain) {
		uint32_t *c = att_realloc(inv->chain, n * sizeof *c);
		uint32_t *d = c ? att_realloc(inv->doc_terms, n * sizeof *d) : NULL;

		if (c != NULL)
			inv->chain = c;
		if (d == NULL)
			return -1;
		inv->doc_terms = d;
		inv->capchain = n;
	}
	for (i = 0; i < n; i++) {
		uint32_t id = (uint32_t)(keys[i] >> 32);
		term_rec *t = &inv->terms[id];

		inv->chain[i] = UINT32_MAX;
		if (t->seen == doc + 1) {
			inv->chain[t->last] = (uint32_t)i;
			t->last = (uint32_t)i;
			continue;
		}
		t->first = t->last = (uint32_t)i;
		t->seen = doc + 1;
		t->df++;
		inv->doc_terms[nd++] = id;
	}
	return (int64_t)nd;
}

att_status att_inverter_add_doc(att_inverter *inv, uint32_t doc,
                                uint64_t *keys, size_t n)
{
	int64_t nd = chain_keys(inv, doc, keys, n);
	size_t d;

	if (nd < 0)
		return ATT_ENOMEM;
	for (d = 0; d < (size_t)nd; d++) {
		term_rec *t = &inv->terms[inv->doc_terms[d]];
		uint32_t k, tf = 0, prev = 0, gap_base = t->prev_next;

		for (k = t->first; k != UINT32_MAX; k = inv->chain[k])
			tf++;
		if (reserve(inv, t, ((size_t)tf + 2) * ATT_VARINT_MAX) != 0)
			return ATT_ENOMEM;
		t->n += att_varint_put(t->data + t->n, doc - gap_base);
		t->n += att_varint_put(t->data + t->n, tf);
		t->cf += tf;
		for (k = t->first; k != UINT32_MAX; k = inv->chain[k]) {
			uint32_t pos = (uint32_t)keys[k];

			t->n += att_varint_put(t->data + t->n, pos - prev);
			prev = pos;
		}
		t->prev_next = doc + 1;
	}
	return ATT_OK;
}

size_t att_inverter_memory(const att_inverter *inv)
{
	return inv->data_bytes + inv->chars.cap +
	    (size_t)inv->capterms * sizeof(term_rec) +
	    (size_t)inv->nslots * sizeof(uint32_t) +
	    inv->capchain * 2 * sizeof(uint32_t);
}

uint32_t att_inverter_nterms(const att_inverter *inv)
{
	return inv->nterms;
}

static int cmp_terms(const void *a, const void *b, void *ctx)
{
	const att_inverter *inv = ctx;
	const term_rec *x = &inv->terms[*(const uint32_t *)a];
	const term_rec *y = &inv->terms[*(const uint32_t *)b];
	size_t m = x->len < y->len ? x->len : y->len;
	int c = memcmp(inv->chars.p + x->off, inv->chars.p + y->off, m);

	return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

/* Term T's first 8 bytes as a big-endian number, zero bytes past its
 * end: keys order as the terms' bytes do, but for ties (a shared first
 * 8 bytes, or a term that is another's prefix padded with zeros), which
 * cmp_terms settles. */
static uint64_t term_key(const att_inverter *inv, uint32_t t)
{
	const term_rec *r = &inv->terms[t];
	const uint8_t *p = inv->chars.p + r->off;
	uint64_t k = 0;
	uint32_t i;

	for (i = 0; i < 8; i++)
		k = k << 8 | (i < r->len ? p[i] : 0);
	return k;
}

/*
 * Sorts the terms by their bytes. A segment has tens of thousands of
 * terms to a few million, and qsort_r with a memcmp per comparison grows
 * as n log n (28 M instructions for the news sample's 40,000 terms; this
 * takes 9 M, 2 M of them in qsort_r on the ties). So the terms are
 * sorted by their first 8 bytes with a least-significant-byte radix sort
 * (a pass per byte, skipped when every key has the same byte there),
 * and only the runs of equal keys go to qsort_r. The keys and a second
 * copy of the order take 20 bytes a term, for the sort only.
 */
att_status att_inverter_sort(att_inverter *inv)
{
	uint32_t n = inv->nterms, i, j, pass, *order, *tord;
	uint64_t *key, *tkey;

	att_free(inv->order);
	inv->order = NULL;
	order = att_malloc((size_t)n * sizeof *order + 1);
	tord = att_malloc((size_t)n * sizeof *tord + 1);
	key = att_malloc((size_t)n * sizeof *key + 1);
	tkey = att_malloc((size_t)n * sizeof *tkey + 1);
	if (order == NULL || tord == NULL || key == NULL || tkey == NULL) {
		att_free(order);
		att_free(tord);
		att_free(key);
		att_free(tkey);
		return ATT_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		order[i] = i;
		key[i] = term_key(inv, i);
	}
	for (pass = 0; pass < 8 && n > 1; pass++) {
		unsigned sh = 8 * pass;
		uint32_t at[256] = { 0 }, sum = 0, b, *t32;
		uint64_t *t64;

		for (i = 0; i < n; i++)
			at[key[i] >> sh & 255]++;
		if (at[key[0] >> sh & 255] == n)
			continue; /* one byte value throughout: nothing moves */
		for (b = 0; b < 256; b++) {
			uint32_t c = at[b];

			at[b] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++) {
			uint32_t d = at[key[i] >> sh & 255]++;

			tkey[d] = key[i];
			tord[d] = order[i];
		}
		t64 = key;
		key = tkey;
		tkey = t64;
		t32 = order;
		order = tord;
		tord = t32;
	}
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && key[j] == key[i]; j++)
			;
		if (j - i > 1)
			qsort_r(order + i, j - i, sizeof *order, cmp_terms, inv);
	}
	att_free(tord);
	att_free(key);
	att_free(tkey);
	inv->order = order;
	return ATT_OK;
}

void att_inverter_term(att_inv_term *out, const att_inverter *inv, uint32_t i)
{
	const term_rec *t = &inv->terms[inv->order[i]];

	out->term = (const char *)inv->chars.p + t->off;
	out->len = t->len;
	out->df = t->df;
	out->cf = t->cf;
	out->data = t->data;
	out->data_len = t->n;
}

int64_t att_inverter_last_doc(const att_inverter *inv, const char *term,
                              size_t len)
{
	uint32_t h = hash_bytes(term, len), s = h & (inv->nslots - 1);

	while (inv->slots[s] != 0) {
		const term_rec *t = &inv->terms[inv->slots[s] - 1];

		if (t->hash == h && t->len == len &&
		    memcmp(inv->chars.p + t->off, term, len) == 0)
			return t->df > 0 ? (int64_t)t->seen - 1 : -1;
		s = (s + 1) & (inv->nslots - 1);
	}
	return -1;
}
