/*
 * The outbox log's one writer (scp_outbox.h).
 */
#include "scp_outbox.h"
#include "scp_buf.h"
#include "scp_config.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

bool scp_outbox_append(const char *fields)
{
	struct scp_buf line = SCP_BUF_INIT;
	time_t now = time(NULL);
	char stamp[32];
	struct tm tm;
	bool ok;
	int fd;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	scp_buf_addf(&line, "{\"time\":\"%s\",%s}\n", stamp, fields);
	fd = open(scp_cfg.outbox_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	ok = fd >= 0 && write(fd, line.ptr, line.len) == (ssize_t)line.len;
	if (fd >= 0)
		close(fd);
	scp_buf_release(&line);
	return ok;
}
