/*
 * Stripe webhooks: POST /webhooks/stripe.
 *
 * Stripe signs each delivery with the endpoint's signing secret (stripe_webhook_secret,
 * whsec_…): Stripe-Signature: t=<unix time>,v1=<hex>[,v1=<hex>…][,v0=…], where each
 * v1 is the hex HMAC-SHA256, keyed with the whole secret, of "<t>.<raw body>".  More
 * than one v1 comes while a secret is being rolled; one matching is enough.  v0 (test
 * mode's old scheme) is never accepted.  A timestamp more than 300 s away from now, in
 * either direction, is refused, so a captured delivery cannot be replayed later.  All
 * of it is checked over the bytes as received, before any parsing; a refusal is 401 and
 * writes nothing.
 *
 * The verified event is applied by scp_stripe_event() (sql/functions/90_payments.sql):
 * its id is the dedupe key in webhook_deliveries, inserted with the effect, so a replay
 * answers 200 and changes nothing.
 */
#include "hooks.h"
#include "scp_config.h"
#include "scp_hmac.h"
#include "scp_json.h"
#include "scp_log.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Stripe's own default tolerance (stripe-node's DEFAULT_TOLERANCE). */
#define STRIPE_TOLERANCE 300
/* Stripe's events are small; a megabyte is far beyond any of them. */
#define STRIPE_BODY_MAX (1024 * 1024)
/* A header with more signatures than this is not Stripe's. */
#define STRIPE_SIG_MAX 8

const struct scp_stmt hooks_stripe_stmts[] = {
	/* $1 the verified event. */
	{ "stripe_event", "SELECT scp_stripe_event($1::jsonb)" },
	SCP_STMT_END,
};

/* The parts of a Stripe-Signature header that count. */
struct stripe_sig {
	long long t;
	bool has_t;
	const char *v1[STRIPE_SIG_MAX];
	size_t v1_len[STRIPE_SIG_MAX];
	int n;
};

/*
 * Split "t=…,v1=…,v1=…" into its timestamp and v1 signatures.  Other schemes (v0) and
 * unknown keys are skipped, as Stripe's libraries skip them; a second t, a timestamp
 * that is not digits, or too many signatures make the whole header invalid.
 */
static bool parse_sig(const char *h, struct stripe_sig *s)
{
	memset(s, 0, sizeof(*s));
	while (h && *h) {
		const char *end = strchr(h, ','), *eq = strchr(h, '=');
		size_t len = end ? (size_t)(end - h) : strlen(h);

		if (eq && (size_t)(eq - h) < len) {
			size_t klen = (size_t)(eq - h), vlen = len - klen - 1;
			const char *v = eq + 1;

			if (klen == 1 && h[0] == 't') {
				char *stop;

				if (s->has_t || vlen < 1 || vlen > 12 || !isdigit((unsigned char)*v))
					return false;
				s->t = strtoll(v, &stop, 10);
				if (stop != v + vlen)
					return false;
				s->has_t = true;
			} else if (klen == 2 && !strncmp(h, "v1", 2)) {
				if (s->n == STRIPE_SIG_MAX)
					return false;
				s->v1[s->n] = v;
				s->v1_len[s->n++] = vlen;
			}
		}
		h = end ? end + 1 : NULL;
	}
	return s->has_t && s->n > 0;
}

/*
 * Does any v1 equal the HMAC of "<t>.<body>"?  Every candidate is compared, in
 * constant time, whatever the earlier ones gave; the hex is compared as Stripe sends it
 * (lower case).
 */
static bool signature_ok(const struct stripe_sig *s, const char *secret, const char *ts,
			 const char *body, size_t len)
{
	struct scp_buf signed_payload = SCP_BUF_INIT;
	char want[SCP_SHA256_HEX];
	bool ok = false;

	scp_buf_adds(&signed_payload, ts);
	scp_buf_addc(&signed_payload, '.');
	scp_buf_add(&signed_payload, body, len);
	scp_hmac_sha256_hex(want, secret, strlen(secret), signed_payload.ptr,
			    signed_payload.len);
	scp_buf_release(&signed_payload);
	for (int i = 0; i < s->n; i++)
		ok |= scp_ct_equal(want, SCP_SHA256_HEX - 1, s->v1[i], s->v1_len[i]);
	return ok;
}

/*
 * Read and verify the delivery.  One answer for every failure (the log tells a missing
 * secret from a stale timestamp from a wrong signature).
 */
static bool verified(struct scp_req *r)
{
	const char *h = scp_req_param(r, "HTTP_STRIPE_SIGNATURE");
	struct stripe_sig s;
	long long now = (long long)time(NULL);
	const char *ts;

	if (!scp_req_read_body(r, STRIPE_BODY_MAX))
		return false;
	if (!*scp_cfg.stripe_webhook_secret) {
		scp_warn("stripe webhook refused: stripe_webhook_secret is not configured");
	} else if (!h || !*h) {
		scp_warn("stripe webhook refused: no Stripe-Signature");
	} else if (!parse_sig(h, &s)) {
		scp_warn("stripe webhook refused: malformed Stripe-Signature");
	} else if (s.t < now - STRIPE_TOLERANCE || s.t > now + STRIPE_TOLERANCE) {
		scp_warn("stripe webhook refused: timestamp %lld is outside the tolerance", s.t);
	} else {
		ts = scp_arena_printf(r->arena, "%lld", s.t);
		if (signature_ok(&s, scp_cfg.stripe_webhook_secret, ts, r->body ? r->body : "",
				 r->body_len))
			return true;
		scp_warn("stripe webhook refused: no v1 signature matches");
	}
	scp_unauthorized(r, "invalid webhook signature");
	return false;
}

void hooks_stripe_event(struct scp_req *r)
{
	PGresult *res;

	/* Parsed after the signature, with the limits of every body (depth, UTF-8, keys). */
	if (!verified(r) || !hooks_json_object(r))
		return;
	res = scp_q(r, "stripe_event", r->body);
	if (res)
		scp_send_row_json(r, 200, res);
}
