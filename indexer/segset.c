/*
 * segset.c: the segments a writer knows, and their deletions.
 *
 * The set holds one entry per segment: those the last manifest named and
 * those flushed since. Each entry keeps the statistics the next manifest
 * will carry, a lazily mapped reader (to find documents by their id term)
 * and, once something in it is deleted, a working copy of its deletion
 * bitmap. Deleting by id looks the id term up in every segment's
 * dictionary and sets bits; nothing is written until commit.
 *
 * At commit, att_segset_prepare fetches each newly deleted document's
 * stored record, analyses it again with the index's analyser and counts,
 * per term, the documents and occurrences that go away; added to the
 * segment's earlier adjustments, they and the bitmap make the new
 * segNNNNNN_G.del (deletes.c). The segment's live count, tokens, title
 * tokens and raw bytes drop by the deleted documents' own, so the
 * manifest's totals are those of an index that never held them.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "indexer.h"
#include "stemmer.h"

typedef struct entry {
	att_seg_info info;
	int rd_open;
	att_segment rd;
	uint8_t *bits;           /* working bitmap, or NULL: no new deletes */
	uint32_t new_deletes;
	uint32_t old_gen;        /* the .del file this commit supersedes */
	int committed;           /* named by the last manifest */
} entry;

struct att_segset {
	char *dir;
	entry *e;
	uint32_t n, cap;
	att_seg_info *infos;     /* for the manifest */
	uint32_t lookups;        /* id look-ups since pages were released */
	att_schema schema;       /* the index's typed fields */
};

att_status att_segset_new(att_segset **out, const char *dir,
                          const att_manifest *m)
{
	att_segset *ss = att_calloc(1, sizeof *ss);
	uint32_t i;

	*out = NULL;
	if (ss == NULL)
		return ATT_ENOMEM;
	ss->dir = att_strndup(dir, strlen(dir));
	if (ss->dir == NULL)
		goto nomem;
	ss->schema = m->schema;
	for (i = 0; i < m->nsegs; i++) {
		if (att_segset_add(ss, &m->segs[i], NULL, 0) != ATT_OK)
			goto nomem;
		ss->e[i].committed = 1;
	}
	*out = ss;
	return ATT_OK;
nomem:
	att_segset_free(ss);
	return ATT_ENOMEM;
}

static void close_entry(entry *e)
{
	if (e->rd_open)
		att_segment_close(&e->rd);
	e->rd_open = 0;
	att_free(e->bits);
	e->bits = NULL;
	e->new_deletes = 0;
}

void att_segset_free(att_segset *ss)
{
	uint32_t i;

	if (ss == NULL)
		return;
	for (i = 0; i < ss->n; i++)
		close_entry(&ss->e[i]);
	att_free(ss->e);
	att_free(ss->infos);
	att_free(ss->dir);
	att_free(ss);
}

static att_status set_bit(entry *e, uint32_t doc)
{
	if (e->bits == NULL) {
		size_t nb = ((size_t)e->info.docs + 7) / 8;

		e->bits = att_calloc(nb + 1, 1);
		if (e->bits == NULL)
			return ATT_ENOMEM;
		if (e->rd_open && e->rd.del.bits != NULL)
			memcpy(e->bits, e->rd.del.bits, nb);
	}
	e->bits[doc >> 3] |= (uint8_t)(1u << (doc & 7));
	e->new_deletes++;
	return ATT_OK;
}

att_status att_segset_add(att_segset *ss, const att_seg_info *info,
                          const uint32_t *deleted, size_t n)
{
	entry *e;
	size_t i;

	if (ss->n == ss->cap) {
		uint32_t cap = ss->cap ? ss->cap * 2 : 16;
		entry *p = att_realloc(ss->e, cap * sizeof *p);

		if (p == NULL)
			return ATT_ENOMEM;
		ss->e = p;
		ss->cap = cap;
	}
	/* in id order, as the manifest lists them: worker threads flush
	 * segments out of the order they took their ids in */
	for (i = ss->n; i > 0 && ss->e[i - 1].info.id > info->id; i--)
		;
	memmove(&ss->e[i + 1], &ss->e[i], (ss->n - i) * sizeof *ss->e);
	e = &ss->e[i];
	memset(e, 0, sizeof *e);
	e->info = *info;
	ss->n++;
	for (i = 0; i < n; i++)
		if (set_bit(e, deleted[i]) != ATT_OK)
			return ATT_ENOMEM;
	return ATT_OK;
}

static att_status open_reader(att_segset *ss, entry *e, char *msg,
                              size_t msgcap)
{
	att_status rc;

	if (e->rd_open)
		return ATT_OK;
	rc = att_segment_open(&e->rd, ss->dir, &e->info, msg, msgcap);
	if (rc == ATT_OK)
		e->rd_open = 1;
	return rc;
}

static int is_deleted(const entry *e, uint32_t doc)
{
	if (e->bits != NULL)
		return e->bits[doc >> 3] >> (doc & 7) & 1;
	return att_deleted(&e->rd.del, doc);
}

att_status att_segset_delete(uint32_t *count, att_segset *ss, const char *term,
                             size_t len, char *msg, size_t msgcap)
{
	att_postings *pc = NULL; /* most adds find no earlier version */
	att_status rc = ATT_OK;
	uint32_t i;

	*count = 0;
	if (++ss->lookups == 4096) { /* keep resident memory bounded */
		ss->lookups = 0;
		for (i = 0; i < ss->n; i++)
			if (ss->e[i].rd_open)
				att_segment_release_pages(&ss->e[i].rd);
	}
	for (i = 0; rc == ATT_OK && i < ss->n; i++) {
		entry *e = &ss->e[i];
		att_term_info ti;
		int found;

		if (e->info.live == 0 && e->info.del_gen != 0 && e->bits == NULL)
			continue;
		rc = open_reader(ss, e, msg, msgcap);
		if (rc == ATT_OK)
			rc = att_segment_lookup(&ti, &found, &e->rd, term, len, msg,
			                        msgcap);
		if (rc != ATT_OK || !found)
			continue;
		if (pc == NULL && (pc = att_malloc(sizeof *pc)) == NULL) {
			rc = ATT_ENOMEM;
			break;
		}
		rc = att_postings_init(pc, &e->rd, &ti);
		for (; rc == ATT_OK && pc->doc != ATT_DOC_END;
		     att_postings_next(pc)) {
			if (is_deleted(e, pc->doc))
				continue;
			rc = set_bit(e, pc->doc);
			(*count)++;
		}
		if (rc == ATT_OK && pc->err)
			rc = pc->err;
		if (rc == ATT_ECORRUPT && msg[0] == '\0')
			snprintf(msg, msgcap, "%s.pst: corrupt postings", e->rd.path);
	}
	att_free(pc);
	return rc;
}

/* ---- commit: deletion files ------------------------------------------------ */

/* The state of re-analysing a segment's deleted documents. */
typedef struct recount {
	att_docan da;
	att_block_cache cache;
	att_field *fields;
	size_t nfields;
} recount;

/* Adds deleted document DOC's terms to R's inverter as document K. */
static att_status count_doc(recount *r, entry *e, uint32_t doc, uint32_t k,
                            char *msg, size_t msgcap)
{
	att_docan *da = &r->da;
	att_record rec;
	att_doc d;
	att_status rc;

	rc = att_segment_fetch(&rec, &r->cache, &e->rd, doc, msg, msgcap);
	if (rc != ATT_OK)
		return rc;
	rc = att_doc_from_record(&d, &r->fields, &r->nfields, &rec);
	if (rc == ATT_OK)
		rc = att_docan_run(da, &d);
	if (rc == ATT_EINVAL || rc == ATT_EUTF8 || rc == ATT_ECORRUPT) {
		snprintf(msg, msgcap, "%s.sto: stored record of document %u "
		         "does not decode or analyse", e->rd.path,
		         (unsigned)doc);
		rc = ATT_ECORRUPT;
	}
	if (rc == ATT_OK)
		rc = att_inverter_add_doc(da->inv, k, da->keys, da->nkeys + 1);
	if (rc == ATT_OK) {
		e->info.live--;
		e->info.tokens -= att_segment_doclen(&e->rd, doc);
		e->info.title_tokens -= att_segment_titlelen(&e->rd, doc);
		e->info.raw_bytes -= rec.title_len + rec.text_len;
	}
	return rc;
}

static int cmp_adj(const att_del_adj *a, const att_inv_term *b)
{
	int c = memcmp(a->term, b->term, a->len < b->len ? a->len : b->len);

	return c != 0 ? c : (a->len > b->len) - (a->len < b->len);
}

/* Merges the old adjustments OLD with the new counts in INV into *OUT. */
static att_status merge_adj(att_del_adj **out, uint32_t *nout,
                            const att_deletes *old, const att_inverter *inv)
{
	uint32_t i = 0, j = 0, n = 0, nt = att_inverter_nterms(inv);
	att_del_adj *m = att_calloc((size_t)old->nadj + nt + 1, sizeof *m);

	if (m == NULL)
		return ATT_ENOMEM;
	while (i < old->nadj || j < nt) {
		att_inv_term t;
		int c;

		if (j < nt)
			att_inverter_term(&t, inv, j);
		c = j == nt ? -1 : i == old->nadj ? 1 : cmp_adj(&old->adj[i], &t);
		if (c <= 0)
			m[n] = old->adj[i++];
		else
			memset(&m[n], 0, sizeof m[n]);
		if (c >= 0) {
			m[n].term = (const uint8_t *)t.term;
			m[n].len = t.len;
			m[n].ddf += t.df;
			m[n].dcf += t.cf;
			j++;
		}
		n++;
	}
	*out = m;
	*nout = n;
	return ATT_OK;
}

static att_status write_deletes(att_segset *ss, entry *e, att_analyzer *an,
                                uint32_t gen, char *msg, size_t msgcap)
{
	att_inverter *inv = NULL;
	att_del_adj *adj = NULL;
	uint32_t d, k = 0, nadj = 0;
	recount r;
	att_status rc = att_inverter_new(&inv);

	memset(&r, 0, sizeof r);
	att_buf_init(&r.cache.buf);
	att_docan_init(&r.da, an, inv);
	r.da.schema = &ss->schema;
	if (rc == ATT_OK)
		rc = open_reader(ss, e, msg, msgcap);
	for (d = 0; rc == ATT_OK && d < e->info.docs; d++)
		if (is_deleted(e, d) && !att_deleted(&e->rd.del, d))
			rc = count_doc(&r, e, d, k++, msg, msgcap);
	if (rc == ATT_OK)
		rc = att_inverter_sort(inv);
	if (rc == ATT_OK)
		rc = merge_adj(&adj, &nadj, &e->rd.del, inv);
	if (rc == ATT_OK)
		rc = att_deletes_write(ss->dir, e->info.id, gen, e->bits,
		                       e->info.docs, adj, nadj, msg, msgcap);
	if (rc == ATT_OK) {
		e->old_gen = e->info.del_gen;
		e->info.del_gen = gen;
	}
	if (rc == ATT_ENOMEM)
		snprintf(msg, msgcap, "out of memory");
	att_free(adj);
	att_docan_release(&r.da);
	att_inverter_free(inv);
	att_block_cache_release(&r.cache);
	att_free(r.fields);
	return rc;
}

att_status att_segset_prepare(att_seg_info **segs, uint32_t *nsegs,
                              att_segset *ss, att_analyzer *an, uint32_t gen,
                              char *msg, size_t msgcap)
{
	att_status rc = ATT_OK;
	uint32_t i;

	for (i = 0; rc == ATT_OK && i < ss->n; i++)
		if (ss->e[i].new_deletes > 0)
			rc = write_deletes(ss, &ss->e[i], an, gen, msg, msgcap);
	if (rc != ATT_OK)
		return rc;
	att_free(ss->infos);
	ss->infos = att_malloc(((size_t)ss->n + 1) * sizeof *ss->infos);
	if (ss->infos == NULL) {
		snprintf(msg, msgcap, "out of memory");
		return ATT_ENOMEM;
	}
	for (i = 0; i < ss->n; i++)
		ss->infos[i] = ss->e[i].info;
	*segs = ss->infos;
	*nsegs = ss->n;
	return ATT_OK;
}

const att_seg_info *att_segset_infos(uint32_t *n, att_segset *ss)
{
	uint32_t i;
	att_seg_info *p = att_realloc(ss->infos,
	                              ((size_t)ss->n + 1) * sizeof *p);

	*n = 0;
	if (p == NULL)
		return NULL;
	ss->infos = p;
	for (i = 0; i < ss->n; i++)
		p[i] = ss->e[i].info;
	*n = ss->n;
	return p;
}

/* Removes the files of a segment no manifest names. */
static void remove_files(const char *dir, uint32_t id)
{
	char path[4096];
	int f;

	for (f = 0; f < ATT_SEG_NFILES; f++) {
		att_seg_path(path, sizeof path, dir, id, (enum att_seg_file)f);
		unlink(path);
	}
}

att_status att_segset_merge(att_segset *ss, const uint32_t *pick, uint32_t n,
                            uint32_t newid, char *msg, size_t msgcap)
{
	att_seg_info *src = att_malloc(((size_t)n + 1) * sizeof *src), out;
	const uint8_t **del = att_calloc((size_t)n + 1, sizeof *del);
	uint32_t i, k = 0, w = 0;
	att_status rc = src && del ? ATT_OK : ATT_ENOMEM;

	for (i = 0; rc == ATT_OK && i < n; i++) {
		src[i] = ss->e[pick[i]].info;
		del[i] = ss->e[pick[i]].bits;
	}
	if (rc == ATT_OK)
		rc = att_merge_segments(&out, ss->dir, &ss->schema, src, del, n,
		                        newid, msg, msgcap);
	att_free(src);
	att_free(del);
	if (rc != ATT_OK)
		return rc;
	for (i = 0; i < ss->n; i++) {
		entry *e = &ss->e[i];

		if (k < n && pick[k] == i) {
			close_entry(e);
			if (!e->committed)
				remove_files(ss->dir, e->info.id);
			k++;
			continue;
		}
		ss->e[w++] = *e;
	}
	ss->n = w;
	if (out.docs == 0) {
		remove_files(ss->dir, out.id);
		return ATT_OK;
	}
	return att_segset_add(ss, &out, NULL, 0);
}

void att_segset_committed(att_segset *ss)
{
	char path[4096];
	uint32_t i;

	for (i = 0; i < ss->n; i++) {
		entry *e = &ss->e[i];

		e->committed = 1;
		if (e->new_deletes == 0)
			continue;
		close_entry(e); /* reopened with its new .del when needed */
		if (e->old_gen != 0 && e->old_gen != e->info.del_gen) {
			att_del_path(path, sizeof path, ss->dir, e->info.id, e->old_gen);
			unlink(path);
		}
		e->old_gen = 0;
	}
}

/* ---- clean-up ----------------------------------------------------------------- */

/* Parses "segNNNNNN.ext" or "segNNNNNN_G.del"; 0 if NAME is neither. */
static int parse_name(const char *name, uint32_t *seg, uint32_t *gen)
{
	char *end;
	unsigned long v;
	int f;

	if (strncmp(name, "seg", 3) != 0 || name[3] < '0' || name[3] > '9')
		return 0;
	v = strtoul(name + 3, &end, 10);
	if (v > UINT32_MAX)
		return 0;
	*seg = (uint32_t)v;
	*gen = 0;
	if (*end == '.') {
		for (f = 0; f < ATT_SEG_NFILES; f++)
			if (strcmp(end + 1, att_seg_ext[f]) == 0)
				return 1;
		return 0;
	}
	if (*end != '_')
		return 0;
	v = strtoul(end + 1, &end, 10);
	if (v == 0 || v > UINT32_MAX || strcmp(end, ".del") != 0)
		return 0;
	*gen = (uint32_t)v;
	return 1;
}

/* 1 if manifest M names segment SEG (with deletions GEN, if GEN > 0). */
static int named(const att_manifest *m, uint32_t seg, uint32_t gen)
{
	uint32_t i;

	for (i = 0; i < m->nsegs; i++)
		if (m->segs[i].id == seg)
			return gen == 0 || m->segs[i].del_gen == gen;
	return 0;
}

void att_segset_cleanup(const char *dir, const att_manifest *m)
{
	char path[4096];
	struct dirent *de;
	DIR *d = opendir(dir);
	uint32_t seg, gen;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		int stale = strcmp(de->d_name, ATT_MANIFEST_NAME ".tmp") == 0 ||
		    (parse_name(de->d_name, &seg, &gen) && !named(m, seg, gen));

		if (!stale)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
}
