-- The session check behind every authenticated request (lib/scp_auth.c).
--
-- The check runs in the same round trip as the request's first statement, pipelined
-- before it in one implicit transaction.  A refused session must therefore raise, not
-- merely return no row: the error is what keeps the statement behind it from running.
-- The token's role and supplier must still be the account's: they are the parameters
-- that statement was sent with.  A changed role takes a new token (POST /auth/refresh).

-- Why the token of session p_sid (user p_user, claiming p_role and p_supplier) is
-- refused: raises SC401 with the reason.  Only called once the check found no match.
CREATE FUNCTION scp_session_refused(p_sid uuid, p_user uuid, p_role text, p_supplier uuid)
RETURNS json LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    u users;
BEGIN
    SELECT * INTO u FROM users WHERE id = p_user;
    IF NOT FOUND OR u.status <> 'active' THEN
        RAISE EXCEPTION USING ERRCODE = 'SC401', MESSAGE = 'account disabled';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = p_sid AND s.user_id = p_user
                     AND s.revoked_at IS NULL AND s.expires_at > now()) THEN
        RAISE EXCEPTION USING ERRCODE = 'SC401', MESSAGE = 'session ended; sign in again';
    END IF;
    IF u.role IS DISTINCT FROM p_role OR u.supplier_id IS DISTINCT FROM p_supplier THEN
        RAISE EXCEPTION USING ERRCODE = 'SC401',
            MESSAGE = 'your role has changed; refresh the access token';
    END IF;
    -- Matched after all (a concurrent change settled in between): still refuse, the
    -- statement behind this one ran (or not) on the older state.
    RAISE EXCEPTION USING ERRCODE = 'SC401', MESSAGE = 'session changed; try again';
END $$;
