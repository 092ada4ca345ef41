/*
 * scp-admin: the SELLIKO admin's dashboard and user management.  /admin/listings and
 * /admin/agents belong to the listings and agents families (nginx routes them there).
 *
 * The route table and the family; each resource file (admin.h) keeps its handlers
 * and the statements they run.
 */
#include "admin.h"
#include "scp_app.h"

static const struct scp_route routes[] = {
	{ "GET", "/api/v1/admin/dashboard", admin_dashboard, SCP_R_ADMIN },
	{ "GET", "/api/v1/admin/users", admin_users_list, SCP_R_ADMIN },
	{ "POST", "/api/v1/admin/users", admin_users_create, SCP_R_ADMIN | SCP_IDEMPOTENT },
	{ "PATCH", "/api/v1/admin/users/:id", admin_users_update, SCP_R_ADMIN },
	{ "PUT", "/api/v1/admin/users/:id", admin_users_update, SCP_R_ADMIN },
	SCP_ROUTES_END,
};

static const struct scp_family family = {
	.name = "admin",
	.routes = routes,
	.stmts = SCP_STMT_TABLES(admin_dashboard_stmts, admin_users_stmts),
};

int main(int argc, char **argv)
{
	return scp_app_main(argc, argv, &family);
}
