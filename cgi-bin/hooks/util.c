/*
 * What the webhooks of the hooks family share: a provider's base64 HMAC, a bounded
 * header, and the check that a verified body is a JSON object.
 */
#include "hooks.h"
#include "scp_hmac.h"
#include "scp_json.h"

#include <ctype.h>
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
