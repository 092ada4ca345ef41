/*
 * A shop's web chat widget: a customer without an account opens a conversation with the
 * shop and writes in it.
 *
 * Opening answers a secret once, the widget token (32 random bytes in hex; only its
 * SHA-256 is stored); the widget sends it as X-Widget-Token on every later call.  No
 * token, or one that is not 64 hex digits, is 401; a token of another conversation is
 * 404, as a conversation that does not exist.  The routes are public, so nginx limits
 * them per client address (zone scp_widget).  The customer sees the messages, never
 * the team's notes, assignee or tags (sql/functions/83_shop_chat.sql).
 */
#include "shops.h"
#include "scp_hmac.h"
#include "scp_page.h"
#include "scp_query.h"
#include "scp_validate.h"

#include <string.h>

#define TOKEN_HEX 64
#define MSG_NEWEST(X) X "seq DESC"

const struct scp_stmt shop_widget_stmts[] = {
	{ "shop_widget_open", "SELECT scp_shop_widget_open($1, $2, $3)" },
	{ "shop_widget_send", "SELECT scp_shop_widget_send($1, $2, $3, $4)" },
	/* $1 shop, $2 conversation, $3 token, $4 before, $5 page, $6 size: no notes. */
	{ "shop_widget_page",
	  SCP_PAGE_WITH("SELECT m.id, m.seq FROM shop_messages m WHERE m.conversation_id = $2"
			" AND NOT m.is_note"
			" AND m.seq < (SELECT scp_shop_widget_cursor($1, $2, $3, $4))",
			MSG_NEWEST, "$5", "$6")
	  " SELECT CASE WHEN scp_shop_widget_cursor($1, $2, $3, $4) IS NOT NULL THEN"
	  SCP_PAGE_JSON_WITH("$5", "$6", "'next_before'",
			     "(SELECT to_json(p.id) FROM p ORDER BY p.seq LIMIT 1)") " END"
	  SCP_PAGE_FROM("p JOIN shop_messages m ON m.id = p.id",
			"(scp_shop_message_json(m) - 'sender_id' - 'is_note')", MSG_NEWEST) },
	SCP_STMT_END,
};

/* The X-Widget-Token header, or NULL with 401 answered. */
static const char *widget_token(struct scp_req *r)
{
	const char *t = scp_req_param(r, "HTTP_X_WIDGET_TOKEN");

	if (!t || strlen(t) != TOKEN_HEX || strspn(t, "0123456789abcdef") != TOKEN_HEX) {
		scp_unauthorized(r, "X-Widget-Token is required (the token the opening answered)");
		return NULL;
	}
	return t;
}

/* The path's ids must be uuids: anything else is no conversation (404). */
static bool ids_ok(struct scp_req *r, int n)
{
	for (int i = 0; i < n; i++)
		if (!scp_valid_uuid(r->params[i])) {
			scp_not_found(r);
			return false;
		}
	return true;
}

/* {customer_name}: 201 {conversation, widget_token}. */
void shop_widget_open(struct scp_req *r)
{
	json_object *b;
	const char *name;
	char token[TOKEN_HEX + 1];
	PGresult *res;

	if (!ids_ok(r, 1) || !(b = scp_req_json(r)))
		return;
	name = scp_field_str(r, b, "customer_name", true, 1, 200);
	if (scp_fields_send(r))
		return;
	scp_random_hex(token, TOKEN_HEX / 2);
	res = scp_q(r, "shop_widget_open", r->params[0], name, token);
	if (res)
		scp_send_row_json(r, 201, res);
}

/* {text}: the customer's message, 201. */
void shop_widget_send(struct scp_req *r)
{
	json_object *b;
	const char *token, *text;
	PGresult *res;

	if (!ids_ok(r, 2) || !(token = widget_token(r)) || !(b = scp_req_json(r)))
		return;
	text = scp_field_str(r, b, "text", true, 1, 5000);
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "shop_widget_send", r->params[0], r->params[1], token, text);
	if (res)
		scp_send_row_json(r, 201, res);
}

void shop_widget_messages(struct scp_req *r)
{
	struct scp_page pg;
	const char *token, *before;
	PGresult *res;

	if (!ids_ok(r, 2) || !(token = widget_token(r)) || !scp_page_parse(r, &pg) ||
	    !scp_query_uuid(r, "before", &before))
		return;
	res = scp_q(r, "shop_widget_page", r->params[0], r->params[1], token, before,
		    pg.page_text, pg.size_text);
	if (res)
		scp_send_row_json(r, 200, res);
}
