/*
 * A shop's social connections (issue 13 item 6): Facebook, Instagram, TikTok, Telegram
 * and Viber, one of each per shop.
 *
 * POST /shops/:shopId/integrations/:platform/connect {code}: for the OAuth platforms the
 * authorization code the platform's consent screen gave the seller's browser, which is
 * exchanged here with the platform's token endpoint (the seller is waiting for the
 * answer, as with Shopify's callback):
 *   facebook, instagram  GET {facebook_api_base}/{version}/oauth/access_token?client_id
 *                        &redirect_uri&client_secret&code → {access_token, token_type,
 *                        expires_in}; then GET /{version}/me/accounts?fields=… with that
 *                        user token → {data: [{id, name, access_token,
 *                        instagram_business_account?}]}: the first page (for Instagram
 *                        the first with a business account) is what is connected, with
 *                        its page token, which the Messenger send API needs.
 *   tiktok               POST {tiktok_api_base}/v2/oauth/token/ form client_key,
 *                        client_secret, code, grant_type, redirect_uri → {access_token,
 *                        expires_in, open_id, refresh_token, …}.
 * Telegram and Viber have no OAuth: code is the bot's token (BotFather) or the Viber
 * account's auth token, checked with GET /bot<token>/getMe → {ok, result: {id,
 * username}} and POST /pa/get_account_info (X-Viber-Auth-Token) → {status: 0, id, name}.
 * The redirect_uri is the one the frontend sends the seller with,
 * {public_url}/oauth/<platform>/callback.  The token is sealed (secrets_key) and kept
 * with its expiry; the answer is the connection, never the token.
 *
 * POST …/disconnect deletes the connection and queues social_revoke, which revokes the
 * token at the platform (bin/worker_social.c).
 *
 * Only the shop's owner and admins (403 for other members, 404 for non-members), checked
 * before the code is spent and again when the connection is kept.  With
 * <platform>_transport = log (the development default) no call is made: a development
 * token and account derived from the code are kept, so the flow can be tried locally.
 */
#include "shops.h"
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_hmac.h"
#include "scp_httpc.h"
#include "scp_json.h"
#include "scp_log.h"
#include "scp_secret.h"
#include "scp_validate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define CODE_MAX 2000
#define TOKEN_MAX 2000

const struct scp_stmt shop_integrations_stmts[] = {
	/* $1 shop, $2 caller: SC404 / SC403 unless an owner or admin. */
	{ "social_check", "SELECT scp_shop_integration_check($1, $2)" },
	/* $1 shop, $2 caller, $3 platform, $4 external id, $5 name, $6 sealed token,
	 * $7 seconds until it expires (NULL: does not). */
	{ "social_save", "SELECT scp_shop_integration_save($1, $2, $3, $4, $5, $6, $7)" },
	/* $1 shop, $2 caller, $3 platform. */
	{ "social_remove", "SELECT scp_shop_integration_remove($1, $2, $3)" },
	/* $1 shop, $2 caller, $3 platform, $4 sha256 of the state. */
	{ "social_state_create", "SELECT scp_shop_oauth_state_create($1, $2, $3, $4)" },
	/* $1 sha256 of the state, $2 platform, $3 shop and $4 user it must be for (NULL:
	 * any; the callback learns them from it). */
	{ "social_state_take", "SELECT scp_shop_oauth_state_take($1, $2, $3, $4)" },
	SCP_STMT_END,
};

/* What an exchange yields: the token to keep and what it connects. */
struct grant {
	struct scp_buf token;	/* in clear: wiped and released by the caller */
	char external[201];
	char name[301];
	long expires_in;	/* seconds, -1: does not expire */
};

/* How an outbound call went. */
enum outcome { CALL_OK, CALL_REFUSED, CALL_UNREACHABLE };

struct platform {
	const char *name;
	const char *title;
	char *const *transport;		/* the scp_cfg field */
	bool (*configured)(const char **missing);
	enum outcome (*exchange)(struct scp_req *r, const char *name, const char *code,
				 struct grant *g);
	/* The consent screen (NULL: no OAuth) and the scopes asked there. */
	const char *authorize;
	const char *scopes;
};

/* One call; CALL_OK only for a 200 whose body is a JSON object (into *doc). */
static enum outcome call(const char *what, const char *method, const char *url,
			 const char *const *headers, const char *body, json_object **doc)
{
	struct scp_httpc_req req = { .method = method, .url = url, .headers = headers,
				     .body = body, .timeout_ms = scp_cfg.http_timeout_ms };
	struct scp_httpc_resp resp;
	struct scp_buf answer = SCP_BUF_INIT;
	enum outcome o = CALL_OK;

	*doc = NULL;
	if (!scp_httpc_request(&req, &answer, &resp)) {
		scp_warn("%s: unreachable: %s", what, resp.error);
		o = CALL_UNREACHABLE;
	} else if (resp.status >= 500 || resp.status == 429) {
		scp_warn("%s answered %ld", what, resp.status);
		o = CALL_UNREACHABLE;
	} else if (resp.status != 200) {
		scp_warn("%s answered %ld", what, resp.status);
		o = CALL_REFUSED;
	} else if (scp_json_parse(answer.ptr, answer.len, answer.len + 1, doc) != SCP_JSON_OK ||
		   !json_object_is_type(*doc, json_type_object)) {
		scp_warn("%s: the answer is not a JSON object", what);
		json_object_put(*doc);
		*doc = NULL;
		o = CALL_UNREACHABLE;
	}
	/* The answer holds a token: wipe it. */
	memset(answer.ptr, 0, answer.len);
	scp_buf_release(&answer);
	return o;
}

/* A string member of obj, 1 to max bytes, or NULL. */
static const char *str_member(json_object *obj, const char *key, size_t max)
{
	json_object *v = scp_json_get(obj, key);
	size_t n;

	if (!v || !json_object_is_type(v, json_type_string))
		return NULL;
	n = (size_t)json_object_get_string_len(v);
	return n && n <= max ? json_object_get_string(v) : NULL;
}

/* An id that may come as a number (Telegram) or a string (the others), as text. */
static bool id_member(json_object *obj, const char *key, char *out, size_t outn)
{
	json_object *v = scp_json_get(obj, key);
	const char *s;

	if (v && json_object_is_type(v, json_type_int))
		return snprintf(out, outn, "%lld", (long long)json_object_get_int64(v)) > 0;
	if (!(s = str_member(obj, key, outn - 1)))
		return false;
	snprintf(out, outn, "%s", s);
	return true;
}

static void set_name(struct grant *g, const char *name)
{
	snprintf(g->name, sizeof(g->name), "%s", name ? name : "");
}

static void redirect_uri(struct scp_buf *b, const char *platform)
{
	scp_buf_addf(b, "%s/oauth/%s/callback", scp_cfg.public_url, platform);
}

static bool meta_configured(const char **missing)
{
	*missing = !*scp_cfg.facebook_app_id	   ? "facebook_app_id"
		   : !*scp_cfg.facebook_app_secret ? "facebook_app_secret"
		   : !*scp_cfg.public_url	   ? "public_url"
						   : NULL;
	return !*missing;
}

static bool tiktok_configured(const char **missing)
{
	*missing = !*scp_cfg.tiktok_client_key	    ? "tiktok_client_key"
		   : !*scp_cfg.tiktok_client_secret ? "tiktok_client_secret"
		   : !*scp_cfg.public_url	    ? "public_url"
						    : NULL;
	return !*missing;
}

static bool always_configured(const char **missing)
{
	*missing = NULL;
	return true;
}

/*
 * Facebook and Instagram: the code for a user token, then the user's pages; the page
 * (Instagram: the first page with a business account) is what is connected.
 */
static enum outcome meta_exchange(struct scp_req *r, const char *name, const char *code,
				  struct grant *g)
{
	static const char *const headers[] = { "Accept: application/json", NULL };
	struct scp_buf url = SCP_BUF_INIT, q = SCP_BUF_INIT, ru = SCP_BUF_INIT;
	bool ig = !strcmp(name, "instagram");
	json_object *doc = NULL, *pages = NULL;
	const char *user_token;
	enum outcome o;
	long expires_in = -1;

	(void)r;
	redirect_uri(&ru, name);
	scp_httpc_form_add(&q, "client_id", scp_cfg.facebook_app_id);
	scp_httpc_form_add(&q, "redirect_uri", ru.ptr);
	scp_httpc_form_add(&q, "client_secret", scp_cfg.facebook_app_secret);
	scp_httpc_form_add(&q, "code", code);
	scp_buf_addf(&url, "%s/%s/oauth/access_token?%s", scp_cfg.facebook_api_base,
		     scp_cfg.facebook_api_version, q.ptr);
	o = call("Graph token exchange", "GET", url.ptr, headers, NULL, &doc);
	if (o == CALL_OK && !(user_token = str_member(doc, "access_token", TOKEN_MAX)))
		o = CALL_REFUSED;
	if (o == CALL_OK) {
		json_object *e = scp_json_get(doc, "expires_in");

		if (e && json_object_is_type(e, json_type_int) && json_object_get_int64(e) > 0)
			expires_in = (long)json_object_get_int64(e);
		memset(url.ptr, 0, url.len);
		scp_buf_reset(&url);
		scp_buf_reset(&q);
		scp_httpc_form_add(&q, "fields", ig ? "id,name,access_token,"
						      "instagram_business_account"
						    : "id,name,access_token");
		scp_httpc_form_add(&q, "access_token", user_token);
		scp_buf_addf(&url, "%s/%s/me/accounts?%s", scp_cfg.facebook_api_base,
			     scp_cfg.facebook_api_version, q.ptr);
		o = call("Graph page list", "GET", url.ptr, headers, NULL, &pages);
	}
	if (o == CALL_OK) {
		json_object *data = scp_json_get(pages, "data");
		size_t n = data && json_object_is_type(data, json_type_array)
				   ? json_object_array_length(data)
				   : 0;

		o = CALL_REFUSED;	/* no page (with a business account) to connect */
		for (size_t i = 0; i < n && o == CALL_REFUSED; i++) {
			json_object *p = json_object_array_get_idx(data, i);
			json_object *acct = scp_json_get(p, "instagram_business_account");
			const char *tok = str_member(p, "access_token", TOKEN_MAX);

			if (!tok || !json_object_is_type(p, json_type_object))
				continue;
			if (ig ? !id_member(acct, "id", g->external, sizeof(g->external))
			       : !id_member(p, "id", g->external, sizeof(g->external)))
				continue;
			set_name(g, str_member(p, "name", sizeof(g->name) - 1));
			scp_buf_adds(&g->token, tok);
			g->expires_in = expires_in;
			o = CALL_OK;
		}
	}
	json_object_put(doc);
	json_object_put(pages);
	/* The URLs and query held the app secret and the user token. */
	memset(url.ptr, 0, url.len);
	memset(q.ptr, 0, q.len);
	scp_buf_release(&url);
	scp_buf_release(&q);
	scp_buf_release(&ru);
	return o;
}

static enum outcome tiktok_exchange(struct scp_req *r, const char *name, const char *code,
				    struct grant *g)
{
	static const char *const headers[] = {
		"Content-Type: application/x-www-form-urlencoded", "Accept: application/json",
		"Cache-Control: no-cache", NULL
	};
	struct scp_buf url = SCP_BUF_INIT, body = SCP_BUF_INIT, ru = SCP_BUF_INIT;
	json_object *doc = NULL;
	const char *tok;
	enum outcome o;

	(void)r;
	redirect_uri(&ru, name);
	scp_httpc_form_add(&body, "client_key", scp_cfg.tiktok_client_key);
	scp_httpc_form_add(&body, "client_secret", scp_cfg.tiktok_client_secret);
	scp_httpc_form_add(&body, "code", code);
	scp_httpc_form_add(&body, "grant_type", "authorization_code");
	scp_httpc_form_add(&body, "redirect_uri", ru.ptr);
	scp_buf_addf(&url, "%s/v2/oauth/token/", scp_cfg.tiktok_api_base);
	o = call("TikTok token exchange", "POST", url.ptr, headers, body.ptr, &doc);
	/* TikTok answers a refused code with {error, error_description, log_id}. */
	if (o == CALL_OK && (!(tok = str_member(doc, "access_token", TOKEN_MAX)) ||
			     !id_member(doc, "open_id", g->external, sizeof(g->external))))
		o = CALL_REFUSED;
	if (o == CALL_OK) {
		json_object *e = scp_json_get(doc, "expires_in");

		scp_buf_adds(&g->token, tok);
		g->expires_in = e && json_object_is_type(e, json_type_int) &&
						json_object_get_int64(e) > 0
					? (long)json_object_get_int64(e)
					: -1;
		set_name(g, NULL);
	}
	json_object_put(doc);
	memset(body.ptr, 0, body.len);
	scp_buf_release(&body);
	scp_buf_release(&url);
	scp_buf_release(&ru);
	return o;
}

/* A bot token as BotFather gives it: <bot id>:<35 or so of [A-Za-z0-9_-]>. */
static bool telegram_token_ok(const char *t)
{
	size_t id = strspn(t, "0123456789"), rest;

	if (!id || id > 20 || t[id] != ':')
		return false;
	rest = strspn(t + id + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				  "0123456789_-");
	return rest >= 20 && rest <= 100 && !t[id + 1 + rest];
}

static enum outcome telegram_exchange(struct scp_req *r, const char *name, const char *code,
				      struct grant *g)
{
	static const char *const headers[] = { "Accept: application/json", NULL };
	struct scp_buf url = SCP_BUF_INIT;
	json_object *doc = NULL, *res;
	enum outcome o;

	(void)r;
	(void)name;
	scp_buf_addf(&url, "%s/bot%s/getMe", scp_cfg.telegram_api_base, code);
	o = call("Telegram getMe", "GET", url.ptr, headers, NULL, &doc);
	res = scp_json_get(doc, "result");
	if (o == CALL_OK && (!json_object_get_boolean(scp_json_get(doc, "ok")) ||
			     !id_member(res, "id", g->external, sizeof(g->external))))
		o = CALL_REFUSED;
	if (o == CALL_OK) {
		scp_buf_adds(&g->token, code);
		set_name(g, str_member(res, "username", sizeof(g->name) - 1));
		g->expires_in = -1;
	}
	json_object_put(doc);
	memset(url.ptr, 0, url.len);
	scp_buf_release(&url);
	return o;
}

static enum outcome viber_exchange(struct scp_req *r, const char *name, const char *code,
				   struct grant *g)
{
	struct scp_buf url = SCP_BUF_INIT, auth = SCP_BUF_INIT;
	json_object *doc = NULL, *status;
	const char *headers[] = { "Content-Type: application/json", NULL, NULL };
	enum outcome o;

	(void)r;
	(void)name;
	scp_buf_addf(&auth, "X-Viber-Auth-Token: %s", code);
	headers[1] = auth.ptr;
	scp_buf_addf(&url, "%s/pa/get_account_info", scp_cfg.viber_api_base);
	o = call("Viber get_account_info", "POST", url.ptr, headers, "{}", &doc);
	/* Viber answers 200 with a non-zero status (2: invalidAuthToken) when it refuses. */
	status = scp_json_get(doc, "status");
	if (o == CALL_OK && (!status || !json_object_is_type(status, json_type_int) ||
			     json_object_get_int64(status) != 0 ||
			     !id_member(doc, "id", g->external, sizeof(g->external))))
		o = CALL_REFUSED;
	if (o == CALL_OK) {
		scp_buf_adds(&g->token, code);
		set_name(g, str_member(doc, "name", sizeof(g->name) - 1));
		g->expires_in = -1;
	}
	json_object_put(doc);
	memset(auth.ptr, 0, auth.len);
	scp_buf_release(&auth);
	scp_buf_release(&url);
	return o;
}

static const struct platform platforms[] = {
	{ "facebook", "Facebook", &scp_cfg.facebook_transport, meta_configured, meta_exchange,
	  "https://www.facebook.com/%s/dialog/oauth",
	  "pages_show_list,pages_manage_metadata,pages_messaging,pages_read_engagement" },
	{ "instagram", "Instagram", &scp_cfg.instagram_transport, meta_configured,
	  meta_exchange, "https://www.facebook.com/%s/dialog/oauth",
	  "instagram_basic,instagram_manage_messages,pages_show_list,pages_manage_metadata" },
	{ "tiktok", "TikTok", &scp_cfg.tiktok_transport, tiktok_configured, tiktok_exchange,
	  "https://www.tiktok.com/v2/auth/authorize/", "user.info.basic" },
	{ "telegram", "Telegram", &scp_cfg.telegram_transport, always_configured,
	  telegram_exchange, NULL, NULL },
	{ "viber", "Viber", &scp_cfg.viber_transport, always_configured, viber_exchange, NULL,
	  NULL },
};

/* The platform named in the path; 404 answered for any other. */
static const struct platform *platform_of(struct scp_req *r)
{
	for (size_t i = 0; i < sizeof(platforms) / sizeof(platforms[0]); i++)
		if (!strcmp(r->params[r->nparams - 1], platforms[i].name))
			return &platforms[i];
	scp_not_found(r);
	return NULL;
}

/* The shop id as the worker will name it (lower case), for the sealing's aad. */
static const char *shop_id(struct scp_req *r)
{
	char *s = scp_arena_strdup(r->arena, r->params[0]);

	for (char *p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

/* The development grant: derived from the code, so the same code connects the same. */
static void dev_grant(const struct platform *p, const char *code, struct grant *g)
{
	char h[SCP_SHA256_HEX];

	scp_sha256_hex(h, code, strlen(code));
	scp_buf_addf(&g->token, "dev-%s-%.32s", p->name, h);
	snprintf(g->external, sizeof(g->external), "dev-%.16s", h + 32);
	snprintf(g->name, sizeof(g->name), "Development %s account", p->title);
	g->expires_in = p->configured == always_configured ? -1 : 5184000;	/* 60 days */
}

/* The code field: present, a string, and for Telegram a bot token's shape. */
static const char *code_field(struct scp_req *r, json_object *b, const struct platform *p)
{
	const char *code = scp_field_str(r, b, "code", true, 1, CODE_MAX);

	if (!code)
		return NULL;
	if (!strcmp(p->name, "telegram") && !telegram_token_ok(code)) {
		scp_field_error(r, "code", "must be a Telegram bot token, <bot id>:<secret>");
		return NULL;
	}
	if (strcmp(p->name, "telegram") && strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"
							"klmnopqrstuvwxyz0123456789-._~#!=+/")
						 != strlen(code)) {
		scp_field_error(r, "code", "has characters no authorization code has");
		return NULL;
	}
	return code;
}

/* Can the exchange happen here?  503 naming nothing secret otherwise. */
static bool ready(struct scp_req *r, const struct platform *p, bool http)
{
	const char *missing = NULL;

	if (http && !p->configured(&missing)) {
		scp_error("%s connection refused: %s is not configured", p->title, missing);
		scp_send_error(r, 503, "UNAVAILABLE",
			       scp_arena_printf(r->arena, "%s connections are not configured on "
							  "this server", p->title), NULL);
		return false;
	}
	if (!scp_secret_ready()) {
		scp_error("refusing to store a %s token: secrets_key is not configured", p->title);
		scp_send_error(r, 503, "UNAVAILABLE", "social connections are not available: the "
			       "server has no secrets_key to encrypt tokens with", NULL);
		return false;
	}
	return true;
}

static void keep(struct scp_req *r, const struct platform *p, const char *shop,
		 const char *user, struct grant *g)
{
	struct scp_buf sealed = SCP_BUF_INIT;
	char aad[128], expires[24];
	PGresult *res;

	snprintf(aad, sizeof(aad), "%s/%s:access_token", shop, p->name);
	if (!scp_secret_seal(g->token.ptr, g->token.len, aad, &sealed)) {
		scp_send_internal(r);
		return;
	}
	snprintf(expires, sizeof(expires), "%ld", g->expires_in);
	res = scp_q(r, "social_save", shop, user, p->name, g->external,
		    *g->name ? g->name : NULL, sealed.ptr, g->expires_in < 0 ? NULL : expires);
	scp_buf_release(&sealed);
	if (res)
		scp_send_row_json(r, 200, res);
}

/* Exchange (or, log transport, derive) the code and keep the connection; answers. */
static void finish(struct scp_req *r, const struct platform *p, const char *shop,
		   const char *user, const char *code)
{
	struct grant g = { .token = SCP_BUF_INIT, .expires_in = -1 };
	bool http = !strcmp(*p->transport, "http");
	enum outcome o = CALL_OK;

	if (!ready(r, p, http))
		return;
	if (http)
		o = p->exchange(r, p->name, code, &g);
	else
		dev_grant(p, code, &g);
	if (o == CALL_OK)
		keep(r, p, shop, user, &g);
	else if (o == CALL_REFUSED) {
		scp_field_error(r, "code", scp_arena_printf(r->arena, "%s did not accept it",
							    p->title));
		scp_fields_send(r);
	} else
		scp_send_error(r, 503, "UNAVAILABLE",
			       scp_arena_printf(r->arena, "%s could not be reached; try again",
						p->title), NULL);
	memset(g.token.ptr, 0, g.token.len);
	scp_buf_release(&g.token);
}

/* A state as issued: 64 lower-case hex digits. */
static bool state_shape(const char *s)
{
	return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/*
 * Take the state (single use); false with the answer sent unless it was issued for
 * this platform (and shop and user, when given).  *shop_out / *user_out get its own.
 */
static bool take_state(struct scp_req *r, const struct platform *p, const char *state,
		       const char *shop, const char *user, const char **shop_out,
		       const char **user_out)
{
	char hash[SCP_SHA256_HEX];
	json_object *taken = NULL;
	PGresult *res;
	bool ok;

	scp_sha256_hex(hash, state, strlen(state));
	if (!(res = scp_q(r, "social_state_take", hash, p->name, shop, user)))
		return false;
	if (scp_json_parse(PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0),
			   (size_t)PQgetlength(res, 0, 0) + 1, &taken) != SCP_JSON_OK) {
		scp_send_internal(r);
		return false;
	}
	ok = json_object_get_boolean(scp_json_get(taken, "ok"));
	if (!ok) {
		scp_warn("%s authorization refused: %s", p->title,
			 json_object_get_string(scp_json_get(taken, "reason")));
		scp_field_error(r, "state", scp_arena_strdup(r->arena, json_object_get_string(
								       scp_json_get(taken, "reason"))));
		scp_fields_send(r);
	} else if (shop_out) {
		*shop_out = scp_arena_strdup(r->arena,
					     json_object_get_string(scp_json_get(taken, "shop_id")));
		*user_out = scp_arena_strdup(r->arena,
					     json_object_get_string(scp_json_get(taken, "user_id")));
	}
	json_object_put(taken);
	return ok;
}

void shop_integration_connect(struct scp_req *r)
{
	const struct platform *p = platform_of(r);
	const char *code, *state, *shop;
	json_object *b;

	if (!p || !(b = scp_req_json(r)))
		return;
	code = code_field(r, b, p);
	/* oauthService.ts sends none; a client that asked POST …/authorize sends its own. */
	state = scp_field_str(r, b, "state", false, 64, 64);
	if (state && !state_shape(state))
		scp_field_error(r, "state", "must be the state POST …/authorize answered");
	if (scp_fields_send(r))
		return;
	shop = shop_id(r);
	/* The role first: a code a support agent sends is not spent. */
	if (!scp_q(r, "social_check", shop, r->auth.user_id))
		return;
	if (state && !take_state(r, p, state, shop, r->auth.user_id, NULL, NULL))
		return;
	finish(r, p, shop, r->auth.user_id, code);
}

/* Append s percent-encoded (RFC 3986 unreserved kept) to b. */
static void add_encoded(struct scp_buf *b, const char *s)
{
	struct scp_buf t = SCP_BUF_INIT;

	scp_httpc_form_add(&t, "x", s);
	scp_buf_adds(b, t.ptr + 2);
	scp_buf_release(&t);
}

void shop_integration_authorize(struct scp_req *r)
{
	const struct platform *p = platform_of(r);
	char state[65], hash[SCP_SHA256_HEX];
	struct scp_buf url = SCP_BUF_INIT, ru = SCP_BUF_INIT;
	const char *missing, *shop;
	bool meta;

	if (!p)
		return;
	shop = shop_id(r);
	if (!scp_q(r, "social_check", shop, r->auth.user_id))
		return;
	if (!p->authorize) {
		scp_send_error(r, 409, "CONFLICT", scp_arena_printf(r->arena, "%s has no "
			       "authorization screen: connect with the token itself", p->title),
			       NULL);
		return;
	}
	if (!strcmp(*p->transport, "http") && !p->configured(&missing)) {
		scp_error("%s authorization refused: %s is not configured", p->title, missing);
		scp_send_error(r, 503, "UNAVAILABLE",
			       scp_arena_printf(r->arena, "%s connections are not configured on "
							  "this server", p->title), NULL);
		return;
	}
	scp_random_hex(state, 32);
	scp_sha256_hex(hash, state, strlen(state));
	if (!scp_q(r, "social_state_create", shop, r->auth.user_id, p->name, hash))
		return;
	meta = p->configured == meta_configured;
	redirect_uri(&ru, p->name);
	scp_buf_addf(&url, p->authorize, scp_cfg.facebook_api_version);
	scp_buf_adds(&url, meta ? "?client_id=" : "?client_key=");
	add_encoded(&url, meta ? scp_cfg.facebook_app_id : scp_cfg.tiktok_client_key);
	scp_buf_adds(&url, "&redirect_uri=");
	add_encoded(&url, ru.ptr);
	scp_buf_adds(&url, "&response_type=code&scope=");
	add_encoded(&url, p->scopes);
	scp_buf_addf(&url, "&state=%s", state);
	scp_buf_reset(r->out);
	scp_buf_adds(r->out, "{\"authorize_url\":");
	scp_buf_add_json_str(r->out, url.ptr);
	scp_buf_adds(r->out, ",\"redirect_uri\":");
	scp_buf_add_json_str(r->out, ru.ptr);
	scp_buf_addf(r->out, ",\"state\":\"%s\",\"expires_in\":600}", state);
	scp_buf_release(&url);
	scp_buf_release(&ru);
	scp_send_out(r, 200);
}

/*
 * GET /oauth/:platform/callback?code&state: the platform's redirect.  The state says
 * for which shop and user; the connection is kept as theirs (their role checked again).
 * A seller who declined comes back with error=… and no code: 400.
 */
void shop_integration_callback(struct scp_req *r)
{
	const struct platform *p = platform_of(r);
	const char *code = scp_req_query_param(r, "code");
	const char *state = scp_req_query_param(r, "state");
	const char *shop = NULL, *user = NULL;

	if (!p)
		return;
	if (!p->authorize) {
		scp_not_found(r);
		return;
	}
	if (!code || !*code || !state_shape(state)) {
		scp_bad_request(r, scp_req_query_param(r, "error")
					   ? "the authorization was not given"
					   : "code and state (as POST …/authorize answered) are required");
		return;
	}
	if (strlen(code) > CODE_MAX) {
		scp_bad_request(r, "code is too long");
		return;
	}
	/* The role again before the code is spent: it may have changed since authorize. */
	if (take_state(r, p, state, NULL, NULL, &shop, &user) &&
	    scp_q(r, "social_check", shop, user))
		finish(r, p, shop, user, code);
}

void shop_integration_disconnect(struct scp_req *r)
{
	const struct platform *p = platform_of(r);
	PGresult *res;

	if (!p)
		return;
	res = scp_q(r, "social_remove", shop_id(r), r->auth.user_id, p->name);
	if (res)
		scp_send_row_json(r, 200, res);
}
