/*
 * Web push delivery (job web_push, one per notification and subscription, queued by
 * the notifications_push trigger of sql/functions/97_push.sql in the notification's
 * transaction).  The payload is the notification as the API shows it, encrypted for
 * the subscription's keys (RFC 8291, aes128gcm) and POSTed to its endpoint (RFC 8030)
 * with a VAPID Authorization (RFC 8292), TTL and Urgency (the notification's priority).
 *
 * The push service's answer decides: 201 (or any 2xx) done; 404 or 410, the
 * subscription is gone (the browser unsubscribed or expired it) and its row is dropped;
 * 429 and 5xx retry, after Retry-After when the service gives one; any other 4xx (a
 * key the service refuses, a body too large) is a dead letter, retrying cannot help.
 * A subscription removed or a notification pruned before the job runs sends nothing.
 * The `log` transport writes the plaintext as one JSON line to outbox_log instead.
 */
#include "worker.h"
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_httpc.h"
#include "scp_log.h"
#include "scp_secret.h"
#include "scp_webpush.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* How long a push service keeps an undelivered message (seconds): a day, after which a
 * notification is old news but still in the in-app feed. */
#define PUSH_TTL 86400
/* The JWT's lifetime: 12 hours, within RFC 8292's 24, so a clock ahead still fits. */
#define VAPID_LIFETIME (12 * 3600)

const struct scp_stmt worker_push_stmts[] = {
	/* $1 subscription, $2 notification: still there, still the same user's. */
	{ "push_load",
	  "SELECT s.endpoint, s.p256dh, s.auth_sealed, scp_push_payload(n), n.priority"
	  " FROM push_subscriptions s JOIN notifications n ON n.id = $2::uuid"
	  "  AND n.user_id = s.user_id WHERE s.id = $1::uuid" },
	/* The endpoint is gone (404/410); the same endpoint only (not one re-subscribed). */
	{ "push_drop", "DELETE FROM push_subscriptions WHERE id = $1::uuid AND endpoint = $2" },
	SCP_STMT_END,
};

static const char *payload_str(struct scp_job *job, const char *key)
{
	json_object *v;

	if (!job->payload || !json_object_object_get_ex(job->payload, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The URL to POST to: the endpoint, or its path under push_api_base (tests). */
static void target_url(const char *endpoint, struct scp_buf *url)
{
	const char *path = strchr(endpoint + 8, '/');

	if (*scp_cfg.push_api_base && path) {
		scp_buf_adds(url, scp_cfg.push_api_base);
		scp_buf_adds(url, path);
	} else {
		scp_buf_adds(url, endpoint);
	}
}

static struct worker_result write_log(const char *sub, const char *endpoint,
				      const char *plain)
{
	struct scp_buf f = SCP_BUF_INIT;
	struct worker_result res;

	scp_buf_adds(&f, "\"channel\":\"web_push\",\"subscription_id\":");
	scp_buf_add_json_str(&f, sub);
	scp_buf_adds(&f, ",\"endpoint\":");
	scp_buf_add_json_str(&f, endpoint);
	scp_buf_adds(&f, ",\"payload\":");
	scp_buf_adds(&f, plain);	/* the notification's JSON, from SQL */
	res = worker_outbox_append(f.ptr);
	scp_buf_release(&f);
	return res;
}

/* What the push service's status means for the job. */
static struct worker_result answered(const char *sub, const char *endpoint,
				     const struct scp_httpc_resp *resp)
{
	static char why[96];
	struct worker_result res = { 0 };

	if (resp->status >= 200 && resp->status < 300)
		return res;
	snprintf(why, sizeof(why), "push service answered %ld", resp->status);
	if (resp->status == 404 || resp->status == 410) {
		scp_info("web push: subscription %s is gone (%ld), dropped", sub, resp->status);
		if (!WORKER_EXEC("push_drop", NULL, sub, endpoint))
			res.error = "could not drop the subscription";
		return res;
	}
	res.error = why;
	if (resp->status == 429 || resp->status >= 500)
		worker_retry_after = resp->retry_after;
	else
		res.permanent = true;
	return res;
}

static struct worker_result send_http(const char *sub, const char *endpoint,
				      const char *p256dh_b64, const char *sealed,
				      const char *plain, const char *priority)
{
	unsigned char p256dh[SCP_WEBPUSH_PUBLIC_LEN];
	struct scp_buf auth = SCP_BUF_INIT, body = SCP_BUF_INIT, vapid = SCP_BUF_INIT,
		       url = SCP_BUF_INIT, reply = SCP_BUF_INIT;
	struct worker_result res = { 0 };
	struct scp_httpc_resp resp;
	char aad[2100], authz[1024], urgency[32], ttl[32];
	const char *headers[7];
	bool sent;

	snprintf(aad, sizeof(aad), "push:%s", endpoint);
	if (!scp_webpush_b64url_exact(p256dh, sizeof(p256dh), p256dh_b64) ||
	    !scp_secret_open(sealed, aad, &auth) || auth.len != SCP_WEBPUSH_AUTH_LEN) {
		res = (struct worker_result){ "the subscription's keys do not open", true };
		goto out;
	}
	if (!scp_webpush_encrypt(p256dh, (const unsigned char *)auth.ptr, plain, strlen(plain),
				 &body)) {
		res = (struct worker_result){ "the payload does not encrypt", true };
		goto out;
	}
	if (!scp_webpush_vapid(endpoint, scp_cfg.vapid_subject, scp_cfg.vapid_public_key,
			       scp_cfg.vapid_private_key, (long)time(NULL) + VAPID_LIFETIME,
			       &vapid) || vapid.len + 16 > sizeof(authz)) {
		res = (struct worker_result){ "no VAPID signature (vapid_* keys)", true };
		goto out;
	}
	snprintf(authz, sizeof(authz), "Authorization: %s", vapid.ptr);
	snprintf(urgency, sizeof(urgency), "Urgency: %s", priority);
	snprintf(ttl, sizeof(ttl), "TTL: %d", PUSH_TTL);
	headers[0] = authz;
	headers[1] = "Content-Type: application/octet-stream";
	headers[2] = "Content-Encoding: aes128gcm";
	headers[3] = ttl;
	headers[4] = urgency;
	headers[5] = NULL;
	target_url(endpoint, &url);
	sent = scp_httpc_request(&(struct scp_httpc_req){ .method = "POST", .url = url.ptr,
							  .headers = headers, .body = body.ptr,
							  .body_len = body.len,
							  .timeout_ms = scp_cfg.http_timeout_ms },
				 &reply, &resp);
	if (!sent) {
		static char why[300];

		snprintf(why, sizeof(why), "push service: %s", resp.error);
		res.error = why;
	} else {
		res = answered(sub, endpoint, &resp);
	}
out:
	OPENSSL_cleanse(auth.ptr, auth.len);
	scp_buf_release(&auth);
	scp_buf_release(&body);
	scp_buf_release(&vapid);
	scp_buf_release(&url);
	scp_buf_release(&reply);
	return res;
}

struct worker_result worker_web_push(struct scp_job *job)
{
	const char *sub = payload_str(job, "subscription_id");
	const char *notif = payload_str(job, "notification_id");
	struct worker_result res = { 0 };
	PGresult *r = NULL;

	if (!sub || !notif)
		return (struct worker_result){ "payload needs subscription_id and notification_id",
					       true };
	if (!WORKER_EXEC("push_load", &r, sub, notif))
		return (struct worker_result){ "database", false };
	if (PQntuples(r) == 0) {
		/* unsubscribed, moved to another user, or the notification pruned */
		PQclear(r);
		return res;
	}
	if (!strcmp(scp_cfg.push_transport, "http"))
		res = send_http(sub, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2),
				PQgetvalue(r, 0, 3), PQgetvalue(r, 0, 4));
	else
		res = write_log(sub, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 3));
	PQclear(r);
	return res;
}
