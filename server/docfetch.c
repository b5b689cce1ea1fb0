/*
 * docfetch.c: a document by its id as JSON, for GET /documents/{id} and
 * the fields= of a search, through att_searcher_document (either
 * backend). The document is read from the slot's own searcher, so it is
 * the generation the slot searches, and no two threads share a handle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

/* Whether field NAME is asked for by WANT ("*" or an array of names). */
static int wanted(const json_t *want, const char *name, size_t len)
{
	size_t i;
	json_t *v;

	if (json_is_string(want))
		return 1;
	json_array_foreach(want, i, v)
		if (json_string_length(v) == len &&
		    memcmp(json_string_value(v), name, len) == 0)
			return 1;
	return 0;
}

/* D's fields (those WANT names, if WANT) set on O. 0, or -1 if out of
 * memory. */
static int set_fields(json_t *o, const att_doc *d, const json_t *want)
{
	size_t i;

	for (i = 0; i < d->nfields; i++) {
		const att_field *f = &d->fields[i];
		char key[256];

		if (f->name_len >= sizeof key ||
		    (want != NULL && !wanted(want, f->name, f->name_len)))
			continue;
		memcpy(key, f->name, f->name_len);
		key[f->name_len] = '\0';
		if (json_object_set_new(o, key, json_stringn(f->value, f->value_len)))
			return -1;
	}
	return 0;
}

att_status srv_document_json(json_t **out, att_searcher *s, const char *id,
                             size_t id_len, const json_t *want)
{
	json_t *o = NULL, *fields = NULL;
	att_status rc;
	int found = 0;
	att_doc d;

	*out = NULL;
	rc = att_searcher_document(&d, &found, s, id, id_len);
	if (rc != ATT_OK || !found)
		return rc;
	o = json_object();
	fields = want ? o : json_object();
	if (o == NULL || fields == NULL || set_fields(fields, &d, want) != 0 ||
	    (want == NULL &&
	     (json_object_set_new(o, "id", json_stringn(d.id, d.id_len)) ||
	      json_object_set_new(o, "title", json_stringn(d.title, d.title_len)) ||
	      json_object_set_new(o, "text", json_stringn(d.text, d.text_len)) ||
	      json_object_set(o, "fields", fields)))) {
		if (fields != o)
			json_decref(fields);
		json_decref(o);
		return ATT_ENOMEM;
	}
	if (fields != o)
		json_decref(fields);
	*out = o;
	return ATT_OK;
}
