/*
 * fuzz_markdown.c: a libFuzzer target for the Markdown reader
 * (indexer/readers/markdown.c).
 *
 * Each input is read with att_read_markdown into an att_rdoc, passed
 * with its exact length (libFuzzer's buffer is exactly that size, so a
 * read past it is an ASan report). The target checks what the reader
 * promises: a status of ATT_OK, ATT_EINPUT, ATT_ELIMIT or ATT_ENOMEM; a
 * message on error; on success a title of one trimmed line and text that
 * are valid UTF-8 with no NUL, the text with no white space at either
 * end, no "\n" but in "\n\n" paragraph breaks and no run of two spaces,
 * at most ATT_RD_TEXT_MAX bytes, and fields whose values are valid
 * UTF-8. A broken promise is __builtin_trap(). The att_rdoc is released
 * after each input, so LeakSanitizer sees what the reader keeps.
 */
#include <stdint.h>
#include <string.h>

#include "readers.h"
#include "stemmer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

static void check_utf8(const uint8_t *p, size_t n)
{
	size_t bad;

	if (n == 0)   /* P may be NULL */
		return;
	if (att_utf8_validate(&bad, (const char *)p, n) != ATT_OK ||
	    memchr(p, 0, n) != NULL)
		__builtin_trap();
}

static void check_title(const att_buf *t)
{
	size_t i;

	check_utf8(t->p, t->n);
	if (t->n > 0 && (ws(t->p[0]) || ws(t->p[t->n - 1])))
		__builtin_trap();
	for (i = 0; i < t->n; i++)
		if (t->p[i] == '\n' || t->p[i] == '\r')
			__builtin_trap();
}

static void check_text(const att_buf *t)
{
	size_t i;

	check_utf8(t->p, t->n);
	if (t->n > ATT_RD_TEXT_MAX ||
	    (t->n > 0 && (ws(t->p[0]) || ws(t->p[t->n - 1]))))
		__builtin_trap();
	for (i = 0; i < t->n; i++) {
		uint8_t c = t->p[i];

		if (c == '\n') {   /* only as "\n\n" between two words */
			if (i + 2 >= t->n || t->p[i + 1] != '\n' || ws(t->p[i + 2]))
				__builtin_trap();
			i++;
		} else if (c == ' ') {
			if (ws(t->p[i + 1]))
				__builtin_trap();
		} else if (ws(c)) {
			__builtin_trap();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char msg[256];
	const att_field *f;
	att_rdoc d;
	att_status st;
	size_t i, nf;

	att_rdoc_init(&d);
	msg[0] = '\0';
	st = att_read_markdown(&d, data, size, msg, sizeof msg);
	if (st != ATT_OK) {
		if ((st != ATT_EINPUT && st != ATT_ELIMIT && st != ATT_ENOMEM) ||
		    msg[0] == '\0' || memchr(msg, 0, sizeof msg) == NULL)
			__builtin_trap();
	} else {
		check_title(&d.title);
		check_text(&d.text);
		f = att_rdoc_fields(&d, &nf);
		if (nf > ATT_RD_FIELDS)
			__builtin_trap();
		for (i = 0; i < nf; i++)
			if (f[i].value_len == 0 ||
			    att_utf8_validate(&(size_t){ 0 }, f[i].value,
			                      f[i].value_len) != ATT_OK)
				__builtin_trap();
	}
	att_rdoc_release(&d);
	return 0;
}
