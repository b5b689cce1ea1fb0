/*
 * deletes.c: a segment's deleted documents.
 *
 * Segments are immutable, so deleting a document writes a new, small
 * file beside its segment: segNNNNNN_G.del, where G is the generation of
 * the commit that wrote it. The manifest names the current G of each
 * segment; an older .del is removed once no manifest names it.
 *
 * The file holds a bitmap of deleted documents and, for every term those
 * documents contain, how many of them contain it (ddf) and how often
 * (dcf). A searcher subtracts these from the dictionary's df, so BM25
 * scores after a delete are exactly those of an index rebuilt without the
 * document: Lucene leaves deleted documents in its statistics until a
 * merge; attache's updates are meant to be invisible in the scores.
 * A merge drops deleted documents and their adjustments together.
 *
 * Layout: header "ATDL"; u32 documents; u32 deleted; the bitmap,
 * ceil(documents / 8) bytes, bit d of byte d / 8 for document d; u32
 * adjustments; each a varint term length, the term, varint ddf, varint
 * dcf, in strictly increasing term order; the CRC-32 trailer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format.h"

void att_del_path(char *out, size_t cap, const char *dir, uint32_t seg,
                  uint32_t gen)
{
	snprintf(out, cap, "%s/seg%06u_%u.del", dir, (unsigned)seg,
	         (unsigned)gen);
}

void att_deletes_close(att_deletes *d)
{
	if (d->map != NULL)
		munmap((void *)d->map, d->map_n);
	att_free(d->adj);
	memset(d, 0, sizeof *d);
}

static int cmp_bytes(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	return c != 0 ? c : (al > bl) - (al < bl);
}

static att_status parse(att_deletes *d, uint32_t ndocs, const char *path,
                        char *msg, size_t msgcap)
{
	att_cursor c;
	uint32_t nd, i, count = 0, nadj;
	size_t nb = ((size_t)ndocs + 7) / 8;

	att_cursor_init(&c, d->map + ATT_HEADER_SIZE,
	                d->map_n - ATT_HEADER_SIZE - ATT_TRAILER_SIZE);
	att_cursor_u32le(&c, &nd);
	att_cursor_u32le(&c, &d->ndeleted);
	if (c.err || nd != ndocs || att_cursor_bytes(&c, &d->bits, nb) != 0)
		goto corrupt;
	for (i = 0; i < ndocs; i++)
		count += att_deleted(d, i);
	if (count != d->ndeleted || (ndocs % 8 && d->bits[nb - 1] >> (ndocs % 8)))
		goto corrupt;
	if (att_cursor_u32le(&c, &nadj) != 0 || nadj > (size_t)(c.end - c.p) / 3)
		goto corrupt;
	d->adj = att_calloc(nadj + 1, sizeof *d->adj);
	if (d->adj == NULL)
		return ATT_ENOMEM;
	for (i = 0; i < nadj; i++) {
		att_del_adj *a = &d->adj[i];
		uint64_t len;

		att_cursor_varint(&c, &len);
		if (c.err || len > ATT_TERM_BYTES_MAX ||
		    att_cursor_bytes(&c, &a->term, (size_t)len) != 0)
			goto corrupt;
		a->len = (size_t)len;
		att_cursor_varint32(&c, &a->ddf);
		att_cursor_varint(&c, &a->dcf);
		if (c.err || a->ddf == 0 || a->ddf > count || a->dcf < a->ddf ||
		    (i > 0 && cmp_bytes(d->adj[i - 1].term, d->adj[i - 1].len,
		                        a->term, a->len) >= 0))
			goto corrupt;
	}
	d->nadj = nadj;
	if (c.p != c.end)
		goto corrupt;
	if (d->ndeleted == 0)
		d->bits = NULL;
	return ATT_OK;
corrupt:
	snprintf(msg, msgcap, "%s: corrupt deletions near offset %zu", path,
	         (size_t)(c.p - d->map));
	return ATT_ECORRUPT;
}

att_status att_deletes_open(att_deletes *d, const char *dir, uint32_t seg,
                            uint32_t gen, uint32_t ndocs, char *msg,
                            size_t msgcap)
{
	char path[4096];
	att_status rc;

	memset(d, 0, sizeof *d);
	d->ndocs = ndocs;
	if (gen == 0)
		return ATT_OK;
	att_del_path(path, sizeof path, dir, seg, gen);
	rc = att_file_map(&d->map, &d->map_n, path, ATT_MAGIC_DELETES, msg,
	                  msgcap);
	if (rc == ATT_OK)
		rc = parse(d, ndocs, path, msg, msgcap);
	if (rc != ATT_OK)
		att_deletes_close(d);
	return rc;
}

const att_del_adj *att_deletes_find(const att_deletes *d, const char *term,
                                    size_t len)
{
	uint32_t lo = 0, hi = d->nadj;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = cmp_bytes(d->adj[mid].term, d->adj[mid].len,
		                  (const uint8_t *)term, len);

		if (c == 0)
			return &d->adj[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

att_status att_deletes_write(const char *dir, uint32_t seg, uint32_t gen,
                             const uint8_t *bits, uint32_t ndocs,
                             const att_del_adj *adj, uint32_t nadj, char *msg,
                             size_t msgcap)
{
	char path[4096];
	att_fwriter fw;
	uint32_t i, count = 0;
	att_status rc;

	for (i = 0; i < ndocs; i++)
		count += bits[i >> 3] >> (i & 7) & 1;
	att_del_path(path, sizeof path, dir, seg, gen);
	rc = att_fw_open(&fw, path, ATT_MAGIC_DELETES);
	att_fw_u32le(&fw, ndocs);
	att_fw_u32le(&fw, count);
	att_fw_write(&fw, bits, ((size_t)ndocs + 7) / 8);
	att_fw_u32le(&fw, nadj);
	for (i = 0; i < nadj; i++) {
		att_fw_varint(&fw, adj[i].len);
		att_fw_write(&fw, adj[i].term, adj[i].len);
		att_fw_varint(&fw, adj[i].ddf);
		att_fw_varint(&fw, adj[i].dcf);
	}
	if (rc == ATT_OK) {
		rc = att_fw_finish(&fw);
	} else {
		att_fw_abort(&fw);
	}
	if (rc != ATT_OK)
		snprintf(msg, msgcap, "%s", fw.msg[0] ? fw.msg : "out of memory");
	return rc;
}
