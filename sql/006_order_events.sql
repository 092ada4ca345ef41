-- Real-time order_updated events for catalog orders (DESIGN §5): every move of an order
-- (placed, accepted, rejected, started, completed, cancelled) is a row of
-- catalog_order_events, and each row queues one event job for two channels, the
-- supplier's staff (/ws/suppliers/<id>) and the consumer (/ws/users/<id>), in the
-- transaction of the move: a move that rolls back sends nothing.
--
-- The trigger is deferred to the commit, so the order it reads is the order as it was
-- committed (a new order's lines and totals are written after its first event row).

CREATE FUNCTION scp_catalog_order_event_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    o catalog_orders;
    d jsonb;
BEGIN
    SELECT * INTO STRICT o FROM catalog_orders WHERE id = NEW.order_id;
    d := jsonb_build_object('order_id', o.id, 'status', NEW.to_status,
                            'from_status', NEW.from_status, 'reason', NEW.reason,
                            'supplier_id', o.supplier_id, 'consumer_id', o.consumer_id,
                            'order', o.api_view::jsonb);
    -- One job, two channels ("topics"): a job row is written three times (queued,
    -- running, done), so one per event rather than one per channel.
    INSERT INTO jobs (kind, payload) VALUES ('order_updated',
        d || jsonb_build_object('topics', jsonb_build_array('/ws/suppliers/' || o.supplier_id,
                                                            '/ws/users/' || o.consumer_id)));
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER catalog_order_events_publish
    AFTER INSERT ON catalog_order_events
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION scp_catalog_order_event_jobs();

-- scp_job_enqueue was a SQL function: PostgreSQL never inlines one that writes, and a
-- call from PL/pgSQL (every event, every OTP) parsed and planned its INSERT anew each
-- time.  As PL/pgSQL the INSERT is planned once per session.
CREATE OR REPLACE FUNCTION scp_job_enqueue(p_kind text, p_payload jsonb,
                                           p_run_at timestamptz DEFAULT now())
RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    jid uuid;
BEGIN
    INSERT INTO jobs (kind, payload, run_at) VALUES (p_kind, p_payload, p_run_at)
        RETURNING id INTO jid;
    RETURN jid;
END $$;
