/*
 * fuzz_mail.c: a libFuzzer target for the e-mail reader
 * (indexer/readers/mail.c): att_read_mail on the whole input, then
 * att_mbox_next over it, each message it gives read too (the first
 * MBOX_READS of them). Whatever the bytes, neither may crash, leak or
 * read out of bounds, and each keeps its promises, checked here (a
 * broken one is __builtin_trap()):
 *   - att_read_mail returns ATT_OK, ATT_EINPUT, ATT_ELIMIT or ATT_ENOMEM,
 *     with a message when it fails; on ATT_OK the title, the text and
 *     every field name and value are valid UTF-8, the title one line
 *     without white space at either end, the text at most
 *     ATT_RD_TEXT_MAX bytes;
 *   - att_mbox_next gives messages inside the input, in order, each
 *     after the previous one's end, its line growing, *AT moving forward
 *     every time, and stops with *AT at the input's end.
 * The seeds in tests/fuzz/corpus/fuzz_mail/ are small messages (plain,
 * quoted-printable, multipart/alternative, an attachment, a forwarded
 * message, HTML) and two mboxes, LF and CRLF.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "readers.h"

#define MBOX_READS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int utf8(const void *p, size_t n)
{
	return n == 0 || g_utf8_validate(p, (gssize)n, NULL);
}

static int ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

static void check_doc(att_rdoc *d)
{
	const att_field *f;
	size_t n, i;

	if (!utf8(d->title.p, d->title.n) || !utf8(d->text.p, d->text.n) ||
	    d->text.n > ATT_RD_TEXT_MAX)
		__builtin_trap();
	if (d->title.n > 0 &&
	    (memchr(d->title.p, '\n', d->title.n) != NULL || ws(d->title.p[0]) ||
	     ws(d->title.p[d->title.n - 1])))
		__builtin_trap();
	f = att_rdoc_fields(d, &n);
	for (i = 0; i < n; i++)
		if (!utf8(f[i].name, f[i].name_len) ||
		    !utf8(f[i].value, f[i].value_len))
			__builtin_trap();
}

static void read_one(att_rdoc *d, const uint8_t *p, size_t n)
{
	char msg[256];
	att_status st;

	att_rdoc_reset(d);
	msg[0] = 0;
	st = att_read_mail(d, p, n, msg, sizeof msg);
	if (st == ATT_OK)
		check_doc(d);
	else if ((st != ATT_EINPUT && st != ATT_ELIMIT && st != ATT_ENOMEM) ||
	         msg[0] == 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t at = 0, start, len, prev_at = 0, reads = 0;
	uint64_t line, prev_line = 0;
	att_rdoc d;

	att_rdoc_init(&d);
	read_one(&d, data, size);
	while (att_mbox_next(data, size, &at, &start, &len, &line)) {
		if (start < prev_at || start > size || len > size - start ||
		    at < start + len || at > size || at <= prev_at ||
		    line <= prev_line)
			__builtin_trap();
		if (reads++ < MBOX_READS)
			read_one(&d, data + start, len);
		prev_at = at;
		prev_line = line;
	}
	if (size > 0 && at != size)
		__builtin_trap();
	att_rdoc_release(&d);
	return 0;
}
