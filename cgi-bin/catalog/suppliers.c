/* Supplier discovery and public profiles; the staff's own profile (GET·PUT /supplier/me). */
#include "catalog.h"
#include "scp_page.h"
#include "scp_query.h"
#include "scp_route.h"
#include "scp_validate.h"

#include <string.h>

/* By name; the id breaks ties. */
#define SUPPLIERS_ORDER(X) X "k, " X "id"

const struct scp_stmt cat_suppliers_stmts[] = {
	/* $1 calling consumer (or NULL), $2 search, $3 page, $4 page size. */
	{ "suppliers_list",
	  SCP_PAGED("SELECT s.id, lower(s.name) AS k, l.id AS link_id, l.status AS link_status"
		    " FROM suppliers s LEFT JOIN consumer_links l"
		    "   ON l.supplier_id = s.id AND l.consumer_id = $1::uuid"
		    " WHERE l.status IS DISTINCT FROM 'blocked'"
		    "   AND ($2::text IS NULL OR s.name ILIKE scp_like($2)"
		    "        OR s.description ILIKE scp_like($2))",
		    SUPPLIERS_ORDER, "p JOIN suppliers s ON s.id = p.id",
		    "scp_supplier_json(s, p.link_id, p.link_status)", "$3", "$4") },
	/* The suppliers that accepted consumer $1, by name; $2 search, $3 page, $4 size. */
	{ "suppliers_linked",
	  SCP_PAGED("SELECT s.id, lower(s.name) AS k, l.id AS link_id, l.status AS link_status"
		    " FROM consumer_links l JOIN suppliers s ON s.id = l.supplier_id"
		    " WHERE l.consumer_id = $1 AND l.status = 'accepted'"
		    "   AND ($2::text IS NULL OR s.name ILIKE scp_like($2)"
		    "        OR s.description ILIKE scp_like($2))",
		    SUPPLIERS_ORDER, "p JOIN suppliers s ON s.id = p.id",
		    "scp_supplier_json(s, p.link_id, p.link_status)", "$3", "$4") },
	/* $1 supplier, $2 calling consumer (or NULL): a blocked consumer finds nothing. */
	{ "supplier_get",
	  "SELECT scp_supplier_json(s, l.id, l.status) FROM suppliers s"
	  " LEFT JOIN consumer_links l ON l.supplier_id = s.id AND l.consumer_id = $2::uuid"
	  " WHERE s.id = $1 AND l.status IS DISTINCT FROM 'blocked'" },
	{ "profile_get",
	  "SELECT scp_supplier_profile_json(s) FROM suppliers s WHERE s.id = $1" },
	{ "profile_update", "SELECT scp_supplier_update($1, $2::jsonb)" },

	SCP_STMT_END,
};

/* The caller when it is a consumer: its link status then shows on every supplier. */
static const char *consumer_of(struct scp_req *r)
{
	return r->auth.role_bit == SCP_R_CONSUMER ? r->auth.user_id : NULL;
}

void cat_suppliers_list(struct scp_req *r)
{
	struct scp_page pg;
	const char *q;
	PGresult *res;

	if (!scp_page_parse(r, &pg) || !scp_query_search(r, &q))
		return;
	res = scp_q(r, "suppliers_list", consumer_of(r), q, pg.page_text, pg.size_text);
	if (res)
		scp_send_row_json(r, 200, res);
}

/* GET /consumer/linked-suppliers: the suppliers whose catalog the consumer may see. */
void cat_suppliers_linked(struct scp_req *r)
{
	struct scp_page pg;
	const char *q;
	PGresult *res;

	if (!scp_page_parse(r, &pg) || !scp_query_search(r, &q))
		return;
	res = scp_q(r, "suppliers_linked", r->auth.user_id, q, pg.page_text, pg.size_text);
	if (res)
		scp_send_row_json(r, 200, res);
}

void cat_supplier_get(struct scp_req *r)
{
	PGresult *res = scp_q(r, "supplier_get", r->params[0], consumer_of(r));

	if (res)
		scp_send_row_json(r, 200, res);
}

void cat_profile_get(struct scp_req *r)
{
	PGresult *res = scp_q(r, "profile_get", r->auth.supplier_id);

	if (res)
		scp_send_row_json(r, 200, res);
}

static const char *check_currency(struct scp_req *r, const char *s)
{
	for (int i = 0; i < 3; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return NULL;
	return s;
}

static const char *check_email(struct scp_req *r, const char *s)
{
	return scp_valid_email(s) ? s : NULL;
}

static const char *check_phone(struct scp_req *r, const char *s)
{
	return scp_valid_phone(s) ? s : NULL;
}

/* Check and copy the profile fields of b into set; errors are collected on r. */
static void profile_fields(struct scp_req *r, json_object *b, json_object *set)
{
	cat_copy_str(r, b, set, "name", false, 1, 200);
	cat_copy_str(r, b, set, "description", true, 0, 2000);
	cat_copy_str(r, b, set, "address", true, 0, 500);
	cat_copy_checked(r, b, set, "email", true, 3, 254, check_email,
			 "must be a valid email address");
	cat_copy_checked(r, b, set, "phone_number", true, 1, 20, check_phone,
			 "must be in E.164 format, e.g. +919876543210");
	cat_copy_checked(r, b, set, "logo_url", true, 1, 2048, cat_image_url,
			 "must be a URL returned by POST /uploads");
	cat_copy_checked(r, b, set, "currency", false, 3, 3, check_currency,
			 "must be an ISO 4217 code such as USD");
	cat_copy_money(r, b, set, "tax_rate", "tax_rate_bp", 0, 10000,
		       "must be a percentage from 0 to 100 with at most 2 decimals");
	cat_copy_money(r, b, set, "shipping_fee", "shipping_fee_minor", 0, 10000000000,
		       "must be an amount >= 0 with at most 2 decimals");
	cat_copy_int(r, b, set, "low_stock_threshold", 0, 1000000000);
}

void cat_profile_update(struct scp_req *r)
{
	json_object *b = scp_req_json(r), *set;
	const char *d;
	PGresult *res;

	if (!b)
		return;
	set = json_object_new_object();
	profile_fields(r, b, set);
	d = cat_json_text(r, set);
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "profile_update", r->auth.supplier_id, d);
	if (res)
		scp_send_row_json(r, 200, res);
}
