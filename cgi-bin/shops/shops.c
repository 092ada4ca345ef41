/*
 * A shop: its name, logo and currency, and the caller's role in its team.
 *
 * The creator is the owner (one statement makes the shop and its owner's membership).
 * Members see their shops; the owner and admins may change one, an order manager or a
 * support agent may not (403); a shop the caller is no member of answers 404.
 */
#include "shops.h"
#include "scp_json.h"
#include "scp_page.h"
#include "scp_validate.h"

#include <string.h>

/* A shop as the API shows it, s the shop and m the caller's membership. */
#define SHOP_JSON \
	"json_build_object('id', s.id, 'name', s.name, 'logo_url', s.logo_url," \
	" 'currency', s.currency, 'owner_id', s.owner_id, 'role', m.role," \
	" 'subscription', json_build_object('plan', s.subscription_plan," \
	"  'status', s.subscription_status, 'pending_plan', s.subscription_pending_plan," \
	"  'trial_ends_at', scp_epoch_ms(s.subscription_trial_ends_at)," \
	"  'period_ends_at', scp_epoch_ms(s.subscription_period_ends_at))," \
	" 'integrations', scp_shop_integrations_json(s.id)," \
	" 'assistant_config', s.assistant_config, 'persistent_menu', s.persistent_menu," \
	" 'keyword_replies', s.keyword_replies, 'saved_replies', s.saved_replies," \
	" 'created_at', s.created_at, 'updated_at', s.updated_at)"
#define SHOP_ORDER(X) X "joined DESC, " X "id DESC"

const struct scp_stmt shops_stmts[] = {
	/* $1 name, $2 logo_url, $3 currency (NULL: MMK), $4 owner, $5 settings (settings.c). */
	{ "shop_create",
	  "WITH s AS (INSERT INTO shops (name, logo_url, currency, owner_id, assistant_config,"
	  "  persistent_menu, keyword_replies, saved_replies)"
	  "  VALUES ($1, $2, coalesce($3, 'MMK'), $4,"
	  "  coalesce($5::jsonb->'assistant_config', '{}'),"
	  "  coalesce($5::jsonb->'persistent_menu', '[]'),"
	  "  coalesce($5::jsonb->'keyword_replies', '[]'),"
	  "  coalesce($5::jsonb->'saved_replies', '[]')) RETURNING *),"
	  " m AS (INSERT INTO shop_members (shop_id, user_id, role)"
	  "  SELECT id, owner_id, 'owner' FROM s RETURNING role)"
	  " SELECT " SHOP_JSON " FROM s, m" },
	/* $1 shop, $2 caller. */
	{ "shop_get",
	  "SELECT " SHOP_JSON " FROM shops s"
	  " JOIN shop_members m ON m.shop_id = s.id AND m.user_id = $2 WHERE s.id = $1" },
	/* $1 caller, $2 page, $3 size: the caller's shops, the latest joined first. */
	{ "shop_list",
	  SCP_PAGED("SELECT m.shop_id AS id, m.created_at AS joined FROM shop_members m"
		    " WHERE m.user_id = $1",
		    SHOP_ORDER, "p JOIN shops s ON s.id = p.id"
		    " JOIN shop_members m ON m.shop_id = p.id AND m.user_id = $1",
		    SHOP_JSON, "$2", "$3") },
	/*
	 * $1 shop, $2 caller, $3 name, $4 logo_url sent, $5 logo_url, $6 currency, $7 the
	 * settings documents sent (settings.c; NULL: none).  The caller's role (NULL: no
	 * member) and the shop changed (NULL: not allowed to).
	 */
	{ "shop_update",
	  "WITH m AS (SELECT role FROM shop_members WHERE shop_id = $1 AND user_id = $2),"
	  " s AS (UPDATE shops s SET name = coalesce($3, s.name),"
	  "  logo_url = CASE WHEN $4 THEN $5 ELSE s.logo_url END,"
	  "  currency = coalesce($6, s.currency),"
	  "  assistant_config = coalesce($7::jsonb->'assistant_config', s.assistant_config),"
	  "  persistent_menu = coalesce($7::jsonb->'persistent_menu', s.persistent_menu),"
	  "  keyword_replies = coalesce($7::jsonb->'keyword_replies', s.keyword_replies),"
	  "  saved_replies = coalesce($7::jsonb->'saved_replies', s.saved_replies),"
	  "  updated_at = now()"
	  "  FROM m WHERE s.id = $1 AND m.role IN ('owner', 'admin') RETURNING s.*)"
	  " SELECT (SELECT role FROM m), (SELECT " SHOP_JSON " FROM s, m)" },
	/* $1 shop, $2 caller, $3 plan, $4 status: the owner asks for a plan. */
	{ "shop_upgrade",
	  "SELECT " SHOP_JSON " FROM scp_shop_subscription_request($1, $2, $3, $4) s"
	  " JOIN shop_members m ON m.shop_id = s.id AND m.user_id = $2" },
	SCP_STMT_END,
};

/* The subscription statuses an owner may ask for (the others are the platform's). */
static const char *const owner_statuses[] = { "pending_approval", NULL };

/* A logo's URL: http(s), at most 2000 characters. */
static const char *logo_field(struct scp_req *r, json_object *b)
{
	const char *u = scp_field_str(r, b, "logo_url", false, 1, 2000);

	if (u && strncmp(u, "https://", 8) && strncmp(u, "http://", 7)) {
		scp_field_error(r, "logo_url", "must be an http or https URL");
		return NULL;
	}
	return u;
}

/* An ISO 4217 code: three capital letters. */
static const char *currency_field(struct scp_req *r, json_object *b)
{
	const char *c = scp_field_str(r, b, "currency", false, 3, 3);

	if (c && strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3) {
		scp_field_error(r, "currency", "must be an ISO 4217 code (three capital letters)");
		return NULL;
	}
	return c;
}

void shops_create(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *name, *logo, *currency, *settings;
	PGresult *res;

	if (!b)
		return;
	name = scp_field_str(r, b, "name", true, 1, 200);
	logo = logo_field(r, b);
	currency = currency_field(r, b);
	settings = shop_settings_fields(r, b);	/* the frontend's new shop sends its defaults */
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "shop_create", name, logo, currency, r->auth.user_id, settings);
	if (res)
		scp_send_row_json(r, 201, res);
}

void shops_list(struct scp_req *r)
{
	struct scp_page pg;
	PGresult *res;

	if (!scp_page_parse(r, &pg))
		return;
	res = scp_q(r, "shop_list", r->auth.user_id, pg.page_text, pg.size_text);
	if (res)
		scp_send_row_json(r, 200, res);
}

void shops_get(struct scp_req *r)
{
	PGresult *res = scp_q(r, "shop_get", r->params[0], r->auth.user_id);

	if (res)
		scp_send_row_json(r, 200, res);
}

void shops_update(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *name, *logo = NULL, *currency, *logo_sent = "f", *settings;
	json_object *v;
	PGresult *res;

	if (!b)
		return;
	name = scp_field_str(r, b, "name", false, 1, 200);
	if (json_object_object_get_ex(b, "name", &v) && !v)
		scp_field_error(r, "name", "may not be null");
	if (json_object_object_get_ex(b, "logo_url", &v)) {
		logo_sent = "t";
		if (v)
			logo = logo_field(r, b);	/* null clears the logo */
	}
	currency = currency_field(r, b);
	settings = shop_settings_fields(r, b);
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "shop_update", r->params[0], r->auth.user_id, name, logo_sent, logo,
		    currency, settings);
	if (!res)
		return;
	if (PQgetisnull(res, 0, 0))
		scp_not_found(r);
	else if (PQgetisnull(res, 0, 1))
		scp_forbidden(r, "only the shop's owner and admins may change it");
	else
		scp_send(r, 200, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1));
}

/*
 * The owner asks for a plan: {plan, status} (the frontend sends subscription_plan and
 * subscription_status; either spelling).  The plan waits for the platform's approval as
 * pending_plan; the status moves to pending_approval, the only one an owner may ask for.
 */
void shops_upgrade(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *plan_key = "plan", *status_key = "status", *plan, *status;
	PGresult *res;

	if (!b)
		return;
	if (!json_object_object_get_ex(b, "plan", NULL))
		plan_key = "subscription_plan";
	if (!json_object_object_get_ex(b, "status", NULL))
		status_key = "subscription_status";
	plan = scp_field_str(r, b, plan_key, true, 1, 100);
	status = scp_field_enum(r, b, status_key, false, owner_statuses);
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "shop_upgrade", r->params[0], r->auth.user_id, plan,
		    status ? status : "pending_approval");
	if (res)
		scp_send_row_json(r, 200, res);
}
