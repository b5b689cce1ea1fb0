/*
 * fields.c: typed fields (docs/FORMAT.md 3 and 5.11): the index's
 * declarations, the parsing and printing of dates and numbers, the keys
 * their columns store, and the packed arrays those columns are made of.
 *
 * Dates. A value is an ISO 8601 calendar date, YYYY, YYYY-MM or
 * YYYY-MM-DD, optionally followed (after 'T', 't' or one space) by a
 * time of day HH:MM, HH:MM:SS or HH:MM:SS.fraction, and then by a zone,
 * 'Z' or an offset +HH:MM, +HHMM or +HH (or '-'). Without a zone the
 * time is taken as UTC. Years run from 0000 to 9999 in the proleptic
 * Gregorian calendar; the day must exist in its month (29 February only
 * in leap years); an hour is 00 to 23, a minute 00 to 59, a second 00 to
 * 60 (a leap second reads as the first second of the next minute); a
 * fraction is truncated. The value kept is whole seconds since
 * 1970-01-01T00:00:00Z, negative before. A date that names a period
 * rather than an instant (1987, 1987-03, 1987-03-15, 1987-03-15T10:20)
 * covers it, from its first second to its last: a document's value is
 * the first, a range's upper bound the last.
 *
 * Numbers: an optional sign, digits with an optional fraction (".5" and
 * "5." included), an optional exponent; finite in a double.
 *
 * Keys. A column stores each value as a 64-bit key that sorts as the
 * value does: a date's seconds with the sign bit flipped; a number's
 * IEEE bits with the sign bit flipped if it is positive, all bits
 * flipped if negative (so -0 sorts just below +0).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

const char *att_field_type_name(unsigned type)
{
	switch (type) {
	case ATT_FIELD_KEYWORD: return "keyword";
	case ATT_FIELD_DATE:    return "date";
	case ATT_FIELD_NUMBER:  return "number";
	}
	return "?";
}

int att_field_type_of(const char *name, size_t len)
{
	static const char *const names[] = { "keyword", "date", "number" };
	unsigned t;

	for (t = 0; t < 3; t++)
		if (strlen(names[t]) == len && memcmp(names[t], name, len) == 0)
			return (int)t + ATT_FIELD_KEYWORD;
	return -1;
}

int att_schema_find(const att_schema *s, const char *name, size_t len)
{
	uint32_t i;

	for (i = 0; i < s->n; i++)
		if (s->f[i].len == len && memcmp(s->f[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

att_status att_schema_add(att_schema *s, const char *name, size_t len,
                          unsigned type, char *msg, size_t msgcap)
{
	char low[ATT_FIELD_NAME_MAX + 1];
	size_t n = att_field_name(low, name, len);
	int at;

	if (n == 0 || (n == 2 && memcmp(low, "id", 2) == 0) ||
	    (n == 4 && memcmp(low, "text", 4) == 0) ||
	    (n == 5 && memcmp(low, "title", 5) == 0)) {
		snprintf(msg, msgcap, "field \"%.*s\" cannot be typed: a typed "
		         "field's name is 1 to 32 ASCII letters, digits, '_', '-' "
		         "or '.', and not id, title or text", (int)(len > 64 ? 64 : len),
		         name);
		return ATT_EINVAL;
	}
	if (type < ATT_FIELD_KEYWORD || type > ATT_FIELD_NUMBER) {
		snprintf(msg, msgcap, "field \"%.*s\": unknown type %u", (int)n, low,
		         type);
		return ATT_EINVAL;
	}
	at = att_schema_find(s, low, n);
	if (at >= 0) {
		if (s->f[at].type == type)
			return ATT_OK;
		snprintf(msg, msgcap, "field \"%.*s\" is declared as %s, not %s",
		         (int)n, low, att_field_type_name(s->f[at].type),
		         att_field_type_name(type));
		return ATT_EINVAL;
	}
	if (s->n == ATT_SCHEMA_MAX) {
		snprintf(msg, msgcap, "more than %u typed fields", ATT_SCHEMA_MAX);
		return ATT_ELIMIT;
	}
	memcpy(s->f[s->n].name, low, n);
	s->f[s->n].name[n] = '\0';
	s->f[s->n].len = (uint8_t)n;
	s->f[s->n].type = (uint8_t)type;
	s->n++;
	return ATT_OK;
}

/* ---- dates ------------------------------------------------------------------ */

static int leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to Y-M-D: whole 400-year eras of 146,097 days,
 * counted from 0000-03-01 so that a leap day ends its year. */
int64_t att_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The inverse: the civil date of day Z since 1970-01-01. */
void att_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Reads exactly N digits at *P (before END) into *V. */
static int digits(int *v, const char **p, const char *end, int n)
{
	int x = 0, i;

	if (end - *p < n)
		return -1;
	for (i = 0; i < n; i++) {
		char c = (*p)[i];

		if (c < '0' || c > '9')
			return -1;
		x = x * 10 + (c - '0');
	}
	*p += n;
	*v = x;
	return 0;
}

static void trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t' || **s == '\n' || **s == '\r'))
		(*s)++, (*n)--;
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' ||
	                  (*s)[*n - 1] == '\n' || (*s)[*n - 1] == '\r'))
		(*n)--;
}

att_status att_date_parse(int64_t *lo, int64_t *hi, const char *s, size_t n)
{
	const char *p, *end;
	int y, mo = 1, d = 1, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 0;
	int64_t days, span, t;

	trim(&s, &n);
	p = s;
	end = s + n;
	if (digits(&y, &p, end, 4) != 0)
		return ATT_EINVAL;
	span = -1; /* the period's length in seconds, less one */
	if (p == end) {
		span = (int64_t)(leap(y) ? 366 : 365) * 86400 - 1;
		goto done;
	}
	if (*p++ != '-' || digits(&mo, &p, end, 2) != 0 || mo < 1 || mo > 12)
		return ATT_EINVAL;
	if (p == end) {
		span = (int64_t)month_days(y, mo) * 86400 - 1;
		goto done;
	}
	if (*p++ != '-' || digits(&d, &p, end, 2) != 0 || d < 1 ||
	    d > month_days(y, mo))
		return ATT_EINVAL;
	if (p == end) {
		span = 86400 - 1;
		goto done;
	}
	if (*p != 'T' && *p != 't' && *p != ' ')
		return ATT_EINVAL;
	p++;
	if (digits(&h, &p, end, 2) != 0 || h > 23 || p == end || *p++ != ':' ||
	    digits(&mi, &p, end, 2) != 0 || mi > 59)
		return ATT_EINVAL;
	span = 59;
	if (p < end && *p == ':') {
		p++;
		if (digits(&sec, &p, end, 2) != 0 || sec > 60)
			return ATT_EINVAL;
		span = 0;
		if (p < end && (*p == '.' || *p == ',')) {
			p++;
			if (p == end || *p < '0' || *p > '9')
				return ATT_EINVAL;
			while (p < end && *p >= '0' && *p <= '9')
				p++;
		}
	}
	if (p < end && (*p == 'Z' || *p == 'z')) {
		p++;
	} else if (p < end && (*p == '+' || *p == '-')) {
		sign = *p++ == '-' ? -1 : 1;
		if (digits(&oh, &p, end, 2) != 0 || oh > 23)
			return ATT_EINVAL;
		if (p < end && *p == ':')
			p++;
		if (p < end && digits(&om, &p, end, 2) != 0)
			return ATT_EINVAL;
		if (om > 59)
			return ATT_EINVAL;
	}
	if (p != end)
		return ATT_EINVAL;
done:
	days = att_days_from_civil(y, mo, d);
	t = days * 86400 + (int64_t)h * 3600 + mi * 60 + sec;
	t -= sign * ((int64_t)oh * 3600 + om * 60);
	*lo = t;
	*hi = t + span;
	return ATT_OK;
}

size_t att_date_format(char *out, size_t cap, int64_t t)
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t rem = t - days * 86400, y;
	int m, d;
	int n;

	att_civil_from_days(days, &y, &m, &d);
	n = snprintf(out, cap, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)y, m,
	             d, (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

/* ---- numbers ----------------------------------------------------------------- */

att_status att_number_parse(double *v, const char *s, size_t n)
{
	char buf[64];
	const char *p, *end;
	size_t int_digits = 0, frac_digits = 0;
	char *stop;
	double x;

	trim(&s, &n);
	if (n == 0 || n >= sizeof buf)
		return ATT_EINVAL;
	p = s;
	end = s + n;
	if (*p == '+' || *p == '-')
		p++;
	while (p < end && *p >= '0' && *p <= '9')
		p++, int_digits++;
	if (p < end && *p == '.') {
		p++;
		while (p < end && *p >= '0' && *p <= '9')
			p++, frac_digits++;
	}
	if (int_digits + frac_digits == 0)
		return ATT_EINVAL;
	if (p < end && (*p == 'e' || *p == 'E')) {
		size_t exp_digits = 0;

		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		while (p < end && *p >= '0' && *p <= '9')
			p++, exp_digits++;
		if (exp_digits == 0)
			return ATT_EINVAL;
	}
	if (p != end)
		return ATT_EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	x = strtod(buf, &stop); /* the C locale's '.': attache never sets one */
	if (stop != buf + n || !isfinite(x))
		return ATT_EINVAL;
	*v = x;
	return ATT_OK;
}

size_t att_number_format(char *out, size_t cap, double v)
{
	int prec, n = 0;

	/* a whole number below 10^15 in digits ("1000", not "1e+03"); else
	 * the shortest text that reads back as the same double */
	if (v == floor(v) && fabs(v) < 1e15) {
		n = snprintf(out, cap, "%.0f", v == 0 ? 0.0 : v);
		return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
	}
	for (prec = 1; prec <= 17; prec++) {
		n = snprintf(out, cap, "%.*g", prec, v);
		if (n > 0 && (size_t)n < cap && strtod(out, NULL) == v)
			break;
	}
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

/* ---- keys -------------------------------------------------------------------- */

uint64_t att_key_of_date(int64_t t)
{
	return (uint64_t)t ^ (UINT64_C(1) << 63);
}

int64_t att_date_of_key(uint64_t k)
{
	return (int64_t)(k ^ (UINT64_C(1) << 63));
}

uint64_t att_key_of_number(double v)
{
	uint64_t b;

	memcpy(&b, &v, sizeof b);
	return b >> 63 ? ~b : b | UINT64_C(1) << 63;
}

double att_number_of_key(uint64_t k)
{
	uint64_t b = k >> 63 ? k & ~(UINT64_C(1) << 63) : ~k;
	double v;

	memcpy(&v, &b, sizeof v);
	return v;
}

/* ---- packed arrays ------------------------------------------------------------ */

unsigned att_bitlen64(uint64_t v)
{
	return v == 0 ? 0 : 64 - (unsigned)__builtin_clzll(v);
}

void att_pack_put(att_buf *b, const uint64_t *v, size_t n, unsigned w)
{
	uint64_t word = 0;
	unsigned used = 0;
	size_t i;

	if (w == 0)
		return;
	for (i = 0; i < n; i++) {
		word |= v[i] << used;
		if (used + w >= 64) { /* the word is full; carry the value's rest */
			att_buf_put_u64le(b, word);
			word = used + w > 64 ? v[i] >> (64 - used) : 0;
			used = used + w - 64;
		} else {
			used += w;
		}
	}
	if (used > 0)
		att_buf_put_u64le(b, word);
}

int64_t att_date_bucket(int64_t t, char unit)
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400), y;
	int m, d;

	if (unit == 'd')
		return days * 86400;
	att_civil_from_days(days, &y, &m, &d);
	return att_days_from_civil(y, unit == 'y' ? 1 : m, 1) * 86400;
}

att_status att_schema_declare(att_schema *s, const att_field_decl *decl,
                              size_t n, int has_docs, const char *path,
                              char *msg, size_t cap)
{
	att_schema next = *s;
	size_t i;
	att_status rc;

	for (i = 0; i < n; i++) {
		const att_field_decl *f = &decl[i];
		uint32_t before = next.n;

		rc = att_schema_add(&next, f->name ? f->name : "",
		                    f->name ? strlen(f->name) : 0, (unsigned)f->type,
		                    msg, cap);
		if (rc != ATT_OK)
			return rc;
		if (next.n > before && has_docs) {
			snprintf(msg, cap, "field \"%s\" is not declared in %s, which "
			         "has documents: typed fields are declared when an index "
			         "is created", next.f[before].name, path);
			return ATT_EINVAL;
		}
	}
	*s = next;
	return ATT_OK;
}
