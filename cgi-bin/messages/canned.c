/*
 * Canned replies: a supplier's ready answers for its staff's conversations.  Every staff
 * member reads and writes them; owners and managers delete any, a sales rep its own.
 * Titles are unique per supplier (case-insensitively): a duplicate is 409 on "title".
 */
#include "messages.h"
#include "scp_json.h"
#include "scp_page.h"
#include "scp_query.h"
#include "scp_validate.h"

#define CANNED_BY_TITLE(X) "lower(" X "title), " X "id"

const struct scp_stmt msg_canned_stmts[] = {
	/* $1 supplier, $2 category, $3 page, $4 size. */
	{ "canned_list",
	  SCP_PAGED("SELECT c.id, c.title FROM canned_replies c WHERE c.supplier_id = $1"
		    " AND ($2::text IS NULL OR lower(c.category) = lower($2))",
		    CANNED_BY_TITLE, "p JOIN canned_replies c ON c.id = p.id", "scp_canned_json(c)",
		    "$3", "$4") },
	{ "canned_create",
	  "INSERT INTO canned_replies (supplier_id, created_by, title, content, category)"
	  " VALUES ($1, $2, $3, $4, coalesce($5, 'general')) RETURNING scp_canned_json(canned_replies)" },
	{ "canned_delete", "SELECT scp_canned_delete($1, $2, $3, $4)" },
	SCP_STMT_END,
};

void canned_list(struct scp_req *r)
{
	struct scp_page pg;
	const char *cat = scp_req_query(r, "category", NULL);
	PGresult *res;

	if (!scp_page_parse(r, &pg))
		return;
	if (cat && scp_utf8_len(cat) > 100) {
		scp_bad_request(r, "category must be at most 100 characters");
		return;
	}
	res = scp_q(r, "canned_list", r->auth.supplier_id, cat, pg.page_text, pg.size_text);
	if (res)
		scp_send_row_json(r, 200, res);
}

/* {title, content, category?} */
void canned_create(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *title, *content, *cat;
	PGresult *res;

	if (!b)
		return;
	title = scp_field_str(r, b, "title", true, 1, 200);
	content = scp_field_str(r, b, "content", true, 1, MSG_TEXT_MAX);
	cat = scp_field_str(r, b, "category", false, 1, 100);
	if (scp_fields_send(r))
		return;
	res = scp_q(r, "canned_create", r->auth.supplier_id, r->auth.user_id, title, content, cat);
	if (res)
		scp_send_row_json(r, 201, res);
}

void canned_delete(struct scp_req *r)
{
	PGresult *res = scp_q(r, "canned_delete", r->params[0], r->auth.supplier_id,
			      r->auth.user_id, r->auth.role);

	if (res)
		scp_send_row_json(r, 200, res);
}
