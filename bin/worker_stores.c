/*
 * Store jobs: shopify_register_webhooks and woocommerce_register_webhooks, queued when
 * a connection becomes active (scp_store_activate(), sql/functions/92_stores.sql).
 *
 * Shopify: for each topic SCP listens to,
 *   POST {shop}/admin/api/{version}/webhooks.json
 *   X-Shopify-Access-Token: <the connection's token>
 *   {"webhook": {"topic": "orders/create", "address": "{public_url}/webhooks/shopify",
 *                "format": "json"}}
 * Shopify answers 201 with the webhook, or 422 "address for this topic has already been
 * taken" when it exists (a retry, or a reconnected shop): both are success.  A 4xx
 * other than 429 is final and kept as the connection's last error and a sync error; a
 * 5xx, a 429 or no answer is retried with the job's backoff.  The `log` transport
 * writes the registrations to outbox_log instead.
 *
 * WooCommerce: the store's webhooks are listed (GET {store}/wp-json/wc/v3/webhooks,
 * HTTP Basic with the connection's keys) and each of order.created and order.updated
 * is created,
 *   POST {store}/wp-json/wc/v3/webhooks
 *   {"name": "SCP order.created", "status": "active", "topic": "order.created",
 *    "delivery_url": "{public_url}/webhooks/woocommerce", "secret": <the connection's>}
 * or, when one is delivered there already (a reconnect; WooCommerce itself would make a
 * second), updated with the same body (PUT …/webhooks/{id}): it then carries the
 * connection's secret and is active.  Failures are handled as Shopify's.
 */
#include "worker.h"
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_httpc.h"
#include "scp_json.h"
#include "scp_log.h"
#include "scp_secret.h"

#include <stdio.h>
#include <string.h>

static const char *const shopify_topics[] = { "orders/create", "orders/updated",
					      "orders/cancelled", "products/update", NULL };

static const char *const woo_topics[] = { "order.created", "order.updated", NULL };

const struct scp_stmt worker_stores_stmts[] = {
	{ "store_for_job", "SELECT scp_store_for_job($1::uuid)" },
	/* $1 connection, $2 job kind, $3 cause. */
	{ "store_job_failed", "SELECT scp_store_job_failed($1::uuid, $2, $3)" },
	SCP_STMT_END,
};

/* The connection of the job (scp_store_for_job()), or NULL. */
static json_object *load_connection(const char *id)
{
	PGresult *res = NULL;
	json_object *doc = NULL;

	if (scp_db_exec(worker_db, "store_for_job", 1, (const char *const[]){ id }, &res) ==
		    SCP_DB_OK &&
	    PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		scp_json_parse(PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0),
			       (size_t)PQgetlength(res, 0, 0) + 1, &doc);
	PQclear(res);
	return doc;
}

static void record_failure(const char *id, const char *kind, const char *cause)
{
	PGresult *res = NULL;

	if (scp_db_exec(worker_db, "store_job_failed", 3,
			(const char *const[]){ id, kind, cause }, &res) != SCP_DB_OK)
		scp_error("libpq: connection %s: cannot record the failure: %s", id,
			  res ? PQresultErrorMessage(res) : "database unavailable");
	PQclear(res);
}

/* Register one topic; NULL on success, else why (static), *permanent when final. */
static const char *register_topic(const char *shop, const char *token, const char *topic,
				  bool *permanent)
{
	static char err[400];
	struct scp_buf url = SCP_BUF_INIT, body = SCP_BUF_INIT, answer = SCP_BUF_INIT;
	struct scp_buf auth = SCP_BUF_INIT;
	const char *headers[4];
	struct scp_httpc_req req = { .method = "POST", .headers = headers,
				     .timeout_ms = scp_cfg.http_timeout_ms };
	struct scp_httpc_resp resp;
	const char *why = NULL;

	if (*scp_cfg.shopify_api_base)
		scp_buf_adds(&url, scp_cfg.shopify_api_base);
	else
		scp_buf_addf(&url, "https://%s", shop);
	scp_buf_addf(&url, "/admin/api/%s/webhooks.json", scp_cfg.shopify_api_version);
	scp_buf_adds(&body, "{\"webhook\":{\"topic\":");
	scp_buf_add_json_str(&body, topic);
	scp_buf_adds(&body, ",\"address\":");
	{
		struct scp_buf addr = SCP_BUF_INIT;

		scp_buf_addf(&addr, "%s/webhooks/shopify", scp_cfg.public_url);
		scp_buf_add_json_str(&body, addr.ptr);
		scp_buf_release(&addr);
	}
	scp_buf_adds(&body, ",\"format\":\"json\"}}");
	scp_buf_addf(&auth, "X-Shopify-Access-Token: %s", token);
	headers[0] = "Content-Type: application/json";
	headers[1] = "Accept: application/json";
	headers[2] = auth.ptr;
	headers[3] = NULL;
	req.url = url.ptr;
	req.body = body.ptr;
	*permanent = false;
	if (!scp_httpc_request(&req, &answer, &resp)) {
		snprintf(err, sizeof(err), "Shopify unreachable registering %s: %.200s", topic,
			 resp.error);
		why = err;
	} else if (resp.status == 422 && strstr(answer.ptr, "already been taken")) {
		scp_info("shopify %s: webhook %s already registered", shop, topic);
	} else if (resp.status < 200 || resp.status > 299) {
		snprintf(err, sizeof(err), "Shopify answered %ld registering webhook %s: %.150s",
			 resp.status, topic, answer.ptr);
		why = err;
		*permanent = resp.status >= 400 && resp.status < 500 && resp.status != 429;
	}
	memset(auth.ptr, 0, auth.len);
	scp_buf_release(&auth);
	scp_buf_release(&answer);
	scp_buf_release(&body);
	scp_buf_release(&url);
	return why;
}

/* The log transport: one outbox line naming what would be registered. */
static struct worker_result log_registration(const char *id, const char *shop)
{
	struct scp_buf f = SCP_BUF_INIT;
	struct worker_result res;

	scp_buf_adds(&f, "\"channel\":\"shopify\",\"connection_id\":");
	scp_buf_add_json_str(&f, id);
	scp_buf_adds(&f, ",\"shop\":");
	scp_buf_add_json_str(&f, shop);
	scp_buf_adds(&f, ",\"register_webhooks\":[");
	for (size_t i = 0; shopify_topics[i]; i++) {
		if (i)
			scp_buf_addc(&f, ',');
		scp_buf_add_json_str(&f, shopify_topics[i]);
	}
	scp_buf_adds(&f, "]");
	res = worker_outbox_append(f.ptr);
	scp_buf_release(&f);
	return res;
}

struct worker_result worker_shopify_register_webhooks(struct scp_job *job)
{
	static char err[400];
	struct worker_result res = { 0 };
	const char *id = json_object_get_string(scp_json_get(job->payload, "connection_id"));
	json_object *conn;
	const char *shop, *sealed, *status;
	struct scp_buf token = SCP_BUF_INIT;
	char aad[96];

	if (!id)
		return (struct worker_result){ "payload without connection_id", true };
	if (!(conn = load_connection(id)))
		return (struct worker_result){ NULL, false };	/* gone: nothing to register */
	shop = json_object_get_string(scp_json_get(conn, "store_url"));
	status = json_object_get_string(scp_json_get(conn, "status"));
	sealed = json_object_get_string(scp_json_get(conn, "access_token"));
	if (!sealed || !status || strcmp(status, "active")) {
		scp_info("connection %s is not active: no webhooks registered", id);
	} else if (!strcmp(scp_cfg.shopify_transport, "log")) {
		res = log_registration(id, shop);
	} else if (!*scp_cfg.public_url) {
		res = (struct worker_result){ "public_url is not configured: no webhook address",
					      true };
	} else if (snprintf(aad, sizeof(aad), "%s:access_token", id),
		   !scp_secret_open(sealed, aad, &token)) {
		res = (struct worker_result){ "the connection's access token does not open "
					      "(secrets_key changed?)", true };
	} else {
		for (size_t i = 0; shopify_topics[i] && !res.error; i++)
			res.error = register_topic(shop, token.ptr, shopify_topics[i], &res.permanent);
	}
	if (res.error && res.permanent) {
		snprintf(err, sizeof(err), "%s", res.error);
		res.error = err;
		record_failure(id, job->kind, err);
	}
	memset(token.ptr, 0, token.len);
	scp_buf_release(&token);
	json_object_put(conn);
	return res;
}

/* A sealed field of the connection, opened into out; false when it does not open. */
static bool open_field(json_object *conn, const char *id, const char *field, struct scp_buf *out)
{
	const char *sealed = json_object_get_string(scp_json_get(conn, field));
	char aad[96];

	snprintf(aad, sizeof(aad), "%s:%s", id, field);
	return sealed && scp_secret_open(sealed, aad, out);
}

/* The outcome of one call to the store: NULL when it answered 2xx, else why (static). */
static const char *woo_call(const char *method, const char *url, const char *body,
			    const char *key, const char *secret, struct scp_buf *answer,
			    bool *permanent)
{
	static char err[400];
	static const char *const headers[] = { "Content-Type: application/json",
					       "Accept: application/json", NULL };
	struct scp_httpc_req req = { .method = method, .url = url, .headers = headers,
				     .body = body, .basic_user = key, .basic_pass = secret,
				     .timeout_ms = scp_cfg.http_timeout_ms };
	struct scp_httpc_resp resp;

	*permanent = false;
	if (!scp_httpc_request(&req, answer, &resp)) {
		snprintf(err, sizeof(err), "WooCommerce store unreachable: %.200s", resp.error);
		return err;
	}
	if (resp.status >= 200 && resp.status <= 299)
		return NULL;
	snprintf(err, sizeof(err), "WooCommerce answered %ld to %s %.80s: %.150s", resp.status,
		 method, strstr(url, "/wp-json/") ? strstr(url, "/wp-json/") : url, answer->ptr);
	*permanent = resp.status >= 400 && resp.status < 500 && resp.status != 429;
	return err;
}

/* The id of the store's webhook of topic delivered to address (list: a JSON array), or NULL. */
static const char *woo_hook_id(json_object *list, const char *topic, const char *address)
{
	size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *h = json_object_array_get_idx(list, i);
		const char *t = json_object_get_string(scp_json_get(h, "topic"));
		const char *u = json_object_get_string(scp_json_get(h, "delivery_url"));
		const char *id = json_object_get_string(scp_json_get(h, "id"));

		if (t && u && id && !strcmp(t, topic) && !strcmp(u, address) && strlen(id) < 24)
			return id;
	}
	return NULL;
}

static const char *woo_register(const char *store, const char *key, const char *secret,
				const char *hook_secret, bool *permanent)
{
	struct scp_buf url = SCP_BUF_INIT, answer = SCP_BUF_INIT, address = SCP_BUF_INIT;
	json_object *list = NULL;
	const char *why;

	scp_buf_addf(&url, "%s/wp-json/wc/v3/webhooks?per_page=100", store);
	scp_buf_addf(&address, "%s/webhooks/woocommerce", scp_cfg.public_url);
	why = woo_call("GET", url.ptr, NULL, key, secret, &answer, permanent);
	if (!why && scp_json_parse(answer.ptr, answer.len, answer.len + 1, &list) != SCP_JSON_OK)
		list = NULL;
	for (size_t i = 0; !why && woo_topics[i]; i++) {
		struct scp_buf body = SCP_BUF_INIT;
		const char *have = woo_hook_id(list, woo_topics[i], address.ptr);

		/* One there already (a reconnect) gets the current secret and is made active. */
		scp_buf_reset(&url);
		if (have)
			scp_buf_addf(&url, "%s/wp-json/wc/v3/webhooks/%s", store, have);
		else
			scp_buf_addf(&url, "%s/wp-json/wc/v3/webhooks", store);
		scp_buf_addf(&body, "{\"name\":\"SCP %s\",\"status\":\"active\",\"topic\":",
			     woo_topics[i]);
		scp_buf_add_json_str(&body, woo_topics[i]);
		scp_buf_adds(&body, ",\"delivery_url\":");
		scp_buf_add_json_str(&body, address.ptr);
		scp_buf_adds(&body, ",\"secret\":");
		scp_buf_add_json_str(&body, hook_secret);
		scp_buf_adds(&body, "}");
		scp_buf_reset(&answer);
		why = woo_call(have ? "PUT" : "POST", url.ptr, body.ptr, key, secret, &answer,
			       permanent);
		memset(body.ptr, 0, body.len);
		scp_buf_release(&body);
	}
	json_object_put(list);
	scp_buf_release(&address);
	scp_buf_release(&answer);
	scp_buf_release(&url);
	return why;
}

struct worker_result worker_woo_register_webhooks(struct scp_job *job)
{
	static char err[400];
	struct worker_result res = { 0 };
	const char *id = json_object_get_string(scp_json_get(job->payload, "connection_id"));
	json_object *conn;
	const char *store, *status;
	struct scp_buf key = SCP_BUF_INIT, secret = SCP_BUF_INIT, hook = SCP_BUF_INIT;

	if (!id)
		return (struct worker_result){ "payload without connection_id", true };
	if (!(conn = load_connection(id)))
		return res;
	store = json_object_get_string(scp_json_get(conn, "store_url"));
	status = json_object_get_string(scp_json_get(conn, "status"));
	if (!status || strcmp(status, "active")) {
		scp_info("connection %s is not active: no webhooks registered", id);
	} else if (!strcmp(scp_cfg.woocommerce_transport, "log")) {
		struct scp_buf f = SCP_BUF_INIT;

		scp_buf_adds(&f, "\"channel\":\"woocommerce\",\"connection_id\":");
		scp_buf_add_json_str(&f, id);
		scp_buf_adds(&f, ",\"store_url\":");
		scp_buf_add_json_str(&f, store);
		scp_buf_adds(&f, ",\"register_webhooks\":[\"order.created\",\"order.updated\"]");
		res = worker_outbox_append(f.ptr);
		scp_buf_release(&f);
	} else if (!*scp_cfg.public_url) {
		res = (struct worker_result){ "public_url is not configured: no webhook address",
					      true };
	} else if (!open_field(conn, id, "consumer_key", &key) ||
		   !open_field(conn, id, "consumer_secret", &secret) ||
		   !open_field(conn, id, "webhook_secret", &hook)) {
		res = (struct worker_result){ "the connection's keys do not open "
					      "(secrets_key changed?)", true };
	} else {
		res.error = woo_register(store, key.ptr, secret.ptr, hook.ptr, &res.permanent);
	}
	if (res.error && res.permanent) {
		snprintf(err, sizeof(err), "%s", res.error);
		res.error = err;
		record_failure(id, job->kind, err);
	}
	memset(key.ptr, 0, key.len);
	memset(secret.ptr, 0, secret.len);
	memset(hook.ptr, 0, hook.len);
	scp_buf_release(&key);
	scp_buf_release(&secret);
	scp_buf_release(&hook);
	json_object_put(conn);
	return res;
}
