/*
 * scp_query: typed readers of query parameters, the same for every list of the API.
 *
 * Each reads ?name (snake_case; the camelCase spelling answers too, see
 * scp_req_query_param).  Absent or empty: *out is NULL and the reader returns true.
 * Present but malformed: it answers 400 BAD_REQUEST naming the parameter and returns
 * false, so a handler writes `if (!scp_query_money(r, "min_price", &lo)) return;`.
 * Values come out as statement parameters (text).
 */
#ifndef SCP_QUERY_H
#define SCP_QUERY_H

#include <stdbool.h>

struct scp_req;

/* "true"/"1" → "t", "false"/"0" → "f". */
bool scp_query_bool(struct scp_req *r, const char *name, const char **out);
/* An amount in major units ("12.50"), ≥ 0 → its minor units ("1250"). */
bool scp_query_money(struct scp_req *r, const char *name, const char **out);
/* A day, YYYY-MM-DD. */
bool scp_query_date(struct scp_req *r, const char *name, const char **out);
/* A UUID. */
bool scp_query_uuid(struct scp_req *r, const char *name, const char **out);
/* One of the NULL-terminated choices. */
bool scp_query_enum(struct scp_req *r, const char *name, const char *const *choices,
		    const char **out);
/* ?search= (or ?q=), at most 200 characters. */
bool scp_query_search(struct scp_req *r, const char **out);

#endif
