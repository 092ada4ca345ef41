/*
 * The outbox log: one JSON line per message or event that the `log` transport
 * delivers (development), {"time": …, <fields>}.  One write(2) of an O_APPEND file, so
 * lines of concurrent writers never interleave.
 */
#include "worker.h"
#include "scp_buf.h"
#include "scp_config.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

struct worker_result worker_outbox_append(const char *fields)
{
	struct scp_buf line = SCP_BUF_INIT;
	struct worker_result res = { 0 };
	time_t now = time(NULL);
	char stamp[32];
	struct tm tm;
	int fd;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	scp_buf_addf(&line, "{\"time\":\"%s\",%s}\n", stamp, fields);
	fd = open(scp_cfg.outbox_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0 || write(fd, line.ptr, line.len) != (ssize_t)line.len)
		res.error = "cannot write outbox_log";
	if (fd >= 0)
		close(fd);
	scp_buf_release(&line);
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
