/*
 * A store's pages in seed 004's dashboard: its products, its orders, its figures, and
 * the sync and the pull asked for from them.  Answered from what the sync holds, not by
 * calling the store on every page view: the products are the SKUs of Prokip's stock
 * report the sync keeps in the store (with what the store holds of each, from the
 * inventory cache), the orders the paid store orders SCP recorded once each (the sales
 * log).  ?connection_id names the store; without it, the supplier's first.  The rules
 * are in sql/functions/94_sync.sql.
 *
 * The dashboard's Prokip pages are answered the same way: the location's products as
 * the last pass read Prokip's stock report, and the sales SCP recorded from the stores
 * and sends to Prokip (not Prokip's own, from its point of sale: SCP never reads those).
 */
#include "prokip.h"
#include "scp_page.h"
#include "scp_query.h"
#include "scp_text.h"
#include "scp_validate.h"

#define PRODUCT_ORDER(X) X "sku"
#define ORDER_NEWEST(X) X "created_at DESC, " X "id DESC"

const struct scp_stmt sync_stores_stmts[] = {
	{ "store_pick", "SELECT scp_store_pick($1, $2::uuid)" },
	/* $1 supplier, $2 connection (picked), $3 page, $4 size. */
	{ "store_products",
	  SCP_PAGED("SELECT ps.sku FROM prokip_stock ps WHERE ps.supplier_id = $1",
		    PRODUCT_ORDER,
		    "p JOIN prokip_stock ps ON ps.supplier_id = $1 AND ps.sku = p.sku"
		    " LEFT JOIN inventory_cache ic ON ic.connection_id = $2 AND ic.sku = p.sku",
		    "scp_store_product_json(ps, ic)", "$3", "$4") },
	/* The same parameters; the supplier's again, though its store was picked. */
	{ "store_orders",
	  SCP_PAGED("SELECT l.id, l.created_at FROM sales_log l"
		    " JOIN store_connections c ON c.id = l.connection_id AND c.supplier_id = $1"
		    " WHERE l.connection_id = $2",
		    ORDER_NEWEST, "p JOIN sales_log l ON l.id = p.id", "scp_store_order_json(l)",
		    "$3", "$4") },
	{ "store_analytics", "SELECT scp_store_analytics($1, $2::uuid)" },
	/* $1 supplier, $2 page, $3 size; the location beside the page (404 without one). */
	{ "prokip_products",
	  SCP_PAGE_WITH("SELECT ps.sku FROM prokip_stock ps WHERE ps.supplier_id = $1",
			PRODUCT_ORDER, "$2", "$3")
	  " SELECT" SCP_PAGE_JSON_WITH("$2", "$3", "'location_id'",
				       "to_json(scp_prokip_location_of($1))")
	  SCP_PAGE_FROM("p JOIN prokip_stock ps ON ps.supplier_id = $1 AND ps.sku = p.sku",
			"scp_prokip_product_json(ps)", PRODUCT_ORDER) },
	{ "prokip_sales",
	  SCP_PAGE_WITH("SELECT l.id, l.created_at FROM sales_log l"
			" JOIN store_connections c ON c.id = l.connection_id AND c.supplier_id = $1",
			ORDER_NEWEST, "$2", "$3")
	  " SELECT" SCP_PAGE_JSON_WITH("$2", "$3", "'location_id'",
				       "to_json(scp_prokip_location_of($1))")
	  SCP_PAGE_FROM("p JOIN sales_log l ON l.id = p.id"
			" JOIN store_connections c ON c.id = l.connection_id",
			"scp_prokip_sale_json(l, c)", ORDER_NEWEST) },
	{ "store_request", "SELECT scp_sync_request_store($1, $2::uuid, $3)" },
	SCP_STMT_END,
};

/* The store of ?connection_id (or the first); NULL when an answer was sent. */
static const char *picked(struct scp_req *r)
{
	const char *conn;
	PGresult *res;

	if (!scp_query_uuid(r, "connection_id", &conn))
		return NULL;
	res = scp_q(r, "store_pick", r->auth.supplier_id, conn);
	return res ? PQgetvalue(res, 0, 0) : NULL;
}

/* A page of statement stmt ($1 supplier, $2 store, $3 page, $4 size). */
static void store_page(struct scp_req *r, const char *stmt)
{
	struct scp_page pg;
	const char *conn;
	PGresult *res;

	if (!scp_page_parse(r, &pg) || !(conn = picked(r)))
		return;
	res = scp_q(r, stmt, r->auth.supplier_id, conn, pg.page_text, pg.size_text);
	if (res)
		scp_send_row_json(r, 200, res);
}

void sync_store_products(struct scp_req *r)
{
	store_page(r, "store_products");
}

void sync_store_orders(struct scp_req *r)
{
	store_page(r, "store_orders");
}

void sync_store_analytics(struct scp_req *r)
{
	const char *conn;
	PGresult *res;

	if (!scp_query_uuid(r, "connection_id", &conn))
		return;
	res = scp_q(r, "store_analytics", r->auth.supplier_id, conn);
	if (res)
		scp_send_row_json(r, 200, res);
}

/* A page of the supplier's Prokip location (statement stmt: $1 supplier, $2, $3). */
static void prokip_page(struct scp_req *r, const char *stmt)
{
	struct scp_page pg;
	PGresult *res;

	if (!scp_page_parse(r, &pg))
		return;
	res = scp_q(r, stmt, r->auth.supplier_id, pg.page_text, pg.size_text);
	if (res)
		scp_send_row_json(r, 200, res);
}

void sync_prokip_products(struct scp_req *r)
{
	prokip_page(r, "prokip_products");
}

void sync_prokip_sales(struct scp_req *r)
{
	prokip_page(r, "prokip_sales");
}

/* {connection_id?}: the store whose page asked; the job covers every store. */
static void store_request(struct scp_req *r, const char *kind)
{
	json_object *b = scp_req_json_opt(r);
	const char *conn;
	PGresult *res;

	if (!b)
		return;
	conn = scp_field_str(r, b, "connection_id", false, 1, 64);
	if (conn && !scp_valid_uuid(conn))
		scp_field_error(r, "connection_id", "must be a uuid");
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "store_request", r->auth.supplier_id, conn, kind);
	if (res)
		scp_send_row_json(r, 202, res);
}

void sync_inventory_request(struct scp_req *r)
{
	store_request(r, "sync_pass");
}

void sync_sales_request(struct scp_req *r)
{
	store_request(r, "sync_pull_orders");
}
