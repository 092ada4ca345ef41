/*
 * The outbox log of the worker's `log` transports (development): libscp's one writer
 * (scp_outbox.h) with the worker's result, and the line of a channel's event.
 */
#include "worker.h"
#include "scp_buf.h"
#include "scp_outbox.h"

struct worker_result worker_outbox_append(const char *fields)
{
	struct worker_result res = { 0 };

	if (!scp_outbox_append(fields))
		res.error = "cannot write outbox_log";
	return res;
}

struct worker_result worker_outbox_write(const char *channel, const char *event,
					 json_object *data)
{
	struct scp_buf f = SCP_BUF_INIT;
	json_object *topic = NULL;
	struct worker_result res;

	json_object_object_get_ex(data, "topic", &topic);
	scp_buf_adds(&f, "\"channel\":");
	scp_buf_add_json_str(&f, channel);
	scp_buf_adds(&f, ",\"event\":");
	scp_buf_add_json_str(&f, event);
	scp_buf_adds(&f, ",\"topic\":");
	scp_buf_add_json_str(&f, topic ? json_object_get_string(topic) : "");
	scp_buf_adds(&f, ",\"data\":");
	scp_buf_adds(&f, data ? json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN)
			      : "{}");
	res = worker_outbox_append(f.ptr);
	scp_buf_release(&f);
	return res;
}
