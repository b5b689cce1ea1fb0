/*
 * attache_xapian.h: a small C API over Xapian 1.4 (libxapian), for
 * attache's Xapian backend.
 *
 * Xapian is C++ and reports every failure by throwing. This header is
 * the whole boundary: opaque handles, plain C types, and an att_xstatus
 * from every fallible function. xapian/xapian.cc, the only C++ file in
 * the tree, catches every exception in every exported function and maps
 * each Xapian error class to its own status, so a caller can tell "reopen
 * and retry" from "another writer holds the lock" from "the shard is
 * down" without parsing messages.
 *
 * Conventions (those of include/attache.h):
 *   - out-parameters come first; ATT_X_OK is 0, errors are negative;
 *   - a handle keeps a message about its last error (att_x*_errmsg)
 *     until its next failing call; a function that fails to create a
 *     handle hands the message back through char **errmsg instead,
 *     which the caller frees with free() (NULL when there is no message
 *     or no memory for one; errmsg itself may be NULL);
 *   - strings are (pointer, length) pairs and may hold any bytes,
 *     NULs included;
 *   - every _free() accepts NULL;
 *   - handles are not thread-safe: one thread at a time per handle.
 *
 * Linking: a program using this needs the C++ runtime at its final link
 * (link with the C++ compiler, or add -lstdc++) and libxapian, which is
 * GPL-2.0+: a program linking it is covered by the GPL (docs/XAPIAN.md).
 */
#ifndef ATTACHE_XAPIAN_H
#define ATTACHE_XAPIAN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- attache's value slots ---------------------------------------------- */

/*
 * The wrapper gives slots no meaning; these are the ones attache's
 * backend uses (with format.h's ATT_XVALUE_SENTENCES, slot 0), kept
 * here as the one header its writer, checker and searcher share. Typed
 * field f (the schema's index, under 64) keeps:
 *   - a date or number: its key (att_key_of_date, att_key_of_number) as
 *     8 bytes big-endian, so Xapian's byte order is the values' order,
 *     in ATT_XVALUE_KEY(f), none without a value; and the same key, or
 *     9 bytes 0xff without a value, in ATT_XVALUE_ASC(f), so that an
 *     ascending sort puts documents without a value last (a descending
 *     sort of ATT_XVALUE_KEY(f) does, since the empty value is lowest);
 *   - a keyword: its k-th value (folded, ascending bytes, k from 0) in
 *     ATT_XVALUE_KW(f, k), for a ValueCountMatchSpy per k.
 * The declarations are the metadata ATT_XMETA_FIELDS: "NAME:TYPE\n" per
 * field, in schema order.
 */
#define ATT_XVALUE_KEY(f) (16u + (uint32_t)(f))
#define ATT_XVALUE_ASC(f) (96u + (uint32_t)(f))
#define ATT_XVALUE_KW(f, k) (0x10000u * ((uint32_t)(f) + 1u) + (uint32_t)(k))
#define ATT_XVALUE_KW_MAX 0xffffu  /* keyword values per field and document */
#define ATT_XMETA_FIELDS "attache:fields"

/*
 * Reads the next "NAME:TYPE" line of the ATT_XMETA_FIELDS metadata from
 * *p (up to end), moving *p past it: 1 with the name and type, 0 at the
 * end, -1 for a line that is not NAME:TYPE.
 */
static inline int att_xmeta_field_next(const char **p, const char *end,
                                       const char **name, size_t *nlen,
                                       const char **type, size_t *tlen)
{
	const char *s = *p, *e = s, *colon = NULL;

	if (s >= end)
		return 0;
	while (e < end && *e != '\n') {
		if (*e == ':' && colon == NULL)
			colon = e;
		e++;
	}
	*p = e < end ? e + 1 : e;
	if (colon == NULL || colon == s || colon + 1 == e)
		return -1;
	*name = s;
	*nlen = (size_t)(colon - s);
	*type = colon + 1;
	*tlen = (size_t)(e - colon - 1);
	return 1;
}

/* ---- status codes ------------------------------------------------------ */

/*
 * Which Xapian exception gives which status is in docs/XAPIAN.md. Two
 * codes depend on the call: Xapian's InvalidArgumentError,
 * InvalidOperationError and UnimplementedError are ATT_X_EQUERY from the
 * query and search functions (att_xquery_*, att_xdb_search) and
 * ATT_X_EINVAL from the others (a document with an empty or too long
 * term, say).
 */
typedef enum att_xstatus {
	ATT_X_OK = 0,
	ATT_X_ELOCKED = -1,   /* another writer holds the database's lock */
	ATT_X_EMODIFIED = -2, /* the revision read was discarded: reopen */
	ATT_X_ECORRUPT = -3,  /* a table is damaged or truncated */
	ATT_X_EVERSION = -4,  /* a database format this Xapian can't read */
	ATT_X_ENOTFOUND = -5, /* no such database or document */
	ATT_X_EIO = -6,       /* opening, creating or reading failed */
	ATT_X_EQUERY = -7,    /* a query Xapian rejects */
	ATT_X_EINVAL = -8,    /* an invalid argument or operation */
	ATT_X_ENETWORK = -9,  /* a remote shard failed or timed out */
	ATT_X_ENOMEM = -10,   /* out of memory */
	ATT_X_EINTERNAL = -11 /* anything else: a bug here or in Xapian */
} att_xstatus;

/* A short static description of a status ("database locked", ...). */
const char *att_xstatus_str(att_xstatus st);

/* Xapian's version string ("1.4.22"), of the library linked at run time. */
const char *att_xversion(void);

/* A document number: 1-based, 0 is none (Xapian::docid, 32 bits). */
typedef uint32_t att_xdocid;

typedef struct att_xdb att_xdb;       /* a database open for reading */
typedef struct att_xwdb att_xwdb;     /* a database open for writing */
typedef struct att_xdoc att_xdoc;     /* a document being built */
typedef struct att_xquery att_xquery; /* an immutable query tree */
typedef struct att_xmset att_xmset;   /* one page of ranked hits */
typedef struct att_xiter att_xiter;   /* a termlist or a postlist */

/* ---- reading ----------------------------------------------------------- */

/*
 * Opens the database at path for reading: a glass database directory,
 * or a stub file listing several (local paths, and "remote HOST:PORT"
 * lines for shards served by xapian-tcpsrv), searched as one with global
 * statistics. The handle reads the revision current when it was opened
 * until att_xdb_reopen(). ATT_X_ENOTFOUND if nothing is there,
 * ATT_X_EVERSION, ATT_X_EIO (a stub with a bad line, say),
 * ATT_X_ENETWORK (a remote shard not listening), ATT_X_ENOMEM.
 */
att_xstatus att_xdb_open(att_xdb **out, char **errmsg, const char *path);

/*
 * Opens the database served by xapian-tcpsrv at host:port, as a stub's
 * "remote HOST:PORT" line does, but with explicit timeouts, in
 * milliseconds (Xapian 1.4's own unit): connect_timeout_ms for the TCP
 * connection, timeout_ms for each later exchange with the server (the
 * handshake made here included). 0 means no timeout; a stub line always
 * gets Xapian's default of 10,000 for both. A server that does not
 * answer in time is ATT_X_ENETWORK ("NetworkTimeoutError: ...
 * [remote:tcp(HOST:PORT)]"), here or in any later call on the handle;
 * so is a refused connection.
 */
att_xstatus att_xdb_open_remote(att_xdb **out, char **errmsg,
                                const char *host, unsigned port,
                                unsigned timeout_ms,
                                unsigned connect_timeout_ms);

/*
 * Adds the shards of other to db, which then searches them all as one,
 * with global statistics, as a stub listing them would (document
 * numbers interleave the shards', docs/SCALING.md). With
 * att_xdb_open_remote this builds a sharded database whose remote shards
 * each have their own timeouts. other is unchanged and shares the
 * shards: it may be freed at once. Call it before making msets or
 * iterators from db. Adding db to itself is ATT_X_EINVAL.
 */
att_xstatus att_xdb_add(att_xdb *db, const att_xdb *other);

/*
 * Moves db to the latest committed revision. *changed (may be NULL) is
 * 0 if db certainly still reads the same revision, 1 if it may have
 * moved (Xapian's reopen() says no more). The cure for ATT_X_EMODIFIED:
 * reopen, then retry what failed.
 */
att_xstatus att_xdb_reopen(att_xdb *db, int *changed);

/* The message of db's last error ("" if none). */
const char *att_xdb_errmsg(const att_xdb *db);

/* Closes db. Handles made from it (msets, iterators) must be freed first. */
void att_xdb_free(att_xdb *db);

/* Statistics of the revision db reads (of all shards, for a stub). */
att_xstatus att_xdb_doccount(att_xdb *db, uint32_t *n);
att_xstatus att_xdb_lastdocid(att_xdb *db, att_xdocid *id);
/* The revision db reads (it grows with each commit); ATT_X_EINVAL for a
 * stub of several databases, which has no single revision. */
att_xstatus att_xdb_revision(att_xdb *db, uint64_t *rev);
/* Mean document length, in wdf units (a term added with wdf w counts w). */
att_xstatus att_xdb_avlength(att_xdb *db, double *avlen);
/* Number of documents holding the term (0 if none do). */
att_xstatus att_xdb_termfreq(att_xdb *db, uint32_t *tf,
                             const char *term, size_t len);
/* Sum of the term's wdf over all documents. */
att_xstatus att_xdb_collfreq(att_xdb *db, uint64_t *cf,
                             const char *term, size_t len);
/* A document's length; ATT_X_ENOTFOUND if there is no such document. */
att_xstatus att_xdb_doclength(att_xdb *db, uint64_t *len, att_xdocid id);

/*
 * A document's data (att_xdoc_set_data), in *p, *n: the bytes stay on db
 * until its next call. ATT_X_ENOTFOUND if there is no such document.
 */
att_xstatus att_xdb_get_data(att_xdb *db, const char **p, size_t *n,
                             att_xdocid id);

/* The number of documents with a value in slot (over every shard). */
att_xstatus att_xdb_value_freq(att_xdb *db, uint32_t *freq, uint32_t slot);

/* A document's value in slot (empty if none), as att_xdb_get_data. */
att_xstatus att_xdb_get_value(att_xdb *db, const char **p, size_t *n,
                              att_xdocid id, uint32_t slot);

/*
 * The positions of a term in a document, ascending, in a malloc()ed
 * array the caller frees (*pos is NULL when *n is 0: the document
 * hasn't the term, has it without positions, or doesn't exist: Xapian
 * does not check).
 */
att_xstatus att_xdb_positions(att_xdb *db, uint32_t **pos, size_t *n,
                              att_xdocid id, const char *term, size_t len);

/*
 * Iterators. att_xdb_termlist walks a document's terms in byte order
 * (ATT_X_ENOTFOUND if there is no such document); att_xdb_postlist walks
 * the documents holding a term, by ascending docid (none if no document
 * holds it; every document for the empty term). The iterator starts
 * before the first item: call att_xiter_next() until *more is 0. On
 * failure of the creating call the message is on db.
 */
att_xstatus att_xdb_termlist(att_xiter **out, att_xdb *db, att_xdocid id);
att_xstatus att_xdb_postlist(att_xiter **out, att_xdb *db,
                             const char *term, size_t len);

/*
 * Walks every term of the database that starts with prefix (len bytes;
 * all terms for an empty prefix), in byte order, with each term's
 * document frequency (att_xiter_termfreq).
 */
att_xstatus att_xdb_allterms(att_xiter **out, att_xdb *db,
                             const char *prefix, size_t len);

/*
 * The user metadata stored under key (att_xwdb_set_metadata) in *p, *n,
 * empty if none; the bytes stay on db until its next call. For a stub,
 * the first shard's.
 */
att_xstatus att_xdb_get_metadata(att_xdb *db, const char **p, size_t *n,
                                 const char *key);

/*
 * Runs Xapian's own consistency check (what xapian-check does) over the
 * database at path: *errors gets the number of problems found, *report a
 * malloc()ed text of what it checked (the caller frees it), or on
 * failure the error's message. A database too damaged to open is
 * ATT_X_ECORRUPT or ATT_X_EIO, with the message in *report.
 */
att_xstatus att_xdb_check(const char *path, uint64_t *errors, char **report);

/* Moves to the next item; *more is 1 if there is one, 0 at the end. */
att_xstatus att_xiter_next(att_xiter *it, int *more);
/* The current item: its term and length (termlists; "" for postlists),
 * its docid (postlists; 0 for termlists), its wdf. Valid until the next
 * att_xiter_next(). */
const char *att_xiter_term(const att_xiter *it, size_t *len);
att_xdocid att_xiter_docid(const att_xiter *it);
uint32_t att_xiter_wdf(const att_xiter *it);
/* att_xdb_allterms only: how many documents hold the current term. */
uint32_t att_xiter_termfreq(const att_xiter *it);
/*
 * Termlists and att_xdb_allterms: moves so that the next att_xiter_next()
 * gives the first term >= term (len bytes, byte order), or the end
 * (Xapian's TermIterator::skip_to). Only forward: a term before the
 * current one is not meant to move it back. ATT_X_EINVAL for a postlist.
 */
att_xstatus att_xiter_skip_to(att_xiter *it, const char *term, size_t len);
const char *att_xiter_errmsg(const att_xiter *it);
/* The status of the last att_xiter_next or att_xiter_skip_to that failed
 * (ATT_X_OK if none did): a caller that saw only an attache status through
 * a term source can still tell ATT_X_EMODIFIED (reopen and retry). */
att_xstatus att_xiter_status(const att_xiter *it);
void att_xiter_free(att_xiter *it);

/* ---- queries ----------------------------------------------------------- */

/*
 * Queries are immutable trees. A combining function copies what it
 * needs from its subqueries (Xapian shares them by reference count), so
 * the caller may free a subquery as soon as the call returns. On
 * failure *out is NULL and the message is in *errmsg.
 */
typedef enum att_xop {
	ATT_XOP_AND,       /* all subqueries; weights summed */
	ATT_XOP_OR,        /* any subquery; weights summed */
	ATT_XOP_AND_NOT,   /* the first, without any of the others */
	ATT_XOP_AND_MAYBE, /* the first; the others only add weight */
	ATT_XOP_FILTER,    /* the first, in the others; weight of the first */
	ATT_XOP_SYNONYM,   /* any, weighted as one term (prefix expansion) */
	ATT_XOP_PHRASE,    /* terms in order, within window positions */
	ATT_XOP_NEAR       /* terms in any order, within window positions */
} att_xop;

/*
 * A term, with its within-query frequency (wqf, normally 1) and position
 * in the query (0 if none: Xapian uses it only for display). An empty
 * term is ATT_X_EQUERY: Xapian would read it as "match everything".
 */
att_xstatus att_xquery_term(att_xquery **out, char **errmsg,
                            const char *term, size_t len, uint32_t wqf,
                            uint32_t pos);

/* A query matching no document, and one matching every document with
 * weight 0 (the left side of a pure negation). */
att_xstatus att_xquery_none(att_xquery **out, char **errmsg);
att_xstatus att_xquery_all(att_xquery **out, char **errmsg);

/*
 * op over n subqueries. window is for ATT_XOP_PHRASE and ATT_XOP_NEAR:
 * the matched terms must fall within that many positions (0 means the
 * number of subqueries: an exact phrase); it is ignored by the others.
 * Xapian 1.4 accepts only terms and ORs of terms under PHRASE and NEAR
 * (ATT_X_EQUERY otherwise). n == 0 gives a query matching nothing.
 */
att_xstatus att_xquery_combine(att_xquery **out, char **errmsg, att_xop op,
                               const att_xquery *const *subs, size_t n,
                               uint32_t window);

/* sub with every weight multiplied by factor (>= 0, else ATT_X_EQUERY). */
att_xstatus att_xquery_scale(att_xquery **out, char **errmsg,
                             const att_xquery *sub, double factor);

/*
 * The documents whose value in slot lies between lo and hi, inclusive,
 * as bytes (Xapian's OP_VALUE_RANGE; a NULL or empty bound is open:
 * OP_VALUE_GE, OP_VALUE_LE). A document without a value never matches.
 * Its weight is 0.
 */
att_xstatus att_xquery_value_range(att_xquery **out, char **errmsg,
                                   uint32_t slot, const char *lo, size_t lon,
                                   const char *hi, size_t hin);

/* Xapian's description of q ("Query((a OR b))"), malloc()ed, for
 * debugging and explanations. */
att_xstatus att_xquery_describe(char **out, const att_xquery *q);

void att_xquery_free(att_xquery *q);

/* ---- searching --------------------------------------------------------- */

/*
 * Xapian::BM25Weight's five parameters. Xapian's own defaults are
 * k1 = 1, b = 0.5; attache's ranking is ATT_XBM25_ATTACHE. Xapian clamps
 * negative values to 0 and b to at most 1.
 */
typedef struct att_xbm25 {
	double k1;          /* term frequency saturation */
	double k2;          /* document length correction (0: none) */
	double k3;          /* within-query frequency saturation */
	double b;           /* length normalisation */
	double min_normlen; /* floor of length / average length */
} att_xbm25;

#define ATT_XBM25_ATTACHE { 1.2, 0.0, 1.0, 0.75, 0.5 }

/*
 * Runs q on db, ranked by BM25 with the given parameters (ties by
 * ascending docid), and returns hits offset .. offset + n - 1 in *out.
 * check_at_least makes Xapian look at that many candidates at least,
 * for better match count estimates (att_xmset_counts): the doccount
 * makes them exact. On failure the message is on db: ATT_X_EMODIFIED
 * (reopen and retry), ATT_X_EQUERY, ATT_X_ENETWORK, ATT_X_ECORRUPT, ...
 */
att_xstatus att_xdb_search(att_xmset **out, att_xdb *db, const att_xquery *q,
                           const att_xbm25 *bm25, uint32_t offset,
                           uint32_t n, uint32_t check_at_least);

/*
 * att_xdb_search with a sort and match spies (either may be absent: a
 * NULL opts is att_xdb_search).
 *
 *   - sort_by_value: the hits are ordered by their value in sort_slot
 *     as bytes (Enquire::set_sort_by_value_then_relevance), ascending,
 *     or descending with sort_reverse; ties by weight, then docid. An
 *     empty value (none) is the lowest: first ascending, last
 *     descending. Works through remote shards.
 *   - spy_slots[0..nspy): a Xapian::ValueCountMatchSpy per slot,
 *     counting the values of every document the matcher looks at; with
 *     check_at_least at least the number of matches (the doccount) that
 *     is every match. Xapian registers the spy, so remote shards count
 *     it too and the counts are merged (att_xmset_spy).
 */
typedef struct att_xsearch_opts {
	int sort_by_value;
	uint32_t sort_slot;
	int sort_reverse;
	const uint32_t *spy_slots;
	size_t nspy;
} att_xsearch_opts;

att_xstatus att_xdb_search_with(att_xmset **out, att_xdb *db,
                                const att_xquery *q, const att_xbm25 *bm25,
                                uint32_t offset, uint32_t n,
                                uint32_t check_at_least,
                                const att_xsearch_opts *opts);

/* Spy k's (k < nspy) counts: how many distinct values it saw, and
 * value j's bytes (valid while ms lives) and count, in ascending byte
 * order. */
size_t att_xmset_spy_size(const att_xmset *ms, size_t k);
void att_xmset_spy_value(const att_xmset *ms, size_t k, size_t j,
                         const char **p, size_t *n, uint32_t *count);

/* Hit i's sort key (its value in the sort slot, the bytes valid while
 * ms lives; empty without a sort by value or without a value). */
void att_xmset_sort_key(const att_xmset *ms, size_t i, const char **p,
                        size_t *n);

/* The number of hits in the page, and each one's docid and weight
 * (i < att_xmset_size). */
size_t att_xmset_size(const att_xmset *ms);
att_xdocid att_xmset_docid(const att_xmset *ms, size_t i);
double att_xmset_weight(const att_xmset *ms, size_t i);

/* Xapian's estimate of the number of matching documents, and its sure
 * lower and upper bounds (all three equal when exact). */
void att_xmset_counts(const att_xmset *ms, uint32_t *estimated,
                      uint32_t *lower, uint32_t *upper);

/*
 * Hit i's data, or its value in slot (empty if it has none), in *p, *n:
 * the bytes stay on ms until its next call. These read the database
 * (the shard's server, for a remote one), so they can fail like any
 * read: the message is on ms.
 */
att_xstatus att_xmset_data(att_xmset *ms, const char **p, size_t *n,
                           size_t i);
att_xstatus att_xmset_value(att_xmset *ms, const char **p, size_t *n,
                            size_t i, uint32_t slot);
/* Hit i's data and value slot together, from one read of the document:
 * one round trip to a remote shard where att_xmset_data then
 * att_xmset_value make two. The bytes stay on ms until its next call. */
att_xstatus att_xmset_doc(att_xmset *ms, size_t i, uint32_t slot,
                          const char **data, size_t *dn, const char **value,
                          size_t *vn);

/*
 * Asks for the data of every hit of the page at once (Xapian's
 * MSet::fetch()): for remote shards, one request per document is sent
 * before any answer is read, instead of one round trip per
 * att_xmset_data or att_xmset_value call. A hint: reading without it
 * gives the same bytes. Call it before reading the hits. Failures (a
 * shard down) are those of att_xmset_data, with the message on ms; an
 * error in a requested document may also surface when it is read.
 */
att_xstatus att_xmset_fetch(att_xmset *ms);

const char *att_xmset_errmsg(const att_xmset *ms);
void att_xmset_free(att_xmset *ms);

/* ---- writing ----------------------------------------------------------- */

typedef enum att_xwdb_mode {
	ATT_XWDB_CREATE_OR_OPEN, /* open, or create if there's none */
	ATT_XWDB_CREATE,         /* create; ATT_X_EIO if one exists */
	ATT_XWDB_OPEN,           /* open; ATT_X_ENOTFOUND if there's none */
	ATT_XWDB_OVERWRITE       /* create, replacing any existing one */
} att_xwdb_mode;

/*
 * Opens (or creates) the glass database at path for writing, taking its
 * lock: ATT_X_ELOCKED while another writer has it. Changes become
 * visible to readers only at att_xwdb_commit(), all of them at once;
 * changes not committed when the handle is closed or freed are
 * discarded (the wrapper keeps a Xapian transaction open between
 * commits, so Xapian neither commits by itself every 10,000 documents
 * nor commits in its destructor).
 */
att_xstatus att_xwdb_open(att_xwdb **out, char **errmsg, const char *path,
                          att_xwdb_mode mode);

/* Adds doc under a new docid (*id, may be NULL). */
att_xstatus att_xwdb_add(att_xwdb *db, att_xdocid *id, att_xdoc *doc);

/*
 * Replaces the document holding idterm (its unique id term) by doc,
 * keeping its docid, or adds doc if none holds it; *id (may be NULL) is
 * the docid. The wrapper first adds idterm to doc as a boolean term (no
 * change if doc already has it), so the next replace finds it. An empty
 * idterm is ATT_X_EINVAL (Xapian would read it as every document).
 */
att_xstatus att_xwdb_replace(att_xwdb *db, att_xdocid *id,
                             const char *idterm, size_t len, att_xdoc *doc);

/* *exists is 1 if some document holds term, counting changes not yet
 * committed. */
att_xstatus att_xwdb_term_exists(att_xwdb *db, int *exists,
                                 const char *term, size_t len);

/* Stores value (len bytes; empty removes it) under key, committed with
 * the next att_xwdb_commit(). */
att_xstatus att_xwdb_set_metadata(att_xwdb *db, const char *key,
                                  const char *value, size_t len);

/* Deletes the documents holding idterm; *found (may be NULL) is 1 if
 * there was one, 0 if none (not an error). */
att_xstatus att_xwdb_delete(att_xwdb *db, int *found,
                            const char *idterm, size_t len);

/* Makes every change since the last commit durable and visible. */
att_xstatus att_xwdb_commit(att_xwdb *db);

/* Discards uncommitted changes and releases the lock; afterwards only
 * att_xwdb_errmsg() and att_xwdb_free() are meaningful (others give
 * ATT_X_EINVAL). */
att_xstatus att_xwdb_close(att_xwdb *db);

const char *att_xwdb_errmsg(const att_xwdb *db);
void att_xwdb_free(att_xwdb *db);

/* ---- documents --------------------------------------------------------- */

/* A new empty document. */
att_xstatus att_xdoc_new(att_xdoc **out, char **errmsg);

/* Empties doc, to build another one in the same handle. */
att_xstatus att_xdoc_clear(att_xdoc *doc);

/*
 * Terms. add_posting records term at position pos (attache's positions)
 * and adds wdfinc to its wdf; add_term adds wdfinc without a position;
 * add_boolean_term adds the term with wdf 0 (an id, a filter: it counts
 * for nothing in the document's length). ATT_X_EINVAL for an empty
 * term; a term longer than the backend allows (245 bytes for glass) is
 * refused when the document is added.
 */
att_xstatus att_xdoc_add_posting(att_xdoc *doc, const char *term, size_t len,
                                 uint32_t pos, uint32_t wdfinc);
att_xstatus att_xdoc_add_term(att_xdoc *doc, const char *term, size_t len,
                              uint32_t wdfinc);
att_xstatus att_xdoc_add_boolean_term(att_xdoc *doc, const char *term,
                                      size_t len);

/* The document's data: any bytes (copied). */
att_xstatus att_xdoc_set_data(att_xdoc *doc, const void *p, size_t n);

/* Sets value slot to the bytes p, n (copied); an empty value clears it. */
att_xstatus att_xdoc_add_value(att_xdoc *doc, uint32_t slot,
                               const void *p, size_t n);

const char *att_xdoc_errmsg(const att_xdoc *doc);
void att_xdoc_free(att_xdoc *doc);

#ifdef __cplusplus
}
#endif

#endif /* ATTACHE_XAPIAN_H */
