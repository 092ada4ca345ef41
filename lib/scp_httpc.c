#include "scp_httpc.h"
#include "scp_buf.h"

#include <curl/curl.h>
#include <stdio.h>
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
	CURL *c = handle();
	struct curl_slist *h = NULL;
	char line[1024];
	CURLcode rc;

	memset(resp, 0, sizeof(*resp));
	if (!c) {
		snprintf(resp->error, sizeof(resp->error), "curl_easy_init failed");
		return false;
	}
	snprintf(line, sizeof(line), "Content-Type: %s", content_type);
	h = curl_slist_append(h, line);
	if (bearer && *bearer) {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", bearer);
		h = curl_slist_append(h, line);
	}
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	if (unix_path)
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, unix_path);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 5000 ? timeout_ms : 5000);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "scp-worker/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	else
		snprintf(resp->error, sizeof(resp->error), "%s", curl_easy_strerror(rc));
	curl_slist_free_all(h);
	return rc == CURLE_OK;
}
