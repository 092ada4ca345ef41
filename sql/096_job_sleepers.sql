-- The scp-worker processes waiting for work, by their backend's pid: a new job's
-- transaction wakes them with NOTIFY scp_jobs only while one waits
-- (sql/functions/10_core.sql, scp_jobs_notify; bin/scp-worker.c).  A worker that drains
-- a queue wakes nobody's listeners on every commit.  Unlogged: a crash empties it, and a
-- worker writes its row again before each wait.
CREATE UNLOGGED TABLE IF NOT EXISTS job_sleepers (
    pid int PRIMARY KEY,
    since timestamptz NOT NULL DEFAULT now()
);
