-- Foundation: users, sessions, refresh tokens, OTPs, the jobs outbox.
--
-- Conventions: UUID keys, timestamptz, money as BIGINT minor units.  Functions raise
-- SQLSTATE 'SCnnn' to answer HTTP status nnn with their MESSAGE (see lib/scp_http.c).

CREATE TABLE suppliers (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email             text,
    password_hash     text,
    first_name        text,
    last_name         text,
    company_name      text,
    phone_number      text,
    -- proven by an OTP (or entered by an administrator); only such a phone signs in
    phone_verified    boolean NOT NULL DEFAULT false,
    role              text NOT NULL CHECK (role IN ('consumer', 'owner', 'manager', 'sales_rep',
                                                    'client', 'vendor', 'agent', 'admin')),
    status            text NOT NULL DEFAULT 'active'
                           CHECK (status IN ('active', 'banned', 'deactivated')),
    supplier_id       uuid REFERENCES suppliers(id),
    profile_image_url text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    last_login_at     timestamptz,
    -- named for the field the API reports when a request would break it
    CONSTRAINT users_phone_number_check CHECK (email IS NOT NULL OR phone_number IS NOT NULL),
    -- supplier staff always belong to a supplier; nobody else does
    CHECK ((role IN ('owner', 'manager', 'sales_rep')) = (supplier_id IS NOT NULL))
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE UNIQUE INDEX users_phone_number_key ON users (phone_number);
CREATE INDEX users_supplier_idx ON users (supplier_id) WHERE supplier_id IS NOT NULL;
CREATE INDEX users_role_idx ON users (role);

-- A session is one sign-in: the family of its refresh tokens.  Access tokens carry its
-- id (sid), and every authenticated request checks it is not revoked.
CREATE TABLE sessions (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id        uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    revoked_at     timestamptz,
    revoked_reason text
);
CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE refresh_tokens (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id  uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    token_hash  text NOT NULL UNIQUE,          -- sha256 hex of the opaque token
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

CREATE TABLE otps (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    phone       text NOT NULL,
    code_hash   text NOT NULL,                 -- HMAC-SHA256(jwt_secret, phone:code)
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    attempts    int NOT NULL DEFAULT 0,
    used_at     timestamptz
);
CREATE INDEX otps_phone_idx ON otps (phone, created_at DESC);

CREATE TABLE otp_verifications (
    phone  text NOT NULL,
    at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX otp_verifications_idx ON otp_verifications (phone, at);

CREATE TABLE jobs (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind         text NOT NULL,
    payload      jsonb NOT NULL DEFAULT '{}',
    status       text NOT NULL DEFAULT 'queued'
                      CHECK (status IN ('queued', 'running', 'done', 'dead')),
    attempts     int NOT NULL DEFAULT 0,
    run_at       timestamptz NOT NULL DEFAULT now(),
    created_at   timestamptz NOT NULL DEFAULT now(),
    locked_at    timestamptz,
    finished_at  timestamptz,
    last_error   text
);
CREATE INDEX jobs_due_idx ON jobs (run_at, id) WHERE status = 'queued';
CREATE INDEX jobs_dead_idx ON jobs (created_at) WHERE status = 'dead';

-- Wake scp-worker when a job is queued (delivered at commit, so never early).
CREATE FUNCTION scp_jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('scp_jobs', NEW.kind);
    RETURN NULL;
END $$;
CREATE TRIGGER jobs_notify AFTER INSERT ON jobs
    FOR EACH ROW WHEN (NEW.status = 'queued') EXECUTE FUNCTION scp_jobs_notify();

CREATE FUNCTION scp_job_enqueue(p_kind text, p_payload jsonb,
                                p_run_at timestamptz DEFAULT now())
RETURNS uuid LANGUAGE sql AS $$
    INSERT INTO jobs (kind, payload, run_at) VALUES (p_kind, p_payload, p_run_at)
    RETURNING id
$$;

-- The user as the API shows it.  row_to_json of a typed row is compact and keeps this
-- order, and a FROM-less SQL function is inlined into the calling query.
CREATE TYPE scp_user_view AS (
    id uuid, email text, first_name text, last_name text, name text, company_name text,
    phone_number text, phone_verified boolean, role text, status text, is_active boolean,
    supplier_id uuid,
    profile_image_url text, created_at timestamptz, updated_at timestamptz,
    last_login_at timestamptz
);
CREATE FUNCTION scp_user_json(u users) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(u.id, u.email, u.first_name, u.last_name,
        nullif(concat_ws(' ', u.first_name, u.last_name), ''), u.company_name,
        u.phone_number, u.phone_verified, u.role, u.status, u.status = 'active', u.supplier_id,
        u.profile_image_url, u.created_at, u.updated_at, u.last_login_at)::scp_user_view)
$$;

-- Every authenticated request reads the caller's JSON with its session check; keeping it
-- ready in the row saves formatting it (three timestamps) on each of them.
ALTER TABLE users ADD COLUMN api_view json;
CREATE FUNCTION scp_users_api_view() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.api_view := scp_user_json(NEW);
    RETURN NEW;
END $$;
CREATE TRIGGER users_api_view BEFORE INSERT OR UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION scp_users_api_view();

-- A page of a list, as every list of the API answers (see lib/scp_page.h).
CREATE FUNCTION scp_page_json(p_results json, p_total bigint, p_page int, p_size int)
RETURNS json LANGUAGE sql IMMUTABLE AS $$
    SELECT json_build_object('results', coalesce(p_results, '[]'::json),
        'pagination', json_build_object('page', p_page, 'page_size', p_size,
            'total', coalesce(p_total, 0),
            'total_pages', (coalesce(p_total, 0) + p_size - 1) / p_size))
$$;

-- Open a session with its first refresh token; returns the session id.
CREATE FUNCTION scp_session_open(p_user uuid, p_refresh_hash text, p_ttl int)
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
CREATE FUNCTION scp_login(p_user uuid, p_refresh_hash text, p_ttl int)
RETURNS TABLE (session_id uuid, user_json json)
LANGUAGE plpgsql AS $$
DECLARE
    sid uuid := scp_session_open(p_user, p_refresh_hash, p_ttl);
BEGIN
    RETURN QUERY SELECT sid, scp_user_json(u) FROM users u WHERE u.id = p_user;
END $$;

-- Rotate a refresh token.  Outcomes: ok, invalid, raced (a concurrent rotation of the
-- same token won less than p_grace seconds ago: refused, family kept), reused (an old
-- token came back: the whole family is revoked), disabled.
CREATE FUNCTION scp_refresh(p_old text, p_new text, p_ttl int, p_grace int)
RETURNS TABLE (outcome text, user_id uuid, role text, supplier_id uuid, session_id uuid,
               user_json json)
LANGUAGE plpgsql AS $$
DECLARE
    t refresh_tokens;
    u users;
BEGIN
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
            RETURN QUERY SELECT 'reused', NULL::uuid, NULL, NULL::uuid, t.session_id, NULL::json;
        END IF;
        RETURN;
    END IF;
    SELECT us.* INTO u FROM sessions s JOIN users us ON us.id = s.user_id
        WHERE s.id = t.session_id AND s.revoked_at IS NULL AND s.expires_at > now()
          AND us.status = 'active';
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'disabled', NULL::uuid, NULL, NULL::uuid, NULL::uuid, NULL::json;
        RETURN;
    END IF;
    INSERT INTO refresh_tokens (session_id, token_hash, expires_at)
        SELECT t.session_id, p_new, s.expires_at FROM sessions s WHERE s.id = t.session_id;
    RETURN QUERY SELECT 'ok', u.id, u.role, u.supplier_id, t.session_id, scp_user_json(u);
END $$;

-- Issue an OTP for a phone: at most p_per_minute per phone per minute.  The code
-- travels in the job's payload to the sender; the table keeps only its hash.
CREATE FUNCTION scp_otp_send(p_phone text, p_code_hash text, p_code text, p_ttl int,
                             p_per_minute int)
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
    IF recent >= p_per_minute THEN
        RAISE EXCEPTION USING ERRCODE = 'SC429',
            MESSAGE = 'too many codes requested for this phone; try again later',
            HINT = greatest(1, ceil(extract(epoch FROM oldest + interval '1 minute' - now())))::int::text;
    END IF;
    INSERT INTO otps (phone, code_hash, expires_at)
        VALUES (p_phone, p_code_hash, now() + make_interval(secs => p_ttl)) RETURNING * INTO o;
    PERFORM scp_job_enqueue('whatsapp_otp',
        jsonb_build_object('phone', p_phone, 'code', p_code, 'otp_id', o.id));
    RETURN QUERY SELECT o.id, o.expires_at;
END $$;

-- Check an OTP.  Outcomes: ok (with a new session for the user, created as a client on
-- first sign-in), invalid, expired (none live, or its attempts are spent), disabled.
CREATE FUNCTION scp_otp_verify(p_phone text, p_otp_id uuid, p_code_hash text,
                               p_max_attempts int, p_limit int, p_refresh_hash text,
                               p_ttl int)
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
    IF n >= p_limit THEN
        RAISE EXCEPTION USING ERRCODE = 'SC429',
            MESSAGE = 'too many verification attempts; try again later', HINT = '300';
    END IF;
    INSERT INTO otp_verifications (phone) VALUES (p_phone);
    SELECT * INTO o FROM otps
        WHERE phone = p_phone AND used_at IS NULL AND (p_otp_id IS NULL OR id = p_otp_id)
        ORDER BY created_at DESC LIMIT 1 FOR UPDATE;
    IF NOT FOUND OR o.expires_at <= now() OR o.attempts >= p_max_attempts THEN
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
    sid := scp_session_open(u.id, p_refresh_hash, p_ttl);
    SELECT * INTO u FROM users WHERE id = u.id;
    RETURN QUERY SELECT 'ok', u.id, u.role, u.supplier_id, sid, scp_user_json(u);
END $$;

-- Sign up: a consumer, client or vendor; an owner brings a new supplier.
CREATE FUNCTION scp_signup(p_email text, p_hash text, p_role text, p_first text,
                           p_last text, p_company text, p_phone text,
                           p_supplier_name text, p_refresh_hash text, p_ttl int)
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
                       phone_number, supplier_id)
        VALUES (p_email, p_hash, p_role, p_first, p_last, p_company, p_phone, sup)
        RETURNING * INTO u;
    sid := scp_session_open(u.id, p_refresh_hash, p_ttl);
    SELECT * INTO u FROM users WHERE id = u.id;
    RETURN QUERY SELECT u.id, u.role, u.supplier_id, sid, scp_user_json(u);
END $$;
