/*
 * builder.c: building one segment from documents, the unit of parallel
 * indexing.
 *
 * A builder owns everything a segment needs while it is filled: its own
 * analyser (analysers cache stems, so they are not shared between
 * threads), the inverter with its terms and postings, the store and
 * sentences files, which are written as documents arrive, and the rows
 * and names of the documents table. A document is analysed, its tokens
 * inverted, its record stored and its row kept; when the caller decides
 * the segment is big enough (att_builder_memory against its budget), the
 * builder writes the dictionary, postings, positions and documents files
 * and hands back the segment's statistics and the documents it replaced
 * inside itself (a second document with the same id, added later).
 *
 * The writer uses one builder on its own thread, or one per worker
 * thread (writer.c); a builder is touched by one thread at a time and
 * shares nothing with other builders but the index directory.
 */
#include <stdio.h>
#include <string.h>

#include "indexer.h"

#define FILE_LIMIT (3u << 30) /* flush before a segment file nears 4 GiB */

att_status att_builder_init(att_builder *b, const char *dir,
                            const char *language, const att_schema *schema)
{
	att_status rc;

	memset(b, 0, sizeof *b);
	b->dir = dir;
	b->sen.fd = -1;
	att_buf_init(&b->rows);
	att_buf_init(&b->names);
	att_buf_init(&b->open_del);
	att_valbuild_init(&b->vals, schema);
	rc = att_analyzer_new(&b->an, language);
	if (rc == ATT_OK)
		rc = att_inverter_new(&b->inv);
	att_docan_init(&b->da, b->an, b->inv);
	b->da.schema = schema;
	return rc;
}

void att_builder_release(att_builder *b)
{
	att_builder_abort(b);
	att_docan_release(&b->da);
	att_inverter_free(b->inv);
	att_analyzer_free(b->an);
	att_buf_release(&b->rows);
	att_buf_release(&b->names);
	att_buf_release(&b->open_del);
	att_valbuild_release(&b->vals);
	memset(b, 0, sizeof *b);
	b->sen.fd = -1;
}

static att_status berr(att_builder *b, att_status rc, const char *what)
{
	if (rc == ATT_ENOMEM && what == NULL)
		what = "out of memory";
	snprintf(b->msg, sizeof b->msg, "%s", what ? what : att_status_str(rc));
	return rc;
}

att_status att_builder_open(att_builder *b, uint32_t id)
{
	char path[4096];
	att_status rc;

	memset(&b->cur, 0, sizeof b->cur);
	b->cur.id = id;
	att_seg_path(path, sizeof path, b->dir, id, ATT_SEG_STORE);
	rc = att_store_open(&b->store, path);
	if (rc != ATT_OK) {
		berr(b, rc, b->store.fw.msg);
		att_store_abort(&b->store);
		return rc;
	}
	att_seg_path(path, sizeof path, b->dir, id, ATT_SEG_SENTENCES);
	rc = att_fw_open(&b->sen, path, ATT_MAGIC_SENTENCES);
	if (rc != ATT_OK) {
		berr(b, rc, b->sen.msg);
		att_fw_abort(&b->sen);
		att_store_abort(&b->store);
		return rc;
	}
	att_buf_clear(&b->rows);
	att_buf_clear(&b->names);
	att_buf_clear(&b->open_del);
	att_valbuild_clear(&b->vals);
	b->nopen_del = 0;
	b->open = 1;
	return ATT_OK;
}

att_status att_builder_delete(uint32_t *count, att_builder *b,
                              const char *term, size_t len)
{
	int64_t last;

	*count = 0;
	last = b->open ? att_inverter_last_doc(b->inv, term, len) : -1;
	if (last < 0)
		return ATT_OK;
	while (b->open_del.n <= (size_t)last / 8)
		att_buf_putc(&b->open_del, 0);
	if (b->open_del.rc != ATT_OK)
		return berr(b, ATT_ENOMEM, NULL);
	if (b->open_del.p[last / 8] >> (last % 8) & 1)
		return ATT_OK;
	b->open_del.p[last / 8] |= (uint8_t)(1u << (last % 8));
	b->nopen_del++;
	*count = 1;
	return ATT_OK;
}

att_status att_builder_add(att_builder *b, const att_doc *d)
{
	uint32_t block, off, len, doc = b->cur.docs, dl;
	uint64_t sen_off = b->sen.off;
	att_status rc = att_docan_run(&b->da, d);

	if (rc != ATT_OK) {
		snprintf(b->msg, sizeof b->msg, "document \"%.*s\": analysis failed: "
		         "%s", (int)(d->id_len > 200 ? 200 : d->id_len), d->id,
		         rc == ATT_EINPUT ? b->da.msg : att_status_str(rc));
		return rc;
	}
	if (att_valbuild_add(&b->vals, &b->da.vals) != ATT_OK)
		return berr(b, ATT_ENOMEM, NULL);
	dl = b->da.length;
	rc = att_inverter_add_doc(b->inv, doc, b->da.keys, b->da.nkeys + 1);
	if (rc != ATT_OK)
		return berr(b, rc, NULL);
	rc = att_store_add(&b->store, d, &block, &off, &len);
	if (rc != ATT_OK)
		return berr(b, rc, b->store.fw.msg[0] ? b->store.fw.msg : NULL);
	att_fw_varint(&b->sen, b->da.nsent);
	att_fw_write(&b->sen, b->da.sent.p, b->da.sent.n);
	if (b->sen.rc != ATT_OK)
		return berr(b, b->sen.rc, b->sen.msg);
	{
		const uint32_t row[5] = { dl, block, off, len, (uint32_t)sen_off };

		att_row_put(&b->rows, &b->names, row, b->da.title_len, d->id,
		            d->id_len, d->title, d->title_len);
	}
	if (b->rows.rc != ATT_OK || b->names.rc != ATT_OK)
		return berr(b, ATT_ENOMEM, NULL);
	b->cur.docs++;
	b->cur.tokens += dl;
	b->cur.title_tokens += b->da.title_len;
	b->cur.raw_bytes += d->title_len + d->text_len;
	return ATT_OK;
}

size_t att_builder_memory(const att_builder *b)
{
	return att_inverter_memory(b->inv) + b->rows.cap + b->names.cap +
	    b->da.capkeys * sizeof(uint64_t) + att_store_memory(&b->store) +
	    b->da.sent.cap + b->open_del.cap + att_valbuild_memory(&b->vals);
}

int att_builder_full(const att_builder *b, size_t budget)
{
	return b->open && (att_builder_memory(b) >= budget ||
	                   b->cur.docs == UINT32_MAX - 1 ||
	                   att_store_bytes(&b->store) >= FILE_LIMIT ||
	                   b->sen.off >= FILE_LIMIT);
}

att_status att_builder_flush(att_builder *b, att_seg_info *info,
                             uint32_t **del, uint32_t *ndel)
{
	att_status rc;
	uint32_t d, n = 0;

	*del = NULL;
	*ndel = 0;
	b->open = 0;
	rc = att_inverter_sort(b->inv);
	if (rc == ATT_OK)
		rc = att_segment_write_postings(b->inv, b->dir, b->cur.id, b->rows.p,
		                                b->msg, sizeof b->msg);
	if (rc == ATT_OK)
		rc = att_docs_write(b->dir, b->cur.id, b->cur.docs, &b->rows,
		                    &b->names, b->msg, sizeof b->msg);
	if (rc == ATT_OK)
		rc = att_values_write(b->dir, b->cur.id, &b->vals, b->msg,
		                      sizeof b->msg);
	if (rc == ATT_OK)
		rc = att_store_finish(&b->store, b->msg, sizeof b->msg);
	else
		att_store_abort(&b->store);
	if (rc == ATT_OK) {
		rc = att_fw_finish(&b->sen);
		if (rc != ATT_OK)
			berr(b, rc, b->sen.msg);
	} else {
		att_fw_abort(&b->sen);
	}
	att_inverter_reset(b->inv);
	if (rc == ATT_OK) {
		*del = att_malloc(((size_t)b->nopen_del + 1) * sizeof **del);
		if (*del == NULL)
			rc = berr(b, ATT_ENOMEM, NULL);
	}
	for (d = 0; rc == ATT_OK && d < b->open_del.n * 8; d++)
		if (b->open_del.p[d / 8] >> (d % 8) & 1)
			(*del)[n++] = d;
	*ndel = n;
	*info = b->cur;
	info->live = info->docs;
	info->del_gen = 0;
	att_buf_clear(&b->open_del);
	b->nopen_del = 0;
	return rc;
}

void att_builder_abort(att_builder *b)
{
	if (!b->open)
		return;
	b->open = 0;
	att_store_abort(&b->store);
	att_fw_abort(&b->sen);
	if (b->inv != NULL)
		att_inverter_reset(b->inv);
}
