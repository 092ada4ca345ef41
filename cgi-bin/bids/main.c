/*
 * scp-bids: placing bids on live auctions and reading them back (bids.c).
 *
 * A bid is one call of scp_bid_place() (sql/functions/65_bids.sql), which locks the
 * listing row: bids on one auction are decided one after the other inside PostgreSQL,
 * an instant win closes the auction and creates its order in the same transaction,
 * and every bid that was answered 201 is a row.
 */
#include "bids.h"
#include "scp_app.h"

static const struct scp_route routes[] = {
	{ "POST", "/api/v1/bids", bids_place, SCP_R_VENDOR | SCP_IDEMPOTENT },
	{ "GET", "/api/v1/bids", bids_list, SCP_R_VENDOR | SCP_R_ADMIN },
	SCP_ROUTES_END,
};

static const struct scp_family family = {
	.name = "bids",
	.routes = routes,
	.stmts = SCP_STMT_TABLES(bids_bids_stmts),
};

int main(int argc, char **argv)
{
	return scp_app_main(argc, argv, &family);
}
