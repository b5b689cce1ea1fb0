/*
 * fuzz_query.c: a libFuzzer target for the query parser and evaluator.
 *
 * Once per process, LLVMFuzzerInitialize indexes a few documents with the
 * public API into a fresh directory under $TMPDIR (or /tmp) and opens one
 * searcher on it: four hand-written articles and 60 generated ones, with
 * typed fields (a date, places, a price; some missing), so that ranges,
 * keyword values, `*` and filters are fuzzed too. Each
 * input's first byte chooses the search options (bit 0: require_all;
 * bits 1-2: passages 0 to 3; bit 3: a small passage_words; bit 4: an
 * offset; bits 5-7: n), the second more (bit 0: title weight 2; bit 1:
 * explain; bit 2: feedback from 3 documents; bit 3: passage and
 * proximity weights 0, so the heap is small and pruning works; bit 4:
 * stop words kept; bit 5: proximity weight 0, passages alone; bits 6-7:
 * the syntax, 0 or 1 forgiving (the default), 2 strict, 3 plain words);
 * the rest is the query, passed with its length (no terminating NUL, so
 * a read past it is an ASan report). In strict mode any status is fine;
 * forgiving and plain, a parse error, an empty query or a limit status
 * is a broken promise (a query typed by a person is never an error),
 * and so are notes that are empty or too many, or an explain without
 * the query searched. The target checks what
 * every successful search promises: count <= n, the total at least the
 * hits returned, passages within the stored text, marks within their
 * passage and in order, an explanation when asked for; and that
 * exhaustive evaluation gives the same status, hits and scores. A broken
 * promise is __builtin_trap().
 *
 * With ATT_FUZZ_SEEDS=DIR in the environment, Initialize writes a few
 * seed queries into DIR for tests/fuzz/run.sh.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attache.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256];
static att_searcher *searcher;

static const char *const texts[][3] = {
	{ "baku", "Pakistan and Azerbaijan deepen defence ties",
	  "The two governments signed a defence cooperation memorandum in Baku. "
	  "Officials said joint exercises would follow. Erdoğan welcomed it." },
	{ "lng", "Qatar signs LNG deal",
	  "Germany agreed a long-term gas supply contract with Qatar. The "
	  "U.S.-led talks on the price cap went on; Türkiye abstained." },
	{ "grain", "Black Sea grain corridor",
	  "Ships left Odesa under the grain corridor. Insurers raised rates. "
	  "From 1914 - 1918 the straits were closed." },
	{ "empty", "", "" },
};

static const char *const seed_queries[] = {
	"defence cooperation Azerbaijan", "\"Middle Corridor\" +tariff",
	"+Azerbaijan -Armenia energy", "\"price cap\" sanctions -Iran",
	"Erdoğan Türkiye", "U.S.-led", "1914 - 1918", "\"grain corridor\"",
	"+\"gas supply\" -qatar", "\"unterminated", "-only", "+", "\"\"",
	"(gas OR grain) AND NOT qatar", "defence NEAR/3 Baku", "\"gas deal\"~2",
	"corrid* title:grain^2", "the of and", "a AND (b OR (c NOT d))",
	"wordb worde wordh^3 -wordk", "wordb AND wordc", "word*",
	"wordb date:1987-03", "* -places:usa", "date:1987-03-15..", "price:..50",
	"worda (places:usa OR places:japan) date:\"1987\"..1988-02",
	"date:..", "price:1e3..-1 wordc", "places:\"united states\" wordd",
};

/* The generated documents' words: word{a..o}, skewed to the first. */
static void gen_text(char *out, size_t cap, unsigned seed)
{
	size_t n = 0;
	unsigned i, x = seed * 2654435761u + 1;

	out[0] = '\0';
	for (i = 0; i < 40 + seed % 50 && n + 16 < cap; i++) {
		unsigned w;

		x = x * 1103515245u + 12345u;
		w = (x >> 16) % 16 * ((x >> 20) % 16) / 16;
		n += (size_t)snprintf(out + n, cap - n, "word%c%s", 'a' + (int)w,
		                      i % 9 == 8 ? ". " : " ");
	}
}

static void die(const char *what, const char *msg)
{
	fprintf(stderr, "fuzz_query: %s: %s\n", what, msg ? msg : "");
	abort();
}

static void remove_dir(void)
{
	char path[512];
	DIR *d;
	struct dirent *e;

	att_searcher_free(searcher);
	searcher = NULL;
	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static void write_seeds(const char *to)
{
	size_t i;

	for (i = 0; i < sizeof seed_queries / sizeof seed_queries[0]; i++) {
		char path[512];
		FILE *fp;

		snprintf(path, sizeof path, "%s/seed-%02zu", to, i);
		if ((fp = fopen(path, "wb")) == NULL)
			die("write seed", path);
		fputc((int)(i * 37 % 256), fp);
		fputc((int)(i * 11 % 32), fp);
		fputs(seed_queries[i], fp);
		fclose(fp);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	const char *seeds = getenv("ATT_FUZZ_SEEDS");
	att_writer *w;
	char *msg = NULL;
	size_t i;

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof dir, "%s/att-fuzz-query-XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp", dir);
	atexit(remove_dir);
	/* typed fields, so that ranges, keyword values and filters are
	 * parsed and evaluated too */
	static const att_field_decl decls[] = {
		{ "date", ATT_FIELD_DATE }, { "places", ATT_FIELD_KEYWORD },
		{ "price", ATT_FIELD_NUMBER },
	};
	att_writer_options wo;

	att_writer_options_init(&wo);
	wo.fields = decls;
	wo.nfields = 3;
	if (att_writer_open(&w, dir, &wo, &msg) != ATT_OK)
		die("att_writer_open", msg);
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		att_doc d = { texts[i][0], strlen(texts[i][0]), texts[i][1],
		              strlen(texts[i][1]), texts[i][2], strlen(texts[i][2]),
		              NULL, 0 };

		if (att_writer_add(w, &d) != ATT_OK)
			die("att_writer_add", att_writer_errmsg(w));
	}
	for (i = 0; i < 60; i++) {
		static const char *const pl[] = { "[\"usa\"]", "[\"japan\", \"uk\"]",
		                                  "\"United States\"", "[]" };
		char id[16], title[64], text[1024], date[32], price[32];
		att_field f[3];
		att_doc d;
		size_t nf = 0;

		snprintf(id, sizeof id, "g%zu", i);
		gen_text(title, sizeof title, (unsigned)i + 1000);
		gen_text(text, sizeof text, (unsigned)i);
		memset(&d, 0, sizeof d);
		d.id = id;
		d.id_len = strlen(id);
		d.title = title;
		d.title_len = strlen(title) < 20 ? strlen(title) : 20;
		d.text = text;
		d.text_len = strlen(text);
		snprintf(date, sizeof date, "1987-%02zu-%02zuT%02zu:00:00Z", 1 + i % 12,
		         1 + i % 28, i % 24);
		snprintf(price, sizeof price, "%zu.5", i * 7 % 101);
		if (i % 5 != 0)
			f[nf++] = (att_field){ "date", 4, date, strlen(date) };
		if (i % 3 != 0)
			f[nf++] = (att_field){ "price", 5, price, strlen(price) };
		f[nf++] = (att_field){ "places", 6, pl[i % 4], strlen(pl[i % 4]) };
		d.fields = f;
		d.nfields = nf;
		if (att_writer_add(w, &d) != ATT_OK)
			die("att_writer_add", att_writer_errmsg(w));
		if (i == 30 && att_writer_commit(w) != ATT_OK) /* two segments */
			die("att_writer_commit", att_writer_errmsg(w));
	}
	if (att_writer_commit(w) != ATT_OK)
		die("att_writer_commit", att_writer_errmsg(w));
	att_writer_free(w);
	if (att_searcher_open(&searcher, dir, &msg) != ATT_OK)
		die("att_searcher_open", msg);
	if (seeds != NULL)
		write_seeds(seeds);
	return 0;
}

static void check_hit(const att_results *r, size_t i)
{
	att_hit h;
	size_t k, m;

	att_results_hit(&h, r, i);
	if ((h.id_len && h.id == NULL) || (h.title_len && h.title == NULL))
		__builtin_trap();
	for (k = 0; k < h.npassages; k++) {
		att_passage p;
		size_t at = 0;

		att_results_passage(&p, r, i, k);
		if (p.end < p.start || p.text_len != p.end - p.start ||
		    (p.text_len && p.text == NULL))
			__builtin_trap();
		for (m = 0; m < p.nmarks; m++) {
			if (p.marks[m].start < at || p.marks[m].end < p.marks[m].start ||
			    p.marks[m].end > p.text_len)
				__builtin_trap();
			at = p.marks[m].end;
		}
	}
}

/* Traps unless exhaustive evaluation agrees with pruned R (status RC). */
static void check_exhaustive(att_status rc, const att_results *r,
                             att_search_options o, const char *q, size_t len)
{
	att_results *x;
	att_status xrc;
	size_t i;

	o.exhaustive = 1;
	xrc = att_search(&x, searcher, q, len, &o);
	if (xrc != rc)
		__builtin_trap();
	if (rc != ATT_OK)
		return;
	if (att_results_count(x) != att_results_count(r) ||
	    !att_results_total_exact(x) ||
	    att_results_total(x) < att_results_total(r))
		__builtin_trap();
	for (i = 0; i < att_results_count(r); i++) {
		att_hit a, b;

		att_results_hit(&a, r, i);
		att_results_hit(&b, x, i);
		if (a.score != b.score || a.id_len != b.id_len ||
		    memcmp(a.id, b.id, a.id_len) != 0)
			__builtin_trap();
	}
	att_results_free(x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	att_search_options o;
	att_results *r = NULL;
	att_status rc;
	char *q;
	size_t i;

	if (size < 2)
		return 0;
	att_search_options_init(&o);
	o.require_all = data[0] & 1;
	o.passages = (data[0] >> 1) & 3;
	if (data[0] & 8)
		o.passage_words = 3;
	if (data[0] & 16)
		o.offset = 1;
	o.n = (size_t)(data[0] >> 5) + 1;
	if (data[1] & 1)
		o.title_weight = 2;
	o.explain = (data[1] >> 1) & 1;
	if (data[1] & 4)
		o.feedback_docs = 3;
	if (data[1] & 8)
		o.passage_weight = 0;
	if (data[1] & 40)
		o.proximity_weight = 0;
	o.stop_words = !(data[1] & 16);
	o.syntax = data[1] >> 6 == 2 ? ATT_SYNTAX_STRICT
	    : data[1] >> 6 == 3 ? ATT_SYNTAX_PLAIN : ATT_SYNTAX_FORGIVING;
	/* an exact-size copy, so ASan sees a read past the query's end */
	q = malloc(size - 2 ? size - 2 : 1);
	if (q == NULL)
		return 0;
	memcpy(q, data + 2, size - 2);
	rc = att_search(&r, searcher, q, size - 2, &o);
	if (o.syntax != ATT_SYNTAX_STRICT &&
	    (rc == ATT_EPARSE || rc == ATT_EEMPTY || rc == ATT_ELIMIT))
		__builtin_trap();
	if (rc == ATT_OK) {
		if (att_results_notes(r) > 8 ||
		    (o.explain && att_results_query(r) == NULL))
			__builtin_trap();
		for (i = 0; i < att_results_notes(r); i++)
			if (att_results_note(r, i)[0] == '\0')
				__builtin_trap();
		if (att_results_count(r) > o.n ||
		    att_results_total(r) < att_results_count(r))
			__builtin_trap();
		for (i = 0; i < att_results_count(r); i++) {
			att_hit h;

			check_hit(r, i);
			att_results_hit(&h, r, i);
			if (o.explain != (h.explanation != NULL))
				__builtin_trap();
		}
	}
	check_exhaustive(rc, r, o, q, size - 2);
	att_results_free(r);
	free(q);
	return 0;
}
