/*
 * A shop: its name, logo and currency, its documents, its team and subscription, and the
 * caller's role in its team.
 *
 * The creator is the owner (one statement makes the shop and its owner's membership).
 * Members see their shops; the owner and admins may change one, an order manager or a
 * support agent may not (403); a shop the caller is no member of answers 404.  The
 * platform's administrators see every shop and change subscriptions.  PUT takes the
 * whole shop the frontend saves: scp_shop_put (sql/functions/82_shop_team.sql) applies
 * its fields, its team's difference and its subscription in one transaction.
 */
#include "shops.h"
#include "scp_json.h"
#include "scp_page.h"
#include "scp_validate.h"

#include <string.h>

/*
 * A shop as the API shows it (scp_shop_json, sql/functions/82_shop_team.sql): s the shop,
 * m the caller's membership, and the aggregates of SHOP_AGGS.
 */
#define SHOP_JSON "scp_shop_json(s, m.role, ig.platforms, tm.team)"
/*
 * The connected platforms (ig) and the team (tm) of the shops whose ids IDS selects,
 * each one grouped join for all of them: a page of shops costs two scans, not a query
 * per shop.
 */
#define SHOP_AGGS(IDS) \
	" LEFT JOIN (SELECT shop_id, array_agg(platform) AS platforms FROM shop_integrations" \
	"  WHERE shop_id IN (" IDS ") GROUP BY shop_id) ig ON ig.shop_id = s.id" \
	" LEFT JOIN (SELECT shop_id, json_agg(scp_shop_team_entry(user_id, role, created_at)" \
	"  ORDER BY created_at, user_id) AS team FROM shop_members" \
	"  WHERE shop_id IN (" IDS ") GROUP BY shop_id) tm ON tm.shop_id = s.id"
#define SHOP_ORDER(X) X "joined DESC, " X "id DESC"

const struct scp_stmt shops_stmts[] = {
	/* $1 name, $2 logo_url, $3 currency (NULL: MMK), $4 owner, $5 settings (settings.c). */
	{ "shop_create",
	  "WITH s AS (INSERT INTO shops (name, logo_url, currency, owner_id, assistant_config,"
	  "  persistent_menu, keyword_replies, saved_replies, payment_methods, knowledge_base)"
	  "  VALUES ($1, $2, coalesce($3, 'MMK'), $4,"
	  "  coalesce($5::jsonb->'assistant_config', '{}'),"
	  "  coalesce($5::jsonb->'persistent_menu', '[]'),"
	  "  coalesce($5::jsonb->'keyword_replies', '[]'),"
	  "  coalesce($5::jsonb->'saved_replies', '[]'),"
	  "  coalesce($5::jsonb->'payment_methods', '[]'),"
	  "  coalesce($5::jsonb->'knowledge_base', '{\"user_defined\": [], \"product_data\": \"\"}'))"
	  "  RETURNING *),"
	  " m AS (INSERT INTO shop_members (shop_id, user_id, role)"
	  "  SELECT id, owner_id, 'owner' FROM s RETURNING *)"
	  " SELECT scp_shop_json(s, m.role, NULL,"
	  "  json_build_array(scp_shop_team_entry(m.user_id, m.role, m.created_at))) FROM s, m" },
	/* $1 shop, $2 caller, $3 a platform administrator (sees every shop). */
	{ "shop_get",
	  "SELECT " SHOP_JSON " FROM shops s"
	  " LEFT JOIN shop_members m ON m.shop_id = s.id AND m.user_id = $2" SHOP_AGGS("$1")
	  " WHERE s.id = $1 AND (m.role IS NOT NULL OR $3)" },
	/* $1 caller, $2 page, $3 size: the caller's shops, the latest joined first. */
	{ "shop_list",
	  SCP_PAGED("SELECT m.shop_id AS id, m.created_at AS joined FROM shop_members m"
		    " WHERE m.user_id = $1",
		    SHOP_ORDER, "p JOIN shops s ON s.id = p.id"
		    " JOIN shop_members m ON m.shop_id = p.id AND m.user_id = $1"
		    SHOP_AGGS("SELECT id FROM p"),
		    SHOP_JSON, "$2", "$3") },
	/* $1 caller, $2 page, $3 size: a platform administrator's list, every shop, the
	 * latest created first. */
	{ "shop_list_all",
	  SCP_PAGED("SELECT s.id, s.created_at AS joined FROM shops s",
		    SHOP_ORDER, "p JOIN shops s ON s.id = p.id"
		    " LEFT JOIN shop_members m ON m.shop_id = p.id AND m.user_id = $1"
		    SHOP_AGGS("SELECT id FROM p"),
		    SHOP_JSON, "$2", "$3") },
	/*
	 * $1 shop, $2 caller, $3 a platform administrator, $4 name, $5 logo_url sent,
	 * $6 logo_url, $7 currency, $8 the documents sent (settings.c), $9 the team sent
	 * (team.c), $10 the subscription sent: all in scp_shop_put, one transaction.
	 */
	{ "shop_update",
	  "SELECT scp_shop_put($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)" },
	/* $1 shop, $2 caller, $3 plan, $4 status: the owner asks for a plan. */
	{ "shop_upgrade",
	  "SELECT " SHOP_JSON " FROM scp_shop_subscription_request($1, $2, $3, $4) s"
	  " JOIN shop_members m ON m.shop_id = s.id AND m.user_id = $2" SHOP_AGGS("$1") },
	SCP_STMT_END,
};

/* The subscription statuses an owner may ask for (the others are the platform's). */
static const char *const owner_statuses[] = { "pending_approval", NULL };

/*
 * Is the caller one of the platform's administrators (the account role admin, as the
 * other families check it)?  It sees and lists every shop, and may change a shop's
 * subscription (approve or reject what its owner asked for, change its plan).
 */
static bool platform_admin(const struct scp_req *r)
{
	return r->auth.role && !strcmp(r->auth.role, "admin");
}

/* The subscription statuses, as the frontend's Subscription has them. */
static const char *const statuses[] = { "trialing", "active", "expired", "pending_approval",
					NULL };

/* An end of the subscription: null or epoch milliseconds (as answered), up to 9999. */
static void epoch_ms_member(struct scp_req *r, json_object *in, json_object *out,
			    const char *key, const char *field)
{
	json_object *v;

	if (!json_object_object_get_ex(in, key, &v))
		return;
	if (v && (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
		  json_object_get_int64(v) > 253402300799999LL)) {
		scp_field_error(r, field, "must be null or a time in epoch milliseconds");
		return;
	}
	json_object_object_add(out, key, json_object_get(v));
}

/* A plan's name (1 to 100 characters; null too when nullable). */
static void plan_member(struct scp_req *r, json_object *in, json_object *out,
			const char *key, bool nullable)
{
	char field[40];
	json_object *v;
	size_t n;

	if (!json_object_object_get_ex(in, key, &v))
		return;
	snprintf(field, sizeof(field), "subscription.%s", key);
	if (!v && nullable) {
		json_object_object_add(out, key, NULL);
		return;
	}
	n = v && json_object_is_type(v, json_type_string)
		? scp_utf8_len(json_object_get_string(v)) : 0;
	if (n < 1 || n > 100) {
		scp_field_error(r, field, nullable ? "must be null or a plan's name (1 to 100"
				" characters)" : "must be a plan's name (1 to 100 characters)");
		return;
	}
	json_object_object_add(out, key, json_object_get(v));
}

/*
 * The subscription sent in PUT (the frontend's Subscription, whole): the members SCP
 * keeps, checked, as the JSON scp_shop_subscription_put takes (who may change what is
 * its decision); the others (payment_proof, data_history_extension, ...) are not kept.
 * NULL when none was sent or it is bad.
 */
static const char *subscription_field(struct scp_req *r, json_object *b)
{
	json_object *sub, *out, *v;
	const char *res;

	if (!json_object_object_get_ex(b, "subscription", &sub))
		return NULL;
	if (!json_object_is_type(sub, json_type_object)) {
		scp_field_error(r, "subscription", "must be an object");
		return NULL;
	}
	out = json_object_new_object();
	plan_member(r, sub, out, "plan", false);
	plan_member(r, sub, out, "pending_plan", true);
	if (json_object_object_get_ex(sub, "status", &v)) {
		if (!v || !json_object_is_type(v, json_type_string) ||
		    !scp_str_in(json_object_get_string(v), statuses))
			scp_field_error(r, "subscription.status", "must be one of trialing, active,"
					" expired, pending_approval");
		else
			json_object_object_add(out, "status", json_object_get(v));
	}
	epoch_ms_member(r, sub, out, "trial_ends_at", "subscription.trial_ends_at");
	epoch_ms_member(r, sub, out, "period_ends_at", "subscription.period_ends_at");
	res = scp_arena_strdup(r->arena, json_object_to_json_string_ext(out,
						JSON_C_TO_STRING_PLAIN));
	json_object_put(out);
	return res;
}

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
	res = scp_q(r, platform_admin(r) ? "shop_list_all" : "shop_list", r->auth.user_id,
		    pg.page_text, pg.size_text);
	if (res)
		scp_send_row_json(r, 200, res);
}

void shops_get(struct scp_req *r)
{
	PGresult *res = scp_q(r, "shop_get", r->params[0], r->auth.user_id,
			      platform_admin(r) ? "t" : "f");

	if (!res)
		return;
	if (PQntuples(res) != 1)
		scp_not_found(r);
	else
		scp_send_row_json(r, 200, res);
}

void shops_update(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *name, *logo = NULL, *currency, *logo_sent = "f", *settings, *team, *sub;
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
	team = shop_team_field(r, b);
	sub = subscription_field(r, b);
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "shop_update", r->params[0], r->auth.user_id,
		    platform_admin(r) ? "t" : "f", name, logo_sent, logo, currency, settings, team,
		    sub);
	if (res)
		scp_send_row_json(r, 200, res);
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
