/*
 * scp_log: one line per event on stderr (journald or the file scripts/serve chooses).
 *
 *   2026-11-22T15:57:53.123Z scp-auth[4242] info rid=3f2a… message
 *
 * The request id of the request in hand (nginx's $request_id) is on every line.  The
 * timestamp is UTC with exactly three fraction digits.  A message is always one line:
 * newlines inside it (libpq's DETAIL and HINT lines) become " | ", trailing ones are
 * dropped.  Messages of libpq (notices, errors) start "libpq: ", nchan's "nchan: ".
 *
 * With log_format = json each line is one JSON object instead, for journald or Loki:
 *
 *   {"ts":"2026-11-22T15:57:53.123Z","level":"info","family":"auth","pid":4242,
 *    "rid":"3f2a…","msg":"…"}
 *
 * and the request line (scp_log_request) carries its fields apart: method, path,
 * status, duration_ms, user.
 */
#ifndef SCP_LOG_H
#define SCP_LOG_H

#include <stddef.h>

enum scp_log_level { SCP_LOG_DEBUG, SCP_LOG_INFO, SCP_LOG_WARN, SCP_LOG_ERROR };

void scp_log_init(const char *progname, const char *level);
/* The program's name as given to scp_log_init ("scp" before). */
const char *scp_log_progname(void);
/* "text" (the default) or "json". */
void scp_log_set_format(const char *format);
/* The request id written on following lines; NULL when between requests. */
void scp_log_set_request(const char *rid);
void scp_log(enum scp_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The one line of a finished request. */
void scp_log_request(const char *method, const char *path, int status, double ms,
		     const char *user);

/*
 * Pure helpers, exposed for the unit tests.  Each writes a NUL-terminated string of at
 * most cap - 1 bytes and returns its length.
 */
/* src made one line: CR/LF runs (and the blanks after them) become " | ", none at the end. */
size_t scp_log_one_line(char *dst, size_t cap, const char *src);
/* src as the inside of a JSON string (no quotes), cut at a character boundary. */
size_t scp_log_json_escape(char *dst, size_t cap, const char *src);
/* The UTC time t as 2026-11-22T15:57:53.123Z. */
struct timespec;
size_t scp_log_stamp(char *dst, size_t cap, const struct timespec *t);

#define scp_debug(...) scp_log(SCP_LOG_DEBUG, __VA_ARGS__)
#define scp_info(...) scp_log(SCP_LOG_INFO, __VA_ARGS__)
#define scp_warn(...) scp_log(SCP_LOG_WARN, __VA_ARGS__)
#define scp_error(...) scp_log(SCP_LOG_ERROR, __VA_ARGS__)

#endif
