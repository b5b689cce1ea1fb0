/*
 * xapian_shards.c: builds sharded Xapian databases of attache's analysed
 * terms, and searches them, for tests/e2e/shards.sh and the latency
 * table of docs/SCALING.md.
 *
 * usage:
 *   xapian_shards build --shards N --out DIR DOCS
 *   xapian_shards query DBS [--hits H] QUERIES.tsv
 *   xapian_shards time  DBS --repeat R [--hits H] [--no-data | --no-fetch]
 *                       QUERIES.tsv
 * where DBS is --db PATH_OR_STUB, or --remote HOST:PORT (repeated, one
 * a shard) with --timeout-ms MS (default 10000, Xapian's), or both.
 *
 * build reads DOCS with attache's own reader (a directory of .txt files,
 * first line the title, or a JSONL file of {"id","title","text"}) and
 * analyses each document with attache's analyser (stemmer/stemmer.h), as
 * the native writer does (docs/FORMAT.md 5.1): title tokens at positions
 * 0 .. T-1, text tokens from T + 16, one posting each, so a document's
 * Xapian length is attache's T + X. Each document also gets its id term
 * (byte 01 and the id, FORMAT.md 5.9) as a boolean term, through
 * att_xwdb_replace, and its id as its data. Every document goes to
 * DIR/all, and to DIR/shardK for K = FNV-1a-64(id) mod N. Documents keep
 * the reader's order in each database.
 *
 * query reads lines "qid<TAB>query", analyses the query with the same
 * analyser, and runs the OR of its terms (a repeated term once, with its
 * count as wqf) ranked with attache's BM25 (1.2, 0, 1, 0.75, 0.5). It
 * prints "qid rank id weight" a hit, rank from 1, weight with %.9g.
 * It asks for the page's data at once (att_xmset_fetch) before reading
 * it. --remote opens each shard with att_xdb_open_remote, with MS as
 * both its timeouts, and combines them, after --db if given, with
 * att_xdb_add: a sharded database with timeouts, which a stub cannot
 * set.
 *
 * time runs every query once to warm up, then R rounds of all of them,
 * timing each run with the monotonic clock around the search and the
 * fetching of each hit's data, att_xmset_fetch first (--no-data: the
 * search alone; --no-fetch: each hit's data read without
 * att_xmset_fetch, one round trip each to a remote shard; analysis and
 * query building are outside),
 * and prints the median and 99th percentile (nearest rank) over all
 * Q * R runs, in microseconds, on one line. The database is opened once,
 * before: connecting to remote shards is not timed.
 *
 * Exit status: 0 ok; 1 a usage or input error; 2 an error from Xapian,
 * whose message (for a remote shard, naming its host and port) goes to
 * stderr.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "attache.h"
#include "attache_xapian.h"
#include "stemmer.h"

#define TEXT_GAP 16          /* ATT_TEXT_GAP, indexer/indexer.h */
#define ID_PREFIX '\x01'     /* ATT_ID_PREFIX, format/format.h */
#define MAX_SHARDS 64
#define COMMIT_EVERY 10000   /* documents between commits */
#define MAX_LINE (64 * 1024) /* longest line of QUERIES.tsv */

/* ---- options ------------------------------------------------------------ */

typedef struct opts {
	const char *cmd, *out, *db, *input;
	const char *remote[MAX_SHARDS]; /* --remote HOST:PORT, in order */
	long shards, hits, repeat, nremote, timeout_ms;
	int no_data;  /* time: leave the hits' data unread */
	int no_fetch; /* time: read the data without att_xmset_fetch */
} opts;

static int usage(void)
{
	fputs("usage: xapian_shards build --shards N --out DIR DOCS\n"
	      "       xapian_shards query DBS [--hits H] QUERIES.tsv\n"
	      "       xapian_shards time DBS --repeat R [--hits H] "
	      "[--no-data | --no-fetch] QUERIES.tsv\n"
	      "DBS: --db PATH_OR_STUB and/or --remote HOST:PORT ... "
	      "[--timeout-ms MS]\n", stderr);
	return 1;
}

/* A whole decimal number in [lo, hi], or -1. */
static long number(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	return v;
}

/* Fills o from argv; 0 if the command line is complete, else 1. */
static int parse_args(opts *o, int argc, char **argv)
{
	int i;

	memset(o, 0, sizeof *o);
	o->hits = 10;
	o->timeout_ms = 10000;
	if (argc < 2)
		return 1;
	o->cmd = argv[1];
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (a[0] != '-' || a[1] != '-') {
			if (o->input != NULL)
				return 1;
			o->input = a;
			continue;
		}
		if (strcmp(a, "--no-data") == 0) {
			o->no_data = 1;
			continue;
		}
		if (strcmp(a, "--no-fetch") == 0) {
			o->no_fetch = 1;
			continue;
		}
		if (v == NULL)
			return 1;
		i++;
		if (strcmp(a, "--shards") == 0)
			o->shards = number(v, 1, MAX_SHARDS);
		else if (strcmp(a, "--out") == 0)
			o->out = v;
		else if (strcmp(a, "--db") == 0)
			o->db = v;
		else if (strcmp(a, "--hits") == 0)
			o->hits = number(v, 1, 10000);
		else if (strcmp(a, "--repeat") == 0)
			o->repeat = number(v, 1, 1000000);
		else if (strcmp(a, "--timeout-ms") == 0)
			o->timeout_ms = number(v, 0, 3600000);
		else if (strcmp(a, "--remote") == 0 && o->nremote < MAX_SHARDS)
			o->remote[o->nremote++] = v;
		else
			return 1;
		if (o->shards < 0 || o->hits < 0 || o->repeat < 0 ||
		    o->timeout_ms < 0)
			return 1;
	}
	if (o->input == NULL)
		return 1;
	if (strcmp(o->cmd, "build") == 0)
		return o->shards == 0 || o->out == NULL;
	if (strcmp(o->cmd, "query") == 0)
		return o->db == NULL && o->nremote == 0;
	if (strcmp(o->cmd, "time") == 0)
		return (o->db == NULL && o->nremote == 0) || o->repeat == 0;
	return 1;
}

/* ---- build -------------------------------------------------------------- */

typedef struct posting_ctx {
	att_xdoc *doc;
	uint32_t ntok;   /* tokens seen */
	att_xstatus st;  /* the first failure */
} posting_ctx;

static int on_posting(void *ctx, const att_token *tok)
{
	posting_ctx *c = ctx;

	c->ntok++;
	c->st = att_xdoc_add_posting(c->doc, tok->term, tok->term_len,
	                             tok->pos, 1);
	return c->st != ATT_X_OK;
}

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 14695981039346656037u;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211u;
	}
	return h;
}

/* Analyses one field into doc from position base; *ntok gets its token
 * count. 0 on success; 1 (bad input) or 2 (Xapian), with a message. */
static int add_field(att_analyzer *an, att_xdoc *doc, const char *p,
                     size_t n, uint32_t base, uint32_t *ntok,
                     const att_doc *d)
{
	posting_ctx c = { doc, 0, ATT_X_OK };
	size_t bad = 0;
	int rc;

	if (att_utf8_validate(&bad, p, n) != ATT_OK) {
		fprintf(stderr, "xapian_shards: %.*s: invalid UTF-8 at byte %zu\n",
		        (int)d->id_len, d->id, bad);
		return 1;
	}
	rc = att_analyze(an, p, n, base, on_posting, &c, NULL);
	if (c.st != ATT_X_OK) {
		fprintf(stderr, "xapian_shards: %.*s: %s\n", (int)d->id_len, d->id,
		        att_xdoc_errmsg(doc));
		return 2;
	}
	if (rc != ATT_OK) {
		fprintf(stderr, "xapian_shards: %.*s: analysis: %s\n",
		        (int)d->id_len, d->id, att_status_str((att_status)rc));
		return 2;
	}
	*ntok = c.ntok;
	return 0;
}

/* Makes doc from d: its terms and postings, its data. */
static int make_doc(att_xdoc *doc, att_analyzer *an, const att_doc *d)
{
	uint32_t title_tokens = 0, text_tokens = 0;
	att_xstatus st;
	int rc;

	if ((st = att_xdoc_clear(doc)) != ATT_X_OK ||
	    (st = att_xdoc_set_data(doc, d->id, d->id_len)) != ATT_X_OK) {
		fprintf(stderr, "xapian_shards: %s\n", att_xdoc_errmsg(doc));
		return 2;
	}
	rc = add_field(an, doc, d->title, d->title_len, 0, &title_tokens, d);
	if (rc == 0)
		rc = add_field(an, doc, d->text, d->text_len,
		               title_tokens + TEXT_GAP, &text_tokens, d);
	return rc;
}

typedef struct builder {
	att_xwdb *db[MAX_SHARDS + 1]; /* db[0] is all, db[1 + k] shard k */
	long nshards;
	unsigned long count[MAX_SHARDS + 1];
} builder;

/* Opens DIR/all and DIR/shard0 .. shardN-1, creating each. */
static int open_dbs(builder *b, const char *dir)
{
	char path[4096], *e = NULL;
	long k;

	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "xapian_shards: %s: %s\n", dir, strerror(errno));
		return 2;
	}
	for (k = 0; k <= b->nshards; k++) {
		if (k == 0)
			snprintf(path, sizeof path, "%s/all", dir);
		else
			snprintf(path, sizeof path, "%s/shard%ld", dir, k - 1);
		if (att_xwdb_open(&b->db[k], &e, path, ATT_XWDB_CREATE) != ATT_X_OK) {
			fprintf(stderr, "xapian_shards: %s: %s\n", path,
			        e != NULL ? e : "out of memory");
			free(e);
			return 2;
		}
	}
	return 0;
}

/* Replaces the document with d's id term by doc in database k. */
static int put_doc(builder *b, long k, const att_doc *d, att_xdoc *doc)
{
	char term[1 + 1024];

	if (d->id_len == 0 || d->id_len >= sizeof term) {
		fprintf(stderr, "xapian_shards: an id of %zu bytes\n", d->id_len);
		return 1;
	}
	term[0] = ID_PREFIX;
	memcpy(term + 1, d->id, d->id_len);
	if (att_xwdb_replace(b->db[k], NULL, term, d->id_len + 1, doc) != ATT_X_OK) {
		fprintf(stderr, "xapian_shards: %.*s: %s\n", (int)d->id_len, d->id,
		        att_xwdb_errmsg(b->db[k]));
		return 2;
	}
	b->count[k]++;
	if (b->count[k] % COMMIT_EVERY == 0 &&
	    att_xwdb_commit(b->db[k]) != ATT_X_OK) {
		fprintf(stderr, "xapian_shards: commit: %s\n",
		        att_xwdb_errmsg(b->db[k]));
		return 2;
	}
	return 0;
}

/* Reads every document of r into the databases of b. */
static int add_all(builder *b, att_reader *r, att_analyzer *an,
                   att_xdoc *doc)
{
	att_doc d;
	int has = 0, rc;
	att_status st;
	long k;

	for (;;) {
		if ((st = att_reader_next(&d, &has, r)) != ATT_OK) {
			fprintf(stderr, "xapian_shards: %s\n", att_reader_errmsg(r));
			return 1;
		}
		if (!has)
			return 0;
		if ((rc = make_doc(doc, an, &d)) != 0)
			return rc;
		k = 1 + (long)(fnv1a(d.id, d.id_len) % (uint64_t)b->nshards);
		if ((rc = put_doc(b, 0, &d, doc)) != 0 ||
		    (rc = put_doc(b, k, &d, doc)) != 0)
			return rc;
	}
}

static int cmd_build(const opts *o)
{
	builder b;
	att_reader *r = NULL;
	att_analyzer *an = NULL;
	att_xdoc *doc = NULL;
	char *e = NULL;
	int rc = 2;
	long k;

	memset(&b, 0, sizeof b);
	b.nshards = o->shards;
	if (att_reader_open(&r, o->input, ATT_INPUT_AUTO, &e) != ATT_OK) {
		fprintf(stderr, "xapian_shards: %s\n", e != NULL ? e : o->input);
		rc = 1;
		goto done;
	}
	if (att_analyzer_new(&an, "english") != ATT_OK ||
	    att_xdoc_new(&doc, &e) != ATT_X_OK) {
		fprintf(stderr, "xapian_shards: out of memory\n");
		goto done;
	}
	if ((rc = open_dbs(&b, o->out)) != 0 || (rc = add_all(&b, r, an, doc)) != 0)
		goto done;
	for (k = 0; k <= b.nshards; k++) {
		if (att_xwdb_commit(b.db[k]) != ATT_X_OK) {
			fprintf(stderr, "xapian_shards: commit: %s\n",
			        att_xwdb_errmsg(b.db[k]));
			rc = 2;
			goto done;
		}
	}
	printf("all %lu", b.count[0]);
	for (k = 1; k <= b.nshards; k++)
		printf(" shard%ld %lu", k - 1, b.count[k]);
	printf("\n");
done:
	for (k = 0; k <= MAX_SHARDS; k++)
		att_xwdb_free(b.db[k]);
	att_xdoc_free(doc);
	att_analyzer_free(an);
	att_reader_free(r);
	free(e);
	return rc;
}

/* ---- queries ------------------------------------------------------------ */

typedef struct qterm {
	char term[ATT_MAX_TERM];
	size_t len;
	uint32_t wqf;
} qterm;

typedef struct query {
	char qid[256];
	qterm terms[256]; /* a query's distinct terms; more are dropped */
	size_t nterms;
	att_xquery *q;    /* their OR; NULL when there are none */
} query;

static int on_query_token(void *ctx, const att_token *tok)
{
	query *q = ctx;
	size_t i;

	if (tok->term_len > ATT_MAX_TERM)
		return 0;
	for (i = 0; i < q->nterms; i++) {
		if (q->terms[i].len == tok->term_len &&
		    memcmp(q->terms[i].term, tok->term, tok->term_len) == 0) {
			q->terms[i].wqf++;
			return 0;
		}
	}
	if (q->nterms < sizeof q->terms / sizeof q->terms[0]) {
		memcpy(q->terms[q->nterms].term, tok->term, tok->term_len);
		q->terms[q->nterms].len = tok->term_len;
		q->terms[q->nterms].wqf = 1;
		q->nterms++;
	}
	return 0;
}

/* Builds q->q, the OR of q's terms. 0, or 2 with a message. */
static int build_query(query *q)
{
	const att_xquery *subs[256];
	att_xquery *t[256];
	char *e = NULL;
	size_t i, n = 0;
	int rc = 0;

	for (n = 0; n < q->nterms; n++) {
		if (att_xquery_term(&t[n], &e, q->terms[n].term, q->terms[n].len,
		                    q->terms[n].wqf, (uint32_t)n + 1) != ATT_X_OK) {
			rc = 2;
			goto done;
		}
		subs[n] = t[n];
	}
	if (n > 0 && att_xquery_combine(&q->q, &e, ATT_XOP_OR, subs, n, 0)
	             != ATT_X_OK)
		rc = 2;
done:
	if (rc != 0)
		fprintf(stderr, "xapian_shards: query %s: %s\n", q->qid,
		        e != NULL ? e : "out of memory");
	for (i = 0; i < n; i++)
		att_xquery_free(t[i]);
	free(e);
	return rc;
}

/* Parses one "qid<TAB>query" line into q. 0, 1 (bad line) or 2. */
static int parse_query(query *q, att_analyzer *an, char *line)
{
	char *tab = strchr(line, '\t');
	size_t n = strcspn(line, "\r\n"), bad = 0;

	line[n] = '\0';
	q->nterms = 0;
	q->q = NULL;
	if (tab == NULL || (size_t)(tab - line) >= sizeof q->qid) {
		fprintf(stderr, "xapian_shards: not qid<TAB>query: %s\n", line);
		return 1;
	}
	memcpy(q->qid, line, (size_t)(tab - line));
	q->qid[tab - line] = '\0';
	tab++;
	if (att_utf8_validate(&bad, tab, strlen(tab)) != ATT_OK) {
		fprintf(stderr, "xapian_shards: query %s: invalid UTF-8\n", q->qid);
		return 1;
	}
	if (att_analyze(an, tab, strlen(tab), 0, on_query_token, q, NULL)
	    != ATT_OK) {
		fprintf(stderr, "xapian_shards: query %s: out of memory\n", q->qid);
		return 2;
	}
	return build_query(q);
}

/* Reads every query of path into *out (*n of them). */
static int load_queries(query **out, size_t *n, const char *path)
{
	FILE *f = fopen(path, "r");
	att_analyzer *an = NULL;
	char *line = malloc(MAX_LINE);
	query *qs = NULL, *grown;
	size_t cap = 0;
	int rc = 2;

	*out = NULL;
	*n = 0;
	if (f == NULL) {
		fprintf(stderr, "xapian_shards: %s: %s\n", path, strerror(errno));
		rc = 1;
		goto done;
	}
	if (line == NULL || att_analyzer_new(&an, "english") != ATT_OK) {
		fprintf(stderr, "xapian_shards: out of memory\n");
		goto done;
	}
	while (fgets(line, MAX_LINE, f) != NULL) {
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			if ((grown = realloc(qs, cap * sizeof *qs)) == NULL) {
				fprintf(stderr, "xapian_shards: out of memory\n");
				goto done;
			}
			qs = grown;
		}
		if ((rc = parse_query(&qs[*n], an, line)) != 0)
			goto done;
		(*n)++;
	}
	rc = 0;
done:
	if (f != NULL)
		fclose(f);
	att_analyzer_free(an);
	free(line);
	*out = qs;
	return rc;
}

static void free_queries(query *qs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		att_xquery_free(qs[i].q);
	free(qs);
}

/* Runs q on db: *ms gets the page of hits, each hit's data read once
 * (as a caller showing them would) unless with_data is 0, asked for at once
 * (att_xmset_fetch) unless fetch is 0; print prints
 * them. 0, or 2 with the message printed. */
static int run_query(att_xmset **ms, att_xdb *db, const query *q, long hits,
                     int with_data, int fetch, int print)
{
	static const att_xbm25 bm25 = ATT_XBM25_ATTACHE;
	const char *p;
	size_t i, n;

	*ms = NULL;
	if (q->q == NULL)
		return 0;
	if (att_xdb_search(ms, db, q->q, &bm25, 0, (uint32_t)hits, 0)
	    != ATT_X_OK) {
		fprintf(stderr, "xapian_shards: query %s: %s\n", q->qid,
		        att_xdb_errmsg(db));
		return 2;
	}
	if (with_data && fetch && att_xmset_fetch(*ms) != ATT_X_OK) {
		fprintf(stderr, "xapian_shards: query %s: %s\n", q->qid,
		        att_xmset_errmsg(*ms));
		return 2;
	}
	for (i = 0; with_data && i < att_xmset_size(*ms); i++) {
		if (att_xmset_data(*ms, &p, &n, i) != ATT_X_OK) {
			fprintf(stderr, "xapian_shards: query %s: %s\n", q->qid,
			        att_xmset_errmsg(*ms));
			return 2;
		}
		if (print)
			printf("%s %zu %.*s %.9g\n", q->qid, i + 1, (int)n, p,
			       att_xmset_weight(*ms, i));
	}
	return 0;
}

/* Opens shard "HOST:PORT" with both timeouts ms into *db. 0, 1 (a bad
 * HOST:PORT) or 2, with the message printed. */
static int open_remote(att_xdb **db, const char *hostport, long ms)
{
	const char *colon = strrchr(hostport, ':');
	char host[256], *e = NULL;
	long port = colon != NULL ? number(colon + 1, 1, 65535) : -1;

	*db = NULL;
	if (port < 0 || colon == hostport ||
	    (size_t)(colon - hostport) >= sizeof host) {
		fprintf(stderr, "xapian_shards: --remote %s: not HOST:PORT\n",
		        hostport);
		return 1;
	}
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = '\0';
	if (att_xdb_open_remote(db, &e, host, (unsigned)port, (unsigned)ms,
	                        (unsigned)ms) != ATT_X_OK) {
		fprintf(stderr, "xapian_shards: %s: %s\n", hostport,
		        e != NULL ? e : "out of memory");
		free(e);
		return 2;
	}
	return 0;
}

/* Opens o->db, then adds each --remote shard to it (the first one is the
 * database when there is no --db). 0, or 1 or 2 with the message
 * printed; *db is NULL on failure. */
static int open_db(att_xdb **db, const opts *o)
{
	att_xdb *shard = NULL;
	char *e = NULL;
	long k;
	int rc = 0;

	*db = NULL;
	if (o->db != NULL && att_xdb_open(db, &e, o->db) != ATT_X_OK) {
		fprintf(stderr, "xapian_shards: %s: %s\n", o->db,
		        e != NULL ? e : "out of memory");
		free(e);
		return 2;
	}
	for (k = 0; k < o->nremote && rc == 0; k++) {
		if ((rc = open_remote(&shard, o->remote[k], o->timeout_ms)) != 0)
			break;
		if (*db == NULL) {
			*db = shard;
			shard = NULL;
		} else if (att_xdb_add(*db, shard) != ATT_X_OK) {
			fprintf(stderr, "xapian_shards: %s: %s\n", o->remote[k],
			        att_xdb_errmsg(*db));
			rc = 2;
		}
		att_xdb_free(shard);
		shard = NULL;
	}
	if (rc != 0) {
		att_xdb_free(*db);
		*db = NULL;
	}
	return rc;
}

static int cmd_query(const opts *o)
{
	query *qs = NULL;
	att_xdb *db = NULL;
	att_xmset *ms = NULL;
	size_t i, n = 0;
	int rc;

	if ((rc = load_queries(&qs, &n, o->input)) != 0 ||
	    (rc = open_db(&db, o)) != 0)
		goto done;
	for (i = 0; i < n && rc == 0; i++) {
		rc = run_query(&ms, db, &qs[i], o->hits, 1, 1, 1);
		att_xmset_free(ms);
		ms = NULL;
	}
	if (fflush(stdout) != 0)
		rc = 2;
done:
	att_xdb_free(db);
	free_queries(qs, n);
	return rc;
}

/* ---- time --------------------------------------------------------------- */

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The p-th percentile (0 < p <= 100) of the n sorted values, by nearest
 * rank. */
static double percentile(const double *v, size_t n, double p)
{
	size_t k = (size_t)((p / 100.0) * (double)n + 0.999999);

	if (k < 1)
		k = 1;
	return v[(k > n ? n : k) - 1];
}

/* One warm-up round, then o->repeat timed rounds of every query. */
static int time_rounds(double *lat, size_t *nlat, att_xdb *db,
                       const query *qs, size_t n, const opts *o)
{
	att_xmset *ms = NULL;
	double t0;
	long round;
	size_t i;
	int rc = 0;

	*nlat = 0;
	for (round = -1; round < o->repeat && rc == 0; round++) {
		for (i = 0; i < n && rc == 0; i++) {
			if (qs[i].q == NULL)
				continue;
			t0 = now_us();
			rc = run_query(&ms, db, &qs[i], o->hits, !o->no_data,
			               !o->no_fetch, 0);
			if (round >= 0)
				lat[(*nlat)++] = now_us() - t0;
			att_xmset_free(ms);
			ms = NULL;
		}
	}
	return rc;
}

static int cmd_time(const opts *o)
{
	query *qs = NULL;
	att_xdb *db = NULL;
	double *lat = NULL;
	size_t n = 0, nlat = 0;
	int rc;

	if ((rc = load_queries(&qs, &n, o->input)) != 0 ||
	    (rc = open_db(&db, o)) != 0)
		goto done;
	lat = malloc((n ? n : 1) * (size_t)o->repeat * sizeof *lat);
	if (lat == NULL) {
		fprintf(stderr, "xapian_shards: out of memory\n");
		rc = 2;
		goto done;
	}
	if ((rc = time_rounds(lat, &nlat, db, qs, n, o)) != 0)
		goto done;
	if (nlat == 0) {
		fprintf(stderr, "xapian_shards: no query has a term\n");
		rc = 1;
		goto done;
	}
	qsort(lat, nlat, sizeof *lat, cmp_double);
	printf("queries %zu repeat %ld hits %ld data %s runs %zu median_us %.1f "
	       "p99_us %.1f\n", n, o->repeat, o->hits,
	       o->no_data ? "no" : o->no_fetch ? "unfetched" : "fetched", nlat, percentile(lat, nlat, 50), percentile(lat, nlat, 99));
done:
	free(lat);
	att_xdb_free(db);
	free_queries(qs, n);
	return rc;
}

int main(int argc, char **argv)
{
	opts o;

	if (parse_args(&o, argc, argv) != 0)
		return usage();
	if (strcmp(o.cmd, "build") == 0)
		return cmd_build(&o);
	if (strcmp(o.cmd, "query") == 0)
		return cmd_query(&o);
	return cmd_time(&o);
}
