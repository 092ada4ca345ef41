/*
 * PayPal webhooks: POST /webhooks/paypal.
 *
 * PayPal's deliveries are vouched for by PayPal itself: the transmission headers
 * (PAYPAL-TRANSMISSION-ID, -TIME, -SIG, PAYPAL-CERT-URL, PAYPAL-AUTH-ALGO), our
 * paypal_webhook_id and the event go to POST /v1/notifications/verify-webhook-signature
 * (lib/scp_paypal.c), and only verification_status SUCCESS is applied.  Anything else
 * is 401 and writes nothing.  The verified event is applied by scp_paypal_event()
 * (sql/functions/98_paypal.sql): its id is the dedupe key in webhook_deliveries,
 * inserted with the effect, so replays, concurrent or not, have one effect.
 */
#include "hooks.h"
#include "scp_json.h"
#include "scp_log.h"
#include "scp_paypal.h"

#include <stdio.h>
#include <string.h>

/* PayPal's events are small; a megabyte is far beyond any of them. */
#define PAYPAL_BODY_MAX (1024 * 1024)
/* A transmission header longer than this is not PayPal's (a signature is ~350 chars). */
#define PAYPAL_HEADER_MAX 2048

const struct scp_stmt hooks_paypal_stmts[] = {
	/* $1 the verified event */
	{ "paypal_event", "SELECT scp_paypal_event($1::jsonb)" },
	SCP_STMT_END,
};

/* The five transmission headers, each present and of a sane length. */
static bool headers(struct scp_req *r, const char *hdr[5])
{
	static const char *const names[] = { "HTTP_PAYPAL_TRANSMISSION_ID",
		"HTTP_PAYPAL_TRANSMISSION_TIME", "HTTP_PAYPAL_TRANSMISSION_SIG",
		"HTTP_PAYPAL_CERT_URL", "HTTP_PAYPAL_AUTH_ALGO" };

	for (int i = 0; i < 5; i++) {
		hdr[i] = scp_req_param(r, names[i]);
		if (!hdr[i] || !*hdr[i] || strlen(hdr[i]) > PAYPAL_HEADER_MAX) {
			scp_warn("paypal webhook refused: %s missing or too long", names[i] + 5);
			return false;
		}
	}
	return true;
}

void hooks_paypal_event(struct scp_req *r)
{
	const char *hdr[5];
	PGresult *res;

	if (!scp_req_read_body(r, PAYPAL_BODY_MAX))
		return;
	if (!headers(r, hdr)) {
		scp_unauthorized(r, "invalid webhook signature");
		return;
	}
	if (!hooks_json_object(r))
		return;
	if (!scp_paypal_verify_webhook(r, hdr, r->body)) {
		scp_unauthorized(r, "invalid webhook signature");
		return;
	}
	res = scp_q(r, "paypal_event", r->body);
	if (res)
		scp_send_row_json(r, 200, res);
}
