/*
 * check.c: verifying an index against itself.
 *
 * The strongest test of an index is to rebuild what it should contain
 * and compare. For each segment the checker reads every stored document,
 * analyses it again exactly as the writer did (docan.c) into a fresh
 * inverter, and then walks the segment's dictionary and the inverter's
 * sorted terms in step: every term must be there, in order, with the same
 * document frequency, total frequency, postings and positions, byte for
 * byte once both are put in the inverter's layout (field terms and id
 * terms included). Document and title lengths and sentence tables are
 * compared the same way, each skip entry's block bounds against its
 * block's postings, the deletion file's adjustments against the deleted
 * documents' own analysis, and the manifest's live counts, tokens, title
 * tokens and raw bytes against the sums. The typed-field columns (.val)
 * are encoded again from the stored documents' values and compared byte
 * for byte.
 *
 * Opening a segment already verifies every file's magic, version and
 * CRC-32 and the fixed tables' sizes (segread.c), except that a
 * segment file over 1 MiB is checked a page at a time as it is read; the
 * checker checks those whole first, file CRC and every page's
 * (whole_files). It then adds the
 * layout: dictionary order, contiguous postings and positions, cursors
 * that decode without error and consume exactly their term's bytes.
 * Each problem is reported with its file and, where it means something,
 * an offset; a segment that cannot be opened is reported and skipped.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "indexer.h"

typedef struct checker {
	const char *dir;
	att_check_fn report;
	void *ctx;
	uint64_t problems;
	att_analyzer *an;
	att_segment seg;
	const att_seg_info *info;
	att_block_cache cache;
	att_inverter *all, *gone;  /* every document; the deleted ones */
	att_docan da_all, da_gone;
	att_buf stream, sent;
	att_sentence *sents;
	size_t sentcap;
	uint32_t *pos;
	size_t poscap;
	att_field *fields;
	size_t nfields;
	att_valbuild vals;         /* the columns the documents give */
	att_buf valbody;
	uint64_t live, tokens, raw, titles;
	char msg[1024];
} checker;

static void problem(checker *c, enum att_seg_file f, uint64_t off,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void problem(checker *c, enum att_seg_file f, uint64_t off,
                    const char *fmt, ...)
{
	char file[64], text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if ((int)f < 0)
		snprintf(file, sizeof file, "%s", ATT_MANIFEST_NAME);
	else if (f == ATT_SEG_NFILES)
		snprintf(file, sizeof file, "seg%06u_%u.del", (unsigned)c->info->id,
		         (unsigned)c->info->del_gen);
	else
		snprintf(file, sizeof file, "seg%06u.%s", (unsigned)c->info->id,
		         att_seg_ext[f]);
	c->problems++;
	c->report(c->ctx, file, off, text);
}

/* The sentence table of DOC as stored, in the writer's encoding. */
static att_status stored_sentences(checker *c, uint32_t doc)
{
	uint32_t n;
	att_status rc = att_segment_sentences(&c->sents, &c->sentcap, &n, &c->seg,
	                                      doc);

	att_buf_clear(&c->sent);
	if (rc == ATT_OK)
		att_sentences_encode(&c->sent, c->sents, n);
	return rc != ATT_OK ? rc : c->sent.rc;
}

static int names_differ(const checker *c, uint32_t doc, const att_record *rec)
{
	att_record nm;

	return att_segment_names(&nm, &c->seg, doc) != ATT_OK ||
	    nm.id_len != rec->id_len || nm.title_len != rec->title_len ||
	    memcmp(nm.id, rec->id, rec->id_len) != 0 ||
	    memcmp(nm.title, rec->title, rec->title_len) != 0;
}

/* Re-analyses document DOC; compares its length and sentence table. */
static att_status check_doc(checker *c, uint32_t doc, uint32_t *ngone)
{
	const uint64_t row = ATT_HEADER_SIZE + 4 + (uint64_t)doc * ATT_DOC_ROW;
	int deleted = att_deleted(&c->seg.del, doc);
	att_record rec;
	att_doc d;
	att_status rc;

	c->msg[0] = '\0';
	rc = att_segment_fetch(&rec, &c->cache, &c->seg, doc, c->msg, sizeof c->msg);
	if (rc == ATT_ECORRUPT) {
		problem(c, ATT_SEG_STORE, 0, "document %u: %s", (unsigned)doc, c->msg);
		return ATT_OK;
	}
	if (rc != ATT_OK)
		return rc;
	rc = att_doc_from_record(&d, &c->fields, &c->nfields, &rec);
	if (rc == ATT_OK)
		rc = att_docan_run(&c->da_all, &d);
	if (rc == ATT_EUTF8 || rc == ATT_EINVAL || rc == ATT_ECORRUPT ||
	    rc == ATT_EINPUT) {
		problem(c, ATT_SEG_STORE, 0, "document %u: stored record has an "
		        "invalid id, text or field%s%s", (unsigned)doc,
		        rc == ATT_EINPUT ? ": " : "", rc == ATT_EINPUT ? c->da_all.msg : "");
		return ATT_OK;
	}
	if (rc == ATT_OK)
		rc = att_valbuild_add(&c->vals, &c->da_all.vals);
	if (rc == ATT_OK)
		rc = att_inverter_add_doc(c->all, doc, c->da_all.keys,
		                          c->da_all.nkeys + 1);
	if (rc == ATT_OK && deleted && (rc = att_docan_run(&c->da_gone, &d)) == ATT_OK)
		rc = att_inverter_add_doc(c->gone, (*ngone)++, c->da_gone.keys,
		                          c->da_gone.nkeys + 1);
	if (rc != ATT_OK)
		return rc;
	if (names_differ(c, doc, &rec))
		problem(c, ATT_SEG_DOCS, row, "document %u: id or title differs from "
		        "its stored record", (unsigned)doc);
	if (att_segment_doclen(&c->seg, doc) != c->da_all.length)
		problem(c, ATT_SEG_DOCS, row, "document %u: length %u, its text has "
		        "%u tokens", (unsigned)doc,
		        (unsigned)att_segment_doclen(&c->seg, doc),
		        (unsigned)c->da_all.length);
	if (att_segment_titlelen(&c->seg, doc) != c->da_all.title_len)
		problem(c, ATT_SEG_DOCS, row + ATT_ROW_TITLELEN, "document %u: "
		        "title length %u, its title has %u tokens",
		        (unsigned)doc,
		        (unsigned)att_segment_titlelen(&c->seg, doc),
		        (unsigned)c->da_all.title_len);
	rc = stored_sentences(c, doc);
	if (rc == ATT_ECORRUPT || (rc == ATT_OK &&
	    (c->sent.n != c->da_all.sent.n ||
	     memcmp(c->sent.p, c->da_all.sent.p, c->sent.n) != 0)))
		problem(c, ATT_SEG_SENTENCES, att_get_u32le(c->seg.rows + (size_t)doc
		        * ATT_DOC_ROW + 16), "document %u: sentence table differs from its "
		        "text's sentences", (unsigned)doc);
	else if (rc != ATT_OK)
		return rc;
	if (!deleted) {
		c->live++;
		c->tokens += att_segment_doclen(&c->seg, doc);
		c->titles += att_segment_titlelen(&c->seg, doc);
		c->raw += rec.title_len + rec.text_len;
	}
	return ATT_OK;
}

/* Adds posting (DOC, TF, TTF: its title tf) to block bound B. */
static void bound_add(att_block_bound *b, uint32_t doc, uint32_t tf,
                      uint32_t dl, uint32_t ttf)
{
	b->last_doc = doc;
	b->max_tf = tf > b->max_tf ? tf : b->max_tf;
	b->min_dl = dl < b->min_dl ? dl : b->min_dl;
	b->max_title_tf = ttf > b->max_title_tf ? ttf : b->max_title_tf;
}

/* 1 if skip entry A is not what block B's N postings (TF, DL) make of
 * it: its maxima, or its impacts (FORMAT.md 5.3) byte for byte. */
static int bound_differs(const att_block_bound *a, const att_block_bound *b,
                         const uint32_t *tf, const uint32_t *dl, uint32_t n)
{
	uint32_t pt[ATT_IMPACTS_MAX], pd[ATT_IMPACTS_MAX];
	att_buf want;
	size_t np = att_impacts_build(pt, pd, tf, dl, n);
	int differs;

	if (a->last_doc != b->last_doc || a->max_tf != b->max_tf ||
	    a->min_dl != b->min_dl || a->max_title_tf != b->max_title_tf)
		return 1;
	att_buf_init(&want);
	att_impacts_put(&want, pt, pd, np);
	differs = want.rc != ATT_OK || a->imp == NULL || a->imp_len != want.n ||
	    memcmp(a->imp, want.p, want.n) != 0;
	att_buf_release(&want);
	return differs;
}

/* The term's on-disk postings, in the inverter's layout, into c->stream;
 * *df and *cf get what was decoded. *BAD is set if a skip entry's block
 * bounds are not its block's (a list of one block has no skip entry). */
static att_status disk_stream(checker *c, const att_dict_iter *it,
                              att_postings *pc, uint32_t *df, uint64_t *cf,
                              int *bad)
{
	att_status rc = att_postings_init(pc, &c->seg, &it->ti);
	int word = it->len > 0 && it->term[0] != ATT_ID_PREFIX &&
	    it->term[0] != ATT_FIELD_PREFIX;
	att_block_bound want, have;
	uint32_t next = 0, np, k, btf[ATT_BLOCK], bdl[ATT_BLOCK], bn = 0;

	*df = 0;
	*cf = 0;
	*bad = 0;
	memset(&want, 0, sizeof want);
	memset(&have, 0, sizeof have);
	att_buf_clear(&c->stream);
	for (; rc == ATT_OK && pc->doc != ATT_DOC_END; att_postings_next(pc)) {
		uint32_t prev = 0, ttf = 0;
		uint32_t tl = word ? att_segment_titlelen(&c->seg, pc->doc) : 0;

		if (pc->nblocks > 1 && pc->i == 0) { /* a block starts */
			if (pc->block > 0)
				*bad |= bound_differs(&want, &have, btf, bdl, bn);
			att_postings_shallow(&want, pc, pc->doc);
			memset(&have, 0, sizeof have);
			have.min_dl = UINT32_MAX;
			bn = 0;
		}
		rc = att_postings_positions(&c->pos, &c->poscap, &np, pc);
		if (rc != ATT_OK) /* the cursor is at its end now */
			break;
		att_buf_put_varint(&c->stream, pc->doc - next);
		att_buf_put_varint(&c->stream, np);
		for (k = 0; k < np; k++) {
			att_buf_put_varint(&c->stream, c->pos[k] - prev);
			prev = c->pos[k];
			ttf += c->pos[k] < tl;
		}
		bound_add(&have, pc->doc, np,
		          att_segment_doclen(&c->seg, pc->doc), ttf);
		if (bn < ATT_BLOCK) {
			btf[bn] = np;
			bdl[bn++] = att_segment_doclen(&c->seg, pc->doc);
		}
		next = pc->doc + 1;
		(*df)++;
		*cf += np;
	}
	if (rc == ATT_OK && pc->err)
		rc = pc->err;
	if (rc == ATT_OK && pc->nblocks > 1)
		*bad |= bound_differs(&want, &have, btf, bdl, bn);
	if (rc == ATT_OK && c->stream.rc != ATT_OK)
		rc = ATT_ENOMEM;
	return rc;
}

static int cmp_terms(const uint8_t *a, size_t al, const char *b, size_t bl)
{
	int r = memcmp(a, b, al < bl ? al : bl);

	return r != 0 ? r : (al > bl) - (al < bl);
}

/* One dictionary entry against the rebuilt term T (NULL: none left). */
static att_status check_term(checker *c, const att_dict_iter *it,
                             const att_inv_term *t, att_postings *pc)
{
	uint32_t df;
	uint64_t cf;
	att_status rc;
	int bad;

	if (t == NULL || cmp_terms(it->term, it->len, t->term, t->len) != 0) {
		problem(c, ATT_SEG_DICT, 0, "term \"%.*s\" (entry %llu) is not what "
		        "the stored documents contain here (\"%.*s\")", (int)it->len,
		        it->term, (unsigned long long)it->i - 1,
		        t ? (int)t->len : 0, t ? t->term : "");
		return ATT_ECORRUPT; /* out of step: stop comparing */
	}
	rc = disk_stream(c, it, pc, &df, &cf, &bad);
	if (rc == ATT_ECORRUPT) {
		problem(c, ATT_SEG_POSTINGS, it->ti.post_off, "term \"%.*s\": "
		        "postings or positions do not decode", (int)it->len, it->term);
		return ATT_OK;
	}
	if (rc != ATT_OK)
		return rc;
	if (df != it->ti.df || cf != it->ti.cf || df != t->df || cf != t->cf ||
	    c->stream.n != t->data_len ||
	    memcmp(c->stream.p, t->data, t->data_len) != 0)
		problem(c, ATT_SEG_POSTINGS, it->ti.post_off, "term \"%.*s\": "
		        "postings differ from the stored documents (df %u/%u, cf "
		        "%llu/%llu)", (int)it->len, it->term, (unsigned)df,
		        (unsigned)t->df, (unsigned long long)cf,
		        (unsigned long long)t->cf);
	else if (bad)
		problem(c, ATT_SEG_POSTINGS, it->ti.post_off, "term \"%.*s\": "
		        "a skip entry's bounds (last document, highest tf, "
		        "shortest document, highest title tf, impacts) differ from its "
		        "block's", (int)it->len, it->term);
	return ATT_OK;
}

/* Walks the dictionary against the rebuilt, sorted terms. */
static att_status check_dictionary(checker *c, att_postings *pc)
{
	uint32_t i = 0, n = att_inverter_nterms(c->all);
	uint64_t post = ATT_HEADER_SIZE, pos = ATT_HEADER_SIZE;
	att_dict_iter it;
	att_status rc;
	int has;

	att_dict_iter_init(&it, &c->seg);
	while ((rc = att_dict_iter_next(&it, &has)) == ATT_OK && has) {
		att_inv_term t;

		if (it.ti.post_off != post || it.ti.pos_off != pos)
			problem(c, ATT_SEG_DICT, 0, "term \"%.*s\": postings or positions "
			        "not where the previous term's end", (int)it.len, it.term);
		post = it.ti.post_off + it.ti.post_len;
		pos = it.ti.pos_off + it.ti.pos_len;
		if (i < n)
			att_inverter_term(&t, c->all, i);
		rc = check_term(c, &it, i < n ? &t : NULL, pc);
		i++;
		if (rc != ATT_OK)
			break;
	}
	if (rc == ATT_ECORRUPT && !has)
		problem(c, ATT_SEG_DICT, 0, "dictionary does not decode");
	if (rc == ATT_ECORRUPT)
		return ATT_OK;
	if (rc == ATT_OK && i < n)
		problem(c, ATT_SEG_DICT, 0, "%u terms of the stored documents are "
		        "missing from the dictionary", (unsigned)(n - i));
	if (rc == ATT_OK && (post != c->seg.f[ATT_SEG_POSTINGS].end ||
	                     pos != c->seg.f[ATT_SEG_POSITIONS].end))
		problem(c, ATT_SEG_POSTINGS, post, "postings or positions file has "
		        "bytes no term uses");
	return rc;
}

/* The deletion file's adjustments against the deleted documents. */
static void check_deletions(checker *c)
{
	uint32_t i, n = att_inverter_nterms(c->gone);
	const att_deletes *d = &c->seg.del;
	int bad = n != d->nadj;

	for (i = 0; !bad && i < n; i++) {
		att_inv_term t;

		att_inverter_term(&t, c->gone, i);
		bad = cmp_terms(d->adj[i].term, d->adj[i].len, t.term, t.len) != 0 ||
		    d->adj[i].ddf != t.df || d->adj[i].dcf != t.cf;
	}
	if (bad)
		problem(c, ATT_SEG_NFILES, 0, "statistics adjustments differ from the "
		        "deleted documents' terms (%u entries, expected %u)",
		        (unsigned)d->nadj, (unsigned)n);
}

/* The .val body against the columns the stored documents give. A
 * document whose record failed is missing from them: then the columns
 * are not compared (that document was reported). */
static att_status check_values(checker *c)
{
	const att_segment *g = &c->seg;
	size_t n = g->f[ATT_SEG_VALUES].end - ATT_HEADER_SIZE, i;
	const uint8_t *p = g->f[ATT_SEG_VALUES].p + ATT_HEADER_SIZE;

	if (c->vals.ndocs != g->ndocs)
		return ATT_OK;
	att_buf_clear(&c->valbody);
	if (att_valbuild_encode(&c->valbody, &c->vals) != ATT_OK)
		return ATT_ENOMEM;
	for (i = 0; i < n && i < c->valbody.n && p[i] == c->valbody.p[i]; i++)
		;
	if (i < n || i < c->valbody.n)
		problem(c, ATT_SEG_VALUES, ATT_HEADER_SIZE + i, "typed-field columns "
		        "differ from the stored documents' values (%zu bytes, they "
		        "give %zu)", n, c->valbody.n);
	return ATT_OK;
}

static att_status check_segment(checker *c, att_postings *pc)
{
	uint32_t d, ngone = 0;
	att_status rc;

	c->live = c->tokens = c->raw = c->titles = 0;
	att_inverter_reset(c->all);
	att_inverter_reset(c->gone);
	c->cache.seg = NULL;
	att_valbuild_clear(&c->vals);
	for (d = 0, rc = ATT_OK; rc == ATT_OK && d < c->seg.ndocs; d++)
		rc = check_doc(c, d, &ngone);
	if (rc == ATT_OK)
		rc = check_values(c);
	if (rc == ATT_OK)
		rc = att_inverter_sort(c->all);
	if (rc == ATT_OK)
		rc = att_inverter_sort(c->gone);
	if (rc == ATT_OK)
		rc = check_dictionary(c, pc);
	if (rc != ATT_OK)
		return rc;
	if (c->info->del_gen != 0)
		check_deletions(c);
	if (c->live != c->info->live || c->tokens != c->info->tokens ||
	    c->raw != c->info->raw_bytes || c->titles != c->info->title_tokens)
		problem(c, -1, 0, "segment %u: live documents %u, tokens %llu, "
		        "raw bytes %llu, title tokens %llu; its documents give "
		        "%llu, %llu, %llu, %llu", (unsigned)c->info->id,
		        (unsigned)c->info->live,
		        (unsigned long long)c->info->tokens,
		        (unsigned long long)c->info->raw_bytes,
		        (unsigned long long)c->info->title_tokens,
		        (unsigned long long)c->live, (unsigned long long)c->tokens,
		        (unsigned long long)c->raw,
		        (unsigned long long)c->titles);
	return ATT_OK;
}

/* The paged files' CRCs, whole file and every page, which opening left
 * to first reads: 0, or -1 after reporting the first that fails. */
static int whole_files(checker *c)
{
	char path[4096];
	int f;

	for (f = 0; f < ATT_SEG_NFILES; f++) {
		const att_segment *g = &c->seg;

		if (g->f[f].pg.n == 0)
			continue;
		att_seg_path(path, sizeof path, c->dir, g->id, (enum att_seg_file)f);
		if (att_file_check(g->f[f].p, g->f[f].n, att_seg_magic[f], path,
		                   c->msg, sizeof c->msg) != ATT_OK ||
		    (att_segment_check(g, (enum att_seg_file)f, 0, g->f[f].end) !=
		         ATT_OK &&
		     att_segment_damage(g, c->msg, sizeof c->msg))) {
			c->problems++;
			c->report(c->ctx, "", 0, c->msg);
			return -1;
		}
	}
	return 0;
}

static att_status check_all(checker *c, const att_manifest *m, uint32_t *nseg,
                            uint64_t *ndocs)
{
	att_postings *pc = att_malloc(sizeof *pc);
	att_status rc = pc ? ATT_OK : ATT_ENOMEM;
	uint32_t i;

	for (i = 0; rc == ATT_OK && i < m->nsegs; i++) {
		c->info = &m->segs[i];
		c->msg[0] = '\0';
		rc = att_segment_open(&c->seg, c->dir, c->info, c->msg, sizeof c->msg);
		if (rc == ATT_ECORRUPT || rc == ATT_EVERSION || rc == ATT_EIO) {
			c->problems++;
			c->report(c->ctx, "", 0, c->msg);
			rc = ATT_OK;
			continue;
		}
		if (rc == ATT_OK) {
			if (whole_files(c) == 0)
				rc = check_segment(c, pc);
			att_segment_close(&c->seg);
			(*nseg)++;
			*ndocs += m->segs[i].docs;
		}
	}
	att_free(pc);
	return rc;
}

att_status att_index_check(att_check_result *out, const char *path,
                           att_check_fn report, void *ctx)
{
	att_manifest m;
	checker c;
	att_status rc;

	att_index_kind kind = att_index_kind_of(path);

	if (kind != ATT_KIND_NATIVE && kind != ATT_KIND_NONE) {
#ifdef ATTACHE_WITH_XAPIAN
		return att_xcheck(out, path, kind, report, ctx);
#else
		memset(out, 0, sizeof *out);
		out->problems = 1;
		report(ctx, "", 0, "a Xapian database: this attache was built "
		       "without the Xapian backend (ATTACHE_WITH_XAPIAN)");
		return ATT_OK;
#endif
	}
	memset(out, 0, sizeof *out);
	snprintf(out->backend, sizeof out->backend, "native");
	memset(&c, 0, sizeof c);
	c.dir = path;
	c.report = report;
	c.ctx = ctx;
	rc = att_manifest_read(&m, path, c.msg, sizeof c.msg);
	if (rc == ATT_ECORRUPT || rc == ATT_EVERSION) {
		out->problems = 1;
		report(ctx, ATT_MANIFEST_NAME, 0, c.msg);
		return ATT_OK;
	}
	if (rc != ATT_OK)
		return rc;
	rc = att_analyzer_new(&c.an, m.language);
	if (rc == ATT_OK)
		rc = att_inverter_new(&c.all);
	if (rc == ATT_OK)
		rc = att_inverter_new(&c.gone);
	att_docan_init(&c.da_all, c.an, c.all);
	att_docan_init(&c.da_gone, c.an, c.gone);
	c.da_all.schema = c.da_gone.schema = &m.schema;
	att_valbuild_init(&c.vals, &m.schema);
	att_buf_init(&c.valbody);
	if (rc == ATT_OK)
		rc = check_all(&c, &m, &out->segments, &out->documents);
	out->problems = c.problems;
	out->generation = m.generation;
	att_docan_release(&c.da_all);
	att_docan_release(&c.da_gone);
	att_valbuild_release(&c.vals);
	att_buf_release(&c.valbody);
	att_inverter_free(c.all);
	att_inverter_free(c.gone);
	att_analyzer_free(c.an);
	att_block_cache_release(&c.cache);
	att_buf_release(&c.stream);
	att_buf_release(&c.sent);
	att_free(c.sents);
	att_free(c.pos);
	att_free(c.fields);
	att_manifest_release(&m);
	return rc == ATT_ENOTFOUND ? ATT_ECORRUPT : rc;
}
