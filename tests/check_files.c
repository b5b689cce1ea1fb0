/*
 * check_files.c: unit tests for format/files.c and format/buf.c.
 *
 * The file frame is checked the way a reader meets damage: a good image
 * passes; the image cut at every length, every single bit flipped, the
 * wrong magic and an intact file of another version each fail with the
 * right status and a message that names the file. The cursor is run over
 * exact-size heap buffers so that ASan catches any read past the end.
 * The buffer tests force allocation failures (this file needs
 * ATT_ALLOC_TESTING) and check that the error is sticky and appends
 * become no-ops. Last, format.h's field-name and field-term helpers.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "format.h"

#ifndef ATT_ALLOC_TESTING
#error "check_files.c tests allocation failures: build with -DATT_ALLOC_TESTING"
#endif

/* A heap copy of exactly N bytes, so ASan flags reads past the end. */
static uint8_t *exact_copy(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);

	ck_assert_ptr_nonnull(q);
	if (n)
		memcpy(q, p, n);
	return q;
}

/* Builds a small dictionary-like file in B: header, a body, trailer. */
static void build_file(att_buf *b, const char *magic)
{
	att_buf_init(b);
	att_file_header(b, magic);
	att_buf_put_varint(b, 300);
	att_buf_append(b, "hello", 5);
	att_buf_put_u32le(b, 0xdeadbeefu);
	att_file_trailer(b);
	ck_assert_int_eq(b->rc, ATT_OK);
}

/* Checks an exact-size copy of [P, P+N) as a dictionary named "seg.dict". */
static att_status check_copy(const uint8_t *p, size_t n, char *msg,
                             size_t msgcap)
{
	uint8_t *q = exact_copy(p, n);
	att_status st = att_file_check(q, n, ATT_MAGIC_DICT, "seg.dict", msg,
	                               msgcap);

	free(q);
	return st;
}

/* ---- header, trailer, check ---------------------------------------------- */

START_TEST(frame_round_trip)
{
	static const uint8_t head[] = { 'A', 'T', 'D', 'I', ATT_FORMAT_VERSION,
	                                0, 0, 0 };
	char msg[256] = "junk";
	att_buf b;

	build_file(&b, ATT_MAGIC_DICT);
	ck_assert_uint_eq(b.n, ATT_HEADER_SIZE + 2 + 5 + 4 + ATT_TRAILER_SIZE);
	ck_assert_mem_eq(b.p, head, sizeof head);
	ck_assert_uint_eq(att_get_u32le(b.p + b.n - 4),
	                  att_crc32(0, b.p, b.n - 4));
	ck_assert_int_eq(check_copy(b.p, b.n, msg, sizeof msg), ATT_OK);
	ck_assert_str_eq(msg, "");
	/* a file with an empty body is fine too */
	att_buf_release(&b);
	att_file_header(&b, ATT_MAGIC_STORE);
	att_file_trailer(&b);
	ck_assert_uint_eq(b.n, ATT_HEADER_SIZE + ATT_TRAILER_SIZE);
	ck_assert_int_eq(att_file_check(b.p, b.n, ATT_MAGIC_STORE, "s", NULL, 0),
	                 ATT_OK);
	att_buf_release(&b);
}
END_TEST

START_TEST(frame_truncated)
{
	char msg[256], want[64];
	att_buf b;
	size_t n;

	build_file(&b, ATT_MAGIC_DICT);
	for (n = 0; n < ATT_HEADER_SIZE + ATT_TRAILER_SIZE; n++) {
		ck_assert_int_eq(check_copy(b.p, n, msg, sizeof msg), ATT_ECORRUPT);
		snprintf(want, sizeof want, "seg.dict: truncated (%zu bytes)", n);
		ck_assert_str_eq(msg, want);
	}
	/* longer cuts keep a header but lose the real trailer */
	for (; n < b.n; n++) {
		ck_assert_int_eq(check_copy(b.p, n, msg, sizeof msg), ATT_ECORRUPT);
		ck_assert_ptr_nonnull(strstr(msg, "seg.dict: checksum mismatch"));
	}
	att_buf_release(&b);
}
END_TEST

START_TEST(frame_every_bit_flip)
{
	char msg[256];
	att_buf b;
	size_t i, bad_status = 0, bad_msg = 0;
	unsigned k;

	build_file(&b, ATT_MAGIC_DICT);
	for (i = 0; i < b.n; i++) {
		for (k = 0; k < 8; k++) {
			const char *want = i < 4 ? "bad magic" : "checksum mismatch";

			b.p[i] ^= (uint8_t)(1u << k);
			bad_status += check_copy(b.p, b.n, msg, sizeof msg) !=
			              ATT_ECORRUPT;
			bad_msg += strncmp(msg, "seg.dict: ", 10) != 0 ||
			           strstr(msg, want) == NULL;
			/* a flip in the version says the header is odd too */
			if (i >= 4 && i < 8)
				bad_msg += strstr(msg, "another format version") == NULL;
			b.p[i] ^= (uint8_t)(1u << k);
		}
	}
	ck_assert_uint_eq(bad_status, 0);
	ck_assert_uint_eq(bad_msg, 0);
	ck_assert_int_eq(check_copy(b.p, b.n, msg, sizeof msg), ATT_OK);
	att_buf_release(&b);
}
END_TEST

START_TEST(frame_checksum_message)
{
	char msg[256], want[128];
	uint32_t stored, computed;
	att_buf b;

	build_file(&b, ATT_MAGIC_DICT);
	b.p[9] ^= 0x40;
	stored = att_get_u32le(b.p + b.n - 4);
	computed = att_crc32(0, b.p, b.n - 4);
	ck_assert_int_eq(check_copy(b.p, b.n, msg, sizeof msg), ATT_ECORRUPT);
	snprintf(want, sizeof want,
	         "seg.dict: checksum mismatch (stored 0x%08" PRIx32
	         ", computed 0x%08" PRIx32 ")",
	         stored, computed);
	ck_assert_str_eq(msg, want);
	att_buf_release(&b);
}
END_TEST

START_TEST(frame_wrong_magic)
{
	char msg[256];
	att_buf b;

	build_file(&b, ATT_MAGIC_POSTINGS);
	ck_assert_int_eq(check_copy(b.p, b.n, msg, sizeof msg), ATT_ECORRUPT);
	ck_assert_str_eq(msg, "seg.dict: not an attache dictionary file "
	                      "(bad magic at offset 0)");
	ck_assert_int_eq(att_file_check(b.p, b.n, ATT_MAGIC_POSTINGS, "p", msg,
	                                sizeof msg),
	                 ATT_OK);
	att_buf_release(&b);
}
END_TEST

/* An intact file of format VERSION: header, body, correct CRC. */
static void build_version(att_buf *b, uint32_t version)
{
	att_buf_init(b);
	att_buf_append(b, ATT_MAGIC_DICT, 4);
	att_buf_put_u32le(b, version);
	att_buf_append(b, "body", 4);
	att_buf_put_u32le(b, att_crc32(0, b->p, b->n));
	ck_assert_int_eq(b->rc, ATT_OK);
}

START_TEST(frame_other_version)
{
	char msg[256];
	att_buf b;

	build_version(&b, 10);
	ck_assert_int_eq(check_copy(b.p, b.n, msg, sizeof msg), ATT_EVERSION);
	ck_assert_str_eq(msg, "seg.dict: format version 10, this attache "
	                 "reads 8; rebuild the index from the source "
	                 "documents");
	att_buf_release(&b);
	build_version(&b, 9);
	ck_assert_int_eq(check_copy(b.p, b.n, msg, sizeof msg), ATT_EVERSION);
	ck_assert_str_eq(msg, "seg.dict: format version 9, this attache "
	                 "reads 8; rebuild the index from the source "
	                 "documents");
	att_buf_release(&b);
	/* the version before: no field terms, shorter rows and entries */
	build_version(&b, 2);
	ck_assert_int_eq(check_copy(b.p, b.n, msg, sizeof msg), ATT_EVERSION);
	ck_assert_str_eq(msg, "seg.dict: format version 2, this attache "
	                 "reads 8; rebuild the index from the source "
	                 "documents");
	att_buf_release(&b);
	build_version(&b, ATT_FORMAT_VERSION);
	ck_assert_int_eq(check_copy(b.p, b.n, msg, sizeof msg), ATT_OK);
	att_buf_release(&b);
}
END_TEST

START_TEST(frame_small_msgcap)
{
	char msg[8];
	att_buf b;

	build_version(&b, 9);
	memset(msg, 'x', sizeof msg);
	ck_assert_int_eq(check_copy(b.p, b.n, msg, sizeof msg), ATT_EVERSION);
	ck_assert_str_eq(msg, "seg.dic");
	ck_assert_int_eq(att_file_check(b.p, b.n, ATT_MAGIC_DICT, "d", NULL, 0),
	                 ATT_EVERSION);
	att_buf_release(&b);
}
END_TEST

/* ---- cursor -------------------------------------------------------------- */

START_TEST(cursor_reads)
{
	att_buf b;
	att_cursor c;
	uint8_t *q;
	uint64_t v64;
	uint32_t v32;
	const uint8_t *bytes;

	att_buf_init(&b);
	att_buf_put_varint(&b, 300);
	att_buf_put_varint(&b, UINT32_MAX);
	att_buf_put_varint(&b, UINT64_MAX);
	att_buf_put_u32le(&b, 0x01020304u);
	att_buf_put_u64le(&b, 0x0102030405060708u);
	att_buf_append(&b, "xyz", 3);
	q = exact_copy(b.p, b.n);
	att_cursor_init(&c, q, b.n);
	ck_assert_int_eq(att_cursor_varint(&c, &v64), 0);
	ck_assert_uint_eq(v64, 300);
	ck_assert_int_eq(att_cursor_varint32(&c, &v32), 0);
	ck_assert_uint_eq(v32, UINT32_MAX);
	ck_assert_int_eq(att_cursor_varint(&c, &v64), 0);
	ck_assert_uint_eq(v64, UINT64_MAX);
	ck_assert_int_eq(att_cursor_u32le(&c, &v32), 0);
	ck_assert_uint_eq(v32, 0x01020304u);
	ck_assert_int_eq(att_cursor_u64le(&c, &v64), 0);
	ck_assert_uint_eq(v64, 0x0102030405060708u);
	ck_assert_int_eq(att_cursor_bytes(&c, &bytes, 3), 0);
	ck_assert_mem_eq(bytes, "xyz", 3);
	ck_assert_ptr_eq(c.p, c.end);
	ck_assert_int_eq(c.err, 0);
	/* zero bytes at the very end is still fine */
	ck_assert_int_eq(att_cursor_bytes(&c, &bytes, 0), 0);
	ck_assert_int_eq(c.err, 0);
	free(q);
	att_buf_release(&b);
}
END_TEST

START_TEST(cursor_mid_varint)
{
	static const uint8_t data[] = { 0x05, 0xac };
	uint8_t *q = exact_copy(data, sizeof data);
	att_cursor c;
	uint64_t v;

	att_cursor_init(&c, q, sizeof data);
	ck_assert_int_eq(att_cursor_varint(&c, &v), 0);
	ck_assert_uint_eq(v, 5);
	ck_assert_int_eq(att_cursor_varint(&c, &v), -1);
	ck_assert_int_eq(c.err, 1);
	ck_assert_ptr_eq(c.p, q + 1);
	free(q);
}
END_TEST

START_TEST(cursor_sticky_err)
{
	static const uint8_t data[] = { 1, 2, 3, 0x07, 0x08, 0x09 };
	uint8_t *q = exact_copy(data, sizeof data);
	const uint8_t *bytes;
	att_cursor c;
	uint64_t v64;
	uint32_t v32;

	att_cursor_init(&c, q, 3);
	ck_assert_int_eq(att_cursor_u32le(&c, &v32), -1);
	ck_assert_uint_eq(v32, 0);
	ck_assert_int_eq(c.err, 1);
	ck_assert_ptr_eq(c.p, q);
	/* reads that would fit all fail now */
	ck_assert_int_eq(att_cursor_varint(&c, &v64), -1);
	ck_assert_int_eq(att_cursor_varint32(&c, &v32), -1);
	ck_assert_int_eq(att_cursor_bytes(&c, &bytes, 1), -1);
	ck_assert_ptr_null(bytes);
	ck_assert_int_eq(att_cursor_bytes(&c, &bytes, 0), -1);
	ck_assert_ptr_eq(c.p, q);
	ck_assert_int_eq(c.err, 1);
	/* each kind of read fails at the edge without moving */
	att_cursor_init(&c, q, sizeof data); /* 6 bytes, u64 needs 8 */
	ck_assert_int_eq(att_cursor_u64le(&c, &v64), -1);
	ck_assert_uint_eq(v64, 0);
	att_cursor_init(&c, q, sizeof data);
	ck_assert_int_eq(att_cursor_bytes(&c, &bytes, sizeof data + 1), -1);
	att_cursor_init(&c, q, sizeof data);
	ck_assert_int_eq(att_cursor_bytes(&c, &bytes, SIZE_MAX), -1);
	ck_assert_ptr_eq(c.p, q);
	free(q);
}
END_TEST

START_TEST(cursor_varint32_range)
{
	uint8_t tmp[ATT_VARINT_MAX], *q;
	att_cursor c;
	uint32_t v = 99;
	size_t n = att_varint_put(tmp, (uint64_t)UINT32_MAX + 1);

	q = exact_copy(tmp, n);
	att_cursor_init(&c, q, n);
	ck_assert_int_eq(att_cursor_varint32(&c, &v), -1);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(c.err, 1);
	free(q);
	/* and an overflowing 64-bit varint fails too */
	memset(tmp, 0xff, sizeof tmp);
	tmp[9] = 0x02;
	q = exact_copy(tmp, sizeof tmp);
	att_cursor_init(&c, q, sizeof tmp);
	ck_assert_int_eq(att_cursor_varint32(&c, &v), -1);
	free(q);
}
END_TEST

/* ---- buffer -------------------------------------------------------------- */

START_TEST(buf_growth_and_printf)
{
	att_buf b;
	size_t i, bad = 0;
	static const uint8_t fixed[] = { 0x02, 0x01, 0x04, 0x03, 0x02, 0x01,
	                                 0x08, 0x07, 0x06, 0x05, 0x04, 0x03,
	                                 0x02, 0x01, 0xac, 0x02 };

	att_buf_init(&b);
	for (i = 0; i < 100000; i++)
		att_buf_putc(&b, (uint8_t)(i * 7));
	ck_assert_int_eq(b.rc, ATT_OK);
	ck_assert_uint_eq(b.n, 100000);
	ck_assert_uint_ge(b.cap, b.n);
	for (i = 0; i < b.n; i++)
		bad += b.p[i] != (uint8_t)(i * 7);
	ck_assert_uint_eq(bad, 0);
	att_buf_clear(&b);
	ck_assert_uint_eq(b.n, 0);
	ck_assert_uint_ge(b.cap, 100000);
	att_buf_put_u16le(&b, 0x0102);
	att_buf_put_u32le(&b, 0x01020304u);
	att_buf_put_u64le(&b, 0x0102030405060708u);
	att_buf_put_varint(&b, 300);
	ck_assert_uint_eq(b.n, sizeof fixed);
	ck_assert_mem_eq(b.p, fixed, sizeof fixed);
	att_buf_release(&b);
	ck_assert_ptr_null(b.p);
	att_buf_printf(&b, "%s=%d", "docs", 42);
	ck_assert_uint_eq(b.n, 7);
	ck_assert_str_eq((const char *)b.p, "docs=42");
	att_buf_printf(&b, "; %0100d", 7);
	ck_assert_uint_eq(b.n, 7 + 2 + 100);
	ck_assert_uint_eq(strlen((const char *)b.p), b.n);
	ck_assert_int_eq(b.p[b.n - 1], '7');
	att_buf_printf(&b, "%s", "");
	ck_assert_uint_eq(b.n, 109);
	ck_assert_int_eq(b.rc, ATT_OK);
	att_buf_release(&b);
}
END_TEST

START_TEST(buf_enomem_first_allocation)
{
	att_buf b;

	att_buf_init(&b);
	att_alloc_fail_after(0);
	att_buf_append(&b, "abc", 3);
	att_alloc_fail_after(-1);
	ck_assert_int_eq(b.rc, ATT_ENOMEM);
	ck_assert_uint_eq(b.n, 0);
	ck_assert_ptr_null(b.p);
	/* sticky: memory is available again, but appends stay no-ops */
	att_buf_append(&b, "abc", 3);
	att_buf_putc(&b, 'x');
	att_buf_put_varint(&b, 300);
	att_buf_printf(&b, "%d", 1);
	att_file_header(&b, ATT_MAGIC_DICT);
	att_file_trailer(&b);
	ck_assert_int_eq(b.rc, ATT_ENOMEM);
	ck_assert_uint_eq(b.n, 0);
	ck_assert_ptr_null(b.p);
	ck_assert_int_eq(att_buf_reserve(&b, 1), -1);
	att_buf_release(&b);
	ck_assert_int_eq(b.rc, ATT_OK);
}
END_TEST

START_TEST(buf_enomem_on_growth)
{
	att_buf b;
	uint8_t big[200];
	size_t n, cap;

	memset(big, 'z', sizeof big);
	att_buf_init(&b);
	att_alloc_fail_after(1); /* the first allocation succeeds */
	att_buf_append(&b, "0123456789", 10);
	ck_assert_int_eq(b.rc, ATT_OK);
	n = b.n;
	cap = b.cap;
	att_buf_append(&b, big, sizeof big); /* needs to grow: fails */
	att_alloc_fail_after(-1);
	ck_assert_int_eq(b.rc, ATT_ENOMEM);
	ck_assert_uint_eq(b.n, n);
	ck_assert_uint_eq(b.cap, cap);
	ck_assert_mem_eq(b.p, "0123456789", 10);
	/* a byte that would fit without growing is still refused */
	ck_assert_uint_gt(b.cap, b.n);
	att_buf_putc(&b, 'x');
	att_buf_printf(&b, "%s", "y");
	att_file_trailer(&b);
	ck_assert_uint_eq(b.n, n);
	ck_assert_int_eq(b.rc, ATT_ENOMEM);
	att_buf_release(&b);
}
END_TEST

/* ---- field terms --------------------------------------------------------- */

static size_t name_of(char *out, const char *name)
{
	return att_field_name(out, name, strlen(name));
}

START_TEST(field_names_and_terms)
{
	char name[ATT_FIELD_NAME_MAX], term[ATT_FIELD_TERM_MAX + 1];
	static const char *const bad[] = {
		"", "a b", "x:y", "caf\xc3\xa9", "tab\t", "slash/", "q\"",
		"abcdefghijklmnopqrstuvwxyz0123456" /* 33 bytes */
	};
	size_t i, n;

	ck_assert_uint_eq(name_of(name, "Source"), 6);
	ck_assert_mem_eq(name, "source", 6);
	ck_assert_uint_eq(name_of(name, "Pub.Date_2-X"), 12);
	ck_assert_mem_eq(name, "pub.date_2-x", 12);
	ck_assert_uint_eq(name_of(name, "abcdefghijklmnopqrstuvwxyz012345"),
	                  32);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(name_of(name, bad[i]) == 0, "[%s] accepted",
		              bad[i]);
	n = att_field_term(term, sizeof term, "title", 5, "summit", 6);
	ck_assert_uint_eq(n, 13);
	ck_assert_mem_eq(term, "\x02title:summit", 13);
	/* the longest name and term fit ATT_FIELD_TERM_MAX exactly */
	memset(term, 0, sizeof term);
	n = att_field_term(term, ATT_FIELD_TERM_MAX, name, 32,
	                   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	                   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 64);
	ck_assert_uint_eq(n, ATT_FIELD_TERM_MAX);
	ck_assert_uint_eq(att_field_term(term, 13 - 1, "title", 5, "summit", 6),
	                  0);
}
END_TEST

static Suite *files_suite(void)
{
	Suite *s = suite_create("files");
	TCase *tc = tcase_create("frame");

	tcase_add_test(tc, frame_round_trip);
	tcase_add_test(tc, frame_truncated);
	tcase_add_test(tc, frame_every_bit_flip);
	tcase_add_test(tc, frame_checksum_message);
	tcase_add_test(tc, frame_wrong_magic);
	tcase_add_test(tc, frame_other_version);
	tcase_add_test(tc, frame_small_msgcap);
	suite_add_tcase(s, tc);
	tc = tcase_create("cursor");
	tcase_add_test(tc, cursor_reads);
	tcase_add_test(tc, cursor_mid_varint);
	tcase_add_test(tc, cursor_sticky_err);
	tcase_add_test(tc, cursor_varint32_range);
	suite_add_tcase(s, tc);
	tc = tcase_create("buf");
	tcase_add_test(tc, buf_growth_and_printf);
	tcase_add_test(tc, buf_enomem_first_allocation);
	tcase_add_test(tc, buf_enomem_on_growth);
	suite_add_tcase(s, tc);
	tc = tcase_create("fields");
	tcase_add_test(tc, field_names_and_terms);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(files_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
