/*
 * reader.c: the public att_reader, which turns input files into documents.
 *
 * Three input formats, one per kind of collection people bring:
 *
 *   - documents: a directory tree (or one file, or stdin for text), one
 *     document per file (per message of an mbox). The tree is walked once
 *     at open: every regular, non-hidden file is listed (symbolic links
 *     are not followed, so a link cannot loop or leave the tree) and the
 *     list is sorted by the bytes of the relative path, so the same tree
 *     always gives the same documents in the same order. Each file is
 *     read whole; a .txt file is text (the id is the path below the root
 *     without ".txt", the title the first line after an optional front
 *     matter, the text the rest); any other is sniffed (att_sniff) and
 *     given to its kind's reader in readers/ (HTML, Markdown, PDF, e-mail,
 *     mbox: docs/READERS.md), its id the path with its extension; a file
 *     of no kind is an error for that file. A filter (attache index
 *     --sync) may turn a file down before it is read.
 *   - JSONL: one JSON object per line, parsed by jansson. "id" (a string
 *     or an integer), "title" and "text" fill the document; every other
 *     key becomes an att_field, a string as it is and any other value as
 *     its compact JSON text.
 *   - TREC: SGML-ish <DOC> records with <DOCNO>, <TITLE> or <HEADLINE>,
 *     and <TEXT>; tags are matched without regard to case and may carry
 *     attributes.
 *
 * All input goes through one small buffered source (struct src) over a
 * file descriptor, not stdio: it can peek at bytes without consuming them
 * (so standard input can be sniffed for its format and then read from the
 * start), it grows to hold a whole line or record (a JSON line may be
 * many megabytes), and it counts lines and bytes as it consumes them, for
 * error messages and progress reports. Data stays in the buffer until the
 * next refill, which happens only inside the next att_reader_next call, so
 * a document may point straight into it (the text of a .txt file does).
 *
 * Every record is bounded: a .txt file, a JSON line and a TREC record may
 * each be at most 64 MiB (ATT_ELIMIT beyond). A line or record that is too
 * long is skipped without being held in memory.
 *
 * Errors about one record (ATT_EINPUT, ATT_ELIMIT, and ATT_EIO for a file
 * of the tree that cannot be read) leave the reader past that record, so
 * the caller may count it and call again. The message, kept on the handle
 * until the next call, starts with "FILE:LINE: " (or "FILE: " for text
 * files, which are one record each).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "attache.h"
#include "format.h"
#include "stemmer.h"
#include "indexer.h"
#include "readers/readers.h"
#include "readers/module.h"

#define LIMIT ((size_t)64 << 20)   /* largest file, JSON line, TREC record */
#define BINARY_PROBE 8192          /* bytes searched for a NUL */
#define CHUNK ((size_t)64 << 10)   /* smallest read() */
#define TAG_MAX 1024               /* longest <TAG attributes...> */
#define STDIN_NAME "<stdin>"

/* ---- the buffered source --------------------------------------------- */

typedef struct src {
	int fd;          /* -1 when nothing is open */
	int close_fd;    /* 0 for standard input, which is not ours */
	uint8_t *p;      /* cap bytes; [pos, len) read but not consumed */
	size_t cap, pos, len;
	int eof;         /* read() has returned 0 */
	int err;         /* errno of a failed read(), 0 if none */
	uint64_t line;   /* 1-based line of the byte at pos */
	uint64_t used;   /* bytes consumed */
} src;

/* Closes what S reads (keeping its buffer) and starts reading FD. */
static void src_reset(src *s, int fd, int close_fd)
{
	if (s->fd >= 0 && s->close_fd)
		close(s->fd);
	s->fd = fd;
	s->close_fd = close_fd;
	s->pos = s->len = 0;
	s->eof = fd < 0;
	s->err = 0;
	s->line = 1;
	s->used = 0;
}

static void src_release(src *s)
{
	src_reset(s, -1, 0);
	att_free(s->p);
	s->p = NULL;
	s->cap = 0;
}

/* Reads until at least WANT unconsumed bytes are buffered or the input
 * ends. Consumed bytes are dropped first, so pointers into the buffer die
 * here. One byte past len is always free, so the data can be NUL-ended.
 * Returns ATT_OK (also at the end of input), ATT_EIO (errno in s->err)
 * or ATT_ENOMEM. */
static att_status src_fill(src *s, size_t want)
{
	size_t need, cap;
	uint8_t *p;
	ssize_t got;

	while (s->len - s->pos < want && !s->eof) {
		if (s->pos > 0) {
			memmove(s->p, s->p + s->pos, s->len - s->pos);
			s->len -= s->pos;
			s->pos = 0;
		}
		need = (want > s->len ? want : s->len) + 1;
		if (need < s->len + CHUNK + 1)
			need = s->len + CHUNK + 1;
		if (s->cap < need) {
			cap = s->cap + s->cap / 2;
			cap = cap < need ? need : cap;
			p = att_realloc(s->p, cap);
			if (p == NULL)
				return ATT_ENOMEM;
			s->p = p;
			s->cap = cap;
		}
		got = read(s->fd, s->p + s->len, s->cap - s->len - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			s->err = errno;
			return ATT_EIO;
		}
		if (got == 0)
			s->eof = 1;
		s->len += (size_t)got;
	}
	return ATT_OK;
}

/* Consumes N buffered bytes, counting their newlines. */
static void src_skip(src *s, size_t n)
{
	const uint8_t *q, *end;

	assert(n <= s->len - s->pos);
	if (n == 0)
		return;
	q = s->p + s->pos;
	end = q + n;
	while (q < end && (q = memchr(q, '\n', (size_t)(end - q))) != NULL) {
		s->line++;
		q++;
	}
	s->pos += n;
	s->used += n;
}

/* Consumes input up to and including the next newline (or to the end),
 * without holding it all: for lines over the limit. */
static att_status src_discard_line(src *s)
{
	const uint8_t *nl;
	size_t avail;
	att_status st;

	for (;;) {
		avail = s->len - s->pos;
		nl = avail ? memchr(s->p + s->pos, '\n', avail) : NULL;
		if (nl != NULL) {
			src_skip(s, (size_t)(nl - (s->p + s->pos)) + 1);
			return ATT_OK;
		}
		src_skip(s, avail);
		if (s->eof)
			return ATT_OK;
		st = src_fill(s, 1);
		if (st != ATT_OK)
			return st;
	}
}

/* Reads one line, without its '\n', into *OUT and *OUTN: it stays valid
 * until the next call on S. At the end of input *OUT is NULL. A line over
 * LIMIT bytes is consumed and reported as *TOOLONG = 1, *OUT NULL. */
static att_status src_line(src *s, const uint8_t **out, size_t *outn,
                           int *toolong)
{
	size_t scanned = 0, avail, n;
	const uint8_t *nl;
	att_status st;

	*out = NULL;
	*outn = 0;
	*toolong = 0;
	for (;;) {
		avail = s->len - s->pos;
		nl = avail > scanned ?
		    memchr(s->p + s->pos + scanned, '\n', avail - scanned) : NULL;
		if (nl != NULL || (s->eof && avail > 0))
			break;
		if (s->eof)
			return ATT_OK;
		scanned = avail;
		if (scanned > LIMIT)
			break;
		st = src_fill(s, avail + 1);
		if (st != ATT_OK)
			return st;
	}
	n = nl != NULL ? (size_t)(nl - (s->p + s->pos)) : avail;
	if (n > LIMIT) {
		*toolong = 1;
		return src_discard_line(s);
	}
	*out = s->p + s->pos;
	*outn = n;
	src_skip(s, n + (nl != NULL));
	return ATT_OK;
}

/* Buffers all the rest of the input, or sets *TOOLONG once more than
 * LIMIT bytes are waiting. */
static att_status src_slurp(src *s, size_t size_hint, int *toolong)
{
	att_status st;

	*toolong = 0;
	if (size_hint > LIMIT)
		size_hint = LIMIT;
	while (!s->eof) {
		if (s->len - s->pos > LIMIT)
			break;
		st = src_fill(s, s->len - s->pos >= size_hint ?
		                     s->len - s->pos + 1 : size_hint + 1);
		if (st != ATT_OK)
			return st;
	}
	*toolong = s->len - s->pos > LIMIT;
	return ATT_OK;
}

/* ---- the reader -------------------------------------------------------- */

struct att_reader {
	att_input_format format; /* never AUTO once open */
	char *root;       /* PATH as given, trailing slashes dropped */
	char *name;       /* the input's name in messages: root or <stdin> */
	int is_dir;       /* text: walking the tree in files[] */
	char **files;     /* text: sorted paths below root */
	size_t nfiles, ifile;
	int done;         /* text, one file: its document was returned */
	char *single_id;  /* text, one file: its id */
	src in;           /* the input being read */
	att_buf path;     /* text tree: the current file's path */
	uint64_t line;    /* line of the record last returned or failed */
	uint64_t bytes_done; /* bytes of inputs already closed */
	att_buf msg;      /* the last error's message */
	att_buf id, title, text, arena; /* the document's strings */
	att_field *fields;
	size_t fields_cap;
	att_fm fm;        /* text: the file's front matter */
	json_t *json;     /* JSONL: the object the document points into */
	char idnum[32];   /* JSONL: an integer id as text */
	att_rdoc rd;      /* tree: what a format reader made of the file */
	att_buf pagetext; /* tree: a PDF's text with its page marks */
	const uint8_t *mbox; /* tree: the mbox being read (in in), or NULL */
	size_t mbox_n, mbox_at;
	uint64_t mbox_i;  /* its messages returned so far */
	uint64_t mbox_line; /* the line mbox_at is on */
	att_reader_filter filter; /* tree: asked before each file */
	void *filter_ctx;
	uint8_t *mem;     /* att_reader_open_bytes: the bytes (NUL after) */
	size_t mem_n;
	att_kind mem_kind;
};

static const char empty[] = "";

static att_status vfail(att_reader *r, att_status st, const char *fmt,
                        va_list ap)
{
	va_list ap2;
	int len;

	att_buf_clear(&r->msg);
	va_copy(ap2, ap);
	len = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (len >= 0 && att_buf_reserve(&r->msg, (size_t)len + 1) == 0) {
		vsnprintf((char *)r->msg.p, (size_t)len + 1, fmt, ap);
		r->msg.n = (size_t)len;
	}
	return st;
}

/* Sets the reader's message and returns ST. */
static att_status fail(att_reader *r, att_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static att_status fail(att_reader *r, att_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	st = vfail(r, st, fmt, ap);
	va_end(ap);
	return st;
}

static att_status oom(att_reader *r)
{
	return fail(r, ATT_ENOMEM, "out of memory");
}

/* A failed system call on NAME: ATT_EIO, or ATT_ENOTFOUND when NOTFOUND
 * is set and the file is not there. */
static att_status sys_fail(att_reader *r, int err, const char *name,
                           int notfound)
{
	att_status st = ATT_EIO;

	if (notfound && (err == ENOENT || err == ENOTDIR))
		st = ATT_ENOTFOUND;
	return fail(r, st, "%s: %s", name, strerror(err));
}

/* Maps a failed src_fill of the current input to the reader's error. */
static att_status src_fail(att_reader *r, att_status st)
{
	if (st == ATT_ENOMEM)
		return oom(r);
	return sys_fail(r, r->in.err, att_reader_file(r), 0);
}

static int is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

static int is_blank(const uint8_t *p, size_t n)
{
	while (n > 0 && is_space(*p))
		p++, n--;
	return n == 0;
}

/* Narrows [*P, *P + *N) to drop surrounding whitespace. */
static void trim(const uint8_t **p, size_t *n)
{
	while (*n > 0 && is_space(**p))
		(*p)++, (*n)--;
	while (*n > 0 && is_space((*p)[*n - 1]))
		(*n)--;
}

static int has_bom(const uint8_t *p, size_t n)
{
	return n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF;
}

/* NUL-ends B's contents without counting the NUL. 0 ok, -1 no memory. */
static int buf_cstr(att_buf *b)
{
	att_buf_putc(b, 0);
	if (b->rc != ATT_OK)
		return -1;
	b->n--;
	return 0;
}

/* Sets B to the bytes [P, P + N), NUL-ended. 0 ok, -1 no memory. */
static int buf_set(att_buf *b, const void *p, size_t n)
{
	att_buf_clear(b);
	att_buf_append(b, p, n);
	return buf_cstr(b);
}

static int ends_with(const char *s, size_t n, const char *suffix, int nocase)
{
	size_t k = strlen(suffix), i;

	if (n < k)
		return 0;
	for (i = 0; i < k; i++) {
		char c = s[n - k + i];

		if (nocase && c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != suffix[i])
			return 0;
	}
	return 1;
}

/* Closes the current input, adding its bytes to the total. */
static void input_close(att_reader *r)
{
	r->mbox = NULL;
	r->bytes_done += r->in.used;
	src_reset(&r->in, -1, 0);
}

/* ---- text: a tree of .txt files, one file, or stdin ------------------- */

/* Fills DOC from the whole file [P, P + N): the first line is the title
 * (trimmed), the rest after leading blank lines is the text, byte for
 * byte. P[N] must be writable: it gets a NUL. */
static att_status text_doc(att_reader *r, uint8_t *p, size_t n,
                           const char *id, size_t id_len, att_doc *doc)
{
	const char *file = att_reader_file(r);
	const uint8_t *nl, *t, *q, *zero;
	uint8_t *end = p + n;
	char fmsg[160];
	att_status st;
	size_t tn;

	zero = memchr(p, 0, n < BINARY_PROBE ? n : BINARY_PROBE);
	if (zero != NULL)
		return fail(r, ATT_EINPUT, "%s: binary file (NUL byte at offset %zu)",
		            file, (size_t)(zero - p));
	if (has_bom(p, n))
		p += 3;
	if (p == end)
		return fail(r, ATT_EINPUT, "%s: empty file", file);
	st = att_front_matter(&r->fm, p, (size_t)(end - p), fmsg, sizeof fmsg);
	if (st != ATT_OK)
		return st == ATT_ENOMEM ? oom(r)
		                        : fail(r, st, "%s:%s", file, fmsg);
	p += r->fm.used;
	if (r->fm.title != NULL) {   /* the title is given: all is text */
		t = (const uint8_t *)r->fm.title;
		tn = r->fm.title_len;
		q = p;
	} else {
		if (p == end)
			return fail(r, ATT_EINPUT, "%s: no title after the front "
			            "matter", file);
		nl = memchr(p, '\n', (size_t)(end - p));
		t = p;
		tn = (size_t)((nl != NULL ? nl : end) - p);
		trim(&t, &tn);
		q = nl != NULL ? nl + 1 : end;
	}
	while (q < end) {
		nl = memchr(q, '\n', (size_t)(end - q));
		if (!is_blank(q, (size_t)((nl != NULL ? nl : end) - q)))
			break;
		q = nl != NULL ? nl + 1 : end;
	}
	if (buf_set(&r->title, t, tn) != 0 || buf_set(&r->id, id, id_len) != 0)
		return oom(r);
	*end = 0;
	doc->id = (const char *)r->id.p;
	doc->id_len = id_len;
	doc->title = (const char *)r->title.p;
	doc->title_len = tn;
	doc->text = (const char *)q;
	doc->text_len = (size_t)(end - q);
	doc->fields = r->fm.fields;
	doc->nfields = r->fm.nfields;
	return ATT_OK;
}

/* Buffers the whole current input, SIZE bytes when known (a regular
 * file), else 0, into [*P, *P + *N), consumed but left in place for the
 * document (with room for a NUL after it). */
static att_status slurp_file(att_reader *r, uint64_t size, uint8_t **p,
                             size_t *n)
{
	att_status st;
	int toolong;

	if (size > LIMIT) {
		r->bytes_done += size;
		return fail(r, ATT_ELIMIT, "%s: file larger than 64 MiB (%" PRIu64
		            " bytes)", att_reader_file(r), size);
	}
	st = src_slurp(&r->in, (size_t)size, &toolong);
	if (st != ATT_OK)
		return src_fail(r, st);
	*n = r->in.len - r->in.pos;
	if (toolong) {
		src_skip(&r->in, *n);
		return fail(r, ATT_ELIMIT, "%s: file larger than 64 MiB",
		            att_reader_file(r));
	}
	r->in.used += *n;
	*p = r->in.p + r->in.pos;
	return ATT_OK;
}

/* Reads the whole current input as one document. SIZE is its size when
 * known (a regular file), else 0. */
static att_status text_read(att_reader *r, uint64_t size, const char *id,
                            size_t id_len, att_doc *doc, int *has_doc)
{
	att_status st;
	uint8_t *p;
	size_t n;

	r->line = 1;
	st = slurp_file(r, size, &p, &n);
	if (st != ATT_OK)
		return st;
	if (n == 0)
		return fail(r, ATT_EINPUT, "%s: empty file", att_reader_file(r));
	st = text_doc(r, p, n, id, id_len, doc);
	*has_doc = st == ATT_OK;
	return st;
}

/* DOC from what the format reader made of the file (r->rd), with id
 * ID[0..IDN). A PDF's pages are marked in its text with a form feed
 * before each page but the first (docs/READERS.md, "Pages"), which the
 * analyser takes as white space and the searcher counts. */
static att_status rdoc_doc(att_reader *r, const char *id, size_t idn,
                           att_doc *doc)
{
	att_rdoc *d = &r->rd;
	const uint8_t *text = d->text.p;
	size_t n = d->text.n, i;

	if (d->npages > 1) {
		size_t at = 0;

		att_buf_clear(&r->pagetext);
		for (i = 1; i < d->npages; i++) {
			size_t to = d->pages[i] < n ? d->pages[i] : n;

			if (to < at)
				continue;
			att_buf_append(&r->pagetext, d->text.p + at, to - at);
			att_buf_putc(&r->pagetext, '\f');
			at = to;
		}
		att_buf_append(&r->pagetext, d->text.p + at, n - at);
		if (r->pagetext.rc != ATT_OK)
			return oom(r);
		text = r->pagetext.p;
		n = r->pagetext.n;
	}
	/* NUL-terminated, as every document's strings are */
	if (buf_set(&r->id, id, idn) != 0 || buf_cstr(&d->title) != 0 ||
	    buf_cstr(d->npages > 1 ? &r->pagetext : &d->text) != 0)
		return oom(r);
	text = d->npages > 1 ? r->pagetext.p : d->text.p;   /* may have moved */
	doc->id = (const char *)r->id.p;
	doc->id_len = idn;
	doc->title = d->title.n > 0 ? (const char *)d->title.p : empty;
	doc->title_len = d->title.n;
	doc->text = n > 0 ? (const char *)text : empty;
	doc->text_len = n;
	doc->fields = att_rdoc_fields(d, &doc->nfields);
	return ATT_OK;
}

/* Reads [P, P + N), a file of kind K, with its format's reader. */
static att_status format_doc(att_reader *r, att_kind k, const uint8_t *p,
                             size_t n, const char *id, size_t idn,
                             att_doc *doc)
{
	char m[512];
	att_status st;

	m[0] = 0;
	att_rdoc_reset(&r->rd);
	if (r->rd.title.rc != ATT_OK || r->rd.text.rc != ATT_OK)
		att_rdoc_release(&r->rd), att_rdoc_init(&r->rd);
	switch (k) {   /* a large HTML or Markdown file in a child process */
	case ATT_KIND_HTML:
		st = n > ATT_RD_ISOLATE_HTML ?
		     att_read_isolated(att_read_html, "HTML", &r->rd, p, n, m, sizeof m) :
		     att_read_html(&r->rd, p, n, m, sizeof m);
		break;
	case ATT_KIND_MARKDOWN:
		st = n > ATT_RD_ISOLATE ?
		     att_read_isolated(att_read_markdown, "Markdown", &r->rd, p, n, m,
		                       sizeof m) :
		     att_read_markdown(&r->rd, p, n, m, sizeof m);
		break;
	default:
		st = att_module_read(k, &r->rd, p, n, m, sizeof m);
		if (st == ATT_ENOTFOUND)   /* the file is skipped, not the run */
			st = ATT_EINPUT;
		break;
	}
	if (st == ATT_ENOMEM)
		return oom(r);
	if (st != ATT_OK)
		return fail(r, st, "%s: %s", att_reader_file(r),
		            m[0] ? m : att_status_str(st));
	return rdoc_doc(r, id, idn, doc);
}

/* The next message of the open mbox, or *HAS_DOC 0 after its last. */
static att_status mbox_doc(att_reader *r, att_doc *doc, int *has_doc)
{
	const char *rel = r->files[r->ifile - 1];
	size_t start, len, idn;
	uint64_t line;
	char m[512], id[32];
	int more;

	m[0] = 0;
	more = att_module_mbox_next(r->mbox, r->mbox_n, &r->mbox_at,
	                            &r->mbox_line, &start, &len, &line, m,
	                            sizeof m);
	if (more <= 0) {
		r->mbox = NULL;
		if (more < 0 && r->mbox_i == 0)
			return fail(r, ATT_EINPUT, "%s: %s", att_reader_file(r), m);
		if (r->mbox_i == 0)
			return fail(r, ATT_EINPUT, "%s: an mbox without messages",
			            att_reader_file(r));
		*has_doc = 0;
		return ATT_OK;
	}
	r->mbox_i++;
	r->line = line;
	idn = (size_t)snprintf(id, sizeof id, "#%" PRIu64, r->mbox_i);
	att_buf_clear(&r->title);   /* the id: REL#N */
	att_buf_append(&r->title, rel, strlen(rel));
	att_buf_append(&r->title, id, idn);
	if (buf_cstr(&r->title) != 0)
		return oom(r);
	att_rdoc_reset(&r->rd);
	{
		att_status st = att_module_read(ATT_KIND_EML, &r->rd, r->mbox + start,
		                                len, m, sizeof m);
		size_t n = r->title.n;
		char *ids;

		if (st == ATT_ENOMEM)
			return oom(r);
		if (st != ATT_OK)
			return fail(r, st == ATT_ENOTFOUND ? ATT_EINPUT : st,
			            "%s:%" PRIu64 ": message %" PRIu64 ": %s",
			            att_reader_file(r), line, r->mbox_i, m);
		ids = att_strndup((const char *)r->title.p, n);
		if (ids == NULL)
			return oom(r);
		st = rdoc_doc(r, ids, n, doc);
		att_free(ids);
		*has_doc = st == ATT_OK;
		return st;
	}
}

/* Reads [P, P + N) (P[N] writable), the file REL of kind K (TEXT: by the
 * rules of .txt files, id REL as given). */
static att_status kind_doc(att_reader *r, att_kind k, uint8_t *p, size_t n,
                           const char *rel, size_t reln, att_doc *doc,
                           int *has_doc)
{
	att_status st;

	switch (k) {
	case ATT_KIND_TEXT:
		st = text_doc(r, p, n, rel, reln, doc);
		break;
	case ATT_KIND_UNKNOWN: {
		const uint8_t *zero = memchr(p, 0, n < BINARY_PROBE ? n : BINARY_PROBE);

		if (zero != NULL)
			return fail(r, ATT_EINPUT, "%s: binary file (NUL byte at "
			            "offset %zu)", att_reader_file(r), (size_t)(zero - p));
		return fail(r, ATT_EINPUT, "%s: unsupported kind of file (attache "
		            "reads .txt, .html, .md, .pdf, .eml and .mbox)",
		            att_reader_file(r));
	}
	case ATT_KIND_MBOX:
		r->mbox = p;
		r->mbox_n = n;
		r->mbox_at = 0;
		r->mbox_line = 1;
		r->mbox_i = 0;
		return mbox_doc(r, doc, has_doc);
	default:
		st = format_doc(r, k, p, n, rel, reln, doc);
		break;
	}
	*has_doc = st == ATT_OK;
	return st;
}

/* The one document (or an mbox's messages) of att_reader_open_bytes. */
static att_status bytes_doc(att_reader *r, const char *rel, size_t reln,
                            att_doc *doc, int *has_doc)
{
	if (buf_set(&r->path, rel, reln) != 0 || buf_cstr(&r->path) != 0)
		return oom(r);
	r->line = 1;
	if (r->mem_n == 0)
		return fail(r, ATT_EINPUT, "%s: empty document", rel);
	return kind_doc(r, r->mem_kind, r->mem, r->mem_n, rel, reln, doc,
	                has_doc);
}

/* The next file of the tree (or message of its mbox); *SKIPPED set if
 * the filter turned the file down. */
static att_status tree_next(att_reader *r, att_doc *doc, int *has_doc,
                            int *skipped)
{
	const char *rel;
	struct stat sb;
	uint8_t *p;
	size_t n, reln;
	att_status st;
	att_kind k;
	int fd;

	if (r->mbox != NULL) {
		st = mbox_doc(r, doc, has_doc);
		if (st != ATT_OK || *has_doc)
			return st;
	}
	input_close(r);
	if (r->ifile == r->nfiles) {
		*has_doc = 0;
		return ATT_OK;
	}
	rel = r->files[r->ifile++];
	reln = strlen(rel);
	if (r->mem != NULL)
		return bytes_doc(r, rel, reln, doc, has_doc);
	att_buf_clear(&r->path);
	att_buf_printf(&r->path, "%s%s%s", r->root,
	               r->root[0] == 0 || r->root[strlen(r->root) - 1] == '/' ?
	                   "" : "/", rel);
	if (r->path.rc != ATT_OK)
		return oom(r);
	r->line = 1;
	fd = open((const char *)r->path.p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return sys_fail(r, errno, (const char *)r->path.p, 0);
	src_reset(&r->in, fd, 1);
	if (fstat(fd, &sb) != 0)
		return sys_fail(r, errno, (const char *)r->path.p, 0);
	if (r->filter != NULL &&
	    !r->filter(r->filter_ctx, rel, (uint64_t)sb.st_size,
	               (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec,
	               NULL, 0)) {
		*skipped = 1;
		return ATT_OK;
	}
	st = slurp_file(r, (uint64_t)sb.st_size, &p, &n);
	if (st != ATT_OK)
		return st;
	if (r->filter != NULL &&
	    !r->filter(r->filter_ctx, rel, (uint64_t)sb.st_size,
	               (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec,
	               p, n)) {
		*skipped = 1;
		return ATT_OK;
	}
	if (n == 0)
		return fail(r, ATT_EINPUT, "%s: empty file", att_reader_file(r));
	k = att_kind_of_name(rel);
	if (k == ATT_KIND_TEXT && reln > 4) {   /* today's ids: no ".txt" */
		st = text_doc(r, p, n, rel, reln - 4, doc);
		*has_doc = st == ATT_OK;
		return st;
	}
	k = att_sniff(rel, p, n);
	if (k == ATT_KIND_TEXT && att_kind_of_name(rel) == ATT_KIND_UNKNOWN)
		k = ATT_KIND_UNKNOWN;   /* a README, a .csv, a source file: not ours */
	return kind_doc(r, k, p, n, rel, reln, doc, has_doc);
}

static att_status text_next_file(att_reader *r, att_doc *doc, int *has_doc)
{
	att_status st;
	int skipped;

	do {
		skipped = 0;
		st = tree_next(r, doc, has_doc, &skipped);
	} while (st == ATT_OK && skipped);
	return st;
}

/* The one document of a single file or stdin. */
static att_status text_next_single(att_reader *r, att_doc *doc,
                                   int *has_doc)
{
	struct stat sb;
	uint64_t size = 0;

	if (r->done) {
		input_close(r);
		*has_doc = 0;
		return ATT_OK;
	}
	r->done = 1;
	if (fstat(r->in.fd, &sb) == 0 && S_ISREG(sb.st_mode))
		size = (uint64_t)sb.st_size;
	return text_read(r, size, r->single_id, strlen(r->single_id), doc,
	                 has_doc);
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static att_status add_file(att_reader *r, const char *rel, size_t *cap)
{
	char **files;
	size_t ncap;

	if (r->nfiles == *cap) {
		ncap = *cap ? *cap * 2 : 64;
		files = att_realloc(r->files, ncap * sizeof *files);
		if (files == NULL)
			return oom(r);
		r->files = files;
		*cap = ncap;
	}
	r->files[r->nfiles] = att_strndup(rel, strlen(rel));
	if (r->files[r->nfiles] == NULL)
		return oom(r);
	r->nfiles++;
	return ATT_OK;
}

/* Lists the *.txt files below PATH (which holds root/REL_AT..., the part
 * after offset REL_AT being the relative path), depth first. PATH is
 * restored before returning. Symbolic links and hidden entries are
 * skipped; entries that vanish meanwhile are ignored. */
static att_status walk(att_reader *r, att_buf *path, size_t rel_at,
                       size_t *cap)
{
	att_status st = ATT_OK;
	size_t keep = path->n;
	struct dirent *e;
	struct stat sb;
	DIR *d;

	d = opendir((const char *)path->p);
	if (d == NULL)
		return sys_fail(r, errno, (const char *)path->p, 0);
	for (errno = 0; (e = readdir(d)) != NULL; errno = 0) {
		if (e->d_name[0] == '.')
			continue;
		path->n = keep;
		if (keep > 0 && path->p[keep - 1] != '/')
			att_buf_putc(path, '/');
		att_buf_append(path, e->d_name, strlen(e->d_name));
		if (buf_cstr(path) != 0) {
			st = oom(r);
			goto done;
		}
		if (lstat((const char *)path->p, &sb) != 0) {
			if (errno == ENOENT)
				continue;
			st = sys_fail(r, errno, (const char *)path->p, 0);
			goto done;
		}
		if (S_ISDIR(sb.st_mode))
			st = walk(r, path, rel_at, cap);
		else if (S_ISREG(sb.st_mode))
			st = add_file(r, (const char *)path->p + rel_at, cap);
		if (st != ATT_OK)
			goto done;
	}
	if (errno != 0) {
		path->n = keep;
		buf_cstr(path);
		st = sys_fail(r, errno, (const char *)path->p, 0);
	}
done:
	closedir(d);
	path->n = keep;
	path->p[keep] = 0;
	return st;
}

/* Walks the tree at r->root into the sorted list r->files. */
static att_status walk_root(att_reader *r)
{
	size_t cap = 0, n = strlen(r->root);
	att_status st;

	r->format = ATT_INPUT_TEXT;
	r->is_dir = 1;
	if (buf_set(&r->path, r->root, n) != 0)
		return oom(r);
	st = walk(r, &r->path, n + (n > 0 && r->root[n - 1] != '/'), &cap);
	if (st != ATT_OK)
		return st;
	if (r->nfiles > 1)
		qsort(r->files, r->nfiles, sizeof *r->files, path_cmp);
	return buf_set(&r->path, r->root, n) == 0 ? ATT_OK : oom(r);
}

/* ---- JSONL ------------------------------------------------------------ */

/* Whether the text [S, S + N) parses back to the number D. */
static int reads_back(const char *s, size_t n, double d)
{
	json_t *j = json_loadb(s, n, JSON_DECODE_ANY, NULL);
	int ok = j != NULL && json_is_number(j) && json_number_value(j) == d;

	json_decref(j);
	return ok;
}

/* Writes the compact JSON text of V into OUT if it fits in CAP bytes and
 * returns its length (0 if jansson fails). A real gets the fewest digits
 * that read back to the same double: jansson's default of 17 would turn
 * 0.1 into 0.10000000000000001. */
static size_t value_text(const json_t *v, char *out, size_t cap)
{
	size_t flags = JSON_COMPACT | JSON_ENCODE_ANY, n;
	char tmp[64];
	int prec;

	if (json_is_real(v)) {
		for (prec = 1; prec < 17; prec++) {
			n = json_dumpb(v, tmp, sizeof tmp,
			               flags | JSON_REAL_PRECISION(prec));
			if (n > 0 && n <= sizeof tmp &&
			    reads_back(tmp, n, json_real_value(v))) {
				flags |= JSON_REAL_PRECISION(prec);
				break;
			}
		}
	}
	return json_dumpb(v, out, cap, flags);
}

/* Sets the document's id from the JSON value V. */
static att_status json_id(att_reader *r, const json_t *v, att_doc *doc)
{
	const char *file = att_reader_file(r);

	if (json_is_string(v)) {
		doc->id = json_string_value(v);
		doc->id_len = json_string_length(v);
	} else if (json_is_integer(v)) {
		snprintf(r->idnum, sizeof r->idnum, "%" JSON_INTEGER_FORMAT,
		         json_integer_value(v));
		doc->id = r->idnum;
		doc->id_len = strlen(r->idnum);
	} else {
		return fail(r, ATT_EINPUT, "%s:%" PRIu64 ": \"id\" is not a string "
		            "or an integer", file, r->line);
	}
	if (doc->id_len == 0)
		return fail(r, ATT_EINPUT, "%s:%" PRIu64 ": empty \"id\"", file,
		            r->line);
	return ATT_OK;
}

/* Fills id, title and text from the object and counts the other keys
 * (*NFIELDS) and the bytes their non-string values need (*NEED). */
static att_status json_known(att_reader *r, att_doc *doc, size_t *nfields,
                             size_t *need)
{
	const char *key;
	json_t *v;
	att_status st;
	size_t n;

	*nfields = *need = 0;
	json_object_foreach(r->json, key, v) {
		if (strcmp(key, "id") == 0) {
			st = json_id(r, v, doc);
			if (st != ATT_OK)
				return st;
		} else if (strcmp(key, "title") == 0 || strcmp(key, "text") == 0) {
			if (!json_is_string(v))
				return fail(r, ATT_EINPUT, "%s:%" PRIu64 ": \"%s\" is not a "
				            "string", att_reader_file(r), r->line, key);
			if (strcmp(key, "title") == 0) {
				doc->title = json_string_value(v);
				doc->title_len = json_string_length(v);
			} else {
				doc->text = json_string_value(v);
				doc->text_len = json_string_length(v);
			}
		} else {
			(*nfields)++;
			if (json_is_string(v))
				continue;
			n = value_text(v, NULL, 0);
			if (n == 0)
				return oom(r);
			*need += n + 1;
		}
	}
	if (doc->id == NULL)
		return fail(r, ATT_EINPUT, "%s:%" PRIu64 ": missing \"id\"",
		            att_reader_file(r), r->line);
	return ATT_OK;
}

/* Fills the document's fields: every key but id, title and text. */
static att_status json_fields(att_reader *r, att_doc *doc, size_t nfields,
                              size_t need)
{
	const char *key;
	att_field *f;
	json_t *v;
	size_t n, i = 0;

	if (nfields > r->fields_cap) {
		f = att_realloc(r->fields, nfields * sizeof *f);
		if (f == NULL)
			return oom(r);
		r->fields = f;
		r->fields_cap = nfields;
	}
	att_buf_clear(&r->arena);
	if (need > 0 && att_buf_reserve(&r->arena, need) != 0)
		return oom(r);
	json_object_foreach(r->json, key, v) {
		if (strcmp(key, "id") == 0 || strcmp(key, "title") == 0 ||
		    strcmp(key, "text") == 0)
			continue;
		f = &r->fields[i++];
		f->name = key;
		f->name_len = strlen(key);
		if (json_is_string(v)) {
			f->value = json_string_value(v);
			f->value_len = json_string_length(v);
			continue;
		}
		f->value = (const char *)r->arena.p + r->arena.n;
		n = value_text(v, (char *)r->arena.p + r->arena.n,
		               r->arena.cap - r->arena.n);
		assert(n > 0 && n < r->arena.cap - r->arena.n);
		f->value_len = n;
		r->arena.p[r->arena.n + n] = 0;
		r->arena.n += n + 1;
	}
	assert(i == nfields);
	doc->fields = r->fields;
	doc->nfields = nfields;
	return ATT_OK;
}

/* ---- JSONL fast path ---------------------------------------------------- */

/* Most JSONL records are {"id": "...", "title": "...", "text": "..."} with
 * string values only. Building a jansson tree for each costs a quarter of
 * all indexing time, so such a line is scanned directly here, its strings
 * unescaped into r->arena. Anything else (another key, a value that is
 * not a string, a \u0000, a lone surrogate, invalid UTF-8, a repeated key,
 * any syntax error) returns 0 and the line goes to jansson, which decides
 * and words the error: the fast path never accepts what jansson rejects. */

static const uint8_t *skip_ws(const uint8_t *p, const uint8_t *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

static int hex4(const uint8_t *p, const uint8_t *end, uint32_t *v)
{
	int i;

	*v = 0;
	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		uint8_t c = p[i];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			*v |= (c | 0x20) - 'a' + 10;
		else
			return -1;
	}
	return 0;
}

/* Unescapes the string after the opening quote at *PP into B; moves *PP
 * past the closing quote. Returns -1 for anything to leave to jansson. */
static int fast_string(att_buf *b, const uint8_t **pp, const uint8_t *end)
{
	const uint8_t *p = *pp, *run = p;
	uint32_t cp, lo;
	uint8_t u[4];

	for (;;) {
		if (p >= end || *p < 0x20)
			return -1;
		if (*p == '"' || *p == '\\') {
			att_buf_append(b, run, (size_t)(p - run));
			if (*p == '"')
				break;
			if (++p >= end)
				return -1;
			switch (*p) {
			case '"': case '\\': case '/': att_buf_putc(b, *p); break;
			case 'b': att_buf_putc(b, '\b'); break;
			case 'f': att_buf_putc(b, '\f'); break;
			case 'n': att_buf_putc(b, '\n'); break;
			case 'r': att_buf_putc(b, '\r'); break;
			case 't': att_buf_putc(b, '\t'); break;
			case 'u':
				if (hex4(p + 1, end, &cp) != 0 || cp == 0 ||
				    (cp >= 0xDC00 && cp <= 0xDFFF))
					return -1;
				p += 4;
				if (cp >= 0xD800 && cp <= 0xDBFF) {
					if (end - p < 7 || p[1] != '\\' || p[2] != 'u' ||
					    hex4(p + 3, end, &lo) != 0 || lo < 0xDC00 ||
					    lo > 0xDFFF)
						return -1;
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					p += 6;
				}
				att_buf_append(b, u, att_utf8_encode(u, (int32_t)cp));
				break;
			default:
				return -1;
			}
			run = ++p;
			continue;
		}
		p++;
	}
	*pp = p + 1;
	return b->rc == ATT_OK ? 0 : -1;
}

/* 1 if the line [P, P + N) was read into DOC by the fast path. */
static int json_fast(att_reader *r, const uint8_t *p, size_t n, att_doc *doc)
{
	static const char *const keys[3] = { "id", "title", "text" };
	const uint8_t *end = p + n;
	size_t off[3], len[3], bad;
	int seen[3] = { 0, 0, 0 }, k;

	att_buf_clear(&r->arena);
	p = skip_ws(p, end);
	if (p >= end || *p++ != '{')
		return 0;
	p = skip_ws(p, end);
	while (p < end && *p == '"') {
		const uint8_t *key = ++p;

		while (p < end && *p != '"' && *p != '\\' && *p >= 0x20)
			p++;
		if (p >= end || *p != '"')
			return 0;
		for (k = 0; k < 3; k++)
			if ((size_t)(p - key) == strlen(keys[k]) &&
			    memcmp(key, keys[k], (size_t)(p - key)) == 0)
				break;
		if (k == 3 || seen[k]++)
			return 0;
		p = skip_ws(p + 1, end);
		if (p >= end || *p++ != ':')
			return 0;
		p = skip_ws(p, end);
		if (p >= end || *p++ != '"')
			return 0;
		off[k] = r->arena.n;
		if (fast_string(&r->arena, &p, end) != 0)
			return 0;
		len[k] = r->arena.n - off[k];
		att_buf_putc(&r->arena, 0);
		p = skip_ws(p, end);
		if (p < end && *p == ',')
			p = skip_ws(p + 1, end);
		else
			break;
	}
	if (p >= end || *p++ != '}' || skip_ws(p, end) != end || !seen[0] ||
	    len[0] == 0 || r->arena.rc != ATT_OK ||
	    att_utf8_validate(&bad, (const char *)r->arena.p, r->arena.n) != ATT_OK)
		return 0;
	memset(doc, 0, sizeof *doc);
	doc->id = (const char *)r->arena.p + off[0];
	doc->id_len = len[0];
	doc->title = seen[1] ? (const char *)r->arena.p + off[1] : empty;
	doc->title_len = seen[1] ? len[1] : 0;
	doc->text = seen[2] ? (const char *)r->arena.p + off[2] : empty;
	doc->text_len = seen[2] ? len[2] : 0;
	return 1;
}

/* Parses the line [P, P + N) into DOC. */
static att_status json_doc(att_reader *r, const uint8_t *p, size_t n,
                           att_doc *doc)
{
	json_error_t e;
	size_t nfields, need;
	att_status st;

	if (json_fast(r, p, n, doc))
		return ATT_OK;

	r->json = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &e);
	if (r->json == NULL) {
		if (json_error_code(&e) == json_error_out_of_memory)
			return oom(r);
		return fail(r, ATT_EINPUT, "%s:%" PRIu64 ": invalid JSON at column "
		            "%d: %s", att_reader_file(r), r->line,
		            e.column > 0 ? e.column : e.position + 1, e.text);
	}
	if (!json_is_object(r->json))
		return fail(r, ATT_EINPUT, "%s:%" PRIu64 ": not a JSON object",
		            att_reader_file(r), r->line);
	st = json_known(r, doc, &nfields, &need);
	if (st != ATT_OK)
		return st;
	if (doc->title == NULL)
		doc->title = empty;
	if (doc->text == NULL)
		doc->text = empty;
	return json_fields(r, doc, nfields, need);
}

static att_status jsonl_next(att_reader *r, att_doc *doc, int *has_doc)
{
	const uint8_t *p;
	size_t n;
	int toolong;
	att_status st;

	for (;;) {
		r->line = r->in.line;
		st = src_line(&r->in, &p, &n, &toolong);
		if (st != ATT_OK)
			return src_fail(r, st);
		if (toolong)
			return fail(r, ATT_ELIMIT, "%s:%" PRIu64 ": line longer than "
			            "64 MiB", att_reader_file(r), r->line);
		if (p == NULL) {
			input_close(r);
			*has_doc = 0;
			return ATT_OK;
		}
		if (r->line == 1 && has_bom(p, n))
			p += 3, n -= 3;
		if (!is_blank(p, n))
			break;
	}
	st = json_doc(r, p, n, doc);
	*has_doc = st == ATT_OK;
	return st;
}

/* ---- TREC ------------------------------------------------------------- */

/* Whether [P, P + N) starts with the tag <NAME ...> (CLOSING 0) or
 * </NAME > (CLOSING 1), NAME (lower case) matched without case. Returns
 * the tag's length, 0 if it is not that tag, or -1 if N bytes are too
 * few to tell. */
static long tag_len(const uint8_t *p, size_t n, const char *name,
                    int closing)
{
	size_t i = 1 + (closing != 0), j;
	uint8_t c;

	if (n < i)
		return -1;
	if (p[0] != '<' || (closing && p[1] != '/'))
		return 0;
	for (j = 0; name[j] != 0; j++, i++) {
		if (i >= n)
			return -1;
		c = p[i] >= 'A' && p[i] <= 'Z' ? (uint8_t)(p[i] - 'A' + 'a') : p[i];
		if (c != (uint8_t)name[j])
			return 0;
	}
	if (i >= n)
		return -1;
	if (p[i] != '>' && !is_space(p[i]))
		return 0;
	for (; i < n && i < TAG_MAX; i++) {
		if (p[i] == '>')
			return (long)i + 1;
		if (p[i] == '<' || (closing && !is_space(p[i])))
			return 0;
	}
	return i >= TAG_MAX ? 0 : -1;
}

/* The offset of the first tag NAME in [P + FROM, P + N), its length in
 * *LEN; N if there is none. */
static size_t find_tag(const uint8_t *p, size_t n, size_t from,
                       const char *name, int closing, size_t *len)
{
	const uint8_t *q;
	long t;

	while (from < n && (q = memchr(p + from, '<', n - from)) != NULL) {
		from = (size_t)(q - p);
		t = tag_len(q, n - from, name, closing);
		if (t > 0) {
			*len = (size_t)t;
			return from;
		}
		from++;
	}
	return n;
}

/* One element <NAME>...</NAME> of a record: [start, end) is the whole,
 * [in, in_end) its content. */
typedef struct span {
	size_t start, in, in_end, end;
} span;

/* Finds the first element NAME in [P + FROM, P + N). Returns 1 and fills
 * *SP, 0 if there is none, -1 if its end tag is missing. */
static int find_elem(const uint8_t *p, size_t n, size_t from,
                     const char *name, span *sp)
{
	size_t len = 0;

	sp->start = find_tag(p, n, from, name, 0, &len);
	if (sp->start == n)
		return 0;
	sp->in = sp->start + len;
	sp->in_end = find_tag(p, n, sp->in, name, 1, &len);
	if (sp->in_end == n)
		return -1;
	sp->end = sp->in_end + len;
	return 1;
}

/* Appends [P, P + N) trimmed, each whitespace run holding a line break
 * turned into one space: titles stay on one line. */
static void put_oneline(att_buf *b, const uint8_t *p, size_t n)
{
	size_t i = 0, j;
	int brk;

	trim(&p, &n);
	while (i < n) {
		for (j = i; j < n && !is_space(p[j]); j++)
			;
		att_buf_append(b, p + i, j - i);
		for (i = j, brk = 0; i < n && is_space(p[i]); i++)
			brk |= p[i] == '\n' || p[i] == '\r';
		if (brk)
			att_buf_putc(b, ' ');
		else
			att_buf_append(b, p + j, i - j);
	}
}

/* The text of the record [P, P + N): its <TEXT> elements, trimmed and
 * joined by a blank line; without any, the record minus the DOCNO and
 * title elements DROP[0] and DROP[1] (which may be empty), trimmed. */
static att_status trec_text(att_reader *r, const uint8_t *p, size_t n,
                            span drop[2])
{
	const uint8_t *t;
	size_t tn, from = 0, at = 0, i;
	span sp;
	int k, ntext = 0;

	att_buf_clear(&r->text);
	while ((k = find_elem(p, n, from, "text", &sp)) == 1) {
		t = p + sp.in;
		tn = sp.in_end - sp.in;
		trim(&t, &tn);
		if (tn > 0 && r->text.n > 0)
			att_buf_append(&r->text, "\n\n", 2);
		att_buf_append(&r->text, t, tn);
		from = sp.end;
		ntext++;
	}
	if (k < 0)
		return fail(r, ATT_EINPUT, "%s:%" PRIu64 ": <TEXT> not closed",
		            att_reader_file(r), r->line);
	if (ntext == 0) {
		if (drop[0].start > drop[1].start) {
			sp = drop[0];
			drop[0] = drop[1];
			drop[1] = sp;
		}
		for (i = 0; i < 2; i++) {
			if (drop[i].start > at)
				att_buf_append(&r->text, p + at, drop[i].start - at);
			at = drop[i].end > at ? drop[i].end : at;
		}
		att_buf_append(&r->text, p + at, n - at);
		t = r->text.p;
		tn = r->text.n;
		trim(&t, &tn);
		if (tn > 0)
			memmove(r->text.p, t, tn);
		r->text.n = tn;
	}
	return buf_cstr(&r->text) == 0 ? ATT_OK : oom(r);
}

/* Fills DOC from the record [P, P + N) between <DOC> and </DOC>. */
static att_status trec_doc(att_reader *r, const uint8_t *p, size_t n,
                           att_doc *doc)
{
	const char *file = att_reader_file(r);
	const char *tname = "TITLE";
	span drop[2], head;
	const uint8_t *t;
	size_t tn;
	int k, kh;
	att_status st;

	k = find_elem(p, n, 0, "docno", &drop[0]);
	if (k <= 0)
		return fail(r, ATT_EINPUT, "%s:%" PRIu64 ": %s", file, r->line,
		            k == 0 ? "<DOC> without <DOCNO>" : "<DOCNO> not closed");
	t = p + drop[0].in;
	tn = drop[0].in_end - drop[0].in;
	trim(&t, &tn);
	if (tn == 0)
		return fail(r, ATT_EINPUT, "%s:%" PRIu64 ": empty <DOCNO>", file,
		            r->line);
	if (buf_set(&r->id, t, tn) != 0)
		return oom(r);
	k = find_elem(p, n, 0, "title", &drop[1]);
	kh = find_elem(p, n, 0, "headline", &head);
	if (kh != 0 && (k == 0 || head.start < drop[1].start)) {
		k = kh;
		drop[1] = head;
		tname = "HEADLINE";
	}
	if (k < 0)
		return fail(r, ATT_EINPUT, "%s:%" PRIu64 ": <%s> not closed", file,
		            r->line, tname);
	att_buf_clear(&r->title);
	if (k == 0)
		drop[1].start = drop[1].end = 0;
	else
		put_oneline(&r->title, p + drop[1].in, drop[1].in_end - drop[1].in);
	if (buf_cstr(&r->title) != 0)
		return oom(r);
	st = trec_text(r, p, n, drop);
	if (st != ATT_OK)
		return st;
	doc->id = (const char *)r->id.p;
	doc->id_len = r->id.n;
	doc->title = r->title.n ? (const char *)r->title.p : empty;
	doc->title_len = r->title.n;
	doc->text = r->text.n ? (const char *)r->text.p : empty;
	doc->text_len = r->text.n;
	return ATT_OK;
}

/* Consumes input up to the next <DOC> tag; *LEN gets its length, or 0 at
 * the end of input. */
static att_status trec_seek(src *s, size_t *len)
{
	const uint8_t *q;
	size_t avail;
	att_status st;
	long t;

	for (;;) {
		avail = s->len - s->pos;
		q = avail ? memchr(s->p + s->pos, '<', avail) : NULL;
		if (q == NULL) {
			src_skip(s, avail);
			if (s->eof) {
				*len = 0;
				return ATT_OK;
			}
			st = src_fill(s, 1);
		} else {
			src_skip(s, (size_t)(q - (s->p + s->pos)));
			t = tag_len(q, s->len - s->pos, "doc", 0);
			if (t > 0) {
				*len = (size_t)t;
				return ATT_OK;
			}
			if (t == 0 || s->eof)
				src_skip(s, 1);
			st = t < 0 ? src_fill(s, s->len - s->pos + 1) : ATT_OK;
		}
		if (st != ATT_OK)
			return st;
	}
}

enum { END_CLOSE, END_NEXT, END_EOF, END_TOOLONG };

/* Buffers the record whose <DOC> tag is at the input position, up to the
 * </DOC> closing it (*KIND END_CLOSE), a <DOC> opening another
 * (END_NEXT), the end of input (END_EOF) or the size limit
 * (END_TOOLONG). *END is the tag's offset from the position (or the bytes
 * scanned), *LEN the length of a </DOC> tag. */
static att_status trec_end(src *s, size_t from, size_t *end, size_t *len,
                           int *kind)
{
	const uint8_t *q = NULL;
	size_t avail;
	long c = 0, o = 0;
	att_status st;

	for (;;) {
		avail = s->len - s->pos;
		if (from > LIMIT) {
			*kind = END_TOOLONG;
			break;
		}
		q = from < avail ? memchr(s->p + s->pos + from, '<', avail - from) :
		                   NULL;
		from = q != NULL ? (size_t)(q - (s->p + s->pos)) : avail;
		if (from > LIMIT) {
			*kind = END_TOOLONG;
			break;
		}
		if (q != NULL) {
			c = tag_len(q, avail - from, "doc", 1);
			o = c > 0 ? 0 : tag_len(q, avail - from, "doc", 0);
			if (c > 0 || o > 0) {
				*kind = c > 0 ? END_CLOSE : END_NEXT;
				break;
			}
		}
		if (q != NULL && ((c == 0 && o == 0) || s->eof)) {
			from++;
			continue;
		}
		if (q == NULL && s->eof) {
			*kind = END_EOF;
			break;
		}
		st = src_fill(s, avail + 1);
		if (st != ATT_OK)
			return st;
	}
	*end = from;
	*len = *kind == END_CLOSE ? (size_t)c : 0;
	return ATT_OK;
}

static uint64_t count_lines(const uint8_t *p, size_t n)
{
	const uint8_t *q = p, *end = p + n;
	uint64_t k = 0;

	while (q < end && (q = memchr(q, '\n', (size_t)(end - q))) != NULL)
		k++, q++;
	return k;
}

static att_status trec_next(att_reader *r, att_doc *doc, int *has_doc)
{
	const char *file = att_reader_file(r);
	size_t open_len, end = 0, close_len = 0;
	int kind = END_EOF;
	att_status st;

	st = trec_seek(&r->in, &open_len);
	if (st == ATT_OK && open_len == 0) {
		input_close(r);
		*has_doc = 0;
		return ATT_OK;
	}
	r->line = r->in.line;
	if (st == ATT_OK)
		st = trec_end(&r->in, open_len, &end, &close_len, &kind);
	if (st != ATT_OK)
		return src_fail(r, st);
	switch (kind) {
	case END_CLOSE:
		st = trec_doc(r, r->in.p + r->in.pos + open_len, end - open_len, doc);
		src_skip(&r->in, end + close_len);
		*has_doc = st == ATT_OK;
		return st;
	case END_NEXT:
		st = fail(r, ATT_EINPUT, "%s:%" PRIu64 ": <DOC> not closed before "
		          "the <DOC> at line %" PRIu64, file, r->line, r->line +
		          count_lines(r->in.p + r->in.pos, end));
		break;
	case END_EOF:
		st = fail(r, ATT_EINPUT, "%s:%" PRIu64 ": <DOC> not closed at end "
		          "of file", file, r->line);
		break;
	default:
		st = fail(r, ATT_ELIMIT, "%s:%" PRIu64 ": <DOC> record longer than "
		          "64 MiB", file, r->line);
		break;
	}
	src_skip(&r->in, end);
	return st;
}

/* ---- opening ------------------------------------------------------------ */

/* The format of a file by its name; AUTO if the name does not tell. */
static att_input_format format_by_name(const char *path)
{
	size_t n = strlen(path);

	if (ends_with(path, n, ".jsonl", 1) || ends_with(path, n, ".json", 1) ||
	    ends_with(path, n, ".ndjson", 1))
		return ATT_INPUT_JSONL;
	if (ends_with(path, n, ".trec", 1) || ends_with(path, n, ".sgml", 1) ||
	    ends_with(path, n, ".xml", 1))
		return ATT_INPUT_TREC;
	if (ends_with(path, n, ".txt", 1))
		return ATT_INPUT_TEXT;
	return ATT_INPUT_AUTO;
}

/* The format of the open input by its first byte that is not a space
 * (after a UTF-8 byte order mark): '{' JSONL, '<' TREC, else text. */
static att_status sniff(att_reader *r)
{
	src *s = &r->in;
	size_t i = 0;
	att_status st;
	uint8_t c = 0;

	for (;;) {
		st = src_fill(s, i + 3);
		if (st != ATT_OK)
			return src_fail(r, st);
		if (i == 0 && has_bom(s->p + s->pos, s->len - s->pos))
			i = 3;
		if (i >= s->len - s->pos || i > LIMIT)
			break;
		c = s->p[s->pos + i];
		if (!is_space(c))
			break;
		i++;
	}
	r->format = c == '{' ? ATT_INPUT_JSONL :
	            c == '<' ? ATT_INPUT_TREC : ATT_INPUT_TEXT;
	return ATT_OK;
}

/* A file of a format reader's kind (HTML, PDF, ...), read as a tree of
 * one file: r->root becomes its directory ("" for none), and its id is
 * its name, extension kept. */
static att_status one_file(att_reader *r)
{
	char *slash = strrchr(r->root, '/');
	size_t cap = 0;
	att_status st;

	input_close(r);
	r->format = ATT_INPUT_TEXT;
	r->is_dir = 1;
	st = add_file(r, slash != NULL ? slash + 1 : r->root, &cap);
	if (st != ATT_OK)
		return st;
	if (slash != NULL)
		slash[slash == r->root ? 1 : 0] = 0;   /* "/a.pdf": root "/" */
	else
		r->root[0] = 0;
	return buf_set(&r->path, r->root, strlen(r->root)) == 0 ? ATT_OK
	                                                        : oom(r);
}

/* Opens a file or directory PATH (r->root). */
static att_status open_path(att_reader *r, att_input_format format)
{
	struct stat sb;
	int fd;

	if (stat(r->root, &sb) != 0)
		return sys_fail(r, errno, r->root, 1);
	if (S_ISDIR(sb.st_mode)) {
		if (format != ATT_INPUT_AUTO && format != ATT_INPUT_TEXT)
			return fail(r, ATT_EINVAL, "%s: is a directory (only text input "
			            "reads directories)", r->root);
		return walk_root(r);
	}
	fd = open(r->root, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sys_fail(r, errno, r->root, 1);
	src_reset(&r->in, fd, 1);
	r->format = format != ATT_INPUT_AUTO ? format : format_by_name(r->root);
	if (format == ATT_INPUT_AUTO && r->format == ATT_INPUT_AUTO) {
		att_kind k = att_kind_of_name(r->root);
		att_status st = ATT_OK;

		if (k == ATT_KIND_UNKNOWN) {   /* no extension that tells */
			st = src_fill(&r->in, 1024);
			if (st != ATT_OK)
				return src_fail(r, st);
			k = att_sniff(r->root, r->in.p + r->in.pos,
			              r->in.len - r->in.pos);
			if (k == ATT_KIND_TEXT || k == ATT_KIND_EML)
				k = ATT_KIND_UNKNOWN;   /* JSONL, TREC or text: sniff() */
		}
		if (k != ATT_KIND_UNKNOWN)
			return one_file(r);
	}
	return ATT_OK;
}

/* The id of a single text file: its base name without ".txt". */
static att_status single_id(att_reader *r)
{
	const char *base = strrchr(r->root, '/');
	size_t n;

	if (strcmp(r->root, "-") == 0)
		base = "stdin";
	else
		base = base != NULL ? base + 1 : r->root;
	n = strlen(base);
	if (ends_with(base, n, ".txt", 0) && n > 4)
		n -= 4;
	r->single_id = att_strndup(base, n);
	return r->single_id != NULL ? ATT_OK : oom(r);
}

static att_reader *reader_new(const char *path)
{
	att_reader *r = att_calloc(1, sizeof *r);
	size_t n = strlen(path);

	if (r == NULL)
		return NULL;
	r->in.fd = -1;
	att_rdoc_init(&r->rd);
	while (n > 1 && path[n - 1] == '/')
		n--;
	r->root = att_strndup(path, n);
	r->name = strcmp(path, "-") == 0 ? att_strndup(STDIN_NAME, 7) :
	                                   att_strndup(path, n);
	if (r->root == NULL || r->name == NULL) {
		att_reader_free(r);
		return NULL;
	}
	return r;
}

att_status att_reader_open(att_reader **out, const char *path,
                           att_input_format format, char **errmsg_out)
{
	att_reader *r = NULL;
	att_status st;

	assert(out != NULL && path != NULL);
	*out = NULL;
	if (errmsg_out != NULL)
		*errmsg_out = NULL;
	r = reader_new(path);
	if (r == NULL) {
		st = ATT_ENOMEM;
		if (errmsg_out != NULL)
			*errmsg_out = att_strndup("out of memory", 13);
		return st;
	}
	if ((int)format < (int)ATT_INPUT_AUTO ||
	    (int)format > (int)ATT_INPUT_TREC) {
		st = fail(r, ATT_EINVAL, "%s: unknown input format %d", path,
		          (int)format);
		goto done;
	}
	if (strcmp(path, "-") == 0) {
		src_reset(&r->in, STDIN_FILENO, 0);
		r->format = format;
		st = ATT_OK;
	} else {
		st = open_path(r, format);
	}
	if (st == ATT_OK && r->format == ATT_INPUT_AUTO)
		st = sniff(r);
	if (st == ATT_OK && r->format == ATT_INPUT_TEXT && !r->is_dir)
		st = single_id(r);
done:
	if (st != ATT_OK) {
		if (errmsg_out != NULL) {
			*errmsg_out = att_strndup(att_reader_errmsg(r),
			                          strlen(att_reader_errmsg(r)));
		}
		att_reader_free(r);
		return st;
	}
	*out = r;
	return ATT_OK;
}

/* ---- reading ------------------------------------------------------------ */

att_status att_reader_next(att_doc *doc, int *has_doc, att_reader *r)
{
	att_status st;

	assert(doc != NULL && has_doc != NULL && r != NULL);
	memset(doc, 0, sizeof *doc);
	*has_doc = 0;
	if (r->msg.rc != ATT_OK)
		att_buf_release(&r->msg);
	att_buf_clear(&r->msg);
	json_decref(r->json);
	r->json = NULL;
	switch (r->format) {
	case ATT_INPUT_TEXT:
		st = r->is_dir ? text_next_file(r, doc, has_doc) :
		                 text_next_single(r, doc, has_doc);
		break;
	case ATT_INPUT_JSONL:
		st = jsonl_next(r, doc, has_doc);
		break;
	default:
		st = trec_next(r, doc, has_doc);
		break;
	}
	if (st != ATT_OK) {
		memset(doc, 0, sizeof *doc);
		*has_doc = 0;
	}
	return st;
}

att_status att_reader_open_bytes(att_reader **out, const char *id,
                                 const char *content_type, const void *bytes,
                                 size_t n, char **errmsg_out)
{
	static const struct { const char *type; att_kind k; } types[] = {
		{ "text/html", ATT_KIND_HTML },         { "application/xhtml+xml", ATT_KIND_HTML },
		{ "text/markdown", ATT_KIND_MARKDOWN }, { "text/x-markdown", ATT_KIND_MARKDOWN },
		{ "application/pdf", ATT_KIND_PDF },    { "message/rfc822", ATT_KIND_EML },
		{ "application/mbox", ATT_KIND_MBOX },  { "text/plain", ATT_KIND_TEXT },
	};
	att_reader *r;
	size_t i, tn = strcspn(content_type, "; \t");
	att_kind k = ATT_KIND_UNKNOWN;
	size_t cap = 0;
	att_status st;

	*out = NULL;
	if (errmsg_out != NULL)
		*errmsg_out = NULL;
	for (i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strlen(types[i].type) == tn &&
		    strncasecmp(types[i].type, content_type, tn) == 0)
			k = types[i].k;
	r = reader_new("");
	if (r == NULL) {
		if (errmsg_out != NULL)
			*errmsg_out = att_strndup("out of memory", 13);
		return ATT_ENOMEM;
	}
	st = ATT_OK;
	if (k == ATT_KIND_UNKNOWN)
		st = fail(r, ATT_EINVAL, "content type \"%.*s\": attache reads "
		          "text/html, text/markdown, application/pdf, message/rfc822, "
		          "application/mbox and text/plain", (int)(tn > 64 ? 64 : tn),
		          content_type);
	else if (id == NULL || id[0] == 0)
		st = fail(r, ATT_EINVAL, "a document needs an id");
	else if (n > LIMIT)
		st = fail(r, ATT_ELIMIT, "%s: larger than 64 MiB (%zu bytes)", id, n);
	if (st == ATT_OK) {
		r->mem = att_malloc(n + 1);
		if (r->mem == NULL)
			st = oom(r);
	}
	if (st == ATT_OK) {
		memcpy(r->mem, bytes, n);
		r->mem[n] = 0;
		r->mem_n = n;
		r->mem_kind = k;
		r->format = ATT_INPUT_TEXT;
		r->is_dir = 1;
		st = add_file(r, id, &cap);
	}
	if (st != ATT_OK) {
		if (errmsg_out != NULL)
			*errmsg_out = att_strndup(att_reader_errmsg(r),
			                          strlen(att_reader_errmsg(r)));
		att_reader_free(r);
		return st;
	}
	*out = r;
	return ATT_OK;
}

void att_reader_set_filter(att_reader *r, att_reader_filter fn, void *ctx)
{
	r->filter = fn;
	r->filter_ctx = ctx;
}

size_t att_reader_files(const att_reader *r)
{
	return r->is_dir ? r->nfiles : 0;
}

const char *att_reader_file_rel(const att_reader *r, size_t i)
{
	return i < r->nfiles ? r->files[i] : NULL;
}

const char *att_reader_file(const att_reader *r)
{
	if (r->is_dir && r->path.p != NULL)
		return (const char *)r->path.p;
	return r->name;
}

uint64_t att_reader_line(const att_reader *r)
{
	return r->line;
}

uint64_t att_reader_bytes(const att_reader *r)
{
	return r->bytes_done + r->in.used;
}

const char *att_reader_errmsg(const att_reader *r)
{
	if (r->msg.rc != ATT_OK)
		return "out of memory";
	return r->msg.n > 0 ? (const char *)r->msg.p : empty;
}

void att_reader_free(att_reader *r)
{
	size_t i;

	if (r == NULL)
		return;
	src_release(&r->in);
	for (i = 0; i < r->nfiles; i++)
		att_free(r->files[i]);
	att_free(r->files);
	att_free(r->root);
	att_free(r->name);
	att_free(r->single_id);
	att_buf_release(&r->path);
	att_buf_release(&r->msg);
	att_buf_release(&r->id);
	att_buf_release(&r->title);
	att_buf_release(&r->fm.arena);
	att_buf_release(&r->text);
	att_buf_release(&r->arena);
	att_free(r->fields);
	json_decref(r->json);
	att_rdoc_release(&r->rd);
	att_buf_release(&r->pagetext);
	att_free(r->mem);
	att_free(r);
}
