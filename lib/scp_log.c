#include "scp_log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 4096

static const char *prog = "scp";
static enum scp_log_level min_level = SCP_LOG_INFO;
static bool json;
static char request_id[64];
static const char *const names[] = { "debug", "info", "warn", "error" };

void scp_log_init(const char *progname, const char *level)
{
	prog = progname;
	for (int i = 0; i < 4; i++)
		if (level && !strcmp(level, names[i]))
			min_level = (enum scp_log_level)i;
}

const char *scp_log_progname(void)
{
	return prog;
}

void scp_log_set_format(const char *format)
{
	json = format && !strcmp(format, "json");
}

void scp_log_set_request(const char *rid)
{
	snprintf(request_id, sizeof(request_id), "%s", rid && *rid ? rid : "-");
}

size_t scp_log_one_line(char *dst, size_t cap, const char *src)
{
	size_t n = 0;

	if (!cap)
		return 0;
	while (*src && n + 1 < cap) {
		if (*src == '\n' || *src == '\r') {
			while (*src == '\n' || *src == '\r' || *src == ' ' || *src == '\t')
				src++;
			if (*src && n + 4 < cap) {
				memcpy(dst + n, " | ", 3);
				n += 3;
			}
			continue;
		}
		dst[n++] = *src++;
	}
	while (n && (dst[n - 1] == ' ' || dst[n - 1] == '\t'))
		n--;
	dst[n] = 0;
	return n;
}

size_t scp_log_json_escape(char *dst, size_t cap, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (!cap)
		return 0;
	for (; *src; src++) {
		unsigned char c = (unsigned char)*src;
		char e[7];
		size_t k = 0;

		if (c == '"' || c == '\\') {
			e[k++] = '\\';
			e[k++] = (char)c;
		} else if (c < 0x20) {
			e[k++] = '\\';
			e[k++] = 'u';
			e[k++] = '0';
			e[k++] = '0';
			e[k++] = hex[c >> 4];
			e[k++] = hex[c & 15];
		} else {
			e[k++] = (char)c;
		}
		if (n + k + 1 > cap)
			break;
		memcpy(dst + n, e, k);
		n += k;
	}
	/* Never end inside a UTF-8 sequence cut short. */
	if (*src) {
		size_t lead = n;
		unsigned char b;

		while (lead && ((unsigned char)dst[lead - 1] & 0xC0) == 0x80)
			lead--;
		b = lead ? (unsigned char)dst[lead - 1] : 0;
		if (b >= 0xC0 && n - (lead - 1) < (size_t)(b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2))
			n = lead - 1;
	}
	dst[n] = 0;
	return n;
}

size_t scp_log_stamp(char *dst, size_t cap, const struct timespec *t)
{
	struct tm tm;
	size_t n;

	gmtime_r(&t->tv_sec, &tm);
	n = strftime(dst, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	/* Exactly three digits: the fraction is never longer nor shorter. */
	if (n + 6 > cap)
		return n;
	return n + (size_t)snprintf(dst + n, cap - n, ".%03dZ",
				    (int)((t->tv_nsec / 1000000) % 1000));
}

static const char *family(void)
{
	return strncmp(prog, "scp-", 4) ? prog : prog + 4;
}

/* One write per line, so lines of concurrent workers never interleave. */
static void emit(char *line, size_t n)
{
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}

static void json_field(char *line, size_t *n, const char *key, const char *value)
{
	*n += (size_t)snprintf(line + *n, LINE_MAX_BYTES - *n, ",\"%s\":\"", key);
	if (*n >= LINE_MAX_BYTES - 4)
		*n = LINE_MAX_BYTES - 4;
	*n += scp_log_json_escape(line + *n, LINE_MAX_BYTES - 3 - *n, value);
	line[(*n)++] = '"';
}

/* extra: already-formatted JSON members (",\"status\":200"), or "". */
static void write_line(enum scp_log_level lvl, const char *msg, const char *extra)
{
	char line[LINE_MAX_BYTES + 1], one[LINE_MAX_BYTES], stamp[40];
	const char *rid = request_id[0] ? request_id : "-";
	struct timespec ts;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	scp_log_stamp(stamp, sizeof(stamp), &ts);
	scp_log_one_line(one, sizeof(one), msg);
	if (!json) {
		n = (size_t)snprintf(line, LINE_MAX_BYTES, "%s %s[%d] %s rid=%s %s", stamp, prog,
				     (int)getpid(), names[lvl], rid, one);
		emit(line, n < LINE_MAX_BYTES ? n : LINE_MAX_BYTES - 1);
		return;
	}
	n = (size_t)snprintf(line, LINE_MAX_BYTES, "{\"ts\":\"%s\",\"level\":\"%s\"", stamp,
			     names[lvl]);
	json_field(line, &n, "family", family());
	n += (size_t)snprintf(line + n, LINE_MAX_BYTES - n, ",\"pid\":%d", (int)getpid());
	json_field(line, &n, "rid", rid);
	json_field(line, &n, "msg", one);
	if (n + strlen(extra) + 2 < LINE_MAX_BYTES) {
		memcpy(line + n, extra, strlen(extra));
		n += strlen(extra);
	}
	line[n++] = '}';
	emit(line, n);
}

void scp_log(enum scp_log_level lvl, const char *fmt, ...)
{
	char msg[LINE_MAX_BYTES];
	va_list ap;

	if (lvl < min_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	write_line(lvl, msg, "");
}

void scp_log_request(const char *method, const char *path, int status, double ms,
		     const char *user)
{
	char msg[LINE_MAX_BYTES], extra[LINE_MAX_BYTES], m[32], p[2048], u[128];

	if (SCP_LOG_INFO < min_level)
		return;
	method = method ? method : "-";
	path = path ? path : "-";
	user = user ? user : "-";
	snprintf(msg, sizeof(msg), "%s %s %d %.3fms user=%s", method, path, status, ms, user);
	if (!json) {
		write_line(SCP_LOG_INFO, msg, "");
		return;
	}
	scp_log_json_escape(m, sizeof(m), method);
	scp_log_json_escape(p, sizeof(p), path);
	scp_log_json_escape(u, sizeof(u), user);
	snprintf(extra, sizeof(extra),
		 ",\"method\":\"%s\",\"path\":\"%s\",\"status\":%d,\"duration_ms\":%.3f,"
		 "\"user\":\"%s\"", m, p, status, ms, u);
	write_line(SCP_LOG_INFO, msg, extra);
}
