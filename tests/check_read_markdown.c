/*
 * check_read_markdown.c: unit tests of indexer/readers/markdown.c, the
 * Markdown reader.
 *
 * Each test reads a small fixture of tests/readers/markdown/ (or bytes
 * made in memory: bad UTF-8, inputs over the limits) and asserts on the
 * exact title, text and fields, or on the exact status and message.
 * Built with ATT_ALLOC_TESTING, one more test makes each allocation fail
 * in turn.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <check.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "readers.h"

#ifndef ATT_TEST_FIXTURES
#error "ATT_TEST_FIXTURES must name tests/readers/markdown"
#endif

static att_rdoc d;
static char msg[256];

static void setup(void)
{
	att_rdoc_init(&d);
	memset(msg, 0, sizeof msg);
}

static void teardown(void)
{
	att_rdoc_release(&d);
}

/* The whole fixture NAME, malloc'd; *N gets its size. */
static uint8_t *fixture(const char *name, size_t *n)
{
	char path[512];
	uint8_t *p;
	FILE *f;
	long size;

	snprintf(path, sizeof path, "%s/%s", ATT_TEST_FIXTURES, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	ck_assert_int_ge(size, 0);
	rewind(f);
	p = malloc((size_t)size + 1);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(fread(p, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	*n = (size_t)size;
	return p;
}

static att_status read_mem(const void *p, size_t n)
{
	att_rdoc_reset(&d);
	msg[0] = '\0';
	return att_read_markdown(&d, p, n, msg, sizeof msg);
}

static att_status read_fixture(const char *name)
{
	size_t n;
	uint8_t *p = fixture(name, &n);
	att_status st = read_mem(p, n);

	free(p);
	return st;
}

static att_status read_str(const char *s)
{
	return read_mem(s, strlen(s));
}

/* B's bytes as a string, for ck_assert_str_eq (a static buffer). */
static const char *str(const att_buf *b)
{
	static char out[4096];

	ck_assert_uint_lt(b->n, sizeof out);
	if (b->n > 0)
		memcpy(out, b->p, b->n);
	out[b->n] = '\0';
	return out;
}

#define ck_text(want) ck_assert_str_eq(str(&d.text), (want))
#define ck_title(want) ck_assert_str_eq(str(&d.title), (want))

/* The value of field NAME, NULL if it is not set (a static buffer). */
static const char *field(const char *name)
{
	static char out[512];
	const att_field *f;
	size_t i, n;

	f = att_rdoc_fields(&d, &n);
	for (i = 0; i < n; i++)
		if (f[i].name_len == strlen(name) &&
		    memcmp(f[i].name, name, f[i].name_len) == 0) {
			ck_assert_uint_lt(f[i].value_len, sizeof out);
			memcpy(out, f[i].value, f[i].value_len);
			out[f[i].value_len] = '\0';
			return out;
		}
	return NULL;
}

static size_t nfields(void)
{
	size_t n;

	att_rdoc_fields(&d, &n);
	return n;
}

/* ---- front matter -------------------------------------------------------- */

START_TEST(front_matter)
{
	ck_assert_int_eq(read_fixture("front.md"), ATT_OK);
	ck_title("Grain: the corridor");
	ck_assert_uint_eq(nfields(), 3);
	ck_assert_str_eq(field("date"), "2025-05-29");
	ck_assert_str_eq(field("tags"), "[\"a\",\"b\"]");
	ck_assert_str_eq(field("source"), "Dawn");
	ck_assert_ptr_null(field("title"));
	/* the heading stays in the text but is not the title */
	ck_text("A heading that is not the title\n\nShips left Odesa.");
}
END_TEST

/* Lists of one item, empty lists, quoted scalars that look like lists,
 * an empty title (a heading's then), a date passed as written, and the
 * block after a byte-order mark. */
START_TEST(front_matter_values)
{
	ck_assert_int_eq(read_str("---\ntitle:\none: [solo]\nnone: []\n"
	                          "q: \"[not, a list]\"\nquoted: [\"x, y\", z]\n"
	                          "date: not a date\n---\n## Sub\n"), ATT_OK);
	ck_title("Sub");
	ck_assert_uint_eq(nfields(), 4);
	ck_assert_str_eq(field("one"), "solo");
	ck_assert_ptr_null(field("none"));
	ck_assert_str_eq(field("q"), "[not, a list]");
	ck_assert_str_eq(field("quoted"), "[\"x, y\",\"z\"]");
	ck_assert_str_eq(field("date"), "not a date");
	ck_text("Sub");

	/* control characters in values are spaces: att_rdoc_field escapes
	 * them as \u00XX, past what it reserves, when a value becomes a list
	 * (tests/fuzz/regressions/fuzz_markdown-field-controls) */
	ck_assert_int_eq(read_str("---\nctl: [\"x\x01\x01\x01\x01\x01\x01\x01\x01"
	                          "\x01\x01\x01\x01y\", z\t]\none: a\x7f\tb\n---\n"),
	                 ATT_OK);
	ck_assert_str_eq(field("ctl"), "[\"x            y\",\"z\"]");
	ck_assert_str_eq(field("one"), "a\x7f b");

	/* att_rdoc_field takes a first value that starts with '[' for a
	 * list when a second comes: such a list is set whole (the fuzz seed
	 * tests/fuzz/regressions/fuzz_markdown-bracket-item) */
	ck_assert_int_eq(read_str("---\ns: [\"[x\x01\", x \"q\" y, \"\", a\\b]\n"
	                          "t: [\"[only\"]\nu: [\" [y\", z]\n---\n"),
	                 ATT_OK);
	ck_assert_str_eq(field("s"), "[\"[x\",\"x \\\"q\\\" y\",\"a\\\\b\"]");
	ck_assert_str_eq(field("t"), "[only");
	ck_assert_str_eq(field("u"), "[\"[y\",\"z\"]");

	ck_assert_int_eq(read_str("\xEF\xBB\xBF---\ntitle:  Given \t title \n"
	                          "---\n# Heading\n"), ATT_OK);
	ck_title("Given title");
	ck_text("Heading");
	ck_assert_uint_eq(nfields(), 0);

	/* "---" alone on the first line without a newline is no block */
	ck_assert_int_eq(read_str("---"), ATT_OK);
	ck_text("");
}
END_TEST

START_TEST(front_matter_errors)
{
	ck_assert_int_eq(read_fixture("badfm.md"), ATT_EINPUT);
	ck_assert_str_eq(msg, "line 3: front matter line is not \"key: value\"");
	/* YAML's block lists are not front matter as att_front_matter reads
	 * it: "tags:" is an empty scalar, "  - a" a line without a colon */
	ck_assert_int_eq(read_fixture("yamllist.md"), ATT_EINPUT);
	ck_assert_str_eq(msg, "line 4: front matter line is not \"key: value\"");
	ck_assert_int_eq(read_str("---\ntitle: T\n"), ATT_EINPUT);
	ck_assert_str_eq(msg, "line 1: front matter opened with --- is not "
	                 "closed");
	ck_assert_int_eq(read_str("---\ntags: [a, \"b]\n---\nx\n"), ATT_EINPUT);
	ck_assert_str_eq(msg, "line 2: a list is [a, b, ...], its quotes closed");
	ck_assert_int_eq(read_str("---\nid: x\n---\nx\n"), ATT_EINPUT);
	ck_assert_str_eq(msg, "line 2: \"id\" cannot be set in front matter");
}
END_TEST

/* ---- titles -------------------------------------------------------------- */

START_TEST(title_first_h1)
{
	ck_assert_int_eq(read_fixture("h1.md"), ATT_OK);
	ck_title("The main title");
	ck_text("Intro line.\n\nSecond level first\n\nThe main title\n\n"
	        "Setext later");
	ck_assert_uint_eq(nfields(), 0);
}
END_TEST

START_TEST(title_setext)
{
	ck_assert_int_eq(read_fixture("setext.md"), ATT_OK);
	ck_title("Setext with code and two lines");
	ck_text("Setext with code and two lines\n\nBody text.");
}
END_TEST

START_TEST(title_h2)
{
	ck_assert_int_eq(read_fixture("h2.md"), ATT_OK);
	ck_title("Only an h2");
	ck_text("Some intro.\n\nOnly an h2\n\nThen h3");
	/* empty headings give no title; no heading, no title */
	ck_assert_int_eq(read_str("#\n\n## \n\ntext\n\n### Real\n"), ATT_OK);
	ck_title("Real");
	ck_assert_int_eq(read_str("Just text.\n"), ATT_OK);
	ck_title("");
}
END_TEST

/* A title from a heading stops at 1024 bytes, at a character's start. */
START_TEST(title_long)
{
	char in[3000];
	size_t i;

	strcpy(in, "# ");
	for (i = 0; i < 700; i++)
		strcat(in, "\xC3\xA9");   /* 1400 bytes of é */
	strcat(in, "\n");
	ck_assert_int_eq(read_str(in), ATT_OK);
	ck_assert_uint_eq(d.title.n, 1024);
	ck_assert_uint_eq(d.text.n, 1400);
}
END_TEST

/* ---- text ---------------------------------------------------------------- */

START_TEST(links_and_images)
{
	ck_assert_int_eq(read_fixture("links.md"), ATT_OK);
	ck_text("Read the report now. See a chart here. Mail http://x.org/auto "
	        "and www.example.com too. ref link ends.");
	ck_assert_ptr_null(strstr(str(&d.text), "r.pdf"));
	ck_assert_ptr_null(strstr(str(&d.text), "chart.png"));
	ck_assert_ptr_null(strstr(str(&d.text), "Report title"));
	ck_assert_ptr_null(strstr(str(&d.text), "ref.html"));
}
END_TEST

START_TEST(inline_markup)
{
	ck_assert_int_eq(read_fixture("inline.md"), ATT_OK);
	ck_text("Some emphasis, strong, code span, struck and a soft break, a "
	        "hard break, all one paragraph.");
	ck_assert_int_eq(read_str("un*believ*able `x`y **a**b\n"), ATT_OK);
	ck_text("unbelievable xy ab");
}
END_TEST

START_TEST(blocks)
{
	ck_assert_int_eq(read_fixture("blocks.md"), ATT_OK);
	ck_title("Heading one");
	ck_text("Heading one\n\nFirst paragraph on two lines.\n\nitem one\n\n"
	        "item two\n\nfirst\n\nsecond\n\nquoted text more\n\n"
	        "indented code kept\n\nint main(void) { return 0; }\n\n"
	        "Name\n\nValue\n\na\n\n1\n\nLast paragraph.");
	/* nested and loose lists, a quote in a list, a thematic break */
	ck_assert_int_eq(read_str("- a\n\n  b\n  > c\n- d\n  - e\n\n***\nf\n"),
	                 ATT_OK);
	ck_text("a\n\nb\n\nc\n\nd\n\ne\n\nf");
}
END_TEST

START_TEST(entities)
{
	ck_assert_int_eq(read_fixture("entities.md"), ATT_OK);
	ck_text("Fish & chips <b> \"q\" 's caf\xC3\xA9 \xC3\xA9 \xC3\xA9 "
	        "\xE2\x80\x94 \xC2\xA9 \xC2\xA0x \xE2\x80\x94 &unknownthing; "
	        "\xEF\xBF\xBD \xEF\xBF\xBD");
	/* in code, entities are text as written */
	ck_assert_int_eq(read_str("`&amp;` &amp;\n"), ATT_OK);
	ck_text("&amp; &");
}
END_TEST

START_TEST(raw_html)
{
	ck_assert_int_eq(read_fixture("html.md"), ATT_OK);
	ck_text("Inside block & more\n\nInline span text and break end.");
	ck_assert_ptr_null(strstr(str(&d.text), "class"));
	ck_assert_ptr_null(strstr(str(&d.text), "hidden"));
	ck_assert_ptr_null(strstr(str(&d.text), "comment"));
	/* an inline tag over several lines, quotes holding '>' */
	ck_assert_int_eq(read_str("a <span\nclass=\"x\"\n  title='y>z'>b</span> "
	                          "c\n"), ATT_OK);
	ck_text("a b c");
	/* a block's script holding a tag, a '<' and '&' that start nothing */
	ck_assert_int_eq(read_str("<div>\n<script>\nvar a = \"</div>\";\n"
	                          "</script>\nAfter a < b &amp c &copy; d &\n"
	                          "</div>\n"), ATT_OK);
	ck_text("After a < b &amp c \xC2\xA9 d &");
	ck_assert_int_eq(read_str("<!--\nhidden\n-->\nvisible\n\n<?php x ?>\n\n"
	                          "<!DOCTYPE html>\n\n<table><tr><td>1</td>"
	                          "<td>2</td></tr></table>\n"), ATT_OK);
	ck_text("visible\n\n1\n\n2");
}
END_TEST

/* NUL characters are U+FFFD, in the text and the title. */
START_TEST(nul_characters)
{
	ck_assert_int_eq(read_mem("a\0b\n\n# h\0\n", 10), ATT_OK);
	ck_text("a\xEF\xBF\xBD" "b\n\nh\xEF\xBF\xBD");
	ck_title("h\xEF\xBF\xBD");
	ck_assert_int_eq(read_mem("<p>x\0y</p>\n", 11), ATT_OK);
	ck_text("x\xEF\xBF\xBDy");
}
END_TEST

/* md4c 0.4.8 reads past the end of a last line without a newline (the
 * fuzz regression fuzz_markdown-link-at-end); its own strings (newlines and
 * indentation of code, a code span's line break) are spaces. */
START_TEST(md4c_strings)
{
	ck_assert_int_eq(read_str("[a](b"), ATT_OK);
	ck_text("[a](b");
	ck_assert_int_eq(read_str("| a |\n|---|\n| [a](b"), ATT_OK);
	ck_text("a\n\n[a](b");
	ck_assert_int_eq(read_str("`x\ny` z\n\n```\n  in\n\tdent\n```\n"), ATT_OK);
	ck_text("x y z\n\nin dent");
}
END_TEST

/* ---- errors and limits --------------------------------------------------- */

START_TEST(invalid_utf8)
{
	ck_assert_int_eq(read_str("ok \xFF bad"), ATT_EINPUT);
	ck_assert_str_eq(msg, "invalid UTF-8 at byte 3");
	/* the offset counts the byte-order mark */
	ck_assert_int_eq(read_str("\xEF\xBB\xBFok \xC3"), ATT_EINPUT);
	ck_assert_str_eq(msg, "invalid UTF-8 at byte 6");
	ck_assert_int_eq(read_str("# \xED\xA0\x80 surrogate"), ATT_EINPUT);
	ck_assert_str_eq(msg, "invalid UTF-8 at byte 2");
	ck_assert_int_eq(read_str("---\ntitle: \xC0\xAF\n---\n"), ATT_EINPUT);
	ck_assert_str_eq(msg, "invalid UTF-8 at byte 11");
	ck_assert_uint_eq(d.text.n, 0);
}
END_TEST

START_TEST(too_large)
{
	size_t n = ATT_RD_LIMIT + 1;
	char want[128];
	uint8_t *p = malloc(n);

	ck_assert_ptr_nonnull(p);
	memset(p, 'a', n);
	ck_assert_int_eq(read_mem(p, n), ATT_ELIMIT);
	snprintf(want, sizeof want, "Markdown of %zu bytes is over the "
	         "%zu-byte limit", n, ATT_RD_LIMIT);
	ck_assert_str_eq(msg, want);
	free(p);
}
END_TEST

/* NULs triple (U+FFFD): input within ATT_RD_LIMIT can pass the text's. */
START_TEST(text_too_large)
{
	size_t n = ATT_RD_TEXT_MAX / 3 + 16;
	char want[128];
	uint8_t *p = calloc(n, 1);

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(read_mem(p, n), ATT_ELIMIT);
	snprintf(want, sizeof want, "text over the %zu-byte limit",
	         ATT_RD_TEXT_MAX);
	ck_assert_str_eq(msg, want);
	ck_assert_uint_le(d.text.n, ATT_RD_TEXT_MAX);
	free(p);
}
END_TEST

START_TEST(empty_input)
{
	ck_assert_int_eq(read_mem("", 0), ATT_OK);
	ck_text("");
	ck_title("");
	ck_assert_uint_eq(nfields(), 0);
	ck_assert_int_eq(read_str("\xEF\xBB\xBF"), ATT_OK);
	ck_text("");
	ck_assert_int_eq(read_str(" \n\n\t\n"), ATT_OK);
	ck_text("");
	ck_assert_int_eq(read_str("---\n---\n"), ATT_OK);
	ck_text("");
	ck_title("");
}
END_TEST

#ifdef ATT_ALLOC_TESTING
/* Each allocation fails in turn: ATT_ENOMEM and its message, or the
 * same document as without failures; never a crash or a leak. The
 * front matter has one field besides the title: with two or more,
 * att_front_matter compares names in an arena that failed to grow
 * (frontmatter.c, the "given twice" loop), which UBSan stops. */
START_TEST(alloc_failures)
{
	static const char *const in[] = {
		"---\ntitle: T\ntags: [a, \"b\", c]\n---\n# Heading\n\nText &amp; "
		"<b>bold</b> &eacute;.\n\n<div>\n<p>x</p>\n</div>\n",
		"---\nsource: Dawn\n---\n## Sub\n\n- a\n- b\n",
	};
	size_t k;

	for (k = 0; k < 3; k++) {
		char text[4096], title[256], tags[64];
		size_t n;
		uint8_t *p = k < 2 ? (uint8_t *)strdup(in[k])
		                   : fixture("blocks.md", &n);
		long i;

		ck_assert_ptr_nonnull(p);
		if (k < 2)
			n = strlen(in[k]);
		ck_assert_int_eq(read_mem(p, n), ATT_OK);
		strcpy(text, str(&d.text));
		strcpy(title, str(&d.title));
		strcpy(tags, k == 0 ? field("tags") : "");
		for (i = 0;; i++) {
			att_status st;

			att_rdoc_release(&d);
			att_rdoc_init(&d);
			att_alloc_fail_after(i);
			st = read_mem(p, n);
			att_alloc_fail_after(-1);
			if (st == ATT_OK) {
				ck_text(text);
				ck_title(title);
				if (k == 0)
					ck_assert_str_eq(field("tags"), tags);
				break;
			}
			ck_assert_int_eq(st, ATT_ENOMEM);
			ck_assert_str_eq(msg, "out of memory");
			ck_assert_int_lt(i, 1000);
		}
		ck_assert_int_gt(i, 0);
		free(p);
	}
}
END_TEST
#endif

static Suite *markdown_suite(void)
{
	Suite *s = suite_create("read_markdown");
	TCase *tc = tcase_create("read_markdown");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, front_matter);
	tcase_add_test(tc, front_matter_values);
	tcase_add_test(tc, front_matter_errors);
	tcase_add_test(tc, title_first_h1);
	tcase_add_test(tc, title_setext);
	tcase_add_test(tc, title_h2);
	tcase_add_test(tc, title_long);
	tcase_add_test(tc, links_and_images);
	tcase_add_test(tc, inline_markup);
	tcase_add_test(tc, blocks);
	tcase_add_test(tc, entities);
	tcase_add_test(tc, raw_html);
	tcase_add_test(tc, nul_characters);
	tcase_add_test(tc, md4c_strings);
	tcase_add_test(tc, invalid_utf8);
	tcase_add_test(tc, too_large);
	tcase_add_test(tc, text_too_large);
	tcase_add_test(tc, empty_input);
#ifdef ATT_ALLOC_TESTING
	tcase_add_test(tc, alloc_failures);
#endif
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(markdown_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
