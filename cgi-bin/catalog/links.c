/*
 * Consumer ↔ supplier links (DESIGN §6):
 *
 *   pending → accepted (approve) | rejected (reject);  accepted → blocked (block);
 *   blocked → accepted (unblock, or approve);  rejected → accepted (approve: the
 *   supplier changes its mind) | pending (the consumer asks again).
 *
 * Each move is one call of scp_link_move with the target state only; the machine
 * (state_moves) decides where it may start.  A consumer may withdraw a pending request
 * (the link is then gone).
 */
#include "catalog.h"
#include "scp_json.h"
#include "scp_page.h"
#include "scp_query.h"
#include "scp_route.h"
#include "scp_validate.h"

#include <string.h>

/* A list of links: newest request first (the id breaks ties), $3 page, $4 size. */
#define LINKS_ORDER(X) X "requested_at DESC, " X "id DESC"
#define LINKS_PAGED(FILTER) \
	SCP_PAGED("SELECT l.id, l.requested_at FROM consumer_links l" FILTER, LINKS_ORDER, \
		  "p JOIN consumer_links l ON l.id = p.id", "scp_link_json(l)", "$3", "$4")

const struct scp_stmt cat_links_stmts[] = {
	{ "link_request", "SELECT scp_link_request($1, $2, $3)" },
	{ "link_move", "SELECT scp_link_move($1, $2, $3, $4, $5)" },
	{ "link_withdraw", "SELECT scp_link_withdraw($1, $2)" },
	/* $1 consumer, $2 status: blocked links are not shown. */
	{ "links_consumer",
	  LINKS_PAGED(" WHERE l.consumer_id = $1 AND l.status <> 'blocked'"
		      "   AND ($2::text IS NULL OR l.status = $2)") },
	/* $1 supplier, $2 status, $5 search (the consumer's name, company or email). */
	{ "links_supplier",
	  LINKS_PAGED(" JOIN users u ON u.id = l.consumer_id"
		      " WHERE l.supplier_id = $1 AND ($2::text IS NULL OR l.status = $2)"
		      "   AND ($5::text IS NULL OR u.email ILIKE scp_like($5)"
		      "        OR u.company_name ILIKE scp_like($5)"
		      "        OR concat_ws(' ', u.first_name, u.last_name) ILIKE scp_like($5))") },
	/* $1 supplier or NULL, $2 consumer or NULL, $3 link. */
	{ "link_get",
	  "SELECT scp_link_json(l) FROM consumer_links l"
	  " WHERE l.id = $3 AND (l.supplier_id = $1::uuid"
	  "                      OR (l.consumer_id = $2::uuid AND l.status <> 'blocked'))" },
	SCP_STMT_END,
};

/* The optional {"message": "..."} of a request; false when an answer was sent. */
static bool request_message(struct scp_req *r, const char **msg)
{
	json_object *b = scp_req_json_opt(r);

	if (!b)
		return false;
	*msg = scp_field_str(r, b, "message", false, 0, 1000);
	return !scp_fields_send(r);
}

static void link_request(struct scp_req *r, const char *supplier, const char *msg)
{
	PGresult *res = scp_q(r, "link_request", r->auth.user_id, supplier, msg);

	if (res)
		scp_send_row_json(r, 201, res);
}

void cat_link_request(struct scp_req *r)
{
	const char *msg;

	if (request_message(r, &msg))
		link_request(r, r->params[0], msg);
}

/* POST /links/requests {supplier_id, message} (seed 003). */
void cat_link_request_body(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *sup, *msg;

	if (!b)
		return;
	sup = scp_field_str(r, b, "supplier_id", true, 36, 36);
	msg = scp_field_str(r, b, "message", false, 0, 1000);
	if (sup && !scp_valid_uuid(sup))
		scp_field_error(r, "supplier_id", "must be a UUID");
	if (!scp_fields_send(r))
		link_request(r, sup, msg);
}

/*
 * ?status= among choices (NULL-terminated); NULL when absent; 400 otherwise.  Seed 003's
 * words for the same states, "approved" and "denied", are among the choices and read
 * as "accepted" and "rejected".
 */
static bool status_filter(struct scp_req *r, const char *const *choices, const char **out)
{
	if (!scp_query_enum(r, "status", choices, out))
		return false;
	if (*out && !strcmp(*out, "approved"))
		*out = "accepted";
	else if (*out && !strcmp(*out, "denied"))
		*out = "rejected";
	return true;
}

/*
 * GET /consumer/links, /consumer/link-requests: a blocked link is not shown (the
 * consumer sees nothing of that supplier), so ?status=blocked finds none.
 */
void cat_links_consumer(struct scp_req *r)
{
	static const char *const states[] = { "pending", "accepted", "rejected", "blocked",
					      "approved", "denied", NULL };
	struct scp_page pg;
	const char *st;
	PGresult *res;

	if (!scp_page_parse(r, &pg) || !status_filter(r, states, &st))
		return;
	res = scp_q(r, "links_consumer", r->auth.user_id, st, pg.page_text, pg.size_text);
	if (res)
		scp_send_row_json(r, 200, res);
}

void cat_links_supplier(struct scp_req *r)
{
	static const char *const states[] = { "pending", "accepted", "rejected", "blocked",
					      "approved", "denied", NULL };
	struct scp_page pg;
	const char *st, *q;
	PGresult *res;

	if (!scp_page_parse(r, &pg) || !status_filter(r, states, &st) ||
	    !scp_query_search(r, &q))
		return;
	res = scp_q(r, "links_supplier", r->auth.supplier_id, st, pg.page_text, pg.size_text, q);
	if (res)
		scp_send_row_json(r, 200, res);
}

void cat_links_any(struct scp_req *r)
{
	if (r->auth.role_bit == SCP_R_CONSUMER)
		cat_links_consumer(r);
	else
		cat_links_supplier(r);
}

void cat_link_get(struct scp_req *r)
{
	bool consumer = r->auth.role_bit == SCP_R_CONSUMER;
	PGresult *res = scp_q(r, "link_get", consumer ? NULL : r->auth.supplier_id,
			      consumer ? r->auth.user_id : NULL, r->params[0]);

	if (res)
		scp_send_row_json(r, 200, res);
}

/* Move link :id of the caller's supplier to state to, if the machine allows it. */
static void link_move(struct scp_req *r, const char *to)
{
	PGresult *res = scp_q(r, "link_move", r->params[0], r->auth.supplier_id,
			      r->auth.user_id, r->auth.role, to);

	if (res)
		scp_send_row_json(r, 200, res);
}

void cat_link_approve(struct scp_req *r)
{
	link_move(r, "accepted");
}

void cat_link_reject(struct scp_req *r)
{
	link_move(r, "rejected");
}

void cat_link_block(struct scp_req *r)
{
	link_move(r, "blocked");
}

void cat_link_unblock(struct scp_req *r)
{
	link_move(r, "accepted");
}

/* PATCH /links/:id/status {status} (seed 003): the target, in either vocabulary. */
void cat_link_set_status(struct scp_req *r)
{
	static const char *const targets[] = { "accepted", "approved", "rejected", "denied",
					       "blocked", NULL };
	json_object *b = scp_req_json(r);
	const char *to;

	if (!b)
		return;
	to = scp_field_enum(r, b, "status", true, targets);
	if (scp_fields_send(r))
		return;
	if (!strcmp(to, "approved"))
		to = "accepted";
	else if (!strcmp(to, "denied"))
		to = "rejected";
	link_move(r, to);
}

/* DELETE /consumer/link-requests/:id: the consumer withdraws a pending request. */
void cat_link_withdraw(struct scp_req *r)
{
	static const char ok[] = "{\"success\":true,\"message\":\"link request withdrawn\"}";

	if (scp_q(r, "link_withdraw", r->params[0], r->auth.user_id))
		scp_send(r, 200, ok, sizeof(ok) - 1);
}
