/*
 * searcher.h: the searcher's internal interfaces.
 *
 * Section by section, which file implements what:
 *   qclean.c   - the forgiving parser's first pass: the query repaired
 *                (quotes paired, brackets balanced, invalid UTF-8 and
 *                odd spaces blanked) and the capitals rule; notes
 *   query.c    - the query parser: the query language of docs/QUERY.md
 *                into a tree of groups, terms, phrases and NEAR windows,
 *                strictly (errors with columns), forgivingly, or as
 *                plain words
 *   synonyms.c - synonym files and the gazetteer (analysed lazily),
 *                and the rewrite of words and phrases into synonym
 *                groups scored as one term; an index's own file
 *   fuzzy.c    - terms within N edits of a word, walked over a sorted
 *                dictionary (either backend's) without a full scan
 *   qtree.c    - rewriting the parsed tree: repeated words merged, a
 *                long query cut to its most informative terms, a query
 *                of exclusions read as words; the canonical rendering
 *   passage.c  - sentence-aligned passages: scoring, choosing, marking
 *   proximity.c - BM25TP's term-proximity score of a candidate, from the
 *                positions passages read, for both backends
 *   match.c    - evaluating a query tree: term statistics, prefix
 *                expansion, iterators, BM25/BM25F, block-max pruning, the
 *                top-k heap, explanations
 *   feedback.c - RM3's relevance model, for both backends
 *   search.c   - the public att_searcher and att_search: options, the
 *                passage re-ranking, feedback (RM3), results
 *   xsearch.c  - the same over a Xapian database (ATTACHE_WITH_XAPIAN)
 *
 * Reading segments (dictionary, cursors, stored records) is format/'s
 * (segread.c), since the indexer's merges read them too.
 */
#ifndef ATT_SEARCHER_H
#define ATT_SEARCHER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "attache.h"
#include "format.h"
#include "stemmer.h"

/* ---- query.c ------------------------------------------------------------- */

/* What forgiving parsing did to a query, in a few words each, for the
 * results (att_results_note). */
#define ATT_NOTES_MAX 8
#define ATT_NOTE_LEN 96

typedef struct att_notes {
	char text[ATT_NOTES_MAX][ATT_NOTE_LEN];
	unsigned n;
} att_notes;

/* Adds a note (printf-formatted); one already there, or past
 * ATT_NOTES_MAX, is not added again. */
void att_note(att_notes *ns, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* How a node joins its parent group: optional (adds to the score, and a
 * group without required members needs one of them), required, or
 * excluded. */
enum att_occur { ATT_SHOULD, ATT_MUST, ATT_MUST_NOT };

enum att_qkind {
	ATT_Q_TERM,    /* one term (or a prefix to expand) */
	ATT_Q_PHRASE,  /* terms adjacent and in order */
	ATT_Q_NEAR,    /* terms in any order, at most slop words between */
	ATT_Q_BOOL,    /* a group: required, optional and excluded members */
	ATT_Q_RANGE,   /* a typed field's value within [lo, hi] (keys) */
	ATT_Q_ALL,     /* every document: `*` */
	ATT_Q_SYN      /* synonyms scored as one term: kids[first .. first+n)
	                  are terms and phrases (synonyms.c) */
};

#define ATT_QUERY_MAX_BYTES 8192
#define ATT_QUERY_MAX_TERMS 256
/* Forgiving mode expands at most this many prefixes; later ones are
 * searched as words. With ATT_QUERY_MAX_TERMS terms, their BM25F title
 * twins and ATT_FB_MAX feedback terms, a forgiving query stays within
 * ATT_MATCH_MAX_SLOTS. */
#define ATT_QUERY_MAX_PREFIXES 8
#define ATT_QUERY_MAX_DEPTH 32
#define ATT_QUERY_MAX_SLOP 1000
/* A query term: an analysed term, or for a field-scoped one the index's
 * field term (ATT_FIELD_PREFIX, the field's name, ':', the term or, in a
 * keyword field, the whole folded value). */
#define ATT_QTERM_MAX (ATT_FIELD_NAME_MAX + 2 + ATT_KEYWORD_MAX)

typedef struct att_qterm {
	char text[ATT_QTERM_MAX + 1]; /* NUL-terminated */
	uint32_t len;
	uint32_t field_len;           /* bytes of the field term's prefix */
	uint32_t src, src_len;        /* the word it came from: bytes
	                                 [src, src+src_len) of att_query.text;
	                                 src_len 0: none (a prefix, a keyword
	                                 value, a synonym, a filter's term) */
} att_qterm;

typedef struct att_qnode {
	enum att_qkind kind;
	enum att_occur occur;  /* in its parent group (the root: ATT_MUST) */
	double boost;          /* multiplies the node's score; > 0 */
	uint32_t first, n;     /* TERM, PHRASE, NEAR: terms[first .. first+n);
	                          BOOL, SYN: kids[first .. first+n) */
	uint32_t slop;         /* NEAR: words allowed between the terms */
	int prefix;            /* TERM: terms[first] is a prefix to expand */
	unsigned fuzzy;        /* TERM: word~N, the edits allowed (1 or 2);
	                          0: the word exactly */
	int stop;              /* TERM: an optional stop word */
	int filter;            /* matches without adding to the score: a
	                          range, `*`, a keyword field's value */
	uint32_t field;        /* RANGE: the schema's field */
	uint64_t lo, hi;       /* RANGE: keys, both inclusive */
	size_t column;         /* 1-based byte column where it starts */
} att_qnode;

typedef struct att_query {
	att_qnode *nodes;
	uint32_t nnodes, root;
	uint32_t *kids;
	uint32_t nkids;
	att_qterm *terms;
	uint32_t nterms;
	att_notes notes;       /* what forgiving parsing repaired */
	const att_schema *schema; /* the parse environment's: RANGE fields */
	char *text;            /* the query as parsed (cleaned unless strict),
	                          NUL-terminated; NULL if there was none */
	size_t text_len;
} att_query;

/* What the parser needs from the index. */
typedef struct att_parse_env {
	att_analyzer *an;       /* the index's analyser (stems) */
	att_analyzer *plain;    /* normalises without stemming (prefixes,
	                           stop words); may be NULL */
	int default_and;        /* free words are required */
	int stop_words;         /* mark optional English stop words */
	/* 1 if the index has field NAME (lowercased, LEN bytes); NULL: none */
	int (*field_exists)(void *ctx, const char *name, size_t len);
	/* the live documents holding TERM (LEN bytes), for cutting a long
	 * query to its most informative terms; NULL: keep the first ones */
	uint64_t (*term_df)(void *ctx, const char *term, size_t len);
	void *ctx;
	att_syntax syntax;      /* forgiving (0), strict or plain */
	const att_schema *schema; /* the typed fields, or NULL: a keyword
	                           field's word or phrase is one folded value */
	struct att_synset *synonyms; /* groups free words expand to, or NULL
	                           (synonyms.c; analysed as they are needed) */
} att_parse_env;

/* Parses Q into OUT, as ENV->syntax says (docs/QUERY.md):
 *   strict: the query language exactly; ATT_EPARSE (the message gives
 *     the column), ATT_EEMPTY (nothing searchable, or only exclusions),
 *     ATT_ELIMIT (over ATT_QUERY_MAX_BYTES bytes, ATT_QUERY_MAX_TERMS
 *     terms or ATT_QUERY_MAX_DEPTH brackets);
 *   forgiving: any text parses; what was repaired is in OUT->notes. Only
 *     ATT_EEMPTY (the text has no searchable word; the note says so) and
 *     ATT_ENOMEM are returned;
 *   plain: every word is a word, no syntax; ATT_EEMPTY as forgiving.
 * The message goes to MSG. On error OUT holds nothing to release but
 * its notes. */
att_status att_query_parse(att_query *out, const att_parse_env *env,
                           const char *q, size_t len, char *msg,
                           size_t msgcap);
/* att_query_parse, then each of FILTERS[0..NFILTERS) (NUL-terminated
 * queries) parsed alike and joined to it as a required member that
 * never scores. A blank Q with filters is `*`, every document. A
 * filter with nothing to search is left out (forgiving, noted) or
 * ATT_EEMPTY (strict); MSG says "filter N: ...". */
att_status att_query_parse_filtered(att_query *out, const att_parse_env *env,
                                    const char *q, size_t len,
                                    const char *const *filters,
                                    size_t nfilters, char *msg, size_t msgcap);
void att_query_release(att_query *q);

/* The number of bytes of a quotation mark at S[I] (S has LEN bytes):
 * ASCII ", or one of “ ” „ ‟ « » ‹ › 「 」 『 』; 0 if none. */
size_t att_quote_len(const char *s, size_t i, size_t len);

/* The forgiving first pass (qclean.c): Q repaired into OUT (att_malloc'd,
 * *OUTLEN bytes, NUL-terminated): cut to ATT_QUERY_MAX_BYTES at a
 * character, invalid UTF-8, control characters and Unicode spaces
 * blanked, quotation marks paired (an unmatched one dropped, or closed
 * at the end), brackets balanced (unmatched or too deep ones blanked).
 * *OPS is 1 if AND, OR, NOT and NEAR are operators (the query is not in
 * capitals). With WORDS (plain words), only the cut and the blanking.
 * What was done is noted in NOTES. ATT_OK or ATT_ENOMEM. */
att_status att_query_clean(char **out, size_t *outlen, int *ops,
                           const char *q, size_t len, int words,
                           att_notes *notes);

/* 1 if Q (LEN bytes of UTF-8) is "in capitals" (docs/QUERY.md): of the
 * cased letters outside the operator words AND, OR, NOT and NEAR, at
 * least 90% are upper case; or it has no letter outside them at all. */
int att_query_in_capitals(const char *q, size_t len);

/* ---- qtree.c ---------------------------------------------------------------- */

/* Merges each group's repeated optional words into one word, boosted by
 * the number of times (the query term frequency). */
void att_query_merge_repeats(att_query *q);

/* Cuts Q to at most LIMIT terms: excluded and required parts, phrases and
 * prefixes first, then optional words by document frequency (TERM_DF of
 * ENV, rarest first); the rest are dropped and a note says so. */
att_status att_query_trim(att_query *q, const att_parse_env *env,
                          size_t limit);

/* Turns every exclusion of Q into an optional part. */
void att_query_unexclude(att_query *q);

/* 1 if node N can match a document by itself. */
int att_query_can_match(const att_query *q, uint32_t n);

/* Q in a canonical notation (word, title:word, word* a prefix, word? an
 * optional stop word, "a b" a phrase, near/N(a b), (...) a group, +
 * required, - excluded, ^N a boost), appended to B. */
void att_query_render(att_buf *b, const att_query *q);

/* 1 if WORD (normalised, LEN bytes) is on the English stop list. */
int att_stop_word(const char *word, size_t len);

/* ---- synonyms.c ------------------------------------------------------------ */

typedef struct att_synset att_synset;

/* Adds the groups of synonym file TEXT (LEN bytes; NAME names it in
 * messages) to *SET (made if NULL). Errors, with "NAME:LINE: ..." in
 * MSG: ATT_EUTF8, ATT_EINPUT (a bad escape), ATT_ELIMIT, ATT_ENOMEM.
 * Call att_synset_finish after the last add. */
att_status att_synset_add_text(att_synset **set, const char *name,
                               const char *text, size_t len, char *msg,
                               size_t cap);
/* The same for the file at PATH (ATT_ENOTFOUND, ATT_EIO too). */
att_status att_synset_add_file(att_synset **set, const char *path, char *msg,
                               size_t cap);
/* Readies SET (NULL: nothing) for look-ups, its entries analysed by AN
 * as they are needed (AN must outlive them). ATT_OK or ATT_ENOMEM. */
att_status att_synset_finish(att_synset *set, att_analyzer *an);
void att_synset_free(att_synset *set);
/* The number of groups (of two or more distinct entries). */
size_t att_synset_groups(const att_synset *set);
/* Rewrites Q's free words and phrases that are entries of S into
 * synonym nodes (ATT_Q_SYN); the arrays grow as query.c's parser grows
 * them, with its capacities *CAP*. ATT_OK or ATT_ENOMEM. */
att_status att_query_synonyms(att_query *q, att_synset *s,
                              uint32_t *capnodes, uint32_t *capkids,
                              uint32_t *capterms);
/* The bundled gazetteer's text (searcher/gazetteer/gazetteer.txt). */
const char *att_gazetteer_text(size_t *len);

/* A searcher's synonyms, read again only when what they come from
 * changes. */
typedef struct att_syncache {
	att_synset *set;
	char *path;             /* the file read, or NULL */
	struct stat st;         /* its version */
	int has, gazetteer, loaded;
} att_syncache;

/* The synonyms of a search in *OUT (NULL: none): the gazetteer if
 * GAZETTEER, and SEARCH_FILE if not NULL (ATT_ENOTFOUND if it is not
 * there), else INDEX_FILE if it exists; analysed by AN. The errors of
 * att_synset_add_file, with MSG. */
att_status att_syncache_get(att_synset **out, att_syncache *c,
                            att_analyzer *an, int gazetteer,
                            const char *index_file, const char *search_file,
                            char *msg, size_t cap);
void att_syncache_release(att_syncache *c);
/* The synonym file of the index at PATH (PATH/synonyms.txt, or beside a
 * Xapian stub file) into OUT; 0, or -1 if nothing is at PATH. */
int att_synonyms_path(char *out, size_t cap, const char *path);

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

/* One term occurrence, for walking every term's positions at once. */
typedef struct att_phit {
	uint32_t pos, term;
} att_phit;

/* Buffers att_passages_best and att_proximity reuse from one document
 * to the next. */
typedef struct att_pscratch {
	att_phit *hits;
	size_t n, cap;
	uint32_t *tf;
	size_t captf;
	double *acc;            /* proximity.c's accumulators */
	size_t capacc;
} att_pscratch;

/* Every term's positions, merged in position order into SC->hits[0..n)
 * (each hit naming its term's index). ATT_OK or ATT_ENOMEM. */
att_status att_pscratch_merge(att_pscratch *sc, const att_pterm *terms,
                              size_t nterms);

/* Scores sentence windows of about WORDS words over the document's
 * sentences and picks up to K non-overlapping best ones into OUT
 * (ordered best first); returns how many, or ATT_ENOMEM. With no
 * sentences, 0. */
int att_passages_best(att_window *out, size_t k, const att_sentence *sents,
                      uint32_t nsent, const att_pterm *terms, size_t nterms,
                      size_t words, double k1, double b, att_pscratch *sc);
void att_pscratch_release(att_pscratch *sc);

/* Windows past the last hit of TERMS plus a window's length (WORDS)
 * score nothing: the position at which a sentence table may stop being
 * read for att_passages_best. */
uint32_t att_passages_stop(const att_pterm *terms, size_t nterms,
                           size_t words);

/* Cuts window W (sentences of SENTS) out of REC's text into OUT: the
 * text trimmed of blanks, copied (att_malloc'd), and a mark on each word
 * whose analysed term IS_TERM(CTX, term, len) accepts. ATT_OK,
 * ATT_ECORRUPT (the window is outside the text), ATT_ENOMEM. */
att_status att_passage_cut(att_passage *out, att_analyzer *an,
                           const att_record *rec, const att_window *w,
                           const att_sentence *sents,
                           int (*is_term)(void *ctx, const char *t, size_t n),
                           void *ctx);

/* ---- proximity.c: BM25TP's term-proximity part ------------------------- */

/* One term's share of the proximity score, for explanations. */
typedef struct att_prox {
	double acc;      /* its accumulator: sum of idf / distance^2 */
	double score;    /* min(1, idf) * BM25 saturation of acc */
} att_prox;

/* The BM25TP proximity score of a document in *OUT from its query
 * terms' positions TERMS[0..nterms) (each with its idf), NORM its length
 * over the mean length (dl / avgdl), and BM25's K1 and B; with PER (NULL
 * for none, else NTERMS entries) each term's part. Uses SC's buffers
 * (its merged hits are overwritten). ATT_OK or ATT_ENOMEM. */
att_status att_proximity(double *out, att_prox *per, const att_pterm *terms,
                         size_t nterms, double norm, double k1, double b,
                         att_pscratch *sc);

/* What the re-ranking computes for a candidate, on either backend: its
 * passages (scored, and cut later for the hits shown), its term
 * proximity; ATT_RR_BLENDED: its score includes them. */
enum { ATT_RR_PASSAGES = 1, ATT_RR_PROXIMITY = 2, ATT_RR_BLENDED = 4 };

/* What options O re-rank by (ATT_RR_PASSAGES, ATT_RR_PROXIMITY); 0 ranks
 * by the document score alone. */
int att_rerank_what(const att_search_options *o);

/* The final score: DOC plus the weighted PASSAGE and PROX parts. */
double att_blend(double doc, double passage, double prox,
                 const att_search_options *o);

/* ---- feedback.c: RM3's relevance model ------------------------------------ */

#define ATT_FB_MAX 64

/* One word of the model: one occurrence while documents are added, its
 * summed weight after att_fb_finish. */
typedef struct att_fb_term {
	char term[ATT_MAX_TERM + 1];
	uint32_t len;
	double w;
} att_fb_term;

typedef struct att_fb {
	att_fb_term *v;
	size_t nv, cap;
	uint32_t tokens;        /* the document being added */
	/* after att_fb_finish: the expansion, heaviest first; pointers into v */
	const char *terms[ATT_FB_MAX];
	size_t lens[ATT_FB_MAX];
	double w[ATT_FB_MAX];   /* each term's boost */
	size_t n;
} att_fb;

void att_fb_init(att_fb *fb);
void att_fb_release(att_fb *fb);
/* Analyses the document of record REC (title and text) into the model,
 * with SHARE its share of the feedback documents' scores. ATT_OK,
 * ATT_ENOMEM, or ATT_ECORRUPT (the record does not analyse). */
att_status att_fb_add(att_fb *fb, att_analyzer *an, const att_record *rec,
                      double share);
/* The heaviest NTERMS (at most ATT_FB_MAX) words, weighted so that they
 * weigh (1 - WEIGHT) / WEIGHT times a query of NQ terms. */
att_status att_fb_finish(att_fb *fb, size_t nq, size_t nterms, double weight);

/* ---- search.c: results, built by either backend ------------------------ */

typedef struct att_res_hit {
	att_hit h;
	att_passage *passages;
	att_hit_field *fields;  /* h.nfields, their strings in fieldtext */
	char *fieldtext;
} att_res_hit;

struct att_results {
	att_res_hit *hits;
	size_t n;
	uint64_t total;
	int exact;
	att_notes notes;        /* the query's: what parsing repaired */
	char *query;            /* with explain: the rendered query */
	char *suggestion;       /* did you mean (suggest.c), or NULL */
	struct att_facet_res *facets;
	size_t nfacets;
};

/* Fills H's typed-field values (fields, fieldtext, h.nfields) for
 * document DOC of SEG, from its columns. ATT_ECORRUPT, ATT_ENOMEM. */
att_status att_hit_fields(att_res_hit *h, const att_schema *sc,
                          const att_segment *seg, uint32_t doc);

/* Gives R the notes of Q and, with EXPLAIN, its rendering. ATT_OK or
 * ATT_ENOMEM. */
att_status att_results_describe(att_results *r, const att_query *q,
                                 int explain);
/* Results with no hits for a query with nothing to search (Q's notes
 * say why). ATT_OK or ATT_ENOMEM. */
att_status att_results_nothing(att_results **out, const att_query *q,
                               int explain);

/* ---- xsearch.c: the Xapian backend ------------------------------------- */

typedef struct att_xsearcher att_xsearcher;

#ifdef ATTACHE_WITH_XAPIAN
/* Opens PATH, of KIND (a database, a sharded index or a stub file);
 * remote shards get TIMEOUT_MS (0: none). Messages go to MSG, CAP bytes
 * (the searcher's). */
att_status att_xsearcher_open(att_xsearcher **out, const char *path,
                              att_index_kind kind, unsigned timeout_ms,
                              char *msg, size_t cap);
att_status att_xsearcher_reopen(int *changed, att_xsearcher *x);
att_status att_xsearcher_stats(att_index_stats *out, att_xsearcher *x);
/* att_search on the Xapian backend; O has been checked. */
att_status att_xsearch(att_results **out, att_xsearcher *x, const char *query,
                       size_t len, const att_search_options *o);
/* att_searcher_document on the Xapian backend: fields in *FIELDS (*CAP). */
att_status att_xsearcher_document(att_doc *doc, int *found, att_xsearcher *x,
                                  const char *id, size_t id_len,
                                  att_field **fields, size_t *cap);
void att_xsearcher_free(att_xsearcher *x);
/* The typed fields its databases declare. */
const att_schema *att_xsearcher_schema(const att_xsearcher *x);

#endif

/* The sort option (att_search_options.sort) as field SC declares and a
 * direction: 0, *FIELD NULL for relevance; -1 with the reason in MSG. */
int att_sort_spec(const char **field, int *desc, const att_schema *sc,
                  const char *sort, char *msg, size_t msgcap);

/* ---- facets.c ------------------------------------------------------------ */

typedef struct att_facets att_facets;

/* One facet's answer: its name and values (their text in TEXT). */
typedef struct att_facet_res {
	char name[ATT_FIELD_NAME_MAX + 8];
	att_facet_value *values;
	size_t *offs;             /* each value's offset in text */
	size_t n;
	char *text;
} att_facet_res;

/* The facets SPECS[0..N) ask for, checked against SC (a NULL *OUT when N
 * is 0); ATT_EINVAL with the reason in MSG ("facet \"x\": ..."). */
att_status att_facets_new(att_facets **out, const att_schema *sc,
                          const char *const *specs, size_t n, char *msg,
                          size_t cap);
void att_facets_free(att_facets *fs);
/* Zero counts, before a run. */
void att_facets_reset(att_facets *fs);
/* Counting in SEG: its columns found (ATT_ECORRUPT if damaged), then
 * att_facets_add for each matching live document, then close (which
 * merges a keyword facet's counts). Errors stay in att_facets_status. */
att_status att_facets_open_segment(att_facets *fs, const att_segment *seg,
                                   char *msg, size_t cap);
void att_facets_add(att_facets *fs, uint32_t doc);
att_status att_facets_close_segment(att_facets *fs);
att_status att_facets_status(const att_facets *fs);
/* The counts, sorted, as results; att_facet_res_free frees them. */
att_status att_facets_results(att_facet_res **out, size_t *nout,
                              att_facets *fs);
void att_facet_res_free(att_facet_res *r, size_t n);
/* Appends value V[0..N) with its COUNT (a range's FROM and TO, else NaN)
 * to R, whose values and offs have room; its text to TEXT (R's, once
 * final). 0, or -1 if TEXT failed. Both backends build answers so. */
int att_facet_put(att_facet_res *r, att_buf *text, const char *v, size_t n,
                  uint64_t count, double from, double to);
/* Range bucket I of bounds B[0..NB) ("..0", "0..10", "100.."): its
 * label in OUT (its length, 0 if CAP is short), *FROM <= v < *TO. */
size_t att_facet_range(char *out, size_t cap, const double *b, size_t nb,
                       size_t i, double *from, double *to);

/* ---- match.c ------------------------------------------------------------- */

enum att_et_kind {
	ATT_ET_TEXT,   /* a default-field (title and text) term */
	ATT_ET_TITLE,  /* a title-field term: 0x02 "title:" word */
	ATT_ET_FIELD   /* another field's term */
};

/* A distinct term the evaluation reads, with its global statistics. */
typedef struct att_eterm {
	const char *text;      /* att_malloc'd, NUL-terminated */
	size_t len;
	enum att_et_kind kind;
	uint64_t df;           /* live documents, over every segment */
	double idf;
	int positive;          /* its positions make passages, it is marked */
	int32_t slot;          /* a leaf slot reading it (the first), or -1 */
} att_eterm;

typedef struct att_enode att_enode;
struct att_enode {
	enum att_qkind kind;
	enum att_occur occur;
	double boost;
	uint32_t *t, nt;        /* leaves: slots, in term order */
	uint32_t slop;          /* NEAR */
	int stop;               /* an optional stop word */
	int filter;             /* matches, never scores (boost 0) */
	uint64_t df;            /* SYN: the group's document frequency (its
	                           most frequent member's), */
	double idf;             /* and its idf */
	char field[ATT_FIELD_NAME_MAX + 1]; /* RANGE: the column's name, */
	uint64_t lo, hi;        /* and the keys it takes */
	const att_valcol *col;  /* its column in the segment, or NULL */
	uint32_t ndocs;         /* the segment's documents */
	att_enode **kids;       /* groups: required, optional, excluded */
	uint32_t nkids, nmust, nshould;
	size_t column;
	/* evaluation state, per segment */
	uint32_t doc;           /* the current match (if started) */
	int started;
	double max;             /* best score in the segment (MaxScore) */
	double sc;              /* MaxScore: its score in document scdoc */
	uint32_t scdoc;
	att_enode **order;      /* root of a MaxScore run: members by max */
	double *prefix_max;
	att_enode *next_alloc;  /* every node, for freeing */
};

/* A prefix becomes its ATT_PREFIX_KEEP most frequent expansions (ties by
 * their bytes); covering more than ATT_PREFIX_SCAN terms is ATT_ELIMIT.
 * Both backends use this rule, so that they expand alike. */
#define ATT_PREFIX_KEEP 64
#define ATT_PREFIX_SCAN 100000

typedef struct att_pfx_term {
	char *text;          /* att_malloc'd, NUL-terminated */
	size_t len;
	uint64_t df;
} att_pfx_term;

/* Sorts V[0..*N) (distinct terms) most frequent first and keeps the
 * first ATT_PREFIX_KEEP, freeing the others' text. */
void att_prefix_keep(att_pfx_term *v, size_t *n);

/* At most this many term slots (prefix expansions and feedback terms
 * included): ATT_ELIMIT beyond. */
#define ATT_MATCH_MAX_SLOTS 2048

/* An entry of the top-k heap. */
typedef struct att_scored {
	double score;
	uint32_t seg, doc;
	uint64_t rank;             /* sorting by a field: lower first (0 when
	                              ranking by score) */
	const char *id;            /* its id, once a tie needed it */
	uint32_t id_len;
	int id_state;              /* 0: not looked up, 1: id, 2: unreadable */
} att_scored;

/* A candidate the heap kept, then re-ranked, then maybe a hit. */
typedef struct att_cand {
	double score, doc_score, passage_score, prox_score;
	uint32_t seg, doc;
	uint64_t rank;             /* att_scored's */
	att_window *win;           /* up to 8, in att_match's wins */
	size_t nwin;
	int done;                  /* what search.c's re-ranking computed */
} att_cand;

/* What att_match_explain learns of a term in a document. */
typedef struct att_term_explain {
	uint32_t tf, ttf, dl, tl;
} att_term_explain;

typedef struct att_match {
	/* set by the caller before att_match_build */
	const att_segment *segs;
	uint32_t nsegs;
	uint64_t docs;
	double avgdl, avgtl;       /* mean document and title lengths */
	double k1, b, title_weight;
	int stop_words;            /* drop optional stop words */
	int prune;                 /* 0: exhaustive evaluation */
	int forgive;               /* a prefix covering too many terms is
	                              its word, noted, not ATT_ELIMIT; a
	                              word in no document is corrected */
	int in_syn;                /* building a synonym node's members */
	att_notes *notes;
	att_analyzer *an, *plain;  /* the index's: the automatic correction's
	                              one-edit variants (att_variant_term) */
	size_t k;                  /* heap size */
	/* sorting by a date or number field (prune must be 0): its name,
	 * and the direction; documents without a value come last */
	const char *sort_field;    /* NULL: by score */
	int sort_desc;
	const att_valcol *sort_col; /* in the open segment, or NULL */
	att_facets *facets;        /* counts every match (prune must be 0) */
	char *msg;
	size_t msgcap;
	/* the query */
	att_eterm *et;
	uint32_t net, capet, nlooked;
	att_enode *root, *all;
	/* per segment and term: dictionary entries */
	att_term_info *ti;
	int *found;
	/* Slots: each leaf's each term reads its postings through a cursor
	 * of its own (nodes move independently), over eterm slot_u[i]; under
	 * BM25F a default-field slot has a title-field twin slot_title[i]. */
	uint32_t *slot_u;
	int32_t *slot_title;
	uint32_t nslots, capslots;
	/* per slot, for the open segment */
	uint32_t seg;
	att_postings *pc;
	int *present;
	int64_t *posdoc;           /* the document pos[i] holds, or -1 */
	struct att_bound_memo {    /* the bound of the block last bounded */
		uint32_t block;        /* UINT32_MAX: none yet */
		double bound;
	} *memo;
	uint32_t **pos, *npos;
	size_t *poscap;
	uint32_t npalloc;
	/* the results */
	att_scored *heap;
	size_t nheap;
	att_cand *cands;           /* the heap's, best first, after a run */
	size_t ncands;
	att_window *wins;          /* 8 per candidate */
	uint64_t total;            /* matches seen (all, unless pruned) */
	int pruned;                /* 1 if pruning skipped any document */
	att_status rc;
} att_match;

/* Builds the evaluation tree of Q (prefixes expanded, stop words
 * dropped). Then att_match_prepare looks its terms up. */
att_status att_match_build(att_match *m, const att_query *q);
/* Wraps the root with feedback terms TERMS[i] (LENS[i] bytes) weighted
 * W[i]; call att_match_prepare again after. */
att_status att_match_expand(att_match *m, const char *const *terms,
                            const size_t *lens, const double *w, size_t n);
att_status att_match_prepare(att_match *m);
/* Finds the best k documents: m->cands[0..ncands), best first. */
att_status att_match_run(att_match *m);
/* Opens the cursors of segment SEG (rewinding them). */
att_status att_match_open_segment(att_match *m, uint32_t seg);
/* Opens only the cursors passages read: each positive term's first slot
 * (the others are left absent until the next open). */
att_status att_match_open_passages(att_match *m, uint32_t seg);
/* Decodes slot I's positions in its cursor's document (cached). */
att_status att_match_positions(att_match *m, uint32_t u);
/* Appends how DOC of SEG got its document score. */
att_status att_match_explain(att_match *m, uint32_t seg, uint32_t doc,
                             att_buf *out);
/* Result order: A worse than B (a lower score; on a tie, a later
 * document id, read from SEGS, the segments the seg fields index; SEGS
 * NULL: the later place in the index). */
int att_cand_worse(const att_segment *segs, const att_cand *a,
                   const att_cand *b);
int att_scored_worse(const att_segment *segs, att_scored *a, att_scored *b);
void att_match_release(att_match *m);

/* ---- fuzzy.c ------------------------------------------------------------- */

/* A fuzzy word (word~N) allows at most this many edits. */
#define ATT_FUZZY_MAX_EDITS 2

/* The Damerau-Levenshtein distance of A (ALEN bytes) and B (BLEN bytes)
 * in its optimal string alignment form: insertions, deletions,
 * substitutions and transpositions of two adjacent characters cost 1
 * each. Characters are code points of UTF-8; a byte that starts no valid
 * sequence counts as one. Returns the distance if it is at most MAX,
 * else MAX + 1; or ATT_ENOMEM (negative) if a string over 128 bytes
 * needs memory that cannot be had. */
int att_edit_distance(const char *a, size_t alen, const char *b, size_t blen,
                      unsigned max);

/* A dictionary to walk in byte order: the native segments' and a Xapian
 * database's. */
typedef struct att_term_source {
	/* positions so that next gives the first term >= KEY (LEN bytes,
	 * byte order); after the first call, the walk only seeks past the
	 * last term next gave */
	att_status (*seek)(void *ctx, const uint8_t *key, size_t len);
	/* the next term in byte order: *HAS 0 at the end; *TERM valid until
	 * the next call */
	att_status (*next)(void *ctx, const uint8_t **term, size_t *len,
	                   uint64_t *df, int *has);
	void *ctx;
} att_term_source;

/* Calls EMIT(CTX, term, tlen, df, dist) for every term of SRC within
 * MAXEDITS (0 .. ATT_FUZZY_MAX_EDITS) of WORD (LEN bytes, at most
 * ATT_MAX_TERM), in byte order, with its distance (att_edit_distance's):
 * a walk of the dictionary that seeks past every prefix no such term
 * has (fuzzy.c explains). *VISITED (if not NULL) gets the number of
 * terms it read. ATT_OK, ATT_EINVAL (MAXEDITS too large), ATT_ELIMIT
 * (the word too long), ATT_ECORRUPT (the terms out of order), or the
 * first error of SRC or of EMIT, which stops the walk. Allocates
 * nothing. */
att_status att_fuzzy_walk(const att_term_source *src, const char *word,
                          size_t len, unsigned maxedits,
                          att_status (*emit)(void *ctx, const uint8_t *term,
                                             size_t tlen, uint64_t df,
                                             unsigned dist),
                          void *ctx, size_t *visited);

/* SRC over SEG's dictionary through IT (the caller's, as long as SRC is
 * used); the df is the dictionary's, deletions not subtracted. Its seek
 * searches forward from the current term (fuzzy.c says why). */
void att_term_source_segment(att_term_source *src, att_dict_iter *it,
                             const att_segment *seg);

#ifdef ATTACHE_WITH_XAPIAN
struct att_xiter;
/* SRC over IT, an iterator of att_xdb_allterms (attache_xapian.h) the
 * caller owns; errors are the wrapper's (att_status_of_x), with the
 * message on IT (att_xiter_errmsg). */
void att_term_source_xapian(att_term_source *src, struct att_xiter *it);
#endif

/* Expansions of a fuzzy word: a term's text (att_malloc'd), its live
 * document frequency and its distance. */
typedef struct att_fz_term {
	char *text;
	size_t len;
	uint64_t df;
	unsigned dist;
} att_fz_term;

typedef struct att_fz_set {
	att_fz_term *v;
	size_t n, cap;
} att_fz_set;

/* `word~N` keeps its ATT_FUZZY_KEEP nearest terms; a word the index does
 * not have, searched as its nearest (docs/QUERY.md, Typos), the
 * ATT_FUZZY_NEAREST most frequent at the least distance found. */
#define ATT_FUZZY_KEEP 32
#define ATT_FUZZY_NEAREST 8

/* Adds a term a walk found (id and field terms, and terms in no live
 * document, are left out). ATT_OK or ATT_ENOMEM. */
att_status att_fz_add(att_fz_set *s, const uint8_t *term, size_t len,
                      uint64_t df, unsigned dist);
/* Merges the segments' entries of each term (dfs summed), orders them by
 * distance, then frequency, then bytes, and keeps ATT_FUZZY_KEEP or,
 * NEAREST, the nearest ones. Both backends choose so. */
void att_fz_finish(att_fz_set *s, int nearest);
void att_fz_release(att_fz_set *s);
/* Notes that WORD (LEN bytes), in no document, was searched as S's
 * terms (the first three named). */
void att_fz_note(att_notes *notes, const char *word, size_t len,
                 const att_fz_set *s);
/* The terms within EDITS of TEXT (LEN bytes) over the native segments
 * SEGS, with live dfs, chosen by att_fz_finish (NEAREST) into *SET (the
 * caller releases it). ATT_OK, ATT_ENOMEM, or a dictionary's error with
 * the message in MSG. */
att_status att_segments_near(const att_segment *segs, uint32_t nsegs,
                             const char *text, size_t len, unsigned edits,
                             int nearest, att_fz_set *set, char *msg,
                             size_t msgcap);
/* The live documents of SEGS holding TERM (a segment whose look-up
 * fails counts none; the error is in MSG). */
uint64_t att_segments_live_df(const att_segment *segs, uint32_t nsegs,
                              const char *term, size_t len, char *msg,
                              size_t msgcap);
/* The boost of an expansion DIST edits away: 1 / (1 + DIST). */
double att_fuzzy_boost(unsigned dist);
/* The edits `word~` and the automatic correction allow WORD (LEN bytes):
 * 0 under 5 characters, 1 under 9, else 2 (Meilisearch's rule). */
unsigned att_fuzzy_edits(const char *word, size_t len);

/* ---- suggest.c: did you mean ------------------------------------------- */

/* Below this many hits, a rare word of a query may be suggested a far
 * more frequent spelling (suggest.c). */
#define ATT_SUGGEST_FEW 10

/* What a suggestion needs of a backend's dictionary. */
typedef struct att_suggest_env {
	att_analyzer *an;       /* the index's analyser */
	att_analyzer *plain;    /* folds without stemming; may be NULL */
	/* the live documents holding TERM */
	uint64_t (*df)(void *ctx, const char *term, size_t len);
	/* the terms within EDITS of TERM with their live dfs, chosen by
	 * att_fz_finish (NEAREST), into *SET */
	att_status (*near)(void *ctx, const char *term, size_t len,
	                   unsigned edits, int nearest, att_fz_set *set);
	void *ctx;
} att_suggest_env;

/* A word in no document whose stem has no term near it ("negotiatons":
 * stem "negotiaton", four edits from "negoti") may still be one edit
 * from a word the index holds. att_variant_term tries the typed word's
 * one-edit variants in a-z (insertions, transpositions, deletions,
 * substitutions: at most 54 * ATT_VARIANT_MAX + 25 stems looked up) and
 * keeps the one whose stem, other than the word's own, is held by the
 * most documents. Only for an ASCII word of 5 to ATT_VARIANT_MAX
 * letters; the automatic correction and the suggestion both use it when
 * the walk over stems finds nothing. */
#define ATT_VARIANT_MAX 24

typedef struct att_variants {
	att_analyzer *an, *plain;   /* in: the index's analysers */
	uint64_t (*df)(void *ctx, const char *term, size_t len); /* in: live */
	void *ctx;
	char best[ATT_MAX_TERM + 1]; /* out: the stem found, best_len bytes, */
	size_t best_len;
	uint64_t best_df;           /* held by this many (0: none found) */
	char word[ATT_VARIANT_MAX + 2]; /* and the variant that gave it */
	size_t word_len;
} att_variants;

/* Fills VB's out fields for term T of Q (from its word in Q's text).
 * Allocates nothing; ATT_OK. */
att_status att_variant_term(att_variants *vb, const att_query *q,
                            const att_qterm *t);

/* The text of Q with its misspelt words replaced (suggest.c says which
 * and how), att_malloc'd in *OUT; *OUT NULL when every word is fine.
 * FEW: the query found fewer than ATT_SUGGEST_FEW documents. ATT_OK,
 * ATT_ENOMEM or an error of ENV's near. */
att_status att_suggest(char **out, const att_query *q,
                       const att_suggest_env *env, int few);

#endif
