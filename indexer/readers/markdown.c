/*
 * markdown.c: the Markdown reader. md4c parses the bytes (CommonMark
 * with GitHub's extensions: tables, strikethrough, task lists, bare-URL
 * autolinks) and calls back for each block, span and run of text; the
 * callbacks write the text into the att_rdoc, its markup stripped.
 *
 * The input must be valid UTF-8 (a byte-order mark is skipped) and at
 * most ATT_RD_LIMIT bytes. A front-matter block at the top ("---", lines
 * "key: value", "---") is read by att_front_matter, as for .txt files,
 * with its syntax and its errors: "title" is the title, every other key
 * a field, a list ["a","b"] given to att_rdoc_field item by item so that
 * it is a list again (a one-item list is then a scalar), control
 * characters in values as spaces. A "date" is passed as written: the
 * indexer checks it. A document that begins with a thematic break "---"
 * therefore reads as front matter, and is refused unless the block
 * parses. Its error messages are att_front_matter's after "line ", as
 * "line 3: front matter line is not ...", since the caller puts "FILE: "
 * before them.
 *
 * Extracted:
 *   - the title: the front matter's (if not empty), else the text of the
 *     first level-1 heading (ATX or setext), else of the first non-empty
 *     heading of any level, else empty; white space folded, at most
 *     TITLE_MAX bytes from a heading. Headings also stay in the text;
 *   - the text of paragraphs, headings, list items, block quotes, table
 *     cells and code blocks (verbatim, as plain text), each a paragraph
 *     of its own: att_rdoc_para between blocks, so "\n\n" between them;
 *     a thematic break ends a paragraph too;
 *   - inline markup's text, in the same paragraph: emphasis, strong,
 *     code spans, strikethrough, a link's text (not its target), an
 *     autolink's visible text (the address itself, which the reader
 *     sees), an image's alt text set apart by spaces (not its URL or
 *     title);
 *   - entities decoded to UTF-8: numeric ones (0, surrogates and values
 *     past U+10FFFF as U+FFFD), and the named ones of Latin-1 plus the
 *     common typographic ones (amp lt gt quot apos nbsp mdash hellip
 *     euro ...); any other named entity is kept as written;
 *   - raw HTML (blocks and inline) with its tags, comments and
 *     declarations dropped; an HTML block's text between tags is kept,
 *     its entities decoded, a block-level tag (<p>, <div>, <br>, <li>,
 *     <td>, ...) ending a paragraph, the content of <script> and <style>
 *     dropped. Inline, a block-level tag such as <br> is a space.
 *
 * Dropped: link and image targets and titles, code blocks' info strings,
 * task-list marks, HTML tags, and NUL characters (U+FFFD instead).
 *
 * md4c bounds its own nesting; the callbacks keep no stack, only
 * counters and a small state machine for raw HTML that lives across the
 * runs md4c hands over line by line, so nothing here recurses. Text past
 * ATT_RD_TEXT_MAX (att_rdoc_text sets d->over) stops the parse: ATT_ELIMIT.
 * md4c 0.4.8 is not safe on every input (it reads past a document's end):
 * parse() gives it a padded copy, and text() takes what md4c hands over
 * from outside it for a space.
 */
#include <jansson.h>
#include <md4c.h>
#include <stdio.h>
#include <string.h>

#include "indexer.h"
#include "readers.h"

#define TITLE_MAX 1024   /* most bytes of a title taken from a heading */
#define MD_FLAGS MD_DIALECT_GITHUB
#define PAD 64           /* zero bytes after the copy md4c parses */

/* Where the raw-HTML scanner is: in text, or inside a construct. */
enum hstate {
	H_TEXT,     /* text between tags */
	H_LT,       /* after '<' */
	H_SLASH,    /* after "</" */
	H_NAME,     /* a tag's name */
	H_ATTR,     /* a tag's attributes, until '>' */
	H_QUOTE,    /* a quoted attribute value */
	H_BANG,     /* after "<!" */
	H_BANG1,    /* after "<!-" */
	H_COMMENT,  /* inside "<!-- ... -->" */
	H_DECL,     /* "<!DOCTYPE ...>", "<?...?>", "</ ...>": until '>' */
	H_SKIP,     /* the content of <script> or <style> */
	H_ENT       /* after '&': an entity's name */
};

typedef struct md {
	att_rdoc *d;
	const char *lo, *hi;  /* the copy md4c parses */
	/* the title */
	int title;          /* 0 none yet, 1 from a heading, 2 final */
	int in_head;        /* inside a heading that may give the title */
	unsigned level;     /* that heading's level */
	att_buf head;       /* its text, white space folded */
	int head_fold;      /* fold_append's state for head */
	/* raw HTML */
	int verbatim;       /* inside a code or HTML block */
	int html_block;     /* inside an HTML block (else inline HTML) */
	enum hstate hs;
	char quote;         /* H_QUOTE: the quote that ends the value */
	char name[16];      /* the tag's name, lower case (16: too long) */
	size_t name_len;
	int closing;        /* a closing tag </name> */
	int dashes;         /* H_COMMENT: '-' just seen */
	const char *skip;   /* H_SKIP: "</script" or "</style" */
	size_t skip_at;     /* bytes of it matched */
	char ent[34];       /* H_ENT: the name after '&' */
	size_t ent_len;
} md;

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

static int is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alnum(unsigned char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* ---- title -------------------------------------------------------------- */

/* Appends S[0..N) to B with runs of ASCII white space folded to one
 * space, none leading or trailing, NUL as U+FFFD. *FOLD carries the
 * state between calls: FOLD_SPACE, a space pending; FOLD_FULL, B reached
 * MAX bytes (cut at a character's start) and takes no more. */
#define FOLD_SPACE 1
#define FOLD_FULL 2
static void fold_append(att_buf *b, int *fold, const char *s, size_t n,
                        size_t max)
{
	size_t i = 0;

	while (i < n && !(*fold & FOLD_FULL)) {
		const char *w;
		size_t k, sp;

		if (is_ws((unsigned char)s[i])) {
			if (b->n > 0)
				*fold |= FOLD_SPACE;
			i++;
			continue;
		}
		if (s[i] == '\0') {
			w = "\xEF\xBF\xBD";
			k = 3;
			i++;
		} else {
			w = s + i;
			while (i < n && !is_ws((unsigned char)s[i]) && s[i] != '\0')
				i++;
			k = (size_t)(s + i - w);
		}
		sp = *fold & FOLD_SPACE ? 1 : 0;
		if (b->n + sp + k > max) {
			*fold |= FOLD_FULL;
			k = max - b->n > sp ? max - b->n - sp : 0;
			while (k > 0 && ((unsigned char)w[k] & 0xC0) == 0x80)
				k--;
			if (k == 0)
				return;
		}
		if (sp)
			att_buf_putc(b, ' ');
		*fold &= ~FOLD_SPACE;
		att_buf_append(b, w, k);
	}
}

/* ---- text --------------------------------------------------------------- */

/* Nonzero once the parse must stop: the text is full or memory ran out. */
static int stop(const md *m)
{
	return m->d->over || m->d->text.rc != ATT_OK ||
	    m->d->title.rc != ATT_OK || m->head.rc != ATT_OK;
}

/* Appends S[0..N) to the text (NUL as U+FFFD), and to the heading that
 * may be the title. */
static void put(md *m, const char *s, size_t n)
{
	const char *p = s, *z;
	size_t left = n;

	while (left > 0 && (z = memchr(p, '\0', left)) != NULL) {
		att_rdoc_text(m->d, p, (size_t)(z - p));
		att_rdoc_text(m->d, "\xEF\xBF\xBD", 3);
		left -= (size_t)(z - p) + 1;
		p = z + 1;
	}
	att_rdoc_text(m->d, p, left);
	if (m->in_head)
		fold_append(&m->head, &m->head_fold, s, n, TITLE_MAX);
}

/* ---- entities ----------------------------------------------------------- */

/* The names of U+00A0 to U+00FF, in order. */
static const char *const latin1[96] = {
	"nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect",
	"uml", "copy", "ordf", "laquo", "not", "shy", "reg", "macr",
	"deg", "plusmn", "sup2", "sup3", "acute", "micro", "para", "middot",
	"cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
	"Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil",
	"Egrave", "Eacute", "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml",
	"ETH", "Ntilde", "Ograve", "Oacute", "Ocirc", "Otilde", "Ouml", "times",
	"Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute", "THORN", "szlig",
	"agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
	"egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml",
	"eth", "ntilde", "ograve", "oacute", "ocirc", "otilde", "ouml", "divide",
	"oslash", "ugrave", "uacute", "ucirc", "uuml", "yacute", "thorn", "yuml",
};

/* The other names decoded: ASCII's, then typography's. */
static const struct { const char *name; int32_t cp; } named[] = {
	{ "amp", 0x26 }, { "lt", 0x3C }, { "gt", 0x3E }, { "quot", 0x22 },
	{ "apos", 0x27 }, { "OElig", 0x152 }, { "oelig", 0x153 },
	{ "Scaron", 0x160 }, { "scaron", 0x161 }, { "Yuml", 0x178 },
	{ "fnof", 0x192 }, { "circ", 0x2C6 }, { "tilde", 0x2DC },
	{ "ensp", 0x2002 }, { "emsp", 0x2003 }, { "thinsp", 0x2009 },
	{ "zwnj", 0x200C }, { "zwj", 0x200D }, { "lrm", 0x200E },
	{ "rlm", 0x200F }, { "ndash", 0x2013 }, { "mdash", 0x2014 },
	{ "lsquo", 0x2018 }, { "rsquo", 0x2019 }, { "sbquo", 0x201A },
	{ "ldquo", 0x201C }, { "rdquo", 0x201D }, { "bdquo", 0x201E },
	{ "dagger", 0x2020 }, { "Dagger", 0x2021 }, { "bull", 0x2022 },
	{ "hellip", 0x2026 }, { "permil", 0x2030 }, { "prime", 0x2032 },
	{ "Prime", 0x2033 }, { "lsaquo", 0x2039 }, { "rsaquo", 0x203A },
	{ "euro", 0x20AC }, { "trade", 0x2122 }, { "larr", 0x2190 },
	{ "uarr", 0x2191 }, { "rarr", 0x2192 }, { "darr", 0x2193 },
	{ "harr", 0x2194 }, { "minus", 0x2212 }, { "infin", 0x221E },
	{ "ne", 0x2260 }, { "le", 0x2264 }, { "ge", 0x2265 },
};

static int same(const char *name, const char *s, size_t n)
{
	return strlen(name) == n && memcmp(name, s, n) == 0;
}

/* The code point of numeric entity S[0..N) ("#233", "#xE9"), -1 if it is
 * not one. */
static int32_t numeric_entity(const char *s, size_t n)
{
	uint32_t v = 0;
	size_t i = 1;
	int hex = n > 1 && (s[1] == 'x' || s[1] == 'X');

	if (hex)
		i = 2;
	if (i == n)
		return -1;
	for (; i < n; i++) {
		unsigned c = (unsigned char)s[i], dv;

		if (c >= '0' && c <= '9')
			dv = c - '0';
		else if (hex && lower((char)c) >= 'a' && lower((char)c) <= 'f')
			dv = (unsigned)(lower((char)c) - 'a') + 10;
		else
			return -1;
		if (v <= 0x10FFFF)   /* past it, stays past it */
			v = v * (hex ? 16 : 10) + dv;
	}
	if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0xFFFD;
	return (int32_t)v;
}

/* The UTF-8 of the entity named S[0..N) (what is between '&' and ';')
 * into OUT (4 bytes): its length, 0 if this reader does not know it. */
static size_t decode_entity(uint8_t *out, const char *s, size_t n)
{
	int32_t cp = -1;
	size_t i;

	if (n > 0 && s[0] == '#') {
		cp = numeric_entity(s, n);
	} else {
		for (i = 0; cp < 0 && i < sizeof named / sizeof named[0]; i++)
			if (same(named[i].name, s, n))
				cp = named[i].cp;
		for (i = 0; cp < 0 && i < 96; i++)
			if (same(latin1[i], s, n))
				cp = 0xA0 + (int32_t)i;
	}
	return cp < 0 ? 0 : att_utf8_encode(out, cp);
}

/* Entity S[0..N) as md4c gives it, "&...;": decoded, or as written. */
static void put_entity(md *m, const char *s, size_t n)
{
	uint8_t out[4];
	size_t k = 0;

	if (n >= 3 && s[0] == '&' && s[n - 1] == ';')
		k = decode_entity(out, s + 1, n - 2);
	if (k > 0)
		put(m, (const char *)out, k);
	else
		put(m, s, n);
}

/* ---- raw HTML ----------------------------------------------------------- */

static int name_is(const md *m, const char *name)
{
	return same(name, m->name, m->name_len);
}

/* The tags that start or end a block of their own. */
static int block_tag(const md *m)
{
	static const char *const tags[] = {
		"address", "article", "aside", "blockquote", "br", "caption", "dd",
		"details", "div", "dl", "dt", "figcaption", "figure", "footer",
		"form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
		"main", "nav", "ol", "p", "pre", "section", "summary", "table",
		"tbody", "td", "tfoot", "th", "thead", "tr", "ul",
	};
	size_t i;

	for (i = 0; i < sizeof tags / sizeof tags[0]; i++)
		if (name_is(m, tags[i]))
			return 1;
	return 0;
}

/* A tag ended with '>': a block tag ends a paragraph (a space, inline);
 * an HTML block's <script> and <style> have their content skipped. */
static void tag_end(md *m)
{
	m->hs = H_TEXT;
	if (m->html_block && !m->closing &&
	    (name_is(m, "script") || name_is(m, "style"))) {
		m->hs = H_SKIP;
		m->skip = name_is(m, "script") ? "</script" : "</style";
		m->skip_at = 0;
	} else if (block_tag(m)) {
		if (m->html_block)
			att_rdoc_para(m->d);
		else
			put(m, " ", 1);
	}
}

static void name_add(md *m, char c)
{
	if (m->name_len < sizeof m->name)
		m->name[m->name_len++] = lower(c);
}

/* Leaves a construct that was not one: what it swallowed is text. */
static void html_flush(md *m)
{
	if (m->hs == H_LT) {
		put(m, "<", 1);
	} else if (m->hs == H_ENT) {
		put(m, "&", 1);
		put(m, m->ent, m->ent_len);
	}
	m->hs = H_TEXT;
}

/* The entity scanner (H_ENT) takes C: 1, or 0 if C is to be read again
 * as text. */
static int ent_char(md *m, char c)
{
	uint8_t out[4];
	size_t k;

	if ((is_alnum((unsigned char)c) || c == '#') &&
	    m->ent_len < sizeof m->ent) {
		m->ent[m->ent_len++] = c;
		return 1;
	}
	if (c == ';' && (k = decode_entity(out, m->ent, m->ent_len)) > 0) {
		put(m, (const char *)out, k);
		m->hs = H_TEXT;
		return 1;
	}
	html_flush(m);
	return 0;
}

/* The skipper (H_SKIP) takes C: past "</script" or "</style", the rest
 * of the closing tag is read as a tag of no name. */
static void skip_char(md *m, char c)
{
	if (lower(c) == m->skip[m->skip_at]) {
		if (m->skip[++m->skip_at] == '\0') {
			m->hs = H_ATTR;
			m->name_len = sizeof m->name;   /* matches no name */
			m->closing = 1;
		}
	} else {
		m->skip_at = c == '<' ? 1 : 0;
	}
}

/* After '<' or "</" (H_LT, H_SLASH), C: a tag's name, a comment, a
 * declaration; or, after a lone '<', text (0: C is to be read again). */
static int lt_char(md *m, char c)
{
	if (is_alpha((unsigned char)c)) {
		m->closing = m->hs == H_SLASH;
		m->name_len = 0;
		name_add(m, c);
		m->hs = H_NAME;
	} else if (m->hs == H_SLASH) {
		m->hs = c == '>' ? H_TEXT : H_DECL;
	} else if (c == '/' || c == '!' || c == '?') {
		m->hs = c == '/' ? H_SLASH : c == '!' ? H_BANG : H_DECL;
	} else {
		html_flush(m);
		return 0;
	}
	return 1;
}

/* The scanner, inside a construct, takes C: 1, or 0 if C is to be read
 * again in the state it left (text, when the construct was none and its
 * bytes were put; H_ATTR after a name). Each state reached that way
 * takes the byte, so the scan moves on. */
static int html_char(md *m, char c)
{
	switch (m->hs) {
	case H_LT:
	case H_SLASH:
		return lt_char(m, c);
	case H_NAME:
		if (is_alnum((unsigned char)c) || c == '-') {
			name_add(m, c);
			return 1;
		}
		m->hs = H_ATTR;   /* which reads C again: '>' or a quote */
		return 0;
	case H_ATTR:
		if (c == '>') {
			tag_end(m);
		} else if (c == '"' || c == '\'') {
			m->hs = H_QUOTE;
			m->quote = c;
		}
		return 1;
	case H_QUOTE:
		if (c == m->quote)
			m->hs = H_ATTR;
		return 1;
	case H_BANG:
	case H_BANG1:
		if (c == '-' && m->hs == H_BANG) {
			m->hs = H_BANG1;
		} else if (c == '-') {
			m->hs = H_COMMENT;
			m->dashes = 0;
		} else {
			m->hs = c == '>' ? H_TEXT : H_DECL;
		}
		return 1;
	case H_COMMENT:
		if (c == '>' && m->dashes >= 2)
			m->hs = H_TEXT;
		m->dashes = c == '-' ? m->dashes + 1 : 0;
		return 1;
	case H_DECL:
		if (c == '>')
			m->hs = H_TEXT;
		return 1;
	case H_SKIP:
		skip_char(m, c);
		return 1;
	case H_ENT:
		return ent_char(m, c);
	case H_TEXT:
		break;
	}
	return 0;
}

/* Raw HTML S[0..N): the text between tags put, tags dropped. The state
 * carries over to the next run (md4c gives a block line by line). */
static void html_run(md *m, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i;

		if (m->hs != H_TEXT) {
			if (html_char(m, s[i]))
				i++;
			continue;
		}
		while (j < n && s[j] != '<' && s[j] != '&')
			j++;
		put(m, s + i, j - i);
		if (j == n)
			break;
		m->hs = s[j] == '<' ? H_LT : H_ENT;
		m->ent_len = 0;
		i = j + 1;
	}
}

/* ---- md4c's callbacks --------------------------------------------------- */

static int enter_block(MD_BLOCKTYPE type, void *detail, void *user)
{
	md *m = user;

	if (type == MD_BLOCK_DOC)
		return 0;
	html_flush(m);
	att_rdoc_para(m->d);
	if (type == MD_BLOCK_H) {
		unsigned level = ((const MD_BLOCK_H_DETAIL *)detail)->level;

		if (m->title == 0 || (m->title == 1 && level == 1)) {
			m->in_head = 1;
			m->level = level;
			att_buf_clear(&m->head);
			m->head_fold = 0;
		}
	} else if (type == MD_BLOCK_HTML) {
		m->html_block = 1;
	}
	m->verbatim = type == MD_BLOCK_CODE || type == MD_BLOCK_HTML;
	return stop(m);
}

static int leave_block(MD_BLOCKTYPE type, void *detail, void *user)
{
	md *m = user;

	(void)detail;
	if (type == MD_BLOCK_DOC)
		return 0;
	html_flush(m);
	att_rdoc_para(m->d);
	if (type == MD_BLOCK_H && m->in_head) {
		m->in_head = 0;
		if (m->head.n > 0) {   /* an empty heading gives no title */
			att_buf_clear(&m->d->title);
			att_buf_append(&m->d->title, m->head.p, m->head.n);
			m->title = m->level == 1 ? 2 : 1;
		}
	} else if (type == MD_BLOCK_HTML) {
		m->html_block = 0;
	}
	m->verbatim = 0;
	return stop(m);
}

/* Spans keep their text; an image's alt text is set apart by spaces. */
static int span(MD_SPANTYPE type, void *detail, void *user)
{
	md *m = user;

	(void)detail;
	html_flush(m);
	if (type == MD_SPAN_IMG)
		put(m, " ", 1);
	return stop(m);
}

static int text(MD_TEXTTYPE type, const MD_CHAR *s, MD_SIZE n, void *user)
{
	md *m = user;

	if (type == MD_TEXT_NULLCHAR && m->verbatim)
		return 0;   /* md4c 0.4.8 hands the NUL over again in the next run */
	if ((uintptr_t)s < (uintptr_t)m->lo || (uintptr_t)s > (uintptr_t)m->hi ||
	    n > (size_t)(m->hi - s)) {
		/* md4c's own strings (a newline or indentation in a verbatim
		 * block, "" for a NUL), or text from past the end (an md4c bug):
		 * white space, never read */
		s = " ";
		n = 1;
	}
	if (m->html_block || type == MD_TEXT_HTML) {
		html_run(m, s, n);
		return stop(m);
	}
	html_flush(m);   /* an inline construct ends with its last run */
	switch (type) {
	case MD_TEXT_NULLCHAR:
		put(m, "\xEF\xBF\xBD", 3);
		break;
	case MD_TEXT_BR:
	case MD_TEXT_SOFTBR:
		put(m, " ", 1);
		break;
	case MD_TEXT_ENTITY:
		put_entity(m, s, n);
		break;
	default:
		put(m, s, n);
		break;
	}
	return stop(m);
}

/* ---- front matter ------------------------------------------------------- */

/* Sets field NAME to S[0..N) in D with its control characters (below
 * U+0020: a NUL, a tab) as spaces, a value being one line of text; TMP
 * holds the copy. ATT_OK or ATT_ENOMEM. */
static att_status put_value(att_rdoc *d, att_buf *tmp, const char *name,
                            const char *s, size_t n)
{
	size_t i;

	att_buf_clear(tmp);
	att_buf_append(tmp, s, n);
	if (tmp->rc != ATT_OK)
		return ATT_ENOMEM;
	for (i = 0; i < n; i++)
		if (tmp->p[i] < 0x20)
			tmp->p[i] = ' ';
	return att_rdoc_field(d, name, (const char *)tmp->p, n);
}

/* Item S[0..N) of a list as att_rdoc_field keeps it: control characters
 * as spaces, trimmed; *LEN gets its length, the start is returned. */
static const char *item(size_t *len, const char *s, size_t n)
{
	while (n > 0 && (unsigned char)s[0] <= 0x20) {
		s++;
		n--;
	}
	while (n > 0 && (unsigned char)s[n - 1] <= 0x20)
		n--;
	*len = n;
	return s;
}

/* Whether att_rdoc_field, given list A item by item, would take its
 * first value for a JSON list when the second comes: it does so for a
 * value that starts with '['. */
static int first_looks_listed(json_t *a)
{
	size_t i, len, items = 0;
	int bracket = 0;

	for (i = 0; i < json_array_size(a); i++) {
		json_t *v = json_array_get(a, i);
		const char *s = item(&len, json_string_value(v),
		                     json_string_length(v));

		if (len > 0 && items++ == 0)
			bracket = s[0] == '[';
	}
	return bracket && items >= 2;
}

/* List A written whole into TMP as the JSON array att_rdoc_field would
 * make of it item by item, and set as field NAME of D. */
static att_status put_list(att_rdoc *d, att_buf *tmp, const char *name,
                           json_t *a)
{
	size_t i, k, len, items = 0;

	att_buf_clear(tmp);
	att_buf_putc(tmp, '[');
	for (i = 0; i < json_array_size(a); i++) {
		json_t *v = json_array_get(a, i);
		const char *s = item(&len, json_string_value(v),
		                     json_string_length(v));

		if (len == 0)
			continue;
		if (items++ > 0)
			att_buf_putc(tmp, ',');
		att_buf_putc(tmp, '"');
		for (k = 0; k < len; k++) {
			unsigned char c = (unsigned char)s[k];

			if (c == '"' || c == '\\')
				att_buf_putc(tmp, '\\');
			att_buf_putc(tmp, c < 0x20 ? ' ' : c);
		}
		att_buf_putc(tmp, '"');
	}
	att_buf_putc(tmp, ']');
	if (tmp->rc != ATT_OK)
		return ATT_ENOMEM;
	return att_rdoc_field(d, name, (const char *)tmp->p, tmp->n);
}

/* Field F of the front matter into D: a list (the JSON array
 * att_front_matter makes of one) item by item, a scalar as it is. A
 * quoted scalar that reads as a JSON array of strings is taken for a
 * list too. A list whose first item starts with '[' is set whole, as
 * att_rdoc_field would misread it. ATT_OK or ATT_ENOMEM. */
static att_status put_field(att_rdoc *d, att_buf *tmp, const att_field *f)
{
	json_error_t e;
	json_t *a;
	att_status st = ATT_OK;
	size_t i;

	if (f->value_len == 0 || f->value[0] != '[')
		return put_value(d, tmp, f->name, f->value, f->value_len);
	a = json_loadb(f->value, f->value_len, JSON_ALLOW_NUL, &e);
	if (a == NULL && json_error_code(&e) == json_error_out_of_memory)
		return ATT_ENOMEM;
	for (i = 0; json_is_array(a) && i < json_array_size(a); i++)
		if (!json_is_string(json_array_get(a, i)))
			break;
	if (!json_is_array(a) || i < json_array_size(a)) {
		json_decref(a);
		return put_value(d, tmp, f->name, f->value, f->value_len);
	}
	if (first_looks_listed(a)) {
		st = put_list(d, tmp, f->name, a);
		json_decref(a);
		return st;
	}
	for (i = 0; st == ATT_OK && i < json_array_size(a); i++) {
		json_t *v = json_array_get(a, i);

		st = put_value(d, tmp, f->name, json_string_value(v),
		               json_string_length(v));
	}
	json_decref(a);
	return st;
}

/* The front-matter block at P[0..N) into D; *USED gets its bytes. */
static att_status front_matter(att_rdoc *d, md *m, size_t *used,
                               const uint8_t *p, size_t n, char *msg,
                               size_t cap)
{
	char fmsg[160];
	att_buf tmp;
	att_fm fm;
	att_status st;
	size_t i;

	att_buf_init(&fm.arena);
	att_buf_init(&tmp);
	*used = 0;
	st = att_front_matter(&fm, p, n, fmsg, sizeof fmsg);
	if (st == ATT_EINPUT) {
		snprintf(msg, cap, "line %s", fmsg);
		goto done;
	}
	if (st != ATT_OK)
		goto done;
	*used = fm.used;
	if (fm.title != NULL && fm.title_len > 0) {
		int fold = 0;

		fold_append(&d->title, &fold, fm.title, fm.title_len, SIZE_MAX);
		m->title = 2;
	}
	for (i = 0; st == ATT_OK && i < fm.nfields; i++)
		st = put_field(d, &tmp, &fm.fields[i]);
done:
	if (st == ATT_ENOMEM)
		snprintf(msg, cap, "out of memory");
	att_buf_release(&fm.arena);
	att_buf_release(&tmp);
	return st;
}

/* ---- the reader --------------------------------------------------------- */

/* The Markdown P[0..N) (after the front matter) into M's document.
 * md4c 0.4.8 reads past the end of a document whose last line has no
 * newline ("[a](b"), and may then hand over text from there: it parses a
 * copy that ends with one, PAD zeros after it, and text() reads no run
 * outside the copy. */
static att_status parse(md *m, const uint8_t *p, size_t n, char *msg,
                        size_t cap)
{
	MD_PARSER parser;
	char *copy = att_malloc(n + 1 + PAD);
	att_status st = ATT_OK;
	int rc;

	if (copy == NULL) {
		snprintf(msg, cap, "out of memory");
		return ATT_ENOMEM;
	}
	if (n > 0)
		memcpy(copy, p, n);
	if (n == 0 || copy[n - 1] != '\n')
		copy[n++] = '\n';
	memset(copy + n, 0, PAD);
	m->lo = copy;
	m->hi = copy + n;
	memset(&parser, 0, sizeof parser);
	parser.flags = MD_FLAGS;
	parser.enter_block = enter_block;
	parser.leave_block = leave_block;
	parser.enter_span = span;
	parser.leave_span = span;
	parser.text = text;
	rc = md_parse(copy, (MD_SIZE)n, &parser, m);
	if (m->d->over) {
		snprintf(msg, cap, "text over the %zu-byte limit", ATT_RD_TEXT_MAX);
		st = ATT_ELIMIT;
	} else if (rc != 0 || stop(m) || m->d->arena.rc != ATT_OK) {
		snprintf(msg, cap, "out of memory");
		st = ATT_ENOMEM;
	}
	att_free(copy);
	return st;
}

att_status att_read_markdown(att_rdoc *d, const uint8_t *p, size_t n,
                             char *msg, size_t cap)
{
	md m;
	size_t bad, at = 0, used;
	att_status st;

	if (n > ATT_RD_LIMIT) {
		snprintf(msg, cap, "Markdown of %zu bytes is over the %zu-byte limit",
		         n, ATT_RD_LIMIT);
		return ATT_ELIMIT;
	}
	if (n == 0)
		return ATT_OK;
	if (att_utf8_validate(&bad, (const char *)p, n) != ATT_OK) {
		snprintf(msg, cap, "invalid UTF-8 at byte %zu", bad);
		return ATT_EINPUT;
	}
	if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		at = 3;
	memset(&m, 0, sizeof m);
	m.d = d;
	att_buf_init(&m.head);
	st = front_matter(d, &m, &used, p + at, n - at, msg, cap);
	if (st == ATT_OK)
		st = parse(&m, p + at + used, n - at - used, msg, cap);
	att_buf_release(&m.head);
	return st;
}
