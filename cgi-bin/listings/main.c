/*
 * scp-listings: device listings (SELLIKO).  Each file owns its handlers and the
 * statements they run: submit.c the submission with photos; read.c the owner's and the
 * admin's lists, one listing, its bill photo, watching and the public marketplace;
 * review.c the admin's approval, rejection and pickup agent assignment.
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

static const struct scp_family family = {
	.name = "listings",
	.routes = routes,
	.stmts = SCP_STMT_TABLES(listings_submit_stmts, listings_read_stmts,
				 listings_review_stmts),
};

int main(int argc, char **argv)
{
	return scp_app_main(argc, argv, &family);
}
