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
#include <unistd.h>

#include <check.h>

#include "attache.h"
#include "attache_xapian.h"
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

START_TEST(errors)
{
	att_writer *w = open_writer(path_in("x"), "xapian", 0);
	att_search_options o;
	att_results *r = NULL;
	att_xwdb *xw = NULL;
	char id[300], *err = NULL, stub[4096];
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
	ck_assert_int_eq(att_xwdb_open(&xw, &err, path_in("plain"),
	                               ATT_XWDB_CREATE), ATT_X_OK);
	ck_assert_int_eq(att_xwdb_commit(xw), ATT_X_OK);
	att_xwdb_free(xw);
	searcher_fails(path_in("plain"), ATT_EINVAL, "attache did not write");
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
	tcase_add_test(tc, errors);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
