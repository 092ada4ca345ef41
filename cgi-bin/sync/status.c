/*
 * The sync's controls and state (seed 004's /sync routes): queue a pass now (POST /sync)
 * or a pull of the stores' recent orders (POST /sync/pull-orders), both run by
 * scp-worker and answered 202 with the job; pause and resume the periodic pass; the
 * state of every store; the sync errors kept until a retry or a person resolves them.
 * The rules are in sql/functions/94_sync.sql.
 */
#include "prokip.h"
#include "scp_page.h"
#include "scp_query.h"

#define ERRORS_NEWEST(X) X "created_at DESC, " X "id DESC"

static const char *const error_states[] = { "open", "resolved", "all", NULL };

const struct scp_stmt sync_status_stmts[] = {
	{ "sync_request", "SELECT scp_sync_request($1, $2)" },
	{ "sync_pause", "SELECT scp_sync_pause($1, $2::boolean)" },
	{ "sync_status", "SELECT scp_sync_status($1)" },
	/* $1 supplier, $2 connection or NULL, $3 open|resolved|all, $4 page, $5 size */
	{ "sync_errors",
	  SCP_PAGED("SELECT e.id, e.created_at FROM sync_errors e WHERE e.supplier_id = $1"
		    " AND ($2::uuid IS NULL OR e.connection_id = $2::uuid)"
		    " AND CASE $3 WHEN 'open' THEN e.resolved_at IS NULL"
		    " WHEN 'resolved' THEN e.resolved_at IS NOT NULL ELSE true END",
		    ERRORS_NEWEST, "p JOIN sync_errors e ON e.id = p.id",
		    "scp_sync_error_json(e)", "$4", "$5") },
	{ "sync_error_resolve", "SELECT scp_sync_error_resolve($1, $2, $3)" },
	SCP_STMT_END,
};

static void request(struct scp_req *r, const char *kind)
{
	PGresult *res;

	if (!scp_req_json_opt(r))
		return;
	res = scp_q(r, "sync_request", r->auth.supplier_id, kind);
	if (res)
		scp_send_row_json(r, 202, res);
}

void sync_pass_request(struct scp_req *r)
{
	request(r, "sync_pass");
}

void sync_pull_request(struct scp_req *r)
{
	request(r, "sync_pull_orders");
}

static void pause_to(struct scp_req *r, const char *paused)
{
	PGresult *res;

	if (!scp_req_json_opt(r))
		return;
	res = scp_q(r, "sync_pause", r->auth.supplier_id, paused);
	if (res)
		scp_send_row_json(r, 200, res);
}

void sync_pause(struct scp_req *r)
{
	pause_to(r, "true");
}

void sync_resume(struct scp_req *r)
{
	pause_to(r, "false");
}

void sync_status(struct scp_req *r)
{
	PGresult *res = scp_q(r, "sync_status", r->auth.supplier_id);

	if (res)
		scp_send_row_json(r, 200, res);
}

/* ?status=open (default)|resolved|all, ?connection_id=, paged. */
void sync_errors_list(struct scp_req *r)
{
	struct scp_page pg;
	const char *st, *conn;
	PGresult *res;

	if (!scp_page_parse(r, &pg) || !scp_query_enum(r, "status", error_states, &st) ||
	    !scp_query_uuid(r, "connection_id", &conn))
		return;
	res = scp_q(r, "sync_errors", r->auth.supplier_id, conn, st ? st : "open", pg.page_text,
		    pg.size_text);
	if (res)
		scp_send_row_json(r, 200, res);
}

void sync_error_resolve(struct scp_req *r)
{
	PGresult *res;

	if (!scp_req_json_opt(r))
		return;
	res = scp_q(r, "sync_error_resolve", r->params[0], r->auth.supplier_id, r->auth.user_id);
	if (res)
		scp_send_row_json(r, 200, res);
}
