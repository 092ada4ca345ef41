/*
 * What Cliick's client frames mean.  services/websocketService.ts sends
 * {type: "client", event, data, timestamp} and reads {event, data, timestamp (ms)}:
 *
 *   ping                    pong {}
 *   shop:join {shopId}      shop:joined {shopId, role}, for a member of the shop only;
 *                           the connection then receives the shop's events
 *   shop:leave {shopId}     nothing answered; the shop's events stop
 *
 * Refusals are error frames, {event: "error", data: {code, message, event}}, and the
 * connection stays open (the frontend only logs them): BAD_FRAME (not JSON, no event),
 * VALIDATION_ERROR, FORBIDDEN (not a member), UNKNOWN_EVENT, UNAVAILABLE (the database).
 */
#include "ws.h"
#include "scp_json.h"
#include "scp_log.h"
#include "scp_text.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

const struct scp_stmt ws_frames_stmts[] = {
	/* $1 shop, $2 user: the user's role in the shop, no row for a non-member. */
	{ "ws_shop_member", "SELECT role FROM shop_members WHERE shop_id = $1 AND user_id = $2" },
	SCP_STMT_END,
};

/* {"event", "data", "timestamp" (ms)} to the connection. */
static void frame(struct ws_conn *c, const char *event, const char *data_json)
{
	struct scp_buf b = SCP_BUF_INIT;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	scp_buf_adds(&b, "{\"event\":");
	scp_buf_add_json_str(&b, event);
	scp_buf_addf(&b, ",\"data\":%s,\"timestamp\":%lld}", data_json,
		     (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	ws_conn_send_text(c, b.ptr, b.len);
	scp_buf_release(&b);
}

static void error_frame(struct ws_conn *c, const char *event, const char *code,
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
	frame(c, "error", d.ptr);
	scp_buf_release(&d);
}

/* data.shopId (or shop_id) when it is a uuid, else NULL. */
static const char *shop_of(json_object *data)
{
	json_object *sid = NULL;
	const char *shop;

	if (!json_object_is_type(data, json_type_object) ||
	    !(json_object_object_get_ex(data, "shopId", &sid) ||
	      json_object_object_get_ex(data, "shop_id", &sid)) ||
	    !json_object_is_type(sid, json_type_string) ||
	    !scp_valid_uuid(shop = json_object_get_string(sid)))
		return NULL;
	return shop;
}

/*
 * The member's role, or NULL (not a member: *down false; the database unreachable:
 * *down true).  It blocks the loop for one indexed lookup of shop_members' primary key
 * on the process's persistent connection: short next to the rate of joins (one per shop
 * a tab opens), and it keeps the loop single-threaded.  scp_db reconnects a lost
 * connection on the next call, as the FastCGI families' do.
 */
static char *member_role(const char *shop, const char *user, bool *down, char role[32])
{
	const char *params[] = { shop, user };
	PGresult *res = NULL;
	enum scp_db_status st;

	*down = false;
	if (!scp_db_ready(&ws_db)) {
		*down = true;
		return NULL;
	}
	st = scp_db_exec(&ws_db, "ws_shop_member", 2, params, &res);
	if (st != SCP_DB_OK) {
		if (st == SCP_DB_ERROR)
			scp_error("libpq: ws_shop_member: %s", res ? PQresultErrorMessage(res) : "?");
		PQclear(res);
		*down = true;
		return NULL;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		return NULL;
	}
	snprintf(role, 32, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return role;
}

static void shop_join(struct ws_conn *c, json_object *data)
{
	const char *shop = shop_of(data);
	struct scp_buf d = SCP_BUF_INIT;
	char role[32];
	bool down;

	if (!shop) {
		error_frame(c, "shop:join", "VALIDATION_ERROR", "data.shopId must be a shop id");
		return;
	}
	if (!member_role(shop, c->user, &down, role)) {
		if (down)
			error_frame(c, "shop:join", "UNAVAILABLE",
				    "the service is temporarily unavailable");
		else
			error_frame(c, "shop:join", "FORBIDDEN", "not a member of this shop");
		return;
	}
	if (!ws_conn_joined(c, shop)) {
		if (c->nshops == WS_MAX_SHOPS) {
			error_frame(c, "shop:join", "VALIDATION_ERROR",
				    "too many shops joined on one connection: leave one first");
			return;
		}
		memcpy(c->shops[c->nshops++], shop, 37);
	}
	scp_buf_adds(&d, "{\"shopId\":");
	scp_buf_add_json_str(&d, shop);
	scp_buf_adds(&d, ",\"role\":");
	scp_buf_add_json_str(&d, role);
	scp_buf_addc(&d, '}');
	frame(c, "shop:joined", d.ptr);
	scp_buf_release(&d);
}

/* Nothing is answered, as before (the frontend expects no shop:left). */
static void shop_leave(struct ws_conn *c, json_object *data)
{
	const char *shop = shop_of(data);

	if (!shop) {
		error_frame(c, "shop:leave", "VALIDATION_ERROR", "data.shopId must be a shop id");
		return;
	}
	for (int i = 0; i < c->nshops; i++)
		if (!strcmp(c->shops[i], shop)) {
			memcpy(c->shops[i], c->shops[--c->nshops], 37);
			break;
		}
}

void ws_frames_handle(struct ws_conn *c, const char *text, size_t len)
{
	json_object *msg = NULL, *event = NULL, *data = NULL;
	const char *ev;

	if (scp_json_parse(text, len, SCP_WS_MAX_MESSAGE, &msg) != SCP_JSON_OK ||
	    !json_object_is_type(msg, json_type_object) ||
	    !json_object_object_get_ex(msg, "event", &event) ||
	    !json_object_is_type(event, json_type_string)) {
		json_object_put(msg);
		error_frame(c, NULL, "BAD_FRAME", "a frame is {type, event, data, timestamp}");
		return;
	}
	ev = json_object_get_string(event);
	json_object_object_get_ex(msg, "data", &data);
	if (!strcmp(ev, "ping"))
		frame(c, "pong", "{}");
	else if (!strcmp(ev, "shop:join"))
		shop_join(c, data);
	else if (!strcmp(ev, "shop:leave"))
		shop_leave(c, data);
	else
		error_frame(c, ev, "UNKNOWN_EVENT", "no such client event");
	json_object_put(msg);
}
