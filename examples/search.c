/*
 * search.c: the smallest program that embeds attache.
 *
 * Indexes two documents into DIR, then answers QUERY with the best hit
 * and its passage, matches in [brackets]. Build it against an installed
 * attache:
 *
 *     cc search.c $(pkg-config --cflags --libs attache) -o search
 *     ./search /tmp/example-index 'defence cooperation'
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <attache.h>

static const char *docs[][3] = {
	{ "baku", "Pakistan and Azerbaijan deepen defence ties",
	  "The two governments signed a defence cooperation memorandum in Baku. "
	  "Officials said joint exercises would follow." },
	{ "lng", "Qatar signs LNG deal",
	  "Germany agreed a long-term gas supply contract with Qatar." },
};

static int index_docs(const char *dir)
{
	att_writer *w;
	char *msg = NULL;
	size_t i;
	att_status rc = att_writer_open(&w, dir, NULL, &msg);

	if (rc != ATT_OK) {
		fprintf(stderr, "open %s: %s\n", dir, msg ? msg : att_status_str(rc));
		free(msg);
		return -1;
	}
	for (i = 0; i < sizeof docs / sizeof docs[0] && rc == ATT_OK; i++) {
		att_doc d = { docs[i][0], strlen(docs[i][0]), docs[i][1],
		              strlen(docs[i][1]), docs[i][2], strlen(docs[i][2]),
		              NULL, 0 };

		rc = att_writer_add(w, &d);
	}
	if (rc == ATT_OK)
		rc = att_writer_commit(w);
	if (rc != ATT_OK)
		fprintf(stderr, "index: %s\n", att_writer_errmsg(w));
	att_writer_free(w);
	return rc == ATT_OK ? 0 : -1;
}

static void print_passage(const att_passage *p)
{
	size_t at = 0, k;

	for (k = 0; k < p->nmarks; k++) {
		printf("%.*s[%.*s]", (int)(p->marks[k].start - at), p->text + at,
		       (int)(p->marks[k].end - p->marks[k].start),
		       p->text + p->marks[k].start);
		at = p->marks[k].end;
	}
	printf("%.*s\n", (int)(p->text_len - at), p->text + at);
}

int main(int argc, char **argv)
{
	att_searcher *s;
	att_results *r;
	char *msg = NULL;
	att_status rc;

	if (argc != 3) {
		fprintf(stderr, "usage: %s DIR QUERY\n", argv[0]);
		return 1;
	}
	if (index_docs(argv[1]) != 0)
		return 2;
	rc = att_searcher_open(&s, argv[1], &msg);
	if (rc != ATT_OK) {
		fprintf(stderr, "%s\n", msg ? msg : att_status_str(rc));
		free(msg);
		return 2;
	}
	rc = att_search(&r, s, argv[2], strlen(argv[2]), NULL);
	if (rc != ATT_OK) {
		fprintf(stderr, "%s\n", att_searcher_errmsg(s));
	} else if (att_results_count(r) > 0) {
		att_hit h;
		att_passage p;

		att_results_hit(&h, r, 0);
		printf("%s: %s (%.3f)\n", h.id, h.title, h.score);
		if (h.npassages > 0) {
			att_results_passage(&p, r, 0, 0);
			print_passage(&p);
		}
	}
	att_results_free(r);
	att_searcher_free(s);
	return rc == ATT_OK ? 0 : 1;
}
