/* The listings family: submission with photos, reads, review, the marketplace. */
#ifndef SCP_LISTINGS_H
#define SCP_LISTINGS_H

#include "scp_db.h"
#include "scp_http.h"

/* submit.c */
void listings_submit(struct scp_req *r);
extern const struct scp_stmt listings_submit_stmts[];

/* read.c */
void listings_list(struct scp_req *r);
void listings_pending(struct scp_req *r);
void listings_get(struct scp_req *r);
void listings_marketplace(struct scp_req *r);
void listings_bill(struct scp_req *r);
void listings_watch(struct scp_req *r);
void listings_unwatch(struct scp_req *r);
extern const struct scp_stmt listings_read_stmts[];

/* review.c */
void listings_approve(struct scp_req *r);
void listings_reject(struct scp_req *r);
void listings_assign_agent(struct scp_req *r);
extern const struct scp_stmt listings_review_stmts[];

#endif
