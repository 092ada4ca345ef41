/*
 * Connecting a WooCommerce store: POST /connections/woocommerce {store_url,
 * consumer_key, consumer_secret}, the REST API keys the merchant made in WooCommerce →
 * Settings → Advanced → REST API (read/write: orders and products are read, stock is
 * written).
 *
 * The keys are tried once before anything is kept, with
 *   GET {store_url}/wp-json/wc/v3/products?per_page=1
 * and HTTP Basic consumer_key:consumer_secret, as WooCommerce takes them over HTTPS; a
 * store that refuses them, has no REST API there or cannot be reached is 422 with the
 * reason, and nothing is written.  Then both are sealed, with a random webhook secret
 * of the connection's own (kept when the store is connected again), and the
 * connection is active (201).  With woocommerce_transport = log (development) the store
 * is not called.
 *
 * store_url must be https; plain http only for a loopback host (a store on the same
 * machine, and the tests' fake), as WooCommerce itself refuses Basic authentication
 * over plain HTTP.  It is kept without a trailing slash, scheme and host lower-cased:
 * the form a webhook's X-WC-Webhook-Source is compared in.
 */
#include "sync.h"
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_hmac.h"
#include "scp_httpc.h"
#include "scp_json.h"
#include "scp_log.h"
#include "scp_validate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define STORE_URL_MAX 300
#define KEY_MAX 200

const struct scp_stmt sync_woo_stmts[] = {
	/* $1 supplier, $2 user, $3 store URL. */
	{ "woo_claim", "SELECT scp_store_claim($1, $2, 'woocommerce', $3)" },
	/* $1 connection, $2 sealed consumer key, $3 sealed consumer secret, $4 sealed
	 * webhook secret. */
	{ "woo_activate", "SELECT scp_store_activate($1, NULL, $2, $3, NULL, $4)" },
	SCP_STMT_END,
};

static bool loopback(const char *host, size_t n)
{
	return (n == 9 && !strncmp(host, "localhost", 9)) ||
	       (n == 9 && !strncmp(host, "127.0.0.1", 9)) || (n == 5 && !strncmp(host, "[::1]", 5));
}

static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static bool path_char(char c)
{
	return isalnum((unsigned char)c) || strchr("-._~/%", c);
}

/*
 * The store's base URL in its kept form, into the arena; NULL when it is not an
 * acceptable one (why in *why).
 */
static const char *woo_store_url(struct scp_req *r, const char *in, const char **why)
{
	size_t n = strlen(in), skip, host_len = 0, port_len = 0;
	bool https = !strncasecmp(in, "https://", 8), http = !strncasecmp(in, "http://", 7);
	char *out, *host, *p;

	*why = "must be an https URL of the store, without query or fragment";
	if ((!https && !http) || n > STORE_URL_MAX)
		return NULL;
	out = scp_arena_strdup(r->arena, in);
	skip = https ? 8 : 7;
	for (size_t i = 0; i < skip; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
	host = out + skip;
	if (*host == '[') {	/* an IPv6 literal: only the loopback one is of use */
		if (strncmp(host, "[::1]", 5))
			return NULL;
		host_len = 5;
	} else {
		while (host[host_len] && host[host_len] != '/' && host[host_len] != ':') {
			host[host_len] = (char)tolower((unsigned char)host[host_len]);
			if (!host_char(host[host_len]))
				return NULL;
			host_len++;
		}
	}
	if (!host_len || host[0] == '.' || host[0] == '-')
		return NULL;
	p = host + host_len;
	if (*p == ':') {
		while (isdigit((unsigned char)p[1 + port_len]))
			port_len++;
		if (!port_len || port_len > 5)
			return NULL;
		p += 1 + port_len;
	}
	for (char *q = p; *q; q++)
		if (!path_char(*q))
			return NULL;
	if (*p && *p != '/')
		return NULL;
	if (http && !loopback(host, host_len)) {
		*why = "must be https (plain http only for a store on this machine)";
		return NULL;
	}
	n = strlen(out);
	while (n > skip + host_len && out[n - 1] == '/')
		out[--n] = '\0';
	return out;
}

/* A WooCommerce key: prefix ("ck_", "cs_") then letters, digits and underscores. */
static bool key_ok(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, 3) || !s[3])
		return false;
	for (s += 3; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

/* The store's own error message ({"code", "message"}) in its answer, or "". */
static const char *store_message(struct scp_req *r, const struct scp_buf *answer)
{
	json_object *doc = NULL, *v;
	const char *msg = "";

	if (scp_json_parse(answer->ptr, answer->len, answer->len + 1, &doc) == SCP_JSON_OK &&
	    json_object_object_get_ex(doc, "code", &v) && json_object_is_type(v, json_type_string))
		msg = scp_arena_printf(r->arena, ": %.100s", json_object_get_string(v));
	json_object_put(doc);
	return msg;
}

/* How many products a store's /products answer lists (a JSON array), -1 if unknown. */
static int products_listed(const struct scp_buf *answer)
{
	json_object *doc = NULL;
	int n = -1;

	if (scp_json_parse(answer->ptr, answer->len, answer->len + 1, &doc) == SCP_JSON_OK &&
	    json_object_is_type(doc, json_type_array))
		n = (int)json_object_array_length(doc);
	json_object_put(doc);
	return n;
}

/*
 * Try the keys against the store.  false with 422 answered (the field at fault and
 * why) when the store does not take them.  *products: how many products the store
 * listed for the try (at most 1; -1 when not called).
 */
static bool store_accepts(struct scp_req *r, const char *url, const char *key,
			  const char *secret, int *products)
{
	struct scp_buf u = SCP_BUF_INIT, answer = SCP_BUF_INIT;
	static const char *const headers[] = { "Accept: application/json", NULL };
	struct scp_httpc_req req = { .method = "GET", .headers = headers, .basic_user = key,
				     .basic_pass = secret, .timeout_ms = scp_cfg.http_timeout_ms };
	struct scp_httpc_resp resp;
	bool ok = false;

	*products = -1;
	if (strcmp(scp_cfg.woocommerce_transport, "http")) {
		scp_info("woocommerce_transport is %s: %s not called to check its keys",
			 scp_cfg.woocommerce_transport, url);
		return true;
	}
	scp_buf_addf(&u, "%s/wp-json/wc/v3/products?per_page=1", url);
	req.url = u.ptr;
	if (!scp_httpc_request(&req, &answer, &resp)) {
		scp_field_error(r, "store_url", scp_arena_printf(r->arena,
				"the store could not be reached (%.120s)", resp.error));
	} else if (resp.status == 401 || resp.status == 403) {
		scp_field_error(r, "consumer_key", scp_arena_printf(r->arena,
				"the store refused these credentials (HTTP %ld%s)", resp.status,
				store_message(r, &answer)));
	} else if (resp.status == 404) {
		scp_field_error(r, "store_url", "no WooCommerce REST API at this address "
				"(HTTP 404 for /wp-json/wc/v3/products)");
	} else if (resp.status >= 300 && resp.status < 400) {
		scp_field_error(r, "store_url", scp_arena_printf(r->arena,
				"the store redirects (HTTP %ld): give the address it redirects to",
				resp.status));
	} else if (resp.status != 200) {
		scp_field_error(r, "store_url", scp_arena_printf(r->arena,
				"the store answered HTTP %ld%s", resp.status,
				store_message(r, &answer)));
	} else {
		*products = products_listed(&answer);
		ok = true;
	}
	if (!ok)
		scp_warn("WooCommerce keys for %s not accepted (HTTP %ld)", url, resp.status);
	scp_buf_release(&u);
	scp_buf_release(&answer);
	if (!ok)
		scp_fields_send(r);
	return ok;
}

/*
 * The body's store and keys, checked as a connection takes them and tried against the
 * store; false when answered (422).  b is the body; *products as store_accepts.
 */
static bool woo_keys(struct scp_req *r, json_object *b, const char **url, const char **key,
		     const char **secret, int *products)
{
	const char *url_in, *why;

	*url = NULL;
	url_in = scp_field_str(r, b, "store_url", true, 1, STORE_URL_MAX);
	*key = scp_field_str(r, b, "consumer_key", true, 4, KEY_MAX);
	*secret = scp_field_str(r, b, "consumer_secret", true, 4, KEY_MAX);
	if (url_in && !(*url = woo_store_url(r, url_in, &why)))
		scp_field_error(r, "store_url", why);
	if (*key && !key_ok(*key, "ck_"))
		scp_field_error(r, "consumer_key", "must be a WooCommerce consumer key (ck_…)");
	if (*secret && !key_ok(*secret, "cs_"))
		scp_field_error(r, "consumer_secret",
				"must be a WooCommerce consumer secret (cs_…)");
	return !scp_fields_send(r) && store_accepts(r, *url, *key, *secret, products);
}

/* The connection made active with the keys sealed: its row (NULL when answered). */
static PGresult *woo_save(struct scp_req *r, const char *url, const char *key,
			  const char *secret)
{
	const char *id, *skey, *ssecret, *shook;
	char hook_secret[65];
	PGresult *res;

	if (!(res = scp_q(r, "woo_claim", r->auth.supplier_id, r->auth.user_id, url)))
		return NULL;
	id = scp_arena_strdup(r->arena, PQgetvalue(res, 0, 0));
	/* The connection's webhook secret; SQL keeps the one it has, if any. */
	scp_random_hex(hook_secret, 32);
	shook = sync_seal(r, id, "webhook_secret", hook_secret);
	memset(hook_secret, 0, sizeof(hook_secret));
	if (!shook || !(skey = sync_seal(r, id, "consumer_key", key)) ||
	    !(ssecret = sync_seal(r, id, "consumer_secret", secret)))
		return NULL;
	return scp_q(r, "woo_activate", id, skey, ssecret, shook);
}

void sync_woo_connect(struct scp_req *r)
{
	json_object *b;
	const char *url, *key, *secret;
	PGresult *res;
	int products;

	if (!sync_secrets_ready(r) || !(b = scp_req_json(r)) ||
	    !woo_keys(r, b, &url, &key, &secret, &products))
		return;
	if ((res = woo_save(r, url, key, secret)))
		scp_send_row_json(r, 201, res);
}

/*
 * Seed 004's dashboard, its WooCommerce form: POST /woo-connections/test tries the keys
 * and keeps nothing, {success, message, store_info: {url}, test_results:
 * {products_fetched}}; POST /woo-connections/connect {…, store_name} connects as
 * POST /connections/woocommerce does, {success, message, connection: {…, store_name}}.
 */
void sync_woo_test(struct scp_req *r)
{
	json_object *b;
	const char *url, *key, *secret;
	int products;

	if (!(b = scp_req_json(r)) || !woo_keys(r, b, &url, &key, &secret, &products))
		return;
	scp_buf_reset(r->out);
	scp_buf_adds(r->out, "{\"success\":true,\"message\":\"Connection successful\","
		     "\"store_info\":{\"url\":");
	scp_buf_add_json_str(r->out, url);
	scp_buf_adds(r->out, "},\"test_results\":{\"products_fetched\":");
	if (products < 0)
		scp_buf_adds(r->out, "null");
	else
		scp_buf_addf(r->out, "%d", products);
	scp_buf_adds(r->out, "}}");
	scp_send_out(r, 200);
}

void sync_woo_dashboard_connect(struct scp_req *r)
{
	json_object *b, *conn;
	const char *url, *key, *secret, *name;
	PGresult *res;
	int products;

	if (!sync_secrets_ready(r) || !(b = scp_req_json(r)))
		return;
	name = scp_field_str(r, b, "store_name", false, 0, 200);
	if (!woo_keys(r, b, &url, &key, &secret, &products) ||
	    !(res = woo_save(r, url, key, secret)))
		return;
	if (!(conn = scp_json_kept(r->arena, PQgetvalue(res, 0, 0),
				   (size_t)PQgetlength(res, 0, 0)))) {
		scp_send_internal(r);
		return;
	}
	/* The name the merchant gave, or the store's address: shown, not kept. */
	json_object_object_add(conn, "store_name",
			       json_object_new_string(name && *name ? name : url));
	scp_buf_reset(r->out);
	scp_buf_adds(r->out, "{\"success\":true,\"message\":\"Store connected successfully\","
		     "\"connection\":");
	scp_buf_adds(r->out, json_object_to_json_string_ext(conn, JSON_C_TO_STRING_PLAIN));
	scp_buf_addc(r->out, '}');
	scp_send_out(r, 201);
}
