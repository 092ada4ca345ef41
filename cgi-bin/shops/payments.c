/*
 * Payments of a shop's orders (Cliick.io's payments, issue 13): a PaymentIntent for an
 * order and its client_secret, reading a payment, refunding it.  The Stripe calls are
 * libscp's (scp_stripe.h), made by the request as the orders family makes them
 * (docs/decisions.md, "Payments (Stripe)"): the attempt's row with its Idempotency-Key
 * is written first, Stripe is called with no transaction open, its answer recorded.
 * sql/functions/96_shop_payments.sql decides who in the shop may do what; the attempts,
 * refunds and the webhook's events are the core's (sql/functions/90_payments.sql).
 */
#include "shops.h"
#include "scp_httpc.h"
#include "scp_json.h"
#include "scp_log.h"
#include "scp_stripe.h"
#include "scp_text.h"
#include "scp_validate.h"

#include <stdio.h>
#include <string.h>

/* The largest reason a refund keeps (refunds.reason). */
#define REASON_MAX 500
/* The largest amount in minor units (scp_money's bound). */
#define AMOUNT_MAX 999999999999999LL

const struct scp_stmt shop_payments_stmts[] = {
	/* $1 shop, $2 caller, $3 order, $4 amount (minor) or NULL */
	{ "shop_pay_begin",
	  "SELECT scp_shop_payment_begin($1::uuid, $2::uuid, $3::uuid, $4::bigint)" },
	/* $1 payment, $2 intent id, $3 client secret (answered, never stored) */
	{ "shop_pay_created",
	  "SELECT scp_json_with(scp_payment_created($1::uuid, $2), 'client_secret',"
	  " to_json($3::text))" },
	/* $1 payment, $2 Stripe's error */
	{ "shop_pay_refused", "SELECT scp_payment_refused($1::uuid, $2::jsonb)" },
	/* $1 shop, $2 caller, $3 payment */
	{ "shop_pay_get", "SELECT scp_shop_payment_get($1::uuid, $2::uuid, $3::uuid)" },
	/* $1 shop, $2 caller, $3 payment, $4 amount or NULL, $5 reason */
	{ "shop_refund_begin",
	  "SELECT scp_shop_refund_begin($1::uuid, $2::uuid, $3::uuid, $4::bigint, $5)" },
	/* $1 shop, $2 caller, $3 intent id: the shop's payment of that intent */
	{ "shop_pay_of_intent", "SELECT scp_shop_payment_of_intent($1::uuid, $2::uuid, $3)" },
	/* $1 shop, $2 caller, $3 payment, $4 the intent as Stripe answered it */
	{ "shop_pay_confirm",
	  "SELECT scp_shop_payment_confirm($1::uuid, $2::uuid, $3::uuid, $4::jsonb)" },
	/* $1 refund, $2 Stripe's refund id, $3 its status, $4 Stripe's error */
	{ "shop_refund_done", "SELECT scp_refund_done($1::uuid, $2, $3, $4::jsonb)" },
	SCP_STMT_END,
};

/* A path id that is no uuid names nothing: 404, as an unknown one. */
static bool path_ids(struct scp_req *r, int n)
{
	for (int i = 0; i < n; i++) {
		if (!scp_valid_uuid(r->params[i])) {
			scp_send_error(r, 404, "NOT_FOUND", "not found", NULL);
			return false;
		}
	}
	return true;
}

/* amount: optional, a positive integer of minor units; NULL when absent or wrong. */
static const char *minor_amount(struct scp_req *r, json_object *b)
{
	int64_t minor = 0;

	if (!scp_json_get(b, "amount"))
		return NULL;
	if (!scp_field_int(r, b, "amount", false, 1, AMOUNT_MAX, &minor))
		return NULL;
	return scp_arena_printf(r->arena, "%lld", (long long)minor);
}

/*
 * The intent of an attempt of shop's order: Stripe's answer recorded by statement done
 * ($1 payment, $2 intent id, $3 client secret) and answered 201, or the failure
 * answered.  The root path (payments_root.c) answers through its own statement.
 */
void shop_payment_intent_send(struct scp_req *r, const char *shop, const char *order,
			      json_object *begin, const char *done)
{
	const char *pay = scp_stripe_member(begin, "payment_id");
	const char *idem = scp_stripe_member(begin, "idempotency_key");
	struct scp_buf form = SCP_BUF_INIT;
	struct scp_stripe_answer a;
	const char *intent, *secret;
	PGresult *res;
	bool ok;

	scp_httpc_form_add(&form, "amount",
			   json_object_get_string(scp_json_get(begin, "amount_minor")));
	scp_httpc_form_add(&form, "currency", scp_stripe_member(begin, "currency"));
	scp_httpc_form_add(&form, "automatic_payment_methods[enabled]", "true");
	scp_httpc_form_add(&form, "metadata[order_id]", order);
	scp_httpc_form_add(&form, "metadata[payment_id]", pay);
	scp_httpc_form_add(&form, "metadata[order_kind]", "shop");
	scp_httpc_form_add(&form, "metadata[shop_id]", shop);
	ok = scp_stripe_post(r, "/v1/payment_intents", form.ptr, idem, "pi", &a);
	scp_buf_release(&form);
	if (!ok) {
		if (a.status && scp_stripe_final(a.status) &&
		    !scp_q(r, "shop_pay_refused", pay, a.error_json))
			return;
		scp_stripe_send_error(r, &a);
		return;
	}
	intent = scp_stripe_member(a.doc, "id");
	secret = scp_stripe_member(a.doc, "client_secret");
	if (!scp_stripe_id(intent) || !secret) {
		scp_error("stripe: a payment intent without id or client_secret");
		a.status = 0;
		a.error_json = NULL;
		scp_stripe_send_error(r, &a);
		return;
	}
	res = scp_q(r, done, pay, intent, secret);
	if (res)
		scp_send_row_json(r, 201, res);
}

void shop_payment_intent(struct scp_req *r)
{
	json_object *b, *begin;
	const char *order, *amount;
	PGresult *res;

	if (!path_ids(r, 1) || !(b = scp_req_json(r)))
		return;
	order = scp_field_str(r, b, "order_id", true, 36, 36);
	if (order && !scp_valid_uuid(order))
		scp_field_error(r, "order_id", "must be an order's id");
	amount = minor_amount(r, b);
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "shop_pay_begin", r->params[0], r->auth.user_id, order, amount);
	if (!res || !(begin = scp_stripe_row_doc(r, res)))
		return;
	shop_payment_intent_send(r, r->params[0], order, begin, "shop_pay_created");
}

/*
 * Confirming after Stripe.js's confirmPayment: the intent is read back from Stripe
 * (the client's word is not taken for it) and what it says is applied, as the webhook
 * would apply it, forward only.
 */
void shop_payment_confirm(struct scp_req *r)
{
	struct scp_stripe_answer a;
	const char *intent, *pay;
	json_object *b;
	PGresult *res;

	if (!path_ids(r, 1) || !(b = scp_req_json(r)))
		return;
	intent = scp_field_str(r, b, "payment_intent_id", true, 1, SCP_STRIPE_ID_MAX);
	if (intent && (!scp_stripe_id(intent) || strncmp(intent, "pi_", 3)))
		scp_field_error(r, "payment_intent_id", "must be a PaymentIntent's id (pi_…)");
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "shop_pay_of_intent", r->params[0], r->auth.user_id, intent);
	if (!res)
		return;
	pay = scp_arena_strdup(r->arena, PQgetvalue(res, 0, 0));
	if (!scp_stripe_get(r, scp_arena_printf(r->arena, "/v1/payment_intents/%s", intent), &a)) {
		scp_stripe_send_error(r, &a);
		return;
	}
	res = scp_q(r, "shop_pay_confirm", r->params[0], r->auth.user_id, pay,
		    json_object_to_json_string_ext(a.doc, JSON_C_TO_STRING_PLAIN));
	if (res)
		scp_send_row_json(r, 200, res);
}

void shop_payment_get(struct scp_req *r)
{
	PGresult *res;

	if (!path_ids(r, 2))
		return;
	res = scp_q(r, "shop_pay_get", r->params[0], r->auth.user_id, r->params[1]);
	if (res)
		scp_send_row_json(r, 200, res);
}

/*
 * A refund begun (begin: scp_refund_begin's row) sent to Stripe; its end recorded by
 * statement done ($1 refund, $2 Stripe's id, $3 status, $4 error) and answered 201.
 */
void shop_payment_refund_send(struct scp_req *r, json_object *begin, const char *done)
{
	const char *refund = scp_stripe_member(begin, "refund_id");
	const char *pi = scp_stripe_member(begin, "payment_intent");
	struct scp_buf form = SCP_BUF_INIT;
	struct scp_stripe_answer a;
	const char *sid, *st;
	PGresult *res;
	bool ok;

	scp_httpc_form_add(&form, "payment_intent", pi ? pi : "");
	scp_httpc_form_add(&form, "amount",
			   json_object_get_string(scp_json_get(begin, "amount_minor")));
	scp_httpc_form_add(&form, "metadata[order_id]", scp_stripe_member(begin, "order_id"));
	scp_httpc_form_add(&form, "metadata[refund_id]", refund);
	ok = scp_stripe_post(r, "/v1/refunds", form.ptr, scp_stripe_member(begin, "idempotency_key"),
			     "re", &a);
	scp_buf_release(&form);
	if (!ok) {
		/* Failed, whatever the cause: a refund that happened after all shows in
		 * charge.refunded's amount_refunded, which the webhook records. */
		const char *err = a.error_json ? a.error_json
			: "{\"type\":\"api_connection_error\",\"message\":\"no answer\"}";

		if (!scp_q(r, done, refund, NULL, NULL, err))
			return;
		scp_stripe_send_error(r, &a);
		return;
	}
	sid = scp_stripe_member(a.doc, "id");
	st = scp_stripe_member(a.doc, "status");
	res = scp_q(r, done, refund, scp_stripe_id(sid) ? sid : NULL, st ? st : "pending", NULL);
	if (res)
		scp_send_row_json(r, 201, res);
}

void shop_payment_refund(struct scp_req *r)
{
	const char *amount, *reason;
	json_object *b, *begin;
	PGresult *res;

	if (!path_ids(r, 2) || !(b = scp_req_json(r)))
		return;
	amount = minor_amount(r, b);
	reason = scp_field_str(r, b, "reason", true, 1, REASON_MAX);
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "shop_refund_begin", r->params[0], r->auth.user_id, r->params[1], amount,
		    reason);
	if (!res || !(begin = scp_stripe_row_doc(r, res)))
		return;
	shop_payment_refund_send(r, begin, "shop_refund_done");
}
