/*
 * check_read_html.c: unit tests of indexer/readers/html.c, the HTML
 * reader (att_read_html).
 *
 * Each test reads a small page, a fixture of tests/readers/html/
 * (ATT_TEST_FIXTURES) or one made in memory, and asserts on the exact
 * title, text and fields made of it: title precedence, the dates from
 * each of their sources, the other fields, boilerplate dropped, entities,
 * paragraphs, the character set rules (windows-1252 with and without a
 * declaration, a declaration that wins, KOI8-R, an unknown label, BOMs,
 * invalid UTF-8), deep trees, the limits, empty input, and pages on
 * which gumbo fails an assertion. Built with
 * ATT_ALLOC_TESTING, one more test makes each allocation fail in turn.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <check.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attache.h"
#include "format.h"
#include "readers.h"

/* The bytes of fixture NAME (malloc'd), *N their count. */
static uint8_t *fixture(const char *name, size_t *n)
{
	char path[1024];
	uint8_t *p;
	long len;
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", ATT_TEST_FIXTURES, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	ck_assert_int_ge(len, 0);
	rewind(f);
	p = malloc((size_t)len + 1);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(fread(p, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return p;
}

static att_rdoc doc;
static char msg[256];

static void setup(void)
{
	att_rdoc_init(&doc);
	msg[0] = 0;
}

static void teardown(void)
{
	att_rdoc_release(&doc);
}

static att_status read_mem(const void *p, size_t n)
{
	att_rdoc_reset(&doc);
	msg[0] = 0;
	return att_read_html(&doc, p, n, msg, sizeof msg);
}

/* Reads fixture NAME, which must read. */
static void read_ok(const char *name)
{
	size_t n;
	uint8_t *p = fixture(name, &n);
	att_status st = read_mem(p, n);

	free(p);
	ck_assert_msg(st == ATT_OK, "%s: status %d: %s", name, st, msg);
}

static int buf_is(const att_buf *b, const char *want)
{
	return b->n == strlen(want) &&
	       (b->n == 0 || memcmp(b->p, want, b->n) == 0);
}

#define ck_buf(what, b, want)                                              \
	ck_assert_msg(buf_is(b, want), what " is \"%.*s\", not \"%s\"",        \
	              (int)(b)->n, (b)->p ? (char *)(b)->p : "", want)
#define ck_text(want) ck_buf("text", &doc.text, want)
#define ck_title(want) ck_buf("title", &doc.title, want)

/* Field NAME's value is WANT (NULL: no such field). */
static void ck_field(const char *name, const char *want)
{
	size_t i, n;
	const att_field *f = att_rdoc_fields(&doc, &n);

	for (i = 0; i < n; i++)
		if (f[i].name_len == strlen(name) &&
		    memcmp(f[i].name, name, f[i].name_len) == 0)
			break;
	if (want == NULL) {
		ck_assert_msg(i == n, "field %s is \"%.*s\", expected none",
		              name, i < n ? (int)f[i].value_len : 0,
		              i < n ? f[i].value : "");
		return;
	}
	ck_assert_msg(i < n, "no field %s, expected \"%s\"", name, want);
	ck_assert_msg(f[i].value_len == strlen(want) &&
	                  memcmp(f[i].value, want, f[i].value_len) == 0,
	              "field %s is \"%.*s\", not \"%s\"", name,
	              (int)f[i].value_len, f[i].value, want);
}

static size_t nfields(void)
{
	size_t n;

	att_rdoc_fields(&doc, &n);
	return n;
}

/* ---- title and fields --------------------------------------------------- */

START_TEST(og_title_and_fields)
{
	read_ok("og.html");
	ck_title("The Open Graph title");
	ck_field("date", "2025-03-04T09:15:00Z");
	ck_field("source", "Caucasus Weekly");
	ck_field("language", "en-GB");
	ck_field("author", "Leyla Mammadova");
	ck_field("tags", "[\"energy\",\"Azerbaijan\",\"pipelines\"]");
	ck_assert_uint_eq(nfields(), 5);
	ck_text("The heading\n\nGas flows west.\n\n1 January");
}
END_TEST

START_TEST(title_element_and_time)
{
	read_ok("title.html");
	ck_title("Baku energy week");
	/* the first <time datetime>, before <meta name="date"> */
	ck_field("date", "2025-05-06T10:00:00+04:00");
	ck_field("source", NULL);
	ck_field("language", NULL);
	ck_field("author", NULL);
	ck_field("tags", NULL);
	ck_text("Not the title\n\nPosted 6 May.\n\nlater time");
}
END_TEST

START_TEST(h1_title_and_dc_date)
{
	read_ok("h1.html");
	/* an empty <title> does not count; the h1 in the header does, its
	 * svg's title not */
	ck_title("Site headline");
	ck_field("date", "2023-11-30");
	ck_text("Second heading\n\nBody text.");
}
END_TEST

START_TEST(meta_date)
{
	read_ok("date_meta.html");
	/* article:published_time does not read as a date: the next source */
	ck_field("date", "2025-03-04T08:15:00Z");
	ck_title("");
	ck_text("Dated by its meta.");
}
END_TEST

START_TEST(keywords_one)
{
	static const char page[] =
	    "<html><head><meta name=KEYWORDS content=' solo '>"
	    "<meta name=keywords content='ignored, second'></head></html>";

	ck_assert_int_eq(read_mem(page, sizeof page - 1), ATT_OK);
	ck_field("tags", "solo");
	ck_text("");
}
END_TEST

/* ---- text --------------------------------------------------------------- */

START_TEST(boilerplate_dropped)
{
	read_ok("boilerplate.html");
	ck_title("Boilerplate");
	ck_text("Kept one.\n\nBefore after image.\n\nKept two.");
	ck_assert_ptr_null(memmem(doc.text.p, doc.text.n, "word", 4));
}
END_TEST

START_TEST(entities_decoded)
{
	read_ok("entities.html");
	ck_text("Fish & chips, \xc3\xa9t\xc3\xa9, it\xe2\x80\x99s <ok> \"q\" "
	        "caf\xc3\xa9 au lait \xc2\xa9");
}
END_TEST

START_TEST(paragraphs)
{
	read_ok("paragraphs.html");
	ck_title("");
	ck_text("foobar baz\n\none link, spanem.\n\nfirst\n\nsecond\n\nouter\n\n"
	        "inner\n\ntail\n\nline\n\nbreak\n\ncell a\n\ncell b\n\nSub\n\n"
	        "quoted\n\npre text");
}
END_TEST

/* ---- character sets ----------------------------------------------------- */

START_TEST(cp1252_undeclared)
{
	read_ok("cp1252.html");
	ck_title("Caf\xc3\xa9 menu");
	ck_text("caf\xc3\xa9 \xe2\x80\x9c" "cr\xc3\xa8me\xe2\x80\x9d "
	        "\xe2\x82\xac 5");   /* café “crème” € 5 */
}
END_TEST

START_TEST(cp1252_declared)
{
	read_ok("cp1252_meta.html");
	ck_title("Caf\xc3\xa9");
	ck_text("caf\xc3\xa9");
}
END_TEST

START_TEST(declaration_wins)
{
	read_ok("latin1_declared.html");
	ck_text("caf\xc3\x83\xc2\xa9");   /* "cafÃ©" */
	read_ok("koi8r.html");
	/* привет */
	ck_text("\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");
}
END_TEST

START_TEST(unknown_charset)
{
	static const char utf8[] =
	    "<html><head><meta charset=x-foo><meta charset=\"utf-16\">"
	    "</head><body>caf\xc3\xa9</body></html>";
	static const char ebcdic[] =
	    "<meta charset=ibm037><meta charset=utf-7>caf\xc3\xa9";

	/* ignored: the bytes are not UTF-8, so windows-1252 */
	read_ok("unknown_charset.html");
	ck_text("caf\xc3\xa9");
	/* ignored, then a UTF-16 label that means UTF-8 */
	ck_assert_int_eq(read_mem(utf8, sizeof utf8 - 1), ATT_OK);
	ck_text("caf\xc3\xa9");
	/* encodings that do not read ASCII as ASCII are ignored too */
	ck_assert_int_eq(read_mem(ebcdic, sizeof ebcdic - 1), ATT_OK);
	ck_text("caf\xc3\xa9");
}
END_TEST

START_TEST(invalid_utf8)
{
	read_ok("bad_utf8.html");
	ck_title("bad\xef\xbf\xbd title");
	ck_text("caf\xef\xbf\xbd ok");
}
END_TEST

/* "<title>Caf\u00e9</title><p>na\u00efve</p>" in UTF-16, LITTLE or not,
 * with its byte-order mark, into OUT; the byte count. */
static size_t utf16_page(uint8_t *out, int little)
{
	static const char ascii[] = "<title>Caf#</title><p>na#ve</p>";
	static const uint16_t wide[] = { 0xe9, 0xef };
	size_t i, o = 0, k = 0;

	out[o++] = little ? 0xff : 0xfe;
	out[o++] = little ? 0xfe : 0xff;
	for (i = 0; ascii[i]; i++) {
		uint16_t c = ascii[i] == '#' ? wide[k++] : (uint16_t)ascii[i];

		out[o++] = (uint8_t)(little ? c : c >> 8);
		out[o++] = (uint8_t)(little ? c >> 8 : c);
	}
	return o;
}

START_TEST(byte_order_marks)
{
	static const char bom8[] = "\xef\xbb\xbf<title>Caf\xc3\xa9</title>"
	                           "<meta charset=windows-1252><p>na\xc3\xafve";
	uint8_t page[128];
	size_t n;

	n = utf16_page(page, 1);
	ck_assert_int_eq(read_mem(page, n), ATT_OK);
	ck_title("Caf\xc3\xa9");
	ck_text("na\xc3\xafve");
	n = utf16_page(page, 0);
	ck_assert_int_eq(read_mem(page, n), ATT_OK);
	ck_title("Caf\xc3\xa9");
	ck_text("na\xc3\xafve");
	/* an odd last byte is U+FFFD */
	page[n++] = 'x';
	ck_assert_int_eq(read_mem(page, n), ATT_OK);
	ck_text("na\xc3\xafve\n\n\xef\xbf\xbd");   /* after the </p> */
	/* the UTF-8 mark wins over the meta, and is not text */
	ck_assert_int_eq(read_mem(bom8, sizeof bom8 - 1), ATT_OK);
	ck_title("Caf\xc3\xa9");
	ck_text("na\xc3\xafve");
}
END_TEST

/* ---- limits and odd input ----------------------------------------------- */

START_TEST(empty_input)
{
	static const char blank[] =
	    "<html><head></head><body> \n </body></html>";

	ck_assert_int_eq(read_mem(NULL, 0), ATT_OK);
	ck_text("");
	ck_title("");
	ck_assert_uint_eq(nfields(), 0);
	ck_assert_int_eq(read_mem("", 0), ATT_OK);
	ck_text("");
	ck_assert_int_eq(read_mem(blank, sizeof blank - 1), ATT_OK);
	ck_text("");
	ck_title("");
	ck_assert_uint_eq(nfields(), 0);
}
END_TEST

/* COUNT copies of OPEN, then the word "deep". */
static char *nested(const char *open, size_t count, size_t *n)
{
	size_t k = strlen(open), i;
	char *p = malloc(count * k + 5);

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < count; i++)
		memcpy(p + i * k, open, k);
	memcpy(p + count * k, "deep", 5);
	*n = count * k + 4;
	return p;
}

START_TEST(deep_divs)
{
	size_t n;
	char *p = nested("<div>", 100000, &n);

	ck_assert_int_eq(read_mem(p, n), ATT_OK);
	ck_text("deep");
	free(p);
}
END_TEST

START_TEST(deep_spans)
{
	/* a million levels: gumbo's own (recursive) free would overflow the
	 * stack on this tree */
	size_t n;
	char *p = nested("<span>", 1000000, &n);

	ck_assert_int_eq(read_mem(p, n), ATT_OK);
	ck_text("deep");
	free(p);
}
END_TEST

START_TEST(too_large)
{
	uint8_t *p = calloc(ATT_RD_LIMIT + 1, 1);

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(read_mem(p, ATT_RD_LIMIT + 1), ATT_ELIMIT);
	ck_assert_str_eq(msg, "67108865 bytes of HTML, more than 64 MiB");
	free(p);
}
END_TEST

START_TEST(too_much_text)
{
	/* 40 MiB of windows-1252 "\xe9\xe9\xe9 " are 70 MiB of UTF-8 text */
	size_t n = (size_t)40 << 20, i;
	uint8_t *p = malloc(n);

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < n; i++)
		p[i] = i % 4 == 3 ? ' ' : 0xe9;
	ck_assert_int_eq(read_mem(p, n), ATT_ELIMIT);
	ck_assert_str_eq(msg, "more than 64 MiB of text");
	ck_assert(doc.over);
	free(p);
}
END_TEST

START_TEST(no_crash_on_junk)
{
	static const char *const pages[] = {
		"<", "<meta", "<meta charset", "<meta charset=\"", "<!--",
		"<meta http-equiv=content-type content='charset=",
		"&#0;&#xD800;x",
		"<svg><title>t</title></svg><math><mi>x</mi></math>",
		"<table><td>a<table><td>b</table>c",
		"<template><h1>no</h1></template>",
		"<h1><script>x</script></h1><title>\x01\x7f</title>x",
	};
	size_t i;

	for (i = 0; i < sizeof pages / sizeof pages[0]; i++)
		ck_assert_int_eq(read_mem(pages[i], strlen(pages[i])), ATT_OK);
	/* gumbo makes control characters U+FFFD; the script in the h1 is
	 * not its text */
	ck_title("\xef\xbf\xbd\xef\xbf\xbd");
	ck_text("x");
}
END_TEST

/* Pages on which Debian's gumbo 0.10.1 fails an assert() (found by
 * fuzzing; each aborted the process before html.c caught it): refused
 * as input, and the reader still reads the next page. */
START_TEST(gumbo_assertions)
{
	static const char *const pages[] = {
		/* node_qualified_tag_is: "node" (popping to a select) */
		"<table><svg><select><title><select><tfoot>",
		/* close_current_cell: a th in table scope */
		"<table><svg><td><desc><select></table>",
	};
	size_t i;

	for (i = 0; i < sizeof pages / sizeof pages[0]; i++) {
		ck_assert_int_eq(read_mem(pages[i], strlen(pages[i])), ATT_EINPUT);
		ck_assert_str_eq(msg, "the HTML parser (gumbo) failed an internal "
		                 "assertion on this page");
		ck_assert_uint_eq(doc.text.n, 0);
		ck_assert_int_eq(read_mem("<title>T</title><p>after", 24), ATT_OK);
		ck_title("T");
		ck_text("after");
	}
}
END_TEST

/* Outside a parse, abort() still ends the process: the reader's SIGABRT
 * handler (installed by the first parse) hands it to the one before,
 * here the default. */
START_TEST(abort_outside_a_parse)
{
	int status = 0;
	pid_t pid;

	ck_assert_int_eq(read_mem("<p>x", 4), ATT_OK);   /* handler installed */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		ck_assert_int_eq(read_mem("<p>y", 4), ATT_OK);
		abort();
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));
	ck_assert_int_eq(WTERMSIG(status), SIGABRT);
}
END_TEST

#ifdef ATT_ALLOC_TESTING
START_TEST(alloc_failures)
{
	static const char *const names[] = { "og.html", "cp1252.html" };
	size_t k, n;
	long i;

	for (k = 0; k < 2; k++) {
		uint8_t *p = fixture(names[k], &n);
		att_status st;

		for (i = 0;; i++) {
			att_alloc_fail_after(i);
			st = read_mem(p, n);
			att_alloc_fail_after(-1);
			if (st == ATT_OK)
				break;
			ck_assert_int_eq(st, ATT_ENOMEM);
			ck_assert_str_eq(msg, "out of memory");
		}
		ck_assert_int_gt(i, 0);
		free(p);
	}
	read_ok("og.html");
	ck_title("The Open Graph title");
}
END_TEST
#endif

static Suite *html_suite(void)
{
	Suite *s = suite_create("read_html");
	TCase *tc = tcase_create("read_html");
	TCase *big = tcase_create("big");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, og_title_and_fields);
	tcase_add_test(tc, title_element_and_time);
	tcase_add_test(tc, h1_title_and_dc_date);
	tcase_add_test(tc, meta_date);
	tcase_add_test(tc, keywords_one);
	tcase_add_test(tc, boilerplate_dropped);
	tcase_add_test(tc, entities_decoded);
	tcase_add_test(tc, paragraphs);
	tcase_add_test(tc, cp1252_undeclared);
	tcase_add_test(tc, cp1252_declared);
	tcase_add_test(tc, declaration_wins);
	tcase_add_test(tc, unknown_charset);
	tcase_add_test(tc, invalid_utf8);
	tcase_add_test(tc, byte_order_marks);
	tcase_add_test(tc, empty_input);
	tcase_add_test(tc, no_crash_on_junk);
	tcase_add_test(tc, gumbo_assertions);
	tcase_add_test(tc, abort_outside_a_parse);
#ifdef ATT_ALLOC_TESTING
	tcase_add_test(tc, alloc_failures);
#endif
	suite_add_tcase(s, tc);
	/* gumbo takes time quadratic in the depth: 100,000 nested divs take
	 * some 14 s on an idle machine */
	tcase_add_checked_fixture(big, setup, teardown);
	tcase_set_timeout(big, 300);
	tcase_add_test(big, deep_divs);
	tcase_add_test(big, deep_spans);
	tcase_add_test(big, too_large);
	tcase_add_test(big, too_much_text);
	suite_add_tcase(s, big);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(html_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
