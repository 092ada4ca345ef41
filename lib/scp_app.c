#include "scp_app.h"
#include "scp_auth.h"
#include "scp_config.h"
#include "scp_http.h"
#include "scp_idem.h"
#include "scp_log.h"
#include "scp_metrics.h"
#include "scp_prefork.h"

#include <errno.h>
#include <fcgiapp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Statements every family needs. */
static const struct scp_stmt common_stmts[] = {
	/* Reachable, and migrated: one indexed lookup (also the bench's floor). */
	{ "scp_health", "SELECT 1 FROM schema_migrations WHERE version = '001_foundation.sql'" },
	SCP_STMT_END,
};

struct app {
	const struct scp_family *fam;
	const char *config_path;
	char socket_path[512];
	int workers;
	bool workers_fixed;	/* -n given: the command line wins over the file on SIGHUP */
};

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void handle_health(struct scp_req *r)
{
	PGresult *res = scp_q0(r, "scp_health");
	static const char ok[] = "{\"status\":\"ok\",\"database\":\"ok\"}";

	if (!res)
		return;
	if (PQntuples(res) != 1) {
		scp_add_header(r, "Retry-After: 5");
		scp_send_error(r, 503, "UNAVAILABLE", "database schema is not migrated", NULL);
		return;
	}
	scp_send(r, 200, ok, sizeof(ok) - 1);
}

/* Liveness without the database: the cheapest full trip through nginx and a worker. */
static void handle_ping(struct scp_req *r)
{
	static const char pong[] = "{\"status\":\"ok\"}";

	scp_send(r, 200, pong, sizeof(pong) - 1);
}

static void handle_metrics(struct scp_req *r)
{
	FCGX_Stream *o = r->fcgi->out;

	scp_buf_reset(r->out);
	/* Every family's counters and the job queue, in one page (scp_metrics.h). */
	scp_metrics_render(r->out, scp_db_ready(r->db) ? r->db->conn : NULL);
	r->status = 200;
	char head[128];
	int n = snprintf(head, sizeof(head), "Status: 200 OK\r\nContent-Type: text/plain; "
			 "version=0.0.4\r\nContent-Length: %lu\r\n\r\n",
			 (unsigned long)r->out->len);

	FCGX_PutStr(head, n, o);
	FCGX_PutStr(r->out->ptr, (int)r->out->len, o);
}

/* Every family answers these, before its own routes. */
static const struct scp_route builtin_routes[] = {
	{ "GET", "/ping", handle_ping, SCP_PUBLIC | SCP_NO_DB },
	{ "GET", "/metrics", handle_metrics, SCP_PUBLIC | SCP_NO_DB },
	{ "GET", "/health", handle_health, SCP_PUBLIC },
	SCP_ROUTES_END,
};

#define NBUILTIN (sizeof(builtin_routes) / sizeof(builtin_routes[0]) - 1)

/* Name every route to the metrics, builtins first: route i's number is its place. */
static void metrics_routes(const struct scp_family *fam)
{
	for (size_t i = 0; i < NBUILTIN; i++)
		scp_metrics_route(builtin_routes[i].method, builtin_routes[i].pattern);
	for (const struct scp_route *rt = fam->routes; rt->method; rt++)
		scp_metrics_route(rt->method, rt->pattern);
}

/* The metrics number of a route found by find_route (NULL: -1, "unmatched"). */
static int route_metric(const struct scp_family *fam, const struct scp_route *route)
{
	uintptr_t p = (uintptr_t)route, b = (uintptr_t)builtin_routes;

	if (!route)
		return -1;
	if (p >= b && p < b + sizeof(builtin_routes))
		return (int)(route - builtin_routes);
	return (int)(NBUILTIN + (size_t)(route - fam->routes));
}

static const struct scp_route *find_route(struct scp_req *r, const struct scp_family *fam)
{
	const struct scp_route *route;
	enum scp_match m = scp_route_find(builtin_routes, r, &route);

	if (m == SCP_MATCH_NO_PATH)
		m = scp_route_find(fam->routes, r, &route);
	if (m == SCP_MATCH_NO_PATH)
		scp_not_found(r);
	else if (m == SCP_MATCH_NO_METHOD)
		scp_send_error(r, 405, "METHOD_NOT_ALLOWED", "method not allowed", NULL);
	return m == SCP_MATCH_OK ? route : NULL;
}

/* *matched: the route found (NULL: none), which the metrics count the request under. */
static void dispatch(struct scp_req *r, const struct scp_family *fam,
		     const struct scp_route **matched)
{
	const struct scp_route *route;
	struct scp_idem idem = { 0 };

	*matched = NULL;
	if (r->query_error) {
		scp_bad_request(r, r->query_error);
		return;
	}
	if (!(route = find_route(r, fam)))
		return;
	*matched = route;
	r->profile_route = scp_profile_route(r->profile, r->method, route->pattern);
	if (!(route->flags & SCP_NO_DB) && !scp_db_ready(r->db)) {
		scp_metrics_db_down();
		scp_send_unavailable(r);
		return;
	}
	if (route->flags & SCP_ROLES_ALL) {
		if (!scp_auth_begin(r, true))
			return;
		/* The role is the token's; a dead session still answers 401 before 403. */
		if (!(route->flags & r->auth.role_bit)) {
			if (scp_req_confirm_caller(r))
				scp_forbidden(r, "your role may not do this");
			return;
		}
	} else if (route->flags & SCP_AUTH_OPTIONAL) {
		if (!scp_auth_begin(r, false))
			return;
	}
	if ((route->flags & SCP_IDEMPOTENT) && !scp_idem_begin(r, &idem))
		return;
	route->handler(r);
	if (!r->status) {
		scp_error("handler for %s %s sent no response", r->method, route->pattern);
		scp_send_internal(r);
	}
	scp_idem_end(r, &idem);
}

static void serve(int fd, void *arg)
{
	struct app *app = arg;
	struct scp_arena arena;
	struct scp_buf out = SCP_BUF_INIT, headers = SCP_BUF_INIT, fields = SCP_BUF_INIT;
	struct scp_db db;
	FCGX_Request fr;

	scp_arena_init(&arena, 64 * 1024);
	scp_db_init(&db, scp_cfg.database_url);
	scp_db_add_statements(&db, common_stmts);
	scp_db_add_statements(&db, scp_auth_stmts);
	scp_db_add_statements(&db, scp_idem_stmts);
	for (const struct scp_stmt *const *t = app->fam->stmts; *t; t++)
		scp_db_add_statements(&db, *t);
	scp_db_ready(&db);
	FCGX_InitRequest(&fr, fd, FCGI_FAIL_ACCEPT_ON_INTR);

	while (scp_prefork_wait(fd)) {
		struct scp_req r;
		const struct scp_route *route;
		long long t0;
		int rc = FCGX_Accept_r(&fr);

		/* Another worker took the connection (the socket is non-blocking). */
		if (rc == -EAGAIN || rc == -EWOULDBLOCK || rc == -EINTR)
			continue;
		if (rc < 0)
			break;
		t0 = now_us();

		scp_req_init(&r, &fr, &arena, &db, &out, &headers, &fields);
		scp_log_set_request(r.request_id);
		dispatch(&r, app->fam, &route);
		if (r.json)
			json_object_put(r.json);
		/* Log before finishing: the request's parameters die with FCGX_Finish_r. */
		scp_metrics_request(route_metric(app->fam, route), r.status, now_us() - t0);
		scp_log_request(r.method, r.path, r.status, (double)(now_us() - t0) / 1000.0,
				r.auth.user_id);
		scp_log_set_request(NULL);
		FCGX_Finish_r(&fr);
		/* Release the request's results now, not when the next request comes. */
		scp_arena_reset(&arena);
		/* A huge response must not pin its memory for the life of the worker. */
		scp_buf_trim(&out, 1 << 20);
	}
	FCGX_Free(&fr, 1);
	scp_db_close(&db);
	scp_buf_release(&out);
	scp_buf_release(&headers);
	scp_buf_release(&fields);
	scp_arena_free(&arena);
}

/* SIGHUP: the file tried in a child first (scp_prefork_config_reload). */
static bool reload(void *arg)
{
	const struct app *app = arg;

	return scp_prefork_config_reload(app->config_path);
}

/* After a SIGHUP: the pool's new size, from the file unless -n fixed it. */
static int worker_count(void *arg)
{
	struct app *app = arg;

	return app->workers_fixed ? app->workers : (int)scp_cfg.workers;
}

/* -h and --help: the usage on stdout, exit 0; a bad option: the same on stderr, exit 2. */
static void usage(FILE *to, const char *prog)
{
	fprintf(to,
		"usage: %s [-c CONFIG] [-s SOCKET] [-n WORKERS]\n"
		"       %s --routes | --version | --help\n"
		"The SCP FastCGI server of one resource family: a prefork master and its workers.\n"
		"  -c CONFIG   configuration file (default %s; $SCP_CONFIG overrides it,\n"
		"              SCP_<KEY> variables override its keys)\n"
		"  -s SOCKET   listen on this Unix socket (default socket_dir/%s.sock; a socket\n"
		"              handed over by systemd, LISTEN_FDS, is used when there is one)\n"
		"  -n WORKERS  worker processes (default: workers in the configuration)\n"
		"  --routes    print the family's routes, one \"METHOD /pattern\" a line\n"
		"  --version   print the version\n"
		"  --help, -h  print this help\n"
		"See scp-family(8) and scp.conf(5).\n",
		prog, prog, scp_config_default_path(), prog);
}

static int print_routes(const struct scp_family *fam)
{
	for (const struct scp_route *rt = fam->routes; rt->method; rt++)
		printf("%s %s\n", rt->method, rt->pattern);
	return 0;
}

int scp_app_main(int argc, char **argv, const struct scp_family *fam)
{
	struct app app = { .fam = fam };
	struct scp_prefork pf;
	char prog[64];
	const char *sock = NULL;
	int opt;

	snprintf(prog, sizeof(prog), "scp-%s", fam->name);
	if (argc == 2 && !strcmp(argv[1], "--routes"))
		return print_routes(fam);
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("%s (%s) %s\n", prog, PACKAGE_NAME, PACKAGE_VERSION);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--help")) {
		usage(stdout, prog);
		return 0;
	}
	while ((opt = getopt(argc, argv, "c:s:n:h")) != -1) {
		switch (opt) {
		case 'c': app.config_path = optarg; break;
		case 's': sock = optarg; break;
		case 'n': app.workers = atoi(optarg); break;
		case 'h': usage(stdout, prog); return 0;
		default: usage(stderr, prog); return 2;
		}
	}
	if (!scp_prefork_config_load(app.config_path))
		return 2;
	scp_log_init(prog, scp_cfg.log_level);
	scp_log_set_format(scp_cfg.log_format);
	if (sock)
		snprintf(app.socket_path, sizeof(app.socket_path), "%s", sock);
	else
		snprintf(app.socket_path, sizeof(app.socket_path), "%s/%s.sock",
			 scp_cfg.socket_dir, prog);
	app.workers_fixed = app.workers > 0;
	if (app.workers <= 0)
		app.workers = (int)scp_cfg.workers;
	scp_metrics_init(fam->name);
	metrics_routes(fam);
	pf = (struct scp_prefork){ .socket_path = app.socket_path, .workers = app.workers,
				   .worker = serve, .reload = reload,
				   .worker_count = worker_count, .arg = &app };
	return scp_prefork_run(&pf);
}
