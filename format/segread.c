/*
 * segread.c: reading one segment, mapped read-only.
 *
 * Opening maps each of the segment's six files and checks its magic,
 * version, page table and first page (a file under 1 MiB whole:
 * files.c), then checks the fixed parts (footers, table sizes) against
 * the file sizes. Every other page is checked against its CRC by the
 * read that first reaches it (att_segment_check), before its bytes are
 * trusted, so that an open does not read the index. After that
 * every variable-length read still goes through a bounds check, because
 * a checksum proves only that the bytes are the ones written, and a
 * reader must survive a writer's bug too: no offset or length taken from
 * disk is trusted. A failed check gives ATT_ECORRUPT and a message naming
 * the file and, where it helps, the offset.
 *
 * Postings cursors decode one block of 128 (document gap, frequency)
 * pairs at a time and use the term's skip table to jump over blocks;
 * positions are decoded only when asked for, for the current posting.
 * The skip table also bounds each block (highest tf and title tf,
 * shortest document) for a searcher that prunes blocks: read straight
 * from the entry, never by decoding.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "format.h"

#define ROW ATT_DOC_ROW
#define SKIP ATT_SKIP_ENTRY

static att_status map_file(att_segment *seg, enum att_seg_file f,
                           const char *dir, char *msg, size_t msgcap)
{
	char path[4096];

	att_status rc;

	att_seg_path(path, sizeof path, dir, seg->id, f);
	if (att_magic_paged(att_seg_magic[f])) {
		rc = att_file_map_paged(&seg->f[f].p, &seg->f[f].n, &seg->f[f].pg,
		                        path, att_seg_magic[f], msg, msgcap);
		seg->f[f].end = seg->f[f].pg.body_end;
	} else {
		rc = att_file_map(&seg->f[f].p, &seg->f[f].n, path,
		                  att_seg_magic[f], msg, msgcap);
		seg->f[f].end = seg->f[f].n - ATT_TRAILER_SIZE;
	}
	return rc;
}

int att_segment_damage(const att_segment *seg, char *msg, size_t msgcap)
{
	int f;

	for (f = 0; f < ATT_SEG_NFILES; f++) {
		uint32_t bad = seg->f[f].p ? att_pages_bad(&seg->f[f].pg) : UINT32_MAX;

		if (bad != UINT32_MAX) {
			snprintf(msg, msgcap, "%s.%s: checksum mismatch in page %u "
			         "(bytes %zu to %zu)", seg->path, att_seg_ext[f],
			         (unsigned)bad, (size_t)bad * ATT_PAGE,
			         (size_t)bad * ATT_PAGE + ATT_PAGE - 1);
			return 1;
		}
	}
	return 0;
}

/* A failed read's message: the damaged page if a page's CRC failed (the
 * read that found it stopped there), else WHAT at OFF in file F. */
static att_status corrupt(const att_segment *seg, enum att_seg_file f,
                          size_t off, const char *what, char *msg,
                          size_t msgcap)
{
	if (att_segment_damage(seg, msg, msgcap))
		return ATT_ECORRUPT;
	snprintf(msg, msgcap, "%s.%s: corrupt %s at offset %zu", seg->path,
	         att_seg_ext[f], what, off);
	return ATT_ECORRUPT;
}

/* The body's end: the offset of the trailer. */
static size_t body_end(const att_segment *seg, enum att_seg_file f)
{
	return seg->f[f].end;
}

/* After a page of SEG failed its CRC: the message naming it. */
static att_status page_damage(const att_segment *seg, char *msg,
                              size_t msgcap)
{
	att_segment_damage(seg, msg, msgcap);
	return ATT_ECORRUPT;
}

/* The offset in .doc of DOC's row. */
static uint64_t row_at(uint32_t doc)
{
	return ATT_HEADER_SIZE + 4 + (uint64_t)doc * ROW;
}

/* Checks DOC's row against its page's CRC: 0 or -1. */
static int check_row(const att_segment *seg, uint32_t doc)
{
	return att_segment_check(seg, ATT_SEG_DOCS, row_at(doc), ROW) == ATT_OK
	           ? 0
	           : -1;
}

/* Checks the rows of the N (> 0) ascending documents DOCS against their
 * pages' CRCs: 0 or -1. Rows close together are checked as one span, a
 * flag a page; rows far apart one at a time, so the cost is the smaller
 * of the pages spanned and N. */
static int check_rows(const att_segment *seg, const uint32_t *docs,
                      uint32_t n)
{
	uint64_t lo = row_at(docs[0]), hi = row_at(docs[n - 1]) + ROW;
	uint64_t last = UINT64_MAX, pg;
	uint32_t i;

	if ((hi - 1) / ATT_PAGE - lo / ATT_PAGE < n)
		return att_segment_check(seg, ATT_SEG_DOCS, lo, hi - lo) == ATT_OK
		           ? 0
		           : -1;
	for (i = 0; i < n; i++) {
		pg = (row_at(docs[i]) + ROW - 1) / ATT_PAGE;
		if (pg != last && check_row(seg, docs[i]) != 0)
			return -1;
		last = pg;
	}
	return 0;
}

static att_status parse_tables(att_segment *seg, char *msg, size_t msgcap)
{
	const uint8_t *d = seg->f[ATT_SEG_DICT].p, *s = seg->f[ATT_SEG_STORE].p;
	size_t dend = body_end(seg, ATT_SEG_DICT), send = body_end(seg, ATT_SEG_STORE);
	size_t docs_end = body_end(seg, ATT_SEG_DOCS);

	if (dend < ATT_HEADER_SIZE + 16)
		return corrupt(seg, ATT_SEG_DICT, dend, "footer", msg, msgcap);
	if (att_segment_check(seg, ATT_SEG_DICT, dend - 16, 16) != ATT_OK)
		return page_damage(seg, msg, msgcap);
	seg->nterms = att_get_u64le(d + dend - 16);
	seg->dict_body_end = att_get_u64le(d + dend - 8);
	seg->ngroups = (uint32_t)((seg->nterms + 15) / 16);
	if (seg->nterms > (uint64_t)UINT32_MAX * 16 ||
	    seg->dict_body_end < ATT_HEADER_SIZE || seg->dict_body_end > dend - 16 ||
	    (dend - 16 - seg->dict_body_end) != (uint64_t)seg->ngroups * 8)
		return corrupt(seg, ATT_SEG_DICT, dend - 16, "footer", msg, msgcap);
	seg->dict_sample = d + seg->dict_body_end;
	if (docs_end >= ATT_HEADER_SIZE + 4 &&
	    att_segment_check(seg, ATT_SEG_DOCS, ATT_HEADER_SIZE, 4) != ATT_OK)
		return page_damage(seg, msg, msgcap);
	if (docs_end < ATT_HEADER_SIZE + 4 ||
	    att_get_u32le(seg->f[ATT_SEG_DOCS].p + ATT_HEADER_SIZE) != seg->ndocs ||
	    docs_end - ATT_HEADER_SIZE - 4 < (size_t)seg->ndocs * ROW)
		return corrupt(seg, ATT_SEG_DOCS, ATT_HEADER_SIZE,
		               "document count (differs from the manifest)", msg,
		               msgcap);
	seg->rows = seg->f[ATT_SEG_DOCS].p + ATT_HEADER_SIZE + 4;
	seg->names = seg->rows + (size_t)seg->ndocs * ROW;
	seg->names_n = docs_end - ATT_HEADER_SIZE - 4 - (size_t)seg->ndocs * ROW;
	if (send < ATT_HEADER_SIZE + 12)
		return corrupt(seg, ATT_SEG_STORE, send, "footer", msg, msgcap);
	if (att_segment_check(seg, ATT_SEG_STORE, send - 12, 12) != ATT_OK)
		return page_damage(seg, msg, msgcap);
	seg->nblocks = att_get_u32le(s + send - 12);
	seg->store_index_off = att_get_u64le(s + send - 8);
	if (seg->store_index_off < ATT_HEADER_SIZE ||
	    seg->store_index_off > send - 12 ||
	    send - 12 - seg->store_index_off != (uint64_t)seg->nblocks * 16)
		return corrupt(seg, ATT_SEG_STORE, send - 12, "block index", msg,
		               msgcap);
	seg->store_index = s + seg->store_index_off;
	if (att_segment_check(seg, ATT_SEG_STORE, seg->store_index_off,
	                      send - seg->store_index_off) != ATT_OK)
		return page_damage(seg, msg, msgcap);
	return ATT_OK;
}

/* Decompresses the zstd frame at P (N bytes, stored without its magic)
 * into OUT, which must receive exactly CAP bytes, against DICT (DICTN
 * bytes, raw content) if DICTN > 0. ZIN is scratch for the frame with
 * its magic put back. 0, -1 on a damaged frame, -2 out of memory. */
static int unframe(ZSTD_DCtx *zd, att_buf *zin, uint8_t *out, size_t cap,
                   const uint8_t *p, size_t n, const uint8_t *dict,
                   size_t dictn)
{
	static const uint8_t magic[ATT_STORE_ZMAGIC] = { 0x28, 0xB5, 0x2F, 0xFD };
	unsigned long long fcs;
	size_t r;

	att_buf_clear(zin);
	if (att_buf_reserve(zin, n + ATT_STORE_ZMAGIC) != 0) {
		att_buf_release(zin); /* clears the sticky error */
		return -2;
	}
	att_buf_append(zin, magic, sizeof magic);
	att_buf_append(zin, p, n);
	fcs = ZSTD_getFrameContentSize(zin->p, zin->n);
	if (fcs != cap)
		return -1;
	r = ZSTD_decompress_usingDict(zd, out, cap, zin->p, zin->n, dict, dictn);
	if (ZSTD_isError(r))
		return ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation ? -2 : -1;
	return r == cap ? 0 : -1;
}

/* What att_segment_store_dict keeps. A segment's threads share it: the
 * first to need it reads it under MU and publishes STATE. */
struct att_store_dict {
	pthread_mutex_t mu;
	int state;      /* 0 not read yet, 1 read, -1 damaged (msg says how) */
	uint8_t *p;
	size_t n;
	char msg[512];
};

/* The store's dictionary fills the bytes from offset 8 to the first
 * block (to the block index if there are none): a zstd frame, or nothing.
 * Decompresses it into SD. It is read when a block first needs it, not
 * at open, so that opening an index does not cost 64 KiB of zstd per
 * segment. */
static att_status read_store_dict(const att_segment *seg,
                                  struct att_store_dict *sd, char *msg,
                                  size_t msgcap)
{
	const uint8_t *s = seg->f[ATT_SEG_STORE].p;
	uint64_t end = seg->nblocks > 0 ? att_get_u64le(seg->store_index)
	                                : seg->store_index_off;
	uint8_t head[ATT_STORE_ZMAGIC + 18] = { 0x28, 0xB5, 0x2F, 0xFD };
	unsigned long long fcs;
	size_t n, hn;
	att_buf zin;
	ZSTD_DCtx *zd;
	int zr;

	if (end < ATT_HEADER_SIZE || end > seg->store_index_off)
		return corrupt(seg, ATT_SEG_STORE, (size_t)seg->store_index_off,
		               "block index entry", msg, msgcap);
	n = (size_t)end - ATT_HEADER_SIZE;
	if (n == 0)
		return ATT_OK;
	if (att_segment_check(seg, ATT_SEG_STORE, ATT_HEADER_SIZE, n) != ATT_OK)
		return page_damage(seg, msg, msgcap);
	hn = n < sizeof head - ATT_STORE_ZMAGIC ? n : sizeof head - ATT_STORE_ZMAGIC;
	memcpy(head + ATT_STORE_ZMAGIC, s + ATT_HEADER_SIZE, hn);
	fcs = ZSTD_getFrameContentSize(head, hn + ATT_STORE_ZMAGIC);
	if (fcs == 0 || fcs > ATT_STORE_DICT)
		return corrupt(seg, ATT_SEG_STORE, ATT_HEADER_SIZE,
		               "dictionary frame header", msg, msgcap);
	sd->p = att_malloc((size_t)fcs);
	zd = ZSTD_createDCtx();
	if (sd->p == NULL || zd == NULL) {
		ZSTD_freeDCtx(zd);
		att_free(sd->p);
		sd->p = NULL;
		return ATT_ENOMEM;
	}
	att_buf_init(&zin);
	zr = unframe(zd, &zin, sd->p, (size_t)fcs, s + ATT_HEADER_SIZE, n, NULL,
	             0);
	att_buf_release(&zin);
	ZSTD_freeDCtx(zd);
	if (zr != 0 ||
	    (fcs >= 4 && memcmp(sd->p, "\x37\xA4\x30\xEC", 4) == 0)) {
		att_free(sd->p);
		sd->p = NULL;
		if (zr == -2)
			return ATT_ENOMEM;
		return corrupt(seg, ATT_SEG_STORE, ATT_HEADER_SIZE, "dictionary", msg,
		               msgcap);
	}
	sd->n = (size_t)fcs;
	return ATT_OK;
}

att_status att_segment_store_dict(const uint8_t **p, size_t *n,
                                  const att_segment *seg, char *msg,
                                  size_t msgcap)
{
	struct att_store_dict *sd = seg->sdict;
	att_status rc = ATT_OK;

	if (__atomic_load_n(&sd->state, __ATOMIC_ACQUIRE) == 0) {
		pthread_mutex_lock(&sd->mu);
		if (sd->state == 0) {
			rc = read_store_dict(seg, sd, msg, msgcap);
			if (rc == ATT_ECORRUPT)
				snprintf(sd->msg, sizeof sd->msg, "%s", msg);
			if (rc != ATT_ENOMEM) /* out of memory: the next try again */
				__atomic_store_n(&sd->state, rc == ATT_OK ? 1 : -1,
				                 __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&sd->mu);
		if (rc != ATT_OK)
			return rc;
	}
	if (__atomic_load_n(&sd->state, __ATOMIC_ACQUIRE) < 0) {
		snprintf(msg, msgcap, "%s", sd->msg);
		return ATT_ECORRUPT;
	}
	*p = sd->p;
	*n = sd->n;
	return ATT_OK;
}

/* ---- typed-field columns (.val) ------------------------------------------- */

/* Checks the pages of [OFF, OFF+LEN) of .val; 0 if sound and in the body. */
static int val_check(const att_segment *seg, uint64_t off, uint64_t len)
{
	return off + len < off || off + len > body_end(seg, ATT_SEG_VALUES) ||
	    att_segment_check(seg, ATT_SEG_VALUES, off, len) != ATT_OK;
}

/* Reads column C's layout, from C->off (C->size bytes): 0, or -1. */
static int parse_column(const att_segment *seg, att_valcol *c)
{
	const uint8_t *p = seg->f[ATT_SEG_VALUES].p;
	uint64_t at = c->off, need;

	if (c->size < 16 || val_check(seg, at, 16))
		return -1;
	c->p = p + at;
	if (c->type != ATT_FIELD_KEYWORD) {
		c->base = att_get_u64le(c->p);
		need = att_get_u64le(c->p + 8);
		if (need > 64)
			return -1;
		c->width = (unsigned)need;
		c->packed = c->p + 16;
		return c->size == 16 + att_pack_bytes(seg->ndocs, c->width) ? 0 : -1;
	}
	c->nvalues = att_get_u32le(c->p);
	c->nords = att_get_u64le(c->p + 8);
	/* a document's values are distinct: at most nvalues ordinals each
	 * (not "at most a byte each": with 2 values an ordinal is 1 bit, with
	 * one, 0) */
	if (att_get_u32le(c->p + 4) != 0 || c->nvalues > c->nords ||
	    (c->nvalues == 0) != (c->nords == 0) ||
	    c->nords > (uint64_t)seg->ndocs * c->nvalues)
		return -1;
	need = 16 + 4 * ((uint64_t)c->nvalues + 1);
	if (need + 2 > c->size || val_check(seg, at + need - 4, 4))
		return -1;
	c->voff = c->p + 16;
	c->vbytes = c->p + need;
	c->vbytes_len = att_get_u32le(c->p + need - 4);
	need += c->vbytes_len;
	if (need + 2 > c->size || val_check(seg, at + need, 2))
		return -1;
	c->wstart = c->p[need];
	c->word = c->p[need + 1];
	if (c->wstart > 64 || c->word > 64)
		return -1;
	need += 2;
	c->starts = c->p + need;
	need += att_pack_bytes((uint64_t)seg->ndocs + 1, c->wstart);
	c->ords = c->p + need;
	need += att_pack_bytes(c->nords, c->word);
	return need == c->size ? 0 : -1;
}

static att_status parse_values(att_segment *seg, char *msg, size_t msgcap)
{
	const uint8_t *p = seg->f[ATT_SEG_VALUES].p;
	uint64_t end = body_end(seg, ATT_SEG_VALUES), at = ATT_HEADER_SIZE + 8;
	uint64_t next;
	uint32_t n, i;

	if (end < at || val_check(seg, ATT_HEADER_SIZE, 8))
		return corrupt(seg, ATT_SEG_VALUES, ATT_HEADER_SIZE, "header", msg,
		               msgcap);
	n = att_get_u32le(p + ATT_HEADER_SIZE + 4);
	if (att_get_u32le(p + ATT_HEADER_SIZE) != seg->ndocs || n > ATT_SCHEMA_MAX)
		return corrupt(seg, ATT_SEG_VALUES, ATT_HEADER_SIZE, "header", msg,
		               msgcap);
	if (n == 0)
		return at == end ? ATT_OK
		                 : corrupt(seg, ATT_SEG_VALUES, at, "end", msg, msgcap);
	seg->vcols = att_calloc(n, sizeof *seg->vcols);
	if (seg->vcols == NULL)
		return ATT_ENOMEM;
	seg->nvcols = n;
	for (i = 0; i < n; i++) { /* the directory */
		att_valcol *c = &seg->vcols[i];
		char low[ATT_FIELD_NAME_MAX];

		if (val_check(seg, at, 2) || p[at] < ATT_FIELD_KEYWORD ||
		    p[at] > ATT_FIELD_NUMBER || val_check(seg, at + 2, p[at + 1] + 16u) ||
		    att_field_name(low, (const char *)p + at + 2, p[at + 1]) == 0 ||
		    memcmp(low, p + at + 2, p[at + 1]) != 0)
			return corrupt(seg, ATT_SEG_VALUES, at, "column directory", msg,
			               msgcap);
		c->type = p[at];
		c->len = p[at + 1];
		memcpy(c->name, p + at + 2, c->len);
		c->off = att_get_u64le(p + at + 2 + c->len);
		c->size = att_get_u64le(p + at + 10 + c->len);
		at += 18 + c->len;
	}
	for (next = at, i = 0; i < n; i++) {
		att_valcol *c = &seg->vcols[i];

		if (c->off != next || c->size > end - next || parse_column(seg, c) != 0)
			return corrupt(seg, ATT_SEG_VALUES, c->off, "column", msg, msgcap);
		next += c->size;
	}
	return next == end ? ATT_OK
	                   : corrupt(seg, ATT_SEG_VALUES, next, "end", msg, msgcap);
}

att_status att_segment_column(const att_valcol **out, const att_segment *seg,
                              uint32_t i)
{
	att_valcol *c;

	*out = NULL;
	if (i >= seg->nvcols)
		return ATT_ECORRUPT;
	c = &seg->vcols[i];
	if (!__atomic_load_n(&c->checked, __ATOMIC_ACQUIRE)) {
		if (att_segment_check(seg, ATT_SEG_VALUES, c->off, c->size) != ATT_OK)
			return ATT_ECORRUPT;
		__atomic_store_n(&c->checked, 1, __ATOMIC_RELEASE);
	}
	*out = c;
	return ATT_OK;
}

int att_segment_column_find(const att_segment *seg, const char *name,
                            size_t len)
{
	uint32_t i;

	for (i = 0; i < seg->nvcols; i++)
		if (seg->vcols[i].len == len && memcmp(seg->vcols[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

att_status att_valcol_doc(uint64_t *first, uint32_t *n, const att_valcol *c,
                          uint32_t doc)
{
	uint64_t a = att_pack_get(c->starts, doc, c->wstart);
	uint64_t b = att_pack_get(c->starts, (uint64_t)doc + 1, c->wstart);

	*first = a;
	*n = 0;
	if (a > b || b > c->nords || b - a > UINT32_MAX)
		return ATT_ECORRUPT;
	*n = (uint32_t)(b - a);
	return ATT_OK;
}

att_status att_valcol_ord(uint32_t *ord, const att_valcol *c, uint64_t i)
{
	uint64_t o = att_pack_get(c->ords, i, c->word);

	*ord = (uint32_t)o;
	return o < c->nvalues ? ATT_OK : ATT_ECORRUPT;
}

att_status att_valcol_value(const uint8_t **p, size_t *len, const att_valcol *c,
                            uint32_t ord)
{
	uint32_t a = att_get_u32le(c->voff + 4 * (size_t)ord);
	uint32_t b = att_get_u32le(c->voff + 4 * (size_t)ord + 4);

	*p = NULL;
	*len = 0;
	if (ord >= c->nvalues || a > b || b > c->vbytes_len)
		return ATT_ECORRUPT;
	*p = c->vbytes + a;
	*len = b - a;
	return ATT_OK;
}

att_status att_segment_open(att_segment *seg, const char *dir,
                            const att_seg_info *info, char *msg,
                            size_t msgcap)
{
	att_status rc = ATT_OK;
	int f;

	memset(seg, 0, sizeof *seg);
	seg->id = info->id;
	seg->ndocs = info->docs;
	snprintf(seg->path, sizeof seg->path, "%s/seg%06u", dir,
	         (unsigned)info->id);
	for (f = 0; f < ATT_SEG_NFILES && rc == ATT_OK; f++)
		rc = map_file(seg, (enum att_seg_file)f, dir, msg, msgcap);
	if (rc == ATT_OK)
		rc = parse_tables(seg, msg, msgcap);
	if (rc == ATT_OK)
		rc = parse_values(seg, msg, msgcap);
	if (rc == ATT_OK) {
		seg->sdict = att_calloc(1, sizeof *seg->sdict);
		if (seg->sdict == NULL)
			rc = ATT_ENOMEM;
		else
			pthread_mutex_init(&seg->sdict->mu, NULL);
	}
	if (rc == ATT_OK)
		rc = att_deletes_open(&seg->del, dir, info->id, info->del_gen,
		                      info->docs, msg, msgcap);
	if (rc == ATT_OK && seg->del.ndeleted != info->docs - info->live) {
		snprintf(msg, msgcap, "%s: %u documents deleted, the manifest says "
		         "%u", seg->path, seg->del.ndeleted, info->docs - info->live);
		rc = ATT_ECORRUPT;
	}
	if (rc != ATT_OK)
		att_segment_close(seg);
	return rc;
}

void att_segment_release_pages(const att_segment *seg)
{
	int f;

	for (f = 0; f < ATT_SEG_NFILES; f++)
		if (seg->f[f].p != NULL)
			madvise((void *)seg->f[f].p, seg->f[f].n, MADV_DONTNEED);
}

void att_segment_close(att_segment *seg)
{
	int f;

	for (f = 0; f < ATT_SEG_NFILES; f++) {
		if (seg->f[f].p != NULL)
			munmap((void *)seg->f[f].p, seg->f[f].n);
		seg->f[f].p = NULL;
		att_pages_free(&seg->f[f].pg);
	}
	if (seg->sdict != NULL) {
		pthread_mutex_destroy(&seg->sdict->mu);
		att_free(seg->sdict->p);
		att_free(seg->sdict);
		seg->sdict = NULL;
	}
	att_deletes_close(&seg->del);
	att_free(seg->vcols);
	seg->vcols = NULL;
	seg->nvcols = 0;
}

/* The offset of dictionary group G (< ngroups) into *OFF, its sample
 * entry checked against its page's CRC: 0, or -1 if that fails or the
 * offset is not in the body. */
static int group_at(const att_segment *seg, uint32_t g, uint64_t *off)
{
	uint64_t at = seg->dict_body_end + (uint64_t)g * 8;

	if (att_segment_check(seg, ATT_SEG_DICT, at, 8) != ATT_OK)
		return -1;
	*off = att_get_u64le(seg->f[ATT_SEG_DICT].p + at);
	return *off >= ATT_HEADER_SIZE && *off < seg->dict_body_end ? 0 : -1;
}

/* The offset of dictionary group G into *OFF, and its bytes checked
 * against their pages' CRCs: 0, or -1 if that fails or the next group
 * starts before it. */
static int group_span(const att_segment *seg, uint32_t g, uint64_t *off)
{
	uint64_t end = seg->dict_body_end;

	if (group_at(seg, g, off) != 0 ||
	    (g + 1 < seg->ngroups && group_at(seg, g + 1, &end) != 0) ||
	    end < *off)
		return -1;
	return att_segment_check(seg, ATT_SEG_DICT, *off, end - *off) == ATT_OK
	           ? 0
	           : -1;
}

/* Reads the whole first term of dictionary group G (for a binary search,
 * which needs no more of the group than that, nor checks more). */
static int group_term(const att_segment *seg, uint32_t g, const uint8_t **t,
                      size_t *tl)
{
	const uint8_t *d = seg->f[ATT_SEG_DICT].p;
	uint64_t off, pre, sl;
	att_cursor c;

	if (group_at(seg, g, &off) != 0)
		return -1;
	att_cursor_init(&c, d + off, seg->dict_body_end - off);
	att_cursor_varint(&c, &pre);
	att_cursor_varint(&c, &sl);
	if (c.err || pre != 0 || sl > ATT_TERM_BYTES_MAX ||
	    att_cursor_bytes(&c, t, sl) != 0 ||
	    att_segment_check(seg, ATT_SEG_DICT, off,
	                      (uint64_t)(c.p - (d + off))) != ATT_OK)
		return -1;
	*tl = sl;
	return 0;
}

static int cmp_term(const uint8_t *a, size_t al, const char *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	return c != 0 ? c : (al > bl) - (al < bl);
}

/* Scans group G for TERM. Returns 1 found, 0 not, -1 corrupt. */
static int scan_group(att_term_info *ti, const att_segment *seg, uint32_t g,
                      const char *term, size_t len)
{
	uint64_t n = seg->nterms - (uint64_t)g * 16, off, i, pre, sl;
	uint8_t cur[ATT_TERM_BYTES_MAX];
	const uint8_t *suf;
	att_cursor c;
	size_t cl = 0;

	if (group_span(seg, g, &off) != 0)
		return -1;
	att_cursor_init(&c, seg->f[ATT_SEG_DICT].p + off, seg->dict_body_end - off);
	for (i = 0; i < n && i < 16; i++) {
		att_cursor_varint(&c, &pre);
		att_cursor_varint(&c, &sl);
		if (c.err || pre > cl || pre + sl > sizeof cur ||
		    att_cursor_bytes(&c, &suf, sl) != 0)
			return -1;
		memcpy(cur + pre, suf, sl);
		cl = pre + sl;
		att_cursor_varint32(&c, &ti->df);
		att_cursor_varint(&c, &ti->cf);
		if (i == 0) {
			att_cursor_varint(&c, &ti->post_off);
			att_cursor_varint(&c, &ti->pos_off);
		} else {
			ti->post_off += ti->post_len;
			ti->pos_off += ti->pos_len;
		}
		att_cursor_varint(&c, &ti->post_len);
		att_cursor_varint(&c, &ti->pos_len);
		if (c.err)
			return -1;
		if (cmp_term(cur, cl, term, len) == 0)
			return 1;
	}
	return 0;
}

void att_dict_iter_init(att_dict_iter *it, const att_segment *seg)
{
	memset(it, 0, sizeof *it);
	it->seg = seg;
}

att_status att_dict_iter_next(att_dict_iter *it, int *has)
{
	const att_segment *seg = it->seg;
	uint64_t pre, sl;
	const uint8_t *suf;
	att_cursor *c = &it->c;

	if (it->held) {
		it->held = 0;
		*has = 1;
		return ATT_OK;
	}
	*has = 0;
	if (it->i >= seg->nterms)
		return ATT_OK;
	if (it->i % 16 == 0) {
		uint64_t off;

		if (group_span(seg, (uint32_t)(it->i / 16), &off) != 0)
			return ATT_ECORRUPT;
		att_cursor_init(c, seg->f[ATT_SEG_DICT].p + off,
		                seg->dict_body_end - off);
		it->len = 0;
	}
	att_cursor_varint(c, &pre);
	att_cursor_varint(c, &sl);
	if (c->err || pre > it->len || pre + sl > sizeof it->term ||
	    att_cursor_bytes(c, &suf, sl) != 0)
		return ATT_ECORRUPT;
	memcpy(it->term + pre, suf, sl);
	it->len = pre + sl;
	att_cursor_varint32(c, &it->ti.df);
	att_cursor_varint(c, &it->ti.cf);
	if (it->i % 16 == 0) {
		att_cursor_varint(c, &it->ti.post_off);
		att_cursor_varint(c, &it->ti.pos_off);
	} else {
		it->ti.post_off += it->ti.post_len;
		it->ti.pos_off += it->ti.pos_len;
	}
	att_cursor_varint(c, &it->ti.post_len);
	att_cursor_varint(c, &it->ti.pos_len);
	if (c->err)
		return ATT_ECORRUPT;
	it->i++;
	*has = 1;
	return ATT_OK;
}

/* The last group whose first term is <= TERM (group 0 if none is) into
 * *G; -1 if a probed sample is corrupt. */
static int find_group(uint32_t *g, const att_segment *seg, const char *term,
                      size_t len)
{
	uint32_t lo = 0, hi = seg->ngroups;
	const uint8_t *t;
	size_t tl;

	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (group_term(seg, mid, &t, &tl) != 0)
			return -1;
		if (cmp_term(t, tl, term, len) <= 0)
			lo = mid;
		else
			hi = mid;
	}
	*g = lo;
	return 0;
}

/* Reads IT's terms, from the next one on, to the first >= KEY, which
 * the next att_dict_iter_next gives again (held); the reading stops at
 * the end of the group it is in, where the first term >= KEY is then
 * the next group's first. */
static att_status read_to(att_dict_iter *it, const uint8_t *key, size_t len)
{
	att_status rc;
	int has;

	do {
		rc = att_dict_iter_next(it, &has);
	} while (rc == ATT_OK && has && it->i % 16 != 0 &&
	         cmp_term(it->term, it->len, (const char *)key, len) < 0);
	if (rc == ATT_OK && has &&
	    cmp_term(it->term, it->len, (const char *)key, len) >= 0)
		it->held = 1;
	return rc;
}

att_status att_dict_iter_seek(att_dict_iter *it, const att_segment *seg,
                              const uint8_t *key, size_t len)
{
	uint32_t g;

	att_dict_iter_init(it, seg);
	if (seg->ngroups == 0)
		return ATT_OK;
	if (find_group(&g, seg, (const char *)key, len) != 0)
		return ATT_ECORRUPT;
	/* the first term >= KEY is in group g, or else starts group g+1,
	 * where att_dict_iter_next goes by itself once g is read */
	it->i = (uint64_t)g * 16;
	return read_to(it, key, len);
}

att_status att_dict_iter_seek_ahead(att_dict_iter *it, const uint8_t *key,
                                    size_t len)
{
	const att_segment *seg = it->seg;
	uint32_t cur, lo, hi, step = 1;
	const uint8_t *t;
	size_t tl;

	if (it->i == 0 || it->held ||
	    cmp_term(it->term, it->len, (const char *)key, len) >= 0)
		return att_dict_iter_seek(it, seg, key, len);
	/* gallop: first(lo) <= key < first(hi) */
	cur = lo = (uint32_t)((it->i - 1) / 16);
	for (;;) {
		uint64_t probe = (uint64_t)lo + step;

		if (probe >= seg->ngroups) {
			hi = seg->ngroups;
			break;
		}
		if (group_term(seg, (uint32_t)probe, &t, &tl) != 0)
			return ATT_ECORRUPT;
		if (cmp_term(t, tl, (const char *)key, len) > 0) {
			hi = (uint32_t)probe;
			break;
		}
		lo = (uint32_t)probe;
		step *= 2;
	}
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (group_term(seg, mid, &t, &tl) != 0)
			return ATT_ECORRUPT;
		if (cmp_term(t, tl, (const char *)key, len) <= 0)
			lo = mid;
		else
			hi = mid;
	}
	if (lo != cur)
		it->i = (uint64_t)lo * 16; /* the next read starts group lo */
	/* the first term >= KEY is in group lo, or else starts the next */
	return read_to(it, key, len);
}

att_status att_segment_lookup(att_term_info *ti, int *found,
                              const att_segment *seg, const char *term,
                              size_t len, char *msg, size_t msgcap)
{
	uint32_t lo;
	int r;

	*found = 0;
	if (seg->ngroups == 0)
		return ATT_OK;
	if (find_group(&lo, seg, term, len) != 0)
		return corrupt(seg, ATT_SEG_DICT, 0, "dictionary sample", msg,
		               msgcap);
	r = scan_group(ti, seg, lo, term, len);
	if (r < 0)
		return corrupt(seg, ATT_SEG_DICT,
		               (size_t)att_get_u64le(seg->dict_sample + (size_t)lo * 8),
		               "dictionary group", msg, msgcap);
	if (r == 1) {
		uint64_t pst = body_end(seg, ATT_SEG_POSTINGS);
		uint64_t pos = body_end(seg, ATT_SEG_POSITIONS);

		if (ti->df == 0 || ti->df > seg->ndocs ||
		    ti->post_off < ATT_HEADER_SIZE || ti->post_off > pst ||
		    ti->post_len > pst - ti->post_off ||
		    ti->pos_off < ATT_HEADER_SIZE || ti->pos_off > pos ||
		    ti->pos_len > pos - ti->pos_off)
			return corrupt(seg, ATT_SEG_DICT, 0, "term entry offsets", msg,
			               msgcap);
		*found = 1;
	}
	return ATT_OK;
}

static uint32_t fail(att_postings *pc)
{
	pc->err = ATT_ECORRUPT;
	pc->doc = ATT_DOC_END;
	pc->n = 0;
	return ATT_DOC_END;
}

/* Checks the postings bytes [P, P+N) against their pages' CRCs: 0 or -1. */
static int check_bytes(const att_postings *pc, const uint8_t *p, size_t n)
{
	const uint8_t *base = pc->seg->f[ATT_SEG_POSTINGS].p;

	return att_segment_check(pc->seg, ATT_SEG_POSTINGS,
	                         (uint64_t)(p - base), n) == ATT_OK
	           ? 0
	           : -1;
}

/* Unpacks a full block's N tf-1s of width BITS into TFS as tfs: 0, or -1
 * if one is 2^32-1 (its tf would wrap). */
static int unpack_tfs(uint32_t *tfs, const uint8_t *in, unsigned bits,
                      uint32_t n)
{
	uint32_t i, bad = 0;

	att_unpack128(tfs, in, bits);
	for (i = 0; i < n; i++) {
		bad |= tfs[i] == UINT32_MAX;
		tfs[i]++;
	}
	return bad ? -1 : 0;
}

/* Fills the decoded block's tfs[] if they are still packed. */
static void fill_tfs(att_postings *pc)
{
	if (pc->tfs_packed) {
		(void)unpack_tfs(pc->tfs, pc->tf_in, pc->tf_bits, pc->n);
		pc->tfs_packed = 0;
	}
}

/* Decodes block B's documents, and its tfs or where they lie packed; 0
 * or -1 if corrupt. */
static int decode_block(att_postings *pc, uint32_t b)
{
	const uint8_t *p = pc->data, *end = pc->data_end;
	uint32_t n = pc->df, next = 0, i;

	if (pc->nblocks > 1) {
		const uint8_t *sk = pc->skip + (size_t)b * SKIP;
		uint32_t off = att_get_u32le(sk + 4), poff = att_get_u32le(sk + 8);

		size_t plen = (size_t)(pc->pos_end - pc->pos_base);
		uint32_t pnext = b + 1 < pc->nblocks ? att_get_u32le(sk + SKIP + 8)
		                                     : (uint32_t)plen;

		if (off > (size_t)(end - p) || poff > pnext || pnext > plen)
			return -1;
		p += off;
		pc->pos_blk = pc->pos_base + poff;
		pc->pos_blk_end = pc->pos_base + pnext;
		n = b + 1 < pc->nblocks ? ATT_BLOCK : pc->df - b * ATT_BLOCK;
		next = b ? att_get_u32le(sk - SKIP) + 1 : 0;
	} else {
		pc->pos_blk = pc->pos_base;
		pc->pos_blk_end = pc->pos_end;
	}
	pc->tfs_packed = 0;
	if (n == ATT_BLOCK) {
		unsigned bg, bt;

		if (end - p < 2 || (bg = p[0]) > 32 || (bt = p[1]) > 32 ||
		    (size_t)(end - p - 2) < 16u * (bg + bt) ||
		    check_bytes(pc, p, 2 + 16u * (bg + bt)) != 0)
			return -1;
		att_unpack128(pc->docs, p + 2, bg);
		if (bt < 32) { /* no tf-1 can be 2^32-1: leave them packed */
			pc->tf_in = p + 2 + 16 * bg;
			pc->tf_bits = bt;
			pc->tfs_packed = 1;
		} else if (unpack_tfs(pc->tfs, p + 2 + 16 * bg, bt, n) != 0) {
			return -1;
		}
	} else {
		size_t used;
		uint32_t bad = 0;

		if (att_rice_get_pairs(pc->docs, pc->tfs, n, p, (size_t)(end - p),
		                       &used) != 0 ||
		    check_bytes(pc, p, used) != 0)
			return -1;
		for (i = 0; i < n; i++) {
			bad |= pc->tfs[i] == UINT32_MAX;
			pc->tfs[i]++;
		}
		if (bad)
			return -1;
	}
	/* gaps to documents: each is the one before plus its gap plus 1, so
	 * they rise, and the last one below ndocs bounds them all (the sum
	 * of 128 gaps under 2^32 cannot wrap 64 bits) */
	{
		uint64_t d = next;

		for (i = 0; i < n; i++) {
			d += pc->docs[i];
			pc->docs[i] = (uint32_t)d;
			d++;
		}
		if (d - 1 >= pc->seg->ndocs)
			return -1;
	}
	/* their rows: the lengths a scorer reads without a status */
	if (check_rows(pc->seg, pc->docs, n) != 0)
		return -1;
	pc->block = b;
	pc->n = n;
	pc->i = 0;
	pc->pos_i = 0;
	pc->pos_open = 0;
	pc->doc = pc->docs[0];
	return 0;
}

/* The bound of a list of one block, which has no skip table: from the
 * decoded block. Its title tfs would need the positions, so max tf
 * stands in for them: a valid, if loose, upper bound. */
static void one_block_bound(att_postings *pc)
{
	att_block_bound *o = &pc->one;
	uint32_t i;

	fill_tfs(pc);
	o->last_doc = pc->docs[pc->n - 1];
	o->max_tf = 0;
	o->min_dl = UINT32_MAX;
	for (i = 0; i < pc->n; i++) {
		uint32_t dl = att_segment_doclen(pc->seg, pc->docs[i]);

		if (pc->tfs[i] > o->max_tf)
			o->max_tf = pc->tfs[i];
		if (dl < o->min_dl)
			o->min_dl = dl;
	}
	o->max_title_tf = o->max_tf;
	o->imp = NULL;
	o->imp_len = 0;
}

att_status att_postings_init(att_postings *pc, const att_segment *seg,
                             const att_term_info *ti)
{
	const uint8_t *pst = seg->f[ATT_SEG_POSTINGS].p;

	pc->seg = seg;
	pc->err = 0;
	pc->df = ti->df;
	pc->nblocks = (ti->df + ATT_BLOCK - 1) / ATT_BLOCK;
	pc->skip = pst + ti->post_off;
	pc->data = pc->skip;
	pc->data_end = pst + ti->post_off + ti->post_len;
	pc->pos_base = seg->f[ATT_SEG_POSITIONS].p + ti->pos_off;
	pc->pos_end = pc->pos_base + ti->pos_len;
	pc->imp = pc->imp_end = NULL;
	if (pc->nblocks > 1) {
		uint64_t after = ti->post_len - (uint64_t)pc->nblocks * SKIP;
		uint32_t imp0;

		if (ti->post_len < (uint64_t)pc->nblocks * SKIP ||
		    check_bytes(pc, pc->skip, (size_t)pc->nblocks * SKIP) != 0 ||
		    (imp0 = att_get_u32le(pc->skip + 24)) > after) {
			fail(pc);
			return ATT_ECORRUPT;
		}
		/* the skip table, the blocks, then the blocks' impacts */
		pc->data = pc->skip + (size_t)pc->nblocks * SKIP;
		pc->imp = pc->data + imp0;
		pc->imp_end = pc->data_end;
		pc->data_end = pc->imp;
		if (check_bytes(pc, pc->imp, (size_t)(pc->imp_end - pc->imp)) != 0) {
			fail(pc);
			return ATT_ECORRUPT;
		}
	}
	if (decode_block(pc, 0) != 0) {
		fail(pc);
		return ATT_ECORRUPT;
	}
	pc->bound_block = 0;
	if (pc->nblocks == 1)
		one_block_bound(pc);
	return ATT_OK;
}

uint32_t att_postings_next(att_postings *pc)
{
	if (pc->doc == ATT_DOC_END)
		return ATT_DOC_END;
	if (++pc->i < pc->n)
		return pc->doc = pc->docs[pc->i];
	if (pc->block + 1 >= pc->nblocks) {
		pc->doc = ATT_DOC_END;
		return ATT_DOC_END;
	}
	if (decode_block(pc, pc->block + 1) != 0)
		return fail(pc);
	return pc->doc;
}

uint32_t att_postings_advance(att_postings *pc, uint32_t target)
{
	uint32_t b;

	if (pc->doc >= target)
		return pc->doc;
	if (pc->nblocks > 1 &&
	    att_get_u32le(pc->skip + (size_t)pc->block * SKIP) < target) {
		uint32_t lo = pc->block + 1, hi = lo, step = 1;

		/* gallop over the skip entries, then halve: the first block
		 * whose last document is >= target lies in [lo, hi] */
		while (hi < pc->nblocks &&
		       att_get_u32le(pc->skip + (size_t)hi * SKIP) < target) {
			lo = hi + 1;
			hi += step;
			step *= 2;
		}
		if (hi >= pc->nblocks)
			hi = pc->nblocks;
		while (lo < hi) {
			b = lo + (hi - lo) / 2;
			if (att_get_u32le(pc->skip + (size_t)b * SKIP) < target)
				lo = b + 1;
			else
				hi = b;
		}
		b = lo;
		if (b == pc->nblocks) {
			pc->doc = ATT_DOC_END;
			return ATT_DOC_END;
		}
		if (decode_block(pc, b) != 0)
			return fail(pc);
	}
	/* the target is in this block, or past it and before the next
	 * block's first document: scan the decoded documents */
	while (pc->i < pc->n && pc->docs[pc->i] < target)
		pc->i++;
	if (pc->i < pc->n)
		return pc->doc = pc->docs[pc->i];
	pc->i--;
	return att_postings_next(pc);
}

static uint32_t skip_last(const att_postings *pc, uint32_t b)
{
	return att_get_u32le(pc->skip + (size_t)b * SKIP);
}

void att_postings_max_bound(att_block_bound *out, const att_postings *pc)
{
	uint32_t b;

	if (pc->nblocks <= 1) {
		*out = pc->one;
		return;
	}
	memset(out, 0, sizeof *out);
	out->min_dl = UINT32_MAX;
	for (b = 0; b < pc->nblocks; b++) {
		const uint8_t *e = pc->skip + (size_t)b * SKIP;
		uint32_t tf = att_get_u32le(e + 12), dl = att_get_u32le(e + 16);
		uint32_t ttf = att_get_u32le(e + 20);

		if (tf > out->max_tf)
			out->max_tf = tf;
		if (dl < out->min_dl)
			out->min_dl = dl;
		if (ttf > out->max_title_tf)
			out->max_title_tf = ttf;
	}
	out->last_doc = skip_last(pc, pc->nblocks - 1);
	out->imp = NULL;
	out->imp_len = 0;
}

int att_postings_shallow(att_block_bound *out, att_postings *pc,
                         uint32_t target)
{
	uint32_t lo, hi, step = 1;
	const uint8_t *sk;
	size_t a, z;

	if (pc->nblocks <= 1) {
		if (pc->nblocks == 0 || target > pc->one.last_doc)
			return 0;
		*out = pc->one;
		return 1;
	}
	/* gallop from the block found last (or the cursor's, if further):
	 * the block wanted is at or after both */
	lo = pc->bound_block > pc->block ? pc->bound_block : pc->block;
	if (skip_last(pc, lo) < target) {
		hi = lo + 1;
		for (; hi < pc->nblocks && skip_last(pc, hi) < target;
		     hi = lo + step) {
			lo = hi;
			step *= 2;
		}
		if (hi >= pc->nblocks) {
			hi = pc->nblocks - 1;
			if (skip_last(pc, hi) < target)
				return 0;
		}
		while (hi - lo > 1) { /* last(lo) < target <= last(hi) */
			uint32_t mid = lo + (hi - lo) / 2;

			if (skip_last(pc, mid) < target)
				lo = mid;
			else
				hi = mid;
		}
		lo = hi;
	}
	pc->bound_block = lo;
	sk = pc->skip + (size_t)lo * SKIP;
	/* its impacts, up to the next block's or the list's end (offsets
	 * from the first byte after the skip table) */
	a = att_get_u32le(sk + 24);
	z = lo + 1 < pc->nblocks ? att_get_u32le(sk + SKIP + 24)
	                         : (size_t)(pc->imp_end - pc->data);
	if (a < (size_t)(pc->imp - pc->data) || z < a ||
	    z > (size_t)(pc->imp_end - pc->data)) {
		fail(pc);
		return 0;
	}
	out->last_doc = att_get_u32le(sk);
	out->max_tf = att_get_u32le(sk + 12);
	out->min_dl = att_get_u32le(sk + 16);
	out->max_title_tf = att_get_u32le(sk + 20);
	out->imp = pc->data + a;
	out->imp_len = (uint32_t)(z - a);
	return 1;
}

/* Opens the current block's positions: its Rice parameter k in 5 bits,
 * then the low bits of its N codes, k each, then their quotients (N is
 * the sum of the block's tfs). 0, or -1 if the block is too short for
 * them. */
static int open_positions(att_postings *pc)
{
	size_t len = (size_t)(pc->pos_blk_end - pc->pos_blk);
	uint64_t ncodes = 0, hi;
	uint32_t k, i;
	att_bits r;

	/* the block's bytes against their pages' CRCs, once per block */
	if (att_segment_check(pc->seg, ATT_SEG_POSITIONS,
	                      (uint64_t)(pc->pos_blk -
	                                 pc->seg->f[ATT_SEG_POSITIONS].p),
	                      len) != ATT_OK)
		return -1;
	att_bits_init(&r, pc->pos_blk, len);
	if (att_bits_get(&r, 5, &k) != 0)
		return -1;
	fill_tfs(pc);
	for (i = 0; i < pc->n; i++)
		ncodes += pc->tfs[i];
	hi = 5 + ncodes * k;
	if (hi > 8 * (uint64_t)len)
		return -1;
	att_bits_init(&pc->pos_hi, pc->pos_blk + hi / 8, len - hi / 8);
	if (att_bits_get(&pc->pos_hi, (unsigned)(hi % 8), &i) != 0)
		return -1;
	pc->pos_k = k;
	pc->pos_lo = 5;
	pc->pos_i = 0;
	pc->pos_open = 1;
	return 0;
}

/* Decodes the TF positions of one posting into OUT: quotients from HI,
 * low bits (K each) from LO; the first position, then each later one the
 * one before plus the code plus 1. 0, or -1 if the bits run out or a
 * position passes 2^32-1. */
static int rice_positions(uint32_t *out, att_bits *hi, att_bits *lo,
                          unsigned k, uint32_t tf)
{
	uint64_t pos = 0, q;
	uint32_t low, j;

	for (j = 0; j < tf; j++) {
		if (att_unary_get(hi, &q) != 0 || att_bits_get(lo, k, &low) != 0)
			return -1;
		pos += (q << k | low) + (j > 0);
		if (pos > UINT32_MAX)
			return -1;
		out[j] = (uint32_t)pos;
	}
	return 0;
}

att_status att_postings_positions(uint32_t **out, size_t *cap, uint32_t *n,
                                  att_postings *pc)
{
	uint32_t tf, k, drop;
	uint64_t skip = 0;
	att_bits hi, lo;

	*n = 0;
	if (pc->doc == ATT_DOC_END)
		return ATT_OK;
	fill_tfs(pc);
	tf = pc->tfs[pc->i];
	if ((!pc->pos_open || pc->pos_i > pc->i) && open_positions(pc) != 0)
		goto corrupt;
	for (k = pc->pos_i; k < pc->i; k++)
		skip += pc->tfs[k];
	/* every quotient takes at least one bit */
	if (skip + tf > pc->pos_hi.have +
	    8 * (uint64_t)(pc->pos_hi.end - pc->pos_hi.p))
		goto corrupt;
	if (tf > *cap) {
		uint32_t *p = att_realloc(*out, (size_t)tf * sizeof *p);

		if (p == NULL)
			return ATT_ENOMEM;
		*out = p;
		*cap = tf;
	}
	hi = pc->pos_hi; /* local copies stay in registers */
	if (att_unary_skip(&hi, skip) != 0)
		goto corrupt;
	pc->pos_lo += skip * pc->pos_k; /* within the block: open checked */
	att_bits_init(&lo, pc->pos_blk + pc->pos_lo / 8,
	              (size_t)(pc->pos_blk_end - pc->pos_blk) - pc->pos_lo / 8);
	if (att_bits_get(&lo, (unsigned)(pc->pos_lo % 8), &drop) != 0 ||
	    rice_positions(*out, &hi, &lo, pc->pos_k, tf) != 0)
		goto corrupt;
	pc->pos_hi = hi;
	pc->pos_lo += (uint64_t)tf * pc->pos_k;
	pc->pos_i = pc->i + 1;
	*n = tf;
	return ATT_OK;
corrupt:
	fail(pc);
	return ATT_ECORRUPT;
}

att_status att_segment_sentences(att_sentence **out, size_t *cap, uint32_t *n,
                                 const att_segment *seg, uint32_t doc)
{
	return att_segment_sentences_until(out, cap, n, seg, doc, UINT32_MAX);
}

att_status att_segment_sentences_until(att_sentence **out, size_t *cap,
                                       uint32_t *n, const att_segment *seg,
                                       uint32_t doc, uint32_t stop)
{
	size_t end = body_end(seg, ATT_SEG_SENTENCES), used;
	att_status rc;
	uint32_t off;

	*n = 0;
	if (check_row(seg, doc) != 0)
		return ATT_ECORRUPT;
	off = att_get_u32le(seg->rows + (size_t)doc * ROW + 16);
	if (off < ATT_HEADER_SIZE || off > end)
		return ATT_ECORRUPT;
	rc = att_sentences_decode(out, cap, n, seg->f[ATT_SEG_SENTENCES].p + off,
	                          end - off, stop, &used);
	/* (bounds-checked, so decoding before the check reads nothing wild) */
	if (rc == ATT_OK &&
	    att_segment_check(seg, ATT_SEG_SENTENCES, off, used) != ATT_OK) {
		*n = 0;
		rc = ATT_ECORRUPT;
	}
	return rc;
}

/* Decompresses block BLOCK, whole, into the cache: a block is one zstd
 * frame against the segment's dictionary. Its length comes from the
 * block index and is bounded before any byte is written; the frame's
 * own content size must agree. The pages' CRCs, checked here, vouch for
 * the bytes, so the frames carry no checksum of their own. */
static att_status load_block(att_block_cache *cache, const att_segment *seg,
                             uint32_t block, size_t want, char *msg,
                             size_t msgcap)
{
	const uint8_t *e = seg->store_index + (size_t)block * 16, *dict = NULL;
	uint64_t off = att_get_u64le(e);
	uint32_t clen = att_get_u32le(e + 8), ulen = att_get_u32le(e + 12);
	size_t dictn = 0;
	att_status rc;
	int zr;

	if (off < ATT_HEADER_SIZE || off > seg->store_index_off ||
	    clen > seg->store_index_off - off || ulen > (80u << 20))
		return corrupt(seg, ATT_SEG_STORE, (size_t)(e - seg->f[ATT_SEG_STORE].p),
		               "block index entry", msg, msgcap);
	if (want > ulen)
		return corrupt(seg, ATT_SEG_DOCS, 0, "document row (past its block)",
		               msg, msgcap);
	if (att_segment_check(seg, ATT_SEG_STORE, off, clen) != ATT_OK)
		return page_damage(seg, msg, msgcap);
	rc = att_segment_store_dict(&dict, &dictn, seg, msg, msgcap);
	if (rc != ATT_OK)
		return rc;
	cache->seg = NULL;
	if (cache->zd == NULL && (cache->zd = ZSTD_createDCtx()) == NULL)
		return ATT_ENOMEM;
	att_buf_clear(&cache->buf);
	if (att_buf_reserve(&cache->buf, ulen) != 0) {
		att_buf_release(&cache->buf); /* clears the sticky error */
		return ATT_ENOMEM;
	}
	zr = unframe(cache->zd, &cache->zin, cache->buf.p, ulen,
	             seg->f[ATT_SEG_STORE].p + off, clen, dict, dictn);
	if (zr == -2)
		return ATT_ENOMEM;
	if (zr != 0)
		return corrupt(seg, ATT_SEG_STORE, (size_t)off, "compressed block",
		               msg, msgcap);
	cache->buf.n = ulen;
	cache->seg = seg;
	cache->block = block;
	return ATT_OK;
}

void att_block_cache_release(att_block_cache *cache)
{
	if (cache == NULL)
		return;
	ZSTD_freeDCtx(cache->zd);
	cache->zd = NULL;
	att_buf_release(&cache->buf);
	att_buf_release(&cache->zin);
	cache->seg = NULL;
}

att_status att_segment_fetch(att_record *rec, att_block_cache *cache,
                             const att_segment *seg, uint32_t doc, char *msg,
                             size_t msgcap)
{
	return att_segment_fetch_text(rec, cache, seg, doc, SIZE_MAX, msg,
	                              msgcap);
}

/* The bytes of DOC's record needed for its text's first UPTO bytes: the
 * id and title (their lengths are in the names area), at most a 10-byte
 * varint, UPTO. */
static size_t prefix_len(const att_segment *seg, uint32_t doc, size_t upto,
                         uint32_t len)
{
	att_record nm;
	size_t n;

	if (upto >= len || att_segment_names(&nm, seg, doc) != ATT_OK)
		return len;
	n = att_varint_len(nm.id_len) + nm.id_len + att_varint_len(nm.title_len) +
	    nm.title_len + ATT_VARINT_MAX + upto;
	return n < len ? n : len;
}

att_status att_segment_fetch_text(att_record *rec, att_block_cache *cache,
                                  const att_segment *seg, uint32_t doc,
                                  size_t upto, char *msg, size_t msgcap)
{
	const uint8_t *row = seg->rows + (size_t)doc * ROW, *p;
	uint32_t block, off, len, want;
	uint64_t l1, l2, l3;
	att_status rc;
	att_cursor c;

	if (check_row(seg, doc) != 0)
		return page_damage(seg, msg, msgcap);
	block = att_get_u32le(row + 4);
	off = att_get_u32le(row + 8);
	len = att_get_u32le(row + 12);
	if (block >= seg->nblocks)
		return corrupt(seg, ATT_SEG_DOCS, ATT_HEADER_SIZE + 4 + (size_t)doc * ROW,
		               "document row", msg, msgcap);
	want = (uint32_t)prefix_len(seg, doc, upto, len);
	if (cache->seg != seg || cache->block != block ||
	    (size_t)off + want > cache->buf.n) {
		rc = load_block(cache, seg, block, (size_t)off + want, msg, msgcap);
		if (rc != ATT_OK)
			return rc;
	}
	if (off > cache->buf.n || want > cache->buf.n - off)
		return corrupt(seg, ATT_SEG_DOCS, ATT_HEADER_SIZE + 4 + (size_t)doc * ROW,
		               "document row", msg, msgcap);
	att_cursor_init(&c, cache->buf.p + off, want);
	att_cursor_varint(&c, &l1);
	if (att_cursor_bytes(&c, &p, (size_t)l1) == 0)
		rec->id = (const char *)p;
	att_cursor_varint(&c, &l2);
	if (att_cursor_bytes(&c, &p, (size_t)l2) == 0)
		rec->title = (const char *)p;
	att_cursor_varint(&c, &l3);
	if (!c.err && want < len && l3 > (uint64_t)(c.end - c.p))
		l3 = (uint64_t)(c.end - c.p); /* the text's first bytes only */
	if (att_cursor_bytes(&c, &p, (size_t)l3) == 0)
		rec->text = (const char *)p;
	if (c.err)
		return corrupt(seg, ATT_SEG_STORE, off, "stored record", msg, msgcap);
	rec->id_len = (size_t)l1;
	rec->title_len = (size_t)l2;
	rec->text_len = (size_t)l3;
	rec->raw = cache->buf.p + off;
	rec->raw_len = want;
	return ATT_OK;
}

att_status att_segment_names(att_record *rec, const att_segment *seg,
                             uint32_t doc)
{
	uint64_t l1, l2;
	const uint8_t *p;
	uint32_t off;
	att_cursor c;

	memset(rec, 0, sizeof *rec);
	if (check_row(seg, doc) != 0)
		return ATT_ECORRUPT;
	off = att_get_u32le(seg->rows + (size_t)doc * ROW + 20);
	if (off > seg->names_n)
		return ATT_ECORRUPT;
	att_cursor_init(&c, seg->names + off, seg->names_n - off);
	att_cursor_varint(&c, &l1);
	if (att_cursor_bytes(&c, &p, (size_t)l1) == 0)
		rec->id = (const char *)p;
	att_cursor_varint(&c, &l2);
	if (att_cursor_bytes(&c, &p, (size_t)l2) == 0)
		rec->title = (const char *)p;
	if (c.err || l1 == 0 ||
	    att_segment_check(seg, ATT_SEG_DOCS,
	                      (uint64_t)(seg->names - seg->f[ATT_SEG_DOCS].p) + off,
	                      (uint64_t)(c.p - (seg->names + off))) != ATT_OK) {
		memset(rec, 0, sizeof *rec);
		return ATT_ECORRUPT;
	}
	rec->id_len = (size_t)l1;
	rec->title_len = (size_t)l2;
	return ATT_OK;
}
