/*
 * cmd_delete.c: attache delete -i INDEX ID...
 *
 * Deletes documents by their external id and commits once. An id that
 * is not in the index is reported; the others are still deleted. Exit
 * status 0 if every id was found, 1 if some were not (or a usage error),
 * 2 on an internal error (nothing committed).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void delete_usage(FILE *f)
{
	fprintf(f,
	        "usage: attache delete -i INDEX [OPTIONS] ID...\n"
	        "\n"
	        "  -i, --index DIR   the index\n"
	        "  -q, --quiet       no summary line\n"
	        "  -h, --help        this help\n");
}

int cmd_delete(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "index", required_argument, NULL, 'i' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *index = NULL;
	uint32_t deleted, total = 0, missing = 0;
	att_writer *w;
	char *msg = NULL;
	att_status rc;
	int c, i, quiet = 0;

	while ((c = getopt_long(argc, argv, "i:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'i': index = optarg; break;
		case 'q': quiet = 1; break;
		case 'h': delete_usage(stdout); return 0;
		default: delete_usage(stderr); return EXIT_USAGE;
		}
	}
	if (index == NULL || optind >= argc) {
		fprintf(stderr, "attache delete: %s\n", index == NULL
		        ? "-i INDEX is required" : "no ID given");
		delete_usage(stderr);
		return EXIT_USAGE;
	}
	rc = att_writer_open(&w, index, NULL, &msg);
	if (rc != ATT_OK) {
		fprintf(stderr, "attache delete: %s\n", msg ? msg : att_status_str(rc));
		free(msg);
		return cli_exit_for(rc);
	}
	for (i = optind; i < argc && rc == ATT_OK; i++) {
		rc = att_writer_delete(&deleted, w, argv[i], strlen(argv[i]));
		if (rc == ATT_OK && deleted == 0) {
			fprintf(stderr, "attache delete: %s: no such document\n", argv[i]);
			missing++;
		}
		total += deleted;
	}
	if (rc == ATT_OK)
		rc = att_writer_commit(w);
	if (rc != ATT_OK) {
		fprintf(stderr, "attache delete: %s; nothing was committed\n",
		        att_writer_errmsg(w));
		att_writer_free(w);
		return cli_exit_for(rc);
	}
	if (!quiet)
		printf("deleted %u documents\n", total);
	att_writer_free(w);
	return missing ? EXIT_USAGE : 0;
}
