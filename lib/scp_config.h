/*
 * scp_config: the one configuration of every SCP program.
 *
 * Read from a `key = value` file (default $(sysconfdir)/scp/scp.conf, or $SCP_CONFIG, or -c),
 * then each key may be overridden by the environment variable SCP_<KEY> (upper case),
 * e.g. SCP_DATABASE_URL, SCP_JWT_SECRET.  A missing default file is not an error; a
 * file named explicitly must exist.
 */
#ifndef SCP_CONFIG_H
#define SCP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct scp_buf;

struct scp_config {
	char *database_url;
	char *jwt_secret;
	char *jwt_issuer;
	char *jwt_audience;
	long access_ttl;		/* seconds */
	long refresh_ttl;		/* seconds */
	char *refresh_rotation;		/* rotate or reuse */
	long workers;
	char *socket_dir;
	char *log_level;		/* debug, info, warn, error */
	long password_cost;		/* yescrypt cost factor */
	long max_body;			/* bytes of a JSON body */
	long otp_ttl;
	long otp_max_attempts;
	long otp_sends_per_minute;
	long otp_verifies_per_5min;
	char *whatsapp_transport;	/* log or http */
	char *whatsapp_api_url;
	char *whatsapp_api_version;
	char *whatsapp_phone_number_id;
	char *whatsapp_access_token;
	char *whatsapp_otp_template;
	char *whatsapp_verify_token;	/* Meta's webhook handshake; "": refused */
	char *whatsapp_app_secret;	/* signs Meta's webhooks; "": all refused */
	/* Messenger and Instagram webhooks (cgi-bin/hooks/facebook.c) */
	char *facebook_verify_token;	/* Meta's webhook handshake; "": refused */
	char *facebook_app_secret;	/* signs Meta's webhooks; "": all refused */
	char *outbox_log;
	char *nchan_socket;	/* empty: events go to outbox_log only */
	long job_max_attempts;
	long http_timeout_ms;
	char *media_dir;
	char *public_url;		/* "" when unset: uploaded files' URLs stay relative */
	char *cors_origins;		/* browser origins allowed, space-separated (CSRF too) */
	char *cors_origins_selliko;	/* more origins for one profile's mount: its own requests */
	char *cors_origins_cliick;
	char *cors_origins_prokip;
	long port;			/* where scripts/serve's nginx listens */
	/* auctions (SELLIKO); money in minor units */
	long bid_min_increment;
	long listing_price_min;
	long listing_price_max;
	long auction_start_percent;
	long auction_commission_bp;
	long agent_commission;
	long platform_fee;
	long auction_sweep_ms;
	long auction_ending_notice;	/* seconds */
	long notification_retention_days;
	/* commerce providers */
	char *stripe_transport;		/* http or log */
	char *stripe_api_base;
	char *stripe_secret_key;
	char *stripe_webhook_secret;
	/* PayPal payments of shop orders */
	char *paypal_transport;		/* http or log */
	char *paypal_api_base;
	char *paypal_client_id;
	char *paypal_client_secret;
	char *paypal_webhook_id;
	char *shopify_transport;
	char *shopify_api_key;
	char *shopify_api_secret;
	char *shopify_api_version;
	char *shopify_api_base;		/* "": https://{shop} */
	char *woocommerce_transport;
	char *woocommerce_webhook_secret;
	char *prokip_transport;
	char *prokip_api_base;
	char *prokip_client_id;
	char *prokip_client_secret;
	/* Cliick.io's social connections */
	char *facebook_transport;	/* http or log, each */
	char *instagram_transport;
	char *tiktok_transport;
	char *telegram_transport;
	char *viber_transport;
	char *facebook_api_base;
	char *facebook_api_version;
	char *facebook_app_id;
	/* facebook_app_secret (above) is also the OAuth client_secret */
	char *tiktok_api_base;
	char *tiktok_client_key;
	char *tiktok_client_secret;
	char *telegram_api_base;
	char *viber_api_base;
	char *viber_sender_name;
	char *secrets_key;		/* 64 hex digits or "" */
	long sync_interval;		/* seconds between sync passes */
	/* web push */
	char *push_transport;		/* log or http */
	char *vapid_public_key;		/* base64url P-256 point */
	char *vapid_private_key;	/* base64url scalar */
	char *vapid_subject;		/* mailto: or https: */
	char *push_api_base;		/* "": the endpoint's own origin */
	/* observability */
	char *log_format;		/* text or json */
	/* Cliick.io's WebSocket server (bin/scp-ws.c) */
	long ws_workers;		/* processes sharing scp-ws.sock */
	long ws_max_connections;	/* per process */
	long ws_output_max;		/* bytes queued for one connection */
	long ws_ping_interval;		/* seconds of quiet before a ping; 0: none */
};

extern struct scp_config scp_cfg;

/*
 * Load defaults, then the file, then the environment.  Problems are appended to errs
 * one per line ("file:line: …" or "KEY: …"); returns false if there was any.
 */
bool scp_config_load(const char *path, struct scp_buf *errs);
/* Semantic checks (secret length, ranges, transports); appends to errs. */
bool scp_config_validate(struct scp_buf *errs);
/* Whether hex is a usable secrets_key: exactly 64 hex digits. */
bool scp_config_secrets_key_valid(const char *hex);
/* Print every key with its effective value (secrets masked) and a word of help. */
void scp_config_dump(struct scp_buf *out);
/*
 * The i-th (from 0) of the keys SQL reads as current_setting('scp.<name>'), the ones
 * marked Q (numbers: *num, *text NULL) or T/TC (text: *text) in scp_config.c: false
 * past the last, and before scp_config_load (SQL then falls back to its built-in
 * defaults).  scp_db sets them on every connection.
 */
bool scp_config_sql_key(size_t i, const char **name, const char **text, long *num);
/* The path used when none is given: $SCP_CONFIG or $(sysconfdir)/scp/scp.conf. */
const char *scp_config_default_path(void);
void scp_config_free(void);

#endif
