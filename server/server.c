/*
 * server.c: the HTTP daemon and the life of a request.
 *
 * libmicrohttpd runs the sockets: one listening socket and a pool of
 * worker threads (MHD_OPTION_THREAD_POOL_SIZE), each polling its share
 * of the connections and calling on_request for the requests on them.
 * A worker handles one request at a time, so a request's work (a search,
 * a write) runs on that worker, and the searcher pool has a slot per
 * worker (pool.c).
 *
 * A request arrives in calls to on_request: the first when its headers
 * are in, with no context yet; then one per chunk of body; then one with
 * no data, when it is complete. The first call checks everything that
 * needs no body: the route, the method, the token of a write, the
 * declared length. A request refused there is answered at once (and
 * libmicrohttpd closes the connection if a body was still coming). The
 * body is collected up to --max-body, and not for longer than
 * --request-timeout; then the route's handler answers. Handlers fill a
 * srv_resp (a status and a JSON value, or a static file of the page);
 * respond() turns it into the HTTP response.
 *
 * Routes are a fixed table; a path is only ever compared with it or,
 * after "/documents/", taken as a document id looked up in the index.
 * Nothing in a request names a file.
 *
 * Errors are JSON, {"error": {"code": "...", "message": "..."}}, with a
 * 4xx status for the client's mistakes (docs/HTTP.md lists them), 5xx
 * for the server's. libmicrohttpd itself answers requests whose line or
 * headers exceed --max-header-bytes (431 or 414) and closes connections
 * idle for --request-timeout seconds.
 *
 * Shutdown: srv_run waits for SIGTERM or SIGINT. Then it stops accepting
 * (MHD_quiesce_daemon), answers 503 to any new request on a kept-alive
 * connection, waits until the requests in flight (counted from their
 * first call to their completion notice) are done, stops the daemon,
 * and commits the writes accepted but not yet committed.
 */
#include <dlfcn.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "server.h"

/* ---- libmicrohttpd, loaded when the server starts ------------------------ */

/*
 * Linked into the attache binary, libmicrohttpd brings GnuTLS and eight
 * more libraries, whose loading and constructors cost every attache
 * command about 1.3 ms of CPU before main: a one-query `attache search`
 * on the news sample took 4.9 ms, FTS5's and Xapian's 2.3 ms. Only
 * serve needs it, so srv_run opens it (ATT_MHD_SONAME, the build's
 * libmicrohttpd.so.N) and takes the functions below. Their types come
 * from microhttpd.h, so every call is checked as a direct call would be.
 */
#define MHD_FUNCTIONS(X) \
	X(MHD_add_response_header) X(MHD_create_response_from_buffer) \
	X(MHD_queue_response) X(MHD_destroy_response) \
	X(MHD_lookup_connection_value) X(MHD_lookup_connection_value_n) \
	X(MHD_start_daemon) X(MHD_quiesce_daemon) X(MHD_stop_daemon) \
	X(MHD_get_daemon_info) X(MHD_get_connection_values_n)

static struct {
#define MHD_FIELD(f) __typeof__(f) *f;
	MHD_FUNCTIONS(MHD_FIELD)
#undef MHD_FIELD
} mhd;

/* Opens libmicrohttpd once; -1 (a message on stderr) if it cannot. The
 * library stays loaded until the process ends. */
static int mhd_load(void)
{
	static void *lib;
	void *sym;

	if (lib != NULL)
		return 0;
	dlerror();
	lib = dlopen(ATT_MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		fprintf(stderr, "attache serve: cannot load %s: %s\n", ATT_MHD_SONAME,
		        dlerror());
		return -1;
	}
#define MHD_LOAD(f)                                                        \
	if ((sym = dlsym(lib, #f)) == NULL) {                                \
		fprintf(stderr, "attache serve: %s has no %s\n", ATT_MHD_SONAME, \
		        #f);                                                 \
		return -1;                                                   \
	}                                                                    \
	memcpy(&mhd.f, &sym, sizeof sym);
	MHD_FUNCTIONS(MHD_LOAD)
#undef MHD_LOAD
	return 0;
}

struct srv {
	const srv_config *c;
	struct MHD_Daemon *d;
	srv_pool pool;
	srv_writes *w;              /* NULL when writes are off */
	pthread_mutex_t mu;
	unsigned inflight;
	int stopping;
};

void srv_config_init(srv_config *c)
{
	memset(c, 0, sizeof *c);
	c->host = "127.0.0.1";
	c->port = 8080;
	c->commit_interval = 1;
	c->threads = 4;
	c->max_body = 16u << 20;
	c->max_query = 16384;
	c->max_hits = 100;
	c->max_offset = 10000;
	c->request_timeout = 30;
	c->max_connections = 512;
	c->max_header = 32u << 10;
}

const srv_config *srv_cfg(const srv *s)
{
	return s->c;
}

srv_pool *srv_searchers(srv *s)
{
	return &s->pool;
}

srv_writes *srv_writer(srv *s)
{
	return s->w;
}

/* ---- responses ---------------------------------------------------------- */

void srv_error(srv_resp *r, unsigned status, const char *code,
               const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_decref(r->json);
	r->status = status;
	/* a message may quote input cut in the middle of a character */
	r->json = json_pack("{s:{s:s,s:s%}}", "error", "code", code, "message",
	                    msg, strlen(msg));
	if (r->json == NULL)
		r->json = json_pack("{s:{s:s,s:s}}", "error", "code", code,
		                    "message", "(message not valid UTF-8)");
}

unsigned srv_status_for(att_status st, const char **code)
{
	switch (st) {
	case ATT_EPARSE: *code = "query_parse_error"; return 400;
	case ATT_EEMPTY: *code = "empty_query"; return 400;
	case ATT_ELIMIT: *code = "limit_exceeded"; return 400;
	case ATT_EINVAL: *code = "invalid_argument"; return 400;
	case ATT_EUTF8: *code = "invalid_utf8"; return 400;
	case ATT_EINPUT: *code = "invalid_document"; return 400;
	case ATT_ENOTFOUND: *code = "not_found"; return 404;
	case ATT_ELOCKED: *code = "index_locked"; return 503;
	case ATT_ENOMEM: *code = "out_of_memory"; return 503;
	default: *code = "internal_error"; return 500;
	}
}

static void add_headers(struct MHD_Response *resp, const srv_resp *r,
                        int closing)
{
	mhd.MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	mhd.MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	if (r->raw != NULL) {
		mhd.MHD_add_response_header(resp, "Content-Type", r->type);
		mhd.MHD_add_response_header(resp, "Cache-Control", "no-cache");
		mhd.MHD_add_response_header(resp, "X-Frame-Options", "DENY");
		mhd.MHD_add_response_header(resp, "Content-Security-Policy",
		    "default-src 'none'; script-src 'self'; style-src 'self'; "
		    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; "
		    "form-action 'self'; frame-ancestors 'none'");
	} else {
		mhd.MHD_add_response_header(resp, "Content-Type",
		                        "application/json; charset=utf-8");
		mhd.MHD_add_response_header(resp, "Cache-Control", "no-store");
	}
	if (r->allow != NULL)
		mhd.MHD_add_response_header(resp, "Allow", r->allow);
	if (r->status == 401)
		mhd.MHD_add_response_header(resp, "WWW-Authenticate",
		                        "Bearer realm=\"attache\"");
	if (closing)
		mhd.MHD_add_response_header(resp, "Connection", "close");
}

/* Queues R on CONN and releases its JSON. */
static enum MHD_Result respond(srv *s, struct MHD_Connection *conn, srv_resp *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ok;
	char *text = NULL;
	int closing;

	if (r->raw != NULL) {
		resp = mhd.MHD_create_response_from_buffer(r->raw_len, (void *)r->raw,
		                                       MHD_RESPMEM_PERSISTENT);
	} else {
		if (r->json != NULL)
			text = json_dumps(r->json,
			                  JSON_COMPACT | JSON_REAL_PRECISION(10));
		json_decref(r->json);
		r->json = NULL;
		if (text == NULL) {
			static const char oom[] = "{\"error\":{\"code\":\"out_of_memory\","
			                          "\"message\":\"out of memory\"}}";
			r->status = 503;
			resp = mhd.MHD_create_response_from_buffer(sizeof oom - 1,
			    (void *)oom, MHD_RESPMEM_PERSISTENT);
		} else {
			resp = mhd.MHD_create_response_from_buffer(strlen(text), text,
			                                       MHD_RESPMEM_MUST_FREE);
		}
	}
	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	pthread_mutex_lock(&s->mu);
	closing = s->stopping;
	pthread_mutex_unlock(&s->mu);
	add_headers(resp, r, closing);
	if (r->status >= 500)
		fprintf(stderr, "attache serve: answered %u\n", r->status);
	ok = mhd.MHD_queue_response(conn, r->status, resp);
	mhd.MHD_destroy_response(resp);
	return ok;
}

/* ---- requests ----------------------------------------------------------- */

const char *srv_arg(const srv_req *q, const char *name, size_t *len)
{
	const char *v = NULL;

	if (mhd.MHD_lookup_connection_value_n(q->conn, MHD_GET_ARGUMENT_KIND, name,
	                                  strlen(name), &v, len) != MHD_YES)
		return NULL;
	if (v == NULL) { /* "?name" with no "=" */
		v = "";
		*len = 0;
	}
	return v;
}

const char *srv_header(const srv_req *q, const char *name)
{
	return mhd.MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, name);
}

struct args_walk {
	const char *name;
	const char **v;
	size_t *len, max, n;
};

static enum MHD_Result arg_seen(void *cls, enum MHD_ValueKind kind,
                                const char *key, size_t key_size,
                                const char *value, size_t value_size)
{
	struct args_walk *w = cls;

	(void)kind;
	if (key_size != strlen(w->name) || memcmp(key, w->name, key_size) != 0)
		return MHD_YES;
	if (w->n < w->max) {
		w->v[w->n] = value != NULL ? value : "";
		w->len[w->n] = value != NULL ? value_size : 0;
	}
	w->n++;
	return MHD_YES;
}

size_t srv_args(const srv_req *q, const char *name, const char **v,
                size_t *len, size_t max)
{
	struct args_walk w = { name, v, len, max, 0 };

	mhd.MHD_get_connection_values_n(q->conn, MHD_GET_ARGUMENT_KIND, arg_seen,
	                                &w);
	return w.n;
}

static int method_of(const char *m)
{
	if (strcmp(m, "GET") == 0)
		return SRV_GET;
	if (strcmp(m, "HEAD") == 0)
		return SRV_HEAD;
	if (strcmp(m, "PUT") == 0)
		return SRV_PUT;
	if (strcmp(m, "POST") == 0)
		return SRV_POST;
	if (strcmp(m, "DELETE") == 0)
		return SRV_DELETE;
	return SRV_OTHER;
}

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

/* Decodes %XX escapes in place (and, in arguments, libmicrohttpd has
 * already turned '+' into ' '). %00 becomes the byte FF, which is not
 * UTF-8 anywhere, so that no id or query is cut short at a NUL: ids and
 * queries must be valid UTF-8 and such a request is refused. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	size_t i, o = 0;

	(void)cls;
	(void)c;
	for (i = 0; s[i] != '\0'; i++) {
		int h, l;

		if (s[i] == '%' && s[i + 1] != '\0' && s[i + 2] != '\0' &&
		    (h = hexval(s[i + 1])) >= 0 && (l = hexval(s[i + 2])) >= 0) {
			int b = h << 4 | l;

			s[o++] = b == 0 ? (char)0xff : (char)b;
			i += 2;
		} else {
			s[o++] = s[i];
		}
	}
	s[o] = '\0';
	return o;
}

/* Whether the Authorization header is "Bearer " and the token, compared
 * in time that does not depend on where they differ. */
static int authorized(const srv *s, struct MHD_Connection *conn)
{
	const char *h = mhd.MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	                                            MHD_HTTP_HEADER_AUTHORIZATION);
	const char *t = s->c->token;
	size_t i, n, tn = s->c->token_len;
	unsigned char diff;

	if (h == NULL || strncmp(h, "Bearer ", 7) != 0)
		return 0;
	h += 7;
	n = strlen(h);
	diff = n != tn;
	for (i = 0; i < tn; i++)
		diff |= (unsigned char)(t[i] ^ (i < n ? h[i] : 0));
	return diff == 0;
}

enum route { R_NONE, R_PAGE, R_HEALTH, R_STATS, R_SEARCH, R_DOCS, R_DOC };

static enum route route_of(const char *path)
{
	size_t i;

	if (strcmp(path, "/health") == 0)
		return R_HEALTH;
	if (strcmp(path, "/stats") == 0)
		return R_STATS;
	if (strcmp(path, "/search") == 0)
		return R_SEARCH;
	if (strcmp(path, "/documents") == 0)
		return R_DOCS;
	if (strncmp(path, "/documents/", 11) == 0)
		return R_DOC;
	for (i = 0; i < srv_nassets; i++)
		if (strcmp(path, srv_assets[i].path) == 0)
			return R_PAGE;
	return R_NONE;
}

/* The checks that need no body: 1 and R filled if the request is
 * refused. */
static int refuse_early(srv *s, srv_req *q, srv_resp *r)
{
	enum route rt = route_of(q->path);
	int write = q->method == SRV_PUT || q->method == SRV_POST ||
	            q->method == SRV_DELETE;
	const char *cl;
	int stopping;

	pthread_mutex_lock(&s->mu);
	stopping = s->stopping;
	pthread_mutex_unlock(&s->mu);
	if (stopping) {
		srv_error(r, 503, "shutting_down", "the server is shutting down");
		return 1;
	}
	if (rt == R_NONE) {
		srv_error(r, 404, "not_found", "no such endpoint");
		return 1;
	}
	if (rt == R_DOC && q->method != SRV_GET && q->method != SRV_HEAD &&
	    q->method != SRV_PUT && q->method != SRV_DELETE) {
		r->allow = "GET, HEAD, PUT, DELETE";
	} else if (rt == R_DOCS && q->method != SRV_POST) {
		r->allow = "POST";
	} else if (rt != R_DOC && rt != R_DOCS && q->method != SRV_GET &&
	           q->method != SRV_HEAD) {
		r->allow = "GET, HEAD";
	}
	if (r->allow != NULL) {
		srv_error(r, 405, "method_not_allowed",
		          "this endpoint takes %s", r->allow);
		return 1;
	}
	if (write && s->w == NULL) {
		srv_error(r, 403, "writes_disabled", "writes are off: start the "
		          "server with --token-file to allow them");
		return 1;
	}
	if (write && !authorized(s, q->conn)) {
		srv_error(r, 401, "unauthorized", "writes need the header "
		          "'Authorization: Bearer TOKEN' with the server's token");
		return 1;
	}
	cl = mhd.MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND,
	                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL && strtoull(cl, NULL, 10) > s->c->max_body) {
		srv_error(r, 413, "body_too_large", "the body is over %zu bytes",
		          s->c->max_body);
		return 1;
	}
	return 0;
}

/* Answers the complete request Q. */
static void dispatch(srv *s, srv_req *q, srv_resp *r)
{
	const char *id = q->path + 11;

	switch (route_of(q->path)) {
	case R_PAGE:
		api_page(q->path, r);
		break;
	case R_HEALTH:
		api_health(s, r);
		break;
	case R_STATS:
		api_stats(s, r);
		break;
	case R_SEARCH:
		api_search(s, q, r);
		break;
	case R_DOCS:
		api_post(s->w, q, r);
		break;
	case R_DOC:
		if (q->method == SRV_PUT)
			api_put(s->w, q, id, strlen(id), r);
		else if (q->method == SRV_DELETE)
			api_delete(s->w, q, id, strlen(id), r);
		else
			api_document(s, id, strlen(id), r);
		break;
	default:
		srv_error(r, 404, "not_found", "no such endpoint");
		break;
	}
}

/* Appends a chunk of body; 1 and R filled if the request is refused. */
static int take_body(srv *s, srv_req *q, const char *data, size_t n,
                     srv_resp *r)
{
	char *b;

	if (q->body_len + n > s->c->max_body) {
		srv_error(r, 413, "body_too_large", "the body is over %zu bytes",
		          s->c->max_body);
		return 1;
	}
	if (srv_now() - q->started > s->c->request_timeout) {
		srv_error(r, 408, "request_timeout", "the body took over %u "
		          "seconds to arrive", s->c->request_timeout);
		return 1;
	}
	if (q->body_len + n + 1 > q->body_cap) { /* doubling: few copies */
		size_t cap = q->body_cap ? q->body_cap : 4096;

		while (cap < q->body_len + n + 1)
			cap *= 2;
		b = realloc(q->body, cap);
		if (b == NULL) {
			srv_error(r, 503, "out_of_memory", "out of memory");
			return 1;
		}
		q->body = b;
		q->body_cap = cap;
	}
	memcpy(q->body + q->body_len, data, n);
	q->body_len += n;
	q->body[q->body_len] = '\0';
	return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *data,
                                  size_t *data_size, void **ctx)
{
	srv *s = cls;
	srv_req *q = *ctx;
	srv_resp r;

	(void)version;
	memset(&r, 0, sizeof r);
	r.status = 200;
	if (q == NULL) {
		q = calloc(1, sizeof *q);
		if (q == NULL)
			return MHD_NO;
		*ctx = q;
		q->conn = conn;
		q->method = method_of(method);
		q->started = srv_now();
		q->path = strdup(url);
		pthread_mutex_lock(&s->mu);
		s->inflight++;
		q->counted = 1;
		pthread_mutex_unlock(&s->mu);
		if (q->path == NULL)
			return MHD_NO;
		if (refuse_early(s, q, &r)) {
			q->answered = 1;
			return respond(s, conn, &r);
		}
		return MHD_YES;
	}
	if (*data_size > 0) {
		if (!q->answered && take_body(s, q, data, *data_size, &r)) {
			q->answered = 1;
			*data_size = 0;
			return respond(s, conn, &r);
		}
		*data_size = 0;
		return MHD_YES;
	}
	if (q->answered)
		return MHD_YES;
	q->answered = 1;
	dispatch(s, q, &r);
	return respond(s, conn, &r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **ctx,
                         enum MHD_RequestTerminationCode why)
{
	srv *s = cls;
	srv_req *q = *ctx;

	(void)conn;
	(void)why;
	if (q == NULL)
		return;
	if (q->counted) {
		pthread_mutex_lock(&s->mu);
		s->inflight--;
		pthread_mutex_unlock(&s->mu);
	}
	free(q->path);
	free(q->body);
	free(q);
	*ctx = NULL;
}

/* ---- start and stop -------------------------------------------------------- */

static struct MHD_Daemon *start(srv *s, const struct addrinfo *ai)
{
	const srv_config *c = s->c;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
	                 MHD_USE_ITC;

	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	return mhd.MHD_start_daemon(flags, (uint16_t)c->port, NULL, NULL,
	    on_request, s,
	    MHD_OPTION_SOCK_ADDR, ai->ai_addr,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)c->threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)c->max_connections,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)c->request_timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)c->max_header,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
	    MHD_OPTION_END);
}

/* Resolves the host and port to listen on. */
static int resolve(struct addrinfo **out, const srv_config *c)
{
	struct addrinfo hints;
	char port[16];
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof port, "%u", c->port);
	rc = getaddrinfo(c->host, port, &hints, out);
	if (rc != 0) {
		fprintf(stderr, "attache serve: cannot listen on %s: %s\n", c->host,
		        gai_strerror(rc));
		return -1;
	}
	return 0;
}

/* Stops accepting, lets the requests in flight finish, stops. */
static void drain(srv *s)
{
	MHD_socket ls = mhd.MHD_quiesce_daemon(s->d);
	double deadline = srv_now() + s->c->request_timeout + 5;
	unsigned left;

	if (ls != MHD_INVALID_SOCKET)
		close(ls);
	pthread_mutex_lock(&s->mu);
	s->stopping = 1;
	pthread_mutex_unlock(&s->mu);
	for (;;) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		pthread_mutex_lock(&s->mu);
		left = s->inflight;
		pthread_mutex_unlock(&s->mu);
		if (left == 0 || srv_now() > deadline)
			break;
		nanosleep(&ts, NULL);
	}
	mhd.MHD_stop_daemon(s->d);
	s->d = NULL;
}

/* Waits for SIGTERM or SIGINT. */
static int wait_signal(const sigset_t *set)
{
	int sig = 0;

	while (sigwait(set, &sig) != 0)
		;
	return sig;
}

int srv_run(const srv_config *c)
{
	struct addrinfo *ai = NULL;
	const union MHD_DaemonInfo *info;
	char msg[1024];
	sigset_t set;
	att_status rc;
	int status = 1, sig;
	srv s;

	if (mhd_load() != 0)
		return 1;
	memset(&s, 0, sizeof s);
	s.c = c;
	pthread_mutex_init(&s.mu, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* before any thread starts */
	sigdelset(&set, SIGPIPE);
	if (c->token != NULL) {
		rc = srv_writes_open(&s.w, c, &s.pool, msg, sizeof msg);
		if (rc != ATT_OK) {
			fprintf(stderr, "attache serve: %s: %s\n", c->index, msg);
			goto done;
		}
	}
	rc = srv_pool_init(&s.pool, c->index, c->threads, msg, sizeof msg);
	if (rc != ATT_OK) {
		fprintf(stderr, "attache serve: %s\n", msg);
		goto done;
	}
	if (resolve(&ai, c) != 0)
		goto done;
	s.d = start(&s, ai);
	if (s.d == NULL) {
		fprintf(stderr, "attache serve: cannot listen on %s port %u: %s\n",
		        c->host, c->port, errno ? strerror(errno) : "failed");
		goto done;
	}
	info = mhd.MHD_get_daemon_info(s.d, MHD_DAEMON_INFO_BIND_PORT);
	printf("listening on http://%s%s%s:%u\n", ai->ai_family == AF_INET6 ?
	       "[" : "", c->host, ai->ai_family == AF_INET6 ? "]" : "",
	       info ? info->port : c->port);
	fflush(stdout);
	sig = wait_signal(&set);
	fprintf(stderr, "attache serve: %s, finishing requests in flight\n",
	        sig == SIGTERM ? "SIGTERM" : "SIGINT");
	drain(&s);
	status = 0;
done:
	if (s.d != NULL)
		mhd.MHD_stop_daemon(s.d);
	if (s.w != NULL && srv_writes_close(s.w) != ATT_OK)
		status = 2;
	srv_pool_release(&s.pool);
	if (ai != NULL)
		freeaddrinfo(ai);
	pthread_mutex_destroy(&s.mu);
	return status;
}
