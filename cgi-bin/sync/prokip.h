/*
 * The Prokip side of the sync family (prokip.c, status.c): a supplier's Prokip account
 * and the sync between it and the stores (DESIGN §5, seed 004).  Outbound calls are jobs
 * run by scp-worker (bin/worker_prokip.c, bin/worker_sync.c); the one exception is
 * checking Prokip credentials, whose answer is the response.
 *
 * Each file holds its handlers and its statement table, sync_<file>_stmts, which main.c
 * lists in the family.
 */
#ifndef SCP_SYNC_PROKIP_H
#define SCP_SYNC_PROKIP_H

#include "scp_db.h"
#include "scp_http.h"

/* prokip.c: GET·PUT /connections/prokip */
void sync_prokip_get(struct scp_req *r);
void sync_prokip_put(struct scp_req *r);
extern const struct scp_stmt sync_prokip_stmts[];

/* status.c: POST /sync, /sync/pause, /sync/resume, /sync/pull-orders; GET /sync/status,
 * /sync/errors; PATCH /sync/errors/:id/resolve */
void sync_pass_request(struct scp_req *r);
void sync_pull_request(struct scp_req *r);
void sync_pause(struct scp_req *r);
void sync_resume(struct scp_req *r);
void sync_status(struct scp_req *r);
void sync_errors_list(struct scp_req *r);
void sync_error_resolve(struct scp_req *r);
extern const struct scp_stmt sync_status_stmts[];

void sync_store_products(struct scp_req *r);
void sync_store_orders(struct scp_req *r);
void sync_store_analytics(struct scp_req *r);
void sync_prokip_products(struct scp_req *r);
void sync_prokip_sales(struct scp_req *r);
void sync_inventory_request(struct scp_req *r);
void sync_sales_request(struct scp_req *r);
extern const struct scp_stmt sync_stores_stmts[];

#endif
