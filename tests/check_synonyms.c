/*
 * check_synonyms.c: synonym files, the query rewrite, scoring a group as
 * one term, the index's own file, and the bundled gazetteer.
 *
 * The groups are made-up names (Freedonia, Sylvania) the gazetteer does
 * not hold, so that English indexes, which also use the gazetteer, give
 * exactly what the test's own file says. Scores are recomputed here from
 * BM25 with the group's tf (its members' summed) and df (its most
 * frequent member's), as docs/QUERY.md documents.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "testdir.h"

#include "attache.h"
#include "searcher.h"
#include "stemmer.h"

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

/* ---- reading files --------------------------------------------------------- */

static att_status add(att_synset **s, const char *text, char *msg, size_t cap)
{
	return att_synset_add_text(s, "syn.txt", text, strlen(text), msg, cap);
}

START_TEST(groups_and_errors)
{
	att_synset *s = NULL;
	char msg[256];

	ck_assert_int_eq(add(&s, "# countries\n\nFreedonia, Sylvania,Freedonian\n"
	                     "  lonely  \n"            /* one entry: no group */
	                     "Grand Fenwick , Fenwick Duchy\n"
	                     "a\\,b, c\\\\d\n", msg, sizeof msg), ATT_OK);
	ck_assert_uint_eq(att_synset_groups(s), 3);
	att_synset_free(s);
	s = NULL;
	ck_assert_int_eq(add(&s, "ok, fine\nbad\\x, y\n", msg, sizeof msg),
	                 ATT_EINPUT);
	ck_assert_str_eq(msg, "syn.txt:2: column 4: '\\' must be followed by ','"
	                 " or '\\'");
	att_synset_free(s);
	s = NULL;
	ck_assert_int_eq(add(&s, "ok, fine\n\nbad, \xC3\x28\n", msg, sizeof msg),
	                 ATT_EUTF8);
	ck_assert_str_eq(msg, "syn.txt:3: invalid UTF-8 at byte 16");
	att_synset_free(s);
	s = NULL;
	ck_assert_int_eq(att_synset_add_file(&s, "/nonexistent/syn.txt", msg,
	                                     sizeof msg), ATT_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(msg, "/nonexistent/syn.txt"));
	att_synset_free(s);
}
END_TEST

/* ---- the rewrite ------------------------------------------------------------ */

static int has_title(void *ctx, const char *name, size_t len)
{
	(void)ctx;
	return len == 5 && memcmp(name, "title", 5) == 0;
}

/* Q parsed forgivingly with the groups of TEXT, rendered, in OUT. */
static void rewritten(char *out, size_t cap, const char *text, const char *q)
{
	att_analyzer *an = NULL, *plain = NULL;
	att_synset *s = NULL;
	att_parse_env env;
	att_query pq;
	att_buf b;
	char msg[256];

	ck_assert_int_eq(att_analyzer_new(&an, "english"), ATT_OK);
	ck_assert_int_eq(att_analyzer_new(&plain, "none"), ATT_OK);
	ck_assert_int_eq(add(&s, text, msg, sizeof msg), ATT_OK);
	ck_assert_int_eq(att_synset_finish(s, an), ATT_OK);
	memset(&env, 0, sizeof env);
	env.an = an;
	env.plain = plain;
	env.stop_words = 1;
	env.field_exists = has_title;
	env.synonyms = s;
	ck_assert_int_eq(att_query_parse(&pq, &env, q, strlen(q), msg, sizeof msg),
	                 ATT_OK);
	att_buf_init(&b);
	att_query_render(&b, &pq);
	att_buf_putc(&b, 0);
	ck_assert_int_eq(b.rc, ATT_OK);
	snprintf(out, cap, "%s", (const char *)b.p);
	att_buf_release(&b);
	att_query_release(&pq);
	att_synset_free(s);
	att_analyzer_free(an);
	att_analyzer_free(plain);
}

static const char groups[] =
    "Freedonia, Sylvania, Freedonian\n"
    "Grand Fenwick, Fenwick Duchy\n"
    "Grand Fenwick Treaty, Fenwick Accord\n";

START_TEST(rewrite)
{
	static const struct {
		const char *q, *want;
	} cases[] = {
		{ "freedonia", "syn(freedonia sylvania freedonian)" },
		{ "Sylvania trade", "(syn(freedonia sylvania freedonian) trade)" },
		/* a run of words, the longest entry first */
		{ "grand fenwick talks",
		  "(syn(\"grand fenwick\" \"fenwick duchi\") talk)" },
		{ "the grand fenwick treaty",
		  "(the? syn(\"grand fenwick treati\" \"fenwick accord\"))" },
		/* a phrase that is an entry */
		{ "\"fenwick duchy\" now",
		  "(syn(\"grand fenwick\" \"fenwick duchi\") now)" },
		/* the same occurrence for a run: +grand fenwick is not one */
		{ "+grand fenwick", "(+grand fenwick)" },
		{ "-freedonia trade", "(-syn(freedonia sylvania freedonian) trade)" },
		/* fields, prefixes and other phrases are left alone */
		{ "title:freedonia", "title:freedonia" },
		{ "freedon* trade", "(freedon* trade)" },
		{ "\"freedonia trade\"", "\"freedonia trade\"" },
		{ "grand", "grand" },
	};
	char got[512];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		rewritten(got, sizeof got, groups, cases[i].q);
		ck_assert_msg(strcmp(got, cases[i].want) == 0, "[%s]: got [%s], want"
		              " [%s]", cases[i].q, got, cases[i].want);
	}
}
END_TEST

/* ---- scoring ----------------------------------------------------------------- */

typedef struct tdoc {
	const char *id, *text;
} tdoc;

static const tdoc docs[] = {
	{ "d1", "Freedonia and Freedonia trade." },
	{ "d2", "Sylvania trade talks." },
	{ "d3", "Freedonian officials and Freedonia." },
	{ "d4", "Grain exports from the grand fenwick duchy." },
	{ "d5", "Grand old Fenwick." },
};

static att_searcher *build(char **dir)
{
	att_writer_options o;
	att_searcher *s = NULL;
	att_writer *w = NULL;
	char *msg = NULL;
	size_t i;

	*dir = test_tmpdir("syn");
	att_writer_options_init(&o);
	ck_assert_int_eq(att_writer_open(&w, *dir, &o, &msg), ATT_OK);
	for (i = 0; i < sizeof docs / sizeof *docs; i++) {
		att_doc d;

		memset(&d, 0, sizeof d);
		d.id = docs[i].id;
		d.id_len = strlen(docs[i].id);
		d.title = "News";
		d.title_len = 4;
		d.text = docs[i].text;
		d.text_len = strlen(docs[i].text);
		ck_assert_int_eq(att_writer_add(w, &d), ATT_OK);
	}
	ck_assert_int_eq(att_writer_commit(w), ATT_OK);
	att_writer_free(w);
	ck_assert_int_eq(att_searcher_open(&s, *dir, &msg), ATT_OK);
	return s;
}

static double bm25(double tf, double df, double dl, double n, double avgdl)
{
	double idf = log(1 + (n - df + 0.5) / (df + 0.5));

	return idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * dl / avgdl));
}

static att_results *run(att_searcher *s, const char *q,
                        const att_search_options *o)
{
	att_results *r = NULL;

	ck_assert_msg(att_search(&r, s, q, strlen(q), o) == ATT_OK, "[%s]: %s", q,
	              att_searcher_errmsg(s));
	return r;
}

/* The document score of hit ID in R; -1 if absent. */
static double score_of(const att_results *r, const char *id)
{
	size_t i;

	for (i = 0; i < att_results_count(r); i++) {
		att_hit h;

		att_results_hit(&h, r, i);
		if (h.id_len == strlen(id) && memcmp(h.id, id, h.id_len) == 0)
			return h.doc_score;
	}
	return -1;
}

START_TEST(one_term)
{
	char *dir, path[4096];
	att_searcher *s = build(&dir);
	att_search_options o;
	att_results *r;
	/* lengths (title "news" included): 5, 4, 5, 8, 4; mean 26/5 */
	double avg = 26.0 / 5, n = 5;
	att_passage p;
	size_t i;

	snprintf(path, sizeof path, "%s/mine.txt", dir);
	write_file(path, groups);
	att_search_options_init(&o);
	o.synonyms = path;
	o.exhaustive = 1;
	r = run(s, "freedonia", &o);
	ck_assert_uint_eq(att_results_count(r), 3);
	/* the group: df 2 (freedonia's, its most frequent member) */
	ck_assert_double_eq_tol(score_of(r, "d1"), bm25(2, 2, 5, n, avg), 1e-9);
	ck_assert_double_eq_tol(score_of(r, "d2"), bm25(1, 2, 4, n, avg), 1e-9);
	ck_assert_double_eq_tol(score_of(r, "d3"), bm25(2, 2, 5, n, avg), 1e-9);
	/* the form the document uses is marked */
	for (i = 0; i < att_results_count(r); i++) {
		att_hit h;

		att_results_hit(&h, r, i);
		if (h.id[1] != '2')
			continue;
		att_results_passage(&p, r, i, 0);
		ck_assert_uint_eq(p.nmarks, 1);
		ck_assert_int_eq((int)(p.marks[0].end - p.marks[0].start), 8);
		ck_assert_mem_eq(p.text + p.marks[0].start, "Sylvania", 8);
	}
	att_results_free(r);

	/* a two-word entry is a phrase: d5's "grand old fenwick" is not */
	r = run(s, "grand fenwick", &o);
	ck_assert_uint_eq(att_results_count(r), 1);
	/* "grand fenwick" once and "fenwick duchy" once: tf 2; df of the
	 * phrase members at most their rarest term's: grand 2, fenwick 2,
	 * duchi 1, so the group's df is 2 */
	ck_assert_double_eq_tol(score_of(r, "d4"), bm25(2, 2, 8, n, avg), 1e-9);
	att_results_free(r);

	/* a filter's words expand too: trade in Freedonia under any name */
	{
		const char *f[] = { "sylvania" };

		o.filters = f;
		o.nfilters = 1;
		o.explain = 1;
		r = run(s, "trade", &o);
		o.explain = 0;
		ck_assert_str_eq(att_results_query(r),
		                 "(+trade +syn(freedonia sylvania freedonian))");
		ck_assert_uint_eq(att_results_count(r), 2);
		ck_assert_double_ge(score_of(r, "d1"), 0);
		ck_assert_double_ge(score_of(r, "d2"), 0);
		att_results_free(r);
		o.filters = NULL;
		o.nfilters = 0;
	}

	/* without synonyms, the words alone */
	o.no_synonyms = 1;
	r = run(s, "freedonia", &o);
	ck_assert_uint_eq(att_results_count(r), 2);
	ck_assert_double_eq_tol(score_of(r, "d1"), bm25(2, 2, 5, n, avg), 1e-9);
	ck_assert_double_eq(score_of(r, "d2"), -1);
	att_results_free(r);

	/* the explanation shows the group */
	o.no_synonyms = 0;
	o.explain = 1;
	r = run(s, "sylvania", &o);
	{
		att_hit h;

		att_results_hit(&h, r, 0);
		ck_assert_ptr_nonnull(strstr(h.explanation, "synonyms: idf"));
	}
	att_results_free(r);
	att_searcher_free(s);
	test_remove_tmpdir(dir);
}
END_TEST

START_TEST(index_file)
{
	char *dir, path[4096];
	att_searcher *s = build(&dir);
	att_search_options o;
	att_results *r;

	att_search_options_init(&o);
	r = run(s, "sylvania", &o);   /* no file yet: the word alone */
	ck_assert_uint_eq(att_results_count(r), 1);
	att_results_free(r);
	snprintf(path, sizeof path, "%s/synonyms.txt", dir);
	write_file(path, groups);      /* read again when it appears */
	r = run(s, "sylvania", &o);
	ck_assert_uint_eq(att_results_count(r), 3);
	att_results_free(r);
	write_file(path, "Sylvania, Grain\n");   /* and when it changes */
	r = run(s, "sylvania", &o);
	ck_assert_uint_eq(att_results_count(r), 2);
	ck_assert_double_ge(score_of(r, "d4"), 0);
	att_results_free(r);
	/* a search's own file instead of the index's */
	o.synonyms = "/nonexistent/syn.txt";
	ck_assert_int_eq(att_search(&r, s, "sylvania", 8, &o), ATT_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(att_searcher_errmsg(s), "/nonexistent"));
	att_searcher_free(s);
	test_remove_tmpdir(dir);
}
END_TEST

/* ---- the gazetteer ----------------------------------------------------------- */

/* Q parsed with the gazetteer's groups, rendered, in OUT. */
static void gazetteer_render(char *out, size_t cap, const char *q)
{
	static att_analyzer *an, *plain;
	static att_synset *s;
	att_parse_env env;
	att_query pq;
	att_buf b;
	char msg[256];

	if (s == NULL) {   /* kept for the process: many look-ups */
		size_t len;
		const char *text = att_gazetteer_text(&len);

		ck_assert_int_eq(att_analyzer_new(&an, "english"), ATT_OK);
		ck_assert_int_eq(att_analyzer_new(&plain, "none"), ATT_OK);
		ck_assert_int_eq(att_synset_add_text(&s, "gazetteer.txt", text, len,
		                                     msg, sizeof msg), ATT_OK);
		ck_assert_int_eq(att_synset_finish(s, an), ATT_OK);
	}
	memset(&env, 0, sizeof env);
	env.an = an;
	env.plain = plain;
	env.synonyms = s;
	ck_assert_int_eq(att_query_parse(&pq, &env, q, strlen(q), msg, sizeof msg),
	                 ATT_OK);
	att_buf_init(&b);
	att_query_render(&b, &pq);
	att_buf_putc(&b, 0);
	ck_assert_int_eq(b.rc, ATT_OK);
	snprintf(out, cap, "%s", (const char *)b.p);
	att_buf_release(&b);
	att_query_release(&pq);
}

/* Q expands to synonyms, MEMBER among them. */
static void gazetteer_expands(const char *q, const char *member)
{
	char got[4096];

	gazetteer_render(got, sizeof got, q);
	ck_assert_msg(strncmp(got, "syn(", 4) == 0 && strstr(got, member) != NULL,
	              "[%s] gives [%s], without [%s]", q, got, member);
}

START_TEST(gazetteer)
{
	size_t len;
	const char *text = att_gazetteer_text(&len);
	att_synset *s = NULL;
	char msg[256];

	ck_assert_int_eq(att_synset_add_text(&s, "gazetteer.txt", text, len, msg,
	                                     sizeof msg), ATT_OK);
	ck_assert_uint_ge(att_synset_groups(s), 249);
	att_synset_free(s);
	gazetteer_expands("Turkey", "turkiy");
	gazetteer_expands("Türkiye", "turkey");
	gazetteer_expands("Turkish", "turkiy");
	gazetteer_expands("Myanmar", "burma");
	gazetteer_expands("Burma", "myanmar");
	gazetteer_expands("Burmese", "myanmar");
	gazetteer_expands("Côte d'Ivoire", "\"ivori coast\"");
	gazetteer_expands("Ivory Coast", "\"cote d'ivoir\"");
	gazetteer_expands("Pakistani", "pakistan");
	gazetteer_expands("Azeri", "azerbaijan");
	gazetteer_expands("Czech Republic", "czechia");
	gazetteer_expands("IAEA", "\"intern atom energi agenc");
}
END_TEST

/* Every entry's key starts with the byte of its bucket: the look-up
 * analyses only the entries of one bucket (synonyms.c). Checked by
 * looking every entry up as a query of its own: each expands, unless
 * its whole line analyses to the one key it has (Cook Islands, Cook
 * Islander: "cook island"). */
START_TEST(gazetteer_buckets)
{
	size_t len, at = 0, n = 0;
	const char *text = att_gazetteer_text(&len);

	while (at < len) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - text) : len, i = at;
		char first[4096] = "";

		while (text[at] != '#' && i < end) {   /* each unescaped entry */
			size_t j = i;
			char q[256], got[4096];

			while (j < end && text[j] != ',' && text[j] != '\\')
				j++;
			if (j < end && text[j] == '\\') {
				while (j < end && text[j] != ',')
					j += text[j] == '\\' ? 2 : 1;
				i = j + 1;
				continue;
			}
			while (i < j && text[i] == ' ')
				i++;
			if (j > i && j - i < sizeof q - 2) {
				snprintf(q, sizeof q, "\"%.*s\"", (int)(j - i), text + i);
				gazetteer_render(got, sizeof got, q);
				if (first[0] == '\0')
					snprintf(first, sizeof first, "%s", got);
				ck_assert_msg(strncmp(got, "syn(", 4) == 0 ||
				              (strncmp(first, "syn(", 4) != 0 &&
				               strcmp(got, first) == 0),
				              "[%s] gives [%s]; its line's first: [%s]", q, got,
				              first);
				n++;
			}
			i = j + 1;
		}
		at = end + 1;
	}
	ck_assert_uint_ge(n, 1000);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("synonyms");
	TCase *tc = tcase_create("all");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, groups_and_errors);
	tcase_add_test(tc, rewrite);
	tcase_add_test(tc, one_term);
	tcase_add_test(tc, index_file);
	tcase_add_test(tc, gazetteer);
	tcase_add_test(tc, gazetteer_buckets);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
