/*
 * scp_jobs: the outbox.  Jobs are rows of the `jobs` table, written by SQL in the same
 * transaction as the change that causes them (scp_job_enqueue() in sql/), and run by
 * scp-worker: claimed with FOR UPDATE SKIP LOCKED, retried with exponential backoff,
 * kept as dead letters with their last error after job_max_attempts.
 */
#ifndef SCP_JOBS_H
#define SCP_JOBS_H

#include <json-c/json.h>
#include <stdbool.h>

#include "scp_db.h"

struct scp_job {
	char id[40];
	char kind[64];
	int attempts;		/* including this one */
	json_object *payload;	/* owned; released by scp_jobs_done/failed */
};

extern const struct scp_stmt scp_jobs_stmts[];

/* A worker's batch: how many due jobs one claim takes at most. */
#define SCP_JOBS_BATCH 16

/*
 * Claim up to max due jobs into jobs[], in queue order; how many (0 when none is due, or
 * the database is away).  Each is then done, failed or released.
 */
int scp_jobs_claim(struct scp_db *db, struct scp_job *jobs, int max);
/* The job ran: done (its payload is released). */
void scp_jobs_done(struct scp_db *db, struct scp_job *job);
/* The same for several at once: ids is a uuid[] literal, "{id,id,…}". */
void scp_jobs_done_ids(struct scp_db *db, const char *ids);
/* Claimed jobs that were not run go back to the queue as they were (ids as above). */
void scp_jobs_release_ids(struct scp_db *db, const char *ids);
/*
 * asleep: this worker is about to wait, and a new job's commit should wake it (NOTIFY
 * scp_jobs); returns once every commit that checked for waiting workers before this
 * one was seen has ended (scp_jobs_barrier), so that claiming once more after it finds
 * their jobs; then wait.  !asleep: it is awake again, and the
 * queue's producers no longer signal anyone for it.
 */
void scp_jobs_sleeping(struct scp_db *db, bool asleep);
/*
 * The attempt failed: schedule the next one after 2^attempts seconds (capped at one
 * hour), or mark the job dead after max_attempts.  permanent: dead at once.
 */
void scp_jobs_failed(struct scp_db *db, struct scp_job *job, const char *error,
		     int max_attempts, bool permanent);
/*
 * The same, but the next attempt after secs (a provider's Retry-After) rather than the
 * exponential backoff, when secs is larger.
 */
void scp_jobs_failed_after(struct scp_db *db, struct scp_job *job, const char *error,
			   int max_attempts, long secs);
/* Seconds of backoff after the given attempt number. */
long scp_jobs_backoff(int attempts);

#endif
