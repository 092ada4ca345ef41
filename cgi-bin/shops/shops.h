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

/* conversations.c: a shop's live chat (conversations and their messages). */
extern const struct scp_stmt shop_chat_stmts[];

void shop_conversations_list(struct scp_req *r);
void shop_conversation_create(struct scp_req *r);
void shop_conversation_get(struct scp_req *r);
void shop_conversation_update(struct scp_req *r);
void shop_messages_list(struct scp_req *r);
void shop_message_send(struct scp_req *r);
/* widget.c: the web widget's customer, without an account (X-Widget-Token). */
extern const struct scp_stmt shop_widget_stmts[];

void shop_widget_open(struct scp_req *r);
void shop_widget_send(struct scp_req *r);
void shop_widget_messages(struct scp_req *r);

#endif
