/*
 * xapian_same.cc - Xapian's BM25 over attache's own analysis.
 *
 * For evaluation only (docs/EVAL.md): to compare rankings, not
 * tokenizers, this puts exactly the terms and positions attache's
 * analyser produces (UTF-8 tokenizer, NFKC with case and accent folding,
 * Snowball stemming; title positions from 0, text from the title's count
 * plus 16, as attache indexes them) into a Xapian database, and answers
 * queries analysed the same way as an OR of their terms, ranked by
 * Xapian's BM25Weight(1.2, 0, 1, 0.75, 0.5).
 *
 *   xapian_same index --db DIR DOCS.jsonl
 *   xapian_same run --db DIR [--hits N] [--stop-words] QUERIES.tsv
 *                                             (a TREC run on stdout)
 *
 * --stop-words drops the query words attache drops by default: those on
 * its English stop list (att_stop_word), unless the query has nothing
 * else; so the two rankings see the same query terms.
 *
 * The analyser is attache's internal one (stemmer/stemmer.h), linked from
 * the static library. No exception leaves main() or the callbacks.
 */
#include "bench_common.h"

#include <xapian.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

extern "C" {
#include "stemmer.h"
int att_stop_word(const char *word, size_t len); /* searcher/query.c */
}

namespace {

struct collect {
	std::vector<std::pair<std::string, Xapian::termpos>> terms;
};

extern "C" int on_token(void *ctx, const att_token *tok)
{
	collect *c = static_cast<collect *>(ctx);

	try {
		c->terms.emplace_back(std::string(tok->term, tok->term_len),
		                      static_cast<Xapian::termpos>(tok->pos + 1));
	} catch (...) {
		return ATT_ENOMEM;
	}
	return ATT_OK;
}

struct indexer {
	Xapian::WritableDatabase *db;
	att_analyzer *an;
};

extern "C" int add_doc(void *ctx, const char *id, const char *title,
                       size_t title_len, const char *text, size_t text_len)
{
	indexer *ix = static_cast<indexer *>(ctx);

	try {
		collect c;
		Xapian::Document doc;

		att_analyze(ix->an, title, title_len, 0, on_token, &c, nullptr);
		uint32_t base = static_cast<uint32_t>(c.terms.size()) + 16;
		att_analyze(ix->an, text, text_len, base, on_token, &c, nullptr);
		for (const auto &t : c.terms)
			doc.add_posting(t.first, t.second);
		doc.add_value(0, id);
		ix->db->add_document(doc);
	} catch (const Xapian::Error &e) {
		std::cerr << "xapian_same: " << id << ": " << e.get_description()
		          << "\n";
		std::exit(2);
	} catch (...) {
		std::cerr << "xapian_same: " << id << ": unexpected exception\n";
		std::exit(2);
	}
	return 0;
}

int do_index(const bench_opts &o, att_analyzer *an)
{
	Xapian::WritableDatabase db(o.db, Xapian::DB_CREATE_OR_OVERWRITE);
	indexer ix = { &db, an };
	long ndocs;
	long long raw;

	bench_read_jsonl(o.input, add_doc, &ix, &ndocs, &raw);
	db.commit();
	std::fprintf(stderr, "xapian_same: %ld documents\n", ndocs);
	return 0;
}

bool stop_words = false;

/* The query's stemmed terms, without stop words if STOP_WORDS and some
 * word is not one (PLAIN gives the unstemmed words, token for token). */
std::vector<std::string> query_terms(att_analyzer *an, att_analyzer *plain,
                                     const std::string &q)
{
	collect c, p;
	std::vector<std::string> all, kept;

	att_analyze(an, q.data(), q.size(), 0, on_token, &c, nullptr);
	att_analyze(plain, q.data(), q.size(), 0, on_token, &p, nullptr);
	for (size_t i = 0; i < c.terms.size(); i++) {
		all.push_back(c.terms[i].first);
		if (!stop_words || i >= p.terms.size() ||
		    !att_stop_word(p.terms[i].first.data(), p.terms[i].first.size()))
			kept.push_back(c.terms[i].first);
	}
	return kept.empty() ? all : kept;
}

int do_run(const bench_opts &o, att_analyzer *an, att_analyzer *plain)
{
	Xapian::Database db(o.db);
	Xapian::Enquire enq(db);
	std::FILE *f = std::fopen(o.input, "r");
	char *line = nullptr;
	size_t cap = 0;
	ssize_t len;

	if (f == nullptr) {
		std::perror(o.input);
		return 1;
	}
	enq.set_weighting_scheme(Xapian::BM25Weight(1.2, 0, 1, 0.75, 0.5));
	while ((len = getline(&line, &cap, f)) > 0) {
		std::string l(line, static_cast<size_t>(len));
		size_t tab = l.find('\t');

		while (!l.empty() && (l.back() == '\n' || l.back() == '\r'))
			l.pop_back();
		if (tab == std::string::npos)
			continue;
		std::string qid = l.substr(0, tab), q = l.substr(tab + 1);
		std::vector<std::string> terms = query_terms(an, plain, q);
		enq.set_query(Xapian::Query(Xapian::Query::OP_OR, terms.begin(),
		                            terms.end()));
		Xapian::MSet m = enq.get_mset(0, static_cast<Xapian::doccount>(o.hits));
		int rank = 1;
		for (Xapian::MSetIterator i = m.begin(); i != m.end(); ++i, ++rank)
			std::printf("%s Q0 %s %d %.6f xapian-same\n", qid.c_str(),
			            i.get_document().get_value(0).c_str(), rank,
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
	att_analyzer *an = nullptr, *plain = nullptr;
	int rc = 2, i, j;

	for (i = 1, j = 1; i < argc; i++)   /* our own option, then the rest */
		if (std::strcmp(argv[i], "--stop-words") == 0)
			stop_words = true;
		else
			argv[j++] = argv[i];
	argc = j;
	argv[argc] = nullptr;
	bench_parse_args(&o, argc, argv);
	if (att_analyzer_new(&an, "english") != ATT_OK ||
	    att_analyzer_new(&plain, "none") != ATT_OK) {
		std::cerr << "xapian_same: no English analyser\n";
		return 2;
	}
	try {
		rc = o.action == BENCH_INDEX ? do_index(o, an)
		   : o.action == BENCH_RUN ? do_run(o, an, plain) : 1;
	} catch (const Xapian::Error &e) {
		std::cerr << "xapian_same: " << e.get_description() << "\n";
	} catch (const std::exception &e) {
		std::cerr << "xapian_same: " << e.what() << "\n";
	}
	att_analyzer_free(an);
	att_analyzer_free(plain);
	return rc;
}
