/*
 * scp-worker: runs the jobs of the outbox and the periodic sweeps.
 *
 *   scp-worker [-c CONFIG] [-1]
 *
 * Waits on LISTEN scp_jobs (and wakes every second regardless, for retries that come
 * due and for the sweeps), with its row in job_sleepers while it waits, so that only a
 * waiting worker is woken by a new job's commit (none is missed: scp_jobs_sleeping);
 * claims a batch of due jobs at a time with FOR UPDATE SKIP LOCKED, so
 * several scp-worker processes can share the queue.  SIGTERM: finish the job in hand,
 * then exit.  -1: run the jobs that are due once and exit (for tests and cron).
 */
#include "worker.h"
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_db.h"
#include "scp_httpc.h"
#include "scp_log.h"
#include "scp_metrics.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static const struct scp_stmt sweep_stmts[] = {
	{ "sweep_otps",
	  "WITH a AS (DELETE FROM otps WHERE expires_at < now() - interval '1 day'),"
	  " b AS (DELETE FROM otp_verifications WHERE at < now() - interval '1 day'),"
	  " i AS (DELETE FROM idempotency_keys WHERE created_at < now() - interval '1 day'),"
	  " c AS (DELETE FROM refresh_tokens WHERE expires_at < now() - interval '1 day')"
	  " DELETE FROM jobs WHERE status = 'done' AND finished_at < now() - interval '7 days'" },
	/* Read notifications older than notification_retention_days. */
	{ "sweep_notifications", "SELECT scp_notifications_prune()" },
	SCP_STMT_END,
};

struct kind {
	const char *name;
	struct worker_result (*run)(struct scp_job *job);
};

static const struct kind kinds[] = {
	{ "whatsapp_otp", worker_whatsapp_otp },
	{ "whatsapp_template", worker_whatsapp_template },
	{ "listing_thumbnails", worker_listing_thumbnails },
	{ "auction_ending", worker_auction_ending },
	{ "new_bid", worker_event },
	{ "auction_won", worker_event },
	{ "auction_expired", worker_event },
	{ "listing_submitted", worker_event },
	{ "listing_approved", worker_event },
	{ "listing_rejected", worker_event },
	{ "task_assigned", worker_event },
	{ "order_updated", worker_event },
	{ "message_new", worker_event },
	{ "complaint_escalated", worker_event },
	{ "notification", worker_event },
	/* Cliick's shop orders: an order placed or moved (sql/functions/84_shop_orders.sql). */
	{ "shop_order_updated", worker_event },
	/* Cliick.io's shop events, to its WebSocket (worker_events.c): a shop's live chat
	 * (sql/functions/83_shop_chat.sql) */
	{ "shop_message_new", worker_event },
	{ "shop_conversation_updated", worker_event },
	/* Prokip and the sync engine (worker_prokip.c, worker_sync.c) */
	{ "prokip_sell", worker_prokip_sell },
	{ "prokip_sell_return", worker_prokip_sell_return },
	{ "sync_pass", worker_sync_pass },
	{ "sync_pull_orders", worker_sync_pull_orders },
	/* store connections (worker_stores.c) */
	{ "shopify_register_webhooks", worker_shopify_register_webhooks },
	{ "woocommerce_register_webhooks", worker_woo_register_webhooks },
	/* a shop's social connections (worker_social.c) */
	{ "social_send", worker_social_send },
	{ "social_revoke", worker_social_revoke },
	/* web push (worker_push.c) */
	{ "web_push", worker_web_push },
};

static void init_job_metrics(void)
{
	const char *names[sizeof(kinds) / sizeof(kinds[0])];

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		names[i] = kinds[i].name;
	scp_metrics_set_job_kinds(names, sizeof(kinds) / sizeof(kinds[0]));
}

bool worker_exec(const char *stmt, int n, const char *const *params, PGresult **out)
{
	PGresult *res = NULL;
	bool ok = scp_db_exec(worker_db, stmt, n, params, &res) == SCP_DB_OK;

	if (!ok)
		scp_error("libpq: %s: %s", stmt,
			  res ? PQresultErrorMessage(res) : "database unavailable");
	if (out && ok)
		*out = res;
	else
		PQclear(res);
	return ok;
}

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

long worker_retry_after;

/* Run one job; true when it is done (its id then goes to the batch's one update). */
static bool run_job(struct scp_db *db, struct scp_job *job)
{
	struct worker_result res = { "unknown job kind", true };

	worker_retry_after = 0;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i].name, job->kind))
			res = kinds[i].run(job);
	scp_metrics_job(job->kind, !res.error);
	if (!res.error) {
		scp_info("job %s (%s) done", job->id, job->kind);
		return true;
	}
	if (worker_retry_after > 0 && !res.permanent)
		scp_jobs_failed_after(db, job, res.error, (int)scp_cfg.job_max_attempts,
				      worker_retry_after);
	else
		scp_jobs_failed(db, job, res.error, (int)scp_cfg.job_max_attempts, res.permanent);
	return false;
}

/* Append id to the uuid[] literal being built in b ("{" at first). */
static void add_id(struct scp_buf *b, const char *id)
{
	scp_buf_adds(b, b->len ? "," : "{");
	scp_buf_adds(b, id);
}

/*
 * Claim a batch and run it: the jobs done are marked in one statement at the end, the
 * failed ones each as it fails; on SIGTERM the jobs not yet run go back to the queue.
 * How many were claimed (0: the queue had nothing due).
 */
static int run_batch(struct scp_db *db, int max)
{
	struct scp_job jobs[SCP_JOBS_BATCH];
	struct scp_buf done = SCP_BUF_INIT, left = SCP_BUF_INIT;
	int n = scp_jobs_claim(db, jobs, max);

	for (int i = 0; i < n; i++) {
		if (stop)
			add_id(&left, jobs[i].id);
		else if (run_job(db, &jobs[i]))
			add_id(&done, jobs[i].id);
		json_object_put(jobs[i].payload);
	}
	if (done.len) {
		scp_buf_adds(&done, "}");
		scp_jobs_done_ids(db, done.ptr);
	}
	if (left.len) {
		scp_buf_adds(&left, "}");
		scp_jobs_release_ids(db, left.ptr);
	}
	scp_buf_release(&done);
	scp_buf_release(&left);
	return n;
}

static void sweep(struct scp_db *db, time_t *last)
{
	PGresult *r;

	if (time(NULL) - *last < 60)
		return;
	*last = time(NULL);
	if (scp_db_exec(db, "jobs_unstick", 0, NULL, &r) != SCP_DB_OK && r)
		scp_error("libpq: jobs_unstick: %s", PQresultErrorMessage(r));
	PQclear(r);
	if (scp_db_exec(db, "sweep_otps", 0, NULL, &r) != SCP_DB_OK && r)
		scp_error("libpq: sweep: %s", PQresultErrorMessage(r));
	PQclear(r);
	if (scp_db_exec(db, "sweep_notifications", 0, NULL, &r) != SCP_DB_OK && r)
		scp_error("libpq: sweep_notifications: %s", PQresultErrorMessage(r));
	PQclear(r);
	worker_files_sweep(db);
}

/* Sleep until a NOTIFY arrives or a second passes. */
static void wait_for_work(struct scp_db *db)
{
	struct pollfd p = { .fd = db->conn ? PQsocket(db->conn) : -1, .events = POLLIN };
	/* The auction sweep may want a shorter pace than a second. */
	int ms = scp_cfg.auction_sweep_ms < 1000 ? (int)scp_cfg.auction_sweep_ms : 1000;
	PGnotify *n;

	if (p.fd < 0) {
		sleep(1);
		return;
	}
	/*
	 * A NOTIFY that reached the connection while the last look for jobs ran was read
	 * with its answer and waits in libpq, not on the socket: poll would not see it, and
	 * the job whose commit sent it (too late for that look) would wait for the timer.
	 */
	if ((n = PQnotifies(db->conn))) {
		do
			PQfreemem(n);
		while ((n = PQnotifies(db->conn)));
		return;
	}
	if (poll(&p, 1, ms) > 0 && PQconsumeInput(db->conn))
		while ((n = PQnotifies(db->conn)))
			PQfreemem(n);
}

/* -h and --help: the usage on stdout, exit 0; a bad option: the same on stderr, exit 2. */
static void usage(FILE *to)
{
	fprintf(to,
		"usage: scp-worker [-c CONFIG] [-1]\n"
		"       scp-worker --version | --help\n"
		"The SCP job runner: outbox deliveries, retries, dead letters, periodic sweeps.\n"
		"  -c CONFIG   configuration file (default %s; $SCP_CONFIG overrides it,\n"
		"              SCP_<KEY> variables override its keys)\n"
		"  -1          run the jobs due now and the sweeps once, then exit\n"
		"  --version   print the version\n"
		"  --help, -h  print this help\n"
		"See scp-worker(8) and scp.conf(5).\n",
		scp_config_default_path());
}

int main(int argc, char **argv)
{
	struct scp_buf errs = SCP_BUF_INIT;
	const char *config = NULL;
	struct scp_db db;
	bool once = false, listening = false;
	time_t last_sweep = 0;
	int opt;

	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("scp-worker (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	while ((opt = getopt(argc, argv, "c:1h")) != -1) {
		switch (opt) {
		case 'c': config = optarg; break;
		case '1': once = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!scp_config_load(config, &errs) || !scp_config_validate(&errs)) {
		fprintf(stderr, "configuration error:\n%s", errs.ptr);
		return 2;
	}
	scp_buf_release(&errs);
	scp_log_init("scp-worker", scp_cfg.log_level);
	scp_log_set_format(scp_cfg.log_format);
	/*
	 * Its counters join the families' on /metrics (family "worker").  A run of -1 (cron,
	 * tests) keeps its own: its file would replace the running daemon's.
	 */
	if (!once)
		scp_metrics_init("worker");
	init_job_metrics();
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	/* A stray HUP (a reload sent to every SCP unit) must not kill the queue's runner. */
	signal(SIGHUP, SIG_IGN);
	scp_httpc_global_init();
	scp_db_init(&db, scp_cfg.database_url);
	scp_db_add_statements(&db, scp_jobs_stmts);
	scp_db_add_statements(&db, sweep_stmts);
	scp_db_add_statements(&db, worker_auction_stmts);
	scp_db_add_statements(&db, worker_files_stmts);
	scp_db_add_statements(&db, worker_whatsapp_stmts);
	scp_db_add_statements(&db, worker_social_stmts);	/* social connections */
	scp_db_add_statements(&db, worker_prokip_stmts);
	scp_db_add_statements(&db, worker_sync_stmts);
	scp_db_add_statements(&db, worker_stores_stmts);
	scp_db_add_statements(&db, worker_push_stmts);
	scp_db_add_statements(&db, worker_events_stmts);
	worker_db = &db;
	scp_info("started (transport %s)", scp_cfg.whatsapp_transport);

	while (!stop) {
		if (!scp_db_ready(&db)) {
			listening = false;
			sleep(1);
			continue;
		}
		if (!listening)
			listening = scp_db_simple(&db, "LISTEN scp_jobs") == SCP_DB_OK;
		sweep(&db, &last_sweep);
		worker_auction_sweep(&db);
		worker_sync_schedule(&db);
		while (!stop && run_batch(&db, SCP_JOBS_BATCH))
			;
		if (once || stop)
			break;
		/*
		 * Asleep first, then one more look: a job whose commit checked before the row
		 * was seen has committed by now and is found here; one that checked after it
		 * sends the NOTIFY that ends the wait.
		 */
		scp_jobs_sleeping(&db, true);
		if (!run_batch(&db, SCP_JOBS_BATCH))
			wait_for_work(&db);
		scp_jobs_sleeping(&db, false);
	}
	scp_info("stopped");
	scp_db_close(&db);
	scp_config_free();
	return 0;
}
