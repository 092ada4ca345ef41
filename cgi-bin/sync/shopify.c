/*
 * Connecting a Shopify store: Shopify's OAuth authorization code grant.
 *
 * POST /connections/shopify/initiate {shop} (or seed 004's {storeUrl}; a bare shop name
 * means name.myshopify.com) answers the URL that sends the merchant to
 * the shop's consent screen, https://{shop}/admin/oauth/authorize?client_id=…&scope=…
 * &redirect_uri=…&state=…, with a random single-use state kept hashed for 10 minutes
 * and bound to the caller and the shop.
 *
 * Shopify then sends the merchant's browser to GET /connections/shopify/callback with
 * code, hmac, shop, state, timestamp (and host).  hmac is the hex HMAC-SHA256, keyed
 * with the app's API secret, of every other query parameter, sorted by name and joined
 * as name=value with '&': decoded ('%' and '&' escaped as %25 and %26, '=' as %3D in
 * names) as Shopify's OAuth documentation describes, or form-encoded as Shopify's own
 * libraries write it (see signed_message).  Only a
 * callback whose hmac verifies, whose timestamp is recent and whose state is the
 * unused one issued for that shop exchanges its code, by
 *   POST https://{shop}/admin/oauth/access_token {client_id, client_secret, code}
 *   → {access_token, scope}
 * (shopify_api_base replaces https://{shop} when set).  The token is sealed and the
 * connection made active, which queues the registration of its webhooks.  When the
 * initiate request came from an allowed page (its Origin, return_page), the browser is
 * sent back to it as seed 004's backend does, 302 to /?shopify_success=true&store=…
 * or ?shopify_error=…; otherwise the answer is the connection as JSON (200), for a
 * front end that put itself in between.
 */
#include "sync.h"
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_cookie.h"
#include "scp_hmac.h"
#include "scp_httpc.h"
#include "scp_json.h"
#include "scp_log.h"
#include "scp_validate.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SHOPIFY_SCOPES "read_orders,read_products,write_inventory,read_inventory"
#define SHOP_MAX 255
/* How old (seconds) a callback's timestamp may be; a little clock skew ahead is fine. */
#define CALLBACK_MAX_AGE 600
#define CALLBACK_MAX_AHEAD 60

const struct scp_stmt sync_shopify_stmts[] = {
	/* $1 supplier, $2 user, $3 shop, $4 sha256 of the state. */
	/* $5 the page to return to, or NULL */
	{ "shopify_state_create", "SELECT scp_shopify_state_create($1, $2, $3, $4, $5)" },
	/* $1 sha256 of the state, $2 shop. */
	{ "shopify_state_take", "SELECT scp_shopify_state_take($1, $2)" },
	/* $1 supplier, $2 user, $3 shop. */
	{ "shopify_claim", "SELECT scp_store_claim($1, $2, 'shopify', $3)" },
	/* $1 connection, $2 sealed token, $3 scopes. */
	{ "shopify_activate", "SELECT scp_store_activate($1, $2, NULL, NULL, $3, NULL)" },
	SCP_STMT_END,
};

/*
 * Is s a shop domain, "name.myshopify.com" (^[a-z0-9][a-z0-9-]*\.myshopify\.com$)?
 * out receives it lower-cased (SHOP_MAX + 1 bytes).
 */
static bool shop_domain(const char *s, char *out)
{
	static const char suffix[] = ".myshopify.com";
	size_t n = strlen(s), name;

	if (n > SHOP_MAX || n <= sizeof(suffix) - 1)
		return false;
	for (size_t i = 0; i <= n; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	name = n - (sizeof(suffix) - 1);
	if (strcmp(out + name, suffix))
		return false;
	if (!isalnum((unsigned char)out[0]) || !isascii((unsigned char)out[0]))
		return false;
	for (size_t i = 0; i < name; i++)
		if (!((out[i] >= 'a' && out[i] <= 'z') || (out[i] >= '0' && out[i] <= '9') ||
		      out[i] == '-'))
			return false;
	return true;
}

/* Where server-to-server calls for shop go: shopify_api_base (tests) or the shop. */
static void shop_base(struct scp_buf *b, const char *shop)
{
	if (*scp_cfg.shopify_api_base)
		scp_buf_adds(b, scp_cfg.shopify_api_base);
	else
		scp_buf_addf(b, "https://%s", shop);
}

/*
 * The page the authorization began on: the request's Origin when it is one this site's
 * pages may come from (scp_origin_allowed) and plainly scheme://host[:port]; NULL for
 * an API client, whose callback is answered in JSON.
 */
static const char *return_page(struct scp_req *r)
{
	const char *o = scp_req_param(r, "HTTP_ORIGIN"), *host;
	size_t n;

	if (!o || !scp_origin_allowed(r, o))
		return NULL;
	host = !strncmp(o, "https://", 8) ? o + 8 : !strncmp(o, "http://", 7) ? o + 7 : NULL;
	n = host ? strlen(host) : 0;
	if (n < 1 || n > 255 || strcspn(host, "/?#\"<> \t\r\n") != n)
		return NULL;
	return o;
}

/* The app's settings an authorization needs; 503 naming what is missing otherwise. */
static bool configured(struct scp_req *r, bool exchange)
{
	const char *missing = NULL;

	if (!*scp_cfg.shopify_api_key)
		missing = "shopify_api_key";
	else if (!*scp_cfg.shopify_api_secret)
		missing = "shopify_api_secret";
	else if (!*scp_cfg.public_url)
		missing = "public_url";
	if (missing) {
		scp_error("Shopify authorization refused: %s is not configured", missing);
		scp_send_error(r, 503, "UNAVAILABLE",
			       "Shopify connections are not configured on this server", NULL);
		return false;
	}
	if (exchange && strcmp(scp_cfg.shopify_transport, "http")) {
		scp_error("Shopify code exchange refused: shopify_transport is not http");
		scp_send_error(r, 503, "UNAVAILABLE",
			       "Shopify connections are not configured on this server", NULL);
		return false;
	}
	return sync_secrets_ready(r);
}

void sync_shopify_initiate(struct scp_req *r)
{
	json_object *b;
	const char *shop_in;
	char shop[SHOP_MAX + 1], state[65], hash[SCP_SHA256_HEX];
	PGresult *res;

	if (!configured(r, false) || !(b = scp_req_json(r)))
		return;
	/* Seed 004's clients send {storeUrl: "name" or "name.myshopify.com"}. */
	shop_in = json_object_object_get_ex(b, "shop", NULL) ||
			  !json_object_object_get_ex(b, "store_url", NULL)
		  ? scp_field_str(r, b, "shop", true, 1, SHOP_MAX)
		  : scp_field_str(r, b, "store_url", true, 1, SHOP_MAX);
	if (shop_in && !strchr(shop_in, '.') && strlen(shop_in) < SHOP_MAX - 14)
		shop_in = scp_arena_printf(r->arena, "%s.myshopify.com", shop_in);
	if (shop_in && !shop_domain(shop_in, shop))
		scp_field_error(r, "shop", "must be a Shopify shop domain, name.myshopify.com");
	if (scp_fields_send(r))
		return;
	scp_random_hex(state, 32);
	scp_sha256_hex(hash, state, strlen(state));
	res = scp_q(r, "shopify_state_create", r->auth.supplier_id, r->auth.user_id, shop, hash,
		    return_page(r));
	if (!res)
		return;
	scp_buf_reset(r->out);
	scp_buf_adds(r->out, "{\"authorize_url\":");
	{
		struct scp_buf url = SCP_BUF_INIT;

		/* public_url is checked at start-up: http(s), no trailing slash. */
		scp_buf_addf(&url, "https://%s/admin/oauth/authorize?client_id=", shop);
		scp_buf_adds(&url, scp_cfg.shopify_api_key);
		scp_buf_addf(&url, "&scope=%s&redirect_uri=%s/api/v1/connections/shopify/callback"
			     "&state=%s", SHOPIFY_SCOPES, scp_cfg.public_url, state);
		scp_buf_add_json_str(r->out, url.ptr);
		scp_buf_release(&url);
	}
	scp_buf_adds(r->out, ",\"state\":");
	scp_buf_add_json_str(r->out, state);
	scp_buf_adds(r->out, ",\"shop\":");
	scp_buf_add_json_str(r->out, shop);
	scp_buf_addf(r->out, ",\"expires_in\":600}");
	scp_send_out(r, 200);
}

/* Append s with '%' and '&' (and '=' when a name) escaped, as Shopify signs them. */
static void add_escaped(struct scp_buf *b, const char *s, bool name)
{
	for (; *s; s++) {
		if (*s == '%')
			scp_buf_adds(b, "%25");
		else if (*s == '&')
			scp_buf_adds(b, "%26");
		else if (name && *s == '=')
			scp_buf_adds(b, "%3D");
		else
			scp_buf_addc(b, *s);
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(const struct scp_qparam *const *)a)->name,
		      (*(const struct scp_qparam *const *)b)->name);
}

/* Append s form-encoded (URLSearchParams: [A-Za-z0-9*-._] kept, space '+', else %XX). */
static void add_form_encoded(struct scp_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) && c < 0x80)
			scp_buf_addc(b, (char)c);
		else if (strchr("*-._", c) && c)
			scp_buf_addc(b, (char)c);
		else if (c == ' ')
			scp_buf_addc(b, '+');
		else {
			scp_buf_addc(b, '%');
			scp_buf_addc(b, hex[c >> 4]);
			scp_buf_addc(b, hex[c & 15]);
		}
	}
}

/*
 * The message Shopify signs: the parameters but hmac and signature, sorted by name,
 * name=value joined by '&'.  Shopify's documentation writes the values decoded ('%' and
 * '&' escaped); its own libraries (shopify-api-js) form-encode them.  The two agree for
 * every value Shopify sends in practice (hex, digits, a shop domain, base64 without
 * padding); form says which.  false when a name is sent twice (ambiguous).
 */
static bool signed_message(const struct scp_qparam *const *ps, size_t n, bool form,
			   struct scp_buf *msg)
{
	for (size_t i = 0; i < n; i++) {
		if (i && !strcmp(ps[i]->name, ps[i - 1]->name))
			return false;
		if (i)
			scp_buf_addc(msg, '&');
		if (form) {
			add_form_encoded(msg, ps[i]->name);
			scp_buf_addc(msg, '=');
			add_form_encoded(msg, ps[i]->value);
		} else {
			add_escaped(msg, ps[i]->name, true);
			scp_buf_addc(msg, '=');
			add_escaped(msg, ps[i]->value, false);
		}
	}
	return true;
}

/* Is want the hex HMAC of msg?  Constant time. */
static bool mac_matches(const struct scp_buf *msg, const char *got, size_t len)
{
	char want[SCP_SHA256_HEX];

	scp_hmac_sha256_hex(want, scp_cfg.shopify_api_secret, strlen(scp_cfg.shopify_api_secret),
			    msg->ptr, msg->len);
	return scp_ct_equal(want, SCP_SHA256_HEX - 1, got, len);
}

/*
 * Does the query's hmac verify, over either spelling of the message?  The hex is
 * compared in lower case, in constant time.
 */
static bool hmac_ok(struct scp_req *r, const char *hmac)
{
	const struct scp_qparam *ps[SCP_MAX_QUERY_PARAMS];
	struct scp_buf plain = SCP_BUF_INIT, form = SCP_BUF_INIT;
	char got[SCP_SHA256_HEX];
	size_t n = 0, len = strlen(hmac);
	bool ok = false;

	if (len != SCP_SHA256_HEX - 1)
		return false;
	for (size_t i = 0; i < len; i++)
		got[i] = (char)tolower((unsigned char)hmac[i]);
	got[len] = '\0';
	for (int i = 0; i < r->nqp; i++)
		if (strcmp(r->qp[i].name, "hmac") && strcmp(r->qp[i].name, "signature"))
			ps[n++] = &r->qp[i];
	qsort(ps, n, sizeof(ps[0]), by_name);
	if (signed_message(ps, n, false, &plain) && signed_message(ps, n, true, &form)) {
		bool a = mac_matches(&plain, got, len), b = mac_matches(&form, got, len);

		ok = a || b;
	}
	scp_buf_release(&plain);
	scp_buf_release(&form);
	return ok;
}

/* A Unix time in seconds within the accepted window of now. */
static bool fresh(const char *ts)
{
	char *end;
	long long t;
	long long now = (long long)time(NULL);

	if (!*ts || strlen(ts) > 12)
		return false;
	for (const char *p = ts; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	t = strtoll(ts, &end, 10);
	return t >= now - CALLBACK_MAX_AGE && t <= now + CALLBACK_MAX_AHEAD;
}

/* The access token and scope of Shopify's answer, or NULL; *doc keeps them alive. */
static const char *answered_token(const struct scp_buf *answer, json_object **doc,
				  const char **scope)
{
	json_object *tok, *sc;

	*doc = NULL;
	*scope = NULL;
	if (scp_json_parse(answer->ptr, answer->len, answer->len + 1, doc) != SCP_JSON_OK ||
	    !json_object_object_get_ex(*doc, "access_token", &tok) ||
	    !json_object_is_type(tok, json_type_string) || !json_object_get_string_len(tok) ||
	    json_object_get_string_len(tok) > 500)
		return NULL;
	if (json_object_object_get_ex(*doc, "scope", &sc) && json_object_is_type(sc, json_type_string))
		*scope = json_object_get_string(sc);
	return json_object_get_string(tok);
}

enum exchanged { EXCHANGED, REFUSED, UNREACHABLE };

/*
 * Exchange the code for the shop's offline access token; the token goes to token_out
 * (caller releases).  REFUSED when Shopify refuses the code (used, expired, forged),
 * UNREACHABLE when it cannot be reached or fails; nothing is answered here.
 */
static enum exchanged exchange(const char *shop, const char *code,
			       struct scp_buf *token_out, struct scp_buf *scope_out)
{
	struct scp_buf url = SCP_BUF_INIT, body = SCP_BUF_INIT, answer = SCP_BUF_INIT;
	static const char *const headers[] = { "Content-Type: application/json",
					       "Accept: application/json", NULL };
	struct scp_httpc_req req = { .method = "POST", .headers = headers,
				     .timeout_ms = scp_cfg.http_timeout_ms };
	struct scp_httpc_resp resp;
	json_object *doc = NULL;
	const char *token = NULL, *scope;
	bool unreachable = false;

	shop_base(&url, shop);
	scp_buf_adds(&url, "/admin/oauth/access_token");
	scp_buf_adds(&body, "{\"client_id\":");
	scp_buf_add_json_str(&body, scp_cfg.shopify_api_key);
	scp_buf_adds(&body, ",\"client_secret\":");
	scp_buf_add_json_str(&body, scp_cfg.shopify_api_secret);
	scp_buf_adds(&body, ",\"code\":");
	scp_buf_add_json_str(&body, code);
	scp_buf_adds(&body, "}");
	req.url = url.ptr;
	req.body = body.ptr;
	if (!scp_httpc_request(&req, &answer, &resp)) {
		scp_warn("Shopify token exchange for %s: unreachable: %s", shop, resp.error);
		unreachable = true;
	} else if (resp.status >= 500 || resp.status == 429) {
		scp_warn("Shopify token exchange for %s answered %ld", shop, resp.status);
		unreachable = true;
	} else if (resp.status != 200) {
		scp_warn("Shopify token exchange for %s answered %ld", shop, resp.status);
	} else if (!(token = answered_token(&answer, &doc, &scope))) {
		scp_warn("Shopify token exchange for %s: no access_token in the answer", shop);
	}
	if (token) {
		scp_buf_adds(token_out, token);
		scp_buf_adds(scope_out, scope ? scope : "");
	}
	json_object_put(doc);
	/* The body holds the app secret and the answer the token: wipe both. */
	memset(body.ptr, 0, body.len);
	memset(answer.ptr, 0, answer.len);
	scp_buf_release(&body);
	scp_buf_release(&answer);
	scp_buf_release(&url);
	return token ? EXCHANGED : unreachable ? UNREACHABLE : REFUSED;
}

/*
 * The browser back to the page the authorization began on, as seed 004's backend sends
 * it: 302 to <origin>/?shopify_success=true&store=<shop>, or ?shopify_error=<why>.
 * False when there is no such page (an API client): the caller answers itself.
 */
static bool back(struct scp_req *r, const char *ret, const char *shop, const char *why)
{
	struct scp_buf q = SCP_BUF_INIT;
	const char *url;

	if (!ret || !*ret)
		return false;
	if (why) {
		scp_httpc_form_add(&q, "shopify_error", why);
	} else {
		scp_httpc_form_add(&q, "shopify_success", "true");
		scp_httpc_form_add(&q, "store", shop);
	}
	url = scp_arena_printf(r->arena, "%s/?%s", ret, q.ptr);
	scp_buf_release(&q);
	scp_add_header(r, "Location: %s", url);
	scp_buf_reset(r->out);
	scp_buf_adds(r->out, "{\"location\":");
	scp_buf_add_json_str(r->out, url);
	scp_buf_addc(r->out, '}');
	scp_send_out(r, 302);
	return true;
}

/*
 * Keep the token sealed and make the connection active; answers the connection, or
 * sends the browser back to ret.
 */
static void connect(struct scp_req *r, const char *supplier, const char *user,
		    const char *shop, const char *token, const char *scope, const char *ret)
{
	PGresult *res = scp_q(r, "shopify_claim", supplier, user, shop);
	const char *id, *sealed;

	if (!res)
		return;
	id = scp_arena_strdup(r->arena, PQgetvalue(res, 0, 0));
	if (!(sealed = sync_seal(r, id, "access_token", token)))
		return;
	res = scp_q(r, "shopify_activate", id, sealed, scope);
	if (res && !back(r, ret, shop, NULL))
		scp_send_row_json(r, 200, res);
}

void sync_shopify_callback(struct scp_req *r)
{
	const char *code = scp_req_query_param(r, "code");
	const char *hmac = scp_req_query_param(r, "hmac");
	const char *shop_in = scp_req_query_param(r, "shop");
	const char *state = scp_req_query_param(r, "state");
	const char *ts = scp_req_query_param(r, "timestamp");
	char shop[SHOP_MAX + 1], hash[SCP_SHA256_HEX];
	struct scp_buf token = SCP_BUF_INIT, scope = SCP_BUF_INIT;
	json_object *taken = NULL;
	const char *ret, *reason;
	enum exchanged ex;
	PGresult *res;

	if (!code || !hmac || !shop_in || !state || !ts || !*code || !*state) {
		scp_bad_request(r, "code, hmac, shop, state and timestamp are required");
		return;
	}
	if (!configured(r, true))
		return;
	if (!hmac_ok(r, hmac)) {
		scp_warn("Shopify callback refused: bad hmac");
		scp_unauthorized(r, "invalid hmac");
		return;
	}
	if (!fresh(ts)) {
		scp_warn("Shopify callback refused: stale timestamp %s", ts);
		scp_unauthorized(r, "the request has expired");
		return;
	}
	if (!shop_domain(shop_in, shop) || strcmp(shop, shop_in)) {
		scp_bad_request(r, "shop must be a Shopify shop domain, name.myshopify.com");
		return;
	}
	if (strlen(code) > 200) {
		scp_bad_request(r, "code is too long");
		return;
	}
	scp_sha256_hex(hash, state, strlen(state));
	if (!(res = scp_q(r, "shopify_state_take", hash, shop)))
		return;
	if (scp_json_parse(PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0),
			   (size_t)PQgetlength(res, 0, 0) + 1, &taken) != SCP_JSON_OK) {
		scp_send_internal(r);
		return;
	}
	ret = scp_json_str(taken, "return_to");
	reason = scp_json_str(taken, "reason");
	/* The state is spent either way: the merchant starts again from initiate. */
	if (!json_object_get_boolean(scp_json_get(taken, "ok"))) {
		scp_warn("Shopify callback refused: %s", reason);
		if (!back(r, ret, shop, reason))
			scp_forbidden(r, scp_arena_strdup(r->arena, reason));
	} else if ((ex = exchange(shop, code, &token, &scope)) == UNREACHABLE) {
		if (!back(r, ret, shop, "Shopify could not be reached; connect the store again"))
			scp_send_error(r, 503, "UNAVAILABLE", "Shopify could not be reached to "
				       "finish the authorization; start it again", NULL);
	} else if (ex == REFUSED) {
		if (!back(r, ret, shop, "Shopify did not accept the authorization code"))
			scp_bad_request(r, "Shopify did not accept the authorization code; start "
					   "the authorization again");
	} else {
		connect(r, scp_json_str(taken, "supplier_id"), scp_json_str(taken, "user_id"),
			shop, token.ptr, scope.ptr, ret);
	}
	json_object_put(taken);
	memset(token.ptr, 0, token.len);
	scp_buf_release(&token);
	scp_buf_release(&scope);
}
