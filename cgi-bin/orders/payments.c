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
 * The calls themselves are libscp's (scp_stripe.h), shared with the shops family.
 */
#include "orders.h"
#include "scp_config.h"
#include "scp_httpc.h"
#include "scp_stripe.h"
#include "scp_json.h"
#include "scp_log.h"
#include "scp_validate.h"

#include <stdio.h>
#include <string.h>

/* The largest reason a refund keeps. */
#define REASON_MAX 500

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

void ord_payment_create(struct scp_req *r)
{
	const char *pay, *idem, *amount, *currency, *intent, *secret;
	struct scp_buf form = SCP_BUF_INIT;
	struct scp_stripe_answer a;
	json_object *begin;
	PGresult *res;
	bool ok;

	/* The body, if any, is not read: amount and currency are the order's. */
	res = scp_q(r, "pay_begin", r->params[0], r->auth.user_id, r->auth.role);
	if (!res || !(begin = scp_stripe_row_doc(r, res)))
		return;
	pay = scp_stripe_member(begin, "payment_id");
	idem = scp_stripe_member(begin, "idempotency_key");
	currency = scp_stripe_member(begin, "currency");
	amount = json_object_get_string(scp_json_get(begin, "amount_minor"));
	scp_httpc_form_add(&form, "amount", amount);
	scp_httpc_form_add(&form, "currency", currency);
	scp_httpc_form_add(&form, "automatic_payment_methods[enabled]", "true");
	scp_httpc_form_add(&form, "metadata[order_id]", r->params[0]);
	scp_httpc_form_add(&form, "metadata[payment_id]", pay);
	scp_httpc_form_add(&form, "metadata[order_kind]", scp_stripe_member(begin, "order_kind"));
	ok = scp_stripe_post(r, "/v1/payment_intents", form.ptr, idem, "pi", &a);
	scp_buf_release(&form);
	if (!ok) {
		if (a.status && scp_stripe_final(a.status) &&
		    !scp_q(r, "pay_refused", pay, a.error_json))
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
	struct scp_stripe_answer a;
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
	if (!res || !(begin = scp_stripe_row_doc(r, res)))
		return;
	refund = scp_stripe_member(begin, "refund_id");
	idem = scp_stripe_member(begin, "idempotency_key");
	pi = scp_stripe_member(begin, "payment_intent");
	scp_httpc_form_add(&form, "payment_intent", pi ? pi : "");
	scp_httpc_form_add(&form, "amount", json_object_get_string(scp_json_get(begin, "amount_minor")));
	scp_httpc_form_add(&form, "metadata[order_id]", r->params[0]);
	scp_httpc_form_add(&form, "metadata[refund_id]", refund);
	ok = scp_stripe_post(r, "/v1/refunds", form.ptr, idem, "re", &a);
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
		scp_stripe_send_error(r, &a);
		return;
	}
	sid = scp_stripe_member(a.doc, "id");
	st = scp_stripe_member(a.doc, "status");
	res = scp_q(r, "refund_done", refund, scp_stripe_id(sid) ? sid : NULL, st ? st : "pending",
		    NULL);
	if (res)
		scp_send_row_json(r, 201, res);
}
