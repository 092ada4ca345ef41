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

/* team.c: a shop's team. */
extern const struct scp_stmt shop_team_stmts[];

void shop_team_list(struct scp_req *r);
void shop_team_add(struct scp_req *r);
void shop_team_update(struct scp_req *r);
void shop_team_remove(struct scp_req *r);
/*
 * The team sent in PUT /shops/:shopId ([{user_id, role}], roles in either spelling) as
 * the JSON scp_shop_team_put takes; NULL when none was sent or it is bad.
 */
const char *shop_team_field(struct scp_req *r, json_object *b);

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

/* integrations.c: a shop's social connections (issue 13 item 6). */
extern const struct scp_stmt shop_integrations_stmts[];

void shop_integration_connect(struct scp_req *r);
void shop_integration_disconnect(struct scp_req *r);
void shop_integration_authorize(struct scp_req *r);
void shop_integration_callback(struct scp_req *r);
/* settings.c: a shop's settings documents, checked; NULL when none was sent or one is bad. */
const char *shop_settings_fields(struct scp_req *r, json_object *b);
/* payments.c: payments of a shop's orders through Stripe. */
extern const struct scp_stmt shop_payments_stmts[];

void shop_payment_intent(struct scp_req *r);
void shop_payment_confirm(struct scp_req *r);
void shop_payment_get(struct scp_req *r);
void shop_payment_refund(struct scp_req *r);
void shop_payment_intent_send(struct scp_req *r, const char *shop, const char *order,
			      json_object *begin, const char *done);
void shop_payment_refund_send(struct scp_req *r, json_object *begin, const char *done);
/* payments_root.c: the root paths /api/v1/payments/... of Cliick's paymentService.ts. */
extern const struct scp_stmt shop_payments_root_stmts[];
void shop_root_payment_intent(struct scp_req *r);
void shop_root_payment_confirm(struct scp_req *r);
void shop_root_payment_get(struct scp_req *r);
void shop_root_payment_refund(struct scp_req *r);
void shop_root_payment_cancel(struct scp_req *r);

/* PayPal payments of a shop's orders (payments_paypal.c) */
extern const struct scp_stmt shop_paypal_stmts[];
void shop_paypal_order(struct scp_req *r);
void shop_paypal_capture(struct scp_req *r);
void shop_paypal_refund(struct scp_req *r);
/* The PayPal calls of the shop paths, for the root paths too: each answers through its
 * statement done (payments_paypal.c says with what parameters). */
void shop_paypal_order_send(struct scp_req *r, const char *order, json_object *begin,
			    const char *done);
void shop_paypal_capture_send(struct scp_req *r, const char *ppo, json_object *row,
			      const char *done);
void shop_paypal_refund_send(struct scp_req *r, json_object *begin, const char *done);

/*
 * member.c: a shop's lists for its members, each one statement and one round trip
 * (behind the session check, which rides along as the request's guard).
 *
 * SHOP_MEMBER_PAGED is SCP_PAGED with the member check inside it: the parameters are
 * $1 shop, $2 caller, $3 page, $4 size, then the list's own filters ($5...); FILTER
 * ends in its WHERE clause.  The statement's one value is NULL when the caller is no
 * member of the shop (404: the shop's existence is not told), else the page, empty or
 * not.  The check in FILTER too makes a stranger's request a one-time filter that reads
 * none of the shop's rows; the outer one tells "no member" from "no rows".
 */
struct scp_page;

#define SHOP_MEMBER_OF "(SELECT FROM shop_members sm WHERE sm.shop_id = $1 AND sm.user_id = $2)"
#define SHOP_MEMBER_PAGED(FILTER, ORDER, FROM, ROW) \
	SCP_PAGE_WITH(FILTER " AND EXISTS " SHOP_MEMBER_OF, ORDER, "$3", "$4") \
	" SELECT CASE WHEN EXISTS " SHOP_MEMBER_OF " THEN" SCP_PAGE_JSON("$3", "$4") " END" \
	SCP_PAGE_FROM(FROM, ROW, ORDER)
/* The most filters a member list takes after its four parameters. */
#define SHOP_MEMBER_FILTERS_MAX 4

/*
 * Run the member list stmt (a SHOP_MEMBER_PAGED statement) for the caller on the shop
 * of the path (r->params[0]) with page pg and the nfilters values of filters, and
 * answer it: 200 with the page, or 404 to a caller who is no member.
 */
void shop_member_list(struct scp_req *r, const char *stmt, const struct scp_page *pg,
		      int nfilters, const char *const *filters);

#endif
