/*
 * fuzz_xdata.c: a libFuzzer target for what the Xapian backend reads from
 * a document it did not check: the data (format/xdata.c: magic, version,
 * title token count, stored record, fields) and the sentence table value
 * (att_sentences_decode). A damaged database hands these bytes to the
 * searcher and to `attache check`; they must never read out of bounds
 * nor crash. The input's first byte splits it: that many bytes (mod the
 * size) are the sentence table, the rest the data. The target checks
 * what a successful decode promises: every pointer and length inside
 * the input, sentences non-decreasing in position and byte, the
 * sentinel present. A broken promise is __builtin_trap().
 *
 * With ATT_FUZZ_SEEDS=DIR in the environment, Initialize writes seeds
 * (well-formed data and tables, made with att_xdata_put) into DIR.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int inside(const void *p, size_t n, const uint8_t *base, size_t size)
{
	const uint8_t *q = p;

	return n == 0 || (q >= base && q <= base + size && n <= (size_t)(base + size - q));
}

static void write_seed(const char *dir, int i, const att_doc *d,
                       const uint8_t *sen, size_t sen_len, uint32_t nsent)
{
	char path[512];
	att_buf b, s;
	uint8_t split;
	FILE *f;

	att_buf_init(&b);
	att_buf_init(&s);
	att_xsentences_put(&s, nsent, sen, sen_len);
	split = (uint8_t)s.n;
	att_buf_append(&b, &split, 1);
	att_buf_append(&b, s.p, s.n);
	att_xdata_put(&b, d, 3);
	snprintf(path, sizeof path, "%s/seed%d", dir, i);
	if (b.rc == ATT_OK && (f = fopen(path, "wb")) != NULL) {
		fwrite(b.p, 1, b.n, f);
		fclose(f);
	}
	att_buf_release(&b);
	att_buf_release(&s);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t sen[] = { 19, 0, 5, 30, 4, 12, 2, 7 };
	att_field f = { "source", 6, "Reuters", 7 };
	att_doc d = { "id1", 3, "A title", 7,
	              "First sentence here. Second one. Third.", 39, &f, 1 };
	const char *dir = getenv("ATT_FUZZ_SEEDS");

	(void)argc;
	(void)argv;
	if (dir == NULL)
		return 0;
	write_seed(dir, 0, &d, sen, sizeof sen, 3);
	d.nfields = 0;
	write_seed(dir, 1, &d, sen, 4, 1);
	d.text_len = 0;
	write_seed(dir, 2, &d, sen, 2, 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	att_sentence *sents = NULL;
	att_field *fields = NULL;
	size_t cap = 0, fcap = 0, split, i;
	uint32_t n = 0;
	att_xdata xd;
	att_doc d;

	if (size == 0)
		return 0;
	split = size > 1 ? data[0] % size : 0;
	if (split > size - 1)
		split = size - 1;
	if (att_sentences_decode(&sents, &cap, &n, data + 1, split,
	                         size % 7 ? UINT32_MAX : data[size - 1],
	                         NULL) ==
	    ATT_OK) {
		if (cap < (size_t)n + 1)
			__builtin_trap();
		for (i = 1; i <= n; i++)
			if (sents[i].pos < sents[i - 1].pos ||
			    sents[i].byte < sents[i - 1].byte)
				__builtin_trap();
	}
	free(sents);
	if (att_xdata_parse(&xd, data + 1 + split, size - 1 - split) == ATT_OK) {
		const uint8_t *base = data + 1 + split;
		size_t len = size - 1 - split;

		if (!inside(xd.rec.id, xd.rec.id_len, base, len) ||
		    !inside(xd.rec.title, xd.rec.title_len, base, len) ||
		    !inside(xd.rec.text, xd.rec.text_len, base, len))
			__builtin_trap();
		if (att_doc_from_record(&d, &fields, &fcap, &xd.rec) == ATT_OK)
			for (i = 0; i < d.nfields; i++)
				if (!inside(d.fields[i].name, d.fields[i].name_len, base,
				            len) ||
				    !inside(d.fields[i].value, d.fields[i].value_len,
				            base, len))
					__builtin_trap();
	}
	att_free(fields);
	return 0;
}
