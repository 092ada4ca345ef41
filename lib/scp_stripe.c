/*
 * Calls to Stripe made by a request: PaymentIntents and Refunds of the orders family's
 * catalog and auction orders and of the shops family's shop orders (scp_stripe.h).
 * With stripe_transport = log nothing leaves: the request is one line of outbox_log
 * and a development object (pi_dev_…, re_dev_…) is answered, derived from the
 * Idempotency-Key so that a retried attempt gets the same one.
 */
#include "scp_stripe.h"
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_hmac.h"
#include "scp_httpc.h"
#include "scp_json.h"
#include "scp_log.h"
#include "scp_outbox.h"

#include <stdio.h>
#include <string.h>

static void answer_release(void *doc)
{
	json_object_put(doc);
}

/* A string member of o, or NULL. */
const char *scp_stripe_member(json_object *o, const char *key)
{
	return scp_json_str(o, key);
}

/* A Stripe id: non-empty, short, printable without spaces. */
bool scp_stripe_id(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 1 || n > SCP_STRIPE_ID_MAX)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~')
			return false;
	return true;
}

/* Stripe's error object as the JSON we keep: {type, code, decline_code, message}. */
static void error_of(struct scp_req *r, struct scp_stripe_answer *a)
{
	json_object *e = scp_json_get(a->doc, "error");
	struct scp_buf b = SCP_BUF_INIT;
	static const char *const keys[] = { "type", "code", "decline_code", "message" };
	bool first = true;

	scp_buf_addc(&b, '{');
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = scp_stripe_member(e, keys[i]);

		if (!v)
			continue;
		scp_buf_adds(&b, first ? "" : ",");
		scp_buf_add_json_str(&b, keys[i]);
		scp_buf_addc(&b, ':');
		scp_buf_add_json_str(&b, v);
		first = false;
	}
	if (first) {
		scp_buf_addf(&b, "\"type\":\"api_error\",\"message\":\"Stripe answered %ld\"",
			     a->status);
	}
	scp_buf_addc(&b, '}');
	a->error_json = scp_arena_strdup(r->arena, b.ptr);
	a->message = scp_stripe_member(e, "message");
	if (!a->message)
		a->message = scp_arena_printf(r->arena, "Stripe answered %ld", a->status);
	scp_buf_release(&b);
}

/*
 * The log transport's answer to confirming an intent with a payment method (POST
 * /v1/payment_intents/:id/confirm, the root paths' confirm): as Stripe's test mode
 * answers its test payment methods, so a payment can be tried end to end without an
 * account.  A method whose id names a decline (pm_card_chargeDeclined…) is refused as a
 * card error, any other succeeds.
 */
static void stripe_log_confirm(struct scp_req *r, const char *path, const char *form,
			       struct scp_stripe_answer *a)
{
	const char *end = path + strlen(path) - (sizeof("/confirm") - 1), *id;
	const char *pm = strstr(form, "payment_method=");
	bool declined = pm && strstr(pm, "Declined");
	struct scp_buf b = SCP_BUF_INIT;

	for (id = end; id > path && id[-1] != '/'; id--)
		;
	scp_buf_adds(&b, "{\"id\":");
	scp_buf_add_json_str(&b, scp_arena_strndup(r->arena, id, (size_t)(end - id)));
	scp_buf_adds(&b, declined
		? ",\"object\":\"payment_intent\",\"status\":\"requires_payment_method\","
		  "\"last_payment_error\":{\"type\":\"card_error\",\"code\":\"card_declined\","
		  "\"decline_code\":\"generic_decline\",\"message\":\"Your card was declined.\"},"
		  "\"livemode\":false}"
		: ",\"object\":\"payment_intent\",\"status\":\"succeeded\",\"livemode\":false}");
	a->status = 200;
	a->doc = scp_json_kept(r->arena, b.ptr, b.len);
	scp_buf_release(&b);
}

/*
 * The log transport: the request into outbox_log (never the secret key), and the
 * answer a development Stripe would give, made from the key: {id, client_secret,
 * status} with prefix "pi" or "re".
 */
static bool stripe_log(struct scp_req *r, const char *path, const char *form,
		       const char *idem, const char *prefix, struct scp_stripe_answer *a)
{
	struct scp_buf f = SCP_BUF_INIT;
	char h1[SCP_SHA256_HEX], h2[SCP_SHA256_HEX];
	const char *key2 = scp_arena_printf(r->arena, "secret:%s", idem);
	const char *id, *body;
	bool ok;

	scp_buf_adds(&f, "\"channel\":\"stripe\",\"request\":{\"method\":\"POST\",\"path\":");
	scp_buf_add_json_str(&f, path);
	scp_buf_adds(&f, ",\"idempotency_key\":");
	scp_buf_add_json_str(&f, idem);
	scp_buf_adds(&f, ",\"form\":");
	scp_buf_add_json_str(&f, form);
	scp_buf_adds(&f, "}");
	ok = scp_outbox_append(f.ptr);
	scp_buf_release(&f);
	if (!ok) {
		scp_error("stripe log transport: cannot write %s", scp_cfg.outbox_log);
		a->status = 0;
		a->message = "cannot write the outbox log";
		return false;
	}
	if (strlen(path) > sizeof("/confirm") &&
	    !strcmp(path + strlen(path) - (sizeof("/confirm") - 1), "/confirm")) {
		stripe_log_confirm(r, path, form, a);
		return a->doc != NULL;
	}
	scp_sha256_hex(h1, idem, strlen(idem));
	scp_sha256_hex(h2, key2, strlen(key2));
	h1[24] = h2[24] = '\0';
	id = scp_arena_printf(r->arena, "%s_dev_%s", prefix, h1);
	body = scp_arena_printf(r->arena,
				"{\"id\":\"%s\",\"object\":\"%s\",\"client_secret\":\"%s_secret_%s\","
				"\"status\":\"%s\",\"livemode\":false}",
				id, strcmp(prefix, "pi") ? "refund" : "payment_intent", id, h2,
				strcmp(prefix, "pi") ? "succeeded" : "requires_payment_method");
	a->status = 200;
	a->doc = scp_json_kept(r->arena, body, strlen(body));
	return a->doc != NULL;
}

/*
 * The log transport's answer to reading an intent: a development intent Stripe.js has
 * not confirmed (nothing leaves, so nothing was paid).
 */
static bool stripe_log_get(struct scp_req *r, const char *path, struct scp_stripe_answer *a)
{
	const char *id = strrchr(path, '/');
	struct scp_buf b = SCP_BUF_INIT;

	scp_buf_adds(&b, "{\"id\":");
	scp_buf_add_json_str(&b, id ? id + 1 : path);
	scp_buf_adds(&b, ",\"object\":\"payment_intent\",\"status\":\"requires_payment_method\","
		     "\"livemode\":false}");
	a->status = 200;
	a->doc = scp_json_kept(r->arena, b.ptr, b.len);
	scp_buf_release(&b);
	return a->doc != NULL;
}

/*
 * A request to Stripe's path with the secret key: POST with the form and the
 * Idempotency-Key, or GET (form NULL).  See scp_stripe_post.
 */
static bool stripe_call(struct scp_req *r, const char *path, const char *form,
			const char *idem, struct scp_stripe_answer *a)
{
	struct scp_httpc_resp resp;
	const char *url, *auth, *key;

	if (!*scp_cfg.stripe_secret_key) {
		scp_error("stripe: stripe_secret_key is not configured");
		a->message = "payments are not configured";
		return false;
	}
	url = scp_arena_printf(r->arena, "%s%s", scp_cfg.stripe_api_base, path);
	auth = scp_arena_printf(r->arena, "Authorization: Bearer %s", scp_cfg.stripe_secret_key);
	key = form ? scp_arena_printf(r->arena, "Idempotency-Key: %s", idem) : NULL;
	const char *const post_headers[] = {
		auth, key, "Content-Type: application/x-www-form-urlencoded",
		"Accept: application/json", NULL,
	};
	const char *const get_headers[] = { auth, "Accept: application/json", NULL };
	struct scp_httpc_req req = {
		.method = form ? "POST" : "GET", .url = url,
		.headers = form ? post_headers : get_headers, .body = form,
		.timeout_ms = scp_cfg.http_timeout_ms,
	};

	if (!scp_httpc_json(r->arena, &req, &resp, &a->doc)) {
		scp_warn("stripe %s: no answer: %s", path, resp.error);
		a->message = "the payment provider did not answer";
		return false;
	}
	a->status = resp.status;
	if (resp.status >= 200 && resp.status <= 299 && a->doc)
		return true;
	error_of(r, a);
	scp_warn("stripe %s answered %ld: %s", path, resp.status, a->error_json);
	return false;
}

bool scp_stripe_post(struct scp_req *r, const char *path, const char *form,
		     const char *idem, const char *prefix, struct scp_stripe_answer *a)
{
	memset(a, 0, sizeof(*a));
	if (!strcmp(scp_cfg.stripe_transport, "log"))
		return stripe_log(r, path, form, idem, prefix, a);
	return stripe_call(r, path, form, idem, a);
}

bool scp_stripe_get(struct scp_req *r, const char *path, struct scp_stripe_answer *a)
{
	memset(a, 0, sizeof(*a));
	if (!strcmp(scp_cfg.stripe_transport, "log"))
		return stripe_log_get(r, path, a);
	return stripe_call(r, path, NULL, NULL, a);
}

/*
 * Cancel a PaymentIntent (POST /v1/payment_intents/:id/cancel, no parameters but the
 * Idempotency-Key).  The log transport writes the request and answers the intent
 * cancelled, as Stripe does for one not yet paid.
 */
bool scp_stripe_cancel(struct scp_req *r, const char *intent, const char *idem,
		       struct scp_stripe_answer *a)
{
	const char *path = scp_arena_printf(r->arena, "/v1/payment_intents/%s/cancel", intent);
	struct scp_buf b = SCP_BUF_INIT;

	if (!scp_stripe_post(r, path, "", idem, "pi", a))
		return false;
	if (strcmp(scp_cfg.stripe_transport, "log"))
		return true;
	scp_buf_adds(&b, "{\"id\":");
	scp_buf_add_json_str(&b, intent);
	scp_buf_adds(&b, ",\"object\":\"payment_intent\",\"status\":\"canceled\","
		     "\"cancellation_reason\":\"requested_by_customer\",\"livemode\":false}");
	a->doc = scp_json_kept(r->arena, b.ptr, b.len);
	scp_buf_release(&b);
	return a->doc != NULL;
}

/*
 * Did Stripe keep its answer for the key?  It does for a request it processed (a card
 * error, an invalid request): resending the key gets the same refusal, so the attempt
 * is over.  Not for an answer it never finished (5xx, 429, a concurrent request with
 * the same key, a wrong secret key): those stay retryable with the same key.
 */
bool scp_stripe_final(long status)
{
	return status == 400 || status == 402 || status == 404;
}

/* The answer to a Stripe failure: 402 for a refused card, else 503 (retry later). */
void scp_stripe_send_error(struct scp_req *r, const struct scp_stripe_answer *a)
{
	const char *details = a->error_json
		? scp_arena_printf(r->arena, "{\"provider\":\"stripe\",\"provider_status\":%ld,"
					     "\"provider_error\":%s}", a->status, a->error_json)
		: "{\"provider\":\"stripe\"}";

	if (a->status == 402) {
		scp_send_error(r, 402, "PAYMENT_FAILED", a->message, details);
		return;
	}
	scp_add_header(r, "Retry-After: 5");
	scp_send_error(r, 503, "UNAVAILABLE",
		       a->status && scp_stripe_final(a->status)
			       ? "the payment provider refused the request"
			       : "the payment provider is unavailable; try again",
		       details);
}

/* The JSON document of a one-cell result, parsed; NULL (500 sent) if it is not one. */
json_object *scp_stripe_row_doc(struct scp_req *r, PGresult *res)
{
	json_object *doc = NULL;
	const char *text;

	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		scp_send_internal(r);
		return NULL;
	}
	text = PQgetvalue(res, 0, 0);
	if (scp_json_parse(text, strlen(text), strlen(text) + 1, &doc) != SCP_JSON_OK) {
		json_object_put(doc);
		scp_send_internal(r);
		return NULL;
	}
	scp_arena_cleanup_add(r->arena, answer_release, doc);
	return doc;
}

