/*
 * scp-agents: the field agents' pickup tasks (their own list and its moves) and the
 * admin's view of the agents.  The task state machine (assigned → accepted →
 * in_progress → completed | failed) is scp_agent_task_move() in sql/003_auctions.sql.
 */
#include "scp_app.h"
#include "scp_http.h"
#include "scp_buf.h"
#include "scp_json.h"
#include "scp_page.h"
#include "scp_validate.h"

#include <stdio.h>
#include <string.h>

#define MAX_PHOTOS 10

static void tasks_list(struct scp_req *r)
{
	static const char *const statuses[] = { "assigned", "accepted", "in_progress",
						"completed", "failed", NULL };
	static const char *const priorities[] = { "high", "normal", "low", NULL };
	const char *status = scp_req_query(r, "status", NULL), *prio = scp_req_query(r, "priority", NULL), *date = scp_req_query(r, "date", NULL);
	struct scp_page pg;
	PGresult *res;

	if (status && !scp_str_in(status, statuses)) {
		scp_bad_request(r, "status must be assigned, accepted, in_progress, completed or failed");
		return;
	}
	if (prio && !scp_str_in(prio, priorities)) {
		scp_bad_request(r, "priority must be high, normal or low");
		return;
	}
	if (date && !scp_valid_date(date)) {
		scp_bad_request(r, "date must be YYYY-MM-DD");
		return;
	}
	if (!scp_page_parse(r, &pg))
		return;
	res = scp_q(r, "tasks_list", r->auth.user_id, status, prio, date, pg.page_text,
		    pg.size_text);
	if (res)
		scp_send_row_json(r, 200, res);
}

static const char *task_id(struct scp_req *r)
{
	if (!scp_valid_uuid(r->params[0])) {
		scp_not_found(r);
		return NULL;
	}
	return r->params[0];
}

static void tasks_get(struct scp_req *r)
{
	const char *id = task_id(r);
	PGresult *res;

	if (id && (res = scp_q(r, "task_get", id, r->auth.user_id)))
		scp_send_row_json(r, 200, res);
}

static void move(struct scp_req *r, const char *to, const char *notes, const char *photos,
		 const char *reason)
{
	const char *id = task_id(r);
	PGresult *res;

	if (id && (res = scp_q(r, "task_move", id, r->auth.user_id, to, notes, photos, reason)))
		scp_send_row_json(r, 200, res);
}

static void tasks_accept(struct scp_req *r)
{
	move(r, "accepted", NULL, NULL, NULL);
}

static void tasks_start(struct scp_req *r)
{
	move(r, "in_progress", NULL, NULL, NULL);
}

/* The body of complete/fail, optional: an empty body is {}. */
static json_object *body(struct scp_req *r)
{
	const char *cl = scp_req_param(r, "CONTENT_LENGTH");

	if ((!cl || !*cl || !strcmp(cl, "0")) && !r->json)
		return r->json = json_object_new_object();
	return scp_req_json(r);
}

/* verification_photos: up to 10 URLs of uploaded images, as a JSON array text. */
static const char *photos(struct scp_req *r, json_object *b)
{
	const char *field = scp_json_get(b, "verification_photos") ? "verification_photos"
								   : "verificationPhotos";
	json_object *v = scp_json_get(b, field);
	struct scp_buf out = SCP_BUF_INIT;
	const char *text;
	size_t n;

	if (!v)
		return NULL;
	if (!json_object_is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) > MAX_PHOTOS) {
		scp_field_error(r, "verification_photos", "must be an array of at most 10 URLs");
		return NULL;
	}
	scp_buf_addc(&out, '[');
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(v, i);
		const char *u = json_object_is_type(e, json_type_string) ?
			json_object_get_string(e) : NULL;

		if (!u || strlen(u) > 2048 || strlen(u) != (size_t)json_object_get_string_len(e) ||
		    (strncmp(u, "/media/", 7) && strncmp(u, "https://", 8))) {
			scp_field_error(r, "verification_photos",
					"each must be an uploaded image URL (/media/… or https://…)");
			break;
		}
		if (i)
			scp_buf_addc(&out, ',');
		scp_buf_add_json_str(&out, u);
	}
	scp_buf_addc(&out, ']');
	text = scp_arena_strdup(r->arena, out.ptr);
	scp_buf_release(&out);
	return text;
}

static void tasks_complete(struct scp_req *r)
{
	json_object *b = body(r);
	const char *notes, *ph;

	if (!b)
		return;
	notes = scp_field_str(r, b, "notes", false, 0, 2000);
	ph = photos(r, b);
	if (scp_fields_send(r))
		return;
	move(r, "completed", notes, ph, NULL);
}

static void tasks_fail(struct scp_req *r)
{
	json_object *b = body(r);
	const char *reason, *notes;

	if (!b)
		return;
	reason = scp_field_str(r, b, scp_json_get(b, "reason") ? "reason" : "failure_reason",
			       false, 1, 1000);
	notes = scp_field_str(r, b, "notes", false, 0, 2000);
	if (scp_fields_send(r))
		return;
	move(r, "failed", notes, NULL, reason ? reason : notes ? notes : "no reason given");
}

static void agents_available(struct scp_req *r)
{
	struct scp_page pg;
	PGresult *res;

	if (scp_page_parse(r, &pg) && (res = scp_q(r, "agents_available", pg.page_text,
						   pg.size_text, scp_req_query(r, "search", NULL))))
		scp_send_row_json(r, 200, res);
}

#define AGENT SCP_R_AGENT

static const struct scp_route routes[] = {
	{ "GET", "/api/v1/agent/tasks", tasks_list, AGENT },
	{ "GET", "/api/v1/agent/tasks/:id", tasks_get, AGENT },
	{ "PUT", "/api/v1/agent/tasks/:id/accept", tasks_accept, AGENT },
	{ "PUT", "/api/v1/agent/tasks/:id/start", tasks_start, AGENT },
	{ "PUT", "/api/v1/agent/tasks/:id/complete", tasks_complete, AGENT },
	{ "PUT", "/api/v1/agent/tasks/:id/fail", tasks_fail, AGENT },
	{ "GET", "/api/v1/admin/agents/available", agents_available, SCP_R_ADMIN },
	{ "GET", "/api/v1/admin/agents", agents_available, SCP_R_ADMIN },
	SCP_ROUTES_END,
};

#define TASK_ORDER \
	"CASE (t).status WHEN 'in_progress' THEN 0 WHEN 'accepted' THEN 1" \
	" WHEN 'assigned' THEN 2 ELSE 3 END, (t).assigned_at DESC, (t).id"
#define OPEN "('assigned', 'accepted', 'in_progress')"

static const struct scp_stmt stmts[] = {
	/* $1 agent, $2 status, $3 priority, $4 date, $5 page, $6 size.  "Today" is India's. */
	{ "tasks_list",
	  "WITH f AS (SELECT t FROM agent_tasks t WHERE t.agent_id = $1::uuid"
	  "  AND ($2::text IS NULL OR t.status = $2) AND ($3::text IS NULL OR t.priority = $3)"
	  "  AND ($4::date IS NULL OR (t.assigned_at AT TIME ZONE 'Asia/Kolkata')::date = $4"
	  "   OR (t.scheduled_at AT TIME ZONE 'Asia/Kolkata')::date = $4)),"
	  " p AS (SELECT * FROM f ORDER BY " TASK_ORDER
	  "  LIMIT $6::int OFFSET ($5::int - 1) * $6::int)"
	  " SELECT scp_au_extend(scp_page_json((SELECT json_agg(scp_task_json(p.t) ORDER BY "
	  TASK_ORDER ") FROM p), (SELECT count(*) FROM f), $5::int, $6::int),"
	  "  (SELECT json_build_object("
	  "   'total_commission', scp_au_money(coalesce(sum(commission_amount)"
	  "    FILTER (WHERE status = 'completed'), 0)),"
	  "   'completed_today', count(*) FILTER (WHERE status = 'completed' AND completed_at"
	  "    >= date_trunc('day', now() AT TIME ZONE 'Asia/Kolkata') AT TIME ZONE 'Asia/Kolkata'),"
	  "   'open_tasks', count(*) FILTER (WHERE status IN " OPEN "))"
	  "   FROM agent_tasks WHERE agent_id = $1::uuid))" },
	{ "task_get",
	  "SELECT scp_task_json(t) FROM agent_tasks t WHERE t.id = $1::uuid AND t.agent_id = $2::uuid" },
	{ "task_move",
	  "SELECT scp_agent_task_move($1, $2, $3, $4, CASE WHEN $5::jsonb IS NOT NULL THEN"
	  " ARRAY(SELECT jsonb_array_elements_text($5::jsonb)) END, $6)" },
	/* Active agents, the least busy first. $1 page, $2 size, $3 search */
	{ "agents_available",
	  "WITH f AS (SELECT u, (SELECT count(*) FROM agent_tasks t WHERE t.agent_id = u.id"
	  "   AND t.status IN " OPEN ") AS active"
	  "  FROM users u WHERE u.role = 'agent' AND u.status = 'active'"
	  "  AND ($3::text IS NULL OR strpos(lower(concat_ws(' ', u.email, u.phone_number,"
	  "   u.first_name, u.last_name)), lower($3)) > 0)),"
	  " p AS (SELECT * FROM f ORDER BY active, (u).created_at, (u).id"
	  "  LIMIT $2::int OFFSET ($1::int - 1) * $2::int)"
	  " SELECT scp_page_json((SELECT json_agg(scp_au_extend(scp_user_json(p.u),"
	  "  (SELECT json_build_object('active_tasks', p.active, 'is_available', p.active = 0,"
	  "   'completed_tasks', count(*) FILTER (WHERE t.status = 'completed'),"
	  "   'failed_tasks', count(*) FILTER (WHERE t.status = 'failed'),"
	  "   'completion_rate', coalesce(round(100.0 * count(*) FILTER (WHERE t.status = 'completed')"
	  "    / nullif(count(*) FILTER (WHERE t.status IN ('completed', 'failed')), 0), 2), 0),"
	  "   'total_earnings', scp_au_money(coalesce(sum(t.commission_amount)"
	  "    FILTER (WHERE t.status = 'completed'), 0)),"
	  "   'rating', NULL) FROM agent_tasks t WHERE t.agent_id = (p.u).id))"
	  "  ORDER BY p.active, (p.u).created_at, (p.u).id) FROM p),"
	  "  (SELECT count(*) FROM f), $1::int, $2::int)" },
	SCP_STMT_END,
};

static const struct scp_family family = {
	.name = "agents",
	.routes = routes,
	.stmts = SCP_STMT_TABLES(stmts),
};

int main(int argc, char **argv)
{
	return scp_app_main(argc, argv, &family);
}
