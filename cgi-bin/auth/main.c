/*
 * scp-auth: sign-up and sign-in (password and WhatsApp OTP), token refresh and
 * logout, the caller's own profile, and the supplier owner's staff.
 */
#include "auth.h"
#include "scp_app.h"

static const struct scp_route routes[] = {
	{ "POST", "/api/v1/auth/signup", auth_signup, SCP_PUBLIC },
	{ "POST", "/api/v1/auth/register", auth_signup, SCP_PUBLIC },
	{ "POST", "/api/v1/auth/login", auth_login, SCP_PUBLIC },
	{ "POST", "/api/v1/auth/refresh", auth_refresh, SCP_PUBLIC },
	{ "POST", "/api/v1/auth/refresh-token", auth_refresh, SCP_PUBLIC },
	{ "POST", "/api/v1/auth/logout", auth_logout, SCP_AUTH },
	{ "GET", "/api/v1/auth/me", auth_me, SCP_AUTH },
	{ "GET", "/api/v1/users/me", auth_me, SCP_AUTH },
	{ "PATCH", "/api/v1/users/me", auth_update_me, SCP_AUTH },
	{ "PUT", "/api/v1/users/me", auth_update_me, SCP_AUTH },
	{ "POST", "/api/v1/auth/send-otp", auth_send_otp, SCP_PUBLIC },
	{ "POST", "/api/v1/auth/verify-otp", auth_verify_otp, SCP_PUBLIC },
	/* Supplier staff: the owner only (managers may not manage users). */
	{ "GET", "/api/v1/supplier/users", auth_staff_list, SCP_R_OWNER },
	{ "POST", "/api/v1/supplier/users", auth_staff_create, SCP_R_OWNER | SCP_IDEMPOTENT },
	{ "GET", "/api/v1/supplier/users/:id", auth_staff_get, SCP_R_OWNER },
	{ "PATCH", "/api/v1/supplier/users/:id", auth_staff_update, SCP_R_OWNER },
	{ "PUT", "/api/v1/supplier/users/:id", auth_staff_update, SCP_R_OWNER },
	{ "DELETE", "/api/v1/supplier/users/:id", auth_staff_delete, SCP_R_OWNER },
	/* Reached only through nginx's internal /_ws_authorize (nchan's subscriptions). */
	{ "GET", "/internal/ws-authorize", auth_ws_authorize, SCP_AUTH },
	SCP_ROUTES_END,
};

static const struct scp_stmt stmts[] = {
	/* $1 listing, $2 caller: does it exist, and is it public or the caller's? */
	{ "ws_listing",
	  "SELECT l.status NOT IN ('pending', 'rejected') OR l.client_id = $2"
	  " FROM listings l WHERE l.id = $1" },
	/*
	 * Sign-in throttling (sql/functions/25_signin_throttle.sql) is keyed by the lowercased email,
	 * known or not: the check rides with the lookup (one row even for an unknown email),
	 * the outcome with the session or on its own.
	 */
	{ "login_user",
	  "SELECT u.id, u.password_hash, u.role, u.supplier_id, u.status"
	  " FROM scp_signin_check('login', lower($1))"
	  " LEFT JOIN users u ON lower(u.email) = lower($1)" },
	{ "login_failed", "SELECT scp_signin_failed('login', lower($1))" },
	{ "session_open",
	  "SELECT l.* FROM scp_signin_passed('login', lower($4)), scp_login($1, $2, $3) l" },
	{ "signup", "SELECT * FROM scp_signup($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)" },
	{ "refresh", "SELECT * FROM scp_refresh($1, $2, $3, $4)" },
	{ "logout",
	  "UPDATE sessions SET revoked_at = now(), revoked_reason = 'logout'"
	  " WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL" },
	{ "otp_send", "SELECT otp_id, expires_at FROM scp_otp_send($1, $2, $3, $4, $5)" },
	{ "otp_verify", "SELECT * FROM scp_otp_verify($1, $2, $3, $4, $5, $6, $7)" },
	/* Profile and password in one statement: a new password ends the other sessions. */
	{ "me_update",
	  "WITH u AS (UPDATE users u SET"
	  " first_name = CASE WHEN $2 THEN $3 ELSE first_name END,"
	  " last_name = CASE WHEN $4 THEN $5 ELSE last_name END,"
	  " company_name = CASE WHEN $6 THEN $7 ELSE company_name END,"
	  " phone_verified = phone_verified AND NOT ($8 AND $9 IS DISTINCT FROM phone_number),"
	  " phone_number = CASE WHEN $8 THEN $9 ELSE phone_number END,"
	  " profile_image_url = CASE WHEN $10 THEN $11 ELSE profile_image_url END,"
	  " password_hash = coalesce($12, password_hash),"
	  " updated_at = now()"
	  " WHERE id = $1 AND CASE WHEN $12::text IS NULL THEN true"
	  "  ELSE scp_signin_passed('password', $1::text) END"
	  " RETURNING scp_user_json(u) AS j),"
	  " r AS (UPDATE sessions SET revoked_at = now(), revoked_reason = 'password changed'"
	  "  WHERE $12::text IS NOT NULL AND user_id = $1 AND id <> $13 AND revoked_at IS NULL)"
	  " SELECT j FROM u" },
	/* The current_password check is throttled per user, like sign-in. */
	{ "me_password",
	  "SELECT u.password_hash FROM users u, scp_signin_check('password', u.id::text)"
	  " WHERE u.id = $1" },
	{ "me_password_failed", "SELECT scp_signin_failed('password', $1)" },
	/* Supplier staff (staff.c; scp_staff_update is in sql/functions/20_auth.sql). */
	{ "staff_list",
	  "SELECT coalesce(json_agg(scp_user_json(u) ORDER BY u.created_at, u.id), '[]')"
	  " FROM users u WHERE u.supplier_id = $1" },
	{ "staff_get",
	  "SELECT scp_user_json(u) FROM users u WHERE u.supplier_id = $1 AND u.id = $2" },
	{ "staff_create",
	  "INSERT INTO users AS u (supplier_id, email, password_hash, role, first_name,"
	  " last_name, phone_number) VALUES ($1, $2, $3, $4, $5, $6, $7)"
	  " RETURNING scp_user_json(u)" },
	{ "staff_update", "SELECT scp_staff_update($1, $2, $3::jsonb)" },
	SCP_STMT_END,
};

static const struct scp_family family = {
	.name = "auth",
	.routes = routes,
	.stmts = SCP_STMT_TABLES(stmts),
};

int main(int argc, char **argv)
{
	return scp_app_main(argc, argv, &family);
}
