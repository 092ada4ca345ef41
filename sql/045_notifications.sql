-- Notifications (DESIGN §5, issue 11): one row per user and event that concerns them,
-- written in the transaction of the change they report, and each user's preferences per
-- type and channel.  The rows are derived from the outbox and from a few tables by the
-- triggers of sql/functions/87_notifications.sql; the messages family reads them.

-- The kinds of notification, written by sql/functions/87_notifications.sql (as
-- state_moves is by 12_state_moves.sql): notifications and preferences name one.
CREATE TABLE notification_types (
    type  text PRIMARY KEY
);

CREATE TABLE notifications (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    type        text NOT NULL REFERENCES notification_types(type),
    title       text NOT NULL,
    message     text NOT NULL,
    -- the ids a client needs to open what it is about (listing_id, order_id, …)
    data        jsonb NOT NULL DEFAULT '{}',
    priority    text NOT NULL DEFAULT 'normal' CHECK (priority IN ('high', 'normal', 'low')),
    -- the one object it is about (a listing, an order, a conversation, a link, …)
    target_id   uuid,
    is_read     boolean NOT NULL DEFAULT false,
    read_at     timestamptz,
    -- clock time: the notifications of one transaction keep the order they were written in
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK (is_read = (read_at IS NOT NULL))
);
CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id, created_at DESC, id DESC)
    WHERE NOT is_read;
-- the prune of old read notifications (scp-worker's sweep)
CREATE INDEX notifications_read_idx ON notifications (read_at) WHERE is_read;

-- A row only for a type the user changed: no row means in-app on, WhatsApp off (a
-- WhatsApp message is sent only to whoever opted in).
CREATE TABLE notification_preferences (
    user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    type        text NOT NULL REFERENCES notification_types(type),
    in_app      boolean NOT NULL DEFAULT true,
    whatsapp    boolean NOT NULL DEFAULT false,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, type)
);
