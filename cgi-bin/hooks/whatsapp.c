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
 * The handshake and the signature are Meta's, shared with Messenger (util.c).
 * Everything else Meta may send (inbound messages, other fields) is acknowledged and
 * ignored: Meta retries any delivery that is not answered 200.
 */
#include "hooks.h"
#include "scp_config.h"
#include "scp_json.h"

const struct scp_stmt hooks_whatsapp_stmts[] = {
	/* $1 the verified body. */
	{ "wa_statuses",
	  "SELECT json_build_object('received', true,"
	  " 'recorded', scp_whatsapp_statuses($1::jsonb))" },
	SCP_STMT_END,
};

void hooks_whatsapp_verify(struct scp_req *r)
{
	hooks_meta_handshake(r, scp_cfg.whatsapp_verify_token, "whatsapp");
}

void hooks_whatsapp_event(struct scp_req *r)
{
	PGresult *res;

	/* Parsed after the signature, with the limits of every body (depth, UTF-8, keys). */
	if (!hooks_meta_verified(r, scp_cfg.whatsapp_app_secret, "whatsapp") ||
	    !hooks_json_object(r))
		return;
	res = scp_q(r, "wa_statuses", r->body);
	if (res)
		scp_send_row_json(r, 200, res);
}
