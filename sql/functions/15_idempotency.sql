-- Idempotency-Key claims (lib/scp_idem.c): the table is sql/009_idempotency.sql.

-- Claim (p_caller, p_key) for a request of fingerprint p_fp.  outcome is
--   claimed      the key is this request's: run the handler, then complete or release;
--                claim names the claim;
--   replay       the key's request completed: status, headers and response are its answer;
--   mismatch     the key was used with another request (another fingerprint);
--   in_progress  the key's request is still running.
-- A row older than 24 h counts as absent, and so does a claim still in flight after
-- 60 s (twice nginx's fastcgi_read_timeout): its worker died, or could not record the
-- answer, and a retry must not be refused forever.
CREATE OR REPLACE FUNCTION scp_idem_claim(p_caller uuid, p_key text, p_fp text,
                               OUT outcome text, OUT claim text, OUT status int,
                               OUT headers text, OUT response text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    k idempotency_keys;
BEGIN
    LOOP
        INSERT INTO idempotency_keys AS i (caller, key, fingerprint)
        VALUES (p_caller, p_key, p_fp)
        ON CONFLICT (caller, key) DO NOTHING
        RETURNING i.* INTO k;
        IF NOT FOUND THEN
            -- Guarded: of two retries taking the same stale row over, one wins.
            UPDATE idempotency_keys i
               SET fingerprint = p_fp, claim = pg_current_xact_id(), status = NULL,
                   headers = NULL, response = NULL, created_at = now(), completed_at = NULL
             WHERE i.caller = p_caller AND i.key = p_key
               AND (i.created_at < now() - interval '24 hours'
                    OR (i.completed_at IS NULL AND i.created_at < now() - interval '60 seconds'))
            RETURNING i.* INTO k;
        END IF;
        IF FOUND THEN
            outcome := 'claimed';
            claim := k.claim::text;
            RETURN;
        END IF;
        -- Each statement of a VOLATILE function sees what committed before it: the row
        -- the INSERT conflicted with is visible here, unless it was pruned meanwhile.
        SELECT * INTO k FROM idempotency_keys i WHERE i.caller = p_caller AND i.key = p_key;
        IF FOUND THEN
            IF k.fingerprint <> p_fp THEN
                outcome := 'mismatch';
            ELSIF k.completed_at IS NULL THEN
                outcome := 'in_progress';
            ELSE
                outcome := 'replay';
                status := k.status;
                headers := k.headers;
                response := k.response;
            END IF;
            RETURN;
        END IF;
    END LOOP;
END $$;
