/*
 * mail.c: the e-mail reader, one message (.eml) through GMime 3
 * (LGPL-2.1-or-later, which pulls glib and some twenty libraries: this
 * file is built into the module attache-mail.so that the library
 * dlopens when it meets mail), and the splitting of an mbox into its
 * messages, in plain C. att_read_mail and att_mbox_next are its only
 * external names. The one global state is GMime's own, set up once by
 * g_mime_init under pthread_once and never shut down (the module stays
 * loaded for the process's life).
 *
 * What is extracted from a message:
 *   - the title: the Subject, RFC 2047 encoded words decoded (raw 8-bit
 *     bytes read as UTF-8, else windows-1252, else ISO-8859-1), white
 *     space folded to single spaces, trimmed, cut at MAIL_LINE_MAX bytes
 *     (at a character); if there is none and the body is HTML, the
 *     HTML's title;
 *   - "date": the Date header as UTC (att_rdoc_date_unix); none if it is
 *     absent or GMime cannot read it;
 *   - "from", "to", "cc": each address's addr-spec ("alice@example.org",
 *     display names dropped), one att_rdoc_field call each, so that two
 *     or more make a list; the members of a group ("team: a@x, b@y;");
 *     at most MAIL_ADDRS a header. Field values have their control
 *     characters as spaces and are cut at MAIL_LINE_MAX bytes;
 *   - "attachment": the file name of each part marked as an attachment,
 *     or of any part other than text/plain and text/html that carries a
 *     file name (an inline image), at most MAIL_NAMES; the attachments'
 *     contents are never read;
 *   - the body: the first text/plain part, in the order the message
 *     holds them (depth first), that is not marked as an attachment; if
 *     there is none, the first such text/html part, through att_read_html
 *     (its text, paragraphs kept). So a multipart/alternative gives its
 *     plain text, and of a multipart/mixed the first text (a mailing
 *     list's footer, sent as a part of its own, is left out). Plain text
 *     keeps its lines' words, quoted lines ("> ...") included: a line end
 *     is a space, and an empty line, or one of only quote marks ">" and
 *     white space, ends the paragraph;
 *   - forwarded messages (message/rfc822 parts, inline or attached, a
 *     digest's items): after the body, each one's Subject and body, as
 *     paragraphs, chosen by the same rules (its attachments' names go to
 *     "attachment" too), in the order they are met, at most
 *     MAIL_FORWARDS; their own From, To, Cc and Date are not fields.
 *
 * Charsets. A part's text is decoded from its transfer encoding
 * (quoted-printable, base64) and converted to UTF-8 from its charset by
 * GMime's converter, which drops bytes that are invalid in that charset.
 * A part labelled UTF-8 is not converted: GMime's converter would drop
 * its invalid bytes silently ("caf\xe9" labelled UTF-8 would become
 * "caf"); here each invalid byte becomes U+FFFD instead. A part with no
 * charset, labelled US-ASCII, or labelled with a charset GMime does not
 * know (its text would come through unconverted) is kept as it is if it
 * is valid UTF-8, and otherwise read as windows-1252, else ISO-8859-1
 * (g_mime_utils_decode_8bit: every byte is then some character). Control
 * characters (C0 other than tab and line ends, DEL, C1) become spaces.
 * An HTML body of a known charset goes to the HTML reader as UTF-8 with
 * a byte-order mark, so that a <meta charset> in it does not override
 * the MIME label; one without a usable label goes as it is, for the HTML
 * reader to sniff. So the text, title and fields are always valid UTF-8.
 *
 * What is dropped: every header but those above (Reply-To, Message-ID,
 * References, Received, ...); display names; the other alternatives of
 * a multipart/alternative; text parts after the first (and text/html
 * when there is text/plain); text/enriched, text/calendar and other text
 * types; the contents of attachments; signatures and encrypted parts
 * (multipart/signed gives its signed text, multipart/encrypted nothing);
 * a multipart's preamble and epilogue; format=flowed's soft breaks are
 * spaces like any line end.
 *
 * Limits and errors. An input over ATT_RD_LIMIT bytes, and text over
 * ATT_RD_TEXT_MAX bytes, are ATT_ELIMIT. Bytes that GMime does not read
 * as a message, or a message without a single header, are ATT_EINPUT
 * "not an e-mail message". An HTML body the HTML reader refuses gives no
 * text (the message is still read). Multiparts and forwarded messages
 * are walked with an explicit stack, MAIL_DEPTH levels deep (multipart
 * and message levels counted alike): deeper parts are ignored. GMime
 * itself bounds its parser's recursion (3.2.13: 1024 multipart levels,
 * 512 message levels), but not what it builds: some 6 KB of objects for
 * each MIME part, 100 bytes for each header field, 300 for each address,
 * so that 64 MiB of nothing but parts or addresses would take 5 to 10 GB
 * and minutes. GMime is therefore given the message only up to the line
 * that would make the MAIL_DELIMS + 1st line starting "--" (a part's
 * delimiter, or not), the MAIL_FIELDS + 1st header field, or the
 * MAIL_ADDRS_ALL + 1st "," or "@" in header fields (gmime_share tells
 * header blocks from bodies by their shape); the rest is not read, and
 * a message whose first line is already too much is ATT_ELIMIT. No real
 * message comes near these. GMime allocates through glib, which aborts
 * on out of memory: ATT_ENOMEM comes only from attache's own buffers.
 *
 * The mbox. A separator is a line starting "From " at the start of the
 * file or after an empty line ("\n" or "\r\n"); anything else, ">From "
 * lines and a "From " line inside a paragraph included, is left to the
 * message. A message is the bytes after its separator line up to the
 * next separator, less the one empty line before it (the mbox's, not the
 * message's; likewise an empty last line at the end of the file). Bytes
 * before the first separator are a message of their own (line 1) unless
 * they are only white space. A message's line is counted from the start
 * of the file at each call (the interface keeps no count between calls),
 * so a call costs the bytes before its message: see att_mbox_next.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <gmime/gmime.h>

#include "readers.h"

#define MAIL_DEPTH 32       /* multipart and message levels walked */
#define MAIL_FORWARDS 16    /* forwarded messages read */
#define MAIL_ADDRS 100      /* addresses kept of one header */
#define MAIL_NAMES 100      /* attachment names kept */
#define MAIL_LINE_MAX ((size_t)64 << 10)  /* longest title or field value */
#define MAIL_DELIMS 10000   /* "--" lines (MIME parts) given to GMime */
#define MAIL_FIELDS 100000  /* header fields given to GMime */
#define MAIL_ADDRS_ALL 100000  /* "," and "@" in headers given to GMime */

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void gmime_start(void)
{
	g_mime_init();
}

/* What one att_read_mail call carries while it walks a message. */
typedef struct mail {
	att_rdoc *d;
	GMimeParserOptions *opts;
	att_rdoc html;           /* scratch for an HTML body */
	int html_used;           /* html was initialised */
	GMimeMessage *fwd[MAIL_FORWARDS];  /* forwarded messages met */
	int fwd_depth[MAIL_FORWARDS];      /* the level of each one's body */
	size_t nfwd;
	size_t nnames;           /* attachment names given */
	att_status st;           /* sticky: ATT_ENOMEM from a field */
} mail;

/* One multipart being walked: its next child to visit. */
typedef struct frame {
	GMimeMultipart *mp;
	int next, count;
} frame;

static att_status fail(char *msg, size_t cap, att_status st, const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));

static att_status fail(char *msg, size_t cap, att_status st, const char *fmt,
                       ...)
{
	va_list ap;

	if (msg != NULL && cap > 0) {
		va_start(ap, fmt);
		vsnprintf(msg, cap, fmt, ap);
		va_end(ap);
	}
	return st;
}

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/* ---- text --------------------------------------------------------------- */

/* S[0..*N), g_malloc'd, as valid UTF-8: S itself, or (S freed) a copy
 * with each invalid byte as U+FFFD. */
static char *valid_copy(char *s, size_t *n)
{
	char *t;

	if (g_utf8_validate(s, (gssize)*n, NULL))
		return s;
	t = g_utf8_make_valid(s, (gssize)*n);
	g_free(s);
	*n = strlen(t);
	return t;
}

/* Turns the control characters of the UTF-8 S[0..N) into spaces in
 * place (C0 but tab and line ends, DEL, and C1's two bytes). */
static void blank_controls(char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
			s[i] = ' ';
		else if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
		         (unsigned char)s[i + 1] <= 0x9f)
			s[i] = s[i + 1] = ' ', i++;
	}
}

/* A line of only white space and quote marks: a paragraph's end. */
static int blank_line(const char *s, size_t n, int quotes)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_ws((unsigned char)s[i]) && !(quotes && s[i] == '>'))
			return 0;
	return 1;
}

/* Appends S[0..N) line by line: an empty line (with QUOTES, one of
 * only quote marks too) ends the paragraph, any other is text. */
static void put_lines(att_rdoc *d, const char *s, size_t n, int quotes)
{
	size_t i = 0;

	while (i < n && !d->over) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t e = nl != NULL ? (size_t)(nl - s) + 1 : n;

		if (blank_line(s + i, e - i, quotes))
			att_rdoc_para(d);
		else
			att_rdoc_text(d, s + i, e - i);
		i = e;
	}
}

/* The length of UTF-8 S[0..N) cut to at most MAX bytes, at a character. */
static size_t utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* Sets the title to the header text S (UTF-8 from GMime, checked all
 * the same): white space folded, trimmed, controls as spaces, at most
 * MAIL_LINE_MAX bytes of S. */
static void put_title(att_rdoc *d, const char *s, size_t n)
{
	char *own = valid_copy(g_strndup(s, n), &n);
	size_t i;
	int gap = 0;

	s = own;
	n = utf8_cut(s, n, MAIL_LINE_MAX);
	att_buf_clear(&d->title);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_ws(c) || c < 0x20 || c == 0x7f || (c == 0xc2 && i + 1 < n &&
		    (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9f)) {
			if (c == 0xc2)
				i++;
			gap = d->title.n > 0;
			continue;
		}
		if (gap)
			att_buf_putc(&d->title, ' ');
		gap = 0;
		att_buf_putc(&d->title, c);
	}
	g_free(own);
}

/* ---- parts -------------------------------------------------------------- */

/* What the charset label CS asks of a part's bytes: 1 to keep them as
 * UTF-8, 0 to convert them with GMime's converter (*F, to unref) or, if
 * that is NULL (US-ASCII, a charset GMime does not know), to leave them
 * to the fallbacks. */
static int utf8_label(const char *cs, GMimeFilter **f)
{
	const char *c = cs != NULL ? g_mime_charset_canon_name(cs) : NULL;

	*f = NULL;
	if (c == NULL || g_ascii_strcasecmp(c, "us-ascii") == 0 ||
	    g_ascii_strcasecmp(c, "ascii") == 0)
		return 0;
	if (g_ascii_strcasecmp(c, "utf-8") == 0)
		return 1;
	*f = g_mime_filter_charset_new(cs, "UTF-8");
	return 0;
}

/* The decoded bytes of PART (quoted-printable, base64), converted to
 * UTF-8 from its charset where GMime knows it, NUL-terminated, in a
 * g_malloc'd string of *N bytes; NULL if the part has no content. *UTF8
 * is 1 if they are meant to be UTF-8 (labelled so, or converted); with
 * BOM they then start with a UTF-8 byte-order mark. */
static char *part_bytes(GMimePart *part, int bom, size_t *n, int *utf8)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *mem, *fs;
	GMimeFilter *f;
	GByteArray *a;

	if (w == NULL)
		return NULL;
	*utf8 = utf8_label(g_mime_object_get_content_type_parameter(
	                       (GMimeObject *)part, "charset"), &f);
	mem = g_mime_stream_mem_new();
	fs = g_mime_stream_filter_new(mem);
	if (f != NULL) {
		g_mime_stream_filter_add((GMimeStreamFilter *)fs, f);
		g_object_unref(f);
		*utf8 = 1;
	}
	if (bom && *utf8)
		g_mime_stream_write(mem, "\xef\xbb\xbf", 3);
	g_mime_data_wrapper_write_to_stream(w, fs);
	g_mime_stream_flush(fs);
	g_object_unref(fs);
	a = g_mime_stream_mem_get_byte_array((GMimeStreamMem *)mem);
	g_mime_stream_mem_set_owner((GMimeStreamMem *)mem, FALSE);
	g_object_unref(mem);
	*n = a->len;
	g_byte_array_append(a, (const guint8 *)"", 1);
	return (char *)g_byte_array_free(a, FALSE);
}

/* S[0..*N), g_malloc'd, as valid UTF-8 (S itself or, S freed, a new
 * string): each invalid byte as U+FFFD if UTF8, else the whole read in
 * the fallback charsets. */
static char *make_valid(mail *m, char *s, size_t *n, int utf8)
{
	char *t;

	if (utf8 || g_utf8_validate(s, (gssize)*n, NULL))
		return valid_copy(s, n);
	if ((t = g_mime_utils_decode_8bit(m->opts, s, *n)) == NULL)
		t = g_strdup("");
	g_free(s);
	*n = strlen(t);
	return valid_copy(t, n);
}

/* PART's text as valid UTF-8 (the essay's "Charsets"), controls as
 * spaces, in a g_malloc'd string of *N bytes; NULL if it has none. */
static char *part_text(mail *m, GMimePart *part, size_t *n)
{
	char *s;
	size_t i;
	int utf8;

	if ((s = part_bytes(part, 0, n, &utf8)) == NULL)
		return NULL;
	for (i = 0; i < *n; i++)   /* a NUL is no text, and would cut it */
		if (s[i] == 0)
			s[i] = ' ';
	s = make_valid(m, s, n, utf8);
	blank_controls(s, *n);
	return s;
}

static int is_type(GMimeObject *o, const char *type, const char *sub)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);

	return ct != NULL && g_mime_content_type_is_type(ct, type, sub);
}

/* Sets field NAME to the header text S: valid UTF-8, every control
 * character a space (line ends and tabs too: a field is one line, and
 * att_rdoc_field's list writer reserves room for two bytes a byte, not
 * for a control character's six of "\u00XX"), runs of spaces one, at
 * most MAIL_LINE_MAX bytes. */
static att_status put_field(att_rdoc *d, const char *name, const char *s)
{
	size_t n = strlen(s), i, k = 0;
	char *t = valid_copy(g_strndup(s, n), &n);
	att_status st;

	blank_controls(t, n);
	for (i = 0; i < n; i++) {
		char c = is_ws((unsigned char)t[i]) ? ' ' : t[i];

		if (c != ' ' || k == 0 || t[k - 1] != ' ')
			t[k++] = c;
	}
	st = att_rdoc_field(d, name, t, utf8_cut(t, k, MAIL_LINE_MAX));
	g_free(t);
	return st;
}

static void put_name(mail *m, const char *name)
{
	att_status st;

	/* none after a failure: att_rdoc_field then holds an entry whose
	 * bytes the arena could not take */
	if (name == NULL || m->nnames == MAIL_NAMES || m->st != ATT_OK)
		return;
	if ((st = put_field(m->d, "attachment", name)) != ATT_OK)
		m->st = st;
	m->nnames++;
}

/* Visits O, at LEVEL: a multipart is pushed on ST (its children are
 * visited next), a forwarded message queued, a leaf weighed as the
 * body or an attachment. */
static void visit(mail *m, GMimeObject *o, int level, frame *st, int *top,
                  GMimePart **plain, GMimePart **html)
{
	GMimePart *part;

	if (o == NULL || level >= MAIL_DEPTH)
		return;
	if (GMIME_IS_MULTIPART(o)) {
		frame *f = &st[(*top)++];

		f->mp = (GMimeMultipart *)o;
		f->next = 0;
		f->count = g_mime_multipart_get_count(f->mp);
		return;
	}
	if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *fm = g_mime_message_part_get_message(
		    (GMimeMessagePart *)o);

		if (fm != NULL && m->nfwd < MAIL_FORWARDS) {
			m->fwd[m->nfwd] = fm;
			m->fwd_depth[m->nfwd++] = level + 1;
		}
		return;
	}
	if (!GMIME_IS_PART(o))
		return;
	part = (GMimePart *)o;
	if (!g_mime_part_is_attachment(part) && GMIME_IS_TEXT_PART(o)) {
		if (is_type(o, "text", "plain")) {
			if (*plain == NULL)
				*plain = part;
			return;
		}
		if (is_type(o, "text", "html")) {
			if (*html == NULL)
				*html = part;
			return;
		}
	}
	if (g_mime_part_is_attachment(part) ||
	    !(is_type(o, "text", "plain") || is_type(o, "text", "html")))
		put_name(m, g_mime_part_get_filename(part));
}

/* Walks the MIME tree ROOT, whose top is at level DEPTH, depth first
 * with an explicit stack: the first text/plain and text/html parts not
 * marked as attachments, forwarded messages queued, attachment names. */
static void find_body(mail *m, GMimeObject *root, int depth,
                      GMimePart **plain, GMimePart **html)
{
	frame st[MAIL_DEPTH];
	int top = 0;

	*plain = *html = NULL;
	visit(m, root, depth, st, &top, plain, html);
	while (top > 0) {
		frame *f = &st[top - 1];

		if (f->next >= f->count) {
			top--;
			continue;
		}
		visit(m, g_mime_multipart_get_part(f->mp, f->next++), depth + top,
		      st, &top, plain, html);
	}
}

/* The HTML body PART through the HTML reader into m->html, then its
 * text into the document; its title as the title if TITLE and the
 * message has none. Bytes of a known charset go as UTF-8, marked so by
 * a byte-order mark (which the HTML reader obeys before any <meta
 * charset>: the MIME label is the one that counts); others go as they
 * are, for the HTML reader to decide (<meta charset>, else UTF-8 if
 * valid, else windows-1252). */
static att_status put_html(mail *m, GMimePart *part, int title, char *msg,
                           size_t cap)
{
	char hmsg[256], *s;
	size_t n;
	att_status st;
	int utf8;

	if ((s = part_bytes(part, 1, &n, &utf8)) == NULL)
		return ATT_OK;
	if (utf8)
		s = make_valid(m, s, &n, 1);
	if (!m->html_used) {
		att_rdoc_init(&m->html);
		m->html_used = 1;
	} else {
		att_rdoc_reset(&m->html);
	}
	hmsg[0] = 0;
	st = att_read_html(&m->html, (const uint8_t *)s, n, hmsg, sizeof hmsg);
	g_free(s);
	if (st == ATT_ENOMEM)
		return fail(msg, cap, st, "out of memory");
	if (st == ATT_ELIMIT)
		return fail(msg, cap, st, "text over %zu MiB",
		            ATT_RD_TEXT_MAX >> 20);
	if (st != ATT_OK)   /* a broken HTML body: no text, the rest is read */
		return ATT_OK;
	put_lines(m->d, (const char *)m->html.text.p, m->html.text.n, 0);
	if (title && m->d->title.n == 0 && m->html.title.n > 0)
		put_title(m->d, (const char *)m->html.title.p, m->html.title.n);
	return ATT_OK;
}

/* The body of the message whose MIME tree is ROOT (at level DEPTH). */
static att_status put_body(mail *m, GMimeObject *root, int depth, int title,
                           char *msg, size_t cap)
{
	GMimePart *plain, *html;
	char *s;
	size_t n;

	find_body(m, root, depth, &plain, &html);
	if (plain != NULL) {
		if ((s = part_text(m, plain, &n)) != NULL) {
			put_lines(m->d, s, n, 1);
			g_free(s);
		}
		return ATT_OK;
	}
	return html != NULL ? put_html(m, html, title, msg, cap) : ATT_OK;
}

/* ---- headers ------------------------------------------------------------ */

static att_status put_addr(att_rdoc *d, const char *name, InternetAddress *a)
{
	const char *s;

	if (!INTERNET_ADDRESS_IS_MAILBOX(a))
		return ATT_OK;
	s = internet_address_mailbox_get_addr((InternetAddressMailbox *)a);
	return s != NULL ? put_field(d, name, s) : ATT_OK;
}

/* Field NAME gets each addr-spec of L (a group's members in its place),
 * at most MAIL_ADDRS. */
static att_status put_addrs(att_rdoc *d, const char *name,
                            InternetAddressList *l)
{
	int i, k, len = l != NULL ? internet_address_list_length(l) : 0;
	int kept = 0;
	att_status st = ATT_OK;

	for (i = 0; i < len && kept < MAIL_ADDRS && st == ATT_OK; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);
		InternetAddressList *g;
		int glen;

		if (!INTERNET_ADDRESS_IS_GROUP(a)) {
			st = put_addr(d, name, a);
			kept++;
			continue;
		}
		g = internet_address_group_get_members((InternetAddressGroup *)a);
		glen = g != NULL ? internet_address_list_length(g) : 0;
		for (k = 0; k < glen && kept < MAIL_ADDRS && st == ATT_OK; k++) {
			st = put_addr(d, name, internet_address_list_get_address(g, k));
			kept++;
		}
	}
	return st;
}

/* A message GMime made of bytes without one header is no message. */
static int has_headers(GMimeMessage *msg)
{
	GMimeObject *part = g_mime_message_get_mime_part(msg);
	GMimeHeaderList *h = g_mime_object_get_header_list((GMimeObject *)msg);

	if (h != NULL && g_mime_header_list_get_count(h) > 0)
		return 1;
	h = part != NULL ? g_mime_object_get_header_list(part) : NULL;
	return h != NULL && g_mime_header_list_get_count(h) > 0;
}

/* The title, fields, body and forwarded messages of TOP. */
static att_status read_message(mail *m, GMimeMessage *top, char *msg,
                               size_t cap)
{
	att_rdoc *d = m->d;
	const char *subject = g_mime_message_get_subject(top);
	GDateTime *date = g_mime_message_get_date(top);
	att_status st;
	size_t i;

	if (subject != NULL)
		put_title(d, subject, strlen(subject));
	if ((st = put_addrs(d, "from", g_mime_message_get_from(top))) != ATT_OK ||
	    (st = put_addrs(d, "to", g_mime_message_get_to(top))) != ATT_OK ||
	    (st = put_addrs(d, "cc", g_mime_message_get_cc(top))) != ATT_OK ||
	    (date != NULL &&
	     (st = att_rdoc_date_unix(d, g_date_time_to_unix(date))) != ATT_OK))
		return fail(msg, cap, st, "out of memory");
	st = put_body(m, g_mime_message_get_mime_part(top), 0, 1, msg, cap);
	for (i = 0; i < m->nfwd && st == ATT_OK && !d->over; i++) {
		GMimeMessage *f = m->fwd[i];

		att_rdoc_para(d);
		if ((subject = g_mime_message_get_subject(f)) != NULL) {
			size_t n = strlen(subject);
			char *s = valid_copy(g_strndup(subject, n), &n);

			blank_controls(s, n);
			att_rdoc_text(d, s, n);
			att_rdoc_para(d);
			g_free(s);
		}
		st = put_body(m, g_mime_message_get_mime_part(f), m->fwd_depth[i],
		              0, msg, cap);
	}
	if (st != ATT_OK)
		return st;
	if (d->over)
		return fail(msg, cap, ATT_ELIMIT, "text over %zu MiB",
		            ATT_RD_TEXT_MAX >> 20);
	if (m->st != ATT_OK || d->title.rc != ATT_OK || d->text.rc != ATT_OK ||
	    d->arena.rc != ATT_OK)
		return fail(msg, cap, ATT_ENOMEM, "out of memory");
	return ATT_OK;
}

/* ---- what GMime is given ------------------------------------------------ */

/* A header field's first line: a name (no white space, controls or
 * colon), maybe spaces, then a colon. */
static int field_start(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] > ' ' && s[i] != ':' && s[i] != 0x7f)
		i++;
	if (i == 0)
		return 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i < n && s[i] == ':';
}

/* How many of P[0..N)'s bytes GMime is given: all of them, or those
 * before the line that would pass one of the caps of the essay's
 * "Limits" (*WHY then names it). Header blocks are told by their shape:
 * one starts the input, follows a "--" line, or follows the empty line
 * after one (a message/rfc822 part's message); it goes on while its
 * lines are fields or their continuations. */
static size_t gmime_share(const uint8_t *p, size_t n, const char **why)
{
	size_t i = 0, delims = 0, fields = 0, addrs = 0, k;
	int head = 1;   /* 0 body, 1 in a header block, 2 just after one */

	*why = NULL;
	while (i < n) {
		const uint8_t *nl = memchr(p + i, '\n', n - i);
		size_t e = nl != NULL ? (size_t)(nl - p) + 1 : n;

		if (e - i >= 2 && p[i] == '-' && p[i + 1] == '-') {
			if (++delims > MAIL_DELIMS)
				*why = "MIME part delimiters";
			head = 1;
		} else if (p[i] == '\n' || (p[i] == '\r' && e - i <= 2)) {
			head = head == 1 ? 2 : 0;
		} else if (p[i] == ' ' || p[i] == '\t') {
			head = head == 1 ? 1 : 0;
		} else if (head != 0 && (field_start(p + i, e - i) ||
		           (i == 0 && e >= 5 && memcmp(p, "From ", 5) == 0))) {
			if (++fields > MAIL_FIELDS)
				*why = "header fields";
			head = 1;
		} else {
			head = 0;
		}
		for (k = i; head == 1 && k < e; k++)
			addrs += p[k] == ',' || p[k] == '@';
		if (addrs > MAIL_ADDRS_ALL)
			*why = "addresses";
		if (*why != NULL)
			return i;   /* GMime gets the lines before this one */
		i = e;
	}
	return n;
}

att_status att_read_mail(att_rdoc *d, const uint8_t *p, size_t n, char *msg,
                         size_t cap)
{
	const char *fallback[] = { "UTF-8", "windows-1252", "iso-8859-1", NULL };
	GMimeStream *s;
	GMimeParser *ps;
	GMimeMessage *top;
	const char *why = NULL;
	att_status st;
	mail m;

	if (n > ATT_RD_LIMIT)
		return fail(msg, cap, ATT_ELIMIT, "message over %zu MiB",
		            ATT_RD_LIMIT >> 20);
	if (n == 0)
		return fail(msg, cap, ATT_EINPUT, "not an e-mail message");
	if ((n = gmime_share(p, n, &why)) == 0)
		return fail(msg, cap, ATT_ELIMIT, "too many %s", why);
	pthread_once(&gmime_once, gmime_start);
	memset(&m, 0, sizeof m);
	m.d = d;
	m.opts = g_mime_parser_options_new();
	g_mime_parser_options_set_fallback_charsets(m.opts, fallback);
	s = g_mime_stream_mem_new_with_buffer((const char *)p, n);
	ps = g_mime_parser_new_with_stream(s);
	g_mime_parser_set_format(ps, GMIME_FORMAT_MESSAGE);
	top = g_mime_parser_construct_message(ps, m.opts);
	if (top == NULL || !has_headers(top))
		st = fail(msg, cap, ATT_EINPUT, "not an e-mail message");
	else
		st = read_message(&m, top, msg, cap);
	if (top != NULL)
		g_object_unref(top);
	g_object_unref(ps);
	g_object_unref(s);
	if (m.html_used)
		att_rdoc_release(&m.html);
	g_mime_parser_options_free(m.opts);
	return st;
}

/* ---- mbox --------------------------------------------------------------- */

/* A separator starts at K: "From " at the file's start, or after an
 * empty line. */
static int is_sep(const uint8_t *p, size_t n, size_t k)
{
	if (n - k < 5 || memcmp(p + k, "From ", 5) != 0)
		return 0;
	if (k == 0)
		return 1;
	if (p[k - 1] != '\n')
		return 0;
	if (k == 1 || p[k - 2] == '\n')
		return 1;
	return p[k - 2] == '\r' && (k == 2 || p[k - 3] == '\n');
}

/* The start of the first separator at or after K, a line's start; N
 * if there is none. */
static size_t next_sep(const uint8_t *p, size_t n, size_t k)
{
	while (k < n) {
		const uint8_t *nl;

		if ((k == 0 || p[k - 1] == '\n') && is_sep(p, n, k))
			return k;
		nl = memchr(p + k, '\n', n - k);
		if (nl == NULL)
			break;
		k = (size_t)(nl - p) + 1;
	}
	return n;
}

/* The end of [S, E) less its last line if that is empty. */
static size_t trim_empty_line(const uint8_t *p, size_t s, size_t e)
{
	size_t b;

	if (e == s || p[e - 1] != '\n')
		return e;
	b = e - 1;
	if (b > s && p[b - 1] == '\r')
		b--;
	return b == s || p[b - 1] == '\n' ? b : e;
}

static int all_space(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_ws(p[i]))
			return 0;
	return 1;
}

/* The 1-based line of offset K: one more than the line ends before it,
 * counted eight bytes at a time. In a word W ^ "\n\n\n\n\n\n\n\n" a
 * line end is a zero byte; ((x & 0x7f..) + 0x7f..) | x has the high bit
 * of exactly the non-zero bytes set; 255 words' counts fit a byte each
 * before they are summed. About 10 GB/s. */
static uint64_t line_of(const uint8_t *p, size_t k)
{
	const uint64_t low7 = 0x7f7f7f7f7f7f7f7fu, lanes = 0x00ff00ff00ff00ffu;
	uint64_t lines = 1;
	size_t i = 0;

	while (k - i >= 8) {
		size_t j, words = (k - i) / 8 < 255 ? (k - i) / 8 : 255;
		uint64_t acc = 0;

		for (j = 0; j < words; j++, i += 8) {
			uint64_t w;

			memcpy(&w, p + i, 8);
			w ^= 0x0a0a0a0a0a0a0a0au;
			acc += (~(((w & low7) + low7) | w) & ~low7) >> 7;
		}
		acc = (acc & lanes) + ((acc >> 8) & lanes);
		lines += (acc * 0x0001000100010001u) >> 48;
	}
	for (; i < k; i++)
		lines += p[i] == '\n';
	return lines;
}

/* Contract in readers.h. *AT is 0, or the start of a separator (or N)
 * where the previous call left it; *AT_LINE the line *AT is on, kept by
 * the caller from call to call, so that splitting a whole mbox counts
 * each line end once. */
int att_mbox_next_lines(const uint8_t *p, size_t n, size_t *at,
                        uint64_t *at_line, size_t *start, size_t *len,
                        uint64_t *line)
{
	size_t k = *at, body, e;
	const uint8_t *nl;

	if (k >= n)
		return 0;
	if (k == 0)
		*at_line = 1;
	if (k == 0 && !is_sep(p, n, 0)) {   /* bytes before the first "From " */
		e = next_sep(p, n, 0);
		if (!all_space(p, e)) {
			*start = 0;
			*len = trim_empty_line(p, 0, e);
			*line = 1;
			*at_line = line_of(p, e);
			*at = e;
			return 1;
		}
		*at_line = line_of(p, e);
		*at = k = e;
		if (k >= n)
			return 0;
	}
	nl = memchr(p + k, '\n', n - k);
	body = nl != NULL ? (size_t)(nl - p) + 1 : n;
	e = next_sep(p, n, body);
	*start = body;
	*len = trim_empty_line(p, body, e) - body;
	*line = *at_line;
	*at_line += line_of(p + k, e - k) - 1;
	*at = e;
	return 1;
}

/* The same without the caller's count: the line of *AT is counted from
 * the start, which costs the file's size for each message. */
int att_mbox_next(const uint8_t *p, size_t n, size_t *at, size_t *start,
                  size_t *len, uint64_t *line)
{
	uint64_t at_line = *at < n ? line_of(p, *at) : 1;

	return att_mbox_next_lines(p, n, at, &at_line, start, len, line);
}
