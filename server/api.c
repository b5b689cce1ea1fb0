/*
 * api.c: the read endpoints.
 *
 *   GET /search?q=&filter=&sort=&facet=&n=&offset=&passages=&fields=&and=
 *               &syntax=&strict=&explain=
 *   GET /documents/{id}
 *   GET /stats
 *   GET /health
 *   GET /, /app.js, /app.css   (the search page, page/)
 *
 * Each handler checks its parameters against the limits of the server's
 * configuration, takes a searcher from the pool for as long as it needs
 * one, and answers JSON (docs/HTTP.md gives every shape). A hit's
 * passages carry their byte offsets into the stored text, their text,
 * the byte ranges of the matched words within it ("marks"), and the same
 * text HTML-escaped with <mark> around the matches ("html"), ready for
 * a page.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

/* ---- parameters ------------------------------------------------------------ */

int srv_utf8(const char *s, size_t n)
{
	json_t *j = memchr(s, '\0', n) ? NULL : json_stringn(s, n);

	json_decref(j);
	return j != NULL;
}

/* Parameter NAME as a whole number up to MAX (DEF if absent): 0, or 1
 * with R filled. */
static int count_arg(size_t *out, const srv_req *q, const char *name,
                     size_t def, size_t max, srv_resp *r)
{
	size_t len, i;
	const char *v = srv_arg(q, name, &len);
	unsigned long long x = 0;

	*out = def;
	if (v == NULL)
		return 0;
	for (i = 0; i < len && i < 12; i++) {
		if (v[i] < '0' || v[i] > '9')
			break;
		x = x * 10 + (unsigned)(v[i] - '0');
	}
	if (len == 0 || i < len) {
		srv_error(r, 400, "invalid_parameter", "%s must be a whole number",
		          name);
		return 1;
	}
	if (x > max) {
		srv_error(r, 400, "limit_exceeded", "%s is over its limit of %zu",
		          name, max);
		return 1;
	}
	*out = (size_t)x;
	return 0;
}

/* Parameter NAME as a boolean: "true"/"1"/"" or "false"/"0". */
static int bool_arg(int *out, const srv_req *q, const char *name,
                    srv_resp *r)
{
	size_t len;
	const char *v = srv_arg(q, name, &len);

	*out = 0;
	if (v == NULL)
		return 0;
	if (len == 0 || (len == 4 && memcmp(v, "true", 4) == 0) ||
	    (len == 1 && v[0] == '1')) {
		*out = 1;
		return 0;
	}
	if ((len == 5 && memcmp(v, "false", 5) == 0) || (len == 1 && v[0] == '0'))
		return 0;
	srv_error(r, 400, "invalid_parameter", "%s must be true or false", name);
	return 1;
}

/* fields=a,b,c as a JSON array of names, or "*"; NULL (and no error) if
 * absent. */
static int fields_arg(json_t **out, const srv_req *q, srv_resp *r)
{
	size_t len, at = 0;
	const char *v = srv_arg(q, "fields", &len);
	json_t *a;

	*out = NULL;
	if (v == NULL || len == 0)
		return 0;
	if (len == 1 && v[0] == '*') {
		*out = json_string("*");
		return 0;
	}
	if ((a = json_array()) == NULL) {
		srv_error(r, 503, "out_of_memory", "out of memory");
		return 1;
	}
	while (at <= len) {
		const char *comma = memchr(v + at, ',', len - at);
		size_t end = comma ? (size_t)(comma - v) : len;
		json_t *name = json_stringn(v + at, end - at);

		if (name == NULL || json_array_size(a) >= 64) {
			json_decref(name);
			json_decref(a);
			srv_error(r, 400, "invalid_parameter", "fields must be at most "
			          "64 UTF-8 names, separated by commas, or *");
			return 1;
		}
		if (end > at)
			json_array_append(a, name);
		json_decref(name);
		at = end + 1;
	}
	*out = a;
	return 0;
}

/* syntax=forgiving|strict|plain, or strict=1 (strict=0 changes nothing):
 * 0, or 1 with R filled. */
static int syntax_arg(att_syntax *out, const srv_req *q, srv_resp *r)
{
	size_t len;
	const char *v = srv_arg(q, "syntax", &len);
	int strict;

	*out = ATT_SYNTAX_FORGIVING;
	if (v != NULL) {
		if (len == 6 && memcmp(v, "strict", 6) == 0)
			*out = ATT_SYNTAX_STRICT;
		else if (len == 5 && memcmp(v, "plain", 5) == 0)
			*out = ATT_SYNTAX_PLAIN;
		else if (!(len == 9 && memcmp(v, "forgiving", 9) == 0)) {
			srv_error(r, 400, "invalid_parameter", "syntax must be forgiving, "
			          "strict or plain");
			return 1;
		}
	}
	if (bool_arg(&strict, q, "strict", r))
		return 1;
	if (strict)
		*out = ATT_SYNTAX_STRICT;
	return 0;
}

/* The query S[0..n) as a JSON string to echo, each byte that is not part
 * of valid UTF-8 (or is NUL) shown as U+FFFD; NULL on out of memory. */
static json_t *echo_query(const char *s, size_t n)
{
	char *out = malloc(n * 3 + 1);
	size_t i = 0, o = 0;
	json_t *j;

	if (out == NULL)
		return NULL;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t k = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
		json_t *one = c != 0 && i + k <= n ? json_stringn(s + i, k) : NULL;

		if (one != NULL) {  /* jansson's own check of the sequence */
			memcpy(out + o, s + i, k);
			o += k;
			i += k;
			json_decref(one);
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	j = json_stringn(out, o);
	free(out);
	return j;
}

/* ---- search ---------------------------------------------------------------- */

/* S[0..n) HTML-escaped into B (a growing string; NULL on out of
 * memory). */
static void html_add(char **b, size_t *bn, const char *s, size_t n,
                     int escape)
{
	size_t i, need = *bn + n * 6 + 1;
	char *p;

	if (*b == NULL && *bn > 0)
		return;
	p = realloc(*b, need);
	if (p == NULL) {
		free(*b);
		*b = NULL;
		return;
	}
	*b = p;
	for (i = 0; i < n; i++) {
		const char *rep = NULL;

		if (escape)
			rep = s[i] == '&' ? "&amp;" : s[i] == '<' ? "&lt;" :
			      s[i] == '>' ? "&gt;" : s[i] == '"' ? "&quot;" :
			      s[i] == '\'' ? "&#39;" : NULL;
		if (rep != NULL) {
			memcpy(p + *bn, rep, strlen(rep));
			*bn += strlen(rep);
		} else {
			p[(*bn)++] = s[i];
		}
	}
	p[*bn] = '\0';
}

/* The passage as JSON. */
static json_t *passage_json(const att_passage *p)
{
	json_t *o, *marks = json_array();
	char *html = NULL;
	size_t hn = 0, at = 0, k;

	for (k = 0; marks != NULL && k < p->nmarks; k++) {
		const att_mark *m = &p->marks[k];

		json_array_append_new(marks, json_pack("[I,I]", (json_int_t)m->start,
		                                       (json_int_t)m->end));
		html_add(&html, &hn, p->text + at, m->start - at, 1);
		html_add(&html, &hn, "<mark>", 6, 0);
		html_add(&html, &hn, p->text + m->start, m->end - m->start, 1);
		html_add(&html, &hn, "</mark>", 7, 0);
		at = m->end;
	}
	html_add(&html, &hn, p->text + at, p->text_len - at, 1);
	o = json_pack("{s:I,s:I,s:f,s:s%,s:o,s:s%}",
	              "start", (json_int_t)p->start, "end", (json_int_t)p->end,
	              "score", p->score, "text", p->text, p->text_len,
	              "marks", marks, "html", html ? html : "", html ? hn : 0);
	free(html);
	if (o != NULL && p->page > 0)
		json_object_set_new(o, "page", json_integer((json_int_t)p->page));
	return o;
}

static json_t *number_json(double v)
{
	int whole = v >= -9e15 && v <= 9e15 && v == (double)(json_int_t)v;

	return whole ? json_integer((json_int_t)v) : json_real(v);
}

json_t *srv_facets(const att_results *res)
{
	json_t *o = json_object();
	size_t i, k, n;

	for (i = 0; o != NULL && i < att_results_facets(res); i++) {
		const char *name = att_results_facet(res, i, &n);
		json_t *arr = json_array();

		for (k = 0; arr != NULL && k < n; k++) {
			att_facet_value v;
			json_t *e;

			att_results_facet_value(&v, res, i, k);
			e = json_pack("{s:s%,s:I}", "value", v.value, v.value_len,
			              "count", (json_int_t)v.count);
			if (e != NULL && isfinite(v.from))   /* a range's bounds */
				json_object_set_new(e, "from", number_json(v.from));
			if (e != NULL && isfinite(v.to))
				json_object_set_new(e, "to", number_json(v.to));
			json_array_append_new(arr, e);
		}
		json_object_set_new(o, name, arr);
	}
	return o;
}

json_t *srv_typed_fields(const att_results *res, size_t i)
{
	json_t *o = json_object(), *arr = NULL;
	const char *arr_name = NULL;
	att_hit hit;
	size_t k;

	att_results_hit(&hit, res, i);
	for (k = 0; o != NULL && k < hit.nfields; k++) {
		att_hit_field f;

		att_results_field(&f, res, i, k);
		if (f.type == ATT_FIELD_KEYWORD) { /* an array, its values in a row */
			if (arr_name == NULL || strcmp(arr_name, f.name) != 0) {
				arr = json_array();
				arr_name = f.name;
				json_object_set_new(o, f.name, arr);
			}
			json_array_append_new(arr, json_stringn(f.value, f.value_len));
		} else if (f.type == ATT_FIELD_NUMBER) {
			json_object_set_new(o, f.name, number_json(f.number));
		} else {
			json_object_set_new(o, f.name, json_stringn(f.value, f.value_len));
		}
	}
	return o;
}

/* The hits of RES as a JSON array: each hit's typed fields, and with
 * FIELDS its stored fields too (read through the slot's searcher). */
static json_t *hits_json(const att_results *res, srv_slot *slot,
                         const json_t *fields)
{
	json_t *hits = json_array();
	size_t i, k;

	for (i = 0; hits != NULL && i < att_results_count(res); i++) {
		json_t *h, *ps = json_array(), *f = NULL;
		att_hit hit;

		att_results_hit(&hit, res, i);
		for (k = 0; ps != NULL && k < hit.npassages; k++) {
			att_passage p;

			att_results_passage(&p, res, i, k);
			json_array_append_new(ps, passage_json(&p));
		}
		h = json_pack("{s:s%,s:s%,s:f,s:o}", "id", hit.id, hit.id_len,
		              "title", hit.title, hit.title_len, "score", hit.score,
		              "passages", ps);
		if (h != NULL && hit.npassages > 0) {   /* a PDF's: the best passage's */
			att_passage p;

			att_results_passage(&p, res, i, 0);
			if (p.page > 0)
				json_object_set_new(h, "page", json_integer((json_int_t)p.page));
		}
		if (h != NULL && hit.explanation != NULL)
			json_object_set_new(h, "explanation",
			                    json_string(hit.explanation));
		if (h != NULL && fields != NULL &&
		    srv_document_json(&f, slot->s, hit.id, hit.id_len,
		                      fields) == ATT_OK && f != NULL)
			json_object_set_new(h, "fields", f);
		if (h != NULL && hit.nfields > 0) { /* typed values win */
			json_t *t = srv_typed_fields(res, i), *all;

			all = json_object_get(h, "fields");
			if (all == NULL)
				json_object_set_new(h, "fields", t);
			else {
				json_object_update(all, t);
				json_decref(t);
			}
		}
		if (h == NULL || json_array_append_new(hits, h) != 0) {
			json_decref(hits);
			hits = NULL;
		}
	}
	return hits;
}

/* The filter parameters, each a query: 0, or 1 with R filled. */
static int filter_args(att_search_options *o, const char **v, const srv_req *q,
                       size_t max_query, srv_resp *r)
{
	size_t len[ATT_SEARCH_MAX_FILTERS], i;

	o->nfilters = srv_args(q, "filter", v, len, ATT_SEARCH_MAX_FILTERS);
	o->filters = v;
	if (o->nfilters > ATT_SEARCH_MAX_FILTERS) {
		srv_error(r, 400, "invalid_parameter", "at most %d filter parameters",
		          ATT_SEARCH_MAX_FILTERS);
		return 1;
	}
	for (i = 0; i < o->nfilters; i++) {
		if (len[i] > max_query) {
			srv_error(r, 400, "query_too_long", "filter %zu is over %zu "
			          "bytes", i + 1, max_query);
			return 1;
		}
		if (!srv_utf8(v[i], len[i])) {
			srv_error(r, 400, "invalid_utf8", "filter %zu is not valid "
			          "UTF-8", i + 1);
			return 1;
		}
	}
	return 0;
}

/* The facet parameters (the library checks them): 0, or 1 with R
 * filled. */
static int facet_args(att_search_options *o, const char **v, const srv_req *q,
                      srv_resp *r)
{
	size_t len[ATT_SEARCH_MAX_FACETS], i;

	o->nfacets = srv_args(q, "facet", v, len, ATT_SEARCH_MAX_FACETS);
	o->facets = v;
	if (o->nfacets > ATT_SEARCH_MAX_FACETS) {
		srv_error(r, 400, "invalid_parameter", "at most %d facet parameters",
		          ATT_SEARCH_MAX_FACETS);
		return 1;
	}
	for (i = 0; i < o->nfacets; i++)
		if (len[i] > 1024 || memchr(v[i], '\0', len[i]) != NULL) {
			srv_error(r, 400, "invalid_parameter", "facet %zu is not FIELD, "
			          "FIELD:N, DATE:year|month|day or NUMBER:ranges=A,B",
			          i + 1);
			return 1;
		}
	return 0;
}

/* sort=FIELD[:asc|:desc]: 0, or 1 with R filled (the library checks
 * the field). */
static int sort_arg(att_search_options *o, const srv_req *q, srv_resp *r)
{
	size_t len;
	const char *v = srv_arg(q, "sort", &len);

	if (v == NULL || len == 0)
		return 0;
	if (len > 64 || memchr(v, '\0', len) != NULL) {
		srv_error(r, 400, "invalid_parameter", "sort must be FIELD, FIELD:asc "
		          "or FIELD:desc");
		return 1;
	}
	o->sort = v;
	return 0;
}

void api_search(srv *s, const srv_req *q, srv_resp *r)
{
	const char *filters[ATT_SEARCH_MAX_FILTERS];
	const char *facet_specs[ATT_SEARCH_MAX_FACETS];
	const srv_config *c = srv_cfg(s);
	att_search_options o;
	att_results *res = NULL;
	json_t *fields = NULL, *qs;
	size_t qlen, len;
	const char *qv = srv_arg(q, "q", &qlen);
	int syn = 1;
	srv_slot *slot;
	att_status st;
	double t0, took;

	att_search_options_init(&o);
	if (filter_args(&o, filters, q, c->max_query, r) || sort_arg(&o, q, r) ||
	    facet_args(&o, facet_specs, q, r))
		return;
	if (qv == NULL && o.nfilters > 0) {   /* filters alone: every document */
		qv = "";
		qlen = 0;
	}
	if (qv == NULL) {
		srv_error(r, 400, "missing_parameter", "the parameter q (the query) "
		          "is required");
		return;
	}
	if (qlen > c->max_query) {
		srv_error(r, 400, "query_too_long", "the query is over %zu bytes",
		          c->max_query);
		return;
	}
	if (syntax_arg(&o.syntax, q, r))
		return;
	qs = srv_utf8(qv, qlen) ? json_stringn(qv, qlen) : NULL;
	if (qs == NULL && o.syntax == ATT_SYNTAX_STRICT) {
		srv_error(r, 400, "invalid_utf8", "the query is not valid UTF-8");
		return;
	}
	if (qs == NULL && (qs = echo_query(qv, qlen)) == NULL) {
		srv_error(r, 503, "out_of_memory", "out of memory");
		return;
	}
	if (count_arg(&o.n, q, "n", 10, c->max_hits, r) ||
	    count_arg(&o.offset, q, "offset", 0, c->max_offset, r) ||
	    count_arg(&o.passages, q, "passages", 1, 8, r) ||
	    bool_arg(&o.require_all, q, "and", r) ||
	    bool_arg(&o.explain, q, "explain", r) || fields_arg(&fields, q, r) ||
	    (srv_arg(q, "synonyms", &len) != NULL &&   /* default true */
	     bool_arg(&syn, q, "synonyms", r))) {
		json_decref(qs);
		return;
	}
	o.no_synonyms = !syn;
	slot = srv_pool_get(srv_searchers(s));
	t0 = srv_now();
	st = att_search(&res, slot->s, qv, qlen, &o);
	took = (srv_now() - t0) * 1000;
	if (st != ATT_OK) {
		const char *code;
		unsigned status = srv_status_for(st, &code);

		srv_error(r, status, code, "%s", att_searcher_errmsg(slot->s));
		srv_pool_put(srv_searchers(s), slot);
		json_decref(qs);
		json_decref(fields);
		return;
	}
	r->json = json_pack("{s:o,s:I,s:b,s:f,s:I,s:I,s:o}", "query", qs,
	                    "total", (json_int_t)att_results_total(res),
	                    "total_exact", att_results_total_exact(res),
	                    "took_ms", (double)(long long)(took * 1000) / 1000,
	                    "offset", (json_int_t)o.offset, "n", (json_int_t)o.n,
	                    "hits", hits_json(res, slot, fields));
	srv_pool_put(srv_searchers(s), slot);
	if (r->json != NULL && att_results_notes(res) > 0) {
		json_t *notes = json_array();
		size_t i;

		for (i = 0; i < att_results_notes(res); i++)
			json_array_append_new(notes, json_string(att_results_note(res, i)));
		json_object_set_new(r->json, "notes", notes);
	}
	if (r->json != NULL && att_results_facets(res) > 0)
		json_object_set_new(r->json, "facets", srv_facets(res));
	if (r->json != NULL && att_results_query(res) != NULL)
		json_object_set_new(r->json, "searched",
		                    json_string(att_results_query(res)));
	if (r->json != NULL && att_results_suggestion(res) != NULL)
		json_object_set_new(r->json, "suggestion",
		                    json_string(att_results_suggestion(res)));
	att_results_free(res);
	json_decref(fields);
	if (r->json == NULL)
		srv_error(r, 503, "out_of_memory", "out of memory");
}

/* ---- documents, stats, health, the page ------------------------------------- */

void api_document(srv *s, const char *id, size_t id_len, srv_resp *r)
{
	json_t *doc = NULL;
	srv_slot *slot;
	att_status st = ATT_OK;
	char msg[512];

	if (id_len == 0 || id_len > 1024 || !srv_utf8(id, id_len)) {
		srv_error(r, 400, "invalid_id", "a document id is 1 to 1024 bytes of "
		          "UTF-8");
		return;
	}
	slot = srv_pool_get(srv_searchers(s));
	st = srv_document_json(&doc, slot->s, id, id_len, NULL);
	if (st != ATT_OK)
		snprintf(msg, sizeof msg, "%s", att_searcher_errmsg(slot->s));
	srv_pool_put(srv_searchers(s), slot);
	if (st != ATT_OK) {
		const char *code;
		unsigned status = srv_status_for(st, &code);

		srv_error(r, status, code, "%s", msg);
	} else if (doc == NULL) {
		srv_error(r, 404, "not_found", "no document with id \"%.*s\"",
		          (int)(id_len > 200 ? 200 : id_len), id);
	} else {
		r->json = doc;
	}
}

void api_stats(srv *s, srv_resp *r)
{
	srv_slot *slot = srv_pool_get(srv_searchers(s));
	uint64_t pending = 0, commits = 0;
	json_t *fields;
	att_index_stats st;
	att_status rc;
	size_t i;

	rc = att_searcher_stats(&st, slot->s);
	if (rc != ATT_OK) {
		const char *code;
		unsigned status = srv_status_for(rc, &code);

		srv_error(r, status, code, "%s", att_searcher_errmsg(slot->s));
		srv_pool_put(srv_searchers(s), slot);
		return;
	}
	fields = json_array();
	for (i = 0; fields != NULL && i < att_searcher_fields(slot->s); i++) {
		att_field_type type;
		const char *name = att_searcher_field(slot->s, i, &type);

		json_array_append_new(fields, json_pack("{s:s,s:s}", "name", name,
		                      "type", type == ATT_FIELD_DATE ? "date"
		                      : type == ATT_FIELD_NUMBER ? "number"
		                      : "keyword"));
	}
	srv_pool_put(srv_searchers(s), slot);
	if (srv_writer(s) != NULL)
		srv_writes_counts(srv_writer(s), &pending, &commits);
	r->json = json_pack(
	    "{s:I,s:I,s:I,s:I,s:I,s:i,s:I,s:s,"
	    "s:{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I},"
	    "s:{s:b,s:I,s:I,s:i,s:i}}",
	    "docs", (json_int_t)st.docs, "terms", (json_int_t)st.terms,
	    "postings", (json_int_t)st.postings,
	    "positions", (json_int_t)st.positions,
	    "raw_bytes", (json_int_t)st.raw_bytes, "segments", (int)st.segments,
	    "generation", (json_int_t)st.generation, "language", st.language,
	    "bytes", "dictionary", (json_int_t)st.bytes_dict,
	    "postings", (json_int_t)st.bytes_postings,
	    "positions", (json_int_t)st.bytes_positions,
	    "documents", (json_int_t)st.bytes_docs,
	    "sentences", (json_int_t)st.bytes_sentences,
	    "store", (json_int_t)st.bytes_store,
	    "values", (json_int_t)st.bytes_values,
	    "manifest", (json_int_t)st.bytes_manifest,
	    "server", "writes", srv_writer(s) != NULL,
	    "pending_writes", (json_int_t)pending, "commits", (json_int_t)commits,
	    "commit_interval", (int)srv_cfg(s)->commit_interval,
	    "threads", (int)srv_cfg(s)->threads);
	if (r->json != NULL && fields != NULL)
		json_object_set_new(r->json, "fields", fields);
	else
		json_decref(fields);
	if (r->json == NULL)
		srv_error(r, 503, "out_of_memory", "out of memory");
}

void api_health(srv *s, srv_resp *r)
{
	r->json = json_pack("{s:s,s:s,s:b}", "status", "ok", "version",
	                    att_version(), "writes", srv_writer(s) != NULL);
	if (r->json == NULL)
		srv_error(r, 503, "out_of_memory", "out of memory");
}

int api_page(const char *path, srv_resp *r)
{
	size_t i;

	for (i = 0; i < srv_nassets; i++)
		if (strcmp(path, srv_assets[i].path) == 0) {
			r->status = 200;
			r->raw = (const char *)srv_assets[i].data;
			r->raw_len = srv_assets[i].len;
			r->type = srv_assets[i].type;
			return 1;
		}
	return 0;
}
