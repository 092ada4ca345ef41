/*
 * scp-shops: Cliick.io's shops (seed 002), at /api/ in the cliick profile.
 *
 * Any signed-in account may create a shop and becomes its owner; a shop's routes are
 * its members' (shop_members), and a shop the caller is no member of is not found.
 */
#include "shops.h"
#include "scp_app.h"

static const struct scp_route routes[] = {
	{ "GET", "/api/v1/shops", shops_list, SCP_AUTH },
	{ "POST", "/api/v1/shops", shops_create, SCP_AUTH | SCP_IDEMPOTENT },
	{ "GET", "/api/v1/shops/:shopId", shops_get, SCP_AUTH },
	{ "PUT", "/api/v1/shops/:shopId", shops_update, SCP_AUTH },
	{ "GET", "/api/v1/shops/:shopId/products", shop_products_list, SCP_AUTH },
	{ "POST", "/api/v1/shops/:shopId/products", shop_product_create,
	  SCP_AUTH | SCP_IDEMPOTENT },
	{ "GET", "/api/v1/shops/:shopId/products/:productId", shop_product_get, SCP_AUTH },
	{ "PUT", "/api/v1/shops/:shopId/products/:productId", shop_product_update, SCP_AUTH },
	{ "DELETE", "/api/v1/shops/:shopId/products/:productId", shop_product_delete,
	  SCP_AUTH },
	/* The team (team.c). */
	{ "GET", "/api/v1/shops/:shopId/products/:productId/stock-movements",
	  shop_product_movements, SCP_AUTH },
	{ "POST", "/api/v1/shops/:shopId/upgrade", shops_upgrade, SCP_AUTH },
	{ "GET", "/api/v1/shops/:shopId/team", shop_team_list, SCP_AUTH },
	{ "POST", "/api/v1/shops/:shopId/team", shop_team_add, SCP_AUTH },
	{ "PUT", "/api/v1/shops/:shopId/team/:userId", shop_team_update, SCP_AUTH },
	{ "DELETE", "/api/v1/shops/:shopId/team/:userId", shop_team_remove, SCP_AUTH },
	SCP_ROUTES_END,
};

static const struct scp_family family = {
	.name = "shops",
	.routes = routes,
	.stmts = SCP_STMT_TABLES(shops_stmts, shop_products_stmts,
				 shop_team_stmts),
};

int main(int argc, char **argv)
{
	return scp_app_main(argc, argv, &family);
}
