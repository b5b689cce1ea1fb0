/*
 * fuzz_pdf.c: a libFuzzer target for the PDF reader (indexer/readers/
 * pdf.c), att_read_pdf on each input. Poppler itself is not
 * instrumented, only our code; what the target checks is what a read
 * promises: a known status with a message; on success text that is
 * valid UTF-8 within ATT_RD_TEXT_MAX, no "\n\n" at its ends, page starts
 * that begin at 0 and never go down nor past the text, a title of one
 * line. A broken promise is __builtin_trap().
 *
 * The seeds in tests/fuzz/corpus/fuzz_pdf/ are the fixtures that
 * tests/readers/pdf/make.py writes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "readers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const att_rdoc *d)
{
	size_t i;

	if (d->text.n > ATT_RD_TEXT_MAX ||
	    (d->text.n > 0 &&
	     !g_utf8_validate_len((const char *)d->text.p, d->text.n, NULL)))
		__builtin_trap();
	if (d->text.n >= 2 && (memcmp(d->text.p, "\n\n", 2) == 0 ||
	                       memcmp(d->text.p + d->text.n - 2, "\n\n", 2) == 0))
		__builtin_trap();
	if (d->npages == 0 || d->pages[0] != 0)
		__builtin_trap();
	for (i = 0; i < d->npages; i++)
		if (d->pages[i] > d->text.n ||
		    (i > 0 && d->pages[i] < d->pages[i - 1]))
			__builtin_trap();
	if (d->title.n > 0 &&
	    (memchr(d->title.p, '\n', d->title.n) != NULL ||
	     !g_utf8_validate_len((const char *)d->title.p, d->title.n, NULL)))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	att_rdoc d;
	char msg[256];
	att_status st;

	att_rdoc_init(&d);
	msg[0] = 0;
	st = att_read_pdf(&d, data, size, msg, sizeof msg);
	if (st == ATT_OK)
		check(&d);
	else if ((st != ATT_EINPUT && st != ATT_ELIMIT && st != ATT_ENOMEM) ||
	         msg[0] == 0)
		__builtin_trap();
	att_rdoc_release(&d);
	return 0;
}
