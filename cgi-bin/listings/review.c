/*
 * The admin's decisions on a listing: approve (it goes live for a number of hours),
 * reject with a reason, and assign the pickup agent of a sold listing.
 */
#include "listings.h"
#include "scp_config.h"
#include "scp_json.h"
#include "scp_validate.h"

#include <stdio.h>
#include <string.h>

const struct scp_stmt listings_review_stmts[] = {
	{ "listing_approve", "SELECT scp_listing_approve($1, $2, $3, $4, $5, $6, $7, $8)" },
	{ "listing_reject", "SELECT scp_listing_reject($1, $2, $3, $4)" },
	{ "agent_assign", "SELECT scp_agent_assign($1, $2, $3, $4, $5, $6)" },
	SCP_STMT_END,
};

/* The JSON body, where an empty body counts as {} (a bare PUT …/approve). */
static json_object *body(struct scp_req *r)
{
	const char *cl = scp_req_param(r, "CONTENT_LENGTH");

	if ((!cl || !*cl || !strcmp(cl, "0")) && !r->json) {
		r->json = json_object_new_object();
		return r->json;
	}
	return scp_req_json(r);
}

/* The field's name as sent: snake_case, or the seed's camelCase when only that is. */
static const char *name(json_object *b, const char *snake, const char *camel)
{
	return !scp_json_get(b, snake) && scp_json_get(b, camel) ? camel : snake;
}

/* An optional amount field as minor units text, NULL when absent. */
static const char *money(struct scp_req *r, json_object *b, const char *snake, const char *camel)
{
	json_object *v = scp_json_get(b, name(b, snake, camel));
	int64_t minor;

	if (!v)
		return NULL;
	if (!scp_json_money(v, &minor) || minor <= 0) {
		scp_field_error(r, snake, "must be a positive amount with at most 2 decimals");
		return NULL;
	}
	return scp_arena_printf(r->arena, "%lld", (long long)minor);
}

static void reject(struct scp_req *r, const char *id, const char *reason)
{
	PGresult *res = scp_q(r, "listing_reject", id, r->auth.user_id, reason,
			      listings_increment());

	if (res)
		scp_send_row_json(r, 200, res);
}

/* Not a JSON boolean: an error; absent: def. */
static bool flag(struct scp_req *r, json_object *b, const char *field, bool def)
{
	json_object *v = scp_json_get(b, field);

	if (!v)
		return def;
	if (!json_object_is_type(v, json_type_boolean)) {
		scp_field_error(r, field, "must be true or false");
		return def;
	}
	return json_object_get_boolean(v);
}

void listings_approve(struct scp_req *r)
{
	const char *id = listings_id(r), *reason, *start, *instant;
	json_object *b;
	int64_t hours = 24;
	bool approved;
	char h[24], pct[24], notice[24];
	PGresult *res;

	if (!id || !(b = body(r)))
		return;
	approved = flag(r, b, "approved", true);
	reason = scp_field_str(r, b, name(b, "rejection_reason", "rejectionReason"), !approved,
			       1, 500);
	scp_field_int(r, b, name(b, "auction_duration_hours", "auctionDurationHours"), false, 1,
		      168, &hours);
	start = money(r, b, "starting_price", "startingPrice");
	instant = money(r, b, "instant_win_price", "instantWinPrice");
	if (scp_fields_send(r))
		return;
	if (!approved) {
		reject(r, id, reason);
		return;
	}
	snprintf(h, sizeof(h), "%lld", (long long)hours);
	snprintf(pct, sizeof(pct), "%ld", scp_cfg.auction_start_percent);
	snprintf(notice, sizeof(notice), "%ld", scp_cfg.auction_ending_notice);
	res = scp_q(r, "listing_approve", id, r->auth.user_id, h, start, instant, pct,
		    listings_increment(), notice);
	if (res)
		scp_send_row_json(r, 200, res);
}

void listings_reject(struct scp_req *r)
{
	const char *id = listings_id(r), *reason;
	json_object *b;

	if (!id || !(b = body(r)))
		return;
	/* "reason" is the short name; the seed's approve body calls it rejectionReason. */
	if (scp_json_get(b, "reason"))
		reason = scp_field_str(r, b, "reason", true, 1, 500);
	else
		reason = scp_field_str(r, b, name(b, "rejection_reason", "rejectionReason"), true,
				       1, 500);
	if (scp_fields_send(r))
		return;
	reject(r, id, reason);
}

void listings_assign_agent(struct scp_req *r)
{
	static const char *const priorities[] = { "high", "normal", "low", NULL };
	const char *id = listings_id(r), *agent, *prio, *notes;
	json_object *b;
	PGresult *res;

	if (!id || !(b = scp_req_json(r)))
		return;
	agent = scp_field_str(r, b, name(b, "agent_id", "agentId"), true, 36, 36);
	if (agent && !scp_valid_uuid(agent)) {
		scp_field_error(r, "agent_id", "must be a uuid");
		agent = NULL;
	}
	prio = scp_field_enum(r, b, "priority", false, priorities);
	notes = scp_field_str(r, b, scp_json_get(b, "notes") ? "notes" : "description", false, 1,
			      1000);
	if (scp_json_get(b, "type") && json_object_is_type(scp_json_get(b, "type"),
							    json_type_string) &&
	    strcmp(json_object_get_string(scp_json_get(b, "type")), "pickup"))
		scp_field_error(r, "type", "must be pickup");
	if (scp_fields_send(r))
		return;
	r->conflict_message = "the listing already has an open pickup task; it must fail first";
	res = scp_q(r, "agent_assign", id, agent, r->auth.user_id, prio ? prio : "normal", notes,
		    NULL);
	if (res)
		scp_send_row_json(r, 200, res);
}
