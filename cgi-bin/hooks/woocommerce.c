/*
 * WooCommerce webhooks: POST /webhooks/woocommerce, made in the store by the job
 * woocommerce_register_webhooks, or by the merchant in WooCommerce → Settings →
 * Advanced → Webhooks with our woocommerce_webhook_secret.
 *
 * Saving a webhook makes WooCommerce send a ping: a form body "webhook_id=<n>" with no
 * signature.  It is answered 200 and nothing else happens.  Every other delivery
 * carries X-WC-Webhook-Signature, the base64 HMAC-SHA256 of the raw body keyed with the
 * webhook's secret — the connection's own for the webhooks SCP made in the store
 * (bin/worker_stores.c), or woocommerce_webhook_secret for ones made by hand — checked
 * in constant time before the body is parsed (401 and nothing written otherwise), and
 * names its store (X-WC-Webhook-Source, the site's home
 * URL), its topic (X-WC-Webhook-Topic, "order.created") and itself
 * (X-WC-Webhook-Delivery-ID).  The dedupe key is the store's and the delivery's id,
 * or, without a delivery id, the store's, the resource's id and its date_modified:
 * delivery ids are only unique within one site.  scp_woo_webhook()
 * (sql/functions/92_stores.sql) records the key and the effect in one transaction.
 */
#include "hooks.h"
#include "scp_config.h"
#include "scp_hmac.h"
#include "scp_json.h"
#include "scp_log.h"
#include "scp_secret.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

const struct scp_stmt hooks_woo_stmts[] = {
	/* $1 store URL: the connection and its sealed webhook secret. */
	{ "woo_hook_secret", "SELECT id, webhook_secret FROM scp_woo_hook_secret($1)" },
	/* $1 store URL, $2 topic, $3 dedupe key, $4 the verified body. */
	{ "woo_hook", "SELECT scp_woo_webhook($1, $2, $3, $4::jsonb)" },
	SCP_STMT_END,
};

/* WooCommerce's ping: "webhook_id=" and digits, nothing else. */
static bool is_ping(const struct scp_req *r)
{
	static const char prefix[] = "webhook_id=";
	size_t n = sizeof(prefix) - 1;

	if (r->body_len <= n || r->body_len > n + 20 || strncmp(r->body, prefix, n))
		return false;
	for (size_t i = n; i < r->body_len; i++)
		if (!isdigit((unsigned char)r->body[i]))
			return false;
	return true;
}

/*
 * The store URL as connections keep it: scheme and host lower-cased, no trailing
 * slash (WooCommerce sends home_url('/'), with one).
 */
static char *store_url(struct scp_req *r, const char *source)
{
	char *s = scp_arena_strdup(r->arena, source), *host = strstr(s, "://");
	size_t n;

	if (!host)
		return NULL;
	for (char *p = s; *p && p < host + 3; p++)
		*p = (char)tolower((unsigned char)*p);
	for (char *p = host + 3; *p && *p != '/'; p++)
		*p = (char)tolower((unsigned char)*p);
	n = strlen(s);
	while (n > (size_t)(host + 3 - s) && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

/* The delivery's dedupe key, or NULL when it has neither a delivery id nor a resource. */
static const char *dedupe_key(struct scp_req *r, const char *source)
{
	const char *delivery = hooks_header(r, "HTTP_X_WC_WEBHOOK_DELIVERY_ID");
	char site[SCP_SHA256_HEX];
	json_object *doc = NULL, *id, *mod;
	const char *key = NULL;

	scp_sha256_hex(site, source, strlen(source));
	site[16] = '\0';
	if (delivery)
		return scp_arena_printf(r->arena, "%s:d:%s", site, delivery);
	if (scp_json_parse(r->body, r->body_len, HOOKS_BODY_MAX, &doc) == SCP_JSON_OK &&
	    json_object_object_get_ex(doc, "id", &id) &&
	    (json_object_object_get_ex(doc, "date_modified_gmt", &mod) ||
	     json_object_object_get_ex(doc, "date_modified", &mod)) &&
	    !json_object_is_type(id, json_type_null) && !json_object_is_type(mod, json_type_null))
		key = scp_arena_printf(r->arena, "%s:r:%.60s@%.40s", site,
				       json_object_get_string(id), json_object_get_string(mod));
	json_object_put(doc);
	return key;
}

/*
 * Is sig the delivery's signature, under the secret of the connection the delivery
 * names (the webhooks SCP made in the store), or under woocommerce_webhook_secret
 * (webhooks made by hand)?  Reading the connection writes nothing.  false also when the
 * database cannot be asked (then 503 is answered already).
 */
static bool woo_verified(struct scp_req *r, const char *sig, const char *store)
{
	bool ok = false;

	if (!sig || !*sig)
		return false;
	if (store) {
		PGresult *res = scp_q(r, "woo_hook_secret", store);

		if (!res)
			return false;
		if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 1)) {
			struct scp_buf secret = SCP_BUF_INIT;
			char aad[96];

			snprintf(aad, sizeof(aad), "%s:webhook_secret", PQgetvalue(res, 0, 0));
			if (scp_secret_open(PQgetvalue(res, 0, 1), aad, &secret))
				ok = hooks_b64_hmac_ok(sig, secret.ptr, r->body, r->body_len);
			else
				scp_error("woocommerce webhook: the webhook secret of connection %s "
					  "does not open (secrets_key changed?)", PQgetvalue(res, 0, 0));
			memset(secret.ptr, 0, secret.len);
			scp_buf_release(&secret);
		}
	}
	return ok || hooks_b64_hmac_ok(sig, scp_cfg.woocommerce_webhook_secret, r->body,
				       r->body_len);
}

void hooks_woo_event(struct scp_req *r)
{
	const char *sig = scp_req_param(r, "HTTP_X_WC_WEBHOOK_SIGNATURE");
	const char *source, *topic, *key;
	char *store;
	PGresult *res;

	if (!scp_req_read_body(r, HOOKS_BODY_MAX))
		return;
	if ((!sig || !*sig) && is_ping(r)) {
		scp_info("woocommerce webhook ping");
		scp_send(r, 200, "{\"received\":true}", 17);
		return;
	}
	source = hooks_header(r, "HTTP_X_WC_WEBHOOK_SOURCE");
	store = source ? store_url(r, source) : NULL;
	if (!woo_verified(r, sig, store)) {
		scp_warn("woocommerce webhook refused: bad or missing X-WC-Webhook-Signature");
		scp_unauthorized(r, "invalid webhook signature");
		return;
	}
	topic = hooks_header(r, "HTTP_X_WC_WEBHOOK_TOPIC");
	if (!source || !topic || !store) {
		scp_bad_request(r, "X-WC-Webhook-Source and X-WC-Webhook-Topic are required");
		return;
	}
	if (!hooks_json_object(r))
		return;
	if (!(key = dedupe_key(r, store))) {
		scp_bad_request(r, "a delivery needs X-WC-Webhook-Delivery-ID, or a resource "
				   "with id and date_modified");
		return;
	}
	res = scp_q(r, "woo_hook", store, topic, key, r->body);
	if (res)
		scp_send_row_json(r, 200, res);
}
