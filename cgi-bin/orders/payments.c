/*
 * Payments of orders through Stripe: POST /orders/:id/payments (a PaymentIntent and
 * its client_secret), GET /orders/:id/payments, POST /orders/:id/refunds.  The :id is a
 * catalog order or an auction order; sql/functions/90_payments.sql decides who may do
 * what to which and keeps the state.
 *
 * Unlike every other outbound call, these are made by the request itself (libscp's
 * scp_httpc), because the client secret must be in the answer (docs/decisions.md,
 * "Payments").  The order of writes makes that safe: the attempt's row is written
 * first, with an Idempotency-Key derived from the order and the attempt number; then
 * Stripe is called; then its answer is recorded.  A call that timed out or met a 5xx
 * leaves the attempt pending, and the next POST resends it with the same key, so Stripe
 * answers with the intent it made the first time.  An attempt Stripe refused (a card
 * error) is failed, and the next POST is a new attempt with a new key.
 *
 * With stripe_transport = log (development) nothing leaves: the request is written to
 * outbox_log and a development intent (pi_dev_…) is answered, derived from the key so
 * that a retried attempt gets the same one.
 */
#include "orders.h"
#include "scp_config.h"
#include "scp_hmac.h"
#include "scp_httpc.h"
#include "scp_json.h"
#include "scp_log.h"
#include "scp_validate.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The largest reason a refund keeps. */
#define REASON_MAX 500
/* A Stripe id (pi_…, re_…) longer than this is not Stripe's. */
#define STRIPE_ID_MAX 255

const struct scp_stmt orders_payments_stmts[] = {
	/* $1 order, $2 caller, $3 role */
	{ "pay_begin", "SELECT scp_payment_begin($1::uuid, $2::uuid, $3)" },
	/* $1 payment, $2 intent id, $3 client secret (answered, never stored) */
	{ "pay_created",
	  "SELECT scp_json_with(scp_payment_created($1::uuid, $2), 'client_secret',"
	  " to_json($3::text))" },
	/* $1 payment, $2 Stripe's error {type, code, decline_code, message} */
	{ "pay_refused", "SELECT scp_payment_refused($1::uuid, $2::jsonb)" },
	/* $1 order, $2 caller, $3 role, $4 caller's supplier */
	{ "pay_list", "SELECT scp_payments_of($1::uuid, $2::uuid, $3, $4::uuid)" },
	/* $1 order, $2 caller, $3 role, $4 supplier, $5 amount (minor) or NULL, $6 reason */
	{ "refund_begin",
	  "SELECT scp_refund_begin($1::uuid, $2::uuid, $3, $4::uuid, $5::bigint, $6)" },
	/* $1 refund, $2 Stripe's refund id, $3 its status, $4 Stripe's error */
	{ "refund_done", "SELECT scp_refund_done($1::uuid, $2, $3, $4::jsonb)" },
	SCP_STMT_END,
};

/* What Stripe answered, as this file needs it. */
struct stripe_answer {
	long status;		/* HTTP status; 0: no answer (unreachable, timeout) */
	json_object *doc;	/* the parsed body, or NULL */
	const char *error_json;	/* {type, code, decline_code, message} of an error answer */
	const char *message;	/* Stripe's error message, or why there was no answer */
};

static void answer_release(void *doc)
{
	json_object_put(doc);
}

/* A string member of o, or NULL. */
static const char *member(json_object *o, const char *key)
{
	json_object *v = scp_json_get(o, key);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* A Stripe id: non-empty, short, printable without spaces. */
static bool stripe_id(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 1 || n > STRIPE_ID_MAX)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~')
			return false;
	return true;
}

/* Stripe's error object as the JSON we keep: {type, code, decline_code, message}. */
static void error_of(struct scp_req *r, struct stripe_answer *a)
{
	json_object *e = scp_json_get(a->doc, "error");
	struct scp_buf b = SCP_BUF_INIT;
	static const char *const keys[] = { "type", "code", "decline_code", "message" };
	bool first = true;

	scp_buf_addc(&b, '{');
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = member(e, keys[i]);

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
	a->message = member(e, "message");
	if (!a->message)
		a->message = scp_arena_printf(r->arena, "Stripe answered %ld", a->status);
	scp_buf_release(&b);
}

/* Append one line to outbox_log, as scp-worker's log transport writes them. */
static bool outbox_line(const char *fields)
{
	struct scp_buf line = SCP_BUF_INIT;
	time_t now = time(NULL);
	char stamp[32];
	struct tm tm;
	bool ok;
	int fd;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	scp_buf_addf(&line, "{\"time\":\"%s\",%s}\n", stamp, fields);
	fd = open(scp_cfg.outbox_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	ok = fd >= 0 && write(fd, line.ptr, line.len) == (ssize_t)line.len;
	if (fd >= 0)
		close(fd);
	scp_buf_release(&line);
	return ok;
}

/*
 * The log transport: the request into outbox_log (never the secret key), and the
 * answer a development Stripe would give, made from the key: {id, client_secret,
 * status} with prefix "pi" or "re".
 */
static bool stripe_log(struct scp_req *r, const char *path, const char *form,
		       const char *idem, const char *prefix, struct stripe_answer *a)
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
	ok = outbox_line(f.ptr);
	scp_buf_release(&f);
	if (!ok) {
		scp_error("stripe log transport: cannot write %s", scp_cfg.outbox_log);
		a->status = 0;
		a->message = "cannot write the outbox log";
		return false;
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
	a->doc = json_tokener_parse(body);
	scp_arena_cleanup_add(r->arena, answer_release, a->doc);
	return true;
}

/*
 * POST form to Stripe's path with the secret key and the Idempotency-Key.  True when
 * Stripe answered 2xx with a JSON object; otherwise a->status says what happened (0: no
 * answer) and, for an answer, a->error_json what Stripe said.
 */
static bool stripe_post(struct scp_req *r, const char *path, const char *form,
			const char *idem, const char *prefix, struct stripe_answer *a)
{
	struct scp_buf out = SCP_BUF_INIT;
	struct scp_httpc_resp resp;
	const char *url, *auth, *key;
	json_object *doc = NULL;

	memset(a, 0, sizeof(*a));
	if (!strcmp(scp_cfg.stripe_transport, "log"))
		return stripe_log(r, path, form, idem, prefix, a);
	if (!*scp_cfg.stripe_secret_key) {
		scp_error("stripe: stripe_secret_key is not configured");
		a->message = "payments are not configured";
		return false;
	}
	url = scp_arena_printf(r->arena, "%s%s", scp_cfg.stripe_api_base, path);
	auth = scp_arena_printf(r->arena, "Authorization: Bearer %s", scp_cfg.stripe_secret_key);
	key = scp_arena_printf(r->arena, "Idempotency-Key: %s", idem);
	const char *const headers[] = {
		auth, key, "Content-Type: application/x-www-form-urlencoded",
		"Accept: application/json", NULL,
	};
	struct scp_httpc_req req = {
		.method = "POST", .url = url, .headers = headers, .body = form,
		.timeout_ms = scp_cfg.http_timeout_ms,
	};

	if (!scp_httpc_request(&req, &out, &resp)) {
		scp_warn("stripe %s: no answer: %s", path, resp.error);
		a->message = "the payment provider did not answer";
		scp_buf_release(&out);
		return false;
	}
	a->status = resp.status;
	if (scp_json_parse(out.ptr, out.len, out.len + 1, &doc) == SCP_JSON_OK &&
	    json_object_is_type(doc, json_type_object)) {
		a->doc = doc;
		scp_arena_cleanup_add(r->arena, answer_release, doc);
	} else {
		json_object_put(doc);
	}
	scp_buf_release(&out);
	if (resp.status >= 200 && resp.status <= 299 && a->doc)
		return true;
	error_of(r, a);
	scp_warn("stripe %s answered %ld: %s", path, resp.status, a->error_json);
	return false;
}

/*
 * Did Stripe keep its answer for the key?  It does for a request it processed (a card
 * error, an invalid request): resending the key gets the same refusal, so the attempt
 * is over.  Not for an answer it never finished (5xx, 429, a concurrent request with
 * the same key, a wrong secret key): those stay retryable with the same key.
 */
static bool stripe_final(long status)
{
	return status == 400 || status == 402 || status == 404;
}

/* The answer to a Stripe failure: 402 for a refused card, else 503 (retry later). */
static void send_stripe_error(struct scp_req *r, const struct stripe_answer *a)
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
		       a->status && stripe_final(a->status)
			       ? "the payment provider refused the request"
			       : "the payment provider is unavailable; try again",
		       details);
}

/* The JSON document of a one-cell result, parsed; NULL (500 sent) if it is not one. */
static json_object *row_doc(struct scp_req *r, PGresult *res)
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

void ord_payment_create(struct scp_req *r)
{
	const char *pay, *idem, *amount, *currency, *intent, *secret;
	struct scp_buf form = SCP_BUF_INIT;
	struct stripe_answer a;
	json_object *begin;
	PGresult *res;
	bool ok;

	/* The body, if any, is not read: amount and currency are the order's. */
	res = scp_q(r, "pay_begin", r->params[0], r->auth.user_id, r->auth.role);
	if (!res || !(begin = row_doc(r, res)))
		return;
	pay = member(begin, "payment_id");
	idem = member(begin, "idempotency_key");
	currency = member(begin, "currency");
	amount = json_object_get_string(scp_json_get(begin, "amount_minor"));
	scp_httpc_form_add(&form, "amount", amount);
	scp_httpc_form_add(&form, "currency", currency);
	scp_httpc_form_add(&form, "automatic_payment_methods[enabled]", "true");
	scp_httpc_form_add(&form, "metadata[order_id]", r->params[0]);
	scp_httpc_form_add(&form, "metadata[payment_id]", pay);
	scp_httpc_form_add(&form, "metadata[order_kind]", member(begin, "order_kind"));
	ok = stripe_post(r, "/v1/payment_intents", form.ptr, idem, "pi", &a);
	scp_buf_release(&form);
	if (!ok) {
		if (a.status && stripe_final(a.status) &&
		    !scp_q(r, "pay_refused", pay, a.error_json))
			return;
		send_stripe_error(r, &a);
		return;
	}
	intent = member(a.doc, "id");
	secret = member(a.doc, "client_secret");
	if (!stripe_id(intent) || !secret) {
		scp_error("stripe: a payment intent without id or client_secret");
		a.status = 0;
		a.error_json = NULL;
		send_stripe_error(r, &a);
		return;
	}
	res = scp_q(r, "pay_created", pay, intent, secret);
	if (res)
		scp_send_row_json(r, 201, res);
}

void ord_payment_list(struct scp_req *r)
{
	PGresult *res = scp_q(r, "pay_list", r->params[0], r->auth.user_id, r->auth.role,
			      r->auth.supplier_id);

	if (res)
		scp_send_row_json(r, 200, res);
}

/* amount: optional, a positive amount with at most two decimals, in minor units. */
static const char *refund_amount(struct scp_req *r, json_object *b)
{
	json_object *v = scp_json_get(b, "amount");
	int64_t minor;

	if (!v)
		return NULL;
	if (!scp_json_money(v, &minor) || minor <= 0) {
		scp_field_error(r, "amount", "must be a positive amount with at most 2 decimals");
		return NULL;
	}
	return scp_arena_printf(r->arena, "%lld", (long long)minor);
}

void ord_refund_create(struct scp_req *r)
{
	json_object *b = scp_req_json_opt(r), *begin;
	const char *amount, *reason, *refund, *idem, *pi, *sid, *st;
	struct scp_buf form = SCP_BUF_INIT;
	struct stripe_answer a;
	PGresult *res;
	bool ok;

	if (!b)
		return;
	amount = refund_amount(r, b);
	reason = scp_field_str(r, b, "reason", false, 1, REASON_MAX);
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "refund_begin", r->params[0], r->auth.user_id, r->auth.role,
		    r->auth.supplier_id, amount, reason);
	if (!res || !(begin = row_doc(r, res)))
		return;
	refund = member(begin, "refund_id");
	idem = member(begin, "idempotency_key");
	pi = member(begin, "payment_intent");
	scp_httpc_form_add(&form, "payment_intent", pi ? pi : "");
	scp_httpc_form_add(&form, "amount", json_object_get_string(scp_json_get(begin, "amount_minor")));
	scp_httpc_form_add(&form, "metadata[order_id]", r->params[0]);
	scp_httpc_form_add(&form, "metadata[refund_id]", refund);
	ok = stripe_post(r, "/v1/refunds", form.ptr, idem, "re", &a);
	scp_buf_release(&form);
	if (!ok) {
		/*
		 * Failed, whatever the cause: a refund that did happen after all shows in
		 * charge.refunded's amount_refunded, which the webhook records.
		 */
		const char *err = a.error_json ? a.error_json
			: scp_arena_printf(r->arena, "{\"type\":\"api_connection_error\","
					   "\"message\":\"%s\"}", a.message ? a.message : "no answer");

		if (!scp_q(r, "refund_done", refund, NULL, NULL, err))
			return;
		send_stripe_error(r, &a);
		return;
	}
	sid = member(a.doc, "id");
	st = member(a.doc, "status");
	res = scp_q(r, "refund_done", refund, stripe_id(sid) ? sid : NULL, st ? st : "pending",
		    NULL);
	if (res)
		scp_send_row_json(r, 201, res);
}
