/*
 * sync.c: attache index -i INDEX --sync DIR, an index kept up to date
 * with a folder.
 *
 * The index remembers what each file of the folder was when it was last
 * read, in a state file beside its own files (INDEX/sync.tsv, or
 * INDEX.sync.tsv when INDEX is not a directory; docs/FORMAT.md, "The
 * sync state"): its size, modification time, a 64-bit hash of its bytes
 * and the documents it gave. A run walks the folder and asks of each
 * file, in that order: the same size and time as before? unchanged,
 * not read. Else the same hash? unchanged (its time is updated). Else it
 * is read and its documents replace the old ones. A file that is gone,
 * or that gives fewer documents than before (an mbox that lost
 * messages, a file that became unreadable), has its old documents
 * deleted. All of it is one commit: the index holds the old state or the
 * new one. The state file is replaced after the commit; if the process
 * dies between the two, the next run finds the files changed against
 * the old state and reads them again, which gives the same index (a
 * document whose id is there replaces it).
 *
 * Documents that --sync did not add (another input's) are left alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define STATE_MAGIC "attache-sync 1"

typedef struct entry {
	char *rel;
	uint64_t size;
	int64_t mtime;
	uint64_t hash;
	uint32_t ndocs;   /* documents it gave */
	char idform;      /* 't' REL without ".txt", 'f' REL, 'm' REL#1..n */
	int seen;         /* in the folder this run */
	int changed;      /* read this run */
} entry;

typedef struct state {
	entry *v;
	size_t n, cap;
} state;

typedef struct syncrun {
	state old;        /* as the state file had it, sorted by rel */
	state now;        /* this run's, in the reader's order */
	entry *cur;       /* in now: the file being read */
	uint64_t added, changed, removed, unchanged, docs;
} syncrun;

/* FNV-1a, 64 bits: a change detector, not a defence. */
static uint64_t hash64(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static void state_free(state *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].rel);
	free(s->v);
	memset(s, 0, sizeof *s);
}

static entry *state_add(state *s, const char *rel)
{
	entry *e;

	if (s->n == s->cap) {
		size_t c = s->cap ? 2 * s->cap : 64;
		entry *v = realloc(s->v, c * sizeof *v);

		if (v == NULL)
			return NULL;
		s->v = v;
		s->cap = c;
	}
	e = &s->v[s->n];
	memset(e, 0, sizeof *e);
	e->rel = strdup(rel);
	if (e->rel == NULL)
		return NULL;
	s->n++;
	return e;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const entry *)a)->rel, ((const entry *)b)->rel);
}

static entry *state_find(state *s, const char *rel)
{
	entry key;

	key.rel = (char *)rel;
	return s->n ? bsearch(&key, s->v, s->n, sizeof *s->v, entry_cmp) : NULL;
}

/* The state file's path for INDEX into OUT. */
static void state_path(char *out, size_t cap, const char *index)
{
	struct stat sb;

	if (stat(index, &sb) == 0 && S_ISDIR(sb.st_mode))
		snprintf(out, cap, "%s/sync.tsv", index);
	else
		snprintf(out, cap, "%s.sync.tsv", index);
}

/* A path written with \\, \t and \n escaped, and read back. */
static void put_rel(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\t')
			fputs("\\t", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '\\' && s[1] != 0) {
			s++;
			*o++ = *s == 't' ? '\t' : *s == 'n' ? '\n' : *s;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
}

/* Reads the state file PATH into S; a missing file is an empty state.
 * A damaged one is reported and taken as empty: every file is then read
 * again, which is slow but right. */
static int state_load(state *s, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long long lineno = 0;
	int bad = 0;

	if (f == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((len = getline(&line, &cap, f)) > 0) {
		unsigned long long size, hash, ndocs;
		long long mtime;
		char form;
		int off = 0;
		entry *e;

		lineno++;
		if (line[len - 1] == '\n')
			line[--len] = 0;
		if (lineno == 1) {
			if (strcmp(line, STATE_MAGIC) != 0)
				bad = 1;
			if (bad)
				break;
			continue;
		}
		if (sscanf(line, "%llu\t%lld\t%llx\t%llu\t%c\t%n", &size, &mtime,
		           &hash, &ndocs, &form, &off) != 5 || off == 0 ||
		    (form != 't' && form != 'f' && form != 'm')) {
			bad = 1;
			break;
		}
		unescape(line + off);
		e = state_add(s, line + off);
		if (e == NULL) {
			bad = 1;
			break;
		}
		e->size = size;
		e->mtime = mtime;
		e->hash = hash;
		e->ndocs = (uint32_t)ndocs;
		e->idform = form;
	}
	free(line);
	fclose(f);
	if (bad) {
		fprintf(stderr, "attache index: %s:%llu: not a sync state line; "
		        "every file is read again\n", path, lineno);
		state_free(s);
	}
	if (s->n > 1)
		qsort(s->v, s->n, sizeof *s->v, entry_cmp);
	return 0;
}

/* Writes S to PATH through PATH.tmp, fsync and rename. */
static int state_save(const state *s, const char *path)
{
	char tmp[4400];
	FILE *f;
	size_t i;
	int fd, ok;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "%s\n", STATE_MAGIC);
	for (i = 0; i < s->n; i++) {
		const entry *e = &s->v[i];

		fprintf(f, "%" PRIu64 "\t%" PRId64 "\t%016" PRIx64 "\t%" PRIu32 "\t%c\t",
		        e->size, e->mtime, e->hash, e->ndocs, e->idform);
		put_rel(f, e->rel);
		fputc('\n', f);
	}
	ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok &= fclose(f) == 0;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	{   /* the rename made durable */
		char dir[4200], *slash;

		snprintf(dir, sizeof dir, "%s", path);
		slash = strrchr(dir, '/');
		if (slash != NULL)
			*slash = 0;
		fd = open(slash != NULL ? dir : ".", O_RDONLY | O_DIRECTORY);
		if (fd >= 0) {
			fsync(fd);
			close(fd);
		}
	}
	return 0;
}

/* The reader's question about each file (att_reader_filter). */
static int want(void *ctx, const char *rel, uint64_t size, int64_t mtime,
                const uint8_t *bytes, size_t n)
{
	syncrun *sr = ctx;
	entry *old = state_find(&sr->old, rel), *e;

	if (bytes == NULL) {
		e = state_add(&sr->now, rel);
		if (e == NULL)
			return 1;   /* no memory for the state: read it */
		sr->cur = e;
		e->size = size;
		e->mtime = mtime;
		if (old != NULL) {
			old->seen = 1;
			if (old->size == size && old->mtime == mtime) {
				e->hash = old->hash;
				e->ndocs = old->ndocs;
				e->idform = old->idform;
				sr->unchanged++;
				return 0;
			}
		}
		return 1;
	}
	e = sr->cur;
	if (e == NULL)
		return 1;
	e->hash = hash64(bytes, n);
	if (old != NULL && old->hash == e->hash && old->size == size) {
		e->ndocs = old->ndocs;
		e->idform = old->idform;
		sr->unchanged++;
		return 0;
	}
	e->changed = 1;
	if (old != NULL)
		sr->changed++;
	else
		sr->added++;
	return 1;
}

/* Deletes the documents of OLD's file from number FROM (1-based) on. */
static att_status delete_from(att_writer *w, const entry *old, uint32_t from,
                              uint64_t *count)
{
	char id[4200];
	uint32_t k, gone;
	size_t n = strlen(old->rel);
	att_status rc = ATT_OK;

	for (k = from; k <= old->ndocs && rc == ATT_OK; k++) {
		int len;

		if (old->idform == 'm')
			len = snprintf(id, sizeof id, "%s#%" PRIu32, old->rel, k);
		else
			len = snprintf(id, sizeof id, "%.*s", (int)(old->idform == 't' &&
			               n > 4 ? n - 4 : n), old->rel);
		if (len <= 0 || (size_t)len >= sizeof id)
			continue;
		rc = att_writer_delete(&gone, w, id, (size_t)len);
		*count += gone;
	}
	return rc;
}

/* 1 if FILE, the reader's path of a file, is REL's. */
static int is_of(const char *file, const char *rel)
{
	size_t n = strlen(file), k = strlen(rel);

	return n >= k && strcmp(file + n - k, rel) == 0 &&
	    (n == k || file[n - k - 1] == '/');
}

static char idform_of(const entry *e, const att_doc *d)
{
	size_t n = strlen(e->rel);

	if (d->id_len == n)
		return 'f';
	if (d->id_len + 4 == n)
		return 't';
	return 'm';
}

int cli_sync(att_writer *w, const char *index, const char *dir, int strict,
             int quiet)
{
	syncrun sr;
	att_reader *rd = NULL;
	char path[4200], *msg = NULL;
	att_status rc;
	uint64_t deleted = 0, unreadable = 0;
	size_t i;
	int has, ex = 0;
	att_doc d;

	memset(&sr, 0, sizeof sr);
	state_path(path, sizeof path, index);
	if (state_load(&sr.old, path) != 0) {
		fprintf(stderr, "attache index: %s: %s\n", path, strerror(errno));
		return EXIT_INTERNAL;
	}
	rc = att_reader_open(&rd, dir, ATT_INPUT_TEXT, &msg);
	if (rc == ATT_OK && att_reader_files(rd) == 0) {
		struct stat sb;

		if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
			rc = ATT_EINVAL;
			msg = strdup("--sync takes a folder");
		}
	}
	if (rc != ATT_OK) {
		fprintf(stderr, "attache index: %s: %s\n", dir,
		        msg ? msg : att_status_str(rc));
		free(msg);
		att_reader_free(rd);
		state_free(&sr.old);
		return cli_exit_for(rc);
	}
	/* first the files that are gone (a file renamed is one gone and one
	 * new: its old id must go before a new file can take it) */
	for (i = 0; i < att_reader_files(rd); i++) {
		entry *old = state_find(&sr.old, att_reader_file_rel(rd, i));

		if (old != NULL)
			old->seen = 1;
	}
	for (i = 0; ex == 0 && i < sr.old.n; i++) {
		if (sr.old.v[i].seen)
			continue;
		sr.removed++;
		rc = delete_from(w, &sr.old.v[i], 1, &deleted);
		if (rc != ATT_OK) {
			fprintf(stderr, "attache index: deleting %s's documents: %s\n",
			        sr.old.v[i].rel, att_writer_errmsg(w));
			ex = cli_exit_for(rc);
		}
	}
	att_reader_set_filter(rd, want, &sr);
	while (ex == 0) {
		entry *e;

		rc = att_reader_next(&d, &has, rd);
		if (rc == ATT_OK && !has)
			break;
		e = sr.cur;
		if (e != NULL && !is_of(att_reader_file(rd), e->rel))
			e = NULL;   /* failed before the filter saw the file */
		if (rc != ATT_OK) {
			int skip = !strict && (rc == ATT_EINPUT || rc == ATT_ELIMIT ||
			                       rc == ATT_EIO);

			fprintf(stderr, "attache index: %s%s\n", att_reader_errmsg(rd),
			        skip ? " (skipped)" : "");
			if (!skip) {
				ex = cli_exit_for(rc);
				break;
			}
			unreadable++;
			if (e != NULL && e->changed)
				e->changed = 2;   /* no documents: not kept in the state */
			continue;
		}
		rc = att_writer_add(w, &d);
		if (rc != ATT_OK) {
			fprintf(stderr, "attache index: %s:%llu: %s\n", att_reader_file(rd),
			        (unsigned long long)att_reader_line(rd),
			        att_writer_errmsg(w));
			ex = cli_exit_for(rc);
			break;
		}
		sr.docs++;
		if (e != NULL) {
			e->idform = idform_of(e, &d);
			if (e->idform == 'm') {   /* REL#N: the highest N */
				unsigned long long k = strtoull(d.id + strlen(e->rel) + 1,
				                                NULL, 10);

				if (k > e->ndocs)
					e->ndocs = (uint32_t)k;
			} else {
				e->ndocs = 1;
			}
		}
	}
	att_reader_free(rd);
	/* the old documents a changed file no longer gives (an mbox that lost
	 * messages; a file that became unreadable: all of them) */
	for (i = 0; ex == 0 && i < sr.old.n; i++) {
		entry *old = &sr.old.v[i];
		entry *e = old->seen ? state_find(&sr.now, old->rel) : NULL;

		if (e == NULL || !e->changed || (e->changed == 1 &&
		                                 e->ndocs >= old->ndocs))
			continue;
		rc = delete_from(w, old, e->changed == 2 ? 1 : e->ndocs + 1,
		                 &deleted);
		if (rc != ATT_OK) {
			fprintf(stderr, "attache index: deleting %s's documents: %s\n",
			        old->rel, att_writer_errmsg(w));
			ex = cli_exit_for(rc);
		}
	}
	if (ex == 0 && (sr.docs > 0 || deleted > 0) &&
	    (rc = att_writer_commit(w)) != ATT_OK) {
		fprintf(stderr, "attache index: commit failed: %s\n",
		        att_writer_errmsg(w));
		ex = cli_exit_for(rc);
	}
	if (ex == 0) {
		state out;   /* a view of now's entries: saved, not freed */
		size_t k = 0;

		out.v = malloc((sr.now.n ? sr.now.n : 1) * sizeof *out.v);
		out.n = out.cap = 0;
		for (i = 0; out.v != NULL && i < sr.now.n; i++)
			if (sr.now.v[i].changed != 2 && sr.now.v[i].idform != 0)
				out.v[k++] = sr.now.v[i];   /* unreadable: tried again */
		out.n = k;
		if (out.v == NULL || state_save(&out, path) != 0)
			fprintf(stderr, "attache index: %s: %s (the next --sync reads "
			        "every file again)\n", path, strerror(errno));
		free(out.v);
		if (!quiet) {
			printf("synced %s: %llu added, %llu changed, %llu removed, %llu "
			       "unchanged", dir, (unsigned long long)sr.added,
			       (unsigned long long)sr.changed, (unsigned long long)sr.removed,
			       (unsigned long long)sr.unchanged);
			if (unreadable)
				printf("; skipped %llu unreadable file%s",
				       (unsigned long long)unreadable,
				       unreadable == 1 ? "" : "s");
			printf("; %llu documents indexed, %llu deleted\n",
			       (unsigned long long)sr.docs, (unsigned long long)deleted);
		}
	} else {
		fprintf(stderr, "attache index: nothing was committed; %s keeps its "
		        "previous contents\n", index);
	}
	state_free(&sr.old);
	state_free(&sr.now);
	return ex;
}
