/*
 * store.c: the stored documents of a segment.
 *
 * Passages and snippets are cut from the text exactly as it was given, so
 * every document is kept: its id, title, text and other fields, as one
 * record of length-prefixed strings. Records are appended to a block; once
 * a block holds ATT_STORE_BLOCK (4 KiB) or more it is compressed with
 * zlib (one deflate stream per segment, reset for each block) and
 * written out, and an index entry (file offset, compressed and
 * uncompressed length) is kept for it. Small blocks keep fetching one
 * document cheap (a reader inflates a block only up to the end of the
 * record it wants; 4 KiB blocks cost about 3 points of compression
 * against 16 KiB ones and cut snippet time by a quarter on the news
 * sample); a document bigger than a block
 * gets a block of its own. The block index and its offset close the file.
 */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "indexer.h"

#define STORE_LEVEL 1

att_status att_store_open(att_store_writer *sw, const char *path)
{
	memset(sw, 0, sizeof *sw);
	att_buf_init(&sw->block);
	att_buf_init(&sw->zbuf);
	att_buf_init(&sw->index);
	return sw->rc = att_fw_open(&sw->fw, path, ATT_MAGIC_STORE);
}

/* Compresses the open block into zbuf with one z_stream kept for the
 * segment: deflateInit allocates and clears a quarter megabyte, which for
 * 4 KiB blocks cost more than the compression (compress2's way). */
static int deflate_block(att_store_writer *sw, uLongf *zlen)
{
	z_stream *z = sw->z;

	if (z == NULL) {
		z = att_calloc(1, sizeof *z);
		if (z == NULL)
			return Z_MEM_ERROR;
		/* raw deflate (no zlib header or Adler-32: the file's CRC-32
		 * covers it), an 8 KiB window and a small hash: blocks are about
		 * 4 KiB, and deflateReset clears the hash for every block */
		if (deflateInit2(z, STORE_LEVEL, Z_DEFLATED, -13, 6,
		                 Z_DEFAULT_STRATEGY) != Z_OK) {
			att_free(z);
			return Z_MEM_ERROR;
		}
		sw->z = z;
	} else if (deflateReset(z) != Z_OK) {
		return Z_STREAM_ERROR;
	}
	z->next_in = sw->block.p;
	z->avail_in = (uInt)sw->block.n;
	z->next_out = sw->zbuf.p;
	z->avail_out = (uInt)*zlen;
	if (deflate(z, Z_FINISH) != Z_STREAM_END)
		return Z_BUF_ERROR;
	*zlen = z->total_out;
	return Z_OK;
}

static void flush_block(att_store_writer *sw)
{
	uLongf zlen;
	int zr;

	if (sw->rc != ATT_OK || sw->block.n == 0)
		return;
	zlen = deflateBound(NULL, (uLong)sw->block.n);
	att_buf_clear(&sw->zbuf);
	if (att_buf_reserve(&sw->zbuf, zlen) != 0) {
		sw->rc = ATT_ENOMEM;
		return;
	}
	zr = deflate_block(sw, &zlen);
	if (zr != Z_OK) {
		sw->rc = zr == Z_MEM_ERROR ? ATT_ENOMEM : ATT_EIO;
		return;
	}
	att_buf_put_u64le(&sw->index, sw->fw.off);
	att_buf_put_u32le(&sw->index, (uint32_t)zlen);
	att_buf_put_u32le(&sw->index, (uint32_t)sw->block.n);
	att_fw_write(&sw->fw, sw->zbuf.p, zlen);
	sw->nblocks++;
	att_buf_clear(&sw->block);
	if (sw->index.rc != ATT_OK)
		sw->rc = ATT_ENOMEM;
	if (sw->fw.rc != ATT_OK)
		sw->rc = sw->fw.rc;
}

att_status att_store_add(att_store_writer *sw, const att_doc *doc,
                         uint32_t *block, uint32_t *off, uint32_t *len)
{
	size_t start;

	if (sw->rc != ATT_OK)
		return sw->rc;
	*block = sw->nblocks;
	*off = (uint32_t)sw->block.n;
	start = sw->block.n;
	att_record_put(&sw->block, doc);
	if (sw->block.rc != ATT_OK)
		return sw->rc = ATT_ENOMEM;
	*len = (uint32_t)(sw->block.n - start);
	if (sw->block.n >= ATT_STORE_BLOCK)
		flush_block(sw);
	return sw->rc;
}

att_status att_store_add_raw(att_store_writer *sw, const uint8_t *rec,
                             size_t n, uint32_t *block, uint32_t *off,
                             uint32_t *len)
{
	if (sw->rc != ATT_OK)
		return sw->rc;
	if (n > UINT32_MAX)
		return sw->rc = ATT_ELIMIT;
	*block = sw->nblocks;
	*off = (uint32_t)sw->block.n;
	*len = (uint32_t)n;
	att_buf_append(&sw->block, rec, n);
	if (sw->block.rc != ATT_OK)
		return sw->rc = ATT_ENOMEM;
	if (sw->block.n >= ATT_STORE_BLOCK)
		flush_block(sw);
	return sw->rc;
}

uint64_t att_store_bytes(const att_store_writer *sw)
{
	return sw->fw.off + sw->block.n;
}

static void release(att_store_writer *sw)
{
	if (sw->z != NULL) {
		deflateEnd(sw->z);
		att_free(sw->z);
		sw->z = NULL;
	}
	att_buf_release(&sw->block);
	att_buf_release(&sw->zbuf);
	att_buf_release(&sw->index);
}

att_status att_store_finish(att_store_writer *sw, char *msg, size_t msgcap)
{
	uint64_t index_off;
	att_status rc;

	flush_block(sw);
	index_off = sw->fw.off;
	att_fw_write(&sw->fw, sw->index.p, sw->index.n);
	att_fw_u32le(&sw->fw, sw->nblocks);
	att_fw_u64le(&sw->fw, index_off);
	if (sw->rc != ATT_OK) {
		snprintf(msg, msgcap, "%s: %s", sw->fw.path ? sw->fw.path : "store",
		         sw->fw.msg[0] ? sw->fw.msg : att_status_str(sw->rc));
		att_fw_abort(&sw->fw);
		rc = sw->rc;
	} else {
		rc = att_fw_finish(&sw->fw);
		if (rc != ATT_OK)
			snprintf(msg, msgcap, "%s", sw->fw.msg);
	}
	release(sw);
	return rc;
}

void att_store_abort(att_store_writer *sw)
{
	att_fw_abort(&sw->fw);
	release(sw);
}
