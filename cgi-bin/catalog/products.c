/*
 * The supplier's products: list, create, read, update, delete, bulk update.  Every
 * statement is scoped by the caller's supplier, so another supplier's id is simply not
 * found (404) and nothing changes.  supplier_id, id and timestamps in a body are never
 * read.
 */
#include "catalog.h"
#include "scp_json.h"
#include "scp_page.h"
#include "scp_query.h"
#include "scp_route.h"
#include "scp_validate.h"

#include <string.h>

/* The supplier's list, newest first unless ?sort_by= says otherwise. */
#define PRODUCTS_ORDER(X) CAT_PRODUCT_ORDER_BY("$6", X)

const struct scp_stmt cat_products_stmts[] = {
	/*
	 * The supplier's products.  $1 supplier, $2 search, $3 category, $4 is_active,
	 * $5 low_stock, $6 sort key, $7 page, $8 size, $9/$10 price range, $11 in stock.
	 */
	{ "products_list",
	  SCP_PAGED("SELECT" CAT_PRODUCT_KEYS
		    " FROM products p, (SELECT low_stock_threshold FROM suppliers WHERE id = $1) s"
		    " WHERE p.supplier_id = $1 AND p.deleted_at IS NULL"
		    CAT_PRODUCT_FILTERS("$2", "$3", "$9", "$10", "$11")
		    "   AND ($4::boolean IS NULL OR p.is_active = $4)"
		    "   AND ($5::boolean IS NOT TRUE OR p.stock_level <= s.low_stock_threshold)",
		    PRODUCTS_ORDER, CAT_PRODUCT_FROM, CAT_PRODUCT_ROW, "$7", "$8") },
	{ "product_create", "SELECT scp_product_create($1, $2::jsonb)" },
	{ "product_get",
	  "SELECT api_view FROM products"
	  " WHERE id = $2 AND supplier_id = $1 AND deleted_at IS NULL" },
	{ "product_update", "SELECT scp_product_update($1, $2, $3::jsonb)" },
	/* Soft delete: order lines keep naming the product; every list forgets it. */
	{ "product_delete",
	  "UPDATE products SET deleted_at = now(), is_active = false, updated_at = now()"
	  " WHERE id = $2 AND supplier_id = $1 AND deleted_at IS NULL RETURNING id" },
	{ "products_bulk",
	  "SELECT scp_products_bulk_update($1, $2::uuid[], $3::bigint, $4::int,"
	  " $5::int)" },

	SCP_STMT_END,
};

/* Bounds shared with the CHECK constraints of sql/002_b2b.sql (the products table). */
#define PRICE_MAX 10000000000LL	/* 100 000 000.00 */
#define STOCK_MAX 1000000000LL
#define MOQ_MAX 1000000LL
#define BULK_MAX 1000

#define PRICE_WHY "must be a number greater than 0 and at most 100000000, with at most 2 decimals"
#define DISCOUNT_WHY "must be a percentage from 0 to 100 with at most 2 decimals"

const char *const cat_product_sorts[] = { SCP_SORT_NAMES(CAT_PRODUCT_SORTS) NULL };

void cat_products_list(struct scp_req *r)
{
	struct scp_page pg;
	const char *q, *cat, *active, *low, *key, *min, *max, *instock;
	PGresult *res;

	if (!scp_page_parse(r, &pg) || !scp_query_search(r, &q) ||
	    !scp_query_bool(r, "is_active", &active) || !scp_query_bool(r, "low_stock", &low) ||
	    !scp_query_bool(r, "in_stock", &instock) ||
	    !scp_query_money(r, "min_price", &min) || !scp_query_money(r, "max_price", &max) ||
	    !scp_page_sort(r, cat_product_sorts, "-created_at", &key))	/* newest first */
		return;
	/* ?active= is another name for ?is_active=. */
	if (!active && !scp_query_bool(r, "active", &active))
		return;
	cat = scp_req_query(r, "category", NULL);
	res = scp_q(r, "products_list", r->auth.supplier_id, q, cat, active, low, key,
		    pg.page_text, pg.size_text, min, max, instock);
	if (res)
		scp_send_row_json(r, 200, res);
}

void cat_products_any(struct scp_req *r)
{
	if (r->auth.role_bit == SCP_R_CONSUMER)
		cat_catalog(r);
	else
		cat_products_list(r);
}

/* A boolean field copied into set as is_active ("active" is accepted too). */
static void copy_active(struct scp_req *r, json_object *b, json_object *set)
{
	const char *field = "is_active";
	json_object *v;
	int st = cat_field_state(b, field, &v);

	if (!st) {
		field = "active";
		st = cat_field_state(b, field, &v);
	}
	if (!st)
		return;
	if (st == 1 || !json_object_is_type(v, json_type_boolean)) {
		scp_field_error(r, field, "must be true or false");
		return;
	}
	json_object_object_add(set, "is_active",
			       json_object_new_boolean(json_object_get_boolean(v)));
}

/*
 * Check the product fields of b and copy them, in the shape scp_product_create/update
 * read (price_minor, discount_bp…), into a new object.  Errors are collected on r.
 */
static json_object *product_fields(struct scp_req *r, json_object *b, bool create)
{
	json_object *set = json_object_new_object(), *v;

	/* A null name or price is refused by the checks below, once. */
	if (create && !cat_field_state(b, "name", &v))
		scp_field_error(r, "name", "is required");
	if (create && !cat_field_state(b, "price", &v))
		scp_field_error(r, "price", "is required");
	cat_copy_str(r, b, set, "name", false, 1, 200);
	cat_copy_str(r, b, set, "description", true, 0, 5000);
	cat_copy_checked(r, b, set, "image_url", true, 1, 2048, cat_image_url,
			 "must be a URL returned by POST /uploads");
	cat_copy_str(r, b, set, "unit", false, 1, 32);
	cat_copy_str(r, b, set, "category", true, 1, 100);
	cat_copy_str(r, b, set, "sku", true, 1, 64);
	cat_copy_money(r, b, set, "price", "price_minor", 1, PRICE_MAX, PRICE_WHY);
	/* No discount is a discount of 0. */
	if (cat_field_state(b, "discount", &v) == 1)
		json_object_object_add(set, "discount_bp", json_object_new_int(0));
	else
		cat_copy_money(r, b, set, "discount", "discount_bp", 0, 10000, DISCOUNT_WHY);
	cat_copy_int(r, b, set, "stock_level", 0, STOCK_MAX);
	cat_copy_int(r, b, set, "min_order_quantity", 1, MOQ_MAX);
	copy_active(r, b, set);
	return set;
}

void cat_product_create(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *d;
	PGresult *res;

	if (!b)
		return;
	d = cat_json_text(r, product_fields(r, b, true));
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "product_create", r->auth.supplier_id, d);
	if (res)
		scp_send_row_json(r, 201, res);
}

void cat_product_get(struct scp_req *r)
{
	PGresult *res = scp_q(r, "product_get", r->auth.supplier_id, r->params[0]);

	if (res)
		scp_send_row_json(r, 200, res);
}

void cat_product_update(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *d;
	PGresult *res;

	if (!b)
		return;
	d = cat_json_text(r, product_fields(r, b, false));
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "product_update", r->auth.supplier_id, r->params[0], d);
	if (res)
		scp_send_row_json(r, 200, res);
}

void cat_product_delete(struct scp_req *r)
{
	static const char ok[] = "{\"success\":true,\"message\":\"product deleted\"}";
	PGresult *res = scp_q(r, "product_delete", r->auth.supplier_id, r->params[0]);

	if (!res)
		return;
	if (PQntuples(res) == 1)
		scp_send(r, 200, ok, sizeof(ok) - 1);
	else
		scp_not_found(r);
}

/* product_ids (or ids): 1..BULK_MAX UUIDs, as a PostgreSQL array literal. */
static const char *bulk_ids(struct scp_req *r, json_object *b)
{
	const char *field = "product_ids";
	json_object *ids = scp_json_get(b, field);
	char *out, *o;
	size_t n;

	if (!ids) {
		field = "ids";
		ids = scp_json_get(b, field);
	}
	if (!ids) {
		scp_field_error(r, "product_ids", "is required");
		return NULL;
	}
	n = scp_json_is(ids, json_type_array) ? json_object_array_length(ids) : 0;
	if (n < 1 || n > BULK_MAX) {
		scp_field_error(r, field, "must be an array of 1 to 1000 product ids");
		return NULL;
	}
	o = out = scp_arena_alloc(r->arena, n * 37 + 3);
	*o++ = '{';
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(ids, i);
		const char *s = scp_json_is(e, json_type_string) ? json_object_get_string(e) : NULL;

		if (!s || !scp_valid_uuid(s)) {
			scp_field_error(r, scp_arena_printf(r->arena, "%s[%zu]", field, i),
					"must be a product id");
			return NULL;
		}
		if (i)
			*o++ = ',';
		memcpy(o, s, 36);
		o += 36;
	}
	*o++ = '}';
	*o = '\0';
	return out;
}

/* A value copied into set, as text for a statement parameter; NULL when absent. */
static const char *set_text(struct scp_req *r, json_object *set, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(set, key, &v))
		return NULL;
	return scp_arena_strdup(r->arena, json_object_get_string(v));
}

void cat_products_bulk_update(struct scp_req *r)
{
	json_object *b = scp_req_json(r), *u, *set;
	const char *ids, *price, *stock, *disc;
	PGresult *res;

	if (!b)
		return;
	ids = bulk_ids(r, b);
	/* {"updates": {...}} as the SCP portal sends it, or the fields at the top level. */
	u = scp_json_get(b, "updates");
	if (u && !scp_json_is(u, json_type_object)) {
		scp_field_error(r, "updates", "must be an object");
		u = NULL;
	}
	if (!u)
		u = b;
	set = json_object_new_object();
	cat_copy_money(r, u, set, "price", "price_minor", 1, PRICE_MAX, PRICE_WHY);
	cat_copy_int(r, u, set, "stock_level", 0, STOCK_MAX);
	cat_copy_money(r, u, set, "discount", "discount_bp", 0, 10000, DISCOUNT_WHY);
	if (!json_object_object_length(set) && !r->nfields)
		scp_field_error(r, "updates", "must set price, stock_level or discount");
	price = set_text(r, set, "price_minor");
	stock = set_text(r, set, "stock_level");
	disc = set_text(r, set, "discount_bp");
	json_object_put(set);
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "products_bulk", r->auth.supplier_id, ids, price, stock, disc);
	if (res)
		scp_send_row_json(r, 200, res);
}
