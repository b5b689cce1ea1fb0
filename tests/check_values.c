/*
 * check_values.c: typed fields at search time (issue 14), against a
 * model.
 *
 * The test generates a collection of news-like documents with a date, a
 * few places and a price (some missing), indexes it through the public
 * writer in two runs with two threads and a small memory budget (so in
 * several segments), deletes some documents, and keeps its own copy of
 * every value. Each query's hits are then compared with what the model
 * computes independently: ranges on dates and numbers (whole months and
 * years, open ends), keyword values, `*`, filters given as options, and
 * words combined with filters, whose scores must be exactly those of the
 * words alone; sorting by a date or a number, each page of it, ties by
 * score; facets (keyword top N, date histograms, number values and
 * ranges) with exact counts. Some documents are replaced before the
 * checks. Pruned and exhaustive evaluation must agree.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <check.h>

#include "testdir.h"

#include "attache.h"
#include "format.h"

#define NDOCS 900
#define NWORDS 10
#define NPLACES 5
#define MAX_HITS 1000

static const char *const words[NWORDS] = {
	"oil", "gas", "wheat", "rail", "port", "bank", "coal", "gold", "corn",
	"ship"
};
/* folded as the index keeps them */
static const char *const places[NPLACES] = {
	"usa", "uk", "japan", "france", "turkiye"
};

typedef struct mdoc {
	char id[16];           /* first: an update clears what follows */
	int deleted;
	int has_date, has_price;
	int64_t date;          /* seconds since 1970 UTC */
	double price;
	unsigned places;       /* bit i: places[i] */
	unsigned words;        /* bit i: words[i] in the text */
} mdoc;

static mdoc model[NDOCS];
static char *dir;

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t next(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 11) % n);
}

/* 1987-01-01T00:00:00Z and the two years from it */
#define T1987 536457600LL
#define TWO_YEARS (731LL * 86400)

static int64_t day_of(int y, int m, int d)  /* seconds at 00:00 UTC */
{
	int64_t lo, hi;
	char s[16];

	snprintf(s, sizeof s, "%04d-%02d-%02d", y, m, d);
	ck_assert_int_eq(att_date_parse(&lo, &hi, s, strlen(s)), ATT_OK);
	return lo;
}

static void add_doc(att_writer *w, mdoc *m)
{
	char text[256] = "", date[40], price[40], pl[128] = "[";
	att_field f[3];
	att_doc d;
	size_t nf = 0;
	unsigned i, n = 3 + next(8);
	att_status rc;

	for (i = 0; i < n; i++) {
		/* skewed: the first words far more frequent */
		unsigned k = next(NWORDS) < 5 ? next(3) : next(NWORDS);

		snprintf(text + strlen(text), sizeof text - strlen(text), "%s%s",
		         i ? " " : "", words[k]);
		m->words |= 1u << k;
	}
	m->has_date = next(100) < 85;
	if (m->has_date) {
		m->date = T1987 + (int64_t)next((uint32_t)TWO_YEARS);
		if (next(4) == 0) {   /* a day alone: its first second */
			m->date -= m->date % 86400;
			att_date_format(date, sizeof date, m->date);
			date[10] = '\0';
		} else {
			att_date_format(date, sizeof date, m->date);
		}
		f[nf++] = (att_field){ "date", 4, date, strlen(date) };
	}
	m->has_price = next(100) < 80;
	if (m->has_price) {
		m->price = (double)next(1100) / 2 - 50;   /* -50 .. 499.5 */
		snprintf(price, sizeof price, "%g", m->price);
		f[nf++] = (att_field){ "price", 5, price, strlen(price) };
	}
	for (i = 0; i < NPLACES; i++)
		if (next(3) == 0) {
			m->places |= 1u << i;
			snprintf(pl + strlen(pl), sizeof pl - strlen(pl), "%s\"%s\"",
			         strlen(pl) > 1 ? "," : "",
			         i == 4 ? "T\xc3\xbcrkiye" : places[i]);
		}
	strcat(pl, "]");
	f[nf++] = (att_field){ "places", 6, pl, strlen(pl) };
	memset(&d, 0, sizeof d);
	d.id = m->id;
	d.id_len = strlen(m->id);
	d.text = text;
	d.text_len = strlen(text);
	d.fields = f;
	d.nfields = nf;
	rc = att_writer_add(w, &d);
	ck_assert_msg(rc == ATT_OK, "add %s: %s", m->id, att_writer_errmsg(w));
}

static const att_field_decl decls[] = {
	{ "date", ATT_FIELD_DATE }, { "places", ATT_FIELD_KEYWORD },
	{ "price", ATT_FIELD_NUMBER },
};

static att_writer *writer(void)
{
	att_writer_options o;
	att_writer *w = NULL;
	char *msg = NULL;
	att_status rc;

	att_writer_options_init(&o);
	o.threads = 2;
	o.memory_budget = 64 * 1024;
	o.no_merge = 1;
	o.fields = decls;
	o.nfields = 3;
	rc = att_writer_open(&w, dir, &o, &msg);
	ck_assert_msg(rc == ATT_OK, "writer: %s", msg ? msg : "");
	return w;
}

static void build(void)
{
	att_writer *w;
	uint32_t i, gone;

	dir = test_tmpdir("values");
	for (i = 0; i < NDOCS; i++)
		snprintf(model[i].id, sizeof model[i].id, "d%04u", (unsigned)i);
	w = writer();
	for (i = 0; i < NDOCS / 2; i++)
		add_doc(w, &model[i]);
	ck_assert_int_eq(att_writer_commit(w), ATT_OK);
	att_writer_free(w);
	w = writer();
	for (; i < NDOCS; i++)
		add_doc(w, &model[i]);
	for (i = 0; i < NDOCS; i += 17) {
		ck_assert_int_eq(att_writer_delete(&gone, w, model[i].id,
		                                   strlen(model[i].id)), ATT_OK);
		ck_assert_uint_eq(gone, 1);
		model[i].deleted = 1;
	}
	ck_assert_int_eq(att_writer_commit(w), ATT_OK);
	att_writer_free(w);
	/* updates: some documents replaced with new values */
	w = writer();
	for (i = 5; i < NDOCS; i += 13)
		if (!model[i].deleted) {
			memset((char *)&model[i] + offsetof(mdoc, deleted), 0,
			       sizeof *model - offsetof(mdoc, deleted));
			add_doc(w, &model[i]);
		}
	ck_assert_int_eq(att_writer_commit(w), ATT_OK);
	ck_assert_uint_gt(att_writer_replaced(w), 50);
	att_writer_free(w);
}

static void setup(void)
{
	if (dir == NULL)
		build();
}

static att_searcher *open_index(void)
{
	att_searcher *s = NULL;
	att_index_stats st;
	char *msg = NULL;

	ck_assert_int_eq(att_searcher_open(&s, dir, &msg), ATT_OK);
	ck_assert_int_eq(att_searcher_stats(&st, s), ATT_OK);
	ck_assert_uint_gt(st.segments, 2);   /* the test wants several */
	return s;
}

/* ---- the model's answers ---------------------------------------------------- */

typedef int (*pred)(const mdoc *m, const void *arg);

typedef struct range { int64_t lo, hi; } range;
typedef struct nrange { double lo, hi; } nrange;

static int in_dates(const mdoc *m, const void *a)
{
	const range *r = a;

	return m->has_date && m->date >= r->lo && m->date <= r->hi;
}

static int in_prices(const mdoc *m, const void *a)
{
	const nrange *r = a;

	return m->has_price && m->price >= r->lo && m->price <= r->hi;
}

/* the live documents P holds for, in id order, into IDS; their count */
static size_t want_ids(char ids[][16], pred p, const void *arg)
{
	size_t i, n = 0;

	for (i = 0; i < NDOCS; i++)
		if (!model[i].deleted && p(&model[i], arg)) {
			if (ids != NULL)
				memcpy(ids[n], model[i].id, 16);
			n++;
		}
	return n;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

static att_results *run(att_searcher *s, const char *q,
                        const char *const *filters, size_t nf, int exhaustive)
{
	att_search_options o;
	att_results *r = NULL;
	att_status rc;

	att_search_options_init(&o);
	o.n = MAX_HITS;
	o.passages = 0;
	o.rerank_depth = MAX_HITS;   /* every hit re-ranked, filtered or not */
	o.exhaustive = exhaustive;
	o.filters = filters;
	o.nfilters = nf;
	rc = att_search(&r, s, q, strlen(q), &o);
	ck_assert_msg(rc == ATT_OK, "[%s]: %s (%s)", q, att_status_str(rc),
	              att_searcher_errmsg(s));
	return r;
}

/* Q (with filters F) finds exactly the documents P holds for, pruned and
 * exhaustively, with an exact total. */
static void expect_set(att_searcher *s, const char *q, const char *const *f,
                       size_t nf, pred p, const void *arg)
{
	static char want[NDOCS][16], got[NDOCS][16];
	size_t nw = want_ids(want, p, arg), i, pass;

	ck_assert_msg(nw > 0 && nw < NDOCS - NDOCS / 17 - 1,
	              "[%s]: the model's set (%zu) should be a real subset", q, nw);
	for (pass = 0; pass < 2; pass++) {
		att_results *r = run(s, q, f, nf, (int)pass);
		size_t n = att_results_count(r);

		ck_assert_msg(n == nw, "[%s]%s: %zu hits, the model %zu", q,
		              pass ? " exhaustive" : "", n, nw);
		ck_assert_uint_eq(att_results_total(r), nw);
		for (i = 0; i < n; i++) {
			att_hit h;

			att_results_hit(&h, r, i);
			memcpy(got[i], h.id, h.id_len + 1);
		}
		qsort(got, n, 16, cmp_id);
		for (i = 0; i < n; i++)
			ck_assert_msg(strcmp(got[i], want[i]) == 0, "[%s]: hit %s, the "
			              "model %s", q, got[i], want[i]);
		att_results_free(r);
	}
}

/* ---- ranges, keywords and `*` ----------------------------------------------- */

static int has_place(const mdoc *m, const void *a)
{
	return (m->places & *(const unsigned *)a) != 0;
}

static int all_but(const mdoc *m, const void *a)
{
	return (m->places & *(const unsigned *)a) == 0;
}

START_TEST(ranges_match_the_model)
{
	att_searcher *s = open_index();
	range march = { day_of(1987, 3, 1), day_of(1987, 4, 1) - 1 };
	range spring = { day_of(1987, 3, 15), day_of(1987, 7, 1) - 1 };
	range y88 = { day_of(1988, 1, 1), day_of(1989, 1, 1) - 1 };
	range from = { day_of(1988, 6, 1), INT64_MAX };
	range upto = { INT64_MIN, day_of(1987, 2, 11) - 1 };
	range exact = { 0, 0 };
	nrange cheap = { -1e300, 100 }, mid = { 10.5, 20 }, dear = { 200, 1e300 };
	nrange neg = { -50, -0.5 };
	char q[128];
	size_t i;

	expect_set(s, "date:1987-03", NULL, 0, in_dates, &march);
	expect_set(s, "date:1987-03-15..1987-06", NULL, 0, in_dates, &spring);
	expect_set(s, "date:1988", NULL, 0, in_dates, &y88);
	expect_set(s, "date:1988-06..", NULL, 0, in_dates, &from);
	expect_set(s, "date:..1987-02-10", NULL, 0, in_dates, &upto);
	expect_set(s, "date:\"1988-06-01T00:00:00+00:00\"..", NULL, 0, in_dates,
	           &from);
	expect_set(s, "price:..100", NULL, 0, in_prices, &cheap);
	expect_set(s, "price:10.5..20", NULL, 0, in_prices, &mid);
	expect_set(s, "price:200..", NULL, 0, in_prices, &dear);
	expect_set(s, "price:-50..-0.5", NULL, 0, in_prices, &neg);
	/* a date-time to the second: the documents with exactly that time */
	for (i = 0; i < NDOCS && (model[i].deleted || !model[i].has_date); i++)
		;
	exact.lo = exact.hi = model[i].date;
	att_date_format(q, sizeof q, model[i].date);
	memmove(q + 5, q, strlen(q) + 1);
	memcpy(q, "date:", 5);
	expect_set(s, q, NULL, 0, in_dates, &exact);
	att_searcher_free(s);
}
END_TEST

static int always(const mdoc *m, const void *a)
{
	(void)m;
	(void)a;
	return 1;
}

START_TEST(keywords_and_everything)
{
	att_searcher *s = open_index();
	static char want[NDOCS][16];
	unsigned usa = 1, uk = 2, usa_japan = 1 | 4, tr = 16;
	att_results *r;
	size_t n;

	expect_set(s, "places:usa", NULL, 0, has_place, &usa);
	expect_set(s, "places:USA OR places:Japan", NULL, 0, has_place, &usa_japan);
	expect_set(s, "places:T\xc3\x9cRKIYE", NULL, 0, has_place, &tr);
	expect_set(s, "* -places:uk", NULL, 0, all_but, &uk);
	/* `*` is every live document: not a subset, so counted here */
	n = want_ids(want, always, NULL);
	r = run(s, "*", NULL, 0, 0);
	ck_assert_uint_eq(att_results_count(r), n);
	ck_assert_uint_eq(att_results_total(r), n);
	att_results_free(r);
	att_searcher_free(s);
}
END_TEST

/* ---- filters with words ----------------------------------------------------- */

typedef struct wf {
	unsigned words;        /* any of these words */
	range dates;
	unsigned places;       /* one of these (0: any) */
} wf;

static int has_words(const mdoc *m, const void *a)
{
	return (m->words & *(const unsigned *)a) != 0;
}

static int words_filtered(const mdoc *m, const void *a)
{
	const wf *x = a;

	return (m->words & x->words) && in_dates(m, &x->dates) &&
	    (x->places == 0 || (m->places & x->places));
}

/* Each hit of the filtered query has the score the words alone give it. */
static void same_scores(att_searcher *s, const char *words_q,
                        const char *filtered_q, const char *const *f,
                        size_t nf)
{
	att_results *all = run(s, words_q, NULL, 0, 1);
	att_results *some = run(s, filtered_q, f, nf, 0);
	size_t i, j;

	ck_assert_uint_gt(att_results_count(some), 0);
	ck_assert_uint_lt(att_results_count(some), att_results_count(all));
	for (i = 0; i < att_results_count(some); i++) {
		att_hit h, g;

		att_results_hit(&h, some, i);
		for (j = 0; j < att_results_count(all); j++) {
			att_results_hit(&g, all, j);
			if (strcmp(g.id, h.id) == 0)
				break;
		}
		ck_assert_msg(j < att_results_count(all), "%s: not a hit of %s", h.id,
		              words_q);
		ck_assert_msg(h.doc_score == g.doc_score && h.score == g.score,
		              "%s: score %.17g, alone %.17g", h.id, h.score, g.score);
		if (i > 0) {   /* and still in score order */
			att_hit p;

			att_results_hit(&p, some, i - 1);
			ck_assert(p.score >= h.score);
		}
	}
	att_results_free(all);
	att_results_free(some);
}

START_TEST(filters_restrict_and_never_score)
{
	att_searcher *s = open_index();
	const char *f1[] = { "date:1987" };
	const char *f2[] = { "date:1987", "places:usa" };
	wf a = { 1 | 2, { day_of(1987, 1, 1), day_of(1988, 1, 1) - 1 }, 0 };
	wf b = { 1 | 2, { day_of(1987, 1, 1), day_of(1988, 1, 1) - 1 }, 1 };
	wf c = { 1 << 3, { day_of(1988, 3, 1), day_of(1988, 4, 1) - 1 }, 0 };
	range y87 = { day_of(1987, 1, 1), day_of(1988, 1, 1) - 1 };

	expect_set(s, "oil gas", f1, 1, words_filtered, &a);
	expect_set(s, "oil gas date:1987", NULL, 0, words_filtered, &a);
	expect_set(s, "oil gas", f2, 2, words_filtered, &b);
	expect_set(s, "rail date:1988-03", NULL, 0, words_filtered, &c);
	/* a blank query with filters is every document they match */
	expect_set(s, "", f1, 1, in_dates, &y87);
	expect_set(s, "  ", f1, 1, in_dates, &y87);
	same_scores(s, "oil gas", "oil gas", f2, 2);
	same_scores(s, "oil gas", "oil gas date:1987 places:usa", NULL, 0);
	same_scores(s, "rail", "rail +date:1988-03", NULL, 0);
	att_searcher_free(s);
}
END_TEST

/* ---- sort -------------------------------------------------------------------- */

typedef struct sorted {
	const mdoc *m;
	double score;
	int has;
	double key;
} sorted;

static int sort_desc;

static int cmp_sorted(const void *a, const void *b)
{
	const sorted *x = a, *y = b;

	if (x->has != y->has)
		return y->has - x->has;   /* no value last */
	if (x->has && x->key != y->key)
		return (x->key < y->key) == !sort_desc ? -1 : 1;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return strcmp(x->m->id, y->m->id);
}

/* Q (with filters F) sorted by SORT gives the model's order: the
 * matches of the unsorted, exhaustive run, ordered by the field's value
 * (documents without one last), ties by score, then id; every page of
 * it too. */
static void expect_sorted(att_searcher *s, const char *q, const char *const *f,
                          size_t nf, const char *sort)
{
	static sorted want[NDOCS];
	att_results *all = run(s, q, f, nf, 1), *r;
	att_search_options o;
	size_t n = att_results_count(all), i, j, pages[][2] = {
		{ 0, MAX_HITS }, { 0, 10 }, { 7, 10 }, { 0, 1 }, { 0, 0 } };
	int date = strncasecmp(sort, "date", 4) == 0;

	sort_desc = strstr(sort, ":desc") != NULL;
	ck_assert_uint_gt(n, 20);
	for (i = 0; i < n; i++) {
		att_hit h;

		att_results_hit(&h, all, i);
		for (j = 0; strcmp(model[j].id, h.id) != 0; j++)
			;
		want[i].m = &model[j];
		want[i].score = h.score;
		want[i].has = date ? model[j].has_date : model[j].has_price;
		want[i].key = date ? (double)model[j].date : model[j].price;
	}
	qsort(want, n, sizeof *want, cmp_sorted);
	att_results_free(all);
	for (j = 0; pages[j][1] > 0; j++) {
		att_search_options_init(&o);
		o.n = pages[j][1];
		o.offset = pages[j][0];
		o.passages = 0;
		o.rerank_depth = MAX_HITS;
		o.filters = f;
		o.nfilters = nf;
		o.sort = sort;
		ck_assert_int_eq(att_search(&r, s, q, strlen(q), &o), ATT_OK);
		ck_assert_uint_eq(att_results_total(r), n);
		ck_assert(att_results_total_exact(r));
		ck_assert_uint_eq(att_results_count(r),
		                  n - o.offset < o.n ? n - o.offset : o.n);
		for (i = 0; i < att_results_count(r); i++) {
			att_hit h;

			att_results_hit(&h, r, i);
			ck_assert_msg(strcmp(h.id, want[o.offset + i].m->id) == 0,
			              "[%s] --sort %s, hit %zu of page %zu+%zu: %s, the "
			              "model %s", q, sort, i, o.offset, o.n, h.id,
			              want[o.offset + i].m->id);
			ck_assert(h.score == want[o.offset + i].score);
		}
		att_results_free(r);
	}
}

START_TEST(sort_matches_the_model)
{
	att_searcher *s = open_index();
	const char *f[] = { "places:usa OR places:japan" };
	att_search_options o;
	att_results *r = NULL;

	expect_sorted(s, "oil", NULL, 0, "date");
	expect_sorted(s, "oil", NULL, 0, "date:desc");
	expect_sorted(s, "oil gas", f, 1, "DATE:asc");
	expect_sorted(s, "*", NULL, 0, "price");          /* many ties */
	expect_sorted(s, "rail OR coal", NULL, 0, "price:desc");
	expect_sorted(s, "", f, 1, "price:desc");
	/* a keyword field, an unknown one, a bad direction; relevance by name */
	att_search_options_init(&o);
	o.sort = "places";
	ck_assert_int_eq(att_search(&r, s, "oil", 3, &o), ATT_EINVAL);
	ck_assert_str_eq(att_searcher_errmsg(s), "sort \"places\": \"places\" is "
	                 "a keyword field; sort by a date or number field");
	o.sort = "nothing:desc";
	ck_assert_int_eq(att_search(&r, s, "oil", 3, &o), ATT_EINVAL);
	ck_assert_str_eq(att_searcher_errmsg(s), "sort \"nothing:desc\": no date "
	                 "or number field \"nothing\" is declared");
	o.sort = "date:newest";
	ck_assert_int_eq(att_search(&r, s, "oil", 3, &o), ATT_EINVAL);
	o.sort = "relevance";
	ck_assert_int_eq(att_search(&r, s, "oil", 3, &o), ATT_OK);
	att_results_free(r);
	att_searcher_free(s);
}
END_TEST

/* ---- facets ------------------------------------------------------------------- */

typedef struct mval {
	char label[40];
	double key;            /* numbers, dates: the order of values */
	uint64_t count;
} mval;

static int cmp_mval_key(const void *a, const void *b)
{
	const mval *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return strcmp(x->label, y->label);
}

static int cmp_mval_count(const void *a, const void *b)
{
	const mval *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return cmp_mval_key(a, b);
}

static void count_value(mval *v, size_t *n, const char *label, double key)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp(v[i].label, label) == 0) {
			v[i].count++;
			return;
		}
	snprintf(v[*n].label, sizeof v[*n].label, "%s", label);
	v[*n].key = key;
	v[(*n)++].count = 1;
}

/* The model's facet SPEC over the live documents P holds for. */
static size_t model_facet(mval *v, const char *spec, pred p, const void *arg)
{
	size_t n = 0, i, k, limit = 10;
	const char *colon = strchr(spec, ':');

	for (i = 0; i < NDOCS; i++) {
		const mdoc *m = &model[i];
		char l[40];

		if (m->deleted || !p(m, arg))
			continue;
		if (strncasecmp(spec, "places", 6) == 0) {
			for (k = 0; k < NPLACES; k++)
				if (m->places & (1u << k))
					count_value(v, &n, places[k], 0);
		} else if (strncmp(spec, "date", 4) == 0 && m->has_date) {
			att_date_format(l, sizeof l, m->date);
			l[strcmp(colon, ":year") == 0 ? 4 : strcmp(colon, ":month") == 0
			  ? 7 : 10] = '\0';
			count_value(v, &n, l, 0);
		} else if (strncmp(spec, "price", 5) == 0 && m->has_price) {
			att_number_format(l, sizeof l, m->price);
			count_value(v, &n, l, m->price);
		}
	}
	if (strncmp(spec, "date", 4) == 0) {   /* a histogram: in time order */
		qsort(v, n, sizeof *v, cmp_mval_key);   /* labels sort as dates */
		return n;
	}
	if (colon != NULL)
		limit = (size_t)atoi(colon + 1);
	qsort(v, n, sizeof *v, cmp_mval_count);
	return n < limit ? n : limit;
}

static void expect_facet(const att_results *r, size_t i, const char *name,
                         const mval *want, size_t nw)
{
	size_t nv, k;
	const char *got = att_results_facet(r, i, &nv);

	ck_assert_str_eq(got, name);
	ck_assert_msg(nv == nw, "facet %s: %zu values, the model %zu", name, nv,
	              nw);
	for (k = 0; k < nv; k++) {
		att_facet_value v;

		att_results_facet_value(&v, r, i, k);
		ck_assert_uint_eq(strlen(v.value), v.value_len);
		ck_assert_msg(strcmp(v.value, want[k].label) == 0 &&
		              v.count == want[k].count, "facet %s, value %zu: %s %llu,"
		              " the model %s %llu", name, k, v.value,
		              (unsigned long long)v.count, want[k].label,
		              (unsigned long long)want[k].count);
		ck_assert(v.from != v.from && v.to != v.to);   /* NaN: not ranges */
	}
}

/* Q (filters F) with facets SPECS[0..NS), each but ranges against the
 * model for P. */
static att_results *facets_run(att_searcher *s, const char *q,
                               const char *const *f, size_t nf,
                               const char *const *specs, size_t ns, pred p,
                               const void *arg)
{
	static mval want[NDOCS * NPLACES];
	att_search_options o;
	att_results *r = NULL;
	size_t i, nw;

	att_search_options_init(&o);
	o.n = 3;
	o.filters = f;
	o.nfilters = nf;
	o.facets = specs;
	o.nfacets = ns;
	ck_assert_int_eq(att_search(&r, s, q, strlen(q), &o), ATT_OK);
	/* exact with facets */
	ck_assert_uint_eq(att_results_total(r), want_ids(NULL, p, arg));
	ck_assert(att_results_total_exact(r));
	ck_assert_uint_eq(att_results_facets(r), ns);
	for (i = 0; i < ns; i++) {
		char name[40];

		if (strstr(specs[i], "ranges=") != NULL)
			continue;
		nw = model_facet(want, specs[i], p, arg);
		ck_assert_uint_gt(nw, 0);
		snprintf(name, sizeof name, "%s", specs[i]);
		name[0] = (char)(name[0] | 0x20);     /* "Places:2" is "places" */
		if (strncmp(name, "date", 4) != 0 && strchr(name, ':') != NULL)
			*strchr(name, ':') = '\0';
		expect_facet(r, i, name, want, nw);
	}
	return r;
}

static void expect_facets(att_searcher *s, const char *q, const char *const *f,
                          size_t nf, pred p, const void *arg)
{
	static const char *const one[] = {
		"places", "date:year", "date:month", "date:day", "price"
	};
	static const char *const two[] = {
		"Places:2", "price:25", "date:day"
	};
	static const char *const three[] = { "price:ranges=0,10.5,100,250" };
	static const char *const labels[] = { "..0", "0..10.5", "10.5..100",
	                                      "100..250", "250.." };
	const double bounds[] = { 0, 10.5, 100, 250 };
	uint64_t buckets[5] = { 0 };
	att_results *r;
	size_t i, nv;

	att_results_free(facets_run(s, q, f, nf, one, 5, p, arg));
	att_results_free(facets_run(s, q, f, nf, two, 3, p, arg));
	r = facets_run(s, q, f, nf, three, 1, p, arg);
	for (i = 0; i < NDOCS; i++) {   /* below 0, [0, 10.5), ... */
		size_t b = 0;

		if (model[i].deleted || !p(&model[i], arg) || !model[i].has_price)
			continue;
		while (b < 4 && model[i].price >= bounds[b])
			b++;
		buckets[b]++;
	}
	ck_assert_str_eq(att_results_facet(r, 0, &nv), "price");
	ck_assert_uint_eq(nv, 5);
	for (i = 0; i < 5; i++) {
		att_facet_value v;

		att_results_facet_value(&v, r, 0, i);
		ck_assert_str_eq(v.value, labels[i]);
		ck_assert_uint_eq(v.count, buckets[i]);
		ck_assert(v.from == (i ? bounds[i - 1] : -INFINITY));
		ck_assert(v.to == (i < 4 ? bounds[i] : INFINITY));
	}
	att_results_free(r);
}

START_TEST(facets_match_the_model)
{
	att_searcher *s = open_index();
	const char *f[] = { "date:1987" };
	const char *dup[] = { "price", "price:ranges=1,2" };
	const char *bad[] = { "date" };
	wf a = { 1 | 2, { day_of(1987, 1, 1), day_of(1988, 1, 1) - 1 }, 0 };
	att_search_options o;
	att_results *r = NULL;
	unsigned usa = 1, oil = 1;

	expect_facets(s, "*", NULL, 0, always, NULL);
	expect_facets(s, "oil gas", f, 1, words_filtered, &a);
	expect_facets(s, "places:usa", NULL, 0, has_place, &usa);
	/* a sort and pruning-free ranking alongside */
	att_search_options_init(&o);
	o.facets = dup;
	o.nfacets = 1;
	o.sort = "date:desc";
	ck_assert_int_eq(att_search(&r, s, "oil", 3, &o), ATT_OK);
	ck_assert_uint_eq(att_results_total(r), want_ids(NULL, has_words, &oil));
	att_results_free(r);
	o.sort = NULL;
	o.nfacets = 2;
	ck_assert_int_eq(att_search(&r, s, "oil", 3, &o), ATT_EINVAL);
	ck_assert_str_eq(att_searcher_errmsg(s), "facet \"price\" is asked for "
	                 "twice");
	o.facets = bad;
	o.nfacets = 1;
	ck_assert_int_eq(att_search(&r, s, "oil", 3, &o), ATT_EINVAL);
	ck_assert_str_eq(att_searcher_errmsg(s), "facet \"date\": a date field "
	                 "takes :year, :month or :day");
	att_searcher_free(s);
}
END_TEST

static Suite *values_suite(void)
{
	Suite *s = suite_create("values");
	TCase *tc = tcase_create("search");

	tcase_add_unchecked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, ranges_match_the_model);
	tcase_add_test(tc, keywords_and_everything);
	tcase_add_test(tc, filters_restrict_and_never_score);
	tcase_add_test(tc, sort_matches_the_model);
	tcase_add_test(tc, facets_match_the_model);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(values_suite());
	int failed;

	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (dir != NULL && test_rmtree(dir) != 0)
		failed++;
	free(dir);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
