/*
 * pool.c: searchers for the worker threads.
 *
 * An att_searcher is not safe to use from two threads at once: it keeps
 * a block cache and its error message on the handle (searcher/search.c).
 * So the server holds one searcher per worker thread, in a pool guarded
 * by a mutex; a request takes one, uses it alone, and gives it back.
 * With as many slots as worker threads, taking one never waits.
 *
 * Freshness. The server's own commits bump the pool's epoch; a slot
 * whose epoch is older is reopened (att_searcher_reopen) when it is
 * taken, before the request uses it, so a client that got an answer to
 * ?commit=true finds its write in its next search. Commits by another
 * process (when the server does not write, `attache index` may) are seen
 * by looking at the manifest at most once a second per slot. Reopening
 * happens outside the mutex, on a slot already marked busy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"

double srv_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

att_status srv_pool_init(srv_pool *p, const char *dir, size_t n, char *msg,
                         size_t msgcap)
{
	att_status rc = ATT_OK;
	size_t i;

	memset(p, 0, sizeof *p);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->dir = strdup(dir);
	p->slots = calloc(n, sizeof *p->slots);
	if (p->dir == NULL || p->slots == NULL) {
		snprintf(msg, msgcap, "out of memory");
		return ATT_ENOMEM;
	}
	for (i = 0; i < n && rc == ATT_OK; i++) {
		char *m = NULL;

		rc = att_searcher_open(&p->slots[i].s, dir, &m);
		if (rc != ATT_OK)
			snprintf(msg, msgcap, "%s", m ? m : att_status_str(rc));
		free(m);
		p->slots[i].checked = srv_now();
		p->n++;
	}
	return rc;
}

void srv_pool_release(srv_pool *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		att_searcher_free(p->slots[i].s);
	free(p->slots);
	free(p->dir);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	memset(p, 0, sizeof *p);
}

/* Moves slot S to the newest commit if it may be behind. */
static void refresh(srv_pool *p, srv_slot *s, uint64_t epoch)
{
	double now = srv_now();
	int changed = 0;
	att_status rc;

	if (s->epoch == epoch && now - s->checked < 1.0)
		return;
	rc = att_searcher_reopen(&changed, s->s);
	if (rc != ATT_OK) {
		fprintf(stderr, "attache serve: reopening %s: %s\n", p->dir,
		        att_searcher_errmsg(s->s));
		return;
	}
	s->epoch = epoch;
	s->checked = now;
}

srv_slot *srv_pool_get(srv_pool *p)
{
	srv_slot *s = NULL;
	uint64_t epoch;
	size_t i;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		for (i = 0; i < p->n && s == NULL; i++)
			if (!p->slots[i].busy)
				s = &p->slots[i];
		if (s != NULL)
			break;
		pthread_cond_wait(&p->cv, &p->mu);
	}
	s->busy = 1;
	epoch = p->epoch;
	pthread_mutex_unlock(&p->mu);
	refresh(p, s, epoch);
	return s;
}

void srv_pool_put(srv_pool *p, srv_slot *s)
{
	pthread_mutex_lock(&p->mu);
	s->busy = 0;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

void srv_pool_committed(srv_pool *p)
{
	pthread_mutex_lock(&p->mu);
	p->epoch++;
	pthread_mutex_unlock(&p->mu);
}
