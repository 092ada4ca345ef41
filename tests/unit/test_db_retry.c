/*
 * test_db_retry: the connection dies between scp_db_ready's check and the request's
 * first statement (the race a restart can leave after the idle check): the statement is
 * run again on a new connection and succeeds, the reconnect is counted; a later
 * statement of the same request is not run again (SCP_DB_DOWN).
 *
 * Needs a PostgreSQL: SCP_TEST_DATABASE_URL (tests/t/core-066-faults.t sets it to the
 * test stack's); under plain `make check` it skips.
 */
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_db.h"
#include "scp_metrics.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct scp_stmt stmts[] = {
	{ "probe_one", "SELECT 1" },
	SCP_STMT_END,
};

/* End db's session from another connection, and wait until its socket has the end. */
static bool kill_session(struct scp_db *db, const char *url)
{
	PGconn *other = PQconnectdb(url);
	char sql[96];
	PGresult *r;
	bool ok;

	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%d)", PQbackendPID(db->conn));
	r = PQexec(other, sql);
	ok = PQresultStatus(r) == PGRES_TUPLES_OK && !strcmp(PQgetvalue(r, 0, 0), "t");
	PQclear(r);
	PQfinish(other);
	usleep(300000);
	return ok;
}

static bool page_has(const char *s)
{
	struct scp_buf out = SCP_BUF_INIT;
	bool found;

	scp_metrics_render(&out, NULL);
	found = strstr(out.ptr, s) != NULL;
	scp_buf_release(&out);
	return found;
}

int main(void)
{
	const char *url = getenv("SCP_TEST_DATABASE_URL");
	struct scp_db db;
	PGresult *res;
	int pid;

	if (!url || !*url) {
		skip("SCP_TEST_DATABASE_URL is not set (tests/t/core-066-faults.t sets it)");
		return done_testing();
	}
	/* No segment file: this process's counters are its own (the page shows them alone). */
	scp_cfg.socket_dir = "/nonexistent-scp-socket-dir";
	scp_db_init(&db, url);
	scp_db_add_statements(&db, stmts);
	ok(scp_db_ready(&db), "connected");
	pid = PQbackendPID(db.conn);

	/* The check passed; then the session ends before the first statement. */
	ok(kill_session(&db, url), "the session is terminated from outside");
	is_int(scp_db_exec(&db, "probe_one", 0, NULL, &res), SCP_DB_OK,
	       "the first statement is run again on a new connection");
	ok(res && !strcmp(PQgetvalue(res, 0, 0), "1"), "with its answer");
	PQclear(res);
	ok(db.conn && PQbackendPID(db.conn) != pid, "on another session");
	ok(page_has("scp_db_reconnects_total{family=\"\"} 1\n"), "the reconnect is counted");

	/* A later statement of the same request: its session is gone, so is its state. */
	ok(kill_session(&db, url), "terminated again, after the request's first statement");
	is_int(scp_db_exec(&db, "probe_one", 0, NULL, &res), SCP_DB_DOWN,
	       "a second statement is not run again: SCP_DB_DOWN");
	PQclear(res);
	ok(scp_db_ready(&db), "the next request reconnects");
	is_int(scp_db_exec(&db, "probe_one", 0, NULL, &res), SCP_DB_OK, "and is served");
	PQclear(res);
	scp_db_close(&db);
	return done_testing();
}
