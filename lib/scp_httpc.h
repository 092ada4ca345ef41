/*
 * scp_httpc: outbound HTTP (libcurl), for scp-worker and for the few family handlers that
 * must answer with a provider's reply (a payment intent's client secret).
 *
 * Every call has a total timeout, never follows redirects (a provider that redirects
 * is misconfigured, and following could leak credentials to another host), and
 * collects at most 1 MiB of response body.  Calls share one curl handle and its
 * connections: one thread only.
 */
#ifndef SCP_HTTPC_H
#define SCP_HTTPC_H

#include <stdbool.h>
#include <stddef.h>

struct scp_buf;

struct scp_httpc_resp {
	long status;		/* HTTP status, 0 when no response came */
	long retry_after;	/* a Retry-After header's delay in seconds, 0 without one */
	char error[256];	/* transport error, empty when a response came */
};

/*
 * One outbound request.  method is "GET", "POST", "PUT", "DELETE"...; body may be NULL
 * (no body).  headers is a NULL-terminated list of whole "Name: value" lines (an
 * Authorization line among them); each provider module builds its own.  basic_user and
 * basic_pass, when set, send HTTP Basic authentication (Stripe's secret key, WooCommerce's
 * consumer key and secret).  unix_path, when set, connects through that unix socket.
 */
struct scp_httpc_req {
	const char *method;
	const char *url;
	const char *const *headers;
	const char *body;
	const char *basic_user;
	const char *basic_pass;
	const char *unix_path;
	long timeout_ms;
	size_t body_len;	/* a binary body's length (web push); 0: strlen(body) */
};

bool scp_httpc_global_init(void);
/*
 * Append key=value to an application/x-www-form-urlencoded body (with '&' between
 * pairs), both percent-encoded but RFC 3986's unreserved characters: Stripe's
 * metadata[order_id] goes out as metadata%5Border_id%5D, which it reads the same.
 */
void scp_httpc_form_add(struct scp_buf *b, const char *key, const char *value);
/*
 * POST body (content_type) to url with optional "Authorization: Bearer <bearer>".
 * The response body is appended to out.  Returns true when any HTTP response came.
 */
bool scp_httpc_post(const char *url, const char *bearer, const char *content_type,
		    const char *body, long timeout_ms, struct scp_buf *out,
		    struct scp_httpc_resp *resp);
/*
 * Any request.  The response body is appended to out (at most 1 MiB; longer aborts).
 * Returns true when any HTTP response came; resp->status is then its status.
 */
bool scp_httpc_request(const struct scp_httpc_req *req, struct scp_buf *out,
		       struct scp_httpc_resp *resp);
struct scp_arena;
struct json_object;
/*
 * scp_httpc_request for a JSON API (Stripe, PayPal): the answer's body parsed into *doc
 * as a JSON object kept in arena a (NULL when it is none).  True when any response came
 * (resp->status is its status); false with resp->error otherwise.
 */
bool scp_httpc_json(struct scp_arena *a, const struct scp_httpc_req *req,
		    struct scp_httpc_resp *resp, struct json_object **doc);

/* The same through the unix socket unix_path (a local service such as nginx's nchan). */
bool scp_httpc_post_unix(const char *unix_path, const char *url, const char *bearer,
			 const char *content_type, const char *body, long timeout_ms,
			 struct scp_buf *out, struct scp_httpc_resp *resp);

#endif
