/*
 * indexer.h: the indexer's internal interfaces.
 *
 * Section by section, which file implements what:
 *   reader.c   - the public att_reader: directories of .txt files, JSONL,
 *                TREC, stdin
 *   inverter.c - the in-memory inverted index of the segment being built:
 *                a hash table of terms, each with its postings as a varint
 *                byte stream
 *   docan.c    - analysing a document into keys, length and sentence
 *                table, the one definition writer, deletes and check share
 *   store.c    - stored documents: records packed into zstd blocks
 *   builder.c  - one segment being built: analysis, inversion, stored
 *                records, sentences and rows, then its files
 *   workers.c  - worker threads building batches of documents into
 *                segments, handed back in input order
 *   segment.c  - encodes the inverter's contents as the segment's
 *                dictionary, postings and positions files
 *   segset.c   - the segments a writer knows (committed and flushed):
 *                deletes by id, deletion files with their statistics
 *                adjustments, the manifest's segment list, clean-up of
 *                files no manifest names
 *   merge.c    - merging segments into one, dropping deleted documents,
 *                and the tiered merge policy
 *   writer.c   - the public att_writer: analysis, segment flushes, lock,
 *                commit
 *   check.c    - the public att_index_check: an index rebuilt from its
 *                stored documents and compared with itself
 */
#ifndef ATT_INDEXER_H
#define ATT_INDEXER_H

#include <stddef.h>
#include <stdint.h>

#include "attache.h"
#include "format.h"
#include "stemmer.h"

/* ---- inverter.c ---------------------------------------------------------- */

typedef struct att_inverter att_inverter;

att_status att_inverter_new(att_inverter **out);
void att_inverter_free(att_inverter *inv);

/* Returns the id of TERM (adding it if new), or -1 on out of memory. */
int64_t att_inverter_intern(att_inverter *inv, const char *term, size_t len);

/* The bytes of term ID (as att_inverter_intern returned it), valid until
 * the next intern or reset. */
const char *att_inverter_text(const att_inverter *inv, uint32_t id,
                              size_t *len);

/* Adds document DOC (ids ascend from 0 within a segment) whose tokens are
 * the N (term id << 32 | position) keys in KEYS; KEYS is sorted in place.
 * Returns ATT_OK or ATT_ENOMEM. */
att_status att_inverter_add_doc(att_inverter *inv, uint32_t doc,
                                uint64_t *keys, size_t n);

/* Bytes of memory the inverter holds. */
size_t att_inverter_memory(const att_inverter *inv);
uint32_t att_inverter_nterms(const att_inverter *inv);

/* One term's postings, as handed to the segment encoder. DATA is the
 * in-memory stream: per posting varint(doc - previous doc - 1, the first
 * relative to -1), varint(tf), then tf varint position deltas (the first
 * absolute). */
typedef struct att_inv_term {
	const char *term;
	size_t len;
	uint32_t df;
	uint64_t cf;
	const uint8_t *data;
	size_t data_len;
} att_inv_term;

/* Sorts the terms by their bytes; afterwards att_inverter_term(i) gives
 * them in order. Returns ATT_OK or ATT_ENOMEM. */
att_status att_inverter_sort(att_inverter *inv);
void att_inverter_term(att_inv_term *out, const att_inverter *inv, uint32_t i);

/* Forgets every term and posting, keeping allocations small. */
void att_inverter_reset(att_inverter *inv);

/* The last document TERM was added for, or -1 if it has no posting. */
int64_t att_inverter_last_doc(const att_inverter *inv, const char *term,
                              size_t len);

/* ---- values.c ------------------------------------------------------------ */

/* One document's typed-field values (values.c). */
typedef struct att_docvals {
	uint32_t n;                      /* the schema's fields */
	uint8_t has[ATT_SCHEMA_MAX];     /* dates, numbers: 1 if it has one */
	uint64_t key[ATT_SCHEMA_MAX];    /* and its key */
	att_buf kw;                      /* keyword values: per value u8 field,
	                                    u16le length, the folded bytes; by
	                                    field, then bytes, no repeats */
	uint32_t nkw;
} att_docvals;

void att_docvals_init(att_docvals *v);
void att_docvals_release(att_docvals *v);
/* Reads D's fields that S declares into V. ATT_OK; ATT_EINPUT (a value
 * that does not parse, or a second date or number) with the field and
 * the value in MSG; ATT_ENOMEM. */
att_status att_docvals_extract(att_docvals *v, const att_schema *s,
                               const att_doc *d, char *msg, size_t cap);

/* A segment's columns while its documents are added. */
typedef struct att_valbuild {
	const att_schema *schema; /* borrowed */
	uint32_t ndocs;
	att_buf num[ATT_SCHEMA_MAX]; /* dates, numbers: per document u64le key,
	                                u8 has */
	att_buf kwv[ATT_SCHEMA_MAX]; /* keywords: u16le length and bytes, */
	att_buf kwd[ATT_SCHEMA_MAX]; /* and the document (u32le) of each */
} att_valbuild;

void att_valbuild_init(att_valbuild *b, const att_schema *s);
void att_valbuild_release(att_valbuild *b);
void att_valbuild_clear(att_valbuild *b);
size_t att_valbuild_memory(const att_valbuild *b);
/* Appends the next document's values. */
att_status att_valbuild_add(att_valbuild *b, const att_docvals *v);
/* Appends document DOC of SEG's columns (a merge); ATT_ECORRUPT if they
 * are damaged or are not the schema's. */
att_status att_valbuild_copy(att_valbuild *b, const att_segment *seg,
                             uint32_t doc);
/* The .val file's body (after the header) for B's documents. */
att_status att_valbuild_encode(att_buf *out, const att_valbuild *b);
/* Writes DIR/segNNNNNN.val. */
att_status att_values_write(const char *dir, uint32_t seg,
                            const att_valbuild *b, char *msg, size_t msgcap);

/* ---- docan.c ------------------------------------------------------------ */

/* A document's first 64 extra fields with indexable names are indexed;
 * any further ones are only stored. */
#define ATT_FIELDS_INDEXED 64

typedef struct att_docan {
	att_analyzer *an;
	att_inverter *inv;
	uint64_t *keys;       /* nkeys keys, then keys[nkeys]: the id's */
	size_t nkeys, capkeys;
	uint32_t length;      /* tokens of title and text: the document's
	                         length */
	uint32_t title_len;   /* tokens of the title */
	att_buf sent;         /* the sentence entries and end sentinel */
	uint32_t nsent;
	uint32_t last_pos, sent_pos, sent_byte;
	uint32_t ntok;        /* title and text tokens so far */
	size_t field_len;     /* while field terms are made: the length of
	                         their field's name, field[nfield - 1] */
	char field[ATT_FIELDS_INDEXED + 1][ATT_FIELD_NAME_MAX + 1]; /* names
	                         indexed: "title", then extra fields' */
	size_t nfield;
	const att_schema *schema; /* the typed fields, or NULL (none) */
	att_docvals vals;     /* after a run: the document's typed values */
	char msg[256];        /* why a typed value was refused */
} att_docan;

void att_docan_init(att_docan *da, att_analyzer *an, att_inverter *inv);
void att_docan_release(att_docan *da);
/* Analyses D's title and text, its indexed fields (all valid UTF-8) and
 * its id; with a schema, also reads its typed values into da->vals, and
 * indexes a keyword field's values, each whole, as field terms (the
 * first value at position 0, then 1...), instead of the field's words; a
 * date or number field gets no terms. Returns ATT_OK, ATT_EINVAL (id
 * empty or too long), ATT_EUTF8 (an indexed field's value is not valid
 * UTF-8), ATT_EINPUT (a typed value that does not parse: da->msg),
 * ATT_ENOMEM or ATT_ELIMIT. */
att_status att_docan_run(att_docan *da, const att_doc *d);

/* ---- store.c ------------------------------------------------------------- */

#define ATT_STORE_BLOCK (4u * 1024u)
/* A segment with fewer bytes of records than this gets no dictionary. */
#define ATT_STORE_DICT_MIN (16u * 1024u)

typedef struct att_store_writer {
	att_fwriter fw;
	att_buf block;     /* uncompressed records of the open block */
	att_buf held;      /* closed blocks held back until the dictionary */
	att_buf held_ends; /* u32 end of each held block in held */
	att_buf zbuf;      /* compression output */
	att_buf index;     /* per block: u64 offset, u32 clen, u32 ulen */
	uint32_t nblocks;  /* closed blocks, held ones included */
	int started;       /* the dictionary is chosen (or none) and written */
	int rc;
	void *cctx;        /* a ZSTD_CCtx kept across blocks */
	void *cdict;       /* the digested dictionary (ZSTD_CDict), or NULL */
} att_store_writer;

att_status att_store_open(att_store_writer *sw, const char *path);
/* Appends the record of DOC; *BLOCK and *OFF get where it starts (block
 * number, offset in the uncompressed block), *LEN its length. */
att_status att_store_add(att_store_writer *sw, const att_doc *doc,
                         uint32_t *block, uint32_t *off, uint32_t *len);
/* Appends a record already encoded (a merge copying one), the same way. */
att_status att_store_add_raw(att_store_writer *sw, const uint8_t *rec,
                             size_t n, uint32_t *block, uint32_t *off,
                             uint32_t *len);
att_status att_store_finish(att_store_writer *sw, char *msg, size_t msgcap);
void att_store_abort(att_store_writer *sw);
uint64_t att_store_bytes(const att_store_writer *sw);
/* The bytes the writer holds: buffers and zstd's contexts. */
size_t att_store_memory(const att_store_writer *sw);

/* ---- builder.c ---------------------------------------------------------- */

/* One segment being built: analysis, inversion, stored records,
 * sentence tables and document rows (see builder.c). */
typedef struct att_builder {
	const char *dir;          /* the index directory, borrowed */
	att_analyzer *an;         /* its own */
	att_inverter *inv;
	att_docan da;
	int open;                 /* a segment is being filled */
	att_store_writer store;
	att_fwriter sen;
	att_buf rows;             /* ATT_DOC_ROW bytes per document */
	att_buf names;            /* their ids and titles */
	att_valbuild vals;        /* their typed-field values */
	att_seg_info cur;
	att_buf open_del;         /* bitmap: documents replaced inside it */
	uint32_t nopen_del;
	char msg[1024];
} att_builder;

/* Sets up B for the index in DIR analysing in LANGUAGE, with the typed
 * fields of SCHEMA (both must outlive B). ATT_OK, ATT_ENOMEM or
 * ATT_ENOTFOUND (no such language). */
att_status att_builder_init(att_builder *b, const char *dir,
                            const char *language, const att_schema *schema);
void att_builder_release(att_builder *b);
/* Opens segment ID's store and sentences files. */
att_status att_builder_open(att_builder *b, uint32_t id);
/* Marks deleted the document of the open segment whose id term is TERM,
 * if any (*COUNT 1, else 0): call before adding the document that
 * replaces it. */
att_status att_builder_delete(uint32_t *count, att_builder *b,
                              const char *term, size_t len);
/* Analyses and files D (valid UTF-8, a checked id) into the open
 * segment. ATT_ENOMEM, ATT_EIO (message in b->msg). */
att_status att_builder_add(att_builder *b, const att_doc *d);
/* The bytes B holds, for the memory budget. */
size_t att_builder_memory(const att_builder *b);
/* 1 if the open segment should be flushed: BUDGET bytes held, or a
 * count or file size near its limit. */
int att_builder_full(const att_builder *b, size_t budget);
/* Writes the open segment's remaining files; *INFO gets its statistics
 * and *DEL (att_malloc'd, *NDEL entries) the documents replaced inside
 * it. On error its files are removed. */
att_status att_builder_flush(att_builder *b, att_seg_info *info,
                             uint32_t **del, uint32_t *ndel);
/* Abandons the open segment, removing its files. */
void att_builder_abort(att_builder *b);

/* ---- workers.c ---------------------------------------------------------- */

/* Worker threads, each with a builder: documents are copied into
 * batches in input order, a worker builds each batch into one segment
 * (or more, past its budget), and the batches come back in input order
 * for the writer to join to its segment set (see workers.c). */
typedef struct att_workers att_workers;

/* One segment a batch gave: its statistics, the documents replaced
 * inside it, and which of the batch's documents it holds. */
typedef struct att_wseg {
	att_seg_info info;
	uint32_t *del;
	uint32_t ndel;
	size_t first, n;
} att_wseg;

typedef struct att_wbatch att_wbatch;

/* Starts N threads building segments in DIR (borrowed) analysed in
 * LANGUAGE with SCHEMA's typed fields (borrowed), all of them within
 * BUDGET bytes, batches and builders
 * together. Segment ids come from *NEXT_ID, which the caller may only
 * touch through att_workers_id while the workers run. */
att_status att_workers_new(att_workers **out, const char *dir,
                           const char *language, const att_schema *schema,
                           unsigned n, size_t budget,
                           uint32_t *next_id);
/* The next segment id, taken under the workers' lock. */
uint32_t att_workers_id(att_workers *wk);
/* Copies D into the batch being filled; hands it to a worker when full,
 * waiting if every worker is busy and one batch already waits. */
att_status att_workers_add(att_workers *wk, const att_doc *d);
/* Hands over the batch being filled, if any. */
att_status att_workers_submit(att_workers *wk);
/* The oldest batch, once built (with WAIT, waiting for it); NULL if
 * there is none (or, without WAIT, it is not built yet). */
att_wbatch *att_workers_done(att_workers *wk, int wait);
/* A built batch's status (ATT_OK, or the worker's ATT_ENOMEM / ATT_EIO
 * with its message in MSG), its segments, and its documents' ids. */
att_status att_wbatch_status(const att_wbatch *b, const char **msg);
const att_wseg *att_wbatch_segments(const att_wbatch *b, size_t *n);
const char *att_wbatch_id(const att_wbatch *b, size_t i, size_t *len);
void att_wbatch_free(att_wbatch *b);
/* After the writer joined B's segments: forgets its ids and frees it. */
void att_workers_joined(att_workers *wk, att_wbatch *b);
/* 1 if a document with ID may have been added and not yet joined (a
 * hash collision can say 1 wrongly, never 0). */
int att_workers_has(const att_workers *wk, const char *id, size_t len);
/* Stops the threads; batches not handed back are abandoned (their
 * segments' files stay, for the next writer's clean-up). */
void att_workers_free(att_workers *wk);

/* ---- segment.c ----------------------------------------------------------- */

/* The encoder of a segment's dictionary, postings and positions files. */
typedef struct att_segenc att_segenc;

/* Creates DIR/segNNNNNN.{dic,pst,pos}. ROWS, the segment's documents
 * table (ATT_DOC_ROW bytes a document), gives each document's length and
 * title length for the block score bounds, and must outlive the encoder.
 * On error *out may still be set: finish or abort it. */
att_status att_segenc_open(att_segenc **out, const char *dir, uint32_t seg,
                           const uint8_t *rows);
/* Adds one term; terms must come in strictly increasing byte order, each
 * with df > 0, its stream in the inverter's layout. Sticky errors. */
att_status att_segenc_term(att_segenc *e, const att_inv_term *t);
/* Writes the dictionary sample and footer, fsyncs and closes the three
 * files; on failure removes them and puts a message in MSG. Frees E. */
att_status att_segenc_finish(att_segenc *e, char *msg, size_t msgcap);
void att_segenc_abort(att_segenc *e);

/* Writes the whole (sorted) inverter as DIR/segNNNNNN.{dic,pst,pos}. */
att_status att_segment_write_postings(const att_inverter *inv,
                                      const char *dir, uint32_t seg,
                                      const uint8_t *rows, char *msg,
                                      size_t msgcap);

/* ---- frontmatter.c ------------------------------------------------------- */

#define ATT_FM_MAX 32

/* A text file's front-matter block (frontmatter.c has the syntax). */
typedef struct att_fm {
	size_t used;            /* bytes of the block, fences included; 0: none */
	size_t lines;           /* its lines */
	const char *title;      /* a "title" key's value (into the bytes read) */
	size_t title_len;
	att_field fields[ATT_FM_MAX];
	size_t nfields;
	att_buf arena;          /* the fields' names and values */
} att_fm;

/* Reads the block at the start of P[0..N) into FM, which the caller
 * att_buf_init's FM->arena for and releases. ATT_EINPUT with "line L:
 * ..." in MSG for a malformed block; ATT_ENOMEM. */
att_status att_front_matter(att_fm *fm, const uint8_t *p, size_t n,
                            char *msg, size_t cap);

/* ---- segset.c ------------------------------------------------------------ */

typedef struct att_segset att_segset;

/* The segments of manifest M (which keeps its own copy), in DIR. */
att_status att_segset_new(att_segset **out, const char *dir,
                          const att_manifest *m);
void att_segset_free(att_segset *ss);

/* Adds a segment just flushed, whose documents DELETED[0..n) are already
 * deleted (replaced before the flush). */
att_status att_segset_add(att_segset *ss, const att_seg_info *info,
                          const uint32_t *deleted, size_t n);

/* Marks deleted every live document whose id term is TERM (LEN bytes)
 * in any segment of the set; *COUNT gets how many. */
att_status att_segset_delete(uint32_t *count, att_segset *ss, const char *term,
                             size_t len, char *msg, size_t msgcap);

/* For each segment with new deletions, re-analyses the deleted documents
 * with AN, writes DIR/segNNNNNN_GEN.del with the bitmap and the adjusted
 * statistics, and updates its entry. Then fills *SEGS / *NSEGS (owned by
 * the set, valid until its next change) for the manifest. */
att_status att_segset_prepare(att_seg_info **segs, uint32_t *nsegs,
                              att_segset *ss, att_analyzer *an, uint32_t gen,
                              char *msg, size_t msgcap);

/* The set's segments as they stand (deletions not yet committed are not
 * counted in live): *N entries, valid until the set's next change. */
const att_seg_info *att_segset_infos(uint32_t *n, att_segset *ss);

/* Merges the N entries at indexes PICK (ascending) into a new segment
 * NEWID, dropping deleted documents, pending deletions included, and
 * replaces them in the set by it (or by nothing, if no document is
 * left). Sources no manifest names yet are removed at once; committed
 * ones stay until a commit no longer names them. */
att_status att_segset_merge(att_segset *ss, const uint32_t *pick, uint32_t n,
                            uint32_t newid, char *msg, size_t msgcap);

/* After the manifest naming the prepared list is durable: forgets the
 * superseded deletion files (removing them) and the in-memory changes. */
void att_segset_committed(att_segset *ss);

/* Removes every segment or deletion file in DIR that manifest M does not
 * name, and a stale MANIFEST.tmp: what a crash or a merge left behind.
 * Only a writer holding the lock may call this. */
void att_segset_cleanup(const char *dir, const att_manifest *m);

/* Appends a document's row to ROWS: ROW (length, store block, offset in
 * the block, record length, sentence-table offset), where its id and
 * title start in NAMES, to which they are appended, then TITLE_TOKENS
 * (the title's length in tokens). */
void att_row_put(att_buf *rows, att_buf *names, const uint32_t row[5],
                 uint32_t title_tokens, const char *id, size_t id_len,
                 const char *title, size_t title_len);

/* Appends the sentence table S[0..n] (N sentences and the end sentinel)
 * as the .sen file stores it after the count: delta pairs. */
void att_sentences_encode(att_buf *b, const att_sentence *s, uint32_t n);

/* Writes DIR/segNNNNNN.doc: NDOCS rows of ATT_DOC_ROW bytes from ROWS,
 * then the names area NAMES. */
att_status att_docs_write(const char *dir, uint32_t seg, uint32_t ndocs,
                          const att_buf *rows, const att_buf *names, char *msg,
                          size_t msgcap);

/* ---- merge.c ------------------------------------------------------------- */

/* Merges the N segments SRC of DIR (whose typed fields SCHEMA declares)
 * into a new segment NEWID, without
 * their deleted documents, and fills *OUT. DEL[i], if DEL and it are
 * non-NULL, is source i's deletion bitmap, else its .del file's is used.
 * Documents keep their order (SRC's, then each segment's). On failure
 * the new segment's files are removed. */
att_status att_merge_segments(att_seg_info *out, const char *dir,
                              const att_schema *schema,
                              const att_seg_info *src,
                              const uint8_t *const *del, uint32_t n,
                              uint32_t newid, char *msg, size_t msgcap);

/* The tiered policy: chooses segments of SEGS[0..n) to merge now; writes
 * their indexes into PICK and returns how many (0: nothing to do). Ten
 * segments of the same size tier (a factor of ten in tokens) are merged
 * into one, so the count stays logarithmic in the collection's size; a
 * segment more than half deleted is rewritten alone. */
uint32_t att_merge_policy(uint32_t *pick, const att_seg_info *segs,
                          uint32_t n);

/* ---- xwriter.c: the Xapian backend's writer ------------------------------ */

/* Opened by att_writer_open when PATH holds (KIND) or is to hold a Xapian
 * database; messages go to MSG, CAP bytes (the writer's). */
typedef struct att_xwriter att_xwriter;

#ifdef ATTACHE_WITH_XAPIAN
att_status att_xwriter_open(att_xwriter **out, const char *path,
                            const att_writer_options *o, att_index_kind kind,
                            char *msg, size_t cap);
/* Adds or replaces (*REPLACED = 1) D, already checked by att_writer_add. */
att_status att_xwriter_add(att_xwriter *x, int *replaced, const att_doc *d);
att_status att_xwriter_delete(uint32_t *deleted, att_xwriter *x,
                              const char *id, size_t len);
/* Commits each shard in turn. */
att_status att_xwriter_commit(att_xwriter *x);
uint32_t att_xwriter_shards(const att_xwriter *x);
void att_xwriter_free(att_xwriter *x);
/* att_index_check of a Xapian database or sharded index. */
att_status att_xcheck(att_check_result *out, const char *path,
                      att_index_kind kind, att_check_fn report, void *ctx);
#else
/* Without the backend no att_xwriter exists: these are never reached. */
static inline att_status att_xwriter_add(att_xwriter *x, int *replaced,
                                         const att_doc *d)
{
	(void)x, (void)d;
	*replaced = 0;
	return ATT_EINVAL;
}
static inline att_status att_xwriter_delete(uint32_t *deleted, att_xwriter *x,
                                            const char *id, size_t len)
{
	(void)x, (void)id, (void)len;
	*deleted = 0;
	return ATT_EINVAL;
}
static inline att_status att_xwriter_commit(att_xwriter *x)
{
	(void)x;
	return ATT_EINVAL;
}
static inline uint32_t att_xwriter_shards(const att_xwriter *x)
{
	(void)x;
	return 0;
}
static inline void att_xwriter_free(att_xwriter *x)
{
	(void)x;
}
#endif

#endif
