/*
 * check_query.c: unit tests for the query parser (searcher/query.c).
 *
 * Each parsed tree is rendered in a small canonical notation and
 * compared with the expected one:
 *
 *   word           a term; "title:word" a field-scoped term
 *   word*          a prefix;  word?  an optional stop word
 *   "a b"          a phrase;  near/N(a b)  a NEAR window
 *   (x y)          a group;   +x required, -x excluded, bare optional
 *   x^2            a boost
 *
 * so the tests pin precedence, flattening, analysis (the english
 * stemmer: "peace" is "peac"), field scoping, boosts and the error
 * columns, without an index.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "attache.h"
#include "format.h"
#include "searcher.h"
#include "stemmer.h"

static att_analyzer *an, *plain;

static void setup(void)
{
	ck_assert_int_eq(att_analyzer_new(&an, "english"), ATT_OK);
	ck_assert_int_eq(att_analyzer_new(&plain, "none"), ATT_OK);
}

static void teardown(void)
{
	att_analyzer_free(an);
	att_analyzer_free(plain);
}

/* The test's index has the fields "title" and "source". */
static int fields(void *ctx, const char *name, size_t len)
{
	(void)ctx;
	return (len == 5 && memcmp(name, "title", 5) == 0) ||
	    (len == 6 && memcmp(name, "source", 6) == 0);
}

static void put(char *out, size_t cap, const char *s)
{
	size_t n = strlen(out);

	snprintf(out + n, cap - n, "%s", s);
}

static void put_term(char *out, size_t cap, const att_qterm *t)
{
	char buf[ATT_QTERM_MAX + 8];

	if (t->field_len > 0)  /* "\x02name:" shown as "name:" */
		snprintf(buf, sizeof buf, "%s", t->text + 1);
	else
		snprintf(buf, sizeof buf, "%s", t->text);
	put(out, cap, buf);
}

static void render(char *out, size_t cap, const att_query *q, uint32_t n,
                   int root)
{
	const att_qnode *nd = &q->nodes[n];
	uint32_t i;
	char buf[32];

	if (!root)
		put(out, cap, nd->occur == ATT_MUST ? "+"
		    : nd->occur == ATT_MUST_NOT ? "-" : "");
	switch (nd->kind) {
	case ATT_Q_TERM:
		put_term(out, cap, &q->terms[nd->first]);
		if (nd->prefix)
			put(out, cap, "*");
		if (nd->stop)
			put(out, cap, "?");
		break;
	case ATT_Q_PHRASE:
	case ATT_Q_NEAR:
		if (nd->kind == ATT_Q_NEAR) {
			snprintf(buf, sizeof buf, "near/%u(", (unsigned)nd->slop);
			put(out, cap, buf);
		} else {
			put(out, cap, "\"");
		}
		for (i = 0; i < nd->n; i++) {
			if (i)
				put(out, cap, " ");
			put_term(out, cap, &q->terms[nd->first + i]);
		}
		put(out, cap, nd->kind == ATT_Q_NEAR ? ")" : "\"");
		break;
	case ATT_Q_BOOL:
		put(out, cap, "(");
		for (i = 0; i < nd->n; i++) {
			if (i)
				put(out, cap, " ");
			render(out, cap, q, q->kids[nd->first + i], 0);
		}
		put(out, cap, ")");
		break;
	}
	if (nd->boost != 1) {
		snprintf(buf, sizeof buf, "^%g", nd->boost);
		put(out, cap, buf);
	}
}

static att_status parse(att_query *q, const char *s, int default_and,
                        char *msg, size_t msgcap)
{
	att_parse_env env;

	memset(&env, 0, sizeof env);
	env.an = an;
	env.plain = plain;
	env.default_and = default_and;
	env.stop_words = 1;
	env.field_exists = fields;
	return att_query_parse(q, &env, s, strlen(s), msg, msgcap);
}

static void expect_mode(const char *s, int default_and, const char *want)
{
	char got[1024] = "", msg[256];
	att_query q;

	ck_assert_msg(parse(&q, s, default_and, msg, sizeof msg) == ATT_OK,
	              "[%s]: %s", s, msg);
	render(got, sizeof got, &q, q.root, 1);
	ck_assert_msg(strcmp(got, want) == 0, "[%s]: got %s, want %s", s, got,
	              want);
	att_query_release(&q);
	ck_assert_ptr_null(q.nodes);
	ck_assert_ptr_null(q.terms);
}

static void expect(const char *s, const char *want)
{
	expect_mode(s, 0, want);
}

/* Expects status WANT and a message that is exactly MSG (if not NULL). */
static void expect_error(const char *s, att_status want, const char *wmsg)
{
	char msg[256] = "";
	att_query q;
	att_status rc = parse(&q, s, 0, msg, sizeof msg);

	ck_assert_msg(rc == want, "[%s]: %s, want %s (%s)", s, att_status_str(rc),
	              att_status_str(want), msg);
	if (wmsg != NULL)
		ck_assert_msg(strcmp(msg, wmsg) == 0, "[%s]: message [%s], want [%s]",
		              s, msg, wmsg);
	ck_assert_ptr_null(q.nodes);
}

START_TEST(words_and_phrases)
{
	expect("trade", "trade");
	expect("trade +\"peace deal\" -sanctions Pakistan-Turkiye",
	       "(trade +\"peac deal\" -sanction \"pakistan turkiy\")");
	expect("trade ... deal", "(trade deal)");
	expect("trade +.. deal", "(trade deal)");
	/* a one-word quote is a word; quotes end words */
	expect("a\"peace\"\"b c\" -\"x y z\"", "(a? peac \"b c\" -\"x y z\")");
	/* repeats stay; case and stems fold */
	expect(" trade +Trading ", "(trade +trade)");
	/* a lone + or - is punctuation */
	expect("1914 - 1918 +", "(1914 1918)");
	expect("x -", "x");
	/* operators are upper case; in lower case they are (stop) words */
	expect("gas and oil", "(gas and? oil)");
	expect("gas or oil not coal", "(gas or? oil not? coal)");
	expect("NEARBY ORBIT ANDES NOTE", "(nearbi orbit andes note)");
}
END_TEST

START_TEST(boolean_operators)
{
	expect("gas OR oil OR coal", "(gas oil coal)");
	expect("gas AND oil", "(+gas +oil)");
	expect("gas AND oil AND coal", "(+gas +oil +coal)");
	/* juxtaposition binds tightest, then AND/NOT, then OR */
	expect("gas oil AND coal", "(+(gas oil) +coal)");
	expect("gas AND oil OR coal", "((+gas +oil) coal)");
	expect("gas OR oil AND coal", "(gas (+oil +coal))");
	expect("gas NOT oil", "(+gas -oil)");
	expect("gas AND NOT oil", "(+gas -oil)");
	expect("NOT oil gas", "(-oil gas)");
	expect("gas AND -oil", "(+gas -oil)");
	expect("gas AND (oil OR coal)", "(+gas +(oil coal))");
	expect("(gas oil) coal", "(gas oil coal)");
	expect("((gas))", "gas");
	expect("-(gas oil) coal", "(-gas -oil coal)");
	expect("+(gas oil) coal", "(+(gas oil) coal)");
	expect("(gas AND oil) coal", "((+gas +oil) coal)");
	expect("+(gas AND oil) coal", "(+gas +oil coal)");
	/* the default operator */
	expect_mode("gas oil", 1, "(+gas +oil)");
	expect_mode("gas oil OR coal", 1, "((+gas +oil) coal)");
	expect_mode("gas -oil", 1, "(+gas -oil)");
}
END_TEST

START_TEST(proximity_prefix_fields_boosts)
{
	expect("gas NEAR/3 pipelines", "near/3(gas pipelin)");
	expect("gas NEAR pipeline", "near/10(gas pipelin)");
	expect("gas NEAR/3 pipeline NEAR/5 Baku", "near/3(gas pipelin baku)");
	expect("\"gas pipeline\" NEAR/2 Baku", "near/2(gas pipelin baku)");
	expect("\"gas pipeline\"~4", "near/4(gas pipelin)");
	expect("\"gas\"~4", "gas");
	expect("coal gas NEAR/1 oil", "(coal near/1(gas oil))");
	expect("pipe*", "pipe*");
	expect("Pipe*^2", "pipe*^2");
	/* the shortest stem of prefix + ending that is a prefix of it */
	expect("Negotiat*", "negoti*");    /* negotiation: negoti */
	expect("Négociat*", "negoci*");
	expect("econom*", "econom*");
	expect("runs*", "run*");
	expect("title:summit", "title:summit");
	expect("Title:Summits", "title:summit");
	expect("title:\"gas corridor\"", "\"title:gas title:corridor\"");
	expect("title:(gas oil) source:reuters",
	       "(title:gas title:oil source:reuter)");
	/* not a field the index has: the colon is punctuation */
	expect("author:smith", "\"author smith\"");
	expect("12:30", "\"12 30\"");
	expect("note: this", "(note this?)");
	expect("gas^2 oil", "(gas^2 oil)");
	expect("(gas oil)^3", "(gas oil)^3");
	expect("\"gas oil\"^0.5", "\"gas oil\"^0.5");
	expect("title:gas^4", "title:gas^4");
	expect("the", "the?");
	expect("+the gas", "(+the? gas)");  /* marked; only optional ones go */
}
END_TEST

/* an empty render means "no node"; check that case separately */
START_TEST(nothing_to_search)
{
	expect_error("", ATT_EEMPTY, "query has no searchable words");
	expect_error("*", ATT_EEMPTY, NULL);
	expect_error("... !!! \"\"", ATT_EEMPTY, NULL);
	expect_error("()", ATT_EEMPTY, NULL);
	expect_error("-gas", ATT_EEMPTY, "query has only excluded terms");
	expect_error("NOT gas", ATT_EEMPTY, "query has only excluded terms");
	expect_error("-gas -\"x y\"", ATT_EEMPTY, "query has only excluded terms");
}
END_TEST

START_TEST(errors_name_the_column)
{
	char big[200];
	int i;

	expect_error("trade \"open phrase", ATT_EPARSE,
	             "column 7: unterminated quote");
	expect_error("gas AND", ATT_EPARSE,
	             "column 5: AND needs something on both sides");
	expect_error("OR gas", ATT_EPARSE,
	             "column 1: AND and OR need something on both sides");
	expect_error("gas OR", ATT_EPARSE,
	             "column 5: OR needs something on both sides");
	expect_error("gas NOT", ATT_EPARSE, "column 5: NOT needs something after it");
	expect_error("(gas oil", ATT_EPARSE, "column 1: unclosed bracket");
	expect_error("gas oil)", ATT_EPARSE, "column 8: unmatched )");
	expect_error("gas^x", ATT_EPARSE,
	             "column 4: a boost must be a number above 0 and at most 1000");
	expect_error("gas^0", ATT_EPARSE, NULL);
	expect_error("gas^", ATT_EPARSE, "column 4: a boost needs a number after ^");
	expect_error("\"a b\"~x", ATT_EPARSE,
	             "column 6: ~ needs a number of words, at most 1000");
	expect_error("gas NEAR/1001 oil", ATT_EPARSE, NULL);
	expect_error("gas NEAR", ATT_EPARSE, "column 9: NEAR needs a word after it");
	expect_error("(gas OR oil) NEAR coal", ATT_EPARSE,
	             "column 1: NEAR joins words or phrases");
	expect_error("gas NEAR pipe*", ATT_EPARSE,
	             "column 10: NEAR joins words or phrases");
	expect_error("trade \xff", ATT_EPARSE, "column 7: invalid UTF-8");
	/* too deep */
	for (i = 0; i < 40; i++)
		big[i] = '(';
	memcpy(big + 40, "gas", 4);
	expect_error(big, ATT_ELIMIT, "column 33: brackets nested too deep");
}
END_TEST

static Suite *query_suite(void)
{
	Suite *s = suite_create("query");
	TCase *tc = tcase_create("parser");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, words_and_phrases);
	tcase_add_test(tc, boolean_operators);
	tcase_add_test(tc, proximity_prefix_fields_boosts);
	tcase_add_test(tc, nothing_to_search);
	tcase_add_test(tc, errors_name_the_column);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(query_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
