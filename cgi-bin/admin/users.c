/*
 * The admin's users: GET /admin/users (by role, status and search), POST /admin/users
 * (an account of any marketplace role, with a password, or to sign in by OTP), and
 * PATCH /admin/users/:id (role or status; scp_admin_user_update refuses an admin's
 * own demotion or ban).
 */
#include "admin.h"
#include "scp_config.h"
#include "scp_json.h"
#include "scp_page.h"
#include "scp_password.h"
#include "scp_query.h"
#include "scp_validate.h"

/* Newest first; the id keeps pages from overlapping. */
#define USERS_NEWEST(X) X "created_at DESC, " X "id"

const struct scp_stmt admin_users_stmts[] = {
	/* $1 role, $2 status, $3 search, $4 page, $5 size */
	{ "admin_users",
	  SCP_PAGED("SELECT u.id, u.created_at FROM users u WHERE ($1::text IS NULL OR u.role = $1)"
		    " AND ($2::text IS NULL OR u.status = $2)"
		    " AND ($3::text IS NULL OR strpos(lower(concat_ws(' ', u.email,"
		    "  u.phone_number, u.first_name, u.last_name, u.company_name)), lower($3)) > 0)",
		    USERS_NEWEST, "p JOIN users u ON u.id = p.id", "scp_user_json(u)",
		    "$4", "$5") },
	{ "admin_user_create",
	  "INSERT INTO users AS u (email, password_hash, role, first_name, last_name,"
	  " company_name, phone_number) VALUES ($1, $2, $3, $4, $5, $6, $7)"
	  " RETURNING scp_user_json(u)" },
	{ "admin_user_update", "SELECT scp_admin_user_update($1, $2, $3, $4)" },
	SCP_STMT_END,
};

/* The roles an admin may give. */
static const char *const user_roles[] = { "client", "vendor", "agent", "admin", "consumer",
					  NULL };
static const char *const user_statuses[] = { "active", "banned", "deactivated", NULL };

void admin_users_list(struct scp_req *r)
{
	static const char *const all_roles[] = { "consumer", "owner", "manager", "sales_rep",
						 "client", "vendor", "agent", "admin", NULL };
	const char *role, *status, *search;
	struct scp_page pg;
	PGresult *res;

	if (!scp_query_enum(r, "role", all_roles, &role) ||
	    !scp_query_enum(r, "status", user_statuses, &status) ||
	    !scp_page_parse(r, &pg) || !scp_query_search(r, &search))
		return;
	res = scp_q(r, "admin_users", role, status, search, pg.page_text, pg.size_text);
	if (res)
		scp_send_row_json(r, 200, res);
}

void admin_users_create(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *email, *phone, *pw, *role, *first, *last, *company;
	char hash[SCP_HASH_MAX];
	PGresult *res;

	if (!b)
		return;
	email = scp_field_email(r, b, "email", false);
	phone = scp_field_phone(r, b, "phone_number", false);
	pw = scp_field_password(r, b, "password", false);
	role = scp_field_enum(r, b, "role", true, user_roles);
	first = scp_field_str(r, b, "first_name", false, 1, 100);
	last = scp_field_str(r, b, "last_name", false, 1, 100);
	company = scp_field_str(r, b, "company_name", false, 1, 200);
	if (!email && !phone && !scp_json_get(b, "email") && !scp_json_get(b, "phone_number"))
		scp_field_error(r, "email", "email or phone_number is required");
	if (pw && !email)
		scp_field_error(r, "password", "needs an email to sign in with");
	if (scp_fields_send(r))
		return;
	if (pw && !scp_password_hash(pw, scp_cfg.password_cost, hash)) {
		scp_send_internal(r);
		return;
	}
	res = scp_q(r, "admin_user_create", email, pw ? hash : NULL, role, first, last, company,
		    phone);
	if (res)
		scp_send_row_json(r, 201, res);
}

/* A status shorthand: the boolean field true → yes, false → no; absent → NULL. */
static const char *shorthand(struct scp_req *r, json_object *b, const char *field,
			     const char *yes, const char *no)
{
	json_object *v = scp_json_get(b, field);

	if (!v)
		return NULL;
	if (!json_object_is_type(v, json_type_boolean)) {
		scp_field_error(r, field, "must be true or false");
		return NULL;
	}
	return json_object_get_boolean(v) ? yes : no;
}

/* PATCH {role?, status?, is_active?, banned?}: the booleans are status shorthands. */
void admin_users_update(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *role, *status;
	PGresult *res;

	if (!b)
		return;
	role = scp_field_enum(r, b, "role", false, user_roles);
	status = scp_field_enum(r, b, "status", false, user_statuses);
	if (!status)
		status = shorthand(r, b, "banned", "banned", "active");
	if (!status)
		status = shorthand(r, b, "is_active", "active", "deactivated");
	if (!r->nfields && !role && !status)
		scp_field_error(r, "role", "send role, status, banned or is_active");
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "admin_user_update", r->params[0], r->auth.user_id, role, status);
	if (res)
		scp_send_row_json(r, 200, res);
}
