/*
 * cmd_merge.c: attache merge -i INDEX [--max-segments N]
 *
 * Merges the index's segments down to N (default 1), dropping deleted
 * documents. Searchers that have the index open keep what they see.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void merge_usage(FILE *f)
{
	fprintf(f,
	        "usage: attache merge -i INDEX [--max-segments N]\n"
	        "\n"
	        "  -i, --index DIR          the index\n"
	        "  -s, --max-segments N     merge down to N segments (default 1);\n"
	        "                           segments with deleted documents are\n"
	        "                           rewritten without them\n"
	        "  -q, --quiet              no summary line\n"
	        "  -h, --help               this help\n");
}

static int segments(uint32_t *n, const char *index)
{
	att_index_stats st;
	att_searcher *s;
	char *msg = NULL;
	att_status rc = att_searcher_open(&s, index, &msg);

	if (rc != ATT_OK) {
		fprintf(stderr, "attache merge: %s\n", msg ? msg : att_status_str(rc));
		free(msg);
		return cli_exit_for(rc);
	}
	rc = att_searcher_stats(&st, s);
	*n = st.segments;
	att_searcher_free(s);
	return cli_exit_for(rc);
}

int cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "index", required_argument, NULL, 'i' },
		{ "max-segments", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *index = NULL;
	size_t max = 1;
	uint32_t before, after;
	att_writer *w;
	char *msg = NULL;
	att_status rc;
	int c, quiet = 0, ex;

	while ((c = getopt_long(argc, argv, "i:s:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'i': index = optarg; break;
		case 'q': quiet = 1; break;
		case 'h': merge_usage(stdout); return 0;
		case 's':
			if (cli_parse_count(&max, optarg) != 0 || max == 0 ||
			    max > UINT32_MAX) {
				fprintf(stderr, "attache merge: --max-segments '%s': give "
				        "a count of at least 1\n", optarg);
				return EXIT_USAGE;
			}
			break;
		default: merge_usage(stderr); return EXIT_USAGE;
		}
	}
	if (index == NULL || optind < argc) {
		fprintf(stderr, "attache merge: %s\n", index == NULL
		        ? "-i INDEX is required" : "unexpected argument");
		merge_usage(stderr);
		return EXIT_USAGE;
	}
	if ((ex = segments(&before, index)) != 0)
		return ex;
	rc = att_writer_open(&w, index, NULL, &msg);
	if (rc != ATT_OK) {
		fprintf(stderr, "attache merge: %s\n", msg ? msg : att_status_str(rc));
		free(msg);
		return cli_exit_for(rc);
	}
	if (strcmp(att_writer_backend(w), "xapian") == 0) {
		att_writer_free(w);
		if (!quiet)
			printf("%s: a Xapian database: nothing to merge (xapian-compact "
			       "rewrites one compactly)\n", index);
		return 0;
	}
	rc = att_writer_merge(w, (uint32_t)max);
	if (rc != ATT_OK)
		fprintf(stderr, "attache merge: %s\n", att_writer_errmsg(w));
	att_writer_free(w);
	if (rc != ATT_OK)
		return cli_exit_for(rc);
	if ((ex = segments(&after, index)) != 0)
		return ex;
	if (!quiet)
		printf("merged %u segments into %u\n", before, after);
	return 0;
}
