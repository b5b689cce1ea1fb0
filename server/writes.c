/*
 * writes.c: the write endpoints and the commit policy.
 *
 *   PUT    /documents/{id}   body: one JSON object {title, text, ...}
 *   POST   /documents        body: JSONL, one document a line; a line
 *                            {"id": ..., "deleted": true} deletes
 *   DELETE /documents/{id}
 *
 * The server holds the index's one att_writer (and so its lock) for its
 * whole life; a mutex makes the writes take turns, since a writer is for
 * one thread at a time. A write is analysed and buffered at once, and
 * answered 202 ("committed": false); it becomes visible and durable at
 * the next commit. The commit thread commits pending writes at most
 * every --commit-interval seconds. With ?commit=true the request commits
 * itself (everything pending, its own write included) before it is
 * answered 200 ("committed": true): att_writer_commit has then fsynced
 * the files and the manifest, so the write survives a crash or a kill
 * from that moment. After each commit the searcher pool is told, and
 * the next search sees the new generation.
 *
 * A JSONL body is parsed and checked whole before anything is applied,
 * so a malformed line (named in the error) leaves the index untouched.
 * Documents follow the rules of the JSONL reader (indexer/reader.c):
 * "id" a string or an integer, "title" and "text" strings, every other
 * key a stored (and indexed) field, a non-string value kept as its
 * compact JSON text.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "server.h"

struct srv_writes {
	att_writer *w;
	srv_pool *pool;
	pthread_mutex_t mu;       /* guards everything below */
	pthread_cond_t cv;
	pthread_t thread;
	int started, stop;
	unsigned interval;
	uint64_t pending, commits;
};

/* Commits what is pending; with the mutex held. */
static att_status commit_locked(srv_writes *w)
{
	att_status rc;

	if (w->pending == 0)
		return ATT_OK;
	rc = att_writer_commit(w->w);
	if (rc != ATT_OK) {
		fprintf(stderr, "attache serve: commit failed: %s\n",
		        att_writer_errmsg(w->w));
		return rc;
	}
	w->pending = 0;
	w->commits++;
	srv_pool_committed(w->pool);
	return ATT_OK;
}

static void *commit_thread(void *arg)
{
	srv_writes *w = arg;

	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += w->interval;
		while (!w->stop &&
		       pthread_cond_timedwait(&w->cv, &w->mu, &ts) != ETIMEDOUT)
			;
		if (!w->stop)
			commit_locked(w);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

att_status srv_writes_open(srv_writes **out, const srv_config *c,
                           srv_pool *pool, char *msg, size_t msgcap)
{
	srv_writes *w = calloc(1, sizeof *w);
	att_writer_options o;
	pthread_condattr_t ca;
	att_searcher *probe = NULL;
	char *m = NULL;
	att_status rc;

	*out = NULL;
	if (w == NULL) {
		snprintf(msg, msgcap, "out of memory");
		return ATT_ENOMEM;
	}
	att_writer_options_init(&o);
	/* one document a request, whose answer says whether it replaced one:
	 * the writer's own thread knows that at once */
	o.threads = 1;
	o.language = c->language;
	rc = att_writer_open(&w->w, c->index, &o, &m);
	if (rc != ATT_OK) {
		snprintf(msg, msgcap, "%s%s", m ? m : att_status_str(rc),
		         rc == ATT_ELOCKED ? " (without --token-file the server only "
		         "reads, and takes no lock)" : "");
		free(m);
		free(w);
		return rc;
	}
	rc = att_searcher_open(&probe, c->index, &m); /* a new index: commit */
	free(m);
	att_searcher_free(probe);
	if (rc == ATT_ENOTFOUND && (rc = att_writer_commit(w->w)) != ATT_OK) {
		snprintf(msg, msgcap, "%s", att_writer_errmsg(w->w));
		att_writer_free(w->w);
		free(w);
		return rc;
	}
	w->pool = pool;
	w->interval = c->commit_interval > 0 ? c->commit_interval : 1;
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	w->started = pthread_create(&w->thread, NULL, commit_thread, w) == 0;
	if (!w->started) {
		snprintf(msg, msgcap, "cannot start the commit thread");
		srv_writes_close(w);
		return ATT_EIO;
	}
	*out = w;
	return ATT_OK;
}

att_status srv_writes_close(srv_writes *w)
{
	att_status rc;

	if (w == NULL)
		return ATT_OK;
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	if (w->started)
		pthread_join(w->thread, NULL);
	pthread_mutex_lock(&w->mu);
	rc = commit_locked(w);
	pthread_mutex_unlock(&w->mu);
	att_writer_free(w->w);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
	return rc;
}

void srv_writes_counts(srv_writes *w, uint64_t *pending, uint64_t *commits)
{
	pthread_mutex_lock(&w->mu);
	*pending = w->pending;
	*commits = w->commits;
	pthread_mutex_unlock(&w->mu);
}

/* ---- documents from JSON ------------------------------------------------------ */

/* A document built from a JSON object, with the storage it points into. */
typedef struct jdoc {
	att_doc d;
	att_field *fields;
	char **texts;             /* JSON texts of non-string values */
	size_t ntexts;
	char idnum[32];
	int deletion;
} jdoc;

static void jdoc_release(jdoc *j)
{
	size_t i;

	for (i = 0; i < j->ntexts; i++)
		free(j->texts[i]);
	free(j->texts);
	free(j->fields);
	memset(j, 0, sizeof *j);
}

/* Takes one key of a document object into J (N: fields so far). 0, or
 * -1 with a message in ERR. */
static int jdoc_key(jdoc *j, const char *key, json_t *v, size_t *n,
                    char *err, size_t errcap)
{
	att_field *f;
	char *t;

	if (strcmp(key, "id") == 0) {
		if (json_is_integer(v)) {
			snprintf(j->idnum, sizeof j->idnum, "%" JSON_INTEGER_FORMAT,
			         json_integer_value(v));
			j->d.id = j->idnum;
			j->d.id_len = strlen(j->idnum);
		} else if (json_is_string(v)) {
			j->d.id = json_string_value(v);
			j->d.id_len = json_string_length(v);
		} else {
			snprintf(err, errcap, "\"id\" is not a string or an integer");
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "title") == 0 || strcmp(key, "text") == 0) {
		if (!json_is_string(v)) {
			snprintf(err, errcap, "\"%s\" is not a string", key);
			return -1;
		}
		if (key[1] == 'i') {
			j->d.title = json_string_value(v);
			j->d.title_len = json_string_length(v);
		} else {
			j->d.text = json_string_value(v);
			j->d.text_len = json_string_length(v);
		}
		return 0;
	}
	f = &j->fields[(*n)++];
	f->name = key;
	f->name_len = strlen(key);
	if (json_is_string(v)) {
		f->value = json_string_value(v);
		f->value_len = json_string_length(v);
		return 0;
	}
	t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (t == NULL) {
		snprintf(err, errcap, "out of memory");
		return -1;
	}
	j->texts[j->ntexts++] = t;
	f->value = t;
	f->value_len = strlen(t);
	if (strcmp(key, "deleted") == 0 && json_is_true(v))
		j->deletion = 1;
	return 0;
}

/* Fills J from the object O, whose lifetime it borrows. URL_ID, if not
 * NULL, is the id from the path, which a body "id" must repeat. 0, or -1
 * with a message in ERR. */
static int jdoc_from(jdoc *j, json_t *o, const char *url_id, size_t url_len,
                     char *err, size_t errcap)
{
	const char *key;
	json_t *v;
	size_t n = 0;

	memset(j, 0, sizeof *j);
	if (!json_is_object(o)) {
		snprintf(err, errcap, "a document is a JSON object");
		return -1;
	}
	j->fields = calloc(json_object_size(o) + 1, sizeof *j->fields);
	j->texts = calloc(json_object_size(o) + 1, sizeof *j->texts);
	if (j->fields == NULL || j->texts == NULL) {
		snprintf(err, errcap, "out of memory");
		return -1;
	}
	json_object_foreach(o, key, v)
		if (jdoc_key(j, key, v, &n, err, errcap) != 0)
			return -1;
	j->d.fields = j->fields;
	j->d.nfields = n;
	if (url_id != NULL) {
		if (j->d.id != NULL &&
		    (j->d.id_len != url_len || memcmp(j->d.id, url_id, url_len))) {
			snprintf(err, errcap, "the body's \"id\" differs from the path's");
			return -1;
		}
		j->d.id = url_id;
		j->d.id_len = url_len;
	}
	if (j->d.id == NULL || j->d.id_len == 0) {
		snprintf(err, errcap, "%s", j->d.id ? "empty \"id\"" : "missing \"id\"");
		return -1;
	}
	if (j->d.id_len > 1024) {
		snprintf(err, errcap, "\"id\" is over 1024 bytes");
		return -1;
	}
	if (j->d.title == NULL)
		j->d.title = "";
	if (j->d.text == NULL)
		j->d.text = "";
	return 0;
}

/* ---- the endpoints -------------------------------------------------------------- */

/* ?commit: -1 (and R filled) if invalid. */
static int want_commit(const srv_req *q, srv_resp *r)
{
	size_t len;
	const char *v = srv_arg(q, "commit", &len);

	if (v == NULL || (len == 5 && memcmp(v, "false", 5) == 0) ||
	    (len == 1 && v[0] == '0'))
		return 0;
	if (len == 0 || (len == 4 && memcmp(v, "true", 4) == 0) ||
	    (len == 1 && v[0] == '1'))
		return 1;
	srv_error(r, 400, "invalid_parameter", "commit must be true or false");
	return -1;
}

/* Fills R for a failed writer call. */
static void write_error(srv_resp *r, srv_writes *w, att_status st,
                        const char *where)
{
	const char *code;
	unsigned status = srv_status_for(st, &code);

	srv_error(r, status, code, "%s%s", where, att_writer_errmsg(w->w));
}

/* Commits if asked, and sets the status and "committed" of the answer
 * O. With the mutex held. */
static void finish(srv_resp *r, srv_writes *w, int commit, json_t *o)
{
	att_status st = commit ? commit_locked(w) : ATT_OK;

	if (st != ATT_OK) {
		json_decref(o);
		srv_error(r, 500, "commit_failed", "the write was accepted but the "
		          "commit failed: %s", att_writer_errmsg(w->w));
		return;
	}
	json_object_set_new(o, "committed", json_boolean(commit));
	r->status = commit ? 200 : 202;
	r->json = o;
}

void api_put(srv_writes *w, const srv_req *q, const char *id, size_t id_len,
             srv_resp *r)
{
	int commit = want_commit(q, r);
	json_error_t je;
	json_t *body;
	char err[256];
	uint64_t before;
	att_status st;
	jdoc j;

	memset(&j, 0, sizeof j);
	if (commit < 0)
		return;
	body = json_loadb(q->body ? q->body : "", q->body_len,
	                  JSON_REJECT_DUPLICATES, &je);
	if (body == NULL) {
		srv_error(r, 400, "invalid_json", "line %d, column %d: %s", je.line,
		          je.column, je.text);
		return;
	}
	if (!srv_utf8(id, id_len)) {
		srv_error(r, 400, "invalid_id", "the id is not valid UTF-8");
	} else if (jdoc_from(&j, body, id, id_len, err, sizeof err) != 0) {
		srv_error(r, 400, "invalid_document", "%s", err);
	} else {
		pthread_mutex_lock(&w->mu);
		before = att_writer_replaced(w->w);
		st = att_writer_add(w->w, &j.d);
		if (st != ATT_OK) {
			write_error(r, w, st, "");
		} else {
			w->pending++;
			finish(r, w, commit, json_pack("{s:s%,s:s}", "id", id, id_len,
			       "result", att_writer_replaced(w->w) > before ? "updated"
			       : "created"));
		}
		pthread_mutex_unlock(&w->mu);
	}
	jdoc_release(&j);
	json_decref(body);
}

void api_delete(srv_writes *w, const srv_req *q, const char *id,
                size_t id_len, srv_resp *r)
{
	int commit = want_commit(q, r);
	uint32_t deleted = 0;
	att_status st;

	if (commit < 0)
		return;
	if (id_len == 0 || id_len > 1024 || !srv_utf8(id, id_len)) {
		srv_error(r, 400, "invalid_id", "a document id is 1 to 1024 bytes of "
		          "UTF-8");
		return;
	}
	pthread_mutex_lock(&w->mu);
	st = att_writer_delete(&deleted, w->w, id, id_len);
	if (st != ATT_OK) {
		write_error(r, w, st, "");
	} else if (deleted == 0) {
		srv_error(r, 404, "not_found", "no document with id \"%.*s\"",
		          (int)(id_len > 200 ? 200 : id_len), id);
	} else {
		w->pending++;
		finish(r, w, commit, json_pack("{s:s%,s:s}", "id", id, id_len,
		                               "result", "deleted"));
	}
	pthread_mutex_unlock(&w->mu);
}

/* The lines of a JSONL body, parsed: *OBJS, and the line number of each
 * in *LINES. 0, or -1 with R filled. */
static int parse_lines(json_t **objs, json_t **lines, const srv_req *q,
                       srv_resp *r)
{
	const char *p = q->body ? q->body : "", *end = p + q->body_len;
	json_t *a = json_array(), *ln = json_array();
	size_t line = 0;

	*objs = *lines = NULL;
	while (a != NULL && ln != NULL && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p), k;
		json_error_t je;
		json_t *o;

		line++;
		for (k = 0; k < n && strchr(" \t\r", p[k]) != NULL; k++)
			;
		if (k < n) {
			o = json_loadb(p, n, JSON_REJECT_DUPLICATES, &je);
			if (o == NULL) {
				srv_error(r, 400, "invalid_json", "line %zu, column %d: %s",
				          line, je.column, je.text);
				json_decref(a);
				json_decref(ln);
				return -1;
			}
			json_array_append_new(a, o);
			json_array_append_new(ln, json_integer((json_int_t)line));
		}
		p += n + 1;
	}
	if (a == NULL || ln == NULL || json_array_size(a) == 0) {
		json_decref(a);
		json_decref(ln);
		srv_error(r, 400, "empty_body", "the body holds no document: send "
		          "JSONL, one JSON object a line");
		return -1;
	}
	*objs = a;
	*lines = ln;
	return 0;
}

/* Builds every document of OBJS into JS (N of them). 0, or -1 with R
 * filled. */
static int build_all(jdoc *js, json_t *objs, const json_t *lines,
                     srv_resp *r)
{
	char err[256];
	size_t i;
	json_t *o;

	json_array_foreach(objs, i, o) {
		json_int_t line = json_integer_value(json_array_get(lines, i));

		if (jdoc_from(&js[i], o, NULL, 0, err, sizeof err) != 0) {
			srv_error(r, 400, "invalid_document", "line %" JSON_INTEGER_FORMAT
			          ": %s", line, err);
			return -1;
		}
	}
	return 0;
}

/* 1 if the Content-Type TYPE is JSONL (or absent: JSONL by default). */
static int is_jsonl(const char *type)
{
	static const char *const jsonl[] = { "application/jsonl",
		"application/x-ndjson", "application/x-jsonlines", "application/json",
		"application/x-www-form-urlencoded", "application/octet-stream" };
	size_t i, n;

	if (type == NULL)
		return 1;
	n = strcspn(type, "; \t");
	for (i = 0; i < sizeof jsonl / sizeof jsonl[0]; i++)
		if (strlen(jsonl[i]) == n && strncasecmp(type, jsonl[i], n) == 0)
			return 1;
	return 0;
}

/* POST /documents?id=ID with a document of Content-Type TYPE (HTML,
 * Markdown, PDF, a message, an mbox, plain text), read by the library's
 * readers (att_reader_open_bytes) and added. */
static void post_document(srv_writes *w, const srv_req *q, srv_resp *r,
                          const char *type, int commit)
{
	size_t idn = 0;
	const char *idv = srv_arg(q, "id", &idn);
	char id[1025], *msg = NULL;
	uint64_t added = 0, before;
	att_reader *rd = NULL;
	att_status st;
	int has;
	att_doc d;

	if (idv == NULL || idn == 0 || idn > 1024 || !srv_utf8(idv, idn)) {
		srv_error(r, 400, "invalid_id", "a document of type %s needs its id: "
		          "POST /documents?id=ID (1 to 1024 bytes of UTF-8)", type);
		return;
	}
	memcpy(id, idv, idn);
	id[idn] = 0;
	if (q->body_len == 0) {
		srv_error(r, 400, "empty_body", "the body holds no document");
		return;
	}
	st = att_reader_open_bytes(&rd, id, type, q->body, q->body_len, &msg);
	if (st != ATT_OK) {
		srv_error(r, st == ATT_ENOMEM ? 503 : st == ATT_ELIMIT ? 413 : 415,
		          st == ATT_ENOMEM ? "out_of_memory" : st == ATT_ELIMIT ?
		          "body_too_large" : "unsupported_media_type", "%s",
		          msg ? msg : att_status_str(st));
		free(msg);
		return;
	}
	pthread_mutex_lock(&w->mu);
	before = att_writer_replaced(w->w);
	while ((st = att_reader_next(&d, &has, rd)) == ATT_OK && has &&
	       (st = att_writer_add(w->w, &d)) == ATT_OK)
		added++;
	if (added > 0)
		w->pending++;
	if (st != ATT_OK && st != ATT_ENOMEM && att_reader_errmsg(rd)[0]) {
		srv_error(r, 400, "invalid_document", "%s (%" PRIu64 " before it "
		          "were accepted)", att_reader_errmsg(rd), added);
	} else if (st != ATT_OK) {
		write_error(r, w, st, "");
	} else {
		finish(r, w, commit, json_pack("{s:I,s:I,s:I}", "added",
		       (json_int_t)added, "replaced",
		       (json_int_t)(att_writer_replaced(w->w) - before),
		       "deleted", (json_int_t)0));
	}
	pthread_mutex_unlock(&w->mu);
	att_reader_free(rd);
}

void api_post(srv_writes *w, const srv_req *q, srv_resp *r)
{
	int commit = want_commit(q, r);
	uint64_t added = 0, deleted = 0, before;
	json_t *objs = NULL, *lines = NULL;
	jdoc *js = NULL;
	att_status st = ATT_OK;
	size_t i, n;
	const char *type = srv_header(q, "Content-Type");

	if (commit < 0)
		return;
	if (!is_jsonl(type)) {
		post_document(w, q, r, type, commit);
		return;
	}
	if (parse_lines(&objs, &lines, q, r) != 0)
		return;
	n = json_array_size(objs);
	js = calloc(n, sizeof *js);
	if (js == NULL) {
		srv_error(r, 503, "out_of_memory", "out of memory");
		goto done;
	}
	if (build_all(js, objs, lines, r) != 0)
		goto done;
	pthread_mutex_lock(&w->mu);
	before = att_writer_replaced(w->w);
	for (i = 0; i < n && st == ATT_OK; i++) {
		uint32_t gone = 0;

		if (js[i].deletion) {
			st = att_writer_delete(&gone, w->w, js[i].d.id, js[i].d.id_len);
			deleted += gone;
		} else if ((st = att_writer_add(w->w, &js[i].d)) == ATT_OK) {
			added++;
		}
	}
	if (added + deleted > 0)
		w->pending++;
	if (st != ATT_OK) {
		char where[96];

		snprintf(where, sizeof where, "document %zu (%" PRIu64 " before it "
		         "were accepted): ", i, added + deleted);
		write_error(r, w, st, where);
	} else {
		finish(r, w, commit, json_pack("{s:I,s:I,s:I}", "added",
		       (json_int_t)added, "replaced",
		       (json_int_t)(att_writer_replaced(w->w) - before),
		       "deleted", (json_int_t)deleted));
	}
	pthread_mutex_unlock(&w->mu);
done:
	for (i = 0; js != NULL && i < n; i++)
		jdoc_release(&js[i]);
	free(js);
	json_decref(objs);
	json_decref(lines);
}
