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
static att_schema schema;   /* date:date, places:keyword, price:number */

static void setup(void)
{
	char msg[128];

	ck_assert_int_eq(att_analyzer_new(&an, "english"), ATT_OK);
	ck_assert_int_eq(att_analyzer_new(&plain, "none"), ATT_OK);
	memset(&schema, 0, sizeof schema);
	ck_assert_int_eq(att_schema_add(&schema, "date", 4, ATT_FIELD_DATE, msg,
	                                sizeof msg), ATT_OK);
	ck_assert_int_eq(att_schema_add(&schema, "places", 6, ATT_FIELD_KEYWORD,
	                                msg, sizeof msg), ATT_OK);
	ck_assert_int_eq(att_schema_add(&schema, "price", 5, ATT_FIELD_NUMBER,
	                                msg, sizeof msg), ATT_OK);
}

static void teardown(void)
{
	att_analyzer_free(an);
	att_analyzer_free(plain);
}

/* The test's index has the fields "title" and "source", and the typed
 * ones of the schema. */
static int fields(void *ctx, const char *name, size_t len)
{
	(void)ctx;
	return (len == 5 && memcmp(name, "title", 5) == 0) ||
	    (len == 6 && memcmp(name, "source", 6) == 0) ||
	    att_schema_find(&schema, name, len) >= 0;
}

/* The tree in the notation above (att_query_render). */
static void render(char *out, size_t cap, const att_query *q)
{
	att_buf b;

	att_buf_init(&b);
	att_query_render(&b, q);
	ck_assert_int_eq(b.rc, ATT_OK);
	snprintf(out, cap, "%.*s", (int)b.n, (const char *)b.p);
	att_buf_release(&b);
}

/* Document frequencies for the term limit: "rareN" has N documents,
 * anything else 1000. */
static uint64_t fake_df(void *ctx, const char *t, size_t len)
{
	(void)ctx;
	if (len > 4 && memcmp(t, "rare", 4) == 0)
		return (uint64_t)atoi(t + 4);
	return 1000;
}

static att_status parse_len(att_query *q, const char *s, size_t len,
                            att_syntax syntax, int default_and, char *msg,
                            size_t msgcap)
{
	att_parse_env env;

	memset(&env, 0, sizeof env);
	env.an = an;
	env.plain = plain;
	env.default_and = default_and;
	env.stop_words = 1;
	env.field_exists = fields;
	env.term_df = fake_df;
	env.syntax = syntax;
	env.schema = &schema;
	return att_query_parse(q, &env, s, len, msg, msgcap);
}

static att_status parse(att_query *q, const char *s, int default_and,
                        char *msg, size_t msgcap)
{
	return parse_len(q, s, strlen(s), ATT_SYNTAX_STRICT, default_and, msg,
	                 msgcap);
}

/* S parses, strictly and forgivingly alike, to WANT, without notes. */
static void expect_mode(const char *s, int default_and, const char *want)
{
	char got[1024] = "", msg[256];
	att_syntax syn;
	att_query q;

	for (syn = ATT_SYNTAX_FORGIVING; syn <= ATT_SYNTAX_STRICT; syn++) {
		ck_assert_msg(parse_len(&q, s, strlen(s), syn, default_and, msg,
		                        sizeof msg) == ATT_OK, "[%s]: %s", s, msg);
		render(got, sizeof got, &q);
		ck_assert_msg(strcmp(got, want) == 0, "[%s] (%s): got %s, want %s", s,
		              syn == ATT_SYNTAX_STRICT ? "strict" : "forgiving", got,
		              want);
		ck_assert_msg(q.notes.n == 0, "[%s]: a note: %s", s, q.notes.text[0]);
		att_query_release(&q);
		ck_assert_ptr_null(q.nodes);
		ck_assert_ptr_null(q.terms);
	}
}

static void expect(const char *s, const char *want)
{
	expect_mode(s, 0, want);
}

/* Expects status WANT and a message that is exactly MSG (if not NULL),
 * in strict mode. */
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

/* 1 if Q has a note containing WHAT. */
static int has_note(const att_query *q, const char *what)
{
	unsigned i;

	for (i = 0; i < q->notes.n; i++)
		if (strstr(q->notes.text[i], what) != NULL)
			return 1;
	return 0;
}

/* Forgiving (or SYNTAX): S[0..LEN) parses to WANT ("" for nothing to
 * search, ATT_EEMPTY) with a note containing NOTE (if not NULL). */
static void expect_as_len(att_syntax syntax, const char *s, size_t len,
                          const char *want, const char *note)
{
	char got[4096] = "", msg[256];
	att_query q;
	att_status rc = parse_len(&q, s, len, syntax, 0, msg, sizeof msg);

	ck_assert_msg(rc == (want[0] ? ATT_OK : ATT_EEMPTY), "[%.*s]: %s (%s)",
	              (int)len, s, att_status_str(rc), msg);
	render(got, sizeof got, &q);
	ck_assert_msg(strcmp(got, want) == 0, "[%.*s]: got %s, want %s",
	              (int)len, s, got, want);
	ck_assert_msg(note == NULL || has_note(&q, note),
	              "[%.*s]: no note \"%s\" (%u notes%s%s)", (int)len, s, note,
	              q.notes.n, q.notes.n ? ": " : "",
	              q.notes.n ? q.notes.text[0] : "");
	ck_assert_msg(note != NULL || q.notes.n == 0, "[%.*s]: note %s",
	              (int)len, s, q.notes.text[0]);
	att_query_release(&q);
}

static void expect_fix(const char *s, const char *want, const char *note)
{
	expect_as_len(ATT_SYNTAX_FORGIVING, s, strlen(s), want, note);
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
	expect_error("... !!! \"\"", ATT_EEMPTY, NULL);
	expect_error("()", ATT_EEMPTY, NULL);
	expect_error("-gas", ATT_EEMPTY, "query has only excluded terms");
	expect_error("NOT gas", ATT_EEMPTY, "query has only excluded terms");
	expect_error("-gas -\"x y\"", ATT_EEMPTY, "query has only excluded terms");
	/* forgiving: no hits and a note, or the exclusions read as words */
	expect_fix("", "", "nothing to search for");
	expect_fix("... !!! \"\"", "", "nothing to search for");
	expect_fix("()", "", "nothing to search for");
	expect_fix("+=", "", "nothing to search for");
	expect_fix("-gas", "gas", "only excluded words: read as words");
	expect_fix("NOT gas", "gas", "only excluded words");
	expect_fix("-gas -\"x y\"", "(gas \"x y\")", "only excluded words");
	expect_fix("-Wredundant-decls", "\"wredund decl\"", "only excluded words");
}
END_TEST

/* Ranges on date and number fields, keyword values, `*`: filters that
 * never score; free ones restrict, and the words beside them must match
 * one of theirs. */
START_TEST(typed_ranges_and_filters)
{
	const char *m = "date:1987-03-01T00:00:00Z..1987-03-31T23:59:59Z";
	char want[256], msg[256] = "";
	att_query q;

	expect("date:1987-03", m);
	expect("date:1987..1988", "date:1987-01-01T00:00:00Z..1988-12-31T23:59:59Z");
	expect("date:1987-03-15..", "date:1987-03-15T00:00:00Z..");
	expect("date:..1987-03-15", "date:..1987-03-15T23:59:59Z");
	expect("date:\"1987-03-01T10:00:00+02:00\"..\"1987-03-02\"",
	       "date:1987-03-01T08:00:00Z..1987-03-02T23:59:59Z");
	expect("price:..100", "price:..100");
	expect("price:1.5..20", "price:1.5..20");
	expect("price:-3", "price:-3..-3");
	expect("*", "*");
	expect("* -places:usa", "(+* -places:usa)");
	snprintf(want, sizeof want, "(+oil +%s)", m);
	expect("oil date:1987-03", want);
	snprintf(want, sizeof want, "(+%s +(oil gas))", m);
	expect("oil gas date:1987-03", want);
	expect("oil +places:usa", "(+oil +places:usa)");
	expect("oil places:\"United States\"", "(+oil +places:united states)");
	expect("places:usa OR places:japan", "(places:usa places:japan)");
	expect("oil (places:usa OR places:japan)",
	       "(+oil +(places:usa places:japan))");
	/* a word that is not free keeps its own occurrence */
	expect("+oil gas price:..10", "(+oil gas +price:..10)");
	expect("oil OR price:..10", "(oil price:..10)");
	expect_mode("oil gas date:1987", 1,
	            "(+oil +gas +date:1987-01-01T00:00:00Z..1987-12-31T23:59:59Z)");
	/* not a range */
	expect_error("date:bogus", ATT_EPARSE,
	             "column 6: date:bogus is not a date range");
	expect_error("oil price:cheap", ATT_EPARSE,
	             "column 11: price:cheap is not a number range");
	expect_error("date:1987..1988..1989", ATT_EPARSE, NULL);
	expect_error("date:..", ATT_EPARSE, NULL);
	expect_fix("oil date:1987-02-30", "oil",
	           "date:1987-02-30 is not a date range: left out");
	expect_fix("date:x", "", "nothing to search for");
	/* a range's filter flag, field and keys */
	ck_assert_int_eq(parse(&q, "price:10..20", 0, msg, sizeof msg), ATT_OK);
	ck_assert_int_eq(q.nodes[q.root].kind, ATT_Q_RANGE);
	ck_assert_int_eq(q.nodes[q.root].filter, 1);
	ck_assert_uint_eq(q.nodes[q.root].field, 2);
	ck_assert(q.nodes[q.root].lo == att_key_of_number(10));
	ck_assert(q.nodes[q.root].hi == att_key_of_number(20));
	att_query_release(&q);
}
END_TEST

/* --filter: each a required member that never scores; a blank query
 * with filters is every document. */
static void expect_filtered(const char *s, const char *const *f, size_t nf,
                            att_syntax syn, att_status want_rc,
                            const char *want)
{
	char got[1024] = "", msg[256] = "";
	att_parse_env env;
	att_query q;
	att_status rc;

	memset(&env, 0, sizeof env);
	env.an = an;
	env.plain = plain;
	env.stop_words = 1;
	env.field_exists = fields;
	env.syntax = syn;
	env.schema = &schema;
	rc = att_query_parse_filtered(&q, &env, s, strlen(s), f, nf, msg,
	                              sizeof msg);
	ck_assert_msg(rc == want_rc, "[%s]: %s (%s)", s, att_status_str(rc), msg);
	if (rc != ATT_OK) {
		ck_assert_msg(strcmp(msg, want) == 0, "[%s]: message %s, want %s", s,
		              msg, want);
		ck_assert_ptr_null(q.nodes);
		return;
	}
	render(got, sizeof got, &q);
	ck_assert_msg(strcmp(got, want) == 0, "[%s]: got %s, want %s", s, got,
	              want);
	ck_assert(q.nodes[q.kids[q.nodes[q.root].first + 1]].filter);
	att_query_release(&q);
}

START_TEST(filters_join_the_query)
{
	const char *one[] = { "places:usa" };
	const char *two[] = { "price:..10", "source:reuters -places:uk" };
	const char *bad[] = { "price:cheap" };
	const char *empty[] = { "" };

	expect_filtered("oil gas", one, 1, ATT_SYNTAX_STRICT, ATT_OK,
	                "(+(oil gas) +places:usa)");
	expect_filtered("", one, 1, ATT_SYNTAX_STRICT, ATT_OK, "(+* +places:usa)");
	expect_filtered("  ", two, 2, ATT_SYNTAX_FORGIVING, ATT_OK,
	                "(+(+* +price:..10) +(source:reuter -places:uk))");
	expect_filtered("oil", bad, 1, ATT_SYNTAX_STRICT, ATT_EPARSE,
	                "filter 1: column 7: price:cheap is not a number range");
	expect_filtered("oil", empty, 1, ATT_SYNTAX_STRICT, ATT_EEMPTY,
	                "filter 1: query has no searchable words");
	expect_filtered("", empty, 1, ATT_SYNTAX_FORGIVING, ATT_EEMPTY,
	                "query has no searchable words");
}
END_TEST

START_TEST(forgiving_quotes)
{
	expect_fix("19\" rack", "(19 rack)", "unmatched quote ignored");
	expect_fix("3,5\" mainboard", "(3,5 mainboard)",
	           "unmatched quote ignored");
	expect_fix("a 19\" rack and \"gas pipes\"",
	           "(a? 19 rack and? \"gas pipe\")", "unmatched quote ignored");
	expect_fix("\"missing quote", "\"miss quot\"",
	           "unmatched quote read as a phrase");
	expect_fix("trade \"open phrase", "(trade \"open phrase\")",
	           "read as a phrase");
	expect_fix("title:\"gas corridor", "\"title:gas title:corridor\"",
	           "read as a phrase");
	expect_fix("don\"t panic", "(don t panic)", "unmatched quote ignored");
	/* a phrase to the end would make no sense: words */
	expect_fix("\"gas (oil coal)", "(gas oil coal)", "the rest read as words");
	expect_fix("\"one two three four five six seven eight nine ten eleven",
	           "(one two three four five six seven eight nine ten eleven)",
	           "the rest read as words");
	/* Unicode quotation marks, paired or mixed with ASCII */
	expect("\xe2\x80\x9c" "curly quotes" "\xe2\x80\x9d", "\"cur quot\"");
	expect("\"curly quotes" "\xe2\x80\x9d", "\"cur quot\"");
	expect("\xc2\xab" "gas corridor" "\xc2\xbb Baku",
	       "(\"gas corridor\" baku)");
	expect("\xe2\x80\x9e" "gas corridor" "\xe2\x80\x9c", "\"gas corridor\"");
	expect("\xe2\x80\xb9" "gas corridor" "\xe2\x80\xba", "\"gas corridor\"");
	expect("\xe3\x80\x8c" "gas corridor" "\xe3\x80\x8d", "\"gas corridor\"");
	expect("\xe2\x80\x9f" "gas corridor\"", "\"gas corridor\"");
	expect("title:\xe2\x80\x9c" "gas corridor" "\xe2\x80\x9d",
	       "\"title:gas title:corridor\"");
	/* apostrophes inside words stay apostrophes */
	expect("C\xc3\xb4te d\xe2\x80\x99Ivoire", "(cote d'ivoir)");
	expect("Xi's visit", "(xi visit)");
	expect_fix("\xe2\x80\x9c" "unclosed curly", "\"unclos cur\"",
	           "read as a phrase");
	expect_error("\xe2\x80\x9c" "unclosed curly", ATT_EPARSE,
	             "column 1: unterminated quote");
}
END_TEST

START_TEST(forgiving_brackets_and_operators)
{
	char deep[200];
	int i;

	expect_fix("(windows se", "(window se)", "unmatched bracket ignored");
	expect_fix("gas oil)", "(gas oil)", "unmatched bracket ignored");
	expect_fix(")(gas", "gas", "unmatched bracket ignored");
	expect_fix("((gas) oil", "(gas oil)", "unmatched bracket ignored");
	expect_fix("java :) als icon", "(java al icon)", "unmatched bracket");
	expect_fix("if ($HTTP", "(if? http)", "unmatched bracket ignored");
	expect_fix("Call Shell(\"notepad.exe\",", "(call shell \"notepad exe\")",
	           "unmatched bracket ignored");
	expect_fix("patch linux exploit -p)", "(patch linux exploit -p)",
	           "unmatched bracket ignored");
	expect_fix("\"(gas\" oil)", "(gas oil)", "unmatched bracket");
	for (i = 0; i < 40; i++)
		deep[i] = '(';
	memcpy(deep + 40, "gas", 4);
	expect_fix(deep, "gas", "unmatched bracket ignored");
	for (i = 0; i < 40; i++)
		deep[43 + i] = ')';
	deep[83] = '\0';
	expect_fix(deep, "gas", "nested over 32 deep");
	/* operators missing a side */
	expect_fix("AND gas", "gas", "AND without something on each side");
	expect_fix("gas AND", "gas", "AND without");
	expect_fix("gas OR", "gas", "OR without");
	expect_fix("OR gas", "gas", "OR without");
	expect_fix("gas NOT", "gas", "NOT without");
	expect_fix("gas AND AND oil", "(+gas +oil)", "AND without");
	expect_fix("gas OR OR oil", "(gas oil)", "OR without");
	expect_fix("gas OR AND oil", "(gas oil)", "without");
	expect_fix("gas AND OR oil", "(gas oil)", "AND without");
	expect_fix("gas AND NOT", "gas", "without");
	/* regression (the fuzzer): the second NOT of two was dropped as if
	 * the first had been AND, and the group then ended early */
	expect_fix("gas NOT NOT oil", "(+gas -oil)", "NOT without");
	expect_fix("(b NOT NOT gas)", "(+b -gas)", "NOT without");
	expect_fix("gas AND NOT NOT oil", "(+gas -oil)", "without");
	expect_fix("(gas AND) oil", "(gas oil)", "AND without");
	expect_fix("NOT OR gas", "gas", "without");
	expect_fix("gas NEAR", "gas", "NEAR joins words or phrases");
	expect_fix("gas NEAR (oil coal)", "(gas oil coal)", "NEAR joins");
	expect_fix("(gas OR oil) NEAR coal", "(gas oil coal)", "NEAR joins");
	expect_fix("gas NEAR pipe*", "(gas pipe*)", "NEAR joins");
	expect_fix("gas NEAR/3 oil NEAR coal*", "(near/3(gas oil) coal*)",
	           "NEAR joins");
	expect_fix("gas NEAR/1001 oil", "near/1000(gas oil)", "cut to 1000");
	/* boosts and ~N */
	expect_fix("gas^x", "(gas x)", "^ without a number ignored");
	expect_fix("gas^", "gas", "^ without a number ignored");
	expect_fix("gas^0 oil", "(gas oil)", "a boost of 0 or less ignored");
	expect_fix("gas^5000", "gas^1000", "a boost over 1000 cut to 1000");
	expect_fix("\"gas oil\"~x", "(\"gas oil\" x)", "~ without a number");
	expect_fix("\"gas oil\"~", "\"gas oil\"", "~ without a number");
	expect_fix("\"gas oil\"~5000", "near/1000(gas oil)", "cut to 1000");
	expect_fix("^", "", "nothing to search for");
	expect_fix("title:", "titl", NULL);
	expect_fix("trade \xff", "trade", "invalid UTF-8 ignored");
	expect_as_len(ATT_SYNTAX_FORGIVING, "gas\0oil\x01" "coal", 12,
	              "(gas oil coal)", NULL);
	expect_fix("gas\xc2\xa0oil", "(gas oil)", NULL);  /* a no-break space */
}
END_TEST

START_TEST(capitals_rule)
{
	ck_assert_int_eq(att_query_in_capitals("CATS AND DOGS", 13), 1);
	ck_assert_int_eq(att_query_in_capitals("cats AND dogs", 13), 0);
	ck_assert_int_eq(att_query_in_capitals("gas AND Baku", 12), 0);
	ck_assert_int_eq(att_query_in_capitals("NATO AND Iran", 13), 0);
	ck_assert_int_eq(att_query_in_capitals("AND", 3), 1);
	ck_assert_int_eq(att_query_in_capitals("USE OF pH METERS AND ELECTRODES",
	                                       31), 1);
	ck_assert_int_eq(att_query_in_capitals("\xd8\xba\xd8\xa7\xd8\xb2 AND "
	                                       "\xd9\x86\xd9\x81\xd8\xb7", 17), 0);
	ck_assert_int_eq(att_query_in_capitals("1914 OR 1918", 12), 1);
	expect_fix("CATS AND DOGS", "(cat and? dog)", "query in capitals");
	expect("cats AND dogs", "(+cat +dog)");
	expect_fix("I AM INTERESTED IN THE IDENTIFICATION AND EVALUATION OF NOVEL "
	           "COMPUTER ARCHITECTURES",
	           "(i? am? interest in? the? identif and? evalu of? novel comput "
	           "architectur)", "query in capitals");
	expect_fix("TO BE OR NOT TO BE", "(to?^2 be?^2 or? not?)", "query in capitals");
	expect_fix("GAS NEAR PIPELINE", "(gas near pipelin)", "query in capitals");
	expect_fix("NOT", "not?", "query in capitals");
	expect_fix("CRANFIELD", "cranfield", NULL);  /* no operator: no note */
	/* strict mode keeps operators whatever the case */
	expect_error("CATS AND", ATT_EPARSE,
	             "column 6: AND needs something on both sides");
}
END_TEST

START_TEST(plain_words)
{
	expect_as_len(ATT_SYNTAX_PLAIN, "\"gas corridor\" AND -oil (coal) title:x*",
	              38, "(gas corridor and? oil coal \"titl x\")", NULL);
	expect_as_len(ATT_SYNTAX_PLAIN, "Pakistan-Turkiye NEAR/5 +", 25,
	              "(\"pakistan turkiy\" \"near 5\")", NULL);
	expect_as_len(ATT_SYNTAX_PLAIN, "\"((", 3, "", "nothing to search for");
}
END_TEST

START_TEST(repeats_and_term_limit)
{
	char big[9000];
	size_t n = 0;
	att_query q;
	char msg[256], got[8192];
	int i;

	expect("oil gas oil oil^2", "(oil^4 gas)");
	expect("oil +oil", "(oil +oil)");
	expect("the the gas", "(the?^2 gas)");
	/* 300 words: the 256 rarest stay (rareN has N documents) */
	for (i = 0; i < 300; i++)
		n += (size_t)snprintf(big + n, sizeof big - n, "rare%d ", 1000 - i);
	ck_assert_int_eq(parse_len(&q, big, n, ATT_SYNTAX_FORGIVING, 0, msg,
	                           sizeof msg), ATT_OK);
	render(got, sizeof got, &q);
	ck_assert_ptr_nonnull(strstr(got, "rare701"));   /* the rarest */
	ck_assert_ptr_nonnull(strstr(got, "rare956"));   /* the 256th */
	ck_assert_ptr_null(strstr(got, "rare957"));
	ck_assert_ptr_null(strstr(got, "rare1000"));
	ck_assert_msg(has_note(&q, "query of 300 terms: the 256 most informative "
	                       "kept"), "%s", q.notes.text[0]);
	att_query_release(&q);
	/* strict mode still refuses it */
	ck_assert_int_eq(parse_len(&q, big, n, ATT_SYNTAX_STRICT, 0, msg,
	                           sizeof msg), ATT_ELIMIT);
	/* the parts a person marked stay before optional words */
	n = (size_t)snprintf(big, sizeof big, "+rare999 \"rare998 rare997\" ");
	for (i = 0; i < 300; i++)
		n += (size_t)snprintf(big + n, sizeof big - n, "rare%d ", i + 1);
	ck_assert_int_eq(parse_len(&q, big, n, ATT_SYNTAX_FORGIVING, 0, msg,
	                           sizeof msg), ATT_OK);
	render(got, sizeof got, &q);
	ck_assert_ptr_nonnull(strstr(got, "+rare999"));
	ck_assert_ptr_nonnull(strstr(got, "\"rare998 rare997\""));
	ck_assert_ptr_nonnull(strstr(got, "rare253)"));
	ck_assert_ptr_null(strstr(got, "rare254"));
	att_query_release(&q);
	/* an 8 KB paste and more: cut, never refused */
	memset(big, 'x', sizeof big);
	for (i = 5; i < (int)sizeof big; i += 6)
		big[i] = ' ';
	ck_assert_int_eq(parse_len(&q, big, sizeof big, ATT_SYNTAX_FORGIVING, 0,
	                           msg, sizeof msg), ATT_OK);
	ck_assert(has_note(&q, "query cut to its first 8192 bytes"));
	att_query_release(&q);
	/* prefixes past the eighth are words */
	expect_fix("a1* b2* c3* d4* e5* f6* g7* h8* i9* j10*",
	           "(a1* b2* c3* d4* e5* f6* g7* h8* i9 j10)",
	           "prefixes past the first 8 searched as words");
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
	tcase_add_test(tc, typed_ranges_and_filters);
	tcase_add_test(tc, filters_join_the_query);
	tcase_add_test(tc, errors_name_the_column);
	tcase_add_test(tc, forgiving_quotes);
	tcase_add_test(tc, forgiving_brackets_and_operators);
	tcase_add_test(tc, capitals_rule);
	tcase_add_test(tc, plain_words);
	tcase_add_test(tc, repeats_and_term_limit);
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
