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
	{ "GET", "/api/v1/consumer/products/:id", cat_catalog_product, CONSUMER },
	{ "GET", "/api/v1/catalog", cat_catalog, CONSUMER },
	{ "GET", "/api/v1/catalog/:id", cat_catalog_product, CONSUMER },
	{ "GET", "/api/v1/consumer/links", cat_links_consumer, CONSUMER },
	{ "GET", "/api/v1/consumer/supplier-links", cat_links_consumer, CONSUMER },

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

/*
 * A product list reads the stored view (api_view) and the sort keys only; the rows of
 * one page are then ordered by ?sort_by= K (a text parameter), descending when D.  One
 * CASE per key and direction keeps it a single prepared statement; the id breaks ties
 * so pages never overlap.
 */
#define PRODUCT_COLUMNS \
	" p.api_view AS j, p.id, lower(p.name) AS name_k, p.price_minor, p.stock_level," \
	" p.created_at, p.updated_at"
#define PRODUCT_ORDER(K, D) \
	" CASE WHEN " K " = 'name' AND NOT " D " THEN name_k END," \
	" CASE WHEN " K " = 'name' AND " D " THEN name_k END DESC," \
	" CASE WHEN " K " = 'price' AND NOT " D " THEN price_minor END," \
	" CASE WHEN " K " = 'price' AND " D " THEN price_minor END DESC," \
	" CASE WHEN " K " = 'stock_level' AND NOT " D " THEN stock_level END," \
	" CASE WHEN " K " = 'stock_level' AND " D " THEN stock_level END DESC," \
	" CASE WHEN " K " = 'created_at' AND NOT " D " THEN created_at END," \
	" CASE WHEN " K " = 'created_at' AND " D " THEN created_at END DESC," \
	" CASE WHEN " K " = 'updated_at' AND NOT " D " THEN updated_at END," \
	" CASE WHEN " K " = 'updated_at' AND " D " THEN updated_at END DESC," \
	" id"

/* Filters every product list shares: search, category, price range, in stock. */
#define PRODUCT_FILTERS(Q, CAT, MIN, MAX, INSTOCK) \
	" AND (" Q "::text IS NULL OR p.name ILIKE scp_like(" Q ") OR p.sku ILIKE scp_like(" Q ")" \
	"      OR p.description ILIKE scp_like(" Q "))" \
	" AND (" CAT "::text IS NULL OR lower(p.category) = lower(" CAT "))" \
	" AND (" MIN "::bigint IS NULL OR p.price_minor >= " MIN ")" \
	" AND (" MAX "::bigint IS NULL OR p.price_minor <= " MAX ")" \
	" AND (" INSTOCK "::boolean IS NULL OR (p.stock_level > 0) = " INSTOCK ")"

/* The rows of page P of size S of f, ordered as ORDER, as a JSON array (or NULL). */
#define PAGE_JSON(ORDER, P, S) \
	"(SELECT json_agg(j ORDER BY rn) FROM" \
	" (SELECT j, row_number() OVER (ORDER BY" ORDER ") AS rn FROM f" \
	"   ORDER BY" ORDER " LIMIT " S "::int OFFSET (" P "::int - 1) * " S "::int) x)"

/*
 * The list answer of page P of size S from the results R (a JSON array) and the total
 * N, both SQL expressions, usually subqueries.  They are computed in a subquery that
 * OFFSET 0 keeps from being flattened, so that scp_page_json receives plain columns
 * and is inlined: given subqueries, PostgreSQL would parse and plan its body on every
 * call, a third of the time of a catalog page.
 */
#define PAGE_OF(R, N, P, S) \
	" scp_page_json(pg.r, pg.n, " P "::int, " S "::int)" \
	" FROM (SELECT " R " AS r, " N " AS n OFFSET 0) pg"

static const struct scp_stmt stmts[] = {
	/* $1 calling consumer (or NULL), $2 search, $3 page, $4 page size. */
	{ "suppliers_list",
	  "WITH f AS (SELECT s AS r, lower(s.name) AS k, s.id, l.id AS link_id,"
	  "                  l.status AS link_status"
	  "             FROM suppliers s LEFT JOIN consumer_links l"
	  "               ON l.supplier_id = s.id AND l.consumer_id = $1::uuid"
	  "            WHERE l.status IS DISTINCT FROM 'blocked'"
	  "              AND ($2::text IS NULL OR s.name ILIKE scp_like($2)"
	  "                   OR s.description ILIKE scp_like($2))),"
	  " p AS (SELECT * FROM f ORDER BY k, id LIMIT $4::int OFFSET ($3::int - 1) * $4::int)"
	  " SELECT" PAGE_OF("(SELECT json_agg(scp_supplier_json(p.r, p.link_id, p.link_status)"
	  "                                  ORDER BY p.k, p.id) FROM p)",
	  "(SELECT count(*) FROM f)", "$3", "$4") },
	/* $1 supplier, $2 calling consumer (or NULL): a blocked consumer finds nothing. */
	{ "supplier_get",
	  "SELECT scp_supplier_json(s, l.id, l.status) FROM suppliers s"
	  " LEFT JOIN consumer_links l ON l.supplier_id = s.id AND l.consumer_id = $2::uuid"
	  " WHERE s.id = $1 AND l.status IS DISTINCT FROM 'blocked'" },
	{ "profile_get", "SELECT scp_supplier_profile_json(s) FROM suppliers s WHERE s.id = $1" },
	{ "profile_update", "SELECT scp_supplier_update($1, $2::jsonb)" },

	/*
	 * The supplier's products.  $1 supplier, $2 search, $3 category, $4 is_active,
	 * $5 low_stock, $6 sort key, $7 descending, $8 page, $9 size, $10/$11 price range,
	 * $12 in stock.
	 */
	{ "products_list",
	  "WITH s AS (SELECT low_stock_threshold FROM suppliers WHERE id = $1),"
	  " f AS (SELECT" PRODUCT_COLUMNS " FROM products p, s"
	  "        WHERE p.supplier_id = $1 AND p.deleted_at IS NULL"
	  PRODUCT_FILTERS("$2", "$3", "$10", "$11", "$12")
	  "          AND ($4::boolean IS NULL OR p.is_active = $4)"
	  "          AND ($5::boolean IS NOT TRUE OR p.stock_level <= s.low_stock_threshold))"
	  " SELECT" PAGE_OF(PAGE_JSON(PRODUCT_ORDER("$6::text", "$7::boolean"), "$8", "$9"),
	  "(SELECT count(*) FROM f)", "$8", "$9") },
	{ "product_create", "SELECT scp_product_create($1, $2::jsonb)" },
	{ "product_get",
	  "SELECT api_view FROM products WHERE id = $2 AND supplier_id = $1 AND deleted_at IS NULL" },
	{ "product_update", "SELECT scp_product_update($1, $2, $3::jsonb)" },
	/* Soft delete: order lines keep naming the product; every list forgets it. */
	{ "product_delete",
	  "UPDATE products SET deleted_at = now(), is_active = false, updated_at = now()"
	  " WHERE id = $2 AND supplier_id = $1 AND deleted_at IS NULL RETURNING id" },
	{ "products_bulk",
	  "SELECT scp_products_bulk_update($1, $2::uuid[], $3::bigint, $4::int, $5::int)" },

	/*
	 * The catalog of accepted links.  $1 consumer, $2 supplier (NULL: every linked
	 * supplier), $3 search, $4 category, $5 sort key, $6 descending, $7 page, $8 size,
	 * $9/$10 price range, $11 in stock.  Answers the link status and whether the
	 * supplier exists too, so 403 and 404 cost no second trip.
	 */
	{ "catalog",
	  "WITH f AS (SELECT" PRODUCT_COLUMNS " FROM consumer_links l"
	  "             JOIN products p ON p.supplier_id = l.supplier_id"
	  "            WHERE l.consumer_id = $1 AND l.status = 'accepted'"
	  "              AND ($2::uuid IS NULL OR l.supplier_id = $2)"
	  "              AND p.deleted_at IS NULL AND p.is_active"
	  PRODUCT_FILTERS("$3", "$4", "$9", "$10", "$11") ")"
	  " SELECT CASE WHEN $2::uuid IS NULL THEN 'accepted' ELSE l.status END,"
	  "        $2::uuid IS NULL OR s.id IS NOT NULL,"
	  PAGE_OF(PAGE_JSON(PRODUCT_ORDER("$5::text", "$6::boolean"), "$7", "$8"),
	          "(SELECT count(*) FROM f)", "$7", "$8")
	  " LEFT JOIN suppliers s ON s.id = $2::uuid"
	  " LEFT JOIN consumer_links l ON l.consumer_id = $1 AND l.supplier_id = $2::uuid" },
	/*
	 * The same page in the catalog's default order (by name, no filter), the hot path:
	 * one probe finds the supplier, its kept product count and its catalog version
	 * (catalog_sizes), one the link, and only once the link is accepted (a CASE runs
	 * its subqueries lazily) the page is read off products_catalog_idx.  json_agg takes
	 * the rows in the order the subquery's ORDER BY … LIMIT hands them over (a plain
	 * aggregate over one subquery does not reorder), which spares a sort inside the
	 * aggregate.  $1 consumer, $2 supplier, $3 page, $4 size.  No row: no such supplier.
	 */
	{ "catalog_page",
	  "SELECT l.status, c.version,"
	  "       CASE WHEN l.status = 'accepted' THEN scp_page_json("
	  "         (SELECT json_agg(x.api_view)"
	  "            FROM (SELECT p.api_view FROM products p"
	  "                   WHERE p.supplier_id = $2 AND p.deleted_at IS NULL AND p.is_active"
	  "                   ORDER BY lower(p.name), p.id"
	  "                   LIMIT $4::int OFFSET ($3::int - 1) * $4::int) x),"
	  "         c.listed, $3::int, $4::int) END"
	  "  FROM catalog_sizes c"
	  "  LEFT JOIN consumer_links l ON l.supplier_id = c.supplier_id AND l.consumer_id = $1"
	  " WHERE c.supplier_id = $2" },
	/* The same without the page: is a kept page (page_cache.h) still current? */
	{ "catalog_head",
	  "SELECT l.status, c.version FROM catalog_sizes c"
	  "  LEFT JOIN consumer_links l ON l.supplier_id = c.supplier_id AND l.consumer_id = $1"
	  " WHERE c.supplier_id = $2" },
	{ "catalog_product",
	  "SELECT p.api_view FROM products p"
	  " JOIN consumer_links l ON l.supplier_id = p.supplier_id AND l.consumer_id = $1"
	  "                      AND l.status = 'accepted'"
	  " WHERE p.id = $2 AND p.deleted_at IS NULL AND p.is_active" },

	/* Links. */
	{ "link_request", "SELECT scp_link_request($1, $2, $3)" },
	{ "link_move", "SELECT scp_link_move($1, $2, $3, $4, $5::text[], $6)" },
	/* $1 consumer, $2 status, $3 page, $4 size: blocked links are not shown. */
	{ "links_consumer",
	  "WITH f AS (SELECT l AS r FROM consumer_links l"
	  "            WHERE l.consumer_id = $1 AND l.status <> 'blocked'"
	  "              AND ($2::text IS NULL OR l.status = $2)),"
	  " p AS (SELECT r FROM f ORDER BY (r).requested_at DESC, (r).id DESC"
	  "        LIMIT $4::int OFFSET ($3::int - 1) * $4::int)"
	  " SELECT" PAGE_OF("(SELECT json_agg(scp_link_json(p.r)"
	  "                  ORDER BY (p.r).requested_at DESC, (p.r).id DESC) FROM p)",
	  "(SELECT count(*) FROM f)", "$3", "$4") },
	/* $1 supplier, $2 status, $3 page, $4 size, $5 search (the consumer's name…). */
	{ "links_supplier",
	  "WITH f AS (SELECT l AS r FROM consumer_links l JOIN users u ON u.id = l.consumer_id"
	  "            WHERE l.supplier_id = $1 AND ($2::text IS NULL OR l.status = $2)"
	  "              AND ($5::text IS NULL OR u.email ILIKE scp_like($5)"
	  "                   OR u.company_name ILIKE scp_like($5)"
	  "                   OR concat_ws(' ', u.first_name, u.last_name) ILIKE scp_like($5))),"
	  " p AS (SELECT r FROM f ORDER BY (r).requested_at DESC, (r).id DESC"
	  "        LIMIT $4::int OFFSET ($3::int - 1) * $4::int)"
	  " SELECT" PAGE_OF("(SELECT json_agg(scp_link_json(p.r)"
	  "                  ORDER BY (p.r).requested_at DESC, (p.r).id DESC) FROM p)",
	  "(SELECT count(*) FROM f)", "$3", "$4") },
	/* $1 supplier or NULL, $2 consumer or NULL, $3 link. */
	{ "link_get",
	  "SELECT scp_link_json(l) FROM consumer_links l"
	  " WHERE l.id = $3 AND (l.supplier_id = $1::uuid"
	  "                      OR (l.consumer_id = $2::uuid AND l.status <> 'blocked'))" },
	SCP_STMT_END,
};

static const struct scp_family family = {
	.name = "catalog",
	.routes = routes,
	.stmts = SCP_STMT_TABLES(stmts),
};

int main(int argc, char **argv)
{
	return scp_app_main(argc, argv, &family);
}
