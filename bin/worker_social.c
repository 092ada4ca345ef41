/*
 * A shop's social connections at the platforms (cgi-bin/shops/integrations.c).
 *
 * social_send {shop_id, platform, recipient_id, text, message_id}: a seller's reply in a
 * social conversation, sent with the shop's connection:
 *   facebook, instagram  POST {facebook_api_base}/{version}/me/messages, the page token as
 *                        bearer, {recipient: {id}, message: {text}, messaging_type:
 *                        "RESPONSE"} → {recipient_id, message_id}
 *   telegram             POST {telegram_api_base}/bot<token>/sendMessage {chat_id, text}
 *                        → {ok: true, result: {message_id, …}}
 *   viber                POST {viber_api_base}/pa/send_message (X-Viber-Auth-Token)
 *                        {receiver, min_api_version, sender: {name}, type: "text", text}
 *                        → {status: 0, message_token}
 * TikTok has no direct-message send API for shops: such a job is dead at once.
 *
 * social_revoke {shop_id, platform, external_id, token_sealed}: a disconnected (or
 * replaced) connection's token stops working for the shop: the page's subscription
 * (DELETE /me/subscribed_apps), TikTok's POST /v2/oauth/revoke/, Telegram's
 * deleteWebhook, Viber's set_webhook with an empty url.
 *
 * 429 and 5xx are retried with the jobs' backoff; other 4xx are dead letters (for a
 * revoke, a token the platform no longer accepts is already revoked: done).  With
 * <platform>_transport = log the request goes to outbox_log instead, never the token.
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

const struct scp_stmt worker_social_stmts[] = {
	/* $1 shop, $2 platform: the connection's sealed token and account. */
	{ "social_token",
	  "SELECT token_sealed, external_id FROM shop_integrations"
	  " WHERE shop_id = $1 AND platform = $2" },
	SCP_STMT_END,
};

#define FAIL(msg) ((struct worker_result){ (msg), true })
#define RETRY(msg) ((struct worker_result){ (msg), false })

static const char *pstr(struct scp_job *job, const char *key)
{
	json_object *v = scp_json_get(job->payload, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool is_uuid(const char *s)
{
	static const char hex[] = "0123456789abcdefABCDEF";

	if (!s || strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++)
		if ((i == 8 || i == 13 || i == 18 || i == 23) ? s[i] != '-'
							      : !strchr(hex, s[i]) || !s[i])
			return false;
	return true;
}

static const char *transport(const char *platform)
{
	if (!strcmp(platform, "facebook"))
		return scp_cfg.facebook_transport;
	if (!strcmp(platform, "instagram"))
		return scp_cfg.instagram_transport;
	if (!strcmp(platform, "tiktok"))
		return scp_cfg.tiktok_transport;
	if (!strcmp(platform, "telegram"))
		return scp_cfg.telegram_transport;
	if (!strcmp(platform, "viber"))
		return scp_cfg.viber_transport;
	return NULL;
}

/* Open a sealed token of shop's platform connection into out. */
static bool open_token(const char *shop, const char *platform, const char *sealed,
		       struct scp_buf *out)
{
	char aad[128];

	snprintf(aad, sizeof(aad), "%s/%s:access_token", shop, platform);
	return sealed && scp_secret_open(sealed, aad, out);
}

/* The call, and what its outcome means for the job; *doc gets a 200's JSON body. */
static struct worker_result call(const char *what, const char *method, const char *url,
				 const char *const *headers, const char *body, bool revoke,
				 json_object **doc)
{
	struct scp_httpc_req req = { .method = method, .url = url, .headers = headers,
				     .body = body, .timeout_ms = scp_cfg.http_timeout_ms };
	struct scp_httpc_resp resp;
	struct scp_buf answer = SCP_BUF_INIT;
	struct worker_result res = { NULL, false };
	static char err[320];

	*doc = NULL;
	if (!scp_httpc_request(&req, &answer, &resp)) {
		snprintf(err, sizeof(err), "%s: unreachable: %s", what, resp.error);
		res = RETRY(err);
	} else if (resp.status == 429 || resp.status >= 500) {
		snprintf(err, sizeof(err), "%s answered %ld", what, resp.status);
		res = RETRY(err);
	} else if (resp.status < 200 || resp.status > 299) {
		snprintf(err, sizeof(err), "%s answered %ld", what, resp.status);
		if (revoke && resp.status >= 400 && resp.status < 500)
			scp_warn("%s; the token no longer works: nothing left to revoke", err);
		else
			res = FAIL(err);
	} else if (scp_json_parse(answer.ptr, answer.len, answer.len + 1, doc) != SCP_JSON_OK) {
		*doc = NULL;
	}
	scp_buf_release(&answer);
	return res;
}

/* The log transport: what would have been sent (never the token). */
static struct worker_result log_request(struct scp_job *job, const char *event,
					const char *platform, const char *to, const char *text)
{
	json_object *d = json_object_new_object();
	struct worker_result res;

	json_object_object_add(d, "job_id", json_object_new_string(job->id));
	json_object_object_add(d, "shop_id", json_object_new_string(pstr(job, "shop_id")));
	json_object_object_add(d, "platform", json_object_new_string(platform));
	if (to)
		json_object_object_add(d, "recipient_id", json_object_new_string(to));
	if (text)
		json_object_object_add(d, "text", json_object_new_string(text));
	if (pstr(job, "message_id"))
		json_object_object_add(d, "message_id",
				       json_object_new_string(pstr(job, "message_id")));
	res = worker_outbox_write("social", event, d);
	json_object_put(d);
	return res;
}

static struct worker_result send_meta(const char *token, const char *to, const char *text)
{
	struct scp_buf url = SCP_BUF_INIT, body = SCP_BUF_INIT, auth = SCP_BUF_INIT;
	const char *headers[] = { "Content-Type: application/json", NULL, NULL };
	json_object *doc;
	struct worker_result res;

	scp_buf_addf(&auth, "Authorization: Bearer %s", token);
	headers[1] = auth.ptr;
	scp_buf_addf(&url, "%s/%s/me/messages", scp_cfg.facebook_api_base,
		     scp_cfg.facebook_api_version);
	scp_buf_adds(&body, "{\"recipient\":{\"id\":");
	scp_buf_add_json_str(&body, to);
	scp_buf_adds(&body, "},\"message\":{\"text\":");
	scp_buf_add_json_str(&body, text);
	scp_buf_adds(&body, "},\"messaging_type\":\"RESPONSE\"}");
	res = call("Graph send", "POST", url.ptr, headers, body.ptr, false, &doc);
	if (!res.error && !scp_json_get(doc, "message_id"))
		res = FAIL("Graph send: no message_id in the answer");
	json_object_put(doc);
	memset(auth.ptr, 0, auth.len);
	scp_buf_release(&auth);
	scp_buf_release(&url);
	scp_buf_release(&body);
	return res;
}

static struct worker_result send_telegram(const char *token, const char *to, const char *text)
{
	struct scp_buf url = SCP_BUF_INIT, body = SCP_BUF_INIT;
	static const char *const headers[] = { "Content-Type: application/json", NULL };
	json_object *doc;
	struct worker_result res;

	scp_buf_addf(&url, "%s/bot%s/sendMessage", scp_cfg.telegram_api_base, token);
	scp_buf_adds(&body, "{\"chat_id\":");
	scp_buf_add_json_str(&body, to);
	scp_buf_adds(&body, ",\"text\":");
	scp_buf_add_json_str(&body, text);
	scp_buf_adds(&body, "}");
	res = call("Telegram sendMessage", "POST", url.ptr, headers, body.ptr, false, &doc);
	if (!res.error && !json_object_get_boolean(scp_json_get(doc, "ok")))
		res = FAIL("Telegram sendMessage: not ok");
	json_object_put(doc);
	memset(url.ptr, 0, url.len);
	scp_buf_release(&url);
	scp_buf_release(&body);
	return res;
}

/* Viber: a 200 whose status is not 0 is a refusal (6 receiverNotSubscribed…). */
static struct worker_result viber_post(const char *token, const char *path, const char *body,
				       bool revoke)
{
	struct scp_buf url = SCP_BUF_INIT, auth = SCP_BUF_INIT;
	const char *headers[] = { "Content-Type: application/json", NULL, NULL };
	json_object *doc, *st;
	struct worker_result res;

	scp_buf_addf(&auth, "X-Viber-Auth-Token: %s", token);
	headers[1] = auth.ptr;
	scp_buf_addf(&url, "%s%s", scp_cfg.viber_api_base, path);
	res = call(path, "POST", url.ptr, headers, body, revoke, &doc);
	st = scp_json_get(doc, "status");
	if (!res.error && (!st || json_object_get_int(st) != 0)) {
		if (revoke)
			scp_warn("Viber %s refused: the token no longer works", path);
		else
			res = FAIL("Viber send_message: status not 0");
	}
	json_object_put(doc);
	memset(auth.ptr, 0, auth.len);
	scp_buf_release(&auth);
	scp_buf_release(&url);
	return res;
}

static struct worker_result send_viber(const char *token, const char *to, const char *text)
{
	struct scp_buf body = SCP_BUF_INIT;
	struct worker_result res;

	scp_buf_adds(&body, "{\"receiver\":");
	scp_buf_add_json_str(&body, to);
	scp_buf_adds(&body, ",\"min_api_version\":1,\"sender\":{\"name\":");
	scp_buf_add_json_str(&body, scp_cfg.viber_sender_name);
	scp_buf_adds(&body, "},\"type\":\"text\",\"text\":");
	scp_buf_add_json_str(&body, text);
	scp_buf_adds(&body, "}");
	res = viber_post(token, "/pa/send_message", body.ptr, false);
	scp_buf_release(&body);
	return res;
}

/* The most text each platform takes in one message. */
static size_t text_max(const char *platform)
{
	return !strcmp(platform, "telegram") ? 4096 : !strcmp(platform, "viber") ? 7000 : 2000;
}

struct worker_result worker_social_send(struct scp_job *job)
{
	const char *shop = pstr(job, "shop_id"), *platform = pstr(job, "platform");
	const char *to = pstr(job, "recipient_id"), *text = pstr(job, "text");
	const char *tr = platform ? transport(platform) : NULL;
	struct scp_buf token = SCP_BUF_INIT;
	struct worker_result res;
	PGresult *row = NULL;

	if (!is_uuid(shop) || !tr)
		return FAIL("payload: shop_id must be a uuid and platform a social platform");
	if (!to || !*to || strlen(to) > 200 || !text || !*text || strlen(text) > text_max(platform))
		return FAIL("payload: recipient_id and text (within the platform's limit) needed");
	if (!strcmp(platform, "tiktok"))
		return FAIL("TikTok has no message send API");
	if (!WORKER_EXEC("social_token", &row, shop, platform))
		return RETRY("the database is away");
	if (PQntuples(row) != 1) {
		PQclear(row);
		return FAIL("the shop has no connection on this platform");
	}
	if (!strcmp(tr, "log")) {
		PQclear(row);
		return log_request(job, "send", platform, to, text);
	}
	if (!open_token(shop, platform, PQgetvalue(row, 0, 0), &token)) {
		PQclear(row);
		scp_buf_release(&token);
		return FAIL("the connection's token cannot be opened (secrets_key)");
	}
	PQclear(row);
	if (!strcmp(platform, "telegram"))
		res = send_telegram(token.ptr, to, text);
	else if (!strcmp(platform, "viber"))
		res = send_viber(token.ptr, to, text);
	else
		res = send_meta(token.ptr, to, text);
	memset(token.ptr, 0, token.len);
	scp_buf_release(&token);
	return res;
}

static struct worker_result revoke_meta(const char *token)
{
	struct scp_buf url = SCP_BUF_INIT, auth = SCP_BUF_INIT;
	const char *headers[] = { NULL, NULL };
	json_object *doc;
	struct worker_result res;

	scp_buf_addf(&auth, "Authorization: Bearer %s", token);
	headers[0] = auth.ptr;
	scp_buf_addf(&url, "%s/%s/me/subscribed_apps", scp_cfg.facebook_api_base,
		     scp_cfg.facebook_api_version);
	res = call("Graph unsubscribe", "DELETE", url.ptr, headers, NULL, true, &doc);
	json_object_put(doc);
	memset(auth.ptr, 0, auth.len);
	scp_buf_release(&auth);
	scp_buf_release(&url);
	return res;
}

static struct worker_result revoke_tiktok(const char *token)
{
	static const char *const headers[] = {
		"Content-Type: application/x-www-form-urlencoded", NULL
	};
	struct scp_buf url = SCP_BUF_INIT, body = SCP_BUF_INIT;
	json_object *doc;
	struct worker_result res;

	scp_httpc_form_add(&body, "client_key", scp_cfg.tiktok_client_key);
	scp_httpc_form_add(&body, "client_secret", scp_cfg.tiktok_client_secret);
	scp_httpc_form_add(&body, "token", token);
	scp_buf_addf(&url, "%s/v2/oauth/revoke/", scp_cfg.tiktok_api_base);
	res = call("TikTok revoke", "POST", url.ptr, headers, body.ptr, true, &doc);
	json_object_put(doc);
	memset(body.ptr, 0, body.len);
	scp_buf_release(&body);
	scp_buf_release(&url);
	return res;
}

static struct worker_result revoke_telegram(const char *token)
{
	static const char *const headers[] = { "Content-Type: application/json", NULL };
	struct scp_buf url = SCP_BUF_INIT;
	json_object *doc;
	struct worker_result res;

	scp_buf_addf(&url, "%s/bot%s/deleteWebhook", scp_cfg.telegram_api_base, token);
	res = call("Telegram deleteWebhook", "POST", url.ptr, headers, "{}", true, &doc);
	json_object_put(doc);
	memset(url.ptr, 0, url.len);
	scp_buf_release(&url);
	return res;
}

struct worker_result worker_social_revoke(struct scp_job *job)
{
	const char *shop = pstr(job, "shop_id"), *platform = pstr(job, "platform");
	const char *tr = platform ? transport(platform) : NULL;
	struct scp_buf token = SCP_BUF_INIT;
	struct worker_result res;

	if (!is_uuid(shop) || !tr)
		return FAIL("payload: shop_id must be a uuid and platform a social platform");
	if (!strcmp(tr, "log"))
		return log_request(job, "revoke", platform, NULL, NULL);
	if (!open_token(shop, platform, pstr(job, "token_sealed"), &token)) {
		scp_buf_release(&token);
		return FAIL("the connection's token cannot be opened (secrets_key)");
	}
	if (!strcmp(platform, "tiktok"))
		res = revoke_tiktok(token.ptr);
	else if (!strcmp(platform, "telegram"))
		res = revoke_telegram(token.ptr);
	else if (!strcmp(platform, "viber"))
		res = viber_post(token.ptr, "/pa/set_webhook", "{\"url\":\"\"}", true);
	else
		res = revoke_meta(token.ptr);
	memset(token.ptr, 0, token.len);
	scp_buf_release(&token);
	return res;
}
