#include "scp_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *prog = "scp";
static enum scp_log_level min_level = SCP_LOG_INFO;
static char request_id[64];
static const char *const names[] = { "debug", "info", "warn", "error" };

void scp_log_init(const char *progname, const char *level)
{
	prog = progname;
	for (int i = 0; i < 4; i++)
		if (level && !strcmp(level, names[i]))
			min_level = (enum scp_log_level)i;
}

void scp_log_set_request(const char *rid)
{
	snprintf(request_id, sizeof(request_id), "%s", rid && *rid ? rid : "-");
}

void scp_log(enum scp_log_level lvl, const char *fmt, ...)
{
	char line[2048], stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n;

	if (lvl < min_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s.%03ldZ %s[%d] %s rid=%s ", stamp,
		     ts.tv_nsec / 1000000, prog, (int)getpid(), names[lvl],
		     request_id[0] ? request_id : "-");
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	/* One write per line, so lines of concurrent workers never interleave. */
	n = (int)strlen(line);
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}
