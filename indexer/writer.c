/*
 * writer.c: the public att_writer, from documents to committed segments.
 *
 * A writer owns the index directory's lock for its life. Documents are
 * analysed as they are added: every token's term is interned in the
 * inverter and its (term, position) key collected; the document's stored
 * record goes to the segment's store file and its sentence table to the
 * sentences file at once, so the only per-document state kept in memory
 * is a 28-byte row of the documents table. When the inverter and buffers
 * outgrow the memory budget, the segment is flushed: its dictionary,
 * postings, positions and documents files are written and fsynced, and
 * it joins the list of segments waiting for the next commit. Commit
 * writes a manifest naming the old segments and the new ones, atomically
 * (see manifest.c). Until then nothing a searcher can see has changed.
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
#define FILE_LIMIT (3u << 30) /* flush before a segment file nears 4 GiB */

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
	/* the open segment */
	int seg_open;
	att_inverter *inv;
	att_store_writer store;
	att_fwriter sen;
	att_buf rows;            /* ATT_DOC_ROW bytes per document */
	att_buf names;           /* their ids and titles */
	att_seg_info cur;
	att_buf open_del;        /* bitmap: documents of the open segment
	                            deleted or replaced */
	uint32_t nopen_del;
	att_docan da;            /* the document being analysed */
	att_xwriter *x;          /* the Xapian backend's, or NULL */
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
	return w->flushed + (w->seg_open ? 1 : 0);
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
	w->sen.fd = -1;
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
	att_buf_init(&w->rows);
	att_buf_init(&w->names);
	att_buf_init(&w->open_del);
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
	if (att_inverter_new(&w->inv) != ATT_OK)
		return set_err(w, ATT_ENOMEM, "out of memory");
	att_docan_init(&w->da, w->an, w->inv);
	return ATT_OK;
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

static att_status open_segment(att_writer *w)
{
	char path[4096];
	att_status rc;

	w->cur.id = w->man.next_seg++;
	w->cur.docs = 0;
	w->cur.tokens = 0;
	w->cur.raw_bytes = 0;
	w->cur.title_tokens = 0;
	att_seg_path(path, sizeof path, w->dir, w->cur.id, ATT_SEG_STORE);
	rc = att_store_open(&w->store, path);
	if (rc != ATT_OK) {
		set_err(w, rc, "%s", w->store.fw.msg);
		att_store_abort(&w->store);
		return rc;
	}
	att_seg_path(path, sizeof path, w->dir, w->cur.id, ATT_SEG_SENTENCES);
	rc = att_fw_open(&w->sen, path, ATT_MAGIC_SENTENCES);
	if (rc != ATT_OK) {
		set_err(w, rc, "%s", w->sen.msg);
		att_fw_abort(&w->sen);
		att_store_abort(&w->store);
		return rc;
	}
	att_buf_clear(&w->rows);
	att_buf_clear(&w->names);
	w->seg_open = 1;
	return ATT_OK;
}

static att_status write_docs_file(att_writer *w)
{
	att_status rc = att_docs_write(w->dir, w->cur.id, w->cur.docs, &w->rows,
	                               &w->names, w->msg, sizeof w->msg);

	if (rc == ATT_EIO || rc == ATT_ENOMEM)
		w->failed = rc;
	return rc;
}

static att_status add_pending(att_writer *w)
{
	uint32_t *del = att_malloc(((size_t)w->nopen_del + 1) * sizeof *del);
	uint32_t d, n = 0;
	att_status rc;

	if (del == NULL)
		return set_err(w, ATT_ENOMEM, "out of memory");
	for (d = 0; d < w->open_del.n * 8; d++)
		if (w->open_del.p[d / 8] >> (d % 8) & 1)
			del[n++] = d;
	w->cur.live = w->cur.docs;
	w->cur.del_gen = 0;
	rc = att_segset_add(w->ss, &w->cur, del, n);
	att_free(del);
	if (rc != ATT_OK)
		return set_err(w, ATT_ENOMEM, "out of memory");
	att_buf_clear(&w->open_del);
	w->nopen_del = 0;
	return ATT_OK;
}

/* Writes the open segment's remaining files and queues it for commit. */
static att_status flush_segment(att_writer *w)
{
	att_status rc;

	if (!w->seg_open)
		return ATT_OK;
	w->seg_open = 0;
	rc = att_inverter_sort(w->inv);
	if (rc == ATT_OK)
		rc = att_segment_write_postings(w->inv, w->dir, w->cur.id,
		                                w->rows.p, w->msg,
		                                sizeof w->msg);
	if (rc == ATT_OK)
		rc = write_docs_file(w);
	if (rc == ATT_OK)
		rc = att_store_finish(&w->store, w->msg, sizeof w->msg);
	else
		att_store_abort(&w->store);
	if (rc == ATT_OK) {
		rc = att_fw_finish(&w->sen);
		if (rc != ATT_OK)
			set_err(w, rc, "%s", w->sen.msg);
	} else {
		att_fw_abort(&w->sen);
	}
	att_inverter_reset(w->inv);
	if (rc == ATT_OK)
		rc = add_pending(w);
	if (rc == ATT_OK)
		w->flushed++;
	if (rc != ATT_OK && (rc == ATT_EIO || rc == ATT_ENOMEM))
		w->failed = rc;
	return rc;
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

/* Analyses D into w->da: keys, length, sentence table. */
static att_status analyse(att_writer *w, const att_doc *d)
{
	att_status rc = att_docan_run(&w->da, d);

	if (rc != ATT_OK)
		return set_err(w, rc, "document \"%.*s\": analysis failed: %s",
		               (int)(d->id_len > 200 ? 200 : d->id_len), d->id,
		               att_status_str(rc));
	return ATT_OK;
}

/* Files the analysed document into the open segment. */
static att_status file_doc(att_writer *w, const att_doc *d)
{
	uint32_t block, off, len, doc = w->cur.docs, dl = w->da.length;
	uint64_t sen_off = w->sen.off;
	att_status rc;

	rc = att_inverter_add_doc(w->inv, doc, w->da.keys, w->da.nkeys + 1);
	if (rc != ATT_OK)
		return set_err(w, rc, "out of memory");
	rc = att_store_add(&w->store, d, &block, &off, &len);
	if (rc != ATT_OK)
		return set_err(w, rc, "%s", w->store.fw.msg[0] ? w->store.fw.msg
		                                               : "out of memory");
	att_fw_varint(&w->sen, w->da.nsent);
	att_fw_write(&w->sen, w->da.sent.p, w->da.sent.n);
	if (w->sen.rc != ATT_OK)
		return set_err(w, w->sen.rc, "%s", w->sen.msg);
	{
		const uint32_t row[5] = { dl, block, off, len, (uint32_t)sen_off };

		att_row_put(&w->rows, &w->names, row, w->da.title_len, d->id,
		            d->id_len, d->title, d->title_len);
	}
	if (w->rows.rc != ATT_OK || w->names.rc != ATT_OK)
		return set_err(w, ATT_ENOMEM, "out of memory");
	w->cur.docs++;
	w->cur.tokens += dl;
	w->cur.title_tokens += w->da.title_len;
	w->cur.raw_bytes += d->title_len + d->text_len;
	return ATT_OK;
}

static size_t memory_used(const att_writer *w)
{
	return att_inverter_memory(w->inv) + w->rows.cap + w->names.cap +
	    w->da.capkeys * sizeof(uint64_t) + w->store.block.cap +
	    w->store.zbuf.cap + w->da.sent.cap + w->open_del.cap;
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
	int64_t last;

	term[0] = ATT_ID_PREFIX;
	memcpy(term + 1, id, id_len);
	rc = att_segset_delete(count, w->ss, term, id_len + 1, w->msg,
	                       sizeof w->msg);
	if (rc != ATT_OK)
		return oom_message(w, rc); /* the set left its message in w->msg */
	last = w->seg_open ? att_inverter_last_doc(w->inv, term, id_len + 1) : -1;
	if (last < 0)
		return ATT_OK;
	while (w->open_del.n <= (size_t)last / 8)
		att_buf_putc(&w->open_del, 0);
	if (w->open_del.rc != ATT_OK)
		return set_err(w, ATT_ENOMEM, "out of memory");
	if (w->open_del.p[last / 8] >> (last % 8) & 1)
		return ATT_OK;
	w->open_del.p[last / 8] |= (uint8_t)(1u << (last % 8));
	w->nopen_del++;
	(*count)++;
	return ATT_OK;
}

/* Merges the segments at indexes PICK[0..k) of the set into one. */
static att_status merge_pick(att_writer *w, const uint32_t *pick, uint32_t k)
{
	att_status rc = att_segset_merge(w->ss, pick, k, w->man.next_seg++,
	                                 w->msg, sizeof w->msg);

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

static att_status add_checked(att_writer *w, const att_doc *d)
{
	uint32_t gone;
	att_status rc;
	int replaced;

	if (w->x != NULL) {
		rc = att_xwriter_add(w->x, &replaced, d);
		w->replaced += rc == ATT_OK && replaced;
		w->docs_added += rc == ATT_OK;
		return rc;
	}
	if ((rc = delete_id(&gone, w, d->id, d->id_len)) != ATT_OK)
		return rc;
	w->replaced += gone;
	if (!w->seg_open && (rc = open_segment(w)) != ATT_OK)
		return rc;
	if ((rc = analyse(w, d)) != ATT_OK)
		return rc;
	if ((rc = file_doc(w, d)) != ATT_OK)
		return rc;
	w->docs_added++;
	if (memory_used(w) >= w->budget || w->cur.docs == UINT32_MAX - 1 ||
	    att_store_bytes(&w->store) >= FILE_LIMIT ||
	    w->sen.off >= FILE_LIMIT) {
		uint32_t merged;

		rc = flush_segment(w);
		/* merge flushed segments as we go, so a long run keeps few */
		if (rc == ATT_OK && w->auto_merge)
			rc = auto_merge(w, &merged);
		return rc;
	}
	return ATT_OK;
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
	rc = w->x ? att_xwriter_delete(deleted, w->x, id, id_len)
	     : delete_id(deleted, w, id, id_len);
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
	if ((rc = flush_segment(w)) != ATT_OK)
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
	if (w->seg_open) {
		att_store_abort(&w->store);
		att_fw_abort(&w->sen);
	}
	if (w->lockfd >= 0)
		close(w->lockfd);
	att_analyzer_free(w->an);
	att_inverter_free(w->inv);
	att_manifest_release(&w->man);
	att_segset_free(w->ss);
	att_buf_release(&w->open_del);
	att_docan_release(&w->da);
	att_buf_release(&w->rows);
	att_buf_release(&w->names);
	att_free(w->dir);
	att_free(w);
}
