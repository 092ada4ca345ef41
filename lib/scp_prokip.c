/* Calls to Prokip's API made by a request (scp_prokip.h). */
#include "scp_prokip.h"
#include "scp_arena.h"
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_httpc.h"
#include "scp_json.h"
#include "scp_log.h"
#include "scp_validate.h"

#include <stdio.h>
#include <string.h>

static const char *json_text(json_object *o, const char *key)
{
	json_object *v = scp_json_get(o, key);

	return v && scp_json_is(v, json_type_string) && json_object_get_string_len(v)
		       ? json_object_get_string(v)
		       : NULL;
}

const char *scp_prokip_location(struct scp_req *r, json_object *b)
{
	json_object *v = scp_json_get(b, "location_id");
	int64_t id;
	const char *s;
	size_t n;

	if (!v) {
		scp_field_error(r, "location_id", "is required");
		return NULL;
	}
	if (scp_json_is(v, json_type_int)) {
		if (scp_json_int(v, 1, 999999999, &id))
			return scp_arena_printf(r->arena, "%lld", (long long)id);
		scp_field_error(r, "location_id", "must be a positive id");
		return NULL;
	}
	s = scp_json_is(v, json_type_string) ? json_object_get_string(v) : NULL;
	n = s ? strlen(s) : 0;
	if (n < 1 || n > 40 ||
	    strspn(s, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-") != n) {
		scp_field_error(r, "location_id", "must be Prokip's location id");
		return NULL;
	}
	return s;
}

static bool transport_http(struct scp_req *r)
{
	if (!strcmp(scp_cfg.prokip_transport, "http"))
		return true;
	scp_send_error(r, 503, "UNAVAILABLE",
		       "prokip_transport is log: Prokip cannot be asked", NULL);
	return false;
}

bool scp_prokip_token_call(const char *const *fields, struct scp_buf *out,
			   struct scp_httpc_resp *resp)
{
	struct scp_buf form = SCP_BUF_INIT, url = SCP_BUF_INIT;
	const char *const headers[] = { "Content-Type: application/x-www-form-urlencoded",
					"Accept: application/json", NULL };
	struct scp_httpc_req req = { .method = "POST", .headers = headers,
				     .timeout_ms = scp_cfg.http_timeout_ms };
	bool came;

	for (size_t i = 0; fields[i] && fields[i + 1]; i += 2)
		scp_httpc_form_add(&form, fields[i], fields[i + 1]);
	scp_httpc_form_add(&form, "client_id", scp_cfg.prokip_client_id);
	scp_httpc_form_add(&form, "client_secret", scp_cfg.prokip_client_secret);
	scp_httpc_form_add(&form, "scope", "");
	scp_buf_addf(&url, "%s/oauth/token", scp_cfg.prokip_api_base);
	req.url = url.ptr;
	req.body = form.ptr;
	came = scp_httpc_request(&req, out, resp);
	/* a password or a refresh token must not outlive the call in memory that is reused */
	memset(form.ptr, 0, form.len);
	scp_buf_release(&form);
	scp_buf_release(&url);
	return came;
}

bool scp_prokip_password_grant(struct scp_req *r, const char *user, const char *pass,
			       struct scp_prokip_grant *g)
{
	const char *const fields[] = { "grant_type", "password", "username", user,
				       "password", pass, NULL };
	struct scp_buf out = SCP_BUF_INIT;
	struct scp_httpc_resp resp;
	json_object *doc = NULL, *exp;
	bool ok = false;

	if (!transport_http(r))
		return false;
	if (!scp_prokip_token_call(fields, &out, &resp)) {
		scp_warn("Prokip token endpoint unreachable: %s", resp.error);
		scp_send_error(r, 503, "UNAVAILABLE", "Prokip cannot be reached; try again", NULL);
	} else if (resp.status == 400 || resp.status == 401) {
		scp_field_error(r, "password", "Prokip refused this username and password");
		scp_fields_send(r);
	} else if (resp.status != 200 ||
		   scp_json_parse(out.ptr, out.len, out.len + 1, &doc) != SCP_JSON_OK ||
		   !json_text(doc, "access_token")) {
		scp_warn("Prokip token endpoint answered %ld", resp.status);
		scp_send_error(r, 503, "UNAVAILABLE", "Prokip answered the sign-in unexpectedly",
			       NULL);
	} else {
		g->access = scp_arena_strdup(r->arena, json_text(doc, "access_token"));
		g->refresh = json_text(doc, "refresh_token")
				     ? scp_arena_strdup(r->arena, json_text(doc, "refresh_token"))
				     : NULL;
		exp = scp_json_get(doc, "expires_in");
		g->expires_in = exp && scp_json_is(exp, json_type_int)
					? scp_arena_printf(r->arena, "%lld",
							   (long long)json_object_get_int64(exp))
					: NULL;
		ok = true;
	}
	json_object_put(doc);
	/* the tokens are copied into the arena: the answer's copy goes */
	if (out.ptr)
		memset(out.ptr, 0, out.len);
	scp_buf_release(&out);
	return ok;
}

bool scp_prokip_locations(struct scp_req *r, const char *token, json_object **locations)
{
	struct scp_buf url = SCP_BUF_INIT, auth = SCP_BUF_INIT;
	const char *headers[] = { NULL, "Accept: application/json", NULL };
	struct scp_httpc_req req = { .method = "GET", .headers = headers,
				     .timeout_ms = scp_cfg.http_timeout_ms };
	struct scp_httpc_resp resp;
	json_object *doc = NULL, *data;
	bool ok = false;

	if (!transport_http(r))
		return false;
	scp_buf_addf(&url, "%s/connector/api/business-location", scp_cfg.prokip_api_base);
	scp_buf_addf(&auth, "Authorization: Bearer %s", token);
	headers[0] = auth.ptr;
	req.url = url.ptr;
	if (!scp_httpc_json(r->arena, &req, &resp, &doc)) {
		scp_warn("Prokip business locations unreachable: %s", resp.error);
		scp_send_error(r, 503, "UNAVAILABLE", "Prokip cannot be reached; try again", NULL);
	} else if (resp.status == 401 || resp.status == 403) {
		scp_send_error(r, 401, "UNAUTHORIZED",
			       "Prokip refused the sign-in: sign in to Prokip again", NULL);
	} else if (resp.status != 200 || !doc ||
		   !(data = scp_json_get(doc, "data")) || !scp_json_is(data, json_type_array)) {
		scp_warn("Prokip business locations answered %ld", resp.status);
		scp_send_error(r, 503, "UNAVAILABLE",
			       "Prokip answered the business locations unexpectedly", NULL);
	} else {
		*locations = data;
		ok = true;
	}
	memset(auth.ptr, 0, auth.len);
	scp_buf_release(&auth);
	scp_buf_release(&url);
	return ok;
}
