-- Real-time order_updated events for catalog orders (DESIGN §5): every move of an order
-- (placed, accepted, rejected, started, completed, cancelled) is a row of
-- catalog_order_events, and each row queues two event jobs, one for the supplier's
-- staff (/ws/suppliers/<id>) and one for the consumer (/ws/users/<id>), in the
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
    PERFORM scp_job_enqueue('order_updated',
        d || jsonb_build_object('topic', '/ws/suppliers/' || o.supplier_id));
    PERFORM scp_job_enqueue('order_updated',
        d || jsonb_build_object('topic', '/ws/users/' || o.consumer_id));
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER catalog_order_events_publish
    AFTER INSERT ON catalog_order_events
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION scp_catalog_order_event_jobs();
