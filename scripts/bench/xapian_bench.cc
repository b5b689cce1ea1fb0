/*
 * xapian_bench.cc - Xapian 1.4, measured the way attache is measured.
 *
 * The second peer harness of scripts/bench/run (see fts5_bench.c for the
 * first; both share bench_common.c, so the clock, the statistics and the
 * JSON lines are the same). It uses Xapian as its documentation teaches:
 *
 *   xapian_bench index --db DIR DOCS.jsonl
 *       Creates a fresh glass database (DB_CREATE_OR_OVERWRITE) and adds
 *       one Document per record: a TermGenerator with the English Snowball
 *       stemmer and STEM_SOME (Xapian's default: unstemmed terms with
 *       positions, plus Z-prefixed stems) indexes the title, then, one
 *       position apart, the text, positions on. The document data is the
 *       text (what snippets are made from) and value slot 0 holds the id.
 *       Xapian commits by itself every XAPIAN_FLUSH_THRESHOLD documents
 *       (10,000 by default) and once more at the end; the time covers
 *       reading and parsing the file, indexing and the final commit.
 *       Reports MB/s, documents/s, peak RSS, the database directory's
 *       size, and postlist.glass + position.glass as postings+positions
 *       (glass keeps document lengths and value streams in the postlist
 *       table too; they are a few percent of it, and cannot be told apart
 *       by file). The database is not compacted (xapian-compact would
 *       shrink it; FTS5 and attache are not post-processed either).
 *
 *   xapian_bench query --db DIR --mode or|and|phrase|snippet [--repeat R]
 *                      [--hits N] [--times FILE] [--snippet-bytes N]
 *                      QUERIES.tsv
 *       Parses each query with a QueryParser (same stemmer and strategy,
 *       flags PHRASE|LOVEHATE: no BOOLEAN, so a word such as "and" stays
 *       a word), default operator OR, or AND for --mode and; a phrase
 *       query is the words in double quotes. Ranks with
 *       BM25Weight(1.2, 0, 1, 0.75, 0.5), that is k1 = 1.2, b = 0.75 and
 *       Xapian's defaults for k2, k3 and min_normlen, takes the top N with
 *       Enquire::get_mset, and reads each hit's id (value slot 0). In
 *       snippet mode (the OR query) it also makes one snippet per hit with
 *       MSet::snippet over the stored text, default flags
 *       (SNIPPET_BACKGROUND_MODEL | SNIPPET_EXHAUSTIVE), <mark> highlights,
 *       about --snippet-bytes bytes (default 200, FTS5's 32 tokens). The
 *       Enquire is made once and given each query in turn.
 *
 *   xapian_bench index --db DIR --typed DOCS.jsonl
 *       The same, plus the typed fields in value slots, as Xapian's
 *       documentation teaches for sorting, ranges and facets: slot 1 the
 *       date as its fixed-width text "YYYY-MM-DDTHH:MM:SSZ" (byte order is
 *       time order, so string ranges and sorts are right), slot 2 the
 *       category, slot 3 the date's year (what a year histogram counts).
 *
 *   xapian_bench query --db DIR --mode filter|sort|facet|facetyear ...
 *       The typed query sets (scripts/bench/typed): the words parsed as
 *       for or, then
 *           filter    Query(OP_FILTER, words, Query(OP_VALUE_RANGE, 1,
 *                     lo, hi)): restricts without scoring
 *           sort      Enquire::set_sort_by_value_then_relevance(1, true):
 *                     newest first, ties by score
 *           facet     a ValueCountMatchSpy on slot 2 and get_mset(0, N,
 *                     doccount): every match is counted, exactly; then
 *                     its top_values (10) are read
 *           facetyear the same on slot 3
 *       "*" is Query::MatchAll.
 *
 *   xapian_bench check --db DIR --mode MODE QUERIES.tsv
 *       Untimed: each typed query's exact match count, top-N ids and
 *       facet counts, one JSON line a query (bench_common.h).
 *
 *   xapian_bench run --db DIR [--hits N] QUERIES.tsv
 *       For evaluation: answers every qid<TAB>query line with the OR
 *       query above and prints a TREC run (qid Q0 id rank score xapian),
 *       for attache eval to score against the same judgements.
 *
 * No exception escapes: main() catches any from opening, indexing setup
 * and the final commit (reported with its description, exit 2), and the two
 * callbacks, which C code calls, catch their own (an indexing error exits
 * 2; a failed query is counted and makes the exit status 1).
 */
#include "bench_common.h"

#include <xapian.h>

#include <cstdlib>
#include <iostream>
#include <string>

namespace {

const Xapian::valueno SLOT_ID = 0;
const Xapian::valueno SLOT_DATE = 1;
const Xapian::valueno SLOT_CATEGORY = 2;
const Xapian::valueno SLOT_YEAR = 3;
const size_t MAX_WORDS = 512;

struct indexer {
	Xapian::WritableDatabase *db;
	Xapian::TermGenerator tg;
};

struct searcher {
	Xapian::Database db;
	Xapian::QueryParser qp;
	Xapian::Enquire *enq;
	Xapian::Stem stem;
	bench_mode mode;
	unsigned flags;
	bool check;           /* check: print each query's results */
	const char *qid;      /* check: the query being answered */
	Xapian::doccount hits;
	size_t snippet_bytes;
	std::string snippet; /* the last snippet made, kept as a caller would */
};

} // namespace

/*
 * The two callbacks are called from C (bench_common.c), so no exception
 * may leave them: each catches everything, reports it, and either exits
 * (indexing cannot go on) or returns -1 (the query counts as failed).
 */
extern "C" {

/* bench_doc_fn: one record becomes one Document. */
static int add_doc(void *ctx, const char *id, const char *title,
                   size_t title_len, const char *text, size_t text_len)
{
	indexer *ix = static_cast<indexer *>(ctx);

	try {
		Xapian::Document doc;
		std::string body(text, text_len);

		ix->tg.set_document(doc);
		ix->tg.index_text(std::string(title, title_len));
		ix->tg.increase_termpos();
		ix->tg.index_text(body);
		doc.set_data(body);
		doc.add_value(SLOT_ID, id);
		ix->db->add_document(doc);
	} catch (const Xapian::Error &e) {
		std::cerr << "xapian_bench: " << id << ": " << e.get_description()
		          << "\n";
		std::exit(2);
	} catch (...) {
		std::cerr << "xapian_bench: " << id << ": out of memory or "
		          << "unexpected exception\n";
		std::exit(2);
	}
	return 0;
}

/* bench_typed_doc_fn: a Document with the typed fields in slots. */
static int add_typed(void *ctx, const bench_doc *d)
{
	indexer *ix = static_cast<indexer *>(ctx);

	try {
		Xapian::Document doc;
		std::string body(d->text, d->text_len);

		ix->tg.set_document(doc);
		ix->tg.index_text(std::string(d->title, d->title_len));
		ix->tg.increase_termpos();
		ix->tg.index_text(body);
		doc.set_data(body);
		doc.add_value(SLOT_ID, d->id);
		if (d->date != nullptr) {
			doc.add_value(SLOT_DATE, d->date);
			doc.add_value(SLOT_YEAR, std::string(d->date, 4));
		}
		if (d->category != nullptr)
			doc.add_value(SLOT_CATEGORY, d->category);
		ix->db->add_document(doc);
	} catch (const Xapian::Error &e) {
		std::cerr << "xapian_bench: " << d->id << ": " << e.get_description()
		          << "\n";
		std::exit(2);
	} catch (...) {
		std::cerr << "xapian_bench: " << d->id << ": out of memory or "
		          << "unexpected exception\n";
		std::exit(2);
	}
	return 0;
}

/* Prints S as a JSON string (the ids and values here are plain text). */
static void print_json_string(const std::string &s)
{
	std::putchar('"');
	for (char c : s) {
		if (c == '"' || c == '\\')
			std::putchar('\\');
		if (static_cast<unsigned char>(c) >= 0x20)
			std::putchar(c);
	}
	std::putchar('"');
}

/* bench_query_fn for the typed modes (see the comment at the top). */
static long run_typed(void *ctx, const char *query)
{
	searcher *s = static_cast<searcher *>(ctx);
	long n = 0;

	try {
		char *w[MAX_WORDS], lo[21], hi[21];
		int has_range;
		size_t nw = bench_split_typed(w, MAX_WORDS, query, lo, hi, &has_range);
		std::string words;

		for (size_t i = 0; i < nw; i++)
			words += (i ? " " : "") + std::string(w[i]);
		bench_words_free(w, nw);
		Xapian::Query q = words == "*" ? Xapian::Query::MatchAll
		                               : s->qp.parse_query(words, s->flags);
		if (has_range)
			q = Xapian::Query(Xapian::Query::OP_FILTER, q,
			                  Xapian::Query(Xapian::Query::OP_VALUE_RANGE,
			                                SLOT_DATE, lo, hi));
		s->enq->set_query(q);
		bool facets = s->mode == BENCH_FACET || s->mode == BENCH_FACET_YEAR;
		Xapian::ValueCountMatchSpy spy(s->mode == BENCH_FACET_YEAR ? SLOT_YEAR
		                                                         : SLOT_CATEGORY);
		Xapian::doccount at_least = s->check ? s->db.get_doccount() : 0;

		s->enq->clear_matchspies();
		if (facets) {
			s->enq->add_matchspy(&spy);
			at_least = s->db.get_doccount();
		}
		Xapian::MSet m = s->enq->get_mset(0, s->hits, at_least);
		if (s->check)
			std::printf("{\"qid\":\"%s\",\"total\":%lu,\"ids\":[", s->qid,
			            static_cast<unsigned long>(m.get_matches_estimated()));
		for (Xapian::MSetIterator i = m.begin(); i != m.end(); ++i) {
			std::string id = i.get_document().get_value(SLOT_ID);

			if (s->check) {
				if (n)
					std::putchar(',');
				print_json_string(id);
			}
			n++;
		}
		if (s->check)
			std::printf("],\"facets\":[");
		if (facets) {
			int k = 0;

			for (Xapian::TermIterator t = spy.top_values_begin(10);
			     t != spy.top_values_end(10); ++t, ++k) {
				std::string v = *t;
				Xapian::doccount c = t.get_termfreq();

				if (s->check) {
					std::printf("%s[", k ? "," : "");
					print_json_string(v);
					std::printf(",%lu]", static_cast<unsigned long>(c));
				}
			}
		}
		if (s->check)
			std::printf("]}\n");
		s->enq->clear_matchspies();
	} catch (const Xapian::Error &e) {
		std::cerr << "xapian_bench: query '" << query << "': "
		          << e.get_description() << "\n";
		return -1;
	} catch (...) {
		std::cerr << "xapian_bench: query '" << query << "': unexpected "
		          << "exception\n";
		return -1;
	}
	return n;
}

/* bench_query_fn: one query, its top-N hits read, snippets if asked. */
static long run_one(void *ctx, const char *query)
{
	searcher *s = static_cast<searcher *>(ctx);
	long n = 0;

	try {
		std::string q(query);

		if (s->mode == BENCH_PHRASE)
			q = "\"" + q + "\"";
		s->enq->set_query(s->qp.parse_query(q, s->flags));
		Xapian::MSet m = s->enq->get_mset(0, s->hits);
		for (Xapian::MSetIterator i = m.begin(); i != m.end(); ++i) {
			Xapian::Document doc = i.get_document();
			std::string id = doc.get_value(SLOT_ID);

			if (s->mode == BENCH_SNIPPET)
				s->snippet = m.snippet(doc.get_data(), s->snippet_bytes,
				        s->stem,
				        Xapian::MSet::SNIPPET_BACKGROUND_MODEL |
				        Xapian::MSet::SNIPPET_EXHAUSTIVE,
				        "<mark>", "</mark>", "…");
			n++;
		}
	} catch (const Xapian::Error &e) {
		std::cerr << "xapian_bench: query '" << query << "': "
		          << e.get_description() << "\n";
		return -1;
	} catch (...) {
		std::cerr << "xapian_bench: query '" << query << "': unexpected "
		          << "exception\n";
		return -1;
	}
	return n;
}

} // extern "C"

namespace {

int do_index(const bench_opts &o)
{
	long ndocs;
	long long raw;
	double t0 = bench_now_us();
	Xapian::WritableDatabase db(o.db, Xapian::DB_CREATE_OR_OVERWRITE);
	indexer ix;

	ix.db = &db;
	ix.tg.set_stemmer(Xapian::Stem("english"));
	ix.tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
	if (o.typed)
		bench_read_jsonl_typed(o.input, add_typed, &ix, &ndocs, &raw);
	else
		bench_read_jsonl(o.input, add_doc, &ix, &ndocs, &raw);
	db.commit();
	double secs = (bench_now_us() - t0) / 1e6;
	long rss = bench_peak_rss_kb();
	db.close();

	std::string dir(o.db);
	long long post = bench_path_bytes((dir + "/postlist.glass").c_str());
	long long pos = bench_path_bytes((dir + "/position.glass").c_str());
	bench_print_index("xapian", "glass", Xapian::version_string(), ndocs,
	                  raw, secs, rss, bench_path_bytes(o.db),
	                  post < 0 ? -1 : post + (pos < 0 ? 0 : pos));
	return 0;
}

int do_query(const bench_opts &o)
{
	searcher s;
	bench_queries q;

	s.db = Xapian::Database(o.db);
	s.stem = Xapian::Stem("english");
	s.qp.set_stemmer(s.stem);
	s.qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
	s.qp.set_database(s.db);
	s.qp.set_default_op(o.mode == BENCH_AND ? Xapian::Query::OP_AND
	                                        : Xapian::Query::OP_OR);
	s.flags = Xapian::QueryParser::FLAG_PHRASE |
	          Xapian::QueryParser::FLAG_LOVEHATE;
	s.mode = o.mode;
	s.hits = static_cast<Xapian::doccount>(o.hits);
	s.snippet_bytes = static_cast<size_t>(o.snippet_bytes);
	Xapian::Enquire enq(s.db);
	enq.set_weighting_scheme(Xapian::BM25Weight(1.2, 0, 1, 0.75, 0.5));
	s.enq = &enq;
	bool typed = o.mode == BENCH_FILTER || o.mode == BENCH_SORT ||
	             o.mode == BENCH_FACET || o.mode == BENCH_FACET_YEAR;
	s.check = o.action == BENCH_CHECK;
	s.qid = nullptr;
	if (s.check && !typed) {
		std::cerr << "xapian_bench: check is for the typed modes\n";
		return 1;
	}
	if (typed)
		s.qp.set_default_op(Xapian::Query::OP_OR);
	if (o.mode == BENCH_SORT)
		enq.set_sort_by_value_then_relevance(SLOT_DATE, true);

	bench_queries_load(&q, o.input);
	int rc = 0;
	if (s.check) {
		for (size_t i = 0; i < q.n; i++) {
			s.qid = q.qid[i];
			if (run_typed(&s, q.text[i]) < 0)
				rc = 1;
		}
	} else {
		rc = bench_run_queries(&o, "xapian", "glass", &q,
		                       typed ? run_typed : run_one, &s);
	}
	bench_queries_free(&q);
	return rc;
}

/* The ranked top-N of every query of O.input as a TREC run on stdout. */
int do_run(const bench_opts &o)
{
	Xapian::Database db(o.db);
	Xapian::QueryParser qp;
	Xapian::Enquire enq(db);
	std::FILE *f = std::fopen(o.input, "r");
	char *line = nullptr;
	size_t cap = 0;
	ssize_t len;

	if (f == nullptr) {
		std::perror(o.input);
		return 1;
	}
	qp.set_stemmer(Xapian::Stem("english"));
	qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
	qp.set_database(db);
	qp.set_default_op(Xapian::Query::OP_OR);
	enq.set_weighting_scheme(Xapian::BM25Weight(1.2, 0, 1, 0.75, 0.5));
	while ((len = getline(&line, &cap, f)) > 0) {
		std::string l(line, static_cast<size_t>(len));
		size_t tab = l.find('\t');

		while (!l.empty() && (l.back() == '\n' || l.back() == '\r'))
			l.pop_back();
		if (tab == std::string::npos)
			continue;
		std::string qid = l.substr(0, tab);
		enq.set_query(qp.parse_query(l.substr(tab + 1),
		        Xapian::QueryParser::FLAG_PHRASE |
		        Xapian::QueryParser::FLAG_LOVEHATE));
		Xapian::MSet m = enq.get_mset(0, static_cast<Xapian::doccount>(o.hits));
		int rank = 1;
		for (Xapian::MSetIterator i = m.begin(); i != m.end(); ++i, ++rank)
			std::printf("%s Q0 %s %d %.6f xapian\n", qid.c_str(),
			            i.get_document().get_value(SLOT_ID).c_str(), rank,
			            i.get_weight());
	}
	std::free(line);
	std::fclose(f);
	return 0;
}

} // namespace

int main(int argc, char **argv)
{
	bench_opts o;

	bench_parse_args(&o, argc, argv);
	if (o.contentless) {
		std::cerr << "xapian_bench: --contentless is an FTS5 option\n";
		return 1;
	}
	try {
		if (o.action == BENCH_RUN)
			return do_run(o);
		return o.action == BENCH_INDEX ? do_index(o) : do_query(o);
	} catch (const Xapian::Error &e) {
		std::cerr << "xapian_bench: " << e.get_description() << "\n";
	} catch (const std::exception &e) {
		std::cerr << "xapian_bench: " << e.what() << "\n";
	}
	return 2;
}
