/*
 * A shop's orders (Cliick.io's FormSubmission): placing one through a form (no account;
 * nginx limits it per client address), listing and reading them, moving their status.
 *
 * This file checks the shape of the body; sql/functions/84_shop_orders.sql checks the
 * values against the form's fields, prices the products at what they cost now, and
 * moves the status through the 'cliick_order' machine, taking stock on confirmation.
 * Placing takes an Idempotency-Key (see order_scope).
 */
#include "shops.h"
#include "scp_hmac.h"
#include "scp_idem.h"
#include "scp_json.h"
#include "scp_page.h"
#include "scp_validate.h"

#include <stdio.h>
#include <string.h>

#define ORDER_ORDER(X) X "created_at DESC, " X "id DESC"
#define ITEMS_MAX 100
#define QUANTITY_MAX 10000

const struct scp_stmt shop_orders_stmts[] = {
	/* $1 shop, $2 caller, $3 page, $4 size: its orders, the newest first (member.c). */
	{ "shop_order_list",
	  SHOP_MEMBER_PAGED("SELECT o.id, o.created_at FROM shop_orders o WHERE o.shop_id = $1",
			    ORDER_ORDER, "p JOIN shop_orders x ON x.id = p.id",
			    "scp_shop_order_json(x)") },
	/* $1 shop, $2 caller, $3 order: the caller's role and the order. */
	{ "shop_order_get",
	  "SELECT (SELECT role FROM shop_members WHERE shop_id = $1 AND user_id = $2),"
	  " (SELECT scp_shop_order_json(o) FROM shop_orders o WHERE o.id = $3 AND o.shop_id = $1)" },
	{ "shop_order_place", "SELECT scp_shop_order_place($1, $2, $3::jsonb)" },
	{ "shop_order_move", "SELECT scp_shop_order_move($1, $2, $3, $4)" },
	SCP_STMT_END,
};

static const char *const statuses[] = { "Pending", "Confirmed", "Completed", "Cancelled",
					"Return", NULL };

/* The error at ordered_products[i].<key> (key NULL: the item itself). */
static void item_error(struct scp_req *r, size_t i, const char *key, const char *why)
{
	char path[80];

	snprintf(path, sizeof(path), "ordered_products[%zu]%s%s", i, key ? "." : "",
		 key ? key : "");
	scp_field_error(r, scp_arena_strdup(r->arena, path), why);
}

/*
 * One ordered product {product_id, quantity}, appended to out.  The item is checked
 * here, not with scp_field_*, whose errors would name the bare key.
 */
static void ordered_item(struct scp_req *r, json_object *x, size_t i, json_object *out,
			 json_object *seen)
{
	json_object *id = NULL, *q = NULL, *o;
	const char *s = NULL;
	int64_t n = 0;

	if (!json_object_is_type(x, json_type_object)) {
		item_error(r, i, NULL, "must be an object");
		return;
	}
	if (json_object_object_get_ex(x, "product_id", &id) && json_object_is_type(id, json_type_string))
		s = json_object_get_string(id);
	if (!s || !scp_valid_uuid(s)) {
		item_error(r, i, "product_id", "must be a product id");
		s = NULL;
	} else if (json_object_object_get_ex(seen, s, NULL)) {
		item_error(r, i, "product_id", "is ordered twice");
		s = NULL;
	}
	if (json_object_object_get_ex(x, "quantity", &q) && json_object_is_type(q, json_type_int))
		n = json_object_get_int64(q);
	if (n < 1 || n > QUANTITY_MAX) {
		item_error(r, i, "quantity", "must be a whole number from 1 to 10000");
		n = 0;
	}
	if (!s || !n)
		return;
	json_object_object_add(seen, s, NULL);
	o = json_object_new_object();
	json_object_object_add(o, "product_id", json_object_new_string(s));
	json_object_object_add(o, "quantity", json_object_new_int64(n));
	json_object_array_add(out, o);
}

/* The order of the body as JSON text for scp_shop_order_place, or NULL (422 answered). */
static const char *order_fields(struct scp_req *r, json_object *b)
{
	json_object *set = json_object_new_object(), *items = json_object_new_array();
	json_object *seen = json_object_new_object(), *v = NULL;
	const char *s, *text;

	if (json_object_object_get_ex(b, "custom_fields", &v) && !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_object) || json_object_object_length(v) > 50)
			scp_field_error(r, "custom_fields", "must be an object of at most 50 answers");
		else
			json_object_object_add(set, "custom_fields", json_object_get(v));
	}
	if (json_object_object_get_ex(b, "ordered_products", &v) &&
	    !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_array) ||
		    json_object_array_length(v) > ITEMS_MAX)
			scp_field_error(r, "ordered_products", "must be a list of at most 100 products");
		else
			for (size_t i = 0; i < json_object_array_length(v); i++)
				ordered_item(r, json_object_array_get_idx(v, i), i, items, seen);
	}
	json_object_object_add(set, "ordered_products", items);
	if (json_object_object_get_ex(b, "payment_method", &v) &&
	    !json_object_is_type(v, json_type_null)) {
		s = scp_field_str(r, b, "payment_method", false, 1, 200);
		if (s)
			json_object_object_add(set, "payment_method", json_object_new_string(s));
	}
	text = scp_arena_strdup(r->arena, json_object_to_json_string_ext(set, JSON_C_TO_STRING_PLAIN));
	json_object_put(set);
	json_object_put(seen);
	return scp_fields_send(r) ? NULL : text;
}

static void order_place(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *d;
	PGresult *res;

	if (!b || !(d = order_fields(r, b)))
		return;
	res = scp_q(r, "shop_order_place", r->params[0], r->params[1], d);
	if (res)
		scp_send(r, 201, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
}

/*
 * Whom an order's Idempotency-Key belongs to.  scp_idem keeps keys per caller and
 * ignores anonymous requests; a customer ordering through a form has no account, so the
 * key's owner (scp_idem_begin_for) names "this form of this shop, from this client
 * address" instead: a uuid made from their SHA-256, of version 8, which no account's
 * id (version 4, gen_random_uuid) can ever be.  Two customers' keys meet only when they
 * share an address (a NAT) and the key; even then the fingerprint (method, path, the
 * body's SHA-256) answers the second 422 unless it is the very same order, whose answer
 * it then gets.  The body is not part of the scope: a key reused with another body
 * must be refused, not taken for a new order.
 */
static const char *order_scope(struct scp_req *r)
{
	static const char hex[] = "0123456789abcdef";
	char h[SCP_SHA256_HEX];
	const char *s = scp_arena_printf(r->arena, "cliick-order-submission\n%s\n%s\n%s",
					 r->params[0], r->params[1],
					 r->remote_addr ? r->remote_addr : "");

	scp_sha256_hex(h, s, strlen(s));
	h[12] = '8';			/* version 8: made here, not random */
	h[16] = "89ab"[(strchr(hex, h[16]) - hex) & 3];	/* the RFC 9562 variant */
	return scp_arena_printf(r->arena, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12,
				h + 16, h + 20);
}

/*
 * POST .../submissions: with an Idempotency-Key, the order runs between
 * scp_idem_begin_for and scp_idem_end as a flagged route's handler does (replay, 422 on
 * another body, 409 while the first runs), the key owned by order_scope; without one,
 * as ever.
 */
void shop_order_place(struct scp_req *r)
{
	struct scp_idem k = { 0 };

	if (!scp_req_param(r, "HTTP_IDEMPOTENCY_KEY")) {
		order_place(r);
		return;
	}
	if (scp_idem_begin_for(r, &k, order_scope(r)))
		order_place(r);
	scp_idem_end(r, &k);
}

void shop_orders_list(struct scp_req *r)
{
	struct scp_page pg;

	if (scp_page_parse(r, &pg))
		shop_member_list(r, "shop_order_list", &pg, 0, NULL);
}

void shop_order_get(struct scp_req *r)
{
	PGresult *res = scp_q(r, "shop_order_get", r->params[0], r->auth.user_id, r->params[1]);

	if (!res)
		return;
	if (PQgetisnull(res, 0, 0) || PQgetisnull(res, 0, 1))
		scp_not_found(r);
	else
		scp_send(r, 200, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1));
}

void shop_order_status(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *s;
	PGresult *res;

	if (!b)
		return;
	s = scp_field_enum(r, b, "status", true, statuses);
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "shop_order_move", r->params[0], r->auth.user_id, r->params[1], s);
	if (res)
		scp_send(r, 200, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
}
