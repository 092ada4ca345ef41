/*
 * scp-sync: store connections and the store sync (DESIGN §5; seed 004).
 *
 * Connections belong to a supplier and are managed by its owner and managers; the
 * Shopify OAuth callback is public, as Shopify sends the merchant's browser there, and
 * proves itself by Shopify's hmac and the single-use state.
 */
#include "sync.h"
#include "scp_app.h"

#define OWNER_MANAGER (SCP_R_OWNER | SCP_R_MANAGER)

static const struct scp_route routes[] = {
	/* Store connections (connections.c, shopify.c, woocommerce.c). */
	{ "GET", "/api/v1/connections", sync_connections_list, OWNER_MANAGER },
	{ "POST", "/api/v1/connections/shopify/initiate", sync_shopify_initiate, OWNER_MANAGER },
	{ "GET", "/api/v1/connections/shopify/callback", sync_shopify_callback, SCP_PUBLIC },
	{ "POST", "/api/v1/connections/woocommerce", sync_woo_connect,
	  OWNER_MANAGER | SCP_IDEMPOTENT },
	{ "DELETE", "/api/v1/connections/:id", sync_connection_delete, OWNER_MANAGER },
	SCP_ROUTES_END,
};

static const struct scp_family family = {
	.name = "sync",
	.routes = routes,
	.stmts = SCP_STMT_TABLES(sync_connections_stmts, sync_shopify_stmts, sync_woo_stmts),
};

int main(int argc, char **argv)
{
	return scp_app_main(argc, argv, &family);
}
