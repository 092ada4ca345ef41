/*
 * The agents family: the field agents' pickup tasks (tasks.c: their own list and its
 * moves) and the admin's view of the agents (available.c).  The task state machine
 * (assigned → accepted → in_progress → completed | failed) is scp_agent_task_move() in
 * sql/functions/70_agents.sql.
 *
 * Each resource file holds its handlers and the statements they run, in a table named
 * agents_<resource>_stmts that main.c lists in the family.
 */
#ifndef SCP_AGENTS_H
#define SCP_AGENTS_H

#include "scp_db.h"
#include "scp_http.h"

/* The task states in which a task still occupies its agent. */
#define AGENTS_OPEN "('assigned', 'accepted', 'in_progress')"

/* tasks.c: the caller's own tasks */
void agents_tasks_list(struct scp_req *r);
void agents_tasks_get(struct scp_req *r);
void agents_tasks_accept(struct scp_req *r);
void agents_tasks_start(struct scp_req *r);
void agents_tasks_complete(struct scp_req *r);
void agents_tasks_fail(struct scp_req *r);
extern const struct scp_stmt agents_tasks_stmts[];

/* available.c: the agents, for an admin assigning a task */
void agents_available(struct scp_req *r);
extern const struct scp_stmt agents_available_stmts[];

#endif
