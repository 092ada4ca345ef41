/*
 * Reading listings: the caller's own (client) or all (admin), the admin's pending
 * queue, one listing with its bids, the public marketplace, the private bill photo,
 * and watching.  Every answer is built by PostgreSQL (scp_listing_json).
 */
#include "listings.h"
#include "scp_kept.h"
#include "scp_page.h"
#include "scp_query.h"
#include "scp_validate.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

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
/* highest-price ends as lowest-price reversed, as the statements without a search do. */
#define MARKET_ORDER(X) \
	SCP_ORDER_BY(MARKET_SORTS, "$7", X) \
	" CASE WHEN $7 = 'highest-price' THEN " X "approved_at END," \
	" CASE WHEN $7 = 'highest-price' THEN " X "id END DESC, " X "approved_at DESC, " X "id"

/*
 * The marketplace without a search or a price range: one statement per filter shape and
 * order, named market_<shape>_<sort>, so that each has a plain ORDER BY that an index of
 * live listings can hand over in order (listings_live_new_idx, listings_live_end_idx,
 * listings_live_condition_idx; for the prices listings_live_price_idx,
 * listings_live_brand_idx and listings_live_condition_price_idx, sql/095) and filters
 * without "$n IS NULL OR", whose generic plan is the good one: planned once per
 * connection, then run.  The page p is cut with the listings' whole rows, and each is
 * given to scp_listing_json() as p::listings, which
 * PostgreSQL expands into the row's columns when it inlines the function: no join back
 * to listings, which a generic plan (that cannot know the page size, so guesses a tenth
 * of the matches) made a hash join over every live listing.  The total is the kept count
 * of market_counts minus the few live listings already past their end, which the
 * closing sweep has not taken yet (030_marketplace.sql).  LIMIT and OFFSET are
 * subqueries so that a custom plan cannot see the page size either: its cost then
 * equals the generic plan's, and after five runs PostgreSQL keeps the generic plan
 * instead of planning the statement (10 ms of its 11) on every call.  The second column is the
 * marketplace version read in the same snapshot, for the kept pages (market_kept).
 * $1 viewer, $2 brand, $3 condition, $4 page, $5 size.
 */
#define MARKET_PRICE(X) "coalesce(" X "current_bid, " X "starting_price)"
#define MARKET_NEWEST(X) X "approved_at DESC, " X "id"
#define MARKET_ENDING(X) X "auction_end_time, " X "approved_at DESC, " X "id"
#define MARKET_LOWEST(X) MARKET_PRICE(X) ", " X "approved_at DESC, " X "id"
/* The exact reverse of the lowest price, so that one index serves both. */
#define MARKET_HIGHEST(X) MARKET_PRICE(X) " DESC, " X "approved_at, " X "id DESC"
#define BRAND_IS(p) " AND lower(l.brand) = lower(" p ")"
#define CONDITION_IS(p) " AND l.condition = " p
#define MARKET_MATCHES(b, c) \
	" AND (" b "::text IS NULL OR lower(l.brand) = lower(" b "))" \
	" AND (" c "::text IS NULL OR l.condition = " c ")"
#define MARKET_TOTAL \
	"(SELECT coalesce(sum(c.live), 0) FROM market_counts c" \
	"  WHERE ($2::text IS NULL OR c.brand_key = lower($2))" \
	"    AND ($3::text IS NULL OR c.condition = $3))" \
	" - (SELECT count(*) FROM listings l WHERE l.status = 'live'" \
	"     AND l.auction_end_time <= now()" MARKET_MATCHES("$2", "$3") ")"
#define MARKET_STMT(name, filter, ORDER) \
	{ name, \
	  "WITH p AS (SELECT l.* FROM listings l" \
	  "  WHERE l.status = 'live' AND l.auction_end_time > now()" filter \
	  "  ORDER BY " ORDER("l.") " LIMIT (SELECT $5::int)" \
	  "  OFFSET (SELECT ($4::int - 1) * $5::int))" \
	  " SELECT" SCP_PAGE_JSON("$4", "$5") ", pg.v" \
	  " FROM (SELECT (SELECT json_agg(scp_listing_json(p::listings, false, coalesce(v.n, 0)," \
	  "   coalesce(w.n, 0), coalesce(w.mine, false)) ORDER BY " ORDER("p.") ")" \
	  "   FROM p" PAGE_COUNTERS("$1::uuid") ") AS r, " MARKET_TOTAL " AS n," \
	  "  (SELECT sum(n) FROM market_versions) AS v OFFSET 0) pg" }
#define MARKET_SHAPE(shape, filter) \
	MARKET_STMT("market_" shape "_newest", filter, MARKET_NEWEST), \
	MARKET_STMT("market_" shape "_ending-soon", filter, MARKET_ENDING), \
	MARKET_STMT("market_" shape "_lowest-price", filter, MARKET_LOWEST), \
	MARKET_STMT("market_" shape "_highest-price", filter, MARKET_HIGHEST)

/*
 * The rows of a page p with their views, watchers and "is the viewer watching", for
 * scp_listing_json(): read for the page's ids at once (two small aggregates over the
 * counters' primary keys) rather than by two subqueries per row, and written here rather
 * than inside it, so that it stays inlinable.
 */
#define PAGE_ROWS(viewer) "p JOIN listings l ON l.id = p.id" PAGE_COUNTERS(viewer)
#define PAGE_COUNTERS(viewer) \
	" LEFT JOIN (SELECT v.listing_id, sum(v.n)::bigint AS n FROM listing_views v" \
	"   WHERE v.listing_id IN (SELECT id FROM p) GROUP BY 1) v ON v.listing_id = p.id" \
	" LEFT JOIN (SELECT w.listing_id, count(*) AS n, bool_or(w.user_id = " viewer ") AS mine" \
	"   FROM listing_watchers w WHERE w.listing_id IN (SELECT id FROM p) GROUP BY 1) w" \
	"   ON w.listing_id = p.id"
#define PAGE_ROW(priv) \
	"scp_listing_json(l, " priv ", coalesce(v.n, 0), coalesce(w.n, 0), coalesce(w.mine, false))"

/* The same for one listing l. */
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
	/* $1 viewer, $2 admin?, $3 status, $4 search, $5 client, $6 sort, $7 page, $8 size */
	{ "listings_list",
	  SCP_PAGED("SELECT " LIST_KEYS " FROM listings l"
		    " WHERE ($2::boolean OR l.client_id = $1::uuid)"
		    " AND ($3::text IS NULL OR l.status = $3)"
		    " AND ($5::uuid IS NULL OR l.client_id = $5) AND " SEARCH("$4"),
		    LIST_ORDER, PAGE_ROWS("$1::uuid"), PAGE_ROW("true"), "$7", "$8") },
	/*
	 * The marketplace with a search or a price range: every match is read and counted.
	 * $1 viewer, $2 search, $3 brand, $4 condition, $5 min, $6 max, $7 sort, $8 page,
	 * $9 size
	 */
	{ "marketplace",
	  SCP_PAGED("SELECT " MARKET_KEYS " FROM listings l"
		    " WHERE l.status = 'live' AND l.auction_end_time > now() AND " SEARCH("$2")
		    " AND ($3::text IS NULL OR lower(l.brand) = lower($3))"
		    " AND ($4::text IS NULL OR l.condition = $4)"
		    " AND ($5::bigint IS NULL OR coalesce(l.current_bid, l.starting_price) >= $5)"
		    " AND ($6::bigint IS NULL OR coalesce(l.current_bid, l.starting_price) <= $6)",
		    MARKET_ORDER, PAGE_ROWS("$1::uuid"), PAGE_ROW("false"), "$8", "$9") },
	MARKET_SHAPE("all", ""),
	MARKET_SHAPE("brand", BRAND_IS("$2")),
	MARKET_SHAPE("condition", CONDITION_IS("$3")),
	MARKET_SHAPE("both", BRAND_IS("$2") CONDITION_IS("$3")),
	{ "market_version", "SELECT sum(n) FROM market_versions" },
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
	  " SELECT scp_au_extend(scp_listing_json(l, s.private, " COUNTERS("$2::uuid") "),"
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
		    sort, pg.page_text, pg.size_text);
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
		    pg.page_text, pg.size_text);
	if (res)
		scp_send_row_json(r, 200, res);
}

void listings_get(struct scp_req *r)
{
	PGresult *res = scp_q(r, "listing_get", r->params[0], r->auth.user_id, r->auth.role);

	if (res)
		scp_send_row_json(r, 200, res);
}

/* "Apple" → "apple": brands are matched whatever their case, so kept as one page. */
static const char *lowered(struct scp_req *r, const char *v)
{
	char *s = scp_arena_strdup(r->arena, v);

	for (char *p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

/* "good", "GOOD" → "Good": conditions are matched whatever their case. */
static const char *capitalized(struct scp_req *r, const char *v)
{
	char *s = scp_arena_strdup(r->arena, v);

	for (char *p = s; *p; p++)
		*p = (char)(p == s ? toupper((unsigned char)*p) : tolower((unsigned char)*p));
	return s;
}

/*
 * The anonymous pages this worker keeps (scp_kept.h), of the default view and of a brand
 * or condition filter: each with the marketplace version it was read at (the sum of
 * market_versions, raised in the transaction of every change a page can show: a bid, an
 * approval, a closing, a watcher) and the second it was rendered in.  It is served again
 * only within that second, so its time_left and views are at most a second old, while a
 * committed change is seen by the next request on every worker (docs/decisions.md, "The
 * marketplace").  A page is named by its sort and filters; a name too long for a slot
 * (a long brand) is rendered every time.
 */
SCP_KEPT_DEFINE(market_pages, 64);

/*
 * An anonymous page without a search or a price range, kept by this worker while the
 * marketplace version is unchanged: a kept page costs one small statement.
 */
static void market_kept(struct scp_req *r, const char *stmt, const char *sort,
			const char *brand, const char *cond, const struct scp_page *pg)
{
	time_t now = time(NULL);
	const char *name = brand || cond ? scp_arena_printf(r->arena, "%s|%s|%s", sort,
							   cond ? cond : "", brand ? brand : "")
					 : sort;
	const struct scp_kept_page *kept = scp_kept_find(&market_pages, name, pg->page, pg->size);
	PGresult *res;

	if (kept && kept->stamp == (long)now) {
		if (!(res = scp_q(r, "market_version")))
			return;
		if (!strcmp(PQgetvalue(res, 0, 0), kept->version)) {
			scp_send(r, 200, kept->body, kept->len);
			return;
		}
	}
	if (!(res = scp_q(r, stmt, NULL, brand, cond, pg->page_text, pg->size_text)))
		return;
	scp_kept_keep(&market_pages, name, pg->page, pg->size, PQgetvalue(res, 0, 1), (long)now,
		      PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
	scp_send(r, 200, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
}

void listings_marketplace(struct scp_req *r)
{
	static const char *const sorts[] = { SCP_SORT_NAMES(MARKET_SORTS) NULL };
	static const char *const conditions[] = { "Excellent", "Good", "Fair", "Poor", NULL };
	const char *sort, *cond, *lo, *hi, *words, *brand, *shape, *stmt;
	struct scp_page pg;
	PGresult *res;

	query_fold(r, "sort_by", sort_name);
	query_fold(r, "condition", capitalized);
	if (!scp_page_sort(r, sorts, "newest", &sort) ||
	    !scp_query_enum(r, "condition", conditions, &cond) ||
	    !scp_query_money(r, "min_price", &lo) || !scp_query_money(r, "max_price", &hi) ||
	    !search(r, &words) || !scp_page_parse(r, &pg))
		return;
	brand = scp_req_query(r, "brand", NULL);
	if (words || lo || hi) {
		res = scp_q(r, "marketplace", r->auth.user_id, words, brand, cond, lo, hi, sort,
			    pg.page_text, pg.size_text);
		if (res)
			scp_send_row_json(r, 200, res);
		return;
	}
	shape = brand ? (cond ? "both" : "brand") : (cond ? "condition" : "all");
	stmt = scp_arena_printf(r->arena, "market_%s_%s", shape, sort);
	if (!r->auth.user_id) {
		market_kept(r, stmt, sort, brand ? lowered(r, brand) : NULL, cond, &pg);
		return;
	}
	res = scp_q(r, stmt, r->auth.user_id, brand, cond, pg.page_text, pg.size_text);
	if (res)
		scp_send(r, 200, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
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
