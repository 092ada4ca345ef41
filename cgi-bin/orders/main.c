/*
 * scp-orders: catalog orders (consumer ↔ supplier), the supplier dashboard, and the
 * marketplace's auction orders and payments.
 *
 * The route table and the family; each resource file (orders.h) keeps its handlers
 * and the statements they run.  To add a resource: declare its handlers and its
 * statement table in orders.h, add its routes below and its table to .stmts.
 */
#include "orders.h"
#include "scp_app.h"

#define CONSUMER SCP_R_CONSUMER
#define STAFF SCP_ROLES_STAFF
#define WRITERS (SCP_R_OWNER | SCP_R_MANAGER)
/* The roles that see auction orders (each is scoped in SQL to its own). */
#define AUCTION (SCP_R_CLIENT | SCP_R_VENDOR | SCP_R_AGENT | SCP_R_ADMIN)

static const struct scp_route routes[] = {
	/* Catalog orders, the consumer's side (catalog_orders.c). */
	{ "POST", "/api/v1/consumer/orders", ord_create, CONSUMER | SCP_IDEMPOTENT },
	{ "GET", "/api/v1/consumer/orders", ord_list_consumer, CONSUMER },
	/* Not an :id (the router wants a UUID there), so a route of its own. */
	{ "GET", "/api/v1/consumer/orders/current", ord_list_current, CONSUMER },
	{ "GET", "/api/v1/consumer/orders/:id", ord_get_consumer, CONSUMER },
	{ "GET", "/api/v1/consumer/orders/:id/track", ord_track, CONSUMER },
	{ "POST", "/api/v1/consumer/orders/:id/cancel", ord_cancel, CONSUMER },

	/* Catalog orders, the supplier's side: every staff member reads, owners and
	 * managers move them. */
	{ "GET", "/api/v1/supplier/orders", ord_list_supplier, STAFF },
	{ "GET", "/api/v1/supplier/orders/:id", ord_get_supplier, STAFF },
	{ "POST", "/api/v1/supplier/orders/:id/accept", ord_accept, WRITERS },
	{ "POST", "/api/v1/supplier/orders/:id/reject", ord_reject, WRITERS },
	{ "POST", "/api/v1/supplier/orders/:id/start", ord_start, WRITERS },
	{ "POST", "/api/v1/supplier/orders/:id/complete", ord_complete, WRITERS },

	/* The supplier dashboard (dashboard.c). */
	{ "GET", "/api/v1/supplier/dashboard/stats", ord_dashboard, STAFF },
	{ "GET", "/api/v1/supplier/dashboard", ord_dashboard, STAFF },

	/* Auction orders (auction.c); payments go here. */
	{ "GET", "/api/v1/orders", ord_auction_list, AUCTION },
	{ "GET", "/api/v1/orders/:id", ord_auction_get, AUCTION },
	{ "PUT", "/api/v1/orders/:id/status", ord_auction_status, AUCTION },

	/* Payments of either kind of order (payments.c): the payer pays (a catalog order's
	 * consumer, an auction order's buyer); the parties read; a catalog order's owner or
	 * manager, or an admin for an auction order, refunds. */
	{ "POST", "/api/v1/orders/:id/payments", ord_payment_create,
	  SCP_R_CONSUMER | SCP_R_VENDOR | SCP_IDEMPOTENT },
	{ "GET", "/api/v1/orders/:id/payments", ord_payment_list,
	  SCP_R_CONSUMER | STAFF | SCP_R_VENDOR | SCP_R_CLIENT | SCP_R_ADMIN },
	{ "POST", "/api/v1/orders/:id/refunds", ord_refund_create,
	  WRITERS | SCP_R_ADMIN | SCP_IDEMPOTENT },
	SCP_ROUTES_END,
};

static const struct scp_family family = {
	.name = "orders",
	.routes = routes,
	.stmts = SCP_STMT_TABLES(orders_catalog_stmts, orders_dashboard_stmts,
				 orders_auction_stmts, orders_payments_stmts),
};

int main(int argc, char **argv)
{
	return scp_app_main(argc, argv, &family);
}
