/*
 * scp-catalog: supplier profiles and discovery, products, consumer links, the catalog
 * of linked suppliers, image uploads (DESIGN §5, seeds 000 and 003).
 *
 * Roles: consumers request links and browse the catalogs of the suppliers that
 * accepted them; every supplier staff member reads, owners and managers write
 * (products, profile, link decisions).  Another supplier's ids answer 404.
 */
#include "catalog.h"
#include "scp_app.h"

#define CONSUMER SCP_R_CONSUMER
#define STAFF SCP_ROLES_STAFF
#define WRITERS (SCP_R_OWNER | SCP_R_MANAGER)

static const struct scp_route routes[] = {
	/* Discovery and public profiles; a consumer's token adds its link status. */
	{ "GET", "/api/v1/suppliers", cat_suppliers_list, SCP_AUTH_OPTIONAL },
	{ "GET", "/api/v1/consumer/suppliers", cat_suppliers_list, SCP_AUTH_OPTIONAL },
	{ "GET", "/api/v1/suppliers/:id", cat_supplier_get, SCP_AUTH_OPTIONAL },
	{ "GET", "/api/v1/consumer/suppliers/:id", cat_supplier_get, SCP_AUTH_OPTIONAL },
	{ "POST", "/api/v1/suppliers/:id/link-request", cat_link_request, CONSUMER | SCP_IDEMPOTENT },
	{ "POST", "/api/v1/consumer/suppliers/:id/link-request", cat_link_request,
	  CONSUMER | SCP_IDEMPOTENT },

	/* The consumer's catalog: accepted links only. */
	{ "GET", "/api/v1/suppliers/:id/products", cat_catalog_supplier, CONSUMER },
	{ "GET", "/api/v1/consumer/suppliers/:id/products", cat_catalog_supplier, CONSUMER },
	{ "GET", "/api/v1/consumer/products", cat_catalog, CONSUMER },
	/* Before /consumer/products/:id, whose :id must be a UUID ("categories" is not). */
	{ "GET", "/api/v1/consumer/products/categories", cat_catalog_categories, CONSUMER },
	{ "GET", "/api/v1/consumer/products/:id", cat_catalog_product, CONSUMER },
	{ "GET", "/api/v1/catalog", cat_catalog, CONSUMER },
	{ "GET", "/api/v1/catalog/:id", cat_catalog_product, CONSUMER },
	{ "GET", "/api/v1/consumer/links", cat_links_consumer, CONSUMER },
	{ "GET", "/api/v1/consumer/supplier-links", cat_links_consumer, CONSUMER },
	{ "GET", "/api/v1/consumer/link-requests", cat_links_consumer, CONSUMER },
	{ "DELETE", "/api/v1/consumer/link-requests/:id", cat_link_withdraw, CONSUMER },
	{ "GET", "/api/v1/consumer/linked-suppliers", cat_suppliers_linked, CONSUMER },

	/* The supplier's own profile. */
	{ "GET", "/api/v1/supplier/me", cat_profile_get, STAFF },
	{ "PUT", "/api/v1/supplier/me", cat_profile_update, WRITERS },
	{ "PATCH", "/api/v1/supplier/me", cat_profile_update, WRITERS },
	{ "GET", "/api/v1/supplier/profile", cat_profile_get, STAFF },
	{ "PUT", "/api/v1/supplier/profile", cat_profile_update, WRITERS },
	{ "PATCH", "/api/v1/supplier/profile", cat_profile_update, WRITERS },

	/* Link decisions (DESIGN §6). */
	{ "GET", "/api/v1/supplier/consumer-links", cat_links_supplier, STAFF },
	{ "GET", "/api/v1/supplier/consumer-links/:id", cat_link_get, STAFF },
	{ "POST", "/api/v1/supplier/consumer-links/:id/approve", cat_link_approve, WRITERS },
	{ "POST", "/api/v1/supplier/consumer-links/:id/reject", cat_link_reject, WRITERS },
	{ "POST", "/api/v1/supplier/consumer-links/:id/block", cat_link_block, WRITERS },
	{ "POST", "/api/v1/supplier/consumer-links/:id/unblock", cat_link_unblock, WRITERS },

	/* Products. */
	{ "POST", "/api/v1/supplier/products/bulk-update", cat_products_bulk_update, WRITERS },
	{ "GET", "/api/v1/supplier/products", cat_products_list, STAFF },
	{ "POST", "/api/v1/supplier/products", cat_product_create, WRITERS | SCP_IDEMPOTENT },
	{ "GET", "/api/v1/supplier/products/:id", cat_product_get, STAFF },
	{ "PUT", "/api/v1/supplier/products/:id", cat_product_update, WRITERS },
	{ "PATCH", "/api/v1/supplier/products/:id", cat_product_update, WRITERS },
	{ "DELETE", "/api/v1/supplier/products/:id", cat_product_delete, WRITERS },

	/* Seed 003's paths for the same resources. */
	{ "POST", "/api/v1/products/bulk-update", cat_products_bulk_update, WRITERS },
	{ "GET", "/api/v1/products", cat_products_any, CONSUMER | STAFF },
	{ "POST", "/api/v1/products", cat_product_create, WRITERS | SCP_IDEMPOTENT },
	{ "GET", "/api/v1/products/:id", cat_product_get, STAFF },
	{ "PUT", "/api/v1/products/:id", cat_product_update, WRITERS },
	{ "PATCH", "/api/v1/products/:id", cat_product_update, WRITERS },
	{ "DELETE", "/api/v1/products/:id", cat_product_delete, WRITERS },
	{ "POST", "/api/v1/links/requests", cat_link_request_body, CONSUMER | SCP_IDEMPOTENT },
	{ "GET", "/api/v1/links", cat_links_any, CONSUMER | STAFF },
	{ "GET", "/api/v1/links/incoming", cat_links_supplier, STAFF },
	{ "GET", "/api/v1/links/:id", cat_link_get, CONSUMER | STAFF },
	{ "PATCH", "/api/v1/links/:id/status", cat_link_set_status, WRITERS },

	/* One image → {url}. */
	{ "POST", "/api/v1/uploads", cat_upload, SCP_AUTH | SCP_IDEMPOTENT },
	{ "POST", "/api/v1/upload", cat_upload, SCP_AUTH | SCP_IDEMPOTENT },
	SCP_ROUTES_END,
};

static const struct scp_family family = {
	.name = "catalog",
	.routes = routes,
	.stmts = SCP_STMT_TABLES(cat_suppliers_stmts, cat_products_stmts, cat_browse_stmts,
				 cat_links_stmts),
};

int main(int argc, char **argv)
{
	return scp_app_main(argc, argv, &family);
}
