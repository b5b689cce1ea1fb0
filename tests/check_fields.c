/*
 * check_fields.c: typed fields' parts, alone: dates, numbers, the keys
 * columns store, packed arrays, keyword folding, a document's values and
 * the bytes of a column file's body.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "attache.h"
#include "format.h"
#include "indexer.h"
#include "stemmer.h"

static void date_is(const char *s, int64_t lo, int64_t hi)
{
	int64_t a = 0, b = 0;

	ck_assert_msg(att_date_parse(&a, &b, s, strlen(s)) == ATT_OK,
	              "\"%s\" did not parse", s);
	ck_assert_msg(a == lo && b == hi, "\"%s\": %lld..%lld, want %lld..%lld", s,
	              (long long)a, (long long)b, (long long)lo, (long long)hi);
}

START_TEST(dates_parse)
{
	/* periods: a year, a month, a day, a minute cover every second */
	date_is("1987", 536457600, 567993599);
	date_is("1987-02", 539136000, 541555199);
	date_is("1987-03-01", 541555200, 541555200 + 86399);
	date_is("1987-03-01T04:00", 541569600, 541569600 + 59);
	date_is("1987-03-01 04:00", 541569600, 541569600 + 59);
	/* instants, with and without zones; fractions are cut */
	date_is("1987-03-01T04:00:48Z", 541569648, 541569648);
	date_is("1987-03-01T04:00:48", 541569648, 541569648);
	date_is("1987-03-01t04:00:48z", 541569648, 541569648);
	date_is("1987-03-01T04:00:48.999Z", 541569648, 541569648);
	date_is("1987-03-01T04:00:48+02:00", 541562448, 541562448);
	date_is("1987-03-01T04:00:48+0200", 541562448, 541562448);
	date_is("1987-03-01T04:00:48+02", 541562448, 541562448);
	date_is("1987-03-01T04:00:48-05:30", 541589448, 541589448);
	date_is("  1987-03-01T04:00:48Z\n", 541569648, 541569648);
	/* leap days, and the ends of the range */
	date_is("2024-02-29", 1709164800, 1709164800 + 86399);
	date_is("2000-02-29", 951782400, 951782400 + 86399);
	date_is("2024-02", 1706745600, 1709164800 + 86399);
	date_is("1969-12-31T23:59:59Z", -1, -1);
	date_is("0000-01-01", -62167219200, -62167219200 + 86399);
	date_is("0001-01-01", -62135596800, -62135596800 + 86399);
	date_is("9999-12-31T23:59:59Z", 253402300799, 253402300799);
	date_is("1987-03-01T23:59:60Z", 541555200 + 86400, 541555200 + 86400);
}
END_TEST

START_TEST(dates_refused)
{
	static const char *const bad[] = {
		"", " ", "87", "19870", "1987-", "1987-1", "1987-13", "1987-00",
		"1987-1-01", "1987-03-32", "1987-04-31", "2023-02-29", "1900-02-29",
		"1987-03-00", "1987/03/01", "1987-03-01T", "1987-03-01T4:00",
		"1987-03-01T24:00", "1987-03-01T10:60", "1987-03-01T10:00:61",
		"1987-03-01X10:00", "1987-03-01T10:00Z junk", "1987-03-01T10:00+25:00",
		"1987-03-01T10:00+02:60", "1987-03-01T10:00:00.", "abcd", "-1987",
		"1987-03-01T10:00:00ZZ", "+1987",
	};
	size_t i;
	int64_t a, b;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(att_date_parse(&a, &b, bad[i], strlen(bad[i])) ==
		              ATT_EINVAL, "\"%s\" parsed", bad[i]);
}
END_TEST

START_TEST(dates_print)
{
	char out[32];
	int64_t t, lo, hi;

	ck_assert_uint_eq(att_date_format(out, sizeof out, 541569648), 20);
	ck_assert_str_eq(out, "1987-03-01T04:00:48Z");
	att_date_format(out, sizeof out, -1);
	ck_assert_str_eq(out, "1969-12-31T23:59:59Z");
	att_date_format(out, sizeof out, -62167219200);
	ck_assert_str_eq(out, "0000-01-01T00:00:00Z");
	att_date_format(out, sizeof out, 253402300799);
	ck_assert_str_eq(out, "9999-12-31T23:59:59Z");
	ck_assert_uint_eq(att_date_format(out, 20, 0), 0); /* no room */
	/* buckets: the first second of the year, month, day (leap day too) */
	ck_assert_int_eq(att_date_bucket(541569648, 'y'), 536457600);
	ck_assert_int_eq(att_date_bucket(541569648, 'm'), 541555200);
	ck_assert_int_eq(att_date_bucket(541569648, 'd'), 541555200);
	ck_assert_int_eq(att_date_bucket(951868799, 'm'), 949363200); /* 2000-02-29T23:59:59 */
	ck_assert_int_eq(att_date_bucket(951868799, 'd'), 951782400);
	ck_assert_int_eq(att_date_bucket(-1, 'y'), -31536000);        /* 1969 */
	/* every day of four centuries reads back */
	for (t = -62167219200; t < 253402300799; t += 86400 * 37 + 3671) {
		att_date_format(out, sizeof out, t);
		ck_assert_int_eq(att_date_parse(&lo, &hi, out, strlen(out)), ATT_OK);
		ck_assert_int_eq(lo, t);
	}
}
END_TEST

static void number_is(const char *s, double want)
{
	double v = NAN;

	ck_assert_msg(att_number_parse(&v, s, strlen(s)) == ATT_OK,
	              "\"%s\" did not parse", s);
	ck_assert_msg(v == want, "\"%s\": %.17g, want %.17g", s, v, want);
}

START_TEST(numbers)
{
	static const char *const bad[] = {
		"", "-", "+", ".", "e5", "1e", "1e+", "0x10", "inf", "-inf", "nan",
		"1,5", "1e999", "-1e999", "1 2", "12a", "--1", "1..2",
	};
	char out[32];
	size_t i;
	double v;

	number_is("12.5", 12.5);
	number_is("-3", -3);
	number_is("+4", 4);
	number_is(".5", 0.5);
	number_is("5.", 5);
	number_is("1e3", 1000);
	number_is("-1.5E-2", -0.015);
	number_is(" 7 ", 7);
	number_is("0", 0);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(att_number_parse(&v, bad[i], strlen(bad[i])) ==
		              ATT_EINVAL, "\"%s\" parsed", bad[i]);
	att_number_format(out, sizeof out, 0.1);
	ck_assert_str_eq(out, "0.1");
	att_number_format(out, sizeof out, 12.5);
	ck_assert_str_eq(out, "12.5");
	att_number_format(out, sizeof out, -3);
	ck_assert_str_eq(out, "-3");
	att_number_format(out, sizeof out, 1e21);
	ck_assert_str_eq(out, "1e+21");
	att_number_format(out, sizeof out, 1.0 / 3);
	ck_assert_str_eq(out, "0.3333333333333333");
}
END_TEST

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Keys sort as their values and read back. */
START_TEST(keys_order)
{
	double v[400];
	size_t i;
	unsigned seed = 7;

	v[0] = -0.0;
	v[1] = 0.0;
	v[2] = -1e308;
	v[3] = 1e308;
	v[4] = 5e-324;
	v[5] = -5e-324;
	for (i = 6; i < 400; i++) {
		seed = seed * 1103515245u + 12345u;
		v[i] = ((double)(seed >> 8) - 8388608.0) * pow(10, (int)(seed % 40) - 20);
	}
	qsort(v, 400, sizeof v[0], cmp_double);
	for (i = 0; i < 400; i++) {
		ck_assert(att_number_of_key(att_key_of_number(v[i])) == v[i]);
		if (i > 0 && v[i - 1] < v[i])
			ck_assert(att_key_of_number(v[i - 1]) < att_key_of_number(v[i]));
	}
	ck_assert(att_key_of_number(-0.0) < att_key_of_number(0.0));
	ck_assert(att_key_of_date(-1) < att_key_of_date(0));
	ck_assert(att_key_of_date(INT64_MIN) < att_key_of_date(INT64_MAX));
	ck_assert_int_eq(att_date_of_key(att_key_of_date(-62167219200)),
	                 -62167219200);
}
END_TEST

START_TEST(pack_round_trips)
{
	unsigned w = (unsigned)_i;
	uint64_t v[100];
	unsigned seed = 11 + w;
	att_buf b;
	size_t i;

	for (i = 0; i < 100; i++) {
		seed = seed * 1103515245u + 12345u;
		v[i] = ((uint64_t)seed << 40 ^ (uint64_t)seed << 13 ^ seed);
		v[i] = w == 64 ? v[i] : v[i] & ((UINT64_C(1) << w) - 1);
	}
	v[0] = w == 64 ? UINT64_MAX : (UINT64_C(1) << w) - 1;
	att_buf_init(&b);
	att_pack_put(&b, v, 100, w);
	ck_assert_uint_eq(b.n, att_pack_bytes(100, w));
	for (i = 0; i < 100; i++)
		ck_assert_uint_eq(att_pack_get(b.p, i, w), v[i]);
	att_buf_release(&b);
}
END_TEST

static void fold_is(const char *s, const char *want)
{
	char out[ATT_KEYWORD_MAX];
	size_t n = 99;

	ck_assert_int_eq(att_keyword_fold(&n, out, sizeof out, s, strlen(s)), ATT_OK);
	ck_assert_msg(n == strlen(want) && memcmp(out, want, n) == 0,
	              "\"%s\" folded to \"%.*s\", want \"%s\"", s, (int)n, out, want);
}

START_TEST(keyword_folding)
{
	char big[300], out[ATT_KEYWORD_MAX];
	size_t n;

	fold_is("  United\t States  ", "united states");
	fold_is("UNITED STATES", "united states");
	fold_is("T\xc3\xbcrkiye", "turkiye");          /* Türkiye */
	fold_is("\xef\xac\x81nance", "finance");        /* the ﬁ ligature */
	fold_is("C\xc3\xb4te d\xe2\x80\x99Ivoire", "cote d'ivoire");
	fold_is("a\xe2\x80\x83\xe2\x80\xa8" "b", "a b"); /* em space, line sep. */
	fold_is("Reuters", "reuters");                  /* not stemmed */
	fold_is(" \t ", "");
	memset(big, 'a', sizeof big);
	ck_assert_int_eq(att_keyword_fold(&n, out, sizeof out, big, 257), ATT_ELIMIT);
	ck_assert_int_eq(att_keyword_fold(&n, out, sizeof out, big, 256), ATT_OK);
	ck_assert_uint_eq(n, 256);
	ck_assert_int_eq(att_keyword_fold(&n, out, sizeof out, "a\xff", 2), ATT_EUTF8);
}
END_TEST

static att_schema schema_of(const char *spec)
{
	att_schema s;
	char msg[256];
	const char *p = spec;

	memset(&s, 0, sizeof s);
	while (*p) { /* "name:t,name:t": t is k, d or n */
		const char *colon = strchr(p, ':');
		unsigned t = colon[1] == 'k' ? ATT_FIELD_KEYWORD
		           : colon[1] == 'd' ? ATT_FIELD_DATE : ATT_FIELD_NUMBER;

		ck_assert_int_eq(att_schema_add(&s, p, (size_t)(colon - p), t, msg,
		                                sizeof msg), ATT_OK);
		p = colon + 2;
		if (*p == ',')
			p++;
	}
	return s;
}

START_TEST(schema_rules)
{
	att_schema s;
	char msg[256];

	memset(&s, 0, sizeof s);
	ck_assert_int_eq(att_schema_add(&s, "Date", 4, ATT_FIELD_DATE, msg,
	                                sizeof msg), ATT_OK);
	ck_assert_str_eq(s.f[0].name, "date");
	ck_assert_int_eq(att_schema_add(&s, "date", 4, ATT_FIELD_DATE, msg,
	                                sizeof msg), ATT_OK);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_int_eq(att_schema_add(&s, "DATE", 4, ATT_FIELD_KEYWORD, msg,
	                                sizeof msg), ATT_EINVAL);
	ck_assert_str_eq(msg, "field \"date\" is declared as date, not keyword");
	ck_assert_int_eq(att_schema_add(&s, "title", 5, ATT_FIELD_KEYWORD, msg,
	                                sizeof msg), ATT_EINVAL);
	ck_assert_int_eq(att_schema_add(&s, "a b", 3, ATT_FIELD_KEYWORD, msg,
	                                sizeof msg), ATT_EINVAL);
	ck_assert_int_eq(att_schema_add(&s, "", 0, ATT_FIELD_KEYWORD, msg,
	                                sizeof msg), ATT_EINVAL);
	ck_assert_int_eq(att_schema_add(&s, "x", 1, 9, msg, sizeof msg), ATT_EINVAL);
	ck_assert_int_eq(att_schema_find(&s, "date", 4), 0);
	ck_assert_int_eq(att_schema_find(&s, "dat", 3), -1);
	/* declarations: again is fine, a new one needs no documents, and a
	 * failed one leaves the schema as it was */
	{
		att_field_decl d[] = { { "date", ATT_FIELD_DATE },
		                       { "places", ATT_FIELD_KEYWORD } };
		att_field_decl bad[] = { { "places", ATT_FIELD_KEYWORD },
		                         { "date", ATT_FIELD_NUMBER } };

		ck_assert_int_eq(att_schema_declare(&s, d, 2, 1, "idx", msg,
		                                    sizeof msg), ATT_EINVAL);
		ck_assert_str_eq(msg, "field \"places\" is not declared in idx, "
		                 "which has documents: typed fields are declared when "
		                 "an index is created");
		ck_assert_uint_eq(s.n, 1);
		ck_assert_int_eq(att_schema_declare(&s, d, 2, 0, "idx", msg,
		                                    sizeof msg), ATT_OK);
		ck_assert_uint_eq(s.n, 2);
		ck_assert_int_eq(att_schema_declare(&s, d, 2, 1, "idx", msg,
		                                    sizeof msg), ATT_OK);
		ck_assert_int_eq(att_schema_declare(&s, bad, 2, 0, "idx", msg,
		                                    sizeof msg), ATT_EINVAL);
		ck_assert_uint_eq(s.n, 2);
		ck_assert_uint_eq(s.f[0].type, ATT_FIELD_DATE);
	}
}
END_TEST

static att_status extract(att_docvals *v, const att_schema *s, char *msg,
                          const att_field *f, size_t n)
{
	att_doc d;

	memset(&d, 0, sizeof d);
	d.id = "x";
	d.id_len = 1;
	d.fields = f;
	d.nfields = n;
	return att_docvals_extract(v, s, &d, msg, 256);
}

#define FIELD(n, v) { n, sizeof n - 1, v, sizeof v - 1 }

START_TEST(document_values)
{
	att_schema s = schema_of("date:d,places:k,price:n");
	const att_field ok[] = {
		FIELD("Places", "[\"USA\", \"japan\", null, \"usa\"]"),
		FIELD("price", "12.5"), FIELD("date", "1987-03"),
		FIELD("places", "Brazil"), FIELD("other", "1987-99"),
	};
	const att_field twice[] = { FIELD("date", "1987"), FIELD("date", "1988") };
	const att_field baddate[] = { FIELD("date", "1987-02-30") };
	const att_field badnum[] = { FIELD("price", "12,5") };
	const att_field badarr[] = { FIELD("places", "[\"a\", 3]") };
	const att_field none[] = { FIELD("date", "null"), FIELD("price", " "),
	                           FIELD("places", "[]") };
	const att_field brackets[] = { FIELD("places", "[not json") };
	att_docvals v;
	char msg[256];

	att_docvals_init(&v);
	ck_assert_int_eq(extract(&v, &s, msg, ok, 5), ATT_OK);
	ck_assert(v.has[0] && v.has[2]);
	ck_assert_int_eq(att_date_of_key(v.key[0]), 539136000 + 28 * 86400);
	ck_assert(att_number_of_key(v.key[2]) == 12.5);
	/* keyword values sorted, the repeat gone: brazil, japan, usa */
	ck_assert_uint_eq(v.nkw, 3);
	ck_assert_uint_eq(v.kw.n, 3 * 3 + 6 + 5 + 3);
	ck_assert_mem_eq(v.kw.p, "\x01\x06\x00" "brazil" "\x01\x05\x00" "japan"
	                 "\x01\x03\x00" "usa", v.kw.n);
	ck_assert_int_eq(extract(&v, &s, msg, twice, 2), ATT_EINPUT);
	ck_assert_str_eq(msg, "field \"date\": \"1988\" is a second value: a date "
	                 "or number field has one");
	ck_assert_int_eq(extract(&v, &s, msg, baddate, 1), ATT_EINPUT);
	ck_assert_str_eq(msg, "field \"date\": \"1987-02-30\" is not a date (YYYY, "
	                 "YYYY-MM, YYYY-MM-DD, or a date and time such as "
	                 "1987-03-01T04:00:48Z)");
	ck_assert_int_eq(extract(&v, &s, msg, badnum, 1), ATT_EINPUT);
	ck_assert_str_eq(msg, "field \"price\": \"12,5\" is not a number");
	ck_assert_int_eq(extract(&v, &s, msg, badarr, 1), ATT_EINPUT);
	ck_assert_str_eq(msg, "field \"places\": \"[\"a\", 3]\" is not a string or "
	                 "an array of strings");
	ck_assert_int_eq(extract(&v, &s, msg, none, 3), ATT_OK);
	ck_assert(!v.has[0] && !v.has[2] && v.nkw == 0);
	ck_assert_int_eq(extract(&v, &s, msg, brackets, 1), ATT_OK);
	ck_assert_uint_eq(v.nkw, 1);
	ck_assert_mem_eq(v.kw.p + 3, "[not json", 9);
	att_docvals_release(&v);
}
END_TEST

/* The .val body of two documents, byte for byte (docs/FORMAT.md 5.11). */
START_TEST(column_bytes)
{
	static const uint8_t want[] = {
		2, 0, 0, 0, 2, 0, 0, 0,                       /* ndocs, ncols */
		2, 1, 'd', 54, 0, 0, 0, 0, 0, 0, 0, 24, 0, 0, 0, 0, 0, 0, 0,
		1, 1, 'k', 78, 0, 0, 0, 0, 0, 0, 0, 48, 0, 0, 0, 0, 0, 0, 0,
		/* d: base (the key of 1 s), width 1, values 1 and 0 (none) */
		1, 0, 0, 0, 0, 0, 0, 0x80, 1, 0, 0, 0, 0, 0, 0, 0,
		1, 0, 0, 0, 0, 0, 0, 0,
		/* k: 2 values, 3 ordinals; offsets 0 1 2; "ab"; widths 2 and 1 */
		2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 'a', 'b', 2, 1,
		/* starts 0 2 3 in 2 bits; ordinals 0 1 0 in 1 bit */
		0x38, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0,
	};
	att_schema s = schema_of("d:d,k:k");
	const att_field f0[] = { FIELD("k", "[\"B\", \"a\"]"),
	                         FIELD("d", "1970-01-01T00:00:01Z") };
	const att_field f1[] = { FIELD("k", "a") };
	att_valbuild vb;
	att_docvals v;
	char msg[256];
	att_buf out;

	att_docvals_init(&v);
	att_valbuild_init(&vb, &s);
	ck_assert_int_eq(extract(&v, &s, msg, f0, 2), ATT_OK);
	ck_assert_int_eq(att_valbuild_add(&vb, &v), ATT_OK);
	ck_assert_int_eq(extract(&v, &s, msg, f1, 1), ATT_OK);
	ck_assert_int_eq(att_valbuild_add(&vb, &v), ATT_OK);
	att_buf_init(&out);
	ck_assert_int_eq(att_valbuild_encode(&out, &vb), ATT_OK);
	ck_assert_uint_eq(out.n, sizeof want);
	ck_assert_mem_eq(out.p, want, sizeof want);
	att_buf_release(&out);
	att_valbuild_release(&vb);
	att_docvals_release(&v);
}
END_TEST

static Suite *fields_suite(void)
{
	Suite *s = suite_create("fields");
	TCase *tc = tcase_create("values");

	tcase_add_test(tc, dates_parse);
	tcase_add_test(tc, dates_refused);
	tcase_add_test(tc, dates_print);
	tcase_add_test(tc, numbers);
	tcase_add_test(tc, keys_order);
	tcase_add_loop_test(tc, pack_round_trips, 0, 65);
	tcase_add_test(tc, keyword_folding);
	tcase_add_test(tc, schema_rules);
	tcase_add_test(tc, document_values);
	tcase_add_test(tc, column_bytes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(fields_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
