-- Usernames (seed 004's dashboard signs up and in by username; Cliick's register sends
-- one): an account may have a username, unique whatever its case, and sign in by it as
-- by its email.  A username never holds an '@', so it cannot be mistaken for an email
-- (sign-in throttling keys both by the lowercased identifier, one namespace).
ALTER TABLE users ADD COLUMN username text
    CONSTRAINT users_username_check CHECK (username ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{2,49}$');
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

-- An account is reached by its email, its phone or (now) its username.
ALTER TABLE users DROP CONSTRAINT users_phone_number_check;
ALTER TABLE users ADD CONSTRAINT users_phone_number_check
    CHECK (email IS NOT NULL OR phone_number IS NOT NULL OR username IS NOT NULL);

-- The user's JSON gains username (last: ADD ATTRIBUTE appends).  Every user's kept
-- document is written again once scp_user_json is the new one (020_order_portal.sql:
-- stale_api_views; sql/functions/20_auth.sql).
ALTER TYPE scp_user_view ADD ATTRIBUTE username text;
INSERT INTO stale_api_views VALUES ('users') ON CONFLICT DO NOTHING;
