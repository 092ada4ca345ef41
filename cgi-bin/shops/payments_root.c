/*
 * The root payment paths of Cliick's services/paymentService.ts (issue 13 item 7):
 * /api/v1/payments/{intent,confirm,:id,:id/refund,:id/cancel}, with no shop in the
 * path.  The shop is the order's (intent) or the Stripe intent's (`:id` is the `pi_…`
 * the frontend holds); from there the shop path's functions decide who may do what
 * (sql/functions/96_shop_payments.sql) and payments.c makes the Stripe calls.  Amounts
 * here are major units, as the frontend sends them (docs/decisions.md).  Every answer
 * carries payment_intent {id, client_secret, amount, currency, status}, which the
 * cliick profile also puts at the top level, where paymentService.ts reads it.
 */
#include "shops.h"
#include "scp_httpc.h"
#include "scp_json.h"
#include "scp_money.h"
#include "scp_stripe.h"
#include "scp_validate.h"

#include <string.h>

#define REASON_MAX 500
/* A refund's reason when the frontend sends none (refundPayment's reason is optional). */
#define REASON_DEFAULT "requested_by_customer"
#define STARTERS "ARRAY['owner','admin','order_manager']"
#define REFUNDERS "ARRAY['owner','admin']"
/* The payment the intent $2 names for caller $1, in b(j) (404/403/409 raised there). */
#define BY_INTENT(roles, open) \
	" FROM scp_shop_payment_by_intent($1::uuid, $2, " roles ", " open ") AS b(j)"

const struct scp_stmt shop_payments_root_stmts[] = {
	/* $1 caller, $2 order, $3 amount (minor), $4 currency or NULL */
	{ "root_pay_begin",
	  "SELECT scp_shop_root_payment_begin($1::uuid, $2::uuid, $3::bigint, $4)" },
	/* $1 payment, $2 intent id, $3 client secret (answered, never stored) */
	{ "root_pay_created",
	  "SELECT scp_shop_payment_answer(scp_payment_created($1::uuid, $2), $3)" },
	/* $1 caller, $2 intent id: {shop_id, payment_id}, for one who may start payments */
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
	/* $1 caller, $2 intent, $3 amount (minor) or NULL, $4 reason */
	{ "root_refund_begin",
	  "SELECT scp_shop_refund_begin((j->>'shop_id')::uuid, $1::uuid,"
	  " (j->>'payment_id')::uuid, $3::bigint, $4)" BY_INTENT(REFUNDERS, "false") },
	/* $1 refund, $2 Stripe's refund id, $3 its status, $4 Stripe's error */
	{ "root_refund_done", "SELECT scp_shop_refund_answer($1::uuid, $2, $3, $4::jsonb)" },
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

/* A Stripe intent id (pi_…) in field, or a field error. */
static const char *intent_field(struct scp_req *r, json_object *b, const char *field)
{
	const char *id = scp_field_str(r, b, field, true, 1, SCP_STRIPE_ID_MAX);

	if (id && (!scp_stripe_id(id) || strncmp(id, "pi_", 3)))
		scp_field_error(r, field, "must be a PaymentIntent's id (pi_…)");
	return id;
}

/* The path's :id must be an intent id; anything else names nothing (404). */
static bool path_intent(struct scp_req *r)
{
	if (scp_stripe_id(r->params[0]) && !strncmp(r->params[0], "pi_", 3))
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

/* Stripe's intent for an attempt begun (the provider's one call). */
static void intent_stripe(struct scp_req *r, const char *order, json_object *begin)
{
	shop_payment_intent_send(r, scp_stripe_member(begin, "shop_id"), order, begin,
				 "root_pay_created");
}

typedef void (*intent_fn)(struct scp_req *r, const char *order, json_object *begin);

/*
 * The provider's intent for an attempt begun: the one call a provider plugs in with.
 * NULL while it is not configured (PayPal's part plugs in here), refused as a field
 * error before anything is written.
 */
static intent_fn provider_intent(const char *provider)
{
	if (!strcmp(provider, "stripe"))
		return intent_stripe;
	return NULL;
}

void shop_root_payment_intent(struct scp_req *r)
{
	const char *order, *amount, *currency, *provider;
	json_object *b, *begin, *meta;
	intent_fn intent;
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
	intent = provider_intent(provider);
	if (!intent)
		scp_field_error(r, "provider", scp_arena_printf(r->arena, "%s is not configured",
								provider));
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "root_pay_begin", r->auth.user_id, order, amount, currency);
	if (!res || !(begin = scp_stripe_row_doc(r, res)))
		return;
	intent(r, order, begin);
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
	bool ok;

	if (!(b = scp_req_json(r)))
		return;
	intent = intent_field(r, b, "payment_intent_id");
	pm = scp_field_str(r, b, "payment_method_id", true, 1, SCP_STRIPE_ID_MAX);
	if (pm && (!scp_stripe_id(pm) || strncmp(pm, "pm_", 3)))
		scp_field_error(r, "payment_method_id", "must be a PaymentMethod's id (pm_…)");
	if (strcmp(provider_of(r, b), "stripe"))
		scp_field_error(r, "provider", "the intent is Stripe's");
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "root_pay_open", r->auth.user_id, intent);
	if (!res || !(who = scp_stripe_row_doc(r, res)))
		return;
	shop = scp_stripe_member(who, "shop_id");
	pay = scp_stripe_member(who, "payment_id");
	scp_httpc_form_add(&form, "payment_method", pm);
	ok = scp_stripe_post(r, scp_arena_printf(r->arena, "/v1/payment_intents/%s/confirm", intent),
			     form.ptr, scp_arena_printf(r->arena, "scp-confirm-%s-%s", pay, pm),
			     "pi", &a);
	scp_buf_release(&form);
	if (!ok) {
		settle_error(r, &a);
		return;
	}
	res = scp_q(r, "root_pay_confirm", shop, r->auth.user_id, pay,
		    json_object_to_json_string_ext(a.doc, JSON_C_TO_STRING_PLAIN));
	if (res)
		scp_send_row_json(r, 200, res);
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
	shop_payment_refund_send(r, begin, "root_refund_done");
}

/* Cancelling an attempt not yet paid: Stripe cancels the intent, the attempt fails. */
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
	if (!scp_stripe_cancel(r, r->params[0], scp_arena_printf(r->arena, "scp-cancel-%s", pay),
			       &a)) {
		settle_error(r, &a);
		return;
	}
	res = scp_q(r, "root_pay_cancel", shop, r->auth.user_id, pay,
		    json_object_to_json_string_ext(a.doc, JSON_C_TO_STRING_PLAIN));
	if (res)
		scp_send_row_json(r, 200, res);
}
