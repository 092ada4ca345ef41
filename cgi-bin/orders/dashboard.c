/*
 * GET /supplier/dashboard/stats: order counts by status, revenue, pending link
 * requests, low stock, the five newest orders and the ten lowest-stock products.  One
 * statement, so every figure comes from the same snapshot however busy the supplier is.
 */
#include "orders.h"

void ord_dashboard(struct scp_req *r)
{
	PGresult *res = scp_q(r, "dashboard", r->auth.supplier_id);

	if (res)
		scp_send_row_json(r, 200, res);
}
