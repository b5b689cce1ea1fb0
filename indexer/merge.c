/*
 * merge.c: merging segments, and when to.
 *
 * A merge reads N committed segments and writes one new segment holding
 * their live documents, in order: first segment's documents first. Each
 * source document gets its new number from a map (or none, if deleted),
 * and everything is copied through that map: stored records verbatim
 * (re-blocked and recompressed), sentence tables, document rows, and for
 * every term, found by walking the N dictionaries in step, the postings
 * and positions of its live documents, re-encoded in blocks by the same
 * encoder a flush uses (segment.c); typed-field values are read from the
 * sources' columns and encoded anew (values.c). Deleted documents and their
 * statistics adjustments vanish together, and the new segment has no
 * deletions. Nothing a reader uses is touched: the sources stay until a
 * manifest no longer names them.
 *
 * The policy is tiered, as in Lucene's log merge policy: segments are
 * binned by size (tokens) in factors of ten, and any bin holding ten
 * segments is merged into one, which lands in the next bin up. With
 * flushes of a fixed size the number of segments is at most ten per
 * factor of ten of the collection: logarithmic.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "indexer.h"

#define NO_DOC UINT32_MAX
#define MERGE_FACTOR 10

typedef struct merger {
	const char *dir;
	uint32_t n;
	att_segment *src;
	uint32_t **map;           /* per source: old document -> new, or NO_DOC */
	att_store_writer store;
	att_fwriter sen;
	att_buf rows, names, stream, sentbuf;
	att_valbuild vals;
	att_block_cache cache;
	att_sentence *sents;
	size_t sentcap;
	uint32_t *pos;
	size_t poscap;
	att_seg_info out;
	uint64_t terms;
	char *msg;
	size_t msgcap;
} merger;

static att_status open_sources(merger *m, const att_seg_info *src,
                               const uint8_t *const *del)
{
	uint32_t i, d, next = 0;
	att_status rc;

	for (i = 0; i < m->n; i++) {
		rc = att_segment_open(&m->src[i], m->dir, &src[i], m->msg, m->msgcap);
		if (rc != ATT_OK)
			return rc;
		m->map[i] = att_malloc(((size_t)src[i].docs + 1) * sizeof **m->map);
		if (m->map[i] == NULL)
			return ATT_ENOMEM;
		for (d = 0; d < src[i].docs; d++) {
			int gone = del && del[i] ? del[i][d >> 3] >> (d & 7) & 1
			                         : att_deleted(&m->src[i].del, d);

			m->map[i][d] = gone ? NO_DOC : next++;
		}
	}
	m->out.docs = m->out.live = next;
	return ATT_OK;
}

/* Copies source I's document D: record, sentence table, row. */
static att_status copy_doc(merger *m, uint32_t i, uint32_t d)
{
	const att_segment *s = &m->src[i];
	uint32_t dl, tl, block, off, len, nsent;
	uint64_t sen_off = m->sen.off;
	att_record rec;
	att_status rc;

	/* the fetch checks D's row, which holds the lengths */
	rc = att_segment_fetch(&rec, &m->cache, s, d, m->msg, m->msgcap);
	dl = att_segment_doclen(s, d);
	tl = att_segment_titlelen(s, d);
	if (rc == ATT_OK)
		rc = att_store_add_raw(&m->store, rec.raw, rec.raw_len, &block, &off,
		                       &len);
	if (rc == ATT_OK)
		rc = att_segment_sentences(&m->sents, &m->sentcap, &nsent, s, d);
	if (rc == ATT_OK && (rc = att_valbuild_copy(&m->vals, s, d)) == ATT_ECORRUPT)
		snprintf(m->msg, m->msgcap, "%s.val: corrupt column of document %u",
		         s->path, (unsigned)d);
	if (rc != ATT_OK)
		return rc;
	att_buf_clear(&m->sentbuf);
	att_buf_put_varint(&m->sentbuf, nsent);
	att_sentences_encode(&m->sentbuf, m->sents, nsent);
	att_fw_write(&m->sen, m->sentbuf.p, m->sentbuf.n);
	{
		const uint32_t row[5] = { dl, block, off, len, (uint32_t)sen_off };

		att_row_put(&m->rows, &m->names, row, tl, rec.id, rec.id_len,
		            rec.title, rec.title_len);
	}
	if (m->rows.rc || m->sentbuf.rc || m->names.rc)
		return ATT_ENOMEM;
	if (m->sen.rc != ATT_OK)
		return m->sen.rc;
	m->out.tokens += dl;
	m->out.title_tokens += tl;
	m->out.raw_bytes += rec.title_len + rec.text_len;
	return ATT_OK;
}

static att_status copy_docs(merger *m)
{
	uint32_t i, d;
	att_status rc = ATT_OK;

	for (i = 0; i < m->n && rc == ATT_OK; i++) {
		for (d = 0; d < m->src[i].ndocs && rc == ATT_OK; d++)
			if (m->map[i][d] != NO_DOC)
				rc = copy_doc(m, i, d);
		att_segment_release_pages(&m->src[i]);
	}
	return rc;
}

/* Appends source I's postings of the term TI to m->stream. */
static att_status append_postings(merger *m, uint32_t i, const att_term_info *ti,
                                  att_postings *pc, uint32_t *next,
                                  att_inv_term *t)
{
	att_status rc = att_postings_init(pc, &m->src[i], ti);
	uint32_t np, k;

	for (; rc == ATT_OK && pc->doc != ATT_DOC_END; att_postings_next(pc)) {
		uint32_t nd = m->map[i][pc->doc], prev = 0;

		if (nd == NO_DOC)
			continue;
		rc = att_postings_positions(&m->pos, &m->poscap, &np, pc);
		if (rc != ATT_OK)
			break;
		att_buf_put_varint(&m->stream, nd - *next);
		att_buf_put_varint(&m->stream, np);
		for (k = 0; k < np; k++) {
			att_buf_put_varint(&m->stream, m->pos[k] - prev);
			prev = m->pos[k];
		}
		*next = nd + 1;
		t->df++;
		t->cf += np;
	}
	if (rc == ATT_OK && pc->err)
		rc = pc->err;
	if (rc == ATT_OK && m->stream.rc != ATT_OK)
		rc = ATT_ENOMEM;
	return rc;
}

static int cmp_iter(const att_dict_iter *a, const att_dict_iter *b)
{
	int c = memcmp(a->term, b->term, a->len < b->len ? a->len : b->len);

	return c != 0 ? c : (a->len > b->len) - (a->len < b->len);
}

/* Walks the sources' dictionaries in step, merging each term. */
static att_status merge_terms(merger *m, att_segenc *enc, att_dict_iter *it,
                              int *has, att_postings *pc)
{
	att_status rc = ATT_OK;
	uint32_t i, lo;

	for (i = 0; i < m->n && rc == ATT_OK; i++) {
		att_dict_iter_init(&it[i], &m->src[i]);
		rc = att_dict_iter_next(&it[i], &has[i]);
	}
	while (rc == ATT_OK) {
		att_inv_term t;
		uint32_t next = 0;

		for (lo = m->n, i = 0; i < m->n; i++)
			if (has[i] && (lo == m->n || cmp_iter(&it[i], &it[lo]) < 0))
				lo = i;
		if (lo == m->n)
			break;
		memset(&t, 0, sizeof t);
		t.term = (const char *)it[lo].term;
		t.len = it[lo].len;
		att_buf_clear(&m->stream);
		for (i = lo; i < m->n && rc == ATT_OK; i++)
			if (has[i] && cmp_iter(&it[i], &it[lo]) == 0)
				rc = append_postings(m, i, &it[i].ti, pc, &next, &t);
		t.data = m->stream.p;
		t.data_len = m->stream.n;
		if (rc == ATT_OK && t.df > 0)
			rc = att_segenc_term(enc, &t);
		if (++m->terms % 4096 == 0) /* keep resident memory bounded */
			for (i = 0; i < m->n; i++)
				att_segment_release_pages(&m->src[i]);
		/* advance the others first: it[lo] holds the term compared */
		for (i = m->n; rc == ATT_OK && i-- > lo;)
			if (has[i] && (i == lo || cmp_iter(&it[i], &it[lo]) == 0))
				rc = att_dict_iter_next(&it[i], &has[i]);
	}
	if (rc == ATT_ECORRUPT && m->msg[0] == '\0')
		snprintf(m->msg, m->msgcap, "corrupt dictionary or postings in a "
		         "segment being merged");
	return rc;
}

static att_status write_new(merger *m, uint32_t newid)
{
	char path[4096];
	att_dict_iter *it = att_calloc(m->n, sizeof *it);
	int *has = att_calloc(m->n, sizeof *has);
	att_postings *pc = att_malloc(sizeof *pc);
	att_segenc *enc = NULL;
	att_status rc = it && has && pc ? ATT_OK : ATT_ENOMEM;

	att_seg_path(path, sizeof path, m->dir, newid, ATT_SEG_STORE);
	if (rc == ATT_OK)
		rc = att_store_open(&m->store, path);
	att_seg_path(path, sizeof path, m->dir, newid, ATT_SEG_SENTENCES);
	if (rc == ATT_OK)
		rc = att_fw_open(&m->sen, path, ATT_MAGIC_SENTENCES);
	if (rc == ATT_OK)
		rc = copy_docs(m);
	if (rc != ATT_OK && m->msg[0] == '\0') /* a write failed: say which */
		snprintf(m->msg, m->msgcap, "%s", m->store.fw.msg[0]
		         ? m->store.fw.msg : m->sen.msg);
	if (rc == ATT_OK)
		rc = att_store_finish(&m->store, m->msg, m->msgcap);
	if (rc == ATT_OK && (rc = att_fw_finish(&m->sen)) != ATT_OK)
		snprintf(m->msg, m->msgcap, "%s", m->sen.msg);
	if (rc == ATT_OK)
		rc = att_docs_write(m->dir, newid, m->out.docs, &m->rows, &m->names,
		                    m->msg, m->msgcap);
	if (rc == ATT_OK)
		rc = att_values_write(m->dir, newid, &m->vals, m->msg, m->msgcap);
	if (rc == ATT_OK)
		rc = att_segenc_open(&enc, m->dir, newid, m->rows.p);
	if (rc == ATT_OK)
		rc = merge_terms(m, enc, it, has, pc);
	if (enc != NULL && rc == ATT_OK)
		rc = att_segenc_finish(enc, m->msg, m->msgcap);
	else
		att_segenc_abort(enc);
	att_free(it);
	att_free(has);
	att_free(pc);
	return rc;
}

att_status att_merge_segments(att_seg_info *out, const char *dir,
                              const att_schema *schema,
                              const att_seg_info *src,
                              const uint8_t *const *del, uint32_t n,
                              uint32_t newid, char *msg, size_t msgcap)
{
	merger m;
	att_status rc;
	uint32_t i;

	memset(&m, 0, sizeof m);
	m.dir = dir;
	m.n = n;
	m.msg = msg;
	m.msgcap = msgcap;
	m.sen.fd = -1;
	m.store.fw.fd = -1;
	att_valbuild_init(&m.vals, schema);
	msg[0] = '\0';
	m.src = att_calloc(n + 1, sizeof *m.src);
	m.map = att_calloc(n + 1, sizeof *m.map);
	rc = m.src && m.map ? open_sources(&m, src, del) : ATT_ENOMEM;
	m.out.id = newid;
	if (rc == ATT_OK)
		rc = write_new(&m, newid);
	if (rc == ATT_OK)
		*out = m.out;
	if (rc != ATT_OK) { /* no half-written segment stays behind */
		char path[4096];
		int f;

		att_store_abort(&m.store);
		att_fw_abort(&m.sen);
		for (f = 0; f < ATT_SEG_NFILES; f++) {
			att_seg_path(path, sizeof path, dir, newid, (enum att_seg_file)f);
			unlink(path);
		}
		if (rc == ATT_ENOMEM)
			snprintf(msg, msgcap, "out of memory");
	}
	for (i = 0; m.src && i < n; i++)
		att_segment_close(&m.src[i]);
	for (i = 0; m.map && i < n; i++)
		att_free(m.map[i]);
	att_free(m.src);
	att_free(m.map);
	att_buf_release(&m.rows);
	att_buf_release(&m.names);
	att_buf_release(&m.stream);
	att_buf_release(&m.sentbuf);
	att_valbuild_release(&m.vals);
	att_block_cache_release(&m.cache);
	att_free(m.sents);
	att_free(m.pos);
	return rc;
}

/* ---- policy ------------------------------------------------------------------- */

static unsigned tier(const att_seg_info *s)
{
	uint64_t t = s->tokens / 10000;
	unsigned k = 0;

	while (t > 0) {
		t /= MERGE_FACTOR;
		k++;
	}
	return k;
}

uint32_t att_merge_policy(uint32_t *pick, const att_seg_info *segs, uint32_t n)
{
	uint32_t i, k, count;
	unsigned t;

	for (i = 0; i < n; i++) /* a mostly deleted segment: rewrite it */
		if (segs[i].live * 2ull < segs[i].docs) {
			pick[0] = i;
			return 1;
		}
	for (t = 0; t < 20; t++) {
		for (count = 0, i = 0; i < n; i++)
			count += tier(&segs[i]) == t;
		if (count < MERGE_FACTOR)
			continue;
		for (k = 0, i = 0; i < n && k < MERGE_FACTOR; i++)
			if (tier(&segs[i]) == t)
				pick[k++] = i;
		return k;
	}
	return 0;
}
