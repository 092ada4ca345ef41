/*
 * PayPal payments of a shop's orders (Cliick.io's PayPal payments, issue 13 item 7):
 * an Orders v2 order for a shop order and its approve link, its capture after the
 * buyer approved it, a refund of the capture.  As with Stripe (payments.c), the
 * attempt's row and its PayPal-Request-Id are written first, PayPal is called with no
 * transaction open, and its answer recorded forward only (sql/functions/98_paypal.sql).
 */
#include "shops.h"
#include "scp_json.h"
#include "scp_log.h"
#include "scp_paypal.h"
#include "scp_stripe.h"
#include "scp_text.h"
#include "scp_validate.h"

#include <stdio.h>
#include <string.h>

/* The largest reason a refund keeps (refunds.reason). */
#define REASON_MAX 500
#define AMOUNT_MAX 999999999999999LL

const struct scp_stmt shop_paypal_stmts[] = {
	/* $1 shop, $2 caller, $3 order */
	{ "paypal_begin", "SELECT scp_paypal_begin($1::uuid, $2::uuid, $3::uuid)" },
	/* $1 payment, $2 PayPal order id, $3 approve link (answered, not stored) */
	{ "paypal_created",
	  "SELECT scp_json_with(scp_paypal_created($1::uuid, $2), 'approve_url', to_json($3::text))" },
	/* $1 payment, $2 PayPal's error */
	{ "paypal_refused", "SELECT scp_payment_refused($1::uuid, $2::jsonb)" },
	/* $1 shop, $2 caller, $3 PayPal order id */
	{ "paypal_of_order", "SELECT scp_paypal_of_order($1::uuid, $2::uuid, $3)" },
	/* $1 payment, $2 capture status, $3 capture id, $4 minor, $5 currency */
	{ "paypal_captured",
	  "SELECT scp_paypal_captured($1::uuid, $2, $3, $4::bigint, $5)" },
	/* $1 shop, $2 caller, $3 payment, $4 amount or NULL, $5 reason */
	{ "paypal_refund_begin",
	  "SELECT scp_paypal_refund_begin($1::uuid, $2::uuid, $3::uuid, $4::bigint, $5)" },
	/* $1 refund, $2 PayPal refund id, $3 its status, $4 PayPal's error */
	{ "paypal_refund_done", "SELECT scp_paypal_refund_done($1::uuid, $2, $3, $4::jsonb)" },
	SCP_STMT_END,
};

static bool uuid_param(struct scp_req *r, int i)
{
	if (scp_valid_uuid(r->params[i]))
		return true;
	scp_send_error(r, 404, "NOT_FOUND", "not found", NULL);
	return false;
}

/* The approve link of PayPal's order (links[rel=approve or payer-action]), or NULL. */
static const char *approve_link(json_object *order)
{
	json_object *links = scp_json_get(order, "links");
	size_t n = json_object_is_type(links, json_type_array) ? json_object_array_length(links) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *l = json_object_array_get_idx(links, i);
		const char *rel = scp_stripe_member(l, "rel");
		const char *href = scp_stripe_member(l, "href");

		if (rel && href && (!strcmp(rel, "approve") || !strcmp(rel, "payer-action")) &&
		    !strncmp(href, "https://", 8))
			return href;
	}
	return NULL;
}

/* The amount of an attempt as PayPal's value, from the begin row's amount_minor. */
static const char *value_of(struct scp_req *r, json_object *row)
{
	char v[32];

	scp_paypal_value(json_object_get_int64(scp_json_get(row, "amount_minor")), v);
	return scp_arena_strdup(r->arena, v);
}

/*
 * The PayPal order of an attempt begun (begin: scp_paypal_begin's row) for shop order
 * order: PayPal's answer recorded by statement done ($1 payment, $2 PayPal order id,
 * $3 approve link) and answered 201, or the failure answered.  The root path
 * (payments_root.c) answers through its own statement.
 */
void shop_paypal_order_send(struct scp_req *r, const char *order, json_object *begin,
			    const char *done)
{
	const char *pay = scp_stripe_member(begin, "payment_id");
	const char *cur = scp_stripe_member(begin, "currency");
	const char *value = value_of(r, begin), *id, *link;
	struct scp_buf body = SCP_BUF_INIT;
	struct scp_paypal_answer a;
	PGresult *res;
	bool ok;

	/* custom_id names our order for PayPal's reports and webhooks; reference_id the
	 * attempt's payment. */
	scp_buf_adds(&body, "{\"intent\":\"CAPTURE\",\"purchase_units\":[{\"reference_id\":");
	scp_buf_add_json_str(&body, pay);
	scp_buf_adds(&body, ",\"custom_id\":");
	scp_buf_add_json_str(&body, order);
	scp_buf_adds(&body, ",\"amount\":{\"currency_code\":");
	scp_buf_add_json_str(&body, cur);
	scp_buf_adds(&body, ",\"value\":");
	scp_buf_add_json_str(&body, value);
	scp_buf_adds(&body, "}}]}");
	ok = scp_paypal_post(r, "/v2/checkout/orders", body.ptr,
			     scp_stripe_member(begin, "idempotency_key"), cur, value, &a);
	scp_buf_release(&body);
	if (!ok) {
		/* PayPal refused the request itself (400, 422): the attempt is over, the
		 * next one gets a new request id.  No answer, 5xx: retried as it is. */
		if ((a.status == 400 || a.status == 422) &&
		    !scp_q(r, "paypal_refused", pay, a.error_json))
			return;
		scp_paypal_send_error(r, &a);
		return;
	}
	id = scp_stripe_member(a.doc, "id");
	link = approve_link(a.doc);
	if (!scp_paypal_id(id) || !link) {
		scp_error("paypal: an order without id or approve link");
		memset(&a, 0, sizeof(a));
		scp_paypal_send_error(r, &a);
		return;
	}
	res = scp_q(r, done, pay, id, link);
	if (res)
		scp_send_row_json(r, 201, res);
}

void shop_paypal_order(struct scp_req *r)
{
	const char *order;
	json_object *b, *begin;
	PGresult *res;

	if (!uuid_param(r, 0) || !(b = scp_req_json(r)))
		return;
	order = scp_field_str(r, b, "order_id", true, 36, 36);
	if (order && !scp_valid_uuid(order))
		scp_field_error(r, "order_id", "must be an order's id");
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "paypal_begin", r->params[0], r->auth.user_id, order);
	if (!res || !(begin = scp_stripe_row_doc(r, res)))
		return;
	shop_paypal_order_send(r, order, begin, "paypal_created");
}

/* The first capture of PayPal's capture answer (purchase_units[0].payments.captures[0]). */
static json_object *first_capture(json_object *order)
{
	json_object *pu = scp_json_get(order, "purchase_units"), *caps;

	if (!json_object_is_type(pu, json_type_array) || !json_object_array_length(pu))
		return NULL;
	caps = scp_json_get(scp_json_get(json_object_array_get_idx(pu, 0), "payments"), "captures");
	if (!json_object_is_type(caps, json_type_array) || !json_object_array_length(caps))
		return NULL;
	return json_object_array_get_idx(caps, 0);
}

/*
 * The capture of PayPal order ppo (row: scp_paypal_of_order's, the payment to capture):
 * PayPal's answer recorded by statement done ($1 payment, $2 capture status, $3 capture
 * id, $4 minor units, $5 currency) and answered 200, or the failure answered.
 */
void shop_paypal_capture_send(struct scp_req *r, const char *ppo, json_object *row,
			      const char *done)
{
	const char *pay = scp_stripe_member(row, "payment_id");
	const char *cur = scp_stripe_member(row, "currency");
	const char *value = value_of(r, row), *st, *cid, *ccur;
	struct scp_paypal_answer a;
	json_object *cap, *amt;
	int64_t minor = 0;
	PGresult *res;

	/* The capture's request id is the order's: a retried capture is answered as the
	 * first one was, never captured twice. */
	if (!scp_paypal_post(r, scp_arena_printf(r->arena, "/v2/checkout/orders/%s/capture", ppo),
			     "{}", scp_arena_printf(r->arena, "scp-capture-%s", ppo), cur, value,
			     &a)) {
		scp_paypal_send_error(r, &a);
		return;
	}
	cap = first_capture(a.doc);
	st = scp_stripe_member(cap, "status");
	cid = scp_stripe_member(cap, "id");
	amt = scp_json_get(cap, "amount");
	ccur = scp_stripe_member(amt, "currency_code");
	if (!st || !scp_paypal_id(cid) || !ccur ||
	    !scp_paypal_minor(scp_stripe_member(amt, "value"), &minor)) {
		scp_error("paypal: a capture answer without its capture");
		memset(&a, 0, sizeof(a));
		scp_paypal_send_error(r, &a);
		return;
	}
	res = scp_q(r, done, pay, st, cid, scp_arena_printf(r->arena, "%lld", (long long)minor),
		    ccur);
	if (res)
		scp_send_row_json(r, 200, res);
}

void shop_paypal_capture(struct scp_req *r)
{
	const char *ppo = r->params[1];
	json_object *row;
	PGresult *res;

	if (!uuid_param(r, 0))
		return;
	if (!scp_paypal_id(ppo)) {
		scp_send_error(r, 404, "NOT_FOUND", "not found", NULL);
		return;
	}
	res = scp_q(r, "paypal_of_order", r->params[0], r->auth.user_id, ppo);
	if (!res || !(row = scp_stripe_row_doc(r, res)))
		return;
	shop_paypal_capture_send(r, ppo, row, "paypal_captured");
}

/*
 * A refund begun (begin: scp_paypal_refund_begin's row) sent to PayPal; its end recorded
 * by statement done ($1 refund, $2 PayPal's refund id, $3 its status, $4 PayPal's
 * error) and answered 201.
 */
void shop_paypal_refund_send(struct scp_req *r, json_object *begin, const char *done)
{
	const char *refund = scp_stripe_member(begin, "refund_id");
	const char *cap = scp_stripe_member(begin, "capture_id"), *pid, *st;
	struct scp_buf body = SCP_BUF_INIT;
	struct scp_paypal_answer a;
	char value[32];
	PGresult *res;
	bool ok;

	memset(&a, 0, sizeof(a));
	scp_paypal_value(json_object_get_int64(scp_json_get(begin, "amount_minor")), value);
	scp_buf_adds(&body, "{\"amount\":{\"value\":");
	scp_buf_add_json_str(&body, value);
	scp_buf_adds(&body, ",\"currency_code\":");
	scp_buf_add_json_str(&body, scp_stripe_member(begin, "currency"));
	scp_buf_adds(&body, "},\"custom_id\":");
	scp_buf_add_json_str(&body, refund);
	scp_buf_adds(&body, "}");
	ok = scp_paypal_id(cap) &&
	     scp_paypal_post(r, scp_arena_printf(r->arena, "/v2/payments/captures/%s/refund", cap),
			     body.ptr, scp_stripe_member(begin, "idempotency_key"), NULL, value, &a);
	scp_buf_release(&body);
	if (!ok) {
		const char *err = a.error_json ? a.error_json
			: "{\"name\":\"NO_ANSWER\",\"message\":\"no answer\"}";

		if (!scp_q(r, done, refund, NULL, NULL, err))
			return;
		scp_paypal_send_error(r, &a);
		return;
	}
	pid = scp_stripe_member(a.doc, "id");
	st = scp_stripe_member(a.doc, "status");
	res = scp_q(r, done, refund, scp_paypal_id(pid) ? pid : NULL, st ? st : "PENDING", NULL);
	if (res)
		scp_send_row_json(r, 201, res);
}

void shop_paypal_refund(struct scp_req *r)
{
	const char *amount = NULL, *reason;
	json_object *b, *begin;
	int64_t minor = 0;
	PGresult *res;

	if (!uuid_param(r, 0) || !uuid_param(r, 1) || !(b = scp_req_json(r)))
		return;
	if (scp_json_get(b, "amount") &&
	    scp_field_int(r, b, "amount", false, 1, AMOUNT_MAX, &minor))
		amount = scp_arena_printf(r->arena, "%lld", (long long)minor);
	reason = scp_field_str(r, b, "reason", true, 1, REASON_MAX);
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "paypal_refund_begin", r->params[0], r->auth.user_id, r->params[1],
		    amount, reason);
	if (!res || !(begin = scp_stripe_row_doc(r, res)))
		return;
	shop_paypal_refund_send(r, begin, "paypal_refund_done");
}
