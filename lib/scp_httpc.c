#include "scp_httpc.h"
#include "scp_buf.h"
#include "scp_json.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>

#define MAX_RESPONSE (1 << 20)

bool scp_httpc_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

/*
 * One handle for the process (scp-worker calls from one thread), reset before each use:
 * curl_easy_reset keeps the handle's open connections, so a run of events to nchan, or of
 * messages to one provider, reuses one connection instead of opening one each.
 */
static CURL *handle(void)
{
	static CURL *c;

	if (c)
		curl_easy_reset(c);
	else
		c = curl_easy_init();
	return c;
}

static void form_escape(struct scp_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			scp_buf_addc(b, (char)*p);
		} else {
			scp_buf_addc(b, '%');
			scp_buf_addc(b, hex[*p >> 4]);
			scp_buf_addc(b, hex[*p & 15]);
		}
	}
}

void scp_httpc_form_add(struct scp_buf *b, const char *key, const char *value)
{
	if (b->len)
		scp_buf_addc(b, '&');
	form_escape(b, key);
	scp_buf_addc(b, '=');
	form_escape(b, value ? value : "");
}

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
	struct scp_buf *out = arg;
	size_t len = size * n;

	if (out->len + len > MAX_RESPONSE)
		return 0;	/* aborts the transfer */
	scp_buf_add(out, data, len);
	return len;
}

bool scp_httpc_post(const char *url, const char *bearer, const char *content_type,
		    const char *body, long timeout_ms, struct scp_buf *out,
		    struct scp_httpc_resp *resp)
{
	return scp_httpc_post_unix(NULL, url, bearer, content_type, body, timeout_ms, out, resp);
}

bool scp_httpc_post_unix(const char *unix_path, const char *url, const char *bearer,
			 const char *content_type, const char *body, long timeout_ms,
			 struct scp_buf *out, struct scp_httpc_resp *resp)
{
	char ct[512], auth[1024];
	const char *headers[3] = { ct, NULL, NULL };
	struct scp_httpc_req req = {
		.method = "POST", .url = url, .headers = headers, .body = body,
		.unix_path = unix_path, .timeout_ms = timeout_ms,
	};

	snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
	if (bearer && *bearer) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", bearer);
		headers[1] = auth;
	}
	return scp_httpc_request(&req, out, resp);
}

/*
 * Retry-After (RFC 9110 section 10.2.3): delay-seconds or an HTTP-date; the delay from
 * now, 0 for none, a past date or one that does not parse.  Capped at a day.
 */
static long retry_after(CURL *c)
{
	struct curl_header *h = NULL;
	const char *v;
	char *end;
	long secs;
	time_t when;

	if (curl_easy_header(c, "Retry-After", 0, CURLH_HEADER, -1, &h) != CURLHE_OK || !h)
		return 0;
	v = h->value;
	secs = strtol(v, &end, 10);
	if (end == v || *end) {
		when = curl_getdate(v, NULL);
		secs = when > 0 ? (long)(when - time(NULL)) : 0;
	}
	return secs < 0 ? 0 : secs > 86400 ? 86400 : secs;
}

bool scp_httpc_request(const struct scp_httpc_req *req, struct scp_buf *out,
		       struct scp_httpc_resp *resp)
{
	CURL *c = handle();
	struct curl_slist *h = NULL;
	long timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : 10000;
	CURLcode rc;

	memset(resp, 0, sizeof(*resp));
	if (!c) {
		snprintf(resp->error, sizeof(resp->error), "curl_easy_init failed");
		return false;
	}
	for (const char *const *l = req->headers; l && *l; l++)
		h = curl_slist_append(h, *l);
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	if (req->unix_path)
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, req->unix_path);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (req->body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
	if (req->body && req->body_len)
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)req->body_len);
	if (strcmp(req->method, "GET") == 0)
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	else if (strcmp(req->method, "POST") != 0 || !req->body)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	if (req->basic_user) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, req->basic_user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, req->basic_pass ? req->basic_pass : "");
	}
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 5000 ? timeout_ms : 5000);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "scp/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
		resp->retry_after = retry_after(c);
	} else
		snprintf(resp->error, sizeof(resp->error), "%s", curl_easy_strerror(rc));
	curl_slist_free_all(h);
	return rc == CURLE_OK;
}

bool scp_httpc_json(struct scp_arena *a, const struct scp_httpc_req *req,
		    struct scp_httpc_resp *resp, struct json_object **doc)
{
	struct scp_buf out = SCP_BUF_INIT;
	bool ok = scp_httpc_request(req, &out, resp);

	*doc = ok ? scp_json_kept(a, out.ptr, out.len) : NULL;
	scp_buf_release(&out);
	return ok;
}
