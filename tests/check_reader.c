/*
 * check_reader.c: unit tests of indexer/reader.c, the att_reader.
 *
 * Every test builds its input under a fresh mkdtemp directory in /tmp
 * (removed by the fixture's teardown) and asserts on the exact bytes of
 * each document, on the status and message of each bad record, and on
 * the reader carrying on after it. Standard input is tested in a forked
 * child whose fd 0 is a file. Files over the 64 MiB limits are sparse, so
 * they cost no disk. Built with ATT_ALLOC_TESTING, one more test makes
 * each allocation fail in turn.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#define _XOPEN_SOURCE 700

#include <check.h>

#include "testdir.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attache.h"
#include "format.h"

#define MIB ((off_t)1 << 20)

static char rootdir[64];  /* made once for the whole run */
static char tmpdir[128];  /* one per test, inside rootdir */

static void setup_root(void)
{
	strcpy(rootdir, "/tmp/att_reader_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(rootdir));
}

static void setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "%s/testXXXXXX", rootdir);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	test_rmtree(tmpdir);
}

/* Runs in the parent, so it also cleans up after a failed test. */
static void teardown_root(void)
{
	test_rmtree(rootdir);
}

/* tmpdir/REL, in a static buffer of the caller's. */
static const char *tpath(char *buf, size_t cap, const char *rel)
{
	int n = snprintf(buf, cap, "%s/%s", tmpdir, rel);

	ck_assert(n > 0 && (size_t)n < cap);
	return buf;
}

/* Creates tmpdir/REL (and its directories) holding [P, P + N). */
static void put(const char *rel, const void *p, size_t n)
{
	char path[512], *slash;
	FILE *f;

	tpath(path, sizeof path, rel);
	for (slash = strchr(path + strlen(tmpdir) + 1, '/'); slash != NULL;
	     slash = strchr(slash + 1, '/')) {
		*slash = 0;
		ck_assert(mkdir(path, 0755) == 0 || errno == EEXIST);
		*slash = '/';
	}
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(p, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

static void puts_file(const char *rel, const char *s)
{
	put(rel, s, strlen(s));
}

/* Writes HEAD, then TAIL at offset AT, leaving a hole of NULs between. */
static void put_sparse(const char *rel, const char *head, off_t at,
                       const char *tail)
{
	char path[512];
	int fd;

	puts_file(rel, head);
	fd = open(tpath(path, sizeof path, rel), O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, tail, strlen(tail), at),
	                 (ssize_t)strlen(tail));
	close(fd);
}

static att_reader *open_ok(const char *rel, att_input_format fmt)
{
	char path[512];
	att_reader *r = NULL;
	char *msg = NULL;
	att_status st;

	st = att_reader_open(&r, rel ? tpath(path, sizeof path, rel) : tmpdir,
	                     fmt, &msg);
	ck_assert_msg(st == ATT_OK, "open %s: %d %s", rel ? rel : ".", st,
	              msg ? msg : "");
	ck_assert_ptr_null(msg);
	ck_assert_ptr_nonnull(r);
	return r;
}

static int mem_is(const char *p, size_t n, const char *want)
{
	return n == strlen(want) && (n == 0 || memcmp(p, want, n) == 0);
}

/* Reads the next document and checks its id, title and text exactly. */
static void expect_doc(att_reader *r, const char *id, const char *title,
                       const char *text)
{
	att_doc d;
	int has = -1;
	att_status st = att_reader_next(&d, &has, r);

	ck_assert_msg(st == ATT_OK, "expected %s, got status %d: %s", id, st,
	              att_reader_errmsg(r));
	ck_assert_int_eq(has, 1);
	ck_assert_msg(mem_is(d.id, d.id_len, id), "id '%.*s' != '%s'",
	              (int)d.id_len, d.id, id);
	ck_assert_msg(mem_is(d.title, d.title_len, title),
	              "%s: title '%.*s' != '%s'", id, (int)d.title_len, d.title,
	              title);
	ck_assert_msg(mem_is(d.text, d.text_len, text),
	              "%s: text '%.*s' != '%s'", id, (int)d.text_len, d.text, text);
	ck_assert_int_eq(d.id[d.id_len], 0);
	ck_assert_int_eq(d.title[d.title_len], 0);
	ck_assert_int_eq(d.text[d.text_len], 0);
}

/* Reads the next record, expecting error ST with message MSG (after
 * tmpdir and '/', where the message starts with tmpdir). */
static void expect_err(att_reader *r, att_status want, const char *msg)
{
	char full[512];
	att_doc d;
	int has = -1;
	att_status st = att_reader_next(&d, &has, r);

	ck_assert_msg(st == want, "expected status %d, got %d (%s)", want, st,
	              att_reader_errmsg(r));
	ck_assert_int_eq(has, 0);
	tpath(full, sizeof full, msg);
	if (msg[0] == '=')
		ck_assert_str_eq(att_reader_errmsg(r), msg + 1);
	else
		ck_assert_str_eq(att_reader_errmsg(r), full);
}

static void expect_end(att_reader *r)
{
	att_doc d;
	int has = -1;

	ck_assert_int_eq(att_reader_next(&d, &has, r), ATT_OK);
	ck_assert_int_eq(has, 0);
	ck_assert_int_eq(att_reader_next(&d, &has, r), ATT_OK);
	ck_assert_int_eq(has, 0);
}

static off_t file_size(const char *rel)
{
	char path[512];
	struct stat sb;

	ck_assert_int_eq(stat(tpath(path, sizeof path, rel), &sb), 0);
	return sb.st_size;
}

/* ---- text ---------------------------------------------------------------- */

static void make_tree(void)
{
	char path[512];

	puts_file("t/b.txt", "Title B\nbody b\n");
	puts_file("t/B.txt", "Upper\n");
	puts_file("t/a/x.txt", "  Title X \r\n\n \t\r\n  body x\r\nline2");
	puts_file("t/a/y.txt", "Y\nno blank\n\n");
	puts_file("t/a.b.txt", "dots\n\n\n");
	puts_file("t/c/d/e/deep.txt", "Deep\ndeep text\n");
	puts_file("t/dir.txt/inner.txt", "Inner\nin\n");
	puts_file("t/only_title.txt", "\xEF\xBB\xBFJust a title");
	puts_file("t/.hidden.txt", "hidden\n");
	puts_file("t/.hid/z.txt", "hidden dir\n");
	puts_file("t/notes.md", "not text\n");          /* Markdown: read too */
	puts_file("t/a/upper.TXT", "any case\n");      /* a .txt all the same */
	puts_file("t/a/data.csv", "a,b\n1,2\n");      /* no kind of ours */
	ck_assert_int_eq(symlink("b.txt", tpath(path, sizeof path, "t/link.txt")),
	                 0);
	ck_assert_int_eq(symlink("a", tpath(path, sizeof path, "t/linkdir")), 0);
}

START_TEST(text_tree)
{
	char path[512];
	att_reader *r;
	uint64_t total;

	make_tree();
	r = open_ok("t", ATT_INPUT_TEXT);
	expect_doc(r, "B", "Upper", "");
	ck_assert_str_eq(att_reader_file(r), tpath(path, sizeof path, "t/B.txt"));
	ck_assert_uint_eq(att_reader_line(r), 1);
	ck_assert_uint_eq(att_reader_bytes(r), 6);
	expect_doc(r, "a.b", "dots", "");
	expect_err(r, ATT_EINPUT, "t/a/data.csv: unsupported kind of file "
	           "(attache reads .txt, .html, .md, .pdf, .eml and .mbox)");
	expect_doc(r, "a/upper", "any case", "");
	expect_doc(r, "a/x", "Title X", "  body x\r\nline2");
	ck_assert_str_eq(att_reader_file(r),
	                 tpath(path, sizeof path, "t/a/x.txt"));
	expect_doc(r, "a/y", "Y", "no blank\n\n");
	expect_doc(r, "b", "Title B", "body b\n");
	expect_doc(r, "c/d/e/deep", "Deep", "deep text\n");
	expect_doc(r, "dir.txt/inner", "Inner", "in\n");
	expect_doc(r, "notes.md", "", "not text");
	expect_doc(r, "only_title", "Just a title", "");
	expect_end(r);
	total = (uint64_t)(file_size("t/b.txt") + file_size("t/B.txt") +
	                   file_size("t/a/x.txt") + file_size("t/a/y.txt") +
	                   file_size("t/a.b.txt") + file_size("t/c/d/e/deep.txt") +
	                   file_size("t/dir.txt/inner.txt") +
	                   file_size("t/only_title.txt") +
	                   file_size("t/a/upper.TXT") + file_size("t/notes.md") +
	                   file_size("t/a/data.csv"));
	ck_assert_uint_eq(att_reader_bytes(r), total);
	att_reader_free(r);

	/* a trailing slash on the root changes nothing, AUTO reads a tree */
	r = open_ok("t/", ATT_INPUT_AUTO);
	expect_doc(r, "B", "Upper", "");
	ck_assert_str_eq(att_reader_file(r), tpath(path, sizeof path, "t/B.txt"));
	att_reader_free(r);

	/* a root that is a symbolic link is followed (links below it are not) */
	ck_assert_int_eq(symlink("t", tpath(path, sizeof path, "tl")), 0);
	r = open_ok("tl", ATT_INPUT_TEXT);
	expect_doc(r, "B", "Upper", "");
	ck_assert_str_eq(att_reader_file(r), tpath(path, sizeof path, "tl/B.txt"));
	att_reader_free(r);
}
END_TEST

START_TEST(text_bad_files)
{
	att_reader *r;

	puts_file("e/1.txt", "One\n1\n");
	puts_file("e/2.txt", "");
	put("e/3.txt", "Three\0 x", 8);
	puts_file("e/4.txt", "Four\n4");
	put_sparse("e/5.txt", "Five\n", 64 * MIB, "x");
	puts_file("e/6.txt", "\xEF\xBB\xBF");
	puts_file("e/7.txt", "Bad \xff\xfe UTF-8\n\xc3");
	puts_file("e/8.txt", "Eight\n8");
	r = open_ok("e", ATT_INPUT_TEXT);
	expect_doc(r, "1", "One", "1\n");
	expect_err(r, ATT_EINPUT, "e/2.txt: empty file");
	ck_assert_uint_eq(att_reader_line(r), 1);
	expect_err(r, ATT_EINPUT, "e/3.txt: binary file (NUL byte at offset 5)");
	expect_doc(r, "4", "Four", "4");
	expect_err(r, ATT_ELIMIT, "e/5.txt: file larger than 64 MiB (67108865 "
	                          "bytes)");
	expect_err(r, ATT_EINPUT, "e/6.txt: empty file");
	expect_doc(r, "7", "Bad \xff\xfe UTF-8", "\xc3");
	expect_doc(r, "8", "Eight", "8");
	expect_end(r);
	att_reader_free(r);
}
END_TEST

START_TEST(text_single_file)
{
	att_reader *r;

	puts_file("one/Doc.txt", "  My title  \nbody\n");
	r = open_ok("one/Doc.txt", ATT_INPUT_TEXT);
	expect_doc(r, "Doc", "My title", "body\n");
	ck_assert_uint_eq(att_reader_bytes(r), 18);
	expect_end(r);
	att_reader_free(r);

	/* TEXT forced on a name without .txt keeps the whole base name */
	puts_file("one/README", "Read me\n\n\nplease");
	r = open_ok("one/README", ATT_INPUT_TEXT);
	expect_doc(r, "README", "Read me", "please");
	expect_end(r);
	att_reader_free(r);

	puts_file("one/empty.txt", "");
	r = open_ok("one/empty.txt", ATT_INPUT_AUTO);
	expect_err(r, ATT_EINPUT, "one/empty.txt: empty file");
	expect_end(r);
	att_reader_free(r);

	put_sparse("one/big.txt", "Big\n", 64 * MIB, "y");
	r = open_ok("one/big.txt", ATT_INPUT_AUTO);
	expect_err(r, ATT_ELIMIT, "one/big.txt: file larger than 64 MiB "
	                          "(67108865 bytes)");
	expect_end(r);
	att_reader_free(r);
}
END_TEST

START_TEST(text_empty_dir)
{
	att_reader *r;

	ck_assert_int_eq(mkdir(tpath((char[512]){0}, 512, "void"), 0755), 0);
	r = open_ok("void", ATT_INPUT_AUTO);
	expect_end(r);
	ck_assert_uint_eq(att_reader_bytes(r), 0);
	att_reader_free(r);
}
END_TEST

static void expect_field(const att_doc *d, size_t i, const char *name,
                         const char *value)
{
	ck_assert_uint_lt(i, d->nfields);
	ck_assert_msg(mem_is(d->fields[i].name, d->fields[i].name_len, name),
	              "field %zu is '%.*s', not '%s'", i,
	              (int)d->fields[i].name_len, d->fields[i].name, name);
	ck_assert_msg(mem_is(d->fields[i].value, d->fields[i].value_len, value),
	              "field %s is '%.*s', not '%s'", name,
	              (int)d->fields[i].value_len, d->fields[i].value, value);
	ck_assert_int_eq(d->fields[i].value[d->fields[i].value_len], 0);
}

/* A front-matter block: scalars, lists (quoted items keep commas), a
 * given title, comments; malformed blocks name the file and line. */
START_TEST(text_front_matter)
{
	att_reader *r;
	att_doc d;
	int has;

	puts_file("fm/a.txt", "---\ndate: 2025-05-29\nSource:  Dawn \r\n"
	          "# a comment\n\ncountries: [Pakistan, \"T\xc3\xbcrkiye\", "
	          "\"Bosnia, and Herzegovina\" ,, ]\nempty:\n---\nThe title\n\n"
	          "Body.\n");
	puts_file("fm/b.txt", "---\ntitle: \"Given: title\"\ntags: []\n---\n\n"
	          "First line is text.\n");
	puts_file("fm/c.txt", "----\nnot a block\n");
	r = open_ok("fm", ATT_INPUT_AUTO);
	ck_assert_int_eq(att_reader_next(&d, &has, r), ATT_OK);
	ck_assert(mem_is(d.title, d.title_len, "The title"));
	ck_assert(mem_is(d.text, d.text_len, "Body.\n"));
	ck_assert_uint_eq(d.nfields, 4);
	expect_field(&d, 0, "date", "2025-05-29");
	expect_field(&d, 1, "source", "Dawn");
	expect_field(&d, 2, "countries", "[\"Pakistan\",\"T\xc3\xbcrkiye\","
	             "\"Bosnia, and Herzegovina\"]");
	expect_field(&d, 3, "empty", "");
	ck_assert_int_eq(att_reader_next(&d, &has, r), ATT_OK);
	ck_assert(mem_is(d.title, d.title_len, "Given: title"));
	ck_assert(mem_is(d.text, d.text_len, "First line is text.\n"));
	ck_assert_uint_eq(d.nfields, 1);
	expect_field(&d, 0, "tags", "[]");
	expect_doc(r, "c", "----", "not a block\n");
	expect_end(r);
	att_reader_free(r);

	puts_file("fmbad/a.txt", "---\ndate: 2025\nno colon here\n---\nT\n");
	puts_file("fmbad/b.txt", "---\ndate: 2025\n");
	puts_file("fmbad/c.txt", "---\nbad name!: x\n---\nT\n");
	puts_file("fmbad/d.txt", "---\ndate: 1\nDATE: 2\n---\nT\n");
	puts_file("fmbad/e.txt", "---\nid: x\n---\nT\n");
	puts_file("fmbad/f.txt", "---\nc: [a, \"b]\n---\nT\n");
	puts_file("fmbad/g.txt", "---\nc: a\n---\n");
	r = open_ok("fmbad", ATT_INPUT_AUTO);
	expect_err(r, ATT_EINPUT, "fmbad/a.txt:3: front matter line is not "
	           "\"key: value\"");
	expect_err(r, ATT_EINPUT, "fmbad/b.txt:1: front matter opened with --- "
	           "is not closed");
	expect_err(r, ATT_EINPUT, "fmbad/c.txt:2: \"bad name!\" is not a field "
	           "name (1 to 32 letters, digits, _ - .)");
	expect_err(r, ATT_EINPUT, "fmbad/d.txt:3: \"date\" is given twice");
	expect_err(r, ATT_EINPUT, "fmbad/e.txt:2: \"id\" cannot be set in front "
	           "matter");
	expect_err(r, ATT_EINPUT, "fmbad/f.txt:2: a list is [a, b, ...], its "
	           "quotes closed");
	expect_err(r, ATT_EINPUT, "fmbad/g.txt: no title after the front matter");
	expect_end(r);
	att_reader_free(r);
}
END_TEST

/* ---- JSONL --------------------------------------------------------------- */

static const char jsonl_lines[] =
    "{\"id\":\"a\",\"title\":\"T\",\"text\":\"hello \\u00e9\",\"n\":42,"
    "\"f\":1.5,\"r\":0.1,\"big\":-9007199254740993,\"b\":true,\"z\":null,"
    "\"arr\":[1, \"x\", {\"k\": false}],\"obj\":{\"a\":[]},\"s\":\"str\","
    "\"u\":\"\\ud83d\\ude00\",\"deleted\":true}\n"
    "   \t\n"
    "{\"id\":\"bad\", \"title\": oops}\n"
    "{\"id\": 7, \"text\":\"seven\"}\n"
    "{\"title\":\"no id\"}\n"
    "{\"id\":\"t\",\"title\":5}\n"
    "[1,2]\n"
    "{\"id\":1.5}\n"
    "{\"id\":\"\"}\n"
    "{\"id\":\"dup\",\"id\":\"dup2\"}\n"
    "{\"id\":\"crlf\",\"text\":\"t\"}\r\n"
    "{\"id\":\"x\"} junk\n"
    "{\"id\":\"nul\",\"text\":\"a\\u0000b\"}\n"
    "{\"id\":\"w\",\"text\":3}\n"
    "\n"
    "{\"id\":-12,\"title\":\"last\"}";

START_TEST(jsonl_records)
{
	att_reader *r;
	att_doc d;
	int has;

	puts_file("in.jsonl", jsonl_lines);
	r = open_ok("in.jsonl", ATT_INPUT_JSONL);
	ck_assert_int_eq(att_reader_next(&d, &has, r), ATT_OK);
	ck_assert_int_eq(has, 1);
	ck_assert(mem_is(d.id, d.id_len, "a"));
	ck_assert(mem_is(d.title, d.title_len, "T"));
	ck_assert(mem_is(d.text, d.text_len, "hello \xc3\xa9"));
	ck_assert_uint_eq(att_reader_line(r), 1);
	ck_assert_uint_eq(d.nfields, 11);
	expect_field(&d, 0, "n", "42");
	expect_field(&d, 1, "f", "1.5");
	expect_field(&d, 2, "r", "0.1");
	expect_field(&d, 3, "big", "-9007199254740993");
	expect_field(&d, 4, "b", "true");
	expect_field(&d, 5, "z", "null");
	expect_field(&d, 6, "arr", "[1,\"x\",{\"k\":false}]");
	expect_field(&d, 7, "obj", "{\"a\":[]}");
	expect_field(&d, 8, "s", "str");
	expect_field(&d, 9, "u", "\xf0\x9f\x98\x80");
	expect_field(&d, 10, "deleted", "true");
	expect_err(r, ATT_EINPUT, "in.jsonl:3: invalid JSON at column 26: "
	                          "invalid token near 'oops'");
	ck_assert_uint_eq(att_reader_line(r), 3);
	expect_doc(r, "7", "", "seven");
	ck_assert_uint_eq(att_reader_line(r), 4);
	expect_err(r, ATT_EINPUT, "in.jsonl:5: missing \"id\"");
	expect_err(r, ATT_EINPUT, "in.jsonl:6: \"title\" is not a string");
	expect_err(r, ATT_EINPUT, "in.jsonl:7: not a JSON object");
	expect_err(r, ATT_EINPUT, "in.jsonl:8: \"id\" is not a string or an "
	                          "integer");
	expect_err(r, ATT_EINPUT, "in.jsonl:9: empty \"id\"");
	expect_err(r, ATT_EINPUT, "in.jsonl:10: invalid JSON at column 16: "
	                          "duplicate object key near '\"id\"'");
	expect_doc(r, "crlf", "", "t");
	expect_err(r, ATT_EINPUT, "in.jsonl:12: invalid JSON at column 15: end "
	                          "of file expected near 'junk'");
	expect_err(r, ATT_EINPUT, "in.jsonl:13: invalid JSON at column 29: "
	                          "\\u0000 is not allowed without JSON_ALLOW_NUL "
	                          "near '\"a\\u0000b\"'");
	expect_err(r, ATT_EINPUT, "in.jsonl:14: \"text\" is not a string");
	expect_doc(r, "-12", "last", "");
	ck_assert_uint_eq(att_reader_line(r), 16);
	expect_end(r);
	ck_assert_uint_eq(att_reader_bytes(r), strlen(jsonl_lines));
	att_reader_free(r);
}
END_TEST

/* The reader scans plain {"id","title","text"} lines itself and leaves
 * every other line to jansson; both must read the same bytes the same
 * way, and the fast path must reject whatever jansson rejects. */
static const char fast_lines[] =
    "{\"id\":\"e1\",\"title\":\"Q \\\"x\\\" \\\\ \\/ \\b\\f\\n\\r\\t\","
    "\"text\":\"caf\\u00e9 \\ud83d\\ude00 \xc3\xbc\"}\n"
    "{\"id\":\"e1\",\"title\":\"Q \\\"x\\\" \\\\ \\/ \\b\\f\\n\\r\\t\","
    "\"text\":\"caf\\u00e9 \\ud83d\\ude00 \xc3\xbc\",\"extra\":1}\n"
    "{\"text\":\"t\",\"id\":\"order\"}\n"
    "  { \"id\" : \"sp\" , \"title\" : \"a\" }  \n"
    "{\"id\":\"bad\xff\"}\n"
    "{\"id\":\"lone\",\"text\":\"\\udc00\"}\n"
    "{\"id\":\"ctl\",\"text\":\"a\tb\"}\n"
    "{\"id\":\"esc\",\"text\":\"\\q\"}\n"
    "{\"id\":\"open\",\"text\":\"a\n"
    "{}\n"
    "{\"id\":\"last\"}\n";

/* The next record is rejected as malformed, naming its file and line. */
static void expect_malformed(att_reader *r, unsigned line)
{
	char where[64];
	att_doc d;
	int has = -1;

	ck_assert_int_eq(att_reader_next(&d, &has, r), ATT_EINPUT);
	ck_assert_int_eq(has, 0);
	snprintf(where, sizeof where, "fast.jsonl:%u: invalid JSON", line);
	ck_assert_msg(strstr(att_reader_errmsg(r), where) != NULL, "%s",
	              att_reader_errmsg(r));
}

START_TEST(jsonl_fast_path)
{
	static const char title[] = "Q \"x\" \\ / \b\f\n\r\t";
	static const char text[] = "caf\xc3\xa9 \xf0\x9f\x98\x80 \xc3\xbc";
	att_reader *r;

	puts_file("fast.jsonl", fast_lines);
	r = open_ok("fast.jsonl", ATT_INPUT_JSONL);
	expect_doc(r, "e1", title, text);       /* the fast path */
	expect_doc(r, "e1", title, text);       /* jansson: an extra key */
	expect_doc(r, "order", "", "t");
	expect_doc(r, "sp", "a", "");
	expect_malformed(r, 5);                 /* invalid UTF-8 */
	expect_malformed(r, 6);                 /* a lone low surrogate */
	expect_malformed(r, 7);                 /* a raw control character */
	expect_malformed(r, 8);                 /* an unknown escape */
	expect_malformed(r, 9);                 /* an unterminated string */
	expect_err(r, ATT_EINPUT, "fast.jsonl:10: missing \"id\"");
	expect_doc(r, "last", "", "");
	expect_end(r);
	att_reader_free(r);
}
END_TEST

START_TEST(jsonl_big_value)
{
	size_t n = 5u << 20, i;
	char *line = malloc(n + 64), *want = malloc(n + 1);
	att_reader *r;
	att_doc d;
	int has;

	ck_assert_ptr_nonnull(line);
	ck_assert_ptr_nonnull(want);
	for (i = 0; i < n; i++)
		want[i] = (char)('a' + i % 26);
	want[n] = 0;
	i = (size_t)sprintf(line, "{\"id\":\"big\",\"text\":\"");
	memcpy(line + i, want, n);
	strcpy(line + i + n, "\"}\n{\"id\":\"after\"}\n");
	puts_file("big.ndjson", line);
	r = open_ok("big.ndjson", ATT_INPUT_AUTO);
	ck_assert_int_eq(att_reader_next(&d, &has, r), ATT_OK);
	ck_assert_int_eq(has, 1);
	ck_assert_uint_eq(d.text_len, n);
	ck_assert(memcmp(d.text, want, n) == 0);
	expect_doc(r, "after", "", "");
	ck_assert_uint_eq(att_reader_line(r), 2);
	expect_end(r);
	att_reader_free(r);
	free(line);
	free(want);
}
END_TEST

START_TEST(jsonl_line_too_long)
{
	att_reader *r;

	/* line 2 is 64 MiB of NULs and then a record: one line too long */
	put_sparse("long.jsonl", "{\"id\":\"one\"}\n", 64 * MIB + 100,
	           "{\"id\":\"x\"}\n{\"id\":\"three\"}\n");
	r = open_ok("long.jsonl", ATT_INPUT_AUTO);
	expect_doc(r, "one", "", "");
	expect_err(r, ATT_ELIMIT, "long.jsonl:2: line longer than 64 MiB");
	expect_doc(r, "three", "", "");
	ck_assert_uint_eq(att_reader_line(r), 3);
	expect_end(r);
	ck_assert_uint_eq(att_reader_bytes(r), (uint64_t)file_size("long.jsonl"));
	att_reader_free(r);
}
END_TEST

START_TEST(jsonl_bom_and_empty)
{
	att_reader *r;

	puts_file("bom.json", "\xEF\xBB\xBF{\"id\":\"b\",\"text\":\"x\"}\n");
	r = open_ok("bom.json", ATT_INPUT_AUTO);
	expect_doc(r, "b", "", "x");
	expect_end(r);
	att_reader_free(r);

	puts_file("empty.jsonl", "");
	r = open_ok("empty.jsonl", ATT_INPUT_AUTO);
	expect_end(r);
	att_reader_free(r);
}
END_TEST

/* ---- TREC ---------------------------------------------------------------- */

static const char trec_file[] =
    "<DOC>\n"                                    /* 1 */
    "<DOCNO> D1 </DOCNO>\n"
    "<TITLE>  First\n"
    "   title </TITLE>\n"
    "<TEXT>\n"                                   /* 5 */
    "Para one.\n"
    "</TEXT>\n"
    "<TEXT>Para two.</TEXT>\n"
    "</DOC>\n"
    "junk between records\n"                     /* 10 */
    "<doc><docno>d2</docno><headline>Head two</headline>\n"
    "Body of two,  no text tags.\n"
    "</doc>\n"
    "<DOC>\n"
    "<TEXT>no docno</TEXT>\n"                    /* 15 */
    "</DOC>\n"
    "<DOC id=\"x\">\n"
    "<DOCNO>D4</DOCNO>\n"
    "<Text type=\"body\">four &amp; <P>more</P></Text>\n"
    "<HEADLINE>H4</HEADLINE><TITLE>T4</TITLE>\n" /* 20 */
    "</DOC >\n"
    "<DOC>\n"
    "<DOCNO>D5</DOCNO>\n"
    "<DOC><DOCNO>D6</DOCNO><TEXT>six</TEXT></DOC><DOC><DOCNO>D7</DOCNO>"
    "</DOC>\n"
    "<DOC><DOCNO>D8</DOCNO><TITLE>x</DOC>\n"      /* 25 */
    "<DOC>\n"
    "<DOCNO>D9</DOCNO>\n"
    "unterminated\n";

START_TEST(trec_records)
{
	att_reader *r;

	puts_file("c.trec", trec_file);
	r = open_ok("c.trec", ATT_INPUT_TREC);
	expect_doc(r, "D1", "First title", "Para one.\n\nPara two.");
	ck_assert_uint_eq(att_reader_line(r), 1);
	expect_doc(r, "d2", "Head two", "Body of two,  no text tags.");
	ck_assert_uint_eq(att_reader_line(r), 11);
	expect_err(r, ATT_EINPUT, "c.trec:14: <DOC> without <DOCNO>");
	ck_assert_uint_eq(att_reader_line(r), 14);
	expect_doc(r, "D4", "H4", "four &amp; <P>more</P>");
	ck_assert_uint_eq(att_reader_line(r), 17);
	expect_err(r, ATT_EINPUT, "c.trec:22: <DOC> not closed before the <DOC> "
	                          "at line 24");
	expect_doc(r, "D6", "", "six");
	ck_assert_uint_eq(att_reader_line(r), 24);
	expect_doc(r, "D7", "", "");
	expect_err(r, ATT_EINPUT, "c.trec:25: <TITLE> not closed");
	expect_err(r, ATT_EINPUT, "c.trec:26: <DOC> not closed at end of file");
	ck_assert_uint_eq(att_reader_line(r), 26);
	expect_end(r);
	ck_assert_uint_eq(att_reader_bytes(r), strlen(trec_file));
	att_reader_free(r);
}
END_TEST

START_TEST(trec_edge_cases)
{
	att_reader *r;

	puts_file("e.sgml",
	          "<DOC><DOCNO>  </DOCNO><TEXT>x</TEXT></DOC>\n"
	          "<DOC><DOCNO>n1</DOCNO></DOC>\n"
	          "<DOC><DOCNO>n2</DOCNO>\n<TEXT>unclosed\n</DOC>\n"
	          "<DOCS><DOC><DOCNO>n3</DOCNO><TEXT>  </TEXT><TEXT>b</TEXT>"
	          "</DOC></DOCS>\n"
	          "<DOC>\n<DOCNO>n4</DOCNO>\n<TITLE>Tab\tkept</TITLE>\n"
	          "  plain body \n</DOC>");
	r = open_ok("e.sgml", ATT_INPUT_AUTO);
	expect_err(r, ATT_EINPUT, "e.sgml:1: empty <DOCNO>");
	expect_doc(r, "n1", "", "");
	expect_err(r, ATT_EINPUT, "e.sgml:3: <TEXT> not closed");
	expect_doc(r, "n3", "", "b");
	ck_assert_uint_eq(att_reader_line(r), 6);
	expect_doc(r, "n4", "Tab\tkept", "plain body");
	ck_assert_uint_eq(att_reader_line(r), 7);
	expect_end(r);
	att_reader_free(r);
}
END_TEST

START_TEST(trec_record_too_long)
{
	att_reader *r;

	put_sparse("long.xml", "<DOC><DOCNO>a</DOCNO><TEXT>", 64 * MIB + 10,
	           "</TEXT></DOC>\n<DOC><DOCNO>b</DOCNO><TEXT>bee</TEXT></DOC>\n");
	r = open_ok("long.xml", ATT_INPUT_AUTO);
	expect_err(r, ATT_ELIMIT, "long.xml:1: <DOC> record longer than 64 MiB");
	expect_doc(r, "b", "", "bee");
	ck_assert_uint_eq(att_reader_line(r), 2);
	expect_end(r);
	ck_assert_uint_eq(att_reader_bytes(r), (uint64_t)file_size("long.xml"));
	att_reader_free(r);
}
END_TEST

/* ---- AUTO ---------------------------------------------------------------- */

static void check_auto(const char *rel, const char *content, const char *id,
                       const char *title, const char *text)
{
	att_reader *r;

	puts_file(rel, content);
	r = open_ok(rel, ATT_INPUT_AUTO);
	expect_doc(r, id, title, text);
	att_reader_free(r);
}

START_TEST(auto_detection)
{
	static const char json[] = "{\"id\":\"j\",\"title\":\"J\"}\n";
	static const char trec[] = "<DOC><DOCNO>t</DOCNO><TITLE>T</TITLE></DOC>";
	att_reader *r;

	/* by name, whatever the content */
	check_auto("a/x.jsonl", json, "j", "J", "");
	check_auto("a/x.JSON", json, "j", "J", "");
	check_auto("a/x.ndjson", json, "j", "J", "");
	check_auto("a/x.trec", trec, "t", "T", "");
	check_auto("a/x.sgml", trec, "t", "T", "");
	check_auto("a/x.xml", trec, "t", "T", "");
	check_auto("a/j.txt", json, "j", "{\"id\":\"j\",\"title\":\"J\"}", "");
	check_auto("a/t.txt", trec, "t", trec, "");
	/* by content */
	check_auto("b/data1", " \n\t{\"id\":\"j\"}", "j", "", "");
	check_auto("b/data2", "\n  <DOC><DOCNO>t</DOCNO></DOC>", "t", "", "");
	check_auto("b/data3", "Plain title\nplain text", "data3", "Plain title",
	           "plain text");
	check_auto("b/data4.dat", "\xEF\xBB\xBF{\"id\":\"bom\"}", "bom", "", "");
	/* a reader's kind, by name or by content: one document, its id the
	 * name with its extension */
	check_auto("b/note.md", "# Heading\n\nSome *text*.", "note.md", "Heading",
	           "Heading\n\nSome text.");
	check_auto("b/page", "<!DOCTYPE html><title>T</title><p>x</p>", "page", "T",
	           "x");
	/* a directory is a tree of text files, whatever their content */
	puts_file("c/only.txt", json);
	r = open_ok("c", ATT_INPUT_AUTO);
	expect_doc(r, "only", "{\"id\":\"j\",\"title\":\"J\"}", "");
	expect_end(r);
	att_reader_free(r);
}
END_TEST

/* ---- open errors and stdin ------------------------------------------- */

START_TEST(open_errors)
{
	char path[512], want[600];
	att_reader *r = (att_reader *)1;
	char *msg = NULL;

	tpath(path, sizeof path, "missing");
	ck_assert_int_eq(att_reader_open(&r, path, ATT_INPUT_AUTO, &msg),
	                 ATT_ENOTFOUND);
	ck_assert_ptr_null(r);
	snprintf(want, sizeof want, "%s: No such file or directory", path);
	ck_assert_str_eq(msg, want);
	free(msg);

	puts_file("f.txt", "x\n");
	tpath(path, sizeof path, "f.txt/below");
	ck_assert_int_eq(att_reader_open(&r, path, ATT_INPUT_TEXT, NULL),
	                 ATT_ENOTFOUND);
	ck_assert_ptr_null(r);

	ck_assert_int_eq(att_reader_open(&r, tmpdir, ATT_INPUT_JSONL, &msg),
	                 ATT_EINVAL);
	snprintf(want, sizeof want, "%s: is a directory (only text input reads "
	         "directories)", tmpdir);
	ck_assert_str_eq(msg, want);
	free(msg);
	ck_assert_int_eq(att_reader_open(&r, tmpdir, (att_input_format)42, &msg),
	                 ATT_EINVAL);
	ck_assert_ptr_nonnull(msg);
	free(msg);

	att_reader_free(NULL);
	if (geteuid() == 0)
		return; /* root reads everything: EIO cannot be provoked */
	tpath(path, sizeof path, "f.txt");
	ck_assert_int_eq(chmod(path, 0), 0);
	ck_assert_int_eq(att_reader_open(&r, path, ATT_INPUT_AUTO, &msg),
	                 ATT_EIO);
	snprintf(want, sizeof want, "%s: Permission denied", path);
	ck_assert_str_eq(msg, want);
	free(msg);
}
END_TEST

/* In a child with REL as its standard input, reads "-" as FMT and checks
 * the first document's id, title and text; the parent asserts on its
 * exit status (1 open failed, 2 no document, 3 wrong document, 4 more
 * documents than one, 5 wrong file name). */
static int stdin_child(const char *rel, att_input_format fmt, const char *id,
                       const char *title, const char *text)
{
	char path[512];
	att_reader *r = NULL;
	att_doc d;
	int fd, has = 0, rc = 0;

	fd = open(tpath(path, sizeof path, rel), O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0)
		return 1;
	close(fd);
	if (att_reader_open(&r, "-", fmt, NULL) != ATT_OK)
		return 1;
	if (att_reader_next(&d, &has, r) != ATT_OK || !has)
		rc = 2;
	else if (!mem_is(d.id, d.id_len, id) ||
	         !mem_is(d.title, d.title_len, title) ||
	         !mem_is(d.text, d.text_len, text))
		rc = 3;
	else if (strcmp(att_reader_file(r), "<stdin>") != 0)
		rc = 5;
	else if (att_reader_next(&d, &has, r) != ATT_OK || has)
		rc = 4;
	att_reader_free(r);
	return rc;
}

static void check_stdin(const char *rel, const char *content,
                        att_input_format fmt, const char *id,
                        const char *title, const char *text)
{
	pid_t pid;
	int status;

	puts_file(rel, content);
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		exit(stdin_child(rel, fmt, id, title, text));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	              "stdin %s: child status %d", rel, status);
}

START_TEST(stdin_input)
{
	check_stdin("s1", "\n  {\"id\":\"s\",\"text\":\"from stdin\"}\n",
	            ATT_INPUT_AUTO, "s", "", "from stdin");
	check_stdin("s2", "<DOC><DOCNO>sd</DOCNO><TEXT>t</TEXT></DOC>\n",
	            ATT_INPUT_AUTO, "sd", "", "t");
	check_stdin("s3", "Stdin title\r\n\r\nstdin body\n", ATT_INPUT_AUTO,
	            "stdin", "Stdin title", "stdin body\n");
	check_stdin("s4", "{not json but text}\nbody", ATT_INPUT_TEXT, "stdin",
	            "{not json but text}", "body");
	check_stdin("s5", "{\"id\":1}", ATT_INPUT_JSONL, "1", "", "");
}
END_TEST

#ifdef ATT_ALLOC_TESTING
/* Makes the Nth allocation fail for every N until a whole read succeeds:
 * each failure must come back as ATT_ENOMEM, with no leak or crash. */
static int read_all_failing(const char *path, att_input_format fmt)
{
	att_reader *r = NULL;
	att_status st;
	att_doc d;
	int has = 1, docs = 0;

	st = att_reader_open(&r, path, fmt, NULL);
	while (st == ATT_OK && has) {
		st = att_reader_next(&d, &has, r);
		docs += st == ATT_OK && has;
		if (st == ATT_EINPUT) {
			st = ATT_OK;
			has = 1;
		}
	}
	att_reader_free(r);
	ck_assert(st == ATT_OK || st == ATT_ENOMEM);
	return st == ATT_OK ? docs : -1;
}

START_TEST(alloc_failures)
{
	static const char *in[] = { "t", "in.jsonl", "c.trec" };
	static const att_input_format fmt[] = { ATT_INPUT_TEXT, ATT_INPUT_JSONL,
		                                    ATT_INPUT_TREC };
	static const int ndocs[] = { 10, 4, 5 };
	char path[512];
	long n;
	int k, docs;

	make_tree();
	puts_file("in.jsonl", jsonl_lines);
	puts_file("c.trec", trec_file);
	for (k = 0; k < 3; k++) {
		tpath(path, sizeof path, in[k]);
		for (n = 0;; n++) {
			att_alloc_fail_after(n);
			docs = read_all_failing(path, fmt[k]);
			att_alloc_fail_after(-1);
			if (docs >= 0)
				break;
		}
		ck_assert_int_eq(docs, ndocs[k]);
		ck_assert_int_gt(n, 0);
	}
}
END_TEST
#endif

static Suite *reader_suite(void)
{
	Suite *s = suite_create("reader");
	TCase *tc = tcase_create("reader");

	tcase_add_unchecked_fixture(tc, setup_root, teardown_root);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, text_tree);
	tcase_add_test(tc, text_bad_files);
	tcase_add_test(tc, text_single_file);
	tcase_add_test(tc, text_empty_dir);
	tcase_add_test(tc, text_front_matter);
	tcase_add_test(tc, jsonl_records);
	tcase_add_test(tc, jsonl_fast_path);
	tcase_add_test(tc, jsonl_big_value);
	tcase_add_test(tc, jsonl_line_too_long);
	tcase_add_test(tc, jsonl_bom_and_empty);
	tcase_add_test(tc, trec_records);
	tcase_add_test(tc, trec_edge_cases);
	tcase_add_test(tc, trec_record_too_long);
	tcase_add_test(tc, auto_detection);
	tcase_add_test(tc, open_errors);
	tcase_add_test(tc, stdin_input);
#ifdef ATT_ALLOC_TESTING
	tcase_add_test(tc, alloc_failures);
#endif
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(reader_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
