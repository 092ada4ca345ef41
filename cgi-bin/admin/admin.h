/*
 * The admin family: the SELLIKO admin's dashboard (dashboard.c) and user management
 * (users.c: list, create agents, vendors, clients and admins, change a role, ban).
 *
 * Each resource file holds its handlers and the statements they run, in a table named
 * admin_<resource>_stmts that main.c lists in the family.
 */
#ifndef SCP_ADMIN_H
#define SCP_ADMIN_H

#include "scp_db.h"
#include "scp_http.h"

/* dashboard.c */
void admin_dashboard(struct scp_req *r);
extern const struct scp_stmt admin_dashboard_stmts[];

/* users.c */
void admin_users_list(struct scp_req *r);
void admin_users_create(struct scp_req *r);
void admin_users_update(struct scp_req *r);
extern const struct scp_stmt admin_users_stmts[];

#endif
