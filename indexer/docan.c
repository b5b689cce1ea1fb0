/*
 * docan.c: analysing one document the way the index records it.
 *
 * The writer, the deletion adjustments and the index checker must agree
 * to the token on what a document contributes, so the one definition
 * lives here: title tokens take positions from 0, text tokens from the
 * title's count plus ATT_TEXT_GAP (so no phrase spans the two), each
 * token's term is interned in the given inverter and collected as a key
 * (term id << 32 | position); the document's length is its number of
 * tokens; one more key, not counted in the length, is its id term (the
 * byte ATT_ID_PREFIX and the id) at position 0. The text's sentences
 * give the sentence table: per sentence its first token's position and
 * the byte where it begins, then an end sentinel (one past the last text
 * position, and the text's length), as deltas from the previous entry.
 */
#include <string.h>

#include "indexer.h"

void att_docan_init(att_docan *da, att_analyzer *an, att_inverter *inv)
{
	memset(da, 0, sizeof *da);
	da->an = an;
	da->inv = inv;
	att_buf_init(&da->sent);
}

void att_docan_release(att_docan *da)
{
	att_free(da->keys);
	att_buf_release(&da->sent);
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

static int on_token(void *ctx, const att_token *tok)
{
	att_docan *da = ctx;

	da->last_pos = tok->pos;
	return push(da, tok->term, tok->term_len, tok->pos);
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

att_status att_docan_run(att_docan *da, const att_doc *d)
{
	char term[ATT_ID_MAX + 1];
	uint32_t base, pos_end;
	int rc;

	if (d->id_len == 0 || d->id_len > ATT_ID_MAX)
		return ATT_EINVAL;
	da->nkeys = 0;
	da->nsent = 0;
	da->sent_pos = 0;
	da->sent_byte = 0;
	da->last_pos = 0;
	att_buf_clear(&da->sent);
	rc = att_analyze(da->an, d->title, d->title_len, 0, on_token, da, NULL);
	if (rc != ATT_OK)
		return rc;
	base = (uint32_t)da->nkeys + ATT_TEXT_GAP;
	rc = att_analyze(da->an, d->text, d->text_len, base, on_text_token, da,
	                 NULL);
	if (rc != ATT_OK)
		return rc;
	pos_end = da->nsent ? da->last_pos + 1 : base;
	att_buf_put_varint(&da->sent, pos_end - da->sent_pos);
	att_buf_put_varint(&da->sent, d->text_len - da->sent_byte);
	if (da->sent.rc != ATT_OK)
		return ATT_ENOMEM;
	da->length = (uint32_t)da->nkeys;
	term[0] = ATT_ID_PREFIX;
	memcpy(term + 1, d->id, d->id_len);
	rc = push(da, term, d->id_len + 1, 0);
	if (rc != ATT_OK)
		return rc;
	da->nkeys--; /* keys[nkeys] is the id key, outside the length */
	return ATT_OK;
}

void att_doc_from_record(att_doc *d, const att_record *rec)
{
	memset(d, 0, sizeof *d);
	d->id = rec->id;
	d->id_len = rec->id_len;
	d->title = rec->title;
	d->title_len = rec->title_len;
	d->text = rec->text;
	d->text_len = rec->text_len;
}
