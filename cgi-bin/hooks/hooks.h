/*
 * The hooks family: webhooks that providers send us, outside /api/v1 (DESIGN §5, §7).
 *
 * Every provider signs its deliveries; a handler reads the raw body, verifies the
 * signature over exactly those bytes (constant time) and only then parses it.  A
 * delivery that fails the check gets 401 and writes nothing.  What a delivery records
 * is one SQL statement whose dedupe key is inserted with its side effects, so a
 * replayed delivery answers 200 and changes nothing.
 *
 * Each provider's file holds its handlers and the statements they run, in a table
 * named hooks_<provider>_stmts that main.c lists in the family.
 */
#ifndef SCP_HOOKS_H
#define SCP_HOOKS_H

#include "scp_db.h"
#include "scp_http.h"

/*
 * The largest delivery taken.  Meta batches status updates into one POST and its
 * documentation puts payloads at up to 3 MB; nginx's location has the same limit.
 */
#define HOOKS_BODY_MAX (3 * 1024 * 1024)

/* whatsapp.c: Meta's verification handshake and the Cloud API's status updates */
void hooks_whatsapp_verify(struct scp_req *r);
void hooks_whatsapp_event(struct scp_req *r);
extern const struct scp_stmt hooks_whatsapp_stmts[];

/* stripe.c: Stripe's events (Stripe-Signature t=/v1=, 300 s tolerance) */
void hooks_stripe_event(struct scp_req *r);
extern const struct scp_stmt hooks_stripe_stmts[];
/* paypal.c: PayPal's events, verified by PayPal (verify-webhook-signature) */
void hooks_paypal_event(struct scp_req *r);
extern const struct scp_stmt hooks_paypal_stmts[];
/* shopify.c, woocommerce.c: the stores' order webhooks (sales log, Prokip jobs) */
void hooks_shopify_event(struct scp_req *r);
extern const struct scp_stmt hooks_shopify_stmts[];
void hooks_woo_event(struct scp_req *r);
extern const struct scp_stmt hooks_woo_stmts[];
/* facebook.c: Messenger's and Instagram's messages to a shop's live chat */
void hooks_facebook_verify(struct scp_req *r);
void hooks_facebook_event(struct scp_req *r);
extern const struct scp_stmt hooks_facebook_stmts[];
/* util.c: what the webhooks share */
/* Is header the base64 HMAC-SHA256 of body under secret (constant time)?  "" never is. */
bool hooks_b64_hmac_ok(const char *header, const char *secret, const char *body, size_t len);
/* A request header that is present, at most 255 printable ASCII characters, or NULL. */
const char *hooks_header(struct scp_req *r, const char *name);
/* The body is a JSON object (the limits of every body); else 400 answered, false. */
bool hooks_json_object(struct scp_req *r);
/*
 * Meta's subscription handshake: hub.mode=subscribe and hub.verify_token equal to
 * verify_token ("" refuses every one) answer hub.challenge as text/plain; else 400/403.
 */
void hooks_meta_handshake(struct scp_req *r, const char *verify_token, const char *provider);
/* Read the body and check X-Hub-Signature-256 under secret; else 401 answered, false. */
bool hooks_meta_verified(struct scp_req *r, const char *secret, const char *provider);

#endif
