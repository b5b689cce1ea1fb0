/*
 * store.c: the stored documents of a segment.
 *
 * Passages and snippets are cut from the text exactly as it was given, so
 * every document is kept: its id, title, text and other fields, as one
 * record of length-prefixed strings. Records are appended to a block; once
 * a block holds ATT_STORE_BLOCK (4 KiB) or more it is closed, compressed
 * as one zstd frame and written out, and an index entry (file offset,
 * compressed and uncompressed length) is kept for it. A document bigger
 * than a block gets a block of its own. The block index and its offset
 * close the file (docs/FORMAT.md 5.7).
 *
 * Small blocks keep fetching one document cheap: a reader decompresses
 * one block, never the segment. Compressed alone, a 4 KiB block finds
 * few repeats; documents of one collection share most of their
 * vocabulary and boilerplate, though. So every block is compressed
 * against one dictionary per segment: raw content, the first
 * ATT_STORE_DICT (64 KiB) bytes of the segment's records, which the
 * writer holds back (with the blocks they fill) until it has them. The
 * dictionary is written first, at offset 8, itself one zstd frame; the
 * held blocks then follow, and are almost free, since the dictionary
 * holds them whole. On the news sample this takes the store from 50.5 %
 * of the raw text (deflate, level 1, block by block) to 42.3 %, and
 * costs fewer instructions: 20.7 % of a one-thread `attache index` run
 * against deflate's 27.9 % (zstd level 3 with the dictionary digested
 * once, ZSTD_CDict). A zstd writer holds about 1.2 MiB (its context,
 * the digested dictionary, the held blocks), counted in the builder's
 * memory (att_store_memory). A segment with less than
 * ATT_STORE_DICT_MIN bytes of records gets no dictionary: its blocks are
 * compressed alone, which costs less than a dictionary that few blocks
 * would use.
 *
 * Every frame is written without its 4-byte magic number (the reader
 * puts it back), without a checksum (the file's CRC-32 covers the bytes)
 * and without a dictionary id (raw content has none), but with its
 * content size, so that a reader can bound its output before
 * decompressing. A dictionary that would start with zstd's dictionary
 * magic (37 A4 30 EC), which zstd would parse as a trained dictionary,
 * starts one byte later.
 */
#include <stdio.h>
#include <string.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "indexer.h"

#define STORE_LEVEL 3

att_status att_store_open(att_store_writer *sw, const char *path)
{
	memset(sw, 0, sizeof *sw);
	att_buf_init(&sw->block);
	att_buf_init(&sw->held);
	att_buf_init(&sw->held_ends);
	att_buf_init(&sw->zbuf);
	att_buf_init(&sw->index);
	return sw->rc = att_fw_open(&sw->fw, path, ATT_MAGIC_STORE);
}

static void fail(att_store_writer *sw, att_status rc)
{
	if (sw->rc == ATT_OK)
		sw->rc = rc;
}

/* Compresses P (N bytes) into one frame in zbuf, against the segment's
 * dictionary if DICT, and writes it without its magic; *ZLEN gets the
 * bytes written. */
static void write_frame(att_store_writer *sw, const uint8_t *p, size_t n,
                        int dict, size_t *zlen)
{
	size_t bound = ZSTD_compressBound(n), r;

	*zlen = 0;
	if (sw->rc != ATT_OK)
		return;
	if (sw->cctx == NULL && (sw->cctx = ZSTD_createCCtx()) == NULL) {
		fail(sw, ATT_ENOMEM);
		return;
	}
	att_buf_clear(&sw->zbuf);
	if (att_buf_reserve(&sw->zbuf, bound) != 0) {
		fail(sw, ATT_ENOMEM);
		return;
	}
	if (dict)
		r = ZSTD_compress_usingCDict(sw->cctx, sw->zbuf.p, bound, p, n,
		                             sw->cdict);
	else
		r = ZSTD_compressCCtx(sw->cctx, sw->zbuf.p, bound, p, n,
		                      STORE_LEVEL);
	if (ZSTD_isError(r) || r < ATT_STORE_ZMAGIC) {
		fail(sw, ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation
		             ? ATT_ENOMEM : ATT_EIO);
		return;
	}
	att_fw_write(&sw->fw, sw->zbuf.p + ATT_STORE_ZMAGIC, r - ATT_STORE_ZMAGIC);
	*zlen = r - ATT_STORE_ZMAGIC;
	if (sw->fw.rc != ATT_OK)
		fail(sw, sw->fw.rc);
}

/* Compresses and writes one block, and its index entry. */
static void write_block(att_store_writer *sw, const uint8_t *p, size_t n)
{
	uint64_t off = sw->fw.off;
	size_t zlen;

	write_frame(sw, p, n, sw->cdict != NULL, &zlen);
	att_buf_put_u64le(&sw->index, off);
	att_buf_put_u32le(&sw->index, (uint32_t)zlen);
	att_buf_put_u32le(&sw->index, (uint32_t)n);
	if (sw->index.rc != ATT_OK)
		fail(sw, ATT_ENOMEM);
}

/* Chooses the dictionary from the held blocks, writes it, then the held
 * blocks. */
static void start(att_store_writer *sw)
{
	const uint8_t *d = sw->held.p;
	size_t n = sw->held.n, zlen, i, at = 0;

	sw->started = 1;
	if (n > ATT_STORE_DICT)
		n = ATT_STORE_DICT;
	if (n >= 4 && memcmp(d, "\x37\xA4\x30\xEC", 4) == 0) {
		d++;
		n--;
	}
	if (sw->rc == ATT_OK && sw->held.n >= ATT_STORE_DICT_MIN) {
		write_frame(sw, d, n, 0, &zlen);
		if (sw->rc == ATT_OK &&
		    (sw->cdict = ZSTD_createCDict(d, n, STORE_LEVEL)) == NULL)
			fail(sw, ATT_ENOMEM);
	}
	for (i = 0; i + 4 <= sw->held_ends.n; i += 4) {
		size_t end = att_get_u32le(sw->held_ends.p + i);

		write_block(sw, sw->held.p + at, end - at);
		at = end;
	}
	att_buf_release(&sw->held);
	att_buf_release(&sw->held_ends);
}

/* Closes the open block: holds it back until the dictionary is chosen,
 * then compresses it. */
static void close_block(att_store_writer *sw)
{
	if (sw->rc != ATT_OK || sw->block.n == 0)
		return;
	sw->nblocks++;
	if (sw->started) {
		write_block(sw, sw->block.p, sw->block.n);
	} else {
		att_buf_append(&sw->held, sw->block.p, sw->block.n);
		att_buf_put_u32le(&sw->held_ends, (uint32_t)sw->held.n);
		if (sw->held.rc != ATT_OK || sw->held_ends.rc != ATT_OK ||
		    sw->held.n > UINT32_MAX)
			fail(sw, ATT_ENOMEM);
		else if (sw->held.n >= ATT_STORE_DICT)
			start(sw);
	}
	att_buf_clear(&sw->block);
}

att_status att_store_add(att_store_writer *sw, const att_doc *doc,
                         uint32_t *block, uint32_t *off, uint32_t *len)
{
	size_t start_n;

	if (sw->rc != ATT_OK)
		return sw->rc;
	*block = sw->nblocks;
	*off = (uint32_t)sw->block.n;
	start_n = sw->block.n;
	att_record_put(&sw->block, doc);
	if (sw->block.rc != ATT_OK)
		return sw->rc = ATT_ENOMEM;
	*len = (uint32_t)(sw->block.n - start_n);
	if (sw->block.n >= ATT_STORE_BLOCK)
		close_block(sw);
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
		close_block(sw);
	return sw->rc;
}

uint64_t att_store_bytes(const att_store_writer *sw)
{
	return sw->fw.off + sw->held.n + sw->block.n;
}

size_t att_store_memory(const att_store_writer *sw)
{
	return sw->block.cap + sw->held.cap + sw->held_ends.cap + sw->zbuf.cap +
	    sw->index.cap + ZSTD_sizeof_CCtx(sw->cctx) + ZSTD_sizeof_CDict(sw->cdict);
}

static void release(att_store_writer *sw)
{
	ZSTD_freeCDict(sw->cdict);
	ZSTD_freeCCtx(sw->cctx);
	sw->cdict = NULL;
	sw->cctx = NULL;
	att_buf_release(&sw->block);
	att_buf_release(&sw->held);
	att_buf_release(&sw->held_ends);
	att_buf_release(&sw->zbuf);
	att_buf_release(&sw->index);
}

att_status att_store_finish(att_store_writer *sw, char *msg, size_t msgcap)
{
	uint64_t index_off;
	att_status rc;

	close_block(sw);
	if (!sw->started)
		start(sw);
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
