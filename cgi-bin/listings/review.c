/*
 * The admin's decisions on a listing: approve (it goes live for a number of hours),
 * reject with a reason, and assign the pickup agent of a sold listing.
 */
#include "listings.h"
#include "scp_json.h"
#include "scp_validate.h"

#include <stdio.h>
#include <string.h>

const struct scp_stmt listings_review_stmts[] = {
	{ "listing_approve", "SELECT scp_listing_approve($1, $2, $3, $4, $5)" },
	{ "listing_reject", "SELECT scp_listing_reject($1, $2, $3)" },
	{ "agent_assign", "SELECT scp_agent_assign($1, $2, $3, $4, $5, $6)" },
	SCP_STMT_END,
};

/* An optional amount field as minor units text, NULL when absent. */
static const char *money(struct scp_req *r, json_object *b, const char *field)
{
	json_object *v = scp_json_get(b, field);
	int64_t minor;

	if (!v)
		return NULL;
	if (!scp_json_money(v, &minor) || minor <= 0) {
		scp_field_error(r, field, "must be a positive amount with at most 2 decimals");
		return NULL;
	}
	return scp_arena_printf(r->arena, "%lld", (long long)minor);
}

static void reject(struct scp_req *r, const char *id, const char *reason)
{
	PGresult *res = scp_q(r, "listing_reject", id, r->auth.user_id, reason);

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
	const char *id = r->params[0], *reason, *start, *instant;
	json_object *b = scp_req_json_opt(r);
	int64_t hours = 24;
	bool approved;
	char h[24];
	PGresult *res;

	if (!b)
		return;
	approved = flag(r, b, "approved", true);
	reason = scp_field_str(r, b, "rejection_reason", !approved, 1, 500);
	scp_field_int(r, b, "auction_duration_hours", false, 1, 168, &hours);
	start = money(r, b, "starting_price");
	instant = money(r, b, "instant_win_price");
	if (scp_fields_send(r))
		return;
	if (!approved) {
		reject(r, id, reason);
		return;
	}
	snprintf(h, sizeof(h), "%lld", (long long)hours);
	res = scp_q(r, "listing_approve", id, r->auth.user_id, h, start, instant);
	if (res)
		scp_send_row_json(r, 200, res);
}

void listings_reject(struct scp_req *r)
{
	json_object *b = scp_req_json_opt(r);
	const char *reason;

	if (!b)
		return;
	/* "reason" is the short name; the seed's approve body calls it rejection_reason. */
	reason = scp_field_str(r, b, scp_json_get(b, "reason") ? "reason" : "rejection_reason",
			       true, 1, 500);
	if (scp_fields_send(r))
		return;
	reject(r, r->params[0], reason);
}

void listings_assign_agent(struct scp_req *r)
{
	static const char *const priorities[] = { "high", "normal", "low", NULL };
	const char *agent, *prio, *notes;
	json_object *b = scp_req_json(r);
	PGresult *res;

	if (!b)
		return;
	agent = scp_field_str(r, b, "agent_id", true, 36, 36);
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
	res = scp_q(r, "agent_assign", r->params[0], agent, r->auth.user_id,
		    prio ? prio : "normal", notes, NULL);
	if (res)
		scp_send_row_json(r, 200, res);
}
