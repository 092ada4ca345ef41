/*
 * Complaints: filed by a consumer (about an order, a conversation or a linked
 * supplier) or logged by supplier staff from a conversation; read by both sides; moved
 * by the supplier's staff along open → escalated → resolved → closed (or open →
 * resolved).  Only a sales rep escalates, which notifies the supplier's channel; a
 * resolution has at least 10 characters.  The rules: sql/functions/86_complaints.sql.
 */
#include "messages.h"
#include "scp_json.h"
#include "scp_page.h"
#include "scp_query.h"
#include "scp_validate.h"

#include <string.h>

#define ATTACHMENTS_MAX 10
#define TITLE_MAX 200
#define RESOLUTION_MIN 10

static const char *const priorities[] = { "low", "medium", "high", "urgent", NULL };
static const char *const statuses[] = { "open", "escalated", "resolved", "closed", NULL };

#define CMP_NEWEST(X) X "created_at DESC, " X "id DESC"
/* $1 the consumer or the supplier, $2 status, $3 priority, $4 page, $5 size. */
#define CMP_PAGE(SCOPE) \
	SCP_PAGED("SELECT k.id, k.created_at FROM complaints k WHERE k." SCOPE " = $1" \
		  " AND ($2::text IS NULL OR k.status = $2)" \
		  " AND ($3::text IS NULL OR k.priority = $3)", \
		  CMP_NEWEST, "p JOIN complaints k ON k.id = p.id", "scp_complaint_json(k)", \
		  "$4", "$5")

const struct scp_stmt msg_complaints_stmts[] = {
	{ "cmp_file",
	  "SELECT scp_complaint_file($1, $2, $3, $4, $5, $6, $7, $8::text[])" },
	{ "cmp_log",
	  "SELECT scp_complaint_log($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text[])" },
	{ "cmp_list_consumer", CMP_PAGE("consumer_id") },
	{ "cmp_list_supplier", CMP_PAGE("supplier_id") },
	{ "cmp_get",
	  "SELECT scp_complaint_full(k) FROM complaints k"
	  " WHERE k.id = $1 AND (k.consumer_id = $2::uuid OR k.supplier_id = $3::uuid)" },
	{ "cmp_move", "SELECT scp_complaint_move($1, $2, $3, $4, $5, $6)" },
	SCP_STMT_END,
};

/* attachments: up to 10 URLs this system issued, as an array literal (NULL: none). */
static const char *attachments(struct scp_req *r, json_object *b)
{
	json_object *v = scp_json_get(b, "attachments");
	struct scp_buf out = SCP_BUF_INIT;
	const char *lit;
	size_t n;

	if (!v)
		return NULL;
	if (!scp_json_is(v, json_type_array) || (n = json_object_array_length(v)) > ATTACHMENTS_MAX) {
		scp_field_error(r, "attachments", "must be an array of at most 10 URLs");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		json_object *u = json_object_array_get_idx(v, i);
		const char *s = scp_json_is(u, json_type_string) ? json_object_get_string(u) : NULL;

		/* Stored URLs are /media/<dir>/<hex>.<ext>: nothing to quote in the literal. */
		if (!s || strlen(s) > 2048 || !(s = msg_own_url(r, s))) {
			scp_field_error(r, scp_arena_printf(r->arena, "attachments[%zu]", i),
					"must be a URL issued by POST /uploads");
			continue;
		}
		scp_buf_addf(&out, "%s%s", out.len ? "," : "", s);
	}
	lit = scp_arena_printf(r->arena, "{%s}", out.ptr);
	scp_buf_release(&out);
	return lit;
}

/* The fields every new complaint has. */
struct complaint {
	const char *title, *description, *priority, *attachments, *order, *conversation;
};

static void read_complaint(struct scp_req *r, json_object *b, struct complaint *c)
{
	c->title = scp_field_str(r, b, "title", true, 1, TITLE_MAX);
	c->description = scp_field_str(r, b, "description", true, 1, MSG_TEXT_MAX);
	c->priority = scp_field_enum(r, b, "priority", false, priorities);
	c->attachments = attachments(r, b);
	msg_field_uuid(r, b, "order_id", false, &c->order);
}

/* POST /complaints (a consumer). */
void cmp_file(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	struct complaint c;
	const char *sup;
	PGresult *res;

	if (!b)
		return;
	read_complaint(r, b, &c);
	msg_field_uuid(r, b, "supplier_id", false, &sup);
	msg_field_uuid(r, b, "conversation_id", false, &c.conversation);
	if (!r->nfields && !sup && !c.order && !c.conversation)
		scp_field_error(r, "supplier_id", "is required (or order_id or conversation_id)");
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "cmp_file", r->auth.user_id, sup, c.conversation, c.order, c.title,
		    c.description, c.priority, c.attachments);
	if (res)
		scp_send_row_json(r, 201, res);
}

/* POST /supplier/complaints (staff, from a conversation). */
void cmp_log(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	struct complaint c;
	const char *consumer;
	PGresult *res;

	if (!b)
		return;
	read_complaint(r, b, &c);
	msg_field_uuid(r, b, "conversation_id", true, &c.conversation);
	msg_field_uuid(r, b, "consumer_id", true, &consumer);
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "cmp_log", r->auth.supplier_id, r->auth.user_id, r->auth.role,
		    c.conversation, consumer, c.order, c.title, c.description, c.priority,
		    c.attachments);
	if (res)
		scp_send_row_json(r, 201, res);
}

void cmp_list(struct scp_req *r)
{
	struct msg_scope sc = msg_scope(r);
	struct scp_page pg;
	const char *st, *prio;
	PGresult *res;

	if (!scp_page_parse(r, &pg) || !scp_query_enum(r, "status", statuses, &st) ||
	    !scp_query_enum(r, "priority", priorities, &prio))
		return;
	res = scp_q(r, sc.consumer ? "cmp_list_consumer" : "cmp_list_supplier",
		    sc.consumer ? sc.consumer : sc.supplier, st, prio, pg.page_text, pg.size_text);
	if (res)
		scp_send_row_json(r, 200, res);
}

void cmp_get(struct scp_req *r)
{
	struct msg_scope sc = msg_scope(r);
	PGresult *res = scp_q(r, "cmp_get", r->params[0], sc.consumer, sc.supplier);

	if (res)
		scp_send_row_json(r, 200, res);
}

static void move(struct scp_req *r, const char *to, const char *resolution)
{
	PGresult *res = scp_q(r, "cmp_move", r->params[0], r->auth.supplier_id, r->auth.user_id,
			      r->auth.role, to, resolution);

	if (res)
		scp_send_row_json(r, 200, res);
}

/* The resolution text: "resolution", or the portal's "resolution_notes". */
static const char *resolution(struct scp_req *r, json_object *b, bool required)
{
	const char *field = "resolution";

	if (!scp_json_get(b, field) && scp_json_get(b, "resolution_notes"))
		field = "resolution_notes";
	return scp_field_str(r, b, field, required, RESOLUTION_MIN, MSG_TEXT_MAX);
}

/* PUT·PATCH /supplier/complaints/:id, PATCH /complaints/:id/status: {status, resolution?}. */
void cmp_update(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *st, *why;

	if (!b)
		return;
	st = scp_field_enum(r, b, "status", true, statuses);
	why = resolution(r, b, st && !strcmp(st, "resolved"));
	if (!scp_fields_send(r))
		move(r, st, why);
}

void cmp_escalate(struct scp_req *r)
{
	if (scp_req_json_opt(r))
		move(r, "escalated", NULL);
}

/* {resolution} of at least 10 characters. */
void cmp_resolve(struct scp_req *r)
{
	json_object *b = scp_req_json_opt(r);
	const char *why;

	if (!b)
		return;
	why = resolution(r, b, true);
	if (!scp_fields_send(r))
		move(r, "resolved", why);
}

void cmp_close(struct scp_req *r)
{
	if (scp_req_json_opt(r))
		move(r, "closed", NULL);
}
