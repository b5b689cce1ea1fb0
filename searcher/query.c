/*
 * query.c: the query parser.
 *
 * The language (docs/QUERY.md), loosest binding first:
 *
 *   query  := or ( "OR" or )*              (written "or" below)
 *   or     := seq ( ("AND" ["NOT"] | "NOT") seq )*
 *   seq    := unary unary ...               (joined by the default operator)
 *   unary  := [ "+" | "-" | "NOT" ] near
 *   near   := atom ( "NEAR" ["/" N] atom )*
 *   atom   := [ field ":" ] ( word ["*"] | '"' words '"' ["~" N]
 *                           | "(" query ")" ) [ "^" boost ]
 *
 * The operators are the upper-case words AND, OR, NOT and NEAR; in lower
 * case they are words. Juxtaposition binds tightest, as in Xapian's
 * parser: "a b AND c" is "(a b) AND c". A + or - standing alone ("1914 -
 * 1918") is punctuation.
 *
 * The result is a tree of nodes in one array: groups (ATT_Q_BOOL) whose
 * members each say how they join (required, optional, excluded), and
 * leaves holding analysed terms: a word, a phrase (a word the analyser
 * splits, such as "Pakistan-Turkiye", is one too), or a NEAR window.
 * Groups that add nothing are flattened into their parents, so "a OR b
 * OR c" and "(a b) c" are one group of three optional terms, which is
 * what the evaluator prunes best.
 *
 * Three ways to read a query (att_syntax). Strict: exactly this
 * language; errors carry the 1-based byte column where the problem is.
 * Forgiving (the default): the text is first repaired (qclean.c: quotes
 * paired, brackets balanced, bad bytes blanked) and the grammar then
 * forgives the rest at the points where strict mode fails: an operator
 * missing a side is dropped, a bad boost, ~N or NEAR/N is ignored or
 * cut to its limit, a query of only exclusions is read as words; and in
 * a query in capitals AND, OR, NOT and NEAR are words. Each repair adds
 * a note. Plain: every blank-separated word is a word, nothing else.
 * After parsing, qtree.c merges repeated words and, past
 * ATT_QUERY_MAX_TERMS terms, keeps the most informative.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "searcher.h"

/* The English stop list: function words that carry no topic. Sorted, for
 * bsearch. A query drops them when they are optional and something else
 * is searched for; in phrases and when required they stay. */
static const char *const stop_list[] = {
	"a", "about", "above", "after", "again", "against", "all", "am", "an",
	"and", "any", "are", "as", "at", "be", "because", "been", "before",
	"being", "below", "between", "both", "but", "by", "can", "could",
	"did", "do", "does", "doing", "down", "during", "each", "few", "for",
	"from", "further", "had", "has", "have", "having", "he", "her", "here",
	"hers", "herself", "him", "himself", "his", "how", "i", "if", "in",
	"into", "is", "it", "its", "itself", "me", "more", "most", "my",
	"myself", "no", "nor", "not", "of", "off", "on", "once", "only", "or",
	"other", "ought", "our", "ours", "ourselves", "out", "over", "own",
	"same", "she", "should", "so", "some", "such", "than", "that", "the",
	"their", "theirs", "them", "themselves", "then", "there", "these",
	"they", "this", "those", "through", "to", "too", "under", "until", "up",
	"very", "was", "we", "were", "what", "when", "where", "which", "while",
	"who", "whom", "why", "will", "with", "would", "you", "your", "yours",
	"yourself", "yourselves",
};

static int cmp_stop(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

int att_stop_word(const char *word, size_t len)
{
	char buf[16];

	if (len == 0 || len >= sizeof buf)
		return 0;
	memcpy(buf, word, len);
	buf[len] = '\0';
	return bsearch(buf, stop_list, sizeof stop_list / sizeof *stop_list,
	               sizeof *stop_list, cmp_stop) != NULL;
}

typedef struct parser {
	att_query *q;
	const att_parse_env *env;
	const char *s;
	size_t len, i;          /* the text, and where the parser is */
	uint32_t capnodes, capkids, capterms;
	uint32_t *stk;          /* members of the groups being built */
	uint32_t nstk, capstk;
	int depth;
	int forgive;            /* forgiving mode: repair, never fail */
	int ops;                /* AND, OR, NOT and NEAR are operators */
	unsigned nprefix;       /* prefixes so far */
	att_status rc;
	char *msg;
	size_t msgcap;
	/* the field scoping the atom being parsed ("" if none) */
	char field[ATT_FIELD_NAME_MAX + 1];
	size_t field_len;
} parser;

#define NONE (-1)   /* a parse function's "nothing to add" */
#define FAIL (-2)   /* ... and its "error in ps->rc" */

static int fail(parser *ps, att_status rc, size_t at, const char *what)
{
	if (ps->rc == ATT_OK) {
		ps->rc = rc;
		if (rc == ATT_ENOMEM)
			snprintf(ps->msg, ps->msgcap, "out of memory");
		else
			snprintf(ps->msg, ps->msgcap, "column %zu: %s", at + 1, what);
	}
	return FAIL;
}

static void *grow(parser *ps, void *p, uint32_t *cap, uint32_t need,
                  size_t size)
{
	uint32_t c = *cap ? *cap : 8;
	void *np;

	if (need <= *cap)
		return p;
	while (c < need)
		c *= 2;
	np = att_realloc(p, (size_t)c * size);
	if (np == NULL) {
		fail(ps, ATT_ENOMEM, 0, NULL);
		return NULL;
	}
	*cap = c;
	return np;
}

static int new_node(parser *ps, enum att_qkind kind, size_t at)
{
	att_query *q = ps->q;
	att_qnode *nd;
	void *p = grow(ps, q->nodes, &ps->capnodes, q->nnodes + 1, sizeof *nd);

	if (p == NULL)
		return FAIL;
	q->nodes = p;
	nd = &q->nodes[q->nnodes];
	memset(nd, 0, sizeof *nd);
	nd->kind = kind;
	nd->occur = ATT_SHOULD;
	nd->boost = 1;
	nd->column = at + 1;
	return (int)q->nnodes++;
}

static int push_kid(parser *ps, uint32_t node)
{
	void *p = grow(ps, ps->stk, &ps->capstk, ps->nstk + 1, sizeof *ps->stk);

	if (p == NULL)
		return FAIL;
	ps->stk = p;
	ps->stk[ps->nstk++] = node;
	return 0;
}

/* ---- terms ------------------------------------------------------------------ */

typedef struct term_sink {
	parser *ps;
	size_t at;
} term_sink;

static int on_term(void *ctx, const att_token *tok)
{
	term_sink *ts = ctx;
	parser *ps = ts->ps;
	att_query *q = ps->q;
	att_qterm *t;
	void *p;

	if (q->nterms >= ATT_QUERY_MAX_TERMS &&
	    ps->env->syntax == ATT_SYNTAX_STRICT) {
		char what[64];

		snprintf(what, sizeof what, "query has more than %d terms",
		         ATT_QUERY_MAX_TERMS);
		fail(ps, ATT_ELIMIT, ts->at, what);
		return ATT_ELIMIT;
	}
	p = grow(ps, q->terms, &ps->capterms, q->nterms + 1, sizeof *q->terms);
	if (p == NULL)
		return ATT_ENOMEM;
	q->terms = p;
	t = &q->terms[q->nterms++];
	t->field_len = ps->field_len ? (uint32_t)ps->field_len + 2 : 0;
	if (ps->field_len > 0)
		t->len = (uint32_t)att_field_term(t->text, sizeof t->text - 1,
		                                  ps->field, ps->field_len,
		                                  tok->term, tok->term_len);
	else {
		memcpy(t->text, tok->term, tok->term_len);
		t->len = (uint32_t)tok->term_len;
	}
	t->text[t->len] = '\0';
	t->src = (uint32_t)(ts->at + tok->start);
	t->src_len = (uint32_t)(tok->end - tok->start);
	return ATT_OK;
}

/* The type of the typed field scoping the atom, or 0. */
static unsigned typed_field(const parser *ps, int *index)
{
	const att_schema *sc = ps->env->schema;
	int f;

	if (ps->field_len == 0 || sc == NULL || sc->n == 0)
		return 0;
	f = att_schema_find(sc, ps->field, ps->field_len);
	if (index != NULL)
		*index = f;
	return f >= 0 ? sc->f[f].type : 0;
}

static int keyword_field(const parser *ps)
{
	return typed_field(ps, NULL) == ATT_FIELD_KEYWORD;
}

/* Analyses [at, at+n) of the query into terms; returns how many, or FAIL.
 * In a keyword field the text is one value, folded as the writer folds
 * it (fold.c): one term, or none if nothing is left. */
static int analyse(parser *ps, size_t at, size_t n)
{
	uint32_t before = ps->q->nterms;
	term_sink ts = { ps, at };
	int rc;

	if (keyword_field(ps)) {
		char kw[ATT_KEYWORD_MAX];
		att_token tok;
		size_t len;

		memset(&tok, 0, sizeof tok);
		rc = att_keyword_fold(&len, kw, sizeof kw, ps->s + at, n);
		if (rc == ATT_ELIMIT) /* too long to be indexed: matches nothing */
			rc = ATT_OK, len = 0;
		if (rc == ATT_OK && len > 0) {
			tok.term = kw;
			tok.term_len = len;
			rc = on_term(&ts, &tok);
		}
		if (rc != ATT_OK)
			return fail(ps, rc == ATT_EUTF8 ? ATT_EPARSE : rc, at,
			            rc == ATT_EUTF8 ? "invalid UTF-8" : att_status_str(rc));
		return (int)(ps->q->nterms - before);
	}
	rc = att_analyze(ps->env->an, ps->s + at, n, 0, on_term, &ts, NULL);

	if (rc != ATT_OK)
		return fail(ps, rc == ATT_EUTF8 ? ATT_EPARSE : rc, at,
		            rc == ATT_EUTF8 ? "invalid UTF-8" : att_status_str(rc));
	return (int)(ps->q->nterms - before);
}

/* ---- lexing ---------------------------------------------------------------- */

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

static size_t quote_at(const parser *ps, size_t i)
{
	return att_quote_len(ps->s, i, ps->len);
}

/* Where the word starting at I ends: white space, a bracket or a quote. */
static size_t word_end(const parser *ps, size_t i)
{
	while (i < ps->len && !is_space(ps->s[i]) && ps->s[i] != '(' &&
	       ps->s[i] != ')' && quote_at(ps, i) == 0)
		i++;
	return i;
}

static void skip_space(parser *ps)
{
	while (ps->i < ps->len && is_space(ps->s[ps->i]))
		ps->i++;
}

/* 1 if the word at the cursor is exactly the operator KW. */
static int at_keyword(const parser *ps, const char *kw)
{
	size_t n = strlen(kw);

	return ps->ops && ps->len - ps->i >= n &&
	    memcmp(ps->s + ps->i, kw, n) == 0 && word_end(ps, ps->i) == ps->i + n;
}

/* 1 if the word at the cursor is the operator NEAR or NEAR/digits. */
static int at_near(const parser *ps)
{
	size_t e = word_end(ps, ps->i), j = ps->i + 4;

	if (!ps->ops || e < j || memcmp(ps->s + ps->i, "NEAR", 4) != 0)
		return 0;
	if (e == j)
		return 1;
	if (ps->s[j] != '/' || j + 1 == e)
		return 0;
	for (j++; j < e; j++)
		if (!isdigit((unsigned char)ps->s[j]))
			return 0;
	return 1;
}

/* Parses digits at [*i, end) as an integer up to MAX; -1 if malformed. */
static long parse_count(const char *s, size_t *i, size_t end, long max)
{
	long v = 0;
	size_t j = *i;

	if (j == end || !isdigit((unsigned char)s[j]))
		return -1;
	for (; j < end && isdigit((unsigned char)s[j]); j++) {
		v = v * 10 + (s[j] - '0');
		if (v > max)
			return -1;
	}
	*i = j;
	return v;
}

/* A count of words (~N, NEAR/N) at [*i, end), up to
 * ATT_QUERY_MAX_SLOP; -1 if malformed. Forgiving, a larger one is cut to
 * the limit (with a note), digits and all consumed. */
static long slop_count(parser *ps, size_t *i, size_t end, const char *what)
{
	size_t j = *i;
	long v = parse_count(ps->s, &j, end, ATT_QUERY_MAX_SLOP);

	if (v >= 0 || !ps->forgive || j >= end ||
	    !isdigit((unsigned char)ps->s[j]))
		goto done;
	while (j < end && isdigit((unsigned char)ps->s[j]))
		j++;
	v = ATT_QUERY_MAX_SLOP;
	att_note(&ps->q->notes, "%s over %d cut to %d", what,
	         ATT_QUERY_MAX_SLOP, ATT_QUERY_MAX_SLOP);
done:
	if (v >= 0)
		*i = j;
	return v;
}

/* A trailing ^boost on the atom that ended at the cursor. Forgiving, a
 * ^ without a number is skipped (what follows it is read on), a boost
 * over 1000 is 1000 and one of 0 or less is ignored. */
static int parse_boost(parser *ps, int node)
{
	size_t at = ps->i, e;
	char buf[32], *end;
	double v;

	if (ps->i >= ps->len || ps->s[ps->i] != '^')
		return node;
	e = word_end(ps, ps->i + 1);
	buf[0] = '\0';
	if (e - ps->i - 1 > 0 && e - ps->i - 1 < sizeof buf) {
		memcpy(buf, ps->s + ps->i + 1, e - ps->i - 1);
		buf[e - ps->i - 1] = '\0';
	}
	errno = 0;
	v = strtod(buf, &end);
	if (buf[0] == '\0' || *end != '\0' || errno != 0 || isnan(v)) {
		if (!ps->forgive)
			return fail(ps, ATT_EPARSE, at, buf[0] == '\0'
			            ? "a boost needs a number after ^"
			            : "a boost must be a number above 0 and at most 1000");
		att_note(&ps->q->notes, "^ without a number ignored");
		ps->i++;
		return node;
	}
	if (!(v > 0 && v <= 1000)) {
		if (!ps->forgive)
			return fail(ps, ATT_EPARSE, at,
			            "a boost must be a number above 0 and at most 1000");
		att_note(&ps->q->notes, v > 1000 ? "a boost over 1000 cut to 1000"
		         : "a boost of 0 or less ignored");
		v = v > 1000 ? 1000 : 1;
	}
	ps->i = e;
	if (node >= 0)
		ps->q->nodes[node].boost *= v;
	return node;
}

/* ---- the grammar ----------------------------------------------------------- */

static int parse_or(parser *ps);
static int parse_pieces(parser *ps, int in_group);

/* A leaf over the COUNT terms just analysed (the last ones). */
static int leaf(parser *ps, int count, size_t at, enum att_qkind multi,
                uint32_t slop)
{
	int nd;

	if (count <= 0)
		return count == 0 ? NONE : FAIL;
	nd = new_node(ps, count == 1 ? ATT_Q_TERM : multi, at);
	if (nd < 0)
		return nd;
	ps->q->nodes[nd].first = ps->q->nterms - (uint32_t)count;
	ps->q->nodes[nd].n = (uint32_t)count;
	ps->q->nodes[nd].slop = slop;
	return nd;
}

/* Index terms are stems, often shorter than the words: "negotiat*"
 * must reach "negoti", the stem of "negotiations". So the prefix NORM
 * becomes the shortest of the stems of itself and of itself with a few
 * common endings that is a prefix of it (or NORM itself); written to
 * OUT, its length returned. */
static size_t shortest_stem(att_analyzer *an, char *out, const char *norm,
                            size_t nlen)
{
	static const char *const endings[] = { "", "s", "e", "ed", "ing",
	                                       "ion" };
	char word[ATT_MAX_TERM + 8], stem[ATT_MAX_TERM + 1];
	size_t best = nlen, i;

	memcpy(out, norm, nlen);
	for (i = 0; i < sizeof endings / sizeof *endings; i++) {
		size_t el = strlen(endings[i]), sl;

		if (nlen + el > ATT_MAX_TERM)
			continue;
		memcpy(word, norm, nlen);
		memcpy(word + nlen, endings[i], el);
		sl = att_analyze_word(an, stem, sizeof stem - 1, word, nlen + el);
		if (sl >= 2 && sl < best && memcmp(stem, norm, sl) == 0) {
			best = sl;
			memcpy(out, stem, sl);
		}
	}
	out[best] = '\0';
	return best;
}

/* A word ending at END, which may end in '*' (a prefix). */
static int parse_word(parser *ps, size_t end)
{
	size_t at = ps->i, n = end - at;
	int prefix = 0, count, nd;
	unsigned fuzzy = 0;
	char norm[ATT_MAX_TERM + 1];
	size_t nlen = 0;

	/* a ^boost belongs to the atom, not the word */
	for (size_t j = at; j < end; j++)
		if (ps->s[j] == '^' && j > at) {
			n = j - at;
			break;
		}
	if (n > 1 && ps->s[at + n - 1] == '*')
		prefix = 1, n--;
	ps->i = at + n + prefix;
	if (!prefix) {   /* word~ or word~N: a fuzzy word */
		size_t j = n;

		while (j > 0 && ps->s[at + j - 1] >= '0' && ps->s[at + j - 1] <= '9')
			j--;
		if (j > 1 && ps->s[at + j - 1] == '~' && n - j <= 4) {
			long e = n > j ? 0 : -1;   /* the digits (not NUL-ended) */

			for (size_t d = j; d < n; d++)
				e = e * 10 + (ps->s[at + d] - '0');

			if (e > ATT_FUZZY_MAX_EDITS && !ps->forgive)
				return fail(ps, ATT_EPARSE, at + j - 1,
				            "~N on a word allows at most 2 edits");
			if (e > ATT_FUZZY_MAX_EDITS)
				att_note(&ps->q->notes, "~%ld: at most 2 edits", e);
			fuzzy = e < 0 ? att_fuzzy_edits(ps->s + at, j - 1)
			    : e > ATT_FUZZY_MAX_EDITS ? ATT_FUZZY_MAX_EDITS : (unsigned)e;
			if (fuzzy == 0 && e < 0)
				fuzzy = 1;   /* word~ on a short word: one edit */
			n = j - 1;
		}
	}
	if (prefix && ps->forgive && ++ps->nprefix > ATT_QUERY_MAX_PREFIXES) {
		att_note(&ps->q->notes, "prefixes past the first %d searched as "
		         "words", ATT_QUERY_MAX_PREFIXES);
		prefix = 0;
	}
	if (prefix && ps->env->plain != NULL)
		nlen = att_analyze_word(ps->env->plain, norm, sizeof norm - 1,
		                        ps->s + at, n);
	if (prefix && nlen > 0) {
		term_sink ts = { ps, at };
		att_token tok;
		char stem[ATT_MAX_TERM + 1];

		memset(&tok, 0, sizeof tok);
		tok.term_len = shortest_stem(ps->env->an, stem, norm, nlen);
		tok.term = stem;
		if (on_term(&ts, &tok) != ATT_OK)
			return FAIL;
		nd = leaf(ps, 1, at, ATT_Q_PHRASE, 0);
		if (nd >= 0)
			ps->q->nodes[nd].prefix = 1;
		return nd;
	}
	count = analyse(ps, at, n);
	nd = leaf(ps, count, at, ATT_Q_PHRASE, 0);
	if (nd >= 0 && fuzzy > 0 && count == 1 && ps->field_len == 0)
		ps->q->nodes[nd].fuzzy = fuzzy;
	else if (nd >= 0 && fuzzy > 0)
		att_note(&ps->q->notes, "~ applies to one word: %.*s searched "
		         "exactly", (int)(n > 40 ? 40 : n), ps->s + at);
	if (nd >= 0 && count == 1 && ps->env->stop_words &&
	    ps->env->plain != NULL && ps->field_len == 0) {
		nlen = att_analyze_word(ps->env->plain, norm, sizeof norm - 1,
		                        ps->s + at, n);
		ps->q->nodes[nd].stop = att_stop_word(norm, nlen);
	}
	return nd;
}

/* A "quoted phrase" (between any two quotation marks), optionally
 * followed by ~N. Forgiving, a ~ without a number is ignored. */
static int parse_phrase(parser *ps)
{
	size_t at = ps->i, ql = quote_at(ps, at), close = at + ql, cl = 0;
	long slop = -1;
	int count;

	while (close < ps->len && (cl = quote_at(ps, close)) == 0)
		close++;
	if (close >= ps->len)
		return fail(ps, ATT_EPARSE, at, "unterminated quote");
	count = analyse(ps, at + ql, close - at - ql);
	ps->i = close + cl;
	if (ps->i < ps->len && ps->s[ps->i] == '~') {
		size_t j = ps->i + 1;

		slop = slop_count(ps, &j, ps->len, "~N");
		if (slop < 0 && !ps->forgive)
			return fail(ps, ATT_EPARSE, ps->i,
			            "~ needs a number of words, at most 1000");
		if (slop < 0)
			att_note(&ps->q->notes, "~ without a number ignored");
		ps->i = slop < 0 ? ps->i + 1 : j;
	}
	return leaf(ps, count, at, slop < 0 ? ATT_Q_PHRASE : ATT_Q_NEAR,
	            slop < 0 ? 0 : (uint32_t)slop);
}

/* One bound of a range on a date or number field: a date's first second
 * (LOW) or last, a number; its key in *KEY. 0, or -1 if it does not
 * parse. */
static int range_bound(uint64_t *key, unsigned type, const char *s, size_t n,
                       int low)
{
	int64_t lo, hi;
	double v;

	if (type == ATT_FIELD_DATE) {
		if (att_date_parse(&lo, &hi, s, n) != ATT_OK)
			return -1;
		*key = att_key_of_date(low ? lo : hi);
		return 0;
	}
	if (att_number_parse(&v, s, n) != ATT_OK)
		return -1;
	*key = att_key_of_number(v);
	return 0;
}

/* One bound of a range at the cursor: a quoted value's content, or the
 * text up to "..", a boost or the word's end; the cursor moves past it. */
static int range_text(parser *ps, const char **v, size_t *n)
{
	size_t at = ps->i, ql = quote_at(ps, at), e, i;

	if (ql > 0) {
		size_t close = at + ql, cl = 0;

		while (close < ps->len && (cl = quote_at(ps, close)) == 0)
			close++;
		if (close >= ps->len)
			return fail(ps, ATT_EPARSE, at, "unterminated quote");
		*v = ps->s + at + ql;
		*n = close - at - ql;
		ps->i = close + cl;
		return 0;
	}
	e = word_end(ps, at);
	for (i = at; i < e && ps->s[i] != '^' &&
	     !(ps->s[i] == '.' && i + 1 < e && ps->s[i + 1] == '.'); i++)
		;
	*v = ps->s + at;
	*n = i - at;
	ps->i = i;
	return 0;
}

/* A range on the typed date or number field scoping the atom, at the
 * cursor: A..B, A.., ..B, or A alone (a date: the period it names; a
 * number: that number), both ends inclusive; either bound may be quoted.
 * A value that does not parse is an error in strict mode, else left out
 * with a note. */
static int parse_range(parser *ps, unsigned type, int field)
{
	size_t at = ps->i, n, bn = 0;
	const char *v, *bv = NULL;
	uint64_t lo = 0, hi = UINT64_MAX;
	int bad = 0, nd, dots = 0;

	if (range_text(ps, &v, &n) == FAIL)
		return FAIL;
	if (ps->i + 1 < ps->len && ps->s[ps->i] == '.' && ps->s[ps->i + 1] == '.') {
		dots = 1;
		ps->i += 2;
		if (ps->i < ps->len && !is_space(ps->s[ps->i]) &&
		    ps->s[ps->i] != ')' && ps->s[ps->i] != '^' &&
		    range_text(ps, &bv, &bn) == FAIL)
			return FAIL;
	}
	if (!dots) {
		bad = range_bound(&lo, type, v, n, 1) != 0 ||
		      range_bound(&hi, type, v, n, 0) != 0;
	} else {
		if (n > 0)
			bad |= range_bound(&lo, type, v, n, 1) != 0;
		if (bn > 0)
			bad |= range_bound(&hi, type, bv, bn, 0) != 0;
		if (n == 0 && bn == 0)
			bad = 1;
	}
	if (ps->i < ps->len && !is_space(ps->s[ps->i]) && ps->s[ps->i] != ')' &&
	    ps->s[ps->i] != '^') {
		bad = 1;   /* more after the range: "1987..1988..1989" */
		ps->i = word_end(ps, ps->i);
	}
	v = ps->s + at;
	n = ps->i - at;
	if (bad) {
		char what[160];

		snprintf(what, sizeof what, "%.*s:%.*s is not a %s range",
		         (int)ps->field_len, ps->field, (int)(n > 60 ? 60 : n), v,
		         type == ATT_FIELD_DATE ? "date" : "number");
		if (!ps->forgive)
			return fail(ps, ATT_EPARSE, at, what);
		att_note(&ps->q->notes, "%s: left out", what);
		return NONE;
	}
	nd = new_node(ps, ATT_Q_RANGE, at);
	if (nd < 0)
		return nd;
	ps->q->nodes[nd].field = (uint32_t)field;
	ps->q->nodes[nd].lo = lo;
	ps->q->nodes[nd].hi = hi;
	ps->q->nodes[nd].filter = 1;
	return nd;
}

/* 1 if the bytes at [at, colon) name a field the index has. */
static int is_field(parser *ps, size_t at, size_t colon)
{
	size_t n = att_field_name(ps->field, ps->s + at, colon - at);

	if (n == 0 || ps->env->field_exists == NULL)
		return 0;
	ps->field[n] = '\0';
	return ps->env->field_exists(ps->env->ctx, ps->field, n);
}

static int parse_atom(parser *ps)
{
	size_t at = ps->i, end = word_end(ps, at), saved = ps->field_len;
	const char *colon = memchr(ps->s + at, ':', end - at);
	int nd;

	if (colon != NULL && saved == 0 &&
	    ((size_t)(colon - ps->s) + 1 < end ||
	     ((size_t)(colon - ps->s) + 1 < ps->len &&
	      (quote_at(ps, (size_t)(colon - ps->s) + 1) || colon[1] == '('))) &&
	    is_field(ps, at, (size_t)(colon - ps->s))) {
		ps->field_len = (size_t)(colon - ps->s) - at;
		ps->i = (size_t)(colon - ps->s) + 1;
		nd = parse_atom(ps);
		ps->field_len = saved;
		return nd;
	}
	if (ps->s[at] != '(' && (typed_field(ps, NULL) == ATT_FIELD_DATE ||
	                         typed_field(ps, NULL) == ATT_FIELD_NUMBER)) {
		int f = -1;
		unsigned type = typed_field(ps, &f);

		nd = parse_range(ps, type, f);
	} else if (quote_at(ps, at) > 0) {
		nd = parse_phrase(ps);
	} else if (ps->s[at] == '(') {
		if (++ps->depth > ATT_QUERY_MAX_DEPTH)
			return fail(ps, ATT_ELIMIT, at, "brackets nested too deep");
		ps->i++;
		nd = ps->forgive ? parse_pieces(ps, 1) : parse_or(ps);
		if (nd == FAIL)
			return FAIL;
		skip_space(ps);
		if (ps->i >= ps->len || ps->s[ps->i] != ')')
			return fail(ps, ATT_EPARSE, at, "unclosed bracket");
		ps->i++;
		ps->depth--;
	} else if (ps->field_len == 0 && end == at + 1 && ps->s[at] == '*') {
		nd = new_node(ps, ATT_Q_ALL, at); /* `*`: every document */
		if (nd >= 0)
			ps->q->nodes[nd].filter = 1;
		ps->i = end;
	} else {
		nd = parse_word(ps, end);
	}
	if (nd == FAIL)
		return FAIL;
	if (nd >= 0 && keyword_field(ps))
		ps->q->nodes[nd].filter = 1; /* a keyword matches, never scores */
	return parse_boost(ps, nd);
}

/* 1 if the atom starting at the cursor can be a side of NEAR: a word
 * (not a prefix) or a phrase, possibly field-scoped. */
static int near_side(const parser *ps)
{
	size_t e, j;

	if (ps->i >= ps->len || ps->s[ps->i] == '(' || ps->s[ps->i] == ')' ||
	    ps->s[ps->i] == '+' || ps->s[ps->i] == '-' ||
	    at_keyword(ps, "AND") || at_keyword(ps, "OR") ||
	    at_keyword(ps, "NOT") || at_near(ps))
		return 0;
	if (quote_at(ps, ps->i))
		return 1;
	e = word_end(ps, ps->i);
	if (e < ps->len && ps->s[e] == '(')
		return 0;   /* field:( ... ) */
	for (j = ps->i + 1; j < e; j++)
		if (ps->s[j] == '^') {  /* the boost is not the word */
			e = j;
			break;
		}
	return !(e - ps->i > 1 && ps->s[e - 1] == '*');
}

/* NEAR[/N] at the cursor: its N into *SLOP (10 alone, as Xapian), the
 * cursor past it. FAIL if N is malformed (strict). */
static int near_op(parser *ps, long *slop)
{
	size_t j = ps->i + 4;
	long v = 10;

	if (j < ps->len && ps->s[j] == '/') {
		j++;
		v = slop_count(ps, &j, ps->len, "NEAR/N");
		if (v < 0)
			return fail(ps, ATT_EPARSE, ps->i,
			            "NEAR/N needs N of at most 1000");
	}
	if (*slop < 0 || v < *slop)
		*slop = v;
	ps->i = j;
	return 0;
}

/* atom (NEAR[/N] atom)*: the atoms' terms, in one window. Forgiving, a
 * NEAR without a word or phrase on both sides is dropped: the window
 * ends before it. */
static int parse_near(parser *ps)
{
	size_t at = ps->i;
	uint32_t first = ps->q->nterms;
	long slop = -1;
	int nd = parse_atom(ps);

	for (;;) {
		size_t save = ps->i, op;

		skip_space(ps);
		if (ps->i >= ps->len || !at_near(ps)) {
			ps->i = save;
			break;
		}
		op = ps->i;
		if (ps->forgive) {
			long dummy = -1;

			if (nd < 0 || ps->q->nodes[nd].kind == ATT_Q_BOOL ||
			    ps->q->nodes[nd].prefix) {
				att_note(&ps->q->notes, "NEAR joins words or phrases: "
				         "ignored");
				near_op(ps, &dummy);
				break;
			}
			near_op(ps, &dummy);
			skip_space(ps);
			if (!near_side(ps)) {
				att_note(&ps->q->notes, "NEAR joins words or phrases: "
				         "ignored");
				break;
			}
			ps->i = op;
		}
		if (nd >= 0 && ps->q->nodes[nd].kind == ATT_Q_BOOL)
			return fail(ps, ATT_EPARSE, at, "NEAR joins words or phrases");
		if (nd >= 0 && ps->q->nodes[nd].prefix)
			return fail(ps, ATT_EPARSE, at, "NEAR does not take prefixes");
		if (near_op(ps, &slop) == FAIL)
			return FAIL;
		skip_space(ps);
		if (ps->i >= ps->len || ps->s[ps->i] == ')')
			return fail(ps, ATT_EPARSE, ps->i, "NEAR needs a word after it");
		at = ps->i;
		nd = parse_atom(ps);
		if (nd == FAIL)
			return FAIL;
	}
	if (slop < 0 || nd == FAIL)
		return nd;
	if (nd >= 0 && (ps->q->nodes[nd].kind == ATT_Q_BOOL ||
	                ps->q->nodes[nd].prefix))
		return fail(ps, ATT_EPARSE, at, "NEAR joins words or phrases");
	/* The window takes every term the atoms gave; the atoms' own nodes
	 * stay in the array, unreferenced. */
	return leaf(ps, (int)(ps->q->nterms - first), at, ATT_Q_NEAR,
	            (uint32_t)slop);
}

/* Ends the group whose members are stk[base..): a node, or NONE if empty. */
static int close_group(parser *ps, uint32_t base, size_t at)
{
	att_query *q = ps->q;
	uint32_t n = ps->nstk - base, i, f;
	int nd;
	void *p;

	if (n == 0)
		return NONE;
	if (n == 1 && q->nodes[ps->stk[base]].occur != ATT_MUST_NOT) {
		nd = (int)ps->stk[base];
		ps->nstk = base;
		return nd;
	}
	nd = new_node(ps, ATT_Q_BOOL, at);
	if (nd < 0)
		return nd;
	p = grow(ps, q->kids, &ps->capkids, q->nkids + n, sizeof *q->kids);
	if (p == NULL)
		return FAIL;
	q->kids = p;
	memcpy(q->kids + q->nkids, ps->stk + base, n * sizeof *q->kids);
	q->nodes[nd].first = q->nkids;
	q->nodes[nd].n = n;
	q->nkids += n;
	ps->nstk = base;
	/* a group of filters (and exclusions) is a filter */
	for (i = 0, f = 0; i < n; i++) {
		const att_qnode *c = &q->nodes[q->kids[q->nodes[nd].first + i]];

		if (c->occur != ATT_MUST_NOT && !c->filter)
			break;
		f += c->occur != ATT_MUST_NOT;
	}
	q->nodes[nd].filter = i == n && f > 0;
	return nd;
}

static int add_member(parser *ps, int nd, enum att_occur occur)
{
	if (nd < 0)
		return nd == FAIL ? FAIL : 0;
	/* the occurrence a member had in its own group is replaced */
	ps->q->nodes[nd].occur = occur;
	return push_kid(ps, (uint32_t)nd);
}

/* 1 if the cursor is at something that ends a seq. */
static int seq_ends(const parser *ps)
{
	return ps->i >= ps->len || ps->s[ps->i] == ')' || at_keyword(ps, "OR") ||
	    at_keyword(ps, "AND") || at_keyword(ps, "NOT");
}

/* Forgiving: the operator OP at the cursor, missing a side, is dropped
 * (the cursor moves past it) and noted. Returns 1. */
static int drop_op(parser *ps, const char *op)
{
	ps->i += strlen(op);
	att_note(&ps->q->notes, "%s without something on %s side ignored", op,
	         strcmp(op, "NOT") == 0 ? "its right" : "each");
	return 1;
}

/* A seq whose required members stk[base..) are all filters: its
 * optional members, which alone score, must match one of them ("oil gas
 * date:1987" is oil or gas in 1987), so they become one required group. */
static int filtered_words(parser *ps, uint32_t base)
{
	att_query *q = ps->q;
	uint32_t k, j, nshould = 0, nmust = 0, nfilter = 0;
	uint32_t *s = ps->stk;
	int g;

	for (k = base; k < ps->nstk; k++) {
		const att_qnode *c = &q->nodes[s[k]];

		nshould += c->occur == ATT_SHOULD;
		nmust += c->occur == ATT_MUST;
		nfilter += c->occur == ATT_MUST && c->filter;
	}
	if (nshould == 0 || nfilter == 0 || nfilter < nmust)
		return 0;
	if (nshould == 1) {
		for (k = base; k < ps->nstk; k++)
			if (q->nodes[s[k]].occur == ATT_SHOULD)
				q->nodes[s[k]].occur = ATT_MUST;
		return 0;
	}
	/* the optional members to the end, in order, then grouped */
	for (j = base, k = base; k < ps->nstk; k++)
		if (q->nodes[s[k]].occur != ATT_SHOULD) {
			uint32_t x = s[k];

			memmove(s + j + 1, s + j, (k - j) * sizeof *s);
			s[j++] = x;
		}
	g = close_group(ps, j, q->nodes[s[j]].column - 1);
	if (g < 0)
		return g;
	return add_member(ps, g, ATT_MUST);
}

static int parse_seq(parser *ps)
{
	uint32_t base = ps->nstk;
	size_t at = ps->i;
	enum att_occur free_occur = ps->env->default_and ? ATT_MUST : ATT_SHOULD;

	for (;;) {
		enum att_occur occur = free_occur;
		int nd;

		skip_space(ps);
		if (ps->nstk == base && at_keyword(ps, "NOT")) {
			occur = ATT_MUST_NOT; /* a leading NOT: unary */
			ps->i += 3;
			skip_space(ps);
			if (ps->forgive && seq_ends(ps)) {
				att_note(&ps->q->notes, "NOT without something on its "
				         "right side ignored");
				continue;
			}
		} else if (seq_ends(ps)) {
			break;
		}
		if (ps->i >= ps->len || ps->s[ps->i] == ')')
			return fail(ps, ATT_EPARSE, ps->i, "NOT needs something after it");
		if (ps->s[ps->i] == '+' || ps->s[ps->i] == '-') {
			occur = ps->s[ps->i] == '+' ? ATT_MUST : ATT_MUST_NOT;
			ps->i++;
			if (ps->i >= ps->len || is_space(ps->s[ps->i]))
				continue; /* a lone + or -: punctuation */
			if (ps->s[ps->i] == ')')
				continue;
		}
		nd = parse_near(ps);
		if (nd >= 0 && occur == ATT_SHOULD && ps->q->nodes[nd].filter)
			occur = ATT_MUST; /* a free filter restricts */
		if (add_member(ps, nd, occur) == FAIL)
			return FAIL;
	}
	return filtered_words(ps, base) == FAIL ? FAIL : close_group(ps, base, at);
}

static int parse_and(parser *ps)
{
	uint32_t base = ps->nstk;
	size_t at = ps->i;
	int nd = parse_seq(ps), binary = 0;

	if (add_member(ps, nd, ATT_MUST) == FAIL)
		return FAIL;
	for (;;) {
		enum att_occur occur = ATT_MUST;
		size_t op;

		skip_space(ps);
		op = ps->i;
		if (at_keyword(ps, "AND")) {
			ps->i += 3;
			skip_space(ps);
			if (at_keyword(ps, "NOT")) {
				occur = ATT_MUST_NOT;
				ps->i += 3;
			}
		} else if (at_keyword(ps, "NOT")) {
			occur = ATT_MUST_NOT;
			ps->i += 3;
		} else {
			break;
		}
		skip_space(ps);
		if (seq_ends(ps) && ps->forgive) {
			/* drop the operator (AND NOT as a pair); a following one
			 * is looked at anew */
			int pair;

			ps->i = op;
			pair = at_keyword(ps, "AND") && occur == ATT_MUST_NOT;
			drop_op(ps, at_keyword(ps, "AND") ? "AND" : "NOT");
			skip_space(ps);
			if (pair)
				drop_op(ps, "NOT");
			continue;
		}
		binary = 1;
		if (seq_ends(ps))
			return fail(ps, ATT_EPARSE, op, occur == ATT_MUST
			            ? "AND needs something on both sides"
			            : "NOT needs something after it");
		nd = parse_seq(ps);
		if (add_member(ps, nd, occur) == FAIL)
			return FAIL;
	}
	if (!binary && ps->nstk == base + 1) {
		nd = (int)ps->stk[base];  /* no operator: the seq itself */
		ps->nstk = base;
		return nd;
	}
	return close_group(ps, base, at);
}

static int parse_or(parser *ps)
{
	uint32_t base = ps->nstk;
	size_t at = ps->i;
	int nd;

	skip_space(ps);
	while (ps->forgive && (at_keyword(ps, "OR") || at_keyword(ps, "AND"))) {
		drop_op(ps, at_keyword(ps, "OR") ? "OR" : "AND");
		skip_space(ps);
	}
	if (at_keyword(ps, "OR") || at_keyword(ps, "AND"))
		return fail(ps, ATT_EPARSE, ps->i,
		            "AND and OR need something on both sides");
	nd = parse_and(ps);
	if (add_member(ps, nd, ATT_SHOULD) == FAIL)
		return FAIL;
	for (;;) {
		size_t op;

		skip_space(ps);
		if (ps->forgive && at_keyword(ps, "AND")) {
			/* only after a dropped OR: an AND with nothing on its left */
			drop_op(ps, "AND");
			nd = parse_and(ps);
			if (add_member(ps, nd, ATT_SHOULD) == FAIL)
				return FAIL;
			continue;
		}
		if (!at_keyword(ps, "OR"))
			break;
		op = ps->i;
		ps->i += 2;
		skip_space(ps);
		if (seq_ends(ps) && !at_keyword(ps, "NOT")) {
			if (!ps->forgive)
				return fail(ps, ATT_EPARSE, op,
				            "OR needs something on both sides");
			ps->i = op;
			drop_op(ps, "OR");
			continue;
		}
		nd = parse_and(ps);
		if (add_member(ps, nd, ATT_SHOULD) == FAIL)
			return FAIL;
	}
	if (ps->nstk == base + 1) {
		nd = (int)ps->stk[base];
		ps->nstk = base;
		return nd;
	}
	return close_group(ps, base, at);
}

/* ---- simplification -------------------------------------------------------- */

/* 1 if group child C can be merged into a parent group where it has
 * occurrence OCC: an optional group of optional members, a required
 * group of required and excluded members, or an excluded group of
 * optional members ("-(a b)" is "-a -b"). */
static int mergeable(const att_query *q, const att_qnode *c)
{
	uint32_t k;

	if (c->kind != ATT_Q_BOOL || c->boost != 1)
		return 0;
	for (k = 0; k < c->n; k++) {
		enum att_occur o = q->nodes[q->kids[c->first + k]].occur;

		if (c->occur == ATT_SHOULD && o != ATT_SHOULD)
			return 0;
		if (c->occur == ATT_MUST && o == ATT_SHOULD)
			return 0;
		if (c->occur == ATT_MUST_NOT && o != ATT_SHOULD)
			return 0;
	}
	return 1;
}

/* Flattens the groups under node N, bottom up. The kids array is
 * rebuilt for each group that changes (the old range is abandoned). */
static att_status flatten(parser *ps, uint32_t n)
{
	att_query *q = ps->q;
	uint32_t k, j, total = 0, at;
	void *p;

	if (q->nodes[n].kind != ATT_Q_BOOL)
		return ATT_OK;
	for (k = 0; k < q->nodes[n].n; k++) {
		uint32_t c = q->kids[q->nodes[n].first + k];
		att_status rc = flatten(ps, c);

		if (rc != ATT_OK)
			return rc;
		total += mergeable(q, &q->nodes[c]) ? q->nodes[c].n : 1;
	}
	if (total == q->nodes[n].n) {
		for (k = 0; k < q->nodes[n].n; k++)
			if (mergeable(q, &q->nodes[q->kids[q->nodes[n].first + k]]))
				break;
		if (k == q->nodes[n].n)
			return ATT_OK;
	}
	p = grow(ps, q->kids, &ps->capkids, q->nkids + total, sizeof *q->kids);
	if (p == NULL)
		return ATT_ENOMEM;
	q->kids = p;
	at = q->nkids;
	for (k = 0; k < q->nodes[n].n; k++) {
		uint32_t c = q->kids[q->nodes[n].first + k];
		att_qnode *cn = &q->nodes[c];

		if (!mergeable(q, cn)) {
			q->kids[q->nkids++] = c;
			continue;
		}
		for (j = 0; j < cn->n; j++) {
			uint32_t g = q->kids[cn->first + j];

			if (cn->occur == ATT_MUST_NOT)
				q->nodes[g].occur = ATT_MUST_NOT;
			q->kids[q->nkids++] = g;
		}
	}
	q->nodes[n].first = at;
	q->nodes[n].n = q->nkids - at;
	return ATT_OK;
}

/* Plain words: each blank-separated word of the text, analysed (a word
 * the analyser splits is a phrase), joined by the default operator. */
static int parse_plain(parser *ps)
{
	uint32_t base = ps->nstk;
	enum att_occur occur = ps->env->default_and ? ATT_MUST : ATT_SHOULD;

	for (;;) {
		size_t end;
		int nd;

		skip_space(ps);
		if (ps->i >= ps->len)
			break;
		end = ps->i;
		while (end < ps->len && !is_space(ps->s[end]))
			end++;
		nd = leaf(ps, analyse(ps, ps->i, end - ps->i), ps->i, ATT_Q_PHRASE, 0);
		if (nd >= 0 && ps->q->nodes[nd].kind == ATT_Q_TERM &&
		    ps->env->stop_words && ps->env->plain != NULL) {
			char norm[ATT_MAX_TERM + 1];
			size_t nlen = att_analyze_word(ps->env->plain, norm,
			                               sizeof norm - 1, ps->s + ps->i,
			                               end - ps->i);

			ps->q->nodes[nd].stop = att_stop_word(norm, nlen);
		}
		ps->i = end;
		if (add_member(ps, nd, occur) == FAIL)
			return FAIL;
	}
	return close_group(ps, base, 0);
}

/* Forgiving: the text up to the end (or, IN_GROUP, up to the group's
 * closing bracket), parsed piece after piece should anything stop the
 * grammar early, the pieces joined as alternatives; a piece that stops
 * where it began has its first character skipped. */
static int parse_pieces(parser *ps, int in_group)
{
	uint32_t base = ps->nstk;

	for (;;) {
		size_t from = ps->i;
		int nd = parse_or(ps);

		if (add_member(ps, nd, ATT_SHOULD) == FAIL)
			return FAIL;
		skip_space(ps);
		if (ps->i >= ps->len || (in_group && ps->s[ps->i] == ')'))
			break;
		if (ps->i > from)
			continue;
		do  /* one character, whole */
			ps->i++;
		while (ps->i < ps->len && ((unsigned char)ps->s[ps->i] & 0xC0) == 0x80);
	}
	return close_group(ps, base, 0);
}

/* The tree's arrays freed, its notes kept. */
static void release_tree(att_query *q)
{
	att_free(q->nodes);
	att_free(q->kids);
	att_free(q->terms);
	att_free(q->text);
	q->nodes = NULL;
	q->kids = NULL;
	q->terms = NULL;
	q->text = NULL;
	q->text_len = 0;
	q->nnodes = q->nkids = q->nterms = q->root = 0;
}

/* After a parse that gave ROOT: flattening, repeated words merged, the
 * term limit (forgiving and plain), exclusions alone read as words
 * (forgiving), and the check that something can match. */
static void finish(parser *ps, int root)
{
	att_query *q = ps->q;

	if (root < 0 || ps->rc != ATT_OK)
		goto check;
	q->root = (uint32_t)root;
	q->nodes[root].occur = ATT_MUST;
	ps->rc = flatten(ps, q->root);
	if (ps->rc == ATT_OK && ps->env->synonyms != NULL)
		ps->rc = att_query_synonyms(q, ps->env->synonyms, &ps->capnodes,
		                            &ps->capkids, &ps->capterms);
	if (ps->rc != ATT_OK)
		return;
	att_query_merge_repeats(q);
	if (ps->forgive || ps->env->syntax == ATT_SYNTAX_PLAIN)
		ps->rc = att_query_trim(q, ps->env, ATT_QUERY_MAX_TERMS);
	if (ps->rc != ATT_OK)
		return;
	if (ps->forgive && q->nterms > 0 && !att_query_can_match(q, q->root)) {
		att_query_unexclude(q);
		att_note(&q->notes, "only excluded words: read as words");
		ps->rc = flatten(ps, q->root);
		if (ps->rc != ATT_OK)
			return;
		att_query_merge_repeats(q);
	}
	/* a group of one optional member is that member */
	while (q->nodes[q->root].kind == ATT_Q_BOOL && q->nodes[q->root].n == 1 &&
	       q->nodes[q->kids[q->nodes[q->root].first]].occur != ATT_MUST_NOT &&
	       q->nodes[q->root].boost == 1) {
		q->root = q->kids[q->nodes[q->root].first];
		q->nodes[q->root].occur = ATT_MUST;
	}
check:
	if (ps->rc == ATT_OK && (root == NONE || !att_query_can_match(q, q->root))) {
		snprintf(ps->msg, ps->msgcap, root == NONE || q->nterms == 0
		         ? "query has no searchable words"
		         : "query has only excluded terms");
		ps->rc = ATT_EEMPTY;
		if (ps->forgive || ps->env->syntax == ATT_SYNTAX_PLAIN)
			att_note(&q->notes, "nothing to search for: no word in the "
			         "query");
	}
}

att_status att_query_parse(att_query *out, const att_parse_env *env,
                           const char *q, size_t len, char *msg,
                           size_t msgcap)
{
	char *clean = NULL;
	parser ps;
	size_t bad;
	int root;

	memset(out, 0, sizeof *out);
	memset(&ps, 0, sizeof ps);
	out->schema = env->schema;
	ps.q = out;
	ps.env = env;
	ps.s = q;
	ps.len = len;
	ps.msg = msg;
	ps.msgcap = msgcap;
	ps.ops = 1;
	msg[0] = '\0';
	if (env->syntax != ATT_SYNTAX_STRICT) {
		/* plain words are cleaned too, of bad bytes and odd spaces */
		ps.forgive = env->syntax == ATT_SYNTAX_FORGIVING;
		ps.rc = att_query_clean(&clean, &ps.len, &ps.ops, q, len,
		                        !ps.forgive, &out->notes);
		if (ps.rc != ATT_OK) {
			snprintf(msg, msgcap, "out of memory");
			return ps.rc;
		}
		ps.s = clean;
	} else if (len > ATT_QUERY_MAX_BYTES) {
		snprintf(msg, msgcap, "query is %zu bytes, over the limit of %d",
		         len, ATT_QUERY_MAX_BYTES);
		return ATT_ELIMIT;
	} else if (att_utf8_validate(&bad, q, len) != ATT_OK) {
		snprintf(msg, msgcap, "column %zu: invalid UTF-8", bad + 1);
		return ATT_EPARSE;
	}
	if (env->syntax == ATT_SYNTAX_PLAIN) {
		root = parse_plain(&ps);
	} else if (ps.forgive) {
		root = parse_pieces(&ps, 0);
	} else {
		root = parse_or(&ps);
		skip_space(&ps);
		if (root != FAIL && ps.i < ps.len) /* only a stray ')' stops it */
			root = fail(&ps, ATT_EPARSE, ps.i, "unmatched )");
	}
	finish(&ps, root);
	if (ps.rc == ATT_OK && clean == NULL && (clean = att_malloc(len + 1)) != NULL) {
		memcpy(clean, q, len);   /* strict: the caller's text, kept */
		clean[len] = '\0';
	} else if (ps.rc == ATT_OK && clean == NULL) {
		ps.rc = ATT_ENOMEM;
	}
	if (ps.rc == ATT_OK) {
		out->text = clean, out->text_len = ps.len;
		clean = NULL;
	}
	if (ps.rc == ATT_ENOMEM)
		snprintf(msg, msgcap, "out of memory");
	att_free(ps.stk);
	att_free(clean);
	if (ps.rc != ATT_OK)
		release_tree(out);
	return ps.rc;
}

void att_query_release(att_query *q)
{
	release_tree(q);
	memset(q, 0, sizeof *q);
}

/* ---- filters ---------------------------------------------------------------- */

/* Appends F's tree to Q's (indices moved) and makes the root a required
 * group of Q's old root and F's, which filters: it matches and never
 * scores. Q without a tree (an empty query) becomes `*` first. */
static att_status graft_filter(att_query *q, const att_query *f)
{
	uint32_t nn = q->nnodes, nk = q->nkids, nt = q->nterms, i;
	uint32_t extra = q->nnodes == 0 ? 2 : 1;
	att_qnode *nodes;
	uint32_t *kids;
	att_qterm *terms = q->terms;

	nodes = att_realloc(q->nodes, (nn + f->nnodes + extra) * sizeof *nodes);
	if (nodes == NULL)
		return ATT_ENOMEM;
	q->nodes = nodes;
	kids = att_realloc(q->kids, (nk + f->nkids + 2) * sizeof *kids);
	if (kids == NULL)
		return ATT_ENOMEM;
	q->kids = kids;
	if (f->nterms > 0) {
		terms = att_realloc(q->terms, (nt + f->nterms) * sizeof *terms);
		if (terms == NULL)
			return ATT_ENOMEM;
		q->terms = terms;
		memcpy(terms + nt, f->terms, f->nterms * sizeof *terms);
		for (i = 0; i < f->nterms; i++)   /* spans of another text */
			terms[nt + i].src_len = 0;
		q->nterms += f->nterms;
	}
	if (nn == 0) {   /* `*` */
		memset(&nodes[0], 0, sizeof nodes[0]);
		nodes[0].kind = ATT_Q_ALL;
		nodes[0].occur = ATT_MUST;
		nodes[0].boost = 1;
		nodes[0].filter = 1;
		nodes[0].column = 1;
		q->root = 0;
		nn = q->nnodes = 1;
	}
	for (i = 0; i < f->nnodes; i++) {
		att_qnode *c = &nodes[nn + i];

		*c = f->nodes[i];
		c->first += c->kind == ATT_Q_BOOL || c->kind == ATT_Q_SYN ? nk
		    : c->kind == ATT_Q_RANGE || c->kind == ATT_Q_ALL ? 0 : nt;
	}
	for (i = 0; i < f->nkids; i++)
		kids[nk + i] = f->kids[i] + nn;
	q->nnodes = nn + f->nnodes + 1;
	q->nkids = nk + f->nkids + 2;
	kids[nk + f->nkids] = q->root;
	kids[nk + f->nkids + 1] = f->root + nn;
	nodes[q->root].occur = ATT_MUST;
	nodes[f->root + nn].occur = ATT_MUST;
	nodes[f->root + nn].filter = 1;
	memset(&nodes[q->nnodes - 1], 0, sizeof nodes[0]);
	nodes[q->nnodes - 1].kind = ATT_Q_BOOL;
	nodes[q->nnodes - 1].occur = ATT_MUST;
	nodes[q->nnodes - 1].boost = 1;
	nodes[q->nnodes - 1].first = nk + f->nkids;
	nodes[q->nnodes - 1].n = 2;
	nodes[q->nnodes - 1].column = 1;
	q->root = q->nnodes - 1;
	return ATT_OK;
}

/* 1 if Q[0..LEN) is only white space. */
static int blank(const char *q, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!is_space(q[i]))
			return 0;
	return 1;
}

att_status att_query_parse_filtered(att_query *out, const att_parse_env *env,
                                    const char *q, size_t len,
                                    const char *const *filters,
                                    size_t nfilters, char *msg, size_t msgcap)
{
	att_status rc;
	size_t i;

	if (nfilters > 0 && blank(q, len)) {   /* every document, filtered */
		memset(out, 0, sizeof *out);
		out->schema = env->schema;
		msg[0] = '\0';
		rc = ATT_OK;
	} else {
		rc = att_query_parse(out, env, q, len, msg, msgcap);
	}
	for (i = 0; i < nfilters && rc == ATT_OK; i++) {
		const char *fq = filters[i] != NULL ? filters[i] : "";
		att_query f;
		char fmsg[256];
		size_t k;

		rc = att_query_parse(&f, env, fq, strlen(fq), fmsg, sizeof fmsg);
		for (k = 0; k < f.notes.n; k++)
			att_note(&out->notes, "filter %zu: %s", i + 1, f.notes.text[k]);
		if (rc == ATT_EEMPTY && env->syntax != ATT_SYNTAX_STRICT) {
			att_query_release(&f);   /* filters nothing: left out */
			rc = ATT_OK;
			continue;
		}
		if (rc == ATT_OK)
			rc = graft_filter(out, &f);
		if (rc != ATT_OK && rc != ATT_ENOMEM)
			snprintf(msg, msgcap, "filter %zu: %s", i + 1, fmsg);
		else if (rc == ATT_ENOMEM)
			snprintf(msg, msgcap, "out of memory");
		att_query_release(&f);
	}
	if (rc == ATT_OK && out->nnodes == 0) {   /* blank, filters left out */
		snprintf(msg, msgcap, "query has no searchable words");
		rc = ATT_EEMPTY;
	}
	if (rc != ATT_OK && out->nodes != NULL) {
		att_notes keep = out->notes;

		att_query_release(out);
		out->notes = keep;
	}
	return rc;
}

