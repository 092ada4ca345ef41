/*
 * Web push subscriptions: a browser's PushSubscription ({endpoint, keys: {p256dh,
 * auth}}, what JSON.stringify(subscription) gives), kept per user so that scp-worker
 * can push each new notification to every browser the user subscribed
 * (bin/worker_push.c, RFC 8030/8291/8292).  Cliick's paths: /notifications/subscribe,
 * /notifications/unsubscribe, and the VAPID public key the browser subscribes with.
 */
#include "messages.h"
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_json.h"
#include "scp_log.h"
#include "scp_secret.h"
#include "scp_validate.h"
#include "scp_webpush.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#define ENDPOINT_MAX 2048

const struct scp_stmt msg_push_stmts[] = {
	/* $1 user, $2 session, $3 endpoint, $4 p256dh, $5 sealed auth. */
	{ "push_subscribe", "SELECT subscription, inserted FROM scp_push_subscribe($1, $2, $3,"
			    " $4, $5)" },
	/* An endpoint the caller subscribed, or (no endpoint) its session's. */
	{ "push_unsubscribe_endpoint",
	  "WITH d AS (DELETE FROM push_subscriptions WHERE user_id = $1 AND endpoint = $2"
	  "  RETURNING 1) SELECT json_build_object('removed_count', count(*)) FROM d" },
	{ "push_unsubscribe_session",
	  "WITH d AS (DELETE FROM push_subscriptions WHERE user_id = $1 AND session_id = $2"
	  "  RETURNING 1) SELECT json_build_object('removed_count', count(*)) FROM d" },
	SCP_STMT_END,
};

/*
 * An endpoint a push service gave: an https URL with a host and a path, printable
 * ASCII only (what the worker will POST to, and the aud of its VAPID JWT).
 */
static const char *field_endpoint(struct scp_req *r, json_object *b)
{
	const char *e = scp_field_str(r, b, "endpoint", true, 1, ENDPOINT_MAX);
	char origin[ENDPOINT_MAX + 1];

	if (!e)
		return NULL;
	for (const char *c = e; *c; c++)
		if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f) {
			scp_field_error(r, "endpoint", "must be a URL of printable ASCII");
			return NULL;
		}
	if (!scp_webpush_origin(e, origin, sizeof(origin))) {
		scp_field_error(r, "endpoint", "must be an https URL with a host and a path");
		return NULL;
	}
	return e;
}

/* keys.<name>: a string, base64url of exactly len bytes; errors name "keys.<name>". */
static bool field_key(struct scp_req *r, json_object *keys, const char *name,
		      unsigned char *out, size_t len, const char *msg)
{
	json_object *v = NULL;
	char field[32];

	snprintf(field, sizeof(field), "keys.%s", name);
	if (!json_object_object_get_ex(keys, name, &v) || !v) {
		scp_field_error(r, field, "is required");
		return false;
	}
	if (!json_object_is_type(v, json_type_string) ||
	    !scp_webpush_b64url_exact(out, len, json_object_get_string(v))) {
		scp_field_error(r, field, msg);
		return false;
	}
	return true;
}

void push_subscribe(struct scp_req *r)
{
	json_object *b = scp_req_json(r), *keys = NULL;
	unsigned char p256dh[SCP_WEBPUSH_PUBLIC_LEN], auth[SCP_WEBPUSH_AUTH_LEN];
	struct scp_buf pub = SCP_BUF_INIT, sealed = SCP_BUF_INIT;
	const char *endpoint, *aad;
	bool keys_ok = false;
	PGresult *res;

	if (!b)
		return;
	endpoint = field_endpoint(r, b);
	if (!json_object_object_get_ex(b, "keys", &keys) ||
	    !json_object_is_type(keys, json_type_object)) {
		scp_field_error(r, "keys", "must be an object {p256dh, auth}");
	} else {
		bool p = field_key(r, keys, "p256dh", p256dh, sizeof(p256dh),
				   "must be base64url of a 65-byte uncompressed P-256 point");
		bool a = field_key(r, keys, "auth", auth, sizeof(auth),
				   "must be base64url of 16 bytes");

		if (p && !scp_webpush_public_ok(p256dh))
			scp_field_error(r, "keys.p256dh", "must be a point on P-256");
		else
			keys_ok = p && a;
	}
	if (scp_fields_send(r) || !endpoint || !keys_ok)
		return;
	if (!scp_secret_ready()) {
		scp_error("refusing a push subscription: secrets_key is not configured");
		scp_send_error(r, 503, "UNAVAILABLE", "push notifications are not available: the "
			       "server has no secrets_key to keep subscriptions' secrets with", NULL);
		return;
	}
	aad = scp_arena_printf(r->arena, "push:%s", endpoint);
	scp_webpush_b64url(&pub, p256dh, sizeof(p256dh));
	if (!scp_secret_seal(auth, sizeof(auth), aad, &sealed)) {
		scp_send_internal(r);
		goto out;
	}
	res = scp_q(r, "push_subscribe", r->auth.user_id, r->auth.sid, endpoint, pub.ptr,
		    sealed.ptr);
	if (res)
		scp_send(r, !strcmp(PQgetvalue(res, 0, 1), "t") ? 201 : 200, PQgetvalue(res, 0, 0),
			 (size_t)PQgetlength(res, 0, 0));
out:
	OPENSSL_cleanse(auth, sizeof(auth));
	scp_buf_release(&pub);
	scp_buf_release(&sealed);
}

/*
 * {endpoint} removes that subscription of the caller's; no body (Cliick sends the
 * cookie alone) removes the ones its session made.  Answers how many went: again, or
 * another user's endpoint, is 0, not an error (the browser has unsubscribed anyway).
 */
void push_unsubscribe(struct scp_req *r)
{
	json_object *b = scp_req_json_opt(r);
	const char *endpoint;
	PGresult *res;

	if (!b)
		return;
	if (!json_object_object_get_ex(b, "endpoint", NULL)) {
		res = scp_q(r, "push_unsubscribe_session", r->auth.user_id, r->auth.sid);
	} else {
		endpoint = scp_field_str(r, b, "endpoint", true, 1, ENDPOINT_MAX);
		if (scp_fields_send(r) || !endpoint)
			return;
		res = scp_q(r, "push_unsubscribe_endpoint", r->auth.user_id, endpoint);
	}
	if (res)
		scp_send_row_json(r, 200, res);
}

/* {public_key}: the applicationServerKey a browser subscribes with. */
void push_vapid_key(struct scp_req *r)
{
	struct scp_buf b = SCP_BUF_INIT;

	if (!scp_webpush_vapid_pair_ok(scp_cfg.vapid_public_key, scp_cfg.vapid_private_key)) {
		scp_send_error(r, 503, "UNAVAILABLE",
			       "push notifications are not configured on this server", NULL);
		return;
	}
	scp_buf_adds(&b, "{\"public_key\":");
	scp_buf_add_json_str(&b, scp_cfg.vapid_public_key);
	scp_buf_addc(&b, '}');
	scp_send(r, 200, b.ptr, b.len);
	scp_buf_release(&b);
}
