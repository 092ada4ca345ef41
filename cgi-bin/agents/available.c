/*
 * GET /admin/agents(/available): the active agents, the least busy first, each with
 * its open tasks and its record (completed, failed, earnings).
 */
#include "agents.h"
#include "scp_page.h"
#include "scp_query.h"

/* The least busy first; the id keeps pages from overlapping. */
#define AGENTS_LEAST_BUSY(X) X "active, " X "created_at, " X "id"

const struct scp_stmt agents_available_stmts[] = {
	/* $1 page, $2 size, $3 search */
	{ "agents_available",
	  SCP_PAGED("SELECT u.id, u.created_at, (SELECT count(*) FROM agent_tasks t"
		    "  WHERE t.agent_id = u.id AND t.status IN " AGENTS_OPEN ") AS active"
		    " FROM users u WHERE u.role = 'agent' AND u.status = 'active'"
		    " AND ($3::text IS NULL OR strpos(lower(concat_ws(' ', u.email,"
		    "  u.phone_number, u.first_name, u.last_name)), lower($3)) > 0)",
		    AGENTS_LEAST_BUSY, "p JOIN users u ON u.id = p.id",
		    "scp_au_extend(scp_user_json(u), (SELECT json_build_object("
		    " 'active_tasks', p.active, 'is_available', p.active = 0,"
		    " 'completed_tasks', count(*) FILTER (WHERE t.status = 'completed'),"
		    " 'failed_tasks', count(*) FILTER (WHERE t.status = 'failed'),"
		    " 'completion_rate', coalesce(round(100.0 * count(*)"
		    "  FILTER (WHERE t.status = 'completed') / nullif(count(*)"
		    "  FILTER (WHERE t.status IN ('completed', 'failed')), 0), 2), 0),"
		    " 'total_earnings', scp_au_money(coalesce(sum(t.commission_amount)"
		    "  FILTER (WHERE t.status = 'completed'), 0)),"
		    " 'rating', NULL) FROM agent_tasks t WHERE t.agent_id = u.id))",
		    "$1", "$2") },
	SCP_STMT_END,
};

void agents_available(struct scp_req *r)
{
	struct scp_page pg;
	const char *search;
	PGresult *res;

	if (scp_page_parse(r, &pg) && scp_query_search(r, &search) &&
	    (res = scp_q(r, "agents_available", pg.page_text, pg.size_text, search)))
		scp_send_row_json(r, 200, res);
}
