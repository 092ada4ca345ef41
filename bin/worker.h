/* scp-worker's job handlers: each returns NULL when done, or why it failed. */
#ifndef SCP_WORKER_H
#define SCP_WORKER_H

#include <stdbool.h>
#include <stddef.h>

#include "scp_jobs.h"

struct worker_result {
	const char *error;	/* NULL on success */
	bool permanent;		/* retrying cannot help (4xx from the provider) */
};

/* worker_whatsapp.c: OTP codes and notification templates (jobs whatsapp_otp, whatsapp_template) */
extern const struct scp_stmt worker_whatsapp_stmts[];
struct worker_result worker_whatsapp_otp(struct scp_job *job);
struct worker_result worker_whatsapp_template(struct scp_job *job);

/* worker_auction.c: the closing sweep, auction_ending, real-time events */
extern struct scp_db *worker_db;	/* the worker's connection, for jobs that query */
/*
 * Run a statement of the tables on worker_db; false (logged with libpq's reason) unless
 * it succeeded.  A success's result goes to out when out is given (PQclear it).
 * WORKER_EXEC(stmt, out, params...) counts the parameters.
 */
bool worker_exec(const char *stmt, int n, const char *const *params, PGresult **out);
#define WORKER_ARGS(...) ((const char *const[]){ __VA_ARGS__ })
#define WORKER_EXEC(stmt, out, ...) \
	worker_exec(stmt, (int)(sizeof(WORKER_ARGS(__VA_ARGS__)) / sizeof(const char *)), \
		    WORKER_ARGS(__VA_ARGS__), out)
extern const struct scp_stmt worker_auction_stmts[];
/* Close ended auctions; call it every loop, it keeps its own auction_sweep_ms pace. */
void worker_auction_sweep(struct scp_db *db);
struct worker_result worker_auction_ending(struct scp_job *job);

/* worker_events.c: real-time events, to outbox_log and (nchan_socket) to nchan */
extern const struct scp_stmt worker_events_stmts[];
struct worker_result worker_event(struct scp_job *job);
/* Send event (job id, payload with its topic) as worker_event does. */
struct worker_result worker_event_send(const char *id, const char *event, json_object *data);
/* worker_outbox.c: append {"time": …, <fields>} to outbox_log (the log transport). */
struct worker_result worker_outbox_append(const char *fields);
struct worker_result worker_outbox_write(const char *channel, const char *event,
					 json_object *data);

/* worker_files.c: listing files no row refers to (left by a worker killed mid-request) */
extern const struct scp_stmt worker_files_stmts[];
void worker_files_sweep(struct scp_db *db);

/* worker_media.c: listing photo thumbnails (libvips) */
struct worker_result worker_listing_thumbnails(struct scp_job *job);

/* worker_prokip.c: Prokip's API, and the sales sent to it (jobs prokip_sell,
 * prokip_sell_return) */
#include "scp_buf.h"
struct scp_httpc_resp;
struct worker_prokip {
	char location[48];	/* the account's business location */
	struct scp_buf token;	/* its bearer token, in clear: release it */
};
extern const struct scp_stmt worker_prokip_stmts[];
/* A supplier's account and a usable token (refreshed when expired); err: why not. */
bool worker_prokip_account(const char *supplier, struct worker_prokip *acct, char *err,
			   size_t errn);
void worker_prokip_release(struct worker_prokip *acct);
/* method {prokip_api_base}{path} with the bearer token; body JSON or NULL. */
bool worker_prokip_call(const char *method, const char *path, const char *token,
			const char *body, struct scp_buf *out, struct scp_httpc_resp *resp);
struct worker_result worker_prokip_sell(struct scp_job *job);
struct worker_result worker_prokip_sell_return(struct scp_job *job);

/* worker_sync.c: the sync pass (job sync_pass, queued every sync_interval and by
 * POST /sync) and the pull of recent store orders (job sync_pull_orders) */
extern const struct scp_stmt worker_sync_stmts[];
/* Queue the passes that are due; call it every loop, it keeps its own pace. */
void worker_sync_schedule(struct scp_db *db);
struct worker_result worker_sync_pass(struct scp_job *job);
struct worker_result worker_sync_pull_orders(struct scp_job *job);
/* worker_stores.c: store connections' calls (jobs {shopify,woocommerce}_register_webhooks) */
extern const struct scp_stmt worker_stores_stmts[];
struct worker_result worker_shopify_register_webhooks(struct scp_job *job);
struct worker_result worker_woo_register_webhooks(struct scp_job *job);

/* worker_social.c: a shop's social connections (jobs social_send, social_revoke) */
extern const struct scp_stmt worker_social_stmts[];
struct worker_result worker_social_send(struct scp_job *job);
struct worker_result worker_social_revoke(struct scp_job *job);

/*
 * A failing handler's provider asked for this delay (Retry-After, seconds): the retry
 * waits that long when it is longer than the backoff.  scp-worker resets it per job.
 */
extern long worker_retry_after;
/* worker_push.c: web push (job web_push, queued per notification and subscription) */
extern const struct scp_stmt worker_push_stmts[];
struct worker_result worker_web_push(struct scp_job *job);
#endif
