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
	/* The supplier portal's sign-up: an owner with a new supplier. */
	{ "POST", "/api/v1/supplier/register", auth_supplier_register, SCP_PUBLIC },
	{ "POST", "/api/v1/auth/refresh", auth_refresh, SCP_PUBLIC },
	{ "POST", "/api/v1/auth/refresh-token", auth_refresh, SCP_PUBLIC },
	/* Public: logout answers 200 whatever the token (session.c says why). */
	{ "POST", "/api/v1/auth/logout", auth_logout, SCP_PUBLIC },
	{ "GET", "/api/v1/auth/me", auth_me, SCP_AUTH },
	/* Cliick's frontend, after each sign-in: the caller (the profile exists). */
	{ "POST", "/api/v1/auth/ensure-profile", auth_ensure_profile, SCP_AUTH },
	{ "GET", "/api/v1/users/me", auth_me, SCP_AUTH },
	{ "PATCH", "/api/v1/users/me", auth_update_me, SCP_AUTH },
	{ "PUT", "/api/v1/users/me", auth_update_me, SCP_AUTH },
	/* Seed 004's dashboard: signing in with a Prokip account (prokip.c). */
	{ "POST", "/api/v1/auth/prokip-login", auth_prokip_login, SCP_PUBLIC },
	{ "GET", "/api/v1/auth/prokip-locations", auth_prokip_locations, SCP_PUBLIC },
	{ "POST", "/api/v1/auth/prokip-location", auth_prokip_location, SCP_PUBLIC },
	{ "POST", "/api/v1/auth/prokip-logout", auth_prokip_logout, SCP_PUBLIC },
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
	/* Cliick.io's /ws: its upgrade (nginx's /_ws_cliick_authorize), which names the
	 * user to scp-ws; scp-ws answers the frames itself. */
	{ "GET", "/internal/ws-cliick-authorize", auth_ws_cliick_authorize, SCP_AUTH },
	SCP_ROUTES_END,
};

static const struct scp_family family = {
	.name = "auth",
	.routes = routes,
	.stmts = SCP_STMT_TABLES(auth_session_stmts, auth_otp_stmts, auth_me_stmts,
				 auth_staff_stmts, auth_realtime_stmts, auth_prokip_stmts),
};

int main(int argc, char **argv)
{
	return scp_app_main(argc, argv, &family);
}
