/*
 * cmd_check.c: attache check -i INDEX
 *
 * Verifies an index (att_index_check) and prints each problem with its
 * file and offset. Exit status: 0 the index is sound, 1 problems were
 * found (or a usage error), 2 the check could not run.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void on_problem(void *ctx, const char *file, uint64_t offset,
                       const char *problem)
{
	const char *index = ctx;

	if (file[0] == '\0')
		fprintf(stdout, "%s\n", problem);
	else if (offset > 0)
		fprintf(stdout, "%s/%s: offset %llu: %s\n", index, file,
		        (unsigned long long)offset, problem);
	else
		fprintf(stdout, "%s/%s: %s\n", index, file, problem);
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "index", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *index = NULL;
	att_check_result res;
	att_status rc;
	int c;

	while ((c = getopt_long(argc, argv, "i:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': index = optarg; break;
		case 'h':
			printf("usage: attache check -i INDEX\n\n"
			       "Re-reads every file, verifies checksums and layout, and\n"
			       "compares each segment's postings, positions, lengths and\n"
			       "sentence tables with a re-analysis of its stored documents.\n"
			       "Exit status: 0 sound, 1 problems found, 2 could not check.\n");
			return 0;
		default:
			fprintf(stderr, "usage: attache check -i INDEX\n");
			return EXIT_USAGE;
		}
	}
	if (index == NULL || optind < argc) {
		fprintf(stderr, "attache check: %s\n", index == NULL
		        ? "-i INDEX is required" : "unexpected argument");
		return EXIT_USAGE;
	}
	rc = att_index_check(&res, index, on_problem, (void *)index);
	if (rc != ATT_OK) {
		fprintf(stderr, "attache check: %s: %s\n", index,
		        rc == ATT_ENOTFOUND ? "no attache index here"
		                            : att_status_str(rc));
		return rc == ATT_ENOTFOUND ? EXIT_USAGE : EXIT_INTERNAL;
	}
	if (res.problems > 0) {
		printf("%s: %llu problems found (generation %llu)\n", index,
		       (unsigned long long)res.problems,
		       (unsigned long long)res.generation);
		return 1;
	}
	if (strcmp(res.backend, "xapian") == 0)
		printf("%s: sound: Xapian's check and %u database%s, %llu documents "
		       "re-analysed and matched\n", index, res.segments,
		       res.segments == 1 ? "" : "s",
		       (unsigned long long)res.documents);
	else
		printf("%s: sound: generation %llu, %u segments, %llu documents "
		       "re-analysed and matched\n", index,
		       (unsigned long long)res.generation, res.segments,
		       (unsigned long long)res.documents);
	return 0;
}
