/*
 * xcheck.c: `attache check` on the Xapian backend (built with
 * ATTACHE_WITH_XAPIAN).
 *
 * Two layers, as natively. First Xapian's own check of each local
 * shard's tables (what xapian-check does: every block, every B-tree,
 * the statistics). Then attache's: every document's data parses, and
 * re-analysing its stored record with docan.c gives exactly the terms,
 * wdfs and positions Xapian holds for it, the id term included, and its
 * sentence table (a value); the
 * database records a language attache knows. Remote shards are checked
 * on their own machines.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attache_xapian.h"
#include "indexer.h"

typedef struct xchecker {
	att_check_fn report;
	void *ctx;
	const char *shard;      /* the file named in reports */
	uint64_t problems;
	att_analyzer *an;
	att_inverter *inv;
	att_docan da;
	att_field *fields;
	size_t capfields;
	struct want *w;         /* the document's expected postings */
	size_t capw;
	att_buf sen;            /* its expected sentence table */
	att_schema schema;      /* the typed fields (attache:fields) */
} xchecker;

/* One expected posting: a term and a position. */
struct want {
	const char *t;
	size_t len;
	uint32_t pos;
};

static void problem(xchecker *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void problem(xchecker *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	c->problems++;
	c->report(c->ctx, c->shard, 0, buf);
}

static int term_cmp(const char *a, size_t na, const char *b, size_t nb)
{
	int d = memcmp(a, b, na < nb ? na : nb);

	return d ? d : (na > nb) - (na < nb);
}

static int cmp_want(const void *a, const void *b)
{
	const struct want *x = a, *y = b;
	int d = term_cmp(x->t, x->len, y->t, y->len);

	if (d != 0)
		return d;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The document's analysed postings, sorted, into c->w; *n of them. */
static att_status expected(xchecker *c, size_t *n, const att_xdata *xd)
{
	att_doc d;
	att_status rc;
	size_t i;

	rc = att_doc_from_record(&d, &c->fields, &c->capfields, &xd->rec);
	if (rc != ATT_OK)
		return rc;
	if (att_inverter_nterms(c->inv) > 1000000)
		att_inverter_reset(c->inv);
	rc = att_docan_run(&c->da, &d);
	if (rc != ATT_OK)
		return rc == ATT_ENOMEM ? rc : ATT_ECORRUPT;
	if (c->da.nkeys + 1 > c->capw) {
		struct want *w = att_realloc(c->w, (c->da.nkeys + 1) * sizeof *w);

		if (w == NULL)
			return ATT_ENOMEM;
		c->w = w;
		c->capw = c->da.nkeys + 1;
	}
	for (i = 0; i <= c->da.nkeys; i++) { /* keys[nkeys] is the id's */
		c->w[i].t = att_inverter_text(c->inv,
		                              (uint32_t)(c->da.keys[i] >> 32),
		                              &c->w[i].len);
		c->w[i].pos = (uint32_t)c->da.keys[i];
	}
	qsort(c->w, c->da.nkeys + 1, sizeof *c->w, cmp_want);
	*n = c->da.nkeys + 1;
	return ATT_OK;
}

/* Reports c->w[i]'s term missing from the database; returns the index
 * past its entries. */
static size_t missing(xchecker *c, att_xdocid id, const char *ident, size_t i,
                      size_t n)
{
	size_t j = i;

	problem(c, "document %u (%s): term \"%.*s\" of its text is missing",
	        (unsigned)id, ident, (int)c->w[i].len, c->w[i].t);
	while (j < n && c->w[j].len == c->w[i].len &&
	       memcmp(c->w[j].t, c->w[i].t, c->w[i].len) == 0)
		j++;
	return j;
}

/* Compares document ID's termlist with c->w[0..n), both in byte order. */
static att_status compare(xchecker *c, att_xdb *db, att_xdocid id,
                          const char *ident, size_t n)
{
	att_xiter *it = NULL;
	size_t i = 0;
	int more = 0;
	att_xstatus st = att_xdb_termlist(&it, db, id);

	while (st == ATT_X_OK && (st = att_xiter_next(it, &more)) == ATT_X_OK &&
	       more) {
		size_t len, j, k, np = 0;
		const char *t = att_xiter_term(it, &len);
		uint32_t *pos = NULL;
		int is_id = len > 0 && t[0] == ATT_ID_PREFIX;

		while (i < n && term_cmp(c->w[i].t, c->w[i].len, t, len) < 0)
			i = missing(c, id, ident, i, n);
		for (j = i; j < n && c->w[j].len == len &&
		     memcmp(c->w[j].t, t, len) == 0; j++)
			;
		if (j == i) {
			problem(c, "document %u (%s): term \"%.*s\" is not in its "
			        "stored text", (unsigned)id, ident, (int)len, t);
			continue;
		}
		if (att_xiter_wdf(it) != (is_id ? 0 : j - i))
			problem(c, "document %u (%s): term \"%.*s\" has wdf %u, its "
			        "text gives %zu", (unsigned)id, ident, (int)len, t,
			        (unsigned)att_xiter_wdf(it), is_id ? 0 : j - i);
		st = att_xdb_positions(db, &pos, &np, id, t, len);
		if (st == ATT_X_OK && !is_id) {
			for (k = 0; k < np && k < j - i &&
			     pos[k] == c->w[i + k].pos + ATT_XPOS_SHIFT; k++)
				;
			if (k != np || np != j - i)
				problem(c, "document %u (%s): term \"%.*s\": positions "
				        "differ from its text's", (unsigned)id, ident,
				        (int)len, t);
		}
		free(pos);
		i = j;
	}
	if (st != ATT_X_OK)
		problem(c, "document %u (%s): %s", (unsigned)id, ident,
		        it ? att_xiter_errmsg(it) : att_xdb_errmsg(db));
	while (st == ATT_X_OK && i < n)
		i = missing(c, id, ident, i, n);
	att_xiter_free(it);
	return st == ATT_X_ENOMEM ? ATT_ENOMEM : ATT_OK;
}

/* The document's sentence table (its value) is the one its text gives. */
static att_status sentences_match(xchecker *c, att_xdb *db, att_xdocid id,
                                  const char *ident)
{
	const char *p;
	size_t n;
	att_xstatus st = att_xdb_get_value(db, &p, &n, id, ATT_XVALUE_SENTENCES);

	att_buf_clear(&c->sen);
	att_xsentences_put(&c->sen, c->da.nsent, c->da.sent.p, c->da.sent.n);
	if (c->sen.rc != ATT_OK)
		return ATT_ENOMEM;
	if (st != ATT_X_OK)
		problem(c, "document %u (%s): %s", (unsigned)id, ident,
		        att_xdb_errmsg(db));
	else if (n != c->sen.n || memcmp(p, c->sen.p, n) != 0)
		problem(c, "document %u (%s): its sentence table (value %d) is "
		        "not the one its text gives", (unsigned)id, ident,
		        ATT_XVALUE_SENTENCES);
	return st == ATT_X_ENOMEM ? ATT_ENOMEM : ATT_OK;
}

static att_status check_doc(xchecker *c, att_xdb *db, att_xdocid id)
{
	char ident[96];
	const char *p;
	att_xdata xd;
	att_status rc;
	size_t n, np;
	att_xstatus st = att_xdb_get_data(db, &p, &np, id);

	snprintf(ident, sizeof ident, "docid %u", (unsigned)id);
	if (st != ATT_X_OK) {
		problem(c, "document %u: %s", (unsigned)id, att_xdb_errmsg(db));
		return st == ATT_X_ENOMEM ? ATT_ENOMEM : ATT_OK;
	}
	if (att_xdata_parse(&xd, (const uint8_t *)p, np) != ATT_OK) {
		problem(c, "document %u: its data is not attache's", (unsigned)id);
		return ATT_OK;
	}
	snprintf(ident, sizeof ident, "id \"%.*s\"",
	         (int)(xd.rec.id_len > 64 ? 64 : xd.rec.id_len), xd.rec.id);
	rc = expected(c, &n, &xd);
	if (rc == ATT_ECORRUPT) {
		problem(c, "document %u (%s): its stored record does not analyse",
		        (unsigned)id, ident);
		return ATT_OK;
	}
	if (rc != ATT_OK)
		return rc;
	if (c->da.title_len != xd.title_tokens)
		problem(c, "document %u (%s): title of %u tokens, its text gives %u",
		        (unsigned)id, ident, (unsigned)xd.title_tokens,
		        (unsigned)c->da.title_len);
	/* the data is no longer needed (docan copied what it keeps): its
	 * buffer on db may now hold the value */
	if ((rc = sentences_match(c, db, id, ident)) != ATT_OK)
		return rc;
	return compare(c, db, id, ident, n);
}

/* Checks one local database PATH. */
static att_status check_db(xchecker *c, att_check_result *out,
                           const char *path, const char *name)
{
	char *report = NULL, *err = NULL;
	uint64_t errors = 0;
	att_xdb *db = NULL;
	att_xiter *it = NULL;
	att_status rc = ATT_OK;
	const char *p;
	size_t n = 0;
	int more = 0;
	att_xstatus st = att_xdb_check(path, &errors, &report);

	c->shard = name;
	if (st != ATT_X_OK || errors > 0)
		problem(c, "Xapian's check: %s%s",
		        st != ATT_X_OK ? "" : "problems found: ",
		        report ? report : att_xstatus_str(st));
	free(report);
	if (st != ATT_X_OK)
		return ATT_OK;
	st = att_xdb_open(&db, &err, path);
	if (st == ATT_X_OK)
		st = att_xdb_get_metadata(db, &p, &n, "attache:language");
	if (st == ATT_X_OK && n == 0)
		problem(c, "no attache:language metadata: not written by attache");
	if (st == ATT_X_OK)
		st = att_xdb_postlist(&it, db, "", 0);
	while (st == ATT_X_OK && rc == ATT_OK &&
	       (st = att_xiter_next(it, &more)) == ATT_X_OK && more) {
		rc = check_doc(c, db, att_xiter_docid(it));
		out->documents++;
	}
	if (st != ATT_X_OK)
		problem(c, "%s", err ? err : it ? att_xiter_errmsg(it)
		        : att_xdb_errmsg(db));
	out->segments++;
	free(err);
	att_xiter_free(it);
	att_xdb_free(db);
	return st == ATT_X_ENOMEM ? ATT_ENOMEM : rc;
}

/* The language the database at PATH records ("english" if unreadable:
 * check_db reports that). */
/* PATH's language (english if it records none) and typed fields into
 * SC: 0, or -1 if its declarations do not read. */
static int language_of(char *lang, size_t cap, att_schema *sc,
                       const char *path)
{
	att_xdb *db = NULL;
	char *err = NULL, msg[128];
	const char *p, *end, *name, *type;
	size_t n = 0, nl, tl;
	int bad = 0, r, t;

	snprintf(lang, cap, "english");
	memset(sc, 0, sizeof *sc);
	if (att_xdb_open(&db, &err, path) == ATT_X_OK &&
	    att_xdb_get_metadata(db, &p, &n, "attache:language") == ATT_X_OK &&
	    n > 0 && n < cap)
		snprintf(lang, cap, "%.*s", (int)n, p);
	if (db != NULL &&
	    att_xdb_get_metadata(db, &p, &n, ATT_XMETA_FIELDS) == ATT_X_OK)
		for (end = p + n; !bad &&
		     (r = att_xmeta_field_next(&p, end, &name, &nl, &type, &tl)) != 0;) {
			t = r > 0 ? att_field_type_of(type, tl) : -1;
			bad = t < 0 || att_schema_add(sc, name, nl, (unsigned)t, msg,
			                              sizeof msg) != ATT_OK;
		}
	free(err);
	att_xdb_free(db);
	return bad ? -1 : 0;
}

att_status att_xcheck(att_check_result *out, const char *path,
                      att_index_kind kind, att_check_fn report, void *ctx)
{
	char shard[4096], lang[64], name[32] = "";
	att_status rc = ATT_OK;
	xchecker c;
	uint32_t i;

	memset(out, 0, sizeof *out);
	snprintf(out->backend, sizeof out->backend, "xapian");
	memset(&c, 0, sizeof c);
	att_buf_init(&c.sen);
	c.report = report;
	c.ctx = ctx;
	if (kind == ATT_KIND_XSTUB) {
		c.shard = "";
		problem(&c, "a stub file: check each shard it lists where it is");
		out->problems = c.problems;
		return ATT_OK;
	}
	snprintf(shard, sizeof shard, kind == ATT_KIND_XSHARDS ? "%s/shard0"
	         : "%s", path);
	if (language_of(lang, sizeof lang, &c.schema, shard) != 0) {
		c.shard = "";
		problem(&c, "the %s metadata is damaged", ATT_XMETA_FIELDS);
	}
	rc = att_analyzer_new(&c.an, lang);
	if (rc == ATT_ENOTFOUND) {
		c.shard = "";
		problem(&c, "unknown language \"%s\" in attache:language", lang);
		out->problems = c.problems;
		return ATT_OK;
	}
	if (rc == ATT_OK)
		rc = att_inverter_new(&c.inv);
	att_docan_init(&c.da, c.an, c.inv);
	c.da.schema = &c.schema;   /* keyword values are terms whole */
	for (i = 0; rc == ATT_OK; i++) {
		if (kind == ATT_KIND_XSHARDS) {
			snprintf(shard, sizeof shard, "%s/shard%u", path, (unsigned)i);
			snprintf(name, sizeof name, "shard%u", (unsigned)i);
			if (att_index_kind_of(shard) != ATT_KIND_XAPIAN)
				break;
		} else if (i > 0) {
			break;
		}
		rc = check_db(&c, out, shard, name);
	}
	out->problems = c.problems;
	att_docan_release(&c.da);
	att_inverter_free(c.inv);
	att_analyzer_free(c.an);
	att_free(c.fields);
	att_free(c.w);
	att_buf_release(&c.sen);
	return rc;
}
