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

/* forms.c, orders.c: a shop's order forms and the orders placed through them. */
extern const struct scp_stmt shop_forms_stmts[];
extern const struct scp_stmt shop_orders_stmts[];

void shop_forms_list(struct scp_req *r);
void shop_form_create(struct scp_req *r);
void shop_form_get(struct scp_req *r);
void shop_form_update(struct scp_req *r);
void shop_order_place(struct scp_req *r);
void shop_orders_list(struct scp_req *r);
void shop_order_get(struct scp_req *r);
void shop_order_status(struct scp_req *r);

/* payments.c: payments of a shop's orders through Stripe. */
extern const struct scp_stmt shop_payments_stmts[];

void shop_payment_intent(struct scp_req *r);
void shop_payment_confirm(struct scp_req *r);
void shop_payment_get(struct scp_req *r);
void shop_payment_refund(struct scp_req *r);

#endif
