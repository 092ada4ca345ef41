-- Foundation: users, sessions, refresh tokens, OTPs, the jobs outbox.
--
-- Conventions: UUID keys, timestamptz, money as BIGINT minor units.  Migrations hold the
-- schema only; functions, views and triggers are in sql/functions/ (docs/operations.md).

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

-- The row type of the user as the API shows it (scp_user_json): row_to_json of a typed
-- row is compact and keeps this key order.
CREATE TYPE scp_user_view AS (
    id uuid, email text, first_name text, last_name text, name text, company_name text,
    phone_number text, phone_verified boolean, role text, status text, is_active boolean,
    supplier_id uuid,
    profile_image_url text, created_at timestamptz, updated_at timestamptz,
    last_login_at timestamptz
);

-- Every authenticated request reads the caller's JSON with its session check; keeping it
-- ready in the row (the users_api_view trigger) saves formatting it on each of them.
ALTER TABLE users ADD COLUMN api_view json;
