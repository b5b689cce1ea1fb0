/*
 * xfacets.c: facets on the Xapian backend.
 *
 * The facets asked for (checked by facets.c's att_facets_new, so that
 * both backends take the same specs) become a ValueCountMatchSpy per
 * value slot they count (xapian/attache_xapian.h): a date's or number's
 * key slot, a keyword's slot of each k-th value some document has.
 * After the match, the spies' counts become the same answers facets.c
 * gives: keyword values summed over their slots, date keys into
 * buckets, numbers into ranges, sorted as natively.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xfacets.h"

/* A counted value while a facet's answer is made. */
typedef struct fval {
	const char *p;           /* a keyword's bytes, */
	size_t n;
	uint64_t key;            /* or a number's key, a date bucket's */
	uint64_t count;
} fval;

/* SPEC (checked by att_facets_new against SC) into F. */
static void facet_spec(xfacet *f, const att_schema *sc, const char *spec)
{
	const char *colon = strchr(spec, ':'), *opt = colon ? colon + 1 : NULL;
	size_t n = colon != NULL ? (size_t)(colon - spec) : strlen(spec), ln;
	char low[ATT_FIELD_NAME_MAX + 1];

	memset(f, 0, sizeof *f);
	ln = att_field_name(low, spec, n);
	f->f = (uint32_t)att_schema_find(sc, low, ln);
	f->type = sc->f[f->f].type;
	f->limit = 10;
	snprintf(f->name, sizeof f->name, "%s", sc->f[f->f].name);
	if (f->type == ATT_FIELD_DATE) {
		f->kind = strcmp(opt, "year") == 0 ? XF_YEAR
		    : strcmp(opt, "month") == 0 ? XF_MONTH : XF_DAY;
		snprintf(f->name, sizeof f->name, "%s:%s", sc->f[f->f].name, opt);
	} else if (opt != NULL && strncmp(opt, "ranges=", 7) == 0) {
		const char *p = opt + 7;

		f->kind = XF_RANGES;
		for (;;) {
			const char *e = strchr(p, ',');
			size_t len = e != NULL ? (size_t)(e - p) : strlen(p);

			att_number_parse(&f->bounds[f->nbounds++], p, len);
			if (e == NULL || f->nbounds == 64)
				break;
			p = e + 1;
		}
	} else if (opt != NULL) {
		f->limit = strtoul(opt, NULL, 10);
	}
}

/* The facets O asks for, checked as natively, with a match spy per
 * slot they count: a date's or number's key slot; a keyword's slot of
 * each k-th value that some document has. */
att_status att_xfacets_plan(att_xfacets *r, att_xstatus *xst, att_xdb *db,
                            const att_schema *sc, const char *const *specs,
                            size_t n, char *msg, size_t mcap)
{
	att_facets *fs = NULL;
	att_status rc = att_facets_new(&fs, sc, specs, n, msg, mcap);
	size_t i, cap = 0;

	memset(r, 0, sizeof *r);
	*xst = ATT_X_OK;
	att_facets_free(fs);
	if (rc != ATT_OK || n == 0)
		return rc;
	r->fc = att_calloc(n, sizeof *r->fc);
	if (r->fc == NULL)
		return ATT_ENOMEM;
	for (i = 0; i < n; i++) {
		xfacet *f = &r->fc[r->nfc++];
		uint32_t k, freq = 1;

		facet_spec(f, sc, specs[i]);
		f->spy = r->nspy;
		for (k = 0; freq > 0 && k <= ATT_XVALUE_KW_MAX; k++) {
			uint32_t slot = f->type == ATT_FIELD_KEYWORD
			    ? ATT_XVALUE_KW(f->f, k) : ATT_XVALUE_KEY(f->f);
			att_xstatus st = att_xdb_value_freq(db, &freq, slot);

			if (st != ATT_X_OK) {
				*xst = st;
				snprintf(msg, mcap, "%s", att_xdb_errmsg(db));
				return att_status_of_x(st);
			}
			if (freq == 0)
				break;
			if (r->nspy == cap) {
				size_t nc = cap ? cap * 2 : 16;
				uint32_t *p = att_realloc(r->spy, nc * sizeof *p);

				if (p == NULL)
					return ATT_ENOMEM;
				r->spy = p;
				cap = nc;
			}
			r->spy[r->nspy++] = slot;
			f->nspy++;
			if (f->type != ATT_FIELD_KEYWORD)
				break;
		}
	}
	return ATT_OK;
}

static int cmp_fbytes(const void *a, const void *b)
{
	const fval *x = a, *y = b;
	int c = memcmp(x->p, y->p, x->n < y->n ? x->n : y->n);

	return c != 0 ? c : (x->n > y->n) - (x->n < y->n);
}

static int cmp_fkey(const void *a, const void *b)
{
	const fval *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

/* Most frequent first, ties by value (facets.c's order). */
static int cmp_ffrequent(const void *a, const void *b)
{
	const fval *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->p != NULL ? cmp_fbytes(a, b) : cmp_fkey(a, b);
}

/* Sums equal values of V[0..*N), sorted with CMP, in place. */
static void merge_equal(fval *v, size_t *n, int (*cmp)(const void *,
                                                       const void *))
{
	size_t i, k = 0;

	qsort(v, *n, sizeof *v, cmp);
	for (i = 0; i < *n; i++) {
		if (k > 0 && cmp(&v[k - 1], &v[i]) == 0)
			v[k - 1].count += v[i].count;
		else
			v[k++] = v[i];
	}
	*n = k;
}

/* Facet F's answer in R from MS's spies, as facets.c makes it. */
static att_status facet_answer(att_facet_res *r, const xfacet *f,
                               const att_xmset *ms)
{
	fval *v = NULL;
	size_t n = 0, cap = 0, i, j, k;
	att_buf text;
	char lab[96];

	memset(r, 0, sizeof *r);
	memcpy(r->name, f->name, sizeof r->name);
	for (k = 0; ms != NULL && k < f->nspy; k++)
		cap += att_xmset_spy_size(ms, f->spy + k);
	v = att_malloc((cap + f->nbounds + 2) * sizeof *v);
	r->values = att_calloc(cap + f->nbounds + 2, sizeof *r->values);
	r->offs = att_calloc(cap + f->nbounds + 2, sizeof *r->offs);
	if (v == NULL || r->values == NULL || r->offs == NULL) {
		att_free(v);
		return ATT_ENOMEM;
	}
	for (k = 0; ms != NULL && k < f->nspy; k++)
		for (j = 0; j < att_xmset_spy_size(ms, f->spy + k); j++) {
			uint32_t count;
			const char *p;
			size_t len;

			att_xmset_spy_value(ms, f->spy + k, j, &p, &len, &count);
			if (f->type != ATT_FIELD_KEYWORD && len != 8) {
				att_free(v);
				return ATT_ECORRUPT;
			}
			v[n].p = f->type == ATT_FIELD_KEYWORD ? p : NULL;
			v[n].n = len;
			v[n].key = len == 8 ? att_get_u64be((const uint8_t *)p) : 0;
			if (f->kind >= XF_YEAR && f->kind <= XF_DAY)
				v[n].key = att_key_of_date(att_date_bucket(
				    att_date_of_key(v[n].key), f->kind == XF_YEAR ? 'y'
				    : f->kind == XF_MONTH ? 'm' : 'd'));
			v[n++].count = count;
		}
	att_buf_init(&text);
	if (f->kind == XF_RANGES) {
		uint64_t b[65] = { 0 };

		for (i = 0; i < n; i++) {
			double x = att_number_of_key(v[i].key);
			size_t lo = 0, hi = f->nbounds;

			while (lo < hi) {
				size_t mid = (lo + hi) / 2;

				if (x >= f->bounds[mid])
					lo = mid + 1;
				else
					hi = mid;
			}
			b[lo] += v[i].count;
		}
		for (i = 0; i <= f->nbounds; i++) {
			double from, to;
			size_t len = att_facet_range(lab, sizeof lab, f->bounds,
			                             f->nbounds, i, &from, &to);

			att_facet_put(r, &text, lab, len, b[i], from, to);
		}
	} else {
		merge_equal(v, &n, f->type == ATT_FIELD_KEYWORD ? cmp_fbytes
		            : cmp_fkey);
		if (f->kind == XF_VALUES) {
			qsort(v, n, sizeof *v, cmp_ffrequent);
			n = n > f->limit ? f->limit : n;
		}
		for (i = 0; i < n; i++) {
			if (f->type == ATT_FIELD_KEYWORD) {
				att_facet_put(r, &text, v[i].p, v[i].n, v[i].count, NAN, NAN);
				continue;
			}
			if (f->type == ATT_FIELD_NUMBER) {
				att_number_format(lab, sizeof lab,
				                  att_number_of_key(v[i].key));
			} else {
				att_date_format(lab, sizeof lab, att_date_of_key(v[i].key));
				lab[f->kind == XF_YEAR ? 4 : f->kind == XF_MONTH ? 7 : 10] =
				    '\0';
			}
			att_facet_put(r, &text, lab, strlen(lab), v[i].count, NAN, NAN);
		}
	}
	att_free(v);
	if (text.rc != ATT_OK) {
		att_buf_release(&text);
		return ATT_ENOMEM;
	}
	r->text = (char *)text.p;
	for (i = 0; i < r->n; i++)
		r->values[i].value = r->text + r->offs[i];
	return ATT_OK;
}

att_status att_xfacets_answer(att_facet_res **out, const att_xfacets *r,
                              const att_xmset *ms)
{
	att_status rc = ATT_OK;
	size_t i;

	*out = att_calloc(r->nfc + 1, sizeof **out);
	if (*out == NULL)
		return ATT_ENOMEM;
	for (i = 0; i < r->nfc && rc == ATT_OK; i++)
		rc = facet_answer(&(*out)[i], &r->fc[i], ms);
	if (rc != ATT_OK) {
		att_facet_res_free(*out, r->nfc);
		*out = NULL;
	}
	return rc;
}

void att_xfacets_release(att_xfacets *r)
{
	att_free(r->fc);
	att_free(r->spy);
	memset(r, 0, sizeof *r);
}
