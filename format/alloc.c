/*
 * alloc.c: the one allocation wrapper.
 *
 * Every allocation in the library goes through these functions so that a
 * test can make the Nth one fail and check that each caller turns that
 * into ATT_ENOMEM and cleans up. The failure countdown exists only in
 * builds compiled with ATT_ALLOC_TESTING (the test suite's), atomic
 * because the writer's worker threads allocate too; a release library
 * has no mutable global state here.
 */
#include <stdlib.h>
#include <string.h>

#include "format.h"

#ifdef ATT_ALLOC_TESTING
#include <stdatomic.h>

/* atomic: the writer's worker threads allocate too */
static _Atomic long fail_countdown = -1;

void att_alloc_fail_after(long n)
{
	atomic_store(&fail_countdown, n);
}

static int should_fail(void)
{
	long c = atomic_load(&fail_countdown);

	while (c > 0 && !atomic_compare_exchange_weak(&fail_countdown, &c, c - 1))
		;
	return c == 0;
}
#else
void att_alloc_fail_after(long n)
{
	(void)n;
}

static int should_fail(void)
{
	return 0;
}
#endif

void *att_malloc(size_t n)
{
	if (should_fail())
		return NULL;
	return malloc(n ? n : 1);
}

void *att_calloc(size_t count, size_t size)
{
	if (should_fail())
		return NULL;
	return calloc(count ? count : 1, size ? size : 1);
}

void *att_realloc(void *p, size_t n)
{
	if (should_fail())
		return NULL;
	return realloc(p, n ? n : 1);
}

void att_free(void *p)
{
	free(p);
}

char *att_strndup(const char *s, size_t n)
{
	char *d = att_malloc(n + 1);

	if (d == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}
