-- Cliick.io's WebSocket events (sql/093_cliick_ws_events.sql): scp-worker writes each
-- one here (bin/worker_events.c); every scp-ws process reads the rows past the last id
-- it routed (bin/ws_feed.c).  That reader needs ids to become visible in their order:
-- a row committed after one with a higher id would be behind its last id, never read.
-- Two scp-worker processes writing at once would do just that (each takes its id, the
-- second commits first), so a writer takes its id under a lock its transaction keeps
-- until the row is visible: ids are taken and made visible one writer at a time.  The
-- lock is held from the insert to the commit, so this is the last statement of its
-- transaction (the worker's is a statement of its own).

-- One event: $1 shop (to its members now) or, with no shop, $2 user (a notification:
-- only if the user is some shop's member, so that a SELLIKO vendor or a B2B supplier,
-- who never opens /ws, costs nothing), the frame as made.  Rows older than ten minutes
-- go as new ones come (the index on created_at keeps that cheap): scp-ws reads on from
-- its last id after a lost connection, so they need to outlive a reconnect, not more.
CREATE OR REPLACE FUNCTION scp_ws_event(p_shop uuid, p_user uuid, p_frame json)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    who json;
    eid bigint;
BEGIN
    IF p_shop IS NULL THEN
        who := (SELECT json_build_array(p_user)
                 WHERE EXISTS (SELECT 1 FROM shop_members m WHERE m.user_id = p_user));
    ELSE
        who := (SELECT json_agg(m.user_id) FROM shop_members m WHERE m.shop_id = p_shop);
    END IF;
    IF who IS NULL THEN
        RETURN;
    END IF;
    DELETE FROM cliick_ws_events WHERE created_at < now() - interval '10 minutes';
    PERFORM pg_advisory_xact_lock(7295, 2);
    INSERT INTO cliick_ws_events (message)
        VALUES (json_build_object('users', who, 'shop', p_shop, 'frame', p_frame))
        RETURNING id INTO eid;
    PERFORM pg_notify('scp_ws', eid::text);
END $$;
