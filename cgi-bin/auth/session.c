/*
 * Password sign-up and sign-in, refresh (rotated, or reused: refresh_rotation), logout.
 */
#include "auth.h"
#include "scp_config.h"
#include "scp_cookie.h"
#include "scp_hmac.h"
#include "scp_json.h"
#include "scp_log.h"
#include "scp_password.h"
#include "scp_route.h"
#include "scp_token.h"
#include "scp_validate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

const struct scp_stmt auth_session_stmts[] = {
	/*
	 * Sign-in throttling (sql/functions/25_signin_throttle.sql) is keyed by the lowercased email,
	 * known or not: the check rides with the lookup (one row even for an unknown email),
	 * the outcome with the session or on its own.
	 */
	{ "login_user",
	  "SELECT u.id, u.password_hash, u.role, u.supplier_id, u.status"
	  " FROM scp_signin_check('login', lower($1))"
	  " LEFT JOIN users u ON lower(u.email) = lower($1)" },
	/* The same by username (users_username_key); a username has no '@', an email has. */
	{ "login_username",
	  "SELECT u.id, u.password_hash, u.role, u.supplier_id, u.status"
	  " FROM scp_signin_check('login', lower($1))"
	  " LEFT JOIN users u ON lower(u.username) = lower($1)" },
	{ "login_failed", "SELECT scp_signin_failed('login', lower($1))" },
	{ "login_recheck", "SELECT scp_signin_check('login', lower($1))" },
	{ "session_open",
	  "SELECT l.session_id, l.user_json"
	  " FROM scp_signin_passed('login', lower($3)), scp_login($1, $2) l" },
	{ "signup",
	  "SELECT x.user_id, x.role, x.supplier_id, x.session_id, x.user_json"
	  " FROM scp_signup($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) x" },
	{ "supplier_register",
	  "SELECT x.user_id, x.role, x.supplier_id, x.session_id, x.user_json"
	  " FROM scp_supplier_register($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) x" },
	{ "refresh",
	  "SELECT x.outcome, x.user_id, x.role, x.supplier_id, x.session_id,"
	  " x.user_json FROM scp_refresh($1, $2, $3) x" },
	{ "logout",
	  "UPDATE sessions SET revoked_at = now(), revoked_reason = 'logout'"
	  " WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL" },
	SCP_STMT_END,
};

#define REFRESH_BYTES 32
/* A second rotation of one token within this many seconds is a client race, not theft. */
#define REFRESH_RACE_GRACE "2"

void auth_new_refresh(struct scp_req *r, char **token, char **hash)
{
	*token = scp_arena_alloc(r->arena, 2 * REFRESH_BYTES + 1);
	*hash = scp_arena_alloc(r->arena, SCP_SHA256_HEX);
	scp_random_hex(*token, REFRESH_BYTES);
	scp_sha256_hex(*hash, *token, 2 * REFRESH_BYTES);
}

static char *refresh_hash_of(struct scp_req *r, const char *token)
{
	char *hash = scp_arena_alloc(r->arena, SCP_SHA256_HEX);

	scp_sha256_hex(hash, token, strlen(token));
	return hash;
}

void auth_send_tokens(struct scp_req *r, int status, const char *user_id, const char *role,
		      const char *supplier_id, const char *sid, const char *refresh,
		      const char *user_json)
{
	struct scp_claims c = { .sub = user_id, .role = role, .supplier_id = supplier_id,
				.sid = sid };
	char *access = scp_token_issue(r->arena, &c, time(NULL), scp_cfg.access_ttl);

	if (!access) {
		scp_send_internal(r);
		return;
	}
	scp_buf_reset(r->out);
	scp_buf_addf(r->out, "{\"access_token\":\"%s\",\"refresh_token\":\"%s\","
		     "\"token_type\":\"Bearer\",\"expires_in\":%ld,",
		     access, refresh, scp_cfg.access_ttl);
	/* The browser's profile: the same session in cookies, its CSRF token for the page. */
	if (scp_cookie_enabled(r)) {
		scp_cookie_set_session(r, access, sid);
		scp_buf_addf(r->out, "\"csrf_token\":\"%s\",", scp_csrf_token(r, sid));
	}
	/* Sign-up: the line seed 004's register answers, beside the tokens (additive). */
	if (status == 201)
		scp_buf_adds(r->out, "\"message\":\"User registered successfully\",");
	scp_buf_addf(r->out, "\"user\":%s}", user_json);
	scp_send_out(r, status);
}

static const char *const signup_roles[] = { "consumer", "owner", "client", "vendor", NULL };

/* The users_username_check pattern (sql/085_usernames.sql): ^[A-Za-z0-9][A-Za-z0-9_.-]{2,49}$ */
#define USERNAME_RULE \
	"must be 3 to 50 letters, digits, '_', '.' or '-', starting with a letter or digit"

static bool username_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 3 || n > 50 || !isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

static bool in_profile(const struct scp_req *r, const char *name)
{
	return r->profile && !strcmp(r->profile->name, name);
}

/*
 * The sign-up's username.  Cliick's register sends one as its display name, which may be
 * anything: it is the account's username too when it fits the pattern, and nothing is
 * refused for it.  Elsewhere a username that does not fit is a 422.
 */
static const char *signup_username(struct scp_req *r, json_object *b)
{
	const char *u;

	if (in_profile(r, "cliick")) {
		json_object *v = scp_json_get(b, "username");

		u = v && json_object_is_type(v, json_type_string) ? json_object_get_string(v)
								  : NULL;
		if (u && username_valid(u))
			return u;
		/* Without an email, it has to be a username: nothing else reaches the account. */
		if (u && !scp_json_get(b, "email"))
			scp_field_error(r, "username", USERNAME_RULE);
		return NULL;
	}
	u = scp_field_str(r, b, "username", false, 1, 50);
	if (u && !username_valid(u)) {
		scp_field_error(r, "username", USERNAME_RULE);
		return NULL;
	}
	return u;
}

void auth_signup(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *email, *password, *role, *first, *last, *company, *phone, *sname, *uname;
	char hash[SCP_HASH_MAX], *refresh, *rhash;
	PGresult *res;

	if (!b)
		return;
	/* An email or a username (or both) reaches the account. */
	email = scp_field_email(r, b, "email", false);
	uname = signup_username(r, b);
	if (!scp_json_get(b, "email") && !scp_json_get(b, "username")) {
		scp_field_error(r, "email", "an email or a username is required");
		scp_field_error(r, "username", "a username or an email is required");
	}
	password = scp_field_password(r, b, "password", true);
	role = scp_field_enum(r, b, "role", false, signup_roles);
	first = scp_field_str(r, b, "first_name", false, 1, 100);
	/* Cliick's register sends a username and no name: it is the display name. */
	if (!first && !scp_json_get(b, "first_name"))
		first = scp_field_str(r, b, "username", false, 1, 100);
	last = scp_field_str(r, b, "last_name", false, 1, 100);
	company = scp_field_str(r, b, "company_name", false, 1, 200);
	phone = scp_field_phone(r, b, "phone_number", false);
	sname = scp_field_str(r, b, "supplier_name", false, 1, 200);
	/*
	 * Prokip's dashboard user manages store connections, which belong to a supplier's
	 * owner or manager: a sign-up there without a role is an owner whose supplier is
	 * named after the account (docs/decisions.md).
	 */
	if (!role && !scp_json_get(b, "role") && in_profile(r, "prokip")) {
		role = "owner";
		if (!sname && !scp_json_get(b, "supplier_name"))
			sname = uname ? uname : email;
	}
	if (!role && !scp_json_get(b, "role"))
		role = "consumer";
	if (role && !strcmp(role, "owner") && !sname && !scp_json_get(b, "supplier_name"))
		scp_field_error(r, "supplier_name", "is required to sign up as an owner");
	if (scp_fields_send(r))
		return;
	if (!scp_password_hash(password, scp_cfg.password_cost, hash)) {
		scp_send_internal(r);
		return;
	}
	auth_new_refresh(r, &refresh, &rhash);
	res = scp_q(r, "signup", email, hash, role, first, last, company, phone,
		    strcmp(role, "owner") ? NULL : sname, rhash, uname);
	if (!res)
		return;
	auth_send_tokens(r, 201, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
			 PQgetisnull(res, 0, 2) ? NULL : PQgetvalue(res, 0, 2),
			 PQgetvalue(res, 0, 3), refresh, PQgetvalue(res, 0, 4));
}

/*
 * POST /supplier/register (the supplier portal's sign-up page): an owner with a new
 * supplier, as POST /auth/signup with role owner, and the company's contact details.
 * Answers 201 with the sign-up body.
 */
void auth_supplier_register(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *email, *password, *first, *last, *company, *cemail, *desc, *phone, *addr;
	char hash[SCP_HASH_MAX], *refresh, *rhash;
	PGresult *res;

	if (!b)
		return;
	company = scp_field_str(r, b, "company_name", true, 1, 200);
	cemail = scp_field_email(r, b, "company_email", true);
	desc = scp_field_str(r, b, "description", false, 0, 2000);
	phone = scp_field_phone(r, b, "phone_number", false);
	addr = scp_field_str(r, b, "address", false, 0, 500);
	email = scp_field_email(r, b, "owner_email", true);
	password = scp_field_password(r, b, "password", true);
	first = scp_field_str(r, b, "owner_first_name", true, 1, 100);
	last = scp_field_str(r, b, "owner_last_name", true, 1, 100);
	if (scp_fields_send(r))
		return;
	if (!scp_password_hash(password, scp_cfg.password_cost, hash)) {
		scp_send_internal(r);
		return;
	}
	auth_new_refresh(r, &refresh, &rhash);
	r->conflict_message = "owner_email is already taken";
	res = scp_q(r, "supplier_register", email, hash, first, last, company, cemail, desc, phone,
		    addr, rhash);
	if (!res)
		return;
	auth_send_tokens(r, 201, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
			 PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3), refresh,
			 PQgetvalue(res, 0, 4));
}

/* The login "role" may name the exact role, or "supplier" for any supplier staff. */
static bool role_matches(const char *asked, const char *actual)
{
	if (!asked)
		return true;
	if (!strcmp(asked, "supplier"))
		return scp_role_is_staff(actual);
	return !strcmp(asked, actual);
}

/*
 * A failed sign-in, known email or not: counted against the email, then 401 (or 429
 * when a concurrent failure locked the email while this password was being checked).
 */
static void login_failed(struct scp_req *r, const char *email, bool by_username)
{
	if (scp_q(r, "login_failed", email))
		scp_unauthorized(r, by_username ? "invalid username or password"
						: "invalid email or password");
}

/*
 * "this account is a manager" (an owner, …), details {"role": "manager"}: the role is
 * one of the users table's (a CHECK), plain letters and underscores.
 */
static void role_mismatch(struct scp_req *r, const char *urole)
{
	const char *article = strchr("aeiou", urole[0]) ? "an" : "a";

	scp_send_error(r, 403, "ROLE_MISMATCH",
		       scp_arena_printf(r->arena, "this account is %s %s", article, urole),
		       scp_arena_printf(r->arena, "{\"role\":\"%s\"}", urole));
}

/*
 * The right password, but the account cannot sign in as asked (disabled, or another
 * role than the login's "role"): 403, neither counted as a failure nor ending the
 * email's streak.  The 403 tells the caller the password was right, so it must not go
 * out while a concurrent failure has locked the email (429 then, as a wrong password
 * would get): the lock is checked again first.
 */
static void login_refused(struct scp_req *r, const char *email, const char *status,
			  const char *urole)
{
	if (!scp_q(r, "login_recheck", email))
		return;
	if (strcmp(status, "active"))
		scp_forbidden(r, "this account is disabled");
	else
		role_mismatch(r, urole);
}

void auth_login(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *email, *uname, *password, *role, *uid, *urole, *usup, *status;
	char *refresh, *rhash;
	PGresult *res, *ses;
	bool by_username;

	if (!b)
		return;
	/* By email or by username; the email when both are sent. */
	email = scp_field_str(r, b, "email", false, 1, 254);
	uname = scp_field_str(r, b, "username", false, 1, 254);
	if (!scp_json_get(b, "email") && !scp_json_get(b, "username")) {
		scp_field_error(r, "email", "an email or a username is required");
		scp_field_error(r, "username", "a username or an email is required");
	}
	password = scp_field_str(r, b, "password", true, 1, 1024);
	role = scp_field_str(r, b, "role", false, 1, 32);
	if (scp_fields_send(r))
		return;
	/*
	 * From here "email" is the identifier the throttle counts, the username when that is
	 * what was sent.  A locked one answers 429 here, before any hashing.
	 */
	res = scp_q(r, email ? "login_user" : "login_username", email ? email : uname);
	by_username = !email;
	if (by_username)
		email = uname;
	if (!res)
		return;
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 1)) {
		/* Same work as a wrong password, so timing does not reveal accounts. */
		scp_password_waste(password, scp_cfg.password_cost);
		login_failed(r, email, by_username);
		return;
	}
	if (!scp_password_verify(password, PQgetvalue(res, 0, 1))) {
		login_failed(r, email, by_username);
		return;
	}
	uid = scp_arena_strdup(r->arena, PQgetvalue(res, 0, 0));
	urole = scp_arena_strdup(r->arena, PQgetvalue(res, 0, 2));
	usup = PQgetisnull(res, 0, 3) ? NULL : scp_arena_strdup(r->arena, PQgetvalue(res, 0, 3));
	status = scp_arena_strdup(r->arena, PQgetvalue(res, 0, 4));
	if (strcmp(status, "active") || !role_matches(role, urole)) {
		login_refused(r, email, status, urole);
		return;
	}
	auth_new_refresh(r, &refresh, &rhash);
	/* Ends the email's streak of failures, unless it was locked meanwhile (429). */
	ses = scp_q(r, "session_open", uid, rhash, email);
	if (!ses)
		return;
	auth_send_tokens(r, 200, uid, urole, usup, PQgetvalue(ses, 0, 0), refresh,
			 PQgetvalue(ses, 0, 1));
}

void auth_refresh(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *old, *outcome;
	char *refresh, *rhash;
	PGresult *res;

	if (!b)
		return;
	old = scp_field_str(r, b, "refresh_token", true, 1, 512);
	if (scp_fields_send(r))
		return;
	auth_new_refresh(r, &refresh, &rhash);
	res = scp_q(r, "refresh", refresh_hash_of(r, old), rhash, REFRESH_RACE_GRACE);
	if (!res)
		return;
	outcome = PQgetvalue(res, 0, 0);
	/* "kept": refresh_rotation = reuse, the client's token stays the session's. */
	if (!strcmp(outcome, "ok") || !strcmp(outcome, "kept")) {
		auth_send_tokens(r, 200, PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
				 PQgetisnull(res, 0, 3) ? NULL : PQgetvalue(res, 0, 3),
				 PQgetvalue(res, 0, 4), strcmp(outcome, "ok") ? old : refresh,
				 PQgetvalue(res, 0, 5));
	} else {
		if (!strcmp(outcome, "reused"))
			scp_warn("refresh token reuse: session %s revoked", PQgetvalue(res, 0, 4));
		scp_unauthorized(r, "invalid or expired refresh token");
	}
}

/*
 * The session the bearer token names, when the token is well formed, signed by us and
 * unexpired; else NULL (r->auth stays empty).  The route is public: logout answers the
 * same whatever the token (see auth_logout).
 */
static bool logout_caller(struct scp_req *r)
{
	const char *h = scp_req_param(r, "HTTP_AUTHORIZATION");
	struct scp_claims c;

	/* No header: the session cookie's token, which ends the same way. */
	if (!h || !*h) {
		h = scp_cookie_get(r, SCP_SESSION_COOKIE);
		if (!h)
			return false;
		h = scp_arena_printf(r->arena, "Bearer %s", h);
	}
	if (strncasecmp(h, "Bearer ", 7))
		return false;
	h += 7;
	while (*h == ' ')
		h++;
	if (scp_token_verify(r->arena, h, time(NULL), &c) || !scp_valid_uuid(c.sub) ||
	    !scp_valid_uuid(c.sid))
		return false;
	r->auth.user_id = c.sub;
	r->auth.sid = c.sid;
	return true;
}

/*
 * Revocation is idempotent (RFC 7009 §2.2): with no token, a malformed, unknown,
 * expired or already revoked one, the caller is signed out as far as the server can
 * tell, so the answer is the same 200.  A live token ends its session.
 */
void auth_logout(struct scp_req *r)
{
	static const char ok[] = "{\"success\":true}";

	if (logout_caller(r) && !scp_q(r, "logout", r->auth.sid, r->auth.user_id))
		return;
	if (scp_cookie_enabled(r) || scp_cookie_get(r, SCP_SESSION_COOKIE))
		scp_cookie_clear_session(r);
	scp_send(r, 200, ok, sizeof(ok) - 1);
}
