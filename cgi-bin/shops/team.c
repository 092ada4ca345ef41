/*
 * A shop's team: list its members, add an account by its email, change a member's role,
 * remove a member.
 *
 * This file checks the fields and folds the frontend's role names (Admin, Order Manager,
 * Support Agent) to the stored ones; sql/functions/82_shop_team.sql decides the rights
 * (404 for no member, 403 for a role that may not make the change) in the statement that
 * makes it.
 */
#include "shops.h"
#include "scp_page.h"
#include "scp_validate.h"

#include <string.h>

#define MEMBER_ORDER(X) X "created_at, " X "user_id"

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
