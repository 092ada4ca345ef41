/*
 * scp_route: the static route table of a family and the one place access is checked.
 *
 * A pattern is a path with ":name" segments that capture ("/supplier/users/:id").
 * flags name the roles allowed; a route with no role bit is public.  The router tells
 * 404 (no pattern matches the path) from 405 (a pattern matches, not the method).
 */
#ifndef SCP_ROUTE_H
#define SCP_ROUTE_H

#include <stdbool.h>

struct scp_req;

enum scp_role_bit {
	SCP_R_CONSUMER = 1u << 0,
	SCP_R_OWNER = 1u << 1,
	SCP_R_MANAGER = 1u << 2,
	SCP_R_SALES_REP = 1u << 3,
	SCP_R_CLIENT = 1u << 4,
	SCP_R_VENDOR = 1u << 5,
	SCP_R_AGENT = 1u << 6,
	SCP_R_ADMIN = 1u << 7,
};

#define SCP_ROLES_ALL 0xffu
#define SCP_ROLES_STAFF (SCP_R_OWNER | SCP_R_MANAGER | SCP_R_SALES_REP)
#define SCP_PUBLIC 0u
/* Any signed-in caller. */
#define SCP_AUTH SCP_ROLES_ALL
/* Public, but a valid token, when sent, identifies the caller. */
#define SCP_AUTH_OPTIONAL (1u << 8)
/* The handler never touches the database: it answers even while that is down. */
#define SCP_NO_DB (1u << 9)
/* A creating POST: an Idempotency-Key replays its first response (scp_idem.h). */
#define SCP_IDEMPOTENT (1u << 10)

typedef void (*scp_handler)(struct scp_req *r);

struct scp_route {
	const char *method;
	const char *pattern;
	scp_handler handler;
	unsigned flags;
};
/* Every route table ends with this. */
#define SCP_ROUTES_END { NULL, NULL, NULL, 0 }

enum scp_match { SCP_MATCH_OK, SCP_MATCH_NO_PATH, SCP_MATCH_NO_METHOD };

/*
 * Find the route for method and path; captures go to r->params.  HEAD matches GET.
 */
enum scp_match scp_route_find(const struct scp_route *routes, struct scp_req *r,
			      const struct scp_route **found);
/* The bit of a role name, 0 for an unknown role. */
unsigned scp_role_bit(const char *role);
/* Is the role one of the supplier staff roles? */
bool scp_role_is_staff(const char *role);

#endif
