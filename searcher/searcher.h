/*
 * searcher.h: the searcher's internal interfaces.
 *
 * Section by section, which file implements what:
 *   query.c    - the query parser: words, "phrases", +required, -excluded
 *   passage.c  - sentence-aligned passages: scoring, choosing, marking
 *   search.c   - the public att_searcher and att_search: BM25 evaluation,
 *                the top-k heap, the passage re-ranking, results
 *
 * Reading segments (dictionary, cursors, stored records) is format/'s
 * (segread.c), since the indexer's merges read them too.
 */
#ifndef ATT_SEARCHER_H
#define ATT_SEARCHER_H

#include <stddef.h>
#include <stdint.h>

#include "attache.h"
#include "format.h"
#include "stemmer.h"

/* ---- query.c ------------------------------------------------------------- */

enum att_occur { ATT_SHOULD, ATT_MUST, ATT_MUST_NOT };

#define ATT_QUERY_MAX_BYTES 8192
#define ATT_QUERY_MAX_TERMS 256

typedef struct att_clause {
	enum att_occur occur;
	uint32_t first, nterms;  /* terms[first .. first+nterms) */
	int phrase;              /* more than one term: match as a phrase */
	size_t column;           /* 1-based, where the clause starts */
} att_clause;

typedef struct att_query {
	att_clause *clauses;
	uint32_t nclauses;
	char (*terms)[ATT_MAX_TERM + 1]; /* NUL-terminated analysed terms */
	uint32_t nterms;
} att_query;

/* Parses Q with analyzer A. ATT_EPARSE (message gives the column),
 * ATT_EEMPTY, ATT_ELIMIT or ATT_ENOMEM, message in MSG. */
att_status att_query_parse(att_query *out, att_analyzer *a, const char *q,
                           size_t len, char *msg, size_t msgcap);
void att_query_release(att_query *q);

/* ---- passage.c ----------------------------------------------------------- */

/* One query term's positions in a document, and its weight (idf). */
typedef struct att_pterm {
	const uint32_t *pos;
	uint32_t n;
	double idf;
} att_pterm;

typedef struct att_window {
	uint32_t first, last;   /* sentences [first, last] */
	double score;
} att_window;

/* Scores sentence windows of about WORDS words over the document's
 * sentences and picks up to K non-overlapping best ones into OUT
 * (ordered best first); returns how many. With no sentences, 0. */
size_t att_passages_best(att_window *out, size_t k, const att_sentence *sents,
                         uint32_t nsent, const att_pterm *terms, size_t nterms,
                         size_t words, double k1, double b);

#endif
