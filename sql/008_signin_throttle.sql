-- Per-account throttling of password checks (DESIGN.md §7, docs/decisions.md), on top of
-- nginx's per-address limit_req: sign-in (purpose 'login', keyed by the lowercased email,
-- whether or not an account has it, so that "locked" tells nothing about existence) and
-- the current_password of a password change (purpose 'password', keyed by the user id).
--
-- A row is a streak of failures.  From the 5th failure on, the subject is locked for
-- 30 s after its latest failure, doubling with each further failure, at most 1 hour.  The
-- streak is forgotten 15 minutes after its latest failure, or after its lock ended; a
-- success ends it at once.  An attempt refused while locked is not a failure: no
-- password was checked.
--
-- The C side runs scp_signin_check() in the statement that fetches the password hash
-- (before hashing), then scp_signin_failed() or scp_signin_passed() with the outcome.
-- A refusal raises SC429 (HINT = Retry-After) and so writes nothing.

CREATE TABLE signin_throttle (
    purpose         text NOT NULL CHECK (purpose IN ('login', 'password')),
    subject         text NOT NULL,
    failures        int NOT NULL CHECK (failures > 0),
    last_failure_at timestamptz NOT NULL,
    PRIMARY KEY (purpose, subject)
);
CREATE INDEX signin_throttle_last_failure_at ON signin_throttle (last_failure_at);
