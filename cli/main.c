/*
 * main.c: the attache command, dispatching to its subcommands.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: attache COMMAND [OPTIONS] ...\n"
	        "\n"
	        "commands:\n"
	        "  index   -i INDEX INPUT...   index .txt trees, JSONL, TREC, or -\n"
	        "  search  -i INDEX QUERY      ranked hits with passages\n"
	        "  delete  -i INDEX ID...      delete documents by id\n"
	        "  merge   -i INDEX            merge segments, drop deleted documents\n"
	        "  check   -i INDEX            verify every file against the documents\n"
	        "  stats   -i INDEX            documents, terms, sizes\n"
	        "  serve   -i INDEX            HTTP/JSON API and a search page\n"
	        "  eval    --qrels FILE RUN    MAP, P@10, nDCG@10, R@1000, MRR of a run\n"
	        "\n"
	        "'attache COMMAND --help' describes each. attache %s\n",
	        att_version());
}

int cli_exit_for(att_status rc)
{
	switch (rc) {
	case ATT_OK:
		return 0;
	case ATT_ENOMEM:
	case ATT_EIO:
	case ATT_ECORRUPT:
	case ATT_EVERSION:
		return EXIT_INTERNAL;
	default:
		return EXIT_USAGE;
	}
}

int cli_parse_size(size_t *out, const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || s[0] == '-')
		return -1;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end != '\0')
		return -1;
	*out = (size_t)v;
	return 0;
}

int cli_parse_double(double *out, const char *s)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno != 0 || end == s || *end != '\0' || !isfinite(*out) ? -1 : 0;
}

int cli_parse_count(size_t *out, const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
		return -1;
	*out = (size_t)v;
	return 0;
}

int cli_field_type(const char *s)
{
	if (strcmp(s, "keyword") == 0)
		return ATT_FIELD_KEYWORD;
	if (strcmp(s, "date") == 0)
		return ATT_FIELD_DATE;
	if (strcmp(s, "number") == 0)
		return ATT_FIELD_NUMBER;
	return -1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "index") == 0)
		return cmd_index(argc - 1, argv + 1);
	if (strcmp(argv[1], "search") == 0)
		return cmd_search(argc - 1, argv + 1);
	if (strcmp(argv[1], "delete") == 0)
		return cmd_delete(argc - 1, argv + 1);
	if (strcmp(argv[1], "merge") == 0)
		return cmd_merge(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "stats") == 0)
		return cmd_stats(argc - 1, argv + 1);
	if (strcmp(argv[1], "eval") == 0)
		return cmd_eval(argc - 1, argv + 1);
	if (strcmp(argv[1], "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("attache %s\n", att_version());
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "attache: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
