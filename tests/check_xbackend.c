/*
 * check_xbackend.c: the Xapian backend through the public API
 * (include/attache.h), in a build with ATTACHE_WITH_XAPIAN.
 *
 * - writing and searching: adds, a replace, deletes by id, a reopen;
 *   exact hits, passages and marks;
 * - shards: a collection written into three shards searches with the
 *   same ids and scores (1e-9) as one database holding it;
 * - term proximity: the same scores as the native backend's;
 * - attache check: a document whose terms no longer match its stored
 *   text (rewritten through the wrapper) is reported, naming its id;
 * - typed fields: the same generated documents in a native index, a
 *   Xapian database and two Xapian shards give the same hits for
 *   ranges and filters, the same order for sorts (no value last), the
 *   same facets and the same hit values; declarations are kept, and a
 *   new field on an index with documents and a bad value are refused.
 *   The Xapian ones are written through att_xwriter (indexer.h) while
 *   att_writer_open refuses fields for the backend (writer.c);
 * - errors, each with its status and message: an id too long for a
 *   Xapian term, unknown and conflicting backends, shards without the
 *   backend, BM25F (which the backend refuses), a stub with a bad line, a stub
 *   naming a port where nothing listens, a Xapian database attache did
 *   not write.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "attache.h"
#include "attache_xapian.h"
#include "indexer.h"
#include "testdir.h"

static char *dir;

static void setup(void)
{
	dir = test_tmpdir("xbackend");
}

static void teardown(void)
{
	test_remove_tmpdir(dir);
}

static char *path_in(const char *name)
{
	static char buf[4096];

	snprintf(buf, sizeof buf, "%s/%s", dir, name);
	return buf;
}

static void add(att_writer *w, const char *id, const char *title,
                const char *text)
{
	att_doc d = { id, strlen(id), title, strlen(title), text, strlen(text),
	              NULL, 0 };

	ck_assert_msg(att_writer_add(w, &d) == ATT_OK, "%s",
	              att_writer_errmsg(w));
}

static att_writer *open_writer(const char *path, const char *backend,
                               uint32_t shards)
{
	att_writer_options o;
	att_writer *w = NULL;
	char *msg = NULL;
	att_status rc;

	att_writer_options_init(&o);
	o.backend = backend;
	o.shards = shards;
	rc = att_writer_open(&w, path, &o, &msg);
	ck_assert_msg(rc == ATT_OK, "%s", msg ? msg : "");
	return w;
}

static att_searcher *open_searcher(const char *path)
{
	att_searcher *s = NULL;
	char *msg = NULL;
	att_status rc = att_searcher_open(&s, path, &msg);

	ck_assert_msg(rc == ATT_OK, "%s", msg ? msg : "");
	return s;
}

/* The ids of QUERY's hits, joined by spaces. */
static const char *ids(att_searcher *s, const char *query)
{
	static char buf[1024];
	att_results *r = NULL;
	size_t i, n = 0;
	att_status rc = att_search(&r, s, query, strlen(query), NULL);

	ck_assert_msg(rc == ATT_OK, "%s: %s", query, att_searcher_errmsg(s));
	buf[0] = '\0';
	for (i = 0; i < att_results_count(r); i++) {
		att_hit h;

		att_results_hit(&h, r, i);
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%.*s", i ? " " : "",
		                      (int)h.id_len, h.id);
	}
	att_results_free(r);
	return buf;
}

START_TEST(write_search)
{
	att_writer *w = open_writer(path_in("x"), "xapian", 0);
	att_searcher *s;
	att_results *r = NULL;
	att_passage p;
	att_hit h;
	uint32_t gone = 9;
	int changed = 0;

	ck_assert_str_eq(att_writer_backend(w), "xapian");
	add(w, "a", "Gas pipeline", "The pipeline from Baku opens. It is long.");
	add(w, "b", "Grain", "Ships carry grain across the Black Sea.");
	add(w, "c", "Talks", "Negotiators met in Geneva about the pipeline.");
	/* a title starting with a word twice: positions 0 and 1, which
	 * Xapian 1.4.22 alone would read back as {1} (ATT_XPOS_SHIFT) */
	add(w, "d", "Bora Bora", "An island.");
	ck_assert_int_eq(att_writer_commit(w), ATT_OK);
	s = open_searcher(path_in("x"));
	ck_assert_str_eq(att_searcher_backend(s), "xapian");
	ck_assert_str_eq(ids(s, "pipeline"), "a c");
	ck_assert_str_eq(ids(s, "\"black sea\""), "b");
	ck_assert_str_eq(ids(s, "pipeline -geneva"), "a");
	ck_assert_str_eq(ids(s, "title:grain"), "b");
	ck_assert_str_eq(ids(s, "negotiat*"), "c");
	ck_assert_str_eq(ids(s, "\"bora bora\""), "d");
	ck_assert_str_eq(ids(s, "title:\"bora bora\""), "d");

	/* passages: the sentence with the words, marked */
	ck_assert_int_eq(att_search(&r, s, "Baku pipeline", 13, NULL), ATT_OK);
	ck_assert_uint_eq(att_results_count(r), 2);
	att_results_hit(&h, r, 0);
	ck_assert_int_eq(h.npassages, 1);
	att_results_passage(&p, r, 0, 0);
	ck_assert_str_eq(p.text, "The pipeline from Baku opens. It is long.");
	ck_assert_uint_eq(p.nmarks, 2);
	ck_assert_uint_eq(p.marks[0].start, 4);
	ck_assert_uint_eq(p.marks[0].end, 12);
	ck_assert_uint_eq(p.marks[1].start, 18);
	ck_assert(h.score > h.doc_score && h.doc_score > 0);
	att_results_free(r);

	/* replace b, delete c, delete what is not there */
	add(w, "b", "Grain", "A pipeline for grain.");
	ck_assert_uint_eq(att_writer_replaced(w), 1);
	ck_assert_int_eq(att_writer_delete(&gone, w, "c", 1), ATT_OK);
	ck_assert_uint_eq(gone, 1);
	ck_assert_int_eq(att_writer_delete(&gone, w, "zz", 2), ATT_OK);
	ck_assert_uint_eq(gone, 0);
	ck_assert_str_eq(ids(s, "pipeline"), "a c"); /* not committed */
	ck_assert_int_eq(att_writer_commit(w), ATT_OK);
	ck_assert_int_eq(att_searcher_reopen(&changed, s), ATT_OK);
	ck_assert_int_eq(changed, 1);
	/* b matches now and c is gone; a, with the word in its title and
	 * its text, ranks above b, where it is once */
	ck_assert_str_eq(ids(s, "pipeline"), "a b");
	{ /* documents by id: the replacement; none for the deleted */
		att_doc d;
		int found = -1;

		ck_assert_int_eq(att_searcher_document(&d, &found, s, "b", 1),
		                 ATT_OK);
		ck_assert_int_eq(found, 1);
		ck_assert(d.text_len == 21 &&
		          memcmp(d.text, "A pipeline for grain.", 21) == 0);
		ck_assert(d.title_len == 5 && memcmp(d.title, "Grain", 5) == 0);
		ck_assert_int_eq(att_searcher_document(&d, &found, s, "c", 1),
		                 ATT_OK);
		ck_assert_int_eq(found, 0);
	}
	ck_assert_str_eq(ids(s, "\"black sea\""), "");
	att_searcher_free(s);
	att_writer_free(w);
}
END_TEST

START_TEST(shards_equal_one)
{
	att_writer *one = open_writer(path_in("one"), "xapian", 0);
	att_writer *three = open_writer(path_in("three"), "xapian", 3);
	static const char *words[] = { "pipeline", "grain", "summit", "treaty",
	                               "sanctions", "corridor", "election" };
	static const char *queries[] = { "pipeline", "grain summit",
	                                 "\"treaty sanctions\"", "corridor^2 election" };
	att_searcher *a, *b;
	char id[16], text[256];
	size_t i, q, k;

	for (i = 0; i < 60; i++) {
		size_t n = 0;

		for (k = 0; k < 8 + i % 5; k++)
			n += (size_t)snprintf(text + n, sizeof text - n, "%s ",
			                      words[(i + k * k) % 7]);
		snprintf(id, sizeof id, "d%zu", i);
		add(one, id, "", text);
		add(three, id, "", text);
	}
	ck_assert_uint_eq(att_writer_segments(three), 3);
	ck_assert_int_eq(att_writer_commit(one), ATT_OK);
	ck_assert_int_eq(att_writer_commit(three), ATT_OK);
	a = open_searcher(path_in("one"));
	b = open_searcher(path_in("three"));
	for (q = 0; q < sizeof queries / sizeof queries[0]; q++) {
		att_results *ra = NULL, *rb = NULL;

		ck_assert_int_eq(att_search(&ra, a, queries[q], strlen(queries[q]),
		                            NULL), ATT_OK);
		ck_assert_int_eq(att_search(&rb, b, queries[q], strlen(queries[q]),
		                            NULL), ATT_OK);
		ck_assert_uint_eq(att_results_count(ra), att_results_count(rb));
		ck_assert_uint_gt(att_results_count(ra), 0);
		for (i = 0; i < att_results_count(ra); i++) {
			att_hit x, y;

			att_results_hit(&x, ra, i);
			att_results_hit(&y, rb, i);
			ck_assert_msg(fabs(x.score - y.score) <= 1e-9 * x.score,
			              "%s rank %zu: %g vs %g", queries[q], i, x.score,
			              y.score);
		}
		att_results_free(ra);
		att_results_free(rb);
	}
	att_searcher_free(a);
	att_searcher_free(b);
	att_writer_free(one);
	att_writer_free(three);
}
END_TEST

/*
 * Term proximity is computed by the same function on both backends
 * (proximity.c), from the same positions and idf; with no titles and no
 * fields Xapian's document lengths are attache's, so the scores agree.
 */
START_TEST(proximity_same_as_native)
{
	static const char *const docs[] = {
		"gas pipeline talks resumed in baku", "the pipeline carries gas west",
		"talks on grain", "gas prices rose as the talks on the pipeline stalled",
		"pipeline", "grain and gas",
	};
	static const char *queries[] = { "gas pipeline", "pipeline talks gas",
	                                 "grain gas", "\"gas pipeline\" talks" };
	att_writer *wx = open_writer(path_in("x"), "xapian", 0);
	att_writer *wn = open_writer(path_in("n"), "native", 0);
	att_search_options o;
	att_searcher *x, *n;
	char id[16];
	size_t i, q, hits = 0;

	for (i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		snprintf(id, sizeof id, "d%zu", i);
		add(wx, id, "", docs[i]);
		add(wn, id, "", docs[i]);
	}
	ck_assert_int_eq(att_writer_commit(wx), ATT_OK);
	ck_assert_int_eq(att_writer_commit(wn), ATT_OK);
	x = open_searcher(path_in("x"));
	n = open_searcher(path_in("n"));
	att_search_options_init(&o);
	o.proximity_weight = 1;
	for (q = 0; q < sizeof queries / sizeof queries[0]; q++) {
		att_results *rx = NULL, *rn = NULL;
		size_t j;

		ck_assert_int_eq(att_search(&rx, x, queries[q], strlen(queries[q]),
		                            &o), ATT_OK);
		ck_assert_int_eq(att_search(&rn, n, queries[q], strlen(queries[q]),
		                            &o), ATT_OK);
		for (i = 0; i < att_results_count(rx); i++) {
			att_hit a, b;

			att_results_hit(&a, rx, i);
			for (j = 0; j < att_results_count(rn); j++) {
				att_results_hit(&b, rn, j);
				if (a.id_len == b.id_len &&
				    memcmp(a.id, b.id, a.id_len) == 0)
					break;
			}
			ck_assert_msg(j < att_results_count(rn), "%s: %.*s only on "
			              "Xapian", queries[q], (int)a.id_len, a.id);
			ck_assert_msg(fabs(a.proximity_score - b.proximity_score) <= 1e-9,
			              "%s, %.*s: proximity %.17g on Xapian, %.17g "
			              "natively", queries[q], (int)a.id_len, a.id,
			              a.proximity_score, b.proximity_score);
			ck_assert_double_eq_tol(a.score, a.doc_score + o.passage_weight *
			                        a.passage_score + a.proximity_score, 1e-9);
			hits += a.proximity_score > 0;
		}
		att_results_free(rx);
		att_results_free(rn);
	}
	ck_assert_uint_ge(hits, 6); /* proximity did score something */
	att_searcher_free(x);
	att_searcher_free(n);
	att_writer_free(wx);
	att_writer_free(wn);
}
END_TEST

static void count_problem(void *ctx, const char *file, uint64_t off,
                          const char *problem)
{
	char *seen = ctx;

	(void)file;
	(void)off;
	strncat(seen, problem, 4096 - strlen(seen) - 2);
	strcat(seen, "\n");
}

START_TEST(check_finds_rewritten_terms)
{
	static char seen[4096];
	att_writer *w = open_writer(path_in("x"), "xapian", 0);
	att_check_result res;
	att_xwdb *xw = NULL;
	att_xdoc *doc = NULL;
	att_xdb *db = NULL;
	char *err = NULL, *data;
	const char *p;
	size_t n;

	add(w, "a", "Gas", "The pipeline from Baku opens.");
	add(w, "b", "Grain", "Ships carry grain.");
	ck_assert_int_eq(att_writer_commit(w), ATT_OK);
	att_writer_free(w);
	seen[0] = '\0';
	ck_assert_int_eq(att_index_check(&res, path_in("x"), count_problem, seen),
	                 ATT_OK);
	ck_assert_msg(res.problems == 0, "%s", seen);
	ck_assert_uint_eq(res.documents, 2);
	ck_assert_str_eq(res.backend, "xapian");

	/* document a keeps its data, but its terms become others */
	ck_assert_int_eq(att_xdb_open(&db, &err, path_in("x")), ATT_X_OK);
	ck_assert_int_eq(att_xdb_get_data(db, &p, &n, 1), ATT_X_OK);
	data = malloc(n);
	memcpy(data, p, n);
	att_xdb_free(db);
	ck_assert_int_eq(att_xwdb_open(&xw, &err, path_in("x"), ATT_XWDB_OPEN),
	                 ATT_X_OK);
	ck_assert_int_eq(att_xdoc_new(&doc, &err), ATT_X_OK);
	ck_assert_int_eq(att_xdoc_add_posting(doc, "pipelin", 7, 17, 1), ATT_X_OK);
	ck_assert_int_eq(att_xdoc_add_posting(doc, "bogus", 5, 3, 1), ATT_X_OK);
	ck_assert_int_eq(att_xdoc_set_data(doc, data, n), ATT_X_OK);
	ck_assert_int_eq(att_xwdb_replace(xw, NULL, "\001a", 2, doc), ATT_X_OK);
	ck_assert_int_eq(att_xwdb_commit(xw), ATT_X_OK);
	att_xdoc_free(doc);
	att_xwdb_free(xw);
	free(data);

	seen[0] = '\0';
	ck_assert_int_eq(att_index_check(&res, path_in("x"), count_problem, seen),
	                 ATT_OK);
	ck_assert_uint_ge(res.problems, 2);
	ck_assert_msg(strstr(seen, "document 1 (id \"a\"): term \"bogus\" is not "
	                     "in its stored text") != NULL, "%s", seen);
	ck_assert_msg(strstr(seen, "document 1 (id \"a\"): term \"pipelin\": "
	                     "positions differ") != NULL, "%s", seen);
	ck_assert_msg(strstr(seen, "document 1 (id \"a\"): term \"baku\" of its "
	                     "text is missing") != NULL, "%s", seen);
	/* the replacement has no sentence table either */
	ck_assert_msg(strstr(seen, "document 1 (id \"a\"): its sentence table "
	                     "(value 0) is not the one its text gives") != NULL,
	              "%s", seen);
}
END_TEST

/* A Xapian database at NAME written through attache's Xapian layer but
 * not by its writer: no attache metadata; DOCS empty documents. */
static void plain_xapian_db(const char *name, int docs)
{
	att_xwdb *xw = NULL;
	char *err = NULL;

	ck_assert_int_eq(att_xwdb_open(&xw, &err, path_in(name),
	                               ATT_XWDB_CREATE), ATT_X_OK);
	while (docs-- > 0) {
		att_xdoc *xd = NULL;
		att_xdocid xid;

		ck_assert_int_eq(att_xdoc_new(&xd, NULL), ATT_X_OK);
		ck_assert_int_eq(att_xwdb_add(xw, &xid, xd), ATT_X_OK);
		att_xdoc_free(xd);
	}
	ck_assert_int_eq(att_xwdb_commit(xw), ATT_X_OK);
	att_xwdb_free(xw);
}

/* att_writer_open's status and message for PATH with BACKEND, SHARDS. */
static void writer_fails(const char *path, const char *backend,
                         uint32_t shards, att_status want, const char *part)
{
	att_writer_options o;
	att_writer *w = NULL;
	char *msg = NULL;

	att_writer_options_init(&o);
	o.backend = backend;
	o.shards = shards;
	ck_assert_int_eq(att_writer_open(&w, path, &o, &msg), want);
	ck_assert_ptr_null(w);
	ck_assert_msg(msg && strstr(msg, part), "%s lacks %s", msg, part);
	free(msg);
}

static void searcher_fails(const char *path, att_status want,
                           const char *part)
{
	att_searcher *s = NULL;
	char *msg = NULL;

	ck_assert_int_eq(att_searcher_open_timeout(&s, path, 2000, &msg), want);
	ck_assert_ptr_null(s);
	ck_assert_msg(msg && strstr(msg, part), "%s lacks %s", msg, part);
	free(msg);
}

/* ---- typed fields --------------------------------------------------------- */

static const att_field_decl typed[] = {
	{ "date", ATT_FIELD_DATE }, { "places", ATT_FIELD_KEYWORD },
	{ "price", ATT_FIELD_NUMBER },
};

/* Document I of the typed collection: its fields in F (3), their text in
 * BUF. Every 7th has no date, every 5th no price, every 6th no places. */
static att_doc typed_doc(att_field *f, char (*buf)[128], unsigned i)
{
	static const char *const pl[] = { "USA", "Japan", "UK", "France" };
	att_doc d;
	size_t n = 0;

	memset(&d, 0, sizeof d);
	snprintf(buf[0], 128, "t%02u", i);
	snprintf(buf[1], 128, "%s %u", i % 3 ? "oil" : "gas", i);
	snprintf(buf[2], 128, "report %u on %s trade%s", i, i % 2 ? "oil" : "grain",
	         i % 4 ? "" : " oil oil");
	d.id = buf[0], d.id_len = strlen(buf[0]);
	d.title = buf[1], d.title_len = strlen(buf[1]);
	d.text = buf[2], d.text_len = strlen(buf[2]);
	if (i % 7 != 0) {
		snprintf(buf[3], 128, "1987-%02u-%02uT%02u:00:00Z", 1 + i % 6,
		         1 + i % 27, i % 24);
		f[n++] = (att_field){ "date", 4, buf[3], strlen(buf[3]) };
	}
	if (i % 6 != 0) {
		snprintf(buf[4], 128, "[\"%s\", \"%s\"]", pl[i % 4],
		         pl[(i / 4) % 4]);
		f[n++] = (att_field){ "places", 6, buf[4], strlen(buf[4]) };
	}
	if (i % 5 != 0) {
		snprintf(buf[5], 128, "%u.5", (i * 37) % 101);
		f[n++] = (att_field){ "price", 5, buf[5], strlen(buf[5]) };
	}
	d.fields = f;
	d.nfields = n;
	return d;
}

#define TYPED_DOCS 60

static void write_native_typed(const char *path)
{
	att_writer_options o;
	att_writer *w = NULL;
	char *msg = NULL, buf[6][128];
	att_field f[3];
	unsigned i;

	att_writer_options_init(&o);
	o.backend = "native";
	o.fields = typed;
	o.nfields = 3;
	ck_assert_msg(att_writer_open(&w, path, &o, &msg) == ATT_OK, "%s", msg);
	for (i = 0; i < TYPED_DOCS; i++) {
		att_doc d = typed_doc(f, buf, i);

		ck_assert_msg(att_writer_add(w, &d) == ATT_OK, "%s",
		              att_writer_errmsg(w));
	}
	ck_assert_int_eq(att_writer_commit(w), ATT_OK);
	att_writer_free(w);
}

static att_xwriter *open_xtyped(const char *path, uint32_t shards,
                                size_t nfields, att_status want, char *msg)
{
	att_writer_options o;
	att_xwriter *x = NULL;
	att_status rc;

	att_writer_options_init(&o);
	o.backend = "xapian";
	o.shards = shards;
	o.fields = typed;
	o.nfields = nfields;
	msg[0] = '\0';
	rc = att_xwriter_open(&x, path, &o, att_index_kind_of(path), msg, 512);
	ck_assert_msg(rc == want, "%s: %s", path, msg);
	return x;
}

static void write_xapian_typed(const char *path, uint32_t shards)
{
	char msg[512], buf[6][128];
	att_xwriter *x = open_xtyped(path, shards, 3, ATT_OK, msg);
	att_field f[3];
	unsigned i;
	int replaced;

	for (i = 0; i < TYPED_DOCS; i++) {
		att_doc d = typed_doc(f, buf, i);

		ck_assert_msg(att_xwriter_add(x, &replaced, &d) == ATT_OK, "%s", msg);
	}
	ck_assert_msg(att_xwriter_commit(x) == ATT_OK, "%s", msg);
	att_xwriter_free(x);
}

/* QUERY's hits (with FILTER, SORT, FACET if not NULL) as text: ids,
 * then each hit's first value of FIELDS, then the facets. */
static char *typed_run(att_searcher *s, const char *query, const char *filter,
                       const char *sort, const char *facet, int values)
{
	static char out[3][8192];
	static int turn;
	char *b = out[turn++ % 3];
	att_search_options o;
	att_results *r = NULL;
	size_t i, k, n = 0, nv;

	att_search_options_init(&o);
	o.n = 100;
	o.filters = &filter;
	o.nfilters = filter != NULL;
	o.sort = sort;
	o.facets = &facet;
	o.nfacets = facet != NULL;
	ck_assert_msg(att_search(&r, s, query, strlen(query), &o) == ATT_OK,
	              "%s: %s", query, att_searcher_errmsg(s));
	b[0] = '\0';
	for (i = 0; i < att_results_count(r); i++) {
		att_hit h;

		att_results_hit(&h, r, i);
		n += (size_t)snprintf(b + n, 8192 - n, "%.*s", (int)h.id_len, h.id);
		for (k = 0; values && k < h.nfields; k++) {
			att_hit_field hf;

			att_results_field(&hf, r, i, k);
			n += (size_t)snprintf(b + n, 8192 - n, "%s%s=%s", k ? "," : "(",
			                      hf.name, hf.value);
		}
		n += (size_t)snprintf(b + n, 8192 - n, "%s ",
		                      values && h.nfields ? ")" : "");
	}
	for (i = 0; i < att_results_facets(r); i++) {
		const char *name = att_results_facet(r, i, &nv);

		n += (size_t)snprintf(b + n, 8192 - n, "| %s:", name);
		for (k = 0; k < nv; k++) {
			att_facet_value v;

			att_results_facet_value(&v, r, i, k);
			n += (size_t)snprintf(b + n, 8192 - n, " %s=%llu", v.value,
			                      (unsigned long long)v.count);
		}
	}
	att_results_free(r);
	return b;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* typed_run's text with the hits in byte order (facets as they were). */
static char *in_order(const char *run)
{
	static char out[4][8192];
	static int turn;
	char *b = out[turn++ % 4], copy[8192], *tok[200], *save = NULL, *t;
	const char *bar = strchr(run, '|');
	size_t n = 0, i, len = bar ? (size_t)(bar - run) : strlen(run);

	memcpy(copy, run, len);
	copy[len] = '\0';
	for (t = strtok_r(copy, " ", &save); t && n < 200;
	     t = strtok_r(NULL, " ", &save))
		tok[n++] = t;
	qsort(tok, n, sizeof *tok, cmp_str);
	b[0] = '\0';
	for (i = 0; i < n; i++)
		strcat(strcat(b, tok[i]), " ");
	if (bar)
		strcat(b, bar);
	return b;
}

START_TEST(typed_fields_as_native)
{
	static const char *const q[][5] = {
		/* query, filter, sort, facet; "s": the shards' order may differ
		 * among hits without a value (their docids interleave) */
		{ "date:1987-03..", NULL, NULL, NULL, "" },
		{ "price:..30", NULL, NULL, NULL, "" },
		{ "*", "date:1987-02..1987-04-10", NULL, NULL, "" },
		{ "oil", "places:usa", NULL, NULL, "" },
		{ "oil places:japan", "price:20..60.5", NULL, NULL, "" },
		{ "*", NULL, "date:asc", NULL, "s" },
		{ "*", NULL, "date:desc", NULL, "s" },
		{ "*", NULL, "price", NULL, "s" },
		{ "*", "oil date:1987", "price:desc", NULL, "s" },
		{ "*", NULL, NULL, "places", "" },
		{ "oil", NULL, NULL, "places:2", "" },
		{ "*", NULL, NULL, "date:month", "" },
		{ "gas", NULL, NULL, "date:day", "" },
		{ "*", NULL, NULL, "price:ranges=10,50.5,90", "" },
		{ "oil", "places:uk", NULL, "price:3", "" },
		{ "nothingmatches", NULL, NULL, "places", "" },
	};
	att_searcher *nat, *xap, *sh;
	size_t i;

	write_native_typed(path_in("n"));
	write_xapian_typed(path_in("x"), 0);
	write_xapian_typed(path_in("s"), 2);
	nat = open_searcher(path_in("n"));
	xap = open_searcher(path_in("x"));
	sh = open_searcher(path_in("s"));
	for (i = 0; i < sizeof q / sizeof q[0]; i++) {
		const char *a = typed_run(nat, q[i][0], q[i][1], q[i][2], q[i][3], 1);
		const char *b = typed_run(xap, q[i][0], q[i][1], q[i][2], q[i][3], 1);
		const char *c = typed_run(sh, q[i][0], q[i][1], q[i][2], q[i][3], 1);

		ck_assert_msg(strlen(a) > (q[i][3] ? 10 : 30) ||
		              strcmp(q[i][0], "nothingmatches") == 0, "%s: %s",
		              q[i][0], a);
		if (q[i][2] == NULL) { /* by score: the same hits, in any order */
			a = in_order(a);
			b = in_order(b);
		}
		ck_assert_msg(strcmp(a, b) == 0, "%s %s: native\n%s\nxapian\n%s",
		              q[i][0], q[i][2], a, b);
		if (q[i][2] == NULL || q[i][4][0] == 's')
			c = in_order(c);
		ck_assert_msg(strcmp(a[0] == '\0' || q[i][4][0] != 's' ? a
		              : in_order(a), c) == 0, "%s %s: native\n%s\nshards\n%s",
		              q[i][0], q[i][2], a, c);
	}
	/* exact answers, computed from typed_doc */
	ck_assert_str_eq(typed_run(xap, "*", "date:1987-06", "date:desc", NULL, 0),
	                 "t53 t23 t47 t17 t41 t11 t59 t05 t29 ");
	ck_assert_str_eq(strchr(typed_run(sh, "*", NULL, NULL, "places:2", 0),
	                        '|'), "| places: japan=24 france=22");
	ck_assert_str_eq(strchr(typed_run(sh, "*", NULL, NULL, "date:year", 0),
	                        '|'), "| date:year: 1987=51");
	att_searcher_free(nat);
	att_searcher_free(xap);
	att_searcher_free(sh);
}
END_TEST

START_TEST(typed_fields_declarations)
{
	char msg[512], buf[6][128];
	att_xwriter *x = open_xtyped(path_in("x"), 0, 2, ATT_OK, msg);
	att_field f[3];
	att_doc d;
	int replaced;

	ck_assert_int_eq(att_xwriter_commit(x), ATT_OK);
	att_xwriter_free(x);
	/* empty: a new field may still come; then a document */
	x = open_xtyped(path_in("x"), 0, 3, ATT_OK, msg);
	d = typed_doc(f, buf, 1);
	ck_assert_int_eq(att_xwriter_add(x, &replaced, &d), ATT_OK);
	snprintf(buf[3], 128, "1987-02-30");
	f[0].value_len = strlen(buf[3]);
	ck_assert_int_eq(att_xwriter_add(x, &replaced, &d), ATT_EINPUT);
	ck_assert_msg(strstr(msg, "document \"t01\": field \"date\": "
	                     "\"1987-02-30\" is not a date") != NULL, "%s", msg);
	ck_assert_int_eq(att_xwriter_commit(x), ATT_OK);
	att_xwriter_free(x);
	x = open_xtyped(path_in("x"), 0, 0, ATT_OK, msg); /* kept */
	att_xwriter_free(x);
	{
		att_writer_options o;
		att_field_decl other[] = { { "places", ATT_FIELD_DATE } };
		att_field_decl more[] = { { "source", ATT_FIELD_KEYWORD } };

		att_writer_options_init(&o);
		o.fields = other;
		o.nfields = 1;
		ck_assert_int_eq(att_xwriter_open(&x, path_in("x"), &o,
		                 ATT_KIND_XAPIAN, msg, sizeof msg), ATT_EINVAL);
		ck_assert_msg(strstr(msg, "places") != NULL, "%s", msg);
		o.fields = more;
		ck_assert_int_eq(att_xwriter_open(&x, path_in("x"), &o,
		                 ATT_KIND_XAPIAN, msg, sizeof msg), ATT_EINVAL);
		ck_assert_msg(strstr(msg, "field \"source\" is not declared in ")
		              != NULL && strstr(msg, "which has documents") != NULL,
		              "%s", msg);
	}
	{
		att_searcher *s = open_searcher(path_in("x"));

		ck_assert_str_eq(typed_run(s, "date:1987-02", NULL, NULL, "places",
		                           1), "t01(date=1987-02-02T01:00:00Z,"
		                 "places=japan,places=usa,price=37.5) | places: "
		                 "japan=1 usa=1");
		att_searcher_free(s);
	}
}
END_TEST

START_TEST(errors)
{
	att_writer *w = open_writer(path_in("x"), "xapian", 0);
	att_search_options o;
	att_results *r = NULL;
	char id[300], stub[4096];
	att_doc d;
	att_searcher *s;
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	int fd;
	FILE *f;

	/* an id Xapian cannot hold as a term */
	memset(id, 'i', sizeof id);
	memset(&d, 0, sizeof d);
	d.id = id;
	d.id_len = 245;
	d.text = "text";
	d.text_len = 4;
	ck_assert_int_eq(att_writer_add(w, &d), ATT_EINVAL);
	ck_assert_ptr_nonnull(strstr(att_writer_errmsg(w), "at most 244 bytes"));
	d.id_len = 244;
	ck_assert_int_eq(att_writer_add(w, &d), ATT_OK);
	ck_assert_int_eq(att_writer_commit(w), ATT_OK);
	att_writer_free(w);

	/* backends: unknown, conflicting with what is there, shards */
	writer_fails(path_in("y"), "lucene", 0, ATT_EINVAL, "unknown backend");
	writer_fails(path_in("x"), "native", 0, ATT_EINVAL,
	             "holds a Xapian database: it cannot take the native");
	w = open_writer(path_in("n"), NULL, 0);
	add(w, "a", "", "native text");
	ck_assert_int_eq(att_writer_commit(w), ATT_OK);
	att_writer_free(w);
	writer_fails(path_in("n"), "xapian", 0, ATT_EINVAL,
	             "holds an attache index: it cannot take the xapian");
	writer_fails(path_in("z"), NULL, 2, ATT_EINVAL, "shards need the Xapian");
	writer_fails(path_in("x"), "xapian", 3, ATT_EINVAL, "has 1 shard, not 3");

	/* options the backend refuses */
	s = open_searcher(path_in("x"));
	att_search_options_init(&o);
	o.title_weight = 2;
	ck_assert_int_eq(att_search(&r, s, "text", 4, &o), ATT_EINVAL);
	ck_assert_ptr_nonnull(strstr(att_searcher_errmsg(s), "native backend"));
	att_searcher_free(s);

	/* stubs: a bad line; a remote where nothing listens */
	snprintf(stub, sizeof stub, "%s", path_in("bad.stub"));
	f = fopen(stub, "w");
	fprintf(f, "auto x\nflint somewhere\n");
	fclose(f);
	searcher_fails(stub, ATT_EINVAL, "bad.stub, line 2 (flint somewhere)");
	fd = socket(AF_INET, SOCK_STREAM, 0); /* bound, never listening */
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	snprintf(stub, sizeof stub, "%s", path_in("down.stub"));
	f = fopen(stub, "w");
	fprintf(f, "auto x\nremote 127.0.0.1:%u\n", (unsigned)ntohs(sa.sin_port));
	fclose(f);
	snprintf(id, sizeof id, "line 2 (remote 127.0.0.1:%u): NetworkError",
	         (unsigned)ntohs(sa.sin_port));
	searcher_fails(stub, ATT_EIO, id);
	close(fd);

	/* a Xapian database attache did not write */
	plain_xapian_db("plain", 0);
	searcher_fails(path_in("plain"), ATT_EINVAL, "attache did not write");
}
END_TEST

/* A creation killed before Xapian wrote iamglass leaves table files and
 * no version file (what SIGKILL left in xcrash.sh): the next run creates
 * the database over them. A committed database is opened, never
 * overwritten. */
START_TEST(killed_creation)
{
	static const char *const left[] = { "flintlock", "postlist.glass",
	                                    "termlist.glass", "v.tmp" };
	char file[8192];
	att_searcher *s;
	att_writer *w;
	size_t i;

	ck_assert_int_eq(mkdir(path_in("k"), 0755), 0);
	for (i = 0; i < sizeof left / sizeof left[0]; i++) {
		FILE *f;

		snprintf(file, sizeof file, "%s/%s", path_in("k"), left[i]);
		f = fopen(file, "w");
		ck_assert_ptr_nonnull(f);
		if (i == 3)
			fputs("partial version file of a killed run, 77 bytes or so", f);
		fclose(f);
	}
	ck_assert_int_eq(att_index_kind_of(path_in("k")), ATT_KIND_NONE);
	w = open_writer(path_in("k"), "xapian", 0);
	add(w, "a", "", "first run");
	ck_assert_int_eq(att_writer_commit(w), ATT_OK);
	att_writer_free(w);
	ck_assert_int_eq(att_index_kind_of(path_in("k")), ATT_KIND_XAPIAN);
	w = open_writer(path_in("k"), "xapian", 0);
	add(w, "b", "", "second run");
	ck_assert_int_eq(att_writer_commit(w), ATT_OK);
	att_writer_free(w);
	s = open_searcher(path_in("k"));
	ck_assert_str_eq(ids(s, "first"), "a");
	ck_assert_str_eq(ids(s, "second"), "b");
	att_searcher_free(s);

	/* killed after Xapian created the database, before attache's first
	 * commit: empty, no attache metadata; the next run stamps it */
	plain_xapian_db("e", 0);
	searcher_fails(path_in("e"), ATT_EINVAL, "attache did not write");
	w = open_writer(path_in("e"), "xapian", 0);
	add(w, "c", "", "third run");
	ck_assert_int_eq(att_writer_commit(w), ATT_OK);
	att_writer_free(w);
	s = open_searcher(path_in("e"));
	ck_assert_str_eq(ids(s, "third"), "c");
	att_searcher_free(s);

	/* a database with documents and no attache metadata is not ours */
	plain_xapian_db("o", 1);
	writer_fails(path_in("o"), "xapian", 0, ATT_EINVAL,
	             "a Xapian database attache did not write");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("xbackend");
	TCase *tc = tcase_create("xbackend");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, write_search);
	tcase_add_test(tc, shards_equal_one);
	tcase_add_test(tc, proximity_same_as_native);
	tcase_add_test(tc, check_finds_rewritten_terms);
	tcase_add_test(tc, typed_fields_as_native);
	tcase_add_test(tc, typed_fields_declarations);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, killed_creation);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
