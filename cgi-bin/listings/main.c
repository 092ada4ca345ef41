/*
 * scp-listings: device listings (SELLIKO) — submission with photos, the owner's and the
 * admin's reads, review, agent assignment, watching, and the public marketplace.
 */
#include "listings.h"
#include "scp_app.h"

#define ADMIN SCP_R_ADMIN
#define CLIENT SCP_R_CLIENT
#define VENDOR SCP_R_VENDOR

static const struct scp_route routes[] = {
	{ "POST", "/api/v1/listings", listings_submit, CLIENT | SCP_IDEMPOTENT },
	{ "GET", "/api/v1/listings", listings_list, CLIENT | ADMIN },
	{ "GET", "/api/v1/listings/:id", listings_get, SCP_AUTH_OPTIONAL },
	{ "GET", "/api/v1/listings/:id/bill", listings_bill, CLIENT | ADMIN },
	{ "PUT", "/api/v1/listings/:id/approve", listings_approve, ADMIN },
	{ "PUT", "/api/v1/listings/:id/reject", listings_reject, ADMIN },
	{ "PUT", "/api/v1/listings/:id/assign-agent", listings_assign_agent, ADMIN },
	{ "POST", "/api/v1/listings/:id/watch", listings_watch, VENDOR },
	{ "DELETE", "/api/v1/listings/:id/watch", listings_unwatch, VENDOR },
	{ "GET", "/api/v1/marketplace", listings_marketplace, SCP_AUTH_OPTIONAL },
	{ "GET", "/api/v1/admin/listings", listings_list, ADMIN },
	{ "GET", "/api/v1/admin/listings/pending", listings_pending, ADMIN },
	SCP_ROUTES_END,
};

/*
 * Lists filter and sort narrow rows (f: the id and the sort keys of every match, p: the
 * page of them) and join the listings of the page only at the end, so that
 * scp_listing_json() reads the table's row directly: PostgreSQL inlines it and turns its
 * field accesses into plain columns.  X is the prefix of the sort keys ("" or "p.").
 */
#define LIST_KEYS \
	"l.id, l.submitted_at, l.auction_end_time," \
	" coalesce(l.current_bid, l.starting_price, l.asking_price) AS price"
#define LIST_ORDER(X) \
	"CASE WHEN $6 = 'newest' THEN " X "submitted_at END DESC," \
	" CASE WHEN $6 = 'oldest' THEN " X "submitted_at END," \
	" CASE WHEN $6 = 'ending-soon' THEN " X "auction_end_time END," \
	" CASE WHEN $6 = 'lowest-price' THEN " X "price END," \
	" CASE WHEN $6 = 'highest-price' THEN " X "price END DESC, " X "submitted_at DESC, " X "id"

#define MARKET_KEYS \
	"l.id, l.approved_at, l.auction_end_time, coalesce(l.current_bid, l.starting_price) AS price"
#define MARKET_ORDER(X) \
	"CASE WHEN $7 = 'newest' THEN " X "approved_at END DESC," \
	" CASE WHEN $7 = 'ending-soon' THEN " X "auction_end_time END," \
	" CASE WHEN $7 = 'lowest-price' THEN " X "price END," \
	" CASE WHEN $7 = 'highest-price' THEN " X "price END DESC, " X "approved_at DESC, " X "id"

/*
 * The views, watchers and "is the viewer watching" of listing l, for scp_listing_json():
 * written here rather than inside it, so that it stays inlinable.
 */
#define COUNTERS(viewer) \
	"(SELECT coalesce(sum(n), 0)::bigint FROM listing_views v WHERE v.listing_id = l.id)," \
	" (SELECT count(*) FROM listing_watchers w WHERE w.listing_id = l.id)," \
	" coalesce(EXISTS (SELECT 1 FROM listing_watchers w WHERE w.listing_id = l.id" \
	" AND w.user_id = " viewer "), false)"

/* Brand, model, storage, colour or description contain the words, any case. */
#define SEARCH(p) \
	"(" p "::text IS NULL OR strpos(lower(concat_ws(' ', l.brand, l.model, l.storage," \
	" l.color, l.description)), lower(" p ")) > 0)"

static const struct scp_stmt stmts[] = {
	{ "listing_submit", "SELECT scp_listing_submit($1, $2::jsonb, $3)" },
	/* $1 viewer, $2 admin?, $3 status, $4 search, $5 client, $6 sort, $7 page, $8 size,
	 * $9 increment */
	{ "listings_list",
	  "WITH f AS (SELECT " LIST_KEYS " FROM listings l"
	  "  WHERE ($2::boolean OR l.client_id = $1::uuid)"
	  "  AND ($3::text IS NULL OR l.status = $3) AND ($5::uuid IS NULL OR l.client_id = $5)"
	  "  AND " SEARCH("$4") "),"
	  " p AS (SELECT * FROM f ORDER BY " LIST_ORDER("")
	  "  LIMIT $8::int OFFSET ($7::int - 1) * $8::int)"
	  " SELECT scp_page_json((SELECT json_agg(scp_listing_json(l, true, $9::bigint, "
	  COUNTERS("$1::uuid") ") ORDER BY " LIST_ORDER("p.") ")"
	  "  FROM p JOIN listings l ON l.id = p.id),"
	  " (SELECT count(*) FROM f), $7::int, $8::int)" },
	/* $1 viewer, $2 search, $3 brand, $4 condition, $5 min, $6 max, $7 sort, $8 page,
	 * $9 size, $10 increment */
	{ "marketplace",
	  "WITH f AS (SELECT " MARKET_KEYS " FROM listings l"
	  "  WHERE l.status = 'live' AND l.auction_end_time > now()"
	  "  AND " SEARCH("$2")
	  "  AND ($3::text IS NULL OR lower(l.brand) = lower($3))"
	  "  AND ($4::text IS NULL OR l.condition = $4)"
	  "  AND ($5::bigint IS NULL OR coalesce(l.current_bid, l.starting_price) >= $5)"
	  "  AND ($6::bigint IS NULL OR coalesce(l.current_bid, l.starting_price) <= $6)),"
	  " p AS (SELECT * FROM f ORDER BY " MARKET_ORDER("")
	  "  LIMIT $9::int OFFSET ($8::int - 1) * $9::int)"
	  " SELECT scp_page_json((SELECT json_agg(scp_listing_json(l, false, $10::bigint, "
	  COUNTERS("$1::uuid") ") ORDER BY " MARKET_ORDER("p.") ")"
	  "  FROM p JOIN listings l ON l.id = p.id),"
	  " (SELECT count(*) FROM f), $8::int, $9::int)" },
	/*
	 * One listing with its 50 highest bids.  Its owner, admins and its pickup agent see
	 * everything at any status; others see auctions only (live, sold, expired), and
	 * their reads are counted as views.
	 */
	{ "listing_get",
	  "WITH s AS (SELECT l.id, coalesce($3::text = 'admin' OR l.client_id = $2::uuid"
	  "   OR EXISTS (SELECT 1 FROM agent_tasks t WHERE t.listing_id = l.id"
	  "   AND t.agent_id = $2::uuid), false) AS private, l.status"
	  "   FROM listings l WHERE l.id = $1::uuid),"
	  " c AS (INSERT INTO listing_views (listing_id, shard, n)"
	  "   SELECT id, pg_backend_pid() % 16, 1 FROM s"
	  "   WHERE NOT private AND status IN ('live', 'sold', 'expired')"
	  "   ON CONFLICT (listing_id, shard) DO UPDATE SET n = listing_views.n + 1)"
	  " SELECT scp_au_extend(scp_listing_json(l, s.private, $4::bigint, "
	  COUNTERS("$2::uuid") "),"
	  "  json_build_object('bids', coalesce((SELECT json_agg(j ORDER BY amount DESC) FROM"
	  "   (SELECT scp_bid_json(b, l, $2::uuid, $3::text = 'admin') AS j, b.amount"
	  "    FROM bids b WHERE b.listing_id = l.id ORDER BY b.amount DESC LIMIT 50) x),"
	  "   '[]'::json), 'current_highest_bid', (SELECT scp_bid_json(b, l, $2::uuid,"
	  "   $3::text = 'admin') FROM bids b WHERE b.id = l.current_bid_id)))"
	  " FROM s JOIN listings l ON l.id = s.id"
	  " WHERE s.private OR s.status IN ('live', 'sold', 'expired')" },
	{ "listing_bill",
	  "SELECT bill_photo FROM listings WHERE id = $1::uuid AND bill_photo IS NOT NULL"
	  " AND ($3::text = 'admin' OR client_id = $2::uuid)" },
	{ "listing_watch",
	  "WITH l AS (SELECT id FROM listings WHERE id = $1::uuid"
	  "   AND status IN ('live', 'sold', 'expired')),"
	  " i AS (INSERT INTO listing_watchers (listing_id, user_id) SELECT id, $2::uuid FROM l"
	  "   ON CONFLICT DO NOTHING RETURNING 1)"
	  " SELECT json_build_object('listing_id', l.id, 'watching', true, 'watcher_count',"
	  "  (SELECT count(*) FROM listing_watchers w WHERE w.listing_id = l.id)"
	  "  + (SELECT count(*) FROM i)) FROM l" },
	{ "listing_unwatch",
	  "WITH l AS (SELECT id FROM listings WHERE id = $1::uuid"
	  "   AND status IN ('live', 'sold', 'expired')),"
	  " d AS (DELETE FROM listing_watchers w USING l WHERE w.listing_id = l.id"
	  "   AND w.user_id = $2::uuid RETURNING 1)"
	  " SELECT json_build_object('listing_id', l.id, 'watching', false, 'watcher_count',"
	  "  (SELECT count(*) FROM listing_watchers w WHERE w.listing_id = l.id)"
	  "  - (SELECT count(*) FROM d)) FROM l" },
	{ "listing_approve", "SELECT scp_listing_approve($1, $2, $3, $4, $5, $6, $7, $8)" },
	{ "listing_reject", "SELECT scp_listing_reject($1, $2, $3, $4)" },
	{ "agent_assign", "SELECT scp_agent_assign($1, $2, $3, $4, $5, $6)" },
	SCP_STMT_END,
};

static const struct scp_family family = {
	.name = "listings",
	.routes = routes,
	.stmts = SCP_STMT_TABLES(stmts),
};

int main(int argc, char **argv)
{
	return scp_app_main(argc, argv, &family);
}
