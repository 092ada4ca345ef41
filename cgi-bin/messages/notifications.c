/*
 * Notifications: what happened that concerns the caller (a bid on its listing, an
 * order's move, a message…), newest first, and its preferences per type and channel.
 * Every user has its own, whatever its role; another user's are not found (404).
 *
 * The rows are written by the triggers of sql/functions/87_notifications.sql, in the
 * transaction of the change they report; this file only reads them and marks them
 * read.  One handler per action serves /notifications…, /consumer/notifications… and
 * /supplier/notifications….
 */
#include "messages.h"
#include "scp_json.h"
#include "scp_kept.h"
#include "scp_page.h"
#include "scp_query.h"

#include <string.h>

/*
 * The types, for ?type=; sql/functions/87_notifications.sql is their source (its
 * notification_types rows), tests/t/messages-350-notifications.t checks both agree.
 */
static const char *const types[] = {
	"bid_placed", "outbid", "listing_approved", "listing_rejected", "auction_ending",
	"auction_won", "order_update", "task_assigned", "message", "link_request",
	"link_response", "complaint_logged", "complaint_escalated", NULL,
};

/* Newest first; the id keeps pages from overlapping. */
#define NOTIF_NEWEST(X) X "created_at DESC, " X "id DESC"
/*
 * $1 user, $2 unread only, $3 type; $4 page, $5 size.  The page's rows are cut whole,
 * in the API's columns (the view notifications_api): with no count to make over every
 * match, there is no narrow pass to join back from, and each row is its JSON as it is.
 * One statement per filter (all, unread, a type, both), each with plain conditions, so
 * that PostgreSQL keeps one generic plan per connection: a filter written "$2 IS NOT
 * TRUE OR …" would have it plan the statement again on every call (30 % of a page).
 * A parameter a shape does not filter by is typed by a condition that folds to true.
 * The second column is the version of the caller's notifications, read in the same
 * snapshot, for the kept pages (notif_kept).
 */
#define NOTIF_UNUSED2 " AND ($2::boolean IS NULL OR true)"
#define NOTIF_UNUSED3 " AND ($3::text IS NULL OR true)"
/* The version of the caller's notifications (sql/097): it rises with every change. */
#define NOTIF_VERSION "coalesce(sum(c.changes), 0)::bigint"
#define NOTIF_LIST(COND) \
	SCP_PAGE_CUT("SELECT v.* FROM notifications_api v WHERE v.user_id = $1" COND, \
		     NOTIF_NEWEST, "$4", "$5") \
	" SELECT" SCP_PAGE_JSON_WITH("$4", "$5", "'unread_count'", "to_json(pg.unread)") \
	", pg.v" \
	SCP_PAGE_FROM_KEPT("p", "p", NOTIF_NEWEST, \
			   "SELECT coalesce(sum(CASE WHEN $2::boolean IS TRUE THEN c.unread" \
			   "  ELSE c.total END) FILTER (WHERE $3::text IS NULL OR c.type = $3)," \
			   "  0)::bigint AS n, coalesce(sum(c.unread), 0)::bigint AS unread," \
			   "  " NOTIF_VERSION " AS v" \
			   " FROM notification_counts c WHERE c.user_id = $1")

const struct scp_stmt msg_notifications_stmts[] = {
	/*
	 * The page, with the caller's unread count (of every type) beside it; both counts
	 * are sums of the caller's few notification_counts rows (one per type).
	 */
	{ "notif_list_all", NOTIF_LIST(NOTIF_UNUSED2 NOTIF_UNUSED3) },
	{ "notif_list_unread", NOTIF_LIST(" AND NOT v.is_read" NOTIF_UNUSED3) },
	{ "notif_list_type", NOTIF_LIST(NOTIF_UNUSED2 " AND v.type = $3") },
	{ "notif_list_unread_type", NOTIF_LIST(" AND NOT v.is_read AND v.type = $3") },
	{ "notif_version",
	  "SELECT " NOTIF_VERSION " FROM notification_counts c WHERE c.user_id = $1" },
	/* Reading again keeps the first read_at. */
	{ "notif_read",
	  "UPDATE notifications SET is_read = true, read_at = coalesce(read_at, now())"
	  " WHERE id = $1 AND user_id = $2 RETURNING scp_notification_json(notifications)" },
	{ "notif_read_all",
	  "WITH m AS (UPDATE notifications SET is_read = true, read_at = now()"
	  "  WHERE user_id = $1 AND NOT is_read RETURNING 1)"
	  " SELECT json_build_object('success', true, 'marked_count', count(*)) FROM m" },
	{ "notif_prefs", "SELECT scp_notification_prefs($1)" },
	{ "notif_prefs_set", "SELECT prefs, errors FROM scp_notification_prefs_set($1, $2::jsonb)" },
	SCP_STMT_END,
};

/*
 * The caller's pages this worker keeps (scp_kept.h), named by the user and the filter,
 * each with the version of the user's notifications it was read at (sql/097): a client
 * polling its notifications while nothing changed costs one small statement, and any
 * insert, read or delete of them is seen by the next request on every worker.  A
 * page filtered by type has a name too long for a slot and is read every time.
 */
SCP_KEPT_DEFINE(notif_pages, 64);

static void notif_kept(struct scp_req *r, const char *stmt, const char *unread,
		       const char *type, const struct scp_page *pg)
{
	const char *name = scp_arena_printf(r->arena, "%s%s%s", r->auth.user_id,
					    unread && !strcmp(unread, "t") ? "u" : "a",
					    type ? type : "");
	const struct scp_kept_page *kept = scp_kept_find(&notif_pages, name, pg->page, pg->size);
	PGresult *res;

	if (kept) {
		if (!(res = scp_q(r, "notif_version", r->auth.user_id)))
			return;
		if (!strcmp(PQgetvalue(res, 0, 0), kept->version)) {
			scp_send(r, 200, kept->body, kept->len);
			return;
		}
	}
	if (!(res = scp_q(r, stmt, r->auth.user_id, unread, type, pg->page_text, pg->size_text)))
		return;
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		scp_kept_keep(&notif_pages, name, pg->page, pg->size, PQgetvalue(res, 0, 1), 0,
			      PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
	scp_send_row_json(r, 200, res);
}

/* ?unread_only, ?type, pages. */
void notif_list(struct scp_req *r)
{
	struct scp_page pg;
	const char *unread, *type, *stmt;

	if (!scp_page_parse(r, &pg) || !scp_query_bool(r, "unread_only", &unread) ||
	    !scp_query_enum(r, "type", types, &type))
		return;
	if (unread && !strcmp(unread, "t"))
		stmt = type ? "notif_list_unread_type" : "notif_list_unread";
	else
		stmt = type ? "notif_list_type" : "notif_list_all";
	notif_kept(r, stmt, unread, type, &pg);
}

void notif_read(struct scp_req *r)
{
	PGresult *res = scp_q(r, "notif_read", r->params[0], r->auth.user_id);

	if (res)
		scp_send_row_json(r, 200, res);
}

/* {success: true, marked_count}: how many were unread. */
void notif_read_all(struct scp_req *r)
{
	PGresult *res = scp_q(r, "notif_read_all", r->auth.user_id);

	if (res)
		scp_send_row_json(r, 200, res);
}

void notif_prefs_get(struct scp_req *r)
{
	PGresult *res = scp_q(r, "notif_prefs", r->auth.user_id);

	if (res)
		scp_send_row_json(r, 200, res);
}

/*
 * What SQL needs to check the map: its keys, and booleans as they are; any other value
 * becomes null (refused there as what it is not), so that no text of the caller's, such
 * as an escaped NUL jsonb would refuse, reaches the statement.
 */
static json_object *prefs_shape(json_object *set)
{
	json_object *out = json_object_new_object();

	json_object_object_foreach(set, type, chans) {
		json_object *c = NULL;

		if (json_object_is_type(chans, json_type_object)) {
			c = json_object_new_object();
			json_object_object_foreach(chans, ch, v)
				json_object_object_add(c, ch, json_object_is_type(v, json_type_boolean)
						   ? json_object_get(v) : NULL);
		}
		json_object_object_add(out, type, c);
	}
	return out;
}

/*
 * A partial map {type: {in_app?, whatsapp?}}, bare or as {preferences: {…}}; answers
 * every type's channels.  An unknown type or channel, or a value that is not a
 * boolean, is 422 naming it ("outbid.in_app") and changes nothing.
 */
void notif_prefs_set(struct scp_req *r)
{
	json_object *b = scp_req_json(r), *set, *shape;
	const char *text;
	PGresult *res;

	if (!b)
		return;
	set = b;
	if (json_object_object_get_ex(b, "preferences", &set) &&
	    !json_object_is_type(set, json_type_object)) {
		scp_field_error(r, "preferences", "must be an object of types");
		scp_fields_send(r);
		return;
	}
	if (!set)
		set = b;
	if (!json_object_is_type(set, json_type_object)) {
		scp_field_error(r, "body", "must be an object of types");
		scp_fields_send(r);
		return;
	}
	shape = prefs_shape(set);
	text = scp_arena_strdup(r->arena, json_object_to_json_string_ext(shape, JSON_C_TO_STRING_PLAIN));
	json_object_put(shape);
	res = scp_q(r, "notif_prefs_set", r->auth.user_id, text);
	if (!res)
		return;
	if (!PQgetisnull(res, 0, 1))
		scp_send_error(r, 422, "VALIDATION_ERROR", "the request has invalid fields",
			       scp_arena_printf(r->arena, "{\"fields\":%s}", PQgetvalue(res, 0, 1)));
	else
		scp_send(r, 200, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
}
