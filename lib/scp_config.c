#include "scp_config.h"
#include "scp_webpush.h"
#include "scp_buf.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* configure's sysconfdir (Makefile.am); /etc for Debian's --sysconfdir=/etc. */
#ifndef SCP_CONFIG_PATH
#define SCP_CONFIG_PATH "/etc/scp/scp.conf"
#endif

struct scp_config scp_cfg;

enum kind { STR, NUM };

struct key {
	const char *name;
	enum kind kind;
	size_t off;
	const char *def;
	long min, max;
	bool secret;
	bool sql;	/* SET as scp.<name> on every database connection */
	const char *help;
	const char *const *choices;	/* a STR that must be one of these, or NULL */
};

static bool loaded;

#define S(n, d, h) { #n, STR, offsetof(struct scp_config, n), d, 0, 0, false, false, h, NULL }
#define X(n, d, h) { #n, STR, offsetof(struct scp_config, n), d, 0, 0, true, false, h, NULL }
#define N(n, d, lo, hi, h) \
	{ #n, NUM, offsetof(struct scp_config, n), #d, lo, hi, false, false, h, NULL }
/*
 * A number SQL reads too: scp_db sets it as scp.<name> on every connection it opens,
 * and functions read it with scp_setting_int('<name>') (sql/functions/10_core.sql, whose
 * fallback for a session without it, psql, must be the same default as here).  Making
 * a key visible to SQL is changing its N to Q.
 */
#define Q(n, d, lo, hi, h) \
	{ #n, NUM, offsetof(struct scp_config, n), #d, lo, hi, false, true, h, NULL }
/*
 * Text SQL reads too, with scp_setting_text('<name>') (the same fallback rule as Q, in
 * the same file); TC is text that must be one of the choices c (a NULL-terminated
 * array), checked when the value is read, like a number's range.
 */
#define T(n, d, h) { #n, STR, offsetof(struct scp_config, n), d, 0, 0, false, true, h, NULL }
#define TC(n, d, c, h) \
	{ #n, STR, offsetof(struct scp_config, n), d, 0, 0, false, true, h, c }
/* Text that must be one of the choices c, read by C only. */
#define SC(n, d, c, h) \
	{ #n, STR, offsetof(struct scp_config, n), d, 0, 0, false, false, h, c }

static const char *const refresh_rotations[] = { "rotate", "reuse", NULL };
static const char *const transports[] = { "http", "log", NULL };
static const char *const log_formats[] = { "text", "json", NULL };

static const struct key keys[] = {
	S(database_url, "dbname=scp", "libpq connection string or URI"),
	X(jwt_secret, "", "HS256 key for access tokens, at least 32 bytes"),
	S(jwt_issuer, "scp", "iss claim of access tokens"),
	S(jwt_audience, "scp-api", "aud claim of access tokens"),
	N(access_ttl, 900, 60, 86400, "access token lifetime, seconds"),
	Q(refresh_ttl, 604800, 300, 7776000, "refresh token lifetime, seconds"),
	TC(refresh_rotation, "rotate", refresh_rotations,
	   "rotate (a refresh token is single use; reusing an old one ends the session)"
	   " or reuse (one token per session, valid until the session ends)"),
	N(workers, 4, 1, 256, "worker processes per family"),
	S(socket_dir, "/run/scp", "directory of the FastCGI sockets"),
	S(log_level, "info", "debug, info, warn or error"),
	N(password_cost, 5, 1, 11, "yescrypt cost factor of new password hashes"),
	N(max_body, 1048576, 1024, 67108864, "largest JSON request body, bytes"),
	Q(otp_ttl, 300, 30, 3600, "OTP lifetime, seconds"),
	Q(otp_max_attempts, 5, 1, 20, "wrong codes before an OTP is void"),
	Q(otp_sends_per_minute, 3, 1, 100, "OTP sends per phone per minute"),
	Q(otp_verifies_per_5min, 5, 1, 100, "OTP verifications per phone per 5 minutes"),
	S(whatsapp_transport, "log", "log (write to outbox_log) or http (WhatsApp Cloud API)"),
	S(whatsapp_api_url, "https://graph.facebook.com", "WhatsApp Cloud API base URL"),
	S(whatsapp_api_version, "v17.0", "Graph API version"),
	S(whatsapp_phone_number_id, "", "sender phone number id"),
	X(whatsapp_access_token, "", "Cloud API access token"),
	S(whatsapp_otp_template, "otp_verification", "approved authentication template"),
	X(whatsapp_verify_token, "",
	  "the Verify Token given to Meta for GET /webhooks/whatsapp (empty: refused)"),
	X(whatsapp_app_secret, "",
	  "the Meta app's App Secret, which signs POST /webhooks/whatsapp (empty: all refused)"),
	/* Messenger and Instagram webhooks (cgi-bin/hooks/facebook.c) */
	X(facebook_verify_token, "",
	  "the Verify Token given to Meta for GET /webhooks/facebook (empty: refused)"),
	X(facebook_app_secret, "",
	  "the Meta app's App Secret, which signs POST /webhooks/facebook (empty: all refused)"),
	S(outbox_log, "/var/log/scp/outbox.log", "file of the log transport"),
	S(nchan_socket, "", "nginx's nchan publishing socket (empty: events only to outbox_log)"),
	N(job_max_attempts, 8, 1, 100, "attempts before a job becomes a dead letter"),
	N(http_timeout_ms, 10000, 100, 120000, "outbound HTTP timeout"),
	S(media_dir, "/var/lib/scp/media", "where uploads are stored"),
	S(public_url, "",
	  "the site's external base URL (https://api.example.com): uploaded files' URLs"
	  " are answered under it; empty: answered relative (/media/…)"),
	S(cors_origins, "",
	  "browser origins allowed (space-separated, exact scheme://host[:port]), as nginx's"
	  " CORS_ORIGINS: a cookie-authenticated write must come from one of them or public_url"),
	S(cors_origins_selliko, "",
	  "more origins for the selliko profile's requests only, as nginx's CORS_ORIGINS_SELLIKO"),
	S(cors_origins_cliick, "",
	  "more origins for the cliick profile's requests only, as nginx's CORS_ORIGINS_CLIICK"),
	S(cors_origins_prokip, "",
	  "more origins for the prokip profile's requests only, as nginx's CORS_ORIGINS_PROKIP"),
	N(port, 8080, 1, 65535, "HTTP port of nginx (scripts/serve)"),
	Q(bid_min_increment, 10000, 1, 100000000,
	  "smallest raise over an auction's highest bid, minor units (10000 = 100.00)"),
	N(listing_price_min, 100000, 1, 100000000000, "lowest asking price of a listing, minor units"),
	N(listing_price_max, 100000000, 1, 100000000000,
	  "highest asking price of a listing, minor units"),
	Q(auction_start_percent, 50, 1, 100,
	  "opening bid of an approved auction, percent of the asking price (admin may override)"),
	Q(auction_commission_bp, 1000, 0, 10000,
	  "platform commission on an auction's final price, basis points (1000 = 10%)"),
	Q(agent_commission, 20000, 0, 100000000, "paid to the agent of a completed pickup, minor units"),
	Q(platform_fee, 4900, 0, 100000000, "fixed fee per auction order paid by the buyer, minor units"),
	N(auction_sweep_ms, 1000, 100, 60000, "how often scp-worker closes ended auctions, ms"),
	Q(auction_ending_notice, 900, 60, 86400,
	  "seconds before an auction's end when the auction_ending event fires"),
	Q(notification_retention_days, 90, 1, 3650,
	  "read notifications older than this many days are deleted by scp-worker"),
	/* commerce providers (payments, store sync); every base URL is configuration so that
	 * tests point them at fakes */
	SC(stripe_transport, "log", transports, "http (Stripe's API) or log (development)"),
	S(stripe_api_base, "https://api.stripe.com", "Stripe API base URL"),
	X(stripe_secret_key, "", "Stripe secret key (sk_…)"),
	X(stripe_webhook_secret, "", "signs POST /webhooks/stripe (whsec_…; empty: all refused)"),
	/* PayPal payments of shop orders (lib/scp_paypal.c) */
	SC(paypal_transport, "log", transports, "http (PayPal's API) or log (development)"),
	S(paypal_api_base, "https://api-m.paypal.com", "PayPal REST API base URL"),
	S(paypal_client_id, "", "PayPal REST app client id"),
	X(paypal_client_secret, "", "PayPal REST app secret"),
	S(paypal_webhook_id, "", "PayPal webhook id verifying POST /webhooks/paypal (empty: all refused)"),
	SC(shopify_transport, "log", transports, "http (Shopify's API) or log (development)"),
	S(shopify_api_key, "", "Shopify app's API key (client id)"),
	X(shopify_api_secret, "", "Shopify app's API secret: signs OAuth callbacks and webhooks"),
	S(shopify_api_version, "2024-01", "Shopify Admin API version"),
	S(shopify_api_base, "", "replaces https://{shop} in Shopify calls when set (tests)"),
	SC(woocommerce_transport, "log", transports, "http (the store's REST API) or log"),
	X(woocommerce_webhook_secret, "", "signs POST /webhooks/woocommerce (empty: all refused)"),
	SC(prokip_transport, "log", transports, "http (Prokip's API) or log (development)"),
	S(prokip_api_base, "https://api.prokip.africa", "Prokip API base URL"),
	S(prokip_client_id, "", "Prokip OAuth client id (password grant)"),
	X(prokip_client_secret, "", "Prokip OAuth client secret"),
	N(sync_interval, 300, 10, 86400,
	  "seconds between a supplier's inventory sync passes (scp-worker; seed 004: 5 minutes)"),
	/* Cliick.io's social connections (issue 13 item 6): one transport per platform, its
	 * API base URL (tests point them at tests/fakes/social.pl) and the app credentials */
	SC(facebook_transport, "log", transports, "http (Graph API) or log (development tokens)"),
	SC(instagram_transport, "log", transports, "http (Graph API) or log (development tokens)"),
	SC(tiktok_transport, "log", transports, "http (TikTok's API) or log (development tokens)"),
	SC(telegram_transport, "log", transports, "http (Telegram Bot API) or log (development)"),
	SC(viber_transport, "log", transports, "http (Viber's REST API) or log (development)"),
	S(facebook_api_base, "https://graph.facebook.com", "Graph API base URL (Facebook, Instagram)"),
	S(facebook_api_version, "v19.0", "Graph API version"),
	S(facebook_app_id, "", "Meta app id (client_id of the Facebook and Instagram logins)"),
	S(tiktok_api_base, "https://open.tiktokapis.com", "TikTok API base URL"),
	S(tiktok_client_key, "", "TikTok app's client key"),
	X(tiktok_client_secret, "", "TikTok app's client secret"),
	S(telegram_api_base, "https://api.telegram.org", "Telegram Bot API base URL"),
	S(viber_api_base, "https://chatapi.viber.com", "Viber REST API base URL"),
	S(viber_sender_name, "Shop", "sender.name of the messages sent through Viber"),
	X(secrets_key, "",
	  "64 hex digits: the AES-256-GCM key of third-party secrets stored in the database"
	  " (empty: connections that store a secret are refused)"),
	/* web push (RFC 8030/8291/8292): notifications to subscribed browsers */
	SC(push_transport, "log", transports,
	   "http (POST to each subscription's push service) or log (development)"),
	S(vapid_public_key, "", "VAPID public key, base64url (scpctl vapid-keys makes a pair)"),
	X(vapid_private_key, "", "VAPID private key, base64url, the public key's pair"),
	S(vapid_subject, "", "VAPID contact, mailto:… or https://… (sub claim)"),
	S(push_api_base, "", "replaces every endpoint's https://host when set (tests)"),
	/* observability */
	SC(log_format, "text", log_formats,
	   "text (one line per event) or json (one JSON object per line, for journald/Loki)"),
	/* Cliick.io's WebSocket server (bin/scp-ws.c), on socket_dir/scp-ws.sock */
	N(ws_workers, 1, 1, 64, "scp-ws processes sharing its socket"),
	N(ws_max_connections, 1024, 1, 65536,
	  "open WebSocket connections per scp-ws process (more are refused with 503)"),
	N(ws_output_max, 262144, 4096, 16777216,
	  "bytes queued for one WebSocket connection; a reader slower than that is closed"),
	N(ws_ping_interval, 30, 0, 3600,
	  "seconds a WebSocket connection may be quiet before scp-ws pings it (0: never)"),
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static char **str_slot(const struct key *k)
{
	return (char **)((char *)&scp_cfg + k->off);
}

static long *num_slot(const struct key *k)
{
	return (long *)((char *)&scp_cfg + k->off);
}

static const struct key *find_key(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

static bool one_of(const char *const *choices, const char *val)
{
	for (; *choices; choices++)
		if (!strcmp(*choices, val))
			return true;
	return false;
}

static bool set_value(const struct key *k, const char *val, const char *where,
		      struct scp_buf *errs)
{
	if (k->kind == STR) {
		char *copy;

		if (k->choices && !one_of(k->choices, val)) {
			scp_buf_addf(errs, "%s: %s must be one of", where, k->name);
			for (const char *const *c = k->choices; *c; c++)
				scp_buf_addf(errs, "%s %s", c == k->choices ? "" : ",", *c);
			scp_buf_addf(errs, ", not \"%s\"\n", val);
			return false;
		}
		copy = strdup(val);

		if (!copy)
			abort();
		free(*str_slot(k));
		*str_slot(k) = copy;
		return true;
	}
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (errno || end == val || *end || v < k->min || v > k->max) {
		scp_buf_addf(errs, "%s: %s must be an integer from %ld to %ld, not \"%s\"\n",
			     where, k->name, k->min, k->max, val);
		return false;
	}
	*num_slot(k) = v;
	return true;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static bool load_file(const char *path, bool must_exist, struct scp_buf *errs)
{
	FILE *f = fopen(path, "r");
	char line[4096], where[PATH_MAX + 32];
	bool ok = true;
	int lineno = 0;

	if (!f) {
		if (!must_exist && errno == ENOENT)
			return true;
		scp_buf_addf(errs, "%s: cannot open: %s\n", path, strerror(errno));
		return false;
	}
	while (fgets(line, sizeof(line), f)) {
		char *eq, *key, *val;
		const struct key *k;

		lineno++;
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		key = trim(line);
		if (!*key || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			scp_buf_addf(errs, "%s: expected \"key = value\"\n", where);
			ok = false;
			continue;
		}
		*eq = '\0';
		key = trim(key);
		val = trim(eq + 1);
		k = find_key(key);
		if (!k) {
			scp_buf_addf(errs, "%s: unknown key \"%s\"\n", where, key);
			ok = false;
			continue;
		}
		ok &= set_value(k, val, where, errs);
	}
	fclose(f);
	return ok;
}

const char *scp_config_default_path(void)
{
	const char *p = getenv("SCP_CONFIG");

	return p && *p ? p : SCP_CONFIG_PATH;
}

bool scp_config_load(const char *path, struct scp_buf *errs)
{
	bool ok = true, explicit = path != NULL || getenv("SCP_CONFIG");

	scp_config_free();
	loaded = true;
	for (size_t i = 0; i < NKEYS; i++)
		set_value(&keys[i], keys[i].def, "default", errs);
	ok = load_file(path ? path : scp_config_default_path(), explicit, errs);
	for (size_t i = 0; i < NKEYS; i++) {
		char env[64], *p;
		const char *v;

		snprintf(env, sizeof(env), "SCP_%s", keys[i].name);
		for (p = env; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		v = getenv(env);
		if (v)
			ok &= set_value(&keys[i], v, env, errs);
	}
	return ok;
}

bool scp_config_secrets_key_valid(const char *hex)
{
	size_t n = 0;

	for (; hex[n]; n++)
		if (!isxdigit((unsigned char)hex[n]))
			return false;
	return n == 64;
}

bool scp_config_validate(struct scp_buf *errs)
{
	bool ok = true;

	if (strlen(scp_cfg.jwt_secret) < 32) {
		scp_buf_addf(errs, "jwt_secret: must be at least 32 bytes (it has %zu); "
			     "generate one with: openssl rand -hex 32\n",
			     strlen(scp_cfg.jwt_secret));
		ok = false;
	}
	if (strcmp(scp_cfg.whatsapp_transport, "log") &&
	    strcmp(scp_cfg.whatsapp_transport, "http")) {
		scp_buf_addf(errs, "whatsapp_transport: must be \"log\" or \"http\"\n");
		ok = false;
	}
	if (!strcmp(scp_cfg.whatsapp_transport, "http") &&
	    (!*scp_cfg.whatsapp_phone_number_id || !*scp_cfg.whatsapp_access_token)) {
		scp_buf_addf(errs, "whatsapp_transport = http needs whatsapp_phone_number_id "
			     "and whatsapp_access_token\n");
		ok = false;
	}
	if (strcmp(scp_cfg.log_level, "debug") && strcmp(scp_cfg.log_level, "info") &&
	    strcmp(scp_cfg.log_level, "warn") && strcmp(scp_cfg.log_level, "error")) {
		scp_buf_addf(errs, "log_level: must be debug, info, warn or error\n");
		ok = false;
	}
	if (*scp_cfg.public_url && ((strncmp(scp_cfg.public_url, "http://", 7) &&
				     strncmp(scp_cfg.public_url, "https://", 8)) ||
				    scp_cfg.public_url[strlen(scp_cfg.public_url) - 1] == '/')) {
		scp_buf_addf(errs, "public_url: must be empty or an http(s) URL without a "
			     "trailing slash, such as https://api.example.com\n");
		ok = false;
	}
	if (*scp_cfg.secrets_key && !scp_config_secrets_key_valid(scp_cfg.secrets_key)) {
		scp_buf_addf(errs, "secrets_key: must be 64 hex digits; generate one with: "
			     "openssl rand -hex 32\n");
		ok = false;
	}
	/* web push: http delivery needs a VAPID pair that matches and a contact */
	if (!strcmp(scp_cfg.push_transport, "http") &&
	    (!scp_webpush_vapid_pair_ok(scp_cfg.vapid_public_key, scp_cfg.vapid_private_key) ||
	     (strncmp(scp_cfg.vapid_subject, "mailto:", 7) &&
	      strncmp(scp_cfg.vapid_subject, "https://", 8)))) {
		scp_buf_addf(errs, "push_transport = http needs vapid_public_key and "
			     "vapid_private_key of one pair (scpctl vapid-keys) and vapid_subject "
			     "(mailto:… or https://…)\n");
		ok = false;
	}
	if (!*scp_cfg.database_url) {
		scp_buf_addf(errs, "database_url: must not be empty\n");
		ok = false;
	}
	return ok;
}

void scp_config_dump(struct scp_buf *out)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];

		if (k->kind == NUM)
			scp_buf_addf(out, "%-26s = %ld", k->name, *num_slot(k));
		else if (k->secret)
			scp_buf_addf(out, "%-26s = %s", k->name,
				     **str_slot(k) ? "(set, hidden)" : "(empty)");
		else
			scp_buf_addf(out, "%-26s = %s", k->name, *str_slot(k));
		scp_buf_addf(out, "    # %s\n", k->help);
	}
}

bool scp_config_sql_key(size_t i, const char **name, const char **text, long *num)
{
	if (!loaded)
		return false;
	for (size_t k = 0; k < NKEYS; k++) {
		if (keys[k].sql && i-- == 0) {
			*name = keys[k].name;
			*text = keys[k].kind == STR ? *str_slot(&keys[k]) : NULL;
			*num = keys[k].kind == NUM ? *num_slot(&keys[k]) : 0;
			return true;
		}
	}
	return false;
}

void scp_config_free(void)
{
	loaded = false;
	for (size_t i = 0; i < NKEYS; i++) {
		if (keys[i].kind == STR) {
			free(*str_slot(&keys[i]));
			*str_slot(&keys[i]) = NULL;
		}
	}
}
