/*
 * readers.h: one reader per document format people keep (HTML,
 * Markdown, PDF, e-mail), each turning the bytes of one file into a
 * document's title, text and fields. reader.c walks the folders, sniffs
 * each file (att_sniff) and hands its bytes to the reader of its kind;
 * the readers know nothing of files, ids or the index.
 *
 *   readers.c  - att_rdoc (what a reader fills), sniffing, dates
 *   html.c     - HTML through gumbo (an HTML5 parser), charsets by iconv
 *   markdown.c - Markdown through md4c, with a front-matter block
 *   pdf.c      - PDF through poppler-glib, page by page
 *   mail.c     - e-mail (.eml) and mbox through GMime
 *
 * Every reader takes the whole file in memory, at most ATT_RD_LIMIT
 * bytes (reader.c refuses a larger one before reading it), and bounds
 * what it makes of it: at most ATT_RD_TEXT_MAX bytes of text (ATT_ELIMIT
 * beyond, so a decompression bomb stops there). On error it returns
 * ATT_EINPUT (damaged, encrypted, not of its format), ATT_ELIMIT or
 * ATT_ENOMEM, with a message in MSG that does not name the file (the
 * caller puts "FILE: " before it); the att_rdoc is then to be reset.
 */
#ifndef ATTACHE_READERS_H
#define ATTACHE_READERS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "attache.h"
#include "format.h"

#define ATT_RD_LIMIT ((size_t)64 << 20)      /* largest file read */
#define ATT_RD_TEXT_MAX ((size_t)64 << 20)   /* most text made of one */
#define ATT_RD_FIELDS 16                     /* most fields of one */
#define ATT_RD_ISOLATE ((size_t)1 << 20)     /* Markdown read by a worker
                                                process past this */
#define ATT_RD_ISOLATE_HTML ((size_t)64 << 10) /* HTML: gumbo's time grows
                                                with depth times tags */

typedef enum att_kind {
	ATT_KIND_UNKNOWN = 0,  /* binary or unsupported: not read */
	ATT_KIND_TEXT,         /* .txt: reader.c's own */
	ATT_KIND_HTML,
	ATT_KIND_MARKDOWN,
	ATT_KIND_PDF,
	ATT_KIND_EML,          /* one message */
	ATT_KIND_MBOX          /* messages, each "From " line first */
} att_kind;

/* What a reader makes of one document. The text is UTF-8, paragraphs
 * (and block elements, PDF lines joined into sentences) separated by a
 * blank line "\n\n", so that sentences and passages end there. */
typedef struct att_rdoc {
	att_buf title;         /* one line, trimmed; may be empty */
	att_buf text;
	/* fields: name and value bytes in arena, at offsets (the arena
	 * may move while it grows); att_rdoc_fields() resolves them */
	att_buf arena;
	struct {
		size_t name, name_len, value, value_len;
		int list;          /* the value is a JSON array of strings */
	} f[ATT_RD_FIELDS];
	size_t nfields;
	att_field out[ATT_RD_FIELDS];
	/* PDF: pages[i] is the byte offset in text where page i + 1
	 * starts (pages[0] = 0); npages 0 for the other formats */
	uint32_t *pages;
	size_t npages, pages_cap;
	int gap;               /* att_rdoc_text: 1 space, 2 paragraph pending */
	int over;              /* the text passed ATT_RD_TEXT_MAX: cut there */
} att_rdoc;

void att_rdoc_init(att_rdoc *d);
void att_rdoc_reset(att_rdoc *d);     /* empty again, memory kept */
void att_rdoc_release(att_rdoc *d);

/* Sets field NAME to VALUE[0..N) (UTF-8, trimmed of white space; an
 * empty value is no value). A name set again becomes a list: its value
 * is then a JSON array of strings, as a keyword field's several values
 * are written (docs/QUERY.md, "Typed fields"). Fields beyond
 * ATT_RD_FIELDS are dropped. ATT_OK or ATT_ENOMEM. */
att_status att_rdoc_field(att_rdoc *d, const char *name, const char *value,
                          size_t n);

/* Sets the "date" field from text S[0..N) if it reads as a date
 * (att_date_parse's ISO 8601 forms, or a PDF "D:YYYYMMDDHHmmSS+HH'mm'"
 * date, or an RFC 5322 date such as "Tue, 4 Mar 2025 09:15:00 +0100"),
 * written as "YYYY-MM-DDTHH:MM:SSZ" (a date alone as "YYYY-MM-DD"). A
 * date already set is kept; one that does not read is ignored (a web
 * page's odd date is not worth refusing the page). ATT_OK or ATT_ENOMEM. */
att_status att_rdoc_date(att_rdoc *d, const char *s, size_t n);
/* The same from T, seconds since 1970 UTC. */
att_status att_rdoc_date_unix(att_rdoc *d, int64_t t);

/* Marks the start of a new page at the text's current end (PDF). */
att_status att_rdoc_page(att_rdoc *d);

/* The fields as att_field's pointing into the arena, valid until the
 * next change to D; *N gets their count. */
const att_field *att_rdoc_fields(att_rdoc *d, size_t *n);

/* Appends S[0..N) to D->text with runs of ASCII white space folded to
 * one space (none at a paragraph's start or end); att_rdoc_para ends the
 * paragraph: the next text starts after "\n\n". For the readers that
 * walk a tree of text nodes. Past ATT_RD_TEXT_MAX bytes the text stops
 * growing and D->over is set: the reader then returns ATT_ELIMIT. */
void att_rdoc_text(att_rdoc *d, const char *s, size_t n);
void att_rdoc_para(att_rdoc *d);

/* The kind of the file named NAME whose first N bytes are P (N may be
 * less than the file): the content decides where it is clear (a PDF's
 * "%PDF-", an mbox's "From " line, an HTML doctype or <html>, an e-mail's
 * headers), the extension where it is not (Markdown, .txt); a NUL in
 * the first bytes of a file that is not a PDF makes it binary. */
att_kind att_sniff(const char *name, const uint8_t *p, size_t n);
/* The kind an extension names (".html", ".md", ...), ATT_KIND_UNKNOWN
 * for any other: the walk lists only files of a known kind. */
att_kind att_kind_of_name(const char *name);
const char *att_kind_name(att_kind k);

/* ---- the readers ---------------------------------------------------- */

att_status att_read_html(att_rdoc *d, const uint8_t *p, size_t n,
                         char *msg, size_t cap);
att_status att_read_markdown(att_rdoc *d, const uint8_t *p, size_t n,
                             char *msg, size_t cap);
att_status att_read_pdf(att_rdoc *d, const uint8_t *p, size_t n,
                        char *msg, size_t cap);
/* One message (.eml, or one of an mbox without its "From " line). */
att_status att_read_mail(att_rdoc *d, const uint8_t *p, size_t n,
                         char *msg, size_t cap);

/* The messages of an mbox [P, P + N): from *AT (0 at first), the next
 * message's bytes [*START, *START + *LEN), its "From " separator line
 * left out, and *AT moved past it; 1 if there is one, 0 at the end.
 * *LINE gets the 1-based line of its "From " line. A separator is a
 * line starting "From " at the start of the file or after a blank
 * line. Quoted ">From " lines in a body are left as they are. */
int att_mbox_next(const uint8_t *p, size_t n, size_t *at, size_t *start,
                  size_t *len, uint64_t *line);
/* The same in time linear in the whole mbox: *AT_LINE is the line *AT is
 * on, set by the call (1 when *AT is 0) and kept by the caller. */
int att_mbox_next_lines(const uint8_t *p, size_t n, size_t *at,
                        uint64_t *at_line, size_t *start, size_t *len,
                        uint64_t *line);

#endif
