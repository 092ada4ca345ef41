/*
 * A supplier's Prokip account (seed 004's POST /connections/prokip): a token, or a
 * username and password exchanged once for tokens by Prokip's OAuth password grant
 *   POST {prokip_api_base}/oauth/token  (form: grant_type=password, client_id,
 *        client_secret, username, password, scope)
 * and the business location whose stock the sync reads.  Tokens are sealed
 * (scp_secret, aad "<supplier id>:prokip_access_token" / "…:prokip_refresh_token")
 * before they reach a statement; the password is used for the exchange and forgotten.
 * GET shows the account without any secret.
 */
#include "prokip.h"
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_json.h"
#include "scp_log.h"
#include "scp_prokip.h"
#include "scp_secret.h"
#include "scp_validate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define TOKEN_MAX 4096

const struct scp_stmt sync_prokip_stmts[] = {
	{ "prokip_get",
	  "SELECT coalesce((SELECT scp_prokip_json(a) FROM prokip_accounts a"
	  " WHERE a.supplier_id = $1), json_build_object('connected', false))" },
	/* $1 supplier, $2 user, $3 location, $4 kind, $5 username, $6 access, $7 refresh,
	 * $8 expires_in seconds (NULL: unknown) */
	{ "prokip_connect", "SELECT scp_prokip_connect($1, $2, $3, $4, $5, $6, $7, $8::int)" },
	SCP_STMT_END,
};

void sync_prokip_get(struct scp_req *r)
{
	PGresult *res = scp_q(r, "prokip_get", r->auth.supplier_id);

	if (res)
		scp_send_row_json(r, 200, res);
}

/* A token as seed 004's dashboard sends it, "Bearer xyz" or "xyz": the bare token. */
static const char *bare_token(struct scp_req *r, const char *t)
{
	if (!t)
		return NULL;
	if (!strncasecmp(t, "Bearer ", 7))
		t += 7;
	while (*t == ' ')
		t++;
	for (const char *p = t; *p; p++) {
		if (isspace((unsigned char)*p) || !isprint((unsigned char)*p)) {
			scp_field_error(r, "token", "must be one token without spaces");
			return NULL;
		}
	}
	if (!*t) {
		scp_field_error(r, "token", "must not be empty");
		return NULL;
	}
	return t;
}

/* The sealed text of a token for this supplier's field, in r's arena. */
static const char *seal(struct scp_req *r, const char *plain, const char *field)
{
	return scp_secret_seal_text(r->arena, plain, scp_arena_printf(r->arena, "%s:%s",
						r->auth.supplier_id, field));
}

/* {token} or {username, password}, and {location_id}. */
void sync_prokip_put(struct scp_req *r)
{
	json_object *b = scp_req_json(r);
	const char *loc, *token, *user, *pass, *kind, *access, *refresh = NULL;
	struct scp_prokip_grant g = { 0 };
	PGresult *res;
	int before;

	if (!b)
		return;
	loc = scp_prokip_location(r, b);
	before = r->nfields;
	token = bare_token(r, scp_field_str(r, b, "token", false, 1, TOKEN_MAX));
	user = scp_field_str(r, b, "username", false, 1, 200);
	pass = scp_field_str(r, b, "password", false, 1, 200);
	if (r->nfields == before && !token && !(user && pass)) {
		if (!user && !pass)
			scp_field_error(r, "token", "is required (or username and password)");
		else
			scp_field_error(r, user ? "password" : "username", "is required with it");
	}
	if (r->nfields == before && token && (user || pass))
		scp_field_error(r, "token", "send a token or a username and password, not both");
	if (scp_fields_send(r))
		return;
	if (!scp_secret_ready()) {
		scp_send_error(r, 503, "UNAVAILABLE",
			       "secrets_key is not configured: credentials cannot be stored", NULL);
		return;
	}
	if (token) {
		kind = "token";
		g.access = token;
		user = NULL;
	} else {
		/* 503 with prokip_transport = log: Prokip is not asked */
		if (!scp_prokip_password_grant(r, user, pass, &g))
			return;
		kind = "password";
	}
	access = seal(r, g.access, "prokip_access_token");
	if (g.refresh)
		refresh = seal(r, g.refresh, "prokip_refresh_token");
	if (!access || (g.refresh && !refresh)) {
		scp_send_internal(r);
		return;
	}
	res = scp_q(r, "prokip_connect", r->auth.supplier_id, r->auth.user_id, loc, kind, user,
		    access, refresh, g.expires_in);
	if (res)
		scp_send_row_json(r, 200, res);
}
