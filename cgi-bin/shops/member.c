/*
 * A shop's lists for its members (products, forms, orders, conversations): one
 * statement each, with the member check inside it (SHOP_MEMBER_PAGED in shops.h), so a
 * list costs one round trip, the session check pipelined in front of it as the
 * request's guard.  Before, each list asked for the caller's role first and then for
 * the page: two round trips and the same lines in every file.
 */
#include "shops.h"
#include "scp_log.h"
#include "scp_page.h"

void shop_member_list(struct scp_req *r, const char *stmt, const struct scp_page *pg,
		      int nfilters, const char *const *filters)
{
	const char *p[4 + SHOP_MEMBER_FILTERS_MAX] = { r->params[0], r->auth.user_id,
						       pg->page_text, pg->size_text };
	PGresult *res;

	if (nfilters < 0 || nfilters > SHOP_MEMBER_FILTERS_MAX) {
		scp_error("%s: %d filters, at most %d", stmt, nfilters, SHOP_MEMBER_FILTERS_MAX);
		scp_send_internal(r);
		return;
	}
	for (int i = 0; i < nfilters; i++)
		p[4 + i] = filters[i];
	res = scp_req_exec(r, stmt, 4 + nfilters, p);
	/* NULL: no member of the shop, told apart from an empty page by the statement. */
	if (res)
		scp_send_row_json(r, 200, res);
}
