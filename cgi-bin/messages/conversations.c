/*
 * Conversations: a consumer opens one with a supplier it is linked to (optionally about
 * one of its orders with it, and with a named sales rep); every staff member of that
 * supplier takes part.  Lists are newest activity first, with each side's unread count.
 * Staff keep a status (open, pending, closed), an assignee, tags and notes on it; a
 * consumer may close it.  The rules are in sql/functions/85_messages.sql.
 */
#include "messages.h"
#include "scp_json.h"
#include "scp_page.h"
#include "scp_query.h"
#include "scp_route.h"
#include "scp_upload.h"
#include "scp_validate.h"

#include <string.h>

#define TAGS_MAX 20
#define TAG_MAX 50

static const char *const statuses[] = { "open", "pending", "closed", NULL };

/* Latest activity first; the id keeps pages from overlapping. */
#define CONV_RECENT(X) X "last_activity_at DESC, " X "id DESC"
#define CONV_KEYS "SELECT c.id, c.last_activity_at FROM conversations c"
/*
 * $2 status, $3 unread only (a message of the OTHER_SIDE the caller's has not read, by
 * the unread index), $4 the other party; $5 page, $6 size.
 */
#define CONV_FILTERS(OTHER_SIDE, OTHER) \
	" AND ($2::text IS NULL OR c.status = $2)" \
	" AND ($3::boolean IS NOT TRUE OR EXISTS (SELECT 1 FROM chat_messages m" \
	"  WHERE m.conversation_id = c.id AND m.sender_side = '" OTHER_SIDE "'" \
	"  AND NOT m.is_read))" \
	" AND ($4::uuid IS NULL OR c." OTHER " = $4)"
#define CONV_PAGE(FILTER, SIDE) \
	SCP_PAGED(FILTER, CONV_RECENT, "p JOIN conversations c ON c.id = p.id", \
		  "scp_conversation_json(c, '" SIDE "')", "$5", "$6")

const struct scp_stmt msg_conversations_stmts[] = {
	/* A consumer does not see the conversations of a supplier that blocked it. */
	{ "conv_list_consumer",
	  CONV_PAGE(CONV_KEYS " WHERE c.consumer_id = $1" CONV_FILTERS("supplier", "supplier_id")
		    " AND NOT EXISTS (SELECT 1 FROM consumer_links l WHERE l.consumer_id = $1"
		    "  AND l.supplier_id = c.supplier_id AND l.status = 'blocked')",
		    "consumer") },
	/* $7 the assignee. */
	{ "conv_list_supplier",
	  CONV_PAGE(CONV_KEYS " WHERE c.supplier_id = $1" CONV_FILTERS("consumer", "consumer_id")
		    " AND ($7::uuid IS NULL OR c.assignee_id = $7)",
		    "supplier") },
	{ "conv_open", "SELECT created, body FROM scp_conversation_open($1, $2, $3, $4)" },
	{ "conv_get",
	  "SELECT scp_conversation_json(c, $4) FROM conversations c"
	  " WHERE c.id = $1 AND scp_conversation_visible(c, $2, $3)" },
	{ "conv_update", "SELECT scp_conversation_update($1, $2, $3, $4::jsonb)" },
	SCP_STMT_END,
};

struct msg_scope msg_scope(const struct scp_req *r)
{
	if (r->auth.role_bit == SCP_R_CONSUMER)
		return (struct msg_scope){ r->auth.user_id, NULL, "consumer" };
	return (struct msg_scope){ NULL, r->auth.supplier_id, "supplier" };
}

const char *msg_own_url(struct scp_req *r, const char *url)
{
	const char *u = scp_upload_own_url(r->arena, url, "images");

	return u ? u : scp_upload_own_url(r->arena, url, MSG_FILE_DIR);
}

bool msg_field_uuid(struct scp_req *r, json_object *b, const char *field, bool required,
		    const char **out)
{
	*out = scp_field_str(r, b, field, required, 1, 64);
	if (*out && !scp_valid_uuid(*out)) {
		scp_field_error(r, field, "must be a UUID");
		*out = NULL;
		return false;
	}
	return true;
}

void msg_conv_list(struct scp_req *r)
{
	struct msg_scope sc = msg_scope(r);
	struct scp_page pg;
	const char *st, *unread, *other, *assignee = NULL;
	PGresult *res;

	if (!scp_page_parse(r, &pg) || !scp_query_enum(r, "status", statuses, &st) ||
	    !scp_query_bool(r, "unread_only", &unread) ||
	    !scp_query_uuid(r, sc.consumer ? "supplier_id" : "consumer_id", &other) ||
	    (!sc.consumer && !scp_query_uuid(r, "assignee_id", &assignee)))
		return;
	if (sc.consumer)
		res = scp_q(r, "conv_list_consumer", sc.consumer, st, unread, other,
			    pg.page_text, pg.size_text);
	else
		res = scp_q(r, "conv_list_supplier", sc.supplier, st, unread, other,
			    pg.page_text, pg.size_text, assignee);
	if (res)
		scp_send_row_json(r, 200, res);
}

/* {supplier_id, order_id?, sales_rep_id?} or {order_id}: 201 when new, 200 when found. */
void msg_conv_open(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *sup, *order, *rep;
	PGresult *res;

	if (!b)
		return;
	msg_field_uuid(r, b, "supplier_id", false, &sup);
	msg_field_uuid(r, b, "order_id", false, &order);
	msg_field_uuid(r, b, "sales_rep_id", false, &rep);
	if (!r->nfields && !sup && !order)
		scp_field_error(r, "supplier_id", "is required (or order_id)");
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "conv_open", r->auth.user_id, sup, order, rep);
	if (res)
		scp_send(r, strcmp(PQgetvalue(res, 0, 0), "t") ? 200 : 201, PQgetvalue(res, 0, 1),
			 (size_t)PQgetlength(res, 0, 1));
}

void msg_conv_get(struct scp_req *r)
{
	struct msg_scope sc = msg_scope(r);
	PGresult *res = scp_q(r, "conv_get", r->params[0], sc.consumer, sc.supplier, sc.side);

	if (res)
		scp_send_row_json(r, 200, res);
}

/* tags: at most 20 distinct strings of 1..50 characters, copied into set. */
static void copy_tags(struct scp_req *r, json_object *v, json_object *set)
{
	json_object *out = scp_field_tags(r, v, "tags", TAGS_MAX, TAG_MAX);

	if (out)
		json_object_object_add(set, "tags", out);
}

/* Staff fields: assignee_id (a UUID or null), tags, notes (null clears). */
static void copy_staff_fields(struct scp_req *r, json_object *b, json_object *set)
{
	json_object *v;
	const char *s;

	if (json_object_object_get_ex(b, "assignee_id", &v)) {
		if (!v)
			json_object_object_add(set, "assignee_id", NULL);
		else if (msg_field_uuid(r, b, "assignee_id", false, &s) && s)
			json_object_object_add(set, "assignee_id", json_object_new_string(s));
	}
	if (json_object_object_get_ex(b, "tags", &v))
		copy_tags(r, v, set);
	if (json_object_object_get_ex(b, "notes", &v)) {
		if (!v)
			json_object_object_add(set, "notes", NULL);
		else if ((s = scp_field_str(r, b, "notes", false, 0, MSG_TEXT_MAX)))
			json_object_object_add(set, "notes", json_object_new_string(s));
	}
}

/* A consumer may only close: any staff field, or another status, is refused. */
static bool consumer_may(struct scp_req *r, json_object *b, const char *st)
{
	static const char *const staff_only[] = { "assignee_id", "tags", "notes" };

	for (size_t i = 0; i < sizeof(staff_only) / sizeof(staff_only[0]); i++)
		if (json_object_object_get_ex(b, staff_only[i], NULL)) {
			scp_forbidden(r, "only supplier staff set the assignee, tags and notes");
			return false;
		}
	if (st && strcmp(st, "closed")) {
		scp_forbidden(r, "a consumer may only close a conversation");
		return false;
	}
	return true;
}

void msg_conv_update(struct scp_req *r)
{
	struct msg_scope sc = msg_scope(r);
	json_object *b = scp_req_json(r), *set;
	const char *st, *text;
	PGresult *res;

	if (!b)
		return;
	st = scp_field_enum(r, b, "status", false, statuses);
	if (scp_fields_send(r) || (sc.consumer && !consumer_may(r, b, st)))
		return;
	set = json_object_new_object();
	if (st)
		json_object_object_add(set, "status", json_object_new_string(st));
	if (!sc.consumer)
		copy_staff_fields(r, b, set);
	if (!r->nfields && !json_object_object_length(set))
		scp_field_error(r, "body", "send status, assignee_id, tags or notes");
	text = scp_arena_strdup(r->arena, json_object_to_json_string_ext(set, JSON_C_TO_STRING_PLAIN));
	json_object_put(set);
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "conv_update", r->params[0], sc.consumer, sc.supplier, text);
	if (res)
		scp_send_row_json(r, 200, res);
}
