/*
 * A shop's team: list its members, add an account by its email, change a member's role,
 * remove a member.
 *
 * This file checks the fields and folds the frontend's role names (Admin, Order Manager,
 * Support Agent) to the stored ones; sql/functions/82_shop_team.sql decides the rights
 * (404 for no member, 403 for a role that may not make the change) in the statement that
 * makes it.  The whole `team` the frontend sends through PUT /shops/:shopId is checked here
 * too (shop_team_field), and applied as its difference from the current team by
 * scp_shop_team_put, with the same rights.
 */
#include "shops.h"
#include "scp_page.h"
#include "scp_validate.h"

#include <string.h>

#define MEMBER_ORDER(X) X "created_at, " X "user_id"
#define SHOP_TEAM_MAX 1000	/* members of a team sent through PUT /shops/:shopId */

const struct scp_stmt shop_team_stmts[] = {
	/* $1 shop, $2 caller: the caller's role (no row: no member). */
	{ "shop_team_role",
	  "SELECT role FROM shop_members WHERE shop_id = $1 AND user_id = $2" },
	/* $1 shop, $2 page, $3 size: its members, the first to join first. */
	{ "shop_team_list",
	  SCP_PAGED("SELECT m.user_id, m.created_at FROM shop_members m WHERE m.shop_id = $1",
		    MEMBER_ORDER, "p JOIN shop_members x ON x.shop_id = $1 AND x.user_id = p.user_id",
		    "scp_shop_member_json(x)", "$2", "$3") },
	{ "shop_team_add", "SELECT scp_shop_team_add($1, $2, $3, $4)" },
	{ "shop_team_set", "SELECT scp_shop_team_set($1, $2, $3, $4)" },
	{ "shop_team_remove", "SELECT scp_shop_team_remove($1, $2, $3)" },
	SCP_STMT_END,
};

/* The roles a member may be given, each as stored and as the frontend spells it. */
static const char *const roles[][2] = {
	{ "admin", "Admin" },
	{ "order_manager", "Order Manager" },
	{ "support_agent", "Support Agent" },
};

/* The role field (required), as stored; NULL with a field error otherwise. */
static const char *role_field(struct scp_req *r, json_object *b)
{
	const char *s = scp_field_str(r, b, "role", true, 1, 40);

	if (!s)
		return NULL;
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (!strcmp(s, roles[i][0]) || !strcmp(s, roles[i][1]))
			return roles[i][0];
	scp_field_error(r, "role", "must be one of admin, order_manager, support_agent"
			" (or Admin, Order Manager, Support Agent)");
	return NULL;
}

void shop_team_list(struct scp_req *r)
{
	struct scp_page pg;
	PGresult *res;

	if (!scp_page_parse(r, &pg))
		return;
	res = scp_q(r, "shop_team_role", r->params[0], r->auth.user_id);
	if (!res)
		return;
	if (PQntuples(res) != 1) {
		scp_not_found(r);
		return;
	}
	res = scp_q(r, "shop_team_list", r->params[0], pg.page_text, pg.size_text);
	if (res)
		scp_send_row_json(r, 200, res);
}

void shop_team_add(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *email, *role;
	PGresult *res;

	if (!b)
		return;
	email = scp_field_email(r, b, "email", true);
	role = role_field(r, b);
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "shop_team_add", r->params[0], r->auth.user_id, email, role);
	if (res)
		scp_send_row_json(r, 201, res);
}

void shop_team_update(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *role;
	PGresult *res;

	if (!b)
		return;
	role = role_field(r, b);
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "shop_team_set", r->params[0], r->auth.user_id, r->params[1], role);
	if (res)
		scp_send_row_json(r, 200, res);
}

void shop_team_remove(struct scp_req *r)
{
	static const char ok[] = "{\"success\":true,\"message\":\"team member removed\"}";
	PGresult *res = scp_q(r, "shop_team_remove", r->params[0], r->auth.user_id,
			      r->params[1]);

	if (res)
		scp_send(r, 200, ok, sizeof(ok) - 1);
}

/* A team entry's role as stored (the owner's too: the SQL refuses giving it), or NULL. */
static const char *entry_role(json_object *e)
{
	json_object *v;
	const char *s;

	if (!json_object_object_get_ex(e, "role", &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	if (!strcmp(s, "owner") || !strcmp(s, "Owner"))
		return "owner";
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (!strcmp(s, roles[i][0]) || !strcmp(s, roles[i][1]))
			return roles[i][0];
	return NULL;
}

/* Is id already an entry of the team t (the entries kept so far)? */
static bool team_has(json_object *t, const char *id)
{
	json_object *v;

	for (size_t i = 0; i < json_object_array_length(t); i++)
		if (json_object_object_get_ex(json_object_array_get_idx(t, i), "user_id", &v) &&
		    !strcmp(json_object_get_string(v), id))
			return true;
	return false;
}

const char *shop_team_field(struct scp_req *r, json_object *b)
{
	json_object *team, *out, *e, *id;
	const char *role, *res = NULL;
	size_t n;

	if (!json_object_object_get_ex(b, "team", &team))
		return NULL;
	if (!json_object_is_type(team, json_type_array)) {
		scp_field_error(r, "team", "must be an array");
		return NULL;
	}
	n = json_object_array_length(team);
	if (n > SHOP_TEAM_MAX) {
		scp_field_error(r, "team", "must have at most 1000 members");
		return NULL;
	}
	out = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		e = json_object_array_get_idx(team, i);
		if (!json_object_is_type(e, json_type_object) ||
		    !json_object_object_get_ex(e, "user_id", &id) ||
		    !json_object_is_type(id, json_type_string) ||
		    !scp_valid_uuid(json_object_get_string(id))) {
			scp_field_error(r, "team", "each member must be an object with a userId"
					" (an account's id)");
			goto done;
		}
		if (!(role = entry_role(e))) {
			scp_field_error(r, "team", "each member's role must be one of owner, admin,"
					" order_manager, support_agent (or Owner, Admin, Order Manager,"
					" Support Agent)");
			goto done;
		}
		if (team_has(out, json_object_get_string(id))) {
			scp_field_error(r, "team", "an account may be in the team once");
			goto done;
		}
		e = json_object_new_object();
		json_object_object_add(e, "user_id", json_object_get(id));
		json_object_object_add(e, "role", json_object_new_string(role));
		json_object_array_add(out, e);
	}
	res = scp_arena_strdup(r->arena, json_object_to_json_string_ext(out,
							JSON_C_TO_STRING_PLAIN));
done:
	json_object_put(out);
	return res;
}
