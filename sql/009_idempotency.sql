-- Idempotency-Key on creating POSTs (DESIGN §7; lib/scp_idem.c, docs/decisions.md).
--
-- A key is the caller's: (caller, key) is the primary key, so two users' keys never
-- meet.  The row is claimed before the handler runs (status NULL: in flight) and
-- completed after it with the response the caller got; a replay returns that response.
-- claim is the transaction id of the claim, so that the request that claimed a key is
-- the only one that completes or releases it, even after another took an abandoned
-- claim over.  Rows older than 24 h are free for reuse and pruned by scp-worker's sweep.

CREATE TABLE idempotency_keys (
    caller uuid NOT NULL,
    key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint text NOT NULL,		-- "METHOD path[?query] sha256(body)"
    claim xid8 NOT NULL DEFAULT pg_current_xact_id(),
    status int CHECK (status BETWEEN 100 AND 499),
    headers text,			-- extra response header lines, CRLF-terminated
    response text,
    created_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    PRIMARY KEY (caller, key),
    CHECK ((status IS NULL) = (completed_at IS NULL))
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
