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

/* Builds the MATCH expression for QUERY in the harness's mode. */
static const char *build_match(fts *f, const char *query)
{
	char *w[MAX_WORDS];
	size_t n = bench_split_words(w, MAX_WORDS, query), i, len = 0;

	put(f, &len, "", 0);
	if (f->mode == BENCH_PHRASE)
		put(f, &len, "\"", 1);
	for (i = 0; i < n; i++) {
		if (f->mode == BENCH_PHRASE) {
			if (i > 0)
				put(f, &len, " ", 1);
			put_escaped(f, &len, w[i]);
			continue;
		}
		if (i > 0 && f->mode == BENCH_AND)
			put(f, &len, " ", 1);
		else if (i > 0)
			put(f, &len, " OR ", 4);
		put(f, &len, "\"", 1);
		put_escaped(f, &len, w[i]);
		put(f, &len, "\"", 1);
	}
	if (f->mode == BENCH_PHRASE)
		put(f, &len, "\"", 1);
	bench_words_free(w, n);
	return f->match;
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
	bench_read_jsonl(o->input, insert_doc, &f, &ndocs, &raw);
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

static int do_query(const bench_opts *o)
{
	fts f = { 0 };
	bench_queries q;
	char sql[256];
	int rc;

	if (o->contentless && o->mode == BENCH_SNIPPET) {
		fprintf(stderr, "fts5_bench: a contentless table has no text "
		        "to make snippets from\n");
		return 1;
	}
	if (sqlite3_open_v2(o->db, &f.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		die_sql(f.db, o->db);
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
	return o.action == BENCH_INDEX ? do_index(&o) : do_query(&o);
}
