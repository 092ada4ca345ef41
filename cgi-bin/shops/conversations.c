/*
 * A shop's live chat: its conversations with customers on a channel (the web widget,
 * Facebook, Instagram, Telegram, Viber, TikTok) and their messages.
 *
 * This file checks each field's type and range and passes the checked fields to one
 * SQL function per change (sql/functions/83_shop_chat.sql), which checks the caller's
 * rights (404 for no member, 403 for an order manager on a write), the status machine
 * (409), the assignee (a member of the shop's team) and queues the change's events,
 * and for a seller's message to a social channel the social_send job, in the same
 * transaction.  Attachments are files this system stored (POST /uploads), as products'
 * images.
 */
#include "shops.h"
#include "scp_json.h"
#include "scp_page.h"
#include "scp_query.h"
#include "scp_upload.h"
#include "scp_validate.h"

#include <string.h>

#define TEXT_MAX 5000
#define TAGS_MAX 20
#define TAG_MAX 50

/* The list: the latest activity first; the id keeps pages from overlapping. */
#define CONV_RECENT(X) X "last_message_at DESC, " X "id DESC"
/* A history page: newest first by seq (ids are random). */
#define MSG_NEWEST(X) X "seq DESC"

const struct scp_stmt shop_chat_stmts[] = {
	/* $1 shop, $2 caller, $3 page, $4 size, $5 status filter (member.c). */
	{ "shop_conv_list",
	  SHOP_MEMBER_PAGED("SELECT c.id, c.last_message_at FROM shop_conversations c"
			    " WHERE c.shop_id = $1 AND ($5::text IS NULL OR c.status = $5)",
			    CONV_RECENT, "p JOIN shop_conversations x ON x.id = p.id",
			    "scp_shop_conversation_json(x, 0)") },
	/* $1 shop, $2 caller, $3 conversation: with its newest 50 messages. */
	{ "shop_conv_get",
	  "SELECT scp_shop_conversation_json(c, 50) FROM shop_conversations c"
	  " WHERE c.id = $3 AND c.shop_id = $1 AND scp_shop_chat_role($1, $2) IS NOT NULL" },
	{ "shop_conv_open", "SELECT * FROM scp_shop_conversation_open($1, $2, $3::jsonb)" },
	{ "shop_conv_update", "SELECT scp_shop_conversation_update($1, $2, $3, $4::jsonb)" },
	{ "shop_msg_send", "SELECT scp_shop_message_send($1, $2, $3, $4::jsonb)" },
	/*
	 * $1 shop, $2 caller, $3 conversation, $4 before, $5 page, $6 size.  The cursor
	 * function is also the member check (404), called once more outside the page so
	 * that it runs when the conversation has no messages.
	 */
	{ "shop_msg_page",
	  SCP_PAGE_WITH("SELECT m.id, m.seq FROM shop_messages m WHERE m.conversation_id = $3"
			" AND m.seq < (SELECT scp_shop_chat_cursor($1, $2, $3, $4))",
			MSG_NEWEST, "$5", "$6")
	  " SELECT CASE WHEN scp_shop_chat_cursor($1, $2, $3, $4) IS NOT NULL THEN"
	  SCP_PAGE_JSON_WITH("$5", "$6", "'next_before'",
			     "(SELECT to_json(p.id) FROM p ORDER BY p.seq LIMIT 1)") " END"
	  SCP_PAGE_FROM("p JOIN shop_messages m ON m.id = p.id", "scp_shop_message_json(m)",
			MSG_NEWEST) },
	SCP_STMT_END,
};

static const char *const channels[] = { "web", "facebook", "instagram", "telegram",
					"viber", "tiktok", NULL };
static const char *const statuses[] = { "open", "pending", "closed", NULL };

/* The checked fields as JSON text for the SQL functions; NULL with the 422 answered. */
static const char *fields_text(struct scp_req *r, json_object *set)
{
	const char *text = scp_arena_strdup(r->arena,
		json_object_to_json_string_ext(set, JSON_C_TO_STRING_PLAIN));

	json_object_put(set);
	return scp_fields_send(r) ? NULL : text;
}

static void put_str(json_object *set, const char *k, const char *v)
{
	if (v)
		json_object_object_add(set, k, json_object_new_string(v));
}

/* A boolean field, copied when present; null or another type is an error. */
static void copy_bool(struct scp_req *r, json_object *b, const char *k, json_object *set)
{
	json_object *v;

	if (!json_object_object_get_ex(b, k, &v))
		return;
	if (!scp_json_is(v, json_type_boolean))
		scp_field_error(r, k, "must be true or false");
	else
		json_object_object_add(set, k, json_object_new_boolean(json_object_get_boolean(v)));
}

void shop_conversations_list(struct scp_req *r)
{
	struct scp_page pg;
	const char *st;

	if (scp_page_parse(r, &pg) && scp_query_enum(r, "status", statuses, &st))
		shop_member_list(r, "shop_conv_list", &pg, 1, SCP_ARGS(st));
}

void shop_conversation_get(struct scp_req *r)
{
	PGresult *res = scp_q(r, "shop_conv_get", r->params[0], r->auth.user_id,
			      r->params[1]);

	if (res)
		scp_send_row_json(r, 200, res);
}

/* {channel, customer_name, customer_id?}: 201, or 200 with the customer's existing one. */
void shop_conversation_create(struct scp_req *r)
{
	json_object *b = scp_req_json(r), *set;
	const char *d;
	PGresult *res;

	if (!b)
		return;
	set = json_object_new_object();
	put_str(set, "channel", scp_field_enum(r, b, "channel", true, channels));
	put_str(set, "customer_name", scp_field_str(r, b, "customer_name", true, 1, 200));
	put_str(set, "customer_id", scp_field_str(r, b, "customer_id", false, 1, 200));
	if (!(d = fields_text(r, set)))
		return;
	res = scp_q(r, "shop_conv_open", r->params[0], r->auth.user_id, d);
	if (res)
		scp_send(r, strcmp(PQgetvalue(res, 0, 0), "t") ? 200 : 201, PQgetvalue(res, 0, 1),
			 (size_t)PQgetlength(res, 0, 1));
}

/* tags: at most 20 distinct strings of 1..50 characters. */
static void copy_tags(struct scp_req *r, json_object *v, json_object *set)
{
	json_object *out = scp_field_tags(r, v, "tags", TAGS_MAX, TAG_MAX);

	if (out)
		json_object_object_add(set, "tags", out);
}

/* Partial: status, assignee_id (a UUID or null), tags, notes (null clears), booleans. */
void shop_conversation_update(struct scp_req *r)
{
	json_object *b = scp_req_json(r), *set, *v;
	const char *d, *s;
	PGresult *res;

	if (!b)
		return;
	set = json_object_new_object();
	put_str(set, "status", scp_field_enum(r, b, "status", false, statuses));
	if (json_object_object_get_ex(b, "assignee_id", &v)) {
		if (!v)
			json_object_object_add(set, "assignee_id", NULL);
		else if ((s = scp_field_str(r, b, "assignee_id", false, 1, 64)) &&
			 !scp_valid_uuid(s))
			scp_field_error(r, "assignee_id", "must be a UUID");
		else
			put_str(set, "assignee_id", s);
	}
	if (json_object_object_get_ex(b, "tags", &v))
		copy_tags(r, v, set);
	if (json_object_object_get_ex(b, "notes", &v)) {
		if (!v)
			put_str(set, "notes", "");
		else
			put_str(set, "notes", scp_field_str(r, b, "notes", false, 0, TEXT_MAX));
	}
	copy_bool(r, b, "is_ai_active", set);
	copy_bool(r, b, "is_read", set);
	if (!(d = fields_text(r, set)))
		return;
	res = scp_q(r, "shop_conv_update", r->params[0], r->auth.user_id, r->params[1], d);
	if (res)
		scp_send_row_json(r, 200, res);
}

void shop_messages_list(struct scp_req *r)
{
	struct scp_page pg;
	const char *before;
	PGresult *res;

	if (!scp_page_parse(r, &pg) || !scp_query_uuid(r, "before", &before))
		return;
	res = scp_q(r, "shop_msg_page", r->params[0], r->auth.user_id, r->params[1], before,
		    pg.page_text, pg.size_text);
	if (res)
		scp_send_row_json(r, 200, res);
}

/* One string member of the attachment, errors named "attachment.<key>". */
static const char *attachment_str(struct scp_req *r, json_object *a, const char *key,
				  bool required, size_t max)
{
	json_object *v = scp_json_get(a, key);
	const char *field = scp_arena_printf(r->arena, "attachment.%s", key);
	const char *s;

	if (!v) {
		if (required)
			scp_field_error(r, field, "is required");
		return NULL;
	}
	s = scp_json_is(v, json_type_string) ? json_object_get_string(v) : NULL;
	if (!s || !*s || scp_utf8_len(s) > max || !scp_utf8_valid(s, strlen(s)) ||
	    strlen(s) != (size_t)json_object_get_string_len(v)) {
		scp_field_error(r, field, scp_arena_printf(r->arena,
			"must be a string of 1 to %zu characters", max));
		return NULL;
	}
	return s;
}

/* attachment: {type: image|video|gif, url: issued by POST /uploads, name?} or null. */
static void copy_attachment(struct scp_req *r, json_object *b, json_object *set)
{
	json_object *a = scp_json_get(b, "attachment");
	const char *t, *u, *own = NULL;

	if (!a)
		return;
	if (!scp_json_is(a, json_type_object)) {
		scp_field_error(r, "attachment", "must be an object {type, url, name?}");
		return;
	}
	t = attachment_str(r, a, "type", true, 16);
	if (t && strcmp(t, "image") && strcmp(t, "video") && strcmp(t, "gif")) {
		scp_field_error(r, "attachment.type", "must be one of: image video gif");
		t = NULL;
	}
	u = attachment_str(r, a, "url", true, 2048);
	put_str(set, "attachment_name", attachment_str(r, a, "name", false, 200));
	if (u && !(own = scp_upload_own_url(r->arena, u, "images")))
		scp_field_error(r, "attachment.url", "must be a URL returned by POST /uploads");
	if (t && own) {
		put_str(set, "attachment_type", t);
		put_str(set, "attachment_url", own);
	}
}

/* {text, attachment?, is_note?, sender?: "seller"}: the team's message, 201. */
void shop_message_send(struct scp_req *r)
{
	static const char *const sellers[] = { "seller", NULL };
	json_object *b = scp_req_json(r), *set;
	const char *d, *text;
	PGresult *res;

	if (!b)
		return;
	set = json_object_new_object();
	/* a customer's and the AI's messages come in through their channel, never here */
	scp_field_enum(r, b, "sender", false, sellers);
	text = scp_field_str(r, b, "text", false, 0, TEXT_MAX);
	put_str(set, "text", text);
	copy_attachment(r, b, set);
	copy_bool(r, b, "is_note", set);
	if (!r->nfields && (!text || !*text) && !scp_json_get(set, "attachment_url"))
		scp_field_error(r, "text", "is required (or an attachment)");
	if (!(d = fields_text(r, set)))
		return;
	res = scp_q(r, "shop_msg_send", r->params[0], r->auth.user_id, r->params[1], d);
	if (res)
		scp_send_row_json(r, 201, res);
}
