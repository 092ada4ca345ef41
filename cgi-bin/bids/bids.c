/*
 * Bids: a vendor places one on a live auction (scp_bid_place() decides it); vendors read
 * their own, admins every bid, with the listing each is on.
 */
#include "bids.h"
#include "scp_json.h"
#include "scp_page.h"
#include "scp_query.h"
#include "scp_validate.h"

#include <stdio.h>
#include <string.h>

/* Newest first; the id keeps pages from overlapping. */
#define BID_ORDER(X) X "created_at DESC, " X "id"

const struct scp_stmt bids_bids_stmts[] = {
	{ "bid_place", "SELECT scp_bid_place($1, $2, $3)" },
	/* $1 viewer, $2 admin?, $3 listing, $4 status, $5 vendor, $6 page, $7 size */
	{ "bids_list",
	  SCP_PAGED("SELECT b.id, b.created_at FROM bids b JOIN listings l ON l.id = b.listing_id"
		    " WHERE ($2::boolean OR b.vendor_id = $1::uuid)"
		    " AND ($5::uuid IS NULL OR b.vendor_id = $5)"
		    " AND ($3::uuid IS NULL OR b.listing_id = $3)"
		    " AND CASE $4::text WHEN 'active' THEN l.status = 'live'"
		    "  WHEN 'won' THEN l.winning_bid_id IS NOT DISTINCT FROM b.id"
		    "   AND l.status = 'sold'"
		    "  WHEN 'lost' THEN l.status IN ('sold', 'expired')"
		    "   AND l.winning_bid_id IS DISTINCT FROM b.id ELSE true END",
		    BID_ORDER,
		    "p JOIN bids b ON b.id = p.id JOIN listings l ON l.id = b.listing_id",
		    "scp_au_extend(scp_bid_json(b, l, $1::uuid, $2::boolean),"
		    " json_build_object('listing', json_build_object('id', l.id,"
		    " 'brand', l.brand, 'model', l.model, 'status', l.status,"
		    " 'current_bid', scp_au_money(l.current_bid), 'bid_count', l.bid_count,"
		    " 'auction_end_time', l.auction_end_time,"
		    " 'photo', '/media/' || l.device_photos[1])))",
		    "$6", "$7") },
	SCP_STMT_END,
};

void bids_place(struct scp_req *r)
{
	json_object *b = scp_req_json(r), *v;
	const char *listing;
	int64_t amount = 0;
	char am[24];
	PGresult *res;

	if (!b)
		return;
	listing = scp_field_str(r, b, "listing_id", true, 1, 64);
	if (listing && !scp_valid_uuid(listing)) {
		scp_field_error(r, "listing_id", "must be a uuid");
		listing = NULL;
	}
	v = scp_json_get(b, "amount");
	if (!v)
		scp_field_error(r, "amount", "is required");
	else if (!scp_json_money(v, &amount) || amount <= 0)
		scp_field_error(r, "amount", "must be a positive amount with at most 2 decimals");
	if (scp_fields_send(r))
		return;
	snprintf(am, sizeof(am), "%lld", (long long)amount);
	res = scp_q(r, "bid_place", listing, r->auth.user_id, am);
	if (res)
		scp_send_row_json(r, 201, res);
}

void bids_list(struct scp_req *r)
{
	static const char *const statuses[] = { "active", "won", "lost", NULL };
	bool admin = !strcmp(r->auth.role, "admin");
	const char *listing, *status, *vendor = NULL;
	struct scp_page pg;
	PGresult *res;

	/* ?vendor_id is an admin's filter: a vendor sees its own bids whatever it sends. */
	if (!scp_query_enum(r, "status", statuses, &status) ||
	    !scp_query_uuid(r, "listing_id", &listing) ||
	    (admin && !scp_query_uuid(r, "vendor_id", &vendor)) || !scp_page_parse(r, &pg))
		return;
	res = scp_q(r, "bids_list", r->auth.user_id, admin ? "t" : "f", listing, status, vendor,
		    pg.page_text, pg.size_text);
	if (res)
		scp_send_row_json(r, 200, res);
}
