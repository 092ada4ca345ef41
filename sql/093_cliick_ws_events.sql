-- Cliick.io's WebSocket events (/ws, served by scp-ws): scp-worker writes each event
-- once, {users, shop, frame} as text, and NOTIFYs scp_ws with its id; every scp-ws
-- process LISTENs, reads the rows past the last id it routed, and sends each frame to
-- the connections it is for.  A row is the resume point too: a process that lost its
-- database connection reads on from its last id, so nothing is lost while rows are
-- kept (scp-worker deletes those older than ten minutes as it writes new ones).
-- Not nchan's channel with Last-Event-ID: that crashed Debian's nchan 1.3.6 on a
-- reload (docs/decisions.md, "Cliick.io's WebSocket").

CREATE TABLE cliick_ws_events (
    id bigserial PRIMARY KEY,
    message text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cliick_ws_events_created_at ON cliick_ws_events (created_at);
