/*
 * html.c: the HTML reader. A page's bytes become UTF-8, gumbo (an HTML5
 * parser, the tree a browser would build) parses them, and one walk of
 * the tree gives the text, the title and the fields.
 *
 * What is extracted:
 *   - the text of the body, entities decoded (by gumbo). Block elements
 *     (p, div, h1-h6, li, dt, dd, blockquote, pre, table, tr, td, th,
 *     section, article, main, figure, figcaption, address, hr, br, ul,
 *     ol, ...) end a paragraph: "\n\n" between them. Inline elements (a,
 *     span, em, b, ...) do not break a word: "foo<b>bar</b>" is "foobar".
 *     White space folds to one space; a no-break space (&nbsp;) is a
 *     space, other control characters too;
 *   - the title: <meta property="og:title">, else the first non-empty
 *     <title>, else the first <h1>'s text (an h1 inside a header counts),
 *     white space folded;
 *   - fields: "date" from <meta property="article:published_time">, else
 *     the first <time datetime="...">, else <meta name="date"> (or
 *     "dc.date", "dc.date.issued", "dcterms.date", "dcterms.issued",
 *     "pubdate"), each tried in turn until one reads as a date
 *     (att_rdoc_date); "source" from og:site_name; "language" from
 *     <html lang> (or xml:lang); "author" from <meta name="author">;
 *     "tags" from <meta name="keywords">, one item per comma, a list.
 *     A meta's key is its property, else its name, matched without case;
 *     the first non-empty value of each is kept.
 *
 * What is dropped:
 *   - script, style, template, noscript, noframes and <title> text;
 *   - boilerplate: head, nav, header, footer and aside (their text; the
 *     metadata inside them still counts), and any element with the
 *     "hidden" attribute;
 *   - embedded and interactive things: svg, iframe, object, embed,
 *     applet, video, audio, canvas, img (image alt text is not indexed),
 *     select, datalist, button, textarea, input, meter, progress: a word
 *     break where they were;
 *   - comments, and attribute values (input values, alt, title=...).
 *
 * Character set, decided on the bytes before gumbo sees them (gumbo
 * reads UTF-8 only):
 *   1. a byte-order mark: UTF-8, UTF-16LE or UTF-16BE, mark removed;
 *   2. else a <meta charset="..."> or <meta http-equiv="Content-Type"
 *      content="...; charset=..."> in the first 1024 bytes, found by a
 *      simple form of the HTML5 prescan (comments and other tags'
 *      attributes skipped). Labels map as the WHATWG Encoding standard
 *      says for the common ones (iso-8859-1, latin1 and us-ascii are
 *      windows-1252; gb2312 is GBK; shift_jis is windows-31j; a UTF-16
 *      label, readable as ASCII, means UTF-8; ...); any other name iconv
 *      knows is used if the encoding reads ASCII as ASCII. An unknown
 *      label (or one iconv lacks, or UTF-7, EBCDIC, UTF-32) is ignored,
 *      as browsers do: the scan goes on, then rule 3 decides;
 *   3. else UTF-8 if all the bytes are valid UTF-8, else windows-1252.
 * Anything not UTF-8 goes through iconv; a byte that does not convert
 * becomes U+FFFD. A page read as UTF-8 with invalid bytes has them
 * replaced by gumbo; every string taken from the tree is checked again,
 * so the text, title and fields are valid UTF-8 whatever the input.
 *
 * The walk. gumbo trees can be as deep as the input is long (a 6 MB
 * page of nested <span> is a million levels), so nothing here recurses:
 * a cursor moves through the tree with the nodes' parent pointers and
 * their index in the parent, in constant memory. Nor is the tree freed
 * by gumbo_destroy_output, which recurses one C frame a level and would
 * overflow the stack: gumbo allocates through att_malloc here (its
 * allocator option), each block on one list per parse, and the list is
 * freed at the end. An allocation that fails ends the parse there
 * (gumbo would use the NULL): siglongjmp back to the reader, the list
 * freed, ATT_ENOMEM.
 *
 * gumbo's assertions. Debian's libgumbo is built with its assert()s on,
 * and some inputs fail one (the fuzzers found two, in its handling of a
 * select or a table cell inside svg inside a table: see
 * tests/fuzz/regressions/fuzz_html-gumbo-*), which would abort the
 * whole indexing run over one bad page. So while gumbo parses, a SIGABRT
 * raised on the parsing thread jumps back to the reader, which frees
 * what gumbo held and refuses the page (ATT_EINPUT, "the HTML parser
 * ... failed an internal assertion"); the indexer skips that file and
 * goes on. glibc's abort() allows this (it holds no lock while the
 * handler runs), and the assertion's own message still goes to standard
 * error. The handler is
 * installed once, on the first parse, and hands any SIGABRT outside a
 * parse (another thread's, or this one's at any other time) to whatever
 * handler the program had before, or lets abort() end the process as it
 * would have. A program that installs its own SIGABRT handler later
 * turns this off; a gumbo crash that is not an assertion (a bad memory
 * access) is not caught.
 *
 * Limits: at most ATT_RD_LIMIT bytes of input and ATT_RD_TEXT_MAX bytes
 * of text (ATT_ELIMIT); a title or field value of at most META_MAX bytes
 * (cut at a character). gumbo's time grows with the nesting depth times
 * the number of tags (100,000 nested <div> take some 14 s); its memory
 * with the number of elements (a few hundred bytes each). gumbo runs
 * with kGumboDefaultOptions but for max_errors 0: its parse errors are
 * of no use here, and junk makes millions of them (10 MB of junk parse
 * in 1.4 s and 12 MB without them, 6.5 s and 300 MB with).
 */
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <gumbo.h>

#include "readers.h"

#define PRESCAN 1024                     /* bytes the charset scan reads */
#define META_MAX ((size_t)64 << 10)      /* longest title or field value */
#define CONV_MAX ((size_t)4 * ATT_RD_LIMIT) /* most UTF-8 made of a page */

static const char replacement[] = "\xef\xbf\xbd";  /* U+FFFD */

static att_status fail(char *msg, size_t cap, att_status st, const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));

static att_status fail(char *msg, size_t cap, att_status st, const char *fmt,
                       ...)
{
	va_list ap;

	if (cap > 0) {
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

/* ---- UTF-8 -------------------------------------------------------------- */

static int cont(uint8_t c)
{
	return (c & 0xc0) == 0x80;
}

/* The length of the valid UTF-8 sequence at P[0..N) (N > 0), 0 if it is
 * not one: no overlong forms, surrogates or code points past U+10FFFF. */
static size_t utf8_seq(const uint8_t *p, size_t n)
{
	uint8_t c = p[0];

	if (c < 0x80)
		return 1;
	if (c < 0xc2 || c > 0xf4)
		return 0;
	if (c < 0xe0)
		return n >= 2 && cont(p[1]) ? 2 : 0;
	if (c < 0xf0) {
		if (n < 3 || !cont(p[1]) || !cont(p[2]) ||
		    (c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f))
			return 0;
		return 3;
	}
	if (n < 4 || !cont(p[1]) || !cont(p[2]) || !cont(p[3]) ||
	    (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
		return 0;
	return 4;
}

static int valid_utf8(const uint8_t *p, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_seq(p + i, n - i)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

/* Appends S[0..N) to B as valid UTF-8: an invalid byte becomes U+FFFD,
 * a no-break space or a control character (white space aside) a space. */
static void put_clean(att_buf *b, const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, start = 0, k;

	while (i < n) {
		uint8_t c = p[i];

		if ((c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n' ||
		    c == '\r' || c == '\f') {
			i++;
			continue;
		}
		k = c < 0x80 ? 1 : utf8_seq(p + i, n - i);
		if (k > 1 && !(c == 0xc2 && p[i + 1] == 0xa0)) {
			i += k;
			continue;
		}
		att_buf_append(b, p + start, i - start);
		if (k == 0) {
			att_buf_append(b, replacement, 3);
			i++;
		} else {
			att_buf_putc(b, ' ');
			i += k;
		}
		start = i;
	}
	att_buf_append(b, p + start, n - start);
}

/* Folds B's runs of white space to one space and trims it. */
static void fold(att_buf *b)
{
	size_t i, o = 0;
	int space = 0;

	for (i = 0; i < b->n; i++) {
		if (is_ws(b->p[i])) {
			space = o > 0;
			continue;
		}
		if (space)
			b->p[o++] = ' ';
		space = 0;
		b->p[o++] = b->p[i];
	}
	b->n = o;
}

/* Cuts B to at most MAX bytes, at a character's start. */
static void cap_utf8(att_buf *b, size_t max)
{
	if (b->n <= max)
		return;
	b->n = max;
	while (b->n > 0 && cont(b->p[b->n]))
		b->n--;
}

/* ---- character sets ----------------------------------------------------- */

/* The encoding of a page: UTF-8 (name NULL) or what iconv calls NAME,
 * whose smallest unit is UNIT bytes (what a byte that does not convert
 * skips). */
typedef struct enc {
	const char *name;
	size_t unit;
	char label[48];      /* NAME when it is the page's own label */
} enc;

static const char *const labels_utf8[] = {
	"utf-8", "utf8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8",
	"x-unicode20utf8",
	/* UTF-16 declared in bytes that read as ASCII: UTF-8 (HTML5) */
	"utf-16", "utf-16le", "utf-16be", "unicode", "unicodefeff",
	"unicodefffe", "csunicode", "iso-10646-ucs-2", "ucs-2", NULL
};

/* WHATWG labels for the encodings glibc names otherwise */
static const struct { const char *label, *name; } aliases[] = {
	{ "windows-1252", "WINDOWS-1252" }, { "cp1252", "WINDOWS-1252" },
	{ "x-cp1252", "WINDOWS-1252" },     { "iso-8859-1", "WINDOWS-1252" },
	{ "iso8859-1", "WINDOWS-1252" },    { "iso88591", "WINDOWS-1252" },
	{ "iso_8859-1", "WINDOWS-1252" },   { "iso-ir-100", "WINDOWS-1252" },
	{ "iso_8859-1:1987", "WINDOWS-1252" },
	{ "latin1", "WINDOWS-1252" },       { "l1", "WINDOWS-1252" },
	{ "ascii", "WINDOWS-1252" },        { "us-ascii", "WINDOWS-1252" },
	{ "ansi_x3.4-1968", "WINDOWS-1252" }, { "cp819", "WINDOWS-1252" },
	{ "ibm819", "WINDOWS-1252" },       { "csisolatin1", "WINDOWS-1252" },
	{ "x-user-defined", "WINDOWS-1252" },
	{ "iso-8859-9", "WINDOWS-1254" },   { "iso8859-9", "WINDOWS-1254" },
	{ "iso88599", "WINDOWS-1254" },     { "iso_8859-9", "WINDOWS-1254" },
	{ "latin5", "WINDOWS-1254" },       { "l5", "WINDOWS-1254" },
	{ "windows-1254", "WINDOWS-1254" }, { "cp1254", "WINDOWS-1254" },
	{ "tis-620", "WINDOWS-874" },       { "iso-8859-11", "WINDOWS-874" },
	{ "iso885911", "WINDOWS-874" },     { "windows-874", "WINDOWS-874" },
	{ "dos-874", "WINDOWS-874" },       { "gb2312", "GBK" },
	{ "gbk", "GBK" },                   { "x-gbk", "GBK" },
	{ "chinese", "GBK" },               { "csgb2312", "GBK" },
	{ "gb_2312", "GBK" },               { "gb_2312-80", "GBK" },
	{ "big5", "BIG5-HKSCS" },           { "big5-hkscs", "BIG5-HKSCS" },
	{ "cn-big5", "BIG5-HKSCS" },        { "csbig5", "BIG5-HKSCS" },
	{ "x-x-big5", "BIG5-HKSCS" },       { "euc-kr", "CP949" },
	{ "ks_c_5601-1987", "CP949" },      { "ks_c_5601-1989", "CP949" },
	{ "ksc5601", "CP949" },             { "ksc_5601", "CP949" },
	{ "korean", "CP949" },              { "windows-949", "CP949" },
	{ "shift_jis", "WINDOWS-31J" },     { "shift-jis", "WINDOWS-31J" },
	{ "sjis", "WINDOWS-31J" },          { "ms_kanji", "WINDOWS-31J" },
	{ "ms932", "WINDOWS-31J" },         { "windows-31j", "WINDOWS-31J" },
	{ "x-sjis", "WINDOWS-31J" },        { "csshiftjis", "WINDOWS-31J" },
};

/* 1 if iconv knows NAME and it reads ASCII as ASCII (not UTF-7, UTF-16,
 * UTF-32 or EBCDIC): the declaration it came in was readable as ASCII. */
static int ascii_compatible(const char *name)
{
	char probe[] = "<meta charset=\"Az09+-_.;:/'\">", out[64];
	char *in = probe, *o = out;
	size_t inleft = sizeof probe - 1, outleft = sizeof out;
	iconv_t cd = iconv_open("UTF-8", name);
	int ok;

	if (cd == (iconv_t)-1)
		return 0;
	ok = iconv(cd, &in, &inleft, &o, &outleft) != (size_t)-1 &&
	     iconv(cd, NULL, NULL, &o, &outleft) != (size_t)-1 && inleft == 0 &&
	     (size_t)(o - out) == sizeof probe - 1 &&
	     memcmp(out, probe, sizeof probe - 1) == 0;
	iconv_close(cd);
	return ok;
}

/* Sets E from the label S[0..N); 0 if the label is unknown. */
static char lower(uint8_t c)
{
	return (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

static int resolve(enc *e, const uint8_t *s, size_t n)
{
	size_t i;

	while (n > 0 && is_ws(*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_ws(s[n - 1]))
		n--;
	if (n == 0 || n >= sizeof e->label)
		return 0;
	for (i = 0; i < n; i++) {
		char c = lower(s[i]);

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      (c != 0 && strchr("-_.:", c) != NULL)))
			return 0;
		e->label[i] = c;
	}
	e->label[n] = 0;
	e->unit = 1;
	for (i = 0; labels_utf8[i] != NULL; i++)
		if (strcmp(e->label, labels_utf8[i]) == 0) {
			e->name = NULL;
			return 1;
		}
	for (i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		if (strcmp(e->label, aliases[i].label) == 0) {
			e->name = aliases[i].name;
			return 1;
		}
	if (!ascii_compatible(e->label))
		return 0;
	e->name = e->label;
	return 1;
}

static int starts_nocase(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);

	return n >= k && strncasecmp((const char *)p, s, k) == 0;
}

/* One attribute of a tag in the prescan, from P[*I] (below LIM): its
 * name lowercased into NAME (cut to 15 bytes), its value at *V, *VN
 * bytes. 0 at the tag's end ('>' or LIM), *I then on the '>'. */
static int get_attr(const uint8_t *p, size_t lim, size_t *i, char name[16],
                    const uint8_t **v, size_t *vn)
{
	size_t k = 0, j = *i;

	while (j < lim && (is_ws(p[j]) || p[j] == '/'))
		j++;
	*v = p + j;
	*vn = 0;
	if (j >= lim || p[j] == '>') {
		*i = j;
		return 0;
	}
	do {   /* the name: up to '=', white space, '/' or '>' */
		if (k < 15)
			name[k++] = lower(p[j]);
		j++;
	} while (j < lim && p[j] != '=' && !is_ws(p[j]) && p[j] != '/' &&
	         p[j] != '>');
	name[k] = 0;
	while (j < lim && is_ws(p[j]))
		j++;
	if (j < lim && p[j] == '=') {
		for (j++; j < lim && is_ws(p[j]); j++)
			;
		if (j < lim && (p[j] == '"' || p[j] == '\'')) {
			uint8_t q = p[j++];

			for (*v = p + j; j < lim && p[j] != q; j++)
				;
			*vn = (size_t)(p + j - *v);
			j += j < lim;
		} else {
			for (*v = p + j; j < lim && !is_ws(p[j]);) {
				if (p[j] == '>')
					break;
				j++;
			}
			*vn = (size_t)(p + j - *v);
		}
	}
	*i = j;
	return 1;
}

/* The charset named in a Content-Type value S[0..N): *V, *VN; 0 if none
 * (HTML5 "extracting a character encoding from a meta element"). */
static int content_charset(const uint8_t *s, size_t n, const uint8_t **v,
                           size_t *vn)
{
	size_t i = 0, j;

	for (; i + 7 <= n; i++) {
		if (!starts_nocase(s + i, n - i, "charset"))
			continue;
		for (j = i + 7; j < n && is_ws(s[j]); j++)
			;
		if (j >= n || s[j] != '=')
			continue;
		for (j++; j < n && is_ws(s[j]); j++)
			;
		if (j < n && (s[j] == '"' || s[j] == '\'')) {
			const uint8_t *e = memchr(s + j + 1, s[j], n - j - 1);

			if (e == NULL)
				return 0;
			*v = s + j + 1;
			*vn = (size_t)(e - *v);
			return 1;
		}
		for (*v = s + j; j < n && !is_ws(s[j]) && s[j] != ';'; j++)
			;
		*vn = (size_t)(s + j - *v);
		return *vn > 0;
	}
	return 0;
}

/* Reads the attributes of a tag from P[*I]; for a meta (META set), sets
 * E from its charset and returns 1 if the charset is known. */
static int scan_tag(enc *e, const uint8_t *p, size_t lim, size_t *i,
                    int meta)
{
	const uint8_t *v, *cs = NULL, *content = NULL;
	size_t vn, csn = 0, contentn = 0;
	int pragma = 0;
	char name[16];

	while (get_attr(p, lim, i, name, &v, &vn)) {
		if (strcmp(name, "charset") == 0 && cs == NULL) {
			cs = v;
			csn = vn;
		} else if (strcmp(name, "content") == 0 && content == NULL) {
			content = v;
			contentn = vn;
		} else if (strcmp(name, "http-equiv") == 0) {
			pragma |= vn == 12 &&
			          starts_nocase(v, vn, "content-type");
		}
	}
	*i += 1;   /* past the '>' */
	if (!meta)
		return 0;
	if (cs != NULL)
		return resolve(e, cs, csn);
	if (pragma && content != NULL &&
	    content_charset(content, contentn, &v, &vn))
		return resolve(e, v, vn);
	return 0;
}

/* The charset a meta in the first PRESCAN bytes of P[0..N) declares:
 * 1 and E set, or 0. */
static int prescan(enc *e, const uint8_t *p, size_t n)
{
	size_t lim = n < PRESCAN ? n : PRESCAN, i = 0;

	while (i < lim) {
		const uint8_t *end;
		uint8_t c = i + 1 < lim ? p[i + 1] : 0;
		uint8_t c2 = i + 2 < lim ? p[i + 2] | 0x20 : 0;

		if (p[i] != '<') {
			i++;
		} else if (starts_nocase(p + i, lim - i, "<!--")) {
			end = memmem(p + i + 4, lim - i - 4, "-->", 3);
			if (end == NULL)
				return 0;
			i = (size_t)(end - p) + 3;
		} else if (starts_nocase(p + i, lim - i, "<meta") &&
		           i + 5 < lim && (is_ws(p[i + 5]) || p[i + 5] == '/')) {
			i += 5;
			if (scan_tag(e, p, lim, &i, 1))
				return 1;
		} else if (((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
		           (c == '/' && c2 >= 'a' && c2 <= 'z')) {
			for (i += 2; i < lim && !is_ws(p[i]) && p[i] != '>';)
				i++;
			scan_tag(e, p, lim, &i, 0);   /* another tag: skipped */
		} else if (c == '!' || c == '/' || c == '?') {
			end = memchr(p + i + 1, '>', lim - i - 1);
			if (end == NULL)
				return 0;
			i = (size_t)(end - p) + 1;
		} else {
			i++;
		}
	}
	return 0;
}

/* The encoding of P[0..N) and the bytes of its byte-order mark, *SKIP. */
static void detect(enc *e, size_t *skip, const uint8_t *p, size_t n)
{
	e->name = NULL;
	e->unit = 1;
	*skip = 0;
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		*skip = 3;
	} else if (n >= 2 && p[0] == 0xff && p[1] == 0xfe) {
		e->name = "UTF-16LE";
		e->unit = *skip = 2;
	} else if (n >= 2 && p[0] == 0xfe && p[1] == 0xff) {
		e->name = "UTF-16BE";
		e->unit = *skip = 2;
	} else if (!prescan(e, p, n) && !valid_utf8(p, n)) {
		e->name = "WINDOWS-1252";
		e->unit = 1;
	}
}

/* Makes room for more output in OUT, whose free space is spent. */
static att_status grow(att_buf *out)
{
	if (out->n > CONV_MAX)
		return ATT_ELIMIT;
	return att_buf_reserve(out, out->cap / 2 + 4096) == 0 ? ATT_OK
	                                                      : ATT_ENOMEM;
}

/* Appends P[0..N) in encoding E to OUT as UTF-8; a unit that does not
 * convert (or is cut at the end) becomes U+FFFD. */
static att_status convert(att_buf *out, const enc *e, const uint8_t *p,
                          size_t n, char *msg, size_t cap)
{
	iconv_t cd = iconv_open("UTF-8", e->name);
	char *in = (char *)p;   /* iconv's prototype; it does not write there */
	size_t left = n, room, r, k;
	att_status st = ATT_OK;
	char *o;

	if (cd == (iconv_t)-1)
		return fail(msg, cap, ATT_EINPUT,
		            "no converter from %s to UTF-8", e->name);
	if (att_buf_reserve(out, n + n / 2 + 64) != 0)
		st = ATT_ENOMEM;
	while (st == ATT_OK) {
		o = (char *)out->p + out->n;
		room = out->cap - out->n;
		r = left > 0 ? iconv(cd, &in, &left, &o, &room)
		             : iconv(cd, NULL, NULL, &o, &room);
		out->n = (size_t)((uint8_t *)o - out->p);
		if (r != (size_t)-1 && left == 0) {
			if (in == NULL)
				break;       /* flushed */
			in = NULL;       /* flush a stateful encoding's end */
		} else if (r != (size_t)-1 || (errno != E2BIG && in == NULL)) {
			break;   /* not seen: iconv stops only with -1 */
		} else if (errno == E2BIG) {
			st = grow(out);
		} else {           /* EILSEQ, EINVAL: one unit is U+FFFD */
			k = left < e->unit ? left : e->unit;
			in += k;
			left -= k;
			att_buf_append(out, replacement, 3);
			if (out->rc != ATT_OK)
				st = ATT_ENOMEM;
		}
		if (st == ATT_OK && out->n > CONV_MAX)
			st = ATT_ELIMIT;
	}
	iconv_close(cd);
	if (st == ATT_ELIMIT)
		return fail(msg, cap, st,
		            "more than %zu MiB once converted to UTF-8",
		            CONV_MAX >> 20);
	if (st == ATT_OK && out->rc != ATT_OK)
		st = out->rc;
	return st == ATT_ENOMEM ? fail(msg, cap, st, "out of memory") : st;
}

/* ---- the tree ----------------------------------------------------------- */

static GumboVector *kids(GumboNode *node)
{
	switch (node->type) {
	case GUMBO_NODE_DOCUMENT:
		return &node->v.document.children;
	case GUMBO_NODE_ELEMENT:
	case GUMBO_NODE_TEMPLATE:
		return &node->v.element.children;
	default:
		return NULL;
	}
}

/* NODE's next sibling, NULL if it is the last (or has no parent). */
static GumboNode *next_sibling(GumboNode *node)
{
	GumboVector *v = node->parent != NULL ? kids(node->parent) : NULL;
	size_t i = node->index_within_parent;
	int at;

	if (v == NULL)
		return NULL;
	if (i >= v->length || v->data[i] != node) {   /* never seen; be safe */
		if ((at = gumbo_vector_index_of(v, node)) < 0)
			return NULL;
		i = (size_t)at;
	}
	return i + 1 < v->length ? v->data[i + 1] : NULL;
}

/* A walk through a tree without a stack: each node is entered, then its
 * children walked, then it is left; depth 0 is the root's. */
enum { EV_END, EV_ENTER, EV_LEAVE, EV_START };

typedef struct cursor {
	GumboNode *root, *node;
	size_t depth;
	int last;   /* the event last returned, EV_START before the first */
} cursor;

static void cursor_init(cursor *c, GumboNode *root)
{
	c->root = c->node = root;
	c->depth = 0;
	c->last = root != NULL ? EV_START : EV_END;
}

/* The next event, at c->node and c->depth. */
static int cursor_step(cursor *c)
{
	GumboVector *v;
	GumboNode *sib;

	if (c->last == EV_START)
		return c->last = EV_ENTER;
	if (c->last == EV_ENTER) {
		v = kids(c->node);
		if (v != NULL && v->length > 0) {
			c->node = v->data[0];
			c->depth++;
			return EV_ENTER;
		}
		return c->last = EV_LEAVE;
	}
	if (c->last != EV_LEAVE || c->node == c->root ||
	    c->node->parent == NULL)
		return c->last = EV_END;
	if ((sib = next_sibling(c->node)) != NULL) {
		c->node = sib;
		return c->last = EV_ENTER;
	}
	c->node = c->node->parent;
	c->depth--;
	return EV_LEAVE;
}

/* ---- gumbo's memory, and its assertions --------------------------------- */

/* Every block gumbo allocates comes from att_malloc with this header in
 * front, on one list per parse, so that the whole tree goes at once
 * (release_heap) with no walk of it, and nothing is lost when a parse is
 * abandoned half way. */
typedef union gblock {
	struct {
		union gblock *prev, *next;
	} l;
	max_align_t align;   /* what follows is aligned as malloc's is */
} gblock;

typedef struct gheap {
	gblock all;            /* the list's head: all.l.next is the newest */
	sigjmp_buf *jump;      /* where an allocation that fails goes */
	int oom;               /* one did */
} gheap;

static void heap_init(gheap *h)
{
	h->all.l.prev = h->all.l.next = &h->all;
	h->jump = NULL;
	h->oom = 0;
}

static void *heap_alloc(void *ud, size_t n)
{
	gheap *h = ud;
	gblock *b = n <= SIZE_MAX - sizeof *b ? att_malloc(sizeof *b + n) : NULL;

	if (b == NULL) {
		/* gumbo uses what it asked for unchecked: the parse ends here */
		h->oom = 1;
		siglongjmp(*h->jump, 1);
	}
	b->l.prev = &h->all;
	b->l.next = h->all.l.next;
	b->l.next->l.prev = b;
	h->all.l.next = b;
	return b + 1;
}

static void heap_free(void *ud, void *p)
{
	gblock *b;

	(void)ud;
	if (p == NULL)
		return;
	b = (gblock *)p - 1;
	b->l.prev->l.next = b->l.next;
	b->l.next->l.prev = b->l.prev;
	att_free(b);
}

/* Frees what gumbo holds: its output, or what an abandoned parse left. */
static void release_heap(gheap *h)
{
	gblock *b = h->all.l.next, *next;

	for (; b != &h->all; b = next) {
		next = b->l.next;
		att_free(b);
	}
	heap_init(h);
}

/* The parse this thread is in, if any: where a SIGABRT goes. */
static __thread sigjmp_buf *parsing;
static struct sigaction abort_before;   /* the handler found, chained to */
static pthread_once_t abort_once = PTHREAD_ONCE_INIT;

static void on_abort(int sig, siginfo_t *si, void *ctx)
{
	sigjmp_buf *jb = parsing;

	if (jb != NULL) {
		parsing = NULL;
		siglongjmp(*jb, 1);
	}
	/* not in a parse: what the program had; for SIG_DFL and SIG_IGN,
	 * returning lets abort() end the process as it would have */
	if (abort_before.sa_flags & SA_SIGINFO)
		abort_before.sa_sigaction(sig, si, ctx);
	else if (abort_before.sa_handler != SIG_DFL &&
	         abort_before.sa_handler != SIG_IGN)
		abort_before.sa_handler(sig);
}

static void catch_abort(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_abort;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGABRT, &sa, &abort_before);
}

/* gumbo_parse_with_options on [SRC, SRC + LEN), its memory from H: the
 * tree, or NULL if gumbo failed an assertion (*OOM 0) or memory ran out
 * (*OOM 1), with what it had allocated freed. */
static GumboOutput *parse(gheap *h, const char *src, size_t len, int *oom)
{
	GumboOptions opts = kGumboDefaultOptions;
	GumboOutput *volatile out = NULL;
	sigjmp_buf jb;

	pthread_once(&abort_once, catch_abort);
	opts.allocator = heap_alloc;
	opts.deallocator = heap_free;
	opts.userdata = h;
	opts.max_errors = 0;   /* see the top of the file */
	h->jump = &jb;
	if (sigsetjmp(jb, 1) != 0) {
		parsing = NULL;
		*oom = h->oom;
		release_heap(h);
		return NULL;
	}
	parsing = &jb;
	out = gumbo_parse_with_options(&opts, src, len);
	parsing = NULL;
	h->jump = NULL;
	*oom = 0;
	return out;
}

/* ---- the walk ----------------------------------------------------------- */

/* What an element does to the text. */
enum {
	K_INLINE,   /* nothing: its text runs on */
	K_BLOCK,    /* a paragraph ends before and after it */
	K_QUIET,    /* its text dropped, a paragraph end around it */
	K_OBJECT,   /* its text dropped, a word break around it */
	K_SILENT    /* its text dropped, nothing around it */
};

static int kind_of(GumboNode *node)
{
	const GumboElement *el = &node->v.element;

	if (node->type == GUMBO_NODE_TEMPLATE)
		return K_SILENT;
	if (el->tag == GUMBO_TAG_SVG)
		return K_OBJECT;
	if (el->tag_namespace != GUMBO_NAMESPACE_HTML)
		return K_INLINE;
	if (gumbo_get_attribute(&el->attributes, "hidden") != NULL)
		return K_QUIET;
	switch (el->tag) {
	case GUMBO_TAG_P: case GUMBO_TAG_DIV: case GUMBO_TAG_H1:
	case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4:
	case GUMBO_TAG_H5: case GUMBO_TAG_H6: case GUMBO_TAG_HGROUP:
	case GUMBO_TAG_LI: case GUMBO_TAG_DL: case GUMBO_TAG_DT:
	case GUMBO_TAG_DD: case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_PRE:
	case GUMBO_TAG_TABLE: case GUMBO_TAG_CAPTION: case GUMBO_TAG_THEAD:
	case GUMBO_TAG_TBODY: case GUMBO_TAG_TFOOT: case GUMBO_TAG_TR:
	case GUMBO_TAG_TD: case GUMBO_TAG_TH: case GUMBO_TAG_SECTION:
	case GUMBO_TAG_ARTICLE: case GUMBO_TAG_MAIN: case GUMBO_TAG_FIGURE:
	case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_ADDRESS: case GUMBO_TAG_HR:
	case GUMBO_TAG_BR: case GUMBO_TAG_UL: case GUMBO_TAG_OL:
	case GUMBO_TAG_MENU: case GUMBO_TAG_DIR: case GUMBO_TAG_BODY:
	case GUMBO_TAG_HTML: case GUMBO_TAG_FORM: case GUMBO_TAG_FIELDSET:
	case GUMBO_TAG_LEGEND: case GUMBO_TAG_DETAILS: case GUMBO_TAG_SUMMARY:
	case GUMBO_TAG_CENTER: case GUMBO_TAG_LISTING: case GUMBO_TAG_XMP:
	case GUMBO_TAG_PLAINTEXT: case GUMBO_TAG_FRAMESET:
		return K_BLOCK;
	case GUMBO_TAG_HEAD: case GUMBO_TAG_NAV: case GUMBO_TAG_HEADER:
	case GUMBO_TAG_FOOTER: case GUMBO_TAG_ASIDE: case GUMBO_TAG_NOSCRIPT:
	case GUMBO_TAG_NOFRAMES:
		return K_QUIET;
	case GUMBO_TAG_IFRAME: case GUMBO_TAG_OBJECT: case GUMBO_TAG_EMBED:
	case GUMBO_TAG_APPLET: case GUMBO_TAG_VIDEO: case GUMBO_TAG_AUDIO:
	case GUMBO_TAG_CANVAS: case GUMBO_TAG_IMG: case GUMBO_TAG_IMAGE:
	case GUMBO_TAG_SELECT: case GUMBO_TAG_DATALIST: case GUMBO_TAG_BUTTON:
	case GUMBO_TAG_TEXTAREA: case GUMBO_TAG_INPUT: case GUMBO_TAG_METER:
	case GUMBO_TAG_PROGRESS: case GUMBO_TAG_KEYGEN:
		return K_OBJECT;
	case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_TEMPLATE:
	case GUMBO_TAG_TITLE:
		return K_SILENT;
	default:
		return K_INLINE;
	}
}

/* The metadata a page gives, cleaned and folded; each keeps its first
 * non-empty value. */
enum {
	M_OG_TITLE, M_TITLE, M_H1, M_PUBLISHED, M_TIME, M_DATE, M_SITE,
	M_AUTHOR, M_KEYWORDS, M_LANG, M_COUNT
};

static const struct { const char *key; int m; } meta_keys[] = {
	{ "og:title", M_OG_TITLE },        { "og:site_name", M_SITE },
	{ "article:published_time", M_PUBLISHED },
	{ "author", M_AUTHOR },            { "keywords", M_KEYWORDS },
	{ "date", M_DATE },                { "dc.date", M_DATE },
	{ "dc.date.issued", M_DATE },      { "dcterms.date", M_DATE },
	{ "dcterms.issued", M_DATE },      { "pubdate", M_DATE },
};

typedef struct walk {
	att_rdoc *d;
	att_buf tmp;          /* one text node, cleaned */
	att_buf m[M_COUNT];
	size_t quiet;         /* depth of the element whose text is dropped */
	size_t inert;         /* depth of the template around, its metadata
	                         ignored too */
	size_t h1;            /* depth of the first h1 while in it */
	size_t h1_quiet;      /* depth of the element in it whose text is
	                         dropped */
	int h1_done;
} walk;

static void walk_init(walk *w, att_rdoc *d)
{
	int i;

	memset(w, 0, sizeof *w);
	w->d = d;
	att_buf_init(&w->tmp);
	for (i = 0; i < M_COUNT; i++)
		att_buf_init(&w->m[i]);
}

static void walk_release(walk *w)
{
	int i;

	att_buf_release(&w->tmp);
	for (i = 0; i < M_COUNT; i++)
		att_buf_release(&w->m[i]);
}

static att_status walk_rc(const walk *w)
{
	int i;

	if (w->tmp.rc != ATT_OK)
		return w->tmp.rc;
	for (i = 0; i < M_COUNT; i++)
		if (w->m[i].rc != ATT_OK)
			return w->m[i].rc;
	return ATT_OK;
}

/* Sets metadata M to S (NUL-terminated) unless it has a value. */
static void set_meta(walk *w, int m, const char *s)
{
	if (w->m[m].n > 0 || s == NULL)
		return;
	put_clean(&w->m[m], s, strlen(s));
	fold(&w->m[m]);
	cap_utf8(&w->m[m], META_MAX);
}

static int is_key(const char *s, const char *key)
{
	size_t n, k = strlen(key);

	while (is_ws((unsigned char)*s))
		s++;
	for (n = strlen(s); n > 0 && is_ws((unsigned char)s[n - 1]); n--)
		;
	return n == k && strncasecmp(s, key, k) == 0;
}

static void note_meta_tag(walk *w, const GumboElement *el)
{
	static const char *const attrs[] = { "property", "name" };
	const GumboAttribute *a, *content;
	size_t i, k;

	content = gumbo_get_attribute(&el->attributes, "content");
	if (content == NULL)
		return;
	for (i = 0; i < 2; i++) {
		a = gumbo_get_attribute(&el->attributes, attrs[i]);
		if (a == NULL)
			continue;
		for (k = 0; k < sizeof meta_keys / sizeof meta_keys[0]; k++)
			if (is_key(a->value, meta_keys[k].key)) {
				set_meta(w, meta_keys[k].m, content->value);
				return;
			}
	}
}

/* The metadata element NODE (HTML) at DEPTH gives. */
static void note_meta(walk *w, GumboNode *node, size_t depth)
{
	const GumboElement *el = &node->v.element;
	const GumboAttribute *a;
	size_t i;

	switch (el->tag) {
	case GUMBO_TAG_HTML:
		if ((a = gumbo_get_attribute(&el->attributes, "lang")) == NULL)
			a = gumbo_get_attribute(&el->attributes, "xml:lang");
		if (a != NULL && depth == 1)
			set_meta(w, M_LANG, a->value);
		break;
	case GUMBO_TAG_META:
		note_meta_tag(w, el);
		break;
	case GUMBO_TAG_TITLE:
		if (w->m[M_TITLE].n > 0)
			break;
		for (i = 0; i < el->children.length; i++) {
			const GumboNode *t = el->children.data[i];

			if ((t->type == GUMBO_NODE_TEXT ||
			     t->type == GUMBO_NODE_WHITESPACE) &&
			    w->m[M_TITLE].n < META_MAX)
				put_clean(&w->m[M_TITLE], t->v.text.text,
				          strlen(t->v.text.text));
		}
		fold(&w->m[M_TITLE]);
		cap_utf8(&w->m[M_TITLE], META_MAX);
		break;
	case GUMBO_TAG_H1:
		if (!w->h1_done && w->h1 == 0)
			w->h1 = depth;
		break;
	case GUMBO_TAG_TIME:
		a = gumbo_get_attribute(&el->attributes, "datetime");
		if (a != NULL)
			set_meta(w, M_TIME, a->value);
		break;
	default:
		break;
	}
}

static void enter_element(walk *w, GumboNode *node, size_t depth)
{
	int k = kind_of(node);

	if (node->type == GUMBO_NODE_TEMPLATE && w->inert == 0)
		w->inert = depth;
	if (w->inert == 0 &&
	    node->v.element.tag_namespace == GUMBO_NAMESPACE_HTML)
		note_meta(w, node, depth);
	if (w->h1 != 0 && w->h1 < depth && k != K_INLINE) {
		att_buf_putc(&w->m[M_H1], ' ');
		if (k != K_BLOCK && w->h1_quiet == 0)
			w->h1_quiet = depth;
	}
	if (w->quiet != 0)
		return;
	if (k == K_BLOCK || k == K_QUIET)
		att_rdoc_para(w->d);
	else if (k == K_OBJECT)
		att_rdoc_text(w->d, " ", 1);
	if (k == K_QUIET || k == K_OBJECT || k == K_SILENT)
		w->quiet = depth;
}

static void leave_element(walk *w, GumboNode *node, size_t depth)
{
	int k = kind_of(node);

	if (w->h1 == depth) {
		fold(&w->m[M_H1]);
		cap_utf8(&w->m[M_H1], META_MAX);
		w->h1_done = w->m[M_H1].n > 0;
		w->h1 = 0;
	}
	if (w->h1 != 0 && w->h1 < depth && k != K_INLINE)
		att_buf_putc(&w->m[M_H1], ' ');
	if (w->h1_quiet == depth)
		w->h1_quiet = 0;
	if (w->inert == depth)
		w->inert = 0;
	if (w->quiet == depth)
		w->quiet = 0;
	else if (w->quiet != 0)
		return;
	if (k == K_BLOCK || k == K_QUIET)
		att_rdoc_para(w->d);
	else if (k == K_OBJECT)
		att_rdoc_text(w->d, " ", 1);
}

static void text_node(walk *w, const GumboNode *node)
{
	const char *s = node->v.text.text;
	size_t n = strlen(s);

	if (w->h1 != 0 && w->h1_quiet == 0 && w->m[M_H1].n < META_MAX)
		put_clean(&w->m[M_H1], s, n);
	if (w->quiet != 0)
		return;
	att_buf_clear(&w->tmp);
	put_clean(&w->tmp, s, n);
	if (w->tmp.rc == ATT_OK)
		att_rdoc_text(w->d, (const char *)w->tmp.p, w->tmp.n);
}

/* Walks the tree from ROOT into W; stops once the text is over its
 * limit. */
static void walk_tree(walk *w, GumboNode *root)
{
	cursor c;
	int ev;

	cursor_init(&c, root);
	while ((ev = cursor_step(&c)) != EV_END && !w->d->over) {
		GumboNode *node = c.node;

		switch (node->type) {
		case GUMBO_NODE_ELEMENT:
		case GUMBO_NODE_TEMPLATE:
			if (ev == EV_ENTER)
				enter_element(w, node, c.depth);
			else
				leave_element(w, node, c.depth);
			break;
		case GUMBO_NODE_TEXT:
		case GUMBO_NODE_CDATA:
		case GUMBO_NODE_WHITESPACE:
			if (ev == EV_ENTER)
				text_node(w, node);
			break;
		default:
			break;
		}
	}
}

/* The title and fields from W's metadata into W->d. */
static att_status finish(walk *w)
{
	att_rdoc *d = w->d;
	const att_buf *t = w->m[M_OG_TITLE].n > 0 ? &w->m[M_OG_TITLE]
	                 : w->m[M_TITLE].n > 0    ? &w->m[M_TITLE]
	                                          : &w->m[M_H1];
	const att_buf *kw = &w->m[M_KEYWORDS];
	static const struct { const char *name; int m; } fields[] = {
		{ "source", M_SITE }, { "language", M_LANG },
		{ "author", M_AUTHOR },
	};
	size_t i, start;
	att_status st = ATT_OK;

	att_buf_append(&d->title, t->p, t->n);
	for (i = M_PUBLISHED; i <= M_DATE && st == ATT_OK; i++)
		st = att_rdoc_date(d, (const char *)w->m[i].p, w->m[i].n);
	for (i = 0; i < sizeof fields / sizeof fields[0] && st == ATT_OK; i++)
		st = att_rdoc_field(d, fields[i].name,
		                    (const char *)w->m[fields[i].m].p,
		                    w->m[fields[i].m].n);
	for (i = start = 0; kw->n > 0 && i <= kw->n && st == ATT_OK; i++)
		if (i == kw->n || kw->p[i] == ',') {
			const char *item = (const char *)kw->p + start;

			st = att_rdoc_field(d, "tags", item, i - start);
			start = i + 1;
		}
	if (st == ATT_OK)
		st = d->title.rc;
	return st;
}

att_status att_read_html(att_rdoc *d, const uint8_t *p, size_t n,
                         char *msg, size_t cap)
{
	GumboOutput *out = NULL;
	gheap heap;
	const char *src;
	size_t len, skip;
	att_buf conv;
	att_status st = ATT_OK;
	walk w;
	enc e;
	int oom;

	if (n > ATT_RD_LIMIT)
		return fail(msg, cap, ATT_ELIMIT,
		            "%zu bytes of HTML, more than %zu MiB", n,
		            ATT_RD_LIMIT >> 20);
	if (n == 0)
		p = (const uint8_t *)"";
	att_buf_init(&conv);
	heap_init(&heap);
	walk_init(&w, d);
	detect(&e, &skip, p, n);
	src = (const char *)p + skip;
	len = n - skip;
	if (e.name != NULL) {
		st = convert(&conv, &e, p + skip, n - skip, msg, cap);
		if (st != ATT_OK)
			goto done;
		src = conv.n > 0 ? (const char *)conv.p : "";
		len = conv.n;
	}
	if ((out = parse(&heap, src, len, &oom)) == NULL) {
		st = oom ? fail(msg, cap, ATT_ENOMEM, "out of memory") :
		     fail(msg, cap, ATT_EINPUT, "the HTML parser (gumbo) failed "
		          "an internal assertion on this page");
		goto done;
	}
	walk_tree(&w, out->document);
	if (d->over) {
		st = fail(msg, cap, ATT_ELIMIT, "more than %zu MiB of text",
		          ATT_RD_TEXT_MAX >> 20);
		goto done;
	}
	if ((st = walk_rc(&w)) == ATT_OK && (st = d->text.rc) == ATT_OK)
		st = finish(&w);
	if (st != ATT_OK)
		st = fail(msg, cap, st, "out of memory");
done:
	release_heap(&heap);   /* the tree, OUT included */
	walk_release(&w);
	att_buf_release(&conv);
	return st;
}
