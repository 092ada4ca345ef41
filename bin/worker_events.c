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
#include "scp_validate.h"

#include <string.h>

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

struct worker_result worker_event_send(const char *id, const char *event, json_object *data)
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
	if (!res.error && *scp_cfg.nchan_socket) {
		struct scp_buf msg = SCP_BUF_INIT;

		message(&msg, id, event, data);
		for (size_t i = 0; i < n && !res.error; i++)
			res = publish(json_object_get_string(json_object_array_get_idx(topics, i)),
				      &msg);
		scp_buf_release(&msg);
	}
done:
	json_object_put(single);
	return res;
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
		res = worker_event_send(nid, "notification", note);
	}
	json_object_put(notes);
	return res;
}
