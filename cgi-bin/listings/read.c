/*
 * Reading listings: the caller's own (client) or all (admin), the admin's pending
 * queue, one listing with its bids, the public marketplace, the private bill photo,
 * and watching.  Every answer is built by PostgreSQL (scp_listing_json).
 */
#include "listings.h"
#include "scp_config.h"
#include "scp_money.h"
#include "scp_page.h"
#include "scp_validate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

const char *listings_increment(void)
{
	static char text[24];

	snprintf(text, sizeof(text), "%ld", scp_cfg.bid_min_increment);
	return text;
}

const char *listings_id(struct scp_req *r)
{
	if (r->nparams < 1 || !scp_valid_uuid(r->params[0])) {
		scp_not_found(r);
		return NULL;
	}
	return r->params[0];
}

/* One of the choices (or NULL when absent); 400 and false for anything else. */
static bool qp_choice(struct scp_req *r, const char *name, const char *v,
		      const char *const *choices, const char **out)
{
	*out = NULL;
	if (!v)
		return true;
	for (const char *const *c = choices; *c; c++) {
		if (!strcmp(v, *c)) {
			*out = *c;
			return true;
		}
	}
	scp_bad_request(r, scp_arena_printf(r->arena, "unknown %s \"%.40s\"", name, v));
	return false;
}

/* "ending_soon" and "endingSoon" are "ending-soon". */
static const char *sort_name(struct scp_req *r, const char *v)
{
	char *s;

	if (!v)
		return NULL;
	s = scp_arena_strdup(r->arena, v);
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

static bool qp_money(struct scp_req *r, const char *snake, const char *camel, const char **out)
{
	const char *v = scp_req_query(r, snake, camel);
	int64_t minor;

	*out = NULL;
	if (!v)
		return true;
	if (!scp_money_parse(v, &minor) || minor < 0) {
		scp_bad_request(r, scp_arena_printf(r->arena, "%s must be an amount", snake));
		return false;
	}
	*out = scp_arena_printf(r->arena, "%lld", (long long)minor);
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
	static const char *const sorts[] = { "newest", "oldest", "ending-soon", "lowest-price",
					     "highest-price", NULL };
	const char *status, *sort, *client = scp_req_query(r, "client_id", "clientId");
	struct scp_page pg;
	PGresult *res;

	if (!qp_choice(r, "status", scp_req_query(r, "status", NULL), statuses, &status) ||
	    !qp_choice(r, "sort_by", sort_name(r, scp_req_query(r, "sort_by", "sortBy")), sorts, &sort) ||
	    !scp_page_parse(r, &pg))
		return;
	if (client && !scp_valid_uuid(client)) {
		scp_bad_request(r, "client_id must be a uuid");
		return;
	}
	res = scp_q(r, "listings_list", r->auth.user_id, role_flag(r), status,
		    scp_req_query(r, "search", "searchQuery"), client, sort ? sort : "newest", pg.page_text,
		    pg.size_text, listings_increment());
	if (res)
		scp_send_row_json(r, 200, res);
}

void listings_pending(struct scp_req *r)
{
	struct scp_page pg;
	PGresult *res;

	if (!scp_page_parse(r, &pg))
		return;
	res = scp_q(r, "listings_list", r->auth.user_id, "t", "pending",
		    scp_req_query(r, "search", "searchQuery"), NULL, "oldest", pg.page_text, pg.size_text,
		    listings_increment());
	if (res)
		scp_send_row_json(r, 200, res);
}

void listings_get(struct scp_req *r)
{
	const char *id = listings_id(r);
	PGresult *res;

	if (!id)
		return;
	res = scp_q(r, "listing_get", id, r->auth.user_id, r->auth.role, listings_increment());
	if (res)
		scp_send_row_json(r, 200, res);
}

/* "good", "GOOD" → "Good": conditions are matched whatever their case. */
static const char *capitalized(struct scp_req *r, const char *v)
{
	char *s;

	if (!v)
		return NULL;
	s = scp_arena_strdup(r->arena, v);
	for (char *p = s; *p; p++)
		*p = (char)(p == s ? toupper((unsigned char)*p) : tolower((unsigned char)*p));
	return s;
}

void listings_marketplace(struct scp_req *r)
{
	static const char *const sorts[] = { "newest", "ending-soon", "lowest-price",
					     "highest-price", NULL };
	static const char *const conditions[] = { "Excellent", "Good", "Fair", "Poor", NULL };
	const char *sort, *cond, *lo, *hi, *c = scp_req_query(r, "condition", NULL);
	struct scp_page pg;
	PGresult *res;

	if (!qp_choice(r, "sort_by", sort_name(r, scp_req_query(r, "sort_by", "sortBy")), sorts, &sort) ||
	    !qp_choice(r, "condition", capitalized(r, c), conditions, &cond) ||
	    !qp_money(r, "min_price", "minPrice", &lo) || !qp_money(r, "max_price", "maxPrice", &hi) ||
	    !scp_page_parse(r, &pg))
		return;
	res = scp_q(r, "marketplace", r->auth.user_id, scp_req_query(r, "search", "searchQuery"),
		    scp_req_query(r, "brand", NULL), cond, lo, hi, sort ? sort : "newest", pg.page_text,
		    pg.size_text, listings_increment());
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
	const char *id = listings_id(r), *path;
	PGresult *res;

	if (!id)
		return;
	res = scp_q(r, "listing_bill", id, r->auth.user_id, r->auth.role);
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
	const char *id = listings_id(r);
	PGresult *res;

	if (!id)
		return;
	res = scp_q(r, stmt, id, r->auth.user_id);
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
