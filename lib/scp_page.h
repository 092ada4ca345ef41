/*
 * scp_page: list pagination and ordering, the same for every list of the API.
 *
 *   ?page=N (>= 1, default 1)  ?page_size=N (1..100, default 20; ?limit= is an alias)
 *   ?sort_by=KEY (or -KEY for descending)  ?sort_order=asc|desc (or ?order=)
 *
 * Lists answer {"results": [...], "pagination": {"page", "page_size", "total",
 * "total_pages"}}, computed in one statement written with SCP_PAGED:
 *
 *   SCP_PAGED("SELECT l.id, l.approved_at FROM listings l WHERE <filters>",
 *             MARKET_ORDER, "p JOIN listings l ON l.id = p.id", "scp_listing_json(l)",
 *             "$8", "$9")
 *
 * FILTER selects every match, narrow (an id and the sort keys); the page p is cut from
 * it in ORDER, and only the page's rows are joined to what ROW needs.  ORDER is the
 * name of a macro ORDER(X) giving the ORDER BY list with its columns prefixed by X
 * ("" inside f, "p." over the page); it must end with a unique key, so that pages
 * never overlap.  The JSON array and the total are computed in a subquery that OFFSET 0
 * keeps from being flattened, so that scp_page_json receives plain columns and is
 * inlined: given subqueries, PostgreSQL would parse and plan its body on every call
 * (a third of the time of a catalog page).
 *
 * A list sortable by ?sort_by= keeps its keys in one table, an X-macro of
 * S(K, X, name, expression, direction) entries, from which both the ORDER BY (one CASE
 * per key on the statement parameter K) and the list of accepted names are made:
 *
 *   #define PRODUCT_SORTS(S, K, X) S(K, X, "name", "name_k", "") \
 *                                  S(K, X, "-name", "name_k", " DESC") ...
 *   #define PRODUCT_ORDER(X) SCP_ORDER_BY(PRODUCT_SORTS, "$6", X) X "id"
 *   static const char *const product_sorts[] = { SCP_SORT_NAMES(PRODUCT_SORTS) NULL };
 *
 * and the handler reads the key with scp_page_sort(r, product_sorts, "name", &key).
 */
#ifndef SCP_PAGE_H
#define SCP_PAGE_H

#include <stdbool.h>

struct scp_req;

struct scp_page {
	long page;
	long size;
	char page_text[24];	/* for statement parameters */
	char size_text[24];
};

/* Read ?page, ?page_size / ?limit; on a bad value answers 400 and returns false. */
bool scp_page_parse(struct scp_req *r, struct scp_page *p);
/*
 * Read ?sort_by and ?sort_order into one of the names of a sort table: "key", or
 * "-key" for descending (a key with a fixed direction, such as "newest", ignores
 * ?sort_order).  Absent: def, which may name a direction too ("-created_at"), turned
 * by ?sort_order alone.  Not in the table: 400, and false.
 */
bool scp_page_sort(struct scp_req *r, const char *const *names, const char *def,
		   const char **key);

/*
 * The CTEs f (every match) and p (page P of size S of f, in ORDER).  LIMIT and OFFSET
 * are subqueries, so that a custom plan cannot see the page size either: its cost then
 * equals the generic plan's, and after five runs PostgreSQL keeps the generic plan of a
 * statement with plain filters instead of planning it again on every call (a third of
 * a notifications page).
 */
#define SCP_PAGE_WITH(FILTER, ORDER, P, S) \
	"WITH f AS (" FILTER ")," \
	" p AS (SELECT * FROM f ORDER BY " ORDER("") \
	"  LIMIT (SELECT " S "::int) OFFSET (SELECT (" P "::int - 1) * " S "::int))"
/* The page's answer, from the fenced pg of SCP_PAGE_FROM. */
#define SCP_PAGE_JSON(P, S) " scp_page_json(pg.r, pg.n, " P "::int, " S "::int)"
/* The same with one more member KEY (a string literal of SQL) of value VALUE (json). */
#define SCP_PAGE_JSON_WITH(P, S, KEY, VALUE) \
	" scp_page_json_with(pg.r, pg.n, " P "::int, " S "::int, " KEY ", " VALUE ")"
/* pg: the JSON of the page's rows (FROM names them, starting with p) and the total. */
#define SCP_PAGE_FROM(FROM, ROW, ORDER) \
	" FROM (SELECT (SELECT json_agg(" ROW " ORDER BY " ORDER("p.") ") FROM " FROM ") AS r," \
	"  (SELECT count(*) FROM f) AS n OFFSET 0) pg"
/*
 * A list whose total is kept in a count table rather than counted: the page p is cut
 * straight from FILTER (no f), its LIMIT and OFFSET subqueries as above, and pg takes
 * n, and any other columns, from KEPT, a SELECT of one row (apart from the rows' JSON,
 * whose names it would shadow).
 */
#define SCP_PAGE_CUT(FILTER, ORDER, P, S) \
	"WITH p AS (" FILTER " ORDER BY " ORDER("") \
	"  LIMIT (SELECT " S "::int) OFFSET (SELECT (" P "::int - 1) * " S "::int))"
#define SCP_PAGE_FROM_KEPT(FROM, ROW, ORDER, KEPT) \
	" FROM (SELECT j.r, k.* FROM (SELECT (SELECT json_agg(" ROW " ORDER BY " ORDER("p.") ")" \
	"  FROM " FROM ") AS r) j, (" KEPT ") k OFFSET 0) pg"
/* A whole list statement; see above.  Wrap SCP_PAGE_JSON by hand to add to it. */
#define SCP_PAGED(FILTER, ORDER, FROM, ROW, P, S) \
	SCP_PAGE_WITH(FILTER, ORDER, P, S) " SELECT" SCP_PAGE_JSON(P, S) \
	SCP_PAGE_FROM(FROM, ROW, ORDER)

/* Sort tables (see above): the ORDER BY cases for key parameter K, and the names. */
#define SCP_SORT_CASE(K, X, name, expr, dir) \
	" CASE WHEN " K " = '" name "' THEN " X expr " END" dir ","
#define SCP_SORT_NAME(K, X, name, expr, dir) name,
#define SCP_ORDER_BY(SORTS, K, X) SORTS(SCP_SORT_CASE, K, X)
#define SCP_SORT_NAMES(SORTS) SORTS(SCP_SORT_NAME, , )

#endif
