/*
 * docan.c: analysing one document the way the index records it.
 *
 * The writer, the deletion adjustments and the index checker must agree
 * to the token on what a document contributes, so the one definition
 * lives here: title tokens take positions from 0, text tokens from the
 * title's count plus ATT_TEXT_GAP (so no phrase spans the two), each
 * token's term is interned in the given inverter and collected as a key
 * (term id << 32 | position); the document's length is its number of
 * title and text tokens, and the title's own count is kept too. The
 * text's sentences give the sentence table: per sentence its first
 * token's position and the byte where it begins, then an end sentinel
 * (one past the last text position, and the text's length), as deltas
 * from the previous entry.
 *
 * Field terms (format.h) come on top, outside the length and the
 * sentence table: each title token once more as "\x02title:TERM" at the
 * same position, then each indexed extra field's tokens as
 * "\x02NAME:TERM" from position 0. An extra field is indexed if
 * att_field_name accepts its name, unless that name, lowercased, is id,
 * title or text (their terms would mix with the title's, or read as the
 * built-in fields) or repeats an earlier field's (the two would give one
 * term the same position twice); and only the first ATT_FIELDS_INDEXED
 * such fields are. A typed field (values.c) is not analysed into words:
 * a keyword field's values are field terms each whole, "\x02NAME:VALUE"
 * folded, at positions 0, 1, ... in byte order; a date or number field
 * has none. Last comes the id term (the byte ATT_ID_PREFIX and the id)
 * at position 0, as keys[nkeys].
 */
#include <assert.h>
#include <string.h>

#include "indexer.h"

_Static_assert(ATT_FIELD_TERM_MAX == ATT_FIELD_NAME_MAX + 2 + ATT_MAX_TERM,
               "a field term holds a field name and any analysed term");

void att_docan_init(att_docan *da, att_analyzer *an, att_inverter *inv)
{
	memset(da, 0, sizeof *da);
	da->an = an;
	da->inv = inv;
	att_buf_init(&da->sent);
	att_docvals_init(&da->vals);
}

void att_docan_release(att_docan *da)
{
	att_free(da->keys);
	att_buf_release(&da->sent);
	att_docvals_release(&da->vals);
	memset(da, 0, sizeof *da);
}

static int push(att_docan *da, const char *term, size_t len, uint32_t pos)
{
	int64_t id;

	if (da->nkeys == da->capkeys) {
		size_t cap = da->capkeys ? da->capkeys * 2 : 4096;
		uint64_t *k = att_realloc(da->keys, cap * sizeof *k);

		if (k == NULL)
			return ATT_ENOMEM;
		da->keys = k;
		da->capkeys = cap;
	}
	id = att_inverter_intern(da->inv, term, len);
	if (id < 0)
		return ATT_ENOMEM;
	da->keys[da->nkeys++] = (uint64_t)id << 32 | pos;
	return ATT_OK;
}

/* The token as a term of the field named da->field[nfield - 1]. */
static int on_field_token(void *ctx, const att_token *tok)
{
	att_docan *da = ctx;
	char term[ATT_FIELD_TERM_MAX];
	size_t n = att_field_term(term, sizeof term, da->field[da->nfield - 1],
	                          da->field_len, tok->term, tok->term_len);

	assert(n > 0); /* analysed terms are at most ATT_MAX_TERM bytes */
	return push(da, term, n, tok->pos);
}

/* A title or text token: a default-field term, and for the title (while
 * field_len is set) a field term too. */
static int on_token(void *ctx, const att_token *tok)
{
	att_docan *da = ctx;
	int rc;

	da->last_pos = tok->pos;
	da->ntok++;
	rc = push(da, tok->term, tok->term_len, tok->pos);
	if (rc == ATT_OK && da->field_len > 0)
		rc = on_field_token(ctx, tok);
	return rc;
}

/* As on_token, and records sentence starts. */
static int on_text_token(void *ctx, const att_token *tok)
{
	att_docan *da = ctx;

	if (tok->sentence_start) {
		att_buf_put_varint(&da->sent, tok->pos - da->sent_pos);
		att_buf_put_varint(&da->sent, tok->sentence_off - da->sent_byte);
		da->sent_pos = tok->pos;
		da->sent_byte = (uint32_t)tok->sentence_off;
		da->nsent++;
	}
	return on_token(ctx, tok);
}

/* Makes extra field NAME the next field indexed (its lowercased name
 * goes into da->field[nfield++]) if it qualifies; returns 0 if not. */
static int take_field(att_docan *da, const char *name, size_t len)
{
	static const char *const builtin[] = { "id", "title", "text" };
	char *f = da->field[da->nfield];
	size_t n, i;

	if (da->nfield > ATT_FIELDS_INDEXED)
		return 0;
	n = att_field_name(f, name, len);
	f[n] = '\0';
	for (i = 0; n > 0 && i < sizeof builtin / sizeof builtin[0]; i++)
		if (strcmp(f, builtin[i]) == 0)
			n = 0;
	for (i = 0; n > 0 && i < da->nfield; i++)
		if (strcmp(f, da->field[i]) == 0)
			n = 0;
	if (n == 0)
		return 0;
	da->nfield++;
	da->field_len = n;
	return 1;
}

/* 1 if the field named NAME is typed: not analysed into words. */
static int typed(const att_docan *da, const char *name, size_t len)
{
	char low[ATT_FIELD_NAME_MAX];
	size_t n;

	if (da->schema == NULL || da->schema->n == 0)
		return 0;
	n = att_field_name(low, name, len);
	return n > 0 && att_schema_find(da->schema, low, n) >= 0;
}

/* The keyword values of da->vals as field terms. */
static att_status keyword_terms(att_docan *da)
{
	char term[2 + ATT_FIELD_NAME_MAX + ATT_KEYWORD_MAX];
	size_t off = 0, k;
	uint32_t pos = 0;
	int prev = -1, rc;

	for (k = 0; k < da->vals.nkw; k++) {
		const uint8_t *e = da->vals.kw.p + off;
		size_t len = att_get_u16le(e + 1);
		const char *name = da->schema->f[e[0]].name;
		size_t n = att_field_term(term, sizeof term, name,
		                          da->schema->f[e[0]].len,
		                          (const char *)e + 3, len);

		pos = e[0] == prev ? pos + 1 : 0;
		prev = e[0];
		rc = push(da, term, n, pos);
		if (rc != ATT_OK)
			return rc;
		off += 3 + len;
	}
	return ATT_OK;
}

static att_status analyse_fields(att_docan *da, const att_doc *d)
{
	size_t i;
	int rc;

	if (da->schema != NULL && da->schema->n > 0) {
		rc = att_docvals_extract(&da->vals, da->schema, d, da->msg,
		                         sizeof da->msg);
		if (rc == ATT_OK)
			rc = keyword_terms(da);
		if (rc != ATT_OK)
			return rc;
	}
	for (i = 0; i < d->nfields; i++) {
		const att_field *f = &d->fields[i];

		if (typed(da, f->name, f->name_len) ||
		    !take_field(da, f->name, f->name_len))
			continue;
		rc = att_analyze(da->an, f->value, f->value_len, 0,
		                 on_field_token, da, NULL);
		if (rc != ATT_OK)
			return rc;
	}
	da->field_len = 0;
	return ATT_OK;
}

att_status att_docan_run(att_docan *da, const att_doc *d)
{
	char term[ATT_ID_MAX + 1];
	uint32_t base, pos_end;
	int rc;

	if (d->id_len == 0 || d->id_len > ATT_ID_MAX)
		return ATT_EINVAL;
	da->nkeys = 0;
	da->ntok = 0;
	da->nsent = 0;
	da->sent_pos = 0;
	da->sent_byte = 0;
	da->last_pos = 0;
	da->nfield = 0;
	att_buf_clear(&da->sent);
	memcpy(da->field[0], "title", sizeof "title");
	da->nfield = 1;
	da->field_len = 5;
	rc = att_analyze(da->an, d->title, d->title_len, 0, on_token, da, NULL);
	da->field_len = 0;
	if (rc != ATT_OK)
		return rc;
	da->title_len = da->ntok;
	base = da->title_len + ATT_TEXT_GAP;
	rc = att_analyze(da->an, d->text, d->text_len, base, on_text_token, da,
	                 NULL);
	if (rc != ATT_OK)
		return rc;
	pos_end = da->nsent ? da->last_pos + 1 : base;
	att_buf_put_varint(&da->sent, pos_end - da->sent_pos);
	att_buf_put_varint(&da->sent, d->text_len - da->sent_byte);
	if (da->sent.rc != ATT_OK)
		return ATT_ENOMEM;
	da->length = da->ntok;
	if ((rc = analyse_fields(da, d)) != ATT_OK)
		return rc;
	term[0] = ATT_ID_PREFIX;
	memcpy(term + 1, d->id, d->id_len);
	rc = push(da, term, d->id_len + 1, 0);
	if (rc != ATT_OK)
		return rc;
	da->nkeys--; /* keys[nkeys] is the id key */
	return ATT_OK;
}
