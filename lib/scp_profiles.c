/*
 * The profiles (scp_profile.h): each product's dialect of the canonical API, as data.
 * A route is named by its method and pattern exactly as in its family's route table;
 * tests/t/core-010-profiles.t checks that every pattern named here exists.
 */
#include "scp_profile.h"

#include <stddef.h>

#define KEYS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define RENAME(from, to) ((const struct scp_rename[]){ { from, to }, { NULL, NULL } })
/* Several top-level renames: RENAMES(PAIR("a", "b"), PAIR("c", "d")). */
#define PAIR(from, to) { from, to }
#define RENAMES(...) ((const struct scp_rename[]){ __VA_ARGS__, { NULL, NULL } })
#define LIST(m, pat, key) { m, pat, NULL, NULL, NULL, RENAME("results", key) }
#define NEST(m, pat, key, ...) { m, pat, key, KEYS(__VA_ARGS__), NULL, NULL }
#define V1 "/api/v1"

/*
 * SELLIKO (seed 001, its API section): {success, <named resource>}, camelCase, lists as
 * {<name>: […], pagination: {page, limit, total, totalPages}}, roles in upper case.  Its
 * agents accept and complete, with no start between (task_start_on_complete).
 */
static const struct scp_profile_route selliko_routes[] = {
	NEST("POST", V1 "/listings", "listing", NULL),
	LIST("GET", V1 "/listings", "listings"),
	NEST("GET", V1 "/listings/:id", "listing", "bids", "current_highest_bid"),
	NEST("PUT", V1 "/listings/:id/approve", "listing", NULL),
	NEST("PUT", V1 "/listings/:id/reject", "listing", NULL),
	NEST("PUT", V1 "/listings/:id/assign-agent", "assignment", NULL),
	LIST("GET", V1 "/marketplace", "listings"),
	LIST("GET", V1 "/admin/listings", "listings"),
	LIST("GET", V1 "/admin/listings/pending", "listings"),
	{ "POST", V1 "/bids", "bid", KEYS("message", "listing"), KEYS("is_instant_win"), NULL },
	LIST("GET", V1 "/bids", "bids"),
	LIST("GET", V1 "/orders", "orders"),
	NEST("GET", V1 "/orders/:id", "order", "listing", "client", "vendor", "agent"),
	NEST("PUT", V1 "/orders/:id/status", "order", NULL),
	LIST("GET", V1 "/agent/tasks", "tasks"),
	NEST("GET", V1 "/agent/tasks/:id", "task", NULL),
	NEST("PUT", V1 "/agent/tasks/:id/accept", "task", "commission_earned"),
	NEST("PUT", V1 "/agent/tasks/:id/start", "task", "commission_earned"),
	NEST("PUT", V1 "/agent/tasks/:id/complete", "task", "commission_earned"),
	NEST("PUT", V1 "/agent/tasks/:id/fail", "task", "commission_earned"),
	LIST("GET", V1 "/admin/agents/available", "agents"),
	LIST("GET", V1 "/admin/users", "users"),
	LIST("GET", V1 "/notifications", "notifications"),
	NEST("POST", V1 "/admin/users", "user", NULL),
	NEST("PATCH", V1 "/admin/users/:id", "user", NULL),
	NEST("GET", V1 "/auth/me", "user", NULL),
	NEST("GET", V1 "/users/me", "user", NULL),
	NEST("PATCH", V1 "/users/me", "user", NULL),
	{ NULL, NULL, NULL, NULL, NULL, NULL },
};

/* Cliick.io (seed 002): every success {success: true, data: …}, camelCase; data.token. */
static const struct scp_profile_route cliick_routes[] = {
	{ "POST", V1 "/auth/login", NULL, NULL, NULL, RENAME("access_token", "token") },
	{ "POST", V1 "/auth/signup", NULL, NULL, NULL, RENAME("access_token", "token") },
	{ "POST", V1 "/auth/register", NULL, NULL, NULL, RENAME("access_token", "token") },
	{ "POST", V1 "/auth/refresh", NULL, NULL, NULL, RENAME("access_token", "token") },
	/* paymentService.ts reads paymentIntent at the top level, beside data. */
	{ "POST", V1 "/payments/intent", NULL, NULL, KEYS("payment_intent"), NULL },
	{ "POST", V1 "/payments/confirm", NULL, NULL, KEYS("payment_intent"), NULL },
	{ "GET", V1 "/payments/:intent", NULL, NULL, KEYS("payment_intent"), NULL },
	{ "POST", V1 "/payments/:intent/refund", NULL, NULL, KEYS("payment_intent"), NULL },
	{ "POST", V1 "/payments/:intent/cancel", NULL, NULL, KEYS("payment_intent"), NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL },
};

/* Prokip (seed 004): its shapes as they are, camelCase; login answers token and user. */
static const struct scp_profile_route prokip_routes[] = {
	{ "POST", V1 "/auth/login", NULL, NULL, NULL, RENAME("access_token", "token") },
	/* The dashboard reads Prokip's sign-in as access_token, refresh_token and
	 * expires_in, as its backend spells them, and keeps data.token of the location's
	 * sign-in as its bearer token. */
	{ "POST", V1 "/auth/prokip-login", NULL, NULL, NULL,
	  RENAMES(PAIR("access_token", "access_token"), PAIR("refresh_token", "refresh_token"),
		  PAIR("expires_in", "expires_in"), PAIR("token_type", "token_type")) },
	/* Seed 004's guide and dashboard: {authUrl}, the page the dashboard goes to. */
	{ "POST", V1 "/connections/shopify/initiate", NULL, NULL, NULL,
	  RENAME("authorize_url", "authUrl") },
	{ "POST", V1 "/auth/prokip-location", NULL, NULL, NULL,
	  RENAMES(PAIR("access_token", "token"), PAIR("refresh_token", "refresh_token"),
		  PAIR("expires_in", "expires_in"), PAIR("token_type", "token_type")) },
	/* The dashboard's store pages read response.products and response.orders. */
	LIST("GET", V1 "/stores/products", "products"),
	LIST("GET", V1 "/stores/orders", "orders"),
	/* Its Prokip pages read response.products and response.sales beside locationId. */
	LIST("GET", V1 "/prokip/products", "products"),
	LIST("GET", V1 "/prokip/sales", "sales"),
	{ NULL, NULL, NULL, NULL, NULL, NULL },
};

const struct scp_profile scp_profiles[] = {
	{ "selliko", SCP_ENVELOPE_SUCCESS, true, true, "limit", true, selliko_routes, NULL },
	{ "cliick", SCP_ENVELOPE_DATA, true, false, NULL, false, cliick_routes, NULL },
	/* The dashboard reads a store product's stock_quantity as its backend spells it,
	 * and Prokip's products and sells with Prokip's own names. */
	{ "prokip", SCP_ENVELOPE_NONE, true, false, NULL, false, prokip_routes,
	  KEYS("stock_quantity", "sell_price_inc_tax", "qty_available", "invoice_no",
	       "transaction_date", "final_total", "sell_lines", "added_by") },
	{ NULL, 0, false, false, NULL, false, NULL, NULL },
};
