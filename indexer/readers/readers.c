/*
 * readers.c: what the format readers share: the document they fill
 * (att_rdoc), its dates, and the sniffing that picks a reader for a file.
 *
 * Sniffing. The bytes decide where they are unambiguous, the name where
 * they are not:
 *   - "%PDF-" in the first 1024 bytes is a PDF (as readers accept it);
 *   - any other file with a NUL in its first 8 KiB is binary;
 *   - a first line "From SENDER DATE" (with a time of day HH:MM and a
 *     year) is an mbox;
 *   - after a byte-order mark, white space and comments, "<!DOCTYPE html"
 *     or "<html" (any case), or "<?xml" followed by either, is HTML;
 *   - otherwise the extension: .html .htm .xhtml, .md .markdown,
 *     .pdf, .eml, .mbox, .txt;
 *   - a file of no known extension whose first lines are e-mail headers
 *     ("Received:", "From:", "Message-ID:", ...) is a message; any other
 *     is text.
 * So an ".html" file that is really a PDF is read as a PDF, while a
 * ".txt" file that starts "From Washington, ..." stays text.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "readers.h"

void att_rdoc_init(att_rdoc *d)
{
	memset(d, 0, sizeof *d);
	att_buf_init(&d->title);
	att_buf_init(&d->text);
	att_buf_init(&d->arena);
}

void att_rdoc_reset(att_rdoc *d)
{
	att_buf_clear(&d->title);
	att_buf_clear(&d->text);
	att_buf_clear(&d->arena);
	d->title.rc = d->text.rc = d->arena.rc = ATT_OK;
	d->nfields = 0;
	d->npages = 0;
	d->gap = 0;
	d->over = 0;
}

void att_rdoc_release(att_rdoc *d)
{
	att_buf_release(&d->title);
	att_buf_release(&d->text);
	att_buf_release(&d->arena);
	att_free(d->pages);
	memset(d, 0, sizeof *d);
}

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

static void trim(const char **s, size_t *n)
{
	while (*n > 0 && is_ws((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_ws((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/* Appends S[0..N) to B as the inside of a JSON string. */
static void put_json_chars(att_buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			att_buf_putc(b, '\\');
			att_buf_putc(b, c);
		} else if (c < 0x20) {
			att_buf_printf(b, "\\u%04x", c);
		} else {
			att_buf_putc(b, c);
		}
	}
}

att_status att_rdoc_field(att_rdoc *d, const char *name, const char *value,
                          size_t n)
{
	size_t i, nl = strlen(name), at;

	trim(&value, &n);
	if (n == 0)
		return ATT_OK;
	for (i = 0; i < d->nfields; i++)
		if (d->f[i].name_len == nl &&
		    memcmp(d->arena.p + d->f[i].name, name, nl) == 0)
			break;
	if (i == d->nfields) {
		if (d->nfields == ATT_RD_FIELDS)
			return ATT_OK;
		d->f[i].name = d->arena.n;
		d->f[i].name_len = nl;
		att_buf_append(&d->arena, name, nl);
		d->f[i].value = d->arena.n;
		att_buf_append(&d->arena, value, n);
		d->f[i].value_len = d->arena.n - d->f[i].value;
		d->f[i].list = 0;
		if (d->arena.rc != ATT_OK)   /* not counted: its bytes are not there */
			return ATT_ENOMEM;
		d->nfields++;
		return ATT_OK;
	}
	/* again: a list, written anew at the arena's end; the arena may move
	 * as it grows, so the old value is copied out first */
	{
		size_t on = d->f[i].value_len;
		char *old = att_malloc(on + 1);

		if (old == NULL)
			return ATT_ENOMEM;
		memcpy(old, d->arena.p + d->f[i].value, on);
		at = d->arena.n;
		if (d->f[i].list) {   /* ["a","b"] -> ["a","b", */
			att_buf_append(&d->arena, old, on - 1);
			att_buf_putc(&d->arena, ',');
		} else {
			att_buf_append(&d->arena, "[\"", 2);
			put_json_chars(&d->arena, old, on);
			att_buf_append(&d->arena, "\",", 2);
		}
		att_free(old);
	}
	att_buf_putc(&d->arena, '"');
	put_json_chars(&d->arena, value, n);
	att_buf_append(&d->arena, "\"]", 2);
	if (d->arena.rc != ATT_OK)   /* the old value stands */
		return ATT_ENOMEM;
	d->f[i].value = at;
	d->f[i].value_len = d->arena.n - at;
	d->f[i].list = 1;
	return ATT_OK;
}

static int has_field(const att_rdoc *d, const char *name)
{
	size_t i, nl = strlen(name);

	for (i = 0; i < d->nfields; i++)
		if (d->f[i].name_len == nl &&
		    memcmp(d->arena.p + d->f[i].name, name, nl) == 0)
			return 1;
	return 0;
}

const att_field *att_rdoc_fields(att_rdoc *d, size_t *n)
{
	size_t i;

	for (i = 0; i < d->nfields; i++) {
		d->out[i].name = (const char *)d->arena.p + d->f[i].name;
		d->out[i].name_len = d->f[i].name_len;
		d->out[i].value = (const char *)d->arena.p + d->f[i].value;
		d->out[i].value_len = d->f[i].value_len;
	}
	*n = d->nfields;
	return d->out;
}

/* ---- dates -------------------------------------------------------------- */

/* N digits at S as a number, -1 if they are not all digits. */
static int digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int valid_civil(int y, int mo, int d, int h, int mi, int sec)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !leap))
		return 0;
	return h >= 0 && h < 24 && mi >= 0 && mi < 60 && sec >= 0 && sec <= 60;
}

static int64_t civil_seconds(int y, int mo, int d, int h, int mi, int sec)
{
	return att_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
}

/* A PDF date: "D:YYYY[MM[DD[HH[mm[SS]]]]][Z|(+|-)HH['mm[']]]". */
static int pdf_date(int64_t *t, const char *s, size_t n)
{
	int f[6] = { 0, 1, 1, 0, 0, 0 }, width[6] = { 4, 2, 2, 2, 2, 2 };
	size_t i = 2, k;
	int oh = 0, om = 0, sign = 0;

	if (n < 6 || s[0] != 'D' || s[1] != ':')
		return 0;
	for (k = 0; k < 6 && i + (size_t)width[k] <= n; k++) {
		int v = digits(s + i, (size_t)width[k]);

		if (v < 0)
			break;
		f[k] = v;
		i += (size_t)width[k];
	}
	if (k == 0)
		return 0;
	if (i < n && (s[i] == '+' || s[i] == '-')) {
		sign = s[i] == '-' ? -1 : 1;
		i++;
		if (i + 2 <= n && (oh = digits(s + i, 2)) >= 0) {
			i += 2;
			if (i < n && s[i] == '\'')
				i++;
			if (i + 2 <= n && (om = digits(s + i, 2)) >= 0)
				i += 2;
			else
				om = 0;
		} else {
			oh = 0;
		}
	}
	if (!valid_civil(f[0], f[1], f[2], f[3], f[4], f[5]) || oh > 23 || om > 59)
		return 0;
	*t = civil_seconds(f[0], f[1], f[2], f[3], f[4], f[5]) -
	     sign * (oh * 3600 + om * 60);
	return 1;
}

/* An RFC 5322 date: "[Day,] D Mon YYYY HH:MM[:SS] [zone]", the zone
 * +HHMM/-HHMM, UT, GMT, Z or a US zone name (EST, ...); others as UTC. */
static int mail_date(int64_t *t, const char *s, size_t n)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	static const struct { const char *name; int off; } zones[] = {
		{ "ut", 0 }, { "gmt", 0 }, { "z", 0 }, { "est", -5 }, { "edt", -4 },
		{ "cst", -6 }, { "cdt", -5 }, { "mst", -7 }, { "mdt", -6 },
		{ "pst", -8 }, { "pdt", -7 },
	};
	char buf[96], mon[4];
	int d, y, h, mi, sec = 0, mo, off = 0;
	char zone[8] = "";
	const char *p;
	size_t i;

	if (n >= sizeof buf)
		return 0;
	memcpy(buf, s, n);
	buf[n] = 0;
	p = strchr(buf, ',');
	p = p != NULL ? p + 1 : buf;
	if (sscanf(p, " %d %3s %d %d:%d:%d %7s", &d, mon, &y, &h, &mi, &sec,
	           zone) < 6) {
		sec = 0;
		zone[0] = 0;
		if (sscanf(p, " %d %3s %d %d:%d %7s", &d, mon, &y, &h, &mi, zone) < 5)
			return 0;
	}
	for (i = 0; i < 3 && mon[i]; i++)
		mon[i] = (char)tolower((unsigned char)mon[i]);
	for (mo = 0; mo < 12; mo++)
		if (memcmp(months + 3 * mo, mon, 3) == 0)
			break;
	if (mo == 12)
		return 0;
	if (y < 100)   /* obsolete two-digit years (RFC 5322 4.3) */
		y += y < 50 ? 2000 : 1900;
	if (!valid_civil(y, mo + 1, d, h, mi, sec))
		return 0;
	if ((zone[0] == '+' || zone[0] == '-') && strlen(zone) >= 5) {
		int hh = digits(zone + 1, 2), mm = digits(zone + 3, 2);

		if (hh >= 0 && mm >= 0 && mm < 60)
			off = (zone[0] == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
	} else {
		for (i = 0; zone[i]; i++)
			zone[i] = (char)tolower((unsigned char)zone[i]);
		for (i = 0; i < sizeof zones / sizeof zones[0]; i++)
			if (strcmp(zone, zones[i].name) == 0)
				off = zones[i].off * 3600;
	}
	*t = civil_seconds(y, mo + 1, d, h, mi, sec) - off;
	return 1;
}

att_status att_rdoc_date_unix(att_rdoc *d, int64_t t)
{
	char out[32];
	size_t n;

	if (has_field(d, "date"))
		return ATT_OK;
	n = att_date_format(out, sizeof out, t);
	return n > 0 ? att_rdoc_field(d, "date", out, n) : ATT_OK;
}

att_status att_rdoc_date(att_rdoc *d, const char *s, size_t n)
{
	int64_t lo, hi;

	trim(&s, &n);
	if (n == 0 || has_field(d, "date"))
		return ATT_OK;
	if (att_date_parse(&lo, &hi, s, n) == ATT_OK)
		return att_rdoc_field(d, "date", s, n);   /* ISO 8601, as given */
	if (pdf_date(&lo, s, n) || mail_date(&lo, s, n))
		return att_rdoc_date_unix(d, lo);
	return ATT_OK;
}

att_status att_rdoc_page(att_rdoc *d)
{
	if (d->npages == d->pages_cap) {
		size_t c = d->pages_cap ? 2 * d->pages_cap : 16;
		uint32_t *p = att_realloc(d->pages, c * sizeof *p);

		if (p == NULL)
			return ATT_ENOMEM;
		d->pages = p;
		d->pages_cap = c;
	}
	d->pages[d->npages++] = (uint32_t)d->text.n;
	d->gap = d->text.n > 0 ? 2 : 0;
	return ATT_OK;
}

/* ---- text --------------------------------------------------------------- */

void att_rdoc_para(att_rdoc *d)
{
	if (d->text.n > 0)
		d->gap = 2;
}

void att_rdoc_text(att_rdoc *d, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && !d->over) {
		size_t j = i;

		if (is_ws((unsigned char)s[i])) {
			while (i < n && is_ws((unsigned char)s[i]))
				i++;
			if (d->gap == 0 && d->text.n > 0)
				d->gap = 1;
			continue;
		}
		while (j < n && !is_ws((unsigned char)s[j]))
			j++;
		if (d->text.n + (j - i) + 2 > ATT_RD_TEXT_MAX) {
			d->over = 1;
			break;
		}
		if (d->gap == 2 && d->text.n > 0)
			att_buf_append(&d->text, "\n\n", 2);
		else if (d->gap == 1 && d->text.n > 0)
			att_buf_putc(&d->text, ' ');
		d->gap = 0;
		att_buf_append(&d->text, s + i, j - i);
		i = j;
	}
}

/* ---- sniffing ----------------------------------------------------------- */

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && strcasecmp(s + n - k, suffix) == 0;
}

att_kind att_kind_of_name(const char *name)
{
	static const struct { const char *ext; att_kind k; } exts[] = {
		{ ".txt", ATT_KIND_TEXT },      { ".html", ATT_KIND_HTML },
		{ ".htm", ATT_KIND_HTML },      { ".xhtml", ATT_KIND_HTML },
		{ ".md", ATT_KIND_MARKDOWN },   { ".markdown", ATT_KIND_MARKDOWN },
		{ ".pdf", ATT_KIND_PDF },       { ".eml", ATT_KIND_EML },
		{ ".mbox", ATT_KIND_MBOX },
	};
	size_t i;

	for (i = 0; i < sizeof exts / sizeof exts[0]; i++)
		if (ends_with(name, exts[i].ext))
			return exts[i].k;
	return ATT_KIND_UNKNOWN;
}

const char *att_kind_name(att_kind k)
{
	switch (k) {
	case ATT_KIND_TEXT:     return "text";
	case ATT_KIND_HTML:     return "HTML";
	case ATT_KIND_MARKDOWN: return "Markdown";
	case ATT_KIND_PDF:      return "PDF";
	case ATT_KIND_EML:      return "e-mail";
	case ATT_KIND_MBOX:     return "mbox";
	case ATT_KIND_UNKNOWN:  break;
	}
	return "unknown";
}

static int starts_nocase(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);

	return n >= k && strncasecmp((const char *)p, s, k) == 0;
}

/* "From SENDER ... HH:MM ... YYYY" as an mbox's first line. */
static int mbox_line(const uint8_t *p, size_t n)
{
	const uint8_t *nl;
	size_t i, len;
	int time = 0, year = 0;

	if (n < 5 || memcmp(p, "From ", 5) != 0)
		return 0;
	nl = memchr(p, '\n', n < 256 ? n : 256);
	if (nl == NULL)
		return 0;
	len = (size_t)(nl - p);
	if (len < 7 || p[5] == ' ')
		return 0;
	for (i = 5; i < len && p[i] != ' '; i++)   /* the sender: no space */
		;
	for (; i + 4 < len; i++) {
		if (isdigit(p[i]) && isdigit(p[i + 1]) && p[i + 2] == ':' &&
		    isdigit(p[i + 3]) && isdigit(p[i + 4]))
			time = 1;
		if ((i == 0 || p[i - 1] == ' ') && isdigit(p[i]) &&
		    isdigit(p[i + 1]) && isdigit(p[i + 2]) && isdigit(p[i + 3]) &&
		    (i + 4 == len || p[i + 4] == ' ' || p[i + 4] == '\r'))
			year = 1;
	}
	return time && year;
}

static int html_start(const uint8_t *p, size_t n)
{
	size_t i = 0, rounds;

	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	for (rounds = 0; rounds < 16; rounds++) {
		while (i < n && is_ws(p[i]))
			i++;
		if (starts_nocase(p + i, n - i, "<!doctype html") ||
		    starts_nocase(p + i, n - i, "<html"))
			return 1;
		if (starts_nocase(p + i, n - i, "<!--") ||
		    starts_nocase(p + i, n - i, "<?xml")) {
			const uint8_t *e = NULL;
			size_t j;

			for (j = i + 2; j + 1 < n && e == NULL; j++)
				if (p[j] == '>' && (p[i + 1] == '?' ? p[j - 1] == '?' :
				                    j >= i + 5 && p[j - 1] == '-' &&
				                    p[j - 2] == '-'))
					e = p + j;
			if (e == NULL)
				return 0;
			i = (size_t)(e - p) + 1;
			continue;
		}
		return 0;
	}
	return 0;
}

/* The first line is an e-mail header a message starts with. */
static int mail_start(const uint8_t *p, size_t n)
{
	static const char *const heads[] = {
		"received:", "return-path:", "from:", "message-id:", "date:",
		"subject:", "mime-version:", "delivered-to:", "to:", "x-",
		"dkim-signature:", "arc-seal:", "reply-to:",
	};
	size_t i;

	for (i = 0; i < sizeof heads / sizeof heads[0]; i++)
		if (starts_nocase(p, n, heads[i]))
			return 1;
	return 0;
}

att_kind att_sniff(const char *name, const uint8_t *p, size_t n)
{
	size_t probe = n < 8192 ? n : 8192, i;
	att_kind by_name = att_kind_of_name(name);

	for (i = 0; i + 5 <= (n < 1024 ? n : 1024); i++)
		if (memcmp(p + i, "%PDF-", 5) == 0)
			return ATT_KIND_PDF;
	/* UTF-16 with its byte-order mark, its first character '<' (or an
	 * .html name): the HTML reader converts it */
	if (n >= 4 && ((p[0] == 0xff && p[1] == 0xfe) || (p[0] == 0xfe && p[1] == 0xff)) &&
	    (by_name == ATT_KIND_HTML ||
	     (p[0] == 0xff ? p[2] == '<' && p[3] == 0 : p[2] == 0 && p[3] == '<')))
		return ATT_KIND_HTML;
	if (memchr(p, 0, probe) != NULL)
		return by_name == ATT_KIND_PDF ? ATT_KIND_PDF : ATT_KIND_UNKNOWN;
	if (mbox_line(p, n))
		return ATT_KIND_MBOX;
	if (html_start(p, n))
		return ATT_KIND_HTML;
	if (by_name != ATT_KIND_UNKNOWN)
		return by_name;
	return mail_start(p, n) ? ATT_KIND_EML : ATT_KIND_TEXT;
}
