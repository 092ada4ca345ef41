/*
 * scp-orders: catalog orders (consumer ↔ supplier), the supplier dashboard, and the
 * marketplace's auction orders and payments.
 *
 * The route table and the statement tables are gathered here; each resource keeps its
 * handlers in its own file.  To add a resource: declare its handlers in orders.h, add
 * its routes below, and its statement table to .tables (one slot is still free).
 */
#include "orders.h"
#include "auction.h"
#include "scp_app.h"

#define CONSUMER SCP_R_CONSUMER
#define STAFF SCP_ROLES_STAFF
#define WRITERS (SCP_R_OWNER | SCP_R_MANAGER)

static const struct scp_route routes[] = {
	/* Catalog orders, the consumer's side. */
	{ "POST", "/api/v1/consumer/orders", ord_create, CONSUMER | SCP_IDEMPOTENT },
	{ "GET", "/api/v1/consumer/orders", ord_list_consumer, CONSUMER },
	{ "GET", "/api/v1/consumer/orders/:id", ord_get_consumer, CONSUMER },
	{ "POST", "/api/v1/consumer/orders/:id/cancel", ord_cancel, CONSUMER },

	/* Catalog orders, the supplier's side: every staff member reads, owners and
	 * managers move them. */
	{ "GET", "/api/v1/supplier/orders", ord_list_supplier, STAFF },
	{ "GET", "/api/v1/supplier/orders/:id", ord_get_supplier, STAFF },
	{ "POST", "/api/v1/supplier/orders/:id/accept", ord_accept, WRITERS },
	{ "POST", "/api/v1/supplier/orders/:id/reject", ord_reject, WRITERS },
	{ "POST", "/api/v1/supplier/orders/:id/start", ord_start, WRITERS },
	{ "POST", "/api/v1/supplier/orders/:id/complete", ord_complete, WRITERS },

	/* The supplier dashboard. */
	{ "GET", "/api/v1/supplier/dashboard/stats", ord_dashboard, STAFF },
	{ "GET", "/api/v1/supplier/dashboard", ord_dashboard, STAFF },

	/* Auction orders (auction.c); payments go here. */
	{ "GET", "/api/v1/orders", auction_orders_list, AUCTION_ORDER_ROLES },
	{ "GET", "/api/v1/orders/:id", auction_orders_get, AUCTION_ORDER_ROLES },
	{ "PUT", "/api/v1/orders/:id/status", auction_orders_status, AUCTION_ORDER_ROLES },
	SCP_ROUTES_END,
};

/*
 * A page of orders: the filter keeps only (id, created_at), so counting stays on the
 * index; the page's documents are read for its rows only.  scp_page_json gets plain
 * columns (the OFFSET 0 subquery), so PostgreSQL inlines it instead of planning its
 * body on every call.
 */
#define ORDERS_PAGE(SCOPE, OTHER) \
	"WITH f AS (SELECT o.id, o.created_at FROM catalog_orders o" \
	"            WHERE o." SCOPE " = $1" \
	"              AND ($2::text[] IS NULL OR o.status = ANY ($2::text[]))" \
	"              AND ($3::uuid IS NULL OR o." OTHER " = $3::uuid))," \
	" p AS (SELECT id, created_at FROM f ORDER BY created_at DESC, id DESC" \
	"        LIMIT $5::int OFFSET ($4::int - 1) * $5::int)" \
	" SELECT scp_page_json(pg.r, pg.n, $4::int, $5::int)" \
	" FROM (SELECT (SELECT json_agg(o.api_view ORDER BY p.created_at DESC, p.id DESC)" \
	"                 FROM p JOIN catalog_orders o ON o.id = p.id) AS r," \
	"              (SELECT count(*) FROM f) AS n OFFSET 0) pg"

/* Catalog orders and the dashboard (the functions are in sql/002_b2b.sql). */
static const struct scp_stmt catalog_order_stmts[] = {
	{ "order_create",
	  "SELECT order_json, errors"
	  " FROM scp_catalog_order_create($1, $2::uuid, $3::uuid[], $4::int[], $5)" },
	/*
	 * $1 the caller's consumer or supplier id, $2 statuses (NULL: all), $3 the other
	 * party's id (NULL: all), $4 page, $5 size.
	 */
	{ "orders_consumer", ORDERS_PAGE("consumer_id", "supplier_id") },
	{ "orders_supplier", ORDERS_PAGE("supplier_id", "consumer_id") },
	/* $1 consumer or NULL, $2 supplier or NULL, $3 order. */
	{ "order_get",
	  "SELECT scp_catalog_order_full(o) FROM catalog_orders o"
	  " WHERE o.id = $3 AND (o.consumer_id = $1::uuid OR o.supplier_id = $2::uuid)" },
	{ "order_move",
	  "SELECT scp_catalog_order_move($1, $2, $3, $4, $5, $6::text[], $7, $8)" },
	{ "order_accept", "SELECT ok, body, message FROM scp_catalog_order_accept($1, $2, $3, $4)" },
	/* One statement, so every figure comes from the same snapshot. */
	{ "dashboard",
	  "WITH s AS (SELECT * FROM suppliers WHERE id = $1),"
	  " c AS (SELECT status, count(*) AS n, sum(total_minor) AS total FROM catalog_orders"
	  "        WHERE supplier_id = $1 GROUP BY status),"
	  " low AS (SELECT p.api_view, p.stock_level, lower(p.name) AS name_k, p.id"
	  "          FROM products p, s WHERE p.supplier_id = $1"
	  "          AND p.deleted_at IS NULL AND p.is_active"
	  "          AND p.stock_level <= s.low_stock_threshold)"
	  " SELECT json_build_object("
	  "  'total_orders', (SELECT coalesce(sum(n), 0) FROM c),"
	  "  'pending_orders', (SELECT coalesce(sum(n), 0) FROM c WHERE status = 'pending'),"
	  "  'orders_by_status', (SELECT json_object_agg(k, coalesce(c.n, 0) ORDER BY k)"
	  "     FROM unnest('{pending,accepted,rejected,cancelled,in_progress,completed}'::text[])"
	  "          AS k LEFT JOIN c ON c.status = k),"
	  "  'revenue', scp_amount((SELECT coalesce(sum(total), 0) FROM c"
	  "                         WHERE status IN ('accepted', 'in_progress', 'completed'))"
	  "                        ::bigint),"
	  "  'currency', s.currency,"
	  "  'pending_link_requests', (SELECT count(*) FROM consumer_links"
	  "                            WHERE supplier_id = $1 AND status = 'pending'),"
	  "  'linked_consumers', (SELECT count(*) FROM consumer_links"
	  "                       WHERE supplier_id = $1 AND status = 'accepted'),"
	  "  'total_products', (SELECT count(*) FROM products"
	  "                     WHERE supplier_id = $1 AND deleted_at IS NULL),"
	  "  'low_stock_items', (SELECT count(*) FROM low),"
	  "  'low_stock_threshold', s.low_stock_threshold,"
	  "  'recent_orders', (SELECT coalesce(json_agg(o.api_view"
	  "                                             ORDER BY o.created_at DESC, o.id DESC),"
	  "                                    '[]')"
	  "     FROM (SELECT * FROM catalog_orders WHERE supplier_id = $1"
	  "            ORDER BY created_at DESC, id DESC LIMIT 5) o),"
	  "  'low_stock_products', (SELECT coalesce(json_agg(api_view"
	  "                                        ORDER BY stock_level, name_k, id), '[]')"
	  "     FROM (SELECT * FROM low ORDER BY stock_level, name_k, id LIMIT 10) x))"
	  " FROM s" },
	SCP_STMT_END,
};

static const struct scp_family family = {
	.name = "orders",
	.routes = routes,
	.stmts = SCP_STMT_TABLES(catalog_order_stmts, auction_order_stmts),
};

int main(int argc, char **argv)
{
	return scp_app_main(argc, argv, &family);
}
