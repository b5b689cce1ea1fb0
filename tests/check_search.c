/*
 * check_search.c: unit tests for ranking, phrases, passages and the
 * query parser.
 *
 * Each test writes a tiny index of hand-made documents (through the
 * public writer) into its own directory under /tmp and queries it. The
 * documents are built so that the expected answer can be worked out by
 * hand: BM25 scores are recomputed here from the formula the engine
 * documents (idf = ln(1 + (N - df + 0.5) / (df + 0.5)), tf saturation
 * with k1 and length normalisation with b against the average document
 * length, a document's length being its title and text tokens), passage
 * offsets and marks are located in the test's own copy of the text, and
 * phrase, required and excluded clauses are checked against the exact
 * set of documents that must match. (The parser's own tests are in
 * check_query.c.)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "testdir.h"

#include "attache.h"
#include "format.h"
#include "searcher.h"
#include "stemmer.h"

/* ---- helpers ------------------------------------------------------------- */

/* One document: id, title, text. */
typedef struct tdoc {
	const char *id, *title, *text;
} tdoc;

/* Writes DOCS[0..n) into a new index in a new directory, with a field
 * "source" of SOURCES[i] where that is not NULL (SOURCES may be NULL);
 * returns the opened searcher and the directory in *DIR. */
static att_searcher *build_with(char **dir, const char *language,
                                const tdoc *docs, const char *const *sources,
                                size_t n)
{
	att_writer_options o;
	att_searcher *s = NULL;
	att_writer *w = NULL;
	char *msg = NULL;
	size_t i;

	*dir = test_tmpdir("search");
	att_writer_options_init(&o);
	o.language = language;
	ck_assert_int_eq(att_writer_open(&w, *dir, &o, &msg), ATT_OK);
	for (i = 0; i < n; i++) {
		att_field f;
		att_doc d;

		memset(&d, 0, sizeof d);
		d.id = docs[i].id;
		d.id_len = strlen(docs[i].id);
		d.title = docs[i].title;
		d.title_len = strlen(docs[i].title);
		d.text = docs[i].text;
		d.text_len = strlen(docs[i].text);
		if (sources != NULL && sources[i] != NULL) {
			f.name = "source";
			f.name_len = 6;
			f.value = sources[i];
			f.value_len = strlen(sources[i]);
			d.fields = &f;
			d.nfields = 1;
		}
		ck_assert_msg(att_writer_add(w, &d) == ATT_OK, "add %s: %s",
		              docs[i].id, att_writer_errmsg(w));
	}
	ck_assert_msg(att_writer_commit(w) == ATT_OK, "commit: %s",
	              att_writer_errmsg(w));
	att_writer_free(w);
	ck_assert_int_eq(att_searcher_open(&s, *dir, &msg), ATT_OK);
	return s;
}

static att_searcher *build(char **dir, const char *language, const tdoc *docs,
                           size_t n)
{
	return build_with(dir, language, docs, NULL, n);
}

static void teardown_index(att_searcher *s, char *dir)
{
	att_searcher_free(s);
	test_remove_tmpdir(dir);
}

static att_results *search_ok(att_searcher *s, const char *q,
                              const att_search_options *o)
{
	att_results *r = NULL;
	att_status rc = att_search(&r, s, q, strlen(q), o);

	ck_assert_msg(rc == ATT_OK, "search [%s]: %s (%s)", q, att_status_str(rc),
	              att_searcher_errmsg(s));
	ck_assert_ptr_nonnull(r);
	return r;
}

/* Searches Q and expects error WANT with a message containing SUB. */
static void search_fails(att_searcher *s, const char *q, size_t len,
                         const att_search_options *o, att_status want,
                         const char *sub)
{
	att_results *r = (att_results *)1;
	att_status rc = att_search(&r, s, q, len, o);

	ck_assert_msg(rc == want, "search [%.40s]: %s, want %s (%s)", q,
	              att_status_str(rc), att_status_str(want),
	              att_searcher_errmsg(s));
	ck_assert_ptr_null(r);
	if (sub != NULL)
		ck_assert_msg(strstr(att_searcher_errmsg(s), sub) != NULL,
		              "search [%.40s]: message [%s] lacks [%s]", q,
		              att_searcher_errmsg(s), sub);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Checks that Q matches exactly the documents in WANT (a space-separated
 * sorted list of ids, "" for none), all of them returned. */
static void expect_ids_o(att_searcher *s, const char *q,
                         const att_search_options *o, const char *want)
{
	const char *ids[32];
	char got[512] = "";
	att_results *r = search_ok(s, q, o);
	size_t i, n = att_results_count(r);

	ck_assert_uint_le(n, 32);
	ck_assert_uint_eq(att_results_total(r), n);
	for (i = 0; i < n; i++) {
		att_hit h;

		att_results_hit(&h, r, i);
		ids[i] = h.id;
	}
	qsort(ids, n, sizeof *ids, cmp_str);
	for (i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s",
		         i ? " " : "", ids[i]);
	ck_assert_msg(strcmp(got, want) == 0, "[%s]: got {%s}, want {%s}", q, got,
	              want);
	att_results_free(r);
}

static void expect_ids(att_searcher *s, const char *q, const char *want)
{
	expect_ids_o(s, q, NULL, want);
}

/* ---- BM25 ---------------------------------------------------------------- */

/* language "none": every word is one term, as written (lowercased) */
static const tdoc BM[] = {
	{ "a1", "apple", "apple banana cherry" },                         /* 4 */
	{ "a2", "banana split", "banana banana date elderberry fig grape" }, /* 8 */
	{ "a3", "cherry", "apple date" },                                 /* 3 */
	{ "a4", "kiwi", "lemon mango nectarine orange papaya quince" },   /* 7 */
};
#define BM_N 4.0
#define BM_TOKENS 22.0

static double idf(double df)
{
	return log(1.0 + (BM_N - df + 0.5) / (df + 0.5));
}

static double tfpart(double tf, double dl, double k1, double b)
{
	return tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / (BM_TOKENS / BM_N)));
}

/* Runs Q and checks that the hits are WANT_IDS[0..n) in order, with the
 * scores WANT[0..n). */
static void expect_ranking(att_searcher *s, const char *q,
                           const att_search_options *o,
                           const char *const *want_ids, const double *want,
                           size_t n)
{
	att_results *r = search_ok(s, q, o);
	size_t i;

	ck_assert_uint_eq(att_results_count(r), n);
	ck_assert_uint_eq(att_results_total(r), n);
	for (i = 0; i < n; i++) {
		att_hit h;

		att_results_hit(&h, r, i);
		ck_assert_msg(strcmp(h.id, want_ids[i]) == 0, "[%s] hit %zu: %s, "
		              "want %s", q, i, h.id, want_ids[i]);
		ck_assert_double_eq_tol(h.doc_score, want[i], 1e-9);
		ck_assert_double_eq_tol(h.score, want[i], 1e-9);
		if (i > 0)
			ck_assert(want[i - 1] > want[i]); /* the test's own order */
	}
	att_results_free(r);
}

START_TEST(bm25_hand_computed)
{
	char *dir;
	att_searcher *s = build(&dir, "none", BM, 4);
	att_search_options o;
	att_index_stats st;
	double k1 = 1.2, b = 0.75;

	ck_assert_int_eq(att_searcher_stats(&st, s), ATT_OK);
	ck_assert_uint_eq(st.docs, 4);
	ck_assert_uint_eq(st.positions, (uint64_t)BM_TOKENS);
	ck_assert_str_eq(st.language, "none");
	att_search_options_init(&o);
	o.passage_weight = 0;
	o.proximity_weight = 0;
	ck_assert_double_eq(o.k1, 1.2);
	ck_assert_double_eq(o.b, 0.75);
	{
		/* apple: df 2 (a1 tf 2, a3 tf 1); banana: df 2 (a1 tf 1, a2 tf 3) */
		const char *ids[] = { "a1", "a2", "a3" };
		double want[3];

		want[0] = idf(2) * tfpart(2, 4, k1, b) + idf(2) * tfpart(1, 4, k1, b);
		want[1] = idf(2) * tfpart(3, 8, k1, b);
		want[2] = idf(2) * tfpart(1, 3, k1, b);
		expect_ranking(s, "apple banana", &o, ids, want, 3);
		/* AND: only a1 has both */
		o.require_all = 1;
		expect_ranking(s, "apple banana", &o, ids, want, 1);
		o.require_all = 0;
		/* with no passages at all the scores are the same */
		o.passages = 0;
		expect_ranking(s, "banana apple", &o, ids, want, 3);
		o.passages = 1;
	}
	{
		/* other parameters; cherry: df 2 (a1, a3 title); date: df 2 */
		const char *ids[] = { "a3", "a1", "a2" };
		double want[3];

		k1 = 2.0;
		b = 0.3;
		o.k1 = k1;
		o.b = b;
		want[0] = idf(2) * tfpart(1, 3, k1, b) + idf(2) * tfpart(1, 3, k1, b);
		want[1] = idf(2) * tfpart(1, 4, k1, b);
		want[2] = idf(2) * tfpart(1, 8, k1, b);
		expect_ranking(s, "cherry date", &o, ids, want, 3);
		/* b = 0: no length normalisation, a1 and a2 tie; a1 first by doc */
		o.b = 0;
		want[1] = idf(2) * tfpart(1, 4, k1, 0);
		want[2] = want[1];
		{
			att_results *r = search_ok(s, "cherry date", &o);
			att_hit h;

			ck_assert_uint_eq(att_results_count(r), 3);
			att_results_hit(&h, r, 1);
			ck_assert_str_eq(h.id, "a1");
			ck_assert_double_eq_tol(h.score, want[1], 1e-9);
			att_results_hit(&h, r, 2);
			ck_assert_str_eq(h.id, "a2");
			ck_assert_double_eq_tol(h.score, want[2], 1e-9);
			att_results_free(r);
		}
	}
	{
		/* a term in one document only; a title term */
		const char *ids[] = { "a4" };
		double want[1];

		o.k1 = 1.2;
		o.b = 0.75;
		want[0] = idf(1) * tfpart(1, 7, 1.2, 0.75);
		expect_ranking(s, "kiwi", &o, ids, want, 1);
		/* an absent term adds nothing and matches nothing */
		expect_ranking(s, "kiwi zucchini", &o, ids, want, 1);
		expect_ranking(s, "zucchini", &o, ids, want, 0);
	}
	teardown_index(s, dir);
}
END_TEST

/* ---- phrases, required and excluded terms -------------------------------- */

static const tdoc PH[] = {
	{ "p1", "Trade news", "Pakistan Turkiye trade deal signed. Officials "
	                      "welcomed it." },
	{ "p2", "Reverse", "Turkiye and Pakistan met. Turkiye Pakistan ties." },
	{ "p3", "Hyphen", "The Pakistan-Turkiye pipeline opened." },
	{ "p4", "Talks in Pakistan", "Turkiye hosted the next round." },
	{ "p5", "Separate", "Pakistan said that Turkiye would help with the "
	                    "trade deal." },
	{ "p6", "Peace", "A peace deal was reached without Pakistan." },
};

START_TEST(phrases_and_operators)
{
	char *dir;
	att_searcher *s = build(&dir, "english", PH, 6);

	/* adjacent, in order: not reversed, not apart, not title to text */
	expect_ids(s, "\"pakistan turkiye\"", "p1 p3");
	expect_ids(s, "\"PAKISTAN  Turkiye\"", "p1 p3");
	expect_ids(s, "Pakistan-Turkiye", "p1 p3");
	expect_ids(s, "\"turkiye pakistan\"", "p2");
	expect_ids(s, "\"trade news\"", "p1"); /* inside a title */
	expect_ids(s, "\"news pakistan\"", ""); /* title end to text start */
	expect_ids(s, "\"trade deal\"", "p1 p5");
	expect_ids(s, "\"deal trade\"", "");
	/* free words: any of them */
	expect_ids(s, "pakistan turkiye", "p1 p2 p3 p4 p5 p6");
	/* excluded */
	expect_ids(s, "pakistan -turkiye", "p6");
	expect_ids(s, "pakistan -\"peace deal\"", "p1 p2 p3 p4 p5");
	expect_ids(s, "deal -\"trade deal\"", "p6");
	expect_ids(s, "pakistan -\"pakistan turkiye\"", "p2 p4 p5 p6");
	/* required */
	expect_ids(s, "+turkiye pakistan", "p1 p2 p3 p4 p5");
	expect_ids(s, "+\"trade deal\" pakistan", "p1 p5");
	expect_ids(s, "+peace +pakistan", "p6");
	expect_ids(s, "+peace +turkiye", "");
	expect_ids(s, "+trade -deal pakistan", "");
	expect_ids(s, "+deal -peace", "p1 p5");
	/* stemmed forms match: "signing" and "signed" are both "sign" */
	expect_ids(s, "signing", "p1");
	teardown_index(s, dir);
}
END_TEST

START_TEST(phrase_scores_add_up)
{
	char *dir;
	att_searcher *s = build(&dir, "english", PH, 6);
	att_search_options o;
	att_results *r1, *r2;
	att_hit h1, h2;

	/* a matching phrase scores as the sum of its words' BM25: the same
	 * as the free words for a document that has each once */
	att_search_options_init(&o);
	o.passage_weight = 0;
	o.proximity_weight = 0;
	r1 = search_ok(s, "\"pakistan turkiye\"", &o);
	r2 = search_ok(s, "pakistan turkiye", &o);
	ck_assert_uint_eq(att_results_count(r1), 2);
	att_results_hit(&h1, r1, 0);
	ck_assert_str_eq(h1.id, "p3"); /* shorter than p1 */
	{
		size_t i;

		for (i = 0; i < att_results_count(r2); i++) {
			att_results_hit(&h2, r2, i);
			if (strcmp(h2.id, "p3") == 0)
				break;
		}
		ck_assert_uint_lt(i, att_results_count(r2));
		ck_assert_double_eq_tol(h1.score, h2.score, 1e-12);
	}
	att_results_free(r1);
	att_results_free(r2);
	teardown_index(s, dir);
}
END_TEST

/* ---- passages ------------------------------------------------------------ */

#define S_MILD "The weather in the capital was mild on Monday morning."
#define S_MARKETS "Markets opened slightly higher as investors waited for " \
	"new data."
#define S_NEGO "Officials said negotiations on the trade agreement would " \
	"resume next week."
#define S_END "Analysts expect a decision before the end of the month."
#define S_TRADERS "Traders said the trade figures for March were better " \
	"than feared."

static const tdoc PS[] = {
	{ "brief", "Weekly briefing", S_MILD " " S_MARKETS " " S_NEGO "  " S_END },
	{ "two", "Second briefing", S_MILD " " S_TRADERS "\n\n" S_END " " S_NEGO
	                            "\n" },
	{ "none", "Unrelated", "Nothing relevant here at all today." },
	{ "titleonly", "Negotiating the trade pact", "" },
	{ "accents", "Visit", "Erdo\xC4\x9F" "an met officials in T\xC3\xBC" "rkiye "
	                      "on Monday." },
};
#define NPS 5

/* Checks that mark K of P covers exactly WORD, which starts AT bytes
 * into the passage. */
static void expect_mark(const att_passage *p, size_t k, size_t at,
                        const char *word)
{
	size_t len = strlen(word);

	ck_assert_uint_lt(k, p->nmarks);
	ck_assert_msg(p->marks[k].start == at && p->marks[k].end == at + len,
	              "mark %zu: [%zu, %zu), want [%zu, %zu) for %s", k,
	              p->marks[k].start, p->marks[k].end, at, at + len, word);
	ck_assert_mem_eq(p->text + p->marks[k].start, word, len);
}

/* The offset of WORD in the sentence S. */
static size_t offset_in(const char *s, const char *word)
{
	const char *p = strstr(s, word);

	ck_assert_ptr_nonnull(p);
	return (size_t)(p - s);
}

/* The index of the hit with id ID in R. */
static size_t hit_index(const att_results *r, const char *id)
{
	size_t i;

	for (i = 0; i < att_results_count(r); i++) {
		att_hit h;

		att_results_hit(&h, r, i);
		if (strcmp(h.id, id) == 0)
			return i;
	}
	ck_abort_msg("no hit %s", id);
	return 0;
}

START_TEST(passage_third_sentence)
{
	char *dir;
	att_searcher *s = build(&dir, "english", PS, NPS);
	const char *text = PS[0].text;
	att_search_options o;
	att_results *r;
	att_passage p;
	att_hit h;
	size_t start = strlen(S_MILD " " S_MARKETS " ");

	att_search_options_init(&o);
	o.passage_words = 8; /* every sentence here is a window of its own */
	r = search_ok(s, "negotiating trade", &o);
	ck_assert_uint_eq(att_results_total(r), 3);
	att_results_hit(&h, r, hit_index(r, "brief"));
	ck_assert_str_eq(h.id, "brief");
	ck_assert_uint_eq(h.npassages, 1);
	att_results_passage(&p, r, hit_index(r, "brief"), 0);
	ck_assert_uint_eq(p.start, start);
	ck_assert_uint_eq(p.end, start + strlen(S_NEGO));
	ck_assert_uint_eq(p.text_len, strlen(S_NEGO));
	ck_assert_mem_eq(p.text, S_NEGO, strlen(S_NEGO));
	ck_assert_mem_eq(text + p.start, p.text, p.text_len);
	ck_assert_double_eq(p.score, h.passage_score);
	ck_assert_double_gt(p.score, 0);
	/* "negotiating" marks "negotiations"; "trade" marks "trade" */
	ck_assert_uint_eq(p.nmarks, 2);
	expect_mark(&p, 0, offset_in(S_NEGO, "negotiations"), "negotiations");
	expect_mark(&p, 1, offset_in(S_NEGO, "trade"), "trade");
	/* the blended score */
	ck_assert_double_eq_tol(h.score, h.doc_score + o.passage_weight *
	                        h.passage_score + o.proximity_weight *
	                        h.proximity_score, 1e-12);
	att_results_free(r);
	teardown_index(s, dir);
}
END_TEST

START_TEST(passage_two_non_overlapping)
{
	char *dir;
	att_searcher *s = build(&dir, "english", PS, NPS);
	const char *text = PS[1].text;
	att_search_options o;
	att_passage p0, p1;
	att_results *r;
	att_hit h;
	size_t i, s_traders = strlen(S_MILD " "),
	          s_nego = strlen(S_MILD " " S_TRADERS "\n\n" S_END " ");

	att_search_options_init(&o);
	o.passage_words = 8;
	o.passages = 2;
	r = search_ok(s, "negotiating trade", &o);
	i = hit_index(r, "two");
	att_results_hit(&h, r, i);
	ck_assert_uint_eq(h.npassages, 2);
	att_results_passage(&p0, r, i, 0);
	att_results_passage(&p1, r, i, 1);
	/* best first: the sentence with both terms, then the one with trade */
	ck_assert_uint_eq(p0.start, s_nego);
	ck_assert_uint_eq(p0.end, s_nego + strlen(S_NEGO)); /* "\n" trimmed */
	ck_assert_uint_eq(p1.start, s_traders);
	ck_assert_uint_eq(p1.end, s_traders + strlen(S_TRADERS));
	ck_assert_mem_eq(p1.text, S_TRADERS, strlen(S_TRADERS));
	ck_assert_double_gt(p0.score, p1.score);
	ck_assert_double_gt(p1.score, 0);
	ck_assert(p1.end <= p0.start || p0.end <= p1.start);
	ck_assert_uint_eq(p0.nmarks, 2);
	expect_mark(&p0, 0, offset_in(S_NEGO, "negotiations"), "negotiations");
	expect_mark(&p0, 1, offset_in(S_NEGO, "trade"), "trade");
	ck_assert_mem_eq(text + p0.start, S_NEGO, strlen(S_NEGO));
	/* "Traders" is not "trade" after stemming */
	ck_assert_uint_eq(p1.nmarks, 1);
	expect_mark(&p1, 0, strlen("Traders said the "), "trade");
	att_results_free(r);

	/* one passage asked for: just the best */
	o.passages = 1;
	r = search_ok(s, "negotiating trade", &o);
	i = hit_index(r, "two");
	att_results_hit(&h, r, i);
	ck_assert_uint_eq(h.npassages, 1);
	att_results_passage(&p1, r, i, 0);
	ck_assert_uint_eq(p1.start, p0.start);
	att_results_free(r);
	/* none asked for */
	o.passages = 0;
	r = search_ok(s, "negotiating trade", &o);
	att_results_hit(&h, r, 0);
	ck_assert_uint_eq(h.npassages, 0);
	att_results_free(r);
	teardown_index(s, dir);
}
END_TEST

START_TEST(passage_edge_cases)
{
	char *dir;
	att_searcher *s = build(&dir, "english", PS, NPS);
	att_search_options o;
	att_results *r;
	att_passage p;
	att_hit h;
	size_t i;

	att_search_options_init(&o);
	/* a title-only match with an empty text has no passage */
	r = search_ok(s, "pact", &o);
	ck_assert_uint_eq(att_results_count(r), 1);
	att_results_hit(&h, r, 0);
	ck_assert_str_eq(h.id, "titleonly");
	ck_assert_uint_eq(h.title_len, strlen("Negotiating the trade pact"));
	ck_assert_uint_eq(h.npassages, 0);
	ck_assert_double_eq(h.passage_score, 0);
	ck_assert_double_eq(h.score, h.doc_score);
	ck_assert_double_gt(h.score, 0);
	att_results_free(r);
	/* accents folded: marks cover the original multi-byte words */
	r = search_ok(s, "turkiye ERDOGAN", &o);
	ck_assert_uint_eq(att_results_count(r), 1);
	att_results_hit(&h, r, 0);
	ck_assert_str_eq(h.id, "accents");
	ck_assert_uint_eq(h.npassages, 1);
	att_results_passage(&p, r, 0, 0);
	ck_assert_uint_eq(p.start, 0);
	ck_assert_uint_eq(p.end, strlen(PS[4].text));
	ck_assert_uint_eq(p.nmarks, 2);
	ck_assert_uint_eq(p.marks[0].start, 0);
	ck_assert_uint_eq(p.marks[0].end, 8); /* "Erdo\xC4\x9Fan" */
	i = strlen("Erdo\xC4\x9F" "an met officials in ");
	ck_assert_uint_eq(p.marks[1].start, i);
	ck_assert_uint_eq(p.marks[1].end, i + 8); /* "T\xC3\xBCrkiye" */
	att_results_free(r);
	teardown_index(s, dir);
}
END_TEST

/* Four documents of 24 tokens, three sentences of 8 each (language none).
 * A has alpha twice in its first sentence and beta twice in its last; B
 * has alpha and beta once each, together in its first sentence. */
static const tdoc PW[] = {
	{ "A", "", "Alpha alpha one two three four five six. Seven eight nine "
	           "ten eleven twelve thirteen fourteen. Beta beta fifteen "
	           "sixteen seventeen eighteen nineteen twenty." },
	{ "B", "", "Alpha beta one two three four five six. Seven eight nine "
	           "ten eleven twelve thirteen fourteen. Fifteen sixteen "
	           "seventeen eighteen nineteen twenty thirty forty." },
	{ "C", "", "Gamma delta one two three four five six. Seven eight nine "
	           "ten eleven twelve thirteen fourteen. Fifteen sixteen "
	           "seventeen eighteen nineteen twenty thirty forty." },
	{ "D", "", "Epsilon zeta one two three four five six. Seven eight nine "
	           "ten eleven twelve thirteen fourteen. Fifteen sixteen "
	           "seventeen eighteen nineteen twenty thirty forty." },
};

START_TEST(passage_weight_reorders)
{
	char *dir;
	att_searcher *s = build(&dir, "none", PW, 4);
	double ln2 = log(2.0), k1 = 1.2;
	/* dl = avgdl = 24, so the document norm is 1; a one-sentence window of
	 * 8 words against passage_words 8 also has norm 1 */
	double f1 = 1 * (k1 + 1) / (1 + k1), f2 = 2 * (k1 + 1) / (2 + k1);
	double a_doc = 2 * ln2 * f2, a_pass = ln2 * f2;
	double b_doc = 2 * ln2 * f1, b_pass = 2 * ln2 * f1;
	att_search_options o;
	att_index_stats st;
	att_results *r;
	att_passage p;
	att_hit h;
	double w;

	ck_assert_int_eq(att_searcher_stats(&st, s), ATT_OK);
	ck_assert_uint_eq(st.positions, 4 * 24);
	att_search_options_init(&o);
	o.passage_words = 8;
	o.proximity_weight = 0; /* the passages alone */
	for (w = 0; w <= 2.0; w += 0.5) {
		const char *first = a_doc + w * a_pass > b_doc + w * b_pass ? "A" : "B";

		o.passage_weight = w;
		r = search_ok(s, "alpha beta", &o);
		ck_assert_uint_eq(att_results_count(r), 2);
		att_results_hit(&h, r, 0);
		ck_assert_msg(strcmp(h.id, first) == 0, "weight %g: %s first, want %s",
		              w, h.id, first);
		att_results_hit(&h, r, strcmp(first, "A") == 0 ? 0 : 1);
		ck_assert_str_eq(h.id, "A");
		ck_assert_double_eq_tol(h.doc_score, a_doc, 1e-9);
		ck_assert_double_eq_tol(h.passage_score, a_pass, 1e-9);
		ck_assert_double_eq_tol(h.score, a_doc + w * a_pass, 1e-9);
		att_results_passage(&p, r, strcmp(first, "A") == 0 ? 0 : 1, 0);
		ck_assert_uint_eq(p.start, 0); /* the first of two equal windows */
		att_results_hit(&h, r, strcmp(first, "A") == 0 ? 1 : 0);
		ck_assert_str_eq(h.id, "B");
		ck_assert_double_eq_tol(h.doc_score, b_doc, 1e-9);
		ck_assert_double_eq_tol(h.passage_score, b_pass, 1e-9);
		ck_assert_double_eq_tol(h.score, b_doc + w * b_pass, 1e-9);
		att_results_free(r);
	}
	/* the crossing point is at w = 1.2: A first at 1, B first at 1.5 */
	ck_assert(a_doc + 1.0 * a_pass > b_doc + 1.0 * b_pass);
	ck_assert(a_doc + 1.5 * a_pass < b_doc + 1.5 * b_pass);
	teardown_index(s, dir);
}
END_TEST

/* ---- query errors -------------------------------------------------------- */

START_TEST(query_errors)
{
	char *dir, *big;
	att_searcher *s = build(&dir, "english", PH, 6);
	att_search_options o;
	att_results *r;
	size_t i, n;

	att_search_options_init(&o);
	o.syntax = ATT_SYNTAX_STRICT;
	search_fails(s, "trade \"open phrase", 18, &o, ATT_EPARSE,
	             "column 7");
	search_fails(s, "+\"trade deal", 12, &o, ATT_EPARSE, "column 2");
	search_fails(s, "trade \xff", 7, &o, ATT_EPARSE, "column 7");
	search_fails(s, "tr\xc3\x28", 4, &o, ATT_EPARSE, "column 3");
	search_fails(s, "", 0, &o, ATT_EEMPTY, NULL);
	search_fails(s, "   \t ", 5, &o, ATT_EEMPTY, NULL);
	search_fails(s, "... !!! ,,, \"\"", 14, &o, ATT_EEMPTY, NULL);
	search_fails(s, "-trade -\"peace deal\"", 20, &o, ATT_EEMPTY,
	             "only excluded");
	search_fails(s, "-trade ?", 8, &o, ATT_EEMPTY, NULL);

	/* length: 8192 bytes pass, 8193 and 9000 do not */
	big = malloc(9001);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', 9000);
	memcpy(big, "trade", 5);
	big[9000] = '\0';
	r = NULL;
	ck_assert_int_eq(att_search(&r, s, big, ATT_QUERY_MAX_BYTES, &o), ATT_OK);
	ck_assert_uint_eq(att_results_total(r), 2);
	att_results_free(r);
	search_fails(s, big, ATT_QUERY_MAX_BYTES + 1, &o, ATT_ELIMIT, "8193");
	search_fails(s, big, 9000, &o, ATT_ELIMIT, "9000");

	/* terms: 256 pass, 257 and 300 do not */
	for (i = 0, n = 0; i < 300; i++)
		n += (size_t)sprintf(big + n, "w%03zu ", i);
	r = NULL;
	ck_assert_int_eq(att_search(&r, s, big, 256 * 5, &o), ATT_OK);
	ck_assert_uint_eq(att_results_total(r), 0);
	att_results_free(r);
	search_fails(s, big, 257 * 5, &o, ATT_ELIMIT, "256");
	search_fails(s, big, n, &o, ATT_ELIMIT, "256");
	/* a phrase counts each of its words */
	big[0] = '"';
	big[257 * 5 - 1] = '"';
	search_fails(s, big, 257 * 5, &o, ATT_ELIMIT, NULL);
	free(big);
	teardown_index(s, dir);
}
END_TEST

/* Exhaustive results of Q1 and Q2 are the same hits with the same
 * scores; Q1's notes include NOTE. */
static void same_as(att_searcher *s, const char *q1, size_t n1,
                    const char *q2, const char *note)
{
	att_search_options o;
	att_results *a = NULL, *b;
	size_t i;
	int noted = 0;

	att_search_options_init(&o);
	o.exhaustive = 1;
	ck_assert_msg(att_search(&a, s, q1, n1, &o) == ATT_OK, "[%.*s]: %s",
	              (int)n1, q1, att_searcher_errmsg(s));
	b = search_ok(s, q2, &o);
	ck_assert_msg(att_results_count(a) == att_results_count(b) &&
	              att_results_total(a) == att_results_total(b),
	              "[%.*s]: %zu hits of %llu, [%s] %zu of %llu", (int)n1, q1,
	              att_results_count(a), (unsigned long long)att_results_total(a),
	              q2, att_results_count(b),
	              (unsigned long long)att_results_total(b));
	for (i = 0; i < att_results_count(a); i++) {
		att_hit x, y;

		att_results_hit(&x, a, i);
		att_results_hit(&y, b, i);
		ck_assert_msg(x.id_len == y.id_len && !memcmp(x.id, y.id, x.id_len) &&
		              x.score == y.score, "[%.*s]: hit %zu", (int)n1, q1, i);
	}
	for (i = 0; i < att_results_notes(a); i++)
		noted |= strstr(att_results_note(a, i), note) != NULL;
	ck_assert_msg(noted, "[%.*s]: no note [%s]", (int)n1, q1, note);
	ck_assert_uint_eq(att_results_notes(b), 0);
	att_results_free(a);
	att_results_free(b);
}

/* The default, forgiving syntax answers what strict refuses. */
START_TEST(query_forgiving)
{
	char *dir, *big;
	att_searcher *s = build(&dir, "english", PH, 6);
	att_search_options o;
	att_results *r;
	size_t i, n;

	same_as(s, "trade \"open phrase", 18, "trade \"open phrase\"",
	        "read as a phrase");
	same_as(s, "+\"trade deal", 12, "+\"trade deal\"", "read as a phrase");
	same_as(s, "trade \xff", 7, "trade", "invalid UTF-8");
	same_as(s, "tr\xc3\x28", 4, "tr", "invalid UTF-8");
	same_as(s, "-trade -\"peace deal\"", 20, "trade \"peace deal\"",
	        "only excluded");
	same_as(s, "(trade OR peace", 15, "trade OR peace", "unmatched bracket");
	same_as(s, "trade AND", 9, "trade", "AND without");
	/* nothing to search: no hits, a note, no error */
	att_search_options_init(&o);
	r = search_ok(s, "... !!! ,,, \"\"", &o);
	ck_assert_uint_eq(att_results_count(r), 0);
	ck_assert_uint_eq(att_results_total(r), 0);
	ck_assert_int_eq(att_results_total_exact(r), 1);
	ck_assert_uint_eq(att_results_notes(r), 1);
	ck_assert_str_eq(att_results_note(r, 0),
	                 "nothing to search for: no word in the query");
	ck_assert_ptr_null(att_results_query(r));
	att_results_free(r);
	/* past 8192 bytes the query is cut, past 256 terms the rarest kept */
	big = malloc(9001);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', 9000);
	memcpy(big, "trade", 5);
	r = NULL;
	ck_assert_int_eq(att_search(&r, s, big, 9000, &o), ATT_OK);
	ck_assert_uint_eq(att_results_total(r), 2);
	ck_assert_str_eq(att_results_note(r, 0),
	                 "query cut to its first 8192 bytes");
	att_results_free(r);
	for (i = 0, n = 0; i < 300; i++)
		n += (size_t)sprintf(big + n, "w%03zu ", i);
	n += (size_t)sprintf(big + n, "trade");
	o.explain = 1;
	r = NULL;
	ck_assert_int_eq(att_search(&r, s, big, n, &o), ATT_OK);
	ck_assert_uint_eq(att_results_total(r), 2);   /* "trade" was kept */
	ck_assert_ptr_nonnull(strstr(att_results_query(r), " trade)"));
	ck_assert_str_eq(att_results_note(r, 0),
	                 "query of 301 terms: the 256 most informative kept");
	att_results_free(r);
	free(big);
	teardown_index(s, dir);
}
END_TEST

/* The capitals rule on generated documents: in a query typed in
 * capitals AND is a word, so either word matches, ranked; in a query in
 * mixed case it requires both. */
START_TEST(capitals_rule_generated)
{
	char ids[60][8], texts[60][96], *dir;
	tdoc docs[60];
	att_searcher *s;
	att_search_options o;
	att_results *r;
	size_t i, both = 0, either = 0;

	for (i = 0; i < 60; i++) {
		int cats = i % 3 != 1, dogs = i % 4 != 2;   /* generated mixes */

		snprintf(ids[i], sizeof ids[i], "d%02zu", i);
		snprintf(texts[i], sizeof texts[i], "%s pets and %s friends%s",
		         cats ? "cats" : "birds", dogs ? "dogs" : "fish",
		         i % 5 == 0 ? " and more cats" : "");
		docs[i].id = ids[i];
		docs[i].title = "";
		docs[i].text = texts[i];
		cats = strstr(texts[i], "cats") != NULL;
		both += cats && dogs;
		either += cats || dogs;
	}
	s = build(&dir, "english", docs, 60);
	att_search_options_init(&o);
	o.exhaustive = 1;
	o.n = 100;
	r = search_ok(s, "cats AND dogs", &o);
	ck_assert_uint_eq(att_results_total(r), both);
	ck_assert_uint_eq(att_results_notes(r), 0);
	att_results_free(r);
	r = search_ok(s, "CATS AND DOGS", &o);
	ck_assert_uint_eq(att_results_total(r), either);
	ck_assert_uint_lt(both, either);
	ck_assert_str_eq(att_results_note(r, 0), "query in capitals: AND, OR, "
	                 "NOT and NEAR read as words");
	/* ranked as words: the documents with both words first */
	for (i = 0; i < both; i++) {
		att_hit h;
		int k = 0;

		att_results_hit(&h, r, i);
		k = atoi(h.id + 1);
		ck_assert_msg(strstr(texts[k], "cats") && strstr(texts[k], "dogs"),
		              "hit %zu, %s, lacks a word", i, h.id);
	}
	att_results_free(r);
	/* and the same as the words typed in lower case, without AND */
	r = search_ok(s, "CATS AND DOGS", &o);
	{
		att_results *w = search_ok(s, "cats dogs", &o);

		ck_assert_uint_eq(att_results_count(r), att_results_count(w));
		for (i = 0; i < att_results_count(r); i++) {
			att_hit a, b;

			att_results_hit(&a, r, i);
			att_results_hit(&b, w, i);
			ck_assert_str_eq(a.id, b.id);
			ck_assert(a.score == b.score);
		}
		att_results_free(w);
	}
	att_results_free(r);
	/* strict mode reads the operator whatever the case */
	o.syntax = ATT_SYNTAX_STRICT;
	r = search_ok(s, "CATS AND DOGS", &o);
	ck_assert_uint_eq(att_results_total(r), both);
	att_results_free(r);
	teardown_index(s, dir);
}
END_TEST

START_TEST(search_options_out_of_range)
{
	char *dir;
	att_searcher *s = build(&dir, "english", PH, 6);
	att_search_options o;
	att_results *r;

	att_search_options_init(&o);
	ck_assert_uint_eq(o.n, 10);
	ck_assert_uint_eq(o.offset, 0);
	ck_assert_uint_eq(o.passages, 1);
	ck_assert_double_eq(o.passage_weight, 0.5);
	ck_assert_double_eq(o.proximity_weight, 0.5);
	ck_assert_uint_eq(o.rerank_depth, 30);
	ck_assert_uint_eq(o.passage_words, 50);
	ck_assert_int_eq(o.require_all, 0);
	o.passages = 9;
	search_fails(s, "trade", 5, &o, ATT_EINVAL, "out of range");
	o.passages = 8;
	r = search_ok(s, "trade", &o);
	att_results_free(r);
	o.b = 1.5;
	search_fails(s, "trade", 5, &o, ATT_EINVAL, "out of range");
	o.b = -0.25;
	search_fails(s, "trade", 5, &o, ATT_EINVAL, NULL);
	o.b = 1.0;
	r = search_ok(s, "trade", &o);
	att_results_free(r);
	o.k1 = -1;
	search_fails(s, "trade", 5, &o, ATT_EINVAL, NULL);
	o.k1 = 0;
	r = search_ok(s, "trade", &o);
	att_results_free(r);
	att_search_options_init(&o);
	o.passage_words = 0;
	search_fails(s, "trade", 5, &o, ATT_EINVAL, NULL);
	att_search_options_init(&o);
	o.n = 10001;
	search_fails(s, "trade", 5, &o, ATT_EINVAL, NULL);
	att_search_options_init(&o);
	o.proximity_weight = -0.5;
	search_fails(s, "trade", 5, &o, ATT_EINVAL, "out of range");
	o.proximity_weight = INFINITY;
	search_fails(s, "trade", 5, &o, ATT_EINVAL, NULL);
	o.proximity_weight = 0;
	r = search_ok(s, "trade deal", &o);
	att_results_free(r);
	teardown_index(s, dir);
}
END_TEST

/*
 * NaN parameters are out of range. (Regression: the check was written
 * "k1 < 0 || b < 0 || b > 1", which NaN passes, and passage_weight was
 * not checked; NaN scores and an arbitrary ranking came back.)
 */
START_TEST(search_options_nan)
{
	char *dir;
	att_searcher *s = build(&dir, "english", PH, 6);
	att_search_options o;
	att_results *r = NULL;
	att_status rc[4];

	att_search_options_init(&o);
	o.k1 = NAN;
	rc[0] = att_search(&r, s, "trade", 5, &o);
	att_results_free(r);
	att_search_options_init(&o);
	o.b = NAN;
	rc[1] = att_search(&r, s, "trade", 5, &o);
	att_results_free(r);
	att_search_options_init(&o);
	o.passage_weight = NAN;
	rc[2] = att_search(&r, s, "trade", 5, &o);
	att_results_free(r);
	att_search_options_init(&o);
	o.proximity_weight = NAN;
	rc[3] = att_search(&r, s, "trade", 5, &o);
	att_results_free(r);
	teardown_index(s, dir);
	ck_assert_msg(rc[0] == ATT_EINVAL && rc[1] == ATT_EINVAL &&
	              rc[2] == ATT_EINVAL && rc[3] == ATT_EINVAL, "NaN k1: %s; "
	              "NaN b: %s; NaN passage_weight: %s; NaN proximity_weight: "
	              "%s", att_status_str(rc[0]), att_status_str(rc[1]),
	              att_status_str(rc[2]), att_status_str(rc[3]));
}
END_TEST

/* ---- paging -------------------------------------------------------------- */

START_TEST(paging)
{
	char *dir;
	att_searcher *s = build(&dir, "english", PH, 6);
	att_search_options o;
	att_results *full, *page;
	double w;

	for (w = 0; w <= 0.5; w += 0.5) {
		size_t i, off;

		att_search_options_init(&o);
		o.passage_weight = w;
		full = search_ok(s, "pakistan turkiye deal", &o);
		ck_assert_uint_eq(att_results_count(full), 6);
		ck_assert_uint_eq(att_results_total(full), 6);
		for (off = 0; off <= 7; off++) {
			o.n = 2;
			o.offset = off;
			page = search_ok(s, "pakistan turkiye deal", &o);
			/* a pruned total is a lower bound: at least what the
			 * heap of offset + n held */
			if (att_results_total_exact(page)) {
				ck_assert_uint_eq(att_results_total(page), 6);
			} else {
				ck_assert_uint_le(att_results_total(page), 6);
				ck_assert_uint_ge(att_results_total(page),
				                  off + 2 < 6 ? off + 2 : 6);
			}
			o.exhaustive = 1;
			att_results_free(page);
			page = search_ok(s, "pakistan turkiye deal", &o);
			ck_assert(att_results_total_exact(page));
			ck_assert_uint_eq(att_results_total(page), 6);
			o.exhaustive = 0;
			ck_assert_uint_eq(att_results_count(page),
			                  off >= 6 ? 0 : off == 5 ? 1 : 2);
			for (i = 0; i < att_results_count(page); i++) {
				att_hit hf, hp;

				att_results_hit(&hf, full, off + i);
				att_results_hit(&hp, page, i);
				ck_assert_str_eq(hp.id, hf.id);
				ck_assert_double_eq_tol(hp.score, hf.score, 1e-12);
			}
			att_results_free(page);
		}
		/* hits 3 and 4 of the full ranking, by name */
		o.offset = 2;
		page = search_ok(s, "pakistan turkiye deal", &o);
		{
			att_hit a, b;

			att_results_hit(&a, full, 2);
			att_results_hit(&b, page, 0);
			ck_assert_str_eq(a.id, b.id);
			att_results_hit(&a, full, 3);
			att_results_hit(&b, page, 1);
			ck_assert_str_eq(a.id, b.id);
		}
		att_results_free(page);
		/* the full ranking is in descending score order */
		for (i = 1; i < att_results_count(full); i++) {
			att_hit a, b;

			att_results_hit(&a, full, i - 1);
			att_results_hit(&b, full, i);
			ck_assert_double_ge(a.score, b.score);
		}
		att_results_free(full);
	}
	teardown_index(s, dir);
}
END_TEST

/* Equal scores are ordered by document id, whatever segment holds each
 * (here t1 and t2 in a first writer session's segment, s3 in a second
 * one's), so that ties do not depend on segmenting, merges or threads. */
START_TEST(ties_by_document_id)
{
	static const tdoc T[] = {
		{ "t1", "Same", "Grain exports resumed." },
		{ "t2", "Same", "Grain exports resumed." },
		{ "t0", "Other", "Nothing here." },
	};
	char *dir;
	att_searcher *s = build(&dir, "english", T, 3);
	att_search_options o;
	att_writer *w = NULL;
	att_results *r;
	att_doc d;
	size_t i;
	double score;

	att_searcher_free(s);
	ck_assert_int_eq(att_writer_open(&w, dir, NULL, NULL), ATT_OK);
	memset(&d, 0, sizeof d);
	d.id = "s3";
	d.id_len = 2;
	d.title = "Same";
	d.title_len = 4;
	d.text = T[0].text;
	d.text_len = strlen(T[0].text);
	ck_assert_int_eq(att_writer_add(w, &d), ATT_OK);
	ck_assert_int_eq(att_writer_commit(w), ATT_OK);
	att_writer_free(w);
	ck_assert_int_eq(att_searcher_open(&s, dir, NULL), ATT_OK);
	att_search_options_init(&o);
	r = search_ok(s, "grain", &o);
	ck_assert_uint_eq(att_results_count(r), 3);
	for (i = 0; i < 3; i++) {
		static const char *const want[] = { "s3", "t1", "t2" };
		att_hit h;

		att_results_hit(&h, r, i);
		ck_assert_str_eq(h.id, want[i]);
		if (i == 0)
			score = h.score;
		ck_assert_double_eq(h.score, score);
	}
	att_results_free(r);
	/* paging through ties keeps the order */
	o.n = 1;
	o.offset = 2;
	r = search_ok(s, "grain", &o);
	ck_assert_uint_eq(att_results_count(r), 1);
	{
		att_hit h;

		att_results_hit(&h, r, 0);
		ck_assert_str_eq(h.id, "t2");
	}
	att_results_free(r);
	/* n = 0: no hits, the exact total */
	o.n = 0;
	o.offset = 0;
	r = search_ok(s, "grain", &o);
	ck_assert_uint_eq(att_results_count(r), 0);
	ck_assert_uint_eq(att_results_total(r), 3);
	att_results_free(r);
	teardown_index(s, dir);
}
END_TEST

/* ---- the query language, end to end -------------------------------------- */

static const tdoc OP[] = {
	{ "o1", "Gas pipeline to Baku", "The new gas pipeline runs from Baku "
	  "to Ceyhan. Oil prices fell." },
	{ "o2", "Oil and coal", "Coal exports rose while oil output fell in "
	  "Kazakhstan." },
	{ "o3", "Summit in Baku", "Leaders met at the summit. Gas was on the "
	  "agenda." },
	{ "o4", "Negotiations", "Negotiators agreed a gas deal. After years of "
	  "talks the pipeline opened and gas flowed." },
	{ "o5", "Coal", "Coal mining in Poland." },
	{ "o6", "Gas prices", "Gas and electricity prices rose." },
};
static const char *const OP_SOURCE[] = { NULL, NULL, NULL, NULL, "Reuters",
                                          "AP" };

START_TEST(operators_end_to_end)
{
	char *dir;
	att_searcher *s = build_with(&dir, "english", OP, OP_SOURCE, 6);
	att_search_options o;

	expect_ids(s, "gas AND oil", "o1");
	expect_ids(s, "gas OR coal", "o1 o2 o3 o4 o5 o6");
	expect_ids(s, "gas coal", "o1 o2 o3 o4 o5 o6");
	expect_ids(s, "gas NOT pipeline", "o3 o6");
	expect_ids(s, "gas AND NOT baku", "o4 o6");
	expect_ids(s, "gas -baku", "o4 o6");
	expect_ids(s, "(gas OR coal) AND baku", "o1 o3");
	expect_ids(s, "coal OR gas AND baku", "o1 o2 o3 o5");
	expect_ids(s, "coal OR (gas -pipeline)", "o2 o3 o5 o6");
	expect_ids(s, "+coal -poland", "o2");
	expect_ids(s, "-coal gas", "o1 o3 o4 o6");
	/* phrases and proximity */
	expect_ids(s, "\"gas pipeline\"", "o1");
	expect_ids(s, "\"pipeline gas\"", "");
	expect_ids(s, "gas NEAR/1 pipeline", "o1");
	expect_ids(s, "gas NEAR/2 pipeline", "o1 o4");
	expect_ids(s, "pipeline NEAR/2 gas", "o1 o4");
	expect_ids(s, "\"pipeline gas\"~1", "o1");
	expect_ids(s, "\"pipeline gas\"~2", "o1 o4");
	expect_ids(s, "gas NEAR/2 pipeline NEAR/2 opened", "o4");
	expect_ids(s, "baku NEAR/20 oil", "o1");
	/* prefixes: the stem of the prefix reaches the stems */
	expect_ids(s, "negotiat*", "o4");
	expect_ids(s, "Negotiator*", "o4");
	expect_ids(s, "kaz*", "o2");
	expect_ids(s, "zzz*", "");
	expect_ids(s, "kaz* OR poland", "o2 o5");
	/* fields */
	expect_ids(s, "title:gas", "o1 o6");
	expect_ids(s, "title:\"gas pipeline\"", "o1");
	expect_ids(s, "title:(baku OR coal)", "o1 o2 o3 o5");
	expect_ids(s, "source:reuters", "o5");
	expect_ids(s, "source:AP gas", "o1 o3 o4 o6");
	expect_ids(s, "+source:AP gas", "o6");
	expect_ids(s, "title:gas -source:ap", "o1");
	expect_ids(s, "nosuchfield:gas", "");   /* the phrase "nosuchfield gas" */
	/* stop words: dropped when optional and not alone */
	expect_ids(s, "the gas", "o1 o3 o4 o6");
	expect_ids(s, "the", "o1 o3 o4");
	expect_ids(s, "+the gas", "o1 o3 o4");
	att_search_options_init(&o);
	o.stop_words = 0;
	expect_ids_o(s, "the coal", &o, "o1 o2 o3 o4 o5");
	/* the default operator */
	att_search_options_init(&o);
	o.require_all = 1;
	expect_ids_o(s, "gas pipeline", &o, "o1 o4");
	expect_ids_o(s, "gas pipeline OR coal", &o, "o1 o2 o4 o5");
	expect_ids_o(s, "gas -pipeline", &o, "o3 o6");
	teardown_index(s, dir);
}
END_TEST

/* Document score of ID for Q under O (passage weight forced to 0). */
/* att_searcher_document: a live document with its field; none for an id
 * never added, nor for one deleted or replaced in a later segment */
START_TEST(document_by_id)
{
	char *dir, *msg = NULL;
	att_searcher *s = build_with(&dir, "english", OP, OP_SOURCE, 6);
	att_writer *w = NULL;
	uint32_t gone = 0;
	att_doc d;
	int found = -1;

	ck_assert_int_eq(att_searcher_document(&d, &found, s, "o5", 2), ATT_OK);
	ck_assert_int_eq(found, 1);
	ck_assert_int_eq((int)d.id_len, 2);
	ck_assert(memcmp(d.id, "o5", 2) == 0);
	ck_assert(d.title_len == 4 && memcmp(d.title, "Coal", 4) == 0);
	ck_assert(d.text_len == strlen(OP[4].text) &&
	          memcmp(d.text, OP[4].text, d.text_len) == 0);
	ck_assert_uint_eq(d.nfields, 1);
	ck_assert(d.fields[0].name_len == 6 &&
	          memcmp(d.fields[0].name, "source", 6) == 0);
	ck_assert(d.fields[0].value_len == 7 &&
	          memcmp(d.fields[0].value, "Reuters", 7) == 0);
	ck_assert_int_eq(att_searcher_document(&d, &found, s, "o9", 2), ATT_OK);
	ck_assert_int_eq(found, 0);
	ck_assert_ptr_null(d.id);
	ck_assert_int_eq(att_searcher_document(&d, &found, s, "", 0), ATT_EINVAL);
	att_searcher_free(s);

	/* o1 deleted, o2 replaced: both in a second commit */
	ck_assert_int_eq(att_writer_open(&w, dir, NULL, &msg), ATT_OK);
	ck_assert_int_eq(att_writer_delete(&gone, w, "o1", 2), ATT_OK);
	memset(&d, 0, sizeof d);
	d.id = "o2";
	d.id_len = 2;
	d.title = "New";
	d.title_len = 3;
	d.text = "Replaced.";
	d.text_len = 9;
	ck_assert_int_eq(att_writer_add(w, &d), ATT_OK);
	ck_assert_int_eq(att_writer_commit(w), ATT_OK);
	att_writer_free(w);
	ck_assert_int_eq(att_searcher_open(&s, dir, &msg), ATT_OK);
	ck_assert_int_eq(att_searcher_document(&d, &found, s, "o1", 2), ATT_OK);
	ck_assert_int_eq(found, 0);
	ck_assert_int_eq(att_searcher_document(&d, &found, s, "o2", 2), ATT_OK);
	ck_assert_int_eq(found, 1);
	ck_assert(d.text_len == 9 && memcmp(d.text, "Replaced.", 9) == 0);
	ck_assert_uint_eq(d.nfields, 0);
	teardown_index(s, dir);
}
END_TEST

static double doc_score(att_searcher *s, const char *q, att_search_options o,
                        const char *id)
{
	att_results *r;
	double got = -1;
	size_t i;

	o.passage_weight = 0;
	r = search_ok(s, q, &o);
	for (i = 0; i < att_results_count(r); i++) {
		att_hit h;

		att_results_hit(&h, r, i);
		if (strcmp(h.id, id) == 0)
			got = h.doc_score;
	}
	att_results_free(r);
	ck_assert_msg(got >= 0, "[%s]: %s not found", q, id);
	return got;
}

START_TEST(boosts_and_stop_words_score)
{
	char *dir;
	att_searcher *s = build_with(&dir, "english", OP, OP_SOURCE, 6);
	att_search_options o;
	double coal, gas;

	att_search_options_init(&o);
	coal = doc_score(s, "coal", o, "o2");
	gas = doc_score(s, "gas", o, "o1");
	ck_assert_double_eq_tol(doc_score(s, "coal^10", o, "o2"), 10 * coal, 1e-9);
	ck_assert_double_eq_tol(doc_score(s, "(coal oil)^2", o, "o2"),
	                        2 * doc_score(s, "coal oil", o, "o2"), 1e-9);
	ck_assert_double_eq_tol(doc_score(s, "coal^3 oil", o, "o2"),
	                        3 * coal + doc_score(s, "oil", o, "o2"), 1e-9);
	/* a dropped stop word adds nothing; kept, it adds its BM25 */
	ck_assert_double_eq_tol(doc_score(s, "the gas", o, "o1"), gas, 1e-12);
	o.stop_words = 0;
	ck_assert(doc_score(s, "the gas", o, "o1") > gas + 1e-6);
	/* required words count even when stop words */
	att_search_options_init(&o);
	ck_assert(doc_score(s, "+the gas", o, "o1") > gas + 1e-6);
	teardown_index(s, dir);
}
END_TEST

/*
 * BM25F (the simple form of Robertson, Zaragoza and Taylor, 2004): with
 * title weight w, tf' = tf + (w-1) * title tf, dl' = dl + (w-1) * title
 * length, avgdl' = avgdl + (w-1) * mean title length; then BM25 on those.
 * The BM collection: titles of 1, 2, 1, 1 tokens (mean 1.25).
 */
START_TEST(bm25f_hand_computed)
{
	char *dir;
	att_searcher *s = build(&dir, "none", BM, 4);
	att_search_options o;
	double w = 2, k1 = 1.2, b = 0.75, avg = BM_TOKENS / BM_N + (w - 1) * 1.25;
	double want_a1, want_a3, want_a2;

	att_search_options_init(&o);
	o.title_weight = w;
	/* apple: a1 tf 2 (title 1), dl 4, title 1; a3 tf 1 (title 0), dl 3 */
	want_a1 = idf(2) * 3 * (k1 + 1) / (3 + k1 * (1 - b + b * 5 / avg));
	want_a3 = idf(2) * 1 * (k1 + 1) / (1 + k1 * (1 - b + b * 4 / avg));
	ck_assert_double_eq_tol(doc_score(s, "apple", o, "a1"), want_a1, 1e-9);
	ck_assert_double_eq_tol(doc_score(s, "apple", o, "a3"), want_a3, 1e-9);
	/* banana: a2 tf 3 (title 1), dl 8, title 2 */
	want_a2 = idf(2) * 4 * (k1 + 1) / (4 + k1 * (1 - b + b * 10 / avg));
	ck_assert_double_eq_tol(doc_score(s, "banana", o, "a2"), want_a2, 1e-9);
	/* weight 1 is plain BM25 */
	o.title_weight = 1;
	ck_assert_double_eq_tol(doc_score(s, "apple", o, "a1"),
	                        idf(2) * tfpart(2, 4, k1, b), 1e-9);
	/* a title-field term: BM25 over title lengths (mean 1.25) */
	ck_assert_double_eq_tol(doc_score(s, "title:banana", o, "a2"),
	                        idf(1) * 1 * (k1 + 1) /
	                        (1 + k1 * (1 - b + b * 2 / 1.25)), 1e-9);
	teardown_index(s, dir);
}
END_TEST

START_TEST(explain_shows_the_sum)
{
	char *dir;
	att_searcher *s = build(&dir, "none", BM, 4);
	att_search_options o;
	att_results *r;
	att_hit h;
	char want[160];

	att_search_options_init(&o);
	o.explain = 1;
	o.proximity_weight = 0.5;
	r = search_ok(s, "apple banana -kiwi", &o);
	att_results_hit(&h, r, 0);
	ck_assert_str_eq(h.id, "a1");
	ck_assert_ptr_nonnull(h.explanation);
	ck_assert_double_gt(h.proximity_score, 0); /* "apple banana" in a1 */
	snprintf(want, sizeof want, "%.4f = %.4f document + %g x %.4f passage "
	         "+ 0.5 x %.4f proximity\n", h.score, h.doc_score,
	         o.passage_weight, h.passage_score, h.proximity_score);
	ck_assert_msg(strncmp(h.explanation, want, strlen(want)) == 0, "[%s]",
	              h.explanation);
	ck_assert_msg(strstr(h.explanation, "apple: idf ") != NULL, "[%s]",
	              h.explanation);
	ck_assert_msg(strstr(h.explanation, "(df 2 of 4), tf 2, length 4 (title 1)")
	              != NULL, "[%s]", h.explanation);
	att_results_free(r);
	o.explain = 0;
	r = search_ok(s, "apple", &o);
	att_results_hit(&h, r, 0);
	ck_assert_ptr_null(h.explanation);
	att_results_free(r);
	teardown_index(s, dir);
}
END_TEST

/* RM3 feedback from the best document brings in its other words. */
START_TEST(feedback_expands)
{
	char *dir;
	att_searcher *s = build(&dir, "none", BM, 4);
	att_search_options o;

	att_search_options_init(&o);
	expect_ids_o(s, "split", &o, "a2");
	o.feedback_docs = 1;
	o.feedback_terms = 3;
	/* a2's commonest words: banana (3), then date, elderberry, fig... by
	 * weight, ties by term: banana, date, elderberry */
	expect_ids_o(s, "split", &o, "a1 a2 a3");
	o.feedback_weight = 1;   /* the original query alone */
	expect_ids_o(s, "split", &o, "a2");
	teardown_index(s, dir);
}
END_TEST

/* ---- pruning ------------------------------------------------------------- */

/* A generated collection: NDOCS documents of Zipf-distributed words from
 * a vocabulary of 2,000, in three segments, some deleted. */
#define GEN_DOCS 3000

static uint32_t rnd(uint64_t *st)
{
	*st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*st >> 33);
}

static void gen_word(char *out, uint32_t w)
{
	static const char *const syl[] = { "ka", "lo", "mi", "ne", "su", "ta",
	                                   "ri", "po", "ve", "zu" };

	out[0] = '\0';
	do {
		strcat(out, syl[w % 10]);
		w /= 10;
	} while (w > 0);
	strcat(out, "x");
}

static double *zipf_cdf(size_t n)
{
	double *c = malloc(n * sizeof *c), sum = 0;
	size_t i;

	ck_assert_ptr_nonnull(c);
	for (i = 0; i < n; i++)
		sum += 1.0 / (double)(i + 1);
	for (i = 0; i < n; i++)
		c[i] = (i ? c[i - 1] : 0) + 1.0 / (double)(i + 1) / sum;
	return c;
}

static uint32_t draw(const double *cdf, size_t n, uint64_t *st)
{
	double u = rnd(st) / 2147483648.0;
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (uint32_t)lo;
}

static att_searcher *build_generated(char **dir)
{
	att_writer_options o;
	att_writer *w = NULL;
	att_searcher *s = NULL;
	char *msg = NULL, *text = malloc(64 * 1024), title[256], id[32];
	double *cdf = zipf_cdf(2000);
	uint64_t st = 12345;
	uint32_t i, j, del;

	ck_assert_ptr_nonnull(text);
	*dir = test_tmpdir("search");
	att_writer_options_init(&o);
	o.language = "none";
	o.no_merge = 1;
	ck_assert_int_eq(att_writer_open(&w, *dir, &o, &msg), ATT_OK);
	for (i = 0; i < GEN_DOCS; i++) {
		uint32_t len = 5 + rnd(&st) % 300, tl = 1 + rnd(&st) % 6;
		att_doc d;
		size_t n = 0;
		char word[64];

		title[0] = '\0';
		for (j = 0; j < tl; j++) {
			gen_word(word, draw(cdf, 2000, &st));
			strcat(title, word);
			strcat(title, " ");
		}
		for (j = 0; j < len; j++) {
			gen_word(word, draw(cdf, 2000, &st));
			n += (size_t)sprintf(text + n, "%s%s", word,
			                     j % 17 == 16 ? ". " : " ");
		}
		snprintf(id, sizeof id, "g%u", (unsigned)i);
		memset(&d, 0, sizeof d);
		d.id = id;
		d.id_len = strlen(id);
		d.title = title;
		d.title_len = strlen(title);
		d.text = text;
		d.text_len = n;
		ck_assert_int_eq(att_writer_add(w, &d), ATT_OK);
		if (i % 1000 == 999)
			ck_assert_int_eq(att_writer_commit(w), ATT_OK);
	}
	for (del = 0; del < GEN_DOCS; del += 7) {
		uint32_t gone;

		snprintf(id, sizeof id, "g%u", (unsigned)del);
		ck_assert_int_eq(att_writer_delete(&gone, w, id, strlen(id)), ATT_OK);
		ck_assert_uint_eq(gone, 1);
	}
	ck_assert_int_eq(att_writer_commit(w), ATT_OK);
	att_writer_free(w);
	free(text);
	free(cdf);
	ck_assert_int_eq(att_searcher_open(&s, *dir, &msg), ATT_OK);
	return s;
}

/* The same hits in the same order with the same scores, pruning or not. */
static int same_top(att_searcher *s, const char *q, att_search_options o)
{
	att_results *a, *b;
	size_t i;
	int pruned;

	o.exhaustive = 0;
	a = search_ok(s, q, &o);
	o.exhaustive = 1;
	b = search_ok(s, q, &o);
	ck_assert_msg(att_results_count(a) == att_results_count(b),
	              "[%s] %zu hits pruned, %zu not", q, att_results_count(a),
	              att_results_count(b));
	for (i = 0; i < att_results_count(a); i++) {
		att_hit x, y;

		att_results_hit(&x, a, i);
		att_results_hit(&y, b, i);
		ck_assert_msg(strcmp(x.id, y.id) == 0 && x.score == y.score,
		              "[%s] hit %zu: %s %.17g pruned, %s %.17g not", q, i,
		              x.id, x.score, y.id, y.score);
	}
	ck_assert(att_results_total_exact(b));
	ck_assert_uint_le(att_results_total(a), att_results_total(b));
	pruned = !att_results_total_exact(a);
	if (!pruned)
		ck_assert_uint_eq(att_results_total(a), att_results_total(b));
	att_results_free(a);
	att_results_free(b);
	return pruned;
}

START_TEST(pruning_keeps_the_top)
{
	static const char *const qs[] = {
		"kax", "lox", "kax lox", "kax lox mix", "mix nex sux tax rix",
		"kalox", "kalox mimix", "kax kalox nenex sutax", "kax AND lox",
		"kalox AND lox", "+kax lox mix", "kax lox -mix", "\"kax lox\"",
		"\"kax lox\" mix", "kax NEAR/3 lox", "title:kax lox",
		"kax^3 lox mix^0.5", "(kax OR lox) AND (mix OR nex)",
		"ka* lox", "kax lox mix nex sux tax rix pox vex zux kalox",
	};
	char *dir;
	att_searcher *s = build_generated(&dir);
	att_search_options o;
	size_t i;
	int pruned = 0;
	double tw;

	for (tw = 1; tw <= 3; tw += 2) {
		att_search_options_init(&o);
		o.title_weight = tw;
		o.passage_weight = 0;
		o.proximity_weight = 0;
		for (i = 0; i < sizeof qs / sizeof *qs; i++)
			pruned += same_top(s, qs[i], o);
		o.n = 3;
		o.offset = 5;
		for (i = 0; i < sizeof qs / sizeof *qs; i++)
			pruned += same_top(s, qs[i], o);
		att_search_options_init(&o); /* re-ranked: the best 30 */
		o.title_weight = tw;
		for (i = 0; i < sizeof qs / sizeof *qs; i++)
			pruned += same_top(s, qs[i], o);
		o.passage_weight = 0;   /* by proximity alone, deeper */
		o.proximity_weight = 2;
		o.rerank_depth = 100;
		for (i = 0; i < sizeof qs / sizeof *qs; i++)
			pruned += same_top(s, qs[i], o);
	}
	/* pruning did skip documents, or the test tests nothing */
	ck_assert_int_gt(pruned, 40);
	teardown_index(s, dir);
}
END_TEST

/*
 * A root group with a boost (a boosted prefix "wo*^4", or "(a b c)^4")
 * runs MaxScore over its members; their bounds are in the members'
 * units, the heap's threshold in the root's (boost times their sum), so
 * the driver must scale one to the other or it prunes documents that
 * belong in the top k. The index is tests/fuzz/fuzz_query.c's (the same
 * generated documents, two segments), where the fuzzer found it.
 */
static void fuzz_text(char *out, size_t cap, unsigned seed)
{
	size_t n = 0;
	unsigned i, x = seed * 2654435761u + 1;

	out[0] = '\0';
	for (i = 0; i < 40 + seed % 50 && n + 16 < cap; i++) {
		unsigned w;

		x = x * 1103515245u + 12345u;
		w = (x >> 16) % 16 * ((x >> 20) % 16) / 16;
		n += (size_t)snprintf(out + n, cap - n, "word%c%s", 'a' + (int)w,
		                      i % 9 == 8 ? ". " : " ");
	}
}

static att_searcher *build_fuzz_like(char **dir)
{
	static const tdoc hand[] = {
		{ "baku", "Pakistan and Azerbaijan deepen defence ties",
		  "The two governments signed a defence cooperation memorandum in "
		  "Baku. Officials said joint exercises would follow. Erdoğan "
		  "welcomed it." },
		{ "lng", "Qatar signs LNG deal",
		  "Germany agreed a long-term gas supply contract with Qatar. The "
		  "U.S.-led talks on the price cap went on; Türkiye abstained." },
		{ "grain", "Black Sea grain corridor",
		  "Ships left Odesa under the grain corridor. Insurers raised rates. "
		  "From 1914 - 1918 the straits were closed." },
		{ "empty", "", "" },
	};
	att_searcher *s = NULL;
	att_writer *w = NULL;
	char *msg = NULL;
	size_t i;

	*dir = test_tmpdir("search");
	ck_assert_int_eq(att_writer_open(&w, *dir, NULL, &msg), ATT_OK);
	for (i = 0; i < sizeof hand / sizeof *hand; i++) {
		att_doc d = { hand[i].id, strlen(hand[i].id), hand[i].title,
		              strlen(hand[i].title), hand[i].text,
		              strlen(hand[i].text), NULL, 0 };

		ck_assert_int_eq(att_writer_add(w, &d), ATT_OK);
	}
	for (i = 0; i < 60; i++) {
		char id[16], title[64], text[1024];
		att_doc d;

		snprintf(id, sizeof id, "g%zu", i);
		fuzz_text(title, sizeof title, (unsigned)i + 1000);
		fuzz_text(text, sizeof text, (unsigned)i);
		memset(&d, 0, sizeof d);
		d.id = id;
		d.id_len = strlen(id);
		d.title = title;
		d.title_len = strlen(title) < 20 ? strlen(title) : 20;
		d.text = text;
		d.text_len = strlen(text);
		ck_assert_int_eq(att_writer_add(w, &d), ATT_OK);
		if (i == 30)
			ck_assert_int_eq(att_writer_commit(w), ATT_OK);
	}
	ck_assert_int_eq(att_writer_commit(w), ATT_OK);
	att_writer_free(w);
	ck_assert_int_eq(att_searcher_open(&s, *dir, &msg), ATT_OK);
	return s;
}

START_TEST(pruning_boosted_root)
{
	/* the fuzzer's input: options "b " (n 4, one passage), then this */
	static const char fuzzed[] = "wo&r&rdwor\x01*^4 -=";
	static const char *const qs[] = {
		fuzzed, "wo*^4", "word*^2.5", "(worda wordo wordn)^4",
		"(wordo wordn wordm)^8", "(worda wordb wordc wordd worde wordf wordg"
		" wordh wordi wordj wordk wordl wordm wordn wordo)^4",
		"(wordo wordn)^0.25",
	};
	char *dir;
	att_searcher *s = build_fuzz_like(&dir);
	att_search_options o;
	size_t i;
	int pruned = 0;

	for (i = 0; i < sizeof qs / sizeof *qs; i++) {
		att_search_options_init(&o);
		o.n = 4;
		pruned += same_top(s, qs[i], o);
		o.n = 1;
		o.passage_weight = 0;
		pruned += same_top(s, qs[i], o);
		o.title_weight = 2;
		pruned += same_top(s, qs[i], o);
	}
	ck_assert_int_gt(pruned, 10);
	teardown_index(s, dir);
}
END_TEST

/*
 * The passage walk skips windows without hits and reads each list once;
 * this reference scores every window the plain way (grow it, count each
 * term's positions inside it), and the two must choose the same windows
 * with the same scores, on random sentence tables and positions.
 */
static size_t ref_passages(att_window *out, size_t k, const att_sentence *s,
                           uint32_t ns, const att_pterm *t, size_t nt,
                           size_t words, double k1, double b)
{
	size_t got = 0, j, x;
	uint32_t f, e, i;

	while (got < k) {
		att_window best = { 0, 0, -1 };

		for (f = 0; f < ns; f++) {
			double sc = 0, len;
			int clash = 0;

			for (e = f; e + 1 < ns && s[e + 1].pos - s[f].pos < words; e++)
				;
			len = s[e + 1].pos > s[f].pos ? s[e + 1].pos - s[f].pos : 1;
			for (x = 0; x < nt; x++) {
				uint32_t tf = 0;

				for (i = 0; i < t[x].n; i++)
					tf += t[x].pos[i] >= s[f].pos && t[x].pos[i] < s[e + 1].pos;
				if (tf > 0)
					sc += t[x].idf * tf * (k1 + 1) /
					    (tf + k1 * (1 - b + b * len / (double)words));
			}
			for (j = 0; j < got; j++)
				clash |= !(e < out[j].first || f > out[j].last);
			if (!clash && sc > best.score) {
				best.first = f;
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

START_TEST(passages_match_reference)
{
	uint64_t st = 99;
	att_pscratch ps;
	int round;

	memset(&ps, 0, sizeof ps);
	for (round = 0; round < 3000; round++) {
		att_sentence sents[65];
		uint32_t pos[3][40], ns = 1 + (uint32_t)(rnd(&st) % 64), i, p = 0;
		att_pterm t[3];
		att_window a[8], r[8];
		size_t nt = 1 + rnd(&st) % 3, k = 1 + rnd(&st) % 4, x, words;
		size_t na, nr;
		int got;

		for (i = 0; i <= ns; i++) {   /* sentence starts, then the end */
			sents[i].pos = p;
			sents[i].byte = p * 5;
			p += 1 + rnd(&st) % 30;
		}
		for (x = 0; x < nt; x++) {
			uint32_t n = rnd(&st) % 12, q = rnd(&st) % 8;

			t[x].n = 0;
			for (i = 0; i < n && q < sents[ns].pos; i++) {
				pos[x][t[x].n++] = q;
				q += 1 + rnd(&st) % 60;
			}
			t[x].pos = pos[x];
			t[x].idf = 0.5 + (double)(rnd(&st) % 100) / 25;
		}
		words = 5 + rnd(&st) % 80;
		got = att_passages_best(a, k, sents, ns, t, nt, words, 1.2, 0.75, &ps);
		ck_assert_int_ge(got, 0);
		na = (size_t)got;
		nr = ref_passages(r, k, sents, ns, t, nt, words, 1.2, 0.75);
		ck_assert_msg(na == nr, "round %d: %zu windows, reference %zu", round,
		              na, nr);
		for (x = 0; x < na; x++) {
			ck_assert_msg(a[x].first == r[x].first && a[x].last == r[x].last,
			              "round %d window %zu: [%u,%u] %.17g, reference "
			              "[%u,%u] %.17g", round, x, a[x].first, a[x].last,
			              a[x].score, r[x].first, r[x].last, r[x].score);
			ck_assert_double_eq_tol(a[x].score, r[x].score, 1e-9);
		}
	}
	att_pscratch_release(&ps);
}
END_TEST

/* ---- term proximity (BM25TP) ---------------------------------------------- */

/*
 * att_proximity on a hand-built example. Occurrences, in position order:
 * a0 b1 c5 a10 a11 b13 (idf a 2, b 0.5, c 3; d 1.5 absent). Neighbours
 * of different terms and their distances: a0-b1 (1), b1-c5 (4), c5-a10
 * (5), a11-b13 (2); a10-a11 is one term and adds nothing. Each adds the
 * other term's idf / d^2 to each term's accumulator.
 */
START_TEST(proximity_hand_computed)
{
	static const uint32_t pa[] = { 0, 10, 11 }, pb[] = { 1, 13 }, pc[] = { 5 };
	att_pterm t[4] = { { pa, 3, 2.0 }, { pb, 2, 0.5 }, { pc, 1, 3.0 },
	                   { NULL, 0, 1.5 } };
	att_pterm rev[4];
	double acc_a = 0.5 / 1 + 3.0 / 25 + 0.5 / 4;
	double acc_b = 2.0 / 1 + 3.0 / 16 + 2.0 / 4;
	double acc_c = 0.5 / 16 + 2.0 / 25;
	double k1 = 1.2, b = 0.75, K = k1 * ((1 - b) + b * 2.0), want, got = -1;
	att_prox per[4];
	att_pscratch ps;
	size_t i;

	memset(&ps, 0, sizeof ps);
	/* min(1, idf) * acc (k1 + 1) / (acc + K), over the terms */
	want = 1.0 * acc_a * (k1 + 1) / (acc_a + K) +
	    0.5 * acc_b * (k1 + 1) / (acc_b + K) +
	    1.0 * acc_c * (k1 + 1) / (acc_c + K);
	ck_assert_int_eq(att_proximity(&got, per, t, 4, 2.0, k1, b, &ps), ATT_OK);
	ck_assert_double_eq_tol(got, want, 1e-12);
	ck_assert_double_eq_tol(per[0].acc, 0.745, 1e-12);
	ck_assert_double_eq_tol(per[1].acc, 2.6875, 1e-12);
	ck_assert_double_eq_tol(per[2].acc, 0.11125, 1e-12);
	ck_assert_double_eq(per[3].acc, 0);
	ck_assert_double_eq(per[3].score, 0);
	ck_assert_double_eq_tol(per[1].score, 0.5 * 2.6875 * 2.2 / (2.6875 + 2.1),
	                        1e-12);
	/* the terms in another order: the same sum */
	for (i = 0; i < 4; i++)
		rev[i] = t[3 - i];
	ck_assert_int_eq(att_proximity(&got, NULL, rev, 4, 2.0, k1, b, &ps),
	                 ATT_OK);
	ck_assert_double_eq_tol(got, want, 1e-12);
	/* b = 0: no length normalisation, K = k1 whatever the length */
	want = 1.0 * acc_a * (k1 + 1) / (acc_a + k1) +
	    0.5 * acc_b * (k1 + 1) / (acc_b + k1) +
	    1.0 * acc_c * (k1 + 1) / (acc_c + k1);
	ck_assert_int_eq(att_proximity(&got, NULL, t, 4, 7.0, k1, 0, &ps), ATT_OK);
	ck_assert_double_eq_tol(got, want, 1e-12);
	/* one term alone, or none: no neighbours, 0 */
	ck_assert_int_eq(att_proximity(&got, NULL, t, 1, 1.0, k1, b, &ps), ATT_OK);
	ck_assert_double_eq(got, 0);
	ck_assert_int_eq(att_proximity(&got, NULL, t, 0, 1.0, k1, b, &ps), ATT_OK);
	ck_assert_double_eq(got, 0);
	att_pscratch_release(&ps);
}
END_TEST

/* Two documents with the same words, so the same BM25 and passages: in
 * "near" the query's words are neighbours, in "far" three apart. */
static const tdoc PX[] = {
	{ "far", "", "alpha gamma delta beta" },
	{ "near", "", "alpha beta gamma delta" },
	{ "other", "", "epsilon zeta eta theta" },
};

START_TEST(proximity_reorders)
{
	char *dir;
	att_searcher *s = build(&dir, "none", PX, 3);
	/* N 3, df 2: idf ln 1.6 (< 1, so it is also the min(1, idf) factor);
	 * dl = avgdl = 4, so K = k1 */
	double idf = log(1.6), k1 = 1.2;
	double doc = 2 * idf * (k1 + 1) / (1 + k1);
	double near = 2 * idf * idf * (k1 + 1) / (idf + k1);
	double far = 2 * idf * (idf / 9) * (k1 + 1) / (idf / 9 + k1);
	att_search_options o;
	att_results *r;
	att_hit h[2];
	char want[160];

	att_search_options_init(&o);
	o.proximity_weight = 0;   /* a tie: the first added first */
	r = search_ok(s, "alpha beta", &o);
	att_results_hit(&h[0], r, 0);
	att_results_hit(&h[1], r, 1);
	ck_assert_str_eq(h[0].id, "far");
	ck_assert_double_eq_tol(h[0].score, h[1].score, 1e-12);
	ck_assert_double_eq(h[0].proximity_score, 0);
	att_results_free(r);
	att_search_options_init(&o);
	o.passage_weight = 0.5;
	o.proximity_weight = 0.5;
	o.explain = 1;
	r = search_ok(s, "alpha beta", &o);
	att_results_hit(&h[0], r, 0);
	att_results_hit(&h[1], r, 1);
	ck_assert_str_eq(h[0].id, "near");
	ck_assert_str_eq(h[1].id, "far");
	ck_assert_double_eq_tol(h[0].doc_score, doc, 1e-12);
	ck_assert_double_eq_tol(h[1].doc_score, doc, 1e-12);
	ck_assert_double_eq_tol(h[0].proximity_score, near, 1e-12);
	ck_assert_double_eq_tol(h[1].proximity_score, far, 1e-12);
	ck_assert_double_eq_tol(h[0].passage_score, h[1].passage_score, 1e-12);
	ck_assert_double_eq_tol(h[0].score, doc + 0.5 * h[0].passage_score +
	                        0.5 * near, 1e-12);
	snprintf(want, sizeof want, "%.4f = %.4f document + 0.5 x %.4f passage "
	         "+ 0.5 x %.4f proximity\n", h[0].score, h[0].doc_score,
	         h[0].passage_score, near);
	ck_assert_msg(strncmp(h[0].explanation, want, strlen(want)) == 0,
	              "[%s], want [%s]", h[0].explanation, want);
	ck_assert_msg(strstr(h[0].explanation, "proximity: BM25TP k1 1.2 b 0.75, "
	                     "length 4, avg 4.0\n") != NULL, "[%s]",
	              h[0].explanation);
	snprintf(want, sizeof want, "  %.4f  alpha: idf %.4f, tf 1, acc %.4f\n",
	         near / 2, idf, idf);
	ck_assert_msg(strstr(h[0].explanation, want) != NULL, "[%s] lacks [%s]",
	              h[0].explanation, want);
	att_results_free(r);
	/* re-ranking only the best one by document score ("far", first of
	 * the tie): it gains its proximity, "near" keeps its document score */
	o.rerank_depth = 1;
	r = search_ok(s, "alpha beta", &o);
	att_results_hit(&h[0], r, 0);
	att_results_hit(&h[1], r, 1);
	ck_assert_str_eq(h[0].id, "far");
	ck_assert_double_eq_tol(h[0].proximity_score, far, 1e-12);
	ck_assert_str_eq(h[1].id, "near");
	ck_assert_double_eq(h[1].score, h[1].doc_score);
	ck_assert_double_eq(h[1].proximity_score, 0);
	ck_assert_uint_eq(h[1].npassages, 1); /* shown all the same */
	ck_assert_msg(strstr(h[1].explanation, "(not re-ranked: below the "
	                     "re-rank depth 1)\n") != NULL, "[%s]",
	              h[1].explanation);
	att_results_free(r);
	/* proximity alone, without passages */
	att_search_options_init(&o);
	o.passage_weight = 0;
	o.proximity_weight = 1;
	r = search_ok(s, "alpha beta", &o);
	att_results_hit(&h[0], r, 0);
	ck_assert_str_eq(h[0].id, "near");
	ck_assert_double_eq_tol(h[0].score, doc + near, 1e-12);
	att_results_free(r);
	teardown_index(s, dir);
}
END_TEST

static Suite *search_suite(void)
{
	Suite *s = suite_create("search");
	TCase *tc = tcase_create("ranking");

	tcase_add_test(tc, bm25_hand_computed);
	tcase_add_test(tc, phrases_and_operators);
	tcase_add_test(tc, phrase_scores_add_up);
	tcase_add_test(tc, paging);
	tcase_add_test(tc, ties_by_document_id);
	suite_add_tcase(s, tc);
	tc = tcase_create("passages");
	tcase_add_test(tc, passage_third_sentence);
	tcase_add_test(tc, passage_two_non_overlapping);
	tcase_add_test(tc, passage_weight_reorders);
	tcase_add_test(tc, passage_edge_cases);
	tcase_add_test(tc, passages_match_reference);
	tcase_add_test(tc, proximity_hand_computed);
	tcase_add_test(tc, proximity_reorders);
	suite_add_tcase(s, tc);
	tc = tcase_create("language");
	tcase_add_test(tc, operators_end_to_end);
	tcase_add_test(tc, document_by_id);
	tcase_add_test(tc, boosts_and_stop_words_score);
	tcase_add_test(tc, bm25f_hand_computed);
	tcase_add_test(tc, explain_shows_the_sum);
	tcase_add_test(tc, feedback_expands);
	tcase_add_test(tc, pruning_keeps_the_top);
	tcase_add_test(tc, pruning_boosted_root);
	suite_add_tcase(s, tc);
	tc = tcase_create("query");
	tcase_add_test(tc, query_errors);
	tcase_add_test(tc, query_forgiving);
	tcase_add_test(tc, capitals_rule_generated);
	tcase_add_test(tc, search_options_out_of_range);
	tcase_add_test(tc, search_options_nan);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(search_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
