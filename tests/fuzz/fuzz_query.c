/*
 * fuzz_query.c: a libFuzzer target for the query parser and evaluator.
 *
 * Once per process, LLVMFuzzerInitialize indexes a few documents with the
 * public API into a fresh directory under $TMPDIR (or /tmp) and opens one
 * searcher on it. Each input's first byte chooses the search options
 * (bit 0: require_all; bits 1-2: passages 0 to 3; bit 3: a small
 * passage_words; bit 4: an offset; bits 5-7: n); the rest is the query,
 * passed with its length (no terminating NUL, so a read past it is an ASan
 * report). Any status is fine; the target checks what every successful
 * search promises: count <= n, the total at least the hits returned,
 * passages within the stored text, marks within their passage and in
 * order. A broken promise is __builtin_trap().
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
};

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
	if (att_writer_open(&w, dir, NULL, &msg) != ATT_OK)
		die("att_writer_open", msg);
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		att_doc d = { texts[i][0], strlen(texts[i][0]), texts[i][1],
		              strlen(texts[i][1]), texts[i][2], strlen(texts[i][2]),
		              NULL, 0 };

		if (att_writer_add(w, &d) != ATT_OK)
			die("att_writer_add", att_writer_errmsg(w));
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	att_search_options o;
	att_results *r;
	char *q;
	size_t i;

	if (size < 1)
		return 0;
	att_search_options_init(&o);
	o.require_all = data[0] & 1;
	o.passages = (data[0] >> 1) & 3;
	if (data[0] & 8)
		o.passage_words = 3;
	if (data[0] & 16)
		o.offset = 1;
	o.n = (size_t)(data[0] >> 5) + 1;
	/* an exact-size copy, so ASan sees a read past the query's end */
	q = malloc(size - 1 ? size - 1 : 1);
	if (q == NULL)
		return 0;
	memcpy(q, data + 1, size - 1);
	if (att_search(&r, searcher, q, size - 1, &o) == ATT_OK) {
		if (att_results_count(r) > o.n ||
		    att_results_total(r) < att_results_count(r))
			__builtin_trap();
		for (i = 0; i < att_results_count(r); i++)
			check_hit(r, i);
		att_results_free(r);
	}
	free(q);
	return 0;
}
