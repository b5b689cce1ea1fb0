/*
 * cmd_serve.c: attache serve -i INDEX [--listen HOST:PORT] [OPTIONS]
 *
 * Reads the options into a srv_config and runs the server (server/).
 * The token for writes is read from a file, never from the command line,
 * where other users could see it in the process list.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "server.h"

static void serve_usage(FILE *f)
{
	fprintf(f,
	        "usage: attache serve -i INDEX [OPTIONS]\n"
	        "\n"
	        "Serves the index over HTTP: a JSON API (docs/HTTP.md) and a search\n"
	        "page at /. Stops on SIGTERM or SIGINT, after the requests in flight,\n"
	        "committing accepted writes.\n"
	        "\n"
	        "  -i, --index DIR            the index (created with --token-file)\n"
	        "  -l, --listen HOST:PORT     address (default 127.0.0.1:8080; port 0\n"
	        "                             picks a free one; [::1]:PORT for IPv6)\n"
	        "      --token-file FILE      allow writes to clients that send\n"
	        "                             'Authorization: Bearer' and the token in\n"
	        "                             FILE (16 bytes or more); default: read-only\n"
	        "      --commit-interval S    commit pending writes at most every S\n"
	        "                             seconds (default 1)\n"
	        "      --language LANG        stemming language of a new index\n"
	        "      --threads N            worker threads (default 4)\n"
	        "      --max-body SIZE        request body limit (default 16M)\n"
	        "      --max-query BYTES      query length limit (default 16384; the\n"
	        "                             library reads the first 8192)\n"
	        "      --max-hits N           results per page limit (default 100)\n"
	        "      --max-offset N         paging depth limit (default 10000)\n"
	        "      --max-header SIZE      request line and headers (default 32K)\n"
	        "      --request-timeout S    time to send a request, and idle time\n"
	        "                             before a connection is closed (30)\n"
	        "      --max-connections N    open connections at once (default 512)\n"
	        "  -h, --help                 this help\n");
}

/* Reads the token from PATH into C: its first line, without trailing
 * white space. 0, or -1 with a message on stderr. */
static int read_token(srv_config *c, const char *path)
{
	char buf[4096];
	struct stat st;
	size_t n;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		fprintf(stderr, "attache serve: %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof buf - 1, f);
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077) != 0)
		fprintf(stderr, "attache serve: warning: %s can be read by other "
		        "users (chmod 600 it)\n", path);
	fclose(f);
	buf[n] = '\0';
	n = strcspn(buf, "\n");
	while (n > 0 && strchr(" \t\r", buf[n - 1]) != NULL)
		n--;
	buf[n] = '\0';
	if (n < 16) {
		fprintf(stderr, "attache serve: %s: the token must be at least 16 "
		        "bytes (e.g. head -c 24 /dev/urandom | base64)\n", path);
		return -1;
	}
	c->token = strdup(buf);
	c->token_len = n;
	return c->token ? 0 : -1;
}

/* Splits HOST:PORT, [V6]:PORT, :PORT or PORT. HOST points into S. */
static int parse_listen(srv_config *c, char *s)
{
	char *colon = strrchr(s, ':');
	size_t port;

	if (s[0] == '[') {
		char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			return -1;
		*close = '\0';
		c->host = s + 1;
		colon = close + 1;
	} else if (colon == NULL) {
		colon = s - 1; /* PORT alone */
	} else if (colon > s) {
		*colon = '\0';
		c->host = s;
	}
	if (cli_parse_count(&port, colon + 1) != 0 || port > 65535)
		return -1;
	c->port = (unsigned)port;
	return 0;
}

static int set_opt(srv_config *c, int opt, char *arg)
{
	size_t v;

	switch (opt) {
	case 'i': c->index = arg; return 0;
	case 'l': return parse_listen(c, arg);
	case 'L': c->language = arg; return 0;
	case 'B': return cli_parse_size(&c->max_body, arg) || c->max_body == 0 ? -1 : 0;
	case 'H': return cli_parse_size(&c->max_header, arg) ||
	                 c->max_header < 1024 ? -1 : 0;
	case 'Q': return cli_parse_count(&c->max_query, arg) || c->max_query == 0;
	case 'N': return cli_parse_count(&c->max_hits, arg) || c->max_hits == 0 ||
	                 c->max_hits > 10000 ? -1 : 0;
	case 'O': return cli_parse_count(&c->max_offset, arg) ||
	                 c->max_offset > 100000 ? -1 : 0;
	default: break;
	}
	if (cli_parse_count(&v, arg) != 0 || v == 0 || v > 1000000)
		return -1;
	switch (opt) {
	case 'C': c->commit_interval = (unsigned)v; break;
	case 'T': if (v > 256) return -1; c->threads = (unsigned)v; break;
	case 'R': c->request_timeout = (unsigned)v; break;
	case 'M': c->max_connections = (unsigned)v; break;
	default: return -1;
	}
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "index", required_argument, NULL, 'i' },
		{ "listen", required_argument, NULL, 'l' },
		{ "token-file", required_argument, NULL, 't' },
		{ "commit-interval", required_argument, NULL, 'C' },
		{ "language", required_argument, NULL, 'L' },
		{ "threads", required_argument, NULL, 'T' },
		{ "max-body", required_argument, NULL, 'B' },
		{ "max-query", required_argument, NULL, 'Q' },
		{ "max-hits", required_argument, NULL, 'N' },
		{ "max-offset", required_argument, NULL, 'O' },
		{ "max-header", required_argument, NULL, 'H' },
		{ "request-timeout", required_argument, NULL, 'R' },
		{ "max-connections", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *token_file = NULL;
	srv_config c;
	int opt, rc;

	srv_config_init(&c);
	while ((opt = getopt_long(argc, argv, "i:l:h", longs, NULL)) != -1) {
		if (opt == 'h') {
			serve_usage(stdout);
			return 0;
		}
		if (opt == 't') {
			token_file = optarg;
			continue;
		}
		if (opt == '?' || set_opt(&c, opt, optarg) != 0) {
			if (opt != '?')
				fprintf(stderr, "attache serve: invalid value '%s'\n", optarg);
			serve_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (c.index == NULL || optind != argc) {
		serve_usage(stderr);
		return EXIT_USAGE;
	}
	if (token_file != NULL && read_token(&c, token_file) != 0)
		return EXIT_USAGE;
	if (strcmp(c.host, "127.0.0.1") != 0 && strcmp(c.host, "::1") != 0 &&
	    strcmp(c.host, "localhost") != 0)
		fprintf(stderr, "attache serve: warning: listening on %s, beyond this "
		        "machine; plain HTTP, put a TLS proxy in front\n", c.host);
	rc = srv_run(&c);
	free(c.token);
	return rc == 0 ? 0 : rc == 2 ? EXIT_INTERNAL : EXIT_USAGE;
}
