/*
 * fts5_bench.c - SQLite FTS5, measured the way attache is measured.
 *
 * One of the two peer harnesses of scripts/bench/run (the other is
 * xapian_bench.cc). It does what an application built on FTS5 would do, in
 * the way FTS5's documentation recommends, so that the comparison is with
 * FTS5 at its ordinary best and not with a strawman:
 *
 *   fts5_bench index --db FILE [--contentless] DOCS.jsonl
 *       Creates a fresh database with one table
 *           CREATE VIRTUAL TABLE t USING fts5(id UNINDEXED, title, text,
 *                                             tokenize='porter unicode61')
 *       (with content='' for the contentless variant, which keeps only the
 *       index: no stored text, so no snippets), and inserts every record
 *       of the JSONL file through one prepared statement in one
 *       transaction. The time covers reading and parsing the file,
 *       inserting and COMMIT (SQLite's defaults: rollback journal,
 *       synchronous=FULL, so the commit is durable like attache's).
 *       Reports MB/s and documents/s over the title+text bytes, peak RSS
 *       (VmHWM: this process does nothing else), the database file's
 *       size, and the size of the t_data table (the segment b-tree: term
 *       keys, doclists and positions, measured with the dbstat virtual
 *       table) as its postings+positions.
 *
 *   fts5_bench query --db FILE --mode or|and|phrase|snippet [--repeat R]
 *                    [--hits N] [--times FILE] [--contentless] QUERIES.tsv
 *       Answers every "qid<TAB>query" line R times and reports the median
 *       run's median and p99 latency (bench_common.c). Each user word is
 *       wrapped in double quotes (an inner quote doubled), so no word is
 *       ever read as FTS5 syntax (AND, NEAR, column filters, '*'):
 *           or      "w1" OR "w2" OR "w3"
 *           and     "w1" "w2" "w3"            (FTS5's implicit AND)
 *           phrase  "w1 w2 w3"
 *           snippet the OR query, plus
 *                   snippet(t, 2, '<mark>', '</mark>', '…', 32) per hit
 *       The top N come from ORDER BY rank LIMIT N (rank is bm25(t) with
 *       FTS5's fixed k1 = 1.2, b = 0.75). ORDER BY rank lets FTS5 sort
 *       inside the virtual table, so SQLite evaluates the result columns,
 *       snippets included, for the N rows returned only. Each hit's id and
 *       title are read (rowid for the contentless variant), as a caller
 *       would. The statement is prepared once and reset per query.
 *
 *   fts5_bench index --db FILE --typed DOCS.jsonl
 *       The same table, plus an ordinary one beside it for the typed
 *       fields (scripts/bench/typed), as an application keeps them:
 *           CREATE TABLE m(id INTEGER PRIMARY KEY, date TEXT, category TEXT)
 *       (id = the FTS5 rowid, date "YYYY-MM-DDTHH:MM:SSZ", whose text
 *       order is time order), with an index on each of date and category,
 *       filled in the same transaction.
 *
 *   fts5_bench query --db FILE --mode filter|sort|facet|facetyear ...
 *       The typed query sets, a query being words (OR'ed as above) and
 *       optionally date:YYYY-MM-DD..YYYY-MM-DD, or "*" (every row):
 *           filter    SELECT t.id, t.title FROM t JOIN m ON m.id = t.rowid
 *                     WHERE t MATCH ?1 AND m.date BETWEEN ?2 AND ?3
 *                     ORDER BY t.rank LIMIT N
 *           sort      ... WHERE t MATCH ?1 ORDER BY m.date DESC, t.rank
 *                     LIMIT N (newest first, ties by score, as attache)
 *           facet     the top N by rank, as for or, and then
 *                     SELECT m.category, count(*) FROM t JOIN m ON
 *                     m.id = t.rowid WHERE t MATCH ?1 GROUP BY m.category
 *                     ORDER BY 2 DESC, 1 LIMIT 10
 *                     (for "*": SELECT id, title FROM t LIMIT N, and the
 *                     GROUP BY over m alone, which its category index
 *                     covers)
 *           facetyear the same, grouping by substr(m.date, 1, 4)
 *       A query's time covers both statements, as a search page shows
 *       both the hits and the counts.
 *
 *   fts5_bench check --db FILE --mode MODE QUERIES.tsv
 *       Untimed: each query's exact match count (a count(*) over the same
 *       WHERE), top-N ids and facet counts, one JSON line a query, for the
 *       driver to compare the engines (bench_common.h).
 */
#include "bench_common.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_WORDS 512  /* the benchmark's pastes have 300 */

typedef struct {
	sqlite3 *db;
	sqlite3_stmt *stmt;
	sqlite3_stmt *meta;     /* typed index: INSERT INTO m */
	/* typed query modes: [0] for words, [1] for "*" */
	sqlite3_stmt *facet[2]; /* the GROUP BY, or NULL */
	sqlite3_stmt *all_hits; /* the top N of "*" */
	sqlite3_stmt *count[2]; /* check: the exact match count */
	int check;              /* check: print each query's results */
	const char *qid;        /* check: the query being answered */
	bench_mode mode;
	int contentless;
	char *match;     /* the MATCH expression being built */
	size_t match_cap;
} fts;

static void die_sql(sqlite3 *db, const char *what)
{
	fprintf(stderr, "fts5_bench: %s: %s\n", what,
	        db ? sqlite3_errmsg(db) : "out of memory");
	exit(2);
}

static void exec_sql(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		die_sql(db, sql);
}

/* Appends S (N bytes) to the MATCH buffer, growing it. */
static void put(fts *f, size_t *len, const char *s, size_t n)
{
	if (*len + n + 1 > f->match_cap) {
		f->match_cap = 2 * (*len + n + 1);
		f->match = realloc(f->match, f->match_cap);
		if (f->match == NULL)
			die_sql(NULL, "building a query");
	}
	memcpy(f->match + *len, s, n);
	*len += n;
	f->match[*len] = '\0';
}

/* Appends WORD with every '"' doubled, the escape inside an FTS5 string. */
static void put_escaped(fts *f, size_t *len, const char *word)
{
	for (; *word; word++) {
		if (*word == '"')
			put(f, len, "\"\"", 2);
		else
			put(f, len, word, 1);
	}
}

/* Builds the MATCH expression for the N words W in MODE. */
static const char *match_of(fts *f, char **w, size_t n, bench_mode mode)
{
	size_t i, len = 0;

	put(f, &len, "", 0);
	if (mode == BENCH_PHRASE)
		put(f, &len, "\"", 1);
	for (i = 0; i < n; i++) {
		if (mode == BENCH_PHRASE) {
			if (i > 0)
				put(f, &len, " ", 1);
			put_escaped(f, &len, w[i]);
			continue;
		}
		if (i > 0 && mode == BENCH_AND)
			put(f, &len, " ", 1);
		else if (i > 0)
			put(f, &len, " OR ", 4);
		put(f, &len, "\"", 1);
		put_escaped(f, &len, w[i]);
		put(f, &len, "\"", 1);
	}
	if (mode == BENCH_PHRASE)
		put(f, &len, "\"", 1);
	return f->match;
}

/* Builds the MATCH expression for QUERY in the harness's mode. */
static const char *build_match(fts *f, const char *query)
{
	char *w[MAX_WORDS];
	size_t n = bench_split_words(w, MAX_WORDS, query);
	const char *m = match_of(f, w, n, f->mode);

	bench_words_free(w, n);
	return m;
}

static int is_typed_mode(bench_mode m)
{
	return m == BENCH_FILTER || m == BENCH_SORT || m == BENCH_FACET ||
	       m == BENCH_FACET_YEAR;
}

/* Steps ST to its end, reading every column of every row; returns the
 * rows, or -1 after an error. In check mode, prints the first column of
 * each row as a JSON string (IDS) or the first two as [value, count]. */
static long step_all(fts *f, sqlite3_stmt *st, const char *query, int pairs)
{
	long rows = 0;
	int rc, c, ncol = sqlite3_column_count(st);

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (c = 0; c < ncol; c++)
			(void)sqlite3_column_text(st, c);
		if (f->check) {
			const char *v = (const char *)sqlite3_column_text(st, 0);
			char *q = sqlite3_mprintf("%w", v ? v : "");

			if (pairs)
				printf("%s[\"%s\",%lld]", rows ? "," : "", q,
				       (long long)sqlite3_column_int64(st, 1));
			else
				printf("%s\"%s\"", rows ? "," : "", q);
			sqlite3_free(q);
		}
		rows++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "fts5_bench: query '%s': %s\n", query,
		        sqlite3_errmsg(f->db));
		return -1;
	}
	return rows;
}

/* bench_query_fn for the typed modes: the hits, then the facet counts. */
static long run_typed(void *ctx, const char *query)
{
	fts *f = ctx;
	char *w[MAX_WORDS], lo[21], hi[21];
	int has_range, all;
	size_t n = bench_split_typed(w, MAX_WORDS, query, lo, hi, &has_range);
	sqlite3_stmt *hits_st, *facet_st;
	long hits = 0, r;

	all = n == 1 && strcmp(w[0], "*") == 0;
	if (all && f->mode != BENCH_FACET && f->mode != BENCH_FACET_YEAR) {
		fprintf(stderr, "fts5_bench: '*' is for the facet modes\n");
		bench_words_free(w, n);
		return -1;
	}
	if (f->mode == BENCH_FILTER && !has_range) {
		fprintf(stderr, "fts5_bench: filter query '%s' has no range\n", query);
		bench_words_free(w, n);
		return -1;
	}
	match_of(f, w, n, BENCH_OR);
	bench_words_free(w, n);
	hits_st = all ? f->all_hits : f->stmt;
	facet_st = f->facet[all];
	if (f->check) {
		sqlite3_stmt *c = f->count[all];

		if (!all)
			sqlite3_bind_text(c, 1, f->match, -1, SQLITE_STATIC);
		if (f->mode == BENCH_FILTER) {
			sqlite3_bind_text(c, 2, lo, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(c, 3, hi, -1, SQLITE_TRANSIENT);
		}
		if (sqlite3_step(c) != SQLITE_ROW) {
			fprintf(stderr, "fts5_bench: count '%s': %s\n", query,
			        sqlite3_errmsg(f->db));
			return -1;
		}
		printf("{\"qid\":\"%s\",\"total\":%lld,\"ids\":[", f->qid,
		       (long long)sqlite3_column_int64(c, 0));
		sqlite3_reset(c);
	}
	if (!all)
		sqlite3_bind_text(hits_st, 1, f->match, -1, SQLITE_STATIC);
	if (f->mode == BENCH_FILTER) {
		sqlite3_bind_text(hits_st, 2, lo, -1, SQLITE_STATIC);
		sqlite3_bind_text(hits_st, 3, hi, -1, SQLITE_STATIC);
	}
	hits = step_all(f, hits_st, query, 0);
	if (f->check)
		printf("],\"facets\":[");
	if (hits >= 0 && facet_st != NULL) {
		if (!all)
			sqlite3_bind_text(facet_st, 1, f->match, -1, SQLITE_STATIC);
		r = step_all(f, facet_st, query, 1);
		if (r < 0)
			hits = -1;
	}
	if (f->check)
		printf("]}\n");
	return hits;
}

/* bench_query_fn: one query, its top-N rows read in full. */
static long run_one(void *ctx, const char *query)
{
	fts *f = ctx;
	const char *m = build_match(f, query);
	long hits = 0;
	int rc, c, ncol = sqlite3_column_count(f->stmt);

	sqlite3_bind_text(f->stmt, 1, m, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(f->stmt)) == SQLITE_ROW) {
		for (c = 0; c < ncol; c++)
			(void)sqlite3_column_text(f->stmt, c);
		hits++;
	}
	sqlite3_reset(f->stmt);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "fts5_bench: query '%s': %s\n", query,
		        sqlite3_errmsg(f->db));
		return -1;
	}
	return hits;
}

/* bench_doc_fn: binds one record and inserts it. */
static int insert_doc(void *ctx, const char *id, const char *title,
                      size_t title_len, const char *text, size_t text_len)
{
	fts *f = ctx;

	sqlite3_bind_text(f->stmt, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(f->stmt, 2, title, (int)title_len, SQLITE_STATIC);
	sqlite3_bind_text(f->stmt, 3, text, (int)text_len, SQLITE_STATIC);
	if (sqlite3_step(f->stmt) != SQLITE_DONE)
		die_sql(f->db, "insert");
	sqlite3_reset(f->stmt);
	return 0;
}

/* bench_typed_doc_fn: the record into t, its typed fields into m. */
static int insert_typed(void *ctx, const bench_doc *d)
{
	fts *f = ctx;

	insert_doc(ctx, d->id, d->title, d->title_len, d->text, d->text_len);
	sqlite3_bind_int64(f->meta, 1, sqlite3_last_insert_rowid(f->db));
	if (d->date)
		sqlite3_bind_text(f->meta, 2, d->date, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(f->meta, 2);
	if (d->category)
		sqlite3_bind_text(f->meta, 3, d->category, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(f->meta, 3);
	if (sqlite3_step(f->meta) != SQLITE_DONE)
		die_sql(f->db, "insert into m");
	sqlite3_reset(f->meta);
	return 0;
}

/* Sums the pages of table NAME with the dbstat virtual table, or -1. */
static long long table_bytes(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	long long n = -1;

	if (sqlite3_prepare_v2(db, "SELECT sum(pgsize) FROM dbstat WHERE name=?1",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int do_index(const bench_opts *o)
{
	fts f = { 0 };
	char *journal = sqlite3_mprintf("%s-journal", o->db);
	long ndocs;
	long long raw;
	double t0, secs;
	long rss;

	unlink(o->db);
	unlink(journal);
	sqlite3_free(journal);
	if (sqlite3_open(o->db, &f.db) != SQLITE_OK)
		die_sql(f.db, o->db);
	t0 = bench_now_us();
	exec_sql(f.db, o->contentless
	         ? "CREATE VIRTUAL TABLE t USING fts5(id UNINDEXED, title, text, "
	           "content='', tokenize='porter unicode61')"
	         : "CREATE VIRTUAL TABLE t USING fts5(id UNINDEXED, title, text, "
	           "tokenize='porter unicode61')");
	exec_sql(f.db, "BEGIN");
	if (sqlite3_prepare_v2(f.db, "INSERT INTO t(id, title, text) "
	                       "VALUES (?1, ?2, ?3)", -1, &f.stmt, NULL) != SQLITE_OK)
		die_sql(f.db, "prepare insert");
	if (o->typed) {
		exec_sql(f.db, "CREATE TABLE m(id INTEGER PRIMARY KEY, date TEXT, "
		         "category TEXT)");
		if (sqlite3_prepare_v2(f.db, "INSERT INTO m(id, date, category) "
		                       "VALUES (?1, ?2, ?3)", -1, &f.meta,
		                       NULL) != SQLITE_OK)
			die_sql(f.db, "prepare insert into m");
		bench_read_jsonl_typed(o->input, insert_typed, &f, &ndocs, &raw);
		sqlite3_finalize(f.meta);
		exec_sql(f.db, "CREATE INDEX m_date ON m(date)");
		exec_sql(f.db, "CREATE INDEX m_category ON m(category)");
		exec_sql(f.db, "ANALYZE");
	} else {
		bench_read_jsonl(o->input, insert_doc, &f, &ndocs, &raw);
	}
	sqlite3_finalize(f.stmt);
	exec_sql(f.db, "COMMIT");
	secs = (bench_now_us() - t0) / 1e6;
	rss = bench_peak_rss_kb();
	bench_print_index("fts5", o->contentless ? "contentless" : "stored",
	                  sqlite3_libversion(), ndocs, raw, secs, rss, bench_path_bytes(o->db),
	                  table_bytes(f.db, "t_data"));
	sqlite3_close(f.db);
	return 0;
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		die_sql(db, sql);
	return st;
}

/* The statements of the typed modes (see the comment at the top). */
static void prepare_typed(fts *f, const bench_opts *o)
{
	char sql[512];
	const char *group = o->mode == BENCH_FACET_YEAR ? "substr(m.date, 1, 4)"
	                                                : "m.category";

	switch (o->mode) {
	case BENCH_FILTER:
		snprintf(sql, sizeof sql, "SELECT t.id, t.title FROM t JOIN m ON "
		         "m.id = t.rowid WHERE t MATCH ?1 AND m.date BETWEEN ?2 "
		         "AND ?3 ORDER BY t.rank LIMIT %d", o->hits);
		f->stmt = prepare(f->db, sql);
		f->count[0] = prepare(f->db, "SELECT count(*) FROM t JOIN m ON "
		        "m.id = t.rowid WHERE t MATCH ?1 AND m.date BETWEEN ?2 AND ?3");
		break;
	case BENCH_SORT:
		snprintf(sql, sizeof sql, "SELECT t.id, t.title FROM t JOIN m ON "
		         "m.id = t.rowid WHERE t MATCH ?1 "
		         "ORDER BY m.date DESC, t.rank LIMIT %d", o->hits);
		f->stmt = prepare(f->db, sql);
		f->count[0] = prepare(f->db, "SELECT count(*) FROM t WHERE t MATCH ?1");
		break;
	default:
		snprintf(sql, sizeof sql, "SELECT id, title FROM t WHERE t MATCH ?1 "
		         "ORDER BY rank LIMIT %d", o->hits);
		f->stmt = prepare(f->db, sql);
		snprintf(sql, sizeof sql, "SELECT id, title FROM t LIMIT %d", o->hits);
		f->all_hits = prepare(f->db, sql);
		snprintf(sql, sizeof sql, "SELECT %s, count(*) FROM t JOIN m ON "
		         "m.id = t.rowid WHERE t MATCH ?1 GROUP BY 1 "
		         "ORDER BY 2 DESC, 1 LIMIT 10", group);
		f->facet[0] = prepare(f->db, sql);
		snprintf(sql, sizeof sql, "SELECT %s, count(*) FROM m GROUP BY 1 "
		         "ORDER BY 2 DESC, 1 LIMIT 10", group);
		f->facet[1] = prepare(f->db, sql);
		f->count[0] = prepare(f->db, "SELECT count(*) FROM t WHERE t MATCH ?1");
		f->count[1] = prepare(f->db, "SELECT count(*) FROM m");
		break;
	}
}

static void finalize_typed(fts *f)
{
	sqlite3_finalize(f->facet[0]);
	sqlite3_finalize(f->facet[1]);
	sqlite3_finalize(f->all_hits);
	sqlite3_finalize(f->count[0]);
	sqlite3_finalize(f->count[1]);
}

static int do_query(const bench_opts *o)
{
	fts f = { 0 };
	bench_queries q;
	char sql[256];
	int rc = 0;
	size_t i;

	if (o->contentless && o->mode == BENCH_SNIPPET) {
		fprintf(stderr, "fts5_bench: a contentless table has no text "
		        "to make snippets from\n");
		return 1;
	}
	if (o->action == BENCH_CHECK && !is_typed_mode(o->mode)) {
		fprintf(stderr, "fts5_bench: check is for the typed modes\n");
		return 1;
	}
	if (sqlite3_open_v2(o->db, &f.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		die_sql(f.db, o->db);
	if (is_typed_mode(o->mode)) {
		if (o->contentless) {
			fprintf(stderr, "fts5_bench: the typed modes use the "
			        "stored table\n");
			return 1;
		}
		f.mode = o->mode;
		f.check = o->action == BENCH_CHECK;
		prepare_typed(&f, o);
		bench_queries_load(&q, o->input);
		if (f.check) {
			for (i = 0; i < q.n; i++) {
				f.qid = q.qid[i];
				if (run_typed(&f, q.text[i]) < 0)
					rc = 1;
			}
		} else {
			rc = bench_run_queries(o, "fts5", "stored", &q, run_typed, &f);
		}
		bench_queries_free(&q);
		finalize_typed(&f);
		sqlite3_finalize(f.stmt);
		sqlite3_close(f.db);
		free(f.match);
		return rc;
	}
	snprintf(sql, sizeof sql, "SELECT %s FROM t WHERE t MATCH ?1 "
	         "ORDER BY rank LIMIT %d",
	         o->contentless ? "rowid"
	         : o->mode == BENCH_SNIPPET
	         ? "id, title, snippet(t, 2, '<mark>', '</mark>', '…', 32)"
	         : "id, title",
	         o->hits);
	if (sqlite3_prepare_v2(f.db, sql, -1, &f.stmt, NULL) != SQLITE_OK)
		die_sql(f.db, sql);
	f.mode = o->mode;
	f.contentless = o->contentless;
	bench_queries_load(&q, o->input);
	rc = bench_run_queries(o, "fts5", o->contentless ? "contentless" : "stored",
	                       &q, run_one, &f);
	bench_queries_free(&q);
	sqlite3_finalize(f.stmt);
	sqlite3_close(f.db);
	free(f.match);
	return rc;
}

int main(int argc, char **argv)
{
	bench_opts o;

	bench_parse_args(&o, argc, argv);
	if (o.action == BENCH_RUN) {
		fprintf(stderr, "fts5_bench: run is a xapian_bench action\n");
		return 1;
	}
	return o.action == BENCH_INDEX ? do_index(&o) : do_query(&o);
}
