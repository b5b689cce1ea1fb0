/*
 * pdf.c: the PDF reader, through poppler-glib (GPL-2.0-or-later, which is
 * why this file is built into a module of its own that the library
 * dlopens when it meets a PDF; att_read_pdf is its one external name).
 *
 * What is extracted:
 *   - the text of every page, in poppler's reading order (the text a
 *     selection of the whole page gives), page by page: att_rdoc_page
 *     before each, so d->pages[i] is the offset of page i + 1's first
 *     byte of text (a page without text starts where the next one does);
 *   - from the document information dictionary: the title (white space
 *     folded to single spaces, trimmed; empty if none), "author",
 *     "subject", "tags" (the keywords, split on commas and semicolons,
 *     one value each: two or more make a list) and "date" (the creation
 *     date, else the modification date, as UTC).
 *
 * How lines become sentences. Poppler ends each line with "\n". Within a
 * page:
 *   - a line ending with a hyphen (U+002D, U+2010 or a soft hyphen U+00AD)
 *     right after a letter, followed by a line starting with a lowercase
 *     letter, is rejoined without the hyphen: "inter-\nnational" becomes
 *     "international" (so "well-\nknown" becomes "wellknown": the rule
 *     cannot tell a broken word from a compound one); with any other next
 *     line the hyphen stays and a space follows it;
 *   - any other line end is a space;
 *   - an empty line, a form feed, or a vertical gap that looks like the
 *     space between paragraphs ends the paragraph (att_rdoc_para). The gap
 *     is measured from poppler's glyph boxes (poppler_page_get_text_layout,
 *     one box per character of the page's text): between two lines it is
 *     the space from the first's lowest box to the second's highest; it
 *     breaks the paragraph when it is over half the taller line's height
 *     and over twice the page's usual gap (the lower median of its gaps).
 *     Double-spaced text thus stays one paragraph, and a page with a
 *     single gap never breaks there. Pages of more than LAYOUT_MAX bytes
 *     of text, or whose boxes do not match their characters one for one,
 *     are not measured;
 *   - a page ends a paragraph; words are not rejoined across pages.
 * Control characters (C0, DEL, C1) become spaces, and text that is not
 * valid UTF-8 has each bad sequence replaced by U+FFFD (poppler's output
 * should be valid; it is checked all the same).
 *
 * What is dropped: images (no OCR: a scanned PDF has no text), the
 * layout (columns, tables and headers come out as lines in poppler's
 * order, running headers and page numbers included), fonts and styles,
 * annotations and form fields, outlines, page labels, links, embedded
 * files, XMP metadata (only the Info dictionary is read) and the Info
 * entries other than those above (Creator, Producer, Trapped, ...).
 *
 * Errors and limits. The input is read from memory (a GBytes that does
 * not copy it). An input over ATT_RD_LIMIT bytes, a document of more
 * than PDF_MAX_PAGES pages (refused before any page is read) and text
 * over ATT_RD_TEXT_MAX bytes are ATT_ELIMIT; an encrypted document that
 * needs a password, a damaged one (poppler's message given) and one of
 * no pages are ATT_EINPUT.
 *
 * Standard error. Poppler reports what it finds wrong in a file (the
 * "Syntax Error" lines) through its glib log domain "Poppler" at
 * G_LOG_LEVEL_INFO, which glib's default handler drops unless
 * G_MESSAGES_DEBUG names the domain; but poppler-glib's date parser
 * g_warning()s on a bad time zone ("unexpected tz val"), which a hostile
 * Info dictionary makes it print for every file. So on its first call
 * att_read_pdf installs, once for the process (g_once), a handler for
 * the "Poppler" domain that drops warnings and messages and hands every
 * other level to glib's default handler (criticals and errors still
 * show). That handler and its once flag are this file's only global
 * state; the module must stay loaded once used (it must not be
 * dlclose()d: neither may poppler-glib, whose GObject types stay
 * registered).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <poppler.h>

#include "readers.h"

#define PDF_MAX_PAGES 10000                /* most pages read */
#define LAYOUT_MAX ((size_t)256 << 10)      /* most text of a measured page */

/* The vertical extent of one line's glyph boxes. */
typedef struct line_box {
	double top, bottom;
	int has;
} line_box;

/* A hyphen held back at the end of the last line written: it is
 * dropped if the next line continues the word. */
typedef struct hyphen {
	const char *p;
	size_t n;           /* 0: none */
} hyphen;

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/* The length of a control character at S[0..N) (C0, DEL, or C1 as
 * UTF-8), 0 if there is none. */
static size_t control_len(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];

	if (c < 0x20 || c == 0x7f)
		return 1;
	if (c == 0xc2 && n >= 2 && (unsigned char)s[1] >= 0x80 &&
	    (unsigned char)s[1] <= 0x9f)
		return 2;
	return 0;
}

/* att_rdoc_text of S[0..N) with each control character as a space. */
static void put_clean(att_rdoc *d, const char *s, size_t n)
{
	size_t i = 0, start = 0, k;

	while (i < n) {
		k = control_len(s + i, n - i);
		if (k == 0) {
			i++;
			continue;
		}
		att_rdoc_text(d, s + start, i - start);
		att_rdoc_text(d, " ", 1);
		i += k;
		start = i;
	}
	att_rdoc_text(d, s + start, n - start);
}

/* Writes a held hyphen as it was, followed by a space. */
static void flush_hyphen(att_rdoc *d, hyphen *hy)
{
	if (hy->n > 0) {
		att_rdoc_text(d, hy->p, hy->n);
		att_rdoc_text(d, " ", 1);
	}
	hy->n = 0;
}

static void para_break(att_rdoc *d, hyphen *hy)
{
	flush_hyphen(d, hy);
	att_rdoc_para(d);
}

/* The length of the hyphen that ends S[0..N) right after a letter, 0 if
 * there is none. S is valid UTF-8. */
static size_t end_hyphen(const char *s, size_t n)
{
	const char *last, *prev;
	gunichar c;

	last = g_utf8_find_prev_char(s, s + n);
	if (last == NULL || last == s)
		return 0;
	c = g_utf8_get_char(last);
	if (c != '-' && c != 0x2010 && c != 0xad)
		return 0;
	prev = g_utf8_find_prev_char(s, last);
	if (prev == NULL || !g_unichar_isalpha(g_utf8_get_char(prev)))
		return 0;
	return (size_t)(s + n - last);
}

/* Writes one line S[0..N) of valid UTF-8: see "How lines become
 * sentences" above. */
static void put_line(att_rdoc *d, const char *s, size_t n, hyphen *hy)
{
	size_t k;

	while (n > 0 && is_ws((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_ws((unsigned char)s[n - 1]))
		n--;
	if (n == 0) {
		para_break(d, hy);
		return;
	}
	if (hy->n > 0 && g_unichar_islower(g_utf8_get_char(s))) {
		hy->n = 0;   /* the word goes on: the hyphen is dropped */
	} else {
		flush_hyphen(d, hy);
		att_rdoc_text(d, " ", 1);   /* a space, unless a paragraph ended */
	}
	k = end_hyphen(s, n);
	put_clean(d, s, n - k);
	if (k > 0) {
		hy->p = s + n - k;
		hy->n = k;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Fills BOX[0..NLINES) with the extent of each line of T[0..LEN) from
 * the N glyph boxes R, one a character. */
static void fill_boxes(line_box *box, size_t nlines, const char *t,
                       size_t len, const PopplerRectangle *r)
{
	const char *s, *end = t + len;
	size_t li = 0, k = 0;

	for (s = t; s < end; s = g_utf8_next_char(s), k++) {
		double y1 = fmin(r[k].y1, r[k].y2), y2 = fmax(r[k].y1, r[k].y2);

		if (*s == '\n') {
			if (li + 1 < nlines)
				li++;
			continue;
		}
		if (!isfinite(y1) || !isfinite(y2) || y2 <= y1)
			continue;
		if (!box[li].has || y1 < box[li].top)
			box[li].top = y1;
		if (!box[li].has || y2 > box[li].bottom)
			box[li].bottom = y2;
		box[li].has = 1;
	}
}

/* Sets BRK[i] for each line i of T[0..LEN) (valid UTF-8, NLINES lines)
 * that a paragraph gap parts from line i - 1 (see above). Lines not
 * measured stay 0. ATT_OK or ATT_ENOMEM. */
static att_status find_gaps(uint8_t *brk, PopplerPage *page, const char *t,
                            size_t len, size_t nlines)
{
	PopplerRectangle *r = NULL;
	guint nr = 0;
	line_box *box = NULL;
	double *gaps = NULL, normal;
	size_t li, ng = 0;
	att_status st = ATT_OK;

	if (len > LAYOUT_MAX || nlines < 3 ||
	    !poppler_page_get_text_layout(page, &r, &nr))
		return ATT_OK;
	if ((glong)nr != g_utf8_strlen(t, (gssize)len))
		goto done;   /* not one box a character: not measured */
	box = att_calloc(nlines, sizeof *box);
	gaps = att_malloc(nlines * sizeof *gaps);
	if (box == NULL || gaps == NULL) {
		st = ATT_ENOMEM;
		goto done;
	}
	fill_boxes(box, nlines, t, len, r);
	for (li = 1; li < nlines; li++)
		if (box[li - 1].has && box[li].has &&
		    box[li].top >= box[li - 1].bottom)
			gaps[ng++] = box[li].top - box[li - 1].bottom;
	if (ng < 2)
		goto done;
	qsort(gaps, ng, sizeof *gaps, cmp_double);
	normal = gaps[(ng - 1) / 2];
	for (li = 1; li < nlines; li++) {
		double h, gap;

		if (!box[li - 1].has || !box[li].has)
			continue;
		h = fmax(box[li - 1].bottom - box[li - 1].top,
		         box[li].bottom - box[li].top);
		gap = box[li].top - box[li - 1].bottom;
		if (gap > h / 2 && gap > 2 * normal)
			brk[li] = 1;
	}
done:
	att_free(gaps);
	att_free(box);
	g_free(r);
	return st;
}

/* Writes the text T[0..LEN) of PAGE (valid UTF-8 if VALID, when its
 * gaps are measured). ATT_OK or ATT_ENOMEM. */
static att_status put_text(att_rdoc *d, PopplerPage *page, const char *t,
                           size_t len, int valid)
{
	const char *s = t, *e, *end = t + len;
	size_t nlines = 1, li = 0;
	uint8_t *brk;
	hyphen hy = { NULL, 0 };
	att_status st = ATT_OK;

	for (e = t; e < end; e++)
		nlines += *e == '\n';
	brk = att_calloc(nlines, 1);
	if (brk == NULL)
		return ATT_ENOMEM;
	if (valid)
		st = find_gaps(brk, page, t, len, nlines);
	for (; st == ATT_OK; s = e + 1) {
		for (e = s; e < end && *e != '\n' && *e != '\f'; e++)
			;
		put_line(d, s, (size_t)(e - s), &hy);
		if (e == end)
			break;
		if (*e == '\f' || brk[++li])
			para_break(d, &hy);
	}
	flush_hyphen(d, &hy);
	att_free(brk);
	return st;
}

/* Writes the text of PAGE. ATT_OK or ATT_ENOMEM. */
static att_status put_page(att_rdoc *d, PopplerPage *page)
{
	char *t = poppler_page_get_text(page), *fixed = NULL;
	size_t len;
	int valid;
	att_status st;

	if (t == NULL)
		return ATT_OK;
	len = strlen(t);
	valid = g_utf8_validate_len(t, len, NULL);
	if (!valid)
		fixed = g_utf8_make_valid(t, (gssize)len);
	st = fixed != NULL ? put_text(d, page, fixed, strlen(fixed), 0)
	                   : put_text(d, page, t, len, valid);
	g_free(fixed);
	g_free(t);
	return st;
}

/* att_rdoc_page marks a page at the text's end and leaves the "\n\n"
 * that parts it from the text before to come with its first word: the
 * mark is then on the separator. Each is moved past it, so that
 * d->pages[i] is the page's first byte of text (no page's text starts
 * with a line break of its own: att_rdoc_text writes words). */
static void end_pages(att_rdoc *d)
{
	size_t i;

	for (i = 0; i < d->npages; i++)
		if (d->pages[i] + (size_t)2 <= d->text.n &&
		    memcmp(d->text.p + d->pages[i], "\n\n", 2) == 0)
			d->pages[i] += 2;
}

/* Puts S (from poppler, NUL-terminated, may be NULL) into B as one line:
 * valid UTF-8, runs of white space and control characters as one space,
 * trimmed. */
static void put_one_line(att_buf *b, const char *s)
{
	char *fixed = NULL;
	size_t i, n, k;
	int space = 0;

	att_buf_clear(b);
	if (s == NULL)
		return;
	n = strlen(s);
	if (!g_utf8_validate_len(s, n, NULL)) {
		s = fixed = g_utf8_make_valid(s, (gssize)n);
		n = strlen(s);
	}
	for (i = 0; i < n;) {
		k = control_len(s + i, n - i);
		if (k > 0 || s[i] == ' ') {
			space = 1;
			i += k > 0 ? k : 1;
			continue;
		}
		if (space && b->n > 0)
			att_buf_putc(b, ' ');
		space = 0;
		att_buf_putc(b, (uint8_t)s[i++]);
	}
	g_free(fixed);
}

/* Sets field NAME from the Info entry S (g_free'd here), split on
 * commas and semicolons if SPLIT. ATT_OK or ATT_ENOMEM. */
static att_status put_info(att_rdoc *d, att_buf *b, const char *name,
                           char *s, int split)
{
	att_status st = ATT_OK;
	size_t i, start = 0;

	put_one_line(b, s);
	g_free(s);
	if (b->rc != ATT_OK || b->n == 0)
		return b->rc;
	for (i = 0; i <= b->n && st == ATT_OK; i++)
		if (i == b->n || (split && (b->p[i] == ',' || b->p[i] == ';'))) {
			st = att_rdoc_field(d, name, (const char *)b->p + start,
			                    i - start);
			start = i + 1;
		}
	return st;
}

/* Sets the date from DT (unref'd here; NULL: none). */
static att_status put_date(att_rdoc *d, GDateTime *dt)
{
	att_status st;

	if (dt == NULL)
		return ATT_OK;
	st = att_rdoc_date_unix(d, (int64_t)g_date_time_to_unix(dt));
	g_date_time_unref(dt);
	return st;
}

/* The title, fields and date from the document information. */
static att_status put_meta(att_rdoc *d, PopplerDocument *doc)
{
	att_buf b;
	char *title = poppler_document_get_title(doc);
	att_status st;

	put_one_line(&d->title, title);
	g_free(title);
	att_buf_init(&b);
	st = put_info(d, &b, "author", poppler_document_get_author(doc), 0);
	if (st == ATT_OK)
		st = put_info(d, &b, "subject", poppler_document_get_subject(doc),
		              0);
	if (st == ATT_OK)
		st = put_info(d, &b, "tags", poppler_document_get_keywords(doc), 1);
	if (st == ATT_OK)
		st = put_date(d, poppler_document_get_creation_date_time(doc));
	if (st == ATT_OK)
		st = put_date(d,
		              poppler_document_get_modification_date_time(doc));
	att_buf_release(&b);
	return st != ATT_OK ? st : d->title.rc;
}

/* The "Poppler" domain's log handler: warnings and messages dropped,
 * the rest to glib's default handler. */
static void drop_warnings(const gchar *domain, GLogLevelFlags level,
                          const gchar *message, gpointer data)
{
	if ((level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE)) == 0)
		g_log_default_handler(domain, level, message, data);
}

/* Installs drop_warnings for the "Poppler" domain, once a process. */
static void quiet_poppler(void)
{
	static gsize once;

	if (g_once_init_enter(&once)) {
		g_log_set_handler("Poppler", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL |
		                  G_LOG_FLAG_RECURSION, drop_warnings, NULL);
		g_once_init_leave(&once, 1);
	}
}

/* Opens [P, P + N) into *DOC, with the message of a failure in MSG. */
static att_status open_doc(PopplerDocument **doc, const uint8_t *p, size_t n,
                           char *msg, size_t cap)
{
	GBytes *bytes = g_bytes_new_static(p, n);
	GError *err = NULL;

	*doc = poppler_document_new_from_bytes(bytes, NULL, &err);
	g_bytes_unref(bytes);
	if (*doc != NULL)
		return ATT_OK;
	if (err != NULL && g_error_matches(err, POPPLER_ERROR,
	                                   POPPLER_ERROR_ENCRYPTED))
		snprintf(msg, cap, "encrypted PDF: a password is needed");
	else
		snprintf(msg, cap, "damaged PDF: %s",
		         err != NULL && err->message != NULL ? err->message
		                                             : "unreadable");
	g_clear_error(&err);
	return ATT_EINPUT;
}

/* Reads [P, P + N), a PDF, into D: see the top of this file. ATT_OK;
 * ATT_EINPUT (encrypted, damaged, no pages), ATT_ELIMIT (input, pages
 * or text over their limits), ATT_ENOMEM; the message in MSG. */
att_status att_read_pdf(att_rdoc *d, const uint8_t *p, size_t n, char *msg,
                        size_t cap)
{
	PopplerDocument *doc = NULL;
	att_status st;
	int npages, i;

	if (n > ATT_RD_LIMIT) {
		snprintf(msg, cap, "PDF over the %zu MiB limit",
		         ATT_RD_LIMIT >> 20);
		return ATT_ELIMIT;
	}
	quiet_poppler();
	if ((st = open_doc(&doc, p, n, msg, cap)) != ATT_OK)
		return st;
	npages = poppler_document_get_n_pages(doc);
	if (npages <= 0) {
		snprintf(msg, cap, "damaged PDF: no pages");
		st = ATT_EINPUT;
		goto done;
	}
	if (npages > PDF_MAX_PAGES) {
		snprintf(msg, cap, "PDF of %d pages: over the %d page limit",
		         npages, PDF_MAX_PAGES);
		st = ATT_ELIMIT;
		goto done;
	}
	if ((st = put_meta(d, doc)) != ATT_OK)
		goto done;
	for (i = 0; i < npages && !d->over && st == ATT_OK; i++) {
		PopplerPage *page;

		if ((st = att_rdoc_page(d)) != ATT_OK)
			break;
		page = poppler_document_get_page(doc, i);
		if (page == NULL)
			continue;
		st = put_page(d, page);
		g_object_unref(page);
	}
	end_pages(d);
	if (st == ATT_OK)
		st = d->text.rc != ATT_OK ? d->text.rc : d->arena.rc;
	if (st == ATT_OK && d->over) {
		snprintf(msg, cap, "PDF text over the %zu MiB limit",
		         ATT_RD_TEXT_MAX >> 20);
		st = ATT_ELIMIT;
	}
done:
	if (st == ATT_ENOMEM)
		snprintf(msg, cap, "out of memory");
	g_object_unref(doc);
	return st;
}
