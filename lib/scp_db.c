#include "scp_db.h"
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_log.h"
#include "scp_metrics.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* More SQL-visible settings than this is a build error (see session_setup). */
#define MAX_SETTINGS 32

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void scp_db_init(struct scp_db *db, const char *conninfo)
{
	memset(db, 0, sizeof(*db));
	db->conninfo = conninfo;
}

void scp_db_add_statements(struct scp_db *db, const struct scp_stmt *stmts)
{
	/* A program's tables are fixed at build time; more than this is a build error. */
	if (db->nsets == SCP_DB_MAX_SETS)
		abort();
	db->sets[db->nsets++] = stmts;
}

static bool prepare_all(struct scp_db *db)
{
	for (int s = 0; s < db->nsets; s++) {
		for (const struct scp_stmt *st = db->sets[s]; st->name; st++) {
			PGresult *r = PQprepare(db->conn, st->name, st->sql, 0, NULL);
			bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;

			if (!ok)
				scp_error("libpq: prepare %s: %s", st->name, PQerrorMessage(db->conn));
			PQclear(r);
			if (!ok)
				return false;
		}
	}
	return true;
}

static void drop(struct scp_db *db)
{
	PQfinish(db->conn);
	db->conn = NULL;
}

/*
 * The session's settings, in one round trip: UTC, so that timestamps leave as RFC 3339
 * with a +00:00 offset, and every configuration key SQL reads (scp_config_sql_key) as
 * scp.<key>, so that functions find it with current_setting() instead of taking it as a
 * parameter of each call (DESIGN §3).  Session-level: a rollback keeps them.
 */
static bool session_setup(PGconn *c)
{
	struct scp_buf sql = SCP_BUF_INIT;
	char values[MAX_SETTINGS][24];
	const char *params[MAX_SETTINGS];
	const char *name, *text;
	long v;
	int n = 0;
	PGresult *r;
	bool ok;

	scp_buf_adds(&sql, "SELECT set_config('TimeZone', 'UTC', false)");
	for (size_t i = 0; scp_config_sql_key(i, &name, &text, &v); i++) {
		if (n == MAX_SETTINGS)
			abort();
		snprintf(values[n], sizeof(values[n]), "%ld", v);
		params[n] = text ? text : values[n];
		n++;
		scp_buf_addf(&sql, ", set_config('scp.%s', $%d, false)", name, n);
	}
	r = PQexecParams(c, sql.ptr, n, NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		scp_error("libpq: session settings: %s", PQerrorMessage(c));
	PQclear(r);
	scp_buf_release(&sql);
	return ok;
}

/* The server's notices and warnings, in the log like everything else (one line each). */
static void on_notice(void *arg, const char *message)
{
	(void)arg;
	scp_warn("libpq: %s", message);
}

static bool connect_now(struct scp_db *db)
{
	long long t = now_ms();

	/*
	 * While the server cannot be reached and an attempt is slow (a host that does not
	 * answer: connect_timeout), try at most every 250 ms so requests fail fast.  An attempt
	 * refused at once (the socket is missing, the server is starting up) is cheap: the
	 * next request tries again, so the first one after the server is back succeeds.
	 */
	if (t < db->next_try_ms)
		return false;
	/*
	 * The program's name as the session's application_name, so that pg_stat_activity
	 * and the server's log tell scp-bids' backends from scp-worker's; a conninfo that
	 * sets application_name keeps its own.
	 */
	db->conn = PQconnectdbParams((const char *const[]){ "dbname",
							    "fallback_application_name", NULL },
				     (const char *const[]){ db->conninfo, scp_log_progname(), NULL },
				     1);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		scp_warn("libpq: database unreachable: %s", PQerrorMessage(db->conn));
		drop(db);
		db->next_try_ms = now_ms() - t > 50 ? now_ms() + 250 : 0;
		return false;
	}
	PQsetNoticeProcessor(db->conn, on_notice, NULL);
	if (!session_setup(db->conn) || !prepare_all(db)) {
		drop(db);
		return false;
	}
	db->next_try_ms = 0;
	if (db->had_conn) {
		scp_info("libpq: database connection reopened");
		scp_metrics_db_reconnect();
	}
	db->had_conn = true;
	return true;
}

/*
 * The server closes idle sessions on shutdown; that shows up as a readable socket: its
 * FATAL message first, then the end of the stream.  One read may take only the message,
 * so read while the socket stays readable (a LISTEN connection's notifications too) and
 * the end is seen here, before a request's statement is sent on a dead connection.
 */
static bool idle_conn_alive(struct scp_db *db)
{
	struct pollfd p = { .fd = PQsocket(db->conn), .events = POLLIN };

	if (PQstatus(db->conn) != CONNECTION_OK || p.fd < 0)
		return false;
	for (int i = 0; i < 8 && poll(&p, 1, 0) > 0; i++)
		if (!PQconsumeInput(db->conn) || PQstatus(db->conn) != CONNECTION_OK)
			return false;
	return PQstatus(db->conn) == CONNECTION_OK;
}

/*
 * After a call failed: was it the connection, lost before anything of the request ran on
 * it?  Then it is reopened (statements prepared again) and the caller runs the call once
 * more.  Only for the first call since scp_db_ready: a later one may follow statements
 * the old session ran (a transaction's), which a new session cannot continue.
 */
static bool reopen_for_retry(struct scp_db *db, bool first, const char *what)
{
	if (!first || !db->conn || PQstatus(db->conn) == CONNECTION_OK)
		return false;
	scp_warn("libpq: %s: connection lost, reconnecting to run it again: %s", what,
		 PQerrorMessage(db->conn));
	drop(db);
	db->next_try_ms = 0;
	return connect_now(db);
}

bool scp_db_ready(struct scp_db *db)
{
	if (db->conn && !idle_conn_alive(db)) {
		scp_warn("database connection lost; reconnecting");
		drop(db);
	}
	if (!db->conn && !connect_now(db))
		return false;
	if (PQtransactionStatus(db->conn) != PQTRANS_IDLE) {
		if (scp_db_simple(db, "ROLLBACK") != SCP_DB_OK) {
			drop(db);
			return false;
		}
	}
	db->calls = 0;
	return true;
}

enum scp_db_status scp_db_exec(struct scp_db *db, const char *name, int nparams,
			       const char *const *params, PGresult **res)
{
	bool first = db->calls++ == 0;

	*res = NULL;
	if (!db->conn && !connect_now(db))
		return SCP_DB_DOWN;
	*res = PQexecPrepared(db->conn, name, nparams, params, NULL, NULL, 0);
	if (scp_db_result_ok(*res))
		return SCP_DB_OK;
	if (reopen_for_retry(db, first, name)) {
		PQclear(*res);
		*res = PQexecPrepared(db->conn, name, nparams, params, NULL, NULL, 0);
		if (scp_db_result_ok(*res))
			return SCP_DB_OK;
	}
	if (PQstatus(db->conn) != CONNECTION_OK) {
		PQclear(*res);
		*res = NULL;
		drop(db);
		return SCP_DB_DOWN;
	}
	return SCP_DB_ERROR;
}

static bool send_call(PGconn *c, const struct scp_db_call *q)
{
	return PQsendQueryPrepared(c, q->name, q->n, q->params, NULL, NULL, 0);
}

/*
 * Read a pipeline of n statements up to its sync.  Each statement's results end with a
 * NULL from PQgetResult; the first result of statement i goes to res[i].
 */
static bool read_pipeline(PGconn *c, PGresult **res, int n)
{
	int i = 0;

	while (PQstatus(c) == CONNECTION_OK) {
		PGresult *r = PQgetResult(c);

		if (!r) {
			if (++i > n)
				return false;	/* no sync coming: the connection is not sane */
			continue;
		}
		if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			return i == n && PQexitPipelineMode(c);
		}
		if (i < n && !res[i])
			res[i] = r;
		else
			PQclear(r);
	}
	return false;
}

static bool run_pipeline(PGconn *c, const struct scp_db_call *first,
			 const struct scp_db_call *second, PGresult **res)
{
	return PQenterPipelineMode(c) && send_call(c, first) && send_call(c, second) &&
	       PQpipelineSync(c) && read_pipeline(c, res, 2) && res[0] && res[1];
}

bool scp_db_result_ok(const PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);

	return st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
}

enum scp_db_status scp_db_exec_pair(struct scp_db *db, const struct scp_db_call *first,
				    const struct scp_db_call *second, PGresult **res1,
				    PGresult **res2)
{
	PGresult *res[2] = { NULL, NULL };
	bool once = db->calls++ == 0, ok;

	*res1 = *res2 = NULL;
	if (!db->conn && !connect_now(db))
		return SCP_DB_DOWN;
	ok = run_pipeline(db->conn, first, second, res);
	if (!ok && reopen_for_retry(db, once, first->name)) {
		PQclear(res[0]);
		PQclear(res[1]);
		res[0] = res[1] = NULL;
		ok = run_pipeline(db->conn, first, second, res);
	}
	if (!ok) {
		/* Half a pipeline leaves the connection in an unknown state: start afresh. */
		scp_warn("libpq: pipeline %s, %s: %s", first->name, second->name,
			 PQerrorMessage(db->conn));
		PQclear(res[0]);
		PQclear(res[1]);
		drop(db);
		return SCP_DB_DOWN;
	}
	*res1 = res[0];
	*res2 = res[1];
	return scp_db_result_ok(res[0]) && scp_db_result_ok(res[1]) ? SCP_DB_OK : SCP_DB_ERROR;
}

enum scp_db_status scp_db_simple(struct scp_db *db, const char *sql)
{
	bool first = db->calls++ == 0;
	PGresult *r;

	if (!db->conn && !connect_now(db))
		return SCP_DB_DOWN;
	r = PQexec(db->conn, sql);
	if (!scp_db_result_ok(r) && reopen_for_retry(db, first, sql)) {
		PQclear(r);
		r = PQexec(db->conn, sql);
	}
	if (!scp_db_result_ok(r)) {
		scp_error("libpq: %s: %s", sql, PQerrorMessage(db->conn));
		PQclear(r);
		if (PQstatus(db->conn) != CONNECTION_OK) {
			drop(db);
			return SCP_DB_DOWN;
		}
		return SCP_DB_ERROR;
	}
	PQclear(r);
	return SCP_DB_OK;
}

const char *scp_db_sqlstate(const PGresult *res)
{
	const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return s ? s : "";
}

void scp_db_close(struct scp_db *db)
{
	if (db->conn)
		drop(db);
}
