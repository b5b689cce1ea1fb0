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
 * set of documents that must match. The parser is also driven directly
 * (att_query_parse) to pin clause flags, term counts and error columns.
 */
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "attache.h"
#include "format.h"
#include "searcher.h"
#include "stemmer.h"

/* ---- helpers ------------------------------------------------------------- */

static char *make_tmpdir(void)
{
	char tmpl[] = "/tmp/att_check_search_XXXXXX";
	char *d = mkdtemp(tmpl);

	ck_assert_ptr_nonnull(d);
	d = strdup(d);
	ck_assert_ptr_nonnull(d);
	return d;
}

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_tmpdir(char *dir)
{
	ck_assert_int_eq(nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	free(dir);
}

/* One document: id, title, text. */
typedef struct tdoc {
	const char *id, *title, *text;
} tdoc;

/* Writes DOCS[0..n) into a new index in a new directory, returns the
 * opened searcher and the directory in *DIR. */
static att_searcher *build(char **dir, const char *language, const tdoc *docs,
                           size_t n)
{
	att_writer_options o;
	att_searcher *s = NULL;
	att_writer *w = NULL;
	char *msg = NULL;
	size_t i;

	*dir = make_tmpdir();
	att_writer_options_init(&o);
	o.language = language;
	ck_assert_int_eq(att_writer_open(&w, *dir, &o, &msg), ATT_OK);
	for (i = 0; i < n; i++) {
		att_doc d;

		memset(&d, 0, sizeof d);
		d.id = docs[i].id;
		d.id_len = strlen(docs[i].id);
		d.title = docs[i].title;
		d.title_len = strlen(docs[i].title);
		d.text = docs[i].text;
		d.text_len = strlen(docs[i].text);
		ck_assert_msg(att_writer_add(w, &d) == ATT_OK, "add %s: %s",
		              docs[i].id, att_writer_errmsg(w));
	}
	ck_assert_msg(att_writer_commit(w) == ATT_OK, "commit: %s",
	              att_writer_errmsg(w));
	att_writer_free(w);
	ck_assert_int_eq(att_searcher_open(&s, *dir, &msg), ATT_OK);
	return s;
}

static void teardown_index(att_searcher *s, char *dir)
{
	att_searcher_free(s);
	remove_tmpdir(dir);
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
static void expect_ids(att_searcher *s, const char *q, const char *want)
{
	const char *ids[32];
	char got[512] = "";
	att_results *r = search_ok(s, q, NULL);
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
	ck_assert_double_eq_tol(h.score, h.doc_score + 1.0 * h.passage_score,
	                        1e-12);
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
	att_results *r;
	size_t i, n;

	search_fails(s, "trade \"open phrase", 18, NULL, ATT_EPARSE,
	             "column 7");
	search_fails(s, "+\"trade deal", 12, NULL, ATT_EPARSE, "column 2");
	search_fails(s, "trade \xff", 7, NULL, ATT_EPARSE, "column 7");
	search_fails(s, "tr\xc3\x28", 4, NULL, ATT_EPARSE, "column 3");
	search_fails(s, "", 0, NULL, ATT_EEMPTY, NULL);
	search_fails(s, "   \t ", 5, NULL, ATT_EEMPTY, NULL);
	search_fails(s, "... !!! ,,, \"\"", 14, NULL, ATT_EEMPTY, NULL);
	search_fails(s, "-trade -\"peace deal\"", 20, NULL, ATT_EEMPTY,
	             "only excluded");
	search_fails(s, "-trade ?", 8, NULL, ATT_EEMPTY, NULL);

	/* length: 8192 bytes pass, 8193 and 9000 do not */
	big = malloc(9001);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', 9000);
	memcpy(big, "trade", 5);
	big[9000] = '\0';
	r = NULL;
	ck_assert_int_eq(att_search(&r, s, big, ATT_QUERY_MAX_BYTES, NULL), ATT_OK);
	ck_assert_uint_eq(att_results_total(r), 2);
	att_results_free(r);
	search_fails(s, big, ATT_QUERY_MAX_BYTES + 1, NULL, ATT_ELIMIT, "8193");
	search_fails(s, big, 9000, NULL, ATT_ELIMIT, "9000");

	/* terms: 256 pass, 257 and 300 do not */
	for (i = 0, n = 0; i < 300; i++)
		n += (size_t)sprintf(big + n, "w%03zu ", i);
	r = NULL;
	ck_assert_int_eq(att_search(&r, s, big, 256 * 5, NULL), ATT_OK);
	ck_assert_uint_eq(att_results_total(r), 0);
	att_results_free(r);
	search_fails(s, big, 257 * 5, NULL, ATT_ELIMIT, "256");
	search_fails(s, big, n, NULL, ATT_ELIMIT, "256");
	/* a phrase counts each of its words */
	big[0] = '"';
	big[257 * 5 - 1] = '"';
	search_fails(s, big, 257 * 5, NULL, ATT_ELIMIT, NULL);
	free(big);
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
	ck_assert_double_eq(o.passage_weight, 1.0);
	ck_assert_uint_eq(o.rerank_depth, 100);
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
	att_status rc[3];

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
	teardown_index(s, dir);
	ck_assert_msg(rc[0] == ATT_EINVAL && rc[1] == ATT_EINVAL &&
	              rc[2] == ATT_EINVAL, "NaN k1: %s; NaN b: %s; NaN "
	              "passage_weight: %s", att_status_str(rc[0]),
	              att_status_str(rc[1]), att_status_str(rc[2]));
}
END_TEST

/* ---- the parser itself --------------------------------------------------- */

typedef struct want_clause {
	enum att_occur occur;
	uint32_t nterms;
	int phrase;
	size_t column;
} want_clause;

static void expect_parse(att_analyzer *a, const char *q, const want_clause *wc,
                         uint32_t nclauses, const char *const *terms,
                         uint32_t nterms)
{
	att_query qq;
	char msg[256];
	uint32_t i, first = 0;

	ck_assert_msg(att_query_parse(&qq, a, q, strlen(q), msg, sizeof msg) ==
	              ATT_OK, "[%s]: %s", q, msg);
	ck_assert_uint_eq(qq.nclauses, nclauses);
	ck_assert_uint_eq(qq.nterms, nterms);
	for (i = 0; i < nclauses; i++) {
		const att_clause *c = &qq.clauses[i];

		ck_assert_msg(c->occur == wc[i].occur, "[%s] clause %u occur %d", q, i,
		              (int)c->occur);
		ck_assert_uint_eq(c->first, first);
		ck_assert_uint_eq(c->nterms, wc[i].nterms);
		ck_assert_int_eq(c->phrase, wc[i].phrase);
		ck_assert_msg(c->column == wc[i].column, "[%s] clause %u column %zu, "
		              "want %zu", q, i, c->column, wc[i].column);
		first += c->nterms;
	}
	for (i = 0; i < nterms; i++)
		ck_assert_str_eq(qq.terms[i], terms[i]);
	att_query_release(&qq);
	ck_assert_ptr_null(qq.clauses);
	ck_assert_ptr_null(qq.terms);
}

START_TEST(parser_clauses)
{
	att_analyzer *a = NULL;
	char msg[256];
	att_query q;

	ck_assert_int_eq(att_analyzer_new(&a, "english"), ATT_OK);
	{
		static const want_clause wc[] = {
			{ ATT_SHOULD, 1, 0, 1 },
			{ ATT_MUST, 2, 1, 7 },
			{ ATT_MUST_NOT, 1, 0, 21 },
			{ ATT_SHOULD, 2, 1, 32 },
		};
		static const char *const t[] = { "trade", "peac", "deal", "sanction",
		                                 "pakistan", "turkiy" };

		expect_parse(a, "trade +\"peace deal\" -sanctions Pakistan-Turkiye",
		             wc, 4, t, 6);
	}
	{
		/* punctuation alone is dropped; its column is not reused */
		static const want_clause wc[] = {
			{ ATT_SHOULD, 1, 0, 1 },
			{ ATT_SHOULD, 1, 0, 11 },
		};
		static const char *const t[] = { "trade", "deal" };

		expect_parse(a, "trade ... deal", wc, 2, t, 2);
		expect_parse(a, "trade +.. deal", wc, 2, t, 2);
	}
	{
		/* a one-word quote is no phrase; quotes split words */
		static const want_clause wc[] = {
			{ ATT_SHOULD, 1, 0, 1 },
			{ ATT_SHOULD, 1, 0, 2 },
			{ ATT_SHOULD, 2, 1, 9 },
			{ ATT_MUST_NOT, 3, 1, 15 },
		};
		static const char *const t[] = { "a", "peac", "b", "c", "x", "y", "z" };

		expect_parse(a, "a\"peace\"\"b c\" -\"x y z\"", wc, 4, t, 7);
	}
	{
		/* repeated words stay separate clauses */
		static const want_clause wc[] = {
			{ ATT_SHOULD, 1, 0, 2 },
			{ ATT_MUST, 1, 0, 8 },
		};
		static const char *const t[] = { "trade", "trade" };

		expect_parse(a, " trade +Trading ", wc, 2, t, 2);
	}
	ck_assert_int_eq(att_query_parse(&q, a, "trade \"x", 8, msg, sizeof msg),
	                 ATT_EPARSE);
	ck_assert_str_eq(msg, "column 7: unterminated quote");
	ck_assert_ptr_null(q.clauses);
	{
		/* a lone + or - is punctuation, not an operator or an error */
		static const want_clause wc[] = {
			{ ATT_SHOULD, 1, 0, 1 },
			{ ATT_SHOULD, 1, 0, 8 },
		};
		static const char *const t[] = { "1914", "1918" };

		expect_parse(a, "1914 - 1918 +", wc, 2, t, 2);
	}
	ck_assert_int_eq(att_query_parse(&q, a, "x -", 3, msg, sizeof msg),
	                 ATT_OK);
	att_query_release(&q);
	ck_assert_int_eq(att_query_parse(&q, a, "-x", 2, msg, sizeof msg),
	                 ATT_EEMPTY);
	ck_assert_int_eq(att_query_parse(&q, a, "", 0, msg, sizeof msg),
	                 ATT_EEMPTY);
	att_analyzer_free(a);
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
			ck_assert_uint_eq(att_results_total(page), 6);
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

/* Equal scores are ordered by segment, then by document: the order of
 * insertion, across two writer sessions too. */
START_TEST(ties_in_insertion_order)
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
		static const char *const want[] = { "t1", "t2", "s3" };
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
		ck_assert_str_eq(h.id, "s3");
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

static Suite *search_suite(void)
{
	Suite *s = suite_create("search");
	TCase *tc = tcase_create("ranking");

	tcase_add_test(tc, bm25_hand_computed);
	tcase_add_test(tc, phrases_and_operators);
	tcase_add_test(tc, phrase_scores_add_up);
	tcase_add_test(tc, paging);
	tcase_add_test(tc, ties_in_insertion_order);
	suite_add_tcase(s, tc);
	tc = tcase_create("passages");
	tcase_add_test(tc, passage_third_sentence);
	tcase_add_test(tc, passage_two_non_overlapping);
	tcase_add_test(tc, passage_weight_reorders);
	tcase_add_test(tc, passage_edge_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("query");
	tcase_add_test(tc, query_errors);
	tcase_add_test(tc, search_options_out_of_range);
	tcase_add_test(tc, search_options_nan);
	tcase_add_test(tc, parser_clauses);
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
