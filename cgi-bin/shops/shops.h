#ifndef SCP_SHOPS_H
#define SCP_SHOPS_H

#include "scp_http.h"

extern const struct scp_stmt shops_stmts[];

void shops_list(struct scp_req *r);
void shops_create(struct scp_req *r);
void shops_get(struct scp_req *r);
void shops_update(struct scp_req *r);

#endif
