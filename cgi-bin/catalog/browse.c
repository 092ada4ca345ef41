/*
 * The consumer's catalog: the active products of the suppliers that accepted its link.
 * Without an accepted link: 403; a supplier that blocked the consumer, or none at all:
 * 404 (a blocked consumer sees nothing of that supplier).
 */
#include "catalog.h"
#include "page_cache.h"
#include "scp_page.h"
#include "scp_validate.h"

#include <string.h>

static const char *const sort_keys[] = {
	"name", "price", "stock_level", "created_at", "updated_at", NULL,
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
 * A kept page of this supplier's catalog, if the database still has it at the version
 * it was rendered at: answered (true), else false with nothing sent but what
 * refuses the caller.
 */
static bool kept_page(struct scp_req *r, const char *supplier, const struct cat_page *kept)
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
	const struct cat_page *kept = cat_page_find(supplier, pg->page, pg->size);
	const char *link;
	PGresult *res;

	if (kept && kept_page(r, supplier, kept))
		return;
	res = scp_q(r, "catalog_page", r->auth.user_id, supplier, pg->page_text, pg->size_text);
	if (!res)
		return;
	link = link_of(res);
	if (link && !strcmp(link, "accepted"))
		cat_page_keep(supplier, pg->page, pg->size, PQgetvalue(res, 0, 1),
			      PQgetvalue(res, 0, 2), (size_t)PQgetlength(res, 0, 2));
	catalog_answer(r, PQntuples(res) == 1, link, link ? PQgetvalue(res, 0, 2) : NULL,
		       link ? (size_t)PQgetlength(res, 0, 2) : 0);
}

/* One catalog page for supplier (NULL: every linked supplier). */
static void catalog_page(struct scp_req *r, const char *supplier)
{
	struct scp_page pg;
	const char *q, *cat, *key, *desc, *min, *max, *instock;
	PGresult *res;

	if (!scp_page_parse(r, &pg) || !cat_query_search(r, &q) ||
	    !cat_query_money(r, "min_price", &min) || !cat_query_money(r, "max_price", &max) ||
	    !cat_query_bool(r, "in_stock", &instock) ||
	    !cat_query_sort(r, sort_keys, "name", false, &key, &desc))
		return;
	cat = cat_query_text(r, "category");
	if (supplier && !q && !cat && !min && !max && !instock && !strcmp(key, "name") &&
	    !strcmp(desc, "f")) {
		default_page(r, supplier, &pg);
		return;
	}
	res = scp_q(r, "catalog", r->auth.user_id, supplier, q, cat, key, desc, pg.page_text,
		    pg.size_text, min, max, instock);
	if (!res)
		return;
	catalog_answer(r, !strcmp(PQgetvalue(res, 0, 1), "t"),
		       PQgetisnull(res, 0, 0) ? NULL : PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 2),
		       (size_t)PQgetlength(res, 0, 2));
}

void cat_catalog_supplier(struct scp_req *r)
{
	const char *id = cat_id(r, 0);

	if (id)
		catalog_page(r, id);
}

void cat_catalog(struct scp_req *r)
{
	const char *sup = cat_query_text(r, "supplier_id");

	if (sup && !scp_valid_uuid(sup)) {
		scp_bad_request(r, "supplier_id must be a UUID");
		return;
	}
	catalog_page(r, sup);
}

void cat_catalog_product(struct scp_req *r)
{
	const char *id = cat_id(r, 0);
	PGresult *res;

	if (!id)
		return;
	res = scp_q(r, "catalog_product", r->auth.user_id, id);
	if (res)
		scp_send_row_json(r, 200, res);
}
