/*
 * A shop's products (Cliick.io's items): list, create, read, update, delete.
 *
 * This file checks each field's type and range and passes the checked fields, in the
 * shape sql/functions/81_shop_products.sql reads (money as minor units), to one SQL
 * function per change.  The functions check the caller's rights (404 for no member,
 * 403 for a support agent), the rules between fields (promo price below the retail
 * price, promo end after its start) and record every stock change as a movement.
 */
#include "shops.h"
#include "scp_json.h"
#include "scp_page.h"
#include "scp_upload.h"
#include "scp_validate.h"

#include <string.h>

#define PRODUCT_ORDER(X) X "created_at DESC, " X "id DESC"
#define MOVEMENT_ORDER(X) X "id DESC"

const struct scp_stmt shop_products_stmts[] = {
	/* $1 shop, $2 caller, $3 page, $4 size: its products, the newest first (member.c). */
	{ "shop_product_list",
	  SHOP_MEMBER_PAGED("SELECT p.id, p.created_at FROM shop_products p"
			    " WHERE p.shop_id = $1 AND p.deleted_at IS NULL",
			    PRODUCT_ORDER, "p JOIN shop_products x ON x.id = p.id",
			    "scp_shop_product_json(x)") },
	/* $1 shop, $2 caller, $3 product: the caller's role and the product. */
	{ "shop_product_get",
	  "SELECT (SELECT role FROM shop_members WHERE shop_id = $1 AND user_id = $2),"
	  " (SELECT scp_shop_product_json(p) FROM shop_products p"
	  "  WHERE p.id = $3 AND p.shop_id = $1 AND p.deleted_at IS NULL)" },
	{ "shop_product_create", "SELECT scp_shop_product_create($1, $2, $3::jsonb)" },
	{ "shop_product_update", "SELECT scp_shop_product_update($1, $2, $3, $4::jsonb)" },
	{ "shop_product_delete", "SELECT scp_shop_product_delete($1, $2, $3)" },
	/* $1 shop, $2 caller, $3 product: the caller's role, and whether the product is. */
	{ "shop_product_movements_of",
	  "SELECT (SELECT role FROM shop_members WHERE shop_id = $1 AND user_id = $2),"
	  " EXISTS (SELECT FROM shop_products p"
	  "  WHERE p.id = $3 AND p.shop_id = $1 AND p.deleted_at IS NULL)" },
	/*
	 * $1 product, $2 page, $3 size: its stock movements, the latest first, in the
	 * frontend's StockMovement names (change, new_stock, reason, timestamp).
	 */
	{ "shop_product_movements",
	  SCP_PAGED("SELECT m.id FROM shop_stock_movements m WHERE m.product_id = $1",
		    MOVEMENT_ORDER, "p JOIN shop_stock_movements x ON x.id = p.id",
		    "scp_stock_movement_json(x)", "$2", "$3") },
	SCP_STMT_END,
};

/* Bounds shared with the CHECK constraints of sql/081_shop_products.sql. */
#define PRICE_MAX 10000000000LL	/* 100 000 000.00 */
#define STOCK_MAX 1000000000LL
#define PRICE_WHY "must be a number greater than 0 and at most 100000000, with at most 2 decimals"
#define PROMO_WHY "must be a number from 0 to 100000000, with at most 2 decimals"

static const char *const item_types[] = { "product", "service", NULL };

/* A field being checked: the request, its body and the checked fields so far. */
struct fields {
	struct scp_req *r;
	json_object *b;
	json_object *set;
};

/* 0: field absent, 1: null, 2: a value (in *v). */
static int field_state(json_object *b, const char *field, json_object **v)
{
	json_object *x = NULL;

	if (!json_object_object_get_ex(b, field, &x))
		return 0;
	*v = x;
	return x && !json_object_is_type(x, json_type_null) ? 2 : 1;
}

/* Is the field null where null is not allowed?  Reports it then. */
static bool null_refused(struct fields *f, const char *field, int st, bool nullable)
{
	if (st != 1)
		return false;
	if (nullable)
		json_object_object_add(f->set, field, NULL);
	else
		scp_field_error(f->r, field, "must not be null");
	return true;
}

static void copy_str(struct fields *f, const char *field, bool nullable, size_t min,
		     size_t max)
{
	json_object *v;
	int st = field_state(f->b, field, &v);
	const char *s;

	if (!st || null_refused(f, field, st, nullable))
		return;
	s = scp_field_str(f->r, f->b, field, false, min, max);
	if (s)
		json_object_object_add(f->set, field, json_object_new_string(s));
}

/* A decimal amount in JSON, copied as minor units under the name as. */
static void copy_money(struct fields *f, const char *field, const char *as, bool nullable,
		       int64_t min, const char *why)
{
	json_object *v;
	int64_t minor;
	int st = field_state(f->b, field, &v);

	if (!st)
		return;
	if (st == 1) {
		if (nullable)
			json_object_object_add(f->set, as, NULL);
		else
			scp_field_error(f->r, field, why);
		return;
	}
	if (!scp_json_money(v, &minor) || minor < min || minor > PRICE_MAX) {
		scp_field_error(f->r, field, why);
		return;
	}
	json_object_object_add(f->set, as, json_object_new_int64(minor));
}

static void copy_int(struct fields *f, const char *field, int64_t min, int64_t max)
{
	json_object *v;
	int64_t n;
	int st = field_state(f->b, field, &v);

	if (!st || null_refused(f, field, st, false))
		return;
	if (scp_field_int(f->r, f->b, field, false, min, max, &n))
		json_object_object_add(f->set, field, json_object_new_int64(n));
}

/* An image: only a file this system stored through POST /uploads, as catalog products. */
static void copy_image(struct fields *f)
{
	json_object *v;
	int st = field_state(f->b, "image_url", &v);
	const char *s, *own;

	if (!st || null_refused(f, "image_url", st, true))
		return;
	s = scp_field_str(f->r, f->b, "image_url", false, 1, 2048);
	if (!s)
		return;
	own = scp_upload_own_url(f->r->arena, s, "images");
	if (!own)
		scp_field_error(f->r, "image_url", "must be a URL returned by POST /uploads");
	else
		json_object_object_add(f->set, "image_url", json_object_new_string(own));
}

/*
 * Check the product fields of the body and return them as JSON text for the SQL
 * functions, or NULL with the errors answered (422).  stock sets the stock; on an
 * update stock_delta changes it relative to what it is when the change is applied.
 */
static const char *product_fields(struct scp_req *r, json_object *b, bool create)
{
	struct fields f = { r, b, json_object_new_object() };
	const char *s, *text;
	json_object *v;

	if (create && !field_state(b, "name", &v))
		scp_field_error(r, "name", "is required");
	if (create && !field_state(b, "retail_price", &v))
		scp_field_error(r, "retail_price", "is required");
	copy_str(&f, "name", false, 1, 200);
	copy_str(&f, "description", true, 0, 5000);
	if (!null_refused(&f, "item_type", field_state(b, "item_type", &v), false)) {
		s = scp_field_enum(r, b, "item_type", false, item_types);
		if (s)
			json_object_object_add(f.set, "item_type", json_object_new_string(s));
	}
	copy_money(&f, "retail_price", "retail_price_minor", false, 1, PRICE_WHY);
	copy_money(&f, "promo_price", "promo_price_minor", true, 0, PROMO_WHY);
	copy_str(&f, "promo_start_date", true, 10, 40);
	copy_str(&f, "promo_end_date", true, 10, 40);
	copy_image(&f);
	copy_str(&f, "category", true, 1, 100);
	copy_int(&f, "stock", 0, STOCK_MAX);
	if (!create) {
		copy_int(&f, "stock_delta", -STOCK_MAX, STOCK_MAX);
		if (json_object_object_get_ex(f.set, "stock_delta", &v) && !json_object_get_int64(v))
			scp_field_error(r, "stock_delta", "must not be 0");
		if (field_state(b, "stock", &v) && field_state(b, "stock_delta", &v))
			scp_field_error(r, "stock_delta", "may not be sent with stock");
	}
	copy_str(&f, "stock_reason", false, 1, 200);
	text = scp_arena_strdup(r->arena,
				json_object_to_json_string_ext(f.set, JSON_C_TO_STRING_PLAIN));
	json_object_put(f.set);
	return scp_fields_send(r) ? NULL : text;
}

/* Send the one JSON value of res, or 404 when it is NULL. */
static void send_value(struct scp_req *r, int status, PGresult *res)
{
	if (PQgetisnull(res, 0, 0))
		scp_not_found(r);
	else
		scp_send(r, status, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
}

void shop_products_list(struct scp_req *r)
{
	struct scp_page pg;

	if (scp_page_parse(r, &pg))
		shop_member_list(r, "shop_product_list", &pg, 0, NULL);
}

void shop_product_create(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *d;
	PGresult *res;

	if (!b || !(d = product_fields(r, b, true)))
		return;
	res = scp_q(r, "shop_product_create", r->params[0], r->auth.user_id, d);
	if (res)
		send_value(r, 201, res);
}

void shop_product_get(struct scp_req *r)
{
	PGresult *res = scp_q(r, "shop_product_get", r->params[0], r->auth.user_id,
			      r->params[1]);

	if (!res)
		return;
	/* No member of the shop, or no such product in it: not found alike. */
	if (PQgetisnull(res, 0, 0) || PQgetisnull(res, 0, 1))
		scp_not_found(r);
	else
		scp_send(r, 200, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1));
}

void shop_product_update(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *d;
	PGresult *res;

	if (!b || !(d = product_fields(r, b, false)))
		return;
	res = scp_q(r, "shop_product_update", r->params[0], r->auth.user_id, r->params[1], d);
	if (res)
		send_value(r, 200, res);
}

void shop_product_delete(struct scp_req *r)
{
	static const char ok[] = "{\"success\":true,\"message\":\"product deleted\"}";
	PGresult *res = scp_q(r, "shop_product_delete", r->params[0], r->auth.user_id,
			      r->params[1]);

	if (res)
		scp_send(r, 200, ok, sizeof(ok) - 1);
}

/* A product's stock history (any member; a deleted product's is gone with it: 404). */
void shop_product_movements(struct scp_req *r)
{
	struct scp_page pg;
	PGresult *res;

	if (!scp_page_parse(r, &pg))
		return;
	res = scp_q(r, "shop_product_movements_of", r->params[0], r->auth.user_id,
		    r->params[1]);
	if (!res)
		return;
	if (PQgetisnull(res, 0, 0) || strcmp(PQgetvalue(res, 0, 1), "t")) {
		scp_not_found(r);
		return;
	}
	res = scp_q(r, "shop_product_movements", r->params[1], pg.page_text, pg.size_text);
	if (res)
		scp_send_row_json(r, 200, res);
}
