/*
 * fuzz_html.c: a libFuzzer target for the HTML reader
 * (indexer/readers/html.c).
 *
 * Each input is read with att_read_html into an att_rdoc, passed with
 * its exact length (libFuzzer's buffer is exactly that size, so a read
 * past it is an ASan report). The input's bytes go through the charset
 * rules as a file's would: a BOM, a meta charset, windows-1252 for bytes
 * that are not UTF-8. The target checks what the reader promises: a
 * status of ATT_OK, ATT_EINPUT, ATT_ELIMIT or ATT_ENOMEM; a message on
 * error; on success a title of one trimmed line and text that are valid
 * UTF-8 (checked here with a decoder of its own, not the reader's) with
 * no control character (the text's "\n\n" paragraph breaks aside, and
 * those only between words), no run of two spaces, at most
 * ATT_RD_TEXT_MAX bytes; fields of the reader's names whose values are
 * non-empty valid UTF-8. A broken promise is __builtin_trap(). The
 * att_rdoc is released after each input, so LeakSanitizer sees what the
 * reader keeps.
 */
#include <stdint.h>
#include <string.h>

#include "readers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 if P[0..N) is valid UTF-8 (no overlong forms, no surrogates, nothing
 * past U+10FFFF). */
static int utf8_ok(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint32_t c = p[i], min;
		size_t k, j;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			k = 1, c &= 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			k = 2, c &= 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			k = 3, c &= 0x07, min = 0x10000;
		} else {
			return 0;
		}
		if (n - i <= k)   /* the sequence is cut */
			return 0;
		for (j = 1; j <= k; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				return 0;
			c = c << 6 | (p[i + j] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return 0;
		i += k + 1;
	}
	return 1;
}

static void check_title(const att_buf *t)
{
	size_t i;

	if (t->n == 0)
		return;
	if (!utf8_ok(t->p, t->n) || t->p[0] == ' ' || t->p[t->n - 1] == ' ')
		__builtin_trap();
	for (i = 0; i < t->n; i++)
		if (t->p[i] < 0x20 || t->p[i] == 0x7f ||
		    (t->p[i] == ' ' && i + 1 < t->n && t->p[i + 1] == ' '))
			__builtin_trap();
}

static void check_text(const att_buf *t)
{
	size_t i;

	if (t->n == 0)
		return;
	if (t->n > ATT_RD_TEXT_MAX || !utf8_ok(t->p, t->n) || t->p[0] == ' ' ||
	    t->p[0] == '\n' || t->p[t->n - 1] == ' ' || t->p[t->n - 1] == '\n')
		__builtin_trap();
	for (i = 0; i < t->n; i++) {
		uint8_t c = t->p[i];

		if (c == '\n') {   /* only as "\n\n" between two words */
			if (i + 2 >= t->n || t->p[i + 1] != '\n' ||
			    t->p[i + 2] == ' ' || t->p[i + 2] == '\n' ||
			    t->p[i - 1] == ' ')
				__builtin_trap();
			i++;
		} else if (c == ' ') {
			if (t->p[i + 1] == ' ' || t->p[i + 1] == '\n')
				__builtin_trap();
		} else if (c < 0x20 || c == 0x7f) {
			__builtin_trap();
		}
	}
}

static void check_fields(att_rdoc *d)
{
	static const char *const names[] = { "date", "source", "language",
		                                 "author", "tags" };
	const att_field *f;
	size_t i, k, nf;

	f = att_rdoc_fields(d, &nf);
	if (nf > sizeof names / sizeof names[0])
		__builtin_trap();
	for (i = 0; i < nf; i++) {
		for (k = 0; k < sizeof names / sizeof names[0]; k++)
			if (f[i].name_len == strlen(names[k]) &&
			    memcmp(f[i].name, names[k], f[i].name_len) == 0)
				break;
		if (k == sizeof names / sizeof names[0] ||
		    f[i].value_len == 0 ||
		    !utf8_ok((const uint8_t *)f[i].value, f[i].value_len))
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char msg[256];
	att_rdoc d;
	att_status st;

	att_rdoc_init(&d);
	msg[0] = '\0';
	st = att_read_html(&d, data, size, msg, sizeof msg);
	if (st != ATT_OK) {
		if ((st != ATT_EINPUT && st != ATT_ELIMIT &&
		     st != ATT_ENOMEM) ||
		    msg[0] == '\0' || memchr(msg, 0, sizeof msg) == NULL)
			__builtin_trap();
	} else {
		check_title(&d.title);
		check_text(&d.text);
		check_fields(&d);
	}
	att_rdoc_release(&d);
	return 0;
}
