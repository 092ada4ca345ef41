/*
 * WhatsApp Cloud API webhooks (Meta's Graph API webhooks).
 *
 * GET /webhooks/whatsapp is the subscription handshake: Meta sends hub.mode=subscribe,
 * hub.verify_token (the Verify Token typed into the app dashboard, our
 * whatsapp_verify_token) and hub.challenge, and expects the challenge back as the
 * plain body of a 200.
 *
 * POST /webhooks/whatsapp carries X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the
 * raw body, keyed with the app's App Secret> (whatsapp_app_secret).  The signature is
 * checked over the bytes as received, before any parsing; then the body's status
 * updates (entry[].changes[].value.statuses[]) are recorded by
 * scp_whatsapp_statuses() (sql/functions/88_whatsapp.sql), each (message, status) once.
 * Everything else Meta may send (inbound messages, other fields) is acknowledged and
 * ignored: Meta retries any delivery that is not answered 200.
 */
#include "hooks.h"
#include "scp_config.h"
#include "scp_hmac.h"
#include "scp_json.h"
#include "scp_log.h"
#include "scp_metrics.h"

#include <ctype.h>
#include <fcgiapp.h>
#include <stdio.h>
#include <string.h>

/* Meta's challenge is a number; anything longer than this is not Meta's. */
#define CHALLENGE_MAX 256

const struct scp_stmt hooks_whatsapp_stmts[] = {
	/* $1 the verified body. */
	{ "wa_statuses",
	  "SELECT json_build_object('received', true,"
	  " 'recorded', scp_whatsapp_statuses($1::jsonb))" },
	SCP_STMT_END,
};

/*
 * Equal secrets, in time that depends on neither's contents nor length: the digests
 * are compared, not the strings.
 */
static bool same_secret(const char *a, const char *b)
{
	char ha[SCP_SHA256_HEX], hb[SCP_SHA256_HEX];

	scp_sha256_hex(ha, a, strlen(a));
	scp_sha256_hex(hb, b, strlen(b));
	return scp_ct_equal(ha, SCP_SHA256_HEX - 1, hb, SCP_SHA256_HEX - 1);
}

/* Printable ASCII without spaces, as Meta's challenges are. */
static bool plain_token(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > CHALLENGE_MAX)
		return false;
	for (; *s; s++)
		if (!isgraph((unsigned char)*s))
			return false;
	return true;
}

/* The challenge goes back as text/plain, the only answer Meta accepts. */
static void send_text(struct scp_req *r, const char *text)
{
	size_t len = strlen(text);
	char head[160];
	int n;

	r->status = 200;
	if (!r->fcgi)
		return;
	n = snprintf(head, sizeof(head), "Status: 200 OK\r\nContent-Type: text/plain; "
		     "charset=utf-8\r\nContent-Length: %lu\r\nCache-Control: no-store\r\n\r\n",
		     (unsigned long)len);
	FCGX_PutStr(head, n, r->fcgi->out);
	FCGX_PutStr(text, (int)len, r->fcgi->out);
}

void hooks_whatsapp_verify(struct scp_req *r)
{
	const char *mode = scp_req_query_param(r, "hub.mode");
	const char *token = scp_req_query_param(r, "hub.verify_token");
	const char *challenge = scp_req_query_param(r, "hub.challenge");

	if (!mode || !token || !challenge) {
		scp_bad_request(r, "hub.mode, hub.verify_token and hub.challenge are required");
		return;
	}
	/* No token configured refuses every handshake: "" must not match "". */
	if (strcmp(mode, "subscribe") || !*scp_cfg.whatsapp_verify_token ||
	    !same_secret(token, scp_cfg.whatsapp_verify_token)) {
		scp_warn("whatsapp webhook handshake refused");
		scp_metrics_webhook_failed("whatsapp");
		scp_forbidden(r, "verification failed");
		return;
	}
	if (!plain_token(challenge)) {
		scp_bad_request(r, "hub.challenge must be 1 to 256 printable characters");
		return;
	}
	send_text(r, challenge);
}

/*
 * Is header "sha256=<64 hex digits>" the HMAC of body under secret?  The hex is
 * compared in lower case, as Meta sends it; only the digits' values are secret.
 */
static bool signature_ok(const char *header, const char *secret, const char *body,
			 size_t len)
{
	static const char prefix[] = "sha256=";
	char want[SCP_SHA256_HEX], got[SCP_SHA256_HEX];
	size_t n;

	if (!header || strncmp(header, prefix, sizeof(prefix) - 1))
		return false;
	header += sizeof(prefix) - 1;
	n = strlen(header);
	if (n != SCP_SHA256_HEX - 1)
		return false;
	for (size_t i = 0; i < n; i++)
		got[i] = (char)tolower((unsigned char)header[i]);
	got[n] = '\0';
	scp_hmac_sha256_hex(want, secret, strlen(secret), body, len);
	return scp_ct_equal(want, SCP_SHA256_HEX - 1, got, n);
}

/*
 * Read and verify the delivery.  One answer for every failure, so that the response
 * does not tell a missing secret from a wrong signature; the log does.
 */
static bool verified(struct scp_req *r)
{
	const char *sig = scp_req_param(r, "HTTP_X_HUB_SIGNATURE_256");

	if (!scp_req_read_body(r, HOOKS_BODY_MAX))
		return false;
	if (!*scp_cfg.whatsapp_app_secret)
		scp_warn("whatsapp webhook refused: whatsapp_app_secret is not configured");
	else if (!sig || !*sig)
		scp_warn("whatsapp webhook refused: no X-Hub-Signature-256");
	else if (!signature_ok(sig, scp_cfg.whatsapp_app_secret, r->body, r->body_len))
		scp_warn("whatsapp webhook refused: bad X-Hub-Signature-256");
	else
		return true;
	scp_metrics_webhook_failed("whatsapp");
	scp_unauthorized(r, "invalid webhook signature");
	return false;
}

void hooks_whatsapp_event(struct scp_req *r)
{
	PGresult *res;

	/* Parsed after the signature, with the limits of every body (depth, UTF-8, keys). */
	if (!verified(r) || !hooks_json_object(r))
		return;
	res = scp_q(r, "wa_statuses", r->body);
	if (res)
		scp_send_row_json(r, 200, res);
}
