/*
 * check_read_mail.c: unit tests of indexer/readers/mail.c, att_read_mail
 * and att_mbox_next.
 *
 * The fixtures in tests/readers/mail/ (ATT_TEST_FIXTURES) are small
 * hand-written messages: headers.eml (an RFC 2047 Subject, Date, From,
 * two To addresses, Cc, a quoted-printable body with quoted lines),
 * base64.eml, latin1.eml (ISO-8859-1, no Date), badutf8.eml (Latin-1
 * bytes labelled UTF-8), nolabel.eml (8-bit bytes, no charset),
 * alternative.eml, html.eml (HTML only, no Subject), attachment.eml,
 * forward.eml (a message/rfc822 part), three.mbox (one body line
 * ">From ", one "From " line inside a paragraph), crlf.mbox and
 * notmail.txt. Tests assert on the exact title, fields and text, on the
 * exact offsets, lengths and lines of the mbox's messages, and on the
 * status and message of each refused input. Inputs that are large, many
 * parts or fields, deeply nested, or odd in their charsets and control
 * characters are made in memory. Built with ATT_ALLOC_TESTING, one more
 * test makes each allocation fail in turn.
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
#include "stemmer.h"

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

/* Reads [P, P + N) into D (initialised here), expecting status WANT;
 * MSG gets the message. */
static void read_mem(att_rdoc *d, const void *p, size_t n, att_status want,
                     char *msg, size_t cap)
{
	att_status st;

	att_rdoc_init(d);
	msg[0] = 0;
	st = att_read_mail(d, p, n, msg, cap);
	ck_assert_msg(st == want, "status %d (%s), wanted %d", st, msg, want);
}

static void read_fixture(att_rdoc *d, const char *name, att_status want)
{
	char msg[256];
	size_t n;
	uint8_t *p = fixture(name, &n);

	read_mem(d, p, n, want, msg, sizeof msg);
	free(p);
}

/* The value of field NAME, NUL-terminated in a static buffer, or NULL. */
static const char *field(att_rdoc *d, const char *name)
{
	static char out[4096];
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
	ck_assert_msg(b->n == strlen(want) &&
	              (b->n == 0 || memcmp(b->p, want, b->n) == 0),
	              "got \"%.*s\", wanted \"%s\"", (int)b->n,
	              b->n ? (const char *)b->p : "", want);
}

static int buf_has(const att_buf *b, const char *s)
{
	size_t k = strlen(s), i;

	for (i = 0; i + k <= b->n; i++)
		if (memcmp(b->p + i, s, k) == 0)
			return 1;
	return 0;
}

START_TEST(headers_and_qp)
{
	att_rdoc d;

	read_fixture(&d, "headers.eml", ATT_OK);
	assert_buf(&d.title, "Caf\xc3\xa9 talks");
	ck_assert_str_eq(field(&d, "date"), "2025-03-04T08:15:00Z");
	ck_assert_str_eq(field(&d, "from"), "alice@example.org");
	ck_assert_str_eq(field(&d, "to"), "[\"a@x.org\",\"b@y.org\"]");
	ck_assert_str_eq(field(&d, "cc"), "carol@example.com");
	ck_assert_ptr_null(field(&d, "attachment"));
	ck_assert_ptr_null(field(&d, "message-id"));
	assert_buf(&d.text, "Hello team, the caf\xc3\xa9 opens at nine, and this "
	           "line is soft broken.\n\n> Are we meeting > on Friday?\n\n"
	           "> Yes.\n\nBye");
	att_rdoc_release(&d);
}
END_TEST

START_TEST(base64_body)
{
	att_rdoc d;

	read_fixture(&d, "base64.eml", ATT_OK);
	assert_buf(&d.title, "Base64 body");
	ck_assert_str_eq(field(&d, "date"), "2025-03-05T12:00:00Z");
	ck_assert_str_eq(field(&d, "to"), "alice@example.org");
	assert_buf(&d.text, "Base64 body: na\xc3\xafve r\xc3\xa9sum\xc3\xa9.\n\n"
	           "Second paragraph.");
	att_rdoc_release(&d);
}
END_TEST

/* ISO-8859-1 converted; and a message without Date has no date. */
START_TEST(latin1_no_date)
{
	att_rdoc d;

	read_fixture(&d, "latin1.eml", ATT_OK);
	assert_buf(&d.title, "Ouvert");
	assert_buf(&d.text, "Le caf\xc3\xa9 est ouvert.");
	ck_assert_ptr_null(field(&d, "date"));
	ck_assert_str_eq(field(&d, "from"), "jean@example.fr");
	att_rdoc_release(&d);
}
END_TEST

/* Labelled UTF-8 but Latin-1: the bad byte is U+FFFD (GMime's own
 * converter would drop it). Unlabelled 8-bit: read as windows-1252. */
START_TEST(wrong_charset)
{
	att_rdoc d;

	read_fixture(&d, "badutf8.eml", ATT_OK);
	assert_buf(&d.text, "Le caf\xef\xbf\xbd est ouvert.");
	att_rdoc_release(&d);
	read_fixture(&d, "nolabel.eml", ATT_OK);
	assert_buf(&d.text, "Le caf\xc3\xa9 est ouvert.");
	att_rdoc_release(&d);
}
END_TEST

/* A bad encoded word, raw 8-bit in the Subject, control characters; a
 * very long Subject. */
START_TEST(odd_subjects)
{
	static const char m1[] = "Subject: =?utf-8?Q?caf=E9?= \x01 and  "
	                         "caf\xe9\n\t folded\n\nx\n";
	att_rdoc d;
	att_buf b;
	char msg[256];
	size_t bad;
	int i;

	read_mem(&d, m1, sizeof m1 - 1, ATT_OK, msg, sizeof msg);
	ck_assert_int_eq(att_utf8_validate(&bad, (const char *)d.title.p,
	                                   d.title.n), ATT_OK);
	ck_assert(buf_has(&d.title, " and caf\xc3\xa9 folded"));
	att_rdoc_release(&d);
	att_buf_init(&b);   /* a title is cut at 64 KiB, at a character */
	att_buf_printf(&b, "Subject: b");
	for (i = 0; i < 40000; i++)
		att_buf_printf(&b, "\xc3\xa9");
	att_buf_printf(&b, "\n\nx\n");
	ck_assert_int_eq(b.rc, ATT_OK);
	read_mem(&d, b.p, b.n, ATT_OK, msg, sizeof msg);
	att_buf_release(&b);
	ck_assert_uint_eq(d.title.n, 65535);
	ck_assert_int_eq(att_utf8_validate(&bad, (const char *)d.title.p,
	                                   d.title.n), ATT_OK);
	att_rdoc_release(&d);
}
END_TEST

START_TEST(alternative_prefers_plain)
{
	att_rdoc d;

	read_fixture(&d, "alternative.eml", ATT_OK);
	assert_buf(&d.title, "Alternatives");
	ck_assert_str_eq(field(&d, "date"), "2025-03-06T13:00:00Z");
	assert_buf(&d.text, "Plain version wins.");
	att_rdoc_release(&d);
}
END_TEST

/* No text/plain: the HTML reader's text; no Subject: its title. */
START_TEST(html_only)
{
	att_rdoc d;

	read_fixture(&d, "html.eml", ATT_OK);
	assert_buf(&d.title, "Weekly news");
	assert_buf(&d.text, "First bold para.\n\nSecond caf\xc3\xa9 para.");
	ck_assert(!buf_has(&d.text, "<"));
	ck_assert_str_eq(field(&d, "date"), "2025-03-07T10:30:00Z");
	att_rdoc_release(&d);
}
END_TEST

/* The MIME charset wins over the HTML's own <meta charset>. */
START_TEST(html_charset)
{
	static const char m1[] = "Subject: x\nContent-Type: text/html; "
	                         "charset=iso-8859-1\n\n<html><head><meta "
	                         "charset=\"utf-8\"></head><body><p>caf\xe9</p>"
	                         "</body></html>\n";
	static const char m2[] = "Subject: x\nContent-Type: text/html\n\n"
	                         "<html><head><meta charset=\"iso-8859-2\">"
	                         "</head><body><p>\xb3\xf3" "d\xbc</p></body>"
	                         "</html>\n";
	att_rdoc d;
	char msg[256];

	read_mem(&d, m1, sizeof m1 - 1, ATT_OK, msg, sizeof msg);
	assert_buf(&d.text, "caf\xc3\xa9");
	att_rdoc_release(&d);
	/* no MIME label: the HTML's own decides */
	read_mem(&d, m2, sizeof m2 - 1, ATT_OK, msg, sizeof msg);
	assert_buf(&d.text, "\xc5\x82\xc3\xb3" "d\xc5\xba");
	att_rdoc_release(&d);
}
END_TEST

/* Group members are addresses; at most 100 of one header are kept; an
 * mbox "From " line before the headers is skipped. */
START_TEST(addresses)
{
	static const char m1[] = "From alice@x.org Tue Mar  4 09:15:00 2025\n"
	                         "From: \"Alice\" <alice@x.org>\n"
	                         "To: Team: c@z.org, \"D\" <d@w.org>;, e@v.org, "
	                         "undisclosed-recipients:;\n\nx\n";
	att_rdoc d;
	att_buf b;
	char msg[256];
	const char *v;
	int i, commas = 0;

	read_mem(&d, m1, sizeof m1 - 1, ATT_OK, msg, sizeof msg);
	ck_assert_str_eq(field(&d, "from"), "alice@x.org");
	ck_assert_str_eq(field(&d, "to"), "[\"c@z.org\",\"d@w.org\",\"e@v.org\"]");
	assert_buf(&d.text, "x");
	att_rdoc_release(&d);
	att_buf_init(&b);
	att_buf_printf(&b, "Subject: many\nTo: a0@x.org");
	for (i = 1; i < 150; i++)
		att_buf_printf(&b, ", a%d@x.org", i);
	att_buf_printf(&b, "\n\nx\n");
	ck_assert_int_eq(b.rc, ATT_OK);
	read_mem(&d, b.p, b.n, ATT_OK, msg, sizeof msg);
	att_buf_release(&b);
	ck_assert_ptr_nonnull(v = field(&d, "to"));
	for (; *v; v++)
		commas += *v == ',';
	ck_assert_int_eq(commas, 99);
	ck_assert(strstr(field(&d, "to"), "\"a99@x.org\"]") != NULL);
	att_rdoc_release(&d);
}
END_TEST

START_TEST(attachment_not_indexed)
{
	att_rdoc d;

	read_fixture(&d, "attachment.eml", ATT_OK);
	assert_buf(&d.title, "Report");
	assert_buf(&d.text, "See the attached report.");
	ck_assert_str_eq(field(&d, "attachment"),
	                 "[\"report.pdf\",\"notes.txt\"]");
	ck_assert(!buf_has(&d.text, "SECRETWORD"));
	ck_assert(!buf_has(&d.text, "hidden"));
	ck_assert(!buf_has(&d.text, "footer"));
	att_rdoc_release(&d);
}
END_TEST

/* Control characters in a field are spaces, runs of them one: several
 * were once written as "\u00XX" past att_rdoc_field's room (a fuzzer's
 * find). */
START_TEST(controls_in_fields)
{
	static const char m1[] =
	    "Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
	    "Content-Type: application/octet-stream\nContent-Disposition: "
	    "attachment; filename=\"a\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11"
	    "\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11" "b.bin\"\n\nx\n--b\n"
	    "Content-Type: application/octet-stream\nContent-Disposition: "
	    "attachment; filename=\"c\x01\x02\x03\x04\x05\x06\x07\x08\x0e"
	    "\x0f\x10\x12\x13\x14\x15\x16\x17\x18\x19" "d.bin\"\n\ny\n--b--\n";
	att_rdoc d;
	char msg[256];

	read_mem(&d, m1, sizeof m1 - 1, ATT_OK, msg, sizeof msg);
	ck_assert_str_eq(field(&d, "attachment"), "[\"a b.bin\",\"c d.bin\"]");
	att_rdoc_release(&d);
}
END_TEST

/* A forwarded message: its Subject and body after the message's own;
 * its From is not a field. */
START_TEST(forwarded_message)
{
	att_rdoc d;

	read_fixture(&d, "forward.eml", ATT_OK);
	assert_buf(&d.title, "Fwd: Original topic");
	assert_buf(&d.text, "FYI, see below.\n\nOriginal topic\n\n"
	           "Original body text.");
	ck_assert_str_eq(field(&d, "from"), "alice@example.org");
	ck_assert_str_eq(field(&d, "date"), "2025-03-09T09:00:00Z");
	att_rdoc_release(&d);
}
END_TEST

/* A message of LEVELS nested multiparts around one text/plain part. */
static char *nested(int levels, size_t *n)
{
	att_buf b;
	int i;

	att_buf_init(&b);
	att_buf_printf(&b, "Subject: deep\n");
	for (i = 0; i < levels; i++)
		att_buf_printf(&b, "Content-Type: multipart/mixed; boundary=b%d\n\n"
		               "--b%d\n", i, i);
	att_buf_printf(&b, "Content-Type: text/plain\n\ndeep text\n");
	for (i = levels - 1; i >= 0; i--)
		att_buf_printf(&b, "--b%d--\n", i);
	ck_assert_int_eq(b.rc, ATT_OK);
	*n = b.n;
	return (char *)b.p;
}

/* Parts 31 levels down are read, 32 levels down ignored. */
START_TEST(nesting_bound)
{
	att_rdoc d;
	char msg[256], *p;
	size_t n;

	p = nested(31, &n);
	read_mem(&d, p, n, ATT_OK, msg, sizeof msg);
	assert_buf(&d.text, "deep text");
	att_rdoc_release(&d);
	att_free(p);
	p = nested(32, &n);
	read_mem(&d, p, n, ATT_OK, msg, sizeof msg);
	assert_buf(&d.title, "deep");
	assert_buf(&d.text, "");
	att_rdoc_release(&d);
	att_free(p);
	p = nested(2000, &n);   /* beyond GMime's own bound too */
	read_mem(&d, p, n, ATT_OK, msg, sizeof msg);
	assert_buf(&d.text, "");
	att_rdoc_release(&d);
	att_free(p);
}
END_TEST

/* A message of FILLER attachment parts, then a text/plain one. */
static char *many_parts(int filler, size_t *n)
{
	att_buf b;
	int i;

	att_buf_init(&b);
	att_buf_printf(&b, "Subject: parts\nContent-Type: multipart/mixed; "
	               "boundary=b\n\n");
	for (i = 0; i < filler; i++)
		att_buf_printf(&b, "--b\nContent-Type: application/octet-stream\n"
		               "\nx\n");
	att_buf_printf(&b, "--b\nContent-Type: text/plain\n\nlast part\n--b--\n");
	ck_assert_int_eq(b.rc, ATT_OK);
	*n = b.n;
	return (char *)b.p;
}

/* GMime is given the message up to its 10,000th "--" line, 100,000th
 * header field, 100,000th "," or "@" in a header. */
START_TEST(gmime_caps)
{
	att_rdoc d;
	att_buf b;
	char msg[256], *p;
	size_t n;
	int i;

	p = many_parts(9998, &n);   /* 10,000 "--" lines */
	read_mem(&d, p, n, ATT_OK, msg, sizeof msg);
	assert_buf(&d.text, "last part");
	att_rdoc_release(&d);
	att_free(p);
	p = many_parts(9999, &n);   /* the end delimiter left out: still read */
	read_mem(&d, p, n, ATT_OK, msg, sizeof msg);
	assert_buf(&d.text, "last part");
	att_rdoc_release(&d);
	att_free(p);
	p = many_parts(10000, &n);  /* the last part's delimiter left out */
	read_mem(&d, p, n, ATT_OK, msg, sizeof msg);
	assert_buf(&d.title, "parts");
	assert_buf(&d.text, "");
	att_rdoc_release(&d);
	att_free(p);
	for (i = 99998; i <= 99999; i++) {   /* 99,999 fields, then 100,000 */
		int k;

		att_buf_init(&b);
		att_buf_printf(&b, "Subject: fields\n");
		for (k = 0; k < i; k++)
			att_buf_printf(&b, "X-A: b\n");
		att_buf_printf(&b, "To: a@x.org\n\nbody\n");
		ck_assert_int_eq(b.rc, ATT_OK);
		read_mem(&d, b.p, b.n, ATT_OK, msg, sizeof msg);
		assert_buf(&d.title, "fields");
		if (i == 99998) {
			ck_assert_str_eq(field(&d, "to"), "a@x.org");
			assert_buf(&d.text, "body");
		} else {
			ck_assert_ptr_null(field(&d, "to"));
			assert_buf(&d.text, "");
		}
		att_rdoc_release(&d);
		att_buf_release(&b);
	}
	att_buf_init(&b);   /* too much in the first line: nothing to read */
	att_buf_printf(&b, "To: a@x.org");
	for (i = 0; i < 50000; i++)
		att_buf_printf(&b, ", a@x.org");
	att_buf_printf(&b, "\n\nbody\n");
	ck_assert_int_eq(b.rc, ATT_OK);
	read_mem(&d, b.p, b.n, ATT_ELIMIT, msg, sizeof msg);
	ck_assert_str_eq(msg, "too many addresses");
	att_rdoc_release(&d);
	att_buf_release(&b);
}
END_TEST

START_TEST(not_a_message)
{
	static const char binary[] = "\x00\x01\x02\xff\xfe garbage\n\n";
	att_rdoc d;
	char msg[256];
	size_t n;
	uint8_t *p = fixture("notmail.txt", &n);

	read_mem(&d, p, n, ATT_EINPUT, msg, sizeof msg);
	ck_assert_str_eq(msg, "not an e-mail message");
	att_rdoc_release(&d);
	free(p);
	read_mem(&d, "", 0, ATT_EINPUT, msg, sizeof msg);
	ck_assert_str_eq(msg, "not an e-mail message");
	att_rdoc_release(&d);
	read_mem(&d, binary, sizeof binary - 1, ATT_EINPUT, msg, sizeof msg);
	att_rdoc_release(&d);
	read_mem(&d, "\n\nbody alone\n", 13, ATT_EINPUT, msg, sizeof msg);
	ck_assert_str_eq(msg, "not an e-mail message");
	att_rdoc_release(&d);
}
END_TEST

START_TEST(too_large)
{
	att_rdoc d;
	char msg[256];
	uint8_t *p = calloc(ATT_RD_LIMIT + 1, 1);

	ck_assert_ptr_nonnull(p);
	memcpy(p, "Subject: big\n\n", 14);
	read_mem(&d, p, ATT_RD_LIMIT + 1, ATT_ELIMIT, msg, sizeof msg);
	ck_assert_str_eq(msg, "message over 64 MiB");
	att_rdoc_release(&d);
	free(p);
}
END_TEST

/* UTF-16 CJK grows by half in UTF-8: 48 MiB of it is over 64 MiB of
 * text. */
START_TEST(text_over_limit)
{
	static const char head[] = "Subject: big\nContent-Type: text/plain; "
	                           "charset=utf-16be\n\n";
	size_t body = (size_t)48 << 20, n = sizeof head - 1 + body, i;
	uint8_t *p = malloc(n);
	att_rdoc d;
	char msg[256];

	ck_assert_ptr_nonnull(p);
	memcpy(p, head, sizeof head - 1);
	for (i = sizeof head - 1; i + 1 < n; i += 2) {
		p[i] = 0x4e;
		p[i + 1] = 0x2d;
	}
	read_mem(&d, p, n, ATT_ELIMIT, msg, sizeof msg);
	ck_assert_str_eq(msg, "text over 64 MiB");
	att_rdoc_release(&d);
	free(p);
}
END_TEST

START_TEST(mbox_three)
{
	static const size_t starts[] = { 48, 148, 333 }, lens[] = { 53, 136, 47 };
	static const uint64_t lines[] = { 1, 7, 15 };
	static const char *const titles[] = { "one", "two", "three" };
	size_t n, at = 0, start, len, k;
	uint8_t *p = fixture("three.mbox", &n);
	uint64_t line;
	att_rdoc d;
	char msg[256];

	for (k = 0; att_mbox_next(p, n, &at, &start, &len, &line); k++) {
		ck_assert_uint_lt(k, 3);
		ck_assert_uint_eq(start, starts[k]);
		ck_assert_uint_eq(len, lens[k]);
		ck_assert_uint_eq(line, lines[k]);
		read_mem(&d, p + start, len, ATT_OK, msg, sizeof msg);
		assert_buf(&d.title, titles[k]);
		if (k == 1)
			assert_buf(&d.text, "Second message. >From here on, a quoted "
			           "line. From the start of a line, but not after an "
			           "empty one.");
		att_rdoc_release(&d);
	}
	ck_assert_uint_eq(k, 3);
	ck_assert_uint_eq(at, n);
	ck_assert_int_eq(att_mbox_next(p, n, &at, &start, &len, &line), 0);
	ck_assert(memcmp(p + starts[0], "From: alice", 11) == 0);
	ck_assert(memcmp(p + starts[0] + lens[0] - 16, "\nFirst message.\n",
	                 16) == 0);
	free(p);
}
END_TEST

START_TEST(mbox_crlf)
{
	size_t n, at = 0, start, len;
	uint8_t *p = fixture("crlf.mbox", &n);
	uint64_t line;
	att_rdoc d;
	char msg[256];

	ck_assert_int_eq(att_mbox_next(p, n, &at, &start, &len, &line), 1);
	ck_assert_uint_eq(start, 39);
	ck_assert_uint_eq(len, 42);
	ck_assert_uint_eq(line, 1);
	ck_assert(memcmp(p + start + len - 11, "CRLF one.\r\n", 11) == 0);
	read_mem(&d, p + start, len, ATT_OK, msg, sizeof msg);
	assert_buf(&d.title, "one");
	assert_buf(&d.text, "CRLF one.");
	att_rdoc_release(&d);
	ck_assert_int_eq(att_mbox_next(p, n, &at, &start, &len, &line), 1);
	ck_assert_uint_eq(start, 122);
	ck_assert_uint_eq(len, 42);
	ck_assert_uint_eq(line, 7);
	ck_assert_int_eq(att_mbox_next(p, n, &at, &start, &len, &line), 0);
	free(p);
}
END_TEST

/* One call on S: 1 and the message, or 0. */
static int mbox1(const char *s, size_t *at, size_t *start, size_t *len,
                 uint64_t *line)
{
	return att_mbox_next((const uint8_t *)s, strlen(s), at, start, len, line);
}

START_TEST(mbox_edges)
{
	size_t at, start, len;
	uint64_t line;
	const char *s;

	at = 0;   /* empty, and only white space */
	ck_assert_int_eq(att_mbox_next(NULL, 0, &at, &start, &len, &line), 0);
	ck_assert_int_eq(mbox1(" \n\n", &at, &start, &len, &line), 0);
	/* white space before the first separator is skipped */
	s = "\n\nFrom a Tue Mar  4 09:15:00 2025\nSubject: x\n";
	at = 0;
	ck_assert_int_eq(mbox1(s, &at, &start, &len, &line), 1);
	ck_assert_uint_eq(start, 34);
	ck_assert_uint_eq(len, 11);
	ck_assert_uint_eq(line, 3);
	ck_assert_int_eq(mbox1(s, &at, &start, &len, &line), 0);
	/* other bytes before it are a message of their own, at line 1 */
	s = "Subject: first\n\nbody\n\nFrom b\nSubject: y\n\n";
	at = 0;
	ck_assert_int_eq(mbox1(s, &at, &start, &len, &line), 1);
	ck_assert_uint_eq(start, 0);
	ck_assert_uint_eq(len, 21);
	ck_assert_uint_eq(line, 1);
	ck_assert_int_eq(mbox1(s, &at, &start, &len, &line), 1);
	ck_assert_uint_eq(start, 29);
	ck_assert_uint_eq(len, 11);   /* the last empty line dropped */
	ck_assert_uint_eq(line, 5);
	ck_assert_int_eq(mbox1(s, &at, &start, &len, &line), 0);
	/* a separator without a line end: an empty message at the end */
	s = "From a";
	at = 0;
	ck_assert_int_eq(mbox1(s, &at, &start, &len, &line), 1);
	ck_assert_uint_eq(start, 6);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(mbox1(s, &at, &start, &len, &line), 0);
	/* "From " right after a separator is the message's, not one more */
	s = "From a\nFrom b\n\nFrom c\nx\n";
	at = 0;
	ck_assert_int_eq(mbox1(s, &at, &start, &len, &line), 1);
	ck_assert_uint_eq(start, 7);
	ck_assert_uint_eq(len, 7);
	ck_assert_int_eq(mbox1(s, &at, &start, &len, &line), 1);
	ck_assert_uint_eq(start, 22);
	ck_assert_uint_eq(len, 2);
	ck_assert_uint_eq(line, 4);
	ck_assert_int_eq(mbox1(s, &at, &start, &len, &line), 0);
}
END_TEST

#ifdef ATT_ALLOC_TESTING
/* Each allocation of ours fails in turn: ATT_ENOMEM every time, then the
 * same document as without failures. */
START_TEST(alloc_failures)
{
	static const char *const names[] = { "headers.eml", "html.eml",
	                                     "attachment.eml" };
	size_t n, i;
	att_rdoc d;
	char msg[256];
	att_status st;
	long k;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		uint8_t *p = fixture(names[i], &n);

		for (k = 0;; k++) {
			att_rdoc_init(&d);
			att_alloc_fail_after(k);
			st = att_read_mail(&d, p, n, msg, sizeof msg);
			att_alloc_fail_after(-1);
			if (st == ATT_OK)
				break;
			ck_assert_int_eq(st, ATT_ENOMEM);
			ck_assert_str_eq(msg, "out of memory");
			att_rdoc_release(&d);
		}
		ck_assert_int_gt(k, 0);
		ck_assert_uint_gt(d.text.n, 0);
		att_rdoc_release(&d);
		free(p);
	}
}
END_TEST
#endif

static Suite *read_mail_suite(void)
{
	Suite *s = suite_create("read_mail");
	TCase *tc = tcase_create("read_mail");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, headers_and_qp);
	tcase_add_test(tc, base64_body);
	tcase_add_test(tc, latin1_no_date);
	tcase_add_test(tc, wrong_charset);
	tcase_add_test(tc, odd_subjects);
	tcase_add_test(tc, alternative_prefers_plain);
	tcase_add_test(tc, html_only);
	tcase_add_test(tc, html_charset);
	tcase_add_test(tc, addresses);
	tcase_add_test(tc, attachment_not_indexed);
	tcase_add_test(tc, controls_in_fields);
	tcase_add_test(tc, forwarded_message);
	tcase_add_test(tc, nesting_bound);
	tcase_add_test(tc, gmime_caps);
	tcase_add_test(tc, not_a_message);
	tcase_add_test(tc, too_large);
	tcase_add_test(tc, text_over_limit);
	tcase_add_test(tc, mbox_three);
	tcase_add_test(tc, mbox_crlf);
	tcase_add_test(tc, mbox_edges);
#ifdef ATT_ALLOC_TESTING
	tcase_add_test(tc, alloc_failures);
#endif
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(read_mail_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
