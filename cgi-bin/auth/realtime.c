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

#include "scp_json.h"

#include <fcgiapp.h>
#include <string.h>
#include <strings.h>
#include <time.h>

const struct scp_stmt auth_realtime_stmts[] = {
	/* $1 listing, $2 caller: does it exist, and is it public or the caller's? */
	{ "ws_listing",
	  "SELECT l.status NOT IN ('pending', 'rejected') OR l.client_id = $2"
	  " FROM listings l WHERE l.id = $1" },
	/* $1 shop, $2 user: the user's role in the shop, no row for a non-member. */
	{ "ws_shop_member", "SELECT role FROM shop_members WHERE shop_id = $1 AND user_id = $2" },
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
 * answer names the user, whose cliick channel the connection then follows.
 */
void auth_ws_cliick_authorize(struct scp_req *r)
{
	const char *token = scp_req_param(r, "HTTP_AUTHORIZATION");
	const char *origin_ok = scp_req_param(r, "SCP_WS_ORIGIN_OK");
	const char *upgrade = scp_req_param(r, "SCP_WS_UPGRADE");

	/* Only a WebSocket: nchan would answer anything else an empty 403 of its own. */
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

/* Cliick's frame shape, {"event", "data", "timestamp" (ms)}, as the connection's answer. */
static void frame(struct scp_req *r, const char *event, const char *data_json)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	scp_buf_adds(r->out, "{\"event\":");
	scp_buf_add_json_str(r->out, event);
	scp_buf_addf(r->out, ",\"data\":%s,\"timestamp\":%lld}", data_json,
		     (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	scp_send_out(r, 200);
}

/*
 * An error frame: the connection stays open (the frontend logs it), the client learns
 * which of its frames was refused.  Answered with 200, since nchan publishes only a
 * 200's body to the connection.
 */
static void error_frame(struct scp_req *r, const char *event, const char *code,
			const char *message)
{
	struct scp_buf d = SCP_BUF_INIT;

	scp_buf_adds(&d, "{\"code\":");
	scp_buf_add_json_str(&d, code);
	scp_buf_adds(&d, ",\"message\":");
	scp_buf_add_json_str(&d, message);
	if (event) {
		scp_buf_adds(&d, ",\"event\":");
		scp_buf_add_json_str(&d, event);
	}
	scp_buf_addc(&d, '}');
	frame(r, "error", d.ptr);
	scp_buf_release(&d);
}

/* shop:join {shopId}: a member's shop only; the answer carries the member's role. */
static void shop_join(struct scp_req *r, const char *user, json_object *data)
{
	json_object *sid = NULL;
	const char *shop;
	struct scp_buf d = SCP_BUF_INIT;
	PGresult *res;

	if (!json_object_is_type(data, json_type_object) ||
	    !(json_object_object_get_ex(data, "shopId", &sid) ||
	      json_object_object_get_ex(data, "shop_id", &sid)) ||
	    !json_object_is_type(sid, json_type_string) ||
	    !scp_valid_uuid(shop = json_object_get_string(sid))) {
		error_frame(r, "shop:join", "VALIDATION_ERROR", "data.shopId must be a shop id");
		return;
	}
	if (!(res = scp_q(r, "ws_shop_member", shop, user)))
		return;
	if (PQntuples(res) != 1) {
		error_frame(r, "shop:join", "FORBIDDEN", "not a member of this shop");
		return;
	}
	scp_buf_adds(&d, "{\"shopId\":");
	scp_buf_add_json_str(&d, shop);
	scp_buf_adds(&d, ",\"role\":");
	scp_buf_add_json_str(&d, PQgetvalue(res, 0, 0));
	scp_buf_addc(&d, '}');
	frame(r, "shop:joined", d.ptr);
	scp_buf_release(&d);
}

#define FRAME_MAX 16384

/*
 * The frame: nchan's upstream request carries it without a Content-Length, so, when
 * there is none, it is read to the end of the FastCGI stream (at most FRAME_MAX bytes).
 */
static bool frame_body(struct scp_req *r)
{
	const char *cl = scp_req_param(r, "CONTENT_LENGTH");
	int got;

	if (cl && *cl)
		return scp_req_read_body(r, FRAME_MAX);
	r->body = scp_arena_alloc(r->arena, FRAME_MAX + 2);
	got = FCGX_GetStr(r->body, FRAME_MAX + 1, r->fcgi->in);
	if (got < 0 || got > FRAME_MAX) {
		scp_send_error(r, 413, "PAYLOAD_TOO_LARGE", "frame too large", NULL);
		return false;
	}
	r->body[got] = '\0';
	r->body_len = (size_t)got;
	return true;
}

/*
 * A frame the client sent, {type: "client", event, data, timestamp}, from nchan
 * (nchan_publisher_upstream_request) with the user the upgrade was authorized for.
 * The answer is published to that connection alone: 200 with a frame, 204 nothing.
 */
void auth_ws_cliick_frame(struct scp_req *r)
{
	const char *user = scp_req_param(r, "SCP_WS_USER"), *ev;
	json_object *msg = NULL, *event = NULL, *data = NULL;

	if (!user || !scp_valid_uuid(user)) {
		scp_forbidden(r, "no authorized connection");
		return;
	}
	if (!frame_body(r))
		return;
	if (scp_json_parse(r->body, r->body_len, FRAME_MAX, &msg) != SCP_JSON_OK ||
	    !json_object_is_type(msg, json_type_object) ||
	    !json_object_object_get_ex(msg, "event", &event) ||
	    !json_object_is_type(event, json_type_string)) {
		json_object_put(msg);
		error_frame(r, NULL, "BAD_FRAME", "a frame is {type, event, data, timestamp}");
		return;
	}
	ev = json_object_get_string(event);
	json_object_object_get_ex(msg, "data", &data);
	if (!strcmp(ev, "ping"))
		frame(r, "pong", "{}");
	else if (!strcmp(ev, "shop:join"))
		shop_join(r, user, data);
	else if (!strcmp(ev, "shop:leave"))
		scp_send(r, 204, "", 0);
	else
		error_frame(r, ev, "UNKNOWN_EVENT", "no such client event");
	json_object_put(msg);
}
