/*
 * attache.h: the public C API of attache, a full-text search engine.
 *
 * This header is the whole public surface. Every type is opaque; every
 * fallible function returns an att_status (ATT_OK is 0, errors are
 * negative) and hands results back through out-parameters, which come
 * first. A handle keeps a human-readable message about its last error
 * until its next call (att_writer_errmsg, att_searcher_errmsg,
 * att_reader_errmsg). Every _free() accepts NULL. The library keeps no
 * mutable global state and never aborts on bad input or out of memory.
 *
 * The three parts:
 *   - att_reader: turns input files (a tree of .txt files, JSONL, TREC,
 *     stdin) into documents;
 *   - att_writer: analyses documents and writes them into an index
 *     directory, made visible atomically by att_writer_commit();
 *   - att_searcher: opens the committed index and answers queries with
 *     ranked hits, each with its best passages, matched words marked.
 *
 * attache's own code is MIT-licensed.
 */
#ifndef ATTACHE_H
#define ATTACHE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ATT_VERSION_STRING "0.1.0"

/* ---- status codes ------------------------------------------------------ */

typedef enum att_status {
	ATT_OK = 0,
	ATT_ENOMEM = -1,    /* out of memory */
	ATT_EIO = -2,       /* a system call failed (errno in the message) */
	ATT_ECORRUPT = -3,  /* an index file is damaged or truncated */
	ATT_EVERSION = -4,  /* an index file has an unknown format version */
	ATT_ENOTFOUND = -5, /* no such file, index, document or language */
	ATT_EINVAL = -6,    /* an invalid argument or option value */
	ATT_EUTF8 = -7,     /* input text is not valid UTF-8 */
	ATT_EPARSE = -8,    /* a query does not parse */
	ATT_EINPUT = -9,    /* a malformed input record (JSON, TREC, ...) */
	ATT_ELOCKED = -10,  /* another writer holds the index lock */
	ATT_ELIMIT = -11,   /* a size limit was exceeded */
	ATT_EEMPTY = -12    /* an empty query, or nothing to index */
} att_status;

/* A short static description of a status ("corrupt index file", ...). */
const char *att_status_str(att_status st);

/* The library's version, ATT_VERSION_STRING. */
const char *att_version(void);

/* ---- documents and readers --------------------------------------------- */

/* One stored field besides id, title and text; value is UTF-8 (a JSON
 * value that is not a string is kept as its JSON text). */
typedef struct att_field {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
} att_field;

/* A document to index. Pointers are borrowed for the duration of the call
 * that takes the document. id must be non-empty; title and text may be
 * empty. */
typedef struct att_doc {
	const char *id;
	size_t id_len;
	const char *title;
	size_t title_len;
	const char *text;
	size_t text_len;
	const att_field *fields;
	size_t nfields;
} att_doc;

typedef enum att_input_format {
	ATT_INPUT_AUTO = 0, /* by name: directory -> text, .jsonl/.json/.ndjson
	                       -> JSONL, .trec/.sgml/.xml -> TREC, else by
	                       content */
	ATT_INPUT_TEXT,     /* one document per .txt file; first line is the
	                       title; id is the path below the root, no .txt */
	ATT_INPUT_JSONL,    /* one JSON object per line: id, title, text, ... */
	ATT_INPUT_TREC      /* <DOC><DOCNO>..</DOCNO>[<TITLE>..</TITLE>]<TEXT>..
	                       </TEXT></DOC> */
} att_input_format;

typedef struct att_reader att_reader;

/* Opens PATH (a file, a directory walked in sorted order, or "-" for
 * standard input, whose format AUTO detects from its first byte: '{'
 * JSONL, '<' TREC, else one text document with id "stdin"). A directory's
 * files, and a single file of these kinds, are read by kind, sniffed from
 * their bytes and name (docs/READERS.md): .txt text, HTML, Markdown, PDF,
 * e-mail (.eml) and mbox (a document per message, id FILE#N); the id is
 * the path below the root, without ".txt" for text files, extension kept
 * for the others. Errors: ATT_ENOTFOUND, ATT_EIO, ATT_EINVAL,
 * ATT_ENOMEM; *out is NULL on error and the message is in *errmsg_out if
 * that is non-NULL (a static or thread-unsafe buffer is never used: the
 * caller frees it with free()). */
att_status att_reader_open(att_reader **out, const char *path,
                           att_input_format format, char **errmsg_out);

/* Reads the next document into *doc, whose pointers stay valid until the
 * next call on the reader. *has_doc is 0 at the end of input. A malformed
 * record returns ATT_EINPUT (or ATT_EUTF8) with a message naming the file
 * and line; the reader has then moved past that record, so the caller may
 * call again to skip it. */
att_status att_reader_next(att_doc *doc, int *has_doc, att_reader *r);

/* The file and line of the record last returned (or failed). */
const char *att_reader_file(const att_reader *r);
uint64_t att_reader_line(const att_reader *r);
/* Bytes consumed so far across all files, for progress reports. */
uint64_t att_reader_bytes(const att_reader *r);
const char *att_reader_errmsg(const att_reader *r);
void att_reader_free(att_reader *r);

/* A directory's reader asks FN about each file before it reads it: first
 * with BYTES NULL (REL its path below the root, SIZE and MTIME_NS from
 * its stat), then, if FN said 1, with the file's bytes [BYTES, BYTES + N)
 * before they are parsed. FN returns 1 to go on, 0 to skip the file (it
 * gives no document and no error). attache index --sync uses it to leave
 * unchanged files unread. Set before the first att_reader_next. */
typedef int (*att_reader_filter)(void *ctx, const char *rel, uint64_t size,
                                 int64_t mtime_ns, const uint8_t *bytes,
                                 size_t n);
void att_reader_set_filter(att_reader *r, att_reader_filter fn, void *ctx);

/* The directory's files, sorted, as the reader will read them (before
 * any filter): how many, and the I-th's path below the root. 0 for input
 * that is not a directory. */
size_t att_reader_files(const att_reader *r);
const char *att_reader_file_rel(const att_reader *r, size_t i);

/* A reader of one document held in memory, BYTES[0..N), of CONTENT_TYPE
 * ("text/html", "text/markdown", "application/pdf", "message/rfc822",
 * "application/mbox" for several messages, or "text/plain" read as a .txt
 * file is; parameters after ';' ignored), with id ID (an mbox's messages:
 * ID#1, ID#2, ...). att_reader_next then gives its document(s) as for a
 * file. The bytes are copied. ATT_EINVAL for another type or no id,
 * ATT_ELIMIT past 64 MiB, ATT_ENOMEM. The server's POST /documents. */
att_status att_reader_open_bytes(att_reader **out, const char *id,
                                 const char *content_type, const void *bytes,
                                 size_t n, char **errmsg_out);

/* ---- typed fields -------------------------------------------------------- */

/* A field of the documents (JSONL keys besides id, title and text) can be
 * declared with a type when an index is created; its values are then
 * checked, stored in columns and returned with each hit. An undeclared
 * field stays searchable text (docs/QUERY.md). */
typedef enum att_field_type {
	ATT_FIELD_KEYWORD = 1, /* exact values, several per document (a JSON
	                          array of strings is several; so are several
	                          att_fields of the name): folded as query
	                          words are (case, accents, NFKC), not stemmed,
	                          at most 256 bytes */
	ATT_FIELD_DATE = 2,    /* ISO 8601: YYYY, YYYY-MM, YYYY-MM-DD, or a
	                          date and time with or without a zone (UTC
	                          if none), kept as whole seconds UTC */
	ATT_FIELD_NUMBER = 3   /* an integer or decimal, kept as a double */
} att_field_type;

typedef struct att_field_decl {
	const char *name;      /* 1 to 32 ASCII letters, digits, '_', '-' or
	                          '.' (matched without case); not id, title
	                          or text */
	att_field_type type;
} att_field_decl;

/* ---- writing an index --------------------------------------------------- */

typedef struct att_writer_options {
	const char *language;   /* Snowball language, "english" by default;
	                           "none" disables stemming */
	size_t memory_budget;   /* bytes of postings and buffers before a
	                           segment is flushed; 0 means 256 MiB */
	int replace_invalid_utf8; /* 1: replace bad bytes with U+FFFD;
	                             0: reject the document (ATT_EUTF8) */
	int no_merge;           /* 1: commits never merge segments by
	                           themselves (att_writer_merge still does) */
	const char *backend;    /* "native", "xapian", or NULL: what PATH
	                           holds, native for a new index. The Xapian
	                           backend needs a build with
	                           ATTACHE_WITH_XAPIAN (docs/XAPIAN.md) */
	uint32_t shards;        /* Xapian only: a new index of this many
	                           shards (0 or 1: one database) */
	unsigned threads;       /* native backend: threads that analyse and
	                           invert documents, each building segments
	                           of its own, all within memory_budget (0:
	                           the machine's cores; 1: all on the
	                           caller's thread). The index, scores and
	                           hits are the same for any number */
	const att_field_decl *fields; /* typed fields, declared when the index
	                           is created and kept in it: later writers
	                           may repeat the declarations or leave them
	                           out. A field declared again with another
	                           type, or a new field for an index that
	                           has documents, is ATT_EINVAL. Native
	                           backend only, for now */
	size_t nfields;
} att_writer_options;

void att_writer_options_init(att_writer_options *o);

typedef struct att_writer att_writer;

/* Opens (creating if needed) the index directory PATH for writing and
 * takes its lock. An existing index keeps its documents; new ones are
 * added in new segments. Errors: ATT_ELOCKED (another writer), ATT_EIO,
 * ATT_ECORRUPT / ATT_EVERSION (an existing manifest is damaged),
 * ATT_EINVAL (language unknown, or differs from the existing index's; a
 * backend other than the one PATH holds, or one this build lacks),
 * ATT_ENOMEM. With the Xapian backend (opts->backend, or a Xapian
 * database or sharded index at PATH) documents go to a Xapian database,
 * or to opts->shards of them, analysed the same way (docs/XAPIAN.md);
 * its ids are at most 244 bytes. On error *out is NULL and *errmsg_out (if non-NULL) gets a
 * malloc'd message for the caller to free(). */
att_status att_writer_open(att_writer **out, const char *path,
                           const att_writer_options *opts, char **errmsg_out);

/* Analyses and buffers one document; flushes a segment when the memory
 * budget is reached. A document with the id of one already in the index
 * (committed, or added since open) replaces it. Nothing is visible to
 * searchers before commit.
 * Errors: ATT_EINVAL (empty id), ATT_EUTF8 (invalid UTF-8, the message
 * gives the field and byte offset), ATT_ELIMIT (document over 64 MiB),
 * ATT_EIO, ATT_ENOMEM. A rejected document leaves the writer usable;
 * ATT_EIO and ATT_ENOMEM make it fail every later call. With worker
 * threads (att_writer_options.threads) the document is checked at once
 * and copied, and analysed by a worker: an ATT_EIO or ATT_ENOMEM there
 * comes back from a later add, delete or commit. */
att_status att_writer_add(att_writer *w, const att_doc *doc);

/* Deletes the document whose id is ID (ID_LEN bytes), whether committed
 * or added since open; *DELETED gets how many went (0 or 1). Visible to
 * searchers after commit, with collection statistics as if the document
 * had never been added. With worker threads, a delete of an id added
 * since open and not yet joined first waits for the workers. Errors:
 * ATT_EINVAL (empty id or over 1024 bytes),
 * ATT_ECORRUPT (a damaged segment), ATT_EIO, ATT_ENOMEM. */
att_status att_writer_delete(uint32_t *deleted, att_writer *w, const char *id,
                             size_t id_len);

/* Flushes buffered documents, fsyncs the new segment files, then writes
 * the new manifest under a temporary name, fsyncs it, renames it into
 * place and fsyncs the directory. A crash leaves the previous commit or
 * this one. Then, unless no_merge was set, merges segments as the tiered
 * policy asks (ten of a size tier into one; a segment more than half
 * deleted is rewritten), each merge a commit of its own, and removes the
 * files no manifest names any more. A merge that fails after the commit
 * does not make the commit fail. */
att_status att_writer_commit(att_writer *w);

/* Commits (as att_writer_commit), then merges segments until at most
 * MAX_SEGMENTS remain, the smallest first, dropping deleted documents;
 * with MAX_SEGMENTS or fewer already, rewrites the segments that have
 * deletions. Each merge is a commit of its own; searchers that have the
 * index open keep their generation. Errors as att_writer_commit, and
 * ATT_EINVAL for 0. */
att_status att_writer_merge(att_writer *w, uint32_t max_segments);

/* Documents added since open, and segments written since open (those
 * flushed, plus the one being filled, if any; with worker threads, the
 * segments they built and the writer has joined so far: all of them
 * after a commit). */
uint64_t att_writer_docs(const att_writer *w);
/* Documents that att_writer_add replaced since open (with worker
 * threads, counted as their batches join: exact after a commit). */
uint64_t att_writer_replaced(const att_writer *w);
uint32_t att_writer_segments(const att_writer *w);
/* "native" or "xapian"; for the Xapian backend att_writer_segments
 * counts shards. */
const char *att_writer_backend(const att_writer *w);
const char *att_writer_errmsg(const att_writer *w);

/* Releases the lock; uncommitted documents are discarded. */
void att_writer_free(att_writer *w);

/* ---- checking ------------------------------------------------------------- */

/* Called for each problem: FILE (within the index directory; "" if the
 * message names it), an OFFSET in it (0 if none applies), a description. */
typedef void (*att_check_fn)(void *ctx, const char *file, uint64_t offset,
                             const char *problem);

typedef struct att_check_result {
	uint64_t problems;
	uint32_t segments;   /* segments checked in full (Xapian: databases) */
	uint64_t documents;  /* documents re-analysed */
	uint64_t generation;
	char backend[16];    /* "native" or "xapian" */
} att_check_result;

/* Verifies the index in PATH: every file's checksum, version and layout;
 * dictionary order; that each segment's postings, positions, document
 * lengths and sentence tables are exactly what re-analysing its stored
 * documents gives; deletion statistics; the manifest's totals. Calls
 * REPORT for each problem. Returns ATT_OK when the check ran (sound or
 * not: see out->problems), ATT_ENOTFOUND (no index), ATT_ENOMEM, ATT_EIO.
 * Takes no lock: run it while no writer commits, or expect reports. */
att_status att_index_check(att_check_result *out, const char *path,
                           att_check_fn report, void *ctx);

/* ---- searching ----------------------------------------------------------- */

typedef struct att_searcher att_searcher;

/* Gives the index at PATH its own synonym file (docs/QUERY.md,
 * Synonyms): FILE is checked (every line must read) and copied to
 * PATH/synonyms.txt (beside a Xapian stub file), atomically; searchers
 * use it from their next search, with no reindexing. FILE NULL removes
 * it. Errors: ATT_ENOTFOUND (no index at PATH, or no FILE), ATT_EINPUT
 * and ATT_EUTF8 (the message gives FILE's line), ATT_ELIMIT, ATT_EIO,
 * ATT_ENOMEM; the message in *ERRMSG (free() it) if ERRMSG is not
 * NULL. */
att_status att_index_set_synonyms(const char *path, const char *file,
                                  char **errmsg);

/* Opens the index last committed in PATH and pins it (mmap) for the life
 * of the handle: later commits and merges never change what it sees,
 * until att_searcher_reopen. Every file's magic, version and CRC-32 is
 * checked.
 * Errors: ATT_ENOTFOUND (no index there), ATT_ECORRUPT and ATT_EVERSION
 * (the message names the file and offset), ATT_EIO, ATT_ENOMEM. */
att_status att_searcher_open(att_searcher **out, const char *path,
                             char **errmsg_out);

/* As att_searcher_open, for PATH of either backend: an attache index; or,
 * in a build with the Xapian backend (ATTACHE_WITH_XAPIAN), a Xapian
 * database attache wrote, a directory of shards (att_writer_options
 * .shards), or a Xapian stub file listing local databases ("auto PATH")
 * and remote shards served by xapian-tcpsrv ("remote HOST:PORT"). Each
 * remote shard gets TIMEOUT_MS for connecting and for every exchange (0:
 * none; att_searcher_open gives 10,000, Xapian's default). A shard that
 * fails is ATT_EIO, its stub line and host:port in the message. A Xapian
 * database is pinned less firmly than a native index: Xapian keeps one
 * old revision, so a searcher that sits through two commits is moved to
 * the latest by its next search (which retries once) instead of failing.
 * att_search refuses (ATT_EINVAL) what the Xapian backend cannot do: a
 * title_weight other than 1 and feedback_docs. */
att_status att_searcher_open_timeout(att_searcher **out, const char *path,
                                     unsigned timeout_ms, char **errmsg_out);

/* "native" or "xapian": the backend S searches. */
const char *att_searcher_backend(const att_searcher *s);
/* The typed fields the index declares (att_writer_options.fields): how
 * many; the I-th's name (lowercased) and, in *TYPE, its type. */
size_t att_searcher_fields(const att_searcher *s);
const char *att_searcher_field(const att_searcher *s, size_t i,
                               att_field_type *type);
const char *att_searcher_errmsg(const att_searcher *s);

/* Moves S to the generation committed since it was opened, if any:
 * *CHANGED is 1 if it did. Results obtained earlier stay valid. On error
 * S keeps the generation it had, and the message says why. */
att_status att_searcher_reopen(int *changed, att_searcher *s);
void att_searcher_free(att_searcher *s);

/* The live document whose id is ID (ID_LEN bytes) in what S has open,
 * into *DOC (id, title, text and stored fields): *FOUND is 1, or 0 (and
 * *DOC empty) if there is none. DOC's pointers stay valid until the next
 * call on S. Both backends. Errors: ATT_EINVAL (an empty id, or over
 * 1,024 bytes), ATT_ECORRUPT (a damaged record or dictionary; the
 * message names it), ATT_EIO (a remote shard failed), ATT_ENOMEM. */
att_status att_searcher_document(att_doc *doc, int *found, att_searcher *s,
                                 const char *id, size_t id_len);

typedef struct att_index_stats {
	uint64_t docs;
	uint64_t terms;        /* distinct terms, summed over segments (not
	                          counting terms only deleted documents have) */
	uint64_t postings;     /* (term, live document) pairs */
	uint64_t positions;    /* token occurrences */
	uint64_t raw_bytes;    /* bytes of title and text indexed */
	uint32_t segments;
	uint64_t generation;
	char language[32];
	/* bytes on disk by kind, summed over segments */
	uint64_t bytes_dict, bytes_postings, bytes_positions, bytes_docs,
	    bytes_sentences, bytes_store, bytes_manifest;
	char backend[16];      /* "native" or "xapian" */
	uint64_t bytes_xapian; /* Xapian: the local databases' files (the
	                          bytes_ fields above are 0; segments counts
	                          shards; positions counts field terms too;
	                          generation is the database's revision, 0
	                          for several shards) */
	uint64_t bytes_values; /* the typed-field columns (native) */
} att_index_stats;

/* Fills *OUT; reads the whole dictionary to count postings. ATT_OK, or
 * ATT_ECORRUPT if a dictionary is damaged. */
att_status att_searcher_stats(att_index_stats *out, const att_searcher *s);

/* How a query's text is read (docs/QUERY.md). */
typedef enum att_syntax {
	ATT_SYNTAX_FORGIVING = 0, /* the query language, and whatever a person
	                             types: broken syntax degrades to what was
	                             most likely meant, never an error; what
	                             was repaired is in att_results_note */
	ATT_SYNTAX_STRICT,        /* the query language exactly: malformed
	                             syntax is ATT_EPARSE with its column, for
	                             programs that build queries */
	ATT_SYNTAX_PLAIN          /* words only: no operator, quote, bracket
	                             or field has a meaning */
} att_syntax;

typedef struct att_search_options {
	size_t n;              /* hits to return (default 10) */
	size_t offset;         /* hits to skip (default 0) */
	size_t passages;       /* passages per hit (default 1; 0 for none) */
	double k1, b;          /* BM25 (defaults 1.2, 0.75) */
	double title_weight;   /* BM25F: a title occurrence counts this many
	                          times, in tf and length (default 1.0: plain
	                          BM25 over title and text as one field) */
	double passage_weight; /* final = doc + weight * passage (default 0.5) */
	size_t rerank_depth;   /* the best N by document score are re-ranked
	                          by passage and proximity, the others keep
	                          their document score (default 30) */
	size_t passage_words;  /* target passage size in words (default 50) */
	int require_all;       /* 1: free words are all required (AND) */
	int stop_words;        /* 1 (default): optional English stop words are
	                          dropped when the query has other words */
	int exhaustive;        /* 1: score every match, no pruning (same top
	                          hits, exact total; for testing) */
	int explain;           /* 1: each hit gets an explanation */
	size_t feedback_docs;  /* RM3 feedback from the best N documents
	                          (default 0: off) */
	size_t feedback_terms; /* terms it adds (default 10, at most 64) */
	double feedback_weight;/* the original query's share (default 0.5) */
	double proximity_weight;/* term proximity (BM25TP, docs/QUERY.md): the
	                          re-ranked documents get this many times the
	                          proximity score of their query terms'
	                          neighbouring occurrences, added to their
	                          score (default 0.5; 0: off; finite, >= 0) */
	att_syntax syntax;     /* default ATT_SYNTAX_FORGIVING */
	const char *const *filters; /* NUL-terminated queries, each a required
	                          restriction that never scores (Lucene's
	                          filter clauses, Xapian's OP_FILTER); with
	                          an empty query, every document they match */
	size_t nfilters;       /* at most ATT_SEARCH_MAX_FILTERS */
	const char *sort;      /* NULL or "relevance": by score; "FIELD",
	                          "FIELD:asc" or "FIELD:desc": by a date or
	                          number field (documents without a value
	                          last), ties by score, then id. Every match
	                          is looked at, so the total is exact */
	const char *const *facets; /* counts over every match (docs/QUERY.md,
	                          Facets): "FIELD" or "FIELD:N" the N (default
	                          10) most frequent values of a keyword or
	                          number field; "DATE:year", ":month", ":day"
	                          a histogram; "NUMBER:ranges=0,10,100"
	                          buckets. Facets make the total exact */
	size_t nfacets;        /* at most ATT_SEARCH_MAX_FACETS */
	const char *synonyms;  /* a synonym file (docs/QUERY.md, Synonyms)
	                          for this search, used instead of the
	                          index's own; NULL: the index's, if it has
	                          one (`attache index --synonyms`) */
	int no_synonyms;       /* 1: no synonyms: neither a file nor the
	                          bundled gazetteer of country names, which
	                          English indexes use by default */
} att_search_options;

#define ATT_SEARCH_MAX_FACETS 16

#define ATT_SEARCH_MAX_FILTERS 32

void att_search_options_init(att_search_options *o);

/* A marked byte range inside a passage's text, relative to its start. */
typedef struct att_mark {
	size_t start, end;
} att_mark;

typedef struct att_passage {
	size_t start, end;    /* byte offsets into the document's stored text */
	double score;
	const char *text;     /* the bytes [start, end) of the stored text */
	size_t text_len;
	const att_mark *marks; /* matched words, in order */
	size_t nmarks;
	size_t page;          /* the 1-based page it starts on, in a document
	                         with pages (a PDF: its text marks each new
	                         page with a form feed); 0 in one without */
} att_passage;

typedef struct att_hit {
	const char *id;
	size_t id_len;
	const char *title;
	size_t title_len;
	double score;         /* the final, blended score */
	double doc_score;     /* BM25 of the document */
	double passage_score; /* BM25 of its best passage */
	size_t npassages;
	const char *explanation; /* with options.explain: how the score was
	                            made, lines of text; else NULL */
	double proximity_score; /* BM25TP proximity of its query terms (0 if
	                           not re-ranked); score = doc_score +
	                           passage_weight * passage_score +
	                           proximity_weight * proximity_score */
	size_t nfields;       /* the document's typed-field values, for
	                         att_results_field */
} att_hit;

/* One typed-field value of a hit. A keyword field with several values
 * gives one of these for each, one after another, in byte order. */
typedef struct att_hit_field {
	const char *name;     /* the field's declared name, lowercased */
	att_field_type type;
	const char *value;    /* NUL-terminated: a keyword as indexed (folded);
	                         a date as "YYYY-MM-DDTHH:MM:SSZ"; a number as
	                         the shortest text that reads back the same */
	size_t value_len;
	double number;        /* a number's value, a date's seconds since
	                         1970-01-01T00:00:00Z; 0 for a keyword */
} att_hit_field;

/* One value of a facet and the matching documents that have it. */
typedef struct att_facet_value {
	const char *value;    /* NUL-terminated: a keyword as indexed; a
	                         number's shortest text; a date bucket as
	                         "1987", "1987-03" or "1987-03-01"; a range
	                         bucket as "..0", "0..10" or "100.." */
	size_t value_len;
	uint64_t count;
	double from, to;      /* a range bucket: from <= value < to (-inf,
	                         +inf when open); other facets: NaN */
} att_facet_value;

typedef struct att_results att_results;

/* Parses and evaluates QUERY. Query syntax (docs/QUERY.md): words,
 * "phrases", "phrase"~N, NEAR/N, AND, OR, NOT, +required, -excluded,
 * parentheses, prefix*, field:scoping, ^boosts; “curly” and other
 * quotation marks work as quotes.
 * By default (ATT_SYNTAX_FORGIVING) any text is a query: unmatched
 * quotes and brackets, operators missing a side, bad boosts, invalid
 * UTF-8 and over-long queries are repaired and noted (att_results_note);
 * a query with no searchable word gives no hits and a note. A query in
 * capitals reads AND, OR, NOT and NEAR as words. Past 256 terms only the
 * most informative are kept.
 * Errors: ATT_ECORRUPT (a damaged posting list met during evaluation),
 * ATT_EIO (a remote shard), ATT_EINVAL (options out of range),
 * ATT_ENOMEM; and with ATT_SYNTAX_STRICT also ATT_EPARSE (the message
 * gives the 1-based column), ATT_EEMPTY (no searchable term, or only
 * exclusions) and ATT_ELIMIT (query too long). The results own every
 * string they point to and are independent of later calls. */
att_status att_search(att_results **out, att_searcher *s, const char *query,
                      size_t query_len, const att_search_options *opts);

size_t att_results_count(const att_results *r);
/* Documents that matched the query, before paging: exact if
 * att_results_total_exact, else a lower bound (pruning skipped documents
 * that could not reach the top). */
uint64_t att_results_total(const att_results *r);
int att_results_total_exact(const att_results *r);
/* What forgiving parsing did to the query, a short sentence each
 * ("unmatched quote read as a phrase", "query in capitals: AND, OR, NOT
 * and NEAR read as words"): att_results_notes of them, 0 <= i < that. */
size_t att_results_notes(const att_results *r);
const char *att_results_note(const att_results *r, size_t i);
/* With options.explain: the query as it was searched, in the notation of
 * docs/QUERY.md ("(gas +\"middl corridor\" -oil)": stems, + required,
 * - excluded, word? an optional stop word); else NULL. */
const char *att_results_query(const att_results *r);
/* Did you mean: the query with its misspelt words replaced by the
 * index's spellings ("azerbaijan gas" for "Azerbaijian gas"), for a
 * query with a word in no document, or with few hits and a rare word a
 * far more frequent one is one edit from; NULL when the query is fine
 * (docs/QUERY.md, "Did you mean"). */
const char *att_results_suggestion(const att_results *r);
/* The I-th hit, 0 <= i < count. */
void att_results_hit(att_hit *out, const att_results *r, size_t i);
/* The K-th passage of hit I, 0 <= k < hit.npassages. */
void att_results_passage(att_passage *out, const att_results *r, size_t i,
                         size_t k);
/* The K-th typed-field value of hit I, 0 <= k < hit.nfields. */
void att_results_field(att_hit_field *out, const att_results *r, size_t i,
                       size_t k);
/* The facets asked for (options.facets), in the order asked: how many;
 * facet I's name ("places", "date:month", "price") and its number of
 * values in *NVALUES; its K-th value. A keyword or number facet's values
 * go most frequent first (ties by value), a histogram's and ranges' in
 * their order. */
size_t att_results_facets(const att_results *r);
const char *att_results_facet(const att_results *r, size_t i, size_t *nvalues);
void att_results_facet_value(att_facet_value *out, const att_results *r,
                             size_t i, size_t k);
void att_results_free(att_results *r);

#ifdef __cplusplus
}
#endif
#endif
