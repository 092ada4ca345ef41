#include "scp_auth.h"
#include "scp_cookie.h"
#include "scp_log.h"
#include "scp_route.h"
#include "scp_token.h"
#include "scp_validate.h"

#include <string.h>
#include <strings.h>
#include <time.h>

/*
 * One indexed lookup: the session alive, the user active, and still the role and the
 * supplier the token claims.  A refusal raises SC401 (sql/functions/20_auth.sql),
 * which in a pipeline also keeps the statement behind it from running.  The raise is
 * the COALESCE's second arm, so the usual path stays one plain query, and the function
 * (VOLATILE) runs only when there is something to explain.
 */
const struct scp_stmt scp_auth_stmts[] = {
	{ "scp_auth",
	  "SELECT coalesce((SELECT u.api_view FROM sessions s JOIN users u ON u.id = s.user_id"
	  "                  WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL"
	  "                    AND s.expires_at > now() AND u.status = 'active'"
	  "                    AND u.role = $3 AND u.supplier_id IS NOT DISTINCT FROM $4),"
	  "  scp_session_refused($1, $2, $3, $4))" },
	SCP_STMT_END,
};

/* The session check's statement and parameters, for scp_req_exec's pipeline. */
static void session_call(const struct scp_req *r, struct scp_db_call *call,
			 const char **params)
{
	params[0] = r->auth.sid;
	params[1] = r->auth.user_id;
	params[2] = r->auth.role;
	params[3] = r->auth.supplier_id;
	*call = (struct scp_db_call){ "scp_auth", 4, params };
}

/* The check passed: keep what it returned (the caller as the API shows a user). */
static void session_passed(struct scp_req *r, const PGresult *res)
{
	r->auth.user_json = scp_arena_strndup(r->arena, PQgetvalue(res, 0, 0),
					      (size_t)PQgetlength(res, 0, 0));
}

static const struct scp_guard session_guard = { session_call, session_passed };

/* The token after "Bearer ", or NULL (with a 401 sent when the header is malformed). */
static const char *bearer(struct scp_req *r, const char *h)
{
	if (strncasecmp(h, "Bearer ", 7)) {
		scp_unauthorized(r, "Authorization must be \"Bearer <token>\"");
		return NULL;
	}
	h += 7;
	while (*h == ' ')
		h++;
	return h;
}

/*
 * The token of the request: the Authorization header's, else the session cookie's
 * (*cookie set).  NULL with no response sent when there is neither; NULL with a 401
 * sent when the header is malformed.
 */
static const char *request_token(struct scp_req *r, bool *cookie)
{
	const char *h = scp_req_param(r, "HTTP_AUTHORIZATION");

	*cookie = false;
	if (h && *h)
		return bearer(r, h);
	h = scp_cookie_get(r, SCP_SESSION_COOKIE);
	if (!h || !*h)
		return NULL;
	*cookie = true;
	return h;
}

bool scp_auth_begin(struct scp_req *r, bool required)
{
	const char *h, *why;
	struct scp_claims c;
	bool cookie;

	if (!(h = request_token(r, &cookie))) {
		if (r->status)
			return false;
		if (required)
			scp_unauthorized(r, "missing bearer token");
		return !required;
	}
	why = scp_token_verify(r->arena, h, time(NULL), &c);
	if (!why && (!scp_valid_uuid(c.sub) || !scp_valid_uuid(c.sid)))
		why = "sub or sid is not a uuid";
	if (!why && c.supplier_id && !scp_valid_uuid(c.supplier_id))
		why = "supplier_id is not a uuid";
	if (why) {
		scp_info("token refused: %s", why);
		scp_unauthorized(r, "invalid or expired token");
		return false;
	}
	r->auth.user_id = c.sub;
	r->auth.sid = c.sid;
	r->auth.role = c.role;
	r->auth.supplier_id = c.supplier_id;
	r->auth.role_bit = scp_role_bit(c.role);
	r->guard = &session_guard;
	/*
	 * A browser sends the cookie on a cross-site request too: a write on the cookie
	 * alone must prove it comes from an allowed page.  The guard is already pending,
	 * so a dead session still answers 401 before this 403.
	 */
	if (cookie && !scp_csrf_allowed(r, c.sid, &why)) {
		scp_info("cookie request refused: %s", why);
		scp_forbidden(r, why);
		return false;
	}
	return true;
}

const char *scp_auth_user_json(struct scp_req *r)
{
	return scp_req_confirm_caller(r) ? r->auth.user_json : NULL;
}
