/*
 * check_typed.c: every query a person types is answered (issue 12).
 *
 * tests/queries/typed.txt holds several hundred strings as people type
 * them into a search box: unbalanced quotes and brackets, stray
 * operators, emoji, other scripts, control bytes and invalid UTF-8, caps
 * lock, pasted code and logs, long pastes, and the ordinary queries that
 * must keep working. Its opening comment gives the format (escapes, the
 * "@repeat N TEXT", "@searched" and "@note" lines, "# section: NAME"
 * groups); load() decodes it.
 *
 * The test builds a small index of news-like documents through the
 * public writer (a native index, and in a build with the Xapian backend
 * a Xapian one too, each run in full) and runs every string through att_search with eight
 * option sets: the defaults, exhaustive, require_all, require_all and
 * exhaustive, three passages per hit, explain, plain words, and strict
 * syntax. Each but strict must return ATT_OK (strict may refuse with
 * ATT_EPARSE, ATT_EEMPTY or ATT_ELIMIT), with sane results (at most n
 * hits, each with an id, at most the passages asked for); pruned and
 * exhaustive evaluation must give the same hit ids with the same
 * scores; the strings of the section "ordinary queries" must find
 * something with the defaults; and a string with "@searched" or "@note"
 * lines must have searched exactly that (att_results_query, with
 * explain) and carry that note.
 *
 * Each query sits in a buffer of exactly its length with no NUL after
 * it, and is passed with that length: some contain NUL bytes, and a
 * sanitizer build catches code that reads a query as a C string.
 *
 * A string that fails is listed with its line, its text (escaped as in
 * the file, shortened) and the option set, status and message. At the
 * end the test prints how many strings answered, per section, and the
 * failures' messages (columns dropped) with counts, then fails if any
 * string was not answered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "testdir.h"

#include "attache.h"
#include "stemmer.h"

#ifndef ATT_TEST_QUERIES
#error "ATT_TEST_QUERIES must give the path of tests/queries/typed.txt"
#endif

#define MIN_STRINGS 300
#define MAX_REPEAT 100000
#define MAX_SECTIONS 64
#define MAX_KINDS 64
#define ORDINARY "ordinary queries"

/* The queries file: an argument on the command line, or the default. */
static const char *queries_path = ATT_TEST_QUERIES;

/* ---- the queries file ------------------------------------------------- */

typedef struct tquery {
	char *p;          /* exactly n bytes, not NUL-terminated */
	size_t n;
	unsigned line;
	size_t section;
	char *searched;   /* "@searched": what it must search, or NULL */
	char *note;       /* "@note": a note it must carry, or NULL */
} tquery;

typedef struct tsection {
	char name[64];
	size_t strings, answered;
} tsection;

typedef struct tfile {
	tquery *q;
	size_t nq, capq;
	tsection sec[MAX_SECTIONS];
	size_t nsec;
} tfile;

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes the escapes of P[0..n) into OUT (at least n bytes); *OUTN gets
 * the decoded length. Returns NULL, or what is wrong with the text. */
static const char *decode(char *out, size_t *outn, const char *p, size_t n)
{
	size_t i = 0, o = 0;

	while (i < n) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x20 || c == 0x7f)
			return "a raw control character (write it as an escape)";
		if (c != '\\') {
			out[o++] = p[i++];
			continue;
		}
		if (i + 1 >= n)
			return "a backslash at the end of the line";
		switch (p[i + 1]) {
		case '\\': out[o++] = '\\'; i += 2; break;
		case 't': out[o++] = '\t'; i += 2; break;
		case 'r': out[o++] = '\r'; i += 2; break;
		case 'n': out[o++] = '\n'; i += 2; break;
		case 'x':
			if (i + 3 >= n || hexval(p[i + 2]) < 0 || hexval(p[i + 3]) < 0)
				return "\\x needs two hex digits";
			out[o++] = (char)(hexval(p[i + 2]) * 16 + hexval(p[i + 3]));
			i += 4;
			break;
		default:
			return "an unknown escape (a backslash is written \\\\)";
		}
	}
	*outn = o;
	return NULL;
}

static void add_query(tfile *f, char *p, size_t n, unsigned line)
{
	if (f->nsec == 0) {
		snprintf(f->sec[0].name, sizeof f->sec[0].name, "(no section)");
		f->nsec = 1;
	}
	if (f->nq == f->capq) {
		f->capq = f->capq ? 2 * f->capq : 512;
		f->q = realloc(f->q, f->capq * sizeof *f->q);
		ck_assert_ptr_nonnull(f->q);
	}
	f->q[f->nq].p = p;
	f->q[f->nq].n = n;
	f->q[f->nq].line = line;
	f->q[f->nq].section = f->nsec - 1;
	f->q[f->nq].searched = NULL;
	f->q[f->nq].note = NULL;
	f->sec[f->nsec - 1].strings++;
	f->nq++;
}

/* "@repeat N TEXT": TEXT decoded, N times, joined by single spaces. */
static void load_repeat(tfile *f, const char *p, size_t n, unsigned line)
{
	size_t i = 8, count = 0, m, k, total;
	const char *what;
	char *text, *out;

	while (i < n && p[i] >= '0' && p[i] <= '9' && count <= MAX_REPEAT)
		count = count * 10 + (size_t)(p[i++] - '0');
	ck_assert_msg(count >= 1 && count <= MAX_REPEAT && i + 1 < n &&
	              p[i] == ' ', "%s:%u: @repeat needs a count from 1 to %d, "
	              "a space and some text", queries_path, line, MAX_REPEAT);
	text = malloc(n - i - 1);
	ck_assert_ptr_nonnull(text);
	what = decode(text, &m, p + i + 1, n - i - 1);
	ck_assert_msg(what == NULL, "%s:%u: %s", queries_path, line, what);
	total = count * m + count - 1;
	out = malloc(total);
	ck_assert_ptr_nonnull(out);
	for (k = 0; k < count; k++) {
		memcpy(out + k * (m + 1), text, m);
		if (k + 1 < count)
			out[k * (m + 1) + m] = ' ';
	}
	free(text);
	add_query(f, out, total, line);
}

static void load_line(tfile *f, const char *p, size_t n, unsigned line)
{
	const char *what;
	char *out;
	size_t m;

	if (n == 0)
		return;
	if (p[0] == '#') {
		if (n > 11 && memcmp(p, "# section: ", 11) == 0) {
			ck_assert_msg(f->nsec < MAX_SECTIONS, "%s:%u: over %d sections",
			              queries_path, line, MAX_SECTIONS);
			snprintf(f->sec[f->nsec].name, sizeof f->sec[f->nsec].name,
			         "%.*s", (int)(n - 11), p + 11);
			f->nsec++;
		}
		return;
	}
	if (n >= 8 && memcmp(p, "@repeat ", 8) == 0) {
		load_repeat(f, p, n, line);
		return;
	}
	if ((n >= 9 && memcmp(p, "@searched", 9) == 0 && (n == 9 || p[9] == ' ')) ||
	    (n > 6 && memcmp(p, "@note ", 6) == 0)) {
		int searched = p[1] == 's';
		size_t skip = searched ? (n > 9 ? 10 : 9) : 6;
		char **to;

		ck_assert_msg(f->nq > 0, "%s:%u: %s before any query", queries_path,
		              line, searched ? "@searched" : "@note");
		to = searched ? &f->q[f->nq - 1].searched : &f->q[f->nq - 1].note;
		ck_assert_msg(*to == NULL, "%s:%u: a second one for a query",
		              queries_path, line);
		*to = malloc(n - skip + 1);
		ck_assert_ptr_nonnull(*to);
		what = decode(*to, &m, p + skip, n - skip);
		ck_assert_msg(what == NULL, "%s:%u: %s", queries_path, line, what);
		(*to)[m] = '\0';
		return;
	}
	out = malloc(n);
	ck_assert_ptr_nonnull(out);
	what = decode(out, &m, p, n);
	ck_assert_msg(what == NULL, "%s:%u: %s", queries_path, line, what);
	ck_assert_msg(m > 0, "%s:%u: an empty query", queries_path, line);
	add_query(f, out, m, line);
}

/* Reads and decodes the queries file into *F. */
static void load(tfile *f, const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	size_t cap = 1 << 16, n = 0, got, start, i, bad;
	unsigned line = 1;

	memset(f, 0, sizeof *f);
	ck_assert_msg(fp != NULL, "cannot open %s", path);
	buf = malloc(cap);
	ck_assert_ptr_nonnull(buf);
	while ((got = fread(buf + n, 1, cap - n, fp)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
	}
	ck_assert_msg(!ferror(fp), "cannot read %s", path);
	fclose(fp);
	ck_assert_msg(att_utf8_validate(&bad, buf, n) == ATT_OK,
	              "%s: byte %zu is not UTF-8 (write bytes as \\xHH)", path,
	              bad);
	for (start = i = 0; i <= n; i++) {
		if (i < n && buf[i] != '\n')
			continue;
		load_line(f, buf + start, i - start, line++);
		start = i + 1;
	}
	free(buf);
}

static void tfile_free(tfile *f)
{
	size_t i;

	for (i = 0; i < f->nq; i++) {
		free(f->q[i].p);
		free(f->q[i].searched);
		free(f->q[i].note);
	}
	free(f->q);
}

/* ---- showing a query ---------------------------------------------------- */

/* Whether code point CP is shown escaped: controls, spaces other than
 * U+0020, and the invisible marks, joiners and selectors. */
static int invisible(int32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0xa0) || cp == 0xad ||
	    (cp >= 0x2000 && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202f) ||
	    (cp >= 0x2060 && cp <= 0x206f) || cp == 0x3000 || cp == 0xfeff ||
	    (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0000 && cp <= 0xe007f);
}

/* Writes Q escaped as the file would write it (invalid bytes and
 * invisible characters as \xHH), shortened to about 100 bytes. */
static void show(char *out, size_t cap, const tquery *q)
{
	const uint8_t *p = (const uint8_t *)q->p, *end = p + q->n;
	size_t i = 0, o = 0, k, len;
	int32_t cp;

	while (i < q->n && i < 100 && o + 20 < cap) {
		len = att_utf8_decode(&cp, p + i, end);
		if (len == 1 && (cp == '\\' || cp == '\t' || cp == '\r' ||
		                 cp == '\n')) {
			out[o++] = '\\';
			out[o++] = cp == '\\' ? '\\' : cp == '\t' ? 't'
			    : cp == '\r' ? 'r' : 'n';
		} else if (len == 0 || invisible(cp)) {
			len = len ? len : 1;
			for (k = 0; k < len; k++)
				o += (size_t)snprintf(out + o, cap - o, "\\x%02x",
				                      p[i + k]);
		} else {
			memcpy(out + o, p + i, len);
			o += len;
		}
		i += len;
	}
	out[o] = '\0';
	if (i < q->n)
		snprintf(out + o, cap - o, "... (%zu bytes)", q->n);
}

/* ---- the failures' messages, counted ------------------------------------ */

typedef struct tkind {
	char what[200];
	size_t count;
} tkind;

typedef struct ttally {
	tkind k[MAX_KINDS];
	size_t n, other;
} ttally;

/* Counts a failure by its status and message, "column N: " dropped. */
static void tally_add(ttally *t, const char *status, const char *msg)
{
	char what[200];
	const char *m = msg;
	size_t i;

	if (strncmp(m, "column ", 7) == 0) {
		m += 7;
		while (*m >= '0' && *m <= '9')
			m++;
		if (m[0] == ':' && m[1] == ' ')
			m += 2;
		else
			m = msg;
	}
	snprintf(what, sizeof what, "%s: %s", status, m);
	for (i = 0; i < t->n; i++)
		if (strcmp(t->k[i].what, what) == 0)
			break;
	if (i == t->n) {
		if (t->n == MAX_KINDS) {
			t->other++;
			return;
		}
		snprintf(t->k[t->n++].what, sizeof t->k[0].what, "%s", what);
	}
	t->k[i].count++;
}

static int by_count(const void *a, const void *b)
{
	const tkind *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1
	    : strcmp(x->what, y->what);
}

/* ---- the index ---------------------------------------------------------- */

typedef struct tdoc {
	const char *id, *title, *text, *source, *desk;
} tdoc;

static const tdoc DOCS[] = {
	{ "n01", "Baku summit ends with pipeline pledge",
	  "Leaders meeting in Baku agreed to study a second pipeline across the "
	  "Caspian Sea. Negotiations on the gas corridor will continue in the "
	  "autumn.", "reuters", "energy" },
	{ "n02", "Gas corridor capacity to double",
	  "The operators of the Southern Gas Corridor said Azerbaijan could send "
	  "twice as much gas to Europe by 2027. Buyers in Italy and Greece "
	  "welcomed the plan.", "afp", NULL },
	{ "n03", "Price cap on Russian oil tightened",
	  "G7 ministers agreed to tighten the price cap on Russian crude and to "
	  "add new sanctions on tankers that evade it. An embargo on refined "
	  "products stays in place.", "reuters", "energy" },
	{ "n04", "IAEA inspectors return to Iran",
	  "Inspectors of the IAEA arrived in Tehran to check uranium enrichment "
	  "at two sites. Western diplomats said sanctions would stay until the "
	  "enrichment stops.", NULL, NULL },
	{ "n05", "Armenia and Azerbaijan initial peace treaty",
	  "Armenia and Azerbaijan initialled the text of a peace treaty in "
	  "Washington. The agreement opens transit routes and sets up a "
	  "commission on border demarcation.", "apa", "diplomacy" },
	{ "n06", "Black Sea grain corridor reopens",
	  "Ships loaded with wheat left Odesa through the Black Sea grain "
	  "corridor after a ceasefire at sea was agreed. Insurers cut premiums "
	  "for the route.", NULL, NULL },
	{ "n07", "Ceasefire holds in the north",
	  "A truce brokered by Qatar held for a third day. Both sides said the "
	  "armistice commission would meet on Sunday and hold a press "
	  "conference at 12:30.", NULL, NULL },
	{ "n08", "Foreign ministers meet in Tbilisi",
	  "The foreign minister of Georgia hosted his counterparts from Armenia "
	  "and Azerbaijan in Tbilisi. They discussed rail links, customs and the "
	  "Middle Corridor.", "trend", "diplomacy" },
	{ "n09", "Middle Corridor tariffs cut",
	  "Kazakhstan, Azerbaijan and Georgia agreed to cut transit tariffs on "
	  "the Middle Corridor by a fifth to compete with the northern route "
	  "through Russia.", NULL, "trade" },
	{ "n10", "Trans-Caspian pipeline feasibility study",
	  "A feasibility study for the Trans-Caspian pipeline from Turkmenistan "
	  "to Baku will be finished next year, the European Commission said.",
	  NULL, NULL },
	{ "n11", "Erdoğan and Aliyev meet in Ankara",
	  "President Erdoğan of Türkiye met President Aliyev in Ankara to "
	  "discuss defence cooperation, energy and the Nakhchivan railway.",
	  "reuters", NULL },
	{ "n12", "Pakistan-Turkiye defence deal signed",
	  "Pakistan and Türkiye signed a defence deal covering naval ships and "
	  "training. Officials in Islamabad called it a milestone.", NULL, NULL },
	{ "n13", "U.S.-led coalition ends mission",
	  "The U.S.-led coalition formally ended its combat mission. A smaller "
	  "training force will remain at the invitation of the government.",
	  "afp", NULL },
	{ "n14", "COP29 climate finance talks",
	  "Negotiators at COP29 in Baku argued over climate finance for poorer "
	  "countries until the early hours. Coal and gas exporters resisted a "
	  "call to phase out fossil fuels.", NULL, NULL },
	{ "n15", "Court in The Hague rules on border",
	  "Judges at the international court in The Hague ruled on a maritime "
	  "border dispute. Both governments said they would respect the "
	  "ruling.", NULL, NULL },
	{ "n16", "EU gas imports from Azerbaijan rise",
	  "EU gas imports from Azerbaijan rose by a tenth last year. Energy "
	  "officials said the Caspian gas field at Shah Deniz would supply most "
	  "of the extra volume.", NULL, "energy" },
	{ "n17", "Coal plants close across Europe",
	  "Utilities closed another twelve coal plants as wind and solar output "
	  "grew. Gas prices fell for a second month.", NULL, NULL },
	{ "n18", "Tankers and the price cap",
	  "Shipping data show tankers carrying Russian oil above the price cap, "
	  "despite the sanctions.", "afp", NULL },
	{ "n19", "Yerevan summit postponed",
	  "A summit planned in Yerevan was postponed after a dispute over the "
	  "agenda.", NULL, NULL },
	{ "n20", "WHO warns on heat",
	  "The World Health Organization, the WHO, warned that the summer heat "
	  "would put the old and the sick at risk.", NULL, NULL },
	{ "n21", "Caspian states sign shipping accord",
	  "The five Caspian states signed an accord on shipping safety and "
	  "environmental protection in Astana.", NULL, NULL },
	{ "n22", "Arms embargo lifted",
	  "The council lifted an arms embargo on the country after elections "
	  "were judged free.", NULL, NULL },
	{ "n23", "Iran talks stall",
	  "Talks on Iran's nuclear programme stalled in Vienna as diplomats "
	  "traded blame over enrichment and sanctions.", NULL, NULL },
	{ "n24", "Press summary in several languages",
	  "باكو: محادثات الغاز. ירושלים: שיחות שלום. 一帯一路 会议在巴库举行. "
	  "भारत रूस तेल. Россия и Украина.", NULL, NULL },
	{ "n25", "Software notes",
	  "The search service is written in C and C++. Engineers fixed a bug "
	  "where a query such as SELECT * FROM t crashed the parser.", NULL,
	  NULL },
	{ "n26", "",
	  "Diplomats said the negotiations over the pipeline route near Baku "
	  "would resume after the holiday.", NULL, NULL },
	{ "n27", "Côte d’Ivoire cocoa exports",
	  "Côte d’Ivoire expects cocoa exports to recover. Xi's visit to "
	  "Abidjan was also discussed.", NULL, NULL },
	{ "n28", "Talks in Baku on energy transit",
	  "Officials held talks in Baku on energy transit and the security of "
	  "the gas pipeline to Türkiye.", "trend", "energy" },
	{ "n29", "Sanctions on shipping firms",
	  "The treasury announced sanctions on shipping firms accused of "
	  "carrying oil for Iran. Prices rose.", NULL, NULL },
	{ "n30", "Grain deal and the war in Ukraine",
	  "Turkish mediators proposed a new grain deal for Ukraine and Russia.",
	  NULL, NULL },
	{ "n31", "",
	  "Energy ministers from Azerbaijan and Georgia discussed electricity "
	  "exports across the Black Sea by undersea cable.", "apa", NULL },
	{ "n32", "Opinion: the corridor is not enough",
	  "Corridors do not make peace; treaties do. The peace treaty between "
	  "Armenia and Azerbaijan must be signed, not merely initialled.",
	  "opinion", "diplomacy" },
};
#define NDOCS (sizeof DOCS / sizeof DOCS[0])

static void add_doc(att_writer *w, const tdoc *t)
{
	att_field f[2];
	att_doc d;

	memset(&d, 0, sizeof d);
	d.id = t->id;
	d.id_len = strlen(t->id);
	d.title = t->title;
	d.title_len = strlen(t->title);
	d.text = t->text;
	d.text_len = strlen(t->text);
	d.fields = f;
	if (t->source != NULL) {
		f[d.nfields].name = "source";
		f[d.nfields].name_len = 6;
		f[d.nfields].value = t->source;
		f[d.nfields++].value_len = strlen(t->source);
	}
	if (t->desk != NULL) {
		f[d.nfields].name = "desk";
		f[d.nfields].name_len = 4;
		f[d.nfields].value = t->desk;
		f[d.nfields++].value_len = strlen(t->desk);
	}
	ck_assert_msg(att_writer_add(w, &d) == ATT_OK, "add %s: %s", t->id,
	              att_writer_errmsg(w));
}

static att_searcher *build(const char *dir, const char *backend)
{
	att_writer_options o;
	att_writer *w = NULL;
	att_searcher *s = NULL;
	char *msg = NULL;
	size_t i;

	att_writer_options_init(&o);
	o.backend = backend;
	ck_assert_int_eq(att_writer_open(&w, dir, &o, &msg), ATT_OK);
	for (i = 0; i < NDOCS; i++)
		add_doc(w, &DOCS[i]);
	ck_assert_msg(att_writer_commit(w) == ATT_OK, "commit: %s",
	              att_writer_errmsg(w));
	att_writer_free(w);
	ck_assert_int_eq(att_searcher_open(&s, dir, &msg), ATT_OK);
	return s;
}

/* ---- running the queries ------------------------------------------------ */

enum { V_DEFAULT, V_EXHAUSTIVE, V_AND, V_AND_EXHAUSTIVE, V_PASSAGES,
       V_EXPLAIN, V_PLAIN, V_STRICT, NV };

static const char *const VNAME[NV] = {
	"defaults", "exhaustive", "require_all", "require_all exhaustive",
	"passages 3", "explain", "plain", "strict",
};

static void options(att_search_options *o, int v)
{
	att_search_options_init(o);
	/* the rendered queries are the parser's: the gazetteer's synonyms,
	 * a later rewrite, are check_synonyms.c's */
	o->no_synonyms = v == V_EXPLAIN;
	o->exhaustive = v == V_EXHAUSTIVE || v == V_AND_EXHAUSTIVE;
	o->require_all = v == V_AND || v == V_AND_EXHAUSTIVE;
	if (v == V_PASSAGES)
		o->passages = 3;
	o->explain = v == V_EXPLAIN;
	if (v == V_PLAIN)
		o->syntax = ATT_SYNTAX_PLAIN;
	if (v == V_STRICT)
		o->syntax = ATT_SYNTAX_STRICT;
}

/* NULL if R searched what Q's @searched and @note lines say. */
static const char *unexpected(const att_results *r, const tquery *q)
{
	static char why[1024];
	const char *got = att_results_query(r);
	size_t i;

	if (q->searched != NULL && (got == NULL || strcmp(got, q->searched))) {
		snprintf(why, sizeof why, "searched %s, want %s", got ? got : "(none)",
		         q->searched);
		return why;
	}
	if (q->note == NULL)
		return NULL;
	for (i = 0; i < att_results_notes(r); i++)
		if (strstr(att_results_note(r, i), q->note) != NULL)
			return NULL;
	snprintf(why, sizeof why, "no note \"%s\" (%zu notes%s%s)", q->note,
	         att_results_notes(r), att_results_notes(r) ? ", the first: " : "",
	         att_results_notes(r) ? att_results_note(r, 0) : "");
	return why;
}

/* NULL if R is sane for options O, else what is wrong. */
static const char *insane(const att_results *r, const att_search_options *o)
{
	size_t i;

	if (att_results_count(r) > o->n)
		return "more hits than asked for";
	if (att_results_total(r) < att_results_count(r))
		return "a total below the hits returned";
	if (o->exhaustive && !att_results_total_exact(r))
		return "an exhaustive total that is not exact";
	for (i = 0; i < att_results_count(r); i++) {
		att_hit h;

		att_results_hit(&h, r, i);
		if (h.id == NULL || h.id_len == 0)
			return "a hit without an id";
		if (h.npassages > o->passages)
			return "more passages than asked for";
	}
	return NULL;
}

/* NULL if pruned results A and exhaustive B agree, else how they differ. */
static const char *differ(const att_results *a, const att_results *b)
{
	size_t i;

	if (att_results_count(a) != att_results_count(b))
		return "a different number of hits pruned and exhaustive";
	for (i = 0; i < att_results_count(a); i++) {
		att_hit x, y;

		att_results_hit(&x, a, i);
		att_results_hit(&y, b, i);
		if (x.id_len != y.id_len || memcmp(x.id, y.id, x.id_len) != 0)
			return "different hits pruned and exhaustive";
		if (x.score != y.score)
			return "different scores pruned and exhaustive";
	}
	return NULL;
}

static void report(const tquery *q, int v, const char *status,
                   const char *msg)
{
	char shown[512];

	show(shown, sizeof shown, q);
	printf("%s:%u: [%s] %s: %s: %s\n", queries_path, q->line, shown,
	       VNAME[v], status, msg);
}

/* Counts a failure of Q under option set V, the first for Q only. */
static void note_failure(ttally *t, int *ok, const tquery *q, int v,
                         const char *status, const char *msg)
{
	report(q, v, status, msg);
	if (*ok)
		tally_add(t, status, msg);
	*ok = 0;
}

/* The option sets whose results must agree: pruned, then exhaustive. */
static const int PAIRS[][2] = {
	{ V_DEFAULT, V_EXHAUSTIVE }, { V_AND, V_AND_EXHAUSTIVE },
};

/* Runs Q with every option set; 1 if all answered as they must. */
static int run_one(att_searcher *s, const tquery *q, int ordinary,
                   ttally *t)
{
	att_results *r[NV] = { NULL };
	const char *what;
	size_t i;
	int v, ok = 1;

	for (v = 0; v < NV; v++) {
		att_search_options o;
		att_status rc;

		options(&o, v);
		rc = att_search(&r[v], s, q->p, q->n, &o);
		if (v == V_STRICT && (rc == ATT_EPARSE || rc == ATT_EEMPTY ||
		                      rc == ATT_ELIMIT))
			continue;  /* strict mode may refuse it, with its reason */
		if (rc != ATT_OK)
			note_failure(t, &ok, q, v, att_status_str(rc),
			             att_searcher_errmsg(s));
		else if ((what = insane(r[v], &o)) != NULL)
			note_failure(t, &ok, q, v, "wrong results", what);
		else if (v == V_DEFAULT && ordinary && att_results_count(r[v]) == 0)
			note_failure(t, &ok, q, v, "wrong results",
			             "no hits for an ordinary query");
		else if (v == V_EXPLAIN && (what = unexpected(r[v], q)) != NULL)
			note_failure(t, &ok, q, v, "wrong query", what);
	}
	for (i = 0; i < sizeof PAIRS / sizeof PAIRS[0]; i++) {
		int a = PAIRS[i][0], b = PAIRS[i][1];

		if (r[a] != NULL && r[b] != NULL &&
		    (what = differ(r[a], r[b])) != NULL)
			note_failure(t, &ok, q, b, "wrong results", what);
	}
	for (v = 0; v < NV; v++)
		att_results_free(r[v]);
	return ok;
}

static void summary(const tfile *f, ttally *t, size_t answered)
{
	size_t i;

	printf("typed queries: %zu of %zu answered, %zu not\n", answered, f->nq,
	       f->nq - answered);
	for (i = 0; i < f->nsec; i++)
		printf("  %4zu of %4zu  %s\n", f->sec[i].answered, f->sec[i].strings,
		       f->sec[i].name);
	if (t->n > 0)
		printf("failures by message (the first per string):\n");
	qsort(t->k, t->n, sizeof t->k[0], by_count);
	for (i = 0; i < t->n; i++)
		printf("  %4zu  %s\n", t->k[i].count, t->k[i].what);
	if (t->other > 0)
		printf("  %4zu  (other messages)\n", t->other);
	fflush(stdout);
}

/* Every string on an index of BACKEND. */
static void run_all(const char *backend)
{
	char *dir;
	att_searcher *s;
	ttally tally;
	tfile f;
	size_t i, answered = 0, nq;

	memset(&tally, 0, sizeof tally);
	load(&f, queries_path);
	ck_assert_msg(f.nq >= MIN_STRINGS, "%s: %zu strings, want at least %d",
	              queries_path, f.nq, MIN_STRINGS);
	dir = test_tmpdir("typed");
	s = build(dir, backend);
	printf("backend %s\n", backend);
	for (i = 0; i < f.nq; i++) {
		const tquery *q = &f.q[i];
		int ordinary = strcmp(f.sec[q->section].name, ORDINARY) == 0;

		if (run_one(s, q, ordinary, &tally)) {
			f.sec[q->section].answered++;
			answered++;
		}
	}
	summary(&f, &tally, answered);
	nq = f.nq;
	tfile_free(&f);
	att_searcher_free(s);
	test_remove_tmpdir(dir);
	ck_assert_msg(answered == nq, "%zu of %zu typed queries not answered "
	              "(listed above)", nq - answered, nq);
}

START_TEST(every_typed_query_answers)
{
	run_all("native");
}
END_TEST

#ifdef ATTACHE_WITH_XAPIAN
START_TEST(every_typed_query_answers_xapian)
{
	run_all("xapian");
}
END_TEST
#endif

static Suite *typed_suite(void)
{
	Suite *s = suite_create("typed");
	TCase *tc = tcase_create("typed");

	tcase_add_test(tc, every_typed_query_answers);
#ifdef ATTACHE_WITH_XAPIAN
	tcase_add_test(tc, every_typed_query_answers_xapian);
#endif
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char **argv)
{
	SRunner *sr = srunner_create(typed_suite());
	int failed;

	if (argc > 1)
		queries_path = argv[1];
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
