-- Web push: subscriptions and their deliveries (sql/088_push.sql, cgi-bin/messages/push.c,
-- bin/worker_push.c).

-- Subscribe (or refresh) one browser's endpoint for p_user.  Idempotent: the same
-- endpoint again updates its keys and answers inserted = false; one another user had
-- moves to p_user (the browser now signs in as p_user).  A user keeps at most 20
-- subscriptions, the most recently (re)subscribed: a client that subscribes without end
-- would otherwise multiply every notification's pushes; the oldest go first.
CREATE OR REPLACE FUNCTION scp_push_subscribe(p_user uuid, p_session uuid, p_endpoint text,
                                              p_p256dh text, p_auth_sealed text,
                                              OUT subscription json, OUT inserted boolean)
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO push_subscriptions AS s (user_id, session_id, endpoint, p256dh, auth_sealed)
    VALUES (p_user, p_session, p_endpoint, p_p256dh, p_auth_sealed)
    ON CONFLICT (endpoint) DO UPDATE
       SET user_id = EXCLUDED.user_id, session_id = EXCLUDED.session_id,
           p256dh = EXCLUDED.p256dh, auth_sealed = EXCLUDED.auth_sealed, updated_at = now()
    RETURNING json_build_object('id', s.id, 'endpoint', s.endpoint,
                                'created_at', s.created_at, 'updated_at', s.updated_at),
              (xmax = 0)
         INTO subscription, inserted;
    DELETE FROM push_subscriptions WHERE user_id = p_user AND id NOT IN (
        SELECT id FROM push_subscriptions WHERE user_id = p_user
         ORDER BY updated_at DESC, id DESC LIMIT 20);
END $$;

-- The payload of a notification's push: the notification as the API shows it, or, when
-- that does not fit a push message (3993 bytes, lib/scp_webpush.h), the same without
-- its data and with the message cut, so that a long text still reaches the browser.
CREATE OR REPLACE FUNCTION scp_push_payload(n notifications)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN octet_length(full_text) <= 3993 THEN full_text
                ELSE json_build_object('id', n.id, 'user_id', n.user_id, 'type', n.type,
                         'title', left(n.title, 200), 'message', left(n.message, 1000),
                         'body', left(n.message, 1000), 'data', '{}'::json,
                         'priority', n.priority, 'target_id', n.target_id,
                         'is_read', n.is_read, 'read_at', n.read_at,
                         'created_at', n.created_at, 'truncated', true)::text END
      FROM (SELECT scp_notification_json(n)::text AS full_text) f
$$;

-- Every notification written to a user with subscriptions queues one web_push job per
-- subscription, in the notification's transaction (a rolled-back change pushes
-- nothing; a type switched off is never written, so never pushed).  One statement per
-- INSERT (a message to a supplier's whole staff is one insert of many rows), joined to
-- the subscriptions by their user index.  A job per subscription, not per notification:
-- one push service's 5xx retries that endpoint alone, a 410 drops that one alone.
CREATE OR REPLACE FUNCTION scp_push_queue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO jobs (kind, payload)
    SELECT 'web_push', jsonb_build_object('subscription_id', s.id, 'notification_id', n.id)
      FROM new_rows n JOIN push_subscriptions s ON s.user_id = n.user_id;
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER notifications_push AFTER INSERT ON notifications
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION scp_push_queue();
