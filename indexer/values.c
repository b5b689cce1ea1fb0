/*
 * values.c: the values of typed fields, from a document to its segment's
 * columns (docs/FORMAT.md 5.11).
 *
 * att_docvals_extract reads a document's fields against the index's
 * declarations: a date or number field's value is parsed (fields.c) into
 * its key, a keyword field's values are folded (fold.c), sorted and
 * deduplicated. A value is the field's text: in JSONL a string's
 * content, or the JSON text of any other value, so a number may be
 * given as 12.5 or "12.5", and a JSON array of strings gives a keyword
 * field several values (as do several fields of that name). An empty
 * value, or null, is no value. A date or number field with two values,
 * or a value that does not parse, is refused with the field and the
 * value in the message. The writer extracts every document before it
 * takes it; docan.c extracts again for the keyword terms and the
 * builder's columns, as a check or a deletion re-analysing a stored
 * record does, and gets the same values.
 *
 * att_valbuild gathers the values of a segment's documents, in document
 * order, and encodes the .val file's body: per field a column, the
 * dates' and numbers' keys packed in as few bits as their range needs,
 * a keyword field's distinct values sorted with each document's
 * ordinals (ascending) packed too.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indexer.h"

void att_docvals_init(att_docvals *v)
{
	memset(v, 0, sizeof *v);
	att_buf_init(&v->kw);
}

void att_docvals_release(att_docvals *v)
{
	att_buf_release(&v->kw);
	memset(v, 0, sizeof *v);
}

static int is_none(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
	                 s[n - 1] == '\r'))
		n--;
	return n == 0 || (n == 4 && memcmp(s, "null", 4) == 0);
}

static att_status bad(char *msg, size_t cap, const att_schema *s, int f,
                      const char *value, size_t n, const char *why)
{
	snprintf(msg, cap, "field \"%s\": \"%.*s%s\" %s", s->f[f].name,
	         (int)(n > 80 ? 80 : n), value, n > 80 ? "..." : "", why);
	return ATT_EINPUT;
}

/* Folds one keyword value and appends it to v->kw. */
static att_status add_keyword(att_docvals *v, const att_schema *s, int f,
                              const char *val, size_t n, char *msg, size_t cap)
{
	char out[ATT_KEYWORD_MAX];
	size_t len;
	att_status rc = att_keyword_fold(&len, out, sizeof out, val, n);

	if (rc == ATT_ELIMIT)
		return bad(msg, cap, s, f, val, n, "is longer than 256 bytes folded");
	if (rc == ATT_EUTF8)
		return bad(msg, cap, s, f, val, n, "is not valid UTF-8");
	if (rc != ATT_OK)
		return rc;
	if (len == 0)
		return ATT_OK;
	att_buf_putc(&v->kw, (uint8_t)f);
	att_buf_put_u16le(&v->kw, (uint16_t)len);
	att_buf_append(&v->kw, out, len);
	v->nkw++;
	return v->kw.rc;
}

static att_status keywords(att_docvals *v, const att_schema *s, int f,
                           const char *val, size_t n, char *msg, size_t cap)
{
	size_t i = 0;
	json_t *j, *e;
	att_status rc = ATT_OK;

	while (i < n && (val[i] == ' ' || val[i] == '\t' || val[i] == '\n' ||
	                 val[i] == '\r'))
		i++;
	if (i == n || val[i] != '[')
		return add_keyword(v, s, f, val, n, msg, cap);
	j = json_loadb(val, n, 0, NULL);
	if (j == NULL || !json_is_array(j)) {
		json_decref(j);
		return add_keyword(v, s, f, val, n, msg, cap); /* text in brackets */
	}
	for (i = 0; rc == ATT_OK && i < json_array_size(j); i++) {
		e = json_array_get(j, i);
		if (json_is_null(e))
			continue;
		if (!json_is_string(e))
			rc = bad(msg, cap, s, f, val, n, "is not a string or an array "
			         "of strings");
		else
			rc = add_keyword(v, s, f, json_string_value(e),
			                 json_string_length(e), msg, cap);
	}
	json_decref(j);
	return rc;
}

/* Orders v->kw's entries by field, then bytes. */
static int cmp_kw(const void *a, const void *b)
{
	const uint8_t *x = *(const uint8_t *const *)a, *y = *(const uint8_t *const *)b;
	size_t lx = att_get_u16le(x + 1), ly = att_get_u16le(y + 1);
	int c;

	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	c = memcmp(x + 3, y + 3, lx < ly ? lx : ly);
	return c != 0 ? c : (lx > ly) - (lx < ly);
}

/* Sorts and deduplicates the keyword values. */
static att_status sort_keywords(att_docvals *v)
{
	const uint8_t **e;
	att_buf out;
	size_t off = 0, i, k = 0;

	if (v->nkw < 2)
		return ATT_OK;
	e = att_malloc(v->nkw * sizeof *e);
	if (e == NULL)
		return ATT_ENOMEM;
	for (i = 0; i < v->nkw; i++) {
		e[i] = v->kw.p + off;
		off += 3 + att_get_u16le(v->kw.p + off + 1);
	}
	qsort(e, v->nkw, sizeof *e, cmp_kw);
	att_buf_init(&out);
	for (i = 0; i < v->nkw; i++) {
		if (i > 0 && cmp_kw(&e[i - 1], &e[i]) == 0)
			continue;
		att_buf_append(&out, e[i], 3 + att_get_u16le(e[i] + 1));
		k++;
	}
	att_free(e);
	if (out.rc != ATT_OK) {
		att_buf_release(&out);
		return ATT_ENOMEM;
	}
	att_buf_release(&v->kw);
	v->kw = out;
	v->nkw = (uint32_t)k;
	return ATT_OK;
}

att_status att_docvals_extract(att_docvals *v, const att_schema *s,
                               const att_doc *d, char *msg, size_t cap)
{
	size_t i;
	att_status rc = ATT_OK;

	v->n = s->n;
	memset(v->has, 0, sizeof v->has);
	att_buf_clear(&v->kw);
	v->nkw = 0;
	for (i = 0; rc == ATT_OK && i < d->nfields && s->n > 0; i++) {
		const att_field *fl = &d->fields[i];
		char name[ATT_FIELD_NAME_MAX];
		size_t nl = att_field_name(name, fl->name, fl->name_len);
		int f = nl ? att_schema_find(s, name, nl) : -1;
		int64_t lo, hi;
		double x;

		if (f < 0 || is_none(fl->value, fl->value_len))
			continue;
		if (s->f[f].type == ATT_FIELD_KEYWORD) {
			rc = keywords(v, s, f, fl->value, fl->value_len, msg, cap);
			continue;
		}
		if (v->has[f])
			return bad(msg, cap, s, f, fl->value, fl->value_len,
			           "is a second value: a date or number field has one");
		if (s->f[f].type == ATT_FIELD_DATE) {
			if (att_date_parse(&lo, &hi, fl->value, fl->value_len) != ATT_OK)
				return bad(msg, cap, s, f, fl->value, fl->value_len,
				           "is not a date (YYYY, YYYY-MM, YYYY-MM-DD, or a "
				           "date and time such as 1987-03-01T04:00:48Z)");
			v->key[f] = att_key_of_date(lo);
		} else {
			if (att_number_parse(&x, fl->value, fl->value_len) != ATT_OK)
				return bad(msg, cap, s, f, fl->value, fl->value_len,
				           "is not a number");
			v->key[f] = att_key_of_number(x);
		}
		v->has[f] = 1;
	}
	if (rc == ATT_OK)
		rc = sort_keywords(v);
	if (rc == ATT_ENOMEM)
		snprintf(msg, cap, "out of memory");
	return rc;
}

/* ---- columns being built --------------------------------------------------- */

void att_valbuild_init(att_valbuild *b, const att_schema *s)
{
	uint32_t f;

	memset(b, 0, sizeof *b);
	b->schema = s;
	for (f = 0; f < ATT_SCHEMA_MAX; f++) {
		att_buf_init(&b->num[f]);
		att_buf_init(&b->kwv[f]);
		att_buf_init(&b->kwd[f]);
	}
}

void att_valbuild_release(att_valbuild *b)
{
	uint32_t f;

	for (f = 0; f < ATT_SCHEMA_MAX; f++) {
		att_buf_release(&b->num[f]);
		att_buf_release(&b->kwv[f]);
		att_buf_release(&b->kwd[f]);
	}
	memset(b, 0, sizeof *b);
}

void att_valbuild_clear(att_valbuild *b)
{
	uint32_t f;

	for (f = 0; f < ATT_SCHEMA_MAX; f++) {
		att_buf_clear(&b->num[f]);
		att_buf_clear(&b->kwv[f]);
		att_buf_clear(&b->kwd[f]);
	}
	b->ndocs = 0;
}

size_t att_valbuild_memory(const att_valbuild *b)
{
	size_t m = 0;
	uint32_t f;

	for (f = 0; b->schema != NULL && f < b->schema->n; f++)
		m += b->num[f].cap + b->kwv[f].cap + b->kwd[f].cap;
	return m;
}

att_status att_valbuild_add(att_valbuild *b, const att_docvals *v)
{
	const att_schema *s = b->schema;
	size_t off = 0, k;
	uint32_t f;

	for (f = 0; f < s->n; f++) {
		if (s->f[f].type != ATT_FIELD_KEYWORD) {
			att_buf_put_u64le(&b->num[f], v->has[f] ? v->key[f] : 0);
			att_buf_putc(&b->num[f], v->has[f]);
		}
	}
	for (k = 0; k < v->nkw; k++) {
		const uint8_t *e = v->kw.p + off;
		size_t len = att_get_u16le(e + 1);

		att_buf_append(&b->kwv[e[0]], e + 1, 2 + len);
		att_buf_put_u32le(&b->kwd[e[0]], b->ndocs);
		off += 3 + len;
	}
	b->ndocs++;
	for (f = 0; f < s->n; f++)
		if (b->num[f].rc || b->kwv[f].rc || b->kwd[f].rc)
			return ATT_ENOMEM;
	return ATT_OK;
}

att_status att_valbuild_copy(att_valbuild *b, const att_segment *seg,
                             uint32_t doc)
{
	const att_schema *s = b->schema;
	att_status rc;
	uint32_t f;

	for (f = 0; f < s->n; f++) {
		const att_valcol *c;

		rc = att_segment_column(&c, seg, f);
		if (rc != ATT_OK)
			return rc;
		if (c->type != s->f[f].type || c->len != s->f[f].len ||
		    memcmp(c->name, s->f[f].name, c->len) != 0)
			return ATT_ECORRUPT;
		if (c->type != ATT_FIELD_KEYWORD) {
			uint64_t key = 0;
			int has = att_valcol_num(&key, c, doc);

			att_buf_put_u64le(&b->num[f], key);
			att_buf_putc(&b->num[f], (uint8_t)has);
		} else {
			uint64_t first, i;
			uint32_t n;

			rc = att_valcol_doc(&first, &n, c, doc);
			for (i = 0; rc == ATT_OK && i < n; i++) {
				const uint8_t *p;
				size_t len;
				uint32_t ord;

				rc = att_valcol_ord(&ord, c, first + i);
				if (rc == ATT_OK)
					rc = att_valcol_value(&p, &len, c, ord);
				if (rc != ATT_OK)
					break;
				att_buf_put_u16le(&b->kwv[f], (uint16_t)len);
				att_buf_append(&b->kwv[f], p, len);
				att_buf_put_u32le(&b->kwd[f], b->ndocs);
			}
			if (rc != ATT_OK)
				return rc;
		}
		if (b->num[f].rc || b->kwv[f].rc || b->kwd[f].rc)
			return ATT_ENOMEM;
	}
	b->ndocs++;
	return ATT_OK;
}

/* A keyword occurrence while a column is encoded. */
typedef struct kwocc {
	const uint8_t *p; /* u16le length, bytes */
	uint32_t doc;
	uint32_t ord;
} kwocc;

static int cmp_occ(const void *a, const void *b)
{
	const kwocc *x = a, *y = b;
	size_t lx = att_get_u16le(x->p), ly = att_get_u16le(y->p);
	int c = memcmp(x->p + 2, y->p + 2, lx < ly ? lx : ly);

	if (c != 0)
		return c;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return x->doc < y->doc ? -1 : x->doc > y->doc;
}

static int cmp_doc(const void *a, const void *b)
{
	const kwocc *x = a, *y = b;

	if (x->doc != y->doc)
		return x->doc < y->doc ? -1 : 1;
	return (x->ord > y->ord) - (x->ord < y->ord);
}

static att_status encode_numeric(att_buf *out, const att_buf *num,
                                 uint32_t ndocs)
{
	uint64_t lo = UINT64_MAX, hi = 0, *v;
	uint32_t d;
	unsigned w;

	for (d = 0; d < ndocs; d++) {
		uint64_t k = att_get_u64le(num->p + 9 * (size_t)d);

		if (!num->p[9 * (size_t)d + 8])
			continue;
		lo = k < lo ? k : lo;
		hi = k > hi ? k : hi;
	}
	if (lo > hi) /* no document has a value */
		lo = hi = 0, w = 0;
	else
		w = hi - lo == UINT64_MAX ? 64 : att_bitlen64(hi - lo + 1);
	att_buf_put_u64le(out, lo);
	att_buf_put_u64le(out, w);
	v = att_malloc(((size_t)ndocs + 1) * sizeof *v);
	if (v == NULL)
		return ATT_ENOMEM;
	for (d = 0; d < ndocs; d++)
		v[d] = num->p[9 * (size_t)d + 8]
		    ? att_get_u64le(num->p + 9 * (size_t)d) - lo + 1 : 0;
	att_pack_put(out, v, ndocs, w);
	att_free(v);
	return out->rc;
}

static att_status encode_keyword(att_buf *out, const att_buf *kwv,
                                 const att_buf *kwd, uint32_t ndocs)
{
	size_t nocc = kwd->n / 4, i, off = 0;
	kwocc *occ = att_malloc((nocc + 1) * sizeof *occ);
	uint64_t *pk = att_malloc(((nocc > ndocs ? nocc : ndocs) + 2) * sizeof *pk);
	uint32_t nvalues = 0, d;
	att_buf bytes;
	att_status rc = occ && pk ? ATT_OK : ATT_ENOMEM;

	att_buf_init(&bytes);
	for (i = 0; rc == ATT_OK && i < nocc; i++) {
		occ[i].p = kwv->p + off;
		occ[i].doc = att_get_u32le(kwd->p + 4 * i);
		off += 2 + att_get_u16le(kwv->p + off);
	}
	if (rc == ATT_OK) {
		qsort(occ, nocc, sizeof *occ, cmp_occ);
		for (i = 0; i < nocc; i++) {
			size_t len = att_get_u16le(occ[i].p);

			if (i == 0 || att_get_u16le(occ[i - 1].p) != len ||
			    memcmp(occ[i - 1].p + 2, occ[i].p + 2, len) != 0) {
				pk[nvalues++] = bytes.n;
				att_buf_append(&bytes, occ[i].p + 2, len);
			}
			occ[i].ord = nvalues - 1;
		}
		pk[nvalues] = bytes.n;
		att_buf_put_u32le(out, nvalues);
		att_buf_put_u32le(out, 0);
		att_buf_put_u64le(out, nocc);
		for (i = 0; i <= nvalues; i++)
			att_buf_put_u32le(out, (uint32_t)pk[i]);
		att_buf_append(out, bytes.p, bytes.n);
		qsort(occ, nocc, sizeof *occ, cmp_doc);
		/* where each document's ordinals start, then the ordinals */
		for (i = 0, d = 0; d <= ndocs; d++) {
			while (i < nocc && occ[i].doc < d)
				i++;
			pk[d] = i;
		}
		{
			unsigned ws = att_bitlen64(nocc);
			unsigned wo = nvalues > 1 ? att_bitlen64(nvalues - 1) : 0;

			att_buf_putc(out, (uint8_t)ws);
			att_buf_putc(out, (uint8_t)wo);
			att_pack_put(out, pk, (size_t)ndocs + 1, ws);
			for (i = 0; i < nocc; i++)
				pk[i] = occ[i].ord;
			att_pack_put(out, pk, nocc, wo);
		}
		if (bytes.rc != ATT_OK || out->rc != ATT_OK)
			rc = ATT_ENOMEM;
	}
	att_buf_release(&bytes);
	att_free(occ);
	att_free(pk);
	return rc;
}

att_status att_valbuild_encode(att_buf *out, const att_valbuild *b)
{
	const att_schema *s = b->schema;
	size_t dir, at;
	uint32_t f;
	att_status rc = ATT_OK;

	att_buf_put_u32le(out, b->ndocs);
	att_buf_put_u32le(out, s->n);
	dir = out->n;
	for (f = 0; f < s->n; f++) { /* the directory, offsets filled below */
		att_buf_putc(out, s->f[f].type);
		att_buf_putc(out, s->f[f].len);
		att_buf_append(out, s->f[f].name, s->f[f].len);
		att_buf_put_u64le(out, 0);
		att_buf_put_u64le(out, 0);
	}
	for (f = 0; rc == ATT_OK && f < s->n; f++) {
		at = out->n;
		if (s->f[f].type == ATT_FIELD_KEYWORD)
			rc = encode_keyword(out, &b->kwv[f], &b->kwd[f], b->ndocs);
		else
			rc = encode_numeric(out, &b->num[f], b->ndocs);
		if (rc != ATT_OK || out->rc != ATT_OK)
			break;
		dir += 2 + s->f[f].len;
		att_put_u64le(out->p + dir, ATT_HEADER_SIZE + at);
		att_put_u64le(out->p + dir + 8, out->n - at);
		dir += 16;
	}
	return rc != ATT_OK || out->rc != ATT_OK ? ATT_ENOMEM : ATT_OK;
}

att_status att_values_write(const char *dir, uint32_t seg,
                            const att_valbuild *b, char *msg, size_t msgcap)
{
	char path[4096];
	att_fwriter fw;
	att_buf body;
	att_status rc;

	att_buf_init(&body);
	rc = att_valbuild_encode(&body, b);
	att_seg_path(path, sizeof path, dir, seg, ATT_SEG_VALUES);
	if (rc == ATT_OK) {
		rc = att_fw_open(&fw, path, ATT_MAGIC_VALUES);
		att_fw_write(&fw, body.p, body.n);
		if (rc == ATT_OK)
			rc = att_fw_finish(&fw);
		else
			att_fw_abort(&fw);
		if (rc != ATT_OK)
			snprintf(msg, msgcap, "%s", fw.msg[0] ? fw.msg : "write failed");
	} else {
		snprintf(msg, msgcap, "out of memory");
	}
	att_buf_release(&body);
	return rc;
}
