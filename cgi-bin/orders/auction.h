/*
 * Auction orders (SELLIKO): the order a won auction creates, read by its client,
 * vendor, pickup agent and admins, and moved along pending_pickup → picked_up →
 * in_transit → delivered → completed (cancelled before delivery, by an admin).  The
 * state machine and who may make each move are scp_auction_order_move() in
 * sql/003_auctions.sql.
 */
#ifndef SCP_ORDERS_AUCTION_H
#define SCP_ORDERS_AUCTION_H

#include "scp_db.h"
#include "scp_http.h"

void auction_orders_list(struct scp_req *r);
void auction_orders_get(struct scp_req *r);
void auction_orders_status(struct scp_req *r);

/* The statements of auction.c, for the family's statement tables. */
extern const struct scp_stmt auction_order_stmts[];

/* The roles that see auction orders (each is scoped in SQL to its own). */
#define AUCTION_ORDER_ROLES (SCP_R_CLIENT | SCP_R_VENDOR | SCP_R_AGENT | SCP_R_ADMIN)

#endif
