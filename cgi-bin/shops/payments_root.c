/*
 * The root payment paths of Cliick's services/paymentService.ts (issue 13 item 7):
 * /api/v1/payments/{intent,confirm,:id,:id/refund,:id/cancel}, with no shop in the
 * path.  The shop is the order's (intent) or the payment's (`:id` is the id the
 * frontend holds: Stripe's intent `pi_…`, or PayPal's order id); from there the shop
 * paths' functions decide who may do what (sql/functions/96_shop_payments.sql,
 * 98_paypal.sql) and payments.c or payments_paypal.c make the provider's calls.
 * Amounts here are major units, as the frontend sends them (docs/decisions.md).  Every
 * answer carries payment_intent {id, provider, client_secret, approve_url, amount,
 * currency, status}, which the cliick profile also puts at the top level, where
 * paymentService.ts reads it.
 */
#include "shops.h"
#include "scp_httpc.h"
#include "scp_json.h"
#include "scp_money.h"
#include "scp_paypal.h"
#include "scp_stripe.h"
#include "scp_validate.h"

#include <string.h>

#define REASON_MAX 500
/* A refund's reason when the frontend sends none (refundPayment's reason is optional). */
#define REASON_DEFAULT "requested_by_customer"
#define STARTERS "ARRAY['owner','admin','order_manager']"
/* The payment the intent $2 names for caller $1, in b(j) (404/403/409 raised there). */
#define BY_INTENT(roles, open) \
	" FROM scp_shop_payment_by_intent($1::uuid, $2, " roles ", " open ") AS b(j)"

const struct scp_stmt shop_payments_root_stmts[] = {
	/* $1 caller, $2 order, $3 amount (minor), $4 currency or NULL, $5 provider */
	{ "root_pay_begin",
	  "SELECT scp_shop_root_payment_begin($1::uuid, $2::uuid, $3::bigint, $4, $5)" },
	/* $1 payment, $2 intent id, $3 client secret (answered, never stored) */
	{ "root_pay_created",
	  "SELECT scp_shop_payment_answer(scp_payment_created($1::uuid, $2), $3)" },
	/* $1 payment, $2 PayPal order id, $3 approve link (answered, never stored) */
	{ "root_paypal_created",
	  "SELECT scp_shop_payment_answer(scp_paypal_created($1::uuid, $2), $3)" },
	/* $1 caller, $2 intent or PayPal order id: {shop_id, payment_id, provider}, for one
	 * who may start payments, of an open attempt */
	{ "root_pay_open", "SELECT j" BY_INTENT(STARTERS, "true") },
	{ "root_pay_get",
	  "SELECT scp_shop_payment_answer(scp_shop_payment_get((j->>'shop_id')::uuid, $1::uuid,"
	  " (j->>'payment_id')::uuid), NULL)" BY_INTENT(STARTERS, "false") },
	/* $1 shop, $2 caller, $3 payment, $4 the intent as Stripe answered it */
	{ "root_pay_confirm",
	  "SELECT scp_shop_payment_answer(scp_shop_payment_confirm($1::uuid, $2::uuid, $3::uuid,"
	  " $4::jsonb), NULL)" },
	{ "root_pay_cancel",
	  "SELECT scp_shop_payment_cancel_done($1::uuid, $2::uuid, $3::uuid, $4::jsonb)" },
	/* $1 shop, $2 caller, $3 payment: a PayPal attempt voided here */
	{ "root_paypal_cancel", "SELECT scp_paypal_cancel($1::uuid, $2::uuid, $3::uuid)" },
	/* $1 caller, $2 PayPal order id: what to capture (scp_paypal_of_order) */
	{ "root_paypal_open",
	  "SELECT scp_paypal_of_order((j->>'shop_id')::uuid, $1::uuid, $2)"
	  BY_INTENT(STARTERS, "true") },
	/* $1 payment, $2 capture status, $3 capture id, $4 minor, $5 currency */
	{ "root_paypal_captured",
	  "SELECT scp_shop_payment_answer(scp_paypal_captured($1::uuid, $2, $3, $4::bigint, $5),"
	  " NULL)" },
	/* $1 caller, $2 intent or PayPal order id, $3 amount (minor) or NULL, $4 reason:
	 * the provider's refund begun, with provider */
	{ "root_refund_begin",
	  "SELECT scp_shop_root_refund_begin($1::uuid, $2, $3::bigint, $4)" },
	/* $1 refund, $2 Stripe's refund id, $3 its status, $4 Stripe's error */
	{ "root_refund_done",
	  "SELECT scp_shop_refund_answer(scp_refund_done($1::uuid, $2, $3, $4::jsonb))" },
	/* $1 refund, $2 PayPal's refund id, $3 its status, $4 PayPal's error */
	{ "root_paypal_refund_done",
	  "SELECT scp_shop_refund_answer(scp_paypal_refund_done($1::uuid, $2, $3, $4::jsonb))" },
	SCP_STMT_END,
};

/*
 * amount in major units ("12.50" or 12.5: at most two decimals, more than 0), as the
 * text that was sent (a number keeps its text when parsed), into minor units exactly.
 */
static const char *major_amount(struct scp_req *r, json_object *b, bool required)
{
	json_object *v = scp_json_get(b, "amount");
	int64_t minor = 0;
	const char *text;

	if (!v) {
		if (required)
			scp_field_error(r, "amount", "is required");
		return NULL;
	}
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double)) {
		scp_field_error(r, "amount", "must be a number of major units (12.50)");
		return NULL;
	}
	text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	if (!scp_money_parse(text, &minor) || minor <= 0) {
		scp_field_error(r, "amount", "must be more than 0, with at most two decimals");
		return NULL;
	}
	return scp_arena_printf(r->arena, "%lld", (long long)minor);
}

/* provider: stripe (the default) or paypal; anything else is a field error. */
static const char *provider_of(struct scp_req *r, json_object *b)
{
	static const char *const providers[] = { "stripe", "paypal", NULL };
	const char *p = scp_field_enum(r, b, "provider", false, providers);

	return p ? p : "stripe";
}

/* A Stripe intent id (pi_…); a PayPal id has no underscore, so the two never meet. */
static bool stripe_intent(const char *id)
{
	return scp_stripe_id(id) && !strncmp(id, "pi_", 3);
}

/* Is the payment (a row naming its provider) PayPal's? */
static bool paypal_payment(json_object *row)
{
	const char *p = scp_stripe_member(row, "provider");

	return p && !strcmp(p, "paypal");
}

/* The path's :id must be an intent or PayPal order id; anything else names nothing. */
static bool path_intent(struct scp_req *r)
{
	if (stripe_intent(r->params[0]) || scp_paypal_id(r->params[0]))
		return true;
	scp_send_error(r, 404, "NOT_FOUND", "payment not found", NULL);
	return false;
}

/*
 * Stripe's refusal of a confirm or cancel: an intent that is over there (another
 * request settled it first) is the 409 the attempt's state gives here too.
 */
static void settle_error(struct scp_req *r, const struct scp_stripe_answer *a)
{
	if (a->status == 400 && a->error_json &&
	    strstr(a->error_json, "\"payment_intent_unexpected_state\"")) {
		scp_send_error(r, 409, "CONFLICT", "the payment is over", NULL);
		return;
	}
	scp_stripe_send_error(r, a);
}

/*
 * Stripe's answer to a confirm or cancel of payment pay of shop, applied by statement
 * stmt ($1 shop, $2 caller, $3 payment, $4 the intent) and answered 200.
 */
static void settled_send(struct scp_req *r, const char *stmt, const char *shop,
			 const char *pay, const struct scp_stripe_answer *a)
{
	PGresult *res = scp_q(r, stmt, shop, r->auth.user_id, pay,
			      json_object_to_json_string_ext(a->doc, JSON_C_TO_STRING_PLAIN));

	if (res)
		scp_send_row_json(r, 200, res);
}

/* Stripe's intent for an attempt begun. */
static void intent_stripe(struct scp_req *r, const char *order, json_object *begin)
{
	shop_payment_intent_send(r, scp_stripe_member(begin, "shop_id"), order, begin,
				 "root_pay_created");
}

/* PayPal's order for an attempt begun, its approve link answered as approve_url. */
static void intent_paypal(struct scp_req *r, const char *order, json_object *begin)
{
	shop_paypal_order_send(r, order, begin, "root_paypal_created");
}

void shop_root_payment_intent(struct scp_req *r)
{
	const char *order, *amount, *currency, *provider;
	json_object *b, *begin, *meta;
	PGresult *res;

	if (!(b = scp_req_json(r)))
		return;
	order = scp_field_str(r, b, "order_id", true, 36, 36);
	if (order && !scp_valid_uuid(order))
		scp_field_error(r, "order_id", "must be an order's id");
	amount = major_amount(r, b, true);
	currency = scp_field_str(r, b, "currency", false, 3, 3);
	provider = provider_of(r, b);
	meta = scp_json_get(b, "metadata");
	/* Accepted and not forwarded: Stripe's metadata is ours (order, payment, shop). */
	if (meta && !json_object_is_type(meta, json_type_object) &&
	    !json_object_is_type(meta, json_type_null))
		scp_field_error(r, "metadata", "must be an object");
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "root_pay_begin", r->auth.user_id, order, amount, currency, provider);
	if (!res || !(begin = scp_stripe_row_doc(r, res)))
		return;
	if (!strcmp(provider, "paypal"))
		intent_paypal(r, order, begin);
	else
		intent_stripe(r, order, begin);
}

/*
 * Confirming PayPal's order (provider paypal): the buyer approved it at PayPal, so the
 * server captures it, as the shop path's capture does.  payment_method_id is not
 * needed (the approval is the payment method) and, when sent, not used.
 */
static void confirm_paypal(struct scp_req *r, const char *ppo)
{
	json_object *row;
	PGresult *res;

	res = scp_q(r, "root_paypal_open", r->auth.user_id, ppo);
	if (!res || !(row = scp_stripe_row_doc(r, res)))
		return;
	shop_paypal_capture_send(r, ppo, row, "root_paypal_captured");
}

/*
 * Confirming with a payment method (confirmPayment's paymentMethodId): the server
 * confirms the intent at Stripe (POST /v1/payment_intents/:id/confirm) and applies
 * what Stripe answers, as the shop path applies what it reads back.
 */
void shop_root_payment_confirm(struct scp_req *r)
{
	const char *intent, *pm, *shop, *pay;
	struct scp_buf form = SCP_BUF_INIT;
	struct scp_stripe_answer a;
	json_object *b, *who;
	PGresult *res;
	bool paypal, ok;

	if (!(b = scp_req_json(r)))
		return;
	paypal = !strcmp(provider_of(r, b), "paypal");
	intent = scp_field_str(r, b, "payment_intent_id", true, 1, SCP_STRIPE_ID_MAX);
	pm = scp_field_str(r, b, "payment_method_id", !paypal, 1, SCP_STRIPE_ID_MAX);
	if (paypal && intent && stripe_intent(intent))
		scp_field_error(r, "provider", "the intent is Stripe's");
	else if (paypal && intent && !scp_paypal_id(intent))
		scp_field_error(r, "payment_intent_id", "must be a PayPal order's id");
	else if (!paypal && intent && !stripe_intent(intent))
		scp_field_error(r, "payment_intent_id", "must be a PaymentIntent's id (pi_…)");
	if (!paypal && pm && (!scp_stripe_id(pm) || strncmp(pm, "pm_", 3)))
		scp_field_error(r, "payment_method_id", "must be a PaymentMethod's id (pm_…)");
	if (scp_fields_send(r))
		return;
	if (paypal) {
		confirm_paypal(r, intent);
		return;
	}
	res = scp_q(r, "root_pay_open", r->auth.user_id, intent);
	if (!res || !(who = scp_stripe_row_doc(r, res)))
		return;
	if (paypal_payment(who)) {
		scp_field_error(r, "provider", "the payment is PayPal's");
		scp_fields_send(r);
		return;
	}
	shop = scp_stripe_member(who, "shop_id");
	pay = scp_stripe_member(who, "payment_id");
	scp_httpc_form_add(&form, "payment_method", pm);
	ok = scp_stripe_post(r, scp_arena_printf(r->arena, "/v1/payment_intents/%s/confirm", intent),
			     form.ptr, scp_arena_printf(r->arena, "scp-confirm-%s-%s", pay, pm),
			     "pi", &a);
	scp_buf_release(&form);
	if (ok)
		settled_send(r, "root_pay_confirm", shop, pay, &a);
	else
		settle_error(r, &a);
}

void shop_root_payment_get(struct scp_req *r)
{
	PGresult *res;

	if (!path_intent(r))
		return;
	res = scp_q(r, "root_pay_get", r->auth.user_id, r->params[0]);
	if (res)
		scp_send_row_json(r, 200, res);
}

void shop_root_payment_refund(struct scp_req *r)
{
	const char *amount, *reason;
	json_object *b, *begin;
	PGresult *res;

	if (!path_intent(r) || !(b = scp_req_json(r)))
		return;
	amount = major_amount(r, b, false);
	reason = scp_field_str(r, b, "reason", false, 1, REASON_MAX);
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "root_refund_begin", r->auth.user_id, r->params[0], amount,
		    reason ? reason : REASON_DEFAULT);
	if (!res || !(begin = scp_stripe_row_doc(r, res)))
		return;
	if (paypal_payment(begin))
		shop_paypal_refund_send(r, begin, "root_paypal_refund_done");
	else
		shop_payment_refund_send(r, begin, "root_refund_done");
}

/*
 * Cancelling an attempt not yet paid: Stripe cancels the intent, the attempt fails.  A
 * PayPal order created and not captured has nothing to cancel at PayPal (it expires
 * there): the attempt is voided here (scp_paypal_cancel), and its capture refused.
 */
void shop_root_payment_cancel(struct scp_req *r)
{
	struct scp_stripe_answer a;
	const char *shop, *pay;
	json_object *who;
	PGresult *res;

	if (!path_intent(r))
		return;
	res = scp_q(r, "root_pay_open", r->auth.user_id, r->params[0]);
	if (!res || !(who = scp_stripe_row_doc(r, res)))
		return;
	shop = scp_stripe_member(who, "shop_id");
	pay = scp_stripe_member(who, "payment_id");
	if (paypal_payment(who)) {
		res = scp_q(r, "root_paypal_cancel", shop, r->auth.user_id, pay);
		if (res)
			scp_send_row_json(r, 200, res);
		return;
	}
	if (scp_stripe_cancel(r, r->params[0], scp_arena_printf(r->arena, "scp-cancel-%s", pay), &a))
		settled_send(r, "root_pay_cancel", shop, pay, &a);
	else
		settle_error(r, &a);
}
