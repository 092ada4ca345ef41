/*
 * What the webhooks of the hooks family share: a provider's base64 HMAC, a bounded
 * header, the check that a verified body is a JSON object, and Meta's handshake and
 * X-Hub-Signature-256 (WhatsApp, Messenger and Instagram).
 */
#include "hooks.h"
#include "scp_hmac.h"
#include "scp_json.h"
#include "scp_log.h"
#include "scp_metrics.h"

#include <ctype.h>
#include <fcgiapp.h>
#include <stdio.h>
#include <string.h>

#define HEADER_MAX 255

bool hooks_b64_hmac_ok(const char *header, const char *secret, const char *body, size_t len)
{
	unsigned char mac[SCP_SHA256_LEN];
	char want[4 * ((SCP_SHA256_LEN + 2) / 3) + 1];

	if (!header || !*header || !secret || !*secret)
		return false;
	scp_hmac_sha256(mac, secret, strlen(secret), body, len);
	scp_base64(want, mac, sizeof(mac));
	return scp_ct_equal(want, strlen(want), header, strlen(header));
}

/* A header that is present, short and printable ASCII, or NULL. */
const char *hooks_header(struct scp_req *r, const char *name)
{
	const char *v = scp_req_param(r, name);

	if (!v || !*v || strlen(v) > HEADER_MAX)
		return NULL;
	for (const char *p = v; *p; p++)
		if (!isgraph((unsigned char)*p))
			return NULL;
	return v;
}

/* The body as a JSON object, or 400 answered and false. */
bool hooks_json_object(struct scp_req *r)
{
	json_object *doc = NULL;
	enum scp_json_err e = scp_json_parse(r->body, r->body_len, HOOKS_BODY_MAX, &doc);
	bool ok = e == SCP_JSON_OK && json_object_is_type(doc, json_type_object);

	json_object_put(doc);
	if (!ok)
		scp_bad_request(r, e != SCP_JSON_OK ? scp_json_strerror(e)
						    : "the body must be a JSON object");
	return ok;
}

/* ---- Meta (GET: the subscription handshake; POST: X-Hub-Signature-256) ---- */

/* Meta's challenge is a number; anything longer than this is not Meta's. */
#define CHALLENGE_MAX 256

/*
 * Equal secrets, in time that depends on neither's contents nor length: the digests
 * are compared, not the strings.
 */
static bool same_secret(const char *a, const char *b)
{
	char ha[SCP_SHA256_HEX], hb[SCP_SHA256_HEX];

	scp_sha256_hex(ha, a, strlen(a));
	scp_sha256_hex(hb, b, strlen(b));
	return scp_ct_equal(ha, SCP_SHA256_HEX - 1, hb, SCP_SHA256_HEX - 1);
}

/* Printable ASCII without spaces, as Meta's challenges are. */
static bool plain_token(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > CHALLENGE_MAX)
		return false;
	for (; *s; s++)
		if (!isgraph((unsigned char)*s))
			return false;
	return true;
}

/* The challenge goes back as text/plain, the only answer Meta accepts. */
static void send_text(struct scp_req *r, const char *text)
{
	size_t len = strlen(text);
	char head[160];
	int n;

	r->status = 200;
	if (!r->fcgi)
		return;
	n = snprintf(head, sizeof(head), "Status: 200 OK\r\nContent-Type: text/plain; "
		     "charset=utf-8\r\nContent-Length: %lu\r\nCache-Control: no-store\r\n\r\n",
		     (unsigned long)len);
	FCGX_PutStr(head, n, r->fcgi->out);
	FCGX_PutStr(text, (int)len, r->fcgi->out);
}

void hooks_meta_handshake(struct scp_req *r, const char *verify_token, const char *provider)
{
	const char *mode = scp_req_query_param(r, "hub.mode");
	const char *token = scp_req_query_param(r, "hub.verify_token");
	const char *challenge = scp_req_query_param(r, "hub.challenge");

	if (!mode || !token || !challenge) {
		scp_bad_request(r, "hub.mode, hub.verify_token and hub.challenge are required");
		return;
	}
	/* No token configured refuses every handshake: "" must not match "". */
	if (strcmp(mode, "subscribe") || !*verify_token || !same_secret(token, verify_token)) {
		scp_warn("%s webhook handshake refused", provider);
		scp_metrics_webhook_failed(provider);
		scp_forbidden(r, "verification failed");
		return;
	}
	if (!plain_token(challenge)) {
		scp_bad_request(r, "hub.challenge must be 1 to 256 printable characters");
		return;
	}
	send_text(r, challenge);
}

/*
 * Is header "sha256=<64 hex digits>" the HMAC of body under secret?  The hex is
 * compared in lower case, as Meta sends it; only the digits' values are secret.
 */
static bool signature_ok(const char *header, const char *secret, const char *body,
			 size_t len)
{
	static const char prefix[] = "sha256=";
	char want[SCP_SHA256_HEX], got[SCP_SHA256_HEX];
	size_t n;

	if (!header || strncmp(header, prefix, sizeof(prefix) - 1))
		return false;
	header += sizeof(prefix) - 1;
	n = strlen(header);
	if (n != SCP_SHA256_HEX - 1)
		return false;
	for (size_t i = 0; i < n; i++)
		got[i] = (char)tolower((unsigned char)header[i]);
	got[n] = '\0';
	scp_hmac_sha256_hex(want, secret, strlen(secret), body, len);
	return scp_ct_equal(want, SCP_SHA256_HEX - 1, got, n);
}

/*
 * Read and verify the delivery.  One answer for every failure, so that the response
 * does not tell a missing secret from a wrong signature; the log does.
 */
bool hooks_meta_verified(struct scp_req *r, const char *secret, const char *provider)
{
	const char *sig = scp_req_param(r, "HTTP_X_HUB_SIGNATURE_256");

	if (!scp_req_read_body(r, HOOKS_BODY_MAX))
		return false;
	if (!*secret)
		scp_warn("%s webhook refused: %s_app_secret is not configured", provider, provider);
	else if (!sig || !*sig)
		scp_warn("%s webhook refused: no X-Hub-Signature-256", provider);
	else if (!signature_ok(sig, secret, r->body, r->body_len))
		scp_warn("%s webhook refused: bad X-Hub-Signature-256", provider);
	else
		return true;
	scp_metrics_webhook_failed(provider);
	scp_unauthorized(r, "invalid webhook signature");
	return false;
}
