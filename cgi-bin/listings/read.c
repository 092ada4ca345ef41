/*
 * Reading listings: the caller's own (client) or all (admin), the admin's pending
 * queue, one listing with its bids, the public marketplace, the private bill photo,
 * and watching.  Every answer is built by PostgreSQL (scp_listing_json).
 */
#include "listings.h"
#include "scp_config.h"
#include "scp_page.h"
#include "scp_query.h"
#include "scp_validate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/*
 * The lists are SCP_PAGED statements: f keeps the id and the sort keys of every match,
 * and the listings of the page only are joined at the end, so that scp_listing_json()
 * reads the table's row directly: PostgreSQL inlines it and turns its field accesses
 * into plain columns.  Each list's sort keys are one table (scp_page.h), from which
 * both its ORDER BY and the names ?sort_by accepts are made; its ORDER ends with a
 * unique key, so that pages never overlap.
 */
#define LIST_KEYS \
	"l.id, l.submitted_at, l.auction_end_time," \
	" coalesce(l.current_bid, l.starting_price, l.asking_price) AS price"
#define LIST_SORTS(S, K, X) \
	S(K, X, "newest", "submitted_at", " DESC") \
	S(K, X, "oldest", "submitted_at", "") \
	S(K, X, "ending-soon", "auction_end_time", "") \
	S(K, X, "lowest-price", "price", "") \
	S(K, X, "highest-price", "price", " DESC")
#define LIST_ORDER(X) SCP_ORDER_BY(LIST_SORTS, "$6", X) " " X "submitted_at DESC, " X "id"

#define MARKET_KEYS \
	"l.id, l.approved_at, l.auction_end_time, coalesce(l.current_bid, l.starting_price) AS price"
#define MARKET_SORTS(S, K, X) \
	S(K, X, "newest", "approved_at", " DESC") \
	S(K, X, "ending-soon", "auction_end_time", "") \
	S(K, X, "lowest-price", "price", "") \
	S(K, X, "highest-price", "price", " DESC")
#define MARKET_ORDER(X) SCP_ORDER_BY(MARKET_SORTS, "$7", X) " " X "approved_at DESC, " X "id"

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

const struct scp_stmt listings_read_stmts[] = {
	/* $1 viewer, $2 admin?, $3 status, $4 search, $5 client, $6 sort, $7 page, $8 size,
	 * $9 increment */
	{ "listings_list",
	  SCP_PAGED("SELECT " LIST_KEYS " FROM listings l"
		    " WHERE ($2::boolean OR l.client_id = $1::uuid)"
		    " AND ($3::text IS NULL OR l.status = $3)"
		    " AND ($5::uuid IS NULL OR l.client_id = $5) AND " SEARCH("$4"),
		    LIST_ORDER, "p JOIN listings l ON l.id = p.id",
		    "scp_listing_json(l, true, $9::bigint, " COUNTERS("$1::uuid") ")",
		    "$7", "$8") },
	/* $1 viewer, $2 search, $3 brand, $4 condition, $5 min, $6 max, $7 sort, $8 page,
	 * $9 size, $10 increment */
	{ "marketplace",
	  SCP_PAGED("SELECT " MARKET_KEYS " FROM listings l"
		    " WHERE l.status = 'live' AND l.auction_end_time > now() AND " SEARCH("$2")
		    " AND ($3::text IS NULL OR lower(l.brand) = lower($3))"
		    " AND ($4::text IS NULL OR l.condition = $4)"
		    " AND ($5::bigint IS NULL OR coalesce(l.current_bid, l.starting_price) >= $5)"
		    " AND ($6::bigint IS NULL OR coalesce(l.current_bid, l.starting_price) <= $6)",
		    MARKET_ORDER, "p JOIN listings l ON l.id = p.id",
		    "scp_listing_json(l, false, $10::bigint, " COUNTERS("$1::uuid") ")",
		    "$8", "$9") },
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
	SCP_STMT_END,
};

const char *listings_increment(void)
{
	static char text[24];

	snprintf(text, sizeof(text), "%ld", scp_cfg.bid_min_increment);
	return text;
}

/*
 * Put the value of ?name (in every spelling of the name) through fold before a reader
 * of scp_query or scp_page sees it: these lists take values in more spellings than the
 * API's ("endingSoon", "good"), and the readers know only the API's.
 */
static void query_fold(struct scp_req *r, const char *name,
		       const char *(*fold)(struct scp_req *, const char *))
{
	for (int i = 0; i < r->nqp; i++)
		if (!strcmp(r->qp[i].snake, name))
			r->qp[i].value = fold(r, r->qp[i].value);
}

/* "ending_soon" and "endingSoon" are "ending-soon". */
static const char *sort_name(struct scp_req *r, const char *v)
{
	char *s = scp_arena_strdup(r->arena, v);

	for (char *p = s; *p; p++)
		if (*p == '_')
			*p = '-';
	if (!strcmp(s, "endingSoon"))
		return "ending-soon";
	if (!strcmp(s, "lowestPrice"))
		return "lowest-price";
	if (!strcmp(s, "highestPrice"))
		return "highest-price";
	return s;
}

/* ?search= (or ?q=, or the seeds' ?searchQuery=), at most 200 characters. */
static bool search(struct scp_req *r, const char **out)
{
	if (!scp_query_search(r, out))
		return false;
	if (!*out && (*out = scp_req_query(r, "search_query", NULL)) &&
	    scp_utf8_len(*out) > 200) {
		scp_bad_request(r, "search must be at most 200 characters");
		return false;
	}
	return true;
}

static const char *role_flag(struct scp_req *r)
{
	return r->auth.role && !strcmp(r->auth.role, "admin") ? "t" : "f";
}

void listings_list(struct scp_req *r)
{
	static const char *const statuses[] = { "pending", "live", "rejected", "sold", "expired",
						NULL };
	static const char *const sorts[] = { SCP_SORT_NAMES(LIST_SORTS) NULL };
	const char *status, *sort, *client, *words;
	struct scp_page pg;
	PGresult *res;

	query_fold(r, "sort_by", sort_name);
	if (!scp_query_enum(r, "status", statuses, &status) ||
	    !scp_page_sort(r, sorts, "newest", &sort) ||
	    !scp_query_uuid(r, "client_id", &client) || !search(r, &words) ||
	    !scp_page_parse(r, &pg))
		return;
	res = scp_q(r, "listings_list", r->auth.user_id, role_flag(r), status, words, client,
		    sort, pg.page_text, pg.size_text, listings_increment());
	if (res)
		scp_send_row_json(r, 200, res);
}

void listings_pending(struct scp_req *r)
{
	const char *words;
	struct scp_page pg;
	PGresult *res;

	if (!search(r, &words) || !scp_page_parse(r, &pg))
		return;
	res = scp_q(r, "listings_list", r->auth.user_id, "t", "pending", words, NULL, "oldest",
		    pg.page_text, pg.size_text, listings_increment());
	if (res)
		scp_send_row_json(r, 200, res);
}

void listings_get(struct scp_req *r)
{
	PGresult *res = scp_q(r, "listing_get", r->params[0], r->auth.user_id, r->auth.role,
			      listings_increment());

	if (res)
		scp_send_row_json(r, 200, res);
}

/* "good", "GOOD" → "Good": conditions are matched whatever their case. */
static const char *capitalized(struct scp_req *r, const char *v)
{
	char *s = scp_arena_strdup(r->arena, v);

	for (char *p = s; *p; p++)
		*p = (char)(p == s ? toupper((unsigned char)*p) : tolower((unsigned char)*p));
	return s;
}

void listings_marketplace(struct scp_req *r)
{
	static const char *const sorts[] = { SCP_SORT_NAMES(MARKET_SORTS) NULL };
	static const char *const conditions[] = { "Excellent", "Good", "Fair", "Poor", NULL };
	const char *sort, *cond, *lo, *hi, *words;
	struct scp_page pg;
	PGresult *res;

	query_fold(r, "sort_by", sort_name);
	query_fold(r, "condition", capitalized);
	if (!scp_page_sort(r, sorts, "newest", &sort) ||
	    !scp_query_enum(r, "condition", conditions, &cond) ||
	    !scp_query_money(r, "min_price", &lo) || !scp_query_money(r, "max_price", &hi) ||
	    !search(r, &words) || !scp_page_parse(r, &pg))
		return;
	res = scp_q(r, "marketplace", r->auth.user_id, words, scp_req_query(r, "brand", NULL),
		    cond, lo, hi, sort, pg.page_text, pg.size_text, listings_increment());
	if (res)
		scp_send_row_json(r, 200, res);
}

/*
 * The bill photo, for its owner and admins only: nginx sends the file from the
 * internal /_private/ location.  Anyone else gets the same 404 as for a listing that
 * does not exist.
 */
void listings_bill(struct scp_req *r)
{
	const char *path;
	PGresult *res = scp_q(r, "listing_bill", r->params[0], r->auth.user_id, r->auth.role);

	if (!res)
		return;
	if (PQntuples(res) != 1 || strncmp(PQgetvalue(res, 0, 0), "private/", 8)) {
		scp_not_found(r);
		return;
	}
	path = PQgetvalue(res, 0, 0) + 8;
	scp_add_header(r, "X-Accel-Redirect: /_private/%s", path);
	scp_add_header(r, "Content-Disposition: inline; filename=\"bill%s\"", strrchr(path, '.'));
	/* No body and no Content-Type of ours: nginx types the file by its extension. */
	scp_send(r, 204, NULL, 0);
}

static void watch(struct scp_req *r, const char *stmt)
{
	PGresult *res = scp_q(r, stmt, r->params[0], r->auth.user_id);

	if (res)
		scp_send_row_json(r, 200, res);
}

void listings_watch(struct scp_req *r)
{
	watch(r, "listing_watch");
}

void listings_unwatch(struct scp_req *r)
{
	watch(r, "listing_unwatch");
}
