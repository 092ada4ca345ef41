/*
 * Supplier staff (GET·POST /supplier/users, GET·PATCH·DELETE /supplier/users/:id): the
 * owner adds managers and sales reps to its supplier, changes them, and deactivates
 * them.  Deactivation revokes every session in the same statement, and the router's
 * per-request session check refuses the user's tokens from the next request on.
 * Managers may not manage users (the route table admits owners only).
 */
#include "auth.h"
#include "scp_config.h"
#include "scp_json.h"
#include "scp_password.h"
#include "scp_query.h"
#include "scp_validate.h"

#include <string.h>

const struct scp_stmt auth_staff_stmts[] = {
	/*
	 * scp_staff_update is in sql/functions/20_auth.sql.  $2: deactivated members too
	 * (?include_inactive=true);
	 * else they are left out, as the portal's team page shows whatever it gets.
	 */
	{ "staff_list",
	  "SELECT coalesce(json_agg(scp_user_json(u) ORDER BY u.created_at, u.id),"
	  " '[]') FROM users u WHERE u.supplier_id = $1"
	  " AND ($2::boolean OR u.status <> 'deactivated')" },
	{ "staff_get",
	  "SELECT scp_user_json(u) FROM users u"
	  " WHERE u.supplier_id = $1 AND u.id = $2" },
	{ "staff_create",
	  "INSERT INTO users AS u (supplier_id, email, password_hash, role, first_name,"
	  " last_name, phone_number) VALUES ($1, $2, $3, $4, $5, $6, $7)"
	  " RETURNING scp_user_json(u)" },
	{ "staff_update", "SELECT scp_staff_update($1, $2, $3::jsonb)" },
	SCP_STMT_END,
};

static const char *const staff_roles[] = { "manager", "sales_rep", NULL };

void auth_staff_list(struct scp_req *r)
{
	const char *all;
	PGresult *res;

	if (!scp_query_bool(r, "include_inactive", &all))
		return;
	res = scp_q(r, "staff_list", r->auth.supplier_id, all ? all : "f");

	/* A bare array: the SCP portal reads the list so (DESIGN §5). */
	if (res)
		scp_send_row_json(r, 200, res);
}

void auth_staff_get(struct scp_req *r)
{
	PGresult *res = scp_q(r, "staff_get", r->auth.supplier_id, r->params[0]);

	if (res)
		scp_send_row_json(r, 200, res);
}

/* Hash a new password into the arena; NULL after answering 500. */
static const char *hash_of(struct scp_req *r, const char *password)
{
	char *hash = scp_arena_alloc(r->arena, SCP_HASH_MAX);

	if (!scp_password_hash(password, scp_cfg.password_cost, hash)) {
		scp_send_internal(r);
		return NULL;
	}
	return hash;
}

void auth_staff_create(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *email, *password, *role, *first, *last, *phone, *hash;
	PGresult *res;

	if (!b)
		return;
	email = scp_field_email(r, b, "email", true);
	password = scp_field_password(r, b, "password", true);
	role = scp_field_enum(r, b, "role", true, staff_roles);
	first = scp_field_str(r, b, "first_name", false, 1, 100);
	last = scp_field_str(r, b, "last_name", false, 1, 100);
	phone = scp_field_phone(r, b, "phone_number", false);
	if (scp_fields_send(r) || !(hash = hash_of(r, password)))
		return;
	res = scp_q(r, "staff_create", r->auth.supplier_id, email, hash, role, first, last, phone);
	if (res)
		scp_send_row_json(r, 201, res);
}

/* An optional nullable name field copied into set (null clears it). */
static void copy_name(struct scp_req *r, json_object *b, json_object *set, const char *field)
{
	json_object *v;
	const char *s;

	if (!json_object_object_get_ex(b, field, &v))
		return;
	if (!v || json_object_is_type(v, json_type_null)) {
		json_object_object_add(set, field, NULL);
		return;
	}
	if ((s = scp_field_str(r, b, field, false, 1, 100)))
		json_object_object_add(set, field, json_object_new_string(s));
}

/* status (active | deactivated) or is_active (boolean), as the status to set. */
static const char *wanted_status(struct scp_req *r, json_object *b)
{
	static const char *const states[] = { "active", "deactivated", NULL };
	json_object *v = scp_json_get(b, "is_active");

	if (scp_json_get(b, "status"))
		return scp_field_enum(r, b, "status", false, states);
	if (!v)
		return NULL;
	if (!json_object_is_type(v, json_type_boolean)) {
		scp_field_error(r, "is_active", "must be true or false");
		return NULL;
	}
	return json_object_get_boolean(v) ? "active" : "deactivated";
}

/* The changes of b as scp_staff_update reads them; errors are collected on r. */
static json_object *staff_changes(struct scp_req *r, json_object *b)
{
	json_object *set = json_object_new_object(), *v;
	const char *role, *status, *phone, *password;

	copy_name(r, b, set, "first_name");
	copy_name(r, b, set, "last_name");
	if (json_object_object_get_ex(b, "phone_number", &v) && !scp_json_get(b, "phone_number")) {
		json_object_object_add(set, "phone_number", NULL);
	} else if ((phone = scp_field_phone(r, b, "phone_number", false))) {
		json_object_object_add(set, "phone_number", json_object_new_string(phone));
	}
	if ((role = scp_field_enum(r, b, "role", false, staff_roles)))
		json_object_object_add(set, "role", json_object_new_string(role));
	if ((status = wanted_status(r, b)))
		json_object_object_add(set, "status", json_object_new_string(status));
	password = scp_field_password(r, b, "password", false);
	if (password && !r->nfields)
		json_object_object_add(set, "password", json_object_new_string(password));
	return set;
}

static void update(struct scp_req *r, const char *id, json_object *set)
{
	json_object *pw;
	const char *d, *hash;
	PGresult *res;

	/* The password travels to SQL only as its hash. */
	if (json_object_object_get_ex(set, "password", &pw)) {
		if (!(hash = hash_of(r, json_object_get_string(pw)))) {
			json_object_put(set);
			return;
		}
		json_object_object_del(set, "password");
		json_object_object_add(set, "password_hash", json_object_new_string(hash));
	}
	d = scp_arena_strdup(r->arena, json_object_to_json_string_ext(set, JSON_C_TO_STRING_PLAIN));
	json_object_put(set);
	res = scp_q(r, "staff_update", r->auth.supplier_id, id, d);
	if (res)
		scp_send_row_json(r, 200, res);
}

void auth_staff_update(struct scp_req *r)
{
	const char *id = r->params[0];
	json_object *b, *set;

	if (!(b = scp_req_json(r)))
		return;
	set = staff_changes(r, b);
	if (scp_fields_send(r)) {
		json_object_put(set);
		return;
	}
	update(r, id, set);
}

void auth_staff_delete(struct scp_req *r)
{
	json_object *set = json_object_new_object();

	json_object_object_add(set, "status", json_object_new_string("deactivated"));
	update(r, r->params[0], set);
}
