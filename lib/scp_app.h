/*
 * scp_app: the main() of every FastCGI family binary.
 *
 *   scp-<family> [-c CONFIG] [-s SOCKET] [-n WORKERS]
 *
 * Loads and checks the configuration (refusing to start with a weak JWT secret), runs
 * the prefork master, and in each worker: one database connection with the family's
 * statements prepared, then the accept loop (arena reset, route, authenticate, handle,
 * log one line).  GET /health and GET /metrics are answered by every family.
 */
#ifndef SCP_APP_H
#define SCP_APP_H

#include "scp_db.h"
#include "scp_route.h"

struct scp_family {
	const char *name;	/* "auth" → program scp-auth, socket scp-auth.sock */
	const struct scp_route *routes;	/* ends with SCP_ROUTES_END */
	const struct scp_stmt *const *stmts;	/* its statement tables, NULL-terminated */
};
/* The statement tables of a family: one per resource file that has statements. */
#define SCP_STMT_TABLES(...) ((const struct scp_stmt *const[]){ __VA_ARGS__, NULL })

/*
 * `scp-<family> --routes` prints the route table ("METHOD PATTERN" a line) and exits,
 * so that the nginx site can be checked against it.
 */
int scp_app_main(int argc, char **argv, const struct scp_family *fam);

#endif
