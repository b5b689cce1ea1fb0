/*
 * cmd_index.c: attache index -i INDEX INPUT...
 *
 * Reads every input with an att_reader and adds its documents to the
 * index through one att_writer, committing once at the end. A malformed
 * record stops the run with its file and line, committing nothing, unless
 * --skip-bad is given: then it is counted, reported and skipped. In a
 * folder, a file that cannot be read (damaged, encrypted, binary, of no
 * supported kind) is reported, counted and skipped, and the rest is
 * committed; --strict makes it stop the run instead. When
 * stderr is a terminal a progress line shows documents, megabytes, speed
 * and segments.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

typedef struct run {
	att_writer *w;
	int skip_bad, strict, quiet, progress;
	att_input_format format;
	uint64_t docs, bytes, base, skipped, deleted, deleted_records;
	uint64_t unreadable;   /* files of a folder skipped */
	double t0, last_report;
} run;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* This process's peak resident memory so far. */
static double peak_mib(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return ru.ru_maxrss / 1024.0; /* kilobytes on Linux */
}

static void index_usage(FILE *f)
{
	fprintf(f,
	        "usage: attache index -i INDEX [OPTIONS] INPUT...\n"
	        "       attache index -i INDEX --synonyms FILE\n"
	        "       attache index -i INDEX --sync DIR\n"
	        "\n"
	        "INPUT is a folder of documents (.txt with the first line as title,\n"
	        ".html, .md, .pdf, .eml, .mbox: docs/READERS.md), one such file, a\n"
	        "JSONL file ({\"id\",\"title\",\"text\",...} a line), a TREC <DOC>\n"
	        "file, or - for standard input. A document whose id is already in the index\n"
	        "replaces it; a JSONL record {\"id\":...,\"deleted\":true} deletes it.\n"
	        "\n"
	        "  -i, --index DIR          the index directory (created if needed)\n"
	        "  -f, --format FMT         auto (default), text, jsonl or trec\n"
	        "  -l, --language LANG      Snowball stemmer language (default\n"
	        "                           english; 'none' for no stemming)\n"
	        "  -m, --memory SIZE        memory budget before a segment is\n"
	        "                           flushed, e.g. 64M (default 256M),\n"
	        "                           shared by all threads\n"
	        "  -t, --threads N          threads analysing and inverting\n"
	        "                           (default: the machine's cores; the\n"
	        "                           index is the same for any N)\n"
	        "  -b, --backend NAME       native (default for a new index) or\n"
	        "                           xapian (a Xapian database; needs a\n"
	        "                           build with ATTACHE_WITH_XAPIAN); the\n"
	        "                           default is $ATTACHE_BACKEND if set\n"
	        "      --shards N           xapian: a new index of N shards, a\n"
	        "                           document's shard chosen by its id\n"
	        "      --field NAME:TYPE    a typed field (keyword, date or number),\n"
	        "                           declared when the index is created;\n"
	        "                           repeat for each (docs/QUERY.md)\n"
	        "      --synonyms FILE      the index's own synonym groups, one a\n"
	        "                           line (docs/QUERY.md), copied into it;\n"
	        "                           replaces the last, needs no reindexing\n"
	        "      --skip-bad           skip malformed records, and count them\n"
	        "      --sync DIR           bring the index up to date with folder\n"
	        "                           DIR: new files added, changed ones\n"
	        "                           replaced, removed ones deleted, in one\n"
	        "                           commit; unchanged files are not read\n"
	        "      --strict             a file of a folder that cannot be read\n"
	        "                           stops the run (by default it is\n"
	        "                           reported, counted and skipped)\n"
	        "      --replace-invalid-utf8  replace bad bytes with U+FFFD instead\n"
	        "                           of rejecting the document\n"
	        "  -q, --quiet              no summary line\n"
	        "  -h, --help               this help\n");
}

static void progress(run *r, int final)
{
	double t = now(), el = t - r->t0;

	if (!r->progress || (!final && t - r->last_report < 0.25))
		return;
	r->last_report = t;
	fprintf(stderr, "\r  %llu docs  %.1f MB  %.1f MB/s  %u segments%s",
	        (unsigned long long)r->docs, r->bytes / 1e6,
	        el > 0 ? r->bytes / 1e6 / el : 0.0, att_writer_segments(r->w),
	        final ? "\n" : "   ");
}

/* 1 if D is a deletion record: a field "deleted" whose value is true. */
static int is_deletion(const att_doc *d)
{
	size_t i;

	for (i = 0; i < d->nfields; i++)
		if (d->fields[i].name_len == 7 &&
		    memcmp(d->fields[i].name, "deleted", 7) == 0)
			return d->fields[i].value_len == 4 &&
			    memcmp(d->fields[i].value, "true", 4) == 0;
	return 0;
}

/* Adds D, or deletes its id if it is a deletion record. */
/* The types a new index of text files gives their front-matter fields
 * (docs/QUERY.md, "Typed fields"). */
static const att_field_decl front_matter_fields[] = {
	{ "date", ATT_FIELD_DATE },       { "source", ATT_FIELD_KEYWORD },
	{ "countries", ATT_FIELD_KEYWORD }, { "places", ATT_FIELD_KEYWORD },
	{ "tags", ATT_FIELD_KEYWORD },    { "language", ATT_FIELD_KEYWORD },
	{ "author", ATT_FIELD_KEYWORD },  { "from", ATT_FIELD_KEYWORD },
	{ "to", ATT_FIELD_KEYWORD },      { "cc", ATT_FIELD_KEYWORD },
	{ "attachment", ATT_FIELD_KEYWORD },
};

/* 1 if INPUT is read as documents (text, HTML, Markdown, PDF, mail):
 * by FORMAT, or a directory or such a file when it is chosen by name. */
static int text_input(att_input_format format, const char *input)
{
	static const char *const exts[] = { ".txt", ".html", ".htm", ".xhtml",
		".md", ".markdown", ".pdf", ".eml", ".mbox" };
	struct stat st;
	size_t n = strlen(input), i;

	if (format != ATT_INPUT_AUTO)
		return format == ATT_INPUT_TEXT;
	if (stat(input, &st) == 0 && S_ISDIR(st.st_mode))
		return 1;
	for (i = 0; i < sizeof exts / sizeof exts[0]; i++)
		if (n > strlen(exts[i]) &&
		    strcasecmp(input + n - strlen(exts[i]), exts[i]) == 0)
			return 1;
	return 0;
}

/* 1 if INDEX holds no documents yet (it may not exist) and declares no
 * typed fields: a first run of text files declares their front matter. */
static int new_index(const char *index)
{
	att_searcher *s = NULL;
	att_index_stats st;
	char *msg = NULL;
	int fresh;

	if (att_searcher_open(&s, index, &msg) != ATT_OK) {
		free(msg);
		return 1;   /* none yet (or the writer says what is wrong) */
	}
	fresh = att_searcher_fields(s) == 0 &&
	    att_searcher_stats(&st, s) == ATT_OK && st.docs == 0 &&
	    (strcmp(att_searcher_backend(s), "native") != 0 || st.segments == 0);
	att_searcher_free(s);
	return fresh;
}

static att_status apply(run *r, const att_doc *d)
{
	uint32_t gone;
	att_status rc;

	if (!is_deletion(d))
		return att_writer_add(r->w, d);
	r->deleted_records++;
	rc = att_writer_delete(&gone, r->w, d->id, d->id_len);
	r->deleted += gone;
	return rc;
}

/* Adds every document of INPUT. Returns 0 or an exit status. */
static int index_input(run *r, const char *input)
{
	att_reader *rd;
	char *msg = NULL;
	att_status rc = att_reader_open(&rd, input, r->format, &msg);
	int has, ex = 0, tree;
	struct stat sb;
	att_doc d;

	tree = stat(input, &sb) == 0 && S_ISDIR(sb.st_mode);
	if (rc != ATT_OK) {
		fprintf(stderr, "attache index: %s\n", msg ? msg : att_status_str(rc));
		free(msg);
		return cli_exit_for(rc);
	}
	for (;;) {
		rc = att_reader_next(&d, &has, rd);
		if (rc == ATT_OK && !has)
			break;
		if (rc == ATT_OK) {
			rc = apply(r, &d);
			if (rc != ATT_OK)
				fprintf(stderr, "%sattache index: %s:%llu: %s\n",
				        r->progress ? "\n" : "", att_reader_file(rd),
				        (unsigned long long)att_reader_line(rd),
				        att_writer_errmsg(r->w));
		} else {
			int skip = tree && !r->strict &&
			    (rc == ATT_EINPUT || rc == ATT_ELIMIT || rc == ATT_EIO);

			fprintf(stderr, "%sattache index: %s%s\n", r->progress ? "\n" : "",
			        att_reader_errmsg(rd), skip ? " (skipped)" : "");
			if (skip) {
				r->unreadable++;
				continue;
			}
		}
		if (rc == ATT_OK) {
			r->docs++;
			r->bytes = r->base + att_reader_bytes(rd);
			progress(r, 0);
			continue;
		}
		if (r->skip_bad && (rc == ATT_EINPUT || rc == ATT_EUTF8 ||
		                    rc == ATT_ELIMIT || rc == ATT_EINVAL)) {
			r->skipped++;
			continue;
		}
		ex = cli_exit_for(rc);
		break;
	}
	r->bytes = r->base = r->base + att_reader_bytes(rd);
	att_reader_free(rd);
	return ex;
}

static int parse_format(att_input_format *f, const char *s)
{
	if (strcmp(s, "auto") == 0)
		*f = ATT_INPUT_AUTO;
	else if (strcmp(s, "text") == 0 || strcmp(s, "txt") == 0)
		*f = ATT_INPUT_TEXT;
	else if (strcmp(s, "jsonl") == 0 || strcmp(s, "json") == 0)
		*f = ATT_INPUT_JSONL;
	else if (strcmp(s, "trec") == 0)
		*f = ATT_INPUT_TREC;
	else
		return -1;
	return 0;
}

/* Gives INDEX the synonym file FILE (att_index_set_synonyms). */
static int set_synonyms(const char *index, const char *file, int quiet)
{
	char *msg = NULL;
	att_status rc = att_index_set_synonyms(index, file, &msg);

	if (rc != ATT_OK) {
		fprintf(stderr, "attache index: --synonyms: %s\n",
		        msg ? msg : att_status_str(rc));
		free(msg);
		return cli_exit_for(rc);
	}
	if (!quiet)
		printf("synonyms of %s: %s\n", index, file);
	return 0;
}

int cmd_index(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "index", required_argument, NULL, 'i' },
		{ "format", required_argument, NULL, 'f' },
		{ "language", required_argument, NULL, 'l' },
		{ "memory", required_argument, NULL, 'm' },
		{ "backend", required_argument, NULL, 'b' },
		{ "shards", required_argument, NULL, 'S' },
		{ "threads", required_argument, NULL, 't' },
		{ "skip-bad", no_argument, NULL, 's' },
		{ "strict", no_argument, NULL, 'T' },
		{ "sync", required_argument, NULL, 'Y' },
		{ "field", required_argument, NULL, 'F' },
		{ "replace-invalid-utf8", no_argument, NULL, 'u' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "synonyms", required_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	att_writer_options wo;
	att_field_decl fields[64];
	char names[64][40];
	const char *index = NULL, *synonyms = NULL, *sync_dir = NULL;
	char *msg = NULL;
	att_status rc;
	run r;
	int c, i, ex = 0;

	memset(&r, 0, sizeof r);
	att_writer_options_init(&wo);
	while ((c = getopt_long(argc, argv, "i:f:l:m:b:t:qh", opts, NULL)) != -1) {
		size_t shards, threads;

		switch (c) {
		case 't':
			if (cli_parse_count(&threads, optarg) != 0 || threads < 1 ||
			    threads > 64) {
				fprintf(stderr, "attache index: --threads '%s': give a "
				        "number from 1 to 64\n", optarg);
				return EXIT_USAGE;
			}
			wo.threads = (unsigned)threads;
			break;
		case 'i': index = optarg; break;
		case 'b': wo.backend = optarg; break;
		case 'S':
			if (cli_parse_count(&shards, optarg) != 0 || shards < 1 ||
			    shards > 1024) {
				fprintf(stderr, "attache index: --shards '%s': give a "
				        "number from 1 to 1024\n", optarg);
				return EXIT_USAGE;
			}
			wo.shards = (uint32_t)shards;
			break;
		case 'l': wo.language = optarg; break;
		case 's': r.skip_bad = 1; break;
		case 'T': r.strict = 1; break;
		case 'Y': sync_dir = optarg; break;
		case 'F': {
			const char *colon = strrchr(optarg, ':');
			size_t nl = colon ? (size_t)(colon - optarg) : 0;
			int t = colon ? cli_field_type(colon + 1) : -1;

			if (t < 0 || nl == 0 || nl >= sizeof names[0]) {
				fprintf(stderr, "attache index: --field '%s': give NAME:TYPE, "
				        "TYPE keyword, date or number\n", optarg);
				return EXIT_USAGE;
			}
			if (wo.nfields == sizeof fields / sizeof fields[0]) {
				fprintf(stderr, "attache index: more than 64 --field\n");
				return EXIT_USAGE;
			}
			memcpy(names[wo.nfields], optarg, nl);
			names[wo.nfields][nl] = '\0';
			fields[wo.nfields].name = names[wo.nfields];
			fields[wo.nfields].type = (att_field_type)t;
			wo.nfields++;
			wo.fields = fields;
			break;
		}
		case 'u': wo.replace_invalid_utf8 = 1; break;
		case 'q': r.quiet = 1; break;
		case 'y': synonyms = optarg; break;
		case 'h': index_usage(stdout); return 0;
		case 'f':
			if (parse_format(&r.format, optarg) != 0) {
				fprintf(stderr, "attache index: unknown format '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'm':
			if (cli_parse_size(&wo.memory_budget, optarg) != 0 ||
			    wo.memory_budget < (4u << 20)) {
				fprintf(stderr, "attache index: --memory '%s': give a size "
				        "of at least 4M, such as 64M or 1G\n", optarg);
				return EXIT_USAGE;
			}
			break;
		default: index_usage(stderr); return EXIT_USAGE;
		}
	}
	if (wo.backend == NULL) /* the environment's default for new indexes */
		wo.backend = getenv("ATTACHE_BACKEND");
	if (index != NULL && synonyms != NULL && optind >= argc && !sync_dir)
		return set_synonyms(index, synonyms, r.quiet);
	if (sync_dir != NULL && optind < argc) {
		fprintf(stderr, "attache index: --sync DIR takes no other INPUT\n");
		return EXIT_USAGE;
	}
	if (index == NULL || (optind >= argc && sync_dir == NULL)) {
		fprintf(stderr, "attache index: %s\n", index == NULL
		        ? "-i INDEX is required" : "no INPUT given");
		index_usage(stderr);
		return EXIT_USAGE;
	}
	if (wo.nfields == 0) {   /* text files' front matter: typed */
		int text = 1;

		for (i = optind; i < argc; i++)
			text &= text_input(r.format, argv[i]);
		if (sync_dir != NULL)
			text = text_input(r.format, sync_dir);
		if (text && new_index(index)) {
			wo.fields = front_matter_fields;
			wo.nfields = sizeof front_matter_fields /
			             sizeof *front_matter_fields;
		}
	}
	rc = att_writer_open(&r.w, index, &wo, &msg);
	if (rc != ATT_OK) {
		fprintf(stderr, "attache index: %s\n", msg ? msg : att_status_str(rc));
		free(msg);
		return cli_exit_for(rc);
	}
	if (sync_dir != NULL) {
		ex = cli_sync(r.w, index, sync_dir, r.strict, r.quiet);
		if (ex == 0 && synonyms != NULL)
			ex = set_synonyms(index, synonyms, 1);
		att_writer_free(r.w);
		return ex;
	}
	r.progress = isatty(STDERR_FILENO) && !r.quiet;
	r.t0 = now();
	for (i = optind; i < argc && ex == 0; i++)
		ex = index_input(&r, argv[i]);
	progress(&r, 1);
	if (ex == 0 && (rc = att_writer_commit(r.w)) != ATT_OK) {
		fprintf(stderr, "attache index: commit failed: %s\n",
		        att_writer_errmsg(r.w));
		ex = cli_exit_for(rc);
	}
	if (ex == 0 && synonyms != NULL)
		ex = set_synonyms(index, synonyms, 1);
	if (ex != 0) {
		fprintf(stderr, "attache index: nothing was committed; %s keeps its "
		        "previous contents\n", index);
	} else if (!r.quiet) {
		double el = now() - r.t0;

		printf("indexed %llu documents, %.1f MB in %.2f s (%.1f MB/s)",
		       (unsigned long long)(r.docs - r.deleted_records), r.bytes / 1e6,
		       el, el > 0 ? r.bytes / 1e6 / el : 0.0);
		if (att_writer_replaced(r.w))
			printf("; replaced %llu",
			       (unsigned long long)att_writer_replaced(r.w));
		if (r.deleted_records)
			printf("; deleted %llu", (unsigned long long)r.deleted);
		if (r.skipped)
			printf("; skipped %llu bad records", (unsigned long long)r.skipped);
		if (r.unreadable)
			printf("; skipped %llu unreadable file%s",
			       (unsigned long long)r.unreadable,
			       r.unreadable == 1 ? "" : "s");
		if (strcmp(att_writer_backend(r.w), "xapian") == 0)
			printf("; Xapian backend, %u shard%s", att_writer_segments(r.w),
			       att_writer_segments(r.w) == 1 ? "" : "s");
		else
			printf("; %u segments written", att_writer_segments(r.w));
		printf("; peak memory %.1f MiB\n", peak_mib());
	}
	att_writer_free(r.w);
	return ex;
}
