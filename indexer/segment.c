/*
 * segment.c: encoding a segment's dictionary, postings and positions.
 *
 * Input is the inverter, sorted. For each term in byte order:
 *
 *  - its positions go to the .pos file a block of postings at a time:
 *    per posting the first position, then each later one's distance
 *    from the one before less one (positions strictly increase), all of
 *    the block's values as Rice codes with one parameter, chosen per
 *    block. Rice codes fit these values, roughly geometric gaps and
 *    first positions spread over a document, within a bit or two of
 *    their entropy, where varints round each up to 7 or 14 bits and
 *    128-value bit packing pays the widest value's width for all;
 *  - its document gaps and frequencies go to the .pst file in blocks of
 *    128 postings, each bit-packed with its own width; a final block of
 *    fewer than 128 postings is written as varint pairs. A term with more
 *    than one block is preceded by a skip table, one fixed 24-byte entry a
 *    block: last document, block data offset, positions offset, highest
 *    frequency, shortest document length, highest title frequency (the
 *    positions below the document's title length; 0 for id and field
 *    terms). With the last three, a searcher bounds the block's best
 *    BM25 or BM25F score for any parameters without decoding it;
 *  - a dictionary entry: the terms of the .dic file are front-coded in
 *    groups of 16, each group starting with a whole term and absolute
 *    offsets, and a sample of group offsets at the end lets a reader
 *    binary-search the groups.
 *
 * docs/FORMAT.md specifies every byte.
 */
#include <stdio.h>
#include <string.h>

#include "indexer.h"

#define DICT_GROUP 16

struct att_segenc {
	att_fwriter pst, pos, dic;
	att_buf sample;         /* u64 per dictionary group */
	att_buf blocks;         /* the current term's encoded blocks */
	att_buf skips;          /* the current term's skip table */
	att_buf imps;           /* its blocks' impacts (FORMAT.md 5.3) */
	uint32_t *docs, *tfs;   /* the current term, decoded */
	uint32_t *ttfs;         /* and its title tfs */
	uint32_t *poffs;        /* and each block's positions offset */
	size_t cap;
	uint32_t *vals;         /* the current block's position values */
	size_t nvals, capvals;
	att_buf posbuf;         /* the current block's positions, encoded */
	char prev[ATT_TERM_BYTES_MAX];
	size_t prev_len;
	uint64_t nterms;
	const uint8_t *rows;    /* the documents table */
	int rc;                 /* sticky */
	char msg[512];
};

typedef att_segenc enc;

static uint32_t row_u32(const enc *e, uint32_t doc, size_t field)
{
	return att_get_u32le(e->rows + (size_t)doc * ATT_DOC_ROW + field);
}

/* Grows the decoded arrays to hold N postings. */
static int reserve(enc *e, uint32_t n)
{
	uint32_t **a[4] = { &e->docs, &e->tfs, &e->ttfs, &e->poffs };
	size_t cap = (size_t)n + n / 2;
	int k;

	if (n <= e->cap)
		return 0;
	for (k = 0; k < 4; k++) {
		uint32_t *p = att_realloc(*a[k], cap * sizeof *p);

		if (p == NULL)
			return -1;
		*a[k] = p;
	}
	e->cap = cap;
	return 0;
}

/* Appends V to e->vals. */
static int push_val(enc *e, uint32_t v)
{
	if (e->nvals == e->capvals) {
		size_t cap = e->capvals ? e->capvals * 2 : 1024;
		uint32_t *p = att_realloc(e->vals, cap * sizeof *p);

		if (p == NULL)
			return -1;
		e->vals = p;
		e->capvals = cap;
	}
	e->vals[e->nvals++] = v;
	return 0;
}

/* Writes the positions of one block, gathered in e->vals: the Rice
 * parameter in 5 bits, then the codes. Records where the block starts, relative
 * to the term's first positions byte, in e->poffs[B]. */
static int put_pos_block(enc *e, uint32_t b, uint64_t term_pos_off)
{
	unsigned k = att_rice_choose(e->vals, e->nvals);

	if (e->pos.off - term_pos_off > UINT32_MAX)
		return -1;
	e->poffs[b] = (uint32_t)(e->pos.off - term_pos_off);
	att_buf_clear(&e->posbuf);
	att_rice_put(&e->posbuf, e->vals, e->nvals, k);
	if (e->posbuf.rc != ATT_OK)
		return -1;
	att_fw_write(&e->pos, e->posbuf.p, e->posbuf.n);
	e->nvals = 0;
	return 0;
}

/* Decodes T's stream into e->docs, tfs and ttfs, and writes its
 * positions, a block of postings at a time (FORMAT.md 5.4): per posting
 * its first position, then each later one's distance from the one
 * before, less one. A word's title tf counts its positions below the
 * document's title length; id and field terms have none, and a list of
 * one block has no skip entry to put it in. */
static int decode_term(enc *e, const att_inv_term *t)
{
	const uint8_t *p = t->data, *end = t->data + t->data_len;
	int word = t->df > ATT_BLOCK && t->len > 0 &&
	    t->term[0] != ATT_ID_PREFIX && t->term[0] != ATT_FIELD_PREFIX;
	uint64_t term_pos_off = e->pos.off;
	uint32_t i, next = 0;

	if (reserve(e, t->df) != 0)
		return -1;
	e->nvals = 0;
	for (i = 0; i < t->df; i++) {
		uint64_t gap, tf, v, pos = 0;
		uint32_t k, tl;

		p += att_varint_get(&gap, p, end);
		p += att_varint_get(&tf, p, end);
		e->docs[i] = next + (uint32_t)gap;
		e->tfs[i] = (uint32_t)tf;
		e->ttfs[i] = 0;
		next = e->docs[i] + 1;
		tl = word ? row_u32(e, e->docs[i], ATT_ROW_TITLELEN) : 0;
		for (k = 0; k < tf; k++) {
			p += att_varint_get(&v, p, end);
			if (k > 0 && v == 0)
				return -1; /* positions must increase */
			if (push_val(e, (uint32_t)(k ? v - 1 : v)) != 0)
				return -1;
			pos += v;
			e->ttfs[i] += pos < tl;
		}
		if ((i + 1) % ATT_BLOCK == 0 || i + 1 == t->df)
			if (put_pos_block(e, i / ATT_BLOCK, term_pos_off) != 0)
				return -1;
	}
	return 0;
}

/* Encodes postings [from, from+n) as one block into e->blocks. */
static void encode_block(enc *e, uint32_t from, uint32_t n, uint32_t prev_next)
{
	uint32_t gaps[ATT_BLOCK], tfm1[ATT_BLOCK], i, next = prev_next;
	uint8_t packed[16 * 32];
	unsigned bg, bt;

	for (i = 0; i < n; i++) {
		gaps[i] = e->docs[from + i] - next;
		tfm1[i] = e->tfs[from + i] - 1;
		next = e->docs[from + i] + 1;
	}
	if (n < ATT_BLOCK) {
		att_rice_put_pairs(&e->blocks, gaps, tfm1, n);
		return;
	}
	bg = att_bits_needed(gaps, n);
	bt = att_bits_needed(tfm1, n);
	att_buf_putc(&e->blocks, (uint8_t)bg);
	att_buf_putc(&e->blocks, (uint8_t)bt);
	att_buf_append(&e->blocks, packed, att_pack128(packed, gaps, bg));
	att_buf_append(&e->blocks, packed, att_pack128(packed, tfm1, bt));
}

/* Block [FROM, FROM+N)'s skip entry, its impacts' offset within e->imps
 * for now (encode_postings makes it the list's), and its impacts. */
static void put_skip(enc *e, uint32_t from, uint32_t n, uint32_t data_off,
                     uint32_t pos_off)
{
	uint32_t i, max_ttf = 0, dls[ATT_BLOCK];
	uint32_t pt[ATT_IMPACTS_MAX], pd[ATT_IMPACTS_MAX];
	size_t np;

	for (i = 0; i < n; i++) {
		dls[i] = row_u32(e, e->docs[from + i], 0);
		if (e->ttfs[from + i] > max_ttf)
			max_ttf = e->ttfs[from + i];
	}
	np = att_impacts_build(pt, pd, e->tfs + from, dls, n);
	att_buf_put_u32le(&e->skips, e->docs[from + n - 1]);
	att_buf_put_u32le(&e->skips, data_off);
	att_buf_put_u32le(&e->skips, pos_off);
	att_buf_put_u32le(&e->skips, pt[np - 1]); /* the highest tf */
	att_buf_put_u32le(&e->skips, pd[0]);      /* the shortest length */
	att_buf_put_u32le(&e->skips, max_ttf);
	att_buf_put_u32le(&e->skips, (uint32_t)e->imps.n);
	att_impacts_put(&e->imps, pt, pd, np);
}

static int encode_postings(enc *e, const att_inv_term *t)
{
	uint32_t nblocks = (t->df + ATT_BLOCK - 1) / ATT_BLOCK, b, next = 0;

	att_buf_clear(&e->blocks);
	att_buf_clear(&e->skips);
	att_buf_clear(&e->imps);
	for (b = 0; b < nblocks; b++) {
		uint32_t from = b * ATT_BLOCK, n = t->df - from;

		if (n > ATT_BLOCK)
			n = ATT_BLOCK;
		if (nblocks > 1) {
			if (e->blocks.n > UINT32_MAX)
				return -1;
			put_skip(e, from, n, (uint32_t)e->blocks.n, e->poffs[b]);
		}
		encode_block(e, from, n, next);
		next = e->docs[from + n - 1] + 1;
	}
	if (e->blocks.rc != ATT_OK || e->skips.rc != ATT_OK ||
	    e->imps.rc != ATT_OK || e->blocks.n + e->imps.n > UINT32_MAX)
		return -1;
	/* the impacts follow the blocks: their offsets, like the blocks',
	 * from the first byte after the skip table */
	for (b = 0; nblocks > 1 && b < nblocks; b++) {
		uint8_t *at = e->skips.p + (size_t)b * ATT_SKIP_ENTRY + 24;

		att_put_u32le(at, (uint32_t)(att_get_u32le(at) + e->blocks.n));
	}
	att_fw_write(&e->pst, e->skips.p, e->skips.n);
	att_fw_write(&e->pst, e->blocks.p, e->blocks.n);
	att_fw_write(&e->pst, e->imps.p, e->imps.n);
	return 0;
}

static void put_dict_entry(enc *e, const att_inv_term *t, uint64_t post_off,
                           uint64_t post_len, uint64_t pos_off,
                           uint64_t pos_len)
{
	size_t pre = 0;

	if (e->nterms % DICT_GROUP == 0) {
		att_buf_put_u64le(&e->sample, e->dic.off);
		e->prev_len = 0;
	} else {
		while (pre < e->prev_len && pre < t->len && e->prev[pre] == t->term[pre])
			pre++;
	}
	att_fw_varint(&e->dic, pre);
	att_fw_varint(&e->dic, t->len - pre);
	att_fw_write(&e->dic, t->term + pre, t->len - pre);
	att_fw_varint(&e->dic, t->df);
	att_fw_varint(&e->dic, t->cf);
	if (e->nterms % DICT_GROUP == 0) {
		att_fw_varint(&e->dic, post_off);
		att_fw_varint(&e->dic, pos_off);
	}
	att_fw_varint(&e->dic, post_len);
	att_fw_varint(&e->dic, pos_len);
	memcpy(e->prev, t->term, t->len);
	e->prev_len = t->len;
	e->nterms++;
}

static void set_msg(att_segenc *e, att_status rc)
{
	att_fwriter *bad = e->pst.rc ? &e->pst : e->pos.rc ? &e->pos : &e->dic;

	if (e->msg[0] == '\0')
		snprintf(e->msg, sizeof e->msg, "%s",
		         rc != ATT_ENOMEM && bad->msg[0] ? bad->msg : "out of memory");
}

att_status att_segenc_open(att_segenc **out, const char *dir, uint32_t seg,
                           const uint8_t *rows)
{
	att_segenc *e = att_calloc(1, sizeof *e);
	char path[4096];
	att_status rc;

	*out = NULL;
	if (e == NULL)
		return ATT_ENOMEM;
	e->pst.fd = e->pos.fd = e->dic.fd = -1;
	e->rows = rows;
	att_buf_init(&e->sample);
	att_buf_init(&e->blocks);
	att_buf_init(&e->skips);
	att_buf_init(&e->imps);
	att_buf_init(&e->posbuf);
	att_seg_path(path, sizeof path, dir, seg, ATT_SEG_POSTINGS);
	rc = att_fw_open(&e->pst, path, ATT_MAGIC_POSTINGS);
	att_seg_path(path, sizeof path, dir, seg, ATT_SEG_POSITIONS);
	if (rc == ATT_OK)
		rc = att_fw_open(&e->pos, path, ATT_MAGIC_POSITIONS);
	att_seg_path(path, sizeof path, dir, seg, ATT_SEG_DICT);
	if (rc == ATT_OK)
		rc = att_fw_open(&e->dic, path, ATT_MAGIC_DICT);
	e->rc = rc;
	if (rc != ATT_OK)
		set_msg(e, rc);
	*out = e;
	return rc;
}

att_status att_segenc_term(att_segenc *e, const att_inv_term *t)
{
	uint64_t post_off = e->pst.off, pos_off = e->pos.off;

	if (e->rc != ATT_OK)
		return e->rc;
	if (t->len >= sizeof e->prev || t->df == 0)
		return e->rc = ATT_EINVAL;
	if (decode_term(e, t) != 0 || encode_postings(e, t) != 0)
		e->rc = ATT_ENOMEM;
	put_dict_entry(e, t, post_off, e->pst.off - post_off, pos_off,
	               e->pos.off - pos_off);
	if (e->rc == ATT_OK && (e->pst.rc || e->pos.rc || e->dic.rc))
		e->rc = e->pst.rc ? e->pst.rc : e->pos.rc ? e->pos.rc : e->dic.rc;
	if (e->rc != ATT_OK)
		set_msg(e, e->rc);
	return e->rc;
}

static void enc_free(att_segenc *e)
{
	att_buf_release(&e->sample);
	att_buf_release(&e->blocks);
	att_buf_release(&e->skips);
	att_buf_release(&e->imps);
	att_buf_release(&e->posbuf);
	att_free(e->vals);
	att_free(e->poffs);
	att_free(e->docs);
	att_free(e->tfs);
	att_free(e->ttfs);
	att_free(e);
}

att_status att_segenc_finish(att_segenc *e, char *msg, size_t msgcap)
{
	att_fwriter *fws[3] = { &e->pst, &e->pos, &e->dic };
	att_status rc = e->rc;
	int i;

	if (rc == ATT_OK) {
		uint64_t sample_off = e->dic.off;

		att_fw_write(&e->dic, e->sample.p, e->sample.n);
		att_fw_u64le(&e->dic, e->nterms);
		att_fw_u64le(&e->dic, sample_off);
		if (e->sample.rc != ATT_OK)
			rc = ATT_ENOMEM;
		if (rc != ATT_OK)
			set_msg(e, rc);
	}
	for (i = 0; i < 3; i++) {
		if (rc != ATT_OK) {
			att_fw_abort(fws[i]);
			continue;
		}
		rc = att_fw_finish(fws[i]);
		if (rc != ATT_OK)
			snprintf(e->msg, sizeof e->msg, "%s", fws[i]->msg);
	}
	if (rc != ATT_OK)
		snprintf(msg, msgcap, "%s", e->msg[0] ? e->msg : "out of memory");
	enc_free(e);
	return rc;
}

void att_segenc_abort(att_segenc *e)
{
	if (e == NULL)
		return;
	att_fw_abort(&e->pst);
	att_fw_abort(&e->pos);
	att_fw_abort(&e->dic);
	enc_free(e);
}

att_status att_segment_write_postings(const att_inverter *inv,
                                      const char *dir, uint32_t seg,
                                      const uint8_t *rows, char *msg,
                                      size_t msgcap)
{
	uint32_t i, nterms = att_inverter_nterms(inv);
	att_segenc *e;
	att_status rc = att_segenc_open(&e, dir, seg, rows);

	for (i = 0; rc == ATT_OK && i < nterms; i++) {
		att_inv_term t;

		att_inverter_term(&t, inv, i);
		rc = att_segenc_term(e, &t);
	}
	if (e == NULL) {
		snprintf(msg, msgcap, "out of memory");
		return rc;
	}
	return att_segenc_finish(e, msg, msgcap);
}

void att_row_put(att_buf *rows, att_buf *names, const uint32_t row[5],
                 uint32_t title_tokens, const char *id, size_t id_len,
                 const char *title, size_t title_len)
{
	int i;

	for (i = 0; i < 5; i++)
		att_buf_put_u32le(rows, row[i]);
	att_buf_put_u32le(rows, (uint32_t)names->n);
	att_buf_put_u32le(rows, title_tokens);
	att_buf_put_varint(names, id_len);
	att_buf_append(names, id, id_len);
	att_buf_put_varint(names, title_len);
	att_buf_append(names, title, title_len);
}

void att_sentences_encode(att_buf *b, const att_sentence *s, uint32_t n)
{
	uint32_t k;

	for (k = 0; k <= n; k++) {
		att_buf_put_varint(b, s[k].pos - (k ? s[k - 1].pos : 0));
		att_buf_put_varint(b, s[k].byte - (k ? s[k - 1].byte : 0));
	}
}

att_status att_docs_write(const char *dir, uint32_t seg, uint32_t ndocs,
                          const att_buf *rows, const att_buf *names, char *msg,
                          size_t msgcap)
{
	char path[4096];
	att_fwriter fw;
	att_status rc;

	att_seg_path(path, sizeof path, dir, seg, ATT_SEG_DOCS);
	rc = att_fw_open(&fw, path, ATT_MAGIC_DOCS);
	att_fw_u32le(&fw, ndocs);
	att_fw_write(&fw, rows->p, rows->n);
	att_fw_write(&fw, names->p, names->n);
	if (rc != ATT_OK)
		att_fw_abort(&fw);
	else
		rc = att_fw_finish(&fw);
	if (rc != ATT_OK)
		snprintf(msg, msgcap, "%s", fw.msg[0] ? fw.msg : "out of memory");
	return rc;
}
