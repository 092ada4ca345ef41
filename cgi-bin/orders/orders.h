/*
 * The orders family: catalog orders between consumers and suppliers (DESIGN §6:
 * pending → accepted | rejected | cancelled; accepted → in_progress → completed), the
 * supplier dashboard, and (auction.c) the marketplace's auction orders.
 */
#ifndef SCP_ORDERS_H
#define SCP_ORDERS_H

#include "scp_http.h"

/* catalog_orders.c: the consumer's side */
void ord_create(struct scp_req *r);
void ord_list_consumer(struct scp_req *r);
void ord_get_consumer(struct scp_req *r);
void ord_cancel(struct scp_req *r);
/* catalog_orders.c: the supplier's side */
void ord_list_supplier(struct scp_req *r);
void ord_get_supplier(struct scp_req *r);
void ord_accept(struct scp_req *r);
void ord_reject(struct scp_req *r);
void ord_start(struct scp_req *r);
void ord_complete(struct scp_req *r);

/* dashboard.c */
void ord_dashboard(struct scp_req *r);

#endif
