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

/* A table of statements; a family may gather several (one per source file). */
struct scp_stmt_table {
	const struct scp_stmt *stmts;
	int n;
};
#define SCP_STMT_TABLE(arr) { (arr), (int)(sizeof(arr) / sizeof((arr)[0])) }
#define SCP_FAMILY_TABLES 3

struct scp_family {
	const char *name;	/* "auth" → program scp-auth, socket scp-auth.sock */
	const struct scp_route *routes;
	int nroutes;
	struct scp_stmt_table tables[SCP_FAMILY_TABLES];	/* unused ones are {NULL, 0} */
};

int scp_app_main(int argc, char **argv, const struct scp_family *fam);

/* Largest JSON body, from the configuration (used by scp_req_json). */
extern long scp_max_body;

#endif
