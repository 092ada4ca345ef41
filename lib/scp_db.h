/*
 * scp_db: one persistent PostgreSQL connection per worker.
 *
 * Statements are declared in static tables ({name, sql}) and prepared once per
 * connection, right after it opens.  Before that the connection sets its time zone to
 * UTC and every configuration key SQL reads as scp.<key> (scp_config_sql_key: the keys
 * marked Q in scp_config.c), with the values of scp_cfg at that moment.  A lost connection is noticed before the next
 * request (the server's goodbye makes the idle socket readable) and reopened; while
 * the server cannot be reached, calls fail fast with SCP_DB_DOWN and the HTTP layer
 * answers 503 with Retry-After.  When the first call after scp_db_ready fails because
 * the connection was lost (the server restarted between the check and the send), the
 * connection is reopened and the call run once more, so a restarted server costs no
 * failed request; a later call of the request is not (its transaction died with the
 * session).  Reopened connections are counted (scp_db_reconnects_total).  A connection left inside a transaction is rolled back
 * before reuse.
 */
#ifndef SCP_DB_H
#define SCP_DB_H

#include <libpq-fe.h>
#include <stdbool.h>

struct scp_stmt {
	const char *name;
	const char *sql;
};
/* Every statement table ends with this. */
#define SCP_STMT_END { NULL, NULL }

#define SCP_DB_MAX_SETS 16

struct scp_db {
	PGconn *conn;
	const char *conninfo;
	const struct scp_stmt *sets[SCP_DB_MAX_SETS];	/* tables prepared on connect */
	int nsets;
	long long next_try_ms;	/* no reconnect attempt before this (monotonic ms) */
	bool had_conn;		/* a connection was open before: the next one is a reconnect */
	int calls;		/* calls since scp_db_ready: only the first is run again */
};

enum scp_db_status {
	SCP_DB_OK,
	SCP_DB_DOWN,	/* connection lost or cannot be opened */
	SCP_DB_ERROR,	/* the statement failed; see the result's SQLSTATE */
};

void scp_db_init(struct scp_db *db, const char *conninfo);
/* Add a table of statements (ending with SCP_STMT_END), prepared on every (re)connect. */
void scp_db_add_statements(struct scp_db *db, const struct scp_stmt *stmts);
/* Make sure the connection is usable: reopen, roll back a stray transaction. */
bool scp_db_ready(struct scp_db *db);
/*
 * Run a prepared statement with text parameters (NULL = SQL NULL).  On SCP_DB_OK *res is
 * a result with status TUPLES_OK or COMMAND_OK; on SCP_DB_ERROR *res holds the error
 * (clear it); on SCP_DB_DOWN *res is NULL.
 */
enum scp_db_status scp_db_exec(struct scp_db *db, const char *name, int nparams,
			       const char *const *params, PGresult **res);
/* One statement of a pipeline: a prepared statement's name and text parameters. */
struct scp_db_call {
	const char *name;
	int n;
	const char *const *params;
};
/*
 * Run two prepared statements in one round trip (a libpq pipeline).  They share one
 * implicit transaction: when the first fails, the second does not run and nothing of
 * either is committed.  SCP_DB_OK when both succeeded; SCP_DB_ERROR when one failed
 * (its result holds the error; the other's is NULL or PGRES_PIPELINE_ABORTED); on
 * SCP_DB_DOWN both are NULL.  The caller clears what is not NULL.
 */
enum scp_db_status scp_db_exec_pair(struct scp_db *db, const struct scp_db_call *first,
				    const struct scp_db_call *second, PGresult **res1,
				    PGresult **res2);
/* Run plain SQL without parameters (BEGIN, COMMIT, LISTEN). */
enum scp_db_status scp_db_simple(struct scp_db *db, const char *sql);
const char *scp_db_sqlstate(const PGresult *res);
/* Did res succeed (rows or a command)? */
bool scp_db_result_ok(const PGresult *res);
void scp_db_close(struct scp_db *db);

#endif
