/*
 * cmd_search.c: attache search -i INDEX QUERY
 *
 * Three outputs: text for people (matched words bold when stdout is a
 * terminal), --json (one object per query, the shape the HTTP API uses:
 * {"query","total","hits":[{"id","title","score","passages":[{"start",
 * "end","score","text"}]}]}, passage text HTML-escaped with matches in
 * <mark>...</mark>), and --trec RUNID (the six-column run format that
 * trec_eval and attache eval read). With --queries FILE every
 * "qid<TAB>query" line is answered in one process.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "server.h"

enum output { OUT_TEXT, OUT_JSON, OUT_TREC };

typedef struct sctx {
	att_searcher *s;
	att_search_options o;
	enum output out;
	const char *runid;
	int color;
	int timings;
} sctx;

static void search_usage(FILE *f)
{
	fprintf(f,
	        "usage: attache search -i INDEX [OPTIONS] QUERY...\n"
	        "       attache search -i INDEX [OPTIONS] --queries FILE\n"
	        "\n"
	        "QUERY: words, \"phrases\", \"phrase\"~N, a NEAR/N b, AND, OR, NOT,\n"
	        "+required, -excluded, (groups), prefix*, title:word, word^2\n"
	        "(docs/QUERY.md). Whatever is typed is a query: broken syntax is\n"
	        "repaired and noted; in a query in capitals AND, OR, NOT and NEAR\n"
	        "are words.\n"
	        "\n"
	        "  -i, --index DIR          the index to search\n"
	        "  -n, --hits N             hits to show (default 10)\n"
	        "      --offset N           hits to skip first (default 0)\n"
	        "  -p, --passages K         passages per hit (default 1, max 8)\n"
	        "      --json               one JSON object per query\n"
	        "      --trec RUNID         TREC run lines: qid Q0 doc rank score run\n"
	        "      --queries FILE       answer each 'qid<TAB>query' line of FILE\n"
	        "      --and                all words required (default: any, ranked)\n"
	        "      --strict             the query language exactly: malformed\n"
	        "                           syntax is an error naming its column\n"
	        "      --plain              words only: no operator, quote, bracket\n"
	        "                           or field has a meaning\n"
	        "      --filter QUERY       only documents QUERY matches, which does\n"
	        "                           not score (repeatable); with no other\n"
	        "                           QUERY, every document it matches\n"
	        "      --sort FIELD[:asc|:desc]  by a date or number field (no\n"
	        "                           value last), ties by score\n"
	        "      --facet SPEC         count values over all matches: FIELD\n"
	        "                           or FIELD:N (top N), DATE:year|month|day,\n"
	        "                           NUMBER:ranges=0,10,100 (repeatable)\n"
	        "      --synonyms FILE      synonym groups, one a line (docs/QUERY.md),\n"
	        "                           instead of the index's own file\n"
	        "      --no-synonyms        no synonyms: neither a file nor the\n"
	        "                           gazetteer of country names (English)\n"
	        "      --k1 X, --b X        BM25 parameters (default 1.2, 0.75)\n"
	        "      --title-weight X     BM25F: a title word counts X times\n"
	        "                           (default 1: title and text as one)\n"
	        "      --keep-stop-words    score optional stop words too\n"
	        "      --feedback N         RM3: expand from the best N documents\n"
	        "      --feedback-terms N   terms added (default 10)\n"
	        "      --feedback-weight X  the original query's share (0.5)\n"
	        "      --exhaustive         score every match (no pruning)\n"
	        "      --explain            show what was searched and how each\n"
	        "                           hit's score was made\n"
	        "      --timeout-ms N       Xapian backend: each remote shard's\n"
	        "                           timeout (default 10000; 0 for none)\n"
	        "      --passage-weight X   final = doc + X * passage (default 0.5;\n"
	        "                           0 with --proximity-weight 0 ranks by\n"
	        "                           document BM25 alone)\n"
	        "      --passage-words N    target passage length (default 50)\n"
	        "      --rerank-depth N     documents re-ranked by passage and\n"
	        "                           proximity (default 30)\n"
	        "      --proximity-weight X + X * term proximity (BM25TP) for the\n"
	        "                           re-ranked (default 0.5; 0: off)\n"
	        "      --color, --no-color  mark matches in bold (default: if tty)\n"
	        "      --timings            print 'time<TAB>qid<TAB>microseconds' for\n"
	        "                           each query (parse, rank, passages) on\n"
	        "                           stderr\n"
	        "  -h, --help               this help\n");
}

/* A growable string for output; the command exits on out of memory. */
typedef struct str {
	char *p;
	size_t n, cap;
} str;

static void str_add(str *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 64) * 2;
		b->p = realloc(b->p, b->cap);
		if (b->p == NULL) {
			fprintf(stderr, "attache search: out of memory\n");
			exit(EXIT_INTERNAL);
		}
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

/* Appends S[0..n) with &, <, > and " escaped. */
static void str_add_html(str *b, const char *s, size_t n)
{
	size_t i, run = 0;

	for (i = 0; i < n; i++) {
		const char *rep = s[i] == '&' ? "&amp;" : s[i] == '<' ? "&lt;"
		    : s[i] == '>' ? "&gt;" : s[i] == '"' ? "&quot;" : NULL;

		if (rep == NULL)
			continue;
		str_add(b, s + run, i - run);
		str_add(b, rep, strlen(rep));
		run = i + 1;
	}
	str_add(b, s + run, n - run);
}

/* The passage text with its matches between OPEN and CLOSE; HTML-escaped
 * if HTML. The caller frees the result. */
static char *marked(const att_passage *p, const char *open, const char *close,
                    int html)
{
	str b = { NULL, 0, 0 };
	size_t at = 0, k;

	str_add(&b, "", 0);
	for (k = 0; k < p->nmarks; k++) {
		const att_mark *m = &p->marks[k];

		if (html) {
			str_add_html(&b, p->text + at, m->start - at);
			str_add(&b, open, strlen(open));
			str_add_html(&b, p->text + m->start, m->end - m->start);
		} else {
			str_add(&b, p->text + at, m->start - at);
			str_add(&b, open, strlen(open));
			str_add(&b, p->text + m->start, m->end - m->start);
		}
		str_add(&b, close, strlen(close));
		at = m->end;
	}
	if (html)
		str_add_html(&b, p->text + at, p->text_len - at);
	else
		str_add(&b, p->text + at, p->text_len - at);
	return b.p;
}

/* The explanation, indented under the hit. */
static void print_explanation(const char *x)
{
	while (*x) {
		const char *nl = strchr(x, '\n');
		size_t n = nl ? (size_t)(nl - x) : strlen(x);

		printf("   | %.*s\n", (int)n, x);
		x += n + (nl != NULL);
	}
}

static void print_text(const sctx *c, const att_results *r, const char *qid)
{
	size_t i, k, n = att_results_count(r);

	if (qid != NULL)
		printf("# %s\n", qid);
	for (i = 0; i < att_results_notes(r); i++)
		printf("note: %s\n", att_results_note(r, i));
	if (att_results_query(r) != NULL)
		printf("searched: %s\n", att_results_query(r));
	if (att_results_suggestion(r) != NULL)
		printf("did you mean: %s\n", att_results_suggestion(r));
	if (att_results_notes(r) > 0 || att_results_query(r) != NULL ||
	    att_results_suggestion(r) != NULL)
		printf("\n");
	for (i = 0; i < n; i++) {
		att_hit h;

		att_results_hit(&h, r, i);
		printf("%zu. %.*s\n   %.*s  score %.4f (document %.4f, passage %.4f)\n",
		       c->o.offset + i + 1, (int)h.title_len, h.title, (int)h.id_len,
		       h.id, h.score, h.doc_score, h.passage_score);
		for (k = 0; k < h.nfields; k++) { /* "date 1987-03-01T..  places a, b" */
			att_hit_field f;
			const char *prev = NULL;

			if (k > 0) {
				att_results_field(&f, r, i, k - 1);
				prev = f.name;
			}
			att_results_field(&f, r, i, k);
			if (prev != NULL && strcmp(prev, f.name) == 0)
				printf(", %s", f.value);
			else
				printf("%s%s %s", k == 0 ? "   " : "  ", f.name, f.value);
		}
		if (h.nfields > 0)
			printf("\n");
		if (h.explanation != NULL)
			print_explanation(h.explanation);
		for (k = 0; k < h.npassages; k++) {
			att_passage p;
			char *t, *q;

			att_results_passage(&p, r, i, k);
			t = marked(&p, c->color ? "\033[1m" : "", c->color ? "\033[0m" : "",
			           0);
			for (q = t; *q; q++)
				if (*q == '\n' || *q == '\r' || *q == '\t' || *q == '\f')
					*q = ' ';
			if (p.page > 0)
				printf("   [p. %zu, %zu-%zu] %s\n", p.page, p.start, p.end, t);
			else
				printf("   [%zu-%zu] %s\n", p.start, p.end, t);
			free(t);
		}
		printf("\n");
	}
	for (i = 0; i < att_results_facets(r); i++) {   /* places: usa 12, uk 7 */
		size_t nv;
		const char *name = att_results_facet(r, i, &nv);

		printf("%s:", name);
		for (k = 0; k < nv; k++) {
			att_facet_value v;

			att_results_facet_value(&v, r, i, k);
			printf("%s %s %llu", k ? "," : "", v.value,
			       (unsigned long long)v.count);
		}
		printf("\n");
	}
	if (att_results_facets(r) > 0)
		printf("\n");
	printf("%zu of %s%llu matching documents\n", n,
	       att_results_total_exact(r) ? "" : "at least ",
	       (unsigned long long)att_results_total(r));
}

static void print_trec(const sctx *c, const att_results *r, const char *qid)
{
	size_t i, n = att_results_count(r);

	for (i = 0; i < n; i++) {
		att_hit h;

		att_results_hit(&h, r, i);
		printf("%s Q0 %.*s %zu %.6f %s\n", qid ? qid : "1", (int)h.id_len,
		       h.id, c->o.offset + i + 1, h.score, c->runid);
	}
}

static json_t *hit_json(const att_results *r, size_t i)
{
	json_t *hit = json_object(), *ps = json_array();
	att_hit h;
	size_t k;

	att_results_hit(&h, r, i);
	json_object_set_new(hit, "id", json_stringn(h.id, h.id_len));
	json_object_set_new(hit, "title", json_stringn(h.title, h.title_len));
	json_object_set_new(hit, "score", json_real(h.score));
	json_object_set_new(hit, "doc_score", json_real(h.doc_score));
	json_object_set_new(hit, "passage_score", json_real(h.passage_score));
	if (h.nfields > 0)
		json_object_set_new(hit, "fields", srv_typed_fields(r, i));
	if (h.explanation != NULL)
		json_object_set_new(hit, "explanation", json_string(h.explanation));
	for (k = 0; k < h.npassages; k++) {
		json_t *p = json_object();
		att_passage pa;
		char *t;

		att_results_passage(&pa, r, i, k);
		t = marked(&pa, "<mark>", "</mark>", 1);
		json_object_set_new(p, "start", json_integer((json_int_t)pa.start));
		json_object_set_new(p, "end", json_integer((json_int_t)pa.end));
		json_object_set_new(p, "score", json_real(pa.score));
		json_object_set_new(p, "text", json_string(t));
		if (pa.page > 0)
			json_object_set_new(p, "page", json_integer((json_int_t)pa.page));
		if (pa.page > 0 && k == 0)   /* the hit's: its best passage's */
			json_object_set_new(hit, "page", json_integer((json_int_t)pa.page));
		free(t);
		json_array_append_new(ps, p);
	}
	json_object_set_new(hit, "passages", ps);
	return hit;
}

static void print_json(const att_results *r, const char *qid, const char *q,
                       size_t qlen)
{
	json_t *o = json_object(), *hits = json_array();
	size_t i, n = att_results_count(r);
	char *s;

	if (qid != NULL)
		json_object_set_new(o, "qid", json_string(qid));
	json_object_set_new(o, "query", json_stringn(q, qlen));
	json_object_set_new(o, "total",
	                    json_integer((json_int_t)att_results_total(r)));
	json_object_set_new(o, "total_exact",
	                    json_boolean(att_results_total_exact(r)));
	if (att_results_notes(r) > 0) {
		json_t *notes = json_array();

		for (i = 0; i < att_results_notes(r); i++)
			json_array_append_new(notes, json_string(att_results_note(r, i)));
		json_object_set_new(o, "notes", notes);
	}
	if (att_results_query(r) != NULL)
		json_object_set_new(o, "searched", json_string(att_results_query(r)));
	if (att_results_suggestion(r) != NULL)
		json_object_set_new(o, "suggestion",
		                    json_string(att_results_suggestion(r)));
	for (i = 0; i < n; i++)
		json_array_append_new(hits, hit_json(r, i));
	json_object_set_new(o, "hits", hits);
	if (att_results_facets(r) > 0)
		json_object_set_new(o, "facets", srv_facets(r));
	s = json_dumps(o, JSON_COMPACT);
	if (s == NULL) {
		fprintf(stderr, "attache search: out of memory\n");
		exit(EXIT_INTERNAL);
	}
	printf("%s\n", s);
	free(s);
	json_decref(o);
}

/* Answers one query. Returns 0 (hits), 1 (none or a user error) or 2. */
static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int one_query(sctx *c, const char *qid, const char *q, size_t qlen)
{
	double t0 = now_us();
	att_results *r;
	att_status rc = att_search(&r, c->s, q, qlen, &c->o);
	int ex;

	if (c->timings)
		fprintf(stderr, "time\t%s\t%.1f\n", qid ? qid : "1", now_us() - t0);

	if (rc != ATT_OK) {
		fprintf(stderr, "attache search: %s%s%s\n", qid ? qid : "",
		        qid ? ": " : "", att_searcher_errmsg(c->s));
		if (c->out == OUT_JSON) {
			json_t *o = json_object();
			char *s;

			if (qid != NULL)
				json_object_set_new(o, "qid", json_string(qid));
			json_object_set_new(o, "query", json_stringn(q, qlen));
			json_object_set_new(o, "error",
			                    json_string(att_searcher_errmsg(c->s)));
			s = json_dumps(o, JSON_COMPACT);
			if (s != NULL)
				printf("%s\n", s);
			free(s);
			json_decref(o);
		}
		return cli_exit_for(rc);
	}
	if (c->out == OUT_TEXT)
		print_text(c, r, qid);
	else if (c->out == OUT_TREC)
		print_trec(c, r, qid);
	else
		print_json(r, qid, q, qlen);
	ex = att_results_count(r) > 0 ? 0 : EXIT_NORESULT;
	att_results_free(r);
	return ex;
}

/* Answers every "qid<TAB>query" line of PATH. */
static int query_file(sctx *c, const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int worst = 0;

	if (f == NULL) {
		perror(path);
		return EXIT_USAGE;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		char *tab;
		int ex;

		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		tab = strchr(line, '\t');
		if (tab == NULL) {
			fprintf(stderr, "attache search: %s:%zu: expected qid<TAB>query\n",
			        path, lineno);
			worst = worst > EXIT_USAGE ? worst : EXIT_USAGE;
			continue;
		}
		*tab = '\0';
		ex = one_query(c, line, tab + 1, strlen(tab + 1));
		if (ex == EXIT_INTERNAL) {
			worst = ex;
			break;
		}
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return worst;
}

static int set_opt(sctx *c, int opt, const char *v)
{
	int bad = 0;

	switch (opt) {
	case 'n': bad = cli_parse_count(&c->o.n, v); break;
	case 'O': bad = cli_parse_count(&c->o.offset, v); break;
	case 'p': bad = cli_parse_count(&c->o.passages, v) || c->o.passages > 8; break;
	case 'K': bad = cli_parse_double(&c->o.k1, v) || c->o.k1 < 0; break;
	case 'B': bad = cli_parse_double(&c->o.b, v) || c->o.b < 0 || c->o.b > 1; break;
	case 'W': bad = cli_parse_double(&c->o.passage_weight, v); break;
	case 'w': bad = cli_parse_count(&c->o.passage_words, v) ||
	              c->o.passage_words == 0; break;
	case 'D': bad = cli_parse_count(&c->o.rerank_depth, v); break;
	case 'L': bad = cli_parse_double(&c->o.title_weight, v) ||
	              c->o.title_weight < 0 || c->o.title_weight > 100; break;
	case 'F': bad = cli_parse_count(&c->o.feedback_docs, v) ||
	              c->o.feedback_docs > 1000; break;
	case 'G': bad = cli_parse_count(&c->o.feedback_terms, v) ||
	              c->o.feedback_terms > 64; break;
	case 'H': bad = cli_parse_double(&c->o.feedback_weight, v) ||
	              !(c->o.feedback_weight > 0 && c->o.feedback_weight <= 1);
	          break;
	case 'R': bad = cli_parse_double(&c->o.proximity_weight, v) ||
	              !(c->o.proximity_weight >= 0); break;
	default: bad = 1; break;
	}
	return bad;
}

int cmd_search(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "index", required_argument, NULL, 'i' },
		{ "hits", required_argument, NULL, 'n' },
		{ "offset", required_argument, NULL, 'O' },
		{ "passages", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "trec", required_argument, NULL, 't' },
		{ "queries", required_argument, NULL, 'Q' },
		{ "and", no_argument, NULL, 'a' },
		{ "strict", no_argument, NULL, 'Y' },
		{ "plain", no_argument, NULL, 'P' },
		{ "k1", required_argument, NULL, 'K' },
		{ "b", required_argument, NULL, 'B' },
		{ "passage-weight", required_argument, NULL, 'W' },
		{ "passage-words", required_argument, NULL, 'w' },
		{ "rerank-depth", required_argument, NULL, 'D' },
		{ "color", no_argument, NULL, 'c' },
		{ "no-color", no_argument, NULL, 'C' },
		{ "timings", no_argument, NULL, 'T' },
		{ "title-weight", required_argument, NULL, 'L' },
		{ "feedback", required_argument, NULL, 'F' },
		{ "feedback-terms", required_argument, NULL, 'G' },
		{ "feedback-weight", required_argument, NULL, 'H' },
		{ "proximity-weight", required_argument, NULL, 'R' },
		{ "keep-stop-words", no_argument, NULL, 'S' },
		{ "exhaustive", no_argument, NULL, 'X' },
		{ "explain", no_argument, NULL, 'E' },
		{ "filter", required_argument, NULL, 'f' },
		{ "sort", required_argument, NULL, 's' },
		{ "facet", required_argument, NULL, 'g' },
		{ "timeout-ms", required_argument, NULL, 'M' },
		{ "synonyms", required_argument, NULL, 'y' },
		{ "no-synonyms", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *index = NULL, *queries = NULL;
	const char *filters[ATT_SEARCH_MAX_FILTERS];
	const char *facets[ATT_SEARCH_MAX_FACETS];
	char *msg = NULL, *q = NULL;
	size_t qlen = 0, timeout_ms = 10000;
	att_status rc;
	int opt, i, ex, color = -1;
	sctx c;

	memset(&c, 0, sizeof c);
	att_search_options_init(&c.o);
	while ((opt = getopt_long(argc, argv, "i:n:p:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'i': index = optarg; break;
		case 'j': c.out = OUT_JSON; break;
		case 't': c.out = OUT_TREC; c.runid = optarg; break;
		case 'Q': queries = optarg; break;
		case 'a': c.o.require_all = 1; break;
		case 'Y': c.o.syntax = ATT_SYNTAX_STRICT; break;
		case 'P': c.o.syntax = ATT_SYNTAX_PLAIN; break;
		case 'c': color = 1; break;
		case 'C': color = 0; break;
		case 'T': c.timings = 1; break;
		case 'S': c.o.stop_words = 0; break;
		case 'X': c.o.exhaustive = 1; break;
		case 'E': c.o.explain = 1; break;
		case 'f':
			if (c.o.nfilters == ATT_SEARCH_MAX_FILTERS) {
				fprintf(stderr, "attache search: at most %d --filter\n",
				        ATT_SEARCH_MAX_FILTERS);
				return EXIT_USAGE;
			}
			filters[c.o.nfilters++] = optarg;
			c.o.filters = filters;
			break;
		case 's': c.o.sort = optarg; break;
		case 'y': c.o.synonyms = optarg; break;
		case 'N': c.o.no_synonyms = 1; break;
		case 'g':
			if (c.o.nfacets == ATT_SEARCH_MAX_FACETS) {
				fprintf(stderr, "attache search: at most %d --facet\n",
				        ATT_SEARCH_MAX_FACETS);
				return EXIT_USAGE;
			}
			facets[c.o.nfacets++] = optarg;
			c.o.facets = facets;
			break;
		case 'M':
			if (cli_parse_count(&timeout_ms, optarg) != 0 ||
			    timeout_ms > 3600000) {
				fprintf(stderr, "attache search: --timeout-ms '%s': give "
				        "milliseconds, at most 3600000\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h': search_usage(stdout); return 0;
		case '?': search_usage(stderr); return EXIT_USAGE;
		default:
			if (set_opt(&c, opt, optarg)) {
				fprintf(stderr, "attache search: invalid option value "
				        "'%s'\n", optarg);
				return EXIT_USAGE;
			}
		}
	}
	if (index == NULL ||
	    (queries == NULL && optind >= argc && c.o.nfilters == 0)) {
		fprintf(stderr, "attache search: %s\n", index == NULL
		        ? "-i INDEX is required" : "no QUERY given");
		search_usage(stderr);
		return EXIT_USAGE;
	}
	c.color = color >= 0 ? color : isatty(STDOUT_FILENO);
	rc = att_searcher_open_timeout(&c.s, index, (unsigned)timeout_ms, &msg);
	if (rc != ATT_OK) {
		fprintf(stderr, "attache search: %s\n", msg ? msg : att_status_str(rc));
		free(msg);
		return cli_exit_for(rc);
	}
	if (queries != NULL) {
		ex = query_file(&c, queries);
	} else {
		for (i = optind; i < argc; i++) { /* the words, joined by spaces */
			size_t l = strlen(argv[i]);
			char *nq = realloc(q, qlen + l + 2);

			if (nq == NULL) {
				free(q);
				att_searcher_free(c.s);
				return EXIT_INTERNAL;
			}
			q = nq;
			if (qlen)
				q[qlen++] = ' ';
			memcpy(q + qlen, argv[i], l + 1);
			qlen += l;
		}
		ex = one_query(&c, NULL, q != NULL ? q : "", qlen);
		free(q);
	}
	att_searcher_free(c.s);
	return ex;
}
