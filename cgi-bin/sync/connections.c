/*
 * A supplier's store connections: the list, disconnecting one, and the sealing of the
 * secrets every kind of connection keeps.
 *
 * Disconnecting keeps the row, its sales log being history, but drops its secrets and
 * stops its sync: nothing can call the store with them any more.  Connecting the same
 * store again makes the row active with new secrets.
 */
#include "sync.h"
#include "scp_buf.h"
#include "scp_log.h"
#include "scp_page.h"
#include "scp_secret.h"

#include <stdio.h>
#include <string.h>

#define CONN_ORDER(X) X "created_at DESC, " X "id"

const struct scp_stmt sync_connections_stmts[] = {
	/* $1 supplier, $2 page, $3 size. */
	{ "conn_list",
	  SCP_PAGED("SELECT c.id, c.created_at FROM store_connections c WHERE c.supplier_id = $1",
		    CONN_ORDER, "p JOIN store_connections c ON c.id = p.id",
		    "scp_store_connection_json(c)", "$2", "$3") },
	/* $1 connection, $2 supplier. */
	{ "conn_disconnect", "SELECT scp_store_disconnect($1, $2)" },
	SCP_STMT_END,
};

bool sync_secrets_ready(struct scp_req *r)
{
	if (scp_secret_ready())
		return true;
	scp_error("refusing to store a store secret: secrets_key is not configured");
	scp_send_error(r, 503, "UNAVAILABLE",
		       "store connections are not available: the server has no secrets_key "
		       "to encrypt store credentials with", NULL);
	return false;
}

const char *sync_seal(struct scp_req *r, const char *id, const char *field, const char *plain)
{
	char aad[96];
	const char *sealed;

	snprintf(aad, sizeof(aad), "%s:%s", id, field);
	if (!(sealed = scp_secret_seal_text(r->arena, plain, aad))) {
		scp_error("sealing %s of connection %s failed", field, id);
		scp_send_internal(r);
	}
	return sealed;
}

void sync_connections_list(struct scp_req *r)
{
	struct scp_page pg;
	PGresult *res;

	if (!scp_page_parse(r, &pg))
		return;
	res = scp_q(r, "conn_list", r->auth.supplier_id, pg.page_text, pg.size_text);
	if (res)
		scp_send_row_json(r, 200, res);
}

void sync_connection_delete(struct scp_req *r)
{
	PGresult *res = scp_q(r, "conn_disconnect", r->params[0], r->auth.supplier_id);

	if (res)
		scp_send_row_json(r, 200, res);
}
