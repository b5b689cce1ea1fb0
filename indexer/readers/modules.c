/*
 * modules.c: the PDF and e-mail readers, loaded when first needed.
 *
 * poppler-glib (PDF) pulls about fifty libraries and is GPL-2.0+;
 * GMime (e-mail) pulls glib and some twenty more. Linked into the
 * library, they would be loaded by every command and every program
 * that embeds attache, and would put the MIT library under the GPL.
 * So each is a module of its own, attache-pdf.so and attache-mail.so
 * (module.c), opened with dlopen() the first time the reader meets a
 * file of its kind. A module is looked for in $ATTACHE_MODULE_DIR,
 * then beside the running program (the build tree), then in the
 * directory the build installs it to (ATT_MODULE_DIR). Its one
 * exported symbol, att_reader_module_v1, gives a table of its
 * functions; a module of another version is refused.
 *
 * A PDF is read in a child process. poppler bounds the nesting of a
 * PDF's objects but not their repetition: a 2 KB file whose forms draw
 * each other ten times over, six deep, keeps it busy for minutes, and a
 * compressed page can expand a thousandfold in memory, and nothing in
 * poppler-glib can be cancelled. So the reader hands the file to a
 * worker process (below), its CPU time per file and its address space
 * limited, which sends back what it made; the parent waits at most
 * ATT_PDF_SECONDS (or $ATTACHE_READER_TIMEOUT) of wall time, then kills
 * it. A PDF that takes longer, needs more memory, or crashes poppler is
 * refused with that said, and the indexer goes on. HTML files over
 * ATT_RD_ISOLATE_HTML bytes and Markdown files over ATT_RD_ISOLATE go
 * the same way (reader.c):
 * gumbo's time grows with nesting depth times tags (100,000 nested divs,
 * 500 KB, take seconds) and md4c takes some 60 bytes of memory per byte
 * of a hostile "[[[[...".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "readers.h"
#include "module.h"

#ifndef ATT_MODULE_DIR
#define ATT_MODULE_DIR "/usr/local/lib/attache"
#endif

#define ATT_PDF_SECONDS 60                   /* wall time for one file */
#define ATT_PDF_MEMORY ((uint64_t)2 << 30)   /* its address space */

#if defined(__SANITIZE_ADDRESS__)
#define ATT_LIMIT_AS 0   /* ASan reserves terabytes of address space */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ATT_LIMIT_AS 0
#endif
#endif
#ifndef ATT_LIMIT_AS
#define ATT_LIMIT_AS 1
#endif

typedef struct loaded {
	const char *file;                 /* "attache-pdf.so" */
	pthread_once_t once;
	const att_reader_module *m;       /* NULL if it could not be loaded */
	char why[512];                    /* and why */
} loaded;

static loaded pdf_mod = { "attache-pdf.so", PTHREAD_ONCE_INIT, NULL, "" };
static loaded mail_mod = { "attache-mail.so", PTHREAD_ONCE_INIT, NULL, "" };

/* Tries DIR/FILE; 1 if L is loaded. */
static int try_dir(loaded *l, const char *dir, size_t dn)
{
	char path[PATH_MAX];
	const att_reader_module *(*get)(void);
	void *h;

	if (dn == 0 || dn + strlen(l->file) + 2 > sizeof path)
		return 0;
	snprintf(path, sizeof path, "%.*s/%s", (int)dn, dir, l->file);
	if (access(path, F_OK) != 0)
		return 0;
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		snprintf(l->why, sizeof l->why, "%s", dlerror());
		return 0;
	}
	*(void **)&get = dlsym(h, "att_reader_module_v1");
	if (get == NULL || get()->version != ATT_READER_MODULE_VERSION) {
		snprintf(l->why, sizeof l->why, "%.400s: not a module of this attache "
		         "(version %d wanted)", path, ATT_READER_MODULE_VERSION);
		dlclose(h);
		return 0;
	}
	l->m = get();   /* kept open for the process's life */
	return 1;
}

static void load(loaded *l)
{
	const char *env = getenv("ATTACHE_MODULE_DIR");
	char exe[PATH_MAX];
	ssize_t n;

	if (env != NULL && try_dir(l, env, strlen(env)))
		return;
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		char *slash;

		exe[n] = 0;
		slash = strrchr(exe, '/');
		if (slash != NULL && try_dir(l, exe, (size_t)(slash - exe)))
			return;
	}
	if (try_dir(l, ATT_MODULE_DIR, strlen(ATT_MODULE_DIR)))
		return;
	if (l->why[0] == 0)
		snprintf(l->why, sizeof l->why, "%s is not installed (looked in "
		         "$ATTACHE_MODULE_DIR, beside the program, and in %s)",
		         l->file, ATT_MODULE_DIR);
}

static void load_pdf(void)
{
	load(&pdf_mod);
}

static void load_mail(void)
{
	load(&mail_mod);
}

static const att_reader_module *module(att_kind k, char *msg, size_t cap)
{
	loaded *l = k == ATT_KIND_PDF ? &pdf_mod : &mail_mod;

	pthread_once(&l->once, k == ATT_KIND_PDF ? load_pdf : load_mail);
	if (l->m == NULL)
		snprintf(msg, cap, "cannot read %s files: %s", att_kind_name(k),
		         l->why);
	return l->m;
}

/* ---- the reader's child process ----------------------------------- */

/* A worker: a child process that reads files with one reader function,
 * one request at a time over a socket pair, for as long as it lives.
 * Forking a fresh child for each file would pay poppler's and
 * fontconfig's start-up (some 20 ms) every time; the worker pays it once.
 * A request is a u64 length and the file's bytes; the answer a u64
 * length and: u32 status, then length-prefixed (u64) blobs: the message,
 * the title, the text, the fields' arena, then u64 nfields and their
 * four offsets each, u64 npages and the pages. Each request's CPU time
 * is bounded by an ITIMER_VIRTUAL alarm (its signal ends the worker),
 * the worker's address space by RLIMIT_AS, and the parent waits at most
 * the wall time for an answer, then kills the worker; the next request
 * starts another. A worker is also replaced after WORKER_USES files, so
 * that what a library leaks or caches does not pile up. */
#define WORKER_USES 1000
#define WORKERS 4

typedef struct worker {
	att_read_fn fn;
	pid_t pid;        /* 0: none running */
	int fd;           /* the parent's end */
	unsigned uses;
} worker;

static pthread_mutex_t workers_mu = PTHREAD_MUTEX_INITIALIZER;
static worker workers[WORKERS];

static int put_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n > 0) {
		ssize_t w = send(fd, b, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static int get_all(int fd, void *p, size_t n)
{
	uint8_t *b = p;

	while (n > 0) {
		ssize_t r = recv(fd, b, n, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

static int put_blob(att_buf *o, const void *p, uint64_t n)
{
	att_buf_append(o, &n, sizeof n);
	att_buf_append(o, p, (size_t)n);
	return o->rc == ATT_OK ? 0 : -1;
}

/* Serves requests on FD until the parent closes it. */
static void serve(int fd, att_read_fn fn, double secs)
{
	att_buf in, out;
	att_rdoc d;

	att_buf_init(&in);
	att_buf_init(&out);
	att_rdoc_init(&d);
	for (;;) {
		struct itimerval cpu, off;
		char msg[512] = "";
		uint64_t n, i, k;
		uint32_t st;

		if (get_all(fd, &n, sizeof n) != 0)
			_exit(0);   /* the parent is gone, or done */
		att_buf_clear(&in);
		if (n > ATT_RD_LIMIT || att_buf_reserve(&in, (size_t)n + 1) != 0 ||
		    get_all(fd, in.p, (size_t)n) != 0)
			_exit(3);
		memset(&cpu, 0, sizeof cpu);
		memset(&off, 0, sizeof off);
		cpu.it_value.tv_sec = (time_t)secs + 1;
		setitimer(ITIMER_VIRTUAL, &cpu, NULL);
		att_rdoc_reset(&d);
		st = (uint32_t)(int32_t)fn(&d, in.p, (size_t)n, msg, sizeof msg);
		setitimer(ITIMER_VIRTUAL, &off, NULL);
		att_buf_clear(&out);
		att_buf_append(&out, &n, sizeof n);   /* room for the length */
		att_buf_append(&out, &st, sizeof st);
		put_blob(&out, msg, strlen(msg));
		put_blob(&out, d.title.p, d.title.n);
		put_blob(&out, d.text.p, d.text.n);
		put_blob(&out, d.arena.p, d.arena.n);
		k = d.nfields;
		att_buf_append(&out, &k, sizeof k);
		for (i = 0; i < k; i++) {
			uint64_t f[4] = { d.f[i].name, d.f[i].name_len, d.f[i].value,
			                  d.f[i].value_len };

			att_buf_append(&out, f, sizeof f);
		}
		k = d.npages;
		att_buf_append(&out, &k, sizeof k);
		att_buf_append(&out, d.pages, (size_t)k * sizeof *d.pages);
		if (out.rc != ATT_OK)
			_exit(3);
		k = out.n - sizeof k;
		memcpy(out.p, &k, sizeof k);
		if (put_all(fd, out.p, out.n) != 0)
			_exit(0);
	}
}

/* Starts W's process. 0, or -1 with MSG set. */
static int start(worker *w, const char *what, double secs, char *msg,
                 size_t cap)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		snprintf(msg, cap, "cannot read %s files: socketpair: %s", what,
		         strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(msg, cap, "cannot read %s files: fork: %s", what,
		         strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		/* nothing of the parent's but the socket: not its index lock,
		 * not its files, which a worker outliving a writer would hold */
		sigset_t all;

		if (dup2(sv[1], 3) < 0)
			_exit(3);
		close_range(4, ~0U, 0);
		/* the parent's handlers (attache serve's SIGTERM) are not the
		 * worker's: a signal ends it, as a file's CPU alarm must */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGVTALRM, SIG_DFL);
		sigfillset(&all);
		pthread_sigmask(SIG_UNBLOCK, &all, NULL);
		if (ATT_LIMIT_AS) {
			struct rlimit as = { ATT_PDF_MEMORY, ATT_PDF_MEMORY };

			setrlimit(RLIMIT_AS, &as);
		}
		serve(3, w->fn, secs);
	}
	close(sv[1]);
	w->pid = pid;
	w->fd = sv[0];
	w->uses = 0;
	return 0;
}

/* Ends W's process (killed if KILL, else told by EOF); its status. */
static int stop(worker *w, int kill_it)
{
	int status = 0;

	if (w->pid == 0)
		return 0;
	if (kill_it)
		kill(w->pid, SIGKILL);
	close(w->fd);
	while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
		;
	w->pid = 0;
	return status;
}

/* Reads the answer's length and bytes from FD into B by DEADLINE (a
 * CLOCK_MONOTONIC second). 0, 1 past the deadline, -1 if the worker
 * died or said nothing sound. */
static int take(att_buf *b, int fd, double deadline)
{
	uint64_t want = UINT64_MAX;

	for (;;) {
		struct timespec ts;
		struct pollfd pf = { fd, POLLIN, 0 };
		double left;
		ssize_t r;
		int rc;

		if (want != UINT64_MAX && b->n >= want + 8)
			return b->n == want + 8 ? 0 : -1;
		if (want == UINT64_MAX && b->n >= 8) {
			memcpy(&want, b->p, 8);
			if (want > ((uint64_t)2 << 30))
				return -1;
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		left = deadline - ((double)ts.tv_sec + ts.tv_nsec / 1e9);
		if (left <= 0)
			return 1;
		rc = poll(&pf, 1, (int)(left * 1000) + 1);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -1;
		if (rc == 0)
			continue;
		if (att_buf_reserve(b, 1 << 16) != 0)
			return -1;
		r = recv(fd, b->p + b->n, 1 << 16, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		b->n += (size_t)r;
	}
}

typedef struct cursor {
	const uint8_t *p, *end;
} cursor;

static int get(cursor *c, void *out, size_t n)
{
	if ((size_t)(c->end - c->p) < n)
		return -1;
	memcpy(out, c->p, n);
	c->p += n;
	return 0;
}

static int get_blob(cursor *c, const uint8_t **p, uint64_t *n)
{
	if (get(c, n, sizeof *n) != 0 || (uint64_t)(c->end - c->p) < *n)
		return -1;
	*p = c->p;
	c->p += *n;
	return 0;
}

/* The answer [P, P + N) into D and MSG; its status, or -1 if it does not
 * read. */
static int unpack(att_rdoc *d, const uint8_t *p, size_t n, char *msg,
                  size_t cap)
{
	cursor c = { p, p + n };
	const uint8_t *b;
	uint64_t bn, k, i;
	uint32_t st;

	if (get(&c, &st, sizeof st) != 0 || get_blob(&c, &b, &bn) != 0)
		return -1;
	snprintf(msg, cap, "%.*s", (int)(bn < 511 ? bn : 511), (const char *)b);
	if (get_blob(&c, &b, &bn) != 0)
		return -1;
	att_buf_append(&d->title, b, (size_t)bn);
	if (get_blob(&c, &b, &bn) != 0)
		return -1;
	att_buf_append(&d->text, b, (size_t)bn);
	if (get_blob(&c, &b, &bn) != 0)
		return -1;
	att_buf_append(&d->arena, b, (size_t)bn);
	if (get(&c, &k, sizeof k) != 0 || k > ATT_RD_FIELDS)
		return -1;
	for (i = 0; i < k; i++) {
		uint64_t f[4];

		if (get(&c, f, sizeof f) != 0 || f[0] + f[1] > bn || f[2] + f[3] > bn)
			return -1;
		d->f[i].name = (size_t)f[0];
		d->f[i].name_len = (size_t)f[1];
		d->f[i].value = (size_t)f[2];
		d->f[i].value_len = (size_t)f[3];
		d->f[i].list = 0;   /* complete: nothing is added to it here */
	}
	d->nfields = (size_t)k;
	if (get(&c, &k, sizeof k) != 0 || k > (1u << 20))
		return -1;
	for (i = 0; i < k; i++) {
		uint32_t pg;

		if (get(&c, &pg, sizeof pg) != 0)
			return -1;
		if (att_rdoc_page(d) != ATT_OK)
			return -1;
		d->pages[d->npages - 1] = pg;
	}
	d->gap = 0;
	if (d->title.rc != ATT_OK || d->text.rc != ATT_OK || d->arena.rc != ATT_OK)
		return ATT_ENOMEM;
	return (int)(int32_t)st;
}

/* One request to W, the mutex held. */
static att_status ask(worker *w, const char *what, double secs, att_rdoc *d,
                      const uint8_t *p, size_t n, char *msg, size_t cap)
{
	uint64_t len = n;
	struct timespec ts;
	att_buf b;
	int late, status, rc;

	if (w->pid != 0 && w->uses >= WORKER_USES)
		stop(w, 0);
	if (w->pid == 0 && start(w, what, secs, msg, cap) != 0)
		return ATT_EIO;
	w->uses++;
	att_buf_init(&b);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (put_all(w->fd, &len, sizeof len) != 0) {
		/* it died since the last file (the system killed it, say): not
		 * this file's fault, so once more with a new one */
		stop(w, 1);
		if (start(w, what, secs, msg, cap) != 0)
			return ATT_EIO;
		w->uses++;
		if (put_all(w->fd, &len, sizeof len) != 0) {
			stop(w, 1);
			snprintf(msg, cap, "cannot read %s files: the reader's process "
			         "does not answer", what);
			return ATT_EIO;
		}
	}
	if (put_all(w->fd, p, n) != 0)
		late = -1;   /* it died taking the file */
	else
		late = take(&b, w->fd, (double)ts.tv_sec + ts.tv_nsec / 1e9 + secs);
	if (late != 0) {
		status = stop(w, 1);
		att_buf_release(&b);
		if (late == 1 || (WIFSIGNALED(status) &&
		                  (WTERMSIG(status) == SIGVTALRM ||
		                   WTERMSIG(status) == SIGXCPU))) {
			snprintf(msg, cap, "%s refused: reading it took more than %g s "
			         "(a hostile or pathological file)", what, secs);
		} else if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL) {
			snprintf(msg, cap, "%s refused: its reader died of signal %d "
			         "(out of memory past %llu MiB, or a crash)", what,
			         WTERMSIG(status),
			         (unsigned long long)(ATT_PDF_MEMORY >> 20));
		} else {
			snprintf(msg, cap, "%s refused: its reader failed (out of "
			         "memory past %llu MiB?)", what,
			         (unsigned long long)(ATT_PDF_MEMORY >> 20));
		}
		return ATT_ELIMIT;
	}
	rc = unpack(d, b.p + 8, b.n - 8, msg, cap);
	att_buf_release(&b);
	if (rc == -1) {
		stop(w, 1);
		snprintf(msg, cap, "%s reader: a garbled answer", what);
		return ATT_EIO;
	}
	return (att_status)rc;
}

att_status att_read_isolated(att_read_fn fn, const char *what, att_rdoc *d,
                             const uint8_t *p, size_t n, char *msg, size_t cap)
{
	const char *env = getenv("ATTACHE_READER_TIMEOUT");
	double secs = env != NULL && atof(env) > 0 ? atof(env) : ATT_PDF_SECONDS;
	worker *w = NULL;
	att_status st;
	size_t i;

	pthread_mutex_lock(&workers_mu);
	for (i = 0; i < WORKERS && w == NULL; i++)
		if (workers[i].fn == fn || workers[i].fn == NULL) {
			w = &workers[i];
			w->fn = fn;
		}
	st = w != NULL ? ask(w, what, secs, d, p, n, msg, cap) : ATT_EIO;
	pthread_mutex_unlock(&workers_mu);
	return st;
}

att_status att_module_read(att_kind k, att_rdoc *d, const uint8_t *p,
                           size_t n, char *msg, size_t cap)
{
	const att_reader_module *m = module(k, msg, cap);

	if (m == NULL)
		return ATT_ENOTFOUND;
	if (k == ATT_KIND_PDF)
		return att_read_isolated(m->read, "PDF", d, p, n, msg, cap);
	return m->read(d, p, n, msg, cap);
}

int att_module_mbox_next(const uint8_t *p, size_t n, size_t *at,
                         uint64_t *at_line, size_t *start, size_t *len,
                         uint64_t *line, char *msg, size_t cap)
{
	const att_reader_module *m = module(ATT_KIND_MBOX, msg, cap);

	if (m == NULL)
		return -1;
	return m->mbox_next(p, n, at, at_line, start, len, line);
}
