/*
 * qclean.c: the forgiving parser's first pass, and the notes it leaves.
 *
 * A search box gets whatever a person types or pastes: a lone inch mark
 * (`19" rack`), half a bracket (`(windows se`), an emoticon, code, text
 * typed with caps lock. In forgiving mode (the default) none of it is an
 * error. This pass repairs the text so that the grammar of query.c
 * always finds balanced structure, and query.c then forgives what is
 * left (operators missing a side, bad boosts). The repair works on a
 * copy and blanks bytes rather than removing them, so offsets stay put:
 *
 *   1. A query over ATT_QUERY_MAX_BYTES is cut there, at a character.
 *   2. Invalid UTF-8, control characters, Unicode spaces (no-break,
 *      ideographic, zero-width) and the byte-order mark become spaces.
 *   3. Quotation marks (ASCII " and the Unicode ones att_quote_len
 *      knows, in any mix) pair in order. With an odd number, one goes:
 *      an inch or ditto mark (a quote after a digit and before no letter
 *      or digit: 19", 3,5") if there is one, else the last. The last
 *      one, when it opens a phrase (after a space, a bracket, a colon, +
 *      or -), becomes a phrase to the end of the query, closed by a
 *      quote added at the end; unless that phrase would make no sense
 *      (over 10 words, or brackets or operators in it), when it is
 *      dropped and the rest is read as words.
 *   4. Brackets outside phrases balance: a ) with no ( before it, a (
 *      with no ) after it, and pairs nested deeper than
 *      ATT_QUERY_MAX_DEPTH become spaces.
 *
 * The capitals rule is decided here too: AND, OR, NOT and NEAR are
 * operators unless the query is in capitals (att_query_in_capitals).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <utf8proc.h>

#include "searcher.h"

void att_note(att_notes *ns, const char *fmt, ...)
{
	char buf[ATT_NOTE_LEN];
	va_list ap;
	unsigned i;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	for (i = 0; i < ns->n; i++)
		if (strcmp(ns->text[i], buf) == 0)
			return;
	if (ns->n < ATT_NOTES_MAX)
		memcpy(ns->text[ns->n++], buf, sizeof buf);
}

size_t att_quote_len(const char *s, size_t i, size_t len)
{
	const unsigned char *p = (const unsigned char *)s + i;
	size_t left = len - i;

	if (left == 0)
		return 0;
	if (p[0] == '"')
		return 1;
	if (left >= 2 && p[0] == 0xC2 && (p[1] == 0xAB || p[1] == 0xBB))
		return 2;   /* « » */
	if (left >= 3 && p[0] == 0xE2 && p[1] == 0x80 &&
	    ((p[2] >= 0x9C && p[2] <= 0x9F) || p[2] == 0xB9 || p[2] == 0xBA))
		return 3;   /* “ ” „ ‟ ‹ › */
	if (left >= 3 && p[0] == 0xE3 && p[1] == 0x80 && p[2] >= 0x8C &&
	    p[2] <= 0x8F)
		return 3;   /* 「 」 『 』 */
	return 0;
}

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/* Where the token starting at I ends: a blank, a bracket or a quote. */
static size_t token_end(const char *s, size_t i, size_t n)
{
	while (i < n && !blank(s[i]) && s[i] != '(' && s[i] != ')' &&
	       att_quote_len(s, i, n) == 0)
		i++;
	return i;
}

/* 1 if [a, e) is AND, OR, NOT, NEAR or NEAR/digits. */
static int op_word(const char *s, size_t a, size_t e)
{
	size_t n = e - a, j;

	if ((n == 3 && (memcmp(s + a, "AND", 3) == 0 ||
	                memcmp(s + a, "NOT", 3) == 0)) ||
	    (n == 2 && memcmp(s + a, "OR", 2) == 0) ||
	    (n == 4 && memcmp(s + a, "NEAR", 4) == 0))
		return 1;
	if (n < 6 || memcmp(s + a, "NEAR/", 5) != 0)
		return 0;
	for (j = a + 5; j < e; j++)
		if (s[j] < '0' || s[j] > '9')
			return 0;
	return 1;
}

/* Counts the letters of [a, e): upper (and title) case, lower case, and
 * letters without case (most scripts but Latin, Greek, Cyrillic...). */
static void count_letters(size_t *upper, size_t *lower, size_t *other,
                          const char *s, size_t a, size_t e)
{
	const uint8_t *p = (const uint8_t *)s + a, *end = (const uint8_t *)s + e;

	while (p < end) {
		int32_t cp;
		size_t k = att_utf8_decode(&cp, p, end);

		if (k == 0) {
			p++;
			continue;
		}
		p += k;
		switch (utf8proc_category(cp)) {
		case UTF8PROC_CATEGORY_LU:
		case UTF8PROC_CATEGORY_LT: (*upper)++; break;
		case UTF8PROC_CATEGORY_LL: (*lower)++; break;
		case UTF8PROC_CATEGORY_LM:
		case UTF8PROC_CATEGORY_LO: (*other)++; break;
		default: break;
		}
	}
}

/* As att_query_in_capitals; *HAS_OPS gets whether Q has operator words. */
static int capitals(int *has_ops, const char *q, size_t n)
{
	size_t i = 0, upper = 0, lower = 0, other = 0;

	*has_ops = 0;
	while (i < n) {
		size_t e, ql = att_quote_len(q, i, n);

		if (ql > 0 || blank(q[i]) || q[i] == '(' || q[i] == ')') {
			i += ql > 0 ? ql : 1;
			continue;
		}
		e = token_end(q, i, n);
		if (op_word(q, i, e))
			*has_ops = 1;
		else
			count_letters(&upper, &lower, &other, q, i, e);
		i = e;
	}
	if (upper + lower == 0)
		return other == 0;
	return upper * 10 >= (upper + lower) * 9;
}

int att_query_in_capitals(const char *q, size_t len)
{
	int has_ops;

	return capitals(&has_ops, q, len);
}

/* Step 2: bad bytes, controls and odd spaces to blanks. */
static void blank_odd(char *s, size_t n, att_notes *notes)
{
	const uint8_t *p = (const uint8_t *)s, *end = p + n;
	size_t i = 0;
	int bad = 0;

	while (i < n) {
		int32_t cp;
		size_t k = att_utf8_decode(&cp, p + i, end);

		if (k == 0) {
			s[i++] = ' ';
			bad = 1;
			continue;
		}
		if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) ||
		    cp == 0x200B || cp == 0x2060 || cp == 0xFEFF ||
		    utf8proc_category(cp) == UTF8PROC_CATEGORY_ZS ||
		    utf8proc_category(cp) == UTF8PROC_CATEGORY_ZL ||
		    utf8proc_category(cp) == UTF8PROC_CATEGORY_ZP)
			memset(s + i, ' ', k);
		i += k;
	}
	if (bad)
		att_note(notes, "invalid UTF-8 ignored");
}

static int alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || (unsigned char)c >= 0x80;
}

/* An inch or ditto mark: ASCII " or ” after a digit, before no letter or
 * digit. */
static int inch_mark(const char *s, size_t i, size_t ql, size_t n)
{
	if (i == 0 || s[i - 1] < '0' || s[i - 1] > '9')
		return 0;
	if (ql != 1 && !(ql == 3 && (unsigned char)s[i] == 0xE2 &&
	                 (unsigned char)s[i + 2] == 0x9D))
		return 0;
	return i + ql == n || !alnum(s[i + ql]);
}

/* 1 if a phrase from A to the end of S makes sense: at most 10 words,
 * no bracket, no operator (when OPS). */
static int phrase_to_end(const char *s, size_t a, size_t n, int ops)
{
	size_t i = a, words = 0;

	while (i < n) {
		size_t e;

		if (s[i] == '(' || s[i] == ')')
			return 0;
		if (blank(s[i])) {
			i++;
			continue;
		}
		e = token_end(s, i, n);
		if (e == i)
			e = i + 1;
		if ((ops && op_word(s, i, e)) || ++words > 10)
			return 0;
		i = e;
	}
	return 1;
}

/* Step 3: pairs the quotes; returns the length (one more if a quote was
 * added at the end). */
static size_t pair_quotes(char *s, size_t n, int ops, att_notes *notes)
{
	size_t i, count = 0, inch = n, last = n, ql;

	for (i = 0; i < n; i += ql ? ql : 1)
		if ((ql = att_quote_len(s, i, n)) > 0) {
			count++;
			last = i;
			if (inch == n && inch_mark(s, i, ql, n))
				inch = i;
		}
	if (count % 2 == 0)
		return n;
	if (inch < n) {
		memset(s + inch, ' ', att_quote_len(s, inch, n));
		att_note(notes, "unmatched quote ignored");
		return n;
	}
	ql = att_quote_len(s, last, n);
	if (last == 0 || blank(s[last - 1]) ||
	    (s[last - 1] != '\0' && strchr("(:+-", s[last - 1]) != NULL)) {
		if (phrase_to_end(s, last + ql, n, ops)) {
			s[n++] = '"';
			att_note(notes, "unmatched quote read as a phrase");
			return n;
		}
		memset(s + last, ' ', ql);
		att_note(notes, "unmatched quote: the rest read as words");
		return n;
	}
	memset(s + last, ' ', ql);
	att_note(notes, "unmatched quote ignored");
	return n;
}

/* Step 4: marks in QUOTED the bytes of S that are quotation marks or
 * inside phrases (the quotes pair in order). */
static void mark_quoted(char *quoted, const char *s, size_t n)
{
	size_t i = 0;
	int inq = 0;

	while (i < n) {
		size_t ql = att_quote_len(s, i, n);

		if (ql > 0) {
			memset(quoted + i, 1, ql);
			inq = !inq;
			i += ql;
			continue;
		}
		quoted[i++] = (char)inq;
	}
}

/* One pass over the brackets outside phrases, in direction DIR (1 left
 * to right, -1 right to left). Left to right, a ) that closes nothing is
 * blanked; right to left, a ( that nothing closes. With DEEP, instead,
 * the pairs nested deeper than ATT_QUERY_MAX_DEPTH are blanked (the
 * brackets are balanced by then). Returns how many were blanked. */
static size_t bracket_pass(char *s, const char *quoted, size_t n, int dir,
                           int deep)
{
	char open = dir > 0 ? '(' : ')', close = dir > 0 ? ')' : '(';
	size_t k, done = 0, depth = 0;

	for (k = 0; k < n; k++) {
		size_t i = dir > 0 ? k : n - 1 - k;

		if (quoted[i])
			continue;
		if (s[i] == open) {
			if (++depth > ATT_QUERY_MAX_DEPTH && deep) {
				s[i] = ' ';
				done++;
			}
		} else if (s[i] == close) {
			if (depth == 0) {
				if (!deep) {
					s[i] = ' ';
					done++;
				}
				continue;
			}
			if (depth-- > ATT_QUERY_MAX_DEPTH && deep) {
				s[i] = ' ';
				done++;
			}
		}
	}
	return done;
}

att_status att_query_clean(char **out, size_t *outlen, int *ops,
                           const char *q, size_t len, int words,
                           att_notes *notes)
{
	size_t n = len;
	int has_ops;
	char *s, *quoted;

	if (n > ATT_QUERY_MAX_BYTES) {
		n = ATT_QUERY_MAX_BYTES;
		while (n > 0 && ((unsigned char)q[n] & 0xC0) == 0x80)
			n--;
		att_note(notes, "query cut to its first %zu bytes", n);
	}
	s = att_malloc(n + 2);
	if (s == NULL)
		return ATT_ENOMEM;
	memcpy(s, q, n);
	blank_odd(s, n, notes);
	if (words) {
		s[n] = '\0';
		*out = s;
		*outlen = n;
		*ops = 0;
		return ATT_OK;
	}
	*ops = !capitals(&has_ops, s, n);
	if (!*ops && has_ops)
		att_note(notes, "query in capitals: AND, OR, NOT and NEAR read as "
		         "words");
	n = pair_quotes(s, n, *ops, notes);
	quoted = att_malloc(n + 1);
	if (quoted == NULL) {
		att_free(s);
		return ATT_ENOMEM;
	}
	mark_quoted(quoted, s, n);
	if (bracket_pass(s, quoted, n, 1, 0) + bracket_pass(s, quoted, n, -1, 0))
		att_note(notes, "unmatched bracket ignored");
	if (bracket_pass(s, quoted, n, 1, 1) > 0)
		att_note(notes, "brackets nested over %d deep ignored",
		         ATT_QUERY_MAX_DEPTH);
	att_free(quoted);
	s[n] = '\0';
	*out = s;
	*outlen = n;
	return ATT_OK;
}
