/*
 * The sync engine's passes (seed 004), run by scp-worker:
 *
 * sync_pass {supplier_id}, queued every sync_interval seconds for each supplier with a
 * Prokip account that is not paused, and by POST /sync: read Prokip's
 *   GET {prokip_api_base}/connector/api/product-stock-report?location_id=L&per_page=N&page=P
 * (every page), compare it by SKU with the inventory cache of each enabled store (in
 * SQL: scp_sync_diff), and push only the differences:
 *   Shopify      POST {shop}/admin/api/{version}/inventory_levels/set.json
 *                {location_id, inventory_item_id, available}, X-Shopify-Access-Token
 *   WooCommerce  PUT {store}/wp-json/wc/v3/products/{id} (or …/{parent}/variations/{id})
 *                {stock_quantity, manage_stock: true}, HTTP Basic (key:secret)
 * A SKU's ids in a store come from the cache, else from the store (Shopify: its first
 * active location and the variants of its products, read once a pass; WooCommerce:
 * GET /products?sku=) and are cached with what was pushed.  A store that fails (no
 * answer, 5xx, 429, refused credentials) gets no more pushes this pass and a sync error;
 * what it did not take stays different from the cache, so the next pass retries it,
 * and the pass that gets everything through resolves the error.
 *
 * sync_pull_orders {supplier_id}, queued by POST /sync/pull-orders: each store's paid
 * orders updated since the last pull, every page (Shopify GET /orders.json?status=any&
 * financial_status=paid&updated_at_min=…&since_id=…, WooCommerce GET /orders?after=…&
 * status=processing,completed&page=…), recorded as sales once each (scp_sync_record_orders):
 * an order a webhook already recorded is not sent again.
 */
#include "worker.h"
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_httpc.h"
#include "scp_json.h"
#include "scp_log.h"
#include "scp_secret.h"
#include "scp_text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REPORT_PAGE 500		/* SKUs a report page asks for */
#define REPORT_PAGES_MAX 1000
#define SHOPIFY_PAGE 250	/* Shopify's largest page of products */
#define SHOPIFY_PAGES_MAX 400
#define STORES_MAX 64
#define CACHE_FLUSH (256 * 1024)	/* write cache rows in batches of about this size */
#define PULL_SHOPIFY_PAGE 50	/* orders a page: 250 full Shopify orders could pass 1 MiB */
#define PULL_WOO_PAGE 50
#define PULL_PAGES_MAX 40

const struct scp_stmt worker_sync_stmts[] = {
	{ "sync_schedule", "SELECT scp_sync_schedule($1::int)" },
	{ "sync_conns",
	  "SELECT id, platform, store_url, access_token, consumer_key, consumer_secret"
	  " FROM store_connections WHERE supplier_id = $1 AND sync_enabled"
	  " AND status IN ('active', 'error') ORDER BY id LIMIT 64" },
	{ "sync_diff",
	  "SELECT connection_id, platform, sku, quantity, external_ref::text"
	  " FROM scp_sync_diff($1, $2::jsonb)" },
	{ "sync_cache_put", "SELECT scp_sync_cache_put($1, $2::jsonb)" },
	{ "sync_store_ok", "SELECT scp_sync_store_ok($1)" },
	{ "sync_store_failed", "SELECT scp_sync_store_failed($1, $2, $3::int)" },
	{ "sync_pass_done", "SELECT scp_sync_pass_done($1, $2::int, $3::int, $4::int)" },
	/* $1 supplier, $2 connection, $3 kind, $4 ref, $5 cause, $6 retry in seconds */
	{ "sync_error_note", "SELECT scp_sync_error_note($1, $2, $3, $4, $5, $6::int)" },
	{ "sync_error_clear", "SELECT scp_sync_error_clear($1, $2, $3, $4)" },
	{ "sync_pull_since",
	  "SELECT to_char(coalesce(s.last_pull_at, now() - interval '7 days')"
	  " - interval '10 minutes', 'YYYY-MM-DD\"T\"HH24:MI:SS'), now()::text"
	  " FROM (SELECT 1) one LEFT JOIN sync_state s ON s.supplier_id = $1" },
	{ "sync_pull_done",
	  "INSERT INTO sync_state AS s (supplier_id, last_pull_at) VALUES ($1, $2::timestamptz)"
	  " ON CONFLICT (supplier_id) DO UPDATE SET last_pull_at = EXCLUDED.last_pull_at,"
	  " updated_at = now()" },
	{ "sync_record_orders", "SELECT scp_sync_record_orders($1, $2, $3::jsonb)" },
	SCP_STMT_END,
};


static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void worker_sync_schedule(struct scp_db *db)
{
	static long long last;
	char interval[24];
	PGresult *res = NULL;

	/* every 5 s: a pass due is queued within that of its time */
	if (now_ms() - last < 5000)
		return;
	last = now_ms();
	snprintf(interval, sizeof(interval), "%ld", scp_cfg.sync_interval);
	if (scp_db_exec(db, "sync_schedule", 1, (const char *const[]){ interval }, &res) !=
	    SCP_DB_OK)
		scp_error("libpq: sync_schedule: %s", res ? PQresultErrorMessage(res) : "database unavailable");
	else if (strcmp(PQgetvalue(res, 0, 0), "0"))
		scp_info("sync: %s passes queued", PQgetvalue(res, 0, 0));
	PQclear(res);
}

static const char *payload_supplier(struct scp_job *job)
{
	json_object *v = job->payload ? scp_json_get(job->payload, "supplier_id") : NULL;
	const char *s = v && scp_json_is(v, json_type_string) ? json_object_get_string(v) : NULL;

	return s && scp_valid_uuid(s) ? s : NULL;
}

static void url_escape(struct scp_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || strchr("-._~", *p)) {
			scp_buf_addc(b, (char)*p);
		} else {
			scp_buf_addc(b, '%');
			scp_buf_addc(b, hex[*p >> 4]);
			scp_buf_addc(b, hex[*p & 15]);
		}
	}
}

/* ---- stores ------------------------------------------------------------------------ */

struct store {
	char id[40];
	char platform[16];
	char url[320];
	struct scp_buf token, key, secret;	/* opened secrets */
	bool ready;		/* its secrets opened */
	bool failed;		/* down this pass: nothing more is sent to it */
	bool sku_failed;	/* a SKU was refused this pass */
	bool log;		/* its platform's transport is log */
	long long location;	/* Shopify: the location whose levels are set */
	json_object *variants;	/* Shopify: sku → {inventory_item_id, variant_id}, once */
	struct scp_buf cache;	/* rows for scp_sync_cache_put, a JSON array being built */
	int pushed;
};

enum outcome { PUSH_OK, PUSH_NOT_FOUND, PUSH_SKU_FAILED, PUSH_STORE_DOWN };

static bool open_secret(const PGresult *res, int row, int col, const char *conn,
			const char *field, struct scp_buf *out)
{
	char aad[80];

	if (PQgetisnull(res, row, col))
		return false;
	snprintf(aad, sizeof(aad), "%s:%s", conn, field);
	return scp_secret_open(PQgetvalue(res, row, col), aad, out);
}

static void store_init(struct store *s, const PGresult *res, int row)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "%s", PQgetvalue(res, row, 0));
	snprintf(s->platform, sizeof(s->platform), "%s", PQgetvalue(res, row, 1));
	snprintf(s->url, sizeof(s->url), "%s", PQgetvalue(res, row, 2));
	/* a WooCommerce URL without its trailing slash, so paths append */
	for (size_t n = strlen(s->url); n && s->url[n - 1] == '/'; n--)
		s->url[n - 1] = 0;
	if (!strcmp(s->platform, "shopify")) {
		s->log = strcmp(scp_cfg.shopify_transport, "http") != 0;
		s->ready = open_secret(res, row, 3, s->id, "access_token", &s->token);
	} else {
		s->log = strcmp(scp_cfg.woocommerce_transport, "http") != 0;
		s->ready = open_secret(res, row, 4, s->id, "consumer_key", &s->key) &&
			   open_secret(res, row, 5, s->id, "consumer_secret", &s->secret);
	}
	s->ready = s->ready || s->log;
}

static void wipe(struct scp_buf *b)
{
	if (b->ptr && b->len)
		memset(b->ptr, 0, b->len);
	scp_buf_release(b);
}

static void store_release(struct store *s)
{
	wipe(&s->token);
	wipe(&s->key);
	wipe(&s->secret);
	json_object_put(s->variants);
	scp_buf_release(&s->cache);
}

static bool shopify(const struct store *s)
{
	return !strcmp(s->platform, "shopify");
}

/* The store's API URL of path: Shopify's admin API of the version, WooCommerce's v3. */
static void store_url(const struct store *s, struct scp_buf *u, const char *path)
{
	if (shopify(s)) {
		if (*scp_cfg.shopify_api_base)
			scp_buf_adds(u, scp_cfg.shopify_api_base);
		else
			scp_buf_addf(u, "https://%s", s->url);
		scp_buf_addf(u, "/admin/api/%s/%s", scp_cfg.shopify_api_version, path);
	} else {
		scp_buf_addf(u, "%s/wp-json/wc/v3/%s", s->url, path);
	}
}

/* One call to the store; the outcome says what its answer means for the sync. */
static enum outcome store_call(struct store *s, const char *method, const char *path,
			       const char *body, struct scp_buf *out, char *cause, size_t n)
{
	struct scp_buf url = SCP_BUF_INIT, auth = SCP_BUF_INIT;
	const char *headers[] = { "Accept: application/json", "Content-Type: application/json",
				  NULL, NULL };
	struct scp_httpc_req req = { .method = method, .headers = headers, .body = body,
				     .timeout_ms = scp_cfg.http_timeout_ms };
	struct scp_httpc_resp resp;
	enum outcome o;

	store_url(s, &url, path);
	req.url = url.ptr;
	if (shopify(s)) {
		scp_buf_addf(&auth, "X-Shopify-Access-Token: %s", s->token.ptr);
		headers[2] = auth.ptr;
	} else {
		req.basic_user = s->key.ptr;
		req.basic_pass = s->secret.ptr;
	}
	if (!scp_httpc_request(&req, out, &resp)) {
		snprintf(cause, n, "%s unreachable: %s", s->platform, resp.error);
		o = PUSH_STORE_DOWN;
	} else if (resp.status >= 200 && resp.status <= 299) {
		o = PUSH_OK;
	} else if (resp.status == 404) {
		o = PUSH_NOT_FOUND;
	} else {
		snprintf(cause, n, "%s answered %ld to %s %s: %.200s", s->platform, resp.status,
			 method, path, out->ptr);
		o = resp.status >= 400 && resp.status < 500 && resp.status != 401 &&
				    resp.status != 403 && resp.status != 408 && resp.status != 429
			    ? PUSH_SKU_FAILED
			    : PUSH_STORE_DOWN;
	}
	wipe(&auth);
	scp_buf_release(&url);
	return o;
}

static json_object *parse(const struct scp_buf *b)
{
	json_object *doc = NULL;

	if (scp_json_parse(b->ptr, b->len, b->len + 1, &doc) != SCP_JSON_OK)
		return NULL;
	return doc;
}

static long long int_member(json_object *o, const char *key)
{
	json_object *v = o ? scp_json_get(o, key) : NULL;

	if (v && scp_json_is(v, json_type_int))
		return json_object_get_int64(v);
	if (v && scp_json_is(v, json_type_string))
		return strtoll(json_object_get_string(v), NULL, 10);
	return 0;
}

/* Shopify: the first active location, and every variant's ids by SKU. */
static enum outcome shopify_load(struct store *s, char *cause, size_t n)
{
	struct scp_buf out = SCP_BUF_INIT, path = SCP_BUF_INIT;
	json_object *doc, *list;
	long long since = 0;
	enum outcome o;

	o = store_call(s, "GET", "locations.json", NULL, &out, cause, n);
	if (o != PUSH_OK)
		goto done;
	doc = parse(&out);
	list = doc ? scp_json_get(doc, "locations") : NULL;
	for (size_t i = 0; list && scp_json_is(list, json_type_array) &&
			   i < json_object_array_length(list); i++) {
		json_object *l = json_object_array_get_idx(list, i), *act = scp_json_get(l, "active");

		if (!act || json_object_get_boolean(act)) {
			s->location = int_member(l, "id");
			break;
		}
	}
	json_object_put(doc);
	if (!s->location) {
		snprintf(cause, n, "shopify: the shop has no active location");
		o = PUSH_STORE_DOWN;
		goto done;
	}
	s->variants = json_object_new_object();
	for (int page = 0; page < SHOPIFY_PAGES_MAX; page++) {
		size_t got;

		scp_buf_reset(&out);
		scp_buf_reset(&path);
		scp_buf_addf(&path, "products.json?limit=%d&fields=id,variants&since_id=%lld",
			     SHOPIFY_PAGE, since);
		o = store_call(s, "GET", path.ptr, NULL, &out, cause, n);
		if (o != PUSH_OK)
			break;
		doc = parse(&out);
		list = doc ? scp_json_get(doc, "products") : NULL;
		got = list && scp_json_is(list, json_type_array) ? json_object_array_length(list) : 0;
		for (size_t i = 0; i < got; i++) {
			json_object *p = json_object_array_get_idx(list, i);
			json_object *vs = scp_json_get(p, "variants");

			since = int_member(p, "id") > since ? int_member(p, "id") : since;
			for (size_t j = 0; vs && scp_json_is(vs, json_type_array) &&
					   j < json_object_array_length(vs); j++) {
				json_object *v = json_object_array_get_idx(vs, j), *ref;
				json_object *sku = scp_json_get(v, "sku");

				if (!sku || !scp_json_is(sku, json_type_string) ||
				    !json_object_get_string_len(sku))
					continue;
				ref = json_object_new_object();
				json_object_object_add(ref, "inventory_item_id",
						       json_object_new_int64(int_member(v, "inventory_item_id")));
				json_object_object_add(ref, "variant_id",
						       json_object_new_int64(int_member(v, "id")));
				json_object_object_add(ref, "location_id",
						       json_object_new_int64(s->location));
				json_object_object_add(s->variants, json_object_get_string(sku), ref);
			}
		}
		json_object_put(doc);
		if (got < SHOPIFY_PAGE)
			break;
	}
done:
	scp_buf_release(&out);
	scp_buf_release(&path);
	return o;
}

/* The store's ids of sku into *ref (a new object), or PUSH_NOT_FOUND. */
static enum outcome resolve(struct store *s, const char *sku, json_object **ref, char *cause,
			    size_t n)
{
	struct scp_buf out = SCP_BUF_INIT, path = SCP_BUF_INIT;
	json_object *doc, *hit = NULL;
	enum outcome o = PUSH_NOT_FOUND;

	*ref = NULL;
	if (shopify(s)) {
		if (!s->variants && (o = shopify_load(s, cause, n)) != PUSH_OK)
			return o;
		if (json_object_object_get_ex(s->variants, sku, &hit))
			*ref = json_object_get(hit);
		return *ref ? PUSH_OK : PUSH_NOT_FOUND;
	}
	scp_buf_adds(&path, "products?sku=");
	url_escape(&path, sku);
	o = store_call(s, "GET", path.ptr, NULL, &out, cause, n);
	if (o == PUSH_OK) {
		doc = parse(&out);
		o = PUSH_NOT_FOUND;
		for (size_t i = 0; doc && scp_json_is(doc, json_type_array) &&
				   i < json_object_array_length(doc); i++) {
			json_object *p = json_object_array_get_idx(doc, i), *ps = scp_json_get(p, "sku");
			long long parent = int_member(p, "parent_id");

			if (!ps || !scp_json_is(ps, json_type_string) ||
			    strcmp(json_object_get_string(ps), sku))
				continue;
			*ref = json_object_new_object();
			json_object_object_add(*ref, "product_id",
					       json_object_new_int64(parent > 0 ? parent
									: int_member(p, "id")));
			if (parent > 0)
				json_object_object_add(*ref, "variation_id",
						       json_object_new_int64(int_member(p, "id")));
			o = PUSH_OK;
			break;
		}
		json_object_put(doc);
	}
	scp_buf_release(&out);
	scp_buf_release(&path);
	return o;
}

/* Set sku's level in the store to qty, at the ids of ref. */
static enum outcome push(struct store *s, const char *sku, int qty, json_object *ref,
			 char *cause, size_t n)
{
	struct scp_buf out = SCP_BUF_INIT, path = SCP_BUF_INIT, body = SCP_BUF_INIT;
	enum outcome o;

	if (s->log) {
		scp_buf_addf(&body, "\"channel\":\"%s\",\"connection_id\":\"%s\",\"sku\":",
			     s->platform, s->id);
		scp_buf_add_json_str(&body, sku);
		scp_buf_addf(&body, ",\"available\":%d", qty);
		o = worker_outbox_append(body.ptr).error ? PUSH_STORE_DOWN : PUSH_OK;
		snprintf(cause, n, "cannot write outbox_log");
	} else if (shopify(s)) {
		scp_buf_addf(&body, "{\"location_id\":%lld,\"inventory_item_id\":%lld,"
			     "\"available\":%d}",
			     int_member(ref, "location_id"), int_member(ref, "inventory_item_id"), qty);
		o = store_call(s, "POST", "inventory_levels/set.json", body.ptr, &out, cause, n);
	} else {
		if (int_member(ref, "variation_id"))
			scp_buf_addf(&path, "products/%lld/variations/%lld",
				     int_member(ref, "product_id"), int_member(ref, "variation_id"));
		else
			scp_buf_addf(&path, "products/%lld", int_member(ref, "product_id"));
		scp_buf_addf(&body, "{\"stock_quantity\":%d,\"manage_stock\":true}", qty);
		o = store_call(s, "PUT", path.ptr, body.ptr, &out, cause, n);
	}
	scp_buf_release(&out);
	scp_buf_release(&path);
	scp_buf_release(&body);
	return o;
}

static bool has_ids(const struct store *s, json_object *ref)
{
	return shopify(s) ? int_member(ref, "inventory_item_id") && int_member(ref, "location_id")
			  : int_member(ref, "product_id") != 0;
}

static void cache_add(struct store *s, const char *sku, int qty, json_object *ref)
{
	scp_buf_adds(&s->cache, s->cache.len ? ",{\"sku\":" : "[{\"sku\":");
	scp_buf_add_json_str(&s->cache, sku);
	scp_buf_addf(&s->cache, ",\"quantity\":%d,\"external_ref\":%s}", qty,
		     ref ? json_object_to_json_string_ext(ref, JSON_C_TO_STRING_PLAIN)
			 : "{\"missing\":true}");
}

static void cache_flush(struct store *s)
{
	if (!s->cache.len)
		return;
	scp_buf_addc(&s->cache, ']');
	WORKER_EXEC("sync_cache_put", NULL, s->id, s->cache.ptr);
	scp_buf_reset(&s->cache);
}

static void store_down(struct store *s, const char *cause)
{
	char retry[24];

	s->failed = true;
	snprintf(retry, sizeof(retry), "%ld", scp_cfg.sync_interval);
	WORKER_EXEC("sync_store_failed", NULL, s->id, cause, retry);
	scp_warn("sync: store %s: %s", s->id, cause);
}

/* One (store, SKU) that differs from Prokip's level. */
static void sync_sku(const char *supplier, struct store *s, const char *sku, int qty,
		     const char *ref_text)
{
	json_object *ref = NULL;
	enum outcome o = PUSH_OK;
	char cause[400] = "";

	if (scp_json_parse(ref_text, strlen(ref_text), strlen(ref_text) + 1, &ref) != SCP_JSON_OK)
		ref = NULL;
	if (!s->log && !has_ids(s, ref)) {
		json_object_put(ref);
		o = resolve(s, sku, &ref, cause, sizeof(cause));
	}
	if (o == PUSH_OK)
		o = push(s, sku, qty, ref, cause, sizeof(cause));
	switch (o) {
	case PUSH_OK:
		cache_add(s, sku, qty, ref);
		s->pushed++;
		break;
	case PUSH_NOT_FOUND:
		/* the store does not sell it: remembered until Prokip's level moves */
		cache_add(s, sku, qty, NULL);
		break;
	case PUSH_SKU_FAILED:
		s->sku_failed = true;
		WORKER_EXEC("sync_error_note", NULL, supplier, s->id, "store_push_sku", sku, cause,
		     "0");
		break;
	case PUSH_STORE_DOWN:
		store_down(s, cause);
		break;
	}
	json_object_put(ref);
	if (s->cache.len > CACHE_FLUSH)
		cache_flush(s);
}

/* ---- Prokip's stock report ----------------------------------------------------------- */

static const char *row_text(json_object *row, const char *key)
{
	json_object *v = scp_json_get(row, key);

	if (!v || (!scp_json_is(v, json_type_string) && !scp_json_is(v, json_type_int)))
		return NULL;
	return json_object_get_string(v);
}

/* Prokip's level of a row: "stock" (or qty_available, current_stock), a number or text. */
static bool row_quantity(json_object *row, long *q)
{
	static const char *const keys[] = { "stock", "qty_available", "current_stock", NULL };

	for (int i = 0; keys[i]; i++) {
		json_object *v = scp_json_get(row, keys[i]);

		if (v && (scp_json_is(v, json_type_int) || scp_json_is(v, json_type_double))) {
			*q = (long)json_object_get_double(v);
			return true;
		}
		if (v && scp_json_is(v, json_type_string)) {
			char *end;
			double d = strtod(json_object_get_string(v), &end);

			if (end != json_object_get_string(v) && !*end) {
				*q = (long)d;
				return true;
			}
		}
	}
	return false;
}

/* A row's unit price as Prokip writes it ("10.0000" or a number); SQL checks its form. */
static const char *row_price(json_object *row)
{
	json_object *v = scp_json_get(row, "unit_price");

	if (!v || (!scp_json_is(v, json_type_string) && !scp_json_is(v, json_type_int) &&
		   !scp_json_is(v, json_type_double)))
		return NULL;
	return json_object_get_string(v);
}

/* ,"key":"value" when there is a value: what the store pages show of a SKU. */
static void report_label(struct scp_buf *rep, const char *key, const char *value)
{
	if (!value)
		return;
	scp_buf_addf(rep, ",\"%s\":", key);
	scp_buf_add_json_str(rep, value);
}

/* Append a page's rows to rep (a JSON array being built); *last: the last page's number. */
static size_t report_rows(json_object *doc, struct scp_buf *rep, long *last)
{
	json_object *rows = scp_json_is(doc, json_type_array) ? doc : scp_json_get(doc, "data");
	json_object *meta = scp_json_is(doc, json_type_object) ? scp_json_get(doc, "meta") : NULL;
	size_t n = rows && scp_json_is(rows, json_type_array) ? json_object_array_length(rows) : 0;

	*last = meta ? int_member(meta, "last_page")
		     : scp_json_is(doc, json_type_object) ? int_member(doc, "last_page") : 1;
	if (scp_json_is(doc, json_type_array))
		*last = 1;
	for (size_t i = 0; i < n; i++) {
		json_object *row = json_object_array_get_idx(rows, i);
		const char *sku = row_text(row, "sku"), *pid = row_text(row, "product_id");
		const char *vid = row_text(row, "variation_id");
		long q;

		if (!sku || !*sku || !row_quantity(row, &q))
			continue;
		scp_buf_adds(rep, rep->len > 1 ? ",{\"sku\":" : "{\"sku\":");
		scp_buf_add_json_str(rep, sku);
		scp_buf_addf(rep, ",\"quantity\":%ld", q < 0 ? 0 : q);
		if (pid) {
			scp_buf_adds(rep, ",\"product_id\":");
			scp_buf_add_json_str(rep, pid);
		}
		if (vid) {
			scp_buf_adds(rep, ",\"variation_id\":");
			scp_buf_add_json_str(rep, vid);
		}
		report_label(rep, "name", row_text(row, "product"));
		report_label(rep, "unit_price", row_price(row));
		scp_buf_addc(rep, '}');
	}
	return n;
}

/* Every page of the report into rep, a JSON array; cause: why not. */
static bool read_report(struct worker_prokip *acct, struct scp_buf *rep, char *cause, size_t n)
{
	struct scp_buf out = SCP_BUF_INIT, path = SCP_BUF_INIT;
	struct scp_httpc_resp resp;
	bool ok = true;
	long last = 1;

	scp_buf_addc(rep, '[');
	for (long page = 1; ok && page <= REPORT_PAGES_MAX; page++) {
		json_object *doc;
		size_t got;

		scp_buf_reset(&out);
		scp_buf_reset(&path);
		scp_buf_adds(&path, "/connector/api/product-stock-report?location_id=");
		url_escape(&path, acct->location);
		scp_buf_addf(&path, "&per_page=%d&page=%ld", REPORT_PAGE, page);
		if (!worker_prokip_call("GET", path.ptr, acct->token.ptr, NULL, &out, &resp)) {
			snprintf(cause, n, "Prokip unreachable: %s", resp.error);
			ok = false;
		} else if (resp.status != 200 || !(doc = parse(&out))) {
			snprintf(cause, n, "Prokip's stock report answered %ld: %.200s", resp.status,
				 out.ptr);
			ok = false;
		} else {
			got = report_rows(doc, rep, &last);
			json_object_put(doc);
			if (page >= last || got == 0)
				break;
		}
	}
	scp_buf_addc(rep, ']');
	scp_buf_release(&out);
	scp_buf_release(&path);
	return ok;
}

/* ---- the pass ------------------------------------------------------------------------ */

static int load_stores(const char *supplier, struct store *stores)
{
	PGresult *res = NULL;
	int n;

	if (!WORKER_EXEC("sync_conns", &res, supplier))
		return -1;
	n = PQntuples(res) < STORES_MAX ? PQntuples(res) : STORES_MAX;
	for (int i = 0; i < n; i++) {
		store_init(&stores[i], res, i);
		if (!stores[i].ready)
			store_down(&stores[i], "the store's credentials do not open (secrets_key?)");
	}
	PQclear(res);
	return n;
}

static struct store *find_store(struct store *stores, int n, const char *id)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(stores[i].id, id))
			return &stores[i];
	return NULL;
}

/* Push every difference to its store, then close each store's pass. */
static int push_all(const char *supplier, struct store *stores, int nstores, PGresult *diff)
{
	int pushed = 0;

	for (int i = 0; i < PQntuples(diff); i++) {
		struct store *s = find_store(stores, nstores, PQgetvalue(diff, i, 0));

		if (s && !s->failed)
			sync_sku(supplier, s, PQgetvalue(diff, i, 2), atoi(PQgetvalue(diff, i, 3)),
				 PQgetvalue(diff, i, 4));
	}
	for (int i = 0; i < nstores; i++) {
		cache_flush(&stores[i]);
		pushed += stores[i].pushed;
		if (stores[i].failed)
			continue;
		WORKER_EXEC("sync_store_ok", NULL, stores[i].id);
		if (!stores[i].sku_failed)
			WORKER_EXEC("sync_error_clear", NULL, supplier, stores[i].id, "store_push_sku", NULL);
	}
	return pushed;
}

struct worker_result worker_sync_pass(struct scp_job *job)
{
	static char err[500];
	const char *supplier = payload_supplier(job);
	struct store *stores;
	struct worker_prokip acct;
	struct scp_buf rep = SCP_BUF_INIT;
	PGresult *diff = NULL;
	long long t0 = now_ms();
	char cause[400], ms[24], skus[24], pushed_text[24];
	int nstores, pushed = 0, nskus = 0;
	bool compared = false;

	if (!supplier)
		return (struct worker_result){ "payload: supplier_id must be a uuid", true };
	if (strcmp(scp_cfg.prokip_transport, "http")) {
		scp_info("sync: prokip_transport is log: no stock report to read");
		return (struct worker_result){ 0 };
	}
	if (!worker_prokip_account(supplier, &acct, cause, sizeof(cause))) {
		WORKER_EXEC("sync_error_note", NULL, supplier, NULL, "prokip_report", NULL, cause, "0");
		snprintf(err, sizeof(err), "%s", cause);
		return (struct worker_result){ err, false };
	}
	if (!read_report(&acct, &rep, cause, sizeof(cause))) {
		worker_prokip_release(&acct);
		scp_buf_release(&rep);
		WORKER_EXEC("sync_error_note", NULL, supplier, NULL, "prokip_report", NULL, cause, "0");
		snprintf(err, sizeof(err), "%s", cause);
		return (struct worker_result){ err, false };
	}
	worker_prokip_release(&acct);
	WORKER_EXEC("sync_error_clear", NULL, supplier, NULL, "prokip_report", NULL);
	stores = calloc(STORES_MAX, sizeof(*stores));
	nstores = stores ? load_stores(supplier, stores) : -1;
	if (nstores >= 0 && WORKER_EXEC("sync_diff", &diff, supplier, rep.ptr)) {
		compared = true;
		pushed = push_all(supplier, stores, nstores, diff);
		PQclear(diff);
	}
	for (int i = 0; i < nstores; i++)
		store_release(&stores[i]);
	free(stores);
	for (size_t i = 0; i < rep.len; i++)
		nskus += !strncmp(rep.ptr + i, "{\"sku\":", 7);
	scp_buf_release(&rep);
	/* Not a pass done: retried with backoff, and the schedule does not wait for it. */
	if (!compared)
		return (struct worker_result){ nstores < 0 ? "database unavailable"
					       : "comparing the report with the cache failed", false };
	snprintf(ms, sizeof(ms), "%lld", now_ms() - t0);
	snprintf(skus, sizeof(skus), "%d", nskus);
	snprintf(pushed_text, sizeof(pushed_text), "%d", pushed);
	WORKER_EXEC("sync_pass_done", NULL, supplier, ms, skus, pushed_text);
	scp_info("sync: supplier %s: %d SKUs, %d stores, %d pushed in %s ms", supplier, nskus,
		 nstores, pushed, ms);
	return (struct worker_result){ 0 };
}

/* ---- pulling orders ------------------------------------------------------------------ */

/* The number of orders in a page of the store's answer, and the largest id among them. */
static size_t page_orders(const struct store *s, const struct scp_buf *out, long long *max_id)
{
	json_object *doc = parse(out);
	json_object *list = doc && shopify(s) ? scp_json_get(doc, "orders") : doc;
	size_t n = list && scp_json_is(list, json_type_array) ? json_object_array_length(list) : 0;

	for (size_t i = 0; i < n; i++) {
		long long id = int_member(json_object_array_get_idx(list, i), "id");

		*max_id = id > *max_id ? id : *max_id;
	}
	json_object_put(doc);
	return n;
}

/* Every page of the store's paid orders since `since`, recorded as sales. */
static void pull_store(const char *supplier, struct store *s, const char *since)
{
	struct scp_buf out = SCP_BUF_INIT, path = SCP_BUF_INIT;
	PGresult *res = NULL;
	char cause[400] = "";
	enum outcome o = PUSH_OK;
	long long since_id = 0;
	int fresh = 0;

	if (s->log)
		return;
	for (int page = 1; page <= PULL_PAGES_MAX; page++) {
		size_t got;

		scp_buf_reset(&out);
		scp_buf_reset(&path);
		/* Shopify pages by since_id (the client sees no Link header), WooCommerce by page */
		if (shopify(s))
			scp_buf_addf(&path, "orders.json?status=any&financial_status=paid"
				     "&updated_at_min=%sZ&limit=%d&since_id=%lld", since,
				     PULL_SHOPIFY_PAGE, since_id);
		else
			scp_buf_addf(&path, "orders?after=%s&status=processing,completed"
				     "&per_page=%d&page=%d", since, PULL_WOO_PAGE, page);
		o = store_call(s, "GET", path.ptr, NULL, &out, cause, sizeof(cause));
		if (o != PUSH_OK)
			break;
		if (!WORKER_EXEC("sync_record_orders", &res, s->id, s->platform, out.ptr)) {
			snprintf(cause, sizeof(cause), "the orders of %s cannot be recorded", s->platform);
			o = PUSH_STORE_DOWN;
			break;
		}
		fresh += atoi(PQgetvalue(res, 0, 0));
		PQclear(res);
		got = page_orders(s, &out, &since_id);
		if (got < (size_t)(shopify(s) ? PULL_SHOPIFY_PAGE : PULL_WOO_PAGE))
			break;
	}
	if (o != PUSH_OK) {
		if (o == PUSH_NOT_FOUND)
			snprintf(cause, sizeof(cause), "%s answered 404 to GET %s", s->platform,
				 path.ptr);
		WORKER_EXEC("sync_error_note", NULL, supplier, s->id, "pull_orders", NULL, cause, "0");
	} else {
		scp_info("sync: store %s: %d new orders pulled", s->id, fresh);
		WORKER_EXEC("sync_error_clear", NULL, supplier, s->id, "pull_orders", NULL);
	}
	scp_buf_release(&out);
	scp_buf_release(&path);
}

struct worker_result worker_sync_pull_orders(struct scp_job *job)
{
	const char *supplier = payload_supplier(job);
	struct store *stores;
	PGresult *res = NULL;
	char since[40], started[64];
	int n;

	if (!supplier)
		return (struct worker_result){ "payload: supplier_id must be a uuid", true };
	if (!WORKER_EXEC("sync_pull_since", &res, supplier))
		return (struct worker_result){ "database unavailable", false };
	snprintf(since, sizeof(since), "%s", PQgetvalue(res, 0, 0));
	snprintf(started, sizeof(started), "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	stores = calloc(STORES_MAX, sizeof(*stores));
	n = stores ? load_stores(supplier, stores) : -1;
	for (int i = 0; i < n; i++) {
		if (stores[i].ready && !stores[i].failed)
			pull_store(supplier, &stores[i], since);
		store_release(&stores[i]);
	}
	free(stores);
	if (n < 0)
		return (struct worker_result){ "database unavailable", false };
	WORKER_EXEC("sync_pull_done", NULL, supplier, started);
	return (struct worker_result){ 0 };
}
