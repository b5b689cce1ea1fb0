/*
 * check_utf8.c: unit tests for stemmer/utf8.c.
 *
 * Decoding and validation are checked at every boundary of the UTF-8
 * table, then on one example of each kind of invalid input with the
 * exact offset reported. Repair is checked byte for byte against the
 * Unicode "maximal subpart" practice, including the standard's own
 * worked example. Inputs that end inside a sequence are copied into
 * heap buffers of exactly their size, so AddressSanitizer reports any
 * read past the end.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "stemmer.h"

/* A heap copy of [S, S+N) with no slack after it. */
static uint8_t *exact_copy(const char *s, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	ck_assert_ptr_nonnull(p);
	memcpy(p, s, n);
	return p;
}

/* Decodes the whole of S (N bytes, one code point) from an exact-size
 * buffer; returns the length decode reported. */
static size_t decode_exact(int32_t *cp, const char *s, size_t n)
{
	uint8_t *p = exact_copy(s, n);
	size_t len = att_utf8_decode(cp, p, p + n);

	free(p);
	return len;
}

static const struct {
	const char *bytes;
	size_t len;
	int32_t cp;
} valid[] = {
	{ "\x00", 1, 0x0 },
	{ "A", 1, 0x41 },
	{ "\x7F", 1, 0x7F },
	{ "\xC2\x80", 2, 0x80 },
	{ "\xC3\xA9", 2, 0xE9 },
	{ "\xDF\xBF", 2, 0x7FF },
	{ "\xE0\xA0\x80", 3, 0x800 },
	{ "\xE2\x80\x99", 3, 0x2019 },
	{ "\xED\x9F\xBF", 3, 0xD7FF },
	{ "\xEE\x80\x80", 3, 0xE000 },
	{ "\xEF\xBF\xBF", 3, 0xFFFF },
	{ "\xF0\x90\x80\x80", 4, 0x10000 },
	{ "\xF0\x9F\x98\x80", 4, 0x1F600 },
	{ "\xF4\x8F\xBF\xBF", 4, 0x10FFFF },
};

START_TEST(test_decode_valid)
{
	size_t i, len;
	int32_t cp;
	uint8_t out[4];

	for (i = 0; i < sizeof valid / sizeof valid[0]; i++) {
		cp = -2;
		len = decode_exact(&cp, valid[i].bytes, valid[i].len);
		ck_assert_uint_eq(len, valid[i].len);
		ck_assert_int_eq(cp, valid[i].cp);
		ck_assert_uint_eq(att_utf8_encode(out, valid[i].cp), valid[i].len);
		ck_assert_mem_eq(out, valid[i].bytes, valid[i].len);
	}
}
END_TEST

START_TEST(test_roundtrip_all_scalars)
{
	uint8_t buf[4];
	int32_t cp, back;
	size_t len;

	for (cp = 0; cp <= 0x10FFFF; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		len = att_utf8_encode(buf, cp);
		ck_assert_uint_eq(att_utf8_decode(&back, buf, buf + len), len);
		ck_assert_int_eq(back, cp);
	}
}
END_TEST

START_TEST(test_validate_valid)
{
	const char *s = "Erdo\xC4\x9F" "an met \xE4\xB8\xAD\xE6\x96\x87 and "
	                "\xF0\x9F\x98\x80 in T\xC3\xBCrkiye.";
	size_t bad = 12345;

	ck_assert_int_eq(att_utf8_validate(&bad, s, strlen(s)), ATT_OK);
	ck_assert_uint_eq(bad, 12345);
	ck_assert_int_eq(att_utf8_validate(&bad, "", 0), ATT_OK);
	ck_assert_int_eq(att_utf8_validate(&bad, NULL, 0), ATT_OK);
}
END_TEST

/* Each class of invalid input, with where validation must point. */
static const struct {
	const char *what;
	const char *bytes;
	size_t len;
	size_t bad;
} invalid[] = {
	{ "overlong 2-byte", "ab\xC0\xAF", 4, 2 },
	{ "overlong 2-byte C1", "\xC1\xBF", 2, 0 },
	{ "overlong 3-byte", "a\xE0\x80\xAF", 4, 1 },
	{ "overlong 4-byte", "xy\xF0\x8F\xBF\xBF", 6, 2 },
	{ "surrogate", "xyz\xED\xA0\x80", 6, 3 },
	{ "low surrogate", "\xED\xBF\xBF!", 4, 0 },
	{ "above U+10FFFF", "ok \xF4\x90\x80\x80", 7, 3 },
	{ "F5 lead", "\xF5\x80\x80\x80", 4, 0 },
	{ "truncated at end", "abc\xE2\x82", 5, 3 },
	{ "truncated 4-byte at end", "\xF0\x9F\x98", 3, 0 },
	{ "truncated before ASCII", "a\xC3" "b", 3, 1 },
	{ "lone continuation", "a\x80" "b", 3, 1 },
	{ "lone continuation BF", "\xBF", 1, 0 },
	{ "FF", "ok\xFF", 3, 2 },
	{ "FE", "\xFE\xFE", 2, 0 },
};

START_TEST(test_validate_invalid)
{
	size_t i, bad;
	int32_t cp;
	uint8_t *p;

	for (i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
		p = exact_copy(invalid[i].bytes, invalid[i].len);
		bad = 99;
		ck_assert_msg(att_utf8_validate(&bad, (const char *)p,
		                                invalid[i].len) == ATT_EUTF8,
		              "%s: not rejected", invalid[i].what);
		ck_assert_msg(bad == invalid[i].bad, "%s: bad %zu, want %zu",
		              invalid[i].what, bad, invalid[i].bad);
		ck_assert_msg(att_utf8_decode(&cp, p + bad, p + invalid[i].len) == 0,
		              "%s: decoded", invalid[i].what);
		free(p);
	}
}
END_TEST

START_TEST(test_validate_fast_path_offset)
{
	char buf[100];
	size_t bad = 0;

	memset(buf, 'a', sizeof buf);
	buf[37] = (char)0x80;
	ck_assert_int_eq(att_utf8_validate(&bad, buf, sizeof buf), ATT_EUTF8);
	ck_assert_uint_eq(bad, 37);
	buf[37] = 'a';
	buf[99] = (char)0xC3; /* starts a 2-byte sequence at the very end */
	ck_assert_int_eq(att_utf8_validate(&bad, buf, sizeof buf), ATT_EUTF8);
	ck_assert_uint_eq(bad, 99);
}
END_TEST

START_TEST(test_decode_at_end_of_buffer)
{
	/* each buffer's last byte(s) begin a longer sequence */
	static const char *const tails[] = { "\xC3", "\xE2", "\xE2\x80",
	                                     "\xF0", "\xF0\x9F", "\xF0\x9F\x98" };
	size_t i, n;
	int32_t cp;
	uint8_t *p;

	for (i = 0; i < sizeof tails / sizeof tails[0]; i++) {
		n = strlen(tails[i]);
		p = exact_copy(tails[i], n);
		cp = 7;
		ck_assert_uint_eq(att_utf8_decode(&cp, p, p + n), 0);
		free(p);
	}
	/* "ab" then the first byte of U+2019: 'b' decodes, the tail fails */
	p = exact_copy("ab\xE2", 3);
	ck_assert_uint_eq(att_utf8_decode(&cp, p + 1, p + 3), 1);
	ck_assert_int_eq(cp, 'b');
	ck_assert_uint_eq(att_utf8_decode(&cp, p + 2, p + 3), 0);
	free(p);
}
END_TEST

/* Sanitizes IN (N bytes) and checks the result is WANT exactly. */
static void check_sanitize(const char *in, size_t n, const char *want,
                           size_t want_len)
{
	uint8_t *p = exact_copy(in, n);
	char *out = NULL;
	size_t out_len = 12345;

	ck_assert_int_eq(att_utf8_sanitize(&out, &out_len, (const char *)p, n),
	                 ATT_OK);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(out_len, want_len);
	ck_assert_mem_eq(out, want, want_len);
	ck_assert_int_eq(out[out_len], '\0');
	att_free(out);
	free(p);
}

#define FFFD "\xEF\xBF\xBD"
#define SAN(in, want) check_sanitize(in, sizeof(in) - 1, want, sizeof(want) - 1)

START_TEST(test_sanitize)
{
	SAN("", "");
	SAN("plain ASCII", "plain ASCII");
	SAN("T\xC3\xBCrkiye", "T\xC3\xBCrkiye");
	SAN("a\x80" "b", "a" FFFD "b");
	SAN("ok\xFF", "ok" FFFD);
	SAN("\xC0\xAF", FFFD FFFD);
	SAN("\xE0\x80", FFFD FFFD);
	SAN("\xE1\x80" "A", FFFD "A");
	SAN("\xED\xA0\x80", FFFD FFFD FFFD);
	SAN("\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD);
	SAN("\xF0\x90\x80", FFFD);
	SAN("abc\xE2\x82", "abc" FFFD);
	SAN("\xE2\x82\xE2\x80\x99", FFFD "\xE2\x80\x99");
	/* the Unicode Standard's example (chapter 3, U+FFFD substitution) */
	SAN("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64",
	    "a" FFFD FFFD FFFD "b" FFFD "c" FFFD FFFD "d");
}
END_TEST

START_TEST(test_sanitize_same_length)
{
	/* three bad bytes become one FFFD of three bytes: same length,
	 * different content */
	SAN("x\xF0\x9F\x98y", "x" FFFD "y");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("utf8");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_decode_valid);
	tcase_add_test(tc, test_roundtrip_all_scalars);
	tcase_add_test(tc, test_validate_valid);
	tcase_add_test(tc, test_validate_invalid);
	tcase_add_test(tc, test_validate_fast_path_offset);
	tcase_add_test(tc, test_decode_at_end_of_buffer);
	tcase_add_test(tc, test_sanitize);
	tcase_add_test(tc, test_sanitize_same_length);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? 1 : 0;
}
