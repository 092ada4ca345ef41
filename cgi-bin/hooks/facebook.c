/*
 * Messenger and Instagram webhooks (Meta's Graph API webhooks): customers' messages to
 * a shop's live chat.
 *
 * GET /webhooks/facebook is Meta's subscription handshake with facebook_verify_token;
 * POST carries X-Hub-Signature-256 over the raw body, keyed with facebook_app_secret,
 * checked before any parsing (util.c, as WhatsApp's).  A verified delivery's
 * entry[].messaging[] messages are stored by scp_shop_social_receive()
 * (sql/functions/83_shop_chat.sql), each Messenger mid once, in the conversation of
 * the shop the page is linked to; everything else is acknowledged and ignored, since
 * Meta retries any delivery not answered 200.
 */
#include "hooks.h"
#include "scp_config.h"
#include "scp_json.h"

const struct scp_stmt hooks_facebook_stmts[] = {
	/* $1 the verified body. */
	{ "fb_messages",
	  "SELECT json_build_object('received', true,"
	  " 'recorded', scp_shop_social_receive($1::jsonb))" },
	SCP_STMT_END,
};

void hooks_facebook_verify(struct scp_req *r)
{
	hooks_meta_handshake(r, scp_cfg.facebook_verify_token, "facebook");
}

void hooks_facebook_event(struct scp_req *r)
{
	PGresult *res;

	if (!hooks_meta_verified(r, scp_cfg.facebook_app_secret, "facebook") ||
	    !hooks_json_object(r))
		return;
	res = scp_q(r, "fb_messages", r->body);
	if (res)
		scp_send_row_json(r, 200, res);
}
