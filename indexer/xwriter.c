/*
 * xwriter.c: the writer of the Xapian backend (built with
 * ATTACHE_WITH_XAPIAN), behind the same att_writer as the native one.
 *
 * att_writer checks a document (id, size, UTF-8, fields) the same way
 * for both backends, then hands it here. A document is analysed by
 * docan.c, the one definition of what a document contributes, so the
 * Xapian database holds exactly the native index's terms at the native
 * positions: title and text terms, the title's field terms
 * ("\x02title:TERM") and each extra field's, each added with a position
 * and a wdf of one per occurrence. Each position is stored one higher
 * (ATT_XPOS_SHIFT): Xapian 1.4.22 reads a position list of exactly {0,
 * 1} back as {1} (docs/XAPIAN.md), and a title that starts with a word
 * twice would lose its first occurrence. The id term ("\x01" ID) is a boolean
 * term, the unique key Xapian's replace_document and delete_document
 * use. A Xapian term is at most 245 bytes, so ids are at most 244 bytes
 * here (1,024 natively). A document's length, to Xapian, is the sum of
 * its wdfs, so it includes the field terms' occurrences: natively only
 * title and text count (docs/XAPIAN.md, parity).
 *
 * The document data is att_xdata_put's (xdata.c): the title's token
 * count and the stored record; the sentence table is in a value slot
 * (ATT_XVALUE_SENTENCES). Passages, snippets and `attache check` need
 * nothing else.
 *
 * Shards. With shards > 1 the index directory holds shard0 .. shardN-1,
 * each a Xapian database, and a XAPIANDB stub listing them ("auto
 * shardK"), which Xapian's own tools and att_searcher read as one
 * database. A document goes to shard FNV-1a(id) mod N, so a replace or
 * a delete finds it where it was added. A commit commits the shards one
 * after another: each shard's commit is atomic, the set's is not (a
 * crash between two shards' commits leaves the first committed).
 *
 * The database's metadata records the analyser's language
 * ("attache:language") and the data version ("attache:version"),
 * committed when the database is created: an indexing run that fails
 * leaves an empty index, which searches as one. A run killed between
 * Xapian's creating the database and that commit leaves an empty one
 * without them, which the next run stamps; the writer refuses a
 * database with documents and no attache:language (not attache's).
 *
 * Typed fields. Their declarations are the metadata "attache:fields"
 * (ATT_XMETA_FIELDS, "NAME:TYPE" lines), in every shard, read back by
 * each later run, the searcher and the checker; declaring a field again
 * with another type, or a new one on an index with documents, fails as
 * natively. docan.c reads a document's values with the schema (values.c,
 * the native writer's check), refusing a bad value before anything is
 * written, and indexes a keyword's values as the native field terms.
 * The values go into value slots (attache_xapian.h has the layout):
 * dates' and numbers' keys as 8 bytes big-endian, so Xapian's range
 * queries, sorts and match spies order them as the values, once as they
 * are and once with a marker above every key where there is none (for
 * ascending sorts); a keyword field's k-th value in a slot of its own
 * per k, so that one ValueCountMatchSpy per k counts them all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attache_xapian.h"
#include "indexer.h"

/* A Xapian (glass) term is at most this long. */
#define XAPIAN_TERM_MAX 245
#define MAX_SHARDS 1024
/* Terms interned for docan before the table is emptied. */
#define INTERN_RESET 1000000

struct att_xwriter {
	att_analyzer *an;
	att_inverter *inv;
	att_docan da;
	att_xwdb **db;
	uint32_t nshards;
	att_xdoc *doc;
	att_buf data, sen;       /* the document's data and sentence table */
	att_schema schema;       /* the typed fields */
	char *msg;
	size_t cap;
};

static att_status xerr(att_xwriter *x, att_xstatus st, const char *what,
                       const char *detail)
{
	snprintf(x->msg, x->cap, "%s: %s", what, detail);
	return att_status_of_x(st);
}

static uint32_t shard_of(const att_xwriter *x, const char *id, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (uint8_t)id[i];
		h *= 16777619u;
	}
	return x->nshards > 1 ? h % x->nshards : 0;
}

/* The shards an existing XAPIANDB in DIR lists, which must all be
 * "auto shardK" lines for K = 0, 1, ... */
static att_status read_shard_stub(uint32_t *n, const char *dir, char *msg,
                                  size_t cap)
{
	char path[4096], line[512], want[64];
	unsigned lineno = 0;
	FILE *f;

	*n = 0;
	snprintf(path, sizeof path, "%s/XAPIANDB", dir);
	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(msg, cap, "%s: %s", path, strerror(errno));
		return ATT_EIO;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		snprintf(want, sizeof want, "auto shard%u", (unsigned)*n);
		if (strcmp(line, want) != 0 || *n == MAX_SHARDS) {
			snprintf(msg, cap, "%s, line %u: \"%.80s\": attache writes only to"
			         " the local shards it made (\"%s\"); index remote shards"
			         " on their own machines", path, lineno, line, want);
			fclose(f);
			return ATT_EINVAL;
		}
		(*n)++;
	}
	fclose(f);
	if (*n == 0) {
		snprintf(msg, cap, "%s: lists no shard", path);
		return ATT_ECORRUPT;
	}
	return ATT_OK;
}

/* Writes DIR/XAPIANDB listing N shards: a temporary file, fsynced, then
 * renamed into place. */
static att_status write_shard_stub(const char *dir, uint32_t n, char *msg,
                                   size_t cap)
{
	char path[4096], tmp[4096];
	uint32_t i;
	FILE *f;
	int ok;

	snprintf(path, sizeof path, "%s/XAPIANDB", dir);
	snprintf(tmp, sizeof tmp, "%s/XAPIANDB.tmp", dir);
	f = fopen(tmp, "w");
	if (f == NULL) {
		snprintf(msg, cap, "%s: %s", tmp, strerror(errno));
		return ATT_EIO;
	}
	for (i = 0; i < n; i++)
		fprintf(f, "auto shard%u\n", (unsigned)i);
	ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok &= fclose(f) == 0;
	if (!ok || rename(tmp, path) != 0) {
		snprintf(msg, cap, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return ATT_EIO;
	}
	return ATT_OK;
}

/* The declarations of metadata P, N into S; ATT_ECORRUPT if damaged. */
static att_status schema_of_meta(att_schema *s, const char *p, size_t n,
                                 char *msg, size_t cap)
{
	const char *end = p + n, *name, *type;
	size_t nl, tl;
	int r, t;

	memset(s, 0, sizeof *s);
	while ((r = att_xmeta_field_next(&p, end, &name, &nl, &type, &tl)) != 0) {
		t = r > 0 ? att_field_type_of(type, tl) : -1;
		if (t < 0 || att_schema_add(s, name, nl, (unsigned)t, msg, cap) !=
		    ATT_OK) {
			snprintf(msg, cap, "the %s metadata is damaged",
			         ATT_XMETA_FIELDS);
			return ATT_ECORRUPT;
		}
	}
	return ATT_OK;
}

/* What the index at PATH (a database, or shards and their stub) records:
 * its language ("" if none), typed fields and number of documents. */
static att_status stored_meta(att_xwriter *x, char *lang, size_t lcap,
                              uint32_t *docs, const char *path)
{
	att_xdb *db = NULL;
	char *err = NULL;
	const char *p;
	size_t n = 0;
	att_status rc;
	att_xstatus st = att_xdb_open(&db, &err, path);

	lang[0] = '\0';
	if (st == ATT_X_OK)
		st = att_xdb_get_metadata(db, &p, &n, "attache:language");
	if (st == ATT_X_OK)
		snprintf(lang, lcap, "%.*s", (int)(n < lcap ? n : lcap - 1), p);
	if (st == ATT_X_OK)
		st = att_xdb_doccount(db, docs);
	if (st == ATT_X_OK)
		st = att_xdb_get_metadata(db, &p, &n, ATT_XMETA_FIELDS);
	if (st != ATT_X_OK) {
		snprintf(x->msg, x->cap, "%s: %s", path,
		         err ? err : att_xdb_errmsg(db));
		free(err);
		att_xdb_free(db);
		return att_status_of_x(st);
	}
	rc = schema_of_meta(&x->schema, p, n, x->msg, x->cap);
	if (rc != ATT_OK)
		snprintf(x->msg, x->cap, "%s: the %s metadata is damaged", path,
		         ATT_XMETA_FIELDS);
	att_xdb_free(db);
	return rc;
}

/* Adds O's declarations to the stored ones, as the native writer does
 * (writer.c): a field again with its type is nothing; with another
 * type, or a new field where there are DOCS documents, an error.
 * *CHANGED is 1 if a field was added. */
static att_status declare_fields(att_xwriter *x, int *changed,
                                 const att_writer_options *o,
                                 const char *path, uint32_t docs)
{
	uint32_t before = x->schema.n;
	att_status rc = att_schema_declare(&x->schema, o->fields, o->nfields,
	                                   docs > 0, path, x->msg, x->cap);

	*changed = x->schema.n != before;
	return rc;
}

/* Records the typed fields in every shard, committed with the next
 * commit. */
static att_status put_fields(att_xwriter *x, const char *path)
{
	att_buf b;
	uint32_t i;
	att_status rc = ATT_OK;

	att_buf_init(&b);
	for (i = 0; i < x->schema.n; i++)
		att_buf_printf(&b, "%s:%s\n", x->schema.f[i].name,
		               att_field_type_name(x->schema.f[i].type));
	if (b.rc != ATT_OK)
		rc = ATT_ENOMEM;
	for (i = 0; rc == ATT_OK && i < x->nshards; i++) {
		att_xstatus st = att_xwdb_set_metadata(x->db[i], ATT_XMETA_FIELDS,
		                                       (const char *)b.p, b.n);

		if (st != ATT_X_OK)
			rc = xerr(x, st, path, att_xwdb_errmsg(x->db[i]));
	}
	att_buf_release(&b);
	return rc;
}

/* Opens the shard at PATH, or creates it. A creation killed before
 * Xapian wrote its version file (iamglass) leaves table files Xapian
 * then takes for a database and fails to open; attache commits an
 * empty database as soon as it creates one, so such a directory never
 * held a commit, and is created again over what the killed run left.
 * A directory with a version file is never overwritten. */
static att_status open_shard(att_xwriter *x, const char *path, int create)
{
	att_xwdb *db = NULL;
	char *err = NULL;
	att_xstatus st = att_xwdb_open(&db, &err, path, create
	                               ? ATT_XWDB_CREATE_OR_OPEN : ATT_XWDB_OPEN);

	if (st != ATT_X_OK && create &&
	    att_index_kind_of(path) == ATT_KIND_NONE) {
		free(err);
		err = NULL;
		st = att_xwdb_open(&db, &err, path, ATT_XWDB_OVERWRITE);
	}
	if (st != ATT_X_OK) {
		att_status rc = xerr(x, st, path, err ? err : "cannot open");

		free(err);
		return rc;
	}
	x->db[x->nshards++] = db;
	return ATT_OK;
}

/* Opens or creates the shards: DIR itself, or DIR/shardK. */
static att_status open_shards(att_xwriter *x, const char *dir, uint32_t n,
                              int sharded, int create)
{
	char path[4096];
	att_status rc = ATT_OK;
	uint32_t i;

	x->db = att_calloc(n, sizeof *x->db);
	if (x->db == NULL)
		return ATT_ENOMEM;
	if (!sharded)
		return open_shard(x, dir, create);
	for (i = 0; i < n && rc == ATT_OK; i++) {
		snprintf(path, sizeof path, "%s/shard%u", dir, (unsigned)i);
		rc = open_shard(x, path, create);
	}
	return rc;
}

/* Checks LANGUAGE (NULL: the default) against STORED, the one the index
 * recorded ("" if none); the analyser is the recorded one, else the
 * asked one. */
static att_status pick_language(att_xwriter *x, const char *stored,
                                const char *language)
{
	att_status rc;

	rc = att_analyzer_new(&x->an, stored[0] ? stored
	                      : language ? language : "english");
	if (rc == ATT_ENOTFOUND) {
		snprintf(x->msg, x->cap, "unknown language \"%s\"",
		         stored[0] ? stored : language);
		return ATT_EINVAL;
	}
	if (rc != ATT_OK)
		return rc;
	if (stored[0] && language &&
	    strcmp(att_analyzer_language(x->an), language) != 0) {
		att_analyzer *want = NULL;
		int same = att_analyzer_new(&want, language) == ATT_OK &&
		    strcmp(att_analyzer_language(want), stored) == 0;

		att_analyzer_free(want);
		if (!same) {
			snprintf(x->msg, x->cap, "the index is in \"%s\", not \"%s\"",
			         stored, language);
			return ATT_EINVAL;
		}
	}
	return ATT_OK;
}

static att_status xwriter_init(att_xwriter *x, const char *path,
                               const att_writer_options *o,
                               att_index_kind kind)
{
	int existing = kind != ATT_KIND_NONE;
	int sharded = existing ? kind == ATT_KIND_XSHARDS : o->shards > 1;
	uint32_t n = !existing && o->shards > 1 ? o->shards : 1, docs = 0;
	char stored[32] = "";
	int changed = 0, stamp;
	att_status rc = ATT_OK;
	size_t i;

	if (kind == ATT_KIND_XSTUB) {
		snprintf(x->msg, x->cap, "%s is a stub file: write to the shards it"
		         " lists, each on its own machine", path);
		return ATT_EINVAL;
	}
	if (kind == ATT_KIND_XSHARDS) {
		if ((rc = read_shard_stub(&n, path, x->msg, x->cap)) != ATT_OK)
			return rc;
		sharded = 1;
	}
	if (existing && o->shards > 0 && o->shards != (sharded ? n : 1)) {
		snprintf(x->msg, x->cap, "%s has %u shard%s, not %u", path,
		         (unsigned)(sharded ? n : 1), sharded && n > 1 ? "s" : "",
		         (unsigned)o->shards);
		return ATT_EINVAL;
	}
	if (n > MAX_SHARDS) {
		snprintf(x->msg, x->cap, "at most %d shards", MAX_SHARDS);
		return ATT_EINVAL;
	}
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		snprintf(x->msg, x->cap, "%s: cannot create index directory: %s",
		         path, strerror(errno));
		return ATT_EIO;
	}
	if (existing)
		rc = stored_meta(x, stored, sizeof stored, &docs, path);
	/* an empty database without attache's metadata: a creation killed
	 * between Xapian's creating it and attache's first commit, stamped
	 * now; one with documents is someone else's */
	stamp = !existing || (rc == ATT_OK && stored[0] == '\0' && docs == 0);
	if (rc == ATT_OK && existing && stored[0] == '\0' && docs > 0) {
		snprintf(x->msg, x->cap, "%s: a Xapian database attache did not "
		         "write (no attache:language metadata)", path);
		rc = ATT_EINVAL;
	}
	if (rc == ATT_OK)
		rc = pick_language(x, stored, o->language);
	if (rc == ATT_OK)
		rc = declare_fields(x, &changed, o, path, docs);
	if (rc == ATT_OK)
		rc = open_shards(x, path, n, sharded, !existing);
	if (rc == ATT_OK && sharded && !existing)
		rc = write_shard_stub(path, n, x->msg, x->cap);
	if (rc == ATT_OK && changed)
		rc = put_fields(x, path);
	for (i = 0; rc == ATT_OK && stamp && i < x->nshards; i++) {
		const char *lang = att_analyzer_language(x->an);
		att_xstatus st = att_xwdb_set_metadata(x->db[i], "attache:language",
		                                       lang, strlen(lang));

		if (st == ATT_X_OK)
			st = att_xwdb_set_metadata(x->db[i], "attache:version", "1", 1);
		if (st == ATT_X_OK) /* an empty index is one from the start */
			st = att_xwdb_commit(x->db[i]);
		if (st != ATT_X_OK)
			rc = xerr(x, st, path, att_xwdb_errmsg(x->db[i]));
	}
	if (rc == ATT_OK && att_xdoc_new(&x->doc, NULL) != ATT_X_OK)
		rc = ATT_ENOMEM;
	if (rc == ATT_OK && att_inverter_new(&x->inv) != ATT_OK)
		rc = ATT_ENOMEM;
	if (rc == ATT_OK) {
		att_docan_init(&x->da, x->an, x->inv);
		x->da.schema = &x->schema;
	}
	return rc;
}

att_status att_xwriter_open(att_xwriter **out, const char *path,
                            const att_writer_options *o, att_index_kind kind,
                            char *msg, size_t cap)
{
	att_xwriter *x = att_calloc(1, sizeof *x);
	att_status rc;

	*out = NULL;
	if (x == NULL)
		return ATT_ENOMEM;
	x->msg = msg;
	x->cap = cap;
	att_buf_init(&x->data);
	att_buf_init(&x->sen);
	rc = xwriter_init(x, path, o, kind);
	if (rc != ATT_OK) {
		att_xwriter_free(x);
		return rc;
	}
	*out = x;
	return ATT_OK;
}

uint32_t att_xwriter_shards(const att_xwriter *x)
{
	return x->nshards;
}

/* Puts the analysed document D's typed values (x->da.vals) into
 * x->doc's slots. */
static att_status add_values(att_xwriter *x, const att_doc *d)
{
	static const uint8_t none[9] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	                                 0xff, 0xff, 0xff };
	const att_docvals *v = &x->da.vals;
	att_xstatus st = ATT_X_OK;
	uint8_t key[8];
	size_t off = 0, k;
	uint32_t f, nth = 0;
	int prev = -1;

	for (f = 0; f < x->schema.n && st == ATT_X_OK; f++) {
		if (x->schema.f[f].type == ATT_FIELD_KEYWORD)
			continue;
		att_put_u64be(key, v->key[f]);
		if (v->has[f])
			st = att_xdoc_add_value(x->doc, ATT_XVALUE_KEY(f),
			                        (const char *)key, 8);
		if (st == ATT_X_OK)
			st = att_xdoc_add_value(x->doc, ATT_XVALUE_ASC(f),
			                        (const char *)(v->has[f] ? key : none),
			                        v->has[f] ? 8 : 9);
	}
	for (k = 0; k < v->nkw && st == ATT_X_OK; k++) {
		const uint8_t *e = v->kw.p + off;
		size_t len = att_get_u16le(e + 1);

		nth = e[0] == prev ? nth + 1 : 0;
		prev = e[0];
		if (nth > ATT_XVALUE_KW_MAX) {
			snprintf(x->msg, x->cap, "document \"%.*s\": more than %u "
			         "values of field \"%s\"", (int)(d->id_len > 200 ? 200
			         : d->id_len), d->id, ATT_XVALUE_KW_MAX + 1,
			         x->schema.f[e[0]].name);
			return ATT_ELIMIT;
		}
		st = att_xdoc_add_value(x->doc, ATT_XVALUE_KW(e[0], nth),
		                        (const char *)e + 3, len);
		off += 3 + len;
	}
	if (st != ATT_X_OK)
		return xerr(x, st, "document", att_xdoc_errmsg(x->doc));
	return ATT_OK;
}

/* Fills x->doc with the analysed document D and its data. */
static att_status build_doc(att_xwriter *x, const att_doc *d)
{
	att_docan *da = &x->da;
	att_xstatus st = att_xdoc_clear(x->doc);
	size_t i;

	if (st != ATT_X_OK)
		return att_status_of_x(st);
	for (i = 0; i < da->nkeys && st == ATT_X_OK; i++) {
		size_t len;
		const char *t = att_inverter_text(x->inv,
		                                  (uint32_t)(da->keys[i] >> 32), &len);

		st = att_xdoc_add_posting(x->doc, t, len,
		                          (uint32_t)da->keys[i] + ATT_XPOS_SHIFT, 1);
	}
	att_buf_clear(&x->data);
	att_xdata_put(&x->data, d, da->title_len);
	att_buf_clear(&x->sen);
	att_xsentences_put(&x->sen, da->nsent, da->sent.p, da->sent.n);
	if (x->data.rc != ATT_OK || x->sen.rc != ATT_OK)
		return ATT_ENOMEM;
	if (st == ATT_X_OK)
		st = att_xdoc_set_data(x->doc, x->data.p, x->data.n);
	if (st == ATT_X_OK)
		st = att_xdoc_add_value(x->doc, ATT_XVALUE_SENTENCES, x->sen.p,
		                        x->sen.n);
	if (st != ATT_X_OK)
		return xerr(x, st, "document", att_xdoc_errmsg(x->doc));
	return x->schema.n > 0 ? add_values(x, d) : ATT_OK;
}

static void id_term(char *term, const char *id, size_t len)
{
	term[0] = ATT_ID_PREFIX;
	memcpy(term + 1, id, len);
}

att_status att_xwriter_add(att_xwriter *x, int *replaced, const att_doc *d)
{
	char term[XAPIAN_TERM_MAX];
	att_xwdb *db;
	att_status rc;
	att_xstatus st;

	*replaced = 0;
	if (d->id_len + 1 > XAPIAN_TERM_MAX) {
		snprintf(x->msg, x->cap, "document id of %zu bytes: the Xapian "
		         "backend takes ids of at most %d bytes", d->id_len,
		         XAPIAN_TERM_MAX - 1);
		return ATT_EINVAL;
	}
	if (att_inverter_nterms(x->inv) > INTERN_RESET)
		att_inverter_reset(x->inv); /* only docan's interning uses it */
	rc = att_docan_run(&x->da, d);
	if (rc != ATT_OK) {
		if (rc == ATT_EUTF8)
			snprintf(x->msg, x->cap, "document \"%.*s\": a field is not "
			         "valid UTF-8", (int)d->id_len, d->id);
		else if (rc == ATT_EINPUT) /* as the native writer names it */
			snprintf(x->msg, x->cap, "document \"%.*s\": %s",
			         (int)(d->id_len > 200 ? 200 : d->id_len), d->id,
			         x->da.msg);
		return rc;
	}
	if ((rc = build_doc(x, d)) != ATT_OK)
		return rc;
	id_term(term, d->id, d->id_len);
	db = x->db[shard_of(x, d->id, d->id_len)];
	st = att_xwdb_term_exists(db, replaced, term, d->id_len + 1);
	if (st == ATT_X_OK)
		st = att_xwdb_replace(db, NULL, term, d->id_len + 1, x->doc);
	if (st != ATT_X_OK)
		return xerr(x, st, "adding a document", att_xwdb_errmsg(db));
	return ATT_OK;
}

att_status att_xwriter_delete(uint32_t *deleted, att_xwriter *x,
                              const char *id, size_t len)
{
	char term[XAPIAN_TERM_MAX];
	att_xwdb *db;
	att_xstatus st;
	int found = 0;

	*deleted = 0;
	if (len + 1 > XAPIAN_TERM_MAX)
		return ATT_OK; /* no such id can be in the database */
	id_term(term, id, len);
	db = x->db[shard_of(x, id, len)];
	st = att_xwdb_delete(db, &found, term, len + 1);
	if (st != ATT_X_OK)
		return xerr(x, st, "deleting a document", att_xwdb_errmsg(db));
	*deleted = (uint32_t)found;
	return ATT_OK;
}

att_status att_xwriter_commit(att_xwriter *x)
{
	uint32_t i;

	for (i = 0; i < x->nshards; i++) {
		att_xstatus st = att_xwdb_commit(x->db[i]);

		if (st != ATT_X_OK) {
			char what[64];

			snprintf(what, sizeof what, "committing shard %u", (unsigned)i);
			return xerr(x, st, what, att_xwdb_errmsg(x->db[i]));
		}
	}
	return ATT_OK;
}

void att_xwriter_free(att_xwriter *x)
{
	uint32_t i;

	if (x == NULL)
		return;
	for (i = 0; i < x->nshards; i++)
		att_xwdb_free(x->db[i]);
	att_free(x->db);
	att_xdoc_free(x->doc);
	att_docan_release(&x->da);
	att_inverter_free(x->inv);
	att_analyzer_free(x->an);
	att_buf_release(&x->data);
	att_buf_release(&x->sen);
	att_free(x);
}
