#ifndef SCP_SHOPS_H
#define SCP_SHOPS_H

#include "scp_http.h"
#include "scp_json.h"

extern const struct scp_stmt shops_stmts[];

void shops_list(struct scp_req *r);
void shops_create(struct scp_req *r);
void shops_get(struct scp_req *r);
void shops_update(struct scp_req *r);
void shops_upgrade(struct scp_req *r);

/* products.c: a shop's products. */
extern const struct scp_stmt shop_products_stmts[];

void shop_products_list(struct scp_req *r);
void shop_product_create(struct scp_req *r);
void shop_product_get(struct scp_req *r);
void shop_product_update(struct scp_req *r);
void shop_product_delete(struct scp_req *r);
void shop_product_movements(struct scp_req *r);

/* team.c: a shop's team. */
extern const struct scp_stmt shop_team_stmts[];

void shop_team_list(struct scp_req *r);
void shop_team_add(struct scp_req *r);
void shop_team_update(struct scp_req *r);
void shop_team_remove(struct scp_req *r);

/* settings.c: a shop's settings documents, checked; NULL when none was sent or one is bad. */
const char *shop_settings_fields(struct scp_req *r, json_object *b);

#endif
