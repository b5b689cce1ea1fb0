/*
 * query.c: the query parser.
 *
 * The language of this version (docs/QUERY.md): a query is a sequence of
 * clauses separated by white space. A clause is a word or a "quoted
 * phrase", optionally prefixed by + (required) or - (excluded); without a
 * prefix it is optional and adds to the score. Each clause's text goes
 * through the same analyser as the documents, so a clause can yield
 * several terms ("Pakistan-Turkiye" gives two), and then it matches as a
 * phrase; or none (punctuation alone), and then it is dropped.
 *
 * A + or - standing alone ("1914 - 1918", pasted text) is punctuation,
 * as in Xapian's parser, not an error. Errors carry the 1-based column
 * (in bytes) where the problem starts: an unterminated quote, invalid
 * UTF-8.
 */
#include <stdio.h>
#include <string.h>

#include "searcher.h"

typedef struct parser {
	att_query *q;
	uint32_t capclauses, capterms;
	char *msg;
	size_t msgcap;
} parser;

static int on_term(void *ctx, const att_token *tok)
{
	parser *ps = ctx;
	att_query *q = ps->q;

	if (q->nterms >= ATT_QUERY_MAX_TERMS)
		return ATT_ELIMIT;
	if (q->nterms == ps->capterms) {
		uint32_t cap = ps->capterms ? ps->capterms * 2 : 16;
		void *p = att_realloc(q->terms, cap * sizeof *q->terms);

		if (p == NULL)
			return ATT_ENOMEM;
		q->terms = p;
		ps->capterms = cap;
	}
	memcpy(q->terms[q->nterms], tok->term, tok->term_len);
	q->terms[q->nterms][tok->term_len] = '\0';
	q->nterms++;
	return ATT_OK;
}

static att_status add_clause(parser *ps, att_analyzer *a, enum att_occur occur,
                             const char *text, size_t len, size_t column)
{
	att_query *q = ps->q;
	uint32_t first = q->nterms;
	att_clause *c;
	int rc;

	rc = att_analyze(a, text, len, 0, on_term, ps, NULL);
	if (rc == ATT_ELIMIT) {
		snprintf(ps->msg, ps->msgcap, "query has more than %d terms",
		         ATT_QUERY_MAX_TERMS);
		return ATT_ELIMIT;
	}
	if (rc != ATT_OK) {
		snprintf(ps->msg, ps->msgcap, "column %zu: %s", column,
		         rc == ATT_EUTF8 ? "invalid UTF-8" : att_status_str(rc));
		return rc;
	}
	if (q->nterms == first)
		return ATT_OK;
	if (q->nclauses == ps->capclauses) {
		uint32_t cap = ps->capclauses ? ps->capclauses * 2 : 8;
		att_clause *p = att_realloc(q->clauses, cap * sizeof *p);

		if (p == NULL)
			return ATT_ENOMEM;
		q->clauses = p;
		ps->capclauses = cap;
	}
	c = &q->clauses[q->nclauses++];
	c->occur = occur;
	c->first = first;
	c->nterms = q->nterms - first;
	c->phrase = c->nterms > 1;
	c->column = column;
	return ATT_OK;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

static att_status parse_clauses(parser *ps, att_analyzer *a, const char *q,
                                size_t len)
{
	size_t i = 0;
	att_status rc;

	while (i < len) {
		enum att_occur occur = ATT_SHOULD;
		size_t col = i + 1, start;

		if (is_space(q[i])) {
			i++;
			continue;
		}
		if (q[i] == '+' || q[i] == '-') {
			occur = q[i] == '+' ? ATT_MUST : ATT_MUST_NOT;
			if (++i == len || is_space(q[i]))
				continue; /* a lone + or -: punctuation, as in "a - b" */
		}
		if (q[i] == '"') {
			const char *close = memchr(q + i + 1, '"', len - i - 1);

			if (close == NULL) {
				snprintf(ps->msg, ps->msgcap,
				         "column %zu: unterminated quote", i + 1);
				return ATT_EPARSE;
			}
			start = i + 1;
			i = (size_t)(close - q) + 1;
			rc = add_clause(ps, a, occur, q + start, i - 1 - start, col);
		} else {
			start = i;
			while (i < len && !is_space(q[i]) && q[i] != '"')
				i++;
			rc = add_clause(ps, a, occur, q + start, i - start, col);
		}
		if (rc != ATT_OK)
			return rc;
	}
	return ATT_OK;
}

att_status att_query_parse(att_query *out, att_analyzer *a, const char *q,
                           size_t len, char *msg, size_t msgcap)
{
	parser ps = { out, 0, 0, msg, msgcap };
	att_status rc;
	size_t bad;
	uint32_t i;

	memset(out, 0, sizeof *out);
	if (len > ATT_QUERY_MAX_BYTES) {
		snprintf(msg, msgcap, "query is %zu bytes, over the limit of %d",
		         len, ATT_QUERY_MAX_BYTES);
		return ATT_ELIMIT;
	}
	if (att_utf8_validate(&bad, q, len) != ATT_OK) {
		snprintf(msg, msgcap, "column %zu: invalid UTF-8", bad + 1);
		return ATT_EPARSE;
	}
	rc = parse_clauses(&ps, a, q, len);
	if (rc == ATT_ENOMEM)
		snprintf(msg, msgcap, "out of memory");
	if (rc == ATT_OK) {
		for (i = 0; i < out->nclauses; i++)
			if (out->clauses[i].occur != ATT_MUST_NOT)
				break;
		if (i == out->nclauses) {
			snprintf(msg, msgcap, out->nclauses
			         ? "query has only excluded terms"
			         : "query has no searchable words");
			rc = ATT_EEMPTY;
		}
	}
	if (rc != ATT_OK)
		att_query_release(out);
	return rc;
}

void att_query_release(att_query *q)
{
	att_free(q->clauses);
	att_free(q->terms);
	memset(q, 0, sizeof *q);
}
