/*
 * cli.h: the attache command's internal interfaces.
 *
 *   main.c       - dispatch to subcommands, shared helpers
 *   cmd_index.c  - attache index
 *   sync.c       - attache index --sync: an index kept up to date with a folder
 *   cmd_search.c - attache search
 *   cmd_delete.c - attache delete
 *   cmd_merge.c  - attache merge
 *   cmd_check.c  - attache check
 *   cmd_stats.c  - attache stats
 *   cmd_eval.c   - attache eval
 *   cmd_serve.c  - attache serve (the server itself is in server/)
 *   eval.c       - its measures, in eval.h
 *
 * The command uses only the public API in attache.h. Exit status: 0 ok,
 * 1 no result or a user error (bad option, bad query, bad input), 2 an
 * internal or system error (I/O, corrupt index, out of memory).
 */
#ifndef ATT_CLI_H
#define ATT_CLI_H

#include <stddef.h>

#include "attache.h"

#define EXIT_NORESULT 1
#define EXIT_USAGE 1
#define EXIT_INTERNAL 2

int cmd_index(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_serve(int argc, char **argv);

/* attache index --sync DIR into the open writer W of INDEX (sync.c):
 * reads the new and changed files, deletes the gone ones' documents,
 * commits; an exit status. */
int cli_sync(att_writer *w, const char *index, const char *dir, int strict,
             int quiet);

/* The exit status for a failed call that returned RC. */
int cli_exit_for(att_status rc);

/* Parses "123", "64k", "256M", "1G" into bytes; -1 if invalid. */
int cli_parse_size(size_t *out, const char *s);
/* Parses a double / a size_t option value; -1 if invalid. */
int cli_parse_double(double *out, const char *s);
int cli_parse_count(size_t *out, const char *s);
/* The att_field_type named S ("keyword", "date", "number"), or -1. */
int cli_field_type(const char *s);

#endif
