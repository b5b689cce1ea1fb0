/*
 * check_fuzzy.c: unit tests for the fuzzy term look-up
 * (searcher/fuzzy.c).
 *
 * att_edit_distance is pinned on hand cases; att_fuzzy_walk is checked
 * against it by brute force: random dictionaries over small alphabets
 * (ASCII, 2- and 3-byte UTF-8 letters, and a set with invalid bytes),
 * random words and words a few edits away from the dictionary's, every
 * allowed number of edits. The walk must give exactly the terms and
 * distances the brute force does, in byte order, reading a small share
 * of a large dictionary. Then the same over a real segment's dictionary
 * (its source seeks forward by galloping over the dictionary's groups,
 * so the segment has a few hundred of them) and, when built with
 * Xapian, over a Xapian database's allterms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "testdir.h"

#include "attache.h"
#include "format.h"
#include "searcher.h"
#include "stemmer.h"
#ifdef ATTACHE_WITH_XAPIAN
#include "attache_xapian.h"
#endif

/* ---- helpers: a PRNG, word lists, an in-memory source ------------------ */

static uint64_t rng_state;

/* splitmix64 */
static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static size_t rnd(size_t n)
{
	return (size_t)(rng() % n);
}

/* The letters of a generated word: indexes into an alphabet. */
#define MAX_LETTERS 12

typedef struct gword {
	unsigned char l[MAX_LETTERS + 4];
	size_t n;
} gword;

typedef struct alphabet {
	const char *const *letters;
	size_t n;
} alphabet;

static const char *const ascii5[] = { "a", "b", "c", "d", "e" };
/* ASCII, 2-byte (é ü ß) and 3-byte (€ ḁ) letters */
static const char *const mixed[] = { "a", "b", "c", "\xc3\xa9", "\xc3\xbc",
                                     "\xc3\x9f", "\xe2\x82\xac",
                                     "\xe1\xb8\x81" };
/* with bytes that start no valid sequence: a lone lead, a lone
 * continuation, 0xff, and a lead before a letter that completes it */
static const char *const broken[] = { "a", "b", "\xc3", "\x80", "\xff",
                                      "\xc3\xa9", "\xe2\x82", "\xac" };
/* letters the analyser keeps: ASCII, Cyrillic, Greek, Georgian */
static const char *const native[] = { "a", "b", "c", "d", "e", "o",
                                      "\xd0\xb6", "\xce\xbb",
                                      "\xe1\x83\x90" };
static const char *const letters26[] = {
	"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m",
	"n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z" };

static const alphabet alphabets[] = {
	{ ascii5, sizeof ascii5 / sizeof ascii5[0] },
	{ mixed, sizeof mixed / sizeof mixed[0] },
	{ broken, sizeof broken / sizeof broken[0] },
};

static void gword_random(gword *g, const alphabet *a, size_t lo, size_t hi)
{
	size_t i;

	g->n = lo + rnd(hi - lo + 1);
	for (i = 0; i < g->n; i++)
		g->l[i] = (unsigned char)rnd(a->n);
}

/* One random edit of G: an insertion, deletion, substitution or
 * transposition of adjacent letters. */
static void gword_edit(gword *g, const alphabet *a)
{
	size_t i;

	switch (rnd(4)) {
	case 0:
		if (g->n >= MAX_LETTERS + 3)
			break;
		i = rnd(g->n + 1);
		memmove(g->l + i + 1, g->l + i, g->n - i);
		g->l[i] = (unsigned char)rnd(a->n);
		g->n++;
		break;
	case 1:
		if (g->n == 0)
			break;
		i = rnd(g->n);
		memmove(g->l + i, g->l + i + 1, g->n - i - 1);
		g->n--;
		break;
	case 2:
		if (g->n > 0)
			g->l[rnd(g->n)] = (unsigned char)rnd(a->n);
		break;
	default:
		if (g->n >= 2) {
			unsigned char t;

			i = rnd(g->n - 1);
			t = g->l[i];
			g->l[i] = g->l[i + 1];
			g->l[i + 1] = t;
		}
	}
}

/* G's bytes into OUT (room for 64 + 1); its length. */
static size_t gword_text(char *out, const gword *g, const alphabet *a)
{
	size_t i, n = 0;

	for (i = 0; i < g->n; i++) {
		size_t k = strlen(a->letters[g->l[i]]);

		memcpy(out + n, a->letters[g->l[i]], k);
		n += k;
	}
	out[n] = '\0';
	return n;
}

typedef struct term {
	char *s;
	size_t len;
	uint64_t df;
} term;

static int cmp_term(const void *x, const void *y)
{
	const term *a = x, *b = y;
	int c = memcmp(a->s, b->s, a->len < b->len ? a->len : b->len);

	return c != 0 ? c : (a->len > b->len) - (a->len < b->len);
}

/* A sorted dictionary of distinct terms. */
typedef struct dict {
	term *t;
	size_t n;
	gword *words;      /* what it was made from, for derived queries */
	size_t nwords;
} dict;

/* Sorts D's terms, merging equal ones (their df summed). */
static void dict_sort(dict *d)
{
	size_t i, j = 0;

	qsort(d->t, d->n, sizeof *d->t, cmp_term);
	for (i = 0; i < d->n; i++) {
		if (j > 0 && cmp_term(&d->t[j - 1], &d->t[i]) == 0) {
			d->t[j - 1].df += d->t[i].df;
			free(d->t[i].s);
			continue;
		}
		d->t[j++] = d->t[i];
	}
	d->n = j;
}

/* N random words of LO to HI letters of A, each with df 1 to 10. */
static void dict_make(dict *d, const alphabet *a, size_t n, size_t lo,
                      size_t hi)
{
	size_t i;

	d->t = malloc(n * sizeof *d->t);
	d->words = malloc(n * sizeof *d->words);
	ck_assert(d->t != NULL && d->words != NULL);
	for (i = 0; i < n; i++) {
		char buf[ATT_MAX_TERM + 1];

		gword_random(&d->words[i], a, lo, hi);
		d->t[i].len = gword_text(buf, &d->words[i], a);
		d->t[i].s = malloc(d->t[i].len + 1);
		ck_assert_ptr_nonnull(d->t[i].s);
		memcpy(d->t[i].s, buf, d->t[i].len + 1);
		d->t[i].df = 1 + rnd(10);
	}
	d->n = d->nwords = n;
	dict_sort(d);
}

static void dict_free(dict *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->t[i].s);
	free(d->t);
	free(d->words);
}

/* The in-memory source: a sorted array, a position in it. */
typedef struct array_src {
	const dict *d;
	size_t i;
	size_t seeks;
} array_src;

static att_status array_seek(void *ctx, const uint8_t *key, size_t len)
{
	array_src *a = ctx;
	size_t lo = 0, hi = a->d->n;
	term k;

	k.s = (char *)key;
	k.len = len;
	while (lo < hi) { /* the first term >= key */
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_term(&a->d->t[mid], &k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	a->i = lo;
	a->seeks++;
	return ATT_OK;
}

static att_status array_next(void *ctx, const uint8_t **t, size_t *len,
                             uint64_t *df, int *has)
{
	array_src *a = ctx;

	*has = a->i < a->d->n;
	if (*has) {
		*t = (const uint8_t *)a->d->t[a->i].s;
		*len = a->d->t[a->i].len;
		*df = a->d->t[a->i].df;
		a->i++;
	}
	return ATT_OK;
}

static att_term_source array_source(array_src *a, const dict *d)
{
	att_term_source s;

	memset(a, 0, sizeof *a);
	a->d = d;
	s.seek = array_seek;
	s.next = array_next;
	s.ctx = a;
	return s;
}

/* What a walk or the brute force found. */
typedef struct found {
	term *t;
	unsigned *dist;
	size_t n, cap;
	int stop_after;    /* > 0: emit fails with ATT_ELIMIT at that many */
} found;

static void found_add(found *f, const uint8_t *t, size_t len, uint64_t df,
                      unsigned dist)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 16;
		f->t = realloc(f->t, f->cap * sizeof *f->t);
		f->dist = realloc(f->dist, f->cap * sizeof *f->dist);
		ck_assert(f->t != NULL && f->dist != NULL);
	}
	f->t[f->n].s = malloc(len + 1);
	ck_assert_ptr_nonnull(f->t[f->n].s);
	memcpy(f->t[f->n].s, t, len);
	f->t[f->n].s[len] = '\0';
	f->t[f->n].len = len;
	f->t[f->n].df = df;
	f->dist[f->n++] = dist;
}

static void found_free(found *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->t[i].s);
	free(f->t);
	free(f->dist);
	memset(f, 0, sizeof *f);
}

static att_status collect(void *ctx, const uint8_t *t, size_t len, uint64_t df,
                          unsigned dist)
{
	found *f = ctx;

	if (f->stop_after > 0 && (int)f->n == f->stop_after)
		return ATT_ELIMIT;
	found_add(f, t, len, df, dist);
	return ATT_OK;
}

/* Every term of D within K of WORD, by att_edit_distance. */
static void brute(found *f, const dict *d, const char *word, size_t len,
                  unsigned k)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		int e = att_edit_distance(d->t[i].s, d->t[i].len, word, len, k);

		ck_assert_int_ge(e, 0);
		if ((unsigned)e <= k)
			found_add(f, (const uint8_t *)d->t[i].s, d->t[i].len,
			          d->t[i].df, (unsigned)e);
	}
}

/* Shows S (N bytes) with bytes outside ASCII's printable ones escaped. */
static const char *show(const char *s, size_t n)
{
	static char buf[4][300];
	static int which;
	char *o = buf[which++ % 4];
	size_t i, j = 0;

	for (i = 0; i < n && j + 5 < sizeof buf[0]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f)
			o[j++] = (char)c;
		else
			j += (size_t)sprintf(o + j, "\\x%02x", c);
	}
	o[j] = '\0';
	return o;
}

/* Asserts that GOT and WANT hold the same terms, distances and dfs in
 * the same order. */
static void same(const found *got, const found *want, const char *word,
                 size_t len, unsigned k)
{
	size_t i;

	for (i = 0; i < got->n && i < want->n; i++) {
		ck_assert_msg(cmp_term(&got->t[i], &want->t[i]) == 0 &&
		              got->dist[i] == want->dist[i] &&
		              got->t[i].df == want->t[i].df,
		              "%s~%u: result %zu is %s (%u, df %llu), not %s (%u, "
		              "df %llu)", show(word, len), k, i,
		              show(got->t[i].s, got->t[i].len), got->dist[i],
		              (unsigned long long)got->t[i].df,
		              show(want->t[i].s, want->t[i].len), want->dist[i],
		              (unsigned long long)want->t[i].df);
	}
	ck_assert_msg(got->n == want->n, "%s~%u: %zu terms, not %zu%s%s",
	              show(word, len), k, got->n, want->n,
	              got->n > want->n ? "; extra: " : "; missing: ",
	              got->n > want->n
	                  ? show(got->t[want->n].s, got->t[want->n].len)
	                  : show(want->t[got->n].s, want->t[got->n].len));
}

/* Walks SRC for WORD~K and checks it against the brute force over D;
 * returns the terms it read. */
static size_t check_walk(const att_term_source *src, const dict *d,
                         const char *word, size_t len, unsigned k)
{
	found got = { 0 }, want = { 0 };
	size_t visited = 0;
	att_status rc;

	rc = att_fuzzy_walk(src, word, len, k, collect, &got, &visited);
	ck_assert_msg(rc == ATT_OK, "%s~%u: %s", show(word, len), k,
	              att_status_str(rc));
	brute(&want, d, word, len, k);
	same(&got, &want, word, len, k);
	found_free(&got);
	found_free(&want);
	return visited;
}

static int ed(const char *a, const char *b, unsigned max)
{
	return att_edit_distance(a, strlen(a), b, strlen(b), max);
}

/* ---- the distance --------------------------------------------------------- */

START_TEST(distance_hand_cases)
{
	char x[301], y[301];

	/* transpositions of adjacent characters cost 1 */
	ck_assert_int_eq(ed("azerbaijan", "azerbaijna", 5), 1);
	ck_assert_int_eq(ed("abc", "bac", 5), 1);
	ck_assert_int_eq(ed("abcd", "badc", 5), 2);
	/* the optimal string alignment form: no substring edited twice */
	ck_assert_int_eq(ed("ca", "abc", 5), 3);
	/* insertions, deletions, substitutions */
	ck_assert_int_eq(ed("kitten", "kittens", 5), 1);
	ck_assert_int_eq(ed("kitten", "kiten", 5), 1);
	ck_assert_int_eq(ed("kitten", "sitten", 5), 1);
	ck_assert_int_eq(ed("kitten", "sitting", 5), 3);
	ck_assert_int_eq(ed("flaw", "lawn", 5), 2);
	ck_assert_int_eq(ed("same", "same", 0), 0);
	/* code points, not bytes */
	ck_assert_int_eq(ed("t\xc3\xbcrkiye", "turkiye", 5), 1);
	ck_assert_int_eq(ed("na\xc3\xafve", "naive", 5), 1);
	ck_assert_int_eq(ed("\xe2\x82\xac", "e", 5), 1);
	ck_assert_int_eq(ed("\xc3\xa9\xc3\xbc", "\xc3\xbc\xc3\xa9", 5), 1);
	ck_assert_int_eq(ed("\xe2\x82\xac", "", 5), 1);
	/* a byte that starts no valid sequence is one character */
	ck_assert_int_eq(ed("\xff", "", 5), 1);
	ck_assert_int_eq(ed("a\xc3", "a", 5), 1);
	ck_assert_int_eq(ed("\xc3\xa9", "\xc3", 5), 1);
	ck_assert_int_eq(ed("\xc3x", "\xc3\xa9x", 5), 1);
	ck_assert_int_eq(ed("\xe2\x82", "\xe2\x82\xac", 5), 2);
	/* the cut-off: max + 1 beyond max */
	ck_assert_int_eq(ed("kitten", "sitting", 2), 3);
	ck_assert_int_eq(ed("kitten", "sitting", 1), 2);
	ck_assert_int_eq(ed("kitten", "sitting", 0), 1);
	ck_assert_int_eq(ed("abcdef", "", 2), 3);
	ck_assert_int_eq(ed("abc", "xyz", 2), 3);
	ck_assert_int_eq(ed("abc", "xyz", (unsigned)-1), 3);
	/* empty strings */
	ck_assert_int_eq(ed("", "", 0), 0);
	ck_assert_int_eq(ed("", "abc", 5), 3);
	ck_assert_int_eq(ed("abc", "", 3), 3);
	ck_assert_int_eq(ed("", "a", 0), 1);
	/* long strings (the allocating path) */
	memset(x, 'a', 300);
	x[300] = '\0';
	memcpy(y, x, sizeof y);
	y[150] = 'b';
	ck_assert_int_eq(ed(x, y, 2), 1);
	ck_assert_int_eq(ed(x, y + 10, 20), 11);
	ck_assert_int_eq(ed(x, y + 10, 5), 6);
	ck_assert_int_eq(ed(x, "aaa", 1000), 297);
}
END_TEST

/* The walk's arguments and its emit's errors. */
START_TEST(walk_arguments)
{
	static const char *const words[] = { "azerbaijan", "azerbaijani",
	                                     "baku", "kitten", "mitten",
	                                     "sitting", "t\xc3\xbcrkiye",
	                                     "turkey", "turkiye" };
	char longword[ATT_MAX_TERM + 2];
	found got = { 0 };
	att_term_source src;
	array_src a;
	size_t i, visited = 99;
	dict d;

	d.n = sizeof words / sizeof words[0];
	d.t = calloc(d.n, sizeof *d.t);
	d.words = NULL;
	ck_assert_ptr_nonnull(d.t);
	for (i = 0; i < d.n; i++) {
		d.t[i].len = strlen(words[i]);
		d.t[i].s = strdup(words[i]);
		d.t[i].df = i + 1;
	}
	dict_sort(&d);
	ck_assert_uint_eq(d.n, 9);
	src = array_source(&a, &d);
	ck_assert_int_eq(att_fuzzy_walk(&src, "azerbaijna", 10, 1, collect, &got,
	                                &visited), ATT_OK);
	ck_assert_uint_eq(got.n, 1);
	ck_assert_str_eq(got.t[0].s, "azerbaijan");
	ck_assert_uint_eq(got.dist[0], 1);
	ck_assert_uint_eq(got.t[0].df, 1);
	found_free(&got);
	ck_assert_int_eq(att_fuzzy_walk(&src, "azerbaijna", 10, 2, collect, &got,
	                                NULL), ATT_OK);
	ck_assert_uint_eq(got.n, 2);
	ck_assert_str_eq(got.t[1].s, "azerbaijani");
	ck_assert_uint_eq(got.dist[1], 2);
	found_free(&got);
	ck_assert_int_eq(att_fuzzy_walk(&src, "turkiye", 7, 2, collect, &got,
	                                NULL), ATT_OK);
	ck_assert_uint_eq(got.n, 3); /* byte order: u before \xc3 */
	ck_assert_str_eq(got.t[0].s, "turkey");
	ck_assert_uint_eq(got.dist[0], 2);
	ck_assert_str_eq(got.t[1].s, "turkiye");
	ck_assert_uint_eq(got.dist[1], 0);
	ck_assert_str_eq(got.t[2].s, "t\xc3\xbcrkiye");
	ck_assert_uint_eq(got.dist[2], 1);
	found_free(&got);
	ck_assert_int_eq(att_fuzzy_walk(&src, "kitten", 6, 0, collect, &got,
	                                &visited), ATT_OK);
	ck_assert_uint_eq(got.n, 1);
	ck_assert_str_eq(got.t[0].s, "kitten");
	found_free(&got);
	/* emit's error stops the walk and is returned */
	got.stop_after = 1;
	ck_assert_int_eq(att_fuzzy_walk(&src, "mitten", 6, 2, collect, &got,
	                                NULL), ATT_ELIMIT);
	ck_assert_uint_eq(got.n, 1);
	ck_assert_str_eq(got.t[0].s, "kitten");
	found_free(&got);
	/* bad arguments */
	ck_assert_int_eq(att_fuzzy_walk(&src, "kitten", 6, 3, collect, &got,
	                                &visited), ATT_EINVAL);
	ck_assert_uint_eq(visited, 0);
	memset(longword, 'a', sizeof longword);
	ck_assert_int_eq(att_fuzzy_walk(&src, longword, ATT_MAX_TERM, 1, collect,
	                                &got, NULL), ATT_OK);
	ck_assert_int_eq(att_fuzzy_walk(&src, longword, ATT_MAX_TERM + 1, 1,
	                                collect, &got, NULL), ATT_ELIMIT);
	ck_assert_uint_eq(got.n, 0);
	/* an empty word: the terms of at most K characters */
	ck_assert_int_eq(att_fuzzy_walk(&src, "", 0, 2, collect, &got, NULL),
	                 ATT_OK);
	ck_assert_uint_eq(got.n, 0);
	dict_free(&d);
}
END_TEST

/* A dictionary out of order is corrupt, not a loop or a crash. */
START_TEST(walk_out_of_order)
{
	static const char *const words[] = { "ab", "b", "aa" };
	found got = { 0 };
	att_term_source src;
	array_src a;
	size_t i;
	dict d;

	d.n = 3;
	d.t = calloc(d.n, sizeof *d.t);
	d.words = NULL;
	ck_assert_ptr_nonnull(d.t);
	for (i = 0; i < d.n; i++) {
		d.t[i].len = strlen(words[i]);
		d.t[i].s = strdup(words[i]);
	}
	src = array_source(&a, &d);
	ck_assert_int_eq(att_fuzzy_walk(&src, "ab", 2, 1, collect, &got, NULL),
	                 ATT_ECORRUPT);
	found_free(&got);
	dict_free(&d);
}
END_TEST

/* Random dictionaries and words: the walk gives what the brute force
 * gives. */
START_TEST(walk_matches_brute_force)
{
	size_t ai, q;

	rng_state = 20240611u + (uint64_t)_i;
	for (ai = 0; ai < sizeof alphabets / sizeof alphabets[0]; ai++) {
		const alphabet *al = &alphabets[ai];
		att_term_source src;
		array_src arr;
		dict d;

		dict_make(&d, al, 3000, 0, 7);
		src = array_source(&arr, &d);
		for (q = 0; q < 150; q++) {
			char word[ATT_MAX_TERM + 1];
			gword g;
			size_t len;
			unsigned k;

			if (q % 3 == 0) {
				gword_random(&g, al, 0, 8);
			} else {
				size_t e, edits = 1 + rnd(2);

				g = d.words[rnd(d.nwords)];
				for (e = 0; e < edits; e++)
					gword_edit(&g, al);
			}
			len = gword_text(word, &g, al);
			for (k = 0; k <= ATT_FUZZY_MAX_EDITS; k++)
				check_walk(&src, &d, word, len, k);
		}
		dict_free(&d);
	}
}
END_TEST

/* A dictionary of 200,000 words: a 1-edit walk reads under 10% of it
 * (and gives the brute force's answer). */
START_TEST(walk_is_sublinear)
{
	const alphabet al = { letters26, 26 };
	size_t q, most1 = 0, most2 = 0, sum1 = 0, seeks = 0;
	att_term_source src;
	array_src arr;
	dict d;

	rng_state = 77;
	dict_make(&d, &al, 200000, 4, 12);
	src = array_source(&arr, &d);
	for (q = 0; q < 20; q++) {
		char word[ATT_MAX_TERM + 1];
		gword g = d.words[rnd(d.nwords)];
		size_t len, v;

		gword_edit(&g, &al);
		len = gword_text(word, &g, &al);
		arr.seeks = 0;
		v = check_walk(&src, &d, word, len, 1);
		seeks += arr.seeks;
		sum1 += v;
		if (v > most1)
			most1 = v;
		if (q < 5) {
			v = check_walk(&src, &d, word, len, 2);
			if (v > most2)
				most2 = v;
		}
	}
	fprintf(stderr, "sublinear: %zu terms; 1 edit: at most %zu read (mean "
	        "%zu, %zu seeks); 2 edits: at most %zu\n", d.n, most1, sum1 / 20,
	        seeks / 20, most2);
	ck_assert_msg(most1 < d.n / 10, "a 1-edit walk read %zu of %zu terms",
	              most1, d.n);
	ck_assert_msg(most2 < d.n / 5, "a 2-edit walk read %zu of %zu terms",
	              most2, d.n);
	dict_free(&d);
}
END_TEST

/* ---- a native segment ----------------------------------------------------- */

static const char *const seg_docs[] = {
	"azerbaijan baku caspian",
	"t\xc3\xbcrkiye ankara istanbul",
	"turkey thanksgiving",
	"turkmenistan ashgabat",
	"azerbaijani cuisine",
	"kitten sitting mitten",
	"caspian sea kitten",
	"\xd0\xbc\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0 volga", /* москва */
};

/* Walks SEG for WORD~K, checks it against a full read of its
 * dictionary, and returns what it found. */
static void seg_walk(found *got, const att_segment *seg, const char *word,
                     unsigned k)
{
	found want = { 0 };
	att_term_source src;
	att_dict_iter it, all;
	size_t visited;
	att_status rc;
	int has;

	att_term_source_segment(&src, &it, seg);
	rc = att_fuzzy_walk(&src, word, strlen(word), k, collect, got, &visited);
	ck_assert_msg(rc == ATT_OK, "%s~%u: %s", word, k, att_status_str(rc));
	att_dict_iter_init(&all, seg);
	while ((rc = att_dict_iter_next(&all, &has)) == ATT_OK && has) {
		int e = att_edit_distance((const char *)all.term, all.len, word,
		                          strlen(word), k);

		if ((unsigned)e <= k)
			found_add(&want, all.term, all.len, all.ti.df, (unsigned)e);
	}
	ck_assert_int_eq(rc, ATT_OK);
	same(got, &want, word, strlen(word), k);
	found_free(&want);
}

/* Adds a document of TEXT with id ID to W. */
static void add_doc(att_writer *w, const char *id, const char *text)
{
	att_doc d;

	memset(&d, 0, sizeof d);
	d.id = id;
	d.id_len = strlen(id);
	d.title = "";
	d.text = text;
	d.text_len = strlen(text);
	ck_assert_int_eq(att_writer_add(w, &d), ATT_OK);
}

START_TEST(walk_native_segment)
{
	const alphabet al = { native, sizeof native / sizeof native[0] };
	char *dir = test_tmpdir("fuzzy"), msg[256], *emsg = NULL, id[16];
	char text[12 * (ATT_MAX_TERM + 1)];
	att_writer_options o;
	att_writer *w = NULL;
	gword *gen = malloc(4800 * sizeof *gen);
	att_manifest man;
	att_segment seg;
	found got = { 0 };
	size_t i, j, n;

	att_writer_options_init(&o);
	o.language = "none";
	o.threads = 1;
	ck_assert_int_eq(att_writer_open(&w, dir, &o, &emsg), ATT_OK);
	for (i = 0; i < sizeof seg_docs / sizeof seg_docs[0]; i++) {
		snprintf(id, sizeof id, "doc%zu", i);
		add_doc(w, id, seg_docs[i]);
	}
	/* 400 documents of 12 generated words: a few thousand terms */
	ck_assert_ptr_nonnull(gen);
	rng_state = 99;
	for (i = 0; i < 400; i++) {
		for (j = 0, n = 0; j < 12; j++) {
			gword_random(&gen[i * 12 + j], &al, 2, 7);
			n += gword_text(text + n, &gen[i * 12 + j], &al);
			text[n++] = ' ';
		}
		text[n - 1] = '\0';
		snprintf(id, sizeof id, "gen%zu", i);
		add_doc(w, id, text);
	}
	ck_assert_int_eq(att_writer_commit(w), ATT_OK);
	att_writer_free(w);
	ck_assert_int_eq(att_manifest_read(&man, dir, msg, sizeof msg), ATT_OK);
	ck_assert_uint_eq(man.nsegs, 1);
	ck_assert_int_eq(att_segment_open(&seg, dir, &man.segs[0], msg,
	                                  sizeof msg), ATT_OK);
	att_manifest_release(&man);

	seg_walk(&got, &seg, "azerbaijna", 1);
	ck_assert_uint_eq(got.n, 1);
	ck_assert_str_eq(got.t[0].s, "azerbaijan");
	ck_assert_uint_eq(got.dist[0], 1);
	ck_assert_uint_eq(got.t[0].df, 1);
	found_free(&got);
	seg_walk(&got, &seg, "azerbaijna", 2);
	ck_assert_uint_eq(got.n, 2);
	ck_assert_str_eq(got.t[1].s, "azerbaijani");
	found_free(&got);
	/* the analyser folds t\xc3\xbcrkiye to turkiye */
	seg_walk(&got, &seg, "turkiye", 2);
	ck_assert_uint_eq(got.n, 2);
	ck_assert_str_eq(got.t[0].s, "turkey");
	ck_assert_uint_eq(got.dist[0], 2);
	ck_assert_str_eq(got.t[1].s, "turkiye");
	ck_assert_uint_eq(got.dist[1], 0);
	found_free(&got);
	/* масква~1: москва, one code point (two bytes) away */
	seg_walk(&got, &seg, "\xd0\xbc\xd0\xb0\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0",
	         1);
	ck_assert_uint_eq(got.n, 1);
	ck_assert_str_eq(got.t[0].s,
	                 "\xd0\xbc\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0");
	ck_assert_uint_eq(got.dist[0], 1);
	found_free(&got);
	seg_walk(&got, &seg, "kiten", 1);
	ck_assert_uint_eq(got.n, 1);
	ck_assert_str_eq(got.t[0].s, "kitten");
	ck_assert_uint_eq(got.t[0].df, 2);
	found_free(&got);
	seg_walk(&got, &seg, "kitten", 2);
	ck_assert_uint_eq(got.n, 2);
	ck_assert_str_eq(got.t[0].s, "kitten");
	ck_assert_uint_eq(got.dist[0], 0);
	ck_assert_str_eq(got.t[1].s, "mitten");
	found_free(&got);
	seg_walk(&got, &seg, "caspain", 1);
	ck_assert_uint_eq(got.n, 1);
	ck_assert_str_eq(got.t[0].s, "caspian");
	found_free(&got);
	seg_walk(&got, &seg, "zzzz", 2);
	ck_assert_uint_eq(got.n, 0);
	seg_walk(&got, &seg, "sea", 0);
	ck_assert_uint_eq(got.n, 1);
	found_free(&got);
	/* the generated words: the walk gives what a full read gives */
	ck_assert_uint_gt(seg.ngroups, 100);
	for (i = 0; i < 150; i++) {
		char word[ATT_MAX_TERM + 1];
		gword g = gen[rnd(4800)];
		unsigned k;

		if (i % 3 == 0)
			gword_random(&g, &al, 1, 8);
		else
			for (j = 1 + rnd(2); j > 0; j--)
				gword_edit(&g, &al);
		gword_text(word, &g, &al);
		for (k = 0; k <= ATT_FUZZY_MAX_EDITS; k++) {
			seg_walk(&got, &seg, word, k);
			found_free(&got);
		}
	}
	att_segment_close(&seg);
	free(gen);
	test_remove_tmpdir(dir);
}
END_TEST

/* ---- a Xapian database ---------------------------------------------------- */

#ifdef ATTACHE_WITH_XAPIAN
#define XOK(call, what)                                                    \
	do {                                                                   \
		att_xstatus st_ = (call);                                          \
		ck_assert_msg(st_ == ATT_X_OK, "%s: %s (%s)", #call,               \
		              att_xstatus_str(st_), (what) ? (what) : "");         \
	} while (0)

/* A database of D's terms, each in df of the documents (D's dfs are
 * set so): document i holds the terms whose df exceeds i mod 10. */
START_TEST(walk_xapian_allterms)
{
	const alphabet *al = &alphabets[1];
	char *dir = test_tmpdir("fuzzyx"), path[512], *e = NULL;
	att_xwdb *wdb = NULL;
	att_xdoc *doc = NULL;
	att_xdb *db = NULL;
	att_xiter *it = NULL;
	att_term_source xsrc, asrc;
	array_src arr;
	size_t i, q, docs = 10;
	dict d;

	rng_state = 5;
	dict_make(&d, al, 2000, 1, 7);
	for (i = 0; i < d.n; i++)
		if (d.t[i].df > docs)
			d.t[i].df = docs;
	snprintf(path, sizeof path, "%s/db", dir);
	XOK(att_xwdb_open(&wdb, &e, path, ATT_XWDB_CREATE), e);
	XOK(att_xdoc_new(&doc, &e), e);
	for (q = 0; q < docs; q++) {
		XOK(att_xdoc_clear(doc), att_xdoc_errmsg(doc));
		for (i = 0; i < d.n; i++)
			if (d.t[i].df > q)
				XOK(att_xdoc_add_term(doc, d.t[i].s, d.t[i].len, 1),
				    att_xdoc_errmsg(doc));
		XOK(att_xwdb_add(wdb, NULL, doc), att_xwdb_errmsg(wdb));
	}
	XOK(att_xwdb_commit(wdb), att_xwdb_errmsg(wdb));
	att_xdoc_free(doc);
	att_xwdb_free(wdb);
	XOK(att_xdb_open(&db, &e, path), e);
	asrc = array_source(&arr, &d);
	for (q = 0; q < 60; q++) {
		char word[ATT_MAX_TERM + 1];
		gword g = d.words[rnd(d.nwords)];
		size_t len;
		unsigned k;

		gword_edit(&g, al);
		len = gword_text(word, &g, al);
		for (k = 0; k <= ATT_FUZZY_MAX_EDITS; k++) {
			found fx = { 0 }, fa = { 0 };
			att_status rc;

			XOK(att_xdb_allterms(&it, db, "", 0), att_xdb_errmsg(db));
			att_term_source_xapian(&xsrc, it);
			rc = att_fuzzy_walk(&xsrc, word, len, k, collect, &fx, NULL);
			ck_assert_msg(rc == ATT_OK, "%s: %s", att_status_str(rc),
			              att_xiter_errmsg(it));
			att_xiter_free(it);
			ck_assert_int_eq(att_fuzzy_walk(&asrc, word, len, k, collect,
			                                &fa, NULL), ATT_OK);
			same(&fx, &fa, word, len, k);
			found_free(&fx);
			found_free(&fa);
		}
	}
	/* skip_to is for term iterators only */
	XOK(att_xdb_postlist(&it, db, d.t[0].s, d.t[0].len), att_xdb_errmsg(db));
	ck_assert_int_eq(att_xiter_skip_to(it, "a", 1), ATT_X_EINVAL);
	att_xiter_free(it);
	att_xdb_free(db);
	dict_free(&d);
	test_remove_tmpdir(dir);
}
END_TEST
#endif

/* ---- typos in queries: word~N and the automatic correction ------------- */

static void rendered(char *out, size_t cap, const char *q, att_syntax syn,
                     att_status want, const char *msgsub)
{
	att_analyzer *an = NULL, *plain = NULL;
	att_parse_env env;
	att_query pq;
	att_buf b;
	char msg[256];
	att_status rc;

	ck_assert_int_eq(att_analyzer_new(&an, "english"), ATT_OK);
	ck_assert_int_eq(att_analyzer_new(&plain, "none"), ATT_OK);
	memset(&env, 0, sizeof env);
	env.an = an;
	env.plain = plain;
	env.syntax = syn;
	rc = att_query_parse(&pq, &env, q, strlen(q), msg, sizeof msg);
	ck_assert_msg(rc == want, "[%s]: %s (%s)", q, att_status_str(rc), msg);
	out[0] = '\0';
	if (rc == ATT_OK) {
		att_buf_init(&b);
		att_query_render(&b, &pq);
		att_buf_putc(&b, 0);
		snprintf(out, cap, "%s", (const char *)b.p);
		att_buf_release(&b);
		if (msgsub != NULL)
			ck_assert_msg(pq.notes.n > 0 && strstr(pq.notes.text[0], msgsub),
			              "[%s]: no note [%s]", q, msgsub);
		att_query_release(&pq);
	} else if (msgsub != NULL) {
		ck_assert_msg(strstr(msg, msgsub) != NULL, "[%s]: message [%s]", q, msg);
	}
	att_analyzer_free(an);
	att_analyzer_free(plain);
}

START_TEST(typo_syntax)
{
	static const struct {
		const char *q, *want;
	} cases[] = {
		{ "shahbaz~", "shahbaz~1" },          /* 7 letters: one edit */
		{ "azerbaijian~", "azerbaijian~2" },  /* 9 or more: two */
		{ "gas~", "gas~1" },                  /* word~ on a short word */
		{ "sharif~2 talks", "(sharif~2 talk)" },
		{ "sharif~0", "sharif" },             /* no edit: the word */
		{ "+sharif~1 -gas", "(+sharif~1 -gas)" },
		{ "\"gas field\"~2", "near/2(gas field)" },   /* a phrase's slop */
	};
	char got[256];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		rendered(got, sizeof got, cases[i].q, ATT_SYNTAX_FORGIVING, ATT_OK,
		         NULL);
		ck_assert_msg(strcmp(got, cases[i].want) == 0, "[%s]: [%s], want [%s]",
		              cases[i].q, got, cases[i].want);
	}
	rendered(got, sizeof got, "sharif~5", ATT_SYNTAX_FORGIVING, ATT_OK,
	         "at most 2 edits");
	ck_assert_str_eq(got, "sharif~2");
	rendered(got, sizeof got, "sharif~3", ATT_SYNTAX_STRICT, ATT_EPARSE,
	         "column 7: ~N on a word allows at most 2 edits");
}
END_TEST

typedef struct tdoc {
	const char *id, *text;
} tdoc;

static const tdoc typo_docs[] = {
	{ "seed", "Shehbaz Sharif met the delegation." },
	{ "other", "Shahbaz Sharif spoke on gas." },
	{ "gas", "Azerbaijan gas exports rose." },
	{ "grain", "Grain exports from the port." },
};

static void add_tdoc(att_writer *w, const char *id, const char *text)
{
	att_doc d;

	memset(&d, 0, sizeof d);
	d.id = id;
	d.id_len = strlen(d.id);
	d.title = "News";
	d.title_len = 4;
	d.text = text;
	d.text_len = strlen(d.text);
	ck_assert_int_eq(att_writer_add(w, &d), ATT_OK);
}

/* An index of DOCS (N) and, with PIPES, 24 documents saying "pipeline"
 * and one misspelling it "pipelne". */
static att_searcher *tdoc_index(char **dir, const char *backend,
                                const tdoc *docs, size_t n, int pipes)
{
	att_writer_options o;
	att_searcher *s = NULL;
	att_writer *w = NULL;
	char *msg = NULL, id[32];
	size_t i;

	*dir = test_tmpdir("typo");
	att_writer_options_init(&o);
	o.backend = backend;
	ck_assert_int_eq(att_writer_open(&w, *dir, &o, &msg), ATT_OK);
	for (i = 0; i < n; i++)
		add_tdoc(w, docs[i].id, docs[i].text);
	for (i = 0; pipes && i < 24; i++) {
		snprintf(id, sizeof id, "pipe%02zu", i);
		add_tdoc(w, id, "The pipeline carries water.");
	}
	if (pipes)
		add_tdoc(w, "pipelne", "A pipelne of projects.");
	ck_assert_int_eq(att_writer_commit(w), ATT_OK);
	att_writer_free(w);
	ck_assert_int_eq(att_searcher_open(&s, *dir, &msg), ATT_OK);
	return s;
}

/* The ids Q finds (sorted, space-separated) in GOT; its first note in
 * NOTE ("" if none). */
static void typo_search(att_searcher *s, const char *q, att_syntax syn,
                        char *got, size_t cap, char *note, size_t ncap)
{
	const char *ids[8];
	att_search_options o;
	att_results *r = NULL;
	size_t i, j, n, at = 0;

	att_search_options_init(&o);
	o.syntax = syn;
	ck_assert_msg(att_search(&r, s, q, strlen(q), &o) == ATT_OK, "[%s]: %s", q,
	              att_searcher_errmsg(s));
	n = att_results_count(r);
	ck_assert_uint_le(n, 8);
	for (i = 0; i < n; i++) {
		att_hit h;

		att_results_hit(&h, r, i);
		ids[i] = h.id;
	}
	for (i = 1; i < n; i++)   /* sorted, by hand */
		for (j = i; j > 0 && strcmp(ids[j - 1], ids[j]) > 0; j--) {
			const char *t = ids[j];

			ids[j] = ids[j - 1];
			ids[j - 1] = t;
		}
	got[0] = '\0';
	for (i = 0; i < n; i++)
		at += (size_t)snprintf(got + at, cap - at, "%s%s", i ? " " : "", ids[i]);
	snprintf(note, ncap, "%s", att_results_notes(r) ? att_results_note(r, 0)
	         : "");
	att_results_free(r);
}

static void typo_cases(const char *backend)
{
	static const struct {
		const char *q, *ids, *note;
		att_syntax syn;
	} cases[] = {
		{ "Shahbaz", "other", "", ATT_SYNTAX_FORGIVING },
		{ "Shahbaz~", "other seed", "", ATT_SYNTAX_FORGIVING },
		{ "Shahbaz~ Sharif", "other seed", "", ATT_SYNTAX_FORGIVING },
		/* in no document, 7 letters: its nearest word, noted */
		{ "Shehbas", "seed",
		  "shehba is in no document: searched shehbaz", ATT_SYNTAX_FORGIVING },
		{ "Azerbaijian gas", "gas other",
		  "azerbaijian is in no document: searched azerbaijan",
		  ATT_SYNTAX_FORGIVING },
		/* a word the index has is left alone; a short one too */
		{ "grain", "grain", "", ATT_SYNTAX_FORGIVING },
		{ "gaz", "", "", ATT_SYNTAX_FORGIVING },
		/* strict: the query exactly */
		{ "Shehbas", "", "", ATT_SYNTAX_STRICT },
	};
	char *dir, got[256], note[256];
	att_searcher *s = tdoc_index(&dir, backend, typo_docs,
	                             sizeof typo_docs / sizeof *typo_docs, 0);
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		typo_search(s, cases[i].q, cases[i].syn, got, sizeof got, note,
		            sizeof note);
		ck_assert_msg(strcmp(got, cases[i].ids) == 0, "%s [%s]: [%s], want [%s]",
		              backend, cases[i].q, got, cases[i].ids);
		ck_assert_msg(strcmp(note, cases[i].note) == 0,
		              "%s [%s]: note [%s], want [%s]", backend, cases[i].q,
		              note, cases[i].note);
	}
	att_searcher_free(s);
	test_remove_tmpdir(dir);
}

START_TEST(typo_search_native)
{
	typo_cases("native");
}
END_TEST

#ifdef ATTACHE_WITH_XAPIAN
START_TEST(typo_search_xapian)
{
	typo_cases("xapian");
}
END_TEST
#endif

static const tdoc suggest_docs[] = {
	{ "gas", "Azerbaijan gas exports rose." },
	{ "oil", "Azerbaijan gas and oil." },
	{ "talks", "The negotiations between the countries resumed." },
	{ "seed", "Shehbaz Sharif met the delegation." },
	{ "other", "Shahbaz Sharif spoke on gas." },
	{ "poll", "The presidential election is in May." },
};

/* The suggestion for Q ("" if none) in SUG, the hit ids as typo_search
 * gives them in GOT (if not NULL). */
static void suggest_search(att_searcher *s, const char *q, att_syntax syn,
                           char *got, size_t cap, char *sug, size_t scap)
{
	att_search_options o;
	att_results *r = NULL;
	char note[256];

	if (got != NULL)
		typo_search(s, q, syn, got, cap, note, sizeof note);
	att_search_options_init(&o);
	o.syntax = syn;
	o.n = 40;
	ck_assert_int_eq(att_search(&r, s, q, strlen(q), &o), ATT_OK);
	snprintf(sug, scap, "%s", att_results_suggestion(r) != NULL
	         ? att_results_suggestion(r) : "");
	att_results_free(r);
}

static void suggest_cases(const char *backend)
{
	static const struct {
		const char *q, *ids, *sug;
		att_syntax syn;
	} cases[] = {
		/* a word in no document: its nearest term, as a word */
		{ "Azerbaijian gas", "gas oil other", "azerbaijan gas",
		  ATT_SYNTAX_FORGIVING },
		{ "Azerbaijian gas", "gas oil other", "azerbaijan gas",
		  ATT_SYNTAX_PLAIN },
		/* strict searches as typed, and still suggests */
		{ "Azerbaijian gas", "gas oil other", "azerbaijan gas",
		  ATT_SYNTAX_STRICT },
		/* the rest of the query as typed: quotes, operators, case */
		{ "\"Azerbaijian gas\" -oil", "", "\"azerbaijan gas\" -oil",
		  ATT_SYNTAX_FORGIVING },
		{ "Gas AND Azerbaijian", "gas oil", "Gas AND azerbaijan",
		  ATT_SYNTAX_FORGIVING },
		/* the typed word's ending back on the stem */
		{ "contries", "talks", "countries", ATT_SYNTAX_FORGIVING },
		/* stems far apart, the typed words one edit apart */
		{ "negotiatons", "talks", "negotiations", ATT_SYNTAX_FORGIVING },
		{ "presidentail electoin", "poll", "presidential election",
		  ATT_SYNTAX_FORGIVING },
		/* a rare word, few hits, a term 24 times as frequent */
		{ "pipelne", "pipelne", "pipeline", ATT_SYNTAX_FORGIVING },
		/* fine queries, rare words of equal standing: none */
		{ "azerbaijan gas", "gas oil other", "", ATT_SYNTAX_FORGIVING },
		{ "Shehbaz Sharif", "other seed", "", ATT_SYNTAX_FORGIVING },
		{ "pipeline", NULL, "", ATT_SYNTAX_FORGIVING },   /* 24 hits */
		/* excluded words, prefixes, word~N and short words are not
		 * corrected */
		{ "gas -Azerbaijian", "gas oil other", "", ATT_SYNTAX_FORGIVING },
		{ "Azerbaijia*", "", "", ATT_SYNTAX_FORGIVING },
		{ "Azerbaijian~1", "gas oil", "", ATT_SYNTAX_FORGIVING },
		{ "gaz", "", "", ATT_SYNTAX_FORGIVING },
		{ "xyzzyq", "", "", ATT_SYNTAX_FORGIVING },
	};
	char *dir, got[512], sug[256];
	att_searcher *s = tdoc_index(&dir, backend, suggest_docs,
	                             sizeof suggest_docs / sizeof *suggest_docs, 1);
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		suggest_search(s, cases[i].q, cases[i].syn,
		               cases[i].ids != NULL ? got : NULL, sizeof got, sug,
		               sizeof sug);
		if (cases[i].ids != NULL)
			ck_assert_msg(strcmp(got, cases[i].ids) == 0,
			              "%s [%s]: [%s], want [%s]", backend, cases[i].q,
			              got, cases[i].ids);
		ck_assert_msg(strcmp(sug, cases[i].sug) == 0,
		              "%s [%s]: suggestion [%s], want [%s]", backend,
		              cases[i].q, sug, cases[i].sug);
	}
	att_searcher_free(s);
	test_remove_tmpdir(dir);
}

START_TEST(suggest_native)
{
	suggest_cases("native");
}
END_TEST

#ifdef ATTACHE_WITH_XAPIAN
START_TEST(suggest_xapian)
{
	suggest_cases("xapian");
}
END_TEST
#endif

static Suite *fuzzy_suite(void)
{
	Suite *s = suite_create("fuzzy");
	TCase *tc = tcase_create("fuzzy");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, distance_hand_cases);
	tcase_add_test(tc, walk_arguments);
	tcase_add_test(tc, walk_out_of_order);
	tcase_add_loop_test(tc, walk_matches_brute_force, 0, 3);
	tcase_add_test(tc, walk_is_sublinear);
	tcase_add_test(tc, walk_native_segment);
	tcase_add_test(tc, typo_syntax);
	tcase_add_test(tc, typo_search_native);
	tcase_add_test(tc, suggest_native);
#ifdef ATTACHE_WITH_XAPIAN
	tcase_add_test(tc, suggest_xapian);
	tcase_add_test(tc, walk_xapian_allterms);
	tcase_add_test(tc, typo_search_xapian);
#endif
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(fuzzy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
