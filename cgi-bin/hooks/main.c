/*
 * scp-hooks: inbound webhooks (DESIGN §5 and §7), outside /api/v1.
 *
 * None of these routes has a signed-in caller: a provider proves itself by the
 * signature of its delivery (or, for Meta's handshake, the verify token), which each
 * handler checks before anything else.
 */
#include "hooks.h"
#include "scp_app.h"

static const struct scp_route routes[] = {
	/* WhatsApp Cloud API (whatsapp.c): the subscription handshake, status updates. */
	{ "GET", "/webhooks/whatsapp", hooks_whatsapp_verify, SCP_PUBLIC | SCP_NO_DB },
	{ "POST", "/webhooks/whatsapp", hooks_whatsapp_event, SCP_PUBLIC },
	/* Stripe (stripe.c): payment intents and refunds of order payments. */
	{ "POST", "/webhooks/stripe", hooks_stripe_event, SCP_PUBLIC },
	/* Store orders (shopify.c, woocommerce.c): sales and returns for Prokip. */
	{ "POST", "/webhooks/shopify", hooks_shopify_event, SCP_PUBLIC },
	{ "POST", "/webhooks/woocommerce", hooks_woo_event, SCP_PUBLIC },
	/* Messenger and Instagram (facebook.c): customers' messages to a shop's live chat. */
	{ "GET", "/webhooks/facebook", hooks_facebook_verify, SCP_PUBLIC | SCP_NO_DB },
	{ "POST", "/webhooks/facebook", hooks_facebook_event, SCP_PUBLIC },
	/* PayPal (paypal.c): captures and refunds of shop orders' PayPal payments. */
	{ "POST", "/webhooks/paypal", hooks_paypal_event, SCP_PUBLIC },
	SCP_ROUTES_END,
};

static const struct scp_family family = {
	.name = "hooks",
	.routes = routes,
	.stmts = SCP_STMT_TABLES(hooks_whatsapp_stmts, hooks_stripe_stmts,
				 hooks_shopify_stmts, hooks_woo_stmts,
				 hooks_facebook_stmts,
				 hooks_paypal_stmts),
};

int main(int argc, char **argv)
{
	return scp_app_main(argc, argv, &family);
}
