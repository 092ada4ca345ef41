/*
 * The consumer's catalog: the active products of the suppliers that accepted its link.
 * Without an accepted link: 403; a supplier that blocked the consumer, or none at all:
 * 404 (a blocked consumer sees nothing of that supplier).
 */
#include "catalog.h"
#include "scp_kept.h"
#include "scp_page.h"
#include "scp_query.h"

#include <string.h>

/* By name unless ?sort_by= says otherwise. */
#define CATALOG_ORDER(X) CAT_PRODUCT_ORDER_BY("$5", X)

const struct scp_stmt cat_browse_stmts[] = {
	/*
	 * The catalog of accepted links.  $1 consumer, $2 supplier (NULL: every linked
	 * supplier), $3 search, $4 category, $5 sort key, $6 page, $7 size, $8/$9 price
	 * range, $10 in stock.  Answers the link status and whether the supplier exists
	 * too, so 403 and 404 cost no second trip.
	 */
	{ "catalog",
	  SCP_PAGE_WITH("SELECT" CAT_PRODUCT_KEYS " FROM consumer_links l"
			" JOIN products p ON p.supplier_id = l.supplier_id"
			" WHERE l.consumer_id = $1 AND l.status = 'accepted'"
			"   AND ($2::uuid IS NULL OR l.supplier_id = $2)"
			"   AND p.deleted_at IS NULL AND p.is_active"
			CAT_PRODUCT_FILTERS("$3", "$4", "$8", "$9", "$10"),
			CATALOG_ORDER, "$6", "$7")
	  " SELECT CASE WHEN $2::uuid IS NULL THEN 'accepted' ELSE l.status END,"
	  "        $2::uuid IS NULL OR s.id IS NOT NULL, " SCP_PAGE_JSON("$6", "$7") ""
	  SCP_PAGE_FROM(CAT_PRODUCT_FROM, CAT_PRODUCT_ROW, CATALOG_ORDER)
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
	/* The same without the page: is a kept page (scp_kept.h) still current? */
	{ "catalog_head",
	  "SELECT l.status, c.version FROM catalog_sizes c"
	  "  LEFT JOIN consumer_links l ON l.supplier_id = c.supplier_id AND l.consumer_id = $1"
	  " WHERE c.supplier_id = $2" },
	{ "catalog_product",
	  "SELECT p.api_view FROM products p"
	  " JOIN consumer_links l ON l.supplier_id = p.supplier_id AND l.consumer_id = $1"
	  "                      AND l.status = 'accepted'"
	  " WHERE p.id = $2 AND p.deleted_at IS NULL AND p.is_active" },
	/*
	 * The categories of the listed products of the consumer's ($1) accepted
	 * suppliers ($2: one of them, or NULL), once each whatever their case, sorted.
	 */
	{ "catalog_categories",
	  "SELECT json_build_object('categories',"
	  "       coalesce(json_agg(c.name ORDER BY lower(c.name), c.name), '[]'))"
	  "  FROM (SELECT min(p.category) AS name FROM consumer_links l"
	  "          JOIN products p ON p.supplier_id = l.supplier_id"
	  "         WHERE l.consumer_id = $1 AND l.status = 'accepted'"
	  "           AND ($2::uuid IS NULL OR l.supplier_id = $2)"
	  "           AND p.deleted_at IS NULL AND p.is_active AND p.category <> ''"
	  "         GROUP BY lower(p.category)) c" },
	SCP_STMT_END,
};

/*
 * Answer a catalog request: found is false without such a supplier, link is the
 * consumer's link status (NULL: none), page the answer when it is accepted.
 */
static void catalog_answer(struct scp_req *r, bool found, const char *link, const char *page,
			   size_t len)
{
	if (!found || (link && !strcmp(link, "blocked")))
		scp_send_error(r, 404, "NOT_FOUND", "supplier not found", NULL);
	else if (!link || strcmp(link, "accepted"))
		scp_forbidden(r, "the catalog needs an accepted link with this supplier");
	else
		scp_send(r, 200, page, len);
}

static const char *link_of(const PGresult *res)
{
	return PQntuples(res) == 1 && !PQgetisnull(res, 0, 0) ? PQgetvalue(res, 0, 0) : NULL;
}

/*
 * The default catalog pages this worker keeps (scp_kept.h), each with the catalog
 * version it was rendered at (catalog_sizes.version, raised in the transaction of every
 * change to any of the supplier's products).  What the caller may see (its link) is read
 * on every request, never kept.
 */
SCP_KEPT_DEFINE(cat_pages, 64);

/*
 * A kept page of this supplier's catalog, if the database still has it at the version
 * it was rendered at: answered (true), else false with nothing sent but what
 * refuses the caller.
 */
static bool kept_page(struct scp_req *r, const char *supplier,
		      const struct scp_kept_page *kept)
{
	PGresult *res = scp_q(r, "catalog_head", r->auth.user_id, supplier);
	const char *link;
	bool done = true;

	if (!res)
		return true;
	link = link_of(res);
	if (PQntuples(res) == 1 && link && !strcmp(link, "accepted") &&
	    strcmp(PQgetvalue(res, 0, 1), kept->version))
		done = false;	/* the catalog changed since: render it again */
	else
		catalog_answer(r, PQntuples(res) == 1, link, kept->body, kept->len);
	return done;
}

/* Page pg of supplier's catalog in its default order, off the index (or kept). */
static void default_page(struct scp_req *r, const char *supplier, const struct scp_page *pg)
{
	const struct scp_kept_page *kept = scp_kept_find(&cat_pages, supplier, pg->page, pg->size);
	const char *link;
	PGresult *res;

	if (kept && kept_page(r, supplier, kept))
		return;
	res = scp_q(r, "catalog_page", r->auth.user_id, supplier, pg->page_text, pg->size_text);
	if (!res)
		return;
	link = link_of(res);
	if (link && !strcmp(link, "accepted"))
		scp_kept_keep(&cat_pages, supplier, pg->page, pg->size, PQgetvalue(res, 0, 1), 0,
			      PQgetvalue(res, 0, 2), (size_t)PQgetlength(res, 0, 2));
	catalog_answer(r, PQntuples(res) == 1, link, link ? PQgetvalue(res, 0, 2) : NULL,
		       link ? (size_t)PQgetlength(res, 0, 2) : 0);
}

/* One catalog page for supplier (NULL: every linked supplier). */
static void catalog_page(struct scp_req *r, const char *supplier)
{
	struct scp_page pg;
	const char *q, *cat, *key, *min, *max, *instock;
	PGresult *res;

	if (!scp_page_parse(r, &pg) || !scp_query_search(r, &q) ||
	    !scp_query_money(r, "min_price", &min) || !scp_query_money(r, "max_price", &max) ||
	    !scp_query_bool(r, "in_stock", &instock) ||
	    !scp_page_sort(r, cat_product_sorts, "name", &key))
		return;
	cat = scp_req_query(r, "category", NULL);
	if (supplier && !q && !cat && !min && !max && !instock && !strcmp(key, "name")) {
		default_page(r, supplier, &pg);
		return;
	}
	res = scp_q(r, "catalog", r->auth.user_id, supplier, q, cat, key, pg.page_text,
		    pg.size_text, min, max, instock);
	if (!res)
		return;
	catalog_answer(r, !strcmp(PQgetvalue(res, 0, 1), "t"),
		       PQgetisnull(res, 0, 0) ? NULL : PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 2),
		       (size_t)PQgetlength(res, 0, 2));
}

void cat_catalog_supplier(struct scp_req *r)
{
	catalog_page(r, r->params[0]);
}

void cat_catalog(struct scp_req *r)
{
	const char *sup;

	if (scp_query_uuid(r, "supplier_id", &sup))
		catalog_page(r, sup);
}

void cat_catalog_product(struct scp_req *r)
{
	PGresult *res = scp_q(r, "catalog_product", r->auth.user_id, r->params[0]);

	if (res)
		scp_send_row_json(r, 200, res);
}

/* GET /consumer/products/categories[?supplier_id=]: {categories: [string]}. */
void cat_catalog_categories(struct scp_req *r)
{
	const char *sup;
	PGresult *res;

	if (!scp_query_uuid(r, "supplier_id", &sup))
		return;
	res = scp_q(r, "catalog_categories", r->auth.user_id, sup);
	if (res)
		scp_send_row_json(r, 200, res);
}
