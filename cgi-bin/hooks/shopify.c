/*
 * Shopify webhooks: POST /webhooks/shopify, registered for every connected shop by the
 * job shopify_register_webhooks (bin/worker_stores.c).
 *
 * Shopify signs each delivery with X-Shopify-Hmac-Sha256: the base64 HMAC-SHA256 of the
 * raw body keyed with the app's API secret (shopify_api_secret).  It is checked over
 * the bytes as received, in constant time, before anything is parsed; a delivery that
 * fails gets 401 and writes nothing.  The delivery names its shop
 * (X-Shopify-Shop-Domain), its topic (X-Shopify-Topic) and itself (X-Shopify-Webhook-Id,
 * the same on every retry of one delivery): scp_shopify_webhook()
 * (sql/functions/92_stores.sql) records the id and the effect in one transaction, so a
 * replay answers 200 and changes nothing.  Shopify retries anything but a 2xx, so every
 * verified delivery, even one of no interest, is answered 200.
 */
#include "hooks.h"
#include "scp_config.h"
#include "scp_hmac.h"
#include "scp_json.h"
#include "scp_log.h"

#include <ctype.h>
#include <string.h>

const struct scp_stmt hooks_shopify_stmts[] = {
	/* $1 shop domain, $2 topic, $3 webhook id, $4 the verified body. */
	{ "shopify_hook", "SELECT scp_shopify_webhook($1, $2, $3, $4::jsonb)" },
	SCP_STMT_END,
};

void hooks_shopify_event(struct scp_req *r)
{
	const char *sig = scp_req_param(r, "HTTP_X_SHOPIFY_HMAC_SHA256");
	const char *topic, *shop_in, *id;
	char *shop;
	PGresult *res;

	if (!scp_req_read_body(r, HOOKS_BODY_MAX))
		return;
	if (!hooks_b64_hmac_ok(sig, scp_cfg.shopify_api_secret, r->body, r->body_len)) {
		scp_warn(*scp_cfg.shopify_api_secret
				 ? "shopify webhook refused: bad or missing X-Shopify-Hmac-Sha256"
				 : "shopify webhook refused: shopify_api_secret is not configured");
		scp_unauthorized(r, "invalid webhook signature");
		return;
	}
	topic = hooks_header(r, "HTTP_X_SHOPIFY_TOPIC");
	shop_in = hooks_header(r, "HTTP_X_SHOPIFY_SHOP_DOMAIN");
	id = hooks_header(r, "HTTP_X_SHOPIFY_WEBHOOK_ID");
	if (!id)
		id = hooks_header(r, "HTTP_X_SHOPIFY_EVENT_ID");
	if (!topic || !shop_in || !id) {
		scp_bad_request(r, "X-Shopify-Topic, X-Shopify-Shop-Domain and "
				   "X-Shopify-Webhook-Id are required");
		return;
	}
	if (!hooks_json_object(r))
		return;
	shop = scp_arena_strdup(r->arena, shop_in);
	for (char *p = shop; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	res = scp_q(r, "shopify_hook", shop, topic, id, r->body);
	if (res)
		scp_send_row_json(r, 200, res);
}
