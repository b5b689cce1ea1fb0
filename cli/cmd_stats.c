/*
 * cmd_stats.c: attache stats -i INDEX
 *
 * Documents, terms, postings and sizes by file kind, with postings and
 * positions as a percent of the raw text indexed.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0;
}

/* The Xapian backend's: no per-kind sizes, shards instead of segments. */
static void print_xapian(const att_index_stats *st, int json)
{
	if (json) {
		printf("{\"backend\":\"xapian\",\"documents\":%llu,\"terms\":%llu,"
		       "\"postings\":%llu,\"positions\":%llu,\"shards\":%u,"
		       "\"generation\":%llu,\"language\":\"%s\","
		       "\"bytes\":{\"total\":%llu}}\n",
		       (unsigned long long)st->docs, (unsigned long long)st->terms,
		       (unsigned long long)st->postings,
		       (unsigned long long)st->positions, st->segments,
		       (unsigned long long)st->generation, st->language,
		       (unsigned long long)st->bytes_xapian);
		return;
	}
	printf("backend       xapian\n");
	printf("documents     %llu\n", (unsigned long long)st->docs);
	printf("terms         %llu\n", (unsigned long long)st->terms);
	printf("postings      %llu (term, document) pairs\n",
	       (unsigned long long)st->postings);
	printf("tokens        %llu (field terms' included)\n",
	       (unsigned long long)st->positions);
	printf("shards        %u (revision %llu)\n", st->segments,
	       (unsigned long long)st->generation);
	printf("language      %s\n", st->language);
	printf("total         %12llu bytes (local databases)\n",
	       (unsigned long long)st->bytes_xapian);
}

static void print_stats(const att_index_stats *st, int json)
{
	uint64_t total = st->bytes_dict + st->bytes_postings + st->bytes_positions +
	    st->bytes_docs + st->bytes_sentences + st->bytes_store +
	    st->bytes_values + st->bytes_manifest;
	uint64_t inv = st->bytes_postings + st->bytes_positions;

	if (strcmp(st->backend, "xapian") == 0) {
		print_xapian(st, json);
		return;
	}
	if (json) {
		printf("{\"backend\":\"native\",\"documents\":%llu,\"terms\":%llu,\"postings\":%llu,"
		       "\"positions\":%llu,"
		       "\"segments\":%u,\"generation\":%llu,\"language\":\"%s\","
		       "\"raw_bytes\":%llu,\"bytes\":{\"dictionary\":%llu,"
		       "\"postings\":%llu,\"positions\":%llu,\"documents\":%llu,"
		       "\"sentences\":%llu,\"store\":%llu,\"values\":%llu,"
		       "\"manifest\":%llu,"
		       "\"total\":%llu},\"postings_positions_percent\":%.2f,"
		       "\"total_percent\":%.2f}\n",
		       (unsigned long long)st->docs, (unsigned long long)st->terms,
		       (unsigned long long)st->postings,
		       (unsigned long long)st->positions, st->segments,
		       (unsigned long long)st->generation, st->language,
		       (unsigned long long)st->raw_bytes,
		       (unsigned long long)st->bytes_dict,
		       (unsigned long long)st->bytes_postings,
		       (unsigned long long)st->bytes_positions,
		       (unsigned long long)st->bytes_docs,
		       (unsigned long long)st->bytes_sentences,
		       (unsigned long long)st->bytes_store,
		       (unsigned long long)st->bytes_values,
		       (unsigned long long)st->bytes_manifest,
		       (unsigned long long)total, pct(inv, st->raw_bytes),
		       pct(total, st->raw_bytes));
		return;
	}
	printf("documents     %llu\n", (unsigned long long)st->docs);
	printf("terms         %llu (summed over segments)\n",
	       (unsigned long long)st->terms);
	printf("postings      %llu (term, document) pairs\n",
	       (unsigned long long)st->postings);
	printf("tokens        %llu\n", (unsigned long long)st->positions);
	printf("segments      %u (generation %llu)\n", st->segments,
	       (unsigned long long)st->generation);
	printf("language      %s\n", st->language);
	printf("raw text      %llu bytes\n", (unsigned long long)st->raw_bytes);
	printf("dictionary    %12llu bytes  %6.2f%%\n",
	       (unsigned long long)st->bytes_dict, pct(st->bytes_dict, st->raw_bytes));
	printf("postings      %12llu bytes  %6.2f%%\n",
	       (unsigned long long)st->bytes_postings,
	       pct(st->bytes_postings, st->raw_bytes));
	printf("positions     %12llu bytes  %6.2f%%\n",
	       (unsigned long long)st->bytes_positions,
	       pct(st->bytes_positions, st->raw_bytes));
	printf("documents     %12llu bytes  %6.2f%%\n",
	       (unsigned long long)st->bytes_docs, pct(st->bytes_docs, st->raw_bytes));
	printf("sentences     %12llu bytes  %6.2f%%\n",
	       (unsigned long long)st->bytes_sentences,
	       pct(st->bytes_sentences, st->raw_bytes));
	printf("stored text   %12llu bytes  %6.2f%%\n",
	       (unsigned long long)st->bytes_store,
	       pct(st->bytes_store, st->raw_bytes));
	printf("typed fields  %12llu bytes  %6.2f%%\n",
	       (unsigned long long)st->bytes_values,
	       pct(st->bytes_values, st->raw_bytes));
	printf("total         %12llu bytes  %6.2f%% of raw text\n",
	       (unsigned long long)total, pct(total, st->raw_bytes));
	printf("postings+positions: %.2f%% of raw text\n",
	       pct(inv, st->raw_bytes));
}

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "index", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *index = NULL;
	att_index_stats st;
	att_searcher *s;
	char *msg = NULL;
	att_status rc;
	int c, json = 0;

	while ((c = getopt_long(argc, argv, "i:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': index = optarg; break;
		case 'j': json = 1; break;
		case 'h':
			printf("usage: attache stats -i INDEX [--json]\n");
			return 0;
		default:
			fprintf(stderr, "usage: attache stats -i INDEX [--json]\n");
			return EXIT_USAGE;
		}
	}
	if (index == NULL) {
		fprintf(stderr, "attache stats: -i INDEX is required\n");
		return EXIT_USAGE;
	}
	rc = att_searcher_open(&s, index, &msg);
	if (rc != ATT_OK) {
		fprintf(stderr, "attache stats: %s\n", msg ? msg : att_status_str(rc));
		free(msg);
		return cli_exit_for(rc);
	}
	rc = att_searcher_stats(&st, s);
	if (rc != ATT_OK) {
		fprintf(stderr, "attache stats: %s: corrupt dictionary\n", index);
		att_searcher_free(s);
		return cli_exit_for(rc);
	}
	print_stats(&st, json);
	att_searcher_free(s);
	return 0;
}
