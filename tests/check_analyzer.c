/*
 * check_analyzer.c: unit tests for stemmer/analyzer.c.
 *
 * Each test runs att_analyze over a short text, collects every token the
 * callback sees, and compares the whole list (term, byte span, position,
 * and where it matters sentence number, start flag and offset) with the
 * expected one. Expected stems were taken from libstemmer itself and
 * hard-coded, so a change of stemmer version shows up here.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "stemmer.h"

#define MAX_TOKENS 64

struct tok {
	char term[ATT_MAX_TERM + 1];
	size_t start, end;
	uint32_t pos;
	uint32_t sentence;
	int sentence_start;
	size_t sentence_off;
};

struct collect {
	struct tok t[MAX_TOKENS];
	size_t n;
	size_t stop_after; /* 0: never stop */
	int stop_rc;
};

static int collect_fn(void *ctx, const att_token *tok)
{
	struct collect *c = ctx;
	struct tok *t;

	ck_assert_uint_lt(c->n, MAX_TOKENS);
	ck_assert_uint_ge(tok->term_len, 1);
	ck_assert_uint_le(tok->term_len, ATT_MAX_TERM);
	t = &c->t[c->n++];
	memcpy(t->term, tok->term, tok->term_len);
	t->term[tok->term_len] = '\0';
	t->start = tok->start;
	t->end = tok->end;
	t->pos = tok->pos;
	t->sentence = tok->sentence;
	t->sentence_start = tok->sentence_start;
	t->sentence_off = tok->sentence_off;
	if (c->stop_after != 0 && c->n == c->stop_after)
		return c->stop_rc;
	return 0;
}

/* Analyses TEXT (N bytes) in LANG into *C; returns att_analyze's result. */
static int run_n(struct collect *c, const char *lang, const char *text,
                 size_t n, uint32_t pos_base, size_t *bad)
{
	att_analyzer *a = NULL;
	int rc;

	ck_assert_int_eq(att_analyzer_new(&a, lang), ATT_OK);
	rc = att_analyze(a, text, n, pos_base, collect_fn, c, bad);
	att_analyzer_free(a);
	return rc;
}

/* Analyses the string TEXT in English; expects ATT_OK. */
static void run(struct collect *c, const char *text)
{
	memset(c, 0, sizeof *c);
	ck_assert_int_eq(run_n(c, "english", text, strlen(text), 0, NULL),
	                 ATT_OK);
}

struct want {
	const char *term;
	size_t start, end;
	uint32_t pos;
};

static void expect(const struct collect *c, const struct want *w, size_t n)
{
	size_t i;

	ck_assert_uint_eq(c->n, n);
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(c->t[i].term, w[i].term);
		ck_assert_uint_eq(c->t[i].start, w[i].start);
		ck_assert_uint_eq(c->t[i].end, w[i].end);
		ck_assert_uint_eq(c->t[i].pos, w[i].pos);
	}
}

#define EXPECT(c, ...)                                                   \
	do {                                                             \
		static const struct want w_[] = { __VA_ARGS__ };         \
		expect((c), w_, sizeof w_ / sizeof w_[0]);               \
	} while (0)

/* Checks token I's sentence number, start flag and sentence offset. */
static void expect_sentence(const struct collect *c, size_t i, uint32_t num,
                            int start, size_t off)
{
	ck_assert_uint_lt(i, c->n);
	ck_assert_uint_eq(c->t[i].sentence, num);
	ck_assert_int_eq(c->t[i].sentence_start, start);
	ck_assert_uint_eq(c->t[i].sentence_off, off);
}

/* ---- words -------------------------------------------------------------- */

START_TEST(test_apostrophes)
{
	struct collect c;

	run(&c, "Pakistan\xE2\x80\x99s");
	EXPECT(&c, { "pakistan", 0, 12, 0 });
	run(&c, "Pakistan's");
	EXPECT(&c, { "pakistan", 0, 10, 0 });
	run(&c, "Pakistan");
	EXPECT(&c, { "pakistan", 0, 8, 0 });
	/* not between letters: the apostrophe splits or is dropped */
	run(&c, "students\xE2\x80\x99 '90s don\xE2\x80\x99t");
	EXPECT(&c, { "student", 0, 8, 0 }, { "90s", 13, 16, 1 },
	       { "don't", 17, 24, 2 });
}
END_TEST

START_TEST(test_hyphens_and_underscores)
{
	struct collect c;

	run(&c, "Pakistan-Turkiye-Azerbaijan");
	EXPECT(&c, { "pakistan", 0, 8, 0 }, { "turkiy", 9, 16, 1 },
	       { "azerbaijan", 17, 27, 2 });
	run(&c, "snake_case");
	EXPECT(&c, { "snake", 0, 5, 0 }, { "case", 6, 10, 1 });
}
END_TEST

START_TEST(test_numbers)
{
	struct collect c;

	run(&c, "$5 billion");
	EXPECT(&c, { "5", 1, 2, 0 }, { "billion", 3, 10, 1 });
	run(&c, "7th");
	EXPECT(&c, { "7th", 0, 3, 0 });
	run(&c, "26");
	EXPECT(&c, { "26", 0, 2, 0 });
	run(&c, "2.5%");
	EXPECT(&c, { "2.5", 0, 3, 0 });
	run(&c, "1,500");
	EXPECT(&c, { "1,500", 0, 5, 0 });
	/* a separator not followed by a digit is punctuation */
	run(&c, "in 2004, 2005. Up 1.5.");
	EXPECT(&c, { "in", 0, 2, 0 }, { "2004", 3, 7, 1 }, { "2005", 9, 13, 2 },
	       { "up", 15, 17, 3 }, { "1.5", 18, 21, 4 });
	run(&c, "$1.13bn 1,000,000");
	EXPECT(&c, { "1.13bn", 1, 7, 0 }, { "1,000,000", 8, 17, 1 });
}
END_TEST

START_TEST(test_acronyms)
{
	struct collect c;

	run(&c, "HLSCC");
	EXPECT(&c, { "hlscc", 0, 5, 0 });
	run(&c, "IIOJK");
	EXPECT(&c, { "iiojk", 0, 5, 0 });
	run(&c, "U.S. officials");
	EXPECT(&c, { "us", 0, 4, 0 }, { "offici", 5, 14, 1 });
	expect_sentence(&c, 1, 0, 0, 0);
	run(&c, "the U.K, U.S.A. and e.g. J. Smith");
	EXPECT(&c, { "the", 0, 3, 0 }, { "uk", 4, 7, 1 }, { "usa", 9, 15, 2 },
	       { "and", 16, 19, 3 }, { "eg", 20, 24, 4 }, { "j", 25, 26, 5 },
	       { "smith", 28, 33, 6 });
}
END_TEST

START_TEST(test_accents_and_compat)
{
	struct collect c, d;

	run(&c, "Erdo\xC4\x9F" "an");
	run(&d, "Erdogan");
	EXPECT(&c, { "erdogan", 0, 8, 0 });
	EXPECT(&d, { "erdogan", 0, 7, 0 });
	run(&c, "T\xC3\xBCrkiye");
	run(&d, "Turkiye");
	EXPECT(&c, { "turkiy", 0, 8, 0 });
	EXPECT(&d, { "turkiy", 0, 7, 0 });
	/* U+FB01 LATIN SMALL LIGATURE FI */
	run(&c, "\xEF\xAC\x81nance");
	EXPECT(&c, { "financ", 0, 8, 0 });
	/* decomposed e + U+0301, and a soft hyphen inside a word */
	run(&c, "cafe\xCC\x81 Paki\xC2\xADstan");
	EXPECT(&c, { "cafe", 0, 6, 0 }, { "pakistan", 7, 17, 1 });
}
END_TEST

START_TEST(test_ideographs)
{
	struct collect c;

	run(&c, "\xE4\xB8\xAD\xE6\x96\x87 ok");
	EXPECT(&c, { "\xE4\xB8\xAD", 0, 3, 0 }, { "\xE6\x96\x87", 3, 6, 1 },
	       { "ok", 7, 9, 2 });
}
END_TEST

START_TEST(test_empty_and_punctuation)
{
	struct collect c;

	run(&c, "");
	ck_assert_uint_eq(c.n, 0);
	memset(&c, 0, sizeof c);
	ck_assert_int_eq(run_n(&c, "english", NULL, 0, 0, NULL), ATT_OK);
	ck_assert_uint_eq(c.n, 0);
	run(&c, " ... --- !!! ?? ,;: \xE2\x80\x9C\xE2\x80\x9D $%_ \n\n");
	ck_assert_uint_eq(c.n, 0);
}
END_TEST

START_TEST(test_long_words)
{
	struct collect c;
	enum { BIG = 1 << 20 };
	size_t big = BIG;
	char *text = malloc(big + 6);
	char w64[80];

	ck_assert_ptr_nonnull(text);
	memset(text, 'a', big);
	memcpy(text + big, " next", 5);
	memset(&c, 0, sizeof c);
	ck_assert_int_eq(run_n(&c, "english", text, big + 5, 0, NULL), ATT_OK);
	EXPECT(&c, { "next", BIG + 1, BIG + 5, 0 });
	expect_sentence(&c, 0, 0, 1, 0);
	free(text);

	/* 64 bytes is kept, 65 is skipped and takes no position */
	memset(w64, 'x', 64);
	memcpy(w64 + 64, " y", 3);
	run(&c, w64);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_uint_eq(strlen(c.t[0].term), 64);
	memset(w64, 'x', 65);
	memcpy(w64 + 65, " y", 3);
	run(&c, w64);
	EXPECT(&c, { "y", 66, 67, 0 });
}
END_TEST

START_TEST(test_invalid_utf8)
{
	struct collect c;
	size_t bad = 999;

	memset(&c, 0, sizeof c);
	ck_assert_int_eq(run_n(&c, "english", "good words \xFF more", 17, 0, &bad),
	                 ATT_EUTF8);
	ck_assert_uint_eq(bad, 11);
	EXPECT(&c, { "good", 0, 4, 0 }, { "word", 5, 10, 1 });

	/* inside a word and truncated at the end, from an exact-size buffer */
	char *p = malloc(5);
	ck_assert_ptr_nonnull(p);
	memcpy(p, "abc\xE2\x80", 5);
	memset(&c, 0, sizeof c);
	ck_assert_int_eq(run_n(&c, "english", p, 5, 0, &bad), ATT_EUTF8);
	ck_assert_uint_eq(bad, 3);
	EXPECT(&c, { "abc", 0, 3, 0 });
	free(p);

	/* BAD may be NULL */
	memset(&c, 0, sizeof c);
	ck_assert_int_eq(run_n(&c, "english", "\xC0\xAF", 2, 0, NULL), ATT_EUTF8);
	ck_assert_uint_eq(c.n, 0);
}
END_TEST

/* ---- sentences ---------------------------------------------------------- */

START_TEST(test_sentences_abbreviations)
{
	struct collect c;

	run(&c, "Mr. Sharif met Dr. Aliyev. They agreed.");
	EXPECT(&c, { "mr", 0, 2, 0 }, { "sharif", 4, 10, 1 }, { "met", 11, 14, 2 },
	       { "dr", 15, 17, 3 }, { "aliyev", 19, 25, 4 }, { "they", 27, 31, 5 },
	       { "agre", 32, 38, 6 });
	expect_sentence(&c, 0, 0, 1, 0);
	expect_sentence(&c, 1, 0, 0, 0);
	expect_sentence(&c, 4, 0, 0, 0);
	expect_sentence(&c, 5, 1, 1, 27);
	expect_sentence(&c, 6, 1, 0, 27);
}
END_TEST

START_TEST(test_sentences_marks)
{
	struct collect c;

	run(&c, "Stop! Who goes there? Nobody. 42 came. then");
	ck_assert_uint_eq(c.n, 8);
	expect_sentence(&c, 0, 0, 1, 0);
	expect_sentence(&c, 1, 1, 1, 6);
	expect_sentence(&c, 3, 1, 0, 6);
	expect_sentence(&c, 4, 2, 1, 22);
	expect_sentence(&c, 5, 3, 1, 30);
	/* a lowercase word after ". " does not start a sentence */
	expect_sentence(&c, 7, 3, 0, 30);
	/* no space after the mark: no end */
	run(&c, "Stop!Go");
	expect_sentence(&c, 1, 0, 0, 0);
}
END_TEST

START_TEST(test_sentences_paragraph)
{
	struct collect c;

	run(&c, "First line\n\nsecond para\n \r\n  third\nstill third");
	ck_assert_uint_eq(c.n, 7);
	expect_sentence(&c, 1, 0, 0, 0);
	expect_sentence(&c, 2, 1, 1, 12);
	expect_sentence(&c, 3, 1, 0, 12);
	expect_sentence(&c, 4, 2, 1, 29);
	expect_sentence(&c, 5, 2, 0, 29);
	expect_sentence(&c, 6, 2, 0, 29);
	/* leading whitespace: the first sentence starts after it */
	run(&c, "  \n Hello");
	EXPECT(&c, { "hello", 4, 9, 0 });
	expect_sentence(&c, 0, 0, 1, 4);
}
END_TEST

START_TEST(test_sentences_quotes)
{
	struct collect c;

	/* \xE2\x80\x9C and \xE2\x80\x9D are the curly double quotes */
	run(&c, "\xE2\x80\x9CWe stand together.\xE2\x80\x9D The minister left.");
	EXPECT(&c, { "we", 3, 5, 0 }, { "stand", 6, 11, 1 },
	       { "togeth", 12, 20, 2 }, { "the", 25, 28, 3 },
	       { "minist", 29, 37, 4 }, { "left", 38, 42, 5 });
	expect_sentence(&c, 0, 0, 1, 0);
	expect_sentence(&c, 2, 0, 0, 0);
	expect_sentence(&c, 3, 1, 1, 25);
	/* the opening quote of the next sentence belongs to it */
	run(&c, "He left. \"Why?\" she asked.");
	expect_sentence(&c, 2, 1, 1, 9);
	expect_sentence(&c, 3, 1, 0, 9);
}
END_TEST

START_TEST(test_sentences_acronyms_and_initials)
{
	struct collect c;

	run(&c, "Aid from the U.S. arrived. In the U.S. The next day.");
	ck_assert_uint_eq(c.n, 11);
	expect_sentence(&c, 3, 0, 0, 0);
	expect_sentence(&c, 4, 0, 0, 0);
	expect_sentence(&c, 5, 1, 1, 27);
	expect_sentence(&c, 7, 1, 0, 27);
	expect_sentence(&c, 8, 2, 1, 39);
	run(&c, "U.S. President Biden and George W. Bush met Acme Inc. in May.");
	ck_assert_uint_eq(c.n, 12);
	expect_sentence(&c, 11, 0, 0, 0);
	run(&c, "It rose in Jan. 5 was the date.");
	expect_sentence(&c, 4, 0, 0, 0);
}
END_TEST

/* ---- languages and options ---------------------------------------------- */

START_TEST(test_stemming_english)
{
	struct collect c;

	run(&c, "negotiations running");
	EXPECT(&c, { "negoti", 0, 12, 0 }, { "run", 13, 20, 1 });
}
END_TEST

START_TEST(test_stemming_other_languages)
{
	struct collect c;
	att_analyzer *a = NULL;

	memset(&c, 0, sizeof c);
	ck_assert_int_eq(run_n(&c, "french", "continuellement maisons", 23, 0,
	                       NULL), ATT_OK);
	EXPECT(&c, { "continuel", 0, 15, 0 }, { "maison", 16, 23, 1 });
	/* German: "Häuser" loses its umlaut, then stems to "haus" */
	memset(&c, 0, sizeof c);
	ck_assert_int_eq(run_n(&c, "de", "H\xC3\xA4user Zeitungen", 17, 0, NULL),
	                 ATT_OK);
	EXPECT(&c, { "haus", 0, 7, 0 }, { "zeitung", 8, 17, 1 });

	ck_assert_int_eq(att_analyzer_new(&a, "fr"), ATT_OK);
	ck_assert_str_eq(att_analyzer_language(a), "french");
	att_analyzer_free(a);
	ck_assert_int_eq(att_analyzer_new(&a, NULL), ATT_OK);
	ck_assert_str_eq(att_analyzer_language(a), "english");
	att_analyzer_free(a);
}
END_TEST

START_TEST(test_unknown_language)
{
	att_analyzer *a = (att_analyzer *)&a;

	ck_assert_int_eq(att_analyzer_new(&a, "klingon"), ATT_ENOTFOUND);
	ck_assert_ptr_null(a);
	ck_assert_int_eq(att_analyzer_new(&a, "English"), ATT_ENOTFOUND);
	ck_assert_ptr_null(a);
	att_analyzer_free(NULL);
}
END_TEST

START_TEST(test_no_stemming)
{
	struct collect c;
	att_analyzer *a = NULL;

	memset(&c, 0, sizeof c);
	ck_assert_int_eq(run_n(&c, "none", "Running Negotiations T\xC3\xBCrkiye", 29,
	                       0, NULL), ATT_OK);
	EXPECT(&c, { "running", 0, 7, 0 }, { "negotiations", 8, 20, 1 },
	       { "turkiye", 21, 29, 2 });
	ck_assert_int_eq(att_analyzer_new(&a, "none"), ATT_OK);
	ck_assert_str_eq(att_analyzer_language(a), "none");
	att_analyzer_free(a);
}
END_TEST

START_TEST(test_pos_base)
{
	struct collect c;

	memset(&c, 0, sizeof c);
	ck_assert_int_eq(run_n(&c, "english", "a b", 3, 100, NULL), ATT_OK);
	EXPECT(&c, { "a", 0, 1, 100 }, { "b", 2, 3, 101 });
	memset(&c, 0, sizeof c);
	ck_assert_int_eq(run_n(&c, "english", "a b", 3, UINT32_MAX, NULL),
	                 ATT_ELIMIT);
	EXPECT(&c, { "a", 0, 1, UINT32_MAX });
}
END_TEST

START_TEST(test_callback_stops)
{
	struct collect c;
	size_t bad = 77;

	memset(&c, 0, sizeof c);
	c.stop_after = 2;
	c.stop_rc = 7;
	ck_assert_int_eq(run_n(&c, "english", "one two three four", 18, 0, &bad), 7);
	ck_assert_uint_eq(c.n, 2);
	memset(&c, 0, sizeof c);
	c.stop_after = 1;
	c.stop_rc = ATT_EUTF8;
	ck_assert_int_eq(run_n(&c, "english", "one two", 7, 0, &bad), ATT_EUTF8);
	ck_assert_uint_eq(c.n, 1);
	ck_assert_uint_eq(bad, 77); /* not an encoding error: BAD untouched */
}
END_TEST

START_TEST(test_analyze_word)
{
	att_analyzer *a = NULL;
	char out[ATT_MAX_TERM];

	ck_assert_int_eq(att_analyzer_new(&a, "english"), ATT_OK);
	ck_assert_uint_eq(att_analyze_word(a, out, sizeof out,
	                                   "Pakistan\xE2\x80\x99s", 12), 8);
	ck_assert_mem_eq(out, "pakistan", 8);
	ck_assert_uint_eq(att_analyze_word(a, out, sizeof out, "U.S.", 4), 2);
	ck_assert_mem_eq(out, "us", 2);
	ck_assert_uint_eq(att_analyze_word(a, out, sizeof out, "Negotiations", 12),
	                  6);
	ck_assert_mem_eq(out, "negoti", 6);
	ck_assert_uint_eq(att_analyze_word(a, out, sizeof out, "--", 2), 0);
	ck_assert_uint_eq(att_analyze_word(a, out, sizeof out, "\xFF", 1), 0);
	/* CAP too small: CAP bytes written, the full length returned */
	memset(out, '#', sizeof out);
	ck_assert_uint_eq(att_analyze_word(a, out, 3, "running", 7), 3);
	ck_assert_mem_eq(out, "run#", 4);
	ck_assert_uint_eq(att_analyze_word(a, out, 2, "running", 7), 3);
	ck_assert_mem_eq(out, "ru", 2);
	att_analyzer_free(a);
}
END_TEST

START_TEST(test_cache_consistency)
{
	/* the same words before and after many others: cached stems equal
	 * fresh ones */
	struct collect c, d;
	att_analyzer *a = NULL;
	char text[64];
	int i;

	run(&c, "nations running connection");
	ck_assert_int_eq(att_analyzer_new(&a, "english"), ATT_OK);
	for (i = 0; i < 20000; i++) {
		memset(&d, 0, sizeof d);
		snprintf(text, sizeof text, "word%dx running", i);
		ck_assert_int_eq(att_analyze(a, text, strlen(text), 0, collect_fn,
		                             &d, NULL), ATT_OK);
	}
	memset(&d, 0, sizeof d);
	ck_assert_int_eq(att_analyze(a, "nations running connection", 26, 0,
	                             collect_fn, &d, NULL), ATT_OK);
	att_analyzer_free(a);
	ck_assert_uint_eq(c.n, 3);
	ck_assert_uint_eq(d.n, 3);
	for (i = 0; i < 3; i++)
		ck_assert_str_eq(c.t[i].term, d.t[i].term);
	ck_assert_str_eq(d.t[0].term, "nation");
}
END_TEST

#ifdef ATT_ALLOC_TESTING
START_TEST(test_out_of_memory)
{
	att_analyzer *a = (att_analyzer *)&a;
	long n;
	int rc;

	for (n = 0; n < 3; n++) {
		att_alloc_fail_after(n);
		rc = att_analyzer_new(&a, "english");
		att_alloc_fail_after(-1);
		ck_assert_int_eq(rc, ATT_ENOMEM);
		ck_assert_ptr_null(a);
	}
}
END_TEST
#endif

int main(void)
{
	Suite *s = suite_create("analyzer");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_apostrophes);
	tcase_add_test(tc, test_hyphens_and_underscores);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_acronyms);
	tcase_add_test(tc, test_accents_and_compat);
	tcase_add_test(tc, test_ideographs);
	tcase_add_test(tc, test_empty_and_punctuation);
	tcase_add_test(tc, test_long_words);
	tcase_add_test(tc, test_invalid_utf8);
	tcase_add_test(tc, test_sentences_abbreviations);
	tcase_add_test(tc, test_sentences_marks);
	tcase_add_test(tc, test_sentences_paragraph);
	tcase_add_test(tc, test_sentences_quotes);
	tcase_add_test(tc, test_sentences_acronyms_and_initials);
	tcase_add_test(tc, test_stemming_english);
	tcase_add_test(tc, test_stemming_other_languages);
	tcase_add_test(tc, test_unknown_language);
	tcase_add_test(tc, test_no_stemming);
	tcase_add_test(tc, test_pos_base);
	tcase_add_test(tc, test_callback_stops);
	tcase_add_test(tc, test_analyze_word);
	tcase_add_test(tc, test_cache_consistency);
#ifdef ATT_ALLOC_TESTING
	tcase_add_test(tc, test_out_of_memory);
#endif
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? 1 : 0;
}
