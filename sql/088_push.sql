-- Web push (RFC 8030): the browsers' push subscriptions of each user, made by the
-- PushSubscription a browser hands to POST /notifications/subscribe, and delivered by
-- scp-worker's web_push jobs (bin/worker_push.c; sql/functions/97_push.sql).
--
-- An endpoint is one browser's channel at its push service, so it belongs to one user
-- at a time: subscribing again from the same browser as another user moves it.  The
-- auth secret keys the payload encryption with p256dh (RFC 8291): it is sealed
-- (lib/scp_secret.h, aad "push:<endpoint>"); p256dh is a public key and stays in clear.
CREATE TABLE push_subscriptions (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- the session that subscribed: an unsubscribe that names no endpoint (Cliick's
    -- sends the cookie alone) removes that session's subscriptions
    session_id  uuid,
    endpoint    text NOT NULL UNIQUE
                CHECK (endpoint LIKE 'https://%' AND length(endpoint) <= 2048),
    p256dh      text NOT NULL CHECK (p256dh ~ '^[A-Za-z0-9_-]{87}$'),
    auth_sealed text NOT NULL CHECK (auth_sealed LIKE 'v1:%'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);
CREATE INDEX push_subscriptions_session ON push_subscriptions (session_id)
    WHERE session_id IS NOT NULL;
