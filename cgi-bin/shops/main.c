/*
 * scp-shops: Cliick.io's shops (seed 002), at /api/ in the cliick profile.
 *
 * Any signed-in account may create a shop and becomes its owner; a shop's routes are
 * its members' (shop_members), and a shop the caller is no member of is not found.
 */
#include "shops.h"
#include "scp_app.h"

static const struct scp_route routes[] = {
	{ "GET", "/api/v1/shops", shops_list, SCP_AUTH },
	{ "POST", "/api/v1/shops", shops_create, SCP_AUTH | SCP_IDEMPOTENT },
	{ "GET", "/api/v1/shops/:shopId", shops_get, SCP_AUTH },
	{ "PUT", "/api/v1/shops/:shopId", shops_update, SCP_AUTH },
	{ "GET", "/api/v1/shops/:shopId/products", shop_products_list, SCP_AUTH },
	{ "POST", "/api/v1/shops/:shopId/products", shop_product_create,
	  SCP_AUTH | SCP_IDEMPOTENT },
	{ "GET", "/api/v1/shops/:shopId/products/:productId", shop_product_get, SCP_AUTH },
	{ "PUT", "/api/v1/shops/:shopId/products/:productId", shop_product_update, SCP_AUTH },
	{ "DELETE", "/api/v1/shops/:shopId/products/:productId", shop_product_delete,
	  SCP_AUTH },
	/* A shop's order forms and orders; an order is placed through a form with no
	 * account (nginx limits that route per client address). */
	{ "GET", "/api/v1/shops/:shopId/forms", shop_forms_list, SCP_AUTH },
	{ "POST", "/api/v1/shops/:shopId/forms", shop_form_create, SCP_AUTH | SCP_IDEMPOTENT },
	{ "GET", "/api/v1/shops/:shopId/forms/:formId", shop_form_get, SCP_AUTH },
	{ "PUT", "/api/v1/shops/:shopId/forms/:formId", shop_form_update, SCP_AUTH },
	{ "POST", "/api/v1/shops/:shopId/forms/:formId/submissions", shop_order_place, 0 },
	{ "GET", "/api/v1/shops/:shopId/orders", shop_orders_list, SCP_AUTH },
	{ "GET", "/api/v1/shops/:shopId/orders/:orderId", shop_order_get, SCP_AUTH },
	{ "PUT", "/api/v1/shops/:shopId/orders/:orderId/status", shop_order_status, SCP_AUTH },
	/* The team (team.c). */
	{ "GET", "/api/v1/shops/:shopId/products/:productId/stock-movements",
	  shop_product_movements, SCP_AUTH },
	{ "POST", "/api/v1/shops/:shopId/upgrade", shops_upgrade, SCP_AUTH },
	{ "GET", "/api/v1/shops/:shopId/team", shop_team_list, SCP_AUTH },
	{ "POST", "/api/v1/shops/:shopId/team", shop_team_add, SCP_AUTH },
	{ "PUT", "/api/v1/shops/:shopId/team/:userId", shop_team_update, SCP_AUTH },
	{ "DELETE", "/api/v1/shops/:shopId/team/:userId", shop_team_remove, SCP_AUTH },
	/* a shop's live chat (conversations.c) */
	{ "GET", "/api/v1/shops/:shopId/conversations", shop_conversations_list, SCP_AUTH },
	{ "POST", "/api/v1/shops/:shopId/conversations", shop_conversation_create,
	  SCP_AUTH | SCP_IDEMPOTENT },
	{ "GET", "/api/v1/shops/:shopId/conversations/:id", shop_conversation_get, SCP_AUTH },
	{ "PUT", "/api/v1/shops/:shopId/conversations/:id", shop_conversation_update,
	  SCP_AUTH },
	{ "GET", "/api/v1/shops/:shopId/conversations/:id/messages", shop_messages_list,
	  SCP_AUTH },
	{ "POST", "/api/v1/shops/:shopId/conversations/:id/messages", shop_message_send,
	  SCP_AUTH | SCP_IDEMPOTENT },
	/* a shop's social connections (issue 13 item 6) */
	{ "POST", "/api/v1/shops/:shopId/integrations/:platform/connect",
	  shop_integration_connect, SCP_AUTH },
	{ "POST", "/api/v1/shops/:shopId/integrations/:platform/disconnect",
	  shop_integration_disconnect, SCP_AUTH },
	{ "POST", "/api/v1/shops/:shopId/integrations/:platform/authorize",
	  shop_integration_authorize, SCP_AUTH },
	{ "GET", "/api/v1/oauth/:platform/callback", shop_integration_callback,
	  SCP_PUBLIC },
	/* the web widget's customer, without an account (widget.c) */
	{ "POST", "/api/v1/shops/:shopId/widget/conversations", shop_widget_open, SCP_PUBLIC },
	{ "GET", "/api/v1/shops/:shopId/widget/conversations/:id/messages",
	  shop_widget_messages, SCP_PUBLIC },
	{ "POST", "/api/v1/shops/:shopId/widget/conversations/:id/messages", shop_widget_send,
	  SCP_PUBLIC },
	/* Payments of a shop's orders through Stripe (payments.c). */
	{ "POST", "/api/v1/shops/:shopId/payments/intent", shop_payment_intent,
	  SCP_AUTH | SCP_IDEMPOTENT },
	{ "POST", "/api/v1/shops/:shopId/payments/confirm", shop_payment_confirm,
	  SCP_AUTH | SCP_IDEMPOTENT },
	{ "GET", "/api/v1/shops/:shopId/payments/:paymentId", shop_payment_get, SCP_AUTH },
	{ "POST", "/api/v1/shops/:shopId/payments/:paymentId/refund", shop_payment_refund,
	  SCP_AUTH | SCP_IDEMPOTENT },
	/* The root payment paths of Cliick's paymentService.ts (payments_root.c). */
	{ "POST", "/api/v1/payments/intent", shop_root_payment_intent, SCP_AUTH | SCP_IDEMPOTENT },
	{ "POST", "/api/v1/payments/confirm", shop_root_payment_confirm,
	  SCP_AUTH | SCP_IDEMPOTENT },
	{ "GET", "/api/v1/payments/:intent", shop_root_payment_get, SCP_AUTH },
	{ "POST", "/api/v1/payments/:intent/refund", shop_root_payment_refund,
	  SCP_AUTH | SCP_IDEMPOTENT },
	{ "POST", "/api/v1/payments/:intent/cancel", shop_root_payment_cancel,
	  SCP_AUTH | SCP_IDEMPOTENT },
	/* PayPal payments of a shop's orders (payments_paypal.c); a PayPal order id is no
	 * uuid, so its capture is named :paypalOrder (an "...Id" capture must be a uuid). */
	{ "POST", "/api/v1/shops/:shopId/payments/paypal/orders", shop_paypal_order,
	  SCP_AUTH | SCP_IDEMPOTENT },
	{ "POST", "/api/v1/shops/:shopId/payments/paypal/orders/:paypalOrder/capture",
	  shop_paypal_capture, SCP_AUTH | SCP_IDEMPOTENT },
	{ "POST", "/api/v1/shops/:shopId/payments/paypal/:paymentId/refund", shop_paypal_refund,
	  SCP_AUTH | SCP_IDEMPOTENT },
	SCP_ROUTES_END,
};

static const struct scp_family family = {
	.name = "shops",
	.routes = routes,
	.stmts = SCP_STMT_TABLES(shops_stmts, shop_products_stmts,
				 shop_forms_stmts, shop_orders_stmts,
				 shop_team_stmts, shop_chat_stmts,
				 shop_integrations_stmts, shop_widget_stmts,
				 shop_payments_stmts,
				 shop_payments_root_stmts, shop_paypal_stmts),
};

int main(int argc, char **argv)
{
	return scp_app_main(argc, argv, &family);
}
