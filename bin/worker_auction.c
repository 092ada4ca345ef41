/*
 * Auctions in scp-worker: the closing sweep and the auction_ending notice.
 *
 * Closing is scp_auction_close_due() (sql/functions/65_bids.sql): ended auctions are taken
 * FOR UPDATE SKIP LOCKED, so several scp-worker processes may sweep at once and a bid
 * holding a listing only delays its closing to the next pass.
 *
 * The events of the auction flow (new_bid, auction_won, listing_submitted,
 * task_assigned, order_updated…) are sent by worker_events.c.
 */
#include "worker.h"
#include "scp_buf.h"
#include "scp_config.h"
#include "scp_log.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct scp_db *worker_db;

const struct scp_stmt worker_auction_stmts[] = {
	{ "auction_close_due", "SELECT scp_auction_close_due(100)" },
	/* Still live and still ending when the job was queued (not re-timed, not sold). */
	{ "auction_still_ending",
	  "SELECT greatest(0, floor(extract(epoch FROM auction_end_time - now())))::int"
	  " FROM listings WHERE id = $1::uuid AND status = 'live'"
	  " AND auction_end_time = $2::timestamptz" },
	{ "listing_thumbnails_done",
	  "UPDATE listings SET thumbnails_at = now() WHERE id = $1::uuid" },
	SCP_STMT_END,
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void worker_auction_sweep(struct scp_db *db)
{
	static long long next;
	PGresult *res;

	if (now_ms() < next)
		return;
	next = now_ms() + scp_cfg.auction_sweep_ms;
	if (scp_db_exec(db, "auction_close_due", 0, NULL, &res) != SCP_DB_OK) {
		if (res)
			scp_error("libpq: auction_close_due: %s", PQresultErrorMessage(res));
	} else if (strcmp(PQgetvalue(res, 0, 0), "0")) {
		scp_info("closed %s auction(s)", PQgetvalue(res, 0, 0));
	}
	PQclear(res);
}


static const char *payload_str(struct scp_job *job, const char *key)
{
	json_object *v = NULL;

	if (!job->payload || !json_object_object_get_ex(job->payload, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Fires auction_ending_notice seconds before the end, unless the auction is over. */
struct worker_result worker_auction_ending(struct scp_job *job)
{
	const char *id = payload_str(job, "listing_id");
	const char *end = payload_str(job, "auction_end_time");
	struct worker_result out = { 0 };
	PGresult *res;

	if (!id || !end)
		return (struct worker_result){ "payload lacks listing_id or auction_end_time", true };
	if (scp_db_exec(worker_db, "auction_still_ending", 2, (const char *const[]){ id, end },
			&res) != SCP_DB_OK) {
		PQclear(res);
		return (struct worker_result){ "database unavailable", false };
	}
	if (PQntuples(res) == 1) {
		json_object_object_add(job->payload, "time_left",
				       json_object_new_int(atoi(PQgetvalue(res, 0, 0))));
		out = worker_event_send(job->id, "auction_ending", job->payload);
	}
	PQclear(res);
	return out;
}
