/*
 * Calls to Stripe made by a request (docs/decisions.md, "Payments (Stripe)"): the
 * orders family's payments of catalog and auction orders and the shops family's payments
 * of shop orders create PaymentIntents and Refunds the same way, with the attempt's
 * Idempotency-Key, through scp_httpc, or into outbox_log with stripe_transport = log.
 */
#ifndef SCP_STRIPE_H
#define SCP_STRIPE_H

#include "scp_http.h"

#include <json-c/json.h>
#include <stdbool.h>

/* A Stripe id (pi_…, re_…) longer than this is not Stripe's. */
#define SCP_STRIPE_ID_MAX 255

/* What Stripe answered. */
struct scp_stripe_answer {
	long status;		/* HTTP status; 0: no answer (unreachable, timeout) */
	json_object *doc;	/* the parsed body (freed with the request), or NULL */
	const char *error_json;	/* {type, code, decline_code, message} of an error answer */
	const char *message;	/* Stripe's error message, or why there was no answer */
};

/*
 * POST form to Stripe's path with the secret key and the Idempotency-Key.  True when
 * Stripe answered 2xx with a JSON object; otherwise a->status says what happened (0: no
 * answer) and, for an answer, a->error_json what Stripe said.  With the log transport
 * the answer is a development object made from the key, id prefix "pi" or "re".
 */
bool scp_stripe_post(struct scp_req *r, const char *path, const char *form, const char *idem,
		     const char *prefix, struct scp_stripe_answer *a);

/* GET Stripe's path (an object, e.g. /v1/payment_intents/pi_…), as scp_stripe_post
 * answers; the log transport answers an intent nobody confirmed. */
bool scp_stripe_get(struct scp_req *r, const char *path, struct scp_stripe_answer *a);

/* POST /v1/payment_intents/:intent/cancel with the key; answers as scp_stripe_post
 * (the log transport: the intent cancelled). */
bool scp_stripe_cancel(struct scp_req *r, const char *intent, const char *idem,
		       struct scp_stripe_answer *a);

/* Did Stripe keep its answer for the key (the attempt is over)? */
bool scp_stripe_final(long status);

/* The answer to a Stripe failure: 402 PAYMENT_FAILED for a refused card, else 503. */
void scp_stripe_send_error(struct scp_req *r, const struct scp_stripe_answer *a);

/* A Stripe id: non-empty, short, printable without spaces. */
bool scp_stripe_id(const char *s);

/* A string member of o, or NULL. */
const char *scp_stripe_member(json_object *o, const char *key);

/* The JSON document of a one-cell result, parsed (freed with the request); NULL (500
 * sent) if it is not one. */
json_object *scp_stripe_row_doc(struct scp_req *r, PGresult *res);

#endif
