/* Auction orders: GET /orders, GET /orders/:id, PUT /orders/:id/status. */
#include "orders.h"
#include "scp_json.h"
#include "scp_page.h"
#include "scp_query.h"
#include "scp_validate.h"

#include <stdio.h>

/* Who sees an order: $1 the caller, $2 the caller's role. */
#define VISIBLE \
	"CASE $2::text WHEN 'admin' THEN true WHEN 'client' THEN o.client_id = $1::uuid" \
	" WHEN 'vendor' THEN o.vendor_id = $1::uuid WHEN 'agent' THEN EXISTS (SELECT 1" \
	" FROM agent_tasks t WHERE t.order_id = o.id AND t.agent_id = $1::uuid) ELSE false END"
/* Newest first; the id keeps pages from overlapping. */
#define AUCTION_ORDER_NEWEST(X) X "created_at DESC, " X "id"

const struct scp_stmt orders_auction_stmts[] = {
	/* $3 status, $4 client, $5 vendor, $6 agent, $7 listing, $8 page, $9 size */
	{ "auction_orders_list",
	  SCP_PAGED("SELECT o.id, o.created_at FROM auction_orders o WHERE " VISIBLE
		    " AND ($3::text IS NULL OR o.status = $3)"
		    " AND ($4::uuid IS NULL OR o.client_id = $4)"
		    " AND ($5::uuid IS NULL OR o.vendor_id = $5)"
		    " AND ($6::uuid IS NULL OR o.agent_id = $6)"
		    " AND ($7::uuid IS NULL OR o.listing_id = $7)",
		    AUCTION_ORDER_NEWEST,
		    "p JOIN auction_orders o ON o.id = p.id JOIN listings l ON l.id = o.listing_id",
		    "scp_au_extend(scp_auction_order_json(o), json_build_object('listing',"
		    " json_build_object('id', l.id, 'brand', l.brand, 'model', l.model,"
		    "  'storage', l.storage, 'color', l.color, 'condition', l.condition,"
		    "  'photo', '/media/' || l.device_photos[1])))",
		    "$8", "$9") },
	/* The order with its listing and the people of it.  $3 order */
	{ "auction_order_get",
	  "SELECT scp_au_extend(scp_auction_order_json(o), json_build_object("
	  "  'listing', scp_listing_json(l, $2::text <> 'vendor', $1::uuid),"
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

void ord_auction_list(struct scp_req *r)
{
	const char *status, *client, *vendor, *agent, *listing;
	struct scp_page pg;
	PGresult *res;

	if (!scp_query_enum(r, "status", statuses, &status) ||
	    !scp_query_uuid(r, "client_id", &client) || !scp_query_uuid(r, "vendor_id", &vendor) ||
	    !scp_query_uuid(r, "agent_id", &agent) || !scp_query_uuid(r, "listing_id", &listing) ||
	    !scp_page_parse(r, &pg))
		return;
	res = scp_q(r, "auction_orders_list", r->auth.user_id, r->auth.role, status, client,
		    vendor, agent, listing, pg.page_text, pg.size_text);
	if (res)
		scp_send_row_json(r, 200, res);
}

void ord_auction_get(struct scp_req *r)
{
	PGresult *res = scp_q(r, "auction_order_get", r->auth.user_id, r->auth.role,
			      r->params[0]);

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

void ord_auction_status(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *status, *notes;
	char lat[32], lng[32];
	bool loc;
	PGresult *res;

	if (!b)
		return;
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
