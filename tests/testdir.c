/*
 * testdir.c: scratch directories for the Check tests (testdir.h).
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "testdir.h"

char *test_tmpdir(const char *tag)
{
	char tmpl[256], *d;
	int n = snprintf(tmpl, sizeof tmpl, "/tmp/att_check_%s_XXXXXX", tag);

	ck_assert(n > 0 && (size_t)n < sizeof tmpl);
	d = mkdtemp(tmpl);
	ck_assert_ptr_nonnull(d);
	d = strdup(d);
	ck_assert_ptr_nonnull(d);
	return d;
}

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int test_rmtree(const char *dir)
{
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

void test_remove_tmpdir(char *dir)
{
	ck_assert_int_eq(test_rmtree(dir), 0);
	free(dir);
}
