#ifndef SCP_SHOPS_H
#define SCP_SHOPS_H

#include "scp_http.h"

extern const struct scp_stmt shops_stmts[];

void shops_list(struct scp_req *r);
void shops_create(struct scp_req *r);
void shops_get(struct scp_req *r);
void shops_update(struct scp_req *r);

/* products.c: a shop's products. */
extern const struct scp_stmt shop_products_stmts[];

void shop_products_list(struct scp_req *r);
void shop_product_create(struct scp_req *r);
void shop_product_get(struct scp_req *r);
void shop_product_update(struct scp_req *r);
void shop_product_delete(struct scp_req *r);

/* integrations.c: a shop's social connections (issue 13 item 6). */
extern const struct scp_stmt shop_integrations_stmts[];

void shop_integration_connect(struct scp_req *r);
void shop_integration_disconnect(struct scp_req *r);
void shop_integration_authorize(struct scp_req *r);
void shop_integration_callback(struct scp_req *r);

#endif
