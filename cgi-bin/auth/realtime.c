/*
 * Who may follow which real-time channel.  nginx asks before every subscription
 * (auth_request /_ws_authorize, a subrequest carrying the caller's token and the
 * channel's path): 200 lets it through, 401 and 403 refuse.  auth_request takes no
 * other status, so a listing that does not exist is a 403 too.
 *
 *   /ws/users/<id>       that user
 *   /ws/suppliers/<id>   that supplier's staff
 *   /ws/listings/<id>    anybody signed in, once the listing is public (its owner before)
 *   /ws/admin            administrators
 *
 * Administrators may follow every channel.
 */
#include "auth.h"
#include "scp_validate.h"

#include <string.h>
#include <strings.h>

const struct scp_stmt auth_realtime_stmts[] = {
	/* $1 listing, $2 caller: does it exist, and is it public or the caller's? */
	{ "ws_listing",
	  "SELECT l.status NOT IN ('pending', 'rejected') OR l.client_id = $2"
	  " FROM listings l WHERE l.id = $1" },
	SCP_STMT_END,
};

static void allow(struct scp_req *r)
{
	static const char ok[] = "{\"success\":true}";

	scp_send(r, 200, ok, sizeof(ok) - 1);
}

/* A listing's channel: it exists, and is public or the caller's. */
static void listing_channel(struct scp_req *r, const char *id)
{
	PGresult *res = scp_q(r, "ws_listing", id, r->auth.user_id);

	if (!res)
		return;
	if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 0), "t"))
		scp_forbidden(r, "no such public listing");
	else
		allow(r);
}

/* "/ws/<kind>/<uuid>" (the query string cut off): the kind and the id, or false. */
static bool channel_of(struct scp_req *r, const char *uri, const char **kind, const char **id)
{
	size_t n = strcspn(uri, "?");
	char *path = scp_arena_strndup(r->arena, uri, n), *slash;

	if (strncmp(path, "/ws/", 4))
		return false;
	*kind = path + 4;
	if (!(slash = strchr(*kind, '/'))) {
		*id = NULL;
		return true;
	}
	*slash = '\0';
	*id = slash + 1;
	return scp_valid_uuid(*id);
}

void auth_ws_authorize(struct scp_req *r)
{
	const char *uri = scp_req_param(r, "SCP_CHANNEL_URI"), *kind, *id;
	const char *sup = r->auth.supplier_id;

	if (!uri || !channel_of(r, uri, &kind, &id)) {
		scp_forbidden(r, "no such channel");
		return;
	}
	if (!strcmp(r->auth.role, "admin")) {
		allow(r);
		return;
	}
	if (!strcmp(kind, "listings") && id) {
		listing_channel(r, id);
		return;
	}
	if ((!strcmp(kind, "users") && id && !strcmp(id, r->auth.user_id)) ||
	    (!strcmp(kind, "suppliers") && id && sup && !strcmp(id, sup)))
		allow(r);
	else
		scp_forbidden(r, "not your channel");
}

/*
 * Cliick.io's WebSocket (/ws, see nginx/scp.conf.in): the upgrade is authorized like
 * any signed-in request (the token of ?token=, else the session cookie), and the
 * answer names the user in X-Scp-User-Id, which nginx passes on to scp-ws (bin/scp-ws.c,
 * which answers the connection's frames and routes its events).
 */
void auth_ws_cliick_authorize(struct scp_req *r)
{
	const char *token = scp_req_param(r, "HTTP_AUTHORIZATION");
	const char *origin_ok = scp_req_param(r, "SCP_WS_ORIGIN_OK");
	const char *upgrade = scp_req_param(r, "SCP_WS_UPGRADE");

	/* Only a WebSocket: scp-ws takes nothing else. */
	if (!upgrade || strcasecmp(upgrade, "websocket")) {
		scp_forbidden(r, "a WebSocket upgrade is required");
		return;
	}

	/*
	 * A browser sends the session cookie with a WebSocket any page opens to us, so the
	 * cookie alone must come from an allowed page (nginx tells: no Origin, the site's
	 * own, a CORS origin); a token in ?token= is no ambient credential.
	 */
	if ((!token || !*token) && (!origin_ok || strcmp(origin_ok, "1"))) {
		scp_forbidden(r, "cross-site WebSocket refused: Origin is not an allowed origin");
		return;
	}
	scp_add_header(r, "X-Scp-User-Id: %s", r->auth.user_id);
	allow(r);
}
