/* Auction orders: GET /orders, GET /orders/:id, PUT /orders/:id/status. */
#include "auction.h"
#include "scp_config.h"
#include "scp_json.h"
#include "scp_page.h"
#include "scp_route.h"
#include "scp_validate.h"

#include <stdio.h>
#include <string.h>

/* Who sees an order: $1 the caller, $2 the caller's role. */
#define VISIBLE \
	"CASE $2::text WHEN 'admin' THEN true WHEN 'client' THEN o.client_id = $1::uuid" \
	" WHEN 'vendor' THEN o.vendor_id = $1::uuid WHEN 'agent' THEN EXISTS (SELECT 1" \
	" FROM agent_tasks t WHERE t.order_id = o.id AND t.agent_id = $1::uuid) ELSE false END"
#define ORDER_SORT "(o).created_at DESC, (o).id"

const struct scp_stmt auction_order_stmts[] = {
	/* $3 status, $4 client, $5 vendor, $6 agent, $7 listing, $8 page, $9 size */
	{ "auction_orders_list",
	  "WITH f AS (SELECT o FROM auction_orders o WHERE " VISIBLE
	  "  AND ($3::text IS NULL OR o.status = $3) AND ($4::uuid IS NULL OR o.client_id = $4)"
	  "  AND ($5::uuid IS NULL OR o.vendor_id = $5) AND ($6::uuid IS NULL OR o.agent_id = $6)"
	  "  AND ($7::uuid IS NULL OR o.listing_id = $7)),"
	  " p AS (SELECT * FROM f ORDER BY " ORDER_SORT
	  "  LIMIT $9::int OFFSET ($8::int - 1) * $9::int)"
	  " SELECT scp_page_json((SELECT json_agg(scp_au_extend(scp_auction_order_json(p.o),"
	  "  (SELECT json_build_object('listing', json_build_object('id', l.id, 'brand', l.brand,"
	  "   'model', l.model, 'storage', l.storage, 'color', l.color, 'condition', l.condition,"
	  "   'photo', '/media/' || l.device_photos[1])) FROM listings l"
	  "   WHERE l.id = (p.o).listing_id)) ORDER BY " ORDER_SORT ") FROM p),"
	  "  (SELECT count(*) FROM f), $8::int, $9::int)" },
	/* The order with its listing and the people of it.  $3 order, $4 increment */
	{ "auction_order_get",
	  "SELECT scp_au_extend(scp_auction_order_json(o), json_build_object("
	  "  'listing', scp_listing_json(l, $2::text <> 'vendor', $1::uuid, $4::bigint),"
	  "  'client', scp_user_json(c), 'vendor', scp_user_json(v),"
	  "  'agent', (SELECT scp_user_json(a) FROM users a WHERE a.id = o.agent_id)))"
	  " FROM auction_orders o JOIN listings l ON l.id = o.listing_id"
	  " JOIN users c ON c.id = o.client_id JOIN users v ON v.id = o.vendor_id"
	  " WHERE o.id = $3::uuid AND " VISIBLE },
	{ "auction_order_move",
	  "SELECT scp_auction_order_move($1, $2, $3, $4, $5, $6::numeric, $7::numeric)" },
	SCP_STMT_END,
};

static const char *const statuses[] = { "pending_pickup", "picked_up", "in_transit",
					"delivered", "completed", "cancelled", NULL };

static bool known(const char *v)
{
	for (int i = 0; statuses[i]; i++)
		if (!strcmp(v, statuses[i]))
			return true;
	return false;
}

void auction_orders_list(struct scp_req *r)
{
	const char *ids[4] = { scp_req_query(r, "client_id", "clientId"), scp_req_query(r, "vendor_id", "vendorId"),
			       scp_req_query(r, "agent_id", "agentId"), scp_req_query(r, "listing_id", "listingId") };
	const char *status = scp_req_query(r, "status", NULL);
	struct scp_page pg;
	PGresult *res;

	if (status && !known(status)) {
		scp_bad_request(r, "unknown status");
		return;
	}
	for (int i = 0; i < 4; i++) {
		if (ids[i] && !scp_valid_uuid(ids[i])) {
			scp_bad_request(r, "client_id, vendor_id, agent_id and listing_id must be uuids");
			return;
		}
	}
	if (scp_page_parse(r, &pg) &&
	    (res = scp_q(r, "auction_orders_list", r->auth.user_id, r->auth.role, status, ids[0],
			 ids[1], ids[2], ids[3], pg.page_text, pg.size_text)))
		scp_send_row_json(r, 200, res);
}

void auction_orders_get(struct scp_req *r)
{
	char inc[24];
	PGresult *res;

	if (!scp_valid_uuid(r->params[0])) {
		scp_not_found(r);
		return;
	}
	snprintf(inc, sizeof(inc), "%ld", scp_cfg.bid_min_increment);
	res = scp_q(r, "auction_order_get", r->auth.user_id, r->auth.role, r->params[0], inc);
	if (res)
		scp_send_row_json(r, 200, res);
}

/* location {lat, lng}: both numbers within the globe, or an error. */
static bool location(struct scp_req *r, json_object *b, char lat[32], char lng[32])
{
	json_object *loc = scp_json_get(b, "location"), *la, *ln;
	double a, o;

	if (!loc)
		return false;
	la = scp_json_get(loc, "lat");
	ln = scp_json_get(loc, "lng");
	if (!json_object_is_type(loc, json_type_object) || !la || !ln ||
	    !(json_object_is_type(la, json_type_double) || json_object_is_type(la, json_type_int)) ||
	    !(json_object_is_type(ln, json_type_double) || json_object_is_type(ln, json_type_int)) ||
	    (a = json_object_get_double(la)) < -90 || a > 90 ||
	    (o = json_object_get_double(ln)) < -180 || o > 180) {
		scp_field_error(r, "location", "must be {lat: -90..90, lng: -180..180}");
		return false;
	}
	snprintf(lat, 32, "%.6f", a);
	snprintf(lng, 32, "%.6f", o);
	return true;
}

void auction_orders_status(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *status, *notes;
	char lat[32], lng[32];
	bool loc;
	PGresult *res;

	if (!b)
		return;
	if (!scp_valid_uuid(r->params[0])) {
		scp_not_found(r);
		return;
	}
	status = scp_field_enum(r, b, "status", true, statuses);
	notes = scp_field_str(r, b, "notes", false, 0, 2000);
	loc = location(r, b, lat, lng);
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "auction_order_move", r->params[0], r->auth.user_id, r->auth.role, status,
		    notes, loc ? lat : NULL, loc ? lng : NULL);
	if (res)
		scp_send_row_json(r, 200, res);
}
