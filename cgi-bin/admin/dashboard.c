/* GET /admin/dashboard: the figures and recent activity of scp_admin_dashboard(). */
#include "admin.h"

const struct scp_stmt admin_dashboard_stmts[] = {
	{ "admin_dashboard", "SELECT scp_admin_dashboard()" },
	SCP_STMT_END,
};

void admin_dashboard(struct scp_req *r)
{
	PGresult *res = scp_q0(r, "admin_dashboard");

	if (res)
		scp_send_row_json(r, 200, res);
}
