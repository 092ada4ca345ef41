/*
 * GET /supplier/dashboard/stats: order counts by status, revenue, pending link
 * requests, low stock, the five newest orders and the ten lowest-stock products.  One
 * statement, so every figure comes from the same snapshot however busy the supplier is.
 */
#include "orders.h"

const struct scp_stmt orders_dashboard_stmts[] = {
	/* $1 the caller's supplier. */
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

void ord_dashboard(struct scp_req *r)
{
	PGresult *res = scp_q(r, "dashboard", r->auth.supplier_id);

	if (res)
		scp_send_row_json(r, 200, res);
}
