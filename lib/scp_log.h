/*
 * scp_log: one line per event on stderr (journald or the file scripts/serve chooses).
 *
 *   2026-11-22T15:57:53.123Z scp-auth[4242] info rid=3f2a… message
 *
 * The request id of the request in hand (nginx's $request_id) is on every line.
 */
#ifndef SCP_LOG_H
#define SCP_LOG_H

enum scp_log_level { SCP_LOG_DEBUG, SCP_LOG_INFO, SCP_LOG_WARN, SCP_LOG_ERROR };

void scp_log_init(const char *progname, const char *level);
/* The request id written on following lines; NULL when between requests. */
void scp_log_set_request(const char *rid);
void scp_log(enum scp_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define scp_debug(...) scp_log(SCP_LOG_DEBUG, __VA_ARGS__)
#define scp_info(...) scp_log(SCP_LOG_INFO, __VA_ARGS__)
#define scp_warn(...) scp_log(SCP_LOG_WARN, __VA_ARGS__)
#define scp_error(...) scp_log(SCP_LOG_ERROR, __VA_ARGS__)

#endif
