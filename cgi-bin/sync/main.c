/*
 * scp-sync: store connections and the store sync (DESIGN §5; seed 004).
 *
 * Every route is a supplier's owner's or manager's: a store, its secrets and its sync
 * are the business's, not a sales rep's; another supplier's ids are not found (404).
 * The Shopify OAuth callback is public, as Shopify sends the merchant's browser there,
 * and proves itself by Shopify's hmac and the single-use state.
 */
#include "prokip.h"
#include "sync.h"
#include "scp_app.h"

#define BOSS (SCP_R_OWNER | SCP_R_MANAGER)

static const struct scp_route routes[] = {
	/* Store connections (connections.c, shopify.c, woocommerce.c). */
	{ "GET", "/api/v1/connections", sync_connections_list, BOSS },
	{ "POST", "/api/v1/connections/shopify/initiate", sync_shopify_initiate, BOSS },
	{ "GET", "/api/v1/connections/shopify/callback", sync_shopify_callback, SCP_PUBLIC },
	{ "POST", "/api/v1/connections/woocommerce", sync_woo_connect, BOSS | SCP_IDEMPOTENT },
	/* Seed 004's dashboard's WooCommerce form (woocommerce.c). */
	{ "POST", "/api/v1/woo-connections/test", sync_woo_test, BOSS },
	{ "POST", "/api/v1/woo-connections/connect", sync_woo_dashboard_connect,
	  BOSS | SCP_IDEMPOTENT },
	/* Prokip and the sync engine (prokip.c, status.c) */
	{ "GET", "/api/v1/connections/prokip", sync_prokip_get, BOSS },
	{ "PUT", "/api/v1/connections/prokip", sync_prokip_put, BOSS },
	/* seed 004's POST /connections/prokip: the same */
	{ "POST", "/api/v1/connections/prokip", sync_prokip_put, BOSS },
	{ "DELETE", "/api/v1/connections/:id", sync_connection_delete, BOSS },
	{ "POST", "/api/v1/sync", sync_pass_request, BOSS },
	{ "POST", "/api/v1/sync/pause", sync_pause, BOSS },
	{ "POST", "/api/v1/sync/resume", sync_resume, BOSS },
	{ "POST", "/api/v1/sync/pull-orders", sync_pull_request, BOSS },
	{ "GET", "/api/v1/sync/status", sync_status, BOSS },
	{ "GET", "/api/v1/sync/errors", sync_errors_list, BOSS },
	{ "PATCH", "/api/v1/sync/errors/:id/resolve", sync_error_resolve, BOSS },
	/* A store's pages in seed 004's dashboard (stores.c). */
	{ "GET", "/api/v1/stores/products", sync_store_products, BOSS },
	{ "GET", "/api/v1/stores/orders", sync_store_orders, BOSS },
	{ "GET", "/api/v1/stores/analytics", sync_store_analytics, BOSS },
	{ "POST", "/api/v1/sync/inventory", sync_inventory_request, BOSS },
	{ "POST", "/api/v1/sync/pull-sales", sync_sales_request, BOSS },
	/* The dashboard's Prokip pages (stores.c). */
	{ "GET", "/api/v1/prokip/products", sync_prokip_products, BOSS },
	{ "GET", "/api/v1/prokip/sales", sync_prokip_sales, BOSS },
	SCP_ROUTES_END,
};

static const struct scp_family family = {
	.name = "sync",
	.routes = routes,
	.stmts = SCP_STMT_TABLES(sync_connections_stmts, sync_shopify_stmts, sync_woo_stmts,
				 sync_prokip_stmts, sync_status_stmts, sync_stores_stmts),
};

int main(int argc, char **argv)
{
	return scp_app_main(argc, argv, &family);
}
