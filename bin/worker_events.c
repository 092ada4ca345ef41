/*
 * Real-time events: every event job (new_bid, order_updated, …) names its channel in
 * payload.topic ("/ws/users/<id>", "/ws/suppliers/<id>", "/ws/listings/<id>",
 * "/ws/admin"), or several in payload.topics.  Each is written to outbox_log, the
 * journal of what was sent, and, when nchan_socket is set, POSTed to every channel on
 * nginx's local publishing socket as {"type": <event>, "id": <job id>, "data":
 * <payload>}.  A failed publish retries like any job; a retry may repeat a message,
 * which "id" lets a client drop.
 */
#include "worker.h"
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_httpc.h"
#include "scp_log.h"
#include "scp_profile.h"
#include "scp_validate.h"

#include <string.h>
#include <time.h>

/* Only the channels nginx publishes: anything else is the job's fault, not nchan's. */
static bool topic_ok(const char *t)
{
	static const char *const kinds[] = { "/ws/users/", "/ws/suppliers/", "/ws/listings/",
					     "/ws/shops/" };

	if (!strcmp(t, "/ws/admin"))
		return true;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strncmp(t, kinds[i], strlen(kinds[i])))
			return scp_valid_uuid(t + strlen(kinds[i]));
	return false;
}

/* {"type": <event>, "id": <job id>, "data": <payload>}: the same for every channel. */
static void message(struct scp_buf *b, const char *id, const char *event, json_object *data)
{
	scp_buf_adds(b, "{\"type\":");
	scp_buf_add_json_str(b, event);
	scp_buf_adds(b, ",\"id\":");
	scp_buf_add_json_str(b, id);
	scp_buf_adds(b, ",\"data\":");
	scp_buf_adds(b, json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN));
	scp_buf_addc(b, '}');
}

static struct worker_result publish(const char *topic, const struct scp_buf *msg)
{
	struct scp_buf url = SCP_BUF_INIT, out = SCP_BUF_INIT;
	struct scp_httpc_resp resp;
	struct worker_result res = { 0 };

	scp_buf_addf(&url, "http://localhost%s", topic);
	if (!scp_httpc_post_unix(scp_cfg.nchan_socket, url.ptr, NULL, "application/json",
				 msg->ptr, scp_cfg.http_timeout_ms, &out, &resp)) {
		res.error = "nchan unreachable";
		scp_warn("nchan: publish to %s: %s unreachable", topic, scp_cfg.nchan_socket);
	} else if (resp.status != 201 && resp.status != 202) {
		res.error = "nchan refused the message";
		scp_warn("nchan: publish to %s: answered %ld", topic, resp.status);
	}
	scp_buf_release(&url);
	scp_buf_release(&out);
	return res;
}

/*
 * Cliick.io's WebSocket (/ws, served by scp-ws): every event is written ONCE to
 * cliick_ws_events (sql/093_cliick_ws_events.sql) as {"users": [...], "shop": <shop id> |
 * null, "frame": <Cliick's frame>}, with a NOTIFY scp_ws; each scp-ws process LISTENs
 * and routes the frame to the connections of the listed users (for a shop's event,
 * only those that joined the shop).  The frame is {"event", "id", "data", "timestamp"
 * (ms)} in Cliick's spelling (camelCase keys).  A shop's events (topic /ws/shops/<shop>,
 * which nginx does not serve itself) list the shop's members at the time of sending, a
 * user's notification that user; "id" is the job's (or notification's), since a
 * retried job may publish twice.  Not an nchan channel: nchan's resume by message id
 * crashed its worker on an nginx reload (docs/decisions.md, "Cliick.io's WebSocket").
 */
const struct scp_stmt worker_events_stmts[] = {
	/*
	 * $1 shop (a shop's event: its members now) or $2 user (a notification), $3 the
	 * frame: one row naming its users, in one round trip (scp_ws_event,
	 * sql/functions/89_ws_events.sql, keeps the rows' ids in commit order).  json, not
	 * jsonb: the frame's text is kept as it was made.
	 */
	{ "events_cliick_ws", "SELECT scp_ws_event($1::uuid, $2::uuid, $3::json)" },
	SCP_STMT_END,
};

/* The job kinds Cliick's frontend listens to, its event name, the payload's member. */
static const struct cliick_event {
	const char *kind, *event, *member;
} cliick_events[] = {
	{ "shop_message_new", "message:new", "message" },
	{ "shop_conversation_updated", "conversation:update", "conversation" },
	{ "shop_order_updated", "order:update", "order" },
	{ "notification", "notification", "notification" },
};

static const struct cliick_event *cliick_event_of(const char *kind)
{
	for (size_t i = 0; i < sizeof(cliick_events) / sizeof(cliick_events[0]); i++)
		if (!strcmp(cliick_events[i].kind, kind))
			return &cliick_events[i];
	return NULL;
}

/*
 * The frame for kind's event: the payload's member (message, conversation, order,
 * notification), with the shop and conversation ids a message's payload names beside
 * it, in the cliick profile's spelling without its envelope.  False if kind is not
 * one of Cliick's.
 */
static bool cliick_frame(struct scp_buf *out, const char *id, const char *kind, json_object *data)
{
	const struct cliick_event *ce = cliick_event_of(kind);
	const struct scp_profile *cliick = scp_profile_find("cliick");
	struct scp_profile bare;
	json_object *obj = NULL, *v;
	struct scp_buf raw = SCP_BUF_INIT;
	struct timespec ts;
	bool ok;

	if (!ce || !cliick)
		return false;
	if (!json_object_object_get_ex(data, ce->member, &obj) ||
	    !json_object_is_type(obj, json_type_object))
		obj = data;
	else
		for (const char *const *k = (const char *const[]){ "shop_id", "conversation_id", NULL };
		     *k; k++)
			if (!json_object_object_get_ex(obj, *k, NULL) &&
			    json_object_object_get_ex(data, *k, &v))
				json_object_object_add(obj, *k, json_object_get(v));
	clock_gettime(CLOCK_REALTIME, &ts);
	scp_buf_adds(&raw, "{\"event\":");
	scp_buf_add_json_str(&raw, ce->event);
	scp_buf_adds(&raw, ",\"id\":");
	scp_buf_add_json_str(&raw, id);
	scp_buf_adds(&raw, ",\"data\":");
	scp_buf_adds(&raw, json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
	scp_buf_addf(&raw, ",\"timestamp\":%lld}",
		     (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	bare = *cliick;
	bare.envelope = SCP_ENVELOPE_NONE;
	ok = scp_profile_render(&bare, NULL, raw.ptr, raw.len, out);
	scp_buf_release(&raw);
	return ok;
}

/*
 * The one message of an event for scp-ws: a shop's (shop set) names the shop's members
 * now, a notification (user set) its user.
 */
static struct worker_result cliick_publish(const char *shop, const char *user,
					   const struct scp_buf *frame)
{
	return WORKER_EXEC("events_cliick_ws", NULL, shop, user, frame->ptr)
		       ? (struct worker_result){ 0 }
		       : (struct worker_result){ "cliick event not written", false };
}

/*
 * One channel of an event: a shop's goes to Cliick's WebSocket (no channel of nginx's
 * is a shop's), a user's notification to the user's own channel and to Cliick's
 * WebSocket, anything else to its channel.
 */
static struct worker_result deliver(const char *topic, const char *id, const char *event,
				    json_object *data, const struct scp_buf *msg, bool member)
{
	static const char shops[] = "/ws/shops/", users[] = "/ws/users/";
	struct scp_buf frame = SCP_BUF_INIT;
	struct worker_result res = { 0 };
	bool shop = !strncmp(topic, shops, sizeof(shops) - 1);

	if (!shop && *scp_cfg.nchan_socket)
		res = publish(topic, msg);
	if (!res.error && (shop || (member && !strcmp(event, "notification") &&
				    !strncmp(topic, users, sizeof(users) - 1))) &&
	    cliick_frame(&frame, id, event, data))
		res = shop ? cliick_publish(topic + sizeof(shops) - 1, NULL, &frame)
			   : cliick_publish(NULL, topic + sizeof(users) - 1, &frame);
	scp_buf_release(&frame);
	return res;
}

/* The event's channels: payload.topics (an array) or payload.topic; NULL if invalid. */
static json_object *topics_of(json_object *data, json_object **single)
{
	json_object *t = NULL;

	if (!data)
		return NULL;
	if (json_object_object_get_ex(data, "topics", &t) &&
	    json_object_is_type(t, json_type_array) && json_object_array_length(t) > 0)
		return t;
	if (!json_object_object_get_ex(data, "topic", &t))
		return NULL;
	*single = json_object_new_array();
	json_object_array_add(*single, json_object_get(t));
	return *single;
}

/* member: false when the event is a notification of a user known to be in no shop. */
static struct worker_result event_send(const char *id, const char *event, json_object *data,
				       bool member)
{
	json_object *single = NULL, *topics = topics_of(data, &single);
	struct worker_result res = { "event without a valid topic", true };
	size_t n = topics ? json_object_array_length(topics) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(topics, i);

		if (!json_object_is_type(t, json_type_string) || !topic_ok(json_object_get_string(t)))
			goto done;
	}
	if (!n)
		goto done;
	res = worker_outbox_write("event", event, data);
	/* nginx's channels need nchan_socket; Cliick's WebSocket reads the database. */
	if (!res.error) {
		struct scp_buf msg = SCP_BUF_INIT;

		message(&msg, id, event, data);
		for (size_t i = 0; i < n && !res.error; i++)
			res = deliver(json_object_get_string(json_object_array_get_idx(topics, i)),
				      id, event, data, &msg, member);
		scp_buf_release(&msg);
	}
done:
	json_object_put(single);
	return res;
}

struct worker_result worker_event_send(const char *id, const char *event, json_object *data)
{
	return event_send(id, event, data, true);
}

/*
 * Whether a live notification's user may be a Cliick shop's member, and so has
 * Cliick's WebSocket to be told on: scp_notify_each writes "member" (false for a user in
 * no shop, as every SELLIKO vendor and B2B supplier is), which spares scp_ws_event's
 * round trip; without it, yes (scp_ws_event decides).  Taken out before publishing.
 */
static bool note_member(json_object *note)
{
	json_object *m;
	bool member = true;

	if (json_object_object_get_ex(note, "member", &m)) {
		member = !json_object_is_type(m, json_type_boolean) || json_object_get_boolean(m);
		json_object_object_del(note, "member");
	}
	return member;
}

/*
 * The live notifications an event's change wrote (payload.notifications, added by
 * sql/functions/87_notifications.sql) follow the event, each to its user's channel as
 * a "notification" event with the notification's id.  They are taken out of the
 * payload first: the event's own channels must not carry other users' notifications.
 */
struct worker_result worker_event(struct scp_job *job)
{
	json_object *notes = NULL;
	struct worker_result res;
	size_t n;

	if (job->payload && json_object_object_get_ex(job->payload, "notifications", &notes)) {
		json_object_get(notes);
		json_object_object_del(job->payload, "notifications");
	}
	res = worker_event_send(job->id, job->kind, job->payload);
	n = json_object_is_type(notes, json_type_array) ? json_object_array_length(notes) : 0;
	for (size_t i = 0; i < n && !res.error; i++) {
		json_object *note = json_object_array_get_idx(notes, i), *obj, *id;
		const char *nid = job->id;

		if (json_object_object_get_ex(note, "notification", &obj) &&
		    json_object_object_get_ex(obj, "id", &id) && json_object_is_type(id, json_type_string))
			nid = json_object_get_string(id);
		res = event_send(nid, "notification", note, note_member(note));
	}
	json_object_put(notes);
	return res;
}
