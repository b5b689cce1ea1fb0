/*
 * writer.c: the public att_writer, from documents to committed segments.
 *
 * A writer owns the index directory's lock for its life. Documents are
 * built into segments (builder.c): analysed, inverted, their records
 * stored; when a builder outgrows its memory budget, its segment is
 * flushed (dictionary, postings, positions and documents files written
 * and fsynced) and joins the list of segments waiting for the next
 * commit. Commit writes a manifest naming the old segments and the new
 * ones, atomically (see manifest.c). Until then nothing a searcher can
 * see has changed.
 *
 * With one thread the writer builds on the caller's thread, with one
 * builder. With several, worker threads build batches of documents into
 * segments of their own (workers.c) while the caller reads on, and the
 * writer joins the built segments to its set in input order; merges run
 * on the caller's thread meanwhile, so they overlap the building. A
 * document that replaces an older one with its id deletes it when its
 * segment joins the set, from every segment before it: the index is the
 * same documents, with the same statistics, whatever the thread count.
 *
 * What a document contributes (keys, length, sentence table) is
 * docan.c's to say.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "indexer.h"
#include "stemmer.h"

#define MAX_DOC_BYTES (64u << 20)
#define MAX_THREADS 64

struct att_writer {
	char *dir;
	int lockfd;
	int failed;              /* sticky ATT_EIO / ATT_ENOMEM */
	att_analyzer *an;
	att_manifest man;        /* the last commit */
	att_segset *ss;          /* committed and flushed segments */
	size_t budget;
	int replace_utf8;
	int auto_merge;
	uint64_t docs_added, replaced, deleted;
	uint32_t flushed;        /* segments flushed since open */
	unsigned threads;
	att_builder b;           /* one thread: the open segment */
	att_workers *wk;         /* several: the workers */
	att_xwriter *x;          /* the Xapian backend's, or NULL */
	att_docvals vals;        /* a document's typed values, as checked */
	char msg[1024];
};

void att_writer_options_init(att_writer_options *o)
{
	memset(o, 0, sizeof *o);
}

const char *att_writer_errmsg(const att_writer *w)
{
	return w->msg;
}

uint64_t att_writer_docs(const att_writer *w)
{
	return w->docs_added;
}

const char *att_writer_backend(const att_writer *w)
{
	return w->x != NULL ? "xapian" : "native";
}

uint32_t att_writer_segments(const att_writer *w)
{
	if (w->x != NULL)
		return att_xwriter_shards(w->x);
	return w->flushed + (w->b.open ? 1 : 0);
}

static att_status set_err(att_writer *w, att_status rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static att_status set_err(att_writer *w, att_status rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->msg, sizeof w->msg, fmt, ap);
	va_end(ap);
	if (rc == ATT_EIO || rc == ATT_ENOMEM)
		w->failed = rc;
	return rc;
}

/* Adds the declarations of OPTS to the index's: a field it has already
 * must keep its type, and a new one needs an index without documents
 * (segments written before it would have its values as text). */
static att_status declare_fields(att_writer *w, const att_writer_options *o)
{
	/* the message, if any, is in w->msg already */
	return att_schema_declare(&w->man.schema, o->fields, o->nfields,
	                          w->man.nsegs > 0, w->dir, w->msg, sizeof w->msg);
}

/* Takes DIR/LOCK with flock and writes our PID into it. */
static att_status take_lock(att_writer *w)
{
	char path[4096], pid[32];
	int n;

	snprintf(path, sizeof path, "%s/%s", w->dir, ATT_LOCK_NAME);
	w->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (w->lockfd < 0)
		return set_err(w, ATT_EIO, "%s: %s", path, strerror(errno));
	if (flock(w->lockfd, LOCK_EX | LOCK_NB) != 0) {
		ssize_t r = errno == EWOULDBLOCK ? pread(w->lockfd, pid, 31, 0) : -1;

		if (r < 0)
			return set_err(w, errno == EWOULDBLOCK ? ATT_ELOCKED : ATT_EIO,
			               "%s: %s", path, strerror(errno));
		pid[r] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		return set_err(w, ATT_ELOCKED,
		               "%s: index is locked by another writer (process %s)",
		               w->dir, pid[0] ? pid : "unknown");
	}
	n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(w->lockfd, 0) != 0 || pwrite(w->lockfd, pid, (size_t)n, 0) != n)
		return set_err(w, ATT_EIO, "%s: %s", path, strerror(errno));
	return ATT_OK;
}

/* Reads the existing manifest, or starts an empty one. */
static att_status load_manifest(att_writer *w, const char *language)
{
	char msg[512];
	att_status rc = att_manifest_read(&w->man, w->dir, msg, sizeof msg);

	if (rc == ATT_ENOTFOUND) {
		memset(&w->man, 0, sizeof w->man);
		w->man.next_seg = 1;
		snprintf(w->man.language, sizeof w->man.language, "%s",
		         language ? language : "english");
		return ATT_OK;
	}
	if (rc != ATT_OK)
		return set_err(w, rc, "%s", msg);
	if (language != NULL) { /* compare canonical names: "en" = "english" */
		att_analyzer *a = NULL;

		rc = att_analyzer_new(&a, language);
		if (rc == ATT_OK && strcmp(att_analyzer_language(a),
		                           w->man.language) == 0)
			language = NULL;
		att_analyzer_free(a);
		if (rc == ATT_ENOMEM)
			return set_err(w, rc, "out of memory");
	}
	if (language != NULL)
		return set_err(w, ATT_EINVAL,
		               "%s: index was built for language \"%s\", not \"%s\"",
		               w->dir, w->man.language, language);
	return ATT_OK;
}

/* 1 if the Xapian backend writes PATH (of kind KIND): asked for, or
 * what is there; -1 (and the message set) if the two disagree. */
static int wants_xapian(att_writer *w, const char *path, att_index_kind kind,
                        const att_writer_options *opts)
{
	const char *b = opts->backend;
	int there = kind == ATT_KIND_XAPIAN || kind == ATT_KIND_XSHARDS, x;

	if (b == NULL || b[0] == '\0')
		b = there ? "xapian" : "native";
	if (strcmp(b, "native") != 0 && strcmp(b, "xapian") != 0) {
		set_err(w, ATT_EINVAL, "unknown backend \"%s\" (native or xapian)",
		        b);
		return -1;
	}
	x = strcmp(b, "xapian") == 0;
	if ((kind == ATT_KIND_NATIVE && x) || (there && !x)) {
		set_err(w, ATT_EINVAL, "%s holds %s: it cannot take the %s backend",
		        path, att_index_kind_str(kind), b);
		return -1;
	}
	if (opts->shards > 1 && !x) {
		set_err(w, ATT_EINVAL, "shards need the Xapian backend");
		return -1;
	}
	return x;
}

static att_status writer_init(att_writer *w, const char *path,
                              const att_writer_options *opts)
{
	att_index_kind kind = att_index_kind_of(path);
	int x = wants_xapian(w, path, kind, opts);
	att_status rc;

	w->lockfd = -1;
	w->b.sen.fd = -1;
	w->budget = opts->memory_budget ? opts->memory_budget : (256u << 20);
	w->replace_utf8 = opts->replace_invalid_utf8;
	w->auto_merge = !opts->no_merge;
	if (x < 0)
		return ATT_EINVAL;
	if (x) {
#ifdef ATTACHE_WITH_XAPIAN
		return att_xwriter_open(&w->x, path, opts, kind, w->msg,
		                        sizeof w->msg);
#else
		return set_err(w, ATT_EINVAL, "%s: this attache was built without "
		               "the Xapian backend (ATTACHE_WITH_XAPIAN)", path);
#endif
	}
	w->dir = att_strndup(path, strlen(path));
	if (w->dir == NULL)
		return set_err(w, ATT_ENOMEM, "out of memory");
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return set_err(w, ATT_EIO, "%s: cannot create index directory: %s",
		               path, strerror(errno));
	if ((rc = take_lock(w)) != ATT_OK)
		return rc;
	if ((rc = load_manifest(w, opts->language)) != ATT_OK)
		return rc;
	if ((rc = declare_fields(w, opts)) != ATT_OK)
		return rc;
	att_segset_cleanup(w->dir, &w->man);
	if (att_segset_new(&w->ss, w->dir, &w->man) != ATT_OK)
		return set_err(w, ATT_ENOMEM, "out of memory");
	rc = att_analyzer_new(&w->an, w->man.language);
	if (rc == ATT_ENOTFOUND)
		return set_err(w, ATT_EINVAL, "unknown language \"%s\"",
		               w->man.language);
	if (rc != ATT_OK)
		return set_err(w, rc, "out of memory");
	snprintf(w->man.language, sizeof w->man.language, "%s",
	         att_analyzer_language(w->an));
	w->threads = opts->threads;
	if (w->threads == 0) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);

		w->threads = cores > 0 ? (unsigned)cores : 1;
	}
	if (w->threads > MAX_THREADS)
		w->threads = MAX_THREADS;
	if (w->threads == 1)
		rc = att_builder_init(&w->b, w->dir, w->man.language,
		                      &w->man.schema);
	else
		rc = att_workers_new(&w->wk, w->dir, w->man.language,
		                     &w->man.schema, w->threads, w->budget,
		                     &w->man.next_seg);
	if (rc != ATT_OK)
		return set_err(w, ATT_ENOMEM, "out of memory");
	return ATT_OK;
}

/* The next segment id; the workers take ids too, under their lock. */
static uint32_t next_id(att_writer *w)
{
	return w->wk != NULL ? att_workers_id(w->wk) : w->man.next_seg++;
}

att_status att_writer_open(att_writer **out, const char *path,
                           const att_writer_options *opts, char **errmsg_out)
{
	att_writer_options defaults;
	att_writer *w;
	att_status rc;

	*out = NULL;
	if (errmsg_out)
		*errmsg_out = NULL;
	if (opts == NULL) {
		att_writer_options_init(&defaults);
		opts = &defaults;
	}
	w = att_calloc(1, sizeof *w);
	if (w == NULL) {
		if (errmsg_out) /* plain strdup: the caller frees it with free() */
			*errmsg_out = strdup("out of memory");
		return ATT_ENOMEM;
	}
	rc = writer_init(w, path, opts);
	if (rc != ATT_OK) {
		if (rc == ATT_ENOMEM && w->msg[0] == '\0')
			snprintf(w->msg, sizeof w->msg, "out of memory");
		if (errmsg_out)
			*errmsg_out = strdup(w->msg);
		att_writer_free(w);
		return rc;
	}
	*out = w;
	return ATT_OK;
}

/* Writes the open segment's remaining files and queues it for commit
 * (one thread). */
static att_status flush_segment(att_writer *w)
{
	att_seg_info info;
	uint32_t *del, ndel;
	att_status rc;

	if (!w->b.open)
		return ATT_OK;
	rc = att_builder_flush(&w->b, &info, &del, &ndel);
	if (rc != ATT_OK)
		return set_err(w, rc, "%s", w->b.msg);
	rc = att_segset_add(w->ss, &info, del, ndel);
	att_free(del);
	if (rc != ATT_OK)
		return set_err(w, ATT_ENOMEM, "out of memory");
	w->flushed++;
	return ATT_OK;
}

/* Checks FIELD's bytes, or replaces them into *COPY. */
static att_status check_utf8(att_writer *w, const att_doc *doc,
                             const char *field, const char **p, size_t *n,
                             char **copy)
{
	size_t bad;

	if (att_utf8_validate(&bad, *p, *n) == ATT_OK)
		return ATT_OK;
	if (!w->replace_utf8)
		return set_err(w, ATT_EUTF8,
		               "document \"%.*s\": invalid UTF-8 in %s at byte %zu",
		               (int)(doc->id_len > 200 ? 200 : doc->id_len), doc->id,
		               field, bad);
	if (att_utf8_sanitize(copy, n, *p, *n) != ATT_OK)
		return set_err(w, ATT_ENOMEM, "out of memory");
	*p = *copy;
	return ATT_OK;
}

/* Checks, as check_utf8 does, the values of the fields that may be
 * analysed (their names pass att_field_name): the analyser needs valid
 * UTF-8. A replaced value goes into *COPY, an att_malloc'd copy of D's
 * fields that D then points to; free_fields frees it. */
static att_status check_fields(att_writer *w, att_doc *d, att_field **copy)
{
	char name[ATT_FIELD_NAME_MAX], what[64];
	att_status rc;
	size_t i, n;

	for (i = 0; i < d->nfields; i++) {
		att_field f = d->fields[i];
		char *fixed = NULL;

		if ((n = att_field_name(name, f.name, f.name_len)) == 0)
			continue;
		snprintf(what, sizeof what, "field \"%.*s\"", (int)n, name);
		rc = check_utf8(w, d, what, &f.value, &f.value_len, &fixed);
		if (rc != ATT_OK)
			return rc;
		if (fixed == NULL)
			continue;
		if (*copy == NULL) {
			*copy = att_malloc(d->nfields * sizeof **copy);
			if (*copy == NULL) {
				att_free(fixed);
				return set_err(w, ATT_ENOMEM, "out of memory");
			}
			memcpy(*copy, d->fields, d->nfields * sizeof **copy);
			d->fields = *copy;
		}
		(*copy)[i] = f;
	}
	if (w->man.schema.n > 0) {
		char why[512];

		rc = att_docvals_extract(&w->vals, &w->man.schema, d, why, sizeof why);
		if (rc == ATT_EINPUT) /* name the document, as the analyser does */
			return set_err(w, rc, "document \"%.*s\": %s",
			               (int)(d->id_len > 200 ? 200 : d->id_len), d->id,
			               why);
		if (rc != ATT_OK)
			return set_err(w, rc, "out of memory");
	}
	return ATT_OK;
}

static void free_fields(const att_doc *doc, att_field *copy)
{
	size_t i;

	for (i = 0; copy != NULL && i < doc->nfields; i++)
		if (copy[i].value != doc->fields[i].value)
			att_free((char *)copy[i].value);
	att_free(copy);
}

/* Makes sure an ATT_ENOMEM leaves the message saying so: the lower
 * layers' messages are about files, and some have none. */
static att_status oom_message(att_writer *w, att_status rc)
{
	if (rc == ATT_ENOMEM && strstr(w->msg, "out of memory") == NULL)
		snprintf(w->msg, sizeof w->msg, "out of memory");
	else if (rc != ATT_OK && w->msg[0] == '\0')
		snprintf(w->msg, sizeof w->msg, "%s", att_status_str(rc));
	return rc;
}

/* Deletes every document with D's id: in the segments flushed or
 * committed, and in the open one. *COUNT gets how many. */
static att_status delete_id(uint32_t *count, att_writer *w, const char *id,
                            size_t id_len)
{
	char term[ATT_ID_MAX + 1];
	att_status rc;
	uint32_t open;

	term[0] = ATT_ID_PREFIX;
	memcpy(term + 1, id, id_len);
	rc = att_segset_delete(count, w->ss, term, id_len + 1, w->msg,
	                       sizeof w->msg);
	if (rc != ATT_OK)
		return oom_message(w, rc); /* the set left its message in w->msg */
	rc = att_builder_delete(&open, &w->b, term, id_len + 1);
	if (rc != ATT_OK)
		return set_err(w, rc, "out of memory");
	*count += open;
	return ATT_OK;
}

/* Merges the segments at indexes PICK[0..k) of the set into one. */
static att_status merge_pick(att_writer *w, const uint32_t *pick, uint32_t k)
{
	att_status rc = att_segset_merge(w->ss, pick, k, next_id(w), w->msg,
	                                 sizeof w->msg);

	if (rc == ATT_EIO || rc == ATT_ENOMEM)
		w->failed = rc;
	return oom_message(w, rc);
}

/* Merges as the tiered policy says until it says nothing more; *MERGED
 * gets how many merges ran. */
static att_status auto_merge(att_writer *w, uint32_t *merged)
{
	const att_seg_info *segs;
	uint32_t *pick, n, k;
	att_status rc = ATT_OK;

	*merged = 0;
	while (rc == ATT_OK) {
		segs = att_segset_infos(&n, w->ss);
		pick = segs ? att_malloc(((size_t)n + 1) * sizeof *pick) : NULL;
		if (pick == NULL)
			return set_err(w, ATT_ENOMEM, "out of memory");
		k = att_merge_policy(pick, segs, n);
		if (k > 0) {
			rc = merge_pick(w, pick, k);
			(*merged)++;
		}
		att_free(pick);
		if (k == 0)
			break;
	}
	return rc;
}

/* Joins to the set the segments of the batches built (with WAIT, of
 * every batch handed over), in input order: each document deletes the
 * older ones with its id in the segments before its own. With MERGE,
 * the merge policy runs after each batch. */
static att_status join_built(att_writer *w, int wait, int merge)
{
	att_wbatch *b;
	att_status rc = ATT_OK;
	uint32_t merged;

	while (rc == ATT_OK && (b = att_workers_done(w->wk, wait)) != NULL) {
		const att_wseg *seg;
		const char *msg;
		size_t nseg, i, k;

		rc = att_wbatch_status(b, &msg);
		if (rc != ATT_OK)
			rc = set_err(w, rc, "%s", msg);
		seg = att_wbatch_segments(b, &nseg);
		for (i = 0; rc == ATT_OK && i < nseg; i++) {
			for (k = seg[i].first; rc == ATT_OK && k < seg[i].first + seg[i].n;
			     k++) {
				char term[ATT_ID_MAX + 1];
				const char *id;
				size_t len;
				uint32_t gone;

				id = att_wbatch_id(b, k, &len);
				term[0] = ATT_ID_PREFIX;
				memcpy(term + 1, id, len);
				rc = att_segset_delete(&gone, w->ss, term, len + 1, w->msg,
				                       sizeof w->msg);
				w->replaced += gone;
			}
			if (rc == ATT_OK &&
			    att_segset_add(w->ss, &seg[i].info, seg[i].del,
			                   seg[i].ndel) != ATT_OK)
				rc = set_err(w, ATT_ENOMEM, "out of memory");
			w->replaced += seg[i].ndel;
			w->flushed += rc == ATT_OK;
		}
		att_workers_joined(w->wk, b);
		if (rc != ATT_OK) {
			if (rc == ATT_EIO || rc == ATT_ENOMEM || rc == ATT_ECORRUPT)
				w->failed = rc; /* the set no longer matches the input */
			return oom_message(w, rc);
		}
		/* merge as batches join, so a long run keeps few segments */
		if (merge && w->auto_merge)
			rc = auto_merge(w, &merged);
	}
	return rc;
}

/* Hands over the batch being filled and joins every batch, merging
 * nothing: a commit merges after it, as with one thread. */
static att_status drain(att_writer *w)
{
	att_status rc;

	if (w->wk == NULL)
		return ATT_OK;
	if ((rc = att_workers_submit(w->wk)) != ATT_OK)
		return set_err(w, rc, "out of memory");
	return join_built(w, 1, 0);
}

static att_status add_checked(att_writer *w, const att_doc *d)
{
	uint32_t gone, merged;
	att_status rc;
	int replaced;

	if (w->x != NULL) {
		rc = att_xwriter_add(w->x, &replaced, d);
		w->replaced += rc == ATT_OK && replaced;
		w->docs_added += rc == ATT_OK;
		return rc;
	}
	if (w->wk != NULL) {
		if ((rc = att_workers_add(w->wk, d)) != ATT_OK)
			return set_err(w, rc, "out of memory");
		w->docs_added++;
		return join_built(w, 0, 1);
	}
	if ((rc = delete_id(&gone, w, d->id, d->id_len)) != ATT_OK)
		return rc;
	w->replaced += gone;
	if (!w->b.open && (rc = att_builder_open(&w->b, next_id(w))) != ATT_OK)
		return set_err(w, rc, "%s", w->b.msg);
	if ((rc = att_builder_add(&w->b, d)) != ATT_OK)
		return set_err(w, rc, "%s", w->b.msg);
	w->docs_added++;
	if (!att_builder_full(&w->b, w->budget))
		return ATT_OK;
	rc = flush_segment(w);
	/* merge flushed segments as we go, so a long run keeps few */
	if (rc == ATT_OK && w->auto_merge)
		rc = auto_merge(w, &merged);
	return rc;
}

att_status att_writer_add(att_writer *w, const att_doc *doc)
{
	char *title_copy = NULL, *text_copy = NULL;
	att_field *fields = NULL;
	att_doc d = *doc;
	att_status rc;
	size_t bad;

	w->msg[0] = '\0';
	if (w->failed)
		return set_err(w, w->failed, "writer failed earlier; reopen it");
	if (d.id_len == 0)
		return set_err(w, ATT_EINVAL, "document has an empty id");
	if (d.id_len > 1024 || memchr(d.id, '\0', d.id_len) != NULL)
		return set_err(w, ATT_EINVAL, "document id too long or has a NUL");
	if (d.text_len + d.title_len > MAX_DOC_BYTES)
		return set_err(w, ATT_ELIMIT, "document \"%.*s\": %zu bytes, over "
		               "the %u-byte limit", (int)d.id_len, d.id,
		               d.text_len + d.title_len, MAX_DOC_BYTES);
	if (att_utf8_validate(&bad, d.id, d.id_len) != ATT_OK)
		return set_err(w, ATT_EUTF8, "document id: invalid UTF-8 at byte %zu",
		               bad);
	rc = check_utf8(w, doc, "title", &d.title, &d.title_len, &title_copy);
	if (rc == ATT_OK)
		rc = check_utf8(w, doc, "text", &d.text, &d.text_len, &text_copy);
	if (rc == ATT_OK)
		rc = check_fields(w, &d, &fields);
	if (rc == ATT_OK)
		rc = add_checked(w, &d);
	att_free(title_copy);
	att_free(text_copy);
	free_fields(doc, fields);
	return oom_message(w, rc);
}

att_status att_writer_delete(uint32_t *deleted, att_writer *w, const char *id,
                             size_t id_len)
{
	att_status rc;

	*deleted = 0;
	w->msg[0] = '\0';
	if (w->failed)
		return set_err(w, w->failed, "writer failed earlier; reopen it");
	if (id_len == 0 || id_len > ATT_ID_MAX)
		return set_err(w, ATT_EINVAL, "document id empty or over %d bytes",
		               ATT_ID_MAX);
	if (w->x != NULL)
		rc = att_xwriter_delete(deleted, w->x, id, id_len);
	else if (w->wk != NULL && att_workers_has(w->wk, id, id_len) &&
	         (rc = drain(w)) != ATT_OK)
		; /* a document added before it must join first, to be counted */
	else
		rc = delete_id(deleted, w, id, id_len);
	w->deleted += *deleted;
	return oom_message(w, rc);
}

uint64_t att_writer_replaced(const att_writer *w)
{
	return w->replaced;
}

/* Writes the manifest of the segment set's current state as the next
 * generation (deletion files first), and makes it the writer's. */
static att_status write_manifest(att_writer *w)
{
	att_manifest next = w->man;
	att_seg_info *segs, *copy = NULL;
	uint32_t nsegs;
	att_status rc;

	next.generation++;
	rc = att_segset_prepare(&segs, &nsegs, w->ss, w->an,
	                        (uint32_t)next.generation, w->msg, sizeof w->msg);
	if (rc == ATT_OK) {
		copy = att_malloc(((size_t)nsegs + 1) * sizeof *copy);
		if (copy == NULL)
			rc = set_err(w, ATT_ENOMEM, "out of memory");
	}
	if (rc == ATT_OK) {
		memcpy(copy, segs, (size_t)nsegs * sizeof *copy);
		next.segs = copy;
		next.nsegs = nsegs;
		rc = att_manifest_write(&next, w->dir, w->msg, sizeof w->msg);
	}
	if (rc != ATT_OK) {
		att_free(copy);
		w->failed = rc; /* the segment set no longer matches the disk */
		return oom_message(w, rc);
	}
	att_segset_committed(w->ss);
	att_free(w->man.segs);
	w->man = next;
	return ATT_OK;
}

att_status att_writer_commit(att_writer *w)
{
	uint32_t merged;
	att_status rc;

	w->msg[0] = '\0';
	if (w->failed)
		return set_err(w, w->failed, "writer failed earlier; reopen it");
	if (w->x != NULL)
		return att_xwriter_commit(w->x);
	if ((rc = drain(w)) != ATT_OK || (rc = flush_segment(w)) != ATT_OK)
		return oom_message(w, rc);
	if ((rc = write_manifest(w)) != ATT_OK)
		return rc;
	att_segset_cleanup(w->dir, &w->man);
	/* the documents are committed: a merge that fails now is abandoned
	 * (its files removed) and does not fail the commit; if it left the
	 * writer inconsistent, the next call says so */
	if (w->auto_merge && auto_merge(w, &merged) == ATT_OK && merged > 0 &&
	    write_manifest(w) == ATT_OK)
		att_segset_cleanup(w->dir, &w->man);
	return ATT_OK;
}

static int cmp_size(const void *a, const void *b, void *ctx)
{
	const att_seg_info *s = ctx;
	uint64_t x = s[*(const uint32_t *)a].tokens;
	uint64_t y = s[*(const uint32_t *)b].tokens;

	return x < y ? -1 : x > y;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

att_status att_writer_merge(att_writer *w, uint32_t max_segments)
{
	const att_seg_info *segs;
	uint32_t *pick, i, n, k;
	att_status rc;

	if (max_segments == 0)
		return set_err(w, ATT_EINVAL, "max_segments must be at least 1");
	if ((rc = att_writer_commit(w)) != ATT_OK || w->x != NULL)
		return rc; /* Xapian has no segments of ours to merge */
	segs = att_segset_infos(&n, w->ss);
	pick = segs ? att_malloc(((size_t)n + 1) * sizeof *pick) : NULL;
	if (pick == NULL)
		return set_err(w, ATT_ENOMEM, "out of memory");
	for (i = 0; i < n; i++)
		pick[i] = i;
	/* the smallest n - max + 1 become one; with room to spare, every
	 * segment with deletions is rewritten, to drop them */
	qsort_r(pick, n, sizeof *pick, cmp_size, (void *)segs);
	k = n > max_segments ? n - max_segments + 1 : 0;
	if (k == 0) {
		for (i = 0; i < n; i++)
			if (segs[i].live < segs[i].docs)
				pick[k++] = i;
	}
	qsort(pick, k, sizeof *pick, cmp_u32);
	rc = k > 0 ? merge_pick(w, pick, k) : ATT_OK;
	att_free(pick);
	if (rc == ATT_OK && k > 0 && (rc = write_manifest(w)) == ATT_OK)
		att_segset_cleanup(w->dir, &w->man);
	return rc;
}

void att_writer_free(att_writer *w)
{
	if (w == NULL)
		return;
	att_xwriter_free(w->x);
	att_workers_free(w->wk);   /* before the lock goes: they write files */
	att_builder_release(&w->b);
	if (w->lockfd >= 0)
		close(w->lockfd);
	att_analyzer_free(w->an);
	att_manifest_release(&w->man);
	att_docvals_release(&w->vals);
	att_segset_free(w->ss);
	att_free(w->dir);
	att_free(w);
}
