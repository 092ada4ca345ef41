/*
 * scp-admin: the SELLIKO admin's dashboard and user management (list, create agents,
 * vendors, clients and admins, change a role, ban).  /admin/listings and
 * /admin/agents belong to the listings and agents families (nginx routes them there).
 */
#include "scp_app.h"
#include "scp_http.h"
#include "scp_config.h"
#include "scp_json.h"
#include "scp_page.h"
#include "scp_password.h"
#include "scp_validate.h"

#include <string.h>

static const char *const user_roles[] = { "client", "vendor", "agent", "admin", "consumer",
					  NULL };
static const char *const user_statuses[] = { "active", "banned", "deactivated", NULL };

static void admin_dashboard(struct scp_req *r)
{
	PGresult *res = scp_q0(r, "admin_dashboard");

	if (res)
		scp_send_row_json(r, 200, res);
}

static void users_list(struct scp_req *r)
{
	static const char *const all_roles[] = { "consumer", "owner", "manager", "sales_rep",
						 "client", "vendor", "agent", "admin", NULL };
	const char *role = scp_req_query(r, "role", NULL), *status = scp_req_query(r, "status", NULL);
	struct scp_page pg;
	PGresult *res;

	if (role && !scp_str_in(role, all_roles)) {
		scp_bad_request(r, "unknown role");
		return;
	}
	if (status && !scp_str_in(status, user_statuses)) {
		scp_bad_request(r, "status must be active, banned or deactivated");
		return;
	}
	if (scp_page_parse(r, &pg) &&
	    (res = scp_q(r, "admin_users", role, status, scp_req_query(r, "search", NULL), pg.page_text,
			 pg.size_text)))
		scp_send_row_json(r, 200, res);
}

static void users_create(struct scp_req *r)
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

/* PATCH {role?, status?, is_active?, banned?}: the booleans are status shorthands. */
static void users_update(struct scp_req *r)
{
	json_object *b = scp_req_json(r), *v;
	const char *id = r->params[0], *role, *status;

	if (!b)
		return;
	if (!scp_valid_uuid(id)) {
		scp_not_found(r);
		return;
	}
	role = scp_field_enum(r, b, "role", false, user_roles);
	status = scp_field_enum(r, b, "status", false, user_statuses);
	if (!status && (v = scp_json_get(b, "banned"))) {
		if (!json_object_is_type(v, json_type_boolean))
			scp_field_error(r, "banned", "must be true or false");
		else
			status = json_object_get_boolean(v) ? "banned" : "active";
	}
	if (!status && (v = scp_json_get(b, "is_active"))) {
		if (!json_object_is_type(v, json_type_boolean))
			scp_field_error(r, "is_active", "must be true or false");
		else
			status = json_object_get_boolean(v) ? "active" : "deactivated";
	}
	if (!r->nfields && !role && !status)
		scp_field_error(r, "role", "send role, status, banned or is_active");
	if (scp_fields_send(r))
		return;
	PGresult *res = scp_q(r, "admin_user_update", id, r->auth.user_id, role, status);

	if (res)
		scp_send_row_json(r, 200, res);
}

static const struct scp_route routes[] = {
	{ "GET", "/api/v1/admin/dashboard", admin_dashboard, SCP_R_ADMIN },
	{ "GET", "/api/v1/admin/users", users_list, SCP_R_ADMIN },
	{ "POST", "/api/v1/admin/users", users_create, SCP_R_ADMIN | SCP_IDEMPOTENT },
	{ "PATCH", "/api/v1/admin/users/:id", users_update, SCP_R_ADMIN },
	{ "PUT", "/api/v1/admin/users/:id", users_update, SCP_R_ADMIN },
	SCP_ROUTES_END,
};

static const struct scp_stmt stmts[] = {
	{ "admin_dashboard", "SELECT scp_admin_dashboard()" },
	/* $1 role, $2 status, $3 search, $4 page, $5 size */
	{ "admin_users",
	  "WITH f AS (SELECT u FROM users u WHERE ($1::text IS NULL OR u.role = $1)"
	  "  AND ($2::text IS NULL OR u.status = $2) AND ($3::text IS NULL OR strpos(lower("
	  "  concat_ws(' ', u.email, u.phone_number, u.first_name, u.last_name, u.company_name)),"
	  "  lower($3)) > 0)),"
	  " p AS (SELECT * FROM f ORDER BY (u).created_at DESC, (u).id"
	  "  LIMIT $5::int OFFSET ($4::int - 1) * $5::int)"
	  " SELECT scp_page_json((SELECT json_agg(scp_user_json(p.u)"
	  "  ORDER BY (p.u).created_at DESC, (p.u).id) FROM p), (SELECT count(*) FROM f),"
	  "  $4::int, $5::int)" },
	{ "admin_user_create",
	  "INSERT INTO users AS u (email, password_hash, role, first_name, last_name,"
	  " company_name, phone_number) VALUES ($1, $2, $3, $4, $5, $6, $7)"
	  " RETURNING scp_user_json(u)" },
	{ "admin_user_update", "SELECT scp_admin_user_update($1, $2, $3, $4)" },
	SCP_STMT_END,
};

static const struct scp_family family = {
	.name = "admin",
	.routes = routes,
	.stmts = SCP_STMT_TABLES(stmts),
};

int main(int argc, char **argv)
{
	return scp_app_main(argc, argv, &family);
}
