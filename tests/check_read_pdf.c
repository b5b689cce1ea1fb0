/*
 * check_read_pdf.c: unit tests of indexer/readers/pdf.c, att_read_pdf.
 *
 * The fixtures in tests/readers/pdf/ (ATT_TEST_FIXTURES) are written by
 * tests/readers/pdf/make.py and committed: three.pdf (three pages, a
 * hyphenated line break, two paragraphs, non-ASCII text, a full Info
 * dictionary), notitle.pdf, damaged.pdf (three.pdf cut short) and
 * encrypted.pdf (RC4 40-bit with a user password). Tests assert on the
 * exact title, fields, text and page offsets, and on the status and
 * message of each refused input. Inputs that would be large or many
 * files are made in memory: mini_pdf() writes a PDF of N pages, each
 * with its own lines of Helvetica text or none; wide_pdf() one whose
 * pages make 1.6 MB of text each, to pass ATT_RD_TEXT_MAX (the slowest
 * test: poppler lays out 67 million characters). Built with
 * ATT_ALLOC_TESTING, one more test makes each allocation fail in turn.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <check.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attache.h"
#include "format.h"
#include "readers.h"

#define P1 "Grain ships left Odesa at dawn. Insurers raised their rates again."
#define P2 "The corridor carries international cargo to the straits.\n\n" \
           "A second paragraph starts here."
#define P3 "T\xc3\xbcrkiye abstained; caf\xc3\xa9 prices rose by 5- percent, " \
           "and Anglo- Saxon banks were quiet."

/* The bytes of fixture NAME, malloc'd; *N gets their count. */
static uint8_t *fixture(const char *name, size_t *n)
{
	char path[512];
	FILE *f;
	uint8_t *p;
	long len;

	snprintf(path, sizeof path, "%s/%s", ATT_TEST_FIXTURES, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	ck_assert_int_gt(len, 0);
	rewind(f);
	p = malloc((size_t)len);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(fread(p, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return p;
}

/* Reads fixture NAME into D, expecting status WANT; MSG gets the
 * message. */
static void read_fixture(att_rdoc *d, const char *name, att_status want,
                         char *msg, size_t cap)
{
	size_t n;
	uint8_t *p = fixture(name, &n);
	att_status st;

	msg[0] = 0;
	st = att_read_pdf(d, p, n, msg, cap);
	ck_assert_msg(st == want, "%s: status %d (%s), wanted %d", name, st,
	              msg, want);
	free(p);
}

/* The value of field NAME, NUL-terminated in a static buffer, or NULL. */
static const char *field(att_rdoc *d, const char *name)
{
	static char out[1024];
	const att_field *f;
	size_t i, n;

	f = att_rdoc_fields(d, &n);
	for (i = 0; i < n; i++)
		if (f[i].name_len == strlen(name) &&
		    memcmp(f[i].name, name, f[i].name_len) == 0) {
			ck_assert_uint_lt(f[i].value_len, sizeof out);
			memcpy(out, f[i].value, f[i].value_len);
			out[f[i].value_len] = 0;
			return out;
		}
	return NULL;
}

static void assert_buf(const att_buf *b, const char *want)
{
	ck_assert_msg(b->n == strlen(want) && memcmp(b->p, want, b->n) == 0,
	              "got \"%.*s\", wanted \"%s\"", (int)b->n,
	              b->n ? (const char *)b->p : "", want);
}

/* Page I's text (up to the next page's start, its separator left out). */
static void assert_page(const att_rdoc *d, size_t i, const char *want)
{
	size_t start, end;

	ck_assert_uint_lt(i, d->npages);
	start = d->pages[i];
	end = i + 1 < d->npages ? d->pages[i + 1] : d->text.n;
	if (i + 1 < d->npages && end >= start + 2 &&
	    memcmp(d->text.p + end - 2, "\n\n", 2) == 0)
		end -= 2;
	ck_assert_msg(end - start == strlen(want) &&
	              memcmp(d->text.p + start, want, end - start) == 0,
	              "page %zu: \"%.*s\", wanted \"%s\"", i + 1,
	              (int)(end - start), (const char *)d->text.p + start, want);
}

/* ---- an in-memory PDF writer ---- */

static void obj_start(att_buf *b, size_t *offs, size_t num)
{
	offs[num] = b->n;
	att_buf_printf(b, "%zu 0 obj\n", num);
}

/* A PDF of NPAGES pages into B: page i shows TEXTS[i] (lines parted by
 * "\n", each at 12 points, 14 apart), or nothing if TEXTS is NULL or
 * TEXTS[i] is NULL. Objects: 1 catalog, 2 page tree, 3 font, then page
 * i as 4 + 2i and its contents as 5 + 2i. */
static void mini_pdf(att_buf *b, size_t npages, const char *const *texts)
{
	size_t nobj = 4 + 2 * npages, i, xref;
	size_t *offs = calloc(nobj, sizeof *offs);

	ck_assert_ptr_nonnull(offs);
	att_buf_clear(b);
	att_buf_printf(b, "%%PDF-1.4\n");
	obj_start(b, offs, 1);
	att_buf_printf(b, "<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
	obj_start(b, offs, 2);
	att_buf_printf(b, "<< /Type /Pages /Count %zu /Kids [", npages);
	for (i = 0; i < npages; i++)
		att_buf_printf(b, "%zu 0 R ", 4 + 2 * i);
	att_buf_printf(b, "] >>\nendobj\n");
	obj_start(b, offs, 3);
	att_buf_printf(b, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica"
	               " /Encoding /WinAnsiEncoding >>\nendobj\n");
	for (i = 0; i < npages; i++) {
		const char *t = texts != NULL ? texts[i] : NULL;
		att_buf s;

		att_buf_init(&s);
		if (t != NULL) {
			att_buf_printf(&s, "BT /F1 12 Tf 72 720 Td 14 TL (");
			for (; *t; t++)
				if (*t == '\n')
					att_buf_printf(&s, ") Tj T* (");
				else
					att_buf_putc(&s, (uint8_t)*t);
			att_buf_printf(&s, ") Tj ET\n");
		}
		obj_start(b, offs, 4 + 2 * i);
		att_buf_printf(b, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 "
		               "792] /Resources << /Font << /F1 3 0 R >> >> "
		               "/Contents %zu 0 R >>\nendobj\n", 5 + 2 * i);
		obj_start(b, offs, 5 + 2 * i);
		att_buf_printf(b, "<< /Length %zu >>\nstream\n", s.n);
		att_buf_append(b, s.p, s.n);
		att_buf_printf(b, "\nendstream\nendobj\n");
		att_buf_release(&s);
	}
	xref = b->n;
	att_buf_printf(b, "xref\n0 %zu\n0000000000 65535 f \n", nobj);
	for (i = 1; i < nobj; i++)
		att_buf_printf(b, "%010zu 00000 n \n", offs[i]);
	att_buf_printf(b, "trailer\n<< /Size %zu /Root 1 0 R >>\nstartxref\n"
	               "%zu\n%%%%EOF\n", nobj, xref);
	ck_assert_int_eq(b->rc, ATT_OK);
	free(offs);
}

/* A PDF of NPAGES pages into B, each showing the same 10000 glyphs of
 * a font whose ToUnicode map makes each "a" 60 CJK characters (180
 * bytes of UTF-8, about the longest string poppler takes for one code):
 * 1.6 MB of text a page from a few KB of PDF. Objects: 1 catalog, 2
 * page tree, 3 font, 4 its ToUnicode map, 5 the contents, 6 + i page i. */
static void wide_pdf(att_buf *b, size_t npages)
{
	size_t nobj = 6 + npages, i, xref;
	size_t *offs = calloc(nobj, sizeof *offs);
	att_buf s;

	ck_assert_ptr_nonnull(offs);
	att_buf_init(&s);
	att_buf_clear(b);
	att_buf_printf(b, "%%PDF-1.4\n");
	obj_start(b, offs, 1);
	att_buf_printf(b, "<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
	obj_start(b, offs, 2);
	att_buf_printf(b, "<< /Type /Pages /Count %zu /Kids [", npages);
	for (i = 0; i < npages; i++)
		att_buf_printf(b, "%zu 0 R ", 6 + i);
	att_buf_printf(b, "] >>\nendobj\n");
	obj_start(b, offs, 3);
	att_buf_printf(b, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica"
	               " /ToUnicode 4 0 R >>\nendobj\n");
	att_buf_printf(&s, "/CIDInit /ProcSet findresource begin 12 dict begin"
	               " begincmap /CMapName /Wide def /CMapType 2 def\n"
	               "1 begincodespacerange <00> <FF> endcodespacerange\n"
	               "1 beginbfchar <61> <");
	for (i = 0; i < 60; i++)
		att_buf_printf(&s, "%04zX", 0x4e00 + i);
	att_buf_printf(&s, "> endbfchar\nendcmap CMapName currentdict /CMap "
	               "defineresource pop end end\n");
	obj_start(b, offs, 4);
	att_buf_printf(b, "<< /Length %zu >>\nstream\n", s.n);
	att_buf_append(b, s.p, s.n);
	att_buf_printf(b, "\nendstream\nendobj\n");
	att_buf_clear(&s);
	att_buf_printf(&s, "BT /F1 1 Tf 10 780 Td 1 TL\n");
	for (i = 0; i < 100; i++)
		att_buf_printf(&s, "(aaaaaaaaa aaaaaaaaa aaaaaaaaa aaaaaaaaa aaaaaaaaa "
		               "aaaaaaaaa aaaaaaaaa aaaaaaaaa aaaaaaaaa aaaaaaaaa)"
		               " Tj T*\n");
	att_buf_printf(&s, "ET\n");
	obj_start(b, offs, 5);
	att_buf_printf(b, "<< /Length %zu >>\nstream\n", s.n);
	att_buf_append(b, s.p, s.n);
	att_buf_printf(b, "\nendstream\nendobj\n");
	for (i = 0; i < npages; i++) {
		obj_start(b, offs, 6 + i);
		att_buf_printf(b, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 "
		               "792] /Resources << /Font << /F1 3 0 R >> >> "
		               "/Contents 5 0 R >>\nendobj\n");
	}
	xref = b->n;
	att_buf_printf(b, "xref\n0 %zu\n0000000000 65535 f \n", nobj);
	for (i = 1; i < nobj; i++)
		att_buf_printf(b, "%010zu 00000 n \n", offs[i]);
	att_buf_printf(b, "trailer\n<< /Size %zu /Root 1 0 R >>\nstartxref\n"
	               "%zu\n%%%%EOF\n", nobj, xref);
	ck_assert_int_eq(b->rc, ATT_OK);
	ck_assert_int_eq(s.rc, ATT_OK);
	att_buf_release(&s);
	free(offs);
}

/* ---- the tests ---- */

START_TEST(three_pages)
{
	att_rdoc d;
	char msg[256];

	att_rdoc_init(&d);
	read_fixture(&d, "three.pdf", ATT_OK, msg, sizeof msg);
	assert_buf(&d.title, "Black Sea grain corridor");
	ck_assert_str_eq(field(&d, "date"), "2025-05-29T08:15:00Z");
	ck_assert_str_eq(field(&d, "author"), "Ayesha Khan");
	ck_assert_str_eq(field(&d, "subject"), "Shipping");
	ck_assert_str_eq(field(&d, "tags"), "[\"a\",\"b\"]");
	ck_assert_ptr_null(field(&d, "producer"));
	assert_buf(&d.text, P1 "\n\n" P2 "\n\n" P3);
	ck_assert_uint_eq(d.npages, 3);
	ck_assert_uint_eq(d.pages[0], 0);
	ck_assert_uint_eq(d.pages[1], strlen(P1 "\n\n"));
	ck_assert_uint_eq(d.pages[2], strlen(P1 "\n\n" P2 "\n\n"));
	ck_assert(memcmp(d.text.p + d.pages[1], "The corridor", 12) == 0);
	ck_assert(memcmp(d.text.p + d.pages[2], "T\xc3\xbcrkiye", 8) == 0);
	assert_page(&d, 0, P1);
	assert_page(&d, 1, P2);
	assert_page(&d, 2, P3);
	ck_assert_int_eq(d.over, 0);

	/* again into the same document, reset */
	att_rdoc_reset(&d);
	read_fixture(&d, "three.pdf", ATT_OK, msg, sizeof msg);
	assert_buf(&d.text, P1 "\n\n" P2 "\n\n" P3);
	ck_assert_uint_eq(d.npages, 3);
	att_rdoc_release(&d);
}
END_TEST

START_TEST(no_title)
{
	att_rdoc d;
	char msg[256];

	att_rdoc_init(&d);
	read_fixture(&d, "notitle.pdf", ATT_OK, msg, sizeof msg);
	ck_assert_uint_eq(d.title.n, 0);
	ck_assert_ptr_null(field(&d, "author"));
	ck_assert_ptr_null(field(&d, "subject"));
	ck_assert_str_eq(field(&d, "tags"), "[\"grain\",\"ships\",\"ports\"]");
	/* no CreationDate: the ModDate */
	ck_assert_str_eq(field(&d, "date"), "2024-01-02T03:04:05Z");
	assert_buf(&d.text, "A page without a title.");
	ck_assert_uint_eq(d.npages, 1);
	ck_assert_uint_eq(d.pages[0], 0);
	att_rdoc_release(&d);
}
END_TEST

START_TEST(damaged)
{
	att_rdoc d;
	char msg[256];

	att_rdoc_init(&d);
	read_fixture(&d, "damaged.pdf", ATT_EINPUT, msg, sizeof msg);
	ck_assert_str_eq(msg, "damaged PDF: PDF document is damaged");
	att_rdoc_release(&d);
}
END_TEST

START_TEST(encrypted)
{
	att_rdoc d;
	char msg[256];

	att_rdoc_init(&d);
	read_fixture(&d, "encrypted.pdf", ATT_EINPUT, msg, sizeof msg);
	ck_assert_str_eq(msg, "encrypted PDF: a password is needed");
	att_rdoc_release(&d);
}
END_TEST

/* Random bytes after a PDF header, and other bytes that are no PDF. */
START_TEST(not_pdf)
{
	static const struct { const char *in, *msg; } others[] = {
		{ "", "damaged PDF: PDF document is damaged" },
		{ "%PDF-", "damaged PDF: PDF document is damaged" },
		{ "%PDF-1.4\n%%EOF\n", "damaged PDF: PDF document is damaged" },
		/* a catalog without a page tree */
		{ "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root "
		  "1 0 R >>\n%%EOF\n", "damaged PDF: no pages" },
	};
	uint8_t buf[4096];
	uint32_t x = 12345;
	att_rdoc d;
	char msg[256], small[16];
	size_t i, seed;

	att_rdoc_init(&d);
	for (seed = 0; seed < 8; seed++) {
		memcpy(buf, "%PDF-1.4\n", 9);
		for (i = 9; i < sizeof buf; i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = (uint8_t)(x >> 16);
		}
		ck_assert_int_eq(att_read_pdf(&d, buf, sizeof buf, msg, sizeof msg),
		                 ATT_EINPUT);
		ck_assert_msg(strncmp(msg, "damaged PDF: ", 13) == 0, "%s", msg);
		att_rdoc_reset(&d);
	}
	for (i = 0; i < sizeof others / sizeof others[0]; i++) {
		ck_assert_int_eq(att_read_pdf(&d, (const uint8_t *)others[i].in,
		                              strlen(others[i].in), msg, sizeof msg),
		                 ATT_EINPUT);
		ck_assert_str_eq(msg, others[i].msg);
		att_rdoc_reset(&d);
	}
	/* a message cut to its buffer */
	ck_assert_int_eq(att_read_pdf(&d, buf, sizeof buf, small, sizeof small),
	                 ATT_EINPUT);
	ck_assert_str_eq(small, "damaged PDF: PD");
	att_rdoc_release(&d);
}
END_TEST

START_TEST(too_large)
{
	size_t n = ATT_RD_LIMIT + 1;
	uint8_t *p = calloc(n, 1);
	att_rdoc d;
	char msg[256];

	ck_assert_ptr_nonnull(p);
	memcpy(p, "%PDF-1.4\n", 9);
	att_rdoc_init(&d);
	ck_assert_int_eq(att_read_pdf(&d, p, n, msg, sizeof msg), ATT_ELIMIT);
	ck_assert_str_eq(msg, "PDF over the 64 MiB limit");
	free(p);
	att_rdoc_release(&d);
}
END_TEST

START_TEST(too_many_pages)
{
	att_buf b;
	att_rdoc d;
	char msg[256];

	att_buf_init(&b);
	att_rdoc_init(&d);
	mini_pdf(&b, 10001, NULL);
	ck_assert_int_eq(att_read_pdf(&d, b.p, b.n, msg, sizeof msg),
	                 ATT_ELIMIT);
	ck_assert_str_eq(msg, "PDF of 10001 pages: over the 10000 page limit");
	att_buf_release(&b);
	att_rdoc_release(&d);
}
END_TEST

/* Text past ATT_RD_TEXT_MAX: the reading stops there. */
START_TEST(too_much_text)
{
	att_buf b;
	att_rdoc d;
	char msg[256];

	att_buf_init(&b);
	att_rdoc_init(&d);
	wide_pdf(&b, 1);   /* first, that the map works: one page's worth */
	ck_assert_int_eq(att_read_pdf(&d, b.p, b.n, msg, sizeof msg), ATT_OK);
	/* 100 lines of 10 words of 9 glyphs, 180 bytes each */
	ck_assert_uint_eq(d.text.n, 100 * (90 * 180 + 9) + 99);
	ck_assert(memcmp(d.text.p, "\xe4\xb8\x80\xe4\xb8\x81", 6) == 0);
	att_rdoc_reset(&d);
	wide_pdf(&b, 45);
	ck_assert_uint_lt(b.n, (size_t)32768);
	ck_assert_int_eq(att_read_pdf(&d, b.p, b.n, msg, sizeof msg),
	                 ATT_ELIMIT);
	ck_assert_str_eq(msg, "PDF text over the 64 MiB limit");
	ck_assert_int_eq(d.over, 1);
	ck_assert_uint_le(d.text.n, ATT_RD_TEXT_MAX);
	ck_assert_uint_lt(d.npages, 45);
	att_buf_release(&b);
	att_rdoc_release(&d);
}
END_TEST

/* Pages without text: at the start, between and at the end. */
START_TEST(empty_pages)
{
	static const char *const texts[] = {
		NULL, "First words.", NULL, NULL, "Last words", NULL,
	};
	att_buf b;
	att_rdoc d;
	char msg[256];

	att_buf_init(&b);
	att_rdoc_init(&d);
	mini_pdf(&b, 6, texts);
	ck_assert_int_eq(att_read_pdf(&d, b.p, b.n, msg, sizeof msg), ATT_OK);
	assert_buf(&d.text, "First words.\n\nLast words");
	ck_assert_uint_eq(d.title.n, 0);
	ck_assert_uint_eq(d.nfields, 0);
	ck_assert_uint_eq(d.npages, 6);
	ck_assert_uint_eq(d.pages[0], 0);
	ck_assert_uint_eq(d.pages[1], 0);
	ck_assert_uint_eq(d.pages[2], 14);
	ck_assert_uint_eq(d.pages[3], 14);
	ck_assert_uint_eq(d.pages[4], 14);
	ck_assert_uint_eq(d.pages[5], 24);

	/* only empty pages: no text */
	att_rdoc_reset(&d);
	mini_pdf(&b, 2, NULL);
	ck_assert_int_eq(att_read_pdf(&d, b.p, b.n, msg, sizeof msg), ATT_OK);
	ck_assert_uint_eq(d.text.n, 0);
	ck_assert_uint_eq(d.npages, 2);
	ck_assert_uint_eq(d.pages[1], 0);
	att_buf_release(&b);
	att_rdoc_release(&d);
}
END_TEST

/* The line rules on evenly spaced lines (no gap is a paragraph). */
START_TEST(line_rules)
{
	static const char *const texts[] = {
		("A well-\nknown cross-\nBorder line ends -\nhere, and 1914-\n"
		 "1918."),
	};
	att_buf b;
	att_rdoc d;
	char msg[256];

	att_buf_init(&b);
	att_rdoc_init(&d);
	mini_pdf(&b, 1, texts);
	ck_assert_int_eq(att_read_pdf(&d, b.p, b.n, msg, sizeof msg), ATT_OK);
	assert_buf(&d.text,
	           "A wellknown cross- Border line ends - here, and 1914- 1918.");
	att_buf_release(&b);
	att_rdoc_release(&d);
}
END_TEST

#ifdef ATT_ALLOC_TESTING
/* Each allocation of ours fails in turn: ATT_ENOMEM every time, then the
 * same document as without failures. */
START_TEST(alloc_failures)
{
	size_t n;
	uint8_t *p = fixture("three.pdf", &n);
	att_rdoc d;
	char msg[256];
	att_status st;
	long k;

	for (k = 0;; k++) {
		att_rdoc_init(&d);
		att_alloc_fail_after(k);
		st = att_read_pdf(&d, p, n, msg, sizeof msg);
		att_alloc_fail_after(-1);
		if (st == ATT_OK)
			break;
		ck_assert_int_eq(st, ATT_ENOMEM);
		ck_assert_str_eq(msg, "out of memory");
		att_rdoc_release(&d);
	}
	ck_assert_int_gt(k, 0);
	assert_buf(&d.text, P1 "\n\n" P2 "\n\n" P3);
	ck_assert_str_eq(field(&d, "tags"), "[\"a\",\"b\"]");
	att_rdoc_release(&d);
	free(p);
}
END_TEST
#endif

static Suite *read_pdf_suite(void)
{
	Suite *s = suite_create("read_pdf");
	TCase *tc = tcase_create("read_pdf");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, three_pages);
	tcase_add_test(tc, no_title);
	tcase_add_test(tc, damaged);
	tcase_add_test(tc, encrypted);
	tcase_add_test(tc, not_pdf);
	tcase_add_test(tc, too_large);
	tcase_add_test(tc, too_many_pages);
	tcase_add_test(tc, too_much_text);
	tcase_add_test(tc, empty_pages);
	tcase_add_test(tc, line_rules);
#ifdef ATT_ALLOC_TESTING
	tcase_add_test(tc, alloc_failures);
#endif
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(read_pdf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
