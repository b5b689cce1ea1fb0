/*
 * searcher.h: the searcher's internal interfaces.
 *
 * Section by section, which file implements what:
 *   segment.c  - one committed segment, mapped read-only: dictionary
 *                look-up, postings cursors with block skipping, positions,
 *                document lengths, sentence tables, stored records; every
 *                read bounds-checked
 *   query.c    - the query parser: words, "phrases", +required, -excluded
 *   passage.c  - sentence-aligned passages: scoring, choosing, marking
 *   search.c   - the public att_searcher and att_search: BM25 evaluation,
 *                the top-k heap, the passage re-ranking, results
 */
#ifndef ATT_SEARCHER_H
#define ATT_SEARCHER_H

#include <stddef.h>
#include <stdint.h>

#include "attache.h"
#include "format.h"
#include "stemmer.h"

/* ---- segment.c ----------------------------------------------------------- */

#define ATT_DOC_END UINT32_MAX

typedef struct att_segment {
	uint32_t id;
	uint32_t ndocs;
	char path[4096];     /* DIR/segNNNNNN, for messages */
	struct {
		const uint8_t *p;
		size_t n;
	} f[ATT_SEG_NFILES]; /* whole files, mapped */
	const uint8_t *dict_sample;
	uint32_t ngroups;
	uint64_t nterms;
	uint64_t dict_body_end;
	const uint8_t *rows;    /* documents table */
	const uint8_t *store_index;
	uint32_t nblocks;
	uint64_t store_index_off;
} att_segment;

/* Maps and checks every file of segment ID in DIR. */
att_status att_segment_open(att_segment *seg, const char *dir, uint32_t id,
                            uint32_t ndocs, char *msg, size_t msgcap);
void att_segment_close(att_segment *seg);

typedef struct att_term_info {
	uint32_t df;
	uint64_t cf;
	uint64_t post_off, post_len, pos_off, pos_len;
} att_term_info;

/* Looks TERM up: ATT_OK and *found 1 or 0, or ATT_ECORRUPT. */
att_status att_segment_lookup(att_term_info *ti, int *found,
                              const att_segment *seg, const char *term,
                              size_t len, char *msg, size_t msgcap);

/* Walks a segment's dictionary in term order. */
typedef struct att_dict_iter {
	const att_segment *seg;
	uint64_t i;               /* the next term's index */
	att_cursor c;
	uint8_t term[256];
	size_t len;
	att_term_info ti;
} att_dict_iter;

void att_dict_iter_init(att_dict_iter *it, const att_segment *seg);
/* Moves to the next term: ATT_OK with *has 1 (it->term, it->len, it->ti
 * describe it) or 0 at the end, or ATT_ECORRUPT. */
att_status att_dict_iter_next(att_dict_iter *it, int *has);

/* A cursor over one term's postings in one segment. */
typedef struct att_postings {
	const att_segment *seg;
	const uint8_t *skip;      /* nblocks * 20 bytes, if nblocks > 1 */
	const uint8_t *data, *data_end;
	const uint8_t *pos_base, *pos_end;
	uint32_t df, nblocks, block;
	uint32_t n, i;            /* postings in the decoded block, index */
	uint32_t doc;             /* current document, or ATT_DOC_END */
	const uint8_t *pos_p;     /* positions of posting pos_i */
	uint32_t pos_i;
	int err;                  /* ATT_ECORRUPT once a read fails */
	uint32_t docs[ATT_BLOCK], tfs[ATT_BLOCK];
} att_postings;

/* Positions the cursor on the term's first posting. */
att_status att_postings_init(att_postings *pc, const att_segment *seg,
                             const att_term_info *ti);
/* Moves to the next posting / the first posting with doc >= TARGET. Both
 * leave doc at ATT_DOC_END at the end, and return the new doc. On a
 * corrupt block pc->err is set and doc becomes ATT_DOC_END. */
uint32_t att_postings_next(att_postings *pc);
uint32_t att_postings_advance(att_postings *pc, uint32_t target);
static inline uint32_t att_postings_tf(const att_postings *pc)
{
	return pc->tfs[pc->i];
}
/* Decodes the current posting's positions into *OUT (att_realloc'd,
 * capacity *CAP); *N gets the count. ATT_OK, ATT_ECORRUPT or ATT_ENOMEM. */
att_status att_postings_positions(uint32_t **out, size_t *cap, uint32_t *n,
                                  att_postings *pc);

/* The length in tokens of DOC (< ndocs). */
static inline uint32_t att_segment_doclen(const att_segment *seg, uint32_t doc)
{
	return att_get_u32le(seg->rows + (size_t)doc * 20);
}

/* One sentence boundary: first token position and byte offset. */
typedef struct att_sentence {
	uint32_t pos;
	uint32_t byte;
} att_sentence;

/* Decodes DOC's sentence table: *N sentences plus the end sentinel, so
 * (*out)[*n] exists. */
att_status att_segment_sentences(att_sentence **out, size_t *cap, uint32_t *n,
                                 const att_segment *seg, uint32_t doc);

/* A stored record, pointing into the inflated block. */
typedef struct att_record {
	const char *id, *title, *text;
	size_t id_len, title_len, text_len;
} att_record;

/* A one-block cache of inflated store blocks. */
typedef struct att_block_cache {
	const att_segment *seg;
	uint32_t block;
	att_buf buf;
} att_block_cache;

att_status att_segment_fetch(att_record *rec, att_block_cache *cache,
                             const att_segment *seg, uint32_t doc, char *msg,
                             size_t msgcap);

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
