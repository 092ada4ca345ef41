/*
 * Calls to PayPal's REST API (scp_paypal.h).  The access token of the client
 * credentials grant is cached in the worker until a minute before it expires, so a
 * request normally makes one call to PayPal, not two.
 */
#include "scp_paypal.h"
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_hmac.h"
#include "scp_httpc.h"
#include "scp_json.h"
#include "scp_log.h"
#include "scp_money.h"
#include "scp_outbox.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A token is renewed this long before PayPal says it expires. */
#define TOKEN_MARGIN_S 60
#define TOKEN_MAX 2048

static char token[TOKEN_MAX + 1];
static time_t token_until;

bool scp_paypal_id(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 1 || n > SCP_PAYPAL_ID_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-')
			return false;
	return true;
}

bool scp_paypal_minor(const char *value, int64_t *minor)
{
	if (!value || !*value || *value == '-')
		return false;
	return scp_money_parse(value, minor) && *minor >= 0;
}

void scp_paypal_value(int64_t minor, char out[32])
{
	scp_money_format(minor, out);
}

void scp_paypal_token_forget(void)
{
	explicit_bzero(token, sizeof(token));
	token_until = 0;
}

/* One call; the parsed answer into a. */
static bool call(struct scp_req *r, const struct scp_httpc_req *req, struct scp_paypal_answer *a)
{
	struct scp_httpc_resp resp;

	if (!scp_httpc_json(r->arena, req, &resp, &a->doc)) {
		scp_warn("paypal %s: no answer: %s", req->url, resp.error);
		a->message = "the payment provider did not answer";
		return false;
	}
	a->status = resp.status;
	return resp.status >= 200 && resp.status <= 299 && a->doc;
}

/* The access token, from the cache or a client credentials grant. */
static const char *access_token(struct scp_req *r, struct scp_paypal_answer *a)
{
	const char *const headers[] = { "Accept: application/json",
		"Content-Type: application/x-www-form-urlencoded", NULL };
	struct scp_httpc_req req = {
		.method = "POST",
		.url = scp_arena_printf(r->arena, "%s/v1/oauth2/token", scp_cfg.paypal_api_base),
		.headers = headers, .body = "grant_type=client_credentials",
		.basic_user = scp_cfg.paypal_client_id, .basic_pass = scp_cfg.paypal_client_secret,
		.timeout_ms = scp_cfg.http_timeout_ms,
	};
	const char *tok;
	int64_t ttl;

	if (*token && time(NULL) < token_until)
		return token;
	if (!*scp_cfg.paypal_client_id || !*scp_cfg.paypal_client_secret) {
		scp_error("paypal: paypal_client_id or paypal_client_secret is not configured");
		a->message = "payments are not configured";
		return NULL;
	}
	if (!call(r, &req, a)) {
		scp_warn("paypal: no access token (%ld)", a->status);
		a->status = 0;
		a->message = "the payment provider refused our credentials";
		return NULL;
	}
	tok = scp_json_str(a->doc, "access_token");
	ttl = json_object_get_int64(scp_json_get(a->doc, "expires_in"));
	if (!tok || strlen(tok) > TOKEN_MAX || ttl <= 0) {
		scp_error("paypal: a token answer without access_token or expires_in");
		a->status = 0;
		a->message = "the payment provider is unavailable";
		return NULL;
	}
	snprintf(token, sizeof(token), "%s", tok);
	token_until = time(NULL) + (ttl > 2 * TOKEN_MARGIN_S ? ttl - TOKEN_MARGIN_S : ttl / 2);
	a->doc = NULL;
	a->status = 0;
	return token;
}

/* PayPal's error answer as the JSON we keep: {name, message, debug_id, issue}. */
static void error_of(struct scp_req *r, struct scp_paypal_answer *a)
{
	struct scp_buf b = SCP_BUF_INIT;
	json_object *det = scp_json_get(a->doc, "details");
	json_object *d0 = json_object_is_type(det, json_type_array)
		? json_object_array_get_idx(det, 0) : NULL;
	const char *vals[] = { scp_json_str(a->doc, "name"), scp_json_str(a->doc, "message"),
			       scp_json_str(a->doc, "debug_id"), scp_json_str(d0, "issue") };
	static const char *const keys[] = { "name", "message", "debug_id", "issue" };
	bool first = true;

	scp_buf_addc(&b, '{');
	for (size_t i = 0; i < 4; i++) {
		if (!vals[i])
			continue;
		scp_buf_adds(&b, first ? "" : ",");
		scp_buf_add_json_str(&b, keys[i]);
		scp_buf_addc(&b, ':');
		scp_buf_add_json_str(&b, vals[i]);
		first = false;
	}
	if (first)
		scp_buf_addf(&b, "\"name\":\"API_ERROR\",\"message\":\"PayPal answered %ld\"",
			     a->status);
	scp_buf_addc(&b, '}');
	a->error_json = scp_arena_strdup(r->arena, b.ptr);
	a->message = vals[1] ? vals[1] : scp_arena_printf(r->arena, "PayPal answered %ld", a->status);
	scp_buf_release(&b);
}

static bool paypal_http(struct scp_req *r, const char *path, const char *body,
			const char *request_id, struct scp_paypal_answer *a)
{
	for (int round = 0; round < 2; round++) {
		const char *tok = access_token(r, a);

		if (!tok)
			return false;
		const char *const headers[] = {
			scp_arena_printf(r->arena, "Authorization: Bearer %s", tok),
			"Content-Type: application/json", "Accept: application/json",
			"Prefer: return=representation",
			request_id ? scp_arena_printf(r->arena, "PayPal-Request-Id: %s", request_id)
				   : NULL,
			NULL,
		};
		struct scp_httpc_req req = {
			.method = "POST",
			.url = scp_arena_printf(r->arena, "%s%s", scp_cfg.paypal_api_base, path),
			.headers = headers, .body = body, .timeout_ms = scp_cfg.http_timeout_ms,
		};

		memset(a, 0, sizeof(*a));
		if (call(r, &req, a))
			return true;
		/* A token PayPal revoked before its time: one new one, one retry. */
		if (a->status == 401 && round == 0) {
			scp_paypal_token_forget();
			continue;
		}
		break;
	}
	if (a->status)
		error_of(r, a);
	scp_warn("paypal %s answered %ld: %s", path, a->status,
		 a->error_json ? a->error_json : "-");
	return false;
}

/* A development id: prefix and 17 upper hex digits of the request id's hash. */
static const char *dev_id(struct scp_req *r, const char *prefix, const char *seed)
{
	char h[SCP_SHA256_HEX];

	scp_sha256_hex(h, seed, strlen(seed));
	h[17] = '\0';
	for (char *c = h; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	return scp_arena_printf(r->arena, "%s%s", prefix, h);
}

/*
 * The log transport: the request into outbox_log (no credentials), and the answer a
 * development PayPal would give: an order CREATED with its approve link, a capture
 * COMPLETED of the attempt's amount, a refund COMPLETED.
 */
static bool paypal_log(struct scp_req *r, const char *path, const char *body,
		       const char *request_id, const char *currency, const char *value,
		       struct scp_paypal_answer *a)
{
	struct scp_buf f = SCP_BUF_INIT;
	const char *seed = request_id ? request_id : path, *id, *doc;
	bool ok;

	scp_buf_adds(&f, "\"channel\":\"paypal\",\"request\":{\"method\":\"POST\",\"path\":");
	scp_buf_add_json_str(&f, path);
	scp_buf_adds(&f, ",\"paypal_request_id\":");
	if (request_id)
		scp_buf_add_json_str(&f, request_id);
	else
		scp_buf_adds(&f, "null");
	scp_buf_adds(&f, ",\"body\":");
	scp_buf_add_json_str(&f, body);
	scp_buf_adds(&f, "}");
	ok = scp_outbox_append(f.ptr);
	scp_buf_release(&f);
	if (!ok) {
		scp_error("paypal log transport: cannot write %s", scp_cfg.outbox_log);
		a->message = "cannot write the outbox log";
		return false;
	}
	if (!strcmp(path, "/v2/checkout/orders")) {
		id = dev_id(r, "DEV", seed);
		doc = scp_arena_printf(r->arena,
			"{\"id\":\"%s\",\"status\":\"CREATED\",\"links\":["
			"{\"href\":\"%s/v2/checkout/orders/%s\",\"rel\":\"self\",\"method\":\"GET\"},"
			"{\"href\":\"https://www.sandbox.paypal.com/checkoutnow?token=%s\","
			"\"rel\":\"approve\",\"method\":\"GET\"}]}",
			id, scp_cfg.paypal_api_base, id, id);
	} else if (strstr(path, "/capture")) {
		id = dev_id(r, "DEVCAP", seed);
		doc = scp_arena_printf(r->arena,
			"{\"id\":\"%s\",\"status\":\"COMPLETED\",\"purchase_units\":[{\"payments\":"
			"{\"captures\":[{\"id\":\"%s\",\"status\":\"COMPLETED\",\"amount\":"
			"{\"currency_code\":\"%s\",\"value\":\"%s\"}}]}}]}",
			dev_id(r, "DEV", seed), id, currency ? currency : "USD", value ? value : "0");
	} else {
		id = dev_id(r, "DEVREF", seed);
		doc = scp_arena_printf(r->arena, "{\"id\":\"%s\",\"status\":\"COMPLETED\"}", id);
	}
	a->status = 200;
	a->doc = scp_json_kept(r->arena, doc, strlen(doc));
	return a->doc != NULL;
}

bool scp_paypal_post(struct scp_req *r, const char *path, const char *body,
		     const char *request_id, const char *currency, const char *value,
		     struct scp_paypal_answer *a)
{
	memset(a, 0, sizeof(*a));
	if (!strcmp(scp_cfg.paypal_transport, "log"))
		return paypal_log(r, path, body, request_id, currency, value, a);
	return paypal_http(r, path, body, request_id, a);
}

void scp_paypal_send_error(struct scp_req *r, const struct scp_paypal_answer *a)
{
	const char *details = a->error_json
		? scp_arena_printf(r->arena, "{\"provider\":\"paypal\",\"provider_status\":%ld,"
					     "\"provider_error\":%s}", a->status, a->error_json)
		: "{\"provider\":\"paypal\"}";

	if (a->status == 422) {
		scp_send_error(r, 402, "PAYMENT_FAILED", a->message, details);
		return;
	}
	scp_add_header(r, "Retry-After: 5");
	scp_send_error(r, 503, "UNAVAILABLE", "the payment provider is unavailable; try again",
		       details);
}

bool scp_paypal_verify_webhook(struct scp_req *r, const char *const hdr[5], const char *event)
{
	/* hdr: transmission id, time, sig, cert url, auth algo */
	static const char *const keys[] = { "transmission_id", "transmission_time",
		"transmission_sig", "cert_url", "auth_algo" };
	struct scp_buf b = SCP_BUF_INIT;
	struct scp_paypal_answer a;
	const char *st;
	bool ok;

	if (strcmp(scp_cfg.paypal_transport, "http") || !*scp_cfg.paypal_webhook_id) {
		scp_warn("paypal webhook refused: no webhook id or not the http transport");
		return false;
	}
	scp_buf_addc(&b, '{');
	for (int i = 0; i < 5; i++) {
		scp_buf_add_json_str(&b, keys[i]);
		scp_buf_addc(&b, ':');
		scp_buf_add_json_str(&b, hdr[i]);
		scp_buf_addc(&b, ',');
	}
	scp_buf_adds(&b, "\"webhook_id\":");
	scp_buf_add_json_str(&b, scp_cfg.paypal_webhook_id);
	scp_buf_adds(&b, ",\"webhook_event\":");
	scp_buf_adds(&b, event);
	scp_buf_addc(&b, '}');
	memset(&a, 0, sizeof(a));
	ok = paypal_http(r, "/v1/notifications/verify-webhook-signature", b.ptr, NULL, &a);
	scp_buf_release(&b);
	st = ok ? scp_json_str(a.doc, "verification_status") : NULL;
	if (!st || strcmp(st, "SUCCESS")) {
		scp_warn("paypal webhook refused: verification %s (%ld)", st ? st : "failed",
			 a.status);
		return false;
	}
	return true;
}
