/*
 * facets.c: counting the matches' typed values.
 *
 * A facet is asked for as "FIELD" or "FIELD:N" (the N most frequent
 * values of a keyword or number field), "DATE:year", "DATE:month" or
 * "DATE:day" (a histogram of a date field), or "NUMBER:ranges=A,B,..."
 * (buckets below A, from A to B, ..., from the last up). The matcher
 * (match.c) calls att_facets_add for every matching live document, and
 * the counts are exact: asking for facets turns pruning off.
 *
 * Counting reads the segment's columns (.val) only. A keyword facet
 * counts each value's ordinal in an array per segment, merged into a
 * table of values when the segment ends, since ordinals are the
 * segment's own. A number's values, and a date's buckets (the key of the
 * bucket's first second), go into the table directly; the last bucket
 * is remembered, for documents that come in date order. Ranges count
 * into an array of buckets. Results are sorted at the end: most frequent
 * first and ties by value (keywords by bytes, numbers by value), or a
 * histogram's buckets in time order.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "searcher.h"

#define FACET_DEFAULT_N 10
#define FACET_MAX_N 1000
#define FACET_MAX_BOUNDS 64

enum fkind { FK_VALUES, FK_YEAR, FK_MONTH, FK_DAY, FK_RANGES };

/* A value in the table: its bytes (a keyword) or its 8-byte big-endian
 * key (a number, a date bucket), in the pool at OFF. */
typedef struct fentry {
	uint64_t hash, count;
	size_t off;
	uint32_t len;
} fentry;

typedef struct facet {
	char name[ATT_FIELD_NAME_MAX + 8]; /* "places", "date:month" */
	char field[ATT_FIELD_NAME_MAX + 1];
	unsigned type;
	enum fkind kind;
	size_t limit;
	double bounds[FACET_MAX_BOUNDS];
	size_t nbounds;
	uint64_t *ranges;                  /* nbounds + 1 buckets */
	/* the table */
	fentry *e;                         /* open addressing, cap a power of 2 */
	size_t cap, n;
	uint8_t *pool;
	size_t pool_len, pool_cap;
	int64_t last_bucket;               /* dates: the last bucket added, */
	size_t last_slot;                  /* its slot (cap when none) */
	/* the open segment */
	const att_valcol *col;
	uint64_t *ords;                    /* keywords: per ordinal */
	size_t nords_cap;
} facet;

struct att_facets {
	facet f[ATT_SEARCH_MAX_FACETS];
	size_t n;
	att_status rc;                     /* ATT_ENOMEM, ATT_ECORRUPT */
	const att_segment *seg;
};

/* ---- parsing the requests ---------------------------------------------------- */

static int bad(char *msg, size_t cap, const char *spec, const char *why)
{
	snprintf(msg, cap, "facet \"%.64s\": %s", spec, why);
	return -1;
}

static int parse_bounds(facet *f, const char *s, const char *spec, char *msg,
                        size_t cap)
{
	const char *p = s;

	f->nbounds = 0;
	for (;;) {
		const char *e = strchr(p, ',');
		size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
		double v;

		if (f->nbounds == FACET_MAX_BOUNDS)
			return bad(msg, cap, spec, "at most 64 range bounds");
		if (att_number_parse(&v, p, n) != ATT_OK)
			return bad(msg, cap, spec, "ranges= takes numbers, comma "
			           "separated, rising (ranges=0,10,100)");
		if (f->nbounds > 0 && !(v > f->bounds[f->nbounds - 1]))
			return bad(msg, cap, spec, "range bounds must rise");
		f->bounds[f->nbounds++] = v;
		if (e == NULL)
			return 0;
		p = e + 1;
	}
}

/* SPEC into F, against the schema SC: 0, or -1 with MSG. */
static int parse_spec(facet *f, const att_schema *sc, const char *spec,
                      char *msg, size_t cap)
{
	const char *colon = strchr(spec, ':'), *opt;
	size_t n = colon != NULL ? (size_t)(colon - spec) : strlen(spec), ln;
	char low[ATT_FIELD_NAME_MAX + 1];
	int i = -1;

	memset(f, 0, sizeof *f);
	ln = att_field_name(low, spec, n);
	if (sc != NULL && ln > 0)
		i = att_schema_find(sc, low, ln);
	if (i < 0) {
		snprintf(msg, cap, "facet \"%.64s\": no typed field \"%.*s\" is "
		         "declared", spec, (int)(n > 32 ? 32 : n), spec);
		return -1;
	}
	memcpy(f->field, sc->f[i].name, sizeof f->field);
	f->type = sc->f[i].type;
	f->limit = FACET_DEFAULT_N;
	snprintf(f->name, sizeof f->name, "%s", f->field);
	opt = colon != NULL ? colon + 1 : NULL;
	if (f->type == ATT_FIELD_DATE) {
		if (opt != NULL && strcmp(opt, "year") == 0)
			f->kind = FK_YEAR;
		else if (opt != NULL && strcmp(opt, "month") == 0)
			f->kind = FK_MONTH;
		else if (opt != NULL && strcmp(opt, "day") == 0)
			f->kind = FK_DAY;
		else
			return bad(msg, cap, spec, "a date field takes :year, :month "
			           "or :day");
		snprintf(f->name, sizeof f->name, "%s:%s", f->field, opt);
		return 0;
	}
	if (opt != NULL && f->type == ATT_FIELD_NUMBER &&
	    strncmp(opt, "ranges=", 7) == 0) {
		f->kind = FK_RANGES;
		if (parse_bounds(f, opt + 7, spec, msg, cap) != 0)
			return -1;
		f->ranges = att_calloc(f->nbounds + 1, sizeof *f->ranges);
		if (f->ranges == NULL) {
			snprintf(msg, cap, "out of memory");
			return -1;
		}
		return 0;
	}
	f->kind = FK_VALUES;
	if (opt != NULL) {
		char *end;
		unsigned long v = strtoul(opt, &end, 10);

		if (end == opt || *end != '\0' || opt[0] == '-' || v == 0 ||
		    v > FACET_MAX_N)
			return bad(msg, cap, spec, f->type == ATT_FIELD_NUMBER
			           ? "give FIELD, FIELD:N (1 to 1000) or "
			           "FIELD:ranges=A,B,..."
			           : "give FIELD or FIELD:N (1 to 1000)");
		f->limit = v;
	}
	return 0;
}

static void facet_release(facet *f)
{
	att_free(f->ranges);
	att_free(f->e);
	att_free(f->pool);
	att_free(f->ords);
}

void att_facets_free(att_facets *fs)
{
	size_t i;

	if (fs == NULL)
		return;
	for (i = 0; i < fs->n; i++)
		facet_release(&fs->f[i]);
	att_free(fs);
}

att_status att_facets_new(att_facets **out, const att_schema *sc,
                          const char *const *specs, size_t n, char *msg,
                          size_t cap)
{
	att_facets *fs;
	size_t i, j;

	*out = NULL;
	if (n == 0)
		return ATT_OK;
	if (n > ATT_SEARCH_MAX_FACETS || specs == NULL) {
		snprintf(msg, cap, "at most %d facets", ATT_SEARCH_MAX_FACETS);
		return ATT_EINVAL;
	}
	fs = att_calloc(1, sizeof *fs);
	if (fs == NULL) {
		snprintf(msg, cap, "out of memory");
		return ATT_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if (specs[i] == NULL || parse_spec(&fs->f[i], sc, specs[i], msg,
		                                   cap) != 0) {
			if (specs[i] == NULL)
				snprintf(msg, cap, "facet %zu is NULL", i + 1);
			fs->n = i + 1;
			att_facets_free(fs);
			return strcmp(msg, "out of memory") == 0 ? ATT_ENOMEM
			                                         : ATT_EINVAL;
		}
		fs->n = i + 1;
		for (j = 0; j < i; j++)
			if (strcmp(fs->f[j].name, fs->f[i].name) == 0) {
				snprintf(msg, cap, "facet \"%.64s\" is asked for twice",
				         fs->f[i].name);
				att_facets_free(fs);
				return ATT_EINVAL;
			}
	}
	*out = fs;
	return ATT_OK;
}

void att_facets_reset(att_facets *fs)
{
	size_t i;

	for (i = 0; fs != NULL && i < fs->n; i++) {
		facet *f = &fs->f[i];

		if (f->e != NULL)
			memset(f->e, 0, f->cap * sizeof *f->e);
		f->n = 0;
		f->pool_len = 0;
		f->last_slot = f->cap;
		if (f->ranges != NULL)
			memset(f->ranges, 0, (f->nbounds + 1) * sizeof *f->ranges);
	}
}

/* ---- the table ----------------------------------------------------------------- */

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;   /* FNV-1a, then mixed */
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h | 1;   /* 0 marks an empty slot */
}

static int grow_table(facet *f)
{
	size_t cap = f->cap ? f->cap * 2 : 64, i;
	fentry *e = att_calloc(cap, sizeof *e);

	if (e == NULL)
		return -1;
	for (i = 0; i < f->cap; i++)
		if (f->e[i].hash != 0) {
			size_t j = f->e[i].hash & (cap - 1);

			while (e[j].hash != 0)
				j = (j + 1) & (cap - 1);
			e[j] = f->e[i];
		}
	att_free(f->e);
	f->e = e;
	f->cap = cap;
	f->last_slot = cap;
	return 0;
}

/* Adds COUNT to value P[0..N) (a new one is copied in): its slot, or
 * (size_t)-1 on ENOMEM. */
static size_t table_add(facet *f, const uint8_t *p, size_t n, uint64_t count)
{
	uint64_t h = hash_bytes(p, n);
	size_t j;

	if ((f->n + 1) * 4 > f->cap * 3 && grow_table(f) != 0)
		return (size_t)-1;
	for (j = h & (f->cap - 1); f->e[j].hash != 0; j = (j + 1) & (f->cap - 1))
		if (f->e[j].hash == h && f->e[j].len == n &&
		    memcmp(f->pool + f->e[j].off, p, n) == 0) {
			f->e[j].count += count;
			return j;
		}
	if (f->pool_len + n > f->pool_cap) {
		size_t cap = f->pool_cap ? f->pool_cap * 2 : 1024;
		uint8_t *q;

		while (cap < f->pool_len + n)
			cap *= 2;
		q = att_realloc(f->pool, cap);
		if (q == NULL)
			return (size_t)-1;
		f->pool = q;
		f->pool_cap = cap;
	}
	memcpy(f->pool + f->pool_len, p, n);
	f->e[j].hash = h;
	f->e[j].count = count;
	f->e[j].off = f->pool_len;
	f->e[j].len = (uint32_t)n;
	f->pool_len += n;
	f->n++;
	return j;
}

/* ---- counting ------------------------------------------------------------------ */

att_status att_facets_open_segment(att_facets *fs, const att_segment *seg,
                                   char *msg, size_t cap)
{
	size_t i;

	fs->seg = seg;
	for (i = 0; i < fs->n; i++) {
		facet *f = &fs->f[i];
		int c = att_segment_column_find(seg, f->field, strlen(f->field));

		f->col = NULL;
		if (c >= 0 && att_segment_column(&f->col, seg, (uint32_t)c) != ATT_OK) {
			if (!att_segment_damage(seg, msg, cap))
				snprintf(msg, cap, "%s.val: corrupt column \"%s\"", seg->path,
				         f->field);
			return fs->rc = ATT_ECORRUPT;
		}
		if (f->col == NULL || f->type != ATT_FIELD_KEYWORD)
			continue;
		if (f->col->nvalues > f->nords_cap) {
			att_free(f->ords);
			f->ords = att_malloc((size_t)f->col->nvalues * sizeof *f->ords);
			if (f->ords == NULL) {
				f->nords_cap = 0;
				snprintf(msg, cap, "out of memory");
				return fs->rc = ATT_ENOMEM;
			}
			f->nords_cap = f->col->nvalues;
		}
		if (f->col->nvalues > 0)
			memset(f->ords, 0, (size_t)f->col->nvalues * sizeof *f->ords);
	}
	return ATT_OK;
}

void att_facets_add(att_facets *fs, uint32_t doc)
{
	size_t i;

	for (i = 0; i < fs->n; i++) {
		facet *f = &fs->f[i];
		const att_valcol *c = f->col;
		uint64_t key, first;
		uint32_t n, k, ord;
		uint8_t b[8];

		if (c == NULL)
			continue;
		if (f->type == ATT_FIELD_KEYWORD) {
			if (att_valcol_doc(&first, &n, c, doc) != ATT_OK) {
				fs->rc = ATT_ECORRUPT;
				continue;
			}
			for (k = 0; k < n; k++) {
				if (att_valcol_ord(&ord, c, first + k) != ATT_OK) {
					fs->rc = ATT_ECORRUPT;
					break;
				}
				f->ords[ord]++;
			}
			continue;
		}
		if (!att_valcol_num(&key, c, doc))
			continue;
		if (f->kind == FK_RANGES) {
			double v = att_number_of_key(key);
			size_t lo = 0, hi = f->nbounds;   /* buckets below lo: v >= */

			while (lo < hi) {
				size_t mid = (lo + hi) / 2;

				if (v >= f->bounds[mid])
					lo = mid + 1;
				else
					hi = mid;
			}
			f->ranges[lo]++;
			continue;
		}
		if (f->kind != FK_VALUES) {
			int64_t bk = att_date_bucket(att_date_of_key(key), f->kind == FK_YEAR
			                             ? 'y' : f->kind == FK_MONTH ? 'm' : 'd');

			if (f->last_slot < f->cap && f->last_bucket == bk) {
				f->e[f->last_slot].count++;
				continue;
			}
			f->last_bucket = bk;
			key = att_key_of_date(bk);
		}
		att_put_u64be(b, key);
		f->last_slot = table_add(f, b, 8, 1);
		if (f->last_slot == (size_t)-1) {
			fs->rc = ATT_ENOMEM;
			f->last_slot = f->cap;
		}
	}
}

att_status att_facets_close_segment(att_facets *fs)
{
	size_t i;
	uint32_t o;

	for (i = 0; i < fs->n && fs->rc == ATT_OK; i++) {
		facet *f = &fs->f[i];

		if (f->col == NULL || f->type != ATT_FIELD_KEYWORD)
			continue;
		for (o = 0; o < f->col->nvalues && fs->rc == ATT_OK; o++) {
			const uint8_t *p;
			size_t len;

			if (f->ords[o] == 0)
				continue;
			if (att_valcol_value(&p, &len, f->col, o) != ATT_OK)
				fs->rc = ATT_ECORRUPT;
			else if (table_add(f, p, len, f->ords[o]) == (size_t)-1)
				fs->rc = ATT_ENOMEM;
		}
		f->col = NULL;
	}
	return fs->rc;
}

att_status att_facets_status(const att_facets *fs)
{
	return fs->rc;
}

/* ---- results ------------------------------------------------------------------- */

static int cmp_bytes(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	return c != 0 ? c : (an > bn) - (an < bn);
}

static const uint8_t *sort_pool;

static int cmp_frequent(const void *x, const void *y)
{
	const fentry *a = x, *b = y;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return cmp_bytes(sort_pool + a->off, a->len, sort_pool + b->off, b->len);
}

static int cmp_value(const void *x, const void *y)
{
	const fentry *a = x, *b = y;

	return cmp_bytes(sort_pool + a->off, a->len, sort_pool + b->off, b->len);
}

int att_facet_put(att_facet_res *r, att_buf *text, const char *v, size_t n,
                  uint64_t count, double from, double to)
{
	att_facet_value *fv = &r->values[r->n++];

	fv->value = NULL;
	fv->value_len = n;
	fv->count = count;
	fv->from = from;
	fv->to = to;
	r->offs[r->n - 1] = text->n;
	att_buf_append(text, v, n);
	att_buf_putc(text, '\0');
	return text->rc == ATT_OK ? 0 : -1;
}

size_t att_facet_range(char *out, size_t cap, const double *bounds, size_t nb,
                       size_t i, double *from, double *to)
{
	char a[40] = "", b[40] = "";
	int n;

	*from = i > 0 ? bounds[i - 1] : -INFINITY;
	*to = i < nb ? bounds[i] : INFINITY;
	if (i > 0)
		att_number_format(a, sizeof a, *from);
	if (i < nb)
		att_number_format(b, sizeof b, *to);
	n = snprintf(out, cap, "%s..%s", a, b);
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

static void label_of(char *out, size_t cap, const facet *f, uint64_t key)
{
	char d[40];

	if (f->type == ATT_FIELD_NUMBER) {
		att_number_format(out, cap, att_number_of_key(key));
		return;
	}
	att_date_format(d, sizeof d, att_date_of_key(key));
	d[f->kind == FK_YEAR ? 4 : f->kind == FK_MONTH ? 7 : 10] = '\0';
	snprintf(out, cap, "%s", d);
}

static att_status facet_result(att_facet_res *r, facet *f)
{
	size_t i, n;
	att_buf text;
	char v[96];

	memset(r, 0, sizeof *r);
	memcpy(r->name, f->name, sizeof r->name);
	att_buf_init(&text);
	if (f->kind == FK_RANGES) {
		n = f->nbounds + 1;
		r->values = att_calloc(n, sizeof *r->values);
		r->offs = att_calloc(n, sizeof *r->offs);
		if (r->values == NULL || r->offs == NULL)
			return ATT_ENOMEM;
		for (i = 0; i < n; i++) {
			double from, to;
			size_t len = att_facet_range(v, sizeof v, f->bounds, f->nbounds,
			                             i, &from, &to);

			if (att_facet_put(r, &text, v, len, f->ranges[i], from, to))
				break;
		}
	} else {
		fentry *e = att_malloc((f->n + 1) * sizeof *e);

		if (e == NULL)
			return ATT_ENOMEM;
		for (i = 0, n = 0; i < f->cap; i++)
			if (f->e[i].hash != 0)
				e[n++] = f->e[i];
		sort_pool = f->pool;
		qsort(e, n, sizeof *e, f->kind == FK_VALUES ? cmp_frequent : cmp_value);
		if (f->kind == FK_VALUES && n > f->limit)
			n = f->limit;
		r->values = att_calloc(n + 1, sizeof *r->values);
		r->offs = att_calloc(n + 1, sizeof *r->offs);
		if (r->values == NULL || r->offs == NULL) {
			att_free(e);
			return ATT_ENOMEM;
		}
		for (i = 0; i < n; i++) {
			const uint8_t *p = f->pool + e[i].off;
			int rc;

			if (f->type == ATT_FIELD_KEYWORD) {
				rc = att_facet_put(r, &text, (const char *)p, e[i].len, e[i].count,
				               NAN, NAN);
			} else {
				label_of(v, sizeof v, f, att_get_u64be(p));
				rc = att_facet_put(r, &text, v, strlen(v), e[i].count, NAN, NAN);
			}
			if (rc != 0)
				break;
		}
		att_free(e);
	}
	if (text.rc != ATT_OK) {
		att_buf_release(&text);
		return ATT_ENOMEM;
	}
	r->text = (char *)text.p;   /* owned now; the values point into it */
	for (i = 0; i < r->n; i++)
		r->values[i].value = r->text + r->offs[i];
	return ATT_OK;
}

att_status att_facets_results(att_facet_res **out, size_t *nout,
                              att_facets *fs)
{
	att_facet_res *r;
	size_t i;

	*out = NULL;
	*nout = 0;
	if (fs == NULL)
		return ATT_OK;
	r = att_calloc(fs->n, sizeof *r);
	if (r == NULL)
		return ATT_ENOMEM;
	for (i = 0; i < fs->n; i++)
		if (facet_result(&r[i], &fs->f[i]) != ATT_OK) {
			att_facet_res_free(r, i + 1);
			return ATT_ENOMEM;
		}
	*out = r;
	*nout = fs->n;
	return ATT_OK;
}

void att_facet_res_free(att_facet_res *r, size_t n)
{
	size_t i;

	for (i = 0; r != NULL && i < n; i++) {
		att_free(r[i].values);
		att_free(r[i].offs);
		att_free(r[i].text);
	}
	att_free(r);
}
