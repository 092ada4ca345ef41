/*
 * Calls to PayPal's REST API made by a request (docs/decisions.md, "Cliick.io's PayPal
 * payments"): Orders v2 orders and captures, refunds of captures, and the webhook's
 * signature check, with an OAuth access token cached per worker until it expires.
 * paypal_transport = log writes the request to outbox_log and answers development ids
 * (derived from the PayPal-Request-Id, so a retried attempt gets the same ones).
 */
#ifndef SCP_PAYPAL_H
#define SCP_PAYPAL_H

#include "scp_http.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

/* A PayPal id (order, capture, refund) longer than this is not PayPal's. */
#define SCP_PAYPAL_ID_MAX 64

/* What PayPal answered. */
struct scp_paypal_answer {
	long status;		/* HTTP status; 0: no answer */
	json_object *doc;	/* the parsed body (freed with the request), or NULL */
	const char *error_json;	/* {name, message, debug_id, issue} of an error answer */
	const char *message;	/* PayPal's message, or why there was no answer */
};

/*
 * POST the JSON body to PayPal's path with the access token and PayPal-Request-Id
 * (NULL: none).  True for a 2xx JSON object.  The log transport answers a development
 * order, capture (of currency and value, the attempt's amount) or refund by the path.
 */
bool scp_paypal_post(struct scp_req *r, const char *path, const char *body,
		     const char *request_id, const char *currency, const char *value,
		     struct scp_paypal_answer *a);

/* The answer to a PayPal failure: 422 becomes 402 PAYMENT_FAILED, the rest 503. */
void scp_paypal_send_error(struct scp_req *r, const struct scp_paypal_answer *a);

/* A PayPal id: 1..SCP_PAYPAL_ID_MAX of [A-Za-z0-9-]. */
bool scp_paypal_id(const char *s);

/*
 * PayPal's amount value ("10.50", "7") to minor units, exactly; false for anything
 * else (a sign, an exponent, three decimals, an empty part).
 */
bool scp_paypal_minor(const char *value, int64_t *minor);

/* Minor units as PayPal's value: "10.50". */
void scp_paypal_value(int64_t minor, char out[32]);

/*
 * Does PayPal vouch for a webhook delivery?  POST /v1/notifications/verify-webhook-
 * signature with the transmission headers, paypal_webhook_id and the event (event, the
 * body as received, already checked to be a JSON object); true only for
 * verification_status SUCCESS.  The log transport and an unset webhook id vouch for
 * nothing.
 */
bool scp_paypal_verify_webhook(struct scp_req *r, const char *const hdr[5], const char *event);

/* Forget the cached token (PayPal answered 401 to it). */
void scp_paypal_token_forget(void);

#endif
