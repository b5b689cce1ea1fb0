/*
 * fuzzy.c: the terms of a sorted dictionary within N edits of a word
 * (`word~N`, N at most ATT_FUZZY_MAX_EDITS), found without reading the
 * dictionary through.
 *
 * The distance is Damerau-Levenshtein's in its "optimal string
 * alignment" form (OSA): inserting, deleting or substituting a
 * character, or swapping two adjacent ones, costs 1, and no part of a
 * string is edited twice. Characters are Unicode code points; a byte
 * that starts no valid UTF-8 sequence is one character by itself.
 * att_edit_distance computes it for two strings: the reference the walk
 * is tested against.
 *
 * The walk. OSA's table for a term t against the word w has a row per
 * character of t: row i holds the distances of t's first i characters
 * to each prefix of w, and depends only on rows i-1 and i-2 and on t's
 * i-th and (i-1)-th characters. The dictionary gives its terms in byte
 * order, so each shares its first rows with the one before: the walk
 * keeps a stack of rows, one per character of the current term's
 * prefix, and computes only those past the characters the two terms
 * share. Cells further than N from the table's diagonal exceed N, so a
 * row is a band of 2N+1 cells, each capped at N+1. Two facts make the
 * walk sub-linear:
 *
 *   - once a row's smallest cell exceeds N, every later row's does
 *     (row i is at least the lesser of row i-1 and row i-2 plus one,
 *     and row i-1 at most row i-2 plus one), so no term with that
 *     prefix is within N: the walk seeks past them all;
 *   - when a row's smallest cell is N, the edits are spent: the next
 *     character must keep some cell at N, so it is a character of the
 *     word that matches where the row is at N (next_viable says why a
 *     transposition adds none). The walk then seeks to the smallest
 *     such character above the one the term has, or, if there is none,
 *     backs up a character and asks the row before the same question.
 *
 * This is what Lucene's fuzzy query does with the "next accepted
 * string" of its Levenshtein automaton over the terms dictionary; here
 * the automaton's states are the table's rows, computed as the walk
 * meets them.
 *
 * Seeks. A word reads a few hundred terms per segment with one edit, a
 * few thousand with two, and seeks before most of them, so seeks are
 * the cost: a binary search of a dictionary's groups is some fifteen
 * probes, most of them cache misses. The walk only ever seeks forward,
 * often to a place nearby, so the native source searches forward from
 * its current group (att_dict_iter_seek_ahead: galloping, and reading
 * on in the current group when the place is there). On the 1 GB
 * generated corpus that nearly halves the time of a two-edit walk,
 * against a binary search each time. Reading a few terms on before
 * seeking saved nothing, nor did reading only each term and its
 * frequency, or deciding the steps of a group's scan by its front
 * coding instead of comparing: 9% fewer instructions, the same time
 * (scripts/bench/fuzzy_bench.c measures).
 *
 * Invalid UTF-8. A byte's reading can depend on the bytes after it (a
 * lead byte without its continuation bytes is one character, with them
 * part of another), so the walk records, with each row, how far the
 * decoding of its characters looked, and reuses a row or skips a prefix
 * only as far as that. The jump to a word's character needs the
 * prefix and the word to be valid UTF-8 (code point order is then byte
 * order); otherwise the walk seeks to the next prefix.
 *
 * Nothing is allocated per term: the stack of rows is a fixed array of
 * (ATT_MAX_TERM + N + 2) rows, on the caller's stack.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "searcher.h"
#ifdef ATTACHE_WITH_XAPIAN
#include "attache_xapian.h"
#endif

/* Rows of the walk's stack: row r follows r characters of the term,
 * r from 0 to m + N + 1, where every cell exceeds N (m: the word's
 * characters). */
#define FZ_ROWS (ATT_MAX_TERM + ATT_FUZZY_MAX_EDITS + 2)
/* The term bytes those rows read (at most 4 a character), and a skip
 * key's: a prefix of them and one character. */
#define FZ_BYTES (4 * FZ_ROWS + 4)
/* A byte that starts no valid sequence, as a character: FZ_BAD plus
 * the byte, above every code point. */
#define FZ_BAD 0x110000u
/* No character. */
#define FZ_NONE UINT32_MAX
/* att_edit_distance decodes strings up to this many bytes on the stack. */
#define ED_STACK 128

/* What reading a term leaves the walk to do. */
enum { FZ_NEXT = 1, FZ_SEEK, FZ_END };

/* The bytes decoding a character led by byte C may look at: the
 * sequence's length as its lead byte says (1 for a byte that cannot
 * lead). */
static size_t lead_look(uint8_t c)
{
	if (c < 0xC2)
		return 1;
	if (c < 0xE0)
		return 2;
	if (c < 0xF0)
		return 3;
	return c < 0xF5 ? 4 : 1;
}

/* Decodes the character at P (P < END) into *CP (FZ_BAD plus the byte
 * for a byte that starts no valid sequence) and its bytes into *LEN.
 * Returns 1 if it is valid UTF-8, else 0. */
static inline int get_char(uint32_t *cp, size_t *len, const uint8_t *p,
                           const uint8_t *end)
{
	int32_t v;
	size_t n;

	if (*p < 0x80) {
		*cp = *p;
		*len = 1;
		return 1;
	}
	n = att_utf8_decode(&v, p, end);
	if (n == 0) {
		*cp = FZ_BAD + *p;
		*len = 1;
		return 0;
	}
	*cp = (uint32_t)v;
	*len = n;
	return 1;
}

/* Decodes S[0..N) into OUT (room for N characters); returns how many
 * characters it holds. */
static size_t get_chars(uint32_t *out, const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s, *end = p + n;
	size_t k = 0, len;

	while (p < end) {
		get_char(&out[k++], &len, p, end);
		p += len;
	}
	return k;
}

/*
 * The OSA distance of A and B, as att_edit_distance promises, over
 * their characters CA[0..NA) and CB[0..NB) with MAX at most the longer
 * one's length; rows R0, R1, R2 have room for NB + 1 cells. Rows
 * rotate, so a cell outside the band of 2 MAX + 1 is never read unless
 * written as MAX + 1 (the band's neighbours on both sides).
 */
static unsigned osa(const uint32_t *ca, size_t na, const uint32_t *cb,
                    size_t nb, unsigned max, unsigned *r0, unsigned *r1,
                    unsigned *r2)
{
	unsigned cap = max + 1;
	size_t i, j;

	for (j = 0; j <= nb; j++)
		r1[j] = j <= max ? (unsigned)j : cap;
	for (i = 1; i <= na; i++) {
		size_t lo = i > max ? i - max : 0, hi = nb < i + max ? nb : i + max;
		unsigned least = cap, *t;

		if (lo > 0)
			r2[lo - 1] = cap;
		for (j = lo; j <= hi; j++) {
			unsigned v, x;

			if (j == 0) {
				v = (unsigned)i;
			} else {
				v = r1[j] + 1;
				if ((x = r2[j - 1] + 1) < v)
					v = x;
				if ((x = r1[j - 1] + (ca[i - 1] != cb[j - 1])) < v)
					v = x;
				if (i > 1 && j > 1 && ca[i - 1] == cb[j - 2] &&
				    ca[i - 2] == cb[j - 1] && (x = r0[j - 2] + 1) < v)
					v = x;
			}
			r2[j] = v < cap ? v : cap;
			if (r2[j] < least)
				least = r2[j];
		}
		if (hi < nb)
			r2[hi + 1] = cap;
		if (least > max)
			return cap;
		t = r0;
		r0 = r1;
		r1 = r2;
		r2 = t;
	}
	return r1[nb];
}

int att_edit_distance(const char *a, size_t alen, const char *b, size_t blen,
                      unsigned max)
{
	uint32_t sa[ED_STACK], sb[ED_STACK];
	unsigned rows[3][ED_STACK + 1];
	uint32_t *ca = sa, *cb = sb;
	unsigned *r = rows[0];
	void *heap = NULL;
	size_t na, nb, top;
	unsigned d;

	if (alen > ED_STACK || blen > ED_STACK) {
		size_t need = alen + blen + 3 * (blen + 1);

		if (need < alen || need > SIZE_MAX / sizeof *ca)
			return ATT_ENOMEM;
		heap = att_malloc(need * sizeof *ca);
		if (heap == NULL)
			return ATT_ENOMEM;
		ca = heap;
		cb = ca + alen;
		r = (unsigned *)(cb + blen);
	}
	na = get_chars(ca, a, alen);
	nb = get_chars(cb, b, blen);
	top = na > nb ? na : nb;
	if (top > INT32_MAX - 1)
		top = INT32_MAX - 1;
	if (max > top)
		max = (unsigned)top; /* no distance is larger */
	if ((na > nb ? na - nb : nb - na) > max)
		d = max + 1;
	else if (heap != NULL)
		d = osa(ca, na, cb, nb, max, r, r + nb + 1, r + 2 * (nb + 1));
	else
		d = osa(ca, na, cb, nb, max, rows[0], rows[1], rows[2]);
	att_free(heap);
	return (int)d;
}

/* ---- the walk ------------------------------------------------------------ */

typedef struct walk {
	uint32_t w[ATT_MAX_TERM];      /* the word's characters */
	size_t m;
	unsigned k;                    /* edits allowed */
	int wvalid;                    /* the word is valid UTF-8 */
	/* the stack: row r after the current term's first r characters,
	 * rows 0 .. depth computed */
	uint8_t row[FZ_ROWS][ATT_MAX_TERM + 1];
	uint8_t least[FZ_ROWS];        /* each row's smallest cell */
	uint32_t cp[FZ_ROWS];          /* cp[r]: the term's r-th character */
	size_t end[FZ_ROWS];           /* the bytes of its first r characters */
	size_t look[FZ_ROWS];          /* the bytes their decoding looked at */
	uint8_t valid[FZ_ROWS];        /* 1 if they are all valid UTF-8 */
	size_t depth;
	/* the current term's first bytes, to compare the next one with */
	uint8_t prev[FZ_BYTES];
	size_t prevlen;
	int first;                     /* no term read yet */
	/* where a seek goes */
	uint8_t key[FZ_BYTES];
	size_t keylen;
	att_status (*emit)(void *ctx, const uint8_t *term, size_t tlen,
	                   uint64_t df, unsigned dist);
	void *ctx;
} walk;

/* Computes row R of the stack from rows and the term's R-th
 * character C: the cells of its band (the others stay N+1, as the whole
 * stack was set at the start), and its smallest cell. */
static void fill_row(walk *w, size_t r, uint32_t c)
{
	const uint8_t *up = w->row[r - 1];
	uint8_t *cur = w->row[r];
	unsigned k = w->k, cap = k + 1, least = cap;
	uint32_t pc = w->cp[r - 1];
	size_t lo = r > k ? r - k : 0, hi = r + k < w->m ? r + k : w->m, j;

	if (lo == 0) {
		cur[0] = (uint8_t)r;
		least = (unsigned)r;
		lo = 1;
	}
	for (j = lo; j <= hi; j++) {
		unsigned v = up[j] + 1u, x;

		if ((x = cur[j - 1] + 1u) < v)
			v = x;
		if ((x = up[j - 1] + (unsigned)(c != w->w[j - 1])) < v)
			v = x;
		if (r >= 2 && j >= 2 && c == w->w[j - 2] && pc == w->w[j - 1] &&
		    (x = w->row[r - 2][j - 2] + 1u) < v)
			v = x;
		if (v > cap)
			v = cap;
		cur[j] = (uint8_t)v;
		if (v < least)
			least = v;
	}
	w->least[r] = (uint8_t)least;
}

/*
 * When row R-1's smallest cell is N: the smallest character above C
 * that, as the term's R-th, keeps row R within N, or FZ_NONE. Those are
 * the word's characters w[j] where row R-1 is N: the first cell of row
 * R within N is a match after such a cell (any other edit adds one to a
 * cell of N or more) or a transposition after a cell of row R-2 below
 * N, which makes row R-1 at most N in the same column: its character
 * is among them already.
 */
static uint32_t next_viable(const walk *w, size_t r, uint32_t c)
{
	const uint8_t *up = w->row[r - 1];
	uint32_t best = FZ_NONE;
	size_t lo, hi, j;
	unsigned k = w->k;

	if (w->m == 0)
		return FZ_NONE;
	lo = r - 1 > k ? r - 1 - k : 0;
	hi = r - 1 + k < w->m - 1 ? r - 1 + k : w->m - 1;
	for (j = lo; j <= hi; j++)
		if (up[j] <= k && w->w[j] > c && w->w[j] < best)
			best = w->w[j];
	return best;
}

/* Sets the key to the smallest string above every string that starts
 * with T[0..N): that prefix, trailing 0xff bytes dropped, its last byte
 * plus one. FZ_SEEK, or FZ_END if there is none (T[0..N) is all
 * 0xff bytes, or empty). */
static int key_past(walk *w, const uint8_t *t, size_t n)
{
	assert(n <= sizeof w->key);
	while (n > 0 && t[n - 1] == 0xFF)
		n--;
	if (n == 0)
		return FZ_END;
	memcpy(w->key, t, n);
	w->key[n - 1]++;
	w->keylen = n;
	return FZ_SEEK;
}

/* Where to go after term T (TLEN bytes), whose row P is over N: the
 * smallest place past it where a term within N may be (FZ_SEEK, the
 * key set), FZ_END if there is none, or FZ_NEXT to read on. */
static int skip_target(walk *w, const uint8_t *t, size_t tlen, size_t p)
{
	size_t r;

	if (!w->valid[p] || !w->wvalid) {
		/* every string starting with the bytes the rows' decoding
		 * looked at is over N too; past the term's end, read on */
		return w->look[p] > tlen ? FZ_NEXT : key_past(w, t, w->look[p]);
	}
	for (r = p; r >= 1; r--) {
		uint32_t s;

		if (w->least[r - 1] < w->k) /* any character may follow */
			return key_past(w, t, w->end[r]);
		s = next_viable(w, r, w->cp[r]);
		if (s != FZ_NONE) {
			memcpy(w->key, t, w->end[r - 1]);
			w->keylen = w->end[r - 1] +
			    att_utf8_encode(w->key + w->end[r - 1], (int32_t)s);
			return FZ_SEEK;
		}
	}
	return FZ_END;
}

/*
 * Takes term T (TLEN bytes, DF documents) into the walk: the rows past
 * the characters it shares with the previous term, computed until its
 * end (then emitted if within N) or until a row over N. Returns FZ_NEXT,
 * FZ_SEEK or FZ_END, or a negative status: ATT_ECORRUPT if T does not
 * sort after the previous term, or what emit returned.
 */
static int take_term(walk *w, const uint8_t *t, size_t tlen, uint64_t df)
{
	size_t n = tlen < w->prevlen ? tlen : w->prevlen, l = 0, r, keep;
	const uint8_t *end = t + tlen;

	while (l < n && t[l] == w->prev[l])
		l++;
	if (!w->first && (l == tlen || (l < n && t[l] < w->prev[l])))
		return ATT_ECORRUPT;
	w->first = 0;
	r = w->depth;
	while (r > 0 && w->look[r] > l)
		r--;
	keep = tlen < FZ_BYTES ? tlen : FZ_BYTES;
	memcpy(w->prev + l, t + l, keep - l);
	w->prevlen = keep;
	for (;;) {
		size_t at = w->end[r], clen, lk;
		uint32_t c;
		int ok;

		if (at == tlen) {
			unsigned d = w->row[r][w->m];

			w->depth = r;
			if (d <= w->k) {
				att_status rc = w->emit(w->ctx, t, tlen, df, d);

				if (rc != ATT_OK)
					return rc;
			}
			return FZ_NEXT;
		}
		assert(r + 1 < FZ_ROWS);
		ok = get_char(&c, &clen, t + at, end);
		lk = at + lead_look(t[at]);
		r++;
		w->cp[r] = c;
		w->end[r] = at + clen;
		w->look[r] = lk > w->look[r - 1] ? lk : w->look[r - 1];
		w->valid[r] = (uint8_t)(w->valid[r - 1] && ok);
		fill_row(w, r, c);
		if (w->least[r] > w->k) {
			w->depth = r;
			return skip_target(w, t, tlen, r);
		}
	}
}

/* Byte order of A (AL bytes) and B (BL bytes), as memcmp. */
static int cmp_bytes(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	return c != 0 ? c : (al > bl) - (al < bl);
}

/* Sets W up for WORD (LEN <= ATT_MAX_TERM bytes) and K edits: the word's
 * characters, every cell N+1, row 0. */
static void walk_init(walk *w, const char *word, size_t len, unsigned k)
{
	const uint8_t *p = (const uint8_t *)word, *end = p + len;
	size_t j, clen;

	w->m = 0;
	w->wvalid = 1;
	while (p < end) {
		w->wvalid &= get_char(&w->w[w->m++], &clen, p, end);
		p += clen;
	}
	w->k = k;
	memset(w->row, (int)(k + 1), sizeof w->row);
	for (j = 0; j <= w->m && j <= k; j++)
		w->row[0][j] = (uint8_t)j;
	w->least[0] = 0;
	w->cp[0] = FZ_NONE;
	w->end[0] = 0;
	w->look[0] = 0;
	w->valid[0] = 1;
	w->depth = 0;
	w->prevlen = 0;
	w->first = 1;
}

att_status att_fuzzy_walk(const att_term_source *src, const char *word,
                          size_t len, unsigned maxedits,
                          att_status (*emit)(void *ctx, const uint8_t *term,
                                             size_t tlen, uint64_t df,
                                             unsigned dist),
                          void *ctx, size_t *visited)
{
	walk w;
	size_t nread = 0;
	att_status rc;

	if (visited != NULL)
		*visited = 0;
	if (maxedits > ATT_FUZZY_MAX_EDITS)
		return ATT_EINVAL;
	if (len > ATT_MAX_TERM)
		return ATT_ELIMIT;
	walk_init(&w, word, len, maxedits);
	w.emit = emit;
	w.ctx = ctx;
	/* without edits only the word itself matches */
	w.keylen = maxedits == 0 ? len : 0;
	memcpy(w.key, word, w.keylen);
	rc = src->seek(src->ctx, w.key, w.keylen);
	while (rc == ATT_OK) {
		const uint8_t *t;
		size_t tl;
		uint64_t df;
		int has, act;

		rc = src->next(src->ctx, &t, &tl, &df, &has);
		if (rc != ATT_OK || !has)
			break;
		nread++;
		if (cmp_bytes(t, tl, w.key, w.keylen) < 0) {
			rc = ATT_ECORRUPT; /* a seek went back */
			break;
		}
		act = take_term(&w, t, tl, df);
		if (act < 0)
			rc = (att_status)act;
		else if (act == FZ_END)
			break;
		else if (act == FZ_SEEK)
			rc = src->seek(src->ctx, w.key, w.keylen);
	}
	if (visited != NULL)
		*visited = nread;
	return rc;
}

/* ---- term sources -------------------------------------------------------- */

static att_status seg_seek(void *ctx, const uint8_t *key, size_t len)
{
	return att_dict_iter_seek_ahead(ctx, key, len);
}

static att_status seg_next(void *ctx, const uint8_t **term, size_t *len,
                           uint64_t *df, int *has)
{
	att_dict_iter *it = ctx;
	att_status rc = att_dict_iter_next(it, has);

	if (rc == ATT_OK && *has) {
		*term = it->term;
		*len = it->len;
		*df = it->ti.df;
	}
	return rc;
}

void att_term_source_segment(att_term_source *src, att_dict_iter *it,
                             const att_segment *seg)
{
	att_dict_iter_init(it, seg);
	src->seek = seg_seek;
	src->next = seg_next;
	src->ctx = it;
}

#ifdef ATTACHE_WITH_XAPIAN
static att_status x_seek(void *ctx, const uint8_t *key, size_t len)
{
	att_xstatus st = att_xiter_skip_to(ctx, (const char *)key, len);

	return st == ATT_X_OK ? ATT_OK : att_status_of_x(st);
}

static att_status x_next(void *ctx, const uint8_t **term, size_t *len,
                         uint64_t *df, int *has)
{
	att_xstatus st = att_xiter_next(ctx, has);

	if (st != ATT_X_OK) {
		*has = 0;
		return att_status_of_x(st);
	}
	if (*has) {
		*term = (const uint8_t *)att_xiter_term(ctx, len);
		*df = att_xiter_termfreq(ctx);
	}
	return ATT_OK;
}

void att_term_source_xapian(att_term_source *src, struct att_xiter *it)
{
	src->seek = x_seek;
	src->next = x_next;
	src->ctx = it;
}
#endif

/* ---- expansions ------------------------------------------------------------- */

att_status att_fz_add(att_fz_set *s, const uint8_t *term, size_t len,
                      uint64_t df, unsigned dist)
{
	if (len == 0 || term[0] < 0x20 || df == 0)   /* id and field terms */
		return ATT_OK;
	if (s->n == s->cap) {
		size_t c = s->cap ? s->cap * 2 : 32;
		att_fz_term *p = att_realloc(s->v, c * sizeof *p);

		if (p == NULL)
			return ATT_ENOMEM;
		s->v = p;
		s->cap = c;
	}
	s->v[s->n].text = att_strndup((const char *)term, len);
	if (s->v[s->n].text == NULL)
		return ATT_ENOMEM;
	s->v[s->n].len = len;
	s->v[s->n].df = df;
	s->v[s->n].dist = dist;
	s->n++;
	return ATT_OK;
}

static int cmp_fz_text(const void *a, const void *b)
{
	const att_fz_term *x = a, *y = b;
	int c = memcmp(x->text, y->text, x->len < y->len ? x->len : y->len);

	return c != 0 ? c : x->len < y->len ? -1 : x->len > y->len;
}

static int cmp_fz_rank(const void *a, const void *b)
{
	const att_fz_term *x = a, *y = b;

	if (x->dist != y->dist)
		return x->dist < y->dist ? -1 : 1;
	if (x->df != y->df)
		return x->df > y->df ? -1 : 1;
	return cmp_fz_text(a, b);
}

void att_fz_finish(att_fz_set *s, int nearest)
{
	size_t i, j;

	if (s->n == 0)
		return;
	qsort(s->v, s->n, sizeof *s->v, cmp_fz_text);
	for (i = 0, j = 0; i < s->n; i++) {   /* one per term, dfs summed */
		if (j > 0 && cmp_fz_text(&s->v[j - 1], &s->v[i]) == 0) {
			s->v[j - 1].df += s->v[i].df;
			att_free(s->v[i].text);
			continue;
		}
		s->v[j++] = s->v[i];
	}
	s->n = j;
	qsort(s->v, s->n, sizeof *s->v, cmp_fz_rank);
	for (i = 0; i < s->n; i++)
		if ((nearest && s->v[i].dist != s->v[0].dist) ||
		    i == (nearest ? ATT_FUZZY_NEAREST : ATT_FUZZY_KEEP))
			break;
	for (j = i; j < s->n; j++)
		att_free(s->v[j].text);
	s->n = i;
}

void att_fz_release(att_fz_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		att_free(s->v[i].text);
	att_free(s->v);
	memset(s, 0, sizeof *s);
}

double att_fuzzy_boost(unsigned dist)
{
	return 1.0 / (1.0 + dist);
}

unsigned att_fuzzy_edits(const char *word, size_t len)
{
	size_t i, chars = 0;

	for (i = 0; i < len; i++)
		chars += ((unsigned char)word[i] & 0xC0) != 0x80;
	return chars >= 9 ? 2 : chars >= 5 ? 1 : 0;
}

void att_fz_note(att_notes *notes, const char *word, size_t len,
                 const att_fz_set *s)
{
	char list[80] = "";
	size_t i, at = 0;

	for (i = 0; i < s->n && i < 3 && at < sizeof list; i++)
		at += (size_t)snprintf(list + at, sizeof list - at, "%s%.*s",
		                       i ? ", " : "", (int)s->v[i].len, s->v[i].text);
	att_note(notes, "%.*s is in no document: searched %s%s",
	         (int)(len > 30 ? 30 : len), word, list, s->n > 3 ? ", ..." : "");
}
