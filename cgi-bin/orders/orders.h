/*
 * The orders family: catalog orders between consumers and suppliers (DESIGN §6:
 * pending → accepted | rejected | cancelled; accepted → in_progress → completed), the
 * supplier dashboard, and the marketplace's auction orders.
 *
 * Each resource file holds its handlers and the statements they run, in a table named
 * orders_<resource>_stmts that main.c lists in the family.
 */
#ifndef SCP_ORDERS_H
#define SCP_ORDERS_H

#include "scp_db.h"
#include "scp_http.h"

/* catalog_orders.c: the consumer's side */
void ord_create(struct scp_req *r);
void ord_list_consumer(struct scp_req *r);
void ord_list_current(struct scp_req *r);
void ord_get_consumer(struct scp_req *r);
void ord_track(struct scp_req *r);
void ord_cancel(struct scp_req *r);
/* catalog_orders.c: the supplier's side */
void ord_list_supplier(struct scp_req *r);
void ord_get_supplier(struct scp_req *r);
void ord_accept(struct scp_req *r);
void ord_reject(struct scp_req *r);
void ord_start(struct scp_req *r);
void ord_complete(struct scp_req *r);
extern const struct scp_stmt orders_catalog_stmts[];

/* dashboard.c */
void ord_dashboard(struct scp_req *r);
extern const struct scp_stmt orders_dashboard_stmts[];

/*
 * auction.c: auction orders (SELLIKO), the order a won auction creates, read by its
 * client, vendor, pickup agent and admins, and moved along pending_pickup → picked_up →
 * in_transit → delivered → completed (cancelled before delivery, by an admin).  The
 * state machine and who may make each move are scp_auction_order_move() in
 * sql/functions/60_auction_orders.sql.
 */
void ord_auction_list(struct scp_req *r);
void ord_auction_get(struct scp_req *r);
void ord_auction_status(struct scp_req *r);
extern const struct scp_stmt orders_auction_stmts[];

/*
 * payments.c: Stripe payments of either kind of order (POST·GET /orders/:id/payments,
 * POST /orders/:id/refunds).  Who may pay, see and refund which order, and the payment
 * state, are sql/functions/90_payments.sql.
 */
void ord_payment_create(struct scp_req *r);
void ord_payment_list(struct scp_req *r);
void ord_refund_create(struct scp_req *r);
extern const struct scp_stmt orders_payments_stmts[];

#endif
