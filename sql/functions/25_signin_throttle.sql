-- Per-account throttling of password checks: the table is sql/008_signin_throttle.sql.

-- The lock after the n-th failure of a streak: none (NULL) before the 5th, then 30 s
-- doubling (the shift is bounded so that it cannot overflow), at most an hour.
CREATE OR REPLACE FUNCTION scp_signin_lock(n int) RETURNS interval
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN n >= 5 THEN make_interval(secs => least(3600, 30 << least(n - 5, 7))) END
$$;

-- Refuse (SC429) an attempt on a subject locked until then (NULL: not locked).
CREATE OR REPLACE FUNCTION scp_signin_refuse(until timestamptz) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF until > now() THEN
        RAISE EXCEPTION USING ERRCODE = 'SC429',
            MESSAGE = 'too many failed attempts; try again later',
            HINT = ceil(extract(epoch FROM until - now()))::int::text;
    END IF;
END $$;

-- Refuse (SC429) while the subject is locked.
CREATE OR REPLACE FUNCTION scp_signin_check(p_purpose text, p_subject text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM scp_signin_refuse(t.last_failure_at + scp_signin_lock(t.failures))
        FROM signin_throttle t WHERE t.purpose = p_purpose AND t.subject = p_subject;
END $$;

-- A password check failed: count it, in one upsert, so that concurrent failures are all
-- counted.  An attempt that passed scp_signin_check() while a concurrent failure locked
-- the subject is refused as the check would now refuse it (counting nothing): its
-- answer must not depend on the password, which was checked.
CREATE OR REPLACE FUNCTION scp_signin_failed(p_purpose text, p_subject text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO signin_throttle AS t (purpose, subject, failures, last_failure_at)
        VALUES (p_purpose, p_subject, 1, now())
        ON CONFLICT (purpose, subject) DO UPDATE SET
            failures = CASE WHEN t.last_failure_at + coalesce(scp_signin_lock(t.failures),
                                 interval '0') + interval '15 minutes' <= now()
                            THEN 1 ELSE t.failures + 1 END,
            last_failure_at = now()
        WHERE t.failures < 5 OR t.last_failure_at + scp_signin_lock(t.failures) <= now();
    IF NOT FOUND THEN
        -- ON CONFLICT locked the row even though it did not update it.
        PERFORM scp_signin_check(p_purpose, p_subject);
    END IF;
    -- Prune opportunistically: past the longest lock and the 15 minutes after it, a row
    -- is forgotten anyway.  SKIP LOCKED: two pruners never wait on each other.
    DELETE FROM signin_throttle d USING (
        SELECT purpose, subject FROM signin_throttle
            WHERE last_failure_at < now() - interval '75 minutes'
            LIMIT 100 FOR UPDATE SKIP LOCKED) old
        WHERE d.purpose = old.purpose AND d.subject = old.subject;
END $$;

-- A password check succeeded: end the streak.  Refused (SC429, and the streak kept) if
-- a concurrent failure locked the subject since its check, as a wrong password would be.
-- Returns true, to be usable as a condition.
CREATE OR REPLACE FUNCTION scp_signin_passed(p_purpose text, p_subject text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    until timestamptz;
BEGIN
    DELETE FROM signin_throttle t WHERE t.purpose = p_purpose AND t.subject = p_subject
        RETURNING t.last_failure_at + scp_signin_lock(t.failures) INTO until;
    PERFORM scp_signin_refuse(until);
    RETURN true;
END $$;
