/*
 * The caller's own pickup tasks: GET /agent/tasks (with a summary of its commission
 * and open tasks), GET /agent/tasks/:id, and the moves accept, start, complete and
 * fail.  SQL checks each move and who may make it (scp_agent_task_move).
 */
#include "agents.h"
#include "scp_buf.h"
#include "scp_json.h"
#include "scp_page.h"
#include "scp_query.h"
#include "scp_validate.h"

#include <string.h>

#define MAX_PHOTOS 10

/* The work in hand first, then the newest; the id keeps pages from overlapping. */
#define TASKS_IN_HAND(X) \
	"CASE " X "status WHEN 'in_progress' THEN 0 WHEN 'accepted' THEN 1" \
	" WHEN 'assigned' THEN 2 ELSE 3 END, " X "assigned_at DESC, " X "id"

const struct scp_stmt agents_tasks_stmts[] = {
	/* $1 agent, $2 status, $3 priority, $4 date, $5 page, $6 size.  "Today" is India's. */
	{ "tasks_list",
	  SCP_PAGE_WITH("SELECT t.id, t.status, t.assigned_at FROM agent_tasks t"
			" WHERE t.agent_id = $1::uuid"
			" AND ($2::text IS NULL OR t.status = $2)"
			" AND ($3::text IS NULL OR t.priority = $3)"
			" AND ($4::date IS NULL"
			"  OR (t.assigned_at AT TIME ZONE 'Asia/Kolkata')::date = $4"
			"  OR (t.scheduled_at AT TIME ZONE 'Asia/Kolkata')::date = $4)",
			TASKS_IN_HAND, "$5", "$6")
	  " SELECT scp_au_extend(" SCP_PAGE_JSON("$5", "$6") ","
	  "  (SELECT json_build_object("
	  "   'total_commission', scp_au_money(coalesce(sum(commission_amount)"
	  "    FILTER (WHERE status = 'completed'), 0)),"
	  "   'completed_today', count(*) FILTER (WHERE status = 'completed' AND completed_at"
	  "    >= date_trunc('day', now() AT TIME ZONE 'Asia/Kolkata') AT TIME ZONE 'Asia/Kolkata'),"
	  "   'open_tasks', count(*) FILTER (WHERE status IN " AGENTS_OPEN "))"
	  "   FROM agent_tasks WHERE agent_id = $1::uuid))"
	  SCP_PAGE_FROM("p JOIN agent_tasks t ON t.id = p.id", "scp_task_json(t)",
			TASKS_IN_HAND) },
	{ "task_get",
	  "SELECT scp_task_json(t) FROM agent_tasks t WHERE t.id = $1::uuid AND t.agent_id = $2::uuid" },
	{ "task_move",
	  "SELECT scp_agent_task_move($1, $2, $3, $4, CASE WHEN $5::jsonb IS NOT NULL THEN"
	  " ARRAY(SELECT jsonb_array_elements_text($5::jsonb)) END, $6)" },
	/*
	 * task_move to completed, an accepted task first moved to in_progress: one
	 * statement, so a refused completion (the order not delivered) undoes the start.
	 * The subquery's one row exists before the outer move runs; each move locks the
	 * task and checks its state, so a concurrent move can only lose cleanly.
	 */
	{ "task_start_complete",
	  "SELECT scp_agent_task_move($1, $2, 'completed', $3, CASE WHEN $4::jsonb IS NOT NULL"
	  " THEN ARRAY(SELECT jsonb_array_elements_text($4::jsonb)) END, NULL)"
	  " FROM (SELECT count(scp_agent_task_move(t.id, t.agent_id, 'in_progress', NULL, NULL,"
	  "  NULL)) FROM agent_tasks t"
	  "  WHERE t.id = $1::uuid AND t.agent_id = $2::uuid AND t.status = 'accepted') started" },
	SCP_STMT_END,
};

void agents_tasks_list(struct scp_req *r)
{
	static const char *const statuses[] = { "assigned", "accepted", "in_progress",
						"completed", "failed", NULL };
	static const char *const priorities[] = { "high", "normal", "low", NULL };
	const char *status, *prio, *date;
	struct scp_page pg;
	PGresult *res;

	if (!scp_query_enum(r, "status", statuses, &status) ||
	    !scp_query_enum(r, "priority", priorities, &prio) ||
	    !scp_query_date(r, "date", &date) || !scp_page_parse(r, &pg))
		return;
	res = scp_q(r, "tasks_list", r->auth.user_id, status, prio, date, pg.page_text,
		    pg.size_text);
	if (res)
		scp_send_row_json(r, 200, res);
}

void agents_tasks_get(struct scp_req *r)
{
	PGresult *res = scp_q(r, "task_get", r->params[0], r->auth.user_id);

	if (res)
		scp_send_row_json(r, 200, res);
}

static void move(struct scp_req *r, const char *to, const char *notes, const char *photos,
		 const char *reason)
{
	PGresult *res = scp_q(r, "task_move", r->params[0], r->auth.user_id, to, notes, photos,
			      reason);

	if (res)
		scp_send_row_json(r, 200, res);
}

void agents_tasks_accept(struct scp_req *r)
{
	move(r, "accepted", NULL, NULL, NULL);
}

void agents_tasks_start(struct scp_req *r)
{
	move(r, "in_progress", NULL, NULL, NULL);
}

/* verification_photos: up to 10 URLs of uploaded images, as a JSON array text. */
static const char *photos(struct scp_req *r, json_object *b)
{
	json_object *v = scp_json_get(b, "verification_photos");
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

/*
 * The bodies of complete and fail are optional: an empty body is {}.  A dialect with no
 * start move (SELLIKO's guide) completes an accepted task through in_progress.
 */
void agents_tasks_complete(struct scp_req *r)
{
	json_object *b = scp_req_json_opt(r);
	const char *notes, *ph;
	PGresult *res;

	if (!b)
		return;
	notes = scp_field_str(r, b, "notes", false, 0, 2000);
	ph = photos(r, b);
	if (scp_fields_send(r))
		return;
	if (!r->profile || !r->profile->task_start_on_complete) {
		move(r, "completed", notes, ph, NULL);
		return;
	}
	res = scp_q(r, "task_start_complete", r->params[0], r->auth.user_id, notes, ph);
	if (res)
		scp_send_row_json(r, 200, res);
}

void agents_tasks_fail(struct scp_req *r)
{
	json_object *b = scp_req_json_opt(r);
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
