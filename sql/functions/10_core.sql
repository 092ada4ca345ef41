-- Functions, views and triggers (sql/functions/*.sql): `scpctl migrate` runs every file of
-- this folder, in name order, in one transaction, after the schema migrations
-- (sql/NNN_*.sql), on every run.  Each file holds one subsystem and only the current
-- definition of each of its objects, as CREATE OR REPLACE; the number in a file's name
-- orders it after the files it depends on.  The rules (a changed signature, a constraint
-- trigger, a migration that needs a function) are in docs/operations.md §3.1.
--
-- Core: the jobs outbox, pages of lists, and helpers of every family.  Functions raise
-- SQLSTATE 'SCnnn' to answer HTTP status nnn with their MESSAGE (see lib/scp_http.c).

-- Wake scp-worker when a job is queued (delivered at commit, so never early).  One
-- payload for every job: PostgreSQL folds a transaction's identical notifications into
-- one, so a transaction queuing several jobs sends one wake-up (scp-worker claims
-- whatever is due, whatever woke it).
-- A new job wakes scp-worker only while one waits (job_sleepers, sql/096): a NOTIFY at
-- every commit signals every listening backend of the database (scp-ws's too) and costs
-- a fifth of a webhook's throughput, while a busy worker, draining the queue, needs no
-- call.  Checked at commit (a deferred trigger), just before the job becomes visible,
-- under a shared lock that the commit keeps until the job is visible.  A worker about
-- to wait writes its row, commits, then takes that lock exclusively for a moment
-- (scp_jobs_barrier) before it looks for jobs once more: every commit that checked
-- before the row existed has then ended, so its job is found; every later one sees
-- the row and sends the NOTIFY.  No wake-up is lost between the two.
CREATE OR REPLACE FUNCTION scp_jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(7295, 1);
    IF EXISTS (SELECT 1 FROM job_sleepers) THEN
        PERFORM pg_notify('scp_jobs', '');
    END IF;
    RETURN NULL;
END $$;
-- The worker's side: wait until no commit is between its check of job_sleepers and
-- the end of its commit.  Those last microseconds; a transaction that fired the
-- trigger early (SET CONSTRAINTS … IMMEDIATE) and stays open is not waited for beyond
-- lock_timeout: false, and the worker's timed wake (a second) finds its job.
CREATE OR REPLACE FUNCTION scp_jobs_barrier() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    SET LOCAL lock_timeout = '200ms';
    PERFORM pg_advisory_xact_lock(7295, 1);
    RETURN true;
EXCEPTION WHEN lock_not_available THEN
    RETURN false;
END $$;
DROP TRIGGER IF EXISTS jobs_notify ON jobs;
CREATE CONSTRAINT TRIGGER jobs_notify AFTER INSERT ON jobs DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.status = 'queued') EXECUTE FUNCTION scp_jobs_notify();

-- Queue a job in the caller's transaction (DESIGN §1: nothing is sent for a change that
-- rolled back).  PL/pgSQL rather than SQL: PostgreSQL never inlines a SQL function that
-- writes, so called from PL/pgSQL (every event, every OTP) its INSERT would be parsed and
-- planned anew each time; in PL/pgSQL it is planned once per session.
CREATE OR REPLACE FUNCTION scp_job_enqueue(p_kind text, p_payload jsonb,
                                           p_run_at timestamptz DEFAULT now())
RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    jid uuid;
BEGIN
    INSERT INTO jobs (kind, payload, run_at) VALUES (p_kind, p_payload, p_run_at)
        RETURNING id INTO jid;
    RETURN jid;
END $$;

-- A page of a list, as every list of the API answers (see lib/scp_page.h).  STABLE, as
-- json_build_object is: declared IMMUTABLE over it, PostgreSQL would never inline it and
-- would parse and plan its body again on every call.  Callers that pass it plain columns
-- get it inlined.
CREATE OR REPLACE FUNCTION scp_page_json(p_results json, p_total bigint, p_page int, p_size int)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('results', coalesce(p_results, '[]'::json),
        'pagination', json_build_object('page', p_page, 'page_size', p_size,
            'total', coalesce(p_total, 0),
            'total_pages', (coalesce(p_total, 0) + p_size - 1) / p_size))
$$;

-- Minor units → the JSON decimal (12.50); basis points → percent (7.25).  Both inlined.
CREATE OR REPLACE FUNCTION scp_amount(p_minor bigint)
RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
    SELECT round(p_minor / 100.0, 2)
$$;

-- Escape LIKE's wildcards so a search for "50%" means those three characters.
CREATE OR REPLACE FUNCTION scp_like(p_text text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT '%' || replace(replace(replace(p_text, '\', '\\'), '%', '\%'), '_', '\_') || '%'
$$;

-- An object with one more key: the text of j with its closing brace replaced.  j is a
-- stored view, never empty, and json_build_object writes no space before the brace.
-- A page with one more member beside results and pagination (unread_count,
-- next_before): built in one go, where scp_json_with would scan and parse the page's
-- text again.
CREATE OR REPLACE FUNCTION scp_page_json_with(p_results json, p_total bigint, p_page int,
                                              p_size int, p_key text, p_value json)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('results', coalesce(p_results, '[]'::json),
        'pagination', json_build_object('page', p_page, 'page_size', p_size,
            'total', coalesce(p_total, 0),
            'total_pages', (coalesce(p_total, 0) + p_size - 1) / p_size),
        p_key, p_value)
$$;

CREATE OR REPLACE FUNCTION scp_json_with(j json, p_key text, p_value json) RETURNS json
LANGUAGE sql IMMUTABLE AS $$
    SELECT (left(j::text, -1) || ', ' || to_json(p_key)::text || ' : '
            || coalesce(p_value::text, 'null') || '}')::json
$$;

-- A configuration value (DESIGN §3): every connection of lib/scp_db.c sets the keys
-- marked Q in lib/scp_config.c as scp.<key>, so functions read them here instead of
-- taking them as parameters.  A session without them (psql, a migration, scpctl) gets
-- the built-in default, the same as scp_config.c's (tests/t/core-009-sql-settings.t compares
-- the two).  A key with neither is a caller's typo: it fails.  Inlined, and STABLE as
-- current_setting is: one lookup in the session's settings, no query.
CREATE OR REPLACE FUNCTION scp_setting_int(p_key text) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('scp.' || p_key, true), ''),
        CASE p_key
            WHEN 'refresh_ttl' THEN '604800'
            WHEN 'otp_ttl' THEN '300'
            WHEN 'otp_max_attempts' THEN '5'
            WHEN 'otp_sends_per_minute' THEN '3'
            WHEN 'otp_verifies_per_5min' THEN '5'
            WHEN 'bid_min_increment' THEN '10000'
            WHEN 'auction_start_percent' THEN '50'
            WHEN 'auction_commission_bp' THEN '1000'
            WHEN 'agent_commission' THEN '20000'
            WHEN 'platform_fee' THEN '4900'
            WHEN 'auction_ending_notice' THEN '900'
            WHEN 'notification_retention_days' THEN '90'
            ELSE 'no such setting: scp.' || p_key END)::bigint
$$;

-- A text configuration value: the keys marked T or TC in lib/scp_config.c, with the
-- same rule as scp_setting_int (set by every connection of lib/scp_db.c, else the
-- built-in default, the same as scp_config.c's; an unknown key fails).  An empty value
-- is a value here (public_url's default): only an unset one falls back.
CREATE OR REPLACE FUNCTION scp_setting_text(p_key text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_key IN ('public_url', 'refresh_rotation')
        THEN coalesce(current_setting('scp.' || p_key, true),
            CASE p_key
                WHEN 'refresh_rotation' THEN 'rotate'
            END)
        ELSE ('no such setting: scp.' || p_key)::int::text END
$$;

-- Answers' media URLs are made absolute by the HTTP layer (lib/scp_http.c).
DROP FUNCTION IF EXISTS scp_media_abs(json);

-- Epoch milliseconds, as Cliick's frontend types its times (lastMessageAt, a message's or a
-- stock movement's timestamp, a subscription's ends).  NULL stays NULL.
CREATE OR REPLACE FUNCTION scp_epoch_ms(t timestamptz)
RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT (extract(epoch FROM t) * 1000)::bigint
$$;
