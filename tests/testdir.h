/*
 * testdir.h: scratch directories for the Check tests.
 */
#ifndef ATT_TESTDIR_H
#define ATT_TESTDIR_H

/* Makes a fresh directory /tmp/att_check_TAG_XXXXXX and returns its path
 * (malloc'd); the test fails if it cannot. */
char *test_tmpdir(const char *tag);

/* Removes DIR and everything below it: 0, or -1 if something stayed. */
int test_rmtree(const char *dir);

/* test_rmtree that must succeed, then frees DIR. */
void test_remove_tmpdir(char *dir);

#endif
