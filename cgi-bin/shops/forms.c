/*
 * A shop's order forms (Cliick.io's Form): list, create, read, update.
 *
 * This file checks the shape of the body (a name, a list of field objects) and passes
 * it to one SQL function per change (sql/functions/84_shop_orders.sql), which checks
 * each field against the guide's rules (type, label, required, options of a choice
 * field, the item ids of this shop) and the caller's rights: a form's rules are one
 * walk over its fields there, and the item ids must be looked up anyway.
 */
#include "shops.h"
#include "scp_json.h"
#include "scp_page.h"
#include "scp_validate.h"

#include <string.h>

#define FORM_ORDER(X) X "created_at DESC, " X "id DESC"
#define FIELDS_MAX 50

const struct scp_stmt shop_forms_stmts[] = {
	/* $1 shop, $2 caller, $3 page, $4 size: its forms, the newest first (member.c). */
	{ "shop_form_list",
	  SHOP_MEMBER_PAGED("SELECT f.id, f.created_at FROM shop_forms f WHERE f.shop_id = $1",
			    FORM_ORDER, "p JOIN shop_forms x ON x.id = p.id",
			    "scp_shop_form_json(x)") },
	/* $1 shop, $2 caller, $3 form: the caller's role and the form. */
	{ "shop_form_get",
	  "SELECT (SELECT role FROM shop_members WHERE shop_id = $1 AND user_id = $2),"
	  " (SELECT scp_shop_form_json(f) FROM shop_forms f WHERE f.id = $3 AND f.shop_id = $1)" },
	{ "shop_form_create", "SELECT scp_shop_form_create($1, $2, $3::jsonb)" },
	{ "shop_form_update", "SELECT scp_shop_form_update($1, $2, $3, $4::jsonb)" },
	SCP_STMT_END,
};

/*
 * The form fields of the body as JSON text for the SQL functions, or NULL with the
 * errors answered (422).  A blank name names nothing (SQL trims the name).
 */
static const char *form_fields(struct scp_req *r, json_object *b, bool create)
{
	json_object *set = json_object_new_object(), *v = NULL;
	const char *s, *text;
	bool has_name = json_object_object_get_ex(b, "name", &v);

	if (create && !has_name)
		scp_field_error(r, "name", "is required");
	if (has_name) {
		s = scp_field_str(r, b, "name", false, 1, 255);
		if (s && s[strspn(s, " \t\r\n")] == '\0')
			scp_field_error(r, "name", "must not be blank");
		else if (s)
			json_object_object_add(set, "name", json_object_new_string(s));
	}
	if (json_object_object_get_ex(b, "fields", &v)) {
		if (!json_object_is_type(v, json_type_array) ||
		    json_object_array_length(v) > FIELDS_MAX)
			scp_field_error(r, "fields", "must be a list of at most 50 fields");
		else
			json_object_object_add(set, "fields", json_object_get(v));
	}
	text = scp_arena_strdup(r->arena, json_object_to_json_string_ext(set, JSON_C_TO_STRING_PLAIN));
	json_object_put(set);
	return scp_fields_send(r) ? NULL : text;
}

void shop_forms_list(struct scp_req *r)
{
	struct scp_page pg;

	if (scp_page_parse(r, &pg))
		shop_member_list(r, "shop_form_list", &pg, 0, NULL);
}

void shop_form_get(struct scp_req *r)
{
	PGresult *res = scp_q(r, "shop_form_get", r->params[0], r->auth.user_id, r->params[1]);

	if (!res)
		return;
	/* No member of the shop, or no such form in it: not found alike. */
	if (PQgetisnull(res, 0, 0) || PQgetisnull(res, 0, 1))
		scp_not_found(r);
	else
		scp_send(r, 200, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1));
}

void shop_form_create(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *d;
	PGresult *res;

	if (!b || !(d = form_fields(r, b, true)))
		return;
	res = scp_q(r, "shop_form_create", r->params[0], r->auth.user_id, d);
	if (res)
		scp_send(r, 201, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
}

void shop_form_update(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *d;
	PGresult *res;

	if (!b || !(d = form_fields(r, b, false)))
		return;
	res = scp_q(r, "shop_form_update", r->params[0], r->auth.user_id, r->params[1], d);
	if (res)
		scp_send(r, 200, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
}
