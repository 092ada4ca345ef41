/*
 * The sync family: a supplier's store connections (Shopify by OAuth, WooCommerce by REST
 * API keys) and the Prokip sync (DESIGN §5 and §7; seed 004), under /api/v1.
 *
 * Store secrets (Shopify's access token, WooCommerce's consumer key and secret) are
 * sealed by scp_secret with the aad "<connection id>:<field>" before they reach SQL,
 * and are never part of an answer: scp_store_connection_json() shows none.
 *
 * Each resource file holds its handlers and the statements they run, in a table named
 * sync_<resource>_stmts that main.c lists in the family.
 */
#ifndef SCP_SYNC_H
#define SCP_SYNC_H

#include "scp_db.h"
#include "scp_http.h"

/* connections.c: the supplier's connections, disconnecting one */
void sync_connections_list(struct scp_req *r);
void sync_connection_delete(struct scp_req *r);
extern const struct scp_stmt sync_connections_stmts[];
/*
 * Seal plain for the connection id's field ("access_token"...), into the arena.  NULL
 * (and 500 answered) when sealing fails.
 */
const char *sync_seal(struct scp_req *r, const char *id, const char *field, const char *plain);
/* secrets_key is set: else 503 answered, as no secret may be stored in clear. */
bool sync_secrets_ready(struct scp_req *r);

/* shopify.c: OAuth authorization (initiate, callback) */
void sync_shopify_initiate(struct scp_req *r);
void sync_shopify_callback(struct scp_req *r);
extern const struct scp_stmt sync_shopify_stmts[];

/* woocommerce.c: connecting a store with its REST API keys */
void sync_woo_connect(struct scp_req *r);
/* Seed 004's dashboard's WooCommerce form: test the keys; connect with a store name. */
void sync_woo_test(struct scp_req *r);
void sync_woo_dashboard_connect(struct scp_req *r);
extern const struct scp_stmt sync_woo_stmts[];

#endif
