/*
 * xapian.cc: the C API of attache_xapian.h over Xapian 1.4, and the only
 * C++ in the tree.
 *
 * Each handle of the header is a struct here holding the Xapian object
 * (Xapian's own classes are reference-counted handles, so copies are
 * cheap and share state) and a fixed message buffer. The buffer is a
 * plain array, not a std::string, so that recording an error never
 * allocates: the error being recorded may be std::bad_alloc.
 *
 * The exception boundary. Every exported function that calls into
 * Xapian or the C++ library runs its body in try { } and ends with
 * catch (...) { return caught(...); } (the getters that hand out bytes
 * do it once, in hand_bytes): caught() rethrows the exception
 * in hand and sorts it by class, most derived first, into a status and
 * a message (the "Lippincott function" idiom: one list of catch clauses
 * instead of one per function). Nothing propagates into C. The accessors
 * that only read copies made earlier (att_xmset_docid, att_xiter_term,
 * ...) call nothing that throws.
 *
 * The mapping follows Xapian's error classes one for one, with two
 * choices worth stating:
 *   - Xapian's argument errors (InvalidArgumentError,
 *     InvalidOperationError, UnimplementedError) mean "bad query" when
 *     they come from building or running a query, and "invalid
 *     argument" otherwise (an empty term, a term too long for glass);
 *     each function says which it is, as the logic argument of caught().
 *   - Xapian 1.4 reports a read past the end of a table file with its
 *     base DatabaseError ("EOF reading block N"), not with
 *     DatabaseCorruptError, although a table shorter than its own block
 *     references is truncated. That one message is mapped to
 *     ATT_X_ECORRUPT; other plain DatabaseErrors (a failed read or
 *     write, with its errno) stay ATT_X_EIO. tests/check_xapian.c
 *     truncates a table to pin this.
 *
 * Writers and transactions. Left alone, Xapian commits by itself every
 * 10,000 changes and in WritableDatabase's destructor; attache wants one
 * atomic commit per indexing run, and nothing committed by a run that
 * failed. So a writable handle keeps a flushed transaction open between
 * commits: att_xwdb_commit() commits it and opens the next one, and
 * closing or freeing the handle cancels what was not committed. Xapian
 * still writes changed blocks to the tables as its memory threshold
 * requires; they become part of a revision only at commit.
 */
#include "attache_xapian.h"

#include <xapian.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

static_assert(sizeof(Xapian::docid) == sizeof(att_xdocid),
              "att_xdocid must hold a Xapian::docid");
static_assert(sizeof(Xapian::termpos) == sizeof(uint32_t),
              "positions are handed out as uint32_t");
static_assert(sizeof(Xapian::doccount) == sizeof(uint32_t),
              "document counts are handed out as uint32_t");

namespace {

/* Long enough for Xapian's messages with a path and an errno string;
 * longer ones are cut. */
const size_t MSG_CAP = 512;

/* Formats a Xapian error as "Type: message (errno text) [context]". */
att_xstatus note(char *buf, const Xapian::Error &e, att_xstatus st) noexcept
{
	const char *err = nullptr;

	try {
		err = e.get_error_string(); /* computed lazily: may allocate */
	} catch (...) {
		err = nullptr;
	}
	const std::string &msg = e.get_msg();
	const std::string &ctx = e.get_context();
	int m = msg.size() > 400 ? 400 : (int)msg.size();
	int c = ctx.size() > 80 ? 80 : (int)ctx.size();

	snprintf(buf, MSG_CAP, "%s: %.*s%s%s%s%s%.*s%s", e.get_type(), m,
	         msg.data(), err ? " (" : "", err ? err : "", err ? ")" : "",
	         c ? " [" : "", c, ctx.data(), c ? "]" : "");
	return st;
}

att_xstatus note_str(char *buf, const char *msg, att_xstatus st) noexcept
{
	snprintf(buf, MSG_CAP, "%s", msg);
	return st;
}

/*
 * The status and message of the exception being handled; call it only
 * inside a catch block. logic is what Xapian's argument errors mean
 * where the call was made: ATT_X_EQUERY or ATT_X_EINVAL.
 */
att_xstatus caught(char *buf, att_xstatus logic) noexcept
{
	static const char eof[] = "EOF reading block ";

	try {
		throw;
	} catch (const Xapian::DatabaseLockError &e) {
		return note(buf, e, ATT_X_ELOCKED);
	} catch (const Xapian::DatabaseModifiedError &e) {
		return note(buf, e, ATT_X_EMODIFIED);
	} catch (const Xapian::DatabaseCorruptError &e) {
		return note(buf, e, ATT_X_ECORRUPT);
	} catch (const Xapian::DatabaseVersionError &e) {
		return note(buf, e, ATT_X_EVERSION);
	} catch (const Xapian::DatabaseNotFoundError &e) {
		return note(buf, e, ATT_X_ENOTFOUND);
	} catch (const Xapian::DatabaseOpeningError &e) {
		return note(buf, e, ATT_X_EIO);
	} catch (const Xapian::DatabaseCreateError &e) {
		return note(buf, e, ATT_X_EIO);
	} catch (const Xapian::DatabaseClosedError &e) {
		return note(buf, e, ATT_X_EINVAL);
	} catch (const Xapian::DatabaseError &e) {
		if (e.get_msg().compare(0, sizeof eof - 1, eof) == 0)
			return note(buf, e, ATT_X_ECORRUPT);
		return note(buf, e, ATT_X_EIO);
	} catch (const Xapian::DocNotFoundError &e) {
		return note(buf, e, ATT_X_ENOTFOUND);
	} catch (const Xapian::NetworkError &e) {
		/* NetworkTimeoutError included: a shard down or too slow */
		return note(buf, e, ATT_X_ENETWORK);
	} catch (const Xapian::SerialisationError &e) {
		/* only the remote protocol unserialises here: a bad reply */
		return note(buf, e, ATT_X_ENETWORK);
	} catch (const Xapian::QueryParserError &e) {
		return note(buf, e, ATT_X_EQUERY);
	} catch (const Xapian::WildcardError &e) {
		return note(buf, e, ATT_X_EQUERY);
	} catch (const Xapian::InvalidArgumentError &e) {
		return note(buf, e, logic);
	} catch (const Xapian::InvalidOperationError &e) {
		return note(buf, e, logic);
	} catch (const Xapian::UnimplementedError &e) {
		return note(buf, e, logic);
	} catch (const Xapian::Error &e) {
		/* AssertionError, InternalError, RangeError,
		 * FeatureUnavailableError, and any class added later */
		return note(buf, e, ATT_X_EINTERNAL);
	} catch (const std::bad_alloc &) {
		return note_str(buf, "out of memory", ATT_X_ENOMEM);
	} catch (const std::length_error &) {
		/* a string or vector longer than the C++ library allows */
		return note_str(buf, "out of memory (length error)",
		                ATT_X_ENOMEM);
	} catch (const std::exception &e) {
		snprintf(buf, MSG_CAP, "C++ exception: %s", e.what());
		return ATT_X_EINTERNAL;
	} catch (...) {
		return note_str(buf, "unknown C++ exception", ATT_X_EINTERNAL);
	}
}

/* For the functions that create a handle: the message goes back in a
 * malloc()ed copy, since there is no handle to keep it. */
att_xstatus hand_back(char **errmsg, const char *buf, att_xstatus st)
{
	if (errmsg)
		*errmsg = st == ATT_X_OK ? nullptr : strdup(buf);
	return st;
}

std::string str(const char *p, size_t n)
{
	return n ? std::string(p, n) : std::string();
}

} /* namespace */

struct att_xdb {
	Xapian::Database db;
	std::string buf; /* the bytes att_xdb_get_data hands out */
	char msg[MSG_CAP] = "";
};

struct att_xwdb {
	Xapian::WritableDatabase db;
	bool in_txn = false; /* a transaction is open */
	bool closed = false;
	char msg[MSG_CAP] = "";
};

struct att_xdoc {
	Xapian::Document doc;
	char msg[MSG_CAP] = "";
};

struct att_xquery {
	Xapian::Query q;
};

struct att_xmset {
	Xapian::MSet ms;
	std::vector<att_xdocid> ids; /* copied, so the accessors can't throw */
	std::vector<double> weights;
	uint32_t estimated = 0, lower = 0, upper = 0;
	std::string buf; /* the bytes att_xmset_data/value hand out */
	std::string buf2; /* att_xmset_doc's value */
	std::vector<std::string> keys; /* sort keys, with a sort by value */
	/* per spy, its values (ascending) and their counts */
	std::vector<std::vector<std::pair<std::string, uint32_t>>> spies;
	char msg[MSG_CAP] = "";
};

struct att_xiter {
	bool postlist = false;
	bool started = false;
	Xapian::TermIterator t, tend;
	Xapian::PostingIterator p, pend;
	std::string term;
	att_xdocid id = 0;
	uint32_t wdf = 0;
	uint32_t termfreq = 0; /* allterms: documents holding the term */
	bool allterms = false;
	att_xstatus st = ATT_X_OK; /* of the last next or skip_to */
	char msg[MSG_CAP] = "";
};

namespace {

/* The bytes GET() returns, kept in *BUF (a handle's) and handed out as
 * *P, *N until the handle's next call; an exception is caught into MSG. */
template <class F>
att_xstatus hand_bytes(std::string *buf, char *msg, const char **p,
                       size_t *n, F get)
{
	try {
		*buf = get();
		*p = buf->data();
		*n = buf->size();
		return ATT_X_OK;
	} catch (...) {
		return caught(msg, ATT_X_EINVAL);
	}
}

} /* namespace */

extern "C" {

const char *att_xstatus_str(att_xstatus st)
{
	switch (st) {
	case ATT_X_OK:
		return "ok";
	case ATT_X_ELOCKED:
		return "database locked by another writer";
	case ATT_X_EMODIFIED:
		return "database modified meanwhile: reopen and retry";
	case ATT_X_ECORRUPT:
		return "corrupt database";
	case ATT_X_EVERSION:
		return "unsupported database format version";
	case ATT_X_ENOTFOUND:
		return "no such database or document";
	case ATT_X_EIO:
		return "database I/O error";
	case ATT_X_EQUERY:
		return "invalid query";
	case ATT_X_EINVAL:
		return "invalid argument or operation";
	case ATT_X_ENETWORK:
		return "remote database error";
	case ATT_X_ENOMEM:
		return "out of memory";
	case ATT_X_EINTERNAL:
		return "internal error";
	}
	return "unknown status";
}

const char *att_xversion(void)
{
	return Xapian::version_string();
}

/* ---- reading ----------------------------------------------------------- */

att_xstatus att_xdb_open(att_xdb **out, char **errmsg, const char *path)
{
	char buf[MSG_CAP];

	*out = nullptr;
	try {
		std::unique_ptr<att_xdb> h(new att_xdb);

		h->db = Xapian::Database(path);
		*out = h.release();
		return hand_back(errmsg, buf, ATT_X_OK);
	} catch (...) {
		return hand_back(errmsg, buf, caught(buf, ATT_X_EINVAL));
	}
}

att_xstatus att_xdb_open_remote(att_xdb **out, char **errmsg,
                                const char *host, unsigned port,
                                unsigned timeout_ms,
                                unsigned connect_timeout_ms)
{
	char buf[MSG_CAP];

	*out = nullptr;
	try {
		std::unique_ptr<att_xdb> h(new att_xdb);

		/* Xapian 1.4 takes milliseconds, as useconds_t */
		h->db = Xapian::Remote::open(host, port, timeout_ms,
		                             connect_timeout_ms);
		*out = h.release();
		return hand_back(errmsg, buf, ATT_X_OK);
	} catch (...) {
		return hand_back(errmsg, buf, caught(buf, ATT_X_EINVAL));
	}
}

att_xstatus att_xdb_add(att_xdb *db, const att_xdb *other)
{
	if (db == other)
		return note_str(db->msg, "cannot add a database to itself",
		                ATT_X_EINVAL);
	try {
		db->db.add_database(other->db);
		return ATT_X_OK;
	} catch (...) {
		return caught(db->msg, ATT_X_EINVAL);
	}
}

att_xstatus att_xdb_reopen(att_xdb *db, int *changed)
{
	try {
		bool c = db->db.reopen();

		if (changed)
			*changed = c;
		return ATT_X_OK;
	} catch (...) {
		return caught(db->msg, ATT_X_EINVAL);
	}
}

const char *att_xdb_errmsg(const att_xdb *db)
{
	return db->msg;
}

void att_xdb_free(att_xdb *db)
{
	delete db; /* Xapian's destructors don't throw */
}

att_xstatus att_xdb_doccount(att_xdb *db, uint32_t *n)
{
	try {
		*n = db->db.get_doccount();
		return ATT_X_OK;
	} catch (...) {
		return caught(db->msg, ATT_X_EINVAL);
	}
}

att_xstatus att_xdb_lastdocid(att_xdb *db, att_xdocid *id)
{
	try {
		*id = db->db.get_lastdocid();
		return ATT_X_OK;
	} catch (...) {
		return caught(db->msg, ATT_X_EINVAL);
	}
}

att_xstatus att_xdb_revision(att_xdb *db, uint64_t *rev)
{
	try {
		*rev = db->db.get_revision();
		return ATT_X_OK;
	} catch (...) {
		return caught(db->msg, ATT_X_EINVAL);
	}
}

att_xstatus att_xdb_avlength(att_xdb *db, double *avlen)
{
	try {
		*avlen = db->db.get_avlength();
		return ATT_X_OK;
	} catch (...) {
		return caught(db->msg, ATT_X_EINVAL);
	}
}

att_xstatus att_xdb_termfreq(att_xdb *db, uint32_t *tf,
                             const char *term, size_t len)
{
	try {
		*tf = db->db.get_termfreq(str(term, len));
		return ATT_X_OK;
	} catch (...) {
		return caught(db->msg, ATT_X_EINVAL);
	}
}

att_xstatus att_xdb_collfreq(att_xdb *db, uint64_t *cf,
                             const char *term, size_t len)
{
	try {
		*cf = db->db.get_collection_freq(str(term, len));
		return ATT_X_OK;
	} catch (...) {
		return caught(db->msg, ATT_X_EINVAL);
	}
}

att_xstatus att_xdb_doclength(att_xdb *db, uint64_t *len, att_xdocid id)
{
	try {
		*len = db->db.get_doclength(id);
		return ATT_X_OK;
	} catch (...) {
		return caught(db->msg, ATT_X_EINVAL);
	}
}

att_xstatus att_xdb_get_data(att_xdb *db, const char **p, size_t *n,
                             att_xdocid id)
{
	return hand_bytes(&db->buf, db->msg, p, n, [&] {
		return db->db.get_document(id).get_data();
	});
}

att_xstatus att_xdb_value_freq(att_xdb *db, uint32_t *freq, uint32_t slot)
{
	*freq = 0;
	try {
		*freq = db->db.get_value_freq(slot);
		return ATT_X_OK;
	} catch (...) {
		return caught(db->msg, ATT_X_EINVAL);
	}
}

att_xstatus att_xdb_get_value(att_xdb *db, const char **p, size_t *n,
                              att_xdocid id, uint32_t slot)
{
	return hand_bytes(&db->buf, db->msg, p, n, [&] {
		return db->db.get_document(id).get_value(slot);
	});
}

att_xstatus att_xdb_positions(att_xdb *db, uint32_t **pos, size_t *n,
                              att_xdocid id, const char *term, size_t len)
{
	*pos = nullptr;
	*n = 0;
	try {
		std::string t = str(term, len);
		std::vector<uint32_t> v;
		Xapian::PositionIterator it = db->db.positionlist_begin(id, t);
		Xapian::PositionIterator end = db->db.positionlist_end(id, t);

		for (; it != end; ++it)
			v.push_back(*it);
		if (v.empty())
			return ATT_X_OK;
		*pos = static_cast<uint32_t *>(malloc(v.size() * sizeof v[0]));
		if (!*pos)
			throw std::bad_alloc();
		memcpy(*pos, v.data(), v.size() * sizeof v[0]);
		*n = v.size();
		return ATT_X_OK;
	} catch (...) {
		return caught(db->msg, ATT_X_EINVAL);
	}
}

att_xstatus att_xdb_termlist(att_xiter **out, att_xdb *db, att_xdocid id)
{
	*out = nullptr;
	try {
		std::unique_ptr<att_xiter> it(new att_xiter);

		it->t = db->db.termlist_begin(id);
		it->tend = db->db.termlist_end(id);
		*out = it.release();
		return ATT_X_OK;
	} catch (...) {
		return caught(db->msg, ATT_X_EINVAL);
	}
}

att_xstatus att_xdb_postlist(att_xiter **out, att_xdb *db,
                             const char *term, size_t len)
{
	*out = nullptr;
	try {
		std::unique_ptr<att_xiter> it(new att_xiter);
		std::string t = str(term, len);

		it->postlist = true;
		it->p = db->db.postlist_begin(t);
		it->pend = db->db.postlist_end(t);
		*out = it.release();
		return ATT_X_OK;
	} catch (...) {
		return caught(db->msg, ATT_X_EINVAL);
	}
}

att_xstatus att_xdb_allterms(att_xiter **out, att_xdb *db,
                             const char *prefix, size_t len)
{
	*out = nullptr;
	try {
		std::unique_ptr<att_xiter> it(new att_xiter);
		std::string t = str(prefix, len);

		it->allterms = true;
		it->t = db->db.allterms_begin(t);
		it->tend = db->db.allterms_end(t);
		*out = it.release();
		return ATT_X_OK;
	} catch (...) {
		return caught(db->msg, ATT_X_EINVAL);
	}
}

att_xstatus att_xdb_get_metadata(att_xdb *db, const char **p, size_t *n,
                                 const char *key)
{
	return hand_bytes(&db->buf, db->msg, p, n, [&] {
		return db->db.get_metadata(key);
	});
}

att_xstatus att_xdb_check(const char *path, uint64_t *errors, char **report)
{
	char buf[MSG_CAP];

	*errors = 0;
	*report = nullptr;
	try {
		std::ostringstream os;

		*errors = Xapian::Database::check(path, Xapian::DBCHECK_SHOW_STATS,
		                                  &os);
		std::string r = os.str();
		*report = strdup(r.c_str());
		if (!*report)
			throw std::bad_alloc();
		return ATT_X_OK;
	} catch (...) {
		att_xstatus st = caught(buf, ATT_X_EINVAL);

		*report = strdup(buf);
		return st;
	}
}

att_xstatus att_xiter_next(att_xiter *it, int *more)
{
	*more = 0;
	try {
		if (it->postlist) {
			if (it->started && it->p != it->pend)
				++it->p;
			it->started = true;
			if (it->p == it->pend)
				return ATT_X_OK;
			it->id = *it->p;
			it->wdf = it->p.get_wdf();
		} else {
			if (it->started && it->t != it->tend)
				++it->t;
			it->started = true;
			if (it->t == it->tend)
				return ATT_X_OK;
			it->term = *it->t;
			if (it->allterms)
				it->termfreq = it->t.get_termfreq();
			else
				it->wdf = it->t.get_wdf();
		}
		*more = 1;
		return ATT_X_OK;
	} catch (...) {
		return it->st = caught(it->msg, ATT_X_EINVAL);
	}
}

att_xstatus att_xiter_skip_to(att_xiter *it, const char *term, size_t len)
{
	try {
		if (it->postlist)
			return note_str(it->msg, "skip_to: not a term iterator",
			                ATT_X_EINVAL);
		/* every term is >= "", and glass's skip_to("") stops at its
		 * document-length list, an empty term; the next
		 * att_xiter_next() hands out the term skip_to stopped at,
		 * without stepping past it */
		if (len > 0 && it->t != it->tend)
			it->t.skip_to(str(term, len));
		it->started = false;
		return ATT_X_OK;
	} catch (...) {
		return it->st = caught(it->msg, ATT_X_EINVAL);
	}
}

const char *att_xiter_term(const att_xiter *it, size_t *len)
{
	*len = it->term.size();
	return it->term.c_str();
}

att_xdocid att_xiter_docid(const att_xiter *it)
{
	return it->id;
}

uint32_t att_xiter_wdf(const att_xiter *it)
{
	return it->wdf;
}

uint32_t att_xiter_termfreq(const att_xiter *it)
{
	return it->termfreq;
}

const char *att_xiter_errmsg(const att_xiter *it)
{
	return it->msg;
}

att_xstatus att_xiter_status(const att_xiter *it)
{
	return it->st;
}

void att_xiter_free(att_xiter *it)
{
	delete it;
}

/* ---- queries ----------------------------------------------------------- */

namespace {

/* Wraps a built query into a new handle. */
att_xstatus new_query(att_xquery **out, char **errmsg, char *buf,
                      const Xapian::Query &q)
{
	std::unique_ptr<att_xquery> h(new att_xquery);

	h->q = q;
	*out = h.release();
	return hand_back(errmsg, buf, ATT_X_OK);
}

} /* namespace */

att_xstatus att_xquery_term(att_xquery **out, char **errmsg,
                            const char *term, size_t len, uint32_t wqf,
                            uint32_t pos)
{
	char buf[MSG_CAP];

	*out = nullptr;
	if (len == 0)
		return hand_back(errmsg, buf, note_str(buf,
		                 "empty query term", ATT_X_EQUERY));
	try {
		return new_query(out, errmsg, buf,
		                 Xapian::Query(str(term, len), wqf, pos));
	} catch (...) {
		return hand_back(errmsg, buf, caught(buf, ATT_X_EQUERY));
	}
}

att_xstatus att_xquery_none(att_xquery **out, char **errmsg)
{
	char buf[MSG_CAP];

	*out = nullptr;
	try {
		return new_query(out, errmsg, buf, Xapian::Query());
	} catch (...) {
		return hand_back(errmsg, buf, caught(buf, ATT_X_EQUERY));
	}
}

att_xstatus att_xquery_all(att_xquery **out, char **errmsg)
{
	char buf[MSG_CAP];

	*out = nullptr;
	try {
		return new_query(out, errmsg, buf, Xapian::Query::MatchAll);
	} catch (...) {
		return hand_back(errmsg, buf, caught(buf, ATT_X_EQUERY));
	}
}

att_xstatus att_xquery_value_range(att_xquery **out, char **errmsg,
                                   uint32_t slot, const char *lo, size_t lon,
                                   const char *hi, size_t hin)
{
	char buf[MSG_CAP];

	*out = nullptr;
	try {
		bool l = lo != nullptr && lon > 0, u = hi != nullptr && hin > 0;
		Xapian::Query q = l && u
		    ? Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot,
		                    str(lo, lon), str(hi, hin))
		    : u ? Xapian::Query(Xapian::Query::OP_VALUE_LE, slot, str(hi, hin))
		    : Xapian::Query(Xapian::Query::OP_VALUE_GE, slot,
		                    l ? str(lo, lon) : std::string());

		return new_query(out, errmsg, buf, q);
	} catch (...) {
		return hand_back(errmsg, buf, caught(buf, ATT_X_EQUERY));
	}
}

att_xstatus att_xquery_combine(att_xquery **out, char **errmsg, att_xop op,
                               const att_xquery *const *subs, size_t n,
                               uint32_t window)
{
	char buf[MSG_CAP];
	Xapian::Query::op xop;

	*out = nullptr;
	switch (op) {
	case ATT_XOP_AND:
		xop = Xapian::Query::OP_AND;
		break;
	case ATT_XOP_OR:
		xop = Xapian::Query::OP_OR;
		break;
	case ATT_XOP_AND_NOT:
		xop = Xapian::Query::OP_AND_NOT;
		break;
	case ATT_XOP_AND_MAYBE:
		xop = Xapian::Query::OP_AND_MAYBE;
		break;
	case ATT_XOP_FILTER:
		xop = Xapian::Query::OP_FILTER;
		break;
	case ATT_XOP_SYNONYM:
		xop = Xapian::Query::OP_SYNONYM;
		break;
	case ATT_XOP_PHRASE:
		xop = Xapian::Query::OP_PHRASE;
		break;
	case ATT_XOP_NEAR:
		xop = Xapian::Query::OP_NEAR;
		break;
	default:
		return hand_back(errmsg, buf, note_str(buf,
		                 "unknown query operator", ATT_X_EQUERY));
	}
	if (xop != Xapian::Query::OP_PHRASE && xop != Xapian::Query::OP_NEAR)
		window = 0;
	try {
		std::vector<Xapian::Query> v;

		v.reserve(n);
		for (size_t i = 0; i < n; i++)
			v.push_back(subs[i]->q);
		Xapian::Query q(xop, v.begin(), v.end(), window);

		return new_query(out, errmsg, buf, q);
	} catch (...) {
		return hand_back(errmsg, buf, caught(buf, ATT_X_EQUERY));
	}
}

att_xstatus att_xquery_scale(att_xquery **out, char **errmsg,
                             const att_xquery *sub, double factor)
{
	char buf[MSG_CAP];

	*out = nullptr;
	try {
		Xapian::Query q(Xapian::Query::OP_SCALE_WEIGHT, sub->q, factor);

		return new_query(out, errmsg, buf, q);
	} catch (...) {
		return hand_back(errmsg, buf, caught(buf, ATT_X_EQUERY));
	}
}

att_xstatus att_xquery_describe(char **out, const att_xquery *q)
{
	char buf[MSG_CAP];

	*out = nullptr;
	try {
		std::string d = q->q.get_description();

		*out = strdup(d.c_str());
		return *out ? ATT_X_OK : ATT_X_ENOMEM;
	} catch (...) {
		return caught(buf, ATT_X_EQUERY);
	}
}

void att_xquery_free(att_xquery *q)
{
	delete q;
}

/* ---- searching --------------------------------------------------------- */

att_xstatus att_xdb_search(att_xmset **out, att_xdb *db, const att_xquery *q,
                           const att_xbm25 *bm25, uint32_t offset,
                           uint32_t n, uint32_t check_at_least)
{
	return att_xdb_search_with(out, db, q, bm25, offset, n, check_at_least,
	                           nullptr);
}

att_xstatus att_xdb_search_with(att_xmset **out, att_xdb *db,
                                const att_xquery *q, const att_xbm25 *bm25,
                                uint32_t offset, uint32_t n,
                                uint32_t check_at_least,
                                const att_xsearch_opts *opts)
{
	*out = nullptr;
	try {
		std::unique_ptr<att_xmset> h(new att_xmset);
		Xapian::Enquire enq(db->db);
		std::vector<std::unique_ptr<Xapian::ValueCountMatchSpy>> spies;
		bool by_value = opts != nullptr && opts->sort_by_value;
		size_t k;

		enq.set_query(q->q);
		enq.set_weighting_scheme(Xapian::BM25Weight(bm25->k1,
		                         bm25->k2, bm25->k3, bm25->b,
		                         bm25->min_normlen));
		if (by_value)
			enq.set_sort_by_value_then_relevance(opts->sort_slot,
			                                     opts->sort_reverse != 0);
		for (k = 0; opts != nullptr && k < opts->nspy; k++) {
			spies.emplace_back(new Xapian::ValueCountMatchSpy(
			    opts->spy_slots[k]));
			enq.add_matchspy(spies.back().get());
		}
		h->ms = enq.get_mset(offset, n, check_at_least);
		h->ids.reserve(h->ms.size());
		h->weights.reserve(h->ms.size());
		for (Xapian::MSetIterator it = h->ms.begin(); it != h->ms.end();
		     ++it) {
			h->ids.push_back(*it);
			h->weights.push_back(it.get_weight());
			if (by_value)
				h->keys.push_back(it.get_sort_key());
		}
		h->spies.resize(spies.size());
		for (k = 0; k < spies.size(); k++)
			for (Xapian::TermIterator t = spies[k]->values_begin();
			     t != spies[k]->values_end(); ++t)
				h->spies[k].emplace_back(*t, t.get_termfreq());
		enq.clear_matchspies();
		h->estimated = h->ms.get_matches_estimated();
		h->lower = h->ms.get_matches_lower_bound();
		h->upper = h->ms.get_matches_upper_bound();
		*out = h.release();
		return ATT_X_OK;
	} catch (...) {
		return caught(db->msg, ATT_X_EQUERY);
	}
}

size_t att_xmset_size(const att_xmset *ms)
{
	return ms->ids.size();
}

att_xdocid att_xmset_docid(const att_xmset *ms, size_t i)
{
	return ms->ids[i];
}

double att_xmset_weight(const att_xmset *ms, size_t i)
{
	return ms->weights[i];
}

void att_xmset_counts(const att_xmset *ms, uint32_t *estimated,
                      uint32_t *lower, uint32_t *upper)
{
	*estimated = ms->estimated;
	*lower = ms->lower;
	*upper = ms->upper;
}

att_xstatus att_xmset_data(att_xmset *ms, const char **p, size_t *n,
                           size_t i)
{
	return hand_bytes(&ms->buf, ms->msg, p, n, [&] {
		return ms->ms[i].get_document().get_data();
	});
}

att_xstatus att_xmset_value(att_xmset *ms, const char **p, size_t *n,
                            size_t i, uint32_t slot)
{
	return hand_bytes(&ms->buf, ms->msg, p, n, [&] {
		return ms->ms[i].get_document().get_value(slot);
	});
}

att_xstatus att_xmset_doc(att_xmset *ms, size_t i, uint32_t slot,
                          const char **data, size_t *dn, const char **value,
                          size_t *vn)
{
	try {
		Xapian::Document d = ms->ms[i].get_document();

		ms->buf = d.get_data();
		ms->buf2 = d.get_value(slot);
		*data = ms->buf.data();
		*dn = ms->buf.size();
		*value = ms->buf2.data();
		*vn = ms->buf2.size();
		return ATT_X_OK;
	} catch (...) {
		return caught(ms->msg, ATT_X_EINVAL);
	}
}

att_xstatus att_xmset_fetch(att_xmset *ms)
{
	try {
		/* Not MSet::fetch(): in Xapian 1.4.22 it reads past the
		 * items of a page that does not start at hit 0, and crashes
		 * (check_xapian's offset page). The range form is right. */
		ms->ms.fetch(ms->ms.begin(), ms->ms.end());
		return ATT_X_OK;
	} catch (...) {
		return caught(ms->msg, ATT_X_EINVAL);
	}
}

size_t att_xmset_spy_size(const att_xmset *ms, size_t k)
{
	return k < ms->spies.size() ? ms->spies[k].size() : 0;
}

void att_xmset_spy_value(const att_xmset *ms, size_t k, size_t j,
                         const char **p, size_t *n, uint32_t *count)
{
	const std::pair<std::string, uint32_t> &v = ms->spies[k][j];

	*p = v.first.data();
	*n = v.first.size();
	*count = v.second;
}

void att_xmset_sort_key(const att_xmset *ms, size_t i, const char **p,
                        size_t *n)
{
	if (i < ms->keys.size()) {
		*p = ms->keys[i].data();
		*n = ms->keys[i].size();
	} else {
		*p = "";
		*n = 0;
	}
}

const char *att_xmset_errmsg(const att_xmset *ms)
{
	return ms->msg;
}

void att_xmset_free(att_xmset *ms)
{
	delete ms;
}

/* ---- writing ----------------------------------------------------------- */

namespace {

/* Opens the transaction that holds changes until the next commit. */
void ensure_txn(att_xwdb *db)
{
	if (!db->in_txn) {
		db->db.begin_transaction(true);
		db->in_txn = true;
	}
}

att_xstatus closed(att_xwdb *db)
{
	return note_str(db->msg, "the database has been closed",
	                ATT_X_EINVAL);
}

} /* namespace */

att_xstatus att_xwdb_open(att_xwdb **out, char **errmsg, const char *path,
                          att_xwdb_mode mode)
{
	char buf[MSG_CAP];
	int flags;

	*out = nullptr;
	switch (mode) {
	case ATT_XWDB_CREATE_OR_OPEN:
		flags = Xapian::DB_CREATE_OR_OPEN;
		break;
	case ATT_XWDB_CREATE:
		flags = Xapian::DB_CREATE;
		break;
	case ATT_XWDB_OPEN:
		flags = Xapian::DB_OPEN;
		break;
	case ATT_XWDB_OVERWRITE:
		flags = Xapian::DB_CREATE_OR_OVERWRITE;
		break;
	default:
		return hand_back(errmsg, buf, note_str(buf,
		                 "unknown open mode", ATT_X_EINVAL));
	}
	try {
		std::unique_ptr<att_xwdb> h(new att_xwdb);

		h->db = Xapian::WritableDatabase(path, flags);
		ensure_txn(h.get());
		*out = h.release();
		return hand_back(errmsg, buf, ATT_X_OK);
	} catch (...) {
		return hand_back(errmsg, buf, caught(buf, ATT_X_EINVAL));
	}
}

att_xstatus att_xwdb_add(att_xwdb *db, att_xdocid *id, att_xdoc *doc)
{
	if (db->closed)
		return closed(db);
	try {
		ensure_txn(db);
		Xapian::docid d = db->db.add_document(doc->doc);

		if (id)
			*id = d;
		return ATT_X_OK;
	} catch (...) {
		return caught(db->msg, ATT_X_EINVAL);
	}
}

att_xstatus att_xwdb_replace(att_xwdb *db, att_xdocid *id,
                             const char *idterm, size_t len, att_xdoc *doc)
{
	if (db->closed)
		return closed(db);
	if (len == 0)
		return note_str(db->msg, "empty id term", ATT_X_EINVAL);
	try {
		std::string t = str(idterm, len);

		ensure_txn(db);
		doc->doc.add_boolean_term(t);
		Xapian::docid d = db->db.replace_document(t, doc->doc);

		if (id)
			*id = d;
		return ATT_X_OK;
	} catch (...) {
		return caught(db->msg, ATT_X_EINVAL);
	}
}

att_xstatus att_xwdb_term_exists(att_xwdb *db, int *exists,
                                 const char *term, size_t len)
{
	*exists = 0;
	if (db->closed)
		return closed(db);
	try {
		ensure_txn(db);
		*exists = db->db.term_exists(str(term, len));
		return ATT_X_OK;
	} catch (...) {
		return caught(db->msg, ATT_X_EINVAL);
	}
}

att_xstatus att_xwdb_set_metadata(att_xwdb *db, const char *key,
                                  const char *value, size_t len)
{
	if (db->closed)
		return closed(db);
	try {
		ensure_txn(db);
		db->db.set_metadata(key, str(value, len));
		return ATT_X_OK;
	} catch (...) {
		return caught(db->msg, ATT_X_EINVAL);
	}
}

att_xstatus att_xwdb_delete(att_xwdb *db, int *found,
                            const char *idterm, size_t len)
{
	if (db->closed)
		return closed(db);
	/* Xapian reads the empty term as "every document" */
	if (len == 0)
		return note_str(db->msg, "empty id term", ATT_X_EINVAL);
	try {
		std::string t = str(idterm, len);

		ensure_txn(db);
		/* term_exists sees the transaction's own changes */
		bool there = db->db.term_exists(t);

		if (there)
			db->db.delete_document(t);
		if (found)
			*found = there;
		return ATT_X_OK;
	} catch (...) {
		return caught(db->msg, ATT_X_EINVAL);
	}
}

att_xstatus att_xwdb_commit(att_xwdb *db)
{
	if (db->closed)
		return closed(db);
	try {
		ensure_txn(db);
		db->db.commit_transaction();
	} catch (...) {
		att_xstatus st = caught(db->msg, ATT_X_EINVAL);

		/* A failed commit commits nothing: drop its changes, so
		 * the handle is in a known state (no transaction). */
		try {
			db->db.cancel_transaction();
		} catch (...) {
		}
		db->in_txn = false;
		return st;
	}
	db->in_txn = false;
	try {
		ensure_txn(db);
	} catch (...) {
		/* The commit is durable; the next change retries the
		 * transaction and reports a lasting failure. */
	}
	return ATT_X_OK;
}

att_xstatus att_xwdb_close(att_xwdb *db)
{
	if (db->closed)
		return ATT_X_OK;
	try {
		db->db.close(); /* cancels the open transaction */
		db->closed = true;
		db->in_txn = false;
		return ATT_X_OK;
	} catch (...) {
		return caught(db->msg, ATT_X_EINVAL);
	}
}

const char *att_xwdb_errmsg(const att_xwdb *db)
{
	return db->msg;
}

void att_xwdb_free(att_xwdb *db)
{
	/* ~WritableDatabase cancels an open transaction and swallows
	 * errors: what was not committed is dropped. */
	delete db;
}

/* ---- documents --------------------------------------------------------- */

att_xstatus att_xdoc_new(att_xdoc **out, char **errmsg)
{
	char buf[MSG_CAP];

	*out = nullptr;
	try {
		*out = new att_xdoc;
		return hand_back(errmsg, buf, ATT_X_OK);
	} catch (...) {
		return hand_back(errmsg, buf, caught(buf, ATT_X_EINVAL));
	}
}

att_xstatus att_xdoc_clear(att_xdoc *doc)
{
	try {
		doc->doc = Xapian::Document();
		return ATT_X_OK;
	} catch (...) {
		return caught(doc->msg, ATT_X_EINVAL);
	}
}

att_xstatus att_xdoc_add_posting(att_xdoc *doc, const char *term, size_t len,
                                 uint32_t pos, uint32_t wdfinc)
{
	try {
		doc->doc.add_posting(str(term, len), pos, wdfinc);
		return ATT_X_OK;
	} catch (...) {
		return caught(doc->msg, ATT_X_EINVAL);
	}
}

att_xstatus att_xdoc_add_term(att_xdoc *doc, const char *term, size_t len,
                              uint32_t wdfinc)
{
	try {
		doc->doc.add_term(str(term, len), wdfinc);
		return ATT_X_OK;
	} catch (...) {
		return caught(doc->msg, ATT_X_EINVAL);
	}
}

att_xstatus att_xdoc_add_boolean_term(att_xdoc *doc, const char *term,
                                      size_t len)
{
	try {
		doc->doc.add_boolean_term(str(term, len));
		return ATT_X_OK;
	} catch (...) {
		return caught(doc->msg, ATT_X_EINVAL);
	}
}

att_xstatus att_xdoc_set_data(att_xdoc *doc, const void *p, size_t n)
{
	try {
		doc->doc.set_data(str(static_cast<const char *>(p), n));
		return ATT_X_OK;
	} catch (...) {
		return caught(doc->msg, ATT_X_EINVAL);
	}
}

att_xstatus att_xdoc_add_value(att_xdoc *doc, uint32_t slot,
                               const void *p, size_t n)
{
	try {
		doc->doc.add_value(slot, str(static_cast<const char *>(p), n));
		return ATT_X_OK;
	} catch (...) {
		return caught(doc->msg, ATT_X_EINVAL);
	}
}

const char *att_xdoc_errmsg(const att_xdoc *doc)
{
	return doc->msg;
}

void att_xdoc_free(att_xdoc *doc)
{
	delete doc;
}

} /* extern "C" */
