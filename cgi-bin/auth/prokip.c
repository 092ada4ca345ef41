/*
 * Signing in with a Prokip account, as seed 004's dashboard does (docs/decisions.md,
 * "Signing in with Prokip"):
 *   POST /auth/prokip-login {username, password}: Prokip's password grant, and the
 *        business locations of the account, with a sign-in handle for the next steps;
 *   GET  /auth/prokip-locations (Authorization: Bearer <the handle>): the locations;
 *   POST /auth/prokip-location {location_id (locationId in the prokip profile),
 *        access_token: <the handle>, refresh_token}:
 *        the location's own supplier and owner (made at its first sign-in), its Prokip
 *        account connected for the sync, and an SCP session: the tokens of a sign-in;
 *   POST /auth/prokip-logout: nothing to end (the dashboard sends no token).
 * The handle is Prokip's token sealed with secrets_key (scp_secret): the browser holds
 * it and sends it back, and never sees Prokip's token itself.  A location is taken only
 * if Prokip lists it for that token.
 */
#include "auth.h"
#include "scp_buf.h"
#include "scp_json.h"
#include "scp_prokip.h"
#include "scp_secret.h"
#include "scp_validate.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define HANDLE_MAX 8192

const struct scp_stmt auth_prokip_stmts[] = {
	/* $1 location, $2 its name: the owner of its supplier */
	{ "prokip_location_owner",
	  "SELECT user_id, role, supplier_id FROM scp_prokip_location_owner($1, $2)" },
	/*
	 * $1 supplier, $2 user, $3 location, $4 username, $5 access, $6 refresh, $7 expires,
	 * $8 the refresh token's hash: the account saved and the session opened together.
	 */
	{ "prokip_sign_in",
	  "SELECT session_id, user_json FROM scp_prokip_sign_in($1, $2, $3, $4, $5, $6, $7::int,"
	  " $8)" },
	SCP_STMT_END,
};

/* aad of a sign-in handle: what it holds, so that one cannot pass for the other. */
#define AAD_ACCESS "prokip_sign_in:access_token"
#define AAD_REFRESH "prokip_sign_in:refresh_token"

static bool secrets_ready(struct scp_req *r)
{
	if (scp_secret_ready())
		return true;
	scp_send_error(r, 503, "UNAVAILABLE",
		       "secrets_key is not configured: a Prokip sign-in cannot be kept", NULL);
	return false;
}

/* {"success": true, "locations": [...]} and more members (text, a trailing ','). */
static void send_locations(struct scp_req *r, const char *more, json_object *locations)
{
	scp_buf_reset(r->out);
	scp_buf_addf(r->out, "{\"success\":true,%s\"locations\":%s}", more,
		     json_object_to_json_string_ext(locations, JSON_C_TO_STRING_PLAIN));
	scp_send_out(r, 200);
}

void auth_prokip_login(struct scp_req *r)
{
	json_object *b = scp_req_json(r), *locations;
	const char *user, *pass, *access, *refresh = NULL;
	struct scp_prokip_grant g = { 0 };
	struct scp_buf more = SCP_BUF_INIT;

	if (!b)
		return;
	user = scp_field_str(r, b, "username", true, 1, 200);
	pass = scp_field_str(r, b, "password", true, 1, 200);
	if (scp_fields_send(r) || !secrets_ready(r) ||
	    !scp_prokip_password_grant(r, user, pass, &g) ||
	    !scp_prokip_locations(r, g.access, &locations))
		return;
	access = scp_secret_seal_text(r->arena, g.access, AAD_ACCESS);
	if (g.refresh)
		refresh = scp_secret_seal_text(r->arena, g.refresh, AAD_REFRESH);
	if (!access || (g.refresh && !refresh)) {
		scp_send_internal(r);
		return;
	}
	scp_buf_adds(&more, "\"access_token\":");
	scp_buf_add_json_str(&more, access);
	scp_buf_adds(&more, ",\"refresh_token\":");
	if (refresh)
		scp_buf_add_json_str(&more, refresh);
	else
		scp_buf_adds(&more, "null");
	scp_buf_addf(&more, ",\"token_type\":\"Bearer\",\"expires_in\":%s,"
		     "\"message\":\"Login successful\",", g.expires_in ? g.expires_in : "null");
	send_locations(r, more.ptr, locations);
	scp_buf_release(&more);
}

/* The Prokip token a sign-in handle holds, from Authorization: Bearer; or 401. */
static const char *bearer_token(struct scp_req *r)
{
	const char *h = scp_req_param(r, "HTTP_AUTHORIZATION"), *t = NULL;

	if (h && !strncasecmp(h, "Bearer ", 7) && strlen(h + 7) <= HANDLE_MAX)
		t = scp_secret_open_text(r->arena, h + 7, AAD_ACCESS);
	if (!t)
		scp_unauthorized(r, "sign in to Prokip first (POST /auth/prokip-login)");
	return t;
}

void auth_prokip_locations(struct scp_req *r)
{
	json_object *locations;
	const char *token;

	if (!secrets_ready(r) || !(token = bearer_token(r)) ||
	    !scp_prokip_locations(r, token, &locations))
		return;
	send_locations(r, "", locations);
}

/* The location of that id among Prokip's, or NULL. */
static json_object *listed(json_object *locations, const char *id)
{
	size_t n = json_object_array_length(locations);

	for (size_t i = 0; i < n; i++) {
		json_object *l = json_object_array_get_idx(locations, i);
		json_object *v = scp_json_is(l, json_type_object) ? scp_json_get(l, "id") : NULL;

		if (v && (scp_json_is(v, json_type_int) || scp_json_is(v, json_type_string)) &&
		    !strcmp(json_object_get_string(v), id))
			return l;
	}
	return NULL;
}

/* The location's owner and its session: the tokens of a sign-in. */
static void sign_in(struct scp_req *r, const char *loc, json_object *place,
		    const char *username, const struct scp_prokip_grant *g)
{
	const char *name = scp_json_str(place, "name"), *uid, *role, *sup, *access, *refresh = NULL;
	char aad[80], *rtoken, *rhash;
	PGresult *res;

	if (!(res = scp_q(r, "prokip_location_owner", loc, name)))
		return;
	uid = scp_arena_strdup(r->arena, PQgetvalue(res, 0, 0));
	role = scp_arena_strdup(r->arena, PQgetvalue(res, 0, 1));
	sup = scp_arena_strdup(r->arena, PQgetvalue(res, 0, 2));
	/* sealed again as the sync keeps a supplier's tokens (cgi-bin/sync/prokip.c) */
	snprintf(aad, sizeof(aad), "%s:prokip_access_token", sup);
	access = scp_secret_seal_text(r->arena, g->access, aad);
	snprintf(aad, sizeof(aad), "%s:prokip_refresh_token", sup);
	if (g->refresh)
		refresh = scp_secret_seal_text(r->arena, g->refresh, aad);
	if (!access || (g->refresh && !refresh)) {
		scp_send_internal(r);
		return;
	}
	auth_new_refresh(r, &rtoken, &rhash);
	if (!(res = scp_q(r, "prokip_sign_in", sup, uid, loc, username, access, refresh,
			  g->expires_in, rhash)))
		return;
	auth_send_tokens(r, 200, uid, role, sup, PQgetvalue(res, 0, 0), rtoken,
			 PQgetvalue(res, 0, 1));
}

void auth_prokip_location(struct scp_req *r)
{
	json_object *b = scp_req_json(r), *locations, *place, *exp;
	const char *loc, *handle, *rhandle, *username;
	struct scp_prokip_grant g = { 0 };
	int64_t secs;

	if (!b)
		return;
	loc = scp_prokip_location(r, b);
	handle = scp_field_str(r, b, "access_token", true, 1, HANDLE_MAX);
	rhandle = scp_field_str(r, b, "refresh_token", false, 0, HANDLE_MAX);
	username = scp_field_str(r, b, "username", false, 0, 200);
	exp = scp_json_get(b, "expires_in");
	if (exp && !scp_json_is(exp, json_type_null) && !scp_json_int(exp, 1, 315360000, &secs))
		scp_field_error(r, "expires_in", "must be seconds, a whole number");
	if (scp_fields_send(r) || !secrets_ready(r))
		return;
	g.access = scp_secret_open_text(r->arena, handle, AAD_ACCESS);
	g.refresh = rhandle && *rhandle
			    ? scp_secret_open_text(r->arena, rhandle, AAD_REFRESH)
			    : NULL;
	if (!g.access)
		scp_field_error(r, "access_token", "is not a Prokip sign-in of this server:"
				" sign in again with POST /auth/prokip-login");
	if (rhandle && *rhandle && !g.refresh)
		scp_field_error(r, "refresh_token", "is not a Prokip sign-in of this server");
	if (scp_fields_send(r))
		return;
	g.expires_in = exp && scp_json_is(exp, json_type_int)
			       ? scp_arena_printf(r->arena, "%lld", (long long)secs)
			       : NULL;
	/* Prokip says whether this token may use this location: the proof of the sign-in. */
	if (!scp_prokip_locations(r, g.access, &locations))
		return;
	if (!(place = listed(locations, loc))) {
		scp_field_error(r, "location_id", "is not one of this Prokip account's business"
				" locations");
		scp_fields_send(r);
		return;
	}
	sign_in(r, loc, place, username && *username ? username : NULL, &g);
}

void auth_prokip_logout(struct scp_req *r)
{
	scp_buf_reset(r->out);
	scp_buf_adds(r->out, "{\"success\":true,\"message\":\"Logged out successfully\"}");
	scp_send_out(r, 200);
}
