/*
 * Store jobs: shopify_register_webhooks, queued when a Shopify connection becomes
 * active (scp_store_activate(), sql/functions/92_stores.sql).  For each topic SCP
 * listens to,
 *   POST {shop}/admin/api/{version}/webhooks.json
 *   X-Shopify-Access-Token: <the connection's token>
 *   {"webhook": {"topic": "orders/create", "address": "{public_url}/webhooks/shopify",
 *                "format": "json"}}
 * Shopify answers 201 with the webhook, or 422 "address for this topic has already been
 * taken" when it exists (a retry, or a reconnected shop): both are success.  A 4xx
 * other than 429 is final and kept as the connection's last error and a sync error; a
 * 5xx, a 429 or no answer is retried with the job's backoff.  The `log` transport
 * writes the registrations to outbox_log instead.
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

const struct scp_stmt worker_stores_stmts[] = {
	{ "store_for_job", "SELECT scp_store_for_job($1::uuid)" },
	/* $1 connection, $2 job kind, $3 cause. */
	{ "store_job_failed", "SELECT scp_store_job_failed($1::uuid, $2, $3)" },
	SCP_STMT_END,
};

/* The connection of the job as {id, platform, store_url, status, access_token}, or NULL. */
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
		scp_error("connection %s: cannot record the failure: %s", id,
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
