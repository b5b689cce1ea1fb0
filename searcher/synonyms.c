/*
 * synonyms.c: synonym groups, and the query rewrite that uses them.
 *
 * A synonym file (docs/QUERY.md, Synonyms) holds one group a line, its
 * entries separated by commas ("Türkiye, Turkey, Turkish"); an entry
 * may be several words ("United States"). '#' starts a comment line,
 * "\," is a comma inside an entry and "\\" a backslash. Each entry is
 * analysed by the index's analyser, so that it compares with query
 * terms: its key is its terms joined by spaces ("unit state"). The
 * bundled gazetteer (searcher/gazetteer/) is such a file, compiled in.
 *
 * The rewrite runs on the parsed tree, before repeated words are merged
 * and long queries cut (query.c, finish): in each group, the longest
 * run of adjacent free words (no field, prefix or filter, the same
 * occurrence and boost) whose terms are an entry's key, and any phrase
 * that is one, becomes a synonym node (ATT_Q_SYN) whose members are
 * every entry of the groups holding that key: one-word entries as
 * terms, longer ones as phrases. Both backends score the node as one
 * term (match.c; Xapian's OP_SYNONYM).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "searcher.h"

/* One entry: its text as written, and once analysed its key (terms
 * joined by ' ') in the key text. */
typedef struct syn_entry {
	uint32_t raw, raw_len;  /* in raw */
	uint32_t off, len;      /* in keys, once analysed */
	uint32_t nterms;        /* 0: no term (or not analysed yet) */
	uint32_t group;
	uint8_t bucket;         /* the first byte its key will have; 0: any */
	uint8_t done;           /* analysed */
} syn_entry;

/* Entries are analysed when first needed, not when the file is read:
 * the gazetteer's 1,400 entries cost about 6 M instructions to stem,
 * more than a whole one-word search. A look-up needs only the entries
 * whose keys may start as its key does: their bucket is the first
 * byte of their first letter, folded (stemming never changes a word's
 * first letter), and a bucket is analysed when a key starting with its
 * byte is first looked up. An expansion then analyses its groups. */
struct att_synset {
	char *raw;              /* every entry as written, unescaped */
	size_t nraw, capraw;
	char *keys;
	size_t nkeys, capkeys;
	syn_entry *e;           /* in file order: a group's entries together */
	uint32_t ne, cape;
	uint32_t *gfirst;       /* group g: entries gfirst[g] .. gfirst[g+1] */
	uint32_t ng, capg;
	uint32_t *byb;          /* entries by bucket (att_synset_finish) */
	uint32_t bstart[257];
	uint8_t bdone[256];
	att_analyzer *an;       /* the analyser of the last look-ups */
	att_buf kb;             /* scratch: a key being made */
	att_status rc;          /* ENOMEM in a lazy analysis */
};

/* ---- reading ---------------------------------------------------------------- */

#define SYN_MAX_BYTES (64u << 20)   /* a file larger than this is refused */
#define SYN_MAX_ENTRIES (1u << 22)

static int grow(void **p, uint32_t *cap, uint32_t need, size_t size)
{
	uint32_t c = *cap ? *cap : 64;
	void *np;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	np = att_realloc(*p, (size_t)c * size);
	if (np == NULL)
		return -1;
	*p = np;
	*cap = c;
	return 0;
}

/* Appends N bytes to the text *P (*LEN used, *CAP allocated); its offset,
 * or -1 on ENOMEM. */
static int64_t put_text(char **p, size_t *len, size_t *cap, const void *b,
                        size_t n)
{
	size_t at = *len;

	if (at + n > *cap) {
		size_t c = *cap ? *cap : 4096;
		char *np;

		while (c < at + n)
			c *= 2;
		np = att_realloc(*p, c);
		if (np == NULL)
			return -1;
		*p = np;
		*cap = c;
	}
	memcpy(*p + at, b, n);
	*len = at + n;
	return (int64_t)at;
}

static int alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c >= 0x80;
}

/* The bucket of entry text T (N bytes): its first letter folded, first
 * byte; 0 (always analysed) if it does not start with a letter or digit
 * or does not fold. */
static uint8_t bucket_of(const char *t, size_t n)
{
	unsigned char c = (unsigned char)t[0];
	char out[32];
	size_t cl = 1, ol = 0;

	if (c < 0x80)
		return alnum(c) ? (uint8_t)(c >= 'A' && c <= 'Z' ? c + 32 : c) : 0;
	while (cl < n && cl < 4 && ((unsigned char)t[cl] & 0xC0) == 0x80)
		cl++;
	if (att_keyword_fold(&ol, out, sizeof out, t, cl) != ATT_OK || ol == 0 ||
	    ((unsigned char)out[0] < 0x80 && !alnum((unsigned char)out[0])))
		return 0;
	return (uint8_t)out[0];
}

/* Adds the entry RAW (unescaped, trimmed) to the open group; one already
 * in the group, as written, adds nothing. */
static att_status add_entry(att_synset *s, const char *raw, size_t n)
{
	uint32_t i, g = s->ng - 1;
	int64_t at;

	for (i = s->gfirst[g]; i < s->ne; i++)
		if (s->e[i].raw_len == n && memcmp(s->raw + s->e[i].raw, raw, n) == 0)
			return ATT_OK;
	if (s->ne >= SYN_MAX_ENTRIES || s->nraw + n > UINT32_MAX)
		return ATT_ELIMIT;
	if (grow((void **)&s->e, &s->cape, s->ne + 1, sizeof *s->e) != 0 ||
	    (at = put_text(&s->raw, &s->nraw, &s->capraw, raw, n)) < 0)
		return ATT_ENOMEM;
	memset(&s->e[s->ne], 0, sizeof s->e[s->ne]);
	s->e[s->ne].raw = (uint32_t)at;
	s->e[s->ne].raw_len = (uint32_t)n;
	s->e[s->ne].group = g;
	s->e[s->ne].bucket = bucket_of(raw, n);
	s->ne++;
	return ATT_OK;
}

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Reads the line [P, P+N), line LINE of NAME, as one group. */
static att_status add_line(att_synset *s, const char *name, size_t line,
                           const char *p, size_t n, att_buf *eb, char *msg,
                           size_t cap)
{
	uint32_t first = s->ne;
	size_t i = 0;
	att_status rc = ATT_OK;

	while (i < n && blank(p[i]))
		i++;
	if (i == n || p[i] == '#')
		return ATT_OK;
	if (grow((void **)&s->gfirst, &s->capg, s->ng + 2, sizeof *s->gfirst) != 0)
		return ATT_ENOMEM;
	s->gfirst[s->ng++] = first;
	for (;;) {   /* one entry a turn, up to a comma or the end */
		const char *v = p + i;
		size_t j = i, vn;

		while (j < n && p[j] != ',' && p[j] != '\\')
			j++;
		if (j < n && p[j] == '\\') {   /* escapes: unescaped into EB */
			att_buf_clear(eb);
			for (; j < n && p[j] != ','; j++) {
				if (p[j] == '\\') {
					if (j + 1 == n || (p[j + 1] != ',' && p[j + 1] != '\\')) {
						snprintf(msg, cap, "%s:%zu: column %zu: '\\' must be"
						         " followed by ',' or '\\'", name, line, j + 1);
						return ATT_EINPUT;
					}
					att_buf_append(eb, p + i, j - i);
					i = ++j;
				}
			}
			att_buf_append(eb, p + i, j - i);
			if (eb->rc != ATT_OK)
				return ATT_ENOMEM;
			v = (const char *)eb->p;
			vn = eb->n;
		} else {
			vn = j - i;
		}
		while (vn > 0 && blank(v[0]))
			v++, vn--;
		while (vn > 0 && blank(v[vn - 1]))
			vn--;
		if (vn > 0)
			rc = add_entry(s, v, vn);
		if (rc == ATT_ELIMIT) {
			snprintf(msg, cap, "%s:%zu: more than %u synonyms", name, line,
			         SYN_MAX_ENTRIES);
			return rc;
		}
		if (rc != ATT_OK)
			return rc;
		if (j >= n)
			break;
		i = j + 1;   /* past the comma */
	}
	if (s->ne - first < 2) {   /* a group of one entry expands to nothing */
		s->ne = first;
		s->ng--;
	}
	return ATT_OK;
}

att_status att_synset_add_text(att_synset **set, const char *name,
                               const char *text, size_t len, char *msg,
                               size_t cap)
{
	att_buf eb;
	att_synset *s = *set;
	att_status rc = ATT_OK;
	size_t at = 0, line = 1, bad;

	msg[0] = '\0';
	if (att_utf8_validate(&bad, text, len) != ATT_OK) {
		size_t l = 1, i;

		for (i = 0; i < bad; i++)
			l += text[i] == '\n';
		snprintf(msg, cap, "%s:%zu: invalid UTF-8 at byte %zu", name, l,
		         bad + 1);
		return ATT_EUTF8;
	}
	if (s == NULL) {
		s = att_calloc(1, sizeof *s);
		if (s == NULL)
			goto nomem;
		att_buf_init(&s->kb);
		*set = s;
	}
	att_free(s->byb);    /* sorted again by att_synset_finish */
	s->byb = NULL;
	att_buf_init(&eb);
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		at = 3;          /* a byte order mark */
	while (at < len && rc == ATT_OK) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t end = nl != NULL ? (size_t)(nl - text) : len;

		rc = add_line(s, name, line, text + at, end - at, &eb, msg, cap);
		at = end + 1;
		line++;
	}
	att_buf_release(&eb);
	if (s->ng > 0)
		s->gfirst[s->ng] = s->ne;
	if (rc != ATT_ENOMEM)
		return rc;
nomem:
	snprintf(msg, cap, "out of memory");
	return ATT_ENOMEM;
}

att_status att_synset_add_file(att_synset **set, const char *path, char *msg,
                               size_t cap)
{
	struct stat st;
	FILE *f = fopen(path, "rb");
	char *text;
	size_t n;
	att_status rc;

	if (f == NULL) {
		snprintf(msg, cap, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? ATT_ENOTFOUND : ATT_EIO;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(msg, cap, "%s: not a regular file", path);
		fclose(f);
		return ATT_EIO;
	}
	if ((uint64_t)st.st_size > SYN_MAX_BYTES) {
		snprintf(msg, cap, "%s: %lld bytes, over the limit of %u for a"
		         " synonym file", path, (long long)st.st_size, SYN_MAX_BYTES);
		fclose(f);
		return ATT_ELIMIT;
	}
	text = att_malloc((size_t)st.st_size + 1);
	if (text == NULL) {
		fclose(f);
		snprintf(msg, cap, "out of memory");
		return ATT_ENOMEM;
	}
	n = fread(text, 1, (size_t)st.st_size, f);
	if (ferror(f) || n != (size_t)st.st_size) {
		snprintf(msg, cap, "%s: read error", path);
		fclose(f);
		att_free(text);
		return ATT_EIO;
	}
	fclose(f);
	rc = att_synset_add_text(set, path, text, n, msg, cap);
	att_free(text);
	return rc;
}

static void analyse_entry(att_synset *s, syn_entry *e);

att_status att_synset_finish(att_synset *s, att_analyzer *an)
{
	uint32_t i, b, fill[256];

	if (s == NULL)
		return ATT_OK;
	s->an = an;
	if (s->byb == NULL) {   /* a counting sort by bucket */
		s->byb = att_malloc(((size_t)s->ne + 1) * sizeof *s->byb);
		if (s->byb == NULL)
			return ATT_ENOMEM;
		memset(s->bstart, 0, sizeof s->bstart);
		memset(s->bdone, 0, sizeof s->bdone);
		for (i = 0; i < s->ne; i++)
			s->bstart[s->e[i].bucket + 1]++;
		for (b = 0; b < 256; b++) {
			s->bstart[b + 1] += s->bstart[b];
			fill[b] = s->bstart[b];
		}
		for (i = 0; i < s->ne; i++)
			s->byb[fill[s->e[i].bucket]++] = i;
	}
	for (i = s->bstart[0]; i < s->bstart[1]; i++)   /* bucket 0: now */
		analyse_entry(s, &s->e[s->byb[i]]);
	s->bdone[0] = 1;
	return s->rc;
}

void att_synset_free(att_synset *s)
{
	if (s == NULL)
		return;
	att_free(s->raw);
	att_free(s->keys);
	att_free(s->e);
	att_free(s->gfirst);
	att_free(s->byb);
	att_buf_release(&s->kb);
	att_free(s);
}

size_t att_synset_groups(const att_synset *s)
{
	return s != NULL ? s->ng : 0;
}

/* ---- analysing, looking up -------------------------------------------------- */

typedef struct key_sink {
	att_buf *b;
	uint32_t n;
} key_sink;

static int on_key_term(void *ctx, const att_token *tok)
{
	key_sink *ks = ctx;

	if (ks->n++ > 0)
		att_buf_putc(ks->b, ' ');
	att_buf_append(ks->b, tok->term, tok->term_len);
	return ks->b->rc;
}

/* Analyses entry E once: its key, or no term. ENOMEM goes to s->rc. */
static void analyse_entry(att_synset *s, syn_entry *e)
{
	key_sink ks = { &s->kb, 0 };
	int64_t at;

	if (e->done)
		return;
	e->done = 1;
	att_buf_clear(&s->kb);
	if (att_analyze(s->an, s->raw + e->raw, e->raw_len, 0, on_key_term, &ks,
	                NULL) != ATT_OK || ks.n == 0 || s->kb.rc != ATT_OK) {
		if (s->kb.rc != ATT_OK) {   /* out of memory: tried again later */
			s->rc = ATT_ENOMEM;
			e->done = 0;
			s->kb.rc = ATT_OK;
		}
		return;   /* no term: it expands to nothing */
	}
	at = put_text(&s->keys, &s->nkeys, &s->capkeys, s->kb.p, s->kb.n);
	if (at < 0) {
		s->rc = ATT_ENOMEM;
		e->done = 0;
		return;
	}
	e->off = (uint32_t)at;
	e->len = (uint32_t)s->kb.n;
	e->nterms = ks.n;
}

static void analyse_bucket(att_synset *s, uint8_t b)
{
	uint32_t i;

	if (s->bdone[b])
		return;
	s->bdone[b] = 1;
	for (i = s->bstart[b]; i < s->bstart[b + 1]; i++)
		analyse_entry(s, &s->e[s->byb[i]]);
	if (s->rc != ATT_OK)
		s->bdone[b] = 0;
}

static void analyse_group(att_synset *s, uint32_t g)
{
	uint32_t i;

	for (i = s->gfirst[g]; i < s->gfirst[g + 1]; i++)
		analyse_entry(s, &s->e[i]);
}

/* The groups (at most MAX) holding an entry whose key is KEY (N bytes),
 * in GROUPS; how many. */
static uint32_t find_key(att_synset *s, const char *key, size_t n,
                         uint32_t *groups, uint32_t max)
{
	uint8_t bs[2] = { 0, (uint8_t)key[0] };
	uint32_t ng = 0, i, j, k;

	analyse_bucket(s, bs[1]);
	for (k = 0; k < 2; k++)
		for (i = s->bstart[bs[k]]; i < s->bstart[bs[k] + 1]; i++) {
			const syn_entry *e = &s->e[s->byb[i]];

			if (e->nterms == 0 || e->len != n ||
			    memcmp(s->keys + e->off, key, n) != 0)
				continue;
			for (j = 0; j < ng && groups[j] != e->group; j++)
				;
			if (j == ng && ng < max)
				groups[ng++] = e->group;
		}
	return ng;
}

/* ---- the rewrite ------------------------------------------------------------ */

/* The longest run of query words looked up as one entry: longer entries
 * ("United Kingdom of Great Britain and Northern Ireland" is 8 terms)
 * are only reached through their group. */
#define SYN_MAX_RUN 12

/* Terms a query's synonyms may add, past which words are left alone. */
#define SYN_MAX_ADDED ATT_QUERY_MAX_TERMS

typedef struct rewriter {
	att_query *q;
	att_synset *s;
	uint32_t capnodes, capkids, capterms;
	uint32_t added;          /* terms added so far */
	att_buf key;
	int limited;
} rewriter;

static int room(rewriter *w, uint32_t nodes, uint32_t kids, uint32_t terms)
{
	att_query *q = w->q;

	return grow((void **)&q->nodes, &w->capnodes, q->nnodes + nodes,
	            sizeof *q->nodes) == 0 &&
	    grow((void **)&q->kids, &w->capkids, q->nkids + kids,
	         sizeof *q->kids) == 0 &&
	    grow((void **)&q->terms, &w->capterms, q->nterms + terms,
	         sizeof *q->terms) == 0 ? 0 : -1;
}

/* 1 if node N is a free word: a term with no field, prefix or filter. */
static int free_word(const att_query *q, uint32_t n)
{
	const att_qnode *nd = &q->nodes[n];

	return nd->kind == ATT_Q_TERM && !nd->prefix && !nd->fuzzy &&
	    !nd->filter &&
	    q->terms[nd->first].field_len == 0;
}

static void key_append(att_buf *b, const att_qterm *t)
{
	if (b->n > 0)
		att_buf_putc(b, ' ');
	att_buf_append(b, t->text, t->len);
}

/* A synonym node over the entries of GROUPS[0..NG), like the node LIKEP
 * (its column, occurrence and boost). Returns the node, or -1 (ENOMEM),
 * -2 (the limit: leave the words alone) or -3 (one distinct entry: no
 * synonym). */
static int64_t make_syn(rewriter *w, const uint32_t *groups, uint32_t ng,
                        const att_qnode *likep)
{
	att_synset *s = w->s;
	att_query *q = w->q;
	att_qnode like = *likep;   /* room() may move the nodes */
	uint32_t g, e, nmem = 0, nterms = 0, kbase;
	att_qnode *sn;

	for (g = 0; g < ng; g++) {
		analyse_group(s, groups[g]);
		for (e = s->gfirst[groups[g]]; e < s->gfirst[groups[g] + 1]; e++)
			nmem++, nterms += s->e[e].nterms;
	}
	if (s->rc != ATT_OK)
		return -1;
	if (w->added + nterms > SYN_MAX_ADDED)
		return -2;
	if (room(w, nmem + 1, nmem, nterms) != 0)
		return -1;
	kbase = q->nkids;
	for (g = 0; g < ng; g++)
		for (e = s->gfirst[groups[g]]; e < s->gfirst[groups[g] + 1]; e++) {
			const syn_entry *se = &s->e[e];
			const char *k = s->keys + se->off, *end = k + se->len;
			uint32_t j, dup = 0;
			att_qnode *mn;

			if (se->nterms == 0)
				continue;
			for (j = kbase; j < q->nkids && !dup; j++) {  /* said twice */
				const att_qnode *o = &q->nodes[q->kids[j]];
				att_buf *b = &w->key;

				att_buf_clear(b);
				for (uint32_t t = 0; t < o->n; t++)
					key_append(b, &q->terms[o->first + t]);
				dup = b->n == se->len && memcmp(b->p, k, b->n) == 0;
			}
			if (dup)
				continue;
			mn = &q->nodes[q->nnodes];
			memset(mn, 0, sizeof *mn);
			mn->kind = se->nterms == 1 ? ATT_Q_TERM : ATT_Q_PHRASE;
			mn->occur = ATT_SHOULD;
			mn->boost = 1;
			mn->first = q->nterms;
			mn->n = se->nterms;
			mn->column = like.column;
			while (k < end) {
				const char *sp = memchr(k, ' ', (size_t)(end - k));
				size_t tl = sp != NULL ? (size_t)(sp - k) : (size_t)(end - k);
				att_qterm *t = &q->terms[q->nterms++];

				memset(t, 0, sizeof *t);
				if (tl > ATT_QTERM_MAX)
					tl = ATT_QTERM_MAX;
				memcpy(t->text, k, tl);
				t->text[tl] = '\0';
				t->len = (uint32_t)tl;
				k += tl + (sp != NULL);
			}
			q->kids[q->nkids++] = q->nnodes++;
		}
	if (w->key.rc != ATT_OK)
		return -1;
	if (q->nkids - kbase < 2) {   /* the word alone: nothing to add */
		q->nkids = kbase;
		return -3;
	}
	w->added += nterms;
	sn = &q->nodes[q->nnodes];
	memset(sn, 0, sizeof *sn);
	sn->kind = ATT_Q_SYN;
	sn->occur = like.occur;
	sn->boost = like.boost;
	sn->first = kbase;
	sn->n = q->nkids - kbase;
	sn->column = like.column;
	return q->nnodes++;
}

/* The synonym node for the key in w->key, if an entry has it: its
 * index, or -3 if none (-1 ENOMEM, -2 the limit). */
static int64_t syn_for_key(rewriter *w, const att_qnode *like)
{
	uint32_t groups[16], ng;

	if (w->key.rc != ATT_OK)
		return -1;
	if (w->key.n == 0)
		return -3;
	ng = find_key(w->s, (const char *)w->key.p, w->key.n, groups, 16);
	if (w->s->rc != ATT_OK)
		return -1;
	return ng == 0 ? -3 : make_syn(w, groups, ng, like);
}

/* Rewrites the members of group N (and its groups, recursively). */
static att_status rewrite_group(rewriter *w, uint32_t n)
{
	att_query *q = w->q;
	uint32_t k = 0, nk = q->nodes[n].n, first = q->nodes[n].first, out;
	uint32_t *kids;
	att_status rc = ATT_OK;

	/* the members, copied: make_syn appends to q->kids */
	kids = att_malloc(((size_t)nk + 1) * sizeof *kids);
	if (kids == NULL)
		return ATT_ENOMEM;
	memcpy(kids, q->kids + first, nk * sizeof *kids);
	for (out = 0; k < nk && rc == ATT_OK;) {
		uint32_t c = kids[k], run = 0, len;
		int64_t syn = -3;

		if (q->nodes[c].kind == ATT_Q_BOOL) {
			rc = rewrite_group(w, c);
			kids[out++] = c;
			k++;
			continue;
		}
		if (q->nodes[c].kind == ATT_Q_PHRASE && !q->nodes[c].filter &&
		    q->terms[q->nodes[c].first].field_len == 0) {
			att_buf_clear(&w->key);
			for (uint32_t t = 0; t < q->nodes[c].n; t++)
				key_append(&w->key, &q->terms[q->nodes[c].first + t]);
			syn = syn_for_key(w, &q->nodes[c]);
			if (syn == -1)
				rc = ATT_ENOMEM;
			kids[out++] = syn >= 0 ? (uint32_t)syn : c;
			k++;
			continue;
		}
		while (k + run < nk && run < SYN_MAX_RUN &&
		       free_word(q, kids[k + run]) &&
		       q->nodes[kids[k + run]].occur == q->nodes[c].occur &&
		       q->nodes[kids[k + run]].boost == q->nodes[c].boost)
			run++;
		for (len = run; len > 0 && syn == -3; len--) {   /* the longest */
			att_buf_clear(&w->key);
			for (uint32_t j = 0; j < len; j++)
				key_append(&w->key, &q->terms[q->nodes[kids[k + j]].first]);
			syn = syn_for_key(w, &q->nodes[c]);
		}
		if (syn == -1) {
			rc = ATT_ENOMEM;
		} else if (syn >= 0) {
			kids[out++] = (uint32_t)syn;
			k += len + 1;   /* the loop took one off too many */
			continue;
		} else if (syn == -2) {
			w->limited = 1;
		}
		kids[out++] = c;
		k++;
	}
	if (rc == ATT_OK) {   /* the group's new members */
		memcpy(q->kids + first, kids, out * sizeof *kids);
		q->nodes[n].n = out;
	}
	att_free(kids);
	return rc;
}

att_status att_query_synonyms(att_query *q, att_synset *s,
                              uint32_t *capnodes, uint32_t *capkids,
                              uint32_t *capterms)
{
	rewriter w;
	att_status rc = ATT_OK;
	att_qnode *root;

	if (s == NULL || s->ne == 0 || q->nnodes == 0)
		return ATT_OK;
	s->rc = ATT_OK;   /* a look-up that ran out of memory is tried again */
	memset(&w, 0, sizeof w);
	w.q = q;
	w.s = s;
	w.capnodes = *capnodes;
	w.capkids = *capkids;
	w.capterms = *capterms;
	att_buf_init(&w.key);
	root = &q->nodes[q->root];
	if (root->kind == ATT_Q_BOOL) {
		rc = rewrite_group(&w, q->root);
	} else if (root->kind == ATT_Q_TERM || root->kind == ATT_Q_PHRASE) {
		/* a one-word or one-phrase query */
		att_qnode like = *root;
		int64_t syn = -3;

		if (root->kind == ATT_Q_PHRASE || free_word(q, q->root)) {
			att_buf_clear(&w.key);
			for (uint32_t t = 0; t < like.n; t++)
				key_append(&w.key, &q->terms[like.first + t]);
			if (like.filter || q->terms[like.first].field_len != 0)
				syn = -3;
			else
				syn = syn_for_key(&w, &like);
		}
		if (syn == -1)
			rc = ATT_ENOMEM;
		else if (syn == -2)
			w.limited = 1;
		else if (syn >= 0)
			q->root = (uint32_t)syn;
	}
	if (w.limited)
		att_note(&q->notes, "synonyms past the first %d terms left out",
		         SYN_MAX_ADDED);
	*capnodes = w.capnodes;
	*capkids = w.capkids;
	*capterms = w.capterms;
	att_buf_release(&w.key);
	return rc;
}

/* ---- the searchers' cache --------------------------------------------------- */

/* What identifies a file's version: 0 if PATH is not there. */
static int file_key(struct stat *st, const char *path)
{
	if (path == NULL || stat(path, st) != 0) {
		memset(st, 0, sizeof *st);
		return 0;
	}
	return 1;
}

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

att_status att_syncache_get(att_synset **out, att_syncache *c,
                            att_analyzer *an, int gazetteer,
                            const char *index_file, const char *search_file,
                            char *msg, size_t cap)
{
	const char *file = search_file != NULL ? search_file : index_file;
	att_synset *s = NULL;
	struct stat st;
	int has = file_key(&st, file);
	att_status rc = ATT_OK;

	*out = NULL;
	if (search_file != NULL && !has) {
		snprintf(msg, cap, "%s: %s", search_file, strerror(errno));
		return ATT_ENOTFOUND;
	}
	if (c->loaded && c->gazetteer == gazetteer && c->has == has &&
	    (!has || (same_file(&st, &c->st) && c->path != NULL &&
	              strcmp(c->path, file) == 0))) {
		if (c->set != NULL)
			c->set->an = an;   /* the searcher's, maybe a new one */
		*out = c->set;
		return ATT_OK;
	}
	if (gazetteer) {
		size_t len;
		const char *text = att_gazetteer_text(&len);

		rc = att_synset_add_text(&s, "gazetteer.txt", text, len, msg, cap);
	}
	if (rc == ATT_OK && has)
		rc = att_synset_add_file(&s, file, msg, cap);
	if (rc == ATT_OK)
		rc = att_synset_finish(s, an);
	if (rc != ATT_OK) {
		att_synset_free(s);
		if (rc == ATT_ENOMEM)
			snprintf(msg, cap, "out of memory");
		return rc;
	}
	att_syncache_release(c);
	c->set = s;
	c->path = has ? att_strndup(file, strlen(file)) : NULL;
	if (has && c->path == NULL) {
		att_syncache_release(c);
		snprintf(msg, cap, "out of memory");
		return ATT_ENOMEM;
	}
	c->st = st;
	c->has = has;
	c->gazetteer = gazetteer;
	c->loaded = 1;
	*out = c->set;
	return ATT_OK;
}

void att_syncache_release(att_syncache *c)
{
	att_synset_free(c->set);
	att_free(c->path);
	memset(c, 0, sizeof *c);
}

/* ---- an index's own file ---------------------------------------------------- */

/* The synonym file of the index at PATH into OUT: PATH/synonyms.txt, or
 * beside PATH if it is a file (a Xapian stub). 0, or -1 if there is no
 * index at PATH. */
int att_synonyms_path(char *out, size_t cap, const char *path)
{
	struct stat st;
	const char *slash;

	if (stat(path, &st) != 0)
		return -1;
	if (S_ISDIR(st.st_mode)) {
		snprintf(out, cap, "%s/%s", path, ATT_SYNONYMS_NAME);
		return 0;
	}
	slash = strrchr(path, '/');
	snprintf(out, cap, "%.*s%s", slash ? (int)(slash - path + 1) : 0, path,
	         ATT_SYNONYMS_NAME);
	return 0;
}

static att_status set_err(char **errmsg, att_status rc, const char *msg)
{
	if (errmsg != NULL)
		*errmsg = strdup(msg);
	return rc;
}

att_status att_index_set_synonyms(const char *path, const char *file,
                                  char **errmsg)
{
	char dst[4096], tmp[4200], msg[8400], dir[4096], *slash;
	att_synset *s = NULL;
	att_status rc;
	FILE *in = NULL;
	int fd = -1;

	if (errmsg != NULL)
		*errmsg = NULL;
	if (att_synonyms_path(dst, sizeof dst, path) != 0) {
		snprintf(msg, sizeof msg, "%s: no index there", path);
		return set_err(errmsg, ATT_ENOTFOUND, msg);
	}
	snprintf(dir, sizeof dir, "%s", dst);
	slash = strrchr(dir, '/');
	if (slash != NULL)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	if (file == NULL) {
		if (unlink(dst) != 0 && errno != ENOENT) {
			snprintf(msg, sizeof msg, "%s: %s", dst, strerror(errno));
			return set_err(errmsg, ATT_EIO, msg);
		}
		rc = att_fsync_dir(dir, msg, sizeof msg);
		return rc == ATT_OK ? ATT_OK : set_err(errmsg, rc, msg);
	}
	rc = att_synset_add_file(&s, file, msg, sizeof msg);   /* it reads */
	att_synset_free(s);
	if (rc != ATT_OK)
		return set_err(errmsg, rc, msg);
	snprintf(tmp, sizeof tmp, "%s.tmp", dst);
	in = fopen(file, "rb");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (in == NULL || fd < 0) {
		snprintf(msg, sizeof msg, "%s: %s", in == NULL ? file : tmp,
		         strerror(errno));
		rc = ATT_EIO;
	}
	while (rc == ATT_OK) {
		char buf[65536];
		size_t n = fread(buf, 1, sizeof buf, in), done = 0;

		if (n == 0) {
			if (ferror(in)) {
				snprintf(msg, sizeof msg, "%s: read error", file);
				rc = ATT_EIO;
			}
			break;
		}
		while (done < n && rc == ATT_OK) {
			ssize_t w = write(fd, buf + done, n - done);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				snprintf(msg, sizeof msg, "%s: %s", tmp, strerror(errno));
				rc = ATT_EIO;
			}
			done += w > 0 ? (size_t)w : 0;
		}
	}
	if (rc == ATT_OK && fsync(fd) != 0) {
		snprintf(msg, sizeof msg, "%s: %s", tmp, strerror(errno));
		rc = ATT_EIO;
	}
	if (fd >= 0 && close(fd) != 0 && rc == ATT_OK) {
		snprintf(msg, sizeof msg, "%s: %s", tmp, strerror(errno));
		rc = ATT_EIO;
	}
	if (in != NULL)
		fclose(in);
	if (rc == ATT_OK && rename(tmp, dst) != 0) {
		snprintf(msg, sizeof msg, "%s: %s", dst, strerror(errno));
		rc = ATT_EIO;
	}
	if (rc == ATT_OK)
		rc = att_fsync_dir(dir, msg, sizeof msg);
	if (rc != ATT_OK) {
		unlink(tmp);
		return set_err(errmsg, rc, msg);
	}
	return ATT_OK;
}
