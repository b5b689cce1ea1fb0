/*
 * frontmatter.c: a block of fields at the top of a text file.
 *
 *   ---
 *   date: 2025-05-29
 *   source: Dawn
 *   countries: [Pakistan, Türkiye, Azerbaijan]
 *   ---
 *   The title line
 *   The text ...
 *
 * The block opens with a line "---" as the file's first line and closes
 * with the next line "---". Each line between is "key: value" (blank
 * lines and lines starting with '#' are skipped). A value in square
 * brackets is a list, its items separated by commas; an item or a
 * scalar may be quoted with double quotes, which keeps its commas and
 * brackets. A key is a field name as att_field_name takes it, once per
 * block; "title" gives the document's title (the first line after the
 * block is then text). Every other key is a field of the document: a
 * list becomes a JSON array of strings, as a JSONL record would give it
 * (a keyword field's several values), a scalar its text.
 */
#include <stdio.h>
#include <string.h>

#include "indexer.h"

static int is_fence(const uint8_t *p, size_t n)
{
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
		n--;
	return n == 3 && memcmp(p, "---", 3) == 0;
}

static void trim_ws(const uint8_t **p, size_t *n)
{
	while (*n > 0 && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t' ||
	                  (*p)[*n - 1] == '\r'))
		(*n)--;
}

/* Appends S[0..N) as a JSON string (quotes, escapes) to B. */
static void put_json_string(att_buf *b, const uint8_t *s, size_t n)
{
	size_t i;

	att_buf_putc(b, '"');
	for (i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\') {
			att_buf_putc(b, '\\');
			att_buf_putc(b, s[i]);
		} else if (s[i] < 0x20) {
			char esc[8];

			snprintf(esc, sizeof esc, "\\u%04x", s[i]);
			att_buf_append(b, esc, 6);
		} else {
			att_buf_putc(b, s[i]);
		}
	}
	att_buf_putc(b, '"');
}

/* One item of a list or a scalar: its content (quotes removed). */
static void unquote(const uint8_t **p, size_t *n)
{
	trim_ws(p, n);
	if (*n >= 2 && (*p)[0] == '"' && (*p)[*n - 1] == '"') {
		(*p)++;
		*n -= 2;
	}
}

/* The list [a, b, "c, d"] in V[0..N) as a JSON array into B; -1 if a
 * quote is not closed. */
static int put_list(att_buf *b, const uint8_t *v, size_t n)
{
	size_t i = 1, start = 1, items = 0;
	int quoted = 0;

	att_buf_putc(b, '[');
	for (; i < n; i++) {
		if (v[i] == '"')
			quoted = !quoted;
		if (quoted || (v[i] != ',' && i + 1 < n))
			continue;
		{
			const uint8_t *it = v + start;
			size_t len = i - start;

			unquote(&it, &len);
			if (len > 0) {
				if (items++)
					att_buf_putc(b, ',');
				put_json_string(b, it, len);
			}
		}
		start = i + 1;
	}
	att_buf_putc(b, ']');
	return quoted ? -1 : 0;
}

att_status att_front_matter(att_fm *fm, const uint8_t *p, size_t n,
                            char *msg, size_t cap)
{
	const uint8_t *end = p + n, *q, *nl;
	size_t line = 1, i, nf = 0;
	struct { size_t name, name_len, value, value_len; } at[ATT_FM_MAX];

	fm->used = 0;
	fm->nfields = 0;
	fm->title = NULL;
	fm->title_len = 0;
	fm->lines = 0;
	att_buf_clear(&fm->arena);
	nl = memchr(p, '\n', n);
	if (nl == NULL || !is_fence(p, (size_t)(nl - p)))
		return ATT_OK;   /* no block */
	for (q = nl + 1;; q = nl + 1) {
		const uint8_t *k, *v, *colon;
		size_t kn, vn, ln;
		char name[ATT_FIELD_NAME_MAX + 1];

		line++;
		if (q >= end) {
			snprintf(msg, cap, "1: front matter opened with --- is not "
			         "closed");
			return ATT_EINPUT;
		}
		nl = memchr(q, '\n', (size_t)(end - q));
		ln = (size_t)((nl != NULL ? nl : end) - q);
		if (is_fence(q, ln)) {
			fm->used = (size_t)((nl != NULL ? nl + 1 : end) - p);
			fm->lines = line;
			break;
		}
		if (nl == NULL)
			nl = end - 1;   /* the loop ends at the check above */
		k = q;
		kn = ln;
		trim_ws(&k, &kn);
		if (kn == 0 || k[0] == '#')
			continue;
		colon = memchr(k, ':', kn);
		if (colon == NULL) {
			snprintf(msg, cap, "%zu: front matter line is not "
			         "\"key: value\"", line);
			return ATT_EINPUT;
		}
		v = colon + 1;
		vn = kn - (size_t)(v - k);
		kn = (size_t)(colon - k);
		trim_ws(&k, &kn);
		trim_ws(&v, &vn);
		if (att_field_name(name, (const char *)k, kn) == 0) {
			snprintf(msg, cap, "%zu: \"%.*s\" is not a field name (1 "
			         "to 32 letters, digits, _ - .)", line,
			         (int)(kn > 40 ? 40 : kn), (const char *)k);
			return ATT_EINPUT;
		}
		name[kn] = '\0';
		if (fm->arena.rc != ATT_OK)   /* its bytes may be gone */
			return ATT_ENOMEM;
		for (i = 0; i < nf; i++)
			if (at[i].name_len == kn &&
			    strncmp((const char *)fm->arena.p + at[i].name, name, kn) == 0)
				break;
		if (i < nf || (kn == 5 && memcmp(name, "title", 5) == 0 &&
		               fm->title_len > 0)) {
			snprintf(msg, cap, "%zu: \"%s\" is given twice", line, name);
			return ATT_EINPUT;
		}
		if ((kn == 2 && memcmp(name, "id", 2) == 0) ||
		    (kn == 4 && memcmp(name, "text", 4) == 0)) {
			snprintf(msg, cap, "%zu: \"%s\" cannot be set in front "
			         "matter", line, name);
			return ATT_EINPUT;
		}
		if (kn == 5 && memcmp(name, "title", 5) == 0) {
			unquote(&v, &vn);
			fm->title = (const char *)v;   /* into the file's bytes */
			fm->title_len = vn;
			continue;
		}
		if (nf == ATT_FM_MAX) {
			snprintf(msg, cap, "%zu: more than %d front matter fields",
			         line, ATT_FM_MAX);
			return ATT_EINPUT;
		}
		at[nf].name = fm->arena.n;
		at[nf].name_len = kn;
		att_buf_append(&fm->arena, name, kn);
		att_buf_putc(&fm->arena, '\0');
		at[nf].value = fm->arena.n;
		if (vn > 0 && v[0] == '[') {
			if (v[vn - 1] != ']' || put_list(&fm->arena, v, vn) != 0) {
				snprintf(msg, cap, "%zu: a list is [a, b, ...], its "
				         "quotes closed", line);
				return ATT_EINPUT;
			}
		} else {
			unquote(&v, &vn);
			att_buf_append(&fm->arena, v, vn);
		}
		at[nf].value_len = fm->arena.n - at[nf].value;
		att_buf_putc(&fm->arena, '\0');
		nf++;
	}
	if (fm->arena.rc != ATT_OK) {
		snprintf(msg, cap, "out of memory");
		return ATT_ENOMEM;
	}
	for (i = 0; i < nf; i++) {   /* the arena is final: point into it */
		fm->fields[i].name = (const char *)fm->arena.p + at[i].name;
		fm->fields[i].name_len = at[i].name_len;
		fm->fields[i].value = (const char *)fm->arena.p + at[i].value;
		fm->fields[i].value_len = at[i].value_len;
	}
	fm->nfields = nf;
	return ATT_OK;
}
