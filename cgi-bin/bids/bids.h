/* The bids family: placing bids on live auctions and reading them back. */
#ifndef SCP_BIDS_H
#define SCP_BIDS_H

#include "scp_db.h"
#include "scp_http.h"

/* bids.c */
void bids_place(struct scp_req *r);
void bids_list(struct scp_req *r);
extern const struct scp_stmt bids_bids_stmts[];

#endif
