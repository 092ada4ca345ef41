-- Field-agent tasks: assignment by an admin and the agent's moves.

-- A task as its agent sees it: the client's contact, the device, the order's status.
CREATE OR REPLACE FUNCTION scp_task_json(t agent_tasks) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', t.id, 'agent_id', t.agent_id, 'listing_id', t.listing_id,
        'order_id', t.order_id, 'type', t.type, 'priority', t.priority,
        'description', t.description, 'status', t.status,
        'client_contact', (SELECT json_build_object(
            'name', nullif(concat_ws(' ', u.first_name, u.last_name), ''),
            'phone', u.phone_number,
            'address', concat_ws(', ', l.street_address, l.landmark, l.city, l.state, l.pincode))
            FROM listings l JOIN users u ON u.id = l.client_id WHERE l.id = t.listing_id),
        'pickup_time', (SELECT l.pickup_time FROM listings l WHERE l.id = t.listing_id),
        'device', (SELECT json_build_object('brand', l.brand, 'model', l.model,
                       'storage', l.storage, 'color', l.color, 'imei1', l.imei1)
                   FROM listings l WHERE l.id = t.listing_id),
        'order_status', (SELECT o.status FROM auction_orders o WHERE o.id = t.order_id),
        'assigned_at', t.assigned_at, 'scheduled_at', t.scheduled_at,
        'accepted_at', t.accepted_at, 'started_at', t.started_at,
        'completed_at', t.completed_at, 'failed_at', t.failed_at,
        'failure_reason', t.failure_reason, 'notes', t.notes,
        'verification_photos', to_json(t.verification_photos),
        'commission_amount', scp_au_money(t.commission_amount),
        'commission_earned', scp_au_money(CASE WHEN t.status = 'completed'
                                               THEN t.commission_amount ELSE 0 END),
        'is_paid', t.is_paid, 'updated_at', t.updated_at)
$$;

-- Assign a pickup agent to a sold listing's open order.
CREATE OR REPLACE FUNCTION scp_agent_assign(p_listing uuid, p_agent uuid, p_admin uuid,
                                            p_priority text, p_notes text,
                                            p_scheduled timestamptz)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    l listings;
    o auction_orders;
    t agent_tasks;
BEGIN
    SELECT * INTO l FROM listings WHERE id = p_listing;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'listing not found';
    END IF;
    PERFORM 1 FROM users WHERE id = p_agent AND role = 'agent' AND status = 'active';
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC422', HINT = 'agent_id',
            MESSAGE = 'must be an active agent';
    END IF;
    SELECT * INTO o FROM auction_orders WHERE listing_id = p_listing FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC409',
            MESSAGE = format('cannot assign a pickup to a %s listing: it has no order yet',
                             l.status);
    END IF;
    IF o.status NOT IN ('pending_pickup', 'picked_up', 'in_transit') THEN
        RAISE EXCEPTION USING ERRCODE = 'SC409',
            MESSAGE = format('cannot assign a pickup to a %s order', o.status);
    END IF;
    INSERT INTO agent_tasks (agent_id, listing_id, order_id, type, priority, description,
                             assigned_by, scheduled_at, commission_amount)
        VALUES (p_agent, l.id, o.id, 'pickup', p_priority,
                coalesce(p_notes, format('Pick up %s %s (%s) in %s, %s slot', l.brand,
                         l.model, l.storage, l.city, l.pickup_time)),
                p_admin, p_scheduled, o.agent_commission)
        RETURNING * INTO t;
    UPDATE auction_orders SET agent_id = p_agent, updated_at = now(),
           pickup_scheduled_at = coalesce(p_scheduled, pickup_scheduled_at)
     WHERE id = o.id;
    PERFORM scp_job_enqueue('task_assigned',
        jsonb_build_object('task_id', t.id, 'agent_id', p_agent, 'priority', t.priority,
                           'listing_id', l.id, 'order_id', o.id,
                           'topic', '/ws/users/' || p_agent));
    RETURN scp_task_json(t);
END $$;

-- Move an agent's own task: accept, start, complete (only once its order is
-- delivered: the commission is earned for a finished pickup), fail (the order is free
-- to be assigned again).
CREATE OR REPLACE FUNCTION scp_agent_task_move(p_id uuid, p_agent uuid, p_to text, p_notes text,
                                               p_photos text[], p_reason text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    t agent_tasks;
    ostatus text;
BEGIN
    SELECT * INTO t FROM agent_tasks WHERE id = p_id AND agent_id = p_agent FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'SC404', MESSAGE = 'task not found';
    END IF;
    PERFORM scp_state_check('agent_task', t.status, p_to);
    IF p_to = 'completed' AND t.order_id IS NOT NULL THEN
        SELECT status INTO ostatus FROM auction_orders WHERE id = t.order_id;
        IF ostatus NOT IN ('delivered', 'completed') THEN
            RAISE EXCEPTION USING ERRCODE = 'SC409',
                MESSAGE = format('cannot move from in_progress to completed: the order is %s, '
                                 'not delivered', ostatus);
        END IF;
    END IF;
    UPDATE agent_tasks SET status = p_to, updated_at = now(),
           accepted_at = CASE WHEN p_to = 'accepted' THEN now() ELSE accepted_at END,
           started_at = CASE WHEN p_to = 'in_progress' THEN now() ELSE started_at END,
           completed_at = CASE WHEN p_to = 'completed' THEN now() ELSE completed_at END,
           failed_at = CASE WHEN p_to = 'failed' THEN now() ELSE failed_at END,
           failure_reason = CASE WHEN p_to = 'failed' THEN p_reason ELSE failure_reason END,
           notes = coalesce(p_notes, notes),
           verification_photos = coalesce(p_photos, verification_photos)
     WHERE id = p_id RETURNING * INTO t;
    IF p_to = 'failed' THEN
        UPDATE auction_orders SET agent_id = NULL, updated_at = now()
         WHERE id = t.order_id AND agent_id = p_agent;
    END IF;
    RETURN scp_task_json(t);
END $$;
