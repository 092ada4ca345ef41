-- Auth: users as the API shows them, sessions and refresh tokens, OTP sign-in, sign-up,
-- the per-request session check, supplier staff.

-- The user as the API shows it: a row of the scp_user_view type (001_foundation.sql), whose
-- row_to_json is compact and keeps the type's key order; a FROM-less SQL function is
-- inlined into the calling query.
CREATE OR REPLACE FUNCTION scp_user_json(u users) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(u.id, u.email, u.first_name, u.last_name,
        nullif(concat_ws(' ', u.first_name, u.last_name), ''), u.company_name,
        u.phone_number, u.phone_verified, u.role, u.status, u.status = 'active', u.supplier_id,
        u.profile_image_url, u.created_at, u.updated_at, u.last_login_at,
        u.username)::scp_user_view)
$$;

-- Every authenticated request reads the caller's JSON with its session check; keeping it
-- ready in users.api_view saves formatting it (three timestamps) on each of them.
CREATE OR REPLACE FUNCTION scp_users_api_view() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.api_view := scp_user_json(NEW);
    RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER users_api_view BEFORE INSERT OR UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION scp_users_api_view();

-- Write every user's kept document again when a migration changed what it holds
-- (020_order_portal.sql: stale_api_views; 085_usernames.sql), once, now that
-- scp_user_json above is the new one: the trigger renders each touched row.
WITH due AS (DELETE FROM stale_api_views WHERE table_name = 'users' RETURNING 1)
UPDATE users SET api_view = NULL WHERE EXISTS (SELECT 1 FROM due);

-- Open a session with its first refresh token, both living p_ttl seconds (refresh_ttl);
-- returns the session id.
CREATE OR REPLACE FUNCTION scp_session_open(p_user uuid, p_refresh_hash text, p_ttl int)
RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    sid uuid;
BEGIN
    INSERT INTO sessions (user_id, expires_at)
        VALUES (p_user, now() + make_interval(secs => p_ttl)) RETURNING id INTO sid;
    INSERT INTO refresh_tokens (session_id, token_hash, expires_at)
        VALUES (sid, p_refresh_hash, now() + make_interval(secs => p_ttl));
    UPDATE users SET last_login_at = now() WHERE id = p_user;
    RETURN sid;
END $$;

-- Sign in by password: a session, and the user as of after it (last_login_at set).
DROP FUNCTION IF EXISTS scp_login(uuid, text, int);	-- took the refresh_ttl setting
CREATE OR REPLACE FUNCTION scp_login(p_user uuid, p_refresh_hash text)
RETURNS TABLE (session_id uuid, user_json json)
LANGUAGE plpgsql AS $$
DECLARE
    sid uuid := scp_session_open(p_user, p_refresh_hash,
                                 scp_setting_int('refresh_ttl')::int);
BEGIN
    RETURN QUERY SELECT sid, scp_user_json(u) FROM users u WHERE u.id = p_user;
END $$;

-- Refresh.  With refresh_rotation = rotate (the default) the token is rotated:
-- outcomes ok (p_new is the session's next token), invalid, raced (a concurrent
-- rotation of the same token won less than p_grace seconds ago: refused, family kept),
-- reused (an old token came back: the whole family is revoked), disabled.  The new
-- token lives as long as its session.  With reuse, the token is not spent: outcomes
-- kept (p_new is not stored; the client keeps its token), invalid, disabled; a token a
-- rotation spent earlier is only invalid (there is no theft to detect without
-- rotation).  docs/decisions.md weighs the two.
DROP FUNCTION IF EXISTS scp_refresh(text, text, int, int);	-- took an unused ttl
CREATE OR REPLACE FUNCTION scp_refresh(p_old text, p_new text, p_grace int)
RETURNS TABLE (outcome text, user_id uuid, role text, supplier_id uuid, session_id uuid,
               user_json json)
LANGUAGE plpgsql AS $$
DECLARE
    t refresh_tokens;
    u users;
BEGIN
    IF scp_setting_text('refresh_rotation') = 'reuse' THEN
        -- Read only: concurrent refreshes of one token all succeed.
        SELECT * INTO t FROM refresh_tokens r
            WHERE r.token_hash = p_old AND r.used_at IS NULL AND r.expires_at > now();
        IF NOT FOUND THEN
            RETURN QUERY SELECT 'invalid', NULL::uuid, NULL, NULL::uuid, NULL::uuid, NULL::json;
            RETURN;
        END IF;
    ELSE
        UPDATE refresh_tokens r SET used_at = now()
            WHERE r.token_hash = p_old AND r.used_at IS NULL AND r.expires_at > now()
            RETURNING * INTO t;
        IF NOT FOUND THEN
            SELECT * INTO t FROM refresh_tokens r WHERE r.token_hash = p_old;
            IF NOT FOUND OR t.used_at IS NULL THEN
                RETURN QUERY SELECT 'invalid', NULL::uuid, NULL, NULL::uuid, NULL::uuid, NULL::json;
            ELSIF t.used_at > now() - make_interval(secs => p_grace) THEN
                RETURN QUERY SELECT 'raced', NULL::uuid, NULL, NULL::uuid, NULL::uuid, NULL::json;
            ELSE
                UPDATE sessions s SET revoked_at = now(), revoked_reason = 'refresh token reuse'
                    WHERE s.id = t.session_id AND s.revoked_at IS NULL;
                RETURN QUERY SELECT 'reused', NULL::uuid, NULL, NULL::uuid, t.session_id,
                                    NULL::json;
            END IF;
            RETURN;
        END IF;
    END IF;
    SELECT us.* INTO u FROM sessions s JOIN users us ON us.id = s.user_id
        WHERE s.id = t.session_id AND s.revoked_at IS NULL AND s.expires_at > now()
          AND us.status = 'active';
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'disabled', NULL::uuid, NULL, NULL::uuid, NULL::uuid, NULL::json;
        RETURN;
    END IF;
    IF t.used_at IS NULL AND scp_setting_text('refresh_rotation') = 'reuse' THEN
        RETURN QUERY SELECT 'kept', u.id, u.role, u.supplier_id, t.session_id, scp_user_json(u);
        RETURN;
    END IF;
    INSERT INTO refresh_tokens (session_id, token_hash, expires_at)
        SELECT t.session_id, p_new, s.expires_at FROM sessions s WHERE s.id = t.session_id;
    RETURN QUERY SELECT 'ok', u.id, u.role, u.supplier_id, t.session_id, scp_user_json(u);
END $$;

-- Issue an OTP for a phone, living otp_ttl seconds: at most otp_sends_per_minute per
-- phone per minute.  The code travels in the job's payload to the sender; the table
-- keeps only its hash.
DROP FUNCTION IF EXISTS scp_otp_send(text, text, text, int, int);	-- took the settings
CREATE OR REPLACE FUNCTION scp_otp_send(p_phone text, p_code_hash text, p_code text)
RETURNS TABLE (otp_id uuid, expires_at timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    recent int;
    oldest timestamptz;
    o otps;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('otp:' || p_phone, 0));
    SELECT count(*), min(created_at) INTO recent, oldest FROM otps
        WHERE phone = p_phone AND created_at > now() - interval '1 minute';
    IF recent >= scp_setting_int('otp_sends_per_minute') THEN
        RAISE EXCEPTION USING ERRCODE = 'SC429',
            MESSAGE = 'too many codes requested for this phone; try again later',
            HINT = greatest(1, ceil(extract(epoch FROM oldest + interval '1 minute' - now())))::int::text;
    END IF;
    INSERT INTO otps (phone, code_hash, expires_at)
        VALUES (p_phone, p_code_hash, now() + make_interval(secs => scp_setting_int('otp_ttl')))
        RETURNING * INTO o;
    PERFORM scp_job_enqueue('whatsapp_otp',
        jsonb_build_object('phone', p_phone, 'code', p_code, 'otp_id', o.id));
    RETURN QUERY SELECT o.id, o.expires_at;
END $$;

-- Check an OTP.  Outcomes: ok (with a new session for the user, created as a client on
-- first sign-in), invalid, expired (none live, or its otp_max_attempts are spent),
-- disabled.  At most otp_verifies_per_5min checks per phone per 5 minutes.
DROP FUNCTION IF EXISTS scp_otp_verify(text, uuid, text, int, int, text, int);	-- settings
CREATE OR REPLACE FUNCTION scp_otp_verify(p_phone text, p_otp_id uuid, p_code_hash text,
                                          p_refresh_hash text)
RETURNS TABLE (outcome text, user_id uuid, role text, supplier_id uuid, session_id uuid,
               user_json json)
LANGUAGE plpgsql AS $$
DECLARE
    n int;
    o otps;
    u users;
    sid uuid;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('otp:' || p_phone, 0));
    SELECT count(*) INTO n FROM otp_verifications v
        WHERE v.phone = p_phone AND v.at > now() - interval '5 minutes';
    IF n >= scp_setting_int('otp_verifies_per_5min') THEN
        RAISE EXCEPTION USING ERRCODE = 'SC429',
            MESSAGE = 'too many verification attempts; try again later', HINT = '300';
    END IF;
    INSERT INTO otp_verifications (phone) VALUES (p_phone);
    SELECT * INTO o FROM otps
        WHERE phone = p_phone AND used_at IS NULL AND (p_otp_id IS NULL OR id = p_otp_id)
        ORDER BY created_at DESC LIMIT 1 FOR UPDATE;
    IF NOT FOUND OR o.expires_at <= now() OR o.attempts >= scp_setting_int('otp_max_attempts') THEN
        RETURN QUERY SELECT 'expired', NULL::uuid, NULL, NULL::uuid, NULL::uuid, NULL::json;
        RETURN;
    END IF;
    IF o.code_hash <> p_code_hash THEN
        UPDATE otps SET attempts = attempts + 1 WHERE id = o.id;
        RETURN QUERY SELECT 'invalid', NULL::uuid, NULL, NULL::uuid, NULL::uuid, NULL::json;
        RETURN;
    END IF;
    UPDATE otps SET used_at = now() WHERE id = o.id;
    -- The code proves the phone.  An account that merely typed this number in (sign-up,
    -- profile) loses it, so nobody signs into an account by claiming a victim's phone.
    UPDATE users SET phone_number = NULL, updated_at = now()
        WHERE phone_number = p_phone AND NOT phone_verified AND email IS NOT NULL;
    INSERT INTO users (phone_number, phone_verified, role) VALUES (p_phone, true, 'client')
        ON CONFLICT (phone_number) DO NOTHING;
    SELECT * INTO u FROM users WHERE phone_number = p_phone;
    IF NOT u.phone_verified THEN
        RETURN QUERY SELECT 'disabled', NULL::uuid, NULL, NULL::uuid, NULL::uuid, NULL::json;
        RETURN;
    END IF;
    IF u.status <> 'active' THEN
        RETURN QUERY SELECT 'disabled', NULL::uuid, NULL, NULL::uuid, NULL::uuid, NULL::json;
        RETURN;
    END IF;
    sid := scp_session_open(u.id, p_refresh_hash, scp_setting_int('refresh_ttl')::int);
    SELECT * INTO u FROM users WHERE id = u.id;
    RETURN QUERY SELECT 'ok', u.id, u.role, u.supplier_id, sid, scp_user_json(u);
END $$;

-- Sign up: a consumer, client or vendor; an owner brings a new supplier.
DROP FUNCTION IF EXISTS scp_signup(text, text, text, text, text, text, text, text, text, int);
-- (took no username: callers with nine arguments get the default NULL)
DROP FUNCTION IF EXISTS scp_signup(text, text, text, text, text, text, text, text, text);
CREATE OR REPLACE FUNCTION scp_signup(p_email text, p_hash text, p_role text, p_first text,
                                      p_last text, p_company text, p_phone text,
                                      p_supplier_name text, p_refresh_hash text,
                                      p_username text DEFAULT NULL)
RETURNS TABLE (user_id uuid, role text, supplier_id uuid, session_id uuid, user_json json)
LANGUAGE plpgsql AS $$
DECLARE
    sup uuid;
    u users;
    sid uuid;
BEGIN
    IF p_role = 'owner' THEN
        INSERT INTO suppliers (name) VALUES (p_supplier_name) RETURNING id INTO sup;
    END IF;
    INSERT INTO users (email, password_hash, role, first_name, last_name, company_name,
                       phone_number, supplier_id, username)
        VALUES (p_email, p_hash, p_role, p_first, p_last, p_company, p_phone, sup, p_username)
        RETURNING * INTO u;
    sid := scp_session_open(u.id, p_refresh_hash, scp_setting_int('refresh_ttl')::int);
    SELECT * INTO u FROM users WHERE id = u.id;
    RETURN QUERY SELECT u.id, u.role, u.supplier_id, sid, scp_user_json(u);
END $$;

-- A supplier registers (POST /supplier/register): an owner signs up with its new
-- supplier (scp_signup), which gets the company's contact details in the same
-- transaction.  Answers as scp_signup.
CREATE OR REPLACE FUNCTION scp_supplier_register(p_email text, p_hash text, p_first text,
                                                 p_last text, p_company text, p_company_email text,
                                                 p_description text, p_phone text, p_address text,
                                                 p_refresh_hash text)
RETURNS TABLE (user_id uuid, role text, supplier_id uuid, session_id uuid, user_json json)
LANGUAGE plpgsql AS $$
DECLARE
    x record;
BEGIN
    SELECT * INTO STRICT x FROM scp_signup(p_email, p_hash, 'owner', p_first, p_last, p_company,
                                           NULL, p_company, p_refresh_hash);
    UPDATE suppliers SET email = p_company_email, description = p_description,
           phone_number = p_phone, address = p_address, updated_at = now()
        WHERE id = x.supplier_id;
    RETURN QUERY SELECT x.user_id, x.role, x.supplier_id, x.session_id, x.user_json;
END $$;

-- The owner changes a staff member of its supplier: d may hold first_name, last_name,
-- phone_number, role (manager | sales_rep), status (active | deactivated) and
-- password_hash.  Deactivating or a new password revokes every session at once (the
-- router checks the session and the user's status on each request).  Owners are not
-- changed here (their own profile is /users/me).
CREATE OR REPLACE FUNCTION scp_staff_update(p_supplier uuid, p_id uuid, d jsonb) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    u users;
BEGIN
    SELECT * INTO u FROM users WHERE id = p_id AND supplier_id = p_supplier FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'user not found';
    END IF;
    IF u.role = 'owner' THEN
        RAISE EXCEPTION USING ERRCODE = 'SC403',
            MESSAGE = 'the owner is not managed here; use /users/me';
    END IF;
    UPDATE users x SET
        first_name = CASE WHEN d ? 'first_name' THEN d->>'first_name' ELSE x.first_name END,
        last_name = CASE WHEN d ? 'last_name' THEN d->>'last_name' ELSE x.last_name END,
        phone_number = CASE WHEN d ? 'phone_number' THEN d->>'phone_number'
                            ELSE x.phone_number END,
        role = coalesce(d->>'role', x.role),
        status = coalesce(d->>'status', x.status),
        password_hash = coalesce(d->>'password_hash', x.password_hash),
        updated_at = now()
    WHERE x.id = p_id RETURNING * INTO u;
    IF d->>'status' = 'deactivated' OR d ? 'password_hash' THEN
        UPDATE sessions SET revoked_at = now(),
               revoked_reason = CASE WHEN d ? 'password_hash' THEN 'password reset by owner'
                                     ELSE 'deactivated' END
            WHERE user_id = p_id AND revoked_at IS NULL;
    END IF;
    RETURN scp_user_json(u);
END $$;

-- The session check behind every authenticated request (lib/scp_auth.c).
--
-- The check runs in the same round trip as the request's first statement, pipelined
-- before it in one implicit transaction.  A refused session must therefore raise, not
-- merely return no row: the error is what keeps the statement behind it from running.
-- The token's role and supplier must still be the account's: they are the parameters
-- that statement was sent with.  A changed role takes a new token (POST /auth/refresh).
--
-- Why the token of session p_sid (user p_user, claiming p_role and p_supplier) is
-- refused: raises SC401 with the reason.  Only called once the check found no match.
CREATE OR REPLACE FUNCTION scp_session_refused(p_sid uuid, p_user uuid, p_role text,
                                               p_supplier uuid)
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
