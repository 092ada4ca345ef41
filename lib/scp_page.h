/*
 * scp_page: list pagination, the same for every list of the API.
 *
 *   ?page=N (>= 1, default 1)  ?page_size=N (1..100, default 20; ?limit= is an alias)
 *
 * Lists answer {"results": [...], "pagination": {"page", "page_size", "total",
 * "total_pages"}}.  The SQL computes all of it in one statement, with the filters written
 * once and the total right even past the last page (scp_page_json is in sql/001):
 *
 *   WITH f AS (SELECT ... FROM ... WHERE <filters>),
 *        p AS (SELECT * FROM f ORDER BY <order> LIMIT $S OFFSET ($P - 1) * $S)
 *   SELECT scp_page_json((SELECT json_agg(<row json> ORDER BY <order>) FROM p),
 *                        (SELECT count(*) FROM f), $P, $S)
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

#endif
