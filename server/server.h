/*
 * server.h: `attache serve`, the HTTP/JSON server, and its parts.
 *
 *   server.c   - the daemon (libmicrohttpd, a thread pool), the request
 *                life cycle: body collection, limits, the token, routing,
 *                JSON responses and errors, the shutdown on SIGTERM
 *   api.c      - the read endpoints: GET /search, /documents/{id},
 *                /stats, /health, and the page's files
 *   writes.c   - the write endpoints (PUT, POST, DELETE /documents) over
 *                the one att_writer, and the commit policy: on request, or
 *                by a background thread at most every N seconds
 *   pool.c     - searchers, one per worker thread at most, each moved to
 *                the newest commit when it is taken from the pool
 *   docfetch.c - a document by its id, as JSON (att_searcher_document)
 *   page.c     - generated at build time from page/: the search page
 *
 * The server uses the public API (attache.h) alone, so it serves either
 * backend. No part of a request ever names a file: the routes are a
 * fixed table and ids are looked up in the index.
 */
#ifndef ATT_SERVER_H
#define ATT_SERVER_H

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "attache.h"

/* ---- configuration (cli/cmd_serve.c fills it) ---------------------------- */

typedef struct srv_config {
	const char *index;          /* the index directory */
	const char *language;       /* for a new index; NULL: english */
	const char *host;           /* "127.0.0.1" by default */
	unsigned port;              /* 8080; 0 picks a free port */
	char *token;                /* NULL: writes are off */
	size_t token_len;
	unsigned commit_interval;   /* seconds between commits, at most */
	unsigned threads;           /* worker threads */
	size_t max_body;            /* bytes of a request body */
	size_t max_query;           /* bytes of q */
	size_t max_hits;            /* n */
	size_t max_offset;          /* offset */
	unsigned request_timeout;   /* seconds: a request's upload, and idle
	                               connections */
	unsigned max_connections;
	size_t max_header;          /* bytes of the request line and headers */
} srv_config;

/* Sets the defaults listed in docs/HTTP.md. */
void srv_config_init(srv_config *c);

/* Runs the server until SIGTERM or SIGINT: prints "listening on
 * http://HOST:PORT" on stdout once it accepts connections, then serves.
 * It blocks SIGTERM, SIGINT and SIGPIPE before starting any thread, and
 * waits for the first two with sigwait. On the signal it stops
 * accepting, lets requests in flight finish, commits accepted writes and
 * returns 0; it returns 1 (a message on stderr) if it cannot start, and
 * 2 if the final commit fails. */
int srv_run(const srv_config *c);

/* ---- pool.c ------------------------------------------------------------- */

typedef struct srv_slot {
	att_searcher *s;
	uint64_t epoch;           /* the commit epoch it was checked at */
	double checked;           /* when it last looked for a new commit */
	int busy;
} srv_slot;

typedef struct srv_pool {
	char *dir;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	srv_slot *slots;
	size_t n;
	uint64_t epoch;           /* bumped after each commit (under mu) */
} srv_pool;

/* Opens N searchers on DIR. ATT_OK, or the status of the first failure
 * with its message in MSG. */
att_status srv_pool_init(srv_pool *p, const char *dir, size_t n, char *msg,
                         size_t msgcap);
void srv_pool_release(srv_pool *p);
/* Takes a slot, waiting for one if all are busy, and moves its searcher
 * to the newest commit: at once after srv_pool_committed, else at most a
 * second after another process commits. A failed reopen keeps the older
 * generation (and is logged). */
srv_slot *srv_pool_get(srv_pool *p);
void srv_pool_put(srv_pool *p, srv_slot *s);
/* Called after every commit of the server's writer. */
void srv_pool_committed(srv_pool *p);

/* ---- docfetch.c ---------------------------------------------------------- */

/* The live document ID (ID_LEN bytes) of searcher S as a new JSON object
 * {"id", "title", "text", "fields": {name: value}} in *OUT, or NULL if
 * there is none. With WANT non-NULL, only the fields WANT names are set,
 * into an object of their own (no id, title or text; WANT is an array of
 * strings, or the string "*" for every field). att_searcher_document's
 * statuses; the message is S's. */
att_status srv_document_json(json_t **out, att_searcher *s, const char *id,
                             size_t id_len, const json_t *want);

/* ---- the server's state and the request (server.c) ------------------------ */

typedef struct srv srv;

typedef struct srv_req {
	int method;                 /* SRV_GET, ... */
	char *path;                 /* as received, percent-decoded */
	struct MHD_Connection *conn;
	char *body;                 /* NUL-terminated */
	size_t body_len, body_cap;
	double started;
	int answered;               /* a response was queued early */
	int counted;                /* counted in the in-flight requests */
} srv_req;

enum { SRV_GET, SRV_HEAD, SRV_PUT, SRV_POST, SRV_DELETE, SRV_OTHER };

/* A response: an HTTP status and a JSON body (owned, freed after
 * sending), or raw bytes (static). */
typedef struct srv_resp {
	unsigned status;
	json_t *json;
	const char *raw;
	size_t raw_len;
	const char *type;           /* Content-Type of raw */
	int allow_cache;            /* raw files: cacheable */
	const char *allow;          /* "Allow" header on 405 */
} srv_resp;

/* Fills R with the JSON error {"error": {"code", "message"}}. */
void srv_error(srv_resp *r, unsigned status, const char *code,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The HTTP status and error code for a failed library call. */
unsigned srv_status_for(att_status st, const char **code);
/* Whether S[0..N) is valid UTF-8 without NUL bytes. */
int srv_utf8(const char *s, size_t n);
/* Monotonic seconds. */
double srv_now(void);
/* A query parameter: its value and length, or NULL. */
const char *srv_arg(const srv_req *q, const char *name, size_t *len);
/* The request header NAME's value, or NULL. */
const char *srv_header(const srv_req *q, const char *name);
/* Every value of a repeated parameter NAME, in order: the first MAX in
 * V and LEN; returns how many there are (more than MAX if so). */
size_t srv_args(const srv_req *q, const char *name, const char **v,
                size_t *len, size_t max);

const srv_config *srv_cfg(const srv *s);
srv_pool *srv_searchers(srv *s);

/* ---- api.c --------------------------------------------------------------- */

void api_search(srv *s, const srv_req *q, srv_resp *r);
void api_document(srv *s, const char *id, size_t id_len, srv_resp *r);
void api_stats(srv *s, srv_resp *r);
void api_health(srv *s, srv_resp *r);
/* The page's files: 1 and R filled if PATH is one of them. */
int api_page(const char *path, srv_resp *r);

/* ---- writes.c ------------------------------------------------------------ */

typedef struct srv_writes srv_writes;

/* Opens the writer on C->index (creating the index if needed, with a
 * first, empty commit) and starts the commit thread. */
att_status srv_writes_open(srv_writes **out, const srv_config *c,
                           srv_pool *pool, char *msg, size_t msgcap);
/* Stops the commit thread, commits what is pending, closes the writer.
 * ATT_OK or the commit's status. */
att_status srv_writes_close(srv_writes *w);
/* Pending (uncommitted) writes, and commits made. */
void srv_writes_counts(srv_writes *w, uint64_t *pending, uint64_t *commits);

void api_put(srv_writes *w, const srv_req *q, const char *id, size_t id_len,
             srv_resp *r);
void api_post(srv_writes *w, const srv_req *q, srv_resp *r);
void api_delete(srv_writes *w, const srv_req *q, const char *id,
                size_t id_len, srv_resp *r);
srv_writes *srv_writer(srv *s);

/* ---- page.c (generated) -------------------------------------------------- */

typedef struct srv_asset {
	const char *path;           /* "/", "/app.js", "/app.css" */
	const char *type;
	const unsigned char *data;
	size_t len;
} srv_asset;

extern const srv_asset srv_assets[];
extern const size_t srv_nassets;

/* The typed-field values of hit I of RES as a JSON object: a keyword
 * field's as an array of strings, a date's as "YYYY-MM-DDTHH:MM:SSZ", a
 * number's as a JSON number (an integer when it is one). Empty if the
 * index declares none. */
json_t *srv_typed_fields(const att_results *res, size_t i);
/* The results' facets: {"places": [{"value": "usa", "count": 12}, ...],
 * ...}; a range bucket has "from" and "to" where it is bounded. */
json_t *srv_facets(const att_results *res);

#endif
