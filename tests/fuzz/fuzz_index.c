/*
 * fuzz_index.c: a libFuzzer target for the index readers.
 *
 * Once per process, LLVMFuzzerInitialize builds a small seed index with
 * the public API in a fresh directory under $TMPDIR (or /tmp): two
 * segments from two commits (the second with posting lists long enough
 * for packed blocks and skip entries), with typed fields (a date, a
 * keyword field of several values, a number), then a deletion committed
 * as a third generation, so the directory holds MANIFEST, seg000001.*
 * and seg000002.* (dic, pst, pos, doc, sen, sto, val) and
 * seg000001_3.del. It keeps every file's bytes.
 *
 * Each input's first byte is a selector: bits 0-2 choose a file (MANIFEST,
 * .dic, .pst, .pos, .doc, .sen, .sto, .del), or bit 7 the .val, and bit 3
 * segment 1 or 2. The
 * rest of the input gives the file's new contents in one of two ways:
 *   - bit 5 clear: the bytes replace the file;
 *   - bit 5 set: they patch a copy of the seed file, so that mutations
 *     stay near a valid file: with bit 6 set, a u16 first gives the new
 *     length (cut, or zero-extended by up to 256 bytes); then each patch
 *     is a u16 offset (modulo the length), a count byte C and C bytes
 *     written there (cut at the end of the file).
 * Every file ends with a CRC-32 of the rest, and the paged files (the
 * six segment files) also hold one for every 4 KiB page, which a mutation
 * almost always breaks, so unless bit 4 is set the target writes the right CRCs
 * (pages, page table, file): the mutated bytes then reach the parsers
 * behind the checksum. The target then opens a searcher, reads its
 * statistics and runs a few queries that reach the dictionary, postings,
 * positions, sentence tables, stored text and the hits' typed values
 * (the columns), and finally puts the
 * original file back. Any status is fine: a damaged index must give an
 * error, never a crash, a hang, a leak or an out-of-bounds read (ASan,
 * UBSan).
 *
 * With ATT_FUZZ_SEEDS=DIR in the environment, Initialize also writes seed
 * inputs into DIR, which tests/fuzz/run.sh uses as the starting corpus:
 * per file of the seed index, the file itself (replace mode) and a few
 * one-byte patches spread over it (patch mode).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "attache.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
/* format/files.c: paged files at least this big are checked lazily */
extern size_t att_lazy_min;
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NFILES 15

typedef struct seed_file {
	char name[32];
	uint8_t *data;
	size_t n;
} seed_file;

static char dir[256];
static seed_file files[NFILES + 1]; /* and the .del */
static size_t nfiles;

static const char *const texts[][3] = {
	{ "a1", "Grain corridor talks resume",
	  "Ministers met in Istanbul to discuss the grain corridor. The talks "
	  "lasted two days. Shipping insurers asked for guarantees." },
	{ "a2", "Gas pipeline expansion",
	  "Azerbaijan agreed to expand the southern gas corridor. Europe wants "
	  "more gas before winter. The pipeline crosses Georgia and Turkey." },
	{ "a3", "Defence cooperation",
	  "Pakistan and Azerbaijan signed a defence cooperation memorandum. "
	  "Joint exercises follow in spring." },
	{ "a4", "Fisheries subsidies",
	  "The trade ministers could not agree on fisheries subsidies. Talks "
	  "continue in Geneva next month." },
	{ "b1", "Rail freight across the Caspian",
	  "The middle corridor carries more rail freight each year. Ports on "
	  "the Caspian are expanding. Grain and cotton move west." },
	{ "b2", "Sanctions and the price cap",
	  "The oil price cap was lowered again. Sanctions target the shadow "
	  "fleet. Insurers and shipping firms must check cargoes." },
	{ "b3", "Climate finance",
	  "Negotiators in Belem discussed climate finance. Small island states "
	  "asked for grants, not loans." },
};

static int die(const char *what, const char *msg)
{
	fprintf(stderr, "fuzz_index: cannot build the seed index: %s: %s\n",
	        what, msg ? msg : "");
	abort();
}

static void commit_docs(size_t from, size_t to, const char *delete_id)
{
	att_writer_options o;
	att_writer *wr;
	char *msg = NULL;
	uint32_t gone;
	size_t i;

	static const att_field_decl decls[] = { { "date", ATT_FIELD_DATE },
	                                        { "places", ATT_FIELD_KEYWORD },
	                                        { "price", ATT_FIELD_NUMBER } };
	static const att_field fields[] = {
		{ "date", 4, "1987-03-01T04:00:48Z", 20 },
		{ "places", 6, "[\"usa\", \"japan\"]", 17 },
		{ "price", 5, "12.5", 4 },
	};

	att_writer_options_init(&o);
	o.no_merge = 1;
	o.fields = decls;
	o.nfields = 3;
	if (att_writer_open(&wr, dir, &o, &msg) != ATT_OK)
		die("att_writer_open", msg);
	for (i = from; i < to; i++) {
		att_doc d = { texts[i][0], strlen(texts[i][0]), texts[i][1],
		              strlen(texts[i][1]), texts[i][2], strlen(texts[i][2]),
		              fields + i % 2, 3 - i % 2 };

		if (att_writer_add(wr, &d) != ATT_OK)
			die("att_writer_add", att_writer_errmsg(wr));
	}
	if (from == 4) { /* long posting lists: packed blocks, skip entries */
		static const char *const words[] = { "grain", "corridor", "talks",
		                                     "shipping", "caspian", "gas" };

		for (i = 0; i < 300; i++) {
			char id[16], text[160];
			int n;
			att_doc d;

			char date[16];
			att_field f[2];

			snprintf(id, sizeof id, "g%03zu", i);
			n = snprintf(text, sizeof text, "%s %s %s. The %s %s of %zu "
			             "ships. %s.", words[i % 6], words[(i / 6) % 6],
			             words[i % 5], words[(i / 3) % 6], words[i % 4], i,
			             words[(i * 7) % 6]);
			snprintf(date, sizeof date, "19%02zu-%02zu", 50 + i % 50,
			         1 + i % 12);
			f[0] = (att_field){ "date", 4, date, strlen(date) };
			f[1] = (att_field){ "places", 6, words[i % 6], strlen(words[i % 6]) };
			d = (att_doc){ id, strlen(id), "", 0, text, (size_t)n, f,
			               i % 3 ? 2 : 1 };
			if (att_writer_add(wr, &d) != ATT_OK)
				die("att_writer_add", att_writer_errmsg(wr));
		}
	}
	if (delete_id != NULL &&
	    att_writer_delete(&gone, wr, delete_id, strlen(delete_id)) != ATT_OK)
		die("att_writer_delete", att_writer_errmsg(wr));
	if (att_writer_commit(wr) != ATT_OK)
		die("att_writer_commit", att_writer_errmsg(wr));
	att_writer_free(wr);
}

static int read_file(seed_file *f, const char *name)
{
	char path[512];
	FILE *fp;
	long n;

	snprintf(f->name, sizeof f->name, "%s", name);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	f->n = (size_t)n;
	f->data = malloc(f->n ? f->n : 1);
	if (f->data == NULL || fread(f->data, 1, f->n, fp) != f->n)
		die("read", path);
	fclose(fp);
	return 0;
}

static void write_file(const char *name, const uint8_t *p, size_t n)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((fp = fopen(path, "wb")) == NULL ||
	    (n && fwrite(p, 1, n, fp) != n) || fclose(fp) != 0)
		die("write", path);
}

/* The file input selector S names. */
static const seed_file *choose(uint8_t s)
{
	static const char *const ext[] = { NULL, "dic", "pst", "pos", "doc",
	                                   "sen", "sto", NULL };
	char name[32];
	size_t i;

	if (s & 128)
		snprintf(name, sizeof name, "seg%06u.val", (s >> 3) & 1 ? 2u : 1u);
	else if (s % 8 == 0)
		snprintf(name, sizeof name, "MANIFEST");
	else if (s % 8 == 7)
		snprintf(name, sizeof name, "seg000001_3.del");
	else
		snprintf(name, sizeof name, "seg%06u.%s", (s >> 3) & 1 ? 2u : 1u,
		         ext[s % 8]);
	for (i = 0; i < nfiles; i++)
		if (strcmp(files[i].name, name) == 0)
			return &files[i];
	return NULL;
}

static void write_seed(const char *to, const char *name, int k, uint8_t sel,
                       const uint8_t *p, size_t n)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof path, "%s/seed-%s-%d", to, name, k);
	if ((fp = fopen(path, "wb")) == NULL)
		die("write seed", path);
	fputc(sel, fp);
	if (n)
		fwrite(p, 1, n, fp);
	fclose(fp);
}

static void write_seeds(const char *to)
{
	size_t i;
	int k;

	for (i = 0; i < 18; i++) {
		uint8_t sel = (uint8_t)(i < 16 ? i : 128 | (i - 16) << 3);
		const seed_file *f = choose(sel);

		if (f == NULL || (i < 16 && ((i % 8 == 0 && i) || (i % 8 == 7 && i != 7))))
			continue;
		write_seed(to, f->name, 0, sel, f->data, f->n);
		for (k = 1; k <= 8; k++) { /* one byte changed, CRC fixed */
			size_t off = 8 + (f->n - 12) * (size_t)k / 9;
			uint8_t patch[4] = { (uint8_t)off, (uint8_t)(off >> 8), 1,
			                     (uint8_t)(f->data[off] ^ (1u << k % 8)) };

			write_seed(to, f->name, k, (uint8_t)(sel | 32), patch, 4);
		}
	}
}

static void remove_dir(void)
{
	char path[512];
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const names[NFILES] = {
		"MANIFEST", "seg000001.dic", "seg000001.pst", "seg000001.pos",
		"seg000001.doc", "seg000001.sen", "seg000001.sto", "seg000001.val",
		"seg000002.dic", "seg000002.pst", "seg000002.pos", "seg000002.doc",
		"seg000002.sen", "seg000002.sto", "seg000002.val",
	};
	const char *tmp = getenv("TMPDIR");
	const char *seeds = getenv("ATT_FUZZ_SEEDS");
	size_t i;

	(void)argc;
	(void)argv;
	/* every paged file checked a page at a time, as a big index is */
	att_lazy_min = 0;
	snprintf(dir, sizeof dir, "%s/att-fuzz-index-XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp", dir);
	atexit(remove_dir);
	commit_docs(0, 4, NULL);
	commit_docs(4, 7, NULL);
	commit_docs(0, 0, "a2");
	for (i = 0; i < NFILES; i++)
		if (read_file(&files[nfiles], names[i]) == 0)
			nfiles++;
	if (read_file(&files[nfiles], "seg000001_3.del") == 0)
		nfiles++;
	if (nfiles != NFILES + 1)
		die("the seed index", "a file is missing (has the format changed?)");
	if (seeds != NULL)
		write_seeds(seeds);
	return 0;
}

static void search(att_searcher *s, const char *q, size_t passages)
{
	att_search_options o;
	att_results *r;
	size_t i, k;

	att_search_options_init(&o);
	o.passages = passages;
	if (att_search(&r, s, q, strlen(q), &o) != ATT_OK)
		return;
	for (i = 0; i < att_results_count(r); i++) {
		att_hit h;
		volatile char sink = 0;

		att_results_hit(&h, r, i);
		if (h.id_len)
			sink ^= h.id[h.id_len - 1];
		if (h.title_len)
			sink ^= h.title[h.title_len - 1];
		for (k = 0; k < h.npassages; k++) {
			att_passage p;

			att_results_passage(&p, r, i, k);
			if (p.text_len)
				sink ^= p.text[p.text_len - 1];
		}
		for (k = 0; k < h.nfields; k++) {
			att_hit_field f;

			att_results_field(&f, r, i, k);
			sink ^= f.value[f.value_len]; /* the NUL */
		}
		(void)sink;
	}
	att_results_free(r);
}

/* The new contents of F from input IN (N_IN bytes) under selector SEL, in
 * a malloc'd buffer of *N bytes (at least 1 allocated); NULL if out of
 * memory. */
static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* In a paged file (the six segment files; docs/FORMAT.md 2.1.1), the page CRCs
 * and the table's own CRC made right again, when the page count still
 * fits the size, so that mutations reach the parsers behind them. */
static void reseal_pages(uint8_t *p, size_t n)
{
	uint64_t np, body, i;

	if (n < 24 || (memcmp(p, "ATDI", 4) && memcmp(p, "ATPO", 4) &&
	               memcmp(p, "ATPS", 4) && memcmp(p, "ATDO", 4) &&
	               memcmp(p, "ATSE", 4) && memcmp(p, "ATST", 4) &&
	               memcmp(p, "ATVA", 4)))
		return;
	np = (uint64_t)p[n - 12] | (uint64_t)p[n - 11] << 8 |
	     (uint64_t)p[n - 10] << 16 | (uint64_t)p[n - 9] << 24;
	if (np * 4 + 20 > n)
		return;
	body = n - 12 - np * 4;
	if (np != (body + 4095) / 4096)
		return;
	for (i = 0; i < np; i++) {
		uint64_t len = body - i * 4096 < 4096 ? body - i * 4096 : 4096;

		put32(p + body + i * 4, (uint32_t)crc32(0L, p + i * 4096, (uInt)len));
	}
	put32(p + n - 8, (uint32_t)crc32(0L, p + body, (uInt)(np * 4 + 4)));
}

static uint8_t *build_file(size_t *n, const seed_file *f, uint8_t sel,
                           const uint8_t *in, size_t n_in)
{
	uint8_t *p;
	size_t at = 0;
	uLong crc;

	if (!(sel & 32)) { /* replace */
		*n = n_in;
		if ((p = malloc(n_in ? n_in : 1)) != NULL && n_in)
			memcpy(p, in, n_in);
	} else {           /* patch the seed file */
		*n = f->n;
		if ((sel & 64) && n_in >= 2) {
			*n = (size_t)(in[0] | in[1] << 8) % (f->n + 257);
			at = 2;
		}
		if ((p = calloc(*n ? *n : 1, 1)) == NULL)
			return NULL;
		memcpy(p, f->data, *n < f->n ? *n : f->n);
		while (*n && at + 3 <= n_in) {
			size_t off = (size_t)(in[at] | in[at + 1] << 8) % *n;
			size_t c = in[at + 2], k;

			at += 3;
			for (k = 0; k < c && at < n_in && off + k < *n; k++)
				p[off + k] = in[at++];
			at += c - k < n_in - at ? c - k : n_in - at;
		}
	}
	if (p != NULL && !(sel & 16) && *n >= 4) {
		reseal_pages(p, *n);
		crc = crc32(0L, p, (uInt)(*n - 4));
		p[*n - 4] = (uint8_t)crc;
		p[*n - 3] = (uint8_t)(crc >> 8);
		p[*n - 2] = (uint8_t)(crc >> 16);
		p[*n - 1] = (uint8_t)(crc >> 24);
	}
	return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const seed_file *f;
	att_index_stats st;
	att_searcher *s = NULL;
	char *msg = NULL;
	uint8_t *p;
	size_t n;

	if (size < 1 || (f = choose(data[0])) == NULL)
		return 0;
	if ((p = build_file(&n, f, data[0], data + 1, size - 1)) == NULL)
		return 0;
	write_file(f->name, p, n);
	free(p);
	if (att_searcher_open(&s, dir, &msg) == ATT_OK) {
		att_searcher_stats(&st, s);
		search(s, "grain corridor", 1);
		search(s, "\"gas corridor\" +azerbaijan -armenia", 2);
		search(s, "talks shipping insurers", 0);
		search(s, "caspian", 1);
		search(s, "places:usa grain", 0);
		att_searcher_free(s);
	}
	free(msg);
	write_file(f->name, f->data, f->n);
	return 0;
}
