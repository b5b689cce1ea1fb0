/*
 * xsearch.c: searching the Xapian backend (built with
 * ATTACHE_WITH_XAPIAN), behind the same att_searcher as the native one.
 *
 * What is attache's and what is Xapian's. The query is parsed by
 * query.c, as natively, into a tree of groups and leaves; the tree is
 * mapped onto Xapian's operators:
 *
 *     term              a term query (a field-scoped one is the field
 *                       term, "\x02title:summit", as the writer indexed)
 *     prefix*           OR of the 64 most frequent terms starting with
 *                       the prefix (allterms), each scored on its own,
 *                       as natively
 *     "a b c"           PHRASE, window 3
 *     "a b"~N, a NEAR/N b   NEAR, window terms + N (each term once)
 *     group             AND of the required members; AND_MAYBE the OR of
 *                       the optional ones (or just their OR if none is
 *                       required); AND_NOT the excluded ones. Optional
 *                       stop words are dropped by the native rule.
 *     ^boost            SCALE_WEIGHT
 *
 * Xapian's matcher then ranks with BM25Weight under the options' k1 and
 * b (k2 0, k3 1, min_normlen 0.5), global statistics over every shard.
 * The best rerank_depth of the max(n + offset, rerank_depth) hits are
 * re-ranked by passages (passage.c) and term proximity (proximity.c)
 * exactly as natively, from each hit's positions (Xapian's position
 * lists) and sentence table (the document data, xdata.c), and the page's
 * passages are cut and marked by the native code. So the two backends
 * differ only in the document score: Xapian's idf, length normalisation
 * (its document length counts field terms, and proximity's length
 * normalisation uses it too) and pruning; docs/XAPIAN.md measures by
 * how much.
 *
 * Opening: a database directory; a directory of shards with its XAPIANDB
 * stub, as `attache index --shards N` makes; or a stub file. attache
 * reads stubs itself ("auto PATH" and the other local types, relative to
 * the stub's directory; "remote HOST:PORT", and the "remote tcp HOST
 * PORT" of the issue that asked for this), so that each remote shard
 * gets the caller's timeout and an error names the line and shard.
 *
 * RM3 feedback (feedback.c's model, as natively) adds the expansion as
 * scaled optional terms and runs again. An option the backend cannot
 * honour is refused, not ignored: BM25F (title_weight != 1: Xapian 1.4
 * keeps no per-field lengths).
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "attache_xapian.h"
#include "indexer.h"
#include "searcher.h"
#include "xfacets.h"

#define MAX_WINDOWS 8

struct att_xsearcher {
	char *path;
	att_xdb *db;
	att_analyzer *an, *plain;
	char language[32];
	att_schema schema;       /* the typed fields (attache:fields) */
	uint32_t nshards;
	uint64_t bytes;          /* of the local databases' files */
	char *doc;               /* att_xsearcher_document's data, copied */
	int modified;            /* a call met a discarded revision */
	int remote;              /* some shard is remote */
	att_syncache syn;        /* the synonyms last used */
	char *msg;
	size_t cap;
};

/* The attache status of wrapper status ST, noting a discarded revision:
 * att_xsearch then reopens the database and runs the query again. */
static att_status xstatus(att_xsearcher *x, att_xstatus st)
{
	if (st == ATT_X_EMODIFIED)
		x->modified = 1;
	return att_status_of_x(st);
}

static att_status fail(att_xsearcher *x, att_status rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static att_status fail(att_xsearcher *x, att_status rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->msg, x->cap, fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- opening ------------------------------------------------------------- */

/* Bytes of the regular files in directory DIR. */
static uint64_t dir_bytes(const char *dir)
{
	char path[4096];
	struct dirent *d;
	struct stat st;
	uint64_t n = 0;
	DIR *dp = opendir(dir);

	if (dp == NULL)
		return 0;
	while ((d = readdir(dp)) != NULL) {
		snprintf(path, sizeof path, "%s/%s", dir, d->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			n += (uint64_t)st.st_size;
	}
	closedir(dp);
	return n;
}

/* Adds DB (consumed) to the searcher's combined database. */
static att_status add_db(att_xsearcher *x, att_xdb *db, const char *what)
{
	att_xstatus st;

	if (x->db == NULL) {
		x->db = db;
		x->nshards = 1;
		return ATT_OK;
	}
	st = att_xdb_add(x->db, db);
	att_xdb_free(db);
	if (st != ATT_X_OK)
		return fail(x, xstatus(x, st), "%s: %s", what, att_xdb_errmsg(x->db));
	x->nshards++;
	return ATT_OK;
}

static att_status open_local(att_xsearcher *x, const char *path,
                             const char *what)
{
	att_xdb *db = NULL;
	char *err = NULL;
	att_xstatus st = att_xdb_open(&db, &err, path);

	if (st != ATT_X_OK) {
		fail(x, xstatus(x, st), "%s: %s", what, err ? err : att_xstatus_str(st));
		free(err);
		return xstatus(x, st);
	}
	x->bytes += dir_bytes(path);
	return add_db(x, db, what);
}

static att_status open_remote(att_xsearcher *x, const char *host,
                              const char *port, unsigned timeout_ms,
                              const char *what)
{
	att_xdb *db = NULL;
	char *err = NULL, *end;
	unsigned long p;
	att_xstatus st;

	errno = 0;
	p = strtoul(port, &end, 10);
	if (errno != 0 || end == port || *end != '\0' || p == 0 || p > 65535 ||
	    host[0] == '\0')
		return fail(x, ATT_EINVAL, "%s: not HOST:PORT", what);
	x->remote = 1;
	st = att_xdb_open_remote(&db, &err, host, (unsigned)p, timeout_ms,
	                         timeout_ms);
	if (st != ATT_X_OK) {
		fail(x, xstatus(x, st), "%s: %s", what, err ? err : att_xstatus_str(st));
		free(err);
		return xstatus(x, st);
	}
	return add_db(x, db, what);
}

/* One line of a stub, WHAT naming it in errors. */
static att_status stub_line(att_xsearcher *x, char *line, const char *base,
                            unsigned timeout_ms, const char *what)
{
	static const char *const local[] = { "auto", "glass", "chert", "honey" };
	char *w[5], *save = NULL, path[4096], *colon;
	size_t n = 0, i;

	for (w[0] = strtok_r(line, " \t", &save); w[n] && n < 4;)
		w[++n] = strtok_r(NULL, " \t", &save);
	for (i = 0; n == 2 && i < sizeof local / sizeof local[0]; i++)
		if (strcmp(w[0], local[i]) == 0) {
			int len = w[1][0] == '/'
			    ? snprintf(path, sizeof path, "%s", w[1])
			    : snprintf(path, sizeof path, "%s/%s", base, w[1]);

			if (len < 0 || (size_t)len >= sizeof path)
				return fail(x, ATT_EINVAL, "%s: path too long", what);
			return open_local(x, path, what);
		}
	if (n == 2 && strcmp(w[0], "remote") == 0 &&
	    (colon = strrchr(w[1], ':')) != NULL) {
		*colon = '\0';
		return open_remote(x, w[1], colon + 1, timeout_ms, what);
	}
	if (n == 4 && strcmp(w[0], "remote") == 0 && strcmp(w[1], "tcp") == 0)
		return open_remote(x, w[2], w[3], timeout_ms, what);
	return fail(x, ATT_EINVAL, "%s: not \"auto PATH\" nor \"remote "
	            "HOST:PORT\"", what);
}

/* Opens every database the stub file STUB lists. */
static att_status open_stub(att_xsearcher *x, const char *stub,
                            unsigned timeout_ms)
{
	char line[4096], base[4096], what[4400], *slash;
	unsigned lineno = 0;
	att_status rc = ATT_OK;
	FILE *f = fopen(stub, "r");

	if (f == NULL)
		return fail(x, errno == ENOENT ? ATT_ENOTFOUND : ATT_EIO, "%s: %s",
		            stub, strerror(errno));
	snprintf(base, sizeof base, "%s", stub);
	slash = strrchr(base, '/');
	if (slash != NULL)
		*slash = '\0';
	else
		snprintf(base, sizeof base, ".");
	while (rc == ATT_OK && fgets(line, sizeof line, f) != NULL) {
		char *p = line, *e;

		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		for (e = p + strlen(p); e > p && (e[-1] == ' ' || e[-1] == '\t');)
			*--e = '\0';
		if (*p == '\0' || *p == '#')
			continue;
		snprintf(what, sizeof what, "%s, line %u (%.200s)", stub, lineno, p);
		rc = stub_line(x, p, base, timeout_ms, what);
	}
	fclose(f);
	if (rc == ATT_OK && x->db == NULL)
		rc = fail(x, ATT_ECORRUPT, "%s: lists no database", stub);
	return rc;
}

static att_status read_language(att_xsearcher *x, const char *path)
{
	const char *p;
	size_t n = 0;
	att_xstatus st = att_xdb_get_metadata(x->db, &p, &n, "attache:language");
	att_status rc;

	if (st != ATT_X_OK)
		return fail(x, xstatus(x, st), "%s: %s", path, att_xdb_errmsg(x->db));
	if (n == 0 || n >= sizeof x->language)
		return fail(x, ATT_EINVAL, "%s: a Xapian database attache did not "
		            "write (no attache:language metadata)", path);
	memcpy(x->language, p, n);
	x->language[n] = '\0';
	rc = att_analyzer_new(&x->an, x->language);
	if (rc == ATT_ENOTFOUND)
		return fail(x, ATT_ECORRUPT, "%s: unknown language \"%s\"", path,
		            x->language);
	if (rc == ATT_OK)
		rc = att_analyzer_new(&x->plain, "none");
	return rc;
}

/* The typed fields the database declares (ATT_XMETA_FIELDS). */
static att_status read_fields(att_xsearcher *x, const char *path)
{
	const char *p, *end, *name, *type;
	size_t n = 0, nl, tl;
	int r, t;
	att_xstatus st = att_xdb_get_metadata(x->db, &p, &n, ATT_XMETA_FIELDS);

	if (st != ATT_X_OK)
		return fail(x, xstatus(x, st), "%s: %s", path, att_xdb_errmsg(x->db));
	memset(&x->schema, 0, sizeof x->schema);
	for (end = p + n; (r = att_xmeta_field_next(&p, end, &name, &nl, &type,
	                                            &tl)) != 0;) {
		t = r > 0 ? att_field_type_of(type, tl) : -1;
		if (t < 0 || att_schema_add(&x->schema, name, nl, (unsigned)t, x->msg,
		                            x->cap) != ATT_OK)
			return fail(x, ATT_ECORRUPT, "%s: the %s metadata is damaged",
			            path, ATT_XMETA_FIELDS);
	}
	return ATT_OK;
}

att_status att_xsearcher_open(att_xsearcher **out, const char *path,
                              att_index_kind kind, unsigned timeout_ms,
                              char *msg, size_t cap)
{
	att_xsearcher *x = att_calloc(1, sizeof *x);
	char stub[4096];
	att_status rc;

	*out = NULL;
	if (x == NULL)
		return ATT_ENOMEM;
	x->msg = msg;
	x->cap = cap;
	x->path = att_strndup(path, strlen(path));
	if (x->path == NULL) {
		att_free(x);
		return ATT_ENOMEM;
	}
	if (kind == ATT_KIND_XAPIAN) {
		rc = open_local(x, path, path);
	} else {
		snprintf(stub, sizeof stub, kind == ATT_KIND_XSHARDS ? "%s/XAPIANDB"
		         : "%s", path);
		rc = open_stub(x, stub, timeout_ms);
	}
	if (rc == ATT_OK)
		rc = read_language(x, path);
	if (rc == ATT_OK)
		rc = read_fields(x, path);
	if (rc != ATT_OK) {
		if (rc == ATT_ENOMEM)
			snprintf(msg, cap, "out of memory");
		att_xsearcher_free(x);
		return rc;
	}
	*out = x;
	return ATT_OK;
}

void att_xsearcher_free(att_xsearcher *x)
{
	if (x == NULL)
		return;
	att_xdb_free(x->db);
	att_free(x->doc);
	att_syncache_release(&x->syn);
	att_free(x->path);
	att_analyzer_free(x->an);
	att_analyzer_free(x->plain);
	att_free(x);
}

att_status att_xsearcher_reopen(int *changed, att_xsearcher *x)
{
	att_xstatus st = att_xdb_reopen(x->db, changed);

	if (st != ATT_X_OK)
		return fail(x, xstatus(x, st), "%s", att_xdb_errmsg(x->db));
	return ATT_OK;
}

att_status att_xsearcher_stats(att_index_stats *out, att_xsearcher *x)
{
	att_xiter *it = NULL;
	uint32_t docs = 0;
	double avlen = 0;
	int more = 0;
	att_xstatus st;

	memset(out, 0, sizeof *out);
	st = att_xdb_doccount(x->db, &docs);
	if (st == ATT_X_OK)
		st = att_xdb_avlength(x->db, &avlen);
	if (st == ATT_X_OK)
		st = att_xdb_allterms(&it, x->db, "", 0);
	while (st == ATT_X_OK && (st = att_xiter_next(it, &more)) == ATT_X_OK &&
	       more) {
		size_t len;
		const char *t = att_xiter_term(it, &len);

		if (len > 0 && (t[0] == ATT_ID_PREFIX || t[0] == ATT_FIELD_PREFIX))
			continue;
		out->terms++;
		out->postings += att_xiter_termfreq(it);
	}
	if (st != ATT_X_OK)
		fail(x, xstatus(x, st), "%s", it ? att_xiter_errmsg(it)
		     : att_xdb_errmsg(x->db));
	att_xiter_free(it);
	out->docs = docs;
	out->positions = (uint64_t)llround(avlen * docs);
	out->segments = x->nshards;
	if (x->nshards > 1 || att_xdb_revision(x->db, &out->generation) != ATT_X_OK)
		out->generation = 0; /* several databases: no one revision */
	out->bytes_xapian = x->bytes;
	snprintf(out->language, sizeof out->language, "%s", x->language);
	snprintf(out->backend, sizeof out->backend, "xapian");
	return xstatus(x, st);
}

att_status att_xsearcher_document(att_doc *doc, int *found, att_xsearcher *x,
                                  const char *id, size_t id_len,
                                  att_field **fields, size_t *cap)
{
	char term[246];
	att_xiter *it = NULL;
	const char *p;
	att_xdata xd;
	att_status rc = ATT_OK;
	int more = 0;
	size_t n;
	att_xstatus st;

	if (id_len + 1 >= sizeof term)
		return ATT_OK; /* no such id can be in a Xapian database */
	term[0] = ATT_ID_PREFIX;
	memcpy(term + 1, id, id_len);
	st = att_xdb_postlist(&it, x->db, term, id_len + 1);
	if (st == ATT_X_OK)
		st = att_xiter_next(it, &more);
	if (st == ATT_X_OK && more)
		st = att_xdb_get_data(x->db, &p, &n, att_xiter_docid(it));
	if (st != ATT_X_OK) {
		rc = fail(x, xstatus(x, st), "%s: %s", x->path,
		          it ? att_xiter_errmsg(it) : att_xdb_errmsg(x->db));
		att_xiter_free(it);
		return rc;
	}
	if (more) {
		att_free(x->doc);
		if ((x->doc = att_malloc(n + 1)) == NULL)
			rc = ATT_ENOMEM;
		else
			memcpy(x->doc, p, n);
		if (rc == ATT_OK &&
		    att_xdata_parse(&xd, (const uint8_t *)x->doc, n) != ATT_OK)
			rc = fail(x, ATT_ECORRUPT, "%s: document %u: its data is not "
			          "attache's", x->path, (unsigned)att_xiter_docid(it));
		if (rc == ATT_OK)
			rc = att_doc_from_record(doc, fields, cap, &xd.rec);
		*found = rc == ATT_OK;
	}
	att_xiter_free(it);
	return rc;
}

/* ---- the query ------------------------------------------------------------ */

/* A positive query term: its positions make passages, it is marked. */
typedef struct pterm {
	char *t;
	size_t len;
	double idf;
} pterm;

typedef struct xq {
	att_xsearcher *x;
	const att_search_options *o;
	int stop_words;
	uint32_t docs;
	pterm *pos;
	size_t npos, cappos;
	char *err;           /* from the wrapper's query builders */
	int forgive;         /* a prefix covering too many terms is its word */
	int in_syn;          /* building a synonym's members */
	att_notes *notes;
} xq;

static att_status qfail(xq *c, att_xstatus st)
{
	att_status rc = fail(c->x, xstatus(c->x, st), "query: %s",
	                     c->err ? c->err : att_xstatus_str(st));

	free(c->err);
	c->err = NULL;
	return rc;
}

/* Records T as a positive term, once. */
static att_status add_positive(xq *c, const char *t, size_t len)
{
	uint32_t df = 0;
	att_xstatus st;
	size_t i;

	if (len > 0 && (t[0] == ATT_FIELD_PREFIX || t[0] == ATT_ID_PREFIX))
		return ATT_OK;
	for (i = 0; i < c->npos; i++)
		if (c->pos[i].len == len && memcmp(c->pos[i].t, t, len) == 0)
			return ATT_OK;
	if (c->npos == c->cappos) {
		size_t cap = c->cappos ? c->cappos * 2 : 16;
		pterm *p = att_realloc(c->pos, cap * sizeof *p);

		if (p == NULL)
			return ATT_ENOMEM;
		c->pos = p;
		c->cappos = cap;
	}
	st = att_xdb_termfreq(c->x->db, &df, t, len);
	if (st != ATT_X_OK)
		return fail(c->x, xstatus(c->x, st), "%s", att_xdb_errmsg(c->x->db));
	c->pos[c->npos].t = att_strndup(t, len);
	if (c->pos[c->npos].t == NULL)
		return ATT_ENOMEM;
	c->pos[c->npos].len = len;
	c->pos[c->npos].idf = log(1.0 + ((double)c->docs - df + 0.5) /
	                          ((double)df + 0.5));
	c->npos++;
	return ATT_OK;
}

static att_status term_query(xq *c, att_xquery **out, const char *t,
                             size_t len, int excluded)
{
	att_xstatus st = att_xquery_term(out, &c->err, t, len, 1, 0);

	if (st != ATT_X_OK)
		return qfail(c, st);
	/* a stop word inside a synonym's phrase ("republic of türkiye")
	 * neither makes passages nor is marked, as natively */
	if (excluded || (c->in_syn && att_stop_word(t, len)))
		return ATT_OK;
	return add_positive(c, t, len);
}

/* Combines SUBS[0..n) (freed here) with OP. */
static att_status combine(xq *c, att_xquery **out, att_xop op,
                          att_xquery **subs, size_t n, uint32_t window)
{
	att_xstatus st;
	size_t i;

	if (n == 1 && op != ATT_XOP_PHRASE && op != ATT_XOP_NEAR) {
		*out = subs[0];
		subs[0] = NULL;
		return ATT_OK;
	}
	st = att_xquery_combine(out, &c->err, op, (const att_xquery *const *)subs,
	                        n, window);
	for (i = 0; i < n; i++)
		att_xquery_free(subs[i]);
	return st == ATT_X_OK ? ATT_OK : qfail(c, st);
}

/* A prefix: OR of its expansions, chosen as natively (att_prefix_keep). */
static att_status prefix_query(xq *c, att_xquery **out, const att_qterm *qt,
                               size_t column, int excluded)
{
	att_xquery **subs = NULL;
	att_xiter *it = NULL;
	att_pfx_term *v = NULL;
	size_t n = 0, cap = 0, scanned = 0, i, k = 0;
	att_status rc = ATT_OK;
	int more = 0;
	att_xstatus st = att_xdb_allterms(&it, c->x->db, qt->text, qt->len);

	while (rc == ATT_OK && st == ATT_X_OK &&
	       (st = att_xiter_next(it, &more)) == ATT_X_OK && more) {
		size_t len;
		const char *t = att_xiter_term(it, &len);

		if (++scanned > ATT_PREFIX_SCAN && c->forgive) {
			att_note(c->notes, "%.*s* matches too many words: searched as a "
			         "word", (int)(qt->len > 40 ? 40 : qt->len), qt->text);
			for (i = 0; i < n; i++)
				att_free(v[i].text);
			att_free(v);
			att_xiter_free(it);
			return term_query(c, out, qt->text, qt->len, excluded);
		}
		if (scanned > ATT_PREFIX_SCAN) {
			rc = fail(c->x, ATT_ELIMIT, "column %zu: a prefix matches more "
			          "than %d terms", column, ATT_PREFIX_SCAN);
			break;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			att_pfx_term *p = att_realloc(v, nc * sizeof *p);

			if (p == NULL) {
				rc = ATT_ENOMEM;
				break;
			}
			v = p;
			cap = nc;
		}
		v[n].text = att_strndup(t, len);
		v[n].len = len;
		v[n].df = att_xiter_termfreq(it);
		if (v[n].text == NULL)
			rc = ATT_ENOMEM;
		else
			n++;
	}
	if (rc == ATT_OK && st != ATT_X_OK)
		rc = fail(c->x, xstatus(c->x, st), "%s", it ? att_xiter_errmsg(it)
		          : att_xdb_errmsg(c->x->db));
	att_xiter_free(it);
	if (rc == ATT_OK && n > 0) {
		att_prefix_keep(v, &n);
		subs = att_calloc(n, sizeof *subs);
		if (subs == NULL)
			rc = ATT_ENOMEM;
	}
	for (k = 0; rc == ATT_OK && k < n; k++)
		rc = term_query(c, &subs[k], v[k].text, v[k].len, excluded);
	if (rc == ATT_OK && n == 0)
		st = att_xquery_none(out, &c->err), rc = st ? qfail(c, st) : ATT_OK;
	else if (rc == ATT_OK)
		rc = combine(c, out, ATT_XOP_OR, subs, k, 0);
	else
		for (i = 0; i < k; i++)
			att_xquery_free(subs[i]);
	for (i = 0; i < n; i++)
		att_free(v[i].text);
	att_free(v);
	att_free(subs);
	return rc;
}

static att_status fz_emit(void *ctx, const uint8_t *t, size_t len, uint64_t df,
                          unsigned dist)
{
	return att_fz_add(ctx, t, len, df, dist);
}

static uint64_t term_df(void *ctx, const char *term, size_t len);

/* The terms of X's term list within EDITS of TEXT, chosen by
 * att_fz_finish (NEAREST), into *SET. */
static att_status near_terms(void *ctx, const char *text, size_t len,
                             unsigned edits, int nearest, att_fz_set *set)
{
	att_xsearcher *x = ctx;
	att_term_source src;
	att_xiter *it = NULL;
	att_status rc;
	att_xstatus st;

	memset(set, 0, sizeof *set);
	st = att_xdb_allterms(&it, x->db, "", 0);
	if (st != ATT_X_OK)
		return fail(x, xstatus(x, st), "%s", att_xdb_errmsg(x->db));
	att_term_source_xapian(&src, it);
	rc = att_fuzzy_walk(&src, text, len, edits, fz_emit, set, NULL);
	if (rc != ATT_OK && rc != ATT_ENOMEM) {
		if (att_xiter_status(it) != ATT_X_OK)
			rc = xstatus(x, att_xiter_status(it));
		rc = fail(x, rc, "%s", att_xiter_errmsg(it));
	}
	att_xiter_free(it);
	if (rc == ATT_OK)
		att_fz_finish(set, nearest);
	else
		att_fz_release(set);
	return rc;
}

/* A fuzzy word (word~N), or forgiving, a free word in no document (of 5
 * characters or more): OR of its expansions from the term list, chosen
 * and boosted as natively (att_fz_finish, att_fuzzy_boost), in *OUT; *OUT
 * NULL for any other word. */
static att_status fuzzy_query(xq *c, att_xquery **out, const att_query *q,
                              const att_qnode *qn, int excluded)
{
	const att_qterm *t = &q->terms[qn->first];
	unsigned edits = qn->fuzzy;
	att_xquery **subs = NULL;
	att_fz_set set;
	att_status rc = ATT_OK;
	att_xstatus st;
	size_t i, k = 0;
	int nearest = edits == 0;

	*out = NULL;
	if (t->field_len > 0 || qn->prefix)
		return ATT_OK;
	if (nearest && (!c->forgive || excluded || c->in_syn ||
	                (edits = att_fuzzy_edits(t->text, t->len)) == 0 ||
	                term_df(c->x, t->text, t->len) > 0))
		return ATT_OK;
	rc = near_terms(c->x, t->text, t->len, edits, nearest, &set);
	if (rc == ATT_OK && nearest && set.n == 0) {
		att_variants vb;   /* the typed word one edit away */

		memset(&vb, 0, sizeof vb);
		vb.an = c->x->an;
		vb.plain = c->x->plain;
		vb.df = term_df;
		vb.ctx = c->x;
		att_variant_term(&vb, q, t);
		if (vb.best_df > 0)
			rc = att_fz_add(&set, (const uint8_t *)vb.best, vb.best_len,
			                vb.best_df, 1);
	}
	if (rc != ATT_OK) {
		att_fz_release(&set);
		return rc;
	}
	if (nearest && set.n == 0) {   /* nothing near: as is */
		att_fz_release(&set);
		return ATT_OK;
	}
	if (nearest)
		att_fz_note(c->notes, t->text, t->len, &set);
	if (set.n > 0 && (subs = att_calloc(set.n, sizeof *subs)) == NULL)
		rc = ATT_ENOMEM;
	for (k = 0; rc == ATT_OK && k < set.n; k++) {
		att_xquery *tq = NULL;

		rc = term_query(c, &tq, set.v[k].text, set.v[k].len, excluded);
		if (rc != ATT_OK)
			break;
		st = att_xquery_scale(&subs[k], &c->err, tq,
		                      att_fuzzy_boost(set.v[k].dist));
		att_xquery_free(tq);
		if (st != ATT_X_OK)
			rc = qfail(c, st);
	}
	if (rc == ATT_OK && set.n == 0)
		st = att_xquery_none(out, &c->err), rc = st ? qfail(c, st) : ATT_OK;
	else if (rc == ATT_OK)
		rc = combine(c, out, ATT_XOP_OR, subs, k, 0);
	else
		for (i = 0; i < k; i++)
			att_xquery_free(subs[i]);
	att_free(subs);
	att_fz_release(&set);
	return rc;
}

/* PHRASE or NEAR over the leaf's terms (NEAR: each term once). */
static att_status window_query(xq *c, att_xquery **out, const att_query *q,
                               const att_qnode *qn, int excluded)
{
	att_xquery *subs[ATT_QUERY_MAX_TERMS];
	const att_qterm *t = &q->terms[qn->first];
	uint32_t i, j, n = 0;
	att_status rc = ATT_OK;

	for (i = 0; i < qn->n && rc == ATT_OK; i++) {
		for (j = 0; qn->kind == ATT_Q_NEAR && j < i; j++)
			if (t[j].len == t[i].len && memcmp(t[j].text, t[i].text,
			                                   t[i].len) == 0)
				break;
		if (qn->kind == ATT_Q_NEAR && j < i)
			continue;
		rc = term_query(c, &subs[n], t[i].text, t[i].len, excluded);
		n += rc == ATT_OK;
	}
	if (rc != ATT_OK) {
		for (i = 0; i < n; i++)
			att_xquery_free(subs[i]);
		return rc;
	}
	if (n == 1) {
		*out = subs[0];
		return ATT_OK;
	}
	return combine(c, out, qn->kind == ATT_Q_PHRASE ? ATT_XOP_PHRASE
	               : ATT_XOP_NEAR, subs, n,
	               qn->kind == ATT_Q_PHRASE ? 0 : n + qn->slop);
}

static att_status node_query(xq *c, att_xquery **out, const att_query *q,
                             uint32_t qi, int excluded);

/* A range of a date or number field: its keys, big-endian, in the
 * field's slot (the bounds inclusive, as natively). */
static att_status range_query(xq *c, att_xquery **out, const att_qnode *qn)
{
	uint8_t lo[8], hi[8];
	att_xstatus st;

	att_put_u64be(lo, qn->lo);
	att_put_u64be(hi, qn->hi);
	st = att_xquery_value_range(out, &c->err, ATT_XVALUE_KEY(qn->field),
	                            (const char *)lo, 8, (const char *)hi, 8);
	return st == ATT_X_OK ? ATT_OK : qfail(c, st);
}

/* A group: (AND of required) AND_MAYBE (OR of optional), AND_NOT
 * (excluded); optional stop words dropped as natively (match.c). */
static att_status group_query(xq *c, att_xquery **out, const att_query *q,
                              const att_qnode *qn, int excluded)
{
	att_xquery **sub = att_calloc(3 * (size_t)qn->n + 3, sizeof *sub);
	att_xquery **must = sub, **should = sub + qn->n + 1,
	           **not = sub + 2 * (size_t)qn->n + 2, *parts[2];
	size_t nm = 0, ns = 0, nn = 0, np = 0, i;
	att_status rc = sub ? ATT_OK : ATT_ENOMEM;
	uint32_t other = 0;

	for (i = 0; i < qn->n; i++) {
		const att_qnode *k = &q->nodes[q->kids[qn->first + i]];

		other += k->occur != ATT_MUST_NOT && !k->stop;
	}
	for (i = 0; i < qn->n && rc == ATT_OK; i++) {
		uint32_t ki = q->kids[qn->first + i];
		const att_qnode *k = &q->nodes[ki];
		att_xquery **slot = k->occur == ATT_MUST ? &must[nm++]
		    : k->occur == ATT_SHOULD ? &should[ns++] : &not[nn++];

		if (c->stop_words && other > 0 && k->stop && k->occur == ATT_SHOULD) {
			ns--;
			continue;
		}
		rc = node_query(c, slot, q, ki, excluded);
	}
	if (rc == ATT_OK && nm > 0)
		rc = combine(c, &parts[np++], ATT_XOP_AND, must, nm, 0), nm = 0;
	if (rc == ATT_OK && ns > 0)
		rc = combine(c, &parts[np++], ATT_XOP_OR, should, ns, 0), ns = 0;
	if (rc == ATT_OK)
		rc = combine(c, &sub[0], np == 2 ? ATT_XOP_AND_MAYBE : ATT_XOP_OR,
		             parts, np, 0), np = 0;
	if (rc == ATT_OK && nn > 0) {
		memmove(sub + 1, not, nn * sizeof *sub);
		rc = combine(c, out, ATT_XOP_AND_NOT, sub, nn + 1, 0);
		nn = 0;
	} else if (rc == ATT_OK) {
		*out = sub[0];
	}
	for (i = 0; i < nm; i++)
		att_xquery_free(must[i]);
	for (i = 0; i < ns; i++)
		att_xquery_free(should[i]);
	for (i = 0; i < nn; i++)
		att_xquery_free(not[i]);
	for (i = 0; i < np; i++)
		att_xquery_free(parts[i]);
	att_free(sub);
	return rc;
}

/* Synonyms: OP_SYNONYM over the members, weighted as one term (Xapian
 * sums their wdfs and estimates the group's frequency itself). */
static att_status syn_query(xq *c, att_xquery **out, const att_query *q,
                            const att_qnode *qn, int excluded)
{
	att_xquery **subs = att_calloc((size_t)qn->n + 1, sizeof *subs);
	att_status rc = subs ? ATT_OK : ATT_ENOMEM;
	uint32_t i, n = 0;

	c->in_syn = 1;
	for (i = 0; i < qn->n && rc == ATT_OK; i++) {
		rc = node_query(c, &subs[n], q, q->kids[qn->first + i], excluded);
		n += rc == ATT_OK;
	}
	c->in_syn = 0;
	if (rc == ATT_OK)
		rc = combine(c, out, ATT_XOP_SYNONYM, subs, n, 0);
	else
		for (i = 0; i < n; i++)
			att_xquery_free(subs[i]);
	att_free(subs);
	return rc;
}

static att_status node_query(xq *c, att_xquery **out, const att_query *q,
                             uint32_t qi, int excluded)
{
	const att_qnode *qn = &q->nodes[qi];
	att_xquery *raw = NULL;
	att_status rc;
	att_xstatus st;

	*out = NULL;
	excluded |= qn->occur == ATT_MUST_NOT || qn->filter;
	if (qn->kind == ATT_Q_ALL) {
		st = att_xquery_all(&raw, &c->err);
		rc = st == ATT_X_OK ? ATT_OK : qfail(c, st);
	} else if (qn->kind == ATT_Q_RANGE) {
		rc = range_query(c, &raw, qn);
	} else if (qn->kind == ATT_Q_BOOL)
		rc = group_query(c, &raw, q, qn, excluded);
	else if (qn->kind == ATT_Q_SYN)
		rc = syn_query(c, &raw, q, qn, excluded);
	else if (qn->kind == ATT_Q_TERM && qn->prefix)
		rc = prefix_query(c, &raw, &q->terms[qn->first], qn->column,
		                  excluded);
	else if (qn->kind == ATT_Q_TERM &&
	         ((rc = fuzzy_query(c, &raw, q, qn, excluded)) != ATT_OK ||
	          raw != NULL))
		;   /* a fuzzy word, or one the index lacks: its expansions */
	else if (qn->kind == ATT_Q_TERM || qn->n == 1)
		rc = term_query(c, &raw, q->terms[qn->first].text,
		                q->terms[qn->first].len, excluded);
	else
		rc = window_query(c, &raw, q, qn, excluded);
	if (rc != ATT_OK || (qn->boost == 1.0 && !qn->filter)) {
		*out = raw;
		return rc;
	}
	/* a filter matches with weight 0 */
	st = att_xquery_scale(out, &c->err, raw, qn->filter ? 0.0 : qn->boost);
	att_xquery_free(raw);
	return st == ATT_X_OK ? ATT_OK : qfail(c, st);
}

/* The documents holding TERM (this only orders a long query's terms; a
 * failure counts as none). */
static uint64_t term_df(void *ctx, const char *term, size_t len)
{
	att_xsearcher *x = ctx;
	uint32_t tf = 0;

	xstatus(x, att_xdb_termfreq(x->db, &tf, term, len));
	return tf;
}

/* Field names the database has: some term starts "\x02NAME:". */
static int field_exists(void *ctx, const char *name, size_t len)
{
	att_xsearcher *x = ctx;
	char key[ATT_FIELD_NAME_MAX + 2];
	att_xiter *it = NULL;
	int more = 0;

	att_xstatus st;

	if (att_schema_find(&x->schema, name, len) >= 0)
		return 1;
	key[0] = ATT_FIELD_PREFIX;
	memcpy(key + 1, name, len);
	key[len + 1] = ':';
	st = att_xdb_allterms(&it, x->db, key, len + 2);
	if (st == ATT_X_OK)
		st = att_xiter_next(it, &more);
	xstatus(x, st); /* a discarded revision: the query runs again */
	att_xiter_free(it);
	return more;
}

/* ---- candidates, passages, results --------------------------------------- */

typedef struct xcand {
	att_xdocid id;
	uint64_t rank;           /* the sort order's (lower first; 0 by score) */
	double score, doc_score, passage_score, prox_score;
	att_window win[MAX_WINDOWS];
	size_t nwin;
	int done;                /* what the re-ranking computed (RR_) */
	char *data;              /* the document data, copied, once read */
	size_t data_len;
	char *sen;               /* its sentence table (a value), copied */
	size_t sen_len;
} xcand;

typedef struct xrun {
	xq q;
	att_xquery *query;
	xcand *c;
	size_t n;
	uint64_t total;
	int exact;
	att_sentence *sents;
	size_t sentcap;
	att_pscratch ps;
	att_pterm *pt;
	uint32_t **apos;         /* remote: positions found by re-analysis */
	size_t *apcap, napos;    /* for napos terms */
	uint32_t ntok;           /* remote: tokens the re-analysis met */
	double avlen;            /* the mean document length, once read */
	int sort_f, sort_desc;   /* the sort field (-1: by score), direction */
	att_xfacets fx;          /* the facets asked for, their spies */
	att_inverter *inv;       /* remote: the writer's analysis again, */
	att_docan da;            /* for documents' lengths */
	att_field *dfields;
	size_t dfcap;
	att_facet_res *fres;     /* the last run's facets */
} xrun;

/* The facets of the run that gave MS (NULL: of no match), into
 * r->fres. */
static att_status facet_answers(xrun *r, const att_xmset *ms)
{
	att_status rc;

	att_facet_res_free(r->fres, r->fx.nfc);
	r->fres = NULL;
	rc = att_xfacets_answer(&r->fres, &r->fx, ms);
	if (rc == ATT_ECORRUPT)
		fail(r->q.x, rc, "%s: a date or number value is not 8 bytes",
		     r->q.x->path);
	return rc;
}

/* A copy of the N bytes at P in *OUT (and *LEN). */
static int copy_bytes(char **out, size_t *len, const char *p, size_t n)
{
	if ((*out = att_malloc(n + 1)) == NULL)
		return -1;
	memcpy(*out, p, n);
	*len = n;
	return 0;
}

/* Candidate C's data, parsed into *XD: read now if it was not with the
 * hits (a local database: only the hits shown need it). */
static att_status cand_record(xrun *r, xcand *c, att_xdata *xd)
{
	att_status rc;

	if (c->data == NULL) {
		const char *p;
		size_t n;
		att_xstatus st = att_xdb_get_data(r->q.x->db, &p, &n, c->id);

		if (st != ATT_X_OK)
			return fail(r->q.x, xstatus(r->q.x, st), "%s: %s", r->q.x->path,
			            att_xdb_errmsg(r->q.x->db));
		if (copy_bytes(&c->data, &c->data_len, p, n) != 0)
			return ATT_ENOMEM;
	}
	rc = att_xdata_parse(xd, (const uint8_t *)c->data, c->data_len);
	if (rc == ATT_ECORRUPT || rc == ATT_EVERSION)
		fail(r->q.x, rc, "%s: document %u: its data is not attache's "
		     "(version %d)", r->q.x->path, (unsigned)c->id, ATT_XDATA_VERSION);
	return rc;
}

/* Candidate C's sentence table, decoded into r->sents as far as
 * position STOP (att_sentences_decode). */
static att_status cand_sentences(xrun *r, const xcand *c, uint32_t *nsent,
                                 uint32_t stop)
{
	att_status rc = att_sentences_decode(&r->sents, &r->sentcap, nsent,
	                                     (const uint8_t *)c->sen, c->sen_len,
	                                     stop, NULL);

	if (rc == ATT_ECORRUPT)
		fail(r->q.x, rc, "%s: document %u: a corrupt sentence table (value "
		     "%d)", r->q.x->path, (unsigned)c->id, ATT_XVALUE_SENTENCES);
	return rc;
}

/* Position lists from the database: one call (a round trip to a remote
 * shard) per term. The arrays are malloc()ed: passages_of frees them. */
static att_status stored_positions(xrun *r, const xcand *c)
{
	att_status rc = ATT_OK;
	size_t i, j;

	for (i = 0; i < r->q.npos && rc == ATT_OK; i++) {
		uint32_t *pos = NULL;
		size_t n = 0;
		att_xstatus st = att_xdb_positions(r->q.x->db, &pos, &n, c->id,
		                                   r->q.pos[i].t, r->q.pos[i].len);

		for (j = 0; j < n; j++) /* stored one higher: ATT_XPOS_SHIFT */
			pos[j] -= ATT_XPOS_SHIFT;
		r->pt[i].pos = pos;
		r->pt[i].n = (uint32_t)n;
		if (st != ATT_X_OK)
			rc = fail(r->q.x, xstatus(r->q.x, st), "%s: %s", r->q.x->path,
			          att_xdb_errmsg(r->q.x->db));
	}
	return rc;
}

/* att_analyze's callback: a positive term's token adds its position. */
static int on_token(void *ctx, const att_token *tok)
{
	xrun *r = ctx;
	size_t i;

	r->ntok++;
	for (i = 0; i < r->q.npos; i++) {
		att_pterm *p = &r->pt[i];

		if (r->q.pos[i].len != tok->term_len ||
		    memcmp(r->q.pos[i].t, tok->term, tok->term_len) != 0)
			continue;
		if (p->n == r->apcap[i]) {
			size_t cap = r->apcap[i] ? 2 * r->apcap[i] : 16;
			uint32_t *v = att_realloc(r->apos[i], cap * sizeof *v);

			if (v == NULL)
				return ATT_ENOMEM;
			r->apos[i] = v;
			r->apcap[i] = cap;
			p->pos = v;
		}
		r->apos[i][p->n++] = tok->pos;
		break;
	}
	return ATT_OK;
}

/* The same position lists, by analysing the stored title and text again
 * as the writer did (docan.c: the title from 0, the text from its token
 * count + ATT_TEXT_GAP): no round trip, since the data is here already.
 * For remote shards, where each position list is one. */
static att_status analysed_positions(xrun *r, const att_xdata *xd)
{
	size_t i;
	int rc;

	if (r->apos == NULL) {
		r->apos = att_calloc(r->q.npos + 1, sizeof *r->apos);
		r->apcap = att_calloc(r->q.npos + 1, sizeof *r->apcap);
		if (r->apos == NULL || r->apcap == NULL)
			return ATT_ENOMEM;
		r->napos = r->q.npos;
	}
	for (i = 0; i < r->q.npos; i++) {
		r->pt[i].pos = r->apos[i];
		r->pt[i].n = 0;
	}
	r->ntok = 0;
	rc = att_analyze(r->q.x->an, xd->rec.title, xd->rec.title_len, 0,
	                 on_token, r, NULL);
	if (rc == ATT_OK)
		rc = att_analyze(r->q.x->an, xd->rec.text, xd->rec.text_len,
		                 xd->title_tokens + ATT_TEXT_GAP, on_token, r, NULL);
	return rc == ATT_OK || rc == ATT_ENOMEM ? rc : ATT_ECORRUPT;
}

/* The final score of C, from its parts (as natively). */
static void blend(xcand *c, const att_search_options *o)
{
	c->score = att_blend(c->doc_score, c->passage_score, c->prox_score, o);
	c->done |= ATT_RR_BLENDED;
}

/* C's positive terms' positions into r->pt (idf set): the database's
 * position lists, or for a remote shard the re-analysed text (*XD, then
 * read). free_positions releases them. */
static att_status cand_positions(xrun *r, xcand *c, att_xdata *xd)
{
	att_status rc;
	size_t i;

	for (i = 0; i < r->q.npos; i++) {
		r->pt[i].pos = NULL;
		r->pt[i].n = 0;
		r->pt[i].idf = r->q.pos[i].idf;
	}
	if (!r->q.x->remote)
		return stored_positions(r, c);
	if ((rc = cand_record(r, c, xd)) == ATT_OK &&
	    (rc = analysed_positions(r, xd)) == ATT_ECORRUPT)
		fail(r->q.x, rc, "%s: document %u: its stored text does not "
		     "analyse", r->q.x->path, (unsigned)c->id);
	return rc;
}

static void free_positions(xrun *r)
{
	size_t i;

	for (i = 0; !r->q.x->remote && i < r->q.npos; i++) {
		free((void *)r->pt[i].pos);
		r->pt[i].pos = NULL;
	}
}

/* The postings the writer gave the document of XD (xwriter.c: one of
 * wdf 1 for each of docan.c's keys, the id term aside), by analysing
 * its stored record as the writer did: Xapian's length of it. */
static att_status analysed_length(xrun *r, const att_xdata *xd, uint64_t *len)
{
	att_status rc = ATT_OK;
	att_doc d;

	if (r->inv == NULL) {
		rc = att_inverter_new(&r->inv);
		if (rc != ATT_OK)
			return rc;
		att_docan_init(&r->da, r->q.x->an, r->inv);
		r->da.schema = &r->q.x->schema;
	}
	rc = att_doc_from_record(&d, &r->dfields, &r->dfcap, &xd->rec);
	if (rc == ATT_OK) {
		if (att_inverter_nterms(r->inv) > 1000000)
			att_inverter_reset(r->inv);
		rc = att_docan_run(&r->da, &d);
	}
	*len = r->da.nkeys;
	return rc == ATT_OK || rc == ATT_ENOMEM ? rc : ATT_ECORRUPT;
}

/* C's length over the mean, in Xapian's measure (its BM25's: the sum
 * of the document's wdfs). A remote shard's would be a round trip per
 * hit (and Xapian 1.4's remote document length leaves some terms out),
 * so there it is counted by analysing the stored record (XD) again. */
static att_status cand_norm(double *norm, xrun *r, const xcand *c,
                            const att_xdata *xd)
{
	att_xstatus st = ATT_X_OK;
	uint64_t len = 0;

	if (r->avlen <= 0)
		st = att_xdb_avlength(r->q.x->db, &r->avlen);
	if (st == ATT_X_OK && r->q.x->remote) {
		att_status rc = analysed_length(r, xd, &len);

		if (rc != ATT_OK)
			return rc == ATT_ENOMEM ? rc : fail(r->q.x, rc, "%s: document "
			       "%u: its stored record does not analyse", r->q.x->path,
			       (unsigned)c->id);
	} else if (st == ATT_X_OK) {
		st = att_xdb_doclength(r->q.x->db, &len, c->id);
	}
	if (st != ATT_X_OK)
		return fail(r->q.x, xstatus(r->q.x, st), "%s: %s", r->q.x->path,
		            att_xdb_errmsg(r->q.x->db));
	*norm = r->avlen > 0 ? (double)len / r->avlen : 1;
	return ATT_OK;
}

/* C's best passages from its positions and sentence table, and its
 * proximity, as far as WHAT asks and C lacks them; its score stays. */
static att_status passages_of(xrun *r, xcand *c, int what)
{
	const att_search_options *o = r->q.o;
	size_t k = o->passages ? o->passages : 1;
	uint32_t nsent;
	double norm = 1;
	att_xdata xd;
	att_status rc;
	int got;

	what &= ~c->done;
	if (what == 0)
		return ATT_OK;
	if (k > MAX_WINDOWS)
		k = MAX_WINDOWS;
	rc = cand_positions(r, c, &xd);
	if (rc == ATT_OK && (what & ATT_RR_PROXIMITY) &&
	    (rc = cand_norm(&norm, r, c, &xd)) == ATT_OK)
		rc = att_proximity(&c->prox_score, NULL, r->pt, r->q.npos, norm,
		                   o->k1, o->b, &r->ps);
	if (rc == ATT_OK && (what & ATT_RR_PASSAGES)) /* only as far as windows score */
		rc = cand_sentences(r, c, &nsent, att_passages_stop(r->pt, r->q.npos,
		                    o->passage_words));
	if (rc == ATT_OK && (what & ATT_RR_PASSAGES)) {
		got = att_passages_best(c->win, k, r->sents, nsent, r->pt, r->q.npos,
		                        o->passage_words, o->k1, o->b, &r->ps);
		if (got < 0)
			rc = got;
		else
			c->nwin = (size_t)got;
		c->passage_score = c->nwin ? c->win[0].score : 0;
	}
	free_positions(r);
	if (rc == ATT_OK)
		c->done |= what;
	return rc;
}

static int cmp_cand(const void *a, const void *b)
{
	const xcand *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Runs the query: the candidates, with their data. */
static att_status run_query(xrun *r, size_t k)
{
	att_xbm25 bm = ATT_XBM25_ATTACHE;
	att_xsearch_opts so;
	att_xmset *ms = NULL;
	att_status rc;
	att_xstatus st;
	uint32_t est = 0, lo = 0, hi = 0;
	size_t i;

	bm.k1 = r->q.o->k1;
	bm.b = r->q.o->b;
	memset(&so, 0, sizeof so);
	if (r->sort_f >= 0) { /* no value: last either way (attache_xapian.h) */
		so.sort_by_value = 1;
		so.sort_reverse = r->sort_desc;
		so.sort_slot = r->sort_desc ? ATT_XVALUE_KEY(r->sort_f)
		                            : ATT_XVALUE_ASC(r->sort_f);
	}
	so.spy_slots = r->fx.spy;
	so.nspy = r->fx.nspy;
	st = att_xdb_search_with(&ms, r->q.x->db, r->query, &bm, 0, (uint32_t)k,
	                         r->q.o->exhaustive || r->fx.nfc > 0 ? r->q.docs
	                         : 0, &so);
	if (st != ATT_X_OK)
		return fail(r->q.x, xstatus(r->q.x, st), "%s: %s", r->q.x->path,
		            att_xdb_errmsg(r->q.x->db));
	att_xmset_counts(ms, &est, &lo, &hi);
	r->total = lo == hi ? lo : est;
	r->exact = lo == hi;
	r->c = att_calloc(att_xmset_size(ms) + 1, sizeof *r->c);
	if (r->c == NULL)
		st = ATT_X_ENOMEM;
	for (i = 0; st == ATT_X_OK && i < att_xmset_size(ms); i++) {
		xcand *c = &r->c[r->n];
		const char *p, *d;
		size_t n, dn;

		c->id = att_xmset_docid(ms, i);
		c->doc_score = c->score = att_xmset_weight(ms, i);
		if (r->sort_f >= 0) { /* native's order: match.c's sort_rank */
			const char *kp;
			size_t kn;

			att_xmset_sort_key(ms, i, &kp, &kn);
			c->rank = kn != 8 ? UINT64_MAX
			    : r->sort_desc ? UINT64_MAX - 1 - att_get_u64be((const uint8_t *)kp)
			    : att_get_u64be((const uint8_t *)kp);
		}
		if (r->q.x->remote) /* both in one round trip: analysis needs both */
			st = att_xmset_doc(ms, i, ATT_XVALUE_SENTENCES, &d, &dn, &p, &n);
		else /* the data (zlib in glass) only for the hits shown */
			st = att_xmset_value(ms, &p, &n, i, ATT_XVALUE_SENTENCES);
		if (st == ATT_X_OK && (copy_bytes(&c->sen, &c->sen_len, p, n) != 0 ||
		    (r->q.x->remote && copy_bytes(&c->data, &c->data_len, d, dn))))
			st = ATT_X_ENOMEM;
		if (c->sen != NULL)
			r->n++; /* freed with the others */
	}
	if (st != ATT_X_OK) {
		fail(r->q.x, xstatus(r->q.x, st), "%s: %s", r->q.x->path,
		     att_xmset_errmsg(ms));
		att_xmset_free(ms);
		return xstatus(r->q.x, st);
	}
	rc = r->fx.nfc > 0 ? facet_answers(r, ms) : ATT_OK;
	att_xmset_free(ms);
	return rc;
}

/* att_passage_cut's test: a positive query term. */
static int marks(void *ctx, const char *t, size_t n)
{
	const xq *c = ctx;
	size_t i;

	for (i = 0; i < c->npos; i++)
		if (c->pos[i].len == n && memcmp(c->pos[i].t, t, n) == 0)
			return 1;
	return 0;
}

/* Appends how C's proximity score was made, as natively. */
static att_status explain_proximity(xrun *r, xcand *c, att_buf *b)
{
	att_prox *per = att_calloc(r->q.npos + 1, sizeof *per);
	double norm = 1, sum = 0;
	att_status rc = per ? ATT_OK : ATT_ENOMEM;
	att_xdata xd;
	size_t i;

	if (rc == ATT_OK)
		rc = cand_positions(r, c, &xd);
	if (rc == ATT_OK)
		rc = cand_norm(&norm, r, c, &xd);
	if (rc == ATT_OK)
		rc = att_proximity(&sum, per, r->pt, r->q.npos, norm, r->q.o->k1,
		                   r->q.o->b, &r->ps);
	if (rc == ATT_OK)
		att_buf_printf(b, "proximity: BM25TP k1 %g b %g, length / avg %.4f "
		               "(Xapian's lengths)\n", r->q.o->k1, r->q.o->b, norm);
	for (i = 0; rc == ATT_OK && i < r->q.npos; i++)
		if (per[i].acc > 0)
			att_buf_printf(b, "  %.4f  %.*s: idf %.4f, tf %u, acc %.4f\n",
			               per[i].score, (int)r->q.pos[i].len, r->q.pos[i].t,
			               r->pt[i].idf, (unsigned)r->pt[i].n, per[i].acc);
	free_positions(r);
	att_free(per);
	return rc;
}

static att_status explain(att_res_hit *h, xrun *r, xcand *c)
{
	att_status rc = ATT_OK;
	char *d = NULL;
	att_buf b;
	size_t i;

	att_buf_init(&b);
	att_xquery_describe(&d, r->query);
	if (att_rerank_what(r->q.o) && !(c->done & ATT_RR_BLENDED))
		att_buf_printf(&b, "%.4f = %.4f document (not re-ranked: below the "
		               "re-rank depth %zu)", c->score, c->doc_score,
		               r->q.o->rerank_depth);
	else
		att_buf_printf(&b, "%.4f = %.4f document + %g x %.4f passage",
		               c->score, c->doc_score, r->q.o->passage_weight,
		               c->passage_score);
	if (c->done & ATT_RR_PROXIMITY)
		att_buf_printf(&b, " + %g x %.4f proximity",
		               r->q.o->proximity_weight, c->prox_score);
	att_buf_printf(&b, "\ndocument score: BM25 k1 %g b %g, Xapian's "
	               "BM25Weight (its own idf and lengths) of %s\n",
	               r->q.o->k1, r->q.o->b, d ? d : "the query");
	free(d);
	for (i = 0; i < r->q.npos; i++) { /* what passages weigh them by */
		uint32_t *pos = NULL;
		size_t n = 0;

		att_xdb_positions(r->q.x->db, &pos, &n, c->id, r->q.pos[i].t,
		                  r->q.pos[i].len);
		free(pos);
		att_buf_printf(&b, "  %.*s: idf %.4f, tf %zu\n",
		               (int)r->q.pos[i].len, r->q.pos[i].t, r->q.pos[i].idf,
		               n);
	}
	if (c->nwin > 0)
		att_buf_printf(&b, "passage: sentences %u-%u, BM25 over a window "
		               "normalised to %zu words\n", (unsigned)c->win[0].first,
		               (unsigned)c->win[0].last, r->q.o->passage_words);
	if (c->done & ATT_RR_PROXIMITY)
		rc = explain_proximity(r, c, &b);
	att_buf_putc(&b, '\0');
	if (rc != ATT_OK || b.rc != ATT_OK) {
		att_buf_release(&b);
		return rc != ATT_OK ? rc : ATT_ENOMEM;
	}
	h->h.explanation = (const char *)b.p;
	return ATT_OK;
}

/* H's typed values, read again from its stored record REC as the
 * writer read them (values.c), in att_hit_fields' order and form: the
 * schema's fields in turn, a keyword's values ascending. */
static att_status hit_fields(att_res_hit *h, xrun *r, const att_record *rec)
{
	const att_schema *sc = &r->q.x->schema;
	att_field *fields = NULL;
	size_t fcap = 0, n = 0, off, k, i;
	att_buf text;
	att_docvals v;
	att_doc d;
	char num[64], why[256];
	att_status rc = att_doc_from_record(&d, &fields, &fcap, rec);
	uint32_t f;

	att_docvals_init(&v);
	att_buf_init(&text);
	if (rc == ATT_OK)
		rc = att_docvals_extract(&v, sc, &d, why, sizeof why);
	if (rc == ATT_EINPUT)
		rc = fail(r->q.x, ATT_ECORRUPT, "%s: document \"%.*s\": %s",
		          r->q.x->path, (int)rec->id_len, rec->id, why);
	if (rc == ATT_OK && (h->fields = att_calloc(sc->n + v.nkw + 1,
	                                            sizeof *h->fields)) == NULL)
		rc = ATT_ENOMEM;
	for (f = 0; rc == ATT_OK && f < sc->n; f++) {
		att_hit_field *hf = &h->fields[n];
		size_t len = 0;

		hf->type = sc->f[f].type;
		if (sc->f[f].type == ATT_FIELD_DATE && v.has[f]) {
			hf->number = (double)att_date_of_key(v.key[f]);
			len = att_date_format(num, sizeof num, att_date_of_key(v.key[f]));
		} else if (sc->f[f].type == ATT_FIELD_NUMBER && v.has[f]) {
			hf->number = att_number_of_key(v.key[f]);
			len = att_number_format(num, sizeof num, hf->number);
		}
		if (len > 0) { /* offsets for now: the text may move */
			hf->name = (const char *)(uintptr_t)f;
			hf->value = (const char *)(uintptr_t)text.n;
			hf->value_len = len;
			att_buf_append(&text, num, len);
			att_buf_putc(&text, '\0');
			n++;
		}
		for (k = 0, off = 0; sc->f[f].type == ATT_FIELD_KEYWORD && k < v.nkw;
		     k++) {
			const uint8_t *e = v.kw.p + off;
			size_t kl = att_get_u16le(e + 1);

			off += 3 + kl;
			if (e[0] != f)
				continue;
			hf = &h->fields[n++];
			hf->type = ATT_FIELD_KEYWORD;
			hf->name = (const char *)(uintptr_t)f;
			hf->value = (const char *)(uintptr_t)text.n;
			hf->value_len = kl;
			att_buf_append(&text, e + 3, kl);
			att_buf_putc(&text, '\0');
		}
	}
	if (rc == ATT_OK && text.rc != ATT_OK)
		rc = ATT_ENOMEM;
	if (rc == ATT_OK && n > 0) {
		h->fieldtext = (char *)text.p; /* the text moves to the hit */
		text.p = NULL;
		for (i = 0; i < n; i++) {
			h->fields[i].name = sc->f[(uintptr_t)h->fields[i].name].name;
			h->fields[i].value = h->fieldtext +
			    (uintptr_t)h->fields[i].value;
		}
		h->h.nfields = n;
	}
	att_buf_release(&text);
	att_docvals_release(&v);
	att_free(fields);
	return rc;
}

static att_status build_hit(att_res_hit *h, xrun *r, xcand *c)
{
	const att_search_options *o = r->q.o;
	att_status rc;
	uint32_t nsent;
	att_xdata xd;
	size_t i;

	if ((rc = cand_record(r, c, &xd)) != ATT_OK ||
	    (rc = cand_sentences(r, c, &nsent, UINT32_MAX)) != ATT_OK)
		return rc;
	h->h.id = att_strndup(xd.rec.id, xd.rec.id_len);
	h->h.title = att_strndup(xd.rec.title, xd.rec.title_len);
	if (h->h.id == NULL || h->h.title == NULL)
		return ATT_ENOMEM;
	h->h.id_len = xd.rec.id_len;
	h->h.title_len = xd.rec.title_len;
	h->h.score = c->score;
	h->h.doc_score = c->doc_score;
	h->h.passage_score = c->passage_score;
	h->h.proximity_score = c->prox_score;
	if (r->q.x->schema.n > 0 && (rc = hit_fields(h, r, &xd.rec)) != ATT_OK)
		return rc;
	if (o->explain && (rc = explain(h, r, c)) != ATT_OK)
		return rc;
	if (o->passages == 0 || c->nwin == 0)
		return ATT_OK;
	h->passages = att_calloc(c->nwin, sizeof *h->passages);
	if (h->passages == NULL)
		return ATT_ENOMEM;
	for (i = 0; i < c->nwin && i < o->passages; i++) {
		if (c->win[i].last >= nsent)
			return fail(r->q.x, ATT_ECORRUPT, "document %u: a passage past "
			            "its sentence table", (unsigned)c->id);
		rc = att_passage_cut(&h->passages[i], r->q.x->an, &xd.rec,
		                     &c->win[i], r->sents, marks, &r->q);
		if (rc == ATT_ECORRUPT)
			return fail(r->q.x, rc, "document %u: stored text does not "
			            "match its sentence table", (unsigned)c->id);
		if (rc != ATT_OK)
			return rc;
		h->h.npassages++;
	}
	return ATT_OK;
}

static att_status make_results(att_results **out, xrun *r)
{
	const att_search_options *o = r->q.o;
	att_results *res = att_calloc(1, sizeof *res);
	size_t i, from = o->offset, to = r->n < from + o->n ? r->n : from + o->n;
	att_status rc = res ? ATT_OK : ATT_ENOMEM;

	if (rc == ATT_OK && from < to) {
		res->hits = att_calloc(to - from, sizeof *res->hits);
		if (res->hits == NULL)
			rc = ATT_ENOMEM;
	}
	for (i = from; rc == ATT_OK && i < to; i++) {
		if (o->passages > 0) /* those not re-ranked */
			rc = passages_of(r, &r->c[i], ATT_RR_PASSAGES);
		if (rc == ATT_OK) {
			res->n++;
			rc = build_hit(&res->hits[i - from], r, &r->c[i]);
		}
	}
	if (rc != ATT_OK) {
		att_results_free(res);
		return rc;
	}
	res->total = r->total;
	res->exact = r->exact;
	res->facets = r->fres;
	res->nfacets = r->fres != NULL ? r->fx.nfc : 0;
	r->fres = NULL;
	*out = res;
	return ATT_OK;
}

/* Frees what one ranking made: candidates, position buffers. */
static void clear_ranking(xrun *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		att_free(r->c[i].data);
		att_free(r->c[i].sen);
	}
	att_free(r->c);
	r->c = NULL;
	r->n = 0;
	att_free(r->pt);
	r->pt = NULL;
	for (i = 0; r->apos != NULL && i < r->napos; i++)
		att_free(r->apos[i]);
	att_free(r->apos);
	att_free(r->apcap);
	r->apos = NULL;
	r->apcap = NULL;
	r->napos = 0;
}

/* Runs r->query for the best K, re-ranks the best rerank_depth of them
 * by passages and proximity (the others keep their document score),
 * sorts them. */
static att_status rank(xrun *r, size_t k)
{
	int what = att_rerank_what(r->q.o);
	att_status rc;
	size_t i;

	clear_ranking(r);
	rc = run_query(r, k);
	if (rc == ATT_OK && (r->pt = att_calloc(r->q.npos + 1,
	                                        sizeof *r->pt)) == NULL)
		rc = ATT_ENOMEM;
	for (i = 0; rc == ATT_OK && what && i < r->n && i < r->q.o->rerank_depth;
	     i++) {
		rc = passages_of(r, &r->c[i], what);
		blend(&r->c[i], r->q.o);
	}
	if (rc == ATT_OK)
		qsort(r->c, r->n, sizeof *r->c, cmp_cand);
	return rc;
}

/* RM3 (feedback.c): the model of the best feedback_docs hits joins the
 * query as optional terms, each scaled by its weight; the query stays
 * required if it required anything (feedback never widens an AND or +
 * query), as natively. */
static att_status expand(xrun *r, const att_query *q)
{
	const att_search_options *o = r->q.o;
	const att_qnode *root = &q->nodes[q->root];
	size_t nd = r->n < o->feedback_docs ? r->n : o->feedback_docs, i, nq;
	att_xquery *subs[ATT_FB_MAX + 1], *fbq = NULL, *both[2];
	int loose = 1, more = 0;
	att_status rc = ATT_OK;
	double sum = 0;
	att_fb fb;

	for (i = 0; root->kind == ATT_Q_BOOL && i < root->n; i++)
		loose &= q->nodes[q->kids[root->first + i]].occur != ATT_MUST;
	for (i = 0; i < nd; i++)
		sum += r->c[i].score;
	nq = r->q.npos;
	if (nd == 0 || sum <= 0 || nq == 0 || o->feedback_weight >= 1)
		return ATT_OK;
	att_fb_init(&fb);
	for (i = 0; i < nd && rc == ATT_OK; i++) {
		att_xdata xd;

		rc = cand_record(r, &r->c[i], &xd);
		if (rc == ATT_OK)
			rc = att_fb_add(&fb, r->q.x->an, &xd.rec, r->c[i].score / sum);
	}
	if (rc == ATT_OK)
		rc = att_fb_finish(&fb, nq, o->feedback_terms, o->feedback_weight);
	for (i = 0; rc == ATT_OK && i < fb.n; i++) {
		att_xquery *t = NULL;
		att_xstatus st;

		rc = term_query(&r->q, &t, fb.terms[i], fb.lens[i], 0);
		if (rc != ATT_OK)
			break;
		st = att_xquery_scale(&subs[more], &r->q.err, t, fb.w[i]);
		att_xquery_free(t);
		if (st != ATT_X_OK)
			rc = qfail(&r->q, st);
		else
			more++;
	}
	if (rc == ATT_OK && more > 0)
		rc = combine(&r->q, &fbq, ATT_XOP_OR, subs, (size_t)more, 0), more = 0;
	if (rc == ATT_OK && fbq != NULL) {
		both[0] = r->query;
		both[1] = fbq;
		r->query = NULL;
		rc = combine(&r->q, &r->query, loose ? ATT_XOP_OR : ATT_XOP_AND_MAYBE,
		             both, 2, 0);
	}
	for (i = 0; i < (size_t)more; i++)
		att_xquery_free(subs[i]);
	att_fb_release(&fb);
	if (rc == ATT_ECORRUPT && r->q.x->msg[0] == '\0')
		fail(r->q.x, rc, "feedback: a stored document does not analyse");
	return rc;
}

static att_status search(xrun *r, att_results **out, const att_query *q)
{
	const att_search_options *o = r->q.o;
	size_t k = o->offset + o->n;
	att_status rc;

	if (att_rerank_what(o) && k < o->rerank_depth)
		k = o->rerank_depth;
	if (k < o->feedback_docs)
		k = o->feedback_docs;
	if (k == 0)
		k = 1;
	rc = node_query(&r->q, &r->query, q, q->root, 0);
	if (rc == ATT_OK)
		rc = rank(r, k);
	if (rc == ATT_OK && o->feedback_docs > 0 && r->sort_f >= 0) {
		att_note(r->q.notes, "feedback is not used when sorting by a field");
	} else if (rc == ATT_OK && o->feedback_docs > 0) {
		const att_xquery *before = r->query;

		rc = expand(r, q);
		if (rc == ATT_OK && r->query != before) /* expanded: run again */
			rc = rank(r, k);
	}
	if (rc == ATT_OK)
		rc = make_results(out, r);
	return rc;
}

/* One attempt at att_xsearch, on the revision the database reads. */
static att_status xsearch_once(att_results **out, att_xsearcher *x,
                               const char *query, size_t len,
                               const att_search_options *o)
{
	att_parse_env env;
	const char *sf;
	att_query q;
	att_status rc;
	att_xstatus st, xst;
	xrun r;
	size_t i;

	memset(&env, 0, sizeof env);
	env.an = x->an;
	env.plain = x->plain;
	env.default_and = o->require_all;
	env.stop_words = o->stop_words && strcmp(x->language, "english") == 0;
	env.field_exists = field_exists;
	env.term_df = term_df;
	env.ctx = x;
	env.syntax = o->syntax;
	env.schema = &x->schema;
	*out = NULL;
	if (!o->no_synonyms) {
		char path[4096];

		if (att_synonyms_path(path, sizeof path, x->path) != 0)
			path[0] = '\0';
		rc = att_syncache_get(&env.synonyms, &x->syn, x->an,
		                      strcmp(x->language, "english") == 0,
		                      path[0] ? path : NULL,
		                      o->synonyms, x->msg, x->cap);
		if (rc != ATT_OK)
			return rc;
	}
	memset(&r, 0, sizeof r);
	r.q.x = x;
	if (att_sort_spec(&sf, &r.sort_desc, &x->schema, o->sort, x->msg,
	                  x->cap) != 0)
		return ATT_EINVAL;
	r.sort_f = sf != NULL ? att_schema_find(&x->schema, sf, strlen(sf)) : -1;
	rc = att_xfacets_plan(&r.fx, &xst, x->db, &x->schema, o->facets,
	                      o->nfacets, x->msg, x->cap);
	if (xst != ATT_X_OK)
		rc = fail(x, xstatus(x, xst), "%s: %s", x->path, att_xdb_errmsg(x->db));
	if (rc == ATT_OK)
		rc = att_query_parse_filtered(&q, &env, query, len, o->filters,
		                              o->nfilters, x->msg, x->cap);
	if (rc == ATT_EEMPTY && o->syntax != ATT_SYNTAX_STRICT)
		rc = att_results_nothing(out, &q, o->explain);
	if (rc == ATT_OK && *out != NULL && r.fx.nfc > 0) { /* facets of none */
		rc = facet_answers(&r, NULL);
		(*out)->facets = r.fres;
		(*out)->nfacets = r.fres != NULL ? r.fx.nfc : 0;
		r.fres = NULL;
	}
	if (rc != ATT_OK || *out != NULL) {
		att_facet_res_free(r.fres, r.fx.nfc);
		att_xfacets_release(&r.fx);
		return rc;
	}
	r.q.o = o;
	r.q.forgive = o->syntax != ATT_SYNTAX_STRICT;
	r.q.notes = &q.notes;
	r.q.stop_words = env.stop_words;
	st = att_xdb_doccount(x->db, &r.q.docs);
	if (st != ATT_X_OK)
		rc = fail(x, xstatus(x, st), "%s", att_xdb_errmsg(x->db));
	if (rc == ATT_OK && !x->modified)
		rc = search(&r, out, &q);
	if (rc == ATT_OK && *out != NULL &&
	    att_results_describe(*out, &q, o->explain) != ATT_OK) {
		att_results_free(*out);
		*out = NULL;
		rc = ATT_ENOMEM;
	}
	if (rc == ATT_OK && *out != NULL && !x->modified) {
		att_suggest_env se;

		memset(&se, 0, sizeof se);
		se.an = x->an;
		se.plain = x->plain;
		se.df = term_df;
		se.near = near_terms;
		se.ctx = x;
		rc = att_suggest(&(*out)->suggestion, &q, &se,
		                 (*out)->exact && (*out)->total < ATT_SUGGEST_FEW);
		if (rc != ATT_OK) {
			att_results_free(*out);
			*out = NULL;
		}
	}
	if (rc == ATT_ENOMEM)
		snprintf(x->msg, x->cap, "out of memory");
	clear_ranking(&r);
	for (i = 0; i < r.q.npos; i++)
		att_free(r.q.pos[i].t);
	att_free(r.q.pos);
	free(r.q.err);
	att_xquery_free(r.query);
	att_free(r.sents);
	att_pscratch_release(&r.ps);
	att_facet_res_free(r.fres, r.fx.nfc);
	att_xfacets_release(&r.fx);
	if (r.inv != NULL) {
		att_docan_release(&r.da);
		att_inverter_free(r.inv);
	}
	att_free(r.dfields);
	att_query_release(&q);
	return rc;
}

/* Xapian keeps one old revision: a reader that sat through two commits
 * finds its revision discarded (any call may say so). Then the database
 * is reopened at the latest revision and the query runs again, a few
 * times at most (a writer committing very fast can discard it again). */
att_status att_xsearch(att_results **out, att_xsearcher *x, const char *query,
                       size_t len, const att_search_options *o)
{
	att_status rc = ATT_OK;
	int tries;

	if (o->title_weight != 1.0)
		return fail(x, ATT_EINVAL, "a title weight (BM25F) needs the native "
		            "backend: Xapian 1.4 has no per-field lengths");
	for (tries = 0; tries < 5; tries++) {
		att_xstatus st;

		x->modified = 0;
		rc = xsearch_once(out, x, query, len, o);
		if (!x->modified)
			break;
		att_results_free(*out);
		*out = NULL;
		st = att_xdb_reopen(x->db, NULL);
		if (st != ATT_X_OK)
			return fail(x, att_status_of_x(st), "%s: reopening: %s", x->path,
			            att_xdb_errmsg(x->db));
		rc = fail(x, ATT_EIO, "%s: the revision read was discarded five "
		          "times running: a writer commits too fast", x->path);
	}
	return rc;
}

const att_schema *att_xsearcher_schema(const att_xsearcher *x)
{
	return &x->schema;
}
