#include "scp_jobs.h"
#include "scp_db.h"
#include "scp_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct scp_stmt scp_jobs_stmts[] = {
	/*
	 * Up to $1 due jobs at once, in queue order: a worker draining a queue claims a
	 * batch per round trip, not a job.
	 */
	{ "jobs_claim",
	  "WITH c AS (UPDATE jobs SET status = 'running', attempts = attempts + 1,"
	  "  locked_at = now()"
	  " WHERE id IN (SELECT id FROM jobs WHERE status = 'queued' AND run_at <= now()"
	  "              ORDER BY run_at, id FOR UPDATE SKIP LOCKED LIMIT $1::int)"
	  " RETURNING id, kind, attempts, payload::text, run_at)"
	  " SELECT id, kind, attempts, payload FROM c ORDER BY run_at, id" },
	/* A claimed batch's jobs not run (the worker was stopped): back to the queue. */
	{ "jobs_release",
	  "UPDATE jobs SET status = 'queued', attempts = attempts - 1, locked_at = NULL"
	  " WHERE id = ANY ($1::uuid[]) AND status = 'running'" },
	/* Only an OTP's payload changes: rewriting a large one would copy it again. */
	{ "jobs_done", "UPDATE jobs SET status = 'done', finished_at = now(), last_error = NULL,"
		       " payload = CASE WHEN payload ? 'code' THEN payload - 'code' ELSE payload END"
		       " WHERE id = ANY ($1::uuid[])" },
	{ "jobs_retry",
	  "UPDATE jobs SET status = 'queued', last_error = $2,"
	  " run_at = now() + make_interval(secs => $3::int) WHERE id = $1" },
	{ "jobs_dead", "UPDATE jobs SET status = 'dead', last_error = $2, finished_at = now(),"
		       " payload = payload - 'code'"
		       " WHERE id = $1" },
	/*
	 * A worker about to wait (job_sleepers, sql/096): its row, so that new jobs wake it;
	 * rows of backends that are gone (a worker killed while it waited) go with it.
	 */
	{ "jobs_sleep",
	  "WITH gone AS (DELETE FROM job_sleepers s WHERE s.pid <> pg_backend_pid()"
	  "  AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = s.pid))"
	  " INSERT INTO job_sleepers (pid) VALUES (pg_backend_pid())"
	  " ON CONFLICT (pid) DO UPDATE SET since = now()" },
	/* then every commit that missed that row has ended (sql/functions/10_core.sql) */
	{ "jobs_barrier", "SELECT scp_jobs_barrier()" },
	{ "jobs_wake", "DELETE FROM job_sleepers WHERE pid = pg_backend_pid()" },
	/* Jobs whose worker died mid-run go back to the queue after five minutes. */
	{ "jobs_unstick",
	  "UPDATE jobs SET status = 'queued' WHERE status = 'running'"
	  " AND locked_at < now() - interval '5 minutes'" },
	SCP_STMT_END,
};

int scp_jobs_claim(struct scp_db *db, struct scp_job *jobs, int max)
{
	char n[16];
	PGresult *res;
	int got;

	snprintf(n, sizeof(n), "%d", max);
	if (scp_db_exec(db, "jobs_claim", 1, (const char *const[]){ n }, &res) != SCP_DB_OK) {
		if (res)
			scp_error("libpq: jobs_claim: %s", PQresultErrorMessage(res));
		PQclear(res);
		return 0;
	}
	got = PQntuples(res) < max ? PQntuples(res) : max;
	for (int i = 0; i < got; i++) {
		struct scp_job *job = &jobs[i];

		memset(job, 0, sizeof(*job));
		snprintf(job->id, sizeof(job->id), "%s", PQgetvalue(res, i, 0));
		snprintf(job->kind, sizeof(job->kind), "%s", PQgetvalue(res, i, 1));
		job->attempts = atoi(PQgetvalue(res, i, 2));
		job->payload = json_tokener_parse(PQgetvalue(res, i, 3));
	}
	PQclear(res);
	return got;
}

static void run_update(struct scp_db *db, const char *stmt, int n, const char *const *p)
{
	PGresult *res;

	if (scp_db_exec(db, stmt, n, p, &res) != SCP_DB_OK)
		scp_error("libpq: %s: %s", stmt, res ? PQresultErrorMessage(res) : "database down");
	PQclear(res);
}

void scp_jobs_sleeping(struct scp_db *db, bool asleep)
{
	run_update(db, asleep ? "jobs_sleep" : "jobs_wake", 0, NULL);
	if (asleep)
		run_update(db, "jobs_barrier", 0, NULL);
}

void scp_jobs_done_ids(struct scp_db *db, const char *ids)
{
	run_update(db, "jobs_done", 1, (const char *const[]){ ids });
}

void scp_jobs_release_ids(struct scp_db *db, const char *ids)
{
	run_update(db, "jobs_release", 1, (const char *const[]){ ids });
}

void scp_jobs_done(struct scp_db *db, struct scp_job *job)
{
	char ids[48];

	snprintf(ids, sizeof(ids), "{%s}", job->id);
	scp_jobs_done_ids(db, ids);
	json_object_put(job->payload);
	job->payload = NULL;
}

long scp_jobs_backoff(int attempts)
{
	long s = 1;

	for (int i = 0; i < attempts && s < 3600; i++)
		s *= 2;
	return s > 3600 ? 3600 : s;
}

static void failed(struct scp_db *db, struct scp_job *job, const char *error,
		   int max_attempts, bool permanent, long after)
{
	char secs[24];
	long backoff = scp_jobs_backoff(job->attempts);

	if (permanent || job->attempts >= max_attempts) {
		scp_warn("job %s (%s) is a dead letter after %d attempts: %s", job->id,
			 job->kind, job->attempts, error);
		run_update(db, "jobs_dead", 2, (const char *const[]){ job->id, error });
	} else {
		snprintf(secs, sizeof(secs), "%ld", after > backoff ? after : backoff);
		scp_info("job %s (%s) attempt %d failed, retry in %ss: %s", job->id, job->kind,
			 job->attempts, secs, error);
		run_update(db, "jobs_retry", 3, (const char *const[]){ job->id, error, secs });
	}
	json_object_put(job->payload);
	job->payload = NULL;
}

void scp_jobs_failed(struct scp_db *db, struct scp_job *job, const char *error,
		     int max_attempts, bool permanent)
{
	failed(db, job, error, max_attempts, permanent, 0);
}

void scp_jobs_failed_after(struct scp_db *db, struct scp_job *job, const char *error,
			   int max_attempts, long secs)
{
	failed(db, job, error, max_attempts, false, secs);
}
