/*
 * scp-agents: the field agents' pickup tasks and the admin's view of the agents.
 *
 * The route table and the family; each resource file (agents.h) keeps its handlers
 * and the statements they run.
 */
#include "agents.h"
#include "scp_app.h"

#define AGENT SCP_R_AGENT

static const struct scp_route routes[] = {
	/* The caller's own tasks (tasks.c). */
	{ "GET", "/api/v1/agent/tasks", agents_tasks_list, AGENT },
	{ "GET", "/api/v1/agent/tasks/:id", agents_tasks_get, AGENT },
	{ "PUT", "/api/v1/agent/tasks/:id/accept", agents_tasks_accept, AGENT },
	{ "PUT", "/api/v1/agent/tasks/:id/start", agents_tasks_start, AGENT },
	{ "PUT", "/api/v1/agent/tasks/:id/complete", agents_tasks_complete, AGENT },
	{ "PUT", "/api/v1/agent/tasks/:id/fail", agents_tasks_fail, AGENT },

	/* The agents, for the admin (available.c). */
	{ "GET", "/api/v1/admin/agents/available", agents_available, SCP_R_ADMIN },
	{ "GET", "/api/v1/admin/agents", agents_available, SCP_R_ADMIN },
	SCP_ROUTES_END,
};

static const struct scp_family family = {
	.name = "agents",
	.routes = routes,
	.stmts = SCP_STMT_TABLES(agents_tasks_stmts, agents_available_stmts),
};

int main(int argc, char **argv)
{
	return scp_app_main(argc, argv, &family);
}
