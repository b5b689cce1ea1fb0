/*
 * module.h: the interface between the library and its reader modules
 * (modules.c loads them, module.c is each one's entry point).
 */
#ifndef ATTACHE_MODULE_H
#define ATTACHE_MODULE_H

#include "readers.h"

#define ATT_READER_MODULE_VERSION 2

typedef struct att_reader_module {
	int version;       /* ATT_READER_MODULE_VERSION */
	att_status (*read)(att_rdoc *d, const uint8_t *p, size_t n, char *msg,
	                   size_t cap);
	/* the mail module's att_mbox_next; NULL in the PDF module */
	int (*mbox_next)(const uint8_t *p, size_t n, size_t *at,
	                 uint64_t *at_line, size_t *start, size_t *len,
	                 uint64_t *line);
} att_reader_module;

/* Reads a file of kind K (ATT_KIND_PDF, ATT_KIND_EML) through its module,
 * loading it first. ATT_ENOTFOUND, with the reason in MSG, if the module
 * cannot be loaded; else what the reader returns. Thread-safe. */
att_status att_module_read(att_kind k, att_rdoc *d, const uint8_t *p,
                           size_t n, char *msg, size_t cap);

typedef att_status (*att_read_fn)(att_rdoc *d, const uint8_t *p, size_t n,
                                  char *msg, size_t cap);

/* Runs FN on [P, P + N) in a child process whose CPU time, address space
 * and wall time are bounded (modules.c), the result copied into D. A file
 * past the bounds, or one the reader crashes on, is ATT_ELIMIT with MSG
 * saying so (WHAT names the format). */
att_status att_read_isolated(att_read_fn fn, const char *what, att_rdoc *d,
                             const uint8_t *p, size_t n, char *msg,
                             size_t cap);

/* att_mbox_next through the mail module: 1, 0, or -1 with the reason in
 * MSG if the module cannot be loaded. */
int att_module_mbox_next(const uint8_t *p, size_t n, size_t *at,
                         uint64_t *at_line, size_t *start, size_t *len,
                         uint64_t *line, char *msg, size_t cap);

#endif
