/*
 * xdata.c: what kind of index a path holds, the stored record's bytes,
 * and the document data of the Xapian backend.
 *
 * Both backends share a command line and a library, so opening a path
 * starts by asking what is there (att_index_kind): a native index (a
 * directory with a MANIFEST), a Xapian database (a directory with one
 * of Xapian's "iam<backend>" files), a sharded Xapian index as attache
 * writes it (a directory whose XAPIANDB stub lists "auto shardN"
 * lines), or a stub file naming local and remote shards. This file
 * needs no Xapian: a build without the backend still tells the user
 * what the path holds and why it cannot open it.
 *
 * A stored record is the same bytes in both backends: varint-prefixed
 * id, title and text, a varint count of extra fields, then each field's
 * varint-prefixed name and value (FORMAT.md 4). The native store packs
 * records into zlib blocks; the Xapian backend puts one in each
 * document's data:
 *
 *     'a' 'x' 0x01          magic and version
 *     varint title_tokens   the title's length in tokens
 *     record                the stored record, to the end of the data
 *
 * (the record last, so that its fields decode with the native code:
 * att_doc_from_record reads to the record's end), and the sentence table
 * in value slot ATT_XVALUE_SENTENCES: a varint count, then count + 1
 * pairs of varint deltas (position, byte), as in a .sen file. The
 * passage re-ranking reads the sentence tables of 30 hits but the data
 * of only the 10 shown; glass compresses document data with zlib, not
 * values, so a table kept in the data would cost 30 inflates.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "format.h"
#ifdef ATTACHE_WITH_XAPIAN
#include "attache_xapian.h"
#endif

static int exists_in(const char *dir, const char *name, int want_dir)
{
	char path[4096];
	struct stat st;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
		return 0;
	if (stat(path, &st) != 0)
		return 0;
	return want_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode);
}

att_index_kind att_index_kind_of(const char *path)
{
	static const char *const xapian[] = { "iamglass", "iamchert", "iamhoney" };
	struct stat st;
	size_t i;

	if (stat(path, &st) != 0)
		return ATT_KIND_NONE;
	if (S_ISREG(st.st_mode))
		return ATT_KIND_XSTUB;
	if (!S_ISDIR(st.st_mode))
		return ATT_KIND_NONE;
	if (exists_in(path, "MANIFEST", 0))
		return ATT_KIND_NATIVE;
	for (i = 0; i < sizeof xapian / sizeof xapian[0]; i++)
		if (exists_in(path, xapian[i], 0))
			return ATT_KIND_XAPIAN;
	if (exists_in(path, "XAPIANDB", 0))
		return ATT_KIND_XSHARDS;
	return ATT_KIND_NONE;
}

const char *att_index_kind_str(att_index_kind k)
{
	switch (k) {
	case ATT_KIND_NATIVE:
		return "an attache index";
	case ATT_KIND_XAPIAN:
		return "a Xapian database";
	case ATT_KIND_XSHARDS:
		return "a sharded Xapian index";
	case ATT_KIND_XSTUB:
		return "a Xapian stub file";
	default:
		return "nothing attache can open";
	}
}

static void put_str(att_buf *b, const char *p, size_t n)
{
	att_buf_put_varint(b, n);
	att_buf_append(b, p, n);
}

void att_record_put(att_buf *b, const att_doc *doc)
{
	size_t i;

	put_str(b, doc->id, doc->id_len);
	put_str(b, doc->title, doc->title_len);
	put_str(b, doc->text, doc->text_len);
	att_buf_put_varint(b, doc->nfields);
	for (i = 0; i < doc->nfields; i++) {
		put_str(b, doc->fields[i].name, doc->fields[i].name_len);
		put_str(b, doc->fields[i].value, doc->fields[i].value_len);
	}
}

att_status att_record_parse(att_record *rec, const uint8_t *p, size_t n)
{
	const uint8_t *s;
	uint64_t l;
	att_cursor c;

	att_cursor_init(&c, p, n);
	att_cursor_varint(&c, &l);
	if (att_cursor_bytes(&c, &s, (size_t)l) != 0)
		return ATT_ECORRUPT;
	rec->id = (const char *)s;
	rec->id_len = (size_t)l;
	att_cursor_varint(&c, &l);
	if (att_cursor_bytes(&c, &s, (size_t)l) != 0)
		return ATT_ECORRUPT;
	rec->title = (const char *)s;
	rec->title_len = (size_t)l;
	att_cursor_varint(&c, &l);
	if (att_cursor_bytes(&c, &s, (size_t)l) != 0)
		return ATT_ECORRUPT;
	rec->text = (const char *)s;
	rec->text_len = (size_t)l;
	rec->raw = p;
	rec->raw_len = n;
	return c.err ? ATT_ECORRUPT : ATT_OK;
}

att_status att_doc_from_record(att_doc *d, att_field **fields, size_t *cap,
                               const att_record *rec)
{
	const uint8_t *p = (const uint8_t *)rec->text + rec->text_len, *b;
	uint64_t n, i, l;
	att_cursor c;

	memset(d, 0, sizeof *d);
	d->id = rec->id;
	d->id_len = rec->id_len;
	d->title = rec->title;
	d->title_len = rec->title_len;
	d->text = rec->text;
	d->text_len = rec->text_len;
	/* the rest of the record: varint count, then name and value pairs */
	att_cursor_init(&c, p, (size_t)(rec->raw + rec->raw_len - p));
	if (att_cursor_varint(&c, &n) != 0 || n > (uint64_t)(c.end - c.p) / 2)
		return ATT_ECORRUPT;
	if (n > *cap) {
		att_field *f = att_realloc(*fields, (size_t)n * sizeof *f);

		if (f == NULL)
			return ATT_ENOMEM;
		*fields = f;
		*cap = (size_t)n;
	}
	for (i = 0; i < n; i++) {
		att_field *f = &(*fields)[i];

		att_cursor_varint(&c, &l);
		att_cursor_bytes(&c, &b, (size_t)l);
		f->name = (const char *)b;
		f->name_len = (size_t)l;
		att_cursor_varint(&c, &l);
		att_cursor_bytes(&c, &b, (size_t)l);
		f->value = (const char *)b;
		f->value_len = (size_t)l;
	}
	if (c.err || c.p != c.end)
		return ATT_ECORRUPT;
	d->fields = *fields;
	d->nfields = (size_t)n;
	return ATT_OK;
}

void att_xdata_put(att_buf *b, const att_doc *doc, uint32_t title_tokens)
{
	static const uint8_t magic[3] = { 'a', 'x', ATT_XDATA_VERSION };

	att_buf_append(b, magic, sizeof magic);
	att_buf_put_varint(b, title_tokens);
	att_record_put(b, doc);
}

void att_xsentences_put(att_buf *b, uint32_t nsent, const uint8_t *sen,
                        size_t sen_len)
{
	att_buf_put_varint(b, nsent);
	att_buf_append(b, sen, sen_len);
}

att_status att_xdata_parse(att_xdata *out, const uint8_t *p, size_t n)
{
	uint64_t tt;
	att_cursor c;

	if (n < 3 || p[0] != 'a' || p[1] != 'x')
		return ATT_ECORRUPT;
	if (p[2] != ATT_XDATA_VERSION)
		return ATT_EVERSION;
	att_cursor_init(&c, p + 3, n - 3);
	att_cursor_varint(&c, &tt);
	if (c.err || tt > UINT32_MAX)
		return ATT_ECORRUPT;
	out->title_tokens = (uint32_t)tt;
	return att_record_parse(&out->rec, c.p, (size_t)(c.end - c.p));
}

att_status att_sentences_decode(att_sentence **out, size_t *cap, uint32_t *n,
                                const uint8_t *p, size_t len, uint32_t stop,
                                size_t *used)
{
	uint64_t ns, pos = 0, byte = 0, dp, db;
	att_cursor c;
	uint32_t i;

	*n = 0;
	att_cursor_init(&c, p, len);
	if (att_cursor_varint(&c, &ns) != 0 || ns > (uint64_t)(c.end - c.p) / 2)
		return ATT_ECORRUPT;
	if (ns + 1 > *cap) {
		att_sentence *v = att_realloc(*out, (size_t)(ns + 1) * sizeof *v);

		if (v == NULL)
			return ATT_ENOMEM;
		*out = v;
		*cap = (size_t)ns + 1;
	}
	for (i = 0; i <= ns; i++) {
		att_cursor_varint(&c, &dp);
		att_cursor_varint(&c, &db);
		if (c.err || dp > UINT32_MAX || db > UINT32_MAX)
			return ATT_ECORRUPT; /* (a huge delta would wrap the sums) */
		pos += dp;
		byte += db;
		if (pos > UINT32_MAX || byte > UINT32_MAX)
			return ATT_ECORRUPT;
		(*out)[i].pos = (uint32_t)pos;
		(*out)[i].byte = (uint32_t)byte;
		if (pos >= stop && i > 0 && i < ns) {
			*n = i;   /* sentence i ends the table early */
			break;
		}
	}
	if (i > ns)
		*n = (uint32_t)ns;
	if (used != NULL)
		*used = (size_t)(c.p - p);
	return ATT_OK;
}

#ifdef ATTACHE_WITH_XAPIAN
att_status att_status_of_x(int xstatus)
{
	switch ((att_xstatus)xstatus) {
	case ATT_X_OK:
		return ATT_OK;
	case ATT_X_ELOCKED:
		return ATT_ELOCKED;
	case ATT_X_ECORRUPT:
		return ATT_ECORRUPT;
	case ATT_X_EVERSION:
		return ATT_EVERSION;
	case ATT_X_ENOTFOUND:
		return ATT_ENOTFOUND;
	case ATT_X_ENOMEM:
		return ATT_ENOMEM;
	case ATT_X_EINVAL:
	case ATT_X_EQUERY:
		return ATT_EINVAL;
	default: /* modified (after a retry), I/O, network, internal */
		return ATT_EIO;
	}
}
#endif
